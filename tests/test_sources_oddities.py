"""A loader that says what is odd: every dangling reference and every contradiction in a snapshot is a
named warning carrying the resource id and the file and JSON path it came from; contradictions are also
recorded on ``Snapshot.contradictions`` so that answers depending on them can be UNKNOWN.

Each case starts from a small, consistent estate (no warnings at all) and changes one thing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from vpcflow.cli import main
from vpcflow.errors import SnapshotError
from vpcflow.model import Snapshot, SnapshotWarning
from vpcflow.sources import load_data_with_report, load_snapshot, load_snapshot_data

Json = dict[str, Any]


def _estate() -> dict[str, Json]:
    """One VPC, two subnets, the default ACL and main route table, an IGW, a group and two ENIs."""
    return {
        "vpcs.json": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]},
        "subnets.json": {
            "Subnets": [
                {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"},
                {"SubnetId": "subnet-2", "VpcId": "vpc-1", "CidrBlock": "10.0.2.0/24"},
            ]
        },
        "acls.json": {
            "NetworkAcls": [
                {
                    "NetworkAclId": "acl-1",
                    "VpcId": "vpc-1",
                    "IsDefault": True,
                    "Entries": [],
                    "Associations": [{"SubnetId": "subnet-1"}, {"SubnetId": "subnet-2"}],
                }
            ]
        },
        "rtbs.json": {
            "RouteTables": [
                {
                    "RouteTableId": "rtb-1",
                    "VpcId": "vpc-1",
                    "Associations": [{"Main": True}],
                    "Routes": [
                        {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
                        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"},
                    ],
                }
            ]
        },
        "igws.json": {
            "InternetGateways": [
                {"InternetGatewayId": "igw-1", "Attachments": [{"VpcId": "vpc-1", "State": "available"}]}
            ]
        },
        "sgs.json": {"SecurityGroups": [{"GroupId": "sg-1", "VpcId": "vpc-1"}]},
        "enis.json": {
            "NetworkInterfaces": [
                {
                    "NetworkInterfaceId": f"eni-{n}",
                    "SubnetId": f"subnet-{n}",
                    "VpcId": "vpc-1",
                    "PrivateIpAddress": f"10.0.{n}.10",
                    "Groups": [{"GroupId": "sg-1"}],
                }
                for n in (1, 2)
            ]
        },
    }


def _load(estate: dict[str, Json], *extra: tuple[str, Json]) -> Snapshot:
    return load_snapshot_data([*estate.items(), *extra])


def _warnings(snap: Snapshot, code: str) -> list[SnapshotWarning]:
    return [w for w in snap.warnings if w.code == code]


def test_the_estate_is_consistent() -> None:
    snap = _load(_estate())
    assert snap.warnings == () and dict(snap.contradictions) == {}
    assert snap.contradiction("eni-1", "subnet-1", None) is None


# -- dangling references -----------------------------------------------------------------------------


def test_eni_in_missing_subnet_vpc_and_group() -> None:
    estate = _estate()
    eni = estate["enis.json"]["NetworkInterfaces"][1]
    eni.update(SubnetId="subnet-9", VpcId="vpc-9", Groups=[{"GroupId": "sg-9"}])
    snap = _load(estate)
    found = {(w.code, w.resource_id, w.source) for w in snap.warnings}
    assert found == {
        ("UNRESOLVED_SUBNET", "eni-2", "enis.json: $.NetworkInterfaces[1].SubnetId"),
        ("UNRESOLVED_VPC", "eni-2", "enis.json: $.NetworkInterfaces[1].VpcId"),
        ("UNRESOLVED_GROUP", "eni-2", "enis.json: $.NetworkInterfaces[1].Groups[0]"),
    }
    (subnet,) = _warnings(snap, "UNRESOLVED_SUBNET")
    assert "subnet-9" in subnet.message
    assert "eni-2" not in snap.contradictions  # missing is not contradictory: the id is simply absent


def test_associations_and_tables_naming_missing_subnets_and_vpcs() -> None:
    estate = _estate()
    estate["acls.json"]["NetworkAcls"][0]["Associations"].append({"SubnetId": "subnet-9"})
    estate["rtbs.json"]["RouteTables"].append(
        {"RouteTableId": "rtb-2", "VpcId": "vpc-9", "Associations": [{"SubnetId": "subnet-8"}], "Routes": []}
    )
    snap = _load(estate)
    found = {(w.code, w.resource_id, w.source) for w in snap.warnings}
    assert found == {
        ("UNRESOLVED_SUBNET", "acl-1", "acls.json: $.NetworkAcls[0].Associations[2]"),
        ("UNRESOLVED_SUBNET", "rtb-2", "rtbs.json: $.RouteTables[1].Associations[0]"),
        ("UNRESOLVED_VPC", "rtb-2", "rtbs.json: $.RouteTables[1].VpcId"),
    }


@pytest.mark.parametrize(
    ("target", "tid"),
    [
        ({"GatewayId": "igw-9"}, "igw-9"),
        ({"NatGatewayId": "nat-9"}, "nat-9"),
        ({"VpcPeeringConnectionId": "pcx-9"}, "pcx-9"),
        ({"EgressOnlyInternetGatewayId": "eigw-9"}, "eigw-9"),
        ({"NetworkInterfaceId": "eni-9"}, "eni-9"),
        ({"InstanceId": "i-9"}, "i-9"),
    ],
)
def test_route_to_a_missing_target(target: Json, tid: str) -> None:
    estate = _estate()
    estate["rtbs.json"]["RouteTables"][0]["Routes"].append(
        {"DestinationCidrBlock": "172.16.0.0/12", **target}
    )
    snap = _load(estate)
    (w,) = _warnings(snap, "UNRESOLVED_ROUTE_TARGET")
    assert (w.resource_id, w.source) == ("rtb-1", "rtbs.json: $.RouteTables[0].Routes[2]")
    assert w.message.startswith(f"rtb-1 route 172.16.0.0/12 → {tid}: no such")


def test_blackhole_route_to_a_deleted_gateway_is_no_dangling_reference() -> None:
    estate = _estate()
    route = {"DestinationCidrBlock": "172.16.0.0/12", "NatGatewayId": "nat-gone", "State": "blackhole"}
    estate["rtbs.json"]["RouteTables"][0]["Routes"].append(route)
    assert _load(estate).warnings == ()


def test_nat_gateway_and_elastic_ip_references() -> None:
    nat = {
        "NatGatewayId": "nat-1",
        "VpcId": "vpc-1",
        "SubnetId": "subnet-7",
        "NatGatewayAddresses": [{"PrivateIp": "10.0.7.5", "PublicIp": "198.51.100.7"}],
    }
    eips = {
        "Addresses": [
            {"PublicIp": "198.51.100.8", "AllocationId": "eipalloc-8", "NetworkInterfaceId": "eni-8"},
            {"PublicIp": "198.51.100.9", "AllocationId": "eipalloc-9", "InstanceId": "i-9"},
        ]
    }
    snap = _load(_estate(), ("nat.json", {"NatGateways": [nat]}), ("eip.json", eips))
    found = {(w.code, w.resource_id, w.source) for w in snap.warnings}
    assert found == {
        ("UNRESOLVED_SUBNET", "nat-1", "nat.json: $.NatGateways[0].SubnetId"),
        ("UNRESOLVED_INTERFACE", "eipalloc-8", "eip.json: $.Addresses[0].NetworkInterfaceId"),
        ("UNRESOLVED_INTERFACE", "eipalloc-9", "eip.json: $.Addresses[1]"),
    }


def test_a_snapshot_without_vpcs_or_subnets_gets_one_warning_per_missing_call() -> None:
    estate = _estate()
    del estate["vpcs.json"], estate["subnets.json"]
    snap = _load(estate)
    by_code = {w.code: w for w in snap.warnings}
    assert sorted(by_code) == ["UNRESOLVED_SUBNET", "UNRESOLVED_VPC"]
    assert "no VPCs (describe-vpcs); 5 resources name one (eni-1, eni-2, acl-1, rtb-1, igw-1)" in (
        by_code["UNRESOLVED_VPC"].message
    )
    assert "no subnets (describe-subnets); 4 resources" in by_code["UNRESOLVED_SUBNET"].message


# -- contradictions ------------------------------------------------------------------------------------


def test_subnet_associated_with_two_network_acls() -> None:
    estate = _estate()
    estate["acls.json"]["NetworkAcls"].append(
        {"NetworkAclId": "acl-2", "VpcId": "vpc-1", "Entries": [], "Associations": [{"SubnetId": "subnet-2"}]}
    )
    snap = _load(estate)
    (w,) = snap.warnings
    assert (w.code, w.resource_id, w.source) == (
        "CONTRADICTORY_ASSOCIATION",
        "subnet-2",
        "acls.json: $.NetworkAcls[1].Associations[0]",
    )
    assert "subnet-2 is associated with 2 network ACLs: acl-1, acl-2 (the model uses acl-1)" in w.message
    assert snap.acl_of_subnet["subnet-2"] == "acl-1"
    assert snap.contradiction("eni-2", "subnet-2") == (
        "subnet-2",
        "subnet subnet-2 is associated with 2 network ACLs: acl-1, acl-2 (the model uses acl-1)",
    )
    assert snap.contradiction("eni-1", "subnet-1") is None


def test_subnet_associated_with_two_route_tables_and_one_of_another_vpc() -> None:
    estate = _estate()
    estate["vpcs.json"]["Vpcs"].append({"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"})
    estate["rtbs.json"]["RouteTables"] += [
        {"RouteTableId": "rtb-2", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-1"}], "Routes": []},
        {"RouteTableId": "rtb-3", "VpcId": "vpc-2", "Associations": [{"SubnetId": "subnet-1"}], "Routes": []},
    ]
    snap = _load(estate)
    assert {w.code for w in snap.warnings} == {"CONTRADICTORY_ASSOCIATION"}
    reason = snap.contradictions["subnet-1"]
    assert "subnet subnet-1 of vpc-1 is associated with route table rtb-3 of vpc-2" in reason
    assert "subnet-1 is associated with 2 route tables: rtb-2, rtb-3 (the model uses rtb-2)" in reason
    assert snap.route_table_of_subnet["subnet-1"] == "rtb-2"


def test_two_default_acls_contradict_only_the_subnets_relying_on_one() -> None:
    estate = _estate()
    acl = estate["acls.json"]["NetworkAcls"][0]
    acl["Associations"] = [{"SubnetId": "subnet-1"}]
    acl["IsDefault"] = False
    estate["acls.json"]["NetworkAcls"] += [
        {"NetworkAclId": f"acl-d{n}", "VpcId": "vpc-1", "IsDefault": True, "Entries": []} for n in (1, 2)
    ]
    snap = _load(estate)
    assert list(snap.contradictions) == ["subnet-2"]
    assert (
        "vpc-1 has 2 default network ACLs: acl-d1, acl-d2 (the model uses acl-d1)"
        in (snap.contradictions["subnet-2"])
    )
    assert snap.acl_of_subnet["subnet-2"] == "acl-d1"


def test_overlapping_subnets_and_a_subnet_outside_its_vpc() -> None:
    estate = _estate()
    estate["subnets.json"]["Subnets"] += [
        {"SubnetId": "subnet-3", "VpcId": "vpc-1", "CidrBlock": "10.0.2.128/25"},
        {"SubnetId": "subnet-4", "VpcId": "vpc-1", "CidrBlock": "192.168.0.0/24"},
    ]
    snap = _load(estate)
    overlap = _warnings(snap, "OVERLAPPING_SUBNETS")
    assert {(w.resource_id, w.source) for w in overlap} == {
        ("subnet-2", "subnets.json: $.Subnets[1]"),
        ("subnet-3", "subnets.json: $.Subnets[2]"),
    }
    (outside,) = _warnings(snap, "SUBNET_OUTSIDE_VPC")
    assert (
        outside.resource_id == "subnet-4" and "192.168.0.0/24, outside the CIDRs of vpc-1" in outside.message
    )
    assert sorted(snap.contradictions) == ["subnet-2", "subnet-3", "subnet-4"]


def test_interface_contradictions() -> None:
    estate = _estate()
    estate["vpcs.json"]["Vpcs"].append({"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"})
    estate["sgs.json"]["SecurityGroups"].append({"GroupId": "sg-2", "VpcId": "vpc-2"})
    enis = estate["enis.json"]["NetworkInterfaces"]
    enis[0]["PrivateIpAddress"] = "10.0.9.9"  # outside subnet-1
    enis[1]["Groups"].append({"GroupId": "sg-2"})  # a group of another VPC
    enis.append({**copy.deepcopy(enis[1]), "NetworkInterfaceId": "eni-3", "Groups": []})  # eni-2's address
    enis.append({**copy.deepcopy(enis[1]), "NetworkInterfaceId": "eni-4", "VpcId": "vpc-2", "Groups": []})
    enis[3]["PrivateIpAddress"] = "10.0.2.44"
    snap = _load(estate)
    codes = {(w.code, w.resource_id) for w in snap.warnings}
    assert codes == {
        ("ADDRESS_OUTSIDE_SUBNET", "eni-1"),
        ("VPC_MISMATCH", "eni-2"),
        ("DUPLICATE_ADDRESS", "eni-2"),
        ("DUPLICATE_ADDRESS", "eni-3"),
        ("VPC_MISMATCH", "eni-4"),
    }
    assert "eni-1 has 10.0.9.9, outside its subnet subnet-1 (10.0.1.0/24)" in snap.contradictions["eni-1"]
    assert "eni-2 in vpc-1 is attached to sg-2 of vpc-2" in snap.contradictions["eni-2"]
    assert "private address 10.0.2.10 is held by eni-3 and eni-2" in snap.contradictions["eni-3"]
    assert "eni-4 says it is in vpc-2, its subnet subnet-2 is in vpc-1" in snap.contradictions["eni-4"]


def test_describe_instances_and_describe_network_interfaces_disagree() -> None:
    estate = _estate()
    nic = copy.deepcopy(estate["enis.json"]["NetworkInterfaces"][0])
    nic["PrivateIpAddress"] = "10.0.1.11"
    reservations = {"Reservations": [{"Instances": [{"InstanceId": "i-1", "NetworkInterfaces": [nic]}]}]}
    snap = _load(estate, ("instances.json", reservations))
    (w,) = snap.warnings
    assert (w.code, w.resource_id, w.source) == (
        "CONTRADICTORY_INTERFACE",
        "eni-1",
        "enis.json: $.NetworkInterfaces[0]",
    )
    assert "instances.json: $.Reservations[0].Instances[0].NetworkInterfaces[0]" in w.message
    assert "in its private addresses" in w.message
    # the same ENI, described the same way by both calls, is no contradiction
    nic["PrivateIpAddress"] = "10.0.1.10"
    assert _load(estate, ("instances.json", reservations)).warnings == ()


def test_duplicate_rule_number_in_a_network_acl() -> None:
    estate = _estate()
    entry = {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": True}
    estate["acls.json"]["NetworkAcls"][0]["Entries"] = [
        {**entry, "CidrBlock": "0.0.0.0/0"},
        {**entry, "Ipv6CidrBlock": "::/0", "RuleAction": "deny"},
    ]
    snap = _load(estate)
    (w,) = snap.warnings
    assert (w.code, w.resource_id, w.source) == (
        "DUPLICATE_RULE_NUMBER",
        "acl-1",
        "acls.json: $.NetworkAcls[0].Entries[1].RuleNumber",
    )
    assert snap.contradiction("subnet-1", "acl-1") == (
        "acl-1",
        "acl-1 has two egress entries numbered 100 (Entries[0] and Entries[1])",
    )


# -- duplicate ids (issue 9 §1) ---------------------------------------------------------------------------


def test_same_id_identical_content_is_one_resource() -> None:
    estate = _estate()
    snap = _load(estate, ("again.json", copy.deepcopy(estate["enis.json"])))
    assert snap.warnings == () and not snap.contradictions


def test_same_id_different_content_is_a_contradiction_naming_both_files() -> None:
    estate = _estate()
    other = copy.deepcopy(estate["enis.json"])
    other["NetworkInterfaces"] = [other["NetworkInterfaces"][1]]
    other["NetworkInterfaces"][0]["PrivateIpAddress"] = "10.0.2.99"
    snap = _load(estate, ("later.json", other))
    (w,) = _warnings(snap, "DUPLICATE_ID")
    assert (w.resource_id, w.source) == ("eni-2", "later.json: $.NetworkInterfaces[0]")
    reason = snap.contradictions["eni-2"]
    assert reason == (
        "network interface eni-2 is read twice with different content "
        "(enis.json: $.NetworkInterfaces[1] and later.json: $.NetworkInterfaces[0])"
    )
    # the model holds the first version so lookups work; the engine must answer UNKNOWN for it
    assert str(snap.interfaces["eni-2"].primary_ip) == "10.0.2.10"


def test_same_id_in_two_accounts_is_a_contradiction() -> None:
    """AWS ids are unique across accounts and regions: the same VPC id under two account directories
    with different content cannot both be true."""
    vpc = {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}
    result = load_data_with_report(
        [
            ("aws_configs/111111111111/us-east-1/vpcs.json", vpc),
            ("aws_configs/222222222222/us-east-1/vpcs.json", vpc),
        ]
    )
    assert "VPC vpc-1 is read twice with different content" in result.snapshot.contradictions["vpc-1"]


# -- wrong address families are bad input (AWS never writes them) ---------------------------------------

WRONG_FAMILY = [
    ("vpc", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "2001:db8::/56"}]}, "$.Vpcs[0].CidrBlock", "vpc-1"),
    (
        "vpc-v6-set",
        {
            "Vpcs": [
                {
                    "VpcId": "vpc-1",
                    "CidrBlock": "10.0.0.0/16",
                    "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "10.1.0.0/16"}],
                }
            ]
        },
        "$.Vpcs[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock",
        "vpc-1",
    ),
    (
        "subnet",
        {"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "2001:db8::/64"}]},
        "$.Subnets[0].CidrBlock",
        "subnet-1",
    ),
    (
        "nacl",
        {
            "NetworkAcls": [
                {
                    "NetworkAclId": "acl-1",
                    "VpcId": "vpc-1",
                    "Entries": [
                        {
                            "RuleNumber": 1,
                            "Protocol": "-1",
                            "RuleAction": "allow",
                            "Egress": False,
                            "Ipv6CidrBlock": "0.0.0.0/0",
                        }
                    ],
                }
            ]
        },
        "$.NetworkAcls[0].Entries[0].Ipv6CidrBlock",
        "acl-1",
    ),
    (
        "route",
        {
            "RouteTables": [
                {
                    "RouteTableId": "rtb-1",
                    "VpcId": "vpc-1",
                    "Routes": [{"DestinationCidrBlock": "::/0", "GatewayId": "igw-1"}],
                }
            ]
        },
        "$.RouteTables[0].Routes[0].DestinationCidrBlock",
        "rtb-1",
    ),
    (
        "sg-v6-range",
        {
            "SecurityGroups": [
                {
                    "GroupId": "sg-1",
                    "IpPermissions": [{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "10.0.0.0/8"}]}],
                }
            ]
        },
        "$.SecurityGroups[0].IpPermissions[0].Ipv6Ranges[0].CidrIpv6",
        "sg-1",
    ),
    (
        "eni-private",
        {
            "NetworkInterfaces": [
                {"NetworkInterfaceId": "eni-1", "SubnetId": "s", "VpcId": "v", "PrivateIpAddress": "fd00::1"}
            ]
        },
        "$.NetworkInterfaces[0].PrivateIpAddress",
        "eni-1",
    ),
    (
        "eni-v6",
        {
            "NetworkInterfaces": [
                {
                    "NetworkInterfaceId": "eni-1",
                    "SubnetId": "s",
                    "VpcId": "v",
                    "Ipv6Addresses": [{"Ipv6Address": "10.0.0.1"}],
                }
            ]
        },
        "$.NetworkInterfaces[0].Ipv6Addresses[0].Ipv6Address",
        "eni-1",
    ),
    (
        "eip",
        {"Addresses": [{"PublicIp": "2001:db8::1", "AllocationId": "eipalloc-1", "Domain": "vpc"}]},
        "$.Addresses[0].PublicIp",
        "eipalloc-1",
    ),
    (
        "instance-public",
        {"Reservations": [{"Instances": [{"InstanceId": "i-1", "PublicIpAddress": "2001:db8::1"}]}]},
        "$.Reservations[0].Instances[0].PublicIpAddress",
        "i-1",
    ),
    (
        "peering",
        {
            "VpcPeeringConnections": [
                {
                    "VpcPeeringConnectionId": "pcx-1",
                    "RequesterVpcInfo": {"VpcId": "vpc-1", "CidrBlock": "2001:db8::/56"},
                    "AccepterVpcInfo": {"VpcId": "vpc-2"},
                }
            ]
        },
        "$.VpcPeeringConnections[0].RequesterVpcInfo.CidrBlock",
        "pcx-1",
    ),
]


@pytest.mark.parametrize(("name", "doc", "path", "rid"), WRONG_FAMILY, ids=[c[0] for c in WRONG_FAMILY])
def test_wrong_family_is_one_error_naming_file_path_and_resource(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: Json, path: str, rid: str
) -> None:
    f = tmp_path / f"{name}.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(SnapshotError) as info:
        load_snapshot(f)
    assert str(info.value).startswith(f"{f}: at {path}: {rid}: expected an IPv")
    assert info.value.resource_id == rid
    assert main(["snapshot", "info", str(f)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"vpcflow: error: {f}: at {path}: {rid}: ") and err.count("\n") == 1


# -- snapshot info shows it all ------------------------------------------------------------------------------


def test_snapshot_info_lists_contradictions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    estate = _estate()
    estate["acls.json"]["NetworkAcls"].append(
        {"NetworkAclId": "acl-2", "VpcId": "vpc-1", "Entries": [], "Associations": [{"SubnetId": "subnet-2"}]}
    )
    for name, doc in estate.items():
        (tmp_path / name).write_text(json.dumps(doc))
    assert main(["snapshot", "info", str(tmp_path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["contradictions"] == {
        "subnet-2": "subnet subnet-2 is associated with 2 network ACLs: acl-1, acl-2 (the model uses acl-1)"
    }
    assert data["warning_counts"] == {"CONTRADICTORY_ASSOCIATION": 1}
    assert main(["snapshot", "info", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "contradictions" in text and "subnet-2" in text and "no warnings" not in text
