"""MedicationRequest / MedicationStatement / MedicationAdministration -> Medication findings.

The ingredient comes from RxNorm ingredient codes, else from the names (generic and brand) in the
code's display/text, because product (SCD/SBD) codes are too many to list. A combination product
yields one finding per ingredient. The dose is read from structured dosage, else from dosage
text; when neither is readable it stays None (the guideline then assumes the riskier reading).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cds_hooks.guideline.findings import Dose, Medication, MedicationKind, Source

from .fhir_types import (
    RXNORM,
    SNOMED,
    as_list,
    codings,
    concept_text,
    first_when,
    get,
    parse_when,
    ref_of,
    reference_of,
    validate,
)
from .terminology.medications import (
    BY_RXNORM,
    NAME_PATTERN,
    PRODUCT_NAMES,
    Drug,
    drugs_in_text,
)

MEDICATION_TYPES = frozenset(
    {"MedicationRequest", "MedicationStatement", "MedicationAdministration"}
)
_KIND = {
    "MedicationRequest": MedicationKind.REQUEST,
    "MedicationStatement": MedicationKind.STATEMENT,
    "MedicationAdministration": MedicationKind.ADMINISTRATION,
}
# Statuses that say the record never happened or is void: no finding at all.
_VOID_STATUS = frozenset({"entered-in-error", "not-taken", "not-done", "cancelled"})
_ACTIVE_STATUS = {
    MedicationKind.REQUEST: frozenset({"active"}),
    MedicationKind.STATEMENT: frozenset({"active"}),
    MedicationKind.ADMINISTRATION: frozenset({"completed", "in-progress"}),
}

_ROUTE_CODES = {
    "34206005": "subcutaneous",
    "47625008": "intravenous",
    "26643006": "oral",
}
_ROUTE_TEXT = (
    (re.compile(r"\b(subcutaneous(ly)?|subcut|sub-?q|sc|sq|s\.c\.)\b"), "subcutaneous"),
    (re.compile(r"\b(intravenous(ly)?|iv|i\.v\.|infusion|bolus)\b"), "intravenous"),
    (re.compile(r"\b(oral(ly)?|po|p\.o\.|by mouth)\b"), "oral"),
)

_UNIT_ALIASES: dict[str, str] = {
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "mg/kg": "mg/kg",
    "[iu]": "[iU]",
    "iu": "[iU]",
    "u": "[iU]",
    "[u]": "[iU]",
    "unit": "[iU]",
    "units": "[iU]",
    "unt": "[iU]",
    "[iu]/kg": "[iU]/kg",
    "iu/kg": "[iU]/kg",
    "u/kg": "[iU]/kg",
    "unit/kg": "[iU]/kg",
    "units/kg": "[iU]/kg",
}
_SCALED_UNITS: dict[str, tuple[float, str]] = {
    "g": (1000.0, "mg"),
    "gram": (1000.0, "mg"),
    "grams": (1000.0, "mg"),
    "ug": (0.001, "mg"),
    "mcg": (0.001, "mg"),
    "microgram": (0.001, "mg"),
    "micrograms": (0.001, "mg"),
}

# Timing.code and text abbreviations -> administrations per day.
def _every(hours: int) -> str:
    return rf"q{hours}h|q\s?{hours}\s?h(ours?|rs?)?|every {hours} hours"


_FREQUENCY_WORDS: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(rf"\b({words})\b"), per_day)
    for words, per_day in (
        (rf"qid|{_every(6)}|four times (a |per )?day", 4.0),
        (rf"tid|{_every(8)}|three times (a |per )?day", 3.0),
        (rf"bid|b\.i\.d\.|{_every(12)}|twice (a |per )?day|twice daily", 2.0),
        (r"qod|every other day", 0.5),
        (rf"qd|{_every(24)}|daily|once (a |per )?day|once daily|nightly|qhs|qam|qpm", 1.0),
    )
)
_PERIOD_DAYS = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1.0, "wk": 7.0,
                "mo": 30.0, "a": 365.0}

_DOSE_TEXT = re.compile(
    r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*"
    r"(mg/kg|units?/kg|iu/kg|u/kg|mg|mcg|ug|g|units?|iu|u)\b",
    re.IGNORECASE,
)

# Product strengths in RxNorm names: "0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe"
# (volume x concentration), "enoxaparin 40 MG in 0.4 ML" / "40 MG/0.4 ML" (per unit), or
# "Warfarin Sodium 5 MG Oral Tablet" (per unit).
_AMOUNT = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_STRENGTH_UNIT = r"(mg|unt|units?|iu)"
_VOLUME_TIMES_CONCENTRATION = re.compile(
    rf"{_AMOUNT}\s*ml\b.*?{_AMOUNT}\s*{_STRENGTH_UNIT}\s*/\s*ml\b", re.IGNORECASE
)
_PER_VOLUME = re.compile(
    rf"{_AMOUNT}\s*{_STRENGTH_UNIT}\s*(?:/|in)\s*{_AMOUNT}\s*ml\b", re.IGNORECASE
)
_PER_UNIT = re.compile(rf"{_AMOUNT}\s*{_STRENGTH_UNIT}\b(?!\s*/\s*(?:\d|ml))", re.IGNORECASE)
# Dose units that count product units (tablets, syringes), not an amount of drug.
_PRODUCT_UNITS = frozenset(
    {"", "1", "{tbl}", "tbl", "tablet", "tablets", "tab", "{syringe}", "syringe", "syringes",
     "each", "ea", "{each}", "capsule", "capsules", "cap", "{capsule}", "vial", "{vial}"}
)

Resolver = Mapping[str, Mapping[str, Any]]


def relevant(resource: Mapping[str, Any]) -> bool:
    """Cheap raw check: a medication record naming a listed drug (or a Medication reference)."""
    if resource.get("resourceType") not in MEDICATION_TYPES:
        return False
    if resource.get("medicationReference") is not None:
        return True  # the named Medication is resolved only in convert
    concept = resource.get("medicationCodeableConcept")
    for system, code, _ in codings(concept):
        if system == RXNORM and code in BY_RXNORM:
            return True
    return NAME_PATTERN.search(concept_text(concept)) is not None


def may_be_current(resource: Mapping[str, Any]) -> bool:
    """Whether a raw record's status can ever make it current (active request/statement,
    completed or in-progress administration).

    The record mapper skips the others before validation: the guideline ignores them, and
    validating years of stopped refills would be most of a long record's cost.
    """
    kind = _KIND.get(str(resource.get("resourceType")))
    if kind is None:
        return False
    return str(resource.get("status") or "").lower() in _ACTIVE_STATUS[kind]


def convert(resource: Mapping[str, Any]) -> list[Medication]:
    return medication_findings(resource)


def medication_findings(
    resource: Mapping[str, Any], medications: Resolver | None = None
) -> list[Medication]:
    """Medication findings of one raw medication record.

    `medications` maps "Medication/id", "urn:uuid:..." and "#contained" references to raw
    Medication resources; the record's own contained resources are always searched too.
    Invalid records yield [] (logged by type and id only).
    """
    if resource.get("resourceType") not in MEDICATION_TYPES:
        return []
    model = validate(resource)
    if model is None:
        return []
    kind = _KIND[str(resource.get("resourceType"))]
    status = str(get(model, "status") or "").lower()
    if status in _VOID_STATUS:
        return []
    drugs = _drugs(model, resource, medications or {})
    if not drugs:
        return []
    dose = None
    if len(drugs) == 1:  # a combination product's dose cannot be split between ingredients
        dose = _dose(model, kind, _product_text(model, resource, medications or {}))
    authored = _authored(model, kind)
    validity = get(get(model, "dispenseRequest"), "validityPeriod")
    valid_until = parse_when(get(validity, "end")) if validity is not None else None
    source = Source(refs=(ref_of(model),), display=_display(model, drugs))
    return [
        Medication(
            ingredient=drug.ingredient,
            drug_class=drug.drug_class,
            kind=kind,
            status_active=status in _ACTIVE_STATUS[kind],
            authored=authored,
            valid_until=valid_until,
            dose=dose,
            source=source,
        )
        for drug in drugs
    ]


def _authored(model: Any, kind: MedicationKind) -> datetime | None:
    if kind is MedicationKind.REQUEST:
        return first_when(model, "authoredOn")
    if kind is MedicationKind.ADMINISTRATION:
        # The 48 h window counts from when the drug was last given: a period's end.
        period = get(model, "effectivePeriod")
        if period is not None:
            end = parse_when(get(period, "end"))
            if end is None and str(get(model, "status") or "").lower() == "in-progress":
                return None  # a running infusion is being given now: undated = ongoing
            return end or parse_when(get(period, "start"))
        return first_when(model, "effectiveDateTime")
    return first_when(model, "effectiveDateTime", "effectivePeriod", "dateAsserted")


def _resolve(model: Any, raw: Mapping[str, Any], medications: Resolver) -> Any | None:
    """The Medication a medicationReference names: contained first, then the record."""
    ref = reference_of(get(model, "medicationReference"))
    if not ref:
        return None
    if ref.startswith("#"):
        for contained in as_list(raw.get("contained")):
            if isinstance(contained, Mapping) and f"#{contained.get('id')}" == ref:
                return contained
    found = medications.get(ref)
    if found is None and "/" in ref and not ref.startswith("urn:"):
        # Absolute URLs ("https://ehr/fhir/Medication/1") name the same resource.
        found = medications.get("/".join(ref.rstrip("/").split("/")[-2:]))
    return found


def _drugs(model: Any, raw: Mapping[str, Any], medications: Resolver) -> list[Drug]:
    concepts: list[Any] = []
    texts: list[str] = []
    concept = get(model, "medicationCodeableConcept")
    if concept is not None:
        concepts.append(concept)
    medication = _resolve(model, raw, medications)
    if medication is not None:
        concepts.append(get(medication, "code"))
        for ingredient in as_list(get(medication, "ingredient")):
            concepts.append(get(ingredient, "itemCodeableConcept"))
            texts.append(str(get(get(ingredient, "itemReference"), "display") or ""))
    texts.append(str(get(get(model, "medicationReference"), "display") or ""))
    found: list[Drug] = []
    for cc in concepts:
        for system, code, _ in codings(cc):
            drug = BY_RXNORM.get(code) if system == RXNORM else None
            if drug is not None and drug not in found:
                found.append(drug)
    names = " ".join([concept_text(concepts), *texts])
    for drug in drugs_in_text(names):
        if drug not in found:
            found.append(drug)
    return found


def _product_text(model: Any, raw: Mapping[str, Any], medications: Resolver) -> str:
    concept = get(model, "medicationCodeableConcept")
    medication = _resolve(model, raw, medications) if concept is None else None
    if medication is not None:
        concept = get(medication, "code")
    named = get(concept, "text") or next((d for _, _, d in codings(concept) if d), "")
    if not named:
        # A bare product code: its RxNorm name gives the strength (dose in syringes/tablets).
        named = next((PRODUCT_NAMES[c] for system, c, _ in codings(concept)
                      if system == RXNORM and c in PRODUCT_NAMES), "")
    return str(named)


def _display(model: Any, drugs: list[Drug]) -> str:
    concept = get(model, "medicationCodeableConcept")
    text = get(concept, "text") or next((d for _, _, d in codings(concept) if d), "")
    if not text:
        text = get(get(model, "medicationReference"), "display") or ""
    return str(text) or ", ".join(d.ingredient for d in drugs)


# ---------------------------------------------------------------- dose


def normalize_dose_unit(value: float, unit: str | None) -> tuple[float, str] | None:
    """(value, unit) in the units the guideline compares: mg, mg/kg, [iU], [iU]/kg."""
    key = (unit or "").strip().lower().replace(" ", "")
    if key in _UNIT_ALIASES:
        return value, _UNIT_ALIASES[key]
    if key in _SCALED_UNITS:
        factor, target = _SCALED_UNITS[key]
        return round(value * factor, 6), target
    return None


def _route(dosage: Any) -> str:
    route = get(dosage, "route")
    for system, code, _ in codings(route):
        if system == SNOMED and code in _ROUTE_CODES:
            return _ROUTE_CODES[code]
    return route_from_text(concept_text(route))


def route_from_text(text: str) -> str:
    text = text.lower()
    for pattern, route in _ROUTE_TEXT:
        if pattern.search(text):
            return route
    return ""


def per_day_from_text(text: str) -> float | None:
    text = text.lower()
    for pattern, per_day in _FREQUENCY_WORDS:
        if pattern.search(text):
            return per_day
    return None


def _per_day(timing: Any) -> float | None:
    if timing is None:
        return None
    repeat = get(timing, "repeat")
    if repeat is not None:
        period = get(repeat, "period")
        unit = str(get(repeat, "periodUnit") or "")
        if period and unit in _PERIOD_DAYS:
            frequency = float(get(repeat, "frequency") or 1)
            return round(frequency / (float(period) * _PERIOD_DAYS[unit]), 6)
    code = get(timing, "code")
    codes = " ".join(c for _, c, _ in codings(code))
    return per_day_from_text(f"{codes} {concept_text(code)}")


def dose_from_text(text: str) -> tuple[float, str] | None:
    """The first dose stated in free text ("40 mg daily", "5,000 units SC q8h")."""
    match = _DOSE_TEXT.search(text)
    if match is None:
        return None
    value = float(match.group(1).replace(",", ""))
    return normalize_dose_unit(value, match.group(2))


def product_strength(text: str) -> tuple[float, str] | None:
    """Amount of drug in one unit of a product named like RxNorm does, or None.

    Only a single unambiguous strength counts; combination or multi-strength names give None.
    """
    match = _VOLUME_TIMES_CONCENTRATION.search(text)
    if match is not None:
        volume, concentration = _number(match.group(1)), _number(match.group(2))
        return normalize_dose_unit(round(volume * concentration, 6), match.group(3))
    match = _PER_VOLUME.search(text)
    if match is not None:
        return normalize_dose_unit(_number(match.group(1)), match.group(2))
    strengths = {(_number(m.group(1)), m.group(2).lower()) for m in _PER_UNIT.finditer(text)}
    if len(strengths) != 1:
        return None
    value, unit = strengths.pop()
    return normalize_dose_unit(value, unit)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _dose_in(dosage: Any, dose_units: frozenset[str]) -> float | None:
    """The first doseAndRate.doseQuantity value whose unit is one of `dose_units`."""
    for dose_and_rate in as_list(get(dosage, "doseAndRate")):
        quantity = get(dose_and_rate, "doseQuantity")
        if quantity is None or get(quantity, "value") is None:
            continue
        unit = str(get(quantity, "code") or get(quantity, "unit") or "").strip().lower()
        if unit in dose_units:
            return float(get(quantity, "value"))
    return None


def _product_units(dosage: Any) -> float | None:
    """How many product units (tablets, syringes) one dose is, when the dose counts units."""
    return _dose_in(dosage, _PRODUCT_UNITS)


def dose_from_dosage(dosage: Any, product: str = "") -> Dose | None:
    """Dose of one Dosage (doseAndRate, else its text, else product units x product strength),
    None when unreadable."""
    text = " ".join(
        str(t) for t in (get(dosage, "text"), get(dosage, "patientInstruction")) if t
    )
    amount: tuple[float, str] | None = None
    for dose_and_rate in as_list(get(dosage, "doseAndRate")):
        quantity = get(dose_and_rate, "doseQuantity")
        if quantity is None:
            quantity = get(get(dose_and_rate, "doseRange"), "low")
        amount = _quantity_dose(quantity)
        if amount is not None:
            break
    if amount is None:
        amount = _quantity_dose(get(dosage, "dose"))  # MedicationAdministration.dosage
    if amount is None:
        amount = dose_from_text(text)
    if amount is None and product:
        units = _product_units(dosage)
        strength = product_strength(product) if units is not None else None
        if units is not None and strength is not None:
            amount = (round(units * strength[0], 6), strength[1])
    if amount is None and product:
        # Epic/Cerner injectables are often dosed in mL ("0.4 mL" of a 40 mg/0.4 mL syringe):
        # without this a prophylactic LMWH order read as "dose unknown" counted as therapeutic.
        millilitres = _millilitres(dosage)
        concentration = concentration_per_ml(product) if millilitres is not None else None
        if millilitres is not None and concentration is not None:
            amount = (round(millilitres * concentration[0], 6), concentration[1])
    if amount is None:
        return None
    per_day = _per_day(get(dosage, "timing"))
    if per_day is None and text:
        per_day = per_day_from_text(text)
    route = _route(dosage) or route_from_text(text)
    return Dose(value=amount[0], unit=amount[1], per_day=per_day, route=route)


_ML_UNITS = frozenset({"ml", "milliliter", "milliliters", "millilitre", "millilitres", "cc"})
_CONCENTRATION = re.compile(rf"{_AMOUNT}\s*{_STRENGTH_UNIT}\s*/\s*ml\b", re.IGNORECASE)


def _millilitres(dosage: Any) -> float | None:
    return _dose_in(dosage, _ML_UNITS)


def concentration_per_ml(text: str) -> tuple[float, str] | None:
    """Amount of drug per mL of a product named like RxNorm does, or None.

    "enoxaparin sodium 40 MG in 0.4 ML" -> 100 mg/mL; "heparin 5,000 UNT/ML" -> 5000 [iU]/mL.
    Only a single unambiguous concentration counts.
    """
    match = _VOLUME_TIMES_CONCENTRATION.search(text)
    if match is not None:
        return normalize_dose_unit(_number(match.group(2)), match.group(3))
    match = _PER_VOLUME.search(text)
    if match is not None:
        volume = _number(match.group(3))
        if volume <= 0:
            return None
        return normalize_dose_unit(round(_number(match.group(1)) / volume, 6), match.group(2))
    found = {(_number(m.group(1)), m.group(2).lower()) for m in _CONCENTRATION.finditer(text)}
    if len(found) != 1:
        return None
    value, unit = found.pop()
    return normalize_dose_unit(value, unit)


def _quantity_dose(quantity: Any) -> tuple[float, str] | None:
    if quantity is None:
        return None
    value = get(quantity, "value")
    if value is None:
        return None
    unit = get(quantity, "code") or get(quantity, "unit")
    return normalize_dose_unit(float(value), str(unit) if unit else None)


def _dose(model: Any, kind: MedicationKind, product: str = "") -> Dose | None:
    if kind is MedicationKind.REQUEST:
        dosages = as_list(get(model, "dosageInstruction"))
    else:
        dosages = as_list(get(model, "dosage"))
    for dosage in dosages:
        dose = dose_from_dosage(dosage, product)
        if dose is not None:
            return dose
    if kind is MedicationKind.ADMINISTRATION and not dosages:
        # An administration without dosage records one unit of the product given.
        strength = product_strength(product)
        if strength is not None:
            return Dose(value=strength[0], unit=strength[1])
    return None
