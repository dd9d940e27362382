"""Right to deletion (GDPR Art. 17, CCPA delete), resumable after a crash.

The audit log doubles as the write-ahead log.  A deletion is a request id and
a sequence of audit records, each appended (and committed) before the next
step starts::

    deletion.intent                          what will be done, to which stores
    deletion.step  summary                   export summary: counts, conversation ids, keyed email hash
    deletion.step  intercom_delete_sent      written *before* DELETE /contacts/{id}
    deletion.step  intercom_deleted          outcome: deleted | already_gone (404)
    deletion.step  store_purged   (per store)
    deletion.completed                       the proof: hashes, sources, counts, timestamps

:func:`resume_pending` reads those records back and continues each unfinished
request at the first step that has no record, so no step is skipped and no
recorded step runs again.  The one gap no local log can close is between
sending ``DELETE`` and recording its answer: a crash there means the resume
sends ``DELETE`` again, and Intercom answers 404 if the first one landed,
which is recorded as ``already_gone``.  Intercom never sees two successful
deletions.

The email is never stored: the audit record holds an HMAC of it (with the
key's id), so "was this person's data deleted?" can be answered by whoever
holds the key, and by nobody else.  The same key pseudonymizes personal data
in the ``actor`` (``jane@example.com`` as an operator), because the audit log
can never be erased.

Before the intent record, the contact must be known somewhere: Intercom has
it, the log records an earlier deletion of it, or a local store holds it.  A
mistyped id meets none of these and is refused with
:class:`UnknownContactError`, so it never gets a (permanent) erasure record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timezone
from typing import Any

from .._log import default_redactor, get_logger
from ..actions import HmacKey, MissingKeyError, pseudonymize
from ..scanner import apply_findings
from .audit import AuditLog, AuditRecord
from .client import IntercomClient
from .dsar import export_contact_data
from .errors import ContactNotFound, IntercomError, NotFound
from .stores import ContactStore

__all__ = [
    "INTERCOM",
    "REQUEST_TYPES",
    "DeletionResult",
    "UnknownContactError",
    "delete_contact_data",
    "pending_deletions",
    "resume_pending",
]

#: Name of the Intercom workspace among the sources purged.
INTERCOM = "intercom"
#: Accepted ``request_type`` values.
REQUEST_TYPES = frozenset({"GDPR_ERASURE", "CCPA_DELETE", "OTHER"})

_INTENT = "deletion.intent"
_STEP = "deletion.step"
_COMPLETED = "deletion.completed"

log = get_logger(__name__)


class UnknownContactError(ContactNotFound):
    """Nothing says the contact ever existed: nothing was deleted and nothing recorded.

    Intercom answers 404 for the id, the audit log has no earlier deletion of it, and no local store
    holds data about it -- most likely a mistyped id.  An erasure record for it would be a false
    proof, and a permanent one (the audit log is append-only).
    """


@dataclass(frozen=True)
class DeletionResult:
    """What a completed deletion did (the same facts as its audit record).

    :param request_id: Id of the deletion request (the audit records' subject).
    :param contact_id: The Intercom contact.
    :param intercom: ``"deleted"``, or ``"already_gone"`` when Intercom answered 404
        (deleted before, or merged into another contact).
    :param sources_purged: Items removed per source (``intercom`` counts 1 or 0).
    :param conversations_affected: Conversations the contact took part in.
    :param email_hash: Keyed hash of the email, ``None`` if the contact had none or was gone.
    :param resumed: Whether this run continued an interrupted deletion.
    :param record: The ``deletion.completed`` audit record.
    """

    request_id: str
    contact_id: str
    intercom: str
    sources_purged: Mapping[str, int]
    conversations_affected: int
    email_hash: str | None
    resumed: bool
    record: AuditRecord


@dataclass(frozen=True)
class _Request:
    intent: AuditRecord
    steps: tuple[AuditRecord, ...]

    @property
    def request_id(self) -> str:
        return str(self.intent.subject)

    @property
    def contact_id(self) -> str:
        return str(self.intent.payload["contact_id"])

    def step(self, name: str) -> AuditRecord | None:
        return next((r for r in self.steps if r.payload.get("step") == name), None)

    def purged(self) -> dict[str, int]:
        return {r.payload["store"]: r.payload["items"] for r in self.steps if r.payload.get("step") == "store_purged"}


def delete_contact_data(
    client: IntercomClient,
    contact_id: str,
    *,
    audit: AuditLog,
    stores: Iterable[ContactStore] = (),
    request_type: str = "GDPR_ERASURE",
    actor: str | None = None,
    hmac_key: str | bytes | HmacKey | None = None,
) -> DeletionResult:
    """Delete a contact in Intercom and in every local store, and prove it in the audit log.

    Steps: write-ahead intent record, export summary (counts only), ``DELETE
    /contacts/{id}`` (404 means already gone), purge each store, completion
    record.  If an unfinished deletion of the same contact is pending, it is
    continued instead of starting a second one.

    :param client: Intercom client.
    :param contact_id: Intercom contact id.
    :param audit: The audit log (also the write-ahead log).
    :param stores: Local stores to purge (each needs a distinct ``name``).
    :param request_type: ``GDPR_ERASURE``, ``CCPA_DELETE`` or ``OTHER``.
    :param actor: Who asked or ran it (an operator id, a ticket).  Personal data in it (an
        email, a phone number) is pseudonymized with the HMAC key before it is recorded:
        the audit log can never be erased.
    :param hmac_key: Key for the email hash and the actor's pseudonyms; default ``INTERCOM_REDACT_HMAC_KEY``.
    :raises MissingKeyError: no HMAC key (checked before anything is recorded).
    :raises UnknownContactError: Intercom never had the contact as far as anything shows
        (404, no earlier deletion recorded, nothing in the stores); nothing is recorded.
    :raises IntercomError: Intercom failed after retries; the deletion stays pending
        for :func:`resume_pending`.
    """
    if request_type not in REQUEST_TYPES:
        raise ValueError(f"request_type must be one of {', '.join(sorted(REQUEST_TYPES))}, got {request_type!r}")
    key = _key(hmac_key)
    named = _named(stores)
    pending = [r for r in _pending(audit) if r.contact_id == contact_id]
    if pending:
        log.info("deletion already pending; resuming it", request_id=pending[0].request_id, contact_id=contact_id)
        return _run(client, audit, pending[0], named, key, resumed=True)
    if not _ever_existed(client, audit, named, contact_id):
        raise UnknownContactError(
            f"contact {contact_id} is unknown: Intercom answers 404 (no such id, or merged into another "
            f"contact), no earlier deletion of it is recorded and no local store holds it; nothing was "
            f"deleted or recorded (check the id)", contact_id=contact_id, status=404)
    request_id = uuid.uuid4().hex
    intent = audit.append(_INTENT, {
        "request_id": request_id,
        "contact_id": contact_id,
        "request_type": request_type,
        "actor": _recorded_actor(actor, key),
        "stores": list(named),
    }, subject=request_id)
    log.info("deletion started", request_id=request_id, contact_id=contact_id, request_type=request_type)
    return _run(client, audit, _Request(intent, ()), named, key, resumed=False)


def resume_pending(
    client: IntercomClient,
    *,
    audit: AuditLog,
    stores: Iterable[ContactStore] = (),
    hmac_key: str | bytes | HmacKey | None = None,
) -> list[DeletionResult]:
    """Complete every interrupted deletion, oldest first, from its first unrecorded step.

    :param stores: The stores registered now; every store named in a pending
        request's intent must be among them (extra stores are purged too).
    :raises ValueError: a pending request needs a store that was not given.
    """
    key = _key(hmac_key)
    named = _named(stores)
    results = []
    for request in _pending(audit):
        log.info("resuming deletion", request_id=request.request_id, contact_id=request.contact_id)
        results.append(_run(client, audit, request, named, key, resumed=True))
    return results


def pending_deletions(audit: AuditLog) -> list[dict[str, Any]]:
    """Unfinished deletions: request id, contact id, request type, when requested, last step done."""
    return [
        {
            "request_id": r.request_id,
            "contact_id": r.contact_id,
            "request_type": r.intent.payload["request_type"],
            "requested_at": r.intent.recorded_at.isoformat(),
            "last_step": r.steps[-1].payload["step"] if r.steps else "intent",
        }
        for r in _pending(audit)
    ]


def _run(
    client: IntercomClient,
    audit: AuditLog,
    request: _Request,
    stores: dict[str, ContactStore],
    key: HmacKey,
    *,
    resumed: bool,
) -> DeletionResult:
    rid, cid = request.request_id, request.contact_id
    missing = [name for name in request.intent.payload["stores"] if name not in stores]
    if missing:
        raise ValueError(f"deletion {rid} must purge store(s) {', '.join(missing)}, which were not given")

    def step(name: str, **fields: Any) -> AuditRecord:
        return audit.append(_STEP, {"request_id": rid, "step": name, **fields}, subject=rid)

    summary = request.step("summary") or step("summary", **_summary(client, cid, key))

    deleted = request.step("intercom_deleted")
    if deleted is None:
        if request.step("intercom_delete_sent") is None:
            step("intercom_delete_sent")
        deleted = step("intercom_deleted", outcome=_delete(client, cid, rid))

    purged = request.purged()
    for name, store in stores.items():
        if name not in purged:
            purged[name] = store.purge_contact(cid)
            step("store_purged", store=name, items=purged[name])
            log.info("store purged", request_id=rid, store=name, items=purged[name])

    outcome = deleted.payload["outcome"]
    sources = {INTERCOM: int(outcome == "deleted"), **purged}
    intent = request.intent.payload
    record = audit.append(_COMPLETED, {
        "request_id": rid,
        "contact_id": cid,
        "request_type": intent["request_type"],
        "actor": intent["actor"],
        "contact_found": summary.payload["found"],
        "email_hash": summary.payload["email_hash"],
        "hmac_key_id": summary.payload["hmac_key_id"],
        "intercom": outcome,
        "sources_purged": sources,
        "conversations_affected": summary.payload["conversation_ids"],
        "export_summary": summary.payload["counts"],
        "requested_at": _iso(request.intent),
        "intercom_deleted_at": _iso(deleted),
        "resumed": resumed,
    }, subject=rid)
    log.info("deletion completed", request_id=rid, contact_id=cid, intercom=outcome, resumed=resumed)
    return DeletionResult(
        request_id=rid,
        contact_id=cid,
        intercom=outcome,
        sources_purged=sources,
        conversations_affected=len(summary.payload["conversation_ids"]),
        email_hash=summary.payload["email_hash"],
        resumed=resumed,
        record=record,
    )


def _summary(client: IntercomClient, contact_id: str, key: HmacKey) -> dict[str, Any]:
    try:
        export = export_contact_data(client, contact_id)
    except ContactNotFound:  # only the contact itself: a 404 on a conversation must not pass for "gone"
        log.warning("contact not found before deletion: deleted earlier or merged into another contact",
                    contact_id=contact_id)
        return {"found": False, "email_hash": None, "hmac_key_id": key.key_id, "counts": {}, "conversation_ids": []}
    email = export["contact"].get("email")
    return {
        "found": True,
        "email_hash": pseudonymize(key, "EMAIL_ADDRESS", email) if email else None,
        "hmac_key_id": key.key_id,
        "counts": export["summary"],
        "conversation_ids": [str(c["id"]) for c in export["conversations"]],
    }


def _ever_existed(client: IntercomClient, audit: AuditLog, stores: Mapping[str, ContactStore],
                  contact_id: str) -> bool:
    """Whether Intercom has the contact, or something shows it had: a recorded deletion, local data.

    A store without ``holds_contact(contact_id)`` is assumed to hold it: an erasure request is
    never refused for want of an answer.
    """
    try:
        client.get_contact(contact_id)
        return True
    except NotFound:
        pass
    except IntercomError as exc:
        if exc.status != 410:  # 410 contact_merged (API 2.16+): it existed
            raise
        return True
    if any(r.payload.get("contact_id") == contact_id for r in audit.records(kind=_INTENT)):
        return True
    for store in stores.values():
        holds = getattr(store, "holds_contact", None)
        if holds is None or holds(contact_id):
            return True
    return False


def _recorded_actor(actor: str | None, key: HmacKey) -> str | None:
    """The actor as the audit log keeps it: personal data found in it replaced by keyed pseudonyms."""
    if actor is None:
        return None
    findings = default_redactor().scanner.scan(actor)
    return apply_findings(actor, findings, lambda f: pseudonymize(key, f.entity_type, actor[f.start:f.end]))


def _delete(client: IntercomClient, contact_id: str, request_id: str) -> str:
    try:
        client.delete_contact(contact_id)
    except NotFound:
        # Deleted before (maybe by our own DELETE whose answer a crash lost), or merged away.
        log.info("contact already gone in Intercom", request_id=request_id, contact_id=contact_id)
        return "already_gone"
    log.info("contact deleted in Intercom", request_id=request_id, contact_id=contact_id)
    return "deleted"


def _pending(audit: AuditLog) -> list[_Request]:
    intents = {r.subject: r for r in audit.records(kind=_INTENT)}
    for done in audit.records(kind=_COMPLETED):
        intents.pop(done.subject, None)
    return [_Request(intent, tuple(audit.records(kind=_STEP, subject=intent.subject))) for intent in intents.values()]


def _key(hmac_key: str | bytes | HmacKey | None) -> HmacKey:
    key = HmacKey.resolve(hmac_key)
    if key is None:
        raise MissingKeyError(
            "deletion needs an HMAC key for the audit record's email hash (the hmac_key argument, or "
            "INTERCOM_REDACT_HMAC_KEY): an unkeyed hash of an email is reversible by guessing"
        )
    return key


def _named(stores: Iterable[ContactStore]) -> dict[str, ContactStore]:
    named: dict[str, ContactStore] = {}
    for store in stores:
        if not isinstance(store, ContactStore):
            raise TypeError(f"{store!r} is not a contact store (needs name and purge_contact())")
        if store.name == INTERCOM:
            raise ValueError(f"the store name {INTERCOM!r} is reserved for the Intercom workspace")
        if store.name in named:
            raise ValueError(f"two stores are named {store.name!r}; give each a distinct name")
        named[store.name] = store
    return named


def _iso(record: AuditRecord) -> str:
    return record.recorded_at.astimezone(timezone.utc).isoformat()
