"""Prefetch values in every shape a real EHR (or the sandbox) sends (checklist P5-P11), and the
fallback searches against a loopback FHIR server: trailing slashes, relative `next` links,
long paged records, OperationOutcomes inside a searchset."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cds_hooks import pathway
from cds_hooks.fetch.patient_data import PatientData
from cds_hooks.fetch.prefetch import search_failed, with_page_size
from cds_hooks.service_catalog import PREFETCH_KEYS

SERVICE = "/cds-services/iliac-venous-pathway"
PATIENT_ID = "p-7"
PATIENT = {"resourceType": "Patient", "id": PATIENT_ID}


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> list[PatientData]:
    seen: list[PatientData] = []

    def capture(service_id: str, context: Any, data: PatientData, **kwargs: Any) -> list[Any]:
        seen.append(data)
        return []

    monkeypatch.setattr(pathway, "run_service", capture)
    return seen


def body(prefetch: dict[str, Any] | None, fhir_server: str | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "0b5e3f2a-1c4d-4e6f-8a9b-0c1d2e3f4a5b",
        "context": {"userId": "Practitioner/example", "patientId": PATIENT_ID},
    }
    if prefetch is not None:
        request["prefetch"] = prefetch
    if fhir_server is not None:
        request["fhirServer"] = fhir_server
    return request


def full_prefetch(**values: Any) -> dict[str, Any]:
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    prefetch["patient"] = PATIENT
    prefetch.update(values)
    return prefetch


def searchset(*resources: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
        **extra,
    }


def outcome_entry(severity: str) -> dict[str, Any]:
    return {
        "resource": {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": "incomplete"}],
        },
        "search": {"mode": "outcome"},
    }


def condition(n: int) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": f"c-{n}", "subject": {"reference": "Patient/p-7"}}


def ids(data: PatientData) -> list[str]:
    return [r["id"] for r in data.resources]


# --------------------------------------------------------------------------- prefetch only


def test_empty_searchset_with_total_is_no_data_and_retrieved(
    client: FlaskClient, received: list[PatientData]
) -> None:
    empty = {"resourceType": "Bundle", "type": "searchset", "total": 0}
    response = client.post(SERVICE, json=body(full_prefetch(conditions=empty)))
    assert response.status_code == 200
    [data] = received
    assert ids(data) == [PATIENT_ID]
    assert data.retrieved == frozenset(PREFETCH_KEYS)


def test_include_entries_are_kept_and_warning_outcomes_dropped(
    client: FlaskClient, received: list[PatientData]
) -> None:
    bundle = searchset(
        {"resourceType": "MedicationRequest", "id": "mr-1", "subject": {"reference": "Patient/p-7"}}
    )
    bundle["entry"].append(
        {"resource": {"resourceType": "Medication", "id": "med-1"}, "search": {"mode": "include"}}
    )
    bundle["entry"].append(outcome_entry("warning"))
    response = client.post(SERVICE, json=body(full_prefetch(medicationRequests=bundle)))
    assert response.status_code == 200
    assert ids(received[0]) == [PATIENT_ID, "mr-1", "med-1"]


@pytest.mark.parametrize("severity", ["error", "fatal"])
def test_error_outcome_inside_a_prefetched_searchset_is_not_trusted(
    client: FlaskClient, received: list[PatientData], severity: str
) -> None:
    # P9: check prefetched data for OperationOutcomes. A searchset that says it failed may be
    # missing records; without fhirServer to fetch them again the answer is 412, not a guess.
    bundle = searchset(condition(1))
    bundle["entry"].append(outcome_entry(severity))
    response = client.post(SERVICE, json=body(full_prefetch(conditions=bundle)))
    assert response.status_code == 412
    assert "conditions" in response.get_json()["issue"][0]["diagnostics"]
    assert received == []


def test_search_failed_reads_only_error_severities() -> None:
    assert not search_failed(searchset(condition(1)))
    assert not search_failed({"resourceType": "Patient"})
    assert not search_failed({"resourceType": "Bundle", "entry": [outcome_entry("information")]})
    assert search_failed({"resourceType": "Bundle", "entry": [outcome_entry("error")]})


# --------------------------------------------------------------------------- fallback fetches


class PagedServer:
    """`Condition?patient=` in pages of `size`, with relative next links; other searches empty."""

    def __init__(self, total: int, size: int = 20) -> None:
        self.total, self.size = total, size
        self.paths: list[str] = []

    def __call__(self, request: Request) -> Response:
        self.paths.append(request.full_path.rstrip("?"))
        kind = request.path.rsplit("/", 1)[-1]
        if kind != "Condition":
            return _json(searchset())
        page = int(request.args.get("page", "1"))
        start = (page - 1) * self.size
        items = [condition(n) for n in range(start, min(start + self.size, self.total))]
        bundle = searchset(*items, total=self.total)
        if start + self.size < self.total:
            # Relative, as some servers write it: resolved against fhirServer.
            bundle["link"] = [{"relation": "next", "url": f"Condition?patient=p-7&page={page + 1}"}]
        return _json(bundle)


def _json(value: dict[str, Any]) -> Response:
    import json

    return Response(json.dumps(value), content_type="application/fhir+json")


@pytest.fixture
def paged(httpserver: HTTPServer) -> PagedServer:
    server = PagedServer(total=500)  # 25 pages of 20: over the old 20-page cap
    httpserver.expect_request(re.compile(r"^/fhir/.*")).respond_with_handler(server)
    return server


def test_long_record_paged_by_20_is_read_completely(
    client: FlaskClient, httpserver: HTTPServer, paged: PagedServer, received: list[PatientData]
) -> None:
    prefetch = full_prefetch()
    del prefetch["conditions"]
    response = client.post(SERVICE, json=body(prefetch, httpserver.url_for("/fhir")))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len([r for r in received[0].resources if r["resourceType"] == "Condition"]) == 500
    # Our own search asks for bigger pages; the server may ignore that, as this one does.
    assert paged.paths[0] == "/fhir/Condition?patient=p-7&_count=100"
    assert paged.paths[1] == "/fhir/Condition?patient=p-7&page=2"
    assert len(paged.paths) == 25


def test_fhir_server_with_trailing_slash(
    client: FlaskClient, httpserver: HTTPServer, paged: PagedServer, received: list[PatientData]
) -> None:
    paged.total = 3
    prefetch = full_prefetch()
    del prefetch["conditions"]
    response = client.post(SERVICE, json=body(prefetch, httpserver.url_for("/fhir/")))
    assert response.status_code == 200
    assert paged.paths == ["/fhir/Condition?patient=p-7&_count=100"]
    assert ids(received[0])[1:] == ["c-0", "c-1", "c-2"]


def test_prefetched_first_page_with_relative_next_link_is_completed(
    client: FlaskClient, httpserver: HTTPServer, paged: PagedServer, received: list[PatientData]
) -> None:
    paged.total = 45
    first = searchset(*[condition(n) for n in range(20)], total=45)
    first["link"] = [{"relation": "next", "url": "Condition?patient=p-7&page=2"}]
    prefetch = full_prefetch(conditions=first)
    response = client.post(SERVICE, json=body(prefetch, httpserver.url_for("/fhir")))
    assert response.status_code == 200
    assert paged.paths == [
        "/fhir/Condition?patient=p-7&page=2",
        "/fhir/Condition?patient=p-7&page=3",
    ]
    assert len(received[0].resources) == 1 + 45


def test_error_outcome_inside_a_prefetched_searchset_is_fetched_again(
    client: FlaskClient, httpserver: HTTPServer, paged: PagedServer, received: list[PatientData]
) -> None:
    paged.total = 2
    bundle = searchset(condition(99))
    bundle["entry"].append(outcome_entry("error"))
    response = client.post(
        SERVICE, json=body(full_prefetch(conditions=bundle), httpserver.url_for("/fhir"))
    )
    assert response.status_code == 200
    assert ids(received[0])[1:] == ["c-0", "c-1"]


def test_error_outcome_in_our_own_search_is_412(
    client: FlaskClient, httpserver: HTTPServer, received: list[PatientData]
) -> None:
    failing = searchset(condition(1))
    failing["entry"].append(outcome_entry("error"))
    httpserver.expect_request("/fhir/Condition").respond_with_json(failing)
    prefetch = full_prefetch()
    del prefetch["conditions"]
    response = client.post(SERVICE, json=body(prefetch, httpserver.url_for("/fhir")))
    assert response.status_code == 412
    assert received == []


def test_page_cap_still_bounds_the_work(
    make_app: Any, httpserver: HTTPServer, paged: PagedServer, received: list[PatientData]
) -> None:
    app: Flask = make_app(FHIR_MAX_PAGES=24)
    prefetch = full_prefetch()
    del prefetch["conditions"]
    response = app.test_client().post(SERVICE, json=body(prefetch, httpserver.url_for("/fhir")))
    assert response.status_code == 412
    assert "more than 24 pages" in response.get_json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("Condition?patient=1", "Condition?patient=1&_count=100"),
        ("Condition?patient=1&_count=10", "Condition?patient=1&_count=10"),
        ("Condition?_count=5&patient=1", "Condition?_count=5&patient=1"),
        ("Condition", "Condition?_count=100"),
    ],
)
def test_with_page_size(url: str, expected: str) -> None:
    assert with_page_size(url, 100) == expected


def test_defaults_allow_long_records() -> None:
    from cds_hooks.config import DEFAULTS

    assert DEFAULTS["FHIR_MAX_PAGES"] == 200
    assert DEFAULTS["FHIR_PAGE_SIZE"] == 100
    # Issue #2: "body over CDS_MAX_CONTENT_LENGTH (default 5 MB) -> 413".
    assert DEFAULTS["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024


def test_total_fetch_budget_ends_a_slow_paged_search(
    make_app: Any, httpserver: HTTPServer, received: list[PatientData]
) -> None:
    import time

    server = PagedServer(total=500)

    def slow(request: Request) -> Response:
        time.sleep(0.2)
        return server(request)

    httpserver.expect_request(re.compile(r"^/fhir/.*")).respond_with_handler(slow)
    app: Flask = make_app(FHIR_TOTAL_TIMEOUT=0.5, FHIR_PARALLEL_FETCHES=1)
    prefetch = full_prefetch()
    del prefetch["conditions"]
    response = app.test_client().post(SERVICE, json=body(prefetch, httpserver.url_for("/fhir")))
    assert response.status_code == 412
    diagnostics = response.get_json()["issue"][0]["diagnostics"]
    # The last request's own timeout is cut to what is left of the budget.
    assert "CDS_FHIR_TOTAL_TIMEOUT" in diagnostics or "timed out" in diagnostics
    assert 2 <= len(server.paths) <= 4  # stopped long before page 25
    assert received == []


def test_total_fetch_budget_is_validated(make_app: Any) -> None:
    from cds_hooks.config import ConfigError

    with pytest.raises(ConfigError, match="CDS_FHIR_TOTAL_TIMEOUT"):
        make_app(FHIR_TOTAL_TIMEOUT=0)
