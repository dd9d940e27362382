"""Redaction at source: find PII in Intercom conversations and redact it there.

Intercom's ``POST /conversations/redact`` blanks one conversation part, or a
conversation's opening message (its *source*), for good.  This module selects
conversations (one contact's, or a date range's), scans every message body with
the scanner, and reports which parts carry personal data: conversation and part
ids and counts per entity type, never the values.  It is a dry run unless
``apply=True``.

Applying is resumable: each redacted part, and each finished conversation, is
appended to a small state file (JSON lines, flushed per line); a rerun with the
same state file skips them, so nothing is redacted twice and an interrupted
run (Ctrl-C, a rate limit that outlasted the client's retries, a crash) picks up
where it stopped.  Rate limits are handled by the client, which waits as long as
Intercom's ``Retry-After`` / ``X-RateLimit-Reset`` say.

Parts the scanner could not finish (size or time budget) are reported as
``UNSCANNED`` and, when applying, redacted like any other finding: the
library fails closed.  Conversation titles cannot be redacted through the API;
titles that carry PII are listed in the report for manual follow-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from .._failclosed import UNSCANNED
from .._log import get_logger
from ..engine import Redactor
from .audit import AuditLog
from .client import IntercomClient

__all__ = ["PartFinding", "SourceReport", "StateMismatch", "redact_at_source", "scan_conversation",
           "select_conversations"]

log = get_logger(__name__)

SOURCE = "source"
PART = "conversation_part"
_CONTACT_AUTHORS = frozenset({"user", "lead", "contact"})


@dataclass(frozen=True)
class PartFinding:
    """A message that carries personal data: where it is and what kinds, never the values.

    ``kind`` is ``"source"`` (the opening message) or ``"conversation_part"``.
    """

    conversation_id: str
    kind: str
    part_id: str
    types: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "kind": self.kind, "part_id": self.part_id,
                "types": dict(self.types)}


@dataclass
class SourceReport:
    """What :func:`redact_at_source` found and did.

    ``findings`` lists every message with PII; ``types`` totals them per
    entity type; ``redacted`` counts parts redacted by this run and ``skipped``
    those a previous run already did (from the state file);
    ``titles_with_pii`` names conversations whose title needs a manual edit.
    """

    applied: bool
    conversations: int = 0
    messages: int = 0
    findings: list[PartFinding] = field(default_factory=list)
    types: dict[str, int] = field(default_factory=dict)
    redacted: int = 0
    skipped: int = 0
    titles_with_pii: list[str] = field(default_factory=list)

    def add(self, finding: PartFinding) -> None:
        self.findings.append(finding)
        for name, n in finding.types.items():
            self.types[name] = self.types.get(name, 0) + n

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready rendering (ids and counts only)."""
        return {
            "mode": "apply" if self.applied else "dry_run",
            "conversations_scanned": self.conversations,
            "messages_scanned": self.messages,
            "messages_with_pii": len(self.findings),
            "types": dict(sorted(self.types.items())),
            "redacted": self.redacted,
            "skipped_already_redacted": self.skipped,
            "titles_with_pii": list(self.titles_with_pii),
            "findings": [f.to_dict() for f in self.findings],
        }


class StateMismatch(ValueError):
    """The state file belongs to a run with another selection."""


def select_conversations(client: IntercomClient, *, contact_id: str | None = None,
                         since: int | None = None, until: int | None = None) -> Iterator[str]:
    """Yield the ids of a contact's conversations and/or those created in ``[since, until]``."""
    clauses: list[dict[str, Any]] = []
    if contact_id is not None:
        clauses.append({"field": "contact_ids", "operator": "=", "value": str(contact_id)})
    # Intercom's search has no >= / <=: widen by a second to make the range inclusive.
    if since is not None:
        clauses.append({"field": "created_at", "operator": ">", "value": int(since) - 1})
    if until is not None:
        clauses.append({"field": "created_at", "operator": "<", "value": int(until) + 1})
    if not clauses:
        raise ValueError("select conversations by contact_id, by a date range, or both")
    query = clauses[0] if len(clauses) == 1 else {"operator": "AND", "value": clauses}
    for conversation in client.search_conversations(query):
        yield str(conversation["id"])


def _known_values(conversation: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The contacts' own names and emails, to find in bodies whatever their spelling there."""
    authors = [(conversation.get("source") or {}).get("author")]
    parts = (conversation.get("conversation_parts") or {}).get("conversation_parts") or []
    authors.extend(part.get("author") for part in parts)
    known: set[tuple[str, str]] = set()
    for author in authors:
        if isinstance(author, Mapping) and author.get("type") in _CONTACT_AUTHORS:
            for key, entity_type in (("email", "EMAIL_ADDRESS"), ("name", "PERSON")):
                value = author.get(key)
                if isinstance(value, str) and value.strip():
                    known.add((entity_type, value))
    return sorted(known)


def _messages(conversation: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(kind, id, HTML body) of every message that still has a body."""
    source = conversation.get("source") or {}
    if source.get("body") and not source.get("redacted"):
        yield SOURCE, str(source.get("id")), source["body"]
    for part in (conversation.get("conversation_parts") or {}).get("conversation_parts") or []:
        if part.get("body") and not part.get("redacted"):
            yield PART, str(part.get("id")), part["body"]


def _types(redactor: Redactor, text: str, *, html: bool, known: list[tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    policy = redactor.policy
    for finding in redactor.scanner.scan(text, html=html, known_values=known):
        if finding.entity_type == UNSCANNED or policy.type_action(finding.entity_type) != "keep":
            counts[finding.entity_type] = counts.get(finding.entity_type, 0) + 1
    return counts


def scan_conversation(conversation: Mapping[str, Any], redactor: Redactor) -> tuple[list[PartFinding], bool]:
    """Scan one conversation (as ``GET /conversations/{id}`` returns it).

    Returns the messages with PII and whether the title carries PII.  Bodies are
    HTML; already redacted messages are skipped.
    """
    conversation_id = str(conversation.get("id"))
    known = _known_values(conversation)
    findings = []
    for kind, part_id, body in _messages(conversation):
        types = _types(redactor, body, html=True, known=known)
        if types:
            findings.append(PartFinding(conversation_id, kind, part_id, types))
    title = conversation.get("title")
    title_pii = bool(title) and bool(_types(redactor, str(title), html=False, known=known))
    return findings, title_pii


class _State:
    """Progress of an ``apply`` run, appended as JSON lines (flushed and synced per line)."""

    def __init__(self, path: str, selection: Mapping[str, Any]):
        self.path = path
        self.parts: set[tuple[str, str, str]] = set()
        self.conversations: set[str] = set()
        header = {"selection": dict(selection)}
        if os.path.exists(path):
            lines = _read_state(path)
            if lines and lines[0] != header:
                raise StateMismatch(f"state file {path!r} belongs to another selection; "
                                    f"use another --state file or remove it")
            for entry in lines[1:]:
                if "part" in entry:
                    self.parts.add((entry["conversation"], entry["kind"], entry["part"]))
                else:
                    self.conversations.add(entry["conversation"])
            new = not lines
        else:
            new = True
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._fh = os.fdopen(fd, "ab")
        if new:
            self._write(header)

    def _write(self, entry: Mapping[str, Any]) -> None:
        self._fh.write(orjson.dumps(entry) + b"\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def part_done(self, finding: PartFinding) -> None:
        self.parts.add((finding.conversation_id, finding.kind, finding.part_id))
        self._write({"conversation": finding.conversation_id, "kind": finding.kind, "part": finding.part_id})

    def conversation_done(self, conversation_id: str) -> None:
        self.conversations.add(conversation_id)
        self._write({"conversation": conversation_id})

    def close(self) -> None:
        self._fh.close()


def _read_state(path: str) -> list[dict[str, Any]]:
    """The entries of a state file; a last line cut short by a crash is dropped (and truncated away)."""
    with open(path, "rb") as fh:
        data = fh.read()
    entries = []
    good = 0
    for line in data.splitlines(keepends=True):
        try:
            if line.strip():
                entries.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            if good + len(line) < len(data):
                raise StateMismatch(f"state file {path!r} is corrupt") from None
            break  # that entry was never confirmed done
        good += len(line)
    if good < len(data):
        os.truncate(path, good)
    return entries


def redact_at_source(client: IntercomClient, *, contact_id: str | None = None, since: int | None = None,
                     until: int | None = None, apply: bool = False, redactor: Redactor | None = None,
                     state_path: str | os.PathLike[str] | None = None, audit: AuditLog | None = None,
                     on_progress: Callable[[SourceReport], None] | None = None) -> SourceReport:
    """Scan the selected conversations and, with ``apply=True``, redact their PII in Intercom.

    :param contact_id: a contact whose conversations to scan.
    :param since, until: a creation date range (Unix seconds, inclusive).
    :param apply: call ``POST /conversations/redact`` for each message with PII;
        the default is a dry run that changes nothing.
    :param state_path: where an ``apply`` run records its progress, so a rerun
        resumes (required with ``apply=True``).
    :param audit: when given, an applied run appends a ``source_redaction.applied``
        record with the counts.
    :param on_progress: called with the running report after each conversation.
    """
    if apply and state_path is None:
        raise ValueError("apply=True needs a state_path so that an interrupted run can resume")
    redactor = redactor if redactor is not None else Redactor()
    selection = {"contact_id": contact_id, "since": since, "until": until}
    report = SourceReport(applied=apply)
    state = _State(os.fspath(state_path), selection) if apply and state_path is not None else None
    try:
        for conversation_id in select_conversations(client, contact_id=contact_id, since=since, until=until):
            if state is not None and conversation_id in state.conversations:
                report.conversations += 1
                continue
            conversation = client.get_conversation(conversation_id)
            findings, title_pii = scan_conversation(conversation, redactor)
            report.conversations += 1
            report.messages += sum(1 for _ in _messages(conversation))
            if title_pii:
                report.titles_with_pii.append(conversation_id)
            for finding in findings:
                report.add(finding)
                if state is not None:
                    _apply(client, state, finding, report)
            if state is not None:
                state.conversation_done(conversation_id)
            if on_progress is not None:
                on_progress(report)
    finally:
        if state is not None:
            state.close()
    log.info("redaction at source", mode="apply" if apply else "dry_run", conversations=report.conversations,
             messages_with_pii=len(report.findings), redacted=report.redacted, types=report.types)
    if apply and audit is not None:
        audit.append("source_redaction.applied", {
            "selection": selection, "conversations": report.conversations,
            "messages_with_pii": len(report.findings), "redacted": report.redacted,
            "skipped": report.skipped, "types": report.types,
        }, subject=f"contact:{contact_id}" if contact_id else None)
    return report


def _apply(client: IntercomClient, state: _State, finding: PartFinding, report: SourceReport) -> None:
    if (finding.conversation_id, finding.kind, finding.part_id) in state.parts:
        report.skipped += 1
        return
    if finding.kind == SOURCE:
        client.redact_conversation_source(finding.conversation_id, finding.part_id)
    else:
        client.redact_conversation_part(finding.conversation_id, finding.part_id)
    state.part_done(finding)
    report.redacted += 1
