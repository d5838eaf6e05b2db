"""gunicorn.conf.py against hostile clients (issue 15): gunicorn's own request limits sit above
the app's, so a request over the app's limit gets the app's JSON answer; the slow-client guard
uses the app's default body deadline. Behaviour on a real gunicorn: tests/faults/."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

from cds_hooks.config import DEFAULTS
from cds_hooks.http import limits

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def settings() -> dict[str, Any]:
    return runpy.run_path(str(REPO / "gunicorn.conf.py"))


def test_gunicorn_limits_sit_above_the_apps(settings: dict[str, Any]) -> None:
    # gunicorn's request line also holds the method and "HTTP/1.1".
    assert settings["limit_request_line"] >= limits.MAX_TARGET_BYTES + 64
    assert settings["limit_request_line"] <= 8190  # gunicorn refuses more
    assert settings["limit_request_fields"] > limits.MAX_HEADER_FIELDS
    assert settings["limit_request_field_size"] > limits.MAX_HEADER_FIELD_BYTES


def test_slow_client_guard_uses_the_apps_default(settings: dict[str, Any]) -> None:
    assert settings["REQUEST_BODY_TIMEOUT_DEFAULT"] == DEFAULTS["REQUEST_BODY_TIMEOUT"]
    assert callable(settings["pre_request"]) and callable(settings["post_worker_init"])
