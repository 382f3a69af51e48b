"""Live import through boto3 against a real EC2 API endpoint: a moto server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")

from vpcflow.engine import Engine, Verdict  # noqa: E402
from vpcflow.live import fetch_snapshot  # noqa: E402
from vpcflow.sources import load_snapshot  # noqa: E402


@pytest.fixture(scope="module")
def endpoint(moto_endpoint: str) -> str:
    return moto_endpoint


@pytest.fixture(scope="module")
def session() -> Any:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


def _build(ec2: Any) -> dict[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    pub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.0.0/24")["Subnet"]["SubnetId"]
    priv = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web}]}
        ],
    )
    # a custom NACL on the private subnet: moto returns it without the `*` entries
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for egress, ports in ((False, (5432, 5432)), (True, (32768, 65535))):
        ec2.create_network_acl_entry(
            NetworkAclId=acl,
            RuleNumber=100,
            Protocol="6",
            RuleAction="allow",
            Egress=egress,
            CidrBlock="10.20.0.0/24",
            PortRange={"From": ports[0], "To": ports[1]},
        )
    default_assoc = next(
        a["NetworkAclAssociationId"]
        for a in ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0][
            "Associations"
        ]
        if a["SubnetId"] == priv
    )
    ec2.replace_network_acl_association(AssociationId=default_assoc, NetworkAclId=acl)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=pub)
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    web_i = ec2.run_instances(
        ImageId=ami,
        MinCount=1,
        MaxCount=1,
        SubnetId=pub,
        SecurityGroupIds=[web],
        PrivateIpAddress="10.20.0.10",
    )["Instances"][0]["InstanceId"]
    db_i = ec2.run_instances(
        ImageId=ami,
        MinCount=1,
        MaxCount=1,
        SubnetId=priv,
        SecurityGroupIds=[db],
        PrivateIpAddress="10.20.1.10",
    )["Instances"][0]["InstanceId"]
    eip = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId=web_i)
    return {"vpc": vpc, "web": web_i, "db": db_i, "eip": eip["PublicIp"], "acl": acl}


def test_fetch_then_load_then_trace(tmp_path: Path, endpoint: str, session: Any) -> None:
    ec2 = session.client("ec2", endpoint_url=endpoint)
    ids = _build(ec2)
    report = fetch_snapshot(tmp_path, ["us-east-1"], session=session, endpoint_url=endpoint)
    folder = tmp_path / "aws_configs" / report.account / "us-east-1"
    assert (folder / "SecurityGroups.json").exists()
    raw = json.loads((folder / "NetworkAcls.json").read_text())
    assert "ResponseMetadata" not in raw and isinstance(raw["NetworkAcls"], list)
    assert report.counts["Reservations"] >= 2 and not any("describe_vpcs" in s for s in report.skipped)

    snap = load_snapshot(tmp_path)
    assert ids["vpc"] in snap.vpcs
    custom = snap.network_acls[ids["acl"]]
    assert [e.rule_number for e in custom.ingress] == [100, 32767]  # `*` implied by the loader

    engine = Engine(snap)
    assert engine.trace(ids["web"], ids["db"], "tcp", 5432).verdict is Verdict.ACCEPT
    assert engine.trace("203.0.113.9", ids["web"], "tcp", 443).verdict is Verdict.ACCEPT
    t = engine.trace(ids["web"], ids["db"], "tcp", 22)
    assert t.verdict is Verdict.REJECT and t.blocked_by is not None
    assert t.blocked_by.id == ids["acl"]  # the NACL stops it before the SG would
    assert engine.trace("203.0.113.9", ids["eip"], "tcp", 443).verdict is Verdict.ACCEPT


def test_fetch_keeps_customer_managed_prefix_lists(tmp_path: Path, endpoint: str, session: Any) -> None:
    ec2 = session.client("ec2", endpoint_url=endpoint)
    pl = ec2.create_managed_prefix_list(
        PrefixListName="office", MaxEntries=5, AddressFamily="IPv4", Entries=[{"Cidr": "192.0.2.0/24"}]
    )["PrefixList"]["PrefixListId"]
    fetch_snapshot(tmp_path, ["us-east-1"], session=session, endpoint_url=endpoint)
    snap = load_snapshot(tmp_path)
    assert [str(c) for c in snap.prefix_lists[pl].cidrs] == ["192.0.2.0/24"]
