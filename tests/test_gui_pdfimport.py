"""PDFs dropped on the window become items with their files; dropped on a row, attached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from citelib.gui.mainwindow import MainWindow
from citelib.gui.pdfimport import outcome_line, split_pdfs, summary
from citelib.library import Library, Scope
from citelib.library.attaching import NEEDS_REVIEW, PdfImportReport, resolve_path
from tests.conftest import dump_library, sample_items
from tests.guitools import stop_workers
from tests.pdfmaker import Paper, garbage_pdf, scanned_pdf, write_paper

WAIT_MS = 60_000


def paper_pdf(path: Path, n: int) -> Path:
    return write_paper(
        path,
        Paper(
            title=[f"Synthetic test paper number {n} (not a real reference)"],
            authors="Ada Synthetic^1, Bo Example^2",
            header=f"Journal of Synthetic Tests 3 (2021) {n}-{n + 9}",
            body=[
                f"https://doi.org/10.9999/synthetic.{n:04d}",
                "Abstract",
                "A made-up paper for citelib's tests; nothing in it is real.",
            ],
        ),
    )


@pytest.fixture
def window(qtbot: QtBot, lib: Library, tmp_path: Path) -> Iterator[MainWindow]:
    lib.add_items(sample_items())
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(lib, settings=settings)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.table.reference_model.total() == 4)
    yield w
    stop_workers()
    w.close()


def drop(window: MainWindow, paths: list[Path], pos: QPoint) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    copy, left, none = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    enter = QDragEnterEvent(pos, copy, mime, left, none)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDragMoveEvent(pos, copy, mime, left, none))
    QApplication.sendEvent(window, QDropEvent(pos.toPointF(), copy, mime, left, none))


def outside_rows(window: MainWindow) -> QPoint:
    return window.sidebar.mapTo(window, window.sidebar.rect().center())


def on_row(window: MainWindow, row: int) -> QPoint:
    table = window.table
    rect = table.visualRect(table.reference_model.index(row, 0))
    return table.viewport().mapTo(window, rect.center())


def finished(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: window.last_pdf_import is not None, timeout=WAIT_MS)
    flow = window.last_pdf_import
    assert flow is not None
    qtbot.waitUntil(lambda: flow.done, timeout=WAIT_MS)


def test_two_pdfs_dropped_on_the_window_make_two_items_with_their_files(
    window: MainWindow, qtbot: QtBot, lib: Library, tmp_path: Path
) -> None:
    pdfs = [paper_pdf(tmp_path / f"paper{n}.pdf", n) for n in (1, 2)]
    drop(window, pdfs, outside_rows(window))
    finished(window, qtbot)
    assert lib.count() == 6
    for n in (1, 2):
        [item_id] = lib.item_ids(f"doi:10.9999/synthetic.{n:04d}")
        [attachment] = lib.attachments(item_id)
        stored = resolve_path(lib, attachment)
        assert stored is not None
        assert stored.is_file()
        assert stored.is_relative_to(lib.folder / "files")
        assert stored.read_bytes() == pdfs[n - 1].read_bytes()
    # the new items are selected
    qtbot.waitUntil(lambda: len(window.table.selected_ids()) == 2)
    assert window.statusBar().currentMessage() == "PDFs: 2 new items."


def test_a_pdf_dropped_on_a_row_is_attached_to_that_item(
    window: MainWindow, qtbot: QtBot, lib: Library, tmp_path: Path
) -> None:
    pdf = paper_pdf(tmp_path / "paper.pdf", 7)
    row = 2
    item_id = window.table.reference_model.item_id(row)
    assert item_id is not None
    drop(window, [pdf], on_row(window, row))
    qtbot.waitUntil(lambda: len(lib.attachments(item_id)) == 1, timeout=WAIT_MS)
    assert lib.count() == 4  # no new item
    assert window.undo_action.text() == "Undo Attach paper.pdf"
    window.undo_action.trigger()
    assert lib.attachments(item_id) == []


def test_a_damaged_pdf_is_reported_and_changes_nothing(
    window: MainWindow, qtbot: QtBot, lib: Library, tmp_path: Path
) -> None:
    before = dump_library(lib, bookkeeping=False)
    bad = garbage_pdf(tmp_path / "damaged.pdf")
    drop(window, [bad], outside_rows(window))
    finished(window, qtbot)
    flow = window.last_pdf_import
    assert flow is not None
    assert flow.report is not None
    [outcome] = flow.report.outcomes
    assert outcome.status == "failed"
    assert outcome_line(outcome).startswith("damaged.pdf: ")
    box = getattr(flow, "report_box", None)
    assert isinstance(box, QMessageBox)
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "1 not imported" in box.text()
    assert "damaged.pdf" in box.detailedText()
    box.close()
    assert dump_library(lib, bookkeeping=False) == before


def test_a_scanned_looking_pdf_is_tagged_for_review(
    window: MainWindow, qtbot: QtBot, lib: Library, tmp_path: Path
) -> None:
    scan = scanned_pdf(tmp_path / "Synthetic_scan_of_a_report.pdf")
    drop(window, [scan], outside_rows(window))
    finished(window, qtbot)
    [item_id] = lib.item_ids("", Scope(tags=(NEEDS_REVIEW,)))
    assert lib.get_item(item_id).title == "Synthetic scan of a report"


def test_split_and_summary() -> None:
    pdfs, others = split_pdfs([Path("a.PDF"), Path("b.ris"), Path("c.pdf")])
    assert pdfs == [Path("a.PDF"), Path("c.pdf")]
    assert others == [Path("b.ris")]
    assert summary(PdfImportReport()) == "PDFs: nothing imported."


def test_with_store_copies_off_dropped_files_are_linked_and_the_choice_is_kept(
    window: MainWindow, qtbot: QtBot, lib: Library, tmp_path: Path
) -> None:
    window.store_copies_action.trigger()  # off
    assert window.attach_mode() == "linked"
    assert window.pane.drop_mode == "linked"
    pdf = paper_pdf(tmp_path / "kept-here.pdf", 3)
    drop(window, [pdf], outside_rows(window))
    finished(window, qtbot)
    [item_id] = lib.item_ids("doi:10.9999/synthetic.0003")
    [attachment] = lib.attachments(item_id)
    assert attachment.kind == "linked"
    assert attachment.path == str(pdf)
    assert not any((lib.folder / "files").rglob("*.pdf"))
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.4 synthetic, not a real paper")
    drop(window, [other], on_row(window, 0))
    row_item = window.table.reference_model.item_id(0)
    assert row_item is not None
    qtbot.waitUntil(lambda: any(a.path == str(other) for a in lib.attachments(row_item)))
    again = MainWindow(lib, settings=window.settings)
    qtbot.addWidget(again)
    assert not again.store_copies_action.isChecked()
    assert again.attach_mode() == "linked"
    again.close()
