"""VPC endpoints.

Gateway endpoint (a route to ``vpce-…`` for an AWS service prefix list): the packet leaves the subnet
(NACL outbound: it needs the service's CIDRs) and reaches the service if ``engine.endpoints`` lets it
through (TCP and ICMP echo, from inside the endpoint's VPC); the service's answer comes back through the
endpoint into the subnet. A Gateway Load Balancer (or Network Firewall) endpoint behind the same kind of
route hands the packet to a load balancer, which is not modelled: UNKNOWN.
https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html

Interface endpoint interfaces: a connection to one meets its security groups and reaches the service;
they never open a connection themselves (``VPCE_INTRA_VPC_TRAFFIC``).
https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
"""

from __future__ import annotations

from vpcflow.engine.components.base import (
    STOPPED,
    Delivered,
    Drop,
    Forward,
    IntoSubnet,
    Landing,
    NotModelled,
    RouteContext,
    RouteFrom,
    Step,
    Walk,
)
from vpcflow.engine.endpoints import EndpointOutcome, gateway_endpoint, interface_endpoint_of
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import Direction, NetworkInterface


def route(walk: Walk, at: RouteContext) -> Step:
    s, subnet, pkt = walk.snapshot, at.subnet, at.pkt
    vpce_id = at.route.target_id or ""
    inside = (subnet.vpc_id, pkt.src) in s.eni_by_private_ip or walk.nat_by_private(
        subnet.vpc_id, pkt.src
    ) is not None
    d = gateway_endpoint(
        s, vpce_id, at.route_table_id, subnet.vpc_id if inside else "", pkt.protocol, pkt.icmp_type
    )
    if d.outcome is EndpointOutcome.UNKNOWN:
        if d.firewall_arn is not None:
            return NotModelled(
                HopKind.NETWORK_FIREWALL,
                d.firewall_arn,
                d.detail,
                d.code or "UNKNOWN_RESOURCE",
                rule=at.route,
            )
        return NotModelled(
            HopKind.VPC_ENDPOINT, vpce_id, d.detail, d.code or "UNKNOWN_RESOURCE", rule=at.route
        )
    if d.outcome is EndpointOutcome.DROP:
        return Drop(HopKind.VPC_ENDPOINT, vpce_id, d.code or "BAD_STATE", d.detail, rule=at.route)
    cur = walk.leave_subnet(subnet, pkt)
    if cur is None:
        return STOPPED
    walk.hop(HopKind.VPC_ENDPOINT, vpce_id, Direction.EGRESS, HopAction.FORWARD, None, d.detail)
    return Forward(cur, Delivered(None, vpce_id))


def from_service(walk: Walk, vpce_id: str, pkt: Packet) -> Step:
    """The service's packet back through gateway endpoint ``vpce_id`` into its VPC."""
    s = walk.snapshot
    ep = s.vpc_endpoints.get(vpce_id)
    if ep is None:
        return NotModelled(
            HopKind.VPC_ENDPOINT, vpce_id, f"{vpce_id} is not in the snapshot", "UNKNOWN_RESOURCE"
        )
    target = s.subnet_of_address(ep.vpc_id, pkt.dst)
    if target is None:
        return Drop(
            HopKind.VPC_ENDPOINT,
            vpce_id,
            "NO_ROUTE_TO_DESTINATION",
            f"{pkt.dst} is in no subnet of {ep.vpc_id}",
        )
    walk.hop(
        HopKind.VPC_ENDPOINT,
        vpce_id,
        Direction.INGRESS,
        HopAction.FORWARD,
        None,
        f"from {ep.service_name or 'the service'}",
    )
    return Forward(pkt, IntoSubnet(target, None))


class InterfaceEndpoint:
    """The interface of an interface endpoint: answers, never initiates."""

    logs_arrival = True

    def send(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step:
        if walk.reply:  # answering a connection made to the endpoint
            out = walk.security_groups(eni, Direction.EGRESS, pkt)
            if out is None:
                return STOPPED
            sub = walk.snapshot.subnets.get(eni.subnet_id)
            if sub is None:
                return NotModelled(
                    HopKind.NETWORK_INTERFACE,
                    eni.eni_id,
                    f"subnet {eni.subnet_id} is not in the snapshot",
                    "UNKNOWN_RESOURCE",
                )
            walk.log_egress(eni, out)
            return Forward(out, RouteFrom(sub, eni))
        return Drop(
            HopKind.VPC_ENDPOINT,
            eni.eni_id,
            "VPCE_INTRA_VPC_TRAFFIC",
            f"{eni.eni_id} belongs to an interface endpoint, which never opens connections",
        )

    def receive(self, walk: Walk, at: Landing) -> Step:
        eni = at.eni
        assert eni is not None
        ep = interface_endpoint_of(walk.snapshot, eni)
        if ep is not None and not ep.available:
            walk.settle_ingress()
            return Drop(
                HopKind.VPC_ENDPOINT, ep.vpc_endpoint_id, "BAD_STATE", f"{ep.vpc_endpoint_id} is {ep.state}"
            )
        out = walk.security_groups(eni, Direction.INGRESS, at.pkt)
        walk.settle_ingress()
        if out is None:
            return STOPPED
        name = ep.vpc_endpoint_id if ep is not None else eni.eni_id
        service = (ep.service_name if ep is not None else None) or "its service"
        walk.hop(
            HopKind.VPC_ENDPOINT,
            name,
            Direction.INGRESS,
            HopAction.ALLOW,
            None,
            f"interface endpoint of {service}",
        )
        return Forward(out, Delivered(eni))


INTERFACE = InterfaceEndpoint()
