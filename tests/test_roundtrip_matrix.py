"""Every format pair: import -> export -> import gives the same items on every field both carry.

For formats A and B (each read and written by citelib) and hypothesis-generated items of every
type: the items are written as A and read back (X, what A carries), then X is written as B and
read back (Y). X and Y must be equal, field by field, creator by creator, tag by tag, note by
note. Each format keeps what it has no place for in its own way (RIS `N1 - Extra:` lines,
EndNote `%Z Extra:`, Word `b:Comments`, BibTeX extra fields, CSL-JSON `custom`), so in practice
"every field both carry" is every field.

Differences allowed, each documented in docs/formats.md:
- CSL-JSON, BibTeX, BibLaTeX, EndNote XML and Word XML group creators by role (one list per
  role), so the order of creators *across* roles can change; within a role it is kept.
- A BibTeX entry always has a key, and LaTeX documents cite it, so an item without a citation
  key gains the one the BibTeX writer made for it (`FamilyYear`); and BibTeX has no plain
  thesis entry, so a thesis without a type gains `PhD thesis` (`@phdthesis`).

The generated text stays inside what every format can hold on one line: letters (accented and
non-Latin too), digits, spaces and `-.'()/:`. Each format's own tests push its limits further.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citelib.formats import FORMATS, read_file, write_file
from citelib.formats.citekeys import is_generated
from citelib.model import CREATOR_ROLES, ITEM_TYPES, TYPE_FIELDS, Creator, Item

BOTH_WAYS = sorted(name for name, f in FORMATS.items() if f.read and f.write)
GROUPED_BY_ROLE = frozenset(("csljson", "bibtex", "biblatex", "endnote-xml", "word-xml"))
KEYED = frozenset(("bibtex", "biblatex"))

_WORD = st.text(
    st.characters(whitelist_categories=["Lu", "Ll", "Nd"], max_codepoint=0x1EFF),
    min_size=1,
    max_size=8,
)
_SEP = st.sampled_from([" ", " ", " ", "-", ". ", "'", " (", ") ", "/", ": "])
_TEXT = st.builds(
    lambda first, rest: (first + "".join(s + w for s, w in rest)).strip(" (/:.'-").strip(),
    _WORD,
    st.lists(st.tuples(_SEP, _WORD), max_size=5),
).filter(lambda t: bool(t) and t[0].isalnum())
_NAME = st.text(
    st.characters(whitelist_categories=["Lu", "Ll"], max_codepoint=0x1EFF), min_size=2, max_size=10
).map(str.capitalize)

_SPECIAL = {
    "date": st.sampled_from(["2021", "2020-03", "2019-02-07", "1998-12-31"]),
    "accessDate": st.sampled_from(["2024-01-02", "2023-11-30"]),
    "DOI": st.integers(1, 99999).map(lambda n: f"10.5555/synth.{n}"),
    "ISBN": st.sampled_from(["9780306406157", "9780000000002"]),
    "ISSN": st.sampled_from(["1234-5678", "2049-3630"]),
    "PMID": st.integers(1, 99999999).map(str),
    "PMCID": st.integers(1, 9999999).map(lambda n: f"PMC{n}"),
    "arXiv": st.sampled_from(["2101.00001", "1706.03762v5"]),
    "pages": st.sampled_from(["12-19", "e1234", "101-130", "5"]),
    "url": st.integers(1, 999).map(lambda n: f"https://example.org/synthetic/{n}"),
    "volume": st.integers(1, 400).map(str),
    "issue": st.integers(1, 24).map(str),
    "edition": st.integers(2, 9).map(str),
    "numberOfPages": st.integers(10, 900).map(str),
    "number": st.integers(1, 9999).map(str),
    "language": st.sampled_from(["en", "de", "fr"]),
    "citationKey": st.integers(1, 10**6).map(lambda n: f"synthetic{n}"),
}


@st.composite
def _items(draw: st.DrawFn) -> list[Item]:
    items = []
    for kind in draw(st.lists(st.sampled_from(ITEM_TYPES), min_size=1, max_size=3)):
        names = [n for n in TYPE_FIELDS[kind] if n != "extra"]
        chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
        fields = {"title": draw(_TEXT)}
        for name in chosen:
            fields[name] = draw(_SPECIAL.get(name, _TEXT))
        creators = []
        for role in draw(st.lists(st.sampled_from(CREATOR_ROLES), max_size=4)):
            if draw(st.integers(0, 4)) == 0:
                creators.append(Creator(literal=f"{draw(_NAME)} Group", role=role))
            else:
                creators.append(Creator(draw(_NAME), draw(_NAME), role=role))
        tags = draw(st.lists(_TEXT, max_size=3, unique_by=str.casefold))
        notes = [f"<p>{n}</p>" for n in draw(st.lists(_TEXT, max_size=2))]
        items.append(Item(kind, fields, creators, tags, notes))
    return items


def _through(name: str, items: list[Item], folder: Path) -> list[Item]:
    path = folder / f"refs{FORMATS[name].extensions[0]}"
    write_file(path, items, name)
    result = read_file(path, name)
    assert not result.errors, [str(p) for p in result.errors]
    return result.items


def _comparable(
    item: Item, grouped: bool, before: Item | None = None, *, keyed: bool = False, phd: bool = False
) -> Item:
    """The item as compared; with `before` (its state before a trip through BibTeX) without
    what BibTeX adds: the key it made up (`keyed`) and the type of a thesis (`phd`)."""
    fields = dict(item.fields)
    if before is not None:
        if keyed and "citationKey" not in before.fields:
            assert is_generated(fields.pop("citationKey"), before)
        if phd and item.item_type == "thesis" and "genre" not in before.fields:
            assert fields.pop("genre") == "PhD thesis"
    creators = list(item.creators)
    if grouped:
        order = {role: n for n, role in enumerate(CREATOR_ROLES)}
        creators.sort(key=lambda c: order[c.role])  # stable: order within a role is kept
    return Item(item.item_type, fields, creators, list(item.tags), list(item.notes))


@pytest.mark.parametrize(("first", "second"), list(itertools.product(BOTH_WAYS, BOTH_WAYS)))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=_items())
def test_import_export_import(first: str, second: str, items: list[Item]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        carried = _through(first, items, folder)
        assert len(carried) == len(items)
        again = _through(second, carried, folder)
    grouped = first in GROUPED_BY_ROLE or second in GROUPED_BY_ROLE
    keyed = second in KEYED and first not in KEYED
    assert [
        _comparable(after, grouped, before, keyed=keyed, phd=second == "bibtex")
        for after, before in zip(again, carried, strict=True)
    ] == [_comparable(i, grouped) for i in carried]
