"""Transit gateways, VPN, Direct Connect and VPC endpoints load into the model: small documents written
the way the AWS CLI returns them (keys from botocore's output shapes), Batfish's wrapped per-table forms,
and the shared snapshots. Expected values are read off the input JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vpcflow.errors import SnapshotError
from vpcflow.model import (
    Address,
    AttachmentType,
    Cidr,
    EndpointType,
    RouteOrigin,
    Snapshot,
)
from vpcflow.sources import load_snapshot, load_snapshot_data

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BATFISH = DATA / "batfish-aws-tests"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared snapshots not present at {DATA}")

Json = dict[str, Any]


def _load(*docs: Json) -> Snapshot:
    return load_snapshot_data([(f"doc{i}.json", d) for i, d in enumerate(docs)])


def _codes(snap: Snapshot) -> list[str]:
    return sorted(w.code for w in snap.warnings)


TGW = {
    "TransitGateways": [
        {
            "TransitGatewayId": "tgw-1",
            "TransitGatewayArn": "arn:aws:ec2:eu-west-1:111111111111:transit-gateway/tgw-1",
            "State": "available",
            "OwnerId": "111111111111",
            "Options": {
                "AmazonSideAsn": 64512,
                "DefaultRouteTableAssociation": "enable",
                "AssociationDefaultRouteTableId": "tgw-rtb-1",
                "DefaultRouteTablePropagation": "disable",
                "PropagationDefaultRouteTableId": "tgw-rtb-1",
                "VpnEcmpSupport": "enable",
                "SecurityGroupReferencingSupport": "enable",
            },
        }
    ]
}
ATTACHMENTS = {
    "TransitGatewayAttachments": [
        {
            "TransitGatewayAttachmentId": "tgw-attach-a",
            "TransitGatewayId": "tgw-1",
            "ResourceType": "vpc",
            "ResourceId": "vpc-a",
            "State": "available",
            "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"},
        },
        {
            "TransitGatewayAttachmentId": "tgw-attach-v",
            "TransitGatewayId": "tgw-1",
            "ResourceType": "vpn",
            "ResourceId": "vpn-1",
            "State": "available",
        },
    ]
}
VPC_ATTACHMENTS = {
    "TransitGatewayVpcAttachments": [
        {
            "TransitGatewayAttachmentId": "tgw-attach-a",
            "TransitGatewayId": "tgw-1",
            "VpcId": "vpc-a",
            "VpcOwnerId": "111111111111",
            "State": "available",
            "SubnetIds": ["subnet-a1", "subnet-a2"],
            "Options": {
                "DnsSupport": "enable",
                "SecurityGroupReferencingSupport": "enable",
                "Ipv6Support": "disable",
                "ApplianceModeSupport": "enable",
            },
        }
    ]
}
TABLES = {
    "TransitGatewayRouteTables": [
        {
            "TransitGatewayRouteTableId": "tgw-rtb-1",
            "TransitGatewayId": "tgw-1",
            "State": "available",
            "DefaultAssociationRouteTable": True,
            "DefaultPropagationRouteTable": False,
        }
    ]
}
PROPAGATIONS = {
    "TransitGatewayPropagations": [
        {
            "TransitGatewayRouteTableId": "tgw-rtb-1",
            "TransitGatewayRouteTablePropagations": [
                {
                    "TransitGatewayAttachmentId": "tgw-attach-a",
                    "ResourceId": "vpc-a",
                    "ResourceType": "vpc",
                    "State": "enabled",
                },
                {
                    "TransitGatewayAttachmentId": "tgw-attach-v",
                    "ResourceId": "vpn-1",
                    "ResourceType": "vpn",
                    "State": "disabled",
                },
            ],
        }
    ]
}
STATIC = {
    "TransitGatewayStaticRoutes": [
        {
            "TransitGatewayRouteTableId": "tgw-rtb-1",
            "AdditionalRoutesAvailable": False,
            "Routes": [
                {
                    "DestinationCidrBlock": "192.168.0.0/16",
                    "TransitGatewayAttachments": [
                        {
                            "ResourceId": "vpn-1",
                            "TransitGatewayAttachmentId": "tgw-attach-v",
                            "ResourceType": "vpn",
                        }
                    ],
                    "Type": "static",
                    "State": "active",
                },
                {"DestinationCidrBlock": "10.99.0.0/16", "Type": "static", "State": "blackhole"},
                {"PrefixListId": "pl-1", "Type": "static", "State": "active"},
            ],
        }
    ]
}


def test_transit_gateway_options() -> None:
    tgw = _load(TGW).transit_gateways["tgw-1"]
    assert (tgw.state, tgw.owner_id, tgw.region, tgw.amazon_side_asn) == (
        "available",
        "111111111111",
        "eu-west-1",  # from the ARN: the file has no region directory
        64512,
    )
    assert tgw.default_route_table_association and tgw.association_default_route_table_id == "tgw-rtb-1"
    assert not tgw.default_route_table_propagation
    assert tgw.security_group_referencing_support and tgw.vpn_ecmp_support


def test_attachments_merge_vpc_details_and_association() -> None:
    snap = _load(TGW, ATTACHMENTS, VPC_ATTACHMENTS, TABLES)
    att = snap.transit_gateway_attachments[("tgw-1", "tgw-attach-a")]
    assert att.resource_type is AttachmentType.VPC and att.associated_route_table == "tgw-rtb-1"
    assert att.vpc is not None and att.vpc.subnet_ids == ("subnet-a1", "subnet-a2")
    assert att.vpc.appliance_mode_support and att.vpc.security_group_referencing_support
    assert not att.vpc.ipv6_support
    vpn = snap.transit_gateway_attachments[("tgw-1", "tgw-attach-v")]
    # no Association key: the attachment is known to be associated with no table
    assert vpn.association_known and vpn.associated_route_table is None
    assert vpn.resource_type is AttachmentType.VPN and vpn.vpc is None


def test_vpc_attachment_alone_has_an_unknown_association() -> None:
    snap = _load(VPC_ATTACHMENTS)
    att = snap.transit_gateway_attachments[("tgw-1", "tgw-attach-a")]
    assert not att.association_known
    assert "UNRESOLVED_ATTACHMENT" in _codes(snap) and "UNRESOLVED_TRANSIT_GATEWAY" in _codes(snap)


def test_route_table_gets_its_propagations_and_static_routes() -> None:
    snap = _load(TGW, ATTACHMENTS, TABLES, PROPAGATIONS, STATIC)
    table = snap.transit_gateway_route_tables["tgw-rtb-1"]
    assert table.transit_gateway_id == "tgw-1" and table.default_association_route_table
    assert table.static_routes_known and table.propagations_known and not table.propagated_routes_known
    assert [(p.attachment_id, p.enabled) for p in table.propagations] == [
        ("tgw-attach-a", True),
        ("tgw-attach-v", False),
    ]
    vpn, hole, pl = table.routes
    assert (vpn.destination, vpn.attachment_ids, vpn.origin) == (
        Cidr.parse("192.168.0.0/16"),
        ("tgw-attach-v",),
        RouteOrigin.STATIC,
    )
    assert hole.blackhole and hole.attachment_ids == ()
    assert pl.destination is None and pl.prefix_list_id == "pl-1" and pl.origin is RouteOrigin.PREFIX_LIST


def test_propagated_routes_and_prefix_list_references() -> None:
    propagated = {
        "TransitGatewayPropagatedRoutes": [
            {
                "TransitGatewayRouteTableId": "tgw-rtb-1",
                "Routes": [
                    {
                        "DestinationCidrBlock": "172.16.0.0/12",
                        "TransitGatewayAttachments": [
                            {"TransitGatewayAttachmentId": "tgw-attach-v", "ResourceType": "vpn"}
                        ],
                        "Type": "propagated",
                        "State": "active",
                    }
                ],
                "AdditionalRoutesAvailable": True,
            }
        ]
    }
    refs = {
        "TransitGatewayPrefixListReferences": [
            {
                "TransitGatewayRouteTableId": "tgw-rtb-1",
                "PrefixListId": "pl-9",
                "State": "available",
                "Blackhole": True,
            }
        ]
    }
    snap = _load(TGW, ATTACHMENTS, TABLES, propagated, refs)
    table = snap.transit_gateway_route_tables["tgw-rtb-1"]
    assert table.propagated_routes_known and not table.static_routes_known and table.routes_truncated
    (route,) = table.routes
    assert route.origin is RouteOrigin.VPN_PROPAGATED and route.resource_type is AttachmentType.VPN
    (ref,) = table.prefix_list_references
    assert (ref.prefix_list_id, ref.blackhole, ref.attachment_id) == ("pl-9", True, None)
    assert "INCOMPLETE_ROUTES" in _codes(snap)


def test_routes_of_an_unknown_table_are_kept_and_warned() -> None:
    snap = _load(STATIC)
    table = snap.transit_gateway_route_tables["tgw-rtb-1"]
    assert table.transit_gateway_id is None and len(table.routes) == 3
    assert _codes(snap) == ["UNRESOLVED_ATTACHMENT", "UNRESOLVED_ROUTE_TABLE"]


def test_bare_propagations_cannot_be_tied_to_a_table() -> None:
    snap = _load(
        {
            "TransitGatewayRouteTablePropagations": [
                {"TransitGatewayAttachmentId": "tgw-attach-a", "ResourceType": "vpc", "State": "enabled"}
            ]
        }
    )
    assert _codes(snap) == ["UNRESOLVED_ROUTE_TABLE"] and not snap.transit_gateway_route_tables


def test_peering_attachment_is_seen_from_both_gateways() -> None:
    peering = {
        "TransitGatewayPeeringAttachments": [
            {
                "TransitGatewayAttachmentId": "tgw-attach-p",
                "RequesterTgwInfo": {
                    "TransitGatewayId": "tgw-1",
                    "OwnerId": "111111111111",
                    "Region": "eu-west-1",
                },
                "AccepterTgwInfo": {
                    "TransitGatewayId": "tgw-2",
                    "OwnerId": "222222222222",
                    "Region": "us-east-1",
                },
                "Options": {"DynamicRouting": "disable"},
                "Status": {"Code": "available"},
                "State": "available",
            }
        ]
    }
    tgw2 = {"TransitGateways": [{"TransitGatewayId": "tgw-2", "State": "available"}]}
    snap = _load(TGW, tgw2, peering)
    mine = snap.transit_gateway_attachments[("tgw-1", "tgw-attach-p")]
    theirs = snap.transit_gateway_attachments[("tgw-2", "tgw-attach-p")]
    assert mine.resource_id == "tgw-2" and theirs.resource_id == "tgw-1"
    assert theirs.resource_owner_id == "111111111111"
    assert mine.peering is not None and mine.peering.other_side("tgw-1") == (
        "tgw-2",
        "222222222222",
        "us-east-1",
    )
    assert not mine.association_known and not mine.peering.dynamic_routing


VPN = {
    "VpnConnections": [
        {
            "VpnConnectionId": "vpn-1",
            "State": "available",
            "CustomerGatewayId": "cgw-1",
            "VpnGatewayId": "vgw-1",
            "Type": "ipsec.1",
            "Category": "VPN",
            "CustomerGatewayConfiguration": "<vpn_connection><pre_shared_key>s3cret-one</pre_shared_key>",
            "Options": {
                "StaticRoutesOnly": True,
                "TunnelOptions": [{"OutsideIpAddress": "198.51.100.1", "PreSharedKey": "s3cret-two"}],
            },
            "Routes": [{"DestinationCidrBlock": "192.168.10.0/24", "Source": "Static", "State": "available"}],
            "VgwTelemetry": [
                {"OutsideIpAddress": "198.51.100.1", "Status": "UP", "AcceptedRouteCount": 0},
                {"OutsideIpAddress": "198.51.100.2", "Status": "DOWN", "StatusMessage": "IPSEC IS DOWN"},
            ],
        }
    ]
}
VGW = {
    "VpnGateways": [
        {
            "VpnGatewayId": "vgw-1",
            "State": "available",
            "Type": "ipsec.1",
            "AmazonSideAsn": 64512,
            "VpcAttachments": [
                {"VpcId": "vpc-a", "State": "attached"},
                {"VpcId": "vpc-b", "State": "detached"},
            ],
        }
    ]
}
CGW = {
    "CustomerGateways": [
        {"CustomerGatewayId": "cgw-1", "BgpAsn": "65000", "IpAddress": "203.0.113.7", "State": "available"}
    ]
}


def test_vpn_connection_gateways_and_no_secrets() -> None:
    snap = _load(VPN, VGW, CGW)
    conn = snap.vpn_connections["vpn-1"]
    assert conn.vpn_gateway_id == "vgw-1" and conn.transit_gateway_id is None and conn.static_routes_only
    assert [(str(r.destination), r.available) for r in conn.routes] == [("192.168.10.0/24", True)]
    assert [(t.outside_ip, t.up) for t in conn.tunnels] == [
        (Address.parse("198.51.100.1"), True),
        (Address.parse("198.51.100.2"), False),
    ]
    assert conn.any_tunnel_up
    assert "s3cret" not in repr(snap.vpn_connections) and "s3cret" not in repr(snap)
    vgw = snap.vpn_gateways["vgw-1"]
    assert vgw.vpc_ids == ("vpc-a",) and vgw.attachments == (("vpc-a", "attached"), ("vpc-b", "detached"))
    cgw = snap.customer_gateways["cgw-1"]
    assert (cgw.bgp_asn, cgw.ip_address) == (65000, Address.parse("203.0.113.7"))
    assert _codes(snap) == []


def test_vpn_connection_to_missing_gateways_warned() -> None:
    snap = _load(VPN)
    assert _codes(snap) == ["UNRESOLVED_GATEWAY", "UNRESOLVED_GATEWAY"]


def test_vpc_endpoints_of_every_type() -> None:
    endpoints = {
        "VpcEndpoints": [
            {
                "VpcEndpointId": "vpce-gw",
                "VpcEndpointType": "Gateway",
                "VpcId": "vpc-a",
                "ServiceName": "com.amazonaws.eu-west-1.s3",
                "State": "Available",
                "RouteTableIds": ["rtb-1"],
                "PolicyDocument": '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*"}]}',
            },
            {
                "VpcEndpointId": "vpce-if",
                "VpcEndpointType": "Interface",
                "VpcId": "vpc-a",
                "ServiceName": "com.amazonaws.eu-west-1.ssm",
                "State": "available",
                "SubnetIds": ["subnet-a1"],
                "Groups": [{"GroupId": "sg-e", "GroupName": "endpoint"}],
                "NetworkInterfaceIds": ["eni-e"],
                "PrivateDnsEnabled": True,
            },
            {
                "VpcEndpointId": "vpce-gwlb",
                "VpcEndpointType": "GatewayLoadBalancer",
                "VpcId": "vpc-a",
                "State": "available",
            },
        ]
    }
    snap = _load(endpoints)
    gw, itf, gwlb = (snap.vpc_endpoints[i] for i in ("vpce-gw", "vpce-if", "vpce-gwlb"))
    assert gw.endpoint_type is EndpointType.GATEWAY and gw.available and gw.service_suffix == "s3"
    assert gw.route_table_ids == ("rtb-1",) and gw.policy_document is not None
    assert itf.endpoint_type is EndpointType.INTERFACE and itf.group_ids == ("sg-e",)
    assert itf.network_interface_ids == ("eni-e",) and itf.private_dns_enabled
    assert gwlb.endpoint_type is EndpointType.GATEWAY_LOAD_BALANCER
    assert _codes(snap) == ["UNRESOLVED_ENDPOINT_REFERENCE", "UNRESOLVED_ENDPOINT_REFERENCE"]


def test_propagating_vgws_on_route_tables() -> None:
    rtb = {
        "RouteTables": [
            {
                "RouteTableId": "rtb-1",
                "VpcId": "vpc-a",
                "Associations": [{"Main": True}],
                "PropagatingVgws": [{"GatewayId": "vgw-1"}],
                "Routes": [
                    {
                        "DestinationCidrBlock": "192.168.10.0/24",
                        "GatewayId": "vgw-1",
                        "Origin": "EnableVgwRoutePropagation",
                        "State": "active",
                    }
                ],
            }
        ]
    }
    table = _load(rtb).route_tables["rtb-1"]
    assert table.propagating_vgws == frozenset({"vgw-1"})
    assert table.routes[0].origin == "EnableVgwRoutePropagation"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            {"TransitGateways": [{"State": "available"}]},
            "at $.TransitGateways[0]: missing required key 'TransitGatewayId'",
        ),
        (
            {
                "TransitGatewayVpcAttachments": [
                    {
                        "TransitGatewayAttachmentId": "tgw-attach-x",
                        "TransitGatewayId": "tgw-1",
                        "VpcId": "vpc-1",
                        "SubnetIds": [7],
                    }
                ]
            },
            "at $.TransitGatewayVpcAttachments[0].SubnetIds[0] (tgw-attach-x): expected a subnet id, found 7",
        ),
        (
            {
                "TransitGatewayStaticRoutes": [
                    {
                        "TransitGatewayRouteTableId": "tgw-rtb-x",
                        "Routes": [{"DestinationCidrBlock": "10.0.0.0/33"}],
                    }
                ]
            },
            "at $.TransitGatewayStaticRoutes[0].Routes[0].DestinationCidrBlock (tgw-rtb-x): "
            "invalid CIDR '10.0.0.0/33'",
        ),
        (
            {
                "VpnConnections": [
                    {"VpnConnectionId": "vpn-x", "VgwTelemetry": [{"OutsideIpAddress": "1.2.3.4"}]}
                ]
            },
            "at $.VpnConnections[0].VgwTelemetry[0] (vpn-x): missing required key 'Status'",
        ),
        (
            {
                "VpcEndpoints": [
                    {"VpcEndpointId": "vpce-x", "VpcId": "vpc-1", "PolicyDocument": {"Statement": []}}
                ]
            },
            "at $.VpcEndpoints[0].PolicyDocument (vpce-x): "
            "expected the policy as a JSON string, found {'Statement': []}",
        ),
        (
            {"CustomerGateways": [{"CustomerGatewayId": "cgw-x", "BgpAsn": "sixty"}]},
            "at $.CustomerGateways[0].BgpAsn (cgw-x): expected an integer, found 'sixty'",
        ),
    ],
    ids=[
        "tgw-id",
        "vpc-attachment-subnet",
        "static-route-cidr",
        "tunnel-status",
        "endpoint-policy",
        "cgw-asn",
    ],
)
def test_bad_input_names_file_path_and_resource(tmp_path: Path, doc: Json, expected: str) -> None:
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(SnapshotError) as err:
        load_snapshot(f)
    assert str(err.value) == f"{f}: {expected}"
    proc = subprocess.run(
        [sys.executable, "-m", "vpcflow", "snapshot", "info", str(f)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"vpcflow: error: {f}: {expected}\n"


# -- the shared snapshots --------------------------------------------------------------------------


@needs_data
def test_batfish_unit_fixtures() -> None:
    snap = load_snapshot(BATFISH / "TransitGatewayAttachmentTest.json")
    kinds = {a.attachment_id: a.resource_type for a in snap.transit_gateway_attachments.values()}
    assert kinds == {
        "tgw-attach-07f5ec59e9f540021": AttachmentType.VPC,
        "tgw-attach-0ae2696617bb06fb4": AttachmentType.VPC,
        "tgw-attach-0ce5cf730c95980d9": AttachmentType.VPC,
        "tgw-attach-0dbe0fb191f73f405": AttachmentType.DIRECT_CONNECT_GATEWAY,
        "tgw-attach-084b68f4a40b12383": AttachmentType.PEERING,
    }
    modifying = snap.transit_gateway_attachments[("tgw-044be4464fcc69aff", "tgw-attach-07f5ec59e9f540021")]
    assert modifying.state == "modifying" and not modifying.available
    routes = load_snapshot(BATFISH / "TransitGatewayStaticRoutesTest.json").transit_gateway_route_tables
    assert [r.label for r in routes["tgw-rtb-08262a9ed03306288"].routes] == [
        "1.1.1.1/32 → tgw-attach-07f5ec59e9f540021 (static)",
        "192.168.0.0/16 → blackhole (static)",
    ]
    assert (
        routes["tgw-rtb-0fa40c8df355dce6e"].routes == ()
        and routes["tgw-rtb-0fa40c8df355dce6e"].static_routes_known
    )
    props = load_snapshot(BATFISH / "TransitGatewayPropagationsTest.json").transit_gateway_route_tables
    assert [p.enabled for p in props["tgw-rtb-08262a9ed03306288"].propagations] == [True, False, True]
    tables = load_snapshot(BATFISH / "TransitGatewayRouteTableTest.json").transit_gateway_route_tables
    assert {t: x.available for t, x in tables.items()} == {
        "tgw-rtb-08262a9ed03306288": True,
        "tgw-rtb-0fa40c8df355dce6e": False,
    }
    vgws = load_snapshot(BATFISH / "VpnGatewayTest.json").vpn_gateways
    assert vgws["vgw-81fd279f"].vpc_ids == ("vpc-815775e7",) and not vgws["vgw-045e114c413727463"].available
    conns = load_snapshot(BATFISH / "VpnConnectionTransitGatewayTest.json").vpn_connections
    (conn,) = conns.values()
    assert conn.transit_gateway_id is not None and conn.vpn_gateway_id is None
    eps = load_snapshot(BATFISH / "VpcEndpointTest.json")
    assert eps.vpc_endpoints["vpce-0d4dd62ef8577fa8e"].state == "available"  # the first of the duplicates
    assert "DUPLICATE_ID" in _codes(eps)
    dx = load_snapshot(BATFISH / "DirectConnectVirtualInterfaceTest.json").virtual_interfaces
    assert {v: (x.type, x.bgp_up) for v, x in dx.items()} == {
        "dxvif-fghi1234": ("transit", True),
        "dxvif-wxyz5678": ("transit", False),
        "dxvif-vgw0001": ("private", True),
    }
    assoc = load_snapshot(BATFISH / "DirectConnectGatewayAssociationTest.json")
    assert [(a.gateway_id, a.state) for a in assoc.direct_connect_gateway_associations] == [
        ("tgw-0984f045a02daba60", "associated"),
        ("vgw-0abcdef1234567890", "disassociated"),
    ]


@needs_data
def test_hybrid_cloud_transit_gateways_and_vpns() -> None:
    snap = load_snapshot(DATA / "batfish-hybrid-cloud")
    assert sorted(snap.transit_gateways) == ["tgw-06b348adabd13452d", "tgw-0888a76c8a371246d"]
    assert {t.region for t in snap.transit_gateways.values()} == {"us-east-2", "us-west-2"}
    vpcs = sorted(a.vpc.vpc_id for a in snap.transit_gateway_attachments.values() if a.vpc is not None)
    assert vpcs == sorted(snap.vpcs)
    conns = {c.vpn_connection_id: c.transit_gateway_id for c in snap.vpn_connections.values()}
    assert conns == {
        "vpn-01c45673532d3e33e": "tgw-06b348adabd13452d",
        "vpn-0dc7abdb974ff8a69": "tgw-0888a76c8a371246d",
    }
    assert all(len(c.tunnels) == 2 and c.any_tunnel_up and c.uses_bgp for c in snap.vpn_connections.values())
    for table in snap.transit_gateway_route_tables.values():
        assert table.static_routes_known and table.propagations_known and len(table.propagations) == 3
    for key in ("TransitGateway", "Vpn", "CustomerGateways"):
        assert not any(k.startswith(key) for k in snap.not_modelled)


@needs_data
def test_transit_gateway_peering_both_accounts() -> None:
    snap = load_snapshot(BATFISH / "test-transit-gateway-peering")
    sides = sorted(t for t, a in snap.transit_gateway_attachments if a == "tgw-attach-012e5d602f859dd80")
    assert sides == ["tgw-03201f1960ddb0c25", "tgw-0e20010ebf43d07a2"]
    west = snap.transit_gateway_route_tables["tgw-rtb-00be87593fb2cd0ae"]
    assert [r.label for r in west.routes] == ["10.20.0.0/16 → tgw-attach-012e5d602f859dd80 (static)"]


@needs_data
def test_shared_transit_gateway_views_merge_without_duplicate_warnings() -> None:
    snap = load_snapshot(BATFISH / "test-transit-gateway-multi-account")
    assert "DUPLICATE_ID" not in _codes(snap)
    (tgw,) = snap.transit_gateways.values()
    assert ("Name", "tgw-batfish") in tgw.tags  # the owner's tags, kept


def test_snapshot_info_lists_each_construct_with_its_status(tmp_path: Path) -> None:
    from transit_builders import Estate

    e = Estate().vpc("vpc-a", "10.1.0.0/16").subnet("subnet-a1", "vpc-a", "10.1.1.0/24")
    e.tgw("tgw-1").table("tgw-rtb-1", "tgw-1").attach_vpc(
        "tgw-attach-a", "tgw-1", "vpc-a", ["subnet-a1"], "tgw-rtb-1"
    )
    e.vgw("vgw-1", "vpc-a").vpn("vpn-1", vgw="vgw-1")
    for name, doc in e.docs():
        f = tmp_path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(doc))
    proc = subprocess.run(
        [sys.executable, "-m", "vpcflow", "snapshot", "info", str(tmp_path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    data = json.loads(proc.stdout)
    rows = {c["construct"]: (c["count"], c["status"]) for c in data["constructs"]}
    assert rows["network ACLs"] == (1, "modelled")
    assert rows["transit gateways"][0] == 1 and rows["transit gateway route tables"][0] == 1
    assert rows["virtual private gateways"][0] == 1 and rows["Site-to-Site VPN connections"][0] == 1
    assert all(status in ("modelled", "partial", "not-modelled") for _n, status in rows.values())
    counts = data["counts"]
    assert (counts["transit_gateways"], counts["transit_gateway_attachments"], counts["vpn_connections"]) == (
        1,
        1,
        1,
    )
    text = subprocess.run(
        [sys.executable, "-m", "vpcflow", "snapshot", "info", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    assert "constructs" in text and "transit gateways" in text
