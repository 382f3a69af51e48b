"""End-to-end traces through transit gateways, VPN, gateway route tables, appliances and endpoints, on
describe-* JSON loaded by the real loader; each scenario follows an AWS page (URL beside each test)."""

from __future__ import annotations

from typing import Any

from transit_builders import Estate
from vpcflow.engine import Engine, HopKind, Verdict
from vpcflow.engine.result import Trace

TGW = "tgw-1"
SSH_FROM = lambda src: [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, **src}]  # noqa: E731


def stop(t: Trace) -> tuple[str, str | None, str]:
    assert t.blocked_by is not None, t.diagnosis
    return t.blocked_by.stage, t.blocked_by.id, t.blocked_by.code


def two_spokes(**opts: Any) -> Estate:
    """VPC A (10.1/16) and B (10.2/16) on tgw-1, one subnet each in eu-west-1a; attachment interfaces in
    their own subnets; A's instance 10.1.1.10, B's 10.2.1.10."""
    e = Estate().tgw(TGW, sg_referencing=opts.get("tgw_sg_ref", False)).table("tgw-rtb-1", TGW)
    for n in (1, 2):
        v, cidr = f"vpc-{n}", f"10.{n}.0.0/16"
        e.vpc(v, cidr).subnet(f"subnet-{n}", v, f"10.{n}.1.0/24").subnet(f"subnet-{n}t", v, f"10.{n}.9.0/24")
        other = f"10.{3 - n}.0.0/16"
        e.rtb(
            f"rtb-{n}",
            v,
            [f"subnet-{n}", f"subnet-{n}t"],
            [
                {"DestinationCidrBlock": cidr, "GatewayId": "local", "State": "active"},
                {"DestinationCidrBlock": other, "TransitGatewayId": TGW, "State": "active"},
            ],
            main=True,
        )
        e.attach_vpc(
            f"tgw-attach-{n}",
            TGW,
            v,
            [f"subnet-{n}t"],
            "tgw-rtb-1",
            sg_referencing=opts.get("att_sg_ref", False),
        )
        e.propagate("tgw-rtb-1", f"tgw-attach-{n}", "vpc", v)
        e.eni(f"eni-t{n}", f"subnet-{n}t", f"10.{n}.9.5", [], interface_type="transit_gateway")
        e.items["NetworkInterfaces"][-1]["Description"] = (
            f"Network Interface for Transit Gateway Attachment tgw-attach-{n}"
        )
    e.sg("sg-a", "vpc-1").sg("sg-b", "vpc-2", ingress=opts.get("b_ingress"))
    e.eni("eni-a", "subnet-1", "10.1.1.10", ["sg-a"], instance="i-a")
    e.eni("eni-b", "subnet-2", "10.2.1.10", ["sg-b"], instance="i-b")
    return e


def trace(e: Estate, src: str, dst: str, proto: str = "tcp", port: int | None = 22) -> Trace:
    return Engine(e.snapshot()).trace(src, dst, proto, port)


# https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html — attachment subnet NACL: inbound toward the
# gateway, outbound from it; not evaluated from the gateway to a resource in the attachment's own subnet
def test_attachment_subnet_nacl_is_applied_as_documented() -> None:
    e = two_spokes()
    assert trace(e, "eni-a", "eni-b").verdict is Verdict.ACCEPT
    deny_in = [
        {
            "RuleNumber": 50,
            "Protocol": "-1",
            "RuleAction": "deny",
            "Egress": False,
            "CidrBlock": "10.1.1.0/24",
        },
        {
            "RuleNumber": 100,
            "Protocol": "-1",
            "RuleAction": "allow",
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
        },
        {
            "RuleNumber": 100,
            "Protocol": "-1",
            "RuleAction": "allow",
            "Egress": True,
            "CidrBlock": "0.0.0.0/0",
        },
    ]
    e.add(
        "NetworkAcls",
        {
            "NetworkAclId": "acl-att1",
            "VpcId": "vpc-1",
            "Entries": deny_in,
            "Associations": [{"SubnetId": "subnet-1t"}],
        },
    )
    t = trace(e, "eni-a", "eni-b")
    assert t.verdict is Verdict.REJECT and stop(t) == ("forward", "acl-att1", "SUBNET_ACL_RESTRICTION")


def test_attachment_subnet_nacl_outbound_from_the_gateway() -> None:
    e = two_spokes()
    deny_out = [
        {
            "RuleNumber": 50,
            "Protocol": "6",
            "RuleAction": "deny",
            "Egress": True,
            "CidrBlock": "10.2.1.0/24",
            "PortRange": {"From": 22, "To": 22},
        },
        {
            "RuleNumber": 100,
            "Protocol": "-1",
            "RuleAction": "allow",
            "Egress": True,
            "CidrBlock": "0.0.0.0/0",
        },
        {
            "RuleNumber": 100,
            "Protocol": "-1",
            "RuleAction": "allow",
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
        },
    ]
    e.add(
        "NetworkAcls",
        {
            "NetworkAclId": "acl-att2",
            "VpcId": "vpc-2",
            "Entries": deny_out,
            "Associations": [{"SubnetId": "subnet-2t"}],
        },
    )
    t = trace(e, "eni-a", "eni-b")
    assert stop(t) == ("forward", "acl-att2", "SUBNET_ACL_RESTRICTION")
    assert t.blocked_by is not None and t.blocked_by.direction is not None
    assert t.blocked_by.direction.value == "egress"


# https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-security — group
# references across a transit gateway: inbound rules only, with the support enabled
def test_security_group_references_across_the_gateway() -> None:
    by_group = SSH_FROM({"UserIdGroupPairs": [{"GroupId": "sg-a"}]})
    off = trace(two_spokes(b_ingress=by_group), "eni-a", "eni-b")
    assert off.verdict is Verdict.REJECT and stop(off) == ("forward", "sg-b", "SG_REFERENCING_SUPPORT")
    half = trace(two_spokes(b_ingress=by_group, tgw_sg_ref=True), "eni-a", "eni-b")
    assert half.verdict is Verdict.REJECT
    on = trace(two_spokes(b_ingress=by_group, tgw_sg_ref=True, att_sg_ref=True), "eni-a", "eni-b")
    assert on.verdict is Verdict.ACCEPT, on.diagnosis
    by_cidr = trace(
        two_spokes(b_ingress=SSH_FROM({"IpRanges": [{"CidrIp": "10.1.0.0/16"}]})), "eni-a", "eni-b"
    )
    assert by_cidr.verdict is Verdict.ACCEPT


def test_outbound_group_reference_never_crosses_the_gateway() -> None:
    e = two_spokes(tgw_sg_ref=True, att_sg_ref=True)
    e.items["SecurityGroups"][0]["IpPermissionsEgress"] = SSH_FROM(
        {"UserIdGroupPairs": [{"GroupId": "sg-b"}]}
    )
    t = trace(e, "eni-a", "eni-b")
    assert stop(t) == ("forward", "sg-a", "SG_REFERENCES_NOT_PRESERVED")


# https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html — static beats propagated for
# the same prefix (Batfish makes them ECMP)
def test_static_blackhole_overrides_the_propagated_route() -> None:
    e = two_spokes().static_route("tgw-rtb-1", "10.2.0.0/16", None)
    t = trace(e, "eni-a", "eni-b")
    assert stop(t) == ("forward", "tgw-rtb-1", "TGW_RTB_BAD_STATE_ROUTE")


def vpn_vpc(**vpn: Any) -> Estate:
    e = Estate().vpc("vpc-1", "10.1.0.0/16").subnet("subnet-1", "vpc-1", "10.1.1.0/24").vgw("vgw-1", "vpc-1")
    e.rtb(
        "rtb-1",
        "vpc-1",
        ["subnet-1"],
        [
            {"DestinationCidrBlock": "10.1.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationCidrBlock": "192.168.0.0/16", "GatewayId": "vgw-1", "State": "active"},
        ],
        main=True,
    )
    e.vpn("vpn-1", vgw="vgw-1", static_only=True, routes=("192.168.0.0/16",), **vpn)
    return e.sg("sg-a", "vpc-1", ingress=SSH_FROM({"IpRanges": [{"CidrIp": "192.168.0.0/16"}]})).eni(
        "eni-a", "subnet-1", "10.1.1.10", ["sg-a"], instance="i-a"
    )


# https://docs.aws.amazon.com/vpn/latest/s2svpn/how_it_works.html — on-premises through the VPN, both ways
def test_on_premises_is_reached_through_the_vpn_never_the_internet() -> None:
    e = vpn_vpc()
    out = trace(e, "eni-a", "192.168.5.5")
    assert out.verdict is Verdict.ACCEPT, out.diagnosis
    assert [h.kind for h in out.forward.hops][-2:] == [
        HopKind.VIRTUAL_PRIVATE_GATEWAY,
        HopKind.VPN_CONNECTION,
    ]
    inbound = trace(e, "192.168.5.5", "eni-a")
    assert inbound.verdict is Verdict.ACCEPT, inbound.diagnosis
    assert inbound.forward.hops[0].kind is HopKind.VPN_CONNECTION
    assert all(h.kind is not HopKind.INTERNET_GATEWAY for h in inbound.forward.hops + inbound.ret.hops)


def test_all_tunnels_down_is_not_delivered() -> None:
    e = vpn_vpc(tunnels=("DOWN", "DOWN"))
    t = trace(e, "eni-a", "192.168.5.5")
    assert stop(t) == ("forward", "vgw-1", "BAD_STATE_VPN")
    assert stop(trace(e, "192.168.5.5", "eni-a"))[2] == "BAD_STATE_VPN"


def test_reply_route_back_to_on_premises_is_needed() -> None:
    e = vpn_vpc()
    e.items["RouteTables"][0]["Routes"].pop()  # no route to 192.168/16: the reply has no way back
    t = trace(e, "192.168.5.5", "eni-a")
    assert t.forward.delivered and t.verdict is Verdict.REJECT
    assert stop(t)[0] == "return" and stop(t)[2] == "NO_ROUTE_TO_DESTINATION"


def appliance_vpc(source_dest_check: bool = False) -> Estate:
    """A public subnet whose internet gateway's route table sends the web subnet's traffic through a
    firewall instance (ingress routing), and the web subnet routes back through it."""
    e = Estate().vpc("vpc-1", "10.0.0.0/16").igw("igw-1", "vpc-1")
    e.subnet("subnet-fw", "vpc-1", "10.0.0.0/24").subnet("subnet-web", "vpc-1", "10.0.1.0/24")
    e.rtb(
        "rtb-fw",
        "vpc-1",
        ["subnet-fw"],
        [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"},
        ],
    )
    e.rtb(
        "rtb-web",
        "vpc-1",
        ["subnet-web"],
        [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationCidrBlock": "0.0.0.0/0", "NetworkInterfaceId": "eni-fw", "State": "active"},
        ],
    )
    e.edge_rtb(
        "rtb-edge",
        "vpc-1",
        "igw-1",
        [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationCidrBlock": "10.0.1.0/24", "NetworkInterfaceId": "eni-fw", "State": "active"},
        ],
    )
    e.sg("sg-fw", "vpc-1").sg(
        "sg-web",
        "vpc-1",
        ingress=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    e.eni(
        "eni-fw",
        "subnet-fw",
        "10.0.0.10",
        ["sg-fw"],
        instance="i-fw",
        source_dest_check=source_dest_check,
        public="203.0.113.10",
    )
    e.eni("eni-web", "subnet-web", "10.0.1.10", ["sg-web"], instance="i-web", public="203.0.113.20")
    return e


# https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html — ingress routing through a
# middlebox, both directions through it
def test_ingress_routing_through_an_appliance() -> None:
    t = trace(appliance_vpc(), "198.51.100.7", "203.0.113.20", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    fw = [h for h in t.forward.hops if h.kind is HopKind.NETWORK_INTERFACE and h.id == "eni-fw"]
    back = [h for h in t.ret.hops if h.kind is HopKind.NETWORK_INTERFACE and h.id == "eni-fw"]
    assert (fw and back and "assum" in fw[0].detail) or "unchanged" in fw[0].detail


# https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html — source/destination check
def test_appliance_with_source_dest_check() -> None:
    t = trace(appliance_vpc(source_dest_check=True), "198.51.100.7", "203.0.113.20", "tcp", 443)
    assert stop(t) == ("forward", "eni-fw", "ENI_SOURCE_DEST_CHECK_RESTRICTION")


def test_appliance_without_public_ip_cannot_take_internet_ingress() -> None:
    e = appliance_vpc()
    fw = next(x for x in e.items["NetworkInterfaces"] if x["NetworkInterfaceId"] == "eni-fw")
    fw.pop("Association")
    fw["PrivateIpAddresses"][0].pop("Association")
    t = trace(e, "198.51.100.7", "203.0.113.20", "tcp", 443)
    assert stop(t) == ("forward", "eni-fw", "INGRESS_RTB_NO_PUBLIC_IP")


def test_nat_instance_is_operating_system_configuration() -> None:
    e = appliance_vpc()
    web = next(x for x in e.items["NetworkInterfaces"] if x["NetworkInterfaceId"] == "eni-web")
    web.pop("Association")
    web["PrivateIpAddresses"][0].pop("Association")
    t = trace(e, "eni-web", "198.51.100.7", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN and stop(t) == ("forward", "eni-fw", "UNSUPPORTED_NAT_INSTANCE")


# https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html — only from inside its VPC:
# not through a transit gateway
def test_gateway_endpoint_is_not_reachable_through_a_transit_gateway() -> None:
    e = two_spokes().prefix_list("pl-s3", "52.216.0.0/15")
    e.endpoint(
        "vpce-s3", "Gateway", "vpc-2", ServiceName="com.amazonaws.eu-west-1.s3", RouteTableIds=["rtb-2"]
    )
    e.items["RouteTables"][1]["Routes"].append(
        {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3", "State": "active"}
    )
    e.items["RouteTables"][0]["Routes"].append(
        {"DestinationCidrBlock": "52.216.0.0/15", "TransitGatewayId": TGW, "State": "active"}
    )
    e.static_route("tgw-rtb-1", "52.216.0.0/15", "tgw-attach-2")
    t = trace(e, "eni-a", "52.216.1.1", "tcp", 443)
    assert stop(t) == ("forward", "vpce-s3", "VPCE_GATEWAY_REQUIRES_SOURCE_IN_VPC")
    assert trace(e, "eni-b", "52.216.1.1", "tcp", 443).verdict is Verdict.ACCEPT
