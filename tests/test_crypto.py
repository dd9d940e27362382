"""Data keys, sealed fields and the encrypted file envelope, on their own."""

from __future__ import annotations

import base64
import io

import pytest

from intercom_redact.actions import MissingKeyError
from intercom_redact.compliance.crypto import (
    DataKey,
    DataKeyError,
    DecryptionError,
    FieldId,
    Keyring,
    export_keyring,
    open_field,
    seal_field,
)
from intercom_redact.compliance.envelope import MAGIC, decrypt_stream, encrypting, read_header

OLD = DataKey("old", bytes(range(32)))
NEW = DataKey("new", bytes(range(32, 64)))
WHERE = FieldId("sql_cache", "intercom_redact_contact_cache", "c1", "data")


def _secrets(*keys: DataKey) -> list[str]:
    """Every rendering of the keys' bytes a careless message could contain."""
    out = []
    for key in keys:
        out += [base64.b64encode(key.secret).decode(), base64.urlsafe_b64encode(key.secret).decode(),
                key.secret.hex(), repr(key.secret)]
    return out


# -- keys -----------------------------------------------------------------------------------------


def test_keyring_text_round_trip_newest_first() -> None:
    ring = Keyring.parse(f" {NEW.export()} ,{OLD.export()},")
    assert ring.key_ids == ("new", "old") and ring.primary == NEW
    assert ring.key("old") == OLD
    urlsafe = "old:" + base64.urlsafe_b64encode(OLD.secret).decode().rstrip("=")  # URL-safe, unpadded
    assert Keyring.parse(urlsafe).primary == OLD


def test_generated_keys_are_distinct_aes256_keys() -> None:
    a, b = DataKey.generate(), DataKey.generate("mine")
    assert len(a.secret) == 32 and a.secret != b.secret and b.key_id == "mine"
    assert Keyring.parse(a.export()).primary == a


@pytest.mark.parametrize(("text", "problem"), [
    ("", "empty"),
    ("k1", "not of the form id:base64key"),
    ("k1:not base64!", "not base64"),
    ("k1:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
    (f"{OLD.export()},{OLD.export()}", "same id"),
    ("bad id:" + base64.b64encode(bytes(32)).decode(), "1-32 characters"),
])
def test_malformed_keyrings_are_refused_without_quoting_the_key(text: str, problem: str) -> None:
    with pytest.raises(DataKeyError, match=problem) as caught:
        Keyring.parse(text)
    assert isinstance(caught.value, MissingKeyError)  # the CLI reports it as a configuration error
    secret_part = text.partition(":")[2]
    assert not secret_part or secret_part not in str(caught.value)


def test_a_key_written_the_wrong_way_round_is_not_quoted() -> None:
    secret = base64.urlsafe_b64encode(OLD.secret).decode().rstrip("=")
    for text in (f"{secret}:k1!", f"{secret}:k1"):
        with pytest.raises(DataKeyError) as caught:
            Keyring.parse(text)
        assert secret not in str(caught.value)


def test_resolve_and_require(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Keyring.resolve() is None
    with pytest.raises(DataKeyError, match="keys new"):
        Keyring.require(None, problem="store 'x' refuses to start")
    monkeypatch.setenv("INTERCOM_REDACT_DATA_KEY", f"{NEW.export()},{OLD.export()}")
    assert Keyring.resolve().key_ids == ("new", "old")  # type: ignore[union-attr]
    assert Keyring.resolve(OLD.export()).key_ids == ("old",)  # type: ignore[union-attr]
    assert export_keyring(False, None, what="x") is None
    assert export_keyring(None, None, what="x").primary == NEW  # type: ignore[union-attr]
    monkeypatch.delenv("INTERCOM_REDACT_DATA_KEY")
    assert export_keyring(None, None, what="x") is None
    with pytest.raises(DataKeyError, match="an encrypted export was asked for"):
        export_keyring(True, None, what="an encrypted export")


def test_reprs_name_ids_only() -> None:
    ring = Keyring([NEW, OLD])
    shown = repr(ring) + repr(NEW) + str(NEW) + repr(WHERE)
    assert "new" in shown and "old" in shown
    assert not [s for s in _secrets(NEW, OLD) if s in shown]


# -- fields ---------------------------------------------------------------------------------------


def test_field_round_trip_carries_the_key_id_and_a_fresh_nonce() -> None:
    ring = Keyring([NEW, OLD])
    a, b = seal_field(ring, b"jane@example.com", WHERE), seal_field(ring, b"jane@example.com", WHERE)
    assert a.startswith("ir1:new:") and a != b
    assert open_field(ring, a, WHERE) == open_field(ring, b, WHERE) == b"jane@example.com"
    assert open_field(Keyring([OLD, NEW]), a, WHERE) == b"jane@example.com"  # any key of the ring decrypts


@pytest.mark.parametrize("other", [
    FieldId("sql_cache", "intercom_redact_contact_cache", "c2", "data"),      # another row
    FieldId("sql_cache", "intercom_redact_webhook_events", "c1", "data"),     # another table
    FieldId("other_cache", "intercom_redact_contact_cache", "c1", "data"),    # another store
    FieldId("sql_cache", "intercom_redact_contact_cache", "c1", "email"),     # another field
])
def test_a_sealed_value_moved_elsewhere_is_refused(other: FieldId) -> None:
    ring = Keyring([NEW])
    sealed = seal_field(ring, b"secret", WHERE)
    with pytest.raises(DecryptionError, match="copied from another row") as caught:
        open_field(ring, sealed, other)
    assert str(other) in str(caught.value)  # the message names where it was read


def test_tampered_wrong_key_unknown_key_and_plaintext_are_refused() -> None:
    ring = Keyring([NEW])
    sealed = seal_field(ring, b"secret", WHERE)
    prefix, body = sealed[:8], sealed[8:]
    flipped = prefix + body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    with pytest.raises(DecryptionError, match="failed authentication"):
        open_field(ring, flipped, WHERE)
    impostor = Keyring([DataKey("new", bytes(32))])  # same id, other bytes
    with pytest.raises(DecryptionError, match="failed authentication"):
        open_field(impostor, sealed, WHERE)
    with pytest.raises(DecryptionError, match="key 'new', which is not in the keyring"):
        open_field(Keyring([OLD]), sealed, WHERE)
    with pytest.raises(DecryptionError, match="not an encrypted value"):
        open_field(ring, '{"email": "jane@example.com"}', WHERE)


# -- files ----------------------------------------------------------------------------------------


def _encrypt(data: bytes, ring: Keyring, chunk_size: int = 16, name: str = "dsar-c1.json") -> bytes:
    sink = io.BytesIO()
    with encrypting(sink, ring, name=name, purpose="dsar", subject="contact:c1", chunk_size=chunk_size) as out:
        for start in range(0, len(data), 7):  # writes that do not line up with chunks
            out.write(data[start:start + 7])
    return sink.getvalue()


def _decrypt(blob: bytes, ring: Keyring) -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(blob), out, ring)
    return out.getvalue()


def _chunks(blob: bytes) -> tuple[bytes, list[bytes]]:
    """The header bytes and the framed chunks of an encrypted file."""
    source = io.BytesIO(blob)
    header = read_header(source)
    assert header is not None
    chunks = []
    while word := source.read(4):
        chunks.append(word + source.read(int.from_bytes(word, "big") & 0x7FFF_FFFF))
    return header[1], chunks


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 32, 100, 1000])
def test_file_round_trip_any_size(size: int) -> None:
    ring = Keyring([NEW, OLD])
    data = bytes(i % 251 for i in range(size))
    blob = _encrypt(data, ring)
    assert _decrypt(blob, ring) == data
    assert len(_chunks(blob)[1]) == max(1, -(-size // 16))
    header = read_header(io.BytesIO(blob))
    assert header is not None and header[0]["key_id"] == "new" and header[0]["subject"] == "contact:c1"


def test_the_plaintext_is_not_in_the_file() -> None:
    data = b'{"email": "jane.roe@example.com", "name": "Jane Roe"}' * 50
    blob = _encrypt(data, Keyring([NEW]), chunk_size=64)
    assert b"jane" not in blob.lower() and b"Roe" not in blob


def test_truncation_reordering_and_trailing_bytes_are_detected() -> None:
    ring = Keyring([NEW])
    blob = _encrypt(b"x" * 100, ring)
    head, chunks = _chunks(blob)
    cases = {
        "truncated": head + b"".join(chunks[:-1]),                       # cut at a chunk boundary
        "truncated or corrupt": blob[:-5],                               # cut inside the last chunk
        "failed authentication": head + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "data after its final chunk": blob + chunks[-1],
    }
    for problem, altered in cases.items():
        with pytest.raises(DecryptionError, match=problem):
            _decrypt(altered, ring)
    dropped = head + chunks[0] + b"".join(chunks[2:])
    with pytest.raises(DecryptionError, match="failed authentication"):
        _decrypt(dropped, ring)


def test_header_tamper_wrong_key_and_foreign_files_are_refused() -> None:
    ring = Keyring([NEW])
    blob = _encrypt(b"hello world" * 5, ring)
    renamed = blob.replace(b'"name":"dsar-c1.json"', b'"name":"dsar-c2.json"')
    resubjected = blob.replace(b"contact:c1", b"contact:c2")
    for altered in (renamed, resubjected):
        assert altered != blob
        with pytest.raises(DecryptionError, match=r"chunk 0 .* failed authentication"):
            _decrypt(altered, ring)
    with pytest.raises(DecryptionError, match="key 'new' is not the key"):
        _decrypt(blob, Keyring([DataKey("new", bytes(32))]))
    with pytest.raises(DecryptionError, match="encrypted under key 'new', which is not in the keyring"):
        _decrypt(blob, Keyring([OLD]))
    with pytest.raises(DecryptionError, match="not an intercom-redact encrypted file"):
        _decrypt(b'{"format": "intercom-redact.dsar/1"}', ring)
    with pytest.raises(DecryptionError, match="header is corrupt"):
        _decrypt(MAGIC + b"{nope\n", ring)
    assert read_header(io.BytesIO(b"plain text")) is None
