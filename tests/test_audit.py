"""The hash-chained audit log, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import re
import stat
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intercom_redact.compliance._sql import DatabaseError
from intercom_redact.compliance.audit import GENESIS, AuditLog, _digest, _timestamp, default_audit_url

T0 = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)


def _fill(log: AuditLog, n: int) -> None:
    for i in range(n):
        log.append("test.event", {"i": i, "nested": {"b": [1, 2], "a": None}}, subject=f"s{i % 2}",
                   now=T0 + timedelta(seconds=i))


def _tamper(url: str, *statements: str) -> None:
    """Play an attacker with write access: lift the append-only triggers, then edit."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER intercom_redact_audit_no_update")
            conn.exec_driver_sql("DROP TRIGGER intercom_redact_audit_no_delete")
        else:
            conn.exec_driver_sql("DROP TRIGGER intercom_redact_audit_no_change ON intercom_redact_audit")
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def _problems(log: AuditLog) -> list[tuple[int, str]]:
    return [(p.seq, p.problem) for p in log.verify().problems]


def test_append_chains_records_and_verifies(db_url: str) -> None:
    with AuditLog(db_url) as log:
        _fill(log, 5)
        records = list(log.records())
        assert [r.seq for r in records] == [1, 2, 3, 4, 5]
        assert records[0].prev_digest == GENESIS
        assert all(b.prev_digest == a.digest for a, b in zip(records, records[1:]))
        assert records[2].payload == {"i": 2, "nested": {"a": None, "b": [1, 2]}}
        assert records[2].recorded_at == T0 + timedelta(seconds=2)
        report = log.verify()
        assert report.ok, str(report)
        assert (report.records, report.head_digest) == (5, records[-1].digest)
        assert "intact: 5 records" in str(report)


def test_records_filter_by_kind_and_subject(db_url: str) -> None:
    with AuditLog(db_url) as log:
        _fill(log, 4)
        log.append("other", {}, subject="s0")
        assert [r.seq for r in log.records(subject="s0")] == [1, 3, 5]
        assert [r.seq for r in log.records(kind="test.event", subject="s0")] == [1, 3]
        assert [r.seq for r in log.records(kind="other")] == [5]


def test_survives_reopening(db_url: str) -> None:
    with AuditLog(db_url) as log:
        _fill(log, 2)
    with AuditLog(db_url) as log:
        record = log.append("again", {"x": 1})
        assert record.seq == 3
        assert log.verify().ok


def test_database_refuses_update_and_delete(db_url: str) -> None:
    with AuditLog(db_url) as log:
        _fill(log, 2)
    engine = sa.create_engine(db_url)
    for statement in ("UPDATE intercom_redact_audit SET payload = '{}' WHERE seq = 1",
                      "DELETE FROM intercom_redact_audit WHERE seq = 2"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    if engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE intercom_redact_audit")
    engine.dispose()


def test_verify_names_a_modified_record(db_url: str) -> None:
    with AuditLog(db_url) as log:
        _fill(log, 5)
        _tamper(db_url, """UPDATE intercom_redact_audit SET payload = '{"i":99}' WHERE seq = 3""")
        assert _problems(log) == [(3, "modified")]
        assert "record 3: modified" in str(log.verify())


def test_verify_names_a_modified_record_whose_digest_was_recomputed(db_url: str) -> None:
    with AuditLog(db_url) as log:
        _fill(log, 5)
        second = list(log.records())[1]
        # A careful attacker recomputes the digest, so record 2 is self-consistent again...
        forged = _digest(_timestamp(second.recorded_at), "forged", second.subject,
                         '{"i":1,"nested":{"a":null,"b":[1,2]}}', second.prev_digest)
        _tamper(db_url, f"UPDATE intercom_redact_audit SET kind = 'forged', digest = '{forged}' WHERE seq = 2")
        # ...but record 3 still chains to the original digest.
        assert _problems(log) == [(2, "modified")]


def test_verify_names_a_removed_record(db_url: str) -> None:
    with AuditLog(db_url) as log:
        _fill(log, 5)
        _tamper(db_url, "DELETE FROM intercom_redact_audit WHERE seq = 3")
        assert _problems(log) == [(3, "removed")]


def test_verify_names_records_cut_from_the_end(db_url: str) -> None:
    with AuditLog(db_url) as log:
        _fill(log, 5)
        _tamper(db_url, "DELETE FROM intercom_redact_audit WHERE seq >= 4")
        assert _problems(log) == [(4, "removed")]


def test_verify_names_reordered_records(db_url: str) -> None:
    with AuditLog(db_url) as log:
        _fill(log, 5)
        _tamper(
            db_url,
            "UPDATE intercom_redact_audit SET seq = 100 WHERE seq = 2",
            "UPDATE intercom_redact_audit SET seq = 2 WHERE seq = 3",
            "UPDATE intercom_redact_audit SET seq = 3 WHERE seq = 100",
        )
        problems = _problems(log)
        assert problems and {kind for _, kind in problems} == {"reordered"}
        assert (2, "reordered") in problems


def _append_many(url: str, worker: int, count: int) -> None:
    with AuditLog(url) as log:
        for i in range(count):
            log.append("concurrent", {"worker": worker, "i": i})


def test_concurrent_appenders_do_not_fork_the_chain(db_url: str) -> None:
    AuditLog(db_url).close()
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_append_many, args=(db_url, w, 25)) for w in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(60)
        assert p.exitcode == 0
    with AuditLog(db_url) as log:
        report = log.verify()
        assert report.ok, str(report)
        assert report.records == 100
        written = {(r.payload["worker"], r.payload["i"]) for r in log.records()}
        assert written == {(w, i) for w in range(4) for i in range(25)}


def test_sqlite_file_is_private(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "sub", "audit.sqlite3")
    with AuditLog(f"sqlite:///{path}") as log:
        log.append("x", {})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_unreachable_database_names_url_without_password() -> None:
    with pytest.raises(DatabaseError) as info:
        AuditLog("postgresql://auditor:s3cret-pw@127.0.0.1:1/audit")
    message = str(info.value)
    assert "postgresql+psycopg://auditor:***@127.0.0.1:1/audit" in message
    assert "s3cret-pw" not in message
    assert "s3cret-pw" not in repr(info.value.__cause__) and info.value.__cause__ is None


def test_uncreatable_sqlite_file_is_a_database_error(tmp_path: os.PathLike[str]) -> None:
    blocker = os.path.join(tmp_path, "a-file")
    open(blocker, "w").close()
    with pytest.raises(DatabaseError, match=re.escape(f"database sqlite:///{blocker}/audit.db: ")):
        AuditLog(f"sqlite:///{blocker}/audit.db")


def test_bad_url_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(ValueError, match="not a database URL") as info:
        AuditLog("user:pw@host/db")
    assert "pw" not in str(info.value)
    with pytest.raises(ValueError, match="unsupported database mysql://u:\\*\\*\\*@h/d"):
        AuditLog("mysql://u:pw@h/d")


def test_payload_must_be_json_and_timestamps_aware(db_url: str) -> None:
    with AuditLog(db_url) as log:
        with pytest.raises(TypeError, match="JSON-compatible"):
            log.append("x", {"when": object()})
        with pytest.raises(ValueError, match="timezone-aware"):
            log.append("x", {}, now=datetime(2026, 1, 1))
        assert list(log.records()) == []


def test_default_url(monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]) -> None:
    monkeypatch.delenv("INTERCOM_REDACT_AUDIT_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_audit_url() == f"sqlite:///{tmp_path}/intercom-redact/audit.sqlite3"
    monkeypatch.setenv("INTERCOM_REDACT_AUDIT_URL", "postgresql://x@h/db")
    assert default_audit_url() == "postgresql://x@h/db"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_verify_names_any_single_tampered_record(tmp_path_factory: pytest.TempPathFactory,
                                                data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 6), label="records")
    k = data.draw(st.integers(1, n), label="target")
    actions = ["modify", "forge", "remove", "swap"] if k < n else ["modify", "forge", "remove"]
    action = data.draw(st.sampled_from(actions), label="action")
    url = f"sqlite:///{tmp_path_factory.mktemp('audit')}/audit.sqlite3"
    with AuditLog(url) as log:
        _fill(log, n)
        target = list(log.records())[k - 1]
        if action == "modify":
            _tamper(url, f"UPDATE intercom_redact_audit SET kind = 'forged' WHERE seq = {k}")
        elif action == "forge":
            forged = _digest(_timestamp(target.recorded_at), "forged", target.subject,
                             f'{{"i":{k - 1},"nested":{{"a":null,"b":[1,2]}}}}', target.prev_digest)
            _tamper(url, f"UPDATE intercom_redact_audit SET kind = 'forged', digest = '{forged}' WHERE seq = {k}")
        elif action == "remove":
            _tamper(url, f"DELETE FROM intercom_redact_audit WHERE seq = {k}")
        else:
            _tamper(url, f"UPDATE intercom_redact_audit SET seq = 0 WHERE seq = {k}",
                    f"UPDATE intercom_redact_audit SET seq = {k} WHERE seq = {k + 1}",
                    f"UPDATE intercom_redact_audit SET seq = {k + 1} WHERE seq = 0")
        problems = _problems(log)
    expected = {"modify": (k, "modified"), "forge": (k, "modified"), "remove": (k, "removed"),
                "swap": (k, "reordered")}[action]
    assert expected in problems
