"""The full-text index: attachment text read into FTS5 off the GUI thread, searched on demand.

Attachments are written as rows straight into a real library (the attach API is another
module's); their files are real PDFs made with reportlab (tests/pdfmaker.py).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text, update

from citelib import search
from citelib.library import Library, Scope
from citelib.library import fulltext as ft
from citelib.model import Creator, Item
from citelib.store import schema, sqlite
from citelib.store.database import utc_now
from tests.pdfmaker import Paper, garbage_pdf, many_pages, write_paper

RARE = "zymurgical"  # a word no field of any item holds


def paper(path: Path, *pages: list[str], title: str = "Deep Learning for Things") -> Path:
    return write_paper(path, Paper(title=[title], pages=[list(p) for p in pages]))


def add(lib: Library, title: str, **fields: str) -> int:
    item = Item("journalArticle", {"title": title, **fields}, [Creator("Smith", "Jane")])
    return lib.add_item(item).new_ids[0]


def attach(
    lib: Library,
    item_id: int,
    path: Path,
    *,
    content_type: str | None = "application/pdf",
    stored: bool = False,
) -> int:
    """An attachment row the way the attach API writes one: a stored file under
    files/<key>/ (path relative to the library folder), or a linked file (absolute path)."""
    key = "".join(secrets.choice("23456789ABCDEFGHIJKLMNPQRSTUVWXYZ") for _ in range(8))
    stored_path = str(path)
    if stored:
        folder = lib.files_dir / key
        folder.mkdir(parents=True)
        shutil.copy(path, folder / path.name)
        stored_path = f"files/{key}/{path.name}"
    a = schema.attachments
    with lib.db.write() as conn:
        result = conn.execute(
            insert(a).values(
                key=key,
                item_id=item_id,
                kind="stored" if stored else "linked",
                title=path.name,
                path=stored_path,
                content_type=content_type,
                size=path.stat().st_size,
                date_added=utc_now(),
            )
        )
        conn.execute(
            update(schema.items)
            .where(schema.items.c.id == item_id)
            .values(attachment_count=schema.items.c.attachment_count + 1)
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


LIBRARY = Scope()


def found(lib: Library, query: str, scope: Scope | None = LIBRARY, **kw: Any) -> set[int]:
    ids = set(lib.item_ids(query, scope, **kw))
    page = lib.search(query, scope, **kw)
    assert {r.id for r in page.rows} == ids
    assert page.total == len(ids) == lib.count(query, scope, **kw)
    return ids


def consistent(lib: Library) -> None:
    """Every state belongs to an attachment; pages without a state (of deleted attachments)
    are what `prune` deletes; no state has rows past the pages it counts."""
    with lib.db.read() as conn:
        orphans = set(sqlite.fulltext_attachments(conn)) - {
            r[0] for r in conn.execute(select(schema.fulltext_state.c.attachment_id))
        }
    assert ft.prune(lib) == len(orphans)
    with lib.db.read() as conn:
        present = set(sqlite.fulltext_attachments(conn))
        states = {r.attachment_id: r for r in conn.execute(select(schema.fulltext_state)).all()}
        attachments = {r[0] for r in conn.execute(select(schema.attachments.c.id))}
        assert set(states) <= attachments
        assert present <= set(states)
        for attachment_id, state in states.items():
            lo = sqlite.fulltext_rowid(attachment_id, 0)
            rowids = [
                r[0]
                for r in conn.exec_driver_sql(
                    f"SELECT rowid FROM {sqlite.FULLTEXT_TABLE} WHERE rowid >= ? AND rowid < ?",
                    (lo, sqlite.fulltext_rowid(attachment_id + 1, 0)),
                )
            ]
            assert all(r - lo < state.pages for r in rowids), attachment_id


@pytest.fixture
def three(lib: Library, tmp_path: Path) -> tuple[Library, list[int], list[int]]:
    """Three items with a PDF each; the rare word is on page 3 of the first one only."""
    items = [add(lib, f"Study number {n}") for n in range(3)]
    pdfs = [
        paper(tmp_path / "a.pdf", ["page two is plain"], [f"the {RARE} method", "more text"]),
        paper(tmp_path / "b.pdf", ["nothing to see"]),
        paper(tmp_path / "c.pdf", ["lymphoma cohort on page two"]),
    ]
    atts = [attach(lib, i, p) for i, p in zip(items, pdfs, strict=True)]
    return lib, items, atts


# ------------------------------------------------------------------ schema


def test_a_new_library_has_the_fulltext_tables(lib: Library) -> None:
    with lib.db.read() as conn:
        sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": sqlite.FULLTEXT_TABLE}
        ).scalar()
        assert conn.execute(select(schema.fulltext_state)).all() == []
    assert sql == sqlite.FULLTEXT_CREATE  # the migration writes what sqlite.py describes


# ------------------------------------------------------------------ indexing and searching


def test_a_word_on_page_three_is_found_only_in_full_text_mode(three: Any) -> None:
    lib, items, atts = three
    assert lib.fulltext_pending() == atts
    run = lib.index_fulltext_pending()
    assert (run.indexed, run.pending, run.cancelled, run.failed) == (3, 3, False, [])
    assert run.pages == 3 + 2 + 2
    assert lib.fulltext_pending() == []
    assert found(lib, RARE) == set()
    assert found(lib, RARE, fulltext=True) == {items[0]}
    assert found(lib, RARE[:4], fulltext=True) == {items[0]}  # prefixes, as typed
    assert found(lib, f'"the {RARE} method"', fulltext=True) == {items[0]}
    assert found(lib, f'"{RARE} the"', fulltext=True) == set()
    # the fields still count in the mode, and every word may match in either place
    assert found(lib, "study", fulltext=True) == set(items)
    assert found(lib, f"number {RARE}", fulltext=True) == {items[0]}
    assert found(lib, "lymphoma", fulltext=True) == {items[2]}
    assert found(lib, "-lymphoma", fulltext=True) == {items[0], items[1]}
    assert found(lib, "-lymphoma") == set(items)
    # field syntax looks at the fields only
    assert found(lib, f"title:{RARE}", fulltext=True) == set()
    assert found(lib, "author:smith lymphoma", fulltext=True) == {items[2]}
    assert found(lib, "year:2020 lymphoma", fulltext=True) == set()
    consistent(lib)
    status = lib.fulltext_status(atts[0])
    assert (status.state, status.pages, status.total_pages, status.stale) == (
        "indexed",
        3,
        3,
        False,
    )


def test_resolving_the_full_text_terms_changes_no_result(three: Any, tmp_path: Path) -> None:
    """Library.search resolves "fields or text" per word against the index first (fast); the
    condition written out in SQL (slow) must find the same items."""
    lib, items, _ = three
    fourth = add(lib, "Lymphoma outcomes", extra="number")
    attach(lib, fourth, paper(tmp_path / "d.pdf", [f"study {RARE}"]))
    lib.index_fulltext_pending()
    lib.trash([items[1]])
    queries = [RARE, f"number {RARE}", "study lymphoma", "-lymphoma", f"title:study {RARE}",
               "plain", f"year:..2030 {RARE}", f'"the {RARE} method"', "author:smith two",
               f"{RARE} -outcomes", "lymphoma number", "tag:none study", "zzzz"]  # fmt: skip
    for q in queries:
        for scope in (LIBRARY, Scope(trash=True), None):
            compiled = search.compile_query(q, fulltext=True)
            where = lib._where(compiled, scope)
            with lib.db.read() as conn:
                slow = {r[0] for r in conn.execute(select(schema.items.c.id).where(where))}
            assert found(lib, q, scope, fulltext=True) == slow, (q, scope)


def test_tag_counts_follow_the_mode(three: Any) -> None:
    lib, items, _ = three
    lib.index_fulltext_pending()
    lib.add_tags(items, ["all"])
    lib.add_tags([items[0]], ["first"])
    counts = {t.name: t.count for t in lib.tags(query=RARE, fulltext=True)}
    assert counts == {"all": 1, "first": 1}
    assert lib.tags(query=RARE) == []


def test_hits_say_which_page_and_show_a_snippet(three: Any) -> None:
    lib, items, atts = three
    lib.index_fulltext_pending()
    hits = lib.fulltext_hits(items, RARE)
    assert set(hits) == {items[0]}
    hit = hits[items[0]]
    assert (hit.attachment_id, hit.page, hit.all_words) == (atts[0], 3, True)
    assert RARE in hit.snippet
    assert "\n" not in hit.snippet
    assert "\x01" not in hit.snippet
    ((start, end),) = hit.highlights
    assert hit.snippet[start:end] == RARE
    # every word on one page beats some of them; fields-only words find no page
    hits = lib.fulltext_hits(items, f"plain {RARE[:5]} text")  # "plain" is on page 2
    assert (hits[items[0]].page, hits[items[0]].all_words) == (3, False)
    hits = lib.fulltext_hits(items, f"method {RARE[:5]}")
    assert (hits[items[0]].page, hits[items[0]].all_words) == (3, True)
    assert [hits[items[0]].snippet[a:b] for a, b in hits[items[0]].highlights] == [RARE, "method"]
    assert lib.fulltext_hits(items, "author:smith") == {}
    assert lib.fulltext_hits(items, "number") == {}
    assert lib.fulltext_hits([items[1]], RARE) == {}
    assert lib.fulltext_hits([], RARE) == {}


def test_an_unchanged_file_is_not_read_again_and_a_changed_one_is(
    three: Any, tmp_path: Path
) -> None:
    lib, items, atts = three
    lib.index_fulltext_pending()
    assert lib.index_fulltext(atts[0]).status == "unchanged"
    pdf = tmp_path / "a.pdf"
    os.utime(pdf, ns=(1_000_000_000, 1_000_000_000))  # touched, same content
    assert lib.fulltext_pending() == [atts[0]]
    assert lib.index_fulltext(atts[0]).status == "unchanged"  # by its SHA-256
    assert lib.fulltext_pending() == []
    paper(pdf, ["an entirely new text about xylophones"])
    assert lib.fulltext_pending() == [atts[0]]
    assert lib.fulltext_status(atts[0]).stale
    result = lib.index_fulltext(atts[0])
    assert (result.status, result.pages, result.total_pages) == ("indexed", 2, 2)
    assert found(lib, RARE, fulltext=True) == set()  # the old text is gone
    assert found(lib, "xylophones", fulltext=True) == {items[0]}
    assert lib.fulltext_pending() == []
    consistent(lib)


def test_unreadable_files_are_recorded_and_the_others_indexed(lib: Library, tmp_path: Path) -> None:
    items = [add(lib, f"Paper {n}") for n in range(4)]
    locked = write_paper(
        tmp_path / "locked.pdf", Paper(pages=[[f"secret {RARE}"]]), encrypt="secret"
    )
    atts = [
        attach(lib, items[0], locked),
        attach(lib, items[1], garbage_pdf(tmp_path / "damaged.pdf")),
        attach(lib, items[2], paper(tmp_path / "ok.pdf", [f"the {RARE} word"])),
        attach(lib, items[3], paper(tmp_path / "gone.pdf", ["x"])),
    ]
    (tmp_path / "gone.pdf").unlink()
    run = lib.index_fulltext_pending()
    assert run.indexed == 1
    kinds = {r.attachment_id: r.error_kind for r in run.failed}
    assert kinds == {atts[0]: "encrypted", atts[1]: "damaged", atts[3]: "missing"}
    assert all(r.error and ("locked.pdf" in r.error or "damaged" in r.error or "gone" in r.error)
               for r in run.failed)  # fmt: skip
    status = lib.fulltext_status(atts[0])
    assert (status.state, status.error_kind) == ("failed", "encrypted")
    assert found(lib, RARE, fulltext=True) == {items[2]}
    # failures are not tried again until the file changes...
    assert lib.fulltext_pending() == []
    assert lib.index_fulltext(atts[0]).status == "failed"
    # ...or a password is given
    result = lib.index_fulltext(atts[0], password="secret")
    assert (result.status, result.pages) == ("indexed", 2)
    assert found(lib, RARE, fulltext=True) == {items[0], items[2]}
    paper(tmp_path / "gone.pdf", ["it came back"])
    assert lib.fulltext_pending() == [atts[3]]
    consistent(lib)


def test_cancel_keeps_what_is_done_and_the_next_run_resumes(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [add(lib, f"Report {n}") for n in range(4)]
    atts = [
        attach(lib, items[n], paper(tmp_path / f"p{n}.pdf", [f"{RARE} in number {n}"]))
        for n in range(3)
    ]
    long = attach(lib, items[3], many_pages(tmp_path / "long.pdf", 40, ["a long report"]))
    asked = 0

    def cancel_on_page(n: int) -> Any:
        def cancel() -> bool:
            nonlocal asked
            asked += 1
            return asked > n

        return cancel

    # 3 asks per 2-page PDF (before each page, and before the next attachment): stop in the 2nd
    run = lib.index_fulltext_pending(cancel=cancel_on_page(5))
    assert run.cancelled
    assert [(r.attachment_id, r.status) for r in run.results] == [
        (atts[0], "indexed"),
        (atts[1], "partial"),
    ]
    assert found(lib, RARE, fulltext=True) == {items[0]}  # page 2 of the second is not in
    assert lib.fulltext_status(atts[1]).state == "partial"
    assert lib.fulltext_pending() == [atts[1], atts[2], long]
    consistent(lib)
    # a long document is written in batches: a cancel half-way keeps the batches written
    monkeypatch.setattr(ft, "PAGE_BATCH", 8)
    asked = 0
    result = lib.index_fulltext(long, cancel=cancel_on_page(20))
    assert (result.status, result.pages, result.total_pages) == ("partial", 20, 40)
    assert found(lib, "report", fulltext=True) == set(items)  # item 4's page 1 is in
    consistent(lib)
    pages: list[tuple[int, int]] = []
    result = lib.index_fulltext(long, progress=lambda done, total: pages.append((done, total)))
    assert (result.status, result.pages) == ("indexed", 40)
    assert (pages[0], pages[-1]) == ((21, 40), (40, 40))  # resumed at page 21
    run = lib.index_fulltext_pending()
    assert (run.indexed, run.cancelled, lib.fulltext_pending()) == (2, False, [])
    assert found(lib, RARE, fulltext=True) == set(items[:3])
    with lib.db.read() as conn:  # every page in once, none twice
        rows = conn.exec_driver_sql(
            f"SELECT count(*) FROM {sqlite.FULLTEXT_TABLE} WHERE rowid >= ? AND rowid < ?",
            (sqlite.fulltext_rowid(long, 0), sqlite.fulltext_rowid(long + 1, 0)),
        ).scalar()
    assert rows == 40
    consistent(lib)


def test_trashed_items_are_left_out_as_in_normal_search(three: Any) -> None:
    lib, items, _ = three
    lib.index_fulltext_pending()
    lib.trash([items[0]])
    assert found(lib, RARE, fulltext=True) == set()
    assert found(lib, RARE, Scope(trash=True), fulltext=True) == {items[0]}
    assert found(lib, "study", fulltext=True) == set(items[1:])
    lib.restore([items[0]])
    assert found(lib, RARE, fulltext=True) == {items[0]}


def test_a_removed_attachment_no_longer_matches(three: Any, tmp_path: Path) -> None:
    lib, items, atts = three
    lib.index_fulltext_pending()
    with lib.db.write() as conn:  # what the attachment API's delete does to the row
        conn.execute(delete(schema.attachments).where(schema.attachments.c.id == atts[0]))
    assert found(lib, RARE, fulltext=True) == set()
    assert lib.fulltext_hits(items, RARE) == {}
    # its pages stay behind until pruned, and never match, even if the id is used again
    with lib.db.read() as conn:
        assert atts[0] in sqlite.fulltext_attachments(conn)
    again = attach(lib, items[1], paper(tmp_path / "d.pdf", ["something else"]))
    assert found(lib, RARE, fulltext=True) == set()
    assert lib.index_fulltext_pending().indexed == 1
    with lib.db.read() as conn:
        assert set(sqlite.fulltext_attachments(conn)) == {*atts[1:], again}
    assert found(lib, RARE, fulltext=True) == set()
    consistent(lib)


def test_deleting_an_item_and_undoing_it(three: Any) -> None:
    lib, items, atts = three
    lib.index_fulltext_pending()
    lib.delete_items([items[0]])
    assert found(lib, RARE, fulltext=True) == set()
    assert ft.prune(lib) == 1
    lib.undo()  # the attachment row comes back; its text is derived data, read again
    assert found(lib, RARE, fulltext=True) == set()
    assert lib.fulltext_pending() == [atts[0]]
    assert lib.fulltext_status(atts[0]).state == "not-indexed"
    lib.index_fulltext_pending()
    assert found(lib, RARE, fulltext=True) == {items[0]}
    lib.redo()
    assert found(lib, RARE, fulltext=True) == set()
    consistent(lib)


def test_undoing_a_merge_keeps_the_text(three: Any) -> None:
    lib, items, _ = three
    lib.index_fulltext_pending()
    lib.merge_items(items[1], [items[0]])
    assert found(lib, RARE, fulltext=True) == {items[1]}  # the text moved with its attachment
    lib.undo()
    assert found(lib, RARE, fulltext=True) == {items[0]}
    assert lib.fulltext_pending() == []


def test_stored_files_plain_text_and_other_types(lib: Library, tmp_path: Path) -> None:
    items = [add(lib, f"Thing {n}") for n in range(4)]
    stored = attach(lib, items[0], paper(tmp_path / "s.pdf", [f"stored {RARE}"]), stored=True)
    notes = tmp_path / "notes.txt"
    notes.write_text(f"first part\fthe {RARE} notes, page two", encoding="utf-8")
    plain = attach(lib, items[1], notes, content_type="text/plain; charset=utf-8")
    image = tmp_path / "figure.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    png = attach(lib, items[2], image, content_type="image/png")
    unknown = attach(lib, items[3], paper(tmp_path / "u.pdf", [RARE]), content_type=None)
    with lib.db.write() as conn:  # a URL, and a stored path that would leave the library
        a = schema.attachments
        url = conn.execute(
            insert(a).values(
                key="URLURLUR", item_id=items[0], kind="url", url="https://example.org/x.pdf",
                content_type="application/pdf", date_added=utc_now(),
            )
        ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
        outside = conn.execute(
            insert(a).values(
                key="OUTSIDEA", item_id=items[0], kind="stored", path="../s.pdf",
                content_type="application/pdf", date_added=utc_now(),
            )
        ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
    assert lib.fulltext_pending() == [stored, plain, unknown]
    for other in (url, outside):
        assert lib.index_fulltext(other).status == "skipped"
        assert lib.fulltext_status(other).state == "not-indexable"
    assert lib.index_fulltext(png).status == "skipped"
    assert lib.fulltext_status(png).state == "not-indexable"
    lib.index_fulltext_pending()
    assert found(lib, RARE, fulltext=True) == {items[0], items[1], items[3]}
    hits = lib.fulltext_hits(items, RARE)
    assert (hits[items[0]].page, hits[items[1]].page) == (2, None)
    assert lib.fulltext_status(stored).state == "indexed"


def test_reindex_on_demand(three: Any) -> None:
    lib, items, atts = three
    lib.index_fulltext_pending()
    assert lib.reindex_fulltext([atts[0], 12345]) == 1
    assert lib.fulltext_pending() == [atts[0]]
    assert found(lib, RARE, fulltext=True) == set()
    assert found(lib, "lymphoma", fulltext=True) == {items[2]}
    assert lib.reindex_fulltext() == 2
    assert lib.fulltext_pending() == atts
    assert found(lib, "lymphoma", fulltext=True) == set()
    assert lib.index_fulltext_pending().indexed == 3
    assert found(lib, RARE, fulltext=True) == {items[0]}
    consistent(lib)


def test_full_text_mode_without_text_is_the_normal_search(filled_lib: Library) -> None:
    queries = ["", "car", "nk cells", '"adoptive cell"', "-immunotherapy", "author:zheng",
               "tag:CAR-NK", "year:2015..", "rosenberg science", "type:book"]  # fmt: skip
    for q in queries:
        for scope in (Scope(), Scope(trash=True), None):
            assert found(filled_lib, q, scope, fulltext=True) == found(filled_lib, q, scope), q


@pytest.fixture
def filled_lib(lib: Library) -> Library:
    from tests.conftest import sample_items

    lib.add_items(sample_items())
    lib.trash([2])
    return lib


def test_indexing_in_a_thread_while_searching(three: Any, tmp_path: Path) -> None:
    lib, items, _ = three
    more = [add(lib, f"More {n}") for n in range(6)]
    for n, item in enumerate(more):
        attach(lib, item, paper(tmp_path / f"m{n}.pdf", [f"{RARE} {n}"], ["x"], ["y"]))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            lib.index_fulltext_pending()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    worker = threading.Thread(target=work)
    worker.start()
    while worker.is_alive():
        assert {r.id for r in lib.search(RARE, fulltext=True).rows} <= {items[0], *more}
        lib.add_tags([items[1]], ["busy"])  # writes go on too
    worker.join()
    assert errors == []
    assert found(lib, RARE, fulltext=True) == {items[0], *more}
    consistent(lib)


def test_an_attachment_deleted_while_it_is_read_leaves_nothing(
    three: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib, _, atts = three
    real = ft._Writer.flush

    def delete_first(writer: Any) -> None:
        with lib.db.write() as conn:
            conn.execute(delete(schema.attachments).where(schema.attachments.c.id == atts[0]))
        real(writer)

    monkeypatch.setattr(ft._Writer, "flush", delete_first)
    assert lib.index_fulltext(atts[0]).status == "skipped"
    monkeypatch.undo()
    consistent(lib)
    with sqlite3.connect(lib.db_path) as con:
        assert con.execute("SELECT count(*) FROM fulltext_state").fetchone() == (0,)
