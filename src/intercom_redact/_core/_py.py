"""The engine's hot path: the walk, the known-value search and the per-string checks.

This file is the single source of both implementations: it runs as plain
Python (``IMPLEMENTATION == "py"``), and the build compiles the very same file
with Cython into ``_c`` (pure-Python mode: ``_c.pxd`` beside it declares the
C types, so nothing here imports Cython).  Only what runs for every key and
every string of every event lives here -- with the per-string checks: an
identifier's ``only_if`` and the cheap test for structure inside a string; the
rare paths (objects, exceptions, keys never seen before, parsing a string that
may hold structure) are the engine's, in Python, reached through ``hooks``.

Known values are prepared lazily: building :class:`KnownValues` only sorts the
values into words, phrases and phones; a text is searched for a value only
after a substring (or, for phones, a digit-run) pre-check says it can hold it,
and a phone is parsed only then.  Nothing is compiled per event.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._structured import MAX_LENGTH as _STRUCTURE_WINDOW
from .._structured import may_hold_structure as _may_hold_structure
from ._protocols import Abort

if TYPE_CHECKING:
    from ._protocols import Hooks

__all__ = ["DROP", "IMPLEMENTATION", "KEEP", "REPLACE", "SCALARS", "SCAN", "UNSEARCHED_TYPES", "WALL_CEILING",
           "Deadline", "KnownValues", "Walk", "key_text"]

IMPLEMENTATION = __name__.rpartition("._")[2]
"""``"py"`` run as this file, ``"c"`` compiled (the same source under the module name ``_c``)."""

# Op kinds, ordered so that "kind <= SCAN" means "the value may be kept as is".
KEEP, SCAN, REPLACE, DROP = 0, 1, 2, 3
SCALARS = frozenset({int, float, bool, type(None), complex})
# Known values shorter than this would match inside ordinary words.
MIN_KNOWN_LENGTH = 3
UNSEARCHED_TYPES = frozenset({"FRAME_LOCAL"})
"""Redacted for what they might be, not for what they are (a traceback's local ``status = 'open'``):
searching the rest of the event for them would cut up ordinary words."""
# Real events are shallow; only deep walks pay for cycle tracking (a cycle is
# also stopped by the depth bound, this just names it).
_TRACK_CYCLES_FROM = 8
# The wall clock may run this many times the CPU budget (a value whose __str__
# blocks on I/O uses no CPU) before the walk gives up anyway.
WALL_CEILING = 8.0

# A run of digits with short separators between them: where a phone may be written.
_DIGIT_RUN = re.compile(r"\+?\d(?:[ \t.\-()+]{0,3}\d)+")  # "+" too: form-encoded spaces
_PHONE_VALUE = re.compile(r"\+?[\d\s.\-()/]{7,}")
_NON_DIGITS = re.compile(r"\D+")
_HAS_DIGIT = re.compile(r"\d").search
_NAME_PART = re.compile(r"[^\W\d_](?:[^\W\d_]|['\-][^\W\d_])*")
# A phone is searched for only where a digit run ends in its last digits: no
# national number is shorter than this.
_PHONE_TAIL = 4


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


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _bounded(low: str, start: int, end: int, needle: str) -> bool:
    """A word-like value must not be part of a longer word (``ann`` in ``annual``)."""
    if needle[0].isalnum() and start and (low[start - 1].isalnum() or (low[start - 1] in "._%+-"
                                          and "@" in needle)):
        return False
    return not (needle[-1].isalnum() and end < len(low) and _is_word(low[end]))


def _phrase_end(low: str, start: int, words: tuple[str, ...]) -> int:
    """Where the phrase ``words`` starting at ``start`` ends in ``low``, or -1.

    Words may be separated by any whitespace or joined as a form encodes
    spaces (``jane+doe``, ``jane%20doe``).
    """
    first = words[0]
    if first[0].isalnum() and start and _is_word(low[start - 1]):
        return -1
    pos = start + len(first)
    size = len(low)
    for word in words[1:]:
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
    if words[-1][-1].isalnum() and pos < size and _is_word(low[pos]):
        return -1
    return pos


_NEEDLES, _PHRASE, _PHONE = 0, 1, 2
# Values prepared before, shared by all events (a contact logs many times); bounded.
_PREPARED: dict[tuple[str, str], tuple[tuple[int, Any], ...]] = {}
_PREPARED_SIZE = 4096


def _prepared(key: tuple[str, str]) -> tuple[tuple[int, Any], ...]:
    entry = _PREPARED.get(key)
    if entry is None:
        entry = _prepare(key[0], key[1])
        if len(_PREPARED) >= _PREPARED_SIZE:
            _PREPARED.clear()
        _PREPARED[key] = entry
    return entry


def _prepare(entity_type: str, value: str) -> tuple[tuple[int, Any], ...]:
    """How ``value`` is searched, as ``(kind, entry)`` pairs: a phone, a phrase, or words.

    A person's full name is also searched for by each capitalised part of it:
    the recipient ``Marisol Vega`` is greeted as ``Welcome aboard, Marisol!``.
    """
    if entity_type in UNSEARCHED_TYPES:
        return ()
    if entity_type == "PHONE_NUMBER" or (_HAS_DIGIT(value) and _PHONE_VALUE.fullmatch(value)):
        digits = _NON_DIGITS.sub("", value)
        if len(digits) >= 7:
            return ((_PHONE, (entity_type, value, digits)),)
    low = value.lower()
    words = low.split()
    if len(words) > 1:
        phrase = ((_PHRASE, (entity_type, tuple(words), value)),)
        if entity_type != "PERSON":
            return phrase
        # Lower-case particles ("van", "de") and initials are not names on their own.
        parts = dict.fromkeys(part for part in _NAME_PART.findall(value)
                              if part[0].isupper() and len(part) >= MIN_KNOWN_LENGTH)
        return phrase + tuple((_NEEDLES, (entity_type, part.lower(), part)) for part in parts)
    if "@" not in low:
        return ((_NEEDLES, (entity_type, low, value)),)
    # E-mails also URL-encoded, as in query strings.
    encoded = low.replace("@", "%40")
    plus = encoded.replace("+", "%2b")
    forms = (low, plus, encoded) if plus != encoded else (low, encoded)
    return tuple((_NEEDLES, (entity_type, form, value)) for form in forms)


class KnownValues:
    """The known values of one event, found in its texts whatever their case and notation.

    ``known`` is ``(entity_type, value)`` pairs as the walk collected them:
    values are stripped, and repeated or too short ones ignored.  Building
    this only sorts them; the work is done per text, and only for values the
    text can hold.
    """

    __slots__ = ("_needles", "_phones", "_phrases")

    def __init__(self, known: Iterable[tuple[object, object]]) -> None:
        needles: list[tuple[str, str, str]] = []  # (entity_type, lower-cased token, value)
        phrases: list[tuple[str, tuple[str, ...], str]] = []  # (entity_type, lower-cased words, value)
        phones: list[tuple[str, str, str]] = []  # (entity_type, value, digits)
        seen: set[tuple[str, str]] = set()
        for entity_type, value in known:
            if not isinstance(value, str) or not isinstance(entity_type, str):
                continue
            key = (entity_type, value.strip())
            if len(key[1]) < MIN_KNOWN_LENGTH or key in seen:
                continue
            seen.add(key)
            for kind, entry in _prepared(key):
                (needles if kind == _NEEDLES else phrases if kind == _PHRASE else phones).append(entry)
        self._needles = needles
        self._phrases = phrases
        self._phones = phones

    def __bool__(self) -> bool:
        return bool(self._needles or self._phrases or self._phones)

    def candidates(self, text: str) -> list[tuple[str, str]]:
        """The values ``text`` may hold (a superset of those :meth:`find` finds in it)."""
        out: list[tuple[str, str]] = []
        if self._needles or self._phrases:
            low = _lower(text)
            for entity_type, needle, value in self._needles:
                if needle in low:
                    out.append((entity_type, value))
            for entity_type, words, value in self._phrases:
                if words[0] in low:
                    out.append((entity_type, value))
        if self._phones and _HAS_DIGIT(text):
            digits = _NON_DIGITS.sub("", text)
            for entity_type, value, own in self._phones:
                if own[-_PHONE_TAIL:] in digits:
                    out.append((entity_type, value))
        return out

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, entity_type)`` of every known value in ``text``."""
        found: list[tuple[int, int, str]] = []
        if self._needles or self._phrases:
            low = _lower(text)
            size = len(low)
            for entity_type, needle, _ in self._needles:
                if len(needle) > size:
                    continue
                start = low.find(needle)
                while start != -1:
                    end = start + len(needle)
                    if _bounded(low, start, end, needle):
                        found.append((start, end, entity_type))
                    start = low.find(needle, end)
            for entity_type, words, _ in self._phrases:
                start = low.find(words[0])
                while start != -1:
                    end = _phrase_end(low, start, words)
                    if end == -1:
                        start = low.find(words[0], start + 1)
                    else:
                        found.append((start, end, entity_type))
                        start = low.find(words[0], end)
        if self._phones and _HAS_DIGIT(text):
            self._find_phones(text, found)
        return found

    def _find_phones(self, text: str, found: list[tuple[int, int, str]]) -> None:
        all_digits = _NON_DIGITS.sub("", text)
        # Only the phones whose last digits occur in the text are parsed.
        phones = [(entity_type, *_phone_forms(value, own)) for entity_type, value, own in self._phones
                  if own[-_PHONE_TAIL:] in all_digits]
        if not phones:
            return
        for run in _DIGIT_RUN.finditer(text):
            digits = _NON_DIGITS.sub("", run.group())
            for entity_type, national, prefixes in phones:
                if digits.endswith(national) and digits[: len(digits) - len(national)] in prefixes:
                    found.append((run.start(), run.end(), entity_type))
                    break


# -- the walk -------------------------------------------------------------------------


class Deadline:
    """A time budget in CPU time of the calling thread, with a wall-clock ceiling.

    A busy machine does not spend the budget (a thread waiting for a core
    uses no CPU), so good values do not fail under load; a wall clock of
    :data:`WALL_CEILING` times the budget still stops a value whose
    ``__str__`` blocks.  The wall clock is read first (cheap), the CPU clock
    only once the wall clock passes the budget.
    """

    __slots__ = ("cpu", "wall_hard", "wall_soft")

    def __init__(self, budget: float) -> None:
        self.cpu = time.thread_time() + budget
        now = time.perf_counter()
        self.wall_soft = now + budget
        self.wall_hard = now + budget * WALL_CEILING

    def passed(self) -> bool:
        now = time.perf_counter()
        if now <= self.wall_soft:  # CPU time never runs ahead of the wall clock
            return False
        return now > self.wall_hard or time.thread_time() > self.cpu


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
    so a busy machine does not make events fail.
    """

    __slots__ = ("active", "deadline", "finishers", "hooks", "known", "max_depth", "max_nodes", "nodes",
                 "overrides", "scan", "summary", "texts", "unscanned")

    def __init__(self, hooks: Hooks, summary: Any, scan: bool, max_nodes: int, max_depth: int,
                 time_budget: float, unscanned: str) -> None:
        self.hooks = hooks
        self.summary = summary
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
        self.active: set[int] = set()
        self.unscanned = unscanned
        self.deadline = Deadline(time_budget)

    # -- bounds -------------------------------------------------------------------------

    def out_of_time(self) -> bool:
        return self.deadline.passed()

    def fail(self, reason: str) -> str:
        self.summary.failed(reason)
        return self.unscanned

    def count(self, op: Any) -> None:
        """``summary.add(op.type, op.label)``, inline: it runs for every value a rule catches."""
        summary = self.summary
        summary.count += 1
        types: dict[str, int] = summary.types
        types[op.type] = types.get(op.type, 0) + 1
        rules: dict[str, int] = summary.rules
        rules[op.label] = rules.get(op.label, 0) + 1

    def enter(self, v: Any, size: int, depth: int) -> int:
        self.nodes += size
        if self.nodes > self.max_nodes:
            raise Abort("size")
        if depth < _TRACK_CYCLES_FROM:
            return 0
        ident = id(v)
        if ident in self.active:
            raise Abort("cycle")
        self.active.add(ident)
        return ident

    # -- values a rule caught -----------------------------------------------------------

    def replace(self, op: Any, value: Any) -> str:
        """Apply a redact/mask/pseudonymize op to a scalar and remember the value."""
        if type(value) is str:
            text = value
        else:
            try:
                text = str(value)
            except Exception:  # e.g. an int past sys.get_int_max_str_digits()
                return self.fail("error")
        if len(text) >= MIN_KNOWN_LENGTH:
            self.known.append((op.type, text))
            if op.own_action:
                self.overrides.append((op.type, text, op))
        self.count(op)
        return op.apply(text)  # type: ignore[no-any-return]

    def drop(self, op: Any, v: Any) -> None:
        if type(v) is str and len(v) >= MIN_KNOWN_LENGTH:
            self.known.append((op.type, v))
        self.count(op)

    def collect_known(self, value: Any, state: Any, entity_type: str, depth: int) -> None:
        """Remember the strings inside a container a rule redacted whole (a location)."""
        if depth > 4:
            return
        if type(value) is dict or isinstance(value, Mapping):
            for k, v in value.items():
                child = state.next_key.get(k)
                if child is None:
                    child = state.step_key(k if type(k) is str else key_text(k))
                if child.match is None or child.match.kind != KEEP:
                    self.collect_known(v, child, entity_type, depth + 1)
        elif isinstance(value, (list, tuple)):
            for v in value[:50]:
                self.collect_known(v, state.step_index(0), entity_type, depth + 1)
        elif type(value) is str and len(value) >= MIN_KNOWN_LENGTH:
            self.known.append((entity_type, value))

    # -- the walk -----------------------------------------------------------------------

    def put(self, out: Any, key: Any, v: Any, state: Any, op: Any, depth: int) -> bool:
        """Store the redacted ``v`` at ``out[key]``; False when the op drops it."""
        t = type(v)
        kind: int = op.kind
        if t is str or t in SCALARS:
            if kind <= SCAN or v is None or t is bool:  # numbers carry no free text
                out[key] = v
                if kind == SCAN and t is str:
                    self.set_aside(out, key, v, state, op, depth)
            elif kind == REPLACE:
                out[key] = self.replace(op, v)
            else:
                self.drop(op, v)
                return False
            return True
        if kind == DROP:
            self.drop(op, v)
            return False
        if kind == REPLACE:
            self.count(op)
            self.collect_known(v, state, op.type, 0)
            out[key] = self.hooks.placeholder(op.type)
            return True
        if depth >= self.max_depth:
            out[key] = self.fail("depth")
            return True
        if self.out_of_time():
            out[key] = self.fail("time")
            return True
        try:
            if t is dict:
                out[key] = self.mapping(v, state, op, depth)
            elif t is list:
                out[key] = self.sequence(v, state, op, depth)
            else:
                self.hooks.other(self, out, key, v, state, op, depth)
        except Abort as abort:
            out[key] = self.fail(abort.reason)
        except RecursionError:
            out[key] = self.fail("depth")
        except Exception:
            out[key] = self.fail("error")
        return True

    def mapping(self, d: Any, state: Any, op: Any, depth: int) -> dict[Any, Any]:
        ident = self.enter(d, len(d), depth)
        out: dict[Any, Any] = {}
        depth += 1
        if state.by_object:  # conditions on the object ({"type": "company"}), search filters
            state = state.for_object(d)
        next_key: dict[Any, Any] = state.next_key
        texts = self.texts
        # The common leaves (kept or free-text strings and numbers) are handled
        # inline: this loop runs for every key of every event.
        for k, v in d.items():
            child = next_key.get(k)
            if child is None:
                child, k = self.hooks.new_key(self, state, k, out)
            m = child.match
            op_v = op if m is None else m
            t = type(v)
            if t is str:
                kind: int = op_v.kind
                if kind == KEEP:
                    out[k] = v
                    continue
                if kind == SCAN:
                    out[k] = v
                    if op_v.only_if is None and _may_hold_structure(v, 0, _STRUCTURE_WINDOW) is None:
                        texts.append((out, k, v))
                    else:
                        self.set_aside(out, k, v, child, op_v, depth)
                    continue
            elif t in SCALARS and op_v.kind <= SCAN:
                out[k] = v
                continue
            self.put(out, k, v, child, op_v, depth)
        if ident:
            self.active.discard(ident)
        return out

    def set_aside(self, out: Any, key: Any, text: str, state: Any, op: Any, depth: int) -> None:
        """A string a scan op selected: kept, free text, or the structure it holds (``hooks.structured``).

        An identifier (``op.only_if``) is scanned only when it looks personal:
        an opaque id is kept, an e-mail used as one is not.
        """
        only_if = op.only_if
        if only_if is not None and not only_if(text):
            return
        if _may_hold_structure(text, 0, _STRUCTURE_WINDOW) is None:
            self.texts.append((out, key, text))
        else:
            self.hooks.structured(self, out, key, text, state, op, depth)

    def sequence(self, items: Any, state: Any, op: Any, depth: int) -> list[Any]:
        items = items if isinstance(items, (list, tuple)) else list(items)
        ident = self.enter(items, len(items), depth)
        out: list[Any] = []
        depth += 1
        for i, v in enumerate(items):
            child = state.step_index(i)
            m = child.match
            out.append(None)
            if not self.put(out, len(out) - 1, v, child, op if m is None else m, depth):
                out.pop()
        if ident:
            self.active.discard(ident)
        return out

    # -- phase 2: which texts need the scanner ------------------------------------------

    def triage(self, known: KnownValues, clean: set[str]) -> tuple[list[int], list[int]]:
        """Split the texts set aside: ``(only known values, needs the scanner)``, by index.

        A text the scanner found clean before (``clean``), or any text when
        the walk does not scan, needs only a search for the event's known
        values -- and none at all when the pre-check says it holds none.
        """
        known_only: list[int] = []
        scanner: list[int] = []
        has_known = bool(known)
        scan = self.scan
        for index, (_, _, text) in enumerate(self.texts):
            if scan and text not in clean:
                scanner.append(index)
            elif has_known and known.candidates(text):
                known_only.append(index)
        return known_only, scanner


def key_text(key: Any) -> str:
    """A key as the path automaton reads it (``"?"`` for one whose ``str()`` fails)."""
    try:
        return key if isinstance(key, str) else str(key)
    except Exception:
        return "?"
