"""Shared fixtures."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from intercom_redact.testing import FakeIntercom

_PG_URL_ENV = "INTERCOM_REDACT_TEST_PG_URL"


def _database_params() -> list[object]:
    params: list[object] = [pytest.param("sqlite", id="sqlite")]
    params.append(pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not os.environ.get(_PG_URL_ENV), reason=f"{_PG_URL_ENV} not set"),
        ],
    ))
    return params


@pytest.fixture(params=_database_params())
def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file always, and PostgreSQL when
    ``INTERCOM_REDACT_TEST_PG_URL`` is set (a schema of its own per test,
    dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{os.path.join(tmp_path, 'test.sqlite3')}"
        return
    import sqlalchemy as sa

    base = sa.make_url(os.environ[_PG_URL_ENV])
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(autouse=True)
def _no_host_data_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether files are encrypted must not depend on the machine's environment."""
    monkeypatch.delenv("INTERCOM_REDACT_DATA_KEY", raising=False)


@pytest.fixture
def data_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh data-encryption keyring, set in ``INTERCOM_REDACT_DATA_KEY`` (stores refuse to start
    without one); returns its text."""
    from intercom_redact.compliance import DataKey

    text = DataKey.generate("test").export()
    monkeypatch.setenv("INTERCOM_REDACT_DATA_KEY", text)
    return text


@pytest.fixture(scope="session")
def redactor():
    """One default :class:`~intercom_redact.Redactor` for the session, its scanner warmed up
    (a Redactor is thread-safe and shared by design).

    Its time budget is one no machine load reaches: the tests that use it check what is
    redacted and kept, and a test's thread starved by another test's threads (the GIL of
    one worker process) must not fail an event closed.  The budget has tests of its own.
    """
    from strategies import unhurried_redactor

    shared = unhurried_redactor()
    shared.scanner.warm()  # every pattern compiled: no test's first event pays for it in its time budget
    return shared


@pytest.fixture(params=["c", "py"])
def core(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The engine runs on the compiled core, then on its pure-Python twin (the same
    tests for both; ``c`` is skipped where it was not built or is switched off)."""
    from intercom_redact import _core, engine

    if request.param == "c" and _core.NO_EXTENSIONS:
        pytest.skip("INTERCOM_REDACT_NO_EXTENSIONS is set: pure Python only")
    try:
        module = _core.load(request.param)
    except ImportError:
        pytest.skip("the compiled core was not built (pure-Python install)")
    monkeypatch.setattr(engine, "_impl", module)
    # The scanner's known-value search is the core's too.
    monkeypatch.setattr("intercom_redact.scanner._known.KnownValues", module.KnownValues)
    monkeypatch.setattr("intercom_redact.scanner._scanner.KnownValues", module.KnownValues, raising=False)
    return str(request.param)


@pytest.fixture
def fake_intercom() -> Iterator[FakeIntercom]:
    """A :class:`~intercom_redact.testing.FakeIntercom` (seed 0) serving on 127.0.0.1 for one test."""
    from intercom_redact.testing import FakeIntercom

    with FakeIntercom(seed=0) as fake:
        yield fake


# -- reliability figures (issue 7): printed in the terminal summary, merged across xdist workers --


class Figures:
    """Figures the reliability suites measure: summed counts, and maxima with what produced them."""

    def __init__(self) -> None:
        self.counts: dict[str, float] = {}
        self.maxima: dict[str, tuple[float, str]] = {}

    def count(self, name: str, n: float = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def maximum(self, name: str, value: float, label: str = "") -> None:
        if name not in self.maxima or value > self.maxima[name][0]:
            self.maxima[name] = (value, label)

    def merge(self, data: dict) -> None:
        for name, n in data.get("counts", {}).items():
            self.count(name, n)
        for name, (value, label) in data.get("maxima", {}).items():
            self.maximum(name, value, label)


_FIGURES = pytest.StashKey[Figures]()


def _figures(config: pytest.Config) -> Figures:
    if _FIGURES not in config.stash:
        config.stash[_FIGURES] = Figures()
    return config.stash[_FIGURES]


@pytest.fixture(scope="session")
def figures(pytestconfig: pytest.Config) -> Figures:
    """Record a figure for the end-of-run reliability summary."""
    return _figures(pytestconfig)


def pytest_sessionfinish(session: pytest.Session) -> None:
    found = _figures(session.config)
    strategies = sys.modules.get("strategies")  # planted values counted by tests/strategies.py
    if strategies is not None:
        for name, n in strategies.TRIED.items():
            found.count(name, n)
        strategies.TRIED.clear()
    if hasattr(session.config, "workeroutput"):  # an xdist worker: hand the figures to the controller
        session.config.workeroutput["reliability_figures"] = {"counts": found.counts, "maxima": found.maxima}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    _figures(node.config).merge(getattr(node, "workeroutput", {}).get("reliability_figures", {}))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    found = _figures(config)
    if not (found.counts or found.maxima):
        return
    terminalreporter.section("reliability figures")
    for name, n in sorted(found.counts.items()):
        terminalreporter.write_line(f"{name}: {n:,.0f}")
    for name, (value, label) in sorted(found.maxima.items()):
        terminalreporter.write_line(f"{name}: {value:,.4g}" + (f"  ({label})" if label else ""))
