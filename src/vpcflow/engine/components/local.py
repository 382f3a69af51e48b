"""The local route: delivery inside the VPC, to whatever holds the destination address."""

from __future__ import annotations

from vpcflow.engine.components.base import Drop, Forward, IntoSubnet, RouteContext, Step, Walk
from vpcflow.engine.result import HopKind


def route(walk: Walk, at: RouteContext) -> Step:
    target = walk.snapshot.subnet_of_address(at.subnet.vpc_id, at.pkt.dst)
    if target is None:
        return Drop(
            HopKind.ROUTE_TABLE,
            at.subnet.vpc_id,
            "NO_ROUTE_TO_DESTINATION",
            f"{at.pkt.dst} is in the VPC's CIDR but in no subnet",
        )
    return Forward(at.pkt, IntoSubnet(target, at.subnet))
