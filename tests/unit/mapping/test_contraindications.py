"""Condition / Procedure -> the v2.2 contraindication concepts: intracranial hemorrhage, stroke,
CNS neoplasm, head injury and trauma, bleeding diathesis, HIT and major surgery, at every code
range edge and in every coding form (ICD-10-CM with and without the dot, OID system, SNOMED,
text only), with the status rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cds_hooks.guideline.findings import Concept, Diagnosis
from fhir_mapping import conditions, procedures

SNOMED = "http://snomed.info/sct"
SNOMED_OID = "urn:oid:2.16.840.1.113883.6.96"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
ICD_OID = "urn:oid:2.16.840.1.113883.6.90"

ICH = Concept.INTRACRANIAL_HEMORRHAGE


def condition(
    system: str | None = None,
    code: str | None = None,
    *,
    text: str | None = None,
    display: str | None = None,
    clinical: str | None = None,
    verification: str | None = None,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p1"},
        "code": {},
        "recordedDate": "2026-11-20",
    }
    if code is not None:
        coding = {"system": system, "code": code, **({"display": display} if display else {})}
        resource["code"]["coding"] = [coding]
    if text:
        resource["code"]["text"] = text
    if clinical:
        resource["clinicalStatus"] = {"coding": [{"code": clinical}]}
    if verification:
        resource["verificationStatus"] = {"coding": [{"code": verification}]}
    return resource


def found(resource: dict[str, Any]) -> list[Diagnosis]:
    if not conditions.relevant(resource):
        return []
    return [f for f in conditions.convert(resource) if isinstance(f, Diagnosis)]


def concepts(resource: dict[str, Any]) -> set[Concept]:
    return {d.concept for d in found(resource)}


def icd_forms(code: str) -> list[tuple[str, str]]:
    return [(ICD, code), (ICD, code.replace(".", "")), (ICD_OID, code), (ICD, code.lower())]


# ---------------------------------------------------------------- code range edges


@pytest.mark.parametrize(
    ("code", "concept", "expected"),
    [
        # intracranial hemorrhage: I60-I62, S06.34-S06.38, S06.4-S06.6 (and sub-codes)
        ("I59.8", ICH, False),
        ("I60", ICH, True),
        ("I60.9", ICH, True),
        ("I61.9", ICH, True),
        ("I62.9", ICH, True),
        ("I62.00", ICH, True),
        ("I63.9", ICH, False),
        ("S06.33", ICH, False),
        ("S06.330A", ICH, False),
        ("S06.34", ICH, True),
        ("S06.340A", ICH, True),
        ("S06.35", ICH, True),
        ("S06.36", ICH, True),
        ("S06.37", ICH, True),
        ("S06.38", ICH, True),
        ("S06.4X0A", ICH, True),
        ("S06.5X0A", ICH, True),
        ("S06.6X9A", ICH, True),
        ("S06.6", ICH, True),
        ("S06.7", ICH, False),
        ("S06.7X0A", ICH, False),
        ("S06.0X0A", ICH, False),
        # an intracranial bleed is also a major bleed (anticoagulation contraindication)
        ("I61.9", Concept.MAJOR_BLEEDING, True),
        ("S06.5X0A", Concept.MAJOR_BLEEDING, True),
        # ischemic stroke I63.x; stroke of unknown type I64
        ("I62.9", Concept.ISCHEMIC_STROKE, False),
        ("I63", Concept.ISCHEMIC_STROKE, True),
        ("I63.9", Concept.ISCHEMIC_STROKE, True),
        ("I63.512", Concept.ISCHEMIC_STROKE, True),
        ("I64", Concept.STROKE_UNKNOWN_TYPE, True),
        ("I63.9", Concept.STROKE_UNKNOWN_TYPE, False),
        ("I65.29", Concept.ISCHEMIC_STROKE, False),
        ("G45.9", Concept.ISCHEMIC_STROKE, False),
        # CNS neoplasm C70-C72, C79.3, D33.x, D43.x
        ("C69.9", Concept.CNS_NEOPLASM, False),
        ("C70.0", Concept.CNS_NEOPLASM, True),
        ("C71.9", Concept.CNS_NEOPLASM, True),
        ("C72.0", Concept.CNS_NEOPLASM, True),
        ("C73", Concept.CNS_NEOPLASM, False),
        ("C79.2", Concept.CNS_NEOPLASM, False),
        ("C79.31", Concept.CNS_NEOPLASM, True),
        ("C79.32", Concept.CNS_NEOPLASM, True),
        ("C79.4", Concept.CNS_NEOPLASM, False),
        ("D32.9", Concept.CNS_NEOPLASM, False),
        ("D33.2", Concept.CNS_NEOPLASM, True),
        ("D43.0", Concept.CNS_NEOPLASM, True),
        ("D44.0", Concept.CNS_NEOPLASM, False),
        # head injury S06.x; trauma S/T injury codes
        ("S05.90XA", Concept.HEAD_INJURY, False),
        ("S06.0X0A", Concept.HEAD_INJURY, True),
        ("S06.9X9A", Concept.HEAD_INJURY, True),
        ("S07.9XXA", Concept.HEAD_INJURY, False),
        ("S07.9XXA", Concept.TRAUMA, True),
        ("S72.001A", Concept.TRAUMA, True),
        ("T07", Concept.TRAUMA, True),
        ("T14.90", Concept.TRAUMA, True),
        ("T31.0", Concept.TRAUMA, True),
        ("T79.4XXA", Concept.TRAUMA, True),
        ("T40.1X1A", Concept.TRAUMA, False),
        ("T81.4XXA", Concept.TRAUMA, False),
        # bleeding diathesis D65, D66, D67, D68.0-D68.2, D68.3x, D68.4, D69.3-D69.6
        ("D64.9", Concept.BLEEDING_DIATHESIS, False),
        ("D65", Concept.BLEEDING_DIATHESIS, True),
        ("D66", Concept.BLEEDING_DIATHESIS, True),
        ("D67", Concept.BLEEDING_DIATHESIS, True),
        ("D68.0", Concept.BLEEDING_DIATHESIS, True),
        ("D68.1", Concept.BLEEDING_DIATHESIS, True),
        ("D68.2", Concept.BLEEDING_DIATHESIS, True),
        ("D68.311", Concept.BLEEDING_DIATHESIS, True),
        ("D68.32", Concept.BLEEDING_DIATHESIS, True),
        ("D68.4", Concept.BLEEDING_DIATHESIS, True),
        ("D68.51", Concept.BLEEDING_DIATHESIS, False),
        ("D68.59", Concept.BLEEDING_DIATHESIS, False),
        ("D68.62", Concept.BLEEDING_DIATHESIS, False),
        ("D68.8", Concept.BLEEDING_DIATHESIS, False),
        ("D68.9", Concept.BLEEDING_DIATHESIS, False),
        ("D69.2", Concept.BLEEDING_DIATHESIS, False),
        ("D69.3", Concept.BLEEDING_DIATHESIS, True),
        ("D69.41", Concept.BLEEDING_DIATHESIS, True),
        ("D69.59", Concept.BLEEDING_DIATHESIS, True),
        ("D69.6", Concept.BLEEDING_DIATHESIS, True),
        ("D69.8", Concept.BLEEDING_DIATHESIS, False),
        ("D69.9", Concept.BLEEDING_DIATHESIS, False),
        # HIT D75.82x
        ("D75.81", Concept.HIT, False),
        ("D75.82", Concept.HIT, True),
        ("D75.821", Concept.HIT, True),
        ("D75.829", Concept.HIT, True),
        ("D75.83", Concept.HIT, False),
    ],
)
@pytest.mark.parametrize("form", [0, 1, 2, 3], ids=["dotted", "undotted", "oid", "lower"])
def test_icd10_range_edges_in_every_form(
    code: str, concept: Concept, expected: bool, form: int
) -> None:
    system, value = icd_forms(code)[form]
    assert (concept in concepts(condition(system, value))) is expected


@pytest.mark.parametrize(
    ("code", "concept"),
    [
        ("1386000", ICH),
        ("274100004", ICH),
        ("21454007", ICH),
        ("35486000", ICH),
        ("422504002", Concept.ISCHEMIC_STROKE),
        ("230690007", Concept.STROKE_UNKNOWN_TYPE),
        ("73397007", Concept.HIT),
    ],
)
@pytest.mark.parametrize("system", [SNOMED, SNOMED_OID])
def test_snomed_codes(code: str, concept: Concept, system: str) -> None:
    assert concept in concepts(condition(system, code))


def test_snomed_intracranial_bleed_contraindicates_as_a_major_bleed_too() -> None:
    assert {ICH, Concept.MAJOR_BLEEDING} <= concepts(condition(SNOMED, "1386000"))


def test_snomed_stroke_whose_text_says_ischemic_is_ischemic() -> None:
    found_concepts = concepts(condition(SNOMED, "230690007", text="Acute ischemic stroke"))
    assert Concept.ISCHEMIC_STROKE in found_concepts
    assert Concept.STROKE_UNKNOWN_TYPE not in found_concepts


# ---------------------------------------------------------------- text only


@pytest.mark.parametrize(
    ("text", "concept", "expected"),
    [
        ("Haemorrhage, intracerebral", ICH, True),
        ("Intracerebral hemorrhage", ICH, True),
        ("Intracranial haemorrhage", ICH, True),
        ("Cerebral hemorrhage", ICH, True),
        ("Subarachnoid haemorrhage", ICH, True),
        ("Subdural hematoma", ICH, True),
        ("Acute subdural haematoma", ICH, True),
        ("Hematoma, subdural", ICH, True),
        ("Subdural bleed", ICH, True),
        ("Intracranial bleed", ICH, True),
        ("Hemorrhagic stroke", ICH, True),
        ("Bleeding into the brain", ICH, True),
        ("Nontraumatic intracerebral hemorrhage in hemisphere", ICH, True),
        ("No intracranial hemorrhage", ICH, False),
        ("Subdural hematoma ruled out", ICH, False),
        ("Cerebral edema without hemorrhage", ICH, False),
        ("GI bleed", ICH, False),
        ("Hematoma of thigh", ICH, False),
        ("Stroke", Concept.STROKE_UNKNOWN_TYPE, True),
        ("CVA", Concept.STROKE_UNKNOWN_TYPE, True),
        ("Cerebrovascular accident", Concept.STROKE_UNKNOWN_TYPE, True),
        ("Heat stroke", Concept.STROKE_UNKNOWN_TYPE, False),
        ("Family history of stroke", Concept.STROKE_UNKNOWN_TYPE, False),
        ("Stroke risk assessment", Concept.STROKE_UNKNOWN_TYPE, False),
        ("Hemorrhagic stroke", Concept.STROKE_UNKNOWN_TYPE, False),
        ("Ischemic stroke", Concept.ISCHEMIC_STROKE, True),
        ("Cerebral infarction", Concept.ISCHEMIC_STROKE, True),
        ("Ischemic stroke", Concept.STROKE_UNKNOWN_TYPE, False),
        ("History of cerebral infarction", Concept.ISCHEMIC_STROKE, False),
        ("Glioblastoma multiforme", Concept.CNS_NEOPLASM, True),
        ("Brain metastases", Concept.CNS_NEOPLASM, True),
        ("Malignant neoplasm of brain", Concept.CNS_NEOPLASM, True),
        ("Concussion", Concept.HEAD_INJURY, True),
        ("Traumatic brain injury", Concept.HEAD_INJURY, True),
        ("Polytrauma", Concept.TRAUMA, True),
        ("Hemophilia A", Concept.BLEEDING_DIATHESIS, True),
        ("Von Willebrand disease", Concept.BLEEDING_DIATHESIS, True),
        ("Immune thrombocytopenic purpura", Concept.BLEEDING_DIATHESIS, True),
        ("Thrombotic thrombocytopenic purpura", Concept.BLEEDING_DIATHESIS, False),
        ("No bleeding disorder", Concept.BLEEDING_DIATHESIS, False),
        ("Heparin-induced thrombocytopenia", Concept.HIT, True),
        ("Heparin induced thrombocytopenia type II", Concept.HIT, True),
    ],
)
def test_text_only_conditions(text: str, concept: Concept, expected: bool) -> None:
    assert (concept in concepts(condition(text=text))) is expected


def test_hedged_intracranial_bleed_text_is_suspected() -> None:
    (ich,) = found(condition(text="Possible subdural hematoma"))
    assert (ich.concept, ich.suspected) == (ICH, True)
    assert Concept.MAJOR_BLEEDING not in concepts(condition(text="Possible subdural hematoma"))


def test_hemorrhagic_transformation_of_an_infarct_is_an_intracranial_bleed() -> None:
    found_concepts = concepts(condition(text="Cerebral infarction with hemorrhagic transformation"))
    assert {ICH, Concept.ISCHEMIC_STROKE} <= found_concepts


def test_display_only_is_read_like_text() -> None:
    local = condition("urn:oid:1.2.3.4", "X1", display="Haemorrhage, intracerebral")
    assert ICH in concepts(local)


@pytest.mark.parametrize(
    "text", ["History of subdural hematoma", "Sequelae of intracerebral hemorrhage"]
)
def test_past_intracranial_bleed_is_history_but_still_a_bleed(text: str) -> None:
    (ich,) = [d for d in found(condition(text=text, clinical="active")) if d.concept is ICH]
    assert ich.active is False


@pytest.mark.parametrize(
    "resource",
    [
        condition(text="Subdural hemorrhage following injury", clinical="active"),
        condition(text="Hemiplegia following intracerebral hemorrhage", clinical="active"),
        # a bleed code keeps its own status whatever its text says
        condition(ICD, "I61.9", text="History of intracerebral hemorrhage", clinical="active"),
    ],
    ids=["cause", "after-a-bleed", "coded"],
)
def test_active_intracranial_bleed_stays_active(resource: dict[str, Any]) -> None:
    (ich,) = [d for d in found(resource) if d.concept is ICH]
    assert ich.active is True


def test_ich_sequela_code_is_history() -> None:
    (ich,) = [d for d in found(condition(ICD, "I69.151")) if d.concept is ICH]
    assert ich.active is False


# ---------------------------------------------------------------- status forms


@pytest.mark.parametrize(
    ("clinical", "verification", "kept", "active", "suspected"),
    [
        ("active", "confirmed", True, True, False),
        ("resolved", "confirmed", True, False, False),
        ("inactive", None, True, False, False),
        ("active", "provisional", True, True, True),
        ("active", "refuted", False, None, None),
        ("resolved", "entered-in-error", False, None, None),
    ],
)
@pytest.mark.parametrize(
    ("system", "code", "concept"),
    [
        (ICD, "I61.9", ICH),
        (SNOMED, "73397007", Concept.HIT),
        (ICD, "D69.3", Concept.BLEEDING_DIATHESIS),
        (ICD, "C71.9", Concept.CNS_NEOPLASM),
    ],
)
def test_status_forms(
    clinical: str, verification: str | None, kept: bool, active: bool | None,
    suspected: bool | None, system: str, code: str, concept: Concept,
) -> None:
    hits = [d for d in found(condition(system, code, clinical=clinical,
                                       verification=verification)) if d.concept is concept]
    assert bool(hits) is kept
    if kept:
        assert (hits[0].active, hits[0].suspected) == (active, suspected)


# ---------------------------------------------------------------- major surgery (Procedure)


def procedure(
    *, text: str | None = None, code: tuple[str, str] | None = None, category: str | None = None,
    status: str = "completed", **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Procedure", "id": "pr1", "status": status,
                                "subject": {"reference": "Patient/p1"}, "code": {},
                                "performedDateTime": "2026-11-10"}
    if text:
        resource["code"]["text"] = text
    if code:
        resource["code"]["coding"] = [{"system": code[0], "code": code[1]}]
    if category:
        resource["category"] = {"coding": [{"system": SNOMED, "code": category}]}
    resource.update(extra)
    return resource


def surgery(resource: dict[str, Any]) -> list[Diagnosis]:
    if not procedures.relevant(resource):
        return []
    return [f for f in procedures.convert(resource)
            if isinstance(f, Diagnosis) and f.concept is Concept.MAJOR_SURGERY]


@pytest.mark.parametrize(
    ("resource", "major"),
    [
        (procedure(text="Laparoscopic cholecystectomy", category="387713003"), True),
        (procedure(text="Craniotomy for tumour"), True),
        (procedure(text="Decompressive craniectomy"), True),
        (procedure(text="Lumbar laminectomy"), True),
        (procedure(text="Posterior spinal fusion L4-L5"), True),
        (procedure(text="Total knee arthroplasty"), True),
        (procedure(text="Exploratory laparotomy"), True),
        (procedure(text="Appendectomy, open"), True),
        (procedure(text="Open reduction and internal fixation of femur"), True),
        (procedure(code=(SNOMED, "52734007")), True),
        (procedure(text="Colonoscopy"), False),
        (procedure(text="Laparoscopic cholecystectomy"), False),
        (procedure(text="Craniotomy", status="in-progress"), False),
        (procedure(text="Craniotomy", status="not-done"), False),
        (procedure(text="Craniotomy", status="entered-in-error"), False),
        (procedure(text="Colonoscopy", category="103693007"), False),
    ],
)
def test_major_surgery_procedures(resource: dict[str, Any], major: bool) -> None:
    assert bool(surgery(resource)) is major


def test_category_text_without_a_code_counts() -> None:
    resource = procedure(text="Hernia repair")
    resource["category"] = {"text": "Surgical procedure"}
    assert surgery(resource)
    resource["category"] = {"text": "Diagnostic procedure"}
    assert not surgery(resource)


def test_surgery_dated_by_the_end_of_its_period() -> None:
    resource = procedure(text="Craniotomy")
    del resource["performedDateTime"]
    resource["performedPeriod"] = {"start": "2026-11-01T08:00:00Z", "end": "2026-11-02T01:00:00Z"}
    (found_surgery,) = surgery(resource)
    assert found_surgery.onset == datetime(2026, 11, 2, 1, tzinfo=UTC)
    assert found_surgery.source.refs == ("Procedure/pr1",)
