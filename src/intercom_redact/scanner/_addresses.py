"""Address blocks: a street finding grows over the rest of its address.

The street patterns find the line that makes a text an address ("1788
Heritage Drive", "Degnehøjvej 45", "PSC 3687, Box 9420"); the rest of the
address -- the building number or unit before it, the unit after it, the
city, region code, postcode and country on the same line or the next few
lines -- has no shape of its own ("Calgary", "Canada") and is only personal
*because* it follows a street.  So this step runs after the pattern pass,
only on texts where a street was found, and extends each street finding:

* backwards over a unit ("Apt. 975 ") and a building number ("1272 ") on its line
  (a unit may stand on the line above, as UK addresses write it);
* forwards, one part at a time, over what an address block holds: a unit
  ("Suite 111", "#5", "Box 12"), a door or staircase on the street's line
  ("3 A 4"), a postcode (digits, the UK and Canadian layouts), and places:
  one to four capitalised words with the particles of place names
  ("Villanueva del Pardillo"), optionally a postcode after them
  ("Springfield, IL 62704", "Iceland 33478").

Parts are separated by spaces, commas and line breaks (with a line's leading
spaces and quote marks).  The block stops at sentence text: a part holding a
function word (:data:`~._text_cues.FUNCTION_WORDS`; a region code in
capitals such as "IN" or "ME" is not one), a part on a line of its own
followed by a lower-case word ("Best regards"), a blank line unless a
postcode follows it (Intercom's composer writes each line as a paragraph:
"<p>10 Elm Road</p><p>Leeds LS1 4AP</p>"), and at most
:data:`MAX_LINES` line breaks and :data:`MAX_GROWTH` characters.

Every step is an anchored match of a bounded pattern, so the step is linear
in the text; it never raises into the scan (the scanner fails the text
closed if it does).
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from ._findings import Finding
from ._text_cues import ADDRESS_PARTICLES, FUNCTION_WORDS, UNIT_TYPES, alternation

__all__ = ["MAX_GROWTH", "MAX_LINES", "address_blocks"]

MAX_GROWTH = 240
"""Characters a block may grow after its street (before it: a building number and a unit)."""
MAX_LINES = 5
"""Line breaks a block may cross after its street."""
_MAX_PARTS = 10
_LOOK_BEHIND = 40  # characters searched for a building number or unit before the street

_UNIT = rf"(?i:(?:p\.?[ \t]?o\.?[ \t]?)?(?:{alternation(UNIT_TYPES)})\b\.?[ \t]*(?:no\.?[ \t]*)?\#?[ \t]*\d[\w\-/]*|\#[ \t]?\d[\w\-]*)"
_POSTCODE = (
    r"(?:\d{3,6}(?:[ \-]\d{2,4})?"  # 62704, 114 55, 00-950, 1100-148, 62704-1234
    r"|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}"  # UK
    r"|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)"  # Canada
)
_WORD = r"(?:[dl]['’])?\p{Lu}[\p{L}\p{M}'’.\-]*"  # Orange, d'Orange
_PLACE = (
    rf"(?P<words>{_WORD}(?:[ \t]+(?:(?:{alternation(ADDRESS_PARTICLES)})[ \t]+)?(?:{_WORD}|\([\p{{L}} ]{{1,20}}\))){{0,3}})"
    rf"(?:,?[ \t]+(?P<code>{_POSTCODE}))?"
)
# A separator: spaces, one comma, a line break with the next line's leading spaces and quote marks.
_SEPARATOR = r"(?P<sep>[ \t]*(?:,[ \t]*)?(?:\n[ \t>|}?]*(?:,[ \t]*)?){0,2})"
_END = r"(?![\w\-/@])"
_NEXT = regex.compile(
    rf"(?<![ \t])(?=[ \t,\n]){_SEPARATOR}(?:(?P<unit>{_UNIT})|(?P<postcode>{_POSTCODE})|(?P<door>\d{{1,2}}[A-Za-z]?)|{_PLACE}){_END}"
)
# Searched backwards ((?r): the regex module tries the end first), from the street's start.
_NUMBER_BEFORE = regex.compile(r"(?r)(?<![\w.\-/:])\d{1,6}[A-Za-z]?[ \t]+\Z")  # "3278 1788 Heritage Drive"
_UNIT_BEFORE = regex.compile(rf"(?r)(?<![\w.\-/]){_UNIT}[ \t]*(?:,[ \t]*)?(?:\n[ \t]*)?\Z")  # "Apt. 975 1272 Byvej 35"
_LOWER_WORD_NEXT = regex.compile(r"(?<![ \t])[ \t]+\p{Ll}")


def address_blocks(text: str, found: Sequence[Finding]) -> list[Finding]:
    """``found`` with each ``STREET_ADDRESS`` finding grown over the rest of its address block.

    A finding inside a grown block is the block's ("3278 1788 Heritage Drive" holds a
    phone-shaped run): it is dropped, its score kept by the block.
    """
    streets = sorted((f for f in found if f.entity_type == "STREET_ADDRESS"), key=lambda f: f.start)
    if not streets:
        return list(found)
    blocks: list[Finding] = []
    for street in streets:
        if blocks and street.end <= blocks[-1].end:
            continue
        blocks.append(Finding(_grow_back(text, street.start), _grow_forward(text, street.end),
                              street.entity_type, street.score))
    others = [f for f in found if f.entity_type != "STREET_ADDRESS"]
    out = [f for f in others if not any(b.start <= f.start and f.end <= b.end for b in blocks)]
    for block in blocks:
        inside = [f.score for f in others if block.start <= f.start and f.end <= block.end]
        out.append(Finding(block.start, block.end, block.entity_type, max([block.score, *inside])))
    return out


def _grow_back(text: str, start: int) -> int:
    # At most one building number, then a unit: "Apt. 975 1272 Byvej 35", not "1987, 1988 Larry Wall".
    for before in (_UNIT_BEFORE, _NUMBER_BEFORE, _UNIT_BEFORE):
        match = before.search(text, max(0, start - _LOOK_BEHIND), start)
        if match is not None:
            start = match.start()
            if before is _UNIT_BEFORE:
                break  # a unit opens the block
    return start


def _grow_forward(text: str, street_end: int) -> int:
    end = street_end
    limit = min(len(text), end + MAX_GROWTH)
    lines = 0
    for _ in range(_MAX_PARTS):
        match = _NEXT.match(text, end, limit)
        if match is None or not _part_fits(text, match):
            break
        if match.group("door") is not None and "\n" in match.group("sep"):
            break  # a door or staircase number stands on the street's line: "Kiannonkatu 3 A 4"
        breaks = match.group("sep").count("\n")
        lines += breaks
        if lines > MAX_LINES or (breaks > 1 and match.group("postcode") is None and match.group("code") is None):
            break  # past a blank line, only a line with a postcode still belongs
        end = match.end()
    if end > street_end and text[end - 1] == "." and text[end - 2:end - 1].isalpha():
        end -= 1  # the sentence's full stop, not the place's
    return end


def _part_fits(text: str, match: regex.Match[str]) -> bool:
    """A place part is a name, not the start of a sentence."""
    words = match.group("words")
    if words is None:
        return True
    if any(_sentence_word(word) for word in words.split()):
        return False
    if match.group("code") is not None or "\n" not in match.group("sep"):
        return True  # on the street's line, capitalised words after it are its city
    return _LOWER_WORD_NEXT.match(text, match.end()) is None


def _sentence_word(word: str) -> bool:
    """A function word, unless written as a region code or a staircase ("IL", "BY", "A")."""
    bare = word.strip(".,()")
    return bare.lower() in FUNCTION_WORDS and not (bare.isupper() and len(bare) <= 3 and bare != "I")
