"""A gazetteer of given names, for names no cue introduces: "Uwe Ziegler will be talking".

Its names come from the packages installed of two (either, both or none),
read where each installed its file, never copied into this package, never
downloaded, and independent of the generators the project is evaluated with
(Faker's and presidio-evaluator's lists):

* the US Census Bureau's 1990 first-name files (``dist.male.first``,
  ``dist.female.first``: about 5,000 names; public domain, a US government
  work), as the ``names`` package (MIT) ships them: the ``given-names`` extra;
* Jörg Michael's ``nam_dict.txt`` (about 45,000 given names of some 50
  countries; GNU Free Documentation License 1.2), as the ``gender-guesser``
  package (GPLv3) ships it: the ``names`` extra.

Without either the gazetteer is empty and its rows find nothing.  The Census
writes names without accents, so a name is also looked up with its accents
taken off ("Jérôme" as "Jerome").

A given name that is also a common word ("Will", "Mark", "Grant", "Hope",
"May"), a product or a language ("Ruby", "Chrome") is left out
(:data:`~._text_cues.WORDS_NOT_GIVEN_NAMES`): the rows built on this list
(:mod:`._registry`) read a capitalised word as a name only where no common
word could stand.

Loaded lazily and cheaply for a first log call: the first lookup reads the
files' bytes (a few milliseconds) and answers by searching them (a
millisecond or two each); a quarter of a second later a background thread
builds the set (about 50 ms, then a set of bytes of about 3.7 MiB with both
sources, 0.4 MiB with the Census alone), which answers every lookup after it.
``warm()`` builds it at once.
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ._text_cues import WORDS_NOT_GIVEN_NAMES

__all__ = ["all_given_names", "is_given_name", "name_pieces", "starts_with_given_name", "warm"]

_GENDERS = (b"M ", b"F ", b"? ", b"1M", b"1F", b"?M", b"?F")  # nam_dict: a line's first two bytes, a name follows
_NAME_COLUMNS = slice(3, 29)  # nam_dict is fixed-width: the name is in these byte columns
_BUILD_DELAY = 0.25  # seconds after the first lookup
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")  # a name's word, an initial ("A."), a particle
_UNACCENTED = str.maketrans("łŁøØđĐßæÆœŒ", "lLoOdDsaAoO")  # letters NFKD does not take apart


def _in_nam_dict(raw: bytes, key: bytes) -> bool:
    """"M  Uwe   ": the name at its column, a space after it (a "+" joins compound names, which only the set knows)."""
    at = raw.find(b" " + key + b" ")
    while at >= 0:
        line = raw.rfind(b"\n", 0, at) + 1
        if at + 1 - line == _NAME_COLUMNS.start and raw[line:line + 2] in _GENDERS:
            return True
        at = raw.find(b" " + key + b" ", at + 1)
    return False


def _nam_dict_names(raw: bytes) -> set[bytes]:
    return {line[_NAME_COLUMNS].rstrip().replace(b"+", b"-") for line in raw.split(b"\n") if line[:2] in _GENDERS}


def _in_census(raw: bytes, key: bytes) -> bool:
    """"JAMES          3.318  3.318      1": a name in capitals at a line's start, for "James" only."""
    if key != key.capitalize():
        return False
    needle = key.upper() + b" "
    return raw.startswith(needle) or raw.find(b"\n" + needle) >= 0


def _census_names(raw: bytes) -> set[bytes]:
    return {line.split(b" ", 1)[0].capitalize() for line in raw.split(b"\n") if line[:1].isalpha()}


@dataclass(frozen=True)
class _Source:
    """A list of given names in an installed package's files: where they are and how to read them."""

    package: str
    files: tuple[str, ...]
    contains: Callable[[bytes, bytes], bool]  # searches the file's bytes before the set is built
    names: Callable[[bytes], set[bytes]]  # every name of the file, capitalised as written in text

    def read(self) -> bytes:
        try:  # found, not imported; None where the package is not installed (or hidden in sys.modules)
            spec = importlib.util.find_spec(self.package)
        except (ImportError, ValueError):
            return b""
        if spec is None or not spec.submodule_search_locations:
            return b""
        folder = Path(next(iter(spec.submodule_search_locations)))
        try:
            return b"\n".join((folder / name).read_bytes() for name in self.files)  # a file may lack its last newline
        except OSError:
            return b""


_SOURCES = (
    _Source("names", ("dist.male.first", "dist.female.first"), _in_census, _census_names),
    _Source("gender_guesser", ("data/nam_dict.txt",), _in_nam_dict, _nam_dict_names),
)


class _Gazetteer:
    def __init__(self, sources: tuple[_Source, ...] = _SOURCES) -> None:
        self._sources = sources
        self._lock = threading.Lock()
        self._raw: list[tuple[_Source, bytes]] | None = None
        self._names: frozenset[bytes] | None = None
        self._builder_of: int | None = None  # the process whose thread builds the set

    def __contains__(self, word: str) -> bool:
        key = word.encode()
        names = self._names
        if names is not None:
            return key in names
        raw = self._read()
        names = self._names
        if names is not None:  # built meanwhile (and the bytes let go)
            return key in names
        return any(source.contains(data, key) for source, data in raw)

    def _read(self) -> list[tuple[_Source, bytes]]:
        with self._lock:
            if self._raw is None or self._builder_of != os.getpid():  # a forked child has no builder thread
                if self._raw is None:
                    self._raw = [(source, data) for source in self._sources if (data := source.read())]
                self._builder_of = os.getpid()
                # Built after the first event, not during it (whose time budget it would share).
                builder = threading.Timer(_BUILD_DELAY, self.build)
                builder.name = "intercom-redact-given-names"
                builder.daemon = True
                builder.start()
            return self._raw

    def build(self) -> None:
        raw = self._read()
        if self._names is not None:
            return
        names = set().union(*(source.names(data) for source, data in raw))
        names.difference_update(word.encode() for word in WORDS_NOT_GIVEN_NAMES)
        self._names = frozenset(names)  # two threads may build it at once: the same set, harmlessly
        self._raw = []  # the set answers from now on


_GAZETTEER = _Gazetteer()


def is_given_name(word: str) -> bool:
    """``word``, capitalised as written ("Uwe", "Jérôme"), is a given name of the gazetteer and no common word."""
    if word in WORDS_NOT_GIVEN_NAMES:
        return False
    if word in _GAZETTEER:
        return True
    plain = _unaccented(word)
    return plain != word and plain not in WORDS_NOT_GIVEN_NAMES and plain in _GAZETTEER


def _unaccented(word: str) -> str:
    """"Jérôme" -> "Jerome", "Łukasz" -> "Lukasz": as the US lists write names."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word.translate(_UNACCENTED))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def warm() -> None:
    """Build the gazetteer's set now (idempotent)."""
    _GAZETTEER.build()


# Validators: ``None`` keeps the pattern's score (a street's or a cue's finding over the same
# words keeps its type), ``False`` drops the match.

def starts_with_given_name(text: str) -> bool | None:
    """The first word of ``text`` is a given name: "Uwe Ziegler"."""
    return None if is_given_name(text.split()[0]) else False


def all_given_names(text: str) -> bool | None:
    """Every capitalised word of a list ("Hervé, Noël and Wallace") is a given name."""
    names = [word.strip(",") for word in text.split() if word[:1].isupper()]
    return None if len(names) >= 2 and all(is_given_name(name) for name in names) else False


def name_pieces(text: str) -> Iterator[tuple[int, int]]:
    """Runs of two words or more of ``text`` from each given name on, longest first: where a name may start and end.

    "Contact Jane Doe" fails as a whole (no given name first); "Jane Doe" does not.
    """
    words = [match.span() for match in _WORD.finditer(text)]
    for i, (start, first_end) in enumerate(words[:-1]):  # the last word opens no run of two: not looked up
        if not is_given_name(text[start:first_end]):
            continue  # no piece from here validates: not tried
        for _, end in reversed(words[i + 1:]):
            if (i, end) != (0, len(text)):
                yield start, end
