"""Loader rules, one at a time, on small in-memory documents (``load_snapshot_data``)."""

from __future__ import annotations

from typing import Any

import pytest

from vpcflow.model import (
    ICMP,
    ICMPV6,
    TCP,
    UDP,
    Address,
    GroupPeer,
    IcmpMatch,
    PortRange,
    RouteTarget,
    RuleAction,
    Snapshot,
)
from vpcflow.sources import load_data_with_report, load_snapshot_data, scope_of

Json = dict[str, Any]


def _load(*docs: Json) -> Snapshot:
    return load_snapshot_data([(f"doc{i}.json", d) for i, d in enumerate(docs)])


def _codes(snap: Snapshot) -> list[str]:
    return [w.code for w in snap.warnings]


def _only(snap: Snapshot, code: str) -> list[Any]:
    return [w for w in snap.warnings if w.code == code]


def _sg(perms: list[Json], gid: str = "sg-1", owner: str = "111111111111", **extra: Any) -> Json:
    return {
        "SecurityGroups": [
            {
                "GroupId": gid,
                "GroupName": gid,
                "VpcId": "vpc-1",
                "OwnerId": owner,
                "IpPermissions": perms,
                "IpPermissionsEgress": [],
                **extra,
            }
        ]
    }


WORLD = {"IpRanges": [{"CidrIp": "0.0.0.0/0"}]}

# (IpProtocol as written, FromPort, ToPort) → (protocol number, ports, icmp)
PROTOCOLS: list[tuple[Any, Any, Any, int, PortRange | None, IcmpMatch | None]] = [
    ("6", 22, 22, TCP, PortRange(22, 22), None),
    ("tcp", 80, 81, TCP, PortRange(80, 81), None),
    (6, 443, 443, TCP, PortRange(443, 443), None),
    ("TCP", 0, 65535, TCP, PortRange(0, 65535), None),
    ("tcp", None, None, TCP, None, None),  # no range: every port
    ("tcp", -1, -1, TCP, None, None),
    ("udp", 53, 53, UDP, PortRange(53, 53), None),
    ("17", "53", "53", UDP, PortRange(53, 53), None),  # numbers as strings, as some exporters write
    ("-1", None, None, -1, None, None),
    ("-1", 0, 0, -1, None, None),  # ports ignored for all protocols (API_IpPermission)
    ("icmp", 8, -1, ICMP, None, IcmpMatch(8, -1)),
    ("1", 3, 4, ICMP, None, IcmpMatch(3, 4)),
    ("icmp", -1, -1, ICMP, None, IcmpMatch(-1, -1)),
    ("icmpv6", None, None, ICMPV6, None, IcmpMatch(-1, -1)),  # icmpv6 may omit the range: all
    ("icmpv6", 128, -1, ICMPV6, None, IcmpMatch(128, -1)),
    ("58", 135, 0, ICMPV6, None, IcmpMatch(135, 0)),
    ("50", 5, 6, 50, None, None),  # ESP: ports ignored
    ("47", None, None, 47, None, None),
]


@pytest.mark.parametrize(("raw", "lo", "hi", "proto", "ports", "icmp"), PROTOCOLS)
def test_security_group_protocol_normalisation(
    raw: Any, lo: Any, hi: Any, proto: int, ports: PortRange | None, icmp: IcmpMatch | None
) -> None:
    perm: Json = {"IpProtocol": raw, **WORLD}
    if lo is not None:
        perm["FromPort"] = lo
    if hi is not None:
        perm["ToPort"] = hi
    snap = _load(_sg([perm]))
    (rule,) = snap.security_groups["sg-1"].ingress
    assert (rule.protocol, rule.ports, rule.icmp) == (proto, ports, icmp)
    assert not snap.warnings


def test_one_sided_minus_one_is_read_as_batfish_does_and_warned() -> None:
    snap = _load(
        _sg(
            [
                {"IpProtocol": "tcp", "FromPort": -1, "ToPort": 50, **WORLD},
                {"IpProtocol": "tcp", "FromPort": 30, "ToPort": -1, **WORLD},
            ]
        )
    )
    assert [r.ports for r in snap.security_groups["sg-1"].ingress] == [PortRange(0, 50), PortRange(30, 65535)]
    assert _codes(snap) == ["INVALID_RULE", "INVALID_RULE"]


def test_icmp_code_with_all_types_is_warned() -> None:
    snap = _load(_sg([{"IpProtocol": "icmp", "FromPort": -1, "ToPort": 9, **WORLD}]))
    assert snap.security_groups["sg-1"].ingress[0].icmp == IcmpMatch(-1, 9)
    assert _codes(snap) == ["INVALID_RULE"]


def test_one_rule_per_permission_and_peer_in_aws_order() -> None:
    perm = {
        "IpProtocol": "tcp",
        "FromPort": 5432,
        "ToPort": 5432,
        "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "corp"}, {"CidrIp": "192.168.1.7/32"}],
        "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
        "PrefixListIds": [{"PrefixListId": "pl-1"}],
        "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "111111111111"}],
    }
    snap = _load(_sg([{"IpProtocol": "-1", **WORLD}, perm]))
    rules = snap.security_groups["sg-1"].ingress
    assert [(r.permission_index, r.peer_index) for r in rules] == [
        (0, 0),
        (1, 0),
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
    ]
    assert [str(r.peer) for r in rules[1:]] == [
        "10.0.0.0/8",
        "192.168.1.7/32",
        "2001:db8::/32",
        "pl-1",
        "111111111111/sg-1",
    ]
    assert rules[1].description == "corp" and rules[2].description is None


def test_cross_account_and_peering_group_references() -> None:
    perm = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "UserIdGroupPairs": [
            {"GroupId": "sg-2", "UserId": "222222222222"},
            {
                "GroupId": "sg-3",
                "UserId": "333333333333",
                "VpcId": "vpc-3",
                "VpcPeeringConnectionId": "pcx-1",
                "PeeringStatus": "active",
            },
        ],
    }
    other = _sg([], gid="sg-2", owner="222222222222")
    snap = _load(_sg([perm]), other)
    peers = [r.peer for r in snap.security_groups["sg-1"].ingress]
    assert peers == [GroupPeer("sg-2", "222222222222"), GroupPeer("sg-3", "333333333333", "vpc-3", "active")]
    # sg-2 (other account) is in the snapshot; sg-3 is not: warned, naming the account
    (warning,) = snap.warnings
    assert (
        warning.code == "UNRESOLVED_GROUP" and "sg-3" in warning.message and "333333333333" in warning.message
    )


def _acl(entries: list[Json], acl_id: str = "acl-1", vpc: str = "vpc-1") -> Json:
    return {"NetworkAcls": [{"NetworkAclId": acl_id, "VpcId": vpc, "IsDefault": False, "Entries": entries}]}


def _entry(number: int, egress: bool = False, action: str = "allow", **kw: Any) -> Json:
    return {"RuleNumber": number, "Protocol": "-1", "RuleAction": action, "Egress": egress, **kw}


V4 = {"CidrBlock": "0.0.0.0/0"}
V6 = {"Ipv6CidrBlock": "::/0"}


def test_nacl_entries_sorted_per_direction_never_file_order() -> None:
    snap = _load(
        _acl(
            [
                _entry(300, **V4),
                _entry(100, egress=True, **V4),
                _entry(32767, action="deny", **V4),
                _entry(5, action="deny", CidrBlock="203.0.113.0/24"),
                _entry(200, **V4),
                _entry(50, egress=True, action="deny", CidrBlock="198.51.100.0/24"),
            ]
        )
    )
    acl = snap.network_acls["acl-1"]
    assert [e.rule_number for e in acl.ingress] == [5, 200, 300, 32767]
    assert [e.rule_number for e in acl.egress] == [50, 100, 32767]  # `*` implied on the egress side only
    assert acl.ingress[0].action is RuleAction.DENY and acl.ingress[-1].action is RuleAction.DENY


def test_ipv6_star_only_when_the_acl_or_its_vpc_has_ipv6() -> None:
    v4_only = _load(_acl([_entry(100, **V4)]))
    assert [e.rule_number for e in v4_only.network_acls["acl-1"].ingress] == [100, 32767]
    with_v6_entry = _load(_acl([_entry(100, **V6)]))
    assert [e.rule_number for e in with_v6_entry.network_acls["acl-1"].egress] == [32767, 32768]
    vpc = {
        "Vpcs": [
            {
                "VpcId": "vpc-1",
                "CidrBlock": "10.0.0.0/16",
                "Ipv6CidrBlockAssociationSet": [
                    {"Ipv6CidrBlock": "2001:db8::/56", "Ipv6CidrBlockState": {"State": "associated"}}
                ],
            }
        ]
    }
    v6_vpc = _load(_acl([_entry(100, **V4)]), vpc)  # the VPC comes in a later document: still found
    star = v6_vpc.network_acls["acl-1"].ingress[-1]
    assert (star.rule_number, star.cidr.version, star.action, star.protocol) == (
        32768,
        6,
        RuleAction.DENY,
        -1,
    )
    given = _load(_acl([_entry(32768, action="deny", **V6), _entry(32767, action="deny", **V4)]), vpc)
    assert [e.rule_number for e in given.network_acls["acl-1"].ingress] == [32767, 32768]  # not doubled


def test_nacl_ports_and_icmp_only_for_their_protocols() -> None:
    snap = _load(
        _acl(
            [
                {**_entry(100, **V4), "Protocol": "6", "PortRange": {"From": 443, "To": 443}},
                {**_entry(110, **V4), "Protocol": "17"},  # no PortRange: every port
                {**_entry(120, **V4), "Protocol": "1", "IcmpTypeCode": {"Type": 0, "Code": -1}},
                {**_entry(130, **V4), "Protocol": "50", "PortRange": {"From": 1, "To": 2}},
            ]
        )
    )
    e = snap.network_acls["acl-1"].ingress
    assert [(x.protocol, x.ports, x.icmp) for x in e[:4]] == [
        (TCP, PortRange(443, 443), None),
        (UDP, None, None),
        (ICMP, None, IcmpMatch(0, -1)),
        (50, None, None),
    ]


def _rtb(routes: list[Json], assoc: list[Json] | None = None) -> Json:
    return {
        "RouteTables": [
            {
                "RouteTableId": "rtb-1",
                "VpcId": "vpc-1",
                "Associations": assoc if assoc is not None else [{"Main": True}],
                "Routes": routes,
            }
        ]
    }


MODELLED = [
    ({"TransitGatewayId": "tgw-1"}, RouteTarget.TRANSIT_GATEWAY, "tgw-1"),
    ({"GatewayId": "vgw-1"}, RouteTarget.VIRTUAL_PRIVATE_GATEWAY, "vgw-1"),
    ({"GatewayId": "vpce-1"}, RouteTarget.GATEWAY_ENDPOINT, "vpce-1"),
    ({"NetworkInterfaceId": "eni-9"}, RouteTarget.NETWORK_INTERFACE, "eni-9"),
    ({"InstanceId": "i-9", "NetworkInterfaceId": "eni-9"}, RouteTarget.INSTANCE, "eni-9"),
]


@pytest.mark.parametrize(("target", "kind", "tid"), MODELLED, ids=[u[1].value for u in MODELLED])
def test_modelled_route_targets_parse_without_unsupported_warning(
    target: Json, kind: RouteTarget, tid: str
) -> None:
    snap = _load(_rtb([{"DestinationCidrBlock": "172.16.0.0/12", "State": "active", **target}]))
    (route,) = snap.route_tables["rtb-1"].routes
    assert route.target is kind and route.target_id == tid
    # modelled (no UNSUPPORTED_ROUTE_TARGET); the target and the VPC are absent from this one-table snapshot
    codes = {w.code: w.message for w in snap.warnings}
    assert sorted(codes) == ["UNRESOLVED_ROUTE_TARGET", "UNRESOLVED_VPC"]
    assert tid in codes["UNRESOLVED_ROUTE_TARGET"]


UNSUPPORTED = [
    ({"CarrierGatewayId": "cagw-1"}, RouteTarget.CARRIER_GATEWAY, "cagw-1"),
    ({"LocalGatewayId": "lgw-1"}, RouteTarget.LOCAL_GATEWAY, "lgw-1"),
    ({"CoreNetworkArn": "arn:aws:networkmanager::1:core-network/x"}, RouteTarget.CORE_NETWORK, None),
    ({"GatewayId": "xyz-1"}, RouteTarget.UNKNOWN, "xyz-1"),
]


@pytest.mark.parametrize(("target", "kind", "tid"), UNSUPPORTED, ids=[u[1].value for u in UNSUPPORTED])
def test_unsupported_route_target_warned(target: Json, kind: RouteTarget, tid: str | None) -> None:
    snap = _load(_rtb([{"DestinationCidrBlock": "172.16.0.0/12", "State": "active", **target}]))
    (route,) = snap.route_tables["rtb-1"].routes
    assert route.target is kind and (tid is None or route.target_id == tid)
    (warning,) = _only(snap, "UNSUPPORTED_ROUTE_TARGET")
    assert warning.resource_id == "rtb-1"
    assert "rtb-1" in warning.message and "172.16.0.0/12" in warning.message
    assert str(route.target_id) in warning.message
    assert warning.source == "doc0.json: $.RouteTables[0].Routes[0]"


def test_modelled_targets_ipv6_and_blackhole_routes_are_not_warned() -> None:
    snap = _load(
        _rtb(
            [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
                {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"},
                {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"},
                {"DestinationCidrBlock": "10.1.0.0/16", "VpcPeeringConnectionId": "pcx-1"},
                {"DestinationCidrBlock": "10.2.0.0/16", "NatGatewayId": "nat-1"},
                {"DestinationCidrBlock": "10.3.0.0/16", "TransitGatewayId": "tgw-gone", "State": "blackhole"},
            ]
        )
    )
    routes = snap.route_tables["rtb-1"].routes
    assert [r.target for r in routes] == [
        RouteTarget.LOCAL,
        RouteTarget.INTERNET_GATEWAY,
        RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY,
        RouteTarget.VPC_PEERING,
        RouteTarget.NAT_GATEWAY,
        RouteTarget.TRANSIT_GATEWAY,
    ]
    assert routes[2].destination is not None and routes[2].destination.version == 6
    assert routes[-1].blackhole and not _only(snap, "UNSUPPORTED_ROUTE_TARGET")
    # the gateways are not in the snapshot: each route to one is a dangling reference (not the blackhole)
    dangling = _only(snap, "UNRESOLVED_ROUTE_TARGET")
    assert [(w.resource_id, w.source) for w in dangling] == [
        ("rtb-1", f"doc0.json: $.RouteTables[0].Routes[{i}]") for i in (1, 2, 3, 4)
    ]
    assert [w.message.split(": ")[0] for w in dangling] == [
        "rtb-1 route 0.0.0.0/0 → igw-1",
        "rtb-1 route ::/0 → eigw-1",
        "rtb-1 route 10.1.0.0/16 → pcx-1",
        "rtb-1 route 10.2.0.0/16 → nat-1",
    ]


def test_route_table_associations_main_subnet_gateway() -> None:
    snap = _load(
        _rtb(
            [],
            [
                {"Main": True},
                {"SubnetId": "subnet-1", "AssociationState": {"State": "associated"}},
                {"SubnetId": "subnet-2", "AssociationState": {"State": "disassociated"}},
                {"GatewayId": "igw-1"},
            ],
        )
    )
    rtb = snap.route_tables["rtb-1"]
    assert (rtb.is_main, rtb.subnet_ids, rtb.gateway_ids) == (
        True,
        frozenset({"subnet-1"}),
        frozenset({"igw-1"}),
    )
    # an edge association (ingress routing) is modelled; subnet-1 is not in the snapshot
    assert _codes(snap) == ["UNRESOLVED_VPC", "UNRESOLVED_SUBNET"]


def test_unknown_keys_warned_with_place_empty_ones_silent() -> None:
    snap = _load({"Frobnicators": [{"x": 1}], "Widgets": [], "NextToken": "abc", "ResponseMetadata": {}})
    (warning,) = snap.warnings
    assert (warning.code, warning.source) == ("UNKNOWN_KEY", "doc0.json: $.Frobnicators")


def test_known_but_unmodelled_and_ignored_keys_are_counted() -> None:
    snap = _load(
        {
            "TrafficMirrorSessions": [{}, {}],
            "VpnConnectionDeviceTypes": [{}],
            "AvailabilityZones": [{}, {}, {}],
        },
        {
            "TrafficMirrorSessions": [{}],
            "TransitGatewayConnectPeers": [{}],
            "LoadBalancerPolicyDescriptions": [{}],
        },
        {"DhcpOptions": [], "FlowLogs": []},  # empty lists: nothing to count
    )
    assert dict(snap.not_modelled) == {
        "TrafficMirrorSessions": 3,
        "VpnConnectionDeviceTypes": 1,
        "AvailabilityZones": 3,
        "TransitGatewayConnectPeers": 1,
        "LoadBalancerPolicyDescriptions": 1,
    }
    messages = [w.message for w in snap.warnings if w.code == "NOT_MODELLED"]
    assert "3 TrafficMirrorSessions item(s) in 2 files loaded but not modelled" in messages
    assert "3 AvailabilityZones item(s) ignored: not needed to model traffic filtering" in messages
    assert len(messages) == 5 and _codes(snap) == ["NOT_MODELLED"] * 5  # one per key, never per file


def test_same_key_from_another_describe_call_is_not_parsed_as_resources() -> None:
    snap = _load(
        {"Vpcs": [{"VpcId": "vpc-1", "ClassicLinkEnabled": False, "Tags": []}]},
        {"Addresses": [{"AllocationId": "eipalloc-1", "PublicIp": "198.51.100.9"}]},
        {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]},
    )
    assert list(snap.vpcs) == ["vpc-1"] and not snap.elastic_ips
    assert dict(snap.not_modelled) == {
        "Vpcs (describe-vpc-classic-link)": 1,
        "Addresses (describe-addresses-attribute)": 1,
    }


def test_duplicate_ids_warned_identical_ones_silent() -> None:
    a = _sg([{"IpProtocol": "-1", **WORLD}])
    b = _sg([{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, **WORLD}])
    assert not _load(a, a).warnings
    snap = _load(a, b)
    assert _codes(snap) == ["DUPLICATE_ID"] and snap.warnings[0].source == "doc1.json: $.SecurityGroups[0]"
    assert snap.security_groups["sg-1"].ingress[0].protocol == -1  # the first one read is kept


def _eni(eni_id: str = "eni-1", **extra: Any) -> Json:
    return {
        "NetworkInterfaceId": eni_id,
        "SubnetId": "subnet-1",
        "VpcId": "vpc-1",
        "PrivateIpAddress": "10.0.0.5",
        "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.5", "Primary": True}],
        "Groups": [{"GroupId": "sg-1"}],
        **extra,
    }


def _reservation(instance: Json) -> Json:
    return {"Reservations": [{"ReservationId": "r-1", "Instances": [instance]}]}


def _instance(nics: list[Json], state: str = "running", **extra: Any) -> Json:
    return {
        "InstanceId": "i-1",
        "State": {"Code": 16, "Name": state},
        "SubnetId": "subnet-1",
        "VpcId": "vpc-1",
        "NetworkInterfaces": nics,
        **extra,
    }


def test_public_ips_from_eni_associations_and_elastic_ips() -> None:
    eni = _eni(
        Association={"PublicIp": "198.51.100.1"},
        PrivateIpAddresses=[
            {"PrivateIpAddress": "10.0.0.5", "Primary": True, "Association": {"PublicIp": "198.51.100.1"}},
            {"PrivateIpAddress": "10.0.0.6", "Primary": False, "Association": {"PublicIp": "198.51.100.2"}},
            {"PrivateIpAddress": "10.0.0.7", "Primary": False},
        ],
    )
    eip = {
        "Addresses": [
            {"PublicIp": "198.51.100.3", "PrivateIpAddress": "10.0.0.7", "NetworkInterfaceId": "eni-1"}
        ]
    }
    snap = _load({"NetworkInterfaces": [eni]}, eip, _sg([]))
    pairs = [(str(a), str(b)) for a, b in snap.interfaces["eni-1"].public_ips]
    assert pairs == [("10.0.0.5", "198.51.100.1"), ("10.0.0.6", "198.51.100.2"), ("10.0.0.7", "198.51.100.3")]
    assert snap.eni_by_public_ip[Address.parse("198.51.100.3")] == ("eni-1", Address.parse("10.0.0.7"))


def test_instance_embedded_interfaces_fill_gaps() -> None:
    nic = _eni(Attachment={"DeviceIndex": 0, "Status": "attached"})
    del nic["SubnetId"], nic["VpcId"]  # embedded ENIs may leave them to the instance
    inst = _instance([nic], PublicIpAddress="203.0.113.5", Platform="windows")
    only_instances = _load(_reservation(inst), _sg([]))
    eni = only_instances.interfaces["eni-1"]
    assert (eni.instance_id, eni.subnet_id, eni.vpc_id) == ("i-1", "subnet-1", "vpc-1")
    assert [(str(a), str(b)) for a, b in eni.public_ips] == [("10.0.0.5", "203.0.113.5")]
    assert only_instances.instances["i-1"].platform == "windows"
    # describe-network-interfaces wins, the instance's public IP is still added
    both = _load(_reservation(inst), {"NetworkInterfaces": [_eni(Description="from ENI file")]}, _sg([]))
    assert both.interfaces["eni-1"].description == "from ENI file"
    assert both.interfaces["eni-1"].instance_id == "i-1"
    assert [str(b) for _a, b in both.interfaces["eni-1"].public_ips] == ["203.0.113.5"]


def test_every_instance_state_is_kept() -> None:
    snap = _load(
        {
            "Reservations": [
                {"Instances": [{**_instance([]), "InstanceId": f"i-{state}", "State": {"Name": state}}]}
                for state in ("pending", "running", "stopped", "terminated")
            ]
        }
    )
    assert {i: x.state for i, x in snap.instances.items()} == {
        "i-pending": "pending",
        "i-running": "running",
        "i-stopped": "stopped",
        "i-terminated": "terminated",
    }


def test_ephemeral_ports_tag_on_eni_or_instance() -> None:
    tagged = _eni(TagSet=[{"Key": "vpcflow:ephemeral-ports", "Value": "1024-65535"}])
    inst = _instance(
        [{**_eni("eni-2"), "Attachment": {"DeviceIndex": 0}}],
        Tags=[{"Key": "vpcflow:ephemeral-ports", "Value": "windows"}],
    )
    snap = _load({"NetworkInterfaces": [tagged]}, _reservation(inst), _sg([]))
    assert snap.interfaces["eni-1"].ephemeral_ports == PortRange(1024, 65535)
    assert snap.interfaces["eni-2"].ephemeral_ports == PortRange(49152, 65535)  # from the instance tag


def test_eni_in_unknown_group_warned() -> None:
    snap = _load({"NetworkInterfaces": [_eni(Groups=[{"GroupId": "sg-1"}, {"GroupId": "sg-404"}])]}, _sg([]))
    (warning,) = _only(snap, "UNRESOLVED_GROUP")
    assert warning.resource_id == "eni-1" and "sg-404" in warning.message
    assert warning.source == "doc0.json: $.NetworkInterfaces[0].Groups[1]"


def test_prefix_list_references_and_entries() -> None:
    rules = [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "PrefixListIds": [{"PrefixListId": "pl-missing"}],
        },
        {"IpProtocol": "tcp", "FromPort": 23, "ToPort": 23, "PrefixListIds": [{"PrefixListId": "pl-empty"}]},
    ]
    managed = {
        "PrefixLists": [
            {"PrefixListId": "pl-empty", "OwnerId": "111111111111", "MaxEntries": 3},
            {"PrefixListId": "pl-unused", "OwnerId": "111111111111", "MaxEntries": 3},
        ]
    }
    snap = _load(
        _sg(rules),
        managed,
        {"PrefixListId": "pl-orphan", "Entries": [{"Cidr": "192.0.2.0/24"}]},
        {"PrefixListEntries": [{"Cidr": "198.51.100.0/24"}]},
    )
    got = sorted((w.resource_id or "", w.message.split(" ")[0]) for w in snap.warnings)
    assert [w.code for w in snap.warnings] == ["UNRESOLVED_PREFIX_LIST"] * 4
    # a missing list, a used list with no entries, entries for no list, entries with no list id;
    # the unused empty list says nothing
    assert got == [("", "1"), ("pl-empty", "prefix"), ("pl-orphan", "entries"), ("sg-1", "sg-1")]
    assert [str(c) for c in snap.prefix_lists["pl-orphan"].cidrs] == ["192.0.2.0/24"]


def test_nat_gateway_addresses_and_connectivity() -> None:
    snap = _load(
        {
            "NatGateways": [
                {
                    "NatGatewayId": "nat-1",
                    "VpcId": "vpc-1",
                    "SubnetId": "subnet-1",
                    "State": "available",
                    "NatGatewayAddresses": [
                        {"PrivateIp": "10.0.0.9", "IsPrimary": False, "PublicIp": "198.51.100.8"},
                        {
                            "PrivateIp": "10.0.0.10",
                            "IsPrimary": True,
                            "PublicIp": "198.51.100.9",
                            "NetworkInterfaceId": "eni-nat",
                        },
                    ],
                },
                {
                    "NatGatewayId": "nat-2",
                    "VpcId": "vpc-1",
                    "SubnetId": "subnet-1",
                    "ConnectivityType": "private",
                    "NatGatewayAddresses": [{"PrivateIp": "10.0.0.11"}],
                },
            ]
        }
    )
    one, two = snap.nat_gateways["nat-1"], snap.nat_gateways["nat-2"]
    assert (one.connectivity, one.eni_id, str(one.private_ip), str(one.public_ip)) == (
        "public",
        "eni-nat",
        "10.0.0.10",
        "198.51.100.9",
    )
    assert (two.connectivity, str(two.private_ip), two.public_ip, two.state) == (
        "private",
        "10.0.0.11",
        None,
        "available",
    )


def test_empty_top_level_lists_make_an_empty_snapshot() -> None:
    snap = _load({"Vpcs": [], "SecurityGroups": [], "NetworkAcls": [], "Reservations": []})
    assert not snap.vpcs and not snap.security_groups and not snap.warnings


@pytest.mark.parametrize(
    ("dirs", "scope"),
    [
        (("aws_configs", "eu-west-1"), (None, "eu-west-1")),
        (("aws_configs", "123456789012", "us-gov-west-1"), ("123456789012", "us-gov-west-1")),
        (("aws_configs", "accounts", "111", "us-west-1"), ("111", "us-west-1")),
        (("home", "x", "aws_configs", "accounts", "prod", "ap-southeast-2"), ("prod", "ap-southeast-2")),
        (("aws_configs",), (None, None)),
        (("aws_configs", "12345", "us-east-1"), (None, "us-east-1")),  # not 12 digits, not under accounts/
        (("snapshots", "cn-north-1"), (None, "cn-north-1")),
        (("aws_configs", "us-east-1", "extra"), (None, "us-east-1")),
        (("aws_configs", "useast1"), (None, None)),
    ],
)
def test_scope_from_directories(dirs: tuple[str, ...], scope: tuple[str | None, str | None]) -> None:
    assert scope_of(dirs) == scope


def test_source_names_give_the_scope_in_memory_too() -> None:
    result = load_data_with_report(
        [
            (
                "aws_configs/123456789012/eu-west-1/Vpcs.json",
                {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]},
            ),
            ("plain", {"Vpcs": [{"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"}]}),
        ]
    )
    vpcs = result.snapshot.vpcs
    assert (vpcs["vpc-1"].owner_id, vpcs["vpc-1"].region) == ("123456789012", "eu-west-1")
    assert (vpcs["vpc-2"].owner_id, vpcs["vpc-2"].region) == (None, None)
    assert [(s.account, s.region, s.items) for s in result.scopes] == [
        ("123456789012", "eu-west-1", {"Vpcs": 1}),
        (None, None, {"Vpcs": 1}),
    ]
