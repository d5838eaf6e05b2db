"""Glue between the protocol layer and the clinical core: FHIR JSON -> findings ->
recommendations -> cards. The protocol layer calls `run_service` (and may call `check_settings`
once at start-up) and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from functools import lru_cache
from typing import Any

import fhir_mapping
from cds_hooks import guideline, service_catalog
from cds_hooks.cards import render_cards
from cds_hooks.config import ConfigError
from cds_hooks.fetch.patient_data import PatientData
from cds_hooks.guideline.settings import PREFIX as SETTINGS_PREFIX
from cds_hooks.guideline.settings import GuidelineSettings

logger = logging.getLogger(__name__)

# Prefetch keys whose presence means the medication list was looked at (even if empty).
MEDICATION_KEYS = frozenset(
    {
        service_catalog.MEDICATION_REQUESTS,
        service_catalog.MEDICATION_STATEMENTS,
        service_catalog.MEDICATION_ADMINISTRATIONS,
    }
)


class ClinicalInputError(ValueError):
    """Input the clinical layer cannot use (e.g. DSTU2/STU3 draft orders); the API answers 400."""


def check_settings(config: Mapping[str, Any]) -> GuidelineSettings:
    """Validate the `GUIDELINE_*` settings; raises `ConfigError` naming the variable."""
    return _settings(_settings_key(config))


def run_service(
    service_id: str,
    context: Mapping[str, Any],
    data: PatientData,
    *,
    as_of: datetime,
    config: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Return the CDS Hooks cards (JSON-ready dicts) for one service call.

    Raises `ClinicalInputError` for draft orders the mapper cannot read, `ConfigError` for invalid
    guideline settings and `KeyError` for an unknown service id.
    """
    service = service_catalog.get_service(service_id)
    if service is None:
        raise KeyError(service_id)
    hook = service.hook
    settings = check_settings(config)
    patient_id = str(context.get("patientId") or "")
    if not patient_id:
        raise ClinicalInputError("context.patientId is required")
    encounter_id = context.get("encounterId")
    record = fhir_mapping.map_record(
        data.resources,
        patient_id=patient_id,
        encounter_id=str(encounter_id) if encounter_id else None,
        medications_retrieved=bool(MEDICATION_KEYS & data.retrieved),
    )
    if hook == "patient-view":
        recommendations = guideline.evaluate_patient_view(record, as_of=as_of, settings=settings)
    else:
        orders = draft_orders(context, data.resources)
        selections = None
        if hook == "order-select":
            selections = frozenset(str(ref) for ref in context.get("selections") or ())
        recommendations = guideline.evaluate_orders(
            record, orders, as_of=as_of, selections=selections, settings=settings
        )
    # The guideline returns only the hook's own ids, one per id, sorted (and nothing for a
    # deceased patient).
    return render_cards(
        recommendations,
        patient_ref=f"Patient/{patient_id}",
        user_id=context.get("userId"),
        encounter_id=encounter_id,
        unreadable=record.unreadable,
    )


def draft_orders(context: Mapping[str, Any], resources: list[Any]) -> list[Any]:
    """The hook's draft orders as findings; `ClinicalInputError` when they are not FHIR R4."""
    bundle = context.get("draftOrders")
    if not isinstance(bundle, Mapping):
        raise ClinicalInputError("context.draftOrders must be a FHIR R4 Bundle")
    try:
        return fhir_mapping.map_draft_orders(dict(bundle), resources)
    except fhir_mapping.UnsupportedDraftOrders as exc:
        raise ClinicalInputError(str(exc) or "draftOrders are not FHIR R4") from exc


def _settings_key(config: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, v) for k, v in config.items() if str(k).startswith(SETTINGS_PREFIX)))


def _settings(key: tuple[tuple[str, Any], ...]) -> GuidelineSettings:
    try:
        return _cached_settings(key)
    except TypeError:  # an unhashable value: validate without the cache
        return _build_settings(key)


@lru_cache(maxsize=32)
def _cached_settings(key: tuple[tuple[str, Any], ...]) -> GuidelineSettings:
    return _build_settings(key)


def _build_settings(key: tuple[tuple[str, Any], ...]) -> GuidelineSettings:
    try:
        settings = GuidelineSettings.from_mapping(dict(key))
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    # Unknown names are ignored, as they always were (a setting removed from the contract,
    # e.g. CDS_GUIDELINE_HIT_MONTHS in v2.2, must not stop a deployment), but said once: a
    # misspelt window would otherwise silently keep its default. Cached: logged once per config.
    known = {SETTINGS_PREFIX + f.name.upper() for f in fields(GuidelineSettings)}
    unknown = sorted(f"CDS_{name}" for name, _ in key if name not in known)
    if unknown:
        logger.warning("unknown clinical settings ignored: %s", ", ".join(unknown))
    return settings
