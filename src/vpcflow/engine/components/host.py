"""A host: an ENI that sends and receives its own traffic (an instance, or a service's interface that
behaves like one). Its security groups filter what it sends and receives; its subnet routes what it sends.
"""

from __future__ import annotations

from vpcflow.engine.components.base import (
    STOPPED,
    Delivered,
    Forward,
    Landing,
    NotModelled,
    RouteFrom,
    Step,
    Walk,
)
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import Direction, NetworkInterface


def send_from(walk: Walk, eni: NetworkInterface, pkt: Packet, *, groups: bool = True) -> Step:
    """An interface sends ``pkt`` on its own: its flow-log record, its security groups outbound (unless
    ``groups`` is false: a load balancer node without any), then its subnet's route table. A denial is a
    REJECT even where the subnet is missing (then what follows is UNKNOWN)."""
    subnet = walk.snapshot.subnets.get(eni.subnet_id)
    walk.log_egress(eni, pkt)
    out = walk.security_groups(eni, Direction.EGRESS, pkt) if groups else pkt
    if out is None:
        return STOPPED
    if subnet is None:
        return NotModelled(
            HopKind.NETWORK_INTERFACE,
            eni.subnet_id,
            f"subnet {eni.subnet_id} of {eni.eni_id} is not in the snapshot: its route table and "
            "network ACL are unknown",
            "UNKNOWN_RESOURCE",
        )
    return Forward(out, RouteFrom(subnet, eni))


class Host:
    logs_arrival = True

    def send(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step:
        return send_from(walk, eni, pkt)

    def receive(self, walk: Walk, at: Landing) -> Step:
        eni = at.eni
        assert eni is not None  # the walk hands a host only packets for its own ENI
        out = walk.security_groups(eni, Direction.INGRESS, at.pkt)
        walk.settle_ingress()
        if out is None:
            return STOPPED
        walk.hop(HopKind.NETWORK_INTERFACE, eni.eni_id, Direction.INGRESS, HopAction.ALLOW)
        return Forward(out, Delivered(eni))


COMPONENT = Host()
