"""RIS reading and writing: real-world dialects, hostile input, the type table, the round trip.

The files under tests/data/ris/ are written the way Zotero, EndNote, PubMed, Web of Science and
Scopus write RIS; every title, name and number in them is synthetic.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citelib.formats import FORMATS, ReadResult, detect_format, read_file, write_file
from citelib.formats.ris import (
    FIELDS_IN,
    ROLES_IN,
    TYPES_IN,
    TYPES_OUT,
    dumps,
    read,
    record_lines,
    sniff,
    write,
)
from citelib.model import CREATOR_ROLES, ITEM_TYPES, Creator, Item, note_text

DATA = Path(__file__).resolve().parent / "data" / "ris"


def load(name: str) -> ReadResult:
    path = DATA / name
    return read_file(path)


def only(text: str) -> Item:
    """The single item of a RIS text that must read without errors."""
    result = read(text)
    assert result.errors == [], result.errors
    assert len(result.items) == 1
    return result.items[0]


def again(items: list[Item]) -> list[Item]:
    result = read(dumps(items))
    # Nothing written reads as an empty file, which is a warning of its own.
    assert result.problems == [] or not items, result.problems
    return result.items


def messages(result: ReadResult) -> list[str]:
    return [str(p) for p in result.problems]


# ---------------------------------------------------------------------------------------------
# A Zotero export (CRLF, several types)


@pytest.fixture(scope="module")
def zotero() -> ReadResult:
    return load("zotero.ris")


def test_zotero_reads_without_problems(zotero: ReadResult) -> None:
    data = (DATA / "zotero.ris").read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 90  # CRLF throughout
    assert zotero.problems == []
    assert zotero.records == 8
    assert [i.item_type for i in zotero.items] == [
        "journalArticle",
        "bookSection",
        "book",
        "preprint",
        "conferencePaper",
        "thesis",
        "webpage",
        "document",
    ]


def test_zotero_journal_article(zotero: ReadResult) -> None:
    item = zotero.items[0]
    assert item.fields == {
        "title": "Synthetic title about NK cells",
        "publicationTitle": "Journal of Synthetic Immunology",
        "abstract": "A synthetic abstract about natural killer cells, written for tests.",
        "date": "2026-01-12",  # DA agrees with PY and is fuller
        "DOI": "10.5555/SYNTH.0001",  # normalised
        "archive": "Example Database",
        "volume": "12",
        "issue": "3",
        "pages": "12-19",  # SP holding a range stays whole
        "shortTitle": "Synthetic NK title",
        "journalAbbreviation": "J Synth Immunol",
        "language": "en",
        "ISSN": "1234-5678",
        "url": "https://example.org/article/1",
        "accessDate": "2026-02-01 10:20:30",
        "callNumber": "QR185.8",
        # File links are text only: never followed, read or opened.
        "extra": "RIS L1: files/12/synthetic.pdf\nRIS L2: file:///../../etc/passwd",
    }
    assert item.creators == [Creator("Testperson", "Alpha"), Creator("Exampleton", "Beta")]
    assert item.tags == ["NK cells", "synthetic data"]
    # HTML in a field is text: escaped into the note's paragraph, never interpreted.
    assert item.notes == ["<p>&lt;b&gt;Not&lt;/b&gt; HTML &amp; kept as text</p>"]


def test_zotero_book_section(zotero: ReadResult) -> None:
    item = zotero.items[1]
    assert item.fields == {
        "title": "Synthetic chapter on cytotoxicity",
        "publicationTitle": "Synthetic Handbook of Immunology",  # T2 of a CHAP: the book
        "series": "Synthetic Series in Biology",
        "place": "Example City",
        "publisher": "Example Press",
        "edition": "2",
        "ISBN": "9780000000002",
        "pages": "101-130",  # SP + EP
        "date": "2018",
    }
    assert item.creators == [
        Creator("Testperson", "Gamma", role="author"),
        Creator("Editorsson", "Delta", role="editor"),  # A2 is editors, not authors
        Creator("Editorsson", "Epsilon", role="editor"),
        Creator("Seriesman", "Zeta", role="seriesEditor"),
        Creator("Translatova", "Eta", role="translator"),
    ]


def test_zotero_book_preprint_and_others(zotero: ReadResult) -> None:
    book, preprint, conf, thesis, page, doc = zotero.items[2:]
    assert book.fields == {
        "title": "A synthetic monograph",
        "publisher": "Example Press",
        "place": "Example City",
        "date": "2015",
        "numberOfPages": "320",  # a book's lone SP is its page count
        "ISBN": "0000000000",
    }
    assert book.creators == [Creator(literal="Synthetic Consortium for Testing")]
    assert preprint.fields == {
        "title": "Synthetic preprint about NK cell signalling",
        "publisher": "Example Preprint Server",
        "date": "2025-06-30",
        "DOI": "10.5555/preprint.0003",
        "url": "https://example.org/preprint/3",
    }  # the `M3  - Preprint` marker is the type, not a genre
    assert conf.fields == {
        "title": "Synthetic conference paper",
        "publicationTitle": "Proceedings of the Synthetic Conference 2024",
        "date": "2024",
        "pages": "1-8",
        "publisher": "Example Society",
        "extra": "RIS C1: Example City",
    }
    assert thesis.fields == {
        "title": "A synthetic thesis",
        "publisher": "Example University",
        "genre": "PhD Thesis",
        "date": "2020",
    }
    assert page.fields == {
        "title": "Synthetic web page",
        "publicationTitle": "Example Site",
        "url": "https://example.org/page",
        "accessDate": "2026-01-05",
    }
    assert page.creators == [Creator(literal="Example Organisation")]
    assert doc.fields == {"title": "A synthetic generic document"}


# ---------------------------------------------------------------------------------------------
# EndNote, PubMed, Web of Science, Scopus


def test_endnote_export() -> None:
    result = load("endnote.ris")
    assert result.problems == []
    book, article = result.items
    assert book.item_type == "book"
    assert book.fields == {
        "title": "A synthetic book from EndNote",
        "date": "2015",  # Y1 2015///
        "place": "Example City",
        "publisher": "Example Press",
        "numberOfPages": "412",
        "ISBN": "9780000000019",
        "ISSN": "1234-5679",  # a second SN goes to the other field, never over the first
        "citationKey": "17",
        # Continuation lines of a wrapped N2 join the value.
        "abstract": "A synthetic abstract that EndNote wrapped onto a second line and a third.",
        "url": "https://example.org/book/17",
        "extra": "RIS M1: 3\nRIS UR: https://mirror.example.org/book/17",
    }
    assert book.creators == [
        Creator("Testperson", "Kappa"),
        Creator("Editorsson", "Lambda", role="editor"),
    ]
    assert book.notes == ["<p>Synthetic note line one</p>"]
    assert article.item_type == "journalArticle"
    assert article.fields == {
        "title": "Synthetic title about cytokines",
        "publicationTitle": "Synthetic Journal of Signalling",
        "journalAbbreviation": "Synth J Signal",
        "date": "2016-01",  # PY 2016/01/
        "volume": "4",
        "issue": "2",
        "pages": "33-41",
        "extra": "RIS AN: ACC-0042",  # not a PubMed number
    }
    # `AU - A; B; C`: three authors, the one without a comma a literal name.
    assert article.creators == [
        Creator("Testperson", "Mu"),
        Creator("Exampleton", "Nu"),
        Creator(literal="Synthetic Study Group"),
    ]


def test_pubmed_export() -> None:
    item = load("pubmed.ris").items[0]
    assert item.fields == {
        "title": "Synthetic title about NK cells in a model system",
        "abstract": "Synthetic background sentence. Synthetic methods sentence. "
        "Synthetic results sentence on a wrapped line.",
        "publicationTitle": "Journal of synthetic immunology",  # JO when no T2
        "journalAbbreviation": "J Synth Immunol",
        "volume": "8",
        "issue": "2",
        "pages": "101-109",
        "date": "2021-03-05",
        "ISSN": "2345-6789",
        "PMID": "33000001",  # AN holding a PubMed number
        "DOI": "10.5555/synth.2021.0002",
        "language": "eng",
        "url": "https://pubmed.ncbi.nlm.nih.gov/33000001",
    }
    assert item.creators == [Creator("Testperson", "Alpha"), Creator("Sampleman", "Xi")]
    assert item.tags == ["Killer Cells, Natural", "Humans"]


def test_web_of_science_export() -> None:
    result = load("wos.ris")
    assert result.problems == []  # `ER  -` without its trailing space
    item = result.items[0]
    assert item.fields == {
        "title": "SYNTHETIC TITLE ABOUT NK CELL RECEPTORS",
        "publicationTitle": "JOURNAL OF SYNTHETIC IMMUNOLOGY",
        "journalAbbreviation": "J SYNTH IMMUNOL",
        "genre": "Article",
        "abstract": "A synthetic abstract from a citation index.",
        "ISSN": "1234-5678",
        "date": "MAR 2020",
        "volume": "15",
        "issue": "4",
        "pages": "55-63",
        "DOI": "10.5555/wos.0004",
        # The electronic ISSN cannot go into ISSN again, and a journal has no ISBN.
        "extra": "RIS SN: 2345-678X\nRIS AN: WOS:000000000000001\nRIS C6: JAN 2020",
    }
    assert item.creators == [Creator("Testperson", "Omicron"), Creator("Exampleton", "Pi")]


def test_scopus_export() -> None:
    item = load("scopus.ris").items[0]
    assert item.fields == {
        "title": "Synthetic title about NK cell cytotoxicity",
        "publicationTitle": "Journal of Synthetic Immunology",
        "date": "2019",
        "volume": "7",
        "issue": "1",
        "DOI": "10.5555/scopus.0005",
        "url": "https://www.example.org/record.uri?eid=2-s2.0-0000000001&partnerID=40",
        "abstract": "A synthetic abstract from an abstract database.",
        "publisher": "Example Publisher",
        "ISSN": "1234-5678",
        "language": "English",
        "journalAbbreviation": "J. Synth. Immunol.",
        "genre": "Article",
        "extra": "RIS C7: e1001\n"
        "RIS AD: Department of Synthetic Studies, Example University, Example City\n"
        "RIS DB: Scopus",
    }
    # `Family Initials` without a comma stays a literal name: safer than guessing.
    assert item.creators == [Creator("Testperson", "A."), Creator(literal="Exampleton B.C.")]
    assert item.tags == ["natural killer cell", "cytotoxicity", "synthetic"]
    assert item.notes == ["<p>Export Date: 12 January 2026; Cited By: 3</p>"]


# ---------------------------------------------------------------------------------------------
# Hostile and odd input


def test_utf8_bom_before_first_ty(tmp_path: Path) -> None:
    path = tmp_path / "bom.ris"
    path.write_bytes(b"\xef\xbb\xbfTY  - JOUR\r\nTI  - \xc3\x9cber synthetic\r\nER  - \r\n")
    result = read_file(path)
    assert result.problems == []
    assert [i.title for i in result.items] == ["Über synthetic"]
    # A stray BOM left in the text (decoded as plain utf-8) does not hide the record either.
    item = only("\ufeffTY  - JOUR\nTI  - Synthetic\nER  - \n")
    assert item.item_type == "journalArticle"
    assert sniff("\ufeffTY  - JOUR\n")


def test_cp1252_file(tmp_path: Path) -> None:
    path = tmp_path / "old.ris"
    text = "TY  - BOOK\r\nAU  - Müller, Zoë\r\nTI  - Synthetic “quoted” title – café\r\nER  - \r\n"
    path.write_bytes(text.encode("cp1252"))
    result = read_file(path)
    assert result.problems == []
    item = result.items[0]
    assert item.title == "Synthetic “quoted” title – café"
    assert item.creators == [Creator("Müller", "Zoë")]


def test_crlf_cr_and_lf_line_ends() -> None:
    for end in ("\r\n", "\r", "\n"):
        text = end.join(["TY  - JOUR", "TI  - Synthetic", "PY  - 2020", "ER  - ", ""])
        item = only(text)
        assert item.fields == {"title": "Synthetic", "date": "2020"}


def test_er_without_trailing_space_and_no_er_at_end() -> None:
    result = read("TY  - JOUR\nTI  - One\nER  -\nTY  - BOOK\nTI  - Two\n")
    assert [i.title for i in result.items] == ["One", "Two"]
    assert result.records == 2
    assert messages(result) == ["<input>:4: record 2: no ER line at the end of the file"]
    assert result.errors == []


def test_next_ty_without_er_closes_the_record() -> None:
    result = read("TY  - JOUR\nTI  - One\nTY  - BOOK\nTI  - Two\nER  - \n")
    assert [i.title for i in result.items] == ["One", "Two"]
    assert messages(result) == ["<input>:1: record 1: no ER line before the next TY (line 3)"]


def test_repeated_tags_do_not_overwrite() -> None:
    item = only(
        "TY  - JOUR\nSN  - 1234-5678\nSN  - 2345-6789\nUR  - https://example.org/a\n"
        "L2  - https://example.org/a.pdf\nUR  - https://example.org/b\nIS  - 3\nAN  - 31000001\n"
        "TI  - First\nT1  - Second\nDO  - 10.5555/a\nDO  - doi:10.5555/a\nER  - \n"
    )
    assert item.fields == {
        "ISSN": "1234-5678",
        "url": "https://example.org/a",
        "issue": "3",
        "PMID": "31000001",
        "title": "First",
        "DOI": "10.5555/a",  # the same DOI twice: once
        "extra": "RIS SN: 2345-6789\nRIS L2: https://example.org/a.pdf\n"
        "RIS UR: https://example.org/b\nRIS T1: Second",
    }


def test_serial_numbers_by_shape_and_type() -> None:
    book = only("TY  - BOOK\nSN  - 9780000000002\nSN  - 9780000000019\nSN  - odd\nER  - \n")
    assert book.fields == {"ISBN": "9780000000002", "ISSN": "odd", "extra": "RIS SN: 9780000000019"}
    article = only("TY  - JOUR\nSN  - odd\nSN  - 0-00-000000-0\nER  - \n")
    assert article.fields == {"ISSN": "odd", "ISBN": "0-00-000000-0"}


def test_dates() -> None:
    assert only("TY  - JOUR\nY1  - 2015///\nER  - \n").fields == {"date": "2015"}
    assert only("TY  - JOUR\nPY  - 2016/01/\nER  - \n").fields == {"date": "2016-01"}
    assert only("TY  - JOUR\nY1  - 2015/03/07/Spring\nER  - \n").fields == {
        "date": "2015-03-07 Spring"
    }
    # DA is fuller and agrees with PY: preferred, whatever the order.
    assert only("TY  - JOUR\nDA  - 2026/01/12\nPY  - 2026\nER  - \n").fields == {
        "date": "2026-01-12"
    }
    # DA from another year (EndNote's "date" can be an access or entry date): kept apart.
    assert only("TY  - JOUR\nPY  - 2020\nDA  - 2026/01/12\nER  - \n").fields == {
        "date": "2020",
        "extra": "RIS DA: 2026/01/12",
    }
    assert only("TY  - JOUR\nDA  - 2019/05/\nER  - \n").fields == {"date": "2019-05"}
    # PY and Y1 saying the same: once; differing: the second kept.
    assert only("TY  - JOUR\nPY  - 2015\nY1  - 2015///\nER  - \n").fields == {"date": "2015"}
    assert only("TY  - JOUR\nPY  - Spring 2015\nY1  - 2015\nER  - \n").fields == {
        "date": "Spring 2015"
    }
    assert only("TY  - JOUR\nPY  - 2015\nY1  - 2014///\nER  - \n").fields == {
        "date": "2015",
        "extra": "RIS Y1: 2014///",
    }
    assert only("TY  - JOUR\nPY  - 2015/13/\nY2  - 2020/01/02/\nER  - \n").fields == {
        "date": "2015/13/",  # not a date we can parse: kept as written
        "accessDate": "2020-01-02",
    }


def test_pages() -> None:
    assert only("TY  - JOUR\nSP  - 12-19\nER  - \n").get("pages") == "12-19"
    assert only("TY  - JOUR\nSP  - 12–19\nEP  - 19\nER  - \n").fields == {"pages": "12–19"}
    assert only("TY  - JOUR\nSP  - 12\nEP  - 19\nER  - \n").get("pages") == "12-19"
    assert only("TY  - JOUR\nSP  - e1001\nER  - \n").get("pages") == "e1001"
    assert only("TY  - JOUR\nEP  - 19\nER  - \n").get("pages") == "19"
    assert only("TY  - BOOK\nSP  - 320\nER  - \n").fields == {"numberOfPages": "320"}
    assert only("TY  - BOOK\nSP  - 5-9\nER  - \n").fields == {"pages": "5-9"}
    assert only("TY  - BOOK\nSP  - 5\nEP  - 9\nSP  - 7\nER  - \n").fields == {
        "pages": "5-9",
        "extra": "RIS SP: 7",
    }


def test_creators() -> None:
    item = only(
        "TY  - JOUR\nAU  - Testperson, Alpha; Exampleton, Beta ; Synthetic Group\n"
        "A1  - Sampleman,\nA2  - Editorsson, Delta\nED  - Editorsson, Epsilon\n"
        "A3  - Seriesman, Zeta\nA4  - Translatova, Eta\nAU  - , Orphan\nAU  - ;\nER  - \n"
    )
    assert item.creators == [
        Creator("Testperson", "Alpha"),
        Creator("Exampleton", "Beta"),
        Creator(literal="Synthetic Group"),
        Creator("Sampleman", ""),
        Creator("Editorsson", "Delta", role="editor"),  # A2 on a JOUR is an editor too
        Creator("Editorsson", "Epsilon", role="editor"),
        Creator("Seriesman", "Zeta", role="seriesEditor"),
        Creator("Translatova", "Eta", role="translator"),
        Creator(literal=", Orphan"),
    ]


def test_keywords_and_notes() -> None:
    item = only(
        "TY  - JOUR\nKW  - alpha\nKW  - beta; gamma;\nKW  - alpha\nN1  - first & <i>second</i>\n"
        "N1  - \nN1  - Extra: PMCID: PMC0000001\nN1  - Extra: free line\nER  - \n"
    )
    assert item.tags == ["alpha", "beta", "gamma"]
    assert item.notes == ["<p>first &amp; &lt;i&gt;second&lt;/i&gt;</p>"]
    assert item.fields == {"PMCID": "PMC0000001", "extra": "free line"}


def test_unknown_and_mapped_tags() -> None:
    item = only(
        "TY  - JOUR\nLB  - key2026\nID  - key1\nCN  - QA1\nDP  - Example Archive\n"
        "M1  - m-one\nM2  - m-two\nC8  - c-eight\nZZ  - zed\nL4  - figure.png\nER  - \n"
    )
    assert item.fields == {
        "citationKey": "key1",  # ID before LB, whatever the order
        "callNumber": "QA1",
        "archive": "Example Archive",
        "extra": "RIS LB: key2026\nRIS M1: m-one\nRIS M2: m-two\nRIS C8: c-eight\nRIS ZZ: zed\n"
        "RIS L4: figure.png",
    }


def test_continuation_lines() -> None:
    item = only("TY  - JOUR\nAB  - First part\n   second part\n\nthird part\nTI  - T\nER  - \n")
    assert item.fields == {"abstract": "First part second part third part", "title": "T"}


def test_malformed_tag_line_is_a_warning_and_the_record_is_kept() -> None:
    result = read("TY  - JOUR\nTI  - Synthetic\nti  - lower case tag\nTI -no space\nER  - \n")
    assert len(result.items) == 1
    assert result.errors == []
    assert messages(result) == [
        "<input>:3: record 1: malformed tag line kept in extra: 'ti  - lower case tag'",
        "<input>:4: record 1: malformed tag line kept in extra: 'TI -no space'",
    ]
    assert result.items[0].fields == {
        "title": "Synthetic",
        "extra": "RIS line: ti  - lower case tag\nRIS line: TI -no space",
    }


def test_text_before_first_ty_and_between_records() -> None:
    result = read("Exported by a synthetic tool\nsecond line\n\nTY  - JOUR\nTI  - A\nER  - \n"
                  "stray\nTY  - JOUR\nTI  - B\nER  - \nER  - \n")  # fmt: skip
    assert [i.title for i in result.items] == ["A", "B"]
    assert result.errors == []
    assert messages(result) == [
        "<input>:1: text before the first TY ignored",
        "<input>:7: text outside a record (after ER) ignored",
        "<input>:11: ER line outside a record ignored",
    ]


def test_record_without_ty_is_an_error_with_its_line() -> None:
    result = read("TY  - JOUR\nTI  - A\nER  - \n\nTI  - No type\nAU  - Testperson, A\nER  - \n")
    assert [i.title for i in result.items] == ["A"]
    assert result.records == 2
    assert [str(p) for p in result.errors] == ["<input>:5: record 2 has no TY line; left out"]


def test_empty_file_and_blank_text() -> None:
    for text in ("", "\n\n  \r\n", "\ufeff"):
        result = read(text)
        assert result.records == 0
        assert result.items == []
        assert result.errors == []


def test_read_file_refuses_binary_and_empty(tmp_path: Path) -> None:
    from citelib.errors import FormatError

    binary = tmp_path / "x.ris"
    binary.write_bytes(b"TY  - JOUR\n\x00\x01\x02\xff\xfe")
    with pytest.raises(FormatError, match="does not look like a text file"):
        read_file(binary)
    empty = tmp_path / "e.ris"
    empty.write_bytes(b"")
    with pytest.raises(FormatError, match="empty"):
        read_file(empty)


def test_binary_garbage_never_raises() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 3
    result = read(garbage)
    assert result.items == []
    assert read("TY  - " + garbage).records == 1


def test_unknown_type_is_a_document_and_goes_back_out() -> None:
    result = read("TY  - HOLO\nTI  - Synthetic hologram\nER  - \n")
    assert messages(result) == ["<input>:1: record 1: unknown type 'HOLO'; read as a document"]
    item = result.items[0]
    assert item.item_type == "document"
    assert item.fields == {"title": "Synthetic hologram", "extra": "RIS type: HOLO"}
    assert record_lines(item)[0] == ("TY", "HOLO")
    back = read(dumps([item])).items[0]
    assert (back.item_type, back.fields) == (item.item_type, item.fields)


@pytest.mark.parametrize(("code", "kind"), sorted(TYPES_IN.items()))
def test_every_type_code_reads(code: str, kind: str) -> None:
    assert only(f"TY  - {code}\nTI  - T\nER  - \n").item_type == kind


@pytest.mark.parametrize("kind", ITEM_TYPES)
def test_every_type_writes_and_reads_back(kind: str) -> None:
    lines = record_lines(Item(kind, {"title": "T"}))
    assert lines[0] == ("TY", TYPES_OUT[kind])
    assert only(dumps([Item(kind, {"title": "T"})])).item_type == kind


def test_preprint_marker_and_genre() -> None:
    item = Item("preprint", {"title": "T", "genre": "Working paper"})
    assert record_lines(item)[:3] == [("TY", "GEN"), ("M3", "Preprint"), ("TI", "T")]
    assert again([item])[0] == item
    assert only("TY  - GEN\nM3  - Working paper\nER  - \n").item_type == "document"
    assert only("TY  - JOUR\nM3  - Preprint\nER  - \n").fields == {"genre": "Preprint"}


# ---------------------------------------------------------------------------------------------
# Writing


def test_writer_output_is_exact() -> None:
    item = Item(
        "journalArticle",
        {
            "title": "Synthetic\ntitle about NK cells",
            "publicationTitle": "Journal of Synthetic Immunology",
            "journalAbbreviation": "J Synth Immunol",
            "abstract": "Line one.\r\nLine two.",
            "volume": "12",
            "issue": "3",
            "pages": "12-19",
            "date": "2026-01-12",
            "accessDate": "2026-02-01",
            "DOI": "10.5555/synth.0001",
            "ISSN": "1234-5678",
            "PMID": "33000001",
            "PMCID": "PMC0000001",
            "url": "https://example.org/a",
            "language": "en",
            "citationKey": "testperson2026",
            "extra": "RIS L1: files/a.pdf\nfree text line\nRIS ER: not a record end\n\nRIS C2: x",
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
        "TY  - JOUR\r\n"
        "TI  - Synthetic title about NK cells\r\n"
        "AU  - Testperson, Alpha\r\n"
        "AU  - Synthetic Group\r\n"
        "AU  - Sampleman,\r\n"
        "A2  - Editorsson, Delta\r\n"
        "N1  - Extra: bookAuthor: Bookman, Iota\r\n"
        "T2  - Journal of Synthetic Immunology\r\n"
        "J2  - J Synth Immunol\r\n"
        "AB  - Line one. Line two.\r\n"
        "VL  - 12\r\n"
        "IS  - 3\r\n"
        "LA  - en\r\n"
        "ID  - testperson2026\r\n"
        "SP  - 12\r\n"
        "EP  - 19\r\n"
        "PY  - 2026\r\n"
        "DA  - 2026/01/12\r\n"
        "Y2  - 2026/02/01\r\n"
        "DO  - 10.5555/synth.0001\r\n"
        "SN  - 1234-5678\r\n"
        "UR  - https://example.org/a\r\n"
        "AN  - 33000001\r\n"
        "KW  - NK cells\r\n"
        "KW  - synthetic data\r\n"
        "N1  - A bold note & more Second paragraph\r\n"
        "N1  - Extra: PMCID: PMC0000001\r\n"
        "L1  - files/a.pdf\r\n"
        "N1  - Extra: free text line\r\n"
        "N1  - Extra: RIS ER: not a record end\r\n"
        "C2  - x\r\n"
        "ER  - \r\n"
        "\r\n"
        "TY  - BOOK\r\n"
        "TI  - Second\r\n"
        "SP  - 320\r\n"
        "ER  - \r\n"
    )
    back = again([item])[0]
    assert back.creators == item.creators
    assert back.fields["extra"] == (
        "RIS L1: files/a.pdf\nfree text line\nRIS ER: not a record end\nRIS C2: x"
    )
    assert back.fields["PMCID"] == "PMC0000001"


def test_note_text() -> None:
    assert note_text("<p>a &lt;b&gt;</p>\n<ul><li>x</li><li>y</li></ul>") == "a <b> x y"
    assert note_text("line<br/>next") == "line next"


def test_dates_and_pages_written() -> None:
    def tags(item: Item) -> list[tuple[str, str]]:
        return [(t, v) for t, v in record_lines(item) if t in ("PY", "DA", "Y2", "SP", "EP", "N1")]

    assert tags(Item("journalArticle", {"date": "2026"})) == [("PY", "2026")]
    assert tags(Item("journalArticle", {"date": "2026-01"})) == [("PY", "2026"), ("DA", "2026/01")]
    assert tags(Item("journalArticle", {"date": "Spring 2019"})) == [
        ("PY", "2019"),
        ("DA", "Spring 2019"),
    ]
    assert tags(Item("journalArticle", {"date": "n.d.", "accessDate": "2026-01-02 10:20:30"})) == [
        ("PY", "n.d."),  # no year to write: the text stands in for it
        ("Y2", "2026/01/02/10:20:30"),
    ]
    assert tags(Item("journalArticle", {"pages": "12–19"})) == [("SP", "12–19")]
    assert tags(Item("book", {"pages": "7", "numberOfPages": "300"})) == [
        ("N1", "Extra: pages: 7"),
        ("N1", "Extra: numberOfPages: 300"),
    ]
    assert tags(Item("report", {"numberOfPages": "30"})) == [("N1", "Extra: numberOfPages: 30")]
    for item in (
        Item("book", {"pages": "7", "numberOfPages": "300"}),
        Item("book", {"pages": "7-9", "numberOfPages": "300"}),
        Item("book", {"numberOfPages": "1-2"}),
        Item("journalArticle", {"date": "Spring 2019", "accessDate": "2026 10:20"}),
    ):
        assert again([item]) == [item]


def test_registry_detection_and_write_file(tmp_path: Path) -> None:
    fmt = FORMATS["ris"]
    assert (fmt.label, fmt.extensions) == ("RIS", (".ris",))
    assert detect_format(Path("refs.txt"), "\n\nTY  - JOUR\nTI  - x\n") is fmt
    assert detect_format(Path("refs.ris"), "anything") is fmt
    assert not sniff("TI  - JOUR\nTY  - JOUR\n")
    items = [Item("book", {"title": "Über"}, [Creator("Ødegård", "Åse")])]
    path = tmp_path / "out.ris"
    write_file(path, items, "ris")
    data = path.read_bytes()
    assert data.startswith(b"TY  - BOOK\r\nTI  - \xc3\x9cber\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert read_file(path).items == items


# ---------------------------------------------------------------------------------------------
# Properties

# Text RIS carries: one line (RIS values cannot hold a newline), no surrounding space (values
# are stripped when read), no surrogates (not encodable).
_CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\r\n")
_TRICKY = st.sampled_from(["<b>", "&amp;", "  - ", "TY  - ", "ER  - ", ",", "\t", "é", "\ufeff"])
_TEXT = (
    st.lists(st.one_of(st.text(_CHARS, max_size=6), _TRICKY), min_size=1, max_size=6)
    .map(lambda parts: "".join(parts).replace("\ufeff", "").strip())
    .filter(bool)
)
# Names: `;` separates names on one line and a comma separates family from given, so a family
# or literal name cannot hold either and a given name cannot hold `;`.
_NAME = _TEXT.map(lambda t: t.replace(";", " ").replace(",", " ").strip()).filter(bool)
_GIVEN = _TEXT.map(lambda t: t.replace(";", " ").strip()).filter(bool)
# Fields written under their own tag as plain text.
_PLAIN = [
    "title", "shortTitle", "abstract", "publicationTitle", "journalAbbreviation", "series",
    "volume", "issue", "edition", "publisher", "place", "url", "language", "genre",
    "citationKey", "callNumber", "archive", "PMCID", "arXiv", "event", "number", "rights",
]  # fmt: skip
_FREE_DATES = st.sampled_from(["Spring 2019", "ca. 1850", "7 March 2001 (reprint)", "n.d."])


@st.composite
def _iso_dates(draw: st.DrawFn, time: bool = False) -> str:
    year = draw(st.integers(0, 9999))
    month = draw(st.none() | st.integers(1, 12))
    day = draw(st.none() | st.integers(1, 28)) if month else None
    text = "-".join([f"{year:04d}"] + [f"{n:02d}" for n in (month, day) if n])
    if time and day and draw(st.booleans()):
        text += " 10:20:30"
    return text


_PAGES = st.sampled_from(["12-19", "e1001", "12–19", "5", "iv-x", "3, 7-9"])


@st.composite
def _items(draw: st.DrawFn) -> Item:
    """Items on every field RIS carries. Excluded, because RIS cannot carry them: text with
    newlines or surrounding space; DOIs not starting `10.` (`doi:` prefixes are normalised away);
    ISBN/ISSN values of no recognisable shape (SN has no label, so the shape decides); a PMID
    that is not digits; notes other than one escaped paragraph (notes are plain text in RIS);
    tags holding `;`; `extra` lines that name a field (`PMCID: x`, read back as the field)."""
    fields = draw(st.dictionaries(st.sampled_from(_PLAIN), _TEXT, max_size=10))
    if draw(st.booleans()):
        fields["date"] = draw(_iso_dates() | _FREE_DATES)
    if draw(st.booleans()):
        fields["accessDate"] = draw(_iso_dates(time=True))
    if draw(st.booleans()):
        fields["pages"] = draw(_PAGES)
    if draw(st.booleans()):
        fields["numberOfPages"] = draw(st.sampled_from(["320", "xii, 300", "1-2"]))
    if draw(st.booleans()):
        fields["DOI"] = "10.5555/" + draw(_TEXT)
    if draw(st.booleans()):
        fields["PMID"] = str(draw(st.integers(1, 99999999)))
    if draw(st.booleans()):
        fields["ISBN"] = draw(st.sampled_from(["978-0-00-000000-2", "000000000X"]))
    if draw(st.booleans()):
        fields["ISSN"] = draw(st.sampled_from(["1234-5678", "2345-678X"]))
    extra = draw(
        st.lists(
            _TEXT.map(lambda t: t.replace(":", ";"))
            | st.sampled_from(["RIS C1: Example City", "RIS L1: ../../etc/passwd", "RIS M2: 7"]),
            max_size=3,
        )
    )
    if extra:
        fields["extra"] = "\n".join(extra)
    creators: list[Creator] = []
    for role in draw(st.lists(st.sampled_from(CREATOR_ROLES), max_size=5)):
        if draw(st.booleans()):
            creators.append(Creator(literal=draw(_NAME), role=role))
        else:
            creators.append(Creator(draw(_NAME), draw(st.just("") | _GIVEN), role=role))
    tags = draw(
        st.lists(_TEXT.map(lambda t: t.replace(";", " ").strip()).filter(bool), unique=True)
    )
    notes = draw(
        st.lists(
            _TEXT.filter(lambda t: not t.startswith("Extra: ")).map(
                lambda t: f"<p>{html.escape(t, quote=False)}</p>"
            ),
            max_size=2,
        )
    )
    kind = draw(st.sampled_from(ITEM_TYPES))
    return Item(kind, fields, creators, tags[:5], notes)


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
    {*FIELDS_IN, *ROLES_IN, "TY", "ER", "PY", "Y1", "DA", "Y2", "SP", "EP", "DO", "UR", "SN"}
    | {"AN", "KW", "N1", "L1", "C1", "M1", "ZZ"}
)
_FUZZ_VALUES = st.sampled_from(
    ["", "JOUR", "BOOK", "GEN", "HOLO", "Preprint", "2015///", "2016/01/", "2020/13/40/", "MAR",
     "Spring 2019", "2019", "n.d.", "2026/01/12/10:20", "12-19", "5", "a; ;b,", ", x", "x,",
     "1234-5678", "978-0-00-000000-2", "123", "doi:doi:10.1/x", "<b>&amp;", "\ufeff",
     "Extra: pages: 3", "Extra: bookAuthor: A, B", "Extra: RIS type: X", "Extra: RIS SP: 4",
     "Extra: numberOfPages: 2", "Extra: PMCID: 1", "Extra: x: y", "RIS C1: z", "../../x"]
) | st.text(max_size=5)  # fmt: skip
_FUZZ_LINES = st.builds(
    lambda tag, value: f"{tag}  - {value}", st.sampled_from(_FUZZ_TAGS), _FUZZ_VALUES
)
_FUZZ_LINES |= st.sampled_from(["", " ", "continued", "ti  - x", "TI -x", "ER  -", "\ufeff"])


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


def test_accession_numbers_of_other_databases_are_not_pmids() -> None:
    embase = only("TY  - JOUR\nTI  - x\nDP  - Embase\nAN  - 612345678\nER  - \n")
    assert "PMID" not in embase.fields
    assert embase.fields["extra"] == "RIS AN: 612345678"
    pubmed = only("TY  - JOUR\nTI  - x\nDP  - NLM\nAN  - 33000001\nER  - \n")
    assert pubmed.fields["PMID"] == "33000001"
    # An item with a PMID and another archive keeps both through RIS.
    item = Item("journalArticle", {"title": "x", "PMID": "33000001", "archive": "Embase"})
    assert again([item]) == [item]


def test_a_document_whose_genre_is_preprint_stays_a_document() -> None:
    item = Item("document", {"title": "x", "genre": "Preprint"})
    assert ("M3", "Preprint") not in record_lines(item)
    assert again([item]) == [item]
    preprint = Item("preprint", {"title": "x", "genre": "Preprint"})
    assert again([preprint]) == [preprint]
