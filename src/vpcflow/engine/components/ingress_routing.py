"""Gateway route tables (ingress routing): a route table edge-associated with an internet gateway or a
virtual private gateway routes what enters the VPC through it — to ``local`` (the usual delivery), to a
middlebox interface, or to a Gateway Load Balancer endpoint.
https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html

``route_in`` answers ``None`` when the gateway has no such table or its matching route is ``local``: the
caller delivers as usual.
"""

from __future__ import annotations

from vpcflow.engine.components import appliance, endpoint_route
from vpcflow.engine.components.base import Drop, NotModelled, Step, Walk
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.engine.vpn import select_route
from vpcflow.model import Route, RouteTable, RouteTarget


def edge_table(walk: Walk, gateway_id: str, vpc_id: str) -> RouteTable | None:
    for rtb in walk.snapshot.route_tables.values():
        if rtb.vpc_id == vpc_id and gateway_id in rtb.gateway_ids:
            return rtb
    return None


def route_in(walk: Walk, gateway_id: str, vpc_id: str, pkt: Packet) -> Step | None:
    rtb = edge_table(walk, gateway_id, vpc_id)
    if rtb is None:
        return None
    s = walk.snapshot
    key = (f"edge:{rtb.route_table_id}", pkt.dst)  # memoised with the subnets' lookups
    hit = walk.rules.route_cache.get(key)
    if hit is None:
        routes: tuple[Route, ...] = rtb.routes
        vpc = s.vpcs.get(vpc_id)
        if vpc is not None and not any(r.target is RouteTarget.LOCAL for r in routes):
            routes = routes + tuple(Route(c, RouteTarget.LOCAL, "local") for c in vpc.cidrs)
        hit = walk.rules.route_cache[key] = (
            rtb.route_table_id,
            select_route(routes, pkt.dst, s.prefix_list_cidrs),
        )
    choice = hit[1]
    if choice.ambiguous:
        return NotModelled(
            HopKind.ROUTE_TABLE,
            rtb.route_table_id,
            f"overlapping routes in {rtb.route_table_id} for {pkt.dst}: AWS does not say which is used",
            "UNKNOWN_RESOURCE",
        )
    route = choice.route
    if route is None:
        return Drop(
            HopKind.ROUTE_TABLE,
            rtb.route_table_id,
            "NO_ROUTE_TO_DESTINATION",
            f"gateway route table {rtb.route_table_id} has no route to {pkt.dst}",
        )
    if route.blackhole:
        return Drop(
            HopKind.ROUTE_TABLE,
            rtb.route_table_id,
            "BAD_STATE_ROUTE",
            f"route {route.label} is a blackhole",
            rule=route,
        )
    walk.hop(
        HopKind.ROUTE_TABLE,
        rtb.route_table_id,
        None,
        HopAction.FORWARD,
        route,
        f"ingress routing for {gateway_id}",
    )
    if route.target is RouteTarget.LOCAL:
        return None
    if route.target in (RouteTarget.NETWORK_INTERFACE, RouteTarget.INSTANCE):
        return appliance.from_gateway(walk, gateway_id, route, pkt)
    if route.target is RouteTarget.GATEWAY_ENDPOINT:
        step = endpoint_route.from_gateway(walk, gateway_id, route, pkt)
        if step is not None:
            return step
    return NotModelled(
        HopKind.ROUTE_TABLE,
        route.target_id,
        f"ingress routing to {route.target_id} ({route.target.value}) is not modelled"
        + (
            " (a Gateway Load Balancer or firewall endpoint)"
            if route.target is RouteTarget.GATEWAY_ENDPOINT
            else ""
        ),
        "UNSUPPORTED_ROUTE_TARGET",
        rule=route,
    )
