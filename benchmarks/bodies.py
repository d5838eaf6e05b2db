"""Hook request bodies of a chosen size for the HTTP benchmark.

A pathway scenario's own hook request (dates moved to today) is padded with resources of the
Synthea patients in ../shared/fhir-samples, re-owned by the scenario's patient and filed under
the prefetch key of their type, until the prefetch holds the asked number of resources. The
scenario keeps its cards; the padding is the ordinary noise of a long record.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cds_hooks import service_catalog  # noqa: E402
from fixtures.loader import load_scenario  # noqa: E402
from tests.shared_paths import FHIR_SAMPLES  # noqa: E402

PATIENT_VIEW_SCENARIO = "pv-ivus-62-candidate"  # exercises most of the pathway
ORDER_SIGN_SCENARIO = "os-stent-with-ivus-order"
SYNTHEA = FHIR_SAMPLES / "synthea"

# resourceType -> prefetch key (search templates only; the Patient read is the scenario's own)
KEY_OF_TYPE = {
    template.split("?", 1)[0]: key
    for key, template in service_catalog.PREFETCH_TEMPLATES.items()
    if "?" in template
}


def synthea_filler() -> list[dict[str, Any]]:
    """Every Synthea resource of a type the services prefetch (none if shared/ is absent)."""
    filler: list[dict[str, Any]] = []
    for path in sorted(SYNTHEA.glob("*.json")) if SYNTHEA.is_dir() else []:
        for entry in json.loads(path.read_text()).get("entry", []):
            resource = entry.get("resource")
            if isinstance(resource, dict) and resource.get("resourceType") in KEY_OF_TYPE:
                filler.append(resource)
    return filler


def count_resources(request: dict[str, Any]) -> int:
    total = 0
    for value in (request.get("prefetch") or {}).values():
        if isinstance(value, dict):
            total += len(value.get("entry") or []) if value["resourceType"] == "Bundle" else 1
    return total


def padded_request(
    scenario: str, service_id: str, size: int, filler: list[dict[str, Any]]
) -> dict[str, Any]:
    """The scenario's hook request with its prefetch padded to `size` resources."""
    _, requests = load_scenario(scenario)
    request = copy.deepcopy(requests[service_id])
    request.pop("fhirServer", None)  # everything is prefetched: no fallback fetch
    request.pop("fhirAuthorization", None)
    patient_id = request["context"]["patientId"]
    prefetch = request["prefetch"]
    for key in KEY_OF_TYPE.values():
        if not isinstance(prefetch.get(key), dict):
            prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    missing = size - count_resources(request)
    if missing > 0 and not filler:
        raise RuntimeError(f"no Synthea samples in {SYNTHEA}: cannot pad to {size} resources")
    for i in range(max(0, missing)):
        resource = copy.deepcopy(filler[i % len(filler)])
        resource["id"] = f"bench-{i}"
        for field in ("subject", "patient"):
            if field in resource:
                resource[field] = {"reference": f"Patient/{patient_id}"}
        bundle = prefetch[KEY_OF_TYPE[resource["resourceType"]]]
        bundle.setdefault("entry", []).append({"resource": resource})
    for key in KEY_OF_TYPE.values():
        prefetch[key]["total"] = len(prefetch[key].get("entry") or [])
    return request


def body(request: dict[str, Any]) -> bytes:
    return json.dumps(request, separators=(",", ":")).encode()


def patient_view(size: int, filler: list[dict[str, Any]]) -> dict[str, Any]:
    return padded_request(PATIENT_VIEW_SCENARIO, service_catalog.PATHWAY_SERVICE_ID, size, filler)


def order_sign(size: int, filler: list[dict[str, Any]]) -> dict[str, Any]:
    return padded_request(
        ORDER_SIGN_SCENARIO, service_catalog.ORDER_SAFETY_SERVICE_ID, size, filler
    )
