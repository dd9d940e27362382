"""GDPR/CCPA helpers around Intercom: API client, DSAR export, deletion, audit log."""

from intercom_redact.compliance.client import DEFAULT_VERSION, REGIONS, IntercomClient
from intercom_redact.compliance.dsar import EVENTS_NOTE, export_contact_data, write_export
from intercom_redact.compliance.errors import (
    AmbiguousContactError,
    BadRequest,
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

__all__ = [
    "DEFAULT_VERSION",
    "EVENTS_NOTE",
    "REGIONS",
    "AmbiguousContactError",
    "BadRequest",
    "Conflict",
    "ContactNotFound",
    "Forbidden",
    "IntercomClient",
    "IntercomConnectionError",
    "IntercomError",
    "MissingTokenError",
    "NotFound",
    "RateLimited",
    "ServerError",
    "Unauthorized",
    "Unprocessable",
    "export_contact_data",
    "write_export",
]

# Bulk content export and redaction at source.
from intercom_redact.compliance.export import (  # noqa: E402
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
from intercom_redact.compliance.source import (  # noqa: E402
    PartFinding,
    SourceReport,
    StateMismatch,
    redact_at_source,
    scan_conversation,
    select_conversations,
)

__all__ += [
    "ExportCanceled",
    "ExportError",
    "ExportFailed",
    "ExportJobActive",
    "ExportResult",
    "ExportTimeout",
    "PartFinding",
    "SourceReport",
    "StateMismatch",
    "download_redacted_export",
    "export_content",
    "redact_at_source",
    "scan_conversation",
    "select_conversations",
    "start_content_export",
    "wait_for_content_export",
]

# Audit log, local stores, deletion, retention, minimization.
from intercom_redact.compliance._sql import DatabaseError  # noqa: E402
from intercom_redact.compliance.audit import (  # noqa: E402
    AuditLog,
    AuditRecord,
    ChainProblem,
    VerifyReport,
    default_audit_url,
)
from intercom_redact.compliance.deletion import (  # noqa: E402
    DeletionResult,
    delete_contact_data,
    pending_deletions,
    resume_pending,
)
from intercom_redact.compliance.minimize import MinimizationError, Minimizer, minimize  # noqa: E402
from intercom_redact.compliance.retention import enforce_retention, retention_periods  # noqa: E402
from intercom_redact.compliance.stores import (  # noqa: E402
    ContactStore,
    ExportDirectory,
    LocalStore,
    RetentionStore,
    SQLStore,
)

__all__ += [
    "AuditLog",
    "AuditRecord",
    "ChainProblem",
    "ContactStore",
    "DatabaseError",
    "DeletionResult",
    "ExportDirectory",
    "LocalStore",
    "MinimizationError",
    "Minimizer",
    "RetentionStore",
    "SQLStore",
    "VerifyReport",
    "default_audit_url",
    "delete_contact_data",
    "enforce_retention",
    "minimize",
    "pending_deletions",
    "resume_pending",
    "retention_periods",
]
