"""The engine's hot path: the walk, the known-value search, the per-string checks, and the per-piece work
of an HTML body's view.

This file is the single source of both implementations: it runs as plain
Python (``IMPLEMENTATION == "py"``), and the build compiles the very same file
with Cython into ``_c`` (pure-Python mode: ``_c.pxd`` beside it declares the
C types, so nothing here imports Cython).  Only what runs for every key and
every string of every event lives here -- with the per-string checks: an
op's ``screen`` and the cheap test for structure inside a string; the
rare paths (objects, exceptions, keys never seen before, parsing a string that
may hold structure) are the engine's, in Python, reached through ``hooks``.

A key's rule is one dict look-up: each automaton state, under the op its
container inherits, has a :class:`Table` of the :class:`Step` every key seen
there leads to (the child state, the op, its kind), shared by the walks of
one redactor and bounded like the automaton's own memos.

Known values are prepared lazily: building :class:`KnownValues` only sorts the
values into words, phrases and phones and reads the characters a text needs to
hold each; the strings searched for are made the first time a text has them (most
values are in none of an event's texts).  A text is searched for a value only
after a substring (or, for phones, a digit-run) pre-check says it can hold it,
and a phone is parsed only for a digit run that ends as it does but is not
written with its very digits.  The compiled core reads a short text's
characters once (a 64-bit set, :func:`_chars_of`) and skips each value with a
character the text lacks: most are, in an event's short texts.  Nothing is compiled per event.  A search
answers the outermost spans only (a name, not also its parts inside it), so
the usual text that names a value once costs the engine one finding, no merge.

The last section builds an HTML body's view piece by piece, maps view ranges back to the markup
and puts replacements into it: what is read and how is :mod:`..scanner._html`'s design, and
that module hands here only the loops that run for every body.  The very last, for the OpenTelemetry
sink, is its check that a redacted map can go back into a record as it is (strings put into the record's
clean map): it reads every key of every changed map of every record.
"""

from __future__ import annotations

import functools
import gc
import html
import re
import sys
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from time import perf_counter, thread_time  # bound once: read for every container walked
from typing import TYPE_CHECKING, Any

from .._failclosed import UNSCANNED
from .._paths import MAX_CACHED_TRANSITIONS
from .._structured import MAX_LENGTH as _STRUCTURE_WINDOW
from ._protocols import Abort

if TYPE_CHECKING:
    from ._protocols import Hooks

__all__ = ["CPU_READ_SLACK", "DROP", "IMPLEMENTATION", "KEEP", "REPLACE", "SCALARS", "SCAN", "UNSEARCHED_TYPES",
           "VIEW_COPIED", "WALL_CEILING", "Deadline", "KnownValues", "Step", "Table", "ViewPieces", "Walk", "key_text",
           "rewritten_with_strings", "screen_identifier", "splice_markup", "view_pieces", "view_ranges", "view_spans"]

IMPLEMENTATION = __name__.rpartition("._")[2]
"""``"py"`` run as this file, ``"c"`` compiled (the same source under the module name ``_c``)."""

# Op kinds, ordered so that "kind <= SCAN" means "the value may be kept as is".
KEEP, SCAN, REPLACE, DROP = 0, 1, 2, 3
SCALARS = frozenset({int, float, bool, type(None), complex})
# Known values shorter than this would match inside ordinary words.
_MIN_KNOWN = 3  # a C integer in the compiled core, read for every value
MIN_KNOWN_LENGTH = _MIN_KNOWN
UNSEARCHED_TYPES = frozenset({"FRAME_LOCAL"})
"""Redacted for what they might be, not for what they are (a traceback's local ``status = 'open'``):
searching the rest of the event for them would cut up ordinary words."""
_UNSEARCHED = UNSEARCHED_TYPES  # a typed module variable in the compiled core: no look-up by name per value
# Real events are shallow; only deep walks pay for cycle tracking (a cycle is
# also stopped by the depth bound, this just names it).
_TRACK_CYCLES_FROM = 8
# The wall clock may run this many times the CPU budget (a value whose __str__
# blocks on I/O uses no CPU) before the walk gives up anyway.
WALL_CEILING = 8.0
CPU_READ_SLACK = 0.01
"""A deadline reuses its thread's last CPU clock reading when that is at most this share of its
budget old (see ``_Clocks``), so it may end that much late: 2.5 ms of the default 0.25 s."""
_UNTIMED_WORK = 128
"""A walk starts its clock only past this many values read (a container's items, and the keys of one
redacted whole): the core's own loops over that few take well under a millisecond, so a small event --
most are -- reads no clock at all.  Whatever may take longer starts the clock first: a call out for a
value (``hooks``: objects, structure inside strings, keys not seen before) and an op reading a string
longer than :data:`_UNTIMED_LENGTH`.  The work before the clock starts is not counted, so a walk may end
that much late: well within the :data:`CPU_READ_SLACK` of budgets from :data:`_UNTIMED_BUDGET`."""
_UNTIMED_LENGTH = 1024
_UNTIMED_BUDGET = 0.1
"""A walk with a shorter budget starts its clock as it starts (the untimed work would be past its slack)."""

# More known values than this in one event (a bulk payload of contacts) and its
# free text is redacted whole rather than searched value by value.
_MAX_KNOWN_VALUES = 2000
# A run of digits with short separators between them: where a phone may be written.
# (``\+?\d(?:[ \t.\-()+]{0,3}\d)+``, written to start with a set: the regex engine then skips to
# a "+" or a digit instead of trying a match at every character of a body.)
_DIGIT_RUN = re.compile(r"[+\d](?:(?<=\+)\d|(?<!\+))(?:[ \t.\-()+]{0,3}\d)+")  # "+" too: form-encoded spaces
# A phone's extension after the digit run of its number ("x886", " ext. 12"): its own digits in group 1.
_EXTENSION = re.compile(r"[ \t]{0,3}(?:x|ext\.?|extension)[ \t]{0,3}(\d{1,6})(?!\d)", re.IGNORECASE)  # bounded: linear
# A phone is searched for only where a digit run ends in its last digits: no
# national number is shorter than this.
_PHONE_TAIL = 4
# The shortest text of a KnownValues without values: longer than any text.
_NO_TEXT = sys.maxsize
# Shorter texts are read for structure character by character in the compiled core (a C loop costs
# less than four searches there; longer texts, and all in the pure-Python core, are searched).
_READ_BY_CHARACTER = 48 if IMPLEMENTATION == "c" else 0
# Up to this many spans found in one text, :func:`_outermost` compares each with the others instead of sorting.
_FEW_SPANS = 8
# Up to this many values, :class:`KnownValues` tells a value seen before by comparing it with the others in the
# compiled core (C comparisons cost less than a hash); the pure-Python core's loop would cost more than a dict.
_FEW_VALUES = 8 if IMPLEMENTATION == "c" else 0
# Texts up to this long are read for the characters they hold (see :func:`_chars_of`) in the compiled core;
# a longer text holds most of them, and in the pure-Python core the loop costs more than the searches it saves.
_CHARS_READ_UP_TO = 400 if IMPLEMENTATION == "c" else 0
_ANY_CHARS = 0xFFFF_FFFF_FFFF_FFFF
"""The characters of a text not read: it may hold every one."""
_CHAR = 1
"""The bit shifted by a character's place in :func:`_chars_of` (a 64-bit unsigned one in the compiled core)."""
_ENCODED_AWAY = _CHAR | _CHAR << 43
"""The bits of ``@`` (64, sharing bit 0) and ``+`` (43): an e-mail's URL-encoded forms may hold neither."""


# -- known values ---------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _phone_forms(value: str, digits: str) -> tuple[str, frozenset[str]]:
    """The national digits of a phone and the prefixes that may stand before them."""
    import phonenumbers  # only once a text can hold a known phone

    try:
        number = phonenumbers.parse(value, None if value.startswith("+") else "US")
        national, country = str(number.national_number), str(number.country_code)
    except phonenumbers.NumberParseException:
        return digits, frozenset({""})
    if not digits.endswith(national):
        return digits, frozenset({""})
    return national, frozenset({"", "0", country, country + "0", "00" + country, "00" + country + "0",
                                digits[: len(digits) - len(national)]})


def _lower(text: str) -> str:
    """``text`` lower-cased, offset for offset (a few characters grow when lower-cased)."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    return low


def _char_bit(code: int) -> int:
    """The bit of the character ``code`` in a set of :func:`_chars_of`."""
    return _CHAR << (code if code < 64 else code & 31)


def _chars_of(text: str, unread: int) -> int:
    """The characters ``text`` holds, as bits of a 64-bit set, or ``unread`` for one longer than
    ``_CHARS_READ_UP_TO`` (all texts in the pure-Python core).

    A needle is in a text only if each of its characters is: where a needle's bits (read with
    ``unread`` 0: it asks for none) are not all among a text's (read with :data:`_ANY_CHARS`), the
    text does not hold it, told without a search.  Characters below ``@`` have a bit each (digits,
    punctuation), the others share one by their code's last five bits (a letter with its upper case).
    """
    if len(text) > _CHARS_READ_UP_TO:
        return unread
    chars = 0
    for ch in text:
        chars |= _char_bit(ord(ch))
    return chars


_PERCENT_40 = _chars_of("%40", 0)
_PERCENT_2B = _chars_of("%2b", 0)
"""The characters of an e-mail's URL-encoded ``@`` and ``+`` (none in the pure-Python core: it reads none)."""


def _is_alnum(ch: str) -> bool:
    """``ch.isalnum()``: an ASCII character told by its code (no Unicode table look-ups in the compiled core)."""
    if ch < "\x80":
        return "a" <= ch <= "z" or "A" <= ch <= "Z" or "0" <= ch <= "9"
    return ch.isalnum()


def _is_word(ch: str) -> bool:
    return _is_alnum(ch) or ch == "_"


def _bounded(low: str, start: int, end: int, needle: str) -> bool:
    """A word-like value must not be part of a longer word (``ann`` in ``annual``)."""
    if _is_alnum(needle[0]) and start and (_is_alnum(low[start - 1]) or (low[start - 1] in "._%+-"
                                           and "@" in needle)):
        return False
    return not (_is_alnum(needle[-1]) and end < len(low) and _is_word(low[end]))


def _phrase_end(low: str, start: int, words: list[str]) -> int:
    """Where the phrase ``words`` starting at ``start`` ends in ``low``, or -1.

    Words may be separated by any whitespace or joined as a form encodes
    spaces (``jane+doe``, ``jane%20doe``).
    """
    first = words[0]
    if _is_alnum(first[0]) and start and _is_word(low[start - 1]):
        return -1
    pos = start + len(first)
    size = len(low)
    for index in range(1, len(words)):
        word = words[index]
        if pos < size and low[pos].isspace():
            pos += 1
            while pos < size and low[pos].isspace():
                pos += 1
        elif low.startswith("+", pos):
            pos += 1
        elif low.startswith("%20", pos):
            pos += 3
        else:
            return -1
        if not low.startswith(word, pos):
            return -1
        pos += len(word)
    last = words[-1]
    if _is_alnum(last[-1]) and pos < size and _is_word(low[pos]):
        return -1
    return pos


def _stripped(value: str) -> str:
    """``value.strip()``, without the method call where neither end is white space (most values)."""
    if value and (value[0].isspace() or value[-1].isspace()):
        return value.strip()
    return value


def _holds_space(text: str) -> bool:
    """Whether ``text`` holds white space (what ``split()`` splits at): a C loop in the compiled core, no list."""
    for ch in text:  # noqa: SIM110  (a loop: any() over a generator is a closure in the compiled core)
        if ch.isspace():
            return True
    return False


def _is_decimal(ch: str) -> bool:
    """What ``\\d`` matches: an ASCII character is told by its code (no Unicode table look-up
    in the compiled core), any other by ``isdecimal``."""
    return "0" <= ch <= "9" if ch < "\x80" else ch.isdecimal()


# The ASCII characters that are no digit, as bytes.translate deletes them.
_ASCII_NON_DIGITS = bytes(code for code in range(128) if not 48 <= code <= 57)


def _decimal_digits(text: str) -> str:
    """The decimal digits of ``text`` (what ``\\d`` matches), in order.

    An ASCII text's bytes lose all but their digits in one C pass (a phone
    and the texts that may hold it have several runs of digits), a short one's
    in the compiled core by :func:`_ascii_digits`; any other text's digits are
    joined from runs, not characters.
    """
    if text.isascii():
        if len(text) < _READ_BY_CHARACTER:
            return _ascii_digits(text)
        return text.encode("ascii").translate(None, _ASCII_NON_DIGITS).decode("ascii")
    size = len(text)
    i = 0
    while i < size and not _is_decimal(text[i]):
        i += 1
    if i == size:
        return ""
    runs: list[str] = []
    while i < size:
        j = i + 1
        while j < size and _is_decimal(text[j]):
            j += 1
        runs.append(text[i:j])
        i = j + 1
        while i < size and not _is_decimal(text[i]):
            i += 1
    return "".join(runs)


def _ascii_digits(text: str) -> str:
    """The digits of the ASCII ``text``, copied in two C loops in the compiled core (``bytes.translate``
    builds a table of all 256 bytes per call: more than a phone's characters cost read one by one)."""
    count = 0
    for ch in text:
        if "0" <= ch <= "9":
            count += 1
    if count == len(text):
        return text
    digits = bytearray(count)
    count = 0
    for ch in text:
        if "0" <= ch <= "9":
            digits[count] = ord(ch)
            count += 1
    return digits.decode("ascii")


def _digits_hold(text: str, digits: str) -> bool:
    """Whether the decimal digits of ``text``, read in order, hold ``digits`` (decimal digits):
    ``digits in _decimal_digits(text)``, with no string of them made (most texts hold no such run;
    ``find`` goes straight to each place its first digit is)."""
    first = digits[0]
    count = len(digits)
    size = len(text)
    start = text.find(first)
    while start != -1:
        i = start + 1
        j = 1
        while j < count and i < size:
            ch = text[i]
            if _is_decimal(ch):
                if ch != digits[j]:
                    break
                j += 1
            i += 1
        if j == count:
            return True
        start = text.find(first, start + 1)
    return False


def _extension_at(value: str) -> int:
    """Where a phone's extension starts (``"x886"`` in ``"(861)762-8598x886"``): at the first
    letter after a digit; ``len(value)`` without one.  The number's digits are those before it."""
    digit = False
    i = 0
    for ch in value:
        if _is_decimal(ch):
            digit = True
        elif digit and ch.isalpha():
            return i
        i += 1
    return i


def _phone_like(value: str) -> bool:
    """Whether ``value`` is written as a phone: an optional ``+``, then at least 7 digits,
    spaces and ``.-()/``, with a digit among them (``\\+?[\\d\\s.\\-()/]{7,}`` in full)."""
    size = len(value)
    start = 1 if size and value[0] == "+" else 0
    if size - start < 7:
        return False
    digit = False
    for i in range(start, size):
        ch = value[i]
        if _is_decimal(ch):
            digit = True
        elif not (ch.isspace() or ch in ".-()/"):
            return False
    return digit


def _is_letter(ch: str) -> bool:
    """A letter of a name: a word character that is no digit and no ``_`` (``[^\\W\\d_]``);
    an ASCII one told by its code, as :func:`_is_decimal` does."""
    if ch < "\x80":
        return "a" <= ch <= "z" or "A" <= ch <= "Z"
    return ch.isalnum() and not ch.isdecimal()


class _Value:
    """A known value as the search holds it: what a text must hold to hold it, read when the value is
    added, and the strings searched for, made the first time a text holds that.

    ``need`` holds characters that every form of the value holds (bits as :func:`_chars_of` reads
    them) and ``shortest`` is no longer than any form, so a text that lacks one of ``need`` or is
    shorter holds none: the search skips the value with no string made for it (about half of an
    event's values are in none of its texts).  ``first`` is what a phrase's first word holds (what
    the pre-check, :meth:`KnownValues.holds_any`, looks for), else ``need``.

    ``needle`` is None until then; then it is what a text is searched for first, with its characters
    in ``needle_need``: a word's lower-cased self, a phrase's first word or a phone's last digits.
    ``forms`` is the rest: an e-mail's URL-encoded needles (``(needle, its characters)``), a
    phrase's words, a phone's ``(number, digits, extension digits)``; None for a plain word.  All
    are made from ``value`` alone (see :func:`_prepare_word`, :func:`_prepare_phrase`,
    :func:`_prepare_phone`), the same for every text.
    """

    __slots__ = ("entity_type", "first", "forms", "need", "needle", "needle_need", "shortest", "value")

    entity_type: str
    value: str
    need: int
    first: int
    shortest: int
    needle: str | None
    needle_need: int
    forms: Any


def _value(entity_type: str, value: str) -> _Value:
    """A :class:`_Value` not read yet (made without ``__init__``: no argument parsing in the compiled core)."""
    known = _Value.__new__(_Value)
    known.entity_type = entity_type
    known.value = value
    known.needle = None
    known.forms = None
    return known


def _read_words(known: _Value) -> None:
    """Read the value's characters: ``need``, its ASCII ones less white space, each of which every
    lower-cased writing of its words holds (an ASCII letter shares its bit with its upper case; any other
    character may change when lower-cased, and a phrase's words may be joined by other white space,
    ``+`` or ``%20``); ``first``, those of its first word; ``shortest``, its first word's length."""
    value = known.value
    if not _CHARS_READ_UP_TO:  # the pure-Python core reads no text's characters: a value needs none
        known.need = known.first = 0
        known.shortest = len(value.split(None, 1)[0])  # one string operation, not a loop in Python
        return
    need = 0
    first = -1  # where the first word ends, once read
    i = 0
    for ch in value:
        if ch.isspace():
            if first < 0:
                first = i
                known.first = need
        else:
            code = ord(ch)
            if code < 128:
                need |= _char_bit(code)
        i += 1
    if first < 0:
        first = i
        known.first = need
    known.need = need
    known.shortest = first


def _prepare_word(known: _Value) -> str:
    """A word-like value's needles: lower-cased, and an e-mail also URL-encoded, as in query strings.
    Answers the needle (the value lower-cased)."""
    value = known.value  # a typed local: its method is called directly in the compiled core
    low = value.lower()
    known.needle_need = _chars_of(low, 0)
    known.needle = low
    if "@" in low:
        # The characters of the encoded forms from the needle's, not read again: less ``@`` (its bit may be
        # another character's too: the forms then need one fewer, which tells fewer texts apart, never
        # one that holds them) and ``+``, with those of ``%40`` and ``%2b``.
        encoded = low.replace("@", "%40")
        forms = [(encoded, known.needle_need & ~_CHAR | _PERCENT_40)]
        if "+" in low:
            plus = encoded.replace("+", "%2b")
            forms.insert(0, (plus, known.needle_need & ~_ENCODED_AWAY | _PERCENT_40 | _PERCENT_2B))
        known.forms = forms
    return low


def _prepare_phrase(known: _Value, low: str | None) -> str:
    """A phrase's lower-cased words (of ``low``, the value lower-cased, or None to lower-case it here),
    and its first word as its needle (the pre-check looks for it), which it answers."""
    if low is None:
        value = known.value  # a typed local: its method is called directly in the compiled core
        low = value.lower()
    words = low.split()
    known.forms = words
    first: str = words[0]
    known.needle_need = known.first  # its ASCII characters (see _read_words), not read again
    known.needle = first
    return first


def _prepare_phone(known: _Value) -> str:
    """A phone's number (before its extension), digits and extension digits, and its last digits as its
    needle, which it answers."""
    value = known.value
    cut = _extension_at(value)
    digits = _decimal_digits(value[:cut])
    known.forms = (value[:cut], digits, _decimal_digits(value[cut:]) if cut < len(value) else "")
    tail = digits[-_PHONE_TAIL:]
    known.needle_need = _chars_of(tail, 0)
    known.needle = tail
    return tail


def _phone_tail_chars(value: str, cut: int) -> int:
    """The characters of the last ``_PHONE_TAIL`` digits of ``value[:cut]`` (read as :func:`_chars_of` reads
    them), or 0 where it has fewer than 7 digits: no phone.  No string of them is made."""
    if len(value) >= _READ_BY_CHARACTER:  # all in the pure-Python core: a string operation, not a loop in Python
        digits = _decimal_digits(value[:cut])
        if len(digits) < 7:
            return 0
        chars = 0
        for ch in digits[-_PHONE_TAIL:]:
            chars |= _char_bit(ord(ch))
        return chars
    count = 0
    last = second = third = fourth = 0  # the bits of the last four (_PHONE_TAIL) digits
    for ch in value[:cut]:  # the whole value (no copy) unless it has an extension
        if _is_decimal(ch):
            last, second, third, fourth = _char_bit(ord(ch)), last, second, third
            count += 1
    return last | second | third | fourth if count >= 7 else 0


class KnownValues:
    """The known values of one event, found in its texts whatever their case and notation.

    ``known`` is ``(entity_type, value)`` pairs as the walk collected them:
    values are stripped, and repeated or too short ones ignored.  Building
    this only sorts them and reads the characters a text must hold to hold
    each (see :class:`_Value`); the strings searched for are made for a value
    the first time a text may hold it, and the work is done per text, only
    for values the text can hold.

    What is made for a value serves every later text: a KnownValues is the
    state of one event's search, made per event and per call, and not shared
    between threads (were it shared, two threads could at worst make the same
    strings twice, equal ones).
    """

    __slots__ = ("_needles", "_phones", "_phrases", "_shortest")

    def __init__(self, known: Iterable[tuple[object, object]]) -> None:
        # Each list in the order the values came: at a tie between equal spans the needle found first wins,
        # then the phrase, then the phone (see _outermost), as the search goes through them in this order.
        self._needles: list[_Value] = []  # words (an e-mail's encoded forms too) and a full name's parts
        self._phrases: list[_Value] = []  # values of several words
        self._phones: list[_Value] = []
        # No text shorter than this holds a needle, a phrase's first word or a phone's tail.
        self._shortest = _NO_TEXT
        self._add_all(known)

    def _add_all(self, known: Iterable[tuple[object, object]]) -> None:
        """Each value once, by the first type it came with; a value that comes again with another
        type (rare) is told by its pair.  An event's few values are told apart by comparing them
        (strings of other lengths at a glance, no hash); past ``_FEW_VALUES``, by a dict of them."""
        values: list[str] = []
        types: list[str] = []  # the type each of ``values`` first came with
        where: dict[str, int] | None = None  # past _FEW_VALUES: each of ``values`` by its place
        pairs: set[tuple[str, str]] | None = None
        for entity_type, value in known:
            if not isinstance(value, str) or not isinstance(entity_type, str):
                continue
            # A str subclass (a StrEnum type) as a plain str: the compiled _add takes exact strs
            # (``strip`` answers one for a value).
            if type(entity_type) is not str:
                entity_type = str.__str__(entity_type)
            text = _stripped(value) if type(value) is str else value.strip()
            if len(text) < _MIN_KNOWN:
                continue
            count = len(values)
            if count < _FEW_VALUES:
                at = 0
                while at < count:
                    seen = values[at]
                    if len(seen) == len(text) and seen == text:  # most differ in length: not compared
                        break
                    at += 1
            else:
                if where is None:
                    where = {seen: at for at, seen in enumerate(values)}
                at = where.setdefault(text, count)
            if at == count:
                values.append(text)
                types.append(entity_type)
            else:  # seen before: added already, unless with another type
                if types[at] == entity_type:
                    continue
                if pairs is None:
                    pairs = set()
                count = len(pairs)
                pairs.add((entity_type, text))
                if len(pairs) == count:
                    continue
            self._add(entity_type, text)

    def _add(self, entity_type: str, value: str) -> None:
        """Sort ``value`` by how it is searched: as a phone, a phrase or a word (its URL-encoded forms too).

        A person's full name is also searched for by each capitalised part of it:
        the recipient ``Marisol Vega`` is greeted as ``Welcome aboard, Marisol!``
        (the name and its parts are made at once, from the name lower-cased once: most texts
        that may hold a name may hold them, and an event's texts mostly hold its contact's name
        or e-mail address, which holds the name's letters).
        Nothing is kept across events: this costs less than looking a value up
        in a memo would, on a stream of distinct values.
        """
        if entity_type in _UNSEARCHED:
            return
        known = _value(entity_type, value)
        # Types told by their length first (few have the length of either): the compiled core compares strs of
        # other lengths as it compares any (``PyUnicode_Compare`` reads them), unless they are the same object.
        if (len(entity_type) == 12 and entity_type == "PHONE_NUMBER") or _phone_like(value):
            need = _phone_tail_chars(value, _extension_at(value))
            if need:
                known.need = known.first = need
                known.shortest = _PHONE_TAIL
                self._phones.append(known)
                if self._shortest > _PHONE_TAIL:
                    self._shortest = _PHONE_TAIL
                return
        _read_words(known)
        if known.shortest < len(value):  # white space inside (the value is stripped): several words
            if len(entity_type) == 6 and entity_type == "PERSON":
                low = value.lower()
                _prepare_phrase(known, low)
                self._add_parts(entity_type, value, low)
            self._phrases.append(known)
            if known.shortest < self._shortest:
                self._shortest = known.shortest
            return
        if "@" in value:
            known.need = known.first = known.need & ~_ENCODED_AWAY
        self._add_needle(known)

    def _add_parts(self, entity_type: str, name: str, low: str) -> None:
        """Add the capitalised words of a ``name``, each once, as needles made ready: runs of letters, joined
        by single ``'`` or ``-``.  Lower-case particles ("van", "de") and initials are not names on their own.

        A part is cut from ``low``, the name lower-cased, where that lower-cased each character into one and
        on its own: no capital sigma (the one letter lower-cased by what follows it, ``ς`` at a word's end);
        else each part is lower-cased by itself, as it is then searched for.  Parts alike once lower-cased
        are one needle: they find the same spans.
        """
        cut = len(low) == len(name) and "\u03a3" not in name
        first = len(self._needles)  # this name's parts are added from here
        size = len(name)
        i = 0
        while i < size:
            if not _is_letter(name[i]):
                i += 1
                continue
            j = i + 1
            while j < size:
                if _is_letter(name[j]):
                    j += 1
                elif (name[j] == "'" or name[j] == "-") and j + 1 < size and _is_letter(name[j + 1]):
                    j += 2
                else:
                    break
            if j - i >= _MIN_KNOWN and name[i].isupper():
                needle = low[i:j] if cut else name[i:j].lower()
                for at in range(first, len(self._needles)):
                    known = self._needles[at]
                    if known.needle == needle:
                        break
                else:
                    known = _value(entity_type, needle)
                    known.needle = needle
                    known.needle_need = known.need = known.first = _chars_of(needle, 0)
                    known.shortest = j - i
                    self._add_needle(known)
            i = j

    def _add_needle(self, known: _Value) -> None:
        self._needles.append(known)
        if known.shortest < self._shortest:
            self._shortest = known.shortest

    def __bool__(self) -> bool:
        return bool(self._needles or self._phrases or self._phones)

    def holds_any(self, text: str) -> bool:
        """Whether ``text`` may hold any of the values: the substring (or, for phones, digit-run)
        pre-check, stopping at the first value it may hold (never False where :meth:`find` finds one)."""
        if len(text) < self._shortest:  # also where there is no value at all
            return False
        if self._needles or self._phrases:
            low = _lower(text)
            missing = _chars_of(low, _ANY_CHARS) ^ _ANY_CHARS
            if self._holds_word(low, missing):
                return True
        else:
            missing = _chars_of(text, _ANY_CHARS) ^ _ANY_CHARS  # its digits are the lower-cased text's
        for known in self._phones:
            if not known.need & missing:
                tail = known.needle
                if tail is None:
                    tail = _prepare_phone(known)
                if _digits_hold(text, tail):
                    return True
        return False

    def _holds_word(self, low: str, missing: int) -> bool:
        """Whether the lower-cased text holds a needle or a phrase's first word (one longer than
        the text, or with a character it lacks, is not looked for: most are, in the short texts
        of an event).  ``missing``: the characters the text does not hold (see :func:`_chars_of`)."""
        size = len(low)
        for known in self._needles:
            if known.need & missing or known.shortest > size:
                continue
            needle = known.needle
            if needle is None:
                needle = _prepare_word(known)
            if _holds_needle(low, missing, needle, known.needle_need):
                return True
            if known.forms is not None:
                for needle, need in known.forms:
                    if _holds_needle(low, missing, needle, need):
                        return True
        for known in self._phrases:
            if known.first & missing or known.shortest > size:
                continue
            first = known.needle
            if first is None:
                first = _prepare_phrase(known, None)
            if _holds_needle(low, missing, first, known.needle_need):
                return True
        return False

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, entity_type)`` of every known value in ``text``, in text order
        (less those inside another: see :func:`_outermost`)."""
        return self._find(text, [])

    def _find(self, text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """:meth:`find`, added to the empty list ``found``: the answer is ``found`` unless spans inside
        others were left out (a walk passes one list until a text holds a value: most hold none)."""
        if len(text) < self._shortest:  # holds nothing (see holds_any)
            return found
        # An ASCII text holds the characters its lower-cased self does (a letter shares its bit with its
        # upper case): it is read as it is, and lower-cased only once a needle may be in it.
        low = None if text.isascii() else _lower(text)
        missing = _chars_of(text if low is None else low, _ANY_CHARS) ^ _ANY_CHARS  # none when not read
        if self._needles or self._phrases:
            self._find_words(text, low, missing, found)
        phones: list[list[Any]] | None = None
        for known in self._phones:
            if known.need & missing:
                continue
            tail = known.needle
            if tail is None:
                tail = _prepare_phone(known)
            if _digits_hold(text, tail):  # its last digits are in the text: searched for
                if phones is None:
                    phones = []
                forms = known.forms
                phones.append([known.entity_type, forms[0], forms[1], forms[2], None])
        if phones is not None:
            _find_phones(text, phones, found)
        return _widen_to_addresses(text, found, missing) if found else found

    def _find_words(self, text: str, low: str | None, missing: int, found: list[tuple[int, int, str]]) -> None:
        """The needles and phrases in ``text``, added to ``found``: searched in its lower-cased ``low``
        (made here when None, for the first needle that may be in the text).

        A value is looked for only where the text holds all the characters it needs (``missing`` has
        none of them) and is no shorter: that tells most texts apart.
        """
        size = len(text)
        for known in self._needles:
            if known.need & missing or known.shortest > size:  # most values are told apart here
                continue
            needle = known.needle
            if needle is None:
                needle = _prepare_word(known)
            entity_type = known.entity_type
            low = _find_needle(text, low, missing, needle, known.needle_need, entity_type, found)
            if known.forms is not None:
                for needle, need in known.forms:
                    low = _find_needle(text, low, missing, needle, need, entity_type, found)
        for known in self._phrases:
            if known.need & missing or known.shortest > size:
                continue
            first = known.needle
            if first is None:
                first = _prepare_phrase(known, None)
            need = known.needle_need
            if need & missing:
                continue
            searched = _searched_in(text, low, first, missing)
            if searched is None:
                continue
            low = searched
            words = known.forms
            start = low.find(first)
            while start != -1:
                end = _phrase_end(low, start, words)
                if end == -1:
                    start = low.find(first, start + 1)
                else:
                    found.append((start, end, known.entity_type))
                    start = low.find(first, end) if end + len(first) <= size else -1


def _holds_needle(low: str, missing: int, needle: str, need: int) -> bool:
    """Whether the lower-cased ``low`` holds ``needle`` (one with a character it lacks is not looked for)."""
    return not need & missing and len(needle) <= len(low) and needle in low


def _find_needle(text: str, low: str | None, missing: int, needle: str, need: int, entity_type: str,
                 found: list[tuple[int, int, str]]) -> str | None:
    """Add where ``needle`` is in ``text`` (bounded as a word) to ``found``, searched in its lower-cased
    ``low``; answers ``low``, made here when None and the needle may be in the text.

    The needle is looked for only where the text holds all its characters (``missing`` has none of
    them).  Where the text's characters were not read (``missing`` is 0), it is tested with ``in``
    first, which tells an absent one for less than ``find`` does.  The search for another
    occurrence stops where no other fits.
    """
    if need & missing:
        return low
    searched = _searched_in(text, low, needle, missing)
    if searched is None:
        return low
    size = len(text)
    start = searched.find(needle)
    while start != -1:
        end = start + len(needle)
        if _bounded(searched, start, end, needle):
            found.append((start, end, entity_type))
        start = searched.find(needle, end) if end + len(needle) <= size else -1
    return searched


def _find_phones(text: str, phones: list[list[Any]], found: list[tuple[int, int, str]]) -> None:
    """The ``phones`` (``[entity_type, number, digits, extension, None]``, each one whose last digits
    occur in the text) in ``text``, added to ``found``: one is parsed only for a run that is not written
    with its very digits (see :func:`_phone_matches`)."""
    for run in _DIGIT_RUN.finditer(text):
        digits = _decimal_digits(run.group())
        for phone in phones:
            if _phone_matches(digits, phone):
                start, end = run.start(), run.end()
                if start and text[start - 1] == "(" and ")" in run.group():  # "(861)762-8598": from "("
                    start -= 1
                if phone[3]:  # the number's own extension after it is the phone's too
                    written = _EXTENSION.match(text, end)
                    if written is not None and written.group(1) == phone[3]:
                        end = written.end()
                found.append((start, end, phone[0]))
                break


def _searched_in(text: str, low: str | None, word: str, missing: int) -> str | None:
    """``text`` lower-cased (``low``, or made now) when it may hold ``word``, which has no character
    the text lacks; ``None`` when it cannot: too short, or, where the text's characters were not read
    (``missing`` is 0), no ``word`` in it (``in`` tells that for less than ``find``)."""
    if len(word) > len(text):
        return None
    if low is None:
        low = _lower(text)
    if not missing and word not in low:
        return None
    return low


def _beside_address(text: str, start: int, stop: int) -> bool:
    """Whether an e-mail address of ``text`` may hold a character beside ``text[start:stop]`` (one may
    hold the span only then): the one before it, or the one after it, which an address holds only with
    the next one unless it is a word character (an address ends with one).  Said of most spans: no."""
    if start:
        ch = text[start - 1]
        if _is_word(ch) or ch in "@.!#$%'*+^`{|}~-":
            return True
    size = len(text)
    if stop == size:
        return False
    ch = text[stop]
    if _is_word(ch):
        return True
    if ch not in "@.!#$%'*+^`{|}~-" or stop + 1 == size:
        return False
    ch = text[stop + 1]
    return _is_word(ch) or ch in "@.!#$%'*+^`{|}~-"


def _widen_to_addresses(text: str, found: list[tuple[int, int, str]], missing: int) -> list[tuple[int, int, str]]:
    """The outermost of ``found`` (see :func:`_outermost`) once each span inside an e-mail address of
    ``text`` is made that whole address, typed ``EMAIL_ADDRESS`` as the scanner types it: a name's words
    in ``ada.lovelace@example.com`` would else be replaced and ``@example.com`` left, where a scan
    replaces the address (its span holds theirs).  A search for known values only (``scan=False``, a
    scan deferred to an exporter) then answers as a scan does.  A span equal to an address, or reaching
    out of one, is left as it is (a value found as the whole address keeps its type: at a tie with one
    made the address, it is the one found first).  ``missing``: the characters the text lacks (see
    :func:`_chars_of`).

    An address is bounded as the scanner's e-mail recognizer bounds one (``_EMAIL`` in
    :mod:`..scanner._registry`, read here, not imported: the core has no dependencies): an ``@``,
    plain or URL-encoded (``%40``, ``%2540``; the callers read character references decoded); before
    it up to 64 of ``\\w.!#$%'*+^`{|}~-``, not starting with ``.`` or ``'`` (those are left out) nor
    ending with ``.``; after it ``\\w`` labels joined by single dots, at least two, a label's hyphens
    inside it.  The recognizer's checks of the suffix and of mail headers are not made: a value
    inside what is written as an address takes all of it.

    The text is read only where it may hold an ``@`` or a ``%`` and an outermost span has a character
    of an address beside it (:func:`_beside_address`): no address reaches into the others, so what is
    inside them stays inside them.  Most texts are told so (a name between spaces, an address found
    whole).  Past that, each ``@`` and ``%`` is read once and a span looked up by bisection: no
    backtracking, linear in the text.
    """
    spans = _outermost(found) if len(found) > 1 else found
    signs = _char_bit(ord("@")) | _char_bit(ord("%"))
    if missing & signs == signs:
        return spans
    for span in spans:
        if _beside_address(text, span[0], span[1]):
            break
    else:
        return spans
    size = len(text)
    addresses = []
    for sign in "@%":
        at = text.find(sign)
        while at != -1:
            i = at + (1 if sign == "@" else 3 if text.startswith("40", at + 1) else
                      5 if text.startswith("2540", at + 1) else 0)
            stop = -1  # the domain's end, once it has two labels
            while i > at:  # a label at i (after the sign or a dot)
                j = i
                while j < size and (_is_word(text[j]) or text[j] == "-"):
                    j += 1
                while j > i and text[j - 1] == "-":  # its hyphens are inside it
                    j -= 1
                if j == i or text[i] == "-":
                    break
                if text[i - 1] == ".":
                    stop = j
                i = j + 1 if j < size and text[j] == "." else at
            if stop != -1:  # a domain: the local part before the sign
                start = at
                while start > 0 and at - start < 64 and (_is_word(text[start - 1])
                                                         or text[start - 1] in ".!#$%'*+^`{|}~-"):
                    start -= 1
                while start < at and (text[start] == "." or text[start] == "'"):
                    start += 1
                if start < at and text[at - 1] != ".":
                    addresses.append((start, stop))
            at = text.find(sign, at + 1)
    if not addresses:
        return spans
    addresses.sort()
    starts = []
    reach = []  # per address, of it and those starting before: the one that ends last, as (end, start)
    last = (-1, -1)
    for start, stop in addresses:
        if stop > last[0]:
            last = (stop, start)
        starts.append(start)
        reach.append(last)
    count = len(found)
    for n in range(count):
        span = found[n]
        k = bisect_right(starts, span[0]) - 1
        if k >= 0:
            stop, start = reach[k]
            if stop >= span[1] and (start != span[0] or stop != span[1]):
                found.append((start, stop, "EMAIL_ADDRESS"))  # after those found: one equal to it stays
    return spans if len(found) == count else _outermost(found)


def _outermost(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``spans`` by start (the longer first), less each one inside an earlier one.

    A full name's parts lie inside the name.  Merging overlapping findings
    (``disjoint``) keeps the longer one and, at a tie, the earlier, and any
    known value's score is the highest: what is left out here changes no
    result, and a text that names a person once yields one span.
    """
    count = len(spans)
    if count > _FEW_SPANS:
        return _outermost_sorted(spans)
    # Few spans (a name and its parts): each is tested against the others, no sort key built.
    # A span is left out when one before it in that order reaches as far: one that starts
    # earlier, or as early and ends later, or is the same span found earlier.
    out = []
    for i in range(count):
        span = spans[i]
        start, end = span[0], span[1]
        for j in range(count):
            other = spans[j]
            other_start, other_end = other[0], other[1]
            if (j != i and other_start <= start and other_end >= end
                    and (other_start < start or other_end > end or j < i)):
                break
        else:
            out.append(span)
    if len(out) > 1:
        out.sort()  # the spans left start at distinct offsets (of two alike, one holds the other)
    return out


def _outermost_sorted(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """:func:`_outermost` for many spans: sorted once, then each compared with how far the ones before it reach."""
    # Sorted on (start, -end, position found): of two equal spans the earlier found stays, as disjoint keeps it.
    order = sorted([(span[0], -span[1], i) for i, span in enumerate(spans)])
    out = []
    reach = -1
    for _, end, i in order:
        if -end > reach:  # else inside the earlier span that reached this far (it starts no later)
            out.append(spans[i])
            reach = -end
    return out


def _phone_matches(digits: str, phone: list[Any]) -> bool:
    """Whether a digit run is the phone ``[entity_type, number, own digits, extension, forms or None]``.

    The phone's own digits always match, and any match ends in its last digit
    (its national number is a suffix of them): only other runs ending in that
    digit need the parsed forms, made once per phone and search.
    """
    own: str = phone[2]
    if digits == own:
        return True
    if not digits or digits[-1] != own[-1]:
        return False
    forms = phone[4]
    if forms is None:
        forms = phone[4] = _phone_forms(phone[1], own)
    national: str = forms[0]
    return digits.endswith(national) and digits[: len(digits) - len(national)] in forms[1]


# -- the walk -------------------------------------------------------------------------


def screen_identifier(text: str) -> int:
    """An identifier's screen: kept (``KEEP``) unless it looks personal, then scanned (``SCAN``).

    It looks personal when it holds an e-mail address (also URL-encoded), a
    phone written with its ``+`` country code, or words separated by spaces;
    ``"4155552671"``, ``"ord_81hx"`` and UUIDs are the ids they are.  (What the
    search ``@|%40|^\\s*\\+|\\S\\s+\\S`` finds, in string operations: this runs for every id.)
    An id without white space (the usual) is told without a string made.
    """
    if "@" in text or "%40" in text:
        return SCAN
    if not _holds_space(text):
        return SCAN if text.startswith("+") else KEEP
    if text.lstrip().startswith("+") or len(text.split(None, 1)) > 1:
        return SCAN
    return KEEP


def _holds_structure(text: str) -> bool:
    """Whether ``text`` may hold structure: an ``=``, ``{``, ``[`` or line break in its first
    ``MAX_LENGTH`` characters (without one, ``_structured.parse`` finds nothing to parse)."""
    if len(text) < _READ_BY_CHARACTER:  # the compiled core's short texts: one C loop, no call
        for ch in text:  # noqa: SIM110  (any() over a generator is a closure in the compiled core)
            if ch == "=" or ch == "{" or ch == "[" or ch == "\n":
                return True
        return False
    return (text.find("=", 0, _STRUCTURE_WINDOW) != -1 or text.find("{", 0, _STRUCTURE_WINDOW) != -1
            or text.find("[", 0, _STRUCTURE_WINDOW) != -1 or text.find("\n", 0, _STRUCTURE_WINDOW) != -1)


_NONE_TYPE = type(None)


def _is_scalar(t: type) -> bool:
    """``t in SCALARS``, told by comparing (a few C comparisons, no hash, in the compiled core)."""
    return t is int or t is float or t is bool or t is _NONE_TYPE or t is complex


def _condition_key(value: Any) -> Any:
    return value.lower() if type(value) is str else None


class _ClockReadings:
    """One thread's clocks: what its full garbage collections took, and its last CPU clock reading.

    A full collection of a large heap takes tenths of a second, paid by the thread
    that allocated last: no value's fault, so no :class:`Deadline` counts it.

    Reading a thread's CPU clock is a system call (a microsecond or more in a
    virtual machine: one a :class:`Deadline` was a few per cent of an event), while
    its wall clock is read in user space.  A thread's CPU time never runs ahead
    of the wall clock, so a deadline started soon after the last reading takes
    that reading plus the wall time since as its CPU clock: never less than the
    true one, and at most the time since more (see :data:`CPU_READ_SLACK`).
    """

    __slots__ = ("cpu", "cpu_at", "read_cpu", "read_wall", "wall", "wall_at")

    def __init__(self) -> None:
        self.cpu = 0.0  # full collections' CPU and wall-clock seconds
        self.wall = 0.0
        self.cpu_at = -1.0  # when the collection under way started (-1: none)
        self.wall_at = 0.0
        self.read_cpu = 0.0  # the last thread_time() a deadline read, and perf_counter() just before it
        self.read_wall = float("-inf")


class _Clocks(threading.local):
    """Each thread's :class:`_ClockReadings`: a deadline looks its thread's up once (an attribute
    of a thread-local is a look-up per read), then reads plain fields (C fields in the compiled core)."""

    def __init__(self) -> None:
        self.readings = _ClockReadings()


_CLOCKS = _Clocks()


def _time_collection(phase: str, info: dict[str, int]) -> None:
    """A ``gc.callbacks`` hook: adds each full collection's time to this thread's :class:`_Clocks`."""
    if info["generation"] != 2:  # the young generations take microseconds
        return
    spent = _CLOCKS.readings
    if phase == "start":
        spent.cpu_at = thread_time()
        spent.wall_at = perf_counter()
    elif spent.cpu_at >= 0.0:
        spent.cpu += thread_time() - spent.cpu_at
        spent.wall += perf_counter() - spent.wall_at
        spent.cpu_at = -1.0


gc.callbacks.append(_time_collection)


class Deadline:
    """A time budget in CPU time of the calling thread, with a wall-clock ceiling.

    A busy machine does not spend the budget (a thread waiting for a core
    uses no CPU), so good values do not fail under load; a wall clock of
    :data:`WALL_CEILING` times the budget still stops a value whose
    ``__str__`` blocks.  The wall clock is read first (cheap), the CPU clock
    only once the wall clock passes the budget -- and at the start only when
    the thread's last reading is older than the slack (see :class:`_Clocks`).
    Neither counts the full garbage collections the thread ran meanwhile (a
    large heap's take tenths of a second: the event that happens to allocate
    then is not at fault).
    """

    __slots__ = ("cpu", "wall_hard", "wall_quick", "wall_soft")

    def __init__(self, budget: float, slack: float = -1.0) -> None:
        """A deadline ``budget`` seconds from now, which may end up to ``slack`` seconds late
        (``CPU_READ_SLACK`` of the budget by default) to spare a read of the CPU clock."""
        self._start(budget, slack)

    def _start(self, budget: float, slack: float) -> None:
        clocks = _CLOCKS.readings
        wall = perf_counter()
        if slack < 0.0:
            slack = budget * CPU_READ_SLACK
        since = wall - clocks.read_wall
        if 0.0 <= since <= slack:  # read lately: the reading and the wall time since bound the CPU time now
            cpu = clocks.read_cpu + since
        else:
            cpu = thread_time()
            clocks.read_cpu = cpu
            clocks.read_wall = wall
        self.cpu = cpu - clocks.cpu + budget
        now = wall - clocks.wall
        self.wall_soft = now + budget
        self.wall_hard = now + budget * WALL_CEILING
        # Until then the wall clock less collections has not passed the budget, whatever collections
        # run meanwhile (they only take time off): told without reading what they took.
        self.wall_quick = wall + budget

    def extend(self, budget: float) -> None:
        """Allow ``budget`` seconds more (the next text of a batch)."""
        self.cpu += budget
        self.wall_soft += budget
        self.wall_hard += budget * WALL_CEILING
        self.wall_quick += budget

    def passed(self) -> bool:
        wall = perf_counter()
        # CPU time never runs ahead of the wall clock.  Not against wall_soft: in a thread whose
        # past collections took more than the budget, that is passed at once, and every call read them.
        if wall <= self.wall_quick:
            return False
        clocks = _CLOCKS.readings
        now = wall - clocks.wall
        if now <= self.wall_soft:
            return False
        if now > self.wall_hard:
            return True
        cpu = thread_time()
        clocks.read_cpu = cpu
        clocks.read_wall = wall
        return cpu - clocks.cpu > self.cpu


class Step:
    """Where a key (or a list element) leads from a :class:`Table`: the automaton state and the op there.

    The op's fields the walk reads for every value (``kind``, ``type``,
    ``label``, ``apply`` and ``fixed``, ``own_action``, ``screen``; ``plain``: a scan op
    without a screen) are copied here, so the compiled walk reads them as C
    fields instead of an attribute look-up each, and its kind is tested once
    (``kept``: KEEP or SCAN, ``scans``: SCAN; the kinds are Python ints there);
    ``table`` is the child's table, made when the value under the key is first
    a container.
    """

    __slots__ = ("apply", "fixed", "identifier", "kept", "kind", "label", "op", "own_action", "plain", "scans", "screen",
                 "state", "table", "type", "whole")

    def __init__(self, state: Any, op: Any) -> None:
        self.state = state
        self.op = op
        self.kind: int = op.kind
        self.kept = op.kind <= SCAN  # the value may be kept as is
        self.scans = op.kind == SCAN  # its strings are set aside (or screened) for the scanner
        self.type: str = op.type  # None only for ops that catch no value (keep, scan without a screen)
        self.label: str = op.label
        self.apply: Callable[[str], str] | None = op.apply
        self.fixed: str | None = op.fixed  # apply's answer for every value, when it is one text (redact)
        self.own_action: bool = op.own_action
        self.screen: Callable[[str], int] | None = op.screen
        self.plain = op.screen is None
        self.identifier = op.screen is screen_identifier  # called directly, not through the op's reference
        self.table: Table | None = None
        self.whole: str | None = None  # the placeholder of a container redacted whole, once one was


class Table:
    """An automaton state under the op its container inherits: the :class:`Step` of every key seen there.

    So a key's rule is one dict look-up.  Steps are kept only for keys the
    automaton caches itself (a key that holds personal data is looked at every
    time), and the objects' conditions (``{"type": "company"}``) are memoised
    on the values of the fields they read, as :meth:`MatchState.for_object` is.
    Shared by the walks of one redactor, bounded as the automaton's caches are.
    """

    __slots__ = ("by_object", "conditions", "index", "objects", "op", "state", "steps", "uniform")

    def __init__(self, state: Any, op: Any) -> None:
        self.state = state
        self.op = op if op.within is None else op.within  # what the keys without a rule inherit
        self.steps: dict[Any, Step] = {}
        self.by_object: bool = state.by_object
        self.conditions: tuple[str, ...] = state.conditions
        self.objects: dict[Any, Table] = {}
        self.index: Step | None = None  # every element's step, when they all lead to one state
        self.uniform: bool = state.uniform_index  # a property: read once, not per list


class Walk:
    """The state of one ``redact`` call and its hot loop.  Not shared between calls or threads.

    The walk copies the value, applying the op each key's automaton state
    carries; free-text strings are set aside in :attr:`texts` as
    ``(container, key, text)`` and personal values a rule caught are
    remembered in :attr:`known`.  What is rare is left to ``hooks`` (see
    :class:`~intercom_redact._core._protocols.Hooks`): a key this state has
    not seen, any value that is not a str, number, dict or list, the
    placeholder of a container redacted whole.

    The time budget is a :class:`Deadline`: CPU time of the calling thread,
    so a busy machine does not make events fail.  It starts once the walk
    may take long (see :data:`_UNTIMED_WORK`): a small event reads no clock.
    """

    __slots__ = ("active", "budget", "counted", "deadline", "finishers", "hooks", "known", "max_depth", "max_nodes",
                 "nodes", "overrides", "rules", "scan", "summary", "tables", "texts", "types", "unscanned", "work")

    def __init__(self, hooks: Hooks, summary: Any, scan: bool, max_nodes: int, max_depth: int,
                 time_budget: float, unscanned: str, tables: dict[Any, Table]) -> None:
        self.hooks = hooks
        # The redactor's tables by (state, op), shared by its walks.
        self.tables = tables
        self.summary = summary
        # Its counters by type and by rule, read once: count() runs for every value a rule catches.
        self.types: dict[str, int] = summary.types
        self.rules: dict[str, int] = summary.rules
        # What count() added, for the engine to add to summary.count once the walk ends (an int
        # field of the walk, not an attribute of the summary to read and write per value).
        self.counted = 0
        self.scan = scan
        self.known: list[tuple[str, str]] = []
        self.overrides: list[tuple[str, str, Any]] = []
        # Free text set aside in phase 1: (container, key, text).
        self.texts: list[tuple[Any, Any, str]] = []
        # Rebuilds run in phase 3, innermost first: (container, key, rebuild, parts).
        self.finishers: list[tuple[Any, Any, Callable[[Any], Any], Any]] = []
        self.nodes = 0
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.active: set[int] | None = None  # the ids of the values walked deeper than _TRACK_CYCLES_FROM
        self.unscanned = unscanned
        self.budget = time_budget
        self.work = 0  # values read: past _UNTIMED_WORK of them the clock starts
        self.deadline: Deadline | None = Deadline(time_budget) if time_budget < _UNTIMED_BUDGET else None

    # -- bounds -------------------------------------------------------------------------

    def clock(self) -> Deadline:
        """The walk's deadline, started now if it was not yet: before anything that may take long."""
        if self.deadline is None:
            self.deadline = Deadline(self.budget)
        return self.deadline

    def read(self, work: int) -> None:
        """Count ``work`` values read: past :data:`_UNTIMED_WORK` of them, the clock starts."""
        self.work += work
        if self.work > _UNTIMED_WORK:
            self.clock()

    def out_of_time(self) -> bool:
        return self.deadline is not None and self.deadline.passed()

    def fail(self, reason: str) -> str:
        self.summary.failed(reason)
        return self.unscanned

    def count(self, step: Step) -> None:
        """``summary.add(step.type, step.label)``, inline: it runs for every value a rule catches
        (``summary.count`` gets :attr:`counted` when the walk ends)."""
        self.counted += 1
        types = self.types
        types[step.type] = types.get(step.type, 0) + 1
        rules = self.rules
        rules[step.label] = rules.get(step.label, 0) + 1

    def enter(self, v: Any, size: int, depth: int) -> int:
        self.nodes += size
        if self.nodes > self.max_nodes:
            raise Abort("size")
        self.read(size)
        if depth < _TRACK_CYCLES_FROM:
            return 0
        ident = id(v)
        self.track(ident)
        return ident

    def track(self, ident: int) -> None:
        """Note a value being walked, by its ``id``: ``Abort("cycle")`` if it is already (it holds itself)."""
        active = self.active
        if active is None:  # made for the first value tracked: most events are too shallow for any
            active = self.active = set()
        elif ident in active:
            raise Abort("cycle")
        active.add(ident)

    def untrack(self, ident: int) -> None:
        """The value :meth:`track` noted is walked."""
        if self.active is not None:
            self.active.discard(ident)

    # -- values a rule caught -----------------------------------------------------------

    def replace(self, step: Step, value: Any) -> str:
        """Apply the step's redact/mask/pseudonymize op to a scalar and remember the value."""
        if type(value) is str:
            text = value
        else:
            try:
                text = str(value)
            except Exception:  # e.g. an int past sys.get_int_max_str_digits()
                return self.fail("error")
        if len(text) > _UNTIMED_LENGTH:
            self.clock()
        if len(text) >= _MIN_KNOWN:
            self.known.append((step.type, text))
            if step.own_action:
                self.overrides.append((step.type, text, step.op))
        self.count(step)
        if step.fixed is not None:  # redact: the placeholder, no call
            return step.fixed
        return step.apply(text)  # type: ignore[misc]

    def drop(self, step: Step, v: Any) -> None:
        if type(v) is str and len(v) >= _MIN_KNOWN:
            self.known.append((step.type, v))
        self.count(step)

    def collect_known(self, value: Any, state: Any, entity_type: str, depth: int) -> None:
        """Remember the strings inside a container a rule redacted whole (a location)."""
        if depth > 4:
            return
        t = type(value)
        if t is str:  # the usual leaf, tested first: the Mapping check below is slow for it
            if len(value) >= _MIN_KNOWN:
                self.known.append((entity_type, value))
            return
        if _is_scalar(t):
            return
        if t is dict or isinstance(value, Mapping):
            next_key = state.next_key
            for k, v in value.items():
                self.read(1)  # item by item: a mapping's __len__ is its own code
                child = next_key.get(k)
                if child is None:  # scanned as the walk's keys are: only a clean one enters the cache it trusts
                    self.clock()
                    child = self.hooks.new_key(self, state, k, {})[0]
                m = child.match
                if m is None or m.kind != KEEP:
                    self.collect_known(v, child, entity_type, depth + 1)
        elif isinstance(value, (list, tuple)):
            for v in value[:50]:
                self.read(1)
                self.collect_known(v, state.step_index(0), entity_type, depth + 1)

    # -- the walk -----------------------------------------------------------------------

    def table(self, state: Any, op: Any) -> Table:
        """The table of ``state`` under ``op`` (made on first use; past the bound, made and not kept:
        the automaton makes a state per search filter once its own memo is full)."""
        key = (state, op)
        table = self.tables.get(key)
        if table is None:
            table = Table(state, op)
            if len(self.tables) < MAX_CACHED_TRANSITIONS:
                self.tables[key] = table
        return table

    def put(self, out: Any, key: Any, v: Any, state: Any, op: Any, depth: int) -> bool:
        """Store the redacted ``v`` at ``out[key]``; False when the op drops it."""
        return self.put_step(out, key, v, Step(state, op), depth)

    def put_step(self, out: Any, key: Any, v: Any, step: Step, depth: int) -> bool:
        """:meth:`put` under a step (its table is made once, the first time a container is there)."""
        t = type(v)
        if t is str or _is_scalar(t):
            if step.kept or v is None or t is bool:  # numbers carry no free text
                out[key] = v
                if step.scans and t is str:
                    self.set_aside(out, key, v, step, depth)
            elif step.kind == REPLACE:
                out[key] = self.replace(step, v)
            else:
                self.drop(step, v)
                return False
            return True
        if not step.kept:  # a container dropped or replaced whole
            if step.kind == DROP:
                self.drop(step, v)
                return False
            self.count(step)
            self.collect_known(v, step.state, step.type, 0)
            whole = step.whole
            if whole is None:  # asked once per step (the same text every time: steps are one redactor's)
                whole = step.whole = self.hooks.placeholder(step.type)
            out[key] = whole
            return True
        if depth >= self.max_depth:
            out[key] = self.fail("depth")
            return True
        if self.out_of_time():
            out[key] = self.fail("time")
            return True
        try:
            if t is dict:
                out[key] = self.walk_mapping(v, self.step_table(step), depth)
            elif t is list:
                out[key] = self.walk_sequence(v, self.step_table(step), depth)
            else:
                self.clock()
                self.hooks.other(self, out, key, v, step.state, step.op, depth)
        except Abort as abort:
            out[key] = self.fail(abort.reason)
        except RecursionError:
            out[key] = self.fail("depth")
        except Exception:
            out[key] = self.fail("error")
        return True

    def step_table(self, step: Step) -> Table:
        """The table of the container under ``step``: made the first time one is there."""
        table = step.table
        if table is None:
            table = step.table = self.table(step.state, step.op)
        return table

    def mapping(self, d: Any, state: Any, op: Any, depth: int) -> dict[Any, Any]:
        return self.walk_mapping(d, self.table(state, op), depth)

    def walk_mapping(self, d: Any, table: Table, depth: int) -> dict[Any, Any]:
        ident = self.enter(d, len(d), depth)
        depth += 1
        if table.by_object:  # conditions on the object ({"type": "company"}), search filters
            table = self.for_object(table, d)
        steps = table.steps
        texts = self.texts
        # A dict is copied whole (its table in one C copy) and only the values that change are written
        # over, each at its place; a value dropped is deleted.  From the first key the table has not seen
        # (its step may rename it, and a renamed key is told apart from the keys before it), the keys not
        # walked yet are deleted again and the rest added in order, as any other mapping's are.
        copied = type(d) is dict
        out: dict[Any, Any] = dict.copy(d) if copied else {}
        walked = 0
        # The common leaves (kept or free-text strings and numbers) are handled
        # inline: this loop runs for every key of every event.
        for k, v in d.items():
            step = steps.get(k)
            if step is None:
                if copied:
                    copied = False
                    for key in list(d)[walked:]:
                        del out[key]
                step, k = self.new_step(table, k, out)
            walked += 1
            t = type(v)
            if step.kept and (t is str or _is_scalar(t)):
                if not copied:
                    out[k] = v
                if step.scans and t is str:
                    if step.plain and not _holds_structure(v):
                        texts.append((out, k, v))
                    else:
                        self.set_aside(out, k, v, step, depth)
                continue
            if not self.put_step(out, k, v, step, depth) and copied:  # put_step writes out[k] unless dropped
                del out[k]
        if ident:
            self.untrack(ident)
        return out

    def for_object(self, table: Table, d: Any) -> Table:
        """The table for the keys of ``d``: ``MatchState.for_object``, memoised on what it reads."""
        if "operator" in d and "value" in d:  # maybe a search filter (rare): the automaton reads it
            return self.table(table.state.for_object(d), table.op)
        conditions = table.conditions
        if not conditions:
            return table  # nothing to read but a filter, and this is none
        seen: Any
        if len(conditions) == 1:
            # A dict's own get, not looked up as a method (the compiled core calls it directly).
            seen = dict.get(d, conditions[0]) if type(d) is dict else d.get(conditions[0])
            if type(seen) is not str:
                seen = None
        else:
            seen = tuple([_condition_key(d.get(name)) for name in conditions])
        found = table.objects.get(seen)
        if found is None:
            found = self.table(table.state.for_object(d), table.op)
            if len(table.objects) < MAX_CACHED_TRANSITIONS:
                table.objects[seen] = found
        return found

    def new_step(self, table: Table, key: Any, out: dict[Any, Any]) -> tuple[Step, Any]:
        """The step of a key the table has not seen; kept when the automaton caches the key."""
        state = table.state
        child = state.next_key.get(key)
        cached = child is not None
        if child is None:
            self.clock()
            child, stored = self.hooks.new_key(self, state, key, out)
            cached = stored is key and state.next_key.get(key) is child
            key = stored
        m = child.match
        step = Step(child, table.op if m is None else m)
        if cached and len(table.steps) < MAX_CACHED_TRANSITIONS:
            table.steps[key] = step
        return step, key

    def set_aside(self, out: Any, key: Any, text: str, step: Step, depth: int) -> None:
        """A string a scan op selected: kept, free text, or the structure it holds (``hooks.structured``).

        An op with a ``screen`` looks at the string first: an identifier is
        kept unless it looks personal (an opaque id is kept, an e-mail used as
        one is not); a party's bare name (``"requester": "Jane Doe"``) is replaced.
        """
        screen = step.screen
        if screen is not None:
            if len(text) > _UNTIMED_LENGTH:
                self.clock()
            verdict = screen_identifier(text) if step.identifier else screen(text)  # a C call in the compiled core
            if verdict == KEEP:
                return
            if verdict == REPLACE:
                out[key] = self.replace(step, text)
                return
        if not _holds_structure(text):
            self.texts.append((out, key, text))
        else:
            self.clock()
            self.hooks.structured(self, out, key, text, step.state, step.op, depth)

    def sequence(self, items: Any, state: Any, op: Any, depth: int) -> list[Any]:
        return self.walk_sequence(items, self.table(state, op), depth)

    def walk_sequence(self, items: Any, table: Table, depth: int) -> list[Any]:
        items = items if isinstance(items, (list, tuple)) else list(items)
        ident = self.enter(items, len(items), depth)
        out: list[Any] = []
        depth += 1
        state = table.state
        uniform = table.uniform
        for i, v in enumerate(items):
            step = table.index if uniform else None
            if step is None:
                child = state.step_index(i)
                m = child.match
                step = Step(child, table.op if m is None else m)
                if uniform:
                    table.index = step
            out.append(None)
            if not self.put_step(out, len(out) - 1, v, step, depth):
                out.pop()
        if ident:
            self.untrack(ident)
        return out

    # -- the call: phase 1, and the usual work of phase 2 ------------------------------------

    def run(self, box: list[Any], value: Any, root: Step) -> Any:
        """Phase 1: the redacted copy of ``value``, walked from ``root``, written to ``box[0]`` (where
        phase 3 rebuilds it, if it is an object) and answered; what the walk counted is added to the
        summary, also when it raised."""
        try:
            self.put_step(box, 0, value, root, 0)
        finally:
            self.summary.count += self.counted
        return box[0]

    def search_texts(self, clean: set[str], type_ops: dict[str, Any]) -> tuple[KnownValues, list[Any], list[int]] | None:
        """Phase 2's usual work: the texts searched for the event's known values (:meth:`search_known`)
        and what was found in plain texts replaced (:meth:`replace_found`).

        None when that was all of it (no text for the scanner, none left to the engine), else
        ``(known, found, scanner)`` for the engine: ``found`` from the first text not done.  Also None
        for a walk past its time or with more than :data:`_MAX_KNOWN_VALUES` known values: its texts are
        redacted whole.
        """
        texts = self.texts
        if not texts:
            return None
        # Searching every text for every known value costs texts x values: an
        # event past either bound has its free text redacted whole instead.
        reason = "time" if self.out_of_time() else "size" if len(self.known) > _MAX_KNOWN_VALUES else None
        if reason is not None:
            for container, key, _ in texts:
                container[key] = self.fail(reason)
            return None
        known = KnownValues(self.known)
        found, scanner = self.search_known(known, clean)
        done = self.replace_found(found, type_ops)
        if done == len(found) and not scanner:
            return None
        return known, found[done:], scanner

    # -- phase 2: the known values in the texts, and which texts need the scanner --------

    def search_known(self, known: KnownValues,
                     clean: set[str]) -> tuple[list[tuple[int, list[tuple[int, int, str]] | None]], list[int]]:
        """The texts set aside, split: ``(found, scanner)``, by index.

        A text the scanner found clean before (``clean``), or any text when
        the walk does not scan, needs only a search for the event's known
        values: ``found`` has ``(index, spans)`` of each that holds one, in
        text order.  Its ``spans`` are None for a text with a ``<`` that may
        hold one (:meth:`KnownValues.holds_any`, or any with an ``&``: an
        entity hides a value from it): an HTML body is the scanner's, which
        the engine tells; and for any text with an ``&``, which the engine
        also searches read decoded.  ``scanner``: the texts the scanner reads.
        """
        found: list[tuple[int, list[tuple[int, int, str]] | None]] = []
        scanner: list[int] = []
        has_known = bool(known)
        scan = self.scan
        unused: list[tuple[int, int, str]] = []  # what known._find adds to, until it does
        for index, (_, _, text) in enumerate(self.texts):
            if scan and text not in clean:
                scanner.append(index)
            elif has_known:
                if "<" in text:
                    # An entity ("jane&#64;example.com") hides a value from the pre-check: the view reads it.
                    if "&" in text or known.holds_any(text):
                        found.append((index, None))
                elif "&" in text:  # "jane&#64;example.com" in a plain text: the engine reads it decoded too
                    found.append((index, None))
                else:
                    spans = known._find(text, unused)
                    if spans:
                        found.append((index, spans))
                        unused = []  # held spans (``spans`` may be another list: the outermost of them)
        return found, scanner

    def replace_found(self, found: list[tuple[int, list[tuple[int, int, str]] | None]],
                      type_ops: dict[str, Any]) -> int:
        """Phase 2's usual work, done here: the known values :meth:`search_known` found in plain texts
        replaced as their types' ops say (``op.fixed``, else ``op.apply``), each counted as
        ``Summary.add(entity_type, "scanner")`` counts it.

        ``found`` is gone through in order up to the first text left to the engine -- one with a ``<``
        (no spans), spans that overlap (``certain_spans`` merges them), a type without an op in
        ``type_ops`` yet or the fail-closed one, any text of a walk with overrides -- and the answer
        is how many were done: the engine goes on from there, so the counts come in the same order.
        """
        if self.overrides:
            return 0
        texts = self.texts
        types = self.types
        rules = self.rules
        done = 0
        added = 0
        try:
            for index, spans in found:
                if spans is None or not _replaceable(spans, type_ops):
                    break
                container, key, text = texts[index]
                pieces = []
                pos = 0
                for start, end, entity_type in spans:
                    op = type_ops[entity_type]
                    if op.apply is None:  # a type the policy keeps
                        continue
                    added += 1
                    types[entity_type] = types.get(entity_type, 0) + 1
                    rules["scanner"] = rules.get("scanner", 0) + 1
                    pieces.append(text[pos:start])
                    pieces.append(op.fixed if op.fixed is not None else op.apply(text[start:end]))
                    pos = end
                if pieces:
                    pieces.append(text[pos:])
                    container[key] = "".join(pieces)
                done += 1
        finally:  # what was counted, also when an op raised
            self.summary.count += added
        return done


def _replaceable(spans: list[tuple[int, int, str]], type_ops: dict[str, Any]) -> bool:
    """Whether :meth:`Walk.replace_found` replaces ``spans`` as the engine would: in text order and
    apart (as ``certain_spans`` leaves them), each of a type with an op, none the fail-closed one."""
    reach = 0
    for start, end, entity_type in spans:
        if start < reach or end <= start or entity_type == UNSCANNED or entity_type not in type_ops:
            return False
        reach = end
    return True


def key_text(key: Any) -> str:
    """A key as the path automaton reads it (``"?"`` for one whose ``str()`` fails)."""
    try:
        return key if isinstance(key, str) else str(key)
    except Exception:
        return "?"


# -- The HTML view's pieces, their map back to the markup, and the replacement in markup ----------------
# What is read and how is scanner._html's design (its docstring): here is only the per-piece work, which
# runs for every body, in the compiled core.

_COPIED = -1  # a C integer in the compiled core
VIEW_COPIED = _COPIED
"""A view piece's end when it is source text copied as is (see ``scanner._html.TextView``)."""


class ViewPieces:
    """The view of a markup as it is built: its pieces' chars and their map (``scanner._html.TextView``
    documents it), the attribute values among them, and where the tags met start and end.

    :func:`view_pieces` adds the pieces of the texts and of the tokens it knows; a token it does not is
    read by a callback, which adds what it stands for with :meth:`add`.
    """

    __slots__ = ("at", "attrs", "chars", "end", "ends", "length", "src", "starts")

    def __init__(self, first: str) -> None:
        self.chars: list[str] = [first]
        self.at: list[int] = [0]
        self.src: list[int] = [0]
        self.end: list[int] = [_COPIED]
        self.attrs: list[tuple[int, int]] = []
        self.length = len(first)  # len("".join(chars)), kept as we go
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, chars: str, lo: int, end: int) -> None:
        """Add a piece: ``chars`` from source ``lo`` (``end`` is :data:`VIEW_COPIED`, or where the source
        the chars stand for ends)."""
        self.chars.append(chars)
        self.at.append(self.length)
        self.src.append(lo)
        self.end.append(end)
        self.length += len(chars)


def view_pieces(markup: str, pieces: list[str], simple: dict[str, tuple[str, int]],
                read: Callable[[ViewPieces, str, int, int, str], None]) -> ViewPieces:
    """The :class:`ViewPieces` of ``markup`` split as ``pieces`` (text, token, text, ..., text).

    A token found in ``simple`` stands for its entry's chars (``(chars, end)``: they map to source
    ``[token start, token start + end)``; none for an inline tag); any other is given to ``read(view,
    markup, start, end, token)``.  Every token is kept as a tag (``starts``/``ends``): the caller drops
    the references among them.
    """
    text = pieces[0]
    view = ViewPieces(text)
    chars, at, src, end = view.chars, view.at, view.src, view.end
    starts, ends = view.starts, view.ends
    length = pos = len(text)
    for index in range(1, len(pieces), 2):
        token = pieces[index]
        hi = pos + len(token)
        starts.append(pos)
        ends.append(hi)
        entry = simple.get(token)
        if entry is None:
            view.length = length
            read(view, markup, pos, hi, token)
            length = view.length
        else:
            text = entry[0]
            if text:  # a newline or a decoded reference (an inline tag stands for nothing)
                chars.append(text)
                at.append(length)
                src.append(pos)
                end.append(pos + entry[1])
                length += len(text)
        pos = hi
        text = pieces[index + 1]
        if text:  # none between adjacent tags ("</p><p>")
            chars.append(text)
            at.append(length)
            src.append(pos)
            end.append(_COPIED)
            length += len(text)
            pos += len(text)
    at.append(length)
    view.length = length
    return view


def view_ranges(text: str, at: list[int], src: list[int], stop: list[int], attrs: tuple[tuple[int, int], ...],
                start: int, end: int) -> list[tuple[int, int]]:
    """The source ranges of the view range ``[start, end)`` (``scanner._html.TextView.to_source``): ``text``
    is the view's, ``at``/``src``/``stop`` its map, ``attrs`` its attribute values.

    One range, unless the view range crosses the edge of an attribute value: then one per side, each
    trimmed of the separators around it.
    """
    if attrs:
        cuts = [start]
        for a_start, a_end in attrs:
            if start < a_start < end:
                cuts.append(a_start)
            if start < a_end < end:
                cuts.append(a_end)
        if len(cuts) > 1:
            cuts.sort()
            cuts.append(end)
            ranges = []
            for i in range(len(cuts) - 1):
                found = _view_source(text, at, src, stop, cuts[i], cuts[i + 1])
                if found is not None:
                    ranges.append(found)
            return ranges
    found = _view_source(text, at, src, stop, start, end)  # the usual: one range
    return [found] if found is not None else []


def view_spans(text: str, at: list[int], src: list[int], stop: list[int], attrs: tuple[tuple[int, int], ...],
               spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The ``(start, end, entity_type)`` spans of the view mapped into the source (:func:`view_ranges` of
    each): a span crossing the edge of an attribute value gives one per side, one of only white space none."""
    out = []
    for a, b, entity_type in spans:
        for start, end in view_ranges(text, at, src, stop, attrs, a, b):
            out.append((start, end, entity_type))
    return out


def _view_source(text: str, at: list[int], src: list[int], stop: list[int], lo: int,
                 hi: int) -> tuple[int, int] | None:
    """The source range from where view char ``lo`` begins to where ``hi - 1`` ends, trimmed of white space
    (None when nothing is left)."""
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    if lo == hi:
        return None
    k = bisect_right(at, lo) - 1
    first = src[k] + lo - at[k] if stop[k] == _COPIED else src[k]
    if hi > at[k + 1]:  # the range ends in a later piece
        k = bisect_right(at, hi - 1, k) - 1
    return first, src[k] + hi - at[k] if stop[k] == _COPIED else stop[k]


def splice_markup(text: str, pieces: Iterable[tuple[int, int, str]], tag_starts: list[int],
                  tag_ends: list[int]) -> str:
    """The markup ``text`` with each ``(start, end, new)`` of ``pieces`` (sorted, disjoint) in place of its
    span, escaped, keeping the tags (``tag_starts``/``tag_ends``) inside a span: ``new`` goes before the
    first of them that has text before it (or after all).  A span inside a tag is in an attribute value:
    ``new`` is quote-escaped there."""
    out = []
    pos = 0
    count = len(tag_starts)
    for start, end, new in pieces:
        out.append(text[pos:start])
        pos = end
        i = bisect_left(tag_starts, start)
        if i and tag_ends[i - 1] > start:  # inside a tag: an attribute value
            out.append(_escaped(new, True))
            continue
        placed = False
        at = start
        while i < count and tag_ends[i] <= end:
            tag_start = tag_starts[i]
            if tag_start > at and not placed:
                out.append(_escaped(new, False))
                placed = True
            at = tag_ends[i]
            out.append(text[tag_start:at])
            i += 1
        if not placed:
            out.append(_escaped(new, False))
    out.append(text[pos:])
    return "".join(out)


def _escaped(text: str, quote: bool) -> str:
    """``html.escape(text, quote)``, with no call where there is nothing to escape (a placeholder)."""
    if "&" in text or "<" in text or ">" in text or (quote and ('"' in text or "'" in text)):
        return html.escape(text, quote)
    return text


# A sink's write-back: the OpenTelemetry processor stores a redacted map in the record without the SDK cleaning
# it again when it is the clean map the record held with values replaced by strings (otel._stored_as_is).
_ABSENT = object()


def rewritten_with_strings(new: Any, old: Any) -> bool:
    """Whether ``new`` and ``old`` are dicts and each value of ``new`` is ``old``'s under its key (the same
    object, or a dict equal to it), a string, or a dict of such under a key ``old`` had."""
    if type(new) is not dict or type(old) is not dict:
        return False
    return _rewritten(new, old)


def _rewritten(new: dict[Any, Any], old: dict[Any, Any]) -> bool:
    for key, value in new.items():
        was = old.get(key, _ABSENT)
        if value is was:
            continue
        if was is _ABSENT:
            return False
        if type(value) is str:  # the usual change (a placeholder)
            continue
        if type(value) is dict and value == was:  # a map copied unchanged
            continue
        if type(value) is not dict or type(was) is not dict or not _rewritten(value, was):
            return False
    return True
