"""A snapshot built with boto3 against moto (library mode), dumped with ``moto_snapshot`` and loaded.

Every expected value below follows from the boto3 calls made here, not from the loader's output: the
configuration is a public subnet (IGW, NAT gateway, web server with a public IP) and a private subnet
(app and db servers behind a custom NACL) in a VPC with an IPv6 block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vpcflow.model import (
    ICMP,
    TCP,
    Address,
    CidrPeer,
    GroupPeer,
    PrefixListPeer,
    RouteTarget,
    RuleAction,
    Snapshot,
)
from vpcflow.sources import load_snapshot, load_with_report

moto = pytest.importorskip("moto")
boto3 = pytest.importorskip("boto3")

from moto_snapshot import dump_describe_calls  # noqa: E402  (after the importorskip guards)

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account


@dataclass
class Built:
    """Ids of what the scenario created."""

    vpc: str
    public_subnet: str
    private_subnet: str
    web_sg: str
    app_sg: str
    db_sg: str
    acl: str
    public_rtb: str
    private_rtb: str
    igw: str
    nat: str
    nat_ip: str
    tgw: str
    prefix_list: str
    web: str
    app: str
    db: str
    db_eip: str


def _instance(ec2: Any, subnet: str, sg: str, ip: str, public: bool = False) -> str:
    r = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        NetworkInterfaces=[
            {
                "DeviceIndex": 0,
                "SubnetId": subnet,
                "Groups": [sg],
                "PrivateIpAddress": ip,
                "AssociatePublicIpAddress": public,
            }
        ],
    )
    return str(r["Instances"][0]["InstanceId"])


def _build(ec2: Any) -> Built:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    pub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    priv = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]

    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rtb, SubnetId=pub)

    alloc = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=pub, AllocationId=alloc["AllocationId"])["NatGateway"][
        "NatGatewayId"
    ]
    tgw = ec2.create_transit_gateway(Description="not modelled")["TransitGateway"]["TransitGatewayId"]
    private_rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.create_route(RouteTableId=private_rtb, DestinationCidrBlock="192.168.0.0/16", TransitGatewayId=tgw)
    ec2.associate_route_table(RouteTableId=private_rtb, SubnetId=priv)

    pl = ec2.create_managed_prefix_list(
        PrefixListName="office",
        MaxEntries=5,
        AddressFamily="IPv4",
        Entries=[{"Cidr": "192.0.2.0/24", "Description": "HQ"}],
    )["PrefixList"]["PrefixListId"]

    web_sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    app_sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    db_sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": pl}]},
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=app_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web_sg}]}
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=db_sg,
        IpPermissions=[
            {"IpProtocol": "6", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": app_sg}]},
            {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
        ],
    )

    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    # written out of order on purpose: evaluation follows the rule number
    for number, egress, proto, action, cidr, ports in (
        (200, False, "6", "allow", "10.0.1.0/24", (5432, 5432)),
        (100, False, "-1", "deny", "10.0.1.66/32", None),
        (300, False, "6", "allow", "0.0.0.0/0", (1024, 65535)),
        (100, True, "-1", "allow", "0.0.0.0/0", None),
    ):
        kwargs: dict[str, Any] = {"PortRange": {"From": ports[0], "To": ports[1]}} if ports else {}
        ec2.create_network_acl_entry(
            NetworkAclId=acl,
            RuleNumber=number,
            Protocol=proto,
            RuleAction=action,
            Egress=egress,
            CidrBlock=cidr,
            **kwargs,
        )
    # move the private subnet from the default NACL to the custom one
    default = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [priv]}])[
        "NetworkAcls"
    ][0]
    assoc = next(a for a in default["Associations"] if a["SubnetId"] == priv)
    ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)

    web = _instance(ec2, pub, web_sg, "10.0.1.10", public=True)
    app = _instance(ec2, priv, app_sg, "10.0.2.20")
    db = _instance(ec2, priv, db_sg, "10.0.2.30")
    eip = ec2.allocate_address(Domain="vpc")
    db_eni = ec2.describe_instances(InstanceIds=[db])["Reservations"][0]["Instances"][0]["NetworkInterfaces"][
        0
    ]
    ec2.associate_address(AllocationId=eip["AllocationId"], NetworkInterfaceId=db_eni["NetworkInterfaceId"])
    ec2.stop_instances(InstanceIds=[app])
    return Built(
        vpc,
        pub,
        priv,
        web_sg,
        app_sg,
        db_sg,
        acl,
        public_rtb,
        private_rtb,
        igw,
        nat,
        alloc["PublicIp"],
        tgw,
        pl,
        web,
        app,
        db,
        eip["PublicIp"],
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Built, Path]]:
    root = tmp_path_factory.mktemp("moto")
    with moto.mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        built = _build(ec2)
        report = dump_describe_calls(ec2, root, account=ACCOUNT)
        assert not report.skipped, report.skipped
    yield built, root


@pytest.fixture(scope="module")
def snap(scenario: tuple[Built, Path]) -> Snapshot:
    return load_snapshot(scenario[1])


def test_dump_is_the_batfish_layout_and_raw_responses(scenario: tuple[Built, Path]) -> None:
    _built, root = scenario
    folder = root / "aws_configs" / ACCOUNT / REGION
    assert (folder / "describe_security_groups.json").is_file()
    assert (folder / "describe_network_acls.json").read_text().lstrip().startswith('{\n  "NetworkAcls"')
    assert "ResponseMetadata" not in (folder / "describe_vpcs.json").read_text()


def test_vpc_and_scope(snap: Snapshot, scenario: tuple[Built, Path]) -> None:
    b = scenario[0]
    vpc = snap.vpcs[b.vpc]
    assert [str(c) for c in vpc.cidrs_v4] == ["10.0.0.0/16"]
    assert len(vpc.cidrs_v6) == 1 and vpc.cidrs_v6[0].prefixlen == 56
    assert (vpc.owner_id, vpc.region) == (ACCOUNT, REGION)
    assert {s.subnet_id for s in snap.subnets.values() if s.vpc_id == b.vpc} == {
        b.public_subnet,
        b.private_subnet,
    }


def test_security_groups_rules_and_references(snap: Snapshot, scenario: tuple[Built, Path]) -> None:
    b = scenario[0]
    web = snap.security_groups[b.web_sg]
    https = [r for r in web.ingress if r.ports is not None and r.ports.lo == 443]
    # one permission, two peers: one rule each, same permission index, peer indexes 0 and 1
    assert sorted(str(r.peer) for r in https) == ["0.0.0.0/0", "::/0"]
    assert {r.permission_index for r in https} == {https[0].permission_index}
    assert sorted(r.peer_index for r in https) == [0, 1]
    ssh = next(r for r in web.ingress if r.ports is not None and r.ports.lo == 22)
    assert ssh.peer == PrefixListPeer(b.prefix_list)
    app_rule = snap.security_groups[b.app_sg].ingress[0]
    assert isinstance(app_rule.peer, GroupPeer) and app_rule.peer.group_id == b.web_sg
    db = snap.security_groups[b.db_sg].ingress
    peers = {(r.protocol, r.peer.group_id if isinstance(r.peer, GroupPeer) else str(r.peer)) for r in db}
    assert peers == {(TCP, b.app_sg), (ICMP, "10.0.0.0/16")}
    group_peer = next(r.peer for r in db if isinstance(r.peer, GroupPeer))
    assert group_peer.account == ACCOUNT  # AWS (and moto) name the owner of every referenced group
    icmp = next(r for r in db if r.protocol == ICMP)
    assert icmp.icmp is not None and (icmp.icmp.type, icmp.icmp.code) == (8, -1)
    # moto gives every new group the default egress rule (all traffic to 0.0.0.0/0)
    egress = {(r.protocol, str(r.peer)) for r in web.egress if isinstance(r.peer, CidrPeer)}
    assert (-1, "0.0.0.0/0") in egress
    # members of a referenced group are its ENIs' private addresses
    assert Address.parse("10.0.1.10") in snap.group_members[b.web_sg]


def test_custom_nacl_sorted_with_implied_star_entries(snap: Snapshot, scenario: tuple[Built, Path]) -> None:
    b = scenario[0]
    acl = snap.network_acls[b.acl]
    # moto returns only the entries created; AWS would add `*` (32767, and 32768 as the VPC has IPv6)
    assert [e.rule_number for e in acl.ingress] == [100, 200, 300, 32767, 32768]
    assert [e.rule_number for e in acl.egress] == [100, 32767, 32768]
    assert acl.ingress[0].action is RuleAction.DENY and str(acl.ingress[0].cidr) == "10.0.1.66/32"
    assert acl.ingress[1].ports is not None and (acl.ingress[1].ports.lo, acl.ingress[1].ports.hi) == (
        5432,
        5432,
    )
    assert acl.ingress[-1].cidr.version == 6 and acl.ingress[-1].action is RuleAction.DENY
    assert acl.subnet_ids == frozenset({b.private_subnet}) and not acl.is_default
    assert snap.acl_of_subnet[b.private_subnet] == b.acl
    assert snap.network_acls[snap.acl_of_subnet[b.public_subnet]].is_default


def test_routes_gateways_and_warnings(snap: Snapshot, scenario: tuple[Built, Path]) -> None:
    b = scenario[0]
    pub = snap.route_tables[b.public_rtb]
    assert {(r.destination_text, r.target, r.target_id) for r in pub.routes} >= {
        ("0.0.0.0/0", RouteTarget.INTERNET_GATEWAY, b.igw),
        ("10.0.0.0/16", RouteTarget.LOCAL, "local"),
    }
    priv = snap.route_tables[b.private_rtb]
    assert ("0.0.0.0/0", RouteTarget.NAT_GATEWAY, b.nat) in {
        (r.destination_text, r.target, r.target_id) for r in priv.routes
    }
    assert snap.route_table_of_subnet[b.private_subnet] == b.private_rtb
    unsupported = [w for w in snap.warnings if w.code == "UNSUPPORTED_ROUTE_TARGET"]
    assert len(unsupported) == 1
    assert all(s in unsupported[0].message for s in (b.private_rtb, "192.168.0.0/16", b.tgw))
    assert snap.internet_gateways[b.igw].vpc_ids == (b.vpc,)
    nat = snap.nat_gateways[b.nat]
    assert (nat.subnet_id, nat.connectivity, str(nat.public_ip)) == (b.public_subnet, "public", b.nat_ip)
    # describe_transit_gateways was dumped: the gateway is loaded
    assert b.tgw in snap.transit_gateways and "TransitGateways" not in snap.not_modelled


def test_instances_interfaces_public_ips(snap: Snapshot, scenario: tuple[Built, Path]) -> None:
    b = scenario[0]
    states = {i: snap.instances[i].state for i in (b.web, b.app, b.db)}
    assert states == {b.web: "running", b.app: "stopped", b.db: "running"}  # every state is kept
    web_eni = snap.interfaces[snap.instances[b.web].eni_ids[0]]
    assert str(web_eni.primary_ip) == "10.0.1.10" and web_eni.group_ids == (b.web_sg,)
    assert web_eni.public_ips and web_eni.public_ips[0][0] == Address.parse("10.0.1.10")
    db_eni = snap.interfaces[snap.instances[b.db].eni_ids[0]]
    assert (str(db_eni.primary_ip), b.db_eip) in {(str(a), str(p)) for a, p in db_eni.public_ips}
    assert snap.eni_by_public_ip[Address.parse(b.db_eip)] == (db_eni.eni_id, Address.parse("10.0.2.30"))


def test_customer_prefix_list_entries_tied_to_the_list(snap: Snapshot, scenario: tuple[Built, Path]) -> None:
    b = scenario[0]
    pl = snap.prefix_lists[b.prefix_list]
    assert [str(c) for c in pl.cidrs] == ["192.0.2.0/24"]
    assert (pl.name, pl.max_entries, pl.aws_managed) == ("office", 5, False)
    # moto's AWS-managed lists have no CIDRs; no rule uses them, so no warning about them
    assert not [w for w in snap.warnings if w.code == "UNRESOLVED_PREFIX_LIST"]
    assert not [w for w in snap.warnings if w.code in ("UNKNOWN_KEY", "UNRESOLVED_GROUP", "DUPLICATE_ID")]


def test_per_scope_counts(scenario: tuple[Built, Path]) -> None:
    result = load_with_report(scenario[1])
    (scope,) = result.scopes
    assert (scope.account, scope.region) == (ACCOUNT, REGION)
    assert scope.items["NetworkAcls"] == len(result.snapshot.network_acls)
    assert scope.documents == len(result.files)


def test_nat_gateway_interface_is_not_an_instance_interface(
    snap: Snapshot, scenario: tuple[Built, Path]
) -> None:
    b = scenario[0]
    nat = snap.nat_gateways[b.nat]
    assert nat.eni_id is not None and nat.private_ip is not None
    eni = snap.interfaces.get(nat.eni_id)
    assert eni is None or eni.instance_id is None
