"""The item pane: the right-hand side of the window, where one reference is read and edited.

Like Zotero's item pane it shows sections (Info with the creators, Tags, Notes, Attachments,
Collections) for the one item selected, "N items selected" for several, and "No item
selected" for none. Every edit is one `Session.apply` call, so it is undoable and every pane
hears of it; when the library changes (an undo, another pane) the shown item is read again and
updated in place, keeping the focus, what is being typed and the scroll position.

Items in the Trash are shown read-only under an "In the Trash" note. For a set of duplicates
the pane shows the merge pane instead (`show_merge`, `citelib.gui.merge`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Final

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QFont, QKeyEvent, QTextOption
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QScrollArea,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from citelib.errors import NotFound
from citelib.library import Change, CollectionInfo
from citelib.model import FIELD_LABELS, FIELDS, ITEM_TYPE_LABELS, ITEM_TYPES, TYPE_FIELDS, Item

from .editors import (
    AttachmentsView,
    CreatorsEditor,
    GrowingTextEdit,
    TagsEditor,
    local_time,
    role_combo_width,
)
from .merge import MergeView
from .notes import NotesEditor
from .session import Session
from .widgets import (
    SPACING,
    QuietComboBox,
    Reverting,
    RevertingLineEdit,
    collection_paths,
    plain_label,
    plural,
    secondary_label,
)

# Fields edited in a growing multi-line box rather than a line; the title is one too.
MULTILINE_FIELDS: Final = frozenset({"abstract", "extra"})
READ_ONLY_LABELS: Final = ("Date Added", "Modified", "Item Key")
NO_ITEM: Final = "No item selected"
IN_TRASH: Final = "In the Trash"
# How tall the title and the other multi-line fields grow before they scroll, in lines.
TITLE_LINES: Final = 4
MAX_TEXT_LINES: Final = 8


class FieldTextEdit(Reverting, GrowingTextEdit):
    """A multi-line field (abstract, extra): wraps, grows with its text from `min_lines` to
    `max_lines` (then scrolls), commits on focus out, Esc puts back the value it was given.
    Tab moves on, as in the line fields.

    Signals:
        finished(str): the text was committed and differs from the value given.
    """

    finished = Signal(str)

    def __init__(
        self, parent: QWidget | None = None, *, min_lines: int = 2, max_lines: int = 8
    ) -> None:
        super().__init__(parent, min_lines=min_lines, max_lines=max_lines)
        self.setTabChangesFocus(True)

    def text(self) -> str:
        return self.toPlainText()

    def show_text(self, text: str) -> None:
        self.setPlainText(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.escape_reverts(event):
            super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.finish()


class TitleTextEdit(FieldTextEdit):
    """The title: one paragraph that wraps, growing from one line to four (Zotero's title
    field). Enter commits (and keeps the focus), as in the line fields; a line break pasted in
    becomes a space."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, min_lines=1, max_lines=TITLE_LINES)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
            event.accept()
            return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasText():
            self.insertPlainText(" ".join(source.text().splitlines()))

    def selected_text(self) -> str:
        return self.textCursor().selectedText()


FieldEditor = RevertingLineEdit | FieldTextEdit  # a TitleTextEdit is a FieldTextEdit


class Section(QWidget):
    """A titled part of the pane (Info, Tags, …) whose header folds it away, as in Zotero 7."""

    def __init__(
        self, title: str, content: QWidget, parent: QWidget | None = None, *, rule: bool = True
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.content = content
        self.header = QToolButton(self)
        self.header.setObjectName("section-header")
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setAutoRaise(True)
        self.header.setArrowType(Qt.ArrowType.DownArrow)
        font = QFont(self.header.font())
        font.setBold(True)
        self.header.setFont(font)
        self.header.setText(title)
        self.header.clicked.connect(lambda: self.set_open(not self.is_open()))
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        line.setVisible(rule)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        layout.addWidget(line)
        layout.addWidget(self.header, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(content)

    def set_count(self, count: int | None) -> None:
        """Show a count after the title ("Tags (3)"); None for none."""
        self.header.setText(self.title if count is None else f"{self.title} ({count})")

    def is_open(self) -> bool:
        return self.header.arrowType() == Qt.ArrowType.DownArrow

    def set_open(self, open_: bool) -> None:
        """Unfold (show the content) or fold the section."""
        self.header.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.content.setVisible(open_)


def _form(parent: QWidget) -> QFormLayout:
    form = QFormLayout(parent)
    form.setContentsMargins(0, 0, 0, 0)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setHorizontalSpacing(SPACING)
    form.setVerticalSpacing(3)
    return form


class InfoSection(QWidget):
    """Item type, title, creators, every field of the type (and any other field the item
    holds), then the read-only dates and key. Each edit is one undo step named for it: a field
    through `Library.set_field` ("Edit Title"), the type through `Library.set_item_type`
    ("Change Item Type"), the creators through `Library.set_creators` ("Edit Creators")."""

    def __init__(self, session: Session, label_width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.label_width = label_width
        self.item: Item | None = None
        self.fields: dict[str, FieldEditor] = {}
        self.extra_fields: tuple[str, ...] = ()
        self._shape: tuple[tuple[str, ...], bool] | None = None
        self._read_only = False

        top = QWidget(self)
        top_form = _form(top)
        self.type_combo = QuietComboBox(top)
        self.type_combo.setObjectName("item-type")
        for item_type in ITEM_TYPES:
            self.type_combo.addItem(ITEM_TYPE_LABELS[item_type], item_type)
        self.type_combo.activated.connect(self._type_chosen)
        top_form.addRow(self._label("Item Type"), self.type_combo)
        title = self._make_editor("title")
        top_form.addRow(self._label(FIELD_LABELS["title"], top=True), title)
        self.fields["title"] = title

        self.creators = CreatorsEditor(session, label_width, self)
        self.creators.rows_changed.connect(self._set_tab_order)
        self._fields_box = QWidget(self)
        _form(self._fields_box)

        bottom = QWidget(self)
        bottom_form = _form(bottom)
        self.read_only_values: dict[str, QLabel] = {}
        for name in READ_ONLY_LABELS:
            value = plain_label("", bottom)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.read_only_values[name] = value
            bottom_form.addRow(self._label(name), value)

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(3)
        self._layout.addWidget(top)
        self._layout.addWidget(self.creators)
        self._layout.addWidget(self._fields_box)
        self._layout.addSpacing(SPACING)
        self._layout.addWidget(bottom)

    # -------------------------------------------------------------- loading
    def load(self, item: Item, read_only: bool) -> None:
        """Show `item`. For the item already shown, fields update in place and text being
        typed survives; the other fields are rebuilt only if the set of fields changed."""
        assert item.id is not None
        same = self.item is not None and self.item.id == item.id
        self.item = item
        self._read_only = read_only
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(item.item_type)))
        self.type_combo.setEnabled(not read_only)
        type_fields = TYPE_FIELDS.get(item.item_type, ())
        self.extra_fields = tuple(f for f in FIELDS if f in item.fields and f not in type_fields)
        shown = tuple(f for f in (*type_fields, *self.extra_fields) if f != "title")
        if (shown, read_only) != self._shape:
            self._rebuild(shown, read_only)
        for name, editor in self.fields.items():
            editor.setReadOnly(read_only)
            editor.set_value(item.get(name), keep_typing=same)
        self.creators.load(item.id, item.creators, read_only)
        self.read_only_values["Date Added"].setText(local_time(item.date_added))
        self.read_only_values["Modified"].setText(local_time(item.date_modified))
        self.read_only_values["Item Key"].setText(item.key)

    def title_text(self) -> str:
        """The title as shown (typed, perhaps, and not yet saved)."""
        return self.fields["title"].text()

    def commit_pending(self) -> None:
        """Save a field or creator name being typed (before the pane shows another item)."""
        for editor in self.fields.values():
            editor.finish()
        self.creators.commit_pending()

    def _rebuild(self, shown: tuple[str, ...], read_only: bool) -> None:
        """Lay out the fields again (another type, a field gained or lost), carrying over the
        focus and any text being typed."""
        old = self._fields_box
        focused = next((n for n, e in self.fields.items() if e.hasFocus()), None)
        typing = {n: e.text() for n, e in self.fields.items() if e.is_dirty()}
        box = QWidget(self)
        form = _form(box)
        for name in list(self.fields):
            if name != "title":
                # hiding a focused editor would commit from it in the middle of this
                self.fields.pop(name).blockSignals(True)
        for name in shown:
            editor = self._make_editor(name)
            self.fields[name] = editor
            label = self._label(FIELD_LABELS[name], top=name in MULTILINE_FIELDS)
            if name in self.extra_fields and self.item is not None:
                type_label = ITEM_TYPE_LABELS.get(self.item.item_type, self.item.item_type)
                label.setToolTip(f"Not a field of {type_label}; kept so no data is lost")
                font = QFont(label.font())
                font.setItalic(True)
                label.setFont(font)
            form.addRow(label, editor)
        self._layout.replaceWidget(old, box)
        self._fields_box = box
        old.hide()
        old.deleteLater()
        self._shape = (shown, read_only)
        if self.item is not None:
            for name, text in typing.items():
                if name in self.fields and name != "title":
                    self.fields[name].set_value(self.item.get(name))
                    self.fields[name].show_text(text)
        self._set_tab_order()
        if focused is not None and focused in self.fields:
            self.fields[focused].setFocus()

    def _set_tab_order(self) -> None:
        """Tab goes down the section as it looks: type, title, creators, fields (widgets made
        later, by a rebuild, would otherwise come last)."""
        chain: list[QWidget] = [self.type_combo, self.fields["title"]]
        chain += [w for row in self.creators.rows for w in row.focus_chain()]
        chain += [editor for name, editor in self.fields.items() if name != "title"]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _label(self, text: str, *, top: bool = False) -> QLabel:
        """A field's label; `top` for a field more than a line tall (level with its first)."""
        label = plain_label(text, self)
        label.setMinimumWidth(self.label_width)
        vertical = Qt.AlignmentFlag.AlignTop if top else Qt.AlignmentFlag.AlignVCenter
        label.setAlignment(Qt.AlignmentFlag.AlignRight | vertical)
        if top:
            label.setContentsMargins(0, 4, 0, 0)
        return label

    def _make_editor(self, name: str) -> FieldEditor:
        editor: FieldEditor
        if name == "title":
            editor = TitleTextEdit(self)
        elif name in MULTILINE_FIELDS:
            editor = FieldTextEdit(self, max_lines=MAX_TEXT_LINES)
        else:
            editor = RevertingLineEdit(self)
        editor.setObjectName(f"field:{name}")
        editor.finished.connect(lambda value: self._commit(name, value))
        return editor

    # -------------------------------------------------------------- changes
    def _commit(self, name: str, value: str) -> None:
        if self.item is None or self.item.id is None or self._read_only:
            return
        value = value.strip()
        if value == self.item.get(name):
            self.fields[name].set_value(value, keep_typing=False)
            return
        label = FIELD_LABELS.get(name, name)
        change = self.session.apply(
            f"Edit {label}", self.session.lib.set_field, self.item.id, name, value
        )
        if change is None:
            self.fields[name].set_value(self.item.get(name), keep_typing=False)

    def _type_chosen(self, index: int) -> None:
        new_type = self.type_combo.itemData(index)
        if self.item is None or self.item.id is None or new_type == self.item.item_type:
            return
        change = self.session.apply(
            "Change item type", self.session.lib.set_item_type, self.item.id, new_type
        )
        if change is None:
            self.type_combo.setCurrentIndex(self.type_combo.findData(self.item.item_type))


class ItemEditor(QWidget):
    """One item's sections, in the order Zotero shows them."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.item: Item | None = None
        self._collections: list[CollectionInfo] | None = None
        labels = (*FIELD_LABELS.values(), *READ_ONLY_LABELS, "Item Type")
        metrics = self.fontMetrics()
        label_width = max(
            max(metrics.horizontalAdvance(text) for text in labels) + SPACING,
            role_combo_width(),
        )

        self.trash_note = plain_label(IN_TRASH, self)
        self.trash_note.setObjectName("trash-note")
        self.trash_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.trash_note.setFrameShape(QFrame.Shape.StyledPanel)
        self.trash_note.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        self.trash_note.setAutoFillBackground(True)
        self.trash_note.setBackgroundRole(self.trash_note.palette().ColorRole.AlternateBase)

        self.info = InfoSection(session, label_width, self)
        self.tags = TagsEditor(session, self)
        self.notes = NotesEditor(session, self)
        self.attachments = AttachmentsView(self)
        self.collections = plain_label("", self)
        self.collections.setObjectName("collections")
        self.collections.setWordWrap(True)
        self.collections.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.info_section = Section("Info", self.info, self, rule=False)
        self.tags_section = Section("Tags", self.tags, self)
        self.notes_section = Section("Notes", self.notes, self)
        self.attachments_section = Section("Attachments", self.attachments, self)
        self.collections_section = Section("Collections", self.collections, self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 2, SPACING, SPACING * 2, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addWidget(self.trash_note)
        for section in (
            self.info_section,
            self.tags_section,
            self.notes_section,
            self.attachments_section,
            self.collections_section,
        ):
            layout.addWidget(section)
        layout.addStretch(1)

    def load(self, item: Item) -> None:
        """Show `item` (the one shown, read again, or another)."""
        assert item.id is not None
        lib = self.session.lib
        read_only = item.trashed
        self.item = item
        self.trash_note.setVisible(read_only)
        self.info.load(item, read_only)
        self.tags.load(item.id, item.tags, read_only)
        self.tags_section.set_count(len(item.tags))
        notes = lib.notes(item.id)
        self.notes.load(item.id, notes, read_only)
        self.notes_section.set_count(len(notes))
        attachments = lib.attachments(item.id)
        self.attachments.load(attachments)
        self.attachments_section.set_count(len(attachments))
        self.load_collections()

    def invalidate_collections(self) -> None:
        """Collections were added, renamed or moved: read them again when next needed."""
        self._collections = None

    def load_collections(self) -> None:
        """The collections the item is in, each as its path from the top."""
        if self.item is None or self.item.id is None:
            return
        lib = self.session.lib
        member = set(lib.item_collections(self.item.id))
        if member and self._collections is None:
            self._collections = lib.collections()
        paths = [
            path
            for collection_id, path in collection_paths(self._collections or [], " / ")
            if collection_id in member
        ]
        self.collections.setText("; ".join(paths) if paths else "Not in any collection")
        self.collections_section.set_count(len(paths))

    def commit_pending(self) -> None:
        self.info.commit_pending()
        self.notes.commit_pending()


class ItemPane(QWidget):
    """The right-hand pane: the editor of one item, a message for none or several, or the
    merge pane for a set of duplicates.

    `show_items(ids)` is what the main window calls when the selection changes, `show_merge`
    what it calls to merge a set (the Duplicate Items view). The pane follows
    `session.changed` on its own: it reads the shown item again when a change names it, and
    says "No item selected" when the item is deleted.

    Signals:
        merged(int): the merge pane merged its set into the item with this id (the pane then
            shows that item).
    """

    merged = Signal(int)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._ids: list[int] = []
        self._item_id: int | None = None

        self.message = secondary_label(NO_ITEM, self)
        self.message.setObjectName("message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)

        self.editor = ItemEditor(session)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.editor)

        self.merge_view = MergeView(session, self)
        self.merge_view.merged.connect(self._merged)

        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.message)
        self._stack.addWidget(self.scroll_area)
        self._stack.addWidget(self.merge_view)
        self.setMinimumWidth(280)
        session.changed.connect(self._library_changed)

    # -------------------------------------------------------------- public
    @property
    def item_id(self) -> int | None:
        """The item being edited, if the pane shows one."""
        return self._item_id

    @property
    def shown_ids(self) -> list[int]:
        """The ids last passed to `show_items` or `show_merge` (less any deleted since)."""
        return list(self._ids)

    @property
    def merging(self) -> bool:
        """Whether the pane shows the merge pane."""
        return self._stack.currentWidget() is self.merge_view

    def show_items(self, ids: Sequence[int]) -> None:
        """Show the selection: the editor for one item, a message for none or several."""
        ids = list(dict.fromkeys(ids))
        same = len(ids) == 1 and ids[0] == self._item_id
        self.commit_pending()
        if self.merging:
            self.merge_view.clear()
        self._ids = ids
        if len(ids) != 1:
            self._show_message(NO_ITEM if not ids else f"{plural(len(ids), 'item')} selected")
            return
        try:
            item = self.session.lib.get_item(ids[0])
        except NotFound:
            self._ids = []
            self._show_message(NO_ITEM)
            return
        self._show_item(item, keep_scroll=same)

    def show_merge(self, ids: Sequence[int]) -> None:
        """Show the merge pane for these items (a set of duplicates): versions, master,
        values to keep and the Merge button. `show_items` goes back to the editor."""
        self.commit_pending()
        self._ids = list(dict.fromkeys(ids))
        self._item_id = None
        self.merge_view.show_set(self._ids)
        self._stack.setCurrentWidget(self.merge_view)

    def focus_field(self, name: str) -> None:
        """Put the cursor in a field of the shown item (the title of a new item, say)."""
        editor = self.editor.info.fields.get(name)
        if self._item_id is None or editor is None:
            return
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        editor.selectAll()
        self.scroll_area.ensureWidgetVisible(editor)

    def commit_pending(self) -> None:
        """Save whatever is being typed in the shown item (a field, a creator, a note)."""
        if self._item_id is not None:
            self.editor.commit_pending()

    def message_text(self) -> str | None:
        """The message shown instead of an editor, or None when an item is shown."""
        return self.message.text() if self._stack.currentWidget() is self.message else None

    # -------------------------------------------------------------- internals
    def _merged(self, master_id: int) -> None:
        self.show_items([master_id])
        self.merged.emit(master_id)

    def _show_message(self, text: str) -> None:
        self._item_id = None
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def _show_item(self, item: Item, *, keep_scroll: bool) -> None:
        bar = self.scroll_area.verticalScrollBar()
        position = bar.value() if keep_scroll else 0
        self._item_id = item.id
        self.editor.load(item)
        self._stack.setCurrentWidget(self.scroll_area)
        bar.setValue(position)
        if bar.value() != position:
            QTimer.singleShot(0, bar, lambda: bar.setValue(position))

    def _library_changed(self, change: Change) -> None:
        if change.tags:
            self.editor.tags.invalidate_completions()
        if change.collections:
            self.editor.invalidate_collections()
        if self.merging:
            return  # the merge pane follows the library on its own
        removed = change.items_removed
        if self._item_id is None:
            if len(self._ids) > 1 and removed & set(self._ids):
                self.show_items([i for i in self._ids if i not in removed])
            return
        item_id = self._item_id
        if item_id in removed:
            self._ids = []
            self._show_message(NO_ITEM)
        elif item_id in change.items or item_id in change.items_added:
            try:
                item = self.session.lib.get_item(item_id)
            except NotFound:
                self._ids = []
                self._show_message(NO_ITEM)
                return
            self._show_item(item, keep_scroll=True)
        elif change.collections:
            self.editor.load_collections()
