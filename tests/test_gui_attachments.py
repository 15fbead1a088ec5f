"""Attachments in the item pane (issue 5): the PDF tab, the page-1 thumbnail, attaching by
button and by drop, the same file twice, missing files and Locate…, and what is never opened.

Real libraries under tmp_path and real PDFs made with reportlab; the desktop is intercepted with
`QDesktopServices.setUrlHandler`, so nothing is handed to a real program.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from citelib.gui.editors import AttachmentRow, local_files, size_text
from citelib.gui.itempane import ItemPane, TitleTextEdit
from citelib.gui.session import Session
from citelib.gui.widgets import RevertingLineEdit
from citelib.library import Library, attaching
from tests.conftest import sample_items
from tests.guitools import SaveAs, press, shown, stop_workers, when_modal
from tests.pdfmaker import Paper, write_paper

TITLE = "Synthetic test paper (not a real reference)"


# ---------------------------------------------------------------------------------- fixtures
class Opened(QObject):
    """Stands in for the desktop: records the URLs it was asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def desktop(qtbot: QtBot) -> Iterator[Opened]:
    handler = Opened()
    schemes = ("file", "http", "https", "javascript", "data", "vbscript")
    for scheme in schemes:
        QDesktopServices.setUrlHandler(scheme, handler, "open")  # type: ignore[arg-type]
    yield handler
    for scheme in schemes:
        QDesktopServices.unsetUrlHandler(scheme)


@pytest.fixture
def session(lib: Library) -> Session:
    return Session(lib)


@pytest.fixture
def failures(session: Session) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    session.failed.connect(lambda what, why: seen.append((what, why)))
    return seen


@pytest.fixture
def ids(lib: Library) -> list[int]:
    return list(lib.add_items(sample_items()).new_ids)


@pytest.fixture
def pane(qtbot: QtBot, session: Session) -> Iterator[ItemPane]:
    widget = ItemPane(session)
    shown(qtbot, widget, 520, 900)
    yield widget
    stop_workers()  # a thumbnail still being drawn


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return write_paper(
        folder / "paper.pdf",
        Paper(
            title=[TITLE],
            pages=[["Results: the word zymogenic appears only here."]],
        ),
    )


@pytest.fixture
def other_paper(tmp_path: Path) -> Path:
    return write_paper(tmp_path / "other.pdf", Paper(title=["Another synthetic paper"]))


def show(pane: ItemPane, ids: list[int]) -> None:
    pane.show_items(ids)
    QApplication.processEvents()


def row_texts(pane: ItemPane) -> list[str]:
    return pane.editor.attachments.texts()


def only_row(pane: ItemPane) -> AttachmentRow:
    (row,) = pane.editor.attachments.rows
    return row


def pdf_tab_visible(pane: ItemPane) -> bool:
    return pane.tabs.isTabVisible(pane.tabs.indexOf(pane.pdf_viewer))


def file_drag(*urls: QUrl) -> QMimeData:
    data = QMimeData()
    data.setUrls(list(urls))
    return data


def drop(
    target: QWidget,
    data: QMimeData,
    actions: Qt.DropAction = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction,
) -> bool:
    """Drag `data` onto `target` and drop it there; whether the drop was taken (always as a
    copy: a move would have the file manager delete the file)."""
    buttons = Qt.MouseButton.LeftButton
    modifiers = Qt.KeyboardModifier.NoModifier
    centre = target.rect().center()
    enter = QDragEnterEvent(centre, actions, data, buttons, modifiers)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    assert enter.dropAction() == Qt.DropAction.CopyAction
    dropped = QDropEvent(QPointF(centre), actions, data, buttons, modifiers)
    QApplication.sendEvent(target, dropped)
    if dropped.isAccepted():
        assert dropped.dropAction() == Qt.DropAction.CopyAction
    return dropped.isAccepted()


# ---------------------------------------------------------------------------------- the PDF tab
def test_the_pdf_tab_is_there_only_for_an_item_with_a_pdf(
    pane: ItemPane, lib: Library, ids: list[int], paper: Path
) -> None:
    attaching.attach_file(lib, ids[0], paper)
    show(pane, [ids[1]])
    assert not pdf_tab_visible(pane)
    assert not pane.show_pdf()
    assert pane.tabs.currentWidget() is pane.scroll_area
    assert pane.tabs.tabText(0) == "Info"

    show(pane, [ids[0]])
    assert pdf_tab_visible(pane)
    assert pane.tabs.tabText(pane.tabs.indexOf(pane.pdf_viewer)) == "PDF"
    assert pane.pdf_viewer.path is None  # read only when the tab is chosen
    assert pane.show_pdf()
    assert pane.tabs.currentWidget() is pane.pdf_viewer
    assert pane.pdf_viewer.page_count() == 2
    assert pane.pdf_viewer.current_page() == 0
    assert pane.pdf_viewer.path == attaching.resolve_path(lib, lib.attachments(ids[0])[0])

    show(pane, [ids[1]])  # no PDF: back to Info, the tab goes
    assert not pdf_tab_visible(pane)
    assert pane.tabs.currentWidget() is pane.scroll_area


def test_the_pdf_tab_follows_the_item_shown(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int], paper: Path, other_paper: Path
) -> None:
    attaching.attach_file(lib, ids[0], paper)
    attaching.attach_file(lib, ids[2], other_paper, mode="linked")
    show(pane, [ids[0]])
    pane.tabs.setCurrentWidget(pane.pdf_viewer)  # as a click on the tab does
    assert pane.pdf_viewer.page_count() == 2
    show(pane, [ids[2]])  # the tab stays chosen and reads the other item's PDF
    assert pane.tabs.currentWidget() is pane.pdf_viewer
    assert pane.pdf_viewer.path == other_paper
    assert pane.pdf_viewer.page_count() == 1
    with qtbot.waitSignal(pane.pdf_viewer.matches_changed, timeout=5000):
        pane.pdf_viewer.find_box.setText("synthetic")
    pane.show_items([ids[0], ids[2]])  # several: a message, and the PDF let go
    assert pane.message_text() == "2 items selected"
    assert pane.pdf_viewer.path is None


def test_focus_field_goes_back_to_the_info_tab(
    pane: ItemPane, lib: Library, ids: list[int], paper: Path
) -> None:
    attaching.attach_file(lib, ids[0], paper)
    show(pane, [ids[0]])
    pane.show_pdf()
    pane.focus_field("title")
    assert pane.tabs.currentWidget() is pane.scroll_area


def test_the_thumbnail_shows_page_one_and_a_click_opens_the_pdf_tab(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int], paper: Path
) -> None:
    attaching.attach_file(lib, ids[0], paper)
    thumbnail = pane.editor.attachments.thumbnail
    show(pane, [ids[1]])
    assert not thumbnail.isVisibleTo(pane)
    with qtbot.waitSignal(thumbnail.ready, timeout=10_000):
        show(pane, [ids[0]])
    assert thumbnail.isVisibleTo(pane)
    assert not thumbnail.label.pixmap().isNull()
    pane.scroll_area.ensureWidgetVisible(thumbnail)
    QApplication.processEvents()
    QTest.mouseClick(thumbnail, Qt.MouseButton.LeftButton, pos=thumbnail.rect().center())
    assert pane.tabs.currentWidget() is pane.pdf_viewer
    assert pane.pdf_viewer.page_count() == 2
    show(pane, [ids[1]])
    assert not thumbnail.isVisibleTo(pane)


# ---------------------------------------------------------------------------------- attaching
def test_attach_file_stores_a_copy_and_undo_takes_it_back(
    qtbot: QtBot,
    pane: ItemPane,
    session: Session,
    lib: Library,
    ids: list[int],
    paper: Path,
    failures: list[tuple[str, str]],
) -> None:
    show(pane, [ids[0]])
    assert pane.editor.attachments.empty.isVisibleTo(pane)
    answer = SaveAs(paper)
    done = when_modal(answer)
    QTest.mouseClick(pane.editor.attachments.attach_button, Qt.MouseButton.LeftButton)
    assert done
    assert answer.titles == ["Attach File"]
    assert failures == []
    (attachment,) = lib.attachments(ids[0])
    assert attachment.kind == "stored"
    stored = attaching.resolve_path(lib, attachment)
    assert stored is not None
    assert stored.is_file()
    assert stored.parent == lib.files_dir / lib.get_item(ids[0]).key
    assert paper.is_file()  # a copy: the original stays
    size = size_text(stored.stat().st_size)
    assert row_texts(pane) == [f"paper.pdf | Stored file — {attachment.path} — {size}"]
    assert not pane.editor.attachments.empty.isVisibleTo(pane)
    assert pane.editor.attachments_section.header.text() == "Attachments (1)"
    assert pdf_tab_visible(pane)
    assert session.undo_label() == "Undo Attach paper.pdf"

    session.undo()
    assert lib.attachments(ids[0]) == []
    assert row_texts(pane) == []
    assert pane.editor.attachments.empty.isVisibleTo(pane)
    assert not pdf_tab_visible(pane)


def test_link_to_file_keeps_the_path(
    pane: ItemPane, lib: Library, ids: list[int], paper: Path
) -> None:
    show(pane, [ids[0]])
    done = when_modal(SaveAs(paper))
    pane.editor.attachments.link_button.click()
    assert done
    (attachment,) = lib.attachments(ids[0])
    assert attachment.kind == "linked"
    assert attachment.path == str(paper)
    assert not lib.files_dir.exists() or not any(lib.files_dir.rglob("*.pdf"))
    assert row_texts(pane)[0].startswith(f"paper.pdf | Linked file — {paper} — ")
    assert not only_row(pane).missing


def test_a_cancelled_dialog_attaches_nothing(pane: ItemPane, lib: Library, ids: list[int]) -> None:
    show(pane, [ids[0]])

    def cancel(dialog: QWidget) -> None:
        dialog.close()

    done = when_modal(cancel)
    pane.editor.attachments.attach_button.click()
    assert done
    assert lib.attachments(ids[0]) == []


def test_the_same_file_twice_is_refused_with_a_clear_message(
    pane: ItemPane, lib: Library, ids: list[int], paper: Path, failures: list[tuple[str, str]]
) -> None:
    show(pane, [ids[0]])
    for _ in range(2):
        done = when_modal(SaveAs(paper))
        pane.editor.attachments.attach_button.click()
        assert done
    assert len(lib.attachments(ids[0])) == 1
    assert len(row_texts(pane)) == 1
    assert failures == [
        (
            "Attach File",
            "paper.pdf is already attached to this item as 'paper.pdf'; not attached again.",
        )
    ]


def test_the_same_file_on_another_item_is_noticed(
    qtbot: QtBot, pane: ItemPane, lib: Library, ids: list[int], paper: Path
) -> None:
    attaching.attach_file(lib, ids[1], paper, mode="linked")
    show(pane, [ids[0]])
    notices: list[str] = []
    pane.notice.connect(notices.append)
    done = when_modal(SaveAs(paper))
    pane.editor.attachments.attach_button.click()
    assert done
    assert len(lib.attachments(ids[0])) == 1  # allowed: sometimes meant
    title = lib.get_item(ids[1]).get("title")
    assert notices == [f"The same file is also attached to “{title}”."]


# ---------------------------------------------------------------------------------- dropping
def test_dropping_a_pdf_on_the_pane_attaches_it(
    pane: ItemPane, session: Session, lib: Library, ids: list[int], paper: Path
) -> None:
    show(pane, [ids[0]])
    assert drop(pane, file_drag(QUrl.fromLocalFile(str(paper))))
    (attachment,) = lib.attachments(ids[0])
    assert attachment.kind == "stored"
    assert row_texts(pane)[0].startswith("paper.pdf | Stored file — files/")
    session.undo()
    assert row_texts(pane) == []


def test_a_file_dropped_on_a_field_attaches_rather_than_typing_its_path(
    pane: ItemPane, lib: Library, ids: list[int], paper: Path, other_paper: Path
) -> None:
    show(pane, [ids[0]])
    title = pane.editor.info.fields["title"]
    assert isinstance(title, TitleTextEdit)
    target = title.viewport() if title.viewport().acceptDrops() else title
    assert drop(target, file_drag(QUrl.fromLocalFile(str(paper))))
    assert len(lib.attachments(ids[0])) == 1
    assert title.text() == lib.get_item(ids[0]).get("title")
    doi = pane.editor.info.fields["DOI"]
    assert isinstance(doi, RevertingLineEdit)
    assert drop(doi, file_drag(QUrl.fromLocalFile(str(other_paper))))
    assert len(lib.attachments(ids[0])) == 2
    assert doi.text() == "10.1007/s10147-025-02954-4"
    # text still drops into a field as text
    data = QMimeData()
    data.setText("plain words")
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(doi, enter)
    assert enter.isAccepted()


def test_only_local_files_are_taken_from_a_drop(
    pane: ItemPane, lib: Library, ids: list[int], paper: Path, tmp_path: Path
) -> None:
    show(pane, [ids[0]])
    folder = QUrl.fromLocalFile(str(tmp_path))
    web = QUrl("https://example.org/paper.pdf")
    missing = QUrl.fromLocalFile(str(tmp_path / "gone.pdf"))
    pdf = QUrl.fromLocalFile(str(paper))
    for data in (file_drag(folder), file_drag(web), file_drag(missing), file_drag(pdf, web)):
        assert local_files(data) is None
        assert not drop(pane, data)
    text = QMimeData()
    text.setText(str(paper))
    assert not drop(pane, text)
    assert not drop(pane, file_drag(pdf), Qt.DropAction.MoveAction)  # only ever a copy
    assert lib.attachments(ids[0]) == []
    pane.show_items([ids[0], ids[1]])  # several items: nowhere to attach
    assert not drop(pane, file_drag(pdf))
    assert lib.attachments(ids[0]) == []


# ---------------------------------------------------------------------------------- missing
def test_a_moved_linked_file_is_missing_until_located(
    pane: ItemPane, session: Session, lib: Library, ids: list[int], paper: Path, tmp_path: Path
) -> None:
    attaching.attach_file(lib, ids[0], paper, mode="linked")
    moved = tmp_path / "moved" / "paper.pdf"
    moved.parent.mkdir()
    paper.rename(moved)
    show(pane, [ids[0]])
    row = only_row(pane)
    assert row.missing
    assert row.missing_label.isVisibleTo(pane)
    assert row.missing_label.text().startswith("Missing")
    assert "Missing" in row_texts(pane)[0]
    assert row.locate_button.isVisibleTo(pane)
    assert not row.open_button.isEnabled()
    assert pdf_tab_visible(pane)  # the tab says why it cannot show it
    pane.show_pdf()
    assert pane.pdf_viewer.page_count() == 0
    assert "the file is not there" in pane.pdf_viewer.message.text()

    answer = SaveAs(moved)
    done = when_modal(answer)
    row.locate_button.click()
    assert done
    assert answer.titles == ["Locate paper.pdf"]
    assert lib.attachments(ids[0])[0].path == str(moved)
    row = only_row(pane)
    assert not row.missing
    assert not row.locate_button.isVisibleTo(pane)
    assert "Missing" not in row_texts(pane)[0]
    assert pane.pdf_viewer.page_count() == 2  # the tab, still chosen, reads the file found
    assert session.undo_label() == "Undo Relink paper.pdf"


def test_a_pdf_put_back_where_it_was_is_shown_again(
    pane: ItemPane, lib: Library, ids: list[int], paper: Path, tmp_path: Path
) -> None:
    attaching.attach_file(lib, ids[0], paper, mode="linked")
    away = paper.rename(tmp_path / "away.pdf")
    show(pane, [ids[0]])
    pane.show_pdf()
    assert pane.pdf_viewer.page_count() == 0
    away.rename(paper)
    show(pane, [ids[0]])
    assert not only_row(pane).missing
    assert pane.pdf_viewer.page_count() == 2


def test_a_missing_stored_file_is_located_by_a_fresh_copy(
    pane: ItemPane, lib: Library, ids: list[int], paper: Path
) -> None:
    attaching.attach_file(lib, ids[0], paper)
    stored = attaching.resolve_path(lib, lib.attachments(ids[0])[0])
    assert stored is not None
    stored.unlink()
    show(pane, [ids[0]])
    assert only_row(pane).missing
    done = when_modal(SaveAs(paper))
    only_row(pane).locate_button.click()
    assert done
    assert not only_row(pane).missing
    path = attaching.resolve_path(lib, lib.attachments(ids[0])[0])
    assert path is not None
    assert path.is_file()
    assert path.is_relative_to(lib.files_dir)


# ---------------------------------------------------------------------------------- opening
def test_a_pdf_opens_in_the_system_viewer_without_asking(
    pane: ItemPane, lib: Library, ids: list[int], paper: Path, desktop: Opened
) -> None:
    attaching.attach_file(lib, ids[0], paper, mode="linked")
    show(pane, [ids[0]])
    only_row(pane).open_button.click()
    assert [u.toLocalFile() for u in desktop.urls] == [str(paper)]
    pane.show_pdf()
    pane.pdf_viewer.open_button.click()
    assert len(desktop.urls) == 2


def test_a_linked_file_that_is_not_a_pdf_asks_first(
    pane: ItemPane, lib: Library, ids: list[int], tmp_path: Path, desktop: Opened
) -> None:
    script = tmp_path / "run-me.sh"
    script.write_text("echo synthetic\n")
    attaching.attach_file(lib, ids[0], script, mode="linked")
    show(pane, [ids[0]])
    assert not pdf_tab_visible(pane)
    row = only_row(pane)
    done = when_modal(press("Cancel"))
    row.open_button.click()
    assert done
    assert desktop.urls == []
    done = when_modal(press("Open Anyway"))
    row.open_button.click()
    assert done
    assert [u.toLocalFile() for u in desktop.urls] == [str(script)]


def add_url_attachment(lib: Library, item_id: int, key: str, url: str) -> None:
    with lib.db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO attachments (key, item_id, kind, title, path, url, date_added) "
            "VALUES (?, ?, 'url', ?, NULL, ?, '2026-01-01T00:00:00.000000Z')",
            (key, item_id, f"Link {key}", url),
        )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "https://bank.example@evil.example/",
    ],
)
def test_an_unsafe_url_attachment_is_never_opened(
    pane: ItemPane, lib: Library, ids: list[int], desktop: Opened, url: str
) -> None:
    add_url_attachment(lib, ids[0], "URLATT22", url)
    show(pane, [ids[0]])
    row = only_row(pane)
    assert not row.open_button.isEnabled()
    assert not pane.editor.attachments.open(row)  # not even when asked directly
    assert desktop.urls == []
    assert row_texts(pane) == [f"Link URLATT22 | Link — {url}"]


def test_a_web_url_attachment_opens_in_the_browser(
    pane: ItemPane, lib: Library, ids: list[int], desktop: Opened
) -> None:
    add_url_attachment(lib, ids[0], "URLATT22", "HTTPS://Example.ORG/paper")
    show(pane, [ids[0]])
    row = only_row(pane)
    assert row.open_button.isEnabled()
    row.open_button.click()
    assert [u.toString() for u in desktop.urls] == ["https://example.org/paper"]


def test_the_url_field_opens_only_safe_addresses(
    qtbot: QtBot, pane: ItemPane, session: Session, lib: Library, ids: list[int], desktop: Opened
) -> None:
    session.apply("Edit URL", lib.set_field, ids[0], "url", "javascript:alert(1)")
    show(pane, [ids[0]])
    button = pane.editor.info.url_open
    assert button is not None
    assert not button.isEnabled()
    button.click()
    assert desktop.urls == []
    session.apply("Edit URL", lib.set_field, ids[0], "url", "https://example.org/a")
    assert pane.editor.info.url_open is button
    assert button.isEnabled()
    button.click()
    assert [u.toString() for u in desktop.urls] == ["https://example.org/a"]
    url = pane.editor.info.fields["url"]
    assert isinstance(url, RevertingLineEdit)
    url.setFocus()
    url.selectAll()
    QTest.keyClicks(url, "data:text/html,x")  # judged as it is typed
    assert not button.isEnabled()
    url.setText("doi:10.1000/xyz")
    assert button.isEnabled()


# ---------------------------------------------------------------------------------- trash
def test_in_the_trash_nothing_is_attached_or_located(
    pane: ItemPane, session: Session, lib: Library, ids: list[int], paper: Path, tmp_path: Path
) -> None:
    attaching.attach_file(lib, ids[0], paper, mode="linked")
    paper.rename(tmp_path / "elsewhere.pdf")
    session.apply("Trash", lib.trash, [ids[0]])
    show(pane, [ids[0]])
    view = pane.editor.attachments
    assert not view.attach_button.isVisibleTo(pane)
    assert not view.link_button.isVisibleTo(pane)
    row = only_row(pane)
    assert row.missing_label.isVisibleTo(pane)
    assert not row.locate_button.isVisibleTo(pane)
    assert not view.locate(row)
    assert view.choose_files("stored") == []
    assert not drop(pane, file_drag(QUrl.fromLocalFile(str(tmp_path / "elsewhere.pdf"))))
    assert len(lib.attachments(ids[0])) == 1


def test_attachment_text_is_plain(
    pane: ItemPane, lib: Library, ids: list[int], tmp_path: Path
) -> None:
    odd = tmp_path / "<b>bold<i>.pdf"
    write_paper(odd, Paper(title=["Another synthetic paper"]))
    attaching.attach_file(lib, ids[0], odd, mode="linked", title="<i>Full text</i>")
    show(pane, [ids[0]])
    for label in pane.editor.attachments.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    assert row_texts(pane)[0].startswith("<i>Full text</i> | Linked file — ")
    for widget in pane.findChildren(QWidget):
        assert "<" not in widget.toolTip() or widget.toolTip().startswith("<qt>"), widget.toolTip()
