"""The real `citelib` command in a subprocess, on real library folders."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import pytest

from citelib import __version__
from citelib.formats import csljson
from citelib.model import Creator, Item
from tests.conftest import ROOT, run_cli, sample_items

DEMO_JSON = ROOT / "resources" / "demo" / "demo.json"


def no_traceback(proc: object) -> None:
    stderr = getattr(proc, "stderr", "")
    assert "Traceback" not in stderr, stderr


def write_json(path: Path, items: list[Item]) -> Path:
    path.write_text(csljson.dumps(items), encoding="utf-8")
    return path


def test_version_and_formats() -> None:
    proc = run_cli("--version", check=True)
    assert proc.stdout.strip() == f"citelib {__version__}"
    proc = run_cli("formats", check=True)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("csljson"))
    assert line.split()[1:3] == ["yes", "yes"]


def test_help_lists_the_commands_and_says_no_command_opens_the_app() -> None:
    proc = run_cli("--help", check=True)
    assert "import" in proc.stdout
    assert "export" in proc.stdout
    assert "Without a command, opens the desktop app" in proc.stdout


def test_import_list_and_json(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    proc = run_cli("import", str(DEMO_JSON), library=lib, check=True)
    assert proc.stdout.strip() == f"Imported 7 items from {DEMO_JSON}."
    lines = run_cli("list", "--sort", "year", library=lib, check=True).stdout.splitlines()
    assert len(lines) == 7
    assert "Vivier" in lines[0]
    assert "2008" in lines[0]
    assert lines[-1].split()[1] == "2026"
    assert "Morodomi et al." in lines[-1]
    records = json.loads(run_cli("list", "--json", library=lib, check=True).stdout)
    by_doi = {r.get("DOI"): r for r in records}
    review = by_doi["10.1007/s10147-025-02954-4"]
    assert review["PMID"] == "41524997"
    assert review["issued"] == {"date-parts": [[2026, 1, 12]]}
    assert [a["family"] for a in review["author"]] == ["Morodomi", "Yonemitsu", "Zheng"]
    assert "CAR-NK cells" in review["keyword"]


def test_demo_flag_lists_the_demo_library() -> None:
    before = set(Path(tempfile.gettempdir()).glob("citelib-demo-*"))
    proc = run_cli("--demo", "list", check=True)
    assert len(proc.stdout.splitlines()) == 7
    assert proc.stderr == ""
    assert set(Path(tempfile.gettempdir()).glob("citelib-demo-*")) == before  # removed again


def test_import_tags_and_collection_then_select(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    src = write_json(tmp_path / "a.json", sample_items())
    run_cli("import", str(src), "--tag", "GI review", "--collection", "NK", library=lib, check=True)
    run_cli("import", str(DEMO_JSON), library=lib, check=True)
    in_collection = run_cli("list", "--collection", "NK", library=lib, check=True).stdout
    assert len(in_collection.splitlines()) == 4
    tagged = run_cli("list", "--tag", "GI review", library=lib, check=True).stdout
    assert len(tagged.splitlines()) == 4
    tags = run_cli("tag", "list", library=lib, check=True).stdout
    assert any(line.split(None, 1) == ["4", "GI review"] for line in tags.splitlines())
    proc = run_cli("list", "--collection", "nowhere", library=lib)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "citelib: no collection 'nowhere'"


def test_invalid_record_imports_nothing_unless_skipped(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    src = tmp_path / "mixed.json"
    src.write_text(
        '[\n{"id": "a", "type": "book", "title": "Good one"},\n'
        '"not a record",\n'
        '{"id": "b", "type": "book", "title": "Good two"}\n]\n',
        encoding="utf-8",
    )
    proc = run_cli("import", str(src), library=lib)
    no_traceback(proc)
    assert proc.returncode == 1
    assert f"{src}:3:" in proc.stderr
    assert "nothing imported" in proc.stderr
    assert run_cli("list", library=lib, check=True).stdout == ""
    proc = run_cli("import", str(src), "--skip-invalid", library=lib)
    assert proc.returncode == 0, proc.stderr
    assert f"{src}:3:" in proc.stderr
    assert "Imported 2 items" in proc.stdout
    assert len(run_cli("list", library=lib, check=True).stdout.splitlines()) == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"[]", "no references found"),
        (bytes(range(256)) * 8, "does not look like a text file"),
        (b"%PDF-1.4 something", "cannot tell the format"),
    ],
)
def test_unreadable_files_give_one_clear_line(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    src = tmp_path / "input.dat"
    src.write_bytes(content)
    proc = run_cli("import", str(src), library=tmp_path / "lib")
    no_traceback(proc)
    assert proc.returncode == 1
    assert expected in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_file_and_bad_library(tmp_path: Path) -> None:
    proc = run_cli("import", str(tmp_path / "nope.json"), library=tmp_path / "lib")
    no_traceback(proc)
    assert proc.returncode == 1
    assert "nope.json" in proc.stderr
    afile = tmp_path / "file"
    afile.write_text("x")
    proc = run_cli("list", library=afile)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"citelib: {afile} is a file, not a library folder"


def test_newer_library_is_refused_untouched(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    run_cli("import", str(DEMO_JSON), library=lib, check=True)
    db = lib / "library.sqlite"
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = db.read_bytes()
    proc = run_cli("list", library=lib)
    no_traceback(proc)
    assert proc.returncode == 1
    assert "newer version of citelib" in proc.stderr
    assert db.read_bytes() == before


def test_export_reimports_equal(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    items = sample_items()
    for n, item in enumerate(items):
        item.fields["citationKey"] = f"key{n}"
    run_cli("import", str(write_json(tmp_path / "in.json", items)), library=first, check=True)
    out = tmp_path / "out.json"
    proc = run_cli("export", "-o", str(out), library=first, check=True)
    assert "Exported 4 items" in proc.stderr
    run_cli("import", str(out), library=second, check=True)
    a = json.loads(run_cli("list", "--json", library=first, check=True).stdout)
    b = json.loads(run_cli("list", "--json", library=second, check=True).stdout)
    assert a == b
    assert len(a) == 4
    stdout_export = run_cli("export", "--search", "author:rosenberg", library=first, check=True)
    assert [r["title"] for r in json.loads(stdout_export.stdout)] == [
        "Adoptive cell transfer as personalized immunotherapy for human cancer"
    ]


def test_export_refuses_unknown_extension(tmp_path: Path) -> None:
    proc = run_cli("export", "-o", str(tmp_path / "x.unknown"), library=tmp_path / "lib")
    assert proc.returncode == 1
    assert "cannot tell the format" in proc.stderr


def test_tag_add_remove_rename(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    run_cli("import", str(DEMO_JSON), library=lib, check=True)
    proc = run_cli("tag", "add", "to read", "--search", "nk cells", library=lib, check=True)
    assert proc.stdout.startswith("Tagged ")
    tagged = run_cli("list", "--search", 'tag:"to read"', library=lib, check=True).stdout
    count = len(tagged.splitlines())
    assert count >= 3
    assert proc.stdout.strip() == f"Tagged {count} items with 'to read'."
    run_cli("tag", "rename", "to read", "Reading list", library=lib, check=True)
    tags = run_cli("tag", "list", library=lib, check=True).stdout
    assert "Reading list" in tags
    assert "to read" not in tags
    run_cli("tag", "remove", "Reading list", library=lib, check=True)
    assert "Reading list" not in run_cli("tag", "list", library=lib, check=True).stdout
    proc = run_cli("tag", "add", "x", "--search", "zzzzzz", library=lib)
    assert proc.returncode == 1
    assert "no items match" in proc.stderr


def test_bad_query_is_one_line(tmp_path: Path) -> None:
    proc = run_cli("list", "--search", "year:abc", library=tmp_path / "lib")
    no_traceback(proc)
    assert proc.returncode == 1
    assert proc.stderr.startswith("citelib: year:abc:")


def test_check_and_backup(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    run_cli("import", str(DEMO_JSON), library=lib, check=True)
    proc = run_cli("check", library=lib, check=True)
    assert proc.stdout.startswith("Library OK: 7 items")
    proc = run_cli("backup", library=lib, check=True)
    path = Path(proc.stdout.strip().removeprefix("Backed up to "))
    assert path.parent == lib / "backups"
    assert path.exists()
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM items").fetchone() == (7,)
    con.close()
    listed = run_cli("backup", "--list", library=lib, check=True).stdout
    assert str(path) in listed


def test_check_reports_and_repairs_damage(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    run_cli("import", str(DEMO_JSON), library=lib, check=True)
    con = sqlite3.connect(lib / "library.sqlite")
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute(
        "INSERT INTO creators (item_id, position, role, family, given, literal) "
        "VALUES (9999, 0, 'author', 'Ghost', '', '')"
    )
    con.execute("DELETE FROM items_fts WHERE rowid = (SELECT min(id) FROM items)")
    con.commit()
    con.close()
    proc = run_cli("check", library=lib)
    assert proc.returncode == 1
    assert "orphan: creators row" in proc.stdout
    assert "search-index: 1 items are missing from the search index" in proc.stdout
    proc = run_cli("check", "--repair", library=lib)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Library OK after repair: 7 items" in proc.stdout
    assert any(p.name.endswith("-pre-repair.sqlite") for p in (lib / "backups").iterdir())
    assert run_cli("check", library=lib).returncode == 0


def test_environment_variable_chooses_library(tmp_path: Path) -> None:
    import os
    import subprocess

    from tests.conftest import cli_command

    env = {**os.environ, "CITELIB_LIBRARY": str(tmp_path / "envlib")}
    subprocess.run(
        [*cli_command(), "import", str(DEMO_JSON)], env=env, check=True, capture_output=True
    )
    assert (tmp_path / "envlib" / "library.sqlite").exists()


def test_unicode_round_trip_through_cli(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    item = Item(
        "journalArticle",
        {"title": "Ωmega <img src=x> javascript:alert(1)", "citationKey": "x1"},
        [Creator("Nguyễn", "Thị Hương"), Creator("Østergaard", "Søren")],
        ["TGF-β"],
    )
    run_cli("import", str(write_json(tmp_path / "u.json", [item])), library=lib, check=True)
    out = run_cli("list", "--search", "nguyen", library=lib, check=True).stdout
    assert "Ωmega <img src=x> javascript:alert(1)" in out
    records = json.loads(run_cli("list", "--json", library=lib, check=True).stdout)
    assert records[0]["author"][0] == {"family": "Nguyễn", "given": "Thị Hương"}
    assert records[0]["keyword"] == "TGF-β"


def test_collection_paths_create_and_find_nested_collections(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    run_cli(
        "import", str(DEMO_JSON), "--collection", "GI cancers/NK cells", library=lib, check=True
    )
    listed = run_cli("list", "--collection", "GI cancers/NK cells", library=lib, check=True)
    assert len(listed.stdout.splitlines()) == 7
    assert run_cli("list", "--collection", "NK cells", library=lib, check=True).stdout == (
        listed.stdout
    )
    assert run_cli("list", "--collection", "GI cancers", library=lib, check=True).stdout == ""
    src = write_json(tmp_path / "more.json", sample_items())
    run_cli("import", str(src), "--collection", "GI cancers/NK cells", library=lib, check=True)
    listed = run_cli("list", "--collection", "GI cancers/NK cells", library=lib, check=True)
    assert len(listed.stdout.splitlines()) == 11  # the same collection, not a second one


def test_export_that_matches_nothing_keeps_the_old_file(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    run_cli("import", str(DEMO_JSON), library=lib, check=True)
    out = tmp_path / "out.json"
    out.write_text("precious", encoding="utf-8")
    proc = run_cli("export", "-o", str(out), "--search", "zzzzzz", library=lib)
    assert proc.returncode == 1
    assert "no items match" in proc.stderr
    assert out.read_text(encoding="utf-8") == "precious"


def test_tags_typed_in_any_case(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    run_cli("import", str(DEMO_JSON), library=lib, check=True)
    listed = run_cli("list", "--tag", "car-nk CELLS", library=lib, check=True).stdout
    assert len(listed.splitlines()) == 3
    proc = run_cli("list", "--tag", "no such tag", library=lib)
    assert (proc.returncode, proc.stderr.strip()) == (1, "citelib: no tag 'no such tag'")
    proc = run_cli("tag", "remove", "no such tag", library=lib)
    assert proc.returncode == 1
    assert "no tag 'no such tag'" in proc.stderr
    proc = run_cli("tag", "add", "NK cells", library=lib, check=True)
    assert proc.stdout.strip() == "Tagged 4 items with 'NK cells' (3 already had it)."
