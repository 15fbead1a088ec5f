"""Attaching files to items, importing PDFs as items, and keeping stored files in step (issue 5).

Functions of a `Library` (as `merging` is), on top of the file-side helpers in `files`:

- `attach_file` stores a copy of a file under `<library>/files/<item key>/`, named
  `{first creator} - {year} - {title}.pdf` by `files.attachment_name`, or links it where it is.
- `import_pdfs` makes items out of PDFs (`citelib.pdf.recognise`) and attaches each PDF to its
  item, or to the library item it duplicates, in one transaction.
- `find_same_file` / `same_file_elsewhere`: the same content (SHA-256) attached elsewhere.
- `resolve_path`, `is_missing`, `missing_files`, `relink`, `relink_by_folder`: files that moved.
- `sync_stored_names` renames stored files after their item's metadata changed (or an edit was
  undone or redone) and updates their rows.
- `orphaned_files` / `sweep_orphans`: stored files no row (nor the undo history) names any more.

What a row holds: a stored file's `path` is relative to the library folder, with `/` on every
OS (`files/AB12CD34/Smith - 2020 - Title.pdf`), so rows survive a library moved to another
folder or machine, and a merge (which moves rows, never files: see `merging`) keeps pointing at
the file under the folder of the item that stored it. A linked file's `path` is absolute. Both
record the file's SHA-256, size and sniffed content type.

Undo and files: undoing an attach removes the row and leaves the stored copy on disk, so a redo
finds it again; nothing is ever deleted by an undo. A stored file no row and no step of the undo
or redo history names is an orphan; `sweep_orphans` moves orphans into `<library>/files/.trash/`
(never deletes them), for a caller to run when no undo can bring the rows back (at close, or
from `check --repair`). Attaching the same file again after an undo reuses the orphan.

Failures: a file that cannot be read or copied raises `files.AttachmentError` (its message names
the file) before anything is written; if the database write fails after a copy was made, the copy
is removed again. `import_pdfs` reports unreadable PDFs file by file and goes on with the others.

Paths that come from imported records (RIS `L1`, EndNote `%>`, EndNote XML `pdf-urls`) are kept
as text in `extra` by the readers and never reach this module: only a path the user chose does.
"""

from __future__ import annotations

import contextlib
import html
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

from sqlalchemy import Connection, and_, func, insert, select, update

from citelib.errors import InvalidValue, LibraryError, NotFound
from citelib.library import files
from citelib.library import rows as rowmap
from citelib.library.changes import Change
from citelib.library.files import AttachmentError
from citelib.model import Item, new_keys
from citelib.store import schema
from citelib.store.database import utc_now
from citelib.store.sqlite import dbapi, ids_in, next_rowid, texts_in

if TYPE_CHECKING:
    from citelib.formats import Problem
    from citelib.library.service import Library, _Tx
    from citelib.pdf import Recognised

Mode = Literal["stored", "linked"]
STORED: Final = "stored"
LINKED: Final = "linked"
# Kinds whose `path` names a file ("file" is what older rows and other tools call a stored one).
FILE_KINDS: Final = frozenset({STORED, LINKED, "file"})
# The tag an item made from a PDF gets when its metadata was guessed: visible, searchable
# (`tag:"Needs review"`), removable like any tag.
NEEDS_REVIEW: Final = "Needs review"
NOTE_HEADING: Final = "How citelib recognised this PDF"
TRASH_DIR: Final = ".trash"

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


class _HasPath(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def path(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class FileRecord:
    """An attachment that names a file (stored or linked), with its item's key and title."""

    id: int
    key: str
    item_id: int
    item_key: str
    item_title: str
    item_trashed: bool
    kind: str
    title: str
    path: str
    size: int | None
    sha256: str | None


# ---------------------------------------------------------------------------------- paths


def resolve_path(lib: Library, attachment: _HasPath) -> Path | None:
    """Where an attachment's file is: a stored file under the library folder (its row holds a
    path relative to it), a linked file as it is. None for a URL, a row with no path, or a
    stored path that would leave the library folder (`..`)."""
    return _resolve(lib.folder, attachment.kind, attachment.path)


def _resolve(folder: Path, kind: str, path: str | None) -> Path | None:
    if not path or kind not in FILE_KINDS:
        return None
    if kind == LINKED:
        return Path(path).expanduser()
    if Path(path).is_absolute():  # written by another tool; still a file of this library
        return Path(path)
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if not parts or ".." in parts:
        return None
    return folder.joinpath(*parts)


def is_missing(lib: Library, attachment: _HasPath) -> bool:
    """True if the attachment names a file (stored or linked) that is not there."""
    if attachment.kind not in FILE_KINDS:
        return False
    path = resolve_path(lib, attachment)
    return path is None or not path.is_file()


def _relative(lib: Library, path: Path) -> str:
    """A stored file's row path: relative to the library folder, `/`-separated."""
    try:
        return path.relative_to(lib.folder).as_posix()
    except ValueError:
        return str(path)


def _absolute(path: Path) -> Path:
    """The path made absolute without following links (the link is what the user chose)."""
    return Path(os.path.abspath(path.expanduser()))


def _stored_name(item: Item, source: Path) -> str:
    return files.attachment_name(item, source.suffix)


def _remove(paths: Sequence[Path]) -> None:
    """Take back copies made for a write that did not happen (their folders too, if empty)."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only succeeds when empty


# ---------------------------------------------------------------------------------- reading


def _file_records(conn: Connection, *where: Any) -> list[FileRecord]:
    a, i = schema.attachments, schema.items
    query = (
        select(
            a.c.id,
            a.c.key,
            a.c.item_id,
            i.c.key.label("item_key"),
            i.c.title.label("item_title"),
            i.c.trashed,
            a.c.kind,
            a.c.title,
            a.c.path,
            a.c.size,
            a.c.sha256,
        )
        .join(i, i.c.id == a.c.item_id)
        .where(a.c.kind.in_(sorted(FILE_KINDS)), a.c.path.is_not(None), *where)
        .order_by(a.c.item_id, a.c.date_added, a.c.id)
    )
    return [
        FileRecord(
            r.id,
            r.key,
            r.item_id,
            r.item_key,
            r.item_title or "",
            bool(r.trashed),
            r.kind,
            r.title or "",
            r.path,
            r.size,
            r.sha256,
        )
        for r in conn.execute(query)
    ]


def file_record(lib: Library, attachment_id: int) -> FileRecord:
    """One file attachment by id; NotFound if there is none (or it is a URL)."""
    with lib.db.read() as conn:
        found = _file_records(conn, schema.attachments.c.id == attachment_id)
    if not found:
        raise NotFound(f"no attached file {attachment_id}")
    return found[0]


def attachment_id(lib: Library, text: str) -> int:
    """An attachment named by its key (any case) or its id; NotFound if there is none."""
    a = schema.attachments
    with lib.db.read() as conn:
        found = conn.execute(select(a.c.id).where(a.c.key == text.strip().upper())).scalar()
        if found is None and text.strip().isdigit():
            found = conn.execute(select(a.c.id).where(a.c.id == int(text))).scalar()
    if found is None:
        raise NotFound(f"no attachment {text}")
    return int(found)


def find_same_file(
    lib: Library, sha256: str, *, exclude_item: int | None = None
) -> list[FileRecord]:
    """Every file attachment with this SHA-256 (any item, Trash included; not `exclude_item`'s),
    oldest first per item: where the same file is already in the library."""
    a = schema.attachments
    where: list[Any] = [a.c.sha256 == sha256.lower()]
    if exclude_item is not None:
        where.append(a.c.item_id != exclude_item)
    with lib.db.read() as conn:
        return _file_records(conn, *where)


def same_file_elsewhere(lib: Library, attachment_id: int) -> list[FileRecord]:
    """The other items' attachments with the same content as this one (what `attach_file`
    reports without refusing: the same PDF on two items is sometimes meant)."""
    record = file_record(lib, attachment_id)
    if not record.sha256:
        return []
    return find_same_file(lib, record.sha256, exclude_item=record.item_id)


def missing_files(lib: Library, item_ids: Sequence[int] | None = None) -> list[FileRecord]:
    """File attachments (of these items, or all) whose file is not where the row says."""
    where: list[Any] = []
    if item_ids is not None:
        where.append(ids_in(schema.attachments.c.item_id, item_ids))
    with lib.db.read() as conn:
        records = _file_records(conn, *where)
    return [r for r in records if is_missing(lib, r)]


# ---------------------------------------------------------------------------------- writing


@dataclass(slots=True)
class _NewRow:
    item_id: int
    kind: str
    title: str
    path: str
    content_type: str | None
    size: int | None
    sha256: str | None


def _insert_attachments(lib: Library, tx: _Tx, new: Sequence[_NewRow]) -> list[int]:
    """Insert attachment rows (saved for undo) and return their ids; the caller recounts."""
    if not new:
        return []
    conn = tx.conn
    a = schema.attachments
    first = next_rowid(conn, "attachments")
    ids = list(range(first, first + len(new)))
    tx.save(a, ids_in(a.c.id, ids))
    keys = lib._fresh_keys(conn, "attachments", len(new))
    now = utc_now()
    conn.execute(
        insert(a),
        [
            {
                "id": att_id,
                "key": key,
                "item_id": row.item_id,
                "kind": row.kind,
                "title": row.title,
                "path": row.path,
                "url": None,
                "content_type": row.content_type,
                "size": row.size,
                "sha256": row.sha256,
                "date_added": now,
            }
            for att_id, key, row in zip(ids, keys, new, strict=True)
        ],
    )
    return ids


def recount(conn: Connection, item_ids: Sequence[int]) -> None:
    """items.attachment_count from the rows themselves."""
    i, a = schema.items, schema.attachments
    conn.execute(
        update(i)
        .where(ids_in(i.c.id, item_ids))
        .values(
            attachment_count=select(func.count())
            .select_from(a)
            .where(a.c.item_id == i.c.id)
            .scalar_subquery()
        )
    )


def _require_item(conn: Connection, item_id: int) -> None:
    if conn.execute(select(schema.items.c.id).where(schema.items.c.id == item_id)).first() is None:
        raise NotFound(f"no item {item_id}")


def _same_on_item(conn: Connection, item_id: int, sha256: str) -> FileRecord | None:
    a = schema.attachments
    found = _file_records(conn, a.c.item_id == item_id, a.c.sha256 == sha256)
    return found[0] if found else None


def _referenced(conn: Connection, lib: Library, path: Path) -> bool:
    a = schema.attachments
    rel = _relative(lib, path)
    return (
        conn.execute(select(a.c.id).where(a.c.path.in_([rel, str(path)])).limit(1)).first()
        is not None
    )


def _reuse_orphan(
    conn: Connection, lib: Library, copied: files.StoredFile, name: str
) -> Path | None:
    """The file already called `name` beside a fresh copy, if it holds the same bytes and no
    row names it (an attach that was undone): the copy is then not needed."""
    twin = copied.path.parent / name
    if twin == copied.path or not twin.is_file() or _referenced(conn, lib, twin):
        return None
    try:
        if twin.stat().st_size != copied.size or files.sha256_of(twin) != copied.sha256:
            return None
    except (OSError, AttachmentError):
        return None
    return twin


def attach_file(
    lib: Library,
    item_id: int,
    path: Path | str,
    *,
    mode: Mode = "stored",
    title: str | None = None,
) -> Change:
    """Attach the file at `path` to item `item_id` in one undoable step.

    `mode="stored"` copies the file into `<library>/files/<item key>/` under the name
    `files.attachment_name` makes from the item's metadata (`name (2).pdf` if taken); the row
    records that path relative to the library folder. `mode="linked"` leaves the file where it
    is and records its absolute path. Either way the row gets the file's SHA-256, size and
    content type, the attachment's `title` (default: the file's own name), and the item's
    `attachment_count` is recounted. The returned Change names the item and, in `new_ids`, the
    new attachment.

    Refused with `AttachmentError` (nothing written, no copy left): a missing, unreadable or
    non-regular file, or the same content (SHA-256) already attached to this item. The same
    content on another item is allowed: see `same_file_elsewhere`. NotFound: no such item.
    Undo removes the row; the stored copy stays on disk for a redo (see `sweep_orphans`).
    """
    if mode not in (STORED, LINKED):
        raise InvalidValue(f"attach mode must be 'stored' or 'linked', not {mode!r}")
    source = _absolute(Path(path))
    st = files.check_source(source)
    item = lib.get_item(item_id)
    created: list[Path] = []
    if mode == STORED:
        name = _stored_name(item, source)
        copied = files.store_copy(source, lib.files_dir / item.key, name)
        created.append(copied.path)
        target, sha, size, content_type = (
            copied.path,
            copied.sha256,
            copied.size,
            copied.content_type,
        )
    else:
        name = source.name
        target, sha, size = source, files.sha256_of(source), st.st_size
        content_type = files.sniff_content_type(source)
    verb = "Attach" if mode == STORED else "Link"
    try:
        with lib._write(f"{verb} {source.name}") as tx:
            conn = tx.conn
            _require_item(conn, item_id)
            same = _same_on_item(conn, item_id, sha)
            if same is not None:
                shown = f" as {same.title!r}" if same.title else ""
                raise AttachmentError(
                    f"{source.name} is already attached to this item{shown}; not attached again.",
                    source,
                )
            if mode == STORED:
                twin = _reuse_orphan(conn, lib, copied, name)
                if twin is not None:
                    _remove(created)
                    created.clear()
                    target = twin
            i = schema.items
            tx.save(i, i.c.id == item_id, ("attachment_count",))
            row_path = _relative(lib, target) if mode == STORED else str(target)
            new_row = _NewRow(
                item_id, mode, title or source.name, row_path, content_type, size, sha
            )
            (att_id,) = _insert_attachments(lib, tx, [new_row])
            recount(conn, [item_id])
            tx.items.add(item_id)
            tx.new_ids.append(att_id)
    except BaseException:
        _remove(created)
        raise
    return tx.result()


def relink(lib: Library, attachment_id: int, new_path: Path | str) -> Change:
    """Point a file attachment at `new_path` ("Locate..."), in one undoable step.

    A linked attachment takes the new absolute path; a stored one gets a fresh copy of the file
    in its folder (named from its item's metadata) and points to that. SHA-256, size and content
    type are those of the new file (an annotated copy of a PDF has other bytes). Refused with
    `AttachmentError` for a file that cannot be read, InvalidValue for a URL attachment.
    """
    source = _absolute(Path(new_path))
    st = files.check_source(source)
    a = schema.attachments
    with lib.db.read() as conn:
        row = conn.execute(select(a).where(a.c.id == attachment_id)).first()
    if row is None:
        raise NotFound(f"no attachment {attachment_id}")
    if row.kind not in FILE_KINDS:
        raise InvalidValue("only a stored or linked file can be relinked, not a URL")
    created: list[Path] = []
    if row.kind == LINKED:
        row_path = str(source)
        sha, size = files.sha256_of(source), st.st_size
        content_type = files.sniff_content_type(source)
    else:
        item = lib.get_item(row.item_id)
        old = _resolve(lib.folder, row.kind, row.path)
        folder = old.parent if old is not None else lib.files_dir / item.key
        copied = files.store_copy(source, folder, _stored_name(item, source))
        created.append(copied.path)
        row_path = _relative(lib, copied.path)
        sha, size, content_type = copied.sha256, copied.size, copied.content_type
    try:
        with lib._write(f"Relink {source.name}") as tx:
            if tx.conn.execute(select(a.c.id).where(a.c.id == attachment_id)).first() is None:
                raise NotFound(f"no attachment {attachment_id}")
            tx.save(a, a.c.id == attachment_id)
            tx.conn.execute(
                update(a)
                .where(a.c.id == attachment_id)
                .values(path=row_path, sha256=sha, size=size, content_type=content_type)
            )
            tx.items.add(row.item_id)
    except BaseException:
        _remove(created)
        raise
    return tx.result()


# ---------------------------------------------------------------------------------- relinking


@dataclass(frozen=True, slots=True)
class Relinked:
    """A missing linked file found again: `same_content` is False when only the name matched
    (an annotated or re-downloaded copy; the row now records the new file's hash and size)."""

    attachment_id: int
    item_id: int
    old_path: str
    new_path: Path
    same_content: bool


@dataclass(slots=True)
class RelinkReport:
    """What `relink_by_folder` did. `change` is None when nothing was written (nothing found,
    nothing missing, or cancelled: a cancelled search relinks nothing)."""

    relinked: list[Relinked] = field(default_factory=list)
    still_missing: list[FileRecord] = field(default_factory=list)
    missing_before: int = 0
    cancelled: bool = False
    change: Change | None = None


def relink_by_folder(
    lib: Library,
    folders: Sequence[Path | str],
    *,
    cancel: Cancel | None = None,
    progress: files.FolderProgress | None = None,
) -> RelinkReport:
    """Find missing linked files by name in `folders` (and below) and relink them all in one
    undoable step.

    Names are compared ignoring case and Unicode normalisation (`files.find_by_name`). Among
    several files of the right name, one with the recorded SHA-256 wins, then one of the
    recorded size; a file that is the exact match of one missing attachment is not given to
    another. A file with the right name but other bytes is still taken (PDF annotations change
    the bytes) and reported with `same_content=False`. Stored files are not searched for (they
    live in the library folder). A folder that does not exist raises `AttachmentError`.
    """
    missing = [r for r in missing_files(lib) if r.kind == LINKED]
    report = RelinkReport(missing_before=len(missing))
    if not missing:
        return report
    names = {_base_name(r.path) for r in missing}
    found = files.find_by_name(
        [Path(f).expanduser() for f in folders], names, cancel=cancel, progress=progress
    )
    if cancel is not None and cancel():
        report.cancelled = True
        report.still_missing = missing
        return report
    hashes: dict[Path, str | None] = {}

    def sha_of(p: Path) -> str | None:
        if p not in hashes:
            try:
                hashes[p] = files.sha256_of(p)
            except AttachmentError:
                hashes[p] = None
        return hashes[p]

    def size_of(p: Path) -> int | None:
        try:
            return p.stat().st_size
        except OSError:
            return None

    exact: dict[int, Path] = {}
    taken: set[Path] = set()
    for r in missing:
        for p in found.get(_base_name(r.path), []):
            if r.sha256 and size_of(p) == r.size and sha_of(p) == r.sha256 and p not in taken:
                exact[r.id] = p
                taken.add(p)
                break
    chosen: dict[int, tuple[Path, bool]] = {r_id: (p, True) for r_id, p in exact.items()}
    for r in missing:
        if r.id in chosen:
            continue
        candidates = [p for p in found.get(_base_name(r.path), []) if p not in taken]
        if not candidates:
            report.still_missing.append(r)
            continue
        same_size = [p for p in candidates if size_of(p) == r.size]
        chosen[r.id] = ((same_size or candidates)[0], False)
    if not chosen:
        return report

    updates: list[tuple[FileRecord, Path, bool, str | None, int | None, str]] = []
    for r in missing:
        if r.id not in chosen:
            continue
        p, same = chosen[r.id]
        try:
            sha = r.sha256 if same else sha_of(p)
            size = size_of(p)
            content_type = files.sniff_content_type(p)
        except AttachmentError:
            report.still_missing.append(r)
            continue
        updates.append((r, _absolute(p), same, sha, size, content_type))
    if not updates:
        return report
    a = schema.attachments
    n = len(updates)
    with lib._write("Relink file" if n == 1 else f"Relink {n} files") as tx:
        ids = [u[0].id for u in updates]
        tx.save(a, ids_in(a.c.id, ids))
        dbapi(tx.conn).executemany(
            "UPDATE attachments SET path = ?, sha256 = ?, size = ?, content_type = ? "
            "WHERE id = ? AND kind = ?",
            [(str(p), sha, size, ct, r.id, LINKED) for r, p, _, sha, size, ct in updates],
        )
        tx.items.update(u[0].item_id for u in updates)
    report.change = tx.result()
    report.relinked = [
        Relinked(r.id, r.item_id, r.path, p, same) for r, p, same, _, _, _ in updates
    ]
    return report


def _base_name(path: str) -> str:
    """The file name of a recorded path, whichever OS's separators it uses."""
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------------- renaming


@dataclass(frozen=True, slots=True)
class Renamed:
    attachment_id: int
    old_path: str
    new_path: str


@dataclass(slots=True)
class RenameReport:
    """What `sync_stored_names` did: files renamed (and rows updated), rows whose file could
    not be found, and renames that failed (id, message); the last two are left as they were."""

    renamed: list[Renamed] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


@contextmanager
def _untracked_write(lib: Library) -> Iterator[Connection]:
    """A write that is no undo step of its own (it follows one: the file names of the edit, undo
    or redo just made). It advances the library's change counter as every write must, and keeps
    the Library's own undo history valid only if nobody else wrote since its last write."""
    from citelib.library import service

    with lib._write_lock:
        with lib.db.write() as conn:
            before = service._change_counter(conn)
            yield conn
            counter = service._count_change(conn)
        if before == lib._counter:
            lib._counter = counter
        lib._account(before, counter)


def sync_stored_names(lib: Library, item_ids: Sequence[int]) -> RenameReport:
    """Rename the stored files of these items to what their metadata now says, and update the
    rows. Call it after every edit that can change a name (title, date, creators: update_item,
    set_field, set_creators, merge_items) and after undo and redo with the Change's items.

    Each file is found by its row's path; if that is gone (an undo or redo restored an older
    row while the file kept the newer name) by the file in the same folder with the row's
    SHA-256 that no other row names. It is then renamed (`files.rename_stored`: never over
    another file, `name (2).pdf` if taken) and the row updated, with no undo step of its own:
    the next undo or redo is followed by another sync. Files that cannot be found or renamed
    are reported and left as they are; nothing raises for them.
    """
    report = RenameReport()
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return report
    a = schema.attachments
    with lib.db.read() as conn:
        records = _file_records(conn, ids_in(a.c.item_id, ids), a.c.kind.in_([STORED, "file"]))
        if not records:
            return report
        items = {it.id: it for it in rowmap.load_items(conn, list({r.item_id for r in records}))}
    named: dict[Path, set[Path]] = {}  # folder -> the files rows name in it (as renamed)

    def named_in(folder: Path) -> set[Path]:
        if folder not in named:
            named[folder] = _named_in_folder(lib, folder)
        return named[folder]

    done: list[tuple[FileRecord, Path, Path]] = []  # record, from, to
    for r in records:
        item = items.get(r.item_id)
        recorded = _resolve(lib.folder, r.kind, r.path)
        if item is None or recorded is None:
            report.missing.append(r.id)
            continue
        current: Path | None = recorded
        if not recorded.is_file():
            current = _find_by_hash(recorded.parent, r, named_in(recorded.parent))
        if current is None:
            report.missing.append(r.id)
            continue
        try:
            target = files.rename_stored(current, _stored_name(item, current))
        except (AttachmentError, ValueError) as exc:
            report.failed.append((r.id, str(exc)))
            continue
        if target != current and current.parent in named:
            named[current.parent].discard(current)
            named[current.parent].add(target)
        if target != recorded:
            done.append((r, current, target))
    if not done:
        return report
    try:
        with _untracked_write(lib) as conn:
            for r, _, target in done:
                conn.execute(
                    update(a)
                    .where(and_(a.c.id == r.id, a.c.path == r.path))
                    .values(path=_relative(lib, target))
                )
    except BaseException:
        for _, before, after in reversed(done):  # back to the names the rows still hold
            if before != after:
                with contextlib.suppress(AttachmentError, ValueError):
                    files.rename_stored(after, before.name)
        raise
    report.renamed = [Renamed(r.id, r.path, _relative(lib, t)) for r, _, t in done]
    return report


def _named_in_folder(lib: Library, folder: Path) -> set[Path]:
    """The files that attachment rows name in one folder of the library."""
    a = schema.attachments
    prefix = _relative(lib, folder).rstrip("/") + "/"
    with lib.db.read() as conn:
        rows = conn.execute(
            select(a.c.kind, a.c.path).where(
                a.c.path.startswith(prefix, autoescape=True)
                | a.c.path.startswith(str(folder) + os.sep, autoescape=True)
            )
        ).all()
    return {p for kind, path in rows if (p := _resolve(lib.folder, kind, path)) is not None}


def _find_by_hash(folder: Path, record: FileRecord, taken: set[Path]) -> Path | None:
    """The file in `folder` with the record's size and SHA-256 that no row names."""
    if not record.sha256:
        return None
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return None
    for p in entries:
        if p in taken:
            continue
        try:
            if not p.is_file() or (record.size is not None and p.stat().st_size != record.size):
                continue
            if files.sha256_of(p) == record.sha256:
                return p
        except (OSError, AttachmentError):
            continue
    return None


# ---------------------------------------------------------------------------------- orphans


def _history_paths(lib: Library) -> set[Path]:
    """Stored paths in rows the undo or redo history may write back."""
    found: set[Path] = set()
    for step in [*lib.history.undo_stack, *lib.history.redo_stack]:
        for region, saved in zip(step.regions, step.rows, strict=False):
            if region.table is not schema.attachments:
                continue
            for row in saved:
                path = _resolve(lib.folder, row.get("kind") or "", row.get("path"))
                if path is not None:
                    found.add(path)
    return found


def orphaned_files(lib: Library) -> list[Path]:
    """Files under `<library>/files/<folder>/` that no attachment row names, nor any row the
    undo or redo history could restore. Hidden names (`.trash`, copies in progress) are not
    looked at."""
    a = schema.attachments
    with lib.db.read() as conn:
        rows = conn.execute(select(a.c.kind, a.c.path).where(a.c.path.is_not(None))).all()
    named = {p for kind, path in rows if (p := _resolve(lib.folder, kind, path)) is not None}
    named |= _history_paths(lib)
    named_keys = {os.path.normcase(os.path.abspath(p)) for p in named}
    out: list[Path] = []
    try:
        folders = sorted(lib.files_dir.iterdir())
    except OSError:
        return out
    for folder in folders:
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for p in entries:
            if p.name.startswith(".") or not p.is_file():
                continue
            if os.path.normcase(os.path.abspath(p)) not in named_keys:
                out.append(p)
    return out


def sweep_orphans(lib: Library) -> list[Path]:
    """Move `orphaned_files` into `<library>/files/.trash/<folder>/` (never deleting a byte)
    and return where they went. Run it when no undo can bring their rows back."""
    moved: list[Path] = []
    for p in orphaned_files(lib):
        folder = lib.files_dir / TRASH_DIR / p.parent.name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = _free_name(folder, p.name)
            os.rename(p, target)
        except OSError:
            continue
        moved.append(target)
        with contextlib.suppress(OSError):
            p.parent.rmdir()
    return moved


def _free_name(folder: Path, name: str) -> Path:
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    ext = f".{suffix}" if dot else ""
    candidate = folder / name
    n = 2
    while os.path.lexists(candidate):
        candidate = folder / f"{stem} ({n}){ext}"
        n += 1
    return candidate


# ---------------------------------------------------------------------------------- importing PDFs

Status = Literal["added", "attached", "already", "failed"]


@dataclass(frozen=True, slots=True)
class PdfOutcome:
    """What became of one file of `import_pdfs`.

    `status`: `added` (a new item with the PDF attached), `attached` (to the library item, or
    the item of an earlier file, it duplicates), `already` (the same file is already in the
    library or earlier in this import: nothing done), `failed` (`detail` says why; `error_kind`
    is the `PdfError.kind`, or `file` when the file could not be read or copied).
    """

    path: Path
    status: Status
    detail: str
    item_id: int | None = None
    item_key: str = ""
    attachment_id: int | None = None
    needs_review: bool = False
    error_kind: str | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    @property
    def message(self) -> str:
        """One line to show: the file's name and what happened."""
        return f"{self.path.name}: {self.detail}"


@dataclass(slots=True)
class PdfImportReport:
    """Per-file outcomes in the order given; `change` is None when nothing was written."""

    outcomes: list[PdfOutcome] = field(default_factory=list)
    change: Change | None = None
    cancelled: bool = False

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[PdfOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


@dataclass(slots=True)
class _Plan:
    """One readable PDF on its way in."""

    index: int
    path: Path  # as given
    source: Path  # absolute
    found: Recognised
    sha256: str
    size: int
    target: int | None = None  # the library item it goes to, if it duplicates one
    earlier: _Plan | None = None  # the earlier file of this import whose item it goes to
    reason: str = ""
    key: str = ""  # the key of the item the file goes to (new or existing)
    item: Item | None = None  # the metadata that names the stored file
    row: _NewRow | None = None
    new_index: int | None = None  # place among the new items
    attachment_id: int | None = None


def import_pdfs(
    lib: Library,
    paths: Sequence[Path | str],
    *,
    mode: Mode = "stored",
    tags: Sequence[str] = (),
    collection: int | str | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    passwords: Mapping[Path, str] | None = None,
) -> PdfImportReport:
    """Make items out of PDFs and attach each PDF, all in one undoable transaction.

    Each file is recognised offline (`citelib.pdf.recognise`: identifiers, metadata, page 1,
    the file name). A file that cannot be read (missing, zero bytes, not a PDF, damaged,
    encrypted with a password: see `passwords`) gets a `failed` outcome and the others go on.
    Then, per file, in order:
    - the same bytes (SHA-256) already attached to an item outside the Trash, or earlier in
      this import: `already`, nothing done (dropping the same PDF twice adds nothing);
    - an item that is a likely duplicate (`Library.find_duplicates`: same DOI, ISBN, or title,
      year and creator) of a library item, or of an earlier file's item: the PDF is attached to
      that item, `attached`;
    - otherwise a new item, `added`. When `Recognised.needs_review` (metadata guessed from the
      layout or the file name, or no identifier), the item is tagged `Needs review` and gets a
      child note "How citelib recognised this PDF" listing what was found where.
    `tags` and `collection` (an id, or a name found or created as `add_items` does) go to every
    item a PDF went to, new or existing.

    Stored copies (`mode="stored"`) are made before the transaction, into each item's folder
    under `files.attachment_name`; if the write fails, or `cancel()` is true before it, they
    are removed and nothing is written (a cancelled report has no outcomes). `progress(done,
    total)` is called after each file is read. The items, attachments, tags, note and
    collection links are one undo step.
    """
    from citelib.pdf import PdfError, recognise

    if mode not in (STORED, LINKED):
        raise InvalidValue(f"attach mode must be 'stored' or 'linked', not {mode!r}")
    given = [Path(p) for p in paths]
    total = len(given)
    outcomes: dict[int, PdfOutcome] = {}
    plans: list[_Plan] = []
    for n, path in enumerate(given):
        if cancel is not None and cancel():
            return PdfImportReport(cancelled=True)
        source = _absolute(path)
        try:
            password = (passwords or {}).get(path) or (passwords or {}).get(source)
            found = recognise(source, password=password)
            st = files.check_source(source)
            sha = files.sha256_of(source)
        except PdfError as exc:
            outcomes[n] = PdfOutcome(
                path, "failed", f"{exc.reason}; not imported", error_kind=exc.kind
            )
        except AttachmentError as exc:
            outcomes[n] = PdfOutcome(path, "failed", f"{exc}; not imported", error_kind="file")
        else:
            plans.append(_Plan(n, path, source, found, sha, st.st_size))
        if progress is not None:
            progress(n + 1, total)

    plans = _drop_known_files(lib, plans, outcomes)
    _match_duplicates(lib, plans)
    new_plans = _assign_targets(lib, plans)
    if cancel is not None and cancel():
        return PdfImportReport(cancelled=True)

    created: list[Path] = []
    try:
        keys = _free_item_keys(lib, len(new_plans))
        for plan, key in zip(new_plans, keys, strict=True):
            plan.key = key
        plans = _prepare_files(lib, plans, mode, created, outcomes)
        new_plans = [p for p in plans if p.earlier is None and p.target is None]
        if cancel is not None and cancel():
            _remove(created)
            return PdfImportReport(cancelled=True)
        change = _write_import(lib, plans, new_plans, tags, collection) if plans else None
    except BaseException:
        _remove(created)
        raise
    for plan in plans:
        outcomes[plan.index] = _outcome(plan)
    return PdfImportReport([outcomes[n] for n in sorted(outcomes)], change)


def _drop_known_files(
    lib: Library, plans: list[_Plan], outcomes: dict[int, PdfOutcome]
) -> list[_Plan]:
    """Leave out files already attached to an item outside the Trash, or met earlier."""
    a, i = schema.attachments, schema.items
    with lib.db.read() as conn:
        known: dict[str, tuple[int, str, str]] = {}
        for r in conn.execute(
            select(a.c.sha256, i.c.id, i.c.key, i.c.title)
            .join(i, i.c.id == a.c.item_id)
            .where(texts_in(a.c.sha256, [p.sha256 for p in plans]), i.c.trashed == 0)
            .order_by(a.c.date_added, a.c.id)
        ):
            known.setdefault(r.sha256, (r.id, r.key, r.title or ""))
    seen: dict[str, _Plan] = {}
    kept: list[_Plan] = []
    for plan in plans:
        if plan.sha256 in known:
            item_id, key, title = known[plan.sha256]
            outcomes[plan.index] = PdfOutcome(
                plan.path,
                "already",
                f"already in the library, attached to {key} {_quoted(title)}; nothing done",
                item_id=item_id,
                item_key=key,
                problems=tuple(plan.found.problems),
            )
        elif plan.sha256 in seen:
            first = seen[plan.sha256]
            outcomes[plan.index] = PdfOutcome(
                plan.path,
                "already",
                f"the same file as {first.path.name} in this import; nothing done",
            )
        else:
            seen[plan.sha256] = plan
            kept.append(plan)
    return kept


def _match_duplicates(lib: Library, plans: list[_Plan]) -> None:
    if not plans:
        return
    for dup in lib.find_duplicates([p.found.item for p in plans]):
        plan = plans[dup.index]
        plan.reason = dup.reason
        if dup.library_id is not None:
            plan.target = dup.library_id
        elif dup.earlier is not None:
            plan.earlier = plans[dup.earlier]


def _assign_targets(lib: Library, plans: list[_Plan]) -> list[_Plan]:
    """Resolve chains (a file whose earlier match went to a library item goes there too), load
    the library items files go to, and return the plans that make new items."""
    targets = {p.target for p in plans if p.target is not None}
    existing = {it.id: it for it in lib.get_items(sorted(targets))} if targets else {}
    new: list[_Plan] = []
    for plan in plans:
        first = plan.earlier
        while first is not None and first.earlier is not None:
            first = first.earlier
        if first is not None and first.target is not None:
            plan.target, plan.earlier = first.target, None
        else:
            plan.earlier = first
        if plan.target is not None:
            item = existing.get(plan.target)
            if item is None:  # gone since find_duplicates looked: a new item after all
                plan.target = None
            else:
                plan.item, plan.key = item, item.key
                continue
        if plan.earlier is None:
            new.append(plan)
    return new


def _free_item_keys(lib: Library, n: int) -> list[str]:
    """Item keys no item has now (checked again in the write), so files can be copied into
    their folders before the transaction."""
    if not n:
        return []
    i = schema.items
    out: list[str] = []
    with lib.db.read() as conn:
        while len(out) < n:
            batch = [k for k in dict.fromkeys(new_keys(n - len(out))) if k not in out]
            taken = set(conn.scalars(select(i.c.key).where(texts_in(i.c.key, batch))))
            out.extend(k for k in batch if k not in taken and not (lib.files_dir / k).exists())
    return out


def _prepare_file(
    lib: Library, plan: _Plan, mode: Mode, created: list[Path], outcomes: dict[int, PdfOutcome]
) -> bool:
    """Copy (or measure, for a link) the file of one plan; False (and a `failed` outcome) if
    that cannot be done."""
    if plan.target is None:
        owner = plan.earlier or plan
        plan.key = owner.key
        plan.item = owner.found.item
    assert plan.item is not None
    title = plan.path.name
    try:
        if mode == STORED:
            copied = files.store_copy(
                plan.source, lib.files_dir / plan.key, _stored_name(plan.item, plan.source)
            )
            created.append(copied.path)
            plan.row = _NewRow(
                0,
                STORED,
                title,
                _relative(lib, copied.path),
                copied.content_type,
                copied.size,
                copied.sha256,
            )
        else:
            content_type = files.sniff_content_type(plan.source)
            plan.row = _NewRow(
                0, LINKED, title, str(plan.source), content_type, plan.size, plan.sha256
            )
    except AttachmentError as exc:
        outcomes[plan.index] = PdfOutcome(
            plan.path, "failed", f"{exc}; not imported", error_kind="file"
        )
        return False
    return True


def _prepare_files(
    lib: Library,
    plans: list[_Plan],
    mode: Mode,
    created: list[Path],
    outcomes: dict[int, PdfOutcome],
) -> list[_Plan]:
    """Copy (or measure) each file in order; the plans that can go ahead. A file meant for the
    new item of an earlier file whose copy failed makes that item itself, under its key."""
    lost: set[int] = set()
    stand_in: dict[int, _Plan] = {}
    kept: list[_Plan] = []
    for plan in plans:
        while plan.earlier is not None and id(plan.earlier) in lost:
            gone = plan.earlier
            if id(gone) in stand_in:
                plan.earlier = stand_in[id(gone)]
                continue
            stand_in[id(gone)] = plan
            plan.earlier, plan.reason, plan.key = None, "", gone.key
        if _prepare_file(lib, plan, mode, created, outcomes):
            kept.append(plan)
        elif plan.target is None and plan.earlier is None:
            lost.add(id(plan))
    return kept


def _recognition_note(plan: _Plan) -> str:
    found = plan.found
    lines = [*found.notes, *(str(p) for p in found.problems)]
    listed = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    name = html.escape(plan.path.name)
    return f"<p>{NOTE_HEADING} ({name}):</p><ul>{listed}</ul>"


def _write_import(
    lib: Library,
    plans: list[_Plan],
    new_plans: list[_Plan],
    tags: Sequence[str],
    collection: int | str | None,
) -> Change:
    from citelib.library.service import _clean_tags

    extra = _clean_tags(tags)
    new_items: list[Item] = []
    for plan in new_plans:
        item = plan.found.item
        own = list(item.tags)
        if plan.found.needs_review:
            own.append(NEEDS_REVIEW)
            item.notes = [*item.notes, _recognition_note(plan)]
        item.tags = _clean_tags([*own, *extra])
        lib._validate(item)
        new_items.append(item)
        plan.new_index = len(new_items) - 1
    existing = sorted({p.target for p in plans if p.target is not None})
    n = len(plans)
    label = f"Import {plans[0].path.name}" if n == 1 else f"Import {n} PDFs"
    with lib._write(label) as tx:
        conn = tx.conn
        i = schema.items
        keys = [p.key for p in new_plans]
        if conn.execute(select(i.c.id).where(texts_in(i.c.key, keys)).limit(1)).first():
            raise LibraryError("another program added items at the same moment; try again")
        if existing:
            _require_items(conn, existing)
        names = sorted({t for it in new_items for t in it.tags} | set(extra))
        tx.save(schema.tags, texts_in(schema.tags.c.name, names))
        if existing:
            tx.save(i, ids_in(i.c.id, existing), ("attachment_count",))
        new_ids = _insert_items(lib, tx, new_items, keys)
        tag_ids = lib._ensure_tags(conn, names)
        for plan in new_plans:
            assert plan.new_index is not None
            plan.target = new_ids[plan.new_index]
        for plan in plans:
            if plan.target is None:
                assert plan.earlier is not None
                assert plan.earlier.target is not None
                plan.target = plan.earlier.target
        cur = dbapi(conn).cursor()
        if existing and extra:
            it = schema.item_tags
            tx.save(it, and_(ids_in(it.c.item_id, existing), _tag_rows_named(extra)))
            cur.executemany(
                "INSERT OR IGNORE INTO item_tags (item_id, tag_id) VALUES (?, ?)",
                [(item_id, tag_ids[t]) for item_id in existing for t in extra],
            )
            tx.fts.update(existing)
        if collection is not None and collection != "":
            collection_id = lib._collection_for_import(tx, collection)
            ci = schema.collection_items
            if existing:
                tx.save(
                    ci, and_(ids_in(ci.c.item_id, existing), ci.c.collection_id == collection_id)
                )
            cur.executemany(
                "INSERT OR IGNORE INTO collection_items (collection_id, item_id) VALUES (?, ?)",
                [(collection_id, item_id) for item_id in [*new_ids, *existing]],
            )
            tx.collections = True
        cur.close()
        rows: list[_NewRow] = []
        for plan in plans:
            assert plan.row is not None
            assert plan.target is not None
            plan.row.item_id = plan.target
            rows.append(plan.row)
        for plan, att_id in zip(plans, _insert_attachments(lib, tx, rows), strict=True):
            plan.attachment_id = att_id
        recount(conn, [*new_ids, *existing])
        tx.items.update(existing)
        tx.tags = tx.tags or bool(names)
    return tx.result()


def _tag_rows_named(names: Sequence[str]) -> Any:
    """item_tags rows of the tags with these names."""
    t, it = schema.tags, schema.item_tags
    return it.c.tag_id.in_(select(t.c.id).where(texts_in(t.c.name, names)))


def _require_items(conn: Connection, ids: Sequence[int]) -> None:
    i = schema.items
    found = set(conn.scalars(select(i.c.id).where(ids_in(i.c.id, ids))))
    for item_id in ids:
        if item_id not in found:
            raise NotFound(f"no item {item_id}")


def _insert_items(lib: Library, tx: _Tx, items: Sequence[Item], keys: Sequence[str]) -> list[int]:
    """New items (validated, tags cleaned) with the given keys, saved for undo; their search
    index rows are written when the transaction ends (`tx.fts`). The tags must be saved by the
    caller (it knows every name the write adds)."""
    if not items:
        return []
    conn = tx.conn
    now = utc_now()
    first = next_rowid(conn, "items")
    ids = list(range(first, first + len(items)))
    tx.save_items(ids)
    tag_ids = lib._ensure_tags(conn, sorted({t for it in items for t in it.tags}))
    note_keys = iter(lib._fresh_keys(conn, "notes", sum(len(it.notes) for it in items)))
    cur = dbapi(conn).cursor()
    columns = rowmap.ITEM_COLUMNS
    cur.executemany(
        f"INSERT INTO items ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [rowmap.item_tuple(it, i, k, now) for it, i, k in zip(items, ids, keys, strict=True)],
    )
    cur.executemany(
        "INSERT INTO creators (item_id, position, role, family, given, literal) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            row
            for it, i in zip(items, ids, strict=True)
            for row in rowmap.creator_tuples(i, it.creators)
        ],
    )
    cur.executemany(
        "INSERT OR IGNORE INTO item_tags (item_id, tag_id) VALUES (?, ?)",
        [(i, tag_ids[t]) for it, i in zip(items, ids, strict=True) for t in it.tags],
    )
    cur.executemany(
        "INSERT INTO notes (key, item_id, position, html, date_added, date_modified) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (next(note_keys), i, pos, note, now, now)
            for it, i in zip(items, ids, strict=True)
            for pos, note in enumerate(it.notes)
        ],
    )
    cur.close()
    tx.fts.update(ids)
    tx.added.update(ids)
    tx.new_ids.extend(ids)
    return ids


def _quoted(title: str) -> str:
    return f'"{title}"' if title else "(no title)"


def _outcome(plan: _Plan) -> PdfOutcome:
    found = plan.found
    att_id = plan.attachment_id
    problems = tuple(found.problems)
    if plan.new_index is not None:
        detail = f"new item {plan.key} {_quoted(found.item.title)}"
        if found.needs_review:
            reasons = [
                n.removeprefix("to review: ") for n in found.notes if n.startswith("to review: ")
            ]
            why = f": {'; '.join(reasons)}" if reasons else ""
            detail += f", tagged {NEEDS_REVIEW!r}{why}"
        return PdfOutcome(
            plan.path,
            "added",
            detail,
            plan.target,
            plan.key,
            att_id,
            found.needs_review,
            problems=problems,
        )
    owner = plan.item
    title = owner.title if owner is not None else ""
    if plan.earlier is not None:
        why = f"{plan.reason} as {plan.earlier.path.name}" if plan.reason else "a duplicate"
    else:
        why = plan.reason or "a duplicate"
    return PdfOutcome(
        plan.path,
        "attached",
        f"attached to the existing item {plan.key} {_quoted(title)} ({why})",
        plan.target,
        plan.key,
        att_id,
        problems=problems,
    )
