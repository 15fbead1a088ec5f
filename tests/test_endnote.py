"""EndNote tagged (`.enw`) reading and writing: real-world dialects, traps, hostile input, the round
trip.

The files under tests/data/endnote/ are written the way EndNote X9/20, PubMed, Google Scholar and
Zotero write EndNote tagged; every title, name and number in them is synthetic.
"""

from __future__ import annotations

import html
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citelib.formats import ReadResult, read_file
from citelib.formats.endnote import (
    FIELDS_IN,
    ROLES_IN,
    TYPE_NAMES,
    TYPES_OUT,
    dumps,
    is_tag_line,
    read,
    record_lines,
    sniff,
    write,
)
from citelib.model import CREATOR_ROLES, ITEM_TYPES, Creator, Item

DATA = Path(__file__).resolve().parent / "data" / "endnote"


def load(name: str) -> ReadResult:
    return read((DATA / name).read_text(encoding="utf-8"), name)


def only(text: str) -> Item:
    """The single item of a text that must read without problems."""
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
# EndNote X9 export (CRLF, every type EndNote users have)


@pytest.fixture(scope="module")
def x9() -> ReadResult:
    return load("endnote_x9.enw")


def test_x9_reads_every_record(x9: ReadResult) -> None:
    data = (DATA / "endnote_x9.enw").read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 100  # CRLF throughout
    assert x9.records == 9
    assert x9.errors == []
    assert messages(x9) == [
        "endnote_x9.enw:105: record 9: unknown type 'Film or Broadcast'; read as a document"
    ]
    assert [i.item_type for i in x9.items] == [
        "journalArticle",
        "book",
        "bookSection",
        "conferencePaper",
        "thesis",
        "report",
        "preprint",
        "webpage",
        "document",
    ]


def test_x9_journal_article(x9: ReadResult) -> None:
    item = x9.items[0]
    assert item.fields == {
        "title": "Synthetic NK-cell therapy in colorectal cancer models",
        "publicationTitle": "Journal of Synthetic Oncology",  # %J and %B agree: once
        "journalAbbreviation": "J Synth Oncol",
        "volume": "12",
        "issue": "3",
        "pages": "101-109",
        "date": "2024",  # `%8 Mar 7` has no year: it never replaces %D
        "ISSN": "1234-5678",
        "DOI": "10.5555/synth.2024.0001",  # the doi.org prefix goes
        "archive": "Embase",
        "url": "https://example.org/articles/0001",
        "abstract": "Background: a synthetic abstract written for tests.\n"
        "Methods: a second paragraph that EndNote keeps on its own line.",
        "language": "English",
        "citationKey": "17",
        "callNumber": "QR185.8",
        "extra": "EndNote %8: Mar 7\n"
        "EndNote %M: EMB-000123\n"  # an Embase accession number is no PMID
        "EndNote %U: https://mirror.example.org/articles/0001\n"
        "EndNote %+: Department of Synthetic Studies, Example University, Example City\n"
        # File links are text only: never followed, read or copied.
        "EndNote %>: internal-pdf://0123456789/Testperson-2024-Synthetic.pdf\n"
        "EndNote %>: file://../../etc/passwd\n"
        "EndNote %1: custom value one",
    }
    assert item.creators == [
        Creator("Testperson", "Alpha B."),
        Creator("Exampleton", "Beta"),
        Creator(literal="Synthetic Study Group on NK Cells"),  # the trailing comma
    ]
    # %K with continuation lines: one keyword per line.
    assert item.tags == ["natural killer cells", "colorectal cancer", "synthetic data"]
    # HTML in a field is text: escaped into the note's paragraphs, never interpreted.
    assert item.notes == [
        "<p>A synthetic note: &lt;b&gt;not HTML&lt;/b&gt; &amp; kept as text.</p>"
        "<p>Second line of the same note.</p>"
    ]


def test_x9_book_and_book_section(x9: ReadResult) -> None:
    book, section = x9.items[1:3]
    assert book.fields == {
        "title": "A synthetic monograph on cytotoxicity",
        "date": "2015",
        "publisher": "Example Press",
        "place": "Example City",
        "numberOfPages": "320",  # a book's %P without a dash
        "edition": "2nd",
        "series": "Synthetic Series in Biology",
        "ISBN": "978-0-00-000000-2",
        # The second ISBN on a continuation line: kept, never over the first.
        "extra": "EndNote %@: 9780000000019\nEndNote %6: 2",
    }
    assert book.creators == [
        Creator("Bookwright", "Gamma"),
        Creator("Editorsson", "Delta", role="editor"),
        Creator("Seriesman", "Zeta", role="seriesEditor"),
    ]
    assert section.fields == {
        "title": "Synthetic chapter on NK-cell receptors",
        "publicationTitle": "Synthetic Handbook of Immunology",  # %B: the book
        "date": "2018",
        "publisher": "Example Press",
        "place": "Example City",
        "pages": "45-67",
        "ISBN": "0-00-000000-0",
    }
    assert section.creators == [
        Creator("Chapterson", "Epsilon"),
        Creator("Editorsson", "Delta", role="editor"),
        Creator("Editorsson", "Eta", role="editor"),
        Creator("Translatova", "Theta", role="translator"),
    ]


def test_x9_other_types(x9: ReadResult) -> None:
    conf, thesis, report, preprint, page, film = x9.items[3:]
    assert conf.fields == {
        "title": "Synthetic conference paper on cell engineering",
        "publicationTitle": "Proceedings of the Synthetic Immunology Conference 2023",
        "date": "2023-09-14",  # %8 agrees with %D and is fuller
        "pages": "1-8",
        "publisher": "Example Society",
        "extra": "EndNote type: Conference Proceedings",  # so it goes back out as it came
    }
    assert record_lines(conf)[0] == ("0", "Conference Proceedings")
    assert thesis.fields == {
        "title": "A synthetic thesis on adoptive cell transfer",
        "date": "2020",
        "publisher": "Example University",
        "place": "Example City",
        "genre": "PhD thesis",
        "numberOfPages": "212",
    }
    assert report.fields == {
        "title": "Synthetic report on manufacturing yields",
        "date": "2022",
        "number": "SR-2022-07",  # a report's %N is its number
        "publisher": "Example Institute",
        "genre": "Technical report",
    }
    assert report.creators == [Creator(literal="Example Institute for Synthetic Research")]
    assert preprint.fields == {
        "title": "Synthetic preprint about NK-cell signalling",
        "publicationTitle": "Example Preprint Server",
        "date": "2025-06-30",
        "DOI": "10.5555/preprint.0003",
    }
    assert page.fields == {
        "title": "Synthetic web page about cell therapy",
        "publicationTitle": "Example Site",
        "url": "https://example.org/page",
        "accessDate": "January 5, 2026",
        "date": "2026",
    }
    assert page.creators == [Creator(literal="Example Organisation")]
    assert film.fields == {
        "title": "A synthetic documentary",
        "date": "2019",
        "publisher": "Example Studio",
        "extra": "EndNote type: Film or Broadcast",
    }
    assert record_lines(film)[0] == ("0", "Film or Broadcast")


def test_x9_survives_export_and_import(x9: ReadResult) -> None:
    back = read(dumps(x9.items))
    assert back.items == x9.items
    assert [p.message for p in back.problems] == [p.message for p in x9.problems]


# ---------------------------------------------------------------------------------------------
# PubMed, Google Scholar, Zotero


def test_pubmed_export() -> None:
    result = load("pubmed.enw")
    assert result.problems == []
    item = result.items[0]
    assert item.fields == {
        "title": "Synthetic title about NK cells in a model system",
        "publicationTitle": "Journal of synthetic immunology",
        "journalAbbreviation": "J Synth Immunol",
        "volume": "8",
        "issue": "2",
        "pages": "101-9",
        "date": "2021 Mar 5",
        "ISSN": "2345-6789",
        "PMID": "33000001",  # %M digits, the database is NLM's
        "PMCID": "PMC7000001",  # %2
        "DOI": "10.5555/synth.2021.0002",
        "abstract": "Synthetic background sentence. Synthetic methods sentence. "
        "Synthetic results sentence.",
        "language": "eng",
        "genre": "Journal Article",
        "url": "https://pubmed.ncbi.nlm.nih.gov/33000001",
        "extra": "EndNote %W: NLM",
    }
    assert item.creators == [
        Creator("Testperson", "Alpha"),
        Creator("Sampleman", "Xi"),
        Creator("van der Example", "Omicron"),
    ]
    assert item.tags == ["Killer Cells, Natural", "Humans", "Animals"]  # commas stay
    assert again([item]) == [item]


def test_google_scholar_export() -> None:
    result = load("scholar.enw")
    assert result.problems == []  # LF line ends, no blank line at the end
    assert result.items[0].fields == {
        "title": "Synthetic cytokine profiles of engineered NK cells",
        "publicationTitle": "Synthetic Journal of Signalling",
        "volume": "4",
        "issue": "2",
        "pages": "33-41",
        "ISSN": "1234-5679",
        "date": "2016",
        "publisher": "Example Publisher",
    }
    assert result.items[0].creators == [
        Creator("Testperson", "Alpha"),
        Creator("Exampleton", "Beta"),
    ]


def test_zotero_export() -> None:
    result = load("zotero.enw")
    assert result.problems == []
    article, generic = result.items
    assert article.fields == {
        "title": "Synthetic persistence of CAR-NK cells in vivo",
        "publicationTitle": "Journal of Synthetic Immunology",
        "volume": "15",
        "issue": "4",
        "pages": "55-63",
        "date": "2020-04-01",
        "DOI": "10.5555/zotero.0004",
        "url": "https://example.org/zotero/4",
        "abstract": "A synthetic abstract exported by a reference manager.",
        "language": "en",
        "shortTitle": "Synthetic persistence",
        "ISSN": "1234-5678",
    }
    assert article.creators == [
        Creator("Testperson", "Alpha"),
        Creator("Exampleton", "Beta"),
        Creator("Editorsson", "Delta", role="editor"),
    ]
    assert article.tags == ["NK cells", "persistence"]
    # HTML and `javascript:` in a note are text, stored verbatim (escaped), never markup.
    assert article.notes == [
        "<p>&lt;p&gt;A note exported as HTML: &lt;i&gt;kept verbatim&lt;/i&gt;, "
        "javascript:alert(1) too.&lt;/p&gt;</p>"
    ]
    assert (generic.item_type, generic.fields) == (
        "document",
        {"title": "A synthetic generic document", "date": "n.d."},
    )


# ---------------------------------------------------------------------------------------------
# The traps of DESIGN §4


def test_one_author_per_line_and_corporate_authors() -> None:
    item = only(
        "%0 Journal Article\n%A Testperson, Alpha\n%A World Synthetic Organisation,\n"
        "%A Alpha Beta Gamma\n%A Smith, Jr., Delta\n%A Exampleton, Beta\nSampleman, Xi\n"
        "%A , Orphan\n%A ,\n%E Synthetic Editors, Inc.,\n%Y Seriesman, Zeta\n%? Translatova, Eta\n"
    )
    assert item.creators == [
        Creator("Testperson", "Alpha"),
        Creator(literal="World Synthetic Organisation"),
        Creator("Gamma", "Alpha Beta"),  # no comma: `Given Family`, as EndNote reads it
        Creator("Smith, Jr.", "Delta"),
        Creator("Exampleton", "Beta"),
        Creator("Sampleman", "Xi"),  # a continuation line of %A is another author
        Creator(literal="Orphan"),
        Creator(literal="Synthetic Editors, Inc.", role="editor"),
        Creator("Seriesman", "Zeta", role="seriesEditor"),
        Creator("Translatova", "Eta", role="translator"),
    ]
    lines = record_lines(item)
    assert ("A", "World Synthetic Organisation,") in lines  # the writer marks it the same way
    assert ("E", "Synthetic Editors, Inc.,") in lines
    assert again([item]) == [item]


def test_keywords_on_continuation_lines_and_repeated() -> None:
    item = only("%0 Generic\n%K alpha\nbeta\n  gamma  \n%K delta; epsilon\n%K alpha\n")
    assert item.tags == ["alpha", "beta", "gamma", "delta; epsilon"]
    assert [v for t, v in record_lines(item) if t == "K"] == item.tags  # one %K per keyword


def test_doi_and_accession_numbers() -> None:
    assert only("%0 Journal Article\n%R doi:10.5555/x\n%M 31000001\n").fields == {
        "DOI": "10.5555/x",
        "PMID": "31000001",  # just digits, no database named: a PMID
    }
    assert only("%0 Journal Article\n%M 31000001\n%~ MEDLINE\n").fields == {
        "PMID": "31000001",
        "archive": "MEDLINE",
    }
    assert only("%0 Journal Article\n%M 000123\n%~ Synthetic Index\n").fields == {
        "archive": "Synthetic Index",
        "extra": "EndNote %M: 000123",
    }
    assert only("%0 Journal Article\n%M WOS:0001\n%M 31000001\n%M 31000002\n").fields == {
        "PMID": "31000001",
        "extra": "EndNote %M: WOS:0001\nEndNote %M: 31000002",
    }
    # A PMID beside another database cannot be %M (it would not read back): a note line.
    item = Item("journalArticle", {"PMID": "31000001", "archive": "Synthetic Index"})
    assert ("Z", "Extra: PMID: 31000001") in record_lines(item)
    assert again([item]) == [item]


def test_isbn_and_issn_by_shape_and_type() -> None:
    book = only("%0 Book\n%@ 9780000000002\n%@ 9780000000019\n%@ odd\n")
    assert book.fields == {
        "ISBN": "9780000000002",
        "ISSN": "odd",
        "extra": "EndNote %@: 9780000000019",
    }
    article = only("%0 Journal Article\n%@ 1234-5678 (Print)\n%@ 2345-678X (Electronic)\n")
    assert article.fields == {
        "ISSN": "1234-5678 (Print)",
        "extra": "EndNote %@: 2345-678X (Electronic)",  # an ISSN never lands in ISBN
    }
    assert only("%0 Journal Article\n%@ odd\n%@ 0-00-000000-0\n").fields == {
        "ISSN": "odd",
        "ISBN": "0-00-000000-0",
    }


def test_date_8_never_replaces_the_year() -> None:
    assert only("%0 Journal Article\n%D 2020\n%8 2020-03-05\n").fields == {"date": "2020-03-05"}
    assert only("%0 Journal Article\n%8 March 5, 2020\n%D 2020\n").fields == {
        "date": "March 5, 2020"  # agrees with %D, whatever the order
    }
    assert only("%0 Journal Article\n%D 2020\n%8 2026-01-12\n").fields == {
        "date": "2020",  # another year (an entry date): kept apart
        "extra": "EndNote %8: 2026-01-12",
    }
    assert only("%0 Journal Article\n%D 2020\n%8 Mar 5\n").fields == {
        "date": "2020",
        "extra": "EndNote %8: Mar 5",
    }
    assert only("%0 Journal Article\n%8 2019-05\n").fields == {"date": "2019-05"}
    assert only("%0 Journal Article\n%D 2015\n%D 2015\n%D 2014\n").fields == {
        "date": "2015",
        "extra": "EndNote %D: 2014",
    }


def test_pages_issue_and_number_by_type() -> None:
    assert only("%0 Book\n%P 320\n").fields == {"numberOfPages": "320"}
    assert only("%0 Book\n%P 5-9\n%P 300\n").fields == {"pages": "5-9", "numberOfPages": "300"}
    assert only("%0 Journal Article\n%P 320\n%N 4\n").fields == {"pages": "320", "issue": "4"}
    assert only("%0 Patent\n%N US-0000001\n").fields == {"number": "US-0000001"}
    for item in (
        Item("book", {"pages": "7", "numberOfPages": "300"}),
        Item("book", {"pages": "7-9", "numberOfPages": "1-2"}),
        Item("journalArticle", {"number": "A-1", "issue": "3", "numberOfPages": "9"}),
        Item("report", {"number": "R-1", "issue": "3"}),
    ):
        assert again([item]) == [item]


def test_continuation_lines() -> None:
    item = only(
        "%0 Journal Article\n%T A wrapped\n  title\n%X First paragraph.\nSecond paragraph.\n"
        "%Z Note line one\nNote line two\n%U https://example.org/a\nhttps://example.org/b\n"
        "%+ Address one\nAddress two\n"
    )
    assert item.fields == {
        "title": "A wrapped title",  # a wrapped single value: joined with a space
        "abstract": "First paragraph.\nSecond paragraph.",
        "url": "https://example.org/a",
        "extra": "EndNote %U: https://example.org/b\nEndNote %+: Address one\n"
        "EndNote %+: Address two",
    }
    assert item.notes == ["<p>Note line one</p><p>Note line two</p>"]
    assert again([item]) == [item]


def test_repeated_tags_do_not_overwrite() -> None:
    item = only(
        "%0 Journal Article\n%T First\n%T Second\n%J Journal A\n%B Book B\n%V 1\n%V 2\n"
        "%R 10.5555/a\n%R https://doi.org/10.5555/a\n%2 PMC1\n%2 PMC2\n%2 other\n"
    )
    assert item.fields == {
        "title": "First",
        "publicationTitle": "Journal A",  # %J and %B: the first wins
        "volume": "1",
        "DOI": "10.5555/a",
        "PMCID": "PMC1",
        "extra": "EndNote %T: Second\nEndNote %B: Book B\nEndNote %V: 2\nEndNote %2: PMC2\n"
        "EndNote %2: other",
    }


def test_unknown_tags_go_to_extra_and_back_out() -> None:
    item = only("%0 Generic\n%T T\n%3 three\n%% odd\n%f figure\n%= 2026-01-01\n%W Provider\n")
    assert item.fields["extra"] == (
        "EndNote %3: three\nEndNote %%: odd\nEndNote %f: figure\nEndNote %=: 2026-01-01\n"
        "EndNote %W: Provider"
    )
    assert record_lines(item)[-5:] == [
        ("3", "three"),
        ("%", "odd"),
        ("f", "figure"),
        ("=", "2026-01-01"),
        ("W", "Provider"),
    ]
    assert again([item]) == [item]


@pytest.mark.parametrize(("name", "kind"), sorted(TYPE_NAMES.items()))
def test_every_type_name_reads(name: str, kind: str) -> None:
    item = only(f"%0 {name}\n%T T\n")
    assert item.item_type == kind
    assert record_lines(item)[0] == ("0", name)  # aliases go back out as they came
    assert only(f"%0 {name.upper()}\n%T T\n").item_type == kind


@pytest.mark.parametrize("kind", ITEM_TYPES)
def test_every_type_writes_and_reads_back(kind: str) -> None:
    item = Item(kind, {"title": "T"})
    assert record_lines(item)[0] == ("0", TYPES_OUT[kind])
    assert again([item]) == [item]


# ---------------------------------------------------------------------------------------------
# Hostile and odd input


def test_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.enw"
    path.write_bytes(b"\xef\xbb\xbf%0 Journal Article\r\n%T \xc3\x9cber synthetic\r\n")
    result = read_file(path)
    assert result.problems == []
    assert [i.title for i in result.items] == ["Über synthetic"]
    assert only("\ufeff%0 Journal Article\n%T Synthetic\n").item_type == "journalArticle"
    assert sniff("\ufeff%0 Journal Article\n")


def test_cp1252_file(tmp_path: Path) -> None:
    path = tmp_path / "old.enw"
    text = "%0 Book\r\n%A Müller, Zoë\r\n%T Synthetic “quoted” title – café\r\n"
    path.write_bytes(text.encode("cp1252"))
    result = read_file(path)
    assert result.problems == []
    assert result.items[0].title == "Synthetic “quoted” title – café"
    assert result.items[0].creators == [Creator("Müller", "Zoë")]


def test_record_with_no_end_and_records_without_blank_lines() -> None:
    # No blank line, no newline at the end: the end of the file ends the record.
    result = read("%0 Journal Article\n%T One\n%0 Book\n%T Two\n%0 Report\n%T Three")
    assert [(i.item_type, i.title) for i in result.items] == [
        ("journalArticle", "One"),
        ("book", "Two"),
        ("report", "Three"),
    ]
    assert result.problems == []


def test_record_without_type_and_text_outside_records() -> None:
    result = read(
        "Exported by a synthetic tool\n\n%T No type\n%A Testperson, A\n\n"
        "stray text\n%0 Journal Article\n%T Typed\n\n%0\n%T Empty type\n"
    )
    assert [(i.item_type, i.title) for i in result.items] == [
        ("document", "No type"),
        ("journalArticle", "Typed"),
        ("document", "Empty type"),
    ]
    assert result.errors == []
    assert messages(result) == [
        "<input>:1: text before the first record ignored (a record starts with a %0 line)",
        "<input>:3: record 1: no %0 line; read as Generic (a document)",
        "<input>:6: text outside a record ignored (a record starts with a %0 line)",
        "<input>:10: record 3: empty %0 line; read as Generic (a document)",
    ]


def test_empty_and_zero_record_files() -> None:
    for text in ("", "\n\n  \r\n", "\ufeff"):
        result = read(text)
        assert (result.records, result.items, result.errors) == (0, [], [])
        assert messages(result) == ["<input>: no records: the file is empty"]
    result = read("Exported by a synthetic tool\nno records today\n")
    assert (result.records, result.items) == (0, [])
    assert result.errors == []


def test_read_file_refuses_binary_and_empty(tmp_path: Path) -> None:
    from citelib.errors import FormatError

    binary = tmp_path / "x.enw"
    binary.write_bytes(b"%0 Journal Article\n\x00\x01\x02\xff\xfe")
    with pytest.raises(FormatError, match="does not look like a text file"):
        read_file(binary, "enw")
    empty = tmp_path / "e.enw"
    empty.write_bytes(b"")
    with pytest.raises(FormatError, match="empty"):
        read_file(empty, "enw")


def test_binary_garbage_never_raises() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 3
    result = read(garbage)
    assert result.items == []
    assert read("%0 " + garbage).records >= 1


def test_file_links_are_never_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SYNTHETIC-SECRET-CONTENT")
    text = (
        f"%0 Journal Article\n%T Linked\n%> {secret}\n%> file://{secret}\n"
        "%> ../../etc/passwd\n%> internal-pdf://../../../etc/passwd\n"
    )
    opened: list[Any] = []

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if watching and event in ("open", "os.listdir", "os.scandir", "shutil.copyfile"):
            opened.append((event, args))

    sys.addaudithook(hook)
    watching = True
    try:
        result = read(text)
        out = io.StringIO()
        write(result.items, out)
    finally:
        watching = False
    assert opened == []
    item = result.items[0]
    assert "SYNTHETIC-SECRET-CONTENT" not in repr(item)
    assert item.fields["extra"].splitlines() == [
        f"EndNote %>: {secret}",
        f"EndNote %>: file://{secret}",
        "EndNote %>: ../../etc/passwd",
        "EndNote %>: internal-pdf://../../../etc/passwd",
    ]
    assert out.getvalue().count("%> ") == 4  # written back as text, nothing else


def test_html_and_javascript_are_stored_verbatim() -> None:
    item = only(
        '%0 Web Page\n%T <script>alert("x")</script> Synthetic\n%U javascript:alert(1)\n'
        "%X <img src=x onerror=alert(1)>\n%K <b>bold</b>\n"
    )
    assert item.fields == {
        "title": '<script>alert("x")</script> Synthetic',
        "url": "javascript:alert(1)",
        "abstract": "<img src=x onerror=alert(1)>",
    }
    assert item.tags == ["<b>bold</b>"]
    assert again([item]) == [item]


# ---------------------------------------------------------------------------------------------
# Writing


def test_writer_output_is_exact() -> None:
    item = Item(
        "journalArticle",
        {
            "title": "Synthetic\ntitle about NK cells",
            "publicationTitle": "Journal of Synthetic Immunology",
            "journalAbbreviation": "J Synth Immunol",
            "abstract": "Line one.\r\n\r\n%X not a tag\nLine two.",
            "volume": "12",
            "issue": "3",
            "pages": "12-19",
            "date": "2026-01-12",
            "accessDate": "2026-02-01",
            "DOI": "10.5555/synth.0001",
            "ISSN": "1234-5678",
            "PMID": "33000001",
            "PMCID": "PMC0000001",
            "arXiv": "2601.00001",
            "url": "https://example.org/a",
            "language": "en",
            "citationKey": "testperson2026",
            "extra": "EndNote %>: files/a.pdf\nfree text line\nEndNote %0: not a type\n\n"
            "EndNote %W: NLM\nEndNote type: Hologram",
        },
        [
            Creator("Testperson", "Alpha"),
            Creator(literal="Synthetic Group"),
            Creator("Sampleman", ""),
            Creator("Editorsson", "Delta", role="editor"),
            Creator("Bookman", "Iota", role="bookAuthor"),
        ],
        ["NK cells", "synthetic data"],
        ["<p>A <b>bold</b> note &amp; more</p><p>Second paragraph</p>"],
    )
    out = io.StringIO()
    write([item, Item("book", {"title": "Second", "numberOfPages": "320"})], out)
    assert out.getvalue() == (
        "%0 Journal Article\r\n"
        "%A Testperson, Alpha\r\n"
        "%A Synthetic Group,\r\n"
        "%A Sampleman\r\n"
        "%E Editorsson, Delta\r\n"
        "%Z Extra: bookAuthor: Bookman, Iota\r\n"
        "%T Synthetic title about NK cells\r\n"
        "%J Journal of Synthetic Immunology\r\n"
        "%O J Synth Immunol\r\n"
        "%D 2026\r\n"
        "%8 2026-01-12\r\n"
        "%V 12\r\n"
        "%N 3\r\n"
        "%P 12-19\r\n"
        "%@ 1234-5678\r\n"
        "%R 10.5555/synth.0001\r\n"
        "%M 33000001\r\n"
        "%2 PMC0000001\r\n"
        "%U https://example.org/a\r\n"
        "%[ 2026-02-01\r\n"
        "%G en\r\n"
        "%F testperson2026\r\n"
        "%K NK cells\r\n"
        "%K synthetic data\r\n"
        "%X Line one. %X not a tag\r\n"  # no blank line, no line that reads as a tag
        "Line two.\r\n"
        "%Z A bold note & more\r\n"
        "Second paragraph\r\n"
        "%Z Extra: arXiv: 2601.00001\r\n"
        "%> files/a.pdf\r\n"
        "%Z Extra: free text line\r\n"
        "%Z Extra: EndNote %0: not a type\r\n"
        "%W NLM\r\n"
        "%Z Extra: EndNote type: Hologram\r\n"  # not a journal article's type name
        "\r\n"
        "%0 Book\r\n"
        "%T Second\r\n"
        "%P 320\r\n"
    )
    back = again([item])[0]
    assert back.creators == item.creators
    assert back.fields["PMID"] == "33000001"
    assert back.fields["arXiv"] == "2601.00001"
    assert back.notes == ["<p>A bold note &amp; more</p><p>Second paragraph</p>"]


def test_dumps_and_write_agree() -> None:
    items = [Item("book", {"title": "A"}), Item("thesis", {"title": "B"})]
    out = io.StringIO()
    write(items, out)
    assert out.getvalue() == dumps(items)
    assert dumps([]) == ""


def test_sniff() -> None:
    assert sniff("%0 Journal Article\n%T x\n")
    assert sniff("\n\n  %0 Book\r\n")
    assert sniff("%A Testperson, A\n%T Title\n")  # refer without %0, but tagged
    assert not sniff("%A Testperson, A\n")
    assert not sniff("%% A BibTeX comment\n@article{x,\n")
    assert not sniff("% comment\n%T x\n")
    assert not sniff("TY  - JOUR\n")
    assert not sniff('<?xml version="1.0"?><xml><records>')
    assert not sniff("")


# ---------------------------------------------------------------------------------------------
# Properties

# Text the tagged format carries: one line, no space around it (values are stripped), no BOM (the
# reader drops stray ones) and no surrogates (not encodable).
_CHARS = st.characters(
    exclude_categories=["Cs"], exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\ufeff"
)
_TRICKY = st.sampled_from(["<b>", "&amp;", "%T ", "%0 ", ",", "\t", "é", "javascript:", "Extra"])
_TEXT = (
    st.lists(st.one_of(st.text(_CHARS, max_size=6), _TRICKY), min_size=1, max_size=6)
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)
_PLAIN = [
    "title", "shortTitle", "publicationTitle", "journalAbbreviation", "series", "volume",
    "issue", "number", "edition", "publisher", "place", "url", "language", "genre",
    "citationKey", "callNumber", "archive", "PMCID", "arXiv", "event", "rights", "accessDate",
]  # fmt: skip
_FREE_DATES = st.sampled_from(["Spring 2019", "ca. 1850", "7 March 2001 (reprint)", "n.d."])
_EXTRA = st.sampled_from(
    [
        "EndNote %1: custom one",
        "EndNote %>: ../../etc/passwd",
        "EndNote %+: Example address",
        "EndNote %W: Synthetic Index",
        "EndNote %W: NLM",
        "EndNote coden: SYNTH1",
        "EndNote %<: research note",
        "RIS L1: files/a.pdf",
    ]
)


@st.composite
def iso_dates(draw: st.DrawFn) -> str:
    year = draw(st.integers(0, 9999))
    month = draw(st.none() | st.integers(1, 12))
    day = draw(st.none() | st.integers(1, 28)) if month else None
    return "-".join([f"{year:04d}"] + [f"{n:02d}" for n in (month, day) if n])


@st.composite
def items(draw: st.DrawFn, text: st.SearchStrategy[str] = _TEXT) -> Item:
    """Items on every field the EndNote formats carry, every type and every creator role.

    Excluded, because the format cannot carry them: text with newlines (except between the
    paragraphs of an abstract or a note) or surrounding space; paragraphs that would read as a tag
    line; DOIs not starting `10.` (prefixes are normalised away); ISBN/ISSN values of no
    recognisable shape (`%@` has no label, so the shape decides); a PMID that is not digits;
    notes other than escaped `<p>` paragraphs (notes are plain text), or whose paragraphs all start
    `Extra: `; `extra` lines that name a field or a mapped tag (`PMCID: x`, `EndNote %T: x`: read
    back as the field when it is empty); names with commas, and a family name of several words
    without a given name (EndNote reads it as `Given Family`).
    """
    # A paragraph of an abstract or a note: also no line that would read as a tag line.
    paragraph = text.filter(lambda t: not is_tag_line(t))
    no_comma = text.map(lambda t: " ".join(t.replace(",", " ").split())).filter(bool)
    fields = draw(st.dictionaries(st.sampled_from(_PLAIN), text, max_size=10))
    if draw(st.booleans()):
        fields["abstract"] = "\n".join(draw(st.lists(paragraph, min_size=1, max_size=3)))
    if draw(st.booleans()):
        fields["date"] = draw(iso_dates() | _FREE_DATES)
    if draw(st.booleans()):
        fields["pages"] = draw(st.sampled_from(["12-19", "e1001", "12–19", "5", "iv-x", "3, 7-9"]))
    if draw(st.booleans()):
        fields["numberOfPages"] = draw(st.sampled_from(["320", "xii, 300", "1-2"]))
    if draw(st.booleans()):
        fields["DOI"] = "10.5555/" + draw(text)
    if draw(st.booleans()):
        fields["PMID"] = str(draw(st.integers(1, 99999999)))
    if draw(st.booleans()):
        fields["PMCID"] = draw(st.sampled_from(["PMC7000001", "not-a-pmcid"]))
    if draw(st.booleans()):
        fields["ISBN"] = draw(st.sampled_from(["978-0-00-000000-2", "000000000X"]))
    if draw(st.booleans()):
        fields["ISSN"] = draw(st.sampled_from(["1234-5678", "2345-678X"]))
    extra = draw(st.lists(text.map(lambda t: t.replace(":", ";")) | _EXTRA, max_size=3))
    if extra:
        fields["extra"] = "\n".join(extra)
    creators: list[Creator] = []
    for role in draw(st.lists(st.sampled_from(CREATOR_ROLES), max_size=5)):
        form = draw(st.integers(0, 2))
        if form == 0:
            creators.append(Creator(literal=draw(text), role=role))
        elif form == 1:
            creators.append(Creator(draw(no_comma), draw(no_comma), role=role))
        else:
            creators.append(Creator(draw(no_comma).split(" ")[0], role=role))
    tags = draw(st.lists(text, unique=True, max_size=5))
    notes = draw(
        st.lists(
            st.lists(paragraph, min_size=1, max_size=3)
            .filter(lambda ps: not all(p.startswith("Extra: ") for p in ps))
            .map(lambda ps: "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in ps)),
            max_size=2,
        )
    )
    kind = draw(st.sampled_from(ITEM_TYPES))
    return Item(kind, fields, creators, tags, notes)


def same(before: Item, after: Item, normal: Callable[[Item], Item] = lambda i: i) -> None:
    a, b = normal(before), normal(after)
    assert b.item_type == a.item_type
    assert b.fields == a.fields
    assert b.creators == a.creators
    assert b.tags == a.tags
    assert b.notes == a.notes


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items(), max_size=4))
def test_write_then_read_gives_the_same_items(written: list[Item]) -> None:
    back = again(written)
    assert len(back) == len(written)
    for before, after in zip(written, back, strict=True):
        same(before, after)


_FUZZ_TAGS = sorted({*FIELDS_IN, *ROLES_IN, "0", "D", "8", "P", "N", "@", "M", "2", "K", "Z"})
_FUZZ_TAGS = [t for t in _FUZZ_TAGS if len(t) == 1] + [">", "+", "W", "1", "%", "f"]
_FUZZ_VALUES = st.sampled_from(
    ["", "Journal Article", "Book", "Generic", "Conference Proceedings", "Hologram", "2015",
     "Mar 7", "2020-03-05", "n.d.", "12-19", "5", "a, b,", ", x", "x,", "Smith, Jr., A",
     "1234-5678", "978-0-00-000000-2", "123", "doi:doi:10.1/x", "<b>&amp;", "\ufeff",
     "Extra: pages: 3", "Extra: bookAuthor: A, B", "Extra: EndNote type: X", "PMC1",
     "Extra: numberOfPages: 2", "Extra: PMCID: 1", "Extra: x: y", "EndNote %T: z", "../../x",
     "PubMed", "Embase"]
) | st.text(max_size=5)  # fmt: skip
_FUZZ_LINES = st.builds(
    lambda tag, value: f"%{tag} {value}", st.sampled_from(_FUZZ_TAGS), _FUZZ_VALUES
)
_FUZZ_LINES |= st.sampled_from(["", " ", "continued", "%", "%T", "%Tx", "% T x", "%0", "\ufeff"])


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text() | st.lists(_FUZZ_LINES | st.text(max_size=8), max_size=25).map("\n".join))
def test_any_text_reads_without_exception(text: str) -> None:
    result = read(text)
    assert len(result.items) <= result.records
    assert all(p.line is not None for p in result.problems if p.record is not None)
    # What was read writes and reads back the same: import -> export -> import loses nothing.
    back = read(dumps(result.items))
    assert back.errors == []
    assert back.items == result.items
