"""A node of a Classic Load Balancer (``elb describe-load-balancers``): named, not modelled.

Its listeners, security groups and instances are loaded (``model.elb.ClassicLoadBalancer``), but how it
proxies (instance protocol and port, cross-zone, its NACL rule ``ELB_ACL_RESTRICTION``) is not walked: a
packet to or from its node answers UNKNOWN naming the load balancer and its listeners.
https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-vpc-network-acls.html
"""

from __future__ import annotations

from vpcflow.engine.components.base import Landing, NotModelled, Step, Walk
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopKind
from vpcflow.model import NetworkInterface

CODE = "UNSUPPORTED_INTERFACE"


def _unknown(walk: Walk, eni: NetworkInterface) -> NotModelled:
    name = (eni.description or "")[len("ELB ") :]
    clb = walk.snapshot.load_balancing.classic.get(name)
    if clb is None:
        what = f"Classic Load Balancer {name} (not in the snapshot: elb describe-load-balancers)"
    else:
        listeners = ", ".join(
            f"{li.protocol} {li.load_balancer_port} → "
            f"{li.instance_protocol or li.protocol} {li.instance_port}"
            for li in clb.listeners
        )
        what = f"Classic Load Balancer {name} (listeners: {listeners or 'none'})"
    return NotModelled(
        HopKind.LOAD_BALANCER,
        name or eni.eni_id,
        f"{eni.eni_id} is a node of {what}: Classic Load Balancers are not modelled",
        CODE,
    )


class ClassicNode:
    logs_arrival = True

    def send(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step:
        return _unknown(walk, eni)

    def receive(self, walk: Walk, at: Landing) -> Step:
        assert at.eni is not None
        walk.settle_ingress()
        return _unknown(walk, at.eni)


NODE = ClassicNode()
