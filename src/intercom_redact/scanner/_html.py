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
finding in the view maps back to a range of the original string
(:meth:`TextView.to_source` finds it by bisection over the view's pieces).
"""

from __future__ import annotations

import functools
import html
import re
from bisect import bisect_right
from collections.abc import Callable

__all__ = ["TextView", "extract", "tag_spans"]

# One pass over the markup: comments, tags (quoted attribute values may hold '>'),
# character references.  Anything else is text; a lone '<' that opens no tag is text too.
# One group around it all, so split() returns the tokens between the texts.
_TOKEN = re.compile(
    r"""(<!--.*?(?:-->|\Z)"""
    # A tag body never holds "<": "<a <a <a" without ">" must not rescan to the end.
    r"""|<[A-Za-z/!?](?:"[^"<]*"|'[^'<]*'|[^'"<>])*>"""
    r"""|&(?:\#[0-9]{1,7}|\#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?)""",
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
    :ivar attrs: view ranges ``(start, end)`` of attribute values; a finding
        never crosses their edges, because its replacement must stay inside
        the quotes.

    The map is kept per *piece* of the view, not per character (a body has a
    few dozen pieces and hundreds of characters, and most bodies map only a
    few findings back): piece ``k`` starts at view offset ``_at[k]`` (``_at``
    ends with ``len(text)``) and is either source text copied as is
    (``_end[k]`` is ``_COPIED``: its char ``i`` is source char
    ``_src[k] + i - _at[k]``) or characters the markup stands for (a tag's
    newline, a decoded reference), which all map to source
    ``[_src[k], _end[k])``.  ``starts`` and ``ends`` spell the map out per
    character, on demand.
    """

    __slots__ = ("_at", "_end", "_src", "attrs", "text")

    def __init__(self, text: str, at: list[int], src: list[int], end: list[int],
                 attrs: tuple[tuple[int, int], ...]) -> None:
        self.text = text
        self._at = at
        self._src = src
        self._end = end
        self.attrs = attrs

    @property
    def starts(self) -> list[int]:
        """``starts[i]`` is the source offset where view char ``i`` begins."""
        return [start for start, _ in self._chars()]

    @property
    def ends(self) -> list[int]:
        """``ends[i]`` is the source offset where view char ``i`` ends."""
        return [end for _, end in self._chars()]

    def _chars(self) -> list[tuple[int, int]]:
        chars: list[tuple[int, int]] = []
        for at, next_at, src, end in zip(self._at, self._at[1:], self._src, self._end):
            if end == _COPIED:
                chars.extend((src + i, src + i + 1) for i in range(next_at - at))
            else:
                chars.extend([(src, end)] * (next_at - at))
        return chars

    def to_source(self, start: int, end: int) -> list[tuple[int, int]]:
        """The source ranges of the view range ``[start, end)``.

        One range, unless the view range crosses the edge of an attribute
        value: then one per side, each trimmed of the separators around it.
        """
        cuts = [start]
        for a_start, a_end in self.attrs:
            if start < a_start < end:
                cuts.append(a_start)
            if start < a_end < end:
                cuts.append(a_end)
        cuts.append(end)
        if len(cuts) > 2:
            cuts.sort()
        text = self.text
        ranges = []
        for lo, hi in zip(cuts, cuts[1:]):
            while lo < hi and text[lo].isspace():
                lo += 1
            while hi > lo and text[hi - 1].isspace():
                hi -= 1
            if lo < hi:  # where view chars lo and hi - 1 begin and end in the source
                at, src, stop = self._at, self._src, self._end
                k = bisect_right(at, lo) - 1
                first = src[k] + lo - at[k] if stop[k] == _COPIED else src[k]
                if hi > at[k + 1]:  # the range ends in a later piece
                    k = bisect_right(at, hi - 1, k) - 1
                ranges.append((first, src[k] + hi - at[k] if stop[k] == _COPIED else stop[k]))
        return ranges


# A piece's end when it is source text copied as is (see TextView).
_COPIED = -1

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
    at: list[int] = []
    src: list[int] = []
    ends: list[int] = []
    attrs: list[tuple[int, int]] = []
    length = 0  # len("".join(parts)), kept as we go

    def plain(lo: int, hi: int) -> None:
        nonlocal length
        if lo < hi:
            parts.append(markup[lo:hi])
            at.append(length)
            src.append(lo)
            ends.append(_COPIED)
            length += hi - lo

    def emit(chars: str, lo: int, hi: int) -> None:
        nonlocal length
        parts.append(chars)
        at.append(length)
        src.append(lo)
        ends.append(hi)
        length += len(chars)

    # split() alternates text (maybe empty) and tokens: text, token, text, ..., text.
    pieces = _TOKEN.split(markup)
    plain(0, len(pieces[0]))
    pos = len(pieces[0])
    for index in range(1, len(pieces), 2):
        token = pieces[index]
        lo = pos
        hi = pos = lo + len(token)
        bare = _BARE_TAGS.get(token)
        if bare is not None:  # the usual tag: nothing to parse
            if bare:
                emit("\n", lo, lo)
        elif token[0] == "&":
            decoded = _decode(token)
            if decoded == token:
                plain(lo, hi)  # not a known reference: literal text
            else:
                emit(decoded, lo, hi)
        elif token.startswith("<!--"):  # a comment is text nobody sees, but it is sent: scanned too
            body_end = hi - 3 if token.endswith("-->") and len(token) >= 7 else hi
            emit("\n", lo, lo)
            a_start = length
            plain(lo + 4, body_end)
            attrs.append((a_start, length))
            emit("\n", hi, hi)
        elif token.startswith("<!"):
            _remember_bare(token, False)
        else:
            name = _TAG_NAME.match(token)
            block = name is not None and name.group(1).lower() in _BLOCK_TAGS
            if block:
                emit("\n", lo, lo)
            valued = False
            if name is not None and token[1] != "/":
                for attr in _ATTR.finditer(token, name.end(), len(token) - 1):
                    group = attr.lastindex or 1  # the value's group (2, 3 or 4: one per quoting), else 1
                    if group == 1 or attr.start(group) == attr.end(group):  # no value, or an empty one
                        continue
                    valued = True
                    emit("\n", lo, lo)
                    a_start = length
                    _emit_value(markup, attr.start(group) + lo, attr.end(group) + lo, plain, emit)
                    attrs.append((a_start, length))
                    emit("\n", hi, hi)
            if not valued:
                _remember_bare(token, block)
        text = pieces[index + 1]
        if text:  # none between adjacent tags ("</p><p>")
            plain(pos, pos + len(text))
            pos += len(text)
    at.append(length)
    return TextView("".join(parts), at, src, ends, tuple(attrs))


def _remember_bare(token: str, block: bool) -> None:
    if len(token) <= _BARE_TAG_LENGTH:
        if len(_BARE_TAGS) >= _BARE_TAGS_SIZE:
            _BARE_TAGS.clear()
        _BARE_TAGS[token] = block


def _emit_value(markup: str, lo: int, hi: int, plain: Callable[[int, int], None],
                emit: Callable[[str, int, int], None]) -> None:
    # Attribute values carry character references too (``&amp;`` in query strings).
    if markup.find("&", lo, hi) < 0:  # the usual value: none
        plain(lo, hi)
        return
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
