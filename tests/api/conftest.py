"""Database fixtures of the storage tests: every test runs on SQLite and, when
`CDS_TEST_POSTGRES_URL` is set (`.ci/run` sets it), on PostgreSQL too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from cds_hooks.storage import store


@pytest.fixture(scope="module")
def postgres_url() -> str:
    url = os.environ.get("CDS_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL variant: set CDS_TEST_POSTGRES_URL (.ci/run does) to run it")
    engine = store.build_engine(store.normalise_url(url))
    store.drop_schema(engine)  # the app creates the current schema from scratch
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    engine = store.build_engine(store.normalise_url(url))
    with engine.begin() as connection:  # each test starts empty; TRUNCATE is cheap, DDL is not
        existing = [
            t.name for t in store.metadata.sorted_tables if inspect(connection).has_table(t.name)
        ]
        if existing:
            connection.execute(text(f"TRUNCATE {', '.join(existing)}"))
    engine.dispose()
    return url
