"""Alembic environment: runs on the connection citelib hands it (see citelib.store.database)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from citelib.store.schema import Base

config = context.config


def _ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate compares only the mapped tables: the FTS5 tables and their shadow tables,
    and SQLite's statistics, are made by hand in the migrations."""
    return not (
        type_ == "table"
        and name is not None
        and name.startswith(("items_fts", "fulltext_fts", "sqlite_"))
    )


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        include_name=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic` run by a developer against a scratch file (alembic.ini's sqlalchemy.url)
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as conn:
        _run(conn)
