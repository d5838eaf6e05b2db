"""One validated DiagnosticReport -> ImagingStudy (result, completeness, waveform,
compression, per-side results), IVUS measurements, mass nature and phlegmasia; its text from
the conclusion, conclusion codes and plain-text / HTML presentedForm.
"""

from __future__ import annotations

import base64
import binascii
import html as htmllib
import re
from dataclasses import replace
from typing import Any

from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    ImagingStudy,
    IvusStenosis,
    Modality,
    Result,
    Side,
    Source,
    VeinLevel,
)

from .. import text as clinical_text
from ..dvt_level import coded_dvt_level, with_level
from ..fhir_types import LOINC, as_list, code_set, codings, concept_text, first_when, get, ref_of
from ..laterality import side_from
from ..report_text import (
    compression_side_from_text,
    findings_text,
    incomplete_text,
    ivus_findings,
    result_from_text,
    side_results,
    waveform_from_text,
)
from ..statements import statements, text_of
from ..terminology import conditions as condition_vs
from ..terminology import imaging as vs
from .conclusions import (
    _code_side,
    _coded_compression,
    _conclusion_result,
    _dvt_level_from_text,
    _per_side_results,
    _side_waveform,
    _sided_waveforms,
    _text_side,
)
from .masses import _masses, _reports_pelvic_mass
from .statuses import _PRELIMINARY_STATUS, _USABLE_STATUS, _WHEN_KEYS, Finding
from .study_kind import (
    _modality_from_codes,
    modality_from_text,
    not_a_leg_or_pelvic_study,
    venography_named,
)

_DVT_IMAGING = frozenset({Modality.DUPLEX, Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY})
_CROSS_SECTIONAL = frozenset(
    {Modality.CONTRAST_CT_MRI, Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY}
)
# Report text embedded as presentedForm larger than this is not decoded (cost bound).
_MAX_PRESENTED_FORM_BYTES = 64_000


_IVUS_TEXT = ("ivus", "intravascular ultrasound", "intravascular us")


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


def _one_leg_result(text: str, side: Side, overall: Result) -> tuple[Result, dict[Side, Result]]:
    """A one-leg study's own result when its text names legs ("Left: no DVT. Contralateral
    right CFV: thrombus"), and the other leg's result when it is positive."""
    sided = side_results(text)
    if not sided:
        return overall, {}
    other = Side.RIGHT if side is Side.LEFT else Side.LEFT
    positive_other = {other: Result.POSITIVE} if sided.get(other) is Result.POSITIVE else {}
    return sided.get(side, Result.UNKNOWN), positive_other


def convert_report(model: Any) -> list[Finding]:
    """Findings of one validated DiagnosticReport model; a positive duplex carries the level
    its conclusion code states (ICD-10-CM DVT code)."""
    level = coded_dvt_level(code_set(get(model, "conclusionCode")))
    return with_level(_report_findings(model), level)


def _report_findings(model: Any) -> list[Finding]:
    status = get(model, "status")
    if status not in _USABLE_STATUS:
        return []
    code = get(model, "code")
    codes = code_set(code)
    code_text = concept_text(code)
    modality = _modality_from_codes(codes) or modality_from_text(code_text)
    raw_text = _report_text(model)
    if modality is None and venography_named(raw_text):
        # Profile: a report whose conclusion names venography/IVUS is a venography/IVUS report
        # whatever its code ("RFA Vein - left Views W contrast IV").
        modality = Modality.VENOGRAPHY_IVUS
    if modality is None or not_a_leg_or_pelvic_study(code_text):
        return []
    text = findings_text(raw_text)
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
    other_leg: dict[Side, Result] = {}
    if result is None:
        result = result_from_text(text)
        if side in (Side.LEFT, Side.RIGHT):
            result, other_leg = _one_leg_result(text, side, result)
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
    if waveform and side in (Side.LEFT, Side.RIGHT):
        # A one-leg study may state the other CFV for comparison: the study's is its own.
        waveform = _side_waveform(text, side)
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
    per_side = _per_side_results(text, side, result)
    if not per_side and side is Side.BILATERAL and waveform and _sided_waveforms(text):
        # A bilateral report whose legs have different waveforms: one study per leg.
        per_side = {Side.LEFT: result, Side.RIGHT: result}
    if per_side:
        found.extend(study(s, r, split=True) for s, r in per_side.items())
    else:
        found.append(study(side, result))
    # A thrombus the one-leg study found in the other leg is that leg's positive (partial) study.
    found.extend(replace(study(s, r, split=True), complete=False) for s, r in other_leg.items())

    all_text = f"{code_text}. {text}"
    # "IVUS not performed": a venographic percentage is then not an IVUS measurement.
    ivus_done = clinical_text.affirmed(all_text, _IVUS_TEXT)
    if modality is Modality.VENOGRAPHY_IVUS or ivus_done:
        found.extend(
            replace(f, preliminary=True) if preliminary and isinstance(f, IvusStenosis) else f
            for f in ivus_findings(text, side, when, source, ivus=ivus_done)
        )
    if modality in _CROSS_SECTIONAL or modality is Modality.VENOGRAPHY_IVUS:
        # The text of the mass's own imaging names its nature (profile v2.3).
        # A contrast CT/MRI is of the abdomen/pelvis: a mass it names is the pelvic mass.
        site_known = (modality is Modality.CONTRAST_CT_MRI or compression is not None
                      or _reports_pelvic_mass(text))
        # A nature stated without a side ("Biopsy-proven DLBCL.") is the side's of the mass or
        # compression the report names.
        mass_side = side
        if mass_side is Side.UNKNOWN:
            mass_side = compression if compression not in (None, Side.UNKNOWN) else _text_side(text)
        found.extend(
            _masses(conclusion_codes, mass_side, when, source, text, site_known=site_known)
        )
    # A mass coded as the study's conclusion is a mass on record, dated at the study (so a
    # contrast CT/MRI that found it also characterizes it; a CT/MR venography does not).
    if modality in _CROSS_SECTIONAL and condition_vs.PELVIC_MASS.matches(conclusion_codes):
        found.append(Diagnosis(concept=Concept.PELVIC_MASS, side=side, recorded=when,
                               source=source))
    # A positive duplex / CT / MR venography is an acute DVT (catalog); its level (proximal =
    # popliteal or above, "or bodySite/text") lives only in the report text, which the
    # ImagingStudy finding does not carry: state it as a DVT diagnosis of that side so the
    # IVC-filter rules can see it ("the positive imaging with its text" states a level).
    if modality in _DVT_IMAGING:
        positives = [s for s in found if isinstance(s, ImagingStudy)
                     and s.result is Result.POSITIVE]
        for positive in positives:
            sided = per_side or other_leg
            level = _dvt_level_from_text(text, positive.side if sided else None)
            if level is VeinLevel.UNKNOWN:
                continue
            found.append(Diagnosis(concept=Concept.DVT, side=positive.side, recorded=when,
                                   level=level, site_text=level.value, source=source))
    # Catalog: limb-threatening ischemia includes phlegmasia stated in "a report conclusion".
    # A past episode ("history of phlegmasia in 2019") is not today's ischemia.
    if clinical_text.affirmed(text_of(statements(text)), condition_vs.LIMB_ISCHEMIA_TEXT):
        found.append(
            Diagnosis(concept=Concept.LIMB_ISCHEMIA, side=side, recorded=when, source=source)
        )
    return found
