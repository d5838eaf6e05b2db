"""DeviceRequest drafts -> DraftOrders: venous stents (site, size from the device or the
order's parameters) and IVC filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from cds_hooks.guideline.findings import DraftOrder, OrderKind

from .. import text as clinical_text
from .. import units
from ..fhir_types import SNOMED, as_list, code_set, concept_text, get, notes_text, reference_of
from ..laterality import side_from
from ..stent_size import _SINGLE, _mm, parse_stent_size
from ..terminology import orders as vs
from .bundle import Index, _lookup
from .r4_shape import _require_r4
from .reasons import _base, _display
from .service_orders import _stent_site_or_reason

# ---------------------------------------------------------------- device requests


def _device_order(resource: Mapping[str, Any], ref: str, index: Index) -> DraftOrder | None:
    concept = resource.get("codeCodeableConcept")
    texts = [concept_text(concept)]
    codes = code_set(concept)
    device = None
    device_ref = reference_of(resource.get("codeReference"))
    if device_ref:
        texts.append(str(get(resource.get("codeReference"), "display") or "").lower())
        device = _lookup(device_ref, index, resource)
    if device is not None:
        texts.append(_device_text(device))
        codes |= code_set(device.get("type"))
    text = " ".join(t for t in texts if t)
    coded_stent = any(system == SNOMED and code in vs.STENT_SNOMED for system, code in codes)
    is_filter = vs.IVC_FILTER.matches(codes) or clinical_text.affirmed(text, vs.IVC_FILTER_TEXT)
    # "Intraluminal device" in a coded filter's display does not make it a stent.
    is_stent = coded_stent or (
        clinical_text.affirmed(text, vs.STENT_TEXT) and not vs.IVC_FILTER.matches(codes)
    )
    if not is_stent and not is_filter:
        return None
    _require_r4(resource)
    if device is not None:
        _require_r4(device)
    detail = " ".join(t for t in (notes_text(resource), _parameter_text(resource)) if t)
    side = side_from(codes, None, f"{text} {detail}")
    display = _display(concept) or str(get(resource.get("codeReference"), "display") or "")
    if not is_stent:
        return _base(resource, ref, index, OrderKind.IVC_FILTER, display, side=side)
    diameter, length = _parameters(as_list(resource.get("parameter")))
    if device is not None:
        device_diameter, device_length = _parameters(as_list(device.get("property")))
        diameter = diameter if diameter is not None else device_diameter
        length = length if length is not None else device_length
    if diameter is None or length is None:
        text_diameter, text_length = parse_stent_size(f"{text}. {detail}")
        diameter = diameter if diameter is not None else text_diameter
        length = length if length is not None else text_length
    return _base(
        resource, ref, index, OrderKind.STENT, display,
        side=side,
        stent_site=_stent_site_or_reason(codes, f"{text} {detail}", resource, index),
        diameter_mm=diameter,
        length_mm=length,
    )  # fmt: skip


def _device_text(device: Mapping[str, Any]) -> str:
    names = [str(get(n, "name") or "") for n in as_list(device.get("deviceName"))]
    parts = [
        concept_text(device.get("type")),
        " ".join(names).lower(),
        str(device.get("modelNumber") or "").lower(),
        notes_text(device),
    ]
    return " ".join(p for p in parts if p)


def _parameter_text(resource: Mapping[str, Any]) -> str:
    # A coded value's text is read too: "Size" = "14 x 40 mm" is the whole size.
    return " ".join(
        f"{concept_text(p.get('code'))} {concept_text(p.get('valueCodeableConcept'))}".strip()
        for p in as_list(resource.get("parameter"))
        if isinstance(p, Mapping)
    )


def _parameters(parameters: Iterable[Any]) -> tuple[float | None, float | None]:
    """(diameter_mm, length_mm) from DeviceRequest.parameter / Device.property entries."""
    diameter = length = None
    for parameter in parameters:
        if not isinstance(parameter, Mapping):
            continue
        concept = parameter.get("code") or parameter.get("type")
        snomed = {code for system, code in code_set(concept) if system == SNOMED}
        name = concept_text(concept)
        raw = parameter.get("valueQuantity")
        if isinstance(raw, list):  # Device.property.valueQuantity is 0..* in R4
            raw = next((q for q in raw if isinstance(q, Mapping)), None)
        quantity = units.quantity(raw)
        if quantity is not None and not quantity[1]:
            # A unit-less value takes the unit its name states ("Length (cm)": 6 is 60 mm).
            named = re.search(r"\b(mm|cm|millimet\w*|centimet\w*)\b", name)
            quantity = (quantity[0], "cm" if named and named.group(1).startswith("c") else "mm")
        mm = units.to_mm(*quantity) if quantity is not None else _other_value_mm(parameter)
        if mm is None:
            continue
        if snomed & vs.DIAMETER_SNOMED or clinical_text.has_any(name, ("diameter", "diam")):
            diameter = diameter if diameter is not None else mm
        elif snomed & vs.LENGTH_SNOMED or clinical_text.has_any(name, ("length", "long")):
            length = length if length is not None else mm
    return diameter, length


def _other_value_mm(parameter: Mapping[str, Any]) -> float | None:
    """A size sent as valueRange (low = high, or one bound) or as valueCodeableConcept text
    ("60 mm"), in mm; None when absent or ambiguous."""
    value_range = parameter.get("valueRange")
    if isinstance(value_range, Mapping):
        bounds = [units.quantity(value_range.get(k)) for k in ("low", "high")]
        sizes = {units.to_mm(*q) for q in bounds if q is not None} - {None}
        return sizes.pop() if len(sizes) == 1 else None
    text = concept_text(parameter.get("valueCodeableConcept"))
    found = _SINGLE.findall(clinical_text.normalize(text)) if text else []
    return _mm(*found[0]) if len(found) == 1 else None
