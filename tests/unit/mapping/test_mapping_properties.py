"""Property tests (hypothesis, derandomized: the same examples on every run) for the FHIR
mapping and the stent-size text parser: random valid and invalid FHIR fragments never crash
the mapping, refuted / entered-in-error data never becomes a finding, and the parser reads
every way of writing a venous stent's size and never raises on any text."""

from __future__ import annotations

import contextlib
import copy
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_hooks.guideline import findings as f
from fhir_mapping import UnsupportedDraftOrders, map_draft_orders, map_record
from fhir_mapping.stent_size import parse_stent_size

SCENARIOS = Path(__file__).resolve().parents[3] / "fixtures" / "scenarios"
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _fixture_resources() -> list[dict[str, Any]]:
    resources = []
    for path in sorted(SCENARIOS.glob("*/bundle.json")):
        for entry in json.loads(path.read_text()).get("entry", []):
            resource = entry.get("resource")
            if isinstance(resource, dict) and resource.get("resourceType") not in {
                "Patient",
                "Encounter",
            }:
                resources.append(resource)
    return resources


RESOURCES = _fixture_resources()
FINDING_FIELDS = [
    field.name
    for field in fields(f.PatientRecord)
    if field.name not in {"patient", "medications_retrieved", "encounter"}
]


def findings_of(record: f.PatientRecord) -> dict[str, tuple[Any, ...]]:
    return {name: getattr(record, name) for name in FINDING_FIELDS if getattr(record, name)}


# --- random JSON, random FHIR-ish fragments -----------------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = [
    "status",
    "code",
    "subject",
    "patient",
    "clinicalStatus",
    "verificationStatus",
    "bodySite",
    "effectiveDateTime",
    "onsetDateTime",
    "recordedDate",
    "issued",
    "valueQuantity",
    "valueCodeableConcept",
    "valueString",
    "component",
    "conclusion",
    "conclusionCode",
    "result",
    "note",
    "text",
    "category",
    "medicationCodeableConcept",
    "dosageInstruction",
    "performedDateTime",
    "presentedForm",
    "interpretation",
    "extension",
]
TYPES = [
    "Condition",
    "Observation",
    "DiagnosticReport",
    "Procedure",
    "Device",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
    "AllergyIntolerance",
    "ImagingStudy",
    "Bundle",
    "Patient",
    "OperationOutcome",
]
FRAGMENTS = st.builds(
    lambda rtype, body: {"resourceType": rtype, **body},
    st.sampled_from(TYPES),
    st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6),
)


@st.composite
def mutated_fixture(draw: st.DrawFn) -> dict[str, Any]:
    """A real resource with one element replaced by random JSON (wrong types, nulls...)."""
    resource = copy.deepcopy(draw(st.sampled_from(RESOURCES)))
    node: Any = resource
    for _ in range(draw(st.integers(0, 3))):
        children = (
            list(node.items())
            if isinstance(node, dict)
            else list(enumerate(node))
            if isinstance(node, list)
            else []
        )
        containers = [(k, v) for k, v in children if isinstance(v, dict | list) and v]
        if not containers:
            break
        _, node = draw(st.sampled_from(containers))
    if isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node)))
        if key != "resourceType" or node is not resource:
            node[key] = draw(JSON)
    elif isinstance(node, list) and node:
        node[draw(st.integers(0, len(node) - 1))] = draw(JSON)
    return resource


@PROPERTY
@given(st.lists(FRAGMENTS | mutated_fixture(), max_size=6))
def test_random_fragments_never_crash_the_mapping(resources: list[dict[str, Any]]) -> None:
    record = map_record(resources, patient_id="p-1", medications_retrieved=True)
    assert isinstance(record, f.PatientRecord)


@PROPERTY
@given(st.lists(FRAGMENTS | mutated_fixture(), max_size=4))
def test_random_draft_orders_are_mapped_or_refused_never_crash(
    resources: list[dict[str, Any]],
) -> None:
    bundle = {"resourceType": "Bundle", "entry": [{"resource": r} for r in resources]}
    with contextlib.suppress(UnsupportedDraftOrders):  # a clean refusal (400), nothing else
        map_draft_orders(bundle)


# --- refuted / entered-in-error never become findings ------------------------------------------

_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


def voided(resource: dict[str, Any], how: str) -> dict[str, Any]:
    """The resource as its author withdrew it."""
    resource = copy.deepcopy(resource)
    rtype = resource["resourceType"]
    if rtype == "Condition":
        resource["verificationStatus"] = {"coding": [{"system": _VERIFICATION, "code": how}]}
    elif rtype == "AllergyIntolerance":
        system = _ALLERGY_VERIFICATION
        resource["verificationStatus"] = {"coding": [{"system": system, "code": how}]}
    else:
        resource["status"] = "entered-in-error"
    return resource


@PROPERTY
@given(
    st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=25),
    st.sampled_from(["refuted", "entered-in-error"]),
)
def test_withdrawn_data_never_becomes_a_finding(chosen: list[dict[str, Any]], how: str) -> None:
    record = map_record([voided(r, how) for r in chosen], medications_retrieved=True)
    assert findings_of(record) == {}


def test_the_withdrawn_property_is_not_vacuous() -> None:
    """The same fixture resources, not withdrawn, do produce findings."""
    assert findings_of(map_record(RESOURCES, medications_retrieved=True))


# --- stent size -------------------------------------------------------------------------------

DIAMETERS = st.integers(8, 28)
LENGTHS = st.sampled_from([40, 60, 80, 90, 100, 120, 140, 150, 160])


@PROPERTY
@given(st.text(max_size=200))
def test_stent_size_parser_never_raises(text: str) -> None:
    diameter, length = parse_stent_size(text)
    for value in (diameter, length):
        assert value is None or (isinstance(value, float | int) and value >= 0)


@PROPERTY
@given(
    DIAMETERS,
    LENGTHS,
    st.sampled_from(
        ["{d} x {l} mm", "{d}x{l}mm", "{d} mm x {l} mm", "{d} × {l} mm", "{d} by {l} mm"]
    ),
    st.sampled_from(["", "Venous stent ", "Iliac stent, ", "Wallstent "]),
    st.sampled_from(["", ".", " left CIV", ", self-expanding"]),
)
def test_stent_size_pairs_read_as_diameter_then_length(
    d: int, length: int, shape: str, before: str, after: str
) -> None:
    text = before + shape.format(d=d, l=length) + after
    assert parse_stent_size(text) == (d, length), text


@PROPERTY
@given(DIAMETERS, LENGTHS)
def test_stent_size_in_centimetres_is_converted(d: int, length: int) -> None:
    text = f"stent {d / 10:g} x {length / 10:g} cm"
    diameter, parsed_length = parse_stent_size(text)
    assert diameter == d and parsed_length == length, text


@PROPERTY
@given(DIAMETERS, LENGTHS, st.booleans())
def test_labelled_stent_sizes_in_any_order(d: int, length: int, length_first: bool) -> None:
    parts = [f"diameter {d} mm", f"length {length} mm"]
    text = ", ".join(reversed(parts) if length_first else parts)
    assert parse_stent_size(text) == (d, length), text
