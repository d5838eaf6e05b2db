"""The OpenAPI document: generated from the models, served at /openapi.json, checked in as
docs/openapi.json, and fuzzed by schemathesis against a live gunicorn (production config):
no 5xx, every answer's status, content type and body as documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from cds_hooks.http.openapi import build_document, document_text

REPO = Path(__file__).resolve().parents[2]
CHECKED_IN = REPO / "docs" / "openapi.json"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
SEED = 20261207
MAX_EXAMPLES = 25  # with the phases below: ~20 s on an idle 2-core machine


def test_checked_in_document_is_current() -> None:
    assert CHECKED_IN.read_text() == document_text(), "regenerate it: make openapi"


def test_served_document_is_the_generated_one(client: Any) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == build_document()
    assert response.get_json()["openapi"].startswith("3.1")


def test_document_covers_every_service_and_error_status(client: Any) -> None:
    document = build_document()
    call = document["paths"]["/cds-services/{service_id}"]["post"]
    assert set(call["parameters"][0]["schema"]["enum"]) == {
        "iliac-venous-pathway",
        "iliac-venous-order-safety",
        "iliac-venous-order-select",
    }
    assert {"400", "412", "413", "415"} <= set(call["responses"])


@pytest.mark.e2e
def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    live_server: Any, tmp_path: Path
) -> None:
    # Fallback fetches may only go to a closed loopback port: generated fhirServer URLs are
    # refused (400) and never reach the network.
    base_url = live_server({"CDS_FHIR_ALLOWED_ORIGINS": "http://127.0.0.1:9"}, server="gunicorn")
    assert requests.get(f"{base_url}/openapi.json", timeout=10).status_code == 200
    checks = ",".join(
        [
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
        ]
    )
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{base_url}/openapi.json",
        f"--checks={checks}",
        f"--seed={SEED}",
        f"--max-examples={MAX_EXAMPLES}",
        # Stateful sequences add little here (no resource is created by one call and read by
        # another except feedback, which the fuzzing phase covers) and double the time.
        "--phases=examples,coverage,fuzzing",
        "--workers=1",
        "--request-timeout=15",
        "--no-color",
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "passed" in output and "failed" not in output.split("SUMMARY")[-1], output[-3000:]
    summary = json.dumps(output.split("SUMMARY")[-1])
    assert "generated" in summary
