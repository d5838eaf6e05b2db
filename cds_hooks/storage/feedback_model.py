"""The CDS Hooks 2.0.1 feedback request body (checklist §10), validated with pydantic.

Validation errors are turned into one precise message naming the entry and field, e.g.
`feedback[2].outcomeTimestamp: must be an RFC 3339 UTC instant ...`.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    model_validator,
)

from cds_hooks.storage.store import FeedbackRecord

# RFC 3339 §5.6 date-time restricted to UTC; "-00:00" means "offset unknown", so it is refused.
_UTC_INSTANT = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|\+00:00)$",
)


def _canonical_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("must be a uuid (the card.uuid from the CDS Hooks response)") from None


def _utc_instant(value: str) -> datetime:
    if not _UTC_INSTANT.match(value):
        raise ValueError(
            "must be an RFC 3339 UTC instant such as 1985-04-12T23:20:50.52Z (offset Z or +00:00)"
        )
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("is not a valid calendar date and time") from None


NonEmptyStr = Annotated[StrictStr, Field(min_length=1)]
CardUuid = Annotated[StrictStr, AfterValidator(_canonical_uuid)]
UtcInstant = Annotated[StrictStr, AfterValidator(_utc_instant)]


class _Model(BaseModel):
    # Unknown keys (e.g. `extension`) are allowed by CDS Hooks and simply not kept.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Coding(_Model):
    system: NonEmptyStr
    code: NonEmptyStr
    display: StrictStr | None = None


class OverrideReason(_Model):
    reason: Coding | None = None
    userComment: StrictStr | None = None

    @model_validator(mode="after")
    def _reason_or_comment(self) -> OverrideReason:
        if self.reason is None and not self.userComment:
            raise ValueError("needs a reason (Coding) or a userComment")
        return self


class AcceptedSuggestion(_Model):
    id: NonEmptyStr


class FeedbackEntry(_Model):
    card: CardUuid
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: UtcInstant

    @model_validator(mode="after")
    def _outcome_rules(self) -> FeedbackEntry:
        if self.outcome == "accepted":
            if not self.acceptedSuggestions:
                raise ValueError("acceptedSuggestions is required and non-empty when accepted")
            if self.overrideReason is not None:
                raise ValueError("overrideReason is only allowed when outcome is overridden")
        elif self.acceptedSuggestions:
            raise ValueError("acceptedSuggestions is only allowed when outcome is accepted")
        return self

    def to_record(self) -> FeedbackRecord:
        reason = self.overrideReason.reason if self.overrideReason else None
        return FeedbackRecord(
            card_uuid=self.card,
            outcome=self.outcome,
            outcome_timestamp=self.outcomeTimestamp,  # type: ignore[arg-type]
            accepted_suggestions=[s.id for s in self.acceptedSuggestions or []],
            override_reason_system=reason.system if reason else None,
            override_reason_code=reason.code if reason else None,
            override_reason_display=reason.display if reason else None,
            has_user_comment=bool(self.overrideReason and self.overrideReason.userComment),
        )


class FeedbackRequest(_Model):
    feedback: Annotated[list[FeedbackEntry], Field(min_length=1)]


class FeedbackBodyError(ValueError):
    """A feedback body that breaks the contract; the message is safe to return to the client."""


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in {"str", "list", "dict"} or "[" in str(part):
            continue  # pydantic's internal step names (union branch, validator function)
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind in {"too_short", "string_too_short"}:
        return "must not be empty"
    if kind == "literal_error":
        return "must be one of " + error["ctx"]["expected"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in {"string_type", "list_type", "model_type", "model_attributes_type"}:
        expected = {
            "string_type": "a string",
            "list_type": "an array",
        }.get(kind, "an object")
        return f"must be {expected}"
    return error["msg"]


def parse_feedback(body: Any) -> list[FeedbackRecord]:
    """Validate a decoded JSON body; raises FeedbackBodyError naming the entry and field."""
    if not isinstance(body, dict):
        raise FeedbackBodyError('body must be a JSON object {"feedback": [...]}')
    try:
        request = FeedbackRequest.model_validate(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        shown = [f"{_location(e['loc'])}: {_message(e)}" for e in errors[:3]]
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise FeedbackBodyError("; ".join(shown) + more) from None
    return [entry.to_record() for entry in request.feedback]
