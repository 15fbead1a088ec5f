"""From a real PDF to an item: identifiers, title, authors, year, review flag, clear errors."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from citelib.formats import Problem
from citelib.model import Creator
from citelib.pdf import PdfError, Recognised, recognise
from citelib.pdf.titlepage import (
    clean_file_title,
    plausible_name,
    plausible_title,
    split_names,
)
from tests.pdfmaker import (
    ABSTRACT,
    Paper,
    add_xmp,
    empty_password,
    garbage_pdf,
    many_pages,
    scanned_pdf,
    set_info,
    truncated,
    write_paper,
    xmp_packet,
    zip_named_pdf,
)


def names(result: Recognised) -> list[tuple[str, str]]:
    return [(c.family, c.given) for c in result.item.creators]


def notes(result: Recognised) -> str:
    return "\n".join(result.notes)


def test_doi_on_page_one(tmp_path: Path) -> None:
    paper = Paper(body=[*ABSTRACT, "DOI: 10.1016/j.cell.2020.01.002", "1 Introduction"])
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    item = result.item
    assert item.item_type == "journalArticle"
    assert item.get("DOI") == "10.1016/j.cell.2020.01.002"
    assert item.title == "Deep Learning for the Study of Things"
    assert names(result) == [("Smith", "Jane"), ("Doe", "John")]
    assert item.get("abstract").startswith("We study things with deep learning")
    assert item.get("abstract").endswith("for anyone to use.")
    assert result.identifier is not None
    assert (result.identifier.kind, result.identifier.value) == ("DOI", item.get("DOI"))
    assert result.needs_review  # title and authors come from the layout
    assert "DOI 10.1016/j.cell.2020.01.002 from page 1" in result.notes
    assert result.page_count == 1
    assert result.has_text
    assert result.problems == []


def test_doi_split_across_a_line_break(tmp_path: Path) -> None:
    paper = Paper(body=[*ABSTRACT, "https://doi.org/10.1016/j.cell.", "2020.01.002"])
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.get("DOI") == "10.1016/j.cell.2020.01.002"


def test_doi_hyphenated_at_a_line_end(tmp_path: Path) -> None:
    paper = Paper(body=[*ABSTRACT, "doi:10.1007/s10147-", "025-02954-4"])
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.get("DOI") == "10.1007/s10147-025-02954-4"


def test_doi_glued_to_the_next_words(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    # Two text runs side by side with no space: PDFium reads them as one word.
    path = tmp_path / "glued.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("Helvetica-Bold", 18)
    c.drawString(50, 760, "A Paper With a Glued Identifier")
    c.setFont("Helvetica", 9)
    c.drawString(50, 700, "https://doi.org/10.1000/xyz123")
    c.drawString(
        50 + c.stringWidth("https://doi.org/10.1000/xyz123", "Helvetica", 9),
        700,
        "Received 3 May 2020",
    )
    c.showPage()
    c.save()
    result = recognise(path)
    assert result.item.get("DOI") == "10.1000/xyz123"
    assert result.item.title == "A Paper With a Glued Identifier"
    assert result.item.get("date") == "2020"


def test_reference_list_dois_are_not_the_papers(tmp_path: Path) -> None:
    paper = Paper(
        body=ABSTRACT,
        pages=[["More text on page two."]],
        references=[
            "[1] A. Other, Some work, J. Things 3 (2001) 4, doi:10.9999/other.1",
            "[2] B. Other, More work, https://doi.org/10.9999/other.2",
        ],
    )
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.get("DOI") == ""
    assert result.identifiers == []
    assert "2 DOIs in the reference list ignored" in result.notes
    assert "to review: no identifier found" in result.notes


def test_header_doi_wins_over_later_ones(tmp_path: Path) -> None:
    paper = Paper(
        header="Journal of Testing 12 (2020) 101-110. https://doi.org/10.1234/own.5",
        body=[*ABSTRACT, "Data: 10.5281/zenodo.777"],
        pages=[["As in doi:10.1234/cited.9 we find"]],
    )
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.get("DOI") == "10.1234/own.5"
    assert "other DOI on page 1: 10.5281/zenodo.777" in result.notes
    assert "other DOI on page 2: 10.1234/cited.9" in result.notes


def test_metadata_doi_wins_over_the_page(tmp_path: Path) -> None:
    paper = Paper(
        body=[*ABSTRACT, "doi:10.5555/page.1"],
        info={"Subject": "Journal of Tests, 12 (2020) 1-10. doi:10.1234/info.7"},
    )
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.get("DOI") == "10.1234/info.7"
    assert "DOI 10.1234/info.7 from the PDF's Info dictionary" in result.notes


def test_publisher_doi_key_in_the_info_dictionary(tmp_path: Path) -> None:
    path = set_info(
        write_paper(tmp_path / "paper.pdf", Paper(body=ABSTRACT)), {"doi": "10.1016/j.x.2020.1"}
    )
    result = recognise(path)
    assert result.item.get("DOI") == "10.1016/j.x.2020.1"
    assert "DOI 10.1016/j.x.2020.1 from the PDF's Info dictionary" in result.notes


def test_dois_after_page_one(tmp_path: Path) -> None:
    unlabelled = Paper(body=ABSTRACT, pages=[["as shown in 10.1234/cited.9 we find"]])
    result = recognise(write_paper(tmp_path / "a.pdf", unlabelled))
    assert result.item.get("DOI") == ""
    labelled = Paper(body=ABSTRACT, pages=[["Article DOI: 10.1234/own.9"]])
    result = recognise(write_paper(tmp_path / "b.pdf", labelled))
    assert result.item.get("DOI") == "10.1234/own.9"
    assert "to review: DOI found only on page 2" in result.notes


def test_isbn_on_an_articles_page_is_not_the_articles(tmp_path: Path) -> None:
    paper = Paper(body=[*ABSTRACT, "doi:10.1234/a.1", "See the book (ISBN 978-3-16-148410-0)."])
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.get("DOI") == "10.1234/a.1"
    assert result.item.get("ISBN") == ""
    assert "ISBN 9783161484100 on page 1 not used" in result.notes


def test_journal_name_as_info_title_loses_to_the_large_title(tmp_path: Path) -> None:
    paper = Paper(
        header="Journal of Testing 12 (2020) 101-110",
        body=ABSTRACT,
        info={"Title": "Journal of Testing"},
    )
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.title == "Deep Learning for the Study of Things"
    assert "title 'Journal of Testing' from the PDF's Info dictionary not used" in result.notes


def test_abstract_headings(tmp_path: Path) -> None:
    ieee = Paper(
        title=["Abstract Algebra for Beginners"],
        body=[
            "Abstract—We study groups with deep learning and find that they can be studied. The",
            "method is simple, the results are strong and the code is free for anyone to use.",
            "Index Terms—groups, learning",
        ],
    )
    result = recognise(write_paper(tmp_path / "ieee.pdf", ieee))
    assert result.item.title == "Abstract Algebra for Beginners"
    assert result.item.get("abstract").startswith("We study groups")
    assert result.item.get("abstract").endswith("for anyone to use.")
    manual = Paper(
        title=["Libthings"],
        authors="",
        body=[
            "Abstract Syntax Notation One library for the GNU system, version 4.19 of the",
            "manual, written for everyone who wants to parse things and never stops doing so",
        ],
    )
    assert recognise(write_paper(tmp_path / "manual.pdf", manual)).item.get("abstract") == ""


def test_arxiv_preprint(tmp_path: Path) -> None:
    paper = Paper(
        header="",
        title=["Attention Is Most of What", "You Need"],
        authors="Ada Lovelace^1, Alan Turing^2, Grace Hopper^1",
        stamp="arXiv:2301.01234v2  [cs.LG]  3 Jan 2023",
        body=[*ABSTRACT, "Code and data: doi:10.5281/zenodo.12345"],
    )
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    item = result.item
    assert item.item_type == "preprint"
    assert item.get("arXiv") == "2301.01234"
    assert item.get("DOI") == ""  # the data set's DOI is not the paper's
    assert item.get("publisher") == "arXiv"
    assert item.get("url") == "https://arxiv.org/abs/2301.01234"
    assert item.get("date") == "2023-01-03"
    assert item.title == "Attention Is Most of What You Need"
    assert names(result) == [("Lovelace", "Ada"), ("Turing", "Alan"), ("Hopper", "Grace")]
    assert "arXiv ID 2301.01234 (version 2) from the arXiv stamp on page 1" in result.notes
    assert result.identifier is not None
    assert result.identifier.kind == "arXiv"
    assert "zenodo" in notes(result)


def test_arxiv_id_from_the_file_name(tmp_path: Path) -> None:
    result = recognise(write_paper(tmp_path / "2301.01234v1.pdf", Paper(header="", body=ABSTRACT)))
    assert result.item.item_type == "preprint"
    assert result.item.get("arXiv") == "2301.01234"
    assert "arXiv ID 2301.01234 (version 1) from the file name" in result.notes


def test_old_style_arxiv_id(tmp_path: Path) -> None:
    paper = Paper(header="", stamp="arXiv:hep-th/9901001v1  12 Jan 1999", body=ABSTRACT)
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.item_type == "preprint"
    assert result.item.get("arXiv") == "hep-th/9901001"


def test_only_xmp_metadata(tmp_path: Path) -> None:
    # No text at all (a scan) and no Info title: everything comes from the XMP packet.
    path = scanned_pdf(tmp_path / "scan0001.pdf", pages=1)
    add_xmp(
        path,
        xmp_packet(
            title="Metadata Is All There Is",
            creators=["Smith, Jane", "John Doe"],
            doi="10.1234/xmp.5",
            cover_date="2019-05-01",
            publication="Journal of Tests",
            volume="12",
            number="3",
            pages=("101", "110"),
        ),
    )
    result = recognise(path)
    item = result.item
    assert item.item_type == "journalArticle"
    assert item.title == "Metadata Is All There Is"
    assert item.get("DOI") == "10.1234/xmp.5"
    assert names(result) == [("Smith", "Jane"), ("Doe", "John")]
    assert item.get("date") == "2019-05-01"
    assert item.get("publicationTitle") == "Journal of Tests"
    assert (item.get("volume"), item.get("issue"), item.get("pages")) == ("12", "3", "101-110")
    assert not result.has_text
    assert result.needs_review  # nothing on the page confirms the metadata
    assert "DOI 10.1234/xmp.5 from the XMP metadata" in result.notes


def test_metadata_confirmed_by_the_page_needs_no_review(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "paper.pdf", Paper(body=ABSTRACT))
    add_xmp(
        path,
        xmp_packet(
            title="Deep Learning for the Study of Things",
            creators=["Jane Smith", "John Doe"],
            doi="10.1234/abc",
            cover_date="2020-02",
        ),
        compress=True,
    )
    result = recognise(path)
    assert result.item.get("DOI") == "10.1234/abc"
    assert result.item.get("date") == "2020-02"
    assert "title from the XMP metadata, also on page 1" in result.notes
    assert "authors from the XMP metadata, also on page 1" in result.notes
    assert not result.needs_review


def test_bad_info_title_is_ignored(tmp_path: Path) -> None:
    paper = Paper(
        body=ABSTRACT,
        info={"Title": "Microsoft Word - draft_v3.docx", "Author": "jsmith"},
    )
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.title == "Deep Learning for the Study of Things"
    assert names(result) == [("Smith", "Jane"), ("Doe", "John")]


def test_info_title_and_authors_used_when_the_page_confirms_them(tmp_path: Path) -> None:
    paper = Paper(
        title=["Deep Learning for the Study", "of Things"],
        body=ABSTRACT,
        info={
            "Title": "Deep learning for the study of things",
            "Author": "Smith, Jane and Doe, John",
        },
    )
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.title == "Deep learning for the study of things"
    assert names(result) == [("Smith", "Jane"), ("Doe", "John")]
    assert "title from the PDF's Info dictionary, also on page 1" in result.notes


def test_scanned_pdf_is_named_after_its_file(tmp_path: Path) -> None:
    result = recognise(scanned_pdf(tmp_path / "kinetic_theory-of_gases (1).pdf"))
    assert result.item.title == "kinetic theory of gases"
    assert result.item.item_type == "document"
    assert result.item.creators == []
    assert result.needs_review
    assert not result.has_text
    assert result.identifiers == []
    assert "no text on the first 2 pages (a scanned PDF?)" in result.notes
    assert "to review: title from the file name" in result.notes
    assert result.item.get("date") == ""  # a scan's creation date is not the work's


def test_scanned_pdf_with_our_own_file_name(tmp_path: Path) -> None:
    result = recognise(scanned_pdf(tmp_path / "Smith - 2019 - On Gases.pdf", pages=1))
    assert result.item.title == "On Gases"
    assert result.item.creators == [Creator("Smith")]
    assert result.item.get("date") == "2019"
    assert result.needs_review


def test_encrypted_with_a_password(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "locked.pdf", encrypt="secret")
    with pytest.raises(PdfError, match=r"^locked\.pdf: encrypted with a password$"):
        recognise(path)
    result = recognise(path, password="secret")
    assert result.item.title == "Deep Learning for the Study of Things"


def test_encrypted_with_an_empty_user_password(tmp_path: Path) -> None:
    paper = Paper(body=[*ABSTRACT, "doi:10.1234/open.1"])
    result = recognise(write_paper(tmp_path / "paper.pdf", paper, encrypt=empty_password()))
    assert result.item.get("DOI") == "10.1234/open.1"
    assert "encrypted; opened without a password" in result.notes


def test_pmid_and_isbn(tmp_path: Path) -> None:
    paper = Paper(body=[*ABSTRACT, "PMID: 31452104   PMCID: PMC6712345"])
    result = recognise(write_paper(tmp_path / "paper.pdf", paper))
    assert result.item.get("PMID") == "31452104"
    assert result.item.get("PMCID") == "PMC6712345"
    assert [i.kind for i in result.identifiers] == ["PMID", "PMCID"]


def test_book_with_an_isbn(tmp_path: Path) -> None:
    path = many_pages(
        tmp_path / "book.pdf",
        60,
        first=["The Book of Things", "Copyright 2015 Someone", "ISBN 978-3-16-148410-0 (pbk.)"],
    )
    result = recognise(path)
    assert result.item.item_type == "book"
    assert result.item.get("ISBN") == "9783161484100"
    assert result.item.get("date") == "2015"


def test_five_hundred_pages(tmp_path: Path) -> None:
    path = many_pages(tmp_path / "long.pdf", 500, first=["A Long Report on Everything"])
    result = recognise(path)
    assert result.page_count == 500
    assert result.item.title == "A Long Report on Everything"
    assert result.needs_review


def test_plain_text_without_a_larger_title(tmp_path: Path) -> None:
    paper = Paper(header="", title_size=10, title=["Notes on the Study of Things"], authors="")
    result = recognise(write_paper(tmp_path / "notes.pdf", paper))
    assert result.item.title == "Notes on the Study of Things"
    assert "to review: title guessed from the first line of page 1" in result.notes


def test_a_broken_xmp_packet_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "paper.pdf", Paper(body=ABSTRACT))
    add_xmp(path, xmp_packet(title="Broken").replace("</dc:title>", ""))
    result = recognise(path)
    assert result.item.title == "Deep Learning for the Study of Things"
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert isinstance(problem, Problem)
    assert problem.severity == "warning"
    assert str(problem).startswith("paper.pdf: the XMP metadata could not be read")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), r"^paper\.pdf: zero bytes$"),
        (zip_named_pdf, r"^paper\.pdf: not a PDF \(starts with 'PK\\x03\\x04'\)$"),
        (lambda p: p.write_text("just some text\n", encoding="utf-8"), r"not a PDF"),
        (garbage_pdf, r"^paper\.pdf: damaged: "),
    ],
)
def test_unreadable_files_give_a_clear_message(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "paper.pdf"
    make(path)
    with pytest.raises(PdfError, match=message):
        recognise(path)


def _recognise_or_error(path: Path) -> Recognised | PdfError:
    try:
        return recognise(path)
    except PdfError as e:
        return e


def test_truncated_files_end_in_an_item_or_a_clear_message(tmp_path: Path) -> None:
    source = write_paper(
        tmp_path / "full.pdf", Paper(body=[*ABSTRACT, "doi:10.1234/x"], pages=[["two"]])
    )
    for keep in (0.95, 0.8, 0.5, 0.2, 0.05):
        path = truncated(source, tmp_path / "paper.pdf", keep)
        outcome = _recognise_or_error(path)
        if isinstance(outcome, PdfError):
            assert str(outcome).startswith("paper.pdf: ")
        else:
            assert outcome.item.title


def test_damaged_bytes_end_in_an_item_or_a_clear_message(tmp_path: Path) -> None:
    source = write_paper(
        tmp_path / "full.pdf", Paper(body=[*ABSTRACT, "doi:10.1234/x"], pages=[["two"]])
    )
    add_xmp(source, xmp_packet(title="T", doi="10.1234/x"), compress=True)
    data = source.read_bytes()
    rng = random.Random(5)
    for _ in range(60):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        path = tmp_path / "paper.pdf"
        path.write_bytes(bytes(damaged))
        outcome = _recognise_or_error(path)
        if isinstance(outcome, PdfError):
            assert str(outcome).startswith("paper.pdf: ")
        else:
            assert outcome.item.title


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Smith; John Doe", ["Jane Smith", "John Doe"]),
        ("Jane Smith, John Doe and Ann Lee", ["Jane Smith", "John Doe", "Ann Lee"]),
        ("Jane Smith & John Doe", ["Jane Smith", "John Doe"]),
        ("Smith, J., Doe, K.", ["Smith, J.", "Doe, K."]),
        ("Smith, J. A., Doe, K.", ["Smith, J. A.", "Doe, K."]),
        ("Smith, Jane and Doe, John", ["Smith, Jane", "Doe, John"]),
        ("Smith, Jane", ["Smith, Jane"]),
        ("", []),
    ],
)
def test_split_names(text: str, expected: list[str]) -> None:
    assert split_names(text) == expected


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Jane Smith", True),
        ("J. Smith", True),
        ("J.-P. Sartre", True),
        ("Ludwig van Beethoven", True),
        ("Smith, Jane", True),
        ("JANE SMITH", True),
        ("María José Núñez", True),
        ("O'Brien Kelly", True),
        ("jsmith", False),
        ("Administrator", False),
        ("Department of Physics", False),
        ("University of Oxford", False),
        ("Deep learning for things", False),
        ("A Study", False),
        ("Jane Smith 2", False),
        ("user@example.org", False),
    ],
)
def test_plausible_name(name: str, ok: bool) -> None:
    assert plausible_name(name) is ok


@pytest.mark.parametrize(
    ("title", "ok"),
    [
        ("Deep Learning for Things", True),
        ("Microsoft Word - paper.docx", False),
        ("untitled", False),
        ("Untitled-1", False),
        ("Scan0001", False),
        ("paper.pdf", False),
        ("main.dvi", False),
        ("PII: S0140-6736(20)30183-5", False),
        ("x", False),
        ("1234", False),
    ],
)
def test_plausible_title(title: str, ok: bool) -> None:
    assert plausible_title(title) is ok


def test_plausible_title_is_not_the_file_name() -> None:
    assert not plausible_title("smith 2019 final", "smith_2019_final")


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("my_paper-final.pdf", "my paper final"),
        ("kinetic_theory (1).pdf", "kinetic theory"),
        ("Report.2019.PDF", "Report.2019"),
        ("__odd__.pdf", "odd"),
    ],
)
def test_clean_file_title(name: str, title: str) -> None:
    assert clean_file_title(Path(name)) == title
