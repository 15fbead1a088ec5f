"""Find Missing Files…: moved linked files found again under a chosen folder, in a worker."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from citelib.gui.relinking import find_missing_files, report_text
from citelib.gui.session import Session
from citelib.library import Library
from citelib.library.attaching import is_missing, missing_files
from tests.conftest import sample_items
from tests.guitools import press, stop_workers, when_modal
from tests.pdfmaker import Paper, write_paper


def test_moved_linked_files_are_found_and_relinked_in_one_step(
    qtbot: QtBot, lib: Library, tmp_path: Path
) -> None:
    lib.add_items(sample_items())
    ids = lib.item_ids()
    papers = tmp_path / "papers"
    papers.mkdir()
    for n, item_id in enumerate(ids[:3]):
        pdf = write_paper(papers / f"synthetic-{n}.pdf", Paper(title=[f"Synthetic paper {n}"]))
        lib.attach_file(item_id, pdf, mode="linked")
    moved = tmp_path / "elsewhere" / "deep"
    moved.mkdir(parents=True)
    for n in range(2):  # two move away, one is deleted for good
        shutil.move(papers / f"synthetic-{n}.pdf", moved / f"synthetic-{n}.pdf")
    (papers / "synthetic-2.pdf").unlink()
    assert len(missing_files(lib)) == 3

    session = Session(lib)
    flow = find_missing_files(session, None, tmp_path / "elsewhere")
    assert flow is not None
    with qtbot.waitSignal(flow.finished, timeout=30_000):
        pass
    report = flow.report
    assert report is not None
    assert len(report.relinked) == 2
    assert [r.path for r in report.still_missing] == [str(papers / "synthetic-2.pdf")]
    text, details = report_text(report)
    assert text == "Found 2 of 3 missing files."
    assert "Still missing: " in details
    box = flow.report_box
    assert isinstance(box, QMessageBox)
    assert box.text() == text
    box.close()
    assert [not is_missing(lib, a) for i in ids[:2] for a in lib.attachments(i)] == [True, True]
    assert report.change is not None
    assert lib.history.undo_label == report.change.label
    session.undo()
    assert len(missing_files(lib)) == 3
    stop_workers()


def test_nothing_missing_says_so(qtbot: QtBot, lib: Library) -> None:
    done = when_modal(press("OK"))
    assert find_missing_files(Session(lib)) is None
    assert done
