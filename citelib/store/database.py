"""The database of one library: opening, schema version, migrations, transactions."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import Connection, Engine, event, exc, insert, text

from citelib.errors import Interrupted, LibraryError, LibraryLocked, LibraryTooNew
from citelib.store import schema, sqlite

# The newest schema this code knows, and every older one it can migrate from. Kept as constants
# so that opening a library does not import Alembic; a test checks them against the scripts.
HEAD_REVISION: Final = "0004"
KNOWN_REVISIONS: Final = ("0001", "0002", "0003", "0004")
MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")


@dataclass(frozen=True, slots=True)
class Migrations:
    """Where the Alembic scripts are and which revisions they hold (the newest last)."""

    directory: Path
    known: tuple[str, ...]

    @property
    def head(self) -> str:
        return self.known[-1]


MIGRATIONS: Final = Migrations(MIGRATIONS_DIR, KNOWN_REVISIONS)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Interrupt:
    """Stops reads in progress from another thread: `Database.read(interrupt=...)` registers
    its connection here, and `set()` aborts the statement running on it (SQLite's
    `sqlite3_interrupt`, which needs no lock the reader holds), so a long count whose answer
    is no longer wanted stops using a core at once. The read then raises `Interrupted`.

    One token stops every read made with it, now or later; make a new one per request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set = False
        self._connections: set[sqlite3.Connection] = set()

    def set(self) -> None:
        with self._lock:
            self._set = True
            for connection in self._connections:
                connection.interrupt()

    def is_set(self) -> bool:
        return self._set

    def check(self) -> None:
        """Raise `Interrupted` if `set()` was called."""
        if self._set:
            raise Interrupted("stopped: the answer was no longer wanted")

    @contextmanager
    def watching(self, connection: sqlite3.Connection) -> Iterator[None]:
        with self._lock:
            self.check()
            self._connections.add(connection)
        try:
            yield
        finally:
            # Under the lock: once this returns, no interrupt can reach the connection (it goes
            # back to the pool for someone else's statements).
            with self._lock:
                self._connections.discard(connection)


class Database:
    """One SQLite file with the citelib schema, ready for reads and writes."""

    def __init__(self, path: Path, engine: Engine, migrations: Migrations = MIGRATIONS) -> None:
        self.path = path
        self.engine = engine
        self.migrations = migrations
        self.closed = False

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        create: bool = True,
        before_migrate: Callable[[Path], None] | None = None,
        migrations: Migrations = MIGRATIONS,
    ) -> Database:
        """Open (or create) the database, migrating an older schema after `before_migrate`.

        Raises LibraryTooNew for a schema this code does not know, LibraryError for a file
        that is not a citelib library.
        """
        existed = path.exists() and path.stat().st_size > 0
        if not existed and not create:
            raise LibraryError(f"no library at {path.parent}")
        revision = None
        if existed:
            try:
                revision, has_tables = sqlite.peek_schema(path)
            except sqlite3.DatabaseError as e:
                raise _open_error(path, e) from e
            if revision is None and has_tables:
                raise LibraryError(f"{path} is not a citelib library")
            if revision is not None and revision not in migrations.known:
                raise LibraryTooNew(
                    f"{path} was written by a newer version of citelib (schema {revision}); "
                    "update citelib to open it"
                )
        engine = sqlite.create_sqlite_engine(path)
        db = cls(path, engine, migrations)
        try:
            if revision is None:
                db._migrate(stamp=True)
            elif revision != migrations.head:
                if before_migrate is not None:
                    before_migrate(path)
                try:
                    db._migrate()
                except Exception as e:
                    # the upgrade is one transaction: the file is still at the old schema
                    raise LibraryError(
                        f"could not upgrade {path} from schema {revision} to {migrations.head} "
                        f"({e}); the library was left as it was"
                    ) from e
        except exc.DatabaseError as e:
            engine.dispose()
            raise _open_error(path, e) from e
        except BaseException:
            engine.dispose()
            raise
        return db

    def close(self) -> None:
        """Close every connection; the database cannot be used afterwards."""
        self.closed = True
        self.engine.dispose()

    def _check_open(self) -> None:
        if self.closed:
            raise LibraryError(f"the library at {self.path.parent} has been closed")

    @contextmanager
    def read(self, interrupt: Interrupt | None = None) -> Iterator[Connection]:
        """A consistent snapshot for reading (other writers are not blocked: WAL).

        With `interrupt`, `interrupt.set()` from another thread stops the statement running and
        the read raises `Interrupted` (also when it was set before the read began)."""
        self._check_open()
        if interrupt is None:
            with self.engine.connect() as conn, conn.begin():
                yield conn
            return

        def before_statement(*_args: object) -> None:
            # SQLite forgets an interrupt that lands between two statements: check here too
            interrupt.check()

        try:
            with (
                self.engine.connect() as conn,
                interrupt.watching(sqlite.dbapi(conn)),
                conn.begin(),
            ):
                event.listen(conn, "before_cursor_execute", before_statement)
                try:
                    yield conn
                finally:
                    event.remove(conn, "before_cursor_execute", before_statement)
        except (exc.OperationalError, sqlite3.OperationalError) as e:
            if interrupt.is_set() and sqlite.is_interrupted_error(e):
                raise Interrupted("stopped: the answer was no longer wanted") from e
            raise

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: all of it commits, or none of it does.

        Waits for another process's write to finish (busy timeout) rather than failing.
        """
        self._check_open()
        try:
            with (
                self.engine.connect().execution_options(citelib_write=True) as conn,
                conn.begin(),
            ):
                yield conn
        except (exc.OperationalError, sqlite3.OperationalError) as e:
            if sqlite.is_locked_error(e):
                raise LibraryLocked(
                    f"{self.path.parent} stayed busy in another program for "
                    f"{sqlite.BUSY_TIMEOUT_S:.0f} s; try again when it has finished"
                ) from e
            raise

    def revision(self) -> str | None:
        return self._revision()

    def _revision(self) -> str | None:
        with self.engine.connect() as conn:
            has_table = conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
            ).first()
            if not has_table:
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            return str(row[0]) if row else None

    def _migrate(self, *, stamp: bool = False) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(self.migrations.directory))
        with (
            self.engine.connect().execution_options(citelib_write=True) as conn,
            conn.begin(),
        ):
            # One transaction: a crash leaves no half-made library, and a second process
            # creating the same library at the same moment waits, then finds it made.
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            if stamp:
                conn.execute(
                    insert(schema.library_meta).prefix_with("OR IGNORE"),
                    [
                        {"name": "library_id", "value": uuid.uuid4().hex},
                        {"name": "created", "value": utc_now()},
                    ],
                )


def _open_error(path: Path, error: Exception) -> LibraryError:
    if sqlite.is_locked_error(error):
        return LibraryLocked(f"{path} is busy in another program")
    reason = getattr(error, "orig", error)
    return LibraryError(f"{path} is not a citelib library ({reason})")
