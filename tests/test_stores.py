"""The store protocols, the built-in SQL cache store and the export directory."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from intercom_redact.compliance.dsar import FORMAT, write_export
from intercom_redact.compliance.minimize import MinimizationError
from intercom_redact.compliance.stores import (
    CONTACT_CACHE,
    CONVERSATION_CACHE,
    EXPORT_FILES,
    WEBHOOK_EVENTS,
    ContactStore,
    ExportDirectory,
    LocalStore,
    RetentionStore,
    SQLStore,
)

# Stores refuse to start without a data key.
pytestmark = pytest.mark.usefixtures("data_key")

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
EMAIL = "jane.roe@example.com"


def _contact(cid: str, email: str = EMAIL) -> dict[str, object]:
    return {
        "type": "contact", "id": cid, "external_id": f"ext-{cid}", "role": "user", "email": email,
        "name": "Jane Roe", "phone": "+14155550199", "custom_attributes": {"plan": "pro", "ssn": "123-45-6789"},
    }


def _conversation(conv_id: str, *contact_ids: str) -> dict[str, object]:
    return {
        "type": "conversation",
        "id": conv_id,
        "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": c} for c in contact_ids]},
        "source": {"type": "conversation", "body": f"<p>Hi, I am Jane Roe, mail me at {EMAIL}</p>",
                   "author": {"type": "user", "id": contact_ids[0], "email": EMAIL, "name": "Jane Roe"}},
    }


def _event(event_id: str, item: dict[str, object]) -> dict[str, object]:
    return {"type": "notification_event", "id": event_id, "topic": f"{item['type']}.updated",
            "data": {"type": "notification_event_data", "item": item}}


def _raw_rows(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        text = repr([conn.execute(sa.text(f"SELECT * FROM {t}")).all() for t in (
            "intercom_redact_contact_cache", "intercom_redact_conversation_cache", "intercom_redact_webhook_events")])
    engine.dispose()
    return text


@pytest.fixture
def store(db_url: str) -> SQLStore:
    s = SQLStore(db_url)
    yield s
    s.close()


def test_protocols(store: SQLStore, tmp_path: os.PathLike[str]) -> None:
    assert isinstance(store, LocalStore)
    assert isinstance(ExportDirectory(tmp_path), LocalStore)
    assert not isinstance(object(), (ContactStore, RetentionStore))


def test_contacts_are_cached_minimized(store: SQLStore, db_url: str) -> None:
    store.put_contact(_contact("c1"), now=NOW)
    assert store.get_contact("c1") == {"id": "c1", "external_id": "ext-c1", "role": "user",
                                       "custom_attributes": {"plan": "pro"}}
    assert store.get_contact("nope") is None
    raw = _raw_rows(db_url)
    for pii in (EMAIL, "Jane Roe", "5550199", "123-45-6789"):
        assert pii not in raw


def test_a_purpose_can_allow_pii_into_the_cache(db_url: str) -> None:
    store = SQLStore(db_url, purpose="support", purposes={"support": ["id", "email"]})
    store.put_contact(_contact("c1"))
    store.put_contact(_contact("c1", email="new@example.com"))  # replaces
    assert store.get_contact("c1") == {"id": "c1", "email": "new@example.com"}
    store.close()
    with pytest.raises(MinimizationError, match="unknown purpose"):
        SQLStore(db_url, purpose="marketing")


def test_conversations_and_events_are_redacted_before_storage(store: SQLStore, db_url: str) -> None:
    store.put_conversation(_conversation("v1", "c1"), now=NOW)
    assert store.record_webhook_event(_event("n1", _contact("c1")), now=NOW) is True
    assert store.record_webhook_event(_event("n1", _contact("c1")), now=NOW) is False  # duplicate delivery
    conversation = store.get_conversation("v1")
    assert (conversation["id"], conversation["source"]["author"]["id"]) == ("v1", "c1")  # identifiers kept
    assert store.get_webhook_event("n1")["data"]["item"]["custom_attributes"]["plan"] == "pro"
    raw = _raw_rows(db_url)
    assert EMAIL not in raw and "Jane Roe" not in raw


def test_purge_contact_reaches_every_cache_and_is_idempotent(store: SQLStore) -> None:
    store.put_contact(_contact("c1"), now=NOW)
    store.put_contact(_contact("c2", "other@example.com"), now=NOW)
    store.put_conversation(_conversation("v1", "c1"), now=NOW)
    store.put_conversation(_conversation("v2", "c2", "c1"), now=NOW)
    store.put_conversation(_conversation("v3", "c2"), now=NOW)
    store.record_webhook_event(_event("n1", _contact("c1")), now=NOW)
    store.record_webhook_event(_event("n2", _conversation("v2", "c2", "c1")), now=NOW)
    store.record_webhook_event(_event("n3", _contact("c2")), now=NOW)

    assert store.purge_contact("c1") == 5
    assert store.get_contact("c1") is None
    assert [store.get_conversation(v) is None for v in ("v1", "v2", "v3")] == [True, True, False]
    assert [store.get_webhook_event(n) is None for n in ("n1", "n2", "n3")] == [True, True, False]
    assert store.get_contact("c2") is not None
    assert store.purge_contact("c1") == 0
    assert store.purge_contact("c2") == 3


def test_expire_in_batches_dry_run_and_idempotence(store: SQLStore) -> None:
    for i in range(5):
        store.put_contact(_contact(f"old{i}"), now=NOW - timedelta(days=40))
        store.put_conversation(_conversation(f"v{i}", f"old{i}"), now=NOW - timedelta(days=40))
    store.put_contact(_contact("fresh"), now=NOW - timedelta(days=1))
    cutoff = NOW - timedelta(days=30)

    assert store.expire(CONTACT_CACHE, cutoff, dry_run=True) == 5
    assert store.get_contact("old0") is not None
    assert store.expire(CONTACT_CACHE, cutoff, batch_size=2) == 5
    assert store.expire(CONTACT_CACHE, cutoff, batch_size=2) == 0
    assert store.get_contact("fresh") is not None and store.get_contact("old4") is None
    assert store.expire(CONVERSATION_CACHE, cutoff, batch_size=5) == 5
    assert store.expire(WEBHOOK_EVENTS, cutoff) == 0
    # Links of expired conversations went with them: purging finds nothing left.
    assert store.purge_contact("old1") == 0


def test_expire_rejects_unknown_category_and_bad_batch(store: SQLStore) -> None:
    with pytest.raises(ValueError, match="holds no 'export_files'"):
        store.expire(EXPORT_FILES, NOW)
    with pytest.raises(ValueError, match="batch_size"):
        store.expire(CONTACT_CACHE, NOW, batch_size=0)


def test_sqlite_cache_file_is_private(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "cache.sqlite3")
    SQLStore(f"sqlite:///{path}").close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def _touch(path: str, when: datetime) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("{}")
    os.utime(path, (when.timestamp(), when.timestamp()))


def test_export_directory_expires_old_files(tmp_path: os.PathLike[str]) -> None:
    root = os.path.join(tmp_path, "exports")
    outside = os.path.join(tmp_path, "keep-me.json")
    _touch(outside, NOW - timedelta(days=100))
    _touch(os.path.join(root, "old.json"), NOW - timedelta(days=8))
    _touch(os.path.join(root, "sub", "old.csv"), NOW - timedelta(days=30))
    _touch(os.path.join(root, "new.json"), NOW - timedelta(days=1))
    os.symlink(outside, os.path.join(root, "link.json"))
    os.utime(os.path.join(root, "link.json"), ((NOW - timedelta(days=9)).timestamp(),) * 2, follow_symlinks=False)
    exports = ExportDirectory(root)
    cutoff = NOW - timedelta(days=7)

    assert exports.expire(EXPORT_FILES, cutoff, dry_run=True) == 3
    assert exports.expire(EXPORT_FILES, cutoff) == 3
    assert exports.expire(EXPORT_FILES, cutoff) == 0
    remaining = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
    assert remaining == ["new.json"]
    assert os.path.exists(outside)  # the link went, never its target
    assert ExportDirectory(os.path.join(tmp_path, "missing")).expire(EXPORT_FILES, cutoff) == 0
    with pytest.raises(ValueError, match="holds no 'contact_cache'"):
        exports.expire(CONTACT_CACHE, cutoff)


def test_export_directory_purges_the_contacts_dsar_documents(tmp_path: os.PathLike[str]) -> None:
    root = os.path.join(tmp_path, "exports")
    os.makedirs(os.path.join(root, "2026"))
    write_export({"format": FORMAT, "contact": {"id": "c1", "email": EMAIL}}, os.path.join(root, "c1.json"))
    write_export({"format": FORMAT, "contact": {"id": "c1"}}, os.path.join(root, "2026", "again.json"))
    write_export({"format": FORMAT, "contact": {"id": "c2"}}, os.path.join(root, "c2.json"))
    write_export({"contact": {"id": "c1"}}, os.path.join(root, "not-a-dsar.json"))
    with open(os.path.join(root, "broken.json"), "w") as f:
        f.write("{not json")
    exports = ExportDirectory(root)

    assert exports.purge_contact("c1") == 2
    assert exports.purge_contact("c1") == 0
    assert sorted(os.listdir(root)) == ["2026", "broken.json", "c2.json", "not-a-dsar.json"]
    assert ExportDirectory(os.path.join(tmp_path, "missing")).purge_contact("c1") == 0
