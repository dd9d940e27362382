"""Patterns whose matches the event's known values already cover: told from the text, without a search.

The pass leaves a match inside a known span unchecked (it is redacted either
way), but it still runs the pattern to find it: Presidio's e-mail pattern tries
every word of a message that names the contact's own address.  For some
patterns two facts, read from the pattern at build time, say that every match
lies inside known spans before any search:

- *anchors*: the characters one of which starts every match of the row's
  trigger (``@``, ``%`` and ``&`` for an e-mail's ``@``).  Every match of the
  pattern that makes a finding holds a match of its trigger (what the screen
  relies on: an IBAN's trigger is its country codes, and the checks drop any
  other two letters), so it holds one of them.
- *stops*: the separators (white space, quotes, brackets, ``,;:=/?``) that no
  character of a match can be.

Such a match holds an anchor and no stop, so it lies within the stretch of text
around that anchor that no stop breaks.  When every anchor in the text stands
in a known span bounded on both sides by a stop (or the text's ends), each such
stretch lies inside its span, and so does every such match: the pass would
leave it unchecked, so the pattern can add no finding and is not run.  A text holding an anchor anywhere else runs it as before.

Both facts are read from the parse tree of Python's ``re``, so only for the
built-in rows (which run on it where it reads them; a user's run on ``regex``,
whose dialect reads ``[[:space:]]`` otherwise).  A construct this reads no
further than it knows -- a class it cannot place an anchor in, a pattern ``re``
cannot parse -- leaves the row without them, and it always runs.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

if sys.version_info >= (3, 11):
    from re import _parser
else:  # pragma: no cover - Python 3.10 names it sre_parse (3.11 warns on that name)
    import sre_parse as _parser

__all__ = ["Confinement", "confinement", "covered"]

# Characters that end a word in logs and markup; each row keeps those its pattern never matches.
SEPARATORS = " \t\n\r\f\v\"'<>()[]{},;:=/?&|"

Confinement = tuple[str, frozenset[str]]
"""A row's anchors (a string of characters) and its stops (characters no match holds)."""


class _Unknown(Exception):
    """A construct whose anchors or characters this module does not work out."""


def confinement(trigger: str, pattern: str, flags: int) -> Confinement | None:
    """The anchors of ``trigger`` and the stops of ``pattern`` (``flags`` for both); ``None`` if either is unknown."""
    try:
        anchors = _first(_parser.parse(trigger, flags), bool(flags & re.IGNORECASE))
        parsed = _parser.parse(pattern, flags)
    except (re.error, _Unknown, RecursionError):
        return None
    stops = frozenset(ch for ch in SEPARATORS if not _may_hold(parsed.data, ch))
    return ("".join(sorted(anchors)), stops) if stops and anchors is not None else None


def covered(text: str, confined: Confinement, known: Sequence[tuple[int, int, str]]) -> bool:
    """Whether every anchor in ``text`` lies in one of the ``known`` spans that stops bound on both sides."""
    anchors, stops = confined
    end = len(text)
    for anchor in anchors:
        if anchor not in text:  # most anchors are absent: asked without find()'s argument parsing
            continue
        at = text.find(anchor)
        while at >= 0:
            for a, b, _ in known:  # a few spans
                if a <= at < b and (a == 0 or text[a - 1] in stops) and (b == end or text[b] in stops):
                    break
            else:
                return False
            at = text.find(anchor, at + 1)
    return True


def _first(parsed: Any, caseless: bool) -> frozenset[str] | None:
    """The characters that start every match of ``parsed``; ``None`` when it may match the empty string."""
    chars, nullable = _first_of(parsed.data, caseless or bool(parsed.state.flags & re.IGNORECASE))
    return None if nullable else chars


def _first_of(items: Sequence[tuple[Any, Any]], caseless: bool) -> tuple[frozenset[str], bool]:
    """The first characters of a sequence, and whether it may match the empty string."""
    chars: frozenset[str] = frozenset()
    for op, value in items:
        kind = str(op)
        if kind in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # matches no character
        if kind == "LITERAL":
            char = chr(value)
            if caseless and not (char.isascii() and not char.isalpha()):
                raise _Unknown("a letter without case")  # its other cases (and Unicode's) would be anchors too
            return chars | {char}, False
        if kind == "SUBPATTERN":
            _, add, remove, inner = value
            found, nullable = _first_of(inner, (caseless or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE)
        elif kind == "BRANCH":
            found, nullable = frozenset(), False
            for branch in value[1]:
                some, empty = _first_of(branch, caseless)
                found, nullable = found | some, nullable or empty
        elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, inner = value
            found, nullable = _first_of(inner, caseless)
            nullable = nullable or low == 0
        elif kind == "ATOMIC_GROUP":
            found, nullable = _first_of(value, caseless)
        else:  # a class, any character, a back-reference: too many, or unknown
            raise _Unknown(kind)
        chars |= found
        if not nullable:
            return chars, False
    return chars, True


def _may_hold(items: Sequence[tuple[Any, Any]], char: str) -> bool:
    """Whether a match of a sequence may hold ``char`` (a separator: the same in any case)."""
    for op, value in items:
        kind = str(op)
        if kind in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # a look-around reads characters around the match, not in it
        if kind == "LITERAL":
            held = chr(value) == char
        elif kind == "IN":
            held = _in_class(value, char)
        elif kind == "SUBPATTERN":
            held = _may_hold(value[3], char)
        elif kind == "BRANCH":
            held = any(_may_hold(branch, char) for branch in value[1])
        elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            held = _may_hold(value[2], char)
        elif kind == "ATOMIC_GROUP":
            held = _may_hold(value, char)
        else:  # NOT_LITERAL, ANY, a back-reference, anything unknown: it may
            held = True
        if held:
            return True
    return False


_CATEGORIES: dict[str, Callable[[str], bool]] = {
    "CATEGORY_DIGIT": str.isdecimal, "CATEGORY_SPACE": str.isspace,
    "CATEGORY_WORD": lambda char: char.isalnum() or char == "_",
}


def _in_class(items: Sequence[tuple[Any, Any]], char: str) -> bool:
    """Whether the class ``[...]`` of ``items`` matches ``char`` (unknown members: it may)."""
    negated = False
    member = False
    for op, value in items:
        kind = str(op)
        if kind == "NEGATE":
            negated = True
        elif kind == "LITERAL":
            member = member or chr(value) == char
        elif kind == "RANGE":
            member = member or value[0] <= ord(char) <= value[1]
        elif kind == "CATEGORY":
            name = str(value)
            test = _CATEGORIES.get(name.replace("NOT_", ""))
            if test is None:
                return True
            member = member or test(char) != name.startswith("CATEGORY_NOT_")
        else:
            return True
    return member != negated
