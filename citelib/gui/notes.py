"""An item's notes in the item pane: the list, Add and Delete, and a rich-text editor.

A note is saved when its editor loses focus, another note is chosen or the pane moves on, and
only if it was edited: opening a note never rewrites it. Notes are the one place of rich text
in the pane, in a `SafeTextDocument` that never loads anything from outside itself (no web
images, no local files); the list shows each note's first line as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from PySide6.QtCore import QByteArray, QObject, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFocusEvent,
    QFont,
    QImage,
    QKeySequence,
    QPainter,
    QTextCharFormat,
    QTextDocument,
    QTextListFormat,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextEdit,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from citelib.library import NoteInfo
from citelib.model import note_text

from .session import Session
from .widgets import SPACING, confirm, secondary_label

_NON_CONTENT = re.compile(r"<(head|style|script|title)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|pre|blockquote|tr)\s*>", re.I)
_BODY = re.compile(r"<body\b[^>]*>(.*)</body\s*>", re.I | re.S)
TITLE_LENGTH: Final = 200


def note_title(note_html: str) -> str:
    """A note's first line of text (its title in the list), as plain text."""
    for part in _BLOCK_END.split(_NON_CONTENT.sub("", note_html)):
        text = note_text(part)
        if text:
            return text[:TITLE_LENGTH]
    return ""


def body_html(document_html: str) -> str:
    """The content of a document Qt wrote, without the head and style sheet Qt adds."""
    found = _BODY.search(document_html)
    inner = found.group(1) if found else document_html
    return inner.removeprefix("\n")


def _blocked_image() -> QImage:
    """What an image from outside the note shows: a small grey frame."""
    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    painter = QPainter(image)
    painter.setPen(QColor(150, 150, 150))
    painter.drawRect(1, 1, 13, 13)
    painter.drawLine(1, 14, 14, 1)
    painter.end()
    return image


class SafeTextDocument(QTextDocument):
    """A rich-text document that loads nothing from outside itself.

    Only `data:` URLs are resolved. Everything else (`http:`, `file:`, `qrc:`, relative
    names) gets a placeholder: returning nothing is not enough, because Qt's image handler
    then reads local files itself. `blocked` lists the URLs that were refused.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.blocked: list[str] = []
        self._placeholder: QImage | None = None

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        url = QUrl(name) if isinstance(name, str) else name
        if url.scheme().lower() == "data":
            return super().loadResource(type, url)
        self.blocked.append(url.toString())
        if type == QTextDocument.ResourceType.ImageResource.value:
            if self._placeholder is None:
                self._placeholder = _blocked_image()
            return self._placeholder
        return QByteArray()


class NoteTextEdit(QTextEdit):
    """The rich-text editor of one note, on a `SafeTextDocument`.

    Signals:
        focus_lost(): focus went elsewhere (not to a popup such as the context menu).
    """

    focus_lost = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.safe_document = SafeTextDocument(self)
        self.setDocument(self.safe_document)
        self.setAcceptRichText(True)
        self.setTabChangesFocus(False)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        return None

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.focus_lost.emit()


class NotesEditor(QWidget):
    """An item's notes: a list (first line as title), Add and Delete, and the editor of the
    chosen note. A note is saved when the editor loses focus, another note is chosen or the
    pane moves on, and only if it was edited (opening a note never rewrites it)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.notes: list[NoteInfo] = []
        self._item_id: int | None = None
        self._read_only = False
        self._note_id: int | None = None
        self._loaded_html = ""
        self._loading = False

        self.add_button = QPushButton("Add Note", self)
        self.add_button.clicked.connect(self.add_note)
        self.delete_button = QPushButton("Delete Note", self)
        self.delete_button.clicked.connect(self.delete_note)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)

        self.list = QListWidget(self)
        self.list.setObjectName("notes")
        self.list.setUniformItemSizes(True)
        self.list.currentRowChanged.connect(self._row_changed)
        self.empty = secondary_label("No notes", self)

        self.editor = NoteTextEdit(self)
        self.editor.setObjectName("note-editor")
        self.editor.setMinimumHeight(160)
        self.editor.focus_lost.connect(self.commit_pending)
        self.toolbar = QToolBar(self)
        self.bold = self._format_action("B", "Bold", QKeySequence.StandardKey.Bold)
        self.italic = self._format_action("I", "Italic", QKeySequence.StandardKey.Italic)
        self.underline = self._format_action("U", "Underline", QKeySequence.StandardKey.Underline)
        self.bullets = self._format_action("•", "Bulleted List", "Ctrl+Shift+8")
        self.numbers = self._format_action("1.", "Numbered List", "Ctrl+Shift+7")
        self.bold.toggled.connect(self._set_bold)
        self.italic.toggled.connect(self.editor.setFontItalic)
        self.underline.toggled.connect(self.editor.setFontUnderline)
        self.bullets.triggered.connect(lambda: self._toggle_list(QTextListFormat.Style.ListDisc))
        self.numbers.triggered.connect(lambda: self._toggle_list(QTextListFormat.Style.ListDecimal))
        self._style_actions()
        self.editor.currentCharFormatChanged.connect(lambda _f: self._sync_actions())
        self.editor.cursorPositionChanged.connect(self._sync_actions)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        layout.addLayout(buttons)
        layout.addWidget(self.list)
        layout.addWidget(self.empty)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.editor)
        self._show_editor(False)

    # -------------------------------------------------------------- loading
    def load(self, item_id: int, notes: Sequence[NoteInfo], read_only: bool) -> None:
        """Show these notes; the open note stays open and keeps what is being typed."""
        if item_id != self._item_id:
            self._note_id = None
            self._loaded_html = ""
        self._item_id = item_id
        self._read_only = read_only
        self.notes = list(notes)
        self.add_button.setVisible(not read_only)
        self.delete_button.setVisible(not read_only)
        self.editor.setReadOnly(read_only)
        self.toolbar.setEnabled(not read_only)
        self._loading = True
        try:
            while self.list.count() > len(self.notes):
                self.list.takeItem(self.list.count() - 1)
            while self.list.count() < len(self.notes):
                self.list.addItem(QListWidgetItem())
            for row, note in enumerate(self.notes):
                entry = self.list.item(row)
                entry.setText(note_title(note.html) or "Untitled")
                entry.setData(Qt.ItemDataRole.UserRole, note.id)
            current = self._find(self._note_id)
            if current is None:
                self._note_id = None
                self.list.setCurrentRow(-1)
            else:
                self.list.setCurrentRow(self.notes.index(current))
                if current.html != self._loaded_html and not self._modified():
                    self._open(current)
        finally:
            self._loading = False
        self._fit_list()
        self.empty.setVisible(not self.notes)
        self._show_editor(self._note_id is not None)
        self.delete_button.setEnabled(self._note_id is not None)

    def open_note(self, note_id: int) -> None:
        """Show a note in the editor (saving the one open before)."""
        note = self._find(note_id)
        if note is not None:
            self.list.setCurrentRow(self.notes.index(note))

    @property
    def current_note_id(self) -> int | None:
        return self._note_id

    def _find(self, note_id: int | None) -> NoteInfo | None:
        return next((n for n in self.notes if n.id == note_id), None)

    def _row_changed(self, row: int) -> None:
        if self._loading:
            return
        # The note left is saved after the chosen one is open: the save reloads this editor,
        # which must then keep the new choice.
        pending = self._take_pending()
        note = self.notes[row] if 0 <= row < len(self.notes) else None
        self._note_id = note.id if note else None
        if note is not None:
            self._open(note)
        self._show_editor(note is not None)
        self.delete_button.setEnabled(note is not None)
        if pending is not None:
            self._save(*pending)

    def _open(self, note: NoteInfo) -> None:
        cursor_position = self.editor.textCursor().position() if note.id == self._note_id else 0
        self._loaded_html = note.html
        self.editor.setHtml(note.html)
        self.editor.document().setModified(False)
        cursor = self.editor.textCursor()
        last = max(0, self.editor.document().characterCount() - 1)
        cursor.setPosition(min(cursor_position, last))
        self.editor.setTextCursor(cursor)

    def _show_editor(self, shown: bool) -> None:
        self.editor.setVisible(shown)
        self.toolbar.setVisible(shown and not self._read_only)

    def _fit_list(self) -> None:
        rows = min(max(len(self.notes), 1), 6)
        height = self.list.sizeHintForRow(0) if self.notes else self.fontMetrics().height()
        frame = 2 * self.list.frameWidth()
        self.list.setFixedHeight(rows * max(height, 1) + frame + 2)
        self.list.setVisible(bool(self.notes))

    def _modified(self) -> bool:
        return self._note_id is not None and self.editor.document().isModified()

    # -------------------------------------------------------------- changes
    def commit_pending(self) -> None:
        """Save the open note if it was edited."""
        pending = self._take_pending()
        if pending is not None:
            self._save(*pending)

    def _take_pending(self) -> tuple[int, str] | None:
        """The open note's id and HTML if it was edited since it was opened or saved."""
        if self._read_only or not self._modified() or self._note_id is None:
            return None
        html = body_html(self.editor.toHtml())
        self.editor.document().setModified(False)
        self._loaded_html = html
        return self._note_id, html

    def _save(self, note_id: int, html: str) -> None:
        self.session.apply("Edit note", self.session.lib.update_note, note_id, html)

    def add_note(self) -> None:
        """Add an empty note and open it for typing."""
        if self._item_id is None or self._read_only:
            return
        self.commit_pending()
        change = self.session.apply("Add note", self.session.lib.add_note, self._item_id, "")
        if change is None or not change.new_ids:
            return
        self.open_note(change.new_ids[0])
        self.editor.setFocus()

    def delete_note(self) -> None:
        """Delete the open note, after asking."""
        if self._note_id is None or self._read_only:
            return
        note = self._find(self._note_id)
        title = note_title(note.html) if note else ""
        text = f"Delete the note “{title}”?" if title else "Delete this note?"
        if not confirm(self, "Delete Note", text, "", "Delete Note"):
            return
        note_id = self._note_id
        self.editor.document().setModified(False)
        self.session.apply("Delete note", self.session.lib.delete_note, note_id)

    # -------------------------------------------------------------- formatting
    def _format_action(
        self, text: str, tip: str, shortcut: QKeySequence.StandardKey | str
    ) -> QAction:
        action = QAction(text, self)
        action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.setCheckable(True)
        self.editor.addAction(action)
        self.toolbar.addAction(action)
        return action

    def _style_actions(self) -> None:
        """The B, I and U buttons show what they do."""
        for action, style in ((self.bold, "bold"), (self.italic, "italic"), (self.underline, "u")):
            button = self.toolbar.widgetForAction(action)
            if button is None:
                continue
            font = QFont(button.font())
            font.setBold(style == "bold")
            font.setItalic(style == "italic")
            font.setUnderline(style == "u")
            button.setFont(font)

    def _set_bold(self, on: bool) -> None:
        self.editor.setFontWeight(QFont.Weight.Bold if on else QFont.Weight.Normal)

    def _toggle_list(self, style: QTextListFormat.Style) -> None:
        cursor = self.editor.textCursor()
        current = cursor.currentList()
        if current is not None and current.format().style() == style:
            for index in range(current.count() - 1, -1, -1):
                block = current.item(index)
                if cursor.selectionStart() <= block.position() + block.length() - 1 and (
                    block.position() <= cursor.selectionEnd()
                ):
                    current.remove(block)
                    edit = self.editor.textCursor()
                    edit.setPosition(block.position())
                    fmt = block.blockFormat()
                    fmt.setIndent(0)
                    edit.setBlockFormat(fmt)
        elif current is not None:
            list_format = current.format()
            list_format.setStyle(style)
            current.setFormat(list_format)
        else:
            cursor.createList(style)
        self._sync_actions()

    def _sync_actions(self) -> None:
        fmt: QTextCharFormat = self.editor.currentCharFormat()
        current = self.editor.textCursor().currentList()
        style = current.format().style() if current is not None else None
        for action, on in (
            (self.bold, fmt.fontWeight() >= QFont.Weight.Bold.value),
            (self.italic, fmt.fontItalic()),
            (self.underline, fmt.fontUnderline()),
            (self.bullets, style == QTextListFormat.Style.ListDisc),
            (self.numbers, style == QTextListFormat.Style.ListDecimal),
        ):
            action.blockSignals(True)
            action.setChecked(bool(on))
            action.blockSignals(False)
