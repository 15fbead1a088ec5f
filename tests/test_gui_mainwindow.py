"""The whole window on a real library: the paths a user takes every day, end to end."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from citelib import __version__
from citelib.formats import read_file, ris
from citelib.gui.exporting import write_export
from citelib.gui.itemtable import ItemTable
from citelib.gui.mainwindow import MainWindow
from citelib.gui.views import DUPLICATES, TRASH, LibraryView
from citelib.library import Library, Scope
from citelib.model import Creator, Item
from tests.conftest import cli_command, run_cli, sample_items
from tests.guitools import SaveAs, click, menu_texts, press, when_modal

SYNTHETIC = [
    Item(
        "journalArticle",
        {"title": "Synthetic record one about NK cells", "date": "2021"},
        [Creator("Testperson", "Alpha")],
    ),
    Item(
        "journalArticle",
        {"title": "Synthetic record two about CAR-T cells", "date": "2022"},
        [Creator("Otherperson", "Beta")],
    ),
]


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot: QtBot, lib: Library, settings: QSettings) -> Iterator[MainWindow]:
    lib.add_items(sample_items())
    w = MainWindow(lib, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.table.reference_model.total() == 4)
    yield w
    w.close()


def titles(table: ItemTable) -> list[str]:
    model = table.reference_model
    return [str(model.index(r, 0).data()) for r in range(model.rowCount())]


def select_title(window: MainWindow, qtbot: QtBot, title: str) -> int:
    item_id = next(i for i in window.lib.item_ids() if window.lib.get_item(i).get("title") == title)
    window.table.select_ids([item_id])
    qtbot.waitUntil(lambda: window.pane.item_id == item_id)
    return item_id


def search(window: MainWindow, qtbot: QtBot, text: str) -> None:
    window.search.setFocus()
    window.search.setText(text)
    qtbot.waitUntil(lambda: window.table.reference_model.query == text, timeout=3000)


def drop_files(window: MainWindow, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(20, 20)
    enter = QDragEnterEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        pos.toPointF(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier(0),
    )
    QApplication.sendEvent(window, drop)


# ---------------------------------------------------------------------- import and export
def test_dropping_a_ris_file_previews_then_imports(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, lib: Library
) -> None:
    source = tmp_path / "two.ris"
    with source.open("w", encoding="utf-8") as out:
        ris.write(SYNTHETIC, out)
    drop_files(window, [source])
    qtbot.waitUntil(
        lambda: window.last_import is not None and window.last_import.dialog is not None
    )
    flow = window.last_import
    assert flow is not None
    assert flow.dialog is not None
    assert flow.dialog.model.rowCount() == 2
    with qtbot.waitSignal(flow.imported, timeout=10_000):
        flow.dialog.accept()
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 6)
    assert "Synthetic record one about NK cells" in titles(window.table)
    # the new items are selected, as after an import in Zotero
    qtbot.waitUntil(lambda: len(window.table.selected_ids()) == 2)
    assert lib.count() == 6


def test_a_dropped_folder_or_web_link_is_not_imported(window: MainWindow, tmp_path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path)), QUrl("https://example.org/x.ris")])
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier(0),
    )
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_export_writes_a_file_that_imports_back_equal(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, lib: Library
) -> None:
    ids = lib.item_ids()
    for name, suffix in (("ris", ".ris"), ("bibtex", ".bib"), ("csljson", ".json")):
        target = tmp_path / f"out{suffix}"
        with qtbot.waitSignal(write_export(window.session, ids, target, name, window).exported):
            pass
        back = read_file(target, name).items
        assert sorted(i.get("title") for i in back) == sorted(
            i.get("title") for i in sample_items()
        )
        by_title = {i.get("title"): i for i in back}
        for original in sample_items():
            copy = by_title[original.get("title")]
            assert [c.family or c.literal for c in copy.creators] == [
                c.family or c.literal for c in original.creators
            ]
            assert sorted(copy.tags) == sorted(original.tags)


def finished_export(window: MainWindow, qtbot: QtBot) -> Path:
    flow = window.last_export
    assert flow is not None
    with qtbot.waitSignal(flow.finished, timeout=60_000):
        pass
    return flow.path


def test_a_collection_is_exported_from_its_right_click_menu(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, lib: Library
) -> None:
    lib.create_collection("Reviews")
    reviews = lib.find_collection("Reviews")
    assert reviews is not None
    wanted = [i for i in lib.item_ids() if "immunotherapy" in lib.get_item(i).get("title")]
    assert len(wanted) == 2
    lib.add_to_collection(reviews, wanted)
    window.sidebar.refresh()
    tree = window.sidebar.tree
    index = window.sidebar.model.index_of_view(
        LibraryView("collection", "Reviews", collection=reviews)
    )
    rect = tree.visualRect(index)
    assert "Export Collection…" in menu_texts(
        lambda: tree.customContextMenuRequested.emit(rect.center())
    )
    answer = SaveAs(tmp_path / "reviews", "RIS (*.ris)")
    done = when_modal(answer)
    window.sidebar.export_action.trigger()
    assert done
    assert answer.titles == [f"Export Reviews ({len(wanted)} items)"]
    written = finished_export(window, qtbot)
    assert written == tmp_path / "reviews.ris"
    assert sorted(i.get("title") for i in read_file(written).items) == sorted(
        lib.get_item(i).get("title") for i in wanted
    )


def test_a_tag_is_exported_from_its_right_click_menu(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, lib: Library
) -> None:
    tag = "Adoptive cell transfer"
    tagged = lib.item_ids("", Scope(tags=(tag,)))
    assert len(tagged) == 2
    answer = SaveAs(tmp_path / "tagged.bib", "BibTeX (*.bib *.bibtex)")
    done = when_modal(answer)
    window.sidebar.tag_selector.export_requested.emit(tag)
    assert done
    assert answer.titles == [f"Export {tag} (2 items)"]
    written = finished_export(window, qtbot)
    assert [i.get("title") for i in read_file(written).items] == [
        lib.get_item(i).get("title") for i in tagged
    ]


def test_items_shown_are_exported_in_the_tables_order(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, lib: Library
) -> None:
    search(window, qtbot, "immuno*")
    model = window.table.reference_model
    model.sort(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: model.rowCount() == model.total() > 1)
    shown_titles = titles(window.table)
    assert shown_titles == sorted(shown_titles, key=str.casefold, reverse=True)
    answer = SaveAs(tmp_path / "shown.json", "CSL-JSON (*.json *.csljson)")
    done = when_modal(answer)
    window.export_view_action.trigger()
    assert done
    written = finished_export(window, qtbot)
    assert [i.get("title") for i in read_file(written).items] == shown_titles


def drag_selection_onto(window: MainWindow, target: QWidget, pos: QPoint) -> bool:
    """Drag the table's selected rows onto `target` at `pos` the way Qt delivers a drag: the
    table's own MIME data, then enter, move and drop events; whether the drop was accepted."""
    table = window.table
    mime = table.reference_model.mimeData(table.selectionModel().selectedRows())
    assert mime is not None
    move = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    enter = QDragEnterEvent(pos, move, mime, buttons, modifiers)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    over = QDragMoveEvent(pos, move, mime, buttons, modifiers)
    QApplication.sendEvent(target, over)
    if not over.isAccepted():
        return False
    drop = QDropEvent(pos.toPointF(), move, mime, buttons, modifiers)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def test_rows_dragged_onto_a_collection_are_filed_and_undo_takes_them_out(
    window: MainWindow, qtbot: QtBot, lib: Library
) -> None:
    window.session.apply("New collection", lib.create_collection, "Reviews")
    reviews = lib.find_collection("Reviews")
    assert reviews is not None
    picked = [select_title(window, qtbot, "Janeway's Immunobiology")]
    tree = window.sidebar.tree
    index = window.sidebar.model.index_of_view(
        LibraryView("collection", "Reviews", collection=reviews)
    )
    assert index.isValid()
    assert drag_selection_onto(window, tree.viewport(), tree.visualRect(index).center())
    assert lib.item_ids("", Scope(collection=reviews)) == picked
    # onto My Library: nothing to do, so refused
    library = tree.visualRect(window.sidebar.model.index_of_view(LibraryView())).center()
    assert not drag_selection_onto(window, tree.viewport(), library)
    window.undo_action.trigger()
    assert lib.item_ids("", Scope(collection=reviews)) == []


def test_rows_dragged_onto_a_tag_are_tagged(window: MainWindow, qtbot: QtBot, lib: Library) -> None:
    selector = window.sidebar.tag_selector
    qtbot.waitUntil(lambda: selector.model.rowCount() == 3)
    item_id = select_title(window, qtbot, "Global cancer statistics für Ärzte")
    view = selector.view
    model = selector.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "Textbook")
    rect = view.visualRect(model.index(row, 0))
    assert drag_selection_onto(window, view.viewport(), rect.center())
    assert "Textbook" in lib.get_item(item_id).tags


def test_dragging_rows_out_carries_ris_text_and_a_file(window: MainWindow, qtbot: QtBot) -> None:
    model = window.table.reference_model
    indexes = [model.index(0, 0), model.index(1, 0)]
    mime = model.mimeData(indexes)
    assert mime is not None
    text = bytes(mime.data("application/x-research-info-systems").data()).decode()
    read = ris.read(text)
    assert sorted(i.get("title") for i in read.items) == sorted(titles(window.table)[:2])
    assert mime.hasText()
    urls = mime.urls()
    assert len(urls) == 1
    assert urls[0].toLocalFile().endswith(".ris")
    assert Path(urls[0].toLocalFile()).read_bytes() == text.encode("utf-8")


def test_copy_as_puts_ris_and_bibtex_on_the_clipboard(window: MainWindow, qtbot: QtBot) -> None:
    select_title(window, qtbot, "Janeway's Immunobiology")
    window.copy_ris_action.trigger()
    clipboard = QApplication.clipboard()
    mime = clipboard.mimeData()
    assert mime is not None
    assert "TI  - Janeway's Immunobiology" in mime.text()
    window.copy_bibtex_action.trigger()
    assert "@book{" in clipboard.text()
    clipboard.clear()


# ---------------------------------------------------------------------- search, tags, views
def test_typing_in_search_filters_the_table_and_counts(window: MainWindow, qtbot: QtBot) -> None:
    search(window, qtbot, "adoptive")
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 2)
    assert window.count_label.text() == "2 items"
    search(window, qtbot, "year:2015")
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 1)
    assert titles(window.table) == [
        "Adoptive cell transfer as personalized immunotherapy for human cancer"
    ]
    search(window, qtbot, "")
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 4)


def test_ctrl_f_focuses_the_search_box(window: MainWindow, qtbot: QtBot) -> None:
    window.table.setFocus()
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.search.hasFocus())


def test_a_tag_added_in_the_editor_changes_the_sidebar_count(
    window: MainWindow, qtbot: QtBot, lib: Library
) -> None:
    selector = window.sidebar.tag_selector

    def count_of(name: str) -> int | None:
        for tag in selector.model.tags():
            if tag.name == name:
                return tag.count
        return None

    qtbot.waitUntil(lambda: count_of("Adoptive cell transfer") == 2)
    select_title(window, qtbot, "Janeway's Immunobiology")
    entry = window.pane.editor.tags.input
    entry.setFocus()
    entry.setText("Adoptive cell transfer")
    QTest.keyClick(entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: count_of("Adoptive cell transfer") == 3)


def test_clicking_a_tag_filters_the_table(window: MainWindow, qtbot: QtBot) -> None:
    window.sidebar.tag_selector.set_selected_tags(["Textbook"])
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 1)
    assert titles(window.table) == ["Janeway's Immunobiology"]
    window.sidebar.clear_tag_selection()
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 4)


def test_keys_1_to_9_toggle_the_coloured_tags(
    window: MainWindow, qtbot: QtBot, lib: Library
) -> None:
    window.session.apply("Colour", lib.set_tag_color, "Priority", "#ff6666")
    window.session.apply("Colour", lib.set_tag_color, "Read", "#2ea8e5")
    item_id = select_title(window, qtbot, "Janeway's Immunobiology")
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_2)
    assert "Read" in lib.get_item(item_id).tags
    QTest.keyClick(window.table, Qt.Key.Key_2)
    assert "Read" not in lib.get_item(item_id).tags
    QTest.keyClick(window.table, Qt.Key.Key_1)
    assert "Priority" in lib.get_item(item_id).tags
    QTest.keyClick(window.table, Qt.Key.Key_9)  # no ninth coloured tag: nothing happens
    assert sorted(lib.get_item(item_id).tags) == ["Priority", "Textbook"]


def test_duplicate_items_view_lists_the_sets(
    window: MainWindow, qtbot: QtBot, lib: Library
) -> None:
    lib.add_items([sample_items()[1]])  # Rosenberg 2015 again: same DOI
    window.sidebar.select_view(DUPLICATES)
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 2, timeout=10_000)
    assert set(titles(window.table)) == {
        "Adoptive cell transfer as personalized immunotherapy for human cancer"
    }


def test_a_duplicate_set_is_selected_whole_and_merged_from_the_pane(
    window: MainWindow, qtbot: QtBot, lib: Library
) -> None:
    copy = sample_items()[1]  # Rosenberg 2015 again (same DOI), with a tag of its own
    copy.tags = ["Reviewed"]
    lib.add_items([copy])
    pair = lib.item_ids("doi:10.1126/science.aaa4967")
    assert len(pair) == 2
    window.sidebar.select_view(DUPLICATES)
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 2, timeout=10_000)
    model = window.table.reference_model
    click(window.table, model.index(0, 0))  # one row: the whole set is selected
    qtbot.waitUntil(lambda: sorted(window.selected_ids()) == sorted(pair))
    qtbot.waitUntil(lambda: window.pane.merging)
    button = window.pane.merge_view.merge_button
    assert button.isEnabled()
    assert button.text() == "Merge 2 Items"
    button.click()
    master = window.lib.item_ids("doi:10.1126/science.aaa4967")
    assert len(master) == 1
    assert "Reviewed" in lib.get_item(master[0]).tags
    assert lib.count("", Scope(trash=True)) == 1
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 0, timeout=10_000)
    assert window.undo_action.text() == "Undo Merge 2 items"
    window.undo_action.trigger()
    assert sorted(lib.item_ids("doi:10.1126/science.aaa4967")) == sorted(pair)
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 2, timeout=10_000)


# ---------------------------------------------------------------------- editing safety
def test_editing_a_field_then_undo_restores_it(
    window: MainWindow, qtbot: QtBot, lib: Library
) -> None:
    item_id = select_title(window, qtbot, "Janeway's Immunobiology")
    window.pane.focus_field("title")
    title = QApplication.focusWidget()
    assert title is not None
    window.session.apply("Edit Title", lib.set_field, item_id, "title", "Synthetic new title")
    qtbot.waitUntil(lambda: "Synthetic new title" in titles(window.table))
    assert window.undo_action.isEnabled()
    window.table.setFocus()
    window.undo_action.trigger()
    assert lib.get_item(item_id).get("title") == "Janeway's Immunobiology"
    qtbot.waitUntil(lambda: "Janeway's Immunobiology" in titles(window.table))
    window.redo_action.trigger()
    assert lib.get_item(item_id).get("title") == "Synthetic new title"


def test_delete_moves_to_trash_then_restore(window: MainWindow, qtbot: QtBot, lib: Library) -> None:
    item_id = select_title(window, qtbot, "Janeway's Immunobiology")
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 3)
    assert lib.get_item(item_id).trashed
    window.sidebar.select_view(TRASH)
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 1)
    window.table.select_ids([item_id])
    qtbot.waitUntil(lambda: window.table.selected_ids() == [item_id])
    window.restore_action.trigger()
    assert not lib.get_item(item_id).trashed
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 0)


def test_emptying_the_trash_asks_first(window: MainWindow, qtbot: QtBot, lib: Library) -> None:
    lib_ids = lib.item_ids()
    window.session.apply("Trash", lib.trash, lib_ids[:2])
    answered = when_modal(press("Cancel"))
    window.empty_trash_action.trigger()
    assert answered
    assert lib.count(scope=Scope(trash=True)) == 2
    answered = when_modal(press("Empty Trash"))
    window.empty_trash_action.trigger()
    assert answered
    assert lib.count(scope=Scope(trash=True)) == 0


def test_user_text_is_shown_as_plain_text(window: MainWindow, qtbot: QtBot, lib: Library) -> None:
    hostile = '<img src=x onerror="alert(1)"> <b>bold</b>'
    change = window.session.apply("Add", lib.add_item, Item("book", {"title": hostile}))
    assert change is not None
    qtbot.waitUntil(lambda: hostile in titles(window.table))
    window.table.select_ids(list(change.new_ids))
    qtbot.waitUntil(lambda: window.pane.item_id == change.new_ids[0])
    shown = window.pane.findChild(QLineEdit, "title")
    text = shown.text() if shown is not None else window.pane.editor.info.title_text()
    assert text == hostile


def test_an_unexpected_error_is_logged_and_the_window_stays(
    window: MainWindow, qtbot: QtBot, lib: Library
) -> None:
    answered = when_modal(lambda box: box.accept() if isinstance(box, QMessageBox) else None)
    try:
        raise RuntimeError("synthetic failure in a slot")
    except RuntimeError as e:
        window.report_unexpected(e)
    assert answered
    log = (lib.folder / "citelib.log").read_text(encoding="utf-8")
    assert "synthetic failure in a slot" in log
    assert "Traceback" in log
    assert window.isVisible()


def test_a_failed_action_shows_a_message(window: MainWindow, qtbot: QtBot, lib: Library) -> None:
    seen: list[str] = []
    window.session.failed.disconnect()
    window.session.failed.connect(lambda what, why: seen.append(why))
    window.session.apply("Edit", lib.set_field, 999_999, "title", "x")
    assert seen
    assert "999999" in seen[0]


# ---------------------------------------------------------------------- keyboard and menus
def test_new_item_is_selected_with_its_title_focused(
    window: MainWindow, qtbot: QtBot, lib: Library
) -> None:
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: lib.count() == 5)
    qtbot.waitUntil(lambda: len(window.table.selected_ids()) == 1)
    new_id = window.table.selected_ids()[0]
    assert lib.get_item(new_id).item_type == "journalArticle"
    qtbot.waitUntil(lambda: window.pane.item_id == new_id)


def test_new_item_in_a_collection_view_goes_into_it(
    window: MainWindow, qtbot: QtBot, lib: Library
) -> None:
    collection = lib.create_collection("Synthetic collection").new_ids[0]
    window.sidebar.refresh()
    window.sidebar.select_view(LibraryView("collection", "Synthetic collection", collection))
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 0)
    window.new_item_action.trigger()
    qtbot.waitUntil(lambda: window.table.reference_model.total() == 1)
    assert lib.count(scope=Scope(collection=collection)) == 1


def test_about_box_names_the_version(window: MainWindow, qtbot: QtBot) -> None:
    seen: list[str] = []

    def read(box: object) -> None:
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        box.accept()

    answered = when_modal(read)
    window.about_action.trigger()
    assert answered
    assert __version__ in seen[0]


def test_the_status_bar_counts_items_and_selection(window: MainWindow, qtbot: QtBot) -> None:
    assert window.count_label.text() == "4 items"
    window.table.selectAll()
    qtbot.waitUntil(lambda: window.count_label.text() == "4 of 4 items selected")


def test_layout_is_remembered(
    qtbot: QtBot, lib: Library, settings: QSettings, window: MainWindow
) -> None:
    window.table.setColumnHidden(3, True)
    window.splitter.setSizes([150, 800, 300])
    sizes = window.splitter.sizes()
    window.close()
    again = MainWindow(lib, settings=settings)
    qtbot.addWidget(again)
    again.show()
    assert again.table.isColumnHidden(3)
    # the sidebar and the item pane keep their widths; the table takes what is left
    assert again.splitter.sizes()[0] == sizes[0]
    assert again.splitter.sizes()[2] == sizes[2]


def test_every_model_passes_the_model_tester(window: MainWindow, qtmodeltester: object) -> None:
    checker: object = qtmodeltester
    for model in (
        window.table.reference_model,
        window.sidebar.model,
        window.sidebar.tag_selector.model,
    ):
        checker.check(model)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- launching
def _launch(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CITELIB_EXIT_AFTER_PAINT": "1",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    env.pop("CITELIB_LIBRARY", None)
    return subprocess.run(
        [*cli_command(), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.mark.slow
def test_citelib_demo_opens_the_window_on_the_demo_library(tmp_path: Path) -> None:
    proc = _launch("--demo", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "first rows painted" in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_citelib_library_opens_that_library_and_remembers_it(tmp_path: Path) -> None:
    folder = tmp_path / "my library"
    Library.open(folder).close()
    proc = _launch("--library", str(folder), tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "first rows painted" in proc.stdout
    ini = next((tmp_path / "config").rglob("*.conf"))
    assert str(folder) in ini.read_text(encoding="utf-8")


def test_without_a_display_the_app_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.run(
        [*cli_command(), "--library", str(tmp_path / "lib")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert proc.returncode == 1
    assert "no display" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ids_dragged_from_the_table_are_json(window: MainWindow) -> None:
    model = window.table.reference_model
    mime = model.mimeData([model.index(0, 0)])
    assert mime is not None
    raw = QByteArray(mime.data("application/x-citelib-item-ids")).data()
    assert json.loads(bytes(raw)) == [model.item_id(0)]


def test_toolbar_actions_have_icons(window: MainWindow) -> None:
    actions = (
        window.new_item_action,
        window.new_collection_action,
        window.import_action,
        window.export_view_action,
        window.undo_action,
        window.redo_action,
    )
    for action in actions:
        assert not action.icon().pixmap(20, 20).isNull(), action.text()


def test_what_another_program_writes_shows_in_every_pane(
    window: MainWindow, qtbot: QtBot, lib: Library, tmp_path: Path
) -> None:
    model = window.table.reference_model
    [shown] = lib.item_ids("title:adoptive")
    window.table.select_ids([shown])
    qtbot.waitUntil(lambda: window.pane.editor.item is not None)
    more = tmp_path / "more.ris"
    more.write_text(
        "TY  - JOUR\nTI  - Written from the command line (synthetic)\nKW  - From the CLI\nER  - \n",
        encoding="utf-8",
    )
    run_cli("import", str(more), library=lib.folder, check=True)  # another program
    qtbot.waitUntil(lambda: model.total() == 5, timeout=10_000)  # no click, no typing
    assert "changed by another program" in window.statusBar().currentMessage()
    selector = window.sidebar.tag_selector
    qtbot.waitUntil(lambda: selector.model.row_of("From the CLI") is not None, timeout=10_000)
    assert window.selected_ids() == [shown]  # the selection stays

    key = lib.get_item(shown).key
    run_cli("tag", "add", "Tagged elsewhere", "--item", key, library=lib.folder, check=True)
    qtbot.waitUntil(lambda: "Tagged elsewhere" in window.pane.editor.tags.tags, timeout=10_000)
    assert not window.check_elsewhere()  # told once

    window.session.apply("Edit", lib.set_field, shown, "volume", "12")  # our own write
    assert not window.check_elsewhere()
