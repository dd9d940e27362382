"""The pattern pass: every recognizer's patterns in one linear-time RE2 set, validators in Python.

A text costs one ``re2.Set`` match (a DFA over the text, linear by
construction: 1-3 µs for a text like one it has seen, 8-25 µs for a new
short log line while its lazy DFA grows) that names the patterns
that *may* match.  Only those run as Presidio runs them -- the ``regex``
module, with their look-arounds (a row may spell the search past a text's first
character for speed, ``PatternSpec.after_first``; a row may have a spelling for texts all ASCII that
the standard library's ``re`` searches faster, ``PatternSpec.ascii_only``, searched on the text in lower
case where its case-insensitive words would cost ``re`` a case fold a letter, ``PatternSpec.lowered``; on
such a text a row may be tried only where ``re`` finds its cue, ``PatternSpec.cue``, or searched from the
run before its next anchor, ``PatternSpec.anchored``: the same matches) -- and their
matches go through the recognizer's checks: validator, invalidator, context words,
vetoes, score threshold.  Presidio's analyzer is never called.

The set holds a *trigger* per pattern: the part of it every match contains
(``PatternSpec.trigger``; the whole pattern when it names none) in RE2's
dialect, loosened until it matches wherever the pattern could (:func:`to_re2`):
negative look-arounds and word boundaries are dropped, positive
look-arounds become plain groups, and ``\\d``, ``\\w``, ``\\s``, ``\\p{Lu}``
(ASCII in RE2, Unicode in Python) are widened to their ASCII members plus
every non-ASCII character, which keeps the set small.  A pattern RE2
cannot express (a user's backreference, an atomic group) has no trigger
and runs on every text, as it would under Presidio.  A sentinel that matches everything guards the
set: should RE2's DFA ever give up (memory), every pattern runs.

Once the pass has warmed up, a Hyperscan database of the same triggers, with
a second of them restricted to ASCII for texts all ASCII (:mod:`._hyperscan`,
compiled off-thread and cached on disk), takes over from the set: RE2's lazy
DFA builds states on every text it has not seen, and a stream of distinct
events is mostly such texts.

Without google-re2 (or with ``INTERCOM_REDACT_NO_RE2=1``) there is no set
and every pattern runs on every text: the same findings, slower.  Either
way the patterns are the ones ``tests/test_redos.py`` checks for linear
time, and the confirming scans are linear in the text.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import regex

from . import _hyperscan
from ._confined import Confinement, confinement, covered
from ._findings import Finding
from ._registry import ENTITIES, SCORE_THRESHOLD, EntitySpec, PatternSpec

try:
    if os.environ.get("INTERCOM_REDACT_NO_RE2"):
        raise ImportError("INTERCOM_REDACT_NO_RE2 is set")
    import re2
except ImportError:
    re2 = None

__all__ = ["ENGINE", "PatternPass", "ascii_spelling", "builtin_pass", "near_context", "to_re2"]

ENGINE = "re2" if re2 is not None else "regex"
"""What finds the candidates: ``"re2"`` (a set) or ``"regex"`` (every pattern, every text)."""

# Python's classes are Unicode-wide, RE2's ASCII.  A trigger widens them to their
# ASCII members plus every non-ASCII character: a superset that stays cheap to
# compile (RE2 expands a class of thousands of ranges per repetition).
_NON_ASCII = r"\x{80}-\x{10FFFF}"
_ANY = r"\x{0}-\x{10FFFF}"
_ASCII_OF = {  # the ASCII members of the shorthands and Unicode categories we know
    "d": "0-9", "w": "0-9A-Za-z_", "s": r"\t-\r \x{1c}-\x{1f}",
    "L": "A-Za-z", "Lu": "A-Z", "Ll": "a-z", "Lt": "", "Lm": "", "Lo": "", "M": "", "Mn": "",
    "Mc": "", "Me": "", "N": "0-9", "Nd": "0-9", "Nl": "", "No": "", "Pc": "_", "Z": " ", "Zs": " ",
    "Zl": "", "Zp": "",
}
_PLAIN = re.compile(r"[^\\\[(*+?{}$]+")  # characters that mean the same to RE2 (outside a class)
_CLASS_PLAIN = re.compile(r"[^\\]+")  # inside one: anything up to an escape
_BOUNDS = re.compile(r"\{(\d*),\d+\}")  # {n,m} and {,m}
_NOTHING = "(?:)"  # an assertion dropped: matches the empty string, takes a quantifier
_UNSUPPORTED_GROUPS = ("(?>", "(?(", "(?|", "(?#", "(?x", "(?a", "(?u", "(?L", "(?V", "(?f", "(?r")
_WARM_UP_DELAY = 0.25  # seconds after the first scan
_CONTEXT_BEFORE, _CONTEXT_AFTER = 5, 2  # words, as Presidio's context enhancer
_CONTEXT_BOOST, _CONTEXT_FLOOR = 0.35, 0.4
_WORD = re.compile(r"\w+")
_NAMES_SIZE = 1024  # sets of hits whose candidates are kept (a stream meets about a hundred)


_BUILTIN = frozenset(ENTITIES)


class _Untranslatable(Exception):
    pass


def _class_end(pattern: str, at: int) -> int:
    """Index after the ``]`` closing the character class that opens at ``at``."""
    i = at + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    if i >= len(pattern):
        raise _Untranslatable("unterminated class")
    return i + 1


def _translate_class(body: str) -> str:
    negated = body.startswith("[^")
    out = []
    i = 2 if negated else 1
    while i < len(body) - 1:
        if body[i] != "\\":
            plain = _CLASS_PLAIN.match(body, i, len(body) - 1)
            out.append(plain.group() if plain else body[i])
            i = plain.end() if plain else i + 1
            continue
        escape = body[i + 1]
        if escape in "dws":
            # Negated, RE2's ASCII shorthand excludes less than Python's: a superset already.
            out.append(body[i:i + 2] if negated else _ASCII_OF[escape] + _NON_ASCII)
        elif escape in "DWS":
            if negated:
                raise _Untranslatable("negated class of a negated shorthand")
            out.append(body[i:i + 2])
        elif escape == "b":
            out.append(r"\x08")
        elif escape in "pP":
            text, end = _escape(body, i)
            out.append(_category(text, negated))
            i = end
            continue
        else:
            text, i = _escape(body, i)
            out.append(text)
            continue
        i += 2
    members = "".join(out)
    if negated and not members:
        return "[" + _ANY + "]"
    return ("[^" if negated else "[") + members + "]"


def _category(escape: str, negated: bool) -> str:
    """``\\p{X}`` as class members: a superset inside ``[...]``, a subset inside ``[^...]``."""
    name = escape[3:-1] if escape[2:3] == "{" else escape[2:]
    known = escape[1] == "p" and name in _ASCII_OF
    if negated:
        if not known:
            raise _Untranslatable(f"negated class holding {escape}")
        return _ASCII_OF[name]
    return _ASCII_OF[name] + _NON_ASCII if known else _ANY


def _escape(pattern: str, at: int) -> tuple[str, int]:
    """An escape outside the shorthand classes, in RE2's spelling, and the index after it."""
    escape = pattern[at + 1]
    if escape in "pP":
        end = pattern.index("}", at) + 1 if pattern[at + 2] == "{" else at + 3
        return pattern[at:end], end
    if escape in "uU":
        width = 4 if escape == "u" else 8
        return r"\x{" + pattern[at + 2:at + 2 + width] + "}", at + 2 + width
    if escape.isdigit() or escape in "NgkE":
        raise _Untranslatable(f"\\{escape}")
    return pattern[at:at + 2], at + 2


def _group_end(pattern: str, at: int) -> int:
    """Index after the ``)`` closing the group that opens at ``at``."""
    depth = 0
    i = at
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise _Untranslatable("unbalanced group")


def _translate(pattern: str, multiline: bool) -> str:
    out = []
    i = 0
    while i < len(pattern):
        plain = _PLAIN.match(pattern, i)
        if plain is not None:  # the bulk of a pattern: literal words, alternations, groups
            out.append(plain.group())
            i = plain.end()
            continue
        char = pattern[i]
        if char == "\\":
            escape = pattern[i + 1]
            if escape in "dws":
                out.append("[" + _ASCII_OF[escape] + _NON_ASCII + "]")
                i += 2
            elif escape in "pP":
                text, i = _escape(pattern, i)
                out.append("[" + _category(text, False) + "]")
            elif escape in "bBKG":
                out.append(_NOTHING)
                i += 2
            elif escape == "Z":
                out.append(r"\z")
                i += 2
            else:
                text, i = _escape(pattern, i)
                out.append(text)
        elif char == "[":
            end = _class_end(pattern, i)
            out.append(_translate_class(pattern[i:end]))
            i = end
        elif char == "(" and pattern.startswith(("(?!", "(?<!"), i):
            out.append(_NOTHING)
            i = _group_end(pattern, i)
        elif char == "(" and pattern.startswith(("(?=", "(?<="), i):
            out.append("(?:")
            i += 3 if pattern[i + 2] == "=" else 4
        elif char == "(" and pattern.startswith(_UNSUPPORTED_GROUPS, i):
            raise _Untranslatable(pattern[i:i + 3])
        elif char == "(" and pattern.startswith("(?<", i):
            out.append("(?P<")  # a named group in the regex module's other spelling
            i += 3
        elif char in "*+?}" and pattern[i + 1:i + 2] == "+":
            raise _Untranslatable("possessive quantifier")
        elif char == "$" and not multiline:  # Python's "$" also matches before a final newline
            out.append(r"(?:\n?\z)")
            i += 1
        elif char == "{" and (bounds := _BOUNDS.match(pattern, i)) is not None:
            # An upper bound makes the DFA count (a state per repetition and position,
            # multiplied across the set): a trigger keeps only the lower one, a superset.
            out.append("{" + (bounds.group(1) or "0") + ",}")
            i = bounds.end()
        else:
            out.append(char)
            i += 1
    return "".join(out)


def to_re2(pattern: str, flags: int) -> str | None:
    """A trigger for ``pattern``: RE2 syntax matching wherever the pattern may match; ``None`` if none.

    :param flags: the ``re``/``regex`` flags the pattern runs with (IGNORECASE,
        MULTILINE, DOTALL carry over; VERBOSE and the others have no trigger).
    """
    inline = "".join(letter for flag, letter in ((regex.IGNORECASE, "i"), (regex.MULTILINE, "m"),
                                                 (regex.DOTALL, "s")) if flags & flag)
    if flags & ~(regex.IGNORECASE | regex.MULTILINE | regex.DOTALL | regex.UNICODE):
        return None
    try:
        translated = _translate(pattern, bool(flags & regex.MULTILINE))
    except (_Untranslatable, IndexError, ValueError):
        return None
    return f"(?{inline}){translated}" if inline else translated


class _Rule:
    """One pattern of one recognizer: its RE2 trigger, and the pattern, compiled when first needed."""

    __slots__ = ("_compiled", "_trigger", "after_first", "anchored", "ascii_only", "builtin", "confined", "cue", "entity",
                 "lowered", "matches", "name", "score", "source", "translated")

    def __init__(self, entity: EntitySpec, spec: PatternSpec) -> None:
        self.entity = entity
        self.name = spec.name
        self.source = spec.regex
        self.score = spec.score
        self._trigger = spec.trigger or spec.regex
        self.translated = to_re2(self._trigger, entity.flags) if re2 is not None else None
        self.builtin = entity in _BUILTIN
        self.after_first = spec.after_first
        self.ascii_only = spec.ascii_only
        self.lowered = spec.lowered
        self.cue = spec.cue
        self.anchored = spec.anchored
        # Where its matches must be: a text whose known spans hold them all need not run it.  Read
        # with the pattern, when it is compiled (not by a first log call for every row); as re reads
        # it, so only for a built-in row (a user's runs on regex, whose dialect is wider).
        self.confined: Confinement | None = None
        self._compiled: Any = None
        # matches(text): the pattern's matches in text, as pattern.finditer(text) (searched past
        # the first character with after_first where the row has one, by re's ascii_only on a
        # text all ASCII).  Once compiled, a row without either answers with the compiled
        # pattern's own finditer: no Python call between.
        self.matches: Callable[[str], Iterator[Any]] = self._compile_and_match

    @property
    def pattern(self) -> Any:
        """The pattern, compiled by the ``regex`` module as Presidio compiles it.

        A built-in pattern that the standard library's ``re`` reads (no ``\\p{…}``,
        no ``\\K``) is compiled by ``re`` instead: on a text it reads as ``regex`` does
        (ASCII and the letters of Latin-1, :func:`_alike_or_any`) it matches the same (a
        test runs both over the suite's strings) in a third to a half of the time; any
        other text runs on ``regex``.  A user's pattern always runs on ``regex``, as Presidio would run it.
        """
        compiled = self._compiled
        if compiled is None:  # a race compiles twice, harmlessly
            compiled = self._compile(self.source)
            search = compiled if self.after_first is None else self._compile(self.after_first)
            matches = self._searched(compiled, search)
            if isinstance(compiled, re.Pattern) or isinstance(search, re.Pattern):
                plain = regex.compile(self.source, self.entity.flags)
                matches = functools.partial(_alike_or_any, matches, self._searched(
                    plain, plain if self.after_first is None else regex.compile(self.after_first, self.entity.flags)))
            ascii_search = (_ascii_compiled(self.ascii_only, self.entity.flags, search, lowered=self.lowered)
                            if self.ascii_only else None)
            ascii_matches: Callable[[str], Iterator[Any]] | None = None
            if ascii_search is not None:
                ascii_matches = self._searched(compiled, ascii_search)
            elif self.cue is not None:
                ascii_matches = functools.partial(_cued, re.compile(self.cue), compiled)
            elif self.anchored is not None:
                anchors, run = self.anchored
                ascii_matches = functools.partial(_anchored, compiled, re.compile(f"[{re.escape(anchors)}]"), run)
            if ascii_matches is not None:
                matches = functools.partial(_ascii_or_any, ascii_matches, matches)
            if self.builtin:
                self.confined = confinement(self._trigger, self.source, self.entity.flags)
            self.matches = matches
            self._compiled = compiled  # last: a pattern read compiled has its matches set
        return compiled

    def _searched(self, compiled: Any, search: Any) -> Callable[[str], Iterator[Any]]:
        """The matches of ``compiled``: ``search`` runs past the first character where the row has an after_first."""
        if self.after_first is None:
            return search.finditer  # type: ignore[no-any-return]
        return functools.partial(_matched_then_searched, compiled, search)

    def _compile(self, source: str) -> Any:
        if self.builtin:
            try:
                return re.compile(source, self.entity.flags)
            except re.error:
                pass
        return regex.compile(source, self.entity.flags)

    def _compile_and_match(self, text: str) -> Iterator[Any]:
        self.pattern  # noqa: B018  (the property compiles it and sets matches)
        return self.matches(text)


def _matched_then_searched(pattern: Any, after_first: Any, text: str) -> Iterator[Any]:
    """``pattern.finditer(text)``: ``pattern`` matched at the start, ``after_first`` searched past it."""
    first = pattern.match(text)
    rest: Iterator[Any] = after_first.finditer(text, 0 if first is None else first.end())
    return rest if first is None else itertools.chain((first,), rest)


def _cued(cue: re.Pattern[str], pattern: Any, text: str) -> Iterator[Any]:
    """``pattern.finditer(text)`` on a text all ASCII: ``pattern`` tried where ``cue`` ends on it in lower case.

    The cue's ends take in every place the pattern matches (``PatternSpec.cue``), so the first
    one from where the last match ended at which the pattern matches is where its own search
    finds its next match: the same matches, the pattern's match objects.
    """
    lowered = text.lower()  # the same length: the text is all ASCII
    search, match = cue.search, pattern.match
    resume = 0  # where the pattern's own search goes on
    found = search(lowered)
    while found is not None:
        at = found.end()
        if at >= resume:
            kept = match(text, at)
            if kept is not None:
                if kept.end() == kept.start():  # empty: the pattern's own search knows what may follow one
                    yield from pattern.finditer(text, at)
                    return
                yield kept
                resume = kept.end()
        found = search(lowered, max(at, found.start() + 1))


def _anchored(pattern: Any, anchors: re.Pattern[str], run: str, text: str) -> Iterator[Any]:
    """``pattern.finditer(text)`` on a text all ASCII, searched from the ``run`` before each next anchor.

    Every match holds an anchor, with only ``run`` characters between its start and it
    (``PatternSpec.anchored``), so none starts before the run that ends at the next anchor: the
    anchor of a match that starts earlier would lie inside that run, where an anchor that is no
    run character cannot, and one that is extends the run.  The pattern's first match from there
    is its own search's next: the same matches, the pattern's match objects.
    """
    search, next_anchor = pattern.search, anchors.search
    pos = 0
    while (anchor := next_anchor(text, pos)) is not None:
        found = search(text, pos + len(text[pos:anchor.start()].rstrip(run)))  # linear: a match ends past its anchor
        if found is None:
            return
        if found.end() == found.start():  # empty: the pattern's own search knows what may follow one
            yield from pattern.finditer(text, found.start())
            return
        yield found
        pos = found.end()
    # no anchor left: no match left


def _ascii_or_any(ascii_matches: Callable[[str], Iterator[Any]], matches: Callable[[str], Iterator[Any]],
                  text: str) -> Iterator[Any]:
    """``ascii_matches(text)`` on a text all ASCII (a flag ``str`` keeps: no scan), ``matches(text)`` on any other."""
    return ascii_matches(text) if text.isascii() else matches(text)


# The characters re reads as regex does in every built-in pattern it compiles: ASCII (but the
# controls \x1c-\x1f, which re's \s holds and regex's does not: no such pattern has a \s) and the
# letters of Latin-1.  Elsewhere the engines part: regex's \w (and so \b) holds combining marks
# (the "é" of a decomposed "josé@example.com"), re's superscript digits and fractions; case
# folds differ on "İ" and "ı".
_READ_ALIKE = re.compile(r"[\x00-\x7f\xc0-\xd6\xd8-\xf6\xf8-\xff]*")


def _alike_or_any(alike_matches: Callable[[str], Iterator[Any]], matches: Callable[[str], Iterator[Any]],
                  text: str) -> Iterator[Any]:
    """``alike_matches(text)`` (``re``) on a text both engines read alike, ``matches(text)`` (``regex``) on any other."""
    return alike_matches(text) if text.isascii() or _READ_ALIKE.fullmatch(text) else matches(text)


_IN_CLASS = re.compile(r"\\p\{(\w+)\}|\\.", re.DOTALL)  # a category, any other escape


def ascii_spelling(pattern: str) -> tuple[str, bool]:
    """``pattern`` with each ``\\p{X}`` spelled as its ASCII members: the same matches on a text all ASCII.

    Inside a class the members join it (negated too: on such a text a category is
    exactly its ASCII members; a class left without any matches nothing, or, negated,
    anything); outside one they become a class of their own.  ``\\K`` is left out
    (``re`` reads none): the second value says whether there was one, and the
    spelling's matches then start where the pattern's start before it.

    :raises KeyError: a category whose ASCII members are not known.
    :raises ValueError: a category without ASCII members outside a class (it would match nothing).
    :raises _Untranslatable: a class left open.
    """
    def in_class(match: re.Match[str]) -> str:
        return match.group() if match.group(1) is None else _ASCII_OF[match.group(1)]

    out = []
    kept = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "[":
            end = _class_end(pattern, i)
            spelled = _IN_CLASS.sub(in_class, pattern[i:end])
            out.append({"[]": "(?!)", "[^]": r"[\x00-\U0010ffff]"}.get(spelled, spelled))  # no members: none, any
            i = end
        elif char == "\\" and pattern.startswith("\\p{", i):
            category = _IN_CLASS.match(pattern, i)
            if category is None or category.group(1) is None:
                raise ValueError(f"{pattern[i:i + 8]!r}: not a category")
            members = _ASCII_OF[category.group(1)]
            if not members:
                raise ValueError(f"{category.group()} has no ASCII members")
            out.append(f"[{members}]")
            i = category.end()
        elif char == "\\":
            kept = kept or pattern[i + 1] == "K"
            out.append("" if pattern[i + 1] == "K" else pattern[i:i + 2])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out), kept


def _ascii_compiled(pattern: str, flags: int, search: Any, lowered: bool = False) -> re.Pattern[str] | _Located | None:
    """``pattern`` (a row's ``ascii_only``) compiled by ``re``, located with where it holds a ``\\K`` or is ``lowered``.

    :param search: the row's own search, which ``pattern`` spells for texts all ASCII.
    :param lowered: search the text in lower case, with ``pattern``'s case-insensitive groups made plain.
    :return: ``None`` where ``re`` cannot read it (Python 3.10).
    """
    try:
        spelling, kept = ascii_spelling(pattern)
        if lowered:
            spelling, flags = spelling.replace("(?i:", "(?:"), flags & ~re.IGNORECASE
        compiled = re.compile(spelling, flags)
    except (re.error, _Untranslatable):
        return None
    return _Located(compiled, search, lowered) if kept or lowered else compiled


class _Located:
    """A search ``re`` runs for a pattern with a ``\\K``: ``re`` finds where each match starts, the pattern matches there.

    Both engines match a pattern alike on a text all ASCII, so the match ``re`` finds
    from a position starts where the pattern's would, and the pattern matched at that
    start is the one its own search finds: the same matches, the pattern's match objects.
    A ``lowered`` search runs on the text in lower case (the same length: it is all ASCII),
    where it matches where the pattern matches on the text (``PatternSpec.lowered``).
    """

    __slots__ = ("_locate", "_lowered", "_pattern")

    def __init__(self, locate: re.Pattern[str], pattern: Any, lowered: bool = False) -> None:
        self._locate = locate
        self._pattern = pattern
        self._lowered = lowered

    def finditer(self, text: str, pos: int = 0) -> Iterator[Any]:
        """As ``pattern.finditer(text, pos)``."""
        search, match = self._locate.search, self._pattern.match
        searched = text.lower() if self._lowered else text
        found = search(searched, pos)
        while found is not None:
            if found.end() == found.start():  # empty: the pattern's own search knows what may follow one
                yield from self._pattern.finditer(text, found.start())
                return
            kept = match(text, found.start())
            yield kept
            found = search(searched, kept.end())


def _options() -> Any:
    options = re2.Options()
    options.max_mem = 64 << 20  # the DFA's cache: generous, so a long text never exhausts it
    options.log_errors = False
    return options


class PatternPass:
    """All patterns of ``entities``, compiled once; :meth:`candidates` then :meth:`find` per text.

    Thread-safe (RE2 and ``regex`` objects are), not picklable: a scanner
    rebuilds its pass after unpickling.
    """

    def __init__(self, entities: Sequence[EntitySpec]) -> None:
        self._rules = tuple(_Rule(entity, spec) for entity in entities for spec in entity.patterns)
        self._all = tuple(range(len(self._rules)))
        self._set: Any = None
        set_rules = []
        if re2 is not None:
            self._set = re2.Set.SearchSet(_options())
            self._set.Add(_NOTHING)  # the sentinel: absent from an answer, the set failed
            for i, rule in enumerate(self._rules):
                try:
                    if rule.translated is not None:
                        self._set.Add(rule.translated)
                        set_rules.append(i)
                        continue
                except re2.error:
                    pass
                rule.translated = None  # RE2 cannot say where it may match: it runs on every text
            self._set.Compile()
        self._set_rules = tuple(set_rules)
        self._always = tuple(i for i, rule in enumerate(self._rules) if rule.translated is None)
        # The candidates of each set of hits met, per screen (the set's hits are offset by its sentinel).
        self._names: tuple[dict[int | frozenset[int], tuple[int, ...]], ...] = ({}, {})
        self._screen: _hyperscan.Screen | None = None  # takes over from the set once built
        self._screen_asked = False
        self._warming = False  # a plain flag, set under the lock: every scan reads it
        self._warm = False
        self._warm_lock = threading.Lock()

    def warm_in_background(self) -> None:
        """:meth:`warm` on a daemon thread, once: after a first scan that compiled only what it needed."""
        if self._warming:  # every scan asks: answer without the lock
            return
        with self._warm_lock:  # one thread starts it
            first, self._warming = not self._warming, True
        if not first:
            return
        # Late enough not to compete with the rest of the first event (its budget is 0.25 s).
        timer = threading.Timer(_WARM_UP_DELAY, self._warm_quietly)
        timer.name = "intercom-redact-warm-up"
        timer.daemon = True
        timer.start()

    def _warm_quietly(self) -> None:
        try:
            self.warm()
        except Exception:
            return

    def warm(self) -> None:
        """Compile every pattern now, and load what the validators need, given names too (idempotent)."""
        if self._warm:  # bulk jobs ask once per partition: answer in one attribute read
            return
        from ._first_names import warm as warm_given_names
        from ._validators import warm

        with self._warm_lock:  # one build per pass, whichever thread warms first
            build, self._screen_asked = not self._screen_asked, True
        if build and self._set is not None and _hyperscan.AVAILABLE:
            _hyperscan.build_in_background(self._triggers(), self._take_screen)
        for rule in self._rules:
            rule.pattern.search("")  # compiles it
        warm()
        warm_given_names()
        self._warm = True

    def _take_screen(self, screen: _hyperscan.Screen) -> None:
        self._screen = screen

    def _triggers(self) -> list[str]:
        return [self._rules[i].translated or "" for i in self._set_rules]

    def build_screen(self) -> Path | None:
        """Build the Hyperscan screen now (seconds, unless cached) and use it; where it is cached.

        What ``intercom-redact warm`` runs, so a container image can carry the
        compiled screen instead of every process compiling it.

        :raises RuntimeError: Hyperscan is not available, or there is no RE2 set (the triggers are its).
        """
        if not _hyperscan.AVAILABLE:
            raise RuntimeError("Hyperscan is not installed or INTERCOM_REDACT_NO_HYPERSCAN is set")
        if self._set is None:
            raise RuntimeError("no RE2 set (google-re2 missing or INTERCOM_REDACT_NO_RE2 set): no triggers to screen with")
        self._take_screen(_hyperscan.screen(self._triggers()))
        return _hyperscan.cached_file(self._triggers())

    def compile(self, candidates: Sequence[int]) -> float:
        """Compile the ``candidates`` patterns not compiled yet (a scan does this before its time budget starts).

        :return: the seconds it took, for the budget to leave out (``0.0`` once warm: nothing is left to compile).
        """
        if self._warm:
            return 0.0
        started = time.perf_counter()
        for index in candidates:
            self._rules[index].pattern  # noqa: B018  (the property compiles it)
        return time.perf_counter() - started

    @property
    def screen(self) -> str:
        """What names a text's candidates now: ``"hyperscan"``, ``"re2"``, or ``"regex"`` (no screen)."""
        return "hyperscan" if self._screen is not None else "re2" if self._set is not None else "regex"

    @property
    def triggered_by_set(self) -> int:
        """How many patterns the RE2 set screens (the rest run on every text)."""
        return len(self._set_rules)

    def candidates(self, text: str) -> tuple[int, ...]:
        """The patterns that may match ``text`` (empty: none can)."""
        screen = self._screen
        if screen is not None:
            hits = screen.match(text)
            if not hits:  # the common case
                return self._always
            # A set of hits met before (most texts): its candidates, with no call to name them.
            named = self._names[0].get(hits[0] if len(hits) == 1 else frozenset(hits))
            return named if named is not None else self._named(hits, 0)
        if self._set is None:
            return self._all
        try:
            hits = self._set.Match(text)
        except UnicodeEncodeError:  # lone surrogates: RE2 reads UTF-8, and they have none
            hits = self._set.Match(text.encode("utf-8", "replace"))
        if not hits:
            return self._all  # the sentinel always matches: no answer means RE2 gave up
        return self._named(hits, 1)

    def _named(self, hits: Sequence[int], offset: int) -> tuple[int, ...]:
        """The candidates of a screen's ``hits`` (trigger indices, ``offset`` after the set rules').

        Texts meet few sets of triggers (a hundred over thousands of log lines), so each set's
        answer is kept, keyed by the trigger alone (most hit one) or the set: bounded, cleared whole when full.
        """
        key: int | frozenset[int] = hits[0] if len(hits) == 1 else frozenset(hits)
        names = self._names[offset]
        named = names.get(key)
        if named is None:
            rules = self._set_rules
            named = tuple(sorted([rules[hit - offset] for hit in set(hits) if hit >= offset] + list(self._always)))
            if len(names) >= _NAMES_SIZE:
                names.clear()
            names[key] = named
        return named

    def find(self, text: str, candidates: Sequence[int],
             known: Sequence[tuple[int, int, str]] = ()) -> list[Finding]:
        """The findings of the ``candidates`` patterns in ``text``, checked as Presidio checks them.

        A match inside one of the ``known`` spans (the event's own values, found
        already) is left unchecked: it is redacted either way, and a phone's
        validation costs tens of µs; a pattern whose every match those spans
        hold is not run (:mod:`._confined`).  The answer is then this event's, not the text's.
        """
        found: list[Finding] = []
        rules, check = self._rules, self._check
        for index in candidates:
            rule = rules[index]
            if known and rule.confined is not None and covered(text, rule.confined, known):
                continue
            for match in rule.matches(text):
                if known and _inside(known, match.start(), match.end()):
                    continue
                found.extend(check(text, rule, match))
        return found

    @staticmethod
    def _check(text: str, rule: _Rule, match: Any) -> list[Finding]:
        entity = rule.entity
        start, end = match.span()
        trims = entity.trims
        for stop in [cut if (cut := match.end(group)) > 0 else end for group in trims] if trims else (end,):
            finding = _checked(text, rule, start, stop)
            if finding is not None:
                return [] if finding.score < SCORE_THRESHOLD else [finding]
        if entity.parts is None:
            return []
        found: list[Finding] = []
        taken = start
        for a, b in entity.parts(text[start:end]):
            if start + a < taken:
                continue  # inside a piece already found
            finding = _checked(text, rule, start + a, start + b)
            if finding is not None and finding.score >= SCORE_THRESHOLD:
                found.append(finding)
                taken = finding.end
        return found


def _inside(spans: Sequence[tuple[int, int, str]], start: int, end: int) -> bool:
    for a, b, _ in spans:  # noqa: SIM110  (a loop, not any() over a generator: a few spans, asked per match)
        if a <= start and end <= b:
            return True
    return False


def _checked(text: str, rule: _Rule, start: int, end: int) -> Finding | None:
    """The finding ``text[start:end]`` makes after the recognizer's checks (any score); ``None`` if dropped."""
    entity = rule.entity
    value = text[start:end]
    if not value:
        return None
    score = rule.score
    if entity.validate is not None:
        verdict = entity.validate(value)
        if verdict is not None:
            score = 1.0 if verdict else 0.0
    if score > 0.0 and entity.invalidate is not None and entity.invalidate(value):  # dropped already: not asked
        score = 0.0
    if score <= 0.0 or (entity.veto is not None and entity.veto(text, start, end)):
        return None
    if score < 1.0 and entity.context and near_context(text, start, end, entity.context):
        score = min(max(score + _CONTEXT_BOOST, _CONTEXT_FLOOR), 1.0)
    return Finding(start, end, entity.entity_type, score)


def near_context(text: str, start: int, end: int, words: Iterable[str]) -> bool:
    """One of ``words`` among the five words before ``text[start:end]`` or the two after it (any case)."""
    wanted = {word.lower() for word in words}
    before = _WORD.findall(text, max(0, start - 80), start)[-_CONTEXT_BEFORE:]
    after = _WORD.findall(text, end, end + 40)[:_CONTEXT_AFTER]
    return any(word.lower() in wanted for word in before + after)


@functools.cache
def _shared() -> PatternPass:
    return PatternPass(ENTITIES)


def builtin_pass(extra: Sequence[EntitySpec] = ()) -> PatternPass:
    """The pass of the built-in registry (built once per process), or of it plus ``extra`` rows."""
    return PatternPass(ENTITIES + tuple(extra)) if extra else _shared()
