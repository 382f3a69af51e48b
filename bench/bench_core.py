"""Core benchmark (issue 2: snapshot model, engine, trace), side by side with the naive reference evaluator.

    .venv/bin/python -m bench.bench_core [--scale 1] [--flows 1000000] [--traces 5000] [--reference 300]

One run on the synthetic snapshot of ``bench/generate.py`` (scale 1: 1,000 ENIs, 300 SGs, 3,000 SG rules,
50 NACLs of 20 entries) measures: load time (describe-* JSON on disk → Snapshot, the real loader);
``Engine.trace`` with full explanation (flows/s, mixed and delivered-only); ``BatchEvaluator`` verdicts on
one core (flows/s); the naive reference evaluator (``vpcflow.engine.reference``) on the same flows; the
ratios to the reference; and the agreement of all three.

Flows: random ENI → ENI over the private IPv4 addresses, tcp/udp, a random Linux client port; half the
destination ports are taken from the destination's own SG ingress rules (so a realistic share gets
through and walks the whole path), half from a list of common service ports.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time

import numpy as np

from bench.generate import generate, sizes
from vpcflow.engine import BatchEvaluator, Engine, Verdict
from vpcflow.engine.reference import RefPacket, evaluate
from vpcflow.engine.verdicts import ACCEPT, REJECT, RETURN_REJECT
from vpcflow.model import Snapshot
from vpcflow.sources import load_snapshot

COMMON = [22, 80, 443, 3306, 5432, 8080, 8443, 3389, 9000, 31000, 40000, 60000]
NAMES = {6: "tcp", 17: "udp"}

Flows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def make_flows(snap: Snapshot, enis: list[str], k: int, seed: int) -> Flows:
    """(src index, dst index, protocol, dst port, src port) arrays over ``enis``."""
    rng = np.random.default_rng(seed)
    n = len(enis)
    src = rng.integers(0, n, k)
    dst = (src + rng.integers(1, n, k)) % n
    proto = rng.choice(np.array([6, 6, 6, 17]), k)
    dport = rng.choice(np.array(COMMON), k)
    # per destination ENI: the ports its SGs open (the low end of each tcp/udp rule)
    opened: list[list[int]] = []
    for e in enis:
        eni = snap.interfaces[e]
        ports = [
            r.ports.lo
            for g in eni.group_ids
            if g in snap.security_groups
            for r in snap.security_groups[g].ingress
            if r.protocol in (6, 17) and r.ports is not None
        ]
        opened.append(ports)
    pick = np.random.default_rng(seed + 1)
    for i in np.nonzero(rng.random(k) < 0.5)[0]:
        ports = opened[dst[i]]
        if ports:
            dport[i] = ports[int(pick.integers(0, len(ports)))]
    sport = rng.integers(32768, 61000, k)
    return src, dst, proto, dport, sport


def code_of(t: object) -> int:
    assert hasattr(t, "forward") and hasattr(t, "verdict")
    if not t.forward.delivered:
        return REJECT
    return ACCEPT if t.verdict is Verdict.ACCEPT else RETURN_REJECT


def main() -> None:
    ap = argparse.ArgumentParser(description="core benchmark: load, trace, batch verdicts, naive reference")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--flows", type=int, default=1_000_000)
    ap.add_argument("--traces", type=int, default=5000)
    ap.add_argument("--reference", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp, args.scale, args.seed)
        t0 = time.perf_counter()
        snap = load_snapshot(tmp)
        load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = Engine(snap)
    enis = sorted(snap.interfaces)
    addrs = [str(snap.interfaces[e].private_ips[0]) for e in enis]
    src, dst, proto, dport, sport = make_flows(snap, enis, args.traces, args.seed)
    rows = list(zip(src.tolist(), dst.tolist(), proto.tolist(), dport.tolist(), sport.tolist(), strict=True))

    # trace with full explanation (first pass includes the lazy per-snapshot compilation)
    t0 = time.perf_counter()
    traces = [engine.trace(enis[s], addrs[d], NAMES[p], dp, src_port=sp) for s, d, p, dp, sp in rows]
    trace_cold = len(rows) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for s, d, p, dp, sp in rows:
        engine.trace(enis[s], addrs[d], NAMES[p], dp, src_port=sp)
    trace_rate = len(rows) / (time.perf_counter() - t0)
    ok = [r for r, t in zip(rows, traces, strict=True) if t.forward.delivered]
    t0 = time.perf_counter()
    for s, d, p, dp, sp in ok:
        engine.trace(enis[s], addrs[d], NAMES[p], dp, src_port=sp)
    delivered_rate = len(ok) / max(time.perf_counter() - t0, 1e-9)

    # the naive reference on the first flows
    k = min(args.reference, len(rows))
    t0 = time.perf_counter()
    ref = [evaluate(snap, enis[s], RefPacket(addrs[s], addrs[d], p, sp, dp)) for s, d, p, dp, sp in rows[:k]]
    ref_rate = k / (time.perf_counter() - t0)
    ref_codes = [REJECT if not r.forward else (ACCEPT if r.response else RETURN_REJECT) for r in ref]
    agree_ref = sum(int(c == code_of(t)) for c, t in zip(ref_codes, traces, strict=False))

    # batch verdicts, one core
    t0 = time.perf_counter()
    batch = BatchEvaluator(snap, engine.rules)
    build_s = time.perf_counter() - t0
    index = batch.indices(enis)
    b = make_flows(snap, enis, args.flows, args.seed + 7)
    bsrc, bdst = index[b[0]], index[b[1]]
    batch.verdicts(bsrc[:1000], bdst[:1000], b[2][:1000], b[3][:1000], b[4][:1000])  # warm-up
    t0 = time.perf_counter()
    result = batch.verdicts(bsrc, bdst, b[2], b[3], b[4])
    batch_rate = args.flows / (time.perf_counter() - t0)
    check = batch.verdicts(index[src], index[dst], proto, dport, sport).verdict
    agree_batch = sum(int(int(c) == code_of(t)) for c, t in zip(check, traces, strict=True))
    agree_batch_ref = sum(int(int(c) == r) for c, r in zip(check, ref_codes, strict=False))

    n = sizes(args.scale)
    rules = sum(len(g.ingress) + len(g.egress) for g in snap.security_groups.values())
    entries = sum(len(a.ingress) + len(a.egress) for a in snap.network_acls.values())
    print(
        f"snapshot (scale {args.scale:g}, seed {args.seed}): {len(snap.interfaces)} ENIs, "
        f"{len(snap.security_groups)} SGs, {rules} SG rules, {len(snap.network_acls)} NACLs "
        f"({entries} entries), {len(snap.instances)} instances; target sizes {n}"
    )
    accepted = float((result.verdict == ACCEPT).mean())
    forward = float((result.verdict != REJECT).mean())
    w = 50
    print(f"{'measure':<{w}}{'target':>14}{'result':>16}{'vs reference':>14}")
    print(f"{'load (describe-* JSON on disk → Snapshot)':<{w}}{'≤ 2 s':>14}{load_s:>15.3f}s{'':>14}")
    rows_out = [
        ("trace, full explanation (flows/s)", "≥ 10,000", trace_rate),
        ("trace, first pass incl. lazy compile (flows/s)", "", trace_cold),
        ("trace, delivered flows only (flows/s)", "", delivered_rate),
        ("batch verdicts, 1 core (flows/s)", "≥ 1,000,000", batch_rate),
        ("naive reference evaluator (flows/s)", "", ref_rate),
    ]
    for label, target, rate in rows_out:
        print(f"{label:<{w}}{target:>14}{rate:>16,.0f}{rate / ref_rate:>13,.1f}x")
    print(f"{'batch build (tables for all SGs and NACLs)':<{w}}{'':>14}{build_s:>15.3f}s")
    print(
        f"flow mix: {len(ok) / len(rows):.1%} of traced flows delivered; batch: {forward:.1%} delivered, "
        f"{accepted:.1%} ACCEPT"
    )
    print(
        f"agreement: trace = reference {agree_ref}/{k}; batch = trace {agree_batch}/{len(rows)}; "
        f"batch = reference {agree_batch_ref}/{k}"
    )


if __name__ == "__main__":
    random.seed(0)
    main()
