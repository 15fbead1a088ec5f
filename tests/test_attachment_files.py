"""The file side of attachments (citelib.library.files), on real files under tmp_path."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from citelib.errors import CitelibError
from citelib.library import files
from citelib.library.files import (
    NAME_MAX_BYTES,
    NAME_MAX_CHARS,
    AttachmentError,
    Expected,
    attachment_name,
    find_by_name,
    is_pdf,
    opens_as_pdf,
    rename_stored,
    safe_url,
    sha256_of,
    sniff_content_type,
    store_copy,
)
from citelib.model import Creator, Item

FORBIDDEN = set('<>:"/\\|?*')
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10))}
RESERVED |= {f"LPT{n}" for n in range(10)}
JOINERS = ("\u200c", "\u200d")  # kept: Persian and Indic words need them


def article(title: str = "", date: str = "", *creators: Creator, **fields: str) -> Item:
    values = dict(fields)
    if title:
        values["title"] = title
    if date:
        values["date"] = date
    return Item("journalArticle", values, list(creators))


def make_pdf(path: Path, text: str = "Hello") -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return path


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".citelib-")]


def assert_valid_name(name: str, max_bytes: int = NAME_MAX_BYTES) -> None:
    assert name
    assert len(name) <= NAME_MAX_CHARS
    assert len(name.encode("utf-8")) <= max_bytes
    assert not FORBIDDEN & set(name)
    assert all(
        unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch in JOINERS
        for ch in name
    )
    assert not name.startswith(JOINERS)
    assert not name.endswith(JOINERS)
    assert unicodedata.is_normalized("NFC", name)
    assert name == name.strip()
    assert not name.startswith((".", "-"))
    assert not name.endswith((".", " "))
    assert " -  - " not in name
    assert "  " not in name
    assert name.split(".", 1)[0].rstrip(" .").upper() not in RESERVED
    assert Path(name).name == name


# ---------------------------------------------------------------------------------- names


def test_name_is_first_creator_year_and_title() -> None:
    item = article(
        "CAR-NK cells in solid tumours",
        "2021-03-04",
        Creator("Østby", "Ida"),
        Creator("Smith", "John"),
    )
    assert attachment_name(item, ".pdf") == "Østby - 2021 - CAR-NK cells in solid tumours.pdf"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (article("Title only"), "Title only.pdf"),
        (article("", "2020", Creator("Smith", "J")), "Smith - 2020.pdf"),
        (article("A title", "", Creator("Smith", "J")), "Smith - A title.pdf"),
        (article("A title", "Spring 2019"), "2019 - A title.pdf"),
        (article("", "", Creator("Smith")), "Smith.pdf"),
        (article("", "2020"), "2020.pdf"),
        (article(), "attachment.pdf"),
        (article("", "n.d.", Creator(literal="  ")), "attachment.pdf"),
        (article("???", "", Creator(literal="***")), "attachment.pdf"),
        (article("", "", shortTitle="Short"), "Short.pdf"),
    ],
)
def test_missing_parts_are_left_out_with_their_separator(item: Item, expected: str) -> None:
    assert attachment_name(item, ".pdf") == expected


def test_creator_is_an_author_first_then_an_editor_and_a_literal_name_counts() -> None:
    editor_first = article(
        "T", "2020", Creator("Editor", "E", role="editor"), Creator("Author", "A")
    )
    assert attachment_name(editor_first, ".pdf") == "Author - 2020 - T.pdf"
    only_editor = article("T", "2020", Creator("Editor", "E", role="editor"))
    assert attachment_name(only_editor, ".pdf") == "Editor - 2020 - T.pdf"
    institution = article("T", "2020", Creator(literal="World Health Organization"))
    assert attachment_name(institution, ".pdf") == "World Health Organization - 2020 - T.pdf"
    only_translator = article("T", "", Creator("Tr", role="translator"))
    assert attachment_name(only_translator, ".pdf") == "Tr - T.pdf"


def test_a_very_long_creator_is_cut_at_a_word() -> None:
    long_name = "Consortium for the Study of Very Long Institutional Names in Reference Lists"
    name = attachment_name(article("T", "2020", Creator(literal=long_name)), ".pdf")
    creator = name.split(" - ")[0]
    assert len(creator) <= 40
    assert long_name.startswith(creator)
    assert long_name[len(creator)] == " "
    assert name.endswith(" - 2020 - T.pdf")


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [(".pdf", ".pdf"), ("pdf", ".pdf"), (".PDF", ".pdf"), ("", ""), (".tar.gz", ".tar.gz")],
)
def test_suffix_is_normalised(suffix: str, expected: str) -> None:
    assert attachment_name(article("Title"), suffix) == "Title" + expected


@pytest.mark.parametrize("suffix", [".p df", "/etc", ".pdf\u202e", "." + "x" * 30, ".", ".pdf?"])
def test_a_suffix_that_is_no_plain_extension_is_dropped(suffix: str) -> None:
    assert attachment_name(article("Title"), suffix) == "Title"


def test_characters_illegal_on_some_system_are_replaced() -> None:
    item = article('Cancer: a review/overview of "NK" cells <in vivo> | p*q? C:\\path')
    name = attachment_name(item, ".pdf")
    assert name == "Cancer - a review-overview of 'NK' cells in vivo - pq C--path.pdf"
    assert_valid_name(name)


def test_control_and_invisible_characters_are_removed() -> None:
    # U+202E (right-to-left override) would show `evil\u202efdp.exe` as `evilexe.pdf`.
    item = article("evil\u202efdp.exe\x00 line\nbreak\ttab\x7f\u200bzero\u2028sep\ufeff")
    name = attachment_name(item, ".pdf")
    assert name == "evilfdp.exe line break tab zero sep.pdf"
    assert_valid_name(name)


def test_joiners_persian_and_indic_words_need_are_kept() -> None:
    title = "می\u200cخواهم"
    assert attachment_name(article(title), ".pdf") == title + ".pdf"
    assert attachment_name(article("\u200d\u200c"), ".pdf") == "attachment.pdf"
    assert attachment_name(article("a\u200d"), ".pdf") == "a.pdf"


def test_names_are_nfc() -> None:
    name = attachment_name(article("Caf\u0065\u0301 Mu\u0308ller", "", Creator("Cre\u0300me")), "")
    assert name == "Crème - Café Müller"
    assert unicodedata.is_normalized("NFC", name)


def test_markup_in_titles_is_stripped() -> None:
    item = article("Genome-wide screens identify <i>TP53</i> and CO<sub>2</sub> regulators")
    assert (
        attachment_name(item, ".pdf") == "Genome-wide screens identify TP53 and CO2 regulators.pdf"
    )
    small_caps = article('<span style="font-variant:small-caps;">Nk</span> cells')
    assert attachment_name(small_caps, ".pdf") == "Nk cells.pdf"


def test_trailing_dots_and_leading_dots_go() -> None:
    assert attachment_name(article("A study.", "2020"), ".pdf") == "2020 - A study.pdf"
    assert attachment_name(article("...and justice for all"), ".pdf") == "and justice for all.pdf"
    assert attachment_name(article(".hidden"), "") == "hidden"
    assert attachment_name(article("Ends with dots . . ."), "") == "Ends with dots"


def test_a_long_title_is_cut_at_a_word_without_ellipsis() -> None:
    words = [f"word{n}" for n in range(60)]
    title = " ".join(words)
    name = attachment_name(article(title, "2020", Creator("Smith")), ".pdf")
    assert_valid_name(name)
    assert len(name) <= NAME_MAX_CHARS
    assert "…" not in name
    assert "..." not in name
    kept = name.removeprefix("Smith - 2020 - ").removesuffix(".pdf")
    assert kept.split(" ") == words[: len(kept.split(" "))]
    assert len(kept) > 60  # the cut uses the room it has


def test_a_title_without_spaces_is_cut_hard() -> None:
    name = attachment_name(article("x" * 500), ".pdf")
    assert_valid_name(name)
    assert name == "x" * (NAME_MAX_CHARS - 5) + ".pdf"


def test_cjk_titles_keep_under_the_byte_limit() -> None:
    title = "日本語のタイトルはとても長い" * 30
    name = attachment_name(article(title, "2020", Creator("山田", "太郎")), ".pdf")
    assert_valid_name(name)
    assert len(name.encode()) <= NAME_MAX_BYTES
    assert len(name.encode()) > NAME_MAX_BYTES - 4  # no room wasted
    assert name.startswith("山田 - 2020 - 日本語のタイトル")


def test_a_cut_never_separates_a_letter_from_its_accents() -> None:
    # Letters with two marks each: NFC leaves one mark combining.
    letter = unicodedata.normalize("NFC", "q\u0307\u0323")
    assert len(letter) == 3
    for max_bytes in range(24, 80):
        name = attachment_name(article(letter * 100), "", max_bytes)
        assert name == letter * (len(name) // 3)
        assert len(name.encode()) <= max_bytes


def test_emoji_sequences_are_not_left_with_a_dangling_joiner() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    name = attachment_name(article(family * 40), "")
    assert not name.endswith("\u200d")
    assert_valid_name(name)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("CON", "CON_.pdf"),
        ("con", "con_.pdf"),
        ("Nul", "Nul_.pdf"),
        ("aux.notes", "aux_.notes.pdf"),
        ("COM1", "COM1_.pdf"),
        ("lpt9", "lpt9_.pdf"),
        ("COM¹", "COM¹_.pdf"),
        ("CONSOLE", "CONSOLE.pdf"),
        ("Con artists", "Con artists.pdf"),
    ],
)
def test_windows_device_names_are_avoided(title: str, expected: str) -> None:
    assert attachment_name(article(title), ".pdf") == expected


def test_a_device_name_as_creator_alone() -> None:
    assert attachment_name(article("", "", Creator(literal="PRN")), "") == "PRN_"


def test_max_bytes_is_honoured_and_too_small_is_refused() -> None:
    item = article("A fairly long title about something", "2020", Creator("Smith"))
    name = attachment_name(item, ".pdf", 30)
    assert len(name.encode()) <= 30
    assert name.startswith("Smith - 2020")
    assert name.endswith(".pdf")
    with pytest.raises(ValueError, match="at least"):
        attachment_name(item, ".pdf", 10)


names_text = st.text(
    alphabet=st.characters(codec="utf-8"), max_size=300
)  # any code point UTF-8 can carry


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=names_text,
    family=names_text,
    literal=st.text(max_size=60),
    date=st.text(max_size=20),
    suffix=st.sampled_from([".pdf", ".PDF", "", ".epub", ".tar.gz", "pdf", ". x"]),
    max_bytes=st.integers(min_value=24, max_value=255),
)
def test_any_title_gives_a_valid_name(
    title: str, family: str, literal: str, date: str, suffix: str, max_bytes: int
) -> None:
    item = article(title, date, Creator(family), Creator(literal=literal))
    name = attachment_name(item, suffix, max_bytes)
    assert_valid_name(name, max_bytes)


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from('CONPRAUXLTM19¹ .:"<>|?*/\\\x00\x1f'), max_size=12))
def test_names_made_of_dangerous_characters_are_still_valid(title: str) -> None:
    assert_valid_name(attachment_name(article(title), ".pdf"))


# ---------------------------------------------------------------------------------- copying


def test_store_copy_copies_hashes_and_sniffs_in_one_go(tmp_path: Path) -> None:
    source = make_pdf(tmp_path / "in.pdf")
    folder = tmp_path / "library" / "files" / "ABCD2345"
    stored = store_copy(source, folder, "Smith - 2020 - T.pdf")
    assert stored.path == folder / "Smith - 2020 - T.pdf"
    data = source.read_bytes()
    assert stored.path.read_bytes() == data
    assert stored.sha256 == hashlib.sha256(data).hexdigest() == sha256_of(stored.path)
    assert stored.size == len(data) == stored.path.stat().st_size
    assert stored.content_type == "application/pdf"
    assert source.read_bytes() == data  # the source stays where it was
    assert leftovers(folder) == []


def test_store_copy_of_a_large_file_over_many_chunks(tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 12345)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    stored = store_copy(source, tmp_path / "out", "big.bin")
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert stored.path.read_bytes() == data
    assert stored.content_type == "application/octet-stream"


def test_store_copy_of_an_empty_file(tmp_path: Path) -> None:
    source = tmp_path / "empty.pdf"
    source.write_bytes(b"")
    stored = store_copy(source, tmp_path / "out", "empty.pdf")
    assert stored.size == 0
    assert stored.sha256 == hashlib.sha256(b"").hexdigest()
    assert stored.path.read_bytes() == b""
    assert stored.content_type == "application/pdf"  # nothing to sniff: the extension says
    blank = tmp_path / "blank"
    blank.write_bytes(b"")
    assert store_copy(blank, tmp_path / "out", "blank").content_type == ("application/octet-stream")


def test_a_taken_name_gets_a_number_and_nothing_is_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    paths = []
    for n in range(4):
        source = tmp_path / f"s{n}.pdf"
        source.write_bytes(b"%PDF-1.4 " + bytes([n]))
        paths.append(store_copy(source, folder, "Smith - 2020 - T.pdf").path)
    assert [p.name for p in paths] == [
        "Smith - 2020 - T.pdf",
        "Smith - 2020 - T (2).pdf",
        "Smith - 2020 - T (3).pdf",
        "Smith - 2020 - T (4).pdf",
    ]
    assert [p.read_bytes()[-1] for p in paths] == [0, 1, 2, 3]
    assert leftovers(folder) == []


def test_numbered_names_without_suffix_and_with_dots_in_the_title(tmp_path: Path) -> None:
    source = tmp_path / "s"
    source.write_bytes(b"x")
    folder = tmp_path / "f"
    assert store_copy(source, folder, "notes").path.name == "notes"
    assert store_copy(source, folder, "notes").path.name == "notes (2)"
    assert store_copy(source, folder, "v2.0 of a study").path.name == "v2.0 of a study"
    assert store_copy(source, folder, "v2.0 of a study").path.name == "v2.0 of a study (2)"


def test_a_name_that_is_only_an_extension_is_numbered_without_a_leading_space(
    tmp_path: Path,
) -> None:
    source = tmp_path / "s"
    source.write_bytes(b"x")
    folder = tmp_path / "f"
    assert store_copy(source, folder, ".pdf").path.name == ".pdf"
    assert store_copy(source, folder, ".pdf").path.name == "(2).pdf"


def test_a_numbered_name_stays_within_the_file_system_limit(tmp_path: Path) -> None:
    source = tmp_path / "s.pdf"
    source.write_bytes(b"x")
    name = "é" * 125 + ".pdf"  # 254 bytes
    folder = tmp_path / "f"
    try:
        first = store_copy(source, folder, name)
    except AttachmentError as exc:  # pragma: no cover - a file system with shorter names
        pytest.skip(str(exc))
    second = store_copy(source, folder, name)
    assert first.path.name == name
    assert second.path.name.endswith(" (2).pdf")
    assert len(second.path.name.encode()) <= 255


def test_unique_names_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*_args: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    folder = tmp_path / "f"
    names = []
    for n in range(3):
        source = tmp_path / f"s{n}"
        source.write_bytes(bytes([n]))
        names.append(store_copy(source, folder, "a.pdf").path.name)
    assert names == ["a.pdf", "a (2).pdf", "a (3).pdf"]
    assert [(folder / n).read_bytes() for n in names] == [b"\0", b"\1", b"\2"]
    assert leftovers(folder) == []


def test_a_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "gone.pdf"
    folder = tmp_path / "f"
    with pytest.raises(AttachmentError, match=r"gone\.pdf.*does not exist") as info:
        store_copy(missing, folder, "x.pdf")
    assert isinstance(info.value, CitelibError)
    assert info.value.path == missing
    assert not folder.exists()


def test_a_folder_as_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match="is a folder"):
        store_copy(tmp_path, tmp_path / "f", "x.pdf")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_pipe_as_source_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(AttachmentError, match="not a regular file"):
        store_copy(fifo, tmp_path / "f", "x.pdf")


@pytest.mark.parametrize("name", ["", ".", "..", "a/b.pdf", "a\\b.pdf", "a\0b", "x" * 256])
def test_store_copy_refuses_names_that_are_not_plain(tmp_path: Path, name: str) -> None:
    source = tmp_path / "s"
    source.write_bytes(b"x")
    with pytest.raises(ValueError, match="not a plain file name"):
        store_copy(source, tmp_path / "f", name)


class _FailingReader:
    """A real file that fails with EIO after its first chunk (a USB stick pulled out)."""

    def __init__(self, path: Path) -> None:
        self._f = open(path, "rb")  # noqa: SIM115 - closed by __exit__
        self._reads = 0

    def __enter__(self) -> _FailingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._f.close()

    def fileno(self) -> int:
        return self._f.fileno()

    def readinto(self, buf: bytearray) -> int:
        self._reads += 1
        if self._reads > 1:
            raise OSError(5, "Input/output error")
        return self._f.readinto(buf)


def test_a_source_that_vanishes_midway_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "stick.pdf"
    source.write_bytes(os.urandom(3 << 20))
    folder = tmp_path / "f"
    real_open = open

    def fake_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if Path(path) == source:
            return _FailingReader(source)
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(files, "open", fake_open, raising=False)
    with pytest.raises(AttachmentError, match=r"stick\.pdf.*reading it failed.*Input/output"):
        store_copy(source, folder, "x.pdf")
    assert list(folder.iterdir()) == []


def test_a_source_truncated_midway_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "downloading.pdf"
    source.write_bytes(os.urandom(3 << 20))
    folder = tmp_path / "f"
    real_open = open

    class Truncating(_FailingReader):
        def readinto(self, buf: bytearray) -> int:
            n = self._f.readinto(buf)
            os.truncate(source, 1000)  # another program rewrites the file meanwhile
            return n

    def fake_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if Path(path) == source:
            return Truncating(source)
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(files, "open", fake_open, raising=False)
    with pytest.raises(AttachmentError, match=r"downloading\.pdf.*changed while"):
        store_copy(source, folder, "x.pdf")
    assert list(folder.iterdir()) == []


def test_a_full_disk_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "s.pdf"
    source.write_bytes(b"%PDF-1.7 data")
    folder = tmp_path / "f"

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd: int) -> None:
            self._f = real_fdopen(fd, "wb")

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self._f.close()

        def write(self, data: bytes) -> int:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Full(fd))
    with pytest.raises(AttachmentError, match=r"s\.pdf.*No space left") as info:
        store_copy(source, folder, "x.pdf")
    assert str(folder) in str(info.value)
    assert list(folder.iterdir()) == []


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "s.pdf"
    source.write_bytes(b"x")
    blocker = tmp_path / "file-not-folder"
    blocker.write_bytes(b"")
    with pytest.raises(AttachmentError, match="Cannot create the folder"):
        store_copy(source, blocker / "sub", "x.pdf")


# ---------------------------------------------------------------------------------- renaming


def stored_file(folder: Path, name: str, data: bytes = b"data") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def test_rename_follows_new_metadata(tmp_path: Path) -> None:
    old = stored_file(tmp_path, "Smith - 2020 - Old.pdf")
    new = rename_stored(old, "Smith - 2021 - New.pdf")
    assert new == tmp_path / "Smith - 2021 - New.pdf"
    assert new.read_bytes() == b"data"
    assert not old.exists()


def test_rename_to_the_same_name_is_a_no_op(tmp_path: Path) -> None:
    path = stored_file(tmp_path, "a.pdf")
    assert rename_stored(path, "a.pdf") == path
    assert path.read_bytes() == b"data"


def test_rename_never_overwrites_another_file(tmp_path: Path) -> None:
    other = stored_file(tmp_path, "b.pdf", b"other")
    path = stored_file(tmp_path, "a.pdf")
    new = rename_stored(path, "b.pdf")
    assert new.name == "b (2).pdf"
    assert other.read_bytes() == b"other"
    assert new.read_bytes() == b"data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b (2).pdf", "b.pdf"]


def test_a_numbered_twin_asked_for_its_plain_name_stays_put(tmp_path: Path) -> None:
    stored_file(tmp_path, "T.pdf", b"first")
    twin = stored_file(tmp_path, "T (2).pdf", b"second")
    assert rename_stored(twin, "T.pdf") == twin
    assert twin.read_bytes() == b"second"


def test_a_change_of_case_only(tmp_path: Path) -> None:
    path = stored_file(tmp_path, "smith - 2020.pdf")
    new = rename_stored(path, "Smith - 2020.pdf")
    assert new.name == "Smith - 2020.pdf"
    assert [p.name for p in tmp_path.iterdir()] == ["Smith - 2020.pdf"]


def test_rename_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*_args: Any) -> None:
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(os, "link", no_links)
    stored_file(tmp_path, "b.pdf", b"other")
    path = stored_file(tmp_path, "a.pdf")
    assert rename_stored(path, "b.pdf").name == "b (2).pdf"
    assert (tmp_path / "b.pdf").read_bytes() == b"other"


def test_renaming_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match=r"gone\.pdf.*does not exist"):
        rename_stored(tmp_path / "gone.pdf", "new.pdf")
    with pytest.raises(AttachmentError, match="not a file"):
        rename_stored(tmp_path, "new")
    with pytest.raises(ValueError, match="not a plain file name"):
        rename_stored(stored_file(tmp_path, "a.pdf"), "../escape.pdf")


# ---------------------------------------------------------------------------------- content


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def epub(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", "<container/>")
    return path


def plain_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.txt", "a")
    return path


@pytest.mark.parametrize(
    ("name", "maker", "expected"),
    [
        ("paper.pdf", make_pdf, "application/pdf"),
        ("paper.bin", make_pdf, "application/pdf"),
        ("junk-first.dat", lambda p: write(p, b"\x00" * 300 + b"%PDF-1.4\n"), "application/pdf"),
        ("book.epub", epub, "application/epub+zip"),
        ("book.zip", epub, "application/epub+zip"),
        ("data.zip", plain_zip, "application/zip"),
        ("data", plain_zip, "application/zip"),
        (
            "doc.docx",
            plain_zip,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("page.zip", lambda p: write(p, b"\x89PNG\r\n\x1a\n" + b"\0" * 20), "image/png"),
        ("photo", lambda p: write(p, b"\xff\xd8\xff\xe0\0\x10JFIF"), "image/jpeg"),
        ("anim.png", lambda p: write(p, b"GIF89a\x01\0"), "image/gif"),
        ("page.pdf", lambda p: write(p, b"\xef\xbb\xbf\n  <!DOCTYPE html><html>"), "text/html"),
        ("page", lambda p: write(p, b"<HTML><body>x</body></HTML>"), "text/html"),
        ("x.xhtml", lambda p: write(p, b'<?xml version="1.0"?>\n<html xmlns="x">'), "text/html"),
        ("notes.txt", lambda p: write(p, "Grüße\n".encode()), "text/plain"),
        ("notes", lambda p: write(p, b"plain words\r\n\tindented"), "text/plain"),
        ("fake.pdf", lambda p: write(p, b"not a pdf at all"), "text/plain"),
        ("refs.bib", lambda p: write(p, b"@article{a, title={T}}"), "text/plain"),
        ("table.csv", lambda p: write(p, b"a,b\n1,2\n"), "text/csv"),
        ("data.json", lambda p: write(p, b'{"a": 1}'), "application/json"),
        ("utf16.txt", lambda p: write(p, "hi".encode("utf-16")), "text/plain"),
        ("cut.txt", lambda p: write(p, ("a" * 4095 + "é").encode()), "text/plain"),
        ("latin1.txt", lambda p: write(p, "Grüße".encode("latin-1")), "text/plain"),
        ("blob", lambda p: write(p, bytes(range(256))), "application/octet-stream"),
        (
            "blob.docx",
            lambda p: write(p, b"\x00\x01\x02"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("empty", lambda p: write(p, b""), "application/octet-stream"),
        ("empty.epub", lambda p: write(p, b""), "application/epub+zip"),
    ],
)
def test_sniff_content_type(tmp_path: Path, name: str, maker: Any, expected: str) -> None:
    path = maker(tmp_path / name)
    assert sniff_content_type(path) == expected


def test_sniffing_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match=r"nothing\.pdf.*does not exist"):
        sniff_content_type(tmp_path / "nothing.pdf")
    with pytest.raises(AttachmentError, match=r"nothing\.pdf.*does not exist"):
        sha256_of(tmp_path / "nothing.pdf")
    with pytest.raises(AttachmentError, match="folder"):
        sha256_of(tmp_path)


def test_sha256_of_matches_hashlib(tmp_path: Path) -> None:
    data = os.urandom((1 << 20) + 7)
    path = write(tmp_path / "x", data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()
    assert sha256_of(write(tmp_path / "e", b"")) == hashlib.sha256(b"").hexdigest()


def test_is_pdf(tmp_path: Path) -> None:
    assert is_pdf(make_pdf(tmp_path / "real.pdf"))
    assert is_pdf(write(tmp_path / "offset", b" " * 1000 + b"%PDF-1.7"))
    assert not is_pdf(write(tmp_path / "late", b" " * 1020 + b"%PDF-1.7"))
    assert not is_pdf(write(tmp_path / "html.pdf", b"<html>"))
    assert not is_pdf(write(tmp_path / "empty.pdf", b""))
    assert not is_pdf(tmp_path / "missing.pdf")
    assert not is_pdf(tmp_path)


def test_opens_as_pdf_needs_the_extension_and_the_content(tmp_path: Path) -> None:
    assert opens_as_pdf(make_pdf(tmp_path / "real.PDF"))
    assert not opens_as_pdf(make_pdf(tmp_path / "report.exe"))
    assert not opens_as_pdf(make_pdf(tmp_path / "report.pdf.html"))
    assert not opens_as_pdf(write(tmp_path / "page.pdf", b"<html><script>"))
    assert not opens_as_pdf(tmp_path / "missing.pdf")
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    assert not opens_as_pdf(folder)


# ---------------------------------------------------------------------------------- relinking


def tree(root: Path, spec: dict[str, bytes]) -> None:
    for rel, data in spec.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_find_by_name_searches_below_and_ignores_case(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "papers/2020/Smith - 2020 - T.pdf": b"a",
            "papers/other/SMITH - 2020 - T.PDF": b"b",
            "papers/deep/er/still/jones.pdf": b"c",
            "papers/unrelated.pdf": b"d",
        },
    )
    found = find_by_name([tmp_path / "papers"], {"smith - 2020 - t.pdf", "Jones.pdf", "nope.pdf"})
    assert set(found) == {"smith - 2020 - t.pdf", "Jones.pdf"}
    assert found["Jones.pdf"] == [tmp_path / "papers/deep/er/still/jones.pdf"]
    assert sorted(p.name for p in found["smith - 2020 - t.pdf"]) == [
        "SMITH - 2020 - T.PDF",
        "Smith - 2020 - T.pdf",
    ]
    assert all(v for v in found.values())


def test_find_by_name_matches_nfd_names_as_macos_stores_them(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Müller - 2019.pdf")
    tree(tmp_path, {nfd: b"x"})
    found = find_by_name([tmp_path], {"Müller - 2019.pdf"})
    assert [p.name for p in found["Müller - 2019.pdf"]] == [nfd]


def test_same_case_name_is_preferred_when_nothing_else_tells(tmp_path: Path) -> None:
    tree(tmp_path, {"a/PAPER.PDF": b"1", "b/paper.pdf": b"2"})
    found = find_by_name([tmp_path], {"paper.pdf", "Paper.PDF"})
    assert found["paper.pdf"][0] == tmp_path / "b/paper.pdf"
    assert found["Paper.PDF"] == sorted(found["Paper.PDF"], key=str)  # then path order


def test_candidates_of_the_expected_size_and_hash_come_first(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "a/x.pdf": b"different size",
            "b/x.pdf": b"same size 1",
            "c/x.pdf": b"same size 2",
            "d/y.pdf": b"only one",
        },
    )
    wanted = hashlib.sha256(b"same size 2").hexdigest()
    found = find_by_name(
        [tmp_path],
        {"x.pdf", "y.pdf"},
        expected={"x.pdf": Expected(size=11, sha256=wanted.upper()), "y.pdf": Expected(size=1)},
    )
    assert found["x.pdf"] == [tmp_path / "c/x.pdf", tmp_path / "b/x.pdf", tmp_path / "a/x.pdf"]
    assert found["y.pdf"] == [tmp_path / "d/y.pdf"]
    by_size = find_by_name([tmp_path], {"x.pdf"}, expected={"x.pdf": Expected(size=14)})
    assert by_size["x.pdf"][0] == tmp_path / "a/x.pdf"


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_symlink_loops_do_not_hang_and_nothing_is_found_twice(tmp_path: Path) -> None:
    tree(tmp_path, {"root/sub/x.pdf": b"x"})
    (tmp_path / "root/sub/loop").symlink_to(tmp_path / "root", target_is_directory=True)
    (tmp_path / "root/self").symlink_to(tmp_path / "root/sub", target_is_directory=True)
    elsewhere = tmp_path / "elsewhere"
    tree(elsewhere, {"y.pdf": b"y"})
    (tmp_path / "root/linked").symlink_to(elsewhere, target_is_directory=True)
    found = find_by_name([tmp_path / "root", tmp_path / "root/sub"], {"x.pdf", "y.pdf"})
    assert len(found["x.pdf"]) == 1
    assert found["y.pdf"] == [tmp_path / "root/linked/y.pdf"]


def test_progress_is_told_each_folder(tmp_path: Path) -> None:
    tree(tmp_path, {"a/1": b"", "a/b/2": b"", "c/3": b""})
    seen: list[tuple[int, Path]] = []
    find_by_name([tmp_path], {"2"}, progress=lambda n, folder: seen.append((n, folder)))
    assert [n for n, _ in seen] == [1, 2, 3, 4]
    assert {f for _, f in seen} == {tmp_path, tmp_path / "a", tmp_path / "a/b", tmp_path / "c"}


def test_find_by_name_can_be_cancelled(tmp_path: Path) -> None:
    tree(tmp_path, {f"d{n:02}/x.pdf": b"x" for n in range(20)})
    calls = 0

    def cancel_after_five() -> bool:
        nonlocal calls
        calls += 1
        return calls > 5

    found = find_by_name([tmp_path], {"x.pdf"}, cancel=cancel_after_five)
    assert len(found["x.pdf"]) == 4  # the root, then four folders before the cancel
    assert find_by_name([tmp_path], {"x.pdf"}, cancel=lambda: True) == {}


def test_cancel_is_checked_inside_a_huge_folder(tmp_path: Path) -> None:
    for n in range(2500):
        (tmp_path / f"f{n}").touch()
    calls = 0

    def cancel_second_time() -> bool:
        nonlocal calls
        calls += 1
        return calls >= 2

    find_by_name([tmp_path], {"f1"}, cancel=cancel_second_time)
    assert calls == 2  # told within the first 1000 entries


def test_a_missing_folder_to_search_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match=r"nowhere.*not a folder"):
        find_by_name([tmp_path / "nowhere"], {"x.pdf"})
    assert find_by_name([tmp_path], set()) == {}


def _as_nobody(search: Callable[[], dict[str, list[Path]]]) -> dict[str, list[str]]:
    """Run `search` in a forked child that has dropped root for the user nobody (root reads a
    folder whatever its permissions: the CI runs as root), and return what it found."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never back into pytest
        code = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            seen = {name: [str(p) for p in paths] for name, paths in search().items()}
            os.write(write_end, json.dumps(seen).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    found: dict[str, list[str]] = json.loads(data)
    return found


NOBODY = 65534


@pytest.mark.skipif(os.name == "nt", reason="needs POSIX permissions")
def test_unreadable_folders_are_skipped(tmp_path: Path) -> None:
    as_root = os.geteuid() == 0
    # nobody must reach the folder: not under pytest's own (owner-only) temporary folders
    root = Path(tempfile.mkdtemp(dir="/tmp")) if as_root else tmp_path
    try:
        root.chmod(0o755)
        tree(root, {"locked/x.pdf": b"x", "open/x.pdf": b"x"})
        (root / "locked").chmod(0)

        def search() -> dict[str, list[Path]]:
            return find_by_name([root], {"x.pdf"})

        found = (
            _as_nobody(search)
            if as_root
            else {name: [str(p) for p in paths] for name, paths in search().items()}
        )
        assert found == {"x.pdf": [str(root / "open/x.pdf")]}
    finally:
        (root / "locked").chmod(0o755)
        if as_root:
            shutil.rmtree(root)


# ---------------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1#c", "https://example.org/a?b=1#c"),
        ("http://example.org", "http://example.org"),
        ("  HTTPS://Example.ORG/Path  ", "https://example.org/Path"),
        ("https://de.wikipedia.org/wiki/Übersicht", "https://de.wikipedia.org/wiki/Übersicht"),
        ("https://bücher.de/", "https://bücher.de/"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("www.jstor.org/stable/123", "https://www.jstor.org/stable/123"),
        ("doi:10.1038/nature12373", "https://doi.org/10.1038/nature12373"),
        ("DOI: 10.1038/nature12373", "https://doi.org/10.1038/nature12373"),
        ("10.1038/nature12373", "https://doi.org/10.1038/nature12373"),
        (
            "doi:10.1002/(SICI)1097-4636<1::AID>3.0.CO;2-#",
            "https://doi.org/10.1002/(SICI)1097-4636%3C1::AID%3E3.0.CO;2-%23",
        ),
        ("https://doi.org/10.1/x", "https://doi.org/10.1/x"),
    ],
)
def test_safe_url_allows(url: str, expected: str) -> None:
    assert safe_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "javascript\x00:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "FILE://C:/Windows/system32/calc.exe",
        "vbscript:msgbox(1)",
        "mailto:a@example.org?attach=/etc/passwd",
        "ftp://example.org/x",
        "https:example.org",
        "https:///example.org",
        "https://",
        "https://example.org@evil.example/",
        "https://user:pw@example.org/",
        "https:\\\\evil.example",
        "https://example.org\\@evil.example",
        "https://exa mple.org",
        "https://example.org/a b",
        "https://example.org/\u202egnp.exe",
        "https://example.org/\u200b",
        "http://example.org:99999999/",
        "http://[::1/",
        "example.org/path",
        "/etc/passwd",
        "C:\\Windows\\calc.exe",
        "doi:",
        "doi:javascript:alert(1)",
        "doi:10.1/x y",
        "10.1/x",
        "",
        "   ",
        "https://example.org/" + "a" * 9000,
    ],
)
def test_safe_url_refuses(url: str) -> None:
    assert safe_url(url) is None


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_safe_url_only_ever_gives_clean_http_urls(text: str) -> None:
    result = safe_url(text)
    if result is not None:
        assert result.startswith(("http://", "https://"))
        assert not any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in result)


@settings(max_examples=300)
@given(
    scheme=st.sampled_from(["javascript", "data", "file", "vbscript"]),
    cases=st.lists(st.booleans(), min_size=10, max_size=10),
    junk=st.lists(st.sampled_from(["\t", "\n", "\r", "\x00", "\x0b", "\u200b", "\u00ad"])),
    where=st.lists(st.integers(min_value=0, max_value=10)),
    pad=st.sampled_from(["", " ", "\t", "\n ", "\u00a0", "\x0c"]),
)
def test_dangerous_schemes_are_refused_however_disguised(
    scheme: str, cases: list[bool], junk: list[str], where: list[int], pad: str
) -> None:
    letters = [ch.upper() if up else ch for ch, up in zip(scheme, cases, strict=False)]
    for ch, at in zip(junk, where, strict=False):
        letters.insert(min(at, len(letters)), ch)
    url = pad + "".join(letters) + ":alert(1)//https://example.org"
    assume(url.strip())
    assert safe_url(url) is None
