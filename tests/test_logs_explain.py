"""explain over many tuples: the parallel path (forked workers) gives exactly the serial answer, on a store
of a few thousand distinct rejected tuples of every kind (requests and responses, explained, disagreeing
and unknown, TCP, UDP and ICMP), and the work split keeps together every tuple sharing a cached trace."""

from __future__ import annotations

import gzip
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from vpcflow.flowlogs import analyses as A
from vpcflow.flowlogs import explain as X
from vpcflow.flowlogs.explain import Explainer, explain_all, explain_store, partition
from vpcflow.flowlogs.fields import DEFAULT_FIELDS
from vpcflow.flowlogs.store import connect, ingest
from vpcflow.model import Snapshot
from vpcflow.sources import load_snapshot

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "examples" / "nacl-trap"  # its NACL drops some responses: both readings explain
T0 = 1_700_000_000
SERVICES = (22, 80, 443, 3306, 5432, 8080)


def _rejects(snap: Snapshot, count: int, seed: int) -> list[str]:
    """Distinct REJECT records between the snapshot's ENIs and outside hosts, in both directions."""
    rng = random.Random(seed)
    enis = sorted((e.eni_id, str(e.private_ips[0])) for e in snap.interfaces.values())
    outside = [f"198.51.100.{i}" for i in range(1, 25)] + [f"203.0.113.{i}" for i in range(1, 9)]
    seen: set[tuple[str, str, str, int, int, int]] = set()
    lines = []
    while len(seen) < count:
        eni, here = rng.choice(enis)
        there = rng.choice(outside + [a for _e, a in enis if a != here])
        proto = rng.choice((6, 6, 6, 17, 1))
        # client ports from a narrow range too, so many tuples share a client-port class (and a trace)
        client = rng.choice((rng.randint(1024, 65535), rng.randint(32768, 32830)))
        service = rng.choice(SERVICES)
        shape = rng.random()
        if shape < 0.4:
            src, dst, sport, dport = there, here, client, service  # a request arriving
        elif shape < 0.8:
            src, dst, sport, dport = here, there, client, service  # a request leaving
        elif shape < 0.95:
            src, dst, sport, dport = here, there, service, client  # a response leaving
        else:
            src, dst, sport, dport = there, rng.choice(outside), client, service  # nobody we know
        if proto == 1:
            sport = dport = 0
        t = (eni, src, dst, sport, dport, proto)
        if t in seen:
            continue
        seen.add(t)
        start = T0 + len(lines)
        for _ in range(rng.choice((1, 1, 2))):  # some tuples seen twice: the order is by count
            lines.append(
                f"2 123456789012 {eni} {src} {dst} {sport} {dport} {proto} 3 180 {start} {start} REJECT OK"
            )
    return lines


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("explain")
    raw = base / "raw" / "rejects.log.gz"
    raw.parent.mkdir()
    lines = [" ".join(DEFAULT_FIELDS), *_rejects(load_snapshot(SNAPSHOT), 3000, seed=11)]
    raw.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    ingest([str(raw.parent)], base / "store")
    return connect(base / "store")


def test_parallel_explain_is_the_serial_explain(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    snap = load_snapshot(SNAPSHOT)
    serial = explain_store(store, snap, A.Window(), workers=1)
    pools: list[int] = []

    class CountingPool(ProcessPoolExecutor):
        def __init__(self, max_workers: int, **kw: Any) -> None:
            pools.append(max_workers)
            super().__init__(max_workers, **kw)

    monkeypatch.setattr(X, "ProcessPoolExecutor", CountingPool)
    parallel = explain_store(store, snap, A.Window(), workers=2)
    assert pools == [2]  # the work really went to two processes
    assert len(serial) == 3000
    assert parallel == serial
    # the store has every kind of answer, so the comparison covers them all
    assert {a.status for a in serial} == {"explained", "disagrees", "unknown"}
    assert {a.reading for a in serial} == {"request", "response", None}
    assert {a.protocol for a in serial} == {1, 6, 17}
    # by default: one worker per CPU from PARALLEL_MIN tuples on, this process below that
    monkeypatch.setattr(X, "_cpus", lambda: 2)
    assert explain_store(store, snap, A.Window()) == serial and pools == [2, 2]
    fewer = X.PARALLEL_MIN - 1
    assert explain_store(store, snap, A.Window(), limit=fewer) == serial[:fewer] and pools == [2, 2]


def test_the_split_keeps_shared_traces_together(store: Any) -> None:
    """Serial answers depend on which tuple of a client-port class is traced first (a cached trace names
    its own client port in a "disagrees" detail): a split that ignores the cache keys would change them."""
    snap = load_snapshot(SNAPSHOT)
    serial = explain_store(store, snap, A.Window(), workers=1)
    tuples = [(a.interface_id, a.srcaddr, a.dstaddr, a.srcport, a.dstport, a.protocol) for a in serial]
    jobs = [(t, a.records, a.packets) for t, a in zip(tuples, serial, strict=True)]
    halves = explain_all(Explainer(snap), jobs[1::2]) + explain_all(Explainer(snap), jobs[::2])
    assert sorted(map(repr, halves)) != sorted(map(repr, serial))  # the naive split is wrong here

    explainer = Explainer(snap)
    groups = partition(explainer, tuples, 8)
    assert sorted(i for g in groups for i in g) == list(range(len(tuples)))
    assert all(g == sorted(g) for g in groups) and all(groups)
    group_of_key: dict[Any, int] = {}
    for n, g in enumerate(groups):
        for i in g:
            for key in explainer.keys(tuples[i]):
                assert group_of_key.setdefault(key, n) == n
    assert max(map(len, groups)) <= 2 * min(map(len, groups))


def test_one_big_address_pair_is_still_split() -> None:
    """A scan (one source, one target, many ports) is one address pair but many independent traces."""
    explainer = Explainer(load_snapshot(SNAPSHOT))
    scan = [("eni-0b1b2c3d4e5f00041", "198.51.100.7", "10.1.0.10", 40000 + p, p, 6) for p in range(1, 4001)]
    groups = partition(explainer, scan, 4)
    assert sorted(i for g in groups for i in g) == list(range(len(scan)))
    assert min(map(len, groups)) > 500
