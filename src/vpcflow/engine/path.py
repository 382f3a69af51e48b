"""The packet walk: one leg of a conversation (request or response), hop by hop.

Order at each step follows aws-semantics.md §3 (an inference AWS does not publish; see docs/semantics.md):
source SG egress → route lookup in the source subnet's table → source NACL egress when the packet
leaves the subnet → gateway (IGW 1:1 NAT, NAT gateway, peering) → destination NACL ingress → destination
SG ingress. Responses pass SGs by connection tracking but must pass every NACL again.

The walk owns routing, the filters and the bookkeeping; every construct the packet crosses is a component
(``engine/components/``) found in ``components.registry`` by route target or by what holds the destination
address, and answers with a ``Step`` the walk follows. Whatever has no component stops as UNKNOWN.

The destination-port dimension is carried as a *set*: the request has one port; the response has the
client's whole ephemeral range, so a NACL that admits only part of it shows up as PARTIAL.
"""

from __future__ import annotations

from vpcflow.engine.components import internet, outside
from vpcflow.engine.components.base import (
    ON_INTERNET,
    STOPPED,
    Delivered,
    Drop,
    Forward,
    IntoSubnet,
    Landing,
    NotModelled,
    OnInternet,
    Origin,
    RouteContext,
    RouteFrom,
    Step,
)
from vpcflow.engine.components.interfaces import InterfaceKind, interface_kind, interface_owner
from vpcflow.engine.components.registry import INTERFACES, ROUTE_TARGETS
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.memo import put
from vpcflow.engine.packets import Arrival, EniEvent, Packet, Session
from vpcflow.engine.result import Blocker, Hop, HopAction, HopKind, RuleRef
from vpcflow.engine.rules import CompiledRules, FilterResult, sg_rule_matches_header
from vpcflow.engine.vpn import RouteChoice, select_route
from vpcflow.model import (
    TCP,
    UDP,
    Address,
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
from vpcflow.model.filters import CidrPeer, GroupPeer


class LegWalker:
    """Walks one leg; collects hops, the blockers of the ports that did not get through, ENI events.

    Implements ``components.base.Walk``: the methods components call are public; the rest is the walk's.
    """

    def __init__(self, snapshot: Snapshot, rules: CompiledRules, stage: str, session: Session) -> None:
        self.snapshot = self.s = snapshot
        self.rules = rules
        self.stage = stage
        self.session = session
        self.reply = stage == "return"
        self.hops: list[Hop] = []
        self.blockers: list[Blocker] = []
        self.events: list[EniEvent] = []
        self.port_space = "client" if self.reply else "fixed"
        # set by a gateway that discards security-group information (transit gateway without
        # SecurityGroupReferencingSupport, or across Regions): the Reachability Analyzer code to report
        self.group_refs_dropped: str | None = None
        self._egress_event: EniEvent | None = None
        self._ingress_event: EniEvent | None = None
        self._visited: set[tuple[str, Address]] = set()  # (subnet, destination) already routed from
        self.nat_failed = IntervalSet()  # NAT-side ports whose responses die before the NAT
        # every blocker with the exact port set it stopped and the port space it was in (the trace shows
        # only return-leg client ports; the reachability engine needs them all)
        self.cuts: list[tuple[IntervalSet | None, str, Blocker]] = []
        # which connection the hops belong to, when a proxy splits the conversation in two (set by the
        # component: "client → load balancer", "load balancer → target"); empty otherwise
        self.connection = ""
        # whose source ports the "nat" port space holds (a NAT gateway's, or a load balancer's)
        self.nat_label = "NAT gateway"
        self._labelled = False  # a hop carries a connection: the hops before it were labelled too

    # -- entry points --------------------------------------------------------------------------

    def from_eni(self, eni: NetworkInterface, pkt: Packet) -> Arrival | None:
        """The leg of a packet ``eni`` sends."""
        component = INTERFACES.get(self._kind(eni))
        if component is None:
            return self.follow(self._unmodelled_interface(eni, pkt, Direction.EGRESS))
        return self.follow(component.send(self, eni, pkt))

    def from_internet(self, pkt: Packet) -> Arrival | None:
        """The leg of a packet on the internet (sent by an outside host, or leaving through an IGW)."""
        return self.follow(Forward(pkt, ON_INTERNET))

    def from_outside(self, pkt: Packet, via: str | None = None) -> Arrival | None:
        """The leg of a packet from outside every VPC: on-premises (through its VPN), an AWS service
        (through a gateway endpoint), or the internet (``components.outside``)."""
        return self.follow(outside.enter(self, pkt, via))

    def follow(self, step: Step) -> Arrival | None:
        """Follow the components' steps until the packet is delivered or stopped."""
        while True:
            if isinstance(step, Forward):
                to = step.to
                if isinstance(to, RouteFrom):
                    step = self._route(to.subnet, step.pkt, to.origin)
                elif isinstance(to, IntoSubnet):
                    step = self._into_subnet(to.source, to.subnet, step.pkt)
                elif isinstance(to, OnInternet):
                    step = internet.on_internet(self, step.pkt)
                else:
                    assert isinstance(to, Delivered)
                    if to.eni is None:
                        if to.via is not None:
                            return Arrival("outside", step.pkt, None, to.via)
                        return Arrival("internet", step.pkt)
                    return Arrival("eni", step.pkt, to.eni)
            elif isinstance(step, Drop):
                self._drop(step.kind, step.id, step.code, step.detail, step.rule, step.direction)
                return None
            elif isinstance(step, NotModelled):
                self._add_hop(Hop(step.kind, step.id, None, HopAction.UNKNOWN, step.rule, step.detail))
                self._block(step.kind, step.id, None, step.code, step.rule, None, step.detail, unknown=True)
                return None
            else:  # STOPPED: a filter recorded why
                return None

    def _kind(self, eni: NetworkInterface) -> InterfaceKind:
        """``interface_kind(eni)``, once per interface and Engine."""
        kinds = self.rules.memo.interface_kinds
        hit = kinds.get(eni.eni_id)
        if hit is None:
            hit = kinds[eni.eni_id] = interface_kind(eni)
        return hit

    # -- bookkeeping ---------------------------------------------------------------------------

    def _add_hop(self, hop: Hop) -> None:
        conn = self.connection
        if conn:
            if not self._labelled:
                # hops before the first one a proxy labels belong to its first connection
                self._labelled = True
                self.hops = [_labelled(h, conn) for h in self.hops]
            if hop.connection != conn:
                hop = _labelled(hop, conn)
        self.hops.append(hop)

    def hop(
        self,
        kind: HopKind,
        id_: str | None,
        direction: Direction | None,
        action: HopAction,
        rule: RuleRef | None = None,
        detail: str = "",
    ) -> None:
        self._add_hop(Hop(kind, id_, direction, action, rule, detail, None, (), self.connection))

    def narrow(
        self,
        pkt: Packet,
        allowed: IntervalSet,
        kind: HopKind,
        id_: str | None,
        code: str,
        detail: str,
        direction: Direction | None = None,
        unknown: bool = False,
        rule: SecurityGroupRule | NetworkAclEntry | None = None,
    ) -> Packet | None:
        """A component's own filter over the destination-port set: the ports outside ``allowed`` stop
        here (one blocker for them, with ``code``; ``unknown``: their fate is not known; ``rule``: the
        rule that stops them, if one does); ``None`` when none pass."""
        denied = pkt.dports - allowed
        if not denied:
            return pkt
        self._block(kind, id_, direction, code, rule, denied, detail, unknown=unknown)
        kept = pkt.dports & allowed
        self._add_hop(
            Hop(
                kind,
                id_,
                direction,
                HopAction.ALLOW if kept else HopAction.UNKNOWN if unknown else HopAction.DROP,
                rule,
                detail,
                denied_ports=denied if kept else None,
            )
        )
        self._settle_events(kept)
        return pkt.with_dports(kept) if kept else None

    def _block(
        self,
        kind: HopKind,
        id_: str | None,
        direction: Direction | None,
        code: str,
        rule: SecurityGroupRule | NetworkAclEntry | Route | None = None,
        ports: IntervalSet | None = None,
        detail: str = "",
        unknown: bool = False,
    ) -> None:
        space = self.port_space
        shown = ports if self.reply else None
        if self.reply and space == "nat" and ports is not None:
            detail = (detail + "; " if detail else "") + f"{self.nat_label} source ports {ports}"
            self.nat_failed = self.nat_failed | ports
            shown = None
        blocker = Blocker(
            self.stage, kind, id_, direction, rule, code, shown, detail, unknown, self.connection
        )
        self.blockers.append(blocker)
        self.cuts.append((ports, space, self.blockers[-1]))

    def _drop(
        self,
        kind: HopKind,
        id_: str | None,
        code: str,
        detail: str,
        rule: Route | None = None,
        direction: Direction | None = None,
    ) -> None:
        self._add_hop(Hop(kind, id_, direction, HopAction.DROP, rule, detail))
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
        hop: Hop | None = None,
    ) -> Packet | None:
        """Record the hop (``hop``: the one ``filter_hop`` gives, already built); shrink the port set to
        what passed; record blockers for the rest."""
        for ports, ok, rule in result.pieces:
            if not ok:
                self._block(kind, id_, direction, code, rule, ports)
        if hop is None:
            hop = filter_hop(result, kind, id_, direction, group_ids, self.connection)
        self._add_hop(hop)
        allowed = result.allowed
        self._settle_events(allowed)
        if not allowed:
            return None
        if allowed.spans == pkt.dports.spans:
            return pkt
        return Packet(pkt.src, pkt.dst, pkt.protocol, pkt.sports, allowed, pkt.icmp_type, pkt.icmp_code)

    # -- filters -------------------------------------------------------------------------------

    def security_groups(self, eni: NetworkInterface, direction: Direction, pkt: Packet) -> Packet | None:
        remote = pkt.dst if direction is Direction.EGRESS else pkt.src
        gid = ",".join(eni.group_ids) or eni.eni_id
        if self.s.contradictions and self.contradicted(HopKind.NETWORK_INTERFACE, eni.eni_id, *eni.group_ids):
            return None
        if self.reply and eni.eni_id in self.session.tracked:
            # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html
            self._add_hop(
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
        refs_code = self._group_refs_lost(eni, direction, pkt)
        sender_groups = pkt.via_groups if direction is Direction.INGRESS else ()
        # the decision reads the interface's rules, the remote address, protocol, ports, ICMP header,
        # whether group references carry and the groups the sender stands for
        key = (eni.eni_id, direction is Direction.EGRESS, remote.version, remote.value, pkt.protocol,
               pkt.dports.spans, pkt.icmp_type, pkt.icmp_code, refs_code is None, sender_groups,
               self.connection)  # fmt: skip
        hit = self.rules.memo.filters.get(key)
        if hit is None:
            result = self.rules.evaluate_sg(
                eni,
                direction,
                remote,
                pkt.protocol,
                pkt.dports,
                pkt.icmp_type,
                pkt.icmp_code,
                group_refs=refs_code is None,
                sender_groups=sender_groups,
            )
            hop = None
            if not result.denied:
                hop = filter_hop(
                    result, HopKind.SECURITY_GROUP, gid, direction, eni.group_ids, self.connection
                )
            hit = (result, hop)
            if self.rules.memo.admit(key):
                put(self.rules.memo.filters, key, hit)
        result, hop = hit
        if self.reply and eni.eni_id in self.session.untracked:
            self._add_hop(
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
            return pkt.with_dports(result.allowed) if result.allowed else None
        if not result.denied:  # every port passes: no blocker, so no code to find
            out = self._apply_filter(
                result, HopKind.SECURITY_GROUP, gid, direction, "", pkt, eni.group_ids, hop
            )
            if out is not None and not self.reply:
                self._track(eni, direction, pkt, result)
            return out
        has_rules = bool(self.rules.sg_rules(eni, direction))
        code = "ENI_SG_RULES_MISMATCH" if has_rules else "SG_HAS_NO_RULES"
        if refs_code is not None:
            full = self.rules.evaluate_sg(
                eni, direction, remote, pkt.protocol, pkt.dports, pkt.icmp_type, pkt.icmp_code
            )
            if full.allowed != result.allowed:
                code = refs_code  # a group reference would have admitted it, but it does not carry over
        result = self._unknown_sg_ports(eni, direction, remote, pkt, result, gid)
        if not result.pieces:  # every denied port depends on what the snapshot lacks
            self.hops.append(
                Hop(HopKind.SECURITY_GROUP, gid, direction, HopAction.UNKNOWN, None,
                    self.blockers[-1].detail, group_ids=eni.group_ids)
            )  # fmt: skip
            self._settle_events(IntervalSet())
            return None
        out = self._apply_filter(result, HopKind.SECURITY_GROUP, gid, direction, code, pkt, eni.group_ids)
        if out is not None and not self.reply:
            self._track(eni, direction, pkt, result)
        return out

    def _track(self, eni: NetworkInterface, direction: Direction, pkt: Packet, result: FilterResult) -> None:
        """The request passed the interface's groups: the connection is tracked, unless it is one of the
        documented untracked ones."""
        untracked_by = self._untracked_rule(eni, direction, pkt, result)
        if untracked_by is not None:
            self.session.untracked[eni.eni_id] = untracked_by
        else:
            self.session.tracked.add(eni.eni_id)

    def _group_refs_lost(self, eni: NetworkInterface, direction: Direction, pkt: Packet) -> str | None:
        """Why security-group references cannot match here (the Reachability Analyzer code), or None.

        Across a transit gateway a reference works only in inbound rules, in the same Region, with
        SecurityGroupReferencingSupport on the gateway and the attachments; outbound rules never see
        across it. https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html
        """
        if direction is Direction.INGRESS:
            return self.group_refs_dropped
        if not self.rules.has_group_refs(eni, direction):
            return None  # nothing to lose: no route lookup
        subnet = self.s.subnets.get(eni.subnet_id)
        if subnet is None:
            return None
        _rtb, route = self.lookup_route(subnet, pkt.dst)
        if route is not None and route.target is RouteTarget.TRANSIT_GATEWAY:
            return "SG_REFERENCES_NOT_PRESERVED"
        return None

    def _unknown_sg_ports(
        self,
        eni: NetworkInterface,
        direction: Direction,
        remote: Address,
        pkt: Packet,
        result: FilterResult,
        gid: str,
    ) -> FilterResult:
        """Ports the known rules deny but a group or prefix list the snapshot lacks could admit: an
        UNKNOWN blocker for them (never a REJECT drawn from missing data), and the result without them.

        A group attached to the ENI but absent from the snapshot could admit anything; a rule whose
        prefix list has no entries in the snapshot could admit the ports it covers, and so could a rule
        referencing a group the snapshot lacks, for a private address no interface of the snapshot holds
        (a member in a peered VPC the snapshot does not cover)."""
        missing = [g for g in eni.group_ids if g not in self.s.security_groups]
        unknown = IntervalSet()
        why = ""
        if missing:
            unknown = result.denied
            why = (
                f"{', '.join(missing)} (attached to {eni.eni_id}) "
                f"{'is' if len(missing) == 1 else 'are'} not in the snapshot: "
                "its rules could admit these packets"
            )
        else:
            for rule in self.rules.unresolved_rules(eni, direction):
                if not sg_rule_matches_header(rule, pkt.protocol, pkt.icmp_type, pkt.icmp_code):
                    continue
                if isinstance(rule.peer, GroupPeer) and (
                    remote in self.s.enis_by_address
                    or not (remote.is_private or self.s.vpc_of_address(remote) is not None)
                ):
                    # a reference matches members' private addresses only, and the groups of an
                    # interface of the snapshot are known: only an unknown private address could match
                    continue
                hit = result.denied & self.rules.ports_of(rule)
                if hit:
                    unknown = unknown | hit
                    what = (
                        f"{remote} may be a member of {rule.peer}, which is not in the snapshot"
                        if isinstance(rule.peer, GroupPeer)
                        else f"{rule.peer}, whose entries are not in the snapshot"
                    )
                    why = f"{rule.group_id} {direction.value} #{rule.permission_index} names {what}"
        if not unknown:
            return result
        self._block(
            HopKind.SECURITY_GROUP, gid, direction, "UNKNOWN_RESOURCE", None, unknown, why, unknown=True
        )
        pieces = tuple((p - unknown, ok, r) for p, ok, r in result.pieces if ok or (p - unknown))
        return FilterResult(result.allowed, result.denied - unknown, pieces)

    def contradicted(self, kind: HopKind, *ids: str | None) -> bool:
        """If the snapshot contradicts itself about one of ``ids``: an UNKNOWN blocker naming it and why
        (``Snapshot.contradictions``), and True."""
        hit = self.s.contradiction(*ids)
        if hit is None:
            return False
        rid, why = hit
        self.hops.append(Hop(kind, rid, None, HopAction.UNKNOWN, None, why))
        self._block(kind, rid, None, "CONTRADICTORY_RESOURCE", None, None, why, unknown=True)
        self._settle_events(IntervalSet())
        return True

    def _untracked_rule(
        self, eni: NetworkInterface, direction: Direction, pkt: Packet, result: FilterResult
    ) -> SecurityGroupRule | None:
        """The documented untracked case: TCP/UDP allowed to/from the whole world in one direction
        and all ports to/from the whole world in the other (ICMP is always tracked)."""
        if pkt.protocol not in (TCP, UDP):
            return None
        # the other direction first: it is cached, and without such a rule every flow is tracked
        untracking = self.rules.world_all_ports_rule(eni, direction.opposite, pkt.src.version, pkt.protocol)
        if untracking is None:
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
        return untracking if world_hit is not None else None

    def _nacl(self, subnet: Subnet, direction: Direction, pkt: Packet) -> Packet | None:
        acl_id = self.s.acl_of_subnet.get(subnet.subnet_id)
        acl = self.s.network_acls.get(acl_id) if acl_id else None
        if self.s.contradictions and self.contradicted(HopKind.NETWORK_ACL, subnet.subnet_id, acl_id):
            return None
        if acl is None:
            if subnet.vpc_id not in self.rules.vpcs_with_acl:
                # no NACL of the VPC at all: the collector skipped them; the default NACL is assumed
                self.hops.append(
                    Hop(
                        HopKind.NETWORK_ACL,
                        None,
                        direction,
                        HopAction.ALLOW,
                        None,
                        assumed_default_acl(subnet),
                    )
                )
                return pkt
            why = (
                f"the network ACL of {subnet.subnet_id} is not in the snapshot (no association and no "
                f"default network ACL of {subnet.vpc_id})"
            )
            self.hops.append(Hop(HopKind.NETWORK_ACL, None, direction, HopAction.UNKNOWN, None, why))
            self._block(
                HopKind.NETWORK_ACL, subnet.subnet_id, direction, "UNKNOWN_RESOURCE", None, None, why, True
            )
            self._settle_events(IntervalSet())
            return None
        egress = direction is Direction.EGRESS
        remote = pkt.dst if egress else pkt.src
        # the decision and its hop read the entries, the remote address, protocol, ports and ICMP header
        key = (acl.acl_id, egress, remote.version, remote.value, pkt.protocol, pkt.dports.spans,
               pkt.icmp_type, pkt.icmp_code, self.connection)  # fmt: skip
        hit = self.rules.memo.filters.get(key)
        if hit is None:
            result = self.rules.evaluate_nacl(
                acl, direction, remote, pkt.protocol, pkt.dports, pkt.icmp_type, pkt.icmp_code
            )
            hop = filter_hop(result, HopKind.NETWORK_ACL, acl.acl_id, direction, (), self.connection)
            hit = (result, hop)
            if self.rules.memo.admit(key):
                put(self.rules.memo.filters, key, hit)
        return self._apply_filter(
            hit[0], HopKind.NETWORK_ACL, acl.acl_id, direction, "SUBNET_ACL_RESTRICTION", pkt, hop=hit[1]
        )

    def leave_subnet(self, subnet: Subnet, pkt: Packet) -> Packet | None:
        """The subnet's NACL outbound; once past it the sender's ENI record is settled (ACCEPT)."""
        out = self._nacl(subnet, Direction.EGRESS, pkt)
        self._egress_event = None
        return out

    def enter_subnet(self, subnet: Subnet, pkt: Packet) -> Packet | None:
        return self._nacl(subnet, Direction.INGRESS, pkt)

    # -- events --------------------------------------------------------------------------------

    def _event(self, eni: NetworkInterface, direction: str, pkt: Packet) -> EniEvent:
        ev = EniEvent(eni, direction, pkt, pkt.dports, self.port_space, self.stage)
        self.events.append(ev)
        return ev

    def log_ingress(self, eni: NetworkInterface, pkt: Packet) -> None:
        self._ingress_event = self._event(eni, "ingress", pkt)

    def log_egress(self, eni: NetworkInterface, pkt: Packet) -> None:
        self._egress_event = self._event(eni, "egress", pkt)

    def settle_ingress(self) -> None:
        self._ingress_event = None

    def settle(self) -> None:
        self._ingress_event = self._egress_event = None

    # -- routing -------------------------------------------------------------------------------

    def lookup_route(self, subnet: Subnet, dst: Address) -> tuple[str | None, Route | None]:
        """The route of the subnet's table for ``dst`` (``None``: none, or an ambiguous tie)."""
        rtb_id, choice = self._lookup(subnet, dst)
        return rtb_id, choice.route

    def _lookup(self, subnet: Subnet, dst: Address) -> tuple[str | None, RouteChoice]:
        """Route priority as AWS documents it (``engine.vpn.select_route``: longest prefix; local never
        overridden by a propagated route; static > prefix list > propagated); local routes are always
        present."""
        key = (subnet.subnet_id, dst)
        hit = self.rules.route_cache.get(key)
        if hit is not None:
            return hit
        rtb_id = self.s.route_table_of_subnet.get(subnet.subnet_id)
        rtb = self.s.route_tables.get(rtb_id) if rtb_id else None
        routes: tuple[Route, ...] = rtb.routes if rtb else ()
        vpc = self.s.vpcs.get(subnet.vpc_id)
        if vpc is not None and not any(r.target is RouteTarget.LOCAL for r in routes):
            routes = routes + tuple(Route(c, RouteTarget.LOCAL, "local") for c in vpc.cidrs)
        out = (rtb.route_table_id if rtb else None), select_route(routes, dst, self.s.prefix_list_cidrs)
        if len(self.rules.route_cache) > 200_000:  # bounded: flow-log attribution sees many addresses
            self.rules.route_cache.clear()
        self.rules.route_cache[key] = out
        return out

    def nat_by_private(self, vpc_id: str, address: Address) -> NatGateway | None:
        for nat in self.s.nat_gateways.values():
            if nat.vpc_id == vpc_id and nat.private_ip == address:
                return nat
        return None

    def internet_gateway_of(self, vpc_id: str, egress_only: bool) -> str | None:
        for igw in self.s.internet_gateways.values():
            if igw.egress_only == egress_only and vpc_id in igw.vpc_ids:
                return igw.igw_id
        return None

    def _route(self, subnet: Subnet, pkt: Packet, origin: Origin) -> Step:
        """The subnet's route for the packet, then the component of the route's target."""
        key = (subnet.subnet_id, pkt.dst)
        if key in self._visited:
            return Drop(HopKind.ROUTE_TABLE, None, "ROUTING_LOOP", f"routing loop at {subnet.subnet_id}")
        self._visited.add(key)
        rtb_id, choice = self._lookup(subnet, pkt.dst)
        route = choice.route
        if self.s.contradictions and self.contradicted(
            HopKind.ROUTE_TABLE, subnet.subnet_id, rtb_id, route.target_id if route else None
        ):
            return STOPPED
        if choice.ambiguous:
            return NotModelled(
                HopKind.ROUTE_TABLE,
                rtb_id,
                f"routes of {rtb_id} to {pkt.dst} tie ("
                + "; ".join(r.label for r in choice.ambiguous)
                + "): AWS picks one of overlapping prefix lists at random",
                "UNKNOWN_RESOURCE",
            )
        if choice.uncertain:
            lists = ", ".join(sorted({r.prefix_list_id or "?" for r in choice.uncertain}))
            return NotModelled(
                HopKind.ROUTE_TABLE,
                rtb_id,
                f"{rtb_id} routes prefix list {lists} but the snapshot has none of its entries: whether "
                f"{pkt.dst} is in it is unknown",
                "UNKNOWN_RESOURCE",
                rule=choice.uncertain[0],
            )
        if rtb_id is None and (route is None or route.target is not RouteTarget.LOCAL):
            # without the subnet's route table only the local route is certain (every table has it)
            return NotModelled(
                HopKind.ROUTE_TABLE,
                subnet.subnet_id,
                f"the route table of {subnet.subnet_id} is not in the snapshot: the route to {pkt.dst} "
                "is unknown",
                "UNKNOWN_RESOURCE",
            )
        if route is None:
            return Drop(
                HopKind.ROUTE_TABLE,
                rtb_id or subnet.subnet_id,
                "NO_ROUTE_TO_DESTINATION",
                f"no route to {pkt.dst} in {rtb_id or 'the VPC (no route table)'}",
            )
        if route.blackhole:
            return Drop(
                HopKind.ROUTE_TABLE,
                rtb_id,
                "BAD_STATE_ROUTE",
                f"route {route.label} is a blackhole (its target no longer exists)",
                rule=route,
            )
        detail = "" if rtb_id else f"no route table of {subnet.subnet_id} in the snapshot: the local route"
        self._add_hop(Hop(HopKind.ROUTE_TABLE, rtb_id, None, HopAction.FORWARD, route, detail))
        handler = ROUTE_TARGETS.get(route.target)
        if handler is None:
            return NotModelled(
                HopKind.UNSUPPORTED,
                route.target_id,
                f"packets routed to a {route.target.value} ({route.target_id}) are not modelled",
                rule=route,
            )
        return handler(self, RouteContext(subnet, pkt, route, rtb_id, origin))

    def _into_subnet(self, from_sub: Subnet | None, target_sub: Subnet, pkt: Packet) -> Step:
        """Deliver inside ``target_sub`` (NACLs only when the subnet boundary is crossed), to the
        component of whatever holds the destination address."""
        kind: InterfaceKind | None = None
        eni: NetworkInterface | None = None
        if self.nat_by_private(target_sub.vpc_id, pkt.dst) is not None:
            kind = InterfaceKind.NAT_GATEWAY
        eni_id = self.s.eni_by_private_ip.get((target_sub.vpc_id, pkt.dst))
        if eni_id is not None:
            eni = self.s.interfaces.get(eni_id)
            if eni is not None and kind is None:
                kind = self._kind(eni)
        component = INTERFACES.get(kind) if kind is not None else None
        crossing = from_sub is None or from_sub.subnet_id != target_sub.subnet_id
        cur = pkt
        if crossing and from_sub is not None:
            left = self.leave_subnet(from_sub, pkt)
            if left is None:
                return STOPPED
            cur = left
        # the destination ENI logs only what reached its subnet (and is rejected there, if so)
        if eni is not None and component is not None and component.logs_arrival:
            self.log_ingress(eni, cur)
        if crossing:
            entered = self.enter_subnet(target_sub, cur)
            if entered is None:
                return STOPPED
            cur = entered
        if kind is None:
            return Drop(
                HopKind.NETWORK_INTERFACE,
                None,
                "NO_INTERFACE_FOR_ADDRESS",
                f"no network interface has address {pkt.dst} in {target_sub.subnet_id}",
            )
        if component is None:
            assert eni is not None
            return self._unmodelled_interface(eni, cur, Direction.INGRESS)
        return component.receive(self, Landing(target_sub, cur, eni))

    def _unmodelled_interface(self, eni: NetworkInterface, pkt: Packet, direction: Direction) -> Step:
        """An interface whose kind has no component: its own security groups still filter what it sends
        and receives (a load balancer's, an API Gateway's: what they deny is a REJECT whatever the service
        does); what gets past them is UNKNOWN naming what the interface belongs to.
        https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html
        """
        if eni.group_ids and self.security_groups(eni, direction, pkt) is None:
            return STOPPED
        kind = interface_kind(eni)
        owner, what = interface_owner(self.s, eni)
        hop_kind = HopKind.NETWORK_INTERFACE
        if kind is InterfaceKind.LOAD_BALANCER:
            hop_kind = HopKind.LOAD_BALANCER
        elif owner.startswith("arn:") and ":network-firewall:" in owner:
            hop_kind = HopKind.NETWORK_FIREWALL
        elif owner.startswith("vpce-"):
            hop_kind = HopKind.VPC_ENDPOINT
        return NotModelled(
            hop_kind,
            owner,
            f"{what}: the packet path through it is not modelled",
            "UNSUPPORTED_INTERFACE",
        )


def filter_hop(
    result: FilterResult,
    kind: HopKind,
    id_: str,
    direction: Direction,
    group_ids: tuple[str, ...] = (),
    connection: str = "",
) -> Hop:
    """The hop of a security group or network ACL that decided ``result``."""
    if result.allowed:
        if len(result.pieces) == 1 and result.pieces[0][1]:  # every request that passes
            rule, detail = result.pieces[0][2], ""
        else:
            rule = next((r for p, ok, r in result.pieces if ok), None)
            detail = "; ".join(
                f"ports {ports} denied by "
                + (f"rule {r.number_text}" if isinstance(r, NetworkAclEntry) else "no matching rule")
                for ports, ok, r in result.pieces
                if not ok
            )
        return Hop(
            kind,
            id_,
            direction,
            HopAction.ALLOW,
            rule,
            detail,
            denied_ports=result.denied or None,
            group_ids=group_ids,
            connection=connection,
        )
    rule = result.pieces[0][2] if result.pieces else None
    return Hop(kind, id_, direction, HopAction.DENY, rule, group_ids=group_ids, connection=connection)


def _labelled(h: Hop, connection: str) -> Hop:
    """``h`` as a hop of ``connection``."""
    return Hop(h.kind, h.id, h.direction, h.action, h.rule, h.detail, h.denied_ports, h.group_ids, connection)


def assumed_default_acl(subnet: Subnet) -> str:
    """The hop detail of a subnet boundary whose VPC has no network ACL in the snapshot."""
    return (
        f"assumed: the default network ACL (allows everything) — the snapshot holds no network ACL of "
        f"{subnet.vpc_id}"
    )
