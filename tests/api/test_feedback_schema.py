"""The store schema: Alembic migrations match the SQLAlchemy tables, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from cds_hooks import create_app
from cds_hooks.storage import store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'schema.sqlite'}"
        return
    url = os.environ.get("CDS_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL variant: set CDS_TEST_POSTGRES_URL (.ci/run does) to run it")
    engine = store.build_engine(store.normalise_url(url))
    store.drop_schema(engine)
    engine.dispose()
    yield url


def engine_for(url: str) -> Engine:
    return store.build_engine(store.normalise_url(url))


def test_migrations_build_exactly_the_declared_tables(empty_database: str) -> None:
    app = create_app({"TESTING": True, "REQUIRE_JWT": False, "DATABASE_URL": empty_database})
    store.close(app)
    engine = engine_for(empty_database)

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), store.metadata)
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()

    assert differences == []
    assert version == "0001"


def test_restarting_on_a_migrated_database_keeps_its_data(empty_database: str) -> None:
    config = {"TESTING": True, "REQUIRE_JWT": False, "DATABASE_URL": empty_database}
    expires = datetime.now(UTC) + timedelta(minutes=5)
    first = create_app(config)
    with first.app_context():
        assert store.remember_jti("j", "iss", expires) is True
    store.close(first)

    second = create_app(config)
    with second.app_context():
        assert store.remember_jti("j", "iss", expires) is False
    store.close(second)


def test_a_database_made_before_migrations_is_adopted(empty_database: str) -> None:
    engine = engine_for(empty_database)
    store.metadata.create_all(engine)  # how the schema was made before Alembic
    with engine.begin() as connection:
        connection.execute(
            store.seen_jti.insert().values(issuer="iss", jti="old", expires_at=datetime(2099, 1, 1))
        )

    app = create_app({"TESTING": True, "REQUIRE_JWT": False, "DATABASE_URL": empty_database})
    with app.app_context():
        assert store.remember_jti("old", "iss", datetime(2099, 1, 1, tzinfo=UTC)) is False
    store.close(app)

    with engine.connect() as connection:
        assert "alembic_version" in inspect(connection).get_table_names()
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert version == "0001"
