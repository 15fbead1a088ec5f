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
from citelib.gui.pdfview import Thumbnailer
from citelib.gui.views import DUPLICATES, LibraryView
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

    # A made-up paper (it says so) attached to the review: the item pane's attachments with the
    # page-1 thumbnail, then its PDF tab.
    window.sidebar.select_view(LibraryView())
    settle(app)
    paper = synthetic_pdf(folder / "synthetic-paper.pdf")
    lib.attach_file(target, paper)
    window.table.select_ids([target])
    settle(app)
    window.pane.scroll_area.ensureWidgetVisible(window.pane.editor.attachments)
    for _ in range(100):
        settle(app, 5)
        if window.pane.editor.attachments.findChildren(Thumbnailer)[0].isVisible():
            break
    settle(app)
    save(window.pane, "item-attachments.png")
    window.pane.show_pdf()
    settle(app, 60)
    save(window.pane, "pdf-tab.png")

    window.close()
    window.close_library()


def synthetic_pdf(path: Path) -> Path:
    """Two pages of made-up text (reportlab, a development dependency), plainly not a paper."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    _width, height = A4
    c.setFont("Helvetica-Bold", 18)
    c.drawString(60, height - 90, "Synthetic test paper (not a real reference)")
    c.setFont("Helvetica", 11)
    c.drawString(60, height - 115, "Made by citelib's screenshot script; nothing in it is real.")
    y = height - 160
    for n in range(1, 30):
        c.drawString(60, y, f"Line {n} of placeholder text standing in for a paper's body.")
        y -= 16
    c.showPage()
    c.setFont("Helvetica", 11)
    c.drawString(60, height - 90, "Page 2: more placeholder text.")
    c.showPage()
    c.save()
    return path


if __name__ == "__main__":
    main()
