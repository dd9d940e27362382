"""Data-encryption keys, and field-level encryption for the library's own stores.

Keys are apart from the HMAC key that makes pseudonyms (:class:`~intercom_redact.actions.HmacKey`):
losing or rotating one must not touch the other.  A :class:`Keyring` holds one or more
:class:`DataKey` objects, each with an id; the first one encrypts, every one decrypts, so a key is
rotated by putting a new one first, re-encrypting (``intercom-redact keys rotate``) and only then
dropping the old one.  Its text form, for ``INTERCOM_REDACT_DATA_KEY`` or an argument, is::

    k20261129a1b2:3q2+7w…base64 of 32 bytes…=,k20260101c3d4:…

``intercom-redact keys new`` prints one entry.  Ids are 1–32 characters from ``[A-Za-z0-9_-]``;
keys are 32 random bytes (AES-256) in standard or URL-safe base64.  A key's bytes appear nowhere
but in :meth:`DataKey.export`: reprs, errors and logs name key ids only.

A field is sealed with AES-256-GCM (``cryptography``'s ``AESGCM``, a fresh random 96-bit nonce each
time) into the text ``ir1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``.  The associated data
is the field's identity (:class:`FieldId`: store, table, row key, field) and the key id, so a
ciphertext copied into another row, table or store fails authentication like an altered one.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..actions import MissingKeyError

__all__ = [
    "DATA_KEY_ENV",
    "DataKey",
    "DataKeyError",
    "DecryptionError",
    "FieldId",
    "Keyring",
    "export_keyring",
    "open_field",
    "seal_field",
    "sealed_prefix",
]

#: Where the keyring is read from when none is passed.
DATA_KEY_ENV = "INTERCOM_REDACT_DATA_KEY"

_KEY_BYTES = 32
_NONCE_BYTES = 12
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_FIELD_VERSION = "ir1"
_HOW_TO = (f"set {DATA_KEY_ENV} (format: id:base64key, several separated by commas, "
           f"the newest first; `intercom-redact keys new` prints a fresh key)")


class DataKeyError(MissingKeyError):
    """The data-encryption key is missing or malformed.  The message never quotes key material."""


class DecryptionError(ValueError):
    """A ciphertext failed authentication: altered, moved to another row or file, or the wrong key."""


@dataclass(frozen=True)
class DataKey:
    """One AES-256 key and its id (the id is stored with every ciphertext it makes)."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID.fullmatch(self.key_id):
            raise DataKeyError("a data key id must be 1-32 characters from A-Z, a-z, 0-9, '_' and '-'")
        if len(self.secret) != _KEY_BYTES:
            raise DataKeyError(f"data key {self.key_id!r} must be {_KEY_BYTES} bytes (AES-256), "
                               f"got {len(self.secret)}")

    @classmethod
    def generate(cls, key_id: str | None = None) -> DataKey:
        """A fresh random key; the default id is the UTC date and 4 random hex digits."""
        return cls(key_id or f"k{time.strftime('%Y%m%d', time.gmtime())}{secrets.token_hex(2)}",
                   AESGCM.generate_key(bit_length=8 * _KEY_BYTES))

    def export(self) -> str:
        """The text form ``id:base64key`` — the one place key material is rendered."""
        return f"{self.key_id}:{base64.b64encode(self.secret).decode()}"


class Keyring:
    """Data keys by id; the first one encrypts, all of them decrypt.

    :param keys: The keys, newest (the one that encrypts) first; ids must be distinct.
    """

    def __init__(self, keys: Sequence[DataKey]) -> None:
        if not keys:
            raise DataKeyError(f"the keyring is empty; {_HOW_TO}")
        self._keys = {key.key_id: key for key in keys}
        if len(self._keys) != len(keys):
            raise DataKeyError("two data keys have the same id; give each key a distinct id")
        self.primary = keys[0]
        self._aeads: dict[str, AESGCM] = {}

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids, the one that encrypts first."""
        return tuple(self._keys)

    def __repr__(self) -> str:
        return f"Keyring(primary={self.primary.key_id!r}, key_ids={self.key_ids!r})"

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """A keyring from ``id:base64key[,id:base64key…]`` (whitespace around entries is ignored)."""
        entries = [entry.strip() for entry in text.split(",") if entry.strip()]
        return cls([_parse_entry(number, entry) for number, entry in enumerate(entries, 1)])

    @classmethod
    def resolve(cls, key: str | Keyring | None = None) -> Keyring | None:
        """The keyring given (object or text), else the one in ``INTERCOM_REDACT_DATA_KEY``, else ``None``."""
        if isinstance(key, Keyring):
            return key
        text = key if key is not None else os.environ.get(DATA_KEY_ENV)
        return cls.parse(text) if text and text.strip() else None

    @classmethod
    def require(cls, key: str | Keyring | None, *, problem: str) -> Keyring:
        """Like :meth:`resolve`, but a missing key raises :class:`DataKeyError`: *problem*, then how to make one."""
        keyring = cls.resolve(key)
        if keyring is None:
            raise DataKeyError(f"{problem}; {_HOW_TO}")
        return keyring

    def key(self, key_id: str) -> DataKey:
        """The key with *key_id*.

        :raises DecryptionError: no such key in the ring (removed before its data was re-encrypted?).
        """
        try:
            return self._keys[key_id]
        except KeyError:
            raise DecryptionError(
                f"the data was encrypted under key {key_id!r}, which is not in the keyring "
                f"(it holds {', '.join(self.key_ids)}); add that key back after the newest one"
            ) from None

    def aead(self, key_id: str) -> AESGCM:
        """The AES-GCM cipher of one key (built once)."""
        aead = self._aeads.get(key_id)
        if aead is None:
            aead = self._aeads[key_id] = AESGCM(self.key(key_id).secret)
        return aead


def export_keyring(encrypt: bool | None, data_key: str | Keyring | None, *, what: str) -> Keyring | None:
    """The keyring an export file is encrypted with, or ``None`` for plaintext.

    ``encrypt=None`` encrypts when a key is configured, ``True`` requires one, ``False`` never encrypts.
    """
    if encrypt is False:
        return None
    if encrypt:
        return Keyring.require(data_key, problem=f"{what} was asked for, and no data-encryption key is configured")
    return Keyring.resolve(data_key)


def _parse_entry(number: int, entry: str) -> DataKey:
    key_id, sep, encoded = entry.partition(":")
    if not sep or not encoded:
        raise DataKeyError(f"{DATA_KEY_ENV} entry {number} is not of the form id:base64key")
    try:
        secret = base64.b64decode(encoded.replace("-", "+").replace("_", "/") + "=" * (-len(encoded) % 4),
                                  validate=True)
    except (binascii.Error, ValueError):
        # The id is not quoted: an entry written the wrong way round would put the key there.
        raise DataKeyError(f"{DATA_KEY_ENV} entry {number}: the key is not base64") from None
    return DataKey(key_id.strip(), secret)


@dataclass(frozen=True)
class FieldId:
    """Where a sealed value lives; bound to its ciphertext as associated data."""

    store: str
    table: str
    row: str
    field: str

    def __str__(self) -> str:
        return f"{self.table}.{self.field} of row {self.row!r} in store {self.store!r}"


def sealed_prefix(key_id: str) -> str:
    """How every value sealed under *key_id* starts (rotation finds the others by it)."""
    return f"{_FIELD_VERSION}:{key_id}:"


def seal_field(keyring: Keyring, plaintext: bytes, where: FieldId) -> str:
    """Encrypt *plaintext* under the keyring's newest key, bound to *where*."""
    key_id = keyring.primary.key_id
    nonce = os.urandom(_NONCE_BYTES)
    sealed = keyring.aead(key_id).encrypt(nonce, plaintext, _aad(key_id, where))
    return sealed_prefix(key_id) + base64.b64encode(nonce + sealed).decode()


def open_field(keyring: Keyring, text: str, where: FieldId) -> bytes:
    """Decrypt a value made by :func:`seal_field` for the same *where*.

    :raises DecryptionError: not a sealed value, an unknown key id, or authentication failed
        (altered, moved from another row, or another key under the same id).
    """
    version, _, rest = text.partition(":")
    key_id, _, encoded = rest.partition(":")
    if version != _FIELD_VERSION or not encoded:
        raise DecryptionError(f"{where} is not an encrypted value (written without a data key?)")
    aead = keyring.aead(key_id)
    try:
        blob = base64.b64decode(encoded, validate=True)
        return aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _aad(key_id, where))
    except (InvalidTag, binascii.Error, ValueError):
        raise DecryptionError(
            f"{where} failed authentication: it was altered, copied from another row, "
            f"or key {key_id!r} is not the key it was encrypted with"
        ) from None


def _aad(key_id: str, where: FieldId) -> bytes:
    # A JSON array is an unambiguous encoding: no choice of names can make two identities collide.
    return orjson.dumps(["intercom-redact.field/1", key_id, where.store, where.table, where.row, where.field])
