"""Structure inside strings: each format gets the field rules and keeps its format."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intercom_redact import Policy, Redactor
from intercom_redact._structured import MAX_LENGTH, MAX_PAIRS, TOO_BIG, parse

EMAIL = "jane.doe@example.com"
NAME = "Jane Doe"
PHONE = "+1 415 555 2671"


def test_a_json_body_logged_as_text_gets_the_dict_rules(redactor: Redactor) -> None:
    body = {"email": EMAIL, "name": NAME, "phone": PHONE, "id": "4155552671", "plan": "pro"}
    as_dict = redactor.redact({"body": body})["body"]
    as_text = redactor.redact({"body": json.dumps(body)})["body"]
    assert json.loads(as_text) == as_dict
    assert as_dict == {"email": "[REDACTED:EMAIL_ADDRESS]", "name": "[REDACTED:PERSON]",
                       "phone": "[REDACTED:PHONE_NUMBER]", "id": "4155552671", "plan": "pro"}


@pytest.mark.parametrize("dumps", [
    lambda v: json.dumps(v),
    lambda v: json.dumps(v, separators=(",", ":")),
    lambda v: json.dumps(v, indent=2),
    lambda v: "  " + json.dumps(v) + "\n",
])
def test_json_keeps_its_layout(redactor: Redactor, dumps) -> None:
    clean = {"plan": "pro", "contact": {"id": "6762f0a9", "tags": ["vip"]}}
    text = dumps(clean)
    assert redactor.redact({"payload": text}) == {"payload": text}  # round trip, byte for byte
    dirty = dumps({**clean, "email": EMAIL})
    assert redactor.redact({"payload": dirty}) == {"payload": dumps({**clean, "email": "[REDACTED:EMAIL_ADDRESS]"})}


def test_a_python_repr_is_read_as_the_value_it_shows(redactor: Redactor) -> None:
    text = repr({"name": NAME, "order_id": 81, "tags": ("vip",)})
    out = redactor.redact({"payload": text})["payload"]
    assert out == repr({"name": "[REDACTED:PERSON]", "order_id": 81, "tags": ("vip",)})


def test_a_query_string_and_form_body(redactor: Redactor) -> None:
    url = "https://app.example.com/cb?email=jane.doe%40example.com&name=Jane+Doe&id=4155552671&lang=en#top"
    out = redactor.redact({"url": url})["url"]
    assert out == "https://app.example.com/cb?email=[REDACTED:EMAIL_ADDRESS]&name=[REDACTED:PERSON]" \
                  "&id=4155552671&lang=en#top"
    form = "email=jane.doe%40example.com&plan=pro&email=other%40example.com"
    assert parse_qsl(redactor.redact({"body": form})["body"]) == [
        ("email", "[REDACTED:EMAIL_ADDRESS]"), ("plan", "pro"), ("email", "[REDACTED:EMAIL_ADDRESS]")]
    clean = "plan=pro&page=2&q=a%20b"
    assert redactor.redact({"body": clean}) == {"body": clean}


def test_logfmt_pairs_and_the_words_between_them(redactor: Redactor) -> None:
    line = f'at=info msg="contact updated" email={EMAIL} name="{NAME}" order_id=4155552671 note="call {PHONE}"'
    out = redactor.redact({"event": line})["event"]
    assert out == ('at=info msg="contact updated" email=[REDACTED:EMAIL_ADDRESS] name="[REDACTED:PERSON]" '
                   'order_id=4155552671 note="call [REDACTED:PHONE_NUMBER]"')
    mixed = f"retrying webhook for {EMAIL} attempt=3 contact_name={NAME.split()[0]}"
    assert redactor.redact({"event": mixed}) == {
        "event": "retrying webhook for [REDACTED:EMAIL_ADDRESS] attempt=3 contact_name=[REDACTED:PERSON]"}


def test_an_http_header_block_with_a_json_body(redactor: Redactor) -> None:
    request = ("POST /contacts HTTP/1.1\r\nHost: api.intercom.io\r\nAuthorization: Bearer dG9rOmFiYw==\r\n"
               "X-Forwarded-For: 203.0.113.9\r\nContent-Type: application/json\r\n\r\n"
               + json.dumps({"email": EMAIL, "role": "user"}))
    out = redactor.redact({"request": request})["request"]
    assert out == ("POST /contacts HTTP/1.1\r\nHost: api.intercom.io\r\nAuthorization: [REDACTED:SECRET]\r\n"
                   "X-Forwarded-For: [REDACTED:IP_ADDRESS]\r\nContent-Type: application/json\r\n\r\n"
                   + json.dumps({"email": "[REDACTED:EMAIL_ADDRESS]", "role": "user"}))
    headers = "Accept: */*\nUser-Agent: curl/8.4\n"
    assert redactor.redact({"headers": headers}) == {"headers": headers}


def test_an_intercom_search_query_logged_as_json(redactor: Redactor) -> None:
    query = {"query": {"operator": "OR", "value": [{"field": "email", "operator": "=", "value": EMAIL},
                                                   {"field": "name", "operator": "~", "value": "Jane"}]}}
    out = json.loads(redactor.redact({"body": json.dumps(query)})["body"])
    assert [f["value"] for f in out["query"]["value"]] == ["[REDACTED:EMAIL_ADDRESS]", "[REDACTED:PERSON]"]


def test_values_found_inside_are_known_values_elsewhere(redactor: Redactor) -> None:
    out = redactor.redact({"body": json.dumps({"name": NAME}), "event": f"synced {NAME}"})
    assert out["event"] == "synced [REDACTED:PERSON]"


def test_keep_rules_leave_the_string_alone() -> None:
    policy = Policy.from_dict({"rules": [{"path": "raw", "action": "keep"}]})
    text = json.dumps({"email": EMAIL})
    assert Redactor(policy).redact({"raw": text}) == {"raw": text}


def test_plain_text_is_not_structure() -> None:
    for text in ["hello world", "a: b", "order 12 shipped", '"just a string"', "[1, 2", "x", "{not json}",
                 '<p class="x">Hi <a href="mailto:jane@example.com">Jane</a></p>']:
        assert parse(text) is None, text


def test_too_big_or_too_deep_fails_closed(redactor: Redactor) -> None:
    big = json.dumps({"email": EMAIL, "pad": "x" * MAX_LENGTH})
    assert parse(big) is TOO_BIG
    out, summary = redactor.redact_with_summary({"body": big, "id": "5"})
    assert out == {"body": "[REDACTED:UNSCANNED]", "id": "5"}
    assert summary.fail_closed == {"size": 1}
    deep = "[" * 100_000 + "]" * 100_000
    assert parse(deep) is TOO_BIG
    assert redactor.redact({"body": deep}) == {"body": "[REDACTED:UNSCANNED]"}
    many = "&".join(f"k{i}=v" for i in range(MAX_PAIRS + 1))
    assert redactor.redact({"body": many}) == {"body": "[REDACTED:UNSCANNED]"}


def test_nesting_past_the_depth_limit_fails_closed_inside(redactor: Redactor) -> None:
    value: object = {"email": EMAIL}
    for _ in range(80):
        value = {"a": value}
    out = redactor.redact({"body": json.dumps(value)})["body"]
    assert EMAIL not in out and "[REDACTED:UNSCANNED]" in out
    json.loads(out)  # still JSON


def test_json_inside_json_inside_a_query(redactor: Redactor) -> None:
    inner = json.dumps({"email": EMAIL})
    outer = json.dumps({"payload": inner, "n": 1})
    out = json.loads(redactor.redact({"body": outer})["body"])
    assert json.loads(out["payload"]) == {"email": "[REDACTED:EMAIL_ADDRESS]"}


_SAFE_KEYS = st.sampled_from(["plan", "seats", "state", "tags", "created_at", "role", "items", "kind"])
_SAFE_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text("abcdefgh_", max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_SAFE_KEYS, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.dictionaries(_SAFE_KEYS, _SAFE_VALUES, min_size=1, max_size=4),
       form=st.sampled_from(["json", "compact", "pretty", "repr"]))
def test_clean_structure_round_trips_unchanged(redactor: Redactor, value: dict[str, object], form: str) -> None:
    text = {"json": json.dumps(value), "compact": json.dumps(value, separators=(",", ":")),
            "pretty": json.dumps(value, indent=2), "repr": repr(value)}[form]
    assert redactor.redact({"payload": text}) == {"payload": text}
