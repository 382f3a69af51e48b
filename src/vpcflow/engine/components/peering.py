"""VPC peering: into the peer VPC's subnet that holds the destination, if the connection is active and
the destination is in the peer VPC's CIDRs.
https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
"""

from __future__ import annotations

from vpcflow.engine.components.base import (
    STOPPED,
    Drop,
    Forward,
    IntoSubnet,
    NotModelled,
    RouteContext,
    Step,
    Walk,
)
from vpcflow.engine.result import HopAction, HopKind


def route(walk: Walk, at: RouteContext) -> Step:
    s, pkt, route = walk.snapshot, at.pkt, at.route
    pcx = s.peerings.get(route.target_id or "")
    if pcx is None:
        return NotModelled(
            HopKind.VPC_PEERING,
            route.target_id,
            f"peering connection {route.target_id} is not in the snapshot",
            "UNKNOWN_RESOURCE",
            rule=route,
        )
    if not pcx.active:
        return Drop(
            HopKind.VPC_PEERING,
            route.target_id,
            "BAD_STATE",
            f"peering {route.target_id} is " + ("not in the snapshot" if pcx is None else f"{pcx.status}"),
            rule=route,
        )
    other = pcx.other_side(at.subnet.vpc_id)
    peer_cidrs = pcx.accepter_cidrs if other == pcx.accepter_vpc_id else pcx.requester_cidrs
    vpc = s.vpcs.get(other or "")
    if vpc is not None:
        peer_cidrs = peer_cidrs or vpc.cidrs
    if other is None or not any(pkt.dst in c for c in peer_cidrs):
        return Drop(
            HopKind.VPC_PEERING,
            pcx.pcx_id,
            "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
            f"{pkt.dst} is not in the peer VPC's CIDRs",
        )
    target = s.subnet_of_address(other, pkt.dst)
    cur = walk.leave_subnet(at.subnet, pkt)
    if cur is None:
        return STOPPED
    if target is None and (vpc is None or not any(x.vpc_id == other for x in s.subnets.values())):
        return NotModelled(
            HopKind.VPC_PEERING,
            other,
            f"the peer VPC {other} (or its subnets) is not in the snapshot",
            "UNKNOWN_RESOURCE",
        )
    if target is None:
        return Drop(
            HopKind.VPC_PEERING,
            pcx.pcx_id,
            "NO_ROUTE_TO_DESTINATION",
            f"{pkt.dst} is in no subnet of {other} (or {other} is not in the snapshot)",
        )
    walk.hop(HopKind.VPC_PEERING, pcx.pcx_id, None, HopAction.FORWARD)
    return Forward(cur, IntoSubnet(target, None))
