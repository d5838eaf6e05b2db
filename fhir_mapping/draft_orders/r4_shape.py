"""Draft orders this service cannot read safely: `UnsupportedDraftOrders` and the check that an
order we reason about is FHIR R4, not a DSTU2/STU3 shape.

This is the one place fhir.resources still validates on the request path: only for a draft
order the guideline reasons about (a handful per call), because telling an STU3 shape
(`requester.agent`, `Dosage.doseQuantity`) from R4 needs R4's full element list. Only
elements R4 does not define make an order unsupported; a wrong type or cardinality (the
sandbox's single `reasonCode` object) is read tolerantly like any record resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class UnsupportedDraftOrders(ValueError):
    """draftOrders that this service cannot read safely (not a Bundle, or not FHIR R4)."""


def _require_r4(resource: Mapping[str, Any]) -> None:
    if _foreign_shape(resource):
        raise UnsupportedDraftOrders(
            f"draftOrders contains a {resource.get('resourceType')} that is not valid FHIR R4 "
            "(DSTU2/STU3 fields?)"
        )


def _foreign_shape(resource: Mapping[str, Any]) -> bool:
    """Whether an invalid order has elements R4 does not define (STU3 `Dosage.doseQuantity`,
    `requester.agent`, `DeviceRequest.context`...): a shape we cannot read. A draft that is only
    incomplete (no `subject` yet) or has a dateTime without a zone is still R4 and is read:
    a 400 there would silently drop a critical card."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    try:
        get_fhir_model_class(str(resource.get("resourceType"))).model_validate(dict(resource))
    except ValidationError as exc:
        return any(error.get("type") == "extra_forbidden" for error in exc.errors())
    except (KeyError, ValueError, TypeError):
        return True
    return False
