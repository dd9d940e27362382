"""The redaction engine: one walk over any value, driven by a compiled policy.

A call runs in three phases:

1. **Walk**: copy the value, applying field rules.  Strings no rule claims are
   free text: they are set aside, and every personal value a rule caught is
   remembered as a *known value*.
2. **Scan**: the free-text strings go through the scanner (gate, Presidio,
   known values) and their findings are replaced.
3. **Finish**: copies of tuples, sets, bytes, dataclasses, models, exceptions and
   other objects are rebuilt now that their contents are final.

Every bound (depth, cycles, size, time) and every error ends in the value being
replaced whole by a placeholder: the engine fails closed and never raises.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import decimal
import enum
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._failclosed import UNSCANNED, blank
from . import _structured
from ._paths import MAX_CACHED_TRANSITIONS, MatchState, PathMatcher, parse_path
from ._vocabulary import looks_personal
from .actions import HmacKey, mask, normalize, pseudonymize
from .policy import Policy, PolicyError, Rule

__all__ = ["Redactor", "Summary"]

# Op kinds, ordered so that "kind <= SCAN" means "the value may be kept as is".
_KEEP, _SCAN, _REPLACE, _DROP = 0, 1, 2, 3

_SCALARS = frozenset({int, float, bool, type(None), complex})
# The cheap test before a string is parsed for structure (a regex search, in C).
_may_hold_structure = _structured.may_hold_structure
_STRUCTURE_WINDOW = _structured.MAX_LENGTH
# Values of these types carry no free text: kept unless a rule says otherwise.
_OPAQUE = (_dt.date, _dt.time, _dt.timedelta, uuid.UUID, decimal.Decimal, enum.Enum, range)

# Known values shorter than this would match inside ordinary words.
_MIN_KNOWN_LENGTH = 3
_TRACK_CYCLES_FROM = 8
# More known values than this in one event (a bulk payload of contacts) and its
# free text is redacted whole rather than searched value by value.
_MAX_KNOWN_VALUES = 2000
# Intercom bodies are HTML fragments; other text is read as plain text, so that
# "<jane@example.com>" in a log message is never mistaken for a tag.
_LOOKS_LIKE_HTML = re.compile(
    r"</?(?:p|br|div|span|a|b|i|u|em|strong|ul|ol|li|img|h[1-6]|blockquote|pre|code|table|tr|td|th|hr)"
    r"(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
).search


@dataclass(slots=True)
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

    def add(self, entity_type: str, rule: str) -> None:
        self.count += 1
        self.types[entity_type] = self.types.get(entity_type, 0) + 1
        self.rules[rule] = self.rules.get(rule, 0) + 1

    def failed(self, reason: str) -> None:
        self.fail_closed[reason] = self.fail_closed.get(reason, 0) + 1
        self.add(UNSCANNED, "fail_closed")


class _Op:
    """A rule (or an entity type) compiled into what the walk does."""

    __slots__ = ("kind", "type", "label", "apply", "secret", "specificity", "own_action", "only_if")

    def __init__(self, kind: int, type_: str | None, label: str,
                 apply: Callable[[str], str] | None = None,
                 secret: bool = False, specificity: int = 0, own_action: bool = False,
                 only_if: Callable[[str], object] | None = None):
        self.kind = kind
        self.type = type_
        self.label = label
        self.apply = apply
        self.secret = secret
        self.specificity = specificity
        # True when the rule's action differs from its type's: the same value
        # found in free text must then get the rule's replacement, not the type's.
        self.own_action = own_action
        # A scan op for identifiers: scan a string only when only_if(text) says so.
        self.only_if = only_if


class Redactor:
    """Redact personal data from any value according to a :class:`Policy`.

    :param policy: the data policy; the Intercom classification by default.
    :param hmac_key: key for ``pseudonymize`` (str or bytes); defaults to the
        ``INTERCOM_REDACT_HMAC_KEY`` environment variable.  A policy that
        pseudonymizes without a key is a configuration error.
    :param hmac_key_id: id written into pseudonyms so keys can rotate; derived
        from the key when omitted (``INTERCOM_REDACT_HMAC_KEY_ID``).
    :param ner_model: name of an installed spaCy model for names and places in
        free text (e.g. ``"en_core_web_sm"``); pattern recognizers only when
        ``None``.
    :param scanner: a ready :class:`~intercom_redact.scanner.Scanner` to share
        between redactors (overrides ``ner_model``).

    A ``Redactor`` is thread-safe and picklable; compile it once and share it.
    """

    def __init__(self, policy: Policy | None = None, *, hmac_key: str | bytes | HmacKey | None = None,
                 hmac_key_id: str | None = None, ner_model: str | None = None,
                 scanner: Any = None) -> None:
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
        paths = []
        for rule in policy.rules:
            paths.append((rule.segments, self._rule_op(rule)))
        secret = self._type_op("SECRET")
        for key in sorted(policy.secret_keys):
            op = _Op(_REPLACE, "SECRET", "secret_keys", secret.apply, secret=True)
            paths.append((parse_path(f"**.{_quote(key)}"), op))
        self._matcher: PathMatcher[_Op] = PathMatcher(
            paths, rank=lambda index, op: (op.secret, op.specificity, index)
        )
        self._root = self._matcher.root
        for entity_type in policy.types:
            self._type_op(entity_type)  # a pseudonymize type without a key fails here, not per event
        self._default = _Op(_SCAN, None, "default")
        self._unscanned = policy.placeholder_for(UNSCANNED)

    def _rule_op(self, rule: Rule) -> _Op:
        spec = rule.specificity
        action = rule.action
        if action == "keep":
            return _Op(_KEEP, rule.type, rule.path, specificity=spec)
        if action == "scan":
            return _Op(_SCAN, rule.type, rule.path, specificity=spec)
        if action == "identifier":
            return _Op(_SCAN, rule.type, rule.path, specificity=spec, only_if=looks_personal)
        entity_type = rule.type or "PII"
        if action is None:
            action = self._policy.type_action(entity_type)
            if action == "keep":
                return _Op(_KEEP, entity_type, rule.path, specificity=spec)
        if action == "drop":
            return _Op(_DROP, entity_type, rule.path, specificity=spec)
        return _Op(_REPLACE, entity_type, rule.path, self._replacer(action, entity_type, rule.path),
                   specificity=spec, own_action=action != self._policy.type_action(entity_type))

    def _type_op(self, entity_type: str) -> _Op:
        """The op for values of ``entity_type`` found in free text (memoised)."""
        op = self._type_ops.get(entity_type)
        if op is None:
            action = self._policy.type_action(entity_type)
            if action == "keep":
                op = _Op(_KEEP, entity_type, "scanner")
            else:
                op = _Op(_REPLACE, entity_type, "scanner",
                         self._replacer(action, entity_type, f"types.{entity_type}"))
            self._type_ops[entity_type] = op
        return op

    def _replacer(self, action: str, entity_type: str, where: str) -> Callable[[str], str]:
        placeholder = self._policy.placeholder_for(entity_type)
        if action == "redact":
            return lambda value: placeholder
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
    def scanner(self):
        """The free-text :class:`~intercom_redact.scanner.Scanner` (built on first use)."""
        scanner = self._scanner
        if scanner is None:
            with self._scanner_lock:
                if self._scanner is None:
                    self._scanner = self._build_scanner()
                scanner = self._scanner
        return scanner

    def _build_scanner(self):
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
        try:
            walk = _Walk(self, summary, scan)
            return walk.run(value), summary
        except Exception:
            summary.failed("error")
            return self.fail_closed(value), summary

    def redact_text(self, text: str, *, html: bool = False,
                    known_values: Iterable[tuple[str, str]] = ()) -> str:
        """Redact one free-text string (a message, a conversation body)."""
        summary = Summary()
        try:
            if not isinstance(text, str):
                raise TypeError("redact_text takes a str")
            return self._redact_texts([text], html, list(known_values), summary, True)[0]
        except Exception:
            return self._unscanned

    @property
    def unscanned(self) -> str:
        """The placeholder of a value redacted whole (``[REDACTED:UNSCANNED]`` by default)."""
        return self._unscanned

    def fail_closed(self, value: Any, *, marker: type | None = None) -> Any:
        """``value`` redacted whole: an event keeps its identifier-like keys, nothing else.

        What every sink does when redaction cannot finish (see :mod:`._failclosed`).
        """
        return blank(value, self._unscanned, marker=marker)

    def _redact_texts(self, texts: list[str], html: bool | None, known: list[tuple[str, str]],
                      summary: Summary, scan: bool, overrides: list[tuple[str, str, _Op]] = ()) -> list[str]:
        if not scan and not known:
            return texts
        # One scanner call per kind of text, so the event's known values are prepared once.
        flags = [html if html is not None else _LOOKS_LIKE_HTML(text) is not None for text in texts]
        findings: list = [None] * len(texts)
        for flag in (False, True):
            indexes = [i for i, f in enumerate(flags) if f is flag]
            if indexes:
                batch = self.scanner.scan_batch([texts[i] for i in indexes], html=flag,
                                                known_values=known, known_only=not scan)
                for i, found in zip(indexes, batch):
                    findings[i] = found
        return [self._apply(text, found, flag, summary, overrides) if found else text
                for text, found, flag in zip(texts, findings, flags)]

    def _apply(self, text: str, findings, html: bool, summary: Summary,
               overrides: list[tuple[str, str, _Op]]) -> str:
        from .scanner import apply_findings

        kept = []
        for finding in findings:
            if finding.entity_type == UNSCANNED:
                summary.failed("unscanned")
                return self._unscanned
            op = self._type_op(finding.entity_type)
            if op.kind != _KEEP:
                kept.append(finding)
                summary.add(finding.entity_type, "scanner")
        if not kept:
            return text

        by_value = {(t, normalize(t, v)): op for t, v, op in overrides}

        def replacement(finding) -> str:
            value = text[finding.start:finding.end]
            op = by_value.get((finding.entity_type, normalize(finding.entity_type, value))) if by_value else None
            return (op or self._type_op(finding.entity_type)).apply(value)

        return apply_findings(text, kept, replacement, html=html)

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
        return f"<Redactor rules={len(self._policy.rules)} ner_model={self._ner_model!r}{key}>"


def _quote(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Walk:
    """The state of one ``redact`` call.  Not shared between calls or threads."""

    __slots__ = ("r", "summary", "scan", "known", "overrides", "texts", "finishers", "nodes", "max_nodes",
                 "max_depth", "deadline", "active")

    def __init__(self, redactor: Redactor, summary: Summary, scan: bool):
        policy = redactor._policy
        self.r = redactor
        self.summary = summary
        self.scan = scan
        self.known: list[tuple[str, str]] = []
        self.overrides: list[tuple[str, str, _Op]] = []
        # Free text set aside in phase 1: (container, key, text).
        self.texts: list[tuple[Any, Any, str]] = []
        # Rebuilds run in phase 3, innermost first: (container, key, rebuild, parts).
        self.finishers: list[tuple[Any, Any, Callable[[Any], Any], Any]] = []
        self.nodes = 0
        self.max_nodes = policy.max_nodes
        self.max_depth = policy.max_depth
        self.deadline = time.perf_counter() + policy.time_budget
        self.active: set[int] = set()

    def run(self, value: Any) -> Any:
        box = [None]
        self.put(box, 0, value, self.r._root, self.r._default, 0)
        if box[0] is self.r._unscanned and isinstance(value, Mapping):
            return self.r.fail_closed(value)  # an event stays a dict, with none of its content
        if self.texts:
            containers = [(c, k) for c, k, _ in self.texts]
            # Searching every text for every known value costs texts x values: an
            # event past either bound has its free text redacted whole instead.
            reason = ("time" if time.perf_counter() > self.deadline
                      else "size" if len(self.known) > _MAX_KNOWN_VALUES else None)
            if reason is not None:
                redacted = [self.fail(reason) for _ in containers]
            else:
                redacted = self.r._redact_texts([t for _, _, t in self.texts], None, self.known,
                                                self.summary, self.scan, self.overrides)
            for (container, key), text in zip(containers, redacted):
                container[key] = text
        for container, key, rebuild, parts in self.finishers:
            try:
                container[key] = rebuild(parts)
            except Exception:
                self.summary.failed("error")
                container[key] = self.r._unscanned
        return box[0]

    # -- helpers ------------------------------------------------------------------------

    def fail(self, reason: str) -> str:
        self.summary.failed(reason)
        return self.r._unscanned

    def replace(self, op: _Op, value: Any) -> str:
        """Apply a redact/mask/pseudonymize op to a scalar and remember the value."""
        if type(value) is str:
            text = value
        else:
            try:
                text = str(value)
            except Exception:  # e.g. an int past sys.get_int_max_str_digits()
                return self.fail("error")
        if len(text) >= _MIN_KNOWN_LENGTH:
            self.known.append((op.type, text))
            if op.own_action:
                self.overrides.append((op.type, text, op))
        self.summary.add(op.type, op.label)
        return op.apply(text)

    def collect_known(self, value: Any, state: MatchState[_Op], entity_type: str, depth: int) -> None:
        """Remember the strings inside a container a rule redacted whole (a location)."""
        if depth > 4:
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                child = state.step_key(k if type(k) is str else _key_text(k))
                if child.match is None or child.match.kind != _KEEP:
                    self.collect_known(v, child, entity_type, depth + 1)
        elif isinstance(value, (list, tuple)):
            for v in value[:50]:
                self.collect_known(v, state.step_index(0), entity_type, depth + 1)
        elif type(value) is str and len(value) >= _MIN_KNOWN_LENGTH:
            self.known.append((entity_type, value))

    # -- the walk -----------------------------------------------------------------------

    def put(self, out: Any, key: Any, v: Any, state: MatchState[_Op], op: _Op, depth: int) -> bool:
        """Store the redacted ``v`` at ``out[key]``; False when the op drops it."""
        t = type(v)
        kind = op.kind
        if t is str or t in _SCALARS:
            if kind <= _SCAN or v is None or t is bool:  # numbers carry no free text
                out[key] = v
                if kind == _SCAN and t is str:
                    self.set_aside(out, key, v, state, op, depth)
            elif kind == _REPLACE:
                out[key] = self.replace(op, v)
            else:
                self.drop(op, v)
                return False
            return True
        if kind == _DROP:
            self.drop(op, v)
            return False
        if kind == _REPLACE:
            self.summary.add(op.type, op.label)
            self.collect_known(v, state, op.type, 0)
            out[key] = self.r._policy.placeholder_for(op.type)
            return True
        if depth >= self.max_depth:
            out[key] = self.fail("depth")
            return True
        if time.perf_counter() > self.deadline:
            out[key] = self.fail("time")
            return True
        try:
            if t is dict:
                out[key] = self.mapping(v, state, op, depth)
            elif t is list:
                out[key] = self.sequence(v, state, op, depth)
            else:
                self.other(out, key, v, state, op, depth)
        except _Abort as abort:
            out[key] = self.fail(abort.reason)
        except RecursionError:
            out[key] = self.fail("depth")
        except Exception:
            out[key] = self.fail("error")
        return True

    def set_aside(self, out: Any, key: Any, text: str, state: MatchState[_Op], op: _Op, depth: int) -> None:
        """A string a scan op selected: kept, walked as the structure it holds, or free text.

        The hook for identifiers (``op.only_if``: an opaque id is kept, an e-mail
        used as one is scanned) and for structure inside strings
        (:mod:`intercom_redact._structured`: the parsed value is walked here, at
        the string's place, and written back in its format in phase 3).
        """
        if op.only_if is not None and not op.only_if(text):
            return
        parsed = _structured.parse(text) if _may_hold_structure(text, 0, _STRUCTURE_WINDOW) else None
        if parsed is None:
            self.texts.append((out, key, text))
        elif isinstance(parsed, _structured.Parsed):
            parts: dict[str, Any] = {"layers": [None] * len(parsed.layers), "skeleton": parsed.skeleton}
            for index, layer in enumerate(parsed.layers):
                self.put(parts["layers"], index, layer, state, op, depth + 1)
            if parsed.skeleton is not None:
                self.texts.append((parts, "skeleton", parsed.skeleton))
            self.later(out, key, parsed.write, parts)
        else:  # TOO_BIG
            out[key] = self.fail("size")

    def drop(self, op: _Op, v: Any) -> None:
        if type(v) is str and len(v) >= _MIN_KNOWN_LENGTH:
            self.known.append((op.type, v))
        self.summary.add(op.type, op.label)

    def enter(self, v: Any, size: int, depth: int) -> int:
        self.nodes += size
        if self.nodes > self.max_nodes:
            raise _Abort("size")
        # Real events are shallow; only deep walks pay for cycle tracking (a cycle
        # is also stopped by the depth bound, this just names it).
        if depth < _TRACK_CYCLES_FROM:
            return 0
        ident = id(v)
        if ident in self.active:
            raise _Abort("cycle")
        self.active.add(ident)
        return ident

    def mapping(self, d: Mapping[Any, Any], state: MatchState[_Op], op: _Op, depth: int) -> dict:
        ident = self.enter(d, len(d), depth)
        out: dict[Any, Any] = {}
        depth += 1
        if state.by_object:  # conditions on the object ({"type": "company"}), search filters
            state = state.for_object(d)
        next_key = state.next_key
        texts = self.texts
        # The common leaves (kept or free-text strings and numbers) are handled
        # inline: this loop runs for every key of every event.
        for k, v in d.items():
            child = next_key.get(k)
            if child is None:
                child, k = self.new_key(state, k, out)
            m = child.match
            if m is not None:
                op_v = m
            else:
                op_v = op
            t = type(v)
            if t is str:
                kind = op_v.kind
                if kind == _KEEP:
                    out[k] = v
                    continue
                if kind == _SCAN:
                    out[k] = v
                    only_if = op_v.only_if
                    if only_if is None or only_if(v):
                        if _may_hold_structure(v, 0, _STRUCTURE_WINDOW) is None:
                            texts.append((out, k, v))
                        else:
                            self.set_aside(out, k, v, child, op_v, depth)
                    continue
            elif t in _SCALARS and op_v.kind <= _SCAN:
                out[k] = v
                continue
            self.put(out, k, v, child, op_v, depth)
        if ident:
            self.active.discard(ident)
        return out

    def new_key(self, state: MatchState[_Op], key: Any, out: dict) -> tuple[MatchState[_Op], Any]:
        """A key not seen at this place before: scan it as free text before trusting it.

        Clean keys enter the transition cache and are never scanned again; a key
        holding personal data (``{"jane@example.com": 3}``) is replaced by its
        redacted text and stays out of the cache, so it is checked every time.
        """
        text = key if type(key) is str else _key_text(key)
        findings = self.r.scanner.scan(text)
        if not findings:
            child = state.step_key(text)
            if type(key) is not str and len(state.next_key) < MAX_CACHED_TRANSITIONS:
                state.next_key[key] = child  # e.g. the sinks' part markers: cached as themselves
            return child, key
        redacted = self.r._apply(text, findings, False, self.summary, ())
        clean, n = redacted, 1
        while clean in out:  # two keys redacted alike must not overwrite each other
            n += 1
            clean = f"{redacted}#{n}"
        return state.step_key(text, cache=False), clean

    def sequence(self, items: Iterable[Any], state: MatchState[_Op], op: _Op, depth: int) -> list:
        items = items if isinstance(items, (list, tuple)) else list(items)
        ident = self.enter(items, len(items), depth)
        out: list[Any] = []
        depth += 1
        for i, v in enumerate(items):
            child = state.step_index(i)
            m = child.match
            out.append(None)
            if not self.put(out, len(out) - 1, v, child, op if m is None else m, depth):
                out.pop()
        if ident:
            self.active.discard(ident)
        return out

    def other(self, out: Any, key: Any, v: Any, state: MatchState[_Op], op: _Op, depth: int) -> None:
        """Everything that is not a str, scalar, dict or list."""
        if isinstance(v, _OPAQUE):
            out[key] = v
        elif isinstance(v, (bytes, bytearray, memoryview)):
            box = [None]
            self.put(box, 0, bytes(v).decode("utf-8", "surrogateescape"), state, op, depth)
            kind = type(v) if type(v) in (bytes, bytearray) else bytes
            self.later(out, key, lambda b: b[0] if not isinstance(b[0], str)
                       else kind(b[0].encode("utf-8", "surrogateescape")), box)
        elif isinstance(v, Mapping):
            self.later(out, key, _rebuild_mapping(type(v)), self.mapping(v, state, op, depth))
        elif isinstance(v, (list, tuple, set, frozenset)):
            self.later(out, key, _rebuild_sequence(v), self.sequence(v, state, op, depth))
        elif isinstance(v, BaseException):
            self.exception(out, key, v, state, op, depth)
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            fields = {f.name: getattr(v, f.name) for f in dataclasses.fields(v)}
            self.later(out, key, _rebuild_object(v), self.mapping(fields, state, op, depth))
        elif hasattr(v, "__pydantic_fields__") and hasattr(v, "__dict__"):
            fields = dict(v.__dict__)
            fields.update(getattr(v, "__pydantic_extra__", None) or {})
            self.later(out, key, _rebuild_model(v), self.mapping(fields, state, op, depth))
        elif hasattr(v, "__dict__") and _default_text(type(v)):
            # Its text shows no data, so a copy with redacted attributes is safe.
            self.later(out, key, _rebuild_object(v), self.mapping(vars(v), state, op, depth))
        else:
            # Anything else is logged by its text: redact that text.
            self.put(out, key, _safe_str(v), state, op, depth)

    def exception(self, out: Any, key: Any, exc: BaseException, state: MatchState[_Op],
                  op: _Op, depth: int) -> None:
        ident = id(exc)
        if ident in self.active:  # a chain that loops back (e.__context__.__context__ is e)
            raise _Abort("cycle")
        self.active.add(ident)
        try:
            parts: dict[str, Any] = {}
            self.put(parts, "args", tuple(exc.args), state, op, depth)
            self.put(parts, "message", _safe_str(exc), state, op, depth)
            attrs = getattr(exc, "__dict__", None)
            if attrs:
                self.put(parts, "attrs", dict(attrs), state, op, depth)
            # Follow the chain as a traceback shows it: the cause, else the context
            # unless suppressed.  ``raise … from`` sets both to the same exception,
            # and walking both would double the work at every link.
            if exc.__cause__ is not None:
                self.put(parts, "__cause__", exc.__cause__, state, op, depth + 1)
            elif exc.__context__ is not None and not exc.__suppress_context__:
                self.put(parts, "__context__", exc.__context__, state, op, depth + 1)
        finally:
            self.active.discard(ident)
        self.later(out, key, _rebuild_exception(exc), parts)

    def later(self, out: Any, key: Any, rebuild: Callable[[Any], Any], parts: Any) -> None:
        out[key] = parts  # placeholder until phase 3; never returned as is
        self.finishers.append((out, key, rebuild, parts))


class _Abort(Exception):
    def __init__(self, reason: str):
        self.reason = reason


def _key_text(key: Any) -> str:
    try:
        return key if isinstance(key, str) else str(key)
    except Exception:
        return "?"


def _default_text(kind: type) -> bool:
    """True when instances render as ``<Kind object at 0x…>`` (no data in the text)."""
    return kind.__repr__ is object.__repr__ and kind.__str__ is object.__str__


def _safe_str(value: Any) -> str:
    try:
        text = str(value)
        if type(text) is not str:
            raise TypeError
        return text
    except Exception:
        raise _Abort("error") from None


def _rebuild_mapping(kind: type) -> Callable[[dict], Any]:
    def rebuild(items: dict) -> Any:
        try:
            return kind(items)
        except Exception:
            return items

    return rebuild


def _rebuild_sequence(original: Any) -> Callable[[list], Any]:
    kind = type(original)

    def rebuild(items: list) -> Any:
        if kind in (tuple, list, set, frozenset):
            return kind(items)
        if isinstance(original, tuple) and hasattr(original, "_make"):
            return original._make(items)  # namedtuple
        try:
            return kind(items)
        except Exception:
            return tuple(items) if isinstance(original, tuple) else list(items)

    return rebuild


def _rebuild_object(original: Any) -> Callable[[dict], Any]:
    def rebuild(fields: dict) -> Any:
        try:
            clone = copy.copy(original)
            for name, value in fields.items():
                object.__setattr__(clone, name, value)
            return clone
        except Exception:
            return fields

    return rebuild


def _rebuild_model(original: Any) -> Callable[[dict], Any]:
    def rebuild(fields: dict) -> Any:
        try:
            return type(original).model_construct(**fields)
        except Exception:
            return fields

    return rebuild


def _exception_or_none(value: Any) -> BaseException | None:
    return value if isinstance(value, BaseException) else None


def _rebuild_exception(original: BaseException) -> Callable[[dict], Any]:
    def rebuild(parts: dict) -> Any:
        try:
            clone = copy.copy(original)
            clone.args = parts["args"]
            if "attrs" in parts:
                clone.__dict__.update(parts["attrs"])
            # A link that failed closed is a placeholder string, not an exception: drop it.
            clone.__cause__ = _exception_or_none(parts.get("__cause__"))
            clone.__context__ = _exception_or_none(parts.get("__context__"))
            clone.__traceback__ = None  # frames hold locals we cannot redact in place
            if str(clone) == str(original) and parts["message"] != str(original):
                raise ValueError("str() does not follow args")
            return clone
        except Exception:
            # Keep the type's name and the redacted message; lose the type.
            return f"{type(original).__name__}: {parts['message']}"

    return rebuild

