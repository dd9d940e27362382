"""The partition API of intercom_redact.files: one call per batch of records, a redactor per process."""

from __future__ import annotations

import pickle

import orjson
import pytest

from intercom_redact import MissingKeyError, Policy, PolicyError, Redactor
from intercom_redact.actions import KEY_ENV
from intercom_redact.files import (
    RedactorConfig,
    redact_frame,
    redact_partition,
    redactor_cache_info,
)

EMAIL = "marisol.quintero@example.com"
SECRET = "partition-test-secret-abcdef"
PSEUDONYMIZING = Policy.from_dict({"types": {"EMAIL_ADDRESS": {"action": "pseudonymize"}}})


def test_every_record_kind_keeps_order_and_type(redactor: Redactor) -> None:
    values = redact_partition([{"email": EMAIL, "n": n} for n in range(3)], redactor)
    assert values.records == [{"email": "[REDACTED:EMAIL_ADDRESS]", "n": n} for n in range(3)]
    assert values.stats.lines == 3 and values.stats.redactions == {"EMAIL_ADDRESS": 3}

    lines = redact_partition([orjson.dumps({"email": EMAIL}) + b"\r\n", f"oops {EMAIL}", b""], redactor, kind="jsonl")
    assert lines.records == [b'{"email":"[REDACTED:EMAIL_ADDRESS]"}\r\n', "oops [REDACTED:EMAIL_ADDRESS]", b""]
    assert lines.stats.malformed == 1

    text = redact_partition([f"<b>{EMAIL}</b>\n"], redactor, kind="text")
    assert text.records == ["<b>[REDACTED:EMAIL_ADDRESS]</b>\n"]

    rows = redact_partition([["7", EMAIL, f"mail {EMAIL}"], ["8"]], redactor, kind="csv",
                            header=["id", "contact.email", "note"], keep_columns=["id"])
    assert rows.records == [["7", "[REDACTED:EMAIL_ADDRESS]", "mail [REDACTED:EMAIL_ADDRESS]"], ["8"]]
    assert rows.stats.malformed == 1 and rows.stats.lines == 2


def test_bad_calls_say_what_is_wrong(redactor: Redactor) -> None:
    with pytest.raises(ValueError, match="unknown record kind 'xml'"):
        redact_partition([], redactor, kind="xml")
    with pytest.raises(ValueError, match="need the header"):
        redact_partition([["a"]], redactor, kind="csv")


def test_a_config_builds_one_redactor_per_process_and_counts_it() -> None:
    config = RedactorConfig(Policy(placeholder="<partition {type}>"))
    for _ in range(3):
        assert redact_partition([{"email": EMAIL}], config).records == [{"email": "<partition EMAIL_ADDRESS>"}]
    assert redactor_cache_info()[config.fingerprint] == (1, 3)
    again = pickle.loads(pickle.dumps(config))  # what a worker receives with each task
    assert again.fingerprint == config.fingerprint and again.redactor() is config.redactor()


def test_a_config_is_hashed_when_first_asked_and_sent_hashed() -> None:
    config = RedactorConfig.from_redactor(Redactor())
    assert "fingerprint" not in vars(config)  # a file redacted in this process never needs it
    received = pickle.loads(pickle.dumps(config))  # hashed before it is first sent: workers read it
    assert vars(received)["fingerprint"] == vars(config)["fingerprint"] == config.fingerprint
    assert received == config and RedactorConfig(Policy(placeholder="<{type}>")).fingerprint != config.fingerprint


def test_the_config_carries_the_key_id_but_never_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    keyed = Redactor(PSEUDONYMIZING, hmac_key=SECRET)
    config = RedactorConfig.from_redactor(keyed)
    assert SECRET.encode() not in pickle.dumps(config) and SECRET not in repr(config)
    assert config.key_id and config.key_id in repr(config)

    monkeypatch.setenv(KEY_ENV, SECRET)  # a worker holding the same key pseudonymizes alike
    assert config.build().redact({"email": EMAIL}) == keyed.redact({"email": EMAIL})
    monkeypatch.setenv(KEY_ENV, "another key")
    with pytest.raises(MissingKeyError, match="not the key the job was started with"):
        config.build()
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(PolicyError, match="no HMAC key"):  # the policy needs one: the engine refuses
        config.build()
    plain = RedactorConfig.from_redactor(Redactor(hmac_key=SECRET))
    assert plain.build().redact({"email": EMAIL}) == {"email": "[REDACTED:EMAIL_ADDRESS]"}  # no key needed


def test_a_pandas_frame_is_redacted_row_by_row(redactor: Redactor) -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"id": [1, 2], "contact.email": [EMAIL, None], "note": [f"to {EMAIL}", "ok"]},
                             index=[10, 20])
    out = redact_frame(frame, redactor, keep_columns=["id"])
    assert list(out.index) == [10, 20] and out["id"].dtype == frame["id"].dtype
    assert out["contact.email"].tolist() == ["[REDACTED:EMAIL_ADDRESS]", None]
    assert out["note"].tolist() == ["to [REDACTED:EMAIL_ADDRESS]", "ok"]
    assert frame["note"][10] == f"to {EMAIL}"  # the input is not changed
