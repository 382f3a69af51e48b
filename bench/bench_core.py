"""Core benchmark (issue: snapshot model, engine, trace), side by side with the naive reference evaluator.

    .venv/bin/python -m bench.bench_core [--flows 1000000] [--traces 5000]

Measures, in one run on the synthetic snapshot (1,000 ENIs, 300 SGs, 3,000 rules, 50 NACLs of 20 rules):
load time; Engine.trace with full explanation (flows/s); BatchEvaluator verdicts on one core (flows/s);
the naive reference evaluator on the same flows (flows/s); ratios; and agreement of all three.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench.synth import generate
from naive import Packet, eni_to_eni
from vpcflow.engine import BatchEvaluator, Engine, Verdict
from vpcflow.sources import load_snapshot

PORTS = np.array([22, 80, 443, 3306, 5432, 8080, 8443, 3389, 9000, 31000, 40000, 60000])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--flows", type=int, default=1_000_000)
    ap.add_argument("--traces", type=int, default=5000)
    ap.add_argument("--reference", type=int, default=2000)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp)
        t0 = time.perf_counter()
        snap = load_snapshot(tmp)
        load_s = time.perf_counter() - t0
    engine = Engine(snap)
    rng = np.random.default_rng(0)
    enis = sorted(snap.interfaces)
    n = len(enis)

    def flows(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        src = rng.integers(0, n, k)
        dst = (src + rng.integers(1, n, k)) % n
        proto = rng.choice(np.array([6, 6, 6, 17]), k)
        dport = rng.choice(PORTS, k)
        sport = rng.integers(32768, 61000, k)
        return src, dst, proto, dport, sport

    # trace with full explanation
    src, dst, proto, dport, sport = flows(args.traces)
    names = {6: "tcp", 17: "udp"}
    addrs = [str(snap.interfaces[e].private_ips[0]) for e in enis]
    t0 = time.perf_counter()
    traces = [
        engine.trace(enis[s], addrs[d], names[int(p)], int(dp), src_port=int(sp))
        for s, d, p, dp, sp in zip(src, dst, proto, dport, sport, strict=True)
    ]
    trace_rate = len(traces) / (time.perf_counter() - t0)
    # the same, on delivered flows only (longer walks: both NACLs, both SGs, the return path)
    ok = [i for i, t in enumerate(traces) if t.forward.delivered]
    t0 = time.perf_counter()
    for i in ok:
        engine.trace(enis[src[i]], addrs[dst[i]], names[int(proto[i])], int(dport[i]), src_port=int(sport[i]))
    delivered_rate = len(ok) / max(time.perf_counter() - t0, 1e-9)

    # naive reference on the first flows
    k = min(args.reference, args.traces)
    t0 = time.perf_counter()
    ref = [
        eni_to_eni(
            snap,
            snap.interfaces[enis[s]],
            snap.interfaces[enis[d]],
            Packet(addrs[s], addrs[d], int(p), int(sp), int(dp)),
        )
        for s, d, p, dp, sp in zip(src[:k], dst[:k], proto[:k], dport[:k], sport[:k], strict=True)
    ]
    ref_rate = k / (time.perf_counter() - t0)
    agree_trace = sum(
        (t.forward.delivered, t.verdict is Verdict.ACCEPT) == r for t, r in zip(traces[:k], ref, strict=True)
    )

    # batch verdicts
    t0 = time.perf_counter()
    batch = BatchEvaluator(snap, engine.rules)
    build_s = time.perf_counter() - t0
    index = batch.indices(enis)
    bsrc, bdst, bproto, bdport, bsport = flows(args.flows)
    bsrc, bdst = index[bsrc], index[bdst]
    batch.verdicts(bsrc[:1000], bdst[:1000], bproto[:1000], bdport[:1000], bsport[:1000])  # warm-up
    t0 = time.perf_counter()
    result = batch.verdicts(bsrc, bdst, bproto, bdport, bsport)
    batch_rate = args.flows / (time.perf_counter() - t0)
    check = batch.verdicts(index[src], index[dst], proto, dport, sport).verdict
    agree_batch = sum(
        int(c) == (0 if not t.forward.delivered else (1 if t.verdict is Verdict.ACCEPT else 2))
        for c, t in zip(check, traces, strict=True)
    )

    rules = sum(len(g.ingress) + len(g.egress) for g in snap.security_groups.values())
    print(
        f"snapshot: {len(snap.interfaces)} ENIs, {len(snap.security_groups)} SGs, {rules} SG rules "
        "(one per peer), "
        f"{len(snap.network_acls)} NACLs"
    )
    print(f"{'measure':<44}{'value':>16}{'vs reference':>16}")
    print(f"{'load (describe-* JSON → Snapshot)':<44}{load_s:>15.3f}s{'':>16}")
    print(f"{'trace, full explanation (flows/s)':<44}{trace_rate:>16,.0f}{trace_rate / ref_rate:>15.1f}x")
    label = "trace, delivered flows only (flows/s)"
    print(f"{label:<44}{delivered_rate:>16,.0f}{delivered_rate / ref_rate:>15.1f}x")
    print(f"{'batch verdicts, 1 core (flows/s)':<44}{batch_rate:>16,.0f}{batch_rate / ref_rate:>15.0f}x")
    print(f"{'batch build (s)':<44}{build_s:>15.3f}s{'':>16}")
    print(f"{'naive reference evaluator (flows/s)':<44}{ref_rate:>16,.0f}{1:>15.1f}x")
    print(
        f"agreement: trace vs reference {agree_trace}/{k}; batch vs trace {agree_batch}/{len(traces)}; "
        f"ACCEPT share in batch {float((result.verdict == 1).mean()):.1%}"
    )


if __name__ == "__main__":
    main()
