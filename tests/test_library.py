"""The model's plain objects and the Library service, on real SQLite files."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from citelib.errors import Interrupted, InvalidValue, NotFound, QueryError
from citelib.library import Change, Interrupt, Library, Scope
from citelib.model import (
    KEY_ALPHABET,
    Creator,
    Item,
    ParsedDate,
    creator_summary,
    new_key,
    normalise_doi,
    parse_date,
    sort_key_title,
)
from tests.conftest import Dump, dump_library, sample_items


def dump(lib: Library) -> Dump:
    return dump_library(lib, bookkeeping=True)


LIBRARY = Scope()  # My Library: everything outside the trash


def titles(lib: Library, query: str = "", scope: Scope | None = LIBRARY) -> list[str]:
    return [r.title for r in lib.search(query, scope, limit=1000).rows]


def tag_counts(lib: Library, scope: Scope | None = None) -> dict[str, int]:
    return {t.name: t.count for t in lib.tags(scope)}


@pytest.fixture
def filled(lib: Library) -> Library:
    lib.add_items(sample_items())
    return lib


# ------------------------------------------------------------------ model


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015", (2015, None, None)),
        ("2015-03-07", (2015, 3, 7)),
        ("2015/03/", (2015, 3, None)),
        ("2015///", (2015, None, None)),
        ("2016/01/", (2016, 1, None)),
        ("2020-05", (2020, 5, None)),
        ("2020-05-06T12:30:00Z", (2020, 5, 6)),
        ("7 Mar 2015", (2015, 3, 7)),
        ("March 7, 2015", (2015, 3, 7)),
        ("Mar 2015", (2015, 3, None)),
        ("2015 Mar 7", (2015, 3, 7)),  # PubMed's DP
        ("2015 Mar", (2015, 3, None)),
        ("15 mars 2015", (2015, 3, 15)),
        ("Spring 2019", (2019, None, None)),
        ("12/01/2020", (2020, 12, 1)),  # month first where the first number can be a month
        ("31/12/2020", (2020, 12, 31)),  # day first where it cannot
        ("2015-13-40", (2015, None, None)),
        ("45/45/2020", (2020, None, None)),
        ("", (None, None, None)),
        ("n.d.", (None, None, None)),
        ("in press", (None, None, None)),
        ("forthcoming 12", (None, None, None)),
    ],
)
def test_parse_date(text: str, expected: tuple[int | None, int | None, int | None]) -> None:
    assert parse_date(text) == ParsedDate(*expected)


def test_item_year_comes_from_its_date() -> None:
    assert Item(fields={"date": "March 7, 2015"}).year == 2015
    assert Item().year is None


@pytest.mark.parametrize(
    "text",
    [
        "10.1126/science.aaa4967",
        "https://doi.org/10.1126/science.aaa4967",
        "http://doi.org/10.1126/science.aaa4967",
        "https://dx.doi.org/10.1126/science.aaa4967",
        "HTTPS://DOI.ORG/10.1126/science.aaa4967",
        "doi.org/10.1126/science.aaa4967",
        "doi:10.1126/science.aaa4967",
        "DOI: 10.1126/science.aaa4967",
        "  10.1126/science.aaa4967 \n",
    ],
)
def test_normalise_doi(text: str) -> None:
    assert normalise_doi(text) == "10.1126/science.aaa4967"


def test_normalise_doi_keeps_case_and_the_rest() -> None:
    assert normalise_doi("https://doi.org/10.1002/(SICI)1097-0258") == "10.1002/(SICI)1097-0258"
    assert normalise_doi("") == ""


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("The Cell", "cell"),
        ("A Theory of Everything", "theory of everything"),
        ("An Anatomy", "anatomy"),
        ("Anatomy", "anatomy"),
        ("Theory", "theory"),
        ('"Quoted" title', 'quoted" title'),
        ("...and then", "and then"),
        ("¿Qué pasa?", "qué pasa?"),
        ("Über Alles", "über alles"),
        ("STRASSE", "strasse"),
        ("", ""),
    ],
)
def test_sort_key_title(title: str, key: str) -> None:
    assert sort_key_title(title) == key


def test_creator_summary() -> None:
    smith, jones, lee = Creator("Smith", "A"), Creator("Jones", "B"), Creator("Lee", "C")
    editor = Creator("Editor", "E", role="editor")
    who = Creator(literal="World Health Organization")
    assert creator_summary([]) == ""
    assert creator_summary([smith]) == "Smith"
    assert creator_summary([smith, jones]) == "Smith and Jones"
    assert creator_summary([smith, jones, lee]) == "Smith et al."
    assert creator_summary([editor, smith]) == "Smith"  # authors first
    assert creator_summary([editor]) == "Editor"
    assert creator_summary([who, editor]) == "World Health Organization"
    assert creator_summary([Creator("T", role="translator")]) == "T"
    assert creator_summary([Creator(""), smith]) == "Smith"


def test_keys_use_the_unambiguous_alphabet() -> None:
    assert not set("01O") & set(KEY_ALPHABET)
    for _ in range(200):
        assert re.fullmatch(f"[{KEY_ALPHABET}]{{8}}", new_key())


def test_item_set_and_extra() -> None:
    item = Item()
    item.set("title", "T")
    item.set("title", "")
    assert "title" not in item.fields
    with pytest.raises(KeyError):
        item.set("nonsense", "x")
    item.add_extra("Original-Tag", "a")
    item.add_extra("Other", "b")
    assert item.get("extra") == "Original-Tag: a\nOther: b"


# ------------------------------------------------------------------ adding and reading items


def test_add_items_round_trip(lib: Library) -> None:
    items = sample_items()
    items[1].notes = ["<p>First &amp; <b>best</b></p>", "<p>second</p>"]
    change = lib.add_items(items, tags=["imported", "Textbook"], collection="Inbox")
    ids = list(change.new_ids)
    assert len(ids) == 4
    assert change.items_added == frozenset(ids)
    assert change.items == frozenset()
    assert change.items_removed == frozenset()
    assert change.tags
    assert change.collections
    assert change.label == "Add 4 items"

    first = lib.get_item(ids[0])
    assert first.id == ids[0]
    assert first.item_type == "journalArticle"
    assert first.fields == sample_items()[0].fields
    assert [(c.family, c.given, c.role) for c in first.creators] == [
        ("Morodomi", "Yosuke", "author"),
        ("Yonemitsu", "Yoshikazu", "author"),
        ("Zheng", "Situo", "author"),
    ]
    assert first.tags == ["Adoptive cell transfer", "CAR-NK cells", "Textbook", "imported"]
    assert first.date_added
    assert first.date_added == first.date_modified
    assert not first.trashed

    report = lib.get_item(ids[3])
    assert report.creators[0] == Creator(literal="World Health Organization")
    assert report.creators[0].is_literal
    assert report.creators[1] == Creator("Müller", "Jürgen", role="editor")
    assert report.tags == ["Textbook", "imported"]  # the extra tags, not duplicated

    assert lib.get_item(ids[1]).notes == items[1].notes
    assert [n.html for n in lib.notes(ids[1])] == items[1].notes

    by_key = lib.get_item(first.key)
    assert by_key.id == first.id
    assert lib.get_item(first.key.lower()).id == first.id
    assert lib.item_ids_for_keys([report.key, first.key.lower()]) == [ids[3], ids[0]]
    with pytest.raises(NotFound):
        lib.item_ids_for_keys([first.key, "ZZZZZZZZ"])
    with pytest.raises(NotFound):
        lib.get_item(9999)
    with pytest.raises(NotFound):
        lib.get_item("NOSUCHKY")

    inbox = lib.find_collection("Inbox")
    assert inbox is not None
    assert lib.collections()[0].count == 4
    assert all(lib.item_collections(i) == [inbox] for i in ids)
    assert [i.id for i in lib.get_items([ids[2], 999, ids[0]])] == [ids[2], ids[0]]
    assert [i.id for i in lib.iter_items(ids, batch=3)] == ids


def test_summaries_carry_the_derived_columns(lib: Library) -> None:
    ids = lib.add_items(sample_items()).new_ids
    rows = {r.id: r for r in lib.summaries(ids)}
    assert rows[ids[0]].creator == "Morodomi et al."
    assert rows[ids[0]].year == 2026
    assert rows[ids[0]].publication == "International Journal of Clinical Oncology"
    assert rows[ids[1]].creator == "Rosenberg and Restifo"
    assert rows[ids[3]].creator == "World Health Organization"
    assert rows[ids[3]].year == 2020
    assert rows[ids[2]].item_type == "book"
    assert rows[ids[2]].attachments == 0
    assert [r.id for r in lib.summaries([ids[2], ids[0]])] == [ids[2], ids[0]]


def test_a_collection_named_on_import_is_created_once_and_reused(lib: Library) -> None:
    first = lib.add_items(sample_items()[:2], collection="Imports")
    coll = lib.find_collection("Imports")
    assert coll is not None
    assert first.collections
    second = lib.add_items(sample_items()[2:], collection="Imports")
    assert [c.name for c in lib.collections()] == ["Imports"]
    assert lib.collections()[0].count == 4
    third = lib.add_items([Item("book", {"title": "By id"})], collection=coll)
    assert lib.item_collections(third.new_ids[0]) == [coll]
    assert set(lib.item_ids(scope=Scope(collection=coll))) == set(
        first.new_ids + second.new_ids + third.new_ids
    )
    before = dump(lib)
    with pytest.raises(NotFound):
        lib.add_items([Item("book", {"title": "x"})], collection=9999)
    assert dump(lib) == before


def test_doi_is_normalised_on_the_way_in(lib: Library) -> None:
    item = Item("journalArticle", {"title": "T", "DOI": "https://doi.org/10.1000/ABC"})
    new = lib.add_item(item).new_ids[0]
    assert lib.get_item(new).get("DOI") == "10.1000/ABC"


def test_keys_are_unique_and_well_formed(lib: Library) -> None:
    ids = lib.add_items([Item("document", {"title": f"n{i}"}) for i in range(3000)]).new_ids
    keys = [s.key for s in lib.summaries(ids)]
    assert len(set(keys)) == 3000
    assert all(re.fullmatch(f"[{KEY_ALPHABET}]{{8}}", k) for k in keys)


def test_ids_are_never_reused(lib: Library) -> None:
    ids = lib.add_items(sample_items()).new_ids
    assert list(ids) == list(range(ids[0], ids[0] + 4))
    lib.delete_items([ids[-1]])
    again = lib.add_item(Item("book", {"title": "after delete"})).new_ids[0]
    assert again == ids[-1] + 1
    lib.trash([*list(ids[:-1]), again])
    lib.empty_trash()
    assert lib.count(scope=None) == 0
    last = lib.add_item(Item("book", {"title": "after emptying"})).new_ids[0]
    assert last == again + 1
    lib.undo()  # an undone add does not give its id back either
    assert lib.add_item(Item("book", {"title": "after undo"})).new_ids[0] > last


def test_invalid_items_are_refused(lib: Library) -> None:
    with pytest.raises(InvalidValue, match="item type"):
        lib.add_item(Item("bogus", {"title": "x"}))
    with pytest.raises(InvalidValue, match="unknown field"):
        lib.add_item(Item("book", {"colour": "red"}))
    with pytest.raises(InvalidValue, match="role"):
        lib.add_item(Item("book", {"title": "x"}, [Creator("A", role="boss")]))  # type: ignore[arg-type]
    assert lib.count(scope=None) == 0


def test_adding_nothing_changes_nothing(lib: Library) -> None:
    before = dump(lib)
    change = lib.add_items([])
    assert change.empty
    assert dump(lib) == before
    assert lib.history.undo_label is None


# ------------------------------------------------------------------ editing


def test_update_item(filled: Library) -> None:
    lib = filled
    lib.set_tag_color("Textbook", "#ff0000")
    item = lib.get_item(1)
    added, modified = item.date_added, item.date_modified
    item.item_type = "preprint"
    item.set("title", "A new title")
    item.set("PMID", "")
    item.set("arXiv", "2401.00001")
    item.creators = [item.creators[2], Creator("Editor", "E", role="editor"), item.creators[0]]
    item.tags = ["Adoptive cell transfer", "new tag", "  "]
    change = lib.update_item(item)
    assert change.items == frozenset({1})
    assert change.tags
    assert change.label == "Edit item"

    again = lib.get_item(1)
    assert again.item_type == "preprint"
    assert again.title == "A new title"
    assert "PMID" not in again.fields
    assert again.get("arXiv") == "2401.00001"
    assert [(c.family, c.role) for c in again.creators] == [
        ("Zheng", "author"),
        ("Editor", "editor"),
        ("Morodomi", "author"),
    ]
    assert again.tags == ["Adoptive cell transfer", "new tag"]
    assert again.date_added == added
    assert again.date_modified > modified
    summary = lib.summaries([1])[0]
    assert summary.creator == "Zheng and Morodomi"
    assert titles(lib, "title:new") == ["A new title"]
    assert titles(lib, "nk cell") == []  # the old title left the search index

    counts = tag_counts(lib)
    assert "CAR-NK cells" not in counts  # no item carries it any more
    assert counts["new tag"] == 1
    assert counts["Adoptive cell transfer"] == 2

    # a coloured tag outlives its last item
    book = lib.get_item(3)
    book.tags = []
    lib.update_item(book)
    assert tag_counts(lib)["Textbook"] == 0


def test_update_item_without_tag_change_says_so(filled: Library) -> None:
    item = filled.get_item(2)
    item.set("volume", "349")
    change = filled.update_item(item)
    assert change == Change("Edit item", items=frozenset({2}))


def test_update_item_refuses_bad_input(filled: Library) -> None:
    before = dump(filled)
    with pytest.raises(InvalidValue):
        filled.update_item(Item("book", {"title": "no id"}))
    ghost = Item("book", {"title": "ghost"})
    ghost.id = 999
    with pytest.raises(NotFound):
        filled.update_item(ghost)
    bad = filled.get_item(1)
    bad.item_type = "nonsense"
    with pytest.raises(InvalidValue):
        filled.update_item(bad)
    assert dump(filled) == before


def test_set_field(filled: Library) -> None:
    change = filled.set_field(2, "title", "Renamed")
    assert change.items == frozenset({2})
    assert filled.get_item(2).title == "Renamed"
    filled.set_field(2, "volume", "")
    assert "volume" not in filled.get_item(2).fields
    filled.set_field(2, "date", "March 2001")
    assert filled.summaries([2])[0].year == 2001
    with pytest.raises(InvalidValue):
        filled.set_field(2, "nonsense", "x")
    with pytest.raises(NotFound):
        filled.set_field(999, "title", "x")


# ------------------------------------------------------------------ trash


def test_trash_restore_and_empty(filled: Library) -> None:
    lib = filled
    cid = lib.create_collection("C").new_ids[0]
    lib.add_to_collection(cid, [1, 2])
    change = lib.trash([1, 3])
    assert change.items == frozenset({1, 3})
    assert change.tags
    assert change.collections
    assert lib.count() == 2
    assert lib.count(scope=Scope(trash=True)) == 2
    assert lib.count(scope=None) == 4
    assert set(lib.item_ids(scope=Scope(trash=True))) == {1, 3}
    assert all(r.trashed for r in lib.search(scope=Scope(trash=True)).rows)
    assert lib.get_item(1).trashed
    assert lib.collections()[0].count == 1
    counts = tag_counts(lib)
    assert counts["Adoptive cell transfer"] == 1
    assert counts["CAR-NK cells"] == 0
    assert counts["Textbook"] == 0
    assert titles(lib, "nk") == []

    lib.restore([3])
    assert lib.count() == 3
    assert tag_counts(lib)["Textbook"] == 1

    change = lib.empty_trash()
    assert change.items_removed == frozenset({1})
    assert change.label == "Empty Trash"
    assert lib.count(scope=None) == 3
    with pytest.raises(NotFound):
        lib.get_item(1)
    assert "CAR-NK cells" not in tag_counts(lib)
    assert lib.item_collections(1) == []
    with lib.db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM creators WHERE item_id = 1").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM items_fts WHERE rowid = 1").scalar() == 0


def test_emptying_an_empty_trash_is_no_step(filled: Library) -> None:
    filled.history.clear()
    before = dump(filled)
    assert filled.empty_trash().empty
    assert dump(filled) == before
    assert filled.history.undo_label is None


# ------------------------------------------------------------------ tags


def test_tags_and_counts(filled: Library) -> None:
    lib = filled
    assert tag_counts(lib) == {"Adoptive cell transfer": 2, "CAR-NK cells": 1, "Textbook": 1}
    assert [t.name for t in lib.tags()] == ["Adoptive cell transfer", "CAR-NK cells", "Textbook"]
    cid = lib.create_collection("Books").new_ids[0]
    lib.add_to_collection(cid, [2, 3])
    assert tag_counts(lib, Scope(collection=cid)) == {"Adoptive cell transfer": 1, "Textbook": 1}
    assert tag_counts(lib, Scope(unfiled=True)) == {"Adoptive cell transfer": 1, "CAR-NK cells": 1}
    lib.set_tag_color("Coloured", "#00ff00")
    # coloured tags show in every scope, even on no item
    assert tag_counts(lib, Scope(collection=cid))["Coloured"] == 0
    lib.trash([2])
    assert tag_counts(lib, Scope(trash=True)) == {"Adoptive cell transfer": 1, "Coloured": 0}


BROAD = 5200


@pytest.fixture(scope="module")
def broad(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """5,200 synthetic items (more than a search walks by index, INDEX_WALK_THRESHOLD, and
    than a count looks up by FTS rowid, FTS_LOOKUP_LIMIT), most titled "Alpha", some without
    a year, some in the Trash, tagged by rule."""
    lib = Library.open(tmp_path_factory.mktemp("broad"))
    items = []
    for n in range(BROAD):
        fields = {"title": f"{'Beta report' if n % 5 == 0 else 'Alpha study'} {n} (synthetic)"}
        if n % 7:
            fields["date"] = "2019" if n % 3 == 0 else "2020"
        tags = ["all"] + ["even"] * (n % 2 == 0) + ["three"] * (n % 3 == 0)
        items.append(Item("journalArticle", fields, [], tags + ["rare"] * (n % 100 == 0)))
    ids = lib.add_items(items).new_ids
    lib.trash([i for n, i in enumerate(ids) if n % 50 == 1])
    lib.set_tag_color("Coloured", "#00ff00")  # on no item: shown with 0
    return lib


@pytest.mark.parametrize(
    "query",
    [
        "alpha",  # 80% of the library: the library's counts less those of the other items
        "alpha synthetic",
        "beta",  # 20%, found by probing (more than INDEX_WALK_THRESHOLD)
        "beta 1*",  # a few hundred, found by their own index
        "year:2019",
        "year:2020",  # 57%: the other items include those without a year (NULL, not false)
        "-year:2019",  # the items without a year stay in (NULL is no match)
        "alpha -year:2019",
        "year:2019 OR title:beta",
        "zzzzq",
    ],
)
def test_tag_counts_of_a_search_are_those_of_the_items_it_shows(broad: Library, query: str) -> None:
    lib = broad
    expected: dict[str, int] = {}
    for item in lib.get_items(lib.item_ids(query)):
        for tag in item.tags:
            expected[tag] = expected.get(tag, 0) + 1
    got = {t.name: t.count for t in lib.tags(Scope(), query)}
    assert got == {**expected, "Coloured": 0}


@pytest.mark.parametrize(
    "query",
    [
        "synthetic",  # every item: counted by FTS alone
        "synthetic year:2019..2020",  # FTS hits past FTS_LOOKUP_LIMIT and an indexed range
        "synthetic -beta",
        "synthetic tag:even",
        "alpha year:2019",
        "beta",
        "year:2020",
        "rare",  # few hits: found by their own index and sorted
    ],
)
@pytest.mark.parametrize(
    ("sort", "descending"), [("title", False), ("year", True), ("date_added", False)]
)
def test_a_search_of_many_hits_pages_and_counts_as_its_id_list(
    broad: Library, query: str, sort: str, descending: bool
) -> None:
    lib = broad
    every = lib.item_ids(query, sort=sort, descending=descending)
    first = lib.search(query, sort=sort, descending=descending, limit=200)
    assert first.total == lib.count(query) == len(every)
    assert [r.id for r in first.rows] == every[:200]
    later = lib.search(query, sort=sort, descending=descending, offset=1000, limit=200)
    assert [r.id for r in later.rows] == every[1000:1200]
    if query == "synthetic year:2019..2020":  # by the fixture's rule: a year, not trashed
        assert len(every) == sum(1 for n in range(BROAD) if n % 7 and n % 50 != 1)


def test_a_search_stores_its_text_hits_without_taking_the_write_lock(broad: Library) -> None:
    lib = broad
    expected = lib.item_ids("synthetic -beta")
    writer = sqlite3.connect(lib.db.path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another program in the middle of a write
        page = lib.search("synthetic -beta", limit=50)  # its hits go to a temporary table
        assert page.total == len(expected)
        assert [r.id for r in page.rows] == expected[:50]
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_read_is_interrupted_from_another_thread_and_the_library_reads_on(
    broad: Library,
) -> None:
    lib = broad
    interrupt = Interrupt()
    outcome: list[BaseException | int] = []
    forever = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 10000000000) "
        "SELECT count(*) FROM n"
    )

    def read() -> None:
        try:
            with lib.db.read(interrupt) as conn:
                outcome.append(int(conn.exec_driver_sql(forever).scalar() or 0))
        except BaseException as e:
            outcome.append(e)

    reader = threading.Thread(target=read)
    started = time.monotonic()
    reader.start()
    time.sleep(0.2)
    interrupt.set()
    reader.join(10)
    assert not reader.is_alive()
    assert time.monotonic() - started < 5  # the statement stopped; it would run for minutes
    assert len(outcome) == 1
    assert isinstance(outcome[0], Interrupted)
    # the connection went back to the pool clean: the next reads on it run to the end
    assert sum(t.count for t in lib.tags()) > 0
    with lib.db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM items").scalar() == BROAD
    with pytest.raises(Interrupted):  # a token once set stops any read made with it
        lib.tags(Scope(), "alpha", interrupt=interrupt)
    # set between two statements of a read (SQLite itself forgets such an interrupt): the
    # next statement does not run
    between = Interrupt()

    def two_statements() -> None:
        with lib.db.read(between) as conn:
            conn.exec_driver_sql("SELECT 1").scalar()
            between.set()
            conn.exec_driver_sql(forever).scalar()

    with pytest.raises(Interrupted):
        two_statements()
    assert [t.name for t in lib.tags(Scope(), "alpha", interrupt=Interrupt())][:1] == ["all"]


def test_add_and_remove_tags(filled: Library) -> None:
    lib = filled
    change = lib.add_tags([1, 2, 3], ["Read", " Important ", "Read"])
    assert change.items == frozenset({1, 2, 3})
    assert change.tags
    assert change.label == "Add tag 2 tags (3 items)" or change.label.startswith("Add tag")
    assert tag_counts(lib)["Read"] == 3
    assert tag_counts(lib)["Important"] == 3
    assert titles(lib, "tag:read") == titles(lib, "tag:important")
    change = lib.add_tags([1, 4], ["Read"])  # already on 1: nothing doubles, 1 is untouched
    assert change.items == frozenset({4})
    assert tag_counts(lib)["Read"] == 4
    lib.undo()

    change = lib.remove_tags([1, 2], ["Read"])
    assert change.items == frozenset({1, 2})
    assert tag_counts(lib)["Read"] == 1
    lib.remove_tags([3], ["Read"])
    assert "Read" not in tag_counts(lib)  # its last item let go of it
    before = dump(lib)
    with pytest.raises(NotFound):
        lib.remove_tags([1], ["not a tag"])
    assert dump(lib) == before
    with pytest.raises(InvalidValue):
        lib.add_tags([1], ["  "])
    before = dump(lib)
    with pytest.raises(NotFound):
        lib.add_tags([1, 999], ["x"])
    assert dump(lib) == before


def test_rename_tag(filled: Library) -> None:
    lib = filled
    change = lib.rename_tag("Textbook", "Books")
    assert change.items == frozenset({3})
    assert change.tags
    assert lib.get_item(3).tags == ["Books"]
    assert titles(lib, "tag:books") == ["Janeway's Immunobiology"]
    assert titles(lib, "books") == ["Janeway's Immunobiology"]
    assert titles(lib, "textbook") == []
    with pytest.raises(NotFound):
        lib.rename_tag("Textbook", "x")
    with pytest.raises(InvalidValue):
        lib.rename_tag("Books", " ")


def test_rename_tag_onto_another_merges_them(filled: Library) -> None:
    lib = filled
    lib.add_tags([3], ["Adoptive cell transfer"])
    change = lib.rename_tag("CAR-NK cells", "Adoptive cell transfer")
    assert change.items == frozenset({1})
    counts = tag_counts(lib)
    assert "CAR-NK cells" not in counts
    assert counts["Adoptive cell transfer"] == 3
    assert lib.get_item(1).tags == ["Adoptive cell transfer"]


def test_delete_tag(filled: Library) -> None:
    change = filled.delete_tag("Adoptive cell transfer")
    assert change.items == frozenset({1, 2})
    assert "Adoptive cell transfer" not in tag_counts(filled)
    assert filled.get_item(2).tags == []
    assert titles(filled, "tag:adoptive") == []
    with pytest.raises(NotFound):
        filled.delete_tag("Adoptive cell transfer")


def test_tag_colours_and_their_order(filled: Library) -> None:
    lib = filled

    def order() -> list[tuple[str, str | None, int | None]]:
        return [(t.name, t.color, t.color_position) for t in lib.coloured_tags()]

    lib.set_tag_color("red", "#ff0000")
    lib.set_tag_color("green", "#00ff00")
    change = lib.set_tag_color("blue", "#0000ff", 0)
    assert change.tags
    assert order() == [("blue", "#0000ff", 0), ("red", "#ff0000", 1), ("green", "#00ff00", 2)]
    lib.set_tag_color("Textbook", "#123456", 1)
    assert [n for n, _, _ in order()] == ["blue", "Textbook", "red", "green"]
    # a new colour keeps the tag's place; a position moves it
    lib.set_tag_color("red", "#aa0000")
    assert order()[2] == ("red", "#aa0000", 2)
    lib.set_tag_color("green", "#00ff00", 0)
    assert [n for n, _, _ in order()] == ["green", "blue", "Textbook", "red"]
    lib.set_tag_color("blue", "#0000ff", 99)
    assert [n for n, _, _ in order()] == ["green", "Textbook", "red", "blue"]
    # taking the colour away closes the gap; an unused tag then goes
    lib.set_tag_color("Textbook", None)
    assert order() == [("green", "#00ff00", 0), ("red", "#aa0000", 1), ("blue", "#0000ff", 2)]
    assert tag_counts(lib)["Textbook"] == 1
    lib.set_tag_color("red", None)
    assert "red" not in tag_counts(lib)
    with pytest.raises(InvalidValue):
        lib.set_tag_color("x", "red")
    with pytest.raises(InvalidValue):
        lib.set_tag_color(" ", "#000000")


def test_toggle_tag(filled: Library) -> None:
    lib = filled
    lib.toggle_tag([1, 2], "Adoptive cell transfer")  # both have it: removed from both
    assert "Adoptive cell transfer" not in tag_counts(lib)
    lib.toggle_tag([1], "Star")  # nobody has it: added
    assert lib.get_item(1).tags == ["CAR-NK cells", "Star"]
    lib.toggle_tag([1, 2], "Star")  # some have it: added to all
    assert tag_counts(lib)["Star"] == 2
    lib.toggle_tag([2, 1, 2], " Star ")
    assert "Star" not in tag_counts(lib)


# ------------------------------------------------------------------ collections


def test_collections_tree(filled: Library) -> None:
    lib = filled
    change = lib.create_collection("Research")
    research = change.new_ids[0]
    assert change.collections
    assert change.label == "New collection Research"
    cancer = lib.create_collection("Cancer", research).new_ids[0]
    nk = lib.create_collection("NK cells", cancer).new_ids[0]
    alpha = lib.create_collection("alpha").new_ids[0]
    assert [(c.name, c.parent_id) for c in lib.collections()] == [
        ("alpha", None),
        ("Research", None),
        ("Cancer", research),
        ("NK cells", cancer),
    ]
    assert lib.collections()[0].key != lib.collections()[1].key
    with pytest.raises(NotFound):
        lib.create_collection("x", 999)
    with pytest.raises(InvalidValue):
        lib.create_collection("   ")

    assert lib.find_collection("Cancer") == cancer
    assert lib.find_collection("Research/Cancer/NK cells") == nk
    assert lib.find_collection("Research/NK cells") is None
    assert lib.find_collection("nothing") is None

    change = lib.add_to_collection(nk, [1, 2])
    assert change.items == frozenset({1, 2})
    assert change.collections
    lib.add_to_collection(cancer, [2, 3])
    lib.add_to_collection(cancer, [2])  # already there
    counts = {c.name: c.count for c in lib.collections()}
    assert counts == {"alpha": 0, "Research": 0, "Cancer": 2, "NK cells": 2}
    assert set(lib.item_ids(scope=Scope(collection=cancer))) == {2, 3}
    assert set(lib.item_ids(scope=Scope(collection=research, subcollections=True))) == {1, 2, 3}
    assert set(lib.item_ids(scope=Scope(unfiled=True))) == {4}
    with pytest.raises(NotFound):
        lib.add_to_collection(nk, [1, 999])
    with pytest.raises(NotFound):
        lib.add_to_collection(999, [1])

    lib.rename_collection(cancer, "Oncology")
    assert lib.find_collection("Research/Oncology") == cancer
    with pytest.raises(InvalidValue):
        lib.rename_collection(cancer, "")
    with pytest.raises(NotFound):
        lib.rename_collection(999, "x")

    before = dump(lib)
    with pytest.raises(InvalidValue, match="inside itself"):
        lib.move_collection(research, nk)
    with pytest.raises(InvalidValue, match="inside itself"):
        lib.move_collection(cancer, cancer)
    with pytest.raises(NotFound):
        lib.move_collection(cancer, 999)
    assert dump(lib) == before
    lib.move_collection(nk, alpha)
    assert lib.find_collection("alpha/NK cells") == nk
    lib.move_collection(nk, None)
    assert [c.parent_id for c in lib.collections() if c.id == nk] == [None]
    lib.move_collection(nk, cancer)

    change = lib.remove_from_collection(cancer, [3])
    assert change.items == frozenset({3})
    assert lib.item_collections(3) == []

    change = lib.delete_collection(research)
    assert change.collections
    assert [c.name for c in lib.collections()] == ["alpha"]
    assert lib.count() == 4  # the items stay
    assert lib.item_collections(1) == []
    with pytest.raises(NotFound):
        lib.delete_collection(research)


def test_trashed_items_do_not_count_in_collections(filled: Library) -> None:
    cid = filled.create_collection("C").new_ids[0]
    filled.add_to_collection(cid, [1, 2, 3])
    filled.trash([2])
    assert filled.collections()[0].count == 2
    assert set(filled.item_ids(scope=Scope(collection=cid))) == {1, 3}
    assert set(filled.item_ids(scope=Scope(collection=cid, trash=True))) == {2}


# ------------------------------------------------------------------ notes and saved searches


def test_notes(filled: Library) -> None:
    lib = filled
    modified = lib.get_item(3).date_modified
    change = lib.add_note(3, "<p>Protocol for <i>expansion</i> &amp; culture</p>")
    note = change.new_ids[0]
    assert change.items == frozenset({3})
    assert lib.get_item(3).date_modified > modified
    second = lib.add_note(3, "<p>Another</p>").new_ids[0]
    assert [n.id for n in lib.notes(3)] == [note, second]
    assert titles(lib, "note:protocol") == ["Janeway's Immunobiology"]
    assert titles(lib, "expansion culture") == ["Janeway's Immunobiology"]
    assert titles(lib, "amp") == []  # markup and entities are not words
    assert titles(lib, 'note:"p"') == []

    change = lib.update_note(note, "<p>Revised method</p>")
    assert change.items == frozenset({3})
    assert titles(lib, "note:protocol") == []
    assert titles(lib, "note:revised") == ["Janeway's Immunobiology"]
    assert lib.get_item(3).notes == ["<p>Revised method</p>", "<p>Another</p>"]

    change = lib.delete_note(note)
    assert change.items == frozenset({3})
    assert titles(lib, "revised") == []
    assert [n.id for n in lib.notes(3)] == [second]
    with pytest.raises(NotFound):
        lib.update_note(note, "x")
    with pytest.raises(NotFound):
        lib.delete_note(note)
    with pytest.raises(NotFound):
        lib.add_note(999, "x")


def test_saved_searches(filled: Library) -> None:
    lib = filled
    change = lib.save_search("Cancer", "cancer -tag:Textbook")
    assert change.saved_searches
    assert not change.tags
    lib.save_search("adoptive", "tag:adoptive")
    assert [(s.name, s.query) for s in lib.saved_searches()] == [
        ("adoptive", "tag:adoptive"),
        ("Cancer", "cancer -tag:Textbook"),
    ]
    lib.save_search("Cancer", "year:2020")
    assert [s.query for s in lib.saved_searches() if s.name == "Cancer"] == ["year:2020"]
    with pytest.raises(QueryError):
        lib.save_search("bad", "year:soon")
    with pytest.raises(InvalidValue):
        lib.save_search("", "x")
    lib.delete_saved_search("Cancer")
    assert [s.name for s in lib.saved_searches()] == ["adoptive"]
    with pytest.raises(NotFound):
        lib.delete_saved_search("Cancer")


def test_a_saved_search_keeps_its_search_mode_and_undo_restores_it(filled: Library) -> None:
    lib = filled
    lib.save_search("In PDFs", "zymurgy", fulltext=True)
    lib.save_search("Fields", "cancer")
    assert [(s.name, s.query, s.fulltext) for s in lib.saved_searches()] == [
        ("Fields", "cancer", False),
        ("In PDFs", "zymurgy", True),
    ]
    lib.save_search("In PDFs", "zymurgy")  # saved again from the other mode
    assert [s.fulltext for s in lib.saved_searches() if s.name == "In PDFs"] == [False]
    lib.undo()
    assert [s.fulltext for s in lib.saved_searches() if s.name == "In PDFs"] == [True]
    lib.redo()
    assert [s.fulltext for s in lib.saved_searches() if s.name == "In PDFs"] == [False]


# ------------------------------------------------------------------ failed writes change nothing


def test_a_later_invalid_item_writes_nothing(filled: Library) -> None:
    before = dump(filled)
    undo = filled.history.undo_label
    batch = [Item("book", {"title": "fine"}, tags=["new"]), Item("nonsense", {"title": "bad"})]
    with pytest.raises(InvalidValue):
        filled.add_items(batch, tags=["extra"], collection="New collection")
    assert dump(filled) == before
    assert filled.history.undo_label == undo


class Cancelled(Exception):
    pass


def test_a_cancelled_import_is_rolled_back(filled: Library) -> None:
    before = dump(filled)
    steps = len(filled.history.undo_stack)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 5000:
            raise Cancelled

    items = [Item("document", {"title": f"doc {n}"}, tags=[f"t{n % 7}"]) for n in range(7000)]
    with pytest.raises(Cancelled):
        filled.add_items(items, tags=["batch"], collection="Imported", progress=progress)
    assert seen == [(5000, 7000)]
    assert dump(filled) == before
    assert len(filled.history.undo_stack) == steps
    # and the library still works afterwards
    assert filled.add_items(items[:3]).new_ids == (5, 6, 7)


def test_a_failing_edit_rolls_back(filled: Library) -> None:
    before = dump(filled)
    with pytest.raises(NotFound):
        filled.rename_tag("missing", "x")
    with pytest.raises(NotFound):
        filled.delete_tag("missing")
    with pytest.raises(NotFound):
        filled.update_note(999, "x")
    assert dump(filled) == before


# ------------------------------------------------------------------ many items


@pytest.mark.slow
def test_twenty_thousand_items(lib: Library) -> None:
    seen: list[tuple[int, int]] = []
    items = [
        Item(
            "journalArticle",
            {
                "title": f"Study {n} of natural killer cells in model {n % 97}",
                "date": str(1960 + n % 60),
                "publicationTitle": f"Journal {n % 40}",
                "DOI": f"10.5555/study.{n}",
            },
            [Creator(f"Family{n}", "Given"), Creator(f"Coauthor{n % 300}", "X")],
            [f"topic {n % 25}"],
        )
        for n in range(20_000)
    ]
    items[12345].fields["title"] = "A unique zebrafish regeneration study"
    change = lib.add_items(items, tags=["bulk"], progress=lambda d, t: seen.append((d, t)))
    assert len(change.new_ids) == 20_000
    assert seen == [(5000, 20_000), (10_000, 20_000), (15_000, 20_000), (20_000, 20_000)]
    assert lib.count() == 20_000
    page = lib.search("zebrafish")
    assert page.total == 1
    assert page.rows[0].id == change.new_ids[12345]
    assert lib.search("doi:10.5555/STUDY.19999").total == 1
    assert lib.search('author:"family1999"').total == 1
    assert lib.search("author:family1999").total == 11  # a prefix: 19990 to 19999 too
    assert lib.search('"coauthor7"').total == len(range(7, 20_000, 300))
    assert lib.search("tag:bulk").total == 20_000
    assert lib.search('year:1960..1964 tag:"topic 3"').total == sum(
        1 for n in range(20_000) if n % 60 < 5 and n % 25 == 3
    )
    assert tag_counts(lib)["topic 0"] == 800


def test_a_library_folder_can_be_reopened_with_its_state(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as lib:
        lib.add_items(sample_items(), tags=["x"])
        lib.set_tag_color("x", "#336699")
        state = dump(lib)
    with Library.open(tmp_path / "lib") as lib:
        assert dump(lib) == state
        assert lib.history.undo_label is None


# ------------------------------------------------------------------ change records


def test_change_records(filled: Library) -> None:
    lib = filled
    ids = frozenset

    def coll() -> int:
        found = lib.find_collection("C")
        assert found is not None
        return found

    assert lib.create_collection("C") == Change("New collection C", collections=True, new_ids=(1,))
    assert lib.create_collection("D", 1) == Change(
        "New collection D", collections=True, new_ids=(2,)
    )
    assert lib.rename_collection(2, "E") == Change("Rename collection E", collections=True)
    assert lib.move_collection(2, None) == Change("Move collection", collections=True)
    assert lib.add_to_collection(coll(), [1, 2]) == Change(
        "Add 2 items to collection", items=ids({1, 2}), collections=True
    )
    assert lib.remove_from_collection(coll(), [2]) == Change(
        "Remove item from collection", items=ids({2}), collections=True
    )
    assert lib.delete_collection(2) == Change("Delete collection", collections=True)
    assert lib.trash([1, 3]) == Change(
        "Move 2 items to Trash", items=ids({1, 3}), tags=True, collections=True
    )
    assert lib.restore([3]) == Change("Restore item", items=ids({3}), tags=True, collections=True)
    assert lib.add_tags([2, 3], ["x"]) == Change(
        "Add tag x (2 items)", items=ids({2, 3}), tags=True
    )
    assert lib.remove_tags([2], ["x", "y"]) == Change(
        "Remove tag 2 tags", items=ids({2}), tags=True
    )
    assert lib.rename_tag("x", "z") == Change("Rename tag x", items=ids({3}), tags=True)
    assert lib.delete_tag("z") == Change("Delete tag z", items=ids({3}), tags=True)
    assert lib.set_tag_color("c", "#000000") == Change("Colour tag c", tags=True)
    note = lib.add_note(2, "<p>n</p>")
    assert note == Change("Add note", items=ids({2}), new_ids=note.new_ids)
    assert lib.update_note(note.new_ids[0], "<p>m</p>") == Change("Edit note", items=ids({2}))
    assert lib.delete_note(note.new_ids[0]) == Change("Delete note", items=ids({2}))
    assert lib.save_search("S", "x") == Change("Save search S", saved_searches=True)
    assert lib.delete_saved_search("S") == Change("Delete saved search S", saved_searches=True)
    assert lib.delete_items([2]) == Change(
        "Delete items", items_removed=ids({2}), tags=True, collections=True
    )
    assert lib.empty_trash() == Change(
        "Empty Trash", items_removed=ids({1}), tags=True, collections=True
    )
    added = lib.add_item(Item("book", {"title": "x"}))
    assert added == Change("Add item", items_added=ids(added.new_ids), new_ids=added.new_ids)


def test_nul_characters_never_get_in(lib: Library) -> None:
    """Found by the round-trip property test: a tag named NUL could not be looked up again."""
    item = Item("book", {"title": "A\x00B"}, [Creator("Fa\x00mily", "G")], ["\x00", "t\x00ag"])
    item.notes = ["<p>n\x00ote</p>"]
    (item_id,) = lib.add_items([item]).new_ids
    stored = lib.get_item(item_id)
    assert stored.title == "AB"
    assert stored.creators[0].family == "Family"
    assert stored.tags == ["tag"]
    assert stored.notes == ["<p>note</p>"]


def test_nameless_creators_and_empty_notes_are_not_stored(lib: Library) -> None:
    """Found by the round-trip property test: a creator named only NUL came back as nothing."""
    item = Item("book", {"title": "T"}, [Creator("\x00"), Creator(), Creator("Real", "Name")])
    item.notes = ["\x00", "  ", "<p>kept</p>"]
    (item_id,) = lib.add_items([item]).new_ids
    assert lib.get_item(item_id).creators == [Creator("Real", "Name")]
    assert lib.get_item(item_id).notes == ["<p>kept</p>"]
