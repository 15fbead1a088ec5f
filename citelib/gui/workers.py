"""Running slow work (reading files, importing, exporting) off the GUI thread.

A `Worker` runs one function in a `QThread` of its own. The function gets a progress callback;
calling it reports `(done, total)` to the GUI thread and is also where a cancel takes effect:
once `Worker.cancel()` was called, the next call raises `Cancelled` inside the function, so work
that runs in one transaction (`Library.add_items`) rolls back and a file being written
(`write_file`) is removed. Results and errors reach the GUI thread only through queued signals,
after the thread has ended, so a slot connected to `finished` or `failed` may touch widgets and
drop the worker.

The Library is safe to use from a worker: its engine pools SQLite connections made with
`check_same_thread=False`, each `read()`/`write()` checks one out for its own use, and WAL mode
lets the GUI thread read while a worker writes. What is not safe is a second *write* from the
GUI thread while a worker writes: it waits on SQLite's lock (freezing the window) and races the
Library's undo bookkeeping. Workers that write therefore show their progress window-modal.

Two patterns sit on top: `LatestOnly` runs a read again and again where only the newest request
counts (the tag counts of the view chosen last), and `Flow` is the base of the import and export
flows, which keep themselves alive until they are over and then report how it went.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QMainWindow, QProgressDialog, QWidget

from citelib.library import Interrupt

Progress = Callable[[int, int], None]
Work = Callable[[Progress], object]

# Progress reports closer together than this are dropped (the last one always goes through).
_PROGRESS_INTERVAL_S: Final = 0.05
# A progress window shows only for work that lasts longer than this.
_SHOW_AFTER_MS: Final = 400


class Cancelled(Exception):
    """The user cancelled the work; raised inside the work function by its progress callback."""


class _Thread(QThread):
    """The thread a Worker runs in. Its signals are emitted from the worker thread and connected
    queued to the Worker, which lives in the GUI thread."""

    reported = Signal(int, int)

    def __init__(self, worker: Worker, work: Work) -> None:
        super().__init__()
        self._worker = worker
        self._work = work
        self.result: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._work(self._worker._report)
        except BaseException as e:  # handed to the GUI thread as `failed`
            self.error = e


class Worker(QObject):
    """One function run on a thread of its own, with progress and cancel.

    Signals (all emitted in the GUI thread):
        progress(int done, int total): the function reported progress.
        finished(object result): the function returned; the thread has ended.
        failed(BaseException error): the function raised (`Cancelled` after a cancel); the
            thread has ended.
    """

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._last_report = 0.0
        self._thread = _Thread(self, work)
        self._thread.reported.connect(self.progress, Qt.ConnectionType.QueuedConnection)
        self._thread.finished.connect(self._on_thread_finished, Qt.ConnectionType.QueuedConnection)
        self._started = False
        self._done = False

    def start(self) -> None:
        """Start the function on its thread (once)."""
        if self._started:
            raise RuntimeError("a worker runs only once")
        self._started = True
        _ACTIVE.add(self)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the function to stop at its next progress report. Safe from any thread."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_running(self) -> bool:
        """Started and its result not yet delivered."""
        return self._started and not self._done

    def wait(self, msecs: int | None = None) -> bool:
        """Block until the thread has ended (or `msecs` passed); whether it has ended.
        The result is still delivered by `finished`/`failed` from the event loop."""
        if not self._started:
            return True
        if msecs is None:
            return self._thread.wait()
        return self._thread.wait(msecs)

    def _report(self, done: int, total: int) -> None:
        """The progress callback handed to the function (called in the worker thread)."""
        if self._cancel.is_set():
            raise Cancelled("cancelled")
        now = time.monotonic()
        if done >= total or now - self._last_report >= _PROGRESS_INTERVAL_S:
            self._last_report = now
            self._thread.reported.emit(done, total)

    def _on_thread_finished(self) -> None:
        self._thread.wait()
        self._done = True
        _ACTIVE.discard(self)
        error = self._thread.error
        if error is not None:
            self.failed.emit(error)
        else:
            self.finished.emit(self._thread.result)


# Workers whose thread runs: a QThread destroyed while running aborts the process, so a worker is
# kept alive here until its result was delivered, whoever else drops it.
_ACTIVE: set[Worker] = set()


def run_worker(work: Work, parent: QObject | None = None) -> Worker:
    """A started Worker running `work`."""
    worker = Worker(work, parent)
    worker.start()
    return worker


def active_workers() -> list[Worker]:
    """The workers whose results were not delivered yet."""
    return list(_ACTIVE)


def shutdown_workers(msecs: int | None = None) -> bool:
    """Cancel every running worker and wait for their threads (before the library is closed);
    whether all of them ended. A file being read stops only when its reader returns."""
    workers = list(_ACTIVE)
    for worker in workers:
        worker.cancel()
    return all(worker.wait(msecs) for worker in workers)


class LatestOnly(QObject):
    """Runs a function off the GUI thread again and again, where only the newest run counts
    (what a pane shows for the view chosen last, say).

    `request(work)` runs `work(interrupt)` in a Worker. While one runs, the request waits
    (replacing any request already waiting) and starts when the running one ends, whose result
    is then dropped: one thread at the most, and the newest request always runs. The run that
    is overtaken is told to stop through its `Interrupt` (a read made with it stops at once),
    so it does not hold a core while the newer one waits. Until its result arrives the caller
    keeps showing what it had.

    The workers have no parent, so destroying this object (with the widget it belongs to)
    while one runs is safe: the worker lives on until its thread ends, and its result reaches
    nobody.

    Signals (only for the newest request, in the GUI thread):
        finished(object result): `work` returned.
        failed(BaseException error): `work` raised.
    """

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: Worker | None = None
        self._interrupt = Interrupt()
        self._waiting: Callable[[Interrupt], object] | None = None

    def request(self, work: Callable[[Interrupt], object]) -> None:
        """Run `work` now, or once the run in progress ends (that one is interrupted, and its
        result dropped)."""
        if self._running is not None:
            self._waiting = work
            self._interrupt.set()
            return
        self._start(work)

    def busy(self) -> bool:
        """A request has not delivered its result yet."""
        return self._running is not None

    def worker(self) -> Worker | None:
        """The worker running now, if any (waiting on it does not deliver its result)."""
        return self._running

    def _start(self, work: Callable[[Interrupt], object]) -> None:
        interrupt = self._interrupt = Interrupt()
        worker = Worker(lambda _progress: work(interrupt))
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self._running = worker
        worker.start()

    def _overtaken(self) -> bool:
        """The run that just ended was overtaken by a waiting request: start that one."""
        self._running = None
        work, self._waiting = self._waiting, None
        if work is None:
            return False
        self._start(work)
        return True

    def _on_finished(self, result: object) -> None:
        if not self._overtaken():
            self.finished.emit(result)

    def _on_failed(self, error: BaseException) -> None:
        if not self._overtaken():
            self.failed.emit(error)


class Flow(QObject):
    """Slow work the user started (an import, an export) that keeps itself alive until it is
    over and then says how it went.

    Signals:
        finished(str): the flow is over, whatever happened; the outcome for a status bar.
    """

    finished = Signal(str)

    def __init__(self, parent_widget: QWidget | None = None) -> None:
        super().__init__()
        self.parent_widget = parent_widget
        self.outcome: str | None = None

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def keep_alive(self) -> None:
        """Hold on to the flow until it is finished (nobody need keep the object)."""
        _FLOWS.add(self)

    def _finish(self, outcome: str) -> None:
        """End the flow (once): show the outcome in the window's status bar, emit finished."""
        if self.done:
            return
        self.outcome = outcome
        _FLOWS.discard(self)
        window = self.parent_widget.window() if self.parent_widget is not None else None
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(outcome, 10_000)
        self.finished.emit(outcome)


class WorkerFlow(Flow):
    """A flow that is one Worker: `start` runs it (the flow keeping itself alive), `cancel`
    asks it to stop. Subclasses make `self.worker` and connect its signals."""

    worker: Worker

    def start(self) -> None:
        self.keep_alive()
        self.worker.start()

    def cancel(self) -> None:
        self.worker.cancel()


# Flows in progress.
_FLOWS: set[Flow] = set()


class WorkerProgressDialog(QProgressDialog):
    """A progress window for a Worker, shown only if the worker takes a while, whose Cancel button
    cancels it and which closes itself when the worker ends.

    Never `exec()`-ed: the event loop keeps running. `modal` makes it window-modal, which keeps
    the user from editing the library while a worker writes to it. A caller that shows its own
    stages may change the label and the range (`setRange(0, 0)` is a busy indicator).

    Signals:
        cancel_requested(): the user pressed Cancel while the worker ran (not emitted when the
            window closes because the worker ended, unlike `canceled`).
    """

    cancel_requested = Signal()

    def __init__(
        self,
        worker: Worker,
        parent: QWidget | None,
        title: str,
        label: str,
        *,
        modal: bool = False,
    ) -> None:
        super().__init__(label, "Cancel", 0, 0, parent)
        self._worker = worker
        self._ended = False
        self.setWindowTitle(title)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumDuration(_SHOW_AFTER_MS)
        self.setWindowModality(
            Qt.WindowModality.WindowModal if modal else Qt.WindowModality.NonModal
        )
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_end)
        worker.failed.connect(self._on_end)
        self.canceled.connect(self._on_cancel)
        self.setValue(0)

    def _on_progress(self, done: int, total: int) -> None:
        if self.maximum() != total:
            self.setRange(0, max(total, 0))
        self.setValue(min(done, total))

    def _on_cancel(self) -> None:
        if self._worker.is_running():
            self._worker.cancel()
            self.setLabelText("Cancelling…")
            self.cancel_requested.emit()

    def _on_end(self, _: object = None) -> None:
        self.finish()

    def finish(self) -> None:
        """Close for good (closing a QProgressDialog emits `canceled`: disconnected first)."""
        if self._ended:
            return
        self._ended = True
        self.canceled.disconnect(self._on_cancel)
        for signal, slot in (
            (self._worker.progress, self._on_progress),
            (self._worker.finished, self._on_end),
            (self._worker.failed, self._on_end),
        ):
            signal.disconnect(slot)
        self.reset()  # stops the timer that would show the window later
        self.hide()
        self.deleteLater()
