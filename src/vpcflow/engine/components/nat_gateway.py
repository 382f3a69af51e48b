"""NAT gateway: source NAT of a request (its private IP, then its public IP at the IGW for a public NAT),
source ports remapped into 1024-65535, reverse translation of the response; no security group, its
subnet's NACL on both sides; unsolicited inbound traffic dropped.
https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html
"""

from __future__ import annotations

from dataclasses import replace

from vpcflow.engine.components.base import (
    STOPPED,
    Drop,
    Forward,
    Landing,
    NotModelled,
    RouteContext,
    RouteFrom,
    Step,
    Walk,
)
from vpcflow.engine.packets import NAT_PORTS, NatSession, Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import ICMP, TCP, UDP, Direction, NatGateway, NetworkInterface


def route(walk: Walk, at: RouteContext) -> Step:
    """A packet routed to the NAT gateway: translated, then routed in the NAT's own subnet."""
    s, subnet, pkt, route_ = walk.snapshot, at.subnet, at.pkt, at.route
    nat = s.nat_gateways.get(route_.target_id or "")
    if nat is None:
        return NotModelled(
            HopKind.NAT_GATEWAY,
            route_.target_id,
            f"NAT gateway {route_.target_id} is not in the snapshot",
            "UNKNOWN_RESOURCE",
            rule=route_,
        )
    if nat.state != "available":
        return Drop(
            HopKind.NAT_GATEWAY,
            route_.target_id,
            "BAD_STATE",
            f"NAT gateway {route_.target_id} is "
            + ("not in the snapshot" if nat is None else f"in state {nat.state}"),
            rule=route_,
        )
    if walk.reply and nat.nat_id not in walk.session.nat:
        # A response sent through a NAT gateway gets a new source address: the client drops it.
        return Drop(
            HopKind.NAT_GATEWAY,
            nat.nat_id,
            "ASYMMETRIC_RETURN_PATH",
            "the response is routed through a NAT gateway that did not carry the request",
        )
    nat_sub = s.subnets.get(nat.subnet_id)
    if nat_sub is None:
        return NotModelled(
            HopKind.NAT_GATEWAY,
            nat.subnet_id,
            f"subnet {nat.subnet_id} of {nat.nat_id} is not in the snapshot",
            "UNKNOWN_RESOURCE",
        )
    nat_eni = s.interfaces.get(nat.eni_id or "")
    cur = pkt
    crossing = nat_sub.subnet_id != subnet.subnet_id
    if crossing:
        left = walk.leave_subnet(subnet, pkt)
        if left is None:
            return STOPPED
        cur = left
    if nat_eni is not None:
        walk.log_ingress(nat_eni, cur)
    if crossing:
        entered = walk.enter_subnet(nat_sub, cur)
        if entered is None:
            return STOPPED
        cur = entered
    walk.settle_ingress()
    if cur.protocol not in (TCP, UDP, ICMP):
        return Drop(
            HopKind.NAT_GATEWAY,
            nat.nat_id,
            "PROTOCOL_RESTRICTION",
            "NAT gateways translate TCP, UDP and ICMP only",
        )
    if nat.private_ip is None:
        return Drop(HopKind.NAT_GATEWAY, nat.nat_id, "BAD_STATE", "NAT has no private IP")
    nat_ports = NAT_PORTS if cur.protocol in (TCP, UDP) else cur.sports
    walk.session.nat[nat.nat_id] = NatSession(nat, cur.src, cur.sports, nat_ports)
    walk.hop(
        HopKind.NAT_GATEWAY,
        nat.nat_id,
        None,
        HopAction.FORWARD,
        None,
        f"source {cur.src} → {nat.private_ip}, ports remapped into {nat_ports}",
    )
    translated = replace(cur, src=nat.private_ip, sports=nat_ports)
    if nat_eni is not None:
        walk.log_egress(nat_eni, translated)
    return Forward(translated, RouteFrom(nat_sub, nat))


def _reverse(
    walk: Walk, nat: NatGateway, ses: NatSession, pkt: Packet, nat_eni: NetworkInterface | None
) -> Step:
    walk.hop(
        HopKind.NAT_GATEWAY,
        nat.nat_id,
        None,
        HopAction.FORWARD,
        None,
        f"destination {pkt.dst} → {ses.client} (reverse translation)",
    )
    walk.port_space = "client"
    back = replace(pkt, dst=ses.client, dports=ses.client_ports)
    if nat_eni is not None:
        walk.log_egress(nat_eni, back)
    return Forward(back, RouteFrom(walk.snapshot.subnets[nat.subnet_id], nat))


def _unsolicited(nat: NatGateway, detail: str) -> Drop:
    return Drop(HopKind.NAT_GATEWAY, nat.nat_id, "NGW_UNSOLICITED_INBOUND", detail)


class NatGatewayInterface:
    """A packet addressed to the NAT gateway's private IP: only the responses it expects pass."""

    logs_arrival = False

    def send(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step:
        return NotModelled(
            HopKind.NAT_GATEWAY,
            eni.eni_id,
            f"{eni.eni_id} is a NAT gateway's interface: it originates no traffic of its own "
            "(trace from the client behind it)",
            "UNSUPPORTED_SOURCE",
        )

    def receive(self, walk: Walk, at: Landing) -> Step:
        nat = walk.nat_by_private(at.subnet.vpc_id, at.pkt.dst)
        if nat is None:  # its interface is in the snapshot, the NAT gateway is not
            return NotModelled(
                HopKind.NAT_GATEWAY,
                at.eni.eni_id if at.eni else None,
                f"{at.pkt.dst} is a NAT gateway's interface, and that NAT gateway is not in the snapshot",
                "UNKNOWN_RESOURCE",
            )
        ses = walk.session.nat.get(nat.nat_id)
        if not walk.reply or ses is None:
            return _unsolicited(
                nat, "a NAT gateway drops inbound traffic that is not a response to a connection it made"
            )
        return _reverse(walk, nat, ses, at.pkt, walk.snapshot.interfaces.get(nat.eni_id or ""))


INTERFACE = NatGatewayInterface()


def from_internet(walk: Walk, nat: NatGateway, pkt: Packet) -> Step:
    """A packet on the internet addressed to the NAT gateway's public IP: a response comes back in."""
    s = walk.snapshot
    igw = walk.internet_gateway_of(nat.vpc_id, egress_only=False)
    if igw is None:
        return Drop(
            HopKind.INTERNET_GATEWAY,
            None,
            "NO_ATTACHED_INTERNET_GATEWAY",
            f"{nat.vpc_id} has no internet gateway",
        )
    ses = walk.session.nat.get(nat.nat_id)
    if not walk.reply or ses is None or nat.private_ip is None:
        return _unsolicited(nat, "a NAT gateway drops inbound traffic that is not a response")
    walk.hop(
        HopKind.INTERNET_GATEWAY,
        igw,
        Direction.INGRESS,
        HopAction.FORWARD,
        None,
        f"destination {pkt.dst} → {nat.private_ip}",
    )
    walk.port_space = "nat"
    inner = replace(pkt, dst=nat.private_ip)
    nat_eni = s.interfaces.get(nat.eni_id or "")
    if nat_eni is not None:
        walk.log_ingress(nat_eni, inner)
    cur = walk.enter_subnet(s.subnets[nat.subnet_id], inner)
    walk.settle_ingress()
    if cur is None:
        return STOPPED
    return _reverse(walk, nat, ses, cur, nat_eni)
