"""Shared fixtures."""

from __future__ import annotations

import os
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


@pytest.fixture
def fake_intercom() -> Iterator[FakeIntercom]:
    """A :class:`~intercom_redact.testing.FakeIntercom` (seed 0) serving on 127.0.0.1 for one test."""
    from intercom_redact.testing import FakeIntercom

    with FakeIntercom(seed=0) as fake:
        yield fake
