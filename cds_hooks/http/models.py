"""CDS Hooks 2.0.1 wire models (pydantic v2): discovery, service request, service response.

Requests are parsed leniently (unknown fields ignored, `extension` allowed anywhere) because EHRs
add their own fields. Responses are checked strictly (unknown fields forbidden) because a
typo in a card producer must fail loudly rather than reach a clinician half-rendered.

Two REQUIRED response fields are missing from the spec's own examples (`card.indicator` in the
autolaunchable example, `action.description` in the systemActions example). Parsing accepts that;
`validate_outgoing` — used for everything this service sends — enforces the spec text.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

logger = logging.getLogger(__name__)

SUMMARY_MAX_CHARS = 139  # the spec: "<140-character summary"
_ELLIPSIS = "…"

# FHIR R4 `id` datatype; hook context ids are FHIR ids and end up in prefetch query URLs.
FHIR_ID_PATTERN = r"^[A-Za-z0-9\-.]{1,64}$"
# "[ResourceType]/[id]" as the hook library requires for userId and selections.
FHIR_REFERENCE_PATTERN = r"^[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}$"
# A selection: "[ResourceType]/[id]" per the spec, but "the FHIR id of the newly selected
# order(s)" also arrives as the bare id, or as the entry's urn:uuid / absolute fullUrl.
SELECTION_PATTERN = (
    r"^(?:[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}|[A-Za-z0-9\-.]{1,64}"
    r"|urn:uuid:[0-9A-Fa-f\-]{36}|https?://[!-~]{1,500})$"
)
# hookInstance "is a UUID", but clients that send another opaque string still deserve an answer,
# so any printable text is accepted. It is logged for correlation: control characters (which
# could forge log lines) are refused, and the length fits the served_card column.
HOOK_INSTANCE_PATTERN = r"^[^\x00-\x1f\x7f]{1,128}$"


def _new_uuid() -> str:
    return str(uuid.uuid4())


def _is_outgoing(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("outgoing"))


# --------------------------------------------------------------------------- base classes


class _RequestModel(BaseModel):
    model_config = ConfigDict(extra="ignore")

    extension: dict[str, Any] | None = None


class _ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    extension: dict[str, Any] | None = None


# --------------------------------------------------------------------------- discovery


class CdsServiceDefinition(_ResponseModel):
    hook: str = Field(min_length=1)
    title: str | None = None
    description: str = Field(min_length=1)
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9\-._~]+$")
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None


class DiscoveryResponse(_ResponseModel):
    services: list[CdsServiceDefinition]


# --------------------------------------------------------------------------- request


class FhirAuthorization(_RequestModel):
    # SecretStr keeps the token out of reprs, validation errors and accidental logging.
    access_token: SecretStr = Field(min_length=1)
    token_type: str
    expires_in: int = Field(ge=0)
    scope: str = Field(min_length=1)
    subject: str = Field(min_length=1)
    patient: str | None = None

    @field_validator("token_type")
    @classmethod
    def _bearer_only(cls, value: str) -> str:
        if value.lower() != "bearer":
            raise ValueError("token_type must be Bearer")
        return value


class CdsRequest(_RequestModel):
    hook: str = Field(min_length=1)
    hookInstance: str = Field(pattern=HOOK_INSTANCE_PATTERN)
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    @field_validator("fhirServer")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("fhirServer must be an absolute http(s) URL")
        if parts.query or parts.fragment:
            raise ValueError("fhirServer must not carry a query or fragment")
        return value

    @model_validator(mode="after")
    def _server_with_authorization(self) -> CdsRequest:
        # cds-r-1: an access token is useless (and must not be sent anywhere) without its server.
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirServer is required when fhirAuthorization is given")
        return self

    @property
    def access_token(self) -> str | None:
        if self.fhirAuthorization is None:
            return None
        return self.fhirAuthorization.access_token.get_secret_value()


class PatientViewContext(_RequestModel):
    # Unknown context fields are kept: the clinical layer may use hook fields we do not model.
    model_config = ConfigDict(extra="allow")

    userId: str = Field(pattern=FHIR_REFERENCE_PATTERN)
    patientId: str = Field(pattern=FHIR_ID_PATTERN)
    encounterId: str | None = Field(default=None, pattern=FHIR_ID_PATTERN)


class OrderSignContext(PatientViewContext):
    draftOrders: dict[str, Any]

    @field_validator("draftOrders")
    @classmethod
    def _bundle(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("resourceType") != "Bundle":
            raise ValueError("draftOrders must be a FHIR Bundle")
        return value


class OrderSelectContext(OrderSignContext):
    selections: list[Annotated[str, Field(pattern=SELECTION_PATTERN)]] = Field(min_length=1)


CONTEXT_MODELS: dict[str, type[PatientViewContext]] = {
    "patient-view": PatientViewContext,
    "order-sign": OrderSignContext,
    "order-select": OrderSelectContext,
}


# --------------------------------------------------------------------------- response


class Coding(_ResponseModel):
    system: str = Field(min_length=1)
    code: str = Field(min_length=1)
    display: str | None = None


class OverrideReason(Coding):
    display: str = Field(min_length=1)  # REQUIRED for override reasons provided by a service


class Source(_ResponseModel):
    label: str = Field(min_length=1)
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None


class Action(_ResponseModel):
    type: Literal["create", "update", "delete"]
    description: str | None = Field(default=None, min_length=1)
    # A string here is the DEPRECATED 1.0 way of naming the resource to delete.
    resource: dict[str, Any] | str | None = None
    resourceId: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _conditional_fields(self, info: ValidationInfo) -> Action:
        if self.type in {"create", "update"} and not isinstance(self.resource, dict):
            raise ValueError(f"a {self.type} action needs a FHIR resource")
        if self.type == "delete" and not (self.resourceId or isinstance(self.resource, str)):
            raise ValueError("a delete action needs resourceId")
        if _is_outgoing(info) and not self.description:
            raise ValueError("action.description is required")
        return self


class Suggestion(_ResponseModel):
    label: str = Field(min_length=1)
    uuid: str = Field(default_factory=_new_uuid, min_length=1)
    isRecommended: bool | None = None
    actions: list[Action] | None = None

    @model_validator(mode="after")
    def _described_actions(self) -> Suggestion:
        # Suggestion actions are shown to the clinician, so they always need a description
        # (cds-resp-5), even where systemActions in the spec's example omit it.
        for action in self.actions or []:
            if not action.description:
                raise ValueError("a suggestion action needs a description")
        return self


class Link(_ResponseModel):
    label: str = Field(min_length=1)
    url: str = Field(min_length=1)
    type: Literal["absolute", "smart"]
    appContext: str | None = None
    autolaunchable: bool | None = None

    @model_validator(mode="after")
    def _app_context_for_smart(self) -> Link:
        if self.appContext is not None and self.type != "smart":
            raise ValueError("appContext is only valid on smart links")
        return self


def truncate_summary(text: str) -> str:
    """Shorten to the spec's <140 characters, at a word boundary when one is close, never
    splitting a base character from its combining marks, and mark the cut with an ellipsis."""
    if len(text) <= SUMMARY_MAX_CHARS:
        return text
    cut = SUMMARY_MAX_CHARS - len(_ELLIPSIS)
    while cut > 0 and unicodedata.combining(text[cut]):
        cut -= 1
    head = text[:cut]
    space = head.rfind(" ")
    if space >= cut - 30:
        head = head[:space]
    return head.rstrip(" ,;:.-") + _ELLIPSIS


class Card(_ResponseModel):
    uuid: str = Field(default_factory=_new_uuid, min_length=1)
    summary: str = Field(min_length=1)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"] | None = None
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[OverrideReason] | None = None
    links: list[Link] | None = None

    @field_validator("summary")
    @classmethod
    def _short_summary(cls, value: str) -> str:
        if len(value) > SUMMARY_MAX_CHARS:
            # Only the length: the wording is the producer's to fix, and is not logged.
            logger.warning("card summary of %d characters truncated", len(value))
        return truncate_summary(value)

    @model_validator(mode="after")
    def _conditional_fields(self, info: ValidationInfo) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("selectionBehavior is required when suggestions are present")
        if self.selectionBehavior == "at-most-one" and self.suggestions:
            recommended = [s for s in self.suggestions if s.isRecommended]
            if len(recommended) > 1:
                raise ValueError("only selectionBehavior 'any' allows several recommended")
        if _is_outgoing(info) and self.indicator is None:
            raise ValueError("card.indicator is required")
        if _is_outgoing(info) and not self.suggestions:
            # selectionBehavior qualifies suggestions; alone it is a field "without a value"
            # that clients may treat as an error, so it leaves only with suggestions.
            self.selectionBehavior = None
        return self


class CdsResponse(_ResponseModel):
    cards: list[Card]
    systemActions: list[Action] | None = None

    @model_validator(mode="after")
    def _unique_uuids(self, info: ValidationInfo) -> CdsResponse:
        # Feedback names a card and its suggestions by uuid, so within one response every card
        # and suggestion uuid must be distinct; a repeated one (a producer bug) gets a fresh
        # uuid rather than costing the clinician every card of the response.
        if not _is_outgoing(info):
            return self
        seen: set[str] = set()
        items: list[Card | Suggestion] = []
        for card in self.cards:
            items.append(card)
            items.extend(card.suggestions or [])
        for item in items:
            if item.uuid in seen:
                logger.warning("duplicate %s uuid replaced", type(item).__name__.lower())
                item.uuid = _new_uuid()
            seen.add(item.uuid)
        return self


# --------------------------------------------------------------------------- serialization

# Top-level arrays the spec allows to be empty: "no guidance" and "no services".
_KEEP_EMPTY = frozenset({"cards", "services"})


def _prune(value: Any) -> Any:
    """Drop null, "", [] and {} recursively (spec: optional JSON elements without a value MUST
    be omitted)."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        items = [_prune(v) for v in value]
        return [v for v in items if v not in (None, "", [], {})]
    return value


def to_json(model: BaseModel) -> dict[str, Any]:
    """JSON-ready dict of a response model without empty optional elements."""
    raw = model.model_dump(mode="json", exclude_none=True)
    result: dict[str, Any] = {}
    for key, value in raw.items():
        pruned = _prune(value)
        if key in _KEEP_EMPTY or pruned not in (None, "", [], {}):
            result[key] = pruned
    return result


def validate_outgoing(payload: dict[str, Any]) -> CdsResponse:
    """Validate a response this service is about to send, with every REQUIRED field enforced."""
    return CdsResponse.model_validate(payload, context={"outgoing": True})
