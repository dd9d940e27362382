"""How RedactingLogRecordProcessor writes redacted attributes back into a record,
and RedactingLogExporter into the copy it exports.

A changed value the SDK would store unchanged is put in the record's
attributes without the SDK cleaning it again (``otel._stored_as_is``).  These
tests pin that to what the SDK itself stores: the record must come out exactly
as when every changed value goes through ``BoundedAttributes.__setitem__``,
with the SDK's value length limit applied to pseudonyms longer than the values
they replace.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import warnings
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

import strategies
from intercom_redact import Policy, Redactor, _core, otel
from intercom_redact.otel import RedactingLogExporter, RedactingLogRecordProcessor

EMAIL = "jane.doe@example.com"
NAME = "Jane Doe"

_PSEUDONYMIZE = Policy.from_dict({"types": {"EMAIL_ADDRESS": {"action": "pseudonymize"},
                                             "PERSON": {"action": "pseudonymize"},
                                             "PHONE_NUMBER": {"action": "mask"}}})
PSEUDONYMS = Redactor(dataclasses.replace(_PSEUDONYMIZE, time_budget=strategies.UNHURRIED_BUDGET),
                      hmac_key="test-key")
DEFAULT = strategies.unhurried_redactor()


def emitted(redactor: Redactor, body: Any, attributes: dict[str, Any], *, scan: bool = False,
            summary: bool = False, value_limit: int | None = None, count_limit: int | None = None,
            pieces: str = "processor") -> Any:
    """The record a provider with the processor hands to the next processor; with
    ``pieces`` "deferred" or "exporter", what a RedactingLogExporter after it
    (scan deferred) or alone exports."""
    limits = {"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": value_limit, "OTEL_ATTRIBUTE_COUNT_LIMIT": count_limit}
    environ = {name: str(limit) for name, limit in limits.items() if limit is not None}
    # The SDK reads the limits from the environment (when the provider or the record is made).
    with mock.patch.dict(os.environ, environ), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # attributes dropped over the count limit
        provider = LoggerProvider()
        exported = InMemoryLogRecordExporter()
        if pieces != "exporter":
            provider.add_log_record_processor(
                RedactingLogRecordProcessor(redactor, scan=scan and pieces == "processor", summary=summary))
        exporter = exported if pieces == "processor" else RedactingLogExporter(exported, redactor, summary=summary)
        provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
        provider.get_logger("app").emit(body=body, attributes=attributes)
    [record] = exported.get_finished_logs()
    provider.shutdown()
    return record


def shown(record: Any) -> str:
    """Everything an exporter reads of the record, types and key order included."""
    attributes = record.log_record.attributes
    return repr((record.log_record.body, list(attributes.items()), attributes.dropped,
                 attributes.max_value_len, attributes.maxlen))


def through_the_sdk(*args: Any, **kwargs: Any) -> str:
    """:func:`emitted` with every changed value cleaned by the SDK (no shortcut)."""
    with mock.patch.object(otel, "_stored_as_is", lambda new, old, limit: False):
        return shown(emitted(*args, **kwargs))


def test_a_pseudonym_longer_than_the_value_limit_is_cut_as_the_sdk_cuts_it():
    attributes = {"contact": {"id": "c1", "email": EMAIL, "name": NAME}, "note": f"from {EMAIL}"}

    record = emitted(PSEUDONYMS, "hello", attributes, value_limit=24)

    stored = record.log_record.attributes
    assert len(stored["contact"]["email"]) == 24 and stored["contact"]["email"].startswith("EMAIL_ADDRESS:")
    assert len(stored["note"]) == 24 and EMAIL not in stored["note"]
    assert stored["contact"]["id"] == "c1"
    assert shown(record) == through_the_sdk(PSEUDONYMS, "hello", attributes, value_limit=24)


def test_values_within_the_limit_are_stored_as_the_sdk_stores_them():
    attributes = {"contact": {"id": "c1", "email": EMAIL, "seats": 3, "tags": ("a", "b"),
                              "location": {"city": "Utrecht", "country": "Netherlands"},
                              "custom_attributes": {"plan": "pro", "onboarded": True}},
                  "request": {"path": "/contacts/c1", "status": 200}, "user.email": EMAIL}

    record = emitted(DEFAULT, f"to {EMAIL}", attributes, value_limit=200)

    stored = record.log_record.attributes
    assert stored["contact"]["email"] == "[REDACTED:EMAIL_ADDRESS]"
    assert stored["contact"]["location"] == "[REDACTED:LOCATION]"
    assert stored["contact"]["tags"] == ("a", "b") and stored["user.email"] == "[REDACTED:EMAIL_ADDRESS]"
    assert list(stored) == ["request", "contact", "user.email"]  # changed keys move to the end, as in the SDK
    # What is stored is clean: the SDK, cleaning it again, keeps it as it is.
    again = BoundedAttributes(maxlen=None, attributes=dict(stored), max_value_len=200, extended_attributes=True)
    assert list(again.items()) == list(stored.items())
    assert shown(record) == through_the_sdk(DEFAULT, f"to {EMAIL}", attributes, value_limit=200)


@settings(strategies.LEAKS, max_examples=60)
@given(planted=strategies.events(), redactor=st.sampled_from([DEFAULT, PSEUDONYMS]),
       value_limit=st.sampled_from([None, 6, 24, 60]), count_limit=st.sampled_from([None, 2, 3]),
       scan=st.booleans(), summary=st.booleans(), dotted=st.booleans(),
       pieces=st.sampled_from(["processor", "deferred", "exporter"]))
def test_records_are_what_the_sdk_would_store(planted, redactor, value_limit, count_limit, scan, summary,
                                               dotted, pieces):
    attributes = planted.value
    if dotted:  # read as paths, written back under their own keys
        attributes = {**attributes, "user.email": EMAIL, "user.full_name": NAME, "code.function.name": "sync"}
    options = {"scan": scan, "summary": summary, "value_limit": value_limit, "count_limit": count_limit,
               "pieces": pieces}

    record = emitted(redactor, planted.message, attributes, **options)

    assert shown(record) == through_the_sdk(redactor, planted.message, attributes, **options)



def test_a_value_the_sdk_made_a_string_of_is_cut_when_its_map_is_written_back():
    # The SDK makes a string of a set without cutting it at the limit; cleaning that
    # string again cuts it.  The map holding it changed (the name), so it is cleaned again.
    attributes = {"data": {"contact": {"id": "c1", "name": NAME, "custom_attributes": {"plan": "pro"}},
                           "wrapped": {"call +1 201-555-0000", f"mail {EMAIL} soon"}}}

    for summary in (False, True):
        record = emitted(DEFAULT, "hello", attributes, value_limit=24, summary=summary)

        data = record.log_record.attributes["data"]
        assert data["contact"]["name"] == "[REDACTED:PERSON]" and len(data["wrapped"]) == 24
        assert shown(record) == through_the_sdk(DEFAULT, "hello", attributes, value_limit=24, summary=summary)


LOCATION = {"city": "Utrecht", "country": "Netherlands"}


@pytest.mark.parametrize(("new", "old", "limit", "as_is"), [
    ({"id": "c1", "email": "[R]", "location": LOCATION}, {"id": "c1", "email": EMAIL, "location": LOCATION}, None,
     True),
    ({"id": "c1", "extra": "[R]"}, {"id": "c1"}, None, False),  # a key the clean map did not have
    ({"id": "c1"}, {"id": "c1", "email": EMAIL}, None, True),  # a key dropped
    ({"seats": 4}, {"seats": 3}, None, False),  # not a string: the SDK cleans it
    ({"tags": ["a"]}, {"tags": ("a",)}, None, False),  # a list: the SDK makes a tuple of it
    ({"custom": {"plan": "pro"}}, {"custom": {"plan": "pro"}}, None, True),  # a map copied unchanged
    ({"contact": {"id": "c1", "name": "[R]"}}, {"contact": {"id": "c1", "name": NAME}}, None, True),
    ({"contact": {"id": "c1", "new": "[R]"}}, {"contact": {"id": "c1"}}, None, False),
    ({"contact": {"id": "c1", "tags": ["a"]}}, {"contact": {"id": "c1", "tags": ("a",)}}, None, False),
    ({"contact": {"id": "c1"}}, {"contact": "c1"}, None, False),  # a map where the record held a string
    ({"email": "[R]"}, {"email": EMAIL}, 24, False),  # with a limit, maps go through the SDK
    (collections.OrderedDict(email="[R]"), {"email": EMAIL}, None, False),  # not a dict as the SDK stores it
    ({"email": "[R]"}, collections.OrderedDict(email=EMAIL), None, False),
    (("[R]",), (EMAIL,), None, False),
    ("[REDACTED]", EMAIL, 10, True),
    ("[REDACTED]", EMAIL, 9, False),
])
def test_what_is_stored_without_the_sdk_on_either_core(core, monkeypatch, new, old, limit, as_is):
    monkeypatch.setattr(otel, "_core", _core.load(core))

    assert otel._stored_as_is(new, old, limit) is as_is
    if as_is and limit is None:  # the SDK, cleaning it, would store it as it is
        cleaned = BoundedAttributes(attributes={"k": new}, immutable=False)
        assert cleaned["k"] == new and type(cleaned["k"]) is type(new)
