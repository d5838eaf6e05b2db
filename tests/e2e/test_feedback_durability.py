"""Feedback survives concurrency, repetition and a hard kill of a real gunicorn server.

1,000 entries are posted from 8 threads to gunicorn (2 workers x 4 threads), a subset is posted
again, the server is killed with SIGKILL and restarted on the same database, and the summary
still counts every entry exactly once. Runs on SQLite always and on PostgreSQL when
`CDS_TEST_POSTGRES_URL` is set (`.ci/run` sets it).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from cds_hooks.storage import store

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SERVICE = "iliac-venous-pathway"
ENTRIES = 1000
THREADS = 8
REASONS = ("not-applicable", "already-done", "patient-declined")
STARTUP_WAIT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class GunicornServer:
    """A gunicorn process group on a loopback port; `kill` sends SIGKILL, like an OOM kill."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "cds_hooks:create_app()",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so SIGKILL reaches workers too
            )
        deadline = time.monotonic() + STARTUP_WAIT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or workers still importing
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not become ready: {self.log_path.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'durability.sqlite'}"
    url = os.environ.get("CDS_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL variant: set CDS_TEST_POSTGRES_URL (.ci/run does) to run it")
    # Start from an empty schema: the server must create it itself.
    engine = store.build_engine(store.normalise_url(url))
    store.drop_schema(engine)
    engine.dispose()
    return url


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[GunicornServer]]:
    started: list[GunicornServer] = []
    yield started
    for server in started:
        server.kill()


def entry(index: int, card: str) -> dict[str, Any]:
    timestamp = f"2026-11-27T10:{index // 60 % 60:02d}:{index % 60:02d}.{index:03d}Z"
    if index % 2 == 0:
        return {
            "card": card,
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": f"suggestion-{index}"}],
            "outcomeTimestamp": timestamp,
        }
    return {
        "card": card,
        "outcome": "overridden",
        "overrideReason": {
            "reason": {"system": "urn:iliac-cds:override", "code": REASONS[index % 3]},
            "userComment": "free text that must not be stored",
        },
        "outcomeTimestamp": timestamp,
    }


def post_all(base_url: str, batches: list[list[dict[str, Any]]]) -> list[int]:
    url = f"{base_url}/cds-services/{SERVICE}/feedback"

    def post(batch: list[dict[str, Any]]) -> int:
        return requests.post(url, json={"feedback": batch}, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(post, batches))


def summary(base_url: str) -> dict[str, Any]:
    response = requests.get(f"{base_url}/cds-services/{SERVICE}/feedback/summary", timeout=30)
    assert response.status_code == 200
    return response.json()["recommendations"]


def feedback_requests_counted(base_url: str) -> float:
    text = requests.get(f"{base_url}/metrics", timeout=30).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "cds_http_request_duration_seconds_count"
                and sample.labels.get("endpoint") == "/cds-services/<service_id>/feedback"
                and sample.labels.get("status") == "200"
            ):
                total += sample.value
    return total


def stored_rows(url: str) -> tuple[int, int]:
    engine = store.build_engine(store.normalise_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(store.feedback)).scalar()
            cards = connection.execute(
                select(func.count(func.distinct(store.feedback.c.card_uuid)))
            ).scalar()
    finally:
        engine.dispose()
    return int(rows or 0), int(cards or 0)


def test_feedback_is_stored_exactly_once_and_survives_sigkill(
    database_url: str, servers: list[GunicornServer], tmp_path: Path
) -> None:
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = {
        "CDS_REQUIRE_JWT": "false",
        "CDS_DATABASE_URL": database_url,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    first = GunicornServer(env=env, log_path=tmp_path / "gunicorn-1.log")
    servers.append(first)
    first.start()

    entries = [entry(i, str(uuid.uuid4())) for i in range(ENTRIES)]
    # Single entries and small batches, so both request shapes meet under concurrency.
    batches = [[e] for e in entries[:200]] + [entries[i : i + 8] for i in range(200, ENTRIES, 8)]
    assert set(post_all(first.url, batches)) == {200}
    # Clients retry: the same entries again, in a different grouping, are stored once.
    again = [entries[i : i + 5] for i in range(0, 300, 5)] + [[e] for e in entries[900:]]
    assert set(post_all(first.url, again)) == {200}

    expected = {
        "served": 0,
        "accepted": ENTRIES // 2,
        "overridden": ENTRIES // 2,
        "overrideReasons": {
            reason: sum(1 for i in range(1, ENTRIES, 2) if REASONS[i % 3] == reason)
            for reason in REASONS
        },
        "acceptanceRate": 0.5,
    }
    assert summary(first.url) == {"unknown": expected}
    assert stored_rows(database_url) == (ENTRIES, ENTRIES)
    # Multiprocess metrics: every worker's requests are in one /metrics answer.
    assert feedback_requests_counted(first.url) == len(batches) + len(again)

    first.kill()
    second = GunicornServer(env=env, log_path=tmp_path / "gunicorn-2.log")
    servers.append(second)
    second.start()

    assert summary(second.url) == {"unknown": expected}
    assert stored_rows(database_url) == (ENTRIES, ENTRIES)
