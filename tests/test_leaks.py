"""The leak suite: hypothesis events through every sink; no planted personal value comes out.

Every sink is a real pipeline (structlog with a JSON renderer, a stdlib
handler with the filter, a stdlib handler with the formatter, OpenTelemetry
logs redacted inline and deferred to the exporter, OpenTelemetry spans, the
file redactor behind ``intercom-redact redact``) built once per module; each
example is logged through it and everything it rendered or exported is
searched for the planted values (raw and JSON-escaped), and for the planted
non-personal values, which must survive.  See :mod:`strategies` for what is
planted and what the library promises to find.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pythonjsonlogger.json import JsonFormatter

import strategies
from intercom_redact import Redactor
from intercom_redact.files import redact_stream
from intercom_redact.logging import RedactingFilter, RedactingFormatter
from intercom_redact.otel import RedactingLogExporter, RedactingLogRecordProcessor, RedactingSpanExporter
from intercom_redact.structlog import RedactProcessor, insert_redactor

REDACTOR = strategies.unhurried_redactor()


def assert_clean(planted: strategies.Planted, text: str, sink: str) -> None:
    """No planted secret in ``text`` (raw or JSON-escaped); every survivor still there."""
    for secret in planted.secrets:
        escaped = json.dumps(secret)[1:-1]
        assert secret not in text and escaped not in text, f"{sink} leaked {secret!r}:\n{text}"
    for survivor in planted.survivors:
        assert survivor in text, f"{sink} lost {survivor!r}:\n{text}"


def _raise(planted: strategies.Planted) -> None:
    # Frame locals carry the secrets: a traceback with locals must not show them.
    secrets = list(planted.secrets)  # noqa: F841
    raise planted.error


def _stdlib_logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"tests.leaks.{uuid.uuid4().hex[:8]}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger


def _log_stdlib(logger: logging.Logger, planted: strategies.Planted) -> None:
    args = planted.args if isinstance(planted.args, tuple) else (planted.args,)
    if planted.error is None:
        logger.info(planted.message, *args, extra=planted.value)
        return
    try:
        _raise(planted)
    except Exception:
        logger.exception(planted.message, *args, extra=planted.value)


def _formatted_message(planted: strategies.Planted) -> str:
    return planted.message % planted.args if planted.args else planted.message


# -- structlog ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["format_exc_info", "dict_tracebacks with locals"])
def structlog_sink(request) -> Iterator[tuple[Any, io.StringIO]]:
    if request.param == "format_exc_info":
        exceptions = structlog.processors.format_exc_info
    else:
        # Untruncated locals: structlog's default cut at 80 characters can end a repr
        # inside an HTML tag, which test_text_inside_html_tags_is_scanned pins.
        exceptions = structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=True, locals_max_string=100_000))
    out = io.StringIO()
    processors = insert_redactor([
        structlog.contextvars.merge_contextvars, structlog.processors.add_log_level, exceptions,
        structlog.processors.JSONRenderer(default=repr),
    ], RedactProcessor(REDACTOR))
    yield structlog.wrap_logger(structlog.PrintLogger(out), processors=processors), out


@strategies.LEAKS
@given(planted=strategies.events())
def test_structlog(structlog_sink, planted):
    log, out = structlog_sink
    out.seek(0)
    out.truncate()
    message = _formatted_message(planted)
    if planted.error is None:
        log.info(message, **planted.value)
    else:
        try:
            _raise(planted)
        except Exception:
            log.exception(message, **planted.value)
    assert out.getvalue().count("\n") == 1
    assert_clean(planted, out.getvalue(), "structlog")


# -- stdlib logging -------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["filter", "formatter"])
def stdlib_sink(request) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    formatter = JsonFormatter(json_default=repr)
    if request.param == "filter":
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter(REDACTOR))
    else:
        handler.setFormatter(RedactingFormatter(formatter, REDACTOR))
    logger = _stdlib_logger(handler)
    yield logger, out
    logger.handlers.clear()


@strategies.LEAKS
@given(planted=strategies.events())
def test_stdlib(stdlib_sink, planted):
    logger, out = stdlib_sink
    out.seek(0)
    out.truncate()
    _log_stdlib(logger, planted)
    assert out.getvalue().count("\n") == 1
    assert_clean(planted, out.getvalue(), "stdlib")


# -- OpenTelemetry ----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["inline", "deferred"])
def otel_logs_sink(request) -> Iterator[tuple[logging.Logger, InMemoryLogRecordExporter, logging.Logger,
                                             InMemoryLogRecordExporter]]:
    """The redacting pipeline, and a plain one beside it: what the SDK itself keeps of a record."""
    providers, handlers = [], []
    exported, plain = InMemoryLogRecordExporter(), InMemoryLogRecordExporter()
    for processors in (
        [RedactingLogRecordProcessor(REDACTOR), SimpleLogRecordProcessor(exported)] if request.param == "inline"
        else [RedactingLogRecordProcessor(REDACTOR, scan=False),
              SimpleLogRecordProcessor(RedactingLogExporter(exported, REDACTOR))],
        [SimpleLogRecordProcessor(plain)],
    ):
        provider = LoggerProvider()
        for processor in processors:
            provider.add_log_record_processor(processor)
        providers.append(provider)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            handlers.append(LoggingHandler(logger_provider=provider))
    logger, plain_logger = (_stdlib_logger(handler) for handler in handlers)
    yield logger, exported, plain_logger, plain
    for each in (logger, plain_logger):
        each.handlers.clear()
    for provider in providers:
        provider.shutdown()


@strategies.LEAKS
@given(planted=strategies.events())
def test_otel_logs(otel_logs_sink, planted):
    logger, exported, plain_logger, plain = otel_logs_sink
    exported.clear()
    plain.clear()
    _log_stdlib(logger, planted)
    _log_stdlib(plain_logger, planted)
    records = exported.get_finished_logs()
    assert len(records) == 1
    # A survivor the SDK drops by itself is not ours to keep: opentelemetry-sdk 1.39 turns a
    # sequence of mixed types ({"note": ...}, "t") into None before any processor sees it.
    kept = plain.get_finished_logs()[0].to_json()
    survivors = [survivor for survivor in planted.survivors if survivor in kept]
    assert_clean(dataclasses.replace(planted, survivors=survivors), records[0].to_json(), "otel logs")


def _attribute(value: Any) -> Any:
    if isinstance(value, (str, bool, int, float)):
        return value
    return str(value)  # what an application does with a value OpenTelemetry cannot hold


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{prefix}{key}.").items()}
    return {prefix[:-1]: _attribute(value)}


@pytest.fixture(scope="module")
def span_sink() -> Iterator[tuple[Any, InMemorySpanExporter]]:
    provider = TracerProvider()
    exported = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(exported, REDACTOR)))
    yield provider.get_tracer("leaks"), exported
    provider.shutdown()


@strategies.LEAKS
@given(planted=strategies.events())
def test_otel_spans(span_sink, planted):
    tracer, exported = span_sink
    exported.clear()
    with tracer.start_as_current_span(_formatted_message(planted), attributes=_flat(planted.value),
                                      record_exception=False) as span:
        span.add_event("contact touched", attributes=_flat(planted.value))
        if planted.error is not None:
            span.record_exception(planted.error)
    spans = exported.get_finished_spans()
    assert len(spans) == 1
    assert_clean(planted, spans[0].to_json(), "otel spans")


# -- the file redactor (intercom-redact redact) ------------------------------------------------


@strategies.LEAKS
@given(planted=strategies.events())
def test_file_redactor(planted):
    record = {"message": _formatted_message(planted), **planted.value}
    if planted.error is not None:
        record["error"] = planted.error
    line = orjson.dumps(record, default=repr)
    out = io.BytesIO()
    stats = redact_stream(io.BytesIO(line + b"\n" + line + b"\n"), out, REDACTOR, fmt="jsonl", jobs=1)
    assert stats.lines == 2
    assert_clean(planted, out.getvalue().decode(), "file redactor")


@settings(strategies.LEAKS, max_examples=max(5, strategies.LEAKS.max_examples // 25))
@given(batch=st.lists(strategies.events(), min_size=25, max_size=25))
def test_cli_redact_command(batch):
    from intercom_redact.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        source, target = os.path.join(tmp, "app.jsonl"), os.path.join(tmp, "clean.jsonl")
        with open(source, "wb") as fh:
            for planted in batch:
                record = {"message": _formatted_message(planted), **planted.value, "error": planted.error}
                fh.write(orjson.dumps(record, default=repr) + b"\n")
        policy = os.path.join(tmp, "policy.toml")
        with open(policy, "w", encoding="utf-8") as fh:
            fh.write(f"[limits]\ntime_budget = {strategies.UNHURRIED_BUDGET}\n")
        assert main(["redact", source, "--out", target, "--jobs", "1", "--policy", policy]) == 0
        with open(target, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    assert len(lines) == len(batch)
    for planted, line in zip(batch, lines):
        assert_clean(planted, line, "intercom-redact redact")


# -- what the library does not promise yet -----------------------------------------------------


def test_personal_data_in_dict_keys():
    assert "jane@example.com" not in repr(REDACTOR.redact({"opens_by_email": {"jane@example.com": 3}}))


def test_url_encoded_email_in_a_query_string():
    text = REDACTOR.redact_text("GET /search?email=jane.doe%40example.com&page=2")
    assert "jane.doe%40example.com" not in text


def test_url_encoded_known_name_and_phone():
    event = {"contact": {"name": "Jane Doe", "phone": "+44 20 7946 0958"},
             "url": "https://app.example.com/search?q=Jane+Doe&tel=%2B44+20+7946+0958"}
    url = REDACTOR.redact(event)["url"]
    assert "Jane+Doe" not in url and "7946+0958" not in url


def test_phone_followed_by_another_number():
    # The candidate runs on into the card; its leading groups are tried when the whole fails.
    text = REDACTOR.redact_text("+1 201-555-0000 4000 0000 0000 0002")
    assert "201-555-0000" not in text


@pytest.mark.parametrize("sink", ["filter", "formatter"])
def test_stdlib_dict_args_keep_their_field_rules(sink):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    if sink == "filter":
        handler.addFilter(RedactingFilter(REDACTOR))
    else:
        handler.setFormatter(RedactingFormatter(logging.Formatter(), REDACTOR))
    logger = _stdlib_logger(handler)
    try:
        contact = {"name": "Priya Patel", "email": "priya@example.com", "id": "6762f0a91bb69f9f2193bb1a"}
        logger.info("contact %(id)s (%(name)s) signed up", contact)
        logger.info("contact %s updated: %r", "6762f0a91bb69f9f2193bb1a", contact)
    finally:
        logger.handlers.clear()
    assert "6762f0a91bb69f9f2193bb1a" in out.getvalue()
    assert "Priya Patel" not in out.getvalue()


@pytest.mark.parametrize("text", [
    '<p>Hi</p><a data-email="jane@example.com" href="/x">x</a>',
    "<p>hi</p><input value='jane@example.com'>",
    # structlog's locals repr cut at 80 characters inside a body: "<br'+1" opens a "tag"
    # that runs to the next '>', hiding the next field.
    "note='<p>hi</p><br'+1, comment='mail jane@example.com now', x='<p>'",
], ids=["data attribute", "value attribute", "truncated repr"])
def test_text_inside_html_tags_is_scanned(text):
    assert "jane@example.com" not in REDACTOR.redact({"event": text})["event"]


# -- the library's own secrets (SECURITY.md) ---------------------------------------------------

HMAC_SECRET = "hmac-secret-0123456789abcdef"
TOKEN = "dG9rOmZha2UtaW50ZXJjb20tYWNjZXNzLXRva2Vu"


def test_hmac_key_never_in_reprs_pseudonyms_errors_or_logs(tmp_path):
    from intercom_redact import HmacKey, Policy, PolicyError

    policy = Policy.from_dict({"types": {"EMAIL_ADDRESS": {"action": "pseudonymize"}}})
    redactor = Redactor(policy, hmac_key=HMAC_SECRET)
    out = io.StringIO()
    log = structlog.wrap_logger(structlog.PrintLogger(out), processors=[
        RedactProcessor(redactor), structlog.processors.JSONRenderer()])
    log.info(f"key is {HMAC_SECRET}", hmac_key=HMAC_SECRET, contact={"email": "jane@example.com"},
             redactor=redactor)
    texts = [repr(redactor), str(redactor), repr(HmacKey.resolve(HMAC_SECRET)), out.getvalue(),
             repr(redactor.redact({"email": "jane@example.com"}))]
    try:
        Redactor(Policy.from_dict({"types": {"PERSON": {"action": "pseudonymize"}}}))
    except PolicyError as exc:
        texts.append(str(exc))
    for text in texts:
        assert HMAC_SECRET not in text, text


def test_access_token_never_leaves_a_sink():
    headers = {"Authorization": f"Bearer {TOKEN}", "Intercom-Version": "2.14"}
    event = {"request": {"headers": headers, "url": "https://api.intercom.io/contacts"},
             "note": f"retrying with bearer {TOKEN}", "access_token": TOKEN}
    out = repr(REDACTOR.redact(event)) + REDACTOR.redact_text(f"curl -H 'Authorization: Bearer {TOKEN}'")
    assert TOKEN not in out
    assert "2.14" in out


def test_no_eval_exec_or_unsafe_deserialisation_in_the_package():
    import ast
    import pathlib

    import intercom_redact

    unsafe_calls = {"eval", "exec", "compile", "__import__"}
    unsafe_attributes = {("pickle", "load"), ("pickle", "loads"), ("marshal", "loads"), ("yaml", "load"),
                         ("shelve", "open"), ("os", "system")}
    found = []
    for path in pathlib.Path(intercom_redact.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in unsafe_calls:
                found.append(f"{path.name}:{node.lineno} {func.id}()")
            elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                  and (func.value.id, func.attr) in unsafe_attributes):
                found.append(f"{path.name}:{node.lineno} {func.value.id}.{func.attr}()")
            elif any(k.arg == "shell" and getattr(k.value, "value", False) is True for k in node.keywords):
                found.append(f"{path.name}:{node.lineno} shell=True")
    assert not found


def test_every_dependency_has_a_lower_bound():
    import pathlib
    import re
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    pyproject = pathlib.Path(__file__).parent.parent / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    for requirement in requirements:
        spec = requirement.split(";")[0]
        assert re.search(r">=\s*\d", spec) or "==" in spec, f"no lower bound: {requirement}"


def test_sqlite_audit_files_and_journals_are_owner_only(tmp_path):
    import os
    import stat

    from intercom_redact.compliance.audit import AuditLog

    path = tmp_path / "audit" / "audit.sqlite3"
    with AuditLog(f"sqlite:///{path}") as audit:
        for i in range(20):
            audit.append("deletion", {"i": i})
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        modes = {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in files}
    assert modes and all(mode == 0o600 for mode in modes.values()), modes
    assert stat.S_IMODE(os.stat(path.parent).st_mode) & 0o077 == 0
