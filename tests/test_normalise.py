"""Normalising on import: names, pages, identifiers, tags (citelib.formats.normalise)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citelib.formats import read_file
from citelib.formats.normalise import (
    clean_doi,
    clean_isbn,
    clean_issn,
    clean_pages,
    normalise_item,
    person,
)
from citelib.model import Creator, Item


@pytest.mark.parametrize(
    ("text", "family", "given"),
    [
        ("Testperson, Alpha", "Testperson", "Alpha"),
        ("van der Berg, Jan", "van der Berg", "Jan"),
        ("Jan van der Berg", "van der Berg", "Jan"),
        ("Ludwig van Beethoven", "van Beethoven", "Ludwig"),
        ("Maria de la Cruz", "de la Cruz", "Maria"),
        ("Alpha B. Testperson", "Testperson", "Alpha B."),
        ("Jean-Paul Exampleton", "Exampleton", "Jean-Paul"),
        ("Exampleton, Jr., Alpha", "Exampleton, Jr.", "Alpha"),
        ("Alpha Exampleton Jr.", "Exampleton, Jr.", "Alpha"),
        ("  Testperson ,  Alpha  ", "Testperson", "Alpha"),
        ("Testperson", "Testperson", ""),
        ("Testperson,", "Testperson", ""),
        ("Nguyễn, Thị Minh", "Nguyễn", "Thị Minh"),
    ],
)
def test_person(text: str, family: str, given: str) -> None:
    assert person(text) == Creator(family, given)


def test_person_empty_and_role() -> None:
    assert person("  ") is None
    assert person(",") is None
    assert person("Editorsson, Delta", "editor") == Creator("Editorsson", "Delta", role="editor")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("12--19", "12-19"),
        ("12 – 19", "12-19"),
        ("12—19", "12-19"),
        ("S12−S19", "S12-S19"),
        ("e1234", "e1234"),
        ("xii-xv", "xii-xv"),
        ("3, 7-9", "3, 7-9"),  # not a single range: kept
        (" 101-130 ", "101-130"),
    ],
)
def test_pages(text: str, want: str) -> None:
    assert clean_pages(text) == want


def test_identifiers() -> None:
    assert clean_doi(" https://doi.org/10.5555/X ") == "10.5555/X"
    assert clean_doi("doi:doi:10.5555/x") == "10.5555/x"
    assert clean_doi("https://dx.doi.org/10.5555/x") == "10.5555/x"
    assert clean_isbn("978-0-00-000000-2 (pbk.)") == "9780000000002"
    assert clean_isbn("0-306-40615-2; 978-0-306-40615-7") == "0306406152 9780306406157"
    assert clean_isbn("000000000X") == "000000000X"  # a valid ISBN-10 with an X check digit
    assert clean_isbn("978-0-00-000000-3") == "978-0-00-000000-3"  # bad check digit: kept
    assert clean_isbn("n/a") == "n/a"
    assert clean_issn("03064522") == "0306-4522"
    assert clean_issn("2345-678x") == "2345-678X"
    assert clean_issn("1234-5678 (Print)") == "1234-5678 (Print)"  # unknown shape: kept


def test_normalise_item() -> None:
    item = Item(
        "journalArticle",
        {
            "title": " Cafe\u0301 NK cells ",  # e + combining acute -> é
            "DOI": "https://doi.org/10.5555/ABC",
            "pages": "12--19",
            "ISBN": "978-0-00-000000-2",
            "ISSN": "12345678",
            "volume": "   ",
            "extra": "\nKey: value\n",
        },
        [Creator(" Testperson ", " Alpha "), Creator(literal=" Synthetic Group ")],
        ["NK cells", " nk cells ", "CAR-NK", "", "line\nbreak"],
    )
    normalise_item(item)
    assert item.fields == {
        "title": "Café NK cells",
        "DOI": "10.5555/ABC",
        "pages": "12-19",
        "ISBN": "9780000000002",
        "ISSN": "1234-5678",
        "extra": "Key: value",
    }
    assert item.creators == [Creator("Testperson", "Alpha"), Creator(literal="Synthetic Group")]
    assert item.tags == ["NK cells", "CAR-NK", "line break"]


def test_read_file_normalises(tmp_path: Path) -> None:
    path = tmp_path / "in.ris"
    path.write_text(
        "TY  - JOUR\nTI  - x\nDO  - https://doi.org/10.5555/Z\nSP  - 12–19\nKW  - a\nKW  - A\n"
        "ER  - \n",
        encoding="utf-8",
    )
    (item,) = read_file(path).items
    assert (item.fields["DOI"], item.fields["pages"], item.tags) == ("10.5555/Z", "12-19", ["a"])


@given(st.text(max_size=40))
def test_cleaners_never_raise_and_are_idempotent(text: str) -> None:
    for clean in (clean_doi, clean_pages, clean_isbn, clean_issn):
        once = clean(text)
        assert clean(once) == once
    found = person(text)
    assert found is None or found.family or found.given
