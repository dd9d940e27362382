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
  comments (``<!-- customer: jane@example.com -->``), declarations
  (``<![CDATA[…]]>``, ``<!DOCTYPE …>``) and whatever stands between ``<`` and
  ``>`` without being markup (``Jane <jane@example.com>``: no element of HTML
  has that name) are inserted at their place between newlines: a browser hides
  them, but the body sends them.

``starts[i]``/``ends[i]`` give the source range of view character ``i``, so a
finding in the view maps back to a range of the original string
(:meth:`TextView.to_source` finds it by bisection over the view's pieces).
The view keeps where the markup's tags are (``tags``), for the replacement.

A plain text has a view too (:func:`decoded`): its references decoded, and
nothing else read as markup, for the known values a text writes with them.

What runs per piece -- adding the pieces of the texts and remembered tokens
(:func:`~.._core._py.view_pieces`), mapping view ranges back
(:func:`~.._core._py.view_ranges`, :func:`~.._core._py.view_spans`) and
putting replacements into the markup (:func:`~.._core._py.splice_markup`) --
is in the engine's core, compiled where it can be: every body pays it.  What a
token is read as stays here; the usual tag with a value (``<a href="…">``) is
read by one regex (``_ONE_VALUE``), any other tag by the general reading.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .._core import CORE

if TYPE_CHECKING:
    from .._core._py import ViewPieces

__all__ = ["TagEdges", "TextView", "decoded", "extract", "tag_edges"]

TagEdges = tuple[list[int], list[int]]
"""Where the tags and comments of a markup start, and where they end, in order (two lists)."""

# One pass over the markup: comments, tags (quoted attribute values may hold '>'),
# character references.  Anything else is text; a lone '<' that opens no tag is text too.
# One group around it all, so split() returns the tokens between the texts.
_COMMENT = r"!--.*?(?:-->|\Z)"
# A tag body never holds "<": "<a <a <a" without ">" must not rescan to the end.  Plain characters
# are taken in runs, the group repeated per quoted value only (the cheaper scan; the same matches).
_ELEMENT = r"""[A-Za-z/!?][^'"<>]*(?:(?:"[^"<]*"|'[^'<]*')[^'"<>]*)*>"""
_REFERENCE = r"&(?:\#[0-9]{1,7}|\#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?"
_TOKEN = re.compile(rf"(<{_COMMENT}|<{_ELEMENT}|{_REFERENCE})", re.S)
# The tags and comments alone: the tokens of a text without "&" (a reference starts with one;
# none holds a "<", so the tags found are the same either way).  The literal "<" in front lets
# the regex engine skip text fast: half the time of _TOKEN's scan.
_TAGS = re.compile(rf"(<(?:{_COMMENT}|{_ELEMENT}))", re.S)
# The references alone: the tokens of a plain text read decoded (see decoded()).
_REFERENCES = re.compile(f"({_REFERENCE})")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9:-]*)")
_ATTR = re.compile(
    r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)
_BLOCK_TAGS = frozenset(
    ["address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"]
)
# The elements of HTML (and a few obsolete ones mail clients still write).  A tag naming anything
# else, or holding an attribute name no markup has, is text between "<" and ">" ("Jane
# <jane@example.com>" in a body): a browser hides it, but the body sends it, so it is read as a
# comment is.  A custom element has a hyphen in its name.
_ELEMENTS = _BLOCK_TAGS | frozenset(
    ["a", "abbr", "acronym", "area", "audio", "b", "base", "bdi", "bdo", "big", "blink", "body", "button",
     "canvas", "caption", "center", "cite", "code", "col", "colgroup", "data", "datalist", "del", "dfn",
     "dialog", "dir", "em", "embed", "font", "frame", "frameset", "head", "hgroup", "html", "i", "iframe",
     "img", "input", "ins", "kbd", "label", "legend", "link", "map", "mark", "marquee", "math", "menu", "meta",
     "meter", "nobr", "noscript", "o:p", "object", "optgroup", "option", "output", "param", "picture",
     "progress", "q", "rp", "rt", "ruby", "s", "samp", "script", "search", "select", "slot", "small",
     "source", "span", "strike", "strong", "style", "sub", "sup", "svg", "template", "textarea", "time",
     "title", "track", "tt", "u", "var", "video", "wbr"]
)
_ATTR_NAME = re.compile(r"\A[A-Za-z_:][\w:.-]*\Z")
# The usual tag with a value, read at once: one attribute, named as _ATTR_NAME says, with a double-quoted
# value that is not empty (``<a href="mailto:…">``, ``<p class="x">``).  It reads as _TAG_NAME and _ATTR
# read it (the white space here is what _read takes after a tag's name); any other tag is read by them.
_ONE_VALUE = re.compile(r'<([A-Za-z][A-Za-z0-9]*)[ \t\n\r\f]+[A-Za-z_:][\w:.-]*="([^"]+)"[ \t\n\r\f]*>')


class TextView:
    """The text a reader of an HTML body sees, mapped back to the markup.

    :ivar text: the view string the recognizers run on.
    :ivar attrs: view ranges ``(start, end)`` of attribute values; a finding
        never crosses their edges, because its replacement must stay inside
        the quotes.
    :ivar tags: :func:`tag_edges` of the markup, found by the same split: the
        replacement (:func:`~._findings.splice`) keeps those tags, and need
        not look for them again.

    The map is kept per *piece* of the view, not per character (a body has a
    few dozen pieces and hundreds of characters, and most bodies map only a
    few findings back): piece ``k`` starts at view offset ``_at[k]`` (``_at``
    ends with ``len(text)``) and is either source text copied as is
    (``_end[k]`` is ``_COPIED``: its char ``i`` is source char
    ``_src[k] + i - _at[k]``) or characters the markup stands for (a tag's
    newline, a decoded reference), which all map to source
    ``[_src[k], _end[k])``.  A piece may be empty (the text before a first
    tag, a reference to a character HTML drops): it maps nothing.  ``starts`` and ``ends`` spell the
    map out per character, on demand.
    """

    __slots__ = ("_at", "_end", "_src", "attrs", "tags", "text")

    def __init__(self, text: str, at: list[int], src: list[int], end: list[int],
                 attrs: tuple[tuple[int, int], ...], tags: TagEdges) -> None:
        self.text = text
        self._at = at
        self._src = src
        self._end = end
        self.attrs = attrs
        self.tags = tags

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
        return _view_ranges(self.text, self._at, self._src, self._end, self.attrs, start, end)

    def spans_in_source(self, spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """The ``(start, end, entity_type)`` spans of the view in the source: :meth:`to_source` of each, in
        one call (a body's known values)."""
        return _view_spans(self.text, self._at, self._src, self._end, self.attrs, spans)


# A piece's end when it is source text copied as is (see TextView).
_COPIED = CORE.VIEW_COPIED
_view_pieces: Callable[[str, list[str], dict[str, tuple[str, int]], Callable[..., None]], ViewPieces] = CORE.view_pieces
_view_ranges: Callable[[str, list[int], list[int], list[int], tuple[tuple[int, int], ...], int, int],
                       list[tuple[int, int]]] = CORE.view_ranges
_view_spans: Callable[[str, list[int], list[int], list[int], tuple[tuple[int, int], ...], Iterable[tuple[int, int, str]]],
                      list[tuple[int, int, str]]] = CORE.view_spans

# Tokens that stand for one piece of view text, by their text: a tag without attribute values
# ("<p>", "</b>", "<br/>": a newline for a block tag, nothing for an inline one) or a known
# reference ("&amp;").  The value is the piece's chars and where they end in the source, from
# the token's start (0: a tag's newline stands at its start; the token's length: a reference).
# Bodies repeat the same few; bounded.
_SIMPLE: dict[str, tuple[str, int]] = {}
_SIMPLE_SIZE = 512
_SIMPLE_LENGTH = 32


@functools.lru_cache(maxsize=256)
def _decode(ref: str) -> str:
    decoded = html.unescape(ref)
    return " " if decoded == "\xa0" else decoded


def _value(view: ViewPieces, markup: str, token: tuple[int, int], lo: int, hi: int, references: bool) -> None:
    """Add the attribute value (or comment) ``markup[lo:hi]`` of the token at ``token``, between newlines
    standing at the token's edges."""
    view.add("\n", token[0], token[0])
    start = view.length
    # Attribute values carry character references too (``&amp;`` in query strings); comments are read as is.
    pos = lo
    if references and markup.find("&", lo, hi) >= 0:
        for ref in _TOKEN.finditer(markup, lo, hi):
            if ref.group()[0] != "&":
                continue
            if ref.start() > pos:
                view.add(markup[pos:ref.start()], pos, _COPIED)
            decoded = _decode(ref.group())
            if decoded == ref.group():
                view.add(ref.group(), ref.start(), _COPIED)
            else:
                view.add(decoded, ref.start(), ref.end())
            pos = ref.end()
    if pos < hi:
        view.add(markup[pos:hi], pos, _COPIED)
    view.attrs.append((start, view.length))
    view.add("\n", token[1], token[1])


def extract(markup: str) -> TextView:
    """Build the :class:`TextView` of an HTML fragment (never raises on bad markup).

    Texts and tokens are split in one regex pass.  A token met before that
    stands for one piece of text (a tag without attribute values, a known
    reference) is looked up in :data:`_SIMPLE`; the rest are read by
    :func:`_read`.  Where each token starts and ends is kept as the view's
    ``tags`` (the references among them left out).
    """
    return _view(markup, _TOKEN if "&" in markup else _TAGS)


def decoded(text: str) -> TextView:
    """The view of a plain (non-HTML) text: its character references decoded (``jane&#64;example.com``
    reads ``jane@example.com``), every other character as it is -- a ``<`` included."""
    return _view(text, _REFERENCES)


def _view(markup: str, tokens: re.Pattern[str]) -> TextView:
    pieces = tokens.split(markup)  # text, token, text, ..., text
    view = _view_pieces(markup, pieces, _SIMPLE, _read)
    starts, ends = view.starts, view.ends
    if "&" in markup:  # references are tokens too, but no tags
        tags = [(start, stop) for start, stop, token in zip(starts, ends, pieces[1::2]) if token[0] == "<"]
        starts, ends = [start for start, _ in tags], [stop for _, stop in tags]
    return TextView("".join(view.chars), view.at, view.src, view.end, tuple(view.attrs), (starts, ends))


_NOTHING = ("", 0)
_NEWLINE = ("\n", 0)


def _read(view: ViewPieces, markup: str, lo: int, hi: int, token: str) -> None:
    """Add the pieces the token ``markup[lo:hi]`` stands for; remember it in :data:`_SIMPLE` when it is one."""
    if token[0] == "&":
        decoded = _decode(token)
        if decoded == token:  # not a known reference: literal text
            view.add(token, lo, _COPIED)
        else:
            view.add(decoded, lo, hi)
            _remember(token, (decoded, hi - lo))
    elif token.startswith("<!--"):  # a comment is text nobody sees, but it is sent: scanned too
        _value(view, markup, (lo, hi), lo + 4, hi - 3 if token.endswith("-->") and len(token) >= 7 else hi, False)
    elif token.startswith("<!"):  # a declaration or CDATA (<![CDATA[...]]>): sent as it is, so scanned too
        _value(view, markup, (lo, hi), lo + 2, hi - 1, False)
    else:
        one = _ONE_VALUE.fullmatch(token)
        if one is not None:
            element = one.group(1).lower()
            if element in _ELEMENTS:
                if element in _BLOCK_TAGS:
                    view.add("\n", lo, lo)
                _value(view, markup, (lo, hi), lo + one.start(2), lo + one.end(2), True)
                return
        name = _TAG_NAME.match(token)
        element = name.group(1).lower() if name is not None and token[name.end()] in " \t\n\r\f/>" else ""
        if element not in _ELEMENTS and "-" not in element:  # not markup: text a browser hides
            _value(view, markup, (lo, hi), lo + 1, hi - 1, True)
            return
        attrs = list(_ATTR.finditer(token, name.end(), len(token) - 1)) if token[1] != "/" else []  # type: ignore[union-attr]
        for attr in attrs:  # a loop, not all(): no generator made for the usual one attribute
            if _ATTR_NAME.match(attr.group(1)) is None:  # a name no markup has: text a browser hides
                _value(view, markup, (lo, hi), lo + 1, hi - 1, True)
                return
        block = element in _BLOCK_TAGS
        if block:
            view.add("\n", lo, lo)
        valued = False
        for attr in attrs:
            # The value's group (2, 3 or 4: one per quoting); an attribute without one is read by its
            # name, which is text too ("<b Jane Doe>": a browser hides it, the body sends it).
            group = attr.lastindex or 1
            start, end = attr.span(group)
            if start == end:  # an empty value
                continue
            valued = True
            _value(view, markup, (lo, hi), start + lo, end + lo, group != 1)
        if not valued:
            _remember(token, _NEWLINE if block else _NOTHING)


def _remember(token: str, entry: tuple[str, int]) -> None:
    if len(token) <= _SIMPLE_LENGTH:
        if len(_SIMPLE) >= _SIMPLE_SIZE:
            _SIMPLE.clear()
        _SIMPLE[token] = entry


def tag_edges(markup: str) -> TagEdges:
    """Where the tags and comments of ``markup`` start, and where they end, in order (two lists)."""
    tags = list(_TAGS.finditer(markup))
    return [tag.start() for tag in tags], [tag.end() for tag in tags]
