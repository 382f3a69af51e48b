"""BatchEvaluator agrees with Engine.trace, and with the naive reference, on generated describe-* snapshots.

The snapshots come from ``bench/generate.py`` (the benchmark's generator, loaded by the real loader) at a
small scale with a random seed: dual-stack subnets, group references, NACLs with specific denies before
broad allows, public IPs. Flows are ENI → ENI (tcp, udp, icmp), half of them to a port the destination's
own SGs open, so all three outcomes (REJECT, ACCEPT, request in / response lost) occur.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vpcflow.engine import BatchEvaluator, Engine, Verdict
from vpcflow.engine.reference import RefPacket, evaluate
from vpcflow.engine.verdicts import ACCEPT, REJECT, RETURN_REJECT

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: bench/ is not installed
from bench.generate import snapshot

NAMES = {6: "tcp", 17: "udp", 1: "icmp"}
COMMON = [22, 80, 443, 1024, 3306, 5432, 8080, 8999, 9000, 32767, 32768, 65535]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.05, 0.1]))
def test_batch_matches_trace_and_reference(seed: int, scale: float) -> None:
    snap = snapshot(scale, seed)
    engine = Engine(snap)
    batch = BatchEvaluator(snap, engine.rules)
    enis = sorted(snap.interfaces)
    rng = np.random.default_rng(seed)
    k = 150
    src = rng.integers(0, len(enis), k)
    dst = (src + rng.integers(1, len(enis), k)) % len(enis)
    proto = rng.choice(np.array([6, 6, 17, 1]), k)
    dport = rng.choice(np.array(COMMON), k)
    for i in range(k):
        d = snap.interfaces[enis[dst[i]]]
        opened = [
            r.ports.lo
            for g in d.group_ids
            for r in snap.security_groups[g].ingress
            if r.ports is not None and r.protocol == proto[i]
        ]
        if opened and rng.random() < 0.5:
            dport[i] = opened[int(rng.integers(0, len(opened)))]
        if proto[i] == 1:
            dport[i] = rng.choice(np.array([8, 8, 0, 3, 13]))  # ICMP: the type rides the port column
    sport = rng.choice(np.array([1024, 32767, 32768, 49151, 49152, 60999, 65535]), k)
    s_idx, d_idx = batch.indices([enis[i] for i in src]), batch.indices([enis[i] for i in dst])
    assert batch.supports(s_idx, d_idx, proto).all()
    got = batch.verdicts(s_idx, d_idx, proto, dport, sport).verdict

    seen = set()
    for i in range(k):
        a, b = snap.interfaces[enis[src[i]]], snap.interfaces[enis[dst[i]]]
        p, dp, sp = int(proto[i]), int(dport[i]), int(sport[i])
        if p == 1:
            t = engine.trace(a.eni_id, str(b.private_ips[0]), "icmp", icmp_type=dp)
            pkt = RefPacket(str(a.private_ips[0]), str(b.private_ips[0]), 1, icmp_type=dp, icmp_code=0)
        else:
            t = engine.trace(a.eni_id, str(b.private_ips[0]), NAMES[p], dp, src_port=sp)
            pkt = RefPacket(str(a.private_ips[0]), str(b.private_ips[0]), p, sp, dp)
        expected = (
            REJECT if not t.forward.delivered else ACCEPT if t.verdict is Verdict.ACCEPT else RETURN_REJECT
        )
        why = (seed, scale, a.eni_id, b.eni_id, p, dp, sp, t.diagnosis)
        assert got[i] == expected, why
        seen.add(expected)
        if i < 40:  # the reference is slow (linear scans over every ENI for group references)
            ref = evaluate(snap, a.eni_id, pkt)
            assert (ref.forward, ref.response is not False) == (expected != REJECT, expected == ACCEPT), why
    assert REJECT in seen
    for outcome in sorted(seen):
        event(f"outcome {outcome}")


def test_routes_that_may_divert_vpc_traffic_leave_the_batch_scope() -> None:
    """A route more specific than the VPC CIDR, or a prefix-list route (whose entries may cover VPC
    addresses), can send traffic between two ENIs through an appliance: such VPCs are traced, not batched
    (the batch evaluator and the reachability matrix share this rule)."""
    import numpy as np

    from builders import SnapBuilder
    from vpcflow.engine import BatchEvaluator

    def build(route: tuple[str, str] | None) -> BatchEvaluator:
        b = (
            SnapBuilder()
            .vpc("vpc-1", "10.0.0.0/16")
            .subnet("subnet-1", "vpc-1", "10.0.0.0/24")
            .subnet("subnet-2", "vpc-1", "10.0.1.0/24")
            .sg("sg-open", "vpc-1", [("-1", None, "0.0.0.0/0")])
            .eni("eni-a", "subnet-1", "10.0.0.5", ["sg-open"])
            .eni("eni-b", "subnet-2", "10.0.1.5", ["sg-open"])
            .prefix_list("pl-1", ["10.0.1.0/24"])
            .rtb("rtb-1", "vpc-1", ["subnet-1", "subnet-2"], [route] if route else [], main=True)
        )
        return BatchEvaluator(b.build())

    for route, in_scope in ((None, True), (("10.0.1.0/24", "eni-b"), False), (("pl-1", "tgw-1"), False)):
        batch = build(route)
        idx = batch.indices(["eni-a", "eni-b"])
        assert bool(batch.supports(idx[:1], idx[1:], np.array([6]))[0]) is in_scope, route
