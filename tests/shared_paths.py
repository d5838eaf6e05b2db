"""Where the read-only reference material (`shared/`) lives: beside the checkout.

CI clones the repository into another folder with a copy of `shared/` beside it, so paths are
resolved from the checkout, not hard-coded. `ILIAC_SHARED_DIR` overrides the location.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    override = os.environ.get("ILIAC_SHARED_DIR")
    if override:
        return Path(override)
    for candidate in (REPO.parent / "shared", Path("/work/shared")):
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared"


SHARED = _shared()
CDS_HOOKS_SPEC = SHARED / "cds-hooks-spec"
FHIR_SAMPLES = SHARED / "fhir-samples"
