"""``reach``: the exact set of flows from one endpoint set to another, forward and both ways.

The query space is finite in structure: sources × destinations are ENI addresses or outside-address
cells (``Endpoints.atoms``), protocols split into classes (``ProtocolClasses``), and ports stay sets.
One symbolic walk (``walk.walk``) per (source cell, destination cell, protocol class) gives delivered
ports, returning client ports and the blocker of every other port; the pieces are assembled into
header spaces. Every class of the answer comes with a witness packet that ``Engine.trace`` confirms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from vpcflow.engine.addressing import private_path
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import Blocker, rule_json, rule_text
from vpcflow.engine.trace import Engine
from vpcflow.errors import QueryError
from vpcflow.model import (
    ICMPV6,
    Address,
    NetworkInterface,
    ProtocolError,
    Snapshot,
    parse_protocol,
)
from vpcflow.reach.classes import ProtoClass, ProtocolClasses
from vpcflow.reach.endpoints import (
    Endpoints,
    EndpointSet,
    destination_addresses,
    source_addresses,
)
from vpcflow.reach.headerspace import (
    ALL_PORTS,
    ALL_PROTOS,
    V4_SPAN,
    V6_SPAN,
    ZERO,
    Box,
    Flow,
    HeaderSpace,
    decode,
    encode,
)
from vpcflow.reach.walk import WalkOutcome, walk_pieces

# -- option parsing ------------------------------------------------------------------------------


def parse_protocols(text: str | None) -> IntervalSet:
    """``None``/``all`` → every protocol; else comma-separated names or numbers (``tcp,udp,47``)."""
    if text is None or text.strip().lower() in ("", "all", "-1", "any"):
        return ALL_PROTOS
    out = []
    for part in text.split(","):
        try:
            n = parse_protocol(part)
        except ProtocolError as exc:
            raise QueryError(str(exc)) from None
        if n == -1:
            return ALL_PROTOS
        out.append((n, n))
    return IntervalSet.from_spans(out)


def parse_ports(text: str | None) -> IntervalSet:
    """``None`` → 0-65535; else ``443``, ``1024-65535`` or a comma-separated list of those."""
    if text is None or text.strip().lower() in ("", "all", "any"):
        return ALL_PORTS
    spans = []
    for part in text.split(","):
        lo_s, _, hi_s = part.strip().partition("-")
        try:
            lo, hi = int(lo_s), int(hi_s or lo_s)
        except ValueError:
            raise QueryError(f"bad port range {part.strip()!r} (expected N, N-M or a list)") from None
        if not 0 <= lo <= hi <= 65535:
            raise QueryError(f"bad port range {part.strip()!r} (ports are 0-65535, low before high)")
        spans.append((lo, hi))
    return IntervalSet.from_spans(spans)


# -- results -------------------------------------------------------------------------------------


def blocker_text(b: Blocker) -> str:
    where = " ".join(x for x in (b.kind.value, b.id or "", b.direction.value if b.direction else "") if x)
    rule = (
        rule_text(b.rule) if b.rule is not None or b.kind.value in ("security-group", "network-acl") else ""
    )
    text = f"{where}: {rule}" if rule else where
    text += f" [{b.code}]"
    return text + (f" ({b.detail})" if b.detail and b.rule is None else "")


def blocker_json(b: Blocker) -> dict[str, Any]:
    return {
        "stage": b.stage,
        "kind": b.kind.value,
        "id": b.id,
        "direction": b.direction.value if b.direction else None,
        "rule": rule_json(b.rule),
        "code": b.code,
        "detail": b.detail or None,
    }


@dataclass(frozen=True, slots=True)
class Blocked:
    """Part of the query space stopped by one component (forward: the request; return: the reply)."""

    stage: str
    blocker: Blocker
    space: HeaderSpace
    witness: Flow | None

    @property
    def unknown(self) -> bool:
        return self.blocker.unknown


@dataclass(frozen=True)
class ReachResult:
    src: EndpointSet
    dst: EndpointSet
    protocols: IntervalSet
    ports: IntervalSet
    query: HeaderSpace
    forward: HeaderSpace
    bidirectional: HeaderSpace
    blocked: tuple[Blocked, ...]
    return_blocked: tuple[Blocked, ...]
    names: dict[int, str] = field(default_factory=dict, compare=False)
    # flows whose answer depends on something missing, contradictory or not modelled (an UNKNOWN of the
    # walk): neither delivered nor blocked. ``undecided``: the request; ``return_undecided``: the
    # replies of delivered requests
    undecided: tuple[Blocked, ...] = ()
    return_undecided: tuple[Blocked, ...] = ()

    @property
    def reachable(self) -> bool:
        return bool(self.forward)

    @property
    def unknown(self) -> HeaderSpace:
        """Requests whose delivery cannot be decided."""
        return HeaderSpace.union_all([b.space for b in self.undecided])

    @property
    def return_unknown(self) -> HeaderSpace:
        """Delivered requests whose replies cannot be decided."""
        return HeaderSpace.union_all([b.space for b in self.return_undecided])

    @property
    def forward_only(self) -> HeaderSpace:
        return self.forward - self.bidirectional

    @property
    def unreached(self) -> HeaderSpace:
        return self.query - self.forward

    def witness(self, space: HeaderSpace) -> Flow | None:
        return space.witness()

    def classes(self) -> Iterator[tuple[str, HeaderSpace, Flow | None, Blocked | None]]:
        """Every class of the answer with its witness: what a trace of the witness must say."""
        yield "bidirectional", self.bidirectional, self.bidirectional.witness(), None
        for b in self.return_blocked:
            yield "forward-only", b.space, b.witness, b
        for b in self.blocked:
            yield "blocked", b.space, b.witness, b
        for b in self.return_undecided + self.undecided:
            yield "unknown", b.space, b.witness, b

    def namer(self) -> Callable[[IntervalSet], str | None]:
        full_src = self.query.project(0)
        full_dst = self.query.project(1)

        def name(values: IntervalSet) -> str | None:
            if values == full_src:
                return self.src.label
            if values == full_dst:
                return self.dst.label
            if len(values.spans) == 1 and values.spans[0][0] == values.spans[0][1]:
                label = self.names.get(values.first)
                if label:
                    return label
            return None

        return name

    def to_json(self) -> dict[str, Any]:
        name = self.namer()

        def part(space: HeaderSpace) -> dict[str, Any]:
            w = space.witness()
            return {"flows": space.to_json(name), "witness": w.to_json() if w else None}

        def blocked(items: tuple[Blocked, ...]) -> list[dict[str, Any]]:
            return [
                {
                    "blocked_by": blocker_json(b.blocker),
                    "flows": b.space.to_json(name),
                    "witness": b.witness.to_json() if b.witness else None,
                }
                for b in items
            ]

        return {
            "src": {"ref": self.src.ref, "label": self.src.label},
            "dst": {"ref": self.dst.ref, "label": self.dst.label},
            "protocols": str(self.protocols),
            "ports": str(self.ports),
            "reachable": self.reachable,
            "forward": part(self.forward),
            "bidirectional": part(self.bidirectional),
            "forward_only": blocked(self.return_blocked),
            "blocked": blocked(self.blocked),
            # neither delivered nor blocked: what the answer depends on (stage "forward": the request,
            # "return": the replies of delivered requests)
            "unknown": blocked(self.undecided + self.return_undecided),
        }

    def render_text(self, snapshot_path: str = "SNAPSHOT") -> str:
        name = self.namer()
        out = [f"reach {self.src.label} → {self.dst.label}"]
        if not self.query:
            out.append("  no flows to consider (the endpoint sets are empty or only outside addresses)")
            return "\n".join(out) + "\n"

        def section(title: str, space: HeaderSpace, indent: str = "  ") -> None:
            out.append(f"{indent}{title}")
            if not space:
                out.append(f"{indent}  (none)")
                return
            out.extend(f"{indent}  {line}" for line in space.render(name))
            w = space.witness()
            if w is not None:
                out.append(f"{indent}  witness: {w}    # {w.trace_command(snapshot_path)}")

        section("DELIVERED (the request arrives):", self.forward)
        section("BIDIRECTIONAL (replies return to every client port shown):", self.bidirectional)
        if self.return_blocked:
            out.append("  FORWARD ONLY (replies are lost):")
            for b in self.return_blocked:
                section(f"replies stopped by {blocker_text(b.blocker)}:", b.space, "    ")
        if self.blocked:
            out.append("  NOT DELIVERED:")
            for b in self.blocked:
                section(f"stopped by {blocker_text(b.blocker)}:", b.space, "    ")
        if self.undecided or self.return_undecided:
            out.append("  UNKNOWN (neither delivered nor blocked: the answer depends on what is named):")
            for b in self.undecided:
                section(f"requests depend on {blocker_text(b.blocker)}:", b.space, "    ")
            for b in self.return_undecided:
                section(f"replies depend on {blocker_text(b.blocker)}:", b.space, "    ")
        return "\n".join(out) + "\n"


# -- the engine ----------------------------------------------------------------------------------


@dataclass
class _Acc:
    query: list[Box] = field(default_factory=list)
    forward: list[Box] = field(default_factory=list)
    bidi: list[Box] = field(default_factory=list)
    fwd_cut: dict[tuple[Any, ...], tuple[Blocker, list[Box]]] = field(default_factory=dict)
    ret_cut: dict[tuple[Any, ...], tuple[Blocker, list[Box]]] = field(default_factory=dict)

    @staticmethod
    def key(b: Blocker) -> tuple[Any, ...]:
        return (b.stage, b.kind, b.id, b.direction, id(b.rule) if b.rule is not None else None, b.code)

    def cut(self, into: dict[tuple[Any, ...], tuple[Blocker, list[Box]]], b: Blocker, box: Box) -> None:
        k = self.key(b)
        if k not in into:
            into[k] = (b, [])
        into[k][1].append(box)


class Reachability:
    """Exhaustive reachability over one snapshot. Build once; ask many questions."""

    def __init__(self, snapshot: Snapshot, engine: Engine | None = None) -> None:
        self.snapshot = snapshot
        self.engine = engine or Engine(snapshot)
        self.rules = self.engine.rules
        self.endpoints = Endpoints(snapshot)
        self.classes = ProtocolClasses(snapshot)
        self._peered = {
            frozenset((p.requester_vpc_id, p.accepter_vpc_id)) for p in snapshot.peerings.values() if p.active
        }

    def connected(self, a: NetworkInterface, b: NetworkInterface) -> bool:
        if a.vpc_id == b.vpc_id or frozenset((a.vpc_id, b.vpc_id)) in self._peered:
            return True
        return private_path(self.snapshot, a, None, b)

    def _pairs(
        self, src: EndpointSet, dst: EndpointSet
    ) -> Iterator[tuple[NetworkInterface | None, IntervalSet, Address, IntervalSet, Address]]:
        one = IntervalSet.single
        for a in src.members:
            srcs = source_addresses(a)
            for b in dst.members:
                if b.eni.eni_id == a.eni.eni_id:
                    continue
                dsts = destination_addresses(b, self.connected(a.eni, b.eni))
                for sa in srcs:
                    for da in dsts:
                        if sa.version == da.version:
                            yield a.eni, one(encode(sa)), sa, one(encode(da)), da
            if dst.external:
                for sa in srcs:
                    fam = dst.external & IntervalSet.of(_family_span(sa.version))
                    for cell in self.endpoints.atoms(fam):
                        yield a.eni, one(encode(sa)), sa, cell, decode(cell.first)
        if src.external:
            for b in dst.members:
                for private in (False, True):
                    # on-premises cells reach an interface by its private address, the internet by its public
                    for da in destination_addresses(b, private):
                        fam = src.external & IntervalSet.of(_family_span(da.version))
                        for cell in self.endpoints.atoms(fam):
                            if self.endpoints.is_onprem_cell(cell) is private:
                                yield None, cell, decode(cell.first), one(encode(da)), da

    def reach(
        self,
        src: str | list[str],
        dst: str | list[str],
        protocol: str | None = None,
        ports: str | None = None,
        *,
        client_ports: str | None = None,
        witnesses: bool = True,
    ) -> ReachResult:
        s_set = self.endpoints.resolve(src)
        d_set = self.endpoints.resolve(dst)
        protos = parse_protocols(protocol)
        dports = parse_ports(ports)
        if ports is not None and not (protos & IntervalSet.of((6, 6), (17, 17))):
            raise QueryError("--port applies to tcp and udp only")
        return self.reach_sets(s_set, d_set, protos, dports, client_ports=client_ports, witnesses=witnesses)

    def reach_sets(
        self,
        s_set: EndpointSet,
        d_set: EndpointSet,
        protos: IntervalSet = ALL_PROTOS,
        dports: IntervalSet = ALL_PORTS,
        *,
        client_ports: str | None = None,
        witnesses: bool = True,
    ) -> ReachResult:
        classes = self.classes.classes(protos)
        acc = _Acc()
        clients: dict[str | None, IntervalSet] = {}
        for src_eni, scell, sa, dcell, da in self._pairs(s_set, d_set):
            key = src_eni.eni_id if src_eni else None
            client = clients.get(key)
            if client is None:
                cr = self.engine.client_ports(src_eni, client_ports)
                client = clients[key] = IntervalSet.of((cr.lo, cr.hi))
            for cls in classes:
                if cls.protocol == ICMPV6 and sa.version == 4:
                    continue  # ICMPv6 over IPv4 is not a packet (trace refuses it too)
                self._one(acc, src_eni, scell, sa, dcell, da, cls, dports, client)
        return self._result(s_set, d_set, protos, dports, acc, witnesses)

    def _one(
        self,
        acc: _Acc,
        src_eni: NetworkInterface | None,
        scell: IntervalSet,
        sa: Address,
        dcell: IntervalSet,
        da: Address,
        cls: ProtoClass,
        dports: IntervalSet,
        client: IntervalSet,
    ) -> None:
        for piece, out in walk_pieces(
            self.snapshot, self.rules, src_eni, sa, da, cls.protocol, dports, client,
            cls.icmp_type, cls.icmp_code,
        ):  # fmt: skip
            self._add(acc, scell, dcell, cls, dports, piece, out)

    def _add(
        self,
        acc: _Acc,
        scell: IntervalSet,
        dcell: IntervalSet,
        cls: ProtoClass,
        dports: IntervalSet,
        client: IntervalSet,
        out: WalkOutcome,
    ) -> None:
        p = cls.protocols
        if cls.ported:
            acc.query.append((scell, dcell, p, client, dports))
            if out.delivered:
                acc.forward.append((scell, dcell, p, client, out.delivered))
                ret = out.returned & client
                if ret:
                    acc.bidi.append((scell, dcell, p, ret, out.delivered))
                for cports, b in out.return_cuts:
                    acc.cut(acc.ret_cut, b, (scell, dcell, p, cports & client, out.delivered))
            for ports, b in out.forward_cuts:
                acc.cut(acc.fwd_cut, b, (scell, dcell, p, client, ports))
            return
        values = cls.icmp_values if cls.icmp_values is not None else ZERO
        whole: Box = (scell, dcell, p, ZERO, values)
        acc.query.append(whole)
        if not out.delivered:
            if out.forward_cuts:
                acc.cut(acc.fwd_cut, out.forward_cuts[0][1], whole)
            return
        acc.forward.append(whole)
        if out.no_reply or out.returned:
            acc.bidi.append(whole)
        elif out.return_cuts:
            acc.cut(acc.ret_cut, out.return_cuts[0][1], whole)

    def _result(
        self,
        s_set: EndpointSet,
        d_set: EndpointSet,
        protos: IntervalSet,
        dports: IntervalSet,
        acc: _Acc,
        witnesses: bool,
    ) -> ReachResult:
        def blocked(
            cuts: dict[tuple[Any, ...], tuple[Blocker, list[Box]]], stage: str, unknown: bool
        ) -> tuple[Blocked, ...]:
            out = []
            for b, boxes in cuts.values():
                if b.unknown is not unknown:
                    continue
                space = HeaderSpace.union_all([HeaderSpace(tuple(x for x in boxes if all(x)))])
                if space:
                    out.append(Blocked(stage, b, space, space.witness() if witnesses else None))
            return tuple(out)

        names: dict[int, str] = {}
        for m in s_set.members + d_set.members:
            label = m.eni.eni_id
            nm = next((v for k, v in m.eni.tags if k == "Name"), None)
            if nm:
                label = f"{m.eni.eni_id} ({nm})"
            for a in m.eni.addresses + tuple(pub for _p, pub in m.eni.public_ips):
                names[encode(a)] = f"{a} {label}"
        return ReachResult(
            s_set,
            d_set,
            protos,
            dports,
            HeaderSpace.union_all([HeaderSpace(tuple(acc.query))]),
            HeaderSpace.union_all([HeaderSpace(tuple(acc.forward))]),
            HeaderSpace.union_all([HeaderSpace(tuple(acc.bidi))]),
            blocked(acc.fwd_cut, "forward", False),
            blocked(acc.ret_cut, "return", False),
            names,
            blocked(acc.fwd_cut, "forward", True),
            blocked(acc.ret_cut, "return", True),
        )


def _family_span(version: int) -> tuple[int, int]:
    return V4_SPAN if version == 4 else V6_SPAN


def reach(
    snapshot: Snapshot,
    src: str | list[str],
    dst: str | list[str],
    protocol: str | None = None,
    ports: str | None = None,
    *,
    client_ports: str | None = None,
) -> ReachResult:
    """One-shot helper: ``Reachability(snapshot).reach(...)``."""
    return Reachability(snapshot).reach(src, dst, protocol, ports, client_ports=client_ports)
