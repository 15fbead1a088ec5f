"""Reading real PDFs (made with reportlab): metadata, XMP, text, line sizes, errors."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest

from citelib.errors import CitelibError, FormatError
from citelib.pdf import reader
from citelib.pdf.reader import (
    PdfError,
    PdfInfo,
    join_hyphenated,
    page_count,
    page_texts,
    read_pdf,
)
from citelib.pdf.xmp import parse_xmp, read_xmp
from tests.pdfmaker import (
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


def test_reads_page_count_info_and_text(tmp_path: Path) -> None:
    paper = Paper(
        info={"Title": "Info Title", "Author": "Jane Smith; John Doe", "Subject": "doi:10.1/x"},
        pages=[["Second page text"], ["Third page text"]],
    )
    info = read_pdf(write_paper(tmp_path / "p.pdf", paper))
    assert info.page_count == 3
    assert info.info["Title"] == "Info Title"
    assert info.info["Author"] == "Jane Smith; John Doe"
    assert info.info["Subject"] == "doi:10.1/x"
    assert "doi" not in info.info  # keys that are not there are left out
    assert len(info.texts) == 3
    assert "Deep Learning for the Study of Things" in info.texts[0]
    assert info.texts[1].strip() == "Second page text"
    assert "\r" not in info.texts[0]
    assert info.has_text
    assert not info.encrypted
    assert info.xmp is None
    assert info.warnings == ()
    width, height = info.first_page_size
    assert round(width) == 595
    assert round(height) == 842


def test_info_keys_beyond_the_standard_ones(tmp_path: Path) -> None:
    path = set_info(
        write_paper(tmp_path / "p.pdf"),
        {"Title": "Some (Title)", "doi": "10.1016/j.x.2020.1", "WPS-ARTICLEDOI": "10.1002/y.2"},
    )
    info = read_pdf(path).info
    assert info == {
        "Title": "Some (Title)",
        "doi": "10.1016/j.x.2020.1",
        "WPS-ARTICLEDOI": "10.1002/y.2",
    }


def test_reads_only_the_pages_asked_for(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "p.pdf", Paper(pages=[["two"], ["three"], ["four"]]))
    assert len(read_pdf(path, pages=2).texts) == 2
    assert len(read_pdf(path, pages=10).texts) == 4
    assert page_count(path) == 4


def test_first_page_lines_carry_sizes_and_drop_superscripts(tmp_path: Path) -> None:
    paper = Paper(
        title=["A Two Line Title", "About Things"],
        authors="Jane Smith^1,2, John Doe^3*",
        stamp="arXiv:2301.01234v2 [cs.LG] 3 Jan 2023",
    )
    lines = read_pdf(write_paper(tmp_path / "p.pdf", paper)).first_page_lines
    by_text = {line.main_text: line for line in lines}
    assert by_text["A Two Line Title"].size == 20
    assert by_text["About Things"].size == 20
    assert by_text["Journal of Testing 12 (2020) 101-110"].size == 8
    assert by_text["A Two Line Title"].top > by_text["About Things"].top
    author_text = " ".join(line.main_text for line in lines if line.size == 12)
    assert "Jane Smith" in author_text
    assert "John Doe" in author_text
    assert not any(c.isdigit() or c == "*" for c in author_text)
    stamp = [line for line in lines if line.rotated]
    assert len(stamp) == 1
    assert stamp[0].text.startswith("arXiv:2301.01234v2")
    assert not any(line.rotated for line in lines if line is not stamp[0])


def test_scaled_text_counts_as_large(tmp_path: Path) -> None:
    # Some producers set every font at 1 pt and scale the text matrix instead.
    from reportlab.pdfgen import canvas

    path = tmp_path / "scaled.pdf"
    c = canvas.Canvas(str(path))
    c.saveState()
    c.translate(50, 700)
    c.scale(24, 24)
    c.setFont("Helvetica", 1)
    c.drawString(0, 0, "Scaled Title")
    c.restoreState()
    c.setFont("Helvetica", 10)
    c.drawString(50, 650, "Body text")
    c.showPage()
    c.save()
    lines = read_pdf(path).first_page_lines
    assert [(line.text, line.size) for line in lines] == [("Scaled Title", 24), ("Body text", 10)]


def test_line_end_hyphens(tmp_path: Path) -> None:
    paper = Paper(body=["Cell-based immuno-", "therapy works, said Smith-", "Jones."])
    text = read_pdf(write_paper(tmp_path / "p.pdf", paper)).texts[0]
    assert "immuno-\ntherapy" in text
    joined = join_hyphenated(text)
    assert "immunotherapy" in joined
    assert "Cell-based" in joined
    assert "Smith-Jones" in joined


def test_join_hyphenated() -> None:
    assert join_hyphenated("immuno-\ntherapy") == "immunotherapy"
    assert join_hyphenated("Smith-\nJones") == "Smith-Jones"
    assert join_hyphenated("10.1000/ab-\n12") == "10.1000/ab-12"
    assert join_hyphenated("a line\nanother") == "a line\nanother"


# ---------------------------------------------------------------------------------------------
# XMP


def test_xmp_from_the_catalog(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "p.pdf")
    add_xmp(
        path,
        xmp_packet(
            title="XMP Title",
            creators=["Smith, Jane", "John Doe"],
            doi="10.1234/abc.5",
            cover_date="2019-05-01",
            publication="Journal of Tests",
        ),
    )
    info = read_pdf(path)
    assert info.page_count == 1  # the incremental update is a valid PDF
    xmp = info.xmp
    assert xmp is not None
    assert xmp.first("dc:title") == "XMP Title"
    assert xmp.get("dc:creator") == ("Smith, Jane", "John Doe")
    assert xmp.first("prism:doi") == "10.1234/abc.5"
    assert xmp.first("pdfx:doi") == "10.1234/abc.5"
    assert xmp.first("prism:coverDate") == "2019-05-01"
    assert xmp.first("pdf:Producer") == "pdfmaker"  # a property written as an attribute
    assert xmp.first("dc:nothing", "prism:publicationName") == "Journal of Tests"
    assert xmp.get("dc:nothing") == ()


def test_compressed_xmp_and_a_decoy_packet(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "p.pdf")
    add_xmp(
        path,
        xmp_packet(title="The Real One"),
        compress=True,
        decoy=xmp_packet(title="An Image's Packet", doi="10.1/decoy"),
    )
    xmp = read_pdf(path).xmp
    assert xmp is not None
    assert xmp.first("dc:title") == "The Real One"


def test_xmp_found_by_scanning_when_the_catalog_does_not_lead_to_it(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "p.pdf")
    add_xmp(path, xmp_packet(title="Scanned For", doi="10.1/x"))
    # Break the /Metadata reference: the packet is still in the file, uncompressed.
    data = path.read_bytes().replace(b"/Metadata", b"/Metadatx")
    path.write_bytes(data)
    xmp, warning = read_xmp(path)
    assert warning == ""
    assert xmp is not None
    assert xmp.first("dc:title") == "Scanned For"


def test_xmp_with_a_doi_attribute(tmp_path: Path) -> None:
    path = add_xmp(
        write_paper(tmp_path / "p.pdf"), xmp_packet(doi="10.1/attr", doi_as_attribute=True)
    )
    xmp = read_pdf(path).xmp
    assert xmp is not None
    assert xmp.first("prism:doi") == "10.1/attr"


def test_broken_xmp_is_a_warning(tmp_path: Path) -> None:
    packet = xmp_packet(title="Broken").replace("</dc:title>", "")
    path = add_xmp(write_paper(tmp_path / "p.pdf"), packet)
    info = read_pdf(path)
    assert info.xmp is None
    assert len(info.warnings) == 1
    assert info.warnings[0].startswith("the XMP metadata could not be read")
    assert info.texts[0]  # the rest is read


def test_xmp_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    packet = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">'
        '<!ENTITY big "aaaaaaaaaa">]>' + xmp_packet(title="T &xxe; &big;").split("\n", 1)[1]
    )
    try:
        xmp = parse_xmp(packet.encode())
    except ValueError:
        return  # refusing the packet is fine too
    assert "TOP SECRET" not in xmp.first("dc:title")


def test_xmp_packet_shapes() -> None:
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    packet = f"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{rdf}">
      <rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"
          xmlns:prism="http://prismstandard.org/namespaces/basic/3.0/"
          xmlns:other="http://example.org/ns/">
        <dc:title><rdf:Alt><rdf:li xml:lang="de">Titel</rdf:li>
          <rdf:li xml:lang="x-default">Title</rdf:li></rdf:Alt></dc:title>
        <dc:subject><rdf:Bag><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Bag></dc:subject>
        <prism:url rdf:resource="https://doi.org/10.1/res"/>
        <other:thing>kept</other:thing>
        <dc:structured><rdf:Description><dc:x>nested</dc:x></rdf:Description></dc:structured>
      </rdf:Description></rdf:RDF></x:xmpmeta>"""
    xmp = parse_xmp(b"junk before " + packet.encode() + b" junk after")
    assert xmp.get("dc:title") == ("Title", "Titel")
    assert xmp.get("dc:subject") == ("a", "b")
    assert xmp.first("prism:url") == "https://doi.org/10.1/res"
    assert xmp.first("{http://example.org/ns/}thing") == "kept"
    assert "dc:structured" not in xmp.values
    with pytest.raises(ValueError, match=r"."):
        parse_xmp(b"<x:xmpmeta><unclosed></x:xmpmeta>")


def test_no_xmp(tmp_path: Path) -> None:
    assert read_xmp(write_paper(tmp_path / "p.pdf")) == (None, "")
    assert read_xmp(tmp_path / "missing.pdf") == (None, "")
    (tmp_path / "zero.pdf").write_bytes(b"")
    assert read_xmp(tmp_path / "zero.pdf") == (None, "")


# ---------------------------------------------------------------------------------------------
# Whole documents, page by page


def test_page_texts_walks_every_page(tmp_path: Path) -> None:
    path = many_pages(tmp_path / "long.pdf", 12)
    texts = list(page_texts(path))
    assert len(texts) == 12
    assert texts[11].strip() == "Page 12 of the long report"
    assert [t.strip() for t in page_texts(path, start=10)] == [
        "Page 11 of the long report",
        "Page 12 of the long report",
    ]


def _open_files() -> int | None:
    fds = Path("/proc/self/fd")
    return len(os.listdir(fds)) if fds.exists() else None


def test_page_texts_can_be_cancelled_and_closes_the_file(tmp_path: Path) -> None:
    path = many_pages(tmp_path / "long.pdf", 50)
    before = _open_files()
    with contextlib.closing(page_texts(path)) as pages:
        first = [next(pages), next(pages)]
        if before is not None:
            assert _open_files() == before + 1
    assert [t.strip() for t in first] == ["Page 1 of the long report", "Page 2 of the long report"]
    assert _open_files() == before


def test_page_texts_dehyphenates_for_the_index(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "p.pdf", Paper(body=["immuno-", "therapy"]))
    assert "immunotherapy" in next(iter(page_texts(path)))
    assert "immuno-\ntherapy" in next(iter(page_texts(path, dehyphenate=False)))


def test_page_texts_raises_pdf_error_on_first_step(tmp_path: Path) -> None:
    path = tmp_path / "zero.pdf"
    path.write_bytes(b"")
    pages = page_texts(path)
    with pytest.raises(PdfError, match=r"^zero\.pdf: zero bytes$"):
        next(pages)


def test_five_hundred_pages_read_only_the_first(tmp_path: Path) -> None:
    path = many_pages(tmp_path / "long.pdf", 500, first=["A Long Report"])
    info = read_pdf(path)
    assert info.page_count == 500
    assert len(info.texts) == reader.FIRST_PAGES
    assert info.texts[0].startswith("A Long Report")
    assert [t.strip() for t in page_texts(path, start=498)] == [
        "Page 499 of the long report",
        "Page 500 of the long report",
    ]


def test_threads_share_pdfium_safely(tmp_path: Path) -> None:
    paths = [write_paper(tmp_path / f"p{i}.pdf") for i in range(4)]
    errors: list[BaseException] = []

    def work(path: Path) -> None:
        try:
            for _ in range(5):
                assert read_pdf(path).page_count == 1
                assert len(list(page_texts(path))) == 1
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# ---------------------------------------------------------------------------------------------
# Files that cannot be read


def test_scanned_pdf_has_no_text_but_opens(tmp_path: Path) -> None:
    info = read_pdf(scanned_pdf(tmp_path / "scan.pdf", pages=3))
    assert info.page_count == 3
    assert not info.has_text
    assert info.first_page_lines == ()


def test_empty_user_password_opens(tmp_path: Path) -> None:
    info = read_pdf(write_paper(tmp_path / "p.pdf", encrypt=empty_password()))
    assert info.encrypted
    assert "Deep Learning for the Study of Things" in info.texts[0]


def test_password_protected(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "locked.pdf", encrypt="secret")
    with pytest.raises(PdfError, match=r"^locked\.pdf: encrypted with a password$") as caught:
        read_pdf(path)
    assert caught.value.kind == "encrypted"
    info = read_pdf(path, password="secret")
    assert info.encrypted
    assert "Deep Learning" in info.texts[0]
    with pytest.raises(PdfError, match="encrypted with a password"):
        read_pdf(path, password="wrong")


@pytest.mark.parametrize(
    ("make", "message", "kind"),
    [
        (lambda p: p.write_bytes(b""), r"^bad\.pdf: zero bytes$", "empty"),
        (zip_named_pdf, r"^bad\.pdf: not a PDF \(starts with 'PK\\x03\\x04'\)$", "not-pdf"),
        (
            lambda p: p.write_text("<!DOCTYPE html><html>", encoding="utf-8"),
            r"^bad\.pdf: not a PDF \(starts with '<!DO'\)$",
            "not-pdf",
        ),
        (
            lambda p: p.write_bytes(b"\xff\xd8\xff\xe0JFIF"),
            r"not a PDF \(starts with '\\xff",
            "not-pdf",
        ),
        (lambda p: p.write_bytes(b"%PDF"), r"^bad\.pdf: not a PDF", "not-pdf"),
        (garbage_pdf, r"^bad\.pdf: damaged: ", "damaged"),
        (lambda p: p.write_bytes(b"%PDF-1.4\n"), r"^bad\.pdf: damaged: ", "damaged"),
        (lambda p: p.mkdir(), r"^bad\.pdf: is a folder", "unreadable"),
    ],
)
def test_unreadable_files(tmp_path: Path, make: object, message: str, kind: str) -> None:
    path = tmp_path / "bad.pdf"
    make(path)  # type: ignore[operator]
    with pytest.raises(PdfError, match=message) as caught:
        read_pdf(path)
    assert caught.value.kind == kind
    assert caught.value.path == path
    assert isinstance(caught.value, FormatError)
    assert isinstance(caught.value, CitelibError)
    assert caught.value.__cause__ is None  # no pypdfium2 exception leaks through the chain


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PdfError, match=r"^gone\.pdf: no such file$") as caught:
        read_pdf(tmp_path / "gone.pdf")
    assert caught.value.kind == "missing"


def _read_or_error(path: Path) -> PdfInfo | PdfError:
    try:
        return read_pdf(path)
    except PdfError as e:
        return e


def test_truncated_pdf_is_repaired_or_refused(tmp_path: Path) -> None:
    source = write_paper(tmp_path / "p.pdf", Paper(pages=[["two"], ["three"]]))
    for keep in (0.9, 0.6, 0.3, 0.1):
        path = truncated(source, tmp_path / f"cut{keep}.pdf", keep)
        outcome = _read_or_error(path)
        if isinstance(outcome, PdfError):
            assert outcome.kind == "damaged"
            assert str(outcome).startswith(f"cut{keep}.pdf: damaged: ")
        else:
            assert outcome.page_count >= 1
