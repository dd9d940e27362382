"""Redaction at source against the fake workspace over real HTTP: dry run, apply, resume."""

from __future__ import annotations

import orjson
import pytest

from intercom_redact import Redactor
from intercom_redact.compliance import RateLimited, StateMismatch, redact_at_source, select_conversations
from intercom_redact.compliance.audit import AuditLog
from intercom_redact.testing import FakeIntercom


def _contact(fake: FakeIntercom) -> str:
    """A contact with a handful of conversations (the busiest one has 45)."""
    ws = fake.workspace
    return next(cid for cid in ws.contacts if 2 <= len(ws.conversations_of(cid)) <= 6)


def _redacted_messages(fake: FakeIntercom) -> set[tuple[str, str]]:
    found = set()
    for conversation in fake.workspace.conversations.values():
        if conversation["source"]["redacted"]:
            found.add((conversation["id"], conversation["source"]["id"]))
        for part in conversation["conversation_parts"]["conversation_parts"]:
            if part["redacted"]:
                found.add((conversation["id"], part["id"]))
    return found


def _successful_redactions(fake: FakeIntercom) -> list[tuple[str, str]]:
    return [(r.json["conversation_id"], r.json.get("conversation_part_id") or r.json.get("source_id"))
            for r in fake.requests if r.path == "/conversations/redact" and r.status == 200]


def test_dry_run_reports_ids_and_counts_and_changes_nothing(fake_intercom: FakeIntercom, redactor: Redactor) -> None:
    cid = _contact(fake_intercom)
    with fake_intercom.client() as client:
        report = redact_at_source(client, contact_id=cid, redactor=redactor)
    conversations = fake_intercom.workspace.conversations_of(cid)
    assert report.conversations == len(conversations) and not report.applied
    assert report.findings and report.redacted == 0
    assert {f.conversation_id for f in report.findings} <= {c["id"] for c in conversations}
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER"} <= set(report.types)
    assert report.types == {t: sum(f.types.get(t, 0) for f in report.findings) for t in report.types}
    kinds = {f.kind for f in report.findings}
    assert kinds == {"source", "conversation_part"}
    # Ids and counts only: none of the workspace's personal data is in the report.
    rendered = orjson.dumps(report.to_dict()).decode()
    assert not [value for value in fake_intercom.workspace.pii_values() if value in rendered]
    assert fake_intercom.count("/conversations/redact") == 0
    assert not _redacted_messages(fake_intercom)


def test_apply_redacts_in_the_workspace_and_audits(fake_intercom: FakeIntercom, redactor: Redactor,
                                                   tmp_path) -> None:
    cid = _contact(fake_intercom)
    audit = AuditLog(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    with fake_intercom.client() as client:
        dry = redact_at_source(client, contact_id=cid, redactor=redactor)
        applied = redact_at_source(client, contact_id=cid, redactor=redactor, apply=True,
                                   state_path=tmp_path / "state.jsonl", audit=audit)
        after = redact_at_source(client, contact_id=cid, redactor=redactor)
    expected = {(f.conversation_id, f.part_id) for f in dry.findings}
    assert applied.redacted == len(expected) and applied.skipped == 0
    assert _redacted_messages(fake_intercom) == expected
    assert sorted(_successful_redactions(fake_intercom)) == sorted(expected)
    for conversation in fake_intercom.workspace.conversations_of(cid):
        bodies = [conversation["source"]["body"]] + [
            p["body"] for p in conversation["conversation_parts"]["conversation_parts"]]
        assert not [v for v in fake_intercom.workspace.pii_values(cid) if any(v in (b or "") for b in bodies)]
    assert after.findings == [] and after.messages == 0
    (record,) = audit.records(kind="source_redaction.applied")
    assert record.payload["redacted"] == len(expected) and record.subject == f"contact:{cid}"
    assert not [v for v in fake_intercom.workspace.pii_values() if v in orjson.dumps(record.payload).decode()]
    assert audit.verify().ok
    audit.close()


def test_interrupted_apply_resumes_without_repeating(fake_intercom: FakeIntercom, redactor: Redactor,
                                                     tmp_path) -> None:
    cid = fake_intercom.workspace.busiest_contact_id
    state = tmp_path / "state.jsonl"
    with fake_intercom.client() as client:
        dry = redact_at_source(client, contact_id=cid, redactor=redactor)
    expected = sorted((f.conversation_id, f.part_id) for f in dry.findings)

    def rate_limit_after_two(report) -> None:
        if report.conversations == 2:
            # Intercom keeps answering 429 for longer than the client retries.
            fake_intercom.faults.add("/conversations/redact", status=429, retry_after=0, times=None)

    with fake_intercom.client(max_retries=1) as client, pytest.raises(RateLimited):
        redact_at_source(client, contact_id=cid, redactor=redactor, apply=True, state_path=state,
                         on_progress=rate_limit_after_two)
    done_first = _successful_redactions(fake_intercom)
    assert 0 < len(done_first) < len(expected)

    fake_intercom.faults.clear()
    with fake_intercom.client() as client:
        resumed = redact_at_source(client, contact_id=cid, redactor=redactor, apply=True, state_path=state)
    done = _successful_redactions(fake_intercom)
    assert sorted(done) == expected  # every message once, none twice
    assert resumed.redacted == len(expected) - len(done_first)
    assert _redacted_messages(fake_intercom) == set(expected)
    # The two conversations finished before the interruption were not fetched again.
    assert resumed.conversations == len(fake_intercom.workspace.conversations_of(cid))


def test_rate_limits_are_waited_out(fake_intercom: FakeIntercom, redactor: Redactor, tmp_path) -> None:
    cid = _contact(fake_intercom)
    fault = fake_intercom.faults.add("/conversations/redact", status=429, retry_after=0.01, times=2)
    with fake_intercom.client() as client:
        report = redact_at_source(client, contact_id=cid, redactor=redactor, apply=True,
                                  state_path=tmp_path / "s.jsonl")
    assert fault.hits == 2 and report.redacted == len(report.findings) > 0


def test_state_file_of_another_selection_is_refused(fake_intercom: FakeIntercom, redactor: Redactor,
                                                    tmp_path) -> None:
    cid = _contact(fake_intercom)
    state = tmp_path / "state.jsonl"
    with fake_intercom.client() as client:
        redact_at_source(client, contact_id=cid, redactor=redactor, apply=True, state_path=state)
        with pytest.raises(StateMismatch):
            redact_at_source(client, since=0, until=1, redactor=redactor, apply=True, state_path=state)
        with pytest.raises(ValueError, match="state_path"):
            redact_at_source(client, contact_id=cid, redactor=redactor, apply=True)


def test_date_range_selection(fake_intercom: FakeIntercom) -> None:
    ws = fake_intercom.workspace
    created = sorted(c["created_at"] for c in ws.conversations.values())
    since, until = created[5], created[15]
    expected = {c["id"] for c in ws.conversations.values() if since <= c["created_at"] <= until}
    with fake_intercom.client() as client:
        assert set(select_conversations(client, since=since, until=until)) == expected
        cid = _contact(fake_intercom)
        both = set(select_conversations(client, contact_id=cid, since=since, until=until))
        assert both == expected & {c["id"] for c in ws.conversations_of(cid)}
        with pytest.raises(ValueError):
            list(select_conversations(client))


def test_state_file_cut_short_by_a_crash(fake_intercom: FakeIntercom, redactor: Redactor, tmp_path) -> None:
    cid = _contact(fake_intercom)
    state = tmp_path / "state.jsonl"
    with fake_intercom.client() as client:
        first = redact_at_source(client, contact_id=cid, redactor=redactor, apply=True, state_path=state)
        with open(state, "ab") as fh:
            fh.write(b'{"conversation": "12')  # the write a crash interrupted
        again = redact_at_source(client, contact_id=cid, redactor=redactor, apply=True, state_path=state)
    assert first.redacted > 0 and again.redacted == 0
    assert all(orjson.loads(line) for line in state.read_bytes().splitlines())
