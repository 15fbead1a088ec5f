"""Quick search (citelib.search) and the sorted, scoped pages the Library hands out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citelib import search
from citelib.errors import InvalidValue, NotFound, QueryError
from citelib.library import Library, Scope
from citelib.library.service import SORT_COLUMNS
from citelib.model import Creator, Item
from tests.conftest import sample_items

# Titles, short enough to name in the assertions.
NK = (
    "Current development and challenges of NK cell-based immunotherapy for gastrointestinal cancers"
)
ACT = "Adoptive cell transfer as personalized immunotherapy for human cancer"
JANEWAY = "Janeway's Immunobiology"
WHO = "Global cancer statistics für Ärzte"
CHAPTER = "Natural killer cells in tumour immunity"
CONF = "Killer apps: NEAR-real-time AND/OR queries"
THESIS = "A trashed thesis on cancer"
PREPRINT = "Cell therapy manufacturing at scale"
UNDATED = "The undated manuscript"


def _items() -> list[Item]:
    items = sample_items()
    items[3].tags = ["Ärzte"]
    items += [
        Item(
            "bookSection",
            {
                "title": CHAPTER,
                "publicationTitle": "Handbook of Immunology",
                "date": "2010",
                "pages": "1-20",
            },
            [Creator("Zheng", "Li"), Creator("Ortiz", "Ana", role="editor")],
            ["adoptive cell transfer", "Reviews"],
        ),
        Item(
            "conferencePaper",
            {
                "title": CONF,
                "abstract": "We describe natural killer queries: a star* and a caret^ too.",
                "date": "2019-06-01",
                "event": "SQLCon",
            },
            [Creator(literal="The FTS Consortium")],
        ),
        Item(
            "thesis",
            {"title": THESIS, "date": "2019", "genre": "PhD thesis"},
            [Creator("Zheng", "Wei")],
            ["Textbook"],
        ),
        Item(
            "preprint",
            {"title": PREPRINT, "date": "2021", "arXiv": "2101.00001", "publisher": "bioRxiv"},
            [Creator("Åström", "Karl")],
            ["CAR-NK cells"],
            ["<p>Our <b>protocol</b> for expansion &amp; release</p>"],
        ),
        Item("manuscript", {"title": UNDATED}, [Creator("Nobody", "N")]),
    ]
    return items


class Fixture:
    """The library shared by this module's read-only tests, with names for its parts."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self.ids = list(lib.add_items(_items()).new_ids)
        self.by_title = {s.title: s.id for s in lib.summaries(self.ids)}
        self.trashed = self.by_title[THESIS]
        lib.trash([self.trashed])
        self.research = lib.create_collection("Research").new_ids[0]
        self.nk = lib.create_collection("NK", self.research).new_ids[0]
        self.other = lib.create_collection("Other").new_ids[0]
        lib.add_to_collection(self.research, [self.by_title[ACT]])
        lib.add_to_collection(self.nk, [self.by_title[NK], self.by_title[PREPRINT], self.trashed])
        lib.add_to_collection(self.other, [self.by_title[JANEWAY], self.by_title[NK]])


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    folder: Path = tmp_path_factory.mktemp("search") / "library"
    with Library.open(folder) as lib:
        yield Fixture(lib)


LIBRARY = Scope()  # My Library: everything outside the trash


def found(fx: Fixture, query: str, scope: Scope | None = LIBRARY) -> set[str]:
    page = fx.lib.search(query, scope, limit=1000)
    assert page.total == len(page.rows)
    assert fx.lib.count(query, scope) == page.total
    return {r.title for r in page.rows}


ALL = {NK, ACT, JANEWAY, WHO, CHAPTER, CONF, PREPRINT, UNDATED}


# ------------------------------------------------------------------ the syntax


def test_empty_query_is_everything_outside_the_trash(fx: Fixture) -> None:
    assert found(fx, "") == ALL
    assert found(fx, "   ") == ALL
    assert search.condition("") is None


def test_words_are_prefixes_anywhere(fx: Fixture) -> None:
    assert found(fx, "immuno") == {NK, ACT, JANEWAY, CHAPTER}
    assert found(fx, "Immunotherapy") == {NK, ACT}
    assert found(fx, "immunotherapy adoptive") == {ACT, NK}  # NK has the tag
    assert found(fx, "immunotherapy personal") == {ACT}
    assert found(fx, "garland") == {JANEWAY}  # publisher
    assert found(fx, "2101.00001") == {PREPRINT}  # an identifier
    assert found(fx, "phd") == set()  # the thesis is in the trash
    assert found(fx, "phd", Scope(trash=True)) == {THESIS}
    assert found(fx, "nosuchword") == set()


def test_phrases(fx: Fixture) -> None:
    assert found(fx, '"natural killer"') == {CHAPTER, CONF}
    assert found(fx, '"killer natural"') == set()
    assert found(fx, "killer natural") == {CHAPTER, CONF}
    assert found(fx, '"immuno"') == set()  # a phrase is whole words
    assert found(fx, '"cell transfer"') == {NK, ACT, CHAPTER}


def test_field_prefixes(fx: Fixture) -> None:
    assert found(fx, "author:zheng") == {NK, CHAPTER}
    assert found(fx, "creator:situo") == {NK}
    assert found(fx, "AUTHOR:Zheng") == {NK, CHAPTER}
    assert found(fx, 'author:"situo zheng"') == {NK}
    assert found(fx, "author:ortiz") == {CHAPTER}  # editors are creators too
    assert found(fx, "author:world") == {WHO}
    assert found(fx, "title:cancer") == {NK, ACT, WHO}
    assert found(fx, 'title:"cell therapy"') == {PREPRINT}
    assert found(fx, "title:science") == set()
    assert found(fx, "publication:science") == {ACT}
    assert found(fx, 'journal:"clinical oncology"') == {NK}
    assert found(fx, "publication:onc") == {NK}  # journal abbreviation
    assert found(fx, "publication:handbook") == {CHAPTER}
    assert found(fx, "abstract:caret") == {CONF}
    assert found(fx, "note:protocol") == {PREPRINT}
    assert found(fx, "note:expansion release") == {PREPRINT}
    assert found(fx, "protocol") == {PREPRINT}
    assert found(fx, "note:amp") == set()


def test_years(fx: Fixture) -> None:
    assert found(fx, "year:2015") == {ACT}
    assert found(fx, "year:2015..2016") == {ACT, JANEWAY}
    assert found(fx, "year:..2015") == {ACT, CHAPTER}
    assert found(fx, "year:2019..") == {NK, WHO, CONF, PREPRINT}
    assert found(fx, "year:2019") == {CONF}
    assert found(fx, "year:2016..2015") == set()
    assert found(fx, 'year:"2016"') == {JANEWAY}
    # an item without a date is not in 2015, so "not 2015" includes it
    assert found(fx, "-year:2015") == ALL - {ACT}
    assert found(fx, "-year:..2015") == ALL - {ACT, CHAPTER}


@pytest.mark.parametrize("query", ["year:abc", "year:..", "year:2019x", "year:2019-2021", "year:"])
def test_bad_years(fx: Fixture, query: str) -> None:
    if query == "year:":  # a bare prefix with no value is ordinary text
        assert found(fx, query) == set()
        return
    with pytest.raises(QueryError, match="year"):
        fx.lib.search(query)


def test_tags(fx: Fixture) -> None:
    assert found(fx, "tag:Textbook") == {JANEWAY}
    assert found(fx, "tag:textbook") == {JANEWAY}
    assert found(fx, "tag:TEXTBOOK") == {JANEWAY}
    assert found(fx, "tag:textbook", Scope(trash=True)) == {THESIS}
    assert found(fx, 'tag:"adoptive cell transfer"') == {NK, ACT, CHAPTER}
    assert found(fx, 'tag:"CAR-NK cells"') == {NK, PREPRINT}
    assert found(fx, "tag:CAR-NK") == set()  # exact, not a prefix
    assert found(fx, "tag:adoptive") == set()
    assert found(fx, "tag:Ärzte") == {WHO}
    assert found(fx, "tag:ärzte") == {WHO}  # case-insensitive beyond ASCII
    assert found(fx, "tag:ÄRZTE") == {WHO}
    assert found(fx, "tag:nothing") == set()
    assert found(fx, "textbook") == {JANEWAY}  # tags are words too


def test_identifiers(fx: Fixture) -> None:
    assert found(fx, "doi:10.1126/science.aaa4967") == {ACT}
    assert found(fx, "doi:10.1126/SCIENCE.AAA4967") == {ACT}
    assert found(fx, "doi:https://doi.org/10.1126/science.aaa4967") == {ACT}
    assert found(fx, "DOI:https://dx.doi.org/10.1007/S10147-025-02954-4") == {NK}
    assert found(fx, 'doi:"doi: 10.1007/s10147-025-02954-4"') == {NK}
    assert found(fx, "doi:10.1126") == set()  # a DOI is exact
    assert found(fx, "pmid:41524997") == {NK}
    assert found(fx, "pmid:4152499") == set()
    key = fx.lib.summaries([fx.by_title[JANEWAY]])[0].key
    assert found(fx, f"key:{key}") == {JANEWAY}
    assert found(fx, f"key:{key.lower()}") == {JANEWAY}


def test_types(fx: Fixture) -> None:
    assert found(fx, "type:book") == {JANEWAY}
    assert found(fx, "type:bookSection") == {CHAPTER}
    assert found(fx, "type:booksection") == {CHAPTER}
    assert found(fx, 'type:"book section"') == {CHAPTER}
    assert found(fx, 'type:"Journal Article"') == {NK, ACT}
    assert found(fx, "type:webpage") == set()
    with pytest.raises(QueryError, match="unknown item type"):
        fx.lib.search("type:novel")
    with pytest.raises(QueryError):
        fx.lib.count('type:"book chapter"')


def test_negation_and_combination(fx: Fixture) -> None:
    assert found(fx, "-tag:textbook") == ALL - {JANEWAY}
    assert found(fx, "cancer -tag:Textbook") == {NK, ACT, WHO}
    assert found(fx, "-cancer") == ALL - {NK, ACT, WHO}
    assert found(fx, "cell -author:zheng") == {ACT, PREPRINT}
    assert found(fx, '-"natural killer"') == ALL - {CHAPTER, CONF}
    assert found(fx, "-doi:10.1126/science.aaa4967") == ALL - {ACT}
    assert found(fx, "-pmid:41524997") == ALL - {NK}
    assert found(fx, "-type:book") == ALL - {JANEWAY}
    assert found(fx, 'author:zheng year:2020.. tag:"car-nk cells"') == {NK}
    assert found(fx, "immunotherapy year:..2020 -publication:science") == set()
    assert found(fx, "cell year:2010..2021 -tag:Reviews") == {ACT, PREPRINT}
    assert found(fx, "-immunotherapy -cancer -killer") == {JANEWAY, PREPRINT, UNDATED}
    # negated words after a positive one are one FTS5 match (`(a) NOT (b) NOT (c)`)
    for positive, negated in [
        ("cell", ["author:zheng", '"natural killer"']),
        ("cell year:2000..", ["cancer", "title:adoptive"]),
        ('"cell" immunotherapy', ["car-nk", "zzzz"]),
    ]:
        expected = found(fx, positive)
        for term in negated:
            expected -= found(fx, term)
        query = " ".join([positive, *(f"-{term}" for term in negated)])
        assert found(fx, query) == expected, query
        assert fx.lib.count(query) == len(expected)


def test_diacritics_and_hyphens(fx: Fixture) -> None:
    assert found(fx, "muller") == {WHO}
    assert found(fx, "Müller") == {WHO}
    assert found(fx, "MÜLLER") == {WHO}
    assert found(fx, "arzte") == {WHO}
    assert found(fx, "fur") == {WHO}
    assert found(fx, "astrom") == {PREPRINT}
    assert found(fx, "author:astrom") == {PREPRINT}
    assert found(fx, "CAR-NK") == {NK, PREPRINT}
    assert found(fx, "car-nk") == {NK, PREPRINT}
    assert found(fx, "cell-based") == {NK}
    assert found(fx, "NK-cell") == {NK, PREPRINT}  # "NK cell-based", "CAR-NK cells"
    assert found(fx, "cell-NK") == set()


def test_unknown_prefixes_are_text(fx: Fixture) -> None:
    assert found(fx, "apps:") == {CONF}
    assert found(fx, "killer apps:near") == {CONF}
    assert found(fx, "http://nowhere") == set()
    terms = search.parse("foo:bar -tag:x")
    assert terms[0] == search.Term("foo:bar")
    assert terms[1] == search.Term("x", "tag", negated=True)


def test_parse() -> None:
    assert search.parse('  a  "b c"  title:"d e" -f year:1..2 tag:"x') == [
        search.Term("a"),
        search.Term("b c", phrase=True),
        search.Term("d e", "title", phrase=True),
        search.Term("f", negated=True),
        search.Term("1..2", "year"),
        search.Term("x", "tag", phrase=True),
    ]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"""',
        "*",
        "a*",
        "*a",
        "AND",
        "OR",
        "NOT",
        "a AND",
        "AND a",
        "NEAR(",
        "NEAR(a b)",
        "NEAR(a b, 2)",
        ":",
        "::",
        "title:",
        'title:"',
        'title:"open',
        "^",
        "^killer",
        "(",
        ")",
        "{title}:x",
        "{title author}: killer",
        "+",
        "-",
        "--",
        "- -",
        "'",
        "\\",
        "%",
        "_",
        "a_b",
        "__init__",
        "'; DROP TABLE items; --",
        "col:umn:",
        "tag:",
        'tag:""',
        "-tag:",
        "doi:",
        "pmid:",
        "key:",
        '"natural killer',
        'killer"',
        "natural\tkiller",
        "natural\nkiller",
        "x" * 5000,
        "ｆｕｌｌｗｉｄｔｈ",
        "日本語",
        "e\u0301",
        "\u0301",
        "²",
        "🙂",
        "\x00",
    ],
)
def test_fts_syntax_in_user_input_never_raises(fx: Fixture, query: str) -> None:
    page = fx.lib.search(query)
    assert page.total >= len(page.rows)
    fx.lib.count(query, Scope(trash=True))


def test_fts_syntax_is_searched_as_words(fx: Fixture) -> None:
    assert found(fx, "AND") == {NK, CONF}  # the word "and", as a prefix
    assert found(fx, '"and"') == {NK, CONF}
    assert found(fx, "NEAR(") == {CONF}
    assert found(fx, "star*") == {CONF}
    assert found(fx, "^caret") == {CONF}
    assert found(fx, '"') == ALL  # no word at all: no condition
    assert found(fx, "*") == ALL
    assert found(fx, "_") == ALL
    assert found(fx, "cell_therapy") == {PREPRINT}  # "_" separates words, as in the index


def test_negated_text_without_words_is_ignored(fx: Fixture) -> None:
    assert found(fx, "-*") == ALL
    assert found(fx, '-"') == ALL


@settings(
    max_examples=200,
    deadline=None,
    database=None,
)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(
                [
                    '"',
                    "-",
                    "*",
                    ":",
                    "^",
                    "(",
                    ")",
                    "AND",
                    "OR",
                    "NOT",
                    "NEAR(",
                    "NEAR/",
                    "+",
                    "{",
                    "}",
                    "_",
                    " ",
                    "..",
                ]
            ),
            st.builds(
                lambda f, v: f"{f}:{v}",
                st.sampled_from([*search.FTS_FIELDS, *search.SQL_FIELDS, "x", "Tag"]),
                st.text(max_size=10),
            ),
        ),
        max_size=8,
    ).map("".join)
)
def test_random_queries_raise_only_query_errors(fx: Fixture, query: str) -> None:
    try:
        page = fx.lib.search(query, limit=5)
    except QueryError:
        return
    assert page.total >= len(page.rows)


# ------------------------------------------------------------------ sorting and paging


def _sort_values(fx: Fixture, column: str, ids: list[int]) -> dict[int, Any]:
    with fx.lib.db.read() as conn:
        return dict(conn.exec_driver_sql(f"SELECT id, {column} FROM items").all())


def _key(value: Any) -> tuple[int, Any]:
    return (0, 0) if value is None else (1, value)  # SQLite puts NULL first


@pytest.mark.parametrize("sort", list(SORT_COLUMNS))
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_and_paging(fx: Fixture, sort: str, descending: bool) -> None:
    every = fx.lib.item_ids(sort=sort, descending=descending)
    assert sorted(every) == sorted(set(fx.ids) - {fx.trashed})
    values = _sort_values(fx, SORT_COLUMNS[sort], every)
    expected = sorted(every, key=lambda i: (_key(values[i]), i), reverse=descending)
    assert every == expected
    for size in (1, 3, 5):
        pages = [
            fx.lib.search(sort=sort, descending=descending, offset=start, limit=size)
            for start in range(0, len(every) + size, size)
        ]
        assert all(p.total == len(every) for p in pages)
        assert [r.id for p in pages for r in p.rows] == every
    assert fx.lib.search(offset=len(every), limit=10).rows == []


@pytest.mark.parametrize("sort", list(SORT_COLUMNS))
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("query", ["", "cell"])
def test_pages_after_an_item_follow_the_same_order(
    fx: Fixture, sort: str, descending: bool, query: str
) -> None:
    every = fx.lib.item_ids(query, sort=sort, descending=descending)
    assert len(every) > 2
    for size in (1, 2, 3):
        first = fx.lib.search(query, sort=sort, descending=descending, limit=size)
        got = [r.id for r in first.rows]
        while True:
            page = fx.lib.search(
                query,
                sort=sort,
                descending=descending,
                limit=size,
                after=got[-1],
                total=first.total,
            )
            if not page.rows:
                break
            assert page.total == first.total  # passed back, not counted
            got += [r.id for r in page.rows]
        assert got == every
    with pytest.raises(NotFound):
        fx.lib.search(sort=sort, after=10**9)


def test_sorting_by_title_skips_articles_and_case(fx: Fixture) -> None:
    order = [r.title for r in fx.lib.search(sort="title").rows]
    assert order == [ACT, PREPRINT, NK, WHO, JANEWAY, CONF, CHAPTER, UNDATED]


def test_sorting_within_a_query_and_a_scope(fx: Fixture) -> None:
    years = [r.year for r in fx.lib.search("cell", sort="year", descending=True).rows]
    assert years == sorted(years, key=_key, reverse=True)
    assert None not in years or years[-1] is None


def test_unknown_sort_is_refused(fx: Fixture) -> None:
    with pytest.raises(InvalidValue, match="cannot sort"):
        fx.lib.search(sort="colour")
    with pytest.raises(InvalidValue):
        fx.lib.item_ids(sort="")


# ------------------------------------------------------------------ scopes


def test_scopes(fx: Fixture) -> None:
    t = fx.by_title
    assert found(fx, "", Scope(collection=fx.research)) == {ACT}
    assert found(fx, "", Scope(collection=fx.research, subcollections=True)) == {ACT, NK, PREPRINT}
    assert found(fx, "", Scope(collection=fx.nk)) == {NK, PREPRINT}
    assert found(fx, "", Scope(collection=fx.nk, trash=True)) == {THESIS}
    assert found(fx, "cell", Scope(collection=fx.nk)) == {NK, PREPRINT}
    assert found(fx, "therapy", Scope(collection=fx.nk)) == {PREPRINT}
    assert found(fx, "", Scope(unfiled=True)) == {WHO, CHAPTER, CONF, UNDATED}
    assert found(fx, "", Scope(trash=True)) == {THESIS}
    assert found(fx, "", Scope(tags=("Textbook",))) == {JANEWAY}
    assert found(fx, "", Scope(tags=("CAR-NK cells", "Adoptive cell transfer"))) == {NK}
    assert found(fx, "", Scope(tags=("textbook",))) == set()  # the sidebar names tags exactly
    assert found(fx, "", None) == ALL | {THESIS}
    assert fx.lib.count(scope=None) == len(fx.ids)
    assert fx.lib.item_ids("", Scope(collection=fx.other), sort="title") == [t[NK], t[JANEWAY]]
    assert found(fx, "", Scope(collection=9999)) == set()
