"""The Hyperscan screen on several threads: each scans with its own scratch space.

A scan reads its thread's scratch as the one used last when that one is the
thread's (most processes scan on one thread); a thread whose identifier differs
takes its own, and never another live thread's (Hyperscan refuses a scratch in use).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from intercom_redact.scanner import _hyperscan

pytestmark = pytest.mark.skipif(not _hyperscan.AVAILABLE, reason="hyperscan is not installed")

_TRIGGERS = ["(?i:hello)", "[0-9]{3}-[0-9]{4}", "@"]
_TEXTS = ["HELLO, call 555-0199", "nothing here", "mail jo@ex.com", "hello jo@ex.com 555-0199"]


@pytest.fixture
def screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> _hyperscan.Screen:
    monkeypatch.setenv("INTERCOM_REDACT_CACHE_DIR", str(tmp_path))
    return _hyperscan.screen(_TRIGGERS)


def _scratch_of(screen: _hyperscan.Screen) -> Any:
    """The scratch space the calling thread scans with."""
    scratches = []
    original = screen._scan

    def scan(data: bytes, handler: Any, flags: int, context: Any, scratch: Any) -> None:
        scratches.append(scratch)
        original(data, handler, flags, context, scratch)

    screen._scan = scan
    try:
        screen.match("hello")
    finally:
        screen._scan = original
    return scratches[0]


def test_a_thread_keeps_its_scratch_and_another_takes_its_own(screen: _hyperscan.Screen) -> None:
    mine = _scratch_of(screen)
    assert _scratch_of(screen) is mine
    theirs: list[Any] = []
    for _ in range(2):  # one thread after another: each its own, then this thread its own again
        thread = threading.Thread(target=lambda: theirs.append(_scratch_of(screen)))
        thread.start()
        thread.join()
    assert all(scratch is not mine for scratch in theirs)
    assert _scratch_of(screen) is mine


def test_threads_scanning_at_once_find_what_one_finds(screen: _hyperscan.Screen) -> None:
    expected = [sorted(screen.match(text)) for text in _TEXTS]
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def scan() -> None:
        start.wait()
        try:
            for _ in range(300):
                assert [sorted(screen.match(text)) for text in _TEXTS] == expected
        except BaseException as error:  # ScratchInUseError where two threads shared one
            failures.append(error)

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert expected == [[0, 1], [], [2], [0, 1, 2]]
