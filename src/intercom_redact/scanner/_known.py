"""Known values: PII that field rules caught elsewhere in the same event.

The engine hands the scanner ``(entity_type, value)`` pairs; each value is
found in the text whatever its case, and in the notations people write:

* phones on their digits, with any separators between them and with or
  without the country code or trunk prefix (``+44 20 7946 0958`` is also
  ``020-7946-0958`` and ``0044 (0)20 79460958``);
* emails also URL-encoded (``jane%40example.com``, ``%2B`` for ``+``);
* anything else as words with any whitespace between them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

__all__ = ["MIN_LENGTH", "compile_known", "normalize"]

MIN_LENGTH = 3
"""Shorter values are ignored: a one- or two-letter value would cut up unrelated words."""

_SEP = r"[\s.\-()/]{0,3}"
_PHONE_VALUE = re.compile(r"\+?[\d\s.\-()/]{7,}")


def normalize(known_values: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Clean, de-duplicate and order known values (the order makes cache keys stable)."""
    seen = set()
    for entity_type, value in known_values:
        if isinstance(value, str) and isinstance(entity_type, str):
            value = value.strip()
            if len(value) >= MIN_LENGTH:
                seen.add((entity_type, value))
    return tuple(sorted(seen))


def _digits(digits: str) -> str:
    return _SEP.join(digits)


def _phone(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 7:
        return None
    try:
        number = phonenumbers.parse(value, None if value.startswith("+") else "US")
    except phonenumbers.NumberParseException:
        return rf"(?<!\d){_digits(digits)}(?!\d)"
    national = str(number.national_number)
    country = str(number.country_code)
    prefix = rf"(?:(?:\+|00){_SEP}{country}{_SEP}(?:\(0\){_SEP})?|[01]{_SEP})?"
    # The digits as given stay an alternative, whatever the parse made of them.
    return rf"(?<!\d)(?:{prefix}{_digits(national)}|{_digits(digits)})(?!\d)"


def _email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    local = "".join("(?:\\+|%2[Bb])" if ch == "+" else re.escape(ch) for ch in local)
    return rf"(?<![\w.+%-]){local}(?:@|%40){re.escape(domain)}(?![\w-])"


def _words(value: str) -> str:
    body = r"\s+".join(re.escape(word) for word in value.split())
    head = r"(?<!\w)" if value[0].isalnum() else ""
    tail = r"(?!\w)" if value[-1].isalnum() else ""
    return head + body + tail


def _pattern(entity_type: str, value: str) -> str:
    if entity_type == "EMAIL_ADDRESS" or ("@" in value and " " not in value):
        return _email(value)
    if entity_type == "PHONE_NUMBER" or _PHONE_VALUE.fullmatch(value):
        phone = _phone(value)
        if phone is not None:
            return phone
    return _words(value)


def compile_known(known: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """One case-insensitive regex for all ``known`` values, and the entity type of each group.

    Group ``i + 1`` matches value ``i``; longer values come first so that a
    value containing another wins.
    """
    ordered = sorted(known, key=lambda pair: -len(pair[1]))
    pattern = "|".join(f"({_pattern(entity_type, value)})" for entity_type, value in ordered)
    return re.compile(pattern, re.I), tuple(entity_type for entity_type, _ in ordered)
