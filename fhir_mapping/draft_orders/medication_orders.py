"""MedicationRequest drafts -> DraftOrders: antithrombotic drugs (class from the medication
mapping) and thrombolytics (with their total dose in mg).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cds_hooks.guideline.findings import DraftOrder, DrugClass, Medication, OrderKind

from .. import medications as medications_module
from .. import units
from ..fhir_types import as_list, concept_text, get, notes_text
from ..laterality import side_from
from .bundle import Index
from .r4_shape import _require_r4
from .reasons import _base, _display, _texts

_ANTITHROMBOTIC = frozenset({DrugClass.ANTICOAGULANT, DrugClass.ANTIPLATELET})


# ---------------------------------------------------------------- medications


def _medication_order(
    resource: Mapping[str, Any], ref: str, index: Index
) -> DraftOrder | None:
    if not medications_module.relevant(resource):
        return None
    _require_r4(resource)
    medications = {k: v for k, v in index.items() if v.get("resourceType") == "Medication"}
    found = medications_module.medication_findings(resource, medications)
    thrombolytic = next((m for m in found if m.drug_class is DrugClass.THROMBOLYTIC), None)
    antithrombotic = next((m for m in found if m.drug_class in _ANTITHROMBOTIC), None)
    medication: Medication | None = thrombolytic or antithrombotic
    if medication is None:
        return None
    concept = resource.get("medicationCodeableConcept")
    display = _display(concept) or medication.source.display or medication.ingredient
    dosage_text = _texts(resource, "dosageInstruction")
    side = side_from((), None, f"{concept_text(concept)} {dosage_text} {notes_text(resource)}")
    if thrombolytic is not None:
        return _base(
            resource, ref, index, OrderKind.THROMBOLYSIS, display,
            side=side,
            medication=thrombolytic,
            total_dose_mg=total_dose_mg(resource, thrombolytic),
        )  # fmt: skip
    return _base(resource, ref, index, OrderKind.ANTITHROMBOTIC, display, side=side,
                 medication=medication)


_MG_TEXT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*mg\b(?!\s*/)")
_TOTAL_MG_TEXT = re.compile(
    r"\btotal(?:\s+dose)?(?:\s+of)?\s*[:=]?\s*(\d+(?:\.\d+)?)\s*mg\b"
)


def total_dose_mg(
    resource: Mapping[str, Any], medication: Medication | None = None
) -> float | None:
    """Total ordered dose in mg: structured doses (times a timing count), else dosage text.

    None when the dose is weight-based or unreadable: the guideline must not take an unread
    dose for a small catheter-clearance dose.
    """
    total = 0.0
    found = False
    for dosage in as_list(resource.get("dosageInstruction")):
        if not isinstance(dosage, Mapping):
            continue
        count = get(get(get(dosage, "timing"), "repeat"), "count")
        for dose_rate in as_list(dosage.get("doseAndRate")):
            quantity = units.quantity(get(dose_rate, "doseQuantity"))
            if quantity is None:
                continue
            value, unit = quantity
            key = units.unit_key(unit)
            if key not in ("mg", "g"):
                return None
            total += (value * 1000 if key == "g" else value) * (int(count) if count else 1)
            found = True
            break
    if found:
        return round(total, 6)
    text = " ".join(
        t for t in (_texts(resource, "dosageInstruction"), notes_text(resource)) if t
    )
    stated_total = _TOTAL_MG_TEXT.search(text)
    if re.search(r"mg\s*/\s*kg", text):
        return None
    if stated_total:
        return float(stated_total.group(1))
    # An infusion rate ("1 mg/h" catheter-directed, or a structured rate) is no total dose:
    # 1 mg/h is not a 1 mg catheter-clearance dose.
    rated = any(
        isinstance(dr, Mapping) and any(k.startswith("rate") for k in dr)
        for dosage in as_list(resource.get("dosageInstruction")) if isinstance(dosage, Mapping)
        for dr in as_list(dosage.get("doseAndRate"))
    )
    if rated or re.search(r"mg\s*/\s*(?:h\b|hr|hour|min)", text):
        return None
    values = [float(v) for v in _MG_TEXT.findall(text)]
    if values:
        # Several doses without a stated total: the largest keeps a big dose from passing
        # for a small catheter-clearance dose.
        return max(values)
    if medication is not None and medication.dose is not None and medication.dose.unit == "mg":
        return medication.dose.value
    return None
