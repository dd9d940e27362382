import copy
import dataclasses
import datetime as dt
import pickle
import threading
import uuid
from collections import OrderedDict, namedtuple
from types import MappingProxyType

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from intercom_redact import Policy, Redactor, engine

EMAIL = "jane.doe@example.com"

pytestmark = pytest.mark.usefixtures("core")  # every test on the compiled and the pure core



def contact():
    return {
        "type": "contact",
        "id": "6762f0a91bb69f9f2193bb1a",
        "external_id": "cus_1",
        "email": EMAIL,
        "name": "Jane Doe",
        "phone": "+31 20 123 4567",
        "location": {"type": "location", "city": "Amsterdam", "country": "Netherlands"},
        "custom_attributes": {"plan": "pro", "address": "Keizersgracht 1", "favourite": "tea"},
        "tags": {"type": "list", "data": [{"type": "tag", "id": "1", "name": "vip"}]},
        "created_at": 1734537000,
    }


def test_field_rules_on_an_intercom_contact(redactor):
    out = redactor.redact(contact())
    assert out["email"] == "[REDACTED:EMAIL_ADDRESS]"
    assert out["name"] == "[REDACTED:PERSON]"
    assert out["phone"] == "[REDACTED:PHONE_NUMBER]"
    assert out["location"] == "[REDACTED:LOCATION]"
    assert out["custom_attributes"] == {"plan": "pro", "address": "[REDACTED:STREET_ADDRESS]", "favourite": "tea"}
    assert out["id"] == "6762f0a91bb69f9f2193bb1a"
    assert out["tags"]["data"][0]["name"] == "vip"
    assert out["created_at"] == 1734537000


def test_input_is_never_mutated(redactor):
    value = {"contact": contact(), "parts": [{"body": f"<p>mail {EMAIL}</p>"}], "t": (1, [EMAIL])}
    before = copy.deepcopy(value)
    redactor.redact(value)
    assert value == before


def test_known_values_leave_free_text_in_any_case(redactor):
    event = {"event": f"Contact JANE DOE <{EMAIL.upper()}> moved to amsterdam", "contact": contact()}
    out = redactor.redact(event)
    assert "jane" not in out["event"].lower()
    assert "amsterdam" not in out["event"].lower()
    assert out["event"].startswith("Contact ")


def test_phone_known_value_in_another_notation(redactor):
    event = {"phone": "+31 20 123 4567", "event": "call back on 020-1234567 or +31201234567"}
    out = redactor.redact(event)
    assert "1234567" not in out["event"]


def test_summary_counts_types_and_rules_never_values(redactor):
    _, summary = redactor.redact_with_summary({"event": f"from {EMAIL}", "email": EMAIL})
    assert summary.types["EMAIL_ADDRESS"] == 2
    assert summary.rules == {"**.email": 1, "scanner": 1}
    assert summary.count == 2
    assert EMAIL not in repr(summary)


@dataclasses.dataclass
class Ticket:
    id: str
    email: str
    notes: list


@dataclasses.dataclass(frozen=True)
class Frozen:
    email: str


class Model(pydantic.BaseModel):
    id: str
    email: str
    body: str


class Plain:
    def __init__(self):
        self.id = "1"
        self.email = EMAIL


Point = namedtuple("Point", "email n")


@pytest.mark.parametrize(
    ("value", "check"),
    [
        ((EMAIL, 1), lambda o: o == ("[REDACTED:EMAIL_ADDRESS]", 1)),
        ([EMAIL], lambda o: o == ["[REDACTED:EMAIL_ADDRESS]"]),
        ({EMAIL}, lambda o: o == {"[REDACTED:EMAIL_ADDRESS]"}),
        (frozenset({EMAIL}), lambda o: o == frozenset({"[REDACTED:EMAIL_ADDRESS]"})),
        (EMAIL.encode(), lambda o: o == b"[REDACTED:EMAIL_ADDRESS]"),
        (bytearray(EMAIL.encode()), lambda o: o == bytearray(b"[REDACTED:EMAIL_ADDRESS]")),
        (b"\xff\xfe " + EMAIL.encode(), lambda o: o == b"\xff\xfe [REDACTED:EMAIL_ADDRESS]"),
        (OrderedDict(email=EMAIL), lambda o: type(o) is OrderedDict and o["email"] != EMAIL),
        (Ticket("1", EMAIL, [EMAIL]), lambda o: type(o) is Ticket and o.email != EMAIL and o.notes[0] != EMAIL),
        (Frozen(EMAIL), lambda o: type(o) is Frozen and o.email == "[REDACTED:EMAIL_ADDRESS]"),
        (Model(id="1", email=EMAIL, body=f"hi {EMAIL}"),
         lambda o: type(o) is Model and o.email != EMAIL and EMAIL not in o.body and o.id == "1"),
        (Plain(), lambda o: type(o) is Plain and o.email != EMAIL and o.id == "1"),
        (Point(EMAIL, 2), lambda o: type(o) is Point and o.n == 2 and o.email != EMAIL),
        (None, lambda o: o is None),
        (3.5, lambda o: o == 3.5),
        (dt.datetime(2026, 1, 1), lambda o: o == dt.datetime(2026, 1, 1)),
        (uuid.UUID(int=5), lambda o: o == uuid.UUID(int=5)),
    ],
)
def test_types_are_kept(redactor, value, check):
    out = redactor.redact(value)
    assert check(out), out


def test_exceptions_keep_their_type_and_lose_the_pii(redactor):
    try:
        try:
            raise KeyError(EMAIL)
        except KeyError as inner:
            raise ValueError(f"lookup failed for {EMAIL}") from inner
    except ValueError as exc:
        err = exc
    out = redactor.redact({"error": err})["error"]
    assert type(out) is ValueError
    assert EMAIL not in str(out)
    assert EMAIL not in str(out.__cause__)
    assert out.__traceback__ is None
    assert err.__traceback__ is not None and EMAIL in str(err)


def test_supplied_ids_are_kept_unless_they_hold_personal_data(redactor):
    out = redactor.redact({"external_id": "cus_8812", "user_id": EMAIL, "id": "6762f0a91bb69f9f2193bb1a"})
    assert out == {"external_id": "cus_8812", "user_id": "[REDACTED:EMAIL_ADDRESS]",
                   "id": "6762f0a91bb69f9f2193bb1a"}


def test_bounds_fail_closed_and_are_counted(redactor):
    cyclic = {"a": {}}
    cyclic["a"]["loop"] = cyclic
    deep = leaf = {}
    for _ in range(10_000):
        leaf["k"] = {}
        leaf = leaf["k"]
    wide = {"items": list(range(100_000))}
    for value, reason in [(cyclic, "depth"), (deep, "depth"), (wide, "size")]:
        out, summary = redactor.redact_with_summary(value)
        assert summary.fail_closed, (reason, summary)
        assert "[REDACTED:UNSCANNED]" in repr(out)


def test_cycles_are_named_when_deep_enough():
    r = Redactor(Policy(max_depth=200))
    a: list = []
    a.append(a)
    _, summary = r.redact_with_summary(a)
    assert summary.fail_closed == {"cycle": 1}


def test_free_text_of_an_event_with_too_many_known_values_fails_closed(redactor):
    contacts = [{"email": f"user{i}@example.com", "name": f"Person Number{i}"} for i in range(1500)]
    out, summary = redactor.redact_with_summary({"event": "synced user7@example.com", "contacts": contacts})
    assert out["event"] == "[REDACTED:UNSCANNED]"
    assert summary.fail_closed == {"size": 1}


def test_time_budget_fails_closed():
    r = Redactor(Policy(time_budget=1e-9))
    out, summary = r.redact_with_summary({"a": {"b": {"email": EMAIL}}})
    assert summary.fail_closed.get("time")
    assert EMAIL not in repr(out)


def test_an_event_failed_whole_keeps_only_plain_keys():
    r = Redactor(Policy(time_budget=1e-9))
    out = r.redact({"event": "x", EMAIL: {"a": 1}, "level": "info"})
    assert set(out) == {"event", "level", "[REDACTED:UNSCANNED]"}
    assert EMAIL not in repr(out)


class Exploding:
    def __str__(self):
        raise RuntimeError("boom")

    __repr__ = __str__


def test_objects_that_cannot_be_read_are_redacted_not_raised(redactor):
    out, summary = redactor.redact_with_summary({"x": Exploding(), "email": EMAIL})
    assert out["x"] == "[REDACTED:UNSCANNED]"
    assert summary.fail_closed == {"error": 1}


def test_non_string_keys(redactor):
    out = redactor.redact({1: EMAIL, (2, 3): "x", None: "y", "email": EMAIL})
    assert out[1] == "[REDACTED:EMAIL_ADDRESS]" and out[(2, 3)] == "x" and out[None] == "y"


def test_personal_data_in_keys_is_redacted_and_never_cached(redactor):
    value = {"opens": {EMAIL: 3, "x@example.org": 1, "plain": 2}}
    out, summary = redactor.redact_with_summary(value)
    assert out == {"opens": {"[REDACTED:EMAIL_ADDRESS]": 3, "[REDACTED:EMAIL_ADDRESS]#2": 1, "plain": 2}}
    assert summary.types == {"EMAIL_ADDRESS": 2}
    again = redactor.redact(value)  # a dirty key is checked every time, not remembered
    assert EMAIL not in repr(again)


@pytest.mark.parametrize("scan", [True, False])
def test_a_key_first_met_inside_a_value_redacted_whole_is_still_checked_elsewhere(scan):
    # Inside a container a rule redacts whole, keys are read only for their rules, never scanned:
    # one remembered there was trusted where the walk meets it again (one automaton state for both).
    redactor = Redactor()
    redactor.redact({"v": {"email": {"note": {EMAIL: "pro"}}}}, scan=scan)
    out = redactor.redact({"v": {EMAIL: "pro"}}, scan=scan)
    assert out == {"v": {"[REDACTED:EMAIL_ADDRESS]": "pro"}}


@pytest.mark.parametrize("body", ["<p>mail jane&#64;example.com</p>", "<p>mail jane&#x40;example&#46;com</p>",
                                  "<p>j&#97;ne@example.com wrote</p>"])
def test_a_known_value_written_with_entities_in_a_body_is_found_without_the_scan(redactor, body):
    # The body's view reads the entities; the pre-check of the raw markup did not, and let it out.
    out = redactor.redact({"email": "jane@example.com", "body": body}, scan=False)
    assert "[REDACTED:EMAIL_ADDRESS]" in out["body"] and "example" not in out["body"]


def test_thousands_of_search_filters_keep_the_walk_tables_bounded(core):
    from intercom_redact._paths import MAX_CACHED_TRANSITIONS

    redactor = Redactor()
    for n in range(MAX_CACHED_TRANSITIONS + 300):  # past the automaton's own memo of filters
        out, summary = redactor.redact_with_summary(
            {"query": {"field": f"custom_attributes.f{n}", "operator": "=", "value": EMAIL}})
        assert out["query"]["value"] == "[REDACTED:EMAIL_ADDRESS]", (n, summary, redactor.scanner.stats)
    assert len(redactor._tables[core]) <= MAX_CACHED_TRANSITIONS


def test_redact_text_and_html(redactor):
    assert redactor.redact_text(f"mail {EMAIL}") == "mail [REDACTED:EMAIL_ADDRESS]"
    html = f'<p>Hi, write to <a href="mailto:{EMAIL}">{EMAIL}</a></p>'
    out = redactor.redact_text(html, html=True)
    assert EMAIL not in out and out.startswith("<p>") and out.endswith("</a></p>")
    assert redactor.redact_text(None) == "[REDACTED:UNSCANNED]"


def test_scan_false_still_removes_known_values(redactor):
    out = redactor.redact({"email": EMAIL, "event": f"for {EMAIL}, also x@y.org"}, scan=False)
    assert EMAIL not in out["event"]
    assert "x@y.org" in out["event"]  # left for the deferred scan


def test_pickle_round_trip_keeps_behaviour():
    policy = Policy.from_dict({"rules": [{"path": "**.nickname", "type": "PERSON"}]})
    r = Redactor(policy, hmac_key="k")
    clone = pickle.loads(pickle.dumps(r))
    value = {"nickname": "JJ", "email": EMAIL}
    assert clone.redact(value) == r.redact(value)


def test_thread_safe_under_concurrent_use(redactor):
    errors = []

    def work(i):
        email = f"user{i}@example.com"
        for _ in range(200):
            out = redactor.redact({"email": email, "event": f"user{i}@example.com did {i}"})
            if out["event"] != f"[REDACTED:EMAIL_ADDRESS] did {i}":
                errors.append(out)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


# -- replacing what free text holds (the engine's spans: known values, scanner findings) ------------

@pytest.mark.parametrize("scan", [True, False])
def test_a_rules_own_action_reaches_the_same_value_in_free_text(scan):
    """The rule masks the contact's e-mail while the type redacts: the same value in the message and
    the body, in any case, is masked as the field is, and any other e-mail gets the type's action."""
    policy = Policy.from_dict({"rules": [{"path": "contact.email", "action": "mask", "type": "EMAIL_ADDRESS"}]})
    event = {"event": f"mail {EMAIL.upper()}, {EMAIL} and bob@other.org", "contact": {"email": EMAIL},
             "body": f'<p>Write to <a href="mailto:{EMAIL}">{EMAIL}</a> or bob@other.org</p>'}
    out, summary = Redactor(policy).redact_with_summary(event, scan=scan)
    other = "[REDACTED:EMAIL_ADDRESS]" if scan else "bob@other.org"  # not a known value: the scan's
    assert out["contact"]["email"] == "***@example.com"
    assert out["event"] == f"mail ***@EXAMPLE.COM, ***@example.com and {other}"
    assert out["body"] == f'<p>Write to <a href="mailto:***@example.com">***@example.com</a> or {other}</p>'
    assert summary.rules == {"contact.email": 1, "scanner": 6 if scan else 4}


def test_a_type_the_policy_keeps_is_left_in_free_text_and_not_counted():
    policy = Policy.from_dict({"types": {"PHONE_NUMBER": {"action": "keep"}}})
    out, summary = Redactor(policy).redact_with_summary(
        {"email": EMAIL, "event": f"call +1 415 555 0101 or mail {EMAIL} or bob@other.org"})
    assert out["event"] == "call +1 415 555 0101 or mail [REDACTED:EMAIL_ADDRESS] or [REDACTED:EMAIL_ADDRESS]"
    assert summary.types == {"EMAIL_ADDRESS": 3}


@pytest.mark.parametrize("scan", [True, False])
def test_known_values_across_tags_and_in_attributes_of_a_body(redactor, scan):
    body = ('<p>Thanks,<br><b>Jane</b> Doe &amp; <i>jane.doe@</i>example.com</p>'
            f'<a title="Jane Doe" href="mailto:{EMAIL}">x</a>')
    out, summary = redactor.redact_with_summary({"name": "Jane Doe", "email": EMAIL, "body": body}, scan=scan)
    assert out["body"] == ('<p>Thanks,<br><b>[REDACTED:PERSON]</b> &amp; <i>[REDACTED:EMAIL_ADDRESS]</i></p>'
                           '<a title="[REDACTED:PERSON]" href="mailto:[REDACTED:EMAIL_ADDRESS]">x</a>')
    assert summary.types == {"PERSON": 3, "EMAIL_ADDRESS": 3}


def test_what_the_scanner_found_is_replaced_and_counted_in_text_order():
    """The plain texts' spans are replaced by the core up to the first text with markup, the rest by the
    engine: the counts still come text by text, and an UNSCANNED text after a replaced one fails closed."""
    from intercom_redact.scanner import Scanner

    event = {"first": "mail bob@other.org", "body": "<p>call me on +1 415 555 0100</p>",
             "paid": "paid with 4111 1111 1111 1111", "long": "a note too long for the scanner " + "x" * 60,
             "last": "and again bob@other.org"}
    redactor = Redactor(scanner=Scanner(max_chars=80))
    for _ in range(2):  # the first meets types with no op yet (left to the engine), the second has them
        out, summary = redactor.redact_with_summary(event)
        assert out == {"first": "mail [REDACTED:EMAIL_ADDRESS]", "body": "<p>call me on [REDACTED:PHONE_NUMBER]</p>",
                       "paid": "paid with [REDACTED:CREDIT_CARD]", "long": "[REDACTED:UNSCANNED]",
                       "last": "and again [REDACTED:EMAIL_ADDRESS]"}
        assert list(summary.types.items()) == [("EMAIL_ADDRESS", 2), ("PHONE_NUMBER", 1), ("CREDIT_CARD", 1),
                                               ("UNSCANNED", 1)]
        assert summary.count == 5 and summary.fail_closed == {"unscanned": 1}


@pytest.mark.parametrize("keep", [False, True])
def test_only_a_scanned_text_left_as_it_was_is_remembered_clean(keep):
    """A text the scanner left whole is not scanned again; one with a value replaced is, every time (were it
    remembered, the next event would keep it); a value of a type the policy keeps leaves its text whole."""
    redactor = Redactor(Policy.from_dict({"types": {"EMAIL_ADDRESS": {"action": "keep"}}}) if keep else None)
    event = {"event": "mail bob@other.org", "note": "all good here", "email": EMAIL,
             "known": f"from {EMAIL}"}
    for _ in range(2):
        out, summary = redactor.redact_with_summary(dict(event))
        assert out["note"] == "all good here"
        assert out["event"] == ("mail bob@other.org" if keep else "mail [REDACTED:EMAIL_ADDRESS]")
        assert out["known"] == (f"from {EMAIL}" if keep else "from [REDACTED:EMAIL_ADDRESS]")
        assert summary.types == ({} if keep else {"EMAIL_ADDRESS": 3})
    assert "all good here" in redactor._clean
    assert ("mail bob@other.org" in redactor._clean) is keep
    assert ("from " + EMAIL in redactor._clean) is keep


@pytest.mark.parametrize("scan", [True, False])
def test_a_text_the_scanner_could_not_read_is_redacted_whole_and_counted(scan):
    from intercom_redact.scanner import Scanner

    redactor = Redactor(scanner=Scanner(max_chars=40))
    event = {"email": EMAIL, "event": f"a message long enough to pass the scanner's bound, from {EMAIL}",
             "short": f"mail {EMAIL}", "body": f"<p>{'x' * 60} {EMAIL}</p>"}
    out, summary = redactor.redact_with_summary(event, scan=scan)
    assert out["short"] == "mail [REDACTED:EMAIL_ADDRESS]"
    assert out["body"] == "[REDACTED:UNSCANNED]"
    # Without the scan a plain message is only searched for known values: no bound to pass.
    assert out["event"] == ("[REDACTED:UNSCANNED]" if scan else "a message long enough to pass the "
                            "scanner's bound, from [REDACTED:EMAIL_ADDRESS]")
    assert summary.fail_closed == {"unscanned": 2 if scan else 1}
    assert summary.types == {"EMAIL_ADDRESS": 2 if scan else 3, "UNSCANNED": 2 if scan else 1}


@given(st.sampled_from(["<p>", "<div>", "<br>", "<P>", "<p ", "<pre>", "</p>", "<", ""]),
       st.text(st.sampled_from("<>/pbrdiv a=\"x"), max_size=12))
def test_html_openings_are_tags_the_html_search_finds(opening: str, rest: str) -> None:
    """A text the engine reads as HTML by its opening alone is one the tag search reads as HTML."""
    text = opening + rest
    assert engine._looks_like_html(text) == ("<" in text and engine._HTML_TAG(text) is not None)


@pytest.mark.parametrize(("obj", "kept"), [
    ({"type": "company", "name": "Acme Analytics"}, True),
    ({"type": "tag", "name": "VIP"}, True),
    ({"type": "contact", "name": "Acme Analytics"}, False),
    ({"name": "Acme Analytics"}, False),
])
def test_an_objects_type_decides_its_rules_in_a_dict_and_in_any_mapping(redactor, obj, kept):
    # The walk reads a dict's type field directly and another mapping's through its own get.
    for value in (obj, MappingProxyType(obj), OrderedDict(obj)):
        out = redactor.redact({"data": [value, value]})["data"]
        assert [dict(o)["name"] == obj["name"] for o in out] == [kept, kept]


def test_redact_returns_what_an_overridden_redact_with_summary_does():
    class Audited(Redactor):
        def redact_with_summary(self, value, *, scan=True):
            out, summary = super().redact_with_summary(value, scan=scan)
            return {"audited": out, "count": summary.count}, summary

    assert Audited().redact({"email": EMAIL}) == {"audited": {"email": "[REDACTED:EMAIL_ADDRESS]"}, "count": 1}


def test_the_plain_texts_after_a_body_are_replaced_by_the_core_run_by_run(core):
    # search_texts stops at the body (the scanner's, with its markup); the engine hands the core each run
    # of plain texts with spans after it (a and a2, then c), and reads the one with an "&" between them decoded.
    event = {"email": "jane@example.com", "name": "Jane Doe", "body": "<p>Hi, this is Jane Doe</p>",
             "a": "sent to jane@example.com", "a2": "cc jane doe", "b": "Jane Doe &amp; jane&#64;example.com",
             "c": "from jane doe"}
    redactor = Redactor()
    for _ in range(2):  # the first call makes the types' ops (till then the engine replaces those texts)
        out, summary = redactor.redact_with_summary(event, scan=False)
        assert out == {"email": "[REDACTED:EMAIL_ADDRESS]", "name": "[REDACTED:PERSON]",
                       "body": "<p>Hi, this is [REDACTED:PERSON]</p>", "a": "sent to [REDACTED:EMAIL_ADDRESS]",
                       "a2": "cc [REDACTED:PERSON]", "b": "[REDACTED:PERSON] &amp; [REDACTED:EMAIL_ADDRESS]",
                       "c": "from [REDACTED:PERSON]"}
        assert (summary.count, summary.types, summary.rules) == (
            8, {"EMAIL_ADDRESS": 3, "PERSON": 5}, {"**.email": 1, "**.name": 1, "scanner": 6})
