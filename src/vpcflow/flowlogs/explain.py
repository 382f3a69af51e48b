"""Which rule caused each REJECT: distinct rejected tuples attributed with the trace engine.

A REJECT record on an ENI is either a request the configuration stops, or a response (the classic NACL
trap). For each distinct tuple (interface, addresses, ports, protocol) both readings are traced with the
record's exact ports; the reading whose flow-log records contain this very REJECT on this ENI explains it,
with the component, rule, direction and stage. When neither reading produces that REJECT the tuple is
flagged: the configuration would accept it (drift, a stale snapshot, or traffic after a connection closed
or an untracked flow's rule was removed).

Many tuples are spread over forked worker processes (``explain_all``); tuples that may share a cached
trace stay in one worker, in order, so the answer is exactly the one a single process gives.
"""

from __future__ import annotations

import gc
import heapq
import multiprocessing
import os
import warnings
from bisect import bisect_right
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from vpcflow.engine import Engine, Trace, Verdict
from vpcflow.engine.diagnosis import blocker_text
from vpcflow.engine.elb_index import elb_index
from vpcflow.engine.firewall_index import firewall_index
from vpcflow.engine.peer_tables import rule_port_bounds
from vpcflow.engine.result import rule_text
from vpcflow.errors import VpcflowError
from vpcflow.flowlogs.analyses import Window
from vpcflow.model import Address, Snapshot


@dataclass(frozen=True)
class Attribution:
    interface_id: str
    srcaddr: str
    dstaddr: str
    srcport: int
    dstport: int
    protocol: int
    records: int
    packets: int
    status: str  # "explained" | "disagrees" | "unknown"
    reading: str | None  # "request" | "response"
    stage: str | None
    component: str | None
    component_id: str | None
    direction: str | None
    rule: str | None
    code: str | None
    detail: str

    def row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in ATTRIBUTION_COLUMNS)


ATTRIBUTION_COLUMNS = [
    "interface_id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "records",
    "packets",
    "status",
    "reading",
    "stage",
    "component",
    "component_id",
    "direction",
    "rule",
    "code",
    "detail",
]
GROUP_COLUMNS = [
    "interface_id",
    "reading",
    "server",
    "service_port",
    "protocol",
    "clients",
    "client_ports",
    "tuples",
    "records",
    "packets",
    "status",
    "stage",
    "component",
    "component_id",
    "direction",
    "rule",
    "code",
    "detail",
    "example",
]


@dataclass(frozen=True)
class AttributionGroup:
    """Rejected tuples of one server side (interface, reading, server address, service port, protocol)
    that the same component and rule explain (or that are flagged alike): replies a NACL drops towards
    hundreds of ephemeral ports are one group. ``example`` is the group's most frequent tuple."""

    interface_id: str
    reading: str | None
    server: str
    service_port: int
    protocol: int
    clients: int
    client_ports: int
    tuples: int
    records: int
    packets: int
    status: str
    stage: str | None
    component: str | None
    component_id: str | None
    direction: str | None
    rule: str | None
    code: str | None
    detail: str
    example: str

    def row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in GROUP_COLUMNS)


def _sides(a: Attribution) -> tuple[str | None, str, int, str, int]:
    """(reading, server, service port, client, client port) of an attribution: as explained, else as the
    ports suggest (a destination port below the source port is a request's)."""
    reading = a.reading
    if reading is None and a.protocol in (6, 17):
        reading = "request" if a.dstport <= a.srcport else "response"
    if reading == "response":
        return reading, a.srcaddr, a.srcport, a.dstaddr, a.dstport
    return reading, a.dstaddr, a.dstport, a.srcaddr, a.srcport


def group(found: list[Attribution]) -> list[AttributionGroup]:
    """Attributions grouped by server side and explanation, most records first (``found`` is most
    frequent first, so each group's example is its most frequent tuple)."""
    groups: dict[tuple[Any, ...], list[Attribution]] = {}
    for a in found:
        reading, server, port, _client, _cport = _sides(a)
        key = (
            a.interface_id,
            reading,
            server,
            port,
            a.protocol,
            a.status,
            a.stage,
            a.component,
            a.component_id,
            a.direction,
            a.rule,
            a.code,
        )
        groups.setdefault(key, []).append(a)
    out = []
    for key, members in groups.items():
        eni, reading, server, port, proto, status, stage, component, cid, direction, rule, code = key
        first = members[0]
        sides = [_sides(a) for a in members]
        out.append(
            AttributionGroup(
                eni,
                reading,
                server,
                port,
                proto,
                len({s[3] for s in sides}),
                len({s[4] for s in sides}),
                len(members),
                sum(a.records for a in members),
                sum(a.packets for a in members),
                status,
                stage,
                component,
                cid,
                direction,
                rule,
                code,
                first.detail,
                f"{first.srcaddr}:{first.srcport} → {first.dstaddr}:{first.dstport}",
            )
        )
    out.sort(key=lambda g: (-g.records, -g.tuples, g.interface_id, g.server, g.service_port, g.protocol))
    return out


_PROTO = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}
RejectTuple = tuple[str, str, str, int, int, int]  # interface, srcaddr, dstaddr, srcport, dstport, protocol
CacheKey = tuple[str, str, int, int, int]  # (source, destination, protocol, service port, client-port class)


class Explainer:
    """Attributes rejected tuples. Traces are cached per (endpoints, protocol, service port, client-port
    class): two client ports between the same rule boundaries meet the same fate at every SG and NACL, so
    one trace answers for all of them (the cached trace's port is swapped for the record's)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.engine = Engine(snapshot)
        self.s = snapshot
        bounds = rule_port_bounds(snapshot)
        bounds.update((1024, 65536))  # NAT gateways' and load balancers' port range
        fwi = firewall_index(snapshot)
        for fw in snapshot.network_firewall.firewalls.values():
            ev = fwi.evaluator(fw)
            if ev is not None:
                bounds.update(ev.breakpoints())  # a firewall rule may decide by the client's port
        self._bounds = sorted(bounds)
        self._elb = elb_index(snapshot)
        self._cache: dict[CacheKey, tuple[Trace | None, int]] = {}
        self._endpoints: dict[str, str] = {}
        self._printed: dict[str, Address | None] = {}

    def _endpoint(self, addr: str) -> str:
        """An ENI id for a snapshot address (so the engine picks private or public), else the address."""
        cached = self._endpoints.get(addr)
        if cached is not None:
            return cached
        out = addr
        try:
            hits = self.s.enis_by_address.get(Address.parse(addr))
            if hits and len(hits) == 1:
                out = hits[0]
        except ValueError:
            pass
        self._endpoints[addr] = out
        return out

    def _printed_as(self, text: str) -> Address | None:
        """The address that prints exactly as ``text``, if any (a record's address matches the store's
        string when its text form is that string; comparing values spares formatting every record)."""
        if text in self._printed:
            return self._printed[text]
        try:
            addr: Address | None = Address.parse(text)
        except ValueError:
            addr = None
        if addr is not None and str(addr) != text:
            addr = None  # not canonical: no record's address prints like this
        self._printed[text] = addr
        return addr

    def _reject_on(self, trace: Trace, t: RejectTuple, rep: int, port: int) -> bool:
        """Does the trace (computed with client port ``rep``) log this REJECT, for client port ``port``?"""
        eni, src, dst, sport, dport, _p = t
        src_addr, dst_addr = self._printed_as(src), self._printed_as(dst)
        if src_addr is None or dst_addr is None:
            return False
        for r in trace.flow_logs:
            if (
                r.interface_id != eni
                or r.action != "REJECT"
                or r.srcaddr != src_addr
                or r.dstaddr != dst_addr
            ):
                continue
            rs = port if r.srcport == rep else r.srcport
            rd = port if r.dstport == rep else r.dstport
            if (rs, rd) == (sport, dport):
                return True
        return False

    def _through(self, src: str, dst: str) -> str:
        """Which load balancer's connection a record between these addresses belongs to, if any."""
        for text, role in ((src, "sent by"), (dst, "sent to")):
            addr = self._printed_as(text)
            hit = self._elb.node_at(addr) if addr is not None else None
            if hit is not None:
                lb, eni = hit
                return f"; {role} load balancer {lb.name} (node {eni.eni_id})"
        return ""

    def key(self, src: str, dst: str, proto: int, port: int, sport: int) -> CacheKey:
        """The cache key of one reading: endpoints, protocol, service port, client-port class."""
        return (src, dst, proto, port, bisect_right(self._bounds, sport) if proto in (6, 17) else 0)

    def keys(self, t: RejectTuple) -> tuple[CacheKey, CacheKey]:
        """Every key ``explain(t)`` may look up: its request reading's and its response reading's."""
        _eni, src, dst, sport, dport, proto = t
        return self.key(src, dst, proto, dport, sport), self.key(dst, src, proto, sport, dport)

    def _try(self, src: str, dst: str, proto: int, port: int, sport: int) -> tuple[Trace | None, int]:
        """The trace for this reading (cached by client-port class) and the client port it used."""
        key = self.key(src, dst, proto, port, sport)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        name = _PROTO.get(proto, str(proto))
        try:
            if proto in (6, 17):
                trace: Trace | None = self.engine.trace(
                    self._endpoint(src), self._endpoint(dst), name, port, src_port=sport
                )
            else:
                trace = self.engine.trace(self._endpoint(src), self._endpoint(dst), name)
        except VpcflowError:
            trace = None
        self._cache[key] = (trace, sport)
        return trace, sport

    def explain(self, t: RejectTuple, records: int = 1, packets: int = 0) -> Attribution:
        _eni, src, dst, sport, dport, proto = t
        readings = [("request", src, dst, dport, sport), ("response", dst, src, sport, dport)]
        if proto in (6, 17) and sport < dport:
            readings.reverse()  # a low source port is most likely a service answering
        undecided: tuple[str, Trace] | None = None
        for reading, a, b, port, cport in readings:
            trace, rep = self._try(a, b, proto, port, cport)
            if trace is not None and trace.verdict is Verdict.UNKNOWN:
                # what the configuration does here is not known: never an explanation
                undecided = undecided or (reading, trace)
                continue
            if trace is not None and self._reject_on(trace, t, rep, cport):
                blk = trace.blocked_by
                return Attribution(
                    *t,
                    records,
                    packets,
                    "explained",
                    reading,
                    blk.stage if blk else None,
                    blk.kind.value if blk else None,
                    blk.id if blk else None,
                    blk.direction.value if blk and blk.direction else None,
                    rule_text(blk.rule) if blk and blk.rule else None,
                    blk.code if blk else None,
                    ((blocker_text(blk) if blk else "") or trace.diagnosis) + self._through(src, dst),
                )
        if undecided is not None:
            reading, trace = undecided
            blk = trace.blocked_by
            return Attribution(
                *t,
                records,
                packets,
                "unknown",
                reading,
                blk.stage if blk else None,
                blk.kind.value if blk else None,
                blk.id if blk else None,
                blk.direction.value if blk and blk.direction else None,
                rule_text(blk.rule) if blk and blk.rule else None,
                blk.code if blk else None,
                f"the configuration's answer is UNKNOWN: {trace.diagnosis}",
            )
        first, _rep = self._try(readings[0][1], readings[0][2], proto, readings[0][3], readings[0][4])
        status = "unknown" if first is None else "disagrees"
        detail = (
            "an endpoint is not in the snapshot or the flow cannot be traced"
            if first is None
            else "the configuration would not reject this record "
            f"({first.verdict.value}: {first.diagnosis}); "
            "drift, a stale snapshot, or packets after the connection closed"
        )
        return Attribution(
            *t,
            records,
            packets,
            status,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            detail,
        )


def explain_store(
    con: Any, snapshot: Snapshot, window: Window, limit: int | None = None, workers: int | None = None
) -> list[Attribution]:
    """Attribute every distinct rejected tuple of the store (most frequent first; ties in a fixed order,
    protocol included, since a cached trace answers for the tuples after it).

    ``workers``: processes to spread the tracing over (None: one per available CPU once there are
    ``PARALLEL_MIN`` tuples or more; 1: in this process). The answer is the same either way.
    """
    window = window.resolve(con)
    sql = f"""
        SELECT interface_id, srcaddr, dstaddr, srcport, dstport, protocol, count(*) AS records,
               sum(packets) AS packets
        FROM flows WHERE action = 'REJECT' AND {window.where()}
        GROUP BY ALL ORDER BY records DESC, interface_id, srcaddr, dstaddr, srcport, dstport, protocol
        {f"LIMIT {int(limit)}" if limit else ""}
    """
    from vpcflow.flowlogs.analyses import _run

    jobs: list[Job] = [
        ((eni, src, dst, int(sport or 0), int(dport or 0), int(proto)), records, packets or 0)
        for eni, src, dst, sport, dport, proto, records, packets in _run(con, sql)[1]
    ]
    return explain_all(Explainer(snapshot), jobs, workers)


# -- spreading the work over processes ----------------------------------------------------------------

Job = tuple[RejectTuple, int, int]  # a tuple with its record and packet counts
PARALLEL_MIN = 2000  # where two workers start to win (1,000 tuples: 0.11 s here, 0.17 s forked)
_CHUNKS_PER_WORKER = 8  # several chunks each, so a worker slowed by a busy core does less


def explain_all(explainer: Explainer, jobs: list[Job], workers: int | None = None) -> list[Attribution]:
    """``explainer.explain`` over every job, in order; in forked worker processes when worth it.

    Tuples that share a cache key go to the same worker in their original order, so every trace is
    computed for the same tuple as in one process and every attribution is identical (a cached trace
    speaks for its whole client-port class, down to the client port a "disagrees" detail names). The
    workers' caches die with them: ``explainer`` itself is left as it was.
    """
    if workers is None:
        workers = _cpus() if len(jobs) >= PARALLEL_MIN else 1
    with _cycle_collector_off():
        if workers <= 1 or len(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return [explainer.explain(t, records, packets) for t, records, packets in jobs]
        return _explain_forked(explainer, jobs, workers)


@contextmanager
def _cycle_collector_off() -> Iterator[None]:
    """Python's cycle collector paused: the cache keeps every trace alive, so each full collection walks
    all of them again (2 s of 7 at 90,000 tuples), and tracing leaves no cycles to collect. Forked
    workers inherit the pause, which also spares them copying the pages a collection would touch."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _explain_forked(explainer: Explainer, jobs: list[Job], workers: int) -> list[Attribution]:
    groups = [g for g in partition(explainer, [t for t, _r, _p in jobs], workers * _CHUNKS_PER_WORKER) if g]
    out: list[Attribution | None] = [None] * len(jobs)
    with warnings.catch_warnings():
        # Python ≥ 3.12 warns that forking a threaded process (DuckDB's or Spark's threads) may deadlock
        # the child: ours only run the trace engine, in pure Python, and never touch those threads' locks
        warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
        with ProcessPoolExecutor(
            min(workers, len(groups)),
            mp_context=multiprocessing.get_context("fork"),
            initializer=_adopt,
            initargs=(explainer, jobs, groups),  # inherited by the fork, never pickled
        ) as pool:
            for group, rows in zip(groups, pool.map(_explain_group, range(len(groups))), strict=True):
                for i, row in zip(group, rows, strict=True):
                    out[i] = Attribution(*row)
    assert all(a is not None for a in out)
    return cast(list[Attribution], out)


_WORK: tuple[Explainer, list[Job], list[list[int]]] | None = None  # set in forked workers only


def _adopt(explainer: Explainer, jobs: list[Job], groups: list[list[int]]) -> None:
    global _WORK
    _WORK = (explainer, jobs, groups)


def _explain_group(n: int) -> list[tuple[Any, ...]]:
    """In a forked worker: the rows of group ``n`` (plain tuples: cheaper to send back than objects)."""
    assert _WORK is not None
    explainer, jobs, groups = _WORK
    return [explainer.explain(*jobs[i]).row() for i in groups[n]]


def partition(explainer: Explainer, tuples: list[RejectTuple], parts: int) -> list[list[int]]:
    """Indices of ``tuples`` in ``parts`` groups, each in ascending order, such that two tuples that may
    look up the same cache key are in the same group; groups balanced by tuple count.

    Both keys of a tuple name both its addresses, so tuples of different address pairs (or protocols)
    never share one: the pairs are the units of work, and a pair too big for balance (one scanner probing
    one host's ports) is split further into the tuples actually linked by a key.
    """
    by_pair: dict[tuple[str, str, int], list[int]] = {}
    for i, (_eni, src, dst, _sport, _dport, proto) in enumerate(tuples):
        by_pair.setdefault((src, dst, proto) if src <= dst else (dst, src, proto), []).append(i)
    big = max(len(tuples) // (parts * 4), 1)
    units: list[list[int]] = []
    for members in by_pair.values():
        units.extend(_linked(explainer, tuples, members) if len(members) > big else [members])
    # biggest units first, each onto the group with the fewest tuples so far
    units.sort(key=len, reverse=True)
    loads = [(0, g) for g in range(parts)]
    groups: list[list[int]] = [[] for _ in range(parts)]
    for members in units:
        load, g = heapq.heappop(loads)
        groups[g].extend(members)
        heapq.heappush(loads, (load + len(members), g))
    for group in groups:
        group.sort()
    return groups


def _linked(explainer: Explainer, tuples: list[RejectTuple], members: list[int]) -> list[list[int]]:
    """``members`` split into the sets of tuples connected through shared cache keys (union-find)."""
    ids: dict[CacheKey, int] = {}
    links: list[tuple[int, int]] = []
    for i in members:
        request, response = explainer.keys(tuples[i])
        links.append((ids.setdefault(request, len(ids)), ids.setdefault(response, len(ids))))
    parent = list(range(len(ids)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    out: dict[int, list[int]] = {}
    for i, (a, _b) in zip(members, links, strict=True):
        out.setdefault(root(a), []).append(i)
    return list(out.values())


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
