"""What happens to a value a rule selected: redact, pseudonymize, mask (drop and keep
need no code).

These are plain functions over strings; the engine decides when to call them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field

import phonenumbers

__all__ = ["HmacKey", "MissingKeyError", "keyed_digest", "mask", "normalize", "pseudonymize"]

KEY_ENV = "INTERCOM_REDACT_HMAC_KEY"
KEY_ID_ENV = "INTERCOM_REDACT_HMAC_KEY_ID"

# 12 hex digits (48 bits) keeps pseudonyms short while making accidental
# collisions between customers of one workspace vanishingly rare.
_DIGEST_CHARS = 12


class MissingKeyError(ValueError):
    """Pseudonymization was asked for without an HMAC key."""


@dataclass(frozen=True)
class HmacKey:
    """A secret key for pseudonyms and audit hashes, with an id so keys can rotate.

    The id is part of every pseudonym (``EMAIL_ADDRESS:k1:3f9a…``), so values
    hashed under an old key can be told apart after rotation.  When no id is
    given, one is derived from the key (a digest, not the key).
    """

    secret: bytes = field(repr=False)
    key_id: str = ""

    def __post_init__(self) -> None:
        if not self.secret:
            raise MissingKeyError("the HMAC key is empty")
        if not self.key_id:
            derived = hashlib.sha256(b"intercom-redact key id\x00" + self.secret).hexdigest()[:8]
            object.__setattr__(self, "key_id", derived)

    @classmethod
    def resolve(cls, key: str | bytes | HmacKey | None = None, key_id: str | None = None) -> HmacKey | None:
        """The key given, else the one in ``INTERCOM_REDACT_HMAC_KEY``, else ``None``."""
        if isinstance(key, HmacKey):
            return key
        if key is None:
            key = os.environ.get(KEY_ENV) or None
            key_id = key_id or os.environ.get(KEY_ID_ENV) or None
        if key is None:
            return None
        secret = key.encode() if isinstance(key, str) else bytes(key)
        return cls(secret, key_id or "")

    def digest(self, message: str) -> str:
        return hmac.new(self.secret, message.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


_NON_DIGITS = re.compile(r"\D+")


def normalize(entity_type: str, value: str) -> str:
    """The canonical form two spellings of one value share (so they pseudonymize alike)."""
    value = value.strip()
    if entity_type == "EMAIL_ADDRESS":
        return value.lower()
    if entity_type == "PHONE_NUMBER":
        try:
            number = phonenumbers.parse(value, None if value.startswith("+") else "US")
            if phonenumbers.is_possible_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
        return "+" + _NON_DIGITS.sub("", value)
    if entity_type in ("CREDIT_CARD", "US_SSN", "IBAN_CODE"):
        return re.sub(r"[\s-]+", "", value).upper()
    return " ".join(value.split()).casefold()


def keyed_digest(key: HmacKey, entity_type: str, value: str) -> str:
    """The whole HMAC-SHA256 (hex) of a value's type and normalized form.

    Pseudonyms are its prefix; whole, it is a blind index for equality lookups
    (the stores' contact-by-e-mail), where a short digest could collide.
    """
    return key.digest(f"{entity_type}\x00{normalize(entity_type, value)}")


def pseudonymize(key: HmacKey, entity_type: str, value: str) -> str:
    """A short, typed, keyed pseudonym: ``EMAIL_ADDRESS:<key id>:<12 hex>``.

    The HMAC covers the type and the normalized value, so ``Jane@X.com`` and
    ``jane@x.com`` share a pseudonym, and equal strings of different types do not.
    """
    return f"{entity_type}:{key.key_id}:{keyed_digest(key, entity_type, value)[:_DIGEST_CHARS]}"


def mask(entity_type: str, value: str, placeholder: str) -> str:
    """Keep the part of a value that helps debugging and is not personal.

    Emails keep their domain, cards and phones their last digits; anything else
    becomes ``placeholder``.
    """
    value = value.strip()
    if entity_type == "EMAIL_ADDRESS" and "@" in value:
        return "***@" + value.rsplit("@", 1)[1]
    digits = _NON_DIGITS.sub("", value)
    if entity_type == "CREDIT_CARD" and len(digits) >= 12:
        return "**** " + digits[-4:]
    if entity_type == "PHONE_NUMBER" and len(digits) >= 7:
        return "***" + digits[-2:]
    if entity_type == "IBAN_CODE" and len(value) > 8:
        return value[:2] + "** **** " + value.replace(" ", "")[-4:]
    return placeholder
