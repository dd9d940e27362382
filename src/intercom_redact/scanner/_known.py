"""Known values: PII that field rules caught elsewhere in the same event.

The engine hands the scanner ``(entity_type, value)`` pairs; each value is
found in the text whatever its case, and in the notations people write:

* phones on their digits, with separators between them and with or without
  the country code or trunk prefix (``+44 20 7946 0958`` is also
  ``020-7946-0958`` and ``0044 (0)20 79460958``);
* emails also URL-encoded (``jane%40example.com``, ``%2B`` for ``+``);
* anything else as words with any whitespace between them;
* a person's full name also by each capitalised part of it (``Marisol`` of
  ``Marisol Vega``);
* a value inside an e-mail address (``ada`` in ``ada.lovelace@example.com``)
  as the whole address, typed ``EMAIL_ADDRESS`` as the scanner types it: a
  search without the scan (``scan=False``, a scan deferred to an exporter)
  then leaves no part of it, and answers what a scan does;
* in a plain text, also written with HTML character references
  (``jane&#64;example.com``, as a body copied into a message writes it):
  :func:`find_in_plain` searches the text read decoded too (an HTML body's
  view is read decoded already).

Values of :data:`UNSEARCHED_TYPES` are not searched for at all.

This runs for every free-text string of every event that had a field rule
fire, so nothing compiles a regex or parses a phone per event: words and
phrases are found with ``str.find`` on the lower-cased text, phones by
comparing digit runs, and a phone is parsed only for a digit run that ends in
its last digit without being written with its very digits.  A search answers
the outermost spans (a name, not also its parts inside it).  The search is the engine's core
(:class:`intercom_redact._core._py.KnownValues`, compiled where it was built,
which the engine's own search of its texts also uses); this module is the scanner's door to it.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._core import CORE, _py
from .._core._py import MIN_KNOWN_LENGTH, UNSEARCHED_TYPES
from ._findings import Span, certain_spans
from ._html import decoded

__all__ = ["MIN_LENGTH", "UNSEARCHED_TYPES", "KnownValues", "find_in_plain", "normalize"]

MIN_LENGTH = MIN_KNOWN_LENGTH
"""Shorter values are ignored: a one- or two-letter value would cut up unrelated words."""

KnownValues = CORE.KnownValues


def normalize(known_values: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Clean, de-duplicate and order known values (the order makes results stable)."""
    seen = set()
    for entity_type, value in known_values:
        if isinstance(value, str) and isinstance(entity_type, str):
            value = value.strip()
            if len(value) >= MIN_LENGTH:
                seen.add((entity_type, value))
    return tuple(sorted(seen))


def find_in_plain(known: _py.KnownValues, text: str) -> list[Span]:
    """``known.find(text)`` of a plain (non-HTML) text, and the values it writes with character references.

    A text with an ``&`` is also searched as read decoded (:func:`~._html.decoded`), and what is
    found there is mapped back to where the text writes it; both answers are merged, so nothing
    the search as written finds is lost.  A text without ``&`` costs one ``in`` more.
    """
    spans = known.find(text)
    if "&" not in text:
        return spans
    view = decoded(text)
    if view.text == text:  # no reference in it ("Q&A"): nothing hidden
        return spans
    hidden = [(start, end, entity_type) for a, b, entity_type in known.find(view.text)
              for start, end in view.to_source(a, b)]
    return list(certain_spans(spans + hidden)) if hidden else spans
