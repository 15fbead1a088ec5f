"""The merge pane: several versions of one reference made into one (Zotero's duplicate merge).

`MergeView.show_set(ids)` shows the versions, oldest first, each with what tells them apart
(title, creators, year, date added, notes and attachments), and a radio button to choose the
master: the version that is kept, by default the oldest (as in Zotero). Below comes the merged
item as `Library.merge_items` will write it, built by the core's own rules
(`citelib.library.merging.merged_item`), so the preview cannot disagree with the result. Where
two or more versions hold different values for a field, a menu lists each value with the
versions it comes from; a choice made there is passed to `merge_items` (only those: the rest
follow the core's rules). "Merge N Items" merges in one undoable step and emits `merged`.

User text is plain text everywhere: values are shown in read-only plain-text boxes that wrap
anywhere (a long URL never widens the pane), labels use `Qt.TextFormat.PlainText`, and no
tooltip carries user text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QMouseEvent,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextOption,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from citelib.errors import NotFound
from citelib.library import Change
from citelib.library.merging import merged_item
from citelib.model import FIELD_LABELS, FIELDS, ITEM_TYPE_LABELS, TYPE_FIELDS, Creator, Item

from .editors import ROLE_LABELS, GrowingTextEdit, local_time
from .session import Session
from .widgets import SPACING, QuietComboBox, collection_paths, plain_label, plural, secondary_label

# What the menu of a field shows of a value; the whole value is in the preview above it.
MENU_CHARS: Final = 160
# How tall a value grows before it scrolls, in lines.
MAX_VALUE_LINES: Final = 8
# How many creators a version lists before "and N more".
CREATORS_SHOWN: Final = 6
HINT: Final = "Select two or more items to merge them."
TRASH_HINT: Final = "Items in the Trash cannot be merged; restore them first."
EXPLANATION: Final = (
    "The master version is kept, with its item type and creators. Its empty fields are "
    "filled from the other versions; where the versions differ, choose the value to keep. "
    "Tags, collections, notes and attachments are combined in it, and the other versions "
    "go to the Trash."
)
SHORT_ROLE: Final = Qt.ItemDataRole.UserRole + 1


def version_names(numbers: Sequence[int], master: int | None = None, *, short: bool = False) -> str:
    """`Version 2`, `Versions 1 and 3`, `Versions 1, 2 and 4`, with `(master)` after the
    master's number; `short`, more than three are counted instead (`5 versions, with the
    master`), for a menu's closed box."""
    if short and len(numbers) > 3:
        text = f"{len(numbers):,} versions"
        return f"{text}, with the master" if master in numbers else text
    names = [f"{n} (master)" if n == master else str(n) for n in numbers]
    if len(names) == 1:
        return f"Version {names[0]}"
    return f"Versions {', '.join(names[:-1])} and {names[-1]}"


def one_line(text: str, limit: int = MENU_CHARS) -> str:
    """`text` on one line, cut to `limit` characters (with "…")."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def creator_text(creator: Creator) -> str:
    name = creator.display()
    return name if creator.role == "author" else f"{name} ({ROLE_LABELS[creator.role].lower()})"


def creators_text(creators: Sequence[Creator], shown: int = CREATORS_SHOWN) -> str:
    """The creators as one line: `Smith, Anna; Jones, Bo; and 3 more`."""
    names = [creator_text(c) for c in creators[:shown]]
    if len(creators) > shown:
        names.append(f"and {len(creators) - shown:,} more")
    return "; ".join(names) if names else "No creators"


def shown_fields(item: Item) -> list[str]:
    """The fields the merged item will hold, in the order the item pane shows them (title
    first, then those of its type, then any other it holds)."""
    order = [*TYPE_FIELDS.get(item.item_type, ()), *FIELDS]
    seen = dict.fromkeys(["title", *order])
    return [name for name in seen if item.get(name)]


def dim_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A `secondary_label` that stays dim on any background (a label's text colour otherwise
    follows its parent's background role)."""
    label = secondary_label(text, parent)
    label.setForegroundRole(QPalette.ColorRole.WindowText)
    return label


@dataclass(slots=True)
class Version:
    """One item of the set, as the pane lists it."""

    number: int
    item: Item
    attachments: int
    collections: list[int]

    @property
    def id(self) -> int:
        assert self.item.id is not None
        return self.item.id


class ValueView(GrowingTextEdit):
    """A value shown as plain text: read-only, no frame, wrapping anywhere (a long URL or DOI
    breaks rather than widening the pane), as tall as its text up to `MAX_VALUE_LINES`."""

    MARGIN: Final = 4.0  # Qt's own; QPlainTextEdit's scrolling is right with it

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, min_lines=1, max_lines=MAX_VALUE_LINES)
        self.document().setDocumentMargin(self.MARGIN)
        self.setReadOnly(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # transparent through the palette: a style sheet would restyle the scroll bar too
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(Qt.GlobalColor.transparent))
        self.setPalette(palette)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setPlainText(text)

    def text(self) -> str:
        return self.toPlainText()

    def _fit(self) -> None:
        """Fit the text, and show a scroll bar only when it is taller than the box can grow
        (either way the wrapping width, and so the height, then stays as it is)."""
        super()._fit()
        lines = 0
        block = self.document().begin()
        while block.isValid():
            layout = block.layout()
            lines += layout.lineCount() if layout is not None else 1
            block = block.next()
        policy = (
            Qt.ScrollBarPolicy.ScrollBarAlwaysOn
            if lines > self.max_lines
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        if policy != self.verticalScrollBarPolicy():
            self.setVerticalScrollBarPolicy(policy)
            # The viewport is narrower (or wider) now. QPlainTextEdit wraps again to its
            # viewport's width only in its own resize handling, so let it run once more.
            QPlainTextEdit.resizeEvent(self, QResizeEvent(self.size(), QSize(-1, -1)))

    def sizeHint(self) -> QSize:
        return QSize(0, self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.height())


class VersionCombo(QuietComboBox):
    """The values of one field, each with the versions holding it. The open menu shows the
    values; the closed box only the versions chosen (`Version 2`), so it is never cut off."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def add_value(self, text: str, short: str, value: str) -> None:
        self.addItem(text, value)
        self.setItemData(self.count() - 1, short, SHORT_ROLE)
        self.updateGeometry()

    def short_text(self) -> str:
        short = self.currentData(SHORT_ROLE)
        return short if isinstance(short, str) else ""

    def value(self) -> str:
        data = self.currentData()
        return data if isinstance(data, str) else ""

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        widths = [
            metrics.horizontalAdvance(str(self.itemData(i, SHORT_ROLE) or ""))
            for i in range(self.count())
        ]
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        contents = QSize(max(widths, default=0) + SPACING, metrics.height())
        return self.style().sizeFromContents(
            QStyle.ContentsType.CT_ComboBox, option, contents, self
        )

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        option.currentText = self.short_text()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class VersionRow(QFrame):
    """One version in the list: a radio button naming it and when it was added, then its
    title, creators and the rest. A click anywhere on the row makes it the master.

    Signals:
        master_chosen(int): the row's radio button was checked (the item's id).
    """

    master_chosen = Signal(int)

    def __init__(self, version: Version, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.version = version
        item = version.item
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.radio = QRadioButton(f"Version {version.number}", self)
        self.radio.setObjectName(f"version:{version.id}")
        self.added = dim_label(f"Added {local_time(item.date_added)}", self)
        self.title = ValueView(item.title or "(no title)", self)
        self.title.setObjectName("version-title")
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.creators = ValueView(creators_text(item.creators), self)
        self.creators.setObjectName("version-creators")
        for view in (self.title, self.creators):
            # a click on the text picks the version, as anywhere on the row
            view.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            view.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        details = [ITEM_TYPE_LABELS.get(item.item_type, item.item_type)]
        if item.year is not None:
            details.append(str(item.year))
        details.append(plural(len(item.notes), "note"))
        details.append(plural(version.attachments, "attachment"))
        if item.tags:
            details.append(plural(len(item.tags), "tag"))
        self.details = dim_label(" · ".join(details), self)
        self.details.setWordWrap(True)
        self.radio.setAccessibleDescription(self.title.text())

        top = QHBoxLayout()
        top.setSpacing(SPACING * 2)
        top.addWidget(self.radio)
        top.addWidget(self.added, 1)
        indent = self.style().pixelMetric(QStyle.PixelMetric.PM_ExclusiveIndicatorWidth)
        indent += self.style().pixelMetric(QStyle.PixelMetric.PM_RadioButtonLabelSpacing)
        margin = round(ValueView.MARGIN)
        body = QVBoxLayout()
        body.setContentsMargins(indent - margin, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.title)
        body.addWidget(self.creators)
        body.addWidget(self.details)
        self.details.setContentsMargins(margin, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addLayout(body)
        self.radio.toggled.connect(self._show_checked)
        self._show_checked(False)

    def texts(self) -> list[str]:
        """What the row says, line by line (for tests)."""
        return [
            f"{self.radio.text()} · {self.added.text()}",
            self.title.text(),
            self.creators.text(),
            self.details.text(),
        ]

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.radio.click()
            event.accept()
            return
        super().mousePressEvent(event)

    def _show_checked(self, checked: bool) -> None:
        """The master's row stands out (the base colour); the others sit back."""
        if checked:
            self.master_chosen.emit(self.version.id)
        role = self.palette().ColorRole.Base if checked else self.palette().ColorRole.Window
        self.setBackgroundRole(role)


class MergeView(QWidget):
    """Merge a set of items (Zotero's duplicate merge pane): pick the master and, where the
    versions differ, the value of each field, see the result, merge.

    `show_set(ids)` shows a set (each id once; items missing or in the Trash are left out).
    The view follows `session.changed` on its own: a version edited, trashed or restored (an
    undo) is shown as it now is, keeping the master and the values chosen.

    Signals:
        merged(int): the set was merged into the master with this id.
    """

    merged = Signal(int)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._requested: list[int] = []
        self.versions: list[Version] = []
        self._master: int | None = None
        self._chosen: dict[str, str] = {}
        self._merged_item: Item | None = None
        self.rows: dict[int, VersionRow] = {}
        self.choosers: dict[str, VersionCombo] = {}
        self.values: dict[str, ValueView] = {}

        self.header = plain_label("Merge Items", self)
        self.header.setObjectName("merge-header")
        font = QFont(self.header.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.header.setFont(font)
        self.merge_button = QPushButton("Merge Items", self)
        self.merge_button.setObjectName("merge-button")
        self.merge_button.setEnabled(False)
        self.merge_button.setDefault(True)
        self.merge_button.clicked.connect(self.merge)
        bar = QHBoxLayout()
        bar.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING)
        bar.setSpacing(SPACING)
        bar.addWidget(self.header, 1)
        bar.addWidget(self.merge_button)

        self.hint = secondary_label(HINT, self)
        self.hint.setObjectName("merge-hint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)

        self.explanation = secondary_label(EXPLANATION, self)
        self.explanation.setWordWrap(True)
        self.versions_heading = self._heading("Master Version")
        self._versions_box = QWidget(self)
        self._versions_layout = QVBoxLayout(self._versions_box)
        self._versions_layout.setContentsMargins(0, 0, 0, 0)
        self._versions_layout.setSpacing(SPACING)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.preview_heading = self._heading("Merged Item")
        self._preview = QWidget(self)
        labels = (
            *FIELD_LABELS.values(),
            *ROLE_LABELS.values(),
            "Item Type",
            "Tags",
            "Collections",
            "Notes",
            "Attachments",
        )
        self._label_width = max(self.fontMetrics().horizontalAdvance(t) for t in labels)

        self.content = QWidget()
        self.content.setObjectName("merge-content")
        body = QVBoxLayout(self.content)
        body.setContentsMargins(SPACING * 2, SPACING, SPACING * 2, SPACING * 2)
        body.setSpacing(SPACING)
        body.addWidget(self.explanation)
        body.addSpacing(SPACING)
        body.addWidget(self.versions_heading)
        body.addWidget(self._versions_box)
        body.addSpacing(SPACING)
        body.addWidget(self.preview_heading)
        body.addWidget(self._preview)
        body.addStretch(1)
        self._body = body
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.content)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.hint, 1)
        layout.addWidget(self.scroll_area, 1)
        self._show_state()
        session.changed.connect(self._library_changed)

    # -------------------------------------------------------------- public
    @property
    def ids(self) -> list[int]:
        """The versions shown, oldest first."""
        return [v.id for v in self.versions]

    @property
    def master_id(self) -> int | None:
        return self._master

    @property
    def chosen(self) -> dict[str, str]:
        """The field values chosen in the menus (what `merge` passes on)."""
        return dict(self._chosen)

    def other_ids(self) -> list[int]:
        """The versions besides the master, oldest first (the order the core fills from)."""
        return [v.id for v in self.versions if v.id != self._master]

    def show_set(self, ids: Sequence[int]) -> None:
        """Show these items for merging; the master is the oldest, no value chosen yet."""
        self._requested = list(dict.fromkeys(ids))
        self._master = None
        self._chosen = {}
        self._load()
        self.scroll_area.verticalScrollBar().setValue(0)

    def clear(self) -> None:
        """Show nothing (and read nothing when the library changes)."""
        self.show_set([])

    def choose_master(self, item_id: int) -> None:
        """Make another version the master (what its radio button does)."""
        if item_id == self._master or item_id not in self.rows:
            return
        self._master = item_id
        self.rows[item_id].radio.setChecked(True)
        self._build_preview()

    def choose_value(self, name: str, value: str) -> None:
        """Keep this value of the field (what its menu does)."""
        combo = self.choosers.get(name)
        if combo is None:
            raise KeyError(f"the versions do not differ in {name!r}")
        index = combo.findData(value)
        if index < 0:
            raise KeyError(f"no version holds {value!r} in {name!r}")
        combo.setCurrentIndex(index)
        self._value_chosen(name, index)

    def value_text(self, name: str) -> str | None:
        """The value of a field in the preview; None if the merged item has none."""
        view = self.values.get(name)
        return view.text() if view is not None else None

    def merge(self) -> Change | None:
        """Merge the versions into the master (one undoable step); emits `merged`."""
        master = self._master
        others = self.other_ids()
        if master is None or not others:
            return None
        count = len(others) + 1
        change = self.session.apply(
            f"Merge {count} items", self.session.lib.merge_items, master, others, self.chosen
        )
        if change is not None:
            self.merged.emit(master)
        return change

    # -------------------------------------------------------------- loading
    def _load(self) -> None:
        """Read the versions again and show them, keeping the master and the choices that
        still apply."""
        lib = self.session.lib
        items = [i for i in lib.get_items(self._requested) if i.id is not None]
        trashed = any(i.trashed for i in items)
        items = [i for i in items if not i.trashed]
        items.sort(key=lambda i: (i.date_added, i.id or 0))
        self.versions = []
        for number, item in enumerate(items, start=1):
            assert item.id is not None
            attachments = len(lib.attachments(item.id))
            self.versions.append(Version(number, item, attachments, lib.item_collections(item.id)))
        ids = self.ids
        if self._master not in ids:
            self._master = ids[0] if ids else None
        self.hint.setText(TRASH_HINT if trashed and len(ids) < 2 else HINT)
        self._build_versions()
        self._build_preview()
        self._show_state()

    def _show_state(self) -> None:
        count = len(self.versions)
        ready = count >= 2
        self.header.setText(f"Merge {plural(count, 'item')}" if ready else "Merge Items")
        self.merge_button.setText(f"Merge {count:,} Items" if ready else "Merge Items")
        self.merge_button.setEnabled(ready)
        self.hint.setVisible(not ready)
        self.scroll_area.setVisible(ready)

    def _build_versions(self) -> None:
        for row in self.rows.values():
            self._group.removeButton(row.radio)
            row.hide()
            row.deleteLater()
        self.rows = {}
        if len(self.versions) < 2:
            return
        for version in self.versions:
            row = VersionRow(version, self._versions_box)
            self._group.addButton(row.radio)
            row.radio.setChecked(version.id == self._master)
            row.master_chosen.connect(self.choose_master)
            self._versions_layout.addWidget(row)
            self.rows[version.id] = row

    def _build_preview(self) -> None:
        """Lay out the merged item: type, title, creators, fields (each value with its menu
        where the versions differ), then tags, collections, notes and attachments."""
        box = QWidget(self)
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setHorizontalSpacing(SPACING)
        form.setVerticalSpacing(0)  # the values' own margins space the rows
        self.choosers = {}
        self.values = {}
        self._merged_item = None
        by_id = {v.id: v for v in self.versions}
        master = by_id.get(self._master) if self._master is not None else None
        if master is not None and len(self.versions) >= 2:
            others = [v.item for v in self.versions if v.id != master.id]
            item = merged_item(master.item, others, self._chosen)
            self._merged_item = item
            type_label = ITEM_TYPE_LABELS.get(item.item_type, item.item_type)
            form.addRow(self._label("Item Type"), self._value("", type_label))
            names = shown_fields(item)
            differing = self._differing()
            for name in names[:1]:
                form.addRow(self._label(FIELD_LABELS[name]), self._field_row(name, differing))
            for creator in item.creators:
                role = ROLE_LABELS[creator.role]
                form.addRow(self._label(role), self._value("", creator.display()))
            if not item.creators:
                form.addRow(self._label("Creators"), self._value("", "None"))
            for name in names[1:]:
                form.addRow(self._label(FIELD_LABELS[name]), self._field_row(name, differing))
            self._add_combined(form)
        old = self._preview
        self._body.replaceWidget(old, box)
        old.hide()
        old.deleteLater()
        self._preview = box

    def _add_combined(self, form: QFormLayout) -> None:
        """What the master gains: tags, collections, notes and attachments of every version."""
        tags = sorted(
            {t for v in self.versions for t in v.item.tags}, key=lambda t: (t.casefold(), t)
        )
        form.addRow(self._label("Tags"), self._value("", ", ".join(tags) or "None"))
        member = {c for v in self.versions for c in v.collections}
        if member:
            paths = [
                path
                for cid, path in collection_paths(self.session.lib.collections(), " / ")
                if cid in member
            ]
            form.addRow(self._label("Collections"), self._value("", "; ".join(paths)))
        notes = sum(len(v.item.notes) for v in self.versions)
        form.addRow(self._label("Notes"), self._value("", f"{notes:,}"))
        own = next((v.attachments for v in self.versions if v.id == self._master), 0)
        total = sum(v.attachments for v in self.versions)
        # a file the master already has (same checksum) stays with its version
        text = f"{total:,}" if total == own else f"up to {total:,} (a file is never listed twice)"
        form.addRow(self._label("Attachments"), self._value("", text))

    def _differing(self) -> dict[str, list[tuple[str, list[int]]]]:
        """Each field two or more versions hold different values in: (value, the numbers of
        the versions holding it), in the order of the versions."""
        out: dict[str, list[tuple[str, list[int]]]] = {}
        for name in FIELDS:
            found: dict[str, list[int]] = {}
            for version in self.versions:
                value = version.item.get(name)
                if value:
                    found.setdefault(value, []).append(version.number)
            if len(found) > 1:
                out[name] = list(found.items())
        return out

    def _field_row(self, name: str, differing: dict[str, list[tuple[str, list[int]]]]) -> QWidget:
        assert self._merged_item is not None
        value = self._merged_item.get(name)
        view = self._value(name, value)
        choices = differing.get(name)
        if choices is None:
            return view
        master = next((v.number for v in self.versions if v.id == self._master), None)
        combo = VersionCombo()
        combo.setObjectName(f"choose:{name}")
        combo.setAccessibleName(f"{FIELD_LABELS[name]} from")
        for text, numbers in choices:
            names = version_names(numbers, master)
            short = version_names(numbers, master, short=True)
            combo.add_value(f"{names}: {one_line(text)}", short, text)
        combo.setCurrentIndex(max(0, combo.findData(value)))
        combo.activated.connect(lambda index: self._value_chosen(name, index))
        self.choosers[name] = combo
        cell = QWidget()
        layout = QVBoxLayout(cell)
        margin = round(ValueView.MARGIN)
        layout.setContentsMargins(0, 0, 0, margin)
        layout.setSpacing(0)
        layout.addWidget(view)
        line = QHBoxLayout()
        line.setContentsMargins(margin, 0, 0, 0)
        line.addWidget(combo)
        line.addStretch(1)
        layout.addLayout(line)
        return cell

    def _value_chosen(self, name: str, index: int) -> None:
        combo = self.choosers.get(name)
        if combo is None or index < 0:
            return
        value = combo.itemData(index)
        if not isinstance(value, str):
            return
        self._chosen[name] = value
        if self._merged_item is not None:
            self._merged_item.set(name, value)
        view = self.values.get(name)
        if view is not None:
            view.setPlainText(value)

    def _label(self, text: str) -> QLabel:
        label = plain_label(text, self)
        label.setMinimumWidth(self._label_width)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        margin = round(ValueView.MARGIN)
        label.setContentsMargins(0, margin, 0, margin)
        return label

    def _value(self, name: str, text: str) -> ValueView:
        view = ValueView(text)
        if name:
            view.setObjectName(f"value:{name}")
            self.values[name] = view
        return view

    def _heading(self, text: str) -> QLabel:
        label = plain_label(text, self)
        font = QFont(label.font())
        font.setBold(True)
        label.setFont(font)
        return label

    # -------------------------------------------------------------- changes
    def _library_changed(self, change: Change) -> None:
        if not self._requested:
            return
        touched = change.items | change.items_added | change.items_removed
        if touched & set(self._requested) or (change.collections and self.versions):
            try:
                self._load()
            except NotFound:
                self.clear()
