"""The `iliac-cds` command line against a real server process on loopback (and a loopback FHIR
server for `load` and `fire --fhir-server`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cds_hooks.cli.main import cli
from fixtures.loader import expected, load_scenario, scenario_names
from tests.scenario_support import FhirServer, bundle_resources, card_ids

pytestmark = pytest.mark.e2e


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_scenarios_list_names_every_scenario() -> None:
    result = run("scenarios", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["name"] for row in rows] == scenario_names()
    by_name = {row["name"]: row for row in rows}
    assert by_name["pv-acute-dvt-lmwh"]["iliac-venous-pathway"] == ["dvt-anticoagulation-lmwh"]
    table = run("scenarios", "list")
    assert "pv-acute-dvt-lmwh" in table.output


def test_scenarios_bundle_is_the_shifted_transaction() -> None:
    result = run("scenarios", "bundle", "pv-new-left-swelling", "--today", "2030-01-15")
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.stdout)
    assert bundle["type"] == "transaction"
    assert bundle == load_scenario("pv-new-left-swelling", date(2030, 1, 15))[0]
    assert bundle != load_scenario("pv-new-left-swelling", date(2030, 2, 15))[0]


def test_unknown_scenario_is_a_usage_error() -> None:
    result = run("scenarios", "bundle", "no-such-patient")
    assert result.exit_code == 2
    assert "unknown scenario" in result.output


def test_fire_every_scenario_against_a_running_server(live_server: Callable[..., str]) -> None:
    base_url = live_server()
    expectations = expected()
    for name in scenario_names():
        result = run("fire", name, "--service-url", base_url, "--json")
        statuses = {
            v.get("status", 200) for v in expectations[name].values() if isinstance(v, dict)
        }
        if statuses != {200}:
            assert result.exit_code == 1, (name, result.output)
            continue
        assert result.exit_code == 0, (name, result.output)
        answers = json.loads(result.stdout)
        _, hook_requests = load_scenario(name)
        if len(hook_requests) == 1:
            answers = {f"{name} -> {next(iter(hook_requests))}": answers}
        for service_id in hook_requests:
            cards = answers[f"{name} -> {service_id}"]["cards"]
            assert card_ids(cards) == expectations[name][service_id]["ids"], (name, service_id)


def test_fire_prints_cards_readably(live_server: Callable[..., str]) -> None:
    base_url = live_server()
    result = run("fire", "pv-acute-dvt-lmwh", "--service-url", f"{base_url}/cds-services/")
    assert result.exit_code == 0, result.output
    assert "CRITICAL" in result.output
    assert "dvt-anticoagulation-lmwh" in result.output
    assert "[suggestion]" in result.output and "enoxaparin" in result.output.lower()


def test_fire_a_request_file_needs_a_service(
    live_server: Callable[..., str], tmp_path: Path
) -> None:
    base_url = live_server()
    _, hook_requests = load_scenario("os-stent-59mm")
    path = tmp_path / "hook.json"
    body = hook_requests["iliac-venous-order-safety"]
    body.pop("fhirServer")
    path.write_text(json.dumps(body))
    missing = run("fire", "--request", str(path), "--service-url", base_url)
    assert missing.exit_code == 2 and "--service" in missing.output
    result = run(
        "fire",
        "--request",
        str(path),
        "--service",
        "iliac-venous-order-safety",
        "--service-url",
        base_url,
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert card_ids(json.loads(result.stdout)["cards"]) == ["stent-length-too-short"]


def _key_pair(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    private = ec.generate_private_key(ec.SECP384R1())
    pem = tmp_path / "client.pem"
    pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    jwk = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return pem, {"keys": [{**jwk, "kid": "cli-1", "use": "sig", "alg": "ES384"}]}


def test_fire_signs_a_jwt_per_call(live_server: Callable[..., str], tmp_path: Path) -> None:
    pem, jwks = _key_pair(tmp_path)
    issuers = {"https://cli.test": {"jwks": jwks}}
    base_url = live_server({"CDS_REQUIRE_JWT": "true", "CDS_JWT_ISSUERS": json.dumps(issuers)})
    unsigned = run("fire", "pv-new-left-swelling", "--service-url", base_url)
    assert unsigned.exit_code == 1
    assert "HTTP 401" in unsigned.output
    signing = ("--jwt-key", str(pem), "--jwt-issuer", "https://cli.test", "--jwt-kid", "cli-1")
    # Two calls in a row: a fresh jti each time, or the second would be a replay.
    for _ in range(2):
        result = run("fire", "pv-new-left-swelling", "--service-url", base_url, "--json", *signing)
        assert result.exit_code == 0, result.output
        assert card_ids(json.loads(result.stdout)["cards"]) == ["dvt-duplex-ultrasound"]
    partial = run("fire", "pv-new-left-swelling", "--jwt-key", str(pem))
    assert partial.exit_code == 2


def test_load_posts_every_bundle_with_the_bearer(httpserver: HTTPServer) -> None:
    received: list[dict[str, Any]] = []

    def handler(request: Request) -> Response:
        assert request.headers["Authorization"] == "Bearer fhir-token"
        assert request.mimetype == "application/fhir+json"
        received.append(json.loads(request.data))
        return Response('{"resourceType": "Bundle", "type": "transaction-response"}', 200)

    httpserver.expect_request("/fhir", method="POST").respond_with_handler(handler)
    result = run("load", "--fhir-server", httpserver.url_for("/fhir"), "--bearer", "fhir-token")
    assert result.exit_code == 0, result.output
    assert len(received) == len(scenario_names())
    assert all(bundle["type"] == "transaction" for bundle in received)
    assert f"loaded {len(scenario_names())} of {len(scenario_names())}" in result.output


def test_load_reports_failures(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/fhir", method="POST").respond_with_json(
        {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]},
        status=422,
    )
    result = run("load", "--fhir-server", httpserver.url_for("/fhir"), "--only", "pv-deceased")
    assert result.exit_code == 1
    assert "HTTP 422" in result.output


def test_fire_against_a_fhir_server_after_load(
    live_server: Callable[..., str], httpserver: HTTPServer
) -> None:
    base_url = live_server()
    bundle, _ = load_scenario("pv-ivus-62-candidate")
    fhir = FhirServer(bundle_resources(bundle))
    httpserver.expect_request(re.compile(r"^/fhir/.*")).respond_with_handler(fhir)
    result = run(
        "fire",
        "pv-ivus-62-candidate",
        "--service-url",
        base_url,
        "--fhir-server",
        httpserver.url_for("/fhir"),
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert card_ids(json.loads(result.stdout)["cards"]) == ["nivl-stent-candidate"]
    assert any(path.endswith("/Patient/pv29-patient") for path in fhir.requests), fhir.requests


def test_serve_runs_the_app_with_the_demo(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import time

    import requests

    from tests.e2e.conftest import free_port

    port = free_port()
    env = {**os.environ, "CDS_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}"}
    env.pop("CDS_DEMO", None)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "iliac-cds"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/demo", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "iliac-cds serve did not start"
                assert process.poll() is None, "iliac-cds serve exited"
                time.sleep(0.2)
        assert page.status_code == 200 and "demo EHR" in page.text
        # JWT checks are off by default for local serving, like `make run`.
        assert requests.get(f"http://127.0.0.1:{port}/cds-services", timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
