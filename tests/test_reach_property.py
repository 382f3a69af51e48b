"""Property: membership in the reach answer equals the concrete trace verdict, forward and return.

For random snapshots (tests/fixtures/reach/random_snapshots.py) and random packets of the query
space, a packet is in ``forward`` iff ``Engine.trace`` delivers it, and in ``bidirectional`` iff the
trace says ACCEPT for that client port. Every witness of every class is replayed through
``Engine.trace`` as well.
"""

from __future__ import annotations

import random

import pytest

from fixtures.reach.random_snapshots import INTERNET, PORTS, random_snapshot
from vpcflow.engine import Engine, Verdict
from vpcflow.model import Address
from vpcflow.reach import Flow, Reachability, ReachResult
from vpcflow.reach.endpoints import destination_addresses, source_addresses
from vpcflow.reach.headerspace import encode

SPORTS = [0, 1023, 1024, 32767, 32768, 49151, 49152, 60999, 61000, 65535]
ICMP_TC = [(8, 0), (0, 0), (3, 1), (13, 0), (128, 0), (129, 0), (5, 2)]


def _check(engine: Engine, result: ReachResult, flow: Flow) -> None:
    in_query = flow in result.query
    if not in_query:
        assert flow not in result.forward
        return
    t = engine.trace(**flow.trace_args())
    fwd = flow in result.forward
    bidi = flow in result.bidirectional
    assert fwd == t.forward.delivered, (str(flow), t.diagnosis)
    assert bidi == (t.verdict is Verdict.ACCEPT), (str(flow), t.verdict, t.diagnosis)


def _random_flow(rng: random.Random, client: tuple[int, int], src: Address, dst: Address) -> Flow:
    proto = rng.choice([6, 6, 17, 1, 58, 47])
    if src.version == 4 and proto == 58:
        proto = 1
    if proto in (6, 17):
        lo, hi = client
        sport = rng.choice([lo, hi, lo + 1, (lo + hi) // 2]) if rng.random() < 0.75 else rng.choice(SPORTS)
        return Flow(src, dst, proto, sport, rng.choice(PORTS))
    if proto in (1, 58):
        t, c = rng.choice(ICMP_TC)
        return Flow(src, dst, proto, 0, t << 8 | c)
    return Flow(src, dst, proto, 0, 0)


@pytest.mark.parametrize("seed", range(40))
def test_reach_membership_equals_trace(seed: int) -> None:
    snap, enis = random_snapshot(seed)
    engine = Engine(snap)
    r = Reachability(snap, engine)
    rng = random.Random(seed * 7919)
    internet = [Address.parse(a) for a in INTERNET]
    internet = [a for a in internet if encode(a) in r.endpoints.internet]
    everything = r.reach("anywhere", "anywhere")
    members = {m.eni.eni_id: m for m in r.endpoints.resolve("anywhere").members}
    checked = 0
    for _ in range(150):
        kind = rng.choice(["eni", "eni", "in", "out"])
        a = members[rng.choice(enis)]
        b = members[rng.choice([e for e in enis if e != a.eni.eni_id])]
        if kind == "eni":
            srcs = source_addresses(a)
            dsts = destination_addresses(b, r.connected(a.eni, b.eni))
        elif kind == "in":
            srcs = tuple(internet)
            dsts = destination_addresses(b, False)
        else:
            srcs = source_addresses(a)
            dsts = tuple(internet)
        pairs = [(s, d) for s in srcs for d in dsts if s.version == d.version]
        if not pairs:
            continue
        s, d = rng.choice(pairs)
        cr = engine.client_ports(a.eni if kind != "in" else None, None)
        _check(engine, everything, _random_flow(rng, (cr.lo, cr.hi), s, d))
        checked += 1
    assert checked > 30
    # and every class's witness replays as the class says
    for kind, _space, w, _b in everything.classes():
        if w is None:
            continue
        t = engine.trace(**w.trace_args())
        if kind == "bidirectional":
            assert t.verdict is Verdict.ACCEPT, (str(w), t.diagnosis)
        elif kind == "forward-only":
            assert t.forward.delivered and t.verdict is not Verdict.ACCEPT, (str(w), t.diagnosis)
        elif kind == "unknown":
            assert t.verdict is Verdict.UNKNOWN, (str(w), t.diagnosis)
        else:
            assert not t.forward.delivered, (str(w), t.diagnosis)


@pytest.mark.parametrize("seed", range(40, 60))
def test_reach_restricted_queries_agree(seed: int) -> None:
    """Narrower queries (one protocol, some ports, one ENI pair) are slices of the wide answer."""
    snap, enis = random_snapshot(seed)
    r = Reachability(snap)
    wide = r.reach("anywhere", "anywhere")
    a, b = enis[0], enis[1]
    narrow = r.reach(a, b, "tcp", "22,443,1024-2000")
    part = wide.forward & narrow.query
    assert part == narrow.forward
    assert (wide.bidirectional & narrow.query) == narrow.bidirectional
