"""Retention enforcement across the SQL store and the export directory."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from intercom_redact.compliance.audit import AuditLog
from intercom_redact.compliance.retention import enforce_retention, retention_periods
from intercom_redact.compliance.stores import ExportDirectory, SQLStore
from intercom_redact.policy import PolicyError

# Stores refuse to start without a data key.
pytestmark = pytest.mark.usefixtures("data_key")

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)


def _days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def store(db_url: str) -> SQLStore:
    s = SQLStore(db_url)
    # Each category just past and just within its default period.
    s.put_contact({"id": "old"}, now=_days_ago(31))
    s.put_contact({"id": "new"}, now=_days_ago(29))
    s.put_conversation({"id": "v-old", "contacts": {"contacts": [{"id": "old"}]}}, now=_days_ago(91))
    s.put_conversation({"id": "v-new"}, now=_days_ago(89))
    for i in range(3):
        s.record_webhook_event({"id": f"n-old{i}", "topic": "contact.created"}, now=_days_ago(31))
    s.record_webhook_event({"id": "n-new", "topic": "contact.created"}, now=_days_ago(29))
    yield s
    s.close()


@pytest.fixture
def exports(tmp_path: os.PathLike[str]) -> ExportDirectory:
    root = os.path.join(tmp_path, "exports")
    os.makedirs(root)
    for name, age in (("old.json", 8), ("new.json", 6)):
        path = os.path.join(root, name)
        open(path, "w").close()
        os.utime(path, (_days_ago(age).timestamp(),) * 2)
    return ExportDirectory(root)


def test_defaults_and_overrides() -> None:
    assert retention_periods() == {"contact_cache": 30, "conversation_cache": 90, "webhook_events": 30,
                                   "export_files": 7, "audit_log": 2555}
    assert retention_periods({"contact_cache": 14})["contact_cache"] == 14


@pytest.mark.parametrize(("periods", "message"), [
    ({"contact_cach": 30}, "unknown category 'contact_cach'"),
    ({"contact_cache": 0}, "positive number of days"),
    ({"contact_cache": "30"}, "positive number of days"),
    ({"contact_cache": True}, "positive number of days"),
])
def test_bad_periods_are_clear_errors(periods: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        retention_periods(periods)


def test_enforce_deletes_expired_items_and_is_idempotent(store: SQLStore, exports: ExportDirectory,
                                                         db_url: str) -> None:
    with AuditLog(db_url) as audit:
        dry = enforce_retention([store, exports], now=NOW, dry_run=True, audit=audit)
        expected = {"contact_cache": 1, "conversation_cache": 1, "webhook_events": 3, "export_files": 1}
        assert dry == expected
        assert store.get_contact("old") is not None

        assert enforce_retention([store, exports], now=NOW, audit=audit, batch_size=2) == expected
        assert store.get_contact("old") is None and store.get_contact("new") is not None
        assert store.get_conversation("v-old") is None and store.get_conversation("v-new") is not None
        assert store.get_webhook_event("n-old2") is None and store.get_webhook_event("n-new") is not None
        assert sorted(os.listdir(exports.path)) == ["new.json"]

        again = enforce_retention([store, exports], now=NOW, audit=audit)
        assert again == dict.fromkeys(expected, 0)

        records = list(audit.records(kind="retention.enforced"))
        assert [r.payload["dry_run"] for r in records] == [True, False, False]
        assert records[1].payload["counts"] == expected
        assert records[1].payload["periods_days"]["export_files"] == 7
        assert records[1].payload["stores"] == ["sql_cache", "export_directory"]
        assert audit.verify().ok


def test_configured_periods_apply(store: SQLStore) -> None:
    counts = enforce_retention([store], now=NOW, periods={"contact_cache": 10, "webhook_events": 60})
    assert counts == {"contact_cache": 2, "conversation_cache": 1, "webhook_events": 0}


class _AuditStore:
    name = "rogue"
    categories = ("audit_log",)

    def expire(self, category: str, before: datetime, *, batch_size: int = 500, dry_run: bool = False) -> int:
        raise AssertionError("must never be called")


def test_the_audit_log_is_never_expired(store: SQLStore) -> None:
    with pytest.raises(ValueError, match="never deleted automatically"):
        enforce_retention([store, _AuditStore()], now=NOW)
    assert store.get_contact("old") is not None  # checked before anything was deleted


def test_bad_inputs(store: SQLStore) -> None:
    with pytest.raises(TypeError, match="not a retention store"):
        enforce_retention([object()], now=NOW)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="timezone-aware"):
        enforce_retention([store], now=datetime(2026, 1, 1))
