"""Why a rule stayed silent: an opt-in recorder for the explain endpoint.

A rule that returns no recommendation may say why, at its `return None`:

    return silent("dvt-duplex-ultrasound", "a complete duplex since the swelling began")

`silent` returns None, so the rule's result is unchanged. Outside `recording()` (every normal
hook call) it does nothing but one context-variable read. Inside, the first reason given per
recommendation id is kept: the first condition that kept it silent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_reasons: ContextVar[dict[str, str] | None] = ContextVar("iliac_cds_silence", default=None)


def silent(recommendation_id: str, reason: str) -> None:
    reasons = _reasons.get()
    if reasons is not None:
        reasons.setdefault(recommendation_id, reason)


@contextmanager
def recording() -> Iterator[dict[str, str]]:
    """Collect {recommendation id: first silence reason} for the calls made inside."""
    reasons: dict[str, str] = {}
    token = _reasons.set(reasons)
    try:
        yield reasons
    finally:
        _reasons.reset(token)


def first_unmet(*checks: tuple[str, bool]) -> str:
    """The label of the first check that does not hold ("" when all hold): for a rule whose
    one `if` combines several conditions."""
    return next((label for label, holds in checks if not holds), "")
