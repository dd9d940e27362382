"""The key vocabulary, identifier keys and the names that are not a person's."""

from __future__ import annotations

from typing import Any

import pytest

from intercom_redact import Policy, PolicyError, Redactor
from intercom_redact._paths import PathSyntaxError, parse_path
from intercom_redact._vocabulary import classify, split_words

EMAIL = "jane.doe@example.com"
NAME = "Jane Doe"


@pytest.mark.parametrize(("key", "words"), [
    ("billingEmail", ("billing", "email")),
    ("home-address", ("home", "address")),
    ("contact.phone", ("contact", "phone")),
    ("IPAddress", ("ip", "address")),
    ("DateOfBirth", ("date", "of", "birth")),
    ("custom_attributes.address", ("custom", "attributes", "address")),
    ("address_line_1", ("address", "line", "1")),
])
def test_keys_split_into_words_in_every_spelling(key: str, words: tuple[str, ...]) -> None:
    assert split_words(key) == words


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("requester_name", NAME, "[REDACTED:PERSON]"),
    ("customerName", NAME, "[REDACTED:PERSON]"),
    ("contact_person", NAME, "[REDACTED:PERSON]"),
    ("contact-person", NAME, "[REDACTED:PERSON]"),
    ("billing_email", EMAIL, "[REDACTED:EMAIL_ADDRESS]"),
    ("BillingEmail", EMAIL, "[REDACTED:EMAIL_ADDRESS]"),
    ("billing.email", EMAIL, "[REDACTED:EMAIL_ADDRESS]"),
    ("mobile", "0612345678", "[REDACTED:PHONE_NUMBER]"),
    ("mobilePhone", "0612345678", "[REDACTED:PHONE_NUMBER]"),
    ("home_address", "12 Elm Row", "[REDACTED:STREET_ADDRESS]"),
    ("home-address", "12 Elm Row", "[REDACTED:STREET_ADDRESS]"),
    ("custom_attributes.address", "12 Elm Row", "[REDACTED:STREET_ADDRESS]"),
    ("card_number", "4111 1111 1111 1111", "[REDACTED:CREDIT_CARD]"),
    ("pan", "4111111111111111", "[REDACTED:CREDIT_CARD]"),
    ("iban", "NL91ABNA0417164300", "[REDACTED:IBAN_CODE]"),
    ("ssn", "078-05-1120", "[REDACTED:US_SSN]"),
    ("passport", "X1234567", "[REDACTED:NATIONAL_ID]"),
    ("passport_number", "X1234567", "[REDACTED:NATIONAL_ID]"),
    ("dob", "1990-02-03", "[REDACTED:DATE_OF_BIRTH]"),
    ("birthday", "03/02/1990", "[REDACTED:DATE_OF_BIRTH]"),
    ("birth_date", "1990-02-03", "[REDACTED:DATE_OF_BIRTH]"),
    ("date_of_birth", "1990-02-03", "[REDACTED:DATE_OF_BIRTH]"),
    ("dateOfBirth", "1990-02-03", "[REDACTED:DATE_OF_BIRTH]"),
    ("zipCode", "94107", "[REDACTED:POSTCODE]"),
    ("remote_addr", "203.0.113.9", "[REDACTED:IP_ADDRESS]"),
    ("stripe_api_key", "sk_live_abc", "[REDACTED:SECRET]"),
])
def test_keys_are_classified_by_their_words(redactor: Redactor, key: str, value: str, expected: str) -> None:
    # At the top level and nested, in a dict no exact rule knows.
    assert redactor.redact({key: value}) == {key: expected}
    assert redactor.redact({"ticket": {"meta": {key: value}}}) == {"ticket": {"meta": {key: expected}}}


@pytest.mark.parametrize("key", ["email_verified", "email_count", "company_name", "tag_name", "event_name",
                                 "file_name", "logger_name", "is_mobile", "mobile_app", "card_brand",
                                 "email_domain", "mac_address", "phone_country_code", "password_reset_sent_at",
                                 # OpenTelemetry attribute names
                                 "net.peer.name", "telemetry.sdk.name", "messaging.destination.name",
                                 "service.name", "server.address", "db.name", "host.name"])
def test_keys_about_a_value_are_not_the_value(key: str) -> None:
    assert classify(key) is None


def test_a_date_of_birth_is_caught_at_any_depth_as_any_value(redactor: Redactor) -> None:
    import datetime

    event = {"a": {"b": [{"c": {"DOB": datetime.date(1990, 2, 3), "birthDate": "3 Feb 1990"}}]}}
    out, summary = redactor.redact_with_summary(event)
    assert out == {"a": {"b": [{"c": {"DOB": "[REDACTED:DATE_OF_BIRTH]", "birthDate": "[REDACTED:DATE_OF_BIRTH]"}}]}}
    assert summary.types == {"DATE_OF_BIRTH": 2}


def test_vocabulary_values_are_known_values_of_the_event(redactor: Redactor) -> None:
    out = redactor.redact({"requester_name": NAME, "event": f"ticket opened by {NAME}"})
    assert out["event"] == "ticket opened by [REDACTED:PERSON]"


def test_exact_rules_win_over_the_vocabulary() -> None:
    policy = Policy.from_dict({"rules": [
        {"path": "**.billing_email", "action": "keep"},
        {"path": "**.~phone", "action": "mask", "type": "PHONE_NUMBER"},
    ]})
    out = Redactor(policy).redact({"billing_email": EMAIL, "shipping_email": EMAIL, "mobile": "+31 6 12345678"})
    assert out == {"billing_email": EMAIL, "shipping_email": "[REDACTED:EMAIL_ADDRESS]", "mobile": "***78"}


def test_vocabulary_classes_are_path_segments_users_can_write() -> None:
    assert parse_path("contact.~email")[1].kind == "class"
    with pytest.raises(PathSyntaxError, match="unknown key class 'emale'"):
        parse_path("**.~emale")
    with pytest.raises(PolicyError, match="unknown key class"):
        Policy.from_dict({"rules": [{"path": "**.~nope", "action": "keep"}]})


@pytest.mark.parametrize("key", ["id", "order_id", "ticketId", "conversation-id", "user_id", "external_id",
                                 "order_number", "ticket_number", "tracking_number", "invoice_no"])
def test_numeric_ids_and_order_numbers_are_not_phones(redactor: Redactor, key: str) -> None:
    event = {key: "4155552671", "nested": {key: "2025550143"}}
    assert redactor.redact(event) == event


@pytest.mark.parametrize("key", ["id", "order_id", "user_id", "external_id", "customerId"])
def test_an_email_under_an_identifier_key_is_still_caught(redactor: Redactor, key: str) -> None:
    out = redactor.redact({key: EMAIL, "event": f"lookup {EMAIL}"})
    assert out == {key: "[REDACTED:EMAIL_ADDRESS]", "event": "lookup [REDACTED:EMAIL_ADDRESS]"}


def test_classification_is_cached_per_key_and_state(redactor: Redactor) -> None:
    event = {"requester_name": NAME}
    redactor.redact(event)
    state = redactor._root.for_object(event)
    assert "requester_name" in state.next_key  # the second event pays a dict lookup, no word split


@pytest.mark.parametrize(("event", "kept"), [
    ({"type": "company", "name": "Acme Analytics", "id": "5f1"}, True),
    ({"companies": [{"name": "Acme Analytics"}]}, True),
    ({"company": {"name": "Acme Analytics", "plan": {"type": "plan", "name": "Pro"}}}, True),
    ({"tags": {"type": "tag.list", "tags": [{"type": "tag", "name": "VIP"}]}}, True),
    ({"data": [{"type": "segment", "name": "Active"}, {"type": "team", "name": "Billing"}]}, True),
    ({"item": {"type": "ticket_type", "name": "Refund request"}}, True),
    ({"data": [{"type": "data_attribute", "name": "plan_tier"}]}, True),
    ({"author": {"type": "bot", "name": "Operator"}}, True),
    ({"type": "contact", "name": NAME}, False),
    ({"author": {"type": "admin", "name": NAME}}, False),
    ({"type": "visitor", "name": NAME}, False),
    ({"teammate": {"name": NAME}}, False),
    ({"name": NAME}, False),
])
def test_a_name_is_a_persons_only_where_the_schema_says_so(redactor: Redactor, event: dict[str, Any],
                                                          kept: bool) -> None:
    out = redactor.redact(event)
    assert (out == event) is kept
    if not kept:
        assert NAME not in repr(out)


@pytest.mark.parametrize("event", [
    {"tags": {"type": "tag.list", "tags": [{"type": "tag", "name": "call back +44 20 7946 0958"}]}},
    {"company": {"type": "company", "name": "Acme (billing: jane.doe@example.com)"}},
    {"segments": [{"type": "segment", "name": "reach on +44 20 7946 0958"}]},
])
def test_a_things_name_is_still_scanned_as_free_text(redactor: Redactor, event: dict[str, Any]) -> None:
    out = repr(redactor.redact(event))
    assert "7946" not in out and "jane.doe" not in out
    assert "call back" in out or "Acme" in out or "reach on" in out  # the rest of the name stays


@pytest.mark.parametrize("key", ["requester", "assignee", "author", "customer", "sender", "Recipient", "owner"])
def test_a_partys_key_holding_a_bare_name_is_a_person(redactor: Redactor, key: str) -> None:
    assert classify(key) == "party"
    out = redactor.redact({key: "Łukasz Nowak", "event": "ticket from Łukasz Nowak"})
    assert out == {key: "[REDACTED:PERSON]", "event": "ticket from [REDACTED:PERSON]"}


@pytest.mark.parametrize(("value", "expected"), [
    ("u_123", "u_123"),  # a handle or an id is no name: scanned, and kept
    ("5f1c2d", "5f1c2d"),
    ("jane@example.com", "[REDACTED:EMAIL_ADDRESS]"),  # scanned as any text
    ("call +44 20 7946 0958", "call [REDACTED:PHONE_NUMBER]"),
])
def test_a_partys_key_holding_anything_else_is_scanned(redactor: Redactor, value: str, expected: str) -> None:
    assert redactor.redact({"requester": value}) == {"requester": expected}


def test_a_partys_object_is_walked_by_its_own_keys(redactor: Redactor) -> None:
    author = {"type": "admin", "id": "814", "name": NAME, "plan": "pro", "away_mode_enabled": False}
    out = redactor.redact({"author": author, "customer": {"plan": "pro", "seats": 3}})
    assert out == {"author": {**author, "name": "[REDACTED:PERSON]"}, "customer": {"plan": "pro", "seats": 3}}


def test_intercom_visitor_objects_are_personal(redactor: Redactor) -> None:
    visitor = {"type": "visitor", "id": "5f2", "pseudonym": "Azure Bike from Dublin",
               "location_data": {"city_name": "Dublin", "region_name": "Leinster", "postal_code": "D02 X285"}}
    out = redactor.redact({"visitor": visitor})["visitor"]
    assert out["pseudonym"] == "[REDACTED:PERSON]" and out["location_data"] == "[REDACTED:LOCATION]"
    assert out["id"] == "5f2"
    flat = redactor.redact({"city_name": "Dublin", "region_name": "Leinster", "postal_code": "D02 X285"})
    assert flat == {"city_name": "[REDACTED:LOCATION]", "region_name": "[REDACTED:LOCATION]",
                    "postal_code": "[REDACTED:POSTCODE]"}


def test_search_filters_redact_value_by_the_field_they_name(redactor: Redactor) -> None:
    query = {"query": {"operator": "AND", "value": [
        {"field": "email", "operator": "=", "value": EMAIL},
        {"field": "custom_attributes.ssn", "operator": "=", "value": "078-05-1120"},
        {"field": "created_at", "operator": ">", "value": "1700000000"},
        {"field": "role", "operator": "=", "value": "user"},
    ]}}
    filters = redactor.redact(query)["query"]["value"]
    assert [f["value"] for f in filters] == ["[REDACTED:EMAIL_ADDRESS]", "[REDACTED:US_SSN]", "1700000000", "user"]
    assert [f["field"] for f in filters] == ["email", "custom_attributes.ssn", "created_at", "role"]


def test_a_condition_names_what_it_selects() -> None:
    assert parse_path("**[type=company|tag].name")[1].value == ("type", frozenset({"company", "tag"}))
    with pytest.raises(PathSyntaxError, match="ends with a condition"):
        parse_path("**[type=company]")
    policy = Policy.from_dict({"rules": [{"path": "**[type=lead].email", "action": "mask", "type": "EMAIL_ADDRESS"}]})
    out = Redactor(policy).redact({"a": {"type": "Lead", "email": EMAIL}, "b": {"type": "user", "email": EMAIL}})
    assert out == {"a": {"type": "Lead", "email": "***@example.com"}, "b": {"type": "user",
                                                                          "email": "[REDACTED:EMAIL_ADDRESS]"}}


def test_csv_column_names_are_read_by_their_words(redactor: Redactor) -> None:
    import csv
    import io

    from intercom_redact.files import redact_csv_rows

    out = io.StringIO()
    rows = "Customer Name,Order Number,Billing E-mail,Notes\nJane Doe,4155552671,jane@example.com,called Jane Doe\n"
    redact_csv_rows(csv.reader(io.StringIO(rows)), out, redactor)
    assert out.getvalue().splitlines()[1] == (
        "[REDACTED:PERSON],4155552671,[REDACTED:EMAIL_ADDRESS],called [REDACTED:PERSON]")
