"""A trigger rewritten to read UTF-8 as bytes: what Hyperscan runs fastest.

Triggers widen Python's Unicode classes to "their ASCII members plus every
non-ASCII character" (:func:`~._patterns.to_re2`).  In Hyperscan's UTF-8 mode
that member is a many-state automaton of lead and continuation bytes, and a
class of it repeated (``[0-9\\x{80}-\\x{10FFFF}]{12}``) pushes the database
onto slow NFA engines.  Read as bytes, the same member is one range,
``\\x80-\\xff``, and the class a single byte class.

A character is then one to four bytes, so a class that holds the non-ASCII
range (and every negated class, and ``.``) matches a *run* of bytes: an atom
alone becomes ``+``, ``?`` and ``*`` become ``*``, and ``{n}`` or ``{n,m}``
becomes ``{n,}``.  Each part of the rewritten trigger matches the bytes of
whatever its original matched, so the whole matches wherever the trigger
did: a superset, as a trigger may be.  Case-insensitive ASCII letters bring
the non-ASCII letters Python folds to them (``K`` Kelvin sign for ``k``,
``ſ`` for ``s``, ``İ`` and ``ı`` for ``i``) as their UTF-8 bytes.

A trigger holding any other non-ASCII character or range (``–``, ``ß``,
a CJK block) has no rewrite: :func:`byte_trigger` answers ``None`` and it is
compiled in UTF-8 mode, in the same database.

Most texts are all ASCII, and on those a trigger means less: its
:func:`ascii_trigger` keeps only what can match an ASCII text.  A class keeps
its ASCII members (``[A-Z\\x{80}-\\x{10FFFF}]`` is ``[A-Z]``; negated, it
holds no byte from ``\\x80``), ``.`` is an ASCII character, a branch needing
a non-ASCII character goes (the whole trigger, where none is left), and a
counted repeat keeps its count: a character is one byte.  Hyperscan's second
database of these reads an ASCII text for a third less than the first.  As a
twin, a class holding every non-ASCII character brings no case partners: its
ASCII members, folded, stand for its letters.
"""

from __future__ import annotations

import re
import sys
from typing import Any

if sys.version_info >= (3, 11):
    from re import _constants as _sre
    from re import _parser
else:  # pragma: no cover - Python 3.10 names them sre_constants and sre_parse
    import sre_constants as _sre
    import sre_parse as _parser

__all__ = ["CASE_PARTNERS", "ascii_trigger", "byte_trigger"]

CASE_PARTNERS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
"""The non-ASCII letters ``re`` or ``regex`` match case-insensitively with an ASCII one (``tests`` derive them)."""

_MAX = 0x10FFFF
_REPEAT = re.compile(r"\{(\d+)(,\d*)?\}")
_FLAGS = re.compile(r"\(\?([ims]*)([:)])")
_NAMED = re.compile(r"\(\?P?<\w+>")
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_SHORTHANDS = "dwsDWS"  # RE2's are ASCII, as Hyperscan's in byte mode are
_READ_OTHERWISE = re.compile(r"\[:\^?[a-z]+:\]|\{,")  # a POSIX class, a literal "{,": RE2 and re differ
_RE2_ESCAPE = re.compile(r"\\(?:x\{([0-9A-Fa-f]+)\}|(.))", re.DOTALL)
_ASCII = frozenset(range(0x80))
_CATEGORIES = {  # RE2's shorthands: ASCII
    _sre.CATEGORY_DIGIT: frozenset(range(0x30, 0x3A)),
    _sre.CATEGORY_WORD: frozenset([*range(0x30, 0x3A), *range(0x41, 0x5B), 0x5F, *range(0x61, 0x7B)]),
    _sre.CATEGORY_SPACE: frozenset(b"\t\n\f\r "),
}
_CATEGORIES.update({_sre.CATEGORY_NOT_DIGIT: _ASCII - _CATEGORIES[_sre.CATEGORY_DIGIT],
                    _sre.CATEGORY_NOT_WORD: _ASCII - _CATEGORIES[_sre.CATEGORY_WORD],
                    _sre.CATEGORY_NOT_SPACE: _ASCII - _CATEGORIES[_sre.CATEGORY_SPACE]})
_PARTNER_OF = {ord(partner): ord(letter) for letter, partners in CASE_PARTNERS.items() for partner in partners}
_AT = {_sre.AT_BEGINNING: "^", _sre.AT_END: "$", _sre.AT_BEGINNING_STRING: r"\A", _sre.AT_END_STRING: r"\z"}
_INLINE = ((_sre.SRE_FLAG_IGNORECASE, "i"), (_sre.SRE_FLAG_MULTILINE, "m"), (_sre.SRE_FLAG_DOTALL, "s"))


class _NoRewrite(Exception):
    pass


class _Never(Exception):
    """What was read cannot match an ASCII text."""


def byte_trigger(trigger: str) -> str | None:
    """``trigger`` (RE2 syntax) as a byte-mode Hyperscan pattern matching wherever it matches; ``None`` if none."""
    caseless = any("i" in flags.group(1) for flags in _FLAGS.finditer(trigger))
    try:
        return _Rewrite(trigger, caseless).run()
    except (_NoRewrite, IndexError, ValueError):
        return None


def ascii_trigger(trigger: str) -> str | None:
    """``trigger`` (RE2 syntax) for ASCII texts, in byte mode: matching where it does; ``None``: it cannot match one.

    :raises ValueError: ``trigger`` holds a construct this does not read (keep it as it is: right on any text).
    """
    if _READ_OTHERWISE.search(trigger):
        raise ValueError(trigger)
    source = _RE2_ESCAPE.sub(_python_escape, trigger)
    try:
        parsed = _parser.parse(source)
        flags = parsed.state.flags
        body = _sequence(parsed.data, flags)
    except _Never:
        return None
    except (re.error, RecursionError) as error:  # RE2 nests groups deeper than re's parser or this reads
        raise ValueError(trigger) from error
    inline = "".join(letter for flag, letter in _INLINE if flags & flag)
    return f"(?{inline}){body}" if inline else body


def _python_escape(escape: re.Match[str]) -> str:
    """An RE2 escape as ``re`` spells it (``\\x{…}``, ``\\z``); any other as it is."""
    if escape.group(1) is not None:
        return f"\\U{int(escape.group(1), 16):08x}"
    return r"\Z" if escape.group(2) == "z" else escape.group()


def _sequence(items: Any, flags: int) -> str:
    return "".join(_item(op, value, flags) for op, value in items)


def _item(op: Any, value: Any, flags: int) -> str:
    """One node of ``re``'s parse tree, ASCII only, in byte mode (:class:`_Never`: it cannot match ASCII)."""
    caseless = bool(flags & _sre.SRE_FLAG_IGNORECASE)
    if op is _sre.LITERAL:
        return _ascii_letter(value, caseless)
    if op is _sre.NOT_LITERAL:
        return _class(_ASCII - _members([(_sre.LITERAL, value)], caseless))
    if op is _sre.ANY:
        return _class(_ASCII if flags & _sre.SRE_FLAG_DOTALL else _ASCII - {0x0A})
    if op is _sre.IN:
        negated = value[0][0] is _sre.NEGATE
        members = _members(value[1:] if negated else value, caseless)
        return _class(_ASCII - members if negated else members)
    if op is _sre.BRANCH:
        branches = []
        for branch in value[1]:
            try:
                branches.append(_sequence(branch, flags))
            except _Never:  # a branch that needs a non-ASCII character goes
                continue
        if not branches:
            raise _Never
        return "(?:" + "|".join(branches) + ")"
    if op is _sre.SUBPATTERN:  # no captures: a screen reports no groups
        _, on, off, inner = value
        body = _sequence(inner, (flags | on) & ~off)
        switched = "".join(letter for flag, letter in _INLINE if on & flag)
        switched += "".join(["-", *(letter for flag, letter in _INLINE if off & flag)]) if off else ""
        return f"(?{switched}:{body})" if switched else body
    if op is _sre.MAX_REPEAT or op is _sre.MIN_REPEAT:  # lazy or not: the same to a screen
        least, most, inner = value
        try:
            body = _sequence(inner, flags)
        except _Never:
            if least:
                raise
            return ""  # repeated none at all
        atom = len(inner) == 1 and inner[0][0] in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN)
        return (body if atom else f"(?:{body})") + _repeat(least, most)
    if op is _sre.AT and value in _AT:
        return _AT[value]
    raise ValueError(f"{op} in a trigger")


def _ascii_letter(code: int, caseless: bool) -> str:
    """A literal character on ASCII text: itself, or the ASCII letter it folds to; none (:class:`_Never`)."""
    if code >= 0x80:
        if not caseless or code not in _PARTNER_OF:
            raise _Never
        code = _PARTNER_OF[code]
    return chr(code) if chr(code).isalnum() else f"\\x{code:02x}"


def _members(items: Any, caseless: bool) -> frozenset[int]:
    """The ASCII members of a class's ``items`` (case-folded when ``caseless``)."""
    members: set[int] = set()
    wide: list[tuple[int, int]] = []
    for op, value in items:
        if op is _sre.CATEGORY:
            if value not in _CATEGORIES:
                raise ValueError(f"{value} in a trigger")
            members |= _CATEGORIES[value]
            continue
        low, high = value if op is _sre.RANGE else (value, value)
        members.update(range(low, min(high, 0x7F) + 1))
        if high >= 0x80:
            wide.append((max(low, 0x80), high))
    if caseless and not _covers(wide):  # a class of every non-ASCII character stands for a Unicode one
        members.update(_PARTNER_OF[code] for code in _PARTNER_OF if any(low <= code <= high for low, high in wide))
    if caseless:
        members.update([ord(chr(code).lower()) for code in members] + [ord(chr(code).upper()) for code in members])
    return frozenset(members)


def _class(members: frozenset[int]) -> str:
    if not members:
        raise _Never
    row = bytearray(0x80)
    for code in members:
        row[code] = 1
    return "[" + _ranges(row) + "]"


def _repeat(least: int, most: int) -> str:
    if most == _sre.MAXREPEAT:
        return "*" if least == 0 else "+" if least == 1 else f"{{{least},}}"
    return "?" if (least, most) == (0, 1) else f"{{{least}}}" if least == most else f"{{{least},{most}}}"


class _Rewrite:
    """One pass over a trigger, emitting its byte-mode twin."""

    def __init__(self, trigger: str, caseless: bool) -> None:
        self.source = trigger
        self.caseless = caseless
        self.out: list[str] = []
        self.i = 0

    def run(self) -> str:
        source = self.source
        while self.i < len(source):
            char = source[self.i]
            if char == "\\":
                self._atom(*self._escape())
            elif char == "[":
                self._atom(*self._class())
            elif char == "(":
                self._group()
            elif char == ".":
                self.i += 1
                self._atom(".", True)
            elif char in ")|^$":
                self.out.append(char)
                self.i += 1
            elif char in "*+?{}":
                # A quantifier after a group or a one-byte atom keeps its meaning in bytes.
                quantifier = self._quantifier()
                if quantifier is None:  # a brace that opens no repeat is a literal one, in RE2 too
                    quantifier = "\\" + char
                    self.i += 1
                self.out.append(quantifier)
            elif ord(char) >= 0x80:
                raise _NoRewrite(char)
            else:
                self.i += 1
                self._atom(self._letter(char), False)
        return "".join(self.out)

    def _atom(self, text: str, runs: bool) -> None:
        """Emit an atom; one that ``runs`` (may be several bytes) takes its quantifier as a lower bound only."""
        self.out.append(text)
        if not runs:
            return
        quantifier = self._quantifier()
        least = 1 if quantifier is None else _least(quantifier)
        self.out.append("*" if least == 0 else "+" if least == 1 else f"{{{least},}}")
        if quantifier is not None and self.source.startswith("?", self.i):  # lazy: no meaning to a screen
            self.i += 1

    def _quantifier(self) -> str | None:
        source, i = self.source, self.i
        if i < len(source) and source[i] in "*+?":
            self.i += 1
            return source[i]
        repeat = _REPEAT.match(source, i)
        if repeat is None:
            return None
        self.i = repeat.end()
        return repeat.group()

    def _letter(self, char: str) -> str:
        partners = CASE_PARTNERS.get(char.lower(), "") if self.caseless else ""
        literal = re.escape(char)
        return "(?:" + "|".join([literal, *map(_utf8, partners)]) + ")" if partners else literal

    def _escape(self) -> tuple[str, bool]:
        source, i = self.source, self.i
        kind = source[i + 1]
        if kind == "x":
            code, self.i = _hex(source, i)
            if code >= 0x80:
                raise _NoRewrite("non-ASCII escape")
            return self._letter(chr(code)), False
        self.i = i + 2
        if kind in _SHORTHANDS:
            return source[i:i + 2], kind.isupper()  # \D, \W, \S hold every non-ASCII character
        if kind in "zA" or kind in _CONTROL:
            return source[i:i + 2], False
        if kind.isalnum() or ord(kind) >= 0x80:
            raise _NoRewrite(f"\\{kind}")
        return source[i:i + 2], False

    def _class(self) -> tuple[str, bool]:
        """A character class: its ASCII members, plus ``\\x80-\\xff`` when it held every non-ASCII one."""
        source = self.source
        i = self.i + 1
        negated = source.startswith("^", i)
        i += negated
        members = bytearray(0x80)
        shorthands: list[str] = []
        wide: list[tuple[int, int]] = []
        first = True
        while first or source[i] != "]":
            first = False
            low, i = self._member(i, shorthands)
            if low < 0:
                continue
            high = low
            if source[i] == "-" and source[i + 1] != "]":
                high, i = self._member(i + 1, shorthands)
                if high < low:
                    raise _NoRewrite("bad range")
            for code in range(low, min(high, 0x7F) + 1):
                members[code] = 1
            if high >= 0x80:
                wide.append((max(low, 0x80), high))
        self.i = i + 1
        every_wide = _covers(wide)
        if wide and not negated and not every_wide:
            raise _NoRewrite("a class of some non-ASCII characters")
        runs = negated or every_wide or any(s.isupper() for s in shorthands)
        if negated and any(s.isupper() for s in shorthands):
            raise _NoRewrite("negated class of a negated shorthand")
        body = _ranges(members) + "".join(shorthands)
        if negated:
            return ("[^" + body + "]" if body else r"[\x00-\xff]"), True
        text = "[" + body + (r"\x80-\xff" if every_wide else "") + "]"
        partners = "".join(CASE_PARTNERS.get(chr(c).lower(), "") for c in range(0x80) if members[c])
        if self.caseless and partners and not every_wide:
            text = "(?:" + "|".join([text, *map(_utf8, sorted(set(partners)))]) + ")"
        return text, runs

    def _member(self, i: int, shorthands: list[str]) -> tuple[int, int]:
        """The code point of the class member at ``i`` (``-1``: a shorthand), and the index after it."""
        source = self.source
        if source[i] != "\\":
            return ord(source[i]), i + 1
        kind = source[i + 1]
        if kind == "x":
            return _hex(source, i)
        if kind in _SHORTHANDS:
            shorthands.append(source[i:i + 2])
            return -1, i + 2
        if kind in _CONTROL:
            return ord(_CONTROL[kind]), i + 2
        if kind.isalnum():
            raise _NoRewrite(f"\\{kind} in a class")
        return ord(kind), i + 2

    def _group(self) -> None:
        source, i = self.source, self.i
        flags = _FLAGS.match(source, i)
        named = _NAMED.match(source, i)
        if source.startswith("(?:", i):
            self.out.append("(?:")
            self.i = i + 3
        elif flags is not None:
            self.out.append(flags.group())
            self.i = flags.end()
        elif named is not None:
            self.out.append("(?:")
            self.i = named.end()
        elif source.startswith("(?", i):
            raise _NoRewrite(source[i:i + 3])
        else:
            self.out.append("(?:")  # no captures: a screen reports no groups
            self.i = i + 1


def _least(quantifier: str) -> int:
    if quantifier in "?*":
        return 0
    if quantifier == "+":
        return 1
    return int(quantifier[1:].split(",")[0].rstrip("}"))


def _hex(source: str, at: int) -> tuple[int, int]:
    """The code point of ``\\x{…}`` or ``\\xHH`` at ``at``, and the index after it."""
    if source.startswith("{", at + 2):
        end = source.index("}", at)
        return int(source[at + 3:end], 16), end + 1
    return int(source[at + 2:at + 4], 16), at + 4


def _covers(ranges: list[tuple[int, int]]) -> bool:
    """Whether ``ranges`` cover every code point from 0x80 up."""
    reached = 0x7F
    for low, high in sorted(ranges):
        if low > reached + 1:
            return False
        reached = max(reached, high)
    return reached >= _MAX


def _ranges(members: bytearray) -> str:
    out = []
    code = 0
    while code < 0x80:
        if not members[code]:
            code += 1
            continue
        end = code
        while end + 1 < 0x80 and members[end + 1]:
            end += 1
        out.append(f"\\x{code:02x}" if end == code else f"\\x{code:02x}-\\x{end:02x}")
        code = end + 1
    return "".join(out)


def _utf8(char: str) -> str:
    return "".join(f"\\x{byte:02x}" for byte in char.encode("utf-8"))
