"""DSAR export against FakeIntercom over real HTTP: completeness, lookups, errors, and the file it writes."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator

import orjson
import pytest

from intercom_redact.compliance import (
    EVENTS_NOTE,
    AmbiguousContactError,
    ContactNotFound,
    export_contact_data,
    write_export,
)
from intercom_redact.testing import FakeIntercom


@pytest.fixture(scope="module")
def busy_fake() -> Iterator[FakeIntercom]:
    """A workspace whose busiest contact has 160 conversations: more than one search page of 150."""
    with FakeIntercom(seed=11, conversations=160) as fake:
        yield fake


def _fresh_requests(fake: FakeIntercom) -> None:
    fake.clear_requests()
    fake.faults.clear()


def test_export_is_complete(busy_fake):
    _fresh_requests(busy_fake)
    ws = busy_fake.workspace
    cid = ws.busiest_contact_id
    with busy_fake.client() as client:
        data = export_contact_data(client, cid)

    assert data["contact"] == {**ws.contacts[cid], "enabled_push_messaging": None}
    expected = ws.conversations_of(cid)
    assert len(expected) == 160 and [c["id"] for c in data["conversations"]] == [c["id"] for c in expected]
    assert busy_fake.count("/conversations/search", "POST") == 2  # both pages of the search
    for exported, stored in zip(data["conversations"], expected):
        exported_parts = exported["conversation_parts"]["conversation_parts"]
        stored_parts = stored["conversation_parts"]["conversation_parts"]
        assert [p["id"] for p in exported_parts] == [p["id"] for p in stored_parts]
        assert exported["source"]["body"] == stored["source"]["body"]
    assert [t["id"] for t in data["tags"]] == [t["id"] for t in ws.contact_tags[cid]]
    assert [s["id"] for s in data["segments"]] == ws.contact_segments[cid]
    assert [n["id"] for n in data["notes"]] == [n["id"] for n in ws.notes[cid]]
    assert [c["id"] for c in data["companies"]] == ws.contact_companies[cid]
    assert [s["id"] for s in data["subscriptions"]] == ws.contact_subscriptions[cid]
    assert [e["id"] for e in data["events"]["data"]] == [e["id"] for e in ws.listable_events(cid)]
    assert data["events"]["note"] == EVENTS_NOTE and "90 days" in EVENTS_NOTE
    assert data["summary"] == {
        "conversations": 160,
        "conversation_parts": sum(len(c["conversation_parts"]["conversation_parts"]) for c in expected),
        "tags": 3, "segments": 2, "notes": 12, "companies": 5, "subscriptions": 2, "events": 28,
    }
    assert data["limitations"] == [EVENTS_NOTE]
    assert data["format"] == "intercom-redact.dsar/1" and data["intercom_version"] == "2.14"


def test_export_survives_rate_limits_and_server_errors(fake_intercom):
    cid = fake_intercom.workspace.busiest_contact_id
    fake_intercom.faults.add("/conversations/search", status=429, retry_after=1, times=1)
    fake_intercom.faults.add("/conversations/*", status=502, times=3, method="GET")
    fake_intercom.faults.add("/events", disconnect=True, times=1)
    waits: list[float] = []
    with fake_intercom.client(sleep=waits.append) as client:
        data = export_contact_data(client, cid)
    assert data["summary"]["conversations"] == 45 and data["summary"]["events"] == 28
    assert len(waits) == 5 and waits[0] == 1.0


def test_lookup_by_email_and_external_id(fake_intercom):
    ws = fake_intercom.workspace
    cid = ws.busiest_contact_id
    with fake_intercom.client() as client:
        by_email = export_contact_data(client, email=ws.contacts[cid]["email"].title())
        by_external = export_contact_data(client, external_id=ws.contacts[cid]["external_id"])
    assert by_email["contact"]["id"] == by_external["contact"]["id"] == cid
    assert by_email["summary"] == by_external["summary"]


def test_unknown_contacts(fake_intercom):
    ws = fake_intercom.workspace
    merged_id = next(iter(ws.merged))
    with fake_intercom.client() as client:
        with pytest.raises(ContactNotFound) as by_id:
            export_contact_data(client, "5f0000000000000000000000")
        with pytest.raises(ContactNotFound) as merged:
            export_contact_data(client, merged_id)
        with pytest.raises(ContactNotFound) as by_email:
            export_contact_data(client, email="ghost.person@example.invalid")
        with pytest.raises(ContactNotFound, match="external id usr_nobody"):
            export_contact_data(client, external_id="usr_nobody")
    assert by_id.value.contact_id == "5f0000000000000000000000" and "5f0000000000000000000000" in str(by_id.value)
    assert by_id.value.status == 404 and merged.value.contact_id == merged_id
    assert "the given email" in str(by_email.value) and "ghost" not in str(by_email.value)


def test_ambiguous_email(fake_intercom):
    ws = fake_intercom.workspace
    cid = ws.busiest_contact_id
    ws.contacts["twin0000000000000000000"] = {**ws.contacts[cid], "id": "twin0000000000000000000"}
    with fake_intercom.client() as client, pytest.raises(AmbiguousContactError) as info:
        export_contact_data(client, email=ws.contacts[cid]["email"])
    assert ws.contacts[cid]["email"] not in str(info.value)


@pytest.mark.parametrize("kwargs", [{}, {"contact_id": "1", "email": "a@b.c"}, {"email": "a@b.c", "external_id": "x"}])
def test_exactly_one_identifier(fake_intercom, kwargs):
    with fake_intercom.client() as client, pytest.raises(ValueError, match="exactly one"):
        export_contact_data(client, **kwargs)
    assert fake_intercom.requests == []


def test_truncated_conversations_are_recorded(fake_intercom):
    ws = fake_intercom.workspace
    cid = ws.busiest_contact_id
    conversation = ws.conversations_of(cid)[0]
    parts = conversation["conversation_parts"]["conversation_parts"]
    parts.extend(dict(parts[0], id=f"old{n}") for n in range(480))
    with fake_intercom.client() as client:
        data = export_contact_data(client, cid)
    assert len(data["limitations"]) == 2 and conversation["id"] in data["limitations"][1]
    assert "500 most recent" in data["limitations"][1]


def test_export_logs_carry_no_pii(fake_intercom, caplog):
    caplog.set_level(logging.DEBUG)
    ws = fake_intercom.workspace
    cid = ws.busiest_contact_id
    fake_intercom.faults.add("/contacts/*", status=500, times=1)
    with fake_intercom.client(sleep=lambda s: None) as client:
        export_contact_data(client, email=ws.contacts[cid]["email"])
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "dsar export finished" in text and "intercom request retry" in text
    assert not [v for v in ws.pii_values() if v in text]


# -- the file --------------------------------------------------------------------------------


@pytest.fixture
def export(fake_intercom):
    with fake_intercom.client() as client:
        return export_contact_data(client, fake_intercom.workspace.busiest_contact_id)


def test_write_export_mode_and_content(export, tmp_path):
    old_umask = os.umask(0o022)
    try:
        target = tmp_path / "dsar.json"
        target.write_text("old")
        target.chmod(0o644)
        assert write_export(export, target) == target
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert orjson.loads(target.read_bytes()) == orjson.loads(orjson.dumps(export))
    assert [p.name for p in tmp_path.iterdir()] == ["dsar.json"]


def test_write_export_failure_leaves_old_file_and_no_temp(export, tmp_path):
    target = tmp_path / "dsar.json"
    write_export({"previous": True}, target)
    with pytest.raises(TypeError):
        write_export({"bad": object()}, target)  # cannot be serialized
    assert orjson.loads(target.read_bytes()) == {"previous": True}

    blocked = tmp_path / "blocked"
    blocked.mkdir()  # os.replace onto a directory fails after the temp file is written
    with pytest.raises(OSError):
        write_export(export, blocked)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked", "dsar.json"]
    assert list(blocked.iterdir()) == []
