"""Property: on random multi-VPC estates with transit gateways, peering attachments, VPNs and a gateway
endpoint (tests/fixtures/reach/random_hybrid.py), membership in the reach answer equals the concrete
trace — forward (delivered) and bidirectional (ACCEPT) — for flows between interfaces, from and to
on-premises, the internet and the endpoint's service; and no trace answers with a confident verdict
where a construct it met is not modelled."""

from __future__ import annotations

import random

import pytest

from fixtures.reach.random_hybrid import OUTSIDE, PORTS, random_hybrid
from vpcflow.engine import Engine, Verdict
from vpcflow.model import Address
from vpcflow.reach import Flow, Reachability
from vpcflow.reach.endpoints import destination_addresses, source_addresses


def _flow(rng: random.Random, src: Address, dst: Address, client: tuple[int, int]) -> Flow:
    proto = rng.choice([6, 6, 6, 17, 1])
    if proto in (6, 17):
        return Flow(src, dst, proto, rng.choice(client), rng.choice(PORTS))
    return Flow(src, dst, 1, 0, 8 << 8)


@pytest.mark.parametrize("seed", range(30))
def test_reach_equals_trace_across_transit_gateways(seed: int) -> None:
    snap, enis = random_hybrid(seed)
    engine = Engine(snap)
    r = Reachability(snap, engine)
    rng = random.Random(seed * 104729)
    everything = r.reach("anywhere", "anywhere")
    outside = [Address.parse(a) for a in OUTSIDE]
    members = {m.eni.eni_id: m for m in r.endpoints.resolve("anywhere").members}
    onprem = r.reach("onprem", "anywhere") if r.endpoints.onprem else None
    to_onprem = r.reach("anywhere", "onprem") if r.endpoints.onprem else None
    checked = 0
    for _ in range(80):
        kind = rng.choice(["eni", "eni", "eni", "in", "out"])
        a = members[rng.choice(enis)]
        b = members[rng.choice([x for x in enis if x != a.eni.eni_id])]
        if kind == "eni":
            src, dst = (
                rng.choice(source_addresses(a)),
                rng.choice(destination_addresses(b, r.connected(a.eni, b.eni))),
            )
        elif kind == "in":
            src = rng.choice(outside)
            private = r.endpoints.is_onprem_cell(r.endpoints.atoms(_cell(src))[0])
            dst = rng.choice(destination_addresses(b, private))
        else:
            src, dst = rng.choice(source_addresses(a)), rng.choice(outside)
        cr = engine.client_ports(a.eni if kind != "in" else None, None)
        flow = _flow(rng, src, dst, (cr.lo, cr.hi))
        result = everything
        if onprem is not None and to_onprem is not None:
            if kind == "in" and flow in onprem.query:
                result = onprem
            elif kind == "out" and flow in to_onprem.query:
                result = to_onprem
        if flow not in result.query:
            continue
        t = engine.trace(**flow.trace_args())
        assert (flow in result.forward) == t.forward.delivered, (seed, str(flow), t.diagnosis)
        assert (flow in result.bidirectional) == (t.verdict is Verdict.ACCEPT), (seed, str(flow), t.diagnosis)
        checked += 1
    assert checked > 20


def _cell(address: Address):  # type: ignore[no-untyped-def]
    from vpcflow.engine.intervals import IntervalSet
    from vpcflow.reach.headerspace import encode

    return IntervalSet.single(encode(address))


@pytest.mark.parametrize("seed", range(30, 45))
def test_every_trace_between_interfaces_is_decided_or_says_why(seed: int) -> None:
    """UNKNOWN only with a blocker that names what is missing; never a REJECT/ACCEPT resting on it."""
    snap, enis = random_hybrid(seed)
    engine = Engine(snap)
    for a in enis[:6]:
        for b in enis[-6:]:
            if a == b:
                continue
            t = engine.trace(a, b, "tcp", 22)
            if t.verdict is Verdict.UNKNOWN:
                assert t.blocked_by is not None and t.blocked_by.unknown and t.blocked_by.detail
            else:
                assert not any(x.unknown for x in t.blockers), t.diagnosis


@pytest.mark.parametrize("seed", range(45, 60))
def test_batch_verdicts_agree_with_trace_where_they_answer(seed: int) -> None:
    """Batch verdicts cover only flows inside one locally routed VPC between hosts; what they answer
    equals the trace, and flows to or from transit gateway interfaces are left to the walker."""
    import numpy as np

    from vpcflow.engine import BatchEvaluator
    from vpcflow.engine.verdicts import ACCEPT, REJECT, RETURN_REJECT

    snap, _enis = random_hybrid(seed)
    engine = Engine(snap)
    batch = BatchEvaluator(snap, engine.rules)
    every = sorted(snap.interfaces)
    pairs = [(a, b) for a in every for b in every if a != b]
    src = batch.indices([a for a, _b in pairs])
    dst = batch.indices([b for _a, b in pairs])
    proto = np.full(len(pairs), 6)
    ok = batch.supports(src, dst, proto)
    assert ok.any()
    for (a, b), supported in zip(pairs, ok, strict=True):
        kinds = {snap.interfaces[a].interface_type, snap.interfaces[b].interface_type}
        if "transit_gateway" in kinds:
            assert not supported, (a, b)
    idx = np.flatnonzero(ok)[:60]
    got = batch.verdicts(
        src[idx], dst[idx], proto[idx], np.full(len(idx), 22), np.full(len(idx), 40000)
    ).verdict
    for n, i in enumerate(idx):
        a, b = pairs[i]
        t = engine.trace(a, str(snap.interfaces[b].private_ips[0]), "tcp", 22, src_port=40000)
        expected = (
            REJECT if not t.forward.delivered else ACCEPT if t.verdict is Verdict.ACCEPT else RETURN_REJECT
        )
        assert got[n] == expected, (seed, a, b, t.diagnosis)


@pytest.mark.parametrize("seed", range(60, 72))
def test_matrix_rows_across_transit_gateways_equal_exact_reach(seed: int) -> None:
    """The vectorised matrix, between VPCs a transit gateway connects, agrees bit for bit with the exact
    reach answer per ENI pair; VPC pairs it declares unanswered are left to reach."""
    from vpcflow.reach.matrix import GroupMatrix

    snap, _enis = random_hybrid(seed, cross_vpc_references=False)
    m = GroupMatrix(snap)
    r = Reachability(snap, m.engine)
    checked = 0
    for a, ea in enumerate(m.enis):
        if not m.sends[a]:
            continue
        fwd, bidi = m.eni_row(a)
        for b, eb in enumerate(m.enis):
            if a == b or ea.vpc_id == eb.vpc_id or (ea.vpc_id, eb.vpc_id) in m.unanswered:
                continue
            if eb.interface_type == "transit_gateway":
                continue
            res = r.reach(str(ea.primary_ip), str(eb.primary_ip))
            for k, cls in enumerate(m.classes):
                q = res.query & cls.space()
                want_f = bool(res.forward & cls.space())
                want_b = bool(q) and q <= res.bidirectional
                got_f = bool((int(fwd[b, k // 64]) >> (k % 64)) & 1)
                got_b = bool((int(bidi[b, k // 64]) >> (k % 64)) & 1)
                assert got_f == want_f, (seed, ea.eni_id, eb.eni_id, cls)
                assert got_b == want_b, (seed, ea.eni_id, eb.eni_id, cls)
            checked += 1
    assert checked or m.unanswered or len({e.vpc_id for e in m.enis}) < 2
