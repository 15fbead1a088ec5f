"""PDFs dropped on the window or chosen in File > Import: items made from them, files attached.

`import_pdfs(session, paths, parent, collection)` runs `attaching.import_pdfs` in a Worker with a
progress window and Cancel: every PDF is recognised offline (identifiers, metadata, page 1),
then the new items and their attachments are written in one transaction (a PDF of an item the
library already holds is attached to that item). Cancel, or a failure, leaves the library and
the files folder as they were. When it is over, a short report lists what happened to each file
(made, attached to an existing item, already there, or why it could not be read); the new items
are announced by `imported` so the window can select them.

`attach_dropped(session, item_id, paths, parent)` attaches files dropped on one item's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from citelib.library import Change
from citelib.library.attaching import Mode, PdfImportReport, PdfOutcome, attach_file
from citelib.library.attaching import import_pdfs as import_pdf_files

from .session import Session
from .widgets import plural
from .workers import Cancelled, Worker, WorkerFlow, WorkerProgressDialog

PDF_SUFFIX: Final = ".pdf"
_STATUS: Final = {
    "added": "new item",
    "attached": "attached to an item already in the library",
    "already": "already in the library",
    "failed": "not imported",
}


def is_pdf_name(path: Path) -> bool:
    return path.suffix.lower() == PDF_SUFFIX


def split_pdfs(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """(PDFs, other files), each in the order given (a PDF goes by its name, as on the CLI)."""
    pdfs = [p for p in paths if is_pdf_name(p)]
    return pdfs, [p for p in paths if not is_pdf_name(p)]


def outcome_line(outcome: PdfOutcome) -> str:
    """One file's outcome in a sentence, for the report."""
    name = outcome.path.name
    if outcome.status == "failed":
        return outcome.message
    text = f"{name}: {_STATUS[outcome.status]}"
    if outcome.detail:
        text += f" ({outcome.detail})"
    if outcome.needs_review:
        text += "; tagged “Needs review”"
    return text


def summary(report: PdfImportReport) -> str:
    """The status-bar line for a finished PDF import."""
    parts = []
    for status, word in (
        ("added", "new item"),
        ("attached", "attached to existing items"),
        ("already", "already there"),
        ("failed", "not imported"),
    ):
        n = report.count(status)  # type: ignore[arg-type]
        if n:
            parts.append(plural(n, word, word + "s") if status == "added" else f"{n:,} {word}")
    return "PDFs: " + (", ".join(parts) if parts else "nothing imported") + "."


class PdfImportFlow(WorkerFlow):
    """One PDF import in progress.

    Signals:
        imported(Change): the items and attachments were written (`new_ids` are the new
            items).
        finished(str): the import is over, whatever happened; the outcome for a status bar.
    """

    imported = Signal(object)

    def __init__(
        self,
        session: Session,
        paths: Sequence[Path],
        parent: QWidget | None = None,
        collection: int | None = None,
        mode: Mode = "stored",
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.paths = list(dict.fromkeys(paths))
        self.report: PdfImportReport | None = None
        lib = session.lib
        worker = self.worker = Worker(
            lambda progress: import_pdf_files(
                lib,
                self.paths,
                mode=mode,
                collection=collection,
                progress=progress,
                cancel=lambda: worker.cancelled,
            )
        )
        n = len(self.paths)
        self.progress = WorkerProgressDialog(
            worker, parent, "Import PDFs", f"Reading {plural(n, 'PDF')}…"
        )
        worker.finished.connect(self._on_done)
        worker.failed.connect(self._on_failed)

    def _on_done(self, report: PdfImportReport) -> None:
        self.report = report
        if report.cancelled:
            self._finish("PDF import cancelled; nothing was added.")
            return
        if report.change is not None:
            self.session.publish(report.change)
            self.imported.emit(report.change)
        if report.failed or report.count("already") or report.count("attached"):
            self._show_report(report)
        self._finish(summary(report))

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self._finish("PDF import cancelled; nothing was added.")
            return
        self.session.report("Import PDFs", error)
        self._finish("PDF import failed; nothing was added.")

    def _show_report(self, report: PdfImportReport) -> None:
        box = QMessageBox(self.parent_widget)
        box.setIcon(QMessageBox.Icon.Warning if report.failed else QMessageBox.Icon.Information)
        box.setWindowTitle("Import PDFs")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(summary(report))
        box.setDetailedText("\n".join(outcome_line(o) for o in report.outcomes))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.open()
        self.report_box = box


def import_pdfs(
    session: Session,
    paths: Sequence[Path],
    parent: QWidget | None = None,
    collection: int | None = None,
    mode: Mode = "stored",
) -> PdfImportFlow:
    """Start importing these PDFs (stored copies, or links with `mode="linked"`); the flow,
    already running."""
    flow = PdfImportFlow(session, paths, parent, collection, mode)
    flow.start()
    return flow


def attach_dropped(
    session: Session, item_id: int, paths: Sequence[Path], mode: Mode = "stored"
) -> list[Change]:
    """Attach files dropped on an item's row (stored copies, or links), each its own undo
    step; the changes made (a file refused, say attached twice, is reported and skipped)."""
    done = []
    for path in paths:
        change = session.apply(
            f"Attach {path.name}", attach_file, session.lib, item_id, path, mode=mode
        )
        if change is not None:
            done.append(change)
    return done
