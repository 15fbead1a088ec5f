"""The tag selector under the collection tree: the tags of the items in view, with counts.

Zotero's layout: coloured tags first, in their colour and key order (keys 1-9 toggle them on
the selected items), then the rest by name, flowing left to right. Clicking a tag toggles it;
the selected tags narrow the item table to items carrying all of them (AND). Item ids dragged
from the item table onto a tag give those items the tag.

The tags shown are those of the items the table shows: the view's scope and the quick-search
query (`set_scope`). Counting them takes most of a second in a large library for any narrowed
view, so it runs off the GUI thread (`LatestOnly`): the pane shows the tags it had until the
newest request's answer arrives, and the answer of a request overtaken by a newer one (another
view, more typing, a change to the library) is dropped.

Tag names are painted with `drawText` and edited in plain line edits: a tag called `<b>x</b>`
shows those characters. Tooltips (which Qt would read as rich text) are escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from citelib.errors import CitelibError
from citelib.library import Change, Interrupt, Library, Scope, TagInfo

from .session import Session
from .widgets import ITEM_IDS_MIME, DropOnRows, ask_text, ids_from_mime, plain_tooltip, plural
from .widgets import confirm as confirm  # the window imports it from here
from .workers import LatestOnly

NAME_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 1
COUNT_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 2
COLOUR_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 3
KEY_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 4
SELECTED_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 5

# Zotero's tag colours, in the order its Assign Colour dialog offers them.
TAG_COLOURS: Final[tuple[tuple[str, str], ...]] = (
    ("Red", "#FF6666"),
    ("Orange", "#FF8C19"),
    ("Yellow", "#FFD400"),
    ("Green", "#5FB236"),
    ("Teal", "#009980"),
    ("Blue", "#2EA8E5"),
    ("Navy", "#576DD9"),
    ("Purple", "#A28AE5"),
    ("Plum", "#A6507B"),
    ("Grey", "#999999"),
)
KEYED_TAGS: Final = 9
# A view stands this long before its tags are counted (see TagSelector.set_scope).
TAGS_AFTER_MS: Final = 150


def colour_swatch(colour: str, size: int = 14) -> QIcon:
    """A round swatch of a colour, for menus and the colour chooser."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(colour).darker(130))
    painter.setBrush(QColor(colour))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


class TagListModel(DropOnRows, QAbstractListModel):
    """The tags shown: coloured ones first by position, then the others by name.

    The model holds every tag of the scope; the filter text narrows the rows to names
    containing it (selected tags always stay, so they can be deselected). Dropping item ids
    on a row tags those items through the session.
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tags: list[TagInfo] = []
        self._rows: list[TagInfo] = []
        self._selected: frozenset[str] = frozenset()
        self._filter = ""

    # ------------------------------------------------------------------ contents
    def set_tags(self, tags: Sequence[TagInfo], selected: Sequence[str]) -> None:
        coloured = sorted(
            (t for t in tags if t.color_position is not None), key=lambda t: t.color_position or 0
        )
        plain = sorted(
            (t for t in tags if t.color_position is None), key=lambda t: (t.name.casefold(), t.name)
        )
        self._tags = coloured + plain
        self._selected = frozenset(selected)
        self._rebuild()

    def set_selected(self, names: Sequence[str]) -> None:
        self._selected = frozenset(names)
        self._rebuild()

    def set_filter(self, text: str) -> None:
        self._filter = text.strip().casefold()
        self._rebuild()

    def tags(self) -> list[TagInfo]:
        """Every tag of the scope, filtered or not, in display order."""
        return list(self._tags)

    def tag_at(self, row: int) -> TagInfo:
        return self._rows[row]

    def row_of(self, name: str) -> int | None:
        for row, tag in enumerate(self._rows):
            if tag.name == name:
                return row
        return None

    def _rebuild(self) -> None:
        wanted = self._filter
        rows = [
            t
            for t in self._tags
            if not wanted or wanted in t.name.casefold() or t.name in self._selected
        ]
        if [t.name for t in rows] == [t.name for t in self._rows]:
            self._rows = rows
            if rows:
                self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    # ------------------------------------------------------------------ model
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        tag = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, NAME_ROLE):
            return tag.name
        if role == COUNT_ROLE:
            return tag.count
        if role == COLOUR_ROLE:
            return tag.color
        if role == KEY_ROLE:
            return _key_of(tag)
        if role == SELECTED_ROLE:
            return tag.name in self._selected
        if role == Qt.ItemDataRole.ToolTipRole:
            items = plural(tag.count, "item")
            key = _key_of(tag)
            suffix = f" (key {key})" if key is not None else ""
            return plain_tooltip(f"{tag.name}: {items}{suffix}")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{tag.name} {tag.count}"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsDropEnabled

    # ------------------------------------------------------------------ drops
    def mimeTypes(self) -> list[str]:
        return [ITEM_IDS_MIME]

    def can_drop_on(self, data: QMimeData, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return 0 <= parent.row() < len(self._rows) and ids_from_mime(data) is not None

    def drop_on(self, data: QMimeData, parent: QModelIndex | QPersistentModelIndex) -> bool:
        ids = ids_from_mime(data) or []
        name = self._rows[parent.row()].name
        lib = self._session.lib
        return self._session.apply("Add tag", lib.add_tags, ids, [name]) is not None


def _key_of(tag: TagInfo) -> int | None:
    """The number key (1-9) that toggles a coloured tag, if it has one."""
    pos = tag.color_position
    return pos + 1 if pos is not None and pos < KEYED_TAGS else None


class TagDelegate(QStyledItemDelegate):
    """Paints a tag as a pill: colour dot with its key number, the name, the count."""

    PAD: Final = 6
    GAP: Final = 5
    MAX_NAME: Final = 220

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        fm = option.fontMetrics
        name = str(index.data(NAME_ROLE) or "")
        width = 2 * self.PAD + min(fm.horizontalAdvance(name), self.MAX_NAME)
        width += self.GAP + fm.horizontalAdvance(str(index.data(COUNT_ROLE) or 0))
        if index.data(COLOUR_ROLE):
            width += fm.height() + self.GAP
        return QSize(width, fm.height() + 8)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        fm = option.fontMetrics
        pal = option.palette
        rect: QRect = option.rect.adjusted(1, 1, -1, -1)
        state = option.state
        name = str(index.data(NAME_ROLE) or "")
        count = int(index.data(COUNT_ROLE) or 0)
        colour = index.data(COLOUR_ROLE)
        key = index.data(KEY_ROLE)
        selected = bool(index.data(SELECTED_ROLE))

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(pal.highlight())
            painter.drawRoundedRect(rect, 5, 5)
        if state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(pal.mid().color())
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 5, 5)

        x = rect.left() + self.PAD
        if colour:
            size = fm.height()
            dot = QRect(x, rect.center().y() - size // 2, size, size)
            painter.setPen(QColor(colour).darker(120))
            painter.setBrush(QColor(colour))
            painter.drawEllipse(dot)
            if key is not None:
                font = painter.font()
                font.setBold(True)
                font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
                painter.setFont(font)
                painter.setPen(_contrast(QColor(colour)))
                painter.drawText(dot, Qt.AlignmentFlag.AlignCenter, str(key))
                painter.setFont(option.font)
            x += size + self.GAP

        if selected:
            text_colour = pal.highlightedText().color()
        elif count == 0:
            text_colour = pal.color(pal.ColorGroup.Disabled, pal.ColorRole.Text)
        elif colour:
            text_colour = QColor(colour)
        else:
            text_colour = pal.text().color()
        shown = fm.elidedText(name, Qt.TextElideMode.ElideRight, self.MAX_NAME)
        name_width = fm.horizontalAdvance(shown)
        painter.setPen(text_colour)
        painter.drawText(
            QRect(x, rect.top(), name_width, rect.height()),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            shown,
        )
        x += name_width + self.GAP
        count_colour = QColor(text_colour)
        count_colour.setAlphaF(0.6)
        painter.setPen(count_colour)
        painter.drawText(
            QRect(x, rect.top(), max(0, rect.right() - x), rect.height()),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            str(count),
        )
        painter.restore()


def _contrast(colour: QColor) -> QColor:
    """Black or white, whichever reads better on `colour`."""
    luma = 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue()
    return QColor(Qt.GlobalColor.black if luma > 160 else Qt.GlobalColor.white)


class TagView(QListView):
    """Tags flowing left to right and wrapping; a click (or Space) toggles a tag."""

    toggled = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(False)
        self.setSpacing(1)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDragDropOverwriteMode(True)
        self.setDropIndicatorShown(True)
        self.setAcceptDrops(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setItemDelegate(TagDelegate(self))
        self.clicked.connect(self._toggle_index)

    def _toggle_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.toggled.emit(str(index.data(NAME_ROLE)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and self.currentIndex().isValid():
            self._toggle_index(self.currentIndex())
            return
        super().keyPressEvent(event)


class TagColourDialog(QDialog):
    """Zotero's Assign Colour dialog: the tag's name, a colour, and its place (key) 1-N."""

    def __init__(
        self,
        parent: QWidget | None,
        name: str,
        colour: str | None,
        position: int,
        places: int,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Assign Colour")
        self.name_edit = QLineEdit(name)
        self.name_edit.setPlaceholderText("Tag name")
        self.colour_box = QComboBox()
        for label, value in TAG_COLOURS:
            self.colour_box.addItem(colour_swatch(value), label, value)
        if colour is not None:
            found = self.colour_box.findData(colour.upper())
            if found < 0:
                self.colour_box.addItem(colour_swatch(colour), colour, colour)
                found = self.colour_box.count() - 1
            self.colour_box.setCurrentIndex(found)
        self.position_box = QSpinBox()
        self.position_box.setRange(1, max(1, places))
        self.position_box.setValue(max(1, min(position, places)))
        self.position_box.setToolTip("Coloured tags 1-9 are toggled on items with keys 1-9")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.name_edit.textChanged.connect(self._update_ok)
        self._update_ok()
        form = QFormLayout(self)
        form.addRow("Name:", self.name_edit)
        form.addRow("Colour:", self.colour_box)
        form.addRow("Position:", self.position_box)
        form.addRow(buttons)

    def _update_ok(self) -> None:
        self._ok.setEnabled(bool(self.name_edit.text().strip()))

    def values(self) -> tuple[str, str, int]:
        """(tag name, colour as #rrggbb, position counted from 1)."""
        return (
            self.name_edit.text().strip(),
            str(self.colour_box.currentData()),
            self.position_box.value(),
        )


@dataclass(frozen=True, slots=True)
class TagCounts:
    """What one request read: the tags of the items in view with their counts, and, for each
    selected name not among them, the tag as the whole library knows it (None: it is gone)."""

    tags: list[TagInfo]
    elsewhere: dict[str, TagInfo | None]


def read_tags(
    lib: Library,
    scope: Scope | None,
    query: str,
    selected: Sequence[str],
    fulltext: bool = False,
    interrupt: Interrupt | None = None,
) -> TagCounts:
    """The tags of the items in `scope` matching `query` (run in a worker: the slow part), in
    the quick search's mode "All Fields & Full Text" when `fulltext`. For the whole library one
    query answers both questions. `interrupt` stops it (a newer request came)."""
    tags = lib.tags(scope, query, fulltext=fulltext, interrupt=interrupt)
    names = {t.name for t in tags}
    missing = [n for n in selected if n not in names]
    if not missing:
        return TagCounts(tags, {})
    whole = scope in (None, Scope()) and not query
    everywhere = {t.name: t for t in (tags if whole else lib.tags(interrupt=interrupt))}
    return TagCounts(tags, {name: everywhere.get(name) for name in missing})


class TagSelector(QWidget):
    """The tag pane: a filter box, the tags, and their actions.

    Signals:
        tags_changed(tuple[str, ...]): the selected tags changed (items must carry all).
        tags_shown(): the tags of a request arrived and are shown.
        export_requested(str): "Export Items Tagged…" was chosen for that tag.
    """

    tags_changed = Signal(tuple)
    tags_shown = Signal()
    export_requested = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._scope: Scope | None = None
        self._query = ""
        self._fulltext = False
        self._selected: list[str] = []
        self._loader = LatestOnly(self)
        self._loader.finished.connect(self._show)
        self._loader.failed.connect(self._failed)
        # A new view's tags are counted once it has stood a moment: the count (up to 200 ms of
        # a core on 100,000 items) then never runs beside the table's own search and paint,
        # and a view typed past is never counted at all.
        self._scope_timer = QTimer(self)
        self._scope_timer.setSingleShot(True)
        self._scope_timer.setInterval(TAGS_AFTER_MS)
        self._scope_timer.timeout.connect(self.refresh)

        self.model = TagListModel(session, self)
        self.view = TagView(self)
        self.view.setModel(self.model)
        self.view.toggled.connect(self.toggle_tag)
        self.view.customContextMenuRequested.connect(self._context_menu)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter tags")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.model.set_filter)

        self.deselect_action = QAction("Deselect All", self)
        self.deselect_action.triggered.connect(self.clear_selection)
        self.assign_colour_action = QAction("Assign Colour…", self)
        self.assign_colour_action.triggered.connect(lambda: self.ask_assign_colour(""))
        menu_button = QToolButton(self)
        menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView)
        )
        menu_button.setToolTip("Tag actions")
        menu_button.setAutoRaise(True)
        button_menu = QMenu(menu_button)
        button_menu.addAction(self.deselect_action)
        button_menu.addAction(self.assign_colour_action)
        menu_button.setMenu(button_menu)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(menu_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        session.changed.connect(self._on_changed)
        self._update_actions()
        self.refresh()

    # ------------------------------------------------------------------ state
    def selected_tags(self) -> tuple[str, ...]:
        return tuple(self._selected)

    def set_selected_tags(self, names: Sequence[str]) -> None:
        """Select exactly these tags (emits tags_changed if that is a change)."""
        names = list(dict.fromkeys(names))
        if names == self._selected:
            return
        self._selected = names
        self.model.set_selected(names)
        self._selection_changed()

    def toggle_tag(self, name: str) -> None:
        if name in self._selected:
            self._selected.remove(name)
        else:
            self._selected.append(name)
        self.model.set_selected(self._selected)
        self._selection_changed()

    def clear_selection(self) -> None:
        self.set_selected_tags(())

    def set_scope(self, scope: Scope | None, query: str = "", fulltext: bool = False) -> None:
        """Show the tags of the items the table shows: those in `scope` (None: the whole
        library) matching the quick-search `query` (with `fulltext`, also in their attachments'
        text), with their counts. They are read once the view has stood TAGS_AFTER_MS, and
        arrive later (see `refresh`); nothing is read again when none of them changed."""
        query = query.strip()
        fulltext = fulltext and bool(query)
        if (scope, query, fulltext) == (self._scope, self._query, self._fulltext):
            return
        self._scope, self._query, self._fulltext = scope, query, fulltext
        self._scope_timer.start()

    def scope(self) -> Scope | None:
        return self._scope

    def query(self) -> str:
        return self._query

    def refresh(self) -> None:
        """Read the tags again, off the GUI thread; the tags shown stay until they arrive.
        A selected tag that no longer exists is then deselected."""
        self._scope_timer.stop()
        lib, scope, query, fulltext = self._session.lib, self._scope, self._query, self._fulltext
        selected = tuple(self._selected)
        self._loader.request(
            lambda interrupt: read_tags(lib, scope, query, selected, fulltext, interrupt)
        )

    def is_loading(self) -> bool:
        """Tags were asked for and have not arrived yet."""
        return self._scope_timer.isActive() or self._loader.busy()

    def _show(self, result: object) -> None:
        assert isinstance(result, TagCounts)
        tags = list(result.tags)
        names = {t.name for t in tags}
        shown = {t.name: t for t in self.model.tags()}
        dropped = unchecked = False
        for name in list(self._selected):
            if name in names:
                continue
            checked = name in result.elsewhere
            known = result.elsewhere[name] if checked else shown.get(name)
            if known is not None:  # selected but not among these items: shown, to deselect
                tags.append(replace(known, count=0))
            elif checked:  # gone from the library
                self._selected.remove(name)
                dropped = True
            unchecked = unchecked or not checked  # selected after the request: ask again
        self.model.set_tags(tags, self._selected)
        self._update_actions()
        self.tags_shown.emit()
        if dropped:
            self.tags_changed.emit(self.selected_tags())
        if unchecked:
            self.refresh()

    def _failed(self, error: BaseException) -> None:
        # A query the search cannot read is the item table's to report (as it types); the tags
        # shown stay. Anything else is a fault worth telling.
        if not isinstance(error, CitelibError):
            self._session.report("Tags", error)

    def _selection_changed(self) -> None:
        self._update_actions()
        self.tags_changed.emit(self.selected_tags())

    def _update_actions(self) -> None:
        self.deselect_action.setEnabled(bool(self._selected))

    def _on_changed(self, change: Change) -> None:
        # Tagging, untagging, trashing and restoring all name `tags`; an edit of an item's
        # fields or notes (`items` alone) moves no count, so it costs no query.
        if change.tags or change.items_added or change.items_removed or change.elsewhere:
            self.refresh()

    # ------------------------------------------------------------------ mutations
    def assign_colour(self, name: str, colour: str, position: int) -> bool:
        """Colour a tag and put it at `position` (1 = key 1) among the coloured tags."""
        lib = self._session.lib
        return (
            self._session.apply("Assign colour", lib.set_tag_color, name, colour, position - 1)
            is not None
        )

    def remove_colour(self, name: str) -> bool:
        lib = self._session.lib
        return self._session.apply("Remove colour", lib.set_tag_color, name, None) is not None

    def rename_tag(self, old: str, new: str) -> bool:
        """Rename a tag everywhere (onto an existing name merges them); a selected tag stays
        selected under its new name."""
        new = new.strip()
        if not new or new == old:
            return False
        before = list(self._selected)
        if old in before:
            # renamed in the selection first, so the refresh the change causes keeps it
            self._selected = list(dict.fromkeys(new if n == old else n for n in before))
        lib = self._session.lib
        if self._session.apply("Rename tag", lib.rename_tag, old, new) is None:
            self._selected = before
            self.model.set_selected(before)
            return False
        if self._selected != before:
            self._selection_changed()
        return True

    def delete_tag(self, name: str) -> bool:
        lib = self._session.lib
        return self._session.apply("Delete tag", lib.delete_tag, name) is not None

    def tag_items(self, name: str, ids: Sequence[int]) -> bool:
        lib = self._session.lib
        return self._session.apply("Add tag", lib.add_tags, list(ids), [name]) is not None

    # ------------------------------------------------------------------ asking first
    def ask_assign_colour(self, name: str) -> bool:
        tags = self.model.tags()
        coloured = [t for t in tags if t.color_position is not None]
        current = next((t for t in tags if t.name == name), None)
        already = current is not None and current.color_position is not None
        places = len(coloured) if already else len(coloured) + 1
        position = (
            (current.color_position or 0) + 1
            if current is not None and current.color_position is not None
            else places
        )
        colour = current.color if current is not None else None
        if colour is None:
            used = {t.color.upper() for t in coloured if t.color}
            colour = next((c for _, c in TAG_COLOURS if c not in used), TAG_COLOURS[0][1])
        dialog = TagColourDialog(self, name, colour, position, places)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        new_name, new_colour, new_position = dialog.values()
        return self.assign_colour(new_name, new_colour, new_position)

    def ask_rename_tag(self, name: str) -> bool:
        new = ask_text(self, "Rename Tag", "New name:", name)
        return new is not None and self.rename_tag(name, new)

    def ask_delete_tag(self, name: str) -> bool:
        return confirm(
            self,
            "Delete Tag",
            f"Delete the tag “{name}”?",
            "It is removed from every item that carries it.",
            "Delete Tag",
        ) and self.delete_tag(name)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        menu = QMenu(self)
        if index.isValid():
            name = str(index.data(NAME_ROLE))
            menu.addAction("Assign Colour…", lambda: self.ask_assign_colour(name))
            if index.data(COLOUR_ROLE):
                menu.addAction("Remove Colour", lambda: self.remove_colour(name))
            menu.addSeparator()
            menu.addAction("Rename Tag…", lambda: self.ask_rename_tag(name))
            menu.addAction("Delete Tag…", lambda: self.ask_delete_tag(name))
            menu.addSeparator()
            menu.addAction(
                f"Export Items Tagged “{name}”…", lambda: self.export_requested.emit(name)
            )
            menu.addSeparator()
        else:
            menu.addAction(self.assign_colour_action)
        menu.addAction(self.deselect_action)
        menu.exec(self.view.viewport().mapToGlobal(pos))
