"""The three CDS services this server publishes, and the FHIR data each one asks for.

Prefetch keys are a contract with the clinical glue (pathway.py reads data by these names), so
they are exported as constants. Templates use only the spec's recommended query subset: one
instance read and type-level searches by patient reference. Searches are deliberately not
narrowed by category: local-code observations (e.g. IVUS results) carry none.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

PATHWAY_SERVICE_ID = "iliac-venous-pathway"
ORDER_SAFETY_SERVICE_ID = "iliac-venous-order-safety"
ORDER_SELECT_SERVICE_ID = "iliac-venous-order-select"

PATIENT = "patient"
CONDITIONS = "conditions"
OBSERVATIONS = "observations"
REPORTS = "reports"
MEDICATION_REQUESTS = "medicationRequests"
MEDICATION_STATEMENTS = "medicationStatements"
MEDICATION_ADMINISTRATIONS = "medicationAdministrations"
PROCEDURES = "procedures"
DEVICES = "devices"
ALLERGIES = "allergies"
IMAGING_STUDIES = "imagingStudies"

_SEARCHES: dict[str, str] = {
    CONDITIONS: "Condition",
    OBSERVATIONS: "Observation",
    REPORTS: "DiagnosticReport",
    MEDICATION_REQUESTS: "MedicationRequest",
    MEDICATION_STATEMENTS: "MedicationStatement",
    MEDICATION_ADMINISTRATIONS: "MedicationAdministration",
    PROCEDURES: "Procedure",
    DEVICES: "Device",
    ALLERGIES: "AllergyIntolerance",
    IMAGING_STUDIES: "ImagingStudy",
}

PREFETCH_TEMPLATES: MappingProxyType[str, str] = MappingProxyType(
    {
        PATIENT: "Patient/{{context.patientId}}",
        **{key: f"{kind}?patient={{{{context.patientId}}}}" for key, kind in _SEARCHES.items()},
    }
)
PREFETCH_KEYS: tuple[str, ...] = tuple(PREFETCH_TEMPLATES)

_USAGE = (
    "Needs the patient's FHIR R4 record: either every prefetch key satisfied (null for 'no "
    "data'), or a reachable R4 fhirServer (with fhirAuthorization when it is protected). "
    "Answers 412 when the data cannot be had. DSTU2/STU3 draft orders are rejected with 400."
)


@dataclass(frozen=True)
class ServiceDefinition:
    id: str
    hook: str
    title: str
    description: str
    usage_requirements: str
    prefetch: MappingProxyType[str, str]

    def discovery_entry(self) -> dict[str, Any]:
        return {
            "hook": self.hook,
            "title": self.title,
            "description": self.description,
            "id": self.id,
            "prefetch": dict(self.prefetch),
            "usageRequirements": self.usage_requirements,
        }


SERVICES: tuple[ServiceDefinition, ...] = (
    ServiceDefinition(
        id=PATHWAY_SERVICE_ID,
        hook="patient-view",
        title="Iliac venous pathway",
        description=(
            "For leg swelling with an iliac or pelvic mass: rules out DVT first, guides safe "
            "treatment of a confirmed DVT, separates a nonthrombotic iliac vein lesion "
            "(May-Thurner) from extrinsic compression, and states what must hold before stenting."
        ),
        usage_requirements=_USAGE,
        prefetch=PREFETCH_TEMPLATES,
    ),
    ServiceDefinition(
        id=ORDER_SAFETY_SERVICE_ID,
        hook="order-sign",
        title="Iliac venous order safety",
        description=(
            "Checks draft iliac/femoral venous stent, IVC filter, thrombolysis and "
            "anticoagulant/antiplatelet orders against the iliac venous pathway before signing."
        ),
        usage_requirements=_USAGE,
        prefetch=PREFETCH_TEMPLATES,
    ),
    ServiceDefinition(
        id=ORDER_SELECT_SERVICE_ID,
        hook="order-select",
        title="Iliac venous order selection",
        description=(
            "Early feedback on the selected iliac/femoral venous stent, IVC filter, thrombolysis "
            "or antithrombotic order while the clinician is still composing it."
        ),
        usage_requirements=_USAGE,
        prefetch=PREFETCH_TEMPLATES,
    ),
)

_BY_ID: MappingProxyType[str, ServiceDefinition] = MappingProxyType(
    {service.id: service for service in SERVICES}
)


def get_service(service_id: str) -> ServiceDefinition | None:
    return _BY_ID.get(service_id)


def service_ids() -> tuple[str, ...]:
    return tuple(_BY_ID)


def discovery_document() -> dict[str, Any]:
    return {"services": [service.discovery_entry() for service in SERVICES]}
