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
from pathlib import Path
from typing import Final

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QFont,
    QKeyEvent,
    QTextOption,
)
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedLayout,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from citelib.errors import NotFound
from citelib.library import Change, CollectionInfo, attaching, files
from citelib.model import FIELD_LABELS, FIELDS, ITEM_TYPE_LABELS, ITEM_TYPES, TYPE_FIELDS, Item

from .editors import (
    AttachmentsView,
    CreatorsEditor,
    GrowingTextEdit,
    TagsEditor,
    local_files,
    local_time,
    open_url,
    role_combo_width,
)
from .merge import MergeView
from .notes import NotesEditor
from .pdfview import PdfViewer
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
INFO_TAB: Final = "Info"
PDF_TAB: Final = "PDF"
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
        # Open beside the URL field: enabled only for what `files.safe_url` accepts.
        self.url_open: QToolButton | None = None

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
        self.url_open = None
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
            if name == "url" and isinstance(editor, RevertingLineEdit):
                form.addRow(label, self._url_row(box, editor))
            else:
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
        for name, editor in self.fields.items():
            if name != "title":
                chain.append(editor)
            if name == "url" and self.url_open is not None:
                chain.append(self.url_open)
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

    def _url_row(self, parent: QWidget, editor: RevertingLineEdit) -> QWidget:
        """The URL field with an Open button, enabled only for an address that is safe to
        open (http, https, a DOI; never `javascript:`, `data:` or `file:`)."""
        row = QWidget(parent)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        button = QToolButton(row)
        button.setObjectName("open-url")
        button.setText("Open")
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        def update(text: str) -> None:
            safe = files.safe_url(text) is not None
            button.setEnabled(safe)
            button.setToolTip(
                "Open the address in the web browser"
                if safe
                else "Only web addresses (http, https) and DOIs are opened"
            )

        editor.textChanged.connect(update)
        button.clicked.connect(lambda: open_url(editor.text()))
        update(editor.text())
        layout.addWidget(editor, 1)
        layout.addWidget(button)
        self.url_open = button
        return row

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
        self.loaded: tuple[object, ...] = ()  # the item, notes and attachments shown
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
        self.attachments = AttachmentsView(session, self)
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
        self.attachments.load(item.id, attachments, read_only)
        self.attachments_section.set_count(len(attachments))
        self.load_collections()
        self.loaded = (item, notes, attachments)

    def is_current(self, item: Item) -> bool:
        """Whether the library's `item`, notes and attachments are what the pane shows."""
        assert item.id is not None
        lib = self.session.lib
        return self.loaded == (item, lib.notes(item.id), lib.attachments(item.id))

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

    The editor is the Info tab; an item with a PDF attachment has a PDF tab too, reading that
    PDF (`PdfViewer`: pages, zoom, find, Open in the system viewer). The PDF is read only
    when the tab is chosen, and again when another item is shown while it is. Files dropped
    on the pane are attached to the item shown (stored copies, or as `drop_mode` says).

    `show_items(ids)` is what the main window calls when the selection changes, `show_merge`
    what it calls to merge a set (the Duplicate Items view). The pane follows
    `session.changed` on its own: it reads the shown item again when a change names it, and
    says "No item selected" when the item is deleted.

    Signals:
        merged(int): the merge pane merged its set into the item with this id (the pane then
            shows that item).
        notice(str): a message for the status bar (the file just attached is also attached
            to another item).
    """

    merged = Signal(int)
    notice = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._ids: list[int] = []
        self._item_id: int | None = None
        self._pdf_loaded: tuple[int, str] | None = None  # (item, path) in the viewer

        self.message = secondary_label(NO_ITEM, self)
        self.message.setObjectName("message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)

        self.editor = ItemEditor(session)
        self.editor.attachments.pdf_requested.connect(self.show_pdf)
        self.editor.attachments.notice.connect(self.notice)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.editor)

        self.pdf_viewer = PdfViewer(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("item-tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.scroll_area, INFO_TAB)
        self.tabs.addTab(self.pdf_viewer, PDF_TAB)
        self.tabs.setTabVisible(self.tabs.indexOf(self.pdf_viewer), False)
        self.tabs.currentChanged.connect(self._tab_changed)

        self.merge_view = MergeView(session, self)
        self.merge_view.merged.connect(self._merged)

        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.message)
        self._stack.addWidget(self.tabs)
        self._stack.addWidget(self.merge_view)
        self.setMinimumWidth(280)
        self.setAcceptDrops(True)
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

    @property
    def drop_mode(self) -> attaching.Mode:
        """How a file dropped on the pane is attached: "stored" (a copy, the default) or
        "linked"."""
        return self.editor.attachments.drop_mode

    @drop_mode.setter
    def drop_mode(self, mode: attaching.Mode) -> None:
        self.editor.attachments.drop_mode = mode

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
        self._unload_pdf()
        self.merge_view.show_set(self._ids)
        self._stack.setCurrentWidget(self.merge_view)

    def has_pdf(self) -> bool:
        """Whether the item shown has a PDF (and so a PDF tab)."""
        return self._item_id is not None and self.editor.attachments.pdf is not None

    def show_pdf(self) -> bool:
        """Choose the PDF tab (the PDF is read now); False when the item has no PDF."""
        if not self.has_pdf():
            return False
        self.commit_pending()
        self.tabs.setCurrentWidget(self.pdf_viewer)
        self._load_pdf()
        return True

    def show_info(self) -> None:
        """Choose the Info tab."""
        self.tabs.setCurrentWidget(self.scroll_area)

    def focus_field(self, name: str) -> None:
        """Put the cursor in a field of the shown item (the title of a new item, say)."""
        editor = self.editor.info.fields.get(name)
        if self._item_id is None or editor is None:
            return
        self.show_info()
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

    def attach_files(self, paths: Sequence[Path]) -> list[int]:
        """Attach files to the item shown, as a drop does; the new attachments' ids."""
        if self._item_id is None or self.editor.attachments.read_only:
            return []
        return self.editor.attachments.attach(paths)

    # -------------------------------------------------------------- dropping files
    def _dropped_files(self, event: QDragMoveEvent | QDropEvent) -> list[Path] | None:
        """The files a drag offers the item shown, or None if it is not one to take. The drop
        is a copy, never a move: the file manager must not delete what it dragged."""
        data = event.mimeData()
        if data is None or self._item_id is None or self.editor.attachments.read_only:
            return None
        if self._stack.currentWidget() is not self.tabs:
            return None
        if not event.possibleActions() & Qt.DropAction.CopyAction:
            return None
        return local_files(data)

    def _take_drag(self, event: QDragMoveEvent | QDropEvent) -> list[Path] | None:
        """Accept the drag (as a copy) if it offers files; the files, else None (ignored)."""
        paths = self._dropped_files(event)
        if paths is None:
            event.ignore()
            return None
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        return paths

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._take_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._take_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self._take_drag(event)
        if paths is not None:
            self.attach_files(paths)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Files dropped on a field or a note attach too, rather than put their path there;
        any other drag (text) goes on to the field."""
        kind = event.type()
        drags = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)
        # QDragEnterEvent and QDragMoveEvent are QDropEvents too
        if kind in drags and isinstance(event, QDropEvent):
            paths = self._dropped_files(event)
            if paths is not None:
                self._take_drag(event)
                if kind == QEvent.Type.Drop:
                    self.attach_files(paths)
                return True
        return super().eventFilter(watched, event)

    def _take_over_drops(self) -> None:
        """Let the pane take file drops from the editor's widgets that accept drops of their
        own (line edits, text boxes); other drags still reach them."""
        for widget in self.editor.findChildren(QWidget):
            if widget.acceptDrops():
                widget.installEventFilter(self)  # once: installing again only moves it first

    # -------------------------------------------------------------- the PDF tab
    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.pdf_viewer:
            self.commit_pending()
            self._load_pdf()

    def _load_pdf(self) -> None:
        """Read the item's PDF into the viewer, unless it is there already."""
        attachments = self.editor.attachments
        if self._item_id is None or attachments.pdf is None:
            self._unload_pdf()
            return
        path = attachments.pdf_path
        wanted = (self._item_id, str(path))
        if wanted == self._pdf_loaded and (
            self.pdf_viewer.page_count() > 0 or path is None or not path.is_file()
        ):
            return  # shown already, or still not there to be shown
        self._pdf_loaded = wanted
        self.pdf_viewer.load(path)

    def _unload_pdf(self) -> None:
        if self._pdf_loaded is not None:
            self._pdf_loaded = None
            self.pdf_viewer.load(None)

    def _update_pdf_tab(self) -> None:
        """Show the PDF tab only for an item with a PDF; read the PDF if the tab is chosen."""
        index = self.tabs.indexOf(self.pdf_viewer)
        has_pdf = self.has_pdf()
        if not has_pdf and self.tabs.currentIndex() == index:
            self.show_info()
        self.tabs.setTabVisible(index, has_pdf)
        if has_pdf and self.tabs.currentIndex() == index:
            self._load_pdf()
        elif self._pdf_loaded is not None and self._pdf_loaded[0] != self._item_id:
            self._unload_pdf()  # another item's PDF: let it go

    # -------------------------------------------------------------- internals
    def _merged(self, master_id: int) -> None:
        self.show_items([master_id])
        self.merged.emit(master_id)

    def _show_message(self, text: str) -> None:
        self._item_id = None
        self._unload_pdf()
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def _show_item(self, item: Item, *, keep_scroll: bool) -> None:
        bar = self.scroll_area.verticalScrollBar()
        position = bar.value() if keep_scroll else 0
        self._item_id = item.id
        self.editor.load(item)
        self._take_over_drops()
        self._stack.setCurrentWidget(self.tabs)
        self._update_pdf_tab()
        bar.setValue(position)
        if bar.value() != position:
            QTimer.singleShot(0, bar, lambda: bar.setValue(position))

    def _library_changed(self, change: Change) -> None:
        if change.tags or change.elsewhere:
            self.editor.tags.invalidate_completions()
        if change.collections or change.elsewhere:
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
        elif item_id in change.items or item_id in change.items_added or change.elsewhere:
            try:
                item = self.session.lib.get_item(item_id)
            except NotFound:
                self._ids = []
                self._show_message(NO_ITEM)
                return
            # Another program's write reloads the item only if it changed this one: a reload
            # rebuilds the creator rows, and a name half typed into one would be lost.
            if not (change.elsewhere and self.editor.is_current(item)):
                self._show_item(item, keep_scroll=True)
        elif change.collections:
            self.editor.load_collections()
