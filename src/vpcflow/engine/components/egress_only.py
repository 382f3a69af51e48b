"""Egress-only internet gateway: IPv6 out, and back in only as the response to a connection made out.
https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html
"""

from __future__ import annotations

from vpcflow.engine.components.base import (
    ON_INTERNET,
    STOPPED,
    Drop,
    Forward,
    RouteContext,
    Step,
    Walk,
)
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import Direction


def route(walk: Walk, at: RouteContext) -> Step:
    if at.pkt.dst.version != 6:
        return Drop(
            HopKind.EGRESS_ONLY_INTERNET_GATEWAY,
            at.route.target_id,
            "CANNOT_ROUTE",
            "an egress-only internet gateway carries IPv6 only",
            rule=at.route,
        )
    cur = walk.leave_subnet(at.subnet, at.pkt)
    if cur is None:
        return STOPPED
    walk.session.eigw_vpcs.add(at.subnet.vpc_id)
    walk.hop(HopKind.EGRESS_ONLY_INTERNET_GATEWAY, at.route.target_id, Direction.EGRESS, HopAction.FORWARD)
    return Forward(cur, ON_INTERNET)
