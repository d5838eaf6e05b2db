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
    Behavior,
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

# Sentences naming the reason for the study, not its findings ("Indication: rule out DVT").
_HEADER_SENTENCE = re.compile(
    r"^(indication|indications|history|clinical history|clinical information|reason for "
    r"(exam|study|examination|referral)|comparison|technique|clinical question)\b"
)
_POSITIVE_EXTRA = (
    "non-compressible", "noncompressible", "not compressible", "incompressible",
    "partially compressible", "echogenic material", "intraluminal echoes", "filling defect",
)  # fmt: skip
_STRONG_DOPPLER = ("doppler", "waveform", "waveforms", "cfv", "common femoral", "phasic",
                   "phasicity", "spectral")
_LESION_CONTEXT = (
    "ivus", "intravascular", "lesion", "stenosis", "narrowing", "compression", "compressed",
    "venography", "venogram", "civ", "common iliac", "external iliac", "eiv", "iliac vein",
    "collapses", "collapse", "positional", "fixed", "dynamic",
)  # fmt: skip
_STENOSIS_CONTEXT = ("stenosis", "narrowing", "compression", "reduction", "stenotic",
                     "compressed", "luminal loss", "lumen loss")
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


def findings_text(text: str) -> str:
    """The report text without the sentences that state why it was done."""
    kept = [s for s in clinical_text.sentences(text) if not _HEADER_SENTENCE.match(s)]
    return ". ".join(kept)


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


# ---------------------------------------------------------------- text readers (public)


def result_from_text(text: str) -> Result:
    """DVT result of report text: a thrombus affirmed anywhere is positive; every mention
    negated (or a normal study) is negative; hedged or silent text is unknown."""
    body = findings_text(text)
    if not body:
        return Result.UNKNOWN
    acute = _without_chronic(body)
    if clinical_text.affirmed(acute, vs.THROMBUS_TEXT) or clinical_text.affirmed(
        acute, _POSITIVE_EXTRA
    ):
        return Result.POSITIVE
    state = clinical_text.assertion(body, vs.THROMBUS_TEXT)
    if state in (clinical_text.Assertion.AFFIRMED, clinical_text.Assertion.UNCERTAIN):
        # Only chronic thrombus, or a hedged statement: neither a new DVT nor its exclusion.
        return Result.UNKNOWN
    if state is clinical_text.Assertion.NEGATED or clinical_text.affirmed(
        body, vs.NORMAL_STUDY_TEXT
    ):
        return Result.NEGATIVE
    return Result.UNKNOWN


_CHRONIC_THROMBUS = re.compile(
    r"\b(?:chronic|old|residual|organi[sz]ed|recanali[sz]ed|post-?thrombotic|prior|previous)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:thrombus|thrombi|thrombosis|dvt|clot|deep vein thrombosis"
    r"|deep venous thrombosis)\b"
)
_ACUTE_WORDS = ("acute", "new", "fresh", "subacute", "propagating", "propagation")


# Superficial vein thrombosis is not DVT: a sentence naming only superficial veins (no deep
# vein, no saphenofemoral/saphenopopliteal junction) does not make a duplex positive.
_SUPERFICIAL_TEXT = ("saphenous", "gsv", "ssv", "superficial", "thrombophlebitis",
                     "varicose", "varicosity", "varicosities", "cephalic", "basilic")
_DEEP_TEXT = ("deep", "dvt", "femoral", "popliteal", "iliac", "tibial", "peroneal", "soleal",
              "gastrocnemius", "cfv", "sfv", "profunda", "junction", "calf vein", "calf veins")


def _without_chronic(text: str) -> str:
    """The text with chronic-thrombus mentions blanked, unless a sentence also says acute,
    and with sentences about superficial veins only left out."""
    kept = []
    for sentence in clinical_text.sentences(text):
        if clinical_text.has_any(sentence, _SUPERFICIAL_TEXT) and not clinical_text.has_any(
            sentence, _DEEP_TEXT
        ):
            continue
        if not clinical_text.affirmed(sentence, _ACUTE_WORDS):
            sentence = _CHRONIC_THROMBUS.sub("chronic finding", sentence)
        kept.append(sentence)
    return ". ".join(kept)


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


def incomplete_text(text: str) -> bool:
    """True when the text says a vein segment was not visualized / assessed."""
    for sentence in clinical_text.sentences(text):
        if clinical_text.has_any(sentence, vs.NOT_VISUALIZED_TEXT) and (
            clinical_text.has_any(sentence, vs.VEIN_SEGMENT_TEXT)
            or clinical_text.has_any(sentence, ("limited study", "limited examination",
                                                "limited evaluation"))
        ):
            return True
        if clinical_text.has_any(sentence, ("limited study", "limited examination",
                                            "limited evaluation")):
            return True
    return False


def _strip(sentence: str, phrases: tuple[str, ...]) -> str:
    for phrase in sorted(phrases, key=len, reverse=True):
        sentence = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", sentence)
    return sentence


def waveform_from_text(text: str, *, doppler: bool = False) -> Waveform | None:
    """CFV Doppler waveform stated in text; None when no Doppler sentence states it.

    `doppler` says the whole text is about the CFV Doppler (the value of a waveform
    Observation), so a sentence needs no Doppler word of its own.
    """
    states: set[Waveform] = set()
    for sentence in clinical_text.sentences(text):
        strong = doppler or clinical_text.has_any(sentence, _STRONG_DOPPLER)
        if not strong and not clinical_text.has_any(sentence, vs.DOPPLER_CONTEXT_TEXT):
            continue
        if clinical_text.has_any(sentence, _LESION_CONTEXT) and not strong:
            continue  # "varies with respiration" of a lesion is its behavior, not a waveform
        non_phasic = clinical_text.assertion(sentence, vs.NON_PHASIC_TEXT)
        if non_phasic is clinical_text.Assertion.AFFIRMED:
            states.add(Waveform.NON_PHASIC)
            continue
        rest = _strip(sentence, vs.NON_PHASIC_TEXT)
        phasic = clinical_text.assertion(rest, (*vs.PHASIC_TEXT, "phasicity"))
        if phasic is clinical_text.Assertion.AFFIRMED:
            states.add(Waveform.PHASIC)
        elif phasic is clinical_text.Assertion.NEGATED:
            states.add(Waveform.NON_PHASIC)
        elif non_phasic is clinical_text.Assertion.NEGATED:
            states.add(Waveform.PHASIC)
    if len(states) == 1:
        return states.pop()
    # A non-phasic segment is the finding that matters when sentences differ.
    return Waveform.NON_PHASIC if Waveform.NON_PHASIC in states else None


def behavior_from_text(text: str) -> Behavior | None:
    """Lesion behavior (IVUS/venography) stated in text; no statement -> None, never fixed."""
    states: set[Behavior] = set()
    for sentence in clinical_text.sentences(text):
        if clinical_text.has_any(sentence, _STRONG_DOPPLER) and not clinical_text.has_any(
            sentence, ("lesion", "stenosis", "ivus", "compression")
        ):
            continue  # a Doppler sentence: respiratory variation there is a waveform
        fixed = clinical_text.assertion(sentence, vs.FIXED_TEXT)
        rest = _strip(sentence, vs.FIXED_TEXT)
        dynamic = clinical_text.assertion(rest, vs.DYNAMIC_TEXT)
        if dynamic is clinical_text.Assertion.AFFIRMED:
            states.add(Behavior.DYNAMIC)
        if fixed is clinical_text.Assertion.AFFIRMED:
            states.add(Behavior.FIXED)
        elif fixed is clinical_text.Assertion.NEGATED and dynamic is not (
            clinical_text.Assertion.AFFIRMED
        ):
            states.add(Behavior.DYNAMIC)
        if dynamic is clinical_text.Assertion.NEGATED and fixed is clinical_text.Assertion.ABSENT:
            states.add(Behavior.FIXED)
    # Contradictory statements leave the behavior unknown rather than guessed.
    return states.pop() if len(states) == 1 else None


def compression_side_from_text(text: str, default: Side = Side.UNKNOWN) -> Side | None:
    """Side of an iliac vein compression the text affirms; None when it affirms none."""
    sides: list[Side] = []
    for sentence in clinical_text.sentences(text):
        if clinical_text.affirmed(sentence, vs.COMPRESSION_TEXT):
            sides.append(_compressed_vein_side(sentence))
    if not sides:
        return None
    side = combine(sides)
    return side if side is not Side.UNKNOWN else default


_VEIN_SIDE = re.compile(
    r"\b(left|right|lt|rt|l|r)\s+(?:(?:common|external)\s+)?(?:iliac\s+vein|civ|eiv)\b"
)
_VEIN_SIDE_WORD = {"left": Side.LEFT, "lt": Side.LEFT, "l": Side.LEFT,
                   "right": Side.RIGHT, "rt": Side.RIGHT, "r": Side.RIGHT}
# The compressing artery ("by the right common iliac artery") names the other side.
_COMPRESSOR = re.compile(r"\b(by|between|from)\b.*\bartery\b.*$")


def _compressed_vein_side(sentence: str) -> Side:
    """Side of the compressed vein, not of the artery that compresses it."""
    veins = {_VEIN_SIDE_WORD[m.group(1)] for m in _VEIN_SIDE.finditer(sentence)}
    if len(veins) == 1:
        return veins.pop()
    return side_from_text(_COMPRESSOR.sub("", sentence))


def ivus_findings(
    text: str,
    side: Side,
    when: datetime | None,
    source: Source,
    *,
    ivus: bool = True,
) -> list[IvusStenosis | ReferenceDiameter | LesionBehavior]:
    """IVUS measurements and lesion behavior stated in a venography/IVUS report's text.

    Percent stenoses and reference diameters are taken only when the report is an IVUS report
    (`ivus`): a venographic percentage is not an IVUS measurement.
    """
    found: list[IvusStenosis | ReferenceDiameter | LesionBehavior] = []
    for sentence in clinical_text.sentences(text) if ivus else ():
        sentence_side = side_from_text(sentence)
        if sentence_side is Side.UNKNOWN:
            sentence_side = side
        if clinical_text.has_any(sentence, _STENOSIS_CONTEXT):
            for chunk in re.split(r",|;|\band\b|\bwith\b", sentence):
                for value in clinical_text.percentages(chunk):
                    if value > 100:
                        continue
                    found.append(IvusStenosis(
                        percent=value,
                        area=_is_area(chunk, sentence),
                        side=side_from_text(chunk) if side_from_text(chunk) is not Side.UNKNOWN
                        else sentence_side,
                        when=when,
                        source=source,
                    ))
        if clinical_text.has_any(sentence, vs.REFERENCE_TEXT):
            diameter = _reference_mm(sentence)
            if diameter is not None:
                found.append(ReferenceDiameter(mm=diameter, side=sentence_side, from_ivus=True,
                                               when=when, source=source))
    behavior = behavior_from_text(text)
    if behavior is not None:
        found.append(LesionBehavior(behavior=behavior, side=side, when=when, source=source))
    return found


def _is_area(chunk: str, sentence: str) -> bool:
    if clinical_text.has_any(chunk, ("area",)):
        return True
    if clinical_text.has_any(chunk, ("diameter",)):
        return False
    return clinical_text.has_any(sentence, ("area",)) and not clinical_text.has_any(
        sentence, ("diameter",)
    )


def _reference_mm(sentence: str) -> float | None:
    """The first length after the word 'reference' ('reference EIV diameter 14 mm')."""
    start = sentence.find("reference")
    if start < 0:
        start = 0
    values = clinical_text.lengths_mm(sentence[start:])
    plausible = [v for v in values if 0 < v < 40]  # no iliac vein is 4 cm wide
    return plausible[0] if plausible else None


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
    "behavior_from_text",
    "compression_side_from_text",
    "convert",
    "convert_report",
    "findings_text",
    "incomplete_text",
    "ivus_findings",
    "modality_from_text",
    "relevant",
    "result_from_text",
    "waveform_from_text",
]
