"""Realistic FHIR R4 builders and an end-to-end runner for the DVT acceptance tests.

Resources are shaped the way EHRs send them (several codings, text-only variants, ICD-10-CM with
and without dots, OID systems, offsets, date-only dates, BP panels, medicationReference...), and
every case goes through the real patient-view endpoint with a prefetch built from them.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cds_hooks import create_app

Json = dict[str, Any]
AS_OF = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
PID = "pat-dvt-1"
ENCOUNTER = "enc-dvt-1"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10_OID = "urn:oid:2.16.840.1.113883.6.90"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
LOCAL = "urn:iliac-cds:observation"
TOPIC = "urn:iliac-cds:recommendation"

_ids = itertools.count(1)

SEARCH_KEYS = {
    "Condition": "conditions",
    "Observation": "observations",
    "DiagnosticReport": "reports",
    "MedicationRequest": "medicationRequests",
    "MedicationStatement": "medicationStatements",
    "MedicationAdministration": "medicationAdministrations",
    "Procedure": "procedures",
    "Device": "devices",
    "AllergyIntolerance": "allergies",
    "ImagingStudy": "imagingStudies",
}


def ago(days: float = 0, hours: float = 0) -> str:
    """An instant before AS_OF, ISO with a +01:00 offset (as a European EHR sends it)."""
    when = (AS_OF - timedelta(days=days, hours=hours)).astimezone(timezone(timedelta(hours=1)))
    return when.isoformat()


def day(days: int) -> str:
    """A date-only value `days` before AS_OF."""
    return (AS_OF - timedelta(days=days)).date().isoformat()


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def subject() -> Json:
    return {"reference": f"Patient/{PID}"}


def cc(*codings: tuple[str, str, str], text: str | None = None) -> Json:
    out: Json = {"coding": [{"system": s, "code": c, "display": d} for s, c, d in codings]}
    if text is not None:
        out["text"] = text
    if not codings:
        out.pop("coding")
    return out


def patient(
    *, gender: str = "female", birth: str = "1970-05-15", deceased: bool | str | None = None
) -> Json:
    p: Json = {
        "resourceType": "Patient",
        "id": PID,
        "gender": gender,
        "birthDate": birth,
        "name": [{"family": "Test", "given": ["Dvt"]}],
    }
    if isinstance(deceased, bool):
        p["deceasedBoolean"] = deceased
    elif isinstance(deceased, str):
        p["deceasedDateTime"] = deceased
    return p


def condition(
    code: Json,
    *,
    onset: str | None = None,
    recorded: str | None = None,
    clinical: str | None = "active",
    verification: str | None = "confirmed",
    body_site: list[Json] | None = None,
    note: str | None = None,
    encounter: str | None = None,
    category: str = "problem-list-item",
) -> Json:
    c: Json = {
        "resourceType": "Condition",
        "id": _id("cond"),
        "subject": subject(),
        "code": code,
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": category,
                    }
                ]
            }
        ],
    }
    if clinical:
        c["clinicalStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": clinical,
                }
            ]
        }
    if verification:
        c["verificationStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": verification,
                }
            ]
        }
    if onset:
        c["onsetDateTime"] = onset
    if recorded:
        c["recordedDate"] = recorded
    if body_site:
        c["bodySite"] = body_site
    if note:
        c["note"] = [{"text": note}]
    if encounter:
        c["encounter"] = {"reference": f"Encounter/{encounter}"}
    return c


def observation(
    code: Json,
    *,
    effective: str,
    status: str = "final",
    value: Json | None = None,
    body_site: Json | None = None,
    components: list[Json] | None = None,
    note: str | None = None,
    category: str | None = None,
) -> Json:
    o: Json = {
        "resourceType": "Observation",
        "id": _id("obs"),
        "status": status,
        "subject": subject(),
        "code": code,
        "effectiveDateTime": effective,
    }
    if category:
        o["category"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": category,
                    }
                ]
            }
        ]
    if value:
        o.update(value)
    if body_site:
        o["bodySite"] = body_site
    if components:
        o["component"] = components
    if note:
        o["note"] = [{"text": note}]
    return o


def quantity(value: float, unit: str, code: str | None = None) -> Json:
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": code or unit}}


def report(
    code: Json,
    *,
    effective: str,
    conclusion: str | None = None,
    conclusion_codes: list[tuple[str, str, str]] | None = None,
    status: str = "final",
) -> Json:
    r: Json = {
        "resourceType": "DiagnosticReport",
        "id": _id("rep"),
        "status": status,
        "subject": subject(),
        "code": code,
        "effectiveDateTime": effective,
        "issued": effective,
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "RAD"}]}
        ],
    }
    if conclusion:
        r["conclusion"] = conclusion
    if conclusion_codes:
        r["conclusionCode"] = [cc(c) for c in conclusion_codes]
    return r


# ---- common clinical records ------------------------------------------------------------------

LEFT_LEG = cc((SNOMED, "32153003", "Structure of left lower limb"))
RIGHT_LEG = cc((SNOMED, "62175007", "Structure of right lower limb"))


def swelling(
    side: str = "left", *, onset_days: int = 5, text: str | None = None, **kw: Any
) -> Json:
    """Epic-style problem-list swelling: ICD-10-CM R22.42 (left) / R22.41 (right) + SNOMED."""
    icd = {"left": "R22.42", "right": "R22.41", "bilateral": "R22.43", "unknown": "R22.40"}[side]
    code = cc(
        (ICD10, icd, f"Localized swelling, mass and lump, {side} lower limb"),
        (SNOMED, "449614009", "Swelling of lower limb"),
        text=text or f"{side.capitalize()} leg swelling",
    )
    kw.setdefault("onset", ago(days=onset_days))
    kw.setdefault("recorded", ago(days=onset_days))
    return condition(code, **kw)


def dvt(
    icd: str = "I82.412",
    *,
    days: float = 2,
    system: str = ICD10,
    text: str = "Acute deep vein thrombosis",
    **kw: Any,
) -> Json:
    kw.setdefault("onset", ago(days=days))
    kw.setdefault("recorded", ago(days=days))
    return condition(cc((system, icd, text), text=text), **kw)


def duplex(
    side: str = "left",
    *,
    days: float = 1,
    conclusion: str = "No evidence of deep vein thrombosis.",
    loinc: str | None = None,
    negative_code: bool = True,
    positive_code: bool = False,
    **kw: Any,
) -> Json:
    code = loinc or {"left": "39432-0", "right": "39443-7", "bilateral": "39420-5"}[side]
    codes = None
    if positive_code:
        codes = [(SNOMED, "10828004", "Positive")]
    elif negative_code:
        codes = [(SNOMED, "260385009", "Negative")]
    return report(
        cc((LOINC, code, f"US Lower extremity vein {side}"), text=f"Venous duplex {side} leg"),
        effective=ago(days=days),
        conclusion=conclusion,
        conclusion_codes=codes,
        **kw,
    )


def platelets(value: float, unit: str, *, days: float = 1, code: str | None = None) -> Json:
    return observation(
        cc((LOINC, "777-3", "Platelets [#/volume] in Blood by Automated count")),
        effective=ago(days=days),
        value=quantity(value, unit, code),
        category="laboratory",
    )


def weight(value: float, unit: str = "kg", *, days: float = 3, code: str | None = None) -> Json:
    return observation(
        cc((LOINC, "29463-7", "Body weight")),
        effective=ago(days=days),
        value=quantity(value, unit, code),
        category="vital-signs",
    )


def lab(loinc: str, display: str, value: float, unit: str, *, days: float = 2) -> Json:
    return observation(
        cc((LOINC, loinc, display)),
        effective=ago(days=days),
        value=quantity(value, unit),
        category="laboratory",
    )


def bp_panel(
    systolic: float, diastolic: float, *, hours: float = 2, panel: str = "85354-9"
) -> Json:
    return observation(
        cc((LOINC, panel, "Blood pressure panel")),
        effective=ago(hours=hours),
        category="vital-signs",
        components=[
            {
                "code": cc((LOINC, "8480-6", "Systolic blood pressure")),
                "valueQuantity": {
                    "value": systolic,
                    "unit": "mmHg",
                    "system": UCUM,
                    "code": "mm[Hg]",
                },
            },
            {
                "code": cc((LOINC, "8462-4", "Diastolic blood pressure")),
                "valueQuantity": {
                    "value": diastolic,
                    "unit": "mmHg",
                    "system": UCUM,
                    "code": "mm[Hg]",
                },
            },
        ],
    )


def systolic(value: float, *, hours: float = 2) -> Json:
    return observation(
        cc((LOINC, "8480-6", "Systolic blood pressure")),
        effective=ago(hours=hours),
        value=quantity(value, "mmHg", "mm[Hg]"),
        category="vital-signs",
    )


def med_request(
    drug: Json,
    *,
    dose: tuple[float, str] | None = None,
    text: str | None = None,
    authored_days: float = 1,
    status: str = "active",
    route: tuple[str, str] | None = None,
    validity_end: str | None = None,
    contained_medication: bool | str = False,
) -> list[Json]:
    """MedicationRequest (+ a Medication resource when by reference, as Oracle Health sends)."""
    out: list[Json] = []
    mr: Json = {
        "resourceType": "MedicationRequest",
        "id": _id("mr"),
        "status": status,
        "intent": "order",
        "subject": subject(),
        "authoredOn": ago(days=authored_days),
    }
    if contained_medication == "separate":
        med = {"resourceType": "Medication", "id": _id("med"), "code": drug}
        mr["medicationReference"] = {"reference": f"Medication/{med['id']}"}
        out.append(med)
    elif contained_medication:
        med = {"resourceType": "Medication", "id": _id("med"), "code": drug}
        mr["medicationReference"] = {"reference": f"#{med['id']}"}
        mr["contained"] = [med]
    else:
        mr["medicationCodeableConcept"] = drug
    dosage: Json = {}
    if text:
        dosage["text"] = text
    if dose:
        dosage["doseAndRate"] = [
            {"doseQuantity": {"value": dose[0], "unit": dose[1], "system": UCUM, "code": dose[1]}}
        ]
    if route:
        dosage["route"] = cc((SNOMED, route[0], route[1]))
    if dosage:
        mr["dosageInstruction"] = [dosage]
    if validity_end:
        mr["dispenseRequest"] = {"validityPeriod": {"start": day(400), "end": validity_end}}
    out.append(mr)
    return out


ENOXAPARIN = cc(
    (RXNORM, "854235", "enoxaparin sodium 100 MG/ML Injectable Solution"),
    text="Lovenox 100 mg/mL injection",
)
APIXABAN = cc((RXNORM, "1364445", "apixaban 5 MG Oral Tablet [Eliquis]"), text="Eliquis 5 mg")


# ---- running --------------------------------------------------------------------------------


def prefetch(resources: list[Json], pat: Json | None) -> Json:
    out: Json = {"patient": pat if pat is not None else patient()}
    for kind, key in SEARCH_KEYS.items():
        rs = [r for r in resources if r["resourceType"] == kind]
        if kind == "MedicationRequest":  # `_include=MedicationRequest:medication`
            rs += [r for r in resources if r["resourceType"] == "Medication"]
        out[key] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(rs),
            "entry": [
                {"fullUrl": f"https://fhir.example.org/r4/{kind}/{r['id']}", "resource": r}
                for r in rs
            ],
        }
    return out


def call(
    tmp_path: Path,
    resources: list[Json],
    *,
    pat: Json | None = None,
    encounter: str | None = None,
) -> list[Json]:
    app = create_app(
        {
            "TESTING": True,
            "REQUIRE_JWT": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'dvt.sqlite'}",
            "NOW": lambda: AS_OF,
        }
    )
    context: Json = {"userId": "Practitioner/dr-1", "patientId": PID}
    if encounter:
        context["encounterId"] = encounter
    body = {
        "hook": "patient-view",
        "hookInstance": "d1b1c1a1-0000-4000-8000-000000000001",
        "fhirServer": "https://fhir.example.org/r4",
        "context": context,
        "prefetch": prefetch(resources, pat),
    }
    response = app.test_client().post("/cds-services/iliac-venous-pathway", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["cards"]


def ids(cards: list[Json]) -> set[str]:
    return {c["source"]["topic"]["code"] for c in cards}


def card(cards: list[Json], rec_id: str) -> Json:
    found = [c for c in cards if c["source"]["topic"]["code"] == rec_id]
    assert len(found) == 1, (rec_id, ids(cards))
    return found[0]


def resources_of(c: Json) -> list[Json]:
    return [a["resource"] for s in c.get("suggestions", []) for a in s.get("actions", [])]


def codes_of(resource: Json) -> set[str]:
    concept = resource.get("code") or resource.get("medicationCodeableConcept") or {}
    return {cd["code"] for cd in concept.get("coding", [])}
