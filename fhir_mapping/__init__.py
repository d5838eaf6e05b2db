"""FHIR R4 JSON -> clinical findings of `cds_hooks.guideline.findings`.

Public API (the protocol/glue layer calls only these):
- `map_record(resources, *, patient_id=None, encounter_id=None, medications_retrieved=False)`
- `map_draft_orders(bundle, ...)` and `UnsupportedDraftOrders` (order hooks' draftOrders)
- `medication_findings(resource, medications=None)` (one medication record)
"""

from __future__ import annotations

from .draft_orders import UnsupportedDraftOrders, map_draft_orders
from .medications import medication_findings
from .record import map_record

__all__ = ["UnsupportedDraftOrders", "map_draft_orders", "map_record", "medication_findings"]
