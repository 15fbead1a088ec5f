"""Full text in the window (issue 5): the quick search's mode "All Fields & Full Text", the rows
that matched in their PDF, indexing in the background with its status bar widget, rebuilding
the index, and closing the window while it reads.

Real libraries under tmp_path, real PDFs made with reportlab (tests/pdfmaker.py) attached with
`attaching.attach_file`; the indexer runs in its worker thread as it does in the app.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from citelib.formats import read_file
from citelib.gui.indexing import FulltextIndexer, IndexingStatus
from citelib.gui.itemtable import (
    ATTACHMENTS_COLUMN,
    FULLTEXT_HIT_ROLE,
    TITLE_COLUMN,
    fulltext_icon,
    paperclip_icon,
)
from citelib.gui.mainwindow import FIELDS_MODE, FULLTEXT_MODE, MainWindow
from citelib.gui.views import LibraryView
from citelib.library import Library, Scope, attaching
from citelib.library.fulltext import FulltextHit
from citelib.model import Creator, Item
from tests.conftest import run_cli, sample_items
from tests.guitools import (
    SaveAs,
    answer_text,
    check_model,
    menu_texts,
    press,
    stop_workers,
    synthetic_items,
    when_modal,
)
from tests.pdfmaker import Paper, many_pages, write_paper
from tests.test_fulltext import consistent

RARE = "zymurgical"  # on page 3 of the PDF, in no field of any item
TITLE = "Synthetic test paper (not a real reference)"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return write_paper(
        folder / "paper.pdf",
        Paper(
            title=[TITLE],
            pages=[["Methods: nothing unusual on page two."], [f"Results: the {RARE} step."]],
        ),
    )


def open_window(qtbot: QtBot, lib: Library, settings: QSettings) -> MainWindow:
    w = MainWindow(lib, settings=settings)
    qtbot.addWidget(w)
    w.resize(1200, 700)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def window(qtbot: QtBot, lib: Library, settings: QSettings) -> Iterator[MainWindow]:
    lib.add_items(
        [
            *sample_items(),
            Item(
                "journalArticle",
                {"title": TITLE, "date": "2024", "publicationTitle": "Quarkish Letters"},
                [Creator("Test", "Syn")],
            ),
        ]
    )
    w = open_window(qtbot, lib, settings)
    qtbot.waitUntil(lambda: w.table.reference_model.total() == 5)
    yield w
    w.close()
    stop_workers()


def item_titled(lib: Library, title: str) -> int:
    return next(i for i in lib.item_ids() if lib.get_item(i).get("title") == title)


def attach(window: MainWindow, item_id: int, path: Path) -> int:
    """Attach as the window does (through the session, so every pane hears of it)."""
    change = window.session.apply("Attach", attaching.attach_file, window.lib, item_id, path)
    assert change is not None
    return change.new_ids[0]


def settled(qtbot: QtBot, indexer: FulltextIndexer, timeout: int = 20_000) -> None:
    """Wait until no run is due or running."""
    qtbot.waitUntil(lambda: not indexer.is_due() and not indexer.is_running(), timeout=timeout)


def type_search(window: MainWindow, qtbot: QtBot, text: str) -> None:
    window.search.setText(text)
    window.apply_view()
    assert window.table.reference_model.query == text


def test_a_word_only_in_a_pdf_is_found_in_full_text_mode_once_indexed(
    window: MainWindow, qtbot: QtBot, lib: Library, paper: Path, qtmodeltester: object
) -> None:
    item_id = item_titled(lib, TITLE)
    attachment = attach(window, item_id, paper)
    settled(qtbot, window.indexer)  # indexed in the background after the attach
    assert lib.fulltext_status(attachment).state == "indexed"

    model = window.table.reference_model
    assert window.search_mode() == FIELDS_MODE
    type_search(window, qtbot, RARE)
    assert model.total() == 0  # the word is in no field

    window.search_mode_actions[FULLTEXT_MODE].trigger()
    assert window.search_mode() == FULLTEXT_MODE
    assert model.fulltext
    assert model.total() == 1
    assert model.item_id(0) == item_id

    hit = model.index(0, TITLE_COLUMN).data(FULLTEXT_HIT_ROLE)
    assert isinstance(hit, FulltextHit)
    assert hit.page == 3
    assert hit.attachment_id == attachment
    marker = model.index(0, ATTACHMENTS_COLUMN).data(Qt.ItemDataRole.DecorationRole)
    assert marker.cacheKey() == fulltext_icon().cacheKey()
    assert marker.cacheKey() != paperclip_icon().cacheKey()
    tip = str(model.index(0, TITLE_COLUMN).data(Qt.ItemDataRole.ToolTipRole))
    assert "Found in paper.pdf, p. 3" in tip
    assert f"<b>{RARE}</b>" in tip
    assert TITLE in tip
    check_model(qtmodeltester, model)

    # back to the default mode: the word is not found again, and no marker shows
    window.search_mode_actions[FIELDS_MODE].trigger()
    assert model.total() == 0
    type_search(window, qtbot, "synthetic")
    assert model.total() == 1
    assert model.index(0, TITLE_COLUMN).data(FULLTEXT_HIT_ROLE) is None
    marker = model.index(0, ATTACHMENTS_COLUMN).data(Qt.ItemDataRole.DecorationRole)
    assert marker.cacheKey() == paperclip_icon().cacheKey()


def test_a_field_match_in_full_text_mode_has_no_pdf_marker(
    window: MainWindow, qtbot: QtBot, lib: Library, paper: Path
) -> None:
    attach(window, item_titled(lib, TITLE), paper)
    settled(qtbot, window.indexer)
    window.set_search_mode(FULLTEXT_MODE)
    type_search(window, qtbot, "quarkish")  # in a field, not in the PDF's text
    model = window.table.reference_model
    assert model.total() == 1
    assert model.index(0, TITLE_COLUMN).data(FULLTEXT_HIT_ROLE) is None
    assert model.index(0, TITLE_COLUMN).data(Qt.ItemDataRole.ToolTipRole) == TITLE
    type_search(window, qtbot, "quarkish unusual")  # one word in each: still shown, marked
    assert model.total() == 1
    hit = model.index(0, TITLE_COLUMN).data(FULLTEXT_HIT_ROLE)
    assert isinstance(hit, FulltextHit)
    assert hit.page == 2


def test_the_view_refreshes_when_indexing_ends(
    window: MainWindow, qtbot: QtBot, lib: Library, paper: Path
) -> None:
    window.set_search_mode(FULLTEXT_MODE)
    type_search(window, qtbot, RARE)
    model = window.table.reference_model
    assert model.total() == 0
    attach(window, item_titled(lib, TITLE), paper)  # not read yet: the view shows nothing
    assert model.total() == 0
    qtbot.waitUntil(lambda: model.total() == 1, timeout=20_000)  # without typing again
    assert model.index(0, TITLE_COLUMN).data(FULLTEXT_HIT_ROLE).page == 3


def test_the_search_mode_is_remembered(
    window: MainWindow, qtbot: QtBot, lib: Library, settings: QSettings
) -> None:
    assert window.search_mode() == FIELDS_MODE
    assert "fields and tags" in window.search.placeholderText()
    shown = menu_texts(window.search_mode_button.showMenu)
    assert shown == ["All Fields && Tags", "All Fields && Full Text"]
    assert window.search_mode_menu.actions() == window.search_mode_group.actions()

    window.search_mode_actions[FULLTEXT_MODE].trigger()
    assert "full text" in window.search.placeholderText()
    assert window.search_mode_button.toolTip() == "Search mode: All Fields & Full Text"
    assert window.search_mode_actions[FULLTEXT_MODE].isChecked()
    assert not window.search_mode_actions[FIELDS_MODE].isChecked()

    again = open_window(qtbot, lib, settings)
    assert again.search_mode() == FULLTEXT_MODE
    assert again.table.reference_model.fulltext
    assert "full text" in again.search.placeholderText()
    assert again.search_mode_actions[FULLTEXT_MODE].isChecked()
    again.set_search_mode(FIELDS_MODE)
    again.close()
    assert open_window(qtbot, lib, settings).search_mode() == FIELDS_MODE


def test_export_items_shown_in_full_text_mode_exports_what_the_table_shows(
    window: MainWindow, qtbot: QtBot, lib: Library, paper: Path, tmp_path: Path
) -> None:
    from citelib.gui.exporting import Selection

    item_id = item_titled(lib, TITLE)
    attach(window, item_id, paper)
    settled(qtbot, window.indexer)
    window.set_search_mode(FULLTEXT_MODE)
    type_search(window, qtbot, RARE)
    seen: list[Selection] = []

    def fake_export(what: object, name: str = "") -> None:
        assert isinstance(what, Selection)
        seen.append(what)

    window._export = fake_export  # type: ignore[method-assign]
    window.export_view_action.trigger()
    assert len(seen) == 1
    assert seen[0].resolve(lib) == [item_id]
    assert seen[0].known_count == 1


def test_a_saved_search_keeps_the_mode_it_was_saved_in(
    window: MainWindow, qtbot: QtBot, lib: Library, paper: Path, tmp_path: Path
) -> None:
    item_id = item_titled(lib, TITLE)
    attach(window, item_id, paper)
    settled(qtbot, window.indexer)
    window.set_search_mode(FULLTEXT_MODE)
    type_search(window, qtbot, RARE)
    done = when_modal(answer_text("In the PDFs"))
    window.save_search_action.trigger()
    assert done == [True]
    (saved,) = lib.saved_searches()
    assert (saved.name, saved.query, saved.fulltext) == ("In the PDFs", RARE, True)

    # back in the fields mode, the saved search still looks in the PDFs' text
    window.set_search_mode(FIELDS_MODE)
    type_search(window, qtbot, "")
    model = window.table.reference_model
    assert window.sidebar.select_view(
        LibraryView("saved", "In the PDFs", query=RARE, fulltext=True)
    )
    qtbot.waitUntil(lambda: model.total() == 1)
    assert model.item_id(0) == item_id
    assert model.fulltext
    assert window.search_mode() == FIELDS_MODE  # the user's own mode is left as it was
    button = window.search_mode_button
    assert not button.isEnabled()
    assert not window.search_mode_actions[FULLTEXT_MODE].isEnabled()  # nor the View menu
    assert button.toolTip() == "Search mode: All Fields & Full Text (this saved search's own)"
    tip = window.sidebar.model.index_of_view(window.current_view()).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert "in all fields and full text" in str(tip)

    answer = SaveAs(tmp_path / "in-pdfs.ris", "RIS (*.ris)")
    done = when_modal(answer)
    window.export_view(window.current_view())  # its right-click Export Saved Search…
    assert done == [True]
    assert answer.titles == ["Export In the PDFs (1 item)"]
    flow = window.last_export
    assert flow is not None
    with qtbot.waitSignal(flow.finished, timeout=60_000):
        pass
    assert [i.get("title") for i in read_file(tmp_path / "in-pdfs.ris").items] == [TITLE]

    window.sidebar.select_view(LibraryView())  # My Library: the user's mode again
    assert button.isEnabled()
    assert window.search_mode_actions[FULLTEXT_MODE].isEnabled()
    assert button.toolTip() == "Search mode: All Fields & Tags"
    assert not model.fulltext


def test_a_pdf_attached_by_another_program_is_indexed_without_a_click(
    window: MainWindow, qtbot: QtBot, lib: Library, paper: Path
) -> None:
    item_id = item_titled(lib, TITLE)
    settled(qtbot, window.indexer)
    run_cli("attach", lib.get_item(item_id).key, str(paper), library=lib.folder, check=True)
    # the window sees the attach within its 2 s look, and its indexer reads the PDF
    qtbot.waitUntil(lambda: lib.search(RARE, fulltext=True).total == 1, timeout=20_000)
    settled(qtbot, window.indexer)
    assert lib.fulltext_pending() == []


def test_the_status_bar_shows_indexing_and_hides_after(
    window: MainWindow, qtbot: QtBot, lib: Library, tmp_path: Path
) -> None:
    status = window.indexing_status
    assert isinstance(status, IndexingStatus)
    settled(qtbot, window.indexer)  # the start-up run found nothing to read
    assert not status.isVisible()
    ids = lib.add_items(synthetic_items(4)).new_ids
    source = many_pages(tmp_path / "long.pdf", 40, first=["A long synthetic report"])
    seen: list[tuple[bool, str]] = []
    window.indexer.progress.connect(
        lambda *_: seen.append((status.isVisible(), status.label.text()))
    )
    for n, item_id in enumerate(ids):
        copy = shutil.copy(source, tmp_path / f"long{n}.pdf")
        attaching.attach_file(lib, item_id, copy)
    window.session.publish(attaching.attach_file(lib, ids[0], paper_like(tmp_path)))
    settled(qtbot, window.indexer)
    assert seen, "no progress was shown"
    assert seen[0] == (True, "Indexing PDFs: 0 of 5")
    assert seen[-1] == (True, "Indexing PDFs: 5 of 5")
    assert all(visible for visible, _ in seen)
    assert not status.isVisible()
    assert window.indexer.last_run is not None
    assert window.indexer.last_run.indexed == 5
    assert "Indexed 5 PDFs" in window.statusBar().currentMessage()


def paper_like(tmp_path: Path) -> Path:
    return write_paper(tmp_path / "short.pdf", Paper(title=["A short synthetic note"]))


def test_the_cancel_button_stops_indexing(
    window: MainWindow, qtbot: QtBot, lib: Library, tmp_path: Path
) -> None:
    settled(qtbot, window.indexer)
    ids = lib.add_items(synthetic_items(20)).new_ids
    source = many_pages(tmp_path / "long.pdf", 150)
    for n, item_id in enumerate(ids):
        attaching.attach_file(lib, item_id, shutil.copy(source, tmp_path / f"l{n}.pdf"))
    window.indexer.start()
    status = window.indexing_status
    qtbot.waitUntil(status.isVisible, timeout=10_000)
    with qtbot.waitSignal(window.indexer.finished, timeout=10_000):
        QTest.mouseClick(status.cancel_button, Qt.MouseButton.LeftButton)
    assert not status.isVisible()
    run = window.indexer.last_run
    assert run is not None
    assert run.cancelled
    assert lib.fulltext_pending()  # the rest waits for the next run
    qtbot.wait(600)
    assert not window.indexer.is_running()  # and it does not start by itself


def test_rebuild_reads_every_pdf_again(
    window: MainWindow, qtbot: QtBot, lib: Library, paper: Path
) -> None:
    attachment = attach(window, item_titled(lib, TITLE), paper)
    settled(qtbot, window.indexer)
    assert lib.fulltext_status(attachment).state == "indexed"
    window.indexer.start()  # nothing to read: the index stays as it is
    settled(qtbot, window.indexer)
    assert window.indexer.last_run is not None
    assert window.indexer.last_run.indexed == 1

    assert "Rebuild Full-Text Index…" in [a.text().replace("&", "") for a in tools_menu(window)]
    refused = when_modal(press("Cancel"))
    window.rebuild_index_action.trigger()
    assert refused
    assert not window.indexer.is_running()

    started: list[bool] = []
    window.indexer.started.connect(started.append)
    answered = when_modal(press("Rebuild Index"))
    window.rebuild_index_action.trigger()
    assert answered
    assert started == [True]
    settled(qtbot, window.indexer)
    assert lib.fulltext_status(attachment).state == "indexed"
    run = window.indexer.last_run
    assert run is not None
    assert [r.status for r in run.results] == ["indexed"]  # read again, not "unchanged"
    window.set_search_mode(FULLTEXT_MODE)
    type_search(window, qtbot, RARE)
    assert window.table.reference_model.total() == 1


def tools_menu(window: MainWindow) -> list:  # type: ignore[type-arg]
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == "Tools":
            menu = action.menu()
            assert menu is not None
            return menu.actions()  # type: ignore[attr-defined, no-any-return]
    raise AssertionError("no Tools menu")


def test_closing_the_window_while_indexing_stops_promptly_and_keeps_the_library_sound(
    qtbot: QtBot, tmp_path: Path, settings: QSettings
) -> None:
    folder = tmp_path / "big"
    lib = Library.open(folder)
    ids = lib.add_items(synthetic_items(30)).new_ids
    source = many_pages(tmp_path / "long.pdf", 120, first=[f"the {RARE} report"])
    for n, item_id in enumerate(ids):
        attaching.attach_file(lib, item_id, shutil.copy(source, tmp_path / f"r{n}.pdf"))
    assert len(lib.fulltext_pending()) == 30  # attached while the app was closed

    window = open_window(qtbot, lib, settings)
    progress: list[tuple[int, int]] = []
    window.indexer.progress.connect(lambda done, total: progress.append((done, total)))
    qtbot.waitUntil(lambda: bool(progress) and progress[-1][0] >= 1, timeout=20_000)
    assert window.indexing_status.isVisible()

    started = time.monotonic()
    window.close()
    window.close_library()
    stopped = time.monotonic() - started
    QApplication.processEvents()
    assert stopped < 2.0, f"closing took {stopped:.2f} s"

    again = Library.open(folder)
    try:
        consistent(again)
        states = [again.fulltext_status(a).state for a in attachment_ids(again)]
        assert "indexed" in states
        assert set(states) <= {"indexed", "partial", "not-indexed"}
        assert again.fulltext_pending()  # it stopped before the end
        run = again.index_fulltext_pending()  # the next run finishes the job
        assert not run.cancelled
        assert not again.fulltext_pending()
        assert len(again.item_ids(RARE, Scope(), fulltext=True)) == 30
        assert again.item_ids(RARE, Scope()) == []
    finally:
        again.close()
    stop_workers()


def attachment_ids(lib: Library) -> list[int]:
    return [a.id for i in lib.item_ids() for a in lib.attachments(i)]


def test_tag_counts_follow_the_full_text_mode(
    window: MainWindow, qtbot: QtBot, lib: Library, paper: Path
) -> None:
    item_id = item_titled(lib, TITLE)
    lib.add_tags([item_id], ["Synthetic tag"])
    attach(window, item_id, paper)
    settled(qtbot, window.indexer)
    selector = window.sidebar.tag_selector

    def tag_names() -> list[str]:
        model = selector.model
        return [str(model.index(r, 0).data()) for r in range(model.rowCount())]

    type_search(window, qtbot, RARE)
    qtbot.waitUntil(lambda: tag_names() == [])  # no item's fields hold the word
    window.search_mode_actions[FULLTEXT_MODE].trigger()
    qtbot.waitUntil(lambda: tag_names() == ["Synthetic tag"])
