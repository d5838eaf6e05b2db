"""Lab and vital-sign Observations -> Measurements (weight, blood pressure, renal and liver
labs, INR, platelets, natriuretic peptides, pregnancy status).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cds_hooks.guideline.findings import Measure, Measurement

from .. import text as clinical_text
from .. import units
from ..fhir_types import LOINC, SNOMED, as_list, code_set, concept_text, get
from ..terminology import observations as vs
from .facts import _Obs

_CONVERTERS: dict[Measure, Callable[[float, str | None], float | None]] = {
    Measure.WEIGHT: units.to_kg,
    Measure.SYSTOLIC_BP: units.mm_hg,
    Measure.CREATININE: units.creatinine_mg_dl,
    Measure.EGFR: units.egfr_ml_min,
    Measure.ALBUMIN: units.albumin_g_dl,
    Measure.BILIRUBIN: units.bilirubin_mg_dl,
    Measure.ALT: units.enzyme_u_l,
    Measure.INR: units.ratio,
    Measure.PLATELETS: units.platelets_10e9_l,
    Measure.NT_PROBNP: units.nt_probnp_pg_ml,
    Measure.BNP: units.bnp_pg_ml,
}

# eGFR reported only in components (HL7 example Observation-f205: MDRD per population).
_EGFR_COMPONENT_LOINC = frozenset({"48642-3", "48643-1", "50044-7", "88293-6", "88294-4"})
_EGFR_UNIT = re.compile(r"^ml/min")


# ---------------------------------------------------------------- labs and vitals


def _measure_value(measure: Measure, holder: Any) -> float | None:
    """The value of a Quantity-bearing element in the measure's unit, or None."""
    if get(holder, "dataAbsentReason") is not None:
        return None
    value_quantity = get(holder, "valueQuantity")
    if value_quantity is not None:
        quantity = units.quantity(value_quantity)
        if quantity is None:
            return None
        return _beyond(_CONVERTERS[measure](*quantity), get(value_quantity, "comparator"))
    for key in ("valueInteger", "valueDecimal"):
        raw = get(holder, key)
        if raw is not None and not isinstance(raw, bool):
            return _CONVERTERS[measure](float(raw), None)
    # Cerner and athena often send numbers as text ("3.1 g/dL", ">60").
    parsed = units.string_quantity(get(holder, "valueString"))
    if parsed is not None:
        return _beyond(_CONVERTERS[measure](parsed[0], parsed[1] or None), parsed[2])
    return None


# A bound ("<60", ">300") is read as a value just past it, so that strict thresholds decide
# as the true value would: eGFR "<60" is renal disease, NT-proBNP ">300" is raised, platelets
# "<10" are low, eGFR ">60" is not. The offset is too small to show in a card (6 digits).
_BOUND_OFFSET = 1e-7


def _beyond(value: float | None, comparator: Any) -> float | None:
    if value is None or comparator is None:
        return value
    comparator = str(comparator)
    if comparator in ("<", "<="):
        return value * (1 - _BOUND_OFFSET) if value > 0 else value - _BOUND_OFFSET
    if comparator in (">", ">="):
        return value * (1 + _BOUND_OFFSET) if value > 0 else value + _BOUND_OFFSET
    return value


def _measurement(obs: _Obs, measure: Measure, value: float | None) -> list[Measurement]:
    if value is None:
        return []
    if measure is Measure.WEIGHT and value <= 0:
        return []
    return [
        Measurement(
            measure=measure,
            value=value,
            when=obs.when,
            preliminary=obs.preliminary,
            source=obs.source,
        )
    ]


def _measurements(obs: _Obs, loinc: set[str]) -> list[Measurement]:
    model = obs.model
    found: list[Measurement] = []
    measures = dict.fromkeys(vs.LAB_LOINC[c] for c in sorted(loinc) if c in vs.LAB_LOINC)
    for measure in measures:
        value = _measure_value(measure, model)
        if value is None and measure is Measure.EGFR:
            value = _egfr_from_components(model)
        if value is None and measure is Measure.SYSTOLIC_BP:
            value = _systolic_component(model)
        found.extend(_measurement(obs, measure, value))
    if loinc & vs.BP_PANELS and Measure.SYSTOLIC_BP not in measures:
        found.extend(_measurement(obs, Measure.SYSTOLIC_BP, _systolic_component(model)))
    if loinc & vs.PREGNANCY_STATUS:
        found.extend(_measurement(obs, Measure.PREGNANCY_STATUS, _pregnancy(model)))
    return found


def _component_loinc(component: Any) -> set[str]:
    return {code for system, code in code_set(get(component, "code")) if system == LOINC}


def _systolic_component(model: Any) -> float | None:
    if get(model, "dataAbsentReason") is not None and not get(model, "component"):
        return None
    for component in as_list(get(model, "component")):
        if vs.SYSTOLIC_BP in _component_loinc(component):
            return _measure_value(Measure.SYSTOLIC_BP, component)
    return None


def _egfr_from_components(model: Any) -> float | None:
    """The lowest eGFR among components: the conservative reading of population variants."""
    values: list[float] = []
    for component in as_list(get(model, "component")):
        codes = _component_loinc(component)
        quantity = units.quantity(get(component, "valueQuantity"))
        if quantity is None or get(component, "dataAbsentReason") is not None:
            continue
        named = bool(codes & (_EGFR_COMPONENT_LOINC | {"33914-3", "62238-1", "98979-8"}))
        if named or _EGFR_UNIT.match(units.unit_key(quantity[1])):
            value = units.egfr_ml_min(*quantity)
            if value is not None:
                values.append(value)
    return min(values) if values else None


def _pregnancy(model: Any) -> float | None:
    if get(model, "dataAbsentReason") is not None:
        return None
    answer = code_set(get(model, "valueCodeableConcept"))
    # LOINC's own answer list for 82810-3 (LL4129-4): LA15173-0 pregnant, LA26683-5 not.
    if any(system == SNOMED and code in vs.PREGNANT_ANSWERS for system, code in answer) or (
        (LOINC, "LA15173-0") in answer
    ):
        return 1.0
    if any(system == SNOMED and code in vs.NOT_PREGNANT_ANSWERS for system, code in answer) or (
        (LOINC, "LA26683-5") in answer
    ):
        return 0.0
    # An uncoded answer ("Pregnant", "Not pregnant", valueString): read negation-aware; a
    # hedged or unknown answer ("possibly pregnant", "unknown") stays unknown.
    text = concept_text(get(model, "valueCodeableConcept")) or str(get(model, "valueString") or "")
    if clinical_text.affirmed(text, ("pregnant",)):
        return 1.0
    if clinical_text.negated(text, ("pregnant",)):
        return 0.0
    return None
