"""`/demo`: a small built-in EHR page that calls this service like any external CDS client.

Off by default; `CDS_DEMO=true` (set by `make run`) turns it on. It must be set up before the
security layer reads `CDS_JWT_ISSUERS`, because demo mode adds the page's own issuer there.
"""

from __future__ import annotations

from flask import Flask

from cds_hooks.config import as_bool
from cds_hooks.demo.issuer import DemoIssuer, with_demo_issuer

EXTENSION = "cds_demo_issuer"


def enabled(app: Flask) -> bool:
    return as_bool(app, "DEMO")


def init_app(app: Flask) -> None:
    """Register the demo when `CDS_DEMO=true`; otherwise `/demo` stays a 404 and no demo key
    exists."""
    if not enabled(app):
        return
    from cds_hooks.demo.views import blueprint

    issuer = DemoIssuer()
    app.extensions[EXTENSION] = issuer
    app.config["JWT_ISSUERS"] = with_demo_issuer(app.config.get("JWT_ISSUERS"), issuer)
    app.register_blueprint(blueprint)
