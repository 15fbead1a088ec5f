"""Reading the text of PDFs into the full-text index in the background, and showing it.

`FulltextIndexer` runs `Library.index_fulltext_pending` in a `Worker`: a while after the window
opens, after any change to items (attaching a file or importing PDFs adds attachments; the
worker itself asks `fulltext_pending`, so a change that added none costs one look-up off the
GUI thread), and on "Rebuild Full-Text Index" (`rebuild`, which forgets the index in the worker
first). One run at a time: a change during a run asks for another once it ends; a rebuild
cancels the run and starts once it has stopped. The index is written in short transactions
outside the undo history, so the user can go on editing while it runs, and a cancel (the
status bar's button, closing the window) stops before the next page and keeps what was read.

`IndexingStatus` is the small permanent widget in the status bar: "Indexing PDFs: 12 of 40"
and a cancel button, shown only while a run has PDFs to read.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Final

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

from citelib.gcpause import collector_paused
from citelib.library import Change
from citelib.library.fulltext import IndexRun

from .session import Session
from .workers import Cancelled, Progress, Worker

# A change to items is followed by a run this much later (several changes in a row make one).
AFTER_CHANGE_MS: Final = 400
# At start-up the first run waits this long: the window paints its rows first.
AT_START_MS: Final = 800
# Closing the window waits at most this long for the run to stop (it stops before its next page).
STOP_WAIT_MS: Final = 10_000
# The GIL's switch interval while a run reads (see `window_first`).
SWITCH_INTERVAL_S: Final = 0.001


@contextlib.contextmanager
def window_first() -> Iterator[None]:
    """While a worker reads PDFs, keep the GIL from the GUI thread for no more than a moment.

    A full pass of the cycle collector in the worker holds the GIL for tens of ms (the app's
    heap is large): the window would freeze that long, so the collector is paused (reading
    pages makes no cycles; reference counting frees what it makes). And a thread waiting for
    the GIL gets it only after the switch interval (5 ms by default): every query of a typed
    search lets the worker in and then waits. With 1 ms, a search typed while 1,000 PDFs were
    read took 37 ms (median) instead of 44 and at most 60 ms instead of about 100, and the
    reading was no slower (bench/bench_gui.py --indexing)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL_S))
    try:
        with collector_paused():
            yield
    finally:
        sys.setswitchinterval(interval)


class FulltextIndexer(QObject):
    """Keeps the full-text index up to date off the GUI thread.

    Signals (in the GUI thread):
        started(bool rebuild): a run started (a rebuild forgets the index first).
        progress(int done, int total): attachments read of those pending (`total` > 0; the
            first report is (0, total) once the run knows there is work).
        finished(object): the run ended: its `IndexRun` (None: nothing was pending, or it
            failed or was cancelled before it began reading).
    """

    started = Signal(bool)
    progress = Signal(int, int)
    finished = Signal(object)

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._worker: Worker | None = None
        self._again = False  # something changed during the run: look again when it ends
        self._rebuild_due = False
        self._closed = False
        self.last_run: IndexRun | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.start)
        session.changed.connect(self._on_changed)

    # ------------------------------------------------------------------ asking for runs
    def is_running(self) -> bool:
        return self._worker is not None

    def is_due(self) -> bool:
        """A run is scheduled and has not started yet."""
        return self._timer.isActive()

    def schedule(self, delay_ms: int = AFTER_CHANGE_MS) -> None:
        """Start a run after `delay_ms` (a later call moves it on)."""
        if not self._closed:
            self._timer.start(delay_ms)

    def start(self) -> None:
        """Index what is pending now; while a run goes on, once it has ended."""
        self._timer.stop()
        if self._closed:
            return
        if self._worker is not None:
            self._again = True
            return
        self._run(rebuild=False)

    def rebuild(self) -> None:
        """Forget the whole index and read every attachment again (a run in progress is
        cancelled first; the rebuild starts when it has stopped)."""
        if self._closed:
            return
        self._timer.stop()
        if self._worker is not None:
            self._rebuild_due = True
            self._worker.cancel()
            return
        self._run(rebuild=True)

    def cancel(self) -> None:
        """Stop the run in progress (what was read stays; the rest waits for the next run,
        after the next change or start-up)."""
        self._timer.stop()
        self._again = self._rebuild_due = False
        if self._worker is not None:
            self._worker.cancel()

    def shutdown(self, msecs: int = STOP_WAIT_MS) -> bool:
        """No more runs; cancel the one in progress and wait for its thread (the window is
        closing). Whether it stopped in time."""
        self._closed = True
        self.cancel()
        worker = self._worker
        return worker is None or worker.wait(msecs)

    # ------------------------------------------------------------------ the run
    def _on_changed(self, change: Change) -> None:
        if change.items or change.items_added or change.elsewhere:  # elsewhere: a CLI attach
            if self._worker is not None:
                self._again = True
            else:
                self.schedule()

    def _run(self, *, rebuild: bool) -> None:
        lib = self._session.lib
        workers: list[Worker] = []

        def work(report: Progress) -> IndexRun | None:
            worker = workers[0]
            if rebuild:
                lib.reindex_fulltext()
            if worker.cancelled:
                raise Cancelled("cancelled")
            pending = lib.fulltext_pending()
            if not pending:
                return None

            def progress(done: int, total: int) -> None:
                with contextlib.suppress(Cancelled):  # `cancel` stops the run, cleanly
                    report(done, total)

            progress(0, len(pending))
            with window_first():
                return lib.index_fulltext_pending(
                    cancel=lambda: worker.cancelled, progress=progress
                )

        worker = Worker(work)
        workers.append(worker)
        self._worker = worker
        worker.progress.connect(self._on_progress)
        worker.finished.connect(lambda result: self._ended(worker, result, None))
        worker.failed.connect(lambda error: self._ended(worker, None, error))
        worker.start()
        self.started.emit(rebuild)

    def _on_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.emit(done, total)

    def _ended(self, worker: Worker, result: object, error: BaseException | None) -> None:
        if worker is not self._worker:
            return
        self._worker = None
        run = result if isinstance(result, IndexRun) else None
        if run is not None:
            self.last_run = run
        if error is not None and not isinstance(error, Cancelled):
            self._session.report("Index PDFs", error)
        self.finished.emit(run)
        if self._closed:
            return
        if self._rebuild_due:
            self._rebuild_due = self._again = False
            self._run(rebuild=True)
        elif self._again:
            self._again = False
            self._run(rebuild=False)


def run_changed_results(run: IndexRun | None) -> bool:
    """The run put text in the index (or took some out): a full-text view may show more."""
    return run is not None and any(
        r.status in ("indexed", "partial", "failed") for r in run.results
    )


class IndexingStatus(QWidget):
    """The status bar's "Indexing PDFs: 12 of 40" with a cancel button, while a run reads."""

    def __init__(self, indexer: FulltextIndexer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("indexingStatus")
        self._indexer = indexer
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_DialogCloseButton)
        )
        self.cancel_button.setToolTip("Stop indexing (it goes on after the next change)")
        self.cancel_button.setAccessibleName("Stop indexing PDFs")
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addWidget(self.cancel_button)
        self.setToolTip("Reading the text of PDFs into the full-text index")
        self.hide()
        indexer.started.connect(self._started)
        indexer.progress.connect(self._progress)
        indexer.finished.connect(lambda _run: self.hide())

    def _started(self, rebuild: bool) -> None:
        self.cancel_button.setEnabled(True)
        if rebuild:
            self.label.setText("Rebuilding the full-text index…")
            self.show()

    def _progress(self, done: int, total: int) -> None:
        if self.cancel_button.isEnabled():
            self.label.setText(f"Indexing PDFs: {done:,} of {total:,}")
        self.show()

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Stopping…")
        self._indexer.cancel()
