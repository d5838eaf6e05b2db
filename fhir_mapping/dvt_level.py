"""The thrombus level a positive venous study states in coded form: an ICD-10-CM DVT code
(conclusionCode, Observation value) or the thrombosed vein named in a bodySite. Report text is
read by `report_text` (statement by statement, per side); a level read here is put on the
ImagingStudy finding and pooled with the text's by the guideline (the most proximal wins)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from cds_hooks.guideline.findings import ImagingStudy, Modality, Result, VeinLevel

from . import text as clinical_text
from .fhir_types import ICD10CM
from .terminology import conditions as condition_vs

# Veins at or above the popliteal (catalog: proximal) and calf veins (distal), as a bodySite
# names them (display or text).
_PROXIMAL_VEINS = ("iliac", "femoral", "popliteal", "iliofemoral", "femoropopliteal", "cfv",
                   "sfv", "profunda", "vena cava")
_DISTAL_VEINS = ("calf", "tibial", "peroneal", "soleal", "gastrocnemius", "ptv")


def coded_dvt_level(codes: Iterable[tuple[str, str]]) -> VeinLevel:
    """The level an ICD-10-CM DVT code states (I82.41x-I82.43x, I82.4Yx, I80.1x, I80.21/22x
    proximal; I82.44x-I82.46x, I82.4Zx, I80.23-25x distal); the most proximal of several."""
    level = VeinLevel.UNKNOWN
    for system, code in codes:
        if system != ICD10CM:
            continue
        if code.startswith(condition_vs.DVT_PROXIMAL_PREFIXES):
            return VeinLevel.PROXIMAL
        if code.startswith(condition_vs.DVT_DISTAL_PREFIXES):
            level = VeinLevel.DISTAL
    return level


def site_dvt_level(site_text: str) -> VeinLevel:
    """The level a thrombosed site names (the bodySite of a positive finding): proximal when a
    vein at or above the popliteal is named, distal when only calf veins are."""
    if clinical_text.has_any(site_text, _PROXIMAL_VEINS):
        return VeinLevel.PROXIMAL
    if clinical_text.has_any(site_text, _DISTAL_VEINS):
        return VeinLevel.DISTAL
    return VeinLevel.UNKNOWN


def most_proximal(*levels: VeinLevel) -> VeinLevel:
    if VeinLevel.PROXIMAL in levels:
        return VeinLevel.PROXIMAL
    if VeinLevel.DISTAL in levels:
        return VeinLevel.DISTAL
    return VeinLevel.UNKNOWN


def with_level(findings: Iterable[Any], level: VeinLevel) -> list[Any]:
    """The findings, each positive duplex carrying `level` (others unchanged)."""
    if level is VeinLevel.UNKNOWN:
        return list(findings)
    return [
        replace(f, level=most_proximal(f.level, level))
        if isinstance(f, ImagingStudy)
        and f.modality is Modality.DUPLEX
        and f.result is Result.POSITIVE
        else f
        for f in findings
    ]
