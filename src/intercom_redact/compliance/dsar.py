"""Data-subject access requests (GDPR Art. 15, CCPA right to know): everything Intercom holds on a contact."""

from __future__ import annotations

import datetime
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from intercom_redact._log import get_logger
from intercom_redact.compliance.client import IntercomClient
from intercom_redact.compliance.crypto import Keyring, export_keyring
from intercom_redact.compliance.envelope import sealed_output
from intercom_redact.compliance.errors import ContactNotFound, NotFound

__all__ = ["DSAR_PURPOSE", "EVENTS_NOTE", "FORMAT", "dsar_subject", "export_contact_data", "write_export"]

log = get_logger(__name__)

#: Identifies the document layout; bumped when keys change meaning.
FORMAT = "intercom-redact.dsar/1"
#: The ``purpose`` in the header of an encrypted DSAR document.
DSAR_PURPOSE = "dsar"

#: Recorded in every export: the API cannot list older data events.
EVENTS_NOTE = (
    "Intercom lists only the data events of the last 90 days; older events are counted in Intercom's "
    "event summaries but cannot be exported through the API."
)
_PARTS_LIMIT = 500


def _resolve_contact(
    client: IntercomClient, contact_id: str | None, email: str | None, external_id: str | None
) -> dict[str, Any]:
    if sum(x is not None for x in (contact_id, email, external_id)) != 1:
        raise ValueError("give exactly one of contact_id, email= or external_id=")
    if contact_id is not None:
        try:
            return client.get_contact(contact_id)
        except NotFound as exc:
            raise ContactNotFound(
                f"no Intercom contact with id {contact_id} (unknown, deleted or merged)",
                contact_id=contact_id, status=exc.status, errors=exc.errors, request_id=exc.request_id,
            ) from None
    if email is not None:
        found = client.find_contact_by_email(email)
        if found is None:
            raise ContactNotFound("no Intercom contact has the given email")
    else:
        found = client.find_contact_by_external_id(str(external_id))
        if found is None:
            raise ContactNotFound(f"no Intercom contact with external id {external_id}")
    # Fetch by id so the document has the same shape whatever the lookup was.
    return client.get_contact(found["id"])


def export_contact_data(
    client: IntercomClient,
    contact_id: str | None = None,
    *,
    email: str | None = None,
    external_id: str | None = None,
) -> dict[str, Any]:
    """Collect everything Intercom holds on one contact into a JSON-ready dict.

    Identify the contact by exactly one of *contact_id*, *email* or *external_id*. The result has
    ``contact``, ``conversations`` (every conversation found by searching ``contact_ids``, all pages,
    each fetched whole with its parts), ``tags``, ``segments``, ``notes``, ``companies``,
    ``subscriptions``, ``events`` (``{"data": [...], "note": EVENTS_NOTE}``), ``summary`` (counts)
    and ``limitations`` (what the API could not return).

    :raises ContactNotFound: no such contact (the message names a contact id, never an email).
    :raises AmbiguousContactError: the email matches several contacts; pass a contact id instead.
    :raises IntercomError: any other API failure, after the client's retries.
    """
    contact = _resolve_contact(client, contact_id, email, external_id)
    cid = contact["id"]
    log.info("dsar export started", contact_id=cid)

    conversations = []
    for found in client.search_conversations({"field": "contact_ids", "operator": "=", "value": cid}):
        conversations.append(client.get_conversation(found["id"]))
    events = list(client.list_contact_events(cid))
    data: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "intercom_version": client.version,
        "contact": contact,
        "conversations": conversations,
        "tags": client.list_contact_tags(cid),
        "segments": client.list_contact_segments(cid),
        "notes": list(client.list_contact_notes(cid)),
        "companies": list(client.list_contact_companies(cid)),
        "subscriptions": client.list_contact_subscriptions(cid),
        "events": {"data": events, "note": EVENTS_NOTE},
    }
    data["limitations"] = _limitations(conversations)
    data["summary"] = _summary(data)
    log.info("dsar export finished", contact_id=cid, **data["summary"])
    return data


def _parts(conversation: Mapping[str, Any]) -> tuple[int, int]:
    """(parts returned, parts Intercom says exist)."""
    parts = conversation.get("conversation_parts") or {}
    returned = len(parts.get("conversation_parts") or [])
    return returned, max(int(parts.get("total_count") or 0), returned)


def _limitations(conversations: list[dict[str, Any]]) -> list[str]:
    notes = [EVENTS_NOTE]
    truncated = [c["id"] for c in conversations if _parts(c)[0] < _parts(c)[1]]
    if truncated:
        notes.append(
            f"Intercom returns at most the {_PARTS_LIMIT} most recent parts of a conversation; older parts of "
            f"conversations {', '.join(truncated)} are not included."
        )
    return notes


def _summary(data: Mapping[str, Any]) -> dict[str, int]:
    return {
        "conversations": len(data["conversations"]),
        "conversation_parts": sum(_parts(c)[0] for c in data["conversations"]),
        "tags": len(data["tags"]),
        "segments": len(data["segments"]),
        "notes": len(data["notes"]),
        "companies": len(data["companies"]),
        "subscriptions": len(data["subscriptions"]),
        "events": len(data["events"]["data"]),
    }


def write_export(
    data: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    encrypt: bool | None = None,
    data_key: str | Keyring | None = None,
) -> Path:
    """Write an export as JSON, atomically and readable by the owner only (mode 0600).

    The document goes to a temporary file in the target directory, is flushed to disk, then renamed
    over *path*: readers see the old file or the whole new one, never a part, and a crash leaves no
    partial export behind.

    :param encrypt: Write the :mod:`encrypted envelope <intercom_redact.compliance.envelope>`
        instead of plain JSON; the default is to encrypt when a data key is configured.
    :param data_key: The keyring (text or :class:`~intercom_redact.compliance.Keyring`); default
        ``INTERCOM_REDACT_DATA_KEY``.
    :raises DataKeyError: ``encrypt=True`` and no data key.
    """
    target = Path(path)
    keyring = export_keyring(encrypt, data_key, what="an encrypted DSAR export")
    payload = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    # mkstemp creates the file with mode 0600 whatever the umask is.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            with sealed_output(fh, keyring, name=target.name, purpose=DSAR_PURPOSE, subject=dsar_subject(data)) as sink:
                sink.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        dir_fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    log.info("dsar export written", bytes=len(payload), encrypted=keyring is not None)
    return target


def dsar_subject(data: Mapping[str, Any]) -> str | None:
    """What an encrypted document's header says it is about: the contact id, so deletion finds it
    (by the same rule as a plain document: our format, with a contact)."""
    contact = data.get("contact")
    if data.get("format") != FORMAT or not isinstance(contact, Mapping) or "id" not in contact:
        return None
    return f"contact:{contact['id']}"
