"""The service's error vocabulary: every error leaves the service as a FHIR OperationOutcome.

Browsers (the CDS Hooks sandbox) and EHRs both parse our errors, so nothing may ever emit HTML
or a traceback. Every room raises `ApiError` (or returns `error_response`) instead of building
bodies itself; `cds_hooks.http.error_handlers` turns every exception into one of these.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


class ApiError(Exception):
    """An error with a known HTTP status; the handler renders it as an OperationOutcome."""

    def __init__(self, status: int, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def operation_outcome(message: str, code: str, severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }


def error_response(status: int, message: str, code: str) -> Response:
    response = jsonify(operation_outcome(message, code))
    response.status_code = status
    return response
