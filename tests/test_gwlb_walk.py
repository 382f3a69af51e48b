"""The packet walk through Gateway Load Balancer endpoints and their appliances, on AWS's documented
deployment (``examples/gwlb``, https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/getting-started.html):
the internet gateway's edge route table sends what enters for the application subnet to the endpoint, the
application subnet's default route goes back through it, the endpoint subnet routes to the internet gateway.

- The endpoint hands the packet to the Gateway Load Balancer its service's configuration names
  (describe-vpc-endpoint-service-configurations); the node in the endpoint's zone sends it, GENEVE on UDP
  6081, to a healthy appliance of its zone (cross-zone off by default), and takes it back
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/target-groups.html).
- The appliance's security groups must admit UDP 6081 from the node, the NACLs between node and appliance
  must pass it both ways; all targets unhealthy: fail-open.
- Both directions cross the same endpoint (gateway-load-balancers.html#asymmetric-flows).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lb_fixtures import Docs, perm, variant
from vpcflow.engine import Engine, Verdict
from vpcflow.engine.result import HopKind, Trace
from vpcflow.model import Address, Snapshot
from vpcflow.reach import Flow, Reachability
from vpcflow.sources import load_snapshot

EXAMPLE = Path(__file__).parent.parent / "examples" / "gwlb"
VPCFLOW = Path(sys.executable).with_name("vpcflow")
ELB = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
LB_ARN = f"{ELB}:loadbalancer/gwy/appliance-gwlb/8a2f1c0e9d7b6a55"
TG_ARN = f"{ELB}:targetgroup/appliances/3c1e5f7a9b2d4e60"
VPCE = "vpce-0e00000000000c001"
SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0e00000000000p001"
SG_FW = "sg-0e0000000000p0a1"
ACL_FW = "acl-0e0000000000p002"
EP_ENI, NODE_A = "eni-0e0000000000c0e01", "eni-0e0000000000p0b01"
FW1_ENI, FW2_ENI = "eni-0e0000000000p0f01", "eni-0e0000000000p0f02"
FW1, FW2 = "i-0e0000000000p0f01", "i-0e0000000000p0f02"
CLIENT, OUTSIDE = "198.51.100.8", "93.184.216.34"


@pytest.fixture(scope="module")
def gwlb() -> Snapshot:
    return load_snapshot(EXAMPLE)


def _kinds(t: Trace) -> list[HopKind]:
    return [h.kind for h in t.forward.hops]


def _geneve(t: Trace, eni: str) -> list[tuple[str, int, int, str]]:
    return [(r.flow_direction, r.protocol, r.dstport, r.action) for r in t.flow_logs if r.interface_id == eni]


def _appliance_group(docs: Docs, *ingress: Docs) -> None:
    g = next(g for g in docs["SecurityGroups.json"]["SecurityGroups"] if g["GroupId"] == SG_FW)
    g["IpPermissions"] = list(ingress)


def _health(*states: tuple[str, str, str]) -> Any:
    def edit(docs: Docs) -> None:
        wrapped = docs["LoadBalancerTargetHealth.json"]["LoadBalancerTargetHealth"][0]
        wrapped["TargetHealthDescriptions"] = [
            {"Target": {"Id": iid, "Port": 6081, "AvailabilityZone": az}, "TargetHealth": {"State": state}}
            for iid, az, state in states
        ]

    return edit


def _cross_zone(value: str) -> Any:
    def edit(docs: Docs) -> None:
        attrs = docs["LoadBalancerAttributes.json"]["LoadBalancerAttributes"][0]["Attributes"]
        for a in attrs:
            if a["Key"] == "load_balancing.cross_zone.enabled":
                a["Value"] = value

    return edit


# -- the documented paths ------------------------------------------------------------------------


def test_inbound_from_the_internet_crosses_the_appliance_both_ways(gwlb: Snapshot) -> None:
    t = Engine(gwlb).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    kinds = _kinds(t)
    assert kinds.index(HopKind.GATEWAY_LOAD_BALANCER_ENDPOINT) < kinds.index(HopKind.TARGET_GROUP)
    assert any("forwards the packet unchanged" in h.detail for h in t.forward.hops + t.ret.hops)
    assert [h.kind for h in t.ret.hops].count(HopKind.GATEWAY_LOAD_BALANCER_ENDPOINT) == 1
    # the endpoint logs the original packet; the appliance and the node log GENEVE (UDP 6081) both ways
    assert _geneve(t, EP_ENI) == [
        ("ingress", 6, 443, "ACCEPT"), ("egress", 6, 443, "ACCEPT"),
        ("ingress", 6, 32768, "ACCEPT"), ("egress", 6, 32768, "ACCEPT"),
    ]  # fmt: skip
    assert _geneve(t, FW1_ENI) == [
        ("ingress", 17, 6081, "ACCEPT"), ("egress", 17, 6081, "ACCEPT"),
    ] * 2  # fmt: skip
    assert _geneve(t, NODE_A) == [("egress", 17, 6081, "ACCEPT"), ("ingress", 17, 6081, "ACCEPT")] * 2
    # cross-zone is off: the node in us-east-1a never uses the appliance in us-east-1b
    assert not _geneve(t, FW2_ENI)
    # the packet inside is unchanged: the web server sees the client
    web = [
        r for r in t.flow_logs if r.interface_id == "eni-0e0000000000c0a01" and r.flow_direction == "ingress"
    ]
    assert str(web[0].srcaddr) == CLIENT


def test_egress_through_the_endpoint(gwlb: Snapshot) -> None:
    e = Engine(gwlb)
    t = e.trace("web", OUTSIDE, "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert HopKind.GATEWAY_LOAD_BALANCER_ENDPOINT in _kinds(t)
    assert e.trace("web", OUTSIDE, "icmp", icmp_type=8).verdict is Verdict.ACCEPT
    # UDP too: a Gateway Load Balancer takes every protocol and port
    assert e.trace("web", OUTSIDE, "udp", 53).verdict is Verdict.ACCEPT


def test_the_web_servers_own_group_still_decides(gwlb: Snapshot) -> None:
    t = Engine(gwlb).trace(CLIENT, "web", "tcp", 22)
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.code == "ENI_SG_RULES_MISMATCH"


# -- what stops the encapsulated leg ---------------------------------------------------------------


def test_appliance_group_without_udp_6081(tmp_path: Path) -> None:
    snap = variant(
        tmp_path, lambda d: _appliance_group(d, perm("tcp", 80, 80, cidr="10.5.0.0/23")), base=EXAMPLE
    )
    t = Engine(snap).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.REJECT
    b = t.blocked_by
    assert b is not None and b.code == "GWLB_PROTOCOL_RESTRICTION" and b.stage == "forward"
    assert b.kind is HopKind.SECURITY_GROUP and b.id == SG_FW and b.direction is not None
    assert "UDP 6081" in b.detail and "10.5.0.20" in b.detail
    # the appliance rejects the GENEVE packet
    assert _geneve(t, FW1_ENI) == [("ingress", 17, 6081, "REJECT")]


def test_appliance_group_admitting_another_udp_port(tmp_path: Path) -> None:
    snap = variant(
        tmp_path, lambda d: _appliance_group(d, perm("udp", 4789, 4789, cidr="10.5.0.0/23")), base=EXAMPLE
    )
    t = Engine(snap).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.code == "GWLB_DESTINATION_PORT_RESTRICTION"


def test_appliance_group_admitting_another_address(tmp_path: Path) -> None:
    # GENEVE comes from the node's private address, not the client's
    snap = variant(
        tmp_path, lambda d: _appliance_group(d, perm("udp", 6081, 6081, cidr=f"{CLIENT}/32")), base=EXAMPLE
    )
    t = Engine(snap).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.code == "GWLB_PROTOCOL_RESTRICTION"


def test_appliance_nacl_without_the_geneve_return(tmp_path: Path) -> None:
    def no_outbound_geneve(docs: Docs) -> None:
        acl = next(a for a in docs["NetworkAcls.json"]["NetworkAcls"] if a["NetworkAclId"] == ACL_FW)
        acl["Entries"] = [e for e in acl["Entries"] if not (e["Egress"] and e["Protocol"] == "17")]

    t = Engine(variant(tmp_path, no_outbound_geneve, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.REJECT
    b = t.blocked_by
    assert b is not None and b.code == "SUBNET_ACL_RESTRICTION" and b.id == ACL_FW
    assert b.direction is not None and b.direction.value == "egress" and b.stage == "forward"
    assert b.rule is not None and "GENEVE" in b.detail


def test_appliance_nacl_without_inbound_geneve(tmp_path: Path) -> None:
    def no_inbound_geneve(docs: Docs) -> None:
        acl = next(a for a in docs["NetworkAcls.json"]["NetworkAcls"] if a["NetworkAclId"] == ACL_FW)
        acl["Entries"] = [e for e in acl["Entries"] if e["Egress"] or e["Protocol"] != "17"]

    t = Engine(variant(tmp_path, no_inbound_geneve, base=EXAMPLE)).trace("web", OUTSIDE, "tcp", 443)
    assert t.verdict is Verdict.REJECT
    b = t.blocked_by
    assert b is not None and b.id == ACL_FW and b.direction is not None and b.direction.value == "ingress"
    assert _geneve(t, FW1_ENI) == [("ingress", 17, 6081, "REJECT")]


# -- which appliance ----------------------------------------------------------------------------


def test_unhealthy_appliance_in_the_zone_without_cross_zone(tmp_path: Path) -> None:
    edit = _health((FW1, "us-east-1a", "unhealthy"), (FW2, "us-east-1b", "healthy"))
    t = Engine(variant(tmp_path, edit, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.code == "ELB_NOT_CROSSZONE"
    assert t.blocked_by.kind is HopKind.TARGET_GROUP


def test_cross_zone_on_reaches_the_other_zones_appliance(tmp_path: Path) -> None:
    edit = _health((FW1, "us-east-1a", "unhealthy"), (FW2, "us-east-1b", "healthy"))
    t = Engine(variant(tmp_path, edit, _cross_zone("true"), base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert _geneve(t, FW2_ENI) and not _geneve(t, FW1_ENI)


def test_every_appliance_unhealthy_fails_open(tmp_path: Path) -> None:
    edit = _health((FW1, "us-east-1a", "unhealthy"), (FW2, "us-east-1b", "unhealthy"))
    t = Engine(variant(tmp_path, edit, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert any("fails open" in n for n in t.notes)


def test_no_appliance_registered_in_the_zone(tmp_path: Path) -> None:
    t = Engine(variant(tmp_path, _health((FW2, "us-east-1b", "healthy")), base=EXAMPLE)).trace(
        CLIENT, "web", "tcp", 443
    )
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.code == "ELB_NOT_CROSSZONE"


# -- what the snapshot lacks: UNKNOWN, naming it -----------------------------------------------------


def test_missing_service_configuration(tmp_path: Path) -> None:
    t = Engine(
        variant(
            tmp_path, lambda d: d["ServiceConfigurations.json"].update(ServiceConfigurations=[]), base=EXAMPLE
        )
    ).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN
    b = t.blocked_by
    assert b is not None and b.code == "UNKNOWN_RESOURCE" and b.id == VPCE and b.unknown
    assert SERVICE in b.detail and "describe-vpc-endpoint-service-configurations" in b.detail


def test_missing_gateway_load_balancer(tmp_path: Path) -> None:
    def drop(docs: Docs) -> None:
        docs["LoadBalancers.json"]["LoadBalancers"] = []

    t = Engine(variant(tmp_path, drop, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN
    assert (
        t.blocked_by is not None
        and t.blocked_by.id == LB_ARN
        and "not in the snapshot" in t.blocked_by.detail
    )


def test_missing_target_health(tmp_path: Path) -> None:
    t = Engine(
        variant(
            tmp_path,
            lambda d: d["LoadBalancerTargetHealth.json"].update(LoadBalancerTargetHealth=[]),
            base=EXAMPLE,
        )
    ).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN
    assert t.blocked_by is not None and t.blocked_by.code == "NO_TARGET_HEALTH" and t.blocked_by.id == TG_ARN


def test_missing_target_group(tmp_path: Path) -> None:
    t = Engine(
        variant(tmp_path, lambda d: d["TargetGroups.json"].update(TargetGroups=[]), base=EXAMPLE)
    ).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN
    b = t.blocked_by
    assert b is not None and b.code == "UNRESOLVED_TARGET_GROUP" and b.id == TG_ARN and b.unknown


def test_zones_of_two_accounts_without_zone_ids(tmp_path: Path) -> None:
    def other_account(docs: Docs) -> None:
        for s in docs["Subnets.json"]["Subnets"]:
            s.pop("AvailabilityZoneId")
        docs["VpcEndpoints.json"]["VpcEndpoints"][0]["OwnerId"] = "210987654321"

    t = Engine(variant(tmp_path, other_account, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN
    assert t.blocked_by is not None and "zone" in t.blocked_by.detail


# -- both directions through the same endpoint --------------------------------------------------------


def _route_table(docs: Docs, rtb_id: str) -> Docs:
    return next(r for r in docs["RouteTables.json"]["RouteTables"] if r["RouteTableId"] == rtb_id)


def test_response_through_an_endpoint_the_request_did_not_cross(tmp_path: Path) -> None:
    def no_edge(docs: Docs) -> None:
        edge = _route_table(docs, "rtb-0e0000000000c0e01")
        edge["Routes"] = [r for r in edge["Routes"] if r.get("GatewayId") == "local"]

    t = Engine(variant(tmp_path, no_edge, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN, t.diagnosis
    b = t.blocked_by
    assert b is not None and b.code == "ASYMMETRIC_RETURN_PATH" and b.stage == "return" and b.id == VPCE


def test_response_bypassing_the_endpoint(tmp_path: Path) -> None:
    def direct(docs: Docs) -> None:
        app = _route_table(docs, "rtb-0e0000000000c0a01")
        for r in app["Routes"]:
            if r.get("DestinationCidrBlock") == "0.0.0.0/0":
                r["GatewayId"] = "igw-0e00000000000c001"

    t = Engine(variant(tmp_path, direct, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN, t.diagnosis
    b = t.blocked_by
    assert b is not None and b.code == "ASYMMETRIC_RETURN_PATH" and b.id == VPCE


# -- the user's entry points ------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VPCFLOW), *args], capture_output=True, text=True, check=False)


def test_trace_on_the_command_line(tmp_path: Path) -> None:
    ok = _cli("trace", str(EXAMPLE), "--src", CLIENT, "--dst", "web", "--port", "443", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["verdict"] == "ACCEPT"
    assert any(
        r["interface-id"] == FW1_ENI and r["protocol"] == 17 and r["dstport"] == 6081
        for r in data["flow_logs"]
    )
    variant(tmp_path, lambda d: _appliance_group(d), base=EXAMPLE)
    bad = _cli(
        "trace", str(tmp_path / "snap"), "--src", CLIENT, "--dst", "web", "--port", "443", "--format", "json"
    )
    assert bad.returncode == 1, bad.stderr
    assert json.loads(bad.stdout)["blocked_by"]["code"] == "GWLB_PROTOCOL_RESTRICTION"


def test_snapshot_info_lists_the_endpoint_service() -> None:
    out = _cli("snapshot", "info", str(EXAMPLE), "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["counts"]["vpc_endpoint_services"] == 1
    rows = {c["construct"]: c for c in data["constructs"]}
    assert rows["Gateway Load Balancer endpoints"]["status"] == "modelled"
    assert rows["gateway load balancers"]["status"] == "modelled"
    assert not [w for w in data["warnings"] if w["code"].startswith("UNRESOLVED")]


def test_bad_service_configuration_is_one_line(tmp_path: Path) -> None:
    doc = json.loads((EXAMPLE / "ServiceConfigurations.json").read_text())
    doc["ServiceConfigurations"][0]["GatewayLoadBalancerArns"] = [7]
    (tmp_path / "ServiceConfigurations.json").write_text(json.dumps(doc))
    out = _cli("snapshot", "info", str(tmp_path))
    assert out.returncode == 2 and out.stdout == ""
    line = out.stderr.strip()
    assert "\n" not in line and "ServiceConfigurations.json" in line
    assert (
        "$.ServiceConfigurations[0].GatewayLoadBalancerArns[0]" in line
        and "vpce-svc-0e00000000000p001" in line
    )


# -- reach agrees with trace -------------------------------------------------------------------------


def _random_variant(tmp: Path, seed: int) -> Snapshot:
    rng = random.Random(seed)

    def edit(docs: Docs) -> None:
        rules = [
            perm("udp", 6081, 6081, cidr="10.5.0.0/23"),
            perm("udp", 6000, 6100, cidr="10.5.0.0/16"),
            perm("udp", 4789, 4789, cidr="10.5.0.0/23"),
            perm("tcp", 80, 80, cidr="10.5.0.0/23"),
        ]
        _appliance_group(docs, *rng.sample(rules, rng.randint(0, 2)))
        acl = next(a for a in docs["NetworkAcls.json"]["NetworkAcls"] if a["NetworkAclId"] == ACL_FW)
        if rng.random() < 0.3:
            acl["Entries"] = [e for e in acl["Entries"] if not (e["Egress"] and e["Protocol"] == "17")]
        web = next(g for g in docs["SecurityGroups.json"]["SecurityGroups"] if g["GroupName"] == "web-sg")
        lo = rng.choice([22, 443, 1000])
        web["IpPermissions"] = [
            perm(rng.choice(["tcp", "udp"]), lo, lo + rng.choice([0, 100]), cidr="0.0.0.0/0")
        ]
        states = [rng.choice(["healthy", "unhealthy", "initial"]) for _ in range(2)]
        _health((FW1, "us-east-1a", states[0]), (FW2, "us-east-1b", states[1]))(docs)
        _cross_zone(rng.choice(["true", "false"]))(docs)

    return variant(tmp, edit, base=EXAMPLE)


@pytest.mark.parametrize("seed", range(8))
def test_reach_equals_trace_through_the_appliances(tmp_path: Path, seed: int) -> None:
    snap = _random_variant(tmp_path, seed)
    engine = Engine(snap)
    r = Reachability(snap, engine)
    inbound = r.reach("internet", "web", "tcp,udp")
    outbound = r.reach("web", "internet", "tcp,udp,icmp")
    web = Address.parse("203.0.113.40")
    private = Address.parse("10.4.1.10")
    rng = random.Random(seed)
    for _ in range(25):
        proto = rng.choice([6, 17])
        port = rng.choice([22, 443, 500, 1000, 1050, 6081])
        flow = Flow(Address.parse("203.0.113.12"), web, proto, 32768, port)
        t = engine.trace(**flow.trace_args())
        assert (flow in inbound.forward) == t.forward.delivered, (seed, str(flow), t.diagnosis)
        assert (flow in inbound.bidirectional) == (t.verdict is Verdict.ACCEPT), (
            seed,
            str(flow),
            t.diagnosis,
        )
        back = Flow(private, Address.parse(OUTSIDE), proto, 40000, port)
        t = engine.trace(**back.trace_args())
        assert (back in outbound.bidirectional) == (t.verdict is Verdict.ACCEPT), (
            seed,
            str(back),
            t.diagnosis,
        )


def test_policy_check_through_the_appliances() -> None:
    # the endpoint's interface never sends and the load balancer's nodes have no route to the web server:
    # "only the internet reaches web, only on tcp/443" is decided, not undecided
    out = _cli("policy", "check", str(EXAMPLE), str(EXAMPLE.parent / "policies" / "gwlb.yaml"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("PASS  ") == 3 and "all 3 passed" in out.stdout


def test_the_endpoint_interface_never_sends(gwlb: Snapshot) -> None:
    t = Engine(gwlb).trace(EP_ENI, "web", "tcp", 443)
    assert t.verdict is Verdict.REJECT
    assert (
        t.blocked_by is not None and t.blocked_by.code == "VPCE_INTRA_VPC_TRAFFIC" and t.blocked_by.id == VPCE
    )
    to_it = Engine(gwlb).trace("web", EP_ENI, "tcp", 443)
    assert to_it.verdict is Verdict.UNKNOWN and to_it.blocked_by is not None
    assert to_it.blocked_by.code == "UNSUPPORTED_INTERFACE" and to_it.blocked_by.id == VPCE


def test_diff_sees_an_appliance_change(tmp_path: Path) -> None:
    # the appliance is no endpoint of internet → web, yet its group decides it: the diff must walk it
    variant(tmp_path, lambda d: _appliance_group(d, perm("tcp", 80, 80, cidr="10.5.0.0/23")), base=EXAMPLE)
    out = _cli(
        "diff", str(EXAMPLE), str(tmp_path / "snap"), "--src", "internet", "--dst", "web", "--format", "json"
    )
    assert out.returncode == 1, out.stdout + out.stderr
    changes = json.loads(out.stdout)["changes"]
    assert [c["change"] for c in changes] == ["lost"]
    assert "GWLB_PROTOCOL_RESTRICTION" in json.dumps(changes)


def test_two_load_balancers_on_one_service_are_two_ways(tmp_path: Path) -> None:
    # the endpoint is connected to one load balancer per zone, AWS's choice: every way must work, and the
    # one the snapshot lacks is named
    other = f"{ELB}:loadbalancer/gwy/other-gwlb/0123456789abcdef"

    def two(docs: Docs) -> None:
        docs["ServiceConfigurations.json"]["ServiceConfigurations"][0]["GatewayLoadBalancerArns"].append(
            other
        )

    t = Engine(variant(tmp_path, two, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN
    assert t.blocked_by is not None and t.blocked_by.id == other
    assert len(t.ways) == 2


def test_east_west_between_subnets_through_the_endpoint(tmp_path: Path) -> None:
    # middlebox routing inside one VPC: each application subnet reaches the other through the endpoint
    # (routes more specific than local, https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html)
    def east_west(docs: Docs) -> None:
        subnet = dict(docs["Subnets.json"]["Subnets"][1])
        subnet.update(SubnetId="subnet-0e0000000000c013", CidrBlock="10.4.2.0/24")
        docs["Subnets.json"]["Subnets"].append(subnet)
        acl = docs["NetworkAcls.json"]["NetworkAcls"][0]
        acl["Associations"].append(
            {
                "NetworkAclAssociationId": "aclassoc-x",
                "NetworkAclId": acl["NetworkAclId"],
                "SubnetId": "subnet-0e0000000000c013",
            }
        )
        app = _route_table(docs, "rtb-0e0000000000c0a01")
        app["Routes"].append({"DestinationCidrBlock": "10.4.2.0/24", "GatewayId": VPCE, "State": "active"})
        other = json.loads(json.dumps(app))
        other.update(RouteTableId="rtb-0e0000000000c0a02")
        other["Associations"] = [
            {"Main": False, "RouteTableAssociationId": "rtbassoc-x", "RouteTableId": "rtb-0e0000000000c0a02",
             "SubnetId": "subnet-0e0000000000c013", "AssociationState": {"State": "associated"}}
        ]  # fmt: skip
        other["Routes"] = [r for r in other["Routes"] if r["DestinationCidrBlock"] != "10.4.2.0/24"]
        other["Routes"].append({"DestinationCidrBlock": "10.4.1.0/24", "GatewayId": VPCE, "State": "active"})
        docs["RouteTables.json"]["RouteTables"].append(other)
        db = dict(docs["NetworkInterfaces.json"]["NetworkInterfaces"][0])
        db.update(NetworkInterfaceId="eni-0e0000000000c0d01", SubnetId="subnet-0e0000000000c013",
                  PrivateIpAddress="10.4.2.10", TagSet=[{"Key": "Name", "Value": "db"}])  # fmt: skip
        db["PrivateIpAddresses"] = [{"Primary": True, "PrivateIpAddress": "10.4.2.10"}]
        db.pop("Association", None)
        db.pop("Attachment", None)
        docs["NetworkInterfaces.json"]["NetworkInterfaces"].append(db)
        web = next(g for g in docs["SecurityGroups.json"]["SecurityGroups"] if g["GroupName"] == "web-sg")
        web["IpPermissions"].append(perm("tcp", 5432, 5432, cidr="10.4.0.0/16"))

    snap = variant(tmp_path, east_west, base=EXAMPLE)
    t = Engine(snap).trace("web", "eni-0e0000000000c0d01", "tcp", 5432)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert _kinds(t).count(HopKind.GATEWAY_LOAD_BALANCER_ENDPOINT) == 1
    assert [h.kind for h in t.ret.hops].count(HopKind.GATEWAY_LOAD_BALANCER_ENDPOINT) == 1


def test_health_checks_the_appliance_group_stops_are_noted(tmp_path: Path) -> None:
    # the verdict follows the health AWS measured; the note says AWS will mark the appliance unhealthy
    snap = variant(
        tmp_path, lambda d: _appliance_group(d, perm("udp", 6081, 6081, cidr="10.5.0.0/23")), base=EXAMPLE
    )
    t = Engine(snap).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    note = next(n for n in t.notes if n.startswith("health checks of appliance"))
    assert FW1 in note and "port 80" in note and SG_FW in note and "unhealthy" in note
    assert not [
        n for n in Engine(load_snapshot(EXAMPLE)).trace(CLIENT, "web", "tcp", 443).notes if "health" in n
    ]
