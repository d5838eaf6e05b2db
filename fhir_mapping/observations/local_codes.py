"""Observations with this service's local codes (urn:iliac-cds:observation): IVUS stenosis,
reference diameter, lesion behavior, CFV Doppler waveform and edema quality-of-life impact.
"""

from __future__ import annotations

from cds_hooks.guideline.findings import (
    Behavior,
    DopplerWaveform,
    IvusStenosis,
    LesionBehavior,
    ReferenceDiameter,
    Waveform,
)

from .. import report_text, units
from .. import text as clinical_text
from ..fhir_types import code_set, concept_text, get
from ..terminology import observations as vs
from .facts import Finding, _Obs
from .swelling import _qol

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
