"""Headless Chromium driven over the DevTools protocol (CDP), for tests that open real pages.

Debian's ``chromium`` package (``.ci/run`` installs it when missing); :func:`find_chromium` returns
``None`` when it is absent so tests can skip with the reason.  The browser starts with a fresh
profile, no proxy and no background traffic, on ``--remote-debugging-port=0``; the port it picked
is read from ``DevToolsActivePort`` in the profile.  Every CDP event is kept, so a test can ask
afterwards what the page logged and which requests it made.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import websocket

__all__ = ["Chromium", "find_chromium"]

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
    "--no-proxy-server", "--disable-extensions", "--mute-audio",
)
# Generous: the test machine is shared; these bound a hang, they are not assertions about speed.
_START_TIMEOUT = 60.0
_CALL_TIMEOUT = 60.0


def find_chromium() -> str | None:
    """The Chromium executable (``$CHROMIUM`` or ``chromium`` on the PATH), or None."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return shutil.which(configured)
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """One headless browser with one page, used as a context manager."""

    def __init__(self, executable: str, profile: Path) -> None:
        self.executable = executable
        self.profile = profile
        self.events: list[dict[str, Any]] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: websocket.WebSocket | None = None
        self._next_id = 0

    def __enter__(self) -> Chromium:
        self.profile.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port = self._wait_for_port()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=_CALL_TIMEOUT) as response:
            targets = json.load(response)
        page = next(t for t in targets if t.get("type") == "page")
        import websocket  # websocket-client, a test dependency: tests importorskip it

        self._socket = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=_CALL_TIMEOUT, suppress_origin=True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def _wait_for_port(self) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"chromium exited with status {self._process.returncode} before listening")
            try:
                first_line = marker.read_text().split("\n", 1)[0].strip()
            except FileNotFoundError:
                first_line = ""
            if first_line.isdigit():
                return int(first_line)
            time.sleep(0.05)
        raise TimeoutError("chromium did not open its DevTools port")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one CDP command and return its result; events received meanwhile are kept."""
        assert self._socket is not None
        self._next_id += 1
        call_id = self._next_id
        self._socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message: dict[str, Any] = json.loads(self._socket.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            if "method" in message:
                self.events.append(message)

    def wait_for(self, event: str, timeout: float = _CALL_TIMEOUT) -> dict[str, Any]:
        """The next event named *event* (or one already received)."""
        assert self._socket is not None
        for seen in self.events:
            if seen["method"] == event:
                return seen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message: dict[str, Any] = json.loads(self._socket.recv())
            if "method" in message:
                self.events.append(message)
                if message["method"] == event:
                    return message
        raise TimeoutError(f"no {event} event")

    def named(self, event: str) -> list[dict[str, Any]]:
        """The params of every event named *event* received so far."""
        return [message.get("params", {}) for message in self.events if message["method"] == event]

    def open(self, url: str) -> None:
        """Navigate to *url* and wait until it has loaded (events of earlier pages are dropped)."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript through the protocol (not subject to the page's CSP) and return the value."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluation failed: {result['exceptionDetails']}")
        return result["result"].get("value")
