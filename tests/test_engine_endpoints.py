"""Gateway endpoints, middlebox routes and on-premises address space, against AWS's documented rules (the
URL beside each test), on describe-* JSON loaded through the real loader."""

from __future__ import annotations

from transit_builders import Estate
from vpcflow.engine.endpoints import (
    EndpointOutcome,
    gateway_endpoint,
    interface_endpoint_of,
    is_endpoint_interface,
)
from vpcflow.engine.middlebox import ApplianceOutcome, appliance_for, needs_translation
from vpcflow.engine.onprem import is_onprem, onprem_cidrs
from vpcflow.model import ICMP, TCP, UDP, Address, Cidr, Route, RouteTarget

S3 = {
    "ServiceName": "com.amazonaws.eu-west-1.s3",
    "RouteTableIds": ["rtb-1"],
    "PolicyDocument": '{"Statement": []}',
}


def endpoint_estate() -> Estate:
    e = Estate().vpc("vpc-a", "10.0.0.0/16").subnet("subnet-1", "vpc-a", "10.0.1.0/24")
    e.rtb(
        "rtb-1",
        "vpc-a",
        ["subnet-1"],
        [{"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3", "State": "active"}],
    )
    e.prefix_list("pl-s3", "52.216.0.0/15")
    return e.endpoint("vpce-s3", "Gateway", "vpc-a", **S3)


# https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html — TCP and ICMP echo only
def test_gateway_endpoint_protocols() -> None:
    snap = endpoint_estate().snapshot()
    ok = gateway_endpoint(snap, "vpce-s3", "rtb-1", "vpc-a", TCP, None)
    assert ok.outcome is EndpointOutcome.FORWARD and "policy reported" in ok.detail
    assert gateway_endpoint(snap, "vpce-s3", "rtb-1", "vpc-a", ICMP, 8).outcome is EndpointOutcome.FORWARD
    for proto, icmp in ((UDP, None), (ICMP, 3)):
        no = gateway_endpoint(snap, "vpce-s3", "rtb-1", "vpc-a", proto, icmp)
        assert (no.outcome, no.code) == (EndpointOutcome.DROP, "VPCE_GATEWAY_PROTOCOL_RESTRICTION")


# same page: usable only from inside its VPC (not through peering, a transit gateway, VPN, Direct Connect)
def test_gateway_endpoint_only_from_its_vpc() -> None:
    snap = endpoint_estate().snapshot()
    other = gateway_endpoint(snap, "vpce-s3", "rtb-1", "vpc-b", TCP, None)
    assert (other.outcome, other.code) == (EndpointOutcome.DROP, "VPCE_GATEWAY_REQUIRES_SOURCE_IN_VPC")


def test_unknown_or_load_balancer_endpoints_are_unknown() -> None:
    snap = endpoint_estate().endpoint("vpce-gwlb", "GatewayLoadBalancer", "vpc-a").snapshot()
    assert gateway_endpoint(snap, "vpce-gone", "rtb-1", "vpc-a", TCP, None).outcome is EndpointOutcome.UNKNOWN
    gwlb = gateway_endpoint(snap, "vpce-gwlb", "rtb-1", "vpc-a", TCP, None)
    assert (gwlb.outcome, gwlb.code) == (EndpointOutcome.UNKNOWN, "UNSUPPORTED_ROUTE_TARGET")


def test_interface_endpoint_enis() -> None:
    e = endpoint_estate().sg("sg-e", "vpc-a")
    e.eni("eni-e", "subnet-1", "10.0.1.50", ["sg-e"], interface_type="vpc_endpoint")
    e.endpoint(
        "vpce-if",
        "Interface",
        "vpc-a",
        SubnetIds=["subnet-1"],
        NetworkInterfaceIds=["eni-e"],
        Groups=[{"GroupId": "sg-e"}],
    )
    snap = e.snapshot()
    eni = snap.interfaces["eni-e"]
    assert is_endpoint_interface(eni)
    ep = interface_endpoint_of(snap, eni)
    assert ep is not None and ep.vpc_endpoint_id == "vpce-if"


def middlebox_estate(source_dest_check: bool = False, state: str = "running") -> Estate:
    e = Estate().vpc("vpc-a", "10.0.0.0/16").subnet("subnet-1", "vpc-a", "10.0.1.0/24").sg("sg-fw", "vpc-a")
    return e.eni(
        "eni-fw",
        "subnet-1",
        "10.0.1.9",
        ["sg-fw"],
        instance="i-fw",
        source_dest_check=source_dest_check,
        state=state,
    )


# https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html (middlebox routing) and the NAT
# instance page: an instance forwards others' traffic only with source/destination check disabled
def test_appliance_source_dest_check_and_state() -> None:
    to_eni = Route(Cidr.parse("0.0.0.0/0"), RouteTarget.NETWORK_INTERFACE, "eni-fw")
    to_instance = Route(Cidr.parse("0.0.0.0/0"), RouteTarget.INSTANCE, "i-fw")
    snap = middlebox_estate().snapshot()
    for route in (to_eni, to_instance):
        ok = appliance_for(snap, route)
        assert ok.outcome is ApplianceOutcome.FORWARD and ok.eni is not None and ok.eni.eni_id == "eni-fw"
    checked = appliance_for(middlebox_estate(source_dest_check=True).snapshot(), to_eni)
    assert (checked.outcome, checked.code) == (ApplianceOutcome.DROP, "ENI_SOURCE_DEST_CHECK_RESTRICTION")
    stopped = appliance_for(middlebox_estate(state="stopped").snapshot(), to_eni)
    assert (stopped.outcome, stopped.code) == (ApplianceOutcome.DROP, "BAD_STATE")
    gone = appliance_for(snap, Route(Cidr.parse("0.0.0.0/0"), RouteTarget.NETWORK_INTERFACE, "eni-gone"))
    assert gone.outcome is ApplianceOutcome.UNKNOWN


def test_nat_translation_is_needed_only_for_private_sources_leaving_by_an_igw() -> None:
    assert needs_translation(source_is_appliance=False, source_has_public_ip=False, to_internet_gateway=True)
    assert not needs_translation(
        source_is_appliance=True, source_has_public_ip=False, to_internet_gateway=True
    )
    assert not needs_translation(
        source_is_appliance=False, source_has_public_ip=True, to_internet_gateway=True
    )
    assert not needs_translation(
        source_is_appliance=False, source_has_public_ip=False, to_internet_gateway=False
    )


# https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html — VPN routes cover on-premises space
def test_onprem_address_space() -> None:
    e = Estate().vpc("vpc-a", "10.0.0.0/16").vgw("vgw-1", "vpc-a")
    e.vpn("vpn-1", vgw="vgw-1", static_only=True, routes=("192.168.0.0/16",))
    e.rtb(
        "rtb-1",
        "vpc-a",
        [],
        [
            {
                "DestinationCidrBlock": "172.16.0.0/12",
                "GatewayId": "vgw-1",
                "Origin": "EnableVgwRoutePropagation",
                "State": "active",
            }
        ],
        main=True,
    )
    e.tgw("tgw-1").table("tgw-rtb-1", "tgw-1").vpn("vpn-2", tgw="tgw-1").attach_vpn(
        "tgw-attach-v", "tgw-1", "vpn-2", "tgw-rtb-1"
    )
    e.static_route("tgw-rtb-1", "100.64.0.0/10", "tgw-attach-v", kind="vpn")
    snap = e.snapshot()
    assert [str(c) for c in onprem_cidrs(snap)] == ["100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16"]
    assert [str(c) for c in onprem_cidrs(snap, "vpn-1")] == ["192.168.0.0/16"]
    assert [str(c) for c in onprem_cidrs(snap, "vpn-2")] == ["100.64.0.0/10"]
    assert is_onprem(snap, Address.parse("172.20.0.1")) and not is_onprem(snap, Address.parse("8.8.8.8"))
