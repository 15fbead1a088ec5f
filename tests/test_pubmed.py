"""PubMed MEDLINE (.nbib) reading and writing: PubMed's own output, hostile input, the round trip.

tests/data/pubmed/citations.nbib is laid out the way PubMed's "Send to: Citation manager" writes
it (a journal article, a preprint, a Bookshelf chapter and a book); every title, name and number
in it is synthetic.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citelib.formats import ReadResult
from citelib.formats.pubmed import (
    EXTRA_FIELDS,
    FIELDS_IN,
    TYPES_IN,
    TYPES_OUT,
    dumps,
    expand_pages,
    read,
    record_lines,
    sniff,
    write,
)
from citelib.model import CREATOR_ROLES, ITEM_TYPES, Creator, Item

DATA = Path(__file__).resolve().parent / "data" / "pubmed"


def only(text: str) -> Item:
    """The single item of a MEDLINE text that must read without problems."""
    result = read(text)
    assert result.problems == [], result.problems
    assert len(result.items) == 1
    return result.items[0]


def again(items: list[Item]) -> list[Item]:
    result = read(dumps(items))
    assert result.problems == [] or not items, result.problems
    return result.items


def messages(result: ReadResult) -> list[str]:
    return [str(p) for p in result.problems]


# ---------------------------------------------------------------------------------------------
# PubMed's own output


@pytest.fixture(scope="module")
def golden() -> ReadResult:
    # Read directly: the registry entry is added by whoever owns citelib/formats/__init__.py.
    return read((DATA / "citations.nbib").read_text(encoding="utf-8"), "citations.nbib")


def test_golden_reads_without_problems(golden: ReadResult) -> None:
    assert golden.problems == []
    assert golden.records == 4
    assert [i.item_type for i in golden.items] == [
        "journalArticle",
        "preprint",
        "bookSection",
        "book",
    ]


def test_golden_journal_article(golden: ReadResult) -> None:
    item = golden.items[0]
    assert item.fields == {
        "PMID": "99000001",
        "ISSN": "2950-0001",  # the first IS, its `(Electronic)` label dropped
        "volume": "14",
        "issue": "3",
        "date": "2025 Mar 7",  # DP as written
        "title": "Synthetic CAR-NK cells targeting CLDN18.2 in a gastric cancer model.",
        "pages": "1234-1245",  # PG 1234-45 expanded
        "DOI": "10.5555/synth.2025.0001",  # LID and AID say the same: once
        # Continuation lines join with a space; markup and links are text, never interpreted.
        "abstract": "BACKGROUND: Synthetic natural killer cells were engineered for this test "
        "record. METHODS: Cells carrying a synthetic receptor were studied in a made-up model. "
        "RESULTS: Synthetic results with <i>markup</i> & a javascript:alert(1) link were kept "
        "as text. CONCLUSIONS: This abstract is synthetic.",
        "rights": "(c) 2025. Synthetic Publisher. All rights reserved.",
        "language": "eng",
        "place": "England",
        "journalAbbreviation": "J Synth Immunol",
        "publicationTitle": "Journal of synthetic immunology",
        "PMCID": "PMC9900001",
        "extra": "\n".join(
            [
                "PubMed OWN: NLM",
                "PubMed STAT: MEDLINE",
                "PubMed DCOM: 20250312",
                "PubMed LR: 20250401",
                "PubMed IS: 2950-0000 (Linking)",
                "PubMed AUID: ORCID: 0000-0000-0000-0001",
                "PubMed AD: Department of Synthetic Immunology, Example University, "
                "Example City, Exampleland.",
                "PubMed AD: Example Institute, Example City, Exampleland.",
                "PubMed GR: R01 XX000001/XX/Example Agency/Exampleland",
                "PubMed PT: Research Support, Non-U.S. Gov't",
                "PubMed DEP: 20250301",
                "PubMed JID: 990000001",
                "PubMed SB: IM",
                "PubMed OTO: NOTNLM",
                "PubMed COIS: The authors declare no synthetic conflicts.",
                "PubMed EDAT: 2025/03/08 06:00",
                "PubMed MHDA: 2025/03/13 06:00",
                "PubMed PMCR: 2026/03/07",
                "PubMed CRDT: 2025/03/07 23:42",
                "PubMed PHST: 2024/11/02 00:00 [received]",
                "PubMed PHST: 2025/02/20 00:00 [accepted]",
                "PubMed PHST: 2025/03/08 06:00 [pubmed]",
                "PubMed AID: S0000-0000(25)00001-X [pii]",
                "PubMed PST: ppublish",
                "PubMed SO: J Synth Immunol. 2025 Mar 7;14(3):1234-45. doi: "
                "10.5555/synth.2025.0001. Epub 2025 Mar 1.",
            ]
        ),
    }
    # FAU wins over the AU after it; CN is an institution; particles stay with the family name.
    assert item.creators == [
        Creator("Testperson", "Alpha B"),
        Creator("van der Exampleton", "Beta"),
        Creator("Sampleman", "Gamma C Jr"),
        Creator(literal="Synthetic Cell Therapy Consortium"),
    ]
    # MeSH as written (major topics keep their `*`, subheadings stay), then other terms.
    assert item.tags == [
        "Animals",
        "*Killer Cells, Natural/immunology/transplantation",
        "Stomach Neoplasms/*therapy",
        "CAR-NK",
        "CLDN18.2",
    ]
    assert item.notes == []


def test_golden_preprint(golden: ReadResult) -> None:
    item = golden.items[1]
    assert item.fields == {
        "PMID": "99000002",
        "ISSN": "2692-8205",
        "date": "2025 Jan 10",
        "title": "Synthetic single-cell atlas of gamma delta T cells in a made-up tumour model.",
        "DOI": "10.5555/synth.preprint.0002",  # the `[doi]` LID, not the `[pii]` one
        "abstract": "A synthetic preprint abstract for testing.",
        "language": "eng",
        "place": "United States",
        "journalAbbreviation": "bioRxiv",
        "publisher": "bioRxiv : the preprint server for biology",  # a preprint's server
        "PMCID": "PMC9900002",
        "extra": "PubMed OWN: NLM\nPubMed STAT: Publisher\nPubMed LR: 20250115\n"
        "PubMed IS: 2692-8205 (Linking)\nPubMed LID: 2025.01.08.000001 [pii]\n"
        "PubMed DEP: 20250110\nPubMed JID: 101680187\nPubMed EDAT: 2025/01/15 06:00\n"
        "PubMed MHDA: 2025/01/15 06:01\nPubMed CRDT: 2025/01/15 04:23\n"
        "PubMed AID: 2025.01.08.000001 [pii]\nPubMed PST: epublish\n"
        "PubMed SO: bioRxiv [Preprint]. 2025 Jan 10:2025.01.08.000001. doi: "
        "10.5555/synth.preprint.0002.",
    }
    assert item.creators == [Creator("Exampleton", "Delta")]


def test_golden_book_chapter_and_book(golden: ReadResult) -> None:
    chapter, book = golden.items[2:]
    assert chapter.fields == {
        "PMID": "99000003",
        "publisher": "Example University Press",
        "date": "2024",
        "title": "Synthetic chapter on NK cell receptors.",
        "publicationTitle": "Synthetic Handbook of Cell Therapy",  # BTI of a chapter
        "series": "Synthetic Reviews Collection",  # CTI
        "abstract": "A synthetic chapter abstract.",
        "rights": "Copyright (c) 2024, Example University Press.",
        "language": "eng",
        "place": "Example City (EX)",
        "extra": "PubMed STAT: Publisher\nPubMed DRDT: 20240601\nPubMed CTDT: 20240101\n"
        "PubMed PT: Review\nPubMed EDAT: 2024/06/01 00:00\nPubMed MHDA: 2024/06/01 00:00\n"
        "PubMed CDAT: 2024/06/01 00:00\nPubMed AID: NBK990003 [bookaccession]",
    }
    assert chapter.creators == [
        Creator("Editorsson", "Epsilon", role="editor"),  # FED wins over its ED
        Creator("Redakteur", "Zeta Q", role="editor"),
        Creator("Chapterwright", "Eta"),
    ]
    assert book.fields == {
        "PMID": "99000004",
        "publisher": "Example University Press",
        "date": "2023",
        "title": "Synthetic Handbook of Cell Therapy",  # BTI of a book
        "edition": "2nd",
        "abstract": "A synthetic book abstract.",
        "language": "eng",
        "place": "Example City (EX)",
        "DOI": "10.5555/synth.book.0004",
        "ISBN": "9780000000002 0000000000",  # both ISBN lines
        "extra": "PubMed STAT: Publisher\nPubMed EDAT: 2023/05/01 00:00\n"
        "PubMed AID: NBK990004 [bookaccession]",
    }
    assert book.creators == [
        Creator("Editorsson", "Epsilon", role="editor"),
        Creator(literal="Synthetic Committee on Cell Therapy"),
    ]


def test_golden_survives_export_and_import(golden: ReadResult) -> None:
    assert again(golden.items) == golden.items


# ---------------------------------------------------------------------------------------------
# Details of the format


def test_tag_widths_and_continuations() -> None:
    item = only(
        "PMID- 99000010\nTI  - A title that wraps\n      onto a second line\n"
        "AB  - First\n      second\n\tthird\nunindented fourth\nOT  -\nOT  - kept\n"
    )
    assert item.fields == {
        "PMID": "99000010",
        "title": "A title that wraps onto a second line",
        "abstract": "First second third unindented fourth",
    }
    assert item.tags == ["kept"]  # an empty value is no value


def test_crlf_cr_and_bom() -> None:
    for end in ("\r\n", "\r", "\n"):
        text = end.join(["\ufeffPMID- 1", "TI  - Synthetic", "      more", "DP  - 2020", ""])
        assert only(text).fields == {"PMID": "1", "title": "Synthetic more", "date": "2020"}


@pytest.mark.parametrize(
    ("pages", "expanded"),
    [
        ("123-9", "123-129"),
        ("1234-45", "1234-1245"),
        ("98-102", "98-102"),
        ("S12-9", "S12-19"),
        ("S12-S9", "S12-S19"),
        ("199-8", "199-8"),  # would go backwards: kept
        ("e1234", "e1234"),
        ("12-19", "12-19"),
        ("iv-x", "iv-x"),
        ("123-9, 140-1", "123-9, 140-1"),  # not one range: kept
    ],
)
def test_page_ranges(pages: str, expanded: str) -> None:
    assert expand_pages(pages) == expanded
    assert only(f"PG  - {pages}\n").get("pages") == expanded


def test_dates_kept_as_written() -> None:
    for dp in ("2015 Mar 7", "2019 Spring", "2020 Jan-Feb", "2018 Dec-2019 Jan", "2021"):
        assert only(f"PMID- 1\nDP  - {dp}\n").get("date") == dp


def test_identifiers() -> None:
    item = only(
        "PMID- 99000011\nLID - e0001 [pii]\nLID - doi:10.5555/A [doi]\nAID - 10.5555/A [doi]\n"
        "AID - 10.5555/B [doi]\nAID - PMC9900011 [pmc]\nPMC - PMC9900011\nAID - odd\n"
        "IS  - 12345678 (Print)\nIS  - 1234-5678 (Linking)\nISBN- 9780000000002\n"
    )
    assert item.fields == {
        "PMID": "99000011",
        "DOI": "10.5555/A",  # `doi:` dropped; the same DOI twice is once
        "PMCID": "PMC9900011",  # PMC before an AID [pmc]; equal anyway
        "ISSN": "1234-5678",
        "ISBN": "9780000000002",
        "extra": "PubMed LID: e0001 [pii]\nPubMed AID: 10.5555/B [doi]\nPubMed AID: odd\n"
        "PubMed IS: 1234-5678 (Linking)",
    }


def test_names() -> None:
    item = only(
        "FAU - Testperson, Alpha\nAU  - Testperson A\nAUID- ORCID: 0000-0000-0000-0002\n"
        "AU  - Oldstyle JH\nAU  - de la Example JH Jr\nAU  - Onename\nFAU - Nogiven\n"
        "FED - Editorsson, Delta\nAD  - Somewhere\nED  - Editorsson D\nED  - Shortform E\n"
        "CN  - Synthetic Group, Example Section\nFAU - Lastone, Omega\n"
    )
    assert item.creators == [
        Creator("Testperson", "Alpha"),
        Creator("Oldstyle", "JH"),  # AU alone (records before 2002)
        Creator("de la Example", "JH Jr"),
        Creator("Onename"),
        Creator("Nogiven"),
        Creator("Editorsson", "Delta", role="editor"),  # the ED after an AD still pairs
        Creator("Shortform", "E", role="editor"),
        Creator(literal="Synthetic Group, Example Section"),
        Creator("Lastone", "Omega"),
    ]
    assert item.fields == {
        "extra": "PubMed AUID: ORCID: 0000-0000-0000-0002\nPubMed AD: Somewhere",
    }


def test_repeated_and_ranked_tags() -> None:
    item = only(
        "TI  - First\nTI  - Second\nTI  - First\nLA  - eng\nLA  - fre\nTA  - J A\nJT  - J\n"
        "BTI - Book title\nPT  - Journal Article\n"
    )
    assert item.item_type == "journalArticle"
    assert item.fields == {
        "title": "First",
        "language": "eng",
        "journalAbbreviation": "J A",
        "publicationTitle": "J",  # JT before BTI for a journal article
        "extra": "PubMed TI: Second\nPubMed LA: fre\nPubMed BTI: Book title",
    }
    # A book's title is its BTI even when a TI comes first.
    book = only("TI  - Chapter-like\nBTI - The book\nPT  - Book\n")
    assert book.fields == {"title": "The book", "extra": "PubMed TI: Chapter-like"}


@pytest.mark.parametrize(("pt", "kind"), sorted(TYPES_IN.items()))
def test_every_publication_type_reads(pt: str, kind: str) -> None:
    assert only(f"PMID- 1\nPT  - {pt}\n").item_type == kind


def test_type_priority_and_heuristics() -> None:
    item = only("PT  - Journal Article\nPT  - Preprint\nPT  - Dataset\n")
    assert item.item_type == "preprint"
    assert item.fields == {"extra": "PubMed PT: Journal Article\nPubMed PT: Dataset"}
    assert only("PT  - Review\n").item_type == "journalArticle"
    assert only("TI  - Chapter\nBTI - Book\n").item_type == "bookSection"
    assert only("BTI - Book\n").item_type == "book"
    assert only("GN  - Extra: itemType: patent\nPT  - Book\n").item_type == "patent"
    assert only("GN  - Extra: itemType: hologram\n").fields == {"extra": "itemType: hologram"}


def test_general_notes_and_extra_notes() -> None:
    item = only(
        "GN  - A <b>note</b> & more\nGN  - Extra: url: https://example.org/a\n"
        "GN  - Extra: url: https://example.org/b\nGN  - Extra: free line\n"
        "GN  - Extra: translator: Translatova, Eta\nGN  - Extra: contributor: Example Lab\n"
        "GN  - Extra: seriesEditor: Seriesman,\n"
    )
    assert item.notes == ["<p>A &lt;b&gt;note&lt;/b&gt; &amp; more</p>"]
    assert item.fields == {
        "url": "https://example.org/a",
        "extra": "url: https://example.org/b\nfree line",
    }
    assert item.creators == [
        Creator("Translatova", "Eta", role="translator"),
        Creator(literal="Example Lab", role="contributor"),
        Creator("Seriesman", "", role="seriesEditor"),
    ]


# ---------------------------------------------------------------------------------------------
# Hostile and odd input


def test_empty_file_and_blank_text() -> None:
    for text in ("", "\n\n  \r\n", "\ufeff"):
        result = read(text)
        assert (result.records, result.items, result.errors) == (0, [], [])
        assert messages(result) == ["<input>: no records: the file is empty"]


def test_html_page_instead_of_nbib() -> None:
    result = read("<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n")
    assert (result.records, result.items) == (0, [])
    assert messages(result) == [
        "<input>:1: text before the first record ignored (not a MEDLINE tag line)"
    ]


def test_binary_garbage_never_raises() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 3
    result = read(garbage)
    assert result.errors == []
    assert read("PMID- " + garbage).records >= 1


def test_record_cut_off() -> None:
    result = read("PMID- 1\nTI  - Whole\n\nPMID- 2\nTI  - Cut off in the mid")
    assert [i.title for i in result.items] == ["Whole", "Cut off in the mid"]
    assert messages(result) == [
        "<input>:5: record 2: the file ends in the middle of a line; the record may be cut off"
    ]


def test_missing_blank_line_between_records() -> None:
    result = read("PMID- 1\nTI  - One\nPMID- 2\nTI  - Two\n")
    assert [i.get("PMID") for i in result.items] == ["1", "2"]
    assert messages(result) == ["<input>:1: record 1: no blank line before the next PMID (line 3)"]


def test_malformed_tag_lines_and_junk_between_records() -> None:
    result = read("PMID- 1\nTI - short pad\nti  - lower\n\nstray text\n\nPMID- 2\n")
    assert result.records == 2
    assert result.errors == []
    assert messages(result) == [
        "<input>:2: record 1: malformed tag line kept in extra: 'TI - short pad'",
        "<input>:3: record 1: malformed tag line kept in extra: 'ti  - lower'",
        "<input>:5: text between records ignored (not a MEDLINE tag line)",
    ]
    assert result.items[0].fields == {
        "PMID": "1",
        "extra": "PubMed line: TI - short pad\nPubMed line: ti  - lower",
    }


def test_html_and_javascript_stored_verbatim() -> None:
    item = only(
        'TI  - <script>alert("x")</script> title\nAB  - <a href="javascript:alert(1)">x</a>\n'
        "XX  - javascript:void(0)\n"
    )
    assert item.fields == {
        "title": '<script>alert("x")</script> title',
        "abstract": '<a href="javascript:alert(1)">x</a>',
        "extra": "PubMed XX: javascript:void(0)",
    }


# ---------------------------------------------------------------------------------------------
# Writing


def test_writer_output_is_exact() -> None:
    item = Item(
        "journalArticle",
        {
            "PMID": "99000020",
            "ISSN": "1234-5678",
            "volume": "12",
            "issue": "3",
            "date": "2026 Jan 12",
            "title": "Synthetic\ntitle about NK cells",
            "pages": "12-19",
            "DOI": "10.5555/synth.0020",
            "abstract": "Line one.\r\nLine two.",
            "rights": "(c) Example",
            "language": "eng",
            "place": "England",
            "journalAbbreviation": "J Synth Immunol",
            "publicationTitle": "Journal of Synthetic Immunology",
            "PMCID": "PMC9900020",
            "url": "https://example.org/a",
            "extra": "PubMed AD: Somewhere\nfree text\nPubMed PMID: 1\n\nPubMed PT: Review",
        },
        [
            Creator("Testperson", "Alpha Beta"),
            Creator("Exampleton", "Jean-Paul"),
            Creator(literal="Synthetic Group"),
            Creator("Sampleman", ""),
            Creator("Editorsson", "Delta", role="editor"),
            Creator("Bookman", "Iota", role="bookAuthor"),
            Creator(literal="Example Lab", role="editor"),
        ],
        ["NK cells", "*Killer Cells, Natural"],
        ["<p>A <b>bold</b> note &amp; more</p>"],
    )
    out = io.StringIO()
    write([item, Item("webpage", {"title": "Second"})], out)
    assert out.getvalue() == (
        "PMID- 99000020\n"
        "IS  - 1234-5678\n"
        "VI  - 12\n"
        "IP  - 3\n"
        "DP  - 2026 Jan 12\n"
        "TI  - Synthetic title about NK cells\n"
        "PG  - 12-19\n"
        "LID - 10.5555/synth.0020 [doi]\n"
        "AB  - Line one. Line two.\n"
        "CI  - (c) Example\n"
        "FAU - Testperson, Alpha Beta\n"
        "AU  - Testperson AB\n"
        "FAU - Exampleton, Jean-Paul\n"
        "AU  - Exampleton JP\n"
        "CN  - Synthetic Group\n"
        "FAU - Sampleman\n"
        "AU  - Sampleman\n"
        "FED - Editorsson, Delta\n"
        "ED  - Editorsson D\n"
        "GN  - Extra: bookAuthor: Bookman, Iota\n"
        "GN  - Extra: editor: Example Lab\n"
        "LA  - eng\n"
        "PT  - Journal Article\n"
        "PL  - England\n"
        "TA  - J Synth Immunol\n"
        "JT  - Journal of Synthetic Immunology\n"
        "OT  - NK cells\n"
        "OT  - *Killer Cells, Natural\n"
        "PMC - PMC9900020\n"
        "AID - 10.5555/synth.0020 [doi]\n"
        "GN  - A bold note & more\n"
        "GN  - Extra: url: https://example.org/a\n"
        "AD  - Somewhere\n"
        "GN  - Extra: free text\n"
        "GN  - Extra: PubMed PMID: 1\n"
        "PT  - Review\n"
        "\n"
        "TI  - Second\n"
        "GN  - Extra: itemType: webpage\n"
    )
    assert sniff(out.getvalue())
    back = read(out.getvalue())
    assert back.problems == []
    first, second = back.items
    assert first.creators == item.creators
    assert first.notes == ["<p>A bold note &amp; more</p>"]  # notes are plain text in MEDLINE
    assert first.fields == {
        **item.fields,
        "title": "Synthetic title about NK cells",
        "abstract": "Line one. Line two.",
        "extra": "PubMed AD: Somewhere\nfree text\nPubMed PMID: 1\nPubMed PT: Review",
    }
    assert second == Item("webpage", {"title": "Second"})


@pytest.mark.parametrize("kind", ITEM_TYPES)
def test_every_type_writes_and_reads_back(kind: str) -> None:
    item = Item(kind, {"title": "T", "publicationTitle": "P", "publisher": "Q"})
    lines = record_lines(item)
    if kind in TYPES_OUT:
        assert ("PT", TYPES_OUT[kind]) in lines
    assert again([item]) == [item]


def test_book_and_preprint_tags_written() -> None:
    book = Item("book", {"title": "B", "publicationTitle": "J", "series": "S"})
    assert record_lines(book) == [("BTI", "B"), ("PT", "Book"), ("JT", "J"), ("CTI", "S")]
    chapter = Item("bookSection", {"title": "C", "publicationTitle": "B"})
    assert record_lines(chapter) == [("TI", "C"), ("PT", "Book Chapter"), ("BTI", "B")]
    preprint = Item("preprint", {"title": "P", "publisher": "Server", "publicationTitle": "X"})
    assert record_lines(preprint) == [
        ("TI", "P"),
        ("PT", "Preprint"),
        ("BTI", "X"),
        ("JT", "Server"),  # a preprint's server is its JT, read back as its publisher
    ]


def test_sniff() -> None:
    assert sniff("\n\nPMID- 99000001\nOWN - NLM\n")
    assert sniff("\ufeffPMID- 1\n")
    assert sniff("TI  - A title\nFAU - Testperson, A\n")  # no PMID, but a MEDLINE-only tag
    assert sniff("TI  - A title\nPT  - Journal Article\n")
    assert not sniff("TY  - JOUR\nTI  - RIS\nER  - \n")
    assert not sniff("TI  - RIS without TY\nAU  - Testperson, A\n")
    assert not sniff("<?xml version='1.0'?><PubmedArticleSet/>")
    assert not sniff("")
    assert not sniff("@article{x, title={PMID- 1}}")


def test_fields_in_cover_every_canonical_field_or_extra() -> None:
    carried = set(FIELDS_IN.values()) | set(EXTRA_FIELDS) | {"DOI", "ISSN", "ISBN", "extra"}
    from citelib.model import FIELDS

    assert carried == set(FIELDS)


# ---------------------------------------------------------------------------------------------
# Properties

# Text MEDLINE carries: one line, no surrounding space, no surrogates.
_CHARS = st.characters(
    exclude_categories=["Cs"], exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
)
_TRICKY = st.sampled_from(["<b>", "&amp;", "TI  - ", "PMID- ", "[doi]", ",", "\t", "é", "Extra"])
_TEXT = (
    st.lists(st.one_of(st.text(_CHARS, max_size=6), _TRICKY), min_size=1, max_size=6)
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)
# A family name cannot hold a comma (FAU is `Family, Given`); nor can an institution written as
# an `Extra:` creator (only authors have CN).
_NAME = _TEXT.map(lambda t: t.replace(",", " ").strip()).filter(bool)
_PLAIN = [
    "title", "abstract", "publicationTitle", "journalAbbreviation", "series", "volume", "issue",
    "edition", "publisher", "place", "date", "language", "rights", "PMCID", "PMID", *EXTRA_FIELDS,
]  # fmt: skip
_PAGES = st.sampled_from(["12-19", "e1001", "123-129", "5", "iv-x", "3, 7-9", "S12-S19"])
_EXTRA_LINES = st.sampled_from(
    ["PubMed AD: Example City", "PubMed PHST: 2024/01/02 00:00 [received]", "PubMed ZZ: z",
     "PubMed OWN: NLM", "PubMed PT: Review", "PubMed PMID: 12", "PubMed AID: x [pii]"]
)  # fmt: skip


@st.composite
def _items(draw: st.DrawFn) -> Item:
    """Items on every field MEDLINE carries, for every type. Excluded, because MEDLINE cannot
    carry them: text with newlines or surrounding space; abbreviated page ranges (read back
    expanded); DOIs not starting `10.` and values ending `[doi]`-like labels; ISBNs with
    inner spaces; notes other than one escaped paragraph (GN is plain text) or starting
    `Extra: `; commas in a family name or an `Extra:` institution; `extra` lines that name a
    field (`url: x`, read back as the field) or a mapped tag (`PubMed TI: x` with no title)."""
    kind = draw(st.sampled_from(ITEM_TYPES))
    fields = draw(st.dictionaries(st.sampled_from(_PLAIN), _TEXT, max_size=12))
    if draw(st.booleans()):
        fields["pages"] = draw(_PAGES)
    if draw(st.booleans()):
        fields["DOI"] = "10.5555/" + draw(_TEXT).replace("[", "(")
    if draw(st.booleans()):
        fields["ISSN"] = draw(st.sampled_from(["1234-5678", "2345-678X"]))
    if draw(st.booleans()):
        fields["ISBN"] = draw(st.sampled_from(["9780000000002", "9780000000002 0000000000", "x"]))
    extra = draw(
        st.lists(
            _TEXT.map(lambda t: t.replace(":", ";")).filter(lambda t: not t.startswith("PubMed"))
            | _EXTRA_LINES,
            max_size=4,
        )
    )
    if extra:
        fields["extra"] = "\n".join(extra)
    creators: list[Creator] = []
    for role in draw(st.lists(st.sampled_from(CREATOR_ROLES), max_size=5)):
        if draw(st.booleans()):
            creators.append(Creator(literal=draw(_NAME), role=role))
        else:
            creators.append(Creator(draw(_NAME), draw(st.just("") | _TEXT), role=role))
    tags = draw(st.lists(_TEXT, unique=True, max_size=5))
    notes = draw(
        st.lists(
            _TEXT.filter(lambda t: not t.startswith("Extra: ")).map(
                lambda t: f"<p>{html.escape(t, quote=False)}</p>"
            ),
            max_size=2,
        )
    )
    return Item(kind, fields, creators, tags, notes)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_items(), max_size=4))
def test_write_then_read_gives_the_same_items(items: list[Item]) -> None:
    back = again(items)
    assert len(back) == len(items)
    for before, after in zip(items, back, strict=True):
        assert after.item_type == before.item_type
        assert after.fields == before.fields
        assert after.creators == before.creators
        assert after.tags == before.tags
        assert after.notes == before.notes


_FUZZ_TAGS = sorted(
    {*FIELDS_IN, "PMID", "FAU", "AU", "FED", "ED", "CN", "AD", "AUID", "LID", "AID", "IS"}
    | {"ISBN", "MH", "OT", "GN", "PT", "ZZ", "SO", "PHST"}
)
_FUZZ_VALUES = st.sampled_from(
    ["", "Journal Article", "Book", "Book Chapter", "Preprint", "Review", "2015 Mar 7", "123-9",
     "S1-9", "1234-45", "x [doi]", "10.1/x [doi]", "doi:10.1/x [doi]", "PMC1 [pmc]", "e1 [pii]",
     "1234-5678 (Print)", "(Linking)", "Family, Given", "Family GI Jr", ", x", "x,",
     "Extra: itemType: webpage", "Extra: itemType: x", "Extra: url: u", "Extra: editor: A, B",
     "Extra: author: Lit", "Extra: x: y", "Extra: ", "<b>&amp;", "\ufeff", "javascript:x"]
) | st.text(max_size=5)  # fmt: skip
_FUZZ_LINES = st.builds(
    lambda tag, value: f"{tag:<4}- {value}", st.sampled_from(_FUZZ_TAGS), _FUZZ_VALUES
)
_FUZZ_LINES |= st.sampled_from(["", " ", "      continued", "ti  - x", "TI - x", "junk", "\ufeff"])


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text() | st.lists(_FUZZ_LINES | st.text(max_size=8), max_size=25).map("\n".join))
def test_any_text_reads_without_exception(text: str) -> None:
    result = read(text)
    assert len(result.items) <= result.records
    assert result.errors == []
    # What was read writes and reads back the same: import -> export -> import loses nothing.
    back = read(dumps(result.items))
    assert back.errors == []
    assert back.items == result.items
