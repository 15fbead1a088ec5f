"""The item pane, driven through its widgets against a real library."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPixmap, QTextDocument, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QMessageBox,
    QTextEdit,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from citelib.gui.editors import CreatorRow
from citelib.gui.itempane import IN_TRASH, FieldEditor, FieldTextEdit, ItemPane, TitleTextEdit
from citelib.gui.notes import NoteTextEdit, SafeTextDocument, body_html, note_title
from citelib.gui.session import Session
from citelib.gui.widgets import RevertingLineEdit, confirm_box
from citelib.library import Change, Library
from citelib.model import Creator
from tests.conftest import dump_library, sample_items
from tests.guitools import press, shown, when_modal

TITLE_0 = (
    "Current development and challenges of NK cell-based immunotherapy for gastrointestinal cancers"
)


# ---------------------------------------------------------------------------------- helpers
@pytest.fixture
def session(lib: Library) -> Session:
    return Session(lib)


@pytest.fixture
def ids(lib: Library) -> list[int]:
    return list(lib.add_items(sample_items()).new_ids)


@pytest.fixture
def pane(qtbot: QtBot, session: Session) -> ItemPane:
    widget = ItemPane(session)
    shown(qtbot, widget, 520, 900)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    return widget


def show(pane: ItemPane, ids: list[int]) -> None:
    """Show items and let Qt lay them out (clicks need the buttons' real geometry)."""
    pane.show_items(ids)
    QApplication.processEvents()


def type_text(widget: QWidget, text: str) -> None:
    """Type any characters (qtbot.keyClicks only knows ASCII keys)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def focus(qtbot: QtBot, widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(widget.hasFocus)


def field(pane: ItemPane, name: str) -> RevertingLineEdit:
    editor = pane.editor.info.fields[name]
    assert isinstance(editor, RevertingLineEdit)
    return editor


def text_field(pane: ItemPane, name: str) -> FieldTextEdit:
    editor = pane.editor.info.fields[name]
    assert isinstance(editor, FieldTextEdit)
    return editor


def title_edit(pane: ItemPane) -> TitleTextEdit:
    editor = pane.editor.info.fields["title"]
    assert isinstance(editor, TitleTextEdit)
    return editor


def rows(pane: ItemPane) -> list[CreatorRow]:
    return pane.editor.info.creators.rows


def replace_text(qtbot: QtBot, edit: FieldEditor, text: str) -> None:
    focus(qtbot, edit)
    edit.selectAll()
    QTest.keyClicks(edit, text)


def creators(lib: Library, item_id: int) -> list[Creator]:
    return lib.get_item(item_id).creators


# ---------------------------------------------------------------------------------- selection
def test_messages_for_no_item_and_several(pane: ItemPane, ids: list[int]) -> None:
    assert pane.message_text() == "No item selected"
    pane.show_items(ids[:3])
    assert pane.message_text() == "3 items selected"
    assert pane.item_id is None
    pane.show_items([])
    assert pane.message_text() == "No item selected"
    show(pane, [ids[0]])
    assert pane.message_text() is None
    assert pane.item_id == ids[0]


def test_one_item_shows_its_values(pane: ItemPane, lib: Library, ids: list[int]) -> None:
    show(pane, [ids[0]])
    item = lib.get_item(ids[0])
    assert title_edit(pane).text() == TITLE_0
    assert field(pane, "publicationTitle").text() == "International Journal of Clinical Oncology"
    assert field(pane, "DOI").text() == "10.1007/s10147-025-02954-4"
    assert field(pane, "volume").text() == ""
    assert pane.editor.info.type_combo.currentText() == "Journal Article"
    assert [(r.family.text(), r.given.text()) for r in rows(pane)] == [
        ("Morodomi", "Yosuke"),
        ("Yonemitsu", "Yoshikazu"),
        ("Zheng", "Situo"),
    ]
    assert pane.editor.tags.tags == ["Adoptive cell transfer", "CAR-NK cells"]
    assert pane.editor.info.read_only_values["Item Key"].text() == item.key
    assert pane.editor.info.read_only_values["Date Added"].text().startswith(item.date_added[:4])
    assert pane.editor.attachments.empty.isVisibleTo(pane)
    assert pane.editor.attachments.empty.text() == "No attachments"
    assert pane.editor.collections.text() == "Not in any collection"
    assert not pane.editor.trash_note.isVisibleTo(pane)
    assert pane.editor.tags_section.header.text() == "Tags (2)"


def test_institution_and_roles_are_shown(pane: ItemPane, ids: list[int]) -> None:
    show(pane, [ids[3]])
    first, second = rows(pane)
    assert first.literal_mode
    assert first.literal.text() == "World Health Organization"
    assert not first.family.isVisibleTo(pane)
    assert second.role.currentText() == "Editor"
    assert (second.family.text(), second.given.text()) == ("Müller", "Jürgen")


# ---------------------------------------------------------------------------------- fields
def test_edit_title_then_undo(
    qtbot: QtBot, pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[0]])
    title = title_edit(pane)
    replace_text(qtbot, title, "A new title")
    with qtbot.waitSignal(session.changed) as signal:
        QTest.keyClick(title, Qt.Key.Key_Return)
    assert isinstance(signal.args[0], Change)
    assert lib.get_item(ids[0]).title == "A new title"
    assert title.hasFocus()

    session.undo()
    assert lib.get_item(ids[0]).title == TITLE_0
    assert title.text() == TITLE_0
    session.redo()
    assert title.text() == "A new title"


def test_non_ascii_typed_into_a_field(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[2]])
    publisher = field(pane, "publisher")
    focus(qtbot, publisher)
    publisher.selectAll()
    type_text(publisher, "Garland — Økonomi für Ärzte 免疫")
    QTest.keyClick(publisher, Qt.Key.Key_Return)
    assert lib.get_item(ids[2]).get("publisher") == "Garland — Økonomi für Ärzte 免疫"


def test_escape_reverts_and_commits_nothing(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])
    volume = field(pane, "volume")
    replace_text(qtbot, volume, "999")
    QTest.keyClick(volume, Qt.Key.Key_Escape)
    assert volume.text() == "348"
    focus(qtbot, title_edit(pane))
    assert lib.get_item(ids[1]).get("volume") == "348"
    assert lib.history.undo_label == "Add 4 items"


def test_focus_out_commits_a_line_field(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])
    replace_text(qtbot, field(pane, "pages"), "62-69")
    focus(qtbot, field(pane, "issue"))
    assert lib.get_item(ids[1]).get("pages") == "62-69"
    assert field(pane, "issue").hasFocus()


def test_clearing_a_field_removes_it(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])
    issue = field(pane, "issue")
    focus(qtbot, issue)
    issue.selectAll()
    QTest.keyClick(issue, Qt.Key.Key_Delete)
    QTest.keyClick(issue, Qt.Key.Key_Return)
    assert "issue" not in lib.get_item(ids[1]).fields


def test_abstract_commits_on_focus_out_and_grows(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[0]])
    abstract = text_field(pane, "abstract")
    small = abstract.height()
    focus(qtbot, abstract)
    lines = ["Natural killer cells.", "Second paragraph.", "Third.", "Fourth.", "Fifth line."]
    for number, line in enumerate(lines):
        if number:
            QTest.keyClick(abstract, Qt.Key.Key_Return)
        QTest.keyClicks(abstract, line)
    text = "\n".join(lines)
    assert abstract.toPlainText() == text
    assert lib.get_item(ids[0]).get("abstract") == ""
    assert abstract.height() > small
    focus(qtbot, title_edit(pane))
    assert lib.get_item(ids[0]).get("abstract") == text


def test_abstract_grows_to_eight_lines_then_scrolls(
    pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    lib.set_field(ids[0], "abstract", "\n".join(f"Line {n}" for n in range(30)))
    show(pane, [ids[0]])
    abstract = text_field(pane, "abstract")
    assert round(abstract.lines_shown()) == 8
    assert abstract.verticalScrollBar().maximum() > 0


def test_the_title_wraps_and_grows_from_one_line_to_four(
    qtbot: QtBot, pane: ItemPane, ids: list[int]
) -> None:
    pane.resize(380, 860)
    show(pane, [ids[2]])  # Janeway's Immunobiology: one line
    edit = title_edit(pane)
    assert edit.lineWrapMode() == edit.LineWrapMode.WidgetWidth
    assert round(edit.lines_shown()) == 1
    show(pane, [ids[1]])  # a longer title: wrapped, every word in sight
    qtbot.waitUntil(  # laid out anew
        lambda: round(edit.lines_shown()) >= 2 and edit.verticalScrollBar().maximum() == 0
    )
    assert round(edit.lines_shown()) <= 4
    focus(qtbot, edit)
    edit.moveCursor(edit.textCursor().MoveOperation.End)
    QTest.keyClicks(edit, " and a great deal more about adoptive cell transfer" * 3)
    assert round(edit.lines_shown()) == 4  # then it scrolls
    assert edit.verticalScrollBar().maximum() > 0
    assert edit.text().count("\n") == 0


def test_the_title_commits_like_a_line_field(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])
    original = lib.get_item(ids[1]).title
    edit = title_edit(pane)
    replace_text(qtbot, edit, "Typed, then taken back")
    QTest.keyClick(edit, Qt.Key.Key_Escape)
    assert edit.text() == original
    focus(qtbot, field(pane, "volume"))
    assert lib.history.undo_label == "Add 4 items"

    replace_text(qtbot, edit, "First")
    QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert lib.get_item(ids[1]).title == "First"  # Shift+Enter too: a title has no lines
    assert edit.hasFocus()
    pasted = QMimeData()
    pasted.setText(" pasted\nover two lines")
    edit.insertFromMimeData(pasted)
    assert edit.text() == "First pasted over two lines"
    focus(qtbot, field(pane, "volume"))  # focus out commits
    assert lib.get_item(ids[1]).title == "First pasted over two lines"


def test_abstract_escape_reverts(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    lib.set_field(ids[0], "abstract", "Original abstract")
    show(pane, [ids[0]])
    abstract = text_field(pane, "abstract")
    focus(qtbot, abstract)
    QTest.keyClicks(abstract, " and more")
    QTest.keyClick(abstract, Qt.Key.Key_Escape)
    assert abstract.toPlainText() == "Original abstract"
    focus(qtbot, title_edit(pane))
    assert lib.get_item(ids[0]).get("abstract") == "Original abstract"


def test_change_item_type_keeps_every_field(
    pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[0]])
    combo = pane.editor.info.type_combo
    index = combo.findText("Book")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    item = lib.get_item(ids[0])
    assert item.item_type == "book"
    # the journal's fields are still stored, and still shown (the book type lists none of them)
    assert item.get("publicationTitle") == "International Journal of Clinical Oncology"
    assert item.get("PMID") == "41524997"
    assert set(pane.editor.info.extra_fields) == {
        "publicationTitle",
        "journalAbbreviation",
        "PMID",
    }
    assert field(pane, "PMID").text() == "41524997"
    assert field(pane, "publisher").text() == ""
    assert combo.currentText() == "Book"

    session.undo()
    assert lib.get_item(ids[0]).item_type == "journalArticle"
    assert combo.currentText() == "Journal Article"
    assert pane.editor.info.extra_fields == ()


def test_fields_the_type_does_not_list_are_shown(
    pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    lib.set_field(ids[0], "publisher", "Springer")
    show(pane, [ids[0]])
    assert pane.editor.info.extra_fields == ("publisher",)
    assert field(pane, "publisher").text() == "Springer"


def test_reload_keeps_focus_and_typing(
    qtbot: QtBot, pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])
    volume = field(pane, "volume")
    replace_text(qtbot, volume, "35")
    session.apply("Add tag", lib.add_tags, [ids[1]], ["elsewhere"])
    assert pane.editor.tags.tags == ["Adoptive cell transfer", "elsewhere"]
    assert volume.hasFocus()
    assert volume.text() == "35"
    QTest.keyClick(volume, Qt.Key.Key_Return)
    assert lib.get_item(ids[1]).get("volume") == "35"


def test_switching_items_saves_what_is_being_typed(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])
    replace_text(qtbot, title_edit(pane), "Typed, not finished")
    show(pane, [ids[2]])
    assert lib.get_item(ids[1]).title == "Typed, not finished"
    assert lib.get_item(ids[2]).title == "Janeway's Immunobiology"
    assert title_edit(pane).text() == "Janeway's Immunobiology"


def test_tab_goes_down_the_info_section(qtbot: QtBot, pane: ItemPane, ids: list[int]) -> None:
    show(pane, [ids[1]])
    title = title_edit(pane)
    focus(qtbot, title)
    QTest.keyClick(title, Qt.Key.Key_Tab)
    assert rows(pane)[0].role.hasFocus()
    # fields laid out again for another type still follow the creators, then come the tags
    combo = pane.editor.info.type_combo
    combo.setCurrentIndex(combo.findText("Book"))
    combo.activated.emit(combo.currentIndex())
    QApplication.processEvents()
    more = rows(pane)[-1].more
    focus(qtbot, more)
    QTest.keyClick(more, Qt.Key.Key_Tab)
    assert field(pane, "shortTitle").hasFocus()
    last = list(pane.editor.info.fields.values())[-1]
    assert last.objectName() == "field:pages"  # kept from the article, listed after the book's
    focus(qtbot, last)
    QTest.keyClick(last, Qt.Key.Key_Tab)
    assert pane.editor.tags.input.hasFocus()


def test_reload_keeps_the_scroll_position(
    qtbot: QtBot, pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    pane.resize(520, 300)
    show(pane, [ids[0]])
    bar = pane.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)
    position = bar.value()
    session.apply("Add tag", lib.add_tags, [ids[0]], ["scrolled"])
    QApplication.processEvents()
    assert bar.value() == position
    show(pane, [ids[1]])
    assert bar.value() == 0


def test_the_wheel_does_not_change_the_type(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[0]])
    combo = pane.editor.info.type_combo
    point = combo.rect().center()
    wheel = QWheelEvent(
        QPointF(point),
        QPointF(combo.mapToGlobal(point)),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(combo, wheel)
    assert combo.currentText() == "Journal Article"
    assert lib.get_item(ids[0]).item_type == "journalArticle"


def test_focus_field(qtbot: QtBot, pane: ItemPane, ids: list[int]) -> None:
    show(pane, [ids[0]])
    pane.focus_field("title")
    qtbot.waitUntil(title_edit(pane).hasFocus)
    assert title_edit(pane).selected_text() == TITLE_0


# ---------------------------------------------------------------------------------- creators
def test_edit_a_creator_name(qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]) -> None:
    show(pane, [ids[1]])
    replace_text(qtbot, rows(pane)[0].given, "Steven")
    QTest.keyClick(rows(pane)[0].given, Qt.Key.Key_Return)
    assert creators(lib, ids[1])[0] == Creator("Rosenberg", "Steven")
    assert lib.history.undo_label == "Edit Creators"


def test_add_creator_is_saved_once_named(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])
    QTest.mouseClick(rows(pane)[0].add, Qt.MouseButton.LeftButton)
    assert len(rows(pane)) == 3
    new = rows(pane)[1]
    assert new.family.hasFocus()
    assert len(creators(lib, ids[1])) == 2  # an empty row is not saved
    QTest.keyClicks(new.family, "Doe")
    QTest.keyClick(new.family, Qt.Key.Key_Tab)
    assert [c.family for c in creators(lib, ids[1])] == ["Rosenberg", "Doe", "Restifo"]
    assert new.given.hasFocus()
    QTest.keyClicks(new.given, "Jane")
    QTest.keyClick(new.given, Qt.Key.Key_Return)
    assert creators(lib, ids[1])[1] == Creator("Doe", "Jane")
    assert len(rows(pane)) == 3


def test_another_programs_write_keeps_a_name_being_typed(
    qtbot: QtBot, pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])
    row = rows(pane)[1]
    row.family.setFocus()
    row.family.end(False)
    QTest.keyClicks(row.family, "-typing")  # not saved yet (no Tab, no Return)
    typed = row.family.text()
    assert typed.endswith("-typing")
    with Library.open(lib.folder) as other:  # another program edits another item
        other.set_field(ids[0], "volume", "9")
    assert lib.changed_elsewhere()
    session.publish(Change("Changed by another program", elsewhere=True))
    assert rows(pane)[1].family.text() == typed  # the shown item did not change: no reload
    with Library.open(lib.folder) as other:  # now the shown item itself
        other.set_field(ids[1], "volume", "10")
    assert lib.changed_elsewhere()
    session.publish(Change("Changed by another program", elsewhere=True))
    assert pane.editor.item is not None
    assert pane.editor.item.get("volume") == "10"


def test_remove_creator(qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]) -> None:
    show(pane, [ids[0]])
    QTest.mouseClick(rows(pane)[1].remove, Qt.MouseButton.LeftButton)
    assert [c.family for c in creators(lib, ids[0])] == ["Morodomi", "Zheng"]
    assert [r.family.text() for r in rows(pane)] == ["Morodomi", "Zheng"]


def test_remove_the_last_creator_leaves_an_empty_row(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    item = lib.get_item(ids[2])
    item.creators = [Creator("Murphy", "Kenneth")]
    lib.update_item(item)
    show(pane, [ids[2]])
    QTest.mouseClick(rows(pane)[0].remove, Qt.MouseButton.LeftButton)
    assert creators(lib, ids[2]) == []
    assert len(rows(pane)) == 1
    assert rows(pane)[0].is_empty()


def test_reorder_creators(pane: ItemPane, session: Session, lib: Library, ids: list[int]) -> None:
    show(pane, [ids[0]])
    rows(pane)[0].move_down.trigger()
    assert [c.family for c in creators(lib, ids[0])] == ["Yonemitsu", "Morodomi", "Zheng"]
    assert [r.family.text() for r in rows(pane)] == ["Yonemitsu", "Morodomi", "Zheng"]
    assert not rows(pane)[0].move_up.isEnabled()
    assert not rows(pane)[2].move_down.isEnabled()
    rows(pane)[2].move_up.trigger()
    assert [c.family for c in creators(lib, ids[0])] == ["Yonemitsu", "Zheng", "Morodomi"]
    session.undo()
    session.undo()
    assert [r.family.text() for r in rows(pane)] == ["Morodomi", "Yonemitsu", "Zheng"]


def test_switch_between_two_fields_and_one(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])
    switch = rows(pane)[0].switch  # in the ⋯ menu, under Move Up and Move Down
    assert switch in rows(pane)[0].more.menu().actions()
    assert switch.text() == "Switch to Single Field"
    switch.trigger()
    assert creators(lib, ids[1])[0] == Creator(literal="Steven A. Rosenberg")
    assert rows(pane)[0].literal_mode
    assert rows(pane)[0].literal.text() == "Steven A. Rosenberg"
    assert rows(pane)[0].switch.text() == "Switch to Two Fields"
    rows(pane)[0].switch.trigger()
    assert creators(lib, ids[1])[0] == Creator("Rosenberg", "Steven A.")
    assert not rows(pane)[0].literal_mode


def test_creator_buttons_are_compact_and_the_names_get_the_width(
    pane: ItemPane, ids: list[int]
) -> None:
    pane.resize(380, 860)  # the pane's width in a 1440-pixel window
    show(pane, [ids[0]])
    row = rows(pane)[0]
    buttons = [b for b in row.findChildren(QToolButton) if b.isVisibleTo(pane)]
    assert [b.text() for b in buttons] == ["−", "+", "⋯"]  # ⇄ is in the ⋯ menu
    for button in buttons:
        assert button.width() <= button.fontMetrics().height() + 8
    names = row.family.width() + row.given.width()
    assert names >= 2 * sum(b.width() for b in buttons)
    assert row.family.width() >= 75
    assert [a.text() for a in row.menu.actions() if not a.isSeparator()] == [
        "Move Up",
        "Move Down",
        "Switch to Single Field",
    ]


def test_change_a_creator_role(pane: ItemPane, lib: Library, ids: list[int]) -> None:
    show(pane, [ids[2]])
    combo = rows(pane)[1].role
    index = combo.findText("Editor")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert creators(lib, ids[2])[1] == Creator("Weaver", "Casey", role="editor")


def test_creator_escape_reverts(qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]) -> None:
    show(pane, [ids[1]])
    family = rows(pane)[1].family
    replace_text(qtbot, family, "Wrong")
    QTest.keyClick(family, Qt.Key.Key_Escape)
    assert family.text() == "Restifo"
    focus(qtbot, title_edit(pane))
    assert creators(lib, ids[1])[1].family == "Restifo"
    assert lib.history.undo_label == "Add 4 items"


# ---------------------------------------------------------------------------------- undo steps
def test_each_edit_is_one_undo_step_named_for_what_changed(
    qtbot: QtBot, pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])

    def type_into(edit: FieldEditor | RevertingLineEdit, text: str) -> Callable[[], None]:
        def act() -> None:
            replace_text(qtbot, edit, text)
            QTest.keyClick(edit, Qt.Key.Key_Return)

        return act

    def pick(combo_of: Callable[[], QComboBox], text: str) -> Callable[[], None]:
        def act() -> None:
            combo = combo_of()
            index = combo.findText(text)
            combo.setCurrentIndex(index)
            combo.activated.emit(index)

        return act

    steps: list[tuple[str, Callable[[], None]]] = [
        ("Edit Publication", type_into(field(pane, "publicationTitle"), "Science Advances")),
        ("Edit Title", type_into(title_edit(pane), "A new title")),
        ("Edit Creators", type_into(rows(pane)[0].given, "Steven")),
        ("Edit Creators", lambda: rows(pane)[0].move_down.trigger()),
        ("Edit Creators", lambda: rows(pane)[1].switch.trigger()),
        ("Edit Creators", pick(lambda: rows(pane)[1].role, "Translator")),
        (
            "Edit Creators",
            lambda: QTest.mouseClick(rows(pane)[0].remove, Qt.MouseButton.LeftButton),
        ),
        ("Change Item Type", pick(lambda: pane.editor.info.type_combo, "Book Section")),
    ]
    for label, act in steps:
        before = dump_library(lib, bookkeeping=False)
        act()
        assert session.undo_label() == f"Undo {label}"
        assert dump_library(lib, bookkeeping=False) != before
        session.undo()  # one step undoes the whole edit
        assert dump_library(lib, bookkeeping=False) == before, label
        assert lib.history.undo_label == "Add 4 items", label
        QApplication.processEvents()
    assert title_edit(pane).text() == lib.get_item(ids[1]).title
    assert [r.family.text() for r in rows(pane)] == ["Rosenberg", "Restifo"]
    assert pane.editor.info.type_combo.currentText() == "Journal Article"

    # the type it already has: no change, no undo step
    pick(lambda: pane.editor.info.type_combo, "Journal Article")()
    assert lib.history.undo_label == "Add 4 items"


# ---------------------------------------------------------------------------------- tags
def test_add_tags_through_the_completing_line(
    qtbot: QtBot, pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[2]])
    tags = pane.editor.tags
    focus(qtbot, tags.input)
    QTest.keyClicks(tags.input, "adop")
    completer = tags.completer
    assert completer.completionCount() == 1
    assert completer.currentCompletion() == "Adoptive cell transfer"
    popup = completer.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    QTest.keyClick(popup, Qt.Key.Key_Down)
    with qtbot.waitSignal(session.changed) as signal:
        QTest.keyClick(popup, Qt.Key.Key_Return)  # the completer's choice is queued
    assert signal.args[0].tags
    assert lib.get_item(ids[2]).tags == ["Adoptive cell transfer", "Textbook"]
    assert tags.input.text() == ""
    assert tags.input.hasFocus()

    # Enter with the list open but nothing chosen in it adds what was typed
    QTest.keyClicks(tags.input, "car")
    qtbot.waitUntil(popup.isVisible)
    with qtbot.waitSignal(session.changed):
        QTest.keyClick(popup, Qt.Key.Key_Return)
    assert "car" in lib.get_item(ids[2]).tags
    assert tags.input.text() == ""
    assert pane.focusWidget() is tags.input
    # the offscreen platform leaves the closed popup as the active window
    pane.activateWindow()
    qtbot.waitUntil(pane.isActiveWindow)

    QTest.keyClicks(tags.input, "brand new")
    with qtbot.waitSignal(session.changed):
        QTest.keyClick(tags.input, Qt.Key.Key_Return)
    assert set(lib.get_item(ids[2]).tags) == {
        "Adoptive cell transfer",
        "brand new",
        "car",
        "Textbook",
    }
    assert tags.tags == ["Adoptive cell transfer", "brand new", "car", "Textbook"]
    assert tags.input.hasFocus()
    assert pane.editor.tags_section.header.text() == "Tags (4)"


def test_completions_follow_the_library(
    qtbot: QtBot, pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[2]])
    tags = pane.editor.tags
    focus(qtbot, tags.input)
    assert "Textbook" not in tags.completion_model.stringList()  # already on the item
    session.apply("Add tag", lib.add_tags, [ids[0]], ["Fresh"])
    focus(qtbot, title_edit(pane))
    focus(qtbot, tags.input)
    assert "Fresh" in tags.completion_model.stringList()


def test_remove_a_tag(qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]) -> None:
    show(pane, [ids[0]])
    buttons = [b for b in pane.editor.tags.findChildren(QToolButton) if b.toolTip() == "Remove tag"]
    assert len(buttons) == 2
    QTest.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    assert lib.get_item(ids[0]).tags == ["Adoptive cell transfer"]
    assert pane.editor.tags.tags == ["Adoptive cell transfer"]
    assert not pane.editor.tags.empty.isVisibleTo(pane)
    show(pane, [ids[3]])
    assert pane.editor.tags.empty.isVisibleTo(pane)


# ---------------------------------------------------------------------------------- notes
def test_add_edit_and_delete_a_note(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[0]])
    notes = pane.editor.notes
    assert notes.empty.text() == "No notes"
    QTest.mouseClick(notes.add_button, Qt.MouseButton.LeftButton)
    assert len(lib.notes(ids[0])) == 1
    qtbot.waitUntil(notes.editor.hasFocus)
    QTest.keyClicks(notes.editor, "Reading list")
    QTest.keyClick(notes.editor, Qt.Key.Key_Return)
    QTest.keyClick(notes.editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(notes.editor, "bold words")
    assert lib.notes(ids[0])[0].html == ""  # saved on focus out, not per keystroke
    focus(qtbot, title_edit(pane))
    html = lib.notes(ids[0])[0].html
    assert "Reading list" in html
    assert "font-weight:700" in html
    assert "bold words" in html
    assert "<head>" not in html
    assert "<style" not in html
    assert notes.list.item(0).text() == "Reading list"
    assert pane.editor.notes_section.header.text() == "Notes (1)"

    asked: list[str] = []

    def answer(button: str) -> Callable[[QWidget], None]:
        def act(widget: QWidget) -> None:
            assert isinstance(widget, QMessageBox)
            asked.append(widget.text())
            press(button)(widget)

        return act

    done = when_modal(answer("Cancel"))
    QTest.mouseClick(notes.delete_button, Qt.MouseButton.LeftButton)
    assert done
    assert len(lib.notes(ids[0])) == 1
    done = when_modal(answer("Delete Note"))
    QTest.mouseClick(notes.delete_button, Qt.MouseButton.LeftButton)
    assert done
    assert lib.notes(ids[0]) == []
    assert asked == ["Delete the note “Reading list”?"] * 2
    assert not notes.editor.isVisibleTo(pane)


def test_the_confirm_question_is_plain_text_with_cancel_the_default(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    box = confirm_box(parent, "Delete Note", "Delete the note “<b>x</b>”?", "", "Delete Note")
    assert box.parent() is parent
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text() == "Delete the note “<b>x</b>”?"
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert [b.text() for b in box.buttons()].count("Delete Note") == 1
    assert box.informativeText() == ""


def test_switching_notes_saves_and_undo_reloads(
    qtbot: QtBot, pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    lib.add_note(ids[1], "<p>First note</p>")
    lib.add_note(ids[1], "<p>Second note</p><p>body</p>")
    show(pane, [ids[1]])
    notes = pane.editor.notes
    assert [notes.list.item(i).text() for i in range(2)] == ["First note", "Second note"]
    notes.list.setCurrentRow(0)
    assert notes.editor.toPlainText() == "First note"
    focus(qtbot, notes.editor)
    notes.editor.moveCursor(notes.editor.textCursor().MoveOperation.End)
    QTest.keyClicks(notes.editor, ", edited")
    notes.list.setCurrentRow(1)
    first = lib.notes(ids[1])[0]
    assert "First note, edited" in first.html
    assert notes.editor.toPlainText() == "Second note\nbody"

    notes.list.setCurrentRow(0)
    session.undo()
    assert lib.notes(ids[1])[0].html == "<p>First note</p>"
    assert notes.editor.toPlainText() == "First note"


def test_opening_a_note_does_not_rewrite_it(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int]
) -> None:
    original = '<div data-schema-version="9"><p>Kept <i>exactly</i></p></div>'
    lib.add_note(ids[1], original)
    show(pane, [ids[1]])
    pane.editor.notes.list.setCurrentRow(0)
    focus(qtbot, pane.editor.notes.editor)
    focus(qtbot, title_edit(pane))
    show(pane, [ids[0]])
    assert lib.notes(ids[1])[0].html == original


@pytest.fixture
def web_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request made to it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _image_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.png"
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    assert image.save(str(path))
    return path


def test_a_note_loads_nothing_from_outside(
    qtbot: QtBot,
    pane: ItemPane,
    lib: Library,
    ids: list[int],
    web_server: tuple[str, list[str]],
    tmp_path: Path,
) -> None:
    base, hits = web_server
    local = QUrl.fromLocalFile(str(_image_file(tmp_path))).toString()
    lib.add_note(
        ids[0],
        f'<p>Remote <img src="{base}/pixel.png"> local <img src="{local}"> '
        f'relative <img src="secret.png"> <link rel="stylesheet" href="{base}/s.css"></p>',
    )
    show(pane, [ids[0]])
    notes = pane.editor.notes
    notes.list.setCurrentRow(0)
    editor = notes.editor
    assert isinstance(editor, NoteTextEdit)
    editor.grab()
    qtbot.wait(50)
    document = editor.safe_document
    assert editor.document() is document
    assert f"{base}/pixel.png" in document.blocked
    assert local in document.blocked
    image = document.resource(QTextDocument.ResourceType.ImageResource.value, QUrl(local))
    assert isinstance(image, QImage)
    assert image.size().width() != 40  # the placeholder, not the file
    assert hits == []


def test_the_local_file_check_is_meaningful(qtbot: QtBot, tmp_path: Path) -> None:
    """Qt's own editor does read a local image a note names; ours (above) does not."""
    local = QUrl.fromLocalFile(str(_image_file(tmp_path))).toString()
    plain = QTextEdit()
    qtbot.addWidget(plain)
    plain.setHtml(f'<img src="{local}">')
    plain.show()
    plain.grab()
    loaded = plain.document().resource(QTextDocument.ResourceType.ImageResource.value, local)
    assert isinstance(loaded, QPixmap)
    assert loaded.width() == 40

    safe = NoteTextEdit()
    qtbot.addWidget(safe)
    safe.setHtml(f'<img src="{local}">')
    safe.show()
    safe.grab()
    blocked = safe.document().resource(QTextDocument.ResourceType.ImageResource.value, local)
    assert isinstance(blocked, QImage)
    assert blocked.width() == 16


def test_data_images_still_show(qtbot: QtBot) -> None:
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    editor = NoteTextEdit()
    qtbot.addWidget(editor)
    document = editor.safe_document
    assert isinstance(document, SafeTextDocument)
    loaded = document.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl(pixel))
    assert isinstance(loaded, QPixmap)
    assert loaded.width() == 1
    assert document.blocked == []


def test_note_helpers() -> None:
    assert note_title("<h1>Title &amp; more</h1><p>body</p>") == "Title & more"
    assert note_title("<html><head><style>p {}</style></head><body><p></p><p>x</p></body>") == "x"
    assert note_title("") == ""
    assert body_html('<html><head></head><body style="x">\n<p>a</p></body></html>') == "<p>a</p>"


# ---------------------------------------------------------------------------------- plain text
def test_user_text_is_never_markup(
    qtbot: QtBot, pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    lib.set_field(ids[0], "title", "<img src=x> <b>bold</b>")
    lib.add_tags([ids[0]], ["<i>tag</i>"])
    lib.add_note(ids[0], "<p>&lt;b&gt;not bold&lt;/b&gt;</p>")
    lib.create_collection("<u>Coll</u>")
    collection = lib.collections()[0].id
    session.apply("Add to collection", lib.add_to_collection, collection, [ids[0]])
    show(pane, [ids[0]])
    assert title_edit(pane).text() == "<img src=x> <b>bold</b>"
    assert pane.editor.info.title_text() == "<img src=x> <b>bold</b>"
    assert pane.editor.notes.list.item(0).text() == "<b>not bold</b>"
    assert pane.editor.collections.text() == "<u>Coll</u>"
    labels = pane.findChildren(QLabel)
    assert "<i>tag</i>" in [label.text() for label in labels]
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    for widget in pane.findChildren(QWidget):
        assert "<" not in widget.toolTip(), widget.toolTip()


# ---------------------------------------------------------------------------------- changes
def test_deleting_the_shown_item(
    pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[0]])
    session.apply("Delete", lib.delete_items, [ids[0]])
    assert pane.message_text() == "No item selected"
    assert pane.item_id is None


def test_deleting_one_of_several(
    pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    pane.show_items(ids[:3])
    session.apply("Delete", lib.delete_items, [ids[0]])
    assert pane.message_text() == "2 items selected"


def test_trashed_item_is_read_only(
    pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    show(pane, [ids[1]])
    session.apply("Trash", lib.trash, [ids[1]])
    assert pane.editor.trash_note.isVisibleTo(pane)
    assert pane.editor.trash_note.text() == IN_TRASH
    assert title_edit(pane).isReadOnly()
    assert text_field(pane, "abstract").isReadOnly()
    assert not pane.editor.info.type_combo.isEnabled()
    assert rows(pane)[0].family.isReadOnly()
    assert not rows(pane)[0].remove.isVisibleTo(pane)
    assert not pane.editor.tags.input.isVisibleTo(pane)
    assert not pane.editor.notes.add_button.isVisibleTo(pane)
    session.apply("Restore", lib.restore, [ids[1]])
    assert not pane.editor.trash_note.isVisibleTo(pane)
    assert not title_edit(pane).isReadOnly()


def test_attachments_and_collections(
    pane: ItemPane, session: Session, lib: Library, ids: list[int]
) -> None:
    with lib.db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO attachments (key, item_id, kind, title, path, url, date_added) "
            "VALUES ('ATTACH22', ?, 'linked', 'Full text <PDF>', '/papers/a.pdf', NULL, "
            "'2026-01-01T00:00:00.000000Z')",
            (ids[0],),
        )
    session.apply("New collection", lib.create_collection, "Immunology")
    session.apply("New subcollection", lib.create_collection, "NK", lib.collections()[0].id)
    child = lib.find_collection("Immunology/NK")
    assert child is not None
    session.apply("Add", lib.add_to_collection, child, [ids[0]])
    show(pane, [ids[0]])
    assert pane.editor.attachments.texts() == [
        "Full text <PDF> | Linked file — /papers/a.pdf | Missing: the file is not at this path"
    ]
    assert not pane.editor.attachments.empty.isVisibleTo(pane)
    assert pane.editor.collections.text() == "Immunology / NK"
    session.apply("Rename", lib.rename_collection, child, "Natural killers")
    assert pane.editor.collections.text() == "Immunology / Natural killers"


def test_sections_fold(qtbot: QtBot, pane: ItemPane, ids: list[int]) -> None:
    show(pane, [ids[0]])
    section = pane.editor.tags_section
    QTest.mouseClick(section.header, Qt.MouseButton.LeftButton)
    assert not section.content.isVisibleTo(pane)
    QTest.mouseClick(section.header, Qt.MouseButton.LeftButton)
    assert section.content.isVisibleTo(pane)
