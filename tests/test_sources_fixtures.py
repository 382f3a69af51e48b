"""The hand-written snapshot fixtures (tests/fixtures/snapshots, see its README): every expected value is
read off the JSON and AWS's rules, not recorded from the loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcflow.model import (
    ICMPV6,
    TCP,
    Address,
    GroupPeer,
    IcmpMatch,
    PortRange,
    PrefixListPeer,
    RouteTarget,
    RuleAction,
    Snapshot,
)
from vpcflow.sources import LoadResult, load_with_report

FIXTURES = Path(__file__).parent / "fixtures" / "snapshots"


def _load(name: str) -> LoadResult:
    return load_with_report(FIXTURES / name)


def _codes(snap: Snapshot) -> list[str]:
    return sorted(w.code for w in snap.warnings)


# -- prefix-lists --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prefix_lists() -> Snapshot:
    return _load("prefix-lists").snapshot


def test_aws_managed_list_met_in_both_describe_calls_is_merged(prefix_lists: Snapshot) -> None:
    s3 = prefix_lists.prefix_lists["pl-63a5400a"]
    assert [str(c) for c in s3.cidrs] == ["52.216.0.0/15", "54.231.0.0/16", "3.5.0.0/19"]
    assert s3.name == "com.amazonaws.us-east-1.s3" and s3.aws_managed


def test_customer_list_entries_from_an_entries_document(prefix_lists: Snapshot) -> None:
    offices = prefix_lists.prefix_lists["pl-0123456789abcdef0"]
    assert [str(c) for c in offices.cidrs] == ["198.51.100.0/24", "192.0.2.0/25"]
    assert (offices.name, offices.max_entries, offices.aws_managed) == ("offices", 10, False)


def test_customer_list_entries_from_a_group_file_and_inline(prefix_lists: Snapshot) -> None:
    assert [str(c) for c in prefix_lists.prefix_lists["pl-0fedcba9876543210"].cidrs] == ["2001:db8:1234::/48"]
    assert [str(c) for c in prefix_lists.prefix_lists["pl-0aaaabbbbccccdddd"].cidrs] == ["203.0.113.128/25"]


def test_rules_reference_lists_and_everything_resolves(prefix_lists: Snapshot) -> None:
    sg = prefix_lists.security_groups["sg-0aaa1111bbbb2222c"]
    assert [(r.permission_index, r.peer_index, r.peer) for r in sg.ingress] == [
        (0, 0, PrefixListPeer("pl-0123456789abcdef0")),
        (0, 1, PrefixListPeer("pl-0fedcba9876543210")),
    ]
    assert sg.ingress[0].description == "offices" and sg.ingress[0].ports == PortRange(22, 22)
    assert sg.egress[0].peer == PrefixListPeer("pl-63a5400a")
    # the S3 route goes to a gateway endpoint: loaded, warned as not modelled; nothing unresolved
    assert _codes(prefix_lists) == ["UNSUPPORTED_ROUTE_TARGET"]
    route = prefix_lists.route_tables["rtb-0abc1234def567890"].routes[1]
    assert (route.prefix_list_id, route.target) == ("pl-63a5400a", RouteTarget.GATEWAY_ENDPOINT)


# -- dual-stack ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dual() -> Snapshot:
    return _load("dual-stack").snapshot


def test_vpc_and_subnet_cidrs(dual: Snapshot) -> None:
    vpc = dual.vpcs["vpc-06e4ab6c6c0000001"]
    # the disassociated 100.64.0.0/16 no longer belongs to the VPC
    assert [str(c) for c in vpc.cidrs] == ["10.8.0.0/16", "2001:db8:8000::/56"]
    v6only = dual.subnets["subnet-0d5000000000000a2"]
    assert v6only.cidr_v4 is None and [str(c) for c in v6only.cidrs_v6] == ["2001:db8:8000:2::/64"]


def test_nacl_sorted_with_v6_entries_and_implied_stars(dual: Snapshot) -> None:
    acl = dual.network_acls["acl-0d50000000000000a"]
    assert [(e.rule_number, e.cidr.version) for e in acl.ingress] == [
        (90, 6),
        (100, 4),
        (110, 6),
        (120, 6),
        (32767, 4),  # in the file
        (32768, 6),  # implied
    ]
    assert [(e.rule_number, e.cidr.version) for e in acl.egress] == [(100, 6), (32767, 4), (32768, 6)]
    assert acl.ingress[0].action is RuleAction.DENY and str(acl.ingress[0].cidr) == "2001:db8:dead::/48"
    echo = acl.ingress[3]
    assert (echo.protocol, echo.icmp) == (ICMPV6, IcmpMatch(128, -1))
    assert acl.egress[0].ports == PortRange(1024, 65535)


def test_security_group_ipv6_and_icmpv6(dual: Snapshot) -> None:
    rules = dual.security_groups["sg-0d5000000000000b1"].ingress
    assert [(r.permission_index, r.peer_index, str(r.peer)) for r in rules] == [
        (0, 0, "0.0.0.0/0"),
        (0, 1, "::/0"),
        (1, 0, "2001:db8:8000::/56"),
        (2, 0, "::/0"),
    ]
    assert rules[1].description == "world v6" and rules[1].protocol == TCP
    assert (rules[2].protocol, rules[2].icmp) == (ICMPV6, IcmpMatch(-1, -1))  # icmpv6, no ports: all
    assert (rules[3].protocol, rules[3].icmp) == (ICMPV6, IcmpMatch(128, 0))  # "58" with type/code


def test_routes_v6_targets_blackhole_and_associations(dual: Snapshot) -> None:
    rtb = dual.route_tables["rtb-0d5000000000000c1"]
    assert rtb.is_main and rtb.subnet_ids == frozenset()  # the disassociated association is gone
    by_dest = {r.destination_text: r for r in rtb.routes}
    assert by_dest["::/0"].target is RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY
    # an instance route names the instance's ENI too: the ENI is where packets go
    assert (by_dest["172.16.0.0/12"].target, by_dest["172.16.0.0/12"].target_id) == (
        RouteTarget.INSTANCE,
        "eni-0d5000000000000e9",
    )
    assert by_dest["192.168.0.0/16"].blackhole
    unsupported = [w for w in dual.warnings if w.code == "UNSUPPORTED_ROUTE_TARGET"]
    # the blackhole TGW route drops packets whatever its target was: only the instance route is warned
    assert len(unsupported) == 1 and "172.16.0.0/12" in unsupported[0].message
    assert "eni-0d5000000000000e9" in unsupported[0].message
    assert dual.internet_gateways["eigw-0d5000000000000d1"].egress_only


def test_interface_ipv6_and_ephemeral_tag(dual: Snapshot) -> None:
    eni = dual.interfaces["eni-0d5000000000000e1"]
    assert eni.ipv6_addresses == (Address.parse("2001:db8:8000:1::10"),)
    assert eni.ephemeral_ports == PortRange(32768, 60999)
    assert Address.parse("2001:db8:8000:1::10") in dual.group_members["sg-0d5000000000000b1"]
    # the IPv6-only subnet has no NACL in the snapshot (no default NACL either)
    assert _codes(dual) == ["NO_NETWORK_ACL", "UNSUPPORTED_ROUTE_TARGET"]


# -- batfish-layout ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def layout() -> LoadResult:
    return _load("batfish-layout")


def test_account_and_region_from_all_three_layouts(layout: LoadResult) -> None:
    vpcs = layout.snapshot.vpcs
    assert (vpcs["vpc-0bf0000000000a001"].owner_id, vpcs["vpc-0bf0000000000a001"].region) == (
        "lab",
        "us-west-2",
    )
    assert (vpcs["vpc-0bf0000000000a002"].owner_id, vpcs["vpc-0bf0000000000a002"].region) == (
        "210987654321",
        "eu-central-1",
    )
    # an OwnerId in the JSON wins over the directory (which has no account here anyway)
    assert (vpcs["vpc-0bf0000000000a003"].owner_id, vpcs["vpc-0bf0000000000a003"].region) == (
        "555566667777",
        "us-east-1",
    )
    assert [(s.account, s.region, s.documents) for s in layout.scopes] == [
        ("210987654321", "eu-central-1", 3),
        ("lab", "us-west-2", 3),
        (None, "us-east-1", 2),
    ]
    assert layout.scopes[0].items == {"SecurityGroups": 1, "TransitGatewayConnects": 1, "Vpcs": 1}


def test_only_json_under_aws_configs_is_read(layout: LoadResult) -> None:
    names = sorted(Path(f).relative_to(FIXTURES / "batfish-layout").as_posix() for f in layout.ignored_files)
    assert names == ["configs/router1.txt", "hosts/host1.json", "main.tf"]
    assert all("/aws_configs/" in f for f in layout.files) and len(layout.files) == 8


def test_cross_account_reference_through_peering_resolves(layout: LoadResult) -> None:
    snap = layout.snapshot
    rule = snap.security_groups["sg-0bf0000000000b001"].ingress[0]
    assert rule.peer == GroupPeer("sg-0bf0000000000b002", "210987654321", "vpc-0bf0000000000a002", "active")
    assert snap.security_groups["sg-0bf0000000000b001"].owner_id == "lab"
    assert "UNRESOLVED_GROUP" not in _codes(snap)


def test_peerings_all_loaded_and_unmodelled_counted(layout: LoadResult) -> None:
    snap = layout.snapshot
    active = snap.peerings["pcx-0bf0000000000c001"]
    assert active.active and active.accepter_region == "eu-central-1"
    assert [str(c) for c in active.accepter_cidrs] == ["10.2.0.0/16", "2001:db8:2::/56"]
    pending = snap.peerings["pcx-0bf0000000000c002"]
    assert (pending.status, pending.active, pending.accepter_cidrs) == ("pending-acceptance", False, ())
    assert dict(snap.not_modelled) == {"AvailabilityZones": 2, "TransitGatewayConnects": 1}
    messages = sorted(w.message for w in snap.warnings if w.code == "NOT_MODELLED")
    assert messages == [
        "1 TransitGatewayConnects item(s) loaded but not modelled",
        "2 AvailabilityZones item(s) ignored: not needed to model traffic filtering",
    ]
