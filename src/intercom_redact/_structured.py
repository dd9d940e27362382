"""Structure inside strings: JSON, Python literals, query strings, form bodies, logfmt, header blocks.

A request body logged as text must get the field rules the same body gets as a
dict: ``'{"email": "jane@example.com"}'`` is an e-mail under ``email``, not
free text that a pattern may or may not catch.  :func:`parse` recognises a
string that holds structure and returns a :class:`Parsed`:

* ``layers``: what the engine walks with the same rules, each at the place the
  string was found (JSON and Python literals: the parsed value; pair formats:
  ``{key: value}`` dicts, a second layer for a repeated key);
* ``skeleton``: for pair formats, the text around the values (the request
  line, words between logfmt pairs) with each value replaced by a marker; it is
  scanned as free text, so nothing outside the pairs goes unscanned;
* ``write(parts)``: the string again, in its own format, from the walked layers
  and the scanned skeleton.  A value the walk left alone is written back byte
  for byte; anything unexpected raises, and the engine then fails closed.

Bounded: a string longer than :data:`MAX_LENGTH` that looks like JSON, or one
with more than :data:`MAX_PAIRS` pairs, is :data:`TOO_BIG` (the engine redacts
it whole); JSON nested past the interpreter's limits fails the same way.  Depth
and time are bounded by the walk itself.  Detection is a few ``in`` tests, so a
plain message costs close to nothing.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, unquote_plus

__all__ = ["MAX_LENGTH", "MAX_PAIRS", "TOO_BIG", "Parsed", "parse"]

MAX_LENGTH: Final = 256 * 1024
"""Longer strings shaped like JSON are redacted whole rather than parsed."""
MAX_PAIRS: Final = 1000
"""More pairs than this in one string and it is redacted whole."""
_MARK: Final = "\ue000"  # a private-use character: stands for a value in the skeleton

Parts = dict[str, Any]

@dataclass(frozen=True, slots=True)
class Parsed:
    """A string's structure: walk ``layers``, scan ``skeleton``, then ``write`` it back."""

    layers: tuple[Any, ...]
    skeleton: str | None
    write: Callable[[Parts], str]


class _TooBig:
    __slots__ = ()

    def __repr__(self) -> str:
        return "TOO_BIG"


#: Returned by :func:`parse` for a structured string past the bounds: redact it whole.
TOO_BIG: Final = _TooBig()

_LOGFMT_PAIR = re.compile(r'(?<!\S)([A-Za-z_][\w.\-/]{0,63})=("(?:[^"\\]|\\.)*"|[^\s"=][^\s"]*|)(?!\S)')
_QUERY_KEY = re.compile(r"[\w.\-\[\]%+]{1,128}")
_HEADER = re.compile(r"([A-Za-z][A-Za-z0-9\-]{0,63}):[ \t]*(.*)")
_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>").search
_START_LINE = re.compile(r"(?:[A-Z]{3,10} \S+ HTTP/\d(?:\.\d)?|HTTP/\d(?:\.\d)? \d{3}.*)")


def parse(text: str) -> Parsed | _TooBig | None:
    """The structure held by ``text``, :data:`TOO_BIG`, or ``None`` for plain text."""
    if len(text) < 3 or _MARK in text:
        return None
    first = text[0] if text[0] not in " \t\r\n" else text.lstrip()[:1]
    if first in ("{", "["):
        return _parse_literal(text)
    if len(text) > MAX_LENGTH:
        return None  # long text without a JSON shape: the scanner's own size bound applies
    if "<" in text and _TAG(text):
        return None  # markup: the scanner reads it as HTML, attributes and all
    if "\n" in text and ":" in text:
        headers = _parse_headers(text)
        if headers is not None:
            return headers
    if "=" in text:
        if not any(ch in text for ch in " \t\n") and ("&" in text or "?" in text or "%" in text):
            return _parse_query(text)
        return _parse_logfmt(text)
    return None


# -- JSON and Python literals -----------------------------------------------------------------


def _parse_literal(text: str) -> Parsed | _TooBig | None:
    if text[-256:].rstrip()[-1:] not in ("}", "]"):
        return None
    if len(text) > MAX_LENGTH:
        return TOO_BIG
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except RecursionError:
        return TOO_BIG
    except ValueError:
        return _parse_python(stripped)
    if not isinstance(value, (dict, list)):
        return None
    return Parsed((value,), None, _json_writer(text, stripped))


def _parse_python(text: str) -> Parsed | _TooBig | None:
    """A ``repr`` of a dict or list (``f"payload={payload}"``, a traceback's locals)."""
    try:
        value = ast.literal_eval(text)
    except (RecursionError, MemoryError):
        return TOO_BIG
    except (ValueError, SyntaxError, TypeError):
        return None
    if not isinstance(value, (dict, list)):
        return None
    return Parsed((value,), None, _python_write)


def _json_writer(text: str, stripped: str) -> Callable[[Parts], str]:
    pretty = "\n" in stripped
    compact = not pretty and '": ' not in stripped and '", "' not in stripped and ", " not in stripped
    ascii_only = "\\u" in stripped
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]

    def write(parts: Parts) -> str:
        value = _container(parts["layers"][0])
        body = json.dumps(value, ensure_ascii=ascii_only, indent=2 if pretty else None,
                          separators=(",", ":") if compact else None)
        return lead + body + trail

    return write


def _python_write(parts: Parts) -> str:
    return repr(_container(parts["layers"][0]))


def _container(value: Any) -> Any:
    if not isinstance(value, (dict, list, tuple)):
        raise TypeError("the walk redacted the structure whole")  # the engine fails closed
    return value


# -- pair formats: query strings, form bodies, logfmt, header blocks ------------------------------


@dataclass(frozen=True, slots=True)
class _Pair:
    key: str
    raw: str  # the value as written
    value: str  # the value as the walk sees it (decoded, unquoted)


def _pairs_parsed(pairs: Sequence[_Pair], pieces: Sequence[str],
                  encode: Callable[[_Pair, str], str]) -> Parsed | _TooBig | None:
    """``pieces`` is the text around the values: one more piece than there are pairs."""
    if not pairs:
        return None
    if len(pairs) > MAX_PAIRS:
        return TOO_BIG
    layers: list[dict[str, str]] = []
    slots: list[tuple[int, str]] = []  # (layer, key) of each pair, in order
    for pair in pairs:
        layer = next((i for i, seen in enumerate(layers) if pair.key not in seen), len(layers))
        if layer == len(layers):
            layers.append({})
        layers[layer][pair.key] = pair.value
        slots.append((layer, pair.key))

    def write(parts: Parts) -> str:
        skeleton = parts["skeleton"]
        around = skeleton.split(_MARK)
        if len(around) != len(pairs) + 1:
            raise ValueError("the scan changed the skeleton's markers")
        walked = [_container(layer) for layer in parts["layers"]]
        out = [around[0]]
        for pair, (layer, key), after in zip(pairs, slots, around[1:]):
            new = walked[layer].get(key, "")
            out.append(pair.raw if new == pair.value else encode(pair, new if isinstance(new, str) else str(new)))
            out.append(after)
        return "".join(out)

    return Parsed(tuple(layers), _MARK.join(pieces), write)


def _parse_query(text: str) -> Parsed | _TooBig | None:
    head, sep, query = text.partition("?")
    if not sep:
        head, query = "", text
    query, hash_, fragment = query.partition("#")
    pairs: list[_Pair] = []
    pieces: list[str] = [head + sep]
    for i, item in enumerate(query.split("&")):
        key, eq, raw = item.partition("=")
        if i:
            pieces[-1] += "&"
        if not eq or not _QUERY_KEY.fullmatch(key):
            pieces[-1] += item
            continue
        pieces[-1] += key + "="
        pairs.append(_Pair(unquote_plus(key), raw, unquote_plus(raw)))
        pieces.append("")
    pieces[-1] += hash_ + fragment
    return _pairs_parsed(pairs, pieces, _encode_query)


def _encode_query(pair: _Pair, value: str) -> str:
    return quote(value, safe="[]:*")


def _parse_logfmt(text: str) -> Parsed | _TooBig | None:
    pairs: list[_Pair] = []
    pieces: list[str] = []
    pos = 0
    for m in _LOGFMT_PAIR.finditer(text):
        raw = m.group(2)
        pieces.append(text[pos:m.start(2)])
        pairs.append(_Pair(m.group(1), raw, _unquote(raw)))
        pos = m.end(2)
    pieces.append(text[pos:])
    return _pairs_parsed(pairs, pieces, _encode_logfmt)


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == '"':
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    return raw


def _encode_logfmt(pair: _Pair, value: str) -> str:
    if pair.raw[:1] == '"' or any(ch in value for ch in ' \t\n"=\\'):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _parse_headers(text: str) -> Parsed | _TooBig | None:
    lines = text.split("\n")
    start = 1 if _START_LINE.fullmatch(lines[0].rstrip("\r")) else 0
    pairs: list[_Pair] = []
    pieces: list[str] = ["\n".join(lines[:start]) + ("\n" if start else "")]
    end = len(lines)
    for index in range(start, len(lines)):
        line = lines[index]
        if not line.strip():
            end = index
            break
        m = _HEADER.fullmatch(line)
        if m is None:
            return None  # not a header block: read as plain text
        cr = "\r" if line.endswith("\r") else ""
        value = m.group(2)[: len(m.group(2)) - len(cr)]
        pieces[-1] += line[: m.start(2)]
        pairs.append(_Pair(m.group(1), value, value))
        pieces.append(cr + "\n")
    if len(pairs) < 2:
        return None
    if end == len(lines):
        pieces[-1] = pieces[-1][:-1]  # no newline after the last header
    elif end == len(lines) - 1:
        pieces[-1] += lines[end]  # the block ends with a newline
    elif end < len(lines) - 1:  # a blank line, then the body: walked under "body"
        body = "\n".join(lines[end + 1:])
        pieces[-1] += lines[end] + "\n"
        pairs.append(_Pair("body", body, body))
        pieces.append("")
    return _pairs_parsed(pairs, pieces, _encode_header)


def _encode_header(pair: _Pair, value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ") if pair.key != "body" else value
