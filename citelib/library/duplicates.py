"""Likely duplicates: Zotero's rule, for items about to be imported and for the library itself.

The rule (DESIGN §5), applied to two items A and B:
1. both have a DOI: the same DOI (any case) is a match, a different one rules a match out;
2. both have ISBNs: a shared ISBN (ISBN-10 and -13 forms compare equal) is a match, none shared
   rules a match out;
3. otherwise the titles must be equal once case, accents, spaces and punctuation are folded away
   (`model.title_key`); if both have a year the years may differ by at most one; if both have
   creators at least one must be shared (family name plus first initial of the given name, or
   the same literal name).

Finding them against a library of 100,000 items never scans it: candidates come from the
indexes on lower(doi), isbn and title_key (schema 0002), and only their creators are loaded.
An ISBN is only looked up as a whole column value, so a library item holding several ISBNs in
one field is found by its DOI or title instead. Items in the Trash are not matched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, func, select

from citelib.formats.normalise import clean_isbn
from citelib.model import Creator, Item, fold_text, parse_date, title_key
from citelib.store import schema
from citelib.store.sqlite import ids_in, texts_in

SAME_DOI: Final = "same DOI"
SAME_ISBN: Final = "same ISBN"
SAME_TITLE: Final = "same title, year and creator"


@dataclass(slots=True)
class DupKey:
    """What the rule compares, computed once per item; the creators' names only when a title
    matches (most items never need them)."""

    doi: str
    isbns: frozenset[str]
    title: str
    year: int | None
    creators: Sequence[Creator]
    _names: frozenset[str] | None = None

    @property
    def names(self) -> frozenset[str]:
        if self._names is None:
            self._names = frozenset(k for k in map(name_key, self.creators) if k and k != "|")
        return self._names


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Item `index` of an import is likely a duplicate of a library item or an earlier one."""

    index: int
    reason: str
    library_id: int | None = None
    library_key: str = ""
    library_title: str = ""
    earlier: int | None = None  # index of the earlier item of the same import


def _fold(text: str) -> str:
    return fold_text(text).strip()


def name_key(creator: Creator) -> str:
    if creator.literal:
        return _fold(creator.literal)
    given = _fold(creator.given)
    return f"{_fold(creator.family)}|{given[:1]}"


def isbn13(isbn: str) -> str:
    """ISBN-10 as its ISBN-13 (`978` + 9 digits + new check digit); others unchanged."""
    if len(isbn) != 10:
        return isbn
    core = "978" + isbn[:9]
    check = (10 - sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(core)) % 10) % 10
    return core + str(check)


def _isbns(text: str) -> frozenset[str]:
    if not text:
        return frozenset()
    cleaned = clean_isbn(text)
    return frozenset(isbn13(p) for p in cleaned.split() if p.isdigit() or p[:-1].isdigit())


def key_of(item: Item, names: Sequence[Creator] | None = None) -> DupKey:
    fields = item.fields
    title = fields.get("title", "")
    date = fields.get("date", "")
    return DupKey(
        doi=fields.get("DOI", "").strip().casefold(),
        isbns=_isbns(fields.get("ISBN", "")),
        title=title_key(title) if title else "",
        year=parse_date(date).year if date else None,
        creators=item.creators if names is None else names,
    )


def match(a: DupKey, b: DupKey) -> str | None:
    """Why A and B are likely the same reference, or None."""
    if a.doi and b.doi:
        return SAME_DOI if a.doi == b.doi else None
    if a.isbns and b.isbns:
        return SAME_ISBN if a.isbns & b.isbns else None
    if not a.title or a.title != b.title:
        return None
    if a.year is not None and b.year is not None and abs(a.year - b.year) > 1:
        return None
    if a.names and b.names and not (a.names & b.names):
        return None
    return SAME_TITLE


class _TitleIndex:
    """Items by title, and within a title by year: a title shared by thousands of items (an
    `Editorial` every year) is then compared only within the same year or the next ones."""

    def __init__(self) -> None:
        self.by_year: dict[str, dict[int, list[int]]] = {}
        self.undated: dict[str, list[int]] = defaultdict(list)

    def add(self, key: DupKey, value: int) -> None:
        if key.year is None:
            self.undated[key.title].append(value)
        else:
            self.by_year.setdefault(key.title, {}).setdefault(key.year, []).append(value)

    def candidates(self, key: DupKey) -> list[int]:
        years = self.by_year.get(key.title)
        found = list(self.undated.get(key.title, ()))
        if years:
            if key.year is None:
                for values in years.values():
                    found.extend(values)
            else:
                for year in (key.year - 1, key.year, key.year + 1):
                    found.extend(years.get(year, ()))
        return found


class _KeyIndex:
    """Library items by DOI, ISBN and title: the ones a key could match, found without
    comparing it to every item."""

    def __init__(self) -> None:
        self.by_doi: dict[str, list[int]] = defaultdict(list)
        self.by_isbn: dict[str, list[int]] = defaultdict(list)
        self.by_title = _TitleIndex()

    def add(self, key: DupKey, item_id: int) -> None:
        if key.doi:
            self.by_doi[key.doi].append(item_id)
        for isbn in key.isbns:
            self.by_isbn[isbn].append(item_id)
        if key.title:
            self.by_title.add(key, item_id)

    def candidates(self, key: DupKey) -> set[int]:
        found = set(self.by_doi.get(key.doi, ())) if key.doi else set()
        for isbn in key.isbns:
            found.update(self.by_isbn.get(isbn, ()))
        if key.title:
            found.update(self.by_title.candidates(key))
        return found


def within(keys: Sequence[DupKey]) -> list[Duplicate]:
    """Items of one import that repeat an earlier item of the same import."""
    by_doi: dict[str, int] = {}
    by_isbn: dict[str, int] = {}
    by_title = _TitleIndex()
    found: list[Duplicate] = []
    for index, key in enumerate(keys):
        candidates: list[int] = []
        if key.doi and key.doi in by_doi:
            candidates.append(by_doi[key.doi])
        candidates.extend(by_isbn[i] for i in key.isbns if i in by_isbn)
        if key.title:
            candidates.extend(by_title.candidates(key))
        for earlier in sorted(set(candidates)):
            reason = match(key, keys[earlier])
            if reason:
                found.append(Duplicate(index, reason, earlier=earlier))
                break
        if key.doi:
            by_doi.setdefault(key.doi, index)
        for isbn in key.isbns:
            by_isbn.setdefault(isbn, index)
        if key.title:
            by_title.add(key, index)
    return found


def in_library(conn: Connection, keys: Sequence[DupKey]) -> list[Duplicate]:
    """Items (by their keys) that are likely duplicates of items in the library."""
    i = schema.items
    dois = {k.doi for k in keys if k.doi}
    isbns = {form for k in keys for isbn in k.isbns for form in (isbn, _isbn10(isbn)) if form}
    titles = {k.title for k in keys if k.title}
    candidate_ids: set[int] = set()
    live = i.c.trashed == 0
    if dois:
        query = select(i.c.id).where(live, texts_in(func.lower(i.c.doi), dois))
        candidate_ids.update(conn.scalars(query))
    if isbns:
        candidate_ids.update(conn.scalars(select(i.c.id).where(live, texts_in(i.c.isbn, isbns))))
    if titles:
        query = select(i.c.id).where(live, texts_in(i.c.title_key, titles))
        candidate_ids.update(conn.scalars(query))
    if not candidate_ids:
        return []
    library = _library_keys(conn, candidate_ids)
    indexed = _KeyIndex()
    for item_id, (key, _, _) in library.items():
        indexed.add(key, item_id)
    found: list[Duplicate] = []
    for index, key in enumerate(keys):
        for item_id in sorted(indexed.candidates(key)):
            other, item_key, title = library[item_id]
            reason = match(key, other)
            if reason:
                found.append(Duplicate(index, reason, item_id, item_key, title))
                break
    return found


def _isbn10(isbn13_: str) -> str:
    if len(isbn13_) != 13 or not isbn13_.startswith("978"):
        return ""
    core = isbn13_[3:12]
    total = sum((10 - n) * int(c) for n, c in enumerate(core))
    check = (11 - total % 11) % 11
    return core + ("X" if check == 10 else str(check))


def _library_keys(conn: Connection, ids: set[int]) -> dict[int, tuple[DupKey, str, str]]:
    i, c = schema.items, schema.creators
    creators: dict[int, list[Creator]] = defaultdict(list)
    query = select(c.c.item_id, c.c.family, c.c.given, c.c.literal).where(ids_in(c.c.item_id, ids))
    for item_id, family, given, literal in conn.execute(query):
        creators[item_id].append(Creator(family or "", given or "", literal or ""))
    out: dict[int, tuple[DupKey, str, str]] = {}
    query2 = select(i.c.id, i.c.key, i.c.title, i.c.doi, i.c.isbn, i.c.date).where(
        ids_in(i.c.id, ids)
    )
    for item_id, key, title, doi, isbn, date in conn.execute(query2):
        fields = {"title": title or "", "DOI": doi or "", "ISBN": isbn or "", "date": date or ""}
        dup = key_of(Item("document", fields), creators.get(item_id, []))
        out[item_id] = (dup, key, title or "")
    return out


def find(conn: Connection, items: Sequence[Item]) -> list[Duplicate]:
    """Every likely duplicate among `items`, against the library first, then within the list.

    An item that matches a library item is reported against it; one that only repeats an
    earlier item of the list is reported against that item. Sorted by index.
    """
    keys = [key_of(item) for item in items]
    against_library = in_library(conn, keys)
    taken = {d.index for d in against_library}
    repeats = [d for d in within(keys) if d.index not in taken]
    return sorted(against_library + repeats, key=lambda d: d.index)


def library_sets(conn: Connection) -> list[list[int]]:
    """The library's own likely duplicates (outside the Trash): sets of item ids, each sorted,
    the sets in the order of their first id. Only items that share a DOI or a title key with
    another item, or have an ISBN, are looked at, then compared by the rule; the sets are the
    connected groups of matching pairs."""
    i = schema.items
    live = i.c.trashed == 0
    # ISBNs are compared in their ISBN-13 form, which the column does not hold: every item
    # with one is a candidate (books: few).
    candidate_ids: set[int] = set(
        conn.scalars(select(i.c.id).where(live, i.c.isbn.is_not(None), i.c.isbn != ""))
    )
    for column in (func.lower(i.c.doi), i.c.title_key):
        shared = (
            select(column.label("value"))
            .where(live, column.is_not(None), column != "")
            .group_by(column)
            .having(func.count() > 1)
        ).subquery()
        candidate_ids.update(
            conn.scalars(select(i.c.id).where(live, column.in_(select(shared.c.value))))
        )
    if not candidate_ids:
        return []
    keys = {item_id: key for item_id, (key, _, _) in _library_keys(conn, candidate_ids).items()}
    parent = {item_id: item_id for item_id in keys}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    indexed = _KeyIndex()
    for item_id in sorted(keys):
        key = keys[item_id]
        for other in indexed.candidates(key):
            if root(other) != root(item_id) and match(key, keys[other]):
                parent[root(item_id)] = root(other)
        indexed.add(key, item_id)
    sets: dict[int, list[int]] = defaultdict(list)
    for item_id in sorted(keys):
        sets[root(item_id)].append(item_id)
    return sorted((s for s in sets.values() if len(s) > 1), key=lambda s: s[0])
