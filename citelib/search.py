"""Quick search: the text a user types, turned into one SQL condition on the items table.

Syntax (terms are combined with AND; a leading `-` negates a term):
    car nk              every word, as a prefix, anywhere (title, creators, publication,
                        abstract, tags, notes, identifiers)
    "natural killer"    a phrase
    author:zheng        creators        title:"cell therapy"   a phrase in the title
    publication:blood   journal/book    note:protocol          notes
    year:2019  year:2019..2021  year:..2010  year:2015..
    tag:CAR-NK  tag:"adoptive cell transfer"   an exact tag (case-insensitive)
    doi:10.1007/s10147-025-02954-4   (any of https://doi.org/, doi: prefixes)
    pmid:41524997   key:ABCD2345   type:journalArticle (or a label: "type:book section")
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, func, not_, select

from citelib.errors import QueryError
from citelib.model import ITEM_TYPE_LABELS, ITEM_TYPES, normalise_doi
from citelib.store import schema, sqlite

# field prefix -> FTS column (None: all columns)
FTS_FIELDS: Final[dict[str, str]] = {
    "author": "creators",
    "creator": "creators",
    "title": "title",
    "publication": "publication",
    "journal": "publication",
    "abstract": "abstract",
    "note": "notes",
}
SQL_FIELDS: Final = ("year", "tag", "doi", "pmid", "key", "type")

_TOKEN = re.compile(
    r"""\s*(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<quoted>[^"]*)"?|(?P<bare>[^\s"]+))"""
)
_YEAR_RANGE = re.compile(r"^(\d{1,4})?(\.\.)?(\d{1,4})?$")


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    field: str | None = None  # None: every FTS column
    phrase: bool = False
    negated: bool = False


def parse(query: str) -> list[Term]:
    """Split a query into terms. Unknown `field:` prefixes are searched as ordinary text."""
    terms: list[Term] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        field = (m.group("field") or "").lower() or None
        quoted = m.group("quoted")
        text = quoted if quoted is not None else (m.group("bare") or "")
        if field is not None and field not in FTS_FIELDS and field not in SQL_FIELDS:
            text = f"{m.group('field')}:{text}"
            field = None
        if not text.strip():
            continue
        terms.append(Term(text.strip(), field, quoted is not None, bool(m.group("neg"))))
    return terms


@dataclass(frozen=True, slots=True)
class Compiled:
    """A query split the way the Library runs it fastest: one FTS5 match for every positive
    text term, and SQL conditions for the rest."""

    fts: str | None
    conditions: tuple[ColumnElement[bool], ...]

    def where(self, fts_by_rowid: bool = True) -> ColumnElement[bool] | None:
        """The whole condition. With `fts_by_rowid` false, the text match is written so that
        SQLite cannot drive the query from it (see Library.search)."""
        parts = list(self.conditions)
        if self.fts is not None:
            item_id = schema.items.c.id if fts_by_rowid else sqlite.unindexed(schema.items.c.id)
            parts.insert(0, item_id.in_(sqlite.fts_match(self.fts)))
        if not parts:
            return None
        return and_(*parts) if len(parts) > 1 else parts[0]


def compile_query(query: str) -> Compiled:
    """Parse a quick-search query; raises QueryError for a malformed field value."""
    items = schema.items
    conditions: list[ColumnElement[bool]] = []
    fts_parts: list[str] = []
    for term in parse(query):
        if term.field in SQL_FIELDS:
            cond = _sql_condition(term)
        else:
            fts = sqlite.fts_phrase(term.text, FTS_FIELDS.get(term.field or ""), not term.phrase)
            if fts is None:
                continue
            if not term.negated:
                fts_parts.append(fts)
                continue
            cond = items.c.id.in_(sqlite.fts_match(fts))
        # NULL (no year, no DOI...) is no match, so a negated term must keep those items
        conditions.append(not_(func.coalesce(cond, False)) if term.negated else cond)
    return Compiled(" AND ".join(fts_parts) if fts_parts else None, tuple(conditions))


def condition(query: str) -> ColumnElement[bool] | None:
    """The WHERE condition on `items` for a quick-search query, or None for an empty one."""
    return compile_query(query).where()


def _sql_condition(term: Term) -> ColumnElement[bool]:
    items = schema.items
    value = term.text
    if term.field == "year":
        return _year_condition(value)
    if term.field == "tag":
        return tag_condition(value)
    if term.field == "doi":
        return func.lower(items.c.doi) == normalise_doi(value).lower()
    if term.field == "pmid":
        return items.c.pmid == value
    if term.field == "key":
        return items.c.key == value.upper()
    if term.field == "type":
        return items.c.item_type == _item_type(value)
    raise AssertionError(term.field)


def tag_condition(name: str) -> ColumnElement[bool]:
    """Items carrying the tag `name`, in any letter case (`tag:` and the tag selector)."""
    tag_ids = select(schema.tags.c.id).where(sqlite.casefold(schema.tags.c.name) == name.casefold())
    return schema.items.c.id.in_(
        select(schema.item_tags.c.item_id).where(schema.item_tags.c.tag_id.in_(tag_ids))
    )


def _year_condition(value: str) -> ColumnElement[bool]:
    m = _YEAR_RANGE.match(value)
    if not m or not (m.group(1) or m.group(3)):
        raise QueryError(f"year:{value}: expected a year or a range such as 2019..2021")
    low, dots, high = m.group(1), m.group(2), m.group(3)
    year: Any = schema.items.c.year
    if not dots:
        if high:  # digits run past four without dots, as in "year:20201"
            raise QueryError(f"year:{value}: expected a year or a range such as 2019..2021")
        return year == int(low)  # type: ignore[no-any-return]
    parts: list[ColumnElement[bool]] = []
    if low:
        parts.append(year >= int(low))
    if high:
        parts.append(year <= int(high))
    return and_(*parts) if len(parts) > 1 else parts[0]


def _item_type(value: str) -> str:
    folded = value.replace(" ", "").lower()
    for name in ITEM_TYPES:
        if name.lower() == folded or ITEM_TYPE_LABELS[name].replace(" ", "").lower() == folded:
            return name
    raise QueryError(f"type:{value}: unknown item type (one of {', '.join(ITEM_TYPES)})")
