"""cProfile of service calls through the WSGI app (no sockets): where a call's time goes.

.venv/bin/python benchmarks/profile_call.py --resources 200 --calls 50 [--sort tottime]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bodies  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=30)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--hook", choices=("pv", "os"), default="pv")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args(argv)

    from cds_hooks import create_app

    tmp = tempfile.mkdtemp(prefix="iliac-profile-")
    app = create_app(
        {
            "REQUIRE_JWT": False,
            "DATABASE_URL": f"sqlite:///{os.path.join(tmp, 'p.sqlite')}",
            "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        }
    )
    make = bodies.patient_view if args.hook == "pv" else bodies.order_sign
    payload = bodies.body(make(args.resources, bodies.synthea_filler()))
    service = (
        bodies.service_catalog.PATHWAY_SERVICE_ID
        if args.hook == "pv"
        else bodies.service_catalog.ORDER_SAFETY_SERVICE_ID
    )
    client = app.test_client()

    def call() -> None:
        response = client.post(
            f"/cds-services/{service}", data=payload, content_type="application/json"
        )
        assert response.status_code == 200, response.data[:300]

    call()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.calls):
        call()
    profile.disable()
    stats = pstats.Stats(profile)
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
