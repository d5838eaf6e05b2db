"""Condition codes and text -> Diagnosis: DVT (level; arm DVT is VTE history), chronic DVT,
PE, VTE history, iliac vein compression, pelvic mass, and the other coded diagnoses of the
profile.
"""

from __future__ import annotations

from cds_hooks.guideline.findings import Concept, Diagnosis, Side, VeinLevel

from .. import text as clinical_text
from ..compression_text import compression_sides
from ..fhir_types import ICD10CM, SNOMED
from ..terminology import conditions as vs
from .facts import _LEG_WORDS, _diagnosis, _Facts, _has, _pelvic_site

_PROXIMAL_TEXT = ("iliac", "femoral", "popliteal", "proximal", "iliofemoral", "cfv",
                  "common femoral", "femoropopliteal", "above knee")
_DISTAL_TEXT = ("calf", "tibial", "peroneal", "soleal", "gastrocnemius", "distal",
                "below knee", "muscular vein")
# The generic SNOMED DVT codes (128053003, 132281000119108) also name arm and other
# non-leg DVTs; the catalog's acute DVT is "an acute lower-limb or iliac DVT". Such a DVT is
# still a prior VTE.
_GENERIC_DVT_SNOMED = frozenset({"128053003", "132281000119108"})
_NON_LEG_VEIN_TEXT = ("arm", "arms", "upper limb", "upper limbs", "upper extremity",
                      "upper extremities", "forearm", "hand", "subclavian", "axillary",
                      "brachial", "basilic", "cephalic", "jugular", "brachiocephalic",
                      "innominate", "svc", "superior vena cava", "portal", "mesenteric",
                      "splenic", "renal vein", "cerebral", "hepatic vein")


_EDEMA_TEXT = ("edema", "oedema")


def _dvt_level(facts: _Facts) -> VeinLevel:
    for system, code in facts.codes:
        if system != ICD10CM:
            continue
        if code.startswith(vs.DVT_PROXIMAL_PREFIXES):
            return VeinLevel.PROXIMAL
        if code.startswith(vs.DVT_DISTAL_PREFIXES):
            return VeinLevel.DISTAL
    text = f"{facts.site_text} {facts.code_text}"
    if _has(text, _PROXIMAL_TEXT):
        return VeinLevel.PROXIMAL
    if _has(text, _DISTAL_TEXT):
        return VeinLevel.DISTAL
    return VeinLevel.UNKNOWN


def _diagnoses(facts: _Facts) -> list[Diagnosis]:
    found: list[Diagnosis] = []
    codes = facts.codes
    if vs.DVT.matches(codes):
        if _non_leg_dvt(facts):
            found.append(_diagnosis(facts, Concept.VTE_HISTORY, side=Side.UNKNOWN))
        else:
            found.append(_diagnosis(facts, Concept.DVT, level=_dvt_level(facts)))
    if vs.CHRONIC_DVT.matches(codes):
        found.append(_diagnosis(facts, Concept.CHRONIC_DVT, level=_dvt_level(facts)))
    if vs.PULMONARY_EMBOLISM.matches(codes):
        found.append(_diagnosis(facts, Concept.PULMONARY_EMBOLISM))
    if vs.VTE_HISTORY.matches(codes):
        found.append(_diagnosis(facts, Concept.VTE_HISTORY))
    if _iliac_compression(facts):
        found.append(_diagnosis(facts, Concept.ILIAC_COMPRESSION))
    if vs.PELVIC_MASS.matches(codes) or (
        vs.PELVIC_MASS_GATED.matches(codes) and _pelvic_site(facts)
    ):
        found.append(_diagnosis(facts, Concept.PELVIC_MASS))
    if vs.HIP_ARTHROPLASTY.matches(codes):
        found.append(_diagnosis(facts, Concept.HIP_ARTHROPLASTY))
    if vs.PRIMARY_LYMPHEDEMA.matches(codes) or (
        vs.PRIMARY_LYMPHEDEMA_GATED.matches(codes)
        and _has(facts.all_text, vs.PRIMARY_LYMPHEDEMA_TEXT)
    ):
        found.append(_diagnosis(facts, Concept.PRIMARY_LYMPHEDEMA))
    if vs.SCROTAL_EDEMA.matches(codes) or (
        vs.SCROTAL_EDEMA_GATED.matches(codes) and _has(facts.all_text, _EDEMA_TEXT)
    ):
        found.append(_diagnosis(facts, Concept.SCROTAL_EDEMA, side=Side.UNKNOWN))
    if vs.LIMB_ISCHEMIA.matches(codes) or clinical_text.affirmed(
        f"{facts.code_text}. {facts.note}", vs.LIMB_ISCHEMIA_TEXT
    ):
        found.append(_diagnosis(facts, Concept.LIMB_ISCHEMIA))
    if vs.PREGNANCY.matches(codes):
        found.append(_diagnosis(facts, Concept.PREGNANCY, side=Side.UNKNOWN))
    for concept, value_set in vs.SIMPLE.items():
        if value_set.matches(codes):
            found.append(_diagnosis(facts, concept))
    return found


def _non_leg_dvt(facts: _Facts) -> bool:
    """Only a generic SNOMED DVT code, and the site or code text names an arm or another
    non-leg vein (and no leg): not a lower-limb DVT."""
    dvt_codes = vs.DVT.matching(facts.codes)
    if any(system != SNOMED or code not in _GENERIC_DVT_SNOMED for system, code in dvt_codes):
        return False
    text = f"{facts.site_text} {facts.code_text}"
    if _LEG_WORDS.search(text.lower()) or _has(text, _PROXIMAL_TEXT + _DISTAL_TEXT):
        return False
    return _has(text, _NON_LEG_VEIN_TEXT)


def _iliac_compression(facts: _Facts) -> bool:
    if vs.ILIAC_COMPRESSION.matches(facts.codes):
        # I87.1 is compression of any vein: another named vein is a different disease.
        return not _has(f"{facts.site_text} {facts.code_text}", vs.OTHER_VEIN_TEXT)
    return clinical_text.affirmed(facts.code_text, vs.ILIAC_COMPRESSION_TEXT) or bool(
        compression_sides(facts.code_text)
    )
