"""Names and references inside a draftOrders Bundle: an order's `Type/id`, the index of
Bundle resources by every name a reference may use, and reference lookup (contained too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..fhir_types import as_list

Index = Mapping[str, Mapping[str, Any]]


def _ref(resource: Mapping[str, Any], full_url: Any) -> str:
    rid = resource.get("id")
    if rid:
        return f"{resource.get('resourceType')}/{rid}"
    # Without an id, an absolute fullUrl ".../DeviceRequest/dr-1" still names "Type/id", which
    # is how `selections` and `resourceId` refer to it; a urn:uuid stays as sent.
    parts = str(full_url or "").rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == resource.get("resourceType") and parts[-1]:
        return f"{parts[-2]}/{parts[-1]}"
    return str(full_url or resource.get("resourceType"))


def _index(resources: Iterable[tuple[Any, Mapping[str, Any]]]) -> dict[str, Mapping[str, Any]]:
    """Bundle resources by every name a reference may use: Type/id and fullUrl."""
    index: dict[str, Mapping[str, Any]] = {}
    for full_url, resource in resources:
        if resource.get("id"):
            index[f"{resource.get('resourceType')}/{resource.get('id')}"] = resource
        if full_url:
            index[str(full_url)] = resource
            # ".../Device/d1" without an id is still what "Device/d1" references name.
            index.setdefault(_ref(resource, full_url), resource)
    return index


def _lookup(ref: str, index: Index, resource: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if ref.startswith("#"):
        for contained in as_list(resource.get("contained")):
            if isinstance(contained, Mapping) and f"#{contained.get('id')}" == ref:
                return contained
        return None
    found = index.get(ref)
    if found is None and "/" in ref and not ref.startswith("urn:"):
        found = index.get("/".join(ref.rstrip("/").split("/")[-2:]))
    return found
