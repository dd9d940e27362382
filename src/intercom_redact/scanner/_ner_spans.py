"""The NER model's PERSON spans, made whole: the title, initials and surname it left out.

spaCy's small English model often ends a name early ("Anna" of "Anna A.
Andersson", "Milorad" of "Milorad S Musić"), leaves out the title ("Mr" of
"Mr Graham McCaskill") and may run over a line break into the next line
("Galarneau\\n\\n0165 Erzsébet").  So a PERSON span is cut at its first line
break, then grown over the given name (:mod:`._first_names`) and the titles
just before it, and over the initials and capitalised words just after it --
the same name words as the pattern rows (:data:`~._registry.NAME_WORD`), never
one of :data:`~._text_cues.NOT_NAME_WORDS` -- and a suffix ("Jr.", "PhD",
"MBA"); a possessive "'s" stays outside ("Riku Andou's Cautionary Tales").
A span of such words alone ("Stuck" of "I'm Stuck") is dropped.
Each step is one anchored match at the span's edge: a few microseconds a name.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

from ._findings import Finding
from ._first_names import is_given_name
from ._registry import NAME_PARTICLE, NAME_SUFFIX, NAME_TITLE, NAME_WORD
from ._text_cues import NOT_NAME_WORDS

__all__ = ["complete_person"]

_MAX_WORDS_ADDED = 3  # a name of four words at most, as the pattern rows read them
_TITLE_REACH = 32  # characters before a span searched for its titles
_NEXT_WORD = regex.compile(
    rf"(?<![ \t])[ \t]+(?:{NAME_PARTICLE}[ \t]+)*(?:\p{{Lu}}\.?[ \t]+)?(?:{NAME_PARTICLE}[ \t]+)*"
    rf"(?P<word>{NAME_WORD})(?![\p{{L}}\p{{M}}\p{{N}}_@/])"
)
_SUFFIX = regex.compile(NAME_SUFFIX)
_GIVEN_BEFORE = regex.compile(r"(?<![\p{L}\p{M}'’.\-])\p{Lu}\p{Ll}+(?=[ \t]+\Z)")
_TITLES_BEFORE = regex.compile(rf"(?<![\p{{L}}\p{{M}}]){NAME_TITLE}(?:{NAME_TITLE})?\Z")
_POSSESSIVE = ("'s", "’s")


def complete_person(text: str, findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` with each PERSON span cut at a line break and grown over its title, initials, surname."""
    out = []
    for finding in findings:
        if finding.entity_type == "PERSON":
            span = _complete(text, finding.start, finding.end)
            if span is None:
                continue
            finding = Finding(span[0], span[1], finding.entity_type, finding.score)
        out.append(finding)
    return out


def _complete(text: str, start: int, end: int) -> tuple[int, int] | None:
    newline = text.find("\n", start, end)
    if newline >= 0:
        end = newline
    while end > start and text[end - 1] in " \t":
        end -= 1
    if text.endswith(_POSSESSIVE, start, end):
        end -= 2
    if end <= start or all(word.strip(".,").lower() in NOT_NAME_WORDS for word in text[start:end].split()):
        return None  # "I'm Stuck", "Support": no name
    for _ in range(_MAX_WORDS_ADDED):
        step = _NEXT_WORD.match(text, end)
        if step is None or step.group("word").lower() in NOT_NAME_WORDS:
            break
        end = step.end()
    suffix = _SUFFIX.match(text, end)
    if suffix is not None:
        end = suffix.end()
    given = _GIVEN_BEFORE.search(text, max(0, start - _TITLE_REACH), start)
    if given is not None and is_given_name(given.group()):
        start = given.start()
    titles = _TITLES_BEFORE.search(text, max(0, start - _TITLE_REACH), start)
    if titles is not None:
        start = titles.start()
    return start, end
