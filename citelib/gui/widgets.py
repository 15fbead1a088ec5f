"""Small pieces the window's panes and dialogs share.

User text is plain text everywhere: labels are made with `Qt.TextFormat.PlainText`, tooltips
that quote it are escaped (`plain_tooltip`), and the one confirmation dialog (`confirm`) shows
its question as plain text, names its button for the action and makes Cancel the default.
Editors that know the value they were given (`Reverting`: Esc puts it back, Enter or focus out
commits) and the item-id drags between the panes (`ids_from_mime`, `DropOnRows`) live here
too.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Final, Protocol

from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QIcon, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from citelib.library import CollectionInfo
from citelib.paths import resources_dir

ITEM_IDS_MIME: Final = "application/x-citelib-item-ids"
SPACING: Final = 6


# Our icon for each action, and the freedesktop theme name preferred where the desktop has one.
THEME_ICONS: Final[dict[str, str]] = {
    "new-item": "document-new",
    "new-collection": "folder-new",
    "import": "document-import",
    "export": "document-export",
    "undo": "edit-undo",
    "redo": "edit-redo",
}


def action_icon(name: str) -> QIcon:
    """The desktop theme's icon for an action where there is one (Linux), else ours from
    resources/icons (drawn for citelib, so Windows and macOS get the same set)."""
    ours = QIcon(str(resources_dir() / "icons" / f"{name}.svg"))
    theme = THEME_ICONS.get(name)
    if theme and QIcon.hasThemeIcon(theme):
        return QIcon.fromTheme(theme, ours)
    return ours


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 item`, `2,345 items` (`many` defaults to `one` + "s")."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def collection_paths(
    collections: Sequence[CollectionInfo], separator: str = "/"
) -> list[tuple[int, str]]:
    """(id, path from the top: `Parent/Child`) of every collection, in the order given."""
    by_id = {c.id: c for c in collections}
    out = []
    for c in collections:
        names = [c.name]
        parent, seen = c.parent_id, {c.id}
        while parent is not None and parent in by_id and parent not in seen:
            seen.add(parent)
            names.append(by_id[parent].name)
            parent = by_id[parent].parent_id
        out.append((c.id, separator.join(reversed(names))))
    return out


# ---------------------------------------------------------------------------------- plain text
def plain_label(
    text: str = "", parent: QWidget | None = None, *, selectable: bool = False
) -> QLabel:
    """A label that shows its text as typed: `<b>` stays `<b>`, never markup."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def secondary_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A plain label in the palette's dimmer text colour (hints, empty states)."""
    label = plain_label(text, parent)
    palette = label.palette()
    palette.setColor(label.foregroundRole(), palette.color(palette.ColorRole.PlaceholderText))
    label.setPalette(palette)
    return label


def plain_tooltip(text: str) -> str:
    """A tooltip showing `text` as typed: Qt reads tooltips that look like markup as HTML."""
    return f"<qt>{html.escape(text)}</qt>"


# ---------------------------------------------------------------------------------- controls
def tool_button(text: str, tip: str, parent: QWidget | None = None) -> QToolButton:
    """A small flat button as wide as it is tall (−, +, ⋯); `tip` is our own wording, never
    user text."""
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    metrics = button.fontMetrics()
    button.setFixedWidth(max(metrics.height(), metrics.horizontalAdvance(text)) + 6)
    button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
    return button


class QuietComboBox(QComboBox):
    """A combo box the mouse wheel does not change unless it has focus: scrolling a pane over a
    role or an item type must not edit the item."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


# ---------------------------------------------------------------------------------- asking
def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """A line of text from the user, or None if they cancelled. `label` must not hold user
    data (QInputDialog shows it as rich text); the editable `text` is plain."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    value = dialog.textValue()
    dialog.deleteLater()
    return value if accepted else None


def confirm_box(
    parent: QWidget | None, title: str, text: str, detail: str, action: str
) -> QMessageBox:
    """The question `confirm` asks, not yet shown: `text` as plain text (it may quote names),
    `detail` (fixed wording, may be empty) below it, a button named for the `action` and
    Cancel, the default."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    if detail:
        box.setInformativeText(detail)
    box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
    return box


def warn(
    parent: QWidget | None,
    title: str,
    text: str,
    icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
) -> None:
    """A message with an OK button, its text plain (messages quote titles, names, paths)."""
    box = QMessageBox(icon, title, "", QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.exec()


def confirm(parent: QWidget | None, title: str, text: str, detail: str, action: str) -> bool:
    """Ask before doing something (see `confirm_box`); True if the user chose `action`. The one
    confirmation of the GUI: "Delete the tag “x”?", detail, [Delete Tag] [Cancel]."""
    box = confirm_box(parent, title, text, detail, action)
    box.exec()
    chosen = box.clickedButton()
    accepted = chosen is not None and box.buttonRole(chosen) == QMessageBox.ButtonRole.AcceptRole
    box.deleteLater()
    return accepted


# ---------------------------------------------------------------------------------- editors
class _Editor(Protocol):
    """What `Reverting` needs of the editor it is mixed into."""

    value: str

    @property
    def finished(self) -> SignalInstance: ...
    def text(self) -> str: ...
    def show_text(self, text: str) -> None: ...
    def is_dirty(self) -> bool: ...
    def revert(self) -> None: ...
    def hasFocus(self) -> bool: ...
    def isReadOnly(self) -> bool: ...


class Reverting:
    """An editor that knows the value it was given: Esc puts it back, and `finish` (Enter or
    focus out, as the editor decides) emits `finished(str)` only when the text differs from it.

    Mixed into a Qt editor (before it in the bases) that defines `finished = Signal(str)`,
    `text()` and `show_text(text)`. `value` is updated to the new text before `finished` is
    emitted, so a second finish (Enter, then focus out) does not commit twice.
    """

    value: str = ""

    def set_value(self: _Editor, value: str, *, keep_typing: bool = True) -> None:
        """Show `value`; with `keep_typing`, not while the user is typing something else here
        (the value is then what Esc goes back to)."""
        typing = keep_typing and self.is_dirty() and self.hasFocus()
        self.value = value
        if not typing and self.text() != value:
            self.show_text(value)

    def is_dirty(self: _Editor) -> bool:
        return self.text() != self.value

    def revert(self: _Editor) -> None:
        self.show_text(self.value)

    def finish(self: _Editor) -> None:
        """Commit what was typed, if it differs from the value."""
        if self.isReadOnly() or not self.is_dirty():
            return
        self.value = self.text()
        self.finished.emit(self.value)

    def escape_reverts(self: _Editor, event: QKeyEvent) -> bool:
        """Revert on Esc when something was typed; whether the key was used (for
        `keyPressEvent`: an unused Esc goes on to close a dialog, say)."""
        if event.key() != Qt.Key.Key_Escape or not self.is_dirty():
            return False
        self.revert()
        event.accept()
        return True


class RevertingLineEdit(Reverting, QLineEdit):
    """A line edit that commits on Enter or focus out (`finished`) and reverts on Esc."""

    finished = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editingFinished.connect(self.finish)

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.setCursorPosition(0)

    def revert(self) -> None:
        super().revert()
        self.selectAll()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.escape_reverts(event):
            super().keyPressEvent(event)


# ---------------------------------------------------------------------------------- drags
def ids_from_mime(data: QMimeData, mime_type: str = ITEM_IDS_MIME) -> list[int] | None:
    """The ids a drag carries as a JSON list under `mime_type` (each once), or None if it
    carries none we can trust."""
    if not data.hasFormat(mime_type):
        return None
    try:
        value = json.loads(bytes(data.data(mime_type).data()).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        return None
    return list(dict.fromkeys(value))


class DropOnRows:
    """Drops onto a row of a model (never between rows), handed to `can_drop_on(data, parent)`
    and `drop_on(data, parent)`. Mixed into a Qt item model, before it in the bases."""

    def can_drop_on(self, data: QMimeData, parent: QModelIndex | QPersistentModelIndex) -> bool:
        raise NotImplementedError

    def drop_on(self, data: QMimeData, parent: QModelIndex | QPersistentModelIndex) -> bool:
        raise NotImplementedError

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction | Qt.DropAction.LinkAction

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        return self.can_drop_on(data, parent)

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        return self.can_drop_on(data, parent) and self.drop_on(data, parent)
