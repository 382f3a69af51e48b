"""Header-space algebra against explicit point sets on a small universe; rendering and witnesses."""

from __future__ import annotations

import itertools
import random

import pytest

from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import Address, Cidr
from vpcflow.reach.headerspace import Flow, HeaderSpace, cidr_set, decode, encode

UNIVERSE = [
    (s, d, p, sp, dp)
    for s, d, p, sp, dp in itertools.product(range(4), range(4), (1, 6, 47), range(4), range(4))
    if (p == 6 or sp == 0) and (p != 47 or dp == 0)
]


def _flow(point: tuple[int, int, int, int, int]) -> Flow:
    s, d, p, sp, dp = point
    return Flow(decode(s), decode(d), p, sp, dp)


def _random_set(rng: random.Random) -> HeaderSpace:
    out = HeaderSpace.empty()
    for _ in range(rng.randint(0, 3)):

        def iv(n: int) -> IntervalSet:
            a, b = sorted((rng.randrange(n), rng.randrange(n)))
            return IntervalSet.of((a, b))

        protos = IntervalSet.from_spans((p, p) for p in rng.sample([1, 6, 47], rng.randint(1, 3)))
        out = out | HeaderSpace.box(iv(4), iv(4), protos, iv(4), iv(4))
    return out


def _points(space: HeaderSpace) -> set[tuple[int, int, int, int, int]]:
    return {pt for pt in UNIVERSE if _flow(pt) in space}


@pytest.mark.parametrize("seed", range(150))
def test_algebra_matches_point_sets(seed: int) -> None:
    rng = random.Random(seed)
    a, b = _random_set(rng), _random_set(rng)
    pa, pb = _points(a), _points(b)
    assert _points(a | b) == pa | pb
    assert _points(a & b) == pa & pb
    assert _points(a - b) == pa - pb
    assert (a <= b) == (pa <= pb)
    assert (a == b) == (pa == pb)
    assert bool(a) == bool(pa)
    w = (a - b).witness()
    assert (w is None) == (not (pa - pb))
    if w is not None:
        assert w in a and w not in b


def test_split_world_equals_world_and_renders_compactly() -> None:
    halves = HeaderSpace.box(src=cidr_set([Cidr.parse("0.0.0.0/1")]), protocols=IntervalSet.single(6))
    halves = halves | HeaderSpace.box(
        src=cidr_set([Cidr.parse("128.0.0.0/1")]), protocols=IntervalSet.single(6)
    )
    world = HeaderSpace.box(src=cidr_set([Cidr.parse("0.0.0.0/0")]), protocols=IntervalSet.single(6))
    assert halves == world
    part = HeaderSpace.box(
        src=cidr_set([Cidr.parse("0.0.0.0/1"), Cidr.parse("128.0.0.0/2")]),
        dst=cidr_set([Cidr.parse("10.0.0.5/32")]),
        protocols=IntervalSet.single(6),
        dst_ports=IntervalSet.of((1024, 65535)),
    )
    assert part.render() == ["tcp 1024-65535 from 0.0.0.0/1, 128.0.0.0/2 to 10.0.0.5"]
    icmp = HeaderSpace.box(protocols=IntervalSet.single(1), dst_ports=IntervalSet.of((8 << 8, 8 << 8 | 255)))
    assert "icmp type 8" in icmp.render()[0]


def test_families_never_mix() -> None:
    any_any = HeaderSpace.box()
    v4 = Address.parse("10.0.0.1")
    v6 = Address.parse("2001:db8::1")
    assert Flow(v4, v4, 6, 1, 1) in any_any
    assert Flow(v4, v6, 6, 1, 1) not in any_any
    assert Flow(v6, v6, 58, 0, 128 << 8) in any_any
    assert encode(v6) > encode(Address.parse("255.255.255.255")) + 1
