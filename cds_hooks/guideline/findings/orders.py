"""Draft orders of the order hooks, already classified by the mapper."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cds_hooks.guideline.findings.basics import Side
from cds_hooks.guideline.findings.clinical import Medication

# ---------------------------------------------------------------- draft orders (order hooks)


class OrderKind(StrEnum):
    STENT = "stent"
    IVC_FILTER = "ivc-filter"
    THROMBOLYSIS = "thrombolysis"  # procedure/service or a thrombolytic medication
    ANTITHROMBOTIC = "antithrombotic"  # anticoagulant or antiplatelet medication
    VENOGRAPHY_IVUS = "venography-ivus"


class StentSite(StrEnum):
    ILIAC_FEMORAL = "iliac-femoral"  # iliac/femoral/May-Thurner site, text or PCS code
    OTHER = "other"  # another site is named (coronary, renal, SFA artery...)
    UNSPECIFIED = "unspecified"  # no site named


@dataclass(frozen=True)
class DraftOrder:
    """One draft order of `context.draftOrders`, already classified by the mapper."""

    kind: OrderKind
    ref: str  # "DeviceRequest/abc" as in the Bundle, matches `selections`
    resource: dict = field(default_factory=dict, compare=False, hash=False)  # raw R4 JSON
    side: Side = Side.UNKNOWN
    stent_site: StentSite = StentSite.UNSPECIFIED
    diameter_mm: float | None = None
    length_mm: float | None = None
    medication: Medication | None = None  # for thrombolytic/antithrombotic orders
    total_dose_mg: float | None = None  # thrombolytics: alteplase <= 2 mg is catheter clearance
    reason_text: str = ""  # lower-cased reasonCode/reasonReference text, for indication gating
    # "dvt", "phlegmasia", "stroke", "mi", "pe", "catheter-occlusion"
    reason_concepts: tuple[str, ...] = ()
    display: str = ""
