"""Procedure / Device -> IliacStent (site-gated) and hip arthroplasty."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cds_hooks.guideline.findings import Concept, Diagnosis, IliacStent, Side
from fhir_mapping import procedures

SNOMED = "http://snomed.info/sct"
PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
CPT = "http://www.ama-assn.org/go/cpt"


def procedure(system: str | None = None, code: str | None = None, *, text: str | None = None,
              status: str = "completed", **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Procedure", "id": "pr1", "status": status,
                                "subject": {"reference": "Patient/p1"}, "code": {}}
    if code:
        resource["code"]["coding"] = [{"system": system, "code": code}]
    if text:
        resource["code"]["text"] = text
    resource.update(extra)
    return resource


def stents(resource: dict[str, Any]) -> list[IliacStent]:
    if not procedures.relevant(resource):
        return []
    return [f for f in procedures.convert(resource) if isinstance(f, IliacStent)]


@pytest.mark.parametrize(
    ("code", "side"),
    [("067C3DZ", Side.RIGHT), ("067D3DZ", Side.LEFT), ("067F3DZ", Side.RIGHT),
     ("067G3DZ", Side.LEFT)],
)
@pytest.mark.parametrize("system", [PCS, "urn:oid:2.16.840.1.113883.6.4"])
def test_pcs_iliac_vein_codes_count_alone(system: str, code: str, side: Side) -> None:
    (stent,) = stents(procedure(system, code, performedDateTime="2025-06-01"))
    assert stent.side is side
    assert stent.placed == datetime(2025, 6, 1, tzinfo=UTC)
    assert stent.source.refs == ("Procedure/pr1",)


def test_cpt_37238_needs_an_iliac_vein_site() -> None:
    assert stents(procedure(CPT, "37238")) == []
    assert stents(procedure(CPT, "37238", text="Stent, left subclavian vein")) == []
    site = [{"coding": [{"system": SNOMED, "code": "46027005", "display": "Common iliac vein"},
                        {"system": SNOMED, "code": "7771000", "display": "Left"}]}]
    (stent,) = stents(procedure(CPT, "37238", bodySite=site))
    assert stent.side is Side.LEFT


@pytest.mark.parametrize(
    ("text", "side"),
    [("Venovo 14 x 100 mm, left common iliac vein", Side.LEFT),
     ("Wallstent right external iliac vein", Side.RIGHT),
     ("Venous stent L CIV", Side.LEFT)],
)
def test_stent_text_with_iliac_vein(text: str, side: Side) -> None:
    (stent,) = stents(procedure(text=text))
    assert stent.side is side


@pytest.mark.parametrize(
    "text", ["Coronary artery stent", "Left common iliac artery stent", "Ureteral stent"]
)
def test_other_stents_do_not_count(text: str) -> None:
    assert stents(procedure(text=text)) == []


@pytest.mark.parametrize("status", ["in-progress", "not-done", "entered-in-error", "preparation"])
def test_only_completed_procedures_count(status: str) -> None:
    assert stents(procedure(PCS, "067D3DZ", status=status)) == []


def test_hip_arthroplasty_procedure() -> None:
    resource = procedure(SNOMED, "52734007", performedPeriod={"start": "2019-04-02"},
                         bodySite=[{"text": "right hip"}])
    assert procedures.relevant(resource)
    # Catalog v2.2: a hip arthroplasty is also major surgery (thrombolysis contraindication).
    found, surgery = procedures.convert(resource)
    assert isinstance(found, Diagnosis)
    assert (found.concept, found.side) == (Concept.HIP_ARTHROPLASTY, Side.RIGHT)
    assert found.onset == datetime(2019, 4, 2, tzinfo=UTC)
    assert isinstance(surgery, Diagnosis) and surgery.concept is Concept.MAJOR_SURGERY
    assert surgery.onset == datetime(2019, 4, 2, tzinfo=UTC)


def device(name: str, status: str = "active") -> dict[str, Any]:
    return {"resourceType": "Device", "id": "d1", "status": status,
            "deviceName": [{"name": name, "type": "user-friendly-name"}],
            "patient": {"reference": "Patient/p1"}}


def test_device_stent_with_iliac_vein_text() -> None:
    resource = device("Venovo venous stent 14 x 100 mm, left common iliac vein")
    assert procedures.relevant(resource)
    (stent,) = procedures.convert(resource)
    assert isinstance(stent, IliacStent) and stent.side is Side.LEFT
    assert stent.source.refs == ("Device/d1",)


def test_device_stent_elsewhere_or_inactive_does_not_count() -> None:
    assert procedures.convert(device("Coronary stent")) == []
    assert procedures.convert(device("Venovo stent left common iliac vein", "inactive")) == []
    assert procedures.convert(device("Venovo stent left CIV", "entered-in-error")) == []


def test_unrelated_procedure_is_not_relevant() -> None:
    assert not procedures.relevant(procedure(SNOMED, "80146002", text="Appendectomy"))
