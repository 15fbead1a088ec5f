"""The merge pane, driven through its widgets against a real library."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from citelib.gui.itempane import ItemPane
from citelib.gui.merge import (
    HINT,
    TRASH_HINT,
    MergeView,
    ValueView,
    VersionCombo,
    version_names,
)
from citelib.gui.session import Session
from citelib.library import Library
from citelib.model import Creator, Item
from tests.conftest import dump_library
from tests.guitools import shown

TITLE = "Synthetic merge record (not a real reference)"
TITLE_B = "Synthetic Merge Record. (not a real reference)"
LONG_URL = "https://example.org/" + "/".join(f"synthetic-segment-{n}" for n in range(8)) + ".pdf"


@pytest.fixture
def session(lib: Library) -> Session:
    return Session(lib)


@pytest.fixture
def versions(lib: Library) -> list[int]:
    """Three versions of one made-up record, added C (oldest), then A, then B: ids [A, B, C]."""
    ids = list(
        lib.add_items(
            [
                Item(
                    "journalArticle",
                    {"title": TITLE, "date": "2020", "volume": "12"},
                    [Creator("Synthetic", "Anna"), Creator("Example", "Bo")],
                    ["alpha"],
                    ["<p>note of A</p>"],
                ),
                Item(
                    "journalArticle",
                    {"title": TITLE_B, "date": "2021", "volume": "12", "pages": "1-10"},
                    [Creator("Synthetic", "A.")],
                    ["beta", "alpha"],
                    ["<p>note of B</p>", "<p>second note of B</p>"],
                ),
                Item(
                    "preprint",
                    {"title": TITLE, "pages": "5-9", "DOI": "10.0000/synthetic.3", "url": LONG_URL},
                    [Creator(literal="Synthetic Consortium")],
                    ["gamma"],
                ),
                Item("book", {"title": "Synthetic bystander (not a real reference)"}),
            ]
        ).new_ids
    )
    a, b, c, _ = ids
    with lib.db.write() as conn:
        for item_id, added in ((c, "2020-01-01"), (a, "2021-06-01"), (b, "2022-03-01")):
            conn.exec_driver_sql(
                "UPDATE items SET date_added = ? WHERE id = ?", (f"{added}T09:00:00Z", item_id)
            )
    lib.history.clear()
    return ids[:3]


@pytest.fixture
def view(qtbot: QtBot, session: Session) -> MergeView:
    widget = MergeView(session)
    shown(qtbot, widget, 480, 800)
    return widget


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def choose(combo: VersionCombo, text_start: str) -> None:
    """Pick the entry starting with `text_start`, as a click in the open menu does."""
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text_start))
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def combo_texts(combo: VersionCombo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


# ---------------------------------------------------------------------------------- showing
def test_shows_the_versions_oldest_first_and_the_fields_that_differ(
    view: MergeView, versions: list[int]
) -> None:
    a, b, c = versions
    view.show_set([a, b, c])
    settle()
    assert view.header.text() == "Merge 3 items"
    assert view.merge_button.text() == "Merge 3 Items"
    assert view.merge_button.isEnabled()
    assert not view.hint.isVisibleTo(view)
    assert view.ids == [c, a, b]  # by date added
    assert view.master_id == c  # the oldest, as in Zotero
    assert view.rows[c].radio.isChecked()
    assert view.rows[c].texts()[1:] == [
        TITLE,
        "Synthetic Consortium",
        "Preprint · 0 notes · 0 attachments · 1 tag",
    ]
    assert view.rows[c].texts()[0].startswith("Version 1 · Added 2020-01-0")
    assert view.rows[a].texts()[2:] == [
        "Synthetic, Anna; Example, Bo",
        "Journal Article · 2020 · 1 note · 0 attachments · 1 tag",
    ]
    assert view.rows[b].texts()[3] == "Journal Article · 2021 · 2 notes · 0 attachments · 2 tags"

    # a menu only where two versions hold different values (volume: the same; DOI: one)
    assert set(view.choosers) == {"title", "date", "pages"}
    assert combo_texts(view.choosers["title"]) == [
        f"Versions 1 (master) and 2: {TITLE}",
        f"Version 3: {TITLE_B}",
    ]
    assert view.choosers["title"].short_text() == "Versions 1 (master) and 2"
    assert combo_texts(view.choosers["pages"]) == ["Version 1 (master): 5-9", "Version 3: 1-10"]
    assert combo_texts(view.choosers["date"]) == ["Version 2: 2020", "Version 3: 2021"]

    # the preview: the master's values, its empty fields filled from the others in order
    assert view.value_text("title") == TITLE
    assert view.value_text("pages") == "5-9"
    assert view.value_text("date") == "2020"
    assert view.value_text("volume") == "12"
    assert view.value_text("DOI") == "10.0000/synthetic.3"
    assert view.value_text("issue") is None
    assert view.chosen == {}


def test_choosing_the_master_and_a_value_then_merging(
    qtbot: QtBot, view: MergeView, session: Session, lib: Library, versions: list[int]
) -> None:
    a, b, c = versions
    before = dump_library(lib, bookkeeping=False)
    view.show_set([a, b, c])
    settle()
    QTest.mouseClick(view.rows[a].radio, Qt.MouseButton.LeftButton)
    assert view.master_id == a
    assert view.other_ids() == [c, b]
    assert view.value_text("pages") == "5-9"  # A has none: the first other version's
    assert view.choosers["title"].short_text() == "Versions 1 and 2 (master)"
    choose(view.choosers["pages"], "Version 3")
    assert view.value_text("pages") == "1-10"
    assert view.chosen == {"pages": "1-10"}  # only what was chosen is passed on

    with qtbot.waitSignal(view.merged) as signal:
        QTest.mouseClick(view.merge_button, Qt.MouseButton.LeftButton)
    assert signal.args == [a]
    merged = lib.get_item(a)
    assert merged.item_type == "journalArticle"
    assert merged.fields == {
        "title": TITLE,
        "date": "2020",
        "volume": "12",
        "pages": "1-10",
        "DOI": "10.0000/synthetic.3",
        "url": LONG_URL,
    }
    assert merged.creators == [Creator("Synthetic", "Anna"), Creator("Example", "Bo")]
    assert sorted(merged.tags) == ["alpha", "beta", "gamma"]
    assert [n.html for n in lib.notes(a)] == [
        "<p>note of A</p>",
        "<p>note of B</p>",
        "<p>second note of B</p>",
    ]
    assert lib.notes(b) == []
    assert lib.get_item(b).trashed
    assert lib.get_item(c).trashed
    assert not merged.trashed
    assert session.undo_label() == "Undo Merge 3 items"
    # the view follows: only the master is left outside the Trash
    assert view.ids == [a]
    assert not view.merge_button.isEnabled()

    session.undo()
    assert dump_library(lib, bookkeeping=False) == before
    assert view.ids == [c, a, b]  # back, with the master and the value chosen
    assert view.master_id == a
    assert view.chosen == {"pages": "1-10"}


def test_a_click_anywhere_on_a_row_picks_the_master(view: MergeView, versions: list[int]) -> None:
    _a, b, c = versions
    view.show_set(versions)
    settle()
    row = view.rows[b]
    QTest.mouseClick(row, Qt.MouseButton.LeftButton, pos=row.title.geometry().center())
    assert view.master_id == b
    assert view.rows[b].radio.isChecked()
    assert not view.rows[c].radio.isChecked()
    assert view.value_text("title") == TITLE_B
    assert view.value_text("pages") == "1-10"


def test_a_choice_survives_another_master(view: MergeView, versions: list[int]) -> None:
    a, _b, _c = versions
    view.show_set(versions)
    choose(view.choosers["title"], "Version 3")
    assert view.value_text("title") == TITLE_B
    view.choose_master(a)
    assert view.value_text("title") == TITLE_B
    assert view.choosers["title"].short_text() == "Version 3"
    view.choose_value("title", TITLE)
    assert view.value_text("title") == TITLE
    assert view.chosen == {"title": TITLE}


def test_the_view_follows_edits_to_the_versions(
    view: MergeView, session: Session, lib: Library, versions: list[int]
) -> None:
    a, b, c = versions
    view.show_set(versions)
    view.choose_master(b)
    session.apply("Edit", lib.set_field, b, "volume", "13")
    assert view.master_id == b
    assert view.value_text("volume") == "13"
    assert "volume" in view.choosers
    session.apply("Trash", lib.trash, [c])
    assert view.ids == [a, b]
    assert view.header.text() == "Merge 2 items"


# ---------------------------------------------------------------------------------- refusing
def test_fewer_than_two_items_show_a_hint_and_no_merge(
    view: MergeView, session: Session, lib: Library, versions: list[int]
) -> None:
    a, b, _c = versions
    for ids in ([], [a], [a, a]):
        view.show_set(ids)
        assert not view.merge_button.isEnabled()
        assert view.hint.isVisibleTo(view)
        assert view.hint.text() == HINT
        assert not view.scroll_area.isVisibleTo(view)
        assert view.merge() is None
    session.apply("Trash", lib.trash, [b])
    view.show_set([a, b])
    assert view.ids == [a]
    assert view.hint.text() == TRASH_HINT
    assert not view.merge_button.isEnabled()
    assert lib.history.undo_label == "Move item to Trash"


# ---------------------------------------------------------------------------------- plain text
def test_user_text_is_never_markup(view: MergeView, lib: Library, versions: list[int]) -> None:
    _a, b, _c = versions
    lib.set_field(b, "title", "<img src=x> <b>Synthetic</b>")
    lib.set_creators(b, [Creator(literal="<i>Consortium</i>")])
    view.show_set(versions)
    settle()
    assert view.rows[b].title.text() == "<img src=x> <b>Synthetic</b>"
    assert view.rows[b].creators.text() == "<i>Consortium</i>"
    assert "Version 3: <img src=x> <b>Synthetic</b>" in combo_texts(view.choosers["title"])
    view.choose_master(b)
    assert view.value_text("title") == "<img src=x> <b>Synthetic</b>"
    for label in view.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    texts = [e.toPlainText() for e in view.findChildren(QPlainTextEdit)]
    assert "<i>Consortium</i>" in texts
    for widget in view.findChildren(QWidget):
        assert "<" not in widget.toolTip(), widget.toolTip()


# ---------------------------------------------------------------------------------- layout
def test_every_text_fits_the_panes_width(view: MergeView, versions: list[int]) -> None:
    view.show_set(versions)
    settle()
    viewport = view.scroll_area.viewport()
    assert view.content.width() <= viewport.width()
    for label in view.findChildren(QLabel):
        if not label.isVisibleTo(view):
            continue
        room = label.contentsRect()
        if label.wordWrap():
            assert label.heightForWidth(label.width()) <= label.height(), label.text()
        else:
            needed = label.fontMetrics().horizontalAdvance(label.text())
            assert needed <= room.width(), label.text()
        assert label.mapTo(view.content, room.topRight()).x() <= viewport.width()
    for text in view.findChildren(QPlainTextEdit):
        if text.isVisibleTo(view):
            assert text.verticalScrollBar().maximum() == 0, text.toPlainText()
            assert text.mapTo(view.content, text.rect().topRight()).x() <= viewport.width()
    assert view.value_text("url") == LONG_URL  # wrapped, not widening the pane
    for combo in view.choosers.values():
        assert combo.width() >= combo.sizeHint().width()
        needed = combo.fontMetrics().horizontalAdvance(combo.short_text())
        assert needed < combo.width()
    header = view.merge_button
    assert header.width() >= header.sizeHint().width()
    assert header.mapTo(view, header.rect().topRight()).x() <= view.width()


# ---------------------------------------------------------------------------------- item pane
def test_the_item_pane_shows_the_merge_pane_and_goes_back(
    qtbot: QtBot, session: Session, lib: Library, versions: list[int]
) -> None:
    a, b, c = versions
    pane = ItemPane(session)
    shown(qtbot, pane, 480, 800)
    pane.show_items([a])
    pane.show_merge(versions)
    assert pane.merging
    assert pane.merge_view.isVisibleTo(pane)
    assert pane.item_id is None
    assert pane.message_text() is None
    assert pane.shown_ids == versions

    session.apply("Trash", lib.trash, [b])  # the merge pane stays, without that version
    assert pane.merging
    assert pane.merge_view.ids == [c, a]

    pane.show_items([b])
    assert not pane.merging
    assert pane.item_id == b
    assert pane.merge_view.ids == []

    session.apply("Restore", lib.restore, [b])
    pane.show_merge(versions)
    with qtbot.waitSignal(pane.merged) as signal:
        QTest.mouseClick(pane.merge_view.merge_button, Qt.MouseButton.LeftButton)
    assert signal.args == [c]
    assert not pane.merging  # the merged item is shown
    assert pane.item_id == c
    assert lib.get_item(a).trashed
    assert lib.get_item(b).trashed


def test_version_names() -> None:
    assert version_names([2]) == "Version 2"
    assert version_names([1, 3], 3) == "Versions 1 and 3 (master)"
    assert version_names([1, 2, 4]) == "Versions 1, 2 and 4"
    assert version_names([1, 2, 4, 7], 1) == "Versions 1 (master), 2, 4 and 7"
    assert version_names([1, 2, 4], 1, short=True) == "Versions 1 (master), 2 and 4"
    assert version_names([1, 2, 4, 7], 1, short=True) == "4 versions, with the master"
    assert version_names([2, 4, 5, 7], 1, short=True) == "4 versions"


def test_a_long_value_wraps_inside_its_scroll_bar(qtbot: QtBot) -> None:
    view = ValueView("Synthetic abstract words that go on and on. " * 60)
    shown(qtbot, view, 340, 100)
    qtbot.waitUntil(lambda: view.verticalScrollBar().isVisible())
    layout = view.document().begin().layout()
    assert layout is not None
    widest = max(layout.lineAt(i).naturalTextWidth() for i in range(layout.lineCount()))
    assert widest <= view.viewport().width() - 2 * view.document().documentMargin()
