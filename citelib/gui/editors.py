"""The editors of the item pane that are more than a line: creators, tags, attachments
(notes have a module of their own, `notes`).

Each editor shows one item's data and writes every change through `Session.apply`, so it is
one undoable step and every pane hears of it. After a change the pane calls `load` again with
what the library now holds; the editors keep the rows, the text being typed and the focus when
the library agrees with what they show, and rebuild only when it does not (an undo, say).

User text is plain text everywhere (labels use `Qt.TextFormat.PlainText`, no tooltip carries
it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from citelib.library import AttachmentInfo
from citelib.model import CREATOR_ROLES, Creator, CreatorRole

from .session import Session
from .widgets import (
    SPACING,
    QuietComboBox,
    RevertingLineEdit,
    plain_label,
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
def attachment_kind(kind: str) -> str:
    return ATTACHMENT_KIND_LABELS.get(kind, kind.capitalize() or "Attachment")


class AttachmentsView(QWidget):
    """An item's attachments, read-only: title, kind and where it is, as plain text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty = secondary_label("No attachments", self)
        self._rows: list[QWidget] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(SPACING)
        self._layout.addWidget(self.empty)

    def load(self, attachments: Sequence[AttachmentInfo]) -> None:
        for row in self._rows:
            row.hide()
            row.deleteLater()
        self._rows = [self._make_row(a) for a in attachments]
        for row in self._rows:
            self._layout.addWidget(row)
        self.empty.setVisible(not attachments)

    def texts(self) -> list[str]:
        """The text shown for each attachment (title, then details), for tests and a11y."""
        return [
            " | ".join(label.text() for label in row.findChildren(QLabel)) for row in self._rows
        ]

    def _make_row(self, attachment: AttachmentInfo) -> QWidget:
        row = QWidget(self)
        layout = QVBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        title = plain_label(attachment.title or attachment.path or attachment.url or "", row)
        font = QFont(title.font())
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        where = attachment.path or attachment.url or ""
        details = secondary_label(
            " — ".join(p for p in (attachment_kind(attachment.kind), where) if p), row
        )
        details.setWordWrap(True)
        for label in (title, details):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        return row
