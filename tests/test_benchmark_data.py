"""The benchmarks' inputs: deterministic for a seed, and labeled where they say.

The benchmarks themselves are not run here (they time things); what they feed
the library must be what their tables claim.
"""

from __future__ import annotations

import html
import random
import sys
from pathlib import Path

import pytest

pytest.importorskip("faker")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_accuracy import SAFE, Sample, bodies, log_event, survives
from stream_events import otel_record, stream


def test_the_stream_is_the_same_for_a_seed_and_differs_between_seeds() -> None:
    assert stream(40, seed=3) == stream(40, seed=3)
    assert stream(40, seed=3) != stream(40, seed=4)


def test_every_event_of_the_stream_is_distinct_and_embeds_its_contact() -> None:
    events = stream(200, seed=5)
    assert len({fields["contact"]["email"] for _, fields in events}) == len(events)
    for message, fields in events:
        contact = fields["contact"]
        assert any(value in message for c in ("email", "name") for value in (contact[c], contact[c].lower()))
    with_body = [fields for _, fields in events if "conversation_part" in fields]
    assert len(with_body) == len(events) // 5
    body, attributes = otel_record(events[0])
    assert body == events[0][1]["conversation_part"]["body"] and "body" not in attributes["conversation_part"]


def test_a_rendered_body_keeps_the_exact_spans_of_the_planted_values() -> None:
    text = "Mail Zoë & Ann at 1 Main St\nSpringfield <now>"
    sample = Sample(text, "en_US", [(5, 8, "PERSON"), (18, 39, "STREET_ADDRESS")])
    [body] = bodies([sample], random.Random(1))
    labeled = [(body.html[start:end], label) for start, end, label in body.spans]
    assert ("Zoë", "PERSON") in labeled
    assert ("1 Main St<br>Springfield", "STREET_ADDRESS") in labeled
    assert html.unescape(body.html).count("<now>") == 1  # text is escaped, not markup
    assert [label for _, label in labeled].count(SAFE) == 3


def test_a_log_event_plants_each_value_in_the_text_and_under_its_key() -> None:
    sample = Sample("Call Ann Lee on 555-0100", "en_US", [(5, 12, "PERSON"), (16, 24, "PHONE_NUMBER")])
    item = log_event(sample, random.Random(1), 0)
    assert {(label, value, path[0]) for label, value, path in item.planted} == {
        ("PERSON", "Ann Lee", "part"), ("PERSON", "Ann Lee", "contact"),
        ("PHONE_NUMBER", "555-0100", "part"), ("PHONE_NUMBER", "555-0100", "contact")}
    assert item.event["contact"]["name"] == "Ann Lee"
    assert survives(item.event, "Ann Lee", ("part", "body"))
    assert not survives({"part": {"body": "Call [REDACTED] on x"}}, "Ann Lee", ("part", "body"))
    assert not survives({"part": {"body": "Call Ann Leeds"}}, "Ann Lee", ("part", "body"))
