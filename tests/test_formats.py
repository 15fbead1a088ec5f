"""Every format through the whole pipeline: detection by content, the CLI both ways, and file
links in records that are never followed.

Each format's own tests (test_ris.py, test_bibtex.py, ...) check its fields; these check what
all formats share.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from citelib.formats import FORMATS, detect_format, read_file, write_file
from citelib.formats.citekeys import key_parts
from citelib.library import Library
from citelib.model import Creator, Item
from tests.conftest import ROOT, run_cli

DATA = ROOT / "tests" / "data"
DEMO = ROOT / "resources" / "demo" / "demo.ris"
WRITERS = sorted(name for name, f in FORMATS.items() if f.write)
# One real-looking file of each readable format (all synthetic records).
SAMPLES = {
    "bibtex": DATA / "bibtex" / "zotero.bib",
    "csljson": DATA / "csljson" / "zotero.json",
    "endnote-xml": DATA / "endnote" / "endnote_x9.xml",
    "enw": DATA / "endnote" / "endnote_x9.enw",
    "nbib": DATA / "pubmed" / "citations.nbib",
    "pubmed-xml": DATA / "pubmed" / "efetch.xml",
    "ris": DATA / "ris" / "zotero.ris",
    "word-xml": DATA / "wordxml" / "word365.xml",
}
SAME_READER = {"biblatex": "bibtex"}  # one reader for both: detection may name either


def test_every_format_is_listed_by_the_cli_and_has_a_sample() -> None:
    lines = run_cli("formats", check=True).stdout.splitlines()
    listed = {line.split()[0]: line.split()[1:3] for line in lines[1:]}
    assert listed == {
        name: ["yes" if f.read else "no", "yes" if f.write else "no"] for name, f in FORMATS.items()
    }
    assert set(FORMATS) == {
        "bibtex", "biblatex", "ris", "enw", "endnote-xml", "nbib", "pubmed-xml", "csljson",
        "word-xml",
    }  # fmt: skip
    assert {SAME_READER.get(n, n) for n, f in FORMATS.items() if f.read} == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("suffix", [".txt", ".dat", ""])
def test_content_tells_the_format_when_the_extension_does_not(
    tmp_path: Path, name: str, suffix: str
) -> None:
    path = tmp_path / f"export{suffix}"
    shutil.copyfile(SAMPLES[name], path)
    fmt = detect_format(path, path.read_text(encoding="utf-8-sig")[:4096])
    assert fmt is not None
    assert SAME_READER.get(fmt.name, fmt.name) == name
    assert read_file(path).items == read_file(SAMPLES[name]).items


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_lying_extension_is_overruled_by_the_content(tmp_path: Path, name: str) -> None:
    liar = ".bib" if name not in ("bibtex",) else ".ris"
    path = tmp_path / f"export{liar}"
    shutil.copyfile(SAMPLES[name], path)
    assert read_file(path).items == read_file(SAMPLES[name]).items


def test_xml_files_are_told_apart_by_their_root(tmp_path: Path) -> None:
    for name in ("endnote-xml", "pubmed-xml", "word-xml"):
        path = tmp_path / "refs.xml"
        shutil.copyfile(SAMPLES[name], path)
        fmt = detect_format(path, path.read_text(encoding="utf-8")[:4096])
        assert fmt is not None
        assert fmt.name == name


def _people(record: dict[str, object]) -> list[tuple[str, str]]:
    names = record.get("author", [])
    assert isinstance(names, list)
    return [(n.get("family", n.get("literal", "")), n.get("given", "")) for n in names]


def _summary(listed: str) -> list[tuple[object, ...]]:
    records = json.loads(listed)
    return sorted(
        (r.get("title"), r.get("DOI"), r.get("PMID"), r.get("issued"), _people(r), r.get("page"))
        for r in records
    )


@pytest.mark.parametrize("name", WRITERS)
def test_cli_export_then_import_gives_the_same_library(tmp_path: Path, name: str) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    run_cli("import", str(DEMO), library=first, check=True)
    out = tmp_path / f"refs{FORMATS[name].extensions[0]}"
    run_cli("export", "--format", name, "-o", str(out), library=first, check=True)
    proc = run_cli("import", str(out), "--format", name, library=second, check=True)
    assert proc.stdout.startswith("Imported 7 items")
    before = run_cli("list", "--json", library=first, check=True).stdout
    after = run_cli("list", "--json", library=second, check=True).stdout
    assert _summary(after) == _summary(before)
    tags_before = run_cli("tag", "list", library=first, check=True).stdout
    assert run_cli("tag", "list", library=second, check=True).stdout == tags_before


def test_export_format_from_the_file_name(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    run_cli("import", str(DEMO), library=lib, check=True)
    run_cli("export", "-o", str(tmp_path / "refs.bib"), library=lib, check=True)
    assert (tmp_path / "refs.bib").read_text(encoding="utf-8").startswith("@")
    run_cli("export", "-o", str(tmp_path / "Sources.xml"), library=lib, check=True)
    assert "<b:Sources" in (tmp_path / "Sources.xml").read_text(encoding="utf-8")
    proc = run_cli("export", "-o", str(tmp_path / "refs.xml"), library=lib)
    assert proc.returncode != 0
    assert "could be any of endnote-xml, word-xml; name the format with --format" in proc.stderr
    assert not (tmp_path / "refs.xml").exists()


# ---------------------------------------------------------------------------------------------
# File links in records: kept as text, never opened (DESIGN §5)

_OPENED: list[str] = []
_WATCHING: list[bool] = [False]


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _WATCHING[0] and event == "open" and args:
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def opened() -> Iterator[list[str]]:
    _OPENED.clear()
    _WATCHING[0] = True
    try:
        yield _OPENED
    finally:
        _WATCHING[0] = False


def _link_records(secret: Path) -> dict[str, str]:
    up = "../../" + secret.name
    return {
        "ris": f"TY  - JOUR\nTI  - Linked\nL1  - {secret}\nL1  - {up}\nL2  - file://{secret}\n"
        "ER  - \n",
        "enw": f"%0 Journal Article\n%T Linked\n%> {secret}\n%> {up}\n",
        "bibtex": f"@article{{k, title = {{Linked}}, file = {{:{secret}:PDF;:{up}:PDF}}}}\n",
        "endnote-xml": '<?xml version="1.0" encoding="UTF-8"?><xml><records><record>'
        '<ref-type name="Journal Article">17</ref-type><titles><title>Linked</title></titles>'
        f"<urls><pdf-urls><url>file://{secret}</url><url>{up}</url></pdf-urls></urls>"
        "</record></records></xml>",
    }


@pytest.mark.parametrize("name", ["ris", "enw", "bibtex", "endnote-xml"])
def test_file_links_in_records_are_kept_as_text_and_never_opened(
    tmp_path: Path, name: str, opened: list[str]
) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 private")
    path = tmp_path / "in" / "records.txt"
    path.parent.mkdir()
    path.write_text(_link_records(secret)[name], encoding="utf-8")
    opened.clear()  # only what citelib opens from here on counts
    result = read_file(path, name)
    (item,) = result.items
    assert str(secret) in item.fields["extra"]
    with Library.open(tmp_path / "lib") as lib:
        lib.add_items(result.items)
        write_file(tmp_path / "out.ris", lib.iter_items(lib.item_ids()), "ris")
    assert not [p for p in opened if "secret" in p]
    assert not list((tmp_path / "lib" / "files").rglob("*"))  # nothing was copied in


# ---------------------------------------------------------------------------------------------
# Export straight from a library: items read in batches as they are written


def test_writing_from_the_library_in_batches_gives_the_same_file(tmp_path: Path) -> None:
    items = [
        *read_file(DEMO).items,
        Item(
            "book", {"title": "Editors only", "date": "2020"}, [Creator("Ödön", "A", role="editor")]
        ),
        Item("report", {"title": "By an institution"}, [Creator(literal="Synthetic Agency")]),
        Item("document", {"title": "Nobody, no date"}),
        Item("document", {"title": "Nobody, no date again"}),
        Item("journalArticle", {"title": "Keyed", "citationKey": "my key{1}"}),
        Item("journalArticle", {"title": "Same key", "citationKey": "Vivier2008"}),
    ]
    with Library.open(tmp_path / "lib") as lib:
        lib.add_items(items)
        ids = lib.item_ids(sort="date_added")
        stored = lib.get_items(ids)
        assert lib.key_parts(ids) == [key_parts(item) for item in stored]
        for name in WRITERS:
            fmt = FORMATS[name]
            assert fmt.write is not None
            from_list, from_library = io.StringIO(), io.StringIO()
            fmt.write(stored, from_list)
            fmt.write(lib.export_items(ids, batch=3), from_library)
            assert from_library.getvalue() == from_list.getvalue(), name


def test_big_files_are_streamed_by_every_format_that_can_be() -> None:
    """Which readers read from disk without the whole text (a 100k import stays under 1 GB)."""
    streamed = {name for name, f in FORMATS.items() if f.read_lines is not None}
    from_file = {name for name, f in FORMATS.items() if f.read_path is not None}
    assert streamed == {"ris", "enw", "nbib", "bibtex", "biblatex"}
    assert from_file == {"endnote-xml", "pubmed-xml", "bibtex", "biblatex"}
