"""Which rule caused each REJECT: distinct rejected tuples attributed with the trace engine.

A REJECT record on an ENI is either a request the configuration stops, or a response (the classic NACL
trap). For each distinct tuple (interface, addresses, ports, protocol) both readings are traced with the
record's exact ports; the reading whose flow-log records contain this very REJECT on this ENI explains it,
with the component, rule, direction and stage. When neither reading produces that REJECT the tuple is
flagged: the configuration would accept it (drift, a stale snapshot, or traffic after a connection closed
or an untracked flow's rule was removed).
"""

from __future__ import annotations

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
    def __init__(self, snapshot: Snapshot) -> None:
        self.engine = Engine(snapshot)
        self.s = snapshot

    def _endpoint(self, addr: str) -> str:
        """An ENI id for a snapshot address (so the engine picks private or public), else the address."""
        try:
            a = Address.parse(addr)
        except ValueError:
            return addr
        hits = self.s.enis_by_address.get(a)
        if hits and len(hits) == 1:
            return hits[0]
        return addr

    def _reject_on(self, trace: Trace, t: tuple[str, str, str, int, int, int]) -> bool:
        eni, src, dst, sport, dport, _p = t
        return any(
            r.interface_id == eni
            and str(r.srcaddr) == src
            and str(r.dstaddr) == dst
            and r.srcport == sport
            and r.dstport == dport
            and r.action == "REJECT"
            for r in trace.flow_logs
        )

    def _try(self, src: str, dst: str, proto: int, port: int, sport: int) -> Trace | None:
        name = _PROTO.get(proto, str(proto))
        try:
            if proto in (6, 17):
                return self.engine.trace(self._endpoint(src), self._endpoint(dst), name, port, src_port=sport)
            return self.engine.trace(self._endpoint(src), self._endpoint(dst), name)
        except VpcflowError:
            return None

    def explain(
        self, t: tuple[str, str, str, int, int, int], records: int = 1, packets: int = 0
    ) -> Attribution:
        eni, src, dst, sport, dport, proto = t
        readings = [("request", src, dst, dport, sport), ("response", dst, src, sport, dport)]
        if proto in (6, 17) and sport < dport:
            readings.reverse()  # a low source port is most likely a service answering
        for reading, a, b, port, cport in readings:
            trace = self._try(a, b, proto, port, cport)
            if trace is not None and self._reject_on(trace, t):
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
        first = self._try(*readings[0][1:3], proto, readings[0][3], readings[0][4])
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
