"""Attaching files to items, importing PDFs as items, missing files and renames that follow
metadata (citelib.library.attaching), on real libraries and real PDFs under tmp_path."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from citelib.errors import InvalidValue, NotFound
from citelib.formats import read_file
from citelib.library import Library, attaching
from citelib.library.attaching import (
    NEEDS_REVIEW,
    NOTE_HEADING,
    attach_file,
    find_same_file,
    import_pdfs,
    is_missing,
    missing_files,
    orphaned_files,
    relink,
    relink_by_folder,
    resolve_path,
    same_file_elsewhere,
    sweep_orphans,
    sync_stored_names,
)
from citelib.library.files import AttachmentError, sha256_of
from citelib.model import Creator
from tests.conftest import Dump, dump_library, sample_items
from tests.pdfmaker import (
    ABSTRACT,
    Paper,
    add_xmp,
    empty_password,
    garbage_pdf,
    many_pages,
    scanned_pdf,
    write_paper,
    xmp_packet,
    zip_named_pdf,
)

ROSENBERG_DOI = "10.1126/science.aaa4967"  # sample_items()[1]


def dump(lib: Library) -> Dump:
    return dump_library(lib, bookkeeping=False)


def tree(folder: Path) -> list[str]:
    """Every file under a folder, relative, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def doi_pdf(path: Path, doi: str = "10.1016/j.cell.2020.01.002", **kw: Any) -> Path:
    return write_paper(path, Paper(body=[*ABSTRACT, f"DOI: {doi}", "1 Introduction"], **kw))


@pytest.fixture
def ids(lib: Library) -> list[int]:
    return list(lib.add_items(sample_items()).new_ids)


def count(lib: Library, item_id: int) -> int:
    return lib.summaries([item_id])[0].attachments


# ---------------------------------------------------------------------------------- attach_file


def test_stored_copy_is_named_from_the_metadata_and_recorded_relative(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    pdf = doi_pdf(tmp_path / "download (3).pdf")
    change = attach_file(lib, ids[1], pdf)
    key = lib.get_item(ids[1]).key
    (att,) = lib.attachments(ids[1])
    assert change.new_ids == (att.id,)
    assert change.items == {ids[1]}
    name = (
        "Rosenberg - 2015 - Adoptive cell transfer as personalized immunotherapy for "
        "human cancer.pdf"
    )
    assert att.path == f"files/{key}/{name}"
    assert (att.kind, att.title, att.content_type) == (
        "stored",
        "download (3).pdf",
        "application/pdf",
    )
    assert att.size == pdf.stat().st_size
    stored = resolve_path(lib, att)
    assert stored == lib.folder / "files" / key / name
    assert stored is not None
    assert stored.read_bytes() == pdf.read_bytes()
    assert pdf.exists()  # the original is left alone
    assert attaching.file_record(lib, att.id).sha256 == sha256_of(pdf)
    assert count(lib, ids[1]) == 1
    assert not is_missing(lib, att)
    assert lib.history.undo_label == "Attach download (3).pdf"


def test_linked_file_keeps_its_absolute_path_and_copies_nothing(
    lib: Library, ids: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    attach_file(lib, ids[0], Path("data.csv"), mode="linked", title="Raw data")
    (att,) = lib.attachments(ids[0])
    assert (att.kind, att.title, att.path) == ("linked", "Raw data", str(data))
    assert att.content_type == "text/csv"
    assert att.size == data.stat().st_size
    assert tree(lib.files_dir) == []
    assert count(lib, ids[0]) == 1


def test_same_file_twice_on_one_item_is_refused_and_changes_nothing(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    pdf = doi_pdf(tmp_path / "paper.pdf")
    attach_file(lib, ids[0], pdf)
    before, files_before = dump(lib), tree(lib.files_dir)
    copy = tmp_path / "renamed copy.pdf"
    shutil.copyfile(pdf, copy)
    for mode in ("stored", "linked"):
        with pytest.raises(AttachmentError, match=r"^renamed copy\.pdf is already attached"):
            attach_file(lib, ids[0], copy, mode=mode)
    assert dump(lib) == before
    assert tree(lib.files_dir) == files_before


def test_same_file_on_another_item_is_allowed_and_reported(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    pdf = doi_pdf(tmp_path / "paper.pdf")
    first = attach_file(lib, ids[0], pdf).new_ids[0]
    assert same_file_elsewhere(lib, first) == []
    second = attach_file(lib, ids[2], pdf, mode="linked").new_ids[0]
    (other,) = same_file_elsewhere(lib, first)
    assert (other.id, other.item_id, other.kind) == (second, ids[2], "linked")
    assert other.item_title == "Janeway's Immunobiology"
    assert [r.id for r in same_file_elsewhere(lib, second)] == [first]
    assert [r.id for r in find_same_file(lib, sha256_of(pdf))] == [first, second]
    assert [r.id for r in find_same_file(lib, sha256_of(pdf), exclude_item=ids[0])] == [second]


def test_unusable_sources_raise_and_leave_nothing(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    before = dump(lib)
    with pytest.raises(AttachmentError, match="does not exist"):
        attach_file(lib, ids[0], tmp_path / "nope.pdf")
    with pytest.raises(AttachmentError, match="is a folder"):
        attach_file(lib, ids[0], tmp_path, mode="linked")
    with pytest.raises(NotFound):
        attach_file(lib, 9999, doi_pdf(tmp_path / "paper.pdf"))
    with pytest.raises(InvalidValue):
        attach_file(lib, ids[0], tmp_path / "paper.pdf", mode="copy")  # type: ignore[arg-type]
    assert dump(lib) == before
    assert tree(lib.files_dir) == []


def test_a_failed_write_takes_the_copy_back(
    lib: Library, ids: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(lib)

    def broken(*args: Any) -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(attaching, "recount", broken)
    with pytest.raises(OSError, match="disk I/O error"):
        attach_file(lib, ids[0], doi_pdf(tmp_path / "paper.pdf"))
    assert dump(lib) == before
    assert tree(lib.files_dir) == []
    assert lib.history.undo_label == "Add 4 items"


def test_undo_removes_the_row_keeps_the_file_and_redo_finds_it(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    before = dump(lib)
    attach_file(lib, ids[0], doi_pdf(tmp_path / "paper.pdf"))
    (att,) = lib.attachments(ids[0])
    stored = resolve_path(lib, att)
    assert stored is not None
    after = dump(lib)
    lib.undo()
    assert dump(lib) == before
    assert count(lib, ids[0]) == 0
    assert stored.is_file()  # never deleted by an undo
    assert orphaned_files(lib) == []  # the redo may still want it
    lib.redo()
    assert dump(lib) == after
    assert lib.attachments(ids[0]) == [att]
    assert not is_missing(lib, att)


def test_orphans_are_swept_into_the_trash_folder_only_when_nothing_names_them(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    attach_file(lib, ids[0], doi_pdf(tmp_path / "kept.pdf", doi="10.1234/kept"))
    attach_file(lib, ids[1], doi_pdf(tmp_path / "undone.pdf", doi="10.1234/undone"))
    (undone,) = lib.attachments(ids[1])
    undone_path = resolve_path(lib, undone)
    assert undone_path is not None
    lib.undo()
    assert orphaned_files(lib) == []
    assert sweep_orphans(lib) == []
    lib.history.clear()
    assert orphaned_files(lib) == [undone_path]
    db = dump(lib)
    (moved,) = sweep_orphans(lib)
    assert moved == lib.files_dir / ".trash" / undone_path.parent.name / undone_path.name
    assert moved.read_bytes() == (tmp_path / "undone.pdf").read_bytes()
    assert not undone_path.exists()
    assert dump(lib) == db
    (kept,) = lib.attachments(ids[0])
    assert not is_missing(lib, kept)
    assert orphaned_files(lib) == []


def test_attaching_again_after_an_undo_reuses_the_copy(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    pdf = doi_pdf(tmp_path / "paper.pdf")
    attach_file(lib, ids[0], pdf)
    lib.undo()
    attach_file(lib, ids[0], pdf)
    (att,) = lib.attachments(ids[0])
    key = lib.get_item(ids[0]).key
    assert att.path is not None
    assert tree(lib.files_dir) == [att.path.removeprefix("files/")]
    assert att.path.startswith(f"files/{key}/Morodomi - 2026 - ")
    assert not att.path.endswith("(2).pdf")


def test_stored_rows_survive_a_library_moved_elsewhere(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    attach_file(lib, ids[0], doi_pdf(tmp_path / "paper.pdf"))
    lib.close()
    moved = tmp_path / "moved library"
    shutil.move(str(lib.folder), moved)
    with Library.open(moved) as again:
        (att,) = again.attachments(ids[0])
        path = resolve_path(again, att)
        assert path is not None
        assert path.parent.parent.parent == moved
        assert not is_missing(again, att)


def test_stored_files_still_resolve_after_a_merge(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    attach_file(lib, ids[3], doi_pdf(tmp_path / "paper.pdf"))
    lib.merge_items(ids[2], [ids[3]])
    (att,) = lib.attachments(ids[2])
    assert not is_missing(lib, att)
    assert count(lib, ids[2]) == 1
    assert count(lib, ids[3]) == 0


def test_resolve_path_refuses_to_leave_the_library(lib: Library) -> None:
    row = attaching.FileRecord(1, "K", 1, "I", "", False, "stored", "", "../../etc/passwd", 1, "")
    assert resolve_path(lib, row) is None
    assert is_missing(lib, row)


# ---------------------------------------------------------------------------------- missing files


def test_moved_linked_file_is_missing_until_relinked(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    pdf = doi_pdf(tmp_path / "paper.pdf")
    attach_file(lib, ids[0], pdf, mode="linked")
    (att,) = lib.attachments(ids[0])
    assert not is_missing(lib, att)
    new_home = tmp_path / "elsewhere" / "paper.pdf"
    new_home.parent.mkdir()
    pdf.rename(new_home)
    (missing,) = missing_files(lib)
    assert missing.id == att.id
    assert is_missing(lib, att)
    change = relink(lib, att.id, new_home)
    assert change.items == {ids[0]}
    assert lib.attachments(ids[0])[0].path == str(new_home)
    assert missing_files(lib) == []
    lib.undo()
    assert [r.id for r in missing_files(lib)] == [att.id]


def test_relinking_a_stored_file_stores_a_new_copy(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    pdf = doi_pdf(tmp_path / "paper.pdf")
    attach_file(lib, ids[0], pdf)
    (att,) = lib.attachments(ids[0])
    stored = resolve_path(lib, att)
    assert stored is not None
    stored.unlink()
    assert is_missing(lib, att)
    relink(lib, att.id, pdf)
    (again,) = lib.attachments(ids[0])
    assert again.path == att.path
    assert not is_missing(lib, again)
    with pytest.raises(NotFound):
        relink(lib, 999, pdf)


def test_relink_by_folder_search(lib: Library, ids: list[int], tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    exact = doi_pdf(old / "Exact.pdf", doi="10.1234/exact")
    edited = doi_pdf(old / "edited.pdf", doi="10.1234/edited")
    lost = doi_pdf(old / "lost.pdf", doi="10.1234/lost")
    attach_file(lib, ids[0], exact, mode="linked")
    attach_file(lib, ids[1], edited, mode="linked")
    attach_file(lib, ids[2], lost, mode="linked")
    attach_file(lib, ids[3], doi_pdf(tmp_path / "stored.pdf"))  # stored: never searched for
    new = tmp_path / "new"
    (new / "deep" / "er").mkdir(parents=True)
    decoy = new / "exact.pdf"  # same name (another case), other bytes
    decoy.write_bytes(b"%PDF-1.4 not the same")
    moved_exact = new / "deep" / "er" / "EXACT.pdf"
    exact.rename(moved_exact)
    moved_edited = new / "deep" / "edited.pdf"
    edited.rename(moved_edited)
    with moved_edited.open("ab") as f:
        f.write(b"\n% an annotation\n")
    lost.unlink()
    steps = len(lib.history.undo_stack)
    seen: list[Path] = []
    report = relink_by_folder(lib, [new], progress=lambda n, folder: seen.append(folder))
    assert seen[0] == new
    assert report.missing_before == 3
    assert not report.cancelled
    relinked = {r.attachment_id: r for r in report.relinked}
    by_item = {a.item_id: a for i in ids for a in lib.attachments(i)}
    assert relinked[by_item[ids[0]].id].new_path == moved_exact
    assert relinked[by_item[ids[0]].id].same_content
    assert relinked[by_item[ids[1]].id].new_path == moved_edited
    assert not relinked[by_item[ids[1]].id].same_content
    assert [r.item_id for r in report.still_missing] == [ids[2]]
    assert len(lib.history.undo_stack) == steps + 1  # one undo step for all
    assert lib.history.undo_label == "Relink 2 files"
    edited_row = attaching.file_record(lib, by_item[ids[1]].id)
    assert edited_row.sha256 == sha256_of(moved_edited)
    assert edited_row.size == moved_edited.stat().st_size
    assert [r.item_id for r in missing_files(lib)] == [ids[2]]
    with pytest.raises(AttachmentError):
        relink_by_folder(lib, [tmp_path / "no such folder"])


def test_relink_by_folder_cancelled_relinks_nothing(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    pdf = doi_pdf(tmp_path / "paper.pdf")
    attach_file(lib, ids[0], pdf, mode="linked")
    (tmp_path / "new").mkdir()
    pdf.rename(tmp_path / "new" / "paper.pdf")
    before = dump(lib)
    report = relink_by_folder(lib, [tmp_path / "new"], cancel=lambda: True)
    assert report.cancelled
    assert report.change is None
    assert dump(lib) == before


# ---------------------------------------------------------------------------------- renames


def stored_name(lib: Library, item_id: int) -> str:
    (att,) = lib.attachments(item_id)
    path = resolve_path(lib, att)
    assert path is not None
    assert path.is_file(), f"{path} is not there"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    return path.name


def test_renames_follow_set_field_and_its_undo_and_redo(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    item_id = ids[1]
    attach_file(lib, item_id, doi_pdf(tmp_path / "paper.pdf"))
    first = stored_name(lib, item_id)
    lib.set_field(item_id, "title", "A shorter title")
    steps = len(lib.history.undo_stack)
    report = sync_stored_names(lib, [item_id])
    assert len(lib.history.undo_stack) == steps  # no undo step of its own
    assert stored_name(lib, item_id) == "Rosenberg - 2015 - A shorter title.pdf"
    assert report.renamed == []  # set_field renamed it already
    lib.undo()
    sync_stored_names(lib, [item_id])
    assert stored_name(lib, item_id) == first
    lib.redo()
    sync_stored_names(lib, [item_id])
    assert stored_name(lib, item_id) == "Rosenberg - 2015 - A shorter title.pdf"
    lib.set_field(item_id, "date", "2016")
    sync_stored_names(lib, [item_id])
    assert stored_name(lib, item_id) == "Rosenberg - 2016 - A shorter title.pdf"
    lib.undo()
    lib.undo()
    sync_stored_names(lib, [item_id])
    assert stored_name(lib, item_id) == first
    assert sync_stored_names(lib, [item_id]).renamed == []  # nothing left to do


def test_the_library_renames_stored_files_after_edits_undo_and_redo_by_itself(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    item_id = ids[1]
    lib.attach_file(item_id, doi_pdf(tmp_path / "paper.pdf"))
    first = stored_name(lib, item_id)
    lib.set_field(item_id, "title", "A shorter title")
    assert stored_name(lib, item_id) == "Rosenberg - 2015 - A shorter title.pdf"
    lib.set_creators(item_id, [Creator("Restifo", "Nicholas P.")])
    assert stored_name(lib, item_id) == "Restifo - 2015 - A shorter title.pdf"
    lib.set_field(item_id, "volume", "349")  # not part of the name: nothing to do
    assert stored_name(lib, item_id) == "Restifo - 2015 - A shorter title.pdf"
    lib.undo()
    lib.undo()
    assert stored_name(lib, item_id) == "Rosenberg - 2015 - A shorter title.pdf"
    lib.undo()
    assert stored_name(lib, item_id) == first
    lib.redo()
    assert stored_name(lib, item_id) == "Rosenberg - 2015 - A shorter title.pdf"
    (att,) = lib.attachments(item_id)
    assert lib.resolve_path(att) == lib.folder / att.path  # type: ignore[operator]


def test_renames_follow_update_item_whose_undo_restores_the_old_path(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    item_id = ids[0]
    attach_file(lib, item_id, doi_pdf(tmp_path / "paper.pdf"))
    first = stored_name(lib, item_id)
    item = lib.get_item(item_id)
    item.creators = [Creator("Zheng", "Situo")]
    item.fields["title"] = "Renamed"
    lib.update_item(item)  # saves the attachment rows for undo
    sync_stored_names(lib, [item_id])
    assert stored_name(lib, item_id) == "Zheng - 2026 - Renamed.pdf"
    lib.undo()  # restores the row with the old path while the file has the new name
    (att,) = lib.attachments(item_id)
    assert att.path is not None
    assert att.path.endswith(first)
    report = sync_stored_names(lib, [item_id])
    assert report.missing == []
    assert stored_name(lib, item_id) == first
    lib.redo()  # the row says the new name again; the file has the old one
    sync_stored_names(lib, [item_id])
    assert stored_name(lib, item_id) == "Zheng - 2026 - Renamed.pdf"
    lib.set_creators(item_id, [Creator(literal="World Health Organization")])
    sync_stored_names(lib, [item_id])
    assert stored_name(lib, item_id) == "World Health Organization - 2026 - Renamed.pdf"
    lib.undo()  # the history is still usable after the syncs
    sync_stored_names(lib, [item_id])
    assert stored_name(lib, item_id) == "Zheng - 2026 - Renamed.pdf"


def test_two_stored_files_of_one_item_keep_apart(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    item_id = ids[1]
    attach_file(lib, item_id, doi_pdf(tmp_path / "a.pdf", doi="10.1234/a"))
    attach_file(lib, item_id, doi_pdf(tmp_path / "b.pdf", doi="10.1234/b"))
    lib.set_field(item_id, "title", "New")
    sync_stored_names(lib, [item_id])
    names = sorted(Path(a.path or "").name for a in lib.attachments(item_id))
    assert names == ["Rosenberg - 2015 - New (2).pdf", "Rosenberg - 2015 - New.pdf"]
    lib.undo()
    sync_stored_names(lib, [item_id])
    for att in lib.attachments(item_id):
        assert not is_missing(lib, att)
    assert len(tree(lib.files_dir)) == 2


def test_a_missing_stored_file_is_reported_not_raised(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    attach_file(lib, ids[0], doi_pdf(tmp_path / "paper.pdf"))
    (att,) = lib.attachments(ids[0])
    path = resolve_path(lib, att)
    assert path is not None
    path.unlink()
    lib.set_field(ids[0], "title", "Other")
    before = dump(lib)
    report = sync_stored_names(lib, [ids[0]])
    assert report.missing == [att.id]
    assert report.renamed == []
    assert dump(lib) == before


def test_linked_files_are_never_renamed(lib: Library, ids: list[int], tmp_path: Path) -> None:
    pdf = doi_pdf(tmp_path / "mine.pdf")
    attach_file(lib, ids[0], pdf, mode="linked")
    lib.set_field(ids[0], "title", "Other")
    assert sync_stored_names(lib, [ids[0]]).renamed == []
    assert pdf.is_file()


# ---------------------------------------------------------------------------------- import_pdfs


def test_import_a_pdf_with_a_doi(lib: Library, tmp_path: Path) -> None:
    pdf = doi_pdf(tmp_path / "paper.pdf")
    calls: list[tuple[int, int]] = []
    report = import_pdfs(lib, [pdf], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 1)]
    (outcome,) = report.outcomes
    assert outcome.status == "added"
    assert outcome.ok
    assert report.change is not None
    (item_id,) = report.change.new_ids
    assert outcome.item_id == item_id
    item = lib.get_item(item_id)
    assert item.get("DOI") == "10.1016/j.cell.2020.01.002"
    assert item.title == "Deep Learning for the Study of Things"
    assert outcome.item_key == item.key
    assert outcome.message.startswith(f'paper.pdf: new item {item.key} "Deep Learning')
    (att,) = lib.attachments(item_id)
    assert att.id == outcome.attachment_id
    assert att.path == f"files/{item.key}/Smith - 2000 - Deep Learning for the Study of Things.pdf"
    assert att.title == "paper.pdf"
    assert not is_missing(lib, att)
    assert count(lib, item_id) == 1
    assert lib.count("10.1016/j.cell.2020.01.002") == 1  # in the search index


def test_import_a_scanned_pdf_marks_it_for_review(lib: Library, tmp_path: Path) -> None:
    report = import_pdfs(lib, [scanned_pdf(tmp_path / "kinetic_theory-of_gases (1).pdf")])
    (outcome,) = report.outcomes
    assert outcome.status == "added"
    assert outcome.needs_review
    assert "title from the file name" in outcome.detail
    assert outcome.item_id is not None
    item = lib.get_item(outcome.item_id)
    assert item.title == "kinetic theory of gases"
    assert item.tags == [NEEDS_REVIEW]
    (note,) = lib.notes(outcome.item_id)
    assert note.html.startswith(f"<p>{NOTE_HEADING} (kinetic_theory-of_gases (1).pdf):</p>")
    assert "no text on the first 2 pages (a scanned PDF?)" in note.html
    assert [i.id for i in lib.search('tag:"Needs review"').rows] == [outcome.item_id]
    lib.remove_tags([outcome.item_id], [NEEDS_REVIEW])  # an ordinary tag
    assert lib.get_item(outcome.item_id).tags == []


def test_a_confirmed_pdf_gets_no_review_tag_and_no_note(lib: Library, tmp_path: Path) -> None:
    path = write_paper(tmp_path / "paper.pdf", Paper(body=ABSTRACT))
    add_xmp(
        path,
        xmp_packet(
            title="Deep Learning for the Study of Things",
            creators=["Jane Smith", "John Doe"],
            doi="10.1234/abc",
            cover_date="2020-02",
        ),
    )
    (outcome,) = import_pdfs(lib, [path]).outcomes
    assert outcome.status == "added"
    assert not outcome.needs_review
    assert outcome.item_id is not None
    assert lib.get_item(outcome.item_id).tags == []
    assert lib.notes(outcome.item_id) == []


def test_import_several_with_failures_keeps_the_good_ones(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    zero = tmp_path / "zero.pdf"
    zero.write_bytes(b"")
    paths = [
        doi_pdf(tmp_path / "good.pdf"),
        zero,
        zip_named_pdf(tmp_path / "word.pdf"),
        garbage_pdf(tmp_path / "corrupt.pdf"),
        write_paper(tmp_path / "locked.pdf", encrypt="secret"),
        tmp_path / "gone.pdf",
        write_paper(
            tmp_path / "open.pdf",
            Paper(body=[*ABSTRACT, "doi:10.1234/open.1"]),
            encrypt=empty_password(),
        ),
        many_pages(tmp_path / "long.pdf", 500, first=["A Long Report on Everything"]),
    ]
    report = import_pdfs(lib, paths)
    got = {o.path.name: (o.status, o.error_kind) for o in report.outcomes}
    assert got == {
        "good.pdf": ("added", None),
        "zero.pdf": ("failed", "empty"),
        "word.pdf": ("failed", "not-pdf"),
        "corrupt.pdf": ("failed", "damaged"),
        "locked.pdf": ("failed", "encrypted"),
        "gone.pdf": ("failed", "missing"),
        "open.pdf": ("added", None),
        "long.pdf": ("added", None),
    }
    messages = [o.message for o in report.failed]
    assert messages == [
        "zero.pdf: zero bytes; not imported",
        "word.pdf: not a PDF (starts with 'PK\\x03\\x04'); not imported",
        "corrupt.pdf: damaged: data format error; not imported",
        "locked.pdf: encrypted with a password; not imported",
        "gone.pdf: no such file; not imported",
    ]
    assert report.count("added") == 3
    assert report.change is not None
    assert len(report.change.new_ids) == 3
    assert lib.history.undo_label == "Import 3 PDFs"
    assert len(tree(lib.files_dir)) == 3


def test_a_password_opens_an_encrypted_pdf(lib: Library, tmp_path: Path) -> None:
    locked = write_paper(tmp_path / "locked.pdf", encrypt="secret")
    (outcome,) = import_pdfs(lib, [locked], passwords={locked: "secret"}).outcomes
    assert outcome.status == "added"


def test_only_failures_write_nothing(lib: Library, ids: list[int], tmp_path: Path) -> None:
    before, steps = dump(lib), len(lib.history.undo_stack)
    zero = tmp_path / "zero.pdf"
    zero.write_bytes(b"")
    report = import_pdfs(lib, [zero, zip_named_pdf(tmp_path / "w.pdf")])
    assert report.change is None
    assert [o.status for o in report.outcomes] == ["failed", "failed"]
    assert dump(lib) == before
    assert len(lib.history.undo_stack) == steps
    assert tree(lib.files_dir) == []


def test_a_duplicate_pdf_is_attached_to_the_library_item(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    pdf = doi_pdf(tmp_path / "rosenberg.pdf", doi=ROSENBERG_DOI)
    report = import_pdfs(lib, [pdf])
    (outcome,) = report.outcomes
    assert outcome.status == "attached"
    assert outcome.item_id == ids[1]
    key = lib.get_item(ids[1]).key
    assert outcome.detail == (
        f'attached to the existing item {key} "Adoptive cell transfer as personalized '
        'immunotherapy for human cancer" (same DOI)'
    )
    assert report.change is not None
    assert report.change.items_added == frozenset()
    assert report.change.items == {ids[1]}
    (att,) = lib.attachments(ids[1])
    assert att.path is not None
    assert att.path.startswith(f"files/{key}/Rosenberg - 2015 - Adoptive cell transfer")
    assert lib.count(scope=None) == 4
    # the same file again: nothing at all
    before = dump(lib)
    again = import_pdfs(lib, [tmp_path / "rosenberg.pdf"])
    assert [o.status for o in again.outcomes] == ["already"]
    assert again.outcomes[0].detail.startswith(f"already in the library, attached to {key} ")
    assert again.change is None
    assert dump(lib) == before


def test_duplicates_within_one_import(lib: Library, tmp_path: Path) -> None:
    first = doi_pdf(tmp_path / "v1.pdf", doi="10.1234/same")
    second = doi_pdf(tmp_path / "v2.pdf", doi="10.1234/same", header="Journal of Testing, accepted")
    copy = tmp_path / "copy of v1.pdf"
    shutil.copyfile(first, copy)
    report = import_pdfs(lib, [first, second, copy])
    assert [o.status for o in report.outcomes] == ["added", "attached", "already"]
    assert report.outcomes[1].item_id == report.outcomes[0].item_id
    assert "same DOI as v1.pdf" in report.outcomes[1].detail
    assert report.outcomes[2].detail == "the same file as v1.pdf in this import; nothing done"
    item_id = report.outcomes[0].item_id
    assert item_id is not None
    assert len(lib.attachments(item_id)) == 2
    assert count(lib, item_id) == 2
    assert lib.count(scope=None) == 1


def test_import_is_one_undo_step_for_items_files_tags_and_collection(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    before = dump(lib)
    paths = [
        scanned_pdf(tmp_path / "scan.pdf", pages=1),
        doi_pdf(tmp_path / "rosenberg.pdf", doi=ROSENBERG_DOI),
    ]
    report = import_pdfs(lib, paths, tags=["to read"], collection="PDFs/2024")
    assert [o.status for o in report.outcomes] == ["added", "attached"]
    new_id = report.outcomes[0].item_id
    assert new_id is not None
    assert lib.get_item(new_id).tags == [NEEDS_REVIEW, "to read"]
    assert "to read" in lib.get_item(ids[1]).tags  # the item the PDF went to
    collection = lib.find_collection("PDFs/2024")
    assert collection is not None
    assert set(lib.item_ids("", attaching_scope(collection))) == {new_id, ids[1]}
    assert lib.count('tag:"to read"') == 2
    lib.undo()
    assert dump(lib) == before
    lib.redo()
    assert lib.count('tag:"to read"') == 2
    assert count(lib, ids[1]) == 1


def attaching_scope(collection: int) -> Any:
    from citelib.library import Scope

    return Scope(collection=collection)


def test_linked_import_copies_nothing(lib: Library, tmp_path: Path) -> None:
    pdf = doi_pdf(tmp_path / "paper.pdf")
    (outcome,) = import_pdfs(lib, [pdf], mode="linked").outcomes
    assert outcome.item_id is not None
    (att,) = lib.attachments(outcome.item_id)
    assert (att.kind, att.path) == ("linked", str(pdf))
    assert tree(lib.files_dir) == []


def test_a_cancelled_import_writes_and_leaves_nothing(
    lib: Library, ids: list[int], tmp_path: Path
) -> None:
    before = dump(lib)
    paths = [
        doi_pdf(tmp_path / "a.pdf", doi="10.1234/a"),
        doi_pdf(tmp_path / "b.pdf", doi="10.1234/b"),
    ]
    asked: list[int] = []

    def cancel() -> bool:  # cancelled once both files were read: before the write
        asked.append(1)
        return len(asked) > 2

    report = import_pdfs(lib, paths, cancel=cancel)
    assert report.cancelled
    assert report.change is None
    assert dump(lib) == before
    assert tree(lib.files_dir) == []


def test_a_failed_import_write_takes_every_copy_back(
    lib: Library, ids: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(lib)

    def broken(*args: Any) -> list[int]:
        raise OSError("disk full")

    monkeypatch.setattr(attaching, "_insert_attachments", broken)
    paths = [
        doi_pdf(tmp_path / "a.pdf", doi="10.1234/a"),
        doi_pdf(tmp_path / "b.pdf", doi="10.1234/b"),
    ]
    with pytest.raises(OSError, match="disk full"):
        import_pdfs(lib, paths)
    assert dump(lib) == before
    assert tree(lib.files_dir) == []


def test_a_file_that_cannot_be_copied_fails_alone(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citelib.library import files

    real = files.store_copy

    def picky(source: Path, folder: Path, name: str) -> files.StoredFile:
        if source.name == "a.pdf":
            raise AttachmentError(f"Cannot store {source.name} in {folder}: No space left.")
        return real(source, folder, name)

    monkeypatch.setattr(files, "store_copy", picky)
    paths = [
        doi_pdf(tmp_path / "a.pdf", doi="10.1234/a"),
        doi_pdf(tmp_path / "b.pdf", doi="10.1234/a", header="v2"),
    ]
    report = import_pdfs(lib, paths)
    assert [o.status for o in report.outcomes] == ["failed", "added"]
    assert report.outcomes[0].error_kind == "file"
    assert "No space left" in report.outcomes[0].detail
    item_id = report.outcomes[1].item_id
    assert item_id is not None
    (att,) = lib.attachments(item_id)
    assert not is_missing(lib, att)
    assert att.path is not None
    assert att.path.startswith(f"files/{lib.get_item(item_id).key}/")


# ---------------------------------------------------------------------------------- imported paths


def test_imported_file_links_attach_and_read_nothing(lib: Library, tmp_path: Path) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 SYNTHETIC-SECRET")
    ris = tmp_path / "refs.ris"
    ris.write_text(
        "TY  - JOUR\nTI  - Linked\nL1  - /etc/passwd\n"
        f"L1  - {secret}\nL1  - file://{secret}\nER  - \n",
        encoding="utf-8",
    )
    enw = tmp_path / "refs.enw"
    enw.write_text(f"%0 Journal Article\n%T Linked too\n%> {secret}\n", encoding="utf-8")
    opened: list[Any] = []
    watching = False

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if (
            watching
            and event in ("open", "os.listdir", "os.scandir", "shutil.copyfile")
            and any(str(secret) in str(a) or "passwd" in str(a) for a in args)
        ):
            opened.append((event, args))

    sys.addaudithook(hook)
    watching = True
    try:
        items = read_file(ris).items + read_file(enw).items
        change = lib.add_items(items)
    finally:
        watching = False
    assert opened == []
    for item_id in change.new_ids:
        assert lib.attachments(item_id) == []
        assert count(lib, item_id) == 0
    assert "RIS L1: /etc/passwd" in lib.get_item(change.new_ids[0]).get("extra")
    assert tree(lib.files_dir) == []
