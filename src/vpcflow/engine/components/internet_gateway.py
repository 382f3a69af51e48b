"""Internet gateway: 1:1 translation of an ENI's private IPv4 to its public or Elastic IP on the way out
and back on the way in (security groups, NACLs and flow logs see the private address); IPv6 untranslated.
https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
"""

from __future__ import annotations

from vpcflow.engine.components import ingress_routing
from vpcflow.engine.components.base import (
    ON_INTERNET,
    STOPPED,
    Drop,
    Forward,
    IntoSubnet,
    NotModelled,
    Origin,
    RouteContext,
    Step,
    Walk,
)
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import Address, Direction, NatGateway, NetworkInterface, RouteTarget


def public_of(origin: Origin, private: Address) -> Address | None:
    """The public address the IGW gives ``private`` of the sender (an ENI, or a public NAT gateway)."""
    if isinstance(origin, NetworkInterface):
        return origin.public_for(private)
    if isinstance(origin, NatGateway):
        return origin.public_ip if origin.connectivity == "public" else None
    return None


def route(walk: Walk, at: RouteContext) -> Step:
    """A packet routed out through the IGW."""
    s, subnet, pkt = walk.snapshot, at.subnet, at.pkt
    igw_id = at.route.target_id
    igw = s.internet_gateways.get(igw_id or "")
    if igw is None:
        return NotModelled(
            HopKind.INTERNET_GATEWAY,
            igw_id,
            f"internet gateway {igw_id} (route {at.route.label} of {at.route_table_id}) is not in the "
            "snapshot",
            "UNKNOWN_RESOURCE",
            rule=at.route,
        )
    if subnet.vpc_id not in igw.vpc_ids:
        return Drop(
            HopKind.INTERNET_GATEWAY,
            igw_id,
            "BAD_STATE_ATTACHMENT",
            f"internet gateway {igw_id} is not attached to {subnet.vpc_id}",
        )
    public = public_of(at.origin, pkt.src) if pkt.src.version == 4 else None
    cur = walk.leave_subnet(subnet, pkt)
    if cur is None:
        return STOPPED
    if pkt.src.version == 4 and public is None:
        return Drop(
            HopKind.INTERNET_GATEWAY,
            igw_id,
            "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
            f"{pkt.src} has no public IPv4 or Elastic IP; the internet gateway cannot translate it",
        )
    if pkt.dst.is_private:
        return Drop(
            HopKind.INTERNET_GATEWAY,
            igw_id,
            "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS",
            f"{pkt.dst} is a private address; an internet gateway does not route it",
        )
    new_src = public if public is not None else pkt.src
    detail = f"source {pkt.src} → {new_src}" if new_src != pkt.src else "IPv6, no translation"
    walk.hop(HopKind.INTERNET_GATEWAY, igw_id, Direction.EGRESS, HopAction.FORWARD, None, detail)
    return Forward(cur.with_src(new_src), ON_INTERNET)


def enter(walk: Walk, vpc_id: str, inner: Packet, detail: str) -> Step:
    """A packet from the internet entering ``vpc_id`` through its IGW, already translated to ``inner``
    (or, on the return leg of an outbound IPv6 connection, through its egress-only IGW)."""
    igw = walk.internet_gateway_of(vpc_id, egress_only=False)
    if igw is None:
        if inner.dst.version == 6 and walk.reply and vpc_id in walk.session.eigw_vpcs:
            eigw = walk.internet_gateway_of(vpc_id, egress_only=True)
            walk.hop(
                HopKind.EGRESS_ONLY_INTERNET_GATEWAY,
                eigw,
                Direction.INGRESS,
                HopAction.FORWARD,
                None,
                "response to an outbound IPv6 connection",
            )
        else:
            absent = routed_absent_gateway(walk, vpc_id)
            if absent is not None:
                return NotModelled(
                    HopKind.INTERNET_GATEWAY,
                    absent,
                    f"{vpc_id} routes to internet gateway {absent}, which is not in the snapshot",
                    "UNKNOWN_RESOURCE",
                )
            why = f"{vpc_id} has no internet gateway attached"
            if walk.internet_gateway_of(vpc_id, egress_only=True) is not None and inner.dst.version == 6:
                why = f"{vpc_id} has only an egress-only internet gateway: inbound IPv6 is dropped"
            return Drop(HopKind.INTERNET_GATEWAY, None, "NO_ATTACHED_INTERNET_GATEWAY", why)
    else:
        walk.hop(HopKind.INTERNET_GATEWAY, igw, Direction.INGRESS, HopAction.FORWARD, None, detail)
        # a gateway route table edge-associated with the IGW routes what enters (ingress routing)
        redirected = ingress_routing.route_in(walk, igw, vpc_id, inner)
        if redirected is not None:
            return redirected
    target = walk.snapshot.subnet_of_address(vpc_id, inner.dst)
    if target is None:
        return Drop(
            HopKind.INTERNET_GATEWAY,
            igw,
            "NO_ROUTE_TO_DESTINATION",
            f"{inner.dst} is in no subnet of {vpc_id}",
        )
    return Forward(inner, IntoSubnet(target, None))


def routed_absent_gateway(walk: Walk, vpc_id: str) -> str | None:
    """An internet gateway a route table of ``vpc_id`` routes to but the snapshot lacks: whether it is
    attached (and lets the packet in) is unknown."""
    s = walk.snapshot
    for rtb in s.route_tables.values():
        if rtb.vpc_id != vpc_id:
            continue
        for r in rtb.routes:
            if (
                r.target is RouteTarget.INTERNET_GATEWAY
                and r.target_id
                and r.target_id not in s.internet_gateways
            ):
                return r.target_id
    return None
