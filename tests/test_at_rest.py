"""Personal data at rest: the SQL store and the export directory hold ciphertexts only, keys rotate
(even across a ``kill -9``), erasure erases, and no key ever shows up where it should not."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from intercom_redact import Redactor
from intercom_redact.cli import main
from intercom_redact.compliance import (
    AuditLog,
    DataKey,
    DataKeyError,
    DecryptionError,
    ExportDirectory,
    Keyring,
    SQLStore,
    decrypt_file,
    export_contact_data,
    export_content,
    read_decrypted,
    redact_at_source,
    write_export,
)
from intercom_redact.compliance.envelope import encrypting
from intercom_redact.compliance.stores import EXPORT_FILES
from intercom_redact.testing import FakeIntercom

OLD = DataKey("old", bytes(range(32)))
NEW = DataKey("new", bytes(range(100, 132)))
HMAC = "test-hmac-key-0123456789abcdef"
TABLES = ("intercom_redact_contact_cache", "intercom_redact_conversation_cache", "intercom_redact_webhook_events",
          "intercom_redact_cache_contacts")
FAST = {"poll_interval": 0.001, "max_poll_interval": 0.005}


def _key_material(*keys: DataKey) -> list[str]:
    out = []
    for key in keys:
        out += [key.export(), base64.b64encode(key.secret).decode(), base64.urlsafe_b64encode(key.secret).decode(),
                key.secret.hex()]
    return out


def _everything(contact: dict[str, Any]) -> dict[str, list[str]]:
    """A purpose that keeps every field: the worst case for what the cache holds."""
    return {"everything": sorted(contact)}


def _store(db_url: str, ring: Keyring, contact: dict[str, Any], **kwargs: Any) -> SQLStore:
    return SQLStore(db_url, data_key=ring, hmac_key=HMAC, purpose="everything", purposes=_everything(contact),
                    **kwargs)


def _raw_dump(db_url: str) -> str:
    """The database as an attacker with a copy sees it: SQLite's file bytes, PostgreSQL's rows as text."""
    url = sa.make_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = str(url.database)
        files = [p for p in (path, path + "-journal", path + "-wal") if os.path.exists(p)]
        return b"".join(Path(p).read_bytes() for p in files).decode("latin-1")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = [conn.execute(sa.text(f"SELECT t::text FROM {table} t")).scalars().all() for table in TABLES]
    engine.dispose()
    return repr(rows)


def _sql(db_url: str, statement: str, **params: Any) -> list[Any]:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        result = conn.execute(sa.text(statement), params)
        rows = result.all() if result.returns_rows else []
    engine.dispose()
    return rows


@pytest.fixture
def fake() -> Iterator[FakeIntercom]:
    with FakeIntercom(seed=0) as server:
        yield server


@pytest.fixture
def busiest(fake: FakeIntercom) -> dict[str, Any]:
    """The busiest contact's DSAR document (contact, 45 conversations, …)."""
    with fake.client() as client:
        return export_contact_data(client, fake.workspace.busiest_contact_id)


def _event(event_id: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "notification_event", "id": event_id, "topic": "contact.updated",
            "data": {"type": "notification_event_data", "item": item}}


# -- the SQL store ------------------------------------------------------------------------------------


def test_round_trip_and_the_raw_database_holds_no_personal_value(
        db_url: str, fake: FakeIntercom, busiest: dict[str, Any], redactor: Redactor) -> None:
    contact = busiest["contact"]
    store = _store(db_url, Keyring([NEW]), contact, redactor=redactor)
    store.put_contact(contact)
    for conversation in busiest["conversations"][:5]:
        store.put_conversation(conversation)
    assert store.record_webhook_event(_event("n1", contact))
    assert store.get_contact(contact["id"]) == contact  # every field kept, in clear for the caller
    assert store.get_conversation(busiest["conversations"][0]["id"])["id"] == busiest["conversations"][0]["id"]
    assert store.get_webhook_event("n1")["data"]["item"]["id"] == contact["id"]
    assert store.find_contacts_by_email("  " + contact["email"].upper()) == [contact]  # the blind index
    assert store.find_contacts_by_email("nobody@example.com") == []
    store.close()

    raw = _raw_dump(db_url)
    assert contact["id"] in raw  # the dump is real: ids are kept in clear
    planted = fake.workspace.pii_values(contact["id"]) | {contact["email"].lower()}
    assert sorted(v for v in planted if v in raw) == []


def test_a_store_without_a_key_refuses_to_start(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "never.sqlite3"
    with pytest.raises(DataKeyError, match=r"store 'sql_cache' keeps personal data.*keys new"):
        SQLStore(f"sqlite:///{path}")
    assert not path.exists()  # refused before anything was created
    with pytest.raises(DataKeyError, match="INTERCOM_REDACT_DATA_KEY"):
        SQLStore(db_url, name="cache_a")


def test_tampered_swapped_and_wrong_key_rows_are_refused(db_url: str) -> None:
    contact = {"id": "c1", "email": "jane.roe@example.com", "name": "Jane Roe"}
    store = _store(db_url, Keyring([NEW]), contact)
    store.put_contact(contact)
    store.put_contact({"id": "c2", "email": "max.doe@example.com", "name": "Max Doe"})
    table = "intercom_redact_contact_cache"
    sealed = {row[0]: row[1] for row in _sql(db_url, f"SELECT contact_id, data FROM {table}")}
    errors = []

    # A row swap: c1's ciphertext copied into c2's row.
    _sql(db_url, f"UPDATE {table} SET data = :data WHERE contact_id = 'c2'", data=sealed["c1"])
    with pytest.raises(DecryptionError, match=r"row 'c2' .*copied from another row") as caught:
        store.get_contact("c2")
    errors.append(str(caught.value))
    assert store.get_contact("c1") == contact

    # One character of the ciphertext changed.
    body = sealed["c1"]
    altered = body[:-10] + ("A" if body[-10] != "A" else "B") + body[-9:]
    _sql(db_url, f"UPDATE {table} SET data = :data WHERE contact_id = 'c1'", data=altered)
    with pytest.raises(DecryptionError, match="failed authentication") as caught:
        store.get_contact("c1")
    errors.append(str(caught.value))
    _sql(db_url, f"UPDATE {table} SET data = :data WHERE contact_id = 'c1'", data=body)

    # The wrong key under the right id, a ring without the key, and another store's name.
    for other, problem in ((Keyring([DataKey("new", bytes(32))]), "failed authentication"),
                           (Keyring([OLD]), "key 'new', which is not in the keyring")):
        with closing(_store(db_url, other, contact)) as wrong, \
                pytest.raises(DecryptionError, match=problem) as caught:
            wrong.get_contact("c1")
        errors.append(str(caught.value))
    with closing(_store(db_url, Keyring([NEW]), contact, name="renamed")) as renamed, \
            pytest.raises(DecryptionError, match="store 'renamed'"):
        renamed.get_contact("c1")
    store.close()
    assert not [s for s in _key_material(NEW, OLD) if any(s in e for e in errors)]
    assert not [e for e in errors if "jane" in e.lower()]


def test_rotation_reencrypts_everything_and_is_audited(db_url: str, tmp_path: Path) -> None:
    contacts = [{"id": f"c{i}", "email": f"person{i}@example.com"} for i in range(5)]
    store = _store(db_url, Keyring([OLD]), contacts[0])
    for contact in contacts:
        store.put_contact(contact)
    store.put_conversation({"id": "v1", "contacts": {"contacts": [{"id": "c1"}]}})
    store.close()

    audit = AuditLog(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    rotating = _store(db_url, Keyring([NEW, OLD]), contacts[0])
    batches: list[tuple[str, int]] = []
    counts = rotating.rotate_keys(batch_size=2, audit=audit, on_batch=lambda c, n: batches.append((c, n)))
    assert counts == {"contact_cache": 5, "conversation_cache": 1, "webhook_events": 0}
    assert batches == [("contact_cache", 2), ("contact_cache", 4), ("contact_cache", 5), ("conversation_cache", 1)]
    assert rotating.rotate_keys() == {"contact_cache": 0, "conversation_cache": 0, "webhook_events": 0}
    rotating.close()
    data = [row[0] for table in TABLES[:3] for row in _sql(db_url, f"SELECT data FROM {table}")]
    assert len(data) == 6 and all(d.startswith("ir1:new:") for d in data)

    only_new = _store(db_url, Keyring([NEW]), contacts[0])  # the old key can go now
    assert [only_new.get_contact(c["id"]) for c in contacts] == contacts
    assert only_new.find_contacts_by_email("PERSON3@example.com") == [contacts[3]]
    only_new.close()

    (record,) = audit.records(kind="keys.rotated", subject=None)
    assert record.payload["reencrypted"] == counts and record.payload["key_id"] == "new"
    assert record.payload["key_ids"] == ["new", "old"] and record.payload["store"] == "sql_cache"
    audit_text = repr(list(audit.records()))
    audit.close()
    assert not [s for s in _key_material(NEW, OLD) if s in audit_text]


_ROTATE_CHILD = r"""
import os, signal, sys
from intercom_redact.compliance import stores

url, crash_at = sys.argv[1], int(sys.argv[2])
real_seal = stores.seal_field
calls = 0


def seal_then_die(*args):
    global calls
    calls += 1
    if calls == crash_at:  # mid-batch: earlier rows of this batch are updated, not committed
        os.kill(os.getpid(), signal.SIGKILL)
    return real_seal(*args)


stores.seal_field = seal_then_die
stores.SQLStore(url).rotate_keys(batch_size=3)
"""


def test_rotation_killed_mid_batch_resumes_with_nothing_lost(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = SQLStore(db_url, data_key=Keyring([OLD]))
    for i in range(10):
        before.put_contact({"id": f"c{i}", "role": "user", "external_id": f"ext-{i}"})
    for i in range(3):
        before.put_conversation({"id": f"v{i}", "contacts": {"contacts": [{"id": f"c{i}"}]}})
    originals = {f"c{i}": before.get_contact(f"c{i}") for i in range(10)}
    before.close()

    env = {**os.environ, "INTERCOM_REDACT_DATA_KEY": f"{NEW.export()},{OLD.export()}"}
    # Batches of 3: two are committed, the third dies on its second row.
    child = subprocess.run([sys.executable, "-c", _ROTATE_CHILD, db_url, "8"], env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert child.returncode == -9, child.stderr
    done = _sql(db_url, "SELECT count(*) FROM intercom_redact_contact_cache WHERE data LIKE 'ir1:new:%'")
    assert done[0][0] == 6

    monkeypatch.setenv("INTERCOM_REDACT_DATA_KEY", env["INTERCOM_REDACT_DATA_KEY"])
    resumed = SQLStore(db_url)
    assert resumed.rotate_keys(batch_size=3) == {"contact_cache": 4, "conversation_cache": 3, "webhook_events": 0}
    resumed.close()
    after = SQLStore(db_url, data_key=Keyring([NEW]))
    assert {cid: after.get_contact(cid) for cid in originals} == originals
    assert [after.get_conversation(f"v{i}")["id"] for i in range(3)] == ["v0", "v1", "v2"]
    after.close()


def test_purging_a_contact_erases_its_ciphertexts(db_url: str) -> None:
    contact = {"id": "c1", "email": "jane.roe@example.com", "name": "Jane Roe"}
    store = _store(db_url, Keyring([NEW]), contact)
    store.put_contact(contact)
    store.put_contact({"id": "c2", "email": "max.doe@example.com"})
    store.put_conversation({"id": "v1", "contacts": {"contacts": [{"id": "c1"}]}})
    store.record_webhook_event(_event("n1", {"type": "contact", "id": "c1"}))
    gone = [row[0] for row in _sql(db_url, "SELECT data FROM intercom_redact_contact_cache WHERE contact_id = 'c1' "
                                           "UNION ALL SELECT data FROM intercom_redact_conversation_cache "
                                           "UNION ALL SELECT data FROM intercom_redact_webhook_events")]
    index = _sql(db_url, "SELECT email_index FROM intercom_redact_contact_cache WHERE contact_id = 'c1'")[0][0]
    kept = _sql(db_url, "SELECT data FROM intercom_redact_contact_cache WHERE contact_id = 'c2'")[0][0]

    assert store.purge_contact("c1") == 3
    store.close()
    raw = _raw_dump(db_url)
    # The rows went, not only their keys: no byte of their ciphertexts (nor the index) is left,
    # in SQLite's free pages either.
    assert [text[-40:] in raw for text in gone] == [False, False, False]
    assert index not in raw and kept[-40:] in raw


# -- export files -------------------------------------------------------------------------------------


def test_export_directory_holds_no_personal_value_and_decrypts_for_delivery(
        fake: FakeIntercom, busiest: dict[str, Any], redactor: Redactor, data_key: str, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    cid = busiest["contact"]["id"]
    dsar = write_export(busiest, exports / f"dsar-{cid}.json.enc")  # encrypted: a data key is configured
    with fake.client() as client:
        export_content(client, 0, fake.workspace.now + 86400, exports / "content.csv.enc", redactor=redactor, **FAST)
        export_content(client, 0, fake.workspace.now + 86400, tmp_path / "plain.csv", redactor=redactor,
                       encrypt=False, **FAST)

    raw = b"".join(p.read_bytes() for p in exports.iterdir()).decode("latin-1")
    planted = fake.workspace.pii_values(cid) | {r["email"] for r in fake.workspace.receipts}
    assert sorted(v for v in planted if v in raw) == []
    assert "[REDACTED:" not in raw  # even the redacted CSV is ciphertext

    ring = Keyring.parse(data_key)
    assert orjson.loads(read_decrypted(dsar, ring)) == orjson.loads(orjson.dumps(busiest))
    header = decrypt_file(exports / "content.csv.enc", tmp_path / "content.csv", ring)
    assert header["purpose"] == "content_export" and header["name"] == "content.csv.enc"
    assert (tmp_path / "content.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
    assert oct(os.stat(tmp_path / "content.csv").st_mode & 0o777) == "0o600"


def test_retention_and_deletion_treat_encrypted_and_plain_files_alike(data_key: str, tmp_path: Path) -> None:
    root = tmp_path / "exports"
    root.mkdir()
    doc = {"format": "intercom-redact.dsar/1", "contact": {"id": "c1", "email": "jane.roe@example.com"}}
    write_export(doc, root / "c1.json.enc")
    write_export(doc, root / "c1.json", encrypt=False)
    write_export({**doc, "contact": {"id": "c2"}}, root / "c2.json.enc")
    write_export({"contact": {"id": "c1"}}, root / "not-a-dsar.enc")  # no DSAR format: not purged
    for name, subject in (("report-c1.html.enc", "contact:c1"), ("content.csv.enc", None)):
        with open(root / name, "wb") as fh, encrypting(fh, Keyring.parse(data_key), name=name, purpose="other",
                                                       subject=subject) as sink:
            sink.write(b"<p>Jane Roe</p>")
    exports = ExportDirectory(root)
    assert exports.purge_contact("c1") == 3  # the key is not needed: the header says whose it is
    assert sorted(p.name for p in root.iterdir()) == ["c2.json.enc", "content.csv.enc", "not-a-dsar.enc"]

    now = datetime.now(timezone.utc)
    old = (now - timedelta(days=8)).timestamp()
    write_export(doc, root / "old.json", encrypt=False)
    for name in ("c2.json.enc", "old.json"):
        os.utime(root / name, (old, old))
    assert exports.expire(EXPORT_FILES, now - timedelta(days=7)) == 2
    assert sorted(p.name for p in root.iterdir()) == ["content.csv.enc", "not-a-dsar.enc"]


def test_export_files_are_reencrypted_in_place_keeping_their_age(tmp_path: Path) -> None:
    root = tmp_path / "exports"
    (root / "sub").mkdir(parents=True)
    doc = {"format": "intercom-redact.dsar/1", "contact": {"id": "c1", "email": "jane.roe@example.com"}}
    write_export(doc, root / "c1.json.enc", data_key=Keyring([OLD]))
    write_export(doc, root / "sub" / "c1-again.json.enc", data_key=Keyring([OLD]))
    write_export(doc, root / "plain.json", encrypt=False)
    written = datetime(2026, 6, 1, tzinfo=timezone.utc).timestamp()
    for path in root.rglob("*.json*"):
        os.utime(path, (written, written))
    plain_before = (root / "plain.json").read_bytes()
    audit = AuditLog(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    exports = ExportDirectory(root)

    assert exports.rotate_keys(Keyring([NEW, OLD]), audit=audit) == {"export_files": 2}
    assert exports.rotate_keys(Keyring([NEW, OLD])) == {"export_files": 0}
    assert (root / "plain.json").read_bytes() == plain_before
    for path in (root / "c1.json.enc", root / "sub" / "c1-again.json.enc"):
        assert orjson.loads(read_decrypted(path, Keyring([NEW]))) == doc
        assert os.stat(path).st_mtime == written  # retention still counts from the export
    assert exports.purge_contact("c1") == 3  # the header still says whose it is
    (record,) = audit.records(kind="keys.rotated")
    assert record.payload == {"store": "export_directory", "key_id": "new", "key_ids": ["new", "old"],
                              "reencrypted": {"export_files": 2}}
    audit.close()

    # A file that fails authentication stops the rotation and is left exactly as it was.
    write_export(doc, root / "bad.json.enc", data_key=Keyring([OLD]))
    blob = bytearray((root / "bad.json.enc").read_bytes())
    blob[-3] ^= 1
    (root / "bad.json.enc").write_bytes(bytes(blob))
    with pytest.raises(DecryptionError, match="failed authentication"):
        exports.rotate_keys(Keyring([NEW, OLD]))
    assert (root / "bad.json.enc").read_bytes() == bytes(blob)
    assert sorted(os.listdir(root)) == ["bad.json.enc", "sub"]  # no temporary file left


def test_source_state_files_hold_ids_only(fake: FakeIntercom, redactor: Redactor, tmp_path: Path) -> None:
    cid = next(c for c in fake.workspace.contacts if 2 <= len(fake.workspace.conversations_of(c)) <= 6)
    state = tmp_path / "state.jsonl"
    with fake.client() as client:
        redact_at_source(client, contact_id=cid, redactor=redactor, apply=True, state_path=state)
    text = state.read_text()
    assert cid in text and len(text.splitlines()) > 2
    assert sorted(v for v in fake.workspace.pii_values() if v in text) == []


# -- the command line ---------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeIntercom) -> Path:
    home = tmp_path / "home"
    for name, value in {"INTERCOM_REDACT_HOME": str(home), "INTERCOM_ACCESS_TOKEN": fake.token,
                        "INTERCOM_REDACT_HMAC_KEY": HMAC}.items():
        monkeypatch.setenv(name, value)
    for name in ("INTERCOM_REDACT_AUDIT_URL", "INTERCOM_REDACT_STORE_URL", "INTERCOM_REDACT_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return home


def test_cli_keys_dsar_decrypt_and_rotate_never_show_a_key(
        fake: FakeIntercom, cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api = ["-v", "--base-url", fake.url]
    cid = fake.workspace.busiest_contact_id
    assert main(["keys", "new", "--id", "k1"]) == 0
    first = capsys.readouterr().out.strip()
    assert first.startswith("k1:") and Keyring.parse(first).key_ids == ("k1",)
    shown: list[str] = []

    # Without a key, --encrypt is refused before anything is fetched.
    assert main([*api, "dsar", cid, "--encrypt"]) == 3
    err = capsys.readouterr().err
    assert "keys new" in err and "INTERCOM_REDACT_DATA_KEY" in err and fake.count("/contacts/*") == 0

    monkeypatch.setenv("INTERCOM_REDACT_DATA_KEY", first)
    assert main([*api, "dsar", cid]) == 0
    (sealed,) = (cli_env / "exports").iterdir()
    assert sealed.name.startswith(f"dsar-{cid}-") and sealed.name.endswith(".json.enc")
    assert main([*api, "dsar", cid, "--no-encrypt", "--out", str(tmp_path / "plain.json")]) == 0
    assert orjson.loads((tmp_path / "plain.json").read_bytes())["contact"]["id"] == cid
    assert main(["decrypt", str(sealed), "--out", str(tmp_path / "delivered.json")]) == 0
    assert orjson.loads((tmp_path / "delivered.json").read_bytes())["contact"]["id"] == cid
    shown.append(str(capsys.readouterr()))

    blob = bytearray(sealed.read_bytes())
    blob[-20] ^= 1
    (tmp_path / "tampered.enc").write_bytes(bytes(blob))
    assert main(["decrypt", str(tmp_path / "tampered.enc"), "--out", str(tmp_path / "nope.json")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "failed authentication" in err and not (tmp_path / "nope.json").exists()
    shown.append(err)

    store_url = f"sqlite:///{tmp_path / 'cache.sqlite3'}"
    cache = SQLStore(store_url)
    cache.put_contact(fake.workspace.contacts[cid])
    cache.close()
    assert main(["keys", "new", "--id", "k2"]) == 0
    second = capsys.readouterr().out.strip()
    monkeypatch.setenv("INTERCOM_REDACT_DATA_KEY", f"{second},{first}")
    assert main(["-v", "--store-url", store_url, "keys", "rotate", "--batch-size", "1"]) == 0
    out, err = capsys.readouterr()
    assert orjson.loads(out) == {"sql_cache": {"contact_cache": 1, "conversation_cache": 0, "webhook_events": 0},
                                 "export_directory": {"export_files": 1}}  # the DSAR; the plain copy stays plain
    shown += [out, err]
    with AuditLog(f"sqlite:///{cli_env / 'audit.sqlite3'}") as audit:
        records = list(audit.records())
    assert [(r.kind, r.payload["store"]) for r in records] == [("keys.rotated", "sql_cache"),
                                                               ("keys.rotated", "export_directory")]
    monkeypatch.setenv("INTERCOM_REDACT_DATA_KEY", second)  # the old key is no longer needed
    assert main(["decrypt", str(sealed), "--out", str(tmp_path / "again.json")]) == 0
    shown += [repr(records), caplog.text]

    everything = "\n".join(shown)
    keys = [DataKey(k, base64.b64decode(v)) for k, v in (t.split(":") for t in (first, second))]
    assert not [s for s in _key_material(*keys) if s in everything]


def test_the_readable_report_is_encrypted_like_the_json_and_erased_with_it(
        fake: FakeIntercom, cli_env: Path, tmp_path: Path, data_key: str) -> None:
    cid = fake.workspace.busiest_contact_id  # the data_key fixture has set INTERCOM_REDACT_DATA_KEY
    assert main(["-q", "--base-url", fake.url, "dsar", cid, "--html"]) == 0
    exports = cli_env / "exports"
    sealed = sorted(p.name for p in exports.iterdir())
    assert len(sealed) == 2 and sealed[0].endswith(".html.enc") and sealed[1].endswith(".json.enc")
    page = exports / sealed[0]
    raw = page.read_bytes()
    contact = fake.workspace.contacts[cid]
    assert contact["email"].encode() not in raw and contact["name"].encode() not in raw
    assert main(["-q", "decrypt", str(page), "--out", str(tmp_path / "report.html")]) == 0
    assert contact["name"] in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert ExportDirectory(str(exports)).purge_contact(cid) == 2
    assert not list(exports.iterdir())
