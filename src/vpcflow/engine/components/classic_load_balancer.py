"""A node of a Classic Load Balancer (``elb describe-load-balancers``): filtered at its front, not walked
behind it.

What reaches the node is decided as AWS does it: the node's security groups (a Classic Load Balancer in a
VPC always has them), then its listeners — every Classic listener (HTTP, HTTPS, TCP, SSL) is TCP, so a
packet to a port or protocol no listener takes is dropped (``ELB_LISTENERS_MISMATCH``). How it proxies
what a listener takes (instance protocol and port, cross-zone, its NACL rule ``ELB_ACL_RESTRICTION``) is
not walked: that part answers UNKNOWN naming the load balancer and its listeners, and so does a packet
the node sends itself.
https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-listener-config.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-vpc-network-acls.html
"""

from __future__ import annotations

from vpcflow.engine.components.base import STOPPED, Landing, NotModelled, Step, Walk
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopKind
from vpcflow.model import ICMP, ICMPV6, TCP, Direction, NetworkInterface

CODE = "UNSUPPORTED_INTERFACE"
LISTENERS_MISMATCH = "ELB_LISTENERS_MISMATCH"


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
        eni = at.eni
        assert eni is not None
        # the reply to a packet the node sent cannot arise (its sends are UNKNOWN); a request meets the
        # node's security groups first: a denial there is a REJECT whatever the load balancer does
        pkt: Packet | None = at.pkt
        if eni.group_ids and not walk.reply:
            pkt = walk.security_groups(eni, Direction.INGRESS, at.pkt)
        walk.settle_ingress()
        if pkt is None:
            return STOPPED
        clb = walk.snapshot.load_balancing.classic.get((eni.description or "")[len("ELB ") :])
        if clb is not None and not walk.reply and pkt.protocol not in (ICMP, ICMPV6):
            ports = IntervalSet.from_spans(
                [(li.load_balancer_port, li.load_balancer_port) for li in clb.listeners]
            )
            taken = ports if pkt.protocol == TCP else IntervalSet()
            listening = ", ".join(f"{li.protocol} {li.load_balancer_port}" for li in clb.listeners)
            out = walk.narrow(
                pkt,
                taken,
                HopKind.LOAD_BALANCER_LISTENER,
                clb.name,
                LISTENERS_MISMATCH,
                f"Classic Load Balancer {clb.name} has no listener for that protocol and port "
                f"(listeners, all TCP: {listening or 'none'})",
                Direction.INGRESS,
            )
            if out is None:
                return STOPPED
        return _unknown(walk, eni)


NODE = ClassicNode()
