"""The PDF tab and thumbnails on real PDFs made with reportlab; the system viewer's guard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QImage
from pytestqt.qtbot import QtBot

from citelib.gui.pdfview import (
    THUMBNAIL_WIDTH,
    PdfViewer,
    Thumbnailer,
    open_in_system_viewer,
    render_first_page,
)
from tests.guitools import press, shown, stop_workers, when_modal
from tests.pdfmaker import Paper, garbage_pdf, many_pages, write_paper, zip_named_pdf


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    return write_paper(
        tmp_path / "paper.pdf",
        Paper(
            pages=[
                ["Methods: cells were counted."],
                ["Results: the word zymogenic appears only here."],
                ["Discussion: zymogenic again, on the last page."],
            ]
        ),
    )


@pytest.fixture
def viewer(qtbot: QtBot) -> PdfViewer:
    v = PdfViewer()
    shown(qtbot, v, 480, 700)
    return v


def test_pages_and_navigation(viewer: PdfViewer, paper: Path) -> None:
    assert viewer.load(paper)
    assert viewer.page_count() == 4
    assert viewer.pages_label.text() == "of 4"
    assert not viewer.previous_button.isEnabled()
    viewer.next_button.click()
    assert viewer.current_page() == 1
    viewer.page_box.setValue(4)
    assert viewer.current_page() == 3
    assert not viewer.next_button.isEnabled()
    viewer.go_to(99)  # clamped
    assert viewer.current_page() == 3


def test_zoom_in_out_and_fit(viewer: PdfViewer, paper: Path) -> None:
    viewer.load(paper)
    viewer.set_zoom(1.0)
    viewer.zoom_in()
    assert viewer.zoom() == pytest.approx(1.25)
    viewer.zoom_out()
    viewer.zoom_out()
    assert viewer.zoom() == pytest.approx(0.8)
    for _ in range(20):
        viewer.zoom_out()
    assert viewer.zoom() == pytest.approx(0.25)  # never below


def test_find_goes_to_each_match_in_turn(qtbot: QtBot, viewer: PdfViewer, paper: Path) -> None:
    viewer.load(paper)
    with qtbot.waitSignal(viewer.matches_changed, check_params_cb=lambda n: n == 2, timeout=5000):
        viewer.find_box.setText("zymogenic")
    assert viewer.current_match() == (0, 2)
    assert viewer.matches_label.text() == "1 of 2"
    viewer.find_next()
    assert viewer.current_match() == (1, 3)
    assert viewer.current_page() == 3
    viewer.find_next()  # round again
    assert viewer.current_match() == (0, 2)
    viewer.find_previous()
    assert viewer.current_match() == (1, 3)
    viewer.find_text("absentword")
    qtbot.waitUntil(lambda: viewer.matches_label.text() == "No matches")
    assert viewer.current_match() is None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: garbage_pdf(p), "it is not a PDF, or it is damaged"),
        (lambda p: zip_named_pdf(p), "it is not a PDF, or it is damaged"),
        (lambda p: p, "the file is not there"),
    ],
)
def test_a_file_that_cannot_be_shown_says_why(
    viewer: PdfViewer, tmp_path: Path, make: object, reason: str
) -> None:
    path = make(tmp_path / "bad.pdf")  # type: ignore[operator]
    assert not viewer.load(path)
    assert viewer.stack.currentWidget() is viewer.message
    assert viewer.message.text().startswith("bad.pdf cannot be shown: ")
    assert reason in viewer.message.text()
    assert not viewer.find_box.isEnabled()
    assert viewer.page_count() == 0


def test_a_long_pdf_opens_at_once(viewer: PdfViewer, tmp_path: Path) -> None:
    path = many_pages(tmp_path / "long.pdf", 500)
    assert viewer.load(path)
    assert viewer.page_count() == 500
    viewer.page_box.setValue(450)
    assert viewer.current_page() == 449


def test_first_page_thumbnail(qtbot: QtBot, paper: Path, tmp_path: Path) -> None:
    image = render_first_page(paper)
    assert isinstance(image, QImage)
    assert image.width() == THUMBNAIL_WIDTH
    assert image.height() > image.width()  # A4 is taller than wide
    assert render_first_page(garbage_pdf(tmp_path / "x.pdf")) is None
    thumbnails = Thumbnailer()
    shown(qtbot, thumbnails, 200, 300)
    with qtbot.waitSignal(thumbnails.ready, timeout=10_000) as blocker:
        thumbnails.show_file(paper)
    assert blocker.args == [paper]
    assert thumbnails.isVisible()
    pixmap = thumbnails.label.pixmap()
    assert pixmap.width() == THUMBNAIL_WIDTH
    thumbnails.show_file(None)
    assert not thumbnails.isVisible()
    stop_workers()


class Opened(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def desktop(qtbot: QtBot) -> Iterator[Opened]:
    handler = Opened()
    QDesktopServices.setUrlHandler("file", handler, "open")  # type: ignore[arg-type]
    yield handler
    QDesktopServices.unsetUrlHandler("file")


def test_a_pdf_goes_to_the_system_viewer(paper: Path, desktop: Opened) -> None:
    assert open_in_system_viewer(paper)
    assert [u.toLocalFile() for u in desktop.urls] == [str(paper)]


def test_a_file_that_is_not_a_pdf_asks_first(tmp_path: Path, desktop: Opened) -> None:
    script = tmp_path / "notes.sh"
    script.write_text("echo synthetic\n")
    done = when_modal(press("Cancel"))
    assert not open_in_system_viewer(script)
    assert done
    assert desktop.urls == []
    done = when_modal(press("Open Anyway"))
    assert open_in_system_viewer(script)
    assert done
    assert [u.toLocalFile() for u in desktop.urls] == [str(script)]
    assert not open_in_system_viewer(tmp_path / "missing.pdf")
