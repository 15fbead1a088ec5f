"""What the GUI tests share: showing a widget, driving modal dialogs and menus, clicking in
views, the model tester with types, and making sure no worker thread outlives a test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from citelib.gui.workers import active_workers, shutdown_workers
from citelib.model import Creator, Item


def synthetic_items(n: int, start: int = 0) -> list[Item]:
    """`n` made-up journal articles (numbered from `start`), for tests that need many."""
    return [
        Item(
            "journalArticle",
            {"title": f"Synthetic test record {k} (not a real reference)", "date": "2020"},
            [Creator("Synthetic", f"Author {k}")],
        )
        for k in range(start, start + n)
    ]


def shown(qtbot: QtBot, widget: QWidget, width: int, height: int) -> None:
    """Show `widget` at that size (closed when the test ends) and wait until it is on screen."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)


def stop_workers() -> None:
    """Cancel every worker still running, wait for its thread and deliver its result (which
    may start the next one a pane was waiting to run): no thread outlives the test."""
    for _ in range(20):
        if not active_workers():
            return
        shutdown_workers()
        QApplication.processEvents()
    raise AssertionError(f"workers still running: {active_workers()}")


def check_model(tester: object, model: QAbstractItemModel) -> None:
    """pytest-qt's qtmodeltester.check (its methods carry no type hints)."""
    checker: Any = tester
    checker.check(model)


def click(view: Any, index: QModelIndex) -> None:
    view.scrollTo(index)
    rect = view.visualRect(index)
    assert rect.isValid()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def when_modal(act: Callable[[QWidget], None]) -> list[bool]:
    """Run `act` on the next modal dialog once it is open (a static dialog blocks the test)."""
    done: list[bool] = []
    tries = [300]

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            tries[0] -= 1
            if tries[0] > 0:
                QTimer.singleShot(10, poll)
            return
        act(widget)
        done.append(True)

    QTimer.singleShot(0, poll)
    return done


def menu_texts(open_menu: Callable[[], None]) -> list[str]:
    """The actions of the popup menu `open_menu` shows (closed again at once)."""
    seen: list[str] = []

    def read() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        seen.extend(a.text() for a in menu.actions() if not a.isSeparator())
        menu.close()

    QTimer.singleShot(0, read)
    open_menu()
    return seen


def answer_text(text: str | None) -> Callable[[QWidget], None]:
    def act(widget: QWidget) -> None:
        assert isinstance(widget, QInputDialog)
        if text is None:
            widget.reject()
        else:
            widget.setTextValue(text)
            widget.accept()

    return act


def press(button_text: str) -> Callable[[QWidget], None]:
    """Click the message box's button of that name (asserting it shows plain text)."""

    def act(widget: QWidget) -> None:
        assert isinstance(widget, QMessageBox)
        assert widget.textFormat() == Qt.TextFormat.PlainText
        for button in widget.buttons():
            if button.text().replace("&", "") == button_text:
                button.click()
                return
        raise AssertionError(f"no button {button_text!r} in {[b.text() for b in widget.buttons()]}")

    return act


class SaveAs:
    """Answers a file dialog with `path` (under `name_filter` when given) and keeps the titles
    of the dialogs it answered; pass it to `when_modal`."""

    def __init__(self, path: Path, name_filter: str | None = None) -> None:
        self.path = path
        self.name_filter = name_filter
        self.titles: list[str] = []

    def __call__(self, widget: QWidget) -> None:
        assert isinstance(widget, QFileDialog)
        self.titles.append(widget.windowTitle())
        if self.name_filter is not None:
            widget.selectNameFilter(self.name_filter)
            widget.filterSelected.emit(self.name_filter)
        widget.selectFile(str(self.path))
        widget.accept()
