"""Test helpers: a fake Intercom workspace served over real HTTP on 127.0.0.1.

``FakeIntercom`` is public API, so applications can test their own Intercom flows (and check that
none of the workspace's PII reaches their logs) without a network.
"""

from intercom_redact.testing._faults import Fault, Faults
from intercom_redact.testing._server import FakeIntercom, RecordedRequest
from intercom_redact.testing._workspace import EVENT_LISTING_WINDOW, EXPORT_CSV_COLUMNS, ExportJob, Person, Workspace

__all__ = [
    "EVENT_LISTING_WINDOW",
    "EXPORT_CSV_COLUMNS",
    "ExportJob",
    "FakeIntercom",
    "Fault",
    "Faults",
    "Person",
    "RecordedRequest",
    "Workspace",
]
