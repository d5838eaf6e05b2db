"""Soak: the production server config under a mixed, partly hostile load, on loopback only.

    .venv/bin/python benchmarks/soak.py [--clients 8] [--seconds 60] [--seed 1]

Starts gunicorn with ./gunicorn.conf.py (JWT off, a fresh SQLite database) and a misbehaving
FHIR server (tests/faults/fault_server.py), then runs N clients for the given time, each
picking at random: a fixture's hook call (every scenario and service), a malformed request
(bad JSON, deep nesting, wrong content type, unknown service, invalid fields, an over-limit
body), a call whose data must be fetched (a healthy or failing FHIR server), or feedback on a
card it was served. Reports statuses, p50/p99 latency, and whether every acknowledged
feedback entry is in the summary. Exits 1 on any 5xx or lost feedback. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.loader import load_scenario, scenario_names  # noqa: E402
from tests.faults.fault_server import PATIENT_ID, FaultServer  # noqa: E402

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fixture_calls() -> list[tuple[str, dict[str, Any]]]:
    calls = []
    for name in scenario_names():
        _, hook_requests = load_scenario(name)
        calls.extend(hook_requests.items())
    return calls


def malformed() -> list[tuple[str, bytes, str]]:
    """(path, body, content type) of requests that must be 4xx."""
    deep = b'{"a": ' * 5000 + b"1" + b"}" * 5000
    return [
        ("/cds-services/iliac-venous-pathway", b"{not json", "application/json"),
        ("/cds-services/iliac-venous-pathway", deep, "application/json"),
        ("/cds-services/iliac-venous-pathway/feedback", deep, "application/json"),
        ("/cds-services/iliac-venous-pathway", b'{"hook": 5}', "application/json"),
        ("/cds-services/iliac-venous-pathway", b"{}", "text/plain"),
        ("/cds-services/no-such-service", b"{}", "application/json"),
        (
            "/cds-services/iliac-venous-pathway",
            b"[" + b"1," * 3_000_000 + b"1]",
            "application/json",
        ),
        ("/cds-services/iliac-venous-pathway/feedback", b'{"feedback": 5}', "application/json"),
    ]


class Soak:
    def __init__(self, base_url: str, fhir_url: str, seed: int) -> None:
        self.base_url = base_url
        self.fhir_url = fhir_url
        self.seed = seed
        self.calls = fixture_calls()
        self.bad = malformed()
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.acknowledged: Counter[str] = Counter()  # service -> feedback entries answered 200
        self.errors: list[str] = []

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[f"{kind} {status}"] += 1
            self.latencies.append(seconds)

    def client(self, index: int, until: float) -> None:
        rng = random.Random(self.seed * 1000 + index)
        session = requests.Session()
        served: list[tuple[str, str]] = []  # (service, card uuid) not yet given feedback
        while time.monotonic() < until:
            roll = rng.random()
            try:
                if roll < 0.55:
                    self.fixture(session, rng, served)
                elif roll < 0.70:
                    self.hostile(session, rng)
                elif roll < 0.78:
                    self.fetching(session, rng)
                elif served:
                    self.feedback(session, rng, served)
            except requests.RequestException as exc:
                with self.lock:
                    self.errors.append(type(exc).__name__)

    def post(
        self, session: requests.Session, path: str, **kwargs: Any
    ) -> tuple[requests.Response, float]:
        started = time.monotonic()
        response = session.post(f"{self.base_url}{path}", timeout=30, **kwargs)
        return response, time.monotonic() - started

    def fixture(self, session: requests.Session, rng: random.Random, served: list[Any]) -> None:
        service, body = rng.choice(self.calls)
        body = {**body, "hookInstance": str(uuid.uuid4())}
        if "fhirServer" in body:  # never the fixtures' example.org: only loopback is a target
            body["fhirServer"] = f"{self.fhir_url}/ok"
        response, seconds = self.post(session, f"/cds-services/{service}", json=body)
        self.record("fixture", response.status_code, seconds)
        if response.status_code == 200:
            served.extend((service, card["uuid"]) for card in response.json()["cards"])

    def hostile(self, session: requests.Session, rng: random.Random) -> None:
        path, body, content_type = rng.choice(self.bad)
        response, seconds = self.post(
            session, path, data=body, headers={"Content-Type": content_type}
        )
        self.record("malformed", response.status_code, seconds)

    def fetching(self, session: requests.Session, rng: random.Random) -> None:
        fault = rng.choice(["ok", "ok", "gzip-ok", "status/500", "html", "redirect-self"])
        body = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "fhirServer": f"{self.fhir_url}/{fault}",
            "context": {"userId": "Practitioner/soak", "patientId": PATIENT_ID},
        }
        response, seconds = self.post(session, "/cds-services/iliac-venous-pathway", json=body)
        self.record("fetch", response.status_code, seconds)

    def feedback(self, session: requests.Session, rng: random.Random, served: list[Any]) -> None:
        service, card = served.pop(rng.randrange(len(served)))
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        entry: dict[str, Any] = {"card": card, "outcomeTimestamp": now}
        if rng.random() < 0.5:
            entry |= {"outcome": "overridden", "overrideReason": {"userComment": "soak"}}
        else:
            entry |= {"outcome": "accepted", "acceptedSuggestions": [{"id": str(uuid.uuid4())}]}
        response, seconds = self.post(
            session, f"/cds-services/{service}/feedback", json={"feedback": [entry]}
        )
        self.record("feedback", response.status_code, seconds)
        if response.status_code == 200:
            with self.lock:
                self.acknowledged[service] += 1

    def lost_feedback(self) -> dict[str, tuple[int, int]]:
        """service -> (acknowledged, in the summary) where they differ."""
        lost = {}
        for service in {s for s, _ in self.calls}:
            summary = requests.get(
                f"{self.base_url}/cds-services/{service}/feedback/summary", timeout=30
            ).json()
            counted = sum(
                r["accepted"] + r["overridden"] for r in summary["recommendations"].values()
            )
            if counted != self.acknowledged[service]:
                lost[service] = (self.acknowledged[service], counted)
        return lost


def start_gunicorn(port: int, workdir: Path, fhir_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CDS_REQUIRE_JWT": "false",
        "CDS_DATABASE_URL": f"sqlite:///{workdir / 'soak.sqlite'}",
        "CDS_FHIR_ALLOWED_ORIGINS": fhir_url,
        "CDS_LOG_LEVEL": "ERROR",
    }
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "cds_hooks:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=(workdir / "server.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/cds-services", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    faults = FaultServer(max_seconds=10.0).start()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        process = start_gunicorn(port, Path(tmp), faults.url)
        try:
            soak = Soak(f"http://127.0.0.1:{port}", faults.url, args.seed)
            until = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=soak.client, args=(i, until)) for i in range(args.clients)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(args.seconds + 60)
            elapsed = time.monotonic() - started
            lost = soak.lost_feedback()
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
            faults.close()
    total = sum(soak.statuses.values())
    server_errors = sum(n for key, n in soak.statuses.items() if key.split()[1].startswith("5"))
    latencies = sorted(soak.latencies)
    print(
        f"soak: {args.clients} clients, {elapsed:.0f} s, {total} requests ({total / elapsed:.0f}/s)"
    )
    for key, count in sorted(soak.statuses.items()):
        print(f"  {key}: {count}")
    if latencies:
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        print(f"  latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"  client errors (no answer): {len(soak.errors)} {Counter(soak.errors).most_common(3)}")
    print(f"  5xx: {server_errors}")
    print(f"  feedback acknowledged: {sum(soak.acknowledged.values())}, lost: {lost or 0}")
    return 1 if server_errors or lost or soak.errors else 0


if __name__ == "__main__":
    sys.exit(main())
