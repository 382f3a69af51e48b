"""The interfaces of Gateway Load Balancer endpoints and of Gateway Load Balancer nodes, as senders and as
destinations (the packets they carry are walked by ``gateway_load_balancer_endpoint`` and
``network_firewall``, reached by routes, never by these addresses).

- An endpoint's interface (``InterfaceType gateway_load_balancer_endpoint``, Network Firewall's included) is
  a bump in the wire: it never opens a connection (``VPCE_INTRA_VPC_TRAFFIC``: the service cannot initiate
  through the endpoint, https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html),
  and what it does with a packet addressed to itself is not documented (UNKNOWN, naming it).
- A node's interface (``InterfaceType gateway_load_balancer``, ``ELB gwy/…``) sends GENEVE and health
  checks to its appliances from its own address, through no security group (a Gateway Load Balancer has
  none): it is routed like any sender. A packet addressed to it other than the answer to what it sent is
  not modelled: it takes traffic through its endpoints.
"""

from __future__ import annotations

from vpcflow.engine.components.base import (
    STOPPED,
    Delivered,
    Drop,
    Forward,
    Landing,
    NotModelled,
    Step,
    Walk,
)
from vpcflow.engine.components.host import send_from
from vpcflow.engine.components.interfaces import interface_owner
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import Direction, NetworkInterface


def _kind(owner: str) -> HopKind:
    if owner.startswith("arn:") and ":network-firewall:" in owner:
        return HopKind.NETWORK_FIREWALL
    if owner.startswith("vpce-"):
        return HopKind.GATEWAY_LOAD_BALANCER_ENDPOINT
    if owner.startswith("arn:"):
        return HopKind.LOAD_BALANCER
    return HopKind.NETWORK_INTERFACE


class EndpointInterface:
    """A Gateway Load Balancer (or Network Firewall) endpoint's interface."""

    logs_arrival = True

    def send(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step:
        owner, what = interface_owner(walk.snapshot, eni)
        return Drop(_kind(owner), owner, "VPCE_INTRA_VPC_TRAFFIC", f"{what}: it never opens connections")

    def receive(self, walk: Walk, at: Landing) -> Step:
        assert at.eni is not None
        walk.settle_ingress()
        owner, what = interface_owner(walk.snapshot, at.eni)
        return NotModelled(
            _kind(owner),
            owner,
            f"{what}: it carries what routes send it; a packet addressed to the endpoint itself is not "
            "modelled",
            "UNSUPPORTED_INTERFACE",
        )


class NodeInterface:
    """A Gateway Load Balancer node's interface."""

    logs_arrival = True

    def send(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step:
        return send_from(walk, eni, pkt, groups=bool(eni.group_ids))

    def receive(self, walk: Walk, at: Landing) -> Step:
        eni = at.eni
        assert eni is not None
        out: Packet | None = at.pkt
        if eni.group_ids:
            out = walk.security_groups(eni, Direction.INGRESS, at.pkt)
        walk.settle_ingress()
        if out is None:
            return STOPPED
        owner, what = interface_owner(walk.snapshot, eni)
        if walk.reply:  # the answer to a packet the node sent (a health check, say)
            walk.hop(HopKind.NETWORK_INTERFACE, eni.eni_id, Direction.INGRESS, HopAction.ALLOW)
            return Forward(out, Delivered(eni))
        return NotModelled(
            _kind(owner),
            owner,
            f"{what}: a Gateway Load Balancer takes traffic through its endpoints; a packet addressed to "
            "its node is not modelled",
            "UNSUPPORTED_INTERFACE",
        )


ENDPOINT = EndpointInterface()
NODE = NodeInterface()
