"""Property: with load balancers, web ACLs and Network Firewall on the path, membership in the reach answer
still equals the concrete trace verdict (forward delivery, and both ways), on random estates
(tests/fixtures/reach/random_services.py). Every witness replays through ``Engine.trace`` as its class
says."""

from __future__ import annotations

import random

import pytest

from fixtures.reach.random_services import INTERNET, PORTS, random_service_estate
from vpcflow.engine import Engine, Verdict
from vpcflow.model import Address
from vpcflow.reach import Flow, Reachability
from vpcflow.reach.endpoints import destination_addresses, source_addresses
from vpcflow.reach.headerspace import encode

SPORTS = [1023, 1024, 32767, 32768, 40000, 60999, 61000, 65535]


@pytest.mark.parametrize("seed", range(40))
def test_reach_equals_trace_through_load_balancers_and_firewalls(seed: int) -> None:
    snap, enis = random_service_estate(seed)
    engine = Engine(snap)
    r = Reachability(snap, engine)
    rng = random.Random(seed * 104729)
    internet = [a for a in (Address.parse(x) for x in INTERNET) if encode(a) in r.endpoints.internet]
    everything = r.reach("anywhere", "anywhere", "tcp,udp,icmp")
    members = {m.eni.eni_id: m for m in r.endpoints.resolve("anywhere").members}
    nodes = [e for e in enis if e.startswith("eni-node")]
    checked = 0
    for _ in range(120):
        kind = rng.choice(["in", "in", "eni", "eni"])
        b = members[rng.choice(nodes if rng.random() < 0.6 else enis)]
        if kind == "in":
            srcs, client = tuple(internet), engine.client_ports(None, None)
            dsts = destination_addresses(b, False)
        else:
            a = members[rng.choice([e for e in enis if e != b.eni.eni_id])]
            srcs, client = source_addresses(a), engine.client_ports(a.eni, None)
            dsts = destination_addresses(b, r.connected(a.eni, b.eni))
        pairs = [(s, d) for s in srcs for d in dsts if s.version == d.version]
        if not pairs:
            continue
        s, d = rng.choice(pairs)
        proto = rng.choice([6, 6, 6, 17, 1])
        if proto == 1:
            flow = Flow(s, d, 1, 0, 8 << 8)
        else:
            sport = rng.choice([client.lo, client.hi, (client.lo + client.hi) // 2, rng.choice(SPORTS)])
            flow = Flow(s, d, proto, sport, rng.choice([*PORTS, 443, 80, 8080]))
        if flow not in everything.query:
            continue
        t = engine.trace(**flow.trace_args())
        assert (flow in everything.forward) == t.forward.delivered, (seed, str(flow), t.diagnosis)
        assert (flow in everything.bidirectional) == (t.verdict is Verdict.ACCEPT), (
            seed,
            str(flow),
            t.verdict,
            t.diagnosis,
        )
        checked += 1
    assert checked > 20
    for kind, _space, w, _b in everything.classes():
        if w is None:
            continue
        t = engine.trace(**w.trace_args())
        if kind == "bidirectional":
            assert t.verdict is Verdict.ACCEPT, (seed, str(w), t.diagnosis)
        elif kind == "forward-only":
            assert t.forward.delivered and t.verdict is not Verdict.ACCEPT, (seed, str(w), t.diagnosis)
        else:
            assert not t.forward.delivered, (seed, str(w), t.diagnosis)
