"""Opening another library from the window: File > Open Library, New Library, Open Recent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from citelib.errors import CitelibError
from citelib.gui.app import LAST_LIBRARY_KEY, LibraryHost
from citelib.gui.mainwindow import MainWindow, recent_libraries
from citelib.library import Library
from tests.conftest import sample_items
from tests.guitools import menu_texts, press, stop_workers, synthetic_items, when_modal


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def host(qtbot: QtBot, settings: QSettings) -> Iterator[LibraryHost]:
    h = LibraryHost(settings)
    yield h
    stop_workers()
    if h.window is not None:
        h.window.close()
    h.close()


def make_library(folder: Path, items: int) -> Path:
    with Library.open(folder) as lib:
        lib.add_items(synthetic_items(items))
    return folder


def shown_total(window: MainWindow) -> int:
    return window.table.reference_model.total()


def test_open_library_replaces_the_window_and_closes_the_old_library(
    qtbot: QtBot, host: LibraryHost, tmp_path: Path, settings: QSettings
) -> None:
    first = Library.open(tmp_path / "first")
    first.add_items(sample_items())
    other = make_library(tmp_path / "other", 3)
    old = host.start(first)
    qtbot.waitUntil(lambda: shown_total(old) == 4)

    assert old.open_library(other)
    new = host.window
    assert new is not None
    assert new is not old
    assert new.lib.folder == other
    qtbot.waitUntil(lambda: shown_total(new) == 3)
    assert not old.isVisible()
    assert "other" in new.windowTitle()
    with pytest.raises(CitelibError):  # the first library's database is closed
        first.count()
    assert settings.value(LAST_LIBRARY_KEY) == str(other)
    assert recent_libraries(settings) == [other, tmp_path / "first"]

    # the recent menu offers the first library, not the one open
    def open_recent() -> None:
        new.recent_menu.exec(new.pos())

    assert menu_texts(open_recent) == [str(tmp_path / "first")]


def test_a_folder_without_a_library_is_refused_with_a_message(
    qtbot: QtBot, host: LibraryHost, tmp_path: Path
) -> None:
    window = host.start(Library.open(tmp_path / "lib"))
    empty = tmp_path / "empty"
    empty.mkdir()
    seen: list[str] = []

    def read_and_close(widget: QWidget) -> None:
        assert isinstance(widget, QMessageBox)
        seen.append(widget.text())
        press("OK")(widget)

    done = when_modal(read_and_close)
    assert not window.open_library(empty)
    assert done
    assert seen
    assert f"{empty} holds no citelib library" in seen[0]
    assert host.window is window
    assert not (empty / "library.sqlite").exists()


def test_new_library_makes_one_and_asks_before_using_a_folder_with_files(
    qtbot: QtBot, host: LibraryHost, tmp_path: Path
) -> None:
    window = host.start(Library.open(tmp_path / "lib"))
    crowded = tmp_path / "papers"
    crowded.mkdir()
    (crowded / "notes.txt").write_text("mine")

    done = when_modal(press("Cancel"))
    assert not window.new_library(crowded)
    assert done
    assert host.window is window
    assert sorted(p.name for p in crowded.iterdir()) == ["notes.txt"]

    done = when_modal(press("Make Library Here"))
    assert window.new_library(crowded)
    assert done
    new = host.window
    assert new is not None
    assert new is not window
    assert (crowded / "library.sqlite").is_file()
    assert (crowded / "notes.txt").read_text() == "mine"
    assert shown_total(new) == 0

    fresh = tmp_path / "fresh"  # not there yet: made without asking
    assert new.new_library(fresh)
    assert host.window is not None
    assert host.window.lib.folder == fresh


def test_a_library_that_cannot_be_opened_leaves_the_window_as_it_was(
    qtbot: QtBot, host: LibraryHost, tmp_path: Path
) -> None:
    window = host.start(Library.open(tmp_path / "lib"))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "library.sqlite").write_bytes(b"this is not a database")
    done = when_modal(press("OK"))
    assert not host.switch(broken, False)
    assert done
    assert host.window is window
    assert window.isVisible()
    assert window.lib.count() == 0  # still open and usable
    assert QApplication.activeModalWidget() is None


def test_leaving_the_demo_library_removes_it(
    qtbot: QtBot, host: LibraryHost, tmp_path: Path, settings: QSettings
) -> None:
    demo = tmp_path / "demo"
    window = host.start(Library.open(demo), demo_folder=demo)
    assert "Demo library" in window.windowTitle()
    assert settings.value(LAST_LIBRARY_KEY) is None  # the demo is never remembered
    other = make_library(tmp_path / "other", 1)
    assert window.open_library(other)
    assert not demo.exists()
