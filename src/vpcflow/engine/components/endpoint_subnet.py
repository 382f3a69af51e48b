"""A packet crossing into the subnet of an endpoint a route points to (a Network Firewall or Gateway Load
Balancer endpoint): one definition for both.

The endpoint's interface has no security groups; what it meets is the network ACLs of the way in — the
sending subnet's outbound when the packet comes from another subnet, then the endpoint subnet's inbound
(from a gateway, only the latter) — and the endpoint's interface logs the arrival, its record decided by
the endpoint subnet's NACL.
"""

from __future__ import annotations

from vpcflow.engine.components.base import Walk
from vpcflow.engine.packets import Packet
from vpcflow.model import NetworkInterface, Subnet


def enter_endpoint_subnet(
    walk: Walk, eni: NetworkInterface | None, from_subnet: Subnet | None, subnet: Subnet, pkt: Packet
) -> Packet | None:
    """``pkt`` from ``from_subnet`` (``None``: from a gateway) to the endpoint with interface ``eni`` in
    ``subnet``; ``None`` when a NACL stops every port (its blockers are recorded)."""
    crossing = from_subnet is None or from_subnet.subnet_id != subnet.subnet_id
    cur: Packet | None = pkt
    if crossing and from_subnet is not None:
        cur = walk.leave_subnet(from_subnet, pkt)
        if cur is None:
            return None
    assert cur is not None
    if eni is not None:
        walk.log_ingress(eni, cur)
    if crossing:
        cur = walk.enter_subnet(subnet, cur)
    walk.settle_ingress()
    return cur
