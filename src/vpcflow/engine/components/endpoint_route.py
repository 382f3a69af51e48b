"""A route to ``vpce-…``: the same target in a route table for three different things — a gateway endpoint
(S3, DynamoDB), a Network Firewall endpoint, or another Gateway Load Balancer endpoint. The snapshot says
which (the firewall's endpoints in describe-firewall, the endpoint type in describe-vpc-endpoints); each
is its own component."""

from __future__ import annotations

from vpcflow.engine.components import gateway_load_balancer_endpoint, network_firewall, vpc_endpoint
from vpcflow.engine.components.base import RouteContext, Step, Walk
from vpcflow.engine.packets import Packet
from vpcflow.model import Route


def route(walk: Walk, at: RouteContext) -> Step:
    vpce = at.route.target_id or ""
    if network_firewall.is_firewall_endpoint(walk, vpce):
        return network_firewall.route(walk, at)
    if gateway_load_balancer_endpoint.is_gwlb_endpoint(walk, vpce):
        return gateway_load_balancer_endpoint.route(walk, at)
    return vpc_endpoint.route(walk, at)


def from_gateway(walk: Walk, gateway_id: str, route_: Route, pkt: Packet) -> Step | None:
    """A gateway's edge route to ``vpce-…`` (firewall or Gateway Load Balancer endpoint); ``None`` when
    the endpoint is neither (the caller reports it)."""
    vpce = route_.target_id or ""
    if network_firewall.is_firewall_endpoint(walk, vpce):
        return network_firewall.from_gateway(walk, gateway_id, route_, pkt)
    if gateway_load_balancer_endpoint.is_gwlb_endpoint(walk, vpce):
        return gateway_load_balancer_endpoint.from_gateway(walk, gateway_id, route_, pkt)
    return None
