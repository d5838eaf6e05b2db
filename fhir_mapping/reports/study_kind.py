"""What study a report is: its modality from codes or code text (duplex, CT/MR venography,
contrast CT/MRI, venography/IVUS) and whether it is a study of another body part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cds_hooks.guideline.findings import Modality

from .. import text as clinical_text
from ..terminology import imaging as vs

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


_VENOGRAPHY_NAMED = re.compile(
    r"\b(?:venograph\w*|venograms?|phlebograph\w*|phlebograms?|ivus|intravascular ultrasound"
    r"|intravascular us)\b",
    re.IGNORECASE,
)


def venography_named(text: str) -> bool:
    """A report text (conclusion, presentedForm) naming venography or IVUS."""
    return _VENOGRAPHY_NAMED.search(text) is not None
