"""The ``intercom_redact.redactions`` counter of the OpenTelemetry pieces.

``RedactionCounter.add`` reads the global provider's counter through to the
instrument of the provider set later, and does nothing while there is none.
These tests pin that a real provider still gets every count, given or set
globally after the processor was built, and that the no-op providers are never
handed a measurement.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter

from opentelemetry import metrics
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from intercom_redact import Redactor
from intercom_redact.otel import RedactingLogRecordProcessor

EMAIL = "jane.doe@example.com"
NAME = "Jane Doe"
PHONE = "+31 20 123 4567"

EVENTS = [
    ("signed up", {"contact": {"email": EMAIL, "name": NAME, "id": "c1"}}),
    (f"wrote from {EMAIL}", {"contact.phone": PHONE, "retries": 2}),
    ("nothing personal", {"plan": "pro"}),
    (f"call {PHONE}", {"user": {"name": NAME, "phone": PHONE}}),
]


def counted(reader: InMemoryMetricReader) -> dict[str, int]:
    data = reader.get_metrics_data()
    return {point.attributes["redaction.type"]: point.value
            for resource_metrics in (data.resource_metrics if data else ())
            for scope_metrics in resource_metrics.scope_metrics
            for metric in scope_metrics.metrics if metric.name == "intercom_redact.redactions"
            for point in metric.data.data_points}


def expected(redactor: Redactor) -> dict[str, int]:
    """What the engine itself says it redacted in :data:`EVENTS`."""
    total: Counter[str] = Counter()
    for body, attributes in EVENTS:
        _, summary = redactor.redact_with_summary({"body": body, **attributes})
        total.update(summary.types)
    return dict(total)


def emit_all(processor: RedactingLogRecordProcessor) -> list[object]:
    provider = LoggerProvider()
    exported = InMemoryLogRecordExporter()
    provider.add_log_record_processor(processor)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exported))
    for body, attributes in EVENTS:
        provider.get_logger("app").emit(body=body, attributes=attributes)
    provider.shutdown()
    return list(exported.get_finished_logs())


def test_a_given_meter_provider_gets_every_count():
    redactor, reader = Redactor(), InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])

    emit_all(RedactingLogRecordProcessor(redactor, meter_provider=meter_provider))

    assert counted(reader) == expected(redactor)
    assert set(counted(reader)) == {"EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER"}


class _CountingNoOpProvider(metrics.NoOpMeterProvider):
    """The API's no-op provider, counting the instruments made and the measurements handed to them."""

    def __init__(self) -> None:
        self.counters = 0
        self.measurements = 0

    def get_meter(self, *args: object, **kwargs: object) -> metrics.Meter:
        provider = self

        class _Counter(metrics.NoOpCounter):
            def add(self, *args: object, **kwargs: object) -> None:
                provider.measurements += 1

        class _Meter(metrics.NoOpMeter):
            def create_counter(self, name: str, unit: str = "", description: str = "") -> metrics.Counter:
                provider.counters += 1
                return _Counter(name)

        return _Meter("intercom_redact")


def test_a_no_op_provider_gets_one_instrument_and_no_measurements():
    meter_provider = _CountingNoOpProvider()

    records = emit_all(RedactingLogRecordProcessor(Redactor(), meter_provider=meter_provider))

    assert len(records) == len(EVENTS)
    assert EMAIL not in str([r.log_record.attributes for r in records])
    assert meter_provider.counters == 1
    assert meter_provider.measurements == 0


# The global provider can be set once per process: this runs in a fresh one.
_SET_LATER = textwrap.dedent("""
    import json, sys
    from opentelemetry import metrics
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from intercom_redact import Redactor
    from intercom_redact.otel import RedactingLogRecordProcessor

    provider = LoggerProvider()
    provider.add_log_record_processor(RedactingLogRecordProcessor(Redactor()))  # global provider not set yet
    logger = provider.get_logger("app")
    logger.emit(body="before: jane.doe@example.com")  # nothing to count it yet
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    for body in json.loads(sys.argv[1]):
        logger.emit(body=body)
    data = reader.get_metrics_data()
    print(json.dumps({p.attributes["redaction.type"]: p.value for rm in data.resource_metrics
                      for sm in rm.scope_metrics for m in sm.metrics if m.name == "intercom_redact.redactions"
                      for p in m.data.data_points}))
""")


def test_a_global_provider_set_after_the_processor_was_built_gets_the_counts():
    bodies = [f"mail {EMAIL}", f"call {PHONE}", f"{NAME} mailed {EMAIL}"]
    out = subprocess.run([sys.executable, "-c", _SET_LATER, json.dumps(bodies)], capture_output=True,
                         text=True, check=True, env=os.environ.copy(), timeout=120)

    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"EMAIL_ADDRESS": 2, "PHONE_NUMBER": 1, "PERSON": 1}
