"""The open library as the window sees it: one object every pane shares.

Every change the user makes goes through `Session.apply`, which calls the Library service and
broadcasts the core's `Change` record on `changed`; each pane refreshes only what the record
names (Anki's OpChanges). Undo and redo are the core's history; the session only says what the
menu items are called. Errors the user can cause (`CitelibError`) come back on `failed` as a
short message; anything else is logged to `citelib.log` in the library folder and reported the
same way, so no traceback reaches the user and the window stays open.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec

from PySide6.QtCore import QObject, Signal

from citelib import __version__
from citelib.errors import CitelibError
from citelib.library import Change, Library

P = ParamSpec("P")
LOG_NAME = "citelib.log"


class Session(QObject):
    """One open library, its change broadcast and its error reporting.

    Signals:
        changed(Change): the library changed (by the user, an undo or a redo).
        failed(str, str): an action failed: (what was being done, why), for a message box.
        history_changed(): undo or redo became possible or impossible.
    """

    changed = Signal(object)
    failed = Signal(str, str)
    history_changed = Signal()

    def __init__(self, lib: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lib = lib

    # ------------------------------------------------------------------ changes
    def apply(
        self, what: str, call: Callable[P, Change], *args: P.args, **kwargs: P.kwargs
    ) -> Change | None:
        """Run one mutating Library call; broadcast its change. None if it failed (then
        `failed` was emitted and the library is as it was: every call is one transaction)."""
        try:
            change = call(*args, **kwargs)
        except Exception as e:
            self.report(what, e)
            return None
        self.publish(change)
        return change

    def publish(self, change: Change) -> None:
        """Broadcast a change made elsewhere (a worker thread's import, say)."""
        if not change.empty:
            self.changed.emit(change)
        self.history_changed.emit()

    def undo(self) -> Change | None:
        return self._step("Undo", self.lib.undo)

    def redo(self) -> Change | None:
        return self._step("Redo", self.lib.redo)

    def _step(self, what: str, call: Callable[[], Change | None]) -> Change | None:
        try:
            change = call()
        except Exception as e:
            self.report(what, e)
            self.history_changed.emit()
            return None
        if change is not None:
            self.publish(change)
        return change

    def undo_label(self) -> str | None:
        label = self.lib.history.undo_label
        return f"Undo {label}" if label else None

    def redo_label(self) -> str | None:
        label = self.lib.history.redo_label
        return f"Redo {label}" if label else None

    # ------------------------------------------------------------------ errors
    def report(self, what: str, error: BaseException) -> None:
        """Tell the user an action failed. Errors of ours carry their own message; anything
        else is an internal error, logged in full to the library folder's log."""
        if isinstance(error, CitelibError):
            self.failed.emit(what, str(error))
            return
        where = log_error(self.lib.folder, error)
        self.failed.emit(
            what, f"internal error: {type(error).__name__}: {error}\n(details in {where})"
        )


def log_error(folder: Path, error: BaseException) -> Path:
    """Append the error's traceback to `citelib.log` in folder; the log's path."""
    path = folder / LOG_NAME
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"citelib {__version__} (desktop app)\n{text}\n")
    except OSError:
        logging.getLogger("citelib").exception("could not write %s", path)
    return path
