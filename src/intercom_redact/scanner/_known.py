"""Known values: PII that field rules caught elsewhere in the same event.

The engine hands the scanner ``(entity_type, value)`` pairs; each value is
found in the text whatever its case, and in the notations people write:

* phones on their digits, with separators between them and with or without
  the country code or trunk prefix (``+44 20 7946 0958`` is also
  ``020-7946-0958`` and ``0044 (0)20 79460958``);
* emails also URL-encoded (``jane%40example.com``, ``%2B`` for ``+``);
* anything else as words with any whitespace between them.

This runs for every free-text string of every event that had a field rule
fire, so nothing here compiles a regex per event: single words are found with
``str.find`` on the lower-cased text, phones by comparing digit runs, and only
multi-word values use a regex, compiled once per distinct value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import phonenumbers

__all__ = ["MIN_LENGTH", "UNSEARCHED_TYPES", "KnownValues", "normalize"]

MIN_LENGTH = 3
"""Shorter values are ignored: a one- or two-letter value would cut up unrelated words."""
UNSEARCHED_TYPES = frozenset({"FRAME_LOCAL"})
"""Redacted for what they might be, not for what they are (a traceback's local ``status = 'open'``):
searching the rest of the event for them would cut up ordinary words."""

# A run of digits with short separators between them: where a phone may be written.
_DIGIT_RUN = re.compile(r"\+?\d(?:[ \t.\-()+]{0,3}\d)+")  # "+" too: form-encoded spaces
_PHONE_VALUE = re.compile(r"\+?[\d\s.\-()/]{7,}")
_NON_DIGITS = re.compile(r"\D+")
_HAS_DIGIT = re.compile(r"\d").search
_HAS_SPACE = re.compile(r"\s").search
_NAME_PART = re.compile(r"[^\W\d_](?:[^\W\d_]|['\-][^\W\d_])*")


def normalize(known_values: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Clean, de-duplicate and order known values (the order makes results stable).

    A person's full name also makes each capitalised part of it known: the
    recipient ``Marisol Vega`` is greeted as ``Welcome aboard, Marisol!``.
    """
    seen = set()
    for entity_type, value in known_values:
        if isinstance(value, str) and isinstance(entity_type, str) and entity_type not in UNSEARCHED_TYPES:
            value = value.strip()
            if len(value) >= MIN_LENGTH:
                seen.add((entity_type, value))
                if entity_type == "PERSON" and _HAS_SPACE(value):
                    seen.update((entity_type, part) for part in _name_parts(value))
    return tuple(sorted(seen))


@functools.lru_cache(maxsize=4096)
def _name_parts(name: str) -> tuple[str, ...]:
    # Lower-case particles ("van", "de") and initials are not names on their own.
    return tuple(part for part in _NAME_PART.findall(name) if part[0].isupper() and len(part) >= MIN_LENGTH)


@functools.lru_cache(maxsize=4096)
def _phone_forms(value: str) -> tuple[str, frozenset[str]] | None:
    """The national digits of a phone and the prefixes that may stand before them."""
    digits = _NON_DIGITS.sub("", value)
    if len(digits) < 7:
        return None
    try:
        number = phonenumbers.parse(value, None if value.startswith("+") else "US")
        national, country = str(number.national_number), str(number.country_code)
    except phonenumbers.NumberParseException:
        return digits, frozenset({""})
    if not digits.endswith(national):
        return digits, frozenset({""})
    return national, frozenset({"", "0", country, country + "0", "00" + country, "00" + country + "0",
                                digits[: len(digits) - len(national)]})


@functools.lru_cache(maxsize=4096)
def _words(value: str) -> re.Pattern[str]:
    # Words may also be joined as a form encodes spaces: "Jane+Doe", "Jane%20Doe".
    body = r"(?:\s+|\+|%20)".join(re.escape(word) for word in value.split())
    head = r"(?<!\w)" if value[0].isalnum() else ""
    tail = r"(?!\w)" if value[-1].isalnum() else ""
    return re.compile(head + body + tail, re.IGNORECASE)


class KnownValues:
    """The known values of one event, prepared once and searched in each of its texts."""

    __slots__ = ("_needles", "_patterns", "_phones")

    def __init__(self, known: tuple[tuple[str, str], ...]) -> None:
        needles: list[tuple[str, str]] = []  # (entity_type, lower-cased single token)
        patterns: list[tuple[str, re.Pattern[str]]] = []
        phones: list[tuple[str, str, frozenset[str]]] = []
        for entity_type, value in known:
            if entity_type == "PHONE_NUMBER" or (_HAS_DIGIT(value) and _PHONE_VALUE.fullmatch(value)):
                forms = _phone_forms(value)
                if forms is not None:
                    phones.append((entity_type, *forms))
                    continue
            if _HAS_SPACE(value):
                patterns.append((entity_type, _words(value)))
                continue
            low = value.lower()
            needles.append((entity_type, low))
            if "@" in low:  # URL-encoded forms, as in query strings
                encoded = {low.replace("@", "%40"), low.replace("+", "%2b").replace("@", "%40")}
                needles.extend((entity_type, form) for form in sorted(encoded))
        self._needles = needles
        self._patterns = patterns
        self._phones = phones

    def __bool__(self) -> bool:
        return bool(self._needles or self._patterns or self._phones)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, entity_type)`` of every known value in ``text``."""
        found: list[tuple[int, int, str]] = []
        if self._needles:
            low = text.lower()
            if len(low) != len(text):  # a few characters grow when lower-cased: keep offsets
                low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
            size = len(low)
            for entity_type, needle in self._needles:
                if len(needle) > size:
                    continue
                start = low.find(needle)
                while start != -1:
                    end = start + len(needle)
                    if _bounded(low, start, end, needle):
                        found.append((start, end, entity_type))
                    start = low.find(needle, end)
        for entity_type, pattern in self._patterns:
            found.extend((m.start(), m.end(), entity_type) for m in pattern.finditer(text))
        if self._phones and _HAS_DIGIT(text):
            for run in _DIGIT_RUN.finditer(text):
                digits = _NON_DIGITS.sub("", run.group())
                for entity_type, national, prefixes in self._phones:
                    if digits.endswith(national) and digits[: len(digits) - len(national)] in prefixes:
                        found.append((run.start(), run.end(), entity_type))
                        break
        return found


def _bounded(low: str, start: int, end: int, needle: str) -> bool:
    """A word-like value must not be part of a longer word (``ann`` in ``annual``)."""
    if needle[0].isalnum() and start and (low[start - 1].isalnum() or low[start - 1] in "._%+-"
                                          and "@" in needle):
        return False
    if needle[-1].isalnum() and end < len(low) and (low[end].isalnum() or low[end] == "_"):
        return False
    return True
