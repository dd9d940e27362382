"""A small, retrying Intercom REST client on httpx.

Why not ``python-intercom``: version 5.0.1 loops forever on search pagination, does not retry by
default, never sends ``Intercom-Version`` and cannot return export downloads (see the project's
INTERCOM_API.md). This client covers the calls the compliance helpers need, and nothing else.
"""

from __future__ import annotations

import contextlib
import email.utils
import os
import random
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
import orjson

from intercom_redact._log import get_logger
from intercom_redact.compliance.errors import (
    AmbiguousContactError,
    ClientConfigError,
    IntercomConnectionError,
    IntercomError,
    MissingTokenError,
    RateLimited,
    error_for_status,
)

__all__ = ["DEFAULT_VERSION", "REGIONS", "IntercomClient"]

log = get_logger(__name__)

#: The API version pinned by default; Intercom otherwise uses whatever the app's Developer Hub says.
DEFAULT_VERSION = "2.14"

#: Regional API hosts (OpenAPI ``servers``).
REGIONS: Mapping[str, str] = {
    "us": "https://api.intercom.io",
    "eu": "https://api.eu.intercom.io",
    "au": "https://api.au.intercom.io",
}

_TOKEN_ENV = "INTERCOM_ACCESS_TOKEN"
_USER_AGENT = "intercom-redact"


class _BearerAuth(httpx.Auth):
    """Adds the bearer token to each request; its repr never shows the token."""

    __slots__ = ("_header",)

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "_BearerAuth(token=<hidden>)"

    def __reduce__(self) -> Any:
        # Pickling would write the token wherever the pickle goes.
        raise TypeError("the Intercom credentials cannot be pickled")


def _retry_hint(response: httpx.Response, now: float) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After`` (seconds or HTTP date), else on a 429 ``X-RateLimit-Reset``.

    Intercom sends the rate-limit headers on every authenticated response; on a 5xx the window's
    reset time says nothing about when the server recovers, so it is ignored there.
    """
    headers = response.headers
    retry_after = headers.get("retry-after")
    if retry_after:
        try:
            return max(float(retry_after), 0.0)
        except ValueError:
            with contextlib.suppress(TypeError, ValueError):
                return max(email.utils.parsedate_to_datetime(retry_after).timestamp() - now, 0.0)
    reset = headers.get("x-ratelimit-reset")
    if reset and response.status_code == 429:
        with contextlib.suppress(ValueError):
            return max(float(reset) - now, 0.0)
    return None


def _object(body: Any) -> dict[str, Any]:
    """A decoded JSON object (typed for callers; Intercom answers these calls with an object)."""
    return cast("dict[str, Any]", body)


def _checked_base_url(base_url: str) -> str:
    """The base URL without its trailing slash; a malformed one is a configuration error, raised at once.

    Caught here, a typo never reaches the retry loop (where it would look like a network failure).
    """
    try:
        parts = urlsplit(base_url)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClientConfigError(
            f"not an API base URL: {base_url!r}; expected http(s)://HOST[:PORT], e.g. {REGIONS['eu']}")
    return base_url.rstrip("/")


class IntercomClient:
    """Synchronous Intercom REST client.

    :param token: Access token; defaults to the ``INTERCOM_ACCESS_TOKEN`` environment variable, read
        when the client is constructed. It never appears in reprs, logs or exception messages.
    :param region: ``"us"`` (default), ``"eu"`` or ``"au"``; ignored when *base_url* is given.
    :param base_url: API root, e.g. a :class:`~intercom_redact.testing.FakeIntercom`'s ``url``.
    :param version: ``Intercom-Version`` header sent with every request.
    :param timeout: Seconds (or an :class:`httpx.Timeout`) for each attempt; default 30 s, or the
        injected *http_client*'s own timeout.
    :param max_retries: Retries after the first attempt for 429, 5xx and connection errors.
    :param backoff_base: First backoff in seconds; doubles per retry, with jitter.
    :param backoff_max: Upper bound of a computed backoff.
    :param max_retry_wait: Upper bound of a wait the server asks for with ``Retry-After`` or
        ``X-RateLimit-Reset``.
    :param http_client: An :class:`httpx.Client` to use; the caller keeps ownership (it is not closed).
    :param transport: An httpx transport for a client this object creates and owns.
    :param sleep: Called with the seconds to wait between attempts (tests inject a recorder).
    :param clock: Returns the current Unix time in seconds (compared with ``X-RateLimit-Reset``).
    :param rng: Source of backoff jitter.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        region: str = "us",
        base_url: str | None = None,
        version: str = DEFAULT_VERSION,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_wait: float = 60.0,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        token = token if token is not None else os.environ.get(_TOKEN_ENV)
        if not token:
            raise MissingTokenError(f"no Intercom access token (the token argument, or {_TOKEN_ENV})")
        if base_url is None:
            try:
                base_url = REGIONS[region]
            except KeyError:
                raise ClientConfigError(
                    f"unknown Intercom region {region!r}; use one of {', '.join(sorted(REGIONS))}") from None
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = _checked_base_url(base_url)
        self.version = version
        self.max_retries = max_retries
        self._auth = _BearerAuth(token)
        self._origin = urlsplit(self.base_url)[:2]
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=30.0 if timeout is None else timeout)
        self._timeout = httpx.USE_CLIENT_DEFAULT if timeout is None else timeout

    def __repr__(self) -> str:
        return f"IntercomClient(base_url={self.base_url!r}, version={self.version!r})"

    def __enter__(self) -> IntercomClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying HTTP client if this object created it."""
        if self._owns_http:
            self._http.close()

    # -- transport -----------------------------------------------------------------------------

    def _url(self, path_or_url: str) -> str:
        if "://" not in path_or_url:
            return self.base_url + path_or_url
        # Only follow absolute links (event pages) to the API host: the token must not go elsewhere.
        if urlsplit(path_or_url)[:2] != self._origin:
            raise IntercomError("refusing to follow a link to another host than the API base URL")
        return path_or_url

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._backoff_max, self._backoff_base * 2**attempt)
        return float(ceiling / 2 + self._rng.uniform(0, ceiling / 2))

    def _send(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        accept: str = "application/json",
        stream: bool = False,
        retry_rate_limits: bool = True,
    ) -> httpx.Response:
        url = self._url(path_or_url)
        headers = {"Accept": accept, "Intercom-Version": self.version, "User-Agent": _USER_AGENT}
        content = None
        if json is not None:
            content = orjson.dumps(json)
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            request = self._http.build_request(
                method, url, params=params, content=content, headers=headers, timeout=self._timeout
            )
            path = request.url.path
            try:
                response = self._http.send(request, auth=self._auth, stream=stream)
            except httpx.TransportError as exc:
                if attempt == self.max_retries:
                    host = request.url.netloc.decode("ascii", "replace")
                    raise IntercomConnectionError(
                        f"could not reach {host} ({type(exc).__name__}) for {method} {path} "
                        f"after {attempt + 1} attempt(s)",
                        host=host,
                        method=method,
                        path=path,
                    ) from exc
                delay = self._backoff(attempt)
                log.warning(
                    "intercom request retry", method=method, path=path, error=type(exc).__name__,
                    attempt=attempt + 1, delay=round(delay, 3),
                )
            else:
                status = response.status_code
                if status < 400:
                    return response
                retryable = status >= 500 or (status == 429 and retry_rate_limits)
                if not retryable or attempt == self.max_retries:
                    if stream:
                        response.read()
                    raise self._error(response, method, path, attempts=attempt + 1)
                hint = _retry_hint(response, self._clock())
                delay = self._backoff(attempt) if hint is None else min(hint, self._max_retry_wait)
                response.close()
                log.warning(
                    "intercom request retry", method=method, path=path, status=status,
                    attempt=attempt + 1, delay=round(delay, 3),
                )
            self._sleep(delay)
            attempt += 1

    def _error(self, response: httpx.Response, method: str, path: str, *, attempts: int) -> IntercomError:
        status = response.status_code
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = None
        errors = body.get("errors") if isinstance(body, dict) else None
        errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
        request_id = (body.get("request_id") if isinstance(body, dict) else None) or response.headers.get(
            "x-request-id"
        )
        cls = error_for_status(status)
        codes = [str(e["code"]) for e in errors if e.get("code")]
        message = f"Intercom API {method} {path} failed: HTTP {status}"
        if codes:
            message += f" ({', '.join(codes)})"
        if attempts > 1:
            message += f" after {attempts} attempts"
        if request_id:
            message += f", request_id {request_id}"
        kwargs: dict[str, Any] = {
            "status": status, "errors": errors, "request_id": request_id, "method": method, "path": path,
        }
        if cls is RateLimited:
            kwargs["retry_after"] = _retry_hint(response, self._clock())
        return cls(message, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        retry_rate_limits: bool = True,
    ) -> Any:
        """Send one API request (with retries) and return the decoded JSON body (``None`` if empty).

        *path* is relative to the base URL (``"/contacts/123"``) or an absolute URL on the same host.
        """
        response = self._send(method, path, params=params, json=json, retry_rate_limits=retry_rate_limits)
        return orjson.loads(response.content) if response.content else None

    # -- pagination ----------------------------------------------------------------------------

    def _search(self, path: str, query: Mapping[str, Any], per_page: int, key: str) -> Iterator[dict[str, Any]]:
        """Cursor pagination: POST the query again with ``pagination.starting_after`` until ``pages.next`` is gone."""
        cursor: str | None = None
        while True:
            pagination: dict[str, Any] = {"per_page": per_page}
            if cursor:
                # python-intercom 5.0.1 forgets this and re-reads page 1 for ever.
                pagination["starting_after"] = cursor
            page = self.request("POST", path, json={"query": query, "pagination": pagination})
            yield from page.get(key) or []
            nxt = (page.get("pages") or {}).get("next")
            cursor = nxt.get("starting_after") if isinstance(nxt, dict) else None
            if not cursor:
                return

    def _pages(self, path: str, keys: tuple[str, ...], per_page: int) -> Iterator[dict[str, Any]]:
        """Page-number pagination (``?page=&per_page=``), stopping at ``total_pages`` or an empty page."""
        page = 1
        while True:
            body = self.request("GET", path, params={"page": page, "per_page": per_page})
            items: list[dict[str, Any]] = next((body[k] for k in keys if body.get(k)), [])
            yield from items
            pages = body.get("pages") or {}
            total = pages.get("total_pages")
            if not items or (page >= total if isinstance(total, int) else not pages.get("next")):
                return
            page += 1

    # -- contacts ------------------------------------------------------------------------------

    def get_contact(self, contact_id: str) -> dict[str, Any]:
        """``GET /contacts/{id}``. Raises :class:`NotFound` for unknown and merged contacts."""
        return _object(self.request("GET", f"/contacts/{contact_id}"))

    def search_contacts(self, query: Mapping[str, Any], *, per_page: int = 50) -> Iterator[dict[str, Any]]:
        """Yield every contact matching an Intercom search *query*, across all pages."""
        return self._search("/contacts/search", query, per_page, "data")

    def find_contact_by_email(self, email: str) -> dict[str, Any] | None:
        """Return the one contact with this email, ``None`` if there is none.

        Raises :class:`AmbiguousContactError` (listing the ids, never the email) when several match.
        """
        matches = list(self.search_contacts({"field": "email", "operator": "=", "value": email}))
        if len(matches) > 1:
            ids = [c["id"] for c in matches]
            raise AmbiguousContactError(
                f"{len(ids)} contacts match the given email: {', '.join(ids)}; pass a contact id", contact_ids=ids
            )
        return matches[0] if matches else None

    def find_contact_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        """The contact with this external id, ``None`` if there is none.

        Uses search rather than ``GET /contacts/find_by_external_id/{id}``: external ids are often
        emails, and a URL path ends up in access logs (httpx's own INFO log line included).
        """
        query = {"field": "external_id", "operator": "=", "value": external_id}
        return next(iter(self.search_contacts(query, per_page=1)), None)

    def delete_contact(self, contact_id: str) -> dict[str, Any]:
        """``DELETE /contacts/{id}``: permanent deletion (Intercom keeps a 7-day recovery grace period)."""
        return _object(self.request("DELETE", f"/contacts/{contact_id}"))

    def list_contact_tags(self, contact_id: str) -> list[dict[str, Any]]:
        """Tags attached to a contact (not paginated)."""
        return self.request("GET", f"/contacts/{contact_id}/tags").get("data") or []

    def list_contact_segments(self, contact_id: str) -> list[dict[str, Any]]:
        """Segments the contact belongs to (not paginated)."""
        return self.request("GET", f"/contacts/{contact_id}/segments").get("data") or []

    def list_contact_subscriptions(self, contact_id: str) -> list[dict[str, Any]]:
        """Subscription types attached to the contact (not paginated)."""
        return self.request("GET", f"/contacts/{contact_id}/subscriptions").get("data") or []

    def list_contact_notes(self, contact_id: str, *, per_page: int = 50) -> Iterator[dict[str, Any]]:
        """Yield every note on the contact (page-number pagination)."""
        return self._pages(f"/contacts/{contact_id}/notes", ("data",), per_page)

    def list_contact_companies(self, contact_id: str, *, per_page: int = 50) -> Iterator[dict[str, Any]]:
        """Yield every company the contact is attached to (page-number pagination)."""
        # The 2.14 schema names the array "companies", its example and the live API "data".
        return self._pages(f"/contacts/{contact_id}/companies", ("data", "companies"), per_page)

    def list_contact_events(self, contact_id: str, *, per_page: int = 50) -> Iterator[dict[str, Any]]:
        """Yield the contact's data events, following ``pages.next`` links.

        Intercom lists only events from the last 90 days.
        """
        params: Mapping[str, Any] | None = {"type": "user", "intercom_user_id": contact_id, "per_page": per_page}
        url: str | None = "/events"
        while url:
            body = self.request("GET", url, params=params)
            yield from body.get("events") or []
            url = (body.get("pages") or {}).get("next")
            params = None  # the link carries the query

    # -- conversations -------------------------------------------------------------------------

    def search_conversations(self, query: Mapping[str, Any], *, per_page: int = 150) -> Iterator[dict[str, Any]]:
        """Yield every conversation matching *query* (without parts), across all pages."""
        return self._search("/conversations/search", query, per_page, "conversations")

    def get_conversation(self, conversation_id: str, *, plaintext: bool = False) -> dict[str, Any]:
        """``GET /conversations/{id}`` with its parts (Intercom returns at most the 500 most recent)."""
        params = {"display_as": "plaintext"} if plaintext else None
        return _object(self.request("GET", f"/conversations/{conversation_id}", params=params))

    def redact_conversation_part(self, conversation_id: str, part_id: str) -> dict[str, Any]:
        """``POST /conversations/redact`` for one part; returns the updated conversation."""
        body = {
            "type": "conversation_part", "conversation_id": str(conversation_id), "conversation_part_id": str(part_id),
        }
        return _object(self.request("POST", "/conversations/redact", json=body))

    def redact_conversation_source(self, conversation_id: str, source_id: str) -> dict[str, Any]:
        """``POST /conversations/redact`` for the opening message; returns the updated conversation."""
        body = {"type": "source", "conversation_id": str(conversation_id), "source_id": str(source_id)}
        return _object(self.request("POST", "/conversations/redact", json=body))

    # -- content data export -------------------------------------------------------------------

    def create_content_export(self, created_at_after: int, created_at_before: int) -> dict[str, Any]:
        """Start a content data export job for a Unix-seconds range.

        A 429 here usually means another job is still active (one per workspace), so it is raised as
        :class:`RateLimited` at once instead of being retried.
        """
        body = {"created_at_after": int(created_at_after), "created_at_before": int(created_at_before)}
        return _object(self.request("POST", "/export/content/data", json=body, retry_rate_limits=False))

    def find_content_export(self, job_identifier: str) -> dict[str, Any]:
        """An export job and its ``status``.

        ``pending``, ``in_progress``, ``completed``, ``failed``, ``no_data`` or ``canceled``.
        """
        return _object(self.request("GET", f"/export/content/data/{job_identifier}"))

    def cancel_content_export(self, job_identifier: str) -> dict[str, Any]:
        """Cancel an export job."""
        return _object(self.request("POST", f"/export/cancel/{job_identifier}"))

    @contextlib.contextmanager
    def download_content_export(self, job_identifier: str, *, chunk_size: int = 64 * 1024) -> Iterator[Iterator[bytes]]:
        """Stream a completed export's gzip file: ``with client.download_content_export(job) as chunks: …``.

        Yields an iterator of raw (still gzip-compressed) byte chunks; memory use stays constant.
        """
        response = self._send(
            "GET", f"/download/content/data/{job_identifier}", accept="application/octet-stream", stream=True
        )
        try:
            # Raw bytes: the file is a gzip whatever Content-Encoding says, so never let httpx decode it.
            yield response.iter_raw(chunk_size)
        finally:
            response.close()
