"""Placeholder: metrics, structured logs and health endpoints (replaced by the ops issue).

The functions below are the stable interface other modules call; keep their signatures.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    return None


def record_fhir_fetch(outcome: str) -> None:
    """Count one FHIR-server fallback fetch; outcome is "ok" or a short failure kind."""


def record_jwt_rejection(reason: str) -> None:
    """Count one rejected JWT; reason is a short machine word ("expired", "bad-aud"...)."""
