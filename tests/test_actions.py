import pickle

import pytest

from intercom_redact import HmacKey, Policy, Redactor
from intercom_redact.actions import keyed_digest, mask, normalize, pseudonymize

KEY = HmacKey(b"k" * 32, "k1")


def test_normalize_email_and_phone():
    assert normalize("EMAIL_ADDRESS", " Jane.Doe@Example.COM ") == "jane.doe@example.com"
    assert normalize("PHONE_NUMBER", "(415) 555-0132") == "+14155550132"
    assert normalize("PHONE_NUMBER", "+44 20 7946 0958") == "+442079460958"


def test_the_keyed_digest_is_whole_normalized_and_the_pseudonyms_source():
    digest = keyed_digest(KEY, "EMAIL_ADDRESS", " Jane@Example.com")
    assert len(digest) == 64 and digest == keyed_digest(KEY, "EMAIL_ADDRESS", "jane@example.com")
    assert pseudonymize(KEY, "EMAIL_ADDRESS", "jane@example.com") == f"EMAIL_ADDRESS:k1:{digest[:12]}"
    assert digest != keyed_digest(KEY, "PERSON", "jane@example.com")


def test_pseudonyms_are_typed_keyed_short_and_normalized():
    a = pseudonymize(KEY, "EMAIL_ADDRESS", "Jane@Example.com")
    b = pseudonymize(KEY, "EMAIL_ADDRESS", "jane@example.com")
    assert a == b
    assert a.startswith("EMAIL_ADDRESS:k1:") and len(a.rsplit(":", 1)[1]) == 12
    assert pseudonymize(KEY, "PHONE_NUMBER", "+1 415 555 0132") == pseudonymize(KEY, "PHONE_NUMBER", "(415) 555-0132")
    other = HmacKey(b"x" * 32, "k2")
    assert pseudonymize(other, "EMAIL_ADDRESS", "jane@example.com") != a


def test_key_id_is_derived_when_not_given_and_key_never_in_repr():
    key = HmacKey(b"super-secret-key")
    assert len(key.key_id) == 8
    assert "super-secret" not in repr(key)


def test_key_from_environment(monkeypatch):
    monkeypatch.setenv("INTERCOM_REDACT_HMAC_KEY", "env-secret")
    monkeypatch.setenv("INTERCOM_REDACT_HMAC_KEY_ID", "2026-11")
    policy = Policy.from_dict({"types": {"EMAIL_ADDRESS": {"action": "pseudonymize"}}})
    r = Redactor(policy)
    assert r.redact({"email": "a@b.co"})["email"].startswith("EMAIL_ADDRESS:2026-11:")
    assert "env-secret" not in repr(r)
    assert "env-secret" not in repr(pickle.dumps(r)[:0])


@pytest.mark.parametrize(
    ("entity_type", "value", "expected"),
    [
        ("EMAIL_ADDRESS", "jane@example.com", "***@example.com"),
        ("CREDIT_CARD", "4111 1111 1111 1111", "**** 1111"),
        ("PHONE_NUMBER", "+31 20 123 4567", "***67"),
        ("PERSON", "Jane Doe", "[X]"),
    ],
)
def test_mask(entity_type, value, expected):
    assert mask(entity_type, value, "[X]") == expected


def test_drop_removes_the_key_and_the_value_from_free_text():
    policy = Policy.from_dict({"rules": [{"path": "**.phone", "action": "drop", "type": "PHONE_NUMBER"}]})
    out = Redactor(policy).redact({"phone": "0031201234567", "event": "called 0031201234567", "list": ["x"]})
    assert "phone" not in out
    assert "0031201234567" not in out["event"]


def test_pseudonymize_rule_with_explicit_key():
    policy = Policy.from_dict({"rules": [{"path": "**.email", "action": "pseudonymize", "type": "EMAIL_ADDRESS"}]})
    r = Redactor(policy, hmac_key="secret", hmac_key_id="k9")
    out = r.redact({"email": "Jane@Example.com", "event": "from jane@example.com"})
    assert out["email"] == pseudonymize(HmacKey(b"secret", "k9"), "EMAIL_ADDRESS", "jane@example.com")
    assert out["event"] == "from " + out["email"]
