"""`citelib check`: damage written into real library files with raw sqlite3, found and mended."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from citelib import backup, check
from citelib.errors import HistoryLost, LibraryError
from citelib.library import Library, Scope
from citelib.model import Item
from citelib.store import sqlite
from tests.conftest import run_cli, sample_items
from tests.pdfmaker import Paper, write_paper


def _raw(folder: Path) -> sqlite3.Connection:
    """A plain connection that does what citelib never would: foreign keys off."""
    con = sqlite3.connect(folder / "library.sqlite", isolation_level=None)
    con.execute("PRAGMA foreign_keys = OFF")
    return con


def _build(folder: Path) -> dict[str, int]:
    """A sound library: four items, tags, a nested collection tree. Returns names for ids."""
    with Library.open(folder) as lib:
        ids = lib.add_items(sample_items(), tags=["checked"]).new_ids
        a = lib.create_collection("A").new_ids[0]
        b = lib.create_collection("B", a).new_ids[0]
        c = lib.create_collection("C").new_ids[0]
        d = lib.create_collection("D", c).new_ids[0]
        lib.add_to_collection(b, [ids[0]])
        lib.add_to_collection(d, [ids[1], ids[2]])
        lib.add_note(ids[0], "<p>a note</p>")
        assert check.run_checks(lib) == []
    return {"a": a, "b": b, "c": c, "d": d, "first": ids[0], "last": ids[-1]}


def _kinds(findings: list[check.Finding]) -> list[str]:
    return sorted(f.kind for f in findings)


def test_a_healthy_library_has_no_findings(lib: Library) -> None:
    assert check.run_checks(lib) == []
    lib.add_items(sample_items(), tags=["x"])
    lib.set_tag_color("x", "#000000")
    lib.create_collection("Top")
    assert check.run_checks(lib) == []
    assert check.repair(lib) == []
    assert backup.list_backups(lib.backups_dir) == []  # nothing to mend, no copy made


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    folder = tmp_path / "library"
    ids = _build(folder)
    con = _raw(folder)
    try:
        con.execute(
            "INSERT INTO creators (item_id, position, role, family, given, literal) "
            "VALUES (999, 0, 'author', 'Ghost', '', '')"
        )
        con.execute("INSERT INTO item_tags (item_id, tag_id) VALUES (?, 999)", (ids["first"],))
        con.execute("INSERT INTO item_tags (item_id, tag_id) VALUES (998, 1)")
        con.execute("UPDATE items SET item_type = 'bogus' WHERE id = 2")
        con.execute("UPDATE collections SET parent_id = ? WHERE id = ?", (ids["b"], ids["a"]))
        con.execute("UPDATE collections SET parent_id = 999 WHERE id = ?", (ids["c"],))
        con.execute("DELETE FROM items_fts WHERE rowid = 3")
        con.execute("UPDATE items SET sort_title = 'zzz stale' WHERE id = ?", (ids["last"],))
    finally:
        con.close()
    return folder, ids


def test_each_kind_of_damage_is_reported(damaged: tuple[Path, dict[str, int]]) -> None:
    folder, ids = damaged
    with Library.open(folder) as lib:
        findings = check.run_checks(lib)
    assert _kinds(findings) == [
        "collection-loop",
        "collection-loop",
        "item-type",
        "orphan",
        "orphan",
        "orphan",
        "orphan",
        "search-index",
        "sort-columns",
    ]
    text = "\n".join(map(str, findings))
    assert "creators row" in text
    assert "item_tags row" in text
    assert "collections row" in text
    assert "'bogus'" in text
    assert f"collection {ids['a']} is nested inside itself" in text
    assert f"collection {ids['b']} is nested inside itself" in text
    assert "1 items are missing from the search index" in text
    assert "1 items have out-of-date sort columns" in text
    assert all(f.repairable for f in findings)


def test_repair_backs_up_then_mends_everything(damaged: tuple[Path, dict[str, int]]) -> None:
    folder, ids = damaged
    with Library.open(folder) as lib, Library.open(folder) as window:
        before = {s.id: s for s in lib.summaries(lib.item_ids(scope=None))}
        lib.set_field(ids["first"], "volume", "7")  # an undo step that repair must drop
        window.set_field(ids["first"], "volume", "8")  # a window open meanwhile
        assert lib.changed_elsewhere()
        done = check.repair(lib)
        assert window.changed_elsewhere()  # the window sees the repair, as any write
        with pytest.raises(HistoryLost):  # and will not undo over it
            window.undo()

        saved = backup.list_backups(lib.backups_dir)
        assert [b.reason for b in saved if b.reason == "pre-repair"] == ["pre-repair"]
        copy = next(b.path for b in saved if b.reason == "pre-repair")
        assert str(copy) in done[0]
        sqlite.verify_database(copy)
        con = sqlite3.connect(copy)
        try:  # the copy is of the damaged file, taken before anything was changed
            assert con.execute("SELECT item_type FROM items WHERE id = 2").fetchone()[0] == "bogus"
        finally:
            con.close()

        assert check.run_checks(lib) == []
        assert lib.history.undo_label is None

        after = {s.id: s for s in lib.summaries(lib.item_ids(scope=None))}
        assert after.keys() == before.keys()  # no valid item lost
        assert {i: s.title for i, s in after.items()} == {i: s.title for i, s in before.items()}
        fixed = lib.get_item(2)
        assert fixed.item_type == "document"
        assert "Original type: bogus" in fixed.get("extra")
        assert lib.search("janeway").total == 1  # item 3 is back in the index
        assert [r.id for r in lib.search("global cancer").rows] == [ids["last"]]
        assert lib.item_ids(sort="title")[-1] != ids["last"]  # "zzz stale" is gone
        assert lib.get_item(ids["first"]).tags == [
            "Adoptive cell transfer",
            "CAR-NK cells",
            "checked",
        ]
        with lib.db.read() as conn:
            ghosts = conn.exec_driver_sql("SELECT count(*) FROM creators WHERE item_id = 999")
            assert ghosts.scalar() == 0

        tree = {c.id: c.parent_id for c in lib.collections()}
        assert tree.keys() == {ids["a"], ids["b"], ids["c"], ids["d"]}  # no collection lost
        assert tree[ids["a"]] is None  # one collection of the loop goes to the top...
        assert tree[ids["b"]] == ids["a"]  # ...the rest stays nested under it
        assert tree[ids["c"]] is None  # its parent was missing
        assert tree[ids["d"]] == ids["c"]
        assert set(lib.item_ids(scope=Scope(collection=ids["d"]))) == {2, 3}
        assert lib.item_collections(ids["first"]) == [ids["b"]]
        assert lib.notes(ids["first"])[0].html == "<p>a note</p>"
        assert any("search index" in line for line in done)


def test_a_damaged_search_index_is_rebuilt(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    with Library.open(folder) as lib:
        lib.add_items(
            [Item("document", {"title": f"Doc {n}", "abstract": "w " * 40}) for n in range(2000)]
        )
    con = _raw(folder)
    try:
        con.execute("DELETE FROM items_fts_data WHERE id > 1 AND id % 3 = 0")
    finally:
        con.close()
    with Library.open(folder) as lib:
        findings = check.run_checks(lib)
        assert _kinds(findings) == ["search-index"]
        assert "damaged" in findings[0].message
        check.repair(lib)
        assert check.run_checks(lib) == []
        assert lib.search("doc").total == 2000
        assert lib.search('"doc 1234"').total == 1


def test_damage_sqlite_itself_reports_is_not_repaired(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    with Library.open(folder) as lib:
        lib.add_items([Item("document", {"title": f"Doc {n}"}) for n in range(3000)])
        backup.make_backup(lib.db_path, lib.backups_dir)
    db = folder / "library.sqlite"
    con = sqlite3.connect(db)
    try:
        root = con.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'ix_items_sort_title'"
        ).fetchone()[0]
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
    finally:
        con.close()
    data = bytearray(db.read_bytes())
    start = (root - 1) * page_size
    data[start + 8 : start + 64] = bytes(range(56))  # the page's header and cell pointers
    db.write_bytes(bytes(data))
    with Library.open(folder) as lib:
        findings = check.run_checks(lib)
        assert findings
        assert {f.kind for f in findings} == {"integrity"}
        assert not any(f.repairable for f in findings)
        assert "the newest backup is" in findings[0].message
        with pytest.raises(LibraryError, match="damaged beyond"):
            check.repair(lib)


# ------------------------------------------------------------------ full text of attachments

RARE = "zymurgical"  # only on page 2 of the PDF, in no field of any item


def _with_pdf(folder: Path, tmp_path: Path) -> tuple[int, int]:
    """A sound library whose first item has a stored two-page PDF, indexed. Returns the item's
    and the attachment's ids."""
    pdf = write_paper(tmp_path / "paper.pdf", Paper(pages=[[f"The {RARE} method, on page two."]]))
    with Library.open(folder) as lib:
        item_id = lib.add_items(sample_items()).new_ids[0]
        attachment_id = lib.attach_file(item_id, pdf).new_ids[0]
        run = lib.index_fulltext_pending()
        assert (run.indexed, run.pages) == (1, 2)
        assert _found(lib) == [item_id]
    return item_id, attachment_id


def _found(lib: Library) -> list[int]:
    return [r.id for r in lib.search(RARE, fulltext=True).rows]


def _states(lib: Library) -> list[int]:
    with lib.db.read() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT attachment_id FROM fulltext_state")]


def _indexed(lib: Library) -> list[int]:
    with lib.db.read() as conn:
        return sqlite.fulltext_attachments(conn)


def test_a_library_with_indexed_full_text_has_no_findings(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    _, attachment_id = _with_pdf(folder, tmp_path)
    with Library.open(folder) as lib:
        assert _indexed(lib) == [attachment_id]
        assert check.run_checks(lib) == []
        assert check.repair(lib) == []


def test_orphaned_full_text_pages_and_states_are_found_and_removed(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    item_id, attachment_id = _with_pdf(folder, tmp_path)
    con = _raw(folder)
    try:  # three pages of an attachment that never was; a state and a page of another
        con.executemany(
            f"INSERT INTO {sqlite.FULLTEXT_TABLE} (rowid, text) VALUES (?, ?)",
            [(sqlite.fulltext_rowid(999, n), f"ghost {RARE} page {n}") for n in range(3)]
            + [(sqlite.fulltext_rowid(998, 0), f"another ghost {RARE}")],
        )
        con.execute(
            "INSERT INTO fulltext_state (attachment_id, pages, total_pages, indexed_at) "
            "VALUES (998, 1, 1, '2024-01-01T00:00:00Z')"
        )
    finally:
        con.close()
    with Library.open(folder) as lib:
        assert _indexed(lib) == [attachment_id, 998, 999]
        findings = check.run_checks(lib)
        # the pages alone are no fault (a deleted attachment's wait for pruning); the state
        # row is an orphan, and the repair it calls for removes the pages as well
        assert [str(f) for f in findings] == [
            "orphan: fulltext_state row 998 points to a missing attachments row"
        ]

        done = check.repair(lib, findings)
        assert "removed fulltext_state row 998 (its attachments row is missing)" in done
        assert "removed 4 full-text pages of 2 attachments that are gone" in done
        assert check.run_checks(lib) == []
        assert _indexed(lib) == [attachment_id]
        assert _states(lib) == [attachment_id]
        assert lib.fulltext_pending() == []  # the real attachment's text was left alone
        assert _found(lib) == [item_id]
        hit = lib.fulltext_hits([item_id], RARE)[item_id]
        assert (hit.attachment_id, hit.page) == (attachment_id, 2)
        assert [a.id for a in lib.attachments(item_id)] == [attachment_id]


def test_pages_of_a_deleted_attachment_wait_for_pruning_and_are_no_finding(
    tmp_path: Path,
) -> None:
    """Deleting an attachment leaves its pages for the next indexing run to prune (they never
    match meanwhile): a normal state, which check does not call a fault."""
    folder = tmp_path / "library"
    item_id, attachment_id = _with_pdf(folder, tmp_path)
    with Library.open(folder) as lib:
        lib.delete_items([item_id])
        assert _indexed(lib) == [attachment_id]
        assert check.run_checks(lib) == []
        assert _found(lib) == []
        lib.index_fulltext_pending()
        assert _indexed(lib) == []
        assert check.run_checks(lib) == []


def _damage_fulltext(folder: Path) -> None:
    """Remove every leaf of the full-text index (its structure and averages records stay)."""
    con = _raw(folder)
    try:
        con.execute(f"DELETE FROM {sqlite.FULLTEXT_TABLE}_data WHERE id > 10")
    finally:
        con.close()


def test_a_damaged_full_text_index_is_emptied_and_read_again(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    item_id, attachment_id = _with_pdf(folder, tmp_path)
    _damage_fulltext(folder)
    with Library.open(folder) as lib:
        before = {s.id: s.title for s in lib.summaries(lib.item_ids(scope=None))}
        findings = check.run_checks(lib)
        assert _kinds(findings) == ["fulltext-index"]
        assert findings[0].message.startswith("the full-text index of attachments is damaged (")
        assert findings[0].repairable

        done = check.repair(lib, findings)
        assert any(
            "emptied the damaged full-text index of attachments" in line
            and "index state of 1 attachments" in line
            for line in done
        )
        assert check.run_checks(lib) == []
        assert _indexed(lib) == []
        assert _states(lib) == []
        assert lib.fulltext_pending() == [attachment_id]  # every attachment is read again
        assert _found(lib) == []
        # no user data lost: the items, the attachment and its stored file are all there
        assert {s.id: s.title for s in lib.summaries(lib.item_ids(scope=None))} == before
        (attachment,) = lib.attachments(item_id)
        assert attachment.id == attachment_id
        stored = lib.resolve_path(attachment)
        assert stored is not None
        assert stored.is_file()

        run = lib.index_fulltext_pending()
        assert (run.indexed, run.pages) == (1, 2)
        assert _found(lib) == [item_id]
        assert lib.fulltext_hits([item_id], RARE)[item_id].page == 2
        assert check.run_checks(lib) == []


def test_cli_check_repairs_the_full_text_index(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    _with_pdf(folder, tmp_path)
    _damage_fulltext(folder)
    proc = run_cli("check", library=folder)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "fulltext-index: the full-text index of attachments is damaged" in proc.stdout
    proc = run_cli("check", "--repair", library=folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "repaired: emptied the damaged full-text index of attachments" in proc.stdout
    assert "Library OK after repair: 4 items" in proc.stdout
    assert run_cli("list", "--search", RARE, "--fulltext", library=folder).stdout == ""
    indexed = run_cli("index", library=folder, check=True).stdout
    assert indexed.startswith("Indexed 1 of 1 attachments (2 pages)")
    found = run_cli("list", "--search", RARE, "--fulltext", library=folder, check=True).stdout
    assert len(found.splitlines()) == 1
    assert run_cli("check", library=folder, check=True).stdout.startswith("Library OK: 4 items")
