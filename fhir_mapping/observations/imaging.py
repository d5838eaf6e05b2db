"""Imaging results recorded as an Observation (venous duplex, CT / MR venography) ->
ImagingStudy.
"""

from __future__ import annotations

from cds_hooks.guideline.findings import ImagingStudy, Modality, Result, Side, Waveform

from .. import report_text
from ..fhir_types import ICD10CM, LOINC, SNOMED, code_set, get
from ..terminology import imaging as imaging_vs
from ..terminology import observations as vs
from .facts import Finding, _Obs

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
    text = f"{obs.value_text}\n{obs.note}"
    complete = not (loinc & imaging_vs.INCOMPLETE_DUPLEX_LOINC) and not report_text.incomplete_text(
        text
    )
    compression = report_text.compression_side_from_text(text, side)

    def study(study_side: Side, study_result: Result, waveform: Waveform | None) -> ImagingStudy:
        return ImagingStudy(
            modality=modality,
            side=study_side,
            result=study_result,
            complete=complete,
            cfv_waveform=waveform,
            compression_side=compression,
            preliminary=obs.preliminary,
            when=obs.when,
            source=obs.source,
        )

    # "RLE: no DVT. LLE: thrombus" in one bilateral result: each leg its own result and waveform.
    per_side = report_text.per_side_results(text, side, result)
    if per_side:
        return [study(s, r, report_text.side_waveform_of(text, s)) for s, r in per_side.items()]
    return [study(side, result, report_text.waveform_from_text(text))]


def _observation_result(obs: _Obs) -> Result:
    if get(obs.model, "dataAbsentReason") is not None:
        return Result.UNKNOWN
    answer = code_set(get(obs.model, "valueCodeableConcept"))
    snomed = {code for system, code in answer if system == SNOMED}
    if snomed & imaging_vs.POSITIVE_CONCLUSIONS or any(
        system == ICD10CM and code.startswith(imaging_vs.DVT_ICD10_PREFIXES)
        for system, code in answer
    ):
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
    return report_text.result_from_text(f"{obs.value_text}\n{obs.note}")
