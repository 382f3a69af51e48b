"""Transit gateway semantics, pure: which route table decides, which route wins, where the packet leaves.

- The table is the one **associated with the attachment the packet entered through**; none ⇒
  ``TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION``. https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html
- Longest prefix first; for one prefix: static > prefix-list reference > VPC-propagated > Direct Connect
  gateway-propagated > Connect-propagated > VPN-propagated > peering-propagated.
  https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html (route evaluation order)
- Blackhole ⇒ ``TGW_RTB_BAD_STATE_ROUTE``; only ``active`` routes and ``available`` attachments forward.
- Propagated VPC routes are the VPC's CIDRs (derived when the snapshot lists no propagated routes).
  Routes a VPN, Direct Connect gateway or Connect attachment learns by BGP appear in no describe call
  but ``search-transit-gateway-routes``: when absent, a destination no known route covers is UNKNOWN,
  never "no route"; a destination a known route covers is routed by it under the stated assumption that
  no unlisted BGP route is more specific (``TgwDecision.assumptions``; ``strict_bgp`` turns it into
  UNKNOWN).
- VPC attachments: one subnet per Availability Zone; a source in an AZ with no attachment subnet cannot
  reach the gateway (``TGW_ROUTE_AZ_RESTRICTION``); traffic leaves into a VPC through the attachment
  subnet of the AZ it entered in (AZ affinity) unless appliance mode pins one interface per flow.
  https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html
- Which NACLs apply around a transit gateway interface: ``tgw_nacl_steps``.
  https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html

No I/O; results carry the Reachability Analyzer code and a one-line reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from vpcflow.model import (
    Address,
    AttachmentType,
    Cidr,
    Direction,
    RouteOrigin,
    Snapshot,
    Subnet,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
)


class TgwOutcome(Enum):
    FORWARD = "forward"
    DROP = "drop"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class TgwDecision:
    """What a transit gateway does with a packet for one destination, and why."""

    outcome: TgwOutcome
    code: str | None
    detail: str
    table_id: str | None = None
    route: TransitGatewayRoute | None = None
    attachment: TransitGatewayAttachment | None = None
    # statements the answer relies on that the snapshot cannot show (see module docstring)
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EffectiveTable:
    """A table's routes as the gateway uses them: listed static routes, prefix-list references,
    propagated routes (listed or derived), and the propagations whose routes the snapshot cannot show."""

    table: TransitGatewayRouteTable
    routes: tuple[TransitGatewayRoute, ...]
    # (attachment id, why its routes are unknown, the origin they would have)
    unknown_sources: tuple[tuple[str, str, RouteOrigin], ...] = ()
    # the table's static routes or propagations are missing from the snapshot altogether
    incomplete: str | None = None


@dataclass
class TransitRouting:
    """Transit gateway lookups over one snapshot (indexes built once, tables memoised)."""

    snapshot: Snapshot
    strict_bgp: bool = False
    _by_att: dict[tuple[str, str], TransitGatewayAttachment] = field(default_factory=dict)
    _vpc_atts: dict[tuple[str, str], list[TransitGatewayAttachment]] = field(default_factory=dict)
    _tables: dict[str, EffectiveTable] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, att in self.snapshot.transit_gateway_attachments.items():
            self._by_att[key] = att
            if att.vpc is not None:
                self._vpc_atts.setdefault((att.vpc.vpc_id, att.transit_gateway_id), []).append(att)

    # -- attachments ---------------------------------------------------------------------------

    def attachment(self, tgw_id: str, attachment_id: str) -> TransitGatewayAttachment | None:
        return self._by_att.get((tgw_id, attachment_id))

    def vpc_attachments(self, vpc_id: str, tgw_id: str) -> list[TransitGatewayAttachment]:
        return self._vpc_atts.get((vpc_id, tgw_id), [])

    def entry(self, vpc_id: str, tgw_id: str, source_subnet: Subnet) -> TgwDecision:
        """A packet a subnet routes to ``tgw_id``: the VPC attachment it enters through, and the AZ rule."""
        tgw = self.snapshot.transit_gateways.get(tgw_id)
        if tgw is not None and not tgw.available:
            return TgwDecision(TgwOutcome.DROP, "BAD_STATE", f"transit gateway {tgw_id} is {tgw.state}")
        atts = self.vpc_attachments(vpc_id, tgw_id)
        live = [a for a in atts if a.state.lower() not in ("deleted", "deleting", "rejected", "failed")]
        if not live:
            if atts or tgw is not None or any(t == tgw_id for t, _a in self._by_att):
                return TgwDecision(
                    TgwOutcome.DROP,
                    "TGW_ATTACH_VPC_AZ_RESTRICTION" if atts else "NO_ROUTE_TO_DESTINATION",
                    f"{vpc_id} has no attachment to {tgw_id}"
                    + (
                        f" in service ({', '.join(f'{a.attachment_id} {a.state}' for a in atts)})"
                        if atts
                        else ""
                    ),
                )
            return TgwDecision(
                TgwOutcome.UNKNOWN,
                "UNKNOWN_RESOURCE",
                f"transit gateway {tgw_id} and its attachments are not in the snapshot",
            )
        if len(live) > 1:
            return TgwDecision(
                TgwOutcome.UNKNOWN,
                "AMBIGUOUS_ATTACHMENT",
                f"{vpc_id} has {len(live)} attachments to {tgw_id}: "
                + ", ".join(a.attachment_id for a in live),
            )
        att = live[0]
        if not att.available:
            return TgwDecision(
                TgwOutcome.DROP, "BAD_STATE_ATTACHMENT", f"{att.attachment_id} is {att.state}", attachment=att
            )
        assert att.vpc is not None
        az = source_subnet.availability_zone
        subnets = [self.snapshot.subnets.get(s) for s in att.vpc.subnet_ids]
        if az is None or any(s is None for s in subnets):
            if source_subnet.subnet_id in att.vpc.subnet_ids:
                return TgwDecision(
                    TgwOutcome.FORWARD, None, f"enters through {att.attachment_id}", attachment=att
                )
            return TgwDecision(
                TgwOutcome.UNKNOWN,
                "UNKNOWN_RESOURCE",
                f"the Availability Zones of {att.attachment_id}'s subnets or of "
                f"{source_subnet.subnet_id} are not in the snapshot",
                attachment=att,
            )
        if not any(s is not None and s.availability_zone == az for s in subnets):
            # https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html
            return TgwDecision(
                TgwOutcome.DROP,
                "TGW_ROUTE_AZ_RESTRICTION",
                f"{att.attachment_id} has no subnet in {az} "
                f"(the Availability Zone of {source_subnet.subnet_id})",
                attachment=att,
            )
        return TgwDecision(
            TgwOutcome.FORWARD, None, f"enters through {att.attachment_id} in {az}", attachment=att
        )

    def attachment_subnet(self, att: TransitGatewayAttachment, az: str | None) -> Subnet | None:
        """The attachment's subnet in ``az`` (where its interface is), if it has one."""
        if att.vpc is None:
            return None
        for sid in att.vpc.subnet_ids:
            sub = self.snapshot.subnets.get(sid)
            if sub is not None and sub.availability_zone == az:
                return sub
        return None

    def exit_subnets(self, att: TransitGatewayAttachment, ingress_az: str | None) -> tuple[Subnet, ...]:
        """Where a packet leaving the gateway through VPC attachment ``att`` can enter the VPC.

        AZ affinity: the attachment's subnet in the AZ the packet entered the gateway in, if it has one;
        otherwise (or in appliance mode, where a flow hash picks the interface) any of its subnets — AWS
        does not say which, so callers treat differing candidates as UNKNOWN.
        https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-appliance-scenario.html
        """
        if att.vpc is None:
            return ()
        subnets = tuple(s for sid in att.vpc.subnet_ids if (s := self.snapshot.subnets.get(sid)) is not None)
        if not att.vpc.appliance_mode_support:
            same = tuple(s for s in subnets if s.availability_zone == ingress_az and ingress_az is not None)
            if same:
                return same[:1]
        return subnets

    # -- route tables --------------------------------------------------------------------------

    def table_for(self, att: TransitGatewayAttachment) -> TgwDecision:
        """The route table that routes what enters through ``att``."""
        if not att.association_known:
            return TgwDecision(
                TgwOutcome.UNKNOWN,
                "UNKNOWN_RESOURCE",
                f"the route table association of {att.attachment_id} is not in the snapshot "
                "(describe-transit-gateway-attachments)",
                attachment=att,
            )
        rtb_id = att.associated_route_table
        if rtb_id is None:
            return TgwDecision(
                TgwOutcome.DROP,
                "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION",
                f"{att.attachment_id} is associated with no transit gateway route table",
                attachment=att,
            )
        table = self.snapshot.transit_gateway_route_tables.get(rtb_id)
        if table is None:
            return TgwDecision(
                TgwOutcome.UNKNOWN,
                "UNKNOWN_RESOURCE",
                f"{att.attachment_id} is associated with {rtb_id}, which is not in the snapshot",
                table_id=rtb_id,
                attachment=att,
            )
        if not table.available:
            return TgwDecision(
                TgwOutcome.DROP, "BAD_STATE", f"route table {rtb_id} is {table.state}", table_id=rtb_id
            )
        return TgwDecision(
            TgwOutcome.FORWARD, None, f"{att.attachment_id} is associated with {rtb_id}", rtb_id
        )

    def effective(self, rtb_id: str) -> EffectiveTable | None:
        cached = self._tables.get(rtb_id)
        if cached is not None:
            return cached
        table = self.snapshot.transit_gateway_route_tables.get(rtb_id)
        if table is None:
            return None
        routes: list[TransitGatewayRoute] = [
            r for r in table.routes if r.origin is not RouteOrigin.VPC_PROPAGATED
        ]
        listed_vpc = [r for r in table.routes if r.origin is RouteOrigin.VPC_PROPAGATED]
        unknown: list[tuple[str, str, RouteOrigin]] = []
        for ref in table.prefix_list_references:
            if ref.state.lower() in ("deleted", "deleting"):
                continue
            routes.append(
                TransitGatewayRoute(
                    None,
                    (ref.attachment_id,) if ref.attachment_id and not ref.blackhole else (),
                    RouteOrigin.PREFIX_LIST,
                    "blackhole" if ref.blackhole else "active",
                    ref.prefix_list_id,
                    ref.resource_type,
                )
            )
        if table.propagated_routes_known:
            routes.extend(listed_vpc)
        else:
            for prop in table.propagations:
                if not prop.enabled:
                    continue
                derived, why = self._propagated(
                    table, prop.attachment_id, prop.resource_type, prop.resource_id
                )
                routes.extend(derived)
                if why is not None:
                    unknown.append((prop.attachment_id, why, RouteOrigin.propagated_from(prop.resource_type)))
        incomplete = None
        missing = [
            what
            for what, known in (
                (
                    "static routes (search-transit-gateway-routes)",
                    table.static_routes_known or table.propagated_routes_known,
                ),
                ("propagations (get-transit-gateway-route-table-propagations)", table.propagations_known),
            )
            if not known
        ]
        if missing:
            incomplete = f"the snapshot lacks the {' and '.join(missing)} of {rtb_id}"
        elif table.routes_truncated:
            incomplete = (
                f"search-transit-gateway-routes for {rtb_id} was truncated (AdditionalRoutesAvailable)"
            )
        eff = EffectiveTable(table, tuple(routes), tuple(unknown), incomplete)
        self._tables[rtb_id] = eff
        return eff

    def _propagated(
        self, table: TransitGatewayRouteTable, att_id: str, kind: AttachmentType, resource_id: str | None
    ) -> tuple[list[TransitGatewayRoute], str | None]:
        """Routes an attachment propagates into ``table`` that the snapshot lets us derive, and why the
        rest is unknown (None when nothing is)."""
        origin = RouteOrigin.propagated_from(kind)
        att = self._by_att.get((table.transit_gateway_id or "", att_id))
        if kind is AttachmentType.VPC:
            vpc_id = (att.vpc.vpc_id if att is not None and att.vpc is not None else None) or resource_id
            vpc = self.snapshot.vpcs.get(vpc_id or "")
            if vpc is None:
                return [], f"{att_id} propagates the CIDRs of {vpc_id}, which is not in the snapshot"
            v6 = att is not None and att.vpc is not None and att.vpc.ipv6_support
            cidrs = vpc.cidrs_v4 + (vpc.cidrs_v6 if v6 else ())
            return [TransitGatewayRoute(c, (att_id,), origin, "active", None, kind) for c in cidrs], None
        if kind is AttachmentType.VPN:
            conn = self.snapshot.vpn_connections.get(resource_id or "")
            if conn is None:
                return [], f"the routes {att_id} learns (VPN {resource_id}) are not in the snapshot"
            if not conn.available or conn.static_routes_only:
                return [], None  # a static VPN propagates nothing; its routes are static routes of the table
            if conn.tunnels and all(not t.up or t.accepted_route_count == 0 for t in conn.tunnels):
                return [], None  # no tunnel up with routes: BGP learned nothing
            return [], f"the routes {conn.vpn_connection_id} learns by BGP are not in the snapshot"
        if kind is AttachmentType.DIRECT_CONNECT_GATEWAY:
            return (
                [],
                f"the routes Direct Connect gateway {resource_id} learns by BGP are not in the snapshot",
            )
        if kind is AttachmentType.CONNECT:
            return [], f"the routes Connect attachment {att_id} learns by BGP are not in the snapshot"
        if kind.is_peering:
            if att is not None and att.peering is not None and att.peering.dynamic_routing:
                return [], f"dynamic routing over peering {att_id} is not modelled"
            return (
                [],
                None,
            )  # static peering: no propagation (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html)
        return [], f"routes propagated by {att_id} ({kind.value}) are not modelled"

    def lookup(self, rtb_id: str, dst: Address) -> TgwDecision:
        """The route of table ``rtb_id`` that carries ``dst``, by AWS's evaluation order."""
        eff = self.effective(rtb_id)
        if eff is None:
            return TgwDecision(
                TgwOutcome.UNKNOWN, "UNKNOWN_RESOURCE", f"route table {rtb_id} is not in the snapshot", rtb_id
            )
        best: list[tuple[tuple[int, int], TransitGatewayRoute]] = []
        best_key = (-1, 0)
        ambiguous_pl = False
        for route in eff.routes:
            if not (route.active or route.blackhole):
                continue  # pending, deleting, deleted: not (or no longer) in force
            for cidr in self._cidrs(route):
                if dst not in cidr:
                    continue
                key = (cidr.prefixlen, -route.origin.value)
                if key > best_key:
                    best, best_key = [(key, route)], key
                elif key == best_key and route not in (r for _k, r in best):
                    best.append((key, route))
        if eff.incomplete is not None:
            return TgwDecision(TgwOutcome.UNKNOWN, "TGW_RTB_ROUTES_ARE_UNKNOWN", eff.incomplete, rtb_id)
        assumptions: tuple[str, ...] = ()
        if eff.unknown_sources:
            whys = "; ".join(why for _a, why, _o in eff.unknown_sources)
            if not best or self.strict_bgp:
                return TgwDecision(
                    TgwOutcome.UNKNOWN,
                    "TGW_RTB_ROUTES_ARE_UNKNOWN",
                    f"no known route in {rtb_id} covers {dst}, and {whys}" if not best else whys,
                    rtb_id,
                )
            assumptions = (f"{whys}: assumed none is more specific than the route used for {dst}",)
        if not best:
            return TgwDecision(
                TgwOutcome.DROP, "TGW_RTB_CANNOT_ROUTE", f"no route in {rtb_id} covers {dst}", rtb_id
            )
        routes = [r for _k, r in best]
        if len(routes) > 1:
            targets = {r.attachment_ids for r in routes}
            ambiguous_pl = all(r.origin is RouteOrigin.PREFIX_LIST for r in routes)
            if len(targets) > 1 or any(r.blackhole for r in routes):
                return TgwDecision(
                    TgwOutcome.UNKNOWN,
                    "TGW_RTB_ROUTES_ARE_UNKNOWN",
                    f"{len(routes)} equal routes in {rtb_id} for {dst} ("
                    + "; ".join(r.label for r in routes)
                    + ")"
                    + (": overlapping prefix lists" if ambiguous_pl else ": AWS does not say which is used"),
                    rtb_id,
                )
        route = routes[0]
        if route.blackhole:
            return TgwDecision(
                TgwOutcome.DROP,
                "TGW_RTB_BAD_STATE_ROUTE",
                f"route {route.label} in {rtb_id} is a blackhole",
                rtb_id,
                route,
                assumptions=assumptions,
            )
        if len(route.attachment_ids) != 1:
            if not route.attachment_ids:
                # an active route names its attachment; without one the input contradicts itself
                return TgwDecision(
                    TgwOutcome.UNKNOWN,
                    "UNKNOWN_RESOURCE",
                    f"route {route.label} in {rtb_id} is active but names no attachment",
                    rtb_id,
                    route,
                )
            return TgwDecision(
                TgwOutcome.UNKNOWN,
                "TGW_RTB_ROUTES_ARE_UNKNOWN",
                f"route {route.label} in {rtb_id} spreads flows over "
                f"{len(route.attachment_ids)} attachments (ECMP)",
                rtb_id,
                route,
            )
        tgw_id = eff.table.transit_gateway_id or ""
        att = self._by_att.get((tgw_id, route.attachment_ids[0]))
        if att is None:
            return TgwDecision(
                TgwOutcome.UNKNOWN,
                "UNKNOWN_RESOURCE",
                f"route {route.label} in {rtb_id}: attachment {route.attachment_ids[0]} "
                "is not in the snapshot",
                rtb_id,
                route,
            )
        if not att.available:
            return TgwDecision(
                TgwOutcome.DROP,
                "BAD_STATE_ATTACHMENT",
                f"route {route.label} in {rtb_id}: {att.attachment_id} is {att.state}",
                rtb_id,
                route,
                att,
                assumptions,
            )
        return TgwDecision(
            TgwOutcome.FORWARD,
            None,
            f"route {route.label} in {rtb_id}",
            rtb_id,
            route,
            att,
            assumptions,
        )

    def _cidrs(self, route: TransitGatewayRoute) -> tuple[Cidr, ...]:
        if route.destination is not None:
            return (route.destination,)
        return self.snapshot.prefix_list_cidrs(route.prefix_list_id or "") or ()

    def route(self, ingress: TransitGatewayAttachment, dst: Address) -> TgwDecision:
        """Table of the ingress attachment, then the route for ``dst`` in it."""
        chosen = self.table_for(ingress)
        if chosen.outcome is not TgwOutcome.FORWARD or chosen.table_id is None:
            return chosen
        return self.lookup(chosen.table_id, dst)


def tgw_nacl_steps(
    endpoint_subnet: Subnet, attachment_subnet: Subnet, toward_gateway: bool
) -> tuple[tuple[Subnet, Direction], ...]:
    """Which NACL evaluations a packet meets between a resource's subnet and the transit gateway
    interface in ``attachment_subnet``: (subnet, direction) in the order they happen.

    Same subnet: toward the gateway, the subnet's NACL outbound (destination) then inbound (source);
    from the gateway to the resource, none. Different subnets: toward the gateway, the resource subnet's
    outbound then the attachment subnet's inbound; from the gateway, the attachment subnet's outbound
    then the resource subnet's inbound. https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html
    """
    if endpoint_subnet.subnet_id == attachment_subnet.subnet_id:
        if toward_gateway:
            return ((endpoint_subnet, Direction.EGRESS), (endpoint_subnet, Direction.INGRESS))
        return ()
    if toward_gateway:
        return ((endpoint_subnet, Direction.EGRESS), (attachment_subnet, Direction.INGRESS))
    return ((attachment_subnet, Direction.EGRESS), (endpoint_subnet, Direction.INGRESS))


def sg_reference_across(
    tgw_enabled: bool, attachment_enabled: bool, same_region: bool, inbound: bool
) -> bool:
    """Whether a security-group reference matches traffic that crossed a transit gateway: only inbound
    rules, same Region, and only with SecurityGroupReferencingSupport on the gateway and the attachment.
    https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-security"""
    return tgw_enabled and attachment_enabled and same_region and inbound
