"""Observation -> Measurement, Swelling, EdemaImpact, ImagingStudy, DopplerWaveform,
IvusStenosis, ReferenceDiameter and LesionBehavior findings.

Status rules of the input profile: final / amended / corrected count, preliminary counts with
`preliminary=True`; cancelled / entered-in-error / registered (and anything else) never become
findings; a dataAbsentReason means there is no value. The date is effective[x] (a Period's
start), else `issued`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cds_hooks.guideline.findings import (
    Behavior,
    Concept,
    Diagnosis,
    DopplerWaveform,
    EdemaImpact,
    Extent,
    ImagingStudy,
    Impact,
    IvusStenosis,
    LesionBehavior,
    Measure,
    Measurement,
    Modality,
    ReferenceDiameter,
    Result,
    Side,
    Source,
    Swelling,
    Waveform,
)

from . import report_text, units
from . import text as clinical_text
from .fhir_types import (
    CPT,
    ICD10CM,
    LOCAL_OBSERVATION,
    LOINC,
    SNOMED,
    as_list,
    code_set,
    codings,
    concept_text,
    first_when,
    get,
    normalize_icd10,
    normalize_system,
    notes_text,
    ref_of,
    validate,
)
from .laterality import side_from, swollen_side_from_text
from .reports import not_a_leg_or_pelvic_study
from .terminology import conditions as condition_vs
from .terminology import imaging as imaging_vs
from .terminology import observations as vs

Finding = (
    Measurement
    | Swelling
    | EdemaImpact
    | ImagingStudy
    | DopplerWaveform
    | IvusStenosis
    | ReferenceDiameter
    | LesionBehavior
    | Diagnosis
)

_USABLE_STATUS = frozenset({"final", "amended", "corrected", "preliminary"})
_WHEN_KEYS = ("effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued")

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

_WHOLE_LEG_SITES = frozenset({"68367000", "26893007", "29836001", "182281004"})
_LIMITED_SITES = frozenset({"56459004", "344001", "53840002", "30021000", "70258002"})
_WHOLE_LEG_TEXT = (
    "thigh", "groin", "hip", "whole leg", "entire leg", "groin to ankle", "whole limb",
    "entire limb", "whole lower limb", "whole left leg", "whole right leg", "entire left leg",
    "entire right leg",
)  # fmt: skip
_WHOLE_LEG_NOTE = (
    "whole leg", "entire leg", "groin to ankle", "thigh swelling", "swelling of the thigh",
    "swelling to the thigh", "whole limb", "entire limb", "whole left leg", "whole right leg",
    "entire left leg", "entire right leg",
)  # fmt: skip
_LIMITED_TEXT = (
    "foot", "feet", "ankle", "ankles", "calf", "calves", "lower leg", "lower legs", "shin",
    "pretibial", "pedal",
)  # fmt: skip

# Cheap raw-JSON relevance: codes of every concept handled here, then keywords of the texts.
_RELEVANT_CODES: dict[str, frozenset[str]] = {
    LOINC: frozenset(vs.LAB_LOINC)
    | vs.BP_PANELS
    | vs.PREGNANCY_STATUS
    | imaging_vs.DUPLEX_LOINC
    | imaging_vs.MR_VENOGRAPHY_LOINC,
    LOCAL_OBSERVATION: vs.LOCAL_CODES,
    SNOMED: condition_vs.SWELLING.snomed | imaging_vs.CT_VENOGRAPHY_SNOMED,
    ICD10CM: condition_vs.SWELLING.icd10,
    CPT: imaging_vs.DUPLEX_CPT,
}
# Applied to lower-cased text: a case-insensitive alternation is several times slower.
_RELEVANT_TEXT = re.compile(
    r"edema|swell|swollen|duplex|doppler|ivus|intravascular|venograph|stenosis|waveform|phasic"
    r"|phlegmasia"
)


def relevant(resource: Mapping[str, Any]) -> bool:
    """Cheap check on raw JSON: an Observation whose code (or value text) is one we map.

    Runs on every Observation of a record, so it walks the raw codings directly instead of
    building normalized views.
    """
    if resource.get("resourceType") != "Observation":
        return False
    if resource.get("status") not in _USABLE_STATUS:
        return False
    code = resource.get("code")
    texts: list[str] = []
    if isinstance(code, Mapping):
        for coding in code.get("coding") or ():
            if not isinstance(coding, Mapping):
                continue
            system = normalize_system(coding.get("system"))
            allowed = _RELEVANT_CODES.get(system)
            value = coding.get("code")
            if allowed is not None and isinstance(value, str):
                if system == ICD10CM:
                    value = normalize_icd10(value)
                if value in allowed:
                    return True
            display = coding.get("display")
            if isinstance(display, str):
                texts.append(display)
        if isinstance(code.get("text"), str):
            texts.append(code["text"])
    value_concept = resource.get("valueCodeableConcept")
    if isinstance(value_concept, Mapping):
        texts.append(concept_text(value_concept))
    value_string = resource.get("valueString")
    if isinstance(value_string, str):
        texts.append(value_string)
    # Phlegmasia is often charted only in an exam's note (catalog: "an Observation's [...] note").
    for note in resource.get("note") or ():
        if isinstance(note, Mapping) and isinstance(note.get("text"), str):
            texts.append(note["text"])
    return any(_RELEVANT_TEXT.search(t.lower()) for t in texts)


_MEASUREMENT_LOINC = frozenset(vs.LAB_LOINC) | vs.BP_PANELS
WHEN_KEYS = _WHEN_KEYS


def measurement_key(resource: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The LOINC lab/vital codes of an Observation that can only become Measurements, or None.

    `map_record` uses it to skip readings superseded by a much newer one of the same code
    before validation. None (never skipped) for anything that may map to another finding:
    local, SNOMED, ICD-10 or imaging codes, a text value, a note (phlegmasia is charted there).
    """
    if resource.get("status") not in _USABLE_STATUS:
        return None
    if any(key in resource for key in ("note", "valueString", "valueCodeableConcept")):
        return None
    code = resource.get("code")
    if not isinstance(code, Mapping):
        return None
    found: list[str] = []
    for coding in code.get("coding") or ():
        if not isinstance(coding, Mapping):
            return None
        system = normalize_system(coding.get("system"))
        value = coding.get("code")
        if system == LOINC:
            if value not in _MEASUREMENT_LOINC:
                return None
            found.append(str(value))
        elif system in (LOCAL_OBSERVATION, SNOMED, ICD10CM):
            return None
    return tuple(sorted(found)) if found else None


def convert(resource: Mapping[str, Any]) -> list[Finding]:
    """Findings of one raw Observation; an invalid or unusable one yields nothing."""
    if not relevant(resource):
        return []
    model = validate(resource)
    if model is None:
        return []
    return convert_model(model)


@dataclass(frozen=True)
class _Obs:
    """What every rule reads from one validated Observation."""

    model: Any
    codes: frozenset[tuple[str, str]]
    code_text: str
    site_text: str
    value_text: str
    note: str
    when: datetime | None
    preliminary: bool
    source: Source

    def local(self) -> str | None:
        for system, code in self.codes:
            if system == LOCAL_OBSERVATION:
                return code
        return None

    def side(self) -> Side:
        return side_from(
            self.codes, get(self.model, "bodySite"), f"{self.code_text} {self.value_text}"
        )


def _facts(model: Any) -> _Obs:
    code = get(model, "code")
    display = str(
        get(code, "text")
        or next((d for _, _, d in codings(code) if d), "")
        or next((c for _, c, _ in codings(code) if c), "")
    )
    value_string = get(model, "valueString")
    value_text = " ".join(
        t
        for t in (
            concept_text(get(model, "valueCodeableConcept")),
            str(value_string).lower() if value_string else "",
        )
        if t
    )
    return _Obs(
        model=model,
        codes=frozenset(code_set(code)),
        code_text=concept_text(code),
        site_text=concept_text(get(model, "bodySite")),
        value_text=value_text,
        note=notes_text(model),
        when=first_when(model, *_WHEN_KEYS),
        preliminary=get(model, "status") == "preliminary",
        source=Source(refs=(ref_of(model),), display=display),
    )


def convert_model(model: Any) -> list[Finding]:
    """Findings of one validated Observation model."""
    if get(model, "status") not in _USABLE_STATUS:
        return []
    obs = _facts(model)
    local = obs.local()
    if local is not None:
        return _local(obs, local)
    loinc = {code for system, code in obs.codes if system == LOINC}
    found: list[Finding] = []
    found.extend(_measurements(obs, loinc))
    # Input profile: "venous duplex result | DiagnosticReport (or Observation) with code LOINC
    # [...], CPT 93970/93971" -- CPT also covers the arms, so a non-leg code text is no leg study.
    cpt_duplex = bool(
        obs.codes & {(CPT, c) for c in imaging_vs.DUPLEX_CPT}
    ) and not not_a_leg_or_pelvic_study(obs.code_text)
    if cpt_duplex or loinc & (imaging_vs.DUPLEX_LOINC | imaging_vs.MR_VENOGRAPHY_LOINC) or (
        obs.codes & {(SNOMED, c) for c in imaging_vs.CT_VENOGRAPHY_SNOMED}
    ):
        found.extend(_imaging(obs))
    elif not found:
        found.extend(_swelling(obs))
    # Catalog: phlegmasia "in [...] an Observation's code text, value or note" is
    # limb-threatening ischemia.
    if clinical_text.affirmed(
        f"{obs.code_text}. {obs.value_text}. {obs.note}", condition_vs.LIMB_ISCHEMIA_TEXT
    ):
        found.append(
            Diagnosis(
                concept=Concept.LIMB_ISCHEMIA, side=obs.side(), recorded=obs.when, source=obs.source
            )
        )
    return found


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


# ---------------------------------------------------------------- local codes


def _local(obs: _Obs, code: str) -> list[Finding]:
    if get(obs.model, "dataAbsentReason") is not None:
        return []
    if code in (vs.IVUS_STENOSIS, vs.IVUS_AREA_STENOSIS):
        return _ivus_stenosis(obs, area=code == vs.IVUS_AREA_STENOSIS)
    if code == vs.REFERENCE_DIAMETER:
        return _reference_diameter(obs)
    if code == vs.LESION_BEHAVIOR:
        return _lesion_behavior(obs)
    if code == vs.CFV_WAVEFORM:
        return _waveform(obs)
    if code == vs.EDEMA_QOL:
        return _qol(obs)
    return []


def _value_codes(obs: _Obs) -> set[str]:
    return {code.lower() for _, code in code_set(get(obs.model, "valueCodeableConcept"))}


def _ivus_stenosis(obs: _Obs, *, area: bool) -> list[Finding]:
    quantity = units.quantity(get(obs.model, "valueQuantity"))
    if quantity is None:
        # "62%" as valueString; a bound ("> 70%") is not a measurement to compare with 61%.
        parsed = units.string_quantity(get(obs.model, "valueString"))
        if parsed is None or parsed[2]:
            return []
        quantity = parsed[0], parsed[1]
    value = units.percent(*quantity)
    if value is None:
        return []
    area = area or clinical_text.has_any(f"{obs.code_text} {obs.note}", ("area",))
    return [IvusStenosis(percent=value, area=area, side=obs.side(), when=obs.when,
                         source=obs.source, preliminary=obs.preliminary)]


def _reference_diameter(obs: _Obs) -> list[Finding]:
    quantity = units.quantity(get(obs.model, "valueQuantity"))
    if quantity is None:
        return []
    value = units.to_mm(*quantity)
    if value is None or value <= 0:
        return []
    text = f"{concept_text(get(obs.model, 'method'))} {obs.code_text} {obs.note}"
    # Local-code measurements are IVUS unless the method names another modality.
    other_modality = clinical_text.has_any(text, ("ct", "mr", "mri", "venography", "venogram"))
    from_ivus = clinical_text.has_any(text, ("ivus", "intravascular")) or not other_modality
    return [ReferenceDiameter(mm=value, side=obs.side(), from_ivus=from_ivus, when=obs.when,
                              source=obs.source)]


def _lesion_behavior(obs: _Obs) -> list[Finding]:
    value_codes = _value_codes(obs)
    behavior: Behavior | None = None
    if value_codes & vs.FIXED_CODES:
        behavior = Behavior.FIXED
    elif value_codes & vs.DYNAMIC_CODES:
        behavior = Behavior.DYNAMIC
    else:
        behavior = report_text.behavior_from_text(obs.value_text or obs.note)
    if behavior is None:
        return []
    return [LesionBehavior(behavior=behavior, side=obs.side(), when=obs.when, source=obs.source)]


def _waveform(obs: _Obs) -> list[Finding]:
    value_codes = _value_codes(obs)
    waveform: Waveform | None = None
    if value_codes & vs.NON_PHASIC_CODES:
        waveform = Waveform.NON_PHASIC
    elif value_codes & vs.PHASIC_CODES:
        waveform = Waveform.PHASIC
    else:
        waveform = report_text.waveform_from_text(obs.value_text or obs.note, doppler=True)
    if waveform is None:
        return []
    return [DopplerWaveform(waveform=waveform, side=obs.side(), when=obs.when, source=obs.source)]


def _qol(obs: _Obs) -> list[Finding]:
    impact: Impact | None = None
    value_boolean = get(obs.model, "valueBoolean")
    answer = code_set(get(obs.model, "valueCodeableConcept"))
    if isinstance(value_boolean, bool):
        impact = Impact.SIGNIFICANT if value_boolean else Impact.NONE
    elif any(system == SNOMED and code in vs.QOL_YES for system, code in answer):
        impact = Impact.SIGNIFICANT
    elif any(system == SNOMED and code in vs.QOL_NO for system, code in answer):
        impact = Impact.NONE
    else:
        impact = edema_impact(f"{obs.value_text} {obs.note}")
    if impact is None:
        return []
    return [EdemaImpact(impact=impact, when=obs.when, source=obs.source)]


def edema_impact(text: str) -> Impact | None:
    """Impact of edema stated in free text ('significantly affects her sleep'), or None."""
    if not text.strip():
        return None
    significant = clinical_text.assertion(text, vs.QOL_SIGNIFICANT_TEXT)
    affects = clinical_text.affirmed(text, vs.QOL_AFFECTS_TEXT) or clinical_text.has_any(
        text, ("significant", "significantly", "severe", "severely")
    )
    if clinical_text.has_any(text, vs.QOL_NONE_TEXT) or (
        significant is clinical_text.Assertion.NEGATED
    ):
        return Impact.NONE
    if significant is clinical_text.Assertion.AFFIRMED and affects:
        return Impact.SIGNIFICANT
    if clinical_text.affirmed(text, vs.QOL_MINIMAL_TEXT):
        return Impact.MINIMAL
    return None


# ---------------------------------------------------------------- imaging as Observation


def _imaging(obs: _Obs) -> list[Finding]:
    loinc = {code for system, code in obs.codes if system == LOINC}
    modality = Modality.DUPLEX
    if loinc & imaging_vs.MR_VENOGRAPHY_LOINC:
        modality = Modality.MR_VENOGRAPHY
    elif obs.codes & {(SNOMED, c) for c in imaging_vs.CT_VENOGRAPHY_SNOMED}:
        modality = Modality.CT_VENOGRAPHY
    result = _observation_result(obs)
    sides = imaging_vs.DUPLEX_SIDE_LOINC
    side = next((sides[c] for c in sorted(loinc) if c in sides), Side.UNKNOWN)
    if side is Side.UNKNOWN:
        side = obs.side()
    text = f"{obs.value_text} {obs.note}"
    complete = not (loinc & imaging_vs.INCOMPLETE_DUPLEX_LOINC) and not report_text.incomplete_text(
        text
    )
    return [
        ImagingStudy(
            modality=modality,
            side=side,
            result=result,
            complete=complete,
            cfv_waveform=report_text.waveform_from_text(text),
            compression_side=report_text.compression_side_from_text(text, side),
            preliminary=obs.preliminary,
            when=obs.when,
            source=obs.source,
        )
    ]


def _observation_result(obs: _Obs) -> Result:
    if get(obs.model, "dataAbsentReason") is not None:
        return Result.UNKNOWN
    answer = code_set(get(obs.model, "valueCodeableConcept"))
    snomed = {code for system, code in answer if system == SNOMED}
    if snomed & imaging_vs.POSITIVE_CONCLUSIONS:
        return Result.POSITIVE
    if snomed & imaging_vs.NEGATIVE_CONCLUSIONS:
        return Result.NEGATIVE
    interpretation = {code.upper() for _, code in code_set(get(obs.model, "interpretation"))}
    if interpretation & vs.POSITIVE_INTERPRETATION:
        return Result.POSITIVE
    if interpretation & vs.NEGATIVE_INTERPRETATION:
        return Result.NEGATIVE
    value_boolean = get(obs.model, "valueBoolean")
    if isinstance(value_boolean, bool):
        return Result.POSITIVE if value_boolean else Result.NEGATIVE
    return report_text.result_from_text(f"{obs.value_text} {obs.note}")


# ---------------------------------------------------------------- swelling


def _is_leg_edema_text(text: str) -> bool:
    return clinical_text.has_any(text, vs.EDEMA_WORDS) and clinical_text.has_any(
        text, vs.LEG_WORDS
    )


def _swelling(obs: _Obs) -> list[Finding]:
    coded = condition_vs.SWELLING.matches(obs.codes)
    value_codes = code_set(get(obs.model, "valueCodeableConcept"))
    value_coded = condition_vs.SWELLING.matches(value_codes)
    edema_concept = coded or value_coded or _is_leg_edema_text(
        f"{obs.code_text} {obs.site_text} {obs.value_text}"
    )
    generic_edema = clinical_text.has_any(f"{obs.code_text} {obs.value_text}", vs.EDEMA_WORDS)
    if not edema_concept and not generic_edema:
        return []
    if get(obs.model, "dataAbsentReason") is not None:
        return []
    present = _swelling_present(obs, value_codes, value_coded, coded)
    if present is None:
        return []
    if present and not edema_concept:
        # Synthea's generic "Edema (finding)" names no limb: not a lower-limb swelling.
        return []
    found: list[Finding] = [
        Swelling(
            side=_swollen_side(obs) if present else obs.side(),
            present=present,
            extent=_extent(obs) if present else Extent.UNKNOWN,
            recorded=obs.when,
            source=obs.source,
        )
    ]
    impact = edema_impact(obs.note) if present else None
    if impact is not None:
        found.append(EdemaImpact(impact=impact, when=obs.when, source=obs.source))
    return found


def _swollen_side(obs: _Obs) -> Side:
    """A positive exam's side; clauses calling a side normal do not name the swollen side."""
    side = side_from(obs.codes, get(obs.model, "bodySite"))
    if side is not Side.UNKNOWN:
        return side
    return swollen_side_from_text(f"{obs.code_text} {obs.value_text}")


def _swelling_present(
    obs: _Obs, value_codes: set[tuple[str, str]], value_coded: bool, coded: bool
) -> bool | None:
    """True / False for a positive / negative exam; None when the value is unreadable."""
    value_boolean = get(obs.model, "valueBoolean")
    if isinstance(value_boolean, bool):
        return value_boolean
    snomed = {code for system, code in value_codes if system == SNOMED}
    if snomed & vs.ABSENT_ANSWERS:
        return False
    if value_coded or snomed & vs.PRESENT_ANSWERS:
        return True
    interpretation = {code.upper() for _, code in code_set(get(obs.model, "interpretation"))}
    if interpretation & vs.NEGATIVE_INTERPRETATION:
        return False
    text = f"{obs.code_text} {obs.value_text}"
    state = clinical_text.assertion(text, vs.EDEMA_WORDS)
    if state is clinical_text.Assertion.AFFIRMED and swollen_side_from_text(text) in (
        Side.LEFT,
        Side.RIGHT,
    ):
        # "No edema of the right leg. Left leg swollen.": one leg is swollen; the negative
        # statement is about the other leg, not the whole exam.
        return True
    if state is clinical_text.Assertion.NEGATED or clinical_text.has_any(
        text, vs.ABSENT_EDEMA_TEXT
    ):
        return False
    if state is clinical_text.Assertion.AFFIRMED:
        return True
    # A coded swelling finding with no value and no text is the finding itself.
    has_value = any(get(obs.model, k) is not None for k in ("valueString", "valueCodeableConcept"))
    if coded and not has_value and state is clinical_text.Assertion.ABSENT:
        return True
    return None


def _extent(obs: _Obs) -> Extent:
    site_codes = {c for system, c in code_set(get(obs.model, "bodySite")) if system == SNOMED}
    text = f"{obs.site_text} {obs.code_text} {obs.value_text} {obs.note}"
    # As for Conditions: a note mentions the hip or groin for many reasons ("s/p hip
    # replacement"), so only explicit statements of extent count there, and a negated one
    # ("calf swelling, no thigh swelling") never does.
    described = f"{obs.site_text}. {obs.code_text}. {obs.value_text}"
    if (
        site_codes & _WHOLE_LEG_SITES
        or clinical_text.affirmed(described, _WHOLE_LEG_TEXT)
        or clinical_text.affirmed(obs.note, _WHOLE_LEG_NOTE)
    ):
        return Extent.WHOLE_LEG
    if site_codes & _LIMITED_SITES or clinical_text.has_any(text, _LIMITED_TEXT):
        return Extent.LIMITED
    return Extent.UNKNOWN
