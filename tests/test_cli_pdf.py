"""The real `citelib` command on real PDFs: import, attach, attachments, relink (issue 5).

Every file ends in an item or a clear one-line message, never a traceback, and a file that
cannot be imported leaves the library exactly as it was.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from citelib.formats import csljson
from citelib.library import Library
from tests.conftest import Dump, dump_library, run_cli, sample_items
from tests.pdfmaker import (
    ABSTRACT,
    Paper,
    add_xmp,
    garbage_pdf,
    many_pages,
    scanned_pdf,
    write_paper,
    xmp_packet,
    zip_named_pdf,
)


def no_traceback(proc: Any) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr


def snapshot(library: Path) -> tuple[Dump, list[str]]:
    """Every row of the library and every file under it (but the log of internal errors)."""
    with Library.open(library, create=False) as lib:
        rows = dump_library(lib)
    names = sorted(
        p.relative_to(library).as_posix()
        for p in library.rglob("*")
        if p.is_file() and not p.name.startswith("library.sqlite")
    )
    return rows, names


def stored_files(library: Path) -> list[str]:
    return sorted(
        p.relative_to(library / "files").as_posix() for p in (library / "files").rglob("*.pdf")
    )


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A library holding the sample references."""
    lib = tmp_path / "lib"
    src = tmp_path / "refs.json"
    src.write_text(csljson.dumps(sample_items()), encoding="utf-8")
    run_cli("import", str(src), library=lib, check=True)
    return lib


def records(library: Path, *args: str) -> list[dict[str, Any]]:
    out = run_cli("list", "--json", *args, library=library, check=True).stdout
    result: list[dict[str, Any]] = json.loads(out)
    return result


def test_pdfs_that_cannot_be_imported_leave_the_library_as_it_was(
    library: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    zero = bad / "zero.pdf"
    zero.write_bytes(b"")
    files = [
        zero,
        zip_named_pdf(bad / "word.pdf"),
        garbage_pdf(bad / "corrupt.pdf"),
        write_paper(bad / "locked.pdf", encrypt="secret"),
        bad / "missing.pdf",
    ]
    before = snapshot(library)
    proc = run_cli("import", *map(str, files), library=library)
    no_traceback(proc)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"{zero}: zero bytes; not imported",
        f"{bad / 'word.pdf'}: not a PDF (starts with 'PK\\x03\\x04'); not imported",
        f"{bad / 'corrupt.pdf'}: damaged: data format error; not imported",
        f"{bad / 'locked.pdf'}: encrypted with a password; not imported",
        f"{bad / 'missing.pdf'}: no such file; not imported",
        "citelib: 5 of 5 PDFs not imported",
    ]
    assert snapshot(library) == before
    proc = run_cli("import", str(zero), library=library)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr.splitlines() == [
        f"{zero}: zero bytes; not imported",
        "citelib: 1 of 1 PDF not imported",
    ]
    assert snapshot(library) == before


def test_each_readable_pdf_ends_in_an_item(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    src = tmp_path / "pdfs"
    src.mkdir()
    doi = write_paper(src / "doi.pdf", Paper(body=[*ABSTRACT, "DOI: 10.1016/j.cell.2020.01.002"]))
    split = write_paper(
        src / "split.pdf",
        Paper(
            title=["Split Identifiers Across Lines"],
            body=[*ABSTRACT, "https://doi.org/10.1234/split.", "2021.007"],
        ),
    )
    arxiv = write_paper(
        src / "preprint.pdf",
        Paper(
            header="",
            title=["Attention Is Most of What", "You Need"],
            authors="Ada Lovelace^1, Alan Turing^2",
            stamp="arXiv:2301.01234v2  [cs.LG]  3 Jan 2023",
            body=ABSTRACT,
        ),
    )
    xmp = scanned_pdf(src / "scan0001.pdf", pages=1)
    add_xmp(
        xmp,
        xmp_packet(
            title="Metadata Is All There Is",
            creators=["Smith, Jane"],
            doi="10.1234/xmp.5",
            cover_date="2019-05-01",
        ),
    )
    scanned = scanned_pdf(src / "kinetic_theory-of_gases.pdf")
    long = many_pages(src / "long.pdf", 500, first=["A Long Report on Everything"])
    files = [doi, split, arxiv, xmp, scanned, long]
    proc = run_cli("import", *map(str, files), library=library)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(files) + 1
    for line, path in zip(lines, files, strict=False):
        assert line.startswith(f"{path}: new item ")
    assert lines[-1].startswith("PDFs: 6 new items (")
    assert f"{scanned}: " in proc.stdout
    assert "title from the file name" in proc.stdout
    by_title = {r["title"]: r for r in records(library)}
    assert by_title["Deep Learning for the Study of Things"]["DOI"] == "10.1016/j.cell.2020.01.002"
    assert by_title["Split Identifiers Across Lines"]["DOI"] == "10.1234/split.2021.007"
    assert by_title["Metadata Is All There Is"]["DOI"] == "10.1234/xmp.5"
    assert "Attention Is Most of What You Need" in by_title
    assert "A Long Report on Everything" in by_title
    assert run_cli("list", "--search", "2301.01234", library=library, check=True).stdout
    review = run_cli("list", "--tag", "Needs review", library=library, check=True).stdout
    assert "kinetic theory of gases" in review
    assert len(stored_files(library)) == 6
    # one stored file per item, each under its own key's folder
    for line in run_cli("list", library=library, check=True).stdout.splitlines():
        key = line.split()[0]
        listed = run_cli("attachments", key, library=library, check=True).stdout.splitlines()
        assert len(listed) == 1
        assert f"/files/{key}/" in listed[0].replace("\\", "/")
        assert "missing" not in listed[0]
    # the same PDFs again: nothing new
    before = snapshot(library)
    proc = run_cli("import", str(doi), str(scanned), library=library)
    assert proc.returncode == 0, proc.stderr
    assert "already in the library" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "PDFs: 2 already in the library."
    assert snapshot(library) == before


def test_a_pdf_with_its_reference_in_one_command_is_attached_to_it(
    tmp_path: Path,
) -> None:
    library = tmp_path / "lib"
    refs = tmp_path / "refs.json"
    refs.write_text(csljson.dumps(sample_items()[1:2]), encoding="utf-8")
    pdf = write_paper(
        tmp_path / "download.pdf", Paper(body=[*ABSTRACT, "doi:10.1126/science.aaa4967"])
    )
    proc = run_cli("import", str(pdf), str(refs), "--tag", "ACT", library=library)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0] == f"Imported 1 items from {refs}."
    assert "attached to the existing item" in out[1]
    assert "(same DOI)" in out[1]
    (record,) = records(library)
    assert record["keyword"] == "ACT, Adoptive cell transfer"
    key = run_cli("list", library=library, check=True).stdout.split()[0]
    (line,) = run_cli("attachments", key, library=library, check=True).stdout.splitlines()
    assert "Rosenberg - 2015 - Adoptive cell transfer" in line


def test_import_link_keeps_the_pdf_where_it_is(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    pdf = write_paper(tmp_path / "paper.pdf", Paper(body=[*ABSTRACT, "doi:10.1234/abc.1"]))
    run_cli("import", "--link", str(pdf), library=library, check=True)
    key = run_cli("list", library=library, check=True).stdout.split()[0]
    (line,) = run_cli("attachments", key, library=library, check=True).stdout.splitlines()
    assert line.split(None, 2)[1:] == ["linked", str(pdf)]
    assert stored_files(library) == []


def test_attach_attachments_and_relink(library: Path, tmp_path: Path) -> None:
    key = next(
        line.split()[0]
        for line in run_cli("list", library=library, check=True).stdout.splitlines()
        if "Adoptive cell transfer" in line
    )
    pdf = write_paper(
        tmp_path / "paper.pdf", Paper(body=[*ABSTRACT, "doi:10.1126/science.aaa4967"])
    )
    proc = run_cli("attach", key, str(pdf), library=library, check=True)
    stored = (
        library
        / "files"
        / key
        / (
            "Rosenberg - 2015 - Adoptive cell transfer as personalized immunotherapy for "
            "human cancer.pdf"
        )
    )
    assert proc.stdout.strip() == f"Stored {pdf} on item {key} as {stored}"
    assert stored.read_bytes() == pdf.read_bytes()

    before = snapshot(library)
    proc = run_cli("attach", key, str(pdf), "--link", library=library)
    no_traceback(proc)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "citelib: paper.pdf is already attached to this item as 'paper.pdf'; not attached again."
    )
    assert snapshot(library) == before

    folder = tmp_path / "papers"
    folder.mkdir()
    data = folder / "data.csv"
    data.write_text("a,b\n", encoding="utf-8")
    run_cli("attach", key, str(data), "--link", library=library, check=True)
    other = next(
        line.split()[0]
        for line in run_cli("list", library=library, check=True).stdout.splitlines()
        if "Janeway" in line
    )
    proc = run_cli("attach", other, str(pdf), library=library, check=True)
    assert f"the same file is also attached to item {key}" in proc.stdout

    listed = run_cli("attachments", key, library=library, check=True).stdout.splitlines()
    assert [line.split()[1] for line in listed] == ["stored", "linked"]
    assert listed[1].endswith(str(data))
    assert run_cli("relink", library=library, check=True).stdout.strip() == (
        "No attached file is missing."
    )

    moved = tmp_path / "moved" / "deeper"
    moved.mkdir(parents=True)
    data.rename(moved / "data.csv")
    listed = run_cli("attachments", key, library=library, check=True).stdout.splitlines()
    assert listed[1].endswith(f"{data}  (missing)")
    proc = run_cli("relink", library=library)
    assert proc.returncode == 1
    assert str(data) in proc.stdout
    assert "1 attached file(s) missing" in proc.stderr
    proc = run_cli("relink", "--search", str(tmp_path / "moved"), library=library)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"{data} -> {moved / 'data.csv'}",
        "Relinked 1 of 1 missing files.",
    ]
    listed = run_cli("attachments", key, library=library, check=True).stdout.splitlines()
    assert listed[1].endswith(str(moved / "data.csv"))

    # Locate... by hand: one attachment, one file
    att_key = listed[1].split()[0]
    back = tmp_path / "back.csv"
    shutil.move(moved / "data.csv", back)
    run_cli("relink", att_key, str(back), library=library, check=True)
    listed = run_cli("attachments", key, library=library, check=True).stdout.splitlines()
    assert listed[1].endswith(str(back))

    proc = run_cli("attach", "NOSUCHKY", str(pdf), library=library)
    assert (proc.returncode, proc.stderr.strip()) == (1, "citelib: no item with key NOSUCHKY")
    proc = run_cli("attach", key, str(tmp_path / "nope.pdf"), library=library)
    no_traceback(proc)
    assert proc.returncode == 1
    assert "nope.pdf: the file does not exist" in proc.stderr


def test_relink_search_of_a_missing_folder_is_one_line(library: Path, tmp_path: Path) -> None:
    key = run_cli("list", library=library, check=True).stdout.split()[0]
    gone = tmp_path / "gone.txt"
    gone.write_text("x", encoding="utf-8")
    run_cli("attach", key, str(gone), "--link", library=library, check=True)
    gone.unlink()
    proc = run_cli("relink", "--search", str(tmp_path / "no such folder"), library=library)
    no_traceback(proc)
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "it is not a folder" in proc.stderr


def test_imported_file_links_are_not_attachments(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    ris = tmp_path / "refs.ris"
    ris.write_text(
        "TY  - JOUR\nTI  - Linked\nL1  - /etc/passwd\nL1  - file:///etc/passwd\nER  - \n",
        encoding="utf-8",
    )
    run_cli("import", str(ris), library=library, check=True)
    key = run_cli("list", library=library, check=True).stdout.split()[0]
    assert run_cli("attachments", key, library=library, check=True).stdout == ""
    assert run_cli("relink", library=library, check=True).stdout.strip() == (
        "No attached file is missing."
    )
    assert stored_files(library) == []


def test_index_then_full_text_search_finds_a_word_only_in_a_pdf(
    library: Path, tmp_path: Path
) -> None:
    paper = write_paper(
        tmp_path / "paper.pdf",
        Paper(
            title=["Synthetic indexed paper (not a real reference)"],
            body=[*ABSTRACT, "https://doi.org/10.9999/synthetic.index"],
            pages=[["Methods: nothing special."], ["Results: the quokkalike effect."]],
        ),
    )
    run_cli("import", str(paper), library=library, check=True)
    assert records(library, "--search", "quokkalike") == []
    done = run_cli("index", library=library, check=True)
    no_traceback(done)
    assert done.stdout.strip() == "Indexed 1 of 1 attachments (3 pages); 0 could not be read."
    found = records(library, "--search", "quokkalike", "--fulltext")
    assert [r["DOI"] for r in found] == ["10.9999/synthetic.index"]
    again = run_cli("index", library=library, check=True)  # nothing left to do
    assert again.stdout.strip() == "Indexed 0 of 0 attachments (0 pages); 0 could not be read."
    rebuilt = run_cli("index", "--rebuild", library=library, check=True)
    assert rebuilt.stdout.startswith("Indexed 1 of 1 attachments")

    # a linked file damaged since: named, with the reason, exit 1; the rest stays indexed
    listed = run_cli("list", "--search", "doi:10.9999/synthetic.index", library=library, check=True)
    item_key = listed.stdout.split()[0]
    broken = garbage_pdf(tmp_path / "broken.pdf")
    run_cli("attach", item_key, str(broken), "--link", library=library, check=True)
    failed = run_cli("index", library=library)
    no_traceback(failed)
    assert failed.returncode == 1
    assert "broken.pdf" in failed.stderr
    assert f"item {item_key}" in failed.stderr
    assert records(library, "--search", "quokkalike", "--fulltext")
