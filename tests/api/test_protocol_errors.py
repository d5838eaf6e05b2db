"""Every protocol error is a JSON OperationOutcome with the right status, never HTML."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cds_hooks import pathway
from cds_hooks.service_catalog import PREFETCH_KEYS

SERVICE = "/cds-services/iliac-venous-pathway"
TOKEN = "tok-3c9e1f-secret"


def pv_request(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/example", "patientId": "1288992"},
        "prefetch": dict.fromkeys(PREFETCH_KEYS),
    }
    body.update(changes)
    return body


def assert_outcome(response: Any, status: int, *fragments: str) -> str:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    [issue] = body["issue"]
    assert issue["severity"] == "error"
    assert issue["code"]
    for fragment in fragments:
        assert fragment in issue["diagnostics"]
    return issue["diagnostics"]


@pytest.fixture(autouse=True)
def no_cards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pathway, "run_service", lambda *args, **kwargs: [])


def test_valid_request_is_answered_with_no_cards(client: FlaskClient) -> None:
    response = client.post(SERVICE, json=pv_request())
    assert response.status_code == 200
    assert response.get_json() == {"cards": []}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ('{"hook": ', "not valid JSON"),
        ("", "not valid JSON"),
        ('{"hook": NaN}', "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('"patient-view"', "must be a JSON object"),
    ],
)
def test_malformed_body_is_400(client: FlaskClient, raw: str, fragment: str) -> None:
    response = client.post(SERVICE, data=raw, content_type="application/json")
    assert_outcome(response, 400, fragment)


@pytest.mark.parametrize("field", ["hook", "hookInstance", "context"])
def test_missing_required_field_is_400_naming_it(client: FlaskClient, field: str) -> None:
    body = pv_request()
    del body[field]
    assert_outcome(client.post(SERVICE, json=body), 400, field, "Field required")


@pytest.mark.parametrize("field", ["userId", "patientId"])
def test_missing_context_field_is_400_naming_it(client: FlaskClient, field: str) -> None:
    body = pv_request()
    del body["context"][field]
    assert_outcome(client.post(SERVICE, json=body), 400, f"context.{field}")


def test_order_select_without_selections_is_400(client: FlaskClient) -> None:
    body = pv_request(
        hook="order-select",
        context={
            "userId": "Practitioner/example",
            "patientId": "1288992",
            "draftOrders": {"resourceType": "Bundle", "type": "collection"},
        },
    )
    response = client.post("/cds-services/iliac-venous-order-select", json=body)
    assert_outcome(response, 400, "context.selections")


def test_unsafe_hook_instance_is_400(client: FlaskClient) -> None:
    # hookInstance is written to logs; a newline could forge a log line.
    body = pv_request(hookInstance="abc\nlevel=ERROR forged")
    assert_outcome(client.post(SERVICE, json=body), 400, "hookInstance")


def test_fhir_authorization_without_fhir_server_is_400_and_hides_token(
    client: FlaskClient,
) -> None:
    authorization = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "iliac-cds",
    }
    response = client.post(SERVICE, json=pv_request(fhirAuthorization=authorization))
    message = assert_outcome(response, 400, "fhirServer is required")
    assert TOKEN not in message


def test_invalid_fhir_authorization_never_echoes_the_token(client: FlaskClient) -> None:
    authorization = {"access_token": TOKEN, "token_type": "MAC", "expires_in": "soon"}
    body = pv_request(fhirServer="https://ehr.example.org/fhir", fhirAuthorization=authorization)
    response = client.post(SERVICE, json=body)
    assert TOKEN not in assert_outcome(response, 400, "fhirAuthorization")
    assert TOKEN not in response.get_data(as_text=True)


def test_non_http_fhir_server_is_400(client: FlaskClient) -> None:
    response = client.post(SERVICE, json=pv_request(fhirServer="file:///etc/passwd"))
    assert_outcome(response, 400, "fhirServer")


def test_hook_not_matching_the_service_is_400(client: FlaskClient) -> None:
    response = client.post(SERVICE, json=pv_request(hook="order-sign"))
    assert_outcome(response, 400, "iliac-venous-pathway answers hook 'patient-view'")


def test_prefetch_value_that_is_not_a_resource_is_400(client: FlaskClient) -> None:
    body = pv_request()
    body["prefetch"]["conditions"] = "Condition/1"
    assert_outcome(client.post(SERVICE, json=body), 400, "prefetch.conditions")


def test_unknown_service_is_404(client: FlaskClient) -> None:
    response = client.post("/cds-services/no-such-service", json=pv_request())
    assert_outcome(response, 404, "no-such-service")


def test_unknown_path_is_json_404(client: FlaskClient) -> None:
    assert_outcome(client.get("/nowhere"), 404)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_non_json_content_type_is_415(client: FlaskClient, content_type: str | None) -> None:
    data = json.dumps(pv_request())
    if content_type is None:
        response = client.post(SERVICE, data=data)
    else:
        response = client.post(SERVICE, data=data, content_type=content_type)
    assert_outcome(response, 415, "application/json")


def test_json_with_charset_is_accepted(client: FlaskClient) -> None:
    response = client.post(
        SERVICE, data=json.dumps(pv_request()), content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 200


def test_body_over_the_limit_is_413(make_app: Callable[..., Flask]) -> None:
    client = make_app(MAX_CONTENT_LENGTH=2048).test_client()
    body = pv_request(extension={"org.example.padding": "x" * 4096})
    assert_outcome(client.post(SERVICE, json=body), 413)
    assert client.post(SERVICE, json=pv_request()).status_code == 200


def test_default_limit_is_5_mb(client: FlaskClient) -> None:
    limit = 5 * 1024 * 1024
    padding = "x" * (limit + 1)
    body = pv_request(extension={"org.example.padding": padding})
    assert_outcome(client.post(SERVICE, json=body), 413)
    # Just under the limit is read (and answered normally).
    under = pv_request(extension={"org.example.padding": "x" * (limit - 4096)})
    assert client.post(SERVICE, json=under).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("get", SERVICE, "POST"),
        ("put", SERVICE, "POST"),
        ("post", "/cds-services", "GET"),
        ("delete", "/cds-services", "GET"),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: FlaskClient, method: str, path: str, allowed: str
) -> None:
    response = getattr(client, method)(path)
    assert_outcome(response, 405)
    assert allowed in response.headers["Allow"]


def test_clinical_input_error_is_400_with_its_message(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        raise pathway.ClinicalInputError("draftOrders must be FHIR R4 (got MedicationOrder)")

    monkeypatch.setattr(pathway, "run_service", refuse)
    response = client.post(SERVICE, json=pv_request())
    assert_outcome(response, 400, "draftOrders must be FHIR R4 (got MedicationOrder)")


def test_unexpected_exception_is_500_logged_by_type_only(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        raise KeyError("Jane Doe 1961-07-15")

    monkeypatch.setattr(pathway, "run_service", crash)
    with caplog.at_level(logging.ERROR):
        response = client.post(SERVICE, json=pv_request(), headers={"Origin": "https://a.example"})
    message = assert_outcome(response, 500)
    assert "Jane Doe" not in message
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "KeyError" in caplog.text
    assert "Jane Doe" not in caplog.text
    assert "1288992" not in caplog.text  # the request body is not logged


def test_hook_instance_is_set_for_log_correlation(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def capture(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        from flask import g

        seen.append(g.hook_instance)
        return []

    monkeypatch.setattr(pathway, "run_service", capture)
    client.post(SERVICE, json=pv_request(hookInstance="f00d-1"))
    assert seen == ["f00d-1"]


def test_http_fhir_server_is_refused_when_https_is_required(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(FHIR_REQUIRE_HTTPS=True).test_client()
    response = client.post(SERVICE, json=pv_request(fhirServer="http://ehr.example.org/fhir"))
    assert_outcome(response, 400, "fhirServer must use https")
    assert (
        client.post(SERVICE, json=pv_request(fhirServer="https://ehr.example.org/fhir")).status_code
        == 200
    )
