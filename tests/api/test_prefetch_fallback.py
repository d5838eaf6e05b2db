"""Fallback fetches against a real FHIR server on loopback (pytest-httpserver)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cds_hooks import observability, pathway
from cds_hooks.fetch.patient_data import PatientData
from cds_hooks.service_catalog import PREFETCH_KEYS, PREFETCH_TEMPLATES

SERVICE = "/cds-services/iliac-venous-pathway"
TOKEN = "fhir-at-9f8e7d6c5b4a"
PATIENT_ID = "p-1"
PATIENT = {"resourceType": "Patient", "id": PATIENT_ID}
FHIR_JSON = "application/fhir+json"
SEARCH_TYPES = {
    key: template.split("?")[0] for key, template in PREFETCH_TEMPLATES.items() if "?" in template
}


def searchset(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }
    if next_url:
        bundle["link"] = [
            {"relation": "self", "url": "ignored"},
            {"relation": "next", "url": next_url},
        ]
    return bundle


def authorization() -> dict[str, Any]:
    return {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "iliac-cds",
        "patient": PATIENT_ID,
    }


@pytest.fixture
def fhir(httpserver_ipv4: HTTPServer) -> Iterator[HTTPServer]:
    yield httpserver_ipv4


@pytest.fixture
def base_url(fhir: HTTPServer) -> str:
    return fhir.url_for("/fhir")


def serve_record(fhir: HTTPServer, skip: frozenset[str] = frozenset()) -> None:
    """Serve the patient and one resource per search (Observation: two pages)."""
    if "patient" not in skip:
        fhir.expect_request(f"/fhir/Patient/{PATIENT_ID}").respond_with_json(
            PATIENT, content_type=FHIR_JSON
        )
    for key, kind in SEARCH_TYPES.items():
        if key in skip:
            continue
        first = searchset({"resourceType": kind, "id": f"{kind}-1"})
        if kind == "Observation":
            first = searchset(
                {"resourceType": kind, "id": f"{kind}-1"},
                next_url=fhir.url_for("/fhir/Observation?patient=p-1&_page=2"),
            )
            fhir.expect_request(
                "/fhir/Observation", query_string={"patient": PATIENT_ID, "_page": "2"}
            ).respond_with_json(
                searchset(
                    {"resourceType": kind, "id": f"{kind}-2"},
                    next_url="Observation?patient=p-1&_page=3",  # relative next link
                ),
                content_type=FHIR_JSON,
            )
            fhir.expect_request(
                "/fhir/Observation", query_string={"patient": PATIENT_ID, "_page": "3"}
            ).respond_with_json(
                searchset({"resourceType": kind, "id": f"{kind}-3"}), content_type=FHIR_JSON
            )
        # Our first-page searches ask for FHIR_PAGE_SIZE results; next links are followed as given.
        fhir.expect_request(
            f"/fhir/{kind}", query_string={"patient": PATIENT_ID, "_count": "100"}
        ).respond_with_json(first, content_type=FHIR_JSON)


def request_body(base_url: str | None, prefetch: dict[str, Any] | None, **changes: Any) -> dict:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "5f0c3c3e-1d0b-4c0a-8a63-3f7f7c1f2b11",
        "context": {"userId": "Practitioner/example", "patientId": PATIENT_ID},
    }
    if base_url:
        body["fhirServer"] = base_url
    if prefetch is not None:
        body["prefetch"] = prefetch
    body.update(changes)
    return body


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> list[PatientData]:
    seen: list[PatientData] = []

    def capture(service_id: str, context: Any, data: PatientData, **kwargs: Any) -> list[Any]:
        seen.append(data)
        return []

    monkeypatch.setattr(pathway, "run_service", capture)
    return seen


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    recorded: list[str] = []
    monkeypatch.setattr(observability, "record_fhir_fetch", recorded.append)
    return recorded


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(FHIR_READ_TIMEOUT=0.5, FHIR_CONNECT_TIMEOUT=0.5).test_client()


def ids(data: PatientData) -> list[str]:
    return [r["id"] for r in data.resources]


def paths(fhir: HTTPServer) -> list[str]:
    return [request.full_path.rstrip("?") for request, _ in fhir.log]


@pytest.mark.parametrize("parallel", [1, 4])
def test_everything_is_fetched_with_the_token_and_all_pages(
    make_app: Callable[..., Flask],
    fhir: HTTPServer,
    base_url: str,
    received: list[PatientData],
    outcomes: list[str],
    parallel: int,
) -> None:
    client = make_app(FHIR_PARALLEL_FETCHES=parallel).test_client()
    serve_record(fhir)
    body = request_body(base_url, None, fhirAuthorization=authorization())
    response = client.post(SERVICE, json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    [data] = received
    assert ids(data)[:4] == ["p-1", "Condition-1", "Observation-1", "Observation-2"]
    assert "Observation-3" in ids(data)
    assert len(ids(data)) == 1 + len(SEARCH_TYPES) + 2
    assert data.retrieved == frozenset(PREFETCH_KEYS)
    for request, _ in fhir.log:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["Accept"] == FHIR_JSON
    assert outcomes == ["ok"] * len(fhir.log)


def test_no_authorization_header_without_fhir_authorization(
    client: FlaskClient, fhir: HTTPServer, base_url: str, received: list[PatientData]
) -> None:
    serve_record(fhir)
    assert client.post(SERVICE, json=request_body(base_url, None)).status_code == 200
    assert fhir.log
    assert all("Authorization" not in request.headers for request, _ in fhir.log)


def test_partial_prefetch_is_completed_and_null_is_not_fetched(
    client: FlaskClient, fhir: HTTPServer, base_url: str, received: list[PatientData]
) -> None:
    given = {"patient": PATIENT, "conditions": searchset({"resourceType": "Condition", "id": "c"})}
    nulls = {"medicationRequests": None, "devices": None, "observations": None}
    serve_record(fhir, skip=frozenset(given) | frozenset(nulls))
    body = request_body(base_url, {**given, **nulls}, fhirAuthorization=authorization())
    assert client.post(SERVICE, json=body).status_code == 200
    requested = {path.split("?")[0].removeprefix("/fhir/") for path in paths(fhir)}
    assert requested == {SEARCH_TYPES[k] for k in SEARCH_TYPES if k not in given and k not in nulls}
    [data] = received
    assert ids(data)[:2] == ["p-1", "c"]
    assert data.retrieved == frozenset(PREFETCH_KEYS)


def test_operation_outcome_prefetch_is_fetched_again(
    client: FlaskClient, fhir: HTTPServer, base_url: str, received: list[PatientData]
) -> None:
    serve_record(fhir, skip=frozenset(PREFETCH_KEYS) - {"allergies"})
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    prefetch["patient"] = PATIENT
    prefetch["allergies"] = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "timeout"}],
    }
    assert client.post(SERVICE, json=request_body(base_url, prefetch)).status_code == 200
    assert paths(fhir) == ["/fhir/AllergyIntolerance?patient=p-1&_count=100"]  # FHIR_PAGE_SIZE
    assert ids(received[0]) == ["p-1", "AllergyIntolerance-1"]


def test_paginated_prefetch_bundle_is_completed_through_fhir_server(
    client: FlaskClient, fhir: HTTPServer, base_url: str, received: list[PatientData]
) -> None:
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    prefetch["patient"] = PATIENT
    prefetch["procedures"] = searchset(
        {"resourceType": "Procedure", "id": "pr-1"},
        next_url=fhir.url_for("/fhir/Procedure?patient=p-1&_page=2"),
    )
    fhir.expect_request(
        "/fhir/Procedure", query_string={"patient": PATIENT_ID, "_page": "2"}
    ).respond_with_json(searchset({"resourceType": "Procedure", "id": "pr-2"}))
    body = request_body(base_url, prefetch, fhirAuthorization=authorization())
    assert client.post(SERVICE, json=body).status_code == 200
    assert ids(received[0]) == ["p-1", "pr-1", "pr-2"]


def failing_fetch(
    client: FlaskClient, base_url: str, caplog: pytest.LogCaptureFixture
) -> tuple[int, str]:
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    del prefetch["conditions"]
    prefetch["patient"] = PATIENT
    body = request_body(base_url, prefetch, fhirAuthorization=authorization())
    with caplog.at_level(logging.DEBUG):
        response = client.post(SERVICE, json=body)
    text = response.get_data(as_text=True)
    assert TOKEN not in caplog.text
    assert TOKEN not in text
    assert response.mimetype == "application/json"
    return response.status_code, json.loads(text)["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(401, "http-401"), (403, "http-403"), (404, "http-404"), (500, "http-500")],
)
def test_http_errors_are_412_naming_the_key(
    client: FlaskClient,
    fhir: HTTPServer,
    base_url: str,
    received: list[PatientData],
    outcomes: list[str],
    caplog: pytest.LogCaptureFixture,
    status: int,
    outcome: str,
) -> None:
    fhir.expect_request("/fhir/Condition").respond_with_json(
        {"resourceType": "OperationOutcome", "issue": [{"diagnostics": f"leaked {TOKEN}"}]},
        status=status,
    )
    code, message = failing_fetch(client, base_url, caplog)
    assert code == 412
    assert "'conditions'" in message and f"HTTP {status}" in message
    assert outcomes == [outcome]
    assert received == []


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("{not json", "malformed JSON"),
        ('["a list"]', "not a FHIR resource"),
        ('{"resourceType": "Condition", "id": "1"}', "other than a Bundle"),
    ],
)
def test_unusable_answers_are_412(
    client: FlaskClient,
    fhir: HTTPServer,
    base_url: str,
    outcomes: list[str],
    caplog: pytest.LogCaptureFixture,
    payload: str,
    fragment: str,
) -> None:
    fhir.expect_request("/fhir/Condition").respond_with_data(payload, content_type=FHIR_JSON)
    code, message = failing_fetch(client, base_url, caplog)
    assert code == 412
    assert fragment in message


def test_patient_read_404_is_412(
    client: FlaskClient, fhir: HTTPServer, base_url: str, outcomes: list[str]
) -> None:
    fhir.expect_request(f"/fhir/Patient/{PATIENT_ID}").respond_with_data("", status=404)
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    del prefetch["patient"]
    response = client.post(SERVICE, json=request_body(base_url, prefetch))
    assert response.status_code == 412
    assert "'patient'" in response.get_json()["issue"][0]["diagnostics"]
    assert outcomes == ["http-404"]


def test_timeout_is_412(
    client: FlaskClient,
    fhir: HTTPServer,
    base_url: str,
    outcomes: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    released = threading.Event()

    def slow(request: Request) -> Response:
        # Answers only after the client gave up (FHIR_READ_TIMEOUT=0.5); released at the end
        # so the single-threaded server is free for the next test.
        released.wait(10)
        return Response(json.dumps(searchset()), content_type=FHIR_JSON)

    fhir.expect_request("/fhir/Condition").respond_with_handler(slow)
    try:
        code, message = failing_fetch(client, base_url, caplog)
    finally:
        released.set()
    assert code == 412
    assert "timed out" in message
    assert outcomes == ["timeout"]


def test_unreachable_server_is_412(
    client: FlaskClient, outcomes: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    code, message = failing_fetch(client, "http://127.0.0.1:9/fhir", caplog)
    assert code == 412
    assert "unreachable" in message
    assert outcomes == ["error"]


def test_next_link_to_another_origin_never_gets_the_token(
    client: FlaskClient,
    fhir: HTTPServer,
    base_url: str,
    received: list[PatientData],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fhir.expect_request("/fhir/Condition").respond_with_json(
        searchset(
            {"resourceType": "Condition", "id": "c-1"},
            next_url="http://attacker.invalid/fhir/Condition?page=2",
        )
    )
    code, message = failing_fetch(client, base_url, caplog)
    assert code == 412
    assert "outside fhirServer" in message
    assert len(fhir.log) == 1


def test_too_many_pages_is_412_not_a_silent_truncation(
    make_app: Callable[..., Flask], fhir: HTTPServer, base_url: str, received: list[PatientData]
) -> None:
    client = make_app(FHIR_MAX_PAGES=2).test_client()
    for page in (1, 2, 3):
        query = (
            {"patient": PATIENT_ID, "_count": "100"}  # first page: our search, with _count
            if page == 1
            else {"patient": PATIENT_ID, "_page": str(page)}
        )
        fhir.expect_request("/fhir/Condition", query_string=query).respond_with_json(
            searchset(
                {"resourceType": "Condition", "id": f"c-{page}"},
                next_url=f"Condition?patient=p-1&_page={page + 1}",
            )
        )
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    prefetch["patient"] = PATIENT
    del prefetch["conditions"]
    response = client.post(SERVICE, json=request_body(base_url, prefetch))
    assert response.status_code == 412
    assert "more than 2 pages" in response.get_json()["issue"][0]["diagnostics"]
    assert len(fhir.log) == 2
    assert received == []


def test_paging_loop_is_412(
    client: FlaskClient, fhir: HTTPServer, base_url: str, received: list[PatientData]
) -> None:
    fhir.expect_request("/fhir/Condition").respond_with_json(
        searchset({"resourceType": "Condition", "id": "c"}, next_url="Condition?patient=p-1&x=1")
    )
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    prefetch["patient"] = PATIENT
    del prefetch["conditions"]
    response = client.post(SERVICE, json=request_body(base_url, prefetch))
    assert response.status_code == 412
    assert "loops" in response.get_json()["issue"][0]["diagnostics"]


def test_one_session_is_shared_and_refuses_cookies(
    client: FlaskClient, fhir: HTTPServer, base_url: str, received: list[PatientData]
) -> None:
    fhir.expect_request(f"/fhir/Patient/{PATIENT_ID}").respond_with_response(
        Response(json.dumps(PATIENT), content_type=FHIR_JSON, headers={"Set-Cookie": "s=user-a"})
    )
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    del prefetch["patient"]
    for _ in range(2):
        assert client.post(SERVICE, json=request_body(base_url, prefetch)).status_code == 200
    assert len(fhir.log) == 2
    assert all("Cookie" not in request.headers for request, _ in fhir.log)
    session = client.application.extensions["cds_fhir_session"]
    assert len(session.cookies) == 0


def test_first_failing_key_in_template_order_is_reported(
    client: FlaskClient, fhir: HTTPServer, base_url: str, received: list[PatientData]
) -> None:
    # Nothing is served: every parallel fetch fails; the answer must not depend on which
    # thread lost the race.
    response = client.post(SERVICE, json=request_body(base_url, None))
    assert response.status_code == 412
    assert "'patient'" in response.get_json()["issue"][0]["diagnostics"]
    assert received == []
