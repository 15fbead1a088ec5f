"""The full-text index: the text of attachments (PDFs, plain-text files) for quick search.

Pages go into an FTS5 table of their own (`sqlite.FULLTEXT_TABLE`, one row per page, its rowid
the attachment id and the page index: see `sqlite.fulltext_rowid`), so a match can say "page 4"
and show a snippet of that page. `fulltext_state` keeps, per attachment, the file that was read
(SHA-256, size, modification time), how many of its pages are in, and why it failed if it did.

Both are derived data, outside the undo history. A deleted attachment takes its state row with it
(foreign key cascade, also when an undo deletes it); its pages stay behind as orphans until the
next `index_pending` prunes them, and never match in the meantime: searches only look at
attachments that have a state row, and re-indexing an attachment clears its rowid range first.
Deleting pages costs a read of their text (FTS5 keeps it to remove its words), so Empty Trash does
not wait for it.

Reading is slow and runs off the GUI thread: pages are read with no transaction open (PDFium
under `citelib.pdf.reader`'s lock, which releases the GIL while it works) and written in short
write transactions of about `PAGE_BATCH` pages (several small PDFs share one: a commit syncs the
disk, and costs about what reading a 10-page PDF does), at least every `FLUSH_SECONDS`. So the
app's edits wait at most for one batch's inserts, its reads never (WAL); a cancel writes what
was read and stops (the next run resumes at the next page of a half-read file); a crash loses
at most one batch. A file that cannot be read (encrypted, damaged, missing) is recorded with its
reason rather than raised, and is tried again only when it changes (or with a password).

What the app calls (thin `Library` methods): `index_fulltext_pending` in a worker after
attaching or importing PDFs and at start-up when `fulltext_pending` is not empty;
`search(..., fulltext=True)` for the quick-search mode "All fields & full text";
`fulltext_hits` for the rows on screen; `reindex_fulltext` for "Rebuild full-text index";
`fulltext_status` for the item pane.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import Connection, delete, insert, select, update

from citelib import search
from citelib.errors import NotFound
from citelib.store import schema, sqlite
from citelib.store.database import utc_now
from citelib.store.sqlite import ids_in

if TYPE_CHECKING:
    from citelib.library.service import Library

# Pages per write transaction (and per commit); a cancel or a crash loses no more.
PAGE_BATCH: Final = 50
# ...and at most this long between commits, so that searches see the index grow.
FLUSH_SECONDS: Final = 1.0
# Also write once this much text is waiting (a few pages of a dense book can be megabytes).
CHARS_BATCH: Final = 1_000_000
# A plain-text attachment is read up to this size (its first part is indexed).
MAX_TEXT_BYTES: Final = 32 << 20
PDF_TYPE: Final = "application/pdf"
TEXT_TYPE: Final = "text/plain"
# Snippet length in words (FTS5 allows at most 64).
SNIPPET_WORDS: Final = 24

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]
Status = Literal["indexed", "partial", "unchanged", "failed", "skipped"]
State = Literal["not-indexed", "partial", "indexed", "failed", "not-indexable"]

# Control characters mean nothing in page text, and two of them mark matches in snippets.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE: Final = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class IndexResult:
    """What `index_attachment` did. `status`:
    - `indexed`: every page is in the index now;
    - `partial`: cancelled; `pages` of `total_pages` are in, and the next run resumes;
    - `unchanged`: the file was indexed already (same content);
    - `failed`: the file cannot be read; `error` says why, `error_kind` is `missing`,
      `unreadable`, `empty`, `not-pdf`, `damaged` or `encrypted` (ask for a password and call
      again with it);
    - `skipped`: nothing to index (a URL, a file type that has no text, an attachment deleted
      while it was being read).
    """

    attachment_id: int
    status: Status
    pages: int = 0
    total_pages: int | None = None
    error: str | None = None
    error_kind: str | None = None


@dataclass(frozen=True, slots=True)
class IndexRun:
    """What `index_pending` did: one result per attachment it got to."""

    results: tuple[IndexResult, ...]
    pending: int  # how many attachments were pending when it started
    cancelled: bool

    @property
    def indexed(self) -> int:
        return sum(1 for r in self.results if r.status == "indexed")

    @property
    def failed(self) -> list[IndexResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def pages(self) -> int:
        return sum(r.pages for r in self.results if r.status in ("indexed", "partial"))


@dataclass(frozen=True, slots=True)
class FulltextStatus:
    """An attachment's place in the index, for the item pane (`Library.fulltext_status`)."""

    attachment_id: int
    state: State
    pages: int = 0
    total_pages: int | None = None
    indexed_at: str | None = None
    error: str | None = None
    error_kind: str | None = None
    stale: bool = False  # the file changed since it was read: it is pending


@dataclass(frozen=True, slots=True)
class FulltextHit:
    """Where a shown item matched in an attachment's text: the first page holding the most of
    the query's words (`all_words`: every one of them). `page` is 1-based (None for a
    plain-text file); `snippet` is plain text with the matched words at `highlights`
    (start, end) offsets, `…` where text was left out."""

    item_id: int
    attachment_id: int
    page: int | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    all_words: bool


# ---------------------------------------------------------------------------------- files


@dataclass(frozen=True, slots=True)
class _FileRef:
    kind: str
    path: str | None


def attachment_file(lib: Library, kind: str, path: str | None) -> Path | None:
    """Where an attachment's file is (`attaching.resolve_path`: a stored file's path is relative
    to the library folder, a linked file's absolute); None for a URL or a path that would leave
    the library folder."""
    from citelib.library.attaching import resolve_path

    return resolve_path(lib, _FileRef(kind, path))


def text_kind(content_type: str | None, path: str | None) -> Literal["pdf", "text"] | None:
    """Which reader an attachment's text needs: a PDF, a plain-text file, or none."""
    if not path:
        return None
    ct = (content_type or "").split(";", 1)[0].strip().lower()
    if ct == PDF_TYPE:
        return "pdf"
    if ct == TEXT_TYPE:
        return "text"
    if ct in ("", "application/octet-stream") and path.lower().endswith(".pdf"):
        return "pdf"
    return None


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text)


# ---------------------------------------------------------------------------------- reading


@dataclass(slots=True)
class _Attachment:
    id: int
    path: Path
    kind: Literal["pdf", "text"]
    sha256: str | None  # what the attachments row says (None: not known)
    stored_path: str


def _load(conn: Connection, attachment_id: int) -> tuple[Any, Any]:
    a, s = schema.attachments, schema.fulltext_state
    row = conn.execute(
        select(a.c.id, a.c.kind, a.c.path, a.c.content_type, a.c.sha256).where(
            a.c.id == attachment_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no attachment {attachment_id}")
    state = conn.execute(select(s).where(s.c.attachment_id == attachment_id)).first()
    return row, state


def index_attachment(
    lib: Library,
    attachment_id: int,
    *,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
    password: str | None = None,
) -> IndexResult:
    """Put an attachment's text into the full-text index, page by page.

    Skips the file when the same content is indexed already; resumes where a cancelled run
    stopped; starts again when the file changed. `cancel` is asked before each page; `progress`
    gets (pages done, pages in all). Raises NotFound for an unknown attachment id, and the
    library's own errors (LibraryLocked); never for a file it cannot read.
    """
    writer = _Writer(lib)
    result = _index(lib, writer, attachment_id, cancel, progress, password)
    writer.flush()
    return _checked(result, writer)


def _checked(result: IndexResult, writer: _Writer) -> IndexResult:
    """`skipped` for an attachment deleted (or relinked) while it was read: nothing written."""
    if result.attachment_id in writer.gone and result.status in ("indexed", "partial", "failed"):
        return IndexResult(result.attachment_id, "skipped")
    return result


def _index(
    lib: Library,
    writer: _Writer,
    attachment_id: int,
    cancel: Cancel | None,
    progress: Progress | None,
    password: str | None,
) -> IndexResult:
    with lib.db.read() as conn:
        row, state = _load(conn, attachment_id)
    kind = text_kind(row.content_type, row.path)
    file = attachment_file(lib, row.kind, row.path)
    if kind is None or file is None:
        return IndexResult(attachment_id, "skipped")
    att = _Attachment(attachment_id, file, kind, row.sha256, row.path)
    stat = _stat(att.path)
    if stat is None:
        return _failed(writer, att, None, None, f"{att.path.name}: no such file", "missing")
    if (
        state is not None
        and state.error is None
        and _complete(state)
        and (state.size, state.mtime_ns) == stat
        and (att.sha256 is None or att.sha256 == state.sha256)
    ):
        return IndexResult(attachment_id, "unchanged", state.pages, state.total_pages)
    from citelib.library.files import AttachmentError, sha256_of

    try:
        sha = sha256_of(att.path)
    except AttachmentError as e:
        return _failed(writer, att, stat, None, str(e), "unreadable")
    start = 0
    fresh = True
    if state is not None and state.sha256 == sha:
        if state.error is not None and password is None:
            _touch_state(lib, att, stat)  # the same unreadable file: not worth another try
            return IndexResult(
                attachment_id, "failed", 0, None, state.error, state.error_kind or "damaged"
            )
        if state.error is None:
            if _complete(state):
                _touch_state(lib, att, stat)
                return IndexResult(attachment_id, "unchanged", state.pages, state.total_pages)
            start, fresh = state.pages, False
    return _read(writer, att, sha, stat, start, fresh, cancel, progress, password)


def _complete(state: Any) -> bool:
    return state.total_pages is not None and state.pages >= state.total_pages


def _read(
    writer: _Writer,
    att: _Attachment,
    sha: str,
    stat: tuple[int, int],
    start: int,
    fresh: bool,
    cancel: Cancel | None,
    progress: Progress | None,
    password: str | None,
) -> IndexResult:
    """Read the pages from `start` on, handing them to the writer every PAGE_BATCH pages."""
    from citelib.pdf.reader import PdfError, page_count, page_texts

    try:
        if att.kind == "pdf":
            total = page_count(att.path, password=password)
            pages: Iterator[str] = page_texts(att.path, start=start, password=password)
        else:
            texts = _text_pages(att.path)
            total = len(texts)
            pages = iter(texts[start:])
    except PdfError as e:
        return _failed(writer, att, stat, sha, str(e), e.kind)
    except OSError as e:
        reason = f"{att.path.name}: cannot be read: {e.strerror or e}"
        return _failed(writer, att, stat, sha, reason, "unreadable")
    total = min(total, sqlite.MAX_PAGES)
    rows: list[tuple[int, str]] = []
    chars = 0
    done = start
    cancelled = False
    try:
        while done < total:
            if cancel is not None and cancel():
                cancelled = True
                break
            try:
                text = next(pages)
            except StopIteration:
                break
            except PdfError as e:  # the file could not be opened after all (page_texts is lazy)
                return _failed(writer, att, stat, sha, str(e), e.kind)
            text = _clean(text)
            if text.strip():
                rows.append((sqlite.fulltext_rowid(att.id, done), text))
                chars += len(text)
            done += 1
            if done - start >= PAGE_BATCH or chars >= CHARS_BATCH:
                writer.add(_Op(att, rows, _state(sha, stat, done, total), fresh), done - start)
                fresh, rows, chars, start = False, [], 0, done
            if progress is not None:
                progress(done, total)
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()  # the PDF is closed now, not when the generator is collected
    if cancelled and done == start and fresh:
        return IndexResult(att.id, "partial", 0, total)  # nothing read, nothing changed
    if not cancelled:
        total = done  # a document may yield fewer pages than it said
    if rows or fresh or not cancelled:
        writer.add(_Op(att, rows, _state(sha, stat, done, total), fresh), max(done - start, 1))
    return IndexResult(att.id, "partial" if cancelled else "indexed", done, total)


def _state(
    sha: str | None,
    stat: tuple[int, int] | None,
    pages: int,
    total: int | None,
    error: str | None = None,
    error_kind: str | None = None,
) -> dict[str, Any]:
    return {
        "sha256": sha,
        "size": stat[0] if stat else None,
        "mtime_ns": stat[1] if stat else None,
        "pages": pages,
        "total_pages": total,
        "indexed_at": utc_now(),
        "error": error,
        "error_kind": error_kind,
    }


def _text_pages(path: Path) -> list[str]:
    """A plain-text file's text (its first MAX_TEXT_BYTES), in pages at form feeds."""
    from citelib.formats.encoding import decode

    with path.open("rb") as f:
        data = f.read(MAX_TEXT_BYTES)
    if len(data) == MAX_TEXT_BYTES:  # cut at a line end, not inside a UTF-8 sequence
        data = data[: data.rfind(b"\n") + 1] or data
    return decode(data).split("\f")


def _failed(
    writer: _Writer,
    att: _Attachment,
    stat: tuple[int, int] | None,
    sha: str | None,
    reason: str,
    kind: str,
) -> IndexResult:
    """Record why a file cannot be read (its old text, if any, goes: it is not that file's)."""
    writer.add(_Op(att, [], _state(sha, stat, 0, None, reason, kind), True), 1)
    return IndexResult(att.id, "failed", 0, None, reason, kind)


@dataclass(slots=True)
class _Op:
    """Pages of one attachment and its new state; `fresh`: its old pages go first."""

    att: _Attachment
    rows: list[tuple[int, str]]
    state: dict[str, Any]
    fresh: bool


class _Writer:
    """Writes waiting for their transaction. A commit syncs the disk (synchronous = FULL) and
    costs about as much as reading a 10-page PDF, so small files share one: the writes go in
    once PAGE_BATCH pages are waiting, or FLUSH_SECONDS after the oldest, and at the end of a
    run (also a cancelled one)."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self.ops: list[_Op] = []
        self.pages = 0
        self.chars = 0
        self.since = 0.0
        self.gone: set[int] = set()

    def add(self, op: _Op, pages: int) -> None:
        if not self.ops:
            self.since = time.monotonic()
        self.ops.append(op)
        self.pages += pages
        self.chars += sum(len(text) for _, text in op.rows)
        if (
            self.pages >= PAGE_BATCH
            or self.chars >= CHARS_BATCH
            or time.monotonic() - self.since >= FLUSH_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        if not self.ops:
            return
        with self.lib.db.write() as conn:
            there: dict[int, bool] = {}
            for op in self.ops:
                if op.att.id not in there:
                    there[op.att.id] = _still_there(conn, op.att)
                if not there[op.att.id]:
                    self.gone.add(op.att.id)
                    continue
                if op.fresh:
                    sqlite.fulltext_delete(conn, [op.att.id])
                sqlite.fulltext_insert(conn, op.rows)
                _upsert_state(conn, op.att.id, op.state)
        self.ops, self.pages, self.chars = [], 0, 0


def _still_there(conn: Connection, att: _Attachment) -> bool:
    """The attachment was not deleted, nor pointed at another file, while it was being read."""
    a = schema.attachments
    path = conn.execute(select(a.c.path).where(a.c.id == att.id)).scalar()
    return path == att.stored_path


def _upsert_state(conn: Connection, attachment_id: int, values: dict[str, Any]) -> None:
    s = schema.fulltext_state
    done = conn.execute(update(s).where(s.c.attachment_id == attachment_id).values(values))
    if not done.rowcount:
        conn.execute(insert(s).values(attachment_id=attachment_id, **values))


def _touch_state(lib: Library, att: _Attachment, stat: tuple[int, int]) -> None:
    """The file was touched but its content is the same: remember its new size and time."""
    s = schema.fulltext_state
    with lib.db.write() as conn:
        conn.execute(
            update(s).where(s.c.attachment_id == att.id).values(size=stat[0], mtime_ns=stat[1])
        )


# ---------------------------------------------------------------------------------- many


def pending(lib: Library) -> list[int]:
    """The attachments with text to index, oldest first: never indexed, cancelled half-way, or
    whose file changed since (its size or modification time on disk). A file that failed is
    pending again only once it changed."""
    a, s = schema.attachments, schema.fulltext_state
    with lib.db.read() as conn:
        rows = conn.execute(
            select(
                a.c.id,
                a.c.kind,
                a.c.path,
                a.c.content_type,
                s.c.attachment_id.label("state"),
                s.c.size,
                s.c.mtime_ns,
                s.c.pages,
                s.c.total_pages,
                s.c.error,
            )
            .select_from(a.outerjoin(s, s.c.attachment_id == a.c.id))
            .where(a.c.path.is_not(None))
            .order_by(a.c.id)
        ).all()
    found = []
    for r in rows:
        file = attachment_file(lib, r.kind, r.path)
        if file is not None and text_kind(r.content_type, r.path) and _is_pending(file, r):
            found.append(r.id)
    return found


def _is_pending(file: Path, r: Any) -> bool:
    if r.state is None:
        return True
    if r.error is None and not _complete(r):
        return True
    return _changed(file, r)


def _changed(path: Path, state: Any) -> bool:
    """The file's size or modification time is not the one read (or it came or went)."""
    return (_stat(path) or (None, None)) != (state.size, state.mtime_ns)


def index_pending(
    lib: Library, *, cancel: Cancel | None = None, progress: Progress | None = None
) -> IndexRun:
    """Index every pending attachment, one after the other; each is committed as it is done,
    so a cancel keeps them. `progress` gets (attachments done, attachments pending). Orphaned
    pages of deleted attachments are pruned first."""
    prune(lib)
    ids = pending(lib)
    results: list[IndexResult] = []
    cancelled = False
    writer = _Writer(lib)
    for n, attachment_id in enumerate(ids):
        if cancel is not None and cancel():
            cancelled = True
            break
        try:
            result = _index(lib, writer, attachment_id, cancel, None, None)
        except NotFound:  # deleted since pending() listed it
            result = IndexResult(attachment_id, "skipped")
        results.append(result)
        if result.status == "partial":
            cancelled = True
            break
        if progress is not None:
            progress(n + 1, len(ids))
    writer.flush()
    return IndexRun(tuple(_checked(r, writer) for r in results), len(ids), cancelled)


def reindex(lib: Library, ids: Sequence[int] | None = None) -> int:
    """Forget the indexed text of these attachments (default: every one), so that they are
    pending again; returns how many had any."""
    s = schema.fulltext_state
    with lib.db.write() as conn:
        if ids is None:
            count = int(conn.execute(delete(s)).rowcount or 0)
            sqlite.fulltext_recreate(conn)
            return count
        count = int(conn.execute(delete(s).where(ids_in(s.c.attachment_id, ids))).rowcount or 0)
        sqlite.fulltext_delete(conn, sorted(set(ids)))
    return count


def prune(lib: Library) -> int:
    """Delete the pages of attachments that no longer have an index state (deleted, or their
    state dropped); returns how many attachments' pages went."""
    # Looked for in a read (a seek per attachment); the write only checks and deletes, so the
    # app's edits do not wait for the search.
    with lib.db.read() as conn:
        found = stateless(conn, sqlite.fulltext_attachments(conn))
    if not found:
        return 0
    with lib.db.write() as conn:
        found = stateless(conn, found)  # a state written since makes them pages of a new file
        sqlite.fulltext_delete(conn, found)
    return len(found)


def stateless(conn: Connection, candidates: Sequence[int]) -> list[int]:
    """Those of these attachment ids that have no index state: their pages in the full-text
    index are left over (the attachment was deleted, or its state dropped)."""
    s = schema.fulltext_state
    kept = select(s.c.attachment_id).where(ids_in(s.c.attachment_id, candidates))
    with_state = {r[0] for r in conn.execute(kept)}
    return [i for i in candidates if i not in with_state]


def status(lib: Library, attachment_id: int) -> FulltextStatus:
    """An attachment's place in the full-text index. Raises NotFound."""
    with lib.db.read() as conn:
        row, state = _load(conn, attachment_id)
    file = attachment_file(lib, row.kind, row.path)
    if file is None or text_kind(row.content_type, row.path) is None:
        return FulltextStatus(attachment_id, "not-indexable")
    if state is None:
        return FulltextStatus(attachment_id, "not-indexed")
    stale = _changed(file, state)
    if state.error is not None:
        kind: State = "failed"
    else:
        kind = "indexed" if _complete(state) else "partial"
    return FulltextStatus(
        attachment_id,
        kind,
        state.pages,
        state.total_pages,
        state.indexed_at,
        state.error,
        state.error_kind,
        stale,
    )


# ---------------------------------------------------------------------------------- hits


def hits(lib: Library, item_ids: Sequence[int], query: str) -> dict[int, FulltextHit]:
    """Which of these items (the rows on screen) have attachment text matching the query's
    words (its terms without a field prefix), and where: for each item the page that holds the
    most of the words (ties: the earlier attachment, then the earlier page).

    One FTS5 pass per word over the pages of the shown items' attachments, and one for the
    snippets, however many rows are shown."""
    clauses = search.fulltext_clauses(query)
    if not clauses or not item_ids:
        return {}
    a, s = schema.attachments, schema.fulltext_state
    with lib.db.read() as conn:
        rows = conn.execute(
            select(a.c.id, a.c.item_id, a.c.content_type, a.c.path)
            .select_from(a.join(s, s.c.attachment_id == a.c.id))
            .where(ids_in(a.c.item_id, item_ids), s.c.error.is_(None))
            .order_by(a.c.item_id, a.c.date_added, a.c.id)
        ).all()
        if not rows:
            return {}
        attachment_ids = [r.id for r in rows]
        words: dict[int, int] = {}  # page rowid -> how many of the words it holds
        for clause in clauses:
            for rowid in sqlite.fulltext_pages(conn, clause, attachment_ids):
                words[rowid] = words.get(rowid, 0) + 1
        if not words:
            return {}
        order = {r.id: n for n, r in enumerate(rows)}  # each item's attachments, oldest first
        best: dict[int, int] = {}  # item id -> rowid
        for rowid, count in words.items():
            item = rows[order[rowid >> sqlite.PAGE_BITS]]
            now = best.get(item.item_id)
            if now is None or (-count, order[item.id], rowid) < (
                -words[now],
                order[now >> sqlite.PAGE_BITS],
                now,
            ):
                best[item.item_id] = rowid
        snippets = sqlite.fulltext_snippets(
            conn, " OR ".join(clauses), best.values(), SNIPPET_WORDS
        )
    found: dict[int, FulltextHit] = {}
    for item_id, rowid in best.items():
        att = rows[order[rowid >> sqlite.PAGE_BITS]]
        snippet, marks = _snippet(snippets.get(rowid, ""))
        paged = text_kind(att.content_type, att.path) == "pdf"
        page = (rowid & (sqlite.MAX_PAGES - 1)) + 1 if paged else None
        found[item_id] = FulltextHit(
            item_id, att.id, page, snippet, marks, words[rowid] == len(clauses)
        )
    return found


def _snippet(raw: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """FTS5's snippet as one line of plain text and the offsets of its marked words."""
    text = _SPACE.sub(" ", raw).strip()
    out: list[str] = []
    marks: list[tuple[int, int]] = []
    length = 0
    opened = -1
    for part in re.split(f"([{sqlite.SNIPPET_OPEN}{sqlite.SNIPPET_CLOSE}])", text):
        if part == sqlite.SNIPPET_OPEN:
            opened = length
        elif part == sqlite.SNIPPET_CLOSE:
            if opened >= 0:
                marks.append((opened, length))
            opened = -1
        else:
            out.append(part)
            length += len(part)
    return "".join(out), tuple(marks)


__all__ = [
    "FulltextHit",
    "FulltextStatus",
    "IndexResult",
    "IndexRun",
    "attachment_file",
    "hits",
    "index_attachment",
    "index_pending",
    "pending",
    "prune",
    "reindex",
    "status",
    "text_kind",
]
