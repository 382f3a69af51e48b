"""Virtual private gateway: the VPC's side of Site-to-Site VPN (and Direct Connect).

Out (a subnet routes to ``vgw-…``): the gateway must be attached to the VPC; it accepts only packets from a
private address of an interface in the VPC (``VGW_PRIVATE_IP_ASSOCIATION_FOR_EGRESS``: no transit through
a peering or another gateway); the subnet's NACL outbound; then the gateway's own choice
(``engine.vpn.vgw_decision``: prefixes it knows, tunnel health). In (from the customer network): the
gateway route table edge-associated with the gateway, if any (ingress routing), else the VPC's local
routing; the destination must be the private address of an interface in the VPC
(``VGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS``); then the destination subnet's NACL and security groups.
https://docs.aws.amazon.com/vpn/latest/s2svpn/how_it_works.html
"""

from __future__ import annotations

from vpcflow.engine.components import ingress_routing
from vpcflow.engine.components.base import (
    STOPPED,
    Delivered,
    Drop,
    Forward,
    IntoSubnet,
    NotModelled,
    RouteContext,
    Step,
    Walk,
)
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.engine.vpn import VgwOutcome, vgw_decision
from vpcflow.model import Address, Direction, VpnConnection


def _in_vpc(walk: Walk, vpc_id: str, address: Address) -> bool:
    """``address`` is the private address of an interface (or a NAT gateway) in ``vpc_id``."""
    s = walk.snapshot
    return (vpc_id, address) in s.eni_by_private_ip or walk.nat_by_private(vpc_id, address) is not None


def route(walk: Walk, at: RouteContext) -> Step:
    s, subnet, pkt = walk.snapshot, at.subnet, at.pkt
    vgw_id = at.route.target_id or ""
    vgw = s.vpn_gateways.get(vgw_id)
    if vgw is None:
        return NotModelled(
            HopKind.VIRTUAL_PRIVATE_GATEWAY,
            vgw_id,
            f"{vgw_id} is not in the snapshot",
            "UNKNOWN_RESOURCE",
            rule=at.route,
        )
    if subnet.vpc_id not in vgw.vpc_ids:
        return Drop(
            HopKind.VIRTUAL_PRIVATE_GATEWAY,
            vgw_id,
            "BAD_STATE_ATTACHMENT",
            f"{vgw_id} is not attached to {subnet.vpc_id}",
            rule=at.route,
        )
    if not _in_vpc(walk, subnet.vpc_id, pkt.src):
        return Drop(
            HopKind.VIRTUAL_PRIVATE_GATEWAY,
            vgw_id,
            "VGW_PRIVATE_IP_ASSOCIATION_FOR_EGRESS",
            f"{pkt.src} is not the private address of an interface in {subnet.vpc_id}: {vgw_id} does not "
            "carry traffic from outside its VPC",
        )
    cur = walk.leave_subnet(subnet, pkt)
    if cur is None:
        return STOPPED
    d = vgw_decision(s, vgw_id, cur.dst)
    if d.outcome is VgwOutcome.DROP:
        return Drop(HopKind.VIRTUAL_PRIVATE_GATEWAY, vgw_id, d.code or "NO_ROUTE_TO_DESTINATION", d.detail)
    if d.outcome is VgwOutcome.UNKNOWN:
        return NotModelled(HopKind.VIRTUAL_PRIVATE_GATEWAY, vgw_id, d.detail, d.code or "UNKNOWN_RESOURCE")
    via = d.connection.vpn_connection_id if d.connection is not None else vgw_id
    if s.contradictions and walk.contradicted(HopKind.VPN_CONNECTION, via):
        return STOPPED
    walk.hop(HopKind.VIRTUAL_PRIVATE_GATEWAY, vgw_id, Direction.EGRESS, HopAction.FORWARD, None, d.detail)
    if d.connection is not None:
        walk.hop(
            HopKind.VPN_CONNECTION, via, Direction.EGRESS, HopAction.FORWARD, None, "to the customer network"
        )
    return Forward(cur, Delivered(None, via))


def enter(walk: Walk, vgw_id: str, conn: VpnConnection | None, pkt: Packet) -> Step:
    """A packet from the customer network through ``vgw_id`` (over ``conn``, or Direct Connect)."""
    s = walk.snapshot
    vgw = s.vpn_gateways.get(vgw_id)
    if vgw is None:
        return NotModelled(
            HopKind.VIRTUAL_PRIVATE_GATEWAY, vgw_id, f"{vgw_id} is not in the snapshot", "UNKNOWN_RESOURCE"
        )
    if not vgw.available or not vgw.vpc_ids:
        return Drop(
            HopKind.VIRTUAL_PRIVATE_GATEWAY,
            vgw_id,
            "BAD_STATE_ATTACHMENT",
            f"{vgw_id} is {vgw.state}" + ("" if vgw.vpc_ids else " and attached to no VPC"),
        )
    vpc_id = vgw.vpc_ids[0]
    if s.contradictions and walk.contradicted(
        HopKind.VIRTUAL_PRIVATE_GATEWAY, vgw_id, conn.vpn_connection_id if conn is not None else None
    ):
        return STOPPED
    walk.hop(
        HopKind.VIRTUAL_PRIVATE_GATEWAY,
        vgw_id,
        Direction.INGRESS,
        HopAction.FORWARD,
        None,
        f"into {vpc_id}" + (f" from {conn.vpn_connection_id}" if conn is not None else ""),
    )
    redirected = ingress_routing.route_in(walk, vgw_id, vpc_id, pkt)
    if redirected is not None:
        return redirected
    if not _in_vpc(walk, vpc_id, pkt.dst):
        return Drop(
            HopKind.VIRTUAL_PRIVATE_GATEWAY,
            vgw_id,
            "VGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",
            f"{pkt.dst} is not the private address of an interface in {vpc_id}",
        )
    target = s.subnet_of_address(vpc_id, pkt.dst)
    if target is None:
        return Drop(
            HopKind.VIRTUAL_PRIVATE_GATEWAY,
            vgw_id,
            "NO_ROUTE_TO_DESTINATION",
            f"{pkt.dst} is in no subnet of {vpc_id}",
        )
    return Forward(pkt, IntoSubnet(target, None))
