"""Warm-up at start: one tiny call of each hook through the whole path, before any EHR calls.

The first real call would otherwise pay for what Python does lazily: importing the
fhir.resources models a draft order's R4 check uses, building value-set tables and regular
expressions, the first pydantic validation of each request model. Measured: about 10x a second
call before this. It runs once per process (in the gunicorn master with `preload_app`, so every
forked worker starts warm). It writes nothing: no served-card row, no metric, no log line per call.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from cds_hooks import pathway, service_catalog
from cds_hooks.fetch import fhir_client, prefetch
from cds_hooks.http.models import CONTEXT_MODELS, CdsRequest, to_json, validate_outgoing

logger = logging.getLogger(__name__)

_PATIENT = "warm-up-patient"
_done = 0  # the process id that is warm (a forked child is not, whatever it inherited)


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    entries = [
        {"resource": {**r, "subject": {"reference": f"Patient/{_PATIENT}"}}} for r in resources
    ]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def _coding(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _dosage(text: str) -> dict[str, Any]:
    return {
        "text": text,
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        "route": {"text": "oral"},
        "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
    }


def _prefetch(now: datetime) -> dict[str, Any]:
    """A made-up record holding one resource of each prefetched type with the elements EHRs
    commonly send (names, notes, dosages, attachments), so that their models are loaded."""
    day = (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sct, loinc = "http://snomed.info/sct", "http://loinc.org"
    rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    ucum = "http://unitsofmeasure.org"
    active = _coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active")
    confirmed = _coding(
        "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"
    )
    note = [{"text": "Made-up record for warm-up.", "time": day}]
    period = {"start": day, "end": day}
    return {
        "patient": {"resourceType": "Patient", "id": _PATIENT, "gender": "female",
                    "birthDate": "1980-01-01", "name": [{"family": "Warm", "given": ["Up"]}],
                    "identifier": [{"system": "urn:warm-up", "value": "1"}]},
        "conditions": _bundle(
            {"resourceType": "Condition", "id": "c1", "clinicalStatus": active,
             "verificationStatus": confirmed,
             "category": [_coding("http://terminology.hl7.org/CodeSystem/condition-category",
                                  "problem-list-item", "Problem List Item")],
             "code": _coding(sct, "449614009", "Swelling of left lower limb"),
             "bodySite": [_coding(sct, "32153003", "Structure of left lower limb")],
             "onsetDateTime": day, "recordedDate": day, "note": note,
             "encounter": {"reference": "Encounter/e1"}},
            {"resourceType": "Condition", "id": "c2", "clinicalStatus": active,
             "code": _coding(sct, "128053003", "Deep venous thrombosis"),
             "onsetPeriod": period, "abatementDateTime": day},
        ),
        "observations": _bundle(
            {"resourceType": "Observation", "id": "o1", "status": "final",
             "category": [_coding("http://terminology.hl7.org/CodeSystem/observation-category",
                                  "laboratory", "Laboratory")],
             "code": _coding(loinc, "777-3", "Platelets [#/volume] in Blood"),
             "valueQuantity": {"value": 250, "unit": "10*3/uL", "system": ucum,
                               "code": "10*3/uL"},
             "interpretation": [_coding(
                 "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "N",
                 "Normal")],
             "referenceRange": [{"low": {"value": 150, "unit": "10*3/uL"},
                                 "high": {"value": 400, "unit": "10*3/uL"}}],
             "effectiveDateTime": day, "issued": day, "note": note},
            {"resourceType": "Observation", "id": "o2", "status": "final",
             "code": _coding(loinc, "85354-9", "Blood pressure panel"),
             "effectivePeriod": period,
             "component": [
                 {"code": _coding(loinc, "8480-6", "Systolic blood pressure"),
                  "valueQuantity": {"value": 120, "unit": "mm[Hg]", "system": ucum,
                                    "code": "mm[Hg]"}},
                 {"code": _coding(loinc, "8462-4", "Diastolic blood pressure"),
                  "valueQuantity": {"value": 80, "unit": "mm[Hg]", "system": ucum,
                                    "code": "mm[Hg]"}}]},
            {"resourceType": "Observation", "id": "o3", "status": "final",
             "code": _coding(sct, "449614009", "Swelling of lower limb"),
             "bodySite": _coding(sct, "32153003", "Structure of left lower limb"),
             "valueCodeableConcept": _coding(sct, "373066001", "Yes"),
             "effectiveDateTime": day},
            {"resourceType": "Observation", "id": "o4", "status": "final",
             "code": {"text": "Edema affects quality of life"}, "valueBoolean": True,
             "effectiveDateTime": day},
            {"resourceType": "Observation", "id": "o5", "status": "final",
             "code": _coding(loinc, "29463-7", "Body weight"), "effectiveDateTime": day,
             "valueQuantity": {"value": 70, "unit": "kg", "system": ucum, "code": "kg"}},
        ),
        "reports": _bundle(
            {"resourceType": "DiagnosticReport", "id": "r1", "status": "final",
             "category": [_coding("http://terminology.hl7.org/CodeSystem/v2-0074", "RAD",
                                  "Radiology")],
             "code": _coding(loinc, "39432-0", "Lower extremity vein Study (US.doppler) - left"),
             "effectiveDateTime": day, "issued": day,
             "conclusion": "Complete study. No evidence of deep vein thrombosis.",
             "conclusionCode": [_coding(sct, "260385009", "Negative")],
             "presentedForm": [{"contentType": "text/plain", "data": "Tm8gRFZULg=="}]},
            {"resourceType": "DiagnosticReport", "id": "r2", "status": "final",
             "code": _coding(sct, "431676002", "CT venography"), "effectivePeriod": period,
             "conclusion": "No pelvic mass. No compression of the iliac veins."},
        ),
        "medicationRequests": _bundle(
            {"resourceType": "MedicationRequest", "id": "m1", "status": "active",
             "intent": "order", "authoredOn": day,
             "medicationCodeableConcept": _coding(rxnorm, "197361", "amlodipine 5 MG Tablet"),
             "dosageInstruction": [_dosage("1 tablet daily")], "note": note,
             "reasonCode": [_coding(sct, "38341003", "Hypertension")]},
        ),
        "medicationStatements": _bundle(
            {"resourceType": "MedicationStatement", "id": "m2", "status": "active",
             "medicationCodeableConcept": _coding(rxnorm, "310965", "ibuprofen 200 MG Tablet"),
             "effectivePeriod": period, "dosage": [_dosage("as needed")]},
        ),
        "medicationAdministrations": _bundle(
            {"resourceType": "MedicationAdministration", "id": "m3", "status": "completed",
             "effectiveDateTime": day,
             "medicationCodeableConcept": _coding(rxnorm, "854235", "enoxaparin 100 MG/ML"),
             "dosage": {"text": "40 mg", "route": {"text": "subcutaneous"},
                        "dose": {"value": 40, "unit": "mg", "system": ucum, "code": "mg"}}},
        ),
        "procedures": _bundle(
            {"resourceType": "Procedure", "id": "p1", "status": "completed",
             "code": _coding("http://www.cms.gov/Medicare/Coding/ICD10", "067D3DZ",
                             "Dilation of Left Common Iliac Vein with Intraluminal Device"),
             "performedPeriod": {"start": "2020-01-01", "end": "2020-01-01"},
             "bodySite": [_coding(sct, "46027005", "Common iliac vein")],
             "note": note},
        ),
        "devices": {"resourceType": "Bundle", "type": "searchset", "total": 1, "entry": [
            {"resource": {"resourceType": "Device", "id": "d1", "status": "active",
                          "patient": {"reference": f"Patient/{_PATIENT}"},
                          "type": _coding(sct, "14106009", "Cardiac pacemaker")}}]},
        "allergies": {"resourceType": "Bundle", "type": "searchset", "total": 1, "entry": [
            {"resource": {"resourceType": "AllergyIntolerance", "id": "a1",
                          "clinicalStatus": _coding(
                              "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                              "active", "Active"),
                          "patient": {"reference": f"Patient/{_PATIENT}"},
                          "recordedDate": day,
                          "code": _coding(rxnorm, "67108", "enoxaparin"),
                          "reaction": [{"manifestation": [_coding(sct, "271807003", "Rash")]}]}}]},
        "imagingStudies": _bundle(
            {"resourceType": "ImagingStudy", "id": "i1", "status": "available", "started": day,
             "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM",
                           "code": "US"}],
             "procedureCode": [_coding(sct, "423839000", "Duplex ultrasound of vein")],
             "series": [{"uid": "1.2.3", "modality": {
                 "system": "http://dicom.nema.org/resources/ontology/DCM", "code": "US"},
                 "bodySite": {"system": sct, "code": "32153003"}}]},
        ),
    }  # fmt: skip


def _draft_orders() -> dict[str, Any]:
    mm = {"unit": "mm", "system": "http://unitsofmeasure.org", "code": "mm"}
    sct = "http://snomed.info/sct"
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "DeviceRequest", "id": "w1", "status": "draft",
                      "intent": "order", "subject": {"reference": f"Patient/{_PATIENT}"},
                      "codeCodeableConcept": {"text": "Iliac venous stent, left common iliac vein"},
                      "note": [{"text": "Left common iliac vein stent 16 x 90 mm"}],
                      "parameter": [
                          {"code": _coding(sct, "81827009", "Diameter"),
                           "valueQuantity": {"value": 16, **mm}},
                          {"code": _coding(sct, "410668003", "Length"),
                           "valueQuantity": {"value": 90, **mm}}]}},
        {"resource": {"resourceType": "MedicationRequest", "id": "w2", "status": "draft",
                      "intent": "order", "subject": {"reference": f"Patient/{_PATIENT}"},
                      "medicationCodeableConcept": _coding(
                          "http://www.nlm.nih.gov/research/umls/rxnorm", "854235",
                          "enoxaparin sodium 100 MG/ML Injectable Solution"),
                      "dosageInstruction": [_dosage("1 mg/kg every 12 hours")],
                      "reasonCode": [_coding(sct, "128053003", "Deep venous thrombosis")]}},
        {"resource": {"resourceType": "ServiceRequest", "id": "w3", "status": "draft",
                      "intent": "order", "subject": {"reference": f"Patient/{_PATIENT}"},
                      "code": {"text": "Intravascular ultrasound of left iliac vein"},
                      "bodySite": [_coding(sct, "32153003", "Structure of left lower limb")],
                      "orderDetail": [{"text": "left common iliac vein"}]}},
    ]}  # fmt: skip


def calls(now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """(service id, hook request) of each service, on the made-up record."""
    base = {"userId": "Practitioner/warm-up", "patientId": _PATIENT}
    out: list[tuple[str, dict[str, Any]]] = []
    for service in service_catalog.SERVICES:
        context: dict[str, Any] = dict(base)
        if service.hook != "patient-view":
            context["draftOrders"] = _draft_orders()
        if service.hook == "order-select":
            context["selections"] = ["DeviceRequest/w1"]
        request = {"hook": service.hook, "hookInstance": "warm-up", "context": context,
                   "prefetch": _prefetch(now)}  # fmt: skip
        out.append((service.id, request))
    return out


def run_call(app: Flask, service_id: str, body: dict[str, Any], now: datetime) -> int:
    """One call through request models, prefetch, pathway and response model; the card count."""
    service = service_catalog.get_service(service_id)
    assert service is not None
    raw = json.loads(json.dumps(body))  # the parser too
    cds_request = CdsRequest.model_validate(raw)
    context = CONTEXT_MODELS[service.hook].model_validate(cds_request.context)
    context_dict = context.model_dump(exclude_none=True)
    # No fhirServer in a warm-up call: the app's policy is never consulted.
    data = prefetch.resolve(app, service, cds_request, context_dict, fhir_client.base_policy(app))
    cards = pathway.run_service(service.id, context_dict, data, as_of=now, config=app.config)
    payload = to_json(validate_outgoing({"cards": cards}))
    app.json.dumps(payload)
    return len(payload["cards"])


def init_app(app: Flask) -> None:
    """Warm the process up once (the first app of a process; later apps find it warm).

    `app.extensions["cds_warm_up"]` runs it again in a process forked from a warm one (gunicorn
    `post_worker_init`, gunicorn.conf.py): the imports are shared, but the first call of a fresh
    fork still paid ~3x a second call in copy-on-write page faults; paying them before the
    worker accepts keeps them off the first EHR call."""
    app.extensions["cds_warm_up"] = lambda: warm_up(app)
    warm_up(app)


def warm_up(app: Flask) -> None:
    global _done
    if _done == os.getpid():
        return
    started = time.perf_counter()
    now = datetime.now(UTC)
    try:
        with app.app_context():
            for service_id, body in calls(now):
                run_call(app, service_id, body, now)
    except Exception as exc:  # noqa: BLE001 - a cold first call beats a service that won't start
        logger.error("warm-up failed (%s); the first calls will be slower", type(exc).__name__)
        return
    _done = os.getpid()
    logger.debug("warm-up took %.0f ms", (time.perf_counter() - started) * 1000)
