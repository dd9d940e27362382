"""Data minimization of Intercom contacts."""

from __future__ import annotations

import copy

import pytest

from intercom_redact.compliance.minimize import DEFAULT_PURPOSES, MinimizationError, Minimizer, minimize

CONTACT = {
    "type": "contact",
    "id": "6650a1",
    "external_id": "cust-42",
    "role": "user",
    "email": "jane.roe@example.com",
    "name": "Jane Roe",
    "phone": "+1 415 555 0199",
    "location": {"type": "location", "city": "Springfield", "country": "United States"},
    "avatar": {"image_url": "https://example.com/jane.png"},
    "last_seen_at": 1717000000,
    "custom_attributes": {"plan": "pro", "address": "12 Elm Street", "ssn": "123-45-6789"},
}
PII = ("jane.roe@example.com", "Jane Roe", "555 0199", "Springfield", "Elm Street", "123-45-6789", "jane.png")


def test_default_purpose_keeps_only_the_allowed_fields() -> None:
    assert minimize(CONTACT) == {
        "id": "6650a1",
        "external_id": "cust-42",
        "role": "user",
        "custom_attributes": {"plan": "pro"},
        "last_seen_at": 1717000000,
    }
    text = repr(minimize(CONTACT))
    assert not [value for value in PII if value in text]


def test_absent_fields_stay_absent() -> None:
    assert minimize({"id": "1", "custom_attributes": "not a mapping"}) == {"id": "1"}


def test_custom_purpose_and_override() -> None:
    purposes = {"support": ["id", "email", "location.country"], "default": ["id"]}
    assert minimize(CONTACT, "support", purposes=purposes) == {
        "id": "6650a1", "email": "jane.roe@example.com", "location": {"country": "United States"},
    }
    assert minimize(CONTACT, purposes=purposes) == {"id": "6650a1"}
    assert set(Minimizer(purposes).purposes) == {"default", "support"}
    assert DEFAULT_PURPOSES["default"][0] == "id"


def test_result_shares_nothing_with_the_input() -> None:
    original = copy.deepcopy(CONTACT)
    out = Minimizer({"all_attrs": ["custom_attributes", "custom_attributes.plan"]})(CONTACT, "all_attrs")
    out["custom_attributes"]["plan"] = "changed"
    assert original == CONTACT


def test_unknown_purpose_is_a_clear_error() -> None:
    with pytest.raises(MinimizationError, match=r"unknown purpose 'marketing'; known purposes: default"):
        minimize(CONTACT, "marketing")


@pytest.mark.parametrize(("purposes", "message"), [
    ({"p": "email"}, "must be a list of field paths"),
    ({"p": ["custom_attributes..plan"]}, "not a dotted field path"),
    ({"p": [""]}, "not a dotted field path"),
    ({"p": [3]}, "not a dotted field path"),
])
def test_bad_purpose_definitions(purposes: dict[str, object], message: str) -> None:
    with pytest.raises(MinimizationError, match=message):
        Minimizer(purposes)  # type: ignore[arg-type]


def test_contact_must_be_a_mapping() -> None:
    with pytest.raises(MinimizationError, match="must be a mapping"):
        minimize(["id"])  # type: ignore[arg-type]
