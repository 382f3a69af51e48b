"""Protocol and ICMP equivalence classes: values no rule of the snapshot tells apart.

A walk is run once per class with one representative; the answer holds for the whole class because
every rule either names a value of the class singly or treats the whole class alike. ICMP request types
with a reply (echo, timestamp, …) are kept apart from types without one, and a request type is a class
of its own when its *reply* type is named by a rule (the reply crosses the NACLs).
"""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import (
    ALL_PROTOCOLS,
    ICMP,
    ICMPV6,
    TCP,
    UDP,
    NetworkAclEntry,
    SecurityGroupRule,
    Snapshot,
)
from vpcflow.reach.headerspace import PORTLESS

# request type → reply type, as the engine answers ICMP (vpcflow.engine.path.reply_icmp)
REPLIES = {8: 0, 13: 14, 15: 16, 17: 18, 128: 129}
PREFERRED_OTHER = (47, 50, 51, 132, 4, 41)


@dataclass(frozen=True, slots=True)
class ProtoClass:
    """Protocols (and, for ICMP, ``type << 8 | code`` values) that behave alike; one walk each."""

    protocols: IntervalSet
    protocol: int  # representative
    icmp_values: IntervalSet | None = None  # None: ported (the query's ports) or port-less
    icmp_type: int | None = None  # the ICMP class's representative type and code
    icmp_code: int | None = None

    @property
    def ported(self) -> bool:
        return self.protocol in (TCP, UDP)


class ProtocolClasses:
    def __init__(self, snapshot: Snapshot) -> None:
        protos: set[int] = set()
        types: set[int] = set()
        codes: set[int] = set()
        rules = [r for g in snapshot.security_groups.values() for r in g.ingress + g.egress]
        entries = [e for a in snapshot.network_acls.values() for e in a.ingress + a.egress]
        items: list[SecurityGroupRule | NetworkAclEntry] = [*rules, *entries]
        for item in items:
            if item.protocol != ALL_PROTOCOLS:
                protos.add(item.protocol)
            if item.icmp is not None and item.protocol in (ICMP, ICMPV6):
                if item.icmp.type != -1:
                    types.add(item.icmp.type)
                if item.icmp.code != -1:
                    codes.add(item.icmp.code)
        self.mentioned = protos
        singles = set(types) | {t for t, r in REPLIES.items() if r in types}
        self.type_classes: list[IntervalSet] = [IntervalSet.single(t) for t in sorted(singles)]
        req_rest = IntervalSet.from_spans((t, t) for t in REPLIES if t not in singles)
        if req_rest:
            self.type_classes.append(req_rest)
        rest = IntervalSet.of((0, 255)) - IntervalSet.from_spans((t, t) for t in singles | set(REPLIES))
        if rest:
            self.type_classes.append(rest)
        self.code_classes: list[IntervalSet] = [IntervalSet.single(c) for c in sorted(codes)]
        code_rest = IntervalSet.of((0, 255)) - IntervalSet.from_spans((c, c) for c in codes)
        if code_rest:
            self.code_classes.append(code_rest)

    def classes(self, protocols: IntervalSet) -> list[ProtoClass]:
        out: list[ProtoClass] = []
        for p in (TCP, UDP):
            if p in protocols:
                out.append(ProtoClass(IntervalSet.single(p), p))
        for p in (ICMP, ICMPV6):
            if p not in protocols:
                continue
            for tcls in self.type_classes:
                for ccls in self.code_classes:
                    values = _product(tcls, ccls)
                    t = 8 if 8 in tcls else (128 if 128 in tcls else tcls.first)
                    c = 0 if 0 in ccls else ccls.first
                    out.append(ProtoClass(IntervalSet.single(p), p, values, t, c))
        others = protocols & PORTLESS
        named = IntervalSet.from_spans((p, p) for p in self.mentioned) & others
        for lo, hi in named:
            for p in range(lo, hi + 1):
                out.append(ProtoClass(IntervalSet.single(p), p))
        rest = others - named
        if rest:
            rep = next((p for p in PREFERRED_OTHER if p in rest), rest.first)
            out.append(ProtoClass(rest, rep))
        return out


def _product(types: IntervalSet, codes: IntervalSet) -> IntervalSet:
    if codes == IntervalSet.of((0, 255)):
        return IntervalSet.from_spans((lo << 8, hi << 8 | 0xFF) for lo, hi in types)
    spans: list[tuple[int, int]] = []
    for tlo, thi in types:
        for t in range(tlo, thi + 1):
            spans.extend(((t << 8) | clo, (t << 8) | chi) for clo, chi in codes)
    return IntervalSet.from_spans(spans)
