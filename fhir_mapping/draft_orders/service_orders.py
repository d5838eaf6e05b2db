"""ServiceRequest / Procedure drafts -> DraftOrders: venography/IVUS, thrombolysis procedures,
stenting and IVC filter procedures, with the order's side and stent site.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cds_hooks.guideline.findings import DraftOrder, OrderKind, Side, StentSite

from .. import text as clinical_text
from ..fhir_types import CPT, ICD10PCS, LOINC, SNOMED, code_set, concept_text, notes_text
from ..laterality import combine, side_from
from ..stent_size import parse_stent_size
from ..terminology import orders as vs
from .bundle import Index
from .r4_shape import _require_r4
from .reasons import _base, _display, _reasons, _texts

# ---------------------------------------------------------------- services and procedures


def _service_kind(codes: set[tuple[str, str]], text: str) -> OrderKind | None:
    if any(system == ICD10PCS and code in vs.ILIAC_STENT_PCS for system, code in codes) or any(
        (system == CPT and code in vs.VENOUS_STENT_CPT)
        or (system == SNOMED and code in vs.STENT_SNOMED)
        for system, code in codes
    ):
        return OrderKind.STENT
    # A coded IVC filter (ICD-10-PCS 06H03DZ reads "Insertion of Intraluminal Device into
    # Inferior Vena Cava") is a filter, not a stent named by its display text.
    if vs.IVC_FILTER.matches(codes) and not clinical_text.has_any(
        text, vs.IVC_FILTER_NOT_PLACEMENT_TEXT
    ):
        return OrderKind.IVC_FILTER
    if clinical_text.affirmed(text, vs.STENT_TEXT) and not clinical_text.has_any(
        text, vs.STENT_NOT_PLACEMENT_TEXT
    ):
        return OrderKind.STENT
    filter_named = vs.IVC_FILTER.matches(codes) or clinical_text.affirmed(text, vs.IVC_FILTER_TEXT)
    if filter_named and not clinical_text.has_any(text, vs.IVC_FILTER_NOT_PLACEMENT_TEXT):
        return OrderKind.IVC_FILTER
    if vs.THROMBOLYSIS.matches(codes) or _lysis_text(text):
        return OrderKind.THROMBOLYSIS
    if vs.VENOGRAPHY_IVUS.matches(codes) or clinical_text.affirmed(text, vs.IVUS_TEXT):
        return OrderKind.VENOGRAPHY_IVUS
    if clinical_text.affirmed(text, vs.VENOGRAPHY_IVUS_TEXT) and not clinical_text.has_any(
        text, vs.NOT_CATHETER_VENOGRAPHY_TEXT
    ):
        return OrderKind.VENOGRAPHY_IVUS
    return None


# "Catheter-directed" names a technique, not a drug: catheter-directed venography, IVUS or
# mechanical thrombectomy is no thrombolysis unless a lytic word is there too.
_CATHETER_WORDS = ("catheter-directed", "catheter directed", "cdt")
_LYTIC_WORDS = tuple(w for w in vs.THROMBOLYSIS_TEXT if w not in _CATHETER_WORDS)
_CATHETER_NOT_LYSIS = (
    *vs.VENOGRAPHY_IVUS_TEXT, "angiography", "angiogram", "thrombectomy", "embolization",
)  # fmt: skip


def _lysis_text(text: str) -> bool:
    if clinical_text.affirmed(text, _LYTIC_WORDS):
        return True
    return clinical_text.affirmed(text, _CATHETER_WORDS) and not clinical_text.has_any(
        text, _CATHETER_NOT_LYSIS
    )


def _service_order(resource: Mapping[str, Any], ref: str, index: Index) -> DraftOrder | None:
    code = resource.get("code")
    codes = code_set(code)
    code_text = concept_text(code)
    kind = _service_kind(codes, code_text)
    if kind is OrderKind.THROMBOLYSIS and _lab_not_lysis(codes, code_text):
        return None
    if kind is None:
        return None
    _require_r4(resource)
    detail = " ".join(
        t for t in (_texts(resource, "orderDetail"), notes_text(resource),
                    str(resource.get("patientInstruction") or "").lower()) if t
    )
    site_text = concept_text(resource.get("bodySite"))
    if any(
        system == SNOMED and code in _ILIAC_FEMORAL_VEIN_SITES
        for system, code in code_set(resource.get("bodySite"))
    ):
        site_text = f"{site_text} iliac vein".strip()  # a coded site may carry no display
    side = _order_side(codes, resource.get("bodySite"), f"{code_text} {site_text} {detail}")
    extra: dict[str, Any] = {}
    if kind is OrderKind.STENT:
        diameter, length = parse_stent_size(f"{code_text}. {detail}")
        extra = {
            "stent_site": _stent_site_or_reason(
                codes, f"{code_text} {site_text} {detail}", resource, index
            ),
            "diameter_mm": diameter,
            "length_mm": length,
        }
    display = _display(code) or next((c for _, c in sorted(codes)), "") or kind.value
    return _base(resource, ref, index, kind, display, side=side, **extra)


# SNOMED CT body sites: common iliac, external iliac and femoral vein.
_ILIAC_FEMORAL_VEIN_SITES = frozenset({"46027005", "63507001", "83419000"})

# Laboratory orders whose text trips the thrombolysis words ("CDT" = carbohydrate-deficient
# transferrin, "tumor lysis panel"): never a thrombolytic procedure.
_LAB_LYSIS_TEXT = (
    "tumor lysis", "tumour lysis", "transferrin", "carbohydrate", "hemolysis", "haemolysis",
    "level", "panel", "assay",
)  # fmt: skip


def _lab_not_lysis(codes: set[tuple[str, str]], text: str) -> bool:
    """A text-only "thrombolysis" that is really a lab order (LOINC-coded, or lab wording). A
    coded thrombolytic procedure is never second-guessed."""
    if vs.THROMBOLYSIS.matches(codes):
        return False
    if any(system == LOINC for system, _ in codes):
        return True
    return clinical_text.has_any(text, _LAB_LYSIS_TEXT)


def _order_side(codes: set[tuple[str, str]], body_site: Any, text: str) -> Side:
    pcs = combine(
        vs.ILIAC_STENT_PCS[code] for system, code in codes
        if system == ICD10PCS and code in vs.ILIAC_STENT_PCS
    )
    if pcs is not Side.UNKNOWN:
        return pcs
    return side_from(codes, body_site, text)


def stent_site(codes: Iterable[tuple[str, str]], text: str) -> StentSite:
    """Where a stent order puts the stent: iliac/femoral vein, another named site, or none."""
    if any(system == ICD10PCS and code in vs.ILIAC_STENT_PCS for system, code in codes):
        return StentSite.ILIAC_FEMORAL
    iliac = clinical_text.has_any(text, vs.ILIAC_FEMORAL_TEXT)
    other = clinical_text.has_any(text, vs.OTHER_SITE_TEXT)
    venous = clinical_text.has_any(text, vs.VEIN_TEXT)
    if iliac and (venous or not other):
        return StentSite.ILIAC_FEMORAL  # "common iliac artery" is named by `other`
    if other:
        return StentSite.OTHER
    return StentSite.UNSPECIFIED


def _stent_site_or_reason(
    codes: set[tuple[str, str]], text: str, resource: Mapping[str, Any], index: Index
) -> StentSite:
    """The order's own site; when it names none, the site its reason names ("venous stent" for
    May-Thurner syndrome is an iliac vein stent, catalog: "site or text ... May-Thurner")."""
    site = stent_site(codes, text)
    if site is not StentSite.UNSPECIFIED:
        return site
    reason_text = _reasons(resource, index)[0]
    return stent_site((), reason_text) if reason_text else site
