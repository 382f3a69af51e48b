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


def test_fetch_collects_transit_gateways_vpn_and_endpoints(
    tmp_path: Path, endpoint: str, session: Any
) -> None:
    ec2 = session.client("ec2", endpoint_url=endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.1.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    tgw = ec2.create_transit_gateway(Description="hub")["TransitGateway"]["TransitGatewayId"]
    att = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[sub], Options={"ApplianceModeSupport": "enable"}
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    table = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)["TransitGatewayRouteTable"][
        "TransitGatewayRouteTableId"
    ]
    ec2.create_transit_gateway_route(
        DestinationCidrBlock="10.60.0.0/16", TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=att
    )
    ec2.create_transit_gateway_route(
        DestinationCidrBlock="192.168.0.0/16", TransitGatewayRouteTableId=table, Blackhole=True
    )
    ec2.enable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=att
    )
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="203.0.113.40", BgpAsn=65010)[
        "CustomerGateway"
    ]["CustomerGatewayId"]
    vpn = ec2.create_vpn_connection(
        Type="ipsec.1", CustomerGatewayId=cgw, VpnGatewayId=vgw, Options={"StaticRoutesOnly": True}
    )["VpnConnection"]["VpnConnectionId"]
    vpce = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway", RouteTableIds=[rtb]
    )["VpcEndpoint"]["VpcEndpointId"]

    report = fetch_snapshot(tmp_path, ["us-east-1"], session=session, endpoint_url=endpoint)
    folder = tmp_path / "aws_configs" / report.account / "us-east-1"
    wrapped = json.loads((folder / "TransitGatewayStaticRoutes.json").read_text())[
        "TransitGatewayStaticRoutes"
    ]
    assert {w["TransitGatewayRouteTableId"] for w in wrapped} >= {table}
    assert (folder / "TransitGatewayPropagations.json").exists()
    assert (folder / "TransitGatewayPropagatedRoutes.json").exists()
    # what moto does not implement is reported, never fatal
    assert any("get_transit_gateway_prefix_list_references" in s for s in report.skipped)

    snap = load_snapshot(tmp_path)
    assert tgw in snap.transit_gateways
    attachment = snap.transit_gateway_attachments[(tgw, att)]
    assert attachment.vpc is not None and attachment.vpc.subnet_ids == (sub,)
    assert attachment.vpc.appliance_mode_support
    routes = snap.transit_gateway_route_tables[table]
    assert routes.static_routes_known and routes.propagations_known
    # moto drops a static route's TransitGatewayAttachments (AWS lists them): loaded, and warned about
    assert sorted(r.label for r in routes.routes) == [
        "10.60.0.0/16 → no attachment (static)",
        "192.168.0.0/16 → blackhole (static)",
    ]
    assert any(w.code == "INCOMPLETE_RESOURCE" and w.resource_id == table for w in snap.warnings)
    assert [p.attachment_id for p in routes.propagations if p.enabled] == [att]
    assert snap.vpn_gateways[vgw].vpc_ids == (vpc,)
    conn = snap.vpn_connections[vpn]
    assert (conn.vpn_gateway_id, conn.customer_gateway_id) == (vgw, cgw)
    # moto omits Options and VgwTelemetry (AWS returns both): BGP stays possible, tunnel state unknown
    assert conn.uses_bgp and not conn.tunnels_known
    assert snap.customer_gateways[cgw].bgp_asn == 65010
    ep = snap.vpc_endpoints[vpce]
    assert ep.available and ep.route_table_ids == (rtb,) and ep.service_suffix == "s3"


class _Recorded:
    """A boto3-like client answering from recorded JSON (calls moto does not implement)."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def can_paginate(self, method: str) -> bool:
        return False

    def __getattr__(self, method: str) -> Any:
        def call(**kwargs: Any) -> Any:
            self.calls.append((method, kwargs))
            return self.answers[method]

        return call


def test_direct_connect_calls_from_recorded_json(tmp_path: Path) -> None:
    from vpcflow.live import FetchReport, _direct_connect

    gw = {
        "directConnectGatewayId": "dxgw-1",
        "directConnectGatewayName": "dx",
        "directConnectGatewayState": "available",
    }
    assoc = {
        "directConnectGatewayId": "dxgw-1",
        "associationState": "associated",
        "associatedGateway": {"id": "tgw-1", "type": "transitGateway", "region": "us-east-1"},
        "allowedPrefixesToDirectConnectGateway": [{"cidr": "10.0.0.0/8"}],
    }
    vif = {
        "virtualInterfaceId": "dxvif-1",
        "virtualInterfaceType": "transit",
        "virtualInterfaceState": "available",
        "directConnectGatewayId": "dxgw-1",
        "bgpPeers": [{"bgpStatus": "up"}],
    }
    dx = _Recorded(
        {
            "describe_direct_connect_gateways": {"directConnectGateways": [gw]},
            "describe_direct_connect_gateway_associations": {"directConnectGatewayAssociations": [assoc]},
            "describe_virtual_interfaces": {"virtualInterfaces": [vif]},
        }
    )
    out = _direct_connect(dx, "us-east-1", FetchReport("1", ["us-east-1"]), (KeyError,))
    assert ("describe_direct_connect_gateway_associations", {"directConnectGatewayId": "dxgw-1"}) in dx.calls
    docs = [(f"aws_configs/111111111111/us-east-1/{k}.json", {k: v}) for k, v in out.items()]
    from vpcflow.sources import load_snapshot_data

    snap = load_snapshot_data(docs)
    assert snap.direct_connect_gateways["dxgw-1"].name == "dx"
    (a,) = snap.direct_connect_gateway_associations
    assert (a.gateway_id, [str(c) for c in a.allowed_prefixes]) == ("tgw-1", ["10.0.0.0/8"])
    assert snap.virtual_interfaces["dxvif-1"].bgp_up


def test_transit_gateway_prefix_list_references_from_recorded_json() -> None:
    from vpcflow.live import FetchReport, _per_route_table

    ref = {
        "TransitGatewayRouteTableId": "tgw-rtb-1",
        "PrefixListId": "pl-1",
        "State": "available",
        "Blackhole": False,
        "TransitGatewayAttachment": {"TransitGatewayAttachmentId": "tgw-attach-1", "ResourceType": "vpc"},
    }
    ec2 = _Recorded(
        {
            "get_transit_gateway_route_table_propagations": {"TransitGatewayRouteTablePropagations": []},
            "search_transit_gateway_routes": {"Routes": [], "AdditionalRoutesAvailable": False},
            "get_transit_gateway_prefix_list_references": {"TransitGatewayPrefixListReferences": [ref]},
        }
    )
    import botocore.exceptions as bexc

    out = _per_route_table(
        ec2, [{"TransitGatewayRouteTableId": "tgw-rtb-1"}], "r", FetchReport("1", ["r"]), bexc
    )
    assert out["TransitGatewayPrefixListReferences"] == [ref]
    assert out["TransitGatewayPropagations"] == [
        {"TransitGatewayRouteTableId": "tgw-rtb-1", "TransitGatewayRouteTablePropagations": []}
    ]
    assert [c for c in ec2.calls if c[0] == "search_transit_gateway_routes"] == [
        (
            "search_transit_gateway_routes",
            {"TransitGatewayRouteTableId": "tgw-rtb-1", "Filters": [{"Name": "type", "Values": [t]}]},
        )
        for t in ("static", "propagated")
    ]
