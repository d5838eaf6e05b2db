"""`context.draftOrders` (order-sign / order-select) -> classified `DraftOrder`s.

Only orders the guideline reasons about are kept: venous stents, IVC filters, thrombolysis
(procedure or drug), antithrombotic drugs and venography/IVUS. Everything else is unrelated and
dropped. An order we would reason about that is not valid FHIR R4 (a DSTU2/STU3 shape) is
rejected with `UnsupportedDraftOrders` (HTTP 400): guessing at a stent's size or a
thrombolytic's dose from a shape we do not understand could raise a wrong card.

This module reads the Bundle and dispatches by order type: `service_orders` (ServiceRequest /
Procedure), `device_orders` (DeviceRequest: stents, IVC filters), `medication_orders`
(MedicationRequest); `reasons` reads an order's indications, `bundle` resolves references.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cds_hooks.guideline.findings import DraftOrder, OrderKind

from .. import text as clinical_text
from ..fhir_types import code_set, concept_text
from ..reading import lenient
from ..terminology import orders as vs
from .bundle import Index, _index, _ref
from .device_orders import _device_order
from .medication_orders import _medication_order
from .r4_shape import UnsupportedDraftOrders
from .reasons import _base
from .service_orders import _service_order

__all__ = ["UnsupportedDraftOrders", "map_draft_orders"]


_ORDER_TYPES = frozenset(
    {"DeviceRequest", "ServiceRequest", "Procedure", "MedicationRequest"}
)


def map_draft_orders(
    bundle: Mapping[str, Any], record: Iterable[Mapping[str, Any]] = ()
) -> list[DraftOrder]:
    """The classified orders of a draftOrders Bundle, in Bundle order.

    `record` are the patient's resources (prefetch / FHIR server): a reasonReference usually
    points at a Condition in the chart, not in the draft Bundle, and an unread "stroke" reason
    would let a stroke thrombolytic be judged as a DVT one.

    Raises UnsupportedDraftOrders for a non-Bundle, a DSTU2/STU3 resource type, or a relevant
    order that fhir.resources R4 rejects.
    """
    # A draft is read as far as it can be: an unreadable element of it reads as absent.
    with lenient():
        return _map_draft_orders(bundle, record)


def _map_draft_orders(
    bundle: Mapping[str, Any], record: Iterable[Mapping[str, Any]]
) -> list[DraftOrder]:
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise UnsupportedDraftOrders("draftOrders must be a FHIR R4 Bundle")
    entries = bundle.get("entry", [])
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise UnsupportedDraftOrders("draftOrders.entry must be a list")
    resources = [
        (e.get("fullUrl"), e["resource"])
        for e in entries
        if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping)
    ]
    index = _index(resources)
    for resource in record:
        if isinstance(resource, Mapping) and resource.get("id"):
            index.setdefault(f"{resource.get('resourceType')}/{resource.get('id')}", resource)
    orders: list[DraftOrder] = []
    for full_url, resource in resources:
        rtype = str(resource.get("resourceType") or "")
        if rtype in vs.LEGACY_ORDER_TYPES:
            raise UnsupportedDraftOrders(
                f"draftOrders contains a {rtype} ({vs.LEGACY_ORDER_TYPES[rtype]}); "
                "this service reads FHIR R4 orders only"
            )
        if rtype not in _ORDER_TYPES:
            continue
        order = _order(resource, _ref(resource, full_url), index)
        # The same draft sent twice (same id) is one order: one card entry, one delete.
        if order is not None and not any(
            o.ref == order.ref and o.kind is order.kind for o in orders
        ):
            orders.append(order)
            if order.kind is OrderKind.STENT and _also_orders_ivus(resource):
                # "Venography + IVUS, stent if > 61%" as one order: the IVUS is drafted with
                # the stent (catalog: info, not critical). Context only, never a card of its own.
                orders.append(_base(resource, order.ref, index, OrderKind.VENOGRAPHY_IVUS,
                                    order.display, side=order.side))
    return orders


def _also_orders_ivus(resource: Mapping[str, Any]) -> bool:
    if resource.get("resourceType") not in ("ServiceRequest", "Procedure"):
        return False
    code = resource.get("code")
    return vs.VENOGRAPHY_IVUS.matches(code_set(code)) or clinical_text.affirmed(
        concept_text(code), vs.IVUS_TEXT
    )


# ---------------------------------------------------------------- classification


def _order(resource: Mapping[str, Any], ref: str, index: Index) -> DraftOrder | None:
    rtype = resource.get("resourceType")
    if rtype == "MedicationRequest":
        return _medication_order(resource, ref, index)
    if rtype == "DeviceRequest":
        return _device_order(resource, ref, index)
    return _service_order(resource, ref, index)
