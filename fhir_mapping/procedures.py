"""Procedure / Device -> IliacStent findings, and hip arthroplasty and major surgery as a
Diagnosis.

ICD-10-PCS 067C3DZ/067D3DZ/067F3DZ/067G3DZ name the iliac veins and count alone. CPT 37238 and
generic stent codes or text also cover arterial and other venous stents, so they count only
when the site or text names an iliac vein ("Venovo 14 x 100 mm, left common iliac vein").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cds_hooks.guideline.findings import Concept, Diagnosis, IliacStent, Side, Source

from . import text as clinical_text
from .conditions.stents import names_iliac_vein
from .fhir_types import (
    ICD10PCS,
    as_list,
    code_set,
    codings,
    concept_text,
    first_when,
    get,
    notes_text,
    ref_of,
    typed_reference,
)
from .laterality import side_from
from .reading import skip_unreadable
from .surgery import is_major_surgery, major_surgery
from .terminology import procedures as vs

Finding = IliacStent | Diagnosis

# ICD-10-PCS body part character: C/F right, D/G left (common / external iliac vein).
_PCS_SIDE = {"067C3DZ": Side.RIGHT, "067D3DZ": Side.LEFT, "067F3DZ": Side.RIGHT,
             "067G3DZ": Side.LEFT}
_VOID_DEVICE = frozenset({"entered-in-error", "inactive"})


def _stent_text(text: str) -> bool:
    return clinical_text.has_any(text, vs.STENT_TEXT)


def relevant(resource: Mapping[str, Any]) -> bool:
    """Cheap raw check: a stent / hip arthroplasty code, or stent text."""
    rtype = resource.get("resourceType")
    if rtype == "Procedure":
        code = resource.get("code")
        codes = set(code_set(code))
        if vs.ILIAC_STENT.matches(codes) or vs.STENT_GATED.matches(codes):
            return True
        if vs.HIP_ARTHROPLASTY.matches(codes) or is_major_surgery(resource):
            return True
        return "stent" in concept_text(code) or "venovo" in concept_text(code)
    if rtype == "Device":
        text = _device_text(resource)
        return "stent" in text or "venovo" in text or vs.STENT_GATED.matches(
            code_set(resource.get("type"))
        )
    return False


def read(resource: Mapping[str, Any]) -> list[Finding]:
    model = resource  # raw JSON, read element by element (fhir_types)
    if resource.get("resourceType") == "Device":
        return _device(model)
    return _procedure(model)


def _procedure(model: Any) -> list[Finding]:
    status = str(get(model, "status") or "").lower()
    if status != "completed":
        # Only a completed procedure puts a stent in place; planned ones are draft orders.
        return []
    code = get(model, "code")
    codes = set(code_set(code))
    body_sites = as_list(get(model, "bodySite"))
    code_text = concept_text(code)
    text = " ".join((code_text, concept_text(body_sites), notes_text(model)))
    when = first_when(model, "performedDateTime", "performedPeriod")
    display = str(get(code, "text") or next((d for _, _, d in codings(code) if d), ""))
    source = Source(refs=(ref_of(model),), display=display)
    findings: list[Finding] = []
    pcs = [c for s, c in codes if s == ICD10PCS and c in vs.ILIAC_STENT.pcs]
    if pcs:
        findings.append(IliacStent(side=_PCS_SIDE[pcs[0]], placed=when, source=source))
    elif (vs.STENT_GATED.matches(codes) or _stent_text(code_text)) and names_iliac_vein(
        frozenset(code_set(body_sites)), text
    ):
        side = side_from(codes, body_sites, f"{code_text} {notes_text(model)}")
        findings.append(IliacStent(side=side, placed=when, source=source))
    if vs.HIP_ARTHROPLASTY.matches(codes):
        findings.append(
            Diagnosis(
                concept=Concept.HIP_ARTHROPLASTY,
                side=side_from(codes, body_sites, code_text),
                onset=when,
                encounter=typed_reference(get(model, "encounter"), "Encounter"),
                site_text=concept_text(body_sites),
                source=source,
            )
        )
    surgery = major_surgery(model, source)
    if surgery is not None:
        findings.append(surgery)
    return findings


def _device_text(device: Any) -> str:
    names = " ".join(str(get(n, "name") or "") for n in as_list(get(device, "deviceName")))
    parts = (names, concept_text(get(device, "type")), notes_text(device),
             str(get(device, "modelNumber") or ""))
    return " ".join(parts).lower()


def _device(model: Any) -> list[Finding]:
    status = str(get(model, "status") or "").lower()
    if status in _VOID_DEVICE:
        return []
    text = _device_text(model)
    codes = set(code_set(get(model, "type")))
    if not (_stent_text(text) or vs.STENT_GATED.matches(codes)):
        return []
    if not names_iliac_vein(frozenset(), text):
        return []
    display = text.strip()[:120]
    return [IliacStent(side=side_from((), None, text), placed=None,
                       source=Source(refs=(ref_of(model),), display=display))]


def convert(resource: Mapping[str, Any]) -> list[Finding]:
    """`read`, with a resource whose needed element cannot be read skipped ([])."""
    return skip_unreadable(read, resource)
