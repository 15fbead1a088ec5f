"""The left pane: the library's views and collections above, the tag selector below.

The tree is Zotero's: My Library (with its item count) holding the collection tree, then
Unfiled Items, Duplicate Items, the Trash (with its count) and the saved searches, each a row
of its own (no heading the arrow keys would stop on). Collections are created, renamed (F2
edits in place), nested by dragging one onto another (onto My Library: back to the top) and
deleted here; item ids dragged from the item table onto a collection add the items to it, onto
the Trash move them there.

Every change goes through `Session.apply`, so it is undoable and every pane hears of it; the
tree re-reads the library when a change names collections or saved searches or adds or removes
items, keeping the chosen view and the expanded collections. Names are always plain text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDrag,
    QDragMoveEvent,
    QIcon,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QMenu,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from citelib.library import Change, Scope

from .session import Session
from .tagselector import TagSelector
from .views import DUPLICATES, MY_LIBRARY, TRASH, UNFILED, LibraryView
from .widgets import (
    ITEM_IDS_MIME,
    DropOnRows,
    ask_text,
    confirm,
    ids_from_mime,
    plain_tooltip,
    plural,
)

__all__ = [
    "COLLECTION_IDS_MIME",
    "COUNT_ROLE",
    "ITEM_IDS_MIME",
    "KIND_ROLE",
    "VIEW_ROLE",
    "Sidebar",
    "SidebarModel",
    "SidebarTree",
    "TagSelector",
]

COLLECTION_IDS_MIME: Final = "application/x-citelib-collection-ids"

VIEW_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 1
COUNT_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 2
KIND_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 3

_FIXED_VIEWS: Final[dict[str, LibraryView]] = {
    "library": MY_LIBRARY,
    "unfiled": UNFILED,
    "duplicates": DUPLICATES,
    "trash": TRASH,
}


@dataclass(eq=False, slots=True)
class _Node:
    """One row of the tree. `ident` is a collection's id; a saved search is known by name."""

    kind: str
    name: str
    ident: int | None = None
    count: int | None = None
    query: str = ""
    fulltext: bool = False
    parent: _Node | None = None
    row: int = 0
    serial: int = 0
    children: list[_Node] = field(default_factory=list)

    def key(self) -> tuple[str, int | str | None]:
        if self.kind == "collection":
            return (self.kind, self.ident)
        if self.kind == "saved":
            return (self.kind, self.name)
        return (self.kind, None)

    def view(self) -> LibraryView | None:
        if self.kind == "collection":
            return LibraryView("collection", self.name, collection=self.ident)
        if self.kind == "saved":
            return LibraryView("saved", self.name, query=self.query, fulltext=self.fulltext)
        return _FIXED_VIEWS.get(self.kind)

    def walk(self) -> Iterator[_Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def _shape(nodes: Sequence[_Node]) -> list[Any]:
    return [(n.key(), _shape(n.children)) for n in nodes]


def _view_key(view: LibraryView) -> tuple[str, int | str | None]:
    if view.kind == "collection":
        return (view.kind, view.collection)
    if view.kind == "saved":
        return (view.kind, view.name)
    return (view.kind, None)


class SidebarModel(DropOnRows, QAbstractItemModel):
    """The sidebar tree, read from the library on `reload`.

    Roles: DisplayRole/EditRole the name, VIEW_ROLE the LibraryView (None for the heading),
    COUNT_ROLE the item count shown (None where no count is shown; a collection's counts the
    items directly in it), KIND_ROLE the entry's kind. Editing a collection's name renames it;
    dropping item ids or a collection on an entry files, trashes or nests through the session.
    """

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._roots: list[_Node] = []
        self._nodes: dict[int, _Node] = {}
        self._serial = 0
        self._icons = _Icons()
        self.reload()

    # ------------------------------------------------------------------ contents
    def reload(self) -> None:
        """Read the tree again. If only names and counts changed, rows are updated in place
        (selection and expansion untouched); otherwise the model is reset."""
        lib = self._session.lib
        library = _Node("library", MY_LIBRARY.name, count=lib.count("", Scope()))
        by_id: dict[int, _Node] = {}
        for info in lib.collections():  # parents come before their children
            node = _Node("collection", info.name, ident=info.id, count=info.count)
            holder = by_id.get(info.parent_id) if info.parent_id is not None else None
            (holder or library).children.append(node)
            by_id[info.id] = node
        roots = [
            library,
            _Node("unfiled", UNFILED.name),
            _Node("duplicates", DUPLICATES.name),
            _Node("trash", TRASH.name, count=lib.count("", Scope(trash=True))),
        ]
        roots += [
            _Node("saved", s.name, query=s.query, fulltext=s.fulltext) for s in lib.saved_searches()
        ]

        if _shape(roots) == _shape(self._roots):
            self._update_in_place(self._roots, roots)
            return
        self.beginResetModel()
        self._roots = roots
        self._nodes = {}
        self._number(roots, None)
        self.endResetModel()

    def _number(self, nodes: list[_Node], parent: _Node | None) -> None:
        for row, node in enumerate(nodes):
            self._serial += 1
            node.parent, node.row, node.serial = parent, row, self._serial
            self._nodes[node.serial] = node
            self._number(node.children, node)

    def _update_in_place(self, old: list[_Node], new: list[_Node]) -> None:
        changed: list[_Node] = []
        for was, now in zip(old, new, strict=True):
            if (was.name, was.count, was.query, was.fulltext) != (
                now.name,
                now.count,
                now.query,
                now.fulltext,
            ):
                was.name, was.count, was.query = now.name, now.count, now.query
                was.fulltext = now.fulltext
                changed.append(was)
            self._update_in_place(was.children, now.children)
        for node in changed:
            index = self.index_of(node)
            self.dataChanged.emit(index, index)

    def nodes(self) -> Iterator[_Node]:
        for root in self._roots:
            yield from root.walk()

    def node(self, index: QModelIndex | QPersistentModelIndex) -> _Node | None:
        if not index.isValid():
            return None
        return self._nodes.get(index.internalId())

    def index_of(self, node: _Node) -> QModelIndex:
        return self.createIndex(node.row, 0, node.serial)

    def index_of_view(self, view: LibraryView) -> QModelIndex:
        """The row showing `view` (a collection by id, a saved search by name), or invalid."""
        wanted = _view_key(view)
        for node in self.nodes():
            if node.key() == wanted:
                return self.index_of(node)
        return QModelIndex()

    def index_of_collection(self, collection_id: int) -> QModelIndex:
        return self.index_of_view(LibraryView("collection", collection=collection_id))

    def view_at(self, index: QModelIndex | QPersistentModelIndex) -> LibraryView | None:
        node = self.node(index)
        return node.view() if node is not None else None

    # ------------------------------------------------------------------ model
    def index(
        self,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        holder = self.node(parent)
        if parent.isValid() and holder is None:
            return QModelIndex()
        siblings = holder.children if holder is not None else self._roots
        if row >= len(siblings):
            return QModelIndex()
        return self.createIndex(row, 0, siblings[row].serial)

    @overload
    def parent(self) -> QObject | None: ...
    @overload
    def parent(self, child: QModelIndex | QPersistentModelIndex) -> QModelIndex: ...
    def parent(
        self, child: QModelIndex | QPersistentModelIndex | None = None
    ) -> QObject | QModelIndex | None:
        if child is None:
            return super().parent()
        node = self.node(child)
        if node is None or node.parent is None:
            return QModelIndex()
        return self.index_of(node.parent)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._roots)
        if parent.column() != 0:
            return 0
        node = self.node(parent)
        return len(node.children) if node is not None else 0

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        node = self.node(index)
        if node is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return node.name
        if role == Qt.ItemDataRole.EditRole:
            return node.name if node.kind == "collection" else None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icons.for_kind(node.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            if node.kind == "saved":
                where = "all fields and full text" if node.fulltext else "all fields and tags"
                return plain_tooltip(f"Saved search in {where}: {node.query}")
            if node.count is None:
                return plain_tooltip(node.name)
            return plain_tooltip(f"{node.name}: {plural(node.count, 'item')}")
        if role == COUNT_ROLE:
            return node.count
        if role == VIEW_ROLE:
            return node.view()
        if role == KIND_ROLE:
            return node.kind
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        node = self.node(index)
        if node is None:
            return Qt.ItemFlag.NoItemFlags
        F = Qt.ItemFlag
        flags = F.ItemIsEnabled | F.ItemIsSelectable
        if node.kind in ("library", "trash"):
            flags |= F.ItemIsDropEnabled
        elif node.kind == "collection":
            flags |= F.ItemIsEditable | F.ItemIsDragEnabled | F.ItemIsDropEnabled
        return flags

    def setData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        value: Any,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        node = self.node(index)
        if role != Qt.ItemDataRole.EditRole or node is None or node.ident is None:
            return False
        if not isinstance(value, str) or not value.strip() or value.strip() == node.name:
            return False
        lib = self._session.lib
        return (
            self._session.apply("Rename collection", lib.rename_collection, node.ident, value)
            is not None
        )

    # ------------------------------------------------------------------ drag and drop
    def mimeTypes(self) -> list[str]:
        return [ITEM_IDS_MIME, COLLECTION_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids: list[int] = []
        for index in indexes:
            node = self.node(index)
            if node is not None and node.ident is not None and node.ident not in ids:
                ids.append(node.ident)
        data = QMimeData()
        data.setData(COLLECTION_IDS_MIME, QByteArray(json.dumps(ids).encode()))
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def can_drop_on(self, data: QMimeData, parent: QModelIndex | QPersistentModelIndex) -> bool:
        target = self.node(parent)
        if target is None:
            return False
        if ids_from_mime(data) is not None:
            return target.kind in ("collection", "trash")
        moving = ids_from_mime(data, COLLECTION_IDS_MIME)
        if not moving:
            return False
        if target.kind == "library":
            return True
        return target.kind == "collection" and target.ident not in moving

    def drop_on(self, data: QMimeData, parent: QModelIndex | QPersistentModelIndex) -> bool:
        target = self.node(parent)
        assert target is not None
        session, lib = self._session, self._session.lib
        items = ids_from_mime(data)
        if items is not None:
            if target.ident is None:  # the Trash
                return session.apply("Move to Trash", lib.trash, items) is not None
            return (
                session.apply("Add to collection", lib.add_to_collection, target.ident, items)
                is not None
            )
        new_parent = target.ident if target.kind == "collection" else None
        current = {
            n.ident: (n.parent.ident if n.parent is not None else None)
            for n in self.nodes()
            if n.kind == "collection"
        }
        done = True
        for collection_id in ids_from_mime(data, COLLECTION_IDS_MIME) or []:
            if collection_id in current and current[collection_id] == new_parent:
                continue
            change = session.apply(
                "Move collection", lib.move_collection, collection_id, new_parent
            )
            done = done and change is not None
        return done


class _Icons:
    """The tree's icons: the style's where it has one, simple drawn ones where it has not."""

    def __init__(self) -> None:
        style = QApplication.style()
        sp = QStyle.StandardPixmap
        self._icons = {
            "library": style.standardIcon(sp.SP_DriveHDIcon),
            "collection": style.standardIcon(sp.SP_DirIcon),
            "unfiled": style.standardIcon(sp.SP_FileIcon),
            "duplicates": _drawn_duplicates(),
            "trash": style.standardIcon(sp.SP_TrashIcon),
            "saved": _drawn_magnifier(),
        }

    def for_kind(self, kind: str) -> QIcon:
        return self._icons.get(kind, QIcon())


def _ink() -> QColor:
    return QApplication.palette().text().color()


def _canvas(size: int = 32) -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


def _drawn_magnifier() -> QIcon:
    pixmap, painter = _canvas()
    pen = QPen(_ink(), 3.5)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.drawEllipse(QPointF(13, 13), 8.5, 8.5)
    painter.drawLine(QPointF(19.5, 19.5), QPointF(28, 28))
    painter.end()
    return QIcon(pixmap)


def _drawn_duplicates() -> QIcon:
    pixmap, painter = _canvas()
    paper = QApplication.palette().base().color()
    painter.setPen(QPen(_ink(), 2.0))
    for x, y in ((4.0, 3.0), (12.0, 10.0)):
        page = QPainterPath()
        page.addRoundedRect(x, y, 16, 20, 2, 2)
        painter.fillPath(page, paper)
        painter.drawPath(page)
    painter.end()
    return QIcon(pixmap)


class _CountDelegate(QStyledItemDelegate):
    """Paints an entry's item count right-aligned and dimmed after its name."""

    GAP: Final = 8

    def _count_text(self, index: QModelIndex | QPersistentModelIndex) -> str:
        count = index.data(COUNT_ROLE)
        return f"{count:,}" if isinstance(count, int) else ""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        text = self._count_text(index)
        if text:
            fm = option.fontMetrics
            size.setWidth(size.width() + self.GAP + fm.horizontalAdvance(text))
        return size

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        text = self._count_text(index)
        if not text:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        full: QRect = QRect(opt.rect)
        width = opt.fontMetrics.horizontalAdvance(text) + self.GAP
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        opt.rect = full.adjusted(0, 0, -width, 0)
        super().paint(painter, opt, index)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        colour = QColor(pal.highlightedText().color() if selected else pal.text().color())
        colour.setAlphaF(0.55)
        painter.save()
        painter.setPen(colour)
        painter.drawText(
            full.adjusted(0, 0, -4, 0),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            text,
        )
        painter.restore()


class SidebarTree(QTreeView):
    """The tree view: drags collections, takes drops, F2 renames in place, Delete deletes.

    Signals:
        delete_requested(): Delete or Backspace was pressed on the current entry.
    """

    delete_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        # Drops land on an entry, never between two (there is no order to insert into).
        self.setDragDropOverwriteMode(True)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setItemDelegate(_CountDelegate(self))

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        """Drag the current collection. Qt's own drag would, after a move, clear the source
        row's data (overwrite mode); the tree re-reads the library instead."""
        index = self.currentIndex()
        model = self.model()
        if not index.isValid() or not model.flags(index) & Qt.ItemFlag.ItemIsDragEnabled:
            return
        drag = QDrag(self)
        drag.setMimeData(model.mimeData([index]))
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            drag.setPixmap(
                icon.pixmap(self.iconSize() if self.iconSize().isValid() else QSize(16, 16))
            )
        drag.exec(Qt.DropAction.MoveAction)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        super().dragMoveEvent(event)
        if event.isAccepted() and event.mimeData().hasFormat(ITEM_IDS_MIME):
            # items dropped on a collection are added to it, never taken from where they were
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F2 and self.state() != QAbstractItemView.State.EditingState:
            index = self.currentIndex()
            if index.isValid() and self.model().flags(index) & Qt.ItemFlag.ItemIsEditable:
                self.edit(index)
                return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_requested.emit()
            return
        super().keyPressEvent(event)


class Sidebar(QWidget):
    """The collection tree over the tag selector, in a splitter.

    Signals:
        view_changed(LibraryView): another entry was chosen (or the chosen one changed: a
            renamed collection, a saved search with a new query).
        tags_changed(tuple[str, ...]): the tags selected in the tag selector (AND).
        export_requested(LibraryView): "Export…" was chosen on an entry's right-click menu
            (My Library, a collection or a saved search).
    """

    view_changed = Signal(object)
    tags_changed = Signal(tuple)
    export_requested = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._view: LibraryView = MY_LIBRARY
        self._restoring = False
        self._fallback: LibraryView | None = None

        self.model = SidebarModel(session, self)
        self.tree = SidebarTree(self)
        self.tree.setModel(self.model)
        self.tag_selector = TagSelector(session, self)
        self.tag_selector.tags_changed.connect(self.tags_changed)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.tag_selector)
        self.splitter.setCollapsible(0, False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.new_collection_action = QAction("New Collection…", self)
        self.new_collection_action.triggered.connect(lambda: self.ask_new_collection(None))
        self.new_subcollection_action = QAction("New Subcollection…", self)
        self.new_subcollection_action.triggered.connect(
            lambda: self.ask_new_collection(self._current_collection())
        )
        self.rename_collection_action = QAction("Rename Collection…", self)
        self.rename_collection_action.triggered.connect(self._ask_rename_current)
        self.delete_collection_action = QAction("Delete Collection…", self)
        self.delete_collection_action.triggered.connect(self._ask_delete_current)
        self.delete_saved_search_action = QAction("Delete Saved Search…", self)
        self.delete_saved_search_action.triggered.connect(self._ask_delete_current)
        self.export_action = QAction("Export Collection…", self)
        self.export_action.triggered.connect(lambda: self.export_requested.emit(self._view))

        self.tree.selectionModel().currentChanged.connect(self._on_current)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.delete_requested.connect(self._ask_delete_current)
        session.changed.connect(self._on_changed)

        self._expand_defaults()
        self._select_index(self.model.index_of_view(MY_LIBRARY))
        self._update_actions()

    # ------------------------------------------------------------------ views
    def current_view(self) -> LibraryView:
        return self._view

    def select_view(self, view: LibraryView) -> bool:
        """Choose an entry (a collection by id, a saved search by name); False if there is
        none. Emits view_changed when the view differs from the current one."""
        index = self.model.index_of_view(view)
        if not index.isValid():
            return False
        self._reveal(index)
        self.tree.setCurrentIndex(index)
        return True

    def _on_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._restoring:
            return
        view = self.model.view_at(current)
        if view is not None:
            self._set_view(view)
        self._update_actions()

    def _set_view(self, view: LibraryView) -> None:
        """Make `view` current and tell the window, unless only its name changed: a renamed
        collection holds the same items (and a new view would clear the tag selection)."""
        if view == self._view:
            return
        same_items = view.kind == "collection" and view == replace(self._view, name=view.name)
        self._view = view
        if not same_items:
            self.view_changed.emit(view)

    def _select_index(self, index: QModelIndex) -> None:
        self._restoring = True
        try:
            self.tree.setCurrentIndex(index)
        finally:
            self._restoring = False

    def _reveal(self, index: QModelIndex) -> None:
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()

    def _expand_defaults(self) -> None:
        for node in self.model.nodes():
            if node.kind == "library":
                self.tree.expand(self.model.index_of(node))

    # ------------------------------------------------------------------ tags
    def selected_tags(self) -> tuple[str, ...]:
        return self.tag_selector.selected_tags()

    def clear_tag_selection(self) -> None:
        self.tag_selector.clear_selection()

    def set_tag_scope(self, scope: Scope | None, query: str, fulltext: bool = False) -> None:
        """Show the tags of the items the table shows (`scope` and the quick-search `query`,
        in the mode "All Fields & Full Text" when `fulltext`) with their counts; they arrive
        from a worker (see TagSelector)."""
        self.tag_selector.set_scope(scope, query, fulltext)

    # ------------------------------------------------------------------ settings
    def splitter_state(self) -> bytes:
        return bytes(self.splitter.saveState().data())

    def restore_splitter_state(self, state: bytes) -> bool:
        return self.splitter.restoreState(QByteArray(state))

    def expanded_collections(self) -> list[int]:
        return [
            node.ident
            for node in self.model.nodes()
            if node.kind == "collection"
            and node.ident is not None
            and node.children
            and self.tree.isExpanded(self.model.index_of(node))
        ]

    def restore_expanded(self, ids: Sequence[int]) -> None:
        for collection_id in ids:
            index = self.model.index_of_collection(collection_id)
            if index.isValid():
                self._reveal(index)
                self.tree.expand(index)

    # ------------------------------------------------------------------ refreshing
    def refresh_tree(self) -> None:
        """Re-read the tree, keeping the chosen entry and what was expanded. If the chosen
        entry is gone, choose where it was (its parent collection) or My Library."""
        expanded = {
            node.key()
            for node in self.model.nodes()
            if self.tree.isExpanded(self.model.index_of(node))
        }
        self._restoring = True
        try:
            self.model.reload()
            for node in self.model.nodes():
                if node.key() in expanded:
                    self.tree.expand(self.model.index_of(node))
            index = self.model.index_of_view(self._view)
            if not index.isValid() and self._fallback is not None:
                index = self.model.index_of_view(self._fallback)
            if not index.isValid():
                index = self.model.index_of_view(MY_LIBRARY)
            self.tree.setCurrentIndex(index)
        finally:
            self._restoring = False
        view = self.model.view_at(index)
        if view is not None:
            self._set_view(view)
        self._update_actions()

    def refresh(self) -> None:
        self.refresh_tree()
        self.tag_selector.refresh()

    def _on_changed(self, change: Change) -> None:
        # Counts move only when items come, go, or change collection or Trash (which name
        # `collections`); an edit of an item's fields (`items` alone) costs no query.
        if (
            change.collections
            or change.saved_searches
            or change.items_added
            or change.items_removed
            or change.elsewhere
        ):
            self.refresh_tree()

    # ------------------------------------------------------------------ collections
    def create_collection(self, name: str, parent_id: int | None = None) -> int | None:
        """Create a collection (inside `parent_id`) and choose it; its id, or None if the
        library refused (the session has reported why)."""
        lib = self._session.lib
        change = self._session.apply("New collection", lib.create_collection, name, parent_id)
        if change is None or not change.new_ids:
            return None
        new_id = change.new_ids[0]
        self.select_view(LibraryView("collection", name.strip(), collection=new_id))
        return new_id

    def rename_collection(self, collection_id: int, name: str) -> bool:
        lib = self._session.lib
        return (
            self._session.apply("Rename collection", lib.rename_collection, collection_id, name)
            is not None
        )

    def move_collection(self, collection_id: int, parent_id: int | None) -> bool:
        """Nest a collection in another (None: at the top). The library refuses a move into
        the collection itself or one of its subcollections; the session reports it."""
        lib = self._session.lib
        change = self._session.apply(
            "Move collection", lib.move_collection, collection_id, parent_id
        )
        if change is None:
            return False
        if parent_id is not None:
            self.tree.expand(self.model.index_of_collection(parent_id))
        return True

    def delete_collection(self, collection_id: int) -> bool:
        """Delete a collection and its subcollections (their items stay in the library). If
        the current view was inside it, the view moves to the deleted one's parent."""
        index = self.model.index_of_collection(collection_id)
        node = self.model.node(index)
        parent = node.parent if node is not None else None
        self._fallback = parent.view() if parent is not None else MY_LIBRARY
        lib = self._session.lib
        try:
            change = self._session.apply("Delete collection", lib.delete_collection, collection_id)
        finally:
            self._fallback = None
        return change is not None

    def add_to_collection(self, collection_id: int, item_ids: Sequence[int]) -> bool:
        lib = self._session.lib
        return (
            self._session.apply(
                "Add to collection", lib.add_to_collection, collection_id, list(item_ids)
            )
            is not None
        )

    def delete_saved_search(self, name: str) -> bool:
        lib = self._session.lib
        return self._session.apply("Delete saved search", lib.delete_saved_search, name) is not None

    # ------------------------------------------------------------------ asking first
    def new_collection(self) -> int | None:
        """File ▸ New Collection: ask for a name, create it at the top level and choose it."""
        return self.ask_new_collection(None)

    def rename_current(self) -> bool:
        """Rename the chosen collection in place (as F2 does); False if none is chosen."""
        index = self.model.index_of_view(self._view)
        if self._view.kind != "collection" or not index.isValid():
            return False
        self.tree.setFocus()
        self.tree.edit(index)
        return self.tree.state() == QAbstractItemView.State.EditingState

    def ask_new_collection(self, parent_id: int | None) -> int | None:
        title = "New Subcollection" if parent_id is not None else "New Collection"
        name = ask_text(self, title, "Name:")
        if name is None or not name.strip():
            return None
        return self.create_collection(name, parent_id)

    def ask_rename_collection(self, collection_id: int) -> bool:
        node = self.model.node(self.model.index_of_collection(collection_id))
        if node is None:
            return False
        name = ask_text(self, "Rename Collection", "New name:", node.name)
        if name is None or not name.strip() or name.strip() == node.name:
            return False
        return self.rename_collection(collection_id, name)

    def ask_delete_collection(self, collection_id: int) -> bool:
        node = self.model.node(self.model.index_of_collection(collection_id))
        if node is None:
            return False
        detail = "The items in it stay in My Library."
        if node.children:
            detail = "Its subcollections are deleted too. " + detail
        if not confirm(
            self,
            "Delete Collection",
            f"Delete the collection “{node.name}”?",
            detail,
            "Delete Collection",
        ):
            return False
        return self.delete_collection(collection_id)

    def ask_delete_saved_search(self, name: str) -> bool:
        if not confirm(
            self,
            "Delete Saved Search",
            f"Delete the saved search “{name}”?",
            "The items it finds are not affected.",
            "Delete Saved Search",
        ):
            return False
        return self.delete_saved_search(name)

    def _current_collection(self) -> int | None:
        return self._view.collection if self._view.kind == "collection" else None

    def _ask_rename_current(self) -> None:
        collection_id = self._current_collection()
        if collection_id is not None:
            self.ask_rename_collection(collection_id)

    def _ask_delete_current(self) -> None:
        if self._view.kind == "collection" and self._view.collection is not None:
            self.ask_delete_collection(self._view.collection)
        elif self._view.kind == "saved":
            self.ask_delete_saved_search(self._view.name)

    def _update_actions(self) -> None:
        is_collection = self._view.kind == "collection"
        self.new_subcollection_action.setEnabled(is_collection)
        self.rename_collection_action.setEnabled(is_collection)
        self.delete_collection_action.setEnabled(is_collection)
        self.delete_saved_search_action.setEnabled(self._view.kind == "saved")
        labels = {
            "library": "Export Library…",
            "collection": "Export Collection…",
            "saved": "Export Saved Search…",
        }
        self.export_action.setText(labels.get(self._view.kind, "Export…"))
        self.export_action.setEnabled(self._view.kind in labels)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.tree.indexAt(pos)
        node = self.model.node(index)
        if node is not None:
            self.tree.setCurrentIndex(index)
        kind = node.kind if node is not None else None
        menu = QMenu(self)
        if kind == "collection":
            menu.addAction(self.new_subcollection_action)
            menu.addSeparator()
            menu.addAction(self.rename_collection_action)
            menu.addAction(self.export_action)
            menu.addSeparator()
            menu.addAction(self.delete_collection_action)
        elif kind == "saved":
            menu.addAction(self.export_action)
            menu.addAction(self.delete_saved_search_action)
        elif kind in (None, "library"):
            menu.addAction(self.new_collection_action)
            if kind == "library":
                menu.addAction(self.export_action)
        if not menu.isEmpty():
            menu.exec(self.tree.viewport().mapToGlobal(pos))
