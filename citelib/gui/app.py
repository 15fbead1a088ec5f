"""Starting the desktop app: the QApplication, the library to open, the last line of defence.

`citelib` opens the library named by `--library`, else the one used last (QSettings), else the
default one (created on first run). `citelib --demo` opens a new temporary library holding the
demo references, removed when the window closes.

An exception that escapes a slot would otherwise print a traceback and, in PySide6, may leave
the window in a half-done state; `sys.excepthook` turns it into a short message box and a full
entry in the library folder's `citelib.log`, and the window stays open.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from citelib import __version__
from citelib.errors import CitelibError
from citelib.library import Library
from citelib.paths import APP_NAME, LIBRARY_ENV, default_library_dir, resources_dir

from .session import log_error
from .widgets import warn

if TYPE_CHECKING:
    from .mainwindow import MainWindow

ORGANISATION = "citelib"
LAST_LIBRARY_KEY = "library/last"
# Benchmarks and smoke tests: print a line when the item table first paints rows, then quit
# (the benchmark times the process from outside).
EXIT_AFTER_PAINT_ENV = "CITELIB_EXIT_AFTER_PAINT"


def make_application(argv: Sequence[str] = ()) -> QApplication:
    """The one QApplication, named so QSettings has a home."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QApplication.setOrganizationName(ORGANISATION)
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    QApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication([sys.argv[0] if sys.argv else APP_NAME, *argv])
    icon = resources_dir() / "icons" / "citelib.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def choose_library(folder: Path | None, settings: QSettings) -> Path:
    """`--library`, else the library used last (if it is still there), else the default."""
    if folder is not None:
        return folder.expanduser()
    if not os.environ.get(LIBRARY_ENV):
        last = settings.value(LAST_LIBRARY_KEY, "", type=str)
        if isinstance(last, str) and last and (Path(last) / "library.sqlite").exists():
            return Path(last)
    return default_library_dir()


MAX_RECENT = 8


class LibraryHost(QObject):
    """The window on the library that is open, and the switch to another one (File > Open
    Library, New Library, Open Recent): the other library is opened first, so a library that
    cannot be opened leaves the window as it was; then a new window takes the old one's place,
    and the old library is closed once its workers have stopped."""

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.window: MainWindow | None = None
        self._demo_folder: Path | None = None

    def start(self, lib: Library, *, demo_folder: Path | None = None) -> MainWindow:
        """Show the first window, on `lib` (the demo library when `demo_folder` is given)."""
        self._demo_folder = demo_folder
        if demo_folder is None:
            self._remember(lib.folder)
        return self._show(lib, demo=demo_folder is not None)

    def switch(self, folder: Path, create: bool) -> bool:
        """Open the library in `folder` in place of the current one; False (and a message)
        when it cannot be opened, the current window staying as it was."""
        old = self.window
        try:
            lib = Library.open(folder, create=create)
        except CitelibError as e:
            warn(old, "citelib", f"The library could not be opened:\n{e}")
            return False
        if old is not None:
            old.pane.commit_pending()
            old.save_settings()
            old.save_on_close = False
        self._remember(lib.folder)
        self._show(lib, demo=False)
        if old is not None:
            old.close()
            old.close_library()
            old.deleteLater()
        if self._demo_folder is not None:
            shutil.rmtree(self._demo_folder, ignore_errors=True)
            self._demo_folder = None
        return True

    def close(self) -> None:
        """Close the library for good (the app is quitting)."""
        if self.window is not None:
            self.window.close_library()
        if self._demo_folder is not None:
            shutil.rmtree(self._demo_folder, ignore_errors=True)
            self._demo_folder = None

    def report_unexpected(self, error: BaseException) -> None:
        if self.window is not None:
            self.window.report_unexpected(error)
        else:
            log_error(Path(tempfile.gettempdir()), error)

    def _show(self, lib: Library, *, demo: bool) -> MainWindow:
        from .mainwindow import MainWindow

        window = MainWindow(lib, settings=self.settings, demo=demo)
        window.library_requested.connect(self.switch)
        window.show()
        self.window = window
        return window

    def _remember(self, folder: Path) -> None:
        from .mainwindow import RECENT_KEY, recent_libraries

        self.settings.setValue(LAST_LIBRARY_KEY, str(folder))
        recent = [str(folder)] + [
            str(p) for p in recent_libraries(self.settings) if str(p) != str(folder)
        ]
        self.settings.setValue(RECENT_KEY, recent[:MAX_RECENT])


def run_app(folder: Path | None, *, demo: bool) -> int:
    """Open the window on a library and run until it closes; the process exit code."""
    app = make_application()
    settings = QSettings()
    demo_folder: Path | None = None
    try:
        if demo:
            from citelib.cli import load_demo

            demo_folder = Path(tempfile.mkdtemp(prefix="citelib-demo-"))
            lib = Library.open(demo_folder)
            load_demo(lib)
        else:
            lib = Library.open(choose_library(folder, settings))
    except CitelibError as e:
        warn(None, "citelib", f"The library could not be opened:\n{e}", QMessageBox.Icon.Critical)
        return 1

    host = LibraryHost(settings)
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook(host.report_unexpected)
    try:
        window = host.start(lib, demo_folder=demo_folder)
        if os.environ.get(EXIT_AFTER_PAINT_ENV):
            started = time.monotonic()
            window.first_rows_painted.connect(lambda: _print_and_quit(app, started))
            QTimer.singleShot(60_000, app.quit)  # never hang a benchmark
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        host.close()


def _print_and_quit(app: QApplication, started: float) -> None:
    print(
        f"first rows painted, {time.monotonic() - started:.3f} s after the window was made",
        flush=True,
    )
    app.quit()


def _excepthook(
    report: Callable[[BaseException], None],
) -> Callable[[type[BaseException], BaseException, TracebackType | None], None]:
    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        error.__traceback__ = tb
        try:
            report(error)
        except Exception:
            log_error(Path(tempfile.gettempdir()), error)

    return hook
