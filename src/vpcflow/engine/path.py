"""The packet walk: one leg of a conversation (request or response), hop by hop.

Order at each step follows aws-semantics.md §3 (an inference AWS does not publish; see docs/semantics.md):
source SG egress → route lookup in the source subnet's table → source NACL egress when the packet
leaves the subnet → gateway (IGW 1:1 NAT, NAT gateway, peering) → destination NACL ingress → destination
SG ingress. Responses pass SGs by connection tracking but must pass every NACL again.

The destination-port dimension is carried as a *set*: the request has one port; the response has the
client's whole ephemeral range, so a NACL that admits only part of it shows up as PARTIAL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import Blocker, Hop, HopAction, HopKind
from vpcflow.engine.rules import CompiledRules, FilterResult
from vpcflow.model import (
    ICMP,
    ICMPV6,
    TCP,
    UDP,
    Address,
    Cidr,
    Direction,
    NatGateway,
    NetworkAclEntry,
    NetworkInterface,
    Route,
    RouteTarget,
    SecurityGroupRule,
    Snapshot,
    Subnet,
)
from vpcflow.model.filters import CidrPeer, ports_apply

NAT_PORTS = IntervalSet.of((1024, 65535))  # NAT gateways remap source ports into this range


@dataclass(frozen=True, slots=True)
class Packet:
    src: Address
    dst: Address
    protocol: int
    sports: IntervalSet
    dports: IntervalSet
    icmp_type: int = -1
    icmp_code: int = -1


@dataclass(slots=True)
class EniEvent:
    """A packet seen by one ENI; becomes a flow-log record once a representative port is chosen."""

    eni: NetworkInterface
    direction: str  # "ingress" | "egress"
    pkt: Packet
    accepted: IntervalSet
    port_space: str  # "client" | "nat" | "fixed": which port dimension the set is in
    stage: str


@dataclass(slots=True)
class NatSession:
    nat: NatGateway
    client: Address
    client_ports: IntervalSet
    nat_ports: IntervalSet


@dataclass(slots=True)
class Session:
    """State the request leaves behind for the response (conntrack, NAT translations)."""

    tracked: set[str] = field(default_factory=set)  # ENIs whose SGs track the connection
    untracked: dict[str, SecurityGroupRule] = field(default_factory=dict)
    nat: dict[str, NatSession] = field(default_factory=dict)
    eigw_vpcs: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Arrival:
    kind: str  # "eni" | "internet"
    pkt: Packet
    eni: NetworkInterface | None = None


class LegWalker:
    """Walks one leg; collects hops, the blockers of the ports that did not get through, ENI events."""

    def __init__(self, snapshot: Snapshot, rules: CompiledRules, stage: str, session: Session) -> None:
        self.s = snapshot
        self.rules = rules
        self.stage = stage
        self.session = session
        self.reply = stage == "return"
        self.hops: list[Hop] = []
        self.blockers: list[Blocker] = []
        self.events: list[EniEvent] = []
        self.port_space = "client" if self.reply else "fixed"
        self._egress_event: EniEvent | None = None
        self._ingress_event: EniEvent | None = None
        self._visited: set[str] = set()
        self.nat_failed = IntervalSet()  # NAT-side ports whose responses die before the NAT

    # -- bookkeeping ---------------------------------------------------------------------------

    def _block(
        self,
        kind: HopKind,
        id_: str | None,
        direction: Direction | None,
        code: str,
        rule: SecurityGroupRule | NetworkAclEntry | Route | None = None,
        ports: IntervalSet | None = None,
        detail: str = "",
    ) -> None:
        shown = ports if self.reply else None
        if self.reply and self.port_space == "nat" and ports is not None:
            detail = (detail + "; " if detail else "") + f"NAT gateway source ports {ports}"
            self.nat_failed = self.nat_failed | ports
            shown = None
        self.blockers.append(Blocker(self.stage, kind, id_, direction, rule, code, shown, detail))

    def _drop(
        self,
        kind: HopKind,
        id_: str | None,
        code: str,
        detail: str,
        rule: Route | None = None,
        direction: Direction | None = None,
    ) -> None:
        self.hops.append(Hop(kind, id_, direction, HopAction.DROP, rule, detail))
        self._block(kind, id_, direction, code, rule, None, detail)
        self._settle_events(IntervalSet())

    def _settle_events(self, survivors: IntervalSet) -> None:
        if self._egress_event is not None:
            self._egress_event.accepted = self._egress_event.accepted & survivors
        if self._ingress_event is not None:
            self._ingress_event.accepted = self._ingress_event.accepted & survivors

    def _apply_filter(
        self,
        result: FilterResult,
        kind: HopKind,
        id_: str,
        direction: Direction,
        code: str,
        pkt: Packet,
        group_ids: tuple[str, ...] = (),
    ) -> Packet | None:
        """Record the hop; shrink the port set to what passed; record blockers for the rest."""
        for ports, ok, rule in result.pieces:
            if not ok:
                self._block(kind, id_, direction, code, rule, ports)
        if result.allowed:
            rule = next((r for p, ok, r in result.pieces if ok), None)
            detail = "; ".join(
                f"ports {ports} denied by "
                + (f"rule {r.number_text}" if isinstance(r, NetworkAclEntry) else "no matching rule")
                for ports, ok, r in result.pieces
                if not ok
            )
            self.hops.append(
                Hop(
                    kind,
                    id_,
                    direction,
                    HopAction.ALLOW,
                    rule,
                    detail,
                    denied_ports=result.denied or None,
                    group_ids=group_ids,
                )
            )
        else:
            rule = result.pieces[0][2] if result.pieces else None
            self.hops.append(Hop(kind, id_, direction, HopAction.DENY, rule, group_ids=group_ids))
        self._settle_events(result.allowed)
        if not result.allowed:
            return None
        if result.allowed == pkt.dports:
            return pkt
        return Packet(
            pkt.src, pkt.dst, pkt.protocol, pkt.sports, result.allowed, pkt.icmp_type, pkt.icmp_code
        )

    # -- filters -------------------------------------------------------------------------------

    def _sg(self, eni: NetworkInterface, direction: Direction, pkt: Packet) -> Packet | None:
        remote = pkt.dst if direction is Direction.EGRESS else pkt.src
        gid = ",".join(eni.group_ids) or eni.eni_id
        if self.reply and eni.eni_id in self.session.tracked:
            # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html
            self.hops.append(
                Hop(
                    HopKind.SECURITY_GROUP,
                    gid,
                    direction,
                    HopAction.ALLOW,
                    None,
                    "response to a tracked connection",
                    group_ids=eni.group_ids,
                )
            )
            return pkt
        result = self.rules.evaluate_sg(
            eni, direction, remote, pkt.protocol, pkt.dports, pkt.icmp_type, pkt.icmp_code
        )
        if self.reply and eni.eni_id in self.session.untracked:
            self.hops.append(
                Hop(
                    HopKind.SECURITY_GROUP,
                    gid,
                    direction,
                    HopAction.ALLOW if result.allowed else HopAction.DENY,
                    result.pieces[0][2] if result.pieces else None,
                    "untracked flow: the response is checked against the rules",
                    group_ids=eni.group_ids,
                )
            )
            self._settle_events(result.allowed)
            for ports, ok, rule in result.pieces:
                if not ok:
                    self._block(HopKind.SECURITY_GROUP, gid, direction, "ENI_SG_RULES_MISMATCH", rule, ports)
            return replace(pkt, dports=result.allowed) if result.allowed else None
        has_rules = bool(self.rules.sg_rules(eni, direction))
        code = "ENI_SG_RULES_MISMATCH" if has_rules else "SG_HAS_NO_RULES"
        out = self._apply_filter(result, HopKind.SECURITY_GROUP, gid, direction, code, pkt, eni.group_ids)
        if out is not None and not self.reply:
            untracked_by = self._untracked_rule(eni, direction, pkt, result)
            if untracked_by is not None:
                self.session.untracked[eni.eni_id] = untracked_by
            else:
                self.session.tracked.add(eni.eni_id)
        return out

    def _untracked_rule(
        self, eni: NetworkInterface, direction: Direction, pkt: Packet, result: FilterResult
    ) -> SecurityGroupRule | None:
        """The documented untracked case: TCP/UDP allowed to/from the whole world in one direction
        and all ports to/from the whole world in the other (ICMP is always tracked)."""
        if pkt.protocol not in (TCP, UDP):
            return None
        world_hit = next(
            (
                r
                for _p, ok, r in result.pieces
                if ok
                and isinstance(r, SecurityGroupRule)
                and isinstance(r.peer, CidrPeer)
                and r.peer.cidr.is_world
            ),
            None,
        )
        if world_hit is None:
            return None
        for rule in self.rules.sg_rules(eni, direction.opposite):
            if (
                isinstance(rule.peer, CidrPeer)
                and rule.peer.cidr.is_world
                and rule.peer.cidr.version == pkt.src.version
                and rule.protocol in (-1, pkt.protocol)
                and (
                    not ports_apply(rule.protocol)
                    or rule.ports is None
                    or (rule.ports.lo == 0 and rule.ports.hi == 65535)
                )
            ):
                return rule
        return None

    def _nacl(self, subnet: Subnet, direction: Direction, pkt: Packet) -> Packet | None:
        acl_id = self.s.acl_of_subnet.get(subnet.subnet_id)
        acl = self.s.network_acls.get(acl_id) if acl_id else None
        if acl is None:
            self._drop(
                HopKind.NETWORK_ACL,
                None,
                "SUBNET_ACL_RESTRICTION",
                f"subnet {subnet.subnet_id} has no network ACL in the snapshot",
                direction=direction,
            )
            return None
        remote = pkt.dst if direction is Direction.EGRESS else pkt.src
        result = self.rules.evaluate_nacl(
            acl, direction, remote, pkt.protocol, pkt.dports, pkt.icmp_type, pkt.icmp_code
        )
        return self._apply_filter(
            result, HopKind.NETWORK_ACL, acl.acl_id, direction, "SUBNET_ACL_RESTRICTION", pkt
        )

    # -- events --------------------------------------------------------------------------------

    def _event(self, eni: NetworkInterface, direction: str, pkt: Packet) -> EniEvent:
        ev = EniEvent(eni, direction, pkt, pkt.dports, self.port_space, self.stage)
        self.events.append(ev)
        return ev

    # -- routing -------------------------------------------------------------------------------

    def lookup_route(self, subnet: Subnet, dst: Address) -> tuple[str | None, Route | None]:
        """Longest-prefix match in the subnet's route table; local routes are always present."""
        rtb_id = self.s.route_table_of_subnet.get(subnet.subnet_id)
        rtb = self.s.route_tables.get(rtb_id) if rtb_id else None
        best: Route | None = None
        best_key = (-1, -1)
        routes: tuple[Route, ...] = rtb.routes if rtb else ()
        vpc = self.s.vpcs.get(subnet.vpc_id)
        if vpc is not None and not any(r.target is RouteTarget.LOCAL for r in routes):
            routes = routes + tuple(Route(c, RouteTarget.LOCAL, "local") for c in vpc.cidrs)
        for route in routes:
            cidrs: tuple[Cidr, ...]
            if route.destination is not None:
                cidrs = (route.destination,)
            elif route.prefix_list_id:
                cidrs = self.s.prefix_list_cidrs(route.prefix_list_id) or ()
            else:
                continue
            for cidr in cidrs:
                if dst in cidr:
                    # most specific wins; on a tie the local route, then CIDR over prefix list
                    key = (
                        cidr.prefixlen,
                        2
                        if route.target is RouteTarget.LOCAL
                        else (1 if route.destination is not None else 0),
                    )
                    if key > best_key:
                        best, best_key = route, key
        return (rtb.route_table_id if rtb else None), best

    def route_from(
        self, subnet: Subnet, pkt: Packet, origin: NetworkInterface | NatGateway | None
    ) -> Arrival | None:
        key = f"{subnet.subnet_id}>{pkt.dst}"
        if key in self._visited:
            self._drop(HopKind.ROUTE_TABLE, None, "ROUTING_LOOP", f"routing loop at {subnet.subnet_id}")
            return None
        self._visited.add(key)
        rtb_id, route = self.lookup_route(subnet, pkt.dst)
        if route is None:
            self._drop(
                HopKind.ROUTE_TABLE,
                rtb_id or subnet.subnet_id,
                "NO_ROUTE_TO_DESTINATION",
                f"no route to {pkt.dst} in {rtb_id or 'the VPC (no route table)'}",
            )
            return None
        if route.blackhole:
            self._drop(
                HopKind.ROUTE_TABLE,
                rtb_id,
                "BAD_STATE_ROUTE",
                f"route {route.label} is a blackhole (its target no longer exists)",
                rule=route,
            )
            return None
        self.hops.append(Hop(HopKind.ROUTE_TABLE, rtb_id, None, HopAction.FORWARD, route))
        target = route.target
        if target is RouteTarget.LOCAL:
            return self._local(subnet, pkt)
        if target is RouteTarget.INTERNET_GATEWAY:
            return self._to_igw(subnet, pkt, route, origin)
        if target is RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY:
            return self._to_eigw(subnet, pkt, route)
        if target is RouteTarget.NAT_GATEWAY:
            return self._to_nat(subnet, pkt, route)
        if target is RouteTarget.VPC_PEERING:
            return self._to_peering(subnet, pkt, route)
        self.hops.append(
            Hop(
                HopKind.UNSUPPORTED,
                route.target_id,
                None,
                HopAction.DROP,
                route,
                f"route target {target.value} is not modelled",
            )
        )
        self._block(
            HopKind.UNSUPPORTED,
            route.target_id,
            None,
            "UNSUPPORTED_ROUTE_TARGET",
            route,
            None,
            f"packets routed to a {target.value} ({route.target_id}) are not modelled",
        )
        return None

    def _leave_subnet(self, subnet: Subnet, pkt: Packet) -> Packet | None:
        """The subnet's NACL outbound; once past it the sender's ENI record is settled (ACCEPT)."""
        out = self._nacl(subnet, Direction.EGRESS, pkt)
        self._egress_event = None
        return out

    def _enter_subnet(self, subnet: Subnet, pkt: Packet) -> Packet | None:
        return self._nacl(subnet, Direction.INGRESS, pkt)

    def _local(self, subnet: Subnet, pkt: Packet) -> Arrival | None:
        target_sub = self.s.subnet_of_address(subnet.vpc_id, pkt.dst)
        if target_sub is None:
            self._drop(
                HopKind.ROUTE_TABLE,
                subnet.vpc_id,
                "NO_ROUTE_TO_DESTINATION",
                f"{pkt.dst} is in the VPC's CIDR but in no subnet",
            )
            return None
        return self._into_subnet(subnet, target_sub, pkt)

    def _into_subnet(self, from_sub: Subnet | None, target_sub: Subnet, pkt: Packet) -> Arrival | None:
        """Deliver inside ``target_sub``: NACLs only when the subnet boundary is crossed."""
        nat = self._nat_by_private(target_sub.vpc_id, pkt.dst)
        eni_id = self.s.eni_by_private_ip.get((target_sub.vpc_id, pkt.dst))
        eni = self.s.interfaces.get(eni_id) if eni_id else None
        crossing = from_sub is None or from_sub.subnet_id != target_sub.subnet_id
        cur = pkt
        if crossing and from_sub is not None:
            left = self._leave_subnet(from_sub, pkt)
            if left is None:
                return None
            cur = left
        # the destination ENI logs only what reached its subnet (and is rejected there, if so)
        if eni is not None and nat is None:
            self._ingress_event = self._event(eni, "ingress", cur)
        if crossing:
            entered = self._enter_subnet(target_sub, cur)
            if entered is None:
                return None
            cur = entered
        if nat is not None:
            return self._at_nat_private(nat, cur)
        if eni is None:
            self._drop(
                HopKind.NETWORK_INTERFACE,
                None,
                "NO_INTERFACE_FOR_ADDRESS",
                f"no network interface has address {pkt.dst} in {target_sub.subnet_id}",
            )
            return None
        return self._arrive(eni, cur)

    def _arrive(self, eni: NetworkInterface, pkt: Packet) -> Arrival | None:
        out = self._sg(eni, Direction.INGRESS, pkt)
        self._ingress_event = None
        if out is None:
            return None
        self.hops.append(Hop(HopKind.NETWORK_INTERFACE, eni.eni_id, Direction.INGRESS, HopAction.ALLOW))
        return Arrival("eni", out, eni)

    def _nat_by_private(self, vpc_id: str, address: Address) -> NatGateway | None:
        for nat in self.s.nat_gateways.values():
            if nat.vpc_id == vpc_id and nat.private_ip == address:
                return nat
        return None

    def _igw_of(self, vpc_id: str, egress_only: bool) -> str | None:
        for igw in self.s.internet_gateways.values():
            if igw.egress_only == egress_only and vpc_id in igw.vpc_ids:
                return igw.igw_id
        return None

    # -- gateways ------------------------------------------------------------------------------

    def _to_igw(
        self,
        subnet: Subnet,
        pkt: Packet,
        route: Route,
        origin: NetworkInterface | NatGateway | None,
    ) -> Arrival | None:
        igw_id = route.target_id
        igw = self.s.internet_gateways.get(igw_id or "")
        if igw is None or subnet.vpc_id not in igw.vpc_ids:
            self._drop(
                HopKind.INTERNET_GATEWAY,
                igw_id,
                "BAD_STATE_ATTACHMENT",
                f"internet gateway {igw_id} is not attached to {subnet.vpc_id}",
            )
            return None
        public = self._public_of(origin, pkt.src) if pkt.src.version == 4 else None
        cur = self._leave_subnet(subnet, pkt)
        if cur is None:
            return None
        if pkt.src.version == 4 and public is None:
            # https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
            self._drop(
                HopKind.INTERNET_GATEWAY,
                igw_id,
                "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                f"{pkt.src} has no public IPv4 or Elastic IP; the internet gateway cannot translate it",
            )
            return None
        if pkt.dst.is_private:
            self._drop(
                HopKind.INTERNET_GATEWAY,
                igw_id,
                "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS",
                f"{pkt.dst} is a private address; an internet gateway does not route it",
            )
            return None
        new_src = public if public is not None else pkt.src
        detail = f"source {pkt.src} → {new_src}" if new_src != pkt.src else "IPv6, no translation"
        self.hops.append(
            Hop(HopKind.INTERNET_GATEWAY, igw_id, Direction.EGRESS, HopAction.FORWARD, None, detail)
        )
        return self.from_internet(replace(cur, src=new_src))

    def _public_of(self, origin: NetworkInterface | NatGateway | None, private: Address) -> Address | None:
        if isinstance(origin, NetworkInterface):
            return origin.public_for(private)
        if isinstance(origin, NatGateway):
            return origin.public_ip if origin.connectivity == "public" else None
        return None

    def _to_eigw(self, subnet: Subnet, pkt: Packet, route: Route) -> Arrival | None:
        if pkt.dst.version != 6:
            self._drop(
                HopKind.EGRESS_ONLY_INTERNET_GATEWAY,
                route.target_id,
                "CANNOT_ROUTE",
                "an egress-only internet gateway carries IPv6 only",
                rule=route,
            )
            return None
        cur = self._leave_subnet(subnet, pkt)
        if cur is None:
            return None
        self.session.eigw_vpcs.add(subnet.vpc_id)
        self.hops.append(
            Hop(
                HopKind.EGRESS_ONLY_INTERNET_GATEWAY,
                route.target_id,
                Direction.EGRESS,
                HopAction.FORWARD,
            )
        )
        return self.from_internet(cur)

    def _to_nat(self, subnet: Subnet, pkt: Packet, route: Route) -> Arrival | None:
        nat = self.s.nat_gateways.get(route.target_id or "")
        if nat is None or nat.state != "available":
            self._drop(
                HopKind.NAT_GATEWAY,
                route.target_id,
                "BAD_STATE",
                f"NAT gateway {route.target_id} is "
                + ("not in the snapshot" if nat is None else f"in state {nat.state}"),
                rule=route,
            )
            return None
        if self.reply and nat.nat_id not in self.session.nat:
            # A response sent through a NAT gateway gets a new source address: the client drops it.
            self._drop(
                HopKind.NAT_GATEWAY,
                nat.nat_id,
                "ASYMMETRIC_RETURN_PATH",
                "the response is routed through a NAT gateway that did not carry the request",
            )
            return None
        nat_sub = self.s.subnets.get(nat.subnet_id)
        if nat_sub is None:
            self._drop(HopKind.NAT_GATEWAY, nat.nat_id, "BAD_STATE", "NAT subnet not in snapshot")
            return None
        nat_eni = self.s.interfaces.get(nat.eni_id or "")
        cur = pkt
        crossing = nat_sub.subnet_id != subnet.subnet_id
        if crossing:
            left = self._leave_subnet(subnet, pkt)
            if left is None:
                return None
            cur = left
        if nat_eni is not None:
            self._ingress_event = self._event(nat_eni, "ingress", cur)
        if crossing:
            entered = self._enter_subnet(nat_sub, cur)
            if entered is None:
                return None
            cur = entered
        self._ingress_event = None
        if cur.protocol not in (TCP, UDP, ICMP):
            # https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html
            self._drop(
                HopKind.NAT_GATEWAY,
                nat.nat_id,
                "PROTOCOL_RESTRICTION",
                "NAT gateways translate TCP, UDP and ICMP only",
            )
            return None
        if nat.private_ip is None:
            self._drop(HopKind.NAT_GATEWAY, nat.nat_id, "BAD_STATE", "NAT has no private IP")
            return None
        nat_ports = NAT_PORTS if cur.protocol in (TCP, UDP) else cur.sports
        self.session.nat[nat.nat_id] = NatSession(nat, cur.src, cur.sports, nat_ports)
        self.hops.append(
            Hop(
                HopKind.NAT_GATEWAY,
                nat.nat_id,
                None,
                HopAction.FORWARD,
                None,
                f"source {cur.src} → {nat.private_ip}, ports remapped into {nat_ports}",
            )
        )
        translated = replace(cur, src=nat.private_ip, sports=nat_ports)
        if nat_eni is not None:
            self._egress_event = self._event(nat_eni, "egress", translated)
        return self.route_from(nat_sub, translated, nat)

    def _at_nat_private(self, nat: NatGateway, pkt: Packet) -> Arrival | None:
        """A packet addressed to the NAT gateway's private IP: only responses it expects pass."""
        ses = self.session.nat.get(nat.nat_id)
        nat_eni = self.s.interfaces.get(nat.eni_id or "")
        if not self.reply or ses is None:
            self._drop(
                HopKind.NAT_GATEWAY,
                nat.nat_id,
                "NGW_UNSOLICITED_INBOUND",
                "a NAT gateway drops inbound traffic that is not a response to a connection it made",
            )
            return None
        return self._nat_reverse(nat, ses, pkt, nat_eni)

    def _nat_reverse(
        self, nat: NatGateway, ses: NatSession, pkt: Packet, nat_eni: NetworkInterface | None
    ) -> Arrival | None:
        self.hops.append(
            Hop(
                HopKind.NAT_GATEWAY,
                nat.nat_id,
                None,
                HopAction.FORWARD,
                None,
                f"destination {pkt.dst} → {ses.client} (reverse translation)",
            )
        )
        self.port_space = "client"
        back = replace(pkt, dst=ses.client, dports=ses.client_ports)
        if nat_eni is not None:
            self._egress_event = self._event(nat_eni, "egress", back)
        nat_sub = self.s.subnets[nat.subnet_id]
        return self.route_from(nat_sub, back, nat)

    def _to_peering(self, subnet: Subnet, pkt: Packet, route: Route) -> Arrival | None:
        pcx = self.s.peerings.get(route.target_id or "")
        if pcx is None or not pcx.active:
            self._drop(
                HopKind.VPC_PEERING,
                route.target_id,
                "BAD_STATE",
                f"peering {route.target_id} is "
                + ("not in the snapshot" if pcx is None else f"{pcx.status}"),
                rule=route,
            )
            return None
        other = pcx.other_side(subnet.vpc_id)
        peer_cidrs = pcx.accepter_cidrs if other == pcx.accepter_vpc_id else pcx.requester_cidrs
        vpc = self.s.vpcs.get(other or "")
        if vpc is not None:
            peer_cidrs = peer_cidrs or vpc.cidrs
        if other is None or not any(pkt.dst in c for c in peer_cidrs):
            self._drop(
                HopKind.VPC_PEERING,
                pcx.pcx_id,
                "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
                f"{pkt.dst} is not in the peer VPC's CIDRs",
            )
            return None
        target_sub = self.s.subnet_of_address(other, pkt.dst)
        if target_sub is None:
            cur = self._leave_subnet(subnet, pkt)
            if cur is None:
                return None
            self._drop(
                HopKind.VPC_PEERING,
                pcx.pcx_id,
                "NO_ROUTE_TO_DESTINATION",
                f"{pkt.dst} is in no subnet of {other} (or {other} is not in the snapshot)",
            )
            return None
        cur = self._leave_subnet(subnet, pkt)
        if cur is None:
            return None
        self.hops.append(Hop(HopKind.VPC_PEERING, pcx.pcx_id, None, HopAction.FORWARD))
        return self._into_subnet(None, target_sub, cur)

    # -- outside the VPCs ----------------------------------------------------------------------

    def from_internet(self, pkt: Packet) -> Arrival | None:
        """A packet on the internet: back into a VPC through an IGW, or delivered outside."""
        hit = self.s.eni_by_public_ip.get(pkt.dst)
        if hit is not None and self.s.interfaces[hit[0]].interface_type != "nat_gateway":
            eni = self.s.interfaces[hit[0]]
            return self._igw_in(
                eni.vpc_id, pkt, replace(pkt, dst=hit[1]), f"destination {pkt.dst} → {hit[1]}"
            )
        for nat in self.s.nat_gateways.values():
            if nat.public_ip == pkt.dst:
                igw = self._igw_of(nat.vpc_id, egress_only=False)
                if igw is None:
                    self._drop(
                        HopKind.INTERNET_GATEWAY,
                        None,
                        "NO_ATTACHED_INTERNET_GATEWAY",
                        f"{nat.vpc_id} has no internet gateway",
                    )
                    return None
                ses = self.session.nat.get(nat.nat_id)
                if not self.reply or ses is None or nat.private_ip is None:
                    self._drop(
                        HopKind.NAT_GATEWAY,
                        nat.nat_id,
                        "NGW_UNSOLICITED_INBOUND",
                        "a NAT gateway drops inbound traffic that is not a response",
                    )
                    return None
                self.hops.append(
                    Hop(
                        HopKind.INTERNET_GATEWAY,
                        igw,
                        Direction.INGRESS,
                        HopAction.FORWARD,
                        None,
                        f"destination {pkt.dst} → {nat.private_ip}",
                    )
                )
                self.port_space = "nat"
                inner = replace(pkt, dst=nat.private_ip)
                nat_eni = self.s.interfaces.get(nat.eni_id or "")
                if nat_eni is not None:
                    self._ingress_event = self._event(nat_eni, "ingress", inner)
                cur = self._enter_subnet(self.s.subnets[nat.subnet_id], inner)
                self._ingress_event = None
                if cur is None:
                    return None
                return self._nat_reverse(nat, ses, cur, nat_eni)
        if pkt.dst.version == 6:
            vpc = self.s.vpc_of_address(pkt.dst)
            if vpc is not None:
                return self._igw_in(vpc.vpc_id, pkt, pkt, "IPv6, no translation")
        vpc = self.s.vpc_of_address(pkt.dst)
        if vpc is not None or pkt.dst.is_private:
            where = f" of {vpc.vpc_id}" if vpc else ""
            self._drop(
                HopKind.INTERNET,
                None,
                "NO_ROUTE_TO_DESTINATION",
                f"{pkt.dst} is a private address{where}; it cannot be reached from the internet",
            )
            return None
        self.hops.append(Hop(HopKind.INTERNET, None, None, HopAction.FORWARD, None, f"to {pkt.dst}"))
        return Arrival("internet", pkt)

    def _igw_in(self, vpc_id: str, outer: Packet, inner: Packet, detail: str) -> Arrival | None:
        igw = self._igw_of(vpc_id, egress_only=False)
        if igw is None:
            if inner.dst.version == 6 and self.reply and vpc_id in self.session.eigw_vpcs:
                eigw = self._igw_of(vpc_id, egress_only=True)
                self.hops.append(
                    Hop(
                        HopKind.EGRESS_ONLY_INTERNET_GATEWAY,
                        eigw,
                        Direction.INGRESS,
                        HopAction.FORWARD,
                        None,
                        "response to an outbound IPv6 connection",
                    )
                )
            else:
                code = "NO_ATTACHED_INTERNET_GATEWAY"
                why = f"{vpc_id} has no internet gateway attached"
                if self._igw_of(vpc_id, egress_only=True) is not None and inner.dst.version == 6:
                    why = f"{vpc_id} has only an egress-only internet gateway: inbound IPv6 is dropped"
                self._drop(HopKind.INTERNET_GATEWAY, None, code, why)
                return None
        else:
            self.hops.append(
                Hop(
                    HopKind.INTERNET_GATEWAY,
                    igw,
                    Direction.INGRESS,
                    HopAction.FORWARD,
                    None,
                    detail,
                )
            )
        target_sub = self.s.subnet_of_address(vpc_id, inner.dst)
        if target_sub is None:
            self._drop(
                HopKind.INTERNET_GATEWAY,
                igw,
                "NO_ROUTE_TO_DESTINATION",
                f"{inner.dst} is in no subnet of {vpc_id}",
            )
            return None
        return self._into_subnet(None, target_sub, inner)

    # -- entry points --------------------------------------------------------------------------

    def from_eni(self, eni: NetworkInterface, pkt: Packet) -> Arrival | None:
        subnet = self.s.subnets.get(eni.subnet_id)
        self._egress_event = self._event(eni, "egress", pkt)
        out = self._sg(eni, Direction.EGRESS, pkt)
        if out is None:
            self._egress_event = None
            return None
        if subnet is None:
            self._drop(
                HopKind.NETWORK_INTERFACE,
                eni.eni_id,
                "BAD_STATE",
                f"subnet {eni.subnet_id} of {eni.eni_id} is not in the snapshot",
            )
            return None
        return self.route_from(subnet, out, eni)


def reply_icmp(icmp_type: int) -> int | None:
    """ICMP request types and their replies (echo, timestamp, information, address mask)."""
    return {8: 0, 13: 14, 15: 16, 17: 18, 128: 129}.get(icmp_type)


def is_icmp(protocol: int) -> bool:
    return protocol in (ICMP, ICMPV6)
