"""In-process speed and memory of the clinical path: `map_record` + `evaluate_patient_view`.

    make bench                       # or: .venv/bin/python benchmarks/run.py --runs 30 [--cpu]

Records: each Synthea patient of ../shared/fhir-samples (700-2,300 resources), and a
1,000- and a 10,000-resource record replicated from a pathway scenario plus Synthea resources
(re-identified to one patient). Reports median and p95 wall time over N runs and the peak
traced memory of one run. Target: median < 50 ms for 1,000 resources. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import fhir_mapping  # noqa: E402
from cds_hooks.guideline import evaluate_patient_view  # noqa: E402
from cds_hooks.guideline.settings import GuidelineSettings  # noqa: E402
from fixtures.loader import load_scenario  # noqa: E402
from tests.shared_paths import FHIR_SAMPLES  # noqa: E402

SAMPLES = FHIR_SAMPLES / "synthea"
TARGET_MS_1000 = 50.0
SCENARIO = "pv-ivus-62-candidate"  # exercises most of the pathway


def resources_of(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry", []) if "resource" in e]


def replicated(size: int, filler: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """A scenario record padded to `size` resources with Synthea resources re-owned by it."""
    bundle, _ = load_scenario(SCENARIO)
    base = resources_of(bundle)
    patient_id = next(r["id"] for r in base if r["resourceType"] == "Patient")
    out = list(base)
    pool = [r for r in filler if r["resourceType"] != "Patient"]
    i = 0
    while len(out) < size:
        r = copy.deepcopy(pool[i % len(pool)])
        r["id"] = f"bench-{i}"
        for key in ("subject", "patient"):
            if key in r:
                r[key] = {"reference": f"Patient/{patient_id}"}
        out.append(r)
        i += 1
    return out, patient_id


def run_once(resources: list[dict[str, Any]], patient_id: str, as_of: datetime) -> int:
    record = fhir_mapping.map_record(resources, patient_id=patient_id, medications_retrieved=True)
    return len(evaluate_patient_view(record, as_of=as_of, settings=GuidelineSettings()))


def measure(
    fn: Callable[[], int], runs: int, clock: Callable[[], float] = time.perf_counter
) -> tuple[float, float, float, int]:
    fn()  # warm-up: imports, caches
    times = []
    for _ in range(runs):
        start = clock()
        cards = fn()
        times.append((clock() - start) * 1000)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, peak / 1e6, cards


def main() -> int:
    parser = argparse.ArgumentParser(description="iliac-cds clinical path benchmark")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--cpu", action="store_true",
        help="time process CPU instead of wall clock (steadier on a shared, loaded machine)",
    )
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    as_of = datetime.now(UTC)

    cases: list[tuple[str, list[dict[str, Any]], str]] = []
    synthea = sorted(SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []
    filler: list[dict[str, Any]] = []
    for path in synthea:
        resources = resources_of(json.loads(path.read_text()))
        patient = next(r for r in resources if r["resourceType"] == "Patient")
        cases.append((f"synthea {path.stem[:8]}", resources, patient["id"]))
        filler.extend(resources)
    if not filler:
        bundle, _ = load_scenario("pv-unrelated-busy-record")
        filler = resources_of(bundle)
    for size in (1_000, 10_000):
        resources, patient_id = replicated(size, filler)
        cases.append((f"replicated {size:,}", resources, patient_id))

    print(f"{'record':<22} {'resources':>9} {'median ms':>10} {'p95 ms':>8} {'peak MB':>8} cards")
    slow = False
    for label, resources, patient_id in cases:
        median, p95, peak, cards = measure(
            lambda r=resources, p=patient_id: run_once(r, p, as_of), args.runs, clock
        )
        print(f"{label:<22} {len(resources):>9,} {median:>10.1f} {p95:>8.1f} {peak:>8.1f} {cards}")
        if label == "replicated 1,000" and median >= TARGET_MS_1000:
            slow = True
    print(
        f"target: median < {TARGET_MS_1000:.0f} ms for 1,000 resources -> "
        + ("MISSED" if slow else "met")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
