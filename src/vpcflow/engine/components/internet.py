"""The internet: a packet outside every VPC goes back in through the gateway of the address it is sent
to (an ENI's public IP, a NAT gateway's public IP, a VPC's IPv6 address), or reaches a host outside.
"""

from __future__ import annotations

from vpcflow.engine.components import internet_gateway, nat_gateway
from vpcflow.engine.components.base import Delivered, Drop, Forward, Step, Walk
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind


def on_internet(walk: Walk, pkt: Packet) -> Step:
    s = walk.snapshot
    hit = s.eni_by_public_ip.get(pkt.dst)
    if hit is not None and s.interfaces[hit[0]].interface_type != "nat_gateway":
        eni = s.interfaces[hit[0]]
        inner = pkt.with_dst(hit[1])
        return internet_gateway.enter(walk, eni.vpc_id, inner, f"destination {pkt.dst} → {hit[1]}")
    for nat in s.nat_gateways.values():
        if nat.public_ip == pkt.dst:
            return nat_gateway.from_internet(walk, nat, pkt)
    vpc = s.vpc_of_address(pkt.dst)
    if pkt.dst.version == 6 and vpc is not None:
        return internet_gateway.enter(walk, vpc.vpc_id, pkt, "IPv6, no translation")
    if vpc is not None or pkt.dst.is_private:
        where = f" of {vpc.vpc_id}" if vpc else ""
        return Drop(
            HopKind.INTERNET,
            None,
            "NO_ROUTE_TO_DESTINATION",
            f"{pkt.dst} is a private address{where}; it cannot be reached from the internet",
        )
    walk.hop(HopKind.INTERNET, None, None, HopAction.FORWARD, None, f"to {pkt.dst}")
    return Forward(pkt, Delivered(None))
