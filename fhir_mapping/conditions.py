"""Condition -> Diagnosis, Swelling, MassCharacterization, IliacStent and EdemaImpact findings.

Status rules of the input profile: refuted / entered-in-error never become findings;
provisional / differential / unconfirmed are suspected; resolved / inactive / remission are
history (`active=False`); a missing clinicalStatus is active unless abatement[x] is set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    EdemaImpact,
    Extent,
    IliacStent,
    Impact,
    MassCharacterization,
    MassNature,
    Side,
    Source,
    Swelling,
    VeinLevel,
)

from . import text as clinical_text
from .fhir_types import (
    ICD10CM,
    SNOMED,
    as_list,
    code_set,
    codings,
    concept_text,
    first_when,
    get,
    notes_text,
    ref_of,
    typed_reference,
    validate,
)
from .laterality import side_from, swollen_side_from_text
from .terminology import ValueSet
from .terminology import codes as snomed_codes
from .terminology import conditions as vs
from .terminology import icd as icd_codes
from .terminology.procedures import ILIAC_VEIN_SITES, ILIAC_VEIN_TEXT

Finding = Diagnosis | Swelling | MassCharacterization | IliacStent | EdemaImpact

_EXCLUDED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
_SUSPECTED_VERIFICATION = frozenset({"provisional", "differential", "unconfirmed"})
_HISTORY_CLINICAL = frozenset({"resolved", "inactive", "remission"})
_ABATEMENT_KEYS = (
    "abatementDateTime",
    "abatementAge",
    "abatementPeriod",
    "abatementRange",
    "abatementString",
    "abatementBoolean",
)

_ALL_VALUE_SETS: tuple[ValueSet, ...] = (
    vs.SWELLING,
    vs.SCROTAL_EDEMA,
    vs.SCROTAL_EDEMA_GATED,
    vs.PELVIC_MASS,
    vs.PELVIC_MASS_GATED,
    vs.DVT,
    vs.CHRONIC_DVT,
    vs.PULMONARY_EMBOLISM,
    vs.VTE_HISTORY,
    vs.ILIAC_COMPRESSION,
    *vs.MASS_NATURE.values(),
    *vs.MASS_NATURE_GATED.values(),
    vs.BURSITIS_GATED,
    vs.HIP_ARTHROPLASTY,
    vs.PRIMARY_LYMPHEDEMA,
    vs.PRIMARY_LYMPHEDEMA_GATED,
    vs.LIMB_ISCHEMIA,
    vs.ILIAC_STENT_HISTORY_GATED,
    vs.PREGNANCY,
    *vs.SIMPLE.values(),
)
_ALL_SNOMED = frozenset().union(*(v.snomed for v in _ALL_VALUE_SETS))
_ALL_ICD = frozenset().union(*(v.icd10 for v in _ALL_VALUE_SETS))
_ALL_ICD_PREFIXES = tuple(sorted({p for v in _ALL_VALUE_SETS for p in v.icd10_prefixes}))

# Text-only conditions (common in Synthea and hand-entered problem lists).
_TEXT_KEYWORDS = re.compile(
    r"may.?thurner|cockett|iliac vein compression|nivl|phlegmasia|venous gangrene|"
    r"swelling|swollen|o?edema",
    re.IGNORECASE,
)
_SWELLING_WORDS = ("swelling", "swollen", "edema", "oedema")
_LUMP_WORDS = ("lump", "lumps", "mass", "masses", "cyst", "lipoma", "nodule", "nodules",
               "lesion", "ganglion", "abscess", "hematoma", "haematoma")
_LUMP_CAPABLE_SWELLING = ValueSet(icd10=icd_codes("R22.40", "R22.41", "R22.42", "R22.43"))
# Codes that can only mean swelling/edema of the limb (not a lump): never a focal lump.
_EDEMA_ONLY_SWELLING = ValueSet(
    snomed=snomed_codes("449614009", "102572006", "449615005", "267039000"),
    icd10=icd_codes("R60.0"),
)
_LEG_WORDS = re.compile(
    r"\b(legs?|lower (limbs?|extremit(y|ies))|thighs?|calf|calves|ankles?|feet|foot|lle|rle|ble)\b"
)

_WHOLE_LEG_SITES = frozenset({"68367000", "26893007", "29836001", "182281004"})
_LIMITED_SITES = frozenset({"56459004", "344001", "53840002", "30021000", "70258002"})
_WHOLE_LEG_TEXT = ("thigh", "groin", "hip", "whole leg", "entire leg", "groin to ankle",
                   "whole limb", "entire limb", "whole lower limb",
                   # EHR wording puts the side in the middle: "swelling of entire left leg"
                   "whole left leg", "whole right leg", "entire left leg", "entire right leg")
# A free-text note mentions the hip or groin for many reasons ("s/p hip replacement"); only
# these explicit, non-negated statements of extent count there.
_WHOLE_LEG_NOTE = ("whole leg", "entire leg", "groin to ankle", "thigh swelling",
                   "whole left leg", "whole right leg", "entire left leg", "entire right leg",
                   "swelling of the thigh", "swelling to the thigh", "whole limb", "entire limb")
_LIMITED_TEXT = ("foot", "feet", "ankle", "ankles", "calf", "calves", "lower leg", "lower legs",
                 "shin", "pretibial")

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

_SIGNIFICANT_IMPACT = (
    "quality of life",
    "daily activities",
    "activities of daily living",
    "adls",
    "ability to work",
    "unable to work",
    "interferes with work",
    "affects work",
    "affects her work",
    "affects his work",
    "sleep",
)
_MINIMAL_IMPACT = ("mild", "minimal", "asymptomatic")
_EDEMA_TEXT = ("edema", "oedema")


@dataclass(frozen=True)
class ConditionStatus:
    """The status rules applied to one Condition (or AllergyIntolerance)."""

    excluded: bool
    active: bool
    suspected: bool


def _status_codes(cc: Any) -> set[str]:
    return {code.lower() for _, code, _ in codings(cc) if code}


def condition_status(resource: Any) -> ConditionStatus:
    verification = _status_codes(get(resource, "verificationStatus"))
    clinical = _status_codes(get(resource, "clinicalStatus"))
    excluded = bool(verification & _EXCLUDED_VERIFICATION)
    suspected = bool(verification & _SUSPECTED_VERIFICATION)
    if clinical:
        active = not (clinical & _HISTORY_CLINICAL)
    else:
        active = not any(get(resource, key) is not None for key in _ABATEMENT_KEYS)
    return ConditionStatus(excluded=excluded, active=active, suspected=suspected)


def relevant(resource: Mapping[str, Any]) -> bool:
    """Cheap check on raw JSON: a Condition with a code or text keyword of the profile."""
    if resource.get("resourceType") != "Condition":
        return False
    code = resource.get("code")
    for system, value, _ in codings(code):
        if system == SNOMED and value in _ALL_SNOMED:
            return True
        if system == ICD10CM and (value in _ALL_ICD or value.startswith(_ALL_ICD_PREFIXES)):
            return True
    text = concept_text(code)
    if not text:
        return False
    return _TEXT_KEYWORDS.search(text) is not None


def convert(resource: Mapping[str, Any]) -> list[Finding]:
    """Findings of one raw Condition; [] when invalid, refuted or irrelevant."""
    model = validate(resource)
    if model is None:
        return []
    return convert_model(model)


@dataclass(frozen=True)
class _Facts:
    """What every rule of one Condition reads, computed once."""

    codes: frozenset[tuple[str, str]]
    code_text: str  # code text + displays
    site_text: str  # bodySite text + displays
    site_codes: frozenset[tuple[str, str]]
    note: str
    body_sites: Any
    status: ConditionStatus
    onset: datetime | None
    recorded: datetime | None
    encounter: str | None
    source: Source
    own_text: str = ""  # the record's own code.text (not the code system displays)

    @property
    def all_text(self) -> str:
        return f"{self.code_text} {self.site_text} {self.note}"

    def side(self) -> Side:
        return side_from(self.codes, self.body_sites, self.code_text)

    def matching_codes(self, value_set: ValueSet) -> list[tuple[str, str]]:
        return value_set.matching(self.codes)


def _facts(model: Any) -> _Facts:
    code = get(model, "code")
    body_sites = as_list(get(model, "bodySite"))
    code_text = concept_text(code)
    display = (get(code, "text") or next((d for _, _, d in codings(code) if d), "")) or ""
    return _Facts(
        codes=frozenset(code_set(code)),
        code_text=code_text,
        site_text=concept_text(body_sites),
        site_codes=frozenset(code_set(body_sites)),
        note=notes_text(model),
        body_sites=body_sites,
        status=condition_status(model),
        onset=first_when(model, "onsetDateTime", "onsetPeriod"),
        recorded=first_when(model, "recordedDate"),
        encounter=typed_reference(get(model, "encounter"), "Encounter"),
        source=Source(refs=(ref_of(model),), display=str(display)),
        own_text=str(get(code, "text") or ""),
    )


def convert_model(model: Any) -> list[Finding]:
    facts = _facts(model)
    if facts.status.excluded:
        return []
    findings: list[Finding] = []
    findings.extend(_diagnoses(facts))
    findings.extend(_swellings(facts))
    findings.extend(_masses(facts))
    findings.extend(_stents(facts))
    return findings


def _diagnosis(facts: _Facts, concept: Concept, **extra: Any) -> Diagnosis:
    extra.setdefault("side", facts.side())
    return Diagnosis(
        concept=concept,
        active=facts.status.active,
        suspected=facts.status.suspected,
        onset=facts.onset,
        recorded=facts.recorded,
        encounter=facts.encounter,
        site_text=facts.site_text or facts.code_text,
        source=facts.source,
        **extra,
    )


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    return clinical_text.has_any(text, phrases)


def _pelvic_site(facts: _Facts) -> bool:
    """A pelvic/iliac/inguinal/retroperitoneal/nodal site in bodySite, code text or note
    ("no pelvic involvement" does not count)."""
    text = f"{facts.site_text}. {facts.code_text}. {facts.note}".lower()
    # R19.00's own display ("Intra-abdominal and pelvic swelling, mass and lump, unspecified
    # site") names the pelvis for every R19.00: only the record's own text or site may.
    text = text.replace("intra-abdominal and pelvic swelling", "")
    return clinical_text.affirmed(text, vs.PELVIC_SITE_TEXT)


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
    return clinical_text.affirmed(facts.code_text, vs.ILIAC_COMPRESSION_TEXT)


def _extent(facts: _Facts) -> Extent:
    if facts.site_codes & {(SNOMED, c) for c in _WHOLE_LEG_SITES}:
        return Extent.WHOLE_LEG
    text = f"{facts.site_text} {facts.code_text}"
    if _has(text, _WHOLE_LEG_TEXT) or clinical_text.affirmed(facts.note, _WHOLE_LEG_NOTE):
        return Extent.WHOLE_LEG
    if facts.site_codes & {(SNOMED, c) for c in _LIMITED_SITES} or _has(text, _LIMITED_TEXT):
        return Extent.LIMITED
    return Extent.UNKNOWN


def _is_swelling(facts: _Facts) -> bool:
    if vs.SWELLING.matches(facts.codes):
        return not _focal_lump(facts)
    if any(system in (SNOMED, ICD10CM) for system, _ in facts.codes):
        # A coded condition outside the value set is not turned into a swelling by its text.
        return False
    text = facts.code_text
    return _LEG_WORDS.search(text) is not None and clinical_text.affirmed(text, _SWELLING_WORDS)


def _focal_lump(facts: _Facts) -> bool:
    """R22.4x is "localized swelling, mass and lump": a record whose own text names only a
    focal lump (mass, cyst, lipoma, nodule) is not leg swelling/edema — a duplex or pelvic
    venography for a thigh lipoma would be noise. The code's display never decides this."""
    if not facts.matching_codes(_LUMP_CAPABLE_SWELLING):
        return False
    if facts.matching_codes(_EDEMA_ONLY_SWELLING):
        return False
    text = facts.own_text
    return clinical_text.affirmed(text, _LUMP_WORDS) and not clinical_text.affirmed(
        text, _SWELLING_WORDS
    )


def _swellings(facts: _Facts) -> list[Swelling | EdemaImpact]:
    if not _is_swelling(facts):
        return []
    found: list[Swelling | EdemaImpact] = [
        Swelling(
            side=_swollen_side(facts),
            extent=_extent(facts),
            active=facts.status.active,
            onset=facts.onset,
            recorded=facts.recorded,
            source=facts.source,
        )
    ]
    impact = edema_impact(facts.note)
    if impact is not None:
        found.append(EdemaImpact(impact=impact, when=facts.recorded or facts.onset,
                                 source=facts.source))
    return found


def _swollen_side(facts: _Facts) -> Side:
    side = side_from(facts.codes, facts.body_sites)
    return side if side is not Side.UNKNOWN else swollen_side_from_text(facts.code_text)


def edema_impact(note: str) -> Impact | None:
    """Impact of edema stated in free text, or None when the text says nothing about it."""
    if not note:
        return None
    state = clinical_text.assertion(note, _SIGNIFICANT_IMPACT)
    if state is clinical_text.Assertion.AFFIRMED:
        return Impact.SIGNIFICANT
    if clinical_text.affirmed(note, _MINIMAL_IMPACT):
        return Impact.MINIMAL
    if state is clinical_text.Assertion.NEGATED or clinical_text.affirmed(
        note, ("no impact", "no effect on")
    ):
        return Impact.NONE
    return None


def _masses(facts: _Facts) -> list[MassCharacterization]:
    natures: list[MassNature] = []
    for nature, value_set in vs.MASS_NATURE.items():
        if value_set.matches(facts.codes):
            natures.append(nature)
    if vs.BURSITIS_GATED.matches(facts.codes) and _has(facts.all_text, vs.BURSITIS_TEXT):
        natures.append(MassNature.BURSITIS)
    if _pelvic_site(facts):
        for nature, value_set in vs.MASS_NATURE_GATED.items():
            if value_set.matches(facts.codes):
                natures.append(nature)
    side = facts.side()
    return [
        MassCharacterization(
            nature=nature,
            side=side,
            active=facts.status.active,
            when=facts.onset or facts.recorded,
            source=facts.source,
        )
        for nature in dict.fromkeys(natures)
    ]


def names_iliac_vein(site_codes: frozenset[tuple[str, str]], text: str) -> bool:
    """A bodySite code or text that names an iliac vein (not an iliac artery)."""
    if any(system == SNOMED and code in ILIAC_VEIN_SITES for system, code in site_codes):
        return True
    return _has(text, ILIAC_VEIN_TEXT)


def _stents(facts: _Facts) -> list[IliacStent]:
    if not vs.ILIAC_STENT_HISTORY_GATED.matches(facts.codes) or not facts.status.active:
        return []
    if not names_iliac_vein(facts.site_codes, facts.all_text):
        return []
    side = side_from(facts.codes, facts.body_sites, f"{facts.code_text} {facts.note}")
    return [IliacStent(side=side, placed=facts.onset or facts.recorded,
                       source=facts.source)]
