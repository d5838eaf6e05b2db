"""What a clinician can do with a flagged stent order: the edit a card proposes (the same
DeviceRequest with its length parameter set to the minimum length and its stated size text
restated to match; catalog `stent-length-too-short`: an OrderEdit update that keeps the draft's
id) and the coded reasons offered to override the card instead."""

from __future__ import annotations

import copy
import re

from cds_hooks.guideline.recommendation import Code

UCUM = "http://unitsofmeasure.org"
LENGTH_PARAMETER_CODE = "410668003"  # SNOMED CT: length
OVERRIDE_SYSTEM = "urn:iliac-cds:override-reason"

OVERRIDE_LENGTH = (
    Code(OVERRIDE_SYSTEM, "overlapping-stent-planned", "Overlapping/additional stent planned"),
    Code(OVERRIDE_SYSTEM, "anatomy-confirmed", "Length confirmed on imaging for this anatomy"),
    Code(OVERRIDE_SYSTEM, "order-will-be-corrected", "Order will be corrected"),
)
OVERRIDE_DIAMETER = (
    Code(OVERRIDE_SYSTEM, "reference-outside-record", "Reference diameter measured elsewhere"),
    Code(OVERRIDE_SYSTEM, "anatomy-confirmed", "Diameter confirmed on IVUS for this anatomy"),
    Code(OVERRIDE_SYSTEM, "order-will-be-corrected", "Order will be corrected"),
)
OVERRIDE_IVUS = (
    Code(OVERRIDE_SYSTEM, "ivus-outside-record", "IVUS criteria documented outside this record"),
    Code(OVERRIDE_SYSTEM, "urgent-procedure", "Urgent procedure: criteria checked by the team"),
    Code(OVERRIDE_SYSTEM, "order-will-be-corrected", "Order will be cancelled or corrected"),
)


def with_length(resource: dict, length_mm: float) -> dict | None:
    """A copy of a DeviceRequest with its length parameter set to `length_mm`, else None."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "DeviceRequest":
        return None
    params = resource.get("parameter")
    if not isinstance(params, list):
        return None
    for index, param in enumerate(params):
        if isinstance(param, dict) and _is_length(param.get("code")):
            updated = copy.deepcopy(resource)
            updated["parameter"][index]["valueQuantity"] = {
                "value": int(length_mm) if float(length_mm).is_integer() else length_mm,
                "unit": "mm",
                "system": UCUM,
                "code": "mm",
            }
            for key in ("valueCodeableConcept", "valueRange", "valueBoolean"):
                updated["parameter"][index].pop(key, None)
            old_mm = _quantity_mm(param.get("valueQuantity"))
            concept = updated.get("codeCodeableConcept")
            if isinstance(concept, dict) and isinstance(concept.get("text"), str):
                concept["text"] = _restate_length(concept["text"], old_mm, length_mm)
            for note in updated.get("note") or []:
                if isinstance(note, dict) and isinstance(note.get("text"), str):
                    note["text"] = _restate_length(note["text"], old_mm, length_mm)
            return updated
    return None


def _restate_length(text: str, old_mm: float | None, new_mm: float) -> str:
    """`text` with a stated "D x L mm" size carrying the new length (else unchanged), so the
    updated order does not contradict itself."""
    if old_mm is None:
        return text
    for old, new, unit in ((old_mm, new_mm, "mm"), (old_mm / 10, new_mm / 10, "cm")):
        pattern = re.compile(
            rf"(\d+(?:\.\d+)?\s*(?:{unit})?\s*[x×*]\s*){re.escape(f'{old:g}')}(\s*{unit}\b)",
            re.I,
        )
        text = pattern.sub(lambda m, new=new: f"{m.group(1)}{new:g}{m.group(2)}", text)
    return text


def _quantity_mm(quantity: object) -> float | None:
    """A length valueQuantity in mm (mm or cm), else None."""
    if not isinstance(quantity, dict) or not isinstance(quantity.get("value"), int | float):
        return None
    unit = str(quantity.get("code") or quantity.get("unit") or "").lower()
    if unit in ("cm", "centimeter", "centimetre", "centimeters", "centimetres"):
        return float(quantity["value"]) * 10
    if unit in ("mm", "millimeter", "millimetre", "millimeters", "millimetres"):
        return float(quantity["value"])
    return None


def _is_length(code: object) -> bool:
    if not isinstance(code, dict):
        return False
    codings = code.get("coding") if isinstance(code.get("coding"), list) else []
    if any(isinstance(c, dict) and c.get("code") == LENGTH_PARAMETER_CODE for c in codings):
        return True
    text = " ".join(
        str(x)
        for x in [code.get("text", "")]
        + [c.get("display", "") for c in codings if isinstance(c, dict)]
    )
    return "length" in text.lower()
