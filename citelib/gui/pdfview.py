"""Reading a PDF inside citelib: the item pane's PDF tab, page-1 thumbnails, the system viewer.

`PdfViewer` shows one PDF with QtPdf (the PDFium Qt ships): pages scrolled continuously, page
navigation (buttons, the page box, PgUp/PgDn in the view), zoom (in, out, fit width, fit page),
and find in the text (every match listed by QPdfSearchModel, Enter for the next, Shift+Enter
for the previous). A file that cannot be shown says why in the tab instead of a blank page.

`Thumbnailer` renders page 1 of PDFs off the GUI thread (a QPdfDocument of its own in a
Worker) and hands back QImages, newest request first.

`open_in_system_viewer` hands a file to the desktop. A file that is not a PDF (by its content
and name: the desktop picks the program by extension) is opened only after the user agrees,
since a linked path may come from anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import QModelIndex, QPointF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from citelib.library.files import opens_as_pdf

from .widgets import confirm, plain_label, tool_button
from .workers import Worker

ZOOM_STEP: Final = 1.25
ZOOM_MIN: Final = 0.25
ZOOM_MAX: Final = 8.0
THUMBNAIL_WIDTH: Final = 160

_ERRORS: Final[dict[QPdfDocument.Error, str]] = {
    QPdfDocument.Error.FileNotFound: "the file is not there (moved or deleted?)",
    QPdfDocument.Error.InvalidFileFormat: "it is not a PDF, or it is damaged",
    QPdfDocument.Error.IncorrectPassword: "it is protected with a password",
    QPdfDocument.Error.UnsupportedSecurityScheme: "it is encrypted in a way that cannot be read",
    QPdfDocument.Error.DataNotYetAvailable: "it is not complete yet",
    QPdfDocument.Error.Unknown: "it could not be read",
}


class PdfViewer(QWidget):
    """One PDF on screen, with its page, zoom and find controls.

    Signals:
        page_changed(int): the page at the top of the view (0-based) changed.
        matches_changed(int): how many matches of the text to find there are now.
    """

    page_changed = Signal(int)
    matches_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.document = QPdfDocument(self)
        self.search_model = QPdfSearchModel(self)
        self.search_model.setDocument(self.document)
        self.search_model.rowsInserted.connect(lambda *_args: self._on_matches())
        self.search_model.modelReset.connect(self._on_matches)
        self._match = -1

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setSearchModel(self.search_model)
        self.view.pageNavigator().currentPageChanged.connect(self._on_page)

        self.previous_button = tool_button("‹", "Previous page (PgUp)", self)
        self.previous_button.clicked.connect(lambda: self.go_to(self.current_page() - 1))
        self.next_button = tool_button("›", "Next page (PgDn)", self)
        self.next_button.clicked.connect(lambda: self.go_to(self.current_page() + 1))
        self.page_box = QSpinBox(self)
        self.page_box.setKeyboardTracking(False)
        self.page_box.setToolTip("Go to page")
        self.page_box.valueChanged.connect(lambda n: self.go_to(n - 1))
        self.pages_label = QLabel(self)
        self.pages_label.setTextFormat(Qt.TextFormat.PlainText)
        self.zoom_out_button = tool_button("−", "Zoom out (Ctrl+-)", self)
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.zoom_in_button = tool_button("+", "Zoom in (Ctrl++)", self)
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.fit_button = tool_button("↔", "Fit the page width", self)
        self.fit_button.clicked.connect(self.fit_width)
        self.find_box = QLineEdit(self)
        self.find_box.setPlaceholderText("Find in PDF")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.returnPressed.connect(self.find_next)
        self.find_box.textChanged.connect(self.find_text)
        self.matches_label = QLabel(self)
        self.matches_label.setTextFormat(Qt.TextFormat.PlainText)
        self.open_button = QToolButton(self)
        self.open_button.setText("Open")
        self.open_button.setToolTip("Open in the system's PDF viewer")
        self.open_button.clicked.connect(self.open_externally)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(2)
        for widget in (self.previous_button, self.page_box, self.pages_label, self.next_button):
            bar.addWidget(widget)
        bar.addSpacing(8)
        for widget in (self.zoom_out_button, self.zoom_in_button, self.fit_button):
            bar.addWidget(widget)
        bar.addSpacing(8)
        bar.addWidget(self.find_box, 1)
        bar.addWidget(self.matches_label)
        bar.addWidget(self.open_button)

        self.message = plain_label("", self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
            (QKeySequence.StandardKey.FindNext, self.find_next),
            (QKeySequence.StandardKey.FindPrevious, self.find_previous),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        previous = QShortcut(QKeySequence("Shift+Return"), self.find_box)
        previous.setContext(Qt.ShortcutContext.WidgetShortcut)
        previous.activated.connect(self.find_previous)
        self._show_controls(False)

    # ------------------------------------------------------------------ the document
    def load(self, path: Path | None) -> bool:
        """Show the PDF at `path` (None: nothing); False, with the reason shown in the tab, when
        it cannot be read."""
        self.search_model.setSearchString("")
        self.find_box.blockSignals(True)
        self.find_box.clear()
        self.find_box.blockSignals(False)
        self.matches_label.clear()
        self._match = -1
        self.document.close()
        self.path = path
        if path is None:
            self._fail("No PDF is attached to this item.")
            return False
        if not path.is_file():
            self._fail(f"{path.name} cannot be shown: {_ERRORS[QPdfDocument.Error.FileNotFound]}.")
            return False
        error = self.document.load(str(path))
        if error != QPdfDocument.Error.None_ or self.document.pageCount() == 0:
            reason = _ERRORS.get(error, _ERRORS[QPdfDocument.Error.Unknown])
            self._fail(f"{path.name} cannot be shown: {reason}.")
            return False
        count = self.document.pageCount()
        self.page_box.blockSignals(True)
        self.page_box.setRange(1, count)
        self.page_box.setValue(1)
        self.page_box.blockSignals(False)
        self.pages_label.setText(f"of {count:,}")
        self.stack.setCurrentWidget(self.view)
        self._show_controls(True)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.go_to(0)
        return True

    def _fail(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
        self._show_controls(False)
        self.open_button.setEnabled(self.path is not None and self.path.is_file())

    def _show_controls(self, on: bool) -> None:
        for widget in (
            self.previous_button,
            self.next_button,
            self.page_box,
            self.zoom_in_button,
            self.zoom_out_button,
            self.fit_button,
            self.find_box,
        ):
            widget.setEnabled(on)
        self.open_button.setEnabled(on)

    def page_count(self) -> int:
        return self.document.pageCount() if self.stack.currentWidget() is self.view else 0

    # ------------------------------------------------------------------ pages and zoom
    def current_page(self) -> int:
        return self.view.pageNavigator().currentPage()

    def go_to(self, page: int) -> None:
        """Show page `page` (0-based, clamped to the document)."""
        count = self.page_count()
        if count == 0:
            return
        page = max(0, min(page, count - 1))
        self.view.pageNavigator().jump(page, QPointF(), self.view.pageNavigator().currentZoom())
        self._on_page(page)

    def _on_page(self, page: int) -> None:
        self.page_box.blockSignals(True)
        self.page_box.setValue(page + 1)
        self.page_box.blockSignals(False)
        self.previous_button.setEnabled(page > 0)
        self.next_button.setEnabled(page < self.page_count() - 1)
        self.page_changed.emit(page)

    def zoom(self) -> float:
        return float(self.view.zoomFactor())

    def set_zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(ZOOM_MIN, min(ZOOM_MAX, factor)))

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    # ------------------------------------------------------------------ find
    def find_text(self, text: str) -> None:
        """Mark every match of `text`; the view goes to the first once it is found (QtPdf
        searches page by page in the background, and `matches_changed` follows)."""
        self._match = -1
        self.search_model.setSearchString(text)
        self._on_matches()

    def match_count(self) -> int:
        return self.search_model.rowCount(QModelIndex()) if self.search_model.searchString() else 0

    def _on_matches(self) -> None:
        count = self.match_count()
        if count and self._match < 0:
            self.find_next()
            return
        if count:
            self.matches_label.setText(f"{self._match + 1} of {count:,}")
        else:
            self.matches_label.setText("No matches" if self.search_model.searchString() else "")
        self.matches_changed.emit(count)

    def find_next(self) -> None:
        self._step_match(+1)

    def find_previous(self) -> None:
        self._step_match(-1)

    def _step_match(self, step: int) -> None:
        count = self.match_count()
        if not count:
            return
        self._match = (self._match + step) % count
        link = self.search_model.resultAtIndex(self._match)
        self.view.setCurrentSearchResultIndex(self._match)
        self.view.pageNavigator().jump(link)
        self._on_page(link.page())
        self.matches_label.setText(f"{self._match + 1} of {count:,}")
        self.matches_changed.emit(count)

    def current_match(self) -> tuple[int, int] | None:
        """(match number, page) of the match shown, both 0-based; None without one."""
        if self._match < 0 or not self.match_count():
            return None
        return self._match, self.search_model.resultAtIndex(self._match).page()

    # ------------------------------------------------------------------ the desktop
    def open_externally(self) -> bool:
        return self.path is not None and open_in_system_viewer(self.path, self)


def open_in_system_viewer(path: Path, parent: QWidget | None = None) -> bool:
    """Open `path` with the desktop's program for it. A file that is not a PDF (by content and
    name) asks first: the program is chosen by its extension, and a linked path may come from
    anywhere. Whether it was handed over."""
    if not path.is_file():
        return False
    if not opens_as_pdf(path) and not confirm(
        parent,
        "Open File",
        f"{path.name} is not a PDF.",
        "It will be opened by whatever program your system uses for "
        f"“{path.suffix or 'files without an extension'}” files, which may run it.",
        "Open Anyway",
    ):
        return False
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def render_first_page(path: Path, width: int = THUMBNAIL_WIDTH) -> QImage | None:
    """Page 1 of a PDF as an image `width` pixels wide (None when it cannot be read). Safe in
    a worker thread: the document is made and dropped here."""
    document = QPdfDocument()
    try:
        if document.load(str(path)) != QPdfDocument.Error.None_ or document.pageCount() == 0:
            return None
        size = document.pagePointSize(0)
        if size.width() <= 0 or size.height() <= 0:
            return None
        height = max(1, round(width * size.height() / size.width()))
        image = document.render(0, QSize(width, height), QPdfDocumentRenderOptions())
        return None if image.isNull() else image
    finally:
        document.close()


class Thumbnailer(QWidget):
    """Renders page 1 of one PDF at a time in a Worker (the newest request wins) and shows
    it; hidden when there is nothing to show.

    Signals:
        ready(Path): the thumbnail of that file is on screen.
    """

    ready = Signal(object)

    def __init__(self, parent: QWidget | None = None, width: int = THUMBNAIL_WIDTH) -> None:
        super().__init__(parent)
        self._width = width
        self._path: Path | None = None
        self._worker: Worker | None = None
        self.label = QLabel(self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setToolTip("Page 1")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        self.hide()

    def show_file(self, path: Path | None) -> None:
        self._path = path
        if path is None:
            self.label.clear()
            self.hide()
            return
        width = self._width
        worker = Worker(lambda _progress: render_first_page(path, width))
        self._worker = worker
        worker.finished.connect(lambda image, p=path: self._show(p, image))
        worker.failed.connect(lambda _error: self.hide())
        worker.start()

    def _show(self, path: Path, image: object) -> None:
        if path != self._path:
            return  # another file was asked for meanwhile
        if isinstance(image, QImage):
            self.label.setPixmap(QPixmap.fromImage(image))
            self.show()
            self.ready.emit(path)
        else:
            self.label.clear()
            self.hide()
