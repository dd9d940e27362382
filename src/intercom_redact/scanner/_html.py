"""A plain-text view of an HTML body, with every character mapped back to its source.

Intercom bodies are HTML fragments.  Running recognizers on the raw markup
glues words to tags (spaCy reads ``Walker</p><p`` as one token) and hides
data in attributes, so the scanner reads a *view* instead:

* text nodes with character references decoded (``&amp;`` -> ``&``,
  ``&nbsp;`` -> a space);
* block tags (``<p>``, ``<br>``, ``<div>``, ``<li>`` ...) become a newline,
  inline tags (``<b>``, ``<i>``, ``<span>``, ``<a>``) vanish, so
  ``<b>Jane</b> Doe`` reads ``Jane Doe``;
* attribute values (``href`` with ``mailto:``/``tel:`` links, ``title``,
  ``alt``, and every other one: ``data-email="…"`` carries data too) and
  comments (``<!-- customer: jane@example.com -->``) are inserted at their
  place between newlines.

``starts[i]``/``ends[i]`` give the source range of view character ``i``, so a
finding in the view maps back to a range of the original string.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable

__all__ = ["TextView", "extract", "tag_spans"]

# One pass over the markup: comments, tags (quoted attribute values may hold '>'),
# character references.  Anything else is text; a lone '<' that opens no tag is text too.
_TOKEN = re.compile(
    r"""<!--.*?(?:-->|\Z)"""
    # A tag body never holds "<": "<a <a <a" without ">" must not rescan to the end.
    r"""|<[A-Za-z/!?](?:"[^"<]*"|'[^'<]*'|[^'"<>])*>"""
    r"""|&(?:\#[0-9]{1,7}|\#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?""",
    re.S,
)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9:-]*)")
_ATTR = re.compile(
    r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)
_BLOCK_TAGS = frozenset(
    ["address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"]
)


class TextView:
    """The text a reader of an HTML body sees, mapped back to the markup.

    :ivar text: the view string the recognizers run on.
    :ivar starts: ``starts[i]`` is the source offset where view char ``i`` begins.
    :ivar ends: ``ends[i]`` is the source offset where view char ``i`` ends.
    :ivar attrs: view ranges ``(start, end)`` of attribute values; a finding
        never crosses their edges, because its replacement must stay inside
        the quotes.
    """

    __slots__ = ("attrs", "ends", "starts", "text")

    def __init__(self, text: str, starts: list[int], ends: list[int],
                 attrs: tuple[tuple[int, int], ...]) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends
        self.attrs = attrs

    def to_source(self, start: int, end: int) -> list[tuple[int, int]]:
        """The source ranges of the view range ``[start, end)``.

        One range, unless the view range crosses the edge of an attribute
        value: then one per side, each trimmed of the separators around it.
        """
        cuts = [start, end]
        for a_start, a_end in self.attrs:
            if a_start < end and start < a_end:
                cuts.extend(c for c in (a_start, a_end) if start < c < end)
        if len(cuts) > 2:
            cuts.sort()
        text = self.text
        ranges = []
        for lo, hi in zip(cuts, cuts[1:]):
            while lo < hi and text[lo].isspace():
                lo += 1
            while hi > lo and text[hi - 1].isspace():
                hi -= 1
            if lo < hi:
                ranges.append((self.starts[lo], self.ends[hi - 1]))
        return ranges


# What a tag without attribute values ("<p>", "</b>", "<br/>") does, by its text: True for a
# line break (a block tag), False for nothing.  Bodies repeat the same few; bounded.
_BARE_TAGS: dict[str, bool] = {}
_BARE_TAGS_SIZE = 512
_BARE_TAG_LENGTH = 32


@functools.lru_cache(maxsize=256)
def _decode(ref: str) -> str:
    decoded = html.unescape(ref)
    return " " if decoded == "\xa0" else decoded


def extract(markup: str) -> TextView:
    """Build the :class:`TextView` of an HTML fragment (never raises on bad markup)."""
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    attrs: list[tuple[int, int]] = []
    length = 0  # len("".join(parts)), kept as we go

    def plain(lo: int, hi: int) -> None:
        nonlocal length
        parts.append(markup[lo:hi])
        starts.extend(range(lo, hi))
        ends.extend(range(lo + 1, hi + 1))
        length += hi - lo

    def emit(chars: str, lo: int, hi: int) -> None:
        nonlocal length
        parts.append(chars)
        starts.extend([lo] * len(chars))
        ends.extend([hi] * len(chars))
        length += len(chars)

    pos = 0
    for match in _TOKEN.finditer(markup):
        lo, hi = match.span()
        if lo > pos:
            plain(pos, lo)
        pos = hi
        token = match.group()
        bare = _BARE_TAGS.get(token)
        if bare is not None:  # the usual tag: nothing to parse
            if bare:
                emit("\n", lo, lo)
            continue
        if token[0] == "&":
            decoded = _decode(token)
            if decoded == token:
                plain(lo, hi)  # not a known reference: literal text
            else:
                emit(decoded, lo, hi)
            continue
        if token.startswith("<!--"):  # a comment is text nobody sees, but it is sent: scanned too
            body_end = hi - 3 if token.endswith("-->") and len(token) >= 7 else hi
            emit("\n", lo, lo)
            a_start = length
            plain(lo + 4, body_end)
            attrs.append((a_start, length))
            emit("\n", hi, hi)
            continue
        if token.startswith("<!"):
            _remember_bare(token, False)
            continue
        name = _TAG_NAME.match(token)
        block = name is not None and name.group(1).lower() in _BLOCK_TAGS
        if block:
            emit("\n", lo, lo)
        valued = False
        if name is not None and token[1] != "/":
            for attr in _ATTR.finditer(token, name.end(), len(token) - 1):
                group = next((g for g in (2, 3, 4) if attr.group(g)), None)
                if group is None:
                    continue
                valued = True
                emit("\n", lo, lo)
                a_start = length
                _emit_value(markup, attr.start(group) + lo, attr.end(group) + lo, plain, emit)
                attrs.append((a_start, length))
                emit("\n", hi, hi)
        if not valued:
            _remember_bare(token, block)
    if pos < len(markup):
        plain(pos, len(markup))
    return TextView("".join(parts), starts, ends, tuple(attrs))


def _remember_bare(token: str, block: bool) -> None:
    if len(token) <= _BARE_TAG_LENGTH:
        if len(_BARE_TAGS) >= _BARE_TAGS_SIZE:
            _BARE_TAGS.clear()
        _BARE_TAGS[token] = block


def _emit_value(markup: str, lo: int, hi: int, plain: Callable[[int, int], None],
                emit: Callable[[str, int, int], None]) -> None:
    # Attribute values carry character references too (``&amp;`` in query strings).
    pos = lo
    for ref in _TOKEN.finditer(markup, lo, hi):
        if ref.group()[0] != "&":
            continue
        if ref.start() > pos:
            plain(pos, ref.start())
        decoded = _decode(ref.group())
        if decoded == ref.group():
            plain(ref.start(), ref.end())
        else:
            emit(decoded, ref.start(), ref.end())
        pos = ref.end()
    if pos < hi:
        plain(pos, hi)


def tag_spans(markup: str) -> list[tuple[int, int]]:
    """Source ranges of the tags and comments in ``markup``, in order."""
    return [m.span() for m in _TOKEN.finditer(markup) if m.group()[0] == "<"]
