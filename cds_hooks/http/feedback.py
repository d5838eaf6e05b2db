"""Feedback endpoint (CDS Hooks 2.0.1 §Feedback) and its analytics summary.

`POST /cds-services/<id>/feedback` stores each entry once; `GET .../feedback/summary` reports
per recommendation id how often cards were served, accepted and overridden. Both sit under
`/cds-services`, so the security module applies the same JWT check as to service calls.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from cds_hooks import service_catalog
from cds_hooks.errors import ApiError
from cds_hooks.storage import store
from cds_hooks.storage.feedback_model import FeedbackBodyError, parse_feedback

logger = logging.getLogger(__name__)
blueprint = Blueprint("feedback", __name__)


def _require_service(service_id: str) -> None:
    if service_catalog.get_service(service_id) is None:
        raise ApiError(404, f"no CDS service with id {service_id[:100]!r}", "not-found")


def _store_unavailable(error: SQLAlchemyError) -> ApiError:
    # The driver's message may quote SQL parameters; only the type is logged.
    logger.error("feedback store unavailable: %s", type(error).__name__)
    return ApiError(503, "feedback store unavailable, retry later", "transient")


@blueprint.post("/cds-services/<service_id>/feedback", strict_slashes=False)
def post_feedback(service_id: str) -> ResponseReturnValue:
    _require_service(service_id)
    if not request.is_json:
        raise ApiError(415, "send feedback as Content-Type: application/json", "not-supported")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "body is not valid JSON", "invalid")
    try:
        records = parse_feedback(body)
    except FeedbackBodyError as exc:
        raise ApiError(400, str(exc), "invalid") from None
    try:
        store.save_feedback(service_id, records)
    except SQLAlchemyError as exc:
        raise _store_unavailable(exc) from None
    return jsonify({})


@blueprint.get("/cds-services/<service_id>/feedback/summary", strict_slashes=False)
def feedback_summary(service_id: str) -> ResponseReturnValue:
    _require_service(service_id)
    try:
        recommendations = store.feedback_summary(service_id)
    except SQLAlchemyError as exc:
        raise _store_unavailable(exc) from None
    return jsonify({"service": service_id, "recommendations": recommendations})


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
