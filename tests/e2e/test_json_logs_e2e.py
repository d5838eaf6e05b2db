"""Every line the production server writes is one JSON object without ids or clinical text:
gunicorn's master and workers (start, boot, shutdown), the app's access lines and the mapper's
warnings about resources it cannot read."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from cds_hooks.service_catalog import PREFETCH_KEYS

pytestmark = pytest.mark.e2e

PATIENT_ID = "pt-e2e-77120-secret"
HOSTILE_ID = "mrn-55817-secret"
CLINICAL_TEXT = "occlusive thrombus in the left femoral vein"


def body() -> dict[str, Any]:
    subject = {"reference": f"Patient/{PATIENT_ID}"}
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    conditions = [
        {"resourceType": "Condition", "id": f"{HOSTILE_ID}-1", "subject": subject,
         "code": {"coding": [{"system": icd, "code": "I82.412"}], "text": CLINICAL_TEXT},
         "onsetDateTime": "2026-02-30"},
        {"resourceType": "Condition", "id": f"{HOSTILE_ID}-2", "subject": f"Patient/{PATIENT_ID}",
         "code": {"text": CLINICAL_TEXT}},
    ]
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    prefetch["patient"] = {"resourceType": "Patient", "id": PATIENT_ID, "birthDate": "1970-02-31"}
    prefetch["conditions"] = {"resourceType": "Bundle", "type": "searchset",
                              "entry": [{"resource": r} for r in conditions]}
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": PATIENT_ID},
            "prefetch": prefetch}


def test_gunicorn_server_writes_only_json_lines_without_ids(live_server: Any) -> None:
    start: Callable[..., str] = live_server
    base_url = start({}, server="gunicorn")
    answer = requests.post(f"{base_url}/cds-services/iliac-venous-pathway", json=body(),
                           timeout=30)
    assert answer.status_code == 200
    live_server.stop_all()  # shutdown lines too
    output = live_server.output(base_url)
    lines = [line for line in output.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line is JSON
    loggers = {line["logger"] for line in parsed}
    assert "gunicorn.error" in loggers and "cds_hooks.access" in loggers
    assert any(line["logger"].startswith("fhir_mapping") for line in parsed)
    for secret in (PATIENT_ID, HOSTILE_ID, CLINICAL_TEXT, "Patient/"):
        assert secret not in output
