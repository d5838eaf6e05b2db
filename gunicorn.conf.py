"""Production gunicorn settings (gunicorn reads ./gunicorn.conf.py by default).

    gunicorn -b 0.0.0.0:8080 "cds_hooks:create_app()"

Command-line flags override them.
"""

from __future__ import annotations

import math
import os

from cds_hooks.http import server_guard

# --- Hostile clients (issue 15; cds_hooks/http/server_guard.py) ------------------------------
# gunicorn's own limits sit above the app's (414/431/413 as JSON from the app); past them, and
# for requests that are not HTTP at all, gunicorn answers itself: in JSON too.
limit_request_line = server_guard.LIMIT_REQUEST_LINE
limit_request_fields = server_guard.LIMIT_REQUEST_FIELDS
limit_request_field_size = server_guard.LIMIT_REQUEST_FIELD_SIZE
server_guard.json_error_pages()
# A slow client (head or body trickled a byte at a time) is cut off after
# CDS_REQUEST_BODY_TIMEOUT, well before the worker timeout below.
post_worker_init = server_guard.post_worker_init
pre_request = server_guard.pre_request

# A worker may legitimately be busy for the whole FHIR deadline (CDS_FHIR_TOTAL_TIMEOUT, 5 s)
# plus a JWK Set fetch; the 412 always comes well before gunicorn kills it.
timeout = math.ceil(float(os.environ.get("CDS_FHIR_TOTAL_TIMEOUT", "5") or 5) + 25)
