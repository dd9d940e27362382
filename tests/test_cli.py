"""The ``intercom-redact`` CLI end to end: real files, the fake workspace over real HTTP, real subprocesses."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import time
from typing import Any

import orjson
import pytest

from intercom_redact.cli import Progress, main, parse_time
from intercom_redact.compliance.audit import AuditLog
from intercom_redact.testing import FakeIntercom

EMAIL = "marisol.quintero@example.com"


@pytest.fixture
def env(tmp_path, monkeypatch, fake_intercom: FakeIntercom) -> dict[str, str]:
    """A private data dir, the fake's token and an HMAC key; no URLs inherited from the host."""
    values = {
        "INTERCOM_REDACT_HOME": str(tmp_path / "home"),
        "INTERCOM_ACCESS_TOKEN": fake_intercom.token,
        "INTERCOM_REDACT_HMAC_KEY": "test-key-0123456789",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for name in ("INTERCOM_REDACT_AUDIT_URL", "INTERCOM_REDACT_STORE_URL", "INTERCOM_REDACT_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return values


def _api(fake: FakeIntercom) -> list[str]:
    return ["--base-url", fake.url]


def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("intercom-redact: error: "), err
    assert "Traceback" not in err
    return lines[0]


def _audit(env: dict[str, str]) -> AuditLog:
    return AuditLog(f"sqlite:///{os.path.join(env['INTERCOM_REDACT_HOME'], 'audit.sqlite3')}")


def _records(env: dict[str, str]) -> list[Any]:
    """The audit records the CLI wrote, read with the log closed afterwards."""
    with _audit(env) as audit:
        return list(audit.records())


# -- redact ---------------------------------------------------------------------------------------


def test_redact_files_to_out_with_summary(tmp_path, env, capsys) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(
        orjson.dumps({"event": "login", "user": {"email": EMAIL, "id": "u1"}}) + b"\n"
        + b'{"broken": "' + EMAIL.encode() + b"\n"
        + orjson.dumps({"event": f"mail from {EMAIL}"}) + b"\n"
    )
    out = tmp_path / "clean.jsonl"
    assert main(["redact", str(log), "--out", str(out)]) == 0
    text = out.read_text()
    assert EMAIL not in text and text.count("\n") == 3
    assert orjson.loads(text.splitlines()[0]) == {"event": "login",
                                                  "user": {"email": "[REDACTED:EMAIL_ADDRESS]", "id": "u1"}}
    captured = capsys.readouterr()
    assert captured.out == ""
    # Not a terminal: no progress display, only the summary.
    assert captured.err.count("\n") == 1
    assert "3 lines, 1 malformed, 3 redactions (EMAIL_ADDRESS 3)" in captured.err


def test_redact_several_files_into_a_directory(tmp_path, env, capsys) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "in" / "a.log").write_text(f"2025-01-01 INFO mail {EMAIL}\n")
    (tmp_path / "in" / "b.csv").write_text(f"id,email\n1,{EMAIL}\n")
    assert main(["-q", "redact", str(tmp_path / "in" / "a.log"), str(tmp_path / "in" / "b.csv"),
                 "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "a.log").read_text() == "2025-01-01 INFO mail [REDACTED:EMAIL_ADDRESS]\n"
    assert (tmp_path / "out" / "b.csv").read_text() == "id,email\n1,[REDACTED:EMAIL_ADDRESS]\n"
    assert capsys.readouterr().err == ""


def test_redact_policy_option_and_bad_policy(tmp_path, env, capsys) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[[rules]]\npath = "**.order_ref"\naction = "redact"\ntype = "SECRET"\n')
    log = tmp_path / "x.jsonl"
    log.write_text('{"order_ref": "A-1", "n": 1}\n')
    out = tmp_path / "y.jsonl"
    assert main(["redact", str(log), "--out", str(out), "--policy", str(policy), "--no-scan"]) == 0
    assert orjson.loads(out.read_text()) == {"order_ref": "[REDACTED:SECRET]", "n": 1}
    capsys.readouterr()

    policy.write_text('[[rules]]\npath = "**.x"\naction = "explode"\n')
    assert main(["--policy", str(policy), "redact", str(log), "--out", str(out)]) == 3
    line = _one_line_error(capsys.readouterr().err)
    assert "explode" in line and "rule" in line


def test_redact_missing_input_file(tmp_path, env, capsys) -> None:
    assert main(["redact", str(tmp_path / "nope.log")]) == 2
    assert "cannot read" in _one_line_error(capsys.readouterr().err)


def test_redact_as_a_real_subprocess_keeps_order_with_two_jobs(tmp_path, env) -> None:
    # Field rules only and no malformed lines: no worker needs to build the Presidio scanner,
    # which keeps this fast (malformed lines across workers: tests/test_files.py).
    lines = [orjson.dumps({"seq": n, "email": f"user{n}@example.com", "msg": f"to user{n}@example.com"})
             for n in range(3000)]
    exe = shutil.which("intercom-redact")
    command = [exe] if exe else [sys.executable, "-m", "intercom_redact.cli"]
    proc = subprocess.run([*command, "redact", "--jobs", "2", "--no-scan", "-"], input=b"\n".join(lines) + b"\n",
                          capture_output=True, env={**os.environ, **env}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert len(out) == 3000 and b"@example.com" not in proc.stdout
    for n, line in enumerate(out):
        assert orjson.loads(line) == {"seq": n, "email": "[REDACTED:EMAIL_ADDRESS]", "msg": "to [REDACTED:EMAIL_ADDRESS]"}
    assert b"3000 lines, 0 malformed, 6000 redactions" in proc.stderr


def test_progress_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Terminal(), io.StringIO()
    for stream in (tty, pipe):
        progress = Progress(True, stream, interval=0)
        progress("50%")
        progress.done()
    assert "50%" in tty.getvalue() and pipe.getvalue() == ""


def test_parse_time() -> None:
    assert parse_time("1735689600") == 1735689600
    assert parse_time("2025-01-01") == 1735689600
    assert parse_time("2025-01-01", end_of_day=True) == 1735689600 + 86399
    assert parse_time("2025-01-01T01:00:00+01:00") == 1735689600


# -- export ---------------------------------------------------------------------------------------


def test_export_command(fake_intercom: FakeIntercom, env, tmp_path, capsys) -> None:
    out = tmp_path / "export.csv"
    args = [*_api(fake_intercom), "export", "--since", "0", "--until", str(fake_intercom.workspace.now),
            "--out", str(out), "--poll-interval", "0.001"]
    assert main(args) == 0
    assert "rows" in capsys.readouterr().err
    text = out.read_text()
    assert "[REDACTED:EMAIL_ADDRESS]" in text
    assert not [r["email"] for r in fake_intercom.workspace.receipts if r["email"] in text]

    assert main([*_api(fake_intercom), "export", "--since", "1", "--until", "2", "--out", str(out),
                 "--poll-interval", "0.001"]) == 0
    assert "no data" in capsys.readouterr().err

    fake_intercom.workspace.export_outcome = "failed"
    assert main(args) == 1
    assert "failed" in _one_line_error(capsys.readouterr().err)


# -- source -----------------------------------------------------------------------------------------


def test_source_scan_then_apply(fake_intercom: FakeIntercom, env, tmp_path, capsys) -> None:
    ws = fake_intercom.workspace
    cid = next(c for c in ws.contacts if 2 <= len(ws.conversations_of(c)) <= 6)
    assert main([*_api(fake_intercom), "source", "scan", "--contact", cid]) == 0
    captured = capsys.readouterr()
    report = orjson.loads(captured.out)
    assert report["mode"] == "dry_run" and report["messages_with_pii"] > 0
    assert "would redact" in captured.err
    assert not [v for v in ws.pii_values() if v in captured.out + captured.err]
    assert fake_intercom.count("/conversations/redact") == 0

    report_file = tmp_path / "report.json"
    assert main(["source", "apply", "--contact", cid, *_api(fake_intercom), "--report", str(report_file)]) == 0
    applied = orjson.loads(report_file.read_bytes())
    assert applied["redacted"] == report["messages_with_pii"]
    assert fake_intercom.count("/conversations/redact") == report["messages_with_pii"]
    assert [r.kind for r in _records(env)] == ["source_redaction.applied"]


def test_source_apply_stopped_by_rate_limits_resumes(fake_intercom: FakeIntercom, env, tmp_path, capsys) -> None:
    ws = fake_intercom.workspace
    cid = next(c for c in ws.contacts if 2 <= len(ws.conversations_of(c)) <= 6)
    state = tmp_path / "state.jsonl"
    fake_intercom.faults.add("/conversations/redact", status=429, retry_after=0, times=None)
    args = [*_api(fake_intercom), "source", "apply", "--contact", cid, "--state", str(state)]
    assert main(args) == 7
    line = _one_line_error(capsys.readouterr().err)
    assert "429" in line and f"progress is saved in {state}" in line

    fake_intercom.faults.clear()
    assert main(args) == 0
    report = orjson.loads(capsys.readouterr().out)
    done = [r for r in fake_intercom.requests if r.path == "/conversations/redact" and r.status == 200]
    assert len(done) == report["redacted"] == report["messages_with_pii"] > 0


def test_source_needs_a_selection(fake_intercom: FakeIntercom, env, capsys) -> None:
    assert main([*_api(fake_intercom), "source", "scan"]) == 2
    _one_line_error(capsys.readouterr().err)


# -- dsar, delete, deletion, audit, retention --------------------------------------------------------------


def test_dsar_by_id_and_by_email(fake_intercom: FakeIntercom, env, tmp_path, capsys) -> None:
    cid = fake_intercom.workspace.busiest_contact_id
    out = tmp_path / "dsar.json"
    assert main([*_api(fake_intercom), "dsar", cid, "--out", str(out)]) == 0
    data = orjson.loads(out.read_bytes())
    assert data["contact"]["id"] == cid and data["conversations"]
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    err = capsys.readouterr().err
    assert not [v for v in fake_intercom.workspace.pii_values() if v in err]

    email = fake_intercom.workspace.contacts[cid]["email"]
    assert main([*_api(fake_intercom), "dsar", "--email", email]) == 0
    exports = os.listdir(os.path.join(env["INTERCOM_REDACT_HOME"], "exports"))
    assert len(exports) == 1 and exports[0].startswith(f"dsar-{cid}-")
    assert email not in capsys.readouterr().err


def test_dsar_unknown_contact_and_email(fake_intercom: FakeIntercom, env, capsys) -> None:
    assert main([*_api(fake_intercom), "dsar", "0000nope"]) == 5
    _one_line_error(capsys.readouterr().err)
    assert main([*_api(fake_intercom), "dsar", "--email", "nobody.here@example.com"]) == 5
    line = _one_line_error(capsys.readouterr().err)
    assert "nobody.here" not in line


def test_bad_and_missing_token(fake_intercom: FakeIntercom, env, monkeypatch, capsys) -> None:
    cid = fake_intercom.workspace.busiest_contact_id
    monkeypatch.setenv("INTERCOM_ACCESS_TOKEN", "wrong-token-value")
    assert main([*_api(fake_intercom), "dsar", cid]) == 4
    line = _one_line_error(capsys.readouterr().err)
    assert "INTERCOM_ACCESS_TOKEN" in line and "wrong-token-value" not in line
    monkeypatch.delenv("INTERCOM_ACCESS_TOKEN")
    assert main([*_api(fake_intercom), "dsar", cid]) == 3
    assert "INTERCOM_ACCESS_TOKEN" in _one_line_error(capsys.readouterr().err)


def test_delete_dry_run_then_delete_then_verify(fake_intercom: FakeIntercom, env, capsys) -> None:
    ws = fake_intercom.workspace
    cid = ws.busiest_contact_id
    assert main([*_api(fake_intercom), "delete", cid, "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().err
    assert cid in ws.contacts and fake_intercom.count(f"/contacts/{cid}", "DELETE") == 0
    assert not os.path.exists(os.path.join(env["INTERCOM_REDACT_HOME"], "audit.sqlite3"))

    assert main([*_api(fake_intercom), "delete", cid, "--actor", "ticket-42"]) == 0
    err = capsys.readouterr().err
    assert "deleted contact" in err and not [v for v in ws.pii_values(None) if v in err]
    assert cid not in ws.contacts
    kinds = [r.kind for r in _records(env)]
    assert kinds[0] == "deletion.intent" and kinds[-1] == "deletion.completed"

    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out


def test_delete_removes_the_contacts_dsar_files(fake_intercom: FakeIntercom, env, capsys) -> None:
    cid = fake_intercom.workspace.busiest_contact_id
    exports = os.path.join(env["INTERCOM_REDACT_HOME"], "exports")
    assert main([*_api(fake_intercom), "dsar", cid]) == 0
    assert len(os.listdir(exports)) == 1
    assert main([*_api(fake_intercom), "delete", cid]) == 0
    assert "export_directory 1" in capsys.readouterr().err
    assert os.listdir(exports) == []


def test_interrupted_deletion_is_resumed(fake_intercom: FakeIntercom, env, capsys) -> None:
    ws = fake_intercom.workspace
    cid = ws.busiest_contact_id
    fake_intercom.faults.add(f"/contacts/{cid}", method="DELETE", status=403, times=1)
    assert main([*_api(fake_intercom), "delete", cid]) == 4
    _one_line_error(capsys.readouterr().err)
    assert cid in ws.contacts

    assert main(["deletion", "list"]) == 0
    (pending,) = orjson.loads(capsys.readouterr().out)
    assert pending["contact_id"] == cid

    assert main([*_api(fake_intercom), "deletion", "resume"]) == 0
    assert "1 pending deletion(s) completed" in capsys.readouterr().err
    assert cid not in ws.contacts
    assert [r.kind for r in _records(env)].count("deletion.completed") == 1


def test_delete_without_hmac_key(fake_intercom: FakeIntercom, env, monkeypatch, capsys) -> None:
    monkeypatch.delenv("INTERCOM_REDACT_HMAC_KEY")
    assert main([*_api(fake_intercom), "delete", fake_intercom.workspace.busiest_contact_id]) == 3
    _one_line_error(capsys.readouterr().err)


def test_unreachable_database(env, capsys) -> None:
    pytest.importorskip("psycopg", reason="the PostgreSQL driver (extra 'postgres') is not installed")
    assert main(["--audit-url", "postgresql://auditor:s3cret-pw@127.0.0.1:9/audit", "audit", "verify"]) == 6
    line = _one_line_error(capsys.readouterr().err)
    assert "s3cret-pw" not in line


def test_audit_verify_reports_tampering(env, capsys) -> None:
    audit = _audit_created(env)
    audit.append("test.event", {"n": 1})
    audit.append("test.event", {"n": 2})
    audit.close()
    import sqlite3

    path = os.path.join(env["INTERCOM_REDACT_HOME"], "audit.sqlite3")
    with sqlite3.connect(path) as conn:
        triggers = [name for (name,) in conn.execute("select name from sqlite_master where type='trigger'")]
        for trigger in triggers:
            conn.execute(f"drop trigger {trigger}")
        conn.execute("update intercom_redact_audit set payload = '{\"n\":3}' where seq = 1")
    assert main(["audit", "verify"]) == 1
    assert "BROKEN" in capsys.readouterr().out


def _audit_created(env: dict[str, str]) -> AuditLog:
    os.makedirs(env["INTERCOM_REDACT_HOME"], exist_ok=True)
    return _audit(env)


def test_retention_enforce(env, tmp_path, capsys) -> None:
    exports = os.path.join(env["INTERCOM_REDACT_HOME"], "exports")
    os.makedirs(exports)
    old, new = os.path.join(exports, "old.json"), os.path.join(exports, "new.json")
    for path in (old, new):
        with open(path, "w") as fh:
            fh.write("{}")
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))

    assert main(["retention", "enforce", "--dry-run"]) == 0
    assert "would delete export_files 1" in capsys.readouterr().err
    assert os.path.exists(old)
    assert main(["retention", "enforce"]) == 0
    assert "deleted export_files 1" in capsys.readouterr().err
    assert not os.path.exists(old) and os.path.exists(new)
    records = [r for r in _records(env) if r.kind == "retention.enforced"]
    assert [r.payload["dry_run"] for r in records] == [True, False]


def test_dsar_as_a_real_subprocess(fake_intercom: FakeIntercom, env, tmp_path) -> None:
    out = tmp_path / "d.json"
    exe = shutil.which("intercom-redact")
    command = [exe] if exe else [sys.executable, "-m", "intercom_redact.cli"]
    cid = fake_intercom.workspace.busiest_contact_id
    proc = subprocess.run([*command, "--base-url", fake_intercom.url, "dsar", cid, "--out", str(out)],
                          capture_output=True, env={**os.environ, **env}, timeout=120, text=True)
    assert proc.returncode == 0, proc.stderr
    assert orjson.loads(out.read_bytes())["contact"]["id"] == cid
    proc = subprocess.run([*command, "--base-url", fake_intercom.url, "dsar", "missing0"],
                          capture_output=True, env={**os.environ, **env}, timeout=120, text=True)
    assert proc.returncode == 5
    _one_line_error(proc.stderr)


def test_demo_is_wired(env, capsys) -> None:
    assert main(["demo"]) == 0
    assert capsys.readouterr().out


def test_warm_caches_the_pattern_screen_where_it_is_told(tmp_path, monkeypatch, capsys) -> None:
    from intercom_redact.scanner import _hyperscan, _patterns

    if not _hyperscan.AVAILABLE or _patterns.ENGINE != "re2":
        pytest.skip("hyperscan is not installed, or the RE2 set that holds the triggers is off")
    monkeypatch.setenv("INTERCOM_REDACT_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["warm"]) == 0
    [cached] = (tmp_path / "cache").glob("triggers-*.hsdb")
    assert str(cached) in capsys.readouterr().err

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("INTERCOM_REDACT_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be written
    assert main(["warm"]) == 1
    assert "set INTERCOM_REDACT_CACHE_DIR to a writable directory" in capsys.readouterr().err

    monkeypatch.setattr(_hyperscan, "AVAILABLE", False)
    assert main(["warm"]) == 0
    assert "the RE2 set screens texts" in capsys.readouterr().err


def test_warm_without_re2_has_no_screen_to_cache(tmp_path) -> None:
    env = {**os.environ, "INTERCOM_REDACT_NO_RE2": "1", "INTERCOM_REDACT_CACHE_DIR": str(tmp_path),
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.run([sys.executable, "-m", "intercom_redact.cli", "warm"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "no screen to cache" in proc.stderr
    assert not list(tmp_path.iterdir())
