"""The OpenAPI 3.1 document of our endpoints, generated from the pydantic models.

Served at `/openapi.json` and checked in as docs/openapi.json (a test keeps them equal;
regenerate with `make openapi`). schemathesis fuzzes a live server against it in `make test`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from cds_hooks import service_catalog
from cds_hooks.http.models import (
    CdsRequest,
    CdsResponse,
    DiscoveryResponse,
    EmptyObject,
    FeedbackSummary,
    OperationOutcome,
)
from cds_hooks.storage.feedback_model import FeedbackRequest

_REF = "#/components/schemas/{model}"
_MODELS: list[tuple[type[BaseModel], str]] = [
    (DiscoveryResponse, "serialization"),
    (CdsRequest, "validation"),
    (CdsResponse, "serialization"),
    (FeedbackRequest, "validation"),
    (EmptyObject, "serialization"),
    (FeedbackSummary, "serialization"),
    (OperationOutcome, "serialization"),
]
# What each kind of call may answer besides 200 (every one a JSON OperationOutcome).
_ERRORS = {
    400: "Malformed request: not JSON, nested too deeply, invalid fields, refused fhirServer",
    401: "JWT missing or invalid (when CDS_REQUIRE_JWT is on)",
    404: "No such service",
    408: "Request body not received within CDS_REQUEST_BODY_TIMEOUT",
    412: "Prefetch data missing and could not be fetched",
    413: "Request body over CDS_MAX_CONTENT_LENGTH",
    414: "Request target too long",
    415: "Content-Type is not JSON",
    431: "Too many or too large header fields",
    503: "Storage unavailable, retry later",
}
_GET_ERRORS = (401, 404, 414, 431, 503)
_POST_ERRORS = (400, 401, 404, 408, 413, 414, 415, 431, 503)


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _responses(ok: dict[str, Any], errors: tuple[int, ...]) -> dict[str, Any]:
    outcome = {"$ref": _REF.format(model="OperationOutcome")}
    responses: dict[str, Any] = {"200": {"description": "OK", "content": _json(ok)}}
    for status in errors:
        responses[str(status)] = {"description": _ERRORS[status], "content": _json(outcome)}
    return responses


def build_document() -> dict[str, Any]:
    refs, top = models_json_schema(_MODELS, ref_template=_REF)

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return refs[(model, mode)]  # type: ignore[index]

    service_id = {
        "name": "service_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": sorted(service_catalog.service_ids())},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "iliac-cds",
            "version": "1",
            "description": "CDS Hooks 2.0.1 service: iliac venous pathway. Errors are FHIR "
            "OperationOutcomes. Calls under /cds-services need a JWT when CDS_REQUIRE_JWT is on.",
        },
        "paths": {
            "/cds-services": {
                "get": {
                    "operationId": "discovery",
                    "responses": _responses(ref(DiscoveryResponse, "serialization"), _GET_ERRORS),
                }
            },
            "/cds-services/{service_id}": {
                "post": {
                    "operationId": "callService",
                    "parameters": [service_id],
                    "requestBody": {
                        "required": True,
                        "content": _json(ref(CdsRequest, "validation")),
                    },
                    "responses": _responses(
                        ref(CdsResponse, "serialization"), (*_POST_ERRORS, 412)
                    ),
                }
            },
            "/cds-services/{service_id}/explain": {
                "post": {
                    "operationId": "explainCall",
                    "description": "Why the hook answers what it does (findings, stages, the "
                    "first condition that kept each recommendation silent). Nothing is stored.",
                    "parameters": [service_id],
                    "requestBody": {
                        "required": True,
                        "content": _json(ref(CdsRequest, "validation")),
                    },
                    "responses": _responses({"type": "object"}, (*_POST_ERRORS, 412)),
                }
            },
            "/cds-services/{service_id}/feedback": {
                "post": {
                    "operationId": "sendFeedback",
                    "parameters": [service_id],
                    "requestBody": {
                        "required": True,
                        "content": _json(ref(FeedbackRequest, "validation")),
                    },
                    "responses": _responses(ref(EmptyObject, "serialization"), _POST_ERRORS),
                }
            },
            "/cds-services/{service_id}/feedback/summary": {
                "get": {
                    "operationId": "feedbackSummary",
                    "parameters": [service_id],
                    "responses": _responses(ref(FeedbackSummary, "serialization"), _GET_ERRORS),
                }
            },
        },
        "components": {"schemas": top.get("$defs", {})},
    }


def document_text() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(document_text(), end="")
