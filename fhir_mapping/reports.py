"""DiagnosticReport and ImagingStudy -> imaging findings, read from codes, then report text.

A DiagnosticReport of a venous duplex, CT/MR venography, contrast CT/MRI of the pelvis or a
venography/IVUS procedure becomes an `ImagingStudy` (result, completeness, CFV waveform,
compression); its text may also carry IVUS measurements (`IvusStenosis`, `ReferenceDiameter`,
`LesionBehavior`) and, for cross-sectional imaging, the nature of a mass
(`MassCharacterization`). An ImagingStudy resource with DICOM modality IVUS proves that IVUS
was done, not what it found.

Text is read negation-aware (`fhir_mapping.text`): a hedged statement ("cannot exclude DVT")
is neither positive nor negative, and no statement never defaults to a result.
"""

from __future__ import annotations

import base64
import binascii
import html as htmllib
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    ImagingStudy,
    IvusStenosis,
    LesionBehavior,
    MassCharacterization,
    Modality,
    ReferenceDiameter,
    Result,
    Side,
    Source,
    VeinLevel,
    Waveform,
)

from . import text as clinical_text
from .fhir_types import (
    DICOM,
    ICD10CM,
    LOINC,
    SNOMED,
    as_list,
    code_set,
    codings,
    concept_text,
    first_when,
    get,
    ref_of,
    validate,
)
from .laterality import combine, side_from, side_from_text
from .report_text import (
    compression_side_from_text,
    findings_text,
    incomplete_text,
    ivus_findings,
    result_from_text,
    waveform_from_text,
)
from .terminology import conditions as condition_vs
from .terminology import imaging as vs

Finding = (
    ImagingStudy
    | IvusStenosis
    | ReferenceDiameter
    | LesionBehavior
    | MassCharacterization
    | Diagnosis
)

_FINAL_STATUS = frozenset({"final", "amended", "corrected", "appended"})
_PRELIMINARY_STATUS = frozenset({"preliminary", "partial"})
_USABLE_STATUS = _FINAL_STATUS | _PRELIMINARY_STATUS
_IMAGING_STUDY_EXCLUDED = frozenset({"cancelled", "entered-in-error"})
_WHEN_KEYS = ("effectiveDateTime", "effectivePeriod", "issued")
_CROSS_SECTIONAL = frozenset(
    {Modality.CONTRAST_CT_MRI, Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY}
)
# Report text embedded as presentedForm larger than this is not decoded (cost bound).
_MAX_PRESENTED_FORM_BYTES = 64_000

# Applied to lower-cased text (`concept_text`): no case-insensitive matching needed.
_RELEVANT_TEXT = re.compile(
    r"duplex|doppler|venous|venograph|venogram|phlebograph|ivus|intravascular|ctv|mrv"
    r"|compression ultrasound|dvt|contrast|enhanced|gadolinium|with and without|\bw\s*/?\s*wo?\b"
)

_IVUS_TEXT = ("ivus", "intravascular ultrasound", "intravascular us")


# ---------------------------------------------------------------- relevance and entry points


def _modality_from_codes(codes: Iterable[tuple[str, str]]) -> Modality | None:
    found = [vs.MODALITY_BY_CODE[c] for c in codes if c in vs.MODALITY_BY_CODE]
    if not found:
        return None
    # A report coded both as venography and as something else is read by its most specific code.
    for preferred in (Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY, Modality.VENOGRAPHY_IVUS,
                      Modality.DUPLEX, Modality.CONTRAST_CT_MRI):
        if preferred in found:
            return preferred
    return found[0]


# Contrast CT/MRI of the abdomen/pelvis named only by an EHR procedure text
# ("CT ABDOMEN PELVIS W IV CONTRAST", "MRI PELVIS W WO CONTRAST"). Non-contrast studies
# ("WO CONTRAST", "non-contrast") and angiography (CTA/MRA: arterial phase) do not count.
_CROSS_SECTIONAL_TEXT = re.compile(r"\b(ct|computed tomography|mri|mr|magnetic resonance)\b")
_ABDOMEN_PELVIS_TEXT = re.compile(r"\b(abd|abdomen|abdominal|pelvis|pelvic)\b")
_WITH_CONTRAST_TEXT = re.compile(
    r"\bw(?:ith)?\s*(?:/|and|&)?\s*w/?o(?:ut)?\b|\bwith and without\b"
    r"|\b(?:w/?|with)\s*(?:iv\s+|i\.v\.\s+)?(?:contrast|gadolinium|gad)\b"
    r"|\b(?:iv|intravenous) contrast\b|\bcontrast[- ]enhanced\b"
)
_WITHOUT_CONTRAST_TEXT = re.compile(
    r"\b(?:wo|w/o|without|non[- ]?contrast|no)\s*(?:iv\s+)?(?:contrast|gadolinium)\b"
    r"|\bnon[- ]?contrast\b|\bunenhanced\b"
)
_ANGIOGRAPHY_TEXT = re.compile(r"\b(cta|mra|angiogra\w*|arteriogra\w*)\b")


def contrast_ct_mri_text(text: str) -> bool:
    """True when a procedure text names a contrast CT/MRI of the abdomen or pelvis."""
    text = text.lower()
    if not (_CROSS_SECTIONAL_TEXT.search(text) and _ABDOMEN_PELVIS_TEXT.search(text)):
        return False
    if _ANGIOGRAPHY_TEXT.search(text):
        return False
    with_contrast = _WITH_CONTRAST_TEXT.search(text) is not None
    if not with_contrast:
        return False
    # "W WO" / "with and without" is a contrast study; a plain "without contrast" is not.
    both = re.search(r"\bw(?:ith)?\s*(?:/|and|&)?\s*w/?o(?:ut)?\b|\bwith and without\b", text)
    return both is not None or _WITHOUT_CONTRAST_TEXT.search(text) is None


# A venous duplex/venogram of the arm, neck or abdominal organs ("US VENOUS DUPLEX UPPER
# EXTREMITY LEFT", CPT 93970/93971 also cover the arms): its "no DVT" must never exclude DVT
# in the leg on the same side.
_NON_LEG_SITE_TEXT = re.compile(
    r"\b(upper (?:extremit(?:y|ies)|limbs?)|arms?|forearms?|subclavian|jugular|axillary"
    r"|brachial|basilic|cephalic|renal|hepatic|portal|carotid|mesenteric|splenic|neck|uex?"
    r"|dialysis|fistul\w*|av graft)\b"
)
_LEG_SITE_TEXT = re.compile(
    r"\b(lower (?:extremit(?:y|ies)|limbs?)|legs?|thighs?|femoral|popliteal|calf|calves"
    r"|tibial|peroneal|iliac|pelvi[cs]|groin|lle|rle|ble|lex?|ivc|vena cava|may-thurner)\b"
)


def not_a_leg_or_pelvic_study(code_text: str) -> bool:
    """True when a report's name places it at a non-leg site and names no leg/pelvic site."""
    text = code_text.lower()
    return bool(_NON_LEG_SITE_TEXT.search(text)) and not _LEG_SITE_TEXT.search(text)


def modality_from_text(text: str) -> Modality | None:
    """Modality named by a report's code text ('CT venography of the pelvis')."""
    for modality, phrases in vs.MODALITY_TEXT:
        if clinical_text.has_any(text, phrases):
            return modality
    if clinical_text.has_any(text, vs.VENOGRAPHY_WORDS):
        return Modality.VENOGRAPHY_IVUS
    if contrast_ct_mri_text(text):
        return Modality.CONTRAST_CT_MRI
    return None


def relevant(resource: Mapping[str, Any]) -> bool:
    """Cheap check on raw JSON: a usable imaging report or an IVUS ImagingStudy."""
    rtype = resource.get("resourceType")
    if rtype == "ImagingStudy":
        return resource.get("status") not in _IMAGING_STUDY_EXCLUDED and _raw_has_ivus(resource)
    if rtype != "DiagnosticReport" or resource.get("status") not in _USABLE_STATUS:
        return False
    code = resource.get("code")
    if any((system, value) in vs.MODALITY_BY_CODE for system, value, _ in codings(code)):
        return True
    return bool(_RELEVANT_TEXT.search(concept_text(code))) and (
        modality_from_text(concept_text(code)) is not None
    )


def _raw_has_ivus(resource: Mapping[str, Any]) -> bool:
    modalities = list(as_list(resource.get("modality")))
    for series in as_list(resource.get("series")):
        if isinstance(series, Mapping):
            modalities.append(series.get("modality"))
    return any(
        system in (DICOM, "") and value.upper() in vs.DICOM_IVUS
        for system, value, _ in codings(modalities)
    )


def convert(resource: Mapping[str, Any]) -> list[Finding]:
    """Findings of one raw DiagnosticReport / ImagingStudy; invalid or unusable -> nothing."""
    if not relevant(resource):
        return []
    model = validate(resource)
    if model is None:
        return []
    if resource.get("resourceType") == "ImagingStudy":
        return _imaging_study(model)
    return convert_report(model)


# ---------------------------------------------------------------- DiagnosticReport


def _report_text(model: Any) -> str:
    """Conclusion, conclusion code texts and plain-text presentedForm attachments."""
    parts = [str(get(model, "conclusion") or ""), concept_text(get(model, "conclusionCode"))]
    for attachment in as_list(get(model, "presentedForm")):
        content_type = str(get(attachment, "contentType") or "")
        data = get(attachment, "data")
        html = content_type.startswith(("text/html", "application/xhtml"))
        if not data or not (content_type.startswith("text/plain") or html):
            continue
        # The validated model holds decoded bytes; raw JSON holds base64 text.
        if isinstance(data, bytes):
            decoded = data
        else:
            try:
                decoded = base64.b64decode(str(data), validate=False)
            except (binascii.Error, ValueError):
                continue
        if len(decoded) > _MAX_PRESENTED_FORM_BYTES:
            continue
        text = decoded.decode("utf-8", errors="replace")
        parts.append(_html_text(text) if html else text)
    return "\n".join(p for p in parts if p)


_HTML_BLOCK = re.compile(r"<\s*(?:br|/p|/div|/li|/tr|/h\d)\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]{0,2000}>")
_HTML_SKIPPED = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _html_text(html: str) -> str:
    """Plain text of an HTML report (Cerner and Epic send text/html presentedForm): block
    ends become sentence breaks so that "No DVT<br>Left: thrombus" stays two sentences."""
    text = _HTML_SKIPPED.sub(" ", html)
    text = _HTML_BLOCK.sub(".\n", text)
    return htmllib.unescape(_HTML_TAG.sub(" ", text))


def convert_report(model: Any) -> list[Finding]:
    """Findings of one validated DiagnosticReport model."""
    status = get(model, "status")
    if status not in _USABLE_STATUS:
        return []
    code = get(model, "code")
    codes = code_set(code)
    code_text = concept_text(code)
    modality = _modality_from_codes(codes) or modality_from_text(code_text)
    if modality is None or not_a_leg_or_pelvic_study(code_text):
        return []
    text = findings_text(_report_text(model))
    conclusion_codes = code_set(get(model, "conclusionCode"))
    when = first_when(model, *_WHEN_KEYS)
    display = str(get(code, "text") or next((d for _, _, d in codings(code) if d), modality))
    source = Source(refs=(ref_of(model),), display=display)
    preliminary = status in _PRELIMINARY_STATUS

    side = _code_side(codes)
    if side is Side.UNKNOWN:
        side = side_from(codes, None, code_text)
    if side is Side.UNKNOWN:
        side = _text_side(text)

    result = _conclusion_result(conclusion_codes)
    if result is None:
        result = result_from_text(text)
    complete = True
    if modality is Modality.DUPLEX:
        incomplete_coded = any(
            system == LOINC and c in vs.INCOMPLETE_DUPLEX_LOINC for system, c in codes
        )
        complete = not incomplete_coded and not incomplete_text(text)
    compression = compression_side_from_text(text, side)
    if compression is None and _coded_compression(conclusion_codes):
        compression = _text_side(text) if _text_side(text) is not Side.UNKNOWN else side
    waveform = waveform_from_text(text) if modality is not Modality.CONTRAST_CT_MRI else None
    mass_reported = modality is Modality.CONTRAST_CT_MRI and (
        condition_vs.PELVIC_MASS.matches(conclusion_codes) or _reports_pelvic_mass(text)
    )

    def study(study_side: Side, study_result: Result, split: bool = False) -> ImagingStudy:
        return ImagingStudy(
            modality=modality,
            side=study_side,
            result=study_result,
            complete=complete,
            cfv_waveform=_side_waveform(text, study_side) if split and waveform else waveform,
            compression_side=compression,
            preliminary=preliminary,
            when=when,
            source=source,
            mass_reported=mass_reported,
        )

    found: list[Finding] = []
    per_side = _per_side_results(text, side, result) if result is not Result.UNKNOWN else None
    if per_side:
        found.extend(study(s, r, split=True) for s, r in per_side.items())
    else:
        found.append(study(side, result))

    all_text = f"{code_text} {text}"
    if modality is Modality.VENOGRAPHY_IVUS or clinical_text.has_any(all_text, _IVUS_TEXT):
        found.extend(
            replace(f, preliminary=True) if preliminary and isinstance(f, IvusStenosis) else f
            for f in ivus_findings(text, side, when, source,
                                   ivus=clinical_text.has_any(all_text, _IVUS_TEXT))
        )
    if modality in _CROSS_SECTIONAL:
        found.extend(_masses(conclusion_codes, side, when, source))
        # A mass coded as the study's conclusion is a mass on record, dated at the study (so a
        # contrast CT/MRI that found it also characterizes it; a CT/MR venography does not).
        if condition_vs.PELVIC_MASS.matches(conclusion_codes):
            found.append(Diagnosis(concept=Concept.PELVIC_MASS, side=side, recorded=when,
                                   source=source))
    # A positive duplex is an acute DVT (catalog); its level (proximal = popliteal or above,
    # "or bodySite/text") lives only in the report text, which the ImagingStudy finding does not
    # carry: state it as a DVT diagnosis of that side so the IVC-filter rules can see it.
    level = _dvt_level_from_text(text) if modality is Modality.DUPLEX else VeinLevel.UNKNOWN
    if level is not VeinLevel.UNKNOWN:
        found.extend(
            Diagnosis(
                concept=Concept.DVT,
                side=s.side,
                recorded=when,
                level=level,
                site_text=level.value,
                source=source,
            )
            for s in found
            if isinstance(s, ImagingStudy) and s.result is Result.POSITIVE
        )
    # Catalog: limb-threatening ischemia includes phlegmasia stated in "a report conclusion".
    if clinical_text.affirmed(text, condition_vs.LIMB_ISCHEMIA_TEXT):
        found.append(
            Diagnosis(concept=Concept.LIMB_ISCHEMIA, side=side, recorded=when, source=source)
        )
    return found


_PROXIMAL_VEIN_TEXT = ("iliac", "femoral", "popliteal", "iliofemoral", "femoropopliteal",
                       "cfv", "sfv", "profunda")
_DISTAL_VEIN_TEXT = ("calf", "tibial", "peroneal", "soleal", "gastrocnemius", "ptv")


_THROMBUS_TEXT = ("thrombus", "thrombi", "thrombosis", "dvt", "clot", "occlusive",
                  "non-compressible", "noncompressible")


def _dvt_level_from_text(text: str) -> VeinLevel:
    """Proximal when a clause affirming thrombus names a vein at or above the popliteal; distal
    when such clauses name only calf veins. Clauses without thrombus ("normal compressibility
    of the femoral vein") never decide, so a calf DVT is not made proximal."""
    level = VeinLevel.UNKNOWN
    for sentence in clinical_text.sentences(text):
        for clause in sentence.split(";"):
            if not clinical_text.affirmed(clause, _THROMBUS_TEXT):
                continue
            if clinical_text.affirmed(clause, _PROXIMAL_VEIN_TEXT):
                return VeinLevel.PROXIMAL
            if clinical_text.affirmed(clause, _DISTAL_VEIN_TEXT):
                level = VeinLevel.DISTAL
    return level


def _side_waveform(text: str, side: Side) -> Waveform | None:
    """The waveform of one leg: sentences naming that leg or no leg."""
    keep = (side, Side.UNKNOWN, Side.BILATERAL)
    return waveform_from_text(
        ". ".join(s for s in clinical_text.sentences(text) if side_from_text(s) in keep)
    )


def _code_side(codes: Iterable[tuple[str, str]]) -> Side:
    return combine(
        vs.DUPLEX_SIDE_LOINC[c] for system, c in codes
        if system == LOINC and c in vs.DUPLEX_SIDE_LOINC
    )


def _text_side(text: str) -> Side:
    return combine(side_from_text(s) for s in clinical_text.sentences(text))


def _conclusion_result(codes: Iterable[tuple[str, str]]) -> Result | None:
    positive = negative = False
    for system, code in codes:
        if system == SNOMED and code in vs.POSITIVE_CONCLUSIONS:
            positive = True
        elif system == SNOMED and code in vs.NEGATIVE_CONCLUSIONS:
            negative = True
        elif system == ICD10CM and code.startswith(vs.DVT_ICD10_PREFIXES):
            positive = True
    if positive:
        return Result.POSITIVE
    if negative:
        return Result.NEGATIVE
    return None


def _coded_compression(codes: Iterable[tuple[str, str]]) -> bool:
    return any(
        (system == ICD10CM and code in vs.ILIAC_COMPRESSION_ICD10)
        or (system == SNOMED and code in vs.ILIAC_COMPRESSION_SNOMED)
        for system, code in codes
    )


_MASS_TEXT = ("mass", "masses", "lymphadenopathy", "adenopathy", "enlarged lymph node",
              "enlarged lymph nodes")


def _reports_pelvic_mass(text: str) -> bool:
    """Conclusion text affirming a mass/adenopathy at a pelvic/iliac/inguinal site."""
    return clinical_text.affirmed(text, _MASS_TEXT) and clinical_text.affirmed(
        text, condition_vs.PELVIC_SITE_TEXT
    )


def _masses(
    codes: Iterable[tuple[str, str]], side: Side, when: datetime | None, source: Source
) -> list[MassCharacterization]:
    natures = dict.fromkeys(
        vs.MASS_NATURE_CONCLUSIONS[code] for system, code in codes
        if system == SNOMED and code in vs.MASS_NATURE_CONCLUSIONS
    )
    return [MassCharacterization(nature=n, side=side, when=when, source=source) for n in natures]


def _per_side_results(text: str, study_side: Side, overall: Result) -> dict[Side, Result] | None:
    """Split a bilateral (or unsided) study whose sentences name the side of each result.

    "Right: no DVT. Left: occlusive thrombus in the CFV." gives left POSITIVE and right
    NEGATIVE; a sentence with a result but no side keeps the study whole.
    """
    if study_side not in (Side.BILATERAL, Side.UNKNOWN):
        return None
    by_side: dict[Side, list[str]] = {Side.LEFT: [], Side.RIGHT: []}
    for sentence in clinical_text.sentences(text):
        if result_from_text(sentence) is Result.UNKNOWN:
            continue
        side = side_from_text(sentence)
        if side not in by_side:
            return None  # a result with no single side: the study cannot be split
        by_side[side].append(sentence)
    results = {
        side: result_from_text(". ".join(sentences))
        for side, sentences in by_side.items()
        if sentences
    }
    if not results:
        return None
    if study_side is Side.BILATERAL:
        for side in (Side.LEFT, Side.RIGHT):
            # A side the text does not mention keeps the study-level negative only.
            results.setdefault(side, overall if overall is Result.NEGATIVE else Result.UNKNOWN)
    return results


# ---------------------------------------------------------------- ImagingStudy resource


def _imaging_study(model: Any) -> list[Finding]:
    if get(model, "status") in _IMAGING_STUDY_EXCLUDED:
        return []
    series = as_list(get(model, "series"))
    sides = [
        side_from((), [get(s, "bodySite"), get(s, "laterality")], concept_text(get(s, "bodySite")))
        for s in series
    ]
    side = combine(sides)
    if side is Side.UNKNOWN:
        side = side_from_text(str(get(model, "description") or ""))
    when = first_when(model, "started") or first_when(
        series[0] if series else None, "started"
    )
    return [
        ImagingStudy(
            modality=Modality.VENOGRAPHY_IVUS,
            side=side,
            when=when,
            source=Source(refs=(ref_of(model),), display=str(get(model, "description") or
                                                               "IVUS")),
        )
    ]


__all__ = [
    "convert",
    "convert_report",
    "modality_from_text",
    "relevant",
]
