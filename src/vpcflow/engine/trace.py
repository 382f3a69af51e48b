"""``Engine.trace``: resolve the endpoints, walk the request, walk the response, explain."""

from __future__ import annotations

from dataclasses import replace

from vpcflow.engine.addressing import private_path
from vpcflow.engine.combine import combine
from vpcflow.engine.components.interfaces import InterfaceKind, interface_kind
from vpcflow.engine.conversation import Conversation, converse_all
from vpcflow.engine.elb_index import elb_index
from vpcflow.engine.firewall_match import AppContext
from vpcflow.engine.gwlb import GENEVE_SPACE
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.packets import NAT_PORTS, EniEvent, Packet, is_icmp
from vpcflow.engine.result import (
    Blocker,
    Endpoint,
    FlowLogRecord,
    Leg,
    Trace,
    Verdict,
)
from vpcflow.engine.rules import CompiledRules
from vpcflow.errors import QueryError
from vpcflow.model import (
    EPHEMERAL_PRESETS,
    ICMP,
    ICMPV6,
    TCP,
    UDP,
    Address,
    Cidr,
    NetworkInterface,
    PortRange,
    ProtocolError,
    Snapshot,
    parse_protocol,
    tag,
)
from vpcflow.model import (
    parse_port_range as _parse_port_range,
)
from vpcflow.model.elb import LoadBalancer

DEFAULT_CLIENT = "linux"
_ELB_KINDS = frozenset(
    {InterfaceKind.LOAD_BALANCER, InterfaceKind.CLASSIC_LOAD_BALANCER, InterfaceKind.GATEWAY_LOAD_BALANCER}
)
EPHEMERAL_TAG = "vpcflow:ephemeral-ports"
_NO_APP = AppContext()
_PROTOCOLS = {name: parse_protocol(name) for name in ("tcp", "udp", "icmp", "icmpv6")}


def _one_address(text: str) -> Address:
    """An address, or a CIDR of one address (``/32``, ``/128``); ValueError if it is neither."""
    if "/" not in text:
        return Address.parse(text)
    try:
        cidr = Cidr.parse(text)
    except ValueError:
        raise ValueError(text) from None
    if cidr.lo != cidr.hi:
        raise QueryError(f"{text} names {cidr.hi - cidr.lo + 1} addresses; a trace follows one")
    return Address(cidr.version, cidr.lo)


def parse_port_range(text: str) -> PortRange:
    try:
        return _parse_port_range(text)
    except ValueError as exc:
        raise QueryError(str(exc)) from None


def _name(value: str | None, option: str) -> str | None:
    """A host name as TLS SNI and HTTP Host carry it (case-insensitive, no trailing dot)."""
    if value is None:
        return None
    name = value.strip().lower().rstrip(".")
    if not name or len(name) > 253 or any(c.isspace() or not c.isprintable() for c in name):
        raise QueryError(f"{option} {value!r}: expected a host name")
    return name


class Engine:
    """The concrete evaluator over one snapshot. Build once, ask many questions."""

    def __init__(self, snapshot: Snapshot, *, every_target: bool = False) -> None:
        """``every_target``: walk each of a load balancer's targets as its own way, even those another
        answers for (same rules, only the interface differs): for flow logs on every interface."""
        self.snapshot = snapshot
        self.every_target = every_target
        self.rules = CompiledRules(snapshot)
        self._names: dict[str, list[str]] | None = None
        # endpoint text → resolution; the snapshot is immutable, so answers never go stale
        self._resolved: dict[str, tuple[NetworkInterface | None, Address | None]] = {}
        self._labels: dict[str, str] = {}  # ENI id → endpoint label
        self._lbs: dict[str, LoadBalancer | None] = {}  # endpoint text → the load balancer it names
        # every NAT gateway's public and private address (a hop, never an endpoint)
        self._nat_addresses = frozenset(
            a for n in snapshot.nat_gateways.values() for a in (n.public_ip, n.private_ip) if a is not None
        )
        # endpoint text → the ways it names (``_ways``); the snapshot is immutable
        self._ways_of: dict[
            tuple[str, bool], tuple[list[tuple[str, tuple[NetworkInterface | None, Address | None]]], str]
        ] = {}

    # -- endpoints -----------------------------------------------------------------------------

    def _name_index(self) -> dict[str, list[str]]:
        if self._names is None:
            names: dict[str, list[str]] = {}
            for inst in self.snapshot.instances.values():
                if inst.name and inst.eni_ids:
                    names.setdefault(inst.name, []).append(inst.eni_ids[0])
            for eni in self.snapshot.interfaces.values():
                name = tag(eni.tags, "Name")
                if name:
                    names.setdefault(name, []).append(eni.eni_id)
            # an instance and its primary ENI often share a Name: one endpoint, not two
            self._names = {k: sorted(set(v)) for k, v in names.items()}
        return self._names

    def interface_of(self, ref: str) -> NetworkInterface:
        s = self.snapshot
        if ref in s.interfaces:
            return s.interfaces[ref]
        if ref in s.instances:
            inst = s.instances[ref]
            for eni_id in inst.eni_ids:
                if eni_id in s.interfaces:
                    return s.interfaces[eni_id]
            why = f" (it is {inst.state})" if inst.state in ("terminated", "shutting-down") else ""
            raise QueryError(f"instance {ref} has no network interface in the snapshot{why}")
        hits = self._name_index().get(ref, [])
        if len(hits) == 1:
            return self.interface_of(hits[0])
        if len(hits) > 1:
            raise QueryError(f"name {ref!r} is ambiguous: {', '.join(sorted(hits))}")
        member = self._only_member(ref)
        if member is not None:
            return member
        raise QueryError(
            f"unknown endpoint {ref!r} (expected an ENI id, instance id, Name tag, IP address, or a "
            "security group, subnet or VPC with one interface)"
        )

    def _only_member(self, ref: str) -> NetworkInterface | None:
        """The one interface a set reference of ``reach`` names (a security group by id or name, a
        subnet, a VPC); an error when it names several or none, None when it is no such reference."""
        s = self.snapshot
        low = ref.lower()
        if low in ("internet", "onprem", "on-premises", "anywhere", "any", "*") or ref in s.vpn_connections:
            raise QueryError(
                f"{ref!r} names a set of addresses; a trace follows one (give an address, e.g. 203.0.113.10, "
                "or use 'vpcflow reach')"
            )
        groups = [g.group_id for g in s.security_groups.values() if g.name == ref]
        if ref in s.security_groups:
            groups = [ref]
        if len(groups) > 1:
            raise QueryError(f"security group name {ref!r} is ambiguous: {', '.join(sorted(groups))}")
        enis = [e for e in s.interfaces.values() if e.interface_type != "nat_gateway"]
        if groups:
            members = [e for e in enis if groups[0] in e.group_ids]
        elif ref in s.subnets:
            members = [e for e in enis if e.subnet_id == ref]
        elif ref in s.vpcs:
            members = [e for e in enis if e.vpc_id == ref]
        else:
            return None
        if len(members) != 1:
            shown = ", ".join(sorted(e.eni_id for e in members)[:5]) + (", ..." if len(members) > 5 else "")
            raise QueryError(
                f"{ref} has {len(members)} network interfaces"
                + (f" ({shown})" if members else "")
                + "; a trace needs one (name it, or use 'vpcflow reach')"
            )
        return members[0]

    def resolve(self, ref: str) -> tuple[NetworkInterface | None, Address | None]:
        """An ENI (and, if the user gave one, the exact address), or an outside address."""
        hit = self._resolved.get(ref)
        if hit is None:
            if len(self._resolved) > 100_000:  # bounded: flow-log attribution sees many addresses
                self._resolved.clear()
            hit = self._resolved[ref] = self._resolve(ref.strip())
        return hit

    def _resolve(self, ref: str) -> tuple[NetworkInterface | None, Address | None]:
        try:
            addr = _one_address(ref)
        except ValueError:
            return self.interface_of(ref), None
        s = self.snapshot
        hits = list(s.enis_by_address.get(addr, ()))
        if len(hits) > 1:
            if all(self.snapshot.contradiction(h) for h in hits):
                raise QueryError(
                    f"{ref} is held by {', '.join(hits)} (the snapshot contradicts itself, see "
                    "`snapshot info`); name the ENI"
                )
            raise QueryError(f"{ref} is a private address in several VPCs ({', '.join(hits)}); name the ENI")
        if hits and not self._is_nat_address(addr):
            return s.interfaces[hits[0]], addr
        pub = s.eni_by_public_ip.get(addr)
        if self._is_nat_address(addr):
            return None, addr  # a NAT gateway is a hop, not an endpoint
        if pub is not None:
            return s.interfaces[pub[0]], addr
        # an address no interface holds (outside every VPC, or unused inside one): the walk says how far
        # the network takes a packet to it; ``trace`` refuses it as a source inside a VPC
        return None, addr

    def _is_nat_address(self, addr: Address | None) -> bool:
        return addr is not None and addr in self._nat_addresses

    def _connected(self, a: NetworkInterface | None, a_addr: Address | None, b: NetworkInterface) -> bool:
        return private_path(self.snapshot, a, a_addr, b)

    def client_ports(self, eni: NetworkInterface | None, override: str | None) -> PortRange:
        if override:
            return parse_port_range(override)
        if eni is not None:
            if eni.ephemeral_ports is not None:
                return eni.ephemeral_ports
            value = tag(eni.tags, EPHEMERAL_TAG)
            if value:
                return parse_port_range(value)
            inst = self.snapshot.instances.get(eni.instance_id or "")
            if inst is not None and (inst.platform or "").lower() == "windows":
                return EPHEMERAL_PRESETS["windows"]
            if interface_kind(eni) in _ELB_KINDS:
                # a load balancer's node opens its connections from 1024-65535 (REMAP_EPHEMERAL_PORT)
                return EPHEMERAL_PRESETS["elb"]
        return EPHEMERAL_PRESETS[DEFAULT_CLIENT]

    # -- trace ---------------------------------------------------------------------------------

    def trace(
        self,
        src: str,
        dst: str,
        protocol: str | int = "tcp",
        port: int | None = None,
        *,
        src_port: int | None = None,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
        client_ports: str | None = None,
        ipv6: bool = False,
        sni: str | None = None,
        host: str | None = None,
    ) -> Trace:
        """``sni``/``host``: the TLS server name or HTTP Host of the connection, which decide Network
        Firewall domain-list and TLS/HTTP rules (without them such rules make the answer UNKNOWN)."""
        app = (
            _NO_APP
            if sni is None and host is None
            else AppContext(_name(sni, "--sni"), _name(host, "--host"))
        )
        proto = _PROTOCOLS.get(protocol) if isinstance(protocol, str) else None
        if proto is None:
            try:
                proto = parse_protocol(protocol)
            except ProtocolError as exc:
                raise QueryError(str(exc)) from None
        if proto == -1:
            raise QueryError("a trace needs one protocol (tcp, udp, icmp, icmpv6 or a number)")
        if proto in (TCP, UDP):
            if port is None:
                raise QueryError(f"--port is required for {protocol}")
            if not 0 <= port <= 65535:
                raise QueryError(f"--port {port} out of range 0-65535")
        src_ways, src_dns = self._ways(src)
        # an IPv4 flow to a load balancer's name goes to the addresses DNS gives (IPv6: its IPv6 ones)
        v6_source = any(a is not None and a.version == 6 for _l, (_e, a) in src_ways)
        dst_ways, dst_dns = self._ways(dst, public=not (ipv6 or v6_source))
        traces: list[tuple[str, Trace]] = []
        truncated = False
        for s_label, (src_eni, src_addr) in src_ways:
            for d_label, (dst_eni, dst_addr) in dst_ways:
                if (
                    src_eni is not None
                    and dst_eni is not None
                    and src_eni.eni_id == dst_eni.eni_id
                    and self.snapshot.contradiction(src_eni.eni_id) is None
                ):
                    # (a contradicted interface named twice, say by two instances that both claim it, is
                    # walked: the walk answers UNKNOWN naming the contradiction)
                    if len(src_ways) * len(dst_ways) == 1:
                        raise QueryError("source and destination are the same network interface")
                    continue
                pkt, crange, endpoints = self._flow(
                    (src, src_eni, src_addr), (dst, dst_eni, dst_addr), proto, port, src_port,
                    icmp_type, icmp_code, client_ports, ipv6,
                )  # fmt: skip
                convs, cut = converse_all(self.snapshot, self.rules, src_eni, pkt, app, self.every_target)
                truncated = truncated or cut
                ports_apply = proto in (TCP, UDP)
                for conv in convs:
                    label = "; ".join(x for x in (s_label, d_label, conv.session.path_label) if x)
                    t = self._explain(conv, *endpoints, crange, port if ports_apply else None)
                    traces.append((label, t))
        if not traces:
            raise QueryError("source and destination are the same network interface")
        out = combine(traces, truncated)
        dns = tuple(n for n in (src_dns, dst_dns) if n and n not in out.notes)
        return replace(out, notes=out.notes + dns) if dns else out

    def _ways(
        self, ref: str, public: bool = False
    ) -> tuple[list[tuple[str, tuple[NetworkInterface | None, Address | None]]], str]:
        """The endpoint ``ref`` names: one interface or address, or the nodes of a load balancer its DNS
        name answers with (which one a client reaches is DNS's choice: each is a way the flow can go),
        and a note naming the nodes DNS leaves out. ``public``: an internet-facing load balancer's name
        resolves to its nodes' public IPv4 addresses, from inside its VPC too (application-load-balancers
        "Load balancer scheme"). Memoised per (text, public): the snapshot is immutable."""
        key = (ref, public)
        hit = self._ways_of.get(key)
        if hit is None:
            if len(self._ways_of) > 100_000:  # bounded: flow-log attribution sees many addresses
                self._ways_of.clear()
            hit = self._ways_of[key] = self._find_ways(ref, public)
        return hit

    def _find_ways(
        self, ref: str, public: bool
    ) -> tuple[list[tuple[str, tuple[NetworkInterface | None, Address | None]]], str]:
        lb = self.load_balancer(ref)
        if lb is None:
            return [("", self.resolve(ref))], ""
        ways: list[tuple[str, tuple[NetworkInterface | None, Address | None]]] = []
        nodes, left_out = elb_index(self.snapshot).dns_nodes(lb)
        for node in nodes:
            if node.eni is not None:
                address = node.public_ip if public and lb.internet_facing else None
                ways.append((f"node {node.zone} ({node.eni.eni_id})", (node.eni, address)))
        if not ways:
            raise QueryError(
                f"load balancer {lb.name} has no node interface in the snapshot (describe-network-interfaces)"
            )
        return ways, left_out

    def load_balancer(self, ref: str) -> LoadBalancer | None:
        """The load balancer ``ref`` names (ARN, name or DNS name), unless it names an interface, an
        instance or an address; a name shared with a ``Name`` tag is ambiguous."""
        ref = ref.strip()
        s = self.snapshot
        if not s.load_balancing.load_balancers or ref in s.interfaces or ref in s.instances:
            return None
        if ref in self._lbs:
            return self._lbs[ref]
        if len(self._lbs) > 100_000:
            self._lbs.clear()
        self._lbs[ref] = None  # an address or an unknown name (replaced below when it names one)
        try:
            Address.parse(ref)
            return None
        except ValueError:
            pass
        lb = s.load_balancing.find(ref)
        if lb is not None and ref in self._name_index() and lb.arn != ref:
            del self._lbs[ref]
            raise QueryError(
                f"name {ref!r} is ambiguous: load balancer {lb.name} and "
                + ", ".join(self._name_index()[ref])
            )
        self._lbs[ref] = lb
        return lb

    def _flow(
        self,
        src: tuple[str, NetworkInterface | None, Address | None],
        dst: tuple[str, NetworkInterface | None, Address | None],
        proto: int,
        port: int | None,
        src_port: int | None,
        icmp_type: int | None,
        icmp_code: int | None,
        client_ports: str | None,
        ipv6: bool,
    ) -> tuple[Packet, PortRange, tuple[Endpoint, Endpoint]]:
        """The packet a client sends from ``src`` to ``dst``, its ephemeral ports and the endpoints."""
        src_ref, src_eni, src_addr = src
        dst_ref, dst_eni, dst_addr = dst
        if src_eni is None and src_addr is not None and not self._is_nat_address(src_addr):
            vpc = self.snapshot.vpc_of_address(src_addr)
            if vpc is not None:
                raise QueryError(
                    f"no network interface has address {src_addr} in {vpc.vpc_id}: a source is an "
                    "interface of the snapshot or an address outside every VPC"
                )
        if src_eni is None and dst_eni is None and not self._is_nat_address(dst_addr):
            raise QueryError("at least one endpoint must be in the snapshot")
        family = self._family(src_addr, dst_addr, ipv6, proto)
        src_addr = self._source_address(src_eni, src_addr, family)
        dst_addr = self._destination_address(src_eni, src_addr, dst_eni, dst_addr, family)
        if src_addr.version != dst_addr.version:
            raise QueryError(f"{src_addr} and {dst_addr} are of different IP versions")
        if proto == ICMPV6 and family == 4:
            raise QueryError("icmpv6 needs IPv6 endpoints (use --ipv6)")

        crange = self.client_ports(src_eni, client_ports)
        if src_port is not None:
            if not 0 <= src_port <= 65535:
                raise QueryError(f"--src-port {src_port} out of range 0-65535")
            crange = PortRange(src_port, src_port)
        icmp = proto in (ICMP, ICMPV6)
        itype = (8 if proto == ICMP else 128) if icmp_type is None else icmp_type
        icode = 0 if icmp_code is None else icmp_code
        ports_apply = proto in (TCP, UDP)
        if not ports_apply:
            sports = IntervalSet.single(0)
        elif crange.lo <= crange.hi:
            sports = IntervalSet(((crange.lo, crange.hi),))  # one span: nothing to normalise
        else:
            sports = IntervalSet()
        dports = IntervalSet.single(port if ports_apply and port is not None else 0)
        pkt = Packet(
            src_addr, dst_addr, proto, sports, dports,
            itype if icmp else None, icode if icmp else None,
        )  # fmt: skip
        endpoints = (
            self._endpoint(src_eni, src_addr, src_ref),
            self._endpoint(dst_eni, dst_addr, dst_ref),
        )
        return pkt, crange, endpoints

    def _explain(
        self,
        conv: Conversation,
        source: Endpoint,
        destination: Endpoint,
        crange: PortRange,
        dst_port: int | None,
    ) -> Trace:
        """The verdict of a conversation, with its explanation and flow-log records."""
        pkt, fwd, back = conv.request, conv.forward, conv.ret
        proto = pkt.protocol
        ports_apply = proto in (TCP, UDP)
        client_set = pkt.sports
        notes: tuple[str, ...] = ()
        back_events: list[EniEvent] = []
        failed = nat_failed = IntervalSet()
        if not conv.delivered:
            blocker: Blocker | None = fwd.blockers[0] if fwd.blockers else None
            verdict = Verdict.UNKNOWN if blocker is not None and blocker.unknown else Verdict.REJECT
            blockers = tuple(fwd.blockers)
            ret = Leg(False, (), True)
        elif back is None:  # nothing comes back
            verdict, blocker, blockers = Verdict.ACCEPT, None, ()
            ret = Leg(False, (), False)
            notes = ("ICMP type without a reply: only the request is traced",)
        else:
            survivors, nat_failed = conv.survivors, back.nat_failed
            if not survivors:
                verdict = Verdict.REJECT
            elif survivors == client_set and not nat_failed:
                verdict = Verdict.ACCEPT
            else:
                verdict = Verdict.PARTIAL
            if any(b.unknown for b in back.blockers) and (verdict is not Verdict.ACCEPT):
                verdict = Verdict.UNKNOWN
            blocker = None if verdict is Verdict.ACCEPT else (back.blockers[0] if back.blockers else None)
            blockers = tuple(back.blockers)
            ret = Leg(conv.returned is not None and bool(survivors), tuple(back.hops))
            back_events, failed = back.events, client_set - survivors
        icmp = is_icmp(proto)
        return Trace(
            verdict=verdict,
            source=source,
            destination=destination,
            protocol=proto,
            dst_port=dst_port,
            icmp_type=pkt.icmp_type if icmp else None,
            icmp_code=pkt.icmp_code if icmp else None,
            client_ports=crange,
            forward=Leg(conv.delivered, tuple(fwd.hops)),
            ret=ret,
            return_ports=conv.survivors,
            blocked_by=blocker,
            blockers=blockers,
            flow_logs=self._records(
                fwd.events, back_events, client_set, failed, proto, ports_apply, nat_failed
            ),
            notes=notes + tuple(conv.session.notes),
        )

    @staticmethod
    def _family(src: Address | None, dst: Address | None, ipv6: bool, proto: int) -> int:
        for a in (src, dst):
            if a is not None:
                return a.version
        return 6 if ipv6 or proto == ICMPV6 else 4

    @staticmethod
    def _source_address(eni: NetworkInterface | None, given: Address | None, family: int) -> Address:
        if eni is None:
            assert given is not None
            return given
        if given is not None and given in eni.addresses:
            return given
        pool = eni.private_ips if family == 4 else eni.ipv6_addresses
        if not pool:
            raise QueryError(f"{eni.eni_id} has no IPv{family} address")
        return pool[0]

    def _destination_address(
        self,
        src: NetworkInterface | None,
        src_addr: Address,
        dst: NetworkInterface | None,
        given: Address | None,
        family: int,
    ) -> Address:
        if dst is None:
            assert given is not None
            return given
        if given is not None:
            return given
        if family == 6:
            if not dst.ipv6_addresses:
                raise QueryError(f"{dst.eni_id} has no IPv6 address")
            return dst.ipv6_addresses[0]
        if dst.primary_ip is None:
            raise QueryError(f"{dst.eni_id} has no private IPv4 address")
        if self._connected(src, src_addr, dst):
            return dst.primary_ip
        # From outside the VPC (or an unconnected VPC) the way in is the public address.
        public = dst.public_for(dst.primary_ip)
        return public if public is not None else dst.primary_ip

    def _endpoint(self, eni: NetworkInterface | None, addr: Address, ref: str) -> Endpoint:
        if eni is None:
            return Endpoint(addr, label=str(addr))
        lb = self.load_balancer(ref)
        if lb is not None:  # a node of the load balancer the user named: its name (never remembered for
            # the interface, or a later trace naming the node's address would show it: history)
            return Endpoint(addr, eni.eni_id, eni.instance_id, lb.name)
        label = self._labels.get(eni.eni_id)
        if label is None:
            name = tag(eni.tags, "Name")
            inst = self.snapshot.instances.get(eni.instance_id or "")
            if inst is not None and inst.name:
                name = inst.name
            label = self._labels[eni.eni_id] = f"{name} ({eni.eni_id})" if name else eni.eni_id
        return Endpoint(addr, eni.eni_id, eni.instance_id, label)

    # -- flow logs -----------------------------------------------------------------------------

    def _records(
        self,
        fwd: list[EniEvent],
        back: list[EniEvent],
        client_set: IntervalSet,
        failed: IntervalSet,
        proto: int,
        ports_apply: bool,
        nat_failed: IntervalSet | None = None,
    ) -> tuple[FlowLogRecord, ...]:
        """Records of one representative conversation: a failing client port if any fail."""
        c = failed.first if failed else client_set.first
        n = nat_failed.first if nat_failed else (c if c in NAT_PORTS else 1024)
        out: list[FlowLogRecord] = []
        for ev in fwd:
            p = ev.pkt
            if ev.port_space == GENEVE_SPACE:
                out.append(self._encapsulated(ev))
                continue
            sport = (n if p.sports == NAT_PORTS and proto in (TCP, UDP) else c) if ports_apply else 0
            dport = p.dports.first if ports_apply else 0
            action = "ACCEPT" if ev.accepted else "REJECT"
            out.append(self._record(ev, sport, dport, action, proto))
        for ev in back:
            if ev.port_space == GENEVE_SPACE:
                out.append(self._encapsulated(ev))
                continue
            rep = n if ev.port_space == "nat" else c
            if ports_apply and rep not in ev.pkt.dports:
                continue  # that packet was dropped before it reached this interface: nothing logged
            sport = ev.pkt.sports.first if ports_apply else 0
            dport = rep if ports_apply else 0
            action = "ACCEPT" if (rep in ev.accepted if ports_apply else bool(ev.accepted)) else "REJECT"
            out.append(self._record(ev, sport, dport, action, proto))
        return tuple(out)

    @staticmethod
    def _encapsulated(ev: EniEvent) -> FlowLogRecord:
        """An encapsulated packet (GENEVE between a Gateway Load Balancer node and an appliance): the
        interface logs the outer header, its own protocol and ports."""
        p = ev.pkt
        action = "ACCEPT" if ev.accepted else "REJECT"
        return Engine._record(ev, p.sports.first, p.dports.first, action, p.protocol)

    @staticmethod
    def _record(ev: EniEvent, sport: int, dport: int, action: str, proto: int) -> FlowLogRecord:
        p = ev.pkt
        primary = ev.eni.primary_ip
        src, dst = p.src, p.dst
        # srcaddr/dstaddr show the ENI's primary private IPv4 for traffic not addressed to it
        # (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html)
        if ev.direction == "ingress" and primary and dst.version == 4:
            dst = primary
        if ev.direction == "egress" and primary and src.version == 4:
            src = primary
        return FlowLogRecord(
            ev.eni.eni_id, src, dst, sport, dport, proto, action, ev.direction, p.src, p.dst,
            ev.stage == "forward",
        )  # fmt: skip
