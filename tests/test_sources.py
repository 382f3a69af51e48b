"""The snapshot loader: dispatch, normalisation, warnings, and every class of bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vpcflow.cli import main
from vpcflow.errors import SnapshotError
from vpcflow.model import ICMPV6, CidrPeer, Direction, GroupPeer, PrefixListPeer, RuleAction
from vpcflow.sources import load_snapshot, load_snapshot_data

VPC = {
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


def _acl(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": False, "Entries": entries}]
    }


def test_nacl_entries_sorted_by_number_and_star_implied() -> None:
    snap = load_snapshot_data(
        [
            ("vpc", VPC),
            (
                "acl",
                _acl(
                    [
                        {
                            "RuleNumber": 200,
                            "Protocol": "6",
                            "RuleAction": "deny",
                            "Egress": False,
                            "CidrBlock": "0.0.0.0/0",
                            "PortRange": {"From": 22, "To": 22},
                        },
                        {
                            "RuleNumber": 100,
                            "Protocol": "-1",
                            "RuleAction": "allow",
                            "Egress": False,
                            "CidrBlock": "10.0.0.0/8",
                        },
                        {
                            "RuleNumber": 101,
                            "Protocol": "-1",
                            "RuleAction": "allow",
                            "Egress": False,
                            "Ipv6CidrBlock": "::/0",
                        },
                    ]
                ),
            ),
        ]
    )
    acl = snap.network_acls["acl-1"]
    assert [e.rule_number for e in acl.ingress] == [100, 101, 200, 32767, 32768]
    assert acl.ingress[-1].cidr.version == 6 and acl.ingress[-1].action is RuleAction.DENY
    # the VPC has IPv6, so the egress side gets both `*` rules though the file had none
    assert [e.rule_number for e in acl.egress] == [32767, 32768]
    assert acl.ingress[2].ports is not None and (acl.ingress[2].ports.lo, acl.ingress[2].ports.hi) == (22, 22)


def _sg(perms: list[dict[str, Any]], egress: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "SecurityGroups": [
            {
                "GroupId": "sg-1",
                "GroupName": "one",
                "VpcId": "vpc-1",
                "IpPermissions": perms,
                "IpPermissionsEgress": egress or [],
            }
        ]
    }


def test_security_group_protocols_normalised_once() -> None:
    perms = [
        {"IpProtocol": "6", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 81, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "icmpv6", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "50", "FromPort": 5, "ToPort": 6, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "UserIdGroupPairs": [{"GroupId": "sg-9", "UserId": "999999999999"}],
            "PrefixListIds": [{"PrefixListId": "pl-1"}],
        },
    ]
    snap = load_snapshot_data([("sg", _sg(perms))])
    rules = snap.security_groups["sg-1"].ingress
    assert [r.protocol for r in rules] == [6, 6, -1, ICMPV6, 1, 50, 6, 6]
    assert rules[0].ports is not None and rules[0].ports.lo == 22
    assert rules[2].ports is None
    assert rules[3].icmp is not None and rules[3].icmp.type == -1  # icmpv6 without ports: all types
    assert rules[4].icmp is not None and (rules[4].icmp.type, rules[4].icmp.code) == (8, -1)
    assert rules[5].ports is None  # ports of protocol 50 are ignored (API_IpPermission)
    peers = {type(r.peer) for r in rules[6:]}
    assert peers == {GroupPeer, PrefixListPeer}
    grp = next(r.peer for r in rules[6:] if isinstance(r.peer, GroupPeer))
    assert grp.account == "999999999999"
    assert all(r.permission_index == 6 for r in rules[6:])
    codes = sorted(w.code for w in snap.warnings)
    assert codes == ["UNRESOLVED_GROUP", "UNRESOLVED_PREFIX_LIST"]
    assert isinstance(rules[0].peer, CidrPeer) and rules[0].direction is Direction.INGRESS


def test_unknown_and_unmodelled_keys_are_reported() -> None:
    snap = load_snapshot_data(
        [("x", {"Frobs": [1], "TrafficMirrorSessions": [{"TrafficMirrorSessionId": "tms-1"}]})]
    )
    assert [w.code for w in snap.warnings] == ["UNKNOWN_KEY", "NOT_MODELLED"]
    assert dict(snap.not_modelled) == {"TrafficMirrorSessions": 1}


def test_unsupported_route_target_warned() -> None:
    rtb = {
        "RouteTables": [
            {
                "RouteTableId": "rtb-1",
                "VpcId": "vpc-1",
                "Associations": [{"Main": True}],
                "Routes": [
                    {"DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayId": "tgw-1", "State": "active"},
                    {"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1", "State": "active"},
                ],
            }
        ]
    }
    snap = load_snapshot_data([("rtb", rtb)])
    msgs = [w.message for w in snap.warnings if w.code == "UNSUPPORTED_ROUTE_TARGET"]
    assert len(msgs) == 2 and "tgw-1" in msgs[0] and "vpce-1" in msgs[1]


def test_managed_prefix_list_entries_inline_and_separate() -> None:
    snap = load_snapshot_data(
        [
            (
                "m",
                {
                    "ManagedPrefixLists": [
                        {
                            "PrefixListId": "pl-a",
                            "PrefixListName": "office",
                            "MaxEntries": 5,
                            "OwnerId": "123456789012",
                            "Entries": [{"Cidr": "192.0.2.0/24"}],
                        },
                        {"PrefixListId": "pl-b", "OwnerId": "123456789012"},
                    ]
                },
            ),
            (
                "e",
                {"PrefixListId": "pl-b", "Entries": [{"Cidr": "198.51.100.0/24"}, {"Cidr": "2001:db8::/64"}]},
            ),
            (
                "p",
                {
                    "PrefixLists": [
                        {
                            "PrefixListId": "pl-s3",
                            "PrefixListName": "com.amazonaws.us-east-1.s3",
                            "Cidrs": ["52.216.0.0/15"],
                        }
                    ]
                },
            ),
        ]
    )
    assert [str(c) for c in snap.prefix_lists["pl-a"].cidrs] == ["192.0.2.0/24"]
    assert [str(c) for c in snap.prefix_lists["pl-b"].cidrs] == ["198.51.100.0/24", "2001:db8::/64"]
    assert snap.prefix_lists["pl-s3"].aws_managed and not snap.prefix_lists["pl-a"].aws_managed


def test_batfish_layout_gives_account_and_region(tmp_path: Path) -> None:
    d = tmp_path / "aws_configs" / "123456789012" / "eu-west-1"
    d.mkdir(parents=True)
    (d / "whatever.json").write_text(json.dumps(VPC))
    (tmp_path / "aws_configs" / "notes.txt").write_text("ignored")
    snap = load_snapshot(tmp_path)
    assert (snap.vpcs["vpc-1"].owner_id, snap.vpcs["vpc-1"].region) == ("123456789012", "eu-west-1")


def test_eip_and_ephemeral_tag_reach_the_interface() -> None:
    eni = {
        "NetworkInterfaces": [
            {
                "NetworkInterfaceId": "eni-1",
                "SubnetId": "subnet-1",
                "VpcId": "vpc-1",
                "PrivateIpAddress": "10.0.0.5",
                "PrivateIpAddresses": [
                    {"PrivateIpAddress": "10.0.0.5", "Primary": True},
                    {"PrivateIpAddress": "10.0.0.6", "Primary": False},
                ],
                "Groups": [],
                "TagSet": [{"Key": "vpcflow:ephemeral-ports", "Value": "windows"}],
            }
        ]
    }
    eip = {
        "Addresses": [
            {"PublicIp": "198.51.100.1", "PrivateIpAddress": "10.0.0.6", "NetworkInterfaceId": "eni-1"}
        ]
    }
    snap = load_snapshot_data([("eni", eni), ("eip", eip)])
    e = snap.interfaces["eni-1"]
    assert [str(a) for a in e.private_ips] == ["10.0.0.5", "10.0.0.6"]
    assert [(str(a), str(b)) for a, b in e.public_ips] == [("10.0.0.6", "198.51.100.1")]
    assert e.ephemeral_ports is not None and (e.ephemeral_ports.lo, e.ephemeral_ports.hi) == (49152, 65535)


BAD_INPUTS: list[tuple[str, str, str]] = [
    ("invalid-json", '{"Vpcs": [', "invalid JSON: Expecting value at line 1 column 11"),
    ("not-object", "[1, 2]", "at $: expected a JSON object of describe-* output, found list"),
    ("not-list", '{"Vpcs": {"VpcId": "vpc-1"}}', "at $.Vpcs: expected a list, found dict"),
    (
        "missing-key",
        '{"SecurityGroups": [{"GroupName": "x"}]}',
        "at $.SecurityGroups[0]: missing required key 'GroupId'",
    ),
    (
        "bad-cidr",
        '{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1, '
        '"ToPort": 2, "IpRanges": [{"CidrIp": "10.0.0.300/8"}]}]}]}',
        "at $.SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp: invalid CIDR '10.0.0.300/8'",
    ),
    (
        "bad-protocol",
        '{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tpc"}]}]}',
        "at $.SecurityGroups[0].IpPermissions[0].IpProtocol: unknown protocol 'tpc'",
    ),
    (
        "bad-port",
        '{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1, '
        '"ToPort": 70000, "IpRanges": []}]}]}',
        "at $.SecurityGroups[0].IpPermissions[0].ToPort: port 70000 out of range",
    ),
    (
        "bad-rule-number",
        '{"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "Entries": [{"RuleNumber": 0, '
        '"Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"}]}]}',
        "at $.NetworkAcls[0].Entries[0].RuleNumber: rule number 0 out of range",
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_names_file_and_path(tmp_path: Path, name: str, text: str, expected: str) -> None:
    f = tmp_path / f"{name}.json"
    f.write_text(text)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(f)
    assert str(info.value).startswith(str(f))
    assert expected in str(info.value)


@pytest.mark.parametrize(("name", "text", "expected"), BAD_INPUTS[:3], ids=[b[0] for b in BAD_INPUTS[:3]])
def test_cli_bad_input_exit_2_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, expected: str
) -> None:
    f = tmp_path / f"{name}.json"
    f.write_text(text)
    for argv in (["snapshot", "info", str(f)], ["trace", str(f), "--src", "a", "--dst", "b", "--port", "1"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err and expected in err


def test_missing_path_and_empty_dir(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="no such file or directory"):
        load_snapshot(tmp_path / "nope")
    (tmp_path / "readme.txt").write_text("x")
    with pytest.raises(SnapshotError, match=r"no \*\.json files"):
        load_snapshot(tmp_path)
