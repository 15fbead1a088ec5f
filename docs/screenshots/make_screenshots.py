"""Screenshots of the desktop app on the demo library, for the README.

Run on a real (virtual) screen so the pictures are what a user sees:

    xvfb-run -a -s "-screen 0 1600x1000x24" python docs/screenshots/make_screenshots.py

Writes main-window.png, item-editor.png and import-preview.png next to this file.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from citelib.cli import load_demo
from citelib.gui.app import make_application
from citelib.gui.importing import ImportPreviewDialog, build_preview
from citelib.gui.mainwindow import MainWindow
from citelib.gui.views import DUPLICATES
from citelib.library import Library
from citelib.paths import resources_dir

HERE = Path(__file__).resolve().parent


def settle(app: QApplication, rounds: int = 30) -> None:
    for _ in range(rounds):
        app.processEvents()


def save(widget: QWidget, name: str) -> None:
    path = HERE / name
    if not widget.grab().save(str(path)):
        sys.exit(f"could not write {path}")
    print(f"wrote {path}")


def main() -> None:
    app = make_application()
    folder = Path(tempfile.mkdtemp(prefix="citelib-shots-"))
    lib = Library.open(folder)
    load_demo(lib)
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(lib, settings=settings, demo=True)
    window.resize(1440, 860)
    window.show()
    settle(app)

    # The review of NK cell therapy for GI cancers: the demo's richest record.
    target = lib.item_ids("gastrointestinal")[0]
    window.table.select_ids([target])
    settle(app)
    save(window, "main-window.png")
    save(window.pane, "item-editor.png")

    preview = build_preview(lib, [resources_dir() / "demo" / "demo.ris"], lambda _d, _t: None)
    dialog = ImportPreviewDialog(preview, lib.collections(), window)
    dialog.show()
    settle(app)
    save(dialog, "import-preview.png")
    dialog.reject()

    # The same review imported a second time from PubMed-style data: its title in another
    # case and a tag of its own, the abstract missing. Duplicate Items shows the pair; the
    # item pane becomes the merge pane.
    copy = lib.get_item(target)
    copy.id = None
    copy.key = None
    copy.set("title", copy.title.upper())
    copy.set("abstract", "")
    copy.tags = ["PubMed import"]
    lib.add_items([copy])
    window.sidebar.select_view(DUPLICATES)
    for _ in range(100):
        settle(app, 5)
        if window.table.reference_model.total() == 2:
            break
    window.table.select_ids(lib.item_ids("gastrointestinal"))
    settle(app)
    save(window.pane, "merge-duplicates.png")

    window.close()
    window.close_library()


if __name__ == "__main__":
    main()
