"""Routing and gateway behaviour of the trace engine: peering, IPv6/EIGW, blackholes, unsupported targets,
public-IP hairpins, untracked flows, endpoint resolution errors."""

from __future__ import annotations

import pytest

from builders import ALLOW_ALL, SnapBuilder
from vpcflow.engine import Engine, HopKind, Verdict
from vpcflow.errors import QueryError

V6_ALLOW = [(100, "-1", None, "0.0.0.0/0", "allow"), (101, "-1", None, "::/0", "allow")]


def _peered(status: str = "active") -> Engine:
    b = (
        SnapBuilder()
        .vpc("vpc-a", "10.0.0.0/16")
        .vpc("vpc-b", "10.1.0.0/16")
        .subnet("subnet-a", "vpc-a", "10.0.0.0/24")
        .subnet("subnet-b", "vpc-b", "10.1.0.0/24")
        .sg("sg-a", "vpc-a", [])
        .sg("sg-b", "vpc-b", [("tcp", "5432", "sg-a")])
        .nacl("acl-a", "vpc-a", ["subnet-a"], ALLOW_ALL, ALLOW_ALL, default=True)
        .nacl("acl-b", "vpc-b", ["subnet-b"], ALLOW_ALL, ALLOW_ALL, default=True)
        .eni("eni-a", "subnet-a", "10.0.0.5", ["sg-a"])
        .eni("eni-b", "subnet-b", "10.1.0.5", ["sg-b"])
        .peering("pcx-1", "vpc-a", "vpc-b", status)
        .rtb("rtb-a", "vpc-a", ["subnet-a"], [("10.1.0.0/16", "pcx-1")], main=True)
        .rtb("rtb-b", "vpc-b", ["subnet-b"], [("10.0.0.0/16", "pcx-1")], main=True)
    )
    return Engine(b.build())


def test_peering_with_group_reference_across_vpcs() -> None:
    t = _peered().trace("eni-a", "eni-b", "tcp", 5432)
    assert t.verdict is Verdict.ACCEPT
    assert HopKind.VPC_PEERING in [h.kind for h in t.forward.hops]
    assert HopKind.VPC_PEERING in [h.kind for h in t.ret.hops]  # the reply is routed back too


def test_peering_not_active_is_bad_state() -> None:
    t = _peered("pending-acceptance").trace("eni-a", "eni-b", "tcp", 5432)
    assert t.verdict is Verdict.REJECT and t.blocked_by is not None
    assert t.blocked_by.code == "BAD_STATE" and t.blocked_by.id == "pcx-1"


def test_peering_return_route_missing() -> None:
    b = (
        SnapBuilder()
        .vpc("vpc-a", "10.0.0.0/16")
        .vpc("vpc-b", "10.1.0.0/16")
        .subnet("subnet-a", "vpc-a", "10.0.0.0/24")
        .subnet("subnet-b", "vpc-b", "10.1.0.0/24")
        .sg("sg-a", "vpc-a", [])
        .sg("sg-b", "vpc-b", [("tcp", "5432", "10.0.0.0/16")])
        .nacl("acl-a", "vpc-a", ["subnet-a"], ALLOW_ALL, ALLOW_ALL, default=True)
        .nacl("acl-b", "vpc-b", ["subnet-b"], ALLOW_ALL, ALLOW_ALL, default=True)
        .eni("eni-a", "subnet-a", "10.0.0.5", ["sg-a"])
        .eni("eni-b", "subnet-b", "10.1.0.5", ["sg-b"])
        .peering("pcx-1", "vpc-a", "vpc-b")
        .rtb("rtb-a", "vpc-a", ["subnet-a"], [("10.1.0.0/16", "pcx-1")], main=True)
        .rtb("rtb-b", "vpc-b", ["subnet-b"], [], main=True)
    )
    t = Engine(b.build()).trace("eni-a", "eni-b", "tcp", 5432)
    assert t.verdict is Verdict.REJECT
    assert t.forward.delivered and t.blocked_by is not None
    assert (t.blocked_by.stage, t.blocked_by.code) == ("return", "NO_ROUTE_TO_DESTINATION")


def _v6(eigw_only: bool) -> Engine:
    b = (
        SnapBuilder()
        .vpc("vpc-1", "10.0.0.0/16", v6="2001:db8:1234:1a00::/56")
        .subnet("subnet-1", "vpc-1", "10.0.0.0/24", v6="2001:db8:1234:1a00::/64")
        .sg("sg-1", "vpc-1", [("tcp", "443", "::/0")], [("-1", None, "::/0")])
        .nacl("acl-1", "vpc-1", ["subnet-1"], V6_ALLOW, V6_ALLOW, default=True, v6=True)
        .eni("eni-1", "subnet-1", "10.0.0.5", ["sg-1"], v6="2001:db8:1234:1a00::5")
    )
    if eigw_only:
        b.igw("eigw-1", "vpc-1", egress_only=True)
        b.rtb("rtb-1", "vpc-1", ["subnet-1"], [("::/0", "eigw-1")], main=True)
    else:
        b.igw("igw-1", "vpc-1")
        b.rtb("rtb-1", "vpc-1", ["subnet-1"], [("::/0", "igw-1")], main=True)
    return Engine(b.build())


def test_ipv6_inbound_through_igw_without_translation() -> None:
    t = _v6(False).trace("2001:db8:ffff::1", "eni-1", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT
    assert str(t.destination.address) == "2001:db8:1234:1a00::5"


def test_ipv6_egress_only_blocks_inbound_but_passes_replies() -> None:
    e = _v6(True)
    t = e.trace("2001:db8:ffff::1", "eni-1", "tcp", 443)
    assert t.verdict is Verdict.REJECT and t.blocked_by is not None
    assert t.blocked_by.code == "NO_ATTACHED_INTERNET_GATEWAY"
    out = e.trace("eni-1", "2001:db8:ffff::1", "tcp", 443)
    assert out.verdict is Verdict.ACCEPT
    assert HopKind.EGRESS_ONLY_INTERNET_GATEWAY in [h.kind for h in out.ret.hops]


def test_ipv6_port_not_admitted() -> None:
    t = _v6(False).trace("2001:db8:ffff::1", "eni-1", "tcp", 80)
    assert t.verdict is Verdict.REJECT and t.blocked_by.kind is HopKind.SECURITY_GROUP  # type: ignore[union-attr]


def _public(routes: list[tuple[str, str]], public: str | None = "198.51.100.5") -> Engine:
    b = (
        SnapBuilder()
        .vpc("vpc-1", "10.0.0.0/16")
        .subnet("subnet-1", "vpc-1", "10.0.0.0/24")
        .sg("sg-1", "vpc-1", [("tcp", "22", "0.0.0.0/0"), ("tcp", "80", "sg-1")])
        .nacl("acl-1", "vpc-1", ["subnet-1"], ALLOW_ALL, ALLOW_ALL, default=True)
        .eni("eni-1", "subnet-1", "10.0.0.5", ["sg-1"], public=public)
        .eni("eni-2", "subnet-1", "10.0.0.6", ["sg-1"], public="198.51.100.6")
        .igw("igw-1", "vpc-1")
        .rtb("rtb-1", "vpc-1", ["subnet-1"], routes, main=True)
    )
    return Engine(b.build())


def test_blackhole_route() -> None:
    t = _public([("0.0.0.0/0", "igw-1:blackhole")]).trace("eni-1", "203.0.113.1", "tcp", 443)
    assert t.verdict is Verdict.REJECT and t.blocked_by.code == "BAD_STATE_ROUTE"  # type: ignore[union-attr]


def test_unsupported_target_is_unknown_not_reject() -> None:
    t = _public([("0.0.0.0/0", "lgw-1")]).trace("eni-1", "203.0.113.1", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN
    assert t.blocked_by is not None and t.blocked_by.code == "UNSUPPORTED_ROUTE_TARGET"


def test_longest_prefix_wins() -> None:
    e = _public([("0.0.0.0/0", "igw-1"), ("203.0.113.0/24", "igw-1:blackhole")])
    assert e.trace("eni-1", "203.0.113.1", "tcp", 443).verdict is Verdict.REJECT
    assert e.trace("eni-1", "192.0.2.1", "tcp", 443).verdict is Verdict.ACCEPT


def test_no_public_ip_cannot_use_igw() -> None:
    t = _public([("0.0.0.0/0", "igw-1")], public=None).trace("eni-1", "203.0.113.1", "tcp", 443)
    assert t.blocked_by is not None and t.blocked_by.code == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"


def test_group_reference_does_not_match_public_ip_hairpin() -> None:
    e = _public([("0.0.0.0/0", "igw-1")])
    # private path: sg-1 member → allowed by the group reference
    assert e.trace("eni-2", "eni-1", "tcp", 80).verdict is Verdict.ACCEPT
    # via the public IP the source is seen as 198.51.100.6, which the reference does not match
    t = e.trace("eni-2", "198.51.100.5", "tcp", 80)
    assert t.verdict is Verdict.REJECT and t.blocked_by.kind is HopKind.SECURITY_GROUP  # type: ignore[union-attr]
    # ssh is open to the world, so the hairpin works and shows both IGW crossings
    t = e.trace("eni-2", "198.51.100.5", "tcp", 22)
    assert t.verdict is Verdict.ACCEPT
    assert [h.kind for h in t.forward.hops].count(HopKind.INTERNET_GATEWAY) == 2


def test_untracked_flow_is_marked_and_tracked_flow_is_not() -> None:
    e = _public([("0.0.0.0/0", "igw-1")])
    t = e.trace("203.0.113.9", "eni-1", "tcp", 22)  # 22 from 0.0.0.0/0 and all out to 0.0.0.0/0
    sg = next(h for h in t.ret.hops if h.kind is HopKind.SECURITY_GROUP)
    assert "untracked" in sg.detail and sg.rule is not None
    t = e.trace("eni-2", "eni-1", "tcp", 80)  # admitted by a group reference: tracked
    sg = next(h for h in t.ret.hops if h.kind is HopKind.SECURITY_GROUP)
    assert sg.detail == "response to a tracked connection" and sg.rule is None


def test_resolution_errors() -> None:
    e = _public([("0.0.0.0/0", "igw-1")])
    with pytest.raises(QueryError, match="unknown endpoint"):
        e.trace("nope", "eni-1", "tcp", 22)
    with pytest.raises(QueryError, match="no network interface has address"):
        e.trace("10.0.0.77", "eni-1", "tcp", 22)
    with pytest.raises(QueryError, match="--port is required"):
        e.trace("eni-2", "eni-1", "tcp")
    with pytest.raises(QueryError, match="unknown protocol"):
        e.trace("eni-2", "eni-1", "tcpp", 22)
    with pytest.raises(QueryError, match="at least one endpoint"):
        e.trace("203.0.113.1", "203.0.113.2", "tcp", 22)


def test_other_protocol_has_no_ports_and_a_reply() -> None:
    b = (
        SnapBuilder()
        .vpc("vpc-1", "10.0.0.0/16")
        .subnet("subnet-1", "vpc-1", "10.0.0.0/24")
        .subnet("subnet-2", "vpc-1", "10.0.1.0/24")
        .sg("sg-1", "vpc-1", [("50", None, "10.0.0.0/16")])
        .nacl(
            "acl-1", "vpc-1", ["subnet-1", "subnet-2"], [(100, "50", None, "10.0.0.0/16", "allow")], ALLOW_ALL
        )
        .eni("eni-1", "subnet-1", "10.0.0.5", ["sg-1"])
        .eni("eni-2", "subnet-2", "10.0.1.5", ["sg-1"])
    )
    t = Engine(b.build()).trace("eni-1", "eni-2", "50")
    assert t.verdict is Verdict.ACCEPT and t.dst_port is None
    assert all(r.srcport == 0 and r.dstport == 0 for r in t.flow_logs)
