"""RedactingFilter and RedactingFormatter in real stdlib logging pipelines."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config
import logging.handlers
import pickle
import queue
import sys
import threading
import uuid

import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st
from pythonjsonlogger.json import JsonFormatter

from intercom_redact import Policy, Redactor
from intercom_redact import logging as logging_sink
from intercom_redact.logging import RedactingFilter, RedactingFormatter

EMAIL = "jane.doe@example.com"
OTHER_EMAIL = "bob.stone@example.org"
NAME = "Jane Doe"
PHONE = "+31 20 123 4567"



@pytest.fixture
def make_logger():
    """A fresh, non-propagating logger with the given handlers, removed afterwards."""
    made = []

    def make(*handlers: logging.Handler, name: str | None = None) -> logging.Logger:
        logger = logging.getLogger(name or f"test.sink.{uuid.uuid4().hex[:8]}")
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        for handler in handlers:
            logger.addHandler(handler)
        made.append(logger)
        return logger

    yield make
    for logger in made:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        for f in list(logger.filters):
            logger.removeFilter(f)


def stream_handler(formatter: logging.Formatter | None = None, *filters) -> tuple[logging.Handler, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter or logging.Formatter("%(name)s|%(levelname)s|%(message)s"))
    for f in filters:
        handler.addFilter(f)
    return handler, out


def json_lines(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


# -- the filter ---------------------------------------------------------------------------------


def test_filter_redacts_message_args_and_extra_fields(redactor, make_logger):
    handler, out = stream_handler(JsonFormatter(), RedactingFilter(redactor))
    log = make_logger(handler)

    log.info("updated %s <%s>", NAME, EMAIL, extra={"contact": {"email": EMAIL, "name": NAME, "id": "c1"}})

    [line] = json_lines(out)
    assert line["message"] == "updated [REDACTED:PERSON] <[REDACTED:EMAIL_ADDRESS]>"
    assert line["contact"] == {"email": "[REDACTED:EMAIL_ADDRESS]", "name": "[REDACTED:PERSON]", "id": "c1"}


def test_dict_args_are_redacted(redactor, make_logger):
    handler, out = stream_handler(None, RedactingFilter(redactor))
    log = make_logger(handler)

    log.warning("reply to %(email)s about %(topic)s", {"email": EMAIL, "topic": "billing"})

    assert out.getvalue().rstrip().endswith("|reply to [REDACTED:EMAIL_ADDRESS] about billing")


def test_other_handlers_see_the_original_record(redactor, make_logger):
    redacting, redacted_out = stream_handler(None, RedactingFilter(redactor))
    plain, plain_out = stream_handler(logging.Formatter("%(message)s %(contact)s"))
    log = make_logger(redacting, plain)
    seen = []
    log.addFilter(lambda record: seen.append(record) or True)

    log.info("mail %s", EMAIL, extra={"contact": {"email": EMAIL}})

    assert EMAIL not in redacted_out.getvalue()
    assert plain_out.getvalue() == f"mail {EMAIL} {{'email': '{EMAIL}'}}\n"
    [record] = seen
    assert record.msg == "mail %s" and record.args == (EMAIL,)
    assert record.contact == {"email": EMAIL}


def test_record_attributes_are_not_user_fields(redactor, make_logger):
    """``record.name`` is the logger's name; ``name`` inside a field is a person's."""
    handler, out = stream_handler(JsonFormatter("%(name)s %(funcName)s %(message)s"), RedactingFilter(redactor))
    log = make_logger(handler, name="billing.name.jobs")

    log.info("synced", extra={"user": {"name": NAME}, "name_hint": "hello"})

    [line] = json_lines(out)
    assert line["name"] == "billing.name.jobs"
    assert line["funcName"] == "test_record_attributes_are_not_user_fields"
    assert line["user"] == {"name": "[REDACTED:PERSON]"}
    assert line["name_hint"] == "hello"


def test_exception_text_is_formatted_redacted_and_exc_info_cleared(redactor, make_logger):
    records = []
    handler, out = stream_handler(None, RedactingFilter(redactor))
    handler.addFilter(lambda record: records.append(record) or True)  # runs after, on the copy
    raw, raw_out = stream_handler(logging.Formatter("%(message)s"))
    log = make_logger(raw, handler)  # raw first: it caches the raw exc_text on the shared record

    try:
        raise LookupError(f"no contact for {EMAIL} ({PHONE})")
    except LookupError:
        log.exception("lookup failed", extra={"email": EMAIL})

    text = out.getvalue()
    assert "Traceback (most recent call last)" in text
    assert "LookupError: no contact for [REDACTED:EMAIL_ADDRESS] ([REDACTED:PHONE_NUMBER])" in text
    assert EMAIL not in text and PHONE not in text
    assert EMAIL in raw_out.getvalue()
    [copy] = records
    assert copy.exc_info is None


def test_behind_a_queue_handler_the_listener_thread_redacts(redactor, make_logger):
    # The hot-path set-up: the logging thread only enqueues; the listener's handler redacts.
    records: queue.Queue[logging.LogRecord] = queue.Queue()
    handler, out = stream_handler(JsonFormatter(), RedactingFilter(redactor))
    listener = logging.handlers.QueueListener(records, handler)
    log = make_logger(logging.handlers.QueueHandler(records))
    listener.start()
    try:
        log.info("updated %s <%s>", NAME, EMAIL, extra={"contact": {"email": EMAIL, "name": NAME, "id": "c1"}})
        try:
            raise LookupError(f"no contact for {OTHER_EMAIL} ({PHONE})")
        except LookupError:
            log.exception("lookup failed")
    finally:
        listener.stop()  # drains the queue first

    updated, failed = json_lines(out)
    assert updated["message"] == "updated [REDACTED:PERSON] <[REDACTED:EMAIL_ADDRESS]>"
    assert updated["contact"] == {"email": "[REDACTED:EMAIL_ADDRESS]", "name": "[REDACTED:PERSON]", "id": "c1"}
    # QueueHandler.prepare formats the traceback into the message: it is scanned as text.
    assert "LookupError: no contact for [REDACTED:EMAIL_ADDRESS] ([REDACTED:PHONE_NUMBER])" in failed["message"]
    assert EMAIL not in out.getvalue() and OTHER_EMAIL not in out.getvalue() and PHONE not in out.getvalue()


def test_stack_info_is_redacted(redactor, make_logger):
    handler, out = stream_handler(None, RedactingFilter(redactor))
    log = make_logger(handler)

    log.info("where", stack_info=True, extra={"to": OTHER_EMAIL})  # this source line carries the address

    text = out.getvalue()
    assert "Stack (most recent call last)" in text
    assert OTHER_EMAIL not in text


def test_non_string_message_keeps_its_structure(redactor, make_logger):
    records = []
    handler, _ = stream_handler(None, RedactingFilter(redactor))
    handler.addFilter(lambda record: records.append(record) or True)
    log = make_logger(handler)

    log.info({"event": "contact.created", "email": EMAIL, "plan": "pro"})

    [record] = records
    assert record.msg == {"event": "contact.created", "email": "[REDACTED:EMAIL_ADDRESS]", "plan": "pro"}


def test_dropped_field_is_removed_from_the_copy(make_logger):
    redactor = Redactor(Policy.from_dict({"rules": [{"path": "debug_payload", "action": "drop"}]}))
    handler, out = stream_handler(JsonFormatter(), RedactingFilter(redactor))
    log = make_logger(handler)

    log.info("hook", extra={"debug_payload": {"email": EMAIL}, "topic": "contact.created"})

    [line] = json_lines(out)
    assert "debug_payload" not in line and line["topic"] == "contact.created"


def test_summary_attributes_count_types_never_values(redactor, make_logger):
    handler, out = stream_handler(JsonFormatter(), RedactingFilter(redactor, summary=True))
    log = make_logger(handler)

    log.info("mail %s", EMAIL, extra={"contact": {"email": EMAIL, "phone": PHONE}})

    [line] = json_lines(out)
    assert line["redaction.types"] == ["EMAIL_ADDRESS", "PHONE_NUMBER"]
    assert line["redaction.count"] == 3  # the message's email, and the two fields


@pytest.mark.parametrize(("msg", "args", "count"), [
    ("reply to %s", (EMAIL,), 1),
    ("reply to %(email)s", ({"email": EMAIL},), 1),
    ("reply to %s about %s", (EMAIL, {"email": OTHER_EMAIL, "name": NAME}), 3),
    ("reply to " + EMAIL, (), 1),
])
def test_an_argument_is_counted_once(redactor, make_logger, msg, args, count):
    for sink in (RedactingFilter(redactor, summary=True), None):
        formatter = RedactingFormatter(JsonFormatter(), redactor, summary=True) if sink is None else JsonFormatter()
        handler, out = stream_handler(formatter, *([sink] if sink else []))
        make_logger(handler).info(msg, *args)
        [line] = json_lines(out)
        assert EMAIL not in line["message"] and line["redaction.count"] == count, (msg, sink)


def test_a_filter_on_a_handler_covers_child_loggers_and_one_on_a_logger_does_not(redactor, make_logger):
    # Why the README puts RedactingFilter on handlers: logging runs a logger's filters only for
    # records logged through that very logger, not for those propagating up from its children.
    on_handler, handler_out = stream_handler(None, RedactingFilter(redactor))
    name = f"test.sink.{uuid.uuid4().hex[:8]}"
    make_logger(on_handler, name=name)
    child = logging.getLogger(f"{name}.sub")
    child.setLevel(logging.DEBUG)
    child.info("to %s", EMAIL)
    assert handler_out.getvalue().endswith("|to [REDACTED:EMAIL_ADDRESS]\n")

    plain, plain_out = stream_handler()
    other = make_logger(plain)
    other.addFilter(RedactingFilter(redactor))
    other_child = logging.getLogger(f"{other.name}.sub")
    other_child.setLevel(logging.DEBUG)
    other_child.info("to %s", EMAIL)
    assert plain_out.getvalue().endswith(f"|to {EMAIL}\n")


def test_filter_on_a_logger_redacts_for_all_its_handlers(redactor, make_logger):
    first, first_out = stream_handler()
    second, second_out = stream_handler(JsonFormatter())
    log = make_logger(first, second)
    log.addFilter(RedactingFilter(redactor))
    record = log.makeRecord(log.name, logging.INFO, __file__, 1, "to %s", (EMAIL,), None)

    log.handle(record)

    assert first_out.getvalue().endswith("|to [REDACTED:EMAIL_ADDRESS]\n")
    assert json_lines(second_out)[0]["message"] == "to [REDACTED:EMAIL_ADDRESS]"
    assert record.args == (EMAIL,)


def test_filters_after_the_redacting_one_see_the_copy(redactor, make_logger):
    handler, out = stream_handler(None, RedactingFilter(redactor))
    handler.addFilter(lambda record: "REDACTED" not in record.getMessage())
    log = make_logger(handler)

    log.info("to %s", EMAIL)
    log.info("nothing personal")

    assert out.getvalue().splitlines() == [f"{log.name}|INFO|nothing personal"]


def test_filter_called_directly(redactor):
    record = logging.makeLogRecord({"msg": "to %s", "args": (EMAIL,), "contact": {"email": EMAIL}})

    result = RedactingFilter(redactor).filter(record)

    if sys.version_info >= (3, 12):
        assert isinstance(result, logging.LogRecord) and result is not record
        assert record.args == (EMAIL,)
        record = result
    else:  # no handler or logger to send a copy through: redacted in place
        assert result is True
    assert record.getMessage() == "to [REDACTED:EMAIL_ADDRESS]"
    assert record.contact == {"email": "[REDACTED:EMAIL_ADDRESS]"}


# -- what the copy relies on: the record's layout, its class, the filter's caller --------------

_USER_KEYS = ("contact", "request", "name_hint", "tenant")
_LATE_STANDARD = ("message", "asctime", "_record", "_from_structlog", "redaction.count", "taskName")


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_extra_fields_are_what_is_not_a_record_attribute_in_the_records_order(data):
    """``_fields`` skips LogRecord.__init__'s attributes by one comparison when the dict starts with
    them; whatever the layout, it must equal the plain filter over every key, in order."""
    init = list(logging_sink._INIT_ATTRIBUTES)
    head = data.draw(st.sampled_from(["init order", "shuffled", "user key first", "one missing"]))
    if head == "shuffled":
        init = data.draw(st.permutations(init))
    elif head == "user key first":
        init = ["tenant", *init]
    elif head == "one missing":
        init.remove(data.draw(st.sampled_from(init)))
    tail = data.draw(st.lists(st.sampled_from(_USER_KEYS + _LATE_STANDARD), unique=True, max_size=8))
    attrs = {key: f"value of {key}" for key in [*init, *tail]}

    fields = logging_sink._fields(attrs)

    expected = [key for key in attrs if key not in logging_sink._NOT_FIELDS]
    assert list(fields.items()) == [(key, attrs[key]) for key in expected]


def logged_with(record_class: type[logging.LogRecord], log: logging.Logger, msg: str, *args,
                **kwargs) -> list[logging.LogRecord]:
    """Log one record made by a ``record_class`` factory; the record the logger made (its filters see it)."""
    seen: list[logging.LogRecord] = []
    log.addFilter(lambda record: seen.append(record) or True)
    factory = logging.getLogRecordFactory()
    logging.setLogRecordFactory(record_class)
    try:
        log.warning(msg, *args, **kwargs)
    finally:
        logging.setLogRecordFactory(factory)
    return seen


class _EarlyRecord(logging.LogRecord):
    """A record factory's class that sets a field before LogRecord.__init__ does its own."""

    def __init__(self, *args, **kwargs):
        self.tenant = {"owner_email": EMAIL}
        super().__init__(*args, **kwargs)


def test_a_record_of_another_layout_and_class_is_copied_and_redacted(redactor, make_logger):
    redacting, out = stream_handler(JsonFormatter("%(message)s"), RedactingFilter(redactor))
    seen = logged_with(_EarlyRecord, make_logger(redacting), "mail %s", EMAIL, extra={"contact": {"email": EMAIL}})

    [line] = json_lines(out)
    assert line == {"message": "mail [REDACTED:EMAIL_ADDRESS]",
                    "tenant": {"owner_email": "[REDACTED:EMAIL_ADDRESS]"},
                    "contact": {"email": "[REDACTED:EMAIL_ADDRESS]"}}
    [record] = seen  # the logger's record: untouched
    assert type(record) is _EarlyRecord and record.args == (EMAIL,)
    assert record.tenant == {"owner_email": EMAIL} and record.contact == {"email": EMAIL}


class _PrefixedRecord(logging.LogRecord):
    """A record factory's class that prefixes every message."""

    def getMessage(self):
        return "[billing] " + super().getMessage()


class _BraceRecord(logging.LogRecord):
    """A record factory's class for ``{}``-style messages: it always formats."""

    def getMessage(self):
        return str(self.msg).format(*self.args)


@pytest.mark.parametrize("how", ["filter", "formatter"])
@pytest.mark.parametrize(("record_class", "message", "expected"), [
    (_PrefixedRecord, "mail %s", "[billing] mail [REDACTED:EMAIL_ADDRESS]"),
    (_BraceRecord, "mail {} about {{plan}}", "mail [REDACTED:EMAIL_ADDRESS] about {plan}"),
])
def test_a_record_class_that_formats_its_own_message_formats_it_once(
        redactor, make_logger, how, record_class, message, expected):
    # The copy's message is the class's formatted message, redacted: formatted again, the
    # prefix came twice and the braces were read as fields (the line was lost).
    if how == "filter":
        handler, out = stream_handler(logging.Formatter("%(message)s"), RedactingFilter(redactor))
    else:
        handler, out = stream_handler(RedactingFormatter(redactor=redactor, fmt="%(message)s"))
    seen = logged_with(record_class, make_logger(handler), message, EMAIL)

    assert out.getvalue() == expected + "\n"
    [record] = seen  # the logger's record keeps its class and formats as before
    assert type(record) is record_class and EMAIL in record.getMessage()
    for copied in (pickle.loads(pickle.dumps(logging_sink._redacted_copy(record, redactor, False))),
                   copy.copy(logging_sink._redacted_copy(record, redactor, False))):  # a queue's copy
        assert copied.getMessage() == expected


class _CountingFilter(RedactingFilter):
    """A subclass whose filter() sits between Filterer.filter and RedactingFilter.filter."""

    calls = 0

    def filter(self, record):
        type(self).calls += 1
        return self._through(record)

    def _through(self, record):
        return super().filter(record)


def test_a_subclass_filter_still_sends_the_copy_through_its_handler(redactor, make_logger):
    redacting, out = stream_handler(None, _CountingFilter(redactor))
    plain, plain_out = stream_handler(logging.Formatter("%(message)s"))
    log = make_logger(redacting, plain)

    log.info("mail %s", EMAIL)

    assert out.getvalue() == f"{log.name}|INFO|mail [REDACTED:EMAIL_ADDRESS]\n"
    assert plain_out.getvalue() == f"mail {EMAIL}\n"
    assert _CountingFilter.calls == 1


class _DeepFilter(RedactingFilter):
    """A subclass whose filter() reaches RedactingFilter.filter through ``frames`` frames of its own."""

    def __init__(self, redactor: Redactor, frames: int) -> None:
        super().__init__(redactor)
        self.frames = frames

    def filter(self, record):
        return self._down(record, self.frames - 1)

    def _down(self, record, left):
        return self._down(record, left - 1) if left > 1 else super().filter(record)


@pytest.mark.parametrize("frames", [3, 4])
def test_the_handler_is_found_through_at_most_three_frames_of_a_subclass(redactor, make_logger, frames):
    """Before 3.12 the filter looks for Filterer.filter four frames up from its caller: found, the copy
    goes through the handler and the next handler sees the original; not found, the record is
    redacted in place (fail closed), which the next handler sees too.  3.12+ returns the copy."""
    redacting, out = stream_handler(None, _DeepFilter(redactor, frames))
    plain, plain_out = stream_handler(logging.Formatter("%(message)s"))
    log = make_logger(redacting, plain)

    log.info("mail %s", EMAIL)

    assert out.getvalue() == f"{log.name}|INFO|mail [REDACTED:EMAIL_ADDRESS]\n"
    in_place = frames > 3 and sys.version_info < (3, 12)
    assert plain_out.getvalue() == ("mail [REDACTED:EMAIL_ADDRESS]\n" if in_place else f"mail {EMAIL}\n")


class _Chatty:
    """A value whose text logs: the engine stringifies it inside the filter."""

    def __init__(self, logger: logging.Logger):
        self.logger = logger

    def __str__(self) -> str:
        self.logger.warning("nested call about %s", EMAIL)
        return "chatty"


def test_nested_log_call_is_emitted_fully_redacted_without_recursion(redactor, make_logger):
    handler, out = stream_handler(None, RedactingFilter(redactor))
    log = make_logger(handler)

    log.info("outer %s", EMAIL, extra={"thing": _Chatty(log)})

    lines = out.getvalue().splitlines()
    assert f"{log.name}|WARNING|[REDACTED:UNSCANNED]" in lines
    assert f"{log.name}|INFO|outer [REDACTED:EMAIL_ADDRESS]" in lines
    assert EMAIL not in out.getvalue()


class _OtherThread:
    """A value whose text has another thread log and waits for it: that thread is not nested."""

    def __init__(self, logger: logging.Logger):
        self.logger = logger

    def __str__(self) -> str:
        other = threading.Thread(target=self.logger.warning, args=("other thread %s", EMAIL))
        other.start()
        other.join()
        return "waited"


def test_the_guard_is_per_thread_and_released_after_each_record(redactor, make_logger):
    # A guard for the whole process would blank the other thread's record; one never released, the next.
    handler, out = stream_handler(None, RedactingFilter(redactor))
    log = make_logger(handler)

    log.info("outer %s", EMAIL, extra={"thing": _OtherThread(log)})
    log.info("after %s", EMAIL)

    assert out.getvalue().splitlines() == [f"{log.name}|WARNING|other thread [REDACTED:EMAIL_ADDRESS]",
                                           f"{log.name}|INFO|outer [REDACTED:EMAIL_ADDRESS]",
                                           f"{log.name}|INFO|after [REDACTED:EMAIL_ADDRESS]"]


def test_a_record_that_cannot_be_formatted_is_emitted_redacted(redactor, make_logger, capsys):
    handler, out = stream_handler(None, RedactingFilter(redactor))
    log = make_logger(handler)

    log.info("count %d for %s", "not-a-number", EMAIL)

    assert out.getvalue() == f"{log.name}|INFO|[REDACTED:UNSCANNED]\n"
    assert EMAIL not in capsys.readouterr().err


def test_an_event_redacted_whole_is_emitted_without_content(make_logger):
    redactor = Redactor(Policy(max_nodes=2))  # past the size limit: the engine replaces the event whole
    handler, out = stream_handler(JsonFormatter(), RedactingFilter(redactor))
    log = make_logger(handler)

    log.info("to %s", EMAIL, extra={"a": EMAIL, "b": NAME, "c": PHONE})

    [line] = json_lines(out)
    assert line == {"message": "[REDACTED:UNSCANNED]", "a": "[REDACTED:UNSCANNED]",
                    "b": "[REDACTED:UNSCANNED]", "c": "[REDACTED:UNSCANNED]"}


# -- the formatter ------------------------------------------------------------------------------


def test_formatter_with_default_formatter_options(redactor, make_logger):
    handler, out = stream_handler(RedactingFormatter(redactor=redactor, fmt="%(levelname)s %(message)s"))
    log = make_logger(handler)

    log.error("call %s", PHONE)

    assert out.getvalue() == "ERROR call [REDACTED:PHONE_NUMBER]\n"


def test_formatter_wraps_json_formatter(redactor, make_logger):
    formatter = RedactingFormatter(JsonFormatter("%(levelname)s %(message)s"), redactor, summary=True)
    handler, out = stream_handler(formatter)
    log = make_logger(handler)

    try:
        raise ValueError(f"bad address {EMAIL}")
    except ValueError:
        log.exception("webhook failed", extra={"webhook": {"data": {"item": {"email": EMAIL}}}})

    [line] = json_lines(out)
    assert line["webhook"] == {"data": {"item": {"email": "[REDACTED:EMAIL_ADDRESS]"}}}
    assert line["exc_info"].endswith("ValueError: bad address [REDACTED:EMAIL_ADDRESS]")
    assert line["redaction.types"] == ["EMAIL_ADDRESS"]


def test_formatter_wraps_structlog_processor_formatter(redactor, make_logger):
    formatter = RedactingFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer(sort_keys=True)],
    ), redactor)
    handler, out = stream_handler(formatter)
    stdlib_logger = make_logger(handler)
    struct_logger = structlog.wrap_logger(
        stdlib_logger, processors=[structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.stdlib.BoundLogger,
    )

    stdlib_logger.info("foreign %s", EMAIL)
    struct_logger.info("native", contact={"email": EMAIL, "name": NAME})

    foreign, native = json_lines(out)
    assert foreign == {"event": "foreign [REDACTED:EMAIL_ADDRESS]"}
    assert native == {"contact": {"email": "[REDACTED:EMAIL_ADDRESS]", "name": "[REDACTED:PERSON]"},
                      "event": "native"}


def test_a_failing_wrapped_formatter_never_shows_the_original_record(redactor, make_logger, capsys):
    handler, out = stream_handler(RedactingFormatter(redactor=redactor, fmt="%(message)s %(missing)s"))
    log = make_logger(handler)

    log.warning("to %s", EMAIL)

    assert out.getvalue() == f"WARNING:{log.name}:to [REDACTED:EMAIL_ADDRESS]\n"
    err = capsys.readouterr().err
    assert "KeyError: 'missing'" in err and EMAIL not in err


def test_formatter_rejects_options_for_a_wrapped_formatter(redactor):
    with pytest.raises(TypeError):
        RedactingFormatter(logging.Formatter(), redactor, fmt="%(message)s")


# -- dictConfig ---------------------------------------------------------------------------------

DICT_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "intercom_redact.logging.RedactingFilter"},
    },
    "formatters": {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": "%(levelname)s %(name)s %(message)s"},
        "redacted_json": {
            "()": "intercom_redact.logging.RedactingFormatter",
            "wrapped": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": "%(levelname)s %(message)s"},
            "summary": True,
        },
    },
    "handlers": {
        "filtered": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                     "formatter": "json", "filters": ["redact"]},
        "formatted": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                      "formatter": "redacted_json"},
    },
    "loggers": {
        "dictconfig.app": {"handlers": ["filtered", "formatted"], "level": "INFO", "propagate": False},
    },
}


def test_dict_config_factories(capsys):
    logging.config.dictConfig(DICT_CONFIG)
    log = logging.getLogger("dictconfig.app")
    try:
        log.info("contact %s updated", EMAIL, extra={"contact": {"email": EMAIL, "name": NAME}})
    finally:
        for handler in list(log.handlers):
            log.removeHandler(handler)

    captured = capsys.readouterr()
    for output in (captured.out, captured.err):
        [line] = [json.loads(text) for text in output.splitlines()]
        assert line["message"] == "contact [REDACTED:EMAIL_ADDRESS] updated"
        assert line["contact"] == {"email": "[REDACTED:EMAIL_ADDRESS]", "name": "[REDACTED:PERSON]"}
    assert json.loads(captured.out)["name"] == "dictconfig.app"
    assert json.loads(captured.err)["redaction.types"] == ["EMAIL_ADDRESS", "PERSON"]
