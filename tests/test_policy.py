import pytest

from intercom_redact import Policy, PolicyError, Redactor, Rule


def test_default_policy_is_the_intercom_classification():
    paths = {r.path: (r.action, r.type) for r in Policy.default().rules}
    assert paths["**.email"] == (None, "EMAIL_ADDRESS")
    assert paths["**.id"] == ("identifier", None)
    assert paths["**.body"] == ("scan", None)
    assert paths["**.created_at"] == ("keep", None)


def test_from_dict_extends_defaults_and_user_rules_win_ties():
    policy = Policy.from_dict({"rules": [{"path": "**.email", "action": "keep"}]})
    out = Redactor(policy).redact({"contact": {"email": "jane@example.com"}})
    assert out == {"contact": {"email": "jane@example.com"}}


def test_most_specific_rule_wins_over_order():
    policy = Policy.from_dict({"rules": [
        {"path": "contact.email", "action": "keep"},
        {"path": "*.email", "action": "redact", "type": "EMAIL_ADDRESS"},
    ]})
    out = Redactor(policy).redact({"contact": {"email": "a@b.co"}, "lead": {"email": "c@d.co"}})
    assert out["contact"]["email"] == "a@b.co"
    assert out["lead"]["email"] == "[REDACTED:EMAIL_ADDRESS]"


def test_secrets_are_always_redacted_even_under_a_specific_keep():
    policy = Policy.from_dict({"rules": [
        {"path": "request.headers.authorization", "action": "keep"},
        {"path": "request", "action": "keep"},
    ]})
    out = Redactor(policy).redact({"request": {"headers": {"Authorization": "Bearer abc"}, "path": "/x"}})
    assert out == {"request": {"headers": {"Authorization": "[REDACTED:SECRET]"}, "path": "/x"}}


def test_secret_keys_can_be_added_not_removed():
    policy = Policy.from_dict({"secret_keys": ["x-intercom-signature"]})
    assert "x-intercom-signature" in policy.secret_keys
    assert "password" in policy.secret_keys


def test_container_rule_applies_below_unless_a_deeper_rule_says_otherwise():
    policy = Policy.from_dict({"rules": [
        {"path": "profile", "action": "keep"},
        {"path": "profile.nickname", "action": "redact", "type": "PERSON"},
    ]})
    out = Redactor(policy).redact({"profile": {"nickname": "JD", "note": "a@b.co"}})
    assert out == {"profile": {"nickname": "[REDACTED:PERSON]", "note": "a@b.co"}}


def test_type_action_applies_to_fields_and_free_text():
    policy = Policy.from_dict({"types": {"EMAIL_ADDRESS": {"action": "mask"}}})
    out = Redactor(policy).redact({"email": "jane@example.com", "event": "mail jane@example.com now"})
    assert out["email"] == "***@example.com"
    assert out["event"] == "mail ***@example.com now"


def test_placeholder_template_and_per_type_override():
    policy = Policy.from_dict({
        "placeholder": "<{type}>",
        "types": {"PERSON": {"placeholder": "<someone>"}},
    })
    out = Redactor(policy).redact({"email": "a@b.co", "name": "Jane"})
    assert out == {"email": "<EMAIL_ADDRESS>", "name": "<someone>"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": [{"path": "**.email", "action": "redakt"}]}, r"rule 0 \('\*\*.email'\): unknown action 'redakt'"),
        ({"rules": [{"path": "a..b", "action": "keep"}]}, r"rule 0 \('a..b'\): bad path"),
        ({"rules": [{"action": "keep"}]}, "rule 0: missing 'path'"),
        ({"rules": [{"path": "x"}]}, "give an action, a type, or both"),
        ({"rules": [{"path": "x", "action": "keep", "colour": 1}]}, "unknown key"),
        ({"rules": "nope"}, "rules must be a list"),
        ({"types": {"EMAIL_ADDRESS": {"action": "drop"}}}, "not allowed for a type"),
        ({"types": {"SECRET": {"action": "keep"}}}, "secrets are always redacted"),
        ({"retention": {"contact_cache": 0}}, "positive number of days"),
        ({"retention": {"forever": 3}}, "unknown category 'forever'"),
        ({"limits": {"max_depth": -1}}, "max_depth must be a positive integer"),
        ({"colour": "blue"}, "unknown policy setting"),
        ({"inherit_defaults": False}, "needs at least one rule"),
    ],
)
def test_bad_policies_are_rejected_with_a_message_naming_the_problem(data, message):
    with pytest.raises(PolicyError, match=message):
        Policy.from_dict(data)


def test_from_toml(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(
        'placeholder = "[{type}]"\n'
        "[[rules]]\npath = \"**.nickname\"\ntype = \"PERSON\"\n"
        "[retention]\ncontact_cache = 14\n"
    )
    policy = Policy.from_toml(path)
    assert policy.retention["contact_cache"] == 14
    assert policy.retention["audit_log"] == 2555
    assert Redactor(policy).redact({"nickname": "JJ"}) == {"nickname": "[PERSON]"}


def test_from_toml_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[[rules]]\npath = 3\naction = 'keep'\n")
    with pytest.raises(PolicyError, match=r"bad\.toml.*rule 0"):
        Policy.from_toml(path)
    path.write_text("rules = [")
    with pytest.raises(PolicyError, match="not valid TOML"):
        Policy.from_toml(path)
    with pytest.raises(PolicyError, match="cannot read policy file"):
        Policy.from_toml(tmp_path / "missing.toml")


def test_pseudonymize_without_a_key_is_a_configuration_error(monkeypatch):
    monkeypatch.delenv("INTERCOM_REDACT_HMAC_KEY", raising=False)
    policy = Policy.from_dict({"types": {"EMAIL_ADDRESS": {"action": "pseudonymize"}}})
    with pytest.raises(PolicyError, match="no HMAC key"):
        Redactor(policy)


def test_rule_objects_are_validated():
    with pytest.raises(PolicyError, match="unknown action"):
        Policy(rules=(Rule("x", "nope"),))


def test_the_readme_policy_example_loads(tmp_path):
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    block = re.search(r"```toml\n(# policy\.toml\n.*?)```", readme, re.S).group(1)
    path = tmp_path / "policy.toml"
    path.write_text(block)
    policy = Policy.from_toml(path)
    r = Redactor(policy, hmac_key="k", hmac_key_id="k1")
    out = r.redact({"custom_attributes": {"nickname": "JJ"}, "email": "a@b.co", "note": "card 4111 1111 1111 1111"})
    assert out["custom_attributes"]["nickname"] == "[REDACTED:PERSON]"
    assert out["email"].startswith("EMAIL_ADDRESS:k1:")
    assert out["note"] == "card **** 1111"
    assert policy.retention["contact_cache"] == 14
