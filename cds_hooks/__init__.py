"""iliac-cds: a CDS Hooks 2.0.1 service for the iliac venous pathway.

`create_app` is the application factory (`flask --app cds_hooks run`, gunicorn
`"cds_hooks:create_app()"`). Each part of the service registers itself through its own
`init_app`, in the order requests meet them.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from cds_hooks import config, demo, observability, security
from cds_hooks.http import api, cors, error_handlers, explain, feedback, warmup
from cds_hooks.storage import store


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)

    # Listeners called with (service_id, hook_instance, cards) after each successful call.
    app.extensions["cds_card_listeners"] = []

    observability.init_app(app)
    store.init_app(app)
    demo.init_app(app)  # before security: demo mode adds the page's own JWT issuer
    security.init_app(app)
    cors.init_app(app)
    error_handlers.init_app(app)
    api.init_app(app)
    feedback.init_app(app)
    explain.init_app(app)
    warmup.init_app(app)  # last: the whole path is in place
    return app
