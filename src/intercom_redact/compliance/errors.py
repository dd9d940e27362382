"""Typed errors raised by :class:`~intercom_redact.compliance.IntercomClient`.

Intercom answers a failed request with an error list::

    {"type": "error.list", "request_id": "…", "errors": [{"code": "not_found", "message": "User Not Found"}]}

Every error carries the HTTP status, the error ``codes`` and the ``request_id`` (quote it to Intercom support).
Exception messages hold only the status, the codes, the method and the URL path, never Intercom's
free-text ``message`` (it may echo the data you sent) and never the access token. The messages are
still available on :attr:`IntercomError.errors` for code that needs them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "AmbiguousContactError",
    "BadRequest",
    "ClientConfigError",
    "Conflict",
    "ContactNotFound",
    "Forbidden",
    "IntercomConnectionError",
    "IntercomError",
    "MissingTokenError",
    "NotFound",
    "RateLimited",
    "ServerError",
    "Unauthorized",
    "Unprocessable",
    "error_for_status",
]


class IntercomError(Exception):
    """Base class of every error raised by the Intercom client.

    :param message: Human-readable description; must not contain personal data or secrets.
    :param status: HTTP status of the failed response, ``None`` when no response arrived.
    :param errors: The ``errors`` list of Intercom's error body (dicts with ``code``, ``message``, ``field``).
    :param request_id: Intercom's ``request_id``, if the body carried one.
    :param method: HTTP method of the failed request.
    :param path: URL path of the failed request (no query string, no host).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors: tuple[Mapping[str, Any], ...] = tuple(errors)
        self.request_id = request_id
        self.method = method
        self.path = path

    @property
    def codes(self) -> tuple[str, ...]:
        """Intercom error codes of the response, e.g. ``("not_found",)``."""
        return tuple(str(e["code"]) for e in self.errors if isinstance(e, Mapping) and e.get("code"))

    @property
    def code(self) -> str | None:
        """The first Intercom error code, or ``None``."""
        codes = self.codes
        return codes[0] if codes else None


class ClientConfigError(IntercomError, ValueError):
    """The client was configured wrongly (no token, a malformed base URL); raised before any request."""


class MissingTokenError(ClientConfigError):
    """No access token was passed and ``INTERCOM_ACCESS_TOKEN`` is not set."""


class BadRequest(IntercomError):
    """HTTP 400: Intercom rejected the request (``parameter_invalid``, ``intercom_version_invalid``, …)."""


class Unauthorized(IntercomError):
    """HTTP 401: the access token is missing, invalid, expired or revoked."""


class Forbidden(IntercomError):
    """HTTP 403: the token lacks a permission, or the plan does not include the API (``api_plan_restricted``)."""


class NotFound(IntercomError):
    """HTTP 404: the resource does not exist (merged contacts also answer 404 in API 2.14)."""


class Conflict(IntercomError):
    """HTTP 409: the request conflicts with the resource's state."""


class Unprocessable(IntercomError):
    """HTTP 422: the request was well-formed but Intercom could not process it."""


class RateLimited(IntercomError):
    """HTTP 429: a rate limit was hit and retries were exhausted (or not attempted).

    :attr:`retry_after` is the wait in seconds the response asked for, if it said.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(IntercomError):
    """HTTP 5xx after retries were exhausted."""


class IntercomConnectionError(IntercomError):
    """No response: connection refused or reset, DNS failure, or a timeout, after retries were exhausted.

    :attr:`host` names the host that could not be reached.
    """

    def __init__(self, message: str, *, host: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.host = host


class ContactNotFound(NotFound):
    """The contact asked for does not exist (or was merged into another one).

    :attr:`contact_id` names the id when the lookup was by id; lookups by email never put the
    email into the message.
    """

    def __init__(self, message: str, *, contact_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.contact_id = contact_id


class AmbiguousContactError(IntercomError):
    """A lookup (e.g. by email) matched several contacts; :attr:`contact_ids` lists them."""

    def __init__(self, message: str, *, contact_ids: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.contact_ids = tuple(contact_ids)


_BY_STATUS: dict[int, type[IntercomError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: Unprocessable,
    429: RateLimited,
}


def error_for_status(status: int) -> type[IntercomError]:
    """Return the error class for an HTTP error *status*."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, IntercomError)
