"""Reading raw FHIR R4 JSON element by element, and what to do when an element cannot be read.

The mapper reads the raw JSON dicts (no fhir.resources / pydantic validation on the request
path). Only the elements a converter reads are checked, when it reads them, by the typed
accessors of `fhir_types`: a present element that the pathway needs but cannot read (a
string where an object is expected, an impossible date, a number where a code is expected)
raises `UnreadableElement`, and the record mapper skips that one resource and reports it. Every
other element is never looked at, so a defect there (an invalid `meta`, `contained`,
`category`, an unknown element) never drops a resource.

`lenient()` turns those checks off: an unreadable element reads as absent. The record mapper
uses it only to learn what a skipped resource would have been about (so that the card it could
change can name it); the draft-order mapper uses it because a draft being written is read as
far as it can be (its own `_require_r4` check guards against foreign shapes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

_LENIENT: ContextVar[bool] = ContextVar("fhir_mapping_lenient", default=False)


class UnreadableElement(ValueError):
    """An element the pathway reads is present but cannot be read. `element` is its name or
    path inside the resource (never its value: values may be patient data)."""

    def __init__(self, element: str) -> None:
        super().__init__(element)
        self.element = element


def unreadable(element: str) -> None:
    """Report an unreadable element: raises `UnreadableElement` unless reading leniently."""
    if not _LENIENT.get():
        raise UnreadableElement(element)


def is_lenient() -> bool:
    return _LENIENT.get()


@contextmanager
def lenient() -> Iterator[None]:
    """Within this block an unreadable element reads as absent instead of raising."""
    token = _LENIENT.set(True)
    try:
        yield
    finally:
        _LENIENT.reset(token)


def skip_unreadable(read: Callable[[T], list[R]], resource: T) -> list[R]:
    """`read(resource)`, or [] when the resource has an unreadable element (the public
    `convert` of each converter; the record mapper calls `read` to report such resources)."""
    try:
        return read(resource)
    except UnreadableElement as exc:
        rtype = resource.get("resourceType") if isinstance(resource, Mapping) else None
        # Type and element only: ids and values may identify the patient.
        logger.warning("skipping FHIR %s: element %s could not be read", rtype, exc.element)
        return []
