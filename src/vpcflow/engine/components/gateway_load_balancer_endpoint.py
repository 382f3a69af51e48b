"""A Gateway Load Balancer endpoint (not a Network Firewall one) as a route target.

The endpoint hands the packet to a Gateway Load Balancer, which sends it, GENEVE-encapsulated on UDP 6081,
to one of its appliances and takes back what the appliance returns. Which load balancer serves the
endpoint is in the endpoint service's configuration (describe-vpc-endpoint-service-configurations), and
what the appliance does with the packet is its own software's configuration: neither is in a snapshot, so
a path through the endpoint answers UNKNOWN, naming the endpoint and its service.
https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/introduction.html
"""

from __future__ import annotations

from vpcflow.engine.components.base import NotModelled, RouteContext, Step, Walk
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopKind
from vpcflow.model import EndpointType, Route

CODE = "UNSUPPORTED_ROUTE_TARGET"


def is_gwlb_endpoint(walk: Walk, vpce_id: str) -> bool:
    ep = walk.snapshot.vpc_endpoints.get(vpce_id)
    return ep is not None and ep.endpoint_type is EndpointType.GATEWAY_LOAD_BALANCER


def _unknown(walk: Walk, route_: Route) -> Step:
    vpce = route_.target_id or ""
    ep = walk.snapshot.vpc_endpoints.get(vpce)
    service = (ep.service_name if ep is not None else None) or "an endpoint service"
    return NotModelled(
        HopKind.GATEWAY_LOAD_BALANCER_ENDPOINT,
        vpce,
        f"{vpce} is a Gateway Load Balancer endpoint of {service}: the packet goes to a Gateway Load "
        "Balancer's appliances (GENEVE, UDP 6081), and which load balancer serves the service and what its "
        "appliances do are not in the snapshot",
        CODE,
        rule=route_,
    )


def route(walk: Walk, at: RouteContext) -> Step:
    return _unknown(walk, at.route)


def from_gateway(walk: Walk, gateway_id: str, route_: Route, pkt: Packet) -> Step:
    return _unknown(walk, route_)
