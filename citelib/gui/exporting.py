"""Exporting items to a file, and copying them to the clipboard as RIS, BibTeX or CSL-JSON.

`export_items(session, what, parent)` asks for a file and a format (one filter per format
citelib writes), then `write_export` writes it in a `Worker`. What is exported is a `Selection`:
ids already known (the table's selection), or every item of a scope matching a query (a
collection, a tag, the items shown, the whole library), whose ids are looked up in the worker so
a 100,000-item export never stalls the window. The items are read from the library in batches
as the writer goes (`Library.export_items`), counted for the progress window, and a cancel
raises inside that count. `write_file` writes to a temporary file that is renamed over
the target only at the end and removed on any error, so a cancelled or failed export leaves no
partial file (and an existing file as it was).

`copy_as(session, ids, format_name)` puts the items' text on the clipboard as `text/plain` plus
the format's own MIME type, which reference managers and editors accept on paste.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from citelib.errors import InvalidValue
from citelib.formats import FORMATS, get_format, write_file
from citelib.formats.citekeys import KeyParts
from citelib.gcpause import collector_paused
from citelib.library import Library, Scope
from citelib.model import Item

from .session import Session
from .widgets import plural
from .workers import Cancelled, Progress, Worker, WorkerFlow, WorkerProgressDialog

# Items written between two progress reports (each report is also where a cancel takes effect).
_REPORT_EVERY: Final = 250

# The MIME type each format is known by on the clipboard, beside text/plain.
CLIPBOARD_MIME: Final[dict[str, str]] = {
    "ris": "application/x-research-info-systems",
    "bibtex": "application/x-bibtex",
    "biblatex": "application/x-bibtex",
    "csljson": "application/vnd.citationstyles.csl+json",
}


def writer_formats() -> list[str]:
    """The names of the formats citelib can write, in registry order."""
    return [f.name for f in FORMATS.values() if f.write is not None]


def export_filters() -> dict[str, str]:
    """File-dialog filter text -> format name, one per writable format."""
    out = {}
    for name in writer_formats():
        fmt = FORMATS[name]
        patterns = " ".join(f"*{e}" for e in fmt.extensions)
        out[f"{fmt.label} ({patterns})"] = name
    return out


def target_for(path: Path, format_name: str) -> tuple[Path, str]:
    """The file and format to write, from the name typed and the filter chosen.

    An extension the chosen format uses keeps that format (`.bib` under BibLaTeX stays
    BibLaTeX, `.xml` under Word XML stays Word XML). Another writer's extension switches to
    that writer as the CLI does (`refs.ris` typed under the BibTeX filter is RIS, `.bib` is
    BibTeX, an XML file is Word's only when called Sources.xml); a name without a known
    extension, or another `.xml`, gets the chosen format's extension.
    """
    fmt = get_format(format_name)
    if fmt.write is None:
        raise InvalidValue(f"citelib cannot write {fmt.label} files")
    suffix = path.suffix.lower()
    if suffix in fmt.extensions:
        return path, format_name
    others = [f.name for f in FORMATS.values() if f.write is not None and suffix in f.extensions]
    if suffix == ".xml" and len(others) > 1:
        if path.name.casefold() == "sources.xml" and "word-xml" in others:
            return path, "word-xml"
    elif others:
        return path, others[0]
    return path.with_name(path.name + fmt.extensions[0]), format_name


@dataclass(frozen=True, slots=True)
class Selection:
    """Items to export: `ids` when they are known, else every item of `scope` matching `query`
    in the order `sort`/`descending` (looked up when the export runs). `name` describes them
    ("My Library", a collection's name) and `count`, when known, is how many there are."""

    ids: tuple[int, ...] | None = None
    query: str = ""
    fulltext: bool = False  # the query's mode "All Fields & Full Text"
    scope: Scope | None = field(default_factory=Scope)
    sort: str = "title"
    descending: bool = False
    name: str = ""
    count: int | None = None

    @classmethod
    def of(cls, ids: Sequence[int], name: str = "") -> Selection:
        return cls(ids=tuple(ids), name=name, count=len(ids))

    @property
    def known_count(self) -> int | None:
        return len(self.ids) if self.ids is not None else self.count

    def resolve(self, lib: Library) -> list[int]:
        """The ids to write, in order."""
        if self.ids is not None:
            return list(self.ids)
        return lib.item_ids(
            self.query,
            self.scope,
            sort=self.sort,
            descending=self.descending,
            fulltext=self.fulltext,
        )


def as_selection(what: Selection | Sequence[int]) -> Selection:
    return what if isinstance(what, Selection) else Selection.of(what)


_last_folder: Path | None = None


def export_title(count: int | None, what: str = "") -> str:
    """The file dialog's title: "Export My Library (120 items)", "Export 3 items"."""
    if count is None:
        return f"Export {what}" if what else "Export"
    items = plural(count, "item")
    return f"Export {what} ({items})" if what else f"Export {items}"


def choose_export_target(
    parent: QWidget | None, count: int | None, what: str = "", directory: Path | None = None
) -> tuple[Path, str] | None:
    """Ask where to export `count` items (described by `what`, say "My Library") and in which
    format (a blocking file dialog); None when the user cancels."""
    global _last_folder
    filters = export_filters()
    dialog = QFileDialog(parent, export_title(count, what))
    base = "".join(c for c in what if c.isalnum() or c in " -_").strip() or "references"
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setNameFilters(list(filters))
    folder = directory or _last_folder or Path.home()
    dialog.setDirectory(str(folder))
    dialog.selectFile(base + FORMATS[next(iter(filters.values()))].extensions[0])

    def on_filter(text: str) -> None:
        dialog.setDefaultSuffix(FORMATS[filters[text]].extensions[0].lstrip("."))

    dialog.filterSelected.connect(on_filter)
    on_filter(next(iter(filters)))
    if not dialog.exec() or not dialog.selectedFiles():
        return None
    path = Path(dialog.selectedFiles()[0])
    _last_folder = path.parent
    return target_for(path, filters.get(dialog.selectedNameFilter(), "csljson"))


class _CountedItems:
    """A library's export items, reporting progress every few items as a writer takes them.
    Keeps what writers look for in their source: its length and `key_parts()`."""

    def __init__(self, lib: Library, ids: Sequence[int], progress: Progress) -> None:
        self._items = lib.export_items(list(ids))
        self._progress = progress

    def __len__(self) -> int:
        return len(self._items)

    def key_parts(self) -> list[KeyParts]:
        return self._items.key_parts()

    def __iter__(self) -> Iterator[Item]:
        total = len(self._items)
        self._progress(0, total)
        for done, item in enumerate(self._items, start=1):
            yield item
            if done % _REPORT_EVERY == 0:
                self._progress(done, total)
        self._progress(total, total)


def write_items(
    lib: Library,
    what: Selection | Sequence[int],
    path: Path,
    format_name: str,
    progress: Progress,
) -> int:
    """Write the items to `path` atomically, reporting progress; the number written. Runs in
    a Worker; `Cancelled` raised by `progress` leaves no file behind."""
    progress(0, 0)  # busy while a query's ids are looked up
    ids = as_selection(what).resolve(lib)
    write_file(path, _CountedItems(lib, ids, progress), format_name)
    return len(ids)


class ExportFlow(WorkerFlow):
    """One export being written.

    Signals:
        exported(Path): the file was written.
        finished(str): the export is over, whatever happened; the outcome for a status bar.
    """

    exported = Signal(object)

    def __init__(
        self,
        session: Session,
        what: Selection | Sequence[int],
        path: Path,
        format_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.selection = selection = as_selection(what)
        self.path = path
        self.format_name = format_name
        lib = session.lib
        self.worker = Worker(
            lambda progress: write_items(lib, selection, path, format_name, progress)
        )
        label = get_format(format_name).label
        count = selection.known_count
        items = plural(count, "item") if count is not None else selection.name or "items"
        self.progress = WorkerProgressDialog(
            self.worker, parent, "Export", f"Exporting {items} to {path.name} ({label})…"
        )
        self.worker.finished.connect(self._on_written)
        self.worker.failed.connect(self._on_failed)

    def _on_written(self, count: int) -> None:
        self.exported.emit(self.path)
        self._finish(f"Exported {plural(count, 'item')} to {self.path}.")

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self._finish(f"Export cancelled; {self.path.name} was not written.")
            return
        self.session.report("Export", error)
        self._finish(f"Export failed; {self.path.name} was not written.")


def write_export(
    session: Session,
    what: Selection | Sequence[int],
    path: Path,
    format_name: str,
    parent: QWidget | None = None,
) -> ExportFlow:
    """Start writing the items to `path` in `format_name`; the flow, already running."""
    flow = ExportFlow(session, what, path, format_name, parent)
    flow.start()
    return flow


def export_items(
    session: Session,
    what: Selection | Sequence[int],
    parent: QWidget | None = None,
    name: str = "",
) -> ExportFlow | None:
    """Ask for a file and format, then export these items (the caller's selection,
    collection, tag or whole library, described in the dialog's title by the selection's
    name or `name`); None when there is nothing to export or the user cancels the dialog."""
    selection = as_selection(what)
    if name:
        selection = replace(selection, name=name)
    if selection.known_count == 0:
        return None
    target = choose_export_target(parent, selection.known_count, selection.name)
    if target is None:
        return None
    path, format_name = target
    return write_export(session, selection, path, format_name, parent)


def export_text(lib: Library, ids: Sequence[int], format_name: str) -> str:
    """The items as text in a format (for the clipboard: meant for selections, not 100k)."""
    fmt = get_format(format_name)
    if fmt.write is None:
        raise InvalidValue(f"citelib cannot write {fmt.label}")
    out = io.StringIO()
    with collector_paused():
        fmt.write(lib.export_items(ids), out)
    return out.getvalue()


def copy_as(session: Session, ids: Sequence[int], format_name: str) -> bool:
    """Put the items on the clipboard as `format_name` (RIS, BibTeX...): `text/plain` plus the
    format's MIME type. Whether it worked (a failure is reported through the session)."""
    if not ids:
        return False
    try:
        text = export_text(session.lib, ids, format_name)
    except Exception as e:  # reported, never raised into Qt's event loop
        session.report(f"Copy as {format_name}", e)
        return False
    mime = QMimeData()
    mime.setText(text)
    kind = CLIPBOARD_MIME.get(format_name)
    if kind is not None:
        mime.setData(kind, text.encode("utf-8"))
    QApplication.clipboard().setMimeData(mime)
    return True
