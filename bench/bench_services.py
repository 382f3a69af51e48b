"""Trace through load balancers, WAF and Network Firewall (issue 10), beside the plain workload, same run.

    .venv/bin/python -m bench.bench_services [--traces 5000] [--seed 0]

Estate: ``bench.generate_services`` (``bench_core``'s 1,000 ENIs, 300 SGs, 3,000 rules, 50 NACLs, plus 20
internet-facing load balancers — 10 ALBs with a web ACL, 10 NLBs — with four-instance fleets behind them,
and a Network Firewall in front of ten subnets). Two workloads, timed one after the other in one process:

- plain: ``bench_core``'s flows (random ENI → ENI, half the ports from the destination's own rules);
- services: every flow crosses a load balancer or the firewall — 40 % internet clients to a node's public
  address (listener ports mostly; some clients in the web ACL's IP set or the firewall's stateless drop),
  20 % interfaces of the VPC to a node's private address, 20 % internet to public interfaces behind the
  firewall, 20 % those interfaces to the internet (443, 25, 22, 53).

Each trace is ``Engine.trace`` with its full explanation, every way the flow can go (a load balancer's
targets) walked. Reported: flows/s of each workload after a first pass (which compiles lazily and fills the
Engine's memos, ``engine/memo.py``), their ratio, and the verdict mix. The timed pass traces *other* flows
than the first pass (same distribution, another seed): what the Engine memoises must pay off on flows it
has not seen, never by answering a repeated query.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from bench.bench_core import NAMES, make_flows
from bench.generate_services import services
from vpcflow.engine import Engine
from vpcflow.sources import load_snapshot

Flow = tuple[str, str, str, int, int]


def service_flows(snap: object, names: list[str], inspected: list[str], k: int, seed: int) -> list[Flow]:
    from vpcflow.model import Snapshot

    assert isinstance(snap, Snapshot)
    rng = random.Random(seed)
    nodes = [e for e in snap.interfaces.values() if (e.description or "").startswith("ELB ")]
    base = [e for e in snap.interfaces.values() if e.eni_id.startswith("eni-0b")]
    behind = [e for e in base if e.subnet_id in inspected and e.public_ips]
    clients = [f"{rng.randint(11, 99)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
               for _ in range(200)] + ["198.51.100.7", "192.0.2.200", "192.0.2.5"]  # fmt: skip
    out: list[Flow] = []
    for _ in range(k):
        roll = rng.random()
        sport = rng.randint(32768, 60999)
        if roll < 0.4:
            node = rng.choice(nodes)
            port = rng.choice([443, 443, 80, 8080])
            out.append((rng.choice(clients), str(node.public_ips[0][1]), "tcp", port, sport))
        elif roll < 0.6:
            node = rng.choice(nodes)
            out.append(
                (rng.choice(base).eni_id, str(node.private_ips[0]), "tcp", rng.choice([443, 80]), sport)
            )
        elif roll < 0.8:
            eni = rng.choice(behind)
            port = rng.choice([443, 22, 3389, 8080, 5432])
            out.append((rng.choice(clients), str(eni.public_ips[0][1]), "tcp", port, sport))
        else:
            eni = rng.choice(behind)
            proto, port = rng.choice([("tcp", 443), ("tcp", 25), ("tcp", 22), ("udp", 53)])
            out.append((eni.eni_id, rng.choice(clients), proto, port, sport))
    return out


def _rate(engine: Engine, warm: list[Flow], flows: list[Flow]) -> tuple[float, Counter[str]]:
    for s, d, p, port, sp in warm:  # first pass, other flows: lazy compilation, memos
        engine.trace(s, d, p, port, src_port=sp)
    verdicts: Counter[str] = Counter()
    t0 = time.perf_counter()
    for s, d, p, port, sp in flows:
        verdicts[engine.trace(s, d, p, port, src_port=sp).verdict.value] += 1
    return len(flows) / (time.perf_counter() - t0), verdicts


def main() -> None:
    ap = argparse.ArgumentParser(description="trace through load balancers and Network Firewall")
    ap.add_argument("--traces", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    docs, names, inspected = services(1, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        for name, doc in docs.items():
            (Path(tmp) / name).write_text(json.dumps(doc))
        snap = load_snapshot(tmp)
    engine = Engine(snap)
    enis = sorted(e for e in snap.interfaces if e.startswith("eni-0b"))
    addrs = [str(snap.interfaces[e].private_ips[0]) for e in enis]

    def plain(seed: int) -> list[Flow]:
        src, dst, proto, dport, sport = make_flows(snap, enis, args.traces, seed)
        return [
            (enis[s], addrs[d], NAMES[p], dp, sp)
            for s, d, p, dp, sp in zip(src.tolist(), dst.tolist(), proto.tolist(), dport.tolist(),
                                       sport.tolist(), strict=True)
        ]  # fmt: skip

    # the timed flows are another sample than the first pass's (seeds apart by 1,000)
    plain_rate, plain_mix = _rate(engine, plain(args.seed), plain(args.seed + 1000))
    svc_rate, svc_mix = _rate(
        engine,
        service_flows(snap, names, inspected, args.traces, args.seed + 1),
        service_flows(snap, names, inspected, args.traces, args.seed + 1001),
    )
    lbs = len(snap.load_balancing.load_balancers)
    print(
        f"estate: {len(snap.interfaces)} ENIs, {len(snap.security_groups)} SGs, {lbs} load balancers, "
        f"{len(snap.network_firewall.firewalls)} firewall, {len(inspected)} subnets behind it; "
        f"{args.traces} flows per workload (timed: another sample than the first pass); "
        f"load {os.getloadavg()[0]:.2f}"
    )
    w = 52
    print(f"{'measure':<{w}}{'target':>12}{'flows/s':>12}")
    print(f"{'trace, plain workload (bench_core flows)':<{w}}{'':>12}{plain_rate:>12,.0f}")
    print(f"{'trace, load balancer and firewall workload':<{w}}{'≥ 10,000':>12}{svc_rate:>12,.0f}")
    print(f"ratio services / plain: {svc_rate / plain_rate:.2f}")
    print(f"verdicts, plain: {dict(plain_mix)}; services: {dict(svc_mix)}")


if __name__ == "__main__":
    main()
