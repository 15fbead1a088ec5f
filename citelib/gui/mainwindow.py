"""The main window: sidebar, item table and item pane (Zotero's three panes), menus, search.

The window owns no data: it turns the sidebar's view, the tags clicked and the search text into
one query for the item table, routes actions to the Library through the session, and keeps the
user's layout in QSettings.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QToolButton,
    QWidget,
)

from citelib import __version__
from citelib.library import Change, Library, Scope, attaching
from citelib.library.fulltext import IndexRun
from citelib.model import Item

from . import exporting, importing, pdfimport, relinking
from .indexing import AT_START_MS, FulltextIndexer, IndexingStatus, run_changed_results
from .itempane import ItemPane
from .itemtable import COLUMNS, ItemTable, fulltext_icon
from .session import Session, log_error
from .sidebar import Sidebar
from .views import LibraryView
from .widgets import action_icon, ask_text, confirm, plural, warn
from .workers import Worker, shutdown_workers

SEARCH_DELAY_MS = 150  # typing pauses this long before the table filters
ELSEWHERE_MS = 2000  # how often to look whether another program wrote to the library
GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
SPLITTER_KEY = "window/splitter"
HEADER_KEY = "table/header"
SIDEBAR_KEY = "sidebar/splitter"
EXPANDED_KEY = "sidebar/expanded"  # per library: "sidebar/expanded/<digest of its folder>"
RECENT_KEY = "library/recent"
STORE_COPIES_KEY = "attachments/store_copies"
SEARCH_MODE_KEY = "search/mode"
FIELDS_MODE = "fields"  # "All Fields & Tags"
FULLTEXT_MODE = "fulltext"  # "All Fields & Full Text"
SEARCH_MODES = {
    FIELDS_MODE: ("All Fields && Tags", "Search all fields and tags   (Ctrl+F)"),
    FULLTEXT_MODE: ("All Fields && Full Text", "Search all fields and full text   (Ctrl+F)"),
}
LIBRARY_FILE = "library.sqlite"


def _library_key(prefix: str, folder: Path) -> str:
    return f"{prefix}/{hashlib.sha1(str(folder).encode()).hexdigest()[:16]}"


_MAGNIFIER: list[QIcon] = []


def magnifier_icon() -> QIcon:
    """The quick search's mode button in "All Fields & Tags": a magnifier, drawn once."""
    if not _MAGNIFIER:
        pixmap = QPixmap(32, 32)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor("#5f6b7a"), 3.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawEllipse(5, 5, 15, 15)
        painter.drawLine(19, 19, 27, 27)
        painter.end()
        _MAGNIFIER.append(QIcon(pixmap))
    return _MAGNIFIER[0]


def recent_libraries(settings: QSettings) -> list[Path]:
    """The libraries opened lately, newest first (those still there)."""
    value = settings.value(RECENT_KEY, [])
    names = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    return [Path(n) for n in names if n and (Path(n) / LIBRARY_FILE).is_file()]


class MainWindow(QMainWindow):
    """citelib's window over one library.

    Signals:
        first_rows_painted(): the item table painted for the first time, rows and all (the
            view is applied before the window shows); benchmarks wait for it.
        library_requested(Path, bool): the user chose another library to open (File > Open
            Library, New Library, Open Recent); the bool says whether it may be created. The
            app opens it in a new window and closes this one.
    """

    first_rows_painted = Signal()
    library_requested = Signal(object, bool)

    def __init__(
        self,
        lib: Library,
        *,
        settings: QSettings | None = None,
        demo: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.lib = lib
        self.settings = settings if settings is not None else QSettings()
        self.demo = demo
        self.session = Session(lib, self)
        self._painted = False
        self._duplicate_ids: tuple[int, ...] | None = None
        self._duplicate_set_of: dict[int, tuple[int, ...]] = {}
        self._duplicates_worker: Worker | None = None
        self.last_import: importing.ImportFlow | None = None
        self.last_export: exporting.ExportFlow | None = None
        self.last_pdf_import: pdfimport.PdfImportFlow | None = None
        self.last_relink: relinking.RelinkFlow | None = None
        self.save_on_close = True

        self.sidebar = Sidebar(self.session, self)
        self.table = ItemTable(self.session, self)
        self.pane = ItemPane(self.session, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        for widget in (self.sidebar, self.table, self.pane):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([220, 740, 480])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.search = QLineEdit(self)
        self.search.setObjectName("quickSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(320)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_view)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_view)
        # Another program (the CLI, a second window) may write to the library: look every few
        # seconds (one indexed read) and show what it did in every pane.
        self._elsewhere_timer = QTimer(self)
        self._elsewhere_timer.setInterval(ELSEWHERE_MS)
        self._elsewhere_timer.timeout.connect(self.check_elsewhere)
        self._elsewhere_timer.start()

        self.indexer = FulltextIndexer(self.session, self)
        self.indexing_status = IndexingStatus(self.indexer, self)
        self.statusBar().addPermanentWidget(self.indexing_status)
        self.count_label = QLabel(self)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addPermanentWidget(self.count_label)

        self._make_actions()
        self._make_menus()
        self._make_toolbar()
        self._connect()
        self.setAcceptDrops(True)
        self.setWindowTitle(self._title())
        self.resize(1280, 800)
        self._restore_settings()
        self.table.viewport().installEventFilter(self)
        self.apply_view()
        self._update_history_actions()
        # PDFs attached while the app was closed (or by the command line), a run cancelled at
        # the last close: read once the window has painted its rows
        self.indexer.schedule(AT_START_MS)

    # ------------------------------------------------------------------ building
    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _make_actions(self) -> None:
        a = self._action
        self.new_item_action = a("&New Item", self.new_item, QKeySequence.StandardKey.New)
        self.import_action = a(
            "&Import…", self.import_dialog, "Ctrl+Shift+I", "Import references from files"
        )
        self.export_library_action = a("Export &Library…", self.export_library)
        self.export_selected_action = a("Export &Selected Items…", self.export_selected)
        self.export_view_action = a(
            "Export Items &Shown…", self.export_shown, tip="Export the items the table shows"
        )
        self.new_library_action = a(
            "New Li&brary…", self.ask_new_library, tip="Make a new library in a folder"
        )
        self.open_library_action = a(
            "&Open Library…", self.ask_open_library, QKeySequence.StandardKey.Open
        )
        self.quit_action = a("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = a("&Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = a("&Redo", self.redo, "Ctrl+Shift+Z")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.copy_ris_action = a("Copy as &RIS", lambda: self.copy_as("ris"), "Ctrl+Shift+R")
        self.copy_bibtex_action = a(
            "Copy as &BibTeX", lambda: self.copy_as("bibtex"), "Ctrl+Shift+B"
        )
        self.select_all_action = a(
            "Select &All", self.select_all, QKeySequence.StandardKey.SelectAll
        )
        self.find_action = a("&Find", self.focus_search, QKeySequence.StandardKey.Find)
        self.trash_action = a(
            "&Move to Trash", self.delete_selected, QKeySequence.StandardKey.Delete
        )
        self.restore_action = a("Restore to &Library", self.restore_selected)
        self.empty_trash_action = a("&Empty Trash…", self.empty_trash)
        self.rename_action = a("Re&name", self.rename, "F2")
        self.edit_action = a("&Edit Item", self.edit_current)
        self.edit_action.setShortcuts(
            [QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)]
        )
        self.edit_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.table.addAction(self.edit_action)
        for action in (self.trash_action, self.select_all_action):
            # Delete and Ctrl+A belong to whatever text field has the focus when one has it.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.table.addAction(action)
        self.new_collection_action = a("New &Collection…", self.new_collection)
        self.save_search_action = a(
            "&Save Search…", self.save_search, tip="Keep the current search in the sidebar"
        )
        self.toggle_sidebar_action = a("&Sidebar", self._toggle_pane(0), "Ctrl+Shift+L")
        self.toggle_pane_action = a("&Item Pane", self._toggle_pane(2), "Ctrl+Shift+P")
        for action in (self.toggle_sidebar_action, self.toggle_pane_action):
            action.setCheckable(True)
            action.setChecked(True)
        self.about_action = a("&About citelib", self.about)
        self.store_copies_action = a(
            "&Store Copies of Added Files",
            self._store_copies_changed,
            tip="Copy dropped and imported files into the library folder (off: link to them)",
        )
        self.store_copies_action.setCheckable(True)
        self.store_copies_action.setChecked(True)
        self.find_missing_action = a(
            "Find &Missing Files…",
            self.find_missing_files,
            tip="Look for moved linked files in a folder and relink them",
        )
        self.rebuild_index_action = a(
            "Rebuild &Full-Text Index…",
            self.rebuild_fulltext_index,
            tip="Read the text of every PDF again",
        )
        self.search_mode_group = QActionGroup(self)
        self.search_mode_actions: dict[str, QAction] = {}
        for mode, (text, _placeholder) in SEARCH_MODES.items():
            action = QAction(text, self.search_mode_group)
            action.setCheckable(True)
            action.setData(mode)
            action.triggered.connect(lambda _checked=False, m=mode: self.set_search_mode(m))
            self.search_mode_actions[mode] = action
        self.search_mode_actions[FIELDS_MODE].setStatusTip("Search the items' fields and tags")
        self.search_mode_actions[FULLTEXT_MODE].setStatusTip(
            "Search the items' fields, tags and the text of their PDFs"
        )
        self._search_mode = FIELDS_MODE
        self.tag_shortcuts = []
        for n in range(1, 10):
            shortcut = QShortcut(QKeySequence(str(n)), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda n=n: self.toggle_coloured_tag(n))
            self.tag_shortcuts.append(shortcut)

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.new_item_action, self.new_collection_action])
        file_menu.addSeparator()
        file_menu.addActions([self.new_library_action, self.open_library_action])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.import_action)
        file_menu.addActions(
            [self.export_library_action, self.export_selected_action, self.export_view_action]
        )
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action])
        edit.addSeparator()
        edit.addActions([self.copy_ris_action, self.copy_bibtex_action, self.select_all_action])
        edit.addSeparator()
        edit.addActions([self.edit_action, self.rename_action, self.find_action])
        edit.addSeparator()
        edit.addActions([self.trash_action, self.restore_action, self.empty_trash_action])
        view = bar.addMenu("&View")
        view.addActions([self.toggle_sidebar_action, self.toggle_pane_action])
        view.addSeparator()
        self.search_mode_menu = view.addMenu("Search &Mode")
        self.search_mode_menu.addActions(self.search_mode_group.actions())
        view.addAction(self.save_search_action)
        tools = bar.addMenu("&Tools")
        tools.addAction(self.store_copies_action)
        tools.addAction(self.find_missing_action)
        tools.addSeparator()
        tools.addAction(self.rebuild_index_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)

    def _make_toolbar(self) -> None:
        bar = QToolBar("Main", self)
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(20, 20))
        for action, icon in (
            (self.new_item_action, "new-item"),
            (self.new_collection_action, "new-collection"),
            (self.import_action, "import"),
            (self.export_view_action, "export"),
            (self.undo_action, "undo"),
            (self.redo_action, "redo"),
        ):
            action.setIcon(action_icon(icon))
        self.export_view_action.setIconText("Export")
        self.export_view_action.setToolTip("Export the items shown")
        bar.addActions([self.new_item_action, self.new_collection_action])
        bar.addSeparator()
        bar.addActions([self.import_action, self.export_view_action])
        bar.addSeparator()
        for action in (self.undo_action, self.redo_action):
            bar.addAction(action)
            button = bar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        spacer = QWidget(bar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.search_mode_button = QToolButton(bar)
        self.search_mode_button.setObjectName("searchMode")
        self.search_mode_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.search_mode_button.setAutoRaise(True)
        mode_menu = QMenu(self.search_mode_button)
        mode_menu.addActions(self.search_mode_group.actions())
        self.search_mode_button.setMenu(mode_menu)
        bar.addWidget(self.search_mode_button)
        bar.addWidget(self.search)
        self.addToolBar(bar)
        self._show_search_mode()

    def _connect(self) -> None:
        self.sidebar.view_changed.connect(self._view_changed)
        self.sidebar.tags_changed.connect(lambda _tags: self.apply_view())
        self.sidebar.export_requested.connect(self.export_view)
        self.sidebar.tag_selector.export_requested.connect(self.export_tag)
        self.table.selection_changed.connect(self._selection_changed)
        self.pane.merged.connect(self._merged)
        self.pane.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.table.item_activated.connect(lambda _id: self.edit_current())
        model = self.table.reference_model
        model.count_changed.connect(lambda _n: self._update_counts())
        model.query_failed.connect(lambda why: self.statusBar().showMessage(f"Search: {why}", 5000))
        self.indexer.finished.connect(self._indexing_done)
        self.session.changed.connect(self._library_changed)
        self.session.failed.connect(self._show_failure)
        self.session.history_changed.connect(self._update_history_actions)

    # ------------------------------------------------------------------ the view
    def current_view(self) -> LibraryView:
        view: LibraryView = self.sidebar.current_view()
        return view

    def current_scope(self) -> Scope:
        view = self.current_view()
        tags = tuple(self.sidebar.selected_tags())
        if view.kind == "duplicates":
            return Scope(tags=tags, ids=self._duplicate_ids or ())
        return view.scope(tags)

    def current_query(self) -> str:
        return self.current_view().search_text(self.search.text())

    def search_mode(self) -> str:
        """`fields` ("All Fields & Tags") or `fulltext` ("All Fields & Full Text"): the
        user's choice (a saved search runs in its own, see `current_fulltext`)."""
        return self._search_mode

    def current_fulltext(self) -> bool:
        """Whether the table searches in "All Fields & Full Text": a saved search in the
        mode it was saved in, everything else in the user's."""
        view = self.current_view()
        if view.kind == "saved":
            return view.fulltext
        return self._search_mode == FULLTEXT_MODE

    def set_search_mode(self, mode: str) -> None:
        """Search in that mode from now on (remembered); the view follows at once."""
        if mode not in SEARCH_MODES:
            return
        changed = mode != self._search_mode
        self._search_mode = mode
        self.settings.setValue(SEARCH_MODE_KEY, mode)
        self._show_search_mode()
        if changed:
            self.apply_view()

    def _show_search_mode(self) -> None:
        """The mode the table searches in, on the button beside the search box. A saved
        search brings its own: the button shows it and cannot change it there."""
        saved = self.current_view().kind == "saved"
        mode = FULLTEXT_MODE if self.current_fulltext() else FIELDS_MODE
        self.search_mode_actions[self._search_mode].setChecked(True)
        text, placeholder = SEARCH_MODES[mode]
        self.search.setPlaceholderText(placeholder)
        button = self.search_mode_button
        button.setEnabled(not saved)
        self.search_mode_group.setEnabled(not saved)  # the View menu's choice too
        button.setIcon(fulltext_icon() if mode == FULLTEXT_MODE else magnifier_icon())
        label = f"Search mode: {text.replace('&&', '&')}"
        tip = f"{label} (this saved search's own)" if saved else label
        button.setToolTip(tip)
        button.setAccessibleName(tip)

    def apply_view(self) -> None:
        """Show what the sidebar, the tags and the search box ask for."""
        self._search_timer.stop()
        view = self.current_view()
        if view.kind == "duplicates" and self._duplicate_ids is None:
            self._find_duplicates()
        scope = self.current_scope()
        query = self.current_query()
        fulltext = self.current_fulltext()
        self.table.reference_model.set_view(query, scope, fulltext=fulltext)
        self.sidebar.set_tag_scope(scope, query, fulltext)
        self._show_search_mode()
        in_trash = view.kind == "trash"
        self.restore_action.setEnabled(in_trash)
        self.trash_action.setText("&Delete Permanently…" if in_trash else "&Move to Trash")
        self.setWindowTitle(self._title())
        self._update_counts()

    def _view_changed(self, view: LibraryView) -> None:
        self.sidebar.clear_tag_selection()
        self.apply_view()

    def _find_duplicates(self) -> None:
        """Work out the Duplicate Items view off the GUI thread (seconds on a big library)."""
        if self._duplicates_worker is not None:
            return
        self.statusBar().showMessage("Looking for duplicates…")
        worker = Worker(lambda _progress: self.lib.duplicate_sets())
        self._duplicates_worker = worker

        def done(sets: object) -> None:
            self._duplicates_worker = None
            found = sets if isinstance(sets, list) else []
            self._duplicate_ids = tuple(i for group in found for i in group)
            self._duplicate_set_of = {i: tuple(group) for group in found for i in group}
            self.statusBar().showMessage(f"{len(found):,} sets of likely duplicates", 5000)
            if self.current_view().kind == "duplicates":
                self.apply_view()

        def failed(error: BaseException) -> None:
            self._duplicates_worker = None
            self._duplicate_ids = ()
            self._duplicate_set_of = {}
            self.session.report("Find duplicates", error)

        worker.finished.connect(done)
        worker.failed.connect(failed)
        worker.start()

    def _selection_changed(self, ids: list[int]) -> None:
        group = self._duplicate_group(ids)
        if group is not None and set(ids) != set(group):
            # as in Zotero: a click on one duplicate selects its whole set (this comes back here)
            self.table.select_ids(list(group))
            return
        if group is not None:
            self.pane.show_merge(list(group))
        else:
            self.pane.show_items(list(ids))
        self._update_counts()

    def _duplicate_group(self, ids: list[int]) -> tuple[int, ...] | None:
        """In the Duplicate Items view, the one set of duplicates the selection is part of."""
        if self.current_view().kind != "duplicates" or not ids:
            return None
        groups = {self._duplicate_set_of.get(i) for i in ids}
        if len(groups) != 1:
            return None
        return groups.pop()

    def _merged(self, master: int) -> None:
        title = self.lib.get_item(master).title or "(no title)"
        self.statusBar().showMessage(f"Merged into “{title}”.", 8000)

    def _library_changed(self, change: Change) -> None:
        if change.items or change.items_added or change.items_removed or change.elsewhere:
            self._duplicate_ids = None
            self._duplicate_set_of = {}
            if self.current_view().kind == "duplicates":
                self._find_duplicates()
        self._update_counts()

    def _indexing_done(self, run: object) -> None:
        """A run of the indexer ended: a full-text search may find more now."""
        if not isinstance(run, IndexRun):
            return
        if run.indexed or run.failed:
            text = f"Indexed {plural(run.indexed, 'PDF')}"
            if run.failed:
                text += f"; {plural(len(run.failed), 'file')} could not be read"
            if run.cancelled:
                text += " (stopped before the end)"
            self.statusBar().showMessage(text, 6000)
        model = self.table.reference_model
        if model.fulltext and model.query.strip() and run_changed_results(run):
            model.refresh()
            self.sidebar.tag_selector.refresh()

    def attach_mode(self) -> attaching.Mode:
        """How files dropped or imported are added (Tools > Store Copies of Added Files)."""
        return "stored" if self.store_copies_action.isChecked() else "linked"

    def _store_copies_changed(self) -> None:
        self.pane.drop_mode = self.attach_mode()
        self.settings.setValue(STORE_COPIES_KEY, self.store_copies_action.isChecked())

    def find_missing_files(self) -> None:
        flow = relinking.find_missing_files(self.session, self)
        if flow is not None:
            self.last_relink = flow
            flow.finished.connect(lambda text: self.statusBar().showMessage(text, 8000))

    def rebuild_fulltext_index(self) -> None:
        """Tools > Rebuild Full-Text Index: forget the indexed text and read every PDF again
        (in the background; until it is done, a full-text search finds less)."""
        if confirm(
            self,
            "Rebuild Full-Text Index",
            "Read the text of every PDF in the library again?",
            "The index is rebuilt in the background; until it is done, searches in "
            "All Fields & Full Text find only the PDFs read so far.",
            "Rebuild Index",
        ):
            self.indexer.rebuild()

    def _update_counts(self) -> None:
        total = self.table.reference_model.total()
        selected = len(self.table.selected_ids())
        text = f"{total:,} item" + ("" if total == 1 else "s")
        if selected > 1:
            text = f"{selected:,} of {text} selected"
        self.count_label.setText(text)

    def _title(self) -> str:
        name = "Demo library" if self.demo else self.lib.folder.name
        return f"{self.current_view().name} — {name} — citelib"

    # ------------------------------------------------------------------ actions
    def selected_ids(self) -> list[int]:
        return list(self.table.selected_ids())

    def new_item(self) -> None:
        view = self.current_view()
        change = self.session.apply("New item", self.lib.add_item, Item("journalArticle"))
        if change is None or not change.new_ids:
            return
        item_id = change.new_ids[0]
        if view.kind == "collection" and view.collection is not None:
            self.session.apply(
                "Add to collection", self.lib.add_to_collection, view.collection, [item_id]
            )
        elif view.kind not in ("library", "unfiled"):
            self.sidebar.select_view(LibraryView())
        self.table.select_ids([item_id])
        self.pane.show_items([item_id])
        self.pane.focus_field("title")

    def import_dialog(self) -> None:
        paths = importing.ask_import_files(self)
        if paths:
            self.import_paths(paths)

    def import_paths(self, paths: list[Path]) -> None:
        """Import files (dropped on the window, or chosen): reference files with a preview
        first, PDFs straight into recognised items with their files; both off the GUI thread.
        The reference files go first, so a PDF finds the record it belongs to."""
        pdfs, others = pdfimport.split_pdfs(paths)
        target = self._import_target()
        if others:
            flow = importing.import_files(self.session, others, self, target)
            self._follow_import(flow)
            if pdfs:  # after the records, unless the user cancelled the import

                def then_pdfs(outcome: str) -> None:
                    if "cancelled" not in outcome:
                        self._import_pdfs(pdfs, target)

                flow.finished.connect(then_pdfs)
        elif pdfs:
            self._import_pdfs(pdfs, target)

    def _import_pdfs(self, pdfs: list[Path], target: int | None) -> None:
        flow = pdfimport.import_pdfs(self.session, pdfs, self, target, self.attach_mode())
        self.last_pdf_import = flow
        flow.finished.connect(lambda text: self.statusBar().showMessage(text, 8000))

        def select(_change: Change) -> None:
            report = flow.report
            ids = [o.item_id for o in report.outcomes if o.item_id] if report else []
            QTimer.singleShot(0, lambda: self.table.select_ids(list(dict.fromkeys(ids))))

        flow.imported.connect(select)

    def _follow_import(self, flow: importing.ImportFlow) -> None:
        self.last_import = flow
        flow.imported.connect(self._imported)

    def _imported(self, change: Change) -> None:
        """Show what was just imported: select the new items (once the table has them)."""
        QTimer.singleShot(0, lambda: self.table.select_ids(list(change.new_ids)))

    def _import_target(self) -> int | None:
        view = self.current_view()
        return view.collection if view.kind == "collection" else None

    def ask_open_library(self) -> None:
        """Choose a library folder and open it (in place of this one)."""
        start = str(self.lib.folder.parent)
        chosen = QFileDialog.getExistingDirectory(self, "Open Library", start)
        if chosen:
            self.open_library(Path(chosen))

    def open_library(self, folder: Path) -> bool:
        """Ask the app to open the library in `folder`; False (and a message) if it holds none."""
        if not (folder / LIBRARY_FILE).is_file():
            warn(
                self,
                "Open Library",
                f"{folder} holds no citelib library.\n\n"
                "Choose the folder that holds library.sqlite, "
                "or make a library there with File > New Library….",
            )
            return False
        if folder.resolve() != self.lib.folder.resolve():
            self.library_requested.emit(folder, False)
        return True

    def ask_new_library(self) -> None:
        """Choose a folder for a new library (an existing library there is opened instead)."""
        start = str(self.lib.folder.parent)
        chosen = QFileDialog.getExistingDirectory(self, "New Library: Choose a Folder", start)
        if chosen:
            self.new_library(Path(chosen))

    def new_library(self, folder: Path) -> bool:
        """Make a library in `folder` and open it; an existing one there is simply opened. A
        folder holding other files is used only once the user agrees."""
        if (folder / LIBRARY_FILE).is_file():
            return self.open_library(folder)
        crowded = folder.is_dir() and any(folder.iterdir())
        if crowded and not confirm(
            self,
            "New Library",
            f"{folder} is not empty.",
            "The library adds library.sqlite, files and backups beside what is there; "
            "nothing in the folder is changed.",
            "Make Library Here",
        ):
            return False
        self.library_requested.emit(folder, True)
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        here = self.lib.folder.resolve()
        shown = [p for p in recent_libraries(self.settings) if p.resolve() != here]
        for folder in shown:
            action = self.recent_menu.addAction(str(folder))
            action.triggered.connect(lambda _checked=False, f=folder: self.open_library(f))
        if not shown:
            self.recent_menu.addAction("No other libraries").setEnabled(False)

    def _export(self, what: exporting.Selection | list[int], name: str = "") -> None:
        flow = exporting.export_items(self.session, what, self, name)
        if flow is not None:
            self.last_export = flow
            flow.finished.connect(lambda text: self.statusBar().showMessage(text, 8000))

    def export_library(self) -> None:
        count = self.lib.count()
        self._export(exporting.Selection(name="My Library", count=count))

    def export_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self._export(ids, f"{len(ids)} selected items")

    def export_shown(self) -> None:
        model = self.table.reference_model
        column = COLUMNS[model.sort_column]
        selection = exporting.Selection(
            query=model.query,
            fulltext=model.fulltext,
            scope=model.scope,
            sort=column.sort or "title",
            descending=model.sort_order == Qt.SortOrder.DescendingOrder,
            name=self.current_view().name,
            count=model.total(),
        )
        self._export(selection)

    def export_view(self, view: LibraryView) -> None:
        """Export a collection, saved search or tag chosen in the sidebar (its right-click
        menu), whatever the table shows."""
        scope = view.scope()
        query = view.search_text("")
        fulltext = view.kind == "saved" and view.fulltext
        count = self.lib.count(query, scope, fulltext=fulltext)
        self._export(
            exporting.Selection(
                query=query, fulltext=fulltext, scope=scope, name=view.name, count=count
            )
        )

    def export_tag(self, name: str) -> None:
        scope = Scope(tags=(name,))
        self._export(exporting.Selection(scope=scope, name=name, count=self.lib.count("", scope)))

    def copy_as(self, format_name: str) -> None:
        ids = self.selected_ids()
        if ids:
            exporting.copy_as(self.session, ids, format_name)
            self.statusBar().showMessage(f"Copied {len(ids):,} items as {format_name}", 4000)

    def select_all(self) -> None:
        self.table.selectAll()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        if self.current_view().kind == "trash":
            if confirm(
                self,
                "Delete Permanently",
                f"Delete {len(ids):,} item{'s' if len(ids) != 1 else ''} permanently?",
                "You can still undo this while citelib is open.",
                "Delete",
            ):
                self.session.apply("Delete items", self.lib.delete_items, ids)
            return
        self.session.apply("Move to Trash", self.lib.trash, ids)

    def restore_selected(self) -> None:
        ids = self.selected_ids()
        if ids and self.current_view().kind == "trash":
            self.session.apply("Restore to library", self.lib.restore, ids)

    def empty_trash(self) -> None:
        count = self.lib.count(scope=Scope(trash=True))
        if not count:
            self.statusBar().showMessage("The Trash is empty", 3000)
            return
        if confirm(
            self,
            "Empty Trash",
            f"Delete the {count:,} item{'s' if count != 1 else ''} in the Trash permanently?",
            "You can still undo this while citelib is open.",
            "Empty Trash",
        ):
            self.session.apply("Empty Trash", self.lib.empty_trash)

    def rename(self) -> None:
        focus = QApplication.focusWidget()
        if focus is not None and self.sidebar.isAncestorOf(focus):
            self.sidebar.rename_current()
        else:
            self.edit_current()

    def edit_current(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.pane.show_items(ids)
            self.pane.focus_field("title")

    def new_collection(self) -> None:
        self.sidebar.new_collection()

    def save_search(self) -> None:
        query = self.current_query()
        if not query:
            self.statusBar().showMessage("Type a search first", 3000)
            return
        name = ask_text(self, "Save Search", "Name:", query)
        if name is not None and name.strip():
            save = partial(self.lib.save_search, fulltext=self.current_fulltext())
            self.session.apply("Save search", save, name.strip(), query)

    def toggle_coloured_tag(self, n: int) -> None:
        """Keys 1-9: the n-th coloured tag on or off for the selected items (Zotero's rule)."""
        ids = self.selected_ids()
        coloured = self.lib.coloured_tags()
        if not ids or n > len(coloured):
            return
        self.session.apply("Toggle tag", self.lib.toggle_tag, ids, coloured[n - 1].name)

    def undo(self) -> None:
        self.session.undo()

    def redo(self) -> None:
        self.session.redo()

    def _update_history_actions(self) -> None:
        undo, redo = self.session.undo_label(), self.session.redo_label()
        self.undo_action.setEnabled(undo is not None)
        self.undo_action.setText(undo or "&Undo")
        self.redo_action.setEnabled(redo is not None)
        self.redo_action.setText(redo or "&Redo")

    def _toggle_pane(self, index: int) -> Callable[[], None]:
        def toggle() -> None:
            widget = self.splitter.widget(index)
            action = self.toggle_sidebar_action if index == 0 else self.toggle_pane_action
            if widget is not None:
                widget.setVisible(action.isChecked())

        return toggle

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About citelib",
            f"citelib {__version__}\n\nA reference manager: import, organise, search and cite "
            f"your literature.\n\nLibrary: {self.lib.folder}",
        )

    def _table_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        ids = self.selected_ids()
        for action in (self.export_selected_action, self.copy_ris_action, self.copy_bibtex_action):
            action.setEnabled(bool(ids))
            menu.addAction(action)
        menu.addSeparator()
        if self.current_view().kind == "trash":
            menu.addAction(self.restore_action)
        menu.addAction(self.trash_action)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # ------------------------------------------------------------------ errors
    def _show_failure(self, what: str, why: str) -> None:
        self._warn(what, why)

    def _warn(self, title: str, text: str) -> None:
        warn(self, title, text)

    def report_unexpected(self, error: BaseException) -> None:
        """The last line of defence (sys.excepthook): log, tell, keep the window open."""
        where = log_error(self.lib.folder, error)
        self._warn(
            "Something went wrong",
            f"{type(error).__name__}: {error}\n\nYour library is safe. Details were written to "
            f"{where}.",
        )

    # ------------------------------------------------------------------ drops, paint, settings
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if importing.droppable_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        paths = importing.droppable_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        target, attach, _rest = self._drop_plan(paths, event.position().toPoint())
        if target is not None and attach:
            title = self._shown_title(target) or "(no title)"
            self.statusBar().showMessage(
                f"Drop to attach {plural(len(attach), 'file')} to “{title}”"
            )
        else:
            self.statusBar().showMessage(f"Drop to import {plural(len(paths), 'file')}")

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.statusBar().clearMessage()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Files dropped on a row are attached to that item (reference files among them are
        imported); dropped anywhere else, they are imported (PDFs become items)."""
        paths = importing.droppable_paths(event.mimeData())
        if not paths:
            return
        event.acceptProposedAction()
        self.statusBar().clearMessage()
        target, attach, rest = self._drop_plan(paths, event.position().toPoint())
        if target is not None and attach:
            QTimer.singleShot(0, lambda: self._attach_dropped(target, attach))
            paths = rest
        if paths:
            QTimer.singleShot(0, lambda: self.import_paths(paths))

    def _drop_plan(
        self, paths: list[Path], pos: QPoint
    ) -> tuple[int | None, list[Path], list[Path]]:
        """(the item whose row is under `pos` in the table, the files to attach to it, the
        files to import); files are attached only on a row, and never reference files."""
        viewport = self.table.viewport()
        at = viewport.mapFrom(self, pos)
        target = None
        if viewport.rect().contains(at) and self.current_view().kind != "trash":
            index = self.table.indexAt(at)
            target = self.table.reference_model.item_id(index.row()) if index.isValid() else None
        if target is None:
            return None, [], paths
        attach = [p for p in paths if not importing.is_reference_file(p)]
        return target, attach, [p for p in paths if importing.is_reference_file(p)]

    def _shown_title(self, item_id: int) -> str:
        """The title the table shows for an item on screen (no query: a drag moves often)."""
        model = self.table.reference_model
        row = model.cached_rows_of([item_id]).get(item_id)
        return "" if row is None else str(model.index(row, 0).data() or "")

    def _attach_dropped(self, item_id: int, paths: list[Path]) -> None:
        done = pdfimport.attach_dropped(self.session, item_id, paths, self.attach_mode())
        if done:
            self.statusBar().showMessage(f"Attached {plural(len(done), 'file')}.", 6000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self._painted
            and event.type() == QEvent.Type.Paint
            and watched is self.table.viewport()
        ):  # the view was applied before the window showed: this paint shows the rows
            self._painted = True
            QTimer.singleShot(0, self._first_paint_done)
        return super().eventFilter(watched, event)

    def _first_paint_done(self) -> None:
        if not gc.get_freeze_count():
            # The first window of the process: what is alive now (modules, Qt wrappers, the
            # window) lives as long as the app. Moved out of the cycle collector's sight, a
            # full collection later scans only what is new: 50 ms and more per pass otherwise,
            # felt as a stall while scrolling. Once per process, after a collection, so no
            # garbage is kept.
            gc.collect()
            gc.freeze()
        self.first_rows_painted.emit()

    def _restore_settings(self) -> None:
        s = self.settings
        for key, restore in (
            (GEOMETRY_KEY, self.restoreGeometry),
            (STATE_KEY, self.restoreState),
            (SPLITTER_KEY, self.splitter.restoreState),
        ):
            value = s.value(key)
            if isinstance(value, QByteArray | bytes):
                restore(QByteArray(value))
        header = s.value(HEADER_KEY)
        if isinstance(header, QByteArray | bytes):
            self.table.restore_header_state(bytes(QByteArray(header).data()))
        sidebar = s.value(SIDEBAR_KEY)
        if isinstance(sidebar, QByteArray | bytes):
            self.sidebar.restore_splitter_state(bytes(QByteArray(sidebar).data()))
        mode = s.value(SEARCH_MODE_KEY)
        if isinstance(mode, str) and mode in SEARCH_MODES:
            self._search_mode = mode
            self._show_search_mode()
        store = s.value(STORE_COPIES_KEY)
        if store is not None:
            self.store_copies_action.setChecked(str(store).lower() not in ("false", "0"))
            self.pane.drop_mode = self.attach_mode()
        expanded = s.value(_library_key(EXPANDED_KEY, self.lib.folder))
        if isinstance(expanded, list):
            self.sidebar.restore_expanded([int(x) for x in expanded if str(x).isdigit()])
        for index, action in ((0, self.toggle_sidebar_action), (2, self.toggle_pane_action)):
            widget = self.splitter.widget(index)
            action.setChecked(widget is None or not widget.isHidden())

    def save_settings(self) -> None:
        s = self.settings
        s.setValue(GEOMETRY_KEY, self.saveGeometry())
        s.setValue(STATE_KEY, self.saveState())
        s.setValue(SPLITTER_KEY, self.splitter.saveState())
        s.setValue(HEADER_KEY, QByteArray(self.table.header_state()))
        s.setValue(SEARCH_MODE_KEY, self._search_mode)
        s.setValue(SIDEBAR_KEY, QByteArray(self.sidebar.splitter_state()))
        s.setValue(
            _library_key(EXPANDED_KEY, self.lib.folder),
            [str(i) for i in self.sidebar.expanded_collections()],
        )
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.pane.commit_pending()
        if self.save_on_close:
            self.save_settings()
        self.indexer.shutdown()  # stops before its next page; what was read is kept
        super().closeEvent(event)

    def check_elsewhere(self) -> bool:
        """If another program wrote to the library since the last look, refresh every pane
        (and say so in the status bar); whether it had."""
        try:
            changed = self.lib.changed_elsewhere()
        except Exception:  # closed, or unreadable for a moment: look again next time
            return False
        if changed:
            self.session.publish(Change("Changed by another program", elsewhere=True))
            self.statusBar().showMessage(
                "The library was changed by another program; what is shown is up to date", 6000
            )
        return changed

    def close_library(self) -> None:
        """Close the library's database (after the window is gone), once no worker thread is
        still using it (a running import is cancelled and rolls back)."""
        self._elsewhere_timer.stop()
        shutdown_workers()
        self.lib.close()
