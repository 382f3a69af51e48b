"""Which rule caused each REJECT: distinct rejected tuples attributed with the trace engine.

A REJECT record on an ENI is either a request the configuration stops, or a response (the classic NACL
trap). For each distinct tuple (interface, addresses, ports, protocol) both readings are traced with the
record's exact ports; the reading whose flow-log records contain this very REJECT on this ENI explains it,
with the component, rule, direction and stage. When neither reading produces that REJECT the tuple is
flagged: the configuration would accept it (drift, a stale snapshot, or traffic after a connection closed
or an untracked flow's rule was removed).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from vpcflow.engine import Engine, Trace
from vpcflow.engine.diagnosis import blocker_text
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
_PROTO = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


class Explainer:
    """Attributes rejected tuples. Traces are cached per (endpoints, protocol, service port, client-port
    class): two client ports between the same rule boundaries meet the same fate at every SG and NACL, so
    one trace answers for all of them (the cached trace's port is swapped for the record's)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.engine = Engine(snapshot)
        self.s = snapshot
        bounds = {0, 65536}
        for g in snapshot.security_groups.values():
            for r in g.ingress + g.egress:
                if r.ports is not None:
                    bounds.update((r.ports.lo, r.ports.hi + 1))
        for acl in snapshot.network_acls.values():
            for e in acl.ingress + acl.egress:
                if e.ports is not None:
                    bounds.update((e.ports.lo, e.ports.hi + 1))
        bounds.update((1024, 65536))  # NAT gateways' port range
        self._bounds = sorted(bounds)
        self._cache: dict[tuple[str, str, int, int, int], tuple[Trace | None, int]] = {}
        self._endpoints: dict[str, str] = {}

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

    @staticmethod
    def _reject_on(trace: Trace, t: tuple[str, str, str, int, int, int], rep: int, port: int) -> bool:
        """Does the trace (computed with client port ``rep``) log this REJECT, for client port ``port``?"""
        eni, src, dst, sport, dport, _p = t
        for r in trace.flow_logs:
            if (
                r.interface_id != eni
                or r.action != "REJECT"
                or str(r.srcaddr) != src
                or str(r.dstaddr) != dst
            ):
                continue
            rs = port if r.srcport == rep else r.srcport
            rd = port if r.dstport == rep else r.dstport
            if (rs, rd) == (sport, dport):
                return True
        return False

    def _try(self, src: str, dst: str, proto: int, port: int, sport: int) -> tuple[Trace | None, int]:
        """The trace for this reading (cached by client-port class) and the client port it used."""
        cls = bisect_right(self._bounds, sport) if proto in (6, 17) else 0
        key = (src, dst, proto, port, cls)
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

    def explain(
        self, t: tuple[str, str, str, int, int, int], records: int = 1, packets: int = 0
    ) -> Attribution:
        eni, src, dst, sport, dport, proto = t
        readings = [("request", src, dst, dport, sport), ("response", dst, src, sport, dport)]
        if proto in (6, 17) and sport < dport:
            readings.reverse()  # a low source port is most likely a service answering
        for reading, a, b, port, cport in readings:
            trace, rep = self._try(a, b, proto, port, cport)
            if trace is not None and self._reject_on(trace, t, rep, cport):
                blk = trace.blocked_by
                return Attribution(
                    eni,
                    src,
                    dst,
                    sport,
                    dport,
                    proto,
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
                    (blocker_text(blk) if blk else "") or trace.diagnosis,
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
            eni,
            src,
            dst,
            sport,
            dport,
            proto,
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
    con: Any, snapshot: Snapshot, window: Window, limit: int | None = None
) -> list[Attribution]:
    """Attribute every distinct rejected tuple of the store (most frequent first)."""
    sql = f"""
        SELECT interface_id, srcaddr, dstaddr, srcport, dstport, protocol, count(*) AS records,
               sum(packets) AS packets
        FROM flows WHERE action = 'REJECT' AND {window.where()}
        GROUP BY ALL ORDER BY records DESC, interface_id, srcaddr, dstaddr, srcport, dstport
        {f"LIMIT {int(limit)}" if limit else ""}
    """
    explainer = Explainer(snapshot)
    out = []
    from vpcflow.flowlogs.analyses import _run

    for eni, src, dst, sport, dport, proto, records, packets in _run(con, sql)[1]:
        out.append(
            explainer.explain(
                (eni, src, dst, int(sport or 0), int(dport or 0), int(proto)), records, packets or 0
            )
        )
    return out
