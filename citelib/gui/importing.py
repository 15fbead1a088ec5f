"""Importing reference files: read them off the GUI thread, preview, then add in one transaction.

`import_files(session, paths, parent)` runs the whole flow (`ImportFlow`):

1. The files are read in a `Worker` (a 100,000-record RIS file takes seconds), each with format
   detection, and the records are checked for likely duplicates of library items and of each
   other (`build_preview`, no Qt). A file that cannot be read is named with the reason and gives
   nothing; the other files are still previewed.
2. `ImportPreviewDialog` lists every record found: invalid ones in red with their problem (they
   cannot be imported), likely duplicates marked with what they duplicate. Like Zotero, which
   imports everything and merges later, duplicates stay checked but marked; "Skip likely
   duplicates" unchecks them. The user picks a collection (an existing one, none, or a new one;
   the caller's current collection to begin with) and tags for every item.
3. `Library.add_items` runs in a Worker; Cancel raises inside its progress callback, so the one
   transaction rolls back and the library is as it was. Its progress window is window-modal:
   an edit made meanwhile would wait on SQLite's write lock in the GUI thread. A successful
   import is broadcast with `session.publish`.

No traceback reaches the user: a file's error names the file and the reason, and anything
unexpected goes through `session.report` (logged in full to the library folder).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from citelib.errors import CitelibError
from citelib.formats import FORMATS, Problem, ReadResult, read_file
from citelib.library import Change, CollectionInfo, Library
from citelib.model import ITEM_TYPE_LABELS, Item, creator_summary, sort_key_title

from .session import Session, log_error
from .widgets import ask_text, collection_paths, plain_label, plain_tooltip, plural
from .workers import Cancelled, Flow, Progress, Worker, WorkerProgressDialog

AnyIndex = QModelIndex | QPersistentModelIndex

INVALID_COLOUR: Final = QColor(176, 0, 32)
DUPLICATE_COLOUR: Final = QColor(150, 90, 0)
# How many file-level notes the dialog lists before "and N more".
_MAX_NOTES: Final = 20


# ---------------------------------------------------------------------------- what was read
@dataclass(slots=True)
class PreviewRecord:
    """One record of an imported file as the preview shows it.

    `item` is None for an invalid record (it cannot be imported); `problems` are then its
    errors, else its warnings. `duplicate` says what it likely duplicates ("" if nothing).
    """

    item: Item | None
    path: Path
    line: int | None
    where: str
    problems: list[str] = field(default_factory=list)
    duplicate: str = ""
    checked: bool = True

    def status(self) -> str:
        if self.item is None:
            return "Invalid: " + "; ".join(self.problems)
        if self.duplicate:
            return self.duplicate
        if self.problems:
            return "Warning: " + "; ".join(self.problems)
        return ""


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file nothing was imported from, and why (the message names the file)."""

    path: Path
    message: str


@dataclass(slots=True)
class ImportPreview:
    """Every record of the files read, in file order, plus what went wrong with whole files."""

    paths: list[Path]
    records: list[PreviewRecord]
    unreadable: list[FileProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def read_paths(self) -> list[Path]:
        bad = {p.path for p in self.unreadable}
        return [p for p in self.paths if p not in bad]

    @property
    def invalid(self) -> int:
        return sum(1 for r in self.records if r.item is None)

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.records if r.duplicate)

    def summary(self) -> str:
        """`412 records in 2 files: 3 invalid, 5 likely duplicates`."""
        read = self.read_paths
        files = read[0].name if len(read) == 1 else plural(len(read), "file")
        text = f"{plural(len(self.records), 'record')} in {files}"
        parts = []
        if self.invalid:
            parts.append(f"{self.invalid:,} invalid")
        if self.duplicates:
            parts.append(plural(self.duplicates, "likely duplicate"))
        if parts:
            text += ": " + ", ".join(parts)
        if self.unreadable:
            n = len(self.unreadable)
            text += f"; {plural(n, 'file')} could not be read"
        return text


def file_sizes(paths: Sequence[Path]) -> list[int]:
    """Each file's size (0 when it cannot be read: its error comes when it is read)."""
    sizes = []
    for path in paths:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    return sizes


def read_total(sizes: Sequence[int]) -> int:
    """The progress units of reading files of these sizes: their bytes, and a twentieth more
    (at least 1) for the duplicate check that follows."""
    return sum(sizes) + max(1, sum(sizes) // 20)


def build_preview(lib: Library, paths: Sequence[Path], progress: Progress) -> ImportPreview:
    """Read every file and find the likely duplicates: the slow part of an import, run in a Worker.

    Reports progress in bytes read of all the files (`read_total`), block by block, then the
    duplicate check as the last step; `Cancelled` raised by `progress` stops the read at once.
    Per-file failures become `FileProblem`s; only a failure of the library itself raises.
    """
    sizes = file_sizes(paths)
    total = read_total(sizes)
    preview = ImportPreview(list(paths), [])
    valid: list[PreviewRecord] = []
    offset = 0
    for path, size in zip(paths, sizes, strict=True):
        progress(offset, total)

        def report(done: int, _size: int, base: int = offset, size: int = size) -> None:
            progress(base + min(done, size), total)

        offset += size
        try:
            result = read_file(path, progress=report)
        except Cancelled:
            raise
        except CitelibError as e:
            preview.unreadable.append(FileProblem(path, str(e)))
            continue
        except Exception as e:  # a reader bug must not lose the other files
            where = log_error(lib.folder, e)
            preview.unreadable.append(
                FileProblem(
                    path,
                    f"cannot read {path}: internal error: {type(e).__name__}: {e} "
                    f"(details in {where})",
                )
            )
            continue
        if result.records == 0:
            reasons = "; ".join(p.message for p in result.problems) or "no references found"
            preview.unreadable.append(FileProblem(path, f"{path}: {reasons}"))
            continue
        records, notes = _file_records(path, result)
        preview.records.extend(records)
        preview.notes.extend(notes)
        valid.extend(r for r in records if r.item is not None)
    progress(sum(sizes) + 1, total)  # past every file's bytes: the duplicate check
    if valid:
        items = [r.item for r in valid if r.item is not None]
        for dup in lib.find_duplicates(items):
            if dup.library_id is not None:
                title = dup.library_title or "(no title)"
                other = f"'{title}' ({dup.library_key})"
            else:
                earlier = valid[dup.earlier or 0]
                title = (earlier.item.title if earlier.item else "") or "(no title)"
                other = f"'{title}' ({earlier.where})"
            valid[dup.index].duplicate = f"Likely a duplicate of {other}: {dup.reason}"
    progress(total, total)
    return preview


def _file_records(path: Path, result: ReadResult) -> tuple[list[PreviewRecord], list[str]]:
    """One file's records, valid and invalid, in the order of their lines when the reader says
    them (else the valid ones first); warnings are attached to the record holding their line,
    and those that belong to no record are returned as notes."""
    name = path.name
    records = [
        PreviewRecord(
            item,
            path,
            result.lines[i] if i < len(result.lines) and result.lines[i] > 0 else None,
            result.where(i, name),
        )
        for i, item in enumerate(result.items)
    ]
    invalid: dict[tuple[int | None, int | None], PreviewRecord] = {}
    notes: list[str] = []
    for problem in result.errors:
        if problem.line is None and problem.record is None:
            notes.append(f"{name}: {problem.message}")
            continue
        key = (problem.line, problem.record)
        record = invalid.get(key)
        if record is None:
            where = f"{name}:{problem.line}" if problem.line else f"{name}: record {problem.record}"
            record = invalid[key] = PreviewRecord(None, path, problem.line, where, checked=False)
        record.problems.append(problem.message)
    records.extend(invalid.values())
    if all(r.line is not None for r in records):
        records.sort(key=lambda r: r.line or 0)
    _attach_warnings(records, result.warnings, name, notes)
    return records, notes


def _attach_warnings(
    records: list[PreviewRecord], warnings: Iterable[Problem], name: str, notes: list[str]
) -> None:
    lined = [r for r in records if r.line is not None]
    starts = [r.line or 0 for r in lined]
    ordered = starts == sorted(starts)
    for problem in warnings:
        k = bisect_right(starts, problem.line) - 1 if ordered and problem.line else -1
        if k >= 0:
            lined[k].problems.append(problem.message)
        else:
            notes.append(f"{name}: {problem}" if problem.line else f"{name}: {problem.message}")


# ---------------------------------------------------------------------------- the table model
class ImportPreviewModel(QAbstractTableModel):
    """The records of an import preview, a checkbox each (invalid records have none).

    Holds one `PreviewRecord` per row and computes the cells as they are painted, so 100,000
    records cost their list and nothing per cell. Sorting reorders a row permutation.

    Signals:
        checked_count_changed(int): how many records are checked now.
    """

    CHECK, TYPE, TITLE, CREATOR, YEAR, SOURCE, STATUS = range(7)
    HEADERS: Final = ("", "Type", "Title", "Creator", "Year", "Source", "Status")

    checked_count_changed = Signal(int)

    def __init__(self, records: list[PreviewRecord], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records = records
        self._order = list(range(len(records)))
        self._checked = sum(1 for r in records if r.checked and r.item is not None)
        style = QApplication.style()
        self._icons = {
            "invalid": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            "duplicate": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
            "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation),
        }

    # ---- reading
    def record(self, row: int) -> PreviewRecord:
        """The record shown in `row`."""
        return self._records[self._order[row]]

    @property
    def checked_count(self) -> int:
        return self._checked

    def checked_items(self) -> list[Item]:
        """The checked valid records' items, in file order (not the sorted order)."""
        return [r.item for r in self._records if r.checked and r.item is not None]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == self.CHECK:
            return "Import this record"
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.CHECK and self.record(index.row()).item is not None:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self.record(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(record, column)
        if role == Qt.ItemDataRole.CheckStateRole:
            if column != self.CHECK or record.item is None:
                return None
            return Qt.CheckState.Checked if record.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole:
            if record.item is None:
                return INVALID_COLOUR
            if record.duplicate and column == self.STATUS:
                return DUPLICATE_COLOUR
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == self.STATUS:
            return self._icon(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.SOURCE:
                where = str(record.path) + (f", line {record.line}" if record.line else "")
                return plain_tooltip(where)
            if column in (self.TITLE, self.STATUS):
                text = self._text(record, column)
                return plain_tooltip(text) if text else None
        return None

    def _text(self, record: PreviewRecord, column: int) -> str:
        item = record.item
        if column == self.SOURCE:
            return record.where
        if column == self.STATUS:
            return record.status()
        if item is None:
            return "(invalid record)" if column == self.TITLE else ""
        if column == self.TYPE:
            return ITEM_TYPE_LABELS.get(item.item_type, item.item_type)
        if column == self.TITLE:
            return item.title
        if column == self.CREATOR:
            return creator_summary(item.creators)
        if column == self.YEAR:
            year = item.year
            return str(year) if year is not None else ""
        return ""

    def _icon(self, record: PreviewRecord) -> QIcon | None:
        if record.item is None:
            return self._icons["invalid"]
        if record.duplicate:
            return self._icons["duplicate"]
        if record.problems:
            return self._icons["warning"]
        return None

    # ---- checking
    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            not index.isValid()
            or role != Qt.ItemDataRole.CheckStateRole
            or index.column() != self.CHECK
        ):
            return False
        record = self.record(index.row())
        if record.item is None:
            return False
        state = value.value if isinstance(value, Qt.CheckState) else value
        self._set(record, state == Qt.CheckState.Checked.value)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checked_count_changed.emit(self._checked)
        return True

    def set_checked(self, rows: Iterable[int], checked: bool) -> None:
        """Check or uncheck the records shown in these rows (invalid ones stay unchecked)."""
        changed = [row for row in rows if self._set(self.record(row), checked)]
        self._changed_rows(changed)

    def set_all_checked(self, checked: bool) -> None:
        self.set_checked(range(len(self._records)), checked)

    def set_duplicates_checked(self, checked: bool) -> None:
        """Check or uncheck every likely duplicate."""
        self.set_checked(
            (row for row in range(len(self._records)) if self.record(row).duplicate), checked
        )

    def _set(self, record: PreviewRecord, checked: bool) -> bool:
        if record.item is None or record.checked == checked:
            return False
        record.checked = checked
        self._checked += 1 if checked else -1
        return True

    def _changed_rows(self, rows: list[int]) -> None:
        if not rows:
            return
        top = self.index(min(rows), self.CHECK)
        bottom = self.index(max(rows), self.CHECK)
        self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.CheckStateRole])
        self.checked_count_changed.emit(self._checked)

    # ---- sorting
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column; records without a value in it (and invalid ones) go last either
        way, and equal records keep their file order. Source sorts by position: the files in
        the order they were read, each from its first line to its last."""
        key = self._sort_key(column)
        if key is None:
            return
        self.layoutAboutToBeChanged.emit()
        old_order = self._order
        keyed = [(key(record, n), n) for n, record in enumerate(self._records)]
        present = [(k, n) for k, n in keyed if k is not None]
        present.sort(key=lambda kn: kn[0], reverse=order == Qt.SortOrder.DescendingOrder)
        self._order = [n for _, n in present] + [n for k, n in keyed if k is None]
        new_rows = {n: row for row, n in enumerate(self._order)}
        old_indexes = self.persistentIndexList()
        new_indexes = [
            self.index(new_rows[old_order[index.row()]], index.column()) for index in old_indexes
        ]
        self.changePersistentIndexList(old_indexes, new_indexes)
        self.layoutChanged.emit()

    def _sort_key(self, column: int) -> Callable[[PreviewRecord, int], Any] | None:
        """The sort key of a column: a record (and its position in the files) to its value,
        None for no value."""

        def text(get: Callable[[Item], str]) -> Callable[[PreviewRecord, int], str | None]:
            return lambda r, _n: (get(r.item) or None) if r.item is not None else None

        if column == self.CHECK:
            return lambda r, _n: (not r.checked) if r.item is not None else None
        if column == self.TYPE:
            return text(lambda i: ITEM_TYPE_LABELS.get(i.item_type, i.item_type).casefold())
        if column == self.TITLE:
            return text(lambda i: sort_key_title(i.title))
        if column == self.CREATOR:
            return text(lambda i: creator_summary(i.creators).casefold())
        if column == self.YEAR:
            return lambda r, _n: r.item.year if r.item is not None else None
        if column == self.SOURCE:
            return lambda _r, n: n  # the records are held in the order they were read
        if column == self.STATUS:
            return lambda r, _n: (
                0 if r.item is None else 1 if r.duplicate else 2 if r.problems else 3
            )
        return None


# ---------------------------------------------------------------------------- the dialog
@dataclass(frozen=True, slots=True)
class ImportChoice:
    """What the user chose in the preview: the items to add, tags for all of them, and the
    collection (an existing collection's id, the name or `Parent/Child` path of a new one, or
    None)."""

    items: list[Item]
    tags: list[str]
    collection: int | str | None


def parse_tags(text: str) -> list[str]:
    """Comma-separated tags, blanks dropped, each once (the first spelling wins)."""
    tags: list[str] = []
    seen: set[str] = set()
    for part in text.split(","):
        tag = part.strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


class ImportPreviewDialog(QDialog):
    """The records found in the files, with their problems and likely duplicates, a checkbox
    each, and where the imported items go (collection, tags). Accepting it means "import the
    checked records"; `choice()` says what was chosen."""

    NEW_COLLECTION: Final = "New collection…"
    # The columns of a set width; Title shares the rest with Status (the last column).
    COLUMN_WIDTHS: Final = {
        ImportPreviewModel.CHECK: 28,
        ImportPreviewModel.TYPE: 110,
        ImportPreviewModel.CREATOR: 140,
        ImportPreviewModel.YEAR: 50,
        ImportPreviewModel.SOURCE: 120,
    }
    MIN_TITLE: Final = 200

    def __init__(
        self,
        preview: ImportPreview,
        collections: Sequence[CollectionInfo] = (),
        parent: QWidget | None = None,
        collection: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle("Import references")
        self.resize(1100, 640)
        self.model = ImportPreviewModel(preview.records, self)

        self.summary_label = plain_label(preview.summary(), selectable=True)
        font = self.summary_label.font()
        font.setBold(True)
        self.summary_label.setFont(font)
        self.problems_label = plain_label(self._problems_text(), selectable=True)
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet(f"color: {INVALID_COLOUR.name()}")
        self.problems_label.setVisible(bool(self.problems_label.text()))

        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # Status, often a long explanation (its tooltip has all of it), is the last column and
        # takes the width left over; Title gets a little under half the free width until the user
        # sizes a column. The records come in source order, which the Source arrow says.
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSortIndicator(ImportPreviewModel.SOURCE, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        for column, width in self.COLUMN_WIDTHS.items():
            self.view.setColumnWidth(column, width)
        self._user_sized = False
        self._fitting = False
        header.sectionResized.connect(self._on_section_resized)
        self.view.viewport().installEventFilter(self)

        self.toggle_action = QAction("Check or Uncheck Selected", self.view)
        self.toggle_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.toggle_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.toggle_action.triggered.connect(self.toggle_selected)
        self.view.addAction(self.toggle_action)

        self.skip_duplicates = QCheckBox("Skip likely duplicates")
        self.skip_duplicates.setToolTip(
            "Leave out the records marked as likely duplicates (they stay checked otherwise)"
        )
        self.skip_duplicates.setEnabled(preview.duplicates > 0)
        self.skip_duplicates.toggled.connect(self.set_skip_duplicates)
        check_all = QPushButton("Check All")
        check_all.clicked.connect(lambda: self.model.set_all_checked(True))
        uncheck_all = QPushButton("Uncheck All")
        uncheck_all.clicked.connect(lambda: self.model.set_all_checked(False))
        toggle_row = QHBoxLayout()
        toggle_row.addWidget(self.skip_duplicates)
        toggle_row.addStretch(1)
        toggle_row.addWidget(check_all)
        toggle_row.addWidget(uncheck_all)

        self.collection_box = QComboBox()
        self.collection_box.addItem("No collection", None)
        for collection_id, path in collection_paths(collections):
            self.collection_box.addItem(path, collection_id)
        self.collection_box.addItem(self.NEW_COLLECTION, None)
        self.collection_box.activated.connect(self._on_collection_activated)
        if collection is not None:
            self.collection_box.setCurrentIndex(max(self.collection_box.findData(collection), 0))
        self._collection_index = self.collection_box.currentIndex()
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText("Comma-separated; added to every imported item")
        form = QFormLayout()
        for text, field_widget in (
            ("&Collection:", self.collection_box),
            ("&Tags:", self.tags_edit),
        ):
            label = QLabel(text)
            label.setBuddy(field_widget)
            form.addRow(label, field_widget)

        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(toggle_row)
        layout.addLayout(form)
        layout.addWidget(buttons)

        self.model.checked_count_changed.connect(self._update_import_button)
        self._update_import_button(self.model.checked_count)

    # ---- columns
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.view.viewport():
            self._fit_title_column()
        return super().eventFilter(watched, event)

    def _fit_title_column(self) -> None:
        if self._user_sized:
            return
        header = self.view.horizontalHeader()
        others = sum(header.sectionSize(column) for column in self.COLUMN_WIDTHS)
        free = self.view.viewport().width() - others
        self._fitting = True
        try:
            header.resizeSection(ImportPreviewModel.TITLE, max(self.MIN_TITLE, free * 9 // 20))
        finally:
            self._fitting = False

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if not self._fitting and column != ImportPreviewModel.STATUS:
            self._user_sized = True

    # ---- what the user chose
    def choice(self) -> ImportChoice:
        data = self.collection_box.currentData()
        collection = data if isinstance(data, int | str) else None
        return ImportChoice(
            self.model.checked_items(), parse_tags(self.tags_edit.text()), collection
        )

    def set_skip_duplicates(self, skip: bool) -> None:
        """Uncheck (or check again) every likely duplicate."""
        if self.skip_duplicates.isChecked() != skip:
            self.skip_duplicates.setChecked(skip)  # comes back here through `toggled`
            return
        self.model.set_duplicates_checked(not skip)

    def toggle_selected(self) -> None:
        """Space: check the selected records, or uncheck them if all are checked."""
        rows = sorted({index.row() for index in self.view.selectionModel().selectedRows()})
        if not rows:
            return
        records = [self.model.record(row) for row in rows]
        check = any(r.item is not None and not r.checked for r in records)
        self.model.set_checked(rows, check)

    def set_new_collection(self, name: str) -> None:
        """Choose a collection that does not exist yet (made by the import), or the existing
        one with that path."""
        name = name.strip().strip("/")
        if not name:
            self.collection_box.setCurrentIndex(self._collection_index)
            return
        existing = self.collection_box.findText(name, Qt.MatchFlag.MatchExactly)
        if existing > 0 and isinstance(self.collection_box.itemData(existing), int):
            self.collection_box.setCurrentIndex(existing)
        else:
            at = self.collection_box.count() - 1
            self.collection_box.insertItem(at, f"{name} (new)", name)
            self.collection_box.setCurrentIndex(at)
        self._collection_index = self.collection_box.currentIndex()

    def _on_collection_activated(self, index: int) -> None:
        if index != self.collection_box.count() - 1:
            self._collection_index = index
            return
        name = ask_text(
            self, "New collection", "Name of the new collection (Parent/Child nests it):"
        )
        if name is not None:
            self.set_new_collection(name)
        else:
            self.collection_box.setCurrentIndex(self._collection_index)

    def _update_import_button(self, count: int) -> None:
        self.import_button.setText(f"Import {count:,}" if count else "Import")
        self.import_button.setEnabled(count > 0)

    def _problems_text(self) -> str:
        lines = [f"Could not read {p.path.name}: {p.message}" for p in self.preview.unreadable]
        notes = self.preview.notes
        lines.extend(notes[:_MAX_NOTES])
        if len(notes) > _MAX_NOTES:
            lines.append(f"… and {len(notes) - _MAX_NOTES:,} more")
        return "\n".join(lines)


# ---------------------------------------------------------------------------- the flow
class ImportFlow(Flow):
    """One import from start to end: read (Worker), preview (dialog), add (Worker), broadcast.

    Signals:
        previewed(ImportPreviewDialog): the files were read and the preview is open.
        imported(Change): the items were added and `session.changed` was emitted.
        finished(str): the flow is over, whatever happened; the outcome for a status bar
            ("Imported 12 items from refs.ris.", "Import cancelled; nothing was added.").

    Attributes for the caller (and tests): `preview`, `dialog`, `message_box` (the message
    shown when no file could be read), `worker` (the running Worker), `progress` (its window).
    """

    previewed = Signal(object)
    imported = Signal(object)

    def __init__(
        self,
        session: Session,
        paths: Sequence[Path],
        parent: QWidget | None = None,
        collection: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.paths = list(dict.fromkeys(Path(p) for p in paths))  # a file dropped twice: once
        self._sizes = file_sizes(self.paths)
        self.collection = collection
        self.preview: ImportPreview | None = None
        self.dialog: ImportPreviewDialog | None = None
        self.message_box: QMessageBox | None = None
        self.worker: Worker | None = None
        self.progress: WorkerProgressDialog | None = None
        self._choice: ImportChoice | None = None

    def start(self) -> None:
        """Start reading the files (the flow keeps itself alive until it is finished)."""
        self.keep_alive()
        if not self.paths:
            self._finish("Nothing to import.")
            return
        lib, paths = self.session.lib, list(self.paths)
        worker = self.worker = Worker(lambda progress: build_preview(lib, paths, progress))
        self.progress = WorkerProgressDialog(
            worker, self.parent_widget, "Import", self._reading_label(0)
        )
        self.progress.cancel_requested.connect(self._on_read_cancel_clicked)
        worker.progress.connect(self._on_read_progress)
        worker.finished.connect(self._on_read)
        worker.failed.connect(self._on_read_failed)
        worker.start()

    def cancel(self) -> None:
        """Cancel whatever stage the flow is in. While reading, the flow ends at once (the
        thread finishes its file and its result is dropped); while adding, it ends when the
        transaction has rolled back."""
        if self.done:
            return
        if self.dialog is not None and self._choice is None:
            self.dialog.reject()
            return
        if self.worker is not None and self.worker.is_running():
            self.worker.cancel()
            if self._choice is None:
                self._stop_reading()

    # ---- reading
    def _reading_label(self, done: int) -> str:
        """What the progress window says when `done` units of `read_total` are read."""
        n = len(self.paths)
        ends = list(accumulate(self._sizes))
        if n == 0 or done > ends[-1]:
            return "Looking for likely duplicates…"
        index = min(bisect_right(ends, done), n - 1)
        name = self.paths[index].name
        return f"Reading {name}…" if n == 1 else f"Reading {name} ({index + 1} of {n})…"

    def _on_read_progress(self, done: int, total: int) -> None:
        if self.progress is None or self.done:
            return
        self.progress.setLabelText(self._reading_label(done))
        if done > sum(self._sizes):
            self.progress.setRange(0, 0)  # the duplicate check: no steps to show

    def _on_read_cancel_clicked(self) -> None:
        if self._choice is None and not self.done:
            self._stop_reading()

    def _stop_reading(self) -> None:
        if self.progress is not None:
            self.progress.finish()
        self._finish("Import cancelled; nothing was added.")

    def _on_read(self, preview: ImportPreview) -> None:
        if self.done:
            return  # cancelled while the last file was being read
        self.preview = preview
        if not preview.records:
            self._show_unreadable(preview)
            return
        try:
            collections = self.session.lib.collections()
        except Exception as e:  # reported, never raised into Qt's event loop
            self.session.report("Import", e)
            collections = []
        dialog = self.dialog = ImportPreviewDialog(
            preview, collections, self.parent_widget, self.collection
        )
        dialog.accepted.connect(self._on_accepted)
        dialog.rejected.connect(self._on_rejected)
        dialog.open()
        self.previewed.emit(dialog)

    def _show_unreadable(self, preview: ImportPreview) -> None:
        reasons = [p.message for p in preview.unreadable] or ["no references found"]
        box = self.message_box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Import",
            "Nothing was imported.\n\n" + "\n".join(reasons),
            QMessageBox.StandardButton.Ok,
            self.parent_widget,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.open()
        if len(reasons) == 1:
            self._finish(f"Nothing imported: {reasons[0]}")
        else:
            self._finish(f"Nothing imported: none of the {len(self.paths)} files could be read.")

    def _on_read_failed(self, error: BaseException) -> None:
        if self.done:
            return
        if isinstance(error, Cancelled):
            self._finish("Import cancelled; nothing was added.")
            return
        self.session.report("Import", error)
        self._finish("Import failed; nothing was added.")

    # ---- adding
    def _on_rejected(self) -> None:
        self._close_dialog()
        self._finish("Import cancelled; nothing was added.")

    def _on_accepted(self) -> None:
        assert self.dialog is not None
        choice = self._choice = self.dialog.choice()
        self._close_dialog()
        if not choice.items:
            self._finish("Nothing imported: no record was checked.")
            return
        lib, n = self.session.lib, len(choice.items)
        label = f"Import {n:,} item" if n == 1 else f"Import {n:,} items"

        def add(progress: Progress) -> Change:
            return lib.add_items(
                choice.items,
                tags=choice.tags,
                collection=choice.collection,
                label=label,
                progress=progress,
            )

        worker = self.worker = Worker(add)
        self.progress = WorkerProgressDialog(
            worker, self.parent_widget, "Import", f"Adding {n:,} items to the library…", modal=True
        )
        worker.finished.connect(self._on_imported)
        worker.failed.connect(self._on_import_failed)
        worker.start()

    def _on_imported(self, change: Change) -> None:
        self.session.publish(change)
        self.imported.emit(change)
        self._finish(self._imported_message(change))

    def _on_import_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self._finish("Import cancelled; the library was left as it was.")
            return
        self.session.report("Import", error)
        self._finish("Import failed; nothing was added.")

    def _imported_message(self, change: Change) -> str:
        preview, choice = self.preview, self._choice
        assert preview is not None
        assert choice is not None
        read = preview.read_paths
        files = read[0].name if len(read) == 1 else f"{len(read)} files"
        text = f"Imported {plural(len(change.items_added), 'item')} from {files}"
        chosen = {id(item) for item in choice.items}
        left_dups = sum(1 for r in preview.records if r.duplicate and id(r.item) not in chosen)
        left_other = sum(
            1
            for r in preview.records
            if r.item is not None and not r.duplicate and id(r.item) not in chosen
        )
        notes = []
        if preview.invalid:
            notes.append(f"{preview.invalid:,} invalid left out")
        if left_dups:
            notes.append(plural(left_dups, "likely duplicate") + " left out")
        if preview.duplicates - left_dups:
            n = preview.duplicates - left_dups
            notes.append(plural(n, "likely duplicate") + " imported")
        if left_other:
            notes.append(f"{left_other:,} unchecked left out")
        if preview.unreadable:
            notes.append(plural(len(preview.unreadable), "file") + " not read")
        return text + (f" ({'; '.join(notes)})." if notes else ".")

    # ---- ending
    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()


def import_files(
    session: Session,
    paths: Sequence[Path],
    parent: QWidget | None = None,
    collection: int | None = None,
) -> ImportFlow:
    """Start importing these files (any mix of formats) into the session's library, with
    `collection` chosen in the preview to begin with; the flow, already running."""
    flow = ImportFlow(session, paths, parent, collection)
    flow.start()
    return flow


def is_reference_file(path: Path) -> bool:
    """Whether the file's name says it holds references citelib reads (.ris, .bib, .xml...)."""
    suffix = path.suffix.lower()
    return any(suffix in f.extensions for f in FORMATS.values() if f.read is not None)


def droppable_paths(mime: QMimeData | None) -> list[Path]:
    """The local files (not folders) dragged in `mime`, for a drop that imports them."""
    if mime is None or not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.is_file()]


def import_filter() -> str:
    """The file dialog's filter: every readable extension, then one entry per format."""
    readers = [f for f in FORMATS.values() if f.read is not None]
    every = sorted({e for f in readers for e in f.extensions} | {".pdf"})
    entries = [f"Reference files and PDFs ({' '.join('*' + e for e in every)})"]
    entries += [f"{f.label} ({' '.join('*' + e for e in f.extensions)})" for f in readers]
    entries.append("PDF files (*.pdf)")
    entries.append("All files (*)")
    return ";;".join(entries)


def ask_import_files(parent: QWidget | None = None, directory: str = "") -> list[Path]:
    """Ask for files to import (a blocking file dialog); [] when the user cancels."""
    names, _ = QFileDialog.getOpenFileNames(parent, "Import references", directory, import_filter())
    return [Path(n) for n in names]
