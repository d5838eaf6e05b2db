"""`POST /cds-services/{id}/explain`: the same request and authentication as the hook itself
(the JWT check covers every `/cds-services` path, with `aud` = this URL); answers why the hook
answers what it does (`cds_hooks.explain`). Nothing is stored and no card listener is told:
an explanation is not a served card.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from cds_hooks import explain, pathway
from cds_hooks.errors import ApiError
from cds_hooks.http.api import _now, resolve_call

blueprint = Blueprint("cds_hooks_explain", __name__)


@blueprint.post("/cds-services/<service_id>/explain", strict_slashes=False)
def explain_call(service_id: str) -> ResponseReturnValue:
    service, _request, context, data = resolve_call(service_id)
    try:
        answer = explain.explain(service.id, context, data, as_of=_now(), config=current_app.config)
    except pathway.ClinicalInputError as exc:
        raise ApiError(400, str(exc), "not-supported") from None
    return jsonify(answer)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
