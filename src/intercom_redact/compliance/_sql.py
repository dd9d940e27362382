"""Database plumbing shared by the audit log and the SQL store.

One job: turn a URL into a SQLAlchemy engine that is safe for our use and
map driver failures to :class:`DatabaseError`, whose message names the URL
without its password and never carries statement parameters (they may hold
personal data).

SQLite files are created with mode 0600, and every SQLite transaction starts
with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the database lock
instead of failing half-way with ``database is locked`` on lock upgrade.
SQLite connections run with ``secure_delete``: a deleted row's bytes are
overwritten, not left in free pages, so erasure reaches the file itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

__all__ = ["Database", "DatabaseError", "parse_url"]

# Seconds a SQLite writer waits for the lock before giving up.
_SQLITE_BUSY_TIMEOUT = 30.0


class DatabaseError(RuntimeError):
    """The database could not be reached or used.

    The message names the URL with its password hidden and the driver's reason;
    :attr:`url` is the same safe rendering.
    """

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class Database:
    """A SQLAlchemy engine plus error mapping for one database URL.

    :param url: ``sqlite:///path`` (file created with mode 0600) or
        ``postgresql+psycopg://user:password@host/db`` (``postgresql://`` is
        read as ``postgresql+psycopg://``).
    """

    def __init__(self, url: str | URL) -> None:
        self.url = parse_url(url)
        #: The URL with its password hidden, for messages and logs.
        self.display_url = self.url.render_as_string(hide_password=True)
        if self.is_sqlite:
            try:
                _create_sqlite_file(self.url)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise DatabaseError(f"database {self.display_url}: {reason}", url=self.display_url) from None
            self.engine = sa.create_engine(
                self.url, hide_parameters=True, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT}
            )
            _begin_immediate(self.engine)
        else:
            self.engine = sa.create_engine(self.url, hide_parameters=True, pool_pre_ping=True)

    @property
    def is_sqlite(self) -> bool:
        """Whether this is a SQLite database."""
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside a transaction, committed on success.

        Driver failures (unreachable server, locked file, …) raise :class:`DatabaseError`.
        """
        try:
            with self.engine.begin() as conn:
                yield conn
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise self.error(exc) from None

    def error(self, exc: sa.exc.DBAPIError) -> DatabaseError:
        """A :class:`DatabaseError` for *exc* that names the URL without secrets."""
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        if self.url.password:
            reason = reason.replace(str(self.url.password), "***")
        return DatabaseError(f"database {self.display_url}: {reason}", url=self.display_url)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def parse_url(url: str | URL) -> URL:
    """``url`` parsed and checked (sqlite or postgresql); ``ValueError`` naming what is wrong."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        # SQLAlchemy's message repeats the string, which may hold a password.
        raise ValueError(
            "not a database URL: expected sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB"
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(
            f"unsupported database {parsed.render_as_string(hide_password=True)}: use sqlite or postgresql"
        )
    return parsed


def _create_sqlite_file(url: URL) -> None:
    path = url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, mode=0o700, exist_ok=True)
    # Create it ourselves so SQLite never creates it with the umask's mode
    # (journals inherit the database file's mode).
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def _begin_immediate(engine: Engine) -> None:
    # pysqlite's own transaction handling issues a deferred BEGIN lazily; take
    # control so each transaction takes the write lock up front.
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA secure_delete = ON")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
