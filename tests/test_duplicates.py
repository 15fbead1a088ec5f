"""Likely duplicates on import: Zotero's rule, against the library and within a file."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from citelib import model
from citelib.formats import ris
from citelib.library import Library, Scope
from citelib.library.duplicates import (
    SAME_DOI,
    SAME_ISBN,
    SAME_TITLE,
    isbn13,
    key_of,
    match,
    within,
)
from citelib.model import Creator, Item
from tests.conftest import run_cli


def article(title: str, year: str = "2020", *people: Creator, **fields: str) -> Item:
    return Item("journalArticle", {"title": title, "date": year, **fields}, list(people))


SMITH = Creator("Testperson", "Alpha")


def why(a: Item, b: Item) -> str | None:
    return match(key_of(a), key_of(b))


def test_doi_decides_either_way() -> None:
    a = article("One title", "2020", SMITH, DOI="10.5555/ABC")
    assert why(a, article("Another", "1990", DOI="10.5555/abc")) == SAME_DOI
    # a different DOI rules out a match even with the same title, year and author
    assert why(a, article("One title", "2020", SMITH, DOI="10.5555/other")) is None


def test_isbn_decides_either_way_with_10_and_13_forms() -> None:
    a = Item("book", {"title": "Book", "ISBN": "0306406152"})
    assert why(a, Item("book", {"title": "Other", "ISBN": "978-0-306-40615-7"})) == SAME_ISBN
    assert why(a, Item("book", {"title": "Book", "ISBN": "9780000000002"})) is None
    assert isbn13("0306406152") == "9780306406157"


def test_title_year_and_creator() -> None:
    a = article("CAR-NK cells: a synthetic review", "2020", SMITH)
    same = article("Car NK Cells — A Synthetic Review.", "2021", Creator("Testperson", "A."))
    assert why(a, same) == SAME_TITLE
    assert why(a, article("CAR-NK cells: a synthetic review", "2022", SMITH)) is None  # 2 years
    assert (
        why(a, article("CAR-NK cells: a synthetic review", "2020", Creator("Other", "A"))) is None
    )
    assert (
        why(a, article("CAR-NK cells: a synthetic review", "")) == SAME_TITLE
    )  # no year, no names
    assert why(a, article("CAR-NK cells: another review", "2020", SMITH)) is None
    assert why(article("", "2020", SMITH), article("", "2020", SMITH)) is None  # no title
    accents = article("Ünique", "2020", Creator("Østby", "Åse"))
    assert why(accents, article("unique", "2020", Creator("ostby", "ase"))) == SAME_TITLE
    org = article("Report", "2020", Creator(literal="Synthetic Health Organisation"))
    assert why(org, article("report", "2020", Creator(literal="synthetic health organisation")))


def test_within_a_file() -> None:
    items = [
        article("First", "2020", SMITH, DOI="10.5555/1"),
        article("Second", "2020", SMITH),
        article("first (copy)", "2020", DOI="10.5555/1"),
        article("SECOND", "2021", SMITH),
        article("Second", "2030", SMITH),
    ]
    found = within([key_of(i) for i in items])
    assert [(d.index, d.earlier, d.reason) for d in found] == [(2, 0, SAME_DOI), (3, 1, SAME_TITLE)]


def test_against_the_library_and_the_trash(lib: Library) -> None:
    lib.add_items(
        [
            article("Library article", "2019", SMITH, DOI="10.5555/LIB"),
            Item("book", {"title": "Library book", "ISBN": "9780306406157"}),
            article("Titled only", "2018", SMITH),
            article("Trashed one", "2018", SMITH),
        ]
    )
    trashed = lib.item_ids("Trashed")
    lib.trash(trashed)
    incoming = [
        article(
            "Changed title",
            "2019",
            DOI="https://doi.org/10.5555/lib".removeprefix("https://doi.org/"),
        ),
        Item("book", {"title": "x", "ISBN": "0306406152"}),
        article("titled ONLY", "2019", Creator("Testperson", "Al")),
        article("Trashed one", "2018", SMITH),
        article("New", "2019", SMITH),
        article("New", "2019", SMITH),
    ]
    found = lib.find_duplicates(incoming)
    summary = [(d.index, d.reason, d.library_title, d.earlier) for d in found]
    assert summary == [
        (0, SAME_DOI, "Library article", None),
        (1, SAME_ISBN, "Library book", None),
        (2, SAME_TITLE, "Titled only", None),
        (5, SAME_TITLE, "", 4),
    ]
    assert all(d.library_key for d in found if d.library_id is not None)


def _ris(path: Path, items: list[Item]) -> Path:
    path.write_text(ris.dumps(items), encoding="utf-8")
    return path


def test_cli_reports_and_skips_duplicates(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    first = _ris(tmp_path / "first.ris", [article("Kept", "2020", SMITH, DOI="10.5555/K")])
    run_cli("import", str(first), library=lib, check=True)
    second = _ris(
        tmp_path / "second.ris",
        [
            article("Something else", "2020", DOI="10.5555/k"),
            article("Fresh", "2021", SMITH),
            article("fresh", "2021", SMITH),
        ],
    )
    proc = run_cli("import", str(second), "--skip-duplicates", library=lib, check=True)
    assert proc.stdout.strip() == (f"Imported 1 items from {second}; skipped 2 likely duplicates.")
    err = proc.stderr.splitlines()
    assert err[0].startswith(f"{second}:1: 'Something else' is likely a duplicate of library item ")
    assert err[0].endswith("'Kept' (same DOI); skipped")
    assert err[1] == (
        f"{second}:13: 'fresh' is likely a duplicate of the record at {second}:7 "
        "(same title, year and creator); skipped"
    )
    listed = run_cli("list", library=lib, check=True).stdout
    assert "Kept" in listed
    assert "Fresh" in listed
    assert "Something else" not in listed
    # without the option they are reported and imported
    proc = run_cli("import", str(second), library=lib, check=True)
    assert "3 likely duplicates (--skip-duplicates leaves them out)" in proc.stdout
    assert proc.stderr.count("imported anyway") == 3
    assert len(run_cli("list", library=lib, check=True).stdout.splitlines()) == 5


def test_cli_all_duplicates_skipped_changes_nothing(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    path = _ris(tmp_path / "a.ris", [article("Only", "2020", SMITH)])
    run_cli("import", str(path), library=lib, check=True)
    proc = run_cli("import", str(path), "--skip-duplicates", library=lib)
    assert proc.returncode != 0
    assert "all 1 records are likely duplicates; nothing imported" in proc.stderr
    assert len(run_cli("list", library=lib, check=True).stdout.splitlines()) == 1


def test_every_combining_mark_is_folded_away() -> None:
    marks = {cp for cp in range(0x110000) if unicodedata.combining(chr(cp))}
    assert marks == set(model._COMBINING)
    assert model.fold_text("Ångström Ñandú ǅ") == "angstrom nandu dz"


def test_the_library_s_own_duplicate_sets(lib: Library) -> None:
    jones = Creator("Jones", "Beta")
    items = [
        article("Synthetic NK cell study", "2020", SMITH, DOI="10.5555/SAME"),  # 0
        article("Another synthetic title", "1999", DOI="10.5555/same"),  # 1: DOI of 0
        article("Synthetic CAR-NK trial", "2021", SMITH),  # 2
        article("Synthetic CAR NK trial!", "2022", SMITH),  # 3: title of 2, year +1
        article("Synthetic CAR-NK trial", "2023", SMITH),  # 4: two years from 2, one from 3
        article("Synthetic CAR-NK trial", "2021", jones),  # 5: title of 2, no shared creator
        Item("book", {"title": "Synthetic book", "ISBN": "0-306-40615-2"}),  # 6
        Item("book", {"title": "Other synthetic book", "ISBN": "978-0-306-40615-7"}),  # 7
        article("Synthetic unique title", "2020", SMITH),  # 8
        article("Synthetic trashed twin", "2020", SMITH),  # 9
        article("Synthetic trashed twin", "2020", SMITH),  # 10, trashed below
    ]
    ids = list(lib.add_items(items).new_ids)
    lib.trash([ids[10]])
    sets = lib.duplicate_sets()
    # 2-3 and 3-4 match, so 2, 3 and 4 are one set although 2 and 4 do not match each other
    assert sets == [
        [ids[0], ids[1]],
        [ids[2], ids[3], ids[4]],
        [ids[6], ids[7]],
    ]
    page = lib.search("", Scope(ids=tuple(i for s in sets for i in s)), limit=50)
    assert page.total == 7
    assert lib.search("trial", Scope(ids=tuple(sets[1]))).total == 3


def test_an_empty_library_has_no_duplicate_sets(lib: Library) -> None:
    assert lib.duplicate_sets() == []
    lib.add_items([article("Synthetic only item", "2020", SMITH)])
    assert lib.duplicate_sets() == []
