"""Person names by cue anywhere in a sentence, by a gazetteer of given names, and NER spans made whole.

The examples are written here by hand from general English (and a few
European) ways of naming someone, not drawn from any generator or evaluation
corpus.  Each positive names the text and the name that must be found whole;
each negative is a log line or a sentence that must come out unchanged.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intercom_redact import Redactor
from intercom_redact.scanner import Scanner
from intercom_redact.scanner._findings import Finding
from intercom_redact.scanner._first_names import _SOURCES, _WORD, _Gazetteer, _unaccented, is_given_name, name_pieces
from intercom_redact.scanner._ner_spans import complete_person
from intercom_redact.scanner._text_cues import _PUNCTUATION, NAME_TITLES, NOT_NAME_WORDS, cue_not_a_name

SCANNER = Scanner(cache_size=0)
HAS_GAZETTEER = importlib.util.find_spec("gender_guesser") is not None
needs_gazetteer = pytest.mark.skipif(not HAS_GAZETTEER, reason="gender-guesser (the names extra) is not installed")
CENSUS = next(source for source in _SOURCES if source.package == "names")
needs_census = pytest.mark.skipif(not CENSUS.read(), reason="names (the given-names extra) is not installed")

CUED = [
    # titles, any case, before a name with initials or particles
    ("please ask ms. Ingeborg Halvorsen to call", "ms. Ingeborg Halvorsen"),
    ("MRS. Oduya left a voicemail", "MRS. Oduya"),
    ("Prof. Dr. Wendelin Ruf signed the form", "Prof. Dr. Wendelin Ruf"),
    ("the refund for Herr Jürgen van der Berg is pending", "Herr Jürgen van der Berg"),
    ("merci, Mme Apolline Vautrin", "Mme Apolline Vautrin"),
    # introductions and names given anywhere
    ("we checked it: her maiden name is Okonkwo", "Okonkwo"),
    ("Hello, I'm Benito S. Bianchi from the finance team", "Benito S. Bianchi"),
    ("I am Radomir and I cannot log in", "Radomir"),
    ("most people call me Tadeusz", "Tadeusz"),
    ("everyone calls me Kalinda", "Kalinda"),
    ("a customer named Karole A Török wrote in", "Karole A Török"),
    ("she goes by Marisol now", "Marisol"),
    # requests naming someone
    ("can I ask for Zdenka Horvat please", "Zdenka Horvat"),
    ("I'd like to speak to Hendrik-Jan de Wit", "Hendrik-Jan de Wit"),
    ("we will follow up with Aurelio Mancuso next week", "Aurelio Mancuso"),
    ("please add Folasade Adeyemi as an admin", "Folasade Adeyemi"),
    ("attn: Thorvald Eriksen", "Thorvald Eriksen"),
    ("Sure, said Ottilie, it works now", "Ottilie"),
    ("'I'm so sorry', said Ottilie to Bartosz", "Bartosz"),
    ("Quick note. Bartholomew here, the export is empty", "Bartholomew"),
    # a middle initial between two capitalised words
    ("the card of Leocadia M. Brandt was declined", "Leocadia M. Brandt"),
]

GIVEN = [
    ("Uwe Ziegler will join the call", "Uwe Ziegler"),
    ("contact Katharina Lindqvist merged into lead", "Katharina Lindqvist"),
    ("escalated by Contact Ingrid Solberg yesterday", "Ingrid Solberg"),
    ("Hervé, Agnès and Mathilde asked for a refund", "Hervé, Agnès and Mathilde"),
    ("Oskar: The invoice is wrong again", "Oskar"),
    ("Magdalena, can you resend the receipt?", "Magdalena"),
    ("Joachim is waiting for the export", "Joachim"),
    ("Leopoldine ordered the yearly plan", "Leopoldine"),
]

# Common US given names, which the Census files hold (the given-names extra, no GPL package).
GIVEN_CENSUS = [
    ("Deborah Whitfield will join the call", "Deborah Whitfield"),
    ("Gregory: The invoice is wrong again", "Gregory"),
    ("Jérôme Castellan asked for a refund", "Jérôme Castellan"),  # "Jerome" with its accents
    ("Kimberly, Dolores and Shirley signed up", "Kimberly, Dolores and Shirley"),
]

KEPT = [
    "Will retry in 5 s",
    "Max Retries exceeded for job 12",
    "Mark Read failed for conversation 4411",
    "Status: Active, Plan: Pro",
    "Error: Connection refused",
    "took 120 ms. Retry scheduled",
    "upgraded to Plan B Pro",
    "Click here, then save the settings",
    "I'm Stuck on step 2 of the import",
    "Paris, London and Berlin are enabled",
    "Apple Pay and Google Pay are enabled",
    "Grant Access to the workspace",
    "Hi team, thanks again",
    "Hello World from the worker",
    "Thanks again for the quick reply",
    "the Intercom Messenger loaded in Chrome",
    'File "/app/workers/export.py", line 88, in handle_request',
    "Added Slack as an integration",
    "Section A. Overview of the import",
]


def _found_whole(text: str, secret: str) -> bool:
    start = text.index(secret)
    covered = {i for f in SCANNER.scan(text) if f.entity_type == "PERSON" for i in range(f.start, f.end)}
    return all(i in covered for i in range(start, start + len(secret)) if text[i].isalnum())


@pytest.mark.parametrize(("text", "secret"), CUED, ids=[t for t, _ in CUED])
def test_a_cued_name_is_found_whole(text: str, secret: str) -> None:
    assert _found_whole(text, secret), SCANNER.scan(text)


@needs_gazetteer
@pytest.mark.parametrize(("text", "secret"), GIVEN, ids=[t for t, _ in GIVEN])
def test_a_given_name_is_found_without_a_cue(text: str, secret: str) -> None:
    assert _found_whole(text, secret), SCANNER.scan(text)


@needs_census
@pytest.mark.parametrize(("text", "secret"), GIVEN_CENSUS, ids=[t for t, _ in GIVEN_CENSUS])
def test_a_census_given_name_is_found_without_a_cue(text: str, secret: str) -> None:
    assert _found_whole(text, secret), SCANNER.scan(text)


@pytest.mark.parametrize("text", KEPT)
def test_log_lines_and_prose_are_kept(text: str) -> None:
    assert Redactor().redact_text(text) == text


@needs_gazetteer
def test_the_gazetteer_leaves_out_common_words() -> None:
    assert is_given_name("Uwe") and is_given_name("Kateřina") and is_given_name("Łukasz")
    assert not any(is_given_name(word) for word in ("Will", "Mark", "Grant", "Ruby", "Contact", "Error", "uwe"))


@needs_gazetteer
def test_the_gazetteer_answers_the_same_before_and_after_its_set_is_built() -> None:
    words = ["Uwe", "Søren", "Marguerite", "Zzyzx", "Export", "Anne-Marie", "Jiří", "Bartholomew"]
    fresh = _Gazetteer()
    from_the_file = [word in fresh for word in words]  # the set is not built yet: searched in the bytes
    fresh.build()
    assert [word in fresh for word in words] == from_the_file
    assert from_the_file[:3] == [True, True, True] and from_the_file[3:5] == [False, False]


@needs_census
def test_the_census_source_alone_answers_the_same_before_and_after_its_set_is_built() -> None:
    words = ["James", "Deborah", "Jerome", "JAMES", "james", "Zzyzx", "Export", "Uwe"]
    fresh = _Gazetteer((CENSUS,))
    from_the_file = [word in fresh for word in words]
    fresh.build()
    assert [word in fresh for word in words] == from_the_file
    assert from_the_file == [True, True, True, False, False, False, False, False]  # "Uwe": not a US name


def test_a_source_whose_package_is_missing_or_hidden_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, CENSUS.package, None)  # as a benchmark hides it
    assert CENSUS.read() == b""
    fresh = _Gazetteer((CENSUS,))
    assert "James" not in fresh
    fresh.build()
    assert "James" not in fresh


def test_accents_come_off_as_the_us_lists_write_names() -> None:
    assert [_unaccented(word) for word in ("Jérôme", "Łukasz", "Søren", "Zoë", "Ana")] == [
        "Jerome", "Lukasz", "Soren", "Zoe", "Ana"]


@needs_census
def test_a_common_word_stays_out_with_its_accents_off_too() -> None:
    assert is_given_name("Jérôme") and not is_given_name("Màrk") and not is_given_name("Will")


@needs_gazetteer
def test_a_forked_child_schedules_its_own_build() -> None:
    fresh = _Gazetteer()
    assert "Uwe" in fresh  # reads the file, schedules the set's build in this process
    fresh._builder_of = -1  # as a forked child finds it: the parent's builder thread did not come along
    assert "Uwe" in fresh
    assert fresh._builder_of == os.getpid()


@needs_gazetteer
def test_name_pieces_start_at_each_given_name_longest_first() -> None:
    assert list(name_pieces("Contact Jane Doe")) == [(8, 16)]  # a piece holds two words at least
    assert list(name_pieces("Contact Jane Anne Doe")) == [(8, 21), (8, 17), (13, 21)]


# The name rows' checks, written for speed, answer as they were first written (kept here as the reference).
def _pieces_as_written(text: str) -> list[tuple[int, int]]:
    words = [match.span() for match in _WORD.finditer(text)]
    return [(start, end) for i, (start, first_end) in enumerate(words) if is_given_name(text[start:first_end])
            for _, end in reversed(words[i + 1:]) if (i, end) != (0, len(text))]


def _cue_not_a_name_as_written(text: str) -> bool:
    words = [word.strip(_PUNCTUATION).lower() for word in text.split()
             if word[:1].isupper() and len(word.rstrip(".")) > 1]
    while words and words[0].rstrip(".") in NAME_TITLES:
        words.pop(0)
    return not words or any(word.removesuffix("'s").removesuffix("’s") in NOT_NAME_WORDS for word in words)


_NAME_ROW_PIECES = st.sampled_from([
    "Jane", "Anne", "Uwe", "Doe", "Hi", "Thanks", "Mr", "Mr.", "mr", "Dr.", "Prof", "Stuck", "Back's", "Back’s", "Here",
    "A", "A.", "B.Eng.", "Jr.", "van", "de", "O'Neil", "Anne-Marie", "(Jane)", "\"Doe\"", "x", "1", " ", "\t", "\n", ",",
    ".", "'",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_NAME_ROW_PIECES, max_size=10).map("".join))
def test_the_name_rows_checks_answer_as_written(text: str) -> None:
    assert cue_not_a_name(text) == _cue_not_a_name_as_written(text), text
    assert list(name_pieces(text)) == _pieces_as_written(text), text


@needs_gazetteer
def test_a_name_ending_on_a_given_name_opens_no_piece_there() -> None:
    assert list(name_pieces("Contact Jane Doe Anne")) == [(8, 21), (8, 16)]


def test_a_cue_is_no_name_past_its_titles_or_when_only_titles_and_initials_follow() -> None:
    assert cue_not_a_name("Mr. Dr Stuck's") and cue_not_a_name("Mr Dr. A.") and not cue_not_a_name("Mr A. Doe")
    assert cue_not_a_name("Dr Here") and not cue_not_a_name("Dr Jane Mr")  # a title past a name's word is one of its words


# -- NER spans made whole (the model's output given, so no model is needed) -------------------------

@pytest.mark.parametrize(("text", "found", "whole"), [
    ("My name is Anna A. Andersson.", "Anna", "Anna A. Andersson"),
    ("You can tell Milorad S Musić was a fan", "Milorad", "Milorad S Musić"),
    ("listed by Mr Graham McCaskill today", "Graham McCaskill", "Mr Graham McCaskill"),
    ("ask ms. Emilia Artemieva", "Emilia", "ms. Emilia Artemieva"),
    ("verses from Riku Andou's Cautionary Tales", "Riku Andou's", "Riku Andou"),
    ("Beaufort Galarneau\n\n0165 Main Road", "Galarneau\n\n0165 Main", "Galarneau"),
    ("Jane Doe Support replied", "Jane", "Jane Doe"),
])
def test_an_ner_person_span_is_completed(text: str, found: str, whole: str) -> None:
    start = text.index(found)
    [finding] = complete_person(text, [Finding(start, start + len(found), "PERSON", 0.85)])
    assert text[finding.start:finding.end] == whole


def test_an_ner_person_span_of_common_words_is_dropped() -> None:
    text = "I'm Stuck on step 2"
    assert complete_person(text, [Finding(4, 9, "PERSON", 0.85)]) == []


def test_other_ner_types_are_left_alone() -> None:
    place = Finding(0, 5, "LOCATION", 0.85)
    assert complete_person("Paris Texas", [place]) == [place]


@needs_gazetteer
def test_an_ner_person_span_grows_over_the_given_name_before_it() -> None:
    text = "escalated to Katharina Lindqvist today"
    start = text.index("Lindqvist")
    [finding] = complete_person(text, [Finding(start, start + len("Lindqvist"), "PERSON", 0.85)])
    assert text[finding.start:finding.end] == "Katharina Lindqvist"
    text = "escalated to Contact Lindqvist today"  # no given name before it: left as found
    start = text.index("Lindqvist")
    assert complete_person(text, [Finding(start, start + 9, "PERSON", 0.85)])[0].start == start
