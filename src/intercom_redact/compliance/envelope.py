"""Encrypted export files: a streamed, chunked AES-256-GCM envelope.

DSAR documents and bulk-export CSVs wait in the export directory until they are delivered or
retention removes them; written through :func:`encrypting`, a stolen disk or backup shows none
of their content.  The format (version 1)::

    intercom-redact encrypted file v1\\n                     magic line
    {"chunk_size":65536,"key_id":"k1","name":"dsar-….json",  header: one JSON line, keys sorted
     "purpose":"dsar","salt":"<base64, 16 bytes>","subject":"contact:…"}\\n
    [4-byte big-endian length | ciphertext ‖ tag] …           chunks, in order

* the file key is HKDF-SHA256 of the data key named by ``key_id`` with the file's random ``salt``,
  so nonces never repeat across files;
* chunk *n* (from 0) holds up to ``chunk_size`` bytes of plaintext, sealed with the nonce
  ``n`` (11 bytes, big-endian) ‖ ``final`` (1 byte); the length word's top bit is the same
  ``final`` flag.  This is the STREAM construction (as in age and Tink): reordered, dropped or
  repeated chunks fail, and a file cut at a chunk boundary lacks its final chunk;
* every chunk's associated data is the magic line and the header line, bytes as written, so the
  file's name, purpose, subject and key id cannot be altered either.

The header stays readable without the key: :class:`~intercom_redact.compliance.ExportDirectory`
finds a contact's encrypted DSAR documents by ``purpose`` and ``subject`` (an Intercom contact
id, no personal value) when deletion purges them.  Decryption streams too: memory stays at one
chunk whatever the file's size.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..files import open_output
from .crypto import DecryptionError, Keyring

__all__ = ["CHUNK_SIZE", "MAGIC", "decrypt_file", "decrypt_stream", "encrypting", "read_decrypted",
           "read_header", "reencrypt_file", "sealed_output"]

MAGIC = b"intercom-redact encrypted file v1\n"
#: Plaintext bytes per chunk.
CHUNK_SIZE = 1 << 16

_FINAL = 0x8000_0000
_MAX_CHUNK = 1 << 24
_MAX_HEADER = 4096
_SALT_BYTES = 16
_TAG_BYTES = 16


def _file_aead(secret: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"intercom-redact file v1")
    return AESGCM(hkdf.derive(secret))


def _nonce(counter: int, final: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class _Encryptor(io.RawIOBase):
    """A writable binary stream that seals what it is given into chunks on *sink*."""

    def __init__(self, sink: IO[bytes], aead: AESGCM, aad: bytes, chunk_size: int) -> None:
        self._sink = sink
        self._aead = aead
        self._aad = aad
        self._chunk_size = chunk_size
        self._pending = bytearray()
        self._counter = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._pending += data
        # Keep at least one byte back: only finish() knows which chunk is the final one.
        while len(self._pending) > self._chunk_size:
            self._emit(bytes(self._pending[:self._chunk_size]), final=False)
            del self._pending[:self._chunk_size]
        return len(data)

    def finish(self) -> None:
        self._emit(bytes(self._pending), final=True)
        self._pending.clear()

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._counter, final), plaintext, self._aad)
        self._sink.write((len(sealed) | (_FINAL if final else 0)).to_bytes(4, "big") + sealed)
        self._counter += 1


@contextmanager
def encrypting(sink: IO[bytes], keyring: Keyring, *, name: str, purpose: str, subject: str | None = None,
               chunk_size: int = CHUNK_SIZE) -> Iterator[IO[bytes]]:
    """A binary stream whose bytes reach *sink* encrypted, under the keyring's newest key.

    The final chunk is written when the block ends without error; on error nothing more is
    written, and a reader of what was written gets "truncated".

    :param name: The file's name, recorded in the (authenticated) header.
    :param purpose: What the file is, e.g. ``"dsar"`` or ``"content_export"``.
    :param subject: What it is about, e.g. ``"contact:<id>"``; never a personal value.  Deletion
        removes the files whose subject is the contact being deleted.
    """
    if not 0 < chunk_size <= _MAX_CHUNK:
        raise ValueError(f"chunk_size must be between 1 and {_MAX_CHUNK}")
    key = keyring.primary
    salt = os.urandom(_SALT_BYTES)
    header = {"chunk_size": chunk_size, "key_id": key.key_id, "name": name, "purpose": purpose,
              "salt": base64.b64encode(salt).decode(), "subject": subject}
    head = MAGIC + orjson.dumps(header, option=orjson.OPT_SORT_KEYS) + b"\n"
    sink.write(head)
    encryptor = _Encryptor(sink, _file_aead(key.secret, salt), head, chunk_size)
    yield encryptor  # type: ignore[misc]  # a RawIOBase is a binary stream
    encryptor.finish()


@contextmanager
def sealed_output(sink: IO[bytes], keyring: Keyring | None, *, name: str, purpose: str,
                  subject: str | None = None) -> Iterator[IO[bytes]]:
    """:func:`encrypting` when a keyring is given, else *sink* itself (a plaintext file)."""
    if keyring is None:
        yield sink
        return
    with encrypting(sink, keyring, name=name, purpose=purpose, subject=subject) as sealed:
        yield sealed


def read_header(source: IO[bytes]) -> tuple[dict[str, Any], bytes] | None:
    """The header of an encrypted file and its raw bytes, or ``None`` if *source* is not one.

    Reads the magic and header lines only; nothing is authenticated until a chunk is.

    :raises DecryptionError: it starts like an encrypted file but the header is corrupt.
    """
    if source.read(len(MAGIC)) != MAGIC:
        return None
    line = source.readline(_MAX_HEADER)
    try:
        header = orjson.loads(line) if line.endswith(b"\n") else None
    except orjson.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or not _valid_header(header):
        raise DecryptionError("the encrypted file's header is corrupt")
    return header, MAGIC + line


def _valid_header(header: Mapping[str, Any]) -> bool:
    size = header.get("chunk_size")
    texts = all(isinstance(header.get(name), str) for name in ("key_id", "name", "purpose", "salt"))
    subject = header.get("subject")
    return texts and isinstance(size, int) and 0 < size <= _MAX_CHUNK and (subject is None or isinstance(subject, str))


def decrypt_stream(source: IO[bytes], sink: IO[bytes], keyring: Keyring) -> dict[str, Any]:
    """Decrypt an encrypted file from *source* into *sink*, chunk by chunk; return its header.

    :raises DecryptionError: not an encrypted file, unknown key id, a chunk that fails
        authentication (altered, reordered, wrong key), truncation, or bytes after the end.
    """
    found = read_header(source)
    if found is None:
        raise DecryptionError("not an intercom-redact encrypted file (no magic line)")
    header, aad = found
    try:
        salt = base64.b64decode(header["salt"], validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("the encrypted file's header is corrupt") from None
    aead = _file_aead(keyring.key(header["key_id"]).secret, salt)
    limit = header["chunk_size"] + _TAG_BYTES
    counter = 0
    while True:
        word = source.read(4)
        if len(word) < 4:
            raise DecryptionError(f"the encrypted file is truncated: it ends after chunk {counter} "
                                  f"without its final chunk")
        length, final = int.from_bytes(word, "big") & ~_FINAL, bool(word[0] & 0x80)
        sealed = source.read(length) if length <= limit else b""
        if len(sealed) != length or length < _TAG_BYTES:
            raise DecryptionError(f"the encrypted file is truncated or corrupt at chunk {counter}")
        try:
            sink.write(aead.decrypt(_nonce(counter, final), sealed, aad))
        except InvalidTag:
            raise DecryptionError(
                f"chunk {counter} of the encrypted file failed authentication: the file was altered "
                f"or cut, or key {header['key_id']!r} is not the key it was encrypted with"
            ) from None
        counter += 1
        if final:
            break
    if source.read(1):
        raise DecryptionError("the encrypted file has data after its final chunk")
    return header


def read_decrypted(path: str | os.PathLike[str], keyring: Keyring) -> bytes:
    """The plaintext of a (small) encrypted file, in memory."""
    out = io.BytesIO()
    with open(path, "rb") as source:
        decrypt_stream(source, out, keyring)
    return out.getvalue()


def reencrypt_file(path: str | os.PathLike[str], keyring: Keyring) -> bool:
    """Re-encrypt an encrypted file under the keyring's newest key, in place.

    The new file replaces the old one atomically and keeps its modification time, so retention
    still counts from when it was written; name, purpose and subject are kept.  Returns ``False``
    for a file that is not encrypted or already is under the newest key.
    """
    with open(path, "rb") as source:
        found = read_header(source)
        if found is None or found[0]["key_id"] == keyring.primary.key_id:
            return False
        header = found[0]
        written = os.stat(source.fileno())
        source.seek(0)
        with open_output(path) as raw, encrypting(raw, keyring, name=header["name"], purpose=header["purpose"],
                                                  subject=header["subject"], chunk_size=header["chunk_size"]) as sink:
            decrypt_stream(source, sink, keyring)
    os.utime(path, ns=(written.st_atime_ns, written.st_mtime_ns))
    return True


def decrypt_file(path: str | os.PathLike[str], out: str | os.PathLike[str], keyring: Keyring) -> dict[str, Any]:
    """Decrypt *path* into *out* (atomically, mode 0600; nothing is left if it fails); return the header."""
    with open(path, "rb") as source, open_output(out) as sink:
        return decrypt_stream(source, sink, keyring)
