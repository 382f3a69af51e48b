"""Which address of a destination interface a source uses: its private address when a private path
leads there, else its public one (as ``vpcflow trace`` and ``reach`` pick them).

A private path exists from the same VPC, across an active peering, through the source subnet's route
to the private address when that route is not to an internet gateway (a transit gateway, a virtual
private gateway, an appliance...), and from on-premises (an outside address a VPN covers).
"""

from __future__ import annotations

from vpcflow.engine.onprem import is_onprem
from vpcflow.engine.vpn import RouteChoice, select_route
from vpcflow.model import Address, NetworkInterface, Route, RouteTarget, Snapshot

# routes whose target reaches the public side only
_PUBLIC_TARGETS = frozenset(
    {RouteTarget.INTERNET_GATEWAY, RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY, RouteTarget.NAT_GATEWAY}
)


def route_for(snapshot: Snapshot, eni: NetworkInterface, dst: Address) -> Route | None:
    """The route the ENI's subnet uses for ``dst`` (None: no route, or an ambiguous tie)."""
    return subnet_route(snapshot, eni.subnet_id, eni.vpc_id, dst)


def subnet_route(snapshot: Snapshot, subnet_id: str, vpc_id: str, dst: Address) -> Route | None:
    """The route a subnet's table (with the VPC's local routes) uses for ``dst``; None when there is
    none or it cannot be known (``subnet_choice``)."""
    choice = subnet_choice(snapshot, subnet_id, vpc_id, dst)
    return None if choice.uncertain else choice.route


def subnet_choice(snapshot: Snapshot, subnet_id: str, vpc_id: str, dst: Address) -> RouteChoice:
    """The route choice of a subnet's table for ``dst``. Without a route table in the snapshot only the
    local route is known: anything else is ``uncertain`` (as the walk answers it)."""
    rtb_id = snapshot.route_table_of_subnet.get(subnet_id)
    rtb = snapshot.route_tables.get(rtb_id) if rtb_id else None
    routes: tuple[Route, ...] = rtb.routes if rtb else ()
    vpc = snapshot.vpcs.get(vpc_id)
    if vpc is not None and not any(r.target is RouteTarget.LOCAL for r in routes):
        routes = routes + tuple(Route(c, RouteTarget.LOCAL, "local") for c in vpc.cidrs)
    choice = select_route(routes, dst, snapshot.prefix_list_cidrs)
    if rtb is None and (choice.route is None or choice.route.target is not RouteTarget.LOCAL):
        return RouteChoice(None, (), (Route(None, RouteTarget.UNKNOWN, None),))
    return choice


def private_path(
    snapshot: Snapshot, src: NetworkInterface | None, src_addr: Address | None, dst: NetworkInterface
) -> bool:
    if src is None:
        return src_addr is not None and is_onprem(snapshot, src_addr)
    if src.vpc_id == dst.vpc_id:
        return True
    if any(
        p.active and {p.requester_vpc_id, p.accepter_vpc_id} == {src.vpc_id, dst.vpc_id}
        for p in snapshot.peerings.values()
    ):
        return True
    target = dst.primary_ip
    if target is None:
        return False
    choice = subnet_choice(snapshot, src.subnet_id, src.vpc_id, target)
    if choice.uncertain:
        # the route is unknown: the private address, whose walk answers UNKNOWN saying why (never a
        # silent switch to the public address)
        return True
    route = choice.route
    return route is not None and route.target not in _PUBLIC_TARGETS and not route.blackhole
