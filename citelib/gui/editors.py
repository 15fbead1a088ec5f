"""The editors of the item pane that are more than a line: creators, tags, attachments
(notes have a module of their own, `notes`).

Each editor shows one item's data and writes every change through `Session.apply`, so it is
one undoable step and every pane hears of it. After a change the pane calls `load` again with
what the library now holds; the editors keep the rows, the text being typed and the focus when
the library agrees with what they show, and rebuild only when it does not (an undo, say).

The attachments (issue 5) are attached with Attach File… (a stored copy) or Link to File… (the
file stays where it is), each one undo step; a file that moved is marked "Missing" and Locate…
points the attachment to it again. Open hands a file to the system (asking first for one that
is not a PDF) and a URL to the browser only when `files.safe_url` accepts it, so `javascript:`,
`data:` and `file:` addresses are never opened.

User text is plain text everywhere (labels use `Qt.TextFormat.PlainText`, no tooltip carries
it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from PySide6.QtCore import QEvent, QMimeData, QObject, QStringListModel, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QFont, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from citelib.errors import CitelibError
from citelib.library import AttachmentInfo, Library, attaching, files
from citelib.model import CREATOR_ROLES, Creator, CreatorRole

from .pdfview import Thumbnailer, open_in_system_viewer
from .session import Session
from .widgets import (
    SPACING,
    QuietComboBox,
    RevertingLineEdit,
    plain_label,
    plural,
    secondary_label,
    tool_button,
)

ROLE_LABELS: Final[dict[str, str]] = {
    "author": "Author",
    "editor": "Editor",
    "seriesEditor": "Series Editor",
    "translator": "Translator",
    "bookAuthor": "Book Author",
    "contributor": "Contributor",
}
ATTACHMENT_KIND_LABELS: Final[dict[str, str]] = {
    "stored": "Stored file",
    "file": "Stored file",
    "linked": "Linked file",
    "link": "Link",
    "url": "Link",
}


def role_combo_width() -> int:
    """How wide a role menu must be to show every role; the label column is at least this."""
    probe = QComboBox()
    for role in CREATOR_ROLES:
        probe.addItem(ROLE_LABELS[role])
    width = probe.sizeHint().width()
    probe.deleteLater()
    return width


def local_time(stamp: str) -> str:
    """A stored UTC timestamp as local date and time; the text itself if it is no timestamp."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------------------------- text
class GrowingTextEdit(QPlainTextEdit):
    """Plain text that wraps and is as tall as its text, from `min_lines` to `max_lines`
    (then it scrolls): the item pane's multi-line fields, and the merge pane's values."""

    def __init__(
        self, parent: QWidget | None = None, *, min_lines: int = 1, max_lines: int = 8
    ) -> None:
        super().__init__(parent)
        self.min_lines = min_lines
        self.max_lines = max_lines
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().contentsChanged.connect(self._fit)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def lines_shown(self) -> float:
        """How many lines of text the editor is tall."""
        margins = self.contentsMargins()
        inner = self.height() - margins.top() - margins.bottom()
        text = inner - 2 * self.document().documentMargin() - 1
        return text / self.fontMetrics().lineSpacing()

    def _fit(self) -> None:
        """Be as tall as the text, within `min_lines` and `max_lines` (then scroll)."""
        text_height = 0.0
        block = self.document().begin()
        while block.isValid():
            text_height += self.blockBoundingRect(block).height()
            block = block.next()
        # The last block's rectangle holds the bottom margin. QPlainTextEdit scrolls unless
        # the blocks fit in its viewport less the top margin and one pixel.
        margin = self.document().documentMargin()
        line = self.fontMetrics().lineSpacing()
        text_height -= margin
        text_height = max(self.min_lines * line, min(text_height, self.max_lines * line))
        margins = self.contentsMargins()
        height = math.ceil(text_height + 2 * margin + 1) + margins.top() + margins.bottom()
        if height != self.height():
            self.setFixedHeight(height)


# ---------------------------------------------------------------------------------- creators
def split_literal(name: str) -> tuple[str, str]:
    """A single-field name as (family, given): Zotero splits at the last space."""
    name = name.strip()
    given, _, family = name.rpartition(" ")
    return family, given.strip()


def join_names(family: str, given: str) -> str:
    """A two-field name as one field, given name first (Zotero's order)."""
    return " ".join(p for p in (given.strip(), family.strip()) if p)


class CreatorRow(QWidget):
    """One creator: role menu, names (last + first, or one field), − and +, and a ⋯ menu with
    Move Up, Move Down and the switch between two fields and one (Zotero's layout: the names
    get the width, the buttons are small).

    Signals:
        changed(): something worth saving happened (a name finished, a role picked, a switch).
        add_requested(CreatorRow), remove_requested(CreatorRow): the + and − buttons.
        move_requested(CreatorRow, int): move by -1 (up) or +1 (down).
    """

    changed = Signal()
    add_requested = Signal(object)
    remove_requested = Signal(object)
    move_requested = Signal(object, int)

    def __init__(
        self,
        creator: Creator,
        label_width: int,
        read_only: bool,
        parent: QWidget | None = None,
        *,
        literal_mode: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.role = QuietComboBox(self)
        self.role.setObjectName("role")
        for role in CREATOR_ROLES:
            self.role.addItem(ROLE_LABELS[role], role)
        if creator.role in CREATOR_ROLES:
            self.role.setCurrentIndex(CREATOR_ROLES.index(creator.role))
        self.role.setFixedWidth(label_width)
        self.role.setEnabled(not read_only)
        self.role.activated.connect(lambda _index: self.changed.emit())

        self.family = self._name_edit("family", "Last", creator.family, read_only)
        self.given = self._name_edit("given", "First", creator.given, read_only)
        self.literal = self._name_edit("literal", "Name", creator.literal, read_only)

        self.remove = tool_button("−", "Remove creator", self)
        self.remove.setObjectName("remove")
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        self.add = tool_button("+", "Add creator after this one", self)
        self.add.setObjectName("add")
        self.add.clicked.connect(lambda: self.add_requested.emit(self))
        self.more = tool_button("⋯", "More", self)
        self.more.setObjectName("more")
        self.menu = QMenu(self)
        self.move_up = self.menu.addAction("Move Up")
        self.move_up.triggered.connect(lambda: self.move_requested.emit(self, -1))
        self.move_down = self.menu.addAction("Move Down")
        self.move_down.triggered.connect(lambda: self.move_requested.emit(self, 1))
        self.menu.addSeparator()
        self.switch = self.menu.addAction("")
        self.switch.triggered.connect(self.toggle_mode)
        self.more.setMenu(self.menu)
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setStyleSheet("QToolButton::menu-indicator { image: none; }")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        layout.addWidget(self.role)
        names = QHBoxLayout()
        names.setSpacing(2)
        for edit in (self.family, self.given, self.literal):
            names.addWidget(edit)
        layout.addLayout(names, 1)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(0)
        for button in (self.remove, self.add, self.more):
            button.setVisible(not read_only)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(
            lambda pos: None if read_only else self.menu.popup(self.mapToGlobal(pos))
        )
        self._literal_mode = creator.is_literal if literal_mode is None else literal_mode
        self._show_mode()

    def _name_edit(self, name: str, hint: str, value: str, read_only: bool) -> RevertingLineEdit:
        edit = RevertingLineEdit(self)
        edit.setObjectName(name)
        edit.setPlaceholderText(hint)
        edit.set_value(value)
        edit.setReadOnly(read_only)
        edit.finished.connect(lambda _text: self.changed.emit())
        return edit

    @property
    def literal_mode(self) -> bool:
        return self._literal_mode

    def creator(self) -> Creator:
        role: CreatorRole = self.role.currentData()
        if self._literal_mode:
            return Creator(literal=self.literal.text().strip(), role=role)
        return Creator(self.family.text().strip(), self.given.text().strip(), role=role)

    def is_empty(self) -> bool:
        c = self.creator()
        return not (c.family or c.given or c.literal)

    def name_edits(self) -> tuple[RevertingLineEdit, ...]:
        return (self.literal,) if self._literal_mode else (self.family, self.given)

    def focus_chain(self) -> list[QWidget]:
        """The row's widgets in Tab order."""
        return [
            self.role,
            self.family,
            self.given,
            self.literal,
            self.remove,
            self.add,
            self.more,
        ]

    def toggle_mode(self) -> None:
        """Switch between last/first and a single field, carrying the name across."""
        had_focus = any(e.hasFocus() for e in (self.family, self.given, self.literal))
        if self._literal_mode:
            family, given = split_literal(self.literal.text())
            self.family.setText(family)
            self.given.setText(given)
            self.literal.setText("")
        else:
            self.literal.setText(join_names(self.family.text(), self.given.text()))
            self.family.setText("")
            self.given.setText("")
        self._literal_mode = not self._literal_mode
        self._show_mode()
        if had_focus:
            self.name_edits()[0].setFocus()
        self.changed.emit()

    def mark_saved(self) -> None:
        """What the row shows is now what the library holds (Esc reverts to it)."""
        for edit in (self.family, self.given, self.literal):
            edit.value = edit.text()

    def set_move_enabled(self, up: bool, down: bool) -> None:
        self.move_up.setEnabled(up)
        self.move_down.setEnabled(down)

    def _show_mode(self) -> None:
        self.family.setVisible(not self._literal_mode)
        self.given.setVisible(not self._literal_mode)
        self.literal.setVisible(self._literal_mode)
        self.switch.setText(
            "Switch to Two Fields" if self._literal_mode else "Switch to Single Field"
        )


class CreatorsEditor(QWidget):
    """The creators of one item, one `CreatorRow` each, saved as a whole by `set_creators`
    (one undo step, "Edit Creators").

    A row added with + is not saved until a name is typed into it; saving happens only when the
    named creators (in order, with roles) differ from what the library holds.

    Signals:
        rows_changed(): rows were added, removed or reordered (the Tab order needs setting).
    """

    rows_changed = Signal()

    def __init__(self, session: Session, label_width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.label_width = label_width
        self.rows: list[CreatorRow] = []
        self._item_id: int | None = None
        self._saved: list[Creator] = []
        self._read_only = False
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)

    def load(self, item_id: int, creators: Sequence[Creator], read_only: bool) -> None:
        """Show these creators; rows in progress survive when the library agrees with them."""
        same_item = item_id == self._item_id and read_only == self._read_only
        self._item_id = item_id
        self._read_only = read_only
        saved = [Creator(c.family, c.given, c.literal, c.role) for c in creators]
        if same_item and self._named() == saved and self.rows:
            self._saved = saved
            for row in self.rows:
                row.mark_saved()
            return
        self._saved = saved
        self._rebuild(saved)

    def creators(self) -> list[Creator]:
        """The creators as shown (rows without a name left out)."""
        return self._named()

    def commit_pending(self) -> None:
        """Save a name being typed (before the pane shows another item)."""
        for row in self.rows:
            for edit in row.name_edits():
                if edit.is_dirty():
                    edit.value = edit.text()
        self._save()

    def _named(self) -> list[Creator]:
        return [row.creator() for row in self.rows if not row.is_empty()]

    def _rebuild(self, creators: Sequence[Creator]) -> None:
        focus = self._focus_position()
        for row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows = []
        shown = list(creators)
        if not shown and not self._read_only:
            shown = [Creator()]
        for creator in shown:
            self.rows.append(self._make_row(creator))
        self._relayout()
        if focus is not None:
            index, part = focus
            if self.rows:
                row = self.rows[min(index, len(self.rows) - 1)]
                target = row.findChild(QWidget, part)
                if target is None or not target.isVisibleTo(row):
                    target = row.name_edits()[0]
                target.setFocus()

    def _focus_position(self) -> tuple[int, str] | None:
        for index, row in enumerate(self.rows):
            for child in row.findChildren(QWidget):
                if child.hasFocus():
                    return index, child.objectName()
        return None

    def _make_row(self, creator: Creator, *, literal_mode: bool | None = None) -> CreatorRow:
        row = CreatorRow(
            creator, self.label_width, self._read_only, self, literal_mode=literal_mode
        )
        row.changed.connect(self._save)
        row.add_requested.connect(self._add_after)
        row.remove_requested.connect(self._remove)
        row.move_requested.connect(self._move)
        return row

    def _relayout(self) -> None:
        for row in self.rows:
            self._layout.removeWidget(row)
        for index, row in enumerate(self.rows):
            self._layout.addWidget(row)
            row.set_move_enabled(index > 0, index < len(self.rows) - 1)
            row.show()
        self.rows_changed.emit()

    def _add_after(self, row: CreatorRow) -> None:
        role: CreatorRole = row.role.currentData()
        new = self._make_row(Creator(role=role), literal_mode=row.literal_mode)
        self.rows.insert(self.rows.index(row) + 1, new)
        self._relayout()
        new.name_edits()[0].setFocus()

    def _remove(self, row: CreatorRow) -> None:
        index = self.rows.index(row)
        self.rows.remove(row)
        row.hide()
        row.deleteLater()
        if not self.rows:
            self.rows.append(self._make_row(Creator()))
        self._relayout()
        self.rows[min(index, len(self.rows) - 1)].name_edits()[0].setFocus()
        self._save()

    def _move(self, row: CreatorRow, delta: int) -> None:
        index = self.rows.index(row)
        target = index + delta
        if not 0 <= target < len(self.rows):
            return
        self.rows[index], self.rows[target] = self.rows[target], self.rows[index]
        self._relayout()
        self._save()

    def _save(self) -> None:
        if self._item_id is None or self._read_only:
            return
        creators = self._named()
        if creators == self._saved:
            return
        change = self.session.apply(
            "Edit creators", self.session.lib.set_creators, self._item_id, creators
        )
        if change is None:
            self._rebuild(self._saved)


# ---------------------------------------------------------------------------------- tags
class TagsEditor(QWidget):
    """An item's tags (A to Z, case ignored), each with a remove button, and a line to add
    one (Enter), completing from every tag in the library. The line stays ready for the next
    tag."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tags: list[str] = []
        self._item_id: int | None = None
        self._library_tags: list[str] | None = None
        self._rows: list[QWidget] = []

        self.input = QLineEdit(self)
        self.input.setObjectName("tag-input")
        self.input.setPlaceholderText("Add tag…")
        self.input.setClearButtonEnabled(True)
        self.completion_model = QStringListModel(self)
        self.completer = QCompleter(self.completion_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.input.setCompleter(self.completer)
        self.input.returnPressed.connect(self.add_typed)
        # Enter (or a click) in the completion list. Queued: QLineEdit puts the completion in
        # the line from its own slot (connected on focus in, so after this one) and the line
        # must be cleared after that.
        self.completer.activated.connect(
            self._completion_chosen, Qt.ConnectionType.QueuedConnection
        )
        self.input.installEventFilter(self)

        self.empty = secondary_label("No tags", self)
        self._list = QVBoxLayout()
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        layout.addWidget(self.empty)
        layout.addLayout(self._list)
        layout.addWidget(self.input)

    def load(self, item_id: int, tags: Sequence[str], read_only: bool) -> None:
        if item_id != self._item_id:
            self.input.clear()
        self._item_id = item_id
        self.input.setVisible(not read_only)
        self.empty.setVisible(not tags)
        shown = sorted(tags, key=lambda name: (name.casefold(), name))
        if shown == self.tags and len(self._rows) == len(shown) and self._rows:
            for row in self._rows:
                remove = row.findChild(QToolButton)
                if remove is not None:
                    remove.setVisible(not read_only)
            return
        self.tags = shown
        for row in self._rows:
            row.hide()
            row.deleteLater()
        self._rows = [self._make_row(name, read_only) for name in self.tags]
        for row in self._rows:
            self._list.addWidget(row)
        self._update_completions()

    def invalidate_completions(self) -> None:
        """The library's tags changed: read them again the next time they are needed."""
        self._library_tags = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.input and event.type() == QEvent.Type.FocusIn:
            self._update_completions()
        return super().eventFilter(watched, event)

    def _update_completions(self) -> None:
        if self._library_tags is None:
            if not self.input.hasFocus():
                return
            self._library_tags = [t.name for t in self.session.lib.tags()]
        own = set(self.tags)
        self.completion_model.setStringList([n for n in self._library_tags if n not in own])

    def _make_row(self, name: str, read_only: bool) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        label = plain_label(name, row)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(label)
        remove = tool_button("−", "Remove tag", row)
        remove.clicked.connect(lambda: self.remove(name))
        remove.setVisible(not read_only)
        layout.addWidget(remove)
        return row

    def add_typed(self) -> None:
        """Add the tag typed in the line (Enter), unless a completion is highlighted in the
        open list: the completer then reports that choice (`_completion_chosen`)."""
        popup = self.completer.popup()
        if popup is not None and popup.isVisible() and popup.currentIndex().isValid():
            return
        self._add(self.input.text())

    def _completion_chosen(self, text: object) -> None:
        if isinstance(text, str):
            self._add(text)

    def _add(self, text: str) -> None:
        name = text.strip()
        if not name or self._item_id is None:
            return
        if name in self.tags:
            self.input.clear()
            return
        change = self.session.apply("Add tag", self.session.lib.add_tags, [self._item_id], [name])
        if change is not None:
            self.input.clear()
            popup = self.completer.popup()
            if popup is not None:
                popup.hide()

    def remove(self, name: str) -> None:
        if self._item_id is None:
            return
        self.session.apply("Remove tag", self.session.lib.remove_tags, [self._item_id], [name])
        self.input.setFocus()


# ---------------------------------------------------------------------------------- attachments
PDF_CONTENT_TYPE: Final = "application/pdf"
FILE_FILTER: Final = "All Files (*);;PDF Files (*.pdf *.PDF)"
MISSING: Final = "Missing"
MISSING_TEXT: Final = f"{MISSING}: the file is not at this path"
MISSING_COLOUR: Final = QColor(190, 30, 30)
UNSAFE_URL_TIP: Final = "Only web addresses (http, https) and DOIs are opened"


def attachment_kind(kind: str) -> str:
    return ATTACHMENT_KIND_LABELS.get(kind, kind.capitalize() or "Attachment")


def is_file_attachment(attachment: AttachmentInfo) -> bool:
    """A stored or linked file (not a URL)."""
    return attachment.kind in attaching.FILE_KINDS and bool(attachment.path)


def is_pdf_attachment(attachment: AttachmentInfo) -> bool:
    """A stored or linked file that is a PDF, by its content type or its name."""
    if not is_file_attachment(attachment):
        return False
    content_type = (attachment.content_type or "").split(";")[0].strip().lower()
    return content_type == PDF_CONTENT_TYPE or (attachment.path or "").lower().endswith(".pdf")


def first_pdf(lib: Library, attachments: Sequence[AttachmentInfo]) -> AttachmentInfo | None:
    """The PDF the item pane shows: the first PDF attachment whose file is there, else the first
    PDF attachment (the PDF tab then says why it cannot be shown)."""
    pdfs = [a for a in attachments if is_pdf_attachment(a)]
    present = (a for a in pdfs if not attaching.is_missing(lib, a))
    return next(present, pdfs[0] if pdfs else None)


def size_text(size: int) -> str:
    """A file size as people read it: `812 bytes`, `34 KB`, `1.2 MB`."""
    if size < 1024:
        return plural(size, "byte")
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    raise AssertionError("unreachable")


def open_url(text: str) -> bool:
    """Open a URL field's text in the browser, only if `files.safe_url` accepts it (http, https,
    DOIs; never `javascript:`, `data:`, `file:` …). Whether it was handed over."""
    safe = files.safe_url(text)
    if safe is None:
        return False
    url = QUrl(safe)
    if not url.isValid() or url.scheme().lower() not in ("http", "https"):
        return False
    return QDesktopServices.openUrl(url)


def local_files(data: QMimeData) -> list[Path] | None:
    """The files a drag carries, when it carries only files on this computer: no folders, no
    web addresses (a drag of anything else is refused as a whole). None otherwise."""
    if not data.hasUrls():
        return None
    paths: list[Path] = []
    for url in data.urls():
        if not url.isLocalFile():
            return None
        path = Path(url.toLocalFile())
        if not path.is_file():
            return None
        paths.append(path)
    return list(dict.fromkeys(paths)) or None


def same_file_notice(records: Sequence[attaching.FileRecord]) -> str | None:
    """What to tell the user when a file just attached is already attached to other items."""
    items: dict[int, attaching.FileRecord] = {}
    for record in records:
        items.setdefault(record.item_id, record)
    if not items:
        return None
    first = next(iter(items.values()))
    title = f"“{first.item_title or 'Untitled'}”"
    if first.item_trashed:
        title += " (in the Trash)"
    others = len(items) - 1
    more = f" and {plural(others, 'other item')}" if others else ""
    return f"The same file is also attached to {title}{more}."


def attach_files(
    session: Session, item_id: int, paths: Sequence[Path], mode: attaching.Mode = "stored"
) -> tuple[list[int], list[str]]:
    """Attach files to an item, each one undo step ("Attach File" or "Link to File"). A file
    that cannot be attached (the same file twice on the item, say) is reported by the session
    and the others go on. The new attachments' ids, and notices for files that other items
    have too."""
    what = "Attach File" if mode == attaching.STORED else "Link to File"
    new: list[int] = []
    notices: list[str] = []
    for path in paths:
        change = session.apply(what, attaching.attach_file, session.lib, item_id, path, mode=mode)
        if change is None or not change.new_ids:
            continue
        new.extend(change.new_ids)
        try:
            notice = same_file_notice(attaching.same_file_elsewhere(session.lib, change.new_ids[0]))
        except CitelibError:
            notice = None
        if notice:
            notices.append(notice)
    return new, notices


class PdfThumbnail(Thumbnailer):
    """Page 1 of the item's PDF; a click (or Enter) asks for the PDF tab.

    Signals:
        clicked(): the thumbnail was clicked.
    """

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setAccessibleName("PDF, page 1")
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # it shows a picture, never text
        self.label.setToolTip("Page 1: click to read the PDF")
        self.label.setFrameShape(QFrame.Shape.Box)
        self.label.setLineWidth(1)
        self.label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class AttachmentRow(QWidget):
    """One attachment: its title, kind and where it is, and Open. A file that is not where the
    row says is marked "Missing" in words (not only in colour) with a Locate… button.

    Signals:
        open_requested(AttachmentRow), locate_requested(AttachmentRow): the buttons.
    """

    open_requested = Signal(object)
    locate_requested = Signal(object)

    def __init__(
        self,
        lib: Library,
        attachment: AttachmentInfo,
        read_only: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.attachment = attachment
        self.is_file = is_file_attachment(attachment)
        self.path = attaching.resolve_path(lib, attachment) if self.is_file else None
        self.missing = self.is_file and attaching.is_missing(lib, attachment)
        self.safe_url = None if self.is_file else files.safe_url(attachment.url or "")

        where = attachment.path if self.is_file else attachment.url
        name = Path(attachment.path).name if self.is_file and attachment.path else ""
        self.title = plain_label(attachment.title or name or where or "Untitled", self)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        details = [attachment_kind(attachment.kind)]
        if where:
            details.append(where)
        if self.is_file and attachment.size is not None and not self.missing:
            details.append(size_text(attachment.size))
        self.details = secondary_label(" — ".join(details), self)
        self.missing_label = plain_label(MISSING_TEXT, self)
        self.missing_label.setObjectName("missing")
        self.missing_label.setFont(font)
        palette = self.missing_label.palette()
        palette.setColor(self.missing_label.foregroundRole(), MISSING_COLOUR)
        self.missing_label.setPalette(palette)
        self.missing_label.setVisible(self.missing)
        texts = QVBoxLayout()
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(0)
        for label in (self.title, self.details, self.missing_label):
            # A path with no space in it must not widen the pane: it is cut at the edge
            # instead (and can still be selected). The policy first: word wrap marks it as
            # height-for-width, which a later policy would undo.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            texts.addWidget(label)

        self.open_button = QToolButton(self)
        self.open_button.setObjectName("open")
        self.open_button.setText("Open")
        self.open_button.clicked.connect(lambda: self.open_requested.emit(self))
        if self.is_file:
            self.open_button.setEnabled(not self.missing)
            self.open_button.setToolTip("Open with the system's program for this file")
        else:
            self.open_button.setEnabled(self.safe_url is not None)
            self.open_button.setToolTip(
                "Open in the web browser" if self.safe_url is not None else UNSAFE_URL_TIP
            )
        self.locate_button = QToolButton(self)
        self.locate_button.setObjectName("locate")
        self.locate_button.setText("Locate…")
        self.locate_button.setToolTip("Find the file and point the attachment to it")
        self.locate_button.clicked.connect(lambda: self.locate_requested.emit(self))
        self.locate_button.setVisible(self.missing and not read_only)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(2)
        buttons.addWidget(self.locate_button, 0, Qt.AlignmentFlag.AlignTop)
        buttons.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        layout.addLayout(texts, 1)
        layout.addLayout(buttons)

    def text(self) -> str:
        """What the row says (title | details | the missing mark), for tests and a11y."""
        labels = (self.title, self.details, self.missing_label)
        return " | ".join(label.text() for label in labels if not label.isHidden())


class AttachmentsView(QWidget):
    """An item's attachments: page 1 of its PDF at the top (a click shows the PDF tab), a row
    per attachment (`AttachmentRow`), and Attach File… (a stored copy) and Link to File… (the
    file stays where it is). Each attach, and each Locate…, is one undo step; an error (the
    same file twice on this item) is reported by the session. Items in the Trash are
    read-only: no attaching, no locating; opening still works.

    Signals:
        pdf_requested(): the thumbnail was clicked (show the PDF tab).
        notice(str): something to tell the user in passing (the same file is also attached to
            another item), for the status bar.
    """

    pdf_requested = Signal()
    notice = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.item_id: int | None = None
        self.read_only = False
        self.rows: list[AttachmentRow] = []
        self.pdf: AttachmentInfo | None = None
        self.pdf_path: Path | None = None
        # How a dropped file is attached (a preference may set it to "linked").
        self.drop_mode: attaching.Mode = attaching.STORED
        self.folder = Path.home()  # where the file dialogs start
        self._thumbnail_path: Path | None = None

        self.thumbnail = PdfThumbnail(self)
        self.thumbnail.clicked.connect(self.pdf_requested)
        self.empty = secondary_label("No attachments", self)
        self._list = QVBoxLayout()
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(SPACING * 2)
        self.attach_button = QPushButton("Attach File…", self)
        self.attach_button.setToolTip("Copy a file into the library and attach it")
        self.attach_button.clicked.connect(lambda: self.choose_files(attaching.STORED))
        self.link_button = QPushButton("Link to File…", self)
        self.link_button.setToolTip("Attach a file where it is, without copying it")
        self.link_button.clicked.connect(lambda: self.choose_files(attaching.LINKED))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.link_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        layout.addWidget(self.thumbnail, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.empty)
        layout.addLayout(self._list)
        layout.addLayout(buttons)

    def load(self, item_id: int, attachments: Sequence[AttachmentInfo], read_only: bool) -> None:
        """Show these attachments of item `item_id` (read again after every change)."""
        lib = self.session.lib
        self.item_id = item_id
        self.read_only = read_only
        for row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows = [AttachmentRow(lib, a, read_only, self) for a in attachments]
        for row in self.rows:
            row.open_requested.connect(self.open)
            row.locate_requested.connect(self.locate)
            self._list.addWidget(row)
        self.empty.setVisible(not attachments)
        self.attach_button.setVisible(not read_only)
        self.link_button.setVisible(not read_only)
        self.pdf = first_pdf(lib, attachments)
        self.pdf_path = attaching.resolve_path(lib, self.pdf) if self.pdf is not None else None
        shown = self.pdf_path if self.pdf_path is not None and self.pdf_path.is_file() else None
        if shown != self._thumbnail_path:
            self._thumbnail_path = shown
            self.thumbnail.hide()  # not the last item's page while this one's is drawn
            self.thumbnail.show_file(shown)

    def texts(self) -> list[str]:
        """The text shown for each attachment (title | details | missing), for tests and a11y."""
        return [row.text() for row in self.rows]

    # ------------------------------------------------------------------ actions
    def choose_files(self, mode: attaching.Mode) -> list[int]:
        """Ask for files and attach them (stored copies or links); the new attachments' ids."""
        if self.item_id is None or self.read_only:
            return []
        title = "Attach File" if mode == attaching.STORED else "Link to File"
        names, _ = QFileDialog.getOpenFileNames(self, title, str(self.folder), FILE_FILTER)
        if not names:
            return []
        paths = [Path(name) for name in names]
        self.folder = paths[0].parent
        return self.attach(paths, mode)

    def attach(self, paths: Sequence[Path], mode: attaching.Mode | None = None) -> list[int]:
        """Attach these files to the item shown (`drop_mode` unless told); the new ids."""
        if self.item_id is None or self.read_only:
            return []
        new, notices = attach_files(self.session, self.item_id, paths, mode or self.drop_mode)
        if notices:
            self.notice.emit(" ".join(notices))
        return new

    def open(self, row: AttachmentRow) -> bool:
        """Open an attachment: a file with the system's program (asking first for one that is
        not a PDF), a URL in the browser only if it is a safe one."""
        if row.is_file:
            return row.path is not None and open_in_system_viewer(row.path, self)
        return open_url(row.attachment.url or "")

    def locate(self, row: AttachmentRow) -> bool:
        """Ask where a missing file is now and point the attachment to it ("Locate File")."""
        if self.read_only or not row.is_file:
            return False
        old = row.path
        start = old.parent if old is not None and old.parent.is_dir() else self.folder
        name = Path(row.attachment.path or "").name
        suffix = Path(name).suffix
        filters = FILE_FILTER
        if suffix[1:].isalnum():
            filters = f"{suffix[1:].upper()} Files (*{suffix});;All Files (*)"
        chosen, _ = QFileDialog.getOpenFileName(
            self, f"Locate {name}" if name else "Locate File", str(start), filters
        )
        if not chosen:
            return False
        self.folder = Path(chosen).parent
        change = self.session.apply(
            "Locate File", attaching.relink, self.session.lib, row.attachment.id, Path(chosen)
        )
        return change is not None
