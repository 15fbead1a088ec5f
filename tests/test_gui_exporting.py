"""The export flow of the desktop app: writing off the GUI thread, cancel, the clipboard."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from citelib.formats import FORMATS, read_file
from citelib.gui.exporting import (
    CLIPBOARD_MIME,
    ExportFlow,
    copy_as,
    export_filters,
    export_items,
    target_for,
    write_export,
    writer_formats,
)
from citelib.gui.session import Session
from citelib.library import Library
from citelib.model import Item
from tests.conftest import sample_items
from tests.guitools import stop_workers, synthetic_items

WAIT_MS = 120_000


@pytest.fixture
def session(lib: Library, qtbot: QtBot) -> Iterator[Session]:
    s = Session(lib)
    yield s
    stop_workers()


@pytest.fixture
def clipboard(qtbot: QtBot) -> Iterator[Any]:
    board = QApplication.clipboard()
    yield board
    board.clear()


def names(item: Item) -> list[str]:
    return [c.literal or c.family for c in item.creators]


def run_export(
    qtbot: QtBot, session: Session, ids: Sequence[int], path: Path, format_name: str
) -> tuple[ExportFlow, str]:
    flow = write_export(session, ids, path, format_name)
    with qtbot.waitSignal(flow.finished, timeout=WAIT_MS) as blocker:
        pass
    outcome = blocker.args[0] if blocker.args else ""
    assert isinstance(outcome, str)
    return flow, outcome


@pytest.mark.parametrize("format_name", writer_formats())
def test_export_of_selected_items_reads_back(
    qtbot: QtBot, session: Session, lib: Library, tmp_path: Path, format_name: str
) -> None:
    lib.add_items(sample_items())
    ids = lib.item_ids(sort="date_added")
    selected = [ids[0], ids[2], ids[3]]
    expected = lib.get_items(selected)
    name = "Sources.xml" if format_name == "word-xml" else "refs"
    path = tmp_path / (name if name.endswith(".xml") else name + FORMATS[format_name].extensions[0])
    exported: list[object] = []
    flow = write_export(session, selected, path, format_name)
    flow.exported.connect(exported.append)
    with qtbot.waitSignal(flow.finished, timeout=WAIT_MS) as blocker:
        pass
    assert blocker.args == [f"Exported 3 items to {path}."]
    assert exported == [path]
    back = read_file(path, format_name)
    assert back.errors == []
    assert [i.title for i in back.items] == [i.title for i in expected]
    assert [names(i) for i in back.items] == [names(i) for i in expected]
    assert list(tmp_path.glob(".*.tmp")) == []


def test_export_reports_progress_for_large_exports(
    qtbot: QtBot, session: Session, lib: Library, tmp_path: Path
) -> None:
    lib.add_items(synthetic_items(3000))
    ids = lib.item_ids(sort="date_added")
    path = tmp_path / "big.ris"
    seen: list[tuple[int, int]] = []
    flow = write_export(session, ids, path, "ris")
    flow.worker.progress.connect(lambda done, total: seen.append((done, total)))
    with qtbot.waitSignal(flow.finished, timeout=WAIT_MS):
        pass
    assert seen[-1] == (3000, 3000)
    assert len(read_file(path).items) == 3000


@pytest.mark.parametrize("existing", [False, True])
def test_export_cancel_leaves_no_file(
    qtbot: QtBot,
    session: Session,
    lib: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    existing: bool,
) -> None:
    lib.add_items(synthetic_items(2000))
    ids = lib.item_ids(sort="date_added")
    out = tmp_path / "out"
    out.mkdir()
    path = out / "cancelled.bib"
    if existing:
        path.write_text("% an earlier synthetic export\n", encoding="utf-8")
    flows: list[ExportFlow] = []
    original = lib.iter_items

    def iter_items(ids: Sequence[int], batch: int = 2000) -> Iterator[Item]:
        for n, item in enumerate(original(ids, batch)):
            if n == 600:
                flows[0].cancel()  # from the worker thread, mid-write
            yield item

    monkeypatch.setattr(lib, "iter_items", iter_items)
    flow = write_export(session, ids, path, "bibtex")
    flows.append(flow)
    with qtbot.waitSignal(flow.finished, timeout=WAIT_MS) as blocker:
        pass
    assert blocker.args == ["Export cancelled; cancelled.bib was not written."]
    if existing:
        assert path.read_text(encoding="utf-8") == "% an earlier synthetic export\n"
    else:
        assert not path.exists()
    assert [p.name for p in out.iterdir()] == (["cancelled.bib"] if existing else [])


def test_export_failure_is_reported_without_traceback(
    qtbot: QtBot, session: Session, lib: Library, tmp_path: Path
) -> None:
    lib.add_items(sample_items())
    path = tmp_path / "no such folder" / "refs.ris"
    with qtbot.waitSignal(session.failed, timeout=WAIT_MS) as failed:
        _, outcome = run_export(qtbot, session, lib.item_ids(), path, "ris")
    what, why = failed.args
    assert what == "Export"
    assert str(path) in why
    assert "Traceback" not in why
    assert outcome == "Export failed; refs.ris was not written."


def test_filters_offer_every_writer() -> None:
    filters = export_filters()
    assert sorted(filters.values()) == sorted(f.name for f in FORMATS.values() if f.write)
    assert "pubmed-xml" not in filters.values()
    assert filters["RIS (*.ris)"] == "ris"
    assert filters["BibTeX (*.bib *.bibtex)"] == "bibtex"


@pytest.mark.parametrize(
    ("typed", "chosen", "expected"),
    [
        ("refs", "ris", ("refs.ris", "ris")),
        ("refs.ris", "bibtex", ("refs.ris", "ris")),
        ("refs.bib", "biblatex", ("refs.bib", "biblatex")),
        ("refs.bib", "ris", ("refs.bib", "bibtex")),
        ("Sources.xml", "word-xml", ("Sources.xml", "word-xml")),
        ("Sources.xml", "ris", ("Sources.xml", "word-xml")),
        ("refs.xml", "ris", ("refs.xml.ris", "ris")),  # EndNote XML or Word XML: ambiguous
        ("library.xml", "endnote-xml", ("library.xml", "endnote-xml")),
        ("refs.json", "enw", ("refs.json", "csljson")),
        ("refs.v2", "nbib", ("refs.v2.nbib", "nbib")),
    ],
)
def test_target_for_takes_the_format_from_filter_or_extension(
    tmp_path: Path, typed: str, chosen: str, expected: tuple[str, str]
) -> None:
    path, name = target_for(tmp_path / typed, chosen)
    assert (path.name, name) == expected


def test_export_items_asks_for_a_file_then_writes_it(
    qtbot: QtBot, session: Session, lib: Library, tmp_path: Path
) -> None:
    lib.add_items(sample_items())
    ids = lib.item_ids()
    target = tmp_path / "chosen"

    def answer() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog)]
        assert len(dialogs) == 1
        dialog = dialogs[0]
        dialog.selectNameFilter("EndNote tagged (*.enw)")
        dialog.filterSelected.emit("EndNote tagged (*.enw)")
        dialog.selectFile(str(target))
        dialog.accept()

    QTimer.singleShot(0, answer)
    flow = export_items(session, ids, None, "My Library")
    assert flow is not None
    with qtbot.waitSignal(flow.finished, timeout=WAIT_MS):
        pass
    written = tmp_path / "chosen.enw"
    assert flow.format_name == "enw"
    assert flow.path == written
    assert len(read_file(written).items) == len(ids)


def test_export_items_does_nothing_when_cancelled_or_empty(
    qtbot: QtBot, session: Session, lib: Library
) -> None:
    assert export_items(session, [], None) is None
    lib.add_items(sample_items())

    def cancel() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QFileDialog):
                w.reject()

    QTimer.singleShot(0, cancel)
    assert export_items(session, lib.item_ids(), None) is None


@pytest.mark.parametrize("format_name", ["ris", "bibtex"])
def test_copy_as_puts_text_and_mime_type_on_the_clipboard(
    session: Session, lib: Library, clipboard: Any, format_name: str
) -> None:
    lib.add_items(sample_items())
    ids = lib.item_ids(sort="date_added")[:2]
    assert copy_as(session, ids, format_name)
    mime = clipboard.mimeData()
    assert mime.hasText()
    text = mime.text()
    kind = CLIPBOARD_MIME[format_name]
    assert kind in mime.formats()
    assert bytes(mime.data(kind).data()).decode("utf-8") == text
    back = FORMATS[format_name].read
    assert back is not None
    assert [i.title for i in back(text, "<clipboard>").items] == [
        i.title for i in lib.get_items(ids)
    ]
    if format_name == "ris":
        assert text.startswith("TY  - ")
        assert kind == "application/x-research-info-systems"
    else:
        assert text.startswith("@")
        assert kind == "application/x-bibtex"


def test_copy_as_reports_an_unknown_format(
    qtbot: QtBot, session: Session, lib: Library, clipboard: Any
) -> None:
    lib.add_items(sample_items())
    with qtbot.waitSignal(session.failed, timeout=WAIT_MS) as failed:
        assert not copy_as(session, lib.item_ids(), "pubmed-xml")
    assert "cannot write" in failed.args[1]
    assert not copy_as(session, [], "ris")
