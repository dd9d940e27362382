"""A tamper-evident, append-only audit log on SQLAlchemy Core.

Each record stores the SHA-256 digest of its own canonical content and the
digest of the record before it, so the records form a hash chain: changing,
removing or reordering a record breaks the chain, and :meth:`AuditLog.verify`
names the record where it breaks.  A one-row head table holds the last
sequence number and digest; appenders lock it (``BEGIN IMMEDIATE`` on SQLite,
``SELECT … FOR UPDATE`` on PostgreSQL), so concurrent processes never fork the
chain, and it also reveals records cut from the end of the log.

The database refuses ``UPDATE``, ``DELETE`` (and, on PostgreSQL, ``TRUNCATE``)
on the record table through triggers.  The chain is what makes tampering
evident when someone with enough rights goes around them.  Retention never
touches the audit log.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ._sql import Database, DatabaseError

__all__ = ["AuditLog", "AuditRecord", "ChainProblem", "VerifyReport", "default_audit_url"]

#: The ``prev_digest`` of the first record.
GENESIS = "0" * 64
# Key for pg_advisory_xact_lock around table creation, so that instances
# starting together do not race on CREATE TABLE.
_PG_DDL_LOCK = 0x1C0_AED1

_metadata = sa.MetaData()
_records = sa.Table(
    "intercom_redact_audit",
    _metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(128), nullable=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("prev_digest", sa.String(64), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Index("ix_intercom_redact_audit_kind_subject", "kind", "subject"),
)
_head = sa.Table(
    "intercom_redact_audit_head",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("last_digest", sa.String(64), nullable=False),
)

sa.event.listen(
    _records,
    "after_create",
    sa.DDL(  # type: ignore[no-untyped-call]  # unannotated in SQLAlchemy
        "CREATE TRIGGER intercom_redact_audit_no_update BEFORE UPDATE ON intercom_redact_audit "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    ).execute_if(dialect="sqlite"),
)
sa.event.listen(
    _records,
    "after_create",
    sa.DDL(  # type: ignore[no-untyped-call]  # unannotated in SQLAlchemy
        "CREATE TRIGGER intercom_redact_audit_no_delete BEFORE DELETE ON intercom_redact_audit "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    ).execute_if(dialect="sqlite"),
)
for _statement in (
    "CREATE OR REPLACE FUNCTION intercom_redact_audit_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER intercom_redact_audit_no_change BEFORE UPDATE OR DELETE ON intercom_redact_audit "
    "FOR EACH ROW EXECUTE FUNCTION intercom_redact_audit_append_only()",
    "CREATE TRIGGER intercom_redact_audit_no_truncate BEFORE TRUNCATE ON intercom_redact_audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION intercom_redact_audit_append_only()",
):
    ddl = sa.DDL(_statement)  # type: ignore[no-untyped-call]  # unannotated in SQLAlchemy
    sa.event.listen(_records, "after_create", ddl.execute_if(dialect="postgresql"))


def default_audit_url() -> str:
    """The audit log used when no URL is given.

    ``INTERCOM_REDACT_AUDIT_URL`` if set, else a SQLite file
    ``$XDG_DATA_HOME/intercom-redact/audit.sqlite3`` (``~/.local/share/…``).
    """
    url = os.environ.get("INTERCOM_REDACT_AUDIT_URL")
    if url:
        return url
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return "sqlite:///" + os.path.join(data_home, "intercom-redact", "audit.sqlite3")


@dataclass(frozen=True)
class AuditRecord:
    """One record of the audit log.

    :param seq: Position in the log, from 1.
    :param recorded_at: When it was appended (UTC).
    :param kind: What happened, e.g. ``"deletion.completed"``.
    :param subject: What it is about (e.g. a deletion request id), or ``None``.
    :param payload: JSON-compatible details.  Never raw personal data.
    :param prev_digest: Digest of the previous record (``"0" * 64`` for the first).
    :param digest: SHA-256 of this record's canonical content.
    """

    seq: int
    recorded_at: datetime
    kind: str
    subject: str | None
    payload: Mapping[str, Any]
    prev_digest: str
    digest: str


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain breaks.

    :param seq: The record named (for ``removed``: the first missing sequence number).
    :param problem: ``"modified"``, ``"removed"`` or ``"reordered"``.
    :param detail: A sentence explaining what was found.
    """

    seq: int
    problem: str
    detail: str

    def __str__(self) -> str:
        return f"record {self.seq}: {self.problem}: {self.detail}"


@dataclass(frozen=True)
class VerifyReport:
    """Result of :meth:`AuditLog.verify`.

    :param records: Number of records checked.
    :param head_digest: Digest of the last record; keep a copy elsewhere to
        detect a rewrite of the whole chain.
    :param problems: Every break found, in log order; empty when intact.
    """

    records: int
    head_digest: str
    problems: tuple[ChainProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the chain is intact."""
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return f"audit log intact: {self.records} records, head {self.head_digest}"
        lines = [f"audit log BROKEN: {len(self.problems)} problem(s) in {self.records} records"]
        lines.extend(f"  {p}" for p in self.problems)
        return "\n".join(lines)


class AuditLog:
    """An append-only, hash-chained audit log in SQLite or PostgreSQL.

    :param url: Database URL; ``None`` means :func:`default_audit_url`.  SQLite
        files are created with mode 0600.

    Raises :class:`~intercom_redact.compliance.DatabaseError` (naming the URL
    without its password) when the database cannot be reached.
    """

    def __init__(self, url: str | None = None) -> None:
        self._db = Database(url or default_audit_url())
        self._create_tables()

    @property
    def url(self) -> str:
        """The database URL with its password hidden."""
        return self._db.display_url

    def __repr__(self) -> str:
        return f"AuditLog({self.url!r})"

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self._db.dispose()

    def append(
        self, kind: str, payload: Mapping[str, Any], *, subject: str | None = None, now: datetime | None = None
    ) -> AuditRecord:
        """Append a record and return it once it is committed (durable).

        :param kind: What happened, e.g. ``"retention.enforced"``.
        :param payload: JSON-compatible details; must not hold raw personal data.
        :param subject: What the record is about, for :meth:`records` lookups.
        :param now: Timestamp to record (UTC); defaults to the current time.
        """
        recorded_at = _utc(now or datetime.now(timezone.utc))
        stamp = _timestamp(recorded_at)
        payload_text = _canonical(payload)
        with self._db.begin() as conn:
            last_seq, last_digest = self._lock_head(conn)
            digest = _digest(stamp, kind, subject, payload_text, last_digest)
            record = AuditRecord(
                seq=last_seq + 1,
                recorded_at=recorded_at,
                kind=kind,
                subject=subject,
                payload=orjson.loads(payload_text),
                prev_digest=last_digest,
                digest=digest,
            )
            conn.execute(
                _records.insert().values(
                    seq=record.seq,
                    recorded_at=stamp,
                    kind=kind,
                    subject=subject,
                    payload=payload_text,
                    prev_digest=last_digest,
                    digest=digest,
                )
            )
            conn.execute(
                _head.update().where(_head.c.id == 1).values(last_seq=record.seq, last_digest=digest)
            )
        return record

    def records(self, *, kind: str | None = None, subject: str | None = None) -> Iterator[AuditRecord]:
        """Yield records in log order, optionally only one *kind* and/or *subject*."""
        query = sa.select(_records).order_by(_records.c.seq)
        if kind is not None:
            query = query.where(_records.c.kind == kind)
        if subject is not None:
            query = query.where(_records.c.subject == subject)
        with self._db.begin() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            yield _record(row)

    def verify(self) -> VerifyReport:
        """Check the whole chain and report every modified, removed or reordered record."""
        with self._db.begin() as conn:
            rows = conn.execute(sa.select(_records).order_by(_records.c.seq)).all()
            head = conn.execute(sa.select(_head).where(_head.c.id == 1)).one_or_none()
        return _verify(rows, head)

    # -- internals ------------------------------------------------------------------

    def _create_tables(self) -> None:
        insert = (sqlite.insert if self._db.is_sqlite else postgresql.insert)(_head)
        with self._db.begin() as conn:
            if not self._db.is_sqlite:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_DDL_LOCK)))
            _metadata.create_all(conn)
            conn.execute(insert.values(id=1, last_seq=0, last_digest=GENESIS).on_conflict_do_nothing())

    def _lock_head(self, conn: Connection) -> tuple[int, str]:
        query = sa.select(_head.c.last_seq, _head.c.last_digest).where(_head.c.id == 1)
        if not self._db.is_sqlite:
            query = query.with_for_update()
        row = conn.execute(query).one_or_none()
        if row is None:
            raise DatabaseError(f"audit log {self.url}: head row missing; run verify()", url=self.url)
        return int(row.last_seq), str(row.last_digest)


def _verify(rows: Sequence[Any], head: Any) -> VerifyReport:
    problems: list[ChainProblem] = []
    by_digest = {row.digest: row for row in rows}
    prev: Any = None
    for row in rows:
        expected_seq = 1 if prev is None else prev.seq + 1
        gap = row.seq != expected_seq
        if gap:
            missing = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}-{row.seq - 1}"
            problems.append(ChainProblem(expected_seq, "removed", f"record(s) {missing} missing"))
        if _digest(row.recorded_at, row.kind, row.subject, row.payload, row.prev_digest) != row.digest:
            problems.append(ChainProblem(row.seq, "modified", "content does not match its digest"))
        expected_prev = GENESIS if prev is None else prev.digest
        if row.prev_digest != expected_prev and not gap:
            chained_to = by_digest.get(row.prev_digest)
            if chained_to is not None and chained_to is not prev:
                problems.append(ChainProblem(
                    row.seq, "reordered", f"it follows record {chained_to.seq}, not the record before it"
                ))
            elif prev is None:
                problems.append(ChainProblem(row.seq, "modified", "first record does not start the chain"))
            else:
                problems.append(ChainProblem(
                    prev.seq, "modified",
                    f"record {row.seq} does not chain to it (its digest was recomputed, or records were "
                    "removed and renumbered)",
                ))
        prev = row
    last_seq, last_digest = (prev.seq, prev.digest) if prev is not None else (0, GENESIS)
    if head is None:
        problems.append(ChainProblem(last_seq, "modified", "head row missing"))
    elif head.last_seq > last_seq:
        cut = f"records {last_seq + 1}-{head.last_seq} cut from the end"
        problems.append(ChainProblem(last_seq + 1, "removed", cut))
    elif (head.last_seq, head.last_digest) != (last_seq, last_digest):
        problems.append(ChainProblem(last_seq, "modified", "last record does not match the head row"))
    return VerifyReport(records=len(rows), head_digest=last_digest, problems=tuple(problems))


def _canonical(payload: Mapping[str, Any]) -> str:
    try:
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError as exc:
        raise TypeError(f"audit payload must be JSON-compatible: {exc}") from None


def _digest(recorded_at: str, kind: str, subject: str | None, payload_text: str, prev_digest: str) -> str:
    # The sequence number is deliberately not hashed: order is carried by the
    # chain itself, which is what lets verify() tell "reordered" from "modified".
    content = orjson.dumps([recorded_at, kind, subject, payload_text, prev_digest])
    return hashlib.sha256(content).hexdigest()


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return moment.astimezone(timezone.utc)


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def _record(row: Any) -> AuditRecord:
    return AuditRecord(
        seq=int(row.seq),
        recorded_at=_parse_timestamp(row.recorded_at),
        kind=row.kind,
        subject=row.subject,
        payload=orjson.loads(row.payload),
        prev_digest=row.prev_digest,
        digest=row.digest,
    )
