"""Where a trace spends its time on ``bench_services``'s load balancer and firewall workload.

    .venv/bin/python -m bench.profile_services [--traces 3000] [--top 40]

Loads the services estate as ``bench_services`` does, traces one sample of flows (lazy compilation, the
Engine's memos), then profiles a second, different sample with cProfile: functions by own time and by
cumulative time (the profile is written to ``/tmp/services.prof`` for ``pstats``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import tempfile
import time
from pathlib import Path

from bench.bench_services import service_flows
from bench.generate_services import services
from vpcflow.engine import Engine
from vpcflow.sources import load_snapshot


def main() -> None:
    ap = argparse.ArgumentParser(description="profile trace on the load balancer and firewall workload")
    ap.add_argument("--traces", type=int, default=3000)
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    docs, names, inspected = services(1, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for name, doc in docs.items():
            (Path(tmp) / name).write_text(json.dumps(doc))
        snap = load_snapshot(tmp)
    engine = Engine(snap)
    for s, d, p, port, sp in service_flows(snap, names, inspected, args.traces, 1):
        engine.trace(s, d, p, port, src_port=sp)
    flows = service_flows(snap, names, inspected, args.traces, 2)
    t0 = time.perf_counter()
    for s, d, p, port, sp in flows:
        engine.trace(s, d, p, port, src_port=sp)
    print(f"unprofiled: {args.traces / (time.perf_counter() - t0):,.0f} flows/s")
    profile = cProfile.Profile()
    profile.enable()
    for s, d, p, port, sp in flows:
        engine.trace(s, d, p, port, src_port=sp)
    profile.disable()
    profile.dump_stats("/tmp/services.prof")
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
