"""Undo and redo in the core: row snapshots taken inside each write transaction.

A step keeps, for each table region a call is about to touch (a `Region`: a table, a WHERE
clause and optionally a few columns), the rows as they were before. Undo is strictly last in,
first out, so when a step is undone the database holds exactly that step's "after" state: undo
reads the current rows of the same regions (they become the redo data) and writes the old ones
back. Nothing of the "after" state is kept in memory, which keeps an undoable 100,000-item import
as cheap as its list of ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from citelib.library.changes import Change
from citelib.store import schema

Row = dict[str, Any]
HISTORY_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Region:
    """Rows of one table a write may change. With `columns`, only those are saved and restored
    (an update that never adds or removes rows, such as moving items to the trash)."""

    table: Table
    where: ColumnElement[bool]
    columns: tuple[str, ...] | None = None

    def read(self, conn: Connection) -> list[Row]:
        if self.columns is None:
            stmt = select(self.table)
        else:
            pk = [c.name for c in self.table.primary_key.columns]
            stmt = select(*(self.table.c[c] for c in dict.fromkeys(pk + list(self.columns))))
        return [dict(r._mapping) for r in conn.execute(stmt.where(self.where))]


@dataclass(slots=True)
class Step:
    change: Change
    regions: list[Region] = field(default_factory=list)
    rows: list[list[Row]] = field(default_factory=list)
    fts_items: set[int] = field(default_factory=set)


def _pk(table: Table, row: Row) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _pk_params(table: Table, rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [{f"pk_{c.name}": row[c.name] for c in table.primary_key.columns} for row in rows]


def _pk_match(table: Table) -> ColumnElement[bool]:
    return and_(*(c == bindparam(f"pk_{c.name}") for c in table.primary_key.columns))


def _delete_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    if rows:
        conn.execute(delete(table).where(_pk_match(table)), _pk_params(table, rows))


def _update_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """One executemany per set of columns (the rows of a partial region share theirs)."""
    pk = {c.name for c in table.primary_key.columns}
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(c for c in row if c not in pk), []).append(row)
    for columns, group in groups.items():
        if not columns:
            continue
        stmt = (
            update(table).where(_pk_match(table)).values({c: bindparam(f"v_{c}") for c in columns})
        )
        params = _pk_params(table, group)
        for p, row in zip(params, group, strict=True):
            p.update({f"v_{c}": row[c] for c in columns})
        conn.execute(stmt, params)


_ORDER = {t.name: i for i, t in enumerate(schema.Base.metadata.sorted_tables)}
# Tables other rows point to. A changed row of any other table is deleted and inserted again
# rather than updated: row ids are reused (creators are rewritten on every edit), so updating
# rows one by one could pass through a state that breaks a unique index such as
# (item_id, position). Deleting a parent row would cascade to its children, so those update.
_PARENTS = frozenset(
    fk.column.table.name for t in schema.Base.metadata.tables.values() for fk in t.foreign_keys
)


def restore(
    conn: Connection,
    regions: Sequence[Region],
    rows: Sequence[list[Row]],
    current: Sequence[list[Row]],
) -> set[int]:
    """Make each region hold exactly `rows` again, given what it holds now (`current`, read in
    the same transaction). Returns the item ids touched.

    The caller defers foreign key checks to the commit: a restored collection may name a parent
    that is restored after it. Rows are written with one executemany per table and kind of
    write, so undoing a large import costs about what the import did.
    """
    whole: dict[str, tuple[Table, dict[tuple[Any, ...], Row], dict[tuple[Any, ...], Row]]] = {}
    partial: list[tuple[Region, list[Row]]] = []
    for region, wanted, now in zip(regions, rows, current, strict=True):
        if region.columns is not None:
            partial.append((region, wanted))
            continue
        table = region.table
        _, want, have = whole.setdefault(table.name, (table, {}, {}))
        for row in wanted:
            want[_pk(table, row)] = row
        for row in now:
            have[_pk(table, row)] = row
    touched: set[int] = set()
    # children before parents when deleting (so no cascade runs), parents first when inserting
    for name in sorted(whole, key=lambda n: -_ORDER[n]):
        table, want, have = whole[name]
        rewrite = name not in _PARENTS
        gone = [
            row for key, row in have.items() if key not in want or (rewrite and want[key] != row)
        ]
        _delete_rows(conn, table, gone)
        touched.update(i for row in gone for i in _item_ids(table, row))
    for name in sorted(whole, key=lambda n: _ORDER[n]):
        table, want, have = whole[name]
        rewrite = name not in _PARENTS
        new = [
            row for key, row in want.items() if key not in have or (rewrite and have[key] != row)
        ]
        changed = [
            row for key, row in want.items() if not rewrite and key in have and have[key] != row
        ]
        if new:
            conn.execute(insert(table), new)
        _update_rows(conn, table, changed)
        touched.update(i for row in new + changed for i in _item_ids(table, row))
    for region, wanted in partial:
        _update_rows(conn, region.table, wanted)
        touched.update(i for row in wanted for i in _item_ids(region.table, row))
    return touched


def _item_ids(table: Table, row: Row) -> list[int]:
    if table is schema.items:
        return [row["id"]]
    item_id = row.get("item_id")
    return [item_id] if item_id is not None else []


class History:
    """The undo and redo stacks of one open library."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self.limit = limit
        self.undo_stack: list[Step] = []
        self.redo_stack: list[Step] = []

    def push(self, step: Step) -> None:
        self.undo_stack.append(step)
        del self.undo_stack[: max(0, len(self.undo_stack) - self.limit)]
        self.redo_stack.clear()

    def clear(self) -> None:
        self.undo_stack.clear()
        self.redo_stack.clear()

    @property
    def undo_label(self) -> str | None:
        return self.undo_stack[-1].change.label if self.undo_stack else None

    @property
    def redo_label(self) -> str | None:
        return self.redo_stack[-1].change.label if self.redo_stack else None
