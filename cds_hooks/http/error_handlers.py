"""The one JSON error handler: every exception leaves the service as a FHIR OperationOutcome
(`cds_hooks.errors`), never as HTML or a traceback."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from cds_hooks.errors import ApiError, error_response

# The name the service logged under before the rooms: log queries keep working.
logger = logging.getLogger("cds_hooks.errors")

# FHIR IssueType codes (http://hl7.org/fhir/issue-type) for the statuses werkzeug raises itself.
_HTTP_ISSUE_CODES: dict[int, str] = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    412: "incomplete",
    413: "too-costly",
    415: "not-supported",
    429: "throttled",
}

# Werkzeug's descriptions are HTML-flavoured prose; these are the short messages we send instead.
_HTTP_MESSAGES: dict[int, str] = {
    400: "bad request",
    404: "no such endpoint",
    405: "method not allowed",
    413: "request body too large",
    415: "unsupported content type",
}


def _handle_api_error(error: ApiError) -> Response:
    return error_response(error.status, error.message, error.code)


def _handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    message = _HTTP_MESSAGES.get(status) or (error.name or "error").lower()
    response = error_response(status, message, _HTTP_ISSUE_CODES.get(status, "processing"))
    # Keep protocol headers such as `Allow` on 405, but never werkzeug's HTML content type.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _handle_unexpected(error: Exception) -> Response:
    # The exception text, source lines and the request body may hold patient data or tokens:
    # log the type and where it happened (file:line in function), never message or payload.
    frames = "\n".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
    )
    logger.error(
        "unhandled %s on %s %s\n%s",
        type(error).__name__,
        request.method,
        request.url_rule.rule if request.url_rule else "<no route>",
        frames,
    )
    return error_response(500, "internal server error", "exception")


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
