"""The sidebar on a real library: views, collections, saved searches and the tag selector."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QMimeData, QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from citelib.gui.session import Session
from citelib.gui.sidebar import (
    COLLECTION_IDS_MIME,
    COUNT_ROLE,
    ITEM_IDS_MIME,
    VIEW_ROLE,
    Sidebar,
    SidebarModel,
)
from citelib.gui.tagselector import (
    COLOUR_ROLE,
    KEY_ROLE,
    NAME_ROLE,
    SELECTED_ROLE,
    TagColourDialog,
    TagSelector,
)
from citelib.gui.tagselector import (
    COUNT_ROLE as TAG_COUNT_ROLE,
)
from citelib.gui.views import DUPLICATES, MY_LIBRARY, TRASH, UNFILED, LibraryView
from citelib.gui.workers import active_workers
from citelib.library import Interrupt, Library, Scope, TagInfo
from tests.conftest import sample_items
from tests.guitools import (
    answer_text,
    check_model,
    click,
    menu_texts,
    press,
    shown,
    stop_workers,
    when_modal,
)

CAR_NK = "CAR-NK cells"
ADOPTIVE = "Adoptive cell transfer"
TEXTBOOK = "Textbook"
ALL_TAGS = [(ADOPTIVE, 2), (CAR_NK, 1), (TEXTBOOK, 1)]


@pytest.fixture
def session(lib: Library) -> Iterator[Session]:
    lib.add_items(sample_items())
    yield Session(lib)
    stop_workers()


@pytest.fixture
def ids(lib: Library, session: Session) -> list[int]:
    """The sample items' ids in the order sample_items() lists them."""
    by_title = {s.title: s.id for s in lib.summaries(lib.item_ids(limit=None))}
    return [by_title[item.fields["title"]] for item in sample_items()]


@pytest.fixture
def failures(session: Session) -> list[tuple[str, str]]:
    got: list[tuple[str, str]] = []
    session.failed.connect(lambda what, why: got.append((what, why)))
    return got


@pytest.fixture
def sidebar(qtbot: QtBot, session: Session) -> Sidebar:
    widget = Sidebar(session)
    shown(qtbot, widget, 320, 640)
    settled_tags(qtbot, widget.tag_selector)
    return widget


def new_collection(lib: Library, name: str, parent: int | None = None) -> int:
    return lib.create_collection(name, parent).new_ids[0]


def rows(model: SidebarModel, parent: QModelIndex | None = None) -> list[str]:
    parent = parent or QModelIndex()
    return [str(model.index(r, 0, parent).data()) for r in range(model.rowCount(parent))]


def find(model: SidebarModel, name: str) -> QModelIndex:
    def walk(parent: QModelIndex) -> Iterator[QModelIndex]:
        for r in range(model.rowCount(parent)):
            index = model.index(r, 0, parent)
            yield index
            yield from walk(index)

    for index in walk(QModelIndex()):
        if index.data() == name:
            return index
    raise AssertionError(f"no row {name!r}")


def items_mime(item_ids: list[int]) -> QMimeData:
    data = QMimeData()
    data.setData(ITEM_IDS_MIME, QByteArray(json.dumps(item_ids).encode()))
    return data


def shown_tags(selector: TagSelector) -> list[tuple[str, int]]:
    model = selector.model
    return [
        (model.index(r).data(NAME_ROLE), model.index(r).data(TAG_COUNT_ROLE))
        for r in range(model.rowCount())
    ]


def settled_tags(qtbot: QtBot, selector: TagSelector) -> list[tuple[str, int]]:
    """The tags shown once the selector's requests have all been answered (a worker reads
    them)."""
    qtbot.waitUntil(lambda: not selector.is_loading())
    return shown_tags(selector)


def tag_index(selector: TagSelector, name: str) -> QModelIndex:
    row = selector.model.row_of(name)
    assert row is not None, name
    return selector.model.index(row)


class Gate:
    """Holds `Library.tags` calls (made by the tag selector's worker) until opened, recording
    each call's arguments and thread."""

    def __init__(self, lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[Scope | None, str, threading.Thread]] = []
        self.interrupts: list[Interrupt | None] = []
        self._open = threading.Event()
        original = lib.tags

        def tags(
            scope: Scope | None = None,
            query: str = "",
            *,
            fulltext: bool = False,
            interrupt: Interrupt | None = None,
        ) -> list[TagInfo]:
            self.calls.append((scope, query, threading.current_thread()))
            self.interrupts.append(interrupt)
            assert self._open.wait(30), "the gate was never opened"
            return original(scope, query, fulltext=fulltext, interrupt=interrupt)

        monkeypatch.setattr(lib, "tags", tags)

    def open(self) -> None:
        self._open.set()

    def requests(self) -> list[tuple[Scope | None, str]]:
        return [(scope, query) for scope, query, _ in self.calls]


# ---------------------------------------------------------------------- the tree
def test_tree_lists_the_views_with_counts(
    sidebar: Sidebar, lib: Library, session: Session, ids: list[int], qtmodeltester: object
) -> None:
    model = sidebar.model
    check_model(qtmodeltester, model)
    assert rows(model) == ["My Library", "Unfiled Items", "Duplicate Items", "Trash"]
    views = [model.index(r, 0).data(VIEW_ROLE) for r in range(4)]
    assert views == [MY_LIBRARY, UNFILED, DUPLICATES, TRASH]
    assert model.index(0, 0).data(COUNT_ROLE) == 4
    assert model.index(3, 0).data(COUNT_ROLE) == 0
    for r in range(4):
        assert not model.index(r, 0).data(Qt.ItemDataRole.DecorationRole).isNull()
    assert sidebar.current_view() == MY_LIBRARY

    session.apply("Trash", lib.trash, ids[:1])
    assert model.index(0, 0).data(COUNT_ROLE) == 3
    assert model.index(3, 0).data(COUNT_ROLE) == 1
    session.undo()
    assert model.index(0, 0).data(COUNT_ROLE) == 4
    assert model.index(3, 0).data(COUNT_ROLE) == 0
    check_model(qtmodeltester, model)


def test_collections_nest_under_my_library_and_saved_searches_follow(
    qtbot: QtBot, lib: Library, session: Session, ids: list[int], qtmodeltester: object
) -> None:
    a = new_collection(lib, "Alpha")
    new_collection(lib, "Beta", a)
    new_collection(lib, "Gamma")
    lib.add_to_collection(a, ids[:2])
    lib.save_search("Cancer", "cancer")
    sidebar = Sidebar(session)
    qtbot.addWidget(sidebar)
    model = sidebar.model
    check_model(qtmodeltester, model)

    assert rows(model) == ["My Library", "Unfiled Items", "Duplicate Items", "Trash", "Cancer"]
    library = model.index(0, 0)
    assert rows(model, library) == ["Alpha", "Gamma"]
    alpha = model.index(0, 0, library)
    assert rows(model, alpha) == ["Beta"]
    assert alpha.data(COUNT_ROLE) == 2
    assert alpha.data(VIEW_ROLE) == LibraryView("collection", "Alpha", collection=a)
    search = model.index(4, 0)
    assert search.data(VIEW_ROLE) == LibraryView("saved", "Cancer", query="cancer")
    assert search.data(COUNT_ROLE) is None
    assert "cancer" in search.data(Qt.ItemDataRole.ToolTipRole)
    for index in (alpha, search):
        assert not index.data(Qt.ItemDataRole.DecorationRole).isNull()

    # a new saved search (the main window saves it through the session) shows up
    session.apply("Save search", lib.save_search, "Adoptive", "adoptive")
    assert rows(model)[4:] == ["Adoptive", "Cancer"]
    check_model(qtmodeltester, model)
    assert sidebar.delete_saved_search("Adoptive")
    assert sidebar.delete_saved_search("Cancer")
    assert rows(model)[-1] == "Trash"
    assert lib.saved_searches() == []
    check_model(qtmodeltester, model)


def test_clicking_an_entry_emits_its_view(
    qtbot: QtBot, sidebar: Sidebar, lib: Library, session: Session
) -> None:
    alpha = sidebar.create_collection("Alpha")
    assert alpha is not None
    session.apply("Save search", lib.save_search, "Cancer", "cancer")
    session.apply("Save search", lib.save_search, "Same query", "cancer")
    model, tree = sidebar.model, sidebar.tree
    seen: list[LibraryView] = []
    sidebar.view_changed.connect(seen.append)

    click(tree, find(model, "Trash"))
    click(tree, find(model, "Alpha"))
    click(tree, find(model, "Cancer"))
    click(tree, find(model, "Same query"))
    click(tree, find(model, "Unfiled Items"))
    click(tree, find(model, "Duplicate Items"))
    click(tree, find(model, "My Library"))
    assert seen == [
        TRASH,
        LibraryView("collection", "Alpha", collection=alpha),
        LibraryView("saved", "Cancer", query="cancer"),
        LibraryView("saved", "Same query", query="cancer"),
        UNFILED,
        DUPLICATES,
        MY_LIBRARY,
    ]
    assert sidebar.current_view() == MY_LIBRARY

    assert sidebar.select_view(TRASH)
    assert seen[-1] == TRASH
    assert not sidebar.select_view(LibraryView("collection", "Gone", collection=999))
    assert sidebar.current_view() == TRASH


def test_create_rename_delete_collections(
    sidebar: Sidebar, lib: Library, ids: list[int], qtmodeltester: object
) -> None:
    model = sidebar.model
    seen: list[LibraryView] = []
    sidebar.view_changed.connect(seen.append)

    parent = sidebar.create_collection("  Immunology ")
    assert parent is not None
    assert seen[-1] == LibraryView("collection", "Immunology", collection=parent)
    child = sidebar.create_collection("NK cells", parent)
    assert child is not None
    assert [(c.name, c.parent_id) for c in lib.collections()] == [
        ("Immunology", None),
        ("NK cells", parent),
    ]
    assert rows(model, find(model, "Immunology")) == ["NK cells"]
    assert sidebar.tree.isExpanded(find(model, "Immunology"))
    assert sidebar.current_view().collection == child
    check_model(qtmodeltester, model)

    assert sidebar.add_to_collection(child, ids[:3])
    assert find(model, "NK cells").data(COUNT_ROLE) == 3

    assert sidebar.rename_collection(child, "Natural killer cells")
    assert lib.collections()[1].name == "Natural killer cells"
    assert find(model, "Natural killer cells").isValid()
    # the same items under a new name: current, but no new view (the tags stay selected)
    assert sidebar.current_view() == LibraryView(
        "collection", "Natural killer cells", collection=child
    )
    assert seen[-1] == LibraryView("collection", "NK cells", collection=child)

    # inline editing goes through the model's setData
    index = find(model, "Immunology")
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(index, "Cancer immunology", Qt.ItemDataRole.EditRole)
    assert lib.collections()[0].name == "Cancer immunology"
    assert rows(model, model.index(0, 0)) == ["Cancer immunology"]
    assert not model.setData(find(model, "Cancer immunology"), "   ")
    assert not model.setData(find(model, "Trash"), "Bin")
    check_model(qtmodeltester, model)

    # deleting the parent of the current collection chooses My Library; items stay
    assert sidebar.delete_collection(parent)
    assert lib.collections() == []
    assert rows(model, model.index(0, 0)) == []
    assert sidebar.current_view() == MY_LIBRARY
    assert seen[-1] == MY_LIBRARY
    assert lib.count() == 4
    check_model(qtmodeltester, model)


def test_deleting_the_current_subcollection_chooses_its_parent(
    sidebar: Sidebar, lib: Library
) -> None:
    parent = sidebar.create_collection("Parent")
    assert parent is not None
    child = sidebar.create_collection("Child", parent)
    assert child is not None
    assert sidebar.current_view().collection == child
    assert sidebar.delete_collection(child)
    assert sidebar.current_view() == LibraryView("collection", "Parent", collection=parent)


def test_refused_names_are_reported(
    sidebar: Sidebar, lib: Library, failures: list[tuple[str, str]]
) -> None:
    assert sidebar.create_collection("   ") is None
    assert failures[-1:] == [("New collection", "a name cannot be empty")]
    assert lib.collections() == []
    a = sidebar.create_collection("A")
    assert a is not None
    assert not sidebar.rename_collection(a, "")
    assert failures[-1][0] == "Rename collection"
    assert [c.name for c in lib.collections()] == ["A"]
    assert not sidebar.delete_saved_search("No such search")
    assert failures[-1][0] == "Delete saved search"


def test_dragging_a_collection_nests_it_and_my_library_unnests_it(
    sidebar: Sidebar,
    lib: Library,
    failures: list[tuple[str, str]],
    qtmodeltester: object,
) -> None:
    model = sidebar.model
    a = new_collection(lib, "A")
    b = new_collection(lib, "B")
    sidebar.refresh()
    move = Qt.DropAction.MoveAction

    data = model.mimeData([find(model, "B")])
    assert json.loads(bytes(data.data(COLLECTION_IDS_MIME).data())) == [b]
    assert model.canDropMimeData(data, move, -1, -1, find(model, "A"))
    assert not model.canDropMimeData(data, move, -1, -1, find(model, "B"))
    assert not model.canDropMimeData(data, move, -1, -1, find(model, "Unfiled Items"))
    assert model.dropMimeData(data, move, -1, -1, find(model, "A"))
    assert {c.name: c.parent_id for c in lib.collections()} == {"A": None, "B": a}
    assert rows(model, find(model, "A")) == ["B"]
    check_model(qtmodeltester, model)

    # into its own subcollection: the library refuses and the session says why
    data = model.mimeData([find(model, "A")])
    assert not model.dropMimeData(data, move, -1, -1, find(model, "B"))
    assert failures
    assert "inside itself" in failures[-1][1]
    assert {c.name: c.parent_id for c in lib.collections()} == {"A": None, "B": a}

    # onto My Library: back to the top
    data = model.mimeData([find(model, "B")])
    assert model.canDropMimeData(data, move, -1, -1, find(model, "My Library"))
    assert model.dropMimeData(data, move, -1, -1, find(model, "My Library"))
    assert {c.name: c.parent_id for c in lib.collections()} == {"A": None, "B": None}
    assert rows(model, model.index(0, 0)) == ["A", "B"]

    assert sidebar.move_collection(a, b)
    assert rows(model, find(model, "B")) == ["A"]
    assert sidebar.expanded_collections() == [b]
    assert not sidebar.move_collection(b, a)
    check_model(qtmodeltester, model)


def test_dropping_item_ids_files_them(
    sidebar: Sidebar, lib: Library, ids: list[int], qtmodeltester: object
) -> None:
    model = sidebar.model
    a = new_collection(lib, "A")
    sidebar.refresh()
    copy = Qt.DropAction.CopyAction
    data = items_mime([ids[0], ids[2]])

    assert model.canDropMimeData(data, copy, -1, -1, find(model, "A"))
    for name in ("My Library", "Unfiled Items", "Duplicate Items"):
        assert not model.canDropMimeData(data, copy, -1, -1, find(model, name))
        assert not model.dropMimeData(data, copy, -1, -1, find(model, name))
    assert model.dropMimeData(data, copy, -1, -1, find(model, "A"))
    assert sorted(lib.item_ids("", Scope(collection=a))) == sorted([ids[0], ids[2]])
    assert find(model, "A").data(COUNT_ROLE) == 2
    check_model(qtmodeltester, model)

    for bad in (b"not json", b"[]", b'["1"]', b"[true]", b'{"ids": [1]}'):
        junk = QMimeData()
        junk.setData(ITEM_IDS_MIME, QByteArray(bad))
        assert not model.canDropMimeData(junk, copy, -1, -1, find(model, "A"))

    # onto the Trash: moved there
    assert model.dropMimeData(items_mime([ids[1]]), copy, -1, -1, find(model, "Trash"))
    assert lib.item_ids("", Scope(trash=True)) == [ids[1]]
    assert find(model, "Trash").data(COUNT_ROLE) == 1


def test_refresh_keeps_the_current_entry_and_expansion(
    sidebar: Sidebar, lib: Library, session: Session
) -> None:
    a = new_collection(lib, "A")
    b = new_collection(lib, "B", a)
    new_collection(lib, "C", b)
    sidebar.refresh()
    sidebar.restore_expanded([a, b])
    assert sidebar.expanded_collections() == [a, b]
    assert sidebar.select_view(LibraryView("collection", "B", collection=b))
    seen: list[LibraryView] = []
    sidebar.view_changed.connect(seen.append)

    session.apply("New collection", lib.create_collection, "AA")  # the tree is rebuilt
    assert sidebar.current_view() == LibraryView("collection", "B", collection=b)
    assert sidebar.model.view_at(sidebar.tree.currentIndex()) == sidebar.current_view()
    assert sidebar.expanded_collections() == [a, b]
    assert seen == []

    session.undo()  # removes AA again
    assert [c.name for c in lib.collections()] == ["A", "B", "C"]
    assert sidebar.current_view() == LibraryView("collection", "B", collection=b)
    assert seen == []


def test_settings_round_trip(qtbot: QtBot, session: Session, lib: Library) -> None:
    a = new_collection(lib, "A")
    new_collection(lib, "B", a)
    first = Sidebar(session)
    qtbot.addWidget(first)
    first.resize(300, 600)
    first.show()
    first.splitter.setSizes([400, 200])
    first.restore_expanded([a])
    state, expanded = first.splitter_state(), first.expanded_collections()
    assert isinstance(state, bytes)
    assert expanded == [a]

    second = Sidebar(session)
    qtbot.addWidget(second)
    second.resize(300, 600)
    second.show()
    assert second.expanded_collections() == []
    assert second.restore_splitter_state(state)
    second.restore_expanded([*expanded, 12345])
    assert second.expanded_collections() == [a]
    assert second.splitter.sizes() == first.splitter.sizes()


def test_f2_renames_in_place(qtbot: QtBot, sidebar: Sidebar, lib: Library) -> None:
    a = sidebar.create_collection("Old name")
    assert a is not None
    tree = sidebar.tree
    tree.setFocus()
    QTest.keyClick(tree, Qt.Key.Key_F2)
    assert tree.state() == tree.State.EditingState
    editor = tree.viewport().findChild(QLineEdit)
    assert editor is not None
    assert editor.text() == "Old name"
    editor.selectAll()
    QTest.keyClicks(editor, "New name")
    QTest.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits once the editor is done
    qtbot.waitUntil(lambda: lib.collections()[0].name == "New name")
    qtbot.waitUntil(lambda: tree.state() == tree.State.NoState)
    assert rows(sidebar.model, sidebar.model.index(0, 0)) == ["New name"]
    assert sidebar.current_view() == LibraryView("collection", "New name", collection=a)


def test_the_windows_menu_commands(qtbot: QtBot, sidebar: Sidebar, lib: Library) -> None:
    assert not sidebar.rename_current()  # My Library is not renamed
    when_modal(answer_text("From the menu"))
    new_id = sidebar.new_collection()
    assert new_id is not None
    assert [(c.name, c.parent_id) for c in lib.collections()] == [("From the menu", None)]
    assert sidebar.current_view().collection == new_id

    assert sidebar.rename_current()
    editor = sidebar.tree.viewport().findChild(QLineEdit)
    assert editor is not None
    editor.setText("Renamed in place")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: lib.collections()[0].name == "Renamed in place")


def test_dialogs_ask_first(qtbot: QtBot, sidebar: Sidebar, lib: Library) -> None:
    done = when_modal(answer_text("From the dialog"))
    new_id = sidebar.ask_new_collection(None)
    assert done
    assert new_id is not None
    assert [c.name for c in lib.collections()] == ["From the dialog"]

    when_modal(answer_text(None))
    assert sidebar.ask_new_collection(new_id) is None
    assert len(lib.collections()) == 1

    when_modal(answer_text("Renamed"))
    assert sidebar.ask_rename_collection(new_id)
    assert lib.collections()[0].name == "Renamed"

    when_modal(press("Cancel"))
    assert not sidebar.ask_delete_collection(new_id)
    assert len(lib.collections()) == 1

    texts: list[str] = []

    def read_then_delete(widget: QWidget) -> None:
        assert isinstance(widget, QMessageBox)
        texts.extend([widget.text(), widget.informativeText()])
        press("Delete Collection")(widget)

    when_modal(read_then_delete)
    assert sidebar.ask_delete_collection(new_id)
    assert lib.collections() == []
    assert texts == ["Delete the collection “Renamed”?", "The items in it stay in My Library."]

    lib.save_search("Old", "cancer")
    sidebar.refresh()
    when_modal(press("Delete Saved Search"))
    assert sidebar.ask_delete_saved_search("Old")
    assert lib.saved_searches() == []


def test_tree_context_menu_offers_the_entrys_actions(sidebar: Sidebar, lib: Library) -> None:
    sidebar.create_collection("A")
    lib.save_search("S", "cancer")
    sidebar.refresh()

    def menu_at(name: str) -> list[str]:
        rect = sidebar.tree.visualRect(find(sidebar.model, name))
        return menu_texts(lambda: sidebar.tree.customContextMenuRequested.emit(rect.center()))

    assert menu_at("A") == [
        "New Subcollection…",
        "Rename Collection…",
        "Export Collection…",
        "Delete Collection…",
    ]
    assert sidebar.current_view().name == "A"
    assert sidebar.rename_collection_action.isEnabled()
    assert menu_at("My Library") == ["New Collection…", "Export Library…"]
    assert not sidebar.rename_collection_action.isEnabled()
    assert menu_at("S") == ["Export Saved Search…", "Delete Saved Search…"]
    assert sidebar.delete_saved_search_action.isEnabled()


def test_export_from_the_tree_asks_for_the_entrys_view(qtbot: QtBot, sidebar: Sidebar) -> None:
    new_id = sidebar.create_collection("Reviews")
    assert sidebar.select_view(LibraryView("collection", "Reviews", collection=new_id))
    with qtbot.waitSignal(sidebar.export_requested) as blocker:
        sidebar.export_action.trigger()
    assert blocker.args == [sidebar.current_view()]
    assert blocker.args[0].collection == new_id


# ---------------------------------------------------------------------- tags
def test_tags_show_counts_and_follow_changes(
    qtbot: QtBot,
    sidebar: Sidebar,
    lib: Library,
    session: Session,
    ids: list[int],
    qtmodeltester: object,
) -> None:
    selector = sidebar.tag_selector
    check_model(qtmodeltester, selector.model)
    assert settled_tags(qtbot, selector) == ALL_TAGS
    assert tag_index(selector, ADOPTIVE).data(Qt.ItemDataRole.AccessibleTextRole) == (
        f"{ADOPTIVE} 2"
    )

    session.apply("Add tag", lib.add_tags, [ids[2], ids[3]], [CAR_NK])
    assert settled_tags(qtbot, selector) == [(ADOPTIVE, 2), (CAR_NK, 3), (TEXTBOOK, 1)]
    session.apply("Add tag", lib.add_tags, [ids[3]], ["New tag"])
    assert ("New tag", 1) in settled_tags(qtbot, selector)
    session.apply("Trash", lib.trash, [ids[2]])
    assert (TEXTBOOK, 1) not in settled_tags(qtbot, selector)
    assert (CAR_NK, 2) in shown_tags(selector)
    # an edit of an item's fields moves no count: nothing is read
    session.apply("Edit", lib.set_field, ids[0], "volume", "7")
    assert not selector.is_loading()
    check_model(qtmodeltester, selector.model)


def test_tags_are_read_by_a_worker_and_the_newest_request_wins(
    qtbot: QtBot,
    sidebar: Sidebar,
    lib: Library,
    ids: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    selector = sidebar.tag_selector
    a = new_collection(lib, "A")
    lib.add_to_collection(a, [ids[0]])
    gate = Gate(lib, monkeypatch)
    shown_sets: list[list[tuple[str, int]]] = []
    selector.tags_shown.connect(lambda: shown_sets.append(shown_tags(selector)))

    in_a = Scope(collection=a, subcollections=True)
    sidebar.set_tag_scope(in_a, "")
    assert selector.is_loading()
    assert gate.requests() == []  # read once the view has stood TAGS_AFTER_MS
    qtbot.waitUntil(lambda: gate.requests() == [(in_a, "")])  # runs (held at the gate)
    sidebar.set_tag_scope(Scope(trash=True), "")
    selector.refresh()  # asked at once (as after a change): waits for the running one
    sidebar.set_tag_scope(Scope(unfiled=True), "")
    selector.refresh()  # takes the waiting one's place
    qtbot.wait(50)
    # the window never waited, and the tags shown stay until the newest request's arrive
    assert selector.is_loading()
    assert shown_tags(selector) == ALL_TAGS
    assert gate.requests() == [(in_a, "")]
    assert gate.calls[0][2] is not threading.main_thread()
    assert len(active_workers()) == 1  # one thread at the most
    first = gate.interrupts[0]
    assert first is not None
    assert first.is_set()

    gate.open()
    assert settled_tags(qtbot, selector) == [(ADOPTIVE, 1), (TEXTBOOK, 1)]
    assert shown_sets == [[(ADOPTIVE, 1), (TEXTBOOK, 1)]]  # the collection's tags: dropped
    assert gate.requests() == [(in_a, ""), (Scope(unfiled=True), "")]  # the Trash: never read
    assert gate.interrupts[1] is not None
    assert not gate.interrupts[1].is_set()
    assert selector.scope() == Scope(unfiled=True)


def test_a_view_typed_past_is_never_counted(
    qtbot: QtBot, sidebar: Sidebar, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    selector = sidebar.tag_selector
    settled_tags(qtbot, selector)
    gate = Gate(lib, monkeypatch)
    gate.open()
    for query in ("j", "ja", "jan", "janeway"):  # each search the table ran while typing
        sidebar.set_tag_scope(Scope(), query)
    assert selector.is_loading()
    assert gate.requests() == []  # nothing counted beside the table's searches
    assert settled_tags(qtbot, selector) == [(TEXTBOOK, 1)]
    assert gate.requests() == [(Scope(), "janeway")]


def test_a_change_reads_the_tags_again_and_a_newer_request_wins_over_it(
    qtbot: QtBot,
    sidebar: Sidebar,
    session: Session,
    lib: Library,
    ids: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    selector = sidebar.tag_selector
    lib.add_to_collection(new_collection(lib, "A"), [ids[0]])
    sidebar.set_tag_scope(Scope(unfiled=True), "")
    assert settled_tags(qtbot, selector) == [(ADOPTIVE, 1), (TEXTBOOK, 1)]
    gate = Gate(lib, monkeypatch)
    session.apply("Add tag", lib.add_tags, [ids[1]], ["Fresh"])
    assert selector.is_loading()
    assert ("Fresh", 1) not in shown_tags(selector)
    sidebar.set_tag_scope(Scope(unfiled=True), "janeway")  # typed while the change is read
    gate.open()
    assert settled_tags(qtbot, selector) == [(TEXTBOOK, 1)]
    assert gate.requests() == [(Scope(unfiled=True), ""), (Scope(unfiled=True), "janeway")]
    sidebar.set_tag_scope(Scope(unfiled=True), "")
    assert ("Fresh", 1) in settled_tags(qtbot, selector)


def test_clicking_tags_selects_several_and_clicking_again_deselects(
    qtbot: QtBot, sidebar: Sidebar
) -> None:
    selector = sidebar.tag_selector
    seen: list[tuple[str, ...]] = []
    sidebar.tags_changed.connect(seen.append)
    assert not selector.deselect_action.isEnabled()

    click(selector.view, tag_index(selector, CAR_NK))
    click(selector.view, tag_index(selector, ADOPTIVE))
    assert seen == [(CAR_NK,), (CAR_NK, ADOPTIVE)]
    assert sidebar.selected_tags() == (CAR_NK, ADOPTIVE)
    assert tag_index(selector, CAR_NK).data(SELECTED_ROLE)
    assert not tag_index(selector, TEXTBOOK).data(SELECTED_ROLE)
    assert selector.deselect_action.isEnabled()

    click(selector.view, tag_index(selector, CAR_NK))
    assert seen[-1:] == [(ADOPTIVE,)]
    selector.view.setFocus()
    selector.view.setCurrentIndex(tag_index(selector, TEXTBOOK))
    QTest.keyClick(selector.view, Qt.Key.Key_Space)
    assert seen[-1:] == [(ADOPTIVE, TEXTBOOK)]

    selector.deselect_action.trigger()
    assert seen[-1:] == [()]
    assert sidebar.selected_tags() == ()
    count = len(seen)
    sidebar.clear_tag_selection()  # nothing selected: no signal
    assert len(seen) == count


def test_coloured_tags_come_first_in_position_order_with_keys(
    qtbot: QtBot, sidebar: Sidebar, lib: Library, qtmodeltester: object
) -> None:
    selector = sidebar.tag_selector
    assert selector.assign_colour(TEXTBOOK, "#FF6666", 1)
    assert selector.assign_colour(CAR_NK, "#5FB236", 1)
    assert [t.name for t in lib.coloured_tags()] == [CAR_NK, TEXTBOOK]
    assert [n for n, _ in settled_tags(qtbot, selector)] == [CAR_NK, TEXTBOOK, ADOPTIVE]
    assert tag_index(selector, CAR_NK).data(KEY_ROLE) == 1
    assert tag_index(selector, TEXTBOOK).data(KEY_ROLE) == 2
    assert tag_index(selector, TEXTBOOK).data(COLOUR_ROLE).upper() == "#FF6666"
    assert tag_index(selector, ADOPTIVE).data(KEY_ROLE) is None
    assert tag_index(selector, ADOPTIVE).data(COLOUR_ROLE) is None

    # a coloured tag on no item is still shown (Zotero keeps it for keys 1-9)
    assert selector.assign_colour("Read later", "#2EA8E5", 3)
    assert settled_tags(qtbot, selector)[2] == ("Read later", 0)
    assert tag_index(selector, "Read later").data(KEY_ROLE) == 3

    assert selector.remove_colour(CAR_NK)
    assert [n for n, _ in settled_tags(qtbot, selector)] == [
        TEXTBOOK,
        "Read later",
        ADOPTIVE,
        CAR_NK,
    ]
    assert tag_index(selector, TEXTBOOK).data(KEY_ROLE) == 1
    assert selector.remove_colour("Read later")
    assert "Read later" not in [n for n, _ in settled_tags(qtbot, selector)]
    check_model(qtmodeltester, selector.model)


def test_colour_dialog_assigns_name_colour_and_position(
    qtbot: QtBot, sidebar: Sidebar, lib: Library
) -> None:
    selector = sidebar.tag_selector
    selector.assign_colour(TEXTBOOK, "#FF6666", 1)
    settled_tags(qtbot, selector)

    def fill(widget: QWidget) -> None:
        assert isinstance(widget, TagColourDialog)
        assert widget.name_edit.text() == CAR_NK
        assert widget.position_box.maximum() == 2
        assert widget.position_box.value() == 2
        combo = widget.findChild(QComboBox)
        assert combo is not None
        combo.setCurrentIndex(combo.findData("#2EA8E5"))
        widget.position_box.setValue(1)
        widget.accept()

    when_modal(fill)
    assert selector.ask_assign_colour(CAR_NK)
    assert [(t.name, t.color) for t in lib.coloured_tags()] == [
        (CAR_NK, "#2EA8E5"),
        (TEXTBOOK, "#FF6666"),
    ]

    dialog = TagColourDialog(selector, "", None, 1, 1)
    qtbot.addWidget(dialog)
    ok = [b for b in dialog.findChildren(QPushButton) if b.text().replace("&", "") == "OK"]
    assert ok
    assert not ok[0].isEnabled()
    dialog.name_edit.setText("x")
    assert ok[0].isEnabled()


def test_filter_box_narrows_the_tags(qtbot: QtBot, sidebar: Sidebar) -> None:
    selector = sidebar.tag_selector
    assert selector.filter_edit.placeholderText() == "Filter tags"
    selector.toggle_tag(TEXTBOOK)
    QTest.keyClicks(selector.filter_edit, "CELL")
    assert [n for n, _ in shown_tags(selector)] == [ADOPTIVE, CAR_NK, TEXTBOOK]
    selector.toggle_tag(TEXTBOOK)  # a selected tag stays in sight until deselected
    assert [n for n, _ in shown_tags(selector)] == [ADOPTIVE, CAR_NK]
    selector.filter_edit.setText("car-")
    assert [n for n, _ in shown_tags(selector)] == [CAR_NK]
    selector.filter_edit.clear()
    assert len(shown_tags(selector)) == 3


def test_tag_scope_and_query_narrow_the_tags(
    qtbot: QtBot, sidebar: Sidebar, lib: Library, ids: list[int], qtmodeltester: object
) -> None:
    selector = sidebar.tag_selector
    a = new_collection(lib, "A")
    lib.add_to_collection(a, [ids[0]])
    sidebar.set_tag_scope(Scope(collection=a, subcollections=True), "")
    assert settled_tags(qtbot, selector) == [(ADOPTIVE, 1), (CAR_NK, 1)]
    sidebar.set_tag_scope(Scope(unfiled=True), "")
    assert settled_tags(qtbot, selector) == [(ADOPTIVE, 1), (TEXTBOOK, 1)]
    # the quick search narrows them to the tags of the items the table shows
    sidebar.set_tag_scope(Scope(unfiled=True), "immunobiology")
    assert settled_tags(qtbot, selector) == [(TEXTBOOK, 1)]
    assert selector.query() == "immunobiology"
    sidebar.set_tag_scope(None, " immunotherapy ")
    assert settled_tags(qtbot, selector) == [(ADOPTIVE, 2), (CAR_NK, 1)]
    sidebar.set_tag_scope(Scope(trash=True), "")
    assert settled_tags(qtbot, selector) == []
    check_model(qtmodeltester, selector.model)

    # a selected tag missing from the scope stays, with no items, so it can be deselected
    sidebar.set_tag_scope(None, "")
    settled_tags(qtbot, selector)
    selector.toggle_tag(TEXTBOOK)
    sidebar.set_tag_scope(Scope(collection=a, subcollections=True), "")
    assert (TEXTBOOK, 0) in settled_tags(qtbot, selector)
    assert sidebar.selected_tags() == (TEXTBOOK,)
    sidebar.set_tag_scope(LibraryView().scope(), "")
    assert settled_tags(qtbot, selector) == ALL_TAGS
    sidebar.set_tag_scope(Scope(collection=a, subcollections=True), "no such words")
    assert settled_tags(qtbot, selector) == [(TEXTBOOK, 0)]


def test_a_tag_selected_while_tags_are_read_is_kept(
    qtbot: QtBot, session: Session, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    selector = TagSelector(session)
    shown(qtbot, selector, 300, 300)
    assert settled_tags(qtbot, selector) == ALL_TAGS
    gate = Gate(lib, monkeypatch)
    selector.set_scope(Scope(trash=True))
    selector.set_selected_tags([CAR_NK, "Not a tag"])  # after the request was made
    gate.open()
    assert settled_tags(qtbot, selector) == [(CAR_NK, 0)]
    assert selector.selected_tags() == (CAR_NK,)  # a name no item carries: dropped


def test_closing_the_tag_selector_while_it_reads_is_safe(
    qtbot: QtBot, session: Session, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = QWidget()
    selector = TagSelector(session, parent)
    settled_tags(qtbot, selector)
    gate = Gate(lib, monkeypatch)
    selector.set_scope(Scope(unfiled=True), "")
    selector.refresh()  # now, not once the view has stood
    selector.set_scope(Scope(trash=True), "")
    selector.refresh()
    workers = active_workers()
    assert len(workers) == 1
    parent.close()
    parent.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(selector)
    gate.open()
    assert workers[0].wait(30_000)
    qtbot.waitUntil(lambda: not workers[0].is_running())  # its result reached nobody
    assert active_workers() == []  # and the waiting request was never started


def test_rename_and_delete_tags_keep_the_selection_right(
    qtbot: QtBot, sidebar: Sidebar, lib: Library, ids: list[int]
) -> None:
    selector = sidebar.tag_selector
    seen: list[tuple[str, ...]] = []
    sidebar.tags_changed.connect(seen.append)
    selector.toggle_tag(CAR_NK)
    selector.toggle_tag(TEXTBOOK)

    assert selector.rename_tag(CAR_NK, "NK")
    assert sidebar.selected_tags() == ("NK", TEXTBOOK)
    assert seen[-1:] == [("NK", TEXTBOOK)]
    assert ("NK", 1) in settled_tags(qtbot, selector)
    assert sidebar.selected_tags() == ("NK", TEXTBOOK)
    count = len(seen)
    assert not selector.rename_tag("No such tag", "Other")
    assert not selector.rename_tag("NK", "  ")
    assert sidebar.selected_tags() == ("NK", TEXTBOOK)
    assert len(seen) == count
    assert set(lib.get_item(ids[0]).tags) == {ADOPTIVE, "NK"}

    when_modal(answer_text("Book"))
    assert selector.ask_rename_tag(TEXTBOOK)
    assert sidebar.selected_tags() == ("NK", "Book")

    when_modal(press("Cancel"))
    assert not selector.ask_delete_tag("Book")
    when_modal(press("Delete Tag"))
    assert selector.ask_delete_tag("Book")
    assert "Book" not in [t.name for t in lib.tags()]
    qtbot.waitUntil(lambda: sidebar.selected_tags() == ("NK",))
    assert seen[-1:] == [("NK",)]
    assert "Book" not in [n for n, _ in settled_tags(qtbot, selector)]

    # a selected tag deleted elsewhere (an undo, the CLI) is dropped from the selection too
    sidebar.set_tag_scope(Scope(), "")
    lib.delete_tag("NK")
    sidebar.refresh()
    qtbot.waitUntil(lambda: sidebar.selected_tags() == ())
    assert seen[-1:] == [()]


def test_dropping_item_ids_on_a_tag_tags_them(
    qtbot: QtBot, sidebar: Sidebar, lib: Library, ids: list[int]
) -> None:
    model = sidebar.tag_selector.model
    target = tag_index(sidebar.tag_selector, TEXTBOOK)
    data = items_mime([ids[0], ids[3]])
    copy = Qt.DropAction.CopyAction
    assert model.canDropMimeData(data, copy, -1, -1, target)
    assert not model.canDropMimeData(data, copy, 0, 0, QModelIndex())
    assert not model.canDropMimeData(QMimeData(), copy, -1, -1, target)
    assert not model.dropMimeData(QMimeData(), copy, -1, -1, target)
    assert model.dropMimeData(data, copy, -1, -1, target)
    assert (TEXTBOOK, 3) in settled_tags(qtbot, sidebar.tag_selector)
    assert TEXTBOOK in lib.get_item(ids[3]).tags


def test_tag_context_menu(qtbot: QtBot, sidebar: Sidebar) -> None:
    selector = sidebar.tag_selector
    selector.assign_colour(TEXTBOOK, "#FF6666", 1)
    settled_tags(qtbot, selector)

    def menu_at(name: str) -> list[str]:
        rect = selector.view.visualRect(tag_index(selector, name))
        return menu_texts(lambda: selector.view.customContextMenuRequested.emit(rect.center()))

    assert menu_at(TEXTBOOK) == [
        "Assign Colour…",
        "Remove Colour",
        "Rename Tag…",
        "Delete Tag…",
        f"Export Items Tagged “{TEXTBOOK}”…",
        "Deselect All",
    ]
    assert menu_at(CAR_NK) == [
        "Assign Colour…",
        "Rename Tag…",
        "Delete Tag…",
        f"Export Items Tagged “{CAR_NK}”…",
        "Deselect All",
    ]


# ---------------------------------------------------------------------- plain text
def test_names_are_plain_text(
    qtbot: QtBot, sidebar: Sidebar, lib: Library, session: Session, ids: list[int]
) -> None:
    markup = "<img src=x>"
    bold = "<b>x</b>"
    new_id = sidebar.create_collection(markup)
    assert new_id is not None
    session.apply("Add tag", lib.add_tags, [ids[0]], [bold])
    session.apply("Save search", lib.save_search, "<i>s</i>", "cancer")
    index = find(sidebar.model, markup)
    assert index.data() == markup
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tooltip
    assert "&lt;img src=x&gt;" in tooltip
    assert find(sidebar.model, "<i>s</i>").isValid()
    settled_tags(qtbot, sidebar.tag_selector)
    tag = tag_index(sidebar.tag_selector, bold)
    assert tag.data() == bold
    assert "&lt;b&gt;" in tag.data(Qt.ItemDataRole.ToolTipRole)
    for label in sidebar.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText or not label.text()
    # painting the odd names (and the counts, colours and keys) works
    sidebar.tag_selector.assign_colour(bold, "#FFD400", 1)
    settled_tags(qtbot, sidebar.tag_selector)
    sidebar.tag_selector.toggle_tag(bold)
    assert not sidebar.grab().isNull()
