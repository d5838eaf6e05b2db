"""Shared fixture of the acceptance tests: the real app on a throw-away SQLite database, with the
clock pinned to the acceptance date (`support_nivl.make_client`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.acceptance.support_nivl import make_client


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return make_client(tmp_path)
