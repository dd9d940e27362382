"""Field-path selectors: parsing, and compilation into a lazily built automaton.

A path is a dot-separated list of segments, each optionally followed by list
selectors::

    contact.email            a key, then a key
    *.email                  any one level, then ``email``
    **.email                 ``email`` at any depth (``**`` is zero or more levels)
    conversation_parts[*].body   any list element of ``conversation_parts``
    [0].email                the first element of a top-level list
    contact."first.name"     a quoted key (may contain dots, brackets, spaces)
    **.~email                any key whose words name an e-mail (``billingEmail``,
                             ``contact-email``): a class of the key vocabulary
                             (:mod:`intercom_redact._vocabulary`)
    **[type=company|tag].name   ``name`` of an object whose ``type`` is ``company``
                             or ``tag`` (a condition on the object, not a step)

Keys match case-insensitively.  Specificity: a key or index counts 3, a
``[field=value]`` condition 3, a ``~class`` 2, ``*`` and ``[*]`` 1, ``**`` 0, so
an exact key always beats the vocabulary.

An Intercom search filter (``{"field": "email", "operator": "=", "value": …}``)
is read as if its ``value`` stood under the key its ``field`` names: the value
gets the rule of ``email`` (or of ``custom_attributes.ssn``) at that place.  All rules of a policy compile into one
non-deterministic automaton; its deterministic states are built on first use and
memoised, and each state caches its transitions per key.  Walking a value
therefore costs one dict lookup per key once the shapes of the events have been
seen: no path is ever parsed or matched per event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from ._vocabulary import CLASSES, classify

__all__ = ["MAX_CACHED_TRANSITIONS", "MatchState", "PathMatcher", "PathSyntaxError", "Segment", "parse_path"]

Token = str | int
#: What a segment holds: a key, an index, a vocabulary class, or a condition's field and values.
SegmentValue = str | int | None | tuple[str, frozenset[str]]

T = TypeVar("T")

# Transition caches stop growing past this many keys per state, so that events
# with unbounded key sets (ids used as keys) cannot grow memory without bound.
MAX_CACHED_TRANSITIONS = 4096


class PathSyntaxError(ValueError):
    """A field path could not be parsed; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One step of a path.

    ``kind`` is one of ``"key"`` (``value`` is the lower-cased key),
    ``"index"`` (``value`` is the int), ``"any"`` (``*``: one key or index),
    ``"any_index"`` (``[*]``), ``"deep"`` (``**``: zero or more steps),
    ``"class"`` (``~email``: a key the vocabulary puts in class ``value``) or
    ``"where"`` (``[type=company]``: ``value`` is ``(field, values)``; a
    condition on the object being walked, not a step).
    """

    kind: str
    value: SegmentValue = None

    def matches(self, token: Token, low: str = "") -> bool:
        """Whether this step accepts ``token`` (``low`` is a str token lower-cased)."""
        kind = self.kind
        if kind == "key":
            return type(token) is str and low == self.value
        if kind == "class":
            return type(token) is str and classify(token) == self.value
        if kind == "any":
            return True
        if kind == "any_index":
            return type(token) is int
        if kind == "index":
            return type(token) is int and token == self.value
        return False  # "deep" is handled by the automaton's closure, "where" on entering an object

    def accepts(self, obj: Mapping[Any, Any]) -> bool:
        """For a ``where`` segment: whether ``obj`` meets the condition."""
        field, values = self.condition
        found = obj.get(field)
        return type(found) is str and found.lower() in values

    @property
    def condition(self) -> tuple[str, frozenset[str]]:
        """A ``where`` segment's field and accepted (lower-cased) values."""
        return cast("tuple[str, frozenset[str]]", self.value)

    @property
    def weight(self) -> int:
        """How much this segment adds to a rule's specificity."""
        return {"key": 3, "index": 3, "where": 3, "class": 2, "any": 1, "any_index": 1, "deep": 0}[self.kind]


_BARE_KEY = re.compile(r"[^.\[\]\"'\s*]+")
_INDEX = re.compile(r"\[(\*|-?\d+)\]")
_WHERE = re.compile(r"\[([A-Za-z_][\w-]*)=([^\]|=]+(?:\|[^\]|=]+)*)\]")
_CLASS = re.compile(r"~([a-z_]+)")
# Intercom's search filter: {"field": "email", "operator": "=", "value": ...}.
_FILTER_KEYS = ("field", "operator", "value")


def parse_path(path: str) -> tuple[Segment, ...]:
    """Parse a selector into segments, raising :class:`PathSyntaxError` on bad syntax."""
    if not isinstance(path, str):
        raise PathSyntaxError(f"a path must be a string, got {type(path).__name__}")
    segments: list[Segment] = []
    pos, n = 0, len(path)
    if n == 0:
        raise PathSyntaxError("a path must not be empty")
    expect_key = path[0] != "["  # a path may start with a list selector: "[0].email"
    while pos < n:
        if expect_key:
            if path.startswith("**", pos):
                segments.append(Segment("deep"))
                pos += 2
            elif path[pos] == "*":
                segments.append(Segment("any"))
                pos += 1
            elif path[pos] == "~":
                segments.append(_class_segment(path, pos))
                pos = _CLASS.match(path, pos).end()  # type: ignore[union-attr]
            elif path[pos] in "\"'":
                key, pos = _parse_quoted(path, pos)
                segments.append(Segment("key", key.lower()))
            else:
                m = _BARE_KEY.match(path, pos)
                if m is None:
                    raise PathSyntaxError(f"expected a key at position {pos} of {path!r}")
                segments.append(Segment("key", m.group().lower()))
                pos = m.end()
        while pos < n and path[pos] == "[":
            segment, pos = _parse_bracket(path, pos)
            segments.append(segment)
        if pos < n:
            if path[pos] != ".":
                raise PathSyntaxError(f"unexpected {path[pos]!r} at position {pos} of {path!r}")
            pos += 1
            if pos == n:
                raise PathSyntaxError(f"{path!r} ends with '.'")
        expect_key = True
    if segments and segments[-1].kind == "deep":
        raise PathSyntaxError(f"{path!r} ends with '**': name what it selects, e.g. '**.email'")
    if segments and segments[-1].kind == "where":
        raise PathSyntaxError(f"{path!r} ends with a condition: name the key it selects, e.g. '**[type=company].name'")
    return tuple(segments)


def _parse_bracket(path: str, pos: int) -> tuple[Segment, int]:
    m = _INDEX.match(path, pos)
    if m is not None:
        sel = m.group(1)
        return (Segment("any_index") if sel == "*" else Segment("index", int(sel))), m.end()
    w = _WHERE.match(path, pos)
    if w is None:
        raise PathSyntaxError(
            f"bad selector at position {pos} of {path!r}: use [*], [N] or a condition like [type=company]"
        )
    values = frozenset(v.strip().lower() for v in w.group(2).split("|"))
    return Segment("where", (w.group(1), values)), w.end()


def _class_segment(path: str, pos: int) -> Segment:
    m = _CLASS.match(path, pos)
    if m is None or m.group(1) not in CLASSES:
        name = m.group(1) if m else path[pos + 1:pos + 12]
        raise PathSyntaxError(
            f"unknown key class {name!r} at position {pos} of {path!r}; known: {', '.join(sorted(CLASSES))}"
        )
    return Segment("class", m.group(1))


def _parse_quoted(path: str, pos: int) -> tuple[str, int]:
    quote = path[pos]
    out: list[str] = []
    i = pos + 1
    while i < len(path):
        c = path[i]
        if c == "\\" and i + 1 < len(path):
            out.append(path[i + 1])
            i += 2
        elif c == quote:
            return "".join(out), i + 1
        else:
            out.append(c)
            i += 1
    raise PathSyntaxError(f"unterminated quoted key starting at position {pos} of {path!r}")


class MatchState(Generic[T]):
    """A deterministic state of the automaton: where a walk is in every path at once.

    ``match`` is the payload of the best rule ending here (or ``None``).
    ``next_key`` caches transitions by the key exactly as it appears in the data.
    ``by_object`` is true when entering an object may change the state (a
    pending ``[field=value]`` condition, or an Intercom search filter): the walk
    then calls :meth:`for_object` once per object.
    """

    __slots__ = (
        "_any_index",
        "_conditions",
        "_filters",
        "_matcher",
        "_next_index",
        "_objects",
        "_positions",
        "_uniform_index",
        "by_object",
        "match",
        "next_key",
    )

    def __init__(self, matcher: PathMatcher[T], positions: frozenset[tuple[int, int]]):
        self._matcher = matcher
        self._positions = positions
        self.match: T | None = matcher._best(positions)
        self.next_key: dict[Any, MatchState[T]] = {}
        self._next_index: dict[int, MatchState[T]] = {}
        self._any_index: MatchState[T] | None = None
        pending = [matcher._segments[r][p] for r, p in positions if p < len(matcher._segments[r])]
        # When no pending segment names a specific index, every element of a list
        # goes to the same state: compute it once, whatever the list's length.
        self._uniform_index = not any(seg.kind == "index" for seg in pending)
        # The fields pending conditions read, in a fixed order (the cache key of for_object).
        self._conditions = tuple(sorted({seg.condition[0] for seg in pending if seg.kind == "where"}))
        self._objects: dict[Any, MatchState[T]] = {}
        self._filters: dict[tuple[tuple[Any, ...], str], MatchState[T]] = {}
        self.by_object = bool(self._conditions) or bool(positions)

    @property
    def conditions(self) -> tuple[str, ...]:
        """The fields pending conditions read (``("type",)``): :meth:`for_object` depends on their values only."""
        return self._conditions

    @property
    def uniform_index(self) -> bool:
        """True when every list element leads to the same state (no pending segment names an index)."""
        return self._uniform_index

    @property
    def is_dead(self) -> bool:
        """True when no rule can match at or below this state."""
        return not self._positions

    def step_key(self, key: str, *, cache: bool = True) -> MatchState[T]:
        """The state after descending into ``key`` (a string as found in the data).

        ``cache=False`` keeps ``key`` out of the transition cache (a key that
        holds personal data must not be remembered).
        """
        state = self.next_key.get(key)
        if state is None:
            state = self._matcher._advance(self._positions, key)
            if cache and len(self.next_key) < MAX_CACHED_TRANSITIONS:
                self.next_key[key] = state
        return state

    def step_index(self, index: int) -> MatchState[T]:
        """The state after descending into list element ``index``."""
        if self._uniform_index:
            state = self._any_index
            if state is None:
                state = self._any_index = self._matcher._advance(self._positions, index)
            return state
        state = self._next_index.get(index)
        if state is None:
            state = self._matcher._advance(self._positions, index)
            if len(self._next_index) < MAX_CACHED_TRANSITIONS:
                self._next_index[index] = state
        return state

    def for_object(self, obj: Mapping[Any, Any]) -> MatchState[T]:
        """The state for the keys of ``obj``: its conditions applied, a search filter read.

        Memoised per the values of the fields conditions read (``type``), so an
        object of a known shape costs two dict lookups; a search filter (rare)
        is memoised per the ``field`` it names.
        """
        if "operator" in obj and "value" in obj:
            target = obj.get("field")
            if type(target) is str:
                return self._filter(obj, target)
        conditions = self._conditions
        if not conditions:
            return self  # no pending condition reads the object: entering it changes nothing
        if len(conditions) == 1:
            seen: Any = obj.get(conditions[0])
            if type(seen) is not str:
                seen = None
        else:
            seen = tuple(_condition_value(obj.get(name)) for name in conditions)
        state = self._objects.get(seen)
        if state is None:
            state = self._matcher._enter(self, obj, None)
            if len(self._objects) < MAX_CACHED_TRANSITIONS:
                self._objects[seen] = state
        return state

    def _filter(self, obj: Mapping[Any, Any], target: str) -> MatchState[T]:
        conditions = tuple(_condition_value(obj.get(name)) for name in self._conditions)
        key = (conditions, target)
        state = self._filters.get(key)
        if state is None:
            state = self._matcher._enter(self, obj, target)
            if len(self._filters) < MAX_CACHED_TRANSITIONS:
                self._filters[key] = state
        return state


def _condition_value(value: Any) -> Any:
    return value.lower() if type(value) is str else None


class PathMatcher(Generic[T]):
    """All paths of a policy, compiled once.

    ``paths`` pairs each parsed path with a payload; ``rank`` orders payloads so
    that the best of several matching rules is chosen once per state, not per
    event.
    """

    def __init__(self, paths: Sequence[tuple[tuple[Segment, ...], T]], rank: Callable[[int, T], Any]):
        self._segments = [segs for segs, _ in paths]
        self._payloads = [payload for _, payload in paths]
        self._rank = rank
        self._states: dict[frozenset[tuple[int, int]], MatchState[T]] = {}
        self.root: MatchState[T] = self._state(
            self._closure((r, 0) for r in range(len(self._segments)))
        )

    def _closure(self, positions: Iterable[tuple[int, int]]) -> frozenset[tuple[int, int]]:
        out: set[tuple[int, int]] = set()
        stack = list(positions)
        while stack:
            r, p = stack.pop()
            if (r, p) in out:
                continue
            out.add((r, p))
            segs = self._segments[r]
            if p < len(segs) and segs[p].kind == "deep":
                stack.append((r, p + 1))  # "**" may match zero levels
        return frozenset(out)

    def _advance(self, positions: frozenset[tuple[int, int]], token: Token) -> MatchState[T]:
        low = token.lower() if type(token) is str else ""
        nxt: list[tuple[int, int]] = []
        for r, p in positions:
            segs = self._segments[r]
            if p >= len(segs):
                continue
            seg = segs[p]
            if seg.kind == "deep":
                nxt.append((r, p))  # "**" consumes this step and stays
            elif seg.matches(token, low):
                nxt.append((r, p + 1))
        return self._state(self._closure(nxt))

    def _enter(self, state: MatchState[T], obj: Mapping[Any, Any], target: str | None) -> MatchState[T]:
        met = [(r, p + 1) for r, p in state._positions
               if p < len(self._segments[r]) and self._segments[r][p].kind == "where"
               and self._segments[r][p].accepts(obj)]
        entered = self._state(self._closure([*state._positions, *met])) if met else state
        if target is None:
            return entered
        # A search filter: its "value" goes where the key "field" names would lead.
        filtered: MatchState[T] = MatchState(self, entered._positions)
        filtered.by_object = False
        named = entered
        for part in target.split(".")[:8]:
            named = named.step_key(part)
        filtered.next_key["value"] = named
        return filtered

    def _state(self, positions: frozenset[tuple[int, int]]) -> MatchState[T]:
        state = self._states.get(positions)
        if state is None:
            state = self._states[positions] = MatchState(self, positions)
        return state

    def _best(self, positions: frozenset[tuple[int, int]]) -> T | None:
        ended = [r for r, p in positions if p == len(self._segments[r])]
        if not ended:
            return None
        return self._payloads[max(ended, key=lambda r: self._rank(r, self._payloads[r]))]
