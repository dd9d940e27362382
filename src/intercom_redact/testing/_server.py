"""FakeIntercom: the fake API served over real HTTP on 127.0.0.1 from a background thread."""

from __future__ import annotations

import fnmatch
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

from intercom_redact.testing._api import FakeRequest, FakeResponse, IntercomApi
from intercom_redact.testing._faults import Faults
from intercom_redact.testing._workspace import Workspace

if TYPE_CHECKING:
    from intercom_redact.compliance import IntercomClient

__all__ = ["FakeIntercom", "RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake server received. The ``Authorization`` header is not kept, only whether it was right."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    json: Any
    status: int | None
    authorized: bool


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API
    server: _Server
    timeout = 30  # a client that goes silent must not pin a server thread for ever
    # Buffer the response and send it in one piece (flushed by handle_one_request): separate small
    # writes for headers and body meet Nagle's algorithm and delayed ACKs, costing ~40 ms a request.
    wbufsize = 256 * 1024
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def _handle(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = FakeRequest(
            method=self.command,
            path=unquote(url.path),
            query=parse_qs(url.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            base_url=f"http://{self.headers.get('Host', fake.address)}",
        )
        response = fake.api.authorize(request)
        status: int | None = None
        try:
            if response is None:
                fault = fake.faults.take(request.method, request.path)
                if fault is not None:
                    if fault.delay:
                        time.sleep(fault.delay)
                    if fault.disconnect:
                        self.close_connection = True
                        return
                    if fault.status is not None:
                        response = fake.api.fault_response(fault)
                if response is None:
                    response = fake.api.dispatch(request)
            status = response.status
            self._write(response)
        finally:
            fake._record(request, status)

    def _write(self, response: FakeResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeIntercom

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up (timeouts are part of the tests); report anything else."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class FakeIntercom:
    """A fake Intercom workspace served over real HTTP on 127.0.0.1.

    Use it as a context manager; it starts a server on a free port in a background thread::

        with FakeIntercom(seed=7) as fake:
            client = IntercomClient(token=fake.token, base_url=fake.url)
            contact_id = fake.workspace.busiest_contact_id
            fake.faults.add("/contacts/*", status=429, retry_after=1, times=2)

    :param seed: Seed of the generated workspace; the same seed gives the same data.
    :param token: The bearer token the server accepts (default: a random one).
    :param workspace: Serve this workspace instead of generating one.
    :param contacts: Number of contacts to generate (ignored with *workspace*).
    :param conversations: Conversations of the busiest contact (ignored with *workspace*).
    :param port: Port to listen on; 0 (the default) picks a free one.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        token: str | None = None,
        workspace: Workspace | None = None,
        contacts: int = 12,
        conversations: int = 45,
        port: int = 0,
    ) -> None:
        self.token = token or f"fake_{secrets.token_hex(16)}"
        if workspace is None:
            workspace = Workspace.generate(seed, contacts=contacts, conversations=conversations)
        self.workspace = workspace
        self.faults = Faults()
        self.api = IntercomApi(self.workspace, self.token)
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"FakeIntercom(url={self.url if self._server else None!r})"

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeIntercom:
        """Start serving (idempotent)."""
        if self._server is None:
            server = _Server(("127.0.0.1", self._port), _Handler)
            server.fake = self
            self._server = server
            # A short poll interval makes stop() return quickly (shutdown waits for the next poll).
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-intercom", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> FakeIntercom:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def address(self) -> str:
        """``host:port`` of the running server."""
        if self._server is None:
            raise RuntimeError("FakeIntercom is not running; use it as a context manager or call start()")
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    @property
    def url(self) -> str:
        """Base URL to give the client, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.address}"

    def client(self, **options: Any) -> IntercomClient:
        """An :class:`~intercom_redact.compliance.IntercomClient` for this server (options are passed on)."""
        # Imported here: the fake itself must not pull in the compliance helpers and the engine.
        from intercom_redact.compliance import IntercomClient

        return IntercomClient(token=self.token, base_url=self.url, **options)

    # -- request log ---------------------------------------------------------------------------

    def _record(self, request: FakeRequest, status: int | None) -> None:
        try:
            body = orjson.loads(request.body) if request.body else None
        except orjson.JSONDecodeError:
            body = request.body
        headers = {k: v for k, v in request.headers.items() if k != "authorization"}
        recorded = RecordedRequest(
            request.method, request.path, {k: list(v) for k, v in request.query.items()}, headers, body, status,
            authorized=request.headers.get("authorization") == f"Bearer {self.token}",
        )
        with self._lock:
            self._requests.append(recorded)

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def count(self, pattern: str = "*", method: str | None = None) -> int:
        """How many requests matched a path pattern (``fnmatch``) and, optionally, a method."""
        return sum(
            1 for r in self.requests
            if fnmatch.fnmatchcase(r.path, pattern) and (method is None or r.method == method.upper())
        )

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()
