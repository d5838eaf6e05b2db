"""Parse-only baseline for the HTTP benchmark: the least any Flask service must do per call.

It reads the body, parses the JSON with the standard library and answers `{"cards": []}`, under
the same gunicorn settings as the service. Our throughput divided by its throughput is the
ratio the targets are stated in; the baseline's parser stays `json` whatever the service uses.

    gunicorn -c gunicorn.conf.py benchmarks.baseline_app:app
"""

from __future__ import annotations

import json

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

app = Flask(__name__)


@app.post("/cds-services/<service_id>")
def invoke(service_id: str) -> ResponseReturnValue:
    body = json.loads(request.get_data(cache=False))
    if not isinstance(body, dict):
        return jsonify({"error": "not an object"}), 400
    return jsonify({"cards": []})


@app.get("/cds-services")
def discovery() -> ResponseReturnValue:
    return jsonify({"services": []})


@app.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify({"status": "ok"})
