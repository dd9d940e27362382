"""GDPR/CCPA helpers around Intercom.

The API client and its errors, DSAR export (JSON and a readable HTML report), right to deletion
with a tamper-evident audit log, local stores encrypted at rest, retention, minimization, bulk
content export and redaction at source.
"""

from ._sql import DatabaseError
from .audit import AuditLog, AuditRecord, ChainProblem, VerifyReport, default_audit_url
from .client import DEFAULT_VERSION, REGIONS, IntercomClient
from .crypto import DataKey, DataKeyError, DecryptionError, Keyring
from .deletion import DeletionResult, UnknownContactError, delete_contact_data, pending_deletions, resume_pending
from .dsar import EVENTS_NOTE, export_contact_data, write_export
from .envelope import decrypt_file, read_decrypted
from .errors import (
    AmbiguousContactError,
    BadRequest,
    ClientConfigError,
    Conflict,
    ContactNotFound,
    Forbidden,
    IntercomConnectionError,
    IntercomError,
    MissingTokenError,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    Unprocessable,
)
from .export import (
    ExportCanceled,
    ExportError,
    ExportFailed,
    ExportJobActive,
    ExportResult,
    ExportTimeout,
    download_redacted_export,
    export_content,
    start_content_export,
    wait_for_content_export,
)
from .minimize import MinimizationError, Minimizer, minimize
from .report import render_report, write_report
from .retention import enforce_retention, retention_periods
from .source import (
    PartFinding,
    SourceReport,
    StateMismatch,
    redact_at_source,
    scan_conversation,
    select_conversations,
)
from .stores import ContactStore, ExportDirectory, LocalStore, RetentionStore, SQLStore

__all__ = [
    "DEFAULT_VERSION",
    "EVENTS_NOTE",
    "REGIONS",
    "AmbiguousContactError",
    "AuditLog",
    "AuditRecord",
    "BadRequest",
    "ChainProblem",
    "ClientConfigError",
    "Conflict",
    "ContactNotFound",
    "ContactStore",
    "DataKey",
    "DataKeyError",
    "DatabaseError",
    "DecryptionError",
    "DeletionResult",
    "ExportCanceled",
    "ExportDirectory",
    "ExportError",
    "ExportFailed",
    "ExportJobActive",
    "ExportResult",
    "ExportTimeout",
    "Forbidden",
    "IntercomClient",
    "IntercomConnectionError",
    "IntercomError",
    "Keyring",
    "LocalStore",
    "MinimizationError",
    "Minimizer",
    "MissingTokenError",
    "NotFound",
    "PartFinding",
    "RateLimited",
    "RetentionStore",
    "SQLStore",
    "ServerError",
    "SourceReport",
    "StateMismatch",
    "Unauthorized",
    "UnknownContactError",
    "Unprocessable",
    "VerifyReport",
    "decrypt_file",
    "default_audit_url",
    "delete_contact_data",
    "download_redacted_export",
    "enforce_retention",
    "export_contact_data",
    "export_content",
    "minimize",
    "pending_deletions",
    "read_decrypted",
    "redact_at_source",
    "render_report",
    "resume_pending",
    "retention_periods",
    "scan_conversation",
    "select_conversations",
    "start_content_export",
    "wait_for_content_export",
    "write_export",
    "write_report",
]
