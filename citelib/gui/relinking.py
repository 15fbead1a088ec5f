"""Find Missing Files…: moved linked files found again by name under a folder the user chooses.

`find_missing_files(session, parent)` says first how many linked files are missing (none:
nothing to do), asks for a folder, then searches it in a Worker (`Library.relink_by_folder`:
by name, the same content preferred) with a progress window naming the folder being searched,
and Cancel. Every file found is relinked in one undoable step; a report then says how many were
found, which of them differ from what was attached (an annotated copy, say), and what is still
missing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from citelib.library.attaching import STORED, RelinkReport, missing_files

from .session import Session
from .widgets import plural
from .workers import Cancelled, Progress, Worker, WorkerFlow, WorkerProgressDialog


def report_text(report: RelinkReport) -> tuple[str, str]:
    """(the summary, the details) of a finished search."""
    found = len(report.relinked)
    text = f"Found {found:,} of {plural(report.missing_before, 'missing file')}."
    lines = []
    for r in report.relinked:
        note = "" if r.same_content else " (not the same content: an edited copy?)"
        lines.append(f"Found {Path(r.old_path).name} at {r.new_path}{note}")
    lines += [f"Still missing: {r.path}" for r in report.still_missing]
    return text, "\n".join(lines)


class RelinkFlow(WorkerFlow):
    """One folder search for missing files.

    Signals:
        relinked(RelinkReport): the search is over and what it found is relinked.
        finished(str): over, whatever happened; the outcome for a status bar.
    """

    relinked = Signal(object)

    def __init__(self, session: Session, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.folder = folder
        self.report: RelinkReport | None = None
        lib = session.lib

        def work(progress: Progress) -> RelinkReport:
            def seen(count: int, _where: Path) -> None:
                progress(count, 0)  # busy: how many folders there are is not known

            return lib.relink_by_folder([folder], cancel=lambda: worker.cancelled, progress=seen)

        worker = self.worker = Worker(work)
        self.progress = WorkerProgressDialog(
            worker, parent, "Find Missing Files", f"Searching {folder}…"
        )
        worker.progress.connect(
            lambda n, _total: self.progress.setLabelText(
                f"Searching {folder}… ({plural(n, 'folder')} so far)"
            )
        )
        worker.finished.connect(self._on_done)
        worker.failed.connect(self._on_failed)

    def _on_done(self, report: RelinkReport) -> None:
        self.report = report
        if report.cancelled:
            self._finish("Search cancelled; nothing was relinked.")
            return
        if report.change is not None:
            self.session.publish(report.change)
        self.relinked.emit(report)
        text, details = report_text(report)
        box = QMessageBox(self.parent_widget)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("Find Missing Files")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        if details:
            box.setDetailedText(details)
        box.open()
        self.report_box = box
        self._finish(text)

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self._finish("Search cancelled; nothing was relinked.")
            return
        self.session.report("Find Missing Files", error)
        self._finish("The search failed; nothing was relinked.")


def find_missing_files(
    session: Session, parent: QWidget | None = None, folder: Path | None = None
) -> RelinkFlow | None:
    """Ask for a folder (unless given) and search it for the library's missing linked files;
    the running flow, or None when nothing is missing or no folder was chosen."""
    missing = [r for r in missing_files(session.lib) if r.kind != STORED]
    if not missing:
        box = QMessageBox(QMessageBox.Icon.Information, "Find Missing Files", "", parent=parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText("No linked file is missing.")
        box.exec()
        return None
    if folder is None:
        chosen = QFileDialog.getExistingDirectory(
            parent, f"Find {plural(len(missing), 'Missing File', 'Missing Files')} in…"
        )
        if not chosen:
            return None
        folder = Path(chosen)
    flow = RelinkFlow(session, folder, parent)
    flow.start()
    return flow
