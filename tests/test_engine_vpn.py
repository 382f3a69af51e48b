"""VPC route priority with propagated and prefix-list routes, and the virtual private gateway's choices,
against AWS's documented rules (URL beside each test); route choice property-tested against a
brute-force reading of route-tables-priority."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from transit_builders import Estate
from vpcflow.engine.vpn import PROPAGATED, VgwOutcome, select_route, vgw_decision
from vpcflow.model import Address, Cidr, Route, RouteTarget

A = Address.parse
PLS = {
    "pl-s3": (Cidr.parse("52.216.0.0/15"), Cidr.parse("10.0.5.0/24")),
    "pl-x": (Cidr.parse("52.216.0.0/15"),),
}


def pl(pid: str) -> tuple[Cidr, ...] | None:
    return PLS.get(pid)


def r(dest: str, target: RouteTarget, tid: str, propagated: bool = False) -> Route:
    if dest.startswith("pl-"):
        return Route(None, target, tid, prefix_list_id=dest)
    return Route(Cidr.parse(dest), target, tid, origin=PROPAGATED if propagated else "CreateRoute")


LOCAL = Route(Cidr.parse("10.0.0.0/16"), RouteTarget.LOCAL, "local", origin="CreateRouteTable")


# https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html — a propagated route that
# overlaps the local route loses to it even when more specific
def test_local_beats_a_more_specific_propagated_route() -> None:
    routes = [LOCAL, r("10.0.1.0/24", RouteTarget.VIRTUAL_PRIVATE_GATEWAY, "vgw-1", propagated=True)]
    assert select_route(routes, A("10.0.1.5"), pl).route == LOCAL
    # a static route more specific than local (middlebox routing) does win
    eni = r("10.0.1.0/24", RouteTarget.NETWORK_INTERFACE, "eni-fw")
    assert select_route([LOCAL, eni], A("10.0.1.5"), pl).route == eni


# https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html — same prefix: static >
# prefix list > propagated; the longest prefix always first
def test_static_then_prefix_list_then_propagated() -> None:
    vgw = r("52.216.0.0/15", RouteTarget.VIRTUAL_PRIVATE_GATEWAY, "vgw-1", propagated=True)
    igw = r("52.216.0.0/15", RouteTarget.INTERNET_GATEWAY, "igw-1")
    vpce = r("pl-s3", RouteTarget.GATEWAY_ENDPOINT, "vpce-1")
    assert select_route([LOCAL, vgw, vpce], A("52.216.1.1"), pl).route == vpce
    assert select_route([LOCAL, vgw, vpce, igw], A("52.216.1.1"), pl).route == igw
    assert select_route([LOCAL, vgw], A("52.216.1.1"), pl).route == vgw
    wide = r("52.0.0.0/8", RouteTarget.INTERNET_GATEWAY, "igw-1")
    assert select_route([LOCAL, wide, vpce], A("52.216.1.1"), pl).route == vpce  # more specific wins


# same page: overlapping prefix lists towards different targets — AWS picks one at random
def test_overlapping_prefix_lists_are_ambiguous() -> None:
    a = r("pl-s3", RouteTarget.GATEWAY_ENDPOINT, "vpce-1")
    b = r("pl-x", RouteTarget.NAT_GATEWAY, "nat-1")
    choice = select_route([LOCAL, a, b], A("52.216.1.1"), pl)
    assert choice.route is None and set(choice.ambiguous) == {a, b}


# -- property ------------------------------------------------------------------------------------

spec = st.tuples(
    st.sampled_from(
        ["10.0.0.0/16", "10.0.1.0/24", "0.0.0.0/0", "52.216.0.0/15", "52.216.0.0/16", "pl-s3", "pl-x"]
    ),
    st.sampled_from(["igw", "vgw-static", "vgw-propagated", "vpce", "nat"]),
)
TARGETS = {
    "igw": (RouteTarget.INTERNET_GATEWAY, "igw-1"),
    "vgw-static": (RouteTarget.VIRTUAL_PRIVATE_GATEWAY, "vgw-1"),
    "vgw-propagated": (RouteTarget.VIRTUAL_PRIVATE_GATEWAY, "vgw-1"),
    "vpce": (RouteTarget.GATEWAY_ENDPOINT, "vpce-1"),
    "nat": (RouteTarget.NAT_GATEWAY, "nat-1"),
}


def _reference(routes: list[Route], dst: str) -> Route | str | None:
    """Longest prefix first; within it static > prefix list > propagated; the local route wins over any
    propagated route it overlaps; a disagreement among equals is 'ambiguous'."""
    ip = ipaddress.ip_address(dst)
    local_hit = ip in ipaddress.ip_network("10.0.0.0/16")
    for length in range(32, -1, -1):
        for cls in ("static", "pl", "propagated"):
            group = []
            for route in routes:
                is_prop = route.origin == PROPAGATED
                if is_prop and local_hit:
                    continue
                kind = "propagated" if is_prop else ("pl" if route.prefix_list_id else "static")
                nets = (
                    [ipaddress.ip_network(str(c)) for c in PLS[route.prefix_list_id]]
                    if route.prefix_list_id
                    else [ipaddress.ip_network(str(route.destination))]
                )
                if kind == cls and any(n.prefixlen == length and ip in n for n in nets):
                    group.append(route)
            if group:
                if any(g.target is RouteTarget.LOCAL for g in group):
                    return next(g for g in group if g.target is RouteTarget.LOCAL)
                if len({(g.target, g.target_id) for g in group}) > 1:
                    return "ambiguous"
                return group[0]
    return None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(spec, max_size=6),
    st.sampled_from(["10.0.1.9", "10.0.5.5", "52.216.3.3", "52.217.0.1", "8.8.8.8"]),
)
def test_route_choice_matches_reference(specs: list[tuple[str, str]], dst: str) -> None:
    routes = [LOCAL] + [r(d, *TARGETS[t], propagated=t == "vgw-propagated") for d, t in specs]
    expected = _reference(routes, dst)
    got = select_route(routes, A(dst), pl)
    if expected == "ambiguous":
        assert got.route is None and got.ambiguous
    else:
        assert got.route == expected and not got.ambiguous


# -- the virtual private gateway -----------------------------------------------------------------


def vgw_estate(**vpn: object) -> Estate:
    e = Estate().vpc("vpc-a", "10.0.0.0/16").vgw("vgw-1", "vpc-a")
    return e.vpn("vpn-1", vgw="vgw-1", **vpn)  # type: ignore[arg-type]


# https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html — the gateway forwards only to
# prefixes it knows (static routes, BGP advertisements)
def test_vgw_static_routes() -> None:
    snap = vgw_estate(static_only=True, routes=("192.168.0.0/16",)).snapshot()
    ok = vgw_decision(snap, "vgw-1", A("192.168.4.4"))
    assert ok.outcome is VgwOutcome.DELIVER and ok.connection is not None
    no = vgw_decision(snap, "vgw-1", A("172.16.0.1"))
    assert (no.outcome, no.code) == (VgwOutcome.DROP, "NO_ROUTE_TO_DESTINATION")
    assert vgw_decision(snap, "vgw-1", A("2001:db8::1")).code == "CANNOT_ROUTE"  # no IPv6


# same page: tunnel health first; every tunnel DOWN carries nothing
def test_vgw_tunnels_down() -> None:
    snap = vgw_estate(static_only=True, routes=("192.168.0.0/16",), tunnels=("DOWN", "DOWN")).snapshot()
    down = vgw_decision(snap, "vgw-1", A("192.168.4.4"))
    assert (down.outcome, down.code) == (VgwOutcome.DROP, "BAD_STATE_VPN")
    # a second connection for the same prefix with a tunnel up takes the traffic
    e = vgw_estate(static_only=True, routes=("192.168.0.0/16",), tunnels=("DOWN", "DOWN"))
    e.vpn("vpn-2", vgw="vgw-1", static_only=True, routes=("192.168.0.0/16",), tunnels=("UP", "DOWN"))
    up = vgw_decision(e.snapshot(), "vgw-1", A("192.168.4.4"))
    assert up.outcome is VgwOutcome.DELIVER and up.connection is not None
    assert up.connection.vpn_connection_id == "vpn-2"


def test_vgw_bgp_knowledge_comes_from_propagated_routes() -> None:
    snap = vgw_estate().snapshot()  # BGP, and no route table propagates from the gateway
    assert vgw_decision(snap, "vgw-1", A("192.168.4.4")).outcome is VgwOutcome.UNKNOWN
    e = vgw_estate()
    e.rtb(
        "rtb-1",
        "vpc-a",
        [],
        [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
            {
                "DestinationCidrBlock": "192.168.0.0/16",
                "GatewayId": "vgw-1",
                "Origin": "EnableVgwRoutePropagation",
                "State": "active",
            },
        ],
        main=True,
    )
    e.items["RouteTables"][0]["PropagatingVgws"] = [{"GatewayId": "vgw-1"}]
    snap = e.snapshot()
    assert vgw_decision(snap, "vgw-1", A("192.168.4.4")).outcome is VgwOutcome.DELIVER
    # the gateway's full knowledge is visible: what it did not learn, it drops
    assert vgw_decision(snap, "vgw-1", A("172.16.0.1")).code == "NO_ROUTE_TO_DESTINATION"
