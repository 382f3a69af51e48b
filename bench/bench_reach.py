"""Reachability benchmark (issue: exhaustive reachability), side by side in one run.

    .venv/bin/python -m bench.bench_reach [--pairs 20] [--brute-enis 60] [--check-cells 20]

On the synthetic snapshot at scale 10 (10,000 ENIs, 2,000 SGs, 20,000 rules, 200 NACLs):
- one group-to-group ``reach`` (exact header spaces, both ways, witnesses): median / p95 / max;
- the all-pairs group-to-group matrix (``GroupMatrix``) on one core: build, compute, peak memory;
- agreement: sampled matrix cells against the exact ``reach`` answers;
and on a smaller instance, the matrix against brute-force enumeration through ``Engine.trace`` (every
ENI pair × every service class): same answer, and the ratio of times.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from vpcflow.engine import Engine, Verdict
from vpcflow.model import Snapshot
from vpcflow.reach import HeaderSpace, Reachability
from vpcflow.reach.headerspace import address_set
from vpcflow.reach.matrix import GroupMatrix
from vpcflow.sources import load_snapshot


def _generate(out: Path, small: dict[str, int] | None = None) -> None:
    """The shared generator, ``bench.generate``: scale 10 for the big instance, ENI count / 1,000 else."""
    from bench.generate import generate

    generate(out, scale=max(small["enis"] / 1000, 0.05) if small else 10, seed=0)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bits(cell: Any, k: int) -> set[int]:
    return {i for i in range(k) if (int(cell[i // 64]) >> (i % 64)) & 1}


def bench_reach(snap: Snapshot, pairs: int, rng: random.Random) -> dict[str, Any]:
    r = Reachability(snap)
    groups = sorted(g for g in snap.security_groups if r.endpoints.resolve(g).members)
    times = []
    for _ in range(pairs):
        a, b = rng.sample(groups, 2)
        t0 = time.perf_counter()
        r.reach(a, b)
        times.append(time.perf_counter() - t0)
    times.sort()
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(0.95 * (len(times) - 1))] * 1000,
        "max_ms": times[-1] * 1000,
    }


def check_cells(snap: Snapshot, m: GroupMatrix, fwd: Any, bidi: Any, n: int, rng: random.Random) -> int:
    r = Reachability(snap, m.engine)
    primaries = address_set(e.primary_ip for e in m.enis if e.primary_ip is not None)
    scope = HeaderSpace.box(src=primaries, dst=primaries)
    gi = {g: i for i, g in enumerate(m.group_ids)}
    members = [g for g in m.group_ids if r.endpoints.resolve(g).members]
    reachable = [(i, j) for i, j in zip(*np.nonzero(fwd.any(axis=2)), strict=True)]
    picks = [rng.choice(reachable) for _ in range(n // 2)] if reachable else []
    picks += [(gi[a], gi[b]) for a, b in (rng.sample(members, 2) for _ in range(n - len(picks)))]
    for i, j in picks:
        res = r.reach(m.group_ids[i], m.group_ids[j])
        want = {k for k, c in enumerate(m.classes) if res.forward & scope & c.space()}
        got = _bits(fwd[i, j], m.k)
        assert got == want, (m.group_ids[i], m.group_ids[j], got ^ want)
        assert _bits(bidi[i, j], m.k) <= got
    return len(picks)


def brute_force(snap: Snapshot, m: GroupMatrix) -> tuple[Any, Any, int]:
    """Every ENI pair × every service class through ``Engine.trace`` (the concrete evaluator)."""
    engine = Engine(snap)
    ng = len(m.group_ids)
    gi = {g: i for i, g in enumerate(m.group_ids)}
    fwd = np.zeros((ng, ng, m.k), dtype=bool)
    bidi = np.zeros_like(fwd)
    n = 0
    for a in m.enis:
        for b in m.enis:
            if a.eni_id == b.eni_id or a.vpc_id != b.vpc_id:
                continue
            for k, c in enumerate(m.classes):
                p, v = c.protocols.first, c.dst_ports.first
                icmp = p == 1
                t = engine.trace(
                    a.eni_id, str(b.primary_ip), p, v if p in (6, 17) else None,
                    icmp_type=v >> 8 if icmp else None, icmp_code=v & 0xFF if icmp else None,
                )  # fmt: skip
                n += 1
                if not t.forward.delivered:
                    continue
                ok = t.verdict is Verdict.ACCEPT
                for g1 in a.group_ids:
                    for g2 in b.group_ids:
                        fwd[gi[g1], gi[g2], k] = True
                        bidi[gi[g1], gi[g2], k] |= ok
    return fwd, bidi, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=20, help="group-to-group reach queries to time")
    ap.add_argument("--check-cells", type=int, default=20, help="matrix cells checked against reach")
    ap.add_argument("--brute-enis", type=int, default=60, help="ENIs of the brute-force instance")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "scale10"
        _generate(big)
        t0 = time.perf_counter()
        snap = load_snapshot(big)
        out["load_s"] = time.perf_counter() - t0
        out["size"] = (
            f"{len(snap.interfaces)} ENIs, {len(snap.security_groups)} SGs, "
            f"{sum(len(g.ingress) + len(g.egress) for g in snap.security_groups.values())} rules, "
            f"{len(snap.network_acls)} NACLs"
        )
        out["reach"] = bench_reach(snap, args.pairs, rng)
        t0 = time.perf_counter()
        m = GroupMatrix(snap)
        out["matrix_build_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        fwd, bidi = m.compute()
        out["matrix_compute_s"] = time.perf_counter() - t0
        out["matrix_total_s"] = out["matrix_build_s"] + out["matrix_compute_s"]
        out["matrix_peak_rss_mb"] = _rss_mb()
        out["matrix_cells"] = f"{len(m.group_ids)}x{len(m.group_ids)}, {m.k} service classes"
        out["matrix_reachable_cells"] = int(fwd.any(axis=2).sum())
        out["matrix_bidirectional_cells"] = int(bidi.any(axis=2).sum())
        out["cells_checked_against_reach"] = check_cells(snap, m, fwd, bidi, args.check_cells, rng)
        del m, fwd, bidi, snap

        small = Path(tmp) / "small"
        n = args.brute_enis
        _generate(small, {"enis": n, "sgs": max(4, n // 3), "rules": n * 3, "nacls": max(2, n // 6)})
        snap = load_snapshot(small)
        t0 = time.perf_counter()
        m = GroupMatrix(snap)
        f2, b2 = m.compute()
        t_matrix = time.perf_counter() - t0
        t0 = time.perf_counter()
        bf, bb, traces = brute_force(snap, m)
        t_brute = time.perf_counter() - t0
        same = all(
            _bits(f2[i, j], m.k) == set(np.flatnonzero(bf[i, j]))
            and _bits(b2[i, j], m.k) == set(np.flatnonzero(bb[i, j]))
            for i in range(len(m.group_ids))
            for j in range(len(m.group_ids))
        )
        out["brute"] = {
            "instance": f"{len(snap.interfaces)} ENIs, {len(m.group_ids)} SGs, {m.k} classes",
            "traces": traces,
            "brute_s": t_brute,
            "matrix_s": t_matrix,
            "ratio": t_brute / t_matrix,
            "same_answer": same,
        }
    r = out["reach"]
    b = out["brute"]
    print(f"snapshot: {out['size']} (load {out['load_s']:.2f} s)")
    print(
        f"reach group→group ({args.pairs} random pairs): median {r['median_ms']:.1f} ms, "
        f"p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.1f} ms   [target ≤ 200 ms]"
    )
    print(
        f"all-pairs matrix ({out['matrix_cells']}): build {out['matrix_build_s']:.1f} s + compute "
        f"{out['matrix_compute_s']:.1f} s = {out['matrix_total_s']:.1f} s on one core   [target ≤ 60 s]"
    )
    print(f"  peak RSS {out['matrix_peak_rss_mb']:.0f} MB   [target ≤ 4096 MB]")
    print(
        f"  reachable cells {out['matrix_reachable_cells']}, both ways {out['matrix_bidirectional_cells']}; "
        f"{out['cells_checked_against_reach']} cells equal to exact reach"
    )
    print(
        f"brute force ({b['instance']}): {b['traces']} traces in {b['brute_s']:.1f} s vs matrix "
        f"{b['matrix_s']:.2f} s → ×{b['ratio']:.0f}; same answer: {b['same_answer']}"
    )
    if not b["same_answer"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
