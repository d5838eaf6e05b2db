"""FHIR date / dateTime / instant / Period values read from raw JSON (`fhir_types` re-exports
these): partial dates, zoneless dateTimes, and which date key of a resource is the one used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from .reading import unreadable


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse_when(value: Any) -> datetime | None:
    """FHIR date / dateTime / instant -> timezone-aware datetime.

    Date-only and partial dates ("2020", "2020-03") become 00:00 UTC of their first day; a
    dateTime without an offset (not valid FHIR, but seen) is taken as UTC. Unreadable -> None.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    if not isinstance(value, str) or len(value) > 64:
        return None  # a number is no date (1970 is not "1970"): not guessed
    text = value.strip()
    match = _PARTIAL_DATE.match(text)
    try:
        if match:
            year, month, day = match.groups()
            return datetime(int(year), int(month or 1), int(day or 1), tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def first_when(resource: Any, *keys: str, required: bool = True) -> datetime | None:
    """The date of the first of `keys` the resource has; a Period yields its start (else end).

    The first present key is the date the pathway uses: when it cannot be read, the date is
    unknown (unreadable), not the next key's. With `required=False` (a fallback date another
    date makes unused) an unreadable value reads as absent.
    """
    for key in keys:
        value = _get(resource, key)
        if value is None:
            continue
        if isinstance(value, Mapping) or hasattr(value, "start"):
            start, end = _get(value, "start"), _get(value, "end")
            if start is None and end is None:
                continue  # an empty Period says nothing
            when = parse_when(start) if start is not None else None
            if start is None or when is not None:
                when = when or parse_when(end)
        elif isinstance(value, str | datetime | date):
            when = parse_when(value)
        else:
            when = None
        if when is not None:
            return when
        if required:
            unreadable(key)
    return None
