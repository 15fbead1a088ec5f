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

In the mode "All fields & full text" (`compile_query(query, fulltext=True)`) every term without a
field prefix, negated or not, is looked for in the fields and in the indexed text of the item's
attachments: `car nk` finds an item whose title says CAR and whose PDF says NK. Terms with a
field prefix still look at that field only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, Connection, and_, func, not_, or_, select, union_all

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
    # Full-text mode: FTS5 clauses each of which the item's fields or its attachments' text
    # must match (one per positive term without a field prefix).
    either: tuple[str, ...] = ()
    # Items that match besides those the rest of the query matches (see `resolve_fulltext`).
    plus: tuple[int, ...] = ()
    # How many FTS rows `fts` matches, when they were stored by `sqlite.fill_fts_hits` on the
    # connection this query runs on: the condition then reads them there.
    fts_stored: int | None = None

    def where(self, fts_by_rowid: bool = True) -> ColumnElement[bool] | None:
        """The whole condition. With `fts_by_rowid` false, the text match is written so that
        SQLite cannot drive the query from it (see Library.search)."""
        parts = list(self.conditions)
        item_id = schema.items.c.id if fts_by_rowid else sqlite.unindexed(schema.items.c.id)
        for clause in reversed(self.either):
            parts.insert(0, item_id.in_(fields_or_fulltext(clause)))
        if self.fts is not None:
            hits = sqlite.fts_match(self.fts) if self.fts_stored is None else sqlite.fts_hits()
            parts.insert(0, item_id.in_(hits))
        if not parts:
            return None
        cond = and_(*parts) if len(parts) > 1 else parts[0]
        return or_(cond, sqlite.ids_in(item_id, self.plus)) if self.plus else cond

    @property
    def without_plus(self) -> Compiled:
        return Compiled(self.fts, self.conditions, self.either, fts_stored=self.fts_stored)


def compile_query(query: str, *, fulltext: bool = False) -> Compiled:
    """Parse a quick-search query; raises QueryError for a malformed field value.

    With `fulltext`, terms without a field prefix also match the attachments' indexed text."""
    items = schema.items
    conditions: list[ColumnElement[bool]] = []
    fts_parts: list[str] = []
    fts_negated: list[str] = []
    either: list[str] = []
    for term in parse(query):
        if term.field in SQL_FIELDS:
            cond = _sql_condition(term)
        else:
            fts = sqlite.fts_phrase(term.text, FTS_FIELDS.get(term.field or ""), not term.phrase)
            if fts is None:
                continue
            wide = fulltext and term.field is None
            if not term.negated:
                (either if wide else fts_parts).append(fts)
                continue
            if not wide:
                fts_negated.append(fts)
                continue
            cond = items.c.id.in_(fields_or_fulltext(fts))
        # NULL (no year, no DOI...) is no match, so a negated term must keep those items
        conditions.append(not_(func.coalesce(cond, False)) if term.negated else cond)
    if not fts_parts:  # FTS5's NOT needs something to take from: conditions then
        conditions += [
            not_(func.coalesce(items.c.id.in_(sqlite.fts_match(fts)), False)) for fts in fts_negated
        ]
        return Compiled(None, tuple(conditions), tuple(either))
    match = " AND ".join(fts_parts)
    if fts_negated:
        # `leukemia -lymphoma` as one FTS5 match: counted by FTS5 in a few ms, where a
        # condition looked 38,000 hits up in a list of the other word's (45 ms)
        match = f"(({match}) NOT ({') NOT ('.join(fts_negated)}))"
    return Compiled(match, tuple(conditions), tuple(either))


def resolve_fulltext(conn: Connection, compiled: Compiled) -> Compiled:
    """The same query with its full-text terms (`either`) resolved against the index: the
    fields-only query (every term looked for in the fields, as outside the mode) `plus` the few
    items that match only thanks to their attachments' text.

    Written out, "each word in the fields or in the text" would look every word up in both
    indexes and join the two lists per word: four to ten times slower than the fields-only
    search on 100,000 items when the words are common. But an item none of whose attachments
    matches any of the words can only match through its fields, so only the items with a
    full-text hit (usually few: the items with indexed PDFs) need the per-word test, done here
    with one pass over each word's matches."""
    if not compiled.either:
        return compiled
    fields = Compiled(
        " AND ".join(c for c in (compiled.fts, *compiled.either) if c is not None),
        compiled.conditions,
    )
    in_text = {
        clause: {r[0] for r in conn.execute(fulltext_items(clause))} for clause in compiled.either
    }
    candidates = set().union(*in_text.values())
    if not candidates:
        return fields
    in_fields = {
        clause: sqlite.fts_rowids_among(conn, clause, candidates) for clause in compiled.either
    }
    either_way = set.intersection(
        *(in_fields[clause] | in_text[clause] for clause in compiled.either)
    )
    rest = Compiled(compiled.fts, compiled.conditions).where()
    if rest is not None and either_way:  # the field-prefixed, SQL and negated terms
        items = schema.items
        either_way = {
            r[0]
            for r in conn.execute(
                select(items.c.id).where(sqlite.ids_in(items.c.id, either_way), rest)
            )
        }
    plus = [i for i in either_way if not all(i in in_fields[clause] for clause in compiled.either)]
    return Compiled(fields.fts, fields.conditions, plus=tuple(sorted(plus)))


def fulltext_clauses(query: str) -> list[str]:
    """The FTS5 clauses of a query's positive terms without a field prefix: what is looked for
    in the attachments' text (for `Library.fulltext_hits`)."""
    clauses = []
    for term in parse(query):
        if term.field is None and not term.negated:
            fts = sqlite.fts_phrase(term.text, None, not term.phrase)
            if fts is not None:
                clauses.append(fts)
    return clauses


def fulltext_items(match: str) -> Any:
    """The ids of the items with an indexed attachment page matching an FTS5 clause. Only
    attachments with an index state count: text left behind by a deleted attachment (its state
    went with it; the rows are pruned later) never matches, not even if its id comes back."""
    a, s = schema.attachments, schema.fulltext_state
    return (
        select(a.c.item_id)
        .select_from(a.join(s, s.c.attachment_id == a.c.id))
        .where(a.c.id.in_(sqlite.fulltext_match(match)))
    )


def fields_or_fulltext(match: str) -> Any:
    """The ids of the items whose fields, or whose attachments' text, match an FTS5 clause."""
    return union_all(sqlite.fts_match(match), fulltext_items(match))


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
