"""Batfish's transit gateway, VPN and VPC endpoint snapshots (../shared/data), traced end to end: the
dispositions its AwsConfiguration*Test.java assert agree, except where Batfish is wrong (noted at each
test; aws-breadth.md §2.1–2.4). Batfish's "any flow" is IP protocol 0 with no ports; ``getTcpFlow`` is
TCP from port 49152.

pybatfish's hybrid-cloud snapshot: every flow between its instances is answered without UNKNOWN, and
agrees with the answers printed in pybatfish's notebook "Analyzing public and hybrid cloud networks".
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from vpcflow.engine import Engine, HopKind, Verdict
from vpcflow.engine.result import Trace
from vpcflow.sources import load_snapshot

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BATFISH = DATA / "batfish-aws-tests"

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"external snapshots not present at {DATA}")

_ENGINES: dict[str, Engine] = {}


def engine(name: str) -> Engine:
    if name not in _ENGINES:
        path = DATA / name if name.startswith("batfish-hybrid") else BATFISH / name
        _ENGINES[name] = Engine(load_snapshot(path))
    return _ENGINES[name]


def stop(t: Trace) -> tuple[str, str, str | None, str]:
    assert t.blocked_by is not None, t.diagnosis
    b = t.blocked_by
    return b.stage, b.kind.value, b.id, b.code


def kinds(t: Trace, stage: str = "forward") -> list[str]:
    hops = t.forward.hops if stage == "forward" else t.ret.hops
    return [h.kind.value for h in hops]


# -- test-transit-gateway (AwsConfigurationTransitGatewayTest) ------------------------------------

TGW = "tgw-044be4464fcc69aff"


def test_transit_gateway_a_to_b_denied_in_at_b() -> None:
    t = engine("test-transit-gateway").trace("i-06ba034d88c84ef07", "192.168.1.106", "0")
    assert t.verdict is Verdict.REJECT
    assert stop(t) == ("forward", "security-group", "sg-065c26b39e45ae384", "ENI_SG_RULES_MISMATCH")
    assert "transit-gateway-route-table" in kinds(t)
    back = engine("test-transit-gateway").trace("i-0b14080af811fda3d", "10.10.10.157", "0")
    assert back.verdict is Verdict.REJECT and stop(back)[1] == "security-group"


def test_transit_gateway_ssh_both_legs_cross_the_gateway() -> None:
    t = engine("test-transit-gateway").trace("i-06ba034d88c84ef07", "192.168.1.106", "tcp", 22)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    for stage in ("forward", "return"):
        hops = kinds(t, stage)
        assert hops.count("transit-gateway-attachment") == 2 and "transit-gateway-route-table" in hops
    # the attachment interfaces log the conversation as AWS writes it (aws-semantics.md §5.7)
    tgw_enis = {"eni-00f08ecf4f651037c", "eni-037da70184ed54e2d"}
    logged = {(r.interface_id, r.flow_direction) for r in t.flow_logs if r.interface_id in tgw_enis}
    assert logged == {
        ("eni-00f08ecf4f651037c", "ingress"),
        ("eni-037da70184ed54e2d", "egress"),
        ("eni-037da70184ed54e2d", "ingress"),
        ("eni-00f08ecf4f651037c", "egress"),
    }
    into_b = next(
        r for r in t.flow_logs if (r.interface_id, r.flow_direction) == ("eni-037da70184ed54e2d", "egress")
    )
    assert str(into_b.srcaddr) == "192.168.1.95" and str(into_b.pkt_srcaddr) == "10.10.10.157"


# https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html — no attachment subnet in A2's AZ
def test_transit_gateway_az_rule() -> None:
    t = engine("test-transit-gateway").trace("i-075e846ed41670385", "192.168.1.106", "0")
    assert t.verdict is Verdict.REJECT
    assert stop(t) == ("forward", "transit-gateway", TGW, "TGW_ROUTE_AZ_RESTRICTION")


def test_transit_gateway_b_to_a2_reaches_a2_but_the_reply_cannot() -> None:
    # Batfish null-routes this in VPC A; in AWS the gateway delivers through its interface in subnet A and
    # the VPC's local route reaches A2 — it is A2's reply that cannot reach the gateway from its AZ.
    t = engine("test-transit-gateway").trace("i-0b14080af811fda3d", "10.10.20.154", "tcp", 22)
    assert t.forward.delivered and t.verdict is Verdict.REJECT
    assert stop(t) == ("return", "transit-gateway", TGW, "TGW_ROUTE_AZ_RESTRICTION")


def test_transit_gateway_multi_table() -> None:
    e = engine("test-transit-gateway-multi-table")
    for src, dst in (("i-06ba034d88c84ef07", "192.168.1.106"), ("i-0b14080af811fda3d", "10.10.10.157")):
        t = e.trace(src, dst, "0")
        assert t.verdict is Verdict.REJECT and stop(t)[1] == "security-group"
        assert "transit-gateway-route-table" in kinds(t)


def test_transit_gateway_asymmetric_paths_use_each_gateway() -> None:
    e = engine("test-transit-gateway-asymmetric-paths")
    t = e.trace("i-04bbbcaefdd1937f9", "10.2.1.100", "tcp", 22)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    fwd_tables = {h.id for h in t.forward.hops if h.kind is HopKind.TRANSIT_GATEWAY_ROUTE_TABLE}
    ret_tables = {h.id for h in t.ret.hops if h.kind is HopKind.TRANSIT_GATEWAY_ROUTE_TABLE}
    assert fwd_tables and ret_tables and fwd_tables != ret_tables
    for src, dst in (("i-04bbbcaefdd1937f9", "10.2.1.100"), ("i-0973ce90749865a7f", "10.1.1.100")):
        any_flow = e.trace(src, dst, "0")
        assert any_flow.verdict is Verdict.REJECT and stop(any_flow)[1] == "security-group"


# -- test-transit-gateway-peering (AwsConfigurationTransitGatewayPeeringTest) ----------------------


def test_peering_bat_to_fish_stops_at_bat_table() -> None:
    t = engine("test-transit-gateway-peering").trace("i-08f3abb6471637c66", "192.168.1.100", "0")
    assert stop(t) == (
        "forward",
        "transit-gateway-route-table",
        "tgw-rtb-05d2952671d1f460a",
        "NO_ROUTE_TO_DESTINATION",
    )


def test_peering_bat2_to_fish_crosses_both_gateways_and_is_denied_in() -> None:
    t = engine("test-transit-gateway-peering").trace("i-05e25e43074216229", "192.168.1.100", "0")
    assert t.verdict is Verdict.REJECT
    assert stop(t) == ("forward", "security-group", "sg-0365783e832fbf535", "ENI_SG_RULES_MISMATCH")
    tables = [h.id for h in t.forward.hops if h.kind is HopKind.TRANSIT_GATEWAY_ROUTE_TABLE]
    assert tables == ["tgw-rtb-018a5e572ec3088d1", "tgw-rtb-00be87593fb2cd0ae"]


def test_peering_fish_to_bat_and_bat2() -> None:
    e = engine("test-transit-gateway-peering")
    to_bat = e.trace("i-0afb0a59f6bf36397", "10.10.1.100", "0")
    assert stop(to_bat) == (
        "forward",
        "transit-gateway-route-table",
        "tgw-rtb-00be87593fb2cd0ae",
        "NO_ROUTE_TO_DESTINATION",
    )
    # across the peering, the table associated with the peering attachment on bat lacks bat2's routes
    to_bat2 = e.trace("i-0afb0a59f6bf36397", "10.20.1.100", "0")
    assert stop(to_bat2) == (
        "forward",
        "transit-gateway-route-table",
        "tgw-rtb-05d2952671d1f460a",
        "NO_ROUTE_TO_DESTINATION",
    )


# -- gateway and interface endpoints -----------------------------------------------------------------


def test_gateway_endpoint_to_s3_both_ways() -> None:
    e = engine("test-vpc-endpoint-gateway")
    for src in ("i-01c6c0647fdccc89e", "i-0464d440ca0ee9e34"):  # private, public subnet
        t = e.trace(src, "52.216.237.77", "tcp", 443)
        assert t.verdict is Verdict.ACCEPT, t.diagnosis
        assert "vpc-endpoint" in kinds(t) and "vpc-endpoint" in kinds(t, "return")
        assert "internet-gateway" not in kinds(t)


def test_other_aws_service_no_route_from_private_and_via_igw_from_public() -> None:
    e = engine("test-vpc-endpoint-gateway")
    private = e.trace("i-01c6c0647fdccc89e", "54.222.57.1", "tcp", 443)
    assert stop(private) == ("forward", "route-table", "rtb-04f71fc2caa8d94cf", "NO_ROUTE_TO_DESTINATION")
    public = e.trace("i-0464d440ca0ee9e34", "54.222.57.1", "tcp", 443)
    assert public.verdict is Verdict.ACCEPT and "internet-gateway" in kinds(public)


# https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html — TCP and ICMP echo only
# (Batfish ignores the restriction)
def test_gateway_endpoint_protocol_restriction() -> None:
    e = engine("test-vpc-endpoint-gateway")
    udp = e.trace("i-01c6c0647fdccc89e", "52.216.237.77", "udp", 53)
    assert stop(udp) == (
        "forward",
        "vpc-endpoint",
        "vpce-0b7357542bb7b83ec",
        "VPCE_GATEWAY_PROTOCOL_RESTRICTION",
    )
    assert e.trace("i-01c6c0647fdccc89e", "52.216.237.77", "icmp").verdict is Verdict.ACCEPT


def test_interface_endpoint_answers_and_never_initiates() -> None:
    e = engine("test-vpc-endpoint-interface")
    for src in ("i-0a0fbd0cfa774970f", "i-0eb6eb395a0d09117"):
        t = e.trace(src, "10.1.101.97", "tcp", 443)
        assert t.verdict is Verdict.ACCEPT, t.diagnosis
    out = e.trace("10.1.101.97", "i-0eb6eb395a0d09117", "tcp", 22)
    assert stop(out) == ("forward", "vpc-endpoint", "eni-0084b734451ba23ca", "VPCE_INTRA_VPC_TRAFFIC")


# -- VPN (AwsConfigurationVpnGatewayTest) -----------------------------------------------------------


def test_vpn_with_every_tunnel_down_delivers_nothing() -> None:
    # Batfish builds the tunnels from the router configuration and ignores VgwTelemetry; the snapshot says
    # both tunnels are DOWN, so nothing reaches the customer network.
    t = engine("test-vpn-gateway").trace("i-099cf38911942421c", "8.8.8.8", "0")
    assert t.verdict is Verdict.REJECT
    assert stop(t) == ("forward", "virtual-private-gateway", "vgw-0c09bd7fadac961bf", "BAD_STATE_VPN")


# -- pybatfish hybrid-cloud ---------------------------------------------------------------------------

HYBRID = ["i-01602d9efaed4409a", "i-02cae6eaa9edeed70", "i-04cd3db5124a05ee6", "i-0a5d64b8b58c6dd09"]


@pytest.mark.parametrize(("src", "dst"), list(itertools.permutations(HYBRID, 2)))
def test_hybrid_cloud_every_instance_pair_is_answered(src: str, dst: str) -> None:
    e = engine("batfish-hybrid-cloud")
    for proto, port in (("tcp", 22), ("tcp", 3306), ("udp", 53), ("icmp", None), ("0", None)):
        t = e.trace(src, dst, proto, port)
        assert t.verdict is not Verdict.UNKNOWN, (src, dst, proto, t.diagnosis)


def test_hybrid_cloud_notebook_answers() -> None:
    e = engine("batfish-hybrid-cloud")
    # same-Region VPCs talk through the transit gateway
    east = e.trace("i-01602d9efaed4409a", "i-04cd3db5124a05ee6", "tcp", 22)
    assert east.verdict is Verdict.ACCEPT and "transit-gateway-route-table" in kinds(east)
    west = e.trace("i-02cae6eaa9edeed70", "i-0a5d64b8b58c6dd09", "tcp", 22)
    assert west.verdict is Verdict.ACCEPT and "transit-gateway-route-table" in kinds(west)
    # the routed-with-an-assumption note: the VPN's BGP routes are not in the snapshot
    route_hop = next(h for h in east.forward.hops if h.kind is HopKind.TRANSIT_GATEWAY_ROUTE_TABLE)
    assert "BGP" in route_hop.detail and "assumed" in route_hop.detail
    # from the internet only the two public instances, and on the ports their groups open
    assert e.trace("8.8.8.8", "13.59.144.125", "tcp", 3306).verdict is Verdict.ACCEPT
    assert e.trace("8.8.8.8", "54.191.42.182", "tcp", 22).verdict is Verdict.ACCEPT
    assert e.trace("8.8.8.8", "54.191.42.182", "tcp", 3306).verdict is Verdict.REJECT
    # cross-Region private address: not delivered; the same host's public address: accepted
    private = e.trace("10.20.1.207", "10.40.2.80", "tcp", 22)
    assert private.verdict is Verdict.REJECT and not private.forward.delivered
    assert e.trace("10.20.1.207", "54.191.42.182", "tcp", 22).verdict is Verdict.ACCEPT
    # on-premises space behind the VPN: the routes BGP learned are not in the snapshot
    onprem = e.trace("i-01602d9efaed4409a", "203.0.113.5", "tcp", 22)
    assert onprem.verdict is Verdict.UNKNOWN and stop(onprem)[3] == "TGW_RTB_ROUTES_ARE_UNKNOWN"
