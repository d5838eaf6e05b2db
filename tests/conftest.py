"""Shared fixtures: an app with JWT checks off and its own SQLite file, and its test client.

Tests needing other settings call `make_app(**overrides)` (keys as in config.DEFAULTS, without
the `CDS_` prefix).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cds_hooks import create_app


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    def factory(**overrides: Any) -> Flask:
        settings: dict[str, Any] = {
            "TESTING": True,
            "REQUIRE_JWT": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite'}",
        }
        settings.update(overrides)
        return create_app(settings)

    return factory


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
