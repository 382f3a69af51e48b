"""Transit gateway: a packet a subnet routes to ``tgw-…`` enters through its VPC's attachment (the AZ
rule, the attachment subnet's NACL inbound), is routed by the table associated with that attachment, and
leaves through the chosen attachment: into a VPC through the attachment interface of the right AZ
(then routed by the attachment subnet's route table, whose NACL applies outbound unless the destination
shares its subnet), to a VPN connection (on-premises), or over a peering attachment to the other gateway.
The semantics are ``engine.transit``'s; this module walks them.
https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html
https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html

The flow-log records of the attachment interfaces are written as AWS writes them (aws-semantics.md §5.7):
the interface logs what it receives from and sends into its subnet.
"""

from __future__ import annotations

from vpcflow.engine.components.base import (
    STOPPED,
    Delivered,
    Drop,
    Forward,
    NotModelled,
    RouteContext,
    RouteFrom,
    Step,
    Walk,
)
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.engine.transit import TgwDecision, TgwOutcome, TransitRouting, transit_routing
from vpcflow.model import (
    AttachmentType,
    Direction,
    Route,
    RouteTarget,
    Snapshot,
    Subnet,
    TransitGatewayAttachment,
)

# session state key: per attachment, the exit subnet a flow used (appliance mode keeps it both ways)
STATE = "transit_gateway"
MAX_GATEWAYS = 8  # peering hops before the walk calls it a loop


def _fail(kind: HopKind, id_: str | None, d: TgwDecision, rule: Route | None = None) -> Step:
    if d.outcome is TgwOutcome.DROP:
        return Drop(kind, id_, d.code or "NO_ROUTE_TO_DESTINATION", d.detail, rule=rule)
    return NotModelled(kind, id_, d.detail, d.code or "UNKNOWN_RESOURCE", rule=rule)


def route(walk: Walk, at: RouteContext) -> Step:
    """A packet routed to a transit gateway from a subnet of an attached VPC."""
    s, subnet, pkt = walk.snapshot, at.subnet, at.pkt
    tgw_id = at.route.target_id or ""
    tr = transit_routing(s)
    entry = tr.entry(subnet.vpc_id, tgw_id, subnet)
    if entry.outcome is not TgwOutcome.FORWARD or entry.attachment is None:
        return _fail(HopKind.TRANSIT_GATEWAY, tgw_id, entry, at.route)
    att = entry.attachment
    if s.contradictions and walk.contradicted(HopKind.TRANSIT_GATEWAY, tgw_id, att.attachment_id):
        return STOPPED
    att_subnet = tr.attachment_subnet(att, subnet.availability_zone)
    if att_subnet is None:
        att_subnet = (
            s.subnets.get(subnet.subnet_id)
            if subnet.subnet_id in (att.vpc.subnet_ids if att.vpc else ())
            else None
        )
    if att_subnet is None:
        return NotModelled(
            HopKind.TRANSIT_GATEWAY_ATTACHMENT,
            att.attachment_id,
            f"the subnet of {att.attachment_id} in {subnet.availability_zone} is not in the snapshot",
            "UNKNOWN_RESOURCE",
        )
    if pkt.dst.version == 6 and att.vpc is not None and not att.vpc.ipv6_support:
        return Drop(
            HopKind.TRANSIT_GATEWAY_ATTACHMENT,
            att.attachment_id,
            "CANNOT_ROUTE",
            f"{att.attachment_id} does not carry IPv6 (Ipv6Support disabled)",
        )
    # toward the gateway: the sending subnet's NACL outbound, the attachment subnet's inbound (the same
    # NACL both ways when they are one subnet) — https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html
    cur = walk.leave_subnet(subnet, pkt)
    if cur is None:
        return STOPPED
    eni = tr.interface(att, att_subnet)
    if eni is not None:
        walk.log_ingress(eni, cur)
    entered = walk.enter_subnet(att_subnet, cur)
    walk.settle_ingress()
    if entered is None:
        return STOPPED
    walk.hop(
        HopKind.TRANSIT_GATEWAY_ATTACHMENT,
        att.attachment_id,
        Direction.INGRESS,
        HopAction.FORWARD,
        None,
        f"into {tgw_id} through {att_subnet.subnet_id} ({att_subnet.availability_zone or 'AZ unknown'})",
    )
    return cross(walk, tr, att, entered, att_subnet.availability_zone, 0)


def cross(
    walk: Walk,
    tr: TransitRouting,
    ingress: TransitGatewayAttachment,
    pkt: Packet,
    ingress_az: str | None,
    depth: int,
) -> Step:
    """Inside the gateway: the ingress attachment's table, its route, and the attachment it leaves by."""
    tgw_id = ingress.transit_gateway_id
    d = tr.route(ingress, pkt.dst)
    table_id = d.table_id
    if d.outcome is not TgwOutcome.FORWARD or d.attachment is None:
        if d.table_id is None:
            return _fail(HopKind.TRANSIT_GATEWAY_ATTACHMENT, ingress.attachment_id, d)
        return _fail(HopKind.TRANSIT_GATEWAY_ROUTE_TABLE, table_id, d)
    if walk.snapshot.contradictions and walk.contradicted(
        HopKind.TRANSIT_GATEWAY_ROUTE_TABLE, table_id, d.attachment.attachment_id, tgw_id
    ):
        return STOPPED
    detail = d.detail + ("; " + "; ".join(d.assumptions) if d.assumptions else "")
    walk.hop(HopKind.TRANSIT_GATEWAY_ROUTE_TABLE, table_id, None, HopAction.FORWARD, None, detail)
    egress = d.attachment
    if egress.attachment_id == ingress.attachment_id and egress.transit_gateway_id == tgw_id:
        return NotModelled(
            HopKind.TRANSIT_GATEWAY_ROUTE_TABLE,
            table_id,
            f"{table_id} routes {pkt.dst} back out through {egress.attachment_id}, the attachment it "
            "entered by",
            "UNKNOWN_RESOURCE",
        )
    kind = egress.resource_type
    if kind is AttachmentType.VPC:
        return _into_vpc(walk, tr, egress, pkt, ingress_az)
    if kind is AttachmentType.VPN:
        return _to_vpn(walk, egress, pkt)
    if kind.is_peering:
        other_tgw = egress.resource_id or ""
        other = tr.attachment(other_tgw, egress.attachment_id)
        if other is None:
            return NotModelled(
                HopKind.TRANSIT_GATEWAY_ATTACHMENT,
                egress.attachment_id,
                f"the peer side of {egress.attachment_id} ({other_tgw}) is not in the snapshot",
                "UNKNOWN_RESOURCE",
            )
        if not other.available:
            return Drop(
                HopKind.TRANSIT_GATEWAY_ATTACHMENT,
                egress.attachment_id,
                "BAD_STATE_ATTACHMENT",
                f"{egress.attachment_id} is {other.state} on {other_tgw}",
            )
        if depth >= MAX_GATEWAYS:
            return Drop(
                HopKind.TRANSIT_GATEWAY, tgw_id, "ROUTING_LOOP", f"{pkt.dst} loops between transit gateways"
            )
        walk.hop(
            HopKind.TRANSIT_GATEWAY_ATTACHMENT,
            egress.attachment_id,
            None,
            HopAction.FORWARD,
            None,
            f"peering {tgw_id} → {other_tgw}",
        )
        # Availability Zones do not carry over a peering (another gateway, often another Region), and
        # security-group references work only within a Region
        walk.group_refs_dropped = walk.group_refs_dropped or "SG_REFERENCES_NOT_PRESERVED"
        return cross(walk, tr, other, pkt, None, depth + 1)
    return NotModelled(
        HopKind.TRANSIT_GATEWAY_ATTACHMENT,
        egress.attachment_id,
        f"{egress.attachment_id} is a {kind.value} attachment, which is not modelled",
        "UNSUPPORTED_ROUTE_TARGET",
    )


def _into_vpc(
    walk: Walk, tr: TransitRouting, att: TransitGatewayAttachment, pkt: Packet, ingress_az: str | None
) -> Step:
    """Leave the gateway through VPC attachment ``att``: the interface of the AZ the packet entered in
    (appliance mode: the one this flow already uses, else one picked per flow)."""
    s = walk.snapshot
    state = walk.session.state.setdefault(STATE, {})
    assert isinstance(state, dict)
    pinned = state.get(att.key)
    candidates = tr.exit_subnets(att, ingress_az)
    if att.vpc is not None and att.vpc.appliance_mode_support and isinstance(pinned, str):
        candidates = tuple(c for c in candidates if c.subnet_id == pinned) or candidates
    if not candidates:
        return NotModelled(
            HopKind.TRANSIT_GATEWAY_ATTACHMENT,
            att.attachment_id,
            f"no subnet of {att.attachment_id} is in the snapshot",
            "UNKNOWN_RESOURCE",
        )
    exit_subnet = candidates[0]
    if len(candidates) > 1 and not _alike(s, candidates, pkt):
        signatures = {_what_it_meets(walk, c, pkt) for c in candidates}
        if len(signatures) > 1:
            # AWS picks the interface per flow (appliance mode) or, with none in the packet's zone, one
            # of the others: each is a way the flow can go, and every way is walked
            why = "appliance mode" if att.vpc and att.vpc.appliance_mode_support else "no subnet in its AZ"
            labels = tuple(
                f"{att.attachment_id} through {c.subnet_id} ({c.availability_zone or '?'}, {why})"
                for c in candidates
            )
            exit_subnet = candidates[walk.session.choose(f"{STATE}:{att.key}:exit", labels)]
    if not walk.reply:
        state[att.key] = exit_subnet.subnet_id
    refs = _group_refs(s, att)
    if refs is not None and walk.group_refs_dropped is None:
        walk.group_refs_dropped = refs
    eni = tr.interface(att, exit_subnet)
    walk.hop(
        HopKind.TRANSIT_GATEWAY_ATTACHMENT,
        att.attachment_id,
        Direction.EGRESS,
        HopAction.FORWARD,
        None,
        f"into {att.vpc.vpc_id if att.vpc else '?'} through {exit_subnet.subnet_id} "
        f"({exit_subnet.availability_zone or 'AZ unknown'})",
    )
    if eni is not None:
        walk.log_egress(eni, pkt)
    # routed by the attachment subnet's route table: the NACL applies outbound on the way to another
    # subnet, not at all inside the attachment subnet (tgw-nacls)
    return Forward(pkt, RouteFrom(exit_subnet, eni))


def from_vpn(walk: Walk, tgw_id: str, conn_id: str, pkt: Packet) -> Step:
    """A packet from the customer network entering transit gateway ``tgw_id`` over VPN ``conn_id``."""
    tr = transit_routing(walk.snapshot)
    att = next(
        (
            a
            for a in walk.snapshot.transit_gateway_attachments.values()
            if a.transit_gateway_id == tgw_id
            and a.resource_type is AttachmentType.VPN
            and a.resource_id == conn_id
        ),
        None,
    )
    if att is None:
        return NotModelled(
            HopKind.TRANSIT_GATEWAY,
            tgw_id,
            f"the attachment of {conn_id} to {tgw_id} is not in the snapshot",
            "UNKNOWN_RESOURCE",
        )
    if not att.available:
        return Drop(
            HopKind.TRANSIT_GATEWAY_ATTACHMENT,
            att.attachment_id,
            "BAD_STATE_ATTACHMENT",
            f"{att.attachment_id} is {att.state}",
        )
    walk.hop(
        HopKind.TRANSIT_GATEWAY_ATTACHMENT,
        att.attachment_id,
        Direction.INGRESS,
        HopAction.FORWARD,
        None,
        f"from {conn_id}",
    )
    return cross(walk, tr, att, pkt, None, 0)


def _alike(s: Snapshot, candidates: tuple[Subnet, ...], pkt: Packet) -> bool:
    """Exit subnets with the same NACL and route table, none holding the destination: interchangeable
    for any packet (the usual dedicated attachment subnets), without evaluating them."""
    first = candidates[0].subnet_id
    same = (s.acl_of_subnet.get(first), s.route_table_of_subnet.get(first))
    return all(
        (s.acl_of_subnet.get(c.subnet_id), s.route_table_of_subnet.get(c.subnet_id)) == same
        and not any(pkt.dst in x for x in c.cidrs)
        for c in candidates
    )


def _what_it_meets(walk: Walk, subnet: Subnet, pkt: Packet) -> tuple[object, ...]:
    """What an exit through ``subnet`` decides for ``pkt``: the route its table picks and, for the local
    route, which ports get into the destination's subnet (none of the NACLs inside the attachment's own
    subnet; its NACL outbound and the destination subnet's inbound otherwise). Exits that agree are
    interchangeable for this packet, whichever interface AWS picks."""
    s = walk.snapshot
    _rtb, route = walk.lookup_route(subnet, pkt.dst)
    if route is None or route.target is not RouteTarget.LOCAL:
        return ("route", route.target if route else None, route.target_id if route else None)
    dst_sub = s.subnet_of_address(subnet.vpc_id, pkt.dst)
    if dst_sub is None:
        return ("local", None)
    if dst_sub.subnet_id == subnet.subnet_id:
        return ("local", pkt.dports)
    ports = pkt.dports
    for sub, direction, remote in (
        (subnet, Direction.EGRESS, pkt.dst),
        (dst_sub, Direction.INGRESS, pkt.src),
    ):
        acl = s.network_acls.get(s.acl_of_subnet.get(sub.subnet_id) or "")
        if acl is None:
            return ("local", None, sub.subnet_id)
        ports = walk.rules.evaluate_nacl(
            acl, direction, remote, pkt.protocol, ports, pkt.icmp_type, pkt.icmp_code
        ).allowed
    return ("local", ports)


def _group_refs(s: Snapshot, egress: TransitGatewayAttachment) -> str | None:
    """Whether security-group references still match after the gateway delivers through ``egress``:
    only with SecurityGroupReferencingSupport on the gateway and the attachment (None), else the code.
    https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html"""
    tgw = s.transit_gateways.get(egress.transit_gateway_id)
    if tgw is None or not tgw.security_group_referencing_support:
        return "SG_REFERENCING_SUPPORT"
    if egress.vpc is None or not egress.vpc.security_group_referencing_support:
        return "SG_REFERENCING_SUPPORT"
    return None


def _to_vpn(walk: Walk, att: TransitGatewayAttachment, pkt: Packet) -> Step:
    conn = walk.snapshot.vpn_connections.get(att.resource_id or "")
    if conn is None:
        return NotModelled(
            HopKind.VPN_CONNECTION,
            att.resource_id,
            f"VPN connection {att.resource_id} is not in the snapshot",
            "UNKNOWN_RESOURCE",
        )
    if not conn.available:
        return Drop(
            HopKind.VPN_CONNECTION,
            conn.vpn_connection_id,
            "TGW_BAD_STATE_VPN",
            f"{conn.vpn_connection_id} is {conn.state}",
        )
    if not conn.tunnels:
        return NotModelled(
            HopKind.VPN_CONNECTION,
            conn.vpn_connection_id,
            f"the tunnel state of {conn.vpn_connection_id} is not in the snapshot (VgwTelemetry)",
            "UNKNOWN_RESOURCE",
        )
    if not conn.any_tunnel_up:
        return Drop(
            HopKind.VPN_CONNECTION,
            conn.vpn_connection_id,
            "TGW_BAD_STATE_VPN",
            f"every tunnel of {conn.vpn_connection_id} is DOWN",
        )
    walk.hop(
        HopKind.VPN_CONNECTION,
        conn.vpn_connection_id,
        Direction.EGRESS,
        HopAction.FORWARD,
        None,
        "to the customer network",
    )
    return Forward(pkt, Delivered(None, conn.vpn_connection_id))
