"""Property: what an Engine memoises while it traces (filter decisions and their hops, a load balancer
node's target ways, web ACL decisions, endpoint resolution) never changes an answer — a warmed Engine,
after many other flows of the same estate, traces a flow exactly as a fresh Engine does (the JSON
contract and every way the flow can go), errors included.

Estates: tests/fixtures/reach/random_services.py (a load balancer — ALB or NLB, sometimes a web ACL,
sometimes client IP preservation — and sometimes a Network Firewall) and ``bench.generate_services`` at a
small scale (ALBs with a web ACL, NLBs, a firewall in front of ten subnets).
"""

from __future__ import annotations

import json
import random
import sys
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.reach.random_services import INTERNET, PORTS, random_service_estate
from vpcflow.engine import Engine
from vpcflow.errors import QueryError
from vpcflow.model import Snapshot
from vpcflow.sources import load_snapshot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: bench/ is not installed

Flow = tuple[str, str, str, int | None, int | None]


@cache
def _random_estate(seed: int) -> Snapshot:
    return random_service_estate(seed)[0]


@lru_cache(maxsize=1)
def _bench_estate(tmp: str) -> Snapshot:
    from bench.generate_services import services

    docs, _names, _inspected = services(0.1, 3)
    for name, doc in docs.items():
        (Path(tmp) / name).write_text(json.dumps(doc))
    return load_snapshot(tmp)


def _pools(snap: Snapshot) -> tuple[list[str], list[str], list[str]]:
    """Sources (interfaces, internet clients, addresses of the snapshot), destinations (every address of
    every interface, a load balancer by name, internet addresses) and the nodes' addresses (a target
    sending to its own load balancer stands alone among the targets: worth asking often)."""
    enis = sorted(snap.interfaces)
    addresses = sorted(
        {str(a) for e in snap.interfaces.values() for a in e.private_ips}
        | {str(p[1]) for e in snap.interfaces.values() for p in e.public_ips}
    )
    nodes = sorted(
        {
            str(a)
            for e in snap.interfaces.values()
            if (e.description or "").startswith("ELB ")
            for a in (*e.private_ips, *(p[1] for p in e.public_ips))
        }
    )
    lbs = sorted(lb.name for lb in snap.load_balancing.load_balancers.values())
    clients = [*INTERNET, "198.51.100.7", "192.0.2.200", "192.0.2.5"]
    return enis + clients + addresses[:20], addresses + lbs + clients, nodes


def _flow(rng: random.Random, pools: tuple[list[str], list[str], list[str]]) -> Flow:
    sources, destinations, nodes = pools
    proto = rng.choice(["tcp", "tcp", "tcp", "udp", "icmp"])
    port = None if proto == "icmp" else rng.choice([*PORTS, 443, 443, 80, 8080, 53, 25])
    sport = None if proto == "icmp" or rng.random() < 0.3 else rng.randint(1024, 65535)
    dst = rng.choice(nodes if nodes and rng.random() < 0.4 else destinations)
    return rng.choice(sources), dst, proto, port, sport


def _answer(engine: Engine, flow: Flow) -> Any:
    src, dst, proto, port, sport = flow
    try:
        t = engine.trace(src, dst, proto, port, src_port=sport)
    except QueryError as exc:
        return ("error", str(exc))
    return [t.to_json(), [w.to_json() for w in t.ways]]


def _check(snap: Snapshot, seed: int, every_target: bool) -> None:
    rng = random.Random(seed)
    pools = _pools(snap)
    warmed = Engine(snap, every_target=every_target)
    for _ in range(150):  # other flows of the same estate: the memos fill
        _answer(warmed, _flow(rng, pools))
    for _ in range(25):
        flow = _flow(rng, pools)
        first = _answer(warmed, flow)
        assert first == _answer(Engine(snap, every_target=every_target), flow), flow
        assert first == _answer(warmed, flow), flow  # asked again: the same answer


@settings(max_examples=12, deadline=None)
@given(estate=st.integers(0, 39), seed=st.integers(0, 2**32 - 1), every_target=st.booleans())
def test_warmed_engine_traces_like_a_fresh_one_random_estates(
    estate: int, seed: int, every_target: bool
) -> None:
    _check(_random_estate(estate), seed, every_target)


@pytest.fixture(scope="module")
def bench_estate(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return _bench_estate(str(tmp_path_factory.mktemp("services")))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_warmed_engine_traces_like_a_fresh_one_services_bench(bench_estate: Snapshot, seed: int) -> None:
    _check(bench_estate, seed, False)


@pytest.mark.parametrize("estate", range(40))
def test_a_target_sending_to_its_own_load_balancer_after_other_clients(estate: int) -> None:
    """The ways a node sends a connection are memoised per node and port, except for a client that holds
    a target's address (that target stands alone): other clients first, then each target itself."""
    snap = _random_estate(estate)
    nodes = [e for e in snap.interfaces.values() if (e.description or "").startswith("ELB ")]
    targets = sorted(e for e in snap.interfaces if e.startswith("eni-t"))
    warmed = Engine(snap)
    for node in nodes:
        for port in (80, 443, 8080, 22, 1024, 32768):
            address = str(node.private_ips[0])
            for client in (*INTERNET, *sorted(snap.interfaces)):
                _answer(warmed, (client, address, "tcp", port, 40000))
            for target in targets:
                flow: Flow = (target, address, "tcp", port, 40000)
                assert _answer(warmed, flow) == _answer(Engine(snap), flow), flow
