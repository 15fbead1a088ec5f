"""The item table on a real library: paging, SQL sorting, refreshes, selection by id, drag out."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from citelib.formats import ris
from citelib.gui.itemtable import (
    CACHED_PAGES,
    COLUMNS,
    IDS_AFTER_MS,
    PAGE_SIZE,
    RIS_MIME,
    ItemTable,
    ReferenceTableModel,
    drag_file_name,
    local_time,
)
from citelib.gui.session import Session
from citelib.gui.widgets import ITEM_IDS_MIME, ids_from_mime
from citelib.library import ItemSummary, Library, Scope
from citelib.model import Creator, Item
from tests.conftest import sample_items

COLUMN = {c.key: n for n, c in enumerate(COLUMNS)}
ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder


def synthetic_items(n: int) -> list[Item]:
    """Generated references; their titles say so."""
    return [
        Item(
            "journalArticle" if i % 3 else "book",
            {
                "title": f"Synthetic test item {i:05d}",
                "date": str(1950 + (i * 7) % 70),
                "publicationTitle": f"Synthetic Journal {i % 13}",
            },
            [Creator(f"Synthetic{(i * 31) % 97:02d}", "Test")],
        )
        for i in range(n)
    ]


def cell(model: ReferenceTableModel, row: int, key: str) -> object:
    return model.data(model.index(row, COLUMN[key]))


def model_ids(model: ReferenceTableModel) -> list[int | None]:
    return [model.item_id(row) for row in range(model.rowCount())]


@pytest.fixture
def session(lib: Library) -> Session:
    lib.add_items(sample_items())
    return Session(lib)


@pytest.fixture
def model(session: Session) -> ReferenceTableModel:
    return ReferenceTableModel(session)


@pytest.fixture
def table(qtbot: QtBot, session: Session) -> ItemTable:
    widget = ItemTable(session)
    qtbot.addWidget(widget)
    widget.resize(900, 400)
    widget.show()
    return widget


def test_rows_show_the_items_text(model: ReferenceTableModel, lib: Library, qapp: object) -> None:
    assert model.rowCount() == model.total() == 4
    ids = lib.item_ids(sort="title")
    assert model_ids(model) == ids
    row = model.row_of(lib.item_ids("publication:science")[0])
    assert row is not None
    assert cell(model, row, "title") == (
        "Adoptive cell transfer as personalized immunotherapy for human cancer"
    )
    assert cell(model, row, "creator") == lib.summaries([ids[row]])[0].creator
    assert cell(model, row, "year") == "2015"
    assert cell(model, row, "publication") == "Science"
    assert cell(model, row, "type") == "Journal Article"
    assert cell(model, row, "attachments") == ""
    added = lib.summaries([ids[row]])[0].date_added
    assert cell(model, row, "date_added") == local_time(added)
    assert local_time(added) != added
    tip = model.data(model.index(row, COLUMN["title"]), Qt.ItemDataRole.ToolTipRole)
    assert tip == cell(model, row, "title")
    assert model.headerData(COLUMN["attachments"], Qt.Orientation.Horizontal) == ""
    icon = model.headerData(
        COLUMN["attachments"], Qt.Orientation.Horizontal, Qt.ItemDataRole.DecorationRole
    )
    assert isinstance(icon, QIcon)
    assert not icon.isNull()


def test_the_paperclip_turns_to_the_highlighted_text_colour_on_a_selected_row(
    qapp: QApplication,
) -> None:
    from citelib.gui.itemtable import paperclip_icon

    def inks(mode: QIcon.Mode) -> set[int]:
        image = paperclip_icon().pixmap(32, 32, mode).toImage()
        return {
            image.pixelColor(x, y).rgb() & 0xFFFFFF
            for x in range(image.width())
            for y in range(image.height())
            if image.pixelColor(x, y).alpha() == 255
        }

    highlighted = qapp.palette().color(QPalette.ColorRole.HighlightedText).rgb() & 0xFFFFFF
    assert QColor("#5f6b7a").rgb() & 0xFFFFFF in inks(QIcon.Mode.Normal)
    assert highlighted not in inks(QIcon.Mode.Normal)
    assert inks(QIcon.Mode.Selected) == {highlighted}


def test_attachment_marker_and_tooltip() -> None:
    marker = COLUMNS[COLUMN["attachments"]]

    def summary(attachments: int) -> ItemSummary:
        return ItemSummary(
            id=1,
            key="K",
            item_type="book",
            title="T",
            creator="",
            year=None,
            publication="",
            date_added="",
            date_modified="",
            attachments=attachments,
            trashed=False,
        )

    with_files, without = summary(3), summary(0)
    assert marker.text(with_files) == ""  # the model shows the paperclip as an icon
    assert marker.tooltip is not None
    assert marker.tooltip(with_files) == "3 attachments"
    assert marker.text(without) == ""
    assert marker.tooltip(without) is None
    assert marker.sort is None


def test_model_passes_the_model_tester(
    qtmodeltester: object, model: ReferenceTableModel, lib: Library
) -> None:
    check = qtmodeltester.check  # type: ignore[attr-defined]
    check(model)
    model.sort(COLUMN["year"], DESC)
    check(model)
    model.set_view("cell", Scope())
    check(model)
    lib.add_items(synthetic_items(450))
    model.refresh()
    check(model)


def test_sort_by_every_sortable_column_matches_sql(
    model: ReferenceTableModel, lib: Library
) -> None:
    lib.add_items(synthetic_items(30))
    model.refresh()
    for key, n in COLUMN.items():
        if COLUMNS[n].sort is None:
            continue
        for order in (ASC, DESC):
            model.sort(n, order)
            expected = lib.item_ids(sort=key, descending=order == DESC)
            assert model_ids(model) == expected, (key, order)
            assert (model.sort_column, model.sort_order) == (n, order)


def test_marker_column_does_not_sort(model: ReferenceTableModel) -> None:
    before = model_ids(model)
    model.sort(COLUMN["attachments"], DESC)
    assert model.sort_column == COLUMN["title"]
    assert model_ids(model) == before


def test_set_view_filters_and_counts(
    qtbot: QtBot, model: ReferenceTableModel, lib: Library
) -> None:
    with qtbot.waitSignal(model.count_changed) as counted:
        model.set_view("immunotherapy", Scope())
    assert counted.args == [2]
    assert model.rowCount() == 2
    assert set(model_ids(model)) == set(lib.item_ids("immunotherapy"))
    with qtbot.waitSignal(model.count_changed) as counted:
        model.set_view("", Scope())
    assert counted.args == [4]


def test_bad_query_emits_query_failed_and_shows_nothing(
    qtbot: QtBot, model: ReferenceTableModel
) -> None:
    with qtbot.waitSignal(model.query_failed) as failed:
        model.set_view("year:soon", Scope())
    assert "year:soon" in failed.args[0]
    assert model.rowCount() == 0
    assert model.ids_for_rows([0]) == []


def test_an_edit_updates_the_cell(
    qtbot: QtBot, model: ReferenceTableModel, session: Session, lib: Library
) -> None:
    model.sort(COLUMN["year"], ASC)
    item_id = lib.item_ids("publication:science")[0]
    row = model.row_of(item_id)
    assert row is not None
    with qtbot.waitSignal(model.dataChanged) as changed:
        session.apply("Edit", lib.set_field, item_id, "title", "New")
    assert changed.args[0].row() == row
    assert model.row_of(item_id) == row
    assert cell(model, row, "title") == "New"


def test_an_edit_that_moves_a_row_refreshes(
    model: ReferenceTableModel, session: Session, lib: Library
) -> None:
    item_id = lib.item_ids("publication:science")[0]
    session.apply("Edit", lib.set_field, item_id, "title", "Zzz last")
    assert model.row_of(item_id) == model.rowCount() - 1
    assert model_ids(model) == lib.item_ids()


def test_adding_items_grows_the_table(
    model: ReferenceTableModel, session: Session, lib: Library
) -> None:
    session.apply("Add", lib.add_items, synthetic_items(3))
    assert model.rowCount() == 7
    assert model_ids(model) == lib.item_ids()


def test_trashing_removes_rows_from_my_library(
    qtbot: QtBot, model: ReferenceTableModel, session: Session, lib: Library
) -> None:
    gone = lib.item_ids("immunotherapy")
    with qtbot.waitSignal(model.count_changed) as counted:
        session.apply("Trash", lib.trash, gone)
    assert counted.args == [2]
    assert not set(gone) & set(model_ids(model))
    model.set_view("", Scope(trash=True))
    assert set(model_ids(model)) == set(gone)


def test_selection_survives_a_resort_and_a_refresh(
    qtbot: QtBot, table: ItemTable, session: Session, lib: Library
) -> None:
    lib.add_items(synthetic_items(600))
    table.reference_model.refresh()
    chosen = sorted(
        lib.item_ids("synthetic", limit=500)[::97] + lib.item_ids("publication:science")
    )
    with qtbot.waitSignal(table.selection_changed) as selected:
        table.select_ids(chosen)
    assert sorted(selected.args[0]) == chosen
    with qtbot.assertNotEmitted(table.selection_changed, wait=50):  # same items, new order
        table.horizontalHeader().setSortIndicator(COLUMN["year"], DESC)
    assert table.reference_model.sort_column == COLUMN["year"]
    assert sorted(table.selected_ids()) == chosen
    assert table.selected_ids() == [
        i for i in lib.item_ids(sort="year", descending=True) if i in chosen
    ]
    current = table.reference_model.item_id(table.currentIndex().row())
    assert current in chosen
    assert table.visualRect(table.currentIndex()).intersects(table.viewport().rect())

    trashed = chosen[0]
    with qtbot.waitSignal(table.selection_changed) as selected:
        session.apply("Trash", lib.trash, [trashed])
    assert sorted(selected.args[0]) == chosen[1:]
    assert sorted(table.selected_ids()) == chosen[1:]


def test_a_new_search_keeps_the_items_still_shown(
    qtbot: QtBot, table: ItemTable, lib: Library
) -> None:
    science = lib.item_ids("publication:science")
    with qtbot.waitSignal(table.selection_changed):
        table.select_ids(science + lib.item_ids("title:janeway"))
    with qtbot.waitSignal(table.selection_changed) as selected:
        table.reference_model.set_view("adoptive", Scope())
    assert selected.args[0] == science


def test_paging_reads_far_rows_without_holding_them_all(qtbot: QtBot, lib: Library) -> None:
    lib.add_items(synthetic_items(2500))
    session = Session(lib)
    model = ReferenceTableModel(session)
    expected = lib.item_ids(sort="title")
    assert model.rowCount() == len(expected) == 2500
    for row in (2499, 2, 1234, 2400, 600):
        assert model.item_id(row) == expected[row]
        assert cell(model, row, "title") == lib.summaries([expected[row]])[0].title
    seen = 0
    for row in range(model.rowCount()):
        assert model.data(model.index(row, COLUMN["title"]))
        seen = max(seen, model.cached_rows())
    assert seen <= CACHED_PAGES * PAGE_SIZE < model.rowCount()
    rows = list(range(0, 2500, 3))
    assert model.ids_for_rows(rows) == [expected[r] for r in rows]
    assert model.cached_rows() <= CACHED_PAGES * PAGE_SIZE
    assert model.rows_of([expected[2400], expected[5], -1]) == {
        expected[2400]: 2400,
        expected[5]: 5,
    }


@pytest.mark.parametrize(("key", "order"), [("year", DESC), ("publication", ASC), ("title", DESC)])
def test_scrolling_down_before_the_id_list_reads_each_next_page_in_order(
    qtbot: QtBot, lib: Library, key: str, order: Qt.SortOrder
) -> None:
    items = synthetic_items(1300)
    for n, item in enumerate(items):  # ties and empty values across page boundaries
        item.set("date", "" if n % 7 == 0 else str(2000 + n % 3))
        item.set("publicationTitle", "" if n % 5 == 0 else f"Synthetic Journal {n % 4}")
    lib.add_items(items)
    model = ReferenceTableModel(Session(lib))
    model.sort(COLUMN[key], order)
    descending = order == DESC
    expected = lib.item_ids(sort=COLUMNS[COLUMN[key]].key, descending=descending)
    assert not model.prepare_row_lookup(start=False)  # no id list: pages come by sort key
    assert model_ids(model) == expected


def test_scrolling_page_after_page_leaves_the_id_list_until_the_user_pauses(
    qtbot: QtBot, lib: Library
) -> None:
    lib.add_items(synthetic_items(2500))
    model = ReferenceTableModel(Session(lib))
    expected = lib.item_ids(sort="title")
    with qtbot.assertNotEmitted(model.ids_ready, wait=IDS_AFTER_MS // 2):
        # each page follows the one before by its sort key: no list is needed, and reading
        # it now (in its thread) would slow the pages being scrolled to
        assert model_ids(model) == expected
    assert not model.prepare_row_lookup(start=False)
    with qtbot.waitSignal(model.ids_ready, timeout=5000):
        pass  # the scroll stopped: the list is read for the jumps to come
    assert model.prepare_row_lookup(start=False)


def test_a_long_view_left_alone_reads_its_id_list_before_any_scroll(
    qtbot: QtBot, lib: Library
) -> None:
    lib.add_items(synthetic_items(2500))
    model = ReferenceTableModel(Session(lib))
    assert not model.prepare_row_lookup(start=False)
    with qtbot.waitSignal(model.ids_ready, timeout=5000):
        pass  # nothing asked for a far row: the view stood IDS_AFTER_MS, so it was read
    assert model.prepare_row_lookup(start=False)
    model.set_view("type:book", Scope())  # a short view needs no list
    assert model.total() <= CACHED_PAGES * PAGE_SIZE
    with qtbot.assertNotEmitted(model.ids_ready, wait=IDS_AFTER_MS * 3):
        pass


def test_selection_far_down_a_long_list_is_restored_in_the_background(
    qtbot: QtBot, lib: Library
) -> None:
    lib.add_items(synthetic_items(2500))
    table = ItemTable(Session(lib))
    qtbot.addWidget(table)
    table.show()
    model = table.reference_model
    far = [model.item_id(2300), model.item_id(10)]
    with qtbot.waitSignal(table.selection_changed):
        table.select_ids([i for i in far if i is not None])
    current = model.item_id(table.currentIndex().row())
    assert current == far[1]
    with qtbot.waitSignal(model.ids_ready), qtbot.assertNotEmitted(table.selection_changed):
        model.sort(COLUMN["creator"], DESC)
    expected = lib.item_ids(sort="creator", descending=True)
    assert table.selected_ids() == [i for i in expected if i in far]
    assert model.item_id(table.currentIndex().row()) == current
    assert table.visualRect(table.currentIndex()).intersects(table.viewport().rect())
    assert model_ids(model) == expected  # pages now read by id, in the same order


def test_a_search_without_the_selected_items_clears_the_selection_at_once(
    qtbot: QtBot, lib: Library
) -> None:
    lib.add_items(synthetic_items(2500))
    table = ItemTable(Session(lib))
    qtbot.addWidget(table)
    model = table.reference_model
    book = lib.item_ids("type:book")[-1]
    with qtbot.waitSignal(table.selection_changed):
        table.select_ids([book])
    with (
        qtbot.waitSignal(table.selection_changed) as selected,
        qtbot.assertNotEmitted(model.ids_ready),  # no id list was needed
    ):
        model.set_view("type:journalArticle", Scope())
    assert selected.args == [[]]
    assert model.total() > CACHED_PAGES * PAGE_SIZE


def test_a_superseded_id_list_does_not_disturb_the_restore(qtbot: QtBot, lib: Library) -> None:
    lib.add_items(synthetic_items(1500))
    table = ItemTable(Session(lib))
    qtbot.addWidget(table)
    model = table.reference_model
    chosen = lib.item_ids("year:1985")[0]  # on the first page of neither year order
    table.select_ids([chosen])
    gate = threading.Event()
    model._worker.submit(gate.wait)  # the worker is busy: the next list waits in its queue
    model.sort(COLUMN["year"], ASC)
    assert not model.prepare_row_lookup()  # its list waits in the queue
    model.sort(COLUMN["year"], DESC)  # cancels that list
    gate.set()
    with qtbot.waitSignal(model.ids_ready):
        pass
    assert table.selected_ids() == [chosen]
    assert table.currentIndex().row() == model.row_of(chosen)


def test_an_edit_while_the_id_list_is_read_still_restores(qtbot: QtBot, lib: Library) -> None:
    lib.add_items(synthetic_items(1500))
    session = Session(lib)
    table = ItemTable(session)
    qtbot.addWidget(table)
    model = table.reference_model
    chosen = lib.item_ids("year:1985")[0]
    table.select_ids([chosen])
    model.sort(COLUMN["year"], ASC)  # the table is hidden: the list is read at once
    with qtbot.waitSignal(model.ids_ready):
        session.apply("Edit", lib.set_field, chosen, "extra", "edited")
    assert table.selected_ids() == [chosen]


def test_a_page_that_cannot_be_read_stays_blank_and_is_reported(
    qtbot: QtBot, model: ReferenceTableModel, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk gone")

    session.apply("Add", session.lib.add_items, synthetic_items(300))
    monkeypatch.setattr(session.lib, "search", broken)
    with qtbot.waitSignal(session.failed) as failed:
        assert model.data(model.index(250, 0)) is None  # on the second page, not read yet
    assert failed.args[0] == "Read items"
    assert "disk gone" in failed.args[1]


def test_drag_carries_ris_text_a_file_and_ids(
    model: ReferenceTableModel, session: Session, lib: Library
) -> None:
    assert Qt.DropAction.CopyAction == model.supportedDragActions()
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    rows = [0, 2]
    indexes = [model.index(r, c) for r in rows for c in range(len(COLUMNS))]
    mime = model.mimeData(indexes)
    ids = [model.item_id(r) for r in rows]
    assert set(model.mimeTypes()) <= set(mime.formats())
    assert ids_from_mime(mime) == ids
    assert json.loads(bytes(mime.data(ITEM_IDS_MIME).data())) == ids

    text = bytes(mime.data(RIS_MIME).data()).decode("utf-8")
    read = ris.read(text)
    assert not read.errors
    assert [i.title for i in read.items] == [cell(model, r, "title") for r in rows]

    lines = mime.text().split("\n")
    assert len(lines) == 2
    first = lib.summaries([i for i in ids if i is not None])[0]
    assert lines[0] == f"{first.creator} ({first.year}). {first.title}. {first.publication}."
    assert first.publication

    urls = mime.urls()
    assert len(urls) == 1
    path = Path(urls[0].toLocalFile())
    assert path.name == "citelib-2-items.ris"
    assert path.read_bytes().decode("utf-8") == text


def test_drag_of_one_item_names_the_file_after_it(model: ReferenceTableModel) -> None:
    mime = model.mime_data_for_ids([model.item_id(0) or 0])
    path = Path(mime.urls()[0].toLocalFile())
    assert path.is_file()
    assert path.name == drag_file_name(str(cell(model, 0, "title")), 1)
    assert drag_file_name('a/b: "c"?', 1) == "a b c.ris"
    assert drag_file_name("", 1) == "citelib-item.ris"


def test_titles_are_plain_text(model: ReferenceTableModel, session: Session, lib: Library) -> None:
    session.apply("Add", lib.add_items, [Item("book", {"title": "<img src=x> & <b>bold</b>"})])
    row = model.row_of(lib.item_ids("bold")[0])
    assert row is not None
    assert cell(model, row, "title") == "<img src=x> & <b>bold</b>"


def test_header_state_round_trip(qtbot: QtBot, table: ItemTable, session: Session) -> None:
    header = table.horizontalHeader()
    header.setSectionHidden(COLUMN["date_added"], True)
    header.setSectionHidden(COLUMN["type"], False)
    header.resizeSection(COLUMN["creator"], 171)
    header.moveSection(header.visualIndex(COLUMN["year"]), 0)
    header.setSortIndicator(COLUMN["year"], DESC)
    state = table.header_state()

    other = ItemTable(session)
    qtbot.addWidget(other)
    assert other.restore_header_state(state)
    restored = other.horizontalHeader()
    assert restored.isSectionHidden(COLUMN["date_added"])
    assert not restored.isSectionHidden(COLUMN["type"])
    assert restored.sectionSize(COLUMN["creator"]) == 171
    assert restored.visualIndex(COLUMN["year"]) == 0
    assert (other.reference_model.sort_column, other.reference_model.sort_order) == (
        COLUMN["year"],
        DESC,
    )
    assert model_ids(other.reference_model) == model_ids(table.reference_model)
    assert not other.restore_header_state(b"not a header")


def test_header_menu_hides_columns_but_never_the_title(table: ItemTable) -> None:
    menu = table.header_menu()
    actions = {a.text(): a for a in menu.actions()}
    assert set(actions) == {c.name for c in COLUMNS}
    assert not actions["Title"].isEnabled()
    actions["Publication"].trigger()
    assert table.horizontalHeader().isSectionHidden(COLUMN["publication"])
    actions["Title"].setChecked(False)
    assert not table.horizontalHeader().isSectionHidden(COLUMN["title"])


def test_header_clicks_sort_in_sql_except_on_the_marker(table: ItemTable, lib: Library) -> None:
    header, model = table.horizontalHeader(), table.reference_model

    def click(column: int) -> None:
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))

    click(COLUMN["year"])
    assert (model.sort_column, model.sort_order) == (COLUMN["year"], ASC)
    assert model_ids(model) == lib.item_ids(sort="year")
    click(COLUMN["year"])
    assert (model.sort_column, model.sort_order) == (COLUMN["year"], DESC)
    assert model_ids(model) == lib.item_ids(sort="year", descending=True)
    click(COLUMN["attachments"])
    assert (model.sort_column, model.sort_order) == (COLUMN["year"], DESC)
    assert header.sortIndicatorSection() == COLUMN["year"]


def test_enter_and_double_click_activate_the_item(qtbot: QtBot, table: ItemTable) -> None:
    index = table.reference_model.index(1, 0)
    table.setCurrentIndex(index)
    expected = table.reference_model.item_id(1)
    with qtbot.waitSignal(table.item_activated) as activated:
        QApplication.sendEvent(
            table,
            QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
        )
    assert activated.args == [expected]
    with qtbot.waitSignal(table.item_activated) as activated:
        table.doubleClicked.emit(index)
    assert activated.args == [expected]
    table.doubleClicked.emit(QModelIndex())


def test_full_text_mode_marks_the_rows_that_matched_in_their_pdf_page_by_page(
    qtbot: QtBot, lib: Library, tmp_path: Path, qtmodeltester: object
) -> None:
    from citelib.gui.itemtable import FULLTEXT_HIT_ROLE, fulltext_icon, paperclip_icon
    from citelib.library import attaching
    from tests.guitools import check_model
    from tests.pdfmaker import Paper, write_paper

    ids = lib.add_items(synthetic_items(450)).new_ids
    far = ids[300]  # "Synthetic test item 00300": row 300, on the second page by title
    near = ids[3]
    for item_id, n in ((far, 300), (near, 3)):
        pdf = write_paper(
            tmp_path / f"paper{n}.pdf",
            Paper(title=[f"Synthetic paper {n}"], pages=[[f"the quixotic finding {n}"]]),
        )
        attaching.attach_file(lib, item_id, pdf)
    assert lib.index_fulltext_pending().indexed == 2
    model = ReferenceTableModel(Session(lib))
    model.set_view("synthetic", Scope())
    assert model.total() == 450
    assert model.data(model.index(3, COLUMN["title"]), FULLTEXT_HIT_ROLE) is None  # fields only

    model.set_view("synthetic", Scope(), fulltext=True)
    assert model.fulltext
    assert model.total() == 450  # every title matches; two PDFs match too
    assert model.item_id(3) == near
    assert model.hit(far) is None  # its page was not read yet
    near_hit = model.data(model.index(3, COLUMN["title"]), FULLTEXT_HIT_ROLE)
    assert near_hit is not None
    assert near_hit.page == 1
    assert model.item_id(300) == far  # reads the second page...
    assert model.hit(far) is None  # ...but asks where rows matched only when they are painted
    far_hit = model.data(model.index(300, COLUMN["title"]), FULLTEXT_HIT_ROLE)
    assert far_hit == model.hit(far)
    assert far_hit is not None
    assert far_hit.page == 1
    assert far_hit.item_id == far
    marker = model.data(model.index(300, COLUMN["attachments"]), Qt.ItemDataRole.DecorationRole)
    assert marker.cacheKey() == fulltext_icon().cacheKey()
    plain = model.data(model.index(301, COLUMN["attachments"]), Qt.ItemDataRole.DecorationRole)
    assert plain is None  # no attachment, no marker
    tip = model.data(model.index(300, COLUMN["attachments"]), Qt.ItemDataRole.ToolTipRole)
    assert "Found in paper300.pdf, p. 1" in tip
    check_model(qtmodeltester, model)

    model.set_view("quixotic", Scope(), fulltext=True)  # only in the PDFs
    assert [model.item_id(r) for r in range(model.rowCount())] == [near, far]
    assert lib.item_ids("quixotic", Scope(), fulltext=True) == [near, far]
    assert model.rows_of([far]) == {far: 1}
    tip = model.data(model.index(1, COLUMN["title"]), Qt.ItemDataRole.ToolTipRole)
    assert "Found in paper300.pdf, p. 2" in tip
    assert "<b>quixotic</b>" in tip
    check_model(qtmodeltester, model)

    model.set_view("quixotic", Scope())  # the default mode: not found
    assert model.total() == 0
    attaching.attach_file(lib, ids[5], tmp_path / "paper3.pdf")  # same file on another item
    model.set_view("synthetic", Scope(), fulltext=True)
    assert model.data(model.index(5, COLUMN["attachments"]), Qt.ItemDataRole.DecorationRole)
    assert model.hit(ids[5]) is None  # attached, not indexed yet: the paperclip
    icon = model.data(model.index(5, COLUMN["attachments"]), Qt.ItemDataRole.DecorationRole)
    assert icon.cacheKey() == paperclip_icon().cacheKey()
