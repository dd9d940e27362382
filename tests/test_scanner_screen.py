"""The Hyperscan screen: ASCII texts read by their own database; on several threads, each with its own scratch spaces.

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


def _scans_of(screen: _hyperscan.Screen, texts: list[str]) -> list[tuple[str, Any]]:
    """Which database scanned each of ``texts`` (``"ascii"`` or ``"any"``), with the scratch space it used."""
    scans = []
    originals = screen._scan, screen._scan_ascii

    def spy(name: str, original: Any) -> Any:
        def scan(data: bytes, handler: Any, flags: int, context: Any, scratch: Any) -> None:
            scans.append((name, scratch))
            original(data, handler, flags, context, scratch)
        return scan

    screen._scan, screen._scan_ascii = spy("any", originals[0]), spy("ascii", originals[1])
    try:
        for text in texts:
            screen.match(text)
    finally:
        screen._scan, screen._scan_ascii = originals
    return scans


def _scratch_of(screen: _hyperscan.Screen) -> Any:
    """The scratch spaces the calling thread scans with, for ASCII texts and others."""
    return tuple(scratch for _, scratch in _scans_of(screen, ["hello", "héllo"]))


def test_ascii_texts_are_read_by_their_own_database(screen: _hyperscan.Screen) -> None:
    texts = ["HELLO, call 555-0199", "HÉLLO, call 555-0199", "hello \ud800 555-0199", ""]
    assert [name for name, _ in _scans_of(screen, texts)] == ["ascii", "any", "any", "ascii"]
    assert [sorted(screen.match(text)) for text in texts] == [[0, 1], [1], [0, 1], []]


def test_a_trigger_no_ascii_text_matches_is_read_on_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERCOM_REDACT_CACHE_DIR", str(tmp_path))
    alone = _hyperscan.screen(["straße"])  # no ASCII restriction left: a database of none
    assert alone.match("strasse strae stra") == []
    assert alone.match("Hauptstraße 1") == [0]
    kept = _hyperscan.screen(["a{,3}", "ß"])  # a literal brace to RE2, a repeat to re: kept as it is
    assert kept.match("say a{,3}") == [0]
    assert kept.match("say aaa") == []
    assert sorted(kept.match("ß a{,3}")) == [0, 1]


def test_a_thread_keeps_its_scratch_and_another_takes_its_own(screen: _hyperscan.Screen) -> None:
    mine = _scratch_of(screen)
    assert len(set(map(id, mine))) == 2  # one per database
    assert _scratch_of(screen) == mine
    theirs: list[Any] = []
    for _ in range(2):  # one thread after another: each its own, then this thread its own again
        thread = threading.Thread(target=lambda: theirs.append(_scratch_of(screen)))
        thread.start()
        thread.join()
    assert not {id(scratch) for pair in theirs for scratch in pair} & set(map(id, mine))
    assert _scratch_of(screen) == mine


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
