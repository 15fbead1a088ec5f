"""The item table: every item of the current view, sorted and paged by SQL, never all loaded.

`ReferenceTableModel` says it has as many rows as the view's search matches and fetches rows
in pages of `PAGE_SIZE` from `Library.search` when the view paints them, keeping the last few
pages only: a 100,000-item library costs a handful of pages of memory, and sorting is one SQL
query rather than a sort in Python. When the user scrolls a long list, or a selected item must
be found far down, the view's id list is read in a worker thread; deep pages then cost one
`summaries` call instead of a search walking its OFFSET. Rows are items; the selection is
remembered as item ids, so it survives a re-sort, a new search and a change to the library.
Dragging rows out offers RIS, a plain reference list, a `.ris` file and the item ids (for drops
onto the sidebar).

In the quick-search mode "All Fields & Full Text" (`set_view(..., fulltext=True)`) words also
match the indexed text of the items' PDFs; rows on screen then ask `Library.fulltext_hits`
(a few ms for `HIT_ROWS` rows, asked when the view first paints them) which of them matched
there, and where: those rows show a magnifier in the attachments column, and the title's
tooltip names the file and page with a snippet.
"""

from __future__ import annotations

import atexit
import contextlib
import html
import io
import json
import re
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QCoreApplication,
    QDate,
    QDateTime,
    QItemSelection,
    QItemSelectionModel,
    QLocale,
    QMetaType,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRectF,
    QSignalBlocker,
    Qt,
    QTime,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDrag,
    QGuiApplication,
    QIcon,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from citelib.errors import QueryError
from citelib.formats import ris
from citelib.gui.session import Session
from citelib.gui.widgets import ITEM_IDS_MIME  # what the sidebar and tag selector accept
from citelib.library import Change, ItemSummary, Page, Scope
from citelib.model import ITEM_TYPE_LABELS

if TYPE_CHECKING:
    from citelib.library.fulltext import FulltextHit

PAGE_SIZE: Final = 200
CACHED_PAGES: Final = 6  # more than a screenful, so painting never refetches what it shows
# A long view's id list is read in the background once the view has stood this long (typing
# in the search box moves on first), so a page deep down costs one look-up by id, not a search
# walking its OFFSET, by the time the user scrolls.
IDS_AFTER_MS: Final = 300
# In full-text mode, where rows matched in their attachments is asked for this many rows at a
# time, when the view paints the first of them (a screenful is two such runs at the most; a
# whole page's 200 rows would cost a typed search some 15 ms more).
HIT_ROWS: Final = 50

RIS_MIME: Final = "application/x-research-info-systems"
TEXT_MIME: Final = "text/plain"
URI_LIST_MIME: Final = "text/uri-list"
DRAG_MIME_TYPES: Final = (ITEM_IDS_MIME, RIS_MIME, TEXT_MIME, URI_LIST_MIME)

_Index = QModelIndex | QPersistentModelIndex
# data() runs some 2,000 times a paint: plain ints compare faster than the enums
_DISPLAY: Final = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP: Final = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT: Final = int(Qt.ItemDataRole.TextAlignmentRole)
# A row's FulltextHit (None: no match in its attachments' text, or not in full-text mode).
FULLTEXT_HIT_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 1
_ROW_FLAGS: Final = (
    Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsDragEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
)
_CENTER: Final = Qt.AlignmentFlag.AlignCenter
# What QMimeData.urls() asks for: returned as bytes, PySide would not convert them to URLs.
_URL_TYPES: Final = (QMetaType.Type.QVariantList.value, QMetaType.Type.QUrl.value)


@lru_cache(maxsize=4096)
def local_time(stamp: str) -> str:
    """A stored UTC timestamp (ISO 8601) as a short date and time in the user's zone and
    locale; text that is no timestamp is shown as it is."""
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone()
    locale = QLocale()
    if locale.language() == QLocale.Language.C:  # no locale set: ISO, not "27 11 2026 1…"
        return when.strftime("%Y-%m-%d %H:%M")
    moment = QDateTime(QDate(when.year, when.month, when.day), QTime(when.hour, when.minute))
    return locale.toString(moment, QLocale.FormatType.ShortFormat)


def _attachments_tip(item: ItemSummary) -> str | None:
    if item.attachments <= 0:
        return None
    return "1 attachment" if item.attachments == 1 else f"{item.attachments} attachments"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the table: `key` is its `Library.SORT_COLUMNS` name when it can be
    sorted, `width` its default width in average characters, `label` its name in the show/hide
    menu when the header is a symbol."""

    key: str
    header: str
    text: Callable[[ItemSummary], str]
    width: int
    sortable: bool = True
    label: str = ""
    tooltip: Callable[[ItemSummary], str | None] | None = None
    alignment: Qt.AlignmentFlag | None = None
    shown: bool = True
    hideable: bool = True

    @property
    def sort(self) -> str | None:
        return self.key if self.sortable else None

    @property
    def name(self) -> str:
        return self.label or self.header


COLUMNS: Final[tuple[Column, ...]] = (
    Column("title", "Title", lambda s: s.title, 38, tooltip=lambda s: s.title, hideable=False),
    Column("creator", "Creator", lambda s: s.creator, 16),
    Column("year", "Year", lambda s: "" if s.year is None else str(s.year), 5, alignment=_CENTER),
    Column("publication", "Publication", lambda s: s.publication, 20),
    Column("date_added", "Date Added", lambda s: local_time(s.date_added), 17),
    Column(
        "date_modified", "Date Modified", lambda s: local_time(s.date_modified), 15, shown=False
    ),
    Column(
        "type",
        "Item Type",
        lambda s: ITEM_TYPE_LABELS.get(s.item_type, s.item_type),
        14,
        shown=False,
    ),
    Column(
        "attachments",
        "",  # the header shows the paperclip icon (an emoji font is not everywhere)
        lambda s: "",
        2,
        sortable=False,
        label="Attachments",
        tooltip=_attachments_tip,
        alignment=_CENTER,
    ),
)
TITLE_COLUMN: Final = 0
ATTACHMENTS_COLUMN: Final = next(n for n, c in enumerate(COLUMNS) if c.key == "attachments")
_DECORATION: Final = int(Qt.ItemDataRole.DecorationRole)
_PAPERCLIP_ICON: list[QIcon] = []


def paperclip_icon() -> QIcon:
    """A paperclip drawn once (after the QApplication exists): the attachment marker. Grey on
    the rows, and in the palette's highlighted-text colour on a selected row, where the grey
    would all but vanish into the highlight."""
    if not _PAPERCLIP_ICON:
        if QGuiApplication.instance() is None:
            return QIcon()  # a pixmap needs the application (a model can live without one)
        icon = QIcon()
        selected = QGuiApplication.palette().color(QPalette.ColorRole.HighlightedText)
        for colour, mode in (
            (QColor("#5f6b7a"), QIcon.Mode.Normal),
            (selected, QIcon.Mode.Selected),
        ):
            icon.addPixmap(_paperclip(colour), mode)
        _PAPERCLIP_ICON.append(icon)
    return _PAPERCLIP_ICON[0]


def _paperclip(colour: QColor) -> QPixmap:
    pixmap = QPixmap(32, 32)  # drawn at twice the size: crisp on high-DPI screens too
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(2.0, 2.0)
    pen = QPen(colour, 1.4)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    path = QPainterPath()
    path.moveTo(10.5, 5.0)
    path.lineTo(10.5, 11.0)
    path.arcTo(6.5, 9.0, 4.0, 4.0, 0.0, -180.0)
    path.lineTo(6.5, 3.5)
    path.arcTo(6.5, 1.5, 6.0, 4.0, 180.0, -180.0)
    path.lineTo(12.5, 12.0)
    path.arcTo(4.5, 8.0, 8.0, 7.0, 0.0, -180.0)
    path.lineTo(4.5, 5.0)
    painter.drawPath(path)
    painter.end()
    return pixmap


_MAGNIFIER_ICON: list[QIcon] = []


def fulltext_icon() -> QIcon:
    """A magnifier over a page, drawn once: the item matched in its attachments' text."""
    if not _MAGNIFIER_ICON:
        if QGuiApplication.instance() is None:
            return QIcon()
        pixmap = QPixmap(32, 32)  # drawn at twice the size: crisp on high-DPI screens too
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        page = QPainterPath()
        page.moveTo(13.0, 29.0)
        page.lineTo(4.0, 29.0)
        page.lineTo(4.0, 3.0)
        page.lineTo(16.0, 3.0)
        page.lineTo(22.0, 9.0)
        page.lineTo(22.0, 12.0)
        page.lineTo(13.0, 29.0)
        ink = QPen(QColor("#4f5b6a"), 2.6)
        ink.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(ink)
        painter.setBrush(QColor("#ffffff"))  # a white page: it shows on a selected row too
        painter.drawPath(page)
        for y, right in ((10, 15), (15, 11), (20, 9)):
            painter.drawLine(8, y, right, y)
        lens = QPen(QColor("#d9480f"), 3.6)
        lens.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(lens)
        painter.setBrush(QColor("#fff4e6"))
        painter.drawEllipse(QRectF(11.5, 12.5, 12.0, 12.0))
        painter.drawLine(22, 23, 29, 30)
        painter.end()
        icon = QIcon(pixmap)
        icon.addPixmap(pixmap, QIcon.Mode.Selected)  # not tinted on a selected row
        _MAGNIFIER_ICON.append(icon)
    return _MAGNIFIER_ICON[0]


def hit_tooltip(title: str, hit: FulltextHit, file_name: str) -> str:
    """A row's tooltip when its attachment text matched: the title, where it matched and the
    snippet with the matched words in bold (rich text, every piece of user text escaped)."""
    where = f"Found in {html.escape(file_name or 'an attachment')}"
    if hit.page is not None:
        where += f", p. {hit.page}"
    parts: list[str] = []
    at = 0
    for start, end in hit.highlights:
        if start < at or end > len(hit.snippet):
            continue
        parts.append(html.escape(hit.snippet[at:start]))
        parts.append(f"<b>{html.escape(hit.snippet[start:end])}</b>")
        at = end
    parts.append(html.escape(hit.snippet[at:]))
    head = f"<p>{html.escape(title)}</p>" if title else ""
    return f"<qt>{head}<p><i>{where}:</i><br>{''.join(parts)}</p></qt>"


def _runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted rows as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class ReferenceTableModel(QAbstractTableModel):
    """The items of one view (a quick search within a Scope), sorted by SQL, read in pages.

    Signals:
        count_changed(int): how many items the view shows (after `set_view`, and whenever a
            change to the library alters it).
        query_failed(str): the quick search cannot be understood; the view shows no rows.
        ids_ready(): the id list `prepare_row_lookup` asked for was read (or failed to be).
    """

    count_changed = Signal(int)
    query_failed = Signal(str)
    ids_ready = Signal()
    _ids_read = Signal(int, object)  # (generation, list of ids) from the worker thread

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._query = ""
        self._scope: Scope | None = Scope()
        self._fulltext = False
        self._sort_column = TITLE_COLUMN
        self._descending = False
        self._failure: str | None = None
        self._total = 0
        self._pages: OrderedDict[int, list[ItemSummary]] = OrderedDict()
        # full-text mode: where the rows of the cached pages matched in their attachments
        self._hits: dict[int, FulltextHit] = {}
        self._hit_runs: set[int] = set()  # which runs of HIT_ROWS rows were asked about
        self._want_hits = False  # full-text mode with words to look for
        self._file_names: dict[int, str] = {}  # attachment id -> its title, for tooltips
        self._ids: list[int] | None = None  # every id of the view in order, made on demand
        self._row_by_id: dict[int, int] | None = None
        self._ids_job: Future[list[int]] | None = None
        self._generation = 0  # moves on whenever the view's rows may have changed
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citelib-item-ids")
        self._refresh_due = False
        self._ids_timer = QTimer(self)
        self._ids_timer.setSingleShot(True)
        self._ids_timer.setInterval(IDS_AFTER_MS)
        self._ids_timer.timeout.connect(self._start_reading_ids)
        # queued even from this thread: a list arrives between events, never inside a reset
        self._ids_read.connect(self._take_ids, Qt.ConnectionType.QueuedConnection)
        session.changed.connect(self._on_changed)
        self._show(self._query, self._scope, self._sort_column, self._descending, announce=True)

    # ------------------------------------------------------------------ the view
    @property
    def query(self) -> str:
        return self._query

    @property
    def scope(self) -> Scope | None:
        return self._scope

    @property
    def fulltext(self) -> bool:
        """The quick search is in the mode "All Fields & Full Text"."""
        return self._fulltext

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    def set_view(self, query: str, scope: Scope | None, *, fulltext: bool = False) -> None:
        """Show the items of `scope` (None: every item, trashed or not) matching `query`;
        with `fulltext`, words also match the indexed text of their attachments."""
        self._fulltext = fulltext
        self._show(query, scope, self._sort_column, self._descending, announce=True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column in SQL; a column that cannot be sorted leaves the order as it is."""
        if not 0 <= column < len(COLUMNS) or COLUMNS[column].sort is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (column, descending) != (self._sort_column, self._descending):
            self._show(self._query, self._scope, column, descending)

    def refresh(self) -> None:
        """Query the view again (same search, scope and order), as a model reset."""
        page = next(reversed(self._pages), 0)  # the page last painted, most likely on screen
        self._show(self._query, self._scope, self._sort_column, self._descending, page=page)

    def _show(
        self,
        query: str,
        scope: Scope | None,
        column: int,
        descending: bool,
        *,
        page: int = 0,
        announce: bool = False,
    ) -> None:
        failure: str | None = None
        sort = COLUMNS[column].sort or "title"
        try:
            found = self._session.lib.search(
                query,
                scope,
                sort=sort,
                descending=descending,
                offset=page * PAGE_SIZE,
                limit=PAGE_SIZE,
                fulltext=self._fulltext,
            )
        except QueryError as e:
            failure, found = str(e), Page([], 0)
        except Exception as e:  # reported; the table then shows nothing
            self._session.report("Search", e)
            found = Page([], 0)
        old_total = self._total
        self.beginResetModel()
        self._query, self._scope = query, scope
        self._sort_column, self._descending = column, descending
        self._failure = failure
        self._total = found.total
        self._pages = OrderedDict({page: found.rows} if found.rows else {})
        self._want_hits = self._fulltext and failure is None and bool(query.strip())
        self._forget_hits()
        self._file_names.clear()
        self._forget_ids()
        self.endResetModel()
        if failure is not None:
            self.query_failed.emit(failure)
        if announce or found.total != old_total:
            self.count_changed.emit(found.total)

    def _on_changed(self, change: Change) -> None:
        if self._failure is not None:
            return
        if change.elsewhere:  # anything may have changed: read what is shown again
            self._recheck_shown_rows()
            return
        scope = self._scope
        membership = scope is not None and (
            (change.collections and scope.collection is not None) or (change.tags and scope.tags)
        )
        if change.items_added or change.items_removed or membership:
            self.refresh()
        elif change.items:
            self._recheck_shown_rows()

    def _recheck_shown_rows(self) -> None:
        """After items changed: fetch the cached pages again; where only their contents
        changed, repaint those rows; where items moved, left or joined the view, reset."""
        reading = self._ids_job is not None  # someone waits for `ids_ready`
        self._forget_ids()
        fresh: OrderedDict[int, list[ItemSummary]] = OrderedDict()
        changed_rows: list[int] = []
        pages: list[tuple[int, list[ItemSummary] | None]] = [*self._pages.items()] or [(0, None)]
        for page_no, old_rows in pages:
            page = self._fetch(page_no)
            if page is None or page.total != self._total:
                self.refresh()
                return
            if old_rows is not None:
                if [s.id for s in page.rows] != [s.id for s in old_rows]:
                    self.refresh()
                    return
                first = page_no * PAGE_SIZE
                changed_rows += [
                    first + n
                    for n, (a, b) in enumerate(zip(old_rows, page.rows, strict=True))
                    if a != b
                ]
            fresh[page_no] = page.rows
        self._pages = fresh
        self._forget_hits()  # asked again as the rows are painted
        if reading:
            self._start_reading_ids()
        last_column = len(COLUMNS) - 1
        for start, end in _runs(sorted(changed_rows)):
            self.dataChanged.emit(self.index(start, 0), self.index(end, last_column), [])

    def _schedule_refresh(self) -> None:
        """Another program changed the library under the view: refresh once, after this call."""
        if not self._refresh_due:
            self._refresh_due = True
            QTimer.singleShot(0, self._refresh_scheduled)

    def _refresh_scheduled(self) -> None:
        self._refresh_due = False
        self.refresh()

    # ------------------------------------------------------------------ rows and ids
    def total(self) -> int:
        """How many items the view shows."""
        return self._total

    def cached_rows(self) -> int:
        """How many item summaries the model holds now (at most CACHED_PAGES pages)."""
        return sum(len(rows) for rows in self._pages.values())

    def all_ids(self) -> list[int]:
        """Every id the view shows, in order (read when not known yet)."""
        return list(self._all_ids())

    def item_id(self, row: int) -> int | None:
        summary = self._summary(row)
        return None if summary is None else summary.id

    def ids_for_rows(self, rows: Sequence[int]) -> list[int]:
        """The ids shown in `rows`, in that order. Rows spread over many pages are looked up
        in the view's id list rather than by loading every page."""
        uncached = {r // PAGE_SIZE for r in rows if 0 <= r < self._total} - self._pages.keys()
        if len(uncached) <= 2:
            return [s.id for r in rows if (s := self._summary(r)) is not None]
        ids = self._all_ids()
        return [ids[r] for r in rows if 0 <= r < len(ids)]

    def row_of(self, item_id: int) -> int | None:
        return self.rows_of([item_id]).get(item_id)

    def rows_of(self, ids: Sequence[int]) -> dict[int, int]:
        """The row of each id the view shows (ids it does not show are left out)."""
        found = self.cached_rows_of(ids)
        missing = [i for i in ids if i not in found]
        if missing:
            if self._row_by_id is None:
                self._row_by_id = {item_id: row for row, item_id in enumerate(self._all_ids())}
            found.update((i, self._row_by_id[i]) for i in missing if i in self._row_by_id)
        return found

    def cached_rows_of(self, ids: Iterable[int]) -> dict[int, int]:
        """Rows of those ids that are in the cached pages (no query)."""
        wanted = set(ids)
        return {
            s.id: page_no * PAGE_SIZE + n
            for page_no, rows in self._pages.items()
            for n, s in enumerate(rows)
            if s.id in wanted
        }

    def _forget_ids(self) -> None:
        self._generation += 1
        if self._ids_job is not None:
            self._ids_job.cancel()  # if it has not started yet
        self._ids = self._row_by_id = self._ids_job = None
        if self._total > CACHED_PAGES * PAGE_SIZE:
            self._ids_timer.start()
        else:
            self._ids_timer.stop()

    def _read_ids(self) -> list[int]:
        return self._session.lib.item_ids(
            self._query,
            self._scope,
            sort=COLUMNS[self._sort_column].sort or "title",
            descending=self._descending,
            fulltext=self._fulltext,
        )

    def _start_reading_ids(self) -> None:
        """Read the view's id list in a worker thread: once it is here, a page deep down
        costs one `summaries` call instead of a search walking its OFFSET."""
        if self._ids is not None or self._ids_job is not None or self._failure is not None:
            return
        generation = self._generation
        self._ids_job = self._worker.submit(self._read_ids)

        def deliver(job: Future[list[int]]) -> None:
            if job.cancelled():
                return  # by `_forget_ids`: a newer view needs its own list
            failed = job.exception() is not None
            with contextlib.suppress(RuntimeError):  # the model is gone
                self._ids_read.emit(generation, None if failed else job.result())

        self._ids_job.add_done_callback(deliver)

    def _take_ids(self, generation: int, ids: list[int] | None) -> None:
        if generation != self._generation:
            return
        self._ids_job = None
        if ids is not None and self._ids is None and len(ids) == self._total:
            self._ids = ids
        self.ids_ready.emit()  # on failure, row lookups read the list (and report why not)

    def prepare_row_lookup(self, *, start: bool = True) -> bool:
        """Make `rows_of` cheap: True if it is already; else (when `start`) the id list is
        read in the background and `ids_ready` follows."""
        if self._ids is not None or self._total <= CACHED_PAGES * PAGE_SIZE:
            return True
        if start:
            self._start_reading_ids()
        return False

    def shows_any(self, ids: Sequence[int]) -> bool:
        """Whether the view shows any of these items (one indexed count, no id list)."""
        scope = self._scope
        if not ids or self._failure is not None:
            return False
        if scope is None:
            return True  # no Scope can say "trashed or not": assume it does
        wanted = set(ids) if scope.ids is None else set(ids) & set(scope.ids)
        try:
            narrowed = replace(scope, ids=tuple(wanted))
            return self._session.lib.count(self._query, narrowed, fulltext=self._fulltext) > 0
        except Exception:
            return True  # rows_of will tell, reading the id list

    def _all_ids(self) -> list[int]:
        if self._ids is not None:
            return self._ids
        job, ids = self._ids_job, None
        try:
            ids = job.result() if job is not None else self._read_ids()
        except Exception as e:
            self._session.report("Read the item list", e)
        self._ids, self._ids_job = ids or [], None
        return self._ids

    def _summary(self, row: int) -> ItemSummary | None:
        if not 0 <= row < self._total:
            return None
        rows = self._page(row // PAGE_SIZE)
        n = row % PAGE_SIZE
        return rows[n] if n < len(rows) else None

    def _page(self, page_no: int) -> list[ItemSummary]:
        if self._pages and next(reversed(self._pages)) == page_no:
            return self._pages[page_no]
        rows = self._pages.get(page_no)
        if rows is not None:
            self._pages.move_to_end(page_no)
            return rows
        if page_no > 0 and self._total > CACHED_PAGES * PAGE_SIZE:
            if page_no - 1 in self._pages and self._ids is None and self._ids_job is None:
                # Scrolling down page after page: each page is found after the one before
                # (see `_fetch`), so the id list can wait until the user pauses; read now, in
                # its thread, it would slow the pages being scrolled to.
                self._ids_timer.start()
            else:
                self._start_reading_ids()  # a jump: the list makes the next one cheap
        page = self._fetch(page_no)
        rows = [] if page is None else page.rows  # a failed page stays blank, reported once
        if page is not None and page.total != self._total:
            self._schedule_refresh()
        self._pages[page_no] = rows
        while len(self._pages) > CACHED_PAGES:
            gone_no, gone = self._pages.popitem(last=False)
            for summary in gone:
                self._hits.pop(summary.id, None)
            first = gone_no * PAGE_SIZE // HIT_ROWS
            self._hit_runs.difference_update(range(first, first + PAGE_SIZE // HIT_ROWS))
        return rows

    def _fetch(self, page_no: int) -> Page | None:
        try:
            if self._ids is not None:
                start = page_no * PAGE_SIZE
                rows = self._session.lib.summaries(self._ids[start : start + PAGE_SIZE])
                return Page(rows, self._total)
            sort = COLUMNS[self._sort_column].sort or "title"
            before = self._pages.get(page_no - 1)
            if before is not None and len(before) == PAGE_SIZE:
                # scrolling down before the id list is here: the page after the last row
                # read, found by the sort index (no OFFSET walked, no count)
                return self._session.lib.search(
                    self._query,
                    self._scope,
                    sort=sort,
                    descending=self._descending,
                    limit=PAGE_SIZE,
                    fulltext=self._fulltext,
                    after=before[-1].id,
                    total=self._total,
                )
            return self._session.lib.search(
                self._query,
                self._scope,
                sort=sort,
                descending=self._descending,
                offset=page_no * PAGE_SIZE,
                limit=PAGE_SIZE,
                fulltext=self._fulltext,
            )
        except Exception as e:  # never raised into a paint, nor a message box shown in one
            QTimer.singleShot(0, partial(self._session.report, "Read items", e))
            return None

    def _forget_hits(self) -> None:
        self._hits = {}
        self._hit_runs = set()

    def _hit(self, row: int, summary: ItemSummary) -> FulltextHit | None:
        """Where the item in `row` matched in its attachments' text; the first time a row of
        its run of HIT_ROWS rows asks, the run's matches are read (one call, a few ms)."""
        if not self._want_hits or summary.attachments <= 0:
            return None
        run = row // HIT_ROWS
        if run not in self._hit_runs:
            self._hit_runs.add(run)
            page = self._pages.get(row // PAGE_SIZE, [])
            start = run * HIT_ROWS % PAGE_SIZE
            ids = [s.id for s in page[start : start + HIT_ROWS] if s.attachments > 0]
            if ids:
                try:
                    self._hits.update(self._session.lib.fulltext_hits(ids, self._query))
                except Exception as e:  # the rows still show, without their markers
                    report = partial(self._session.report, "Find matches in attachments", e)
                    QTimer.singleShot(0, report)
        return self._hits.get(summary.id)

    def hit(self, item_id: int) -> FulltextHit | None:
        """Where a row already painted matched in its attachments' text (full-text mode)."""
        return self._hits.get(item_id)

    def _file_name(self, attachment_id: int, item_id: int) -> str:
        name = self._file_names.get(attachment_id)
        if name is None:
            try:
                found = self._session.lib.attachments(item_id)
            except Exception:
                found = []
            for a in found:
                self._file_names[a.id] = a.title or Path(a.path or "").name
            name = self._file_names.setdefault(attachment_id, "")
        return name

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        if (
            role != _DISPLAY
            and role != _TOOLTIP
            and role != _ALIGNMENT
            and role != _DECORATION
            and role != FULLTEXT_HIT_ROLE
        ):
            return None
        summary = self._summary(index.row())  # an invalid index has row -1
        if summary is None:
            return None
        column = COLUMNS[index.column()]
        if role == _DISPLAY:
            return column.text(summary)
        if role == _DECORATION:
            if index.column() == ATTACHMENTS_COLUMN and summary.attachments > 0:
                hit = self._hit(index.row(), summary)
                return paperclip_icon() if hit is None else fulltext_icon()
            return None
        if role == _TOOLTIP:
            hit = self._hit(index.row(), summary)
            if hit is not None and (
                index.column() == TITLE_COLUMN or index.column() == ATTACHMENTS_COLUMN
            ):
                name = self._file_name(hit.attachment_id, summary.id)
                return hit_tooltip(summary.title, hit, name)
            return None if column.tooltip is None else column.tooltip(summary)
        if role == FULLTEXT_HIT_ROLE:
            return self._hit(index.row(), summary)
        return column.alignment

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == _DISPLAY else None
        if not 0 <= section < len(COLUMNS):
            return None
        column = COLUMNS[section]
        if role == _DECORATION:
            return paperclip_icon() if section == ATTACHMENTS_COLUMN else None
        if role == _DISPLAY:
            return column.header
        if role == _TOOLTIP:
            return column.name
        if role == _ALIGNMENT:
            return column.alignment
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def mimeTypes(self) -> list[str]:
        return list(DRAG_MIME_TYPES)

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return self.mime_data_for_ids(self.ids_for_rows(rows))

    def mime_data_for_ids(self, ids: Sequence[int]) -> QMimeData:
        return ItemMimeData(self._session, ids)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


# ---------------------------------------------------------------------- dragging items out
class _DragFolder:
    """The per-process temporary folder dragged `.ris` files live in, removed at exit."""

    path: Path | None = None

    @classmethod
    def new_subfolder(cls) -> Path:
        if cls.path is None or not cls.path.is_dir():
            cls.path = Path(tempfile.mkdtemp(prefix="citelib-drag-"))
            atexit.register(cls.remove)
            app = QCoreApplication.instance()
            if app is not None:
                app.aboutToQuit.connect(cls.remove)
        # one folder per drag, so every file keeps its readable name
        return Path(tempfile.mkdtemp(dir=cls.path))

    @classmethod
    def remove(cls) -> None:
        if cls.path is not None:
            shutil.rmtree(cls.path, ignore_errors=True)
            cls.path = None


def reference_line(item: ItemSummary) -> str:
    """`Creator (Year). Title. Publication.`, leaving out what the item lacks."""
    head = " ".join(
        p for p in (item.creator, f"({item.year})" if item.year is not None else "") if p
    )
    parts = [p.strip().rstrip(".") for p in (head, item.title, item.publication)]
    return " ".join(f"{p}." for p in parts if p)


def drag_file_name(title: str, count: int) -> str:
    """The dragged file's name: one item's title, else `citelib-N-items.ris`."""
    if count == 1:
        stem = re.sub(r"[^\w\- ]+", " ", title)
        stem = " ".join(stem.split())
        if len(stem) > 80:
            stem = stem[:81].rsplit(" ", 1)[0]
        if stem:
            return f"{stem}.ris"
        return "citelib-item.ris"
    return f"citelib-{count}-items.ris"


class ItemMimeData(QMimeData):
    """Dragged items. Each format is made only when a drop target asks for it, so dropping
    10,000 rows onto a collection reads their ids and never writes 10,000 RIS records."""

    def __init__(self, session: Session, ids: Sequence[int]) -> None:
        super().__init__()
        self._session = session
        self.item_ids = list(ids)
        self._made: dict[str, bytes] = {}

    def formats(self) -> list[str]:
        return list(DRAG_MIME_TYPES)

    def hasFormat(self, mimetype: str) -> bool:
        return mimetype in DRAG_MIME_TYPES

    def retrieveData(self, mimetype: str, preferredType: QMetaType | QMetaType.Type) -> Any:
        if mimetype not in DRAG_MIME_TYPES:
            return None
        made = self._made.get(mimetype)
        if made is None:
            try:
                made = self._make(mimetype)
            except Exception as e:  # a drop target must not crash the app
                self._session.report("Drag items", e)
                made = b""
            self._made[mimetype] = made
        wanted = preferredType.id() if isinstance(preferredType, QMetaType) else preferredType.value
        if mimetype == URI_LIST_MIME and wanted in _URL_TYPES:
            return [QUrl.fromEncoded(QByteArray(line)) for line in made.split()]
        return QByteArray(made)

    def _make(self, mimetype: str) -> bytes:
        lib, ids = self._session.lib, self.item_ids
        if mimetype == ITEM_IDS_MIME:
            return json.dumps(ids).encode("utf-8")
        if mimetype == RIS_MIME:
            out = io.StringIO()
            ris.write(lib.export_items(ids), out)
            return out.getvalue().encode("utf-8")
        if mimetype == TEXT_MIME:
            lines = [
                reference_line(s)
                for start in range(0, len(ids), 2000)
                for s in lib.summaries(ids[start : start + 2000])
            ]
            return "\n".join(lines).encode("utf-8")
        first = lib.summaries(ids[:1])
        name = drag_file_name(first[0].title if first else "", len(ids))
        path = _DragFolder.new_subfolder() / name
        path.write_bytes(self.data(RIS_MIME).data())
        return bytes(QUrl.fromLocalFile(str(path)).toEncoded().data()) + b"\r\n"


# ---------------------------------------------------------------------- the view
class ItemTable(QTableView):
    """The centre pane: sortable columns, multi-row selection by item id, drag out.

    Its model is `reference_model`. Signals:
        selection_changed(list[int]): the selected item ids, once a selection settles (also
            when a refresh changes what is selected).
        item_activated(int): an item was double-clicked or Enter was pressed on it.
    """

    selection_changed = Signal(list)
    item_activated = Signal(int)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference_model = ReferenceTableModel(session, self)
        self.setModel(self.reference_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: no measuring
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)

        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSectionsClickable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSortIndicatorShown(True)
        char = max(self.fontMetrics().averageCharWidth(), 1)
        for logical, column in enumerate(COLUMNS):
            header.resizeSection(logical, column.width * char + 12)
            header.setSectionHidden(logical, not column.shown)
        # The title takes the width the other columns leave, as in Zotero: no empty band at
        # the right and no horizontal scrolling; the others keep the widths the user gives.
        header.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(ATTACHMENTS_COLUMN, 28)
        header.setSortIndicator(self.reference_model.sort_column, self.reference_model.sort_order)
        header.sortIndicatorChanged.connect(self._sort_requested)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_header_menu)

        self._last_ids: list[int] = []
        self._current_id: int | None = None
        self._to_restore: tuple[list[int], int | None] | None = None
        self._lookup_due = False
        self._view_before: tuple[object, ...] = ()
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(0)
        self._settle_timer.timeout.connect(self._settle)
        self.selectionModel().selectionChanged.connect(lambda *_: self._settle_timer.start())
        self.reference_model.modelAboutToBeReset.connect(self._remember_selection)
        self.reference_model.modelReset.connect(self._after_reset)
        self.reference_model.ids_ready.connect(self._restore_selection)
        self.doubleClicked.connect(self._activate)

    # ------------------------------------------------------------------ selection by id
    def selected_ids(self) -> list[int]:
        """The selected item ids, in table order."""
        if self._to_restore is not None:
            self._restore_selection()
        selection = self.selectionModel().selection()
        rows: set[int] = set()
        for n in range(selection.count()):
            span = selection.at(n)
            rows.update(range(span.top(), span.bottom() + 1))
        return self.reference_model.ids_for_rows(sorted(rows))

    def select_ids(self, ids: Iterable[int], current: int | None = None) -> None:
        """Select the rows of these items (those the view shows), make `current` (else the
        first of them) the current item and scroll to it."""
        model = self.reference_model
        rows = model.rows_of(list(ids))
        selection = QItemSelection()
        last_column = model.columnCount() - 1
        for start, end in _runs(sorted(rows.values())):
            selection.select(model.index(start, 0), model.index(end, last_column))
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.selectionModel().select(selection, flags)
        row = rows.get(current) if current is not None else None
        if row is None and rows:
            row = min(rows.values())
        if row is not None:
            index = model.index(row, max(self.currentIndex().column(), TITLE_COLUMN))
            self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.scrollTo(index)

    def _settle(self) -> None:
        self._settle_timer.stop()
        ids = self.selected_ids()
        current = self.currentIndex()
        self._current_id = (
            self.reference_model.item_id(current.row()) if current.isValid() else None
        )
        same = set(ids) == set(self._last_ids)  # a re-sort reorders, it does not change
        self._last_ids = ids
        if not same:
            self.selection_changed.emit(ids)

    def _view_key(self) -> tuple[object, ...]:
        model = self.reference_model
        return (model.query, model.scope, model.fulltext, model.sort_column, model.sort_order)

    def _remember_selection(self) -> None:
        if self._to_restore is not None:
            return  # a restore is still due: keep what it was to restore
        if self._settle_timer.isActive():
            self._settle()
        self._to_restore = (list(self._last_ids), self._current_id)
        self._view_before = self._view_key()

    def _after_reset(self) -> None:
        """Restore the selection now when its rows are in the pages just read or the view is
        short; else look them up after the new rows are painted (a new view starts at the top)."""
        if self._to_restore is None:
            return
        if self._view_key() != self._view_before:
            self.scrollToTop()
        ids = self._to_restore[0]
        model = self.reference_model
        if len(model.cached_rows_of(ids)) == len(ids) or model.prepare_row_lookup(start=False):
            self._restore_selection()
        elif self.isVisible() and not self.window().isMinimized():
            self._lookup_due = True  # see paintEvent
        else:
            self._look_up_rows()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._lookup_due:
            self._lookup_due = False
            QTimer.singleShot(0, self._look_up_rows)

    def _look_up_rows(self) -> None:
        """Drop the items the view no longer shows (one count); for the others, read the
        view's id list in the background (50-400 ms for 100,000 items): `ids_ready` restores."""
        if self._to_restore is None:
            return
        ids, current = self._to_restore
        model = self.reference_model
        cached = model.cached_rows_of(ids)
        missing = [i for i in ids if i not in cached]
        if missing and not model.shows_any(missing):
            self._to_restore = ([i for i in ids if i in cached], current)
            missing = []
        if not missing or model.prepare_row_lookup():
            self._restore_selection()

    def _restore_selection(self) -> None:
        if self._to_restore is None:
            return
        ids, current = self._to_restore
        self._to_restore = None
        if ids:
            self.select_ids(ids, current)
        self._settle()

    # ------------------------------------------------------------------ sorting and columns
    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        if 0 <= column < len(COLUMNS) and COLUMNS[column].sort is not None:
            self.reference_model.sort(column, order)
        else:
            self._show_model_sort()

    def _show_model_sort(self) -> None:
        """Put the sort indicator back on the column the model is sorted by."""
        header, model = self.horizontalHeader(), self.reference_model
        with QSignalBlocker(header):
            header.setSortIndicator(model.sort_column, model.sort_order)
        header.viewport().update()

    def header_menu(self) -> QMenu:
        """The header's context menu: a checkable entry per column, in their shown order."""
        header = self.horizontalHeader()
        menu = QMenu(self)
        for visual in range(header.count()):
            logical = header.logicalIndex(visual)
            column = COLUMNS[logical]
            action = menu.addAction(column.name)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(logical))
            action.setEnabled(column.hideable)
            action.toggled.connect(partial(self._show_column, logical))
        return menu

    def _show_column(self, logical: int, shown: bool) -> None:
        if COLUMNS[logical].hideable or shown:
            self.horizontalHeader().setSectionHidden(logical, not shown)

    def _show_header_menu(self, pos: QPoint) -> None:
        menu = self.header_menu()
        menu.exec(self.horizontalHeader().mapToGlobal(pos))
        menu.deleteLater()

    def header_state(self) -> bytes:
        """Column order, widths, hidden columns and sort, for the window's settings."""
        return bytes(self.horizontalHeader().saveState().data())

    def restore_header_state(self, data: bytes) -> bool:
        """Apply a `header_state`; False (and nothing changed) if it cannot be read."""
        header = self.horizontalHeader()
        if not data or not header.restoreState(QByteArray(data)):
            return False
        header.setSectionHidden(TITLE_COLUMN, False)
        self._sort_requested(header.sortIndicatorSection(), header.sortIndicatorOrder())
        return True

    # ------------------------------------------------------------------ activation and drag
    def _activate(self, index: QModelIndex) -> None:
        item_id = self.reference_model.item_id(index.row()) if index.isValid() else None
        if item_id is not None:
            self.item_activated.emit(item_id)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._activate(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        """Drag the selected items by id (Qt's own drag would list every selected cell)."""
        ids = self.selected_ids()
        if not ids:
            return
        drag = QDrag(self)
        drag.setMimeData(self.reference_model.mime_data_for_ids(ids))
        drag.exec(Qt.DropAction.CopyAction)
