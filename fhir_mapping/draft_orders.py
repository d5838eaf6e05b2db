"""`context.draftOrders` (order-sign / order-select) -> classified `DraftOrder`s.

Only orders the guideline reasons about are kept: venous stents, IVC filters, thrombolysis
(procedure or drug), antithrombotic drugs and venography/IVUS. Everything else is unrelated and
dropped. An order we would reason about that is not valid FHIR R4 (a DSTU2/STU3 shape) is
rejected with `UnsupportedDraftOrders` (HTTP 400): guessing at a stent's size or a
thrombolytic's dose from a shape we do not understand could raise a wrong card.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from cds_hooks.guideline.findings import (
    DraftOrder,
    DrugClass,
    Medication,
    OrderKind,
    Side,
    StentSite,
)

from . import medications as medications_module
from . import text as clinical_text
from . import units
from .fhir_types import (
    CPT,
    ICD10PCS,
    LOINC,
    SNOMED,
    as_list,
    code_set,
    codings,
    concept_text,
    get,
    notes_text,
    reference_of,
    validate,
)
from .laterality import combine, side_from
from .stent_size import _SINGLE, _mm, parse_stent_size
from .terminology import orders as vs

__all__ = ["UnsupportedDraftOrders", "map_draft_orders"]


class UnsupportedDraftOrders(ValueError):
    """draftOrders that this service cannot read safely (not a Bundle, or not FHIR R4)."""


_ORDER_TYPES = frozenset(
    {"DeviceRequest", "ServiceRequest", "Procedure", "MedicationRequest"}
)
_ANTITHROMBOTIC = frozenset({DrugClass.ANTICOAGULANT, DrugClass.ANTIPLATELET})
Index = Mapping[str, Mapping[str, Any]]


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


# ---------------------------------------------------------------- classification


def _order(resource: Mapping[str, Any], ref: str, index: Index) -> DraftOrder | None:
    rtype = resource.get("resourceType")
    if rtype == "MedicationRequest":
        return _medication_order(resource, ref, index)
    if rtype == "DeviceRequest":
        return _device_order(resource, ref, index)
    return _service_order(resource, ref, index)


def _texts(resource: Mapping[str, Any], *keys: str) -> str:
    parts: list[str] = []
    for key in keys:
        value = resource.get(key)
        for item in as_list(value):
            if isinstance(item, str):
                parts.append(item.lower())
            elif isinstance(item, Mapping) and "coding" not in item and "text" not in item:
                parts.append(str(item.get("text") or item.get("display") or "").lower())
            else:
                parts.append(concept_text(item))
    return " ".join(p for p in parts if p)


def _reasons(resource: Mapping[str, Any], index: Index) -> tuple[str, tuple[str, ...]]:
    """(lower-cased reason text, reason concepts) of reasonCode / reasonReference."""
    concepts_raw: list[Any] = list(as_list(resource.get("reasonCode")))
    texts = [concept_text(resource.get("reasonCode"))]
    for reference in as_list(resource.get("reasonReference")):
        texts.append(str(get(reference, "display") or "").lower())
        target = _lookup(reference_of(reference), index, resource)
        if target is not None:
            concepts_raw.append(target.get("code"))
            texts.append(concept_text(target.get("code")))
    text = " ".join(t for t in texts if t).strip()
    codes = code_set(concepts_raw)
    found = [
        name
        for name, value_set in vs.REASONS.items()
        if value_set.matches(codes) or (text and clinical_text.affirmed(text, vs.REASON_TEXT[name]))
    ]
    return text, tuple(found)


def _base(
    resource: Mapping[str, Any], ref: str, index: Index, kind: OrderKind, display: str, **extra: Any
) -> DraftOrder:
    reason_text, reason_concepts = _reasons(resource, index)
    if kind is OrderKind.THROMBOLYSIS:
        reason_concepts = _named_reasons(resource, reason_concepts)
    return DraftOrder(
        kind=kind,
        ref=ref,
        resource=dict(resource),
        reason_text=reason_text,
        reason_concepts=reason_concepts,
        display=display,
        **extra,
    )


def _named_reasons(resource: Mapping[str, Any], found: tuple[str, ...]) -> tuple[str, ...]:
    """`found` plus the indications a thrombolytic order names outside reasonCode (catalog:
    "never when the order names stroke, ..."): its code/medication text, orderDetail, dosage
    text, patientInstruction and notes ("tPA per acute ischemic stroke protocol")."""
    text = " ".join(
        t
        for t in (
            concept_text(resource.get("code")),
            concept_text(resource.get("medicationCodeableConcept")),
            str(get(resource.get("medicationReference"), "display") or "").lower(),
            _texts(resource, "orderDetail"),
            _texts(resource, "dosageInstruction"),
            str(resource.get("patientInstruction") or "").lower(),
            notes_text(resource),
        )
        if t
    )
    if not text:
        return found
    named = [n for n, phrases in vs.REASON_TEXT.items() if clinical_text.affirmed(text, phrases)]
    return tuple(dict.fromkeys([*found, *named]))


def _display(concept: Any) -> str:
    return str(get(concept, "text") or next((d for _, _, d in codings(concept) if d), ""))


# ---------------------------------------------------------------- services and procedures


def _service_kind(codes: set[tuple[str, str]], text: str) -> OrderKind | None:
    if any(system == ICD10PCS and code in vs.ILIAC_STENT_PCS for system, code in codes) or any(
        (system == CPT and code in vs.VENOUS_STENT_CPT)
        or (system == SNOMED and code in vs.STENT_SNOMED)
        for system, code in codes
    ):
        return OrderKind.STENT
    # A coded IVC filter (ICD-10-PCS 06H03DZ reads "Insertion of Intraluminal Device into
    # Inferior Vena Cava") is a filter, not a stent named by its display text.
    if vs.IVC_FILTER.matches(codes) and not clinical_text.has_any(
        text, vs.IVC_FILTER_NOT_PLACEMENT_TEXT
    ):
        return OrderKind.IVC_FILTER
    if clinical_text.affirmed(text, vs.STENT_TEXT) and not clinical_text.has_any(
        text, vs.STENT_NOT_PLACEMENT_TEXT
    ):
        return OrderKind.STENT
    filter_named = vs.IVC_FILTER.matches(codes) or clinical_text.affirmed(text, vs.IVC_FILTER_TEXT)
    if filter_named and not clinical_text.has_any(text, vs.IVC_FILTER_NOT_PLACEMENT_TEXT):
        return OrderKind.IVC_FILTER
    if vs.THROMBOLYSIS.matches(codes) or _lysis_text(text):
        return OrderKind.THROMBOLYSIS
    if vs.VENOGRAPHY_IVUS.matches(codes) or clinical_text.affirmed(text, vs.IVUS_TEXT):
        return OrderKind.VENOGRAPHY_IVUS
    if clinical_text.affirmed(text, vs.VENOGRAPHY_IVUS_TEXT) and not clinical_text.has_any(
        text, vs.NOT_CATHETER_VENOGRAPHY_TEXT
    ):
        return OrderKind.VENOGRAPHY_IVUS
    return None


# "Catheter-directed" names a technique, not a drug: catheter-directed venography, IVUS or
# mechanical thrombectomy is no thrombolysis unless a lytic word is there too.
_CATHETER_WORDS = ("catheter-directed", "catheter directed", "cdt")
_LYTIC_WORDS = tuple(w for w in vs.THROMBOLYSIS_TEXT if w not in _CATHETER_WORDS)
_CATHETER_NOT_LYSIS = (
    *vs.VENOGRAPHY_IVUS_TEXT, "angiography", "angiogram", "thrombectomy", "embolization",
)  # fmt: skip


def _lysis_text(text: str) -> bool:
    if clinical_text.affirmed(text, _LYTIC_WORDS):
        return True
    return clinical_text.affirmed(text, _CATHETER_WORDS) and not clinical_text.has_any(
        text, _CATHETER_NOT_LYSIS
    )


def _service_order(resource: Mapping[str, Any], ref: str, index: Index) -> DraftOrder | None:
    code = resource.get("code")
    codes = code_set(code)
    code_text = concept_text(code)
    kind = _service_kind(codes, code_text)
    if kind is OrderKind.THROMBOLYSIS and _lab_not_lysis(codes, code_text):
        return None
    if kind is None:
        return None
    _require_r4(resource)
    detail = " ".join(
        t for t in (_texts(resource, "orderDetail"), notes_text(resource),
                    str(resource.get("patientInstruction") or "").lower()) if t
    )
    site_text = concept_text(resource.get("bodySite"))
    if any(
        system == SNOMED and code in _ILIAC_FEMORAL_VEIN_SITES
        for system, code in code_set(resource.get("bodySite"))
    ):
        site_text = f"{site_text} iliac vein".strip()  # a coded site may carry no display
    side = _order_side(codes, resource.get("bodySite"), f"{code_text} {site_text} {detail}")
    extra: dict[str, Any] = {}
    if kind is OrderKind.STENT:
        diameter, length = parse_stent_size(f"{code_text}. {detail}")
        extra = {
            "stent_site": _stent_site_or_reason(
                codes, f"{code_text} {site_text} {detail}", resource, index
            ),
            "diameter_mm": diameter,
            "length_mm": length,
        }
    display = _display(code) or next((c for _, c in sorted(codes)), "") or kind.value
    return _base(resource, ref, index, kind, display, side=side, **extra)


# SNOMED CT body sites: common iliac, external iliac and femoral vein.
_ILIAC_FEMORAL_VEIN_SITES = frozenset({"46027005", "63507001", "83419000"})

# Laboratory orders whose text trips the thrombolysis words ("CDT" = carbohydrate-deficient
# transferrin, "tumor lysis panel"): never a thrombolytic procedure.
_LAB_LYSIS_TEXT = (
    "tumor lysis", "tumour lysis", "transferrin", "carbohydrate", "hemolysis", "haemolysis",
    "level", "panel", "assay",
)  # fmt: skip


def _lab_not_lysis(codes: set[tuple[str, str]], text: str) -> bool:
    """A text-only "thrombolysis" that is really a lab order (LOINC-coded, or lab wording). A
    coded thrombolytic procedure is never second-guessed."""
    if vs.THROMBOLYSIS.matches(codes):
        return False
    if any(system == LOINC for system, _ in codes):
        return True
    return clinical_text.has_any(text, _LAB_LYSIS_TEXT)


def _order_side(codes: set[tuple[str, str]], body_site: Any, text: str) -> Side:
    pcs = combine(
        vs.ILIAC_STENT_PCS[code] for system, code in codes
        if system == ICD10PCS and code in vs.ILIAC_STENT_PCS
    )
    if pcs is not Side.UNKNOWN:
        return pcs
    return side_from(codes, body_site, text)


def stent_site(codes: Iterable[tuple[str, str]], text: str) -> StentSite:
    """Where a stent order puts the stent: iliac/femoral vein, another named site, or none."""
    if any(system == ICD10PCS and code in vs.ILIAC_STENT_PCS for system, code in codes):
        return StentSite.ILIAC_FEMORAL
    iliac = clinical_text.has_any(text, vs.ILIAC_FEMORAL_TEXT)
    other = clinical_text.has_any(text, vs.OTHER_SITE_TEXT)
    venous = clinical_text.has_any(text, vs.VEIN_TEXT)
    if iliac and (venous or not other):
        return StentSite.ILIAC_FEMORAL  # "common iliac artery" is named by `other`
    if other:
        return StentSite.OTHER
    return StentSite.UNSPECIFIED


def _stent_site_or_reason(
    codes: set[tuple[str, str]], text: str, resource: Mapping[str, Any], index: Index
) -> StentSite:
    """The order's own site; when it names none, the site its reason names ("venous stent" for
    May-Thurner syndrome is an iliac vein stent, catalog: "site or text ... May-Thurner")."""
    site = stent_site(codes, text)
    if site is not StentSite.UNSPECIFIED:
        return site
    reason_text = _reasons(resource, index)[0]
    return stent_site((), reason_text) if reason_text else site


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


# ---------------------------------------------------------------- medications


def _medication_order(
    resource: Mapping[str, Any], ref: str, index: Index
) -> DraftOrder | None:
    if not medications_module.relevant(resource):
        return None
    _require_r4(resource)
    medications = {k: v for k, v in index.items() if v.get("resourceType") == "Medication"}
    found = medications_module.medication_findings(resource, medications)
    thrombolytic = next((m for m in found if m.drug_class is DrugClass.THROMBOLYTIC), None)
    antithrombotic = next((m for m in found if m.drug_class in _ANTITHROMBOTIC), None)
    medication: Medication | None = thrombolytic or antithrombotic
    if medication is None:
        return None
    concept = resource.get("medicationCodeableConcept")
    display = _display(concept) or medication.source.display or medication.ingredient
    dosage_text = _texts(resource, "dosageInstruction")
    side = side_from((), None, f"{concept_text(concept)} {dosage_text} {notes_text(resource)}")
    if thrombolytic is not None:
        return _base(
            resource, ref, index, OrderKind.THROMBOLYSIS, display,
            side=side,
            medication=thrombolytic,
            total_dose_mg=total_dose_mg(resource, thrombolytic),
        )  # fmt: skip
    return _base(resource, ref, index, OrderKind.ANTITHROMBOTIC, display, side=side,
                 medication=medication)


_MG_TEXT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*mg\b(?!\s*/)")
_TOTAL_MG_TEXT = re.compile(
    r"\btotal(?:\s+dose)?(?:\s+of)?\s*[:=]?\s*(\d+(?:\.\d+)?)\s*mg\b"
)


def total_dose_mg(
    resource: Mapping[str, Any], medication: Medication | None = None
) -> float | None:
    """Total ordered dose in mg: structured doses (times a timing count), else dosage text.

    None when the dose is weight-based or unreadable: the guideline must not take an unread
    dose for a small catheter-clearance dose.
    """
    total = 0.0
    found = False
    for dosage in as_list(resource.get("dosageInstruction")):
        if not isinstance(dosage, Mapping):
            continue
        count = get(get(get(dosage, "timing"), "repeat"), "count")
        for dose_rate in as_list(dosage.get("doseAndRate")):
            quantity = units.quantity(get(dose_rate, "doseQuantity"))
            if quantity is None:
                continue
            value, unit = quantity
            key = units.unit_key(unit)
            if key not in ("mg", "g"):
                return None
            total += (value * 1000 if key == "g" else value) * (int(count) if count else 1)
            found = True
            break
    if found:
        return round(total, 6)
    text = " ".join(
        t for t in (_texts(resource, "dosageInstruction"), notes_text(resource)) if t
    )
    stated_total = _TOTAL_MG_TEXT.search(text)
    if re.search(r"mg\s*/\s*kg", text):
        return None
    if stated_total:
        return float(stated_total.group(1))
    # An infusion rate ("1 mg/h" catheter-directed, or a structured rate) is no total dose:
    # 1 mg/h is not a 1 mg catheter-clearance dose.
    rated = any(
        isinstance(dr, Mapping) and any(k.startswith("rate") for k in dr)
        for dosage in as_list(resource.get("dosageInstruction")) if isinstance(dosage, Mapping)
        for dr in as_list(dosage.get("doseAndRate"))
    )
    if rated or re.search(r"mg\s*/\s*(?:h\b|hr|hour|min)", text):
        return None
    values = [float(v) for v in _MG_TEXT.findall(text)]
    if values:
        # Several doses without a stated total: the largest keeps a big dose from passing
        # for a small catheter-clearance dose.
        return max(values)
    if medication is not None and medication.dose is not None and medication.dose.unit == "mg":
        return medication.dose.value
    return None
