"""A middlebox: a route (subnet or gateway route table) to a network interface or an instance.

The interface must belong to a running instance and have source/destination check disabled
(``ENI_SOURCE_DEST_CHECK_RESTRICTION``); its security groups filter the packet in and out; its subnet's
NACL applies where the packet crosses a subnet boundary. What the instance's operating system does is
not in the snapshot: the walk assumes it forwards the packet unchanged and says so; a path that works only
if the instance translated addresses (a NAT instance) answers UNKNOWN; a response crossing an appliance
the request did not cross answers UNKNOWN (a stateful appliance would drop it).
https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html
https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html
"""

from __future__ import annotations

from vpcflow.engine.components.base import (
    STOPPED,
    Drop,
    Forward,
    NotModelled,
    RouteContext,
    RouteFrom,
    Step,
    Walk,
)
from vpcflow.engine.middlebox import FORWARDING_ASSUMPTION, ApplianceOutcome, appliance_for
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import Direction, NetworkInterface, Route, RouteTarget, Subnet

STATE = "appliance"  # session state: ENIs of the appliances the request crossed


def route(walk: Walk, at: RouteContext) -> Step:
    return _via(walk, at.route, at.pkt, at.subnet, None)


def from_gateway(walk: Walk, gateway_id: str, route: Route, pkt: Packet) -> Step:
    """Ingress routing from an internet or virtual private gateway to an appliance."""
    return _via(walk, route, pkt, None, gateway_id)


def _via(walk: Walk, route: Route, pkt: Packet, from_subnet: Subnet | None, gateway_id: str | None) -> Step:
    d = appliance_for(walk.snapshot, route)
    if d.outcome is ApplianceOutcome.UNKNOWN or d.eni is None:
        return NotModelled(
            HopKind.NETWORK_INTERFACE, route.target_id, d.detail, d.code or "UNKNOWN_RESOURCE", rule=route
        )
    if d.outcome is ApplianceOutcome.DROP:
        return Drop(HopKind.NETWORK_INTERFACE, d.eni.eni_id, d.code or "BAD_STATE", d.detail, rule=route)
    eni = d.eni
    if gateway_id is not None and gateway_id.startswith("igw-") and not eni.public_ips:
        # https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html
        return Drop(
            HopKind.NETWORK_INTERFACE,
            eni.eni_id,
            "INGRESS_RTB_NO_PUBLIC_IP",
            f"{eni.eni_id} has no public IP: it cannot receive traffic from the internet gateway",
        )
    return through(walk, eni, pkt, from_subnet)


def through(walk: Walk, eni: NetworkInterface, pkt: Packet, from_subnet: Subnet | None) -> Step:
    """The packet crosses appliance ``eni``: into its subnet, its security groups in and out, then routed
    by its subnet's route table."""
    s = walk.snapshot
    sub = s.subnets.get(eni.subnet_id)
    if sub is None:
        return NotModelled(
            HopKind.NETWORK_INTERFACE,
            eni.eni_id,
            f"subnet {eni.subnet_id} of {eni.eni_id} is not in the snapshot",
            "UNKNOWN_RESOURCE",
        )
    crossed = walk.session.state.setdefault(STATE, set())
    assert isinstance(crossed, set)
    if walk.reply and eni.eni_id not in crossed:
        return NotModelled(
            HopKind.NETWORK_INTERFACE,
            eni.eni_id,
            f"the response crosses appliance {eni.eni_id}, which the request did not cross: whether it "
            "forwards half a connection depends on its operating system",
            "ASYMMETRIC_RETURN_PATH",
        )
    cur = pkt
    crossing = from_subnet is None or from_subnet.subnet_id != sub.subnet_id
    if crossing and from_subnet is not None:
        left = walk.leave_subnet(from_subnet, cur)
        if left is None:
            return STOPPED
        cur = left
    walk.log_ingress(eni, cur)
    if crossing:
        entered = walk.enter_subnet(sub, cur)
        if entered is None:
            walk.settle_ingress()
            return STOPPED
        cur = entered
    inside = walk.security_groups(eni, Direction.INGRESS, cur)
    walk.settle_ingress()
    if inside is None:
        return STOPPED
    walk.hop(
        HopKind.NETWORK_INTERFACE,
        eni.eni_id,
        None,
        HopAction.FORWARD,
        None,
        f"appliance: {FORWARDING_ASSUMPTION}",
    )
    if not walk.reply:
        crossed.add(eni.eni_id)
    walk.log_egress(eni, inside)
    out = walk.security_groups(eni, Direction.EGRESS, inside)
    if out is None:
        return STOPPED
    # a packet that could only leave by an internet gateway if the instance translated its source
    _rtb, nxt = walk.lookup_route(sub, out.dst)
    if (
        nxt is not None
        and nxt.target is RouteTarget.INTERNET_GATEWAY
        and out.src.version == 4
        and out.src not in eni.private_ips
        and _owner(walk, sub.vpc_id, out) is None
    ):
        return NotModelled(
            HopKind.NETWORK_INTERFACE,
            eni.eni_id,
            f"{out.src} has no public address: it reaches the internet through {eni.eni_id} only if the "
            "instance translates it (a NAT instance), which is operating-system configuration",
            "UNSUPPORTED_NAT_INSTANCE",
        )
    # the internet gateway maps a private address to its public one whoever forwards the packet
    return Forward(out, RouteFrom(sub, _owner(walk, sub.vpc_id, out) or eni))


def _owner(walk: Walk, vpc_id: str, pkt: Packet) -> NetworkInterface | None:
    """The interface of ``vpc_id`` whose private address is the packet's source, if it has a public IP."""
    s = walk.snapshot
    eni_id = s.eni_by_private_ip.get((vpc_id, pkt.src))
    owner = s.interfaces.get(eni_id) if eni_id else None
    return owner if owner is not None and owner.public_for(pkt.src) is not None else None
