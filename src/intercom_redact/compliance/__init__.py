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
