"""Fault injection for the fake Intercom server: rate limits, server errors, slow answers, dropped connections."""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass

__all__ = ["Fault", "Faults"]

_DEFAULT_CODES = {
    400: "parameter_invalid",
    401: "unauthorized",
    403: "action_forbidden",
    404: "not_found",
    409: "conflict",
    429: "rate_limit_exceeded",
    503: "service_unavailable",
}


@dataclass
class Fault:
    """One injected fault; see :meth:`Faults.add` for the fields. :attr:`hits` counts the requests it hit."""

    pattern: str
    method: str | None = None
    status: int | None = None
    retry_after: float | str | None = None
    rate_limit_reset: float | None = None
    delay: float = 0.0
    disconnect: bool = False
    times: int | None = 1
    code: str | None = None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is subject to this fault (ignoring how many times it has fired)."""
        return (self.method is None or self.method.upper() == method) and fnmatch.fnmatchcase(path, self.pattern)

    @property
    def error_code(self) -> str:
        """The Intercom error code sent with :attr:`status`."""
        if self.code:
            return self.code
        return _DEFAULT_CODES.get(self.status or 500, "server_error")


class Faults:
    """The fault list of a :class:`~intercom_redact.testing.FakeIntercom` (``fake.faults``).

    The first matching fault that has not used up its ``times`` applies to a request.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        pattern: str,
        *,
        status: int | None = None,
        retry_after: float | str | None = None,
        rate_limit_reset: float | None = None,
        delay: float = 0.0,
        disconnect: bool = False,
        times: int | None = 1,
        method: str | None = None,
        code: str | None = None,
    ) -> Fault:
        """Inject a fault for requests whose path matches *pattern* (``fnmatch``; ``*`` also matches ``/``).

        :param status: Answer with this HTTP status and an Intercom ``error.list`` body.
        :param retry_after: Send ``Retry-After`` with this value (seconds, or an HTTP date string).
        :param rate_limit_reset: Send ``X-RateLimit-Reset`` this many seconds in the future.
        :param delay: Wait this many seconds before answering (a slow response; combine with *status* or not).
        :param disconnect: Close the connection without answering (a connection error for the client).
        :param times: How many requests it hits; ``None`` for all of them.
        :param method: Only requests with this HTTP method.
        :param code: Intercom error code in the body (default: derived from *status*).
        """
        if status is None and not delay and not disconnect:
            raise ValueError("a fault needs a status, a delay or disconnect=True")
        fault = Fault(pattern, method, status, retry_after, rate_limit_reset, delay, disconnect, times, code)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Return the fault that applies to a request and count the hit."""
        with self._lock:
            for fault in self._faults:
                if (fault.times is None or fault.hits < fault.times) and fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None
