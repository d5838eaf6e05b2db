"""What every finding carries: the side it concerns and the source it came from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Source:
    """Where a finding came from: FHIR references and a short display for card detail."""

    refs: tuple[str, ...] = ()
    display: str = ""
