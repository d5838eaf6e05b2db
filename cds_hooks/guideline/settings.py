"""Thresholds and time windows the sources do not state: named, documented, configurable.

Each field can be overridden by the service setting `CDS_GUIDELINE_<FIELD NAME IN UPPER CASE>`
(e.g. `CDS_GUIDELINE_ACUTE_DVT_DAYS=21`). Defaults are the catalog's (recommendations.md v2.2).
Thresholds that the guidance itself states (IVUS > 61%, stent >= 60 mm, reference + 1..4 mm,
enoxaparin 1 mg/kg every 12 h) are constants in the rule modules, not settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

PREFIX = "GUIDELINE_"


@dataclass(frozen=True)
class GuidelineSettings:
    # Recency windows (days unless the name says hours/months)
    acute_dvt_days: int = 30  # DVT onset/record/positive imaging counts as acute
    new_swelling_days: int = 30  # earliest swelling record within this = "new"
    duplex_days: int = 30  # negative duplex/venography counts for DVT exclusion
    labs_days: int = 90  # labs (alternative causes) and weight
    platelets_days: int = 7  # latest platelet count for the contraindication
    major_bleeding_days: int = 30  # major (incl. intracranial) bleeding contraindicates
    # Thrombolysis contraindications (catalog v2.2, ESC 2019 absolute contraindications)
    ischemic_stroke_days: int = 180  # ischemic stroke within this contraindicates lysis
    major_surgery_days: int = 21  # completed major surgery performed within this
    trauma_days: int = 21  # head injury (S06.x) or other trauma recorded within this
    systolic_hours: int = 24  # systolic reading for severe hypotension
    shock_hours: int = 72
    limb_ischemia_hours: int = 72
    pregnancy_status_days: int = 30  # pregnancy status Observation
    pregnancy_condition_months: int = 10
    medication_request_months: int = 12  # older "active" orders are stale
    administration_hours: int = 48  # MedicationAdministration counts as current
    stent_surveillance_min_days: int = 30  # stent placed at least this long ago
    stent_surveillance_months: int = 12  # venous imaging expected within
    # Thresholds
    systolic_severe_mmhg: float = 90.0  # systolic < this = severe hypotension
    platelets_min_e9_per_l: float = 50.0  # platelets < this contraindicates anticoagulation
    nt_probnp_pg_ml: float = 300.0  # > this = heart failure present
    bnp_pg_ml: float = 100.0  # > this = heart failure present
    egfr_ml_min: float = 60.0  # < this = renal disease present
    albumin_g_dl: float = 3.5  # < this = hypoalbuminemia
    crcl_renal_dose_ml_min: float = 30.0  # CrCl (or eGFR) < this -> enoxaparin once daily
    weight_min_kg: float = 20.0  # adults: lighter weights are implausible and ignored
    weight_min_kg_under_18: float = 0.5  # under 18: lighter weights are implausible
    weight_max_kg: float = 350.0  # any age: heavier weights are implausible
    # Anticoagulant doses the catalog does not classify (therapeutic vs prophylactic)
    heparin_sc_prophylactic_max_u: float = 7500.0  # SC UFH <= this U per dose = prophylaxis
    dalteparin_prophylactic_max_iu: float = 5000.0  # no weight: > this IU per dose = treatment
    tinzaparin_prophylactic_max_iu: float = 4500.0  # no weight: > this IU per dose = treatment
    tinzaparin_treatment_iu_kg: float = 100.0  # >= this IU/kg per dose = treatment

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> GuidelineSettings:
        """Build from a config mapping holding `GUIDELINE_<FIELD>` keys; unknown keys ignored.

        Raises ValueError naming the setting when a value is not a non-negative number.
        """
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = PREFIX + f.name.upper()
            if key not in config:
                continue
            raw = config[key]
            try:
                number = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"CDS_{key} must be a number, got {raw!r}") from None
            if number < 0:
                raise ValueError(f"CDS_{key} must not be negative, got {raw!r}")
            values[f.name] = int(number) if f.type in (int, "int") else number
        return cls(**values)
