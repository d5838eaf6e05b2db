"""JSON from strangers (request bodies, FHIR servers) with a bound on nesting depth.

`json.loads` itself only fails past the interpreter's recursion limit (as a RecursionError,
not a ValueError), and everything downstream that walks the tree (pydantic, the mapping,
`jsonify`) could hit the limit sooner. FHIR R4 resources nest about a dozen levels; a hook
request with a prefetched Bundle of draft orders about twenty. The scan is linear and runs in
C except for one pass over the brackets.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 100
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DELTA = [0] * 256
for _open in b"[{":
    _DELTA[_open] = 1
for _close in b"]}":
    _DELTA[_close] = -1


class JsonTooDeep(ValueError):
    pass


def _bracket_depth(raw: bytes | bytearray) -> int:
    brackets = raw.translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DELTA.__getitem__, brackets)), default=0)


def nesting_depth(raw: bytes | bytearray, limit: int = MAX_DEPTH) -> int:
    # Brackets inside strings only ever raise the count: the cheap count decides unless it is
    # over a limit, and then strings are taken out (the slower, exact count).
    rough = _bracket_depth(raw)
    return rough if rough <= limit else _bracket_depth(_STRINGS.sub(b"", raw))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def check_depth(raw: bytes | bytearray, max_depth: int = MAX_DEPTH) -> None:
    """`JsonTooDeep` if the JSON text nests deeper than allowed (for callers parsing it
    themselves)."""
    if nesting_depth(raw, max_depth) > max_depth:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")


def loads(raw: bytes | bytearray | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON; ValueError if it is invalid, has NaN/Infinity, or nests deeper than allowed."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    check_depth(data, max_depth)
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except RecursionError:  # unreachable after the depth check; kept as the last guard
        raise JsonTooDeep("JSON nested too deeply") from None
