"""Completed Procedure -> major surgery (a thrombolysis contraindication, catalog v2.2).

Catalog: "a completed Procedure with category SNOMED 387713003 surgical procedure, or any
Procedure whose code text or display names craniotomy, craniectomy, laminectomy, spinal fusion,
arthroplasty, laparotomy or another open operation, performed within 21 days" (the window is
the guideline's). The date is the end of a performed period when stated (the operation is
recent until it ends), else its start or performedDateTime.
"""

from __future__ import annotations

import re
from typing import Any

from cds_hooks.guideline.findings import Concept, Diagnosis, Side, Source

from . import text as clinical_text
from .fhir_types import SNOMED, code_set, concept_text, get, parse_when, typed_reference
from .terminology import contraindications as vs

_OPEN_OPERATION = re.compile(vs.OPEN_OPERATION)


def is_major_surgery(procedure: Any) -> bool:
    """Category surgical procedure, a major-surgery code, or code text naming an open or major
    operation (raw JSON or model)."""
    category = get(procedure, "category")
    if any(system == SNOMED and code in vs.SURGICAL_CATEGORY for system, code in
           code_set(category)):
        return True
    # The category's own words when it carries no SNOMED code ("Surgical procedure").
    if clinical_text.has_any(concept_text(category), ("surgical procedure", "surgery")):
        return True
    code = get(procedure, "code")
    if vs.MAJOR_SURGERY_CODES.matches(code_set(code)):
        return True
    text = clinical_text.normalize(concept_text(code))
    return clinical_text.has_any(text, vs.MAJOR_SURGERY_TEXT) or bool(_OPEN_OPERATION.search(text))


def major_surgery(procedure: Any, source: Source) -> Diagnosis | None:
    """A Diagnosis MAJOR_SURGERY dated when the operation was performed; None otherwise.
    The caller passes only completed procedures."""
    if not is_major_surgery(procedure):
        return None
    period = get(procedure, "performedPeriod")
    when = None
    if period is not None:
        when = parse_when(get(period, "end")) or parse_when(get(period, "start"))
    if when is None:
        when = parse_when(get(procedure, "performedDateTime"))
    return Diagnosis(
        concept=Concept.MAJOR_SURGERY,
        side=Side.UNKNOWN,
        onset=when,
        encounter=typed_reference(get(procedure, "encounter"), "Encounter"),
        source=source,
    )
