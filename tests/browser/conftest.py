"""Real-browser fixtures: the system Chromium (Debian package `chromium`) driven by Playwright
for Python through `executable_path`; never `playwright install`.

Without Chromium or Playwright these tests skip locally, but FAIL under CI (`CI=true`): the CI
script installs both, so a missing browser there is a broken setup, not a reason to pass.
Each test leaves a full-page screenshot under `tests/artifacts/` (ignored by git).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
LOOPBACK = re.compile(r"^https?://(127\.0\.0\.1|localhost)(:\d+)?/")

pytestmark = pytest.mark.browser


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    override = os.environ.get("ILIAC_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package playwright is not installed (pip install -e '.[test]')")
    executable = chromium_path()
    if executable is None:
        where = os.environ.get("ILIAC_CHROMIUM") or "/usr/bin/chromium"
        unavailable(f"no Chromium at {where} (apt-get install chromium)")
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    # Loopback only: the sandbox also tries its public default services, which must never be
    # reached from a test (and cannot be, offline).
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if LOOPBACK.match(route.request.url)
            else route.abort("blockedbyclient")
        ),
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        screenshot(page, request.node.name)
        context.close()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
    except Exception as exc:  # a failed screenshot must not hide the test's own result
        print(f"screenshot {safe} failed: {type(exc).__name__}")
