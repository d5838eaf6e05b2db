"""Catalog v2.2 (part B) when the record comes from the EHR's FHIR server (no prefetch, paged
searches): the Patient's birthDate decides age, and a calf-only DVT on a second result page
still makes an IVC filter order "not indicated"."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

AS_OF = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
PID = "p-v22"
FHIR_JSON = "application/fhir+json"
SUBJECT = {"reference": f"Patient/{PID}"}
KINDS = ("Condition", "Observation", "DiagnosticReport", "MedicationRequest",
         "MedicationStatement", "MedicationAdministration", "Procedure", "Device",
         "AllergyIntolerance", "ImagingStudy")


def day(n: int) -> str:
    return (AS_OF - timedelta(days=n)).date().isoformat()


def observation(rid: str, loinc: str, value: float, unit: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": "final", "subject": SUBJECT,
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
            "effectiveDateTime": day(1),
            "valueQuantity": {"value": value, "unit": unit,
                              "system": "http://unitsofmeasure.org", "code": unit}}


def serve(fhir: HTTPServer, birth: str, resources: list[dict[str, Any]]) -> None:
    """The patient, and every search: Observations on two pages (the second via a next link)."""
    fhir.expect_request(f"/fhir/Patient/{PID}").respond_with_json(
        {"resourceType": "Patient", "id": PID, "birthDate": birth}, content_type=FHIR_JSON)

    def handler(request: Request) -> Response:
        kind = request.path.rsplit("/", 1)[-1]
        found = [r for r in resources if r["resourceType"] == kind]
        bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
        if kind == "Observation" and request.args.get("_page") != "2" and len(found) > 1:
            bundle["link"] = [{"relation": "next",
                               "url": fhir.url_for(f"/fhir/Observation?patient={PID}&_page=2")}]
            found = found[:1]
        elif kind == "Observation" and request.args.get("_page") == "2":
            found = found[1:]
        bundle["entry"] = [{"resource": r} for r in found]
        return Response(json.dumps(bundle), content_type=FHIR_JSON)

    for kind in KINDS:
        fhir.expect_request(f"/fhir/{kind}").respond_with_handler(handler)


def post(app: Flask, fhir: HTTPServer, hook: str, service: str, **context: Any) -> list[dict]:
    body = {"hook": hook, "hookInstance": "8a1c6c1e-1d0b-4c0a-8a63-3f7f7c1f2b22",
            "fhirServer": fhir.url_for("/fhir"),
            "context": {"userId": "Practitioner/example", "patientId": PID, **context}}
    response = app.test_client().post(f"/cds-services/{service}", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["cards"]


def topics(cards: list[dict]) -> list[str]:
    return [c["source"]["topic"]["code"] for c in cards]


DVT = {"resourceType": "Condition", "id": "c-dvt", "subject": SUBJECT,
       "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I82.412"}]},
       "onsetDateTime": day(2), "recordedDate": day(2)}


def test_child_from_the_fhir_server_gets_no_lmwh_dose(
    make_app: Callable[..., Flask], httpserver_ipv4: HTTPServer
) -> None:
    serve(httpserver_ipv4, "2012-03", [DVT, observation("o-w", "29463-7", 12, "kg")])
    cards = post(make_app(NOW=lambda: AS_OF), httpserver_ipv4, "patient-view",
                 "iliac-venous-pathway")
    [lmwh] = [c for c in cards if c["source"]["topic"]["code"] == "dvt-anticoagulation-lmwh"]
    assert "suggestions" not in lmwh
    assert "pediatric hematology" in lmwh["detail"].lower()
    assert "Weight 12 kg" in lmwh["detail"]  # plausible for a child (< 20 kg)


def test_calf_only_dvt_on_a_second_page_makes_a_filter_order_not_indicated(
    make_app: Callable[..., Flask], httpserver_ipv4: HTTPServer
) -> None:
    calf = {"resourceType": "DiagnosticReport", "id": "d-calf", "status": "final",
            "subject": SUBJECT, "effectiveDateTime": day(1),
            "code": {"coding": [{"system": "http://loinc.org", "code": "39432-0"}]},
            "conclusionCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                                            "code": "I82452"}]}]}
    serve(httpserver_ipv4, "1970-01-01",
          [calf, observation("o-w", "29463-7", 80, "kg"),
           observation("o-plt", "777-3", 30, "10*3/uL")])
    draft = {"resourceType": "ServiceRequest", "id": "f1", "status": "draft", "intent": "order",
             "subject": SUBJECT,
             "code": {"coding": [{"system": "http://snomed.info/sct", "code": "397913009"}]}}
    drafts = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]}
    cards = post(make_app(NOW=lambda: AS_OF), httpserver_ipv4, "order-sign",
                 "iliac-venous-order-safety", draftOrders=drafts)
    assert topics(cards) == ["ivc-filter-not-indicated"]
    # The platelet count on the second page makes anticoagulation contraindicated: only the
    # distal level is left as the reason.
    assert cards[0]["summary"] == (
        "IVC filter not indicated: the acute DVT on record is distal (calf veins)"
    )


def test_partial_prefetch_child_birth_date_from_prefetch_weight_from_the_server(
    make_app: Callable[..., Flask], httpserver_ipv4: HTTPServer
) -> None:
    # The server's Patient is an adult: the prefetched Patient (a child) is the one used.
    serve(httpserver_ipv4, "1970-01-01", [observation("o-w", "29463-7", 0.9, "kg")])
    prefetch = {
        "patient": {"resourceType": "Patient", "id": PID, "birthDate": "2026-06-01"},
        "conditions": {"resourceType": "Bundle", "type": "searchset",
                       "entry": [{"resource": DVT}]},
    }
    body = {"hook": "patient-view", "hookInstance": "8a1c6c1e-1d0b-4c0a-8a63-3f7f7c1f2b33",
            "fhirServer": httpserver_ipv4.url_for("/fhir"), "prefetch": prefetch,
            "context": {"userId": "Practitioner/example", "patientId": PID}}
    response = make_app(NOW=lambda: AS_OF).test_client().post(
        "/cds-services/iliac-venous-pathway", json=body)
    assert response.status_code == 200
    [lmwh] = [c for c in response.get_json()["cards"]
              if c["source"]["topic"]["code"] == "dvt-anticoagulation-lmwh"]
    assert "suggestions" not in lmwh and "(0 years)" in lmwh["detail"]
    assert "Weight 0.9 kg" in lmwh["detail"]  # plausible under 18 (>= 0.5 kg)
