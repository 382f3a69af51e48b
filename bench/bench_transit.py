"""Transit gateway benchmark (issue 9), side by side in one run.

    .venv/bin/python -m bench.bench_transit [--enis 10000] [--vpcs 20] [--traces 3000] [--pairs 20]

Two estates from ``bench.generate_transit`` (VPCs behind two peered transit gateways): 2,000 interfaces in
10 VPCs for trace and batch verdicts (the batch tables grow with groups × interfaces, as in
``bench_core``), 10,000 interfaces in 20 VPCs for reach and the matrix (as in ``bench_reach``).
- ``Engine.trace`` with full explanation on a mixed workload where a third of the flows cross a transit
  gateway (flows/s), against the same kind of flows in one VPC of the same size (``bench_core``'s
  estate, which ``bench/README.md`` measures unloaded) and the naive reference evaluator
  (``vpcflow.engine.reference``, which knows no transit gateway: timed on the in-VPC part), same run;
- ``BatchEvaluator`` verdicts on one core for the flows they cover (in-VPC), and their agreement with
  ``trace`` on a sample;
- one group-to-group ``reach`` (exact header spaces, both ways): median / p95 / max, half the pairs in
  different VPCs; against brute-force enumeration through ``trace`` of the same question on a few pairs;
- the all-pairs group matrix (``GroupMatrix``, transit paths included): build + compute, peak memory;
  sampled cells against exact ``reach``.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import tempfile
import time
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from bench.bench_core import NAMES, code_of
from bench.bench_reach import check_cells
from bench.generate import documents
from bench.generate_transit import generate_transit
from vpcflow.engine import BatchEvaluator, Engine, HopKind
from vpcflow.engine.reference import RefPacket, evaluate
from vpcflow.engine.verdicts import ACCEPT, REJECT, RETURN_REJECT
from vpcflow.model import Snapshot
from vpcflow.reach import Reachability
from vpcflow.reach.matrix import GroupMatrix
from vpcflow.sources import load_snapshot, load_snapshot_data

PORTS = [22, 80, 443, 3306, 5432, 8080, 6379, 9200]


def _flows(
    snap: Snapshot, hosts: list[str], k: int, rng: random.Random
) -> list[tuple[str, str, int, int, int, bool]]:
    """(src ENI, dst address, protocol, port, client port, crosses a TGW): a third between VPCs."""
    by_vpc: dict[str, list[str]] = {}
    for h in hosts:
        by_vpc.setdefault(snap.interfaces[h].vpc_id, []).append(h)
    vpcs = sorted(by_vpc)
    out = []
    for i in range(k):
        a = rng.choice(hosts)
        va = snap.interfaces[a].vpc_id
        others = [v for v in vpcs if v != va]
        if i % 3 == 0 and others:
            b = rng.choice(by_vpc[rng.choice(others)])
        else:
            b = rng.choice([x for x in by_vpc[va] if x != a] or by_vpc[va])
        dst = str(snap.interfaces[b].private_ips[0])
        out.append(
            (
                a,
                dst,
                rng.choice([6, 6, 6, 17]),
                rng.choice(PORTS),
                rng.randint(32768, 60999),
                i % 3 == 0 and bool(others),
            )
        )
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description="transit gateway benchmark")
    ap.add_argument("--enis", type=int, default=10_000, help="interfaces of the reach/matrix estate")
    ap.add_argument("--vpcs", type=int, default=20, help="VPCs of the reach/matrix estate")
    ap.add_argument("--trace-enis", type=int, default=2000, help="interfaces of the trace/batch estate")
    ap.add_argument("--trace-vpcs", type=int, default=10, help="VPCs of the trace/batch estate")
    ap.add_argument("--traces", type=int, default=3000)
    ap.add_argument("--flows", type=int, default=1_000_000)
    ap.add_argument("--pairs", type=int, default=20)
    ap.add_argument("--reference", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check-cells", type=int, default=20, help="matrix cells checked against reach")
    ap.add_argument("--no-matrix", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        generate_transit(tmp, args.trace_vpcs, args.trace_enis, args.seed)
        snap = load_snapshot(tmp)
    out["trace_estate"] = (
        f"{len(snap.vpcs)} VPCs, {len(snap.interfaces)} ENIs, {len(snap.security_groups)} SGs"
    )
    engine = Engine(snap)
    hosts = sorted(
        e.eni_id for e in snap.interfaces.values() if e.interface_type == "interface" and e.primary_ip
    )
    flows = _flows(snap, hosts, args.traces, rng)

    # trace, full explanation (first pass compiles lazily; the second is timed)
    traces = [engine.trace(a, d, NAMES[p], port, src_port=sp) for a, d, p, port, sp, _x in flows]
    t0 = time.perf_counter()
    for a, d, p, port, sp, _x in flows:
        engine.trace(a, d, NAMES[p], port, src_port=sp)
    out["trace_rate"] = len(flows) / (time.perf_counter() - t0)
    crossing = [t for t, f in zip(traces, flows, strict=True) if f[5]]
    out["crossed_tgw"] = sum(
        any(h.kind is HopKind.TRANSIT_GATEWAY_ROUTE_TABLE for h in t.forward.hops) for t in crossing
    )
    out["verdicts"] = {
        v: sum(t.verdict.value == v for t in traces) for v in ("ACCEPT", "REJECT", "PARTIAL", "UNKNOWN")
    }

    # the peer in the same run: one VPC of the same size (bench.generate), the same kind of flows
    single = load_snapshot_data(sorted(documents(args.trace_enis / 1000, args.seed).items()))
    single_engine = Engine(single)
    single_hosts = sorted(
        e.eni_id for e in single.interfaces.values() if e.interface_type == "interface" and e.primary_ip
    )
    single_flows = _flows(single, single_hosts, args.traces, random.Random(args.seed))
    for a, d, p, port, sp, _x in single_flows:
        single_engine.trace(a, d, NAMES[p], port, src_port=sp)
    t0 = time.perf_counter()
    for a, d, p, port, sp, _x in single_flows:
        single_engine.trace(a, d, NAMES[p], port, src_port=sp)
    out["single_rate"] = len(single_flows) / (time.perf_counter() - t0)
    del single, single_engine

    # the naive reference, on in-VPC flows (it has no transit gateway)
    inside = [(f, t) for f, t in zip(flows, traces, strict=True) if not f[5]][: args.reference]
    t0 = time.perf_counter()
    ref = [
        evaluate(snap, a, RefPacket(str(snap.interfaces[a].private_ips[0]), d, p, sp, port))
        for (a, d, p, port, sp, _x), _t in inside
    ]
    out["reference_rate"] = len(inside) / (time.perf_counter() - t0)
    ref_codes = [REJECT if not r.forward else (ACCEPT if r.response else RETURN_REJECT) for r in ref]
    out["agree_reference"] = (
        sum(int(c == code_of(t)) for c, (_f, t) in zip(ref_codes, inside, strict=True)),
        len(inside),
    )

    # batch verdicts for the flows they cover (in-VPC between hosts)
    batch = BatchEvaluator(snap, engine.rules)
    index = batch.indices(hosts)
    brng = np.random.default_rng(args.seed)
    vpc_of = np.array([hash(snap.interfaces[h].vpc_id) for h in hosts])
    order = np.argsort(vpc_of, kind="stable")
    src = brng.integers(0, len(hosts), args.flows)
    # a destination in the same VPC: a neighbour in VPC order
    pos = np.empty(len(hosts), dtype=np.int64)
    pos[order] = np.arange(len(hosts))
    step = brng.integers(1, max(2, args.enis // args.vpcs // 2), args.flows)
    dst = order[np.clip(pos[src] + step, 0, len(hosts) - 1)]
    same = vpc_of[src] == vpc_of[dst]
    src, dst = src[same], dst[same]
    proto = brng.choice(np.array([6, 6, 6, 17]), len(src))
    dport = brng.choice(np.array(PORTS), len(src))
    sport = brng.integers(32768, 61000, len(src))
    s_idx, d_idx = index[src], index[dst]
    covered = batch.supports(s_idx, d_idx, proto)
    batch.verdicts(s_idx[:1000], d_idx[:1000], proto[:1000], dport[:1000], sport[:1000])
    t0 = time.perf_counter()
    result = batch.verdicts(s_idx[covered], d_idx[covered], proto[covered], dport[covered], sport[covered])
    out["batch_rate"] = int(covered.sum()) / (time.perf_counter() - t0)
    sample = np.flatnonzero(covered)[:300]
    agree = 0
    for n_, i in enumerate(sample):
        t = engine.trace(
            hosts[src[i]],
            str(snap.interfaces[hosts[dst[i]]].private_ips[0]),
            NAMES[int(proto[i])],
            int(dport[i]),
            src_port=int(sport[i]),
        )
        agree += int(int(result.verdict[np.searchsorted(np.flatnonzero(covered), i)]) == code_of(t))
        del n_
    out["agree_batch"] = (agree, len(sample))

    del batch, result
    with tempfile.TemporaryDirectory() as tmp:
        generate_transit(tmp, args.vpcs, args.enis, args.seed)
        t0 = time.perf_counter()
        snap = load_snapshot(tmp)
        out["load_s"] = time.perf_counter() - t0
    engine = Engine(snap)

    # reach, group to group: half the pairs across VPCs
    r = Reachability(snap, engine)
    groups = sorted(g for g in snap.security_groups if r.endpoints.resolve(g).members)
    gvpc = {g: snap.security_groups[g].vpc_id for g in groups}
    times = []
    queries = []
    for i in range(args.pairs):
        a = rng.choice(groups)
        pool = [g for g in groups if (gvpc[g] != gvpc[a]) == (i % 2 == 0) and g != a]
        b = rng.choice(pool)
        t0 = time.perf_counter()
        res = r.reach(a, b, "tcp", ",".join(map(str, PORTS)))
        times.append(time.perf_counter() - t0)
        queries.append((a, b, res))
    times.sort()
    out["reach"] = (
        statistics.median(times) * 1000,
        times[int(0.95 * (len(times) - 1))] * 1000,
        times[-1] * 1000,
    )
    # brute force of the same questions through trace, on the first few pairs (member pairs × ports)
    t_brute = t_reach = 0.0
    same_answer = True
    for a, b, _res in queries[:3]:
        t0 = time.perf_counter()
        res2 = r.reach(a, b, "tcp", ",".join(map(str, PORTS)))
        t_reach += time.perf_counter() - t0
        t0 = time.perf_counter()
        ma, mb = r.endpoints.resolve(a).members, r.endpoints.resolve(b).members
        for x in ma:
            for y in mb:
                if x.eni.eni_id == y.eni.eni_id:
                    continue
                for port in PORTS:
                    from vpcflow.reach import Flow

                    dst_ip = y.eni.private_ips[0]
                    cr = engine.client_ports(x.eni, None)
                    flow = Flow(x.eni.private_ips[0], dst_ip, 6, cr.lo, port)
                    t = engine.trace(x.eni.eni_id, str(dst_ip), "tcp", port, src_port=cr.lo)
                    same_answer &= (flow in res2.forward) == t.forward.delivered
        t_brute += time.perf_counter() - t0
    out["brute"] = (t_brute, t_reach, same_answer)
    out["rss_before_matrix"] = _rss_mb()

    if not args.no_matrix:
        t0 = time.perf_counter()
        m = GroupMatrix(snap, engine)
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        fwd, bidi = m.compute()
        compute = time.perf_counter() - t0
        checked = check_cells(snap, m, fwd, bidi, args.check_cells, rng)
        out["matrix"] = (
            build,
            compute,
            _rss_mb(),
            f"{len(m.group_ids)}x{len(m.group_ids)}, {m.k} classes",
            len(m.unanswered),
            int(fwd.any(axis=2).sum()),
            checked,
        )

    ag, nr = out["agree_reference"]
    ab, nb = out["agree_batch"]
    med, p95, mx = out["reach"]
    tb, tr, same = out["brute"]
    lines = [
        f"trace/batch estate: {out['trace_estate']}",
        f"trace, full explanation, 1/3 across a TGW: {out['trace_rate']:,.0f} flows/s [target >= 10,000]",
        f"  same flows in one VPC of the same size (bench.generate): {out['single_rate']:,.0f} flows/s "
        f"-> transit estate at {out['trace_rate'] / out['single_rate']:.2f}x",
        f"  naive reference (in-VPC flows only): {out['reference_rate']:,.0f} flows/s "
        f"-> trace x{out['trace_rate'] / out['reference_rate']:.0f}; trace = reference {ag}/{nr}",
        f"  {out['crossed_tgw']}/{len(crossing)} cross-VPC flows crossed a TGW route table; "
        f"verdicts {out['verdicts']}",
        f"batch verdicts (covered in-VPC flows), 1 core: {out['batch_rate']:,.0f} flows/s "
        f"[target >= 1,000,000]; batch = trace {ab}/{nb}",
        f"reach/matrix estate: {len(snap.vpcs)} VPCs, {len(snap.interfaces)} ENIs, "
        f"{len(snap.security_groups)} SGs, {len(snap.transit_gateways)} TGWs (load {out['load_s']:.2f} s)",
        f"reach group->group ({args.pairs} pairs, half across VPCs): median {med:.1f} ms, "
        f"p95 {p95:.1f} ms, max {mx:.1f} ms [target <= 200 ms]",
        f"  brute force through trace, 3 queries: {tb:.1f} s vs reach {tr:.2f} s "
        f"-> x{tb / max(tr, 1e-9):.0f}; same answer: {same}",
        f"peak RSS before the matrix: {out['rss_before_matrix']:.0f} MB",
    ]
    if "matrix" in out:
        b, c, rss, cells, un, reachable, checked = out["matrix"]
        lines.append(
            f"all-pairs matrix ({cells}): build {b:.1f} s + compute {c:.1f} s = {b + c:.1f} s "
            f"[target <= 60 s]; peak RSS {rss:.0f} MB; unanswered VPC pairs {un}; "
            f"reachable cells {reachable}; {checked} sampled cells = reach"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
