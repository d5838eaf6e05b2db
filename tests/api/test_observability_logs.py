"""Structured JSON logs: correlation by hookInstance, and no secrets or patient data in them."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pytest_httpserver import HTTPServer

from cds_hooks import create_app, observability, pathway, service_catalog
from cds_hooks.config import ConfigError
from cds_hooks.storage import store

SERVICE = "iliac-venous-pathway"
ACCESS_TOKEN = "at-5f2c9e1d-SECRET-ACCESS-TOKEN"
JWT = (
    "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9"
    ".eyJpc3MiOiJodHRwczovL2Voci5leGFtcGxlIiwianRpIjoiMTIzIn0"
    ".c2lnbmF0dXJlLXRoYXQtaXMtbm90LXJlYWw"
)
PATIENT_ID = "pt8842193secret"
CLINICAL_TEXT = "thrombus in the left common iliac vein on duplex"
COMMENT_TEXT = "declined because she is pregnant"
SECRETS = (ACCESS_TOKEN, JWT, JWT.split(".")[1], PATIENT_ID, CLINICAL_TEXT, COMMENT_TEXT)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "REQUIRE_JWT": False,
            "LOG_LEVEL": "DEBUG",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'logs.sqlite'}",
        }
    )
    yield app
    store.close(app)


def hook_request(
    hook_instance: str, fhir_server: str, *, drop: str | None = None
) -> dict[str, Any]:
    condition = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "code": {"text": CLINICAL_TEXT},
        "note": [{"text": CLINICAL_TEXT}],
    }
    prefetch: dict[str, Any] = {key: None for key in service_catalog.PREFETCH_KEYS}
    prefetch["patient"] = {"resourceType": "Patient", "id": PATIENT_ID, "gender": "female"}
    prefetch["conditions"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": condition}],
    }
    if drop:
        del prefetch[drop]
    return {
        "hook": "patient-view",
        "hookInstance": hook_instance,
        "fhirServer": fhir_server,
        "fhirAuthorization": {
            "access_token": ACCESS_TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "iliac-cds",
            "patient": PATIENT_ID,
        },
        "context": {"userId": "Practitioner/p1", "patientId": PATIENT_ID},
        "prefetch": prefetch,
    }


def card_quoting_the_record(*_args: Any, **_kwargs: Any) -> list[dict[str, Any]]:
    """Stands in for the clinical core: a card whose text repeats clinical content."""
    return [
        {
            "uuid": str(uuid.uuid4()),
            "summary": "Iliac vein finding needs review",
            "detail": f"Reported: {CLINICAL_TEXT}",
            "indicator": "warning",
            "source": {
                "label": "iliac-cds",
                "topic": {"system": "urn:iliac-cds:recommendation", "code": "REC-TEST"},
            },
        }
    ]


def test_service_calls_leave_no_secret_or_patient_data_in_logs(
    app: Flask,
    httpserver: HTTPServer,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The clinical core is tested elsewhere; here it only has to put clinical text in a card.
    monkeypatch.setattr(pathway, "run_service", card_quoting_the_record)
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {JWT}"}
    fhir_server = httpserver.url_for("/fhir").rstrip("/")
    httpserver.expect_request("/fhir/Condition").respond_with_data(
        f"upstream failure for {PATIENT_ID}", status=500
    )
    served = str(uuid.uuid4())
    failed = str(uuid.uuid4())

    ok = client.post(
        f"/cds-services/{SERVICE}", json=hook_request(served, fhir_server), headers=headers
    )
    # A missing prefetch key makes the service fetch from fhirServer, which fails: 412.
    precondition = client.post(
        f"/cds-services/{SERVICE}",
        json=hook_request(failed, fhir_server, drop="conditions"),
        headers=headers,
    )
    bad = client.post(
        f"/cds-services/{SERVICE}",
        json={"hook": "patient-view", "hookInstance": "x", "context": {"patientId": PATIENT_ID}},
        headers=headers,
    )
    feedback = client.post(
        f"/cds-services/{SERVICE}/feedback",
        json={
            "feedback": [
                {
                    "card": str(uuid.uuid4()),
                    "outcome": "overridden",
                    "overrideReason": {"userComment": COMMENT_TEXT},
                    "outcomeTimestamp": "2026-11-27T10:00:00Z",
                }
            ]
        },
        headers=headers,
    )

    assert (ok.status_code, precondition.status_code, bad.status_code) == (200, 412, 400)
    assert feedback.status_code == 200
    assert CLINICAL_TEXT in ok.get_data(as_text=True)  # the secrets really passed through
    stderr = capsys.readouterr().err
    records = "\n".join(repr(vars(record)) for record in caplog.records)
    for secret in SECRETS:
        assert secret not in stderr
        assert secret not in caplog.text
        assert secret not in records

    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "cds_hooks.access"]
    assert [(line["method"], line["status"]) for line in access] == [
        ("POST", 200),
        ("POST", 412),
        ("POST", 400),
        ("POST", 200),
    ]
    # hookInstance correlates every line of one call, including the access line.
    assert access[0]["hookInstance"] == served
    assert access[1]["hookInstance"] == failed
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert all(line["path"].startswith("/cds-services/") for line in access)
    assert all(isinstance(line["duration_ms"], float) for line in access)


def test_formatter_redacts_tokens_that_reach_a_message() -> None:
    record = logging.LogRecord(
        "cds_hooks.test",
        logging.WARNING,
        __file__,
        1,
        "got %s and Bearer %s",
        (JWT, "opaque"),
        None,
    )

    line = json.loads(observability.JsonFormatter().format(record))

    assert JWT not in line["message"]
    assert "opaque" not in line["message"]
    assert line["level"] == "WARNING"
    assert line["logger"] == "cds_hooks.test"


def test_exception_text_is_not_logged() -> None:
    try:
        raise ValueError(f"bad value {PATIENT_ID}")
    except ValueError:
        record = logging.LogRecord(
            "cds_hooks.test",
            logging.ERROR,
            __file__,
            1,
            "failed",
            None,
            __import__("sys").exc_info(),
        )

    line = observability.JsonFormatter().format(record)

    assert PATIENT_ID not in line
    assert json.loads(line)["exception"] == "ValueError"


def test_bad_log_level_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CDS_LOG_LEVEL"):
        create_app({"LOG_LEVEL": "chatty", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})


HOSTILE_ID = "mrn-4471-secret-id"


def test_mapping_warnings_are_json_without_ids_or_content(
    app: Flask, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Real mapping (no stand-in): resources the mapper skips or repairs, with ids and text an
    attacker or an EHR could fill with patient data. Every stderr line is one JSON object and
    none carries an id, a reference or clinical text."""
    caplog.set_level(logging.DEBUG)
    subject = {"reference": f"Patient/{PATIENT_ID}"}
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    bad: list[dict[str, Any]] = [
        {"resourceType": "Condition", "id": f"{HOSTILE_ID}-1", "subject": subject,
         "code": {"coding": [{"system": icd, "code": "I82.412"}], "text": CLINICAL_TEXT},
         "onsetDateTime": f"{CLINICAL_TEXT} 2026-13-45"},
        {"resourceType": "Condition", "id": f"{HOSTILE_ID}-2", "subject": f"Patient/{PATIENT_ID}",
         "code": {"coding": [{"system": icd, "code": "I82.412"}]}},
        {"resourceType": "Condition", "id": f"{HOSTILE_ID}-3", "subject": subject,
         "code": {"coding": [{"system": {"uri": icd}, "code": "I87.1"}], "text": CLINICAL_TEXT}},
        {"resourceType": "Observation", "id": f"{HOSTILE_ID}-4", "status": "final",
         "subject": subject, "code": {"coding": [{"system": "http://loinc.org", "code": "777-3"}]},
         "valueQuantity": {"value": CLINICAL_TEXT, "unit": "10*9/L"}},
        {"resourceType": "MedicationRequest", "id": f"{HOSTILE_ID}-5", "status": "active",
         "intent": "order", "subject": subject, "authoredOn": CLINICAL_TEXT,
         "medicationCodeableConcept": {"text": "apixaban"}},
    ]
    body = hook_request(str(uuid.uuid4()), "")
    del body["fhirServer"], body["fhirAuthorization"]
    body["prefetch"]["patient"]["birthDate"] = f"{PATIENT_ID}"
    body["prefetch"]["conditions"]["entry"].extend({"resource": r} for r in bad)
    response = app.test_client().post(f"/cds-services/{SERVICE}", json=body)
    assert response.status_code == 200

    stderr = capsys.readouterr().err
    lines = [line for line in stderr.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line is JSON
    mapping = [p for p in parsed if p["logger"].startswith("fhir_mapping")]
    assert any("could not be read" in p["message"] for p in mapping), parsed
    for secret in (*SECRETS, HOSTILE_ID, "Patient/"):
        assert secret not in stderr
        assert secret not in caplog.text


def test_gunicorn_loggers_write_json(capsys: pytest.CaptureFixture[str]) -> None:
    from gunicorn.config import Config

    gunicorn_logger = observability.GunicornJsonLogger(Config())
    try:
        gunicorn_logger.info("Booting worker with pid: %s", 42)
        gunicorn_logger.error("Worker timeout")
    finally:
        for log in (gunicorn_logger.error_log, gunicorn_logger.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("gunicorn.error", "Booting worker with pid: 42"),
        ("gunicorn.error", "Worker timeout"),
    ]
