"""Draft orders this service cannot read safely: `UnsupportedDraftOrders` and the check that an
order we reason about is FHIR R4, not a DSTU2/STU3 shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..fhir_validation import validate


class UnsupportedDraftOrders(ValueError):
    """draftOrders that this service cannot read safely (not a Bundle, or not FHIR R4)."""


def _require_r4(resource: Mapping[str, Any]) -> None:
    if validate(resource, complete=True) is None and _foreign_shape(resource):
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
