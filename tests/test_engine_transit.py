"""Transit gateway semantics against AWS's documented rules (the URL beside each test), on describe-*
JSON loaded through the real loader; route selection property-tested against a brute-force reference
that walks prefix lengths from longest to shortest and origins in AWS's listed order."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from transit_builders import Estate
from vpcflow.engine.transit import TgwOutcome, TransitRouting, sg_reference_across, tgw_nacl_steps
from vpcflow.model import Address, Direction, RouteOrigin, Snapshot

A = Address.parse
TGW = "tgw-1"


def hub() -> Estate:
    """Two spoke VPCs on one transit gateway, each attachment associated with and propagating into
    tgw-rtb-1; spoke B's attachment subnets are in eu-west-1a and 1b, spoke A's only in 1a."""
    e = Estate()
    e.vpc("vpc-a", "10.1.0.0/16").subnet("subnet-a1", "vpc-a", "10.1.1.0/24", "eu-west-1a")
    e.subnet("subnet-a2", "vpc-a", "10.1.2.0/24", "eu-west-1b")
    e.vpc("vpc-b", "10.2.0.0/16", "10.22.0.0/16")
    e.subnet("subnet-b1", "vpc-b", "10.2.1.0/24", "eu-west-1a").subnet(
        "subnet-b2", "vpc-b", "10.2.2.0/24", "eu-west-1b"
    )
    e.tgw(TGW).table("tgw-rtb-1", TGW)
    e.attach_vpc("tgw-attach-a", TGW, "vpc-a", ["subnet-a1"], "tgw-rtb-1")
    e.attach_vpc("tgw-attach-b", TGW, "vpc-b", ["subnet-b1", "subnet-b2"], "tgw-rtb-1")
    e.propagate("tgw-rtb-1", "tgw-attach-a", "vpc", "vpc-a").propagate(
        "tgw-rtb-1", "tgw-attach-b", "vpc", "vpc-b"
    )
    return e


def routing(e: Estate, strict: bool = False) -> tuple[Snapshot, TransitRouting]:
    snap = e.snapshot()
    return snap, TransitRouting(snap, strict_bgp=strict)


def route(r: TransitRouting, ingress: str, dst: str) -> tuple[TgwOutcome, str | None, str | None]:
    a = r.attachment(TGW, ingress)
    assert a is not None
    d = r.route(a, A(dst))
    return d.outcome, d.code, d.attachment.attachment_id if d.attachment else None


# https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html — propagated VPC CIDRs
def test_propagated_vpc_routes_are_the_vpc_cidrs() -> None:
    _s, r = routing(hub())
    assert route(r, "tgw-attach-a", "10.2.2.9") == (TgwOutcome.FORWARD, None, "tgw-attach-b")
    assert route(r, "tgw-attach-a", "10.22.0.1") == (
        TgwOutcome.FORWARD,
        None,
        "tgw-attach-b",
    )  # secondary CIDR
    assert route(r, "tgw-attach-a", "10.9.0.1")[:2] == (TgwOutcome.DROP, "TGW_RTB_CANNOT_ROUTE")


# https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html — the ingress attachment's table decides
def test_table_of_the_ingress_attachment_decides() -> None:
    e = hub().table("tgw-rtb-2", TGW)
    e.vpc("vpc-c", "10.3.0.0/16").subnet("subnet-c1", "vpc-c", "10.3.1.0/24")
    e.attach_vpc("tgw-attach-c", TGW, "vpc-c", ["subnet-c1"], "tgw-rtb-2")
    e.propagate("tgw-rtb-1", "tgw-attach-c", "vpc", "vpc-c").propagate(
        "tgw-rtb-2", "tgw-attach-a", "vpc", "vpc-a"
    )
    _s, r = routing(e)
    assert route(r, "tgw-attach-a", "10.3.1.1") == (TgwOutcome.FORWARD, None, "tgw-attach-c")
    # vpc-c's table knows only vpc-a: its packets to vpc-b have no route (isolated)
    assert route(r, "tgw-attach-c", "10.1.1.1") == (TgwOutcome.FORWARD, None, "tgw-attach-a")
    assert route(r, "tgw-attach-c", "10.2.1.1")[:2] == (TgwOutcome.DROP, "TGW_RTB_CANNOT_ROUTE")


# https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html — no association: cannot route
def test_attachment_without_association() -> None:
    e = hub()
    e.vpc("vpc-c", "10.3.0.0/16").subnet("subnet-c1", "vpc-c", "10.3.1.0/24")
    e.attach_vpc("tgw-attach-c", TGW, "vpc-c", ["subnet-c1"], None)
    _s, r = routing(e)
    assert route(r, "tgw-attach-c", "10.1.1.1")[:2] == (
        TgwOutcome.DROP,
        "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION",
    )


# https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html — route evaluation order:
# the most specific route first; for one prefix a static route beats a propagated one (Batfish: ECMP)
def test_longest_prefix_then_static_over_propagated() -> None:
    e = hub()
    e.vpc("vpc-c", "10.3.0.0/16").subnet("subnet-c1", "vpc-c", "10.3.1.0/24")
    e.attach_vpc("tgw-attach-c", TGW, "vpc-c", ["subnet-c1"], "tgw-rtb-1")
    e.static_route("tgw-rtb-1", "10.2.0.0/16", "tgw-attach-c")  # same prefix as vpc-b's propagated route
    e.static_route("tgw-rtb-1", "10.22.5.0/24", "tgw-attach-c")  # more specific than vpc-b's 10.22/16
    _s, r = routing(e)
    assert route(r, "tgw-attach-a", "10.2.1.1") == (TgwOutcome.FORWARD, None, "tgw-attach-c")
    assert route(r, "tgw-attach-a", "10.22.5.1") == (TgwOutcome.FORWARD, None, "tgw-attach-c")
    assert route(r, "tgw-attach-a", "10.22.6.1") == (TgwOutcome.FORWARD, None, "tgw-attach-b")


# same page: a prefix-list reference beats a VPC-propagated route for the same prefix; a static route
# beats the prefix-list reference
def test_prefix_list_reference_between_static_and_propagated() -> None:
    e = hub().prefix_list("pl-1", "10.2.0.0/16", "10.50.0.0/16")
    e.vpc("vpc-c", "10.3.0.0/16").subnet("subnet-c1", "vpc-c", "10.3.1.0/24")
    e.attach_vpc("tgw-attach-c", TGW, "vpc-c", ["subnet-c1"], "tgw-rtb-1")
    e.prefix_list_reference("tgw-rtb-1", "pl-1", "tgw-attach-c")
    _s, r = routing(e)
    assert route(r, "tgw-attach-a", "10.2.1.1") == (TgwOutcome.FORWARD, None, "tgw-attach-c")
    e.static_route("tgw-rtb-1", "10.2.0.0/16", "tgw-attach-b")
    _s, r = routing(e)
    assert route(r, "tgw-attach-a", "10.2.1.1") == (TgwOutcome.FORWARD, None, "tgw-attach-b")


# https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html — blackhole routes drop
def test_blackhole_drops_even_a_propagated_destination() -> None:
    e = hub().static_route("tgw-rtb-1", "10.2.2.0/24", None)
    _s, r = routing(e)
    assert route(r, "tgw-attach-a", "10.2.2.1")[:2] == (TgwOutcome.DROP, "TGW_RTB_BAD_STATE_ROUTE")
    assert route(r, "tgw-attach-a", "10.2.1.1")[0] is TgwOutcome.FORWARD


def test_route_and_attachment_states() -> None:
    e = hub()
    e.vpc("vpc-c", "10.3.0.0/16").subnet("subnet-c1", "vpc-c", "10.3.1.0/24")
    e.attach_vpc("tgw-attach-c", TGW, "vpc-c", ["subnet-c1"], "tgw-rtb-1", state="pending")
    e.static_route("tgw-rtb-1", "10.3.0.0/16", "tgw-attach-c")
    e.static_route("tgw-rtb-1", "10.1.0.0/24", "tgw-attach-b", state="deleted")  # gone: not in force
    _s, r = routing(e)
    assert route(r, "tgw-attach-a", "10.3.1.1")[:2] == (TgwOutcome.DROP, "BAD_STATE_ATTACHMENT")
    assert route(r, "tgw-attach-b", "10.1.0.9") == (TgwOutcome.FORWARD, None, "tgw-attach-a")


# A VPN learns routes by BGP that no describe call but search-transit-gateway-routes shows: absent, a
# destination no known route covers is UNKNOWN, never "no route".
def test_bgp_routes_absent_from_the_snapshot() -> None:
    e = hub().vpn("vpn-1", tgw=TGW).attach_vpn("tgw-attach-v", TGW, "vpn-1", "tgw-rtb-1")
    e.propagate("tgw-rtb-1", "tgw-attach-v", "vpn", "vpn-1")
    _s, r = routing(e)
    out = r.route(r.attachment(TGW, "tgw-attach-a"), A("192.168.1.1"))  # type: ignore[arg-type]
    assert (out.outcome, out.code) == (TgwOutcome.UNKNOWN, "TGW_RTB_ROUTES_ARE_UNKNOWN")
    assert "vpn-1" in out.detail
    known = r.route(r.attachment(TGW, "tgw-attach-a"), A("10.2.1.1"))  # type: ignore[arg-type]
    assert known.outcome is TgwOutcome.FORWARD and known.assumptions  # routed, the assumption stated
    _s, strict = routing(e, strict=True)
    assert route(strict, "tgw-attach-a", "10.2.1.1")[0] is TgwOutcome.UNKNOWN


def test_vpn_that_learned_nothing_or_is_static_propagates_nothing() -> None:
    for vpn in (
        {"tunnels": ("DOWN", "DOWN")},
        {"accepted": 0},
        {"static_only": True},
    ):
        e = hub().vpn("vpn-1", tgw=TGW, **vpn).attach_vpn("tgw-attach-v", TGW, "vpn-1", "tgw-rtb-1")  # type: ignore[arg-type]
        e.propagate("tgw-rtb-1", "tgw-attach-v", "vpn", "vpn-1")
        _s, r = routing(e)
        assert route(r, "tgw-attach-a", "192.168.1.1")[:2] == (TgwOutcome.DROP, "TGW_RTB_CANNOT_ROUTE"), vpn


def test_missing_static_routes_or_propagations_make_the_table_unknown() -> None:
    e = hub()
    e.static.pop("tgw-rtb-1")
    _s, r = routing(e)
    assert route(r, "tgw-attach-a", "10.2.1.1")[:2] == (TgwOutcome.UNKNOWN, "TGW_RTB_ROUTES_ARE_UNKNOWN")


# https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html — a resource in an AZ with no
# attachment subnet cannot reach the transit gateway
def test_az_rule() -> None:
    snap, r = routing(hub())
    ok = r.entry("vpc-a", TGW, snap.subnets["subnet-a1"])
    assert ok.outcome is TgwOutcome.FORWARD and ok.attachment is not None
    blocked = r.entry("vpc-a", TGW, snap.subnets["subnet-a2"])
    assert (blocked.outcome, blocked.code) == (TgwOutcome.DROP, "TGW_ROUTE_AZ_RESTRICTION")
    assert r.entry("vpc-b", TGW, snap.subnets["subnet-b2"]).outcome is TgwOutcome.FORWARD
    none = r.entry("vpc-a", "tgw-other", snap.subnets["subnet-a1"])
    assert none.outcome is TgwOutcome.UNKNOWN  # a gateway the snapshot does not have


# https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-appliance-scenario.html — AZ affinity, or one
# interface per flow in appliance mode
def test_exit_subnets_az_affinity_and_appliance_mode() -> None:
    _s, r = routing(hub())
    b = r.attachment(TGW, "tgw-attach-b")
    assert b is not None
    assert [s.subnet_id for s in r.exit_subnets(b, "eu-west-1b")] == ["subnet-b2"]
    assert [s.subnet_id for s in r.exit_subnets(b, "eu-west-1c")] == ["subnet-b1", "subnet-b2"]
    e = hub()
    e.items["TransitGatewayVpcAttachments"][1]["Options"]["ApplianceModeSupport"] = "enable"
    _s, r2 = routing(e)
    b2 = r2.attachment(TGW, "tgw-attach-b")
    assert b2 is not None and [s.subnet_id for s in r2.exit_subnets(b2, "eu-west-1b")] == [
        "subnet-b1",
        "subnet-b2",
    ]


# https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html
def test_which_nacls_around_a_transit_gateway_interface() -> None:
    snap, _r = routing(hub())
    inst, other = snap.subnets["subnet-b1"], snap.subnets["subnet-b2"]
    names = lambda steps: [(s.subnet_id, d) for s, d in steps]  # noqa: E731
    assert names(tgw_nacl_steps(inst, inst, True)) == [
        ("subnet-b1", Direction.EGRESS),
        ("subnet-b1", Direction.INGRESS),
    ]
    assert names(tgw_nacl_steps(inst, inst, False)) == []  # same subnet, from the gateway: not evaluated
    assert names(tgw_nacl_steps(inst, other, True)) == [
        ("subnet-b1", Direction.EGRESS),
        ("subnet-b2", Direction.INGRESS),
    ]
    assert names(tgw_nacl_steps(inst, other, False)) == [
        ("subnet-b2", Direction.EGRESS),
        ("subnet-b1", Direction.INGRESS),
    ]


# https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html — static routes on both sides
def test_peering_static_route() -> None:
    e = hub().tgw("tgw-2").table("tgw-rtb-9", "tgw-2")
    e.attach_peering("tgw-attach-p", TGW, "tgw-2", "tgw-rtb-1").attach_peering(
        "tgw-attach-p", "tgw-2", TGW, "tgw-rtb-9"
    )
    e.static_route("tgw-rtb-1", "10.200.0.0/16", "tgw-attach-p", kind="peering")
    _s, r = routing(e)
    assert route(r, "tgw-attach-a", "10.200.0.1") == (TgwOutcome.FORWARD, None, "tgw-attach-p")
    theirs = r.attachment("tgw-2", "tgw-attach-p")
    assert theirs is not None and r.table_for(theirs).table_id == "tgw-rtb-9"


# https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-security
def test_sg_referencing_across_a_transit_gateway() -> None:
    assert sg_reference_across(True, True, True, inbound=True)
    assert not sg_reference_across(True, False, True, inbound=True)
    assert not sg_reference_across(False, True, True, inbound=True)
    assert not sg_reference_across(True, True, False, inbound=True)
    assert not sg_reference_across(True, True, True, inbound=False)


# -- property: route selection = a brute-force reading of AWS's evaluation order ----------------------

ORIGINS = [RouteOrigin.STATIC, RouteOrigin.PREFIX_LIST, RouteOrigin.VPC_PROPAGATED]
route_spec = st.tuples(
    st.integers(0, 3).map(lambda i: ["10.0.0.0/8", "10.1.0.0/16", "10.1.1.0/24", "10.1.1.128/25"][i]),
    st.sampled_from(["static", "blackhole", "pl"]),
    st.integers(0, 2),  # target attachment index
)


def _reference(
    specs: list[tuple[str, str, int]], dst: str, vpc_cidrs: dict[int, str]
) -> tuple[str, int | None]:
    """For each prefix length from 32 down, for each origin in AWS's order, the routes of that length
    and origin covering dst; the first non-empty group decides ("ambiguous" if it disagrees)."""
    candidates: list[tuple[int, RouteOrigin, str, int | None]] = []
    for cidr, kind, target in specs:
        origin = RouteOrigin.PREFIX_LIST if kind == "pl" else RouteOrigin.STATIC
        candidates.append(
            (ipaddress.ip_network(cidr).prefixlen, origin, cidr, None if kind == "blackhole" else target)
        )
    for target, cidr in vpc_cidrs.items():
        candidates.append((ipaddress.ip_network(cidr).prefixlen, RouteOrigin.VPC_PROPAGATED, cidr, target))
    ip = ipaddress.ip_address(dst)
    for length in range(32, -1, -1):
        for origin in ORIGINS:
            group = {
                t
                for n, o, c, t in candidates
                if n == length and o is origin and ip in ipaddress.ip_network(c)
            }
            if group:
                return ("ambiguous", None) if len(group) > 1 else ("route", group.pop())
    return ("none", None)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(route_spec, max_size=6),
    st.sampled_from(["10.1.1.200", "10.1.1.5", "10.1.9.9", "10.7.0.1", "11.0.0.1"]),
)
def test_route_selection_matches_reference(specs: list[tuple[str, str, int]], dst: str) -> None:
    e = Estate().tgw(TGW).table("tgw-rtb-1", TGW)
    vpc_cidrs = {0: "10.1.0.0/16", 1: "10.1.1.0/24", 2: "10.64.0.0/10"}
    for i, cidr in vpc_cidrs.items():
        e.vpc(f"vpc-{i}", cidr).subnet(f"subnet-{i}", f"vpc-{i}", cidr)
        e.attach_vpc(f"tgw-attach-{i}", TGW, f"vpc-{i}", [f"subnet-{i}"], "tgw-rtb-1")
        e.propagate("tgw-rtb-1", f"tgw-attach-{i}", "vpc", f"vpc-{i}")
    e.vpc("vpc-src", "172.16.0.0/16").subnet("subnet-src", "vpc-src", "172.16.0.0/24")
    e.attach_vpc("tgw-attach-src", TGW, "vpc-src", ["subnet-src"], "tgw-rtb-1")
    pls = 0
    for cidr, kind, target in specs:
        if kind == "pl":
            pls += 1
            e.prefix_list(f"pl-{pls}", cidr).prefix_list_reference(
                "tgw-rtb-1", f"pl-{pls}", f"tgw-attach-{target}"
            )
        else:
            e.static_route("tgw-rtb-1", cidr, None if kind == "blackhole" else f"tgw-attach-{target}")
    expected = _reference(specs, dst, vpc_cidrs)
    _s, r = routing(e)
    outcome, code, target_att = route(r, "tgw-attach-src", dst)
    if expected[0] == "none":
        assert (outcome, code) == (TgwOutcome.DROP, "TGW_RTB_CANNOT_ROUTE")
    elif expected[0] == "ambiguous":
        assert outcome is TgwOutcome.UNKNOWN
    elif expected[1] is None:
        assert (outcome, code) == (TgwOutcome.DROP, "TGW_RTB_BAD_STATE_ROUTE")
    else:
        assert (outcome, target_att) == (TgwOutcome.FORWARD, f"tgw-attach-{expected[1]}")
