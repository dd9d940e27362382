"""Local copies of Intercom data, and how deletion and retention reach them.

Two small protocols say what a store must do:

* :class:`ContactStore` – ``purge_contact(contact_id)`` for right-to-deletion;
* :class:`RetentionStore` – ``expire(category, before, …)`` for retention;

and :class:`LocalStore` is both.  Register your own stores (a Redis cache, a
data-warehouse table, …) by implementing them; the library's own caches live in
:class:`SQLStore`, and :class:`ExportDirectory` covers export files.

:class:`SQLStore` never keeps raw personal data unless the policy says so:
contacts are cached as :func:`~intercom_redact.compliance.minimize` output
(the purpose decides the fields), conversations and webhook events are redacted
through the engine before they are written.

What remains is still encrypted at rest, field by field
(:mod:`~intercom_redact.compliance.crypto`): every ``data`` column holds an
AES-256-GCM ciphertext bound to its store, table, row key and field, so a
database file, dump or backup shows ids and timestamps only.  The store refuses
to start without a data key.  Looking a contact up by e-mail goes through a
blind index, the whole keyed HMAC of the normalized address
(:func:`~intercom_redact.actions.keyed_digest`, whose prefix is the address's
pseudonym in logs), never the address itself.
Deletion and retention delete rows, ciphertexts with them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..actions import HmacKey, MissingKeyError, keyed_digest
from ._sql import Database, parse_url
from .crypto import DecryptionError, FieldId, Keyring, open_field, seal_field, sealed_prefix
from .dsar import FORMAT as DSAR_FORMAT
from .envelope import read_header, reencrypt_file
from .minimize import Minimizer

if TYPE_CHECKING:
    from ..engine import Redactor
    from .audit import AuditLog

__all__ = [
    "CONTACT_CACHE",
    "CONVERSATION_CACHE",
    "EXPORT_FILES",
    "WEBHOOK_EVENTS",
    "ContactStore",
    "ExportDirectory",
    "LocalStore",
    "RetentionStore",
    "SQLStore",
]

CONTACT_CACHE = "contact_cache"
CONVERSATION_CACHE = "conversation_cache"
WEBHOOK_EVENTS = "webhook_events"
EXPORT_FILES = "export_files"


@runtime_checkable
class ContactStore(Protocol):
    """A place holding data about contacts, which deletion must purge."""

    #: Recorded in the audit log as a data source purged.
    name: str

    def purge_contact(self, contact_id: str) -> int:
        """Delete everything held about *contact_id*; return how many items went.

        Must be idempotent: deletion may call it again after a crash.
        """
        ...


@runtime_checkable
class RetentionStore(Protocol):
    """A place whose items expire after a retention period."""

    name: str
    #: Retention categories held, e.g. ``("contact_cache",)``.
    categories: tuple[str, ...]

    def expire(self, category: str, before: datetime, *, batch_size: int = 500, dry_run: bool = False) -> int:
        """Delete items of *category* stored before *before*, *batch_size* per
        transaction; with *dry_run*, only count them.  Return the count."""
        ...


@runtime_checkable
class LocalStore(ContactStore, RetentionStore, Protocol):
    """A store that deletion purges and retention expires."""


_metadata = sa.MetaData()
_contacts = sa.Table(
    "intercom_redact_contact_cache",
    _metadata,
    sa.Column("contact_id", sa.String(64), primary_key=True),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("stored_at", sa.Float, nullable=False, index=True),
    # Blind index: the HMAC key's id and the whole keyed digest of the normalized e-mail.
    sa.Column("email_index", sa.Text, nullable=True, index=True),
)
_conversations = sa.Table(
    "intercom_redact_conversation_cache",
    _metadata,
    sa.Column("conversation_id", sa.String(64), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("stored_at", sa.Float, nullable=False, index=True),
)
_events = sa.Table(
    "intercom_redact_webhook_events",
    _metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("topic", sa.String(128), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("stored_at", sa.Float, nullable=False, index=True),
)
# Which contacts a cached conversation or webhook event is about, so deletion can find them.
_links = sa.Table(
    "intercom_redact_cache_contacts",
    _metadata,
    sa.Column("category", sa.String(32), primary_key=True),
    sa.Column("item_id", sa.String(128), primary_key=True),
    sa.Column("contact_id", sa.String(64), primary_key=True, index=True),
)
_TABLES: dict[str, tuple[sa.Table, sa.Column[Any]]] = {
    CONTACT_CACHE: (_contacts, _contacts.c.contact_id),
    CONVERSATION_CACHE: (_conversations, _conversations.c.conversation_id),
    WEBHOOK_EVENTS: (_events, _events.c.event_id),
}
_PG_DDL_LOCK = 0x1C0_57E5
# The one field of each table that is encrypted.
_DATA = "data"


class SQLStore:
    """The library's own caches in SQLite or PostgreSQL: contacts, conversations, webhook events.

    :param url: Database URL (``sqlite:///path``, file mode 0600, or ``postgresql+psycopg://…``).
    :param purpose: Minimization purpose for cached contacts (default keeps no PII).
    :param purposes: Extra purposes for :class:`~intercom_redact.compliance.Minimizer`.
    :param redactor: Redacts conversations and webhook events before they are
        stored; default: a :class:`~intercom_redact.Redactor` with the default policy.
    :param name: Name recorded in the audit log; also bound to every ciphertext, so
        renaming a store makes its data unreadable.
    :param data_key: The data-encryption keyring (``id:base64key,…`` or a
        :class:`~intercom_redact.compliance.Keyring`); default ``INTERCOM_REDACT_DATA_KEY``.
    :param hmac_key: Key of the e-mail blind index (:meth:`find_contacts_by_email`);
        default ``INTERCOM_REDACT_HMAC_KEY``; without one, no index is written.
    :raises DataKeyError: no data key: the store refuses to start.
    """

    categories = (CONTACT_CACHE, CONVERSATION_CACHE, WEBHOOK_EVENTS)

    def __init__(
        self,
        url: str,
        *,
        purpose: str = "default",
        purposes: Mapping[str, Iterable[str]] | None = None,
        redactor: Redactor | None = None,
        name: str = "sql_cache",
        data_key: str | Keyring | None = None,
        hmac_key: str | bytes | HmacKey | None = None,
    ) -> None:
        self.name = name
        parsed = parse_url(url)  # a malformed URL is the first thing to fix, before a missing key
        self._keyring = Keyring.require(
            data_key, problem=f"store {name!r} keeps personal data and refuses to start without a data-encryption key"
        )
        self._hmac_key = HmacKey.resolve(hmac_key)
        self._minimizer = Minimizer(purposes)
        self._minimizer({}, purpose)  # fail now, not at the first put, on an unknown purpose
        self._purpose = purpose
        self._redactor = redactor
        self._db = Database(parsed)
        self._insert = sqlite.insert if self._db.is_sqlite else postgresql.insert
        with self._db.begin() as conn:
            if not self._db.is_sqlite:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_DDL_LOCK)))
            _metadata.create_all(conn)

    def __repr__(self) -> str:
        return f"SQLStore({self._db.display_url!r}, name={self.name!r})"

    def close(self) -> None:
        """Release the database connections."""
        self._db.dispose()

    # -- writing ----------------------------------------------------------------------

    def put_contact(self, contact: Mapping[str, Any], *, now: datetime | None = None) -> None:
        """Cache ``minimize(contact, purpose)`` (replacing an earlier copy)."""
        contact_id = str(contact["id"])
        row = {
            "contact_id": contact_id,
            "purpose": self._purpose,
            "data": self._seal(_contacts, contact_id, _json(self._minimizer(contact, self._purpose))),
            "stored_at": _epoch(now),
            "email_index": self._email_index(contact.get("email")),
        }
        with self._db.begin() as conn:
            self._upsert(conn, _contacts, row, "contact_id")

    def put_conversation(self, conversation: Mapping[str, Any], *, now: datetime | None = None) -> None:
        """Cache a redacted copy of *conversation* (replacing an earlier copy)."""
        conversation_id = str(conversation["id"])
        row = {
            "conversation_id": conversation_id,
            "data": self._seal(_conversations, conversation_id, _json(self._redact(conversation))),
            "stored_at": _epoch(now),
        }
        with self._db.begin() as conn:
            self._upsert(conn, _conversations, row, "conversation_id")
            self._link(conn, CONVERSATION_CACHE, conversation_id, _conversation_contacts(conversation))

    def record_webhook_event(self, event: Mapping[str, Any], *, now: datetime | None = None) -> bool:
        """Store a redacted copy of a webhook notification; ``False`` if its id was seen before.

        The return value makes webhook handling idempotent (Intercom may deliver twice).
        """
        event_id = str(event["id"])
        row = {
            "event_id": event_id,
            "topic": str(event.get("topic", "")),
            "data": self._seal(_events, event_id, _json(self._redact(event))),
            "stored_at": _epoch(now),
        }
        with self._db.begin() as conn:
            statement = self._insert(_events).values(**row).on_conflict_do_nothing()
            inserted = conn.execute(statement.returning(_events.c.event_id)).first() is not None
            if inserted:
                self._link(conn, WEBHOOK_EVENTS, event_id, _event_contacts(event))
        return inserted

    # -- reading ----------------------------------------------------------------------

    def get_contact(self, contact_id: str) -> dict[str, Any] | None:
        """The cached (minimized) contact, or ``None``."""
        return self._get(_contacts, _contacts.c.contact_id, contact_id)

    def find_contacts_by_email(self, email: str) -> list[dict[str, Any]]:
        """The cached contacts whose e-mail matches *email* (case and spacing aside).

        Looked up through the blind index, so the address is never stored or compared in clear.
        Intercom allows several contacts with one e-mail, hence a list.

        :raises MissingKeyError: the store has no HMAC key, so it keeps no index.
        """
        if self._hmac_key is None:
            raise MissingKeyError(
                f"store {self.name!r} has no HMAC key, so it keeps no e-mail index: set INTERCOM_REDACT_HMAC_KEY"
            )
        index = self._email_index(email)
        if index is None:
            return []
        query = sa.select(_contacts.c.contact_id, _contacts.c.data).where(
            _contacts.c.email_index == index
        ).order_by(_contacts.c.contact_id)
        with self._db.begin() as conn:
            rows = conn.execute(query).all()
        return [orjson.loads(self._open(_contacts, row.contact_id, row.data)) for row in rows]

    def get_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        """The cached (redacted) conversation, or ``None``."""
        return self._get(_conversations, _conversations.c.conversation_id, conversation_id)

    def get_webhook_event(self, event_id: str) -> dict[str, Any] | None:
        """The stored (redacted) webhook notification, or ``None``."""
        return self._get(_events, _events.c.event_id, event_id)

    # -- deletion and retention ---------------------------------------------------------

    def purge_contact(self, contact_id: str) -> int:
        """Delete the contact's cache entry and every conversation and event about it."""
        with self._db.begin() as conn:
            purged = conn.execute(_contacts.delete().where(_contacts.c.contact_id == contact_id)).rowcount
            for category in (CONVERSATION_CACHE, WEBHOOK_EVENTS):
                table, key = _TABLES[category]
                items = [r[0] for r in conn.execute(
                    sa.select(_links.c.item_id).where(_links.c.category == category, _links.c.contact_id == contact_id)
                )]
                for chunk in _chunks(items, 500):
                    purged += conn.execute(table.delete().where(key.in_(chunk))).rowcount
                    conn.execute(_links.delete().where(_links.c.category == category, _links.c.item_id.in_(chunk)))
        return purged

    def holds_contact(self, contact_id: str) -> bool:
        """Whether anything about *contact_id* is cached (deletion tells a mistyped id by it)."""
        with self._db.begin() as conn:
            for table, key in ((_contacts, _contacts.c.contact_id), (_links, _links.c.contact_id)):
                if conn.execute(sa.select(sa.literal(1)).select_from(table).where(key == contact_id).limit(1)).first():
                    return True
        return False

    def expire(self, category: str, before: datetime, *, batch_size: int = 500, dry_run: bool = False) -> int:
        """Delete items of *category* stored before *before*, one transaction per batch."""
        try:
            table, key = _TABLES[category]
        except KeyError:
            raise ValueError(f"{self.name} holds no {category!r}; it holds {', '.join(self.categories)}") from None
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        expired = table.c.stored_at < before.timestamp()
        if dry_run:
            with self._db.begin() as conn:
                return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(expired)).scalar_one())
        total = 0
        while True:
            with self._db.begin() as conn:
                ids = [r[0] for r in conn.execute(sa.select(key).where(expired).order_by(key).limit(batch_size))]
                if ids:
                    conn.execute(table.delete().where(key.in_(ids)))
                    conn.execute(_links.delete().where(_links.c.category == category, _links.c.item_id.in_(ids)))
            total += len(ids)
            if len(ids) < batch_size:
                return total

    # -- keys -------------------------------------------------------------------------

    def rotate_keys(
        self,
        *,
        batch_size: int = 500,
        audit: AuditLog | None = None,
        on_batch: Callable[[str, int], None] | None = None,
    ) -> dict[str, int]:
        """Re-encrypt every value not yet under the keyring's newest key.

        Resumable: each batch of *batch_size* rows is one transaction, and a rerun finds the
        rows still to do by their key id, so an interrupted rotation (even ``kill -9``) loses
        nothing and does nothing twice.  Every process writing to the store must already
        have the new keyring, or it will keep writing under the old key.

        :param audit: When given, a ``keys.rotated`` record with the counts is appended.
        :param on_batch: Called with ``(category, rows re-encrypted so far)`` after each batch.
        :returns: Rows re-encrypted by this run, per category.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        prefix = sealed_prefix(self._keyring.primary.key_id)
        counts: dict[str, int] = {}
        for category, (table, key) in _TABLES.items():
            counts[category] = 0
            while True:
                done = self._rotate_batch(table, key, prefix, batch_size)
                counts[category] += done
                if on_batch is not None and done:
                    on_batch(category, counts[category])
                if done < batch_size:
                    break
        if audit is not None:
            _audit_rotation(audit, self.name, self._keyring, counts)
        return counts

    def _rotate_batch(self, table: sa.Table, key: sa.Column[Any], prefix: str, batch_size: int) -> int:
        query = sa.select(key, table.c.data).where(
            sa.not_(table.c.data.startswith(prefix, autoescape=True))
        ).order_by(key).limit(batch_size)
        if not self._db.is_sqlite:  # a concurrent writer waits instead of being overwritten
            query = query.with_for_update()
        with self._db.begin() as conn:
            rows = conn.execute(query).all()
            for row_key, data in rows:
                plaintext = self._open(table, row_key, data)
                conn.execute(table.update().where(key == row_key).values(data=self._seal(table, row_key, plaintext)))
        return len(rows)

    # -- internals ------------------------------------------------------------------

    def _seal(self, table: sa.Table, row_key: str, plaintext: bytes) -> str:
        return seal_field(self._keyring, plaintext, FieldId(self.name, table.name, row_key, _DATA))

    def _open(self, table: sa.Table, row_key: str, sealed: str) -> bytes:
        return open_field(self._keyring, sealed, FieldId(self.name, table.name, row_key, _DATA))

    def _email_index(self, email: object) -> str | None:
        if self._hmac_key is None or not isinstance(email, str) or not email.strip():
            return None
        return f"{self._hmac_key.key_id}:{keyed_digest(self._hmac_key, 'EMAIL_ADDRESS', email)}"

    def _redact(self, value: Mapping[str, Any]) -> Any:
        if self._redactor is None:
            from ..engine import Redactor  # the engine loads the scanner; only pay for it when used

            self._redactor = Redactor()
        return self._redactor.redact(value)

    def _upsert(self, conn: Connection, table: sa.Table, row: dict[str, Any], key: str) -> None:
        statement = self._insert(table).values(**row)
        conn.execute(statement.on_conflict_do_update(
            index_elements=[key], set_={k: statement.excluded[k] for k in row if k != key}
        ))

    def _link(self, conn: Connection, category: str, item_id: str, contact_ids: set[str]) -> None:
        conn.execute(_links.delete().where(_links.c.category == category, _links.c.item_id == item_id))
        if contact_ids:
            conn.execute(_links.insert(), [
                {"category": category, "item_id": item_id, "contact_id": cid} for cid in sorted(contact_ids)
            ])

    def _get(self, table: sa.Table, key: sa.Column[Any], value: str) -> dict[str, Any] | None:
        with self._db.begin() as conn:
            data = conn.execute(sa.select(table.c.data).where(key == value)).scalar_one_or_none()
        return None if data is None else orjson.loads(self._open(table, value, data))


class ExportDirectory:
    """Export files (DSAR documents, bulk exports) in a directory.

    Retention removes files by modification time; deletion removes the DSAR
    documents written by :func:`~intercom_redact.compliance.write_export` of the
    contact being deleted (plain ``*.json`` ones by their content, encrypted files
    of any name whose header's subject is the contact, without the key) and their
    readable reports (``*.html`` written by :func:`~intercom_redact.compliance.write_report`).
    Subdirectories are searched too; symbolic links are removed, never followed.

    :param path: The export directory.
    :param name: Name recorded in the audit log.
    """

    categories = (EXPORT_FILES,)

    def __init__(self, path: str | os.PathLike[str], *, name: str = "export_directory") -> None:
        self.path = os.fspath(path)
        self.name = name

    def __repr__(self) -> str:
        return f"ExportDirectory({self.path!r})"

    def purge_contact(self, contact_id: str) -> int:
        """Delete the DSAR documents and reports about *contact_id*; return how many."""
        from .report import is_report_of  # imported here: the report module imports retention, which imports us

        if not os.path.isdir(self.path):
            return 0
        count = 0
        for entry in _walk_files(self.path):
            if entry.is_symlink():
                continue
            if _is_about(entry.path, contact_id) or (
                    entry.name.endswith(".html") and is_report_of(entry.path, contact_id)):
                os.unlink(entry.path)
                count += 1
        return count

    def rotate_keys(self, data_key: str | Keyring | None = None, *, audit: AuditLog | None = None) -> dict[str, int]:
        """Re-encrypt every encrypted file not yet under the keyring's newest key (plain files stay plain).

        Each file is replaced atomically, keeping its modification time, so an interrupted run
        is finished by running it again.

        :param data_key: The keyring; default ``INTERCOM_REDACT_DATA_KEY``.
        :param audit: When given, a ``keys.rotated`` record with the count is appended.
        :returns: ``{"export_files": files re-encrypted}``.
        """
        keyring = Keyring.require(data_key, problem=f"rotating the keys of {self.name} needs the data keys")
        count = 0
        if os.path.isdir(self.path):
            count = sum(reencrypt_file(e.path, keyring) for e in _walk_files(self.path) if not e.is_symlink())
        counts = {EXPORT_FILES: count}
        if audit is not None:
            _audit_rotation(audit, self.name, keyring, counts)
        return counts

    def holds_contact(self, contact_id: str) -> bool:
        """Whether a DSAR document about *contact_id* (plain or encrypted) is here."""
        if not os.path.isdir(self.path):
            return False
        return any(not entry.is_symlink() and _is_about(entry.path, contact_id) for entry in _walk_files(self.path))

    def expire(self, category: str, before: datetime, *, batch_size: int = 500, dry_run: bool = False) -> int:
        """Delete files last modified before *before* (*batch_size* is accepted for the protocol)."""
        if category != EXPORT_FILES:
            raise ValueError(f"{self.name} holds no {category!r}; it holds {EXPORT_FILES}")
        if not os.path.isdir(self.path):
            return 0
        cutoff = before.timestamp()
        count = 0
        for entry in _walk_files(self.path):
            if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
            if not dry_run:
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:  # removed meanwhile: what we wanted
                    continue
            count += 1
        return count


def _audit_rotation(audit: AuditLog, store: str, keyring: Keyring, counts: dict[str, int]) -> None:
    audit.append("keys.rotated", {
        "store": store,
        "key_id": keyring.primary.key_id,
        "key_ids": list(keyring.key_ids),
        "reencrypted": counts,
    })


def _walk_files(path: str) -> Iterator[os.DirEntry[str]]:
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk_files(entry.path)
            elif entry.is_file(follow_symlinks=False) or entry.is_symlink():
                yield entry


def _is_about(path: str, contact_id: str) -> bool:
    try:
        with open(path, "rb") as f:
            found = read_header(f)
            if found is not None:  # any purpose: a file whose header names the contact is about the contact
                return bool(found[0]["subject"] == f"contact:{contact_id}")
            if not path.endswith(".json"):
                return False
            f.seek(0)
            document = orjson.loads(f.read())
    except (OSError, orjson.JSONDecodeError, DecryptionError):
        return False  # not ours to judge: unreadable, not JSON, or a corrupt header
    contact = document.get("contact") if isinstance(document, dict) else None
    return document.get("format") == DSAR_FORMAT and isinstance(contact, Mapping) and contact.get("id") == contact_id


def _conversation_contacts(conversation: Mapping[str, Any]) -> set[str]:
    ids: set[str] = set()
    contacts = conversation.get("contacts")
    listed = contacts.get("contacts") if isinstance(contacts, Mapping) else contacts
    for contact in listed if isinstance(listed, list) else ():
        if isinstance(contact, Mapping) and contact.get("id"):
            ids.add(str(contact["id"]))
    source = conversation.get("source")
    author = source.get("author") if isinstance(source, Mapping) else None
    if isinstance(author, Mapping) and author.get("type") in ("user", "lead", "contact") and author.get("id"):
        ids.add(str(author["id"]))
    return ids


def _event_contacts(event: Mapping[str, Any]) -> set[str]:
    data = event.get("data")
    item = data.get("item") if isinstance(data, Mapping) else None
    if not isinstance(item, Mapping):
        return set()
    if item.get("type") in ("contact", "user", "lead") and item.get("id"):
        return {str(item["id"])}
    if item.get("type") == "conversation":
        return _conversation_contacts(item)
    return set()


def _json(value: Any) -> bytes:
    return orjson.dumps(value, default=str)


def _epoch(now: datetime | None) -> float:
    return time.time() if now is None else now.timestamp()


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
