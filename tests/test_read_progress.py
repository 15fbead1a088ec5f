"""Reading a file reports how far it has got, and a callback that raises stops the read."""

from __future__ import annotations

from pathlib import Path

import pytest

from citelib.formats import read_file, write_file
from tests.guitools import synthetic_items

FORMATS = [("ris", ".ris"), ("bibtex", ".bib"), ("endnote-xml", ".xml"), ("nbib", ".nbib")]


class Stop(Exception):
    pass


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("progress")
    items = synthetic_items(6000)
    for item in items:
        item.set("abstract", "A synthetic abstract, long enough to make the file big. " * 4)
    out = {}
    for name, suffix in FORMATS:
        path = folder / f"refs{suffix}"
        write_file(path, items, name)
        assert path.stat().st_size > 2 << 20  # several blocks
        out[name] = path
    return out


@pytest.mark.parametrize("name", [n for n, _ in FORMATS])
def test_progress_rises_to_the_file_size(files: dict[str, Path], name: str) -> None:
    path = files[name]
    seen: list[tuple[int, int]] = []
    result = read_file(path, name, progress=lambda done, total: seen.append((done, total)))
    size = path.stat().st_size
    assert result.records == 6000
    assert len(seen) > 2
    assert {total for _, total in seen} == {size}
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert done[0] < size
    assert done[-1] == size


@pytest.mark.parametrize("name", [n for n, _ in FORMATS])
def test_a_raising_callback_stops_the_read_early(files: dict[str, Path], name: str) -> None:
    path = files[name]
    seen: list[int] = []

    def stop_at_a_quarter(done: int, total: int) -> None:
        seen.append(done)
        if done > total // 4:
            raise Stop

    with pytest.raises(Stop):
        read_file(path, name, progress=stop_at_a_quarter)
    assert seen[-1] < path.stat().st_size  # it did not read on to the end


def test_reads_without_a_callback_report_nothing(files: dict[str, Path]) -> None:
    seen: list[int] = []
    read_file(files["ris"], "ris", progress=lambda done, _total: seen.append(done))
    count = len(seen)
    read_file(files["ris"], "ris")  # the callback was for that read only
    assert len(seen) == count
