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

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from citelib import __version__
from citelib.errors import CitelibError
from citelib.library import Library
from citelib.paths import APP_NAME, LIBRARY_ENV, default_library_dir, resources_dir

from .session import log_error

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


def run_app(folder: Path | None, *, demo: bool) -> int:
    """Open the window on a library and run until it closes; the process exit code."""
    from .mainwindow import MainWindow  # after the QApplication's names are set

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
            path = choose_library(folder, settings)
            lib = Library.open(path)
            settings.setValue(LAST_LIBRARY_KEY, str(lib.folder))
    except CitelibError as e:
        QMessageBox.critical(None, "citelib", f"The library could not be opened:\n{e}")
        return 1

    window = MainWindow(lib, settings=settings, demo=demo)
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook(window.report_unexpected)
    try:
        window.show()
        if os.environ.get(EXIT_AFTER_PAINT_ENV):
            started = time.monotonic()
            window.first_rows_painted.connect(lambda: _print_and_quit(app, started))
            QTimer.singleShot(60_000, app.quit)  # never hang a benchmark
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        window.close_library()
        if demo_folder is not None:
            shutil.rmtree(demo_folder, ignore_errors=True)


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
