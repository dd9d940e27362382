"""Tracebacks through real structlog and stdlib pipelines: locals are values, function names are not names."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import structlog

from intercom_redact import Redactor
from intercom_redact.logging import RedactingFormatter
from intercom_redact.structlog import RedactProcessor, insert_redactor

EMAIL = "jane.doe@example.com"
NAME = "Jane Doe"


def charge_customer(customer: str, customer_name: str, payload: dict[str, Any], order_id: str) -> None:
    raise ValueError(f"card declined for {customer_name}")


def _structlog_exception(redactor: Redactor, processor: Any, customer: str = NAME) -> dict[str, Any]:
    out = io.StringIO()
    log = structlog.wrap_logger(
        structlog.PrintLogger(out),
        processors=insert_redactor([processor, structlog.processors.JSONRenderer()], RedactProcessor(redactor)),
    )
    try:
        charge_customer(NAME, customer, {"name": NAME, "email": EMAIL, "order_id": 81}, "ord_81hx")
    except ValueError:
        log.exception("charge failed")
    text = out.getvalue()
    assert NAME not in text and EMAIL not in text and "Jane" not in text
    line: dict[str, Any] = json.loads(text)
    return line


def test_dict_tracebacks_locals_are_redacted_as_values(redactor: Redactor) -> None:
    line = _structlog_exception(redactor, structlog.processors.dict_tracebacks)
    [exc] = line["exception"]
    frame = exc["frames"][-1]
    assert frame["locals"]["customer"] == "[REDACTED:FRAME_LOCAL]"  # any value, whatever its name
    assert frame["locals"]["customer_name"] == "[REDACTED:PERSON]"  # typed by its name
    assert frame["locals"]["payload"] == "[REDACTED:FRAME_LOCAL]"  # a dict repr: redacted whole
    assert frame["locals"]["order_id"] == "ord_81hx"  # identifiers stay
    caller = exc["frames"][0]["locals"]  # _structlog_exception's
    assert caller["out"].startswith("<_io.StringIO object at 0x")  # shows no data: kept
    assert caller["processor"].startswith("<structlog.processors.ExceptionRenderer object at 0x")
    assert caller["customer"] == "[REDACTED:FRAME_LOCAL]"
    # A typed local's value, unquoted, is a known value of the event: gone from the message too.
    assert exc["exc_value"] == "card declined for [REDACTED:PERSON]"


def test_an_untyped_local_is_not_searched_for_elsewhere(redactor: Redactor) -> None:
    # status = 'keep_open' is redacted in its frame, but the same word elsewhere stays.
    out = io.StringIO()
    log = structlog.wrap_logger(structlog.PrintLogger(out), processors=insert_redactor(
        [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()], RedactProcessor(redactor)))

    def close(status: str) -> None:
        raise RuntimeError("cannot close")

    try:
        close("keep_open")
    except RuntimeError:
        log.exception("close failed", state_note="keep_open")
    line = json.loads(out.getvalue())
    assert line["state_note"] == "keep_open"
    assert line["exception"][0]["frames"][-1]["locals"]["status"] == "[REDACTED:FRAME_LOCAL]"


def test_dict_tracebacks_function_names_and_paths_are_kept(redactor: Redactor) -> None:
    line = _structlog_exception(redactor, structlog.processors.dict_tracebacks)
    names = [frame["name"] for frame in line["exception"][0]["frames"]]
    assert names[-1] == "charge_customer" and "[REDACTED" not in "".join(names)
    assert all(frame["filename"].endswith(".py") for frame in line["exception"][0]["frames"])
    assert line["exception"][0]["exc_type"] == "ValueError"


def test_format_exc_info_text_keeps_function_names(redactor: Redactor) -> None:
    # A text traceback has no locals: a name in its message needs NER; an e-mail does not.
    line = _structlog_exception(redactor, structlog.processors.format_exc_info, customer=EMAIL)
    assert "in charge_customer\n" in line["exception"]
    assert line["exception"].endswith("ValueError: card declined for [REDACTED:EMAIL_ADDRESS]")


def test_stdlib_exc_info_and_stack_info_keep_function_names(redactor: Redactor) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(redactor=redactor, fmt="%(message)s"))
    logger = logging.getLogger("test_tracebacks.stdlib")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            charge_customer(EMAIL, EMAIL, {}, "ord_81hx")
        except ValueError:
            logger.exception("charge failed for %s", EMAIL, stack_info=True)
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert EMAIL not in text
    assert "in charge_customer" in text and "in test_stdlib_exc_info_and_stack_info_keep_function_names" in text
