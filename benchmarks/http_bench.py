"""End-to-end HTTP benchmark: the production server against a parse-only baseline.

Both run under gunicorn with the repository's `gunicorn.conf.py` (the production settings) on
loopback ports, side by side. Each case (patient-view with 30, 200, 1,000 and 10,000 prefetched
resources, order-sign with 200, at concurrency 1 and 8) is run in alternating rounds, baseline
then service, and the medians of the rounds are reported: the machine may be shared, and
back-to-back runs see the same noise. The ratio is our throughput / the baseline's.

Also measured: cold start (process start to the first 200, then the first and second service
calls of a fresh single worker) and the memory of each worker (RSS, and USS: the pages it does
not share with the master; PSS), idle and after the load, and the CPU the workers spent per
call (from /proc: steadier than wall-clock time on a busy machine).

    .venv/bin/python benchmarks/http_bench.py [--rounds 3] [--quick] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bodies  # noqa: E402
from benchmarks.http_load import (  # noqa: E402
    CONFIG,
    Run,
    measured_load,
    request,
    serving,
    wait_for_workers,
    workers_memory,
)

SERVICE_APP = "cds_hooks:create_app()"
BASELINE_APP = "benchmarks.baseline_app:app"
RESULTS = ROOT / "benchmarks" / "results"

# (label, hook, resources, concurrency, requests per round)
CASES: tuple[tuple[str, str, int, int, int], ...] = (
    ("patient-view 30", "pv", 30, 1, 300),
    ("patient-view 30", "pv", 30, 8, 400),
    ("patient-view 200", "pv", 200, 1, 150),
    ("patient-view 200", "pv", 200, 8, 200),
    ("patient-view 1,000", "pv", 1_000, 1, 50),
    ("patient-view 1,000", "pv", 1_000, 8, 64),
    ("patient-view 10,000", "pv", 10_000, 1, 8),
    ("patient-view 10,000", "pv", 10_000, 8, 8),
    ("order-sign 200", "os", 200, 1, 150),
    ("order-sign 200", "os", 200, 8, 200),
)


@dataclass
class CaseResult:
    label: str
    resources: int
    body_bytes: int
    concurrency: int
    ours: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    ratio: float = 0.0
    cpu_ratio: float = 0.0  # baseline CPU per request / ours: the ratio a quiet machine would give


def median_run(runs: list[Run]) -> dict[str, float]:
    return {
        "cpu_ms": round(statistics.median(r.cpu_ms for r in runs), 2),
        "p50_ms": round(statistics.median(r.p50_ms for r in runs), 2),
        "p99_ms": round(statistics.median(r.p99_ms for r in runs), 2),
        "rps": round(statistics.median(r.rps for r in runs), 1),
        "errors": sum(r.errors for r in runs),
        "requests": sum(r.requests for r in runs),
    }


def cold_start(tmp: Path, body: bytes, path: str, repeats: int) -> dict[str, Any]:
    """Process start to the first 200 (production config), then the first and second calls of
    a one-worker server, so that both land on the same fresh worker."""
    ready, first, second = [], [], []
    for _ in range(repeats):
        with serving(SERVICE_APP, tmp) as server:
            ready.append(server.ready_after)
        with serving(SERVICE_APP, tmp, workers=1) as server:
            timings = []
            for _ in range(2):
                start = time.perf_counter()
                status, _ = request(server.port, "POST", path, body)
                timings.append((time.perf_counter() - start) * 1000)
                if status != 200:
                    raise RuntimeError(f"cold-start call answered {status}")
            first.append(timings[0])
            second.append(timings[1])
    return {
        "start_to_first_200_s": round(statistics.median(ready), 3),
        "first_call_ms": round(statistics.median(first), 1),
        "second_call_ms": round(statistics.median(second), 1),
        "first_over_second": round(statistics.median(first) / statistics.median(second), 2),
        "runs": repeats,
    }


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": commit,
        "gunicorn_config": CONFIG.name if CONFIG.is_file() else "-w 2 (no gunicorn.conf.py)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def targets(results: list[CaseResult], cold: dict[str, Any], idle: list[dict[str, float]]):
    def case(label: str, concurrency: int) -> CaseResult | None:
        return next((r for r in results if r.label == label and r.concurrency == concurrency), None)

    checks: list[tuple[str, bool | None, str]] = []

    def check(name: str, found: CaseResult | None, ok: Any, shown: str) -> None:
        checks.append((name, None if found is None else bool(ok), shown if found else "not run"))

    c = case("patient-view 30", 1)
    check("30 resources >= 0.35x", c, c and c.ratio >= 0.35, f"{c.ratio:.2f}x" if c else "")
    c = case("patient-view 200", 8)
    check("200 resources c8 >= 0.40x", c, c and c.ratio >= 0.40, f"{c.ratio:.2f}x" if c else "")
    check(
        "200 resources c8 p99 <= 50 ms",
        c,
        c and c.ours["p99_ms"] <= 50,
        f"{c.ours['p99_ms']:.1f} ms" if c else "",
    )
    c = case("patient-view 1,000", 1)
    check("1,000 resources >= 0.5x", c, c and c.ratio >= 0.5, f"{c.ratio:.2f}x" if c else "")
    c = case("patient-view 10,000", 1)
    check(
        "10,000 resources full HTTP <= 300 ms",
        c,
        c and c.ours["p50_ms"] <= 300,
        f"{c.ours['p50_ms']:.0f} ms" if c else "",
    )
    if cold:
        checks.append(
            (
                "cold start <= 0.6 s",
                cold["start_to_first_200_s"] <= 0.6,
                f"{cold['start_to_first_200_s']:.2f} s",
            )
        )
        checks.append(
            (
                "first call <= 2x second",
                cold["first_over_second"] <= 2.0,
                f"{cold['first_over_second']:.2f}x",
            )
        )
    if idle:
        worst = max(w["rss_mib"] for w in idle)
        checks.append(("idle worker RSS <= 80 MiB", worst <= 80, f"{worst:.0f} MiB"))
    return checks


def print_table(results: list[CaseResult]) -> None:
    print(
        f"{'request':<21}{'conc':>5}{'bytes':>10} | {'ours p50':>9}{'p99':>8}{'req/s':>8} | "
        f"{'base p50':>9}{'p99':>8}{'req/s':>8} | {'ratio':>6} | {'CPU ms/req ours':>15}"
        f"{'base':>6}{'ratio':>7}"
    )
    for r in results:
        print(
            f"{r.label:<21}{r.concurrency:>5}{r.body_bytes:>10,} | "
            f"{r.ours['p50_ms']:>9.1f}{r.ours['p99_ms']:>8.1f}{r.ours['rps']:>8.1f} | "
            f"{r.baseline['p50_ms']:>9.1f}{r.baseline['p99_ms']:>8.1f}"
            f"{r.baseline['rps']:>8.1f} | {r.ratio:>5.2f}x | {r.ours['cpu_ms']:>15.2f}"
            f"{r.baseline['cpu_ms']:>6.2f}{r.cpu_ratio:>6.2f}x"
        )


def markdown(results: list[CaseResult]) -> str:
    lines = [
        "| request | concurrency | ours p50 / p99 ms | ours req/s | parse-only p50 / p99 ms "
        "| parse-only req/s | ratio | CPU ms/call ours / parse-only (ratio) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.concurrency} | {r.ours['p50_ms']:.1f} / {r.ours['p99_ms']:.1f} "
            f"| {r.ours['rps']:.1f} | {r.baseline['p50_ms']:.1f} / {r.baseline['p99_ms']:.1f} "
            f"| {r.baseline['rps']:.1f} | {r.ratio:.2f} | {r.ours['cpu_ms']:.2f} / "
            f"{r.baseline['cpu_ms']:.2f} ({r.cpu_ratio:.2f}) |"
        )
    return "\n".join(lines)


README = ROOT / "README.md"
README_START = "<!-- http-bench:start -->"
README_END = "<!-- http-bench:end -->"


def readme_block(data: dict[str, Any]) -> str:
    """The README's copy of a run: machine, table, cold start, memory, targets."""
    info, cold, memory = data["machine"], data["cold_start"], data["memory"]
    lines = [
        README_START,
        f"Latest run: {info['date']}, commit {info['commit']}, {info['cpu']} x {info['cpus']} "
        f"CPUs, Python {info['python']}, gunicorn {info['gunicorn_config']}; load average "
        f"{info['load_average_at_start'][0]} at start (the machine was shared: wall-clock "
        "numbers are noisy, the CPU columns much less so).",
        "",
        data["markdown"],
        "",
    ]
    if cold:
        lines.append(
            f"Cold start: process start to the first 200 {cold['start_to_first_200_s']:.2f} s; "
            f"a fresh worker's first call {cold['first_call_ms']:.1f} ms, its second "
            f"{cold['second_call_ms']:.1f} ms ({cold['first_over_second']:.2f}x)."
        )
    idle = memory["service_idle"]
    if idle:
        lines.append(
            "Worker memory, idle: RSS "
            + ", ".join(f"{w['rss_mib']:.0f}" for w in idle)
            + " MiB (PSS "
            + ", ".join(f"{w['pss_mib']:.0f}" for w in idle)
            + ", private "
            + ", ".join(f"{w['uss_mib']:.0f}" for w in idle)
            + " MiB); after the load, peak RSS "
            + ", ".join(f"{w['peak_rss_mib']:.0f}" for w in memory["service_after_load"])
            + " MiB."
        )
    lines += ["", "| target | value | |", "|---|---|---|"]
    for target in data["targets"]:
        verdict = {True: "met", False: "missed", None: "not run"}[target["met"]]
        lines.append(f"| {target['target']} | {target['value']} | {verdict} |")
    lines.append(README_END)
    return "\n".join(lines)


def update_readme(data: dict[str, Any]) -> bool:
    text = README.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return False
    README.write_text(text[:start] + readme_block(data) + text[end + len(README_END) :])
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="iliac-cds HTTP benchmark")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per case")
    parser.add_argument("--quick", action="store_true", help="one round, a third of requests")
    parser.add_argument("--only", help="run only cases whose label contains this text")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start runs")
    parser.add_argument(
        "--workers", type=int, help="override the config's worker count (both servers)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--readme", action="store_true", help="copy the results into README.md's table"
    )
    parser.add_argument(
        "--readme-from", type=Path, help="only copy a saved results file into README.md"
    )
    args = parser.parse_args(argv)
    if args.readme_from:
        return 0 if update_readme(json.loads(args.readme_from.read_text())) else 1
    rounds = 1 if args.quick else args.rounds
    scale = 3 if args.quick else 1

    info = machine()
    if args.workers:
        info["gunicorn_config"] += f", -w {args.workers}"
    print(
        f"machine: {info['cpu']}, {info['cpus']} CPUs, Python {info['python']}; "
        f"load {info['load_average_at_start']}; commit {info['commit']}; "
        f"gunicorn {info['gunicorn_config']}"
    )
    filler = bodies.synthea_filler()
    payloads: dict[tuple[str, int], bytes] = {}
    for _, hook, size, _, _ in CASES:
        if (hook, size) not in payloads:
            make = bodies.patient_view if hook == "pv" else bodies.order_sign
            payloads[hook, size] = bodies.body(make(size, filler))
    paths = {
        "pv": f"/cds-services/{bodies.service_catalog.PATHWAY_SERVICE_ID}",
        "os": f"/cds-services/{bodies.service_catalog.ORDER_SAFETY_SERVICE_ID}",
    }
    cases = [c for c in CASES if not args.only or args.only in c[0]]

    results: list[CaseResult] = []
    with tempfile.TemporaryDirectory(prefix="iliac-bench-") as tmp_name:
        tmp = Path(tmp_name)
        cold: dict[str, Any] = {}
        if not args.no_cold:
            cold = cold_start(tmp, payloads["pv", 30], paths["pv"], repeats=1 if args.quick else 3)
        with (
            serving(SERVICE_APP, tmp, args.workers) as ours,
            serving(BASELINE_APP, tmp, args.workers) as base,
        ):
            wait_for_workers(ours, args.workers)
            wait_for_workers(base, args.workers)
            idle = workers_memory(ours)
            idle_base = workers_memory(base)
            for label, hook, size, concurrency, total in cases:
                body, path = payloads[hook, size], paths[hook]
                for port in (ours.port, base.port):  # warm both (and check they answer 200)
                    status, answer = request(port, "POST", path, body)
                    if status != 200:
                        raise RuntimeError(f"{label}: answered {status}: {answer[:300]!r}")
                runs: dict[str, list[Run]] = {"ours": [], "baseline": []}
                for _ in range(rounds):
                    n = max(concurrency, total // scale)
                    runs["baseline"].append(measured_load(base, path, body, concurrency, n))
                    runs["ours"].append(measured_load(ours, path, body, concurrency, n))
                result = CaseResult(label, size, len(body), concurrency)
                result.ours = median_run(runs["ours"])
                result.baseline = median_run(runs["baseline"])
                result.ratio = round(result.ours["rps"] / result.baseline["rps"], 3)
                if result.ours["cpu_ms"] > 0:
                    result.cpu_ratio = round(result.baseline["cpu_ms"] / result.ours["cpu_ms"], 3)
                results.append(result)
                print(
                    f"  {label:<21} c{concurrency}: ours p50 {result.ours['p50_ms']:.1f} ms, "
                    f"baseline p50 {result.baseline['p50_ms']:.1f} ms, ratio {result.ratio:.2f}"
                    f" (CPU ratio {result.cpu_ratio:.2f})",
                    flush=True,
                )
            loaded = workers_memory(ours)
            loaded_base = workers_memory(base)

    print()
    print_table(results)
    if cold:
        print(
            f"\ncold start: process start -> first 200 {cold['start_to_first_200_s']:.2f} s; "
            f"first call {cold['first_call_ms']:.1f} ms, second {cold['second_call_ms']:.1f} ms "
            f"({cold['first_over_second']:.2f}x), 30 resources, one fresh worker"
        )
    for name, before, after in (("service", idle, loaded), ("baseline", idle_base, loaded_base)):
        print(
            f"{name} workers: idle RSS "
            + ", ".join(f"{w['rss_mib']:.0f}" for w in before)
            + " MiB (PSS "
            + ", ".join(f"{w['pss_mib']:.0f}" for w in before)
            + ", USS "
            + ", ".join(f"{w['uss_mib']:.0f}" for w in before)
            + ")"
            + "; after load peak RSS "
            + ", ".join(f"{w['peak_rss_mib']:.0f}" for w in after)
            + " MiB"
        )
    checks = targets(results, cold, idle)
    print("\ntargets:")
    for name, ok, shown in checks:
        verdict = "n/a" if ok is None else ("met" if ok else "MISSED")
        print(f"  {name:<40} {shown:>10}  {verdict}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "machine": info,
        "rounds": rounds,
        "cases": [asdict(r) for r in results],
        "cold_start": cold,
        "memory": {
            "service_idle": idle,
            "service_after_load": loaded,
            "baseline_idle": idle_base,
            "baseline_after_load": loaded_base,
        },
        "targets": [{"target": n, "met": ok, "value": s} for n, ok, s in checks],
        "markdown": markdown(results),
    }
    args.out.write_text(json.dumps(data, indent=2) + "\n")
    if args.readme and update_readme(data):
        print("README.md updated")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
