"""Fail closed, everywhere (issue 9 §1): an answer that depends on something vpcflow does not model, or that
the snapshot lacks or contradicts, is UNKNOWN naming it — in ``trace``, ``reach`` (never counted
reachable or blocked), ``policy check`` (undecided, never passed), ``diff`` (undecided, never a gain or a
loss), ``logs explain`` (unknown, never explained) and ``simulate`` (no record, named, exit 1). Semantics
through the library; the CLI contracts through the installed ``vpcflow`` command.

The snapshots are describe-* JSON (``transit_builders.Estate``) loaded by the real loader.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from transit_builders import Estate
from vpcflow.engine import BatchEvaluator, Engine, HopKind, Verdict
from vpcflow.engine.result import Trace
from vpcflow.errors import VpcflowError
from vpcflow.model import Address, Snapshot
from vpcflow.reach import Reachability
from vpcflow.reach.diff import diff_snapshots
from vpcflow.reach.headerspace import address_set
from vpcflow.reach.policy import check_policy, parse_policy
from vpcflow.sources import load_snapshot, load_snapshot_data

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
VPCFLOW = Path(sys.executable).with_name("vpcflow")
ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    assert VPCFLOW.exists(), f"{VPCFLOW} is not installed (make setup)"
    return subprocess.run([str(VPCFLOW), *args], capture_output=True, text=True, timeout=120, check=False)


def estate() -> Estate:
    """vpc-1 (10.1/16): subnet-1 with i-a (10.1.1.10, public 3.80.30.10), subnet-2 with i-b (10.1.2.10);
    the default NACL allows everything; 0/0 → igw-1; every group open."""
    e = Estate().vpc("vpc-1", "10.1.0.0/16").igw("igw-1", "vpc-1")
    e.subnet("subnet-1", "vpc-1", "10.1.1.0/24").subnet("subnet-2", "vpc-1", "10.1.2.0/24")
    e.rtb(
        "rtb-1",
        "vpc-1",
        [],
        [
            {"DestinationCidrBlock": "10.1.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"},
        ],
        main=True,
    )
    e.sg("sg-a", "vpc-1").sg("sg-b", "vpc-1")
    e.eni("eni-a", "subnet-1", "10.1.1.10", ["sg-a"], instance="i-a", public="3.80.30.10")
    e.eni("eni-b", "subnet-2", "10.1.2.10", ["sg-b"], instance="i-b")
    return e


def write(e: Estate, root: Path) -> Path:
    for rel, doc in e.docs():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc))
    return root


def trace(snap: Snapshot | Estate, src: str, dst: str, proto: str = "tcp", port: int | None = 22) -> Trace:
    s = snap.snapshot() if isinstance(snap, Estate) else snap
    return Engine(s).trace(src, dst, proto, port)


def unknown(t: Trace) -> tuple[str, str | None, str]:
    """(kind, id, code) of what an UNKNOWN trace depends on."""
    assert t.verdict is Verdict.UNKNOWN, t.diagnosis
    b = t.blocked_by
    assert b is not None and b.unknown, t.diagnosis
    return b.kind.value, b.id, b.code


def eni(e: Estate, eni_id: str) -> dict[str, Any]:
    return next(x for x in e.items["NetworkInterfaces"] if x["NetworkInterfaceId"] == eni_id)


# -- interfaces that are not hosts -------------------------------------------------------------------


def service_estate() -> Estate:
    """The estate plus a load balancer's nodes (ALB by description, NLB by type), a Gateway Load Balancer
    endpoint's interface and an API Gateway-managed interface, all in subnet-2 with open groups."""
    e = estate()
    e.eni("eni-alb", "subnet-2", "10.1.2.20", ["sg-b"])
    eni(e, "eni-alb").update(Description="ELB app/web/50dc6c495c0c9188", RequesterManaged=True)
    e.eni("eni-nlb", "subnet-2", "10.1.2.21", [], interface_type="network_load_balancer")
    eni(e, "eni-nlb").update(Description="ELB net/api/0123456789abcdef", RequesterManaged=True)
    e.eni("eni-gwlbe", "subnet-2", "10.1.2.22", [], interface_type="gateway_load_balancer_endpoint")
    e.eni("eni-apigw", "subnet-2", "10.1.2.23", ["sg-b"], interface_type="api_gateway_managed")
    e.add(
        "LoadBalancers",
        {
            "LoadBalancerArn": ALB_ARN,
            "LoadBalancerName": "web",
            "Type": "application",
            "Scheme": "internal",
            "VpcId": "vpc-1",
            "State": {"Code": "active"},
            "AvailabilityZones": [{"ZoneName": "eu-west-1a", "SubnetId": "subnet-2"}],
            "SecurityGroups": ["sg-b"],
        },
    )
    return e


@pytest.mark.parametrize(
    ("dst", "kind", "rid", "code"),
    [
        # the ALB is described but the snapshot holds no listener data; the NLB is not described at all
        ("eni-alb", "load-balancer", ALB_ARN, "UNKNOWN_RESOURCE"),
        ("eni-nlb", "load-balancer", "eni-nlb", "UNKNOWN_RESOURCE"),
        ("eni-gwlbe", "network-interface", "eni-gwlbe", "UNSUPPORTED_INTERFACE"),
        ("eni-apigw", "network-interface", "eni-apigw", "UNSUPPORTED_INTERFACE"),
    ],
)
def test_load_balancer_endpoint_and_service_interfaces_are_never_hosts(
    dst: str, kind: str, rid: str, code: str
) -> None:
    snap = service_estate().snapshot()
    # to it: the NACLs pass, then the interface's owner is named, never its security groups as a host's
    assert unknown(trace(snap, "eni-a", dst, "tcp", 443)) == (kind, rid, code)
    # from it: a load balancer's node opens connections through its own security groups (modelled); a
    # Gateway Load Balancer endpoint never opens one (gateway-load-balancer-endpoints); the others are not
    # modelled as senders
    if dst == "eni-gwlbe":
        sent = trace(snap, dst, "eni-b", "tcp", 443)
        assert sent.verdict is Verdict.REJECT and sent.blocked_by is not None
        assert sent.blocked_by.code == "VPCE_INTRA_VPC_TRAFFIC"
    elif kind != "load-balancer":
        assert unknown(trace(snap, dst, "eni-b", "tcp", 443))[2] == code
    # the batch evaluator leaves it to the walk; reach counts it neither reachable nor blocked
    batch = BatchEvaluator(snap)
    idx = batch.indices(["eni-a", dst])
    assert not batch.supports(idx[:1], idx[1:], np.array([6]))[0]
    res = Reachability(snap).reach("eni-a", dst, "tcp", "443")
    assert not res.reachable and not res.blocked and res.unknown


def test_transit_gateway_and_endpoint_interfaces_are_hops() -> None:
    # https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html: nothing answers at a transit
    # gateway attachment's interface; an interface endpoint answers, never opens a connection
    e = estate()
    e.eni("eni-tgw", "subnet-2", "10.1.2.30", [], interface_type="transit_gateway")
    e.eni("eni-vpce", "subnet-2", "10.1.2.31", ["sg-b"], interface_type="vpc_endpoint")
    snap = e.snapshot()
    t = trace(snap, "eni-a", "eni-tgw")
    assert t.verdict is Verdict.REJECT and t.blocked_by and t.blocked_by.code == "UNKNOWN_DESTINATION"
    t = trace(snap, "eni-vpce", "eni-b")
    assert t.verdict is Verdict.REJECT and t.blocked_by and t.blocked_by.code == "VPCE_INTRA_VPC_TRAFFIC"


def test_cli_trace_to_a_load_balancer_node_is_unknown() -> None:
    p = run("trace", str(ROOT / "examples" / "three-tier"), "--src", "203.0.113.12", "--dst", "web-alb",
            "--port", "443", "--format", "json")  # fmt: skip
    assert p.returncode == 1, p.stderr
    data = json.loads(p.stdout)
    assert data["verdict"] == "UNKNOWN"
    b = data["blocked_by"]
    assert (b["kind"], b["code"], b.get("unknown")) == ("load-balancer", "UNKNOWN_RESOURCE", True)
    assert "app/web-alb" in b["detail"] and "describe-load-balancers" in b["detail"]


# -- missing resources --------------------------------------------------------------------------------


def test_missing_security_group_is_unknown_unless_another_group_admits() -> None:
    e = estate()
    eni(e, "eni-b")["Groups"] = [{"GroupId": "sg-gone", "GroupName": "gone"}]
    _reservation_groups(e, "i-b", eni(e, "eni-b")["Groups"])
    assert unknown(trace(e, "eni-a", "eni-b")) == ("security-group", "sg-gone", "UNKNOWN_RESOURCE")
    # a group that admits the packet decides, whatever the missing one says (rules are a union)
    eni(e, "eni-b")["Groups"].append({"GroupId": "sg-b", "GroupName": "sg-b"})
    _reservation_groups(e, "i-b", eni(e, "eni-b")["Groups"])
    assert trace(e, "eni-a", "eni-b").verdict is Verdict.ACCEPT


def _reservation_groups(e: Estate, instance: str, groups: list[dict[str, str]]) -> None:
    for r in e.items["Reservations"]:
        for inst in r["Instances"]:
            if inst["InstanceId"] == instance:
                inst["NetworkInterfaces"][0]["Groups"] = groups


def test_missing_subnet_network_acl_route_table_and_gateway() -> None:
    e = estate()
    e.subnet("subnet-3", "vpc-1", "10.1.3.0/24")
    e.eni("eni-c", "subnet-3", "10.1.3.10", ["sg-a"], instance="i-c")
    e.items["Subnets"] = [s for s in e.items["Subnets"] if s["SubnetId"] != "subnet-3"]
    assert unknown(trace(e, "eni-c", "eni-b"))[1:] == ("subnet-3", "UNKNOWN_RESOURCE")

    # the VPC has network ACLs, but none for subnet-2 (no association, no default one)
    e = estate()
    e.items["NetworkAcls"][0].update(IsDefault=False, Associations=[{"SubnetId": "subnet-1"}])
    assert unknown(trace(e, "eni-a", "eni-b")) == ("network-acl", "subnet-2", "UNKNOWN_RESOURCE")

    # no route table at all: the local route is known, nothing else is
    e = estate()
    e.items["RouteTables"] = []
    assert trace(e, "eni-a", "eni-b").verdict is Verdict.ACCEPT
    assert unknown(trace(e, "eni-a", "198.51.100.7"))[1:] == ("subnet-1", "UNKNOWN_RESOURCE")

    # a route to an internet gateway the snapshot does not hold: both ways UNKNOWN naming it
    e = estate()
    e.items["InternetGateways"] = []
    e.items["RouteTables"][0]["Routes"][1]["GatewayId"] = "igw-gone"
    assert unknown(trace(e, "eni-a", "198.51.100.7")) == ("internet-gateway", "igw-gone", "UNKNOWN_RESOURCE")
    assert unknown(trace(e, "198.51.100.7", "3.80.30.10"))[1] == "igw-gone"


def test_a_snapshot_without_network_acls_assumes_the_default_one() -> None:
    # every VPC has a default network ACL that allows everything; a collector that skipped describe-
    # network-acls says nothing about them, so the default one is assumed — and the answer says so
    # (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html)
    e = estate()
    e.items.pop("NetworkAcls")
    snap = e.snapshot()
    t = trace(snap, "eni-a", "eni-b")
    assert t.verdict is Verdict.ACCEPT
    acl_hops = [h for h in t.forward.hops if h.kind is HopKind.NETWORK_ACL]
    assert acl_hops and all(h.id is None and h.detail.startswith("assumed") for h in acl_hops)
    warned = [w.message for w in snap.warnings if w.code == "NO_NETWORK_ACL"]
    assert warned and all("default network ACL" in m and "assumed" in m for m in warned)
    # a denying security group still decides: the NACL was never the question
    e.items["SecurityGroups"][1]["IpPermissions"] = []
    assert trace(e, "eni-a", "eni-b").verdict is Verdict.REJECT
    batch = BatchEvaluator(snap)
    idx = batch.indices(["eni-a", "eni-b"])
    assert batch.supports(idx[:1], idx[1:], np.array([6]))[0]
    out = batch.verdicts(idx[:1], idx[1:], np.array([6]), np.array([22]), np.array([40000]))
    assert int(out.verdict[0]) == 1  # ACCEPT, as the walk


def test_prefix_list_route_without_entries_is_unknown_not_the_nat_path() -> None:
    # an S3 gateway endpoint's route names an AWS-managed prefix list whose entries the snapshot lacks
    # (no describe-prefix-lists): whether 52.216.10.10 takes it or the default route is unknown
    e = estate()
    e.endpoint(
        "vpce-s3", "Gateway", "vpc-1", ServiceName="com.amazonaws.eu-west-1.s3", RouteTableIds=["rtb-1"]
    )
    e.items["RouteTables"][0]["Routes"].append(
        {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3", "State": "active"}
    )
    kind, rid, code = unknown(trace(e, "eni-a", "52.216.10.10", "tcp", 443))
    assert (kind, rid, code) == ("route-table", "rtb-1", "UNKNOWN_RESOURCE")
    # with the entries, the endpoint carries it
    e.prefix_list("pl-s3", "52.216.0.0/15")
    t = trace(e, "eni-a", "52.216.10.10", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT and any(h.kind is HopKind.VPC_ENDPOINT for h in t.forward.hops)
    # inside the VPC the local route decides whatever the list holds
    e.items["PrefixLists"] = []
    assert trace(e, "eni-a", "eni-b").verdict is Verdict.ACCEPT


def test_security_group_rule_naming_a_prefix_list_without_entries() -> None:
    e = estate()
    e.items["SecurityGroups"][1]["IpPermissions"] = [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": "pl-corp"}]}
    ]
    assert unknown(trace(e, "eni-a", "eni-b", "tcp", 22))[2] == "UNKNOWN_RESOURCE"
    assert trace(e, "eni-a", "eni-b", "tcp", 23).verdict is Verdict.REJECT  # no rule could admit 23


# -- contradictions and duplicate ids -----------------------------------------------------------------


def test_two_instances_claiming_one_interface_is_unknown_not_one_standing_in_for_the_other() -> None:
    # cloudmapper's demo has this shape: each instance embeds eni-0 with different content
    e = estate()
    twin = copy.deepcopy(next(r for r in e.items["Reservations"] if r["Instances"][0]["InstanceId"] == "i-a"))
    inst = twin["Instances"][0]
    inst["InstanceId"] = "i-twin"
    inst["NetworkInterfaces"][0]["PrivateIpAddress"] = "10.1.1.11"
    inst["NetworkInterfaces"][0]["PrivateIpAddresses"] = [{"PrivateIpAddress": "10.1.1.11", "Primary": True}]
    e.items["Reservations"].append(twin)
    snap = e.snapshot()
    assert "eni-a" in snap.contradictions
    for src, dst in (("i-twin", "i-a"), ("i-a", "i-b"), ("i-b", "i-twin")):
        assert unknown(trace(snap, src, dst))[1:] == ("eni-a", "CONTRADICTORY_RESOURCE"), (src, dst)


def test_a_security_group_read_twice_with_different_rules_is_unknown(tmp_path: Path) -> None:
    e = estate()
    root = write(e, tmp_path / "snap")
    other = copy.deepcopy(e.items["SecurityGroups"][1])
    other["IpPermissions"] = []
    (root / "aws_configs" / "111111111111" / "eu-west-1" / "more.json").write_text(
        json.dumps({"SecurityGroups": [other]})
    )
    snap = load_snapshot(root)
    assert unknown(trace(snap, "eni-a", "eni-b"))[1:] == ("sg-b", "CONTRADICTORY_RESOURCE")


# -- trace endpoints ----------------------------------------------------------------------------------


def test_trace_to_unused_addresses_says_how_far_the_packet_goes(tmp_path: Path) -> None:
    snap_dir = str(write(estate(), tmp_path / "snap"))
    # an unused address of a subnet: routed, past both NACLs, and nothing holds it
    t = trace(estate(), "eni-a", "10.1.2.99")
    assert t.verdict is Verdict.REJECT and t.blocked_by and t.blocked_by.code == "NO_INTERFACE_FOR_ADDRESS"
    assert [h.kind for h in t.forward.hops].count(HopKind.NETWORK_ACL) == 2
    # in the VPC's CIDR but in no subnet
    t = trace(estate(), "eni-a", "10.1.200.1")
    assert t.verdict is Verdict.REJECT and t.blocked_by and t.blocked_by.code == "NO_ROUTE_TO_DESTINATION"
    p = run("trace", snap_dir, "--src", "i-a", "--dst", "10.1.2.99", "--port", "22")
    assert p.returncode == 1 and p.stdout.startswith("REJECT"), p.stderr
    # an unused address cannot send
    p = run("trace", snap_dir, "--src", "10.1.2.99", "--dst", "i-a", "--port", "22")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "no network interface has address" in p.stderr


@pytest.mark.skipif(not (DATA / "batfish-aws-tests").is_dir(), reason=f"shared data not present at {DATA}")
def test_batfish_vpc_peering_unused_subnet_and_address() -> None:
    # AwsConfigurationVpcPeeringTest: A to an unused subnet of the /16 B and C share → no route at A; B to
    # an unused subnet of A → dropped in A (Batfish: NULL_ROUTED); B to an unused address of A's subnet →
    # reaches the subnet (Batfish: DELIVERED_TO_SUBNET), where nothing answers
    e = Engine(load_snapshot(DATA / "batfish-aws-tests" / "test-vpc-peering"))
    a, b = "i-06ba034d88c84ef07", "i-0b14080af811fda3d"
    t = e.trace(a, "192.168.100.1", "0")
    assert t.verdict is Verdict.REJECT and t.blocked_by and t.blocked_by.code == "NO_ROUTE_TO_DESTINATION"
    assert t.blocked_by.kind is HopKind.ROUTE_TABLE and len(t.forward.hops) <= 2
    t = e.trace(b, "10.10.100.1", "0")
    assert t.verdict is Verdict.REJECT and t.blocked_by and t.blocked_by.code == "NO_ROUTE_TO_DESTINATION"
    assert t.blocked_by.kind is HopKind.VPC_PEERING  # it crossed into A, whose CIDR has no such subnet
    t = e.trace(b, "10.10.10.11", "0")
    assert t.verdict is Verdict.REJECT and t.blocked_by and t.blocked_by.code == "NO_INTERFACE_FOR_ADDRESS"


def test_trace_takes_the_endpoints_reach_takes_that_name_one_interface(tmp_path: Path) -> None:
    snap_dir = str(write(estate(), tmp_path / "snap"))
    e = Engine(estate().snapshot())
    for ref in ("10.1.2.10/32", "sg-b", "subnet-2", "eni-b", "i-b"):
        assert e.trace("eni-a", ref, "tcp", 22).destination.eni_id == "eni-b", ref
    for ref, words in (
        ("10.1.0.0/16", "addresses"),
        ("vpc-1", "2 network interfaces"),
        ("internet", "set of addresses"),
    ):
        p = run("trace", snap_dir, "--src", "i-a", "--dst", ref, "--port", "22")
        assert p.returncode == 2 and p.stderr.count("\n") == 1 and words in p.stderr, (ref, p.stderr)


# -- reach, policy, diff, explain, simulate -------------------------------------------------------------


def missing_group() -> Estate:
    e = estate()
    eni(e, "eni-b")["Groups"] = [{"GroupId": "sg-gone", "GroupName": "gone"}]
    _reservation_groups(e, "i-b", eni(e, "eni-b")["Groups"])
    return e


def test_reach_counts_unknown_flows_neither_reachable_nor_blocked(tmp_path: Path) -> None:
    r = Reachability(missing_group().snapshot())
    res = r.reach("eni-a", "eni-b", "tcp", "22")
    assert not res.reachable and not res.blocked and res.unknown
    assert {b.blocker.id for b in res.undecided} == {"sg-gone"}
    for kind, _space, w, _b in res.classes():
        if w is not None and kind == "unknown":
            assert r.engine.trace(**w.trace_args()).verdict is Verdict.UNKNOWN
    snap_dir = str(write(missing_group(), tmp_path / "snap"))
    p = run(
        "reach", snap_dir, "--src", "i-a", "--dst", "i-b", "-p", "tcp", "--port", "22", "--format", "json"
    )
    assert p.returncode == 1, p.stderr
    data = json.loads(p.stdout)
    assert data["reachable"] is False and data["blocked"] == []
    assert [u["blocked_by"]["id"] for u in data["unknown"]] == ["sg-gone"]
    p = run("reach", snap_dir, "--src", "i-a", "--dst", "i-b", "-p", "tcp", "--port", "22")
    assert "UNKNOWN" in p.stdout and "sg-gone" in p.stdout


def test_reach_and_policy_keep_every_address_named_explicitly() -> None:
    # i-a admits 443 only from b's public address: privately b is refused, through the internet gateway
    # (hairpin, b's public IP) it gets in. Named together, i-a and its public IP are both checked.
    e = estate()
    b = eni(e, "eni-b")
    b["Association"] = {"PublicIp": "3.80.30.11"}
    b["PrivateIpAddresses"][0]["Association"] = {"PublicIp": "3.80.30.11"}
    e.items["SecurityGroups"][0]["IpPermissions"] = [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "3.80.30.11/32"}]}
    ]
    snap = e.snapshot()
    res = Reachability(snap).reach("eni-b", "i-a,3.80.30.10", "tcp", "443")
    assert res.forward.project(1) == address_set([Address.parse("3.80.30.10")])
    assert address_set([Address.parse("10.1.1.10")]) <= res.query.project(1)
    text = "statements:\n  - deny: {from: eni-b, to: [%s], flows: [tcp/443]}\n"
    assert check_policy(snap, parse_policy(text % "i-a", "p.yaml")).passed
    report = check_policy(snap, parse_policy(text % "i-a, 3.80.30.10", "p.yaml"))
    assert not report.passed and report.results[0].witness is not None
    assert str(report.results[0].witness.dst) == "3.80.30.10"


def test_policy_statements_that_depend_on_missing_data_are_undecided(tmp_path: Path) -> None:
    text = (
        "statements:\n"
        "  - deny: {from: eni-a, to: eni-b, flows: [tcp/22]}\n"
        "  - allow: {from: eni-a, to: eni-b, flows: [tcp/22]}\n"
        "  - deny: {from: internet, to: eni-b}\n"
    )
    report = check_policy(missing_group().snapshot(), parse_policy(text, "p.yaml"))
    assert [r.status for r in report.results] == ["undecided", "undecided", "pass"]
    assert not report.passed and any("sg-gone" in x for x in report.results[0].rules)
    snap_dir = str(write(missing_group(), tmp_path / "snap"))
    (tmp_path / "p.yaml").write_text(text)
    p = run("policy", "check", snap_dir, str(tmp_path / "p.yaml"), "--format", "json")
    assert p.returncode == 1, p.stderr
    statements = json.loads(p.stdout)["statements"]
    assert [s["status"] for s in statements] == ["undecided", "undecided", "pass"]
    assert [s["passed"] for s in statements] == [False, False, True]
    p = run("policy", "check", snap_dir, str(tmp_path / "p.yaml"))
    assert "UNDECIDED" in p.stdout and "2 undecided" in p.stdout


def test_diff_never_calls_an_unknown_a_gain_or_a_loss(tmp_path: Path) -> None:
    old, new = estate().snapshot(), missing_group().snapshot()
    d = diff_snapshots(old, new, "eni-a", "eni-b", "tcp", "22")
    assert [(c.kind, c.stage) for c in d.changes] == [("undecided", "forward")]
    assert d.changes[0].new_says.startswith("UNKNOWN")
    old_dir = str(write(estate(), tmp_path / "old"))
    new_dir = str(write(missing_group(), tmp_path / "new"))
    p = run("diff", old_dir, new_dir, "--src", "i-a", "--dst", "i-b", "-p", "tcp", "--port", "22")
    assert p.returncode == 1 and "UNDECIDED" in p.stdout and "sg-gone" in p.stdout, p.stdout


def test_logs_explain_and_simulate_never_guess(tmp_path: Path) -> None:
    snap_dir = str(write(missing_group(), tmp_path / "snap"))
    raw = tmp_path / "raw" / "x.log"
    raw.parent.mkdir()
    raw.write_text(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
        "action log-status\n"
        "2 111111111111 eni-b 10.1.1.10 10.1.2.10 40000 22 6 1 40 1700000000 1700000000 REJECT OK\n"
    )
    assert run("logs", "ingest", str(raw.parent), "--store", str(tmp_path / "store")).returncode == 0
    p = run("logs", "explain", "--store", str(tmp_path / "store"), "--snapshot", snap_dir, "--format", "json")
    rows = json.loads(p.stdout)["rows"]
    assert [(r["status"], r["component_id"], r["code"]) for r in rows] == [
        ("unknown", "sg-gone", "UNKNOWN_RESOURCE")
    ], rows
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "region: eu-west-1\nflows:\n"
        "  - {name: a to b, from: i-a, to: i-b, protocol: tcp, port: 22, rate: 10/min}\n"
        "  - {name: b to a, from: i-b, to: i-a, protocol: tcp, port: 22, rate: 10/min}\n"
    )
    p = run(
        "simulate", snap_dir, "--profile", str(profile), "--out", str(tmp_path / "sim"), "--duration", "5m"
    )
    assert p.returncode == 1, p.stderr
    assert "not simulated" in p.stderr and "i-a → i-b tcp 22" in p.stderr and "sg-gone" in p.stderr
    # b → a is decided (sg-gone's egress is unknown too, so b's packets are UNKNOWN as well)
    written = list((tmp_path / "sim").rglob("*.log.gz"))
    assert all("eni-b" not in f.name for f in written)


# -- the address a name stands for ---------------------------------------------------------------------


def test_an_instance_reached_through_a_transit_gateway_keeps_its_private_address() -> None:
    from test_engine_hybrid_paths import two_spokes

    e = two_spokes()
    b = eni(e, "eni-b")
    b["Association"] = {"PublicIp": "3.90.0.10"}
    b["PrivateIpAddresses"][0]["Association"] = {"PublicIp": "3.90.0.10"}
    t = Engine(e.snapshot()).trace("i-a", "i-b", "tcp", 22)
    assert str(t.destination.address) == "10.2.1.10"
    assert any(h.kind is HopKind.TRANSIT_GATEWAY_ROUTE_TABLE for h in t.forward.hops)


def test_load_snapshot_data_of_raw_service_files_is_modelled_not_unknown_keys() -> None:
    docs = [
        ("lb.json", {"LoadBalancers": []}),
        (
            "fw.json",
            {
                "Firewall": {
                    "FirewallName": "fw",
                    "FirewallArn": "arn:aws:network-firewall:eu-west-1:111111111111:firewall/fw",
                    "FirewallPolicyArn": "arn:aws:network-firewall:eu-west-1:111111111111:firewall-policy/p",
                    "VpcId": "vpc-1",
                    "SubnetMappings": [],
                }
            },
        ),
        (
            "waf.json",
            {
                "WebACL": {
                    "Name": "acl",
                    "Id": "1",
                    "ARN": "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/acl/1",
                    "DefaultAction": {"Allow": {}},
                    "Rules": [],
                    "VisibilityConfig": {},
                }
            },
        ),
    ]
    snap = load_snapshot_data(docs)
    assert not [w for w in snap.warnings if w.code == "UNKNOWN_KEY"]


# -- gateway route tables are followed, never bypassed --------------------------------------------------


def test_a_virtual_private_gateways_edge_route_table_is_followed() -> None:
    # https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html: a table edge-associated
    # with a VGW routes what enters through it — here the app subnet's traffic goes through an appliance
    from test_engine_hybrid_paths import vpn_vpc

    e = vpn_vpc()
    e.subnet("subnet-fw", "vpc-1", "10.1.9.0/24")
    e.sg("sg-fw", "vpc-1")
    e.eni("eni-fw", "subnet-fw", "10.1.9.10", ["sg-fw"], instance="i-fw", source_dest_check=False)
    e.edge_rtb(
        "rtb-edge",
        "vpc-1",
        "vgw-1",
        [
            {"DestinationCidrBlock": "10.1.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationCidrBlock": "10.1.1.0/24", "NetworkInterfaceId": "eni-fw", "State": "active"},
        ],
    )
    t = trace(e, "192.168.5.5", "eni-a")
    assert t.forward.delivered, t.diagnosis
    hops = [(h.kind, h.id) for h in t.forward.hops]
    assert (HopKind.ROUTE_TABLE, "rtb-edge") in hops and (HopKind.NETWORK_INTERFACE, "eni-fw") in hops
    # the appliance with its source/destination check on drops it: the edge table is not bypassed
    eni(e, "eni-fw")["SourceDestCheck"] = True
    t = trace(e, "192.168.5.5", "eni-a")
    assert t.blocked_by is not None and t.blocked_by.code == "ENI_SOURCE_DEST_CHECK_RESTRICTION"


def test_a_nat_gateway_interface_without_its_nat_gateway_is_unknown() -> None:
    e = estate()
    e.eni("eni-nat", "subnet-2", "10.1.2.40", [], interface_type="nat_gateway")
    assert unknown(trace(e, "eni-a", "10.1.2.40", "tcp", 443)) == (
        "nat-gateway",
        "eni-nat",
        "UNKNOWN_RESOURCE",
    )


def test_an_address_two_interfaces_hold_is_refused_naming_both() -> None:
    e = estate()
    e.eni("eni-dup", "subnet-2", "10.1.2.10", ["sg-b"])
    with pytest.raises(VpcflowError, match=r"held by eni-b, eni-dup .*contradicts"):
        trace(e, "eni-a", "10.1.2.10")
    # named, it is walked to its address, which either interface may hold: UNKNOWN naming one of them
    _kind, rid, code = unknown(trace(e, "eni-a", "eni-dup"))
    assert rid in ("eni-b", "eni-dup") and code == "CONTRADICTORY_RESOURCE"


def test_a_rule_referencing_a_group_the_snapshot_lacks() -> None:
    # a member of sg-peer may hold any private address the snapshot does not cover (a peered VPC's):
    # https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html
    e = estate()
    e.items["SecurityGroups"][1]["IpPermissions"] = [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": "sg-peer"}]}
    ]
    e.vpn("vpn-1", vgw="vgw-1", static_only=True, routes=("192.168.0.0/16",)).vgw("vgw-1", "vpc-1")
    e.items["RouteTables"][0]["Routes"].append(
        {"DestinationCidrBlock": "192.168.0.0/16", "GatewayId": "vgw-1", "State": "active"}
    )
    assert unknown(trace(e, "192.168.5.5", "eni-b", "tcp", 22))[:2] == ("security-group", "sg-b")
    # an interface of the snapshot is no member of it (its groups are known); other ports no rule admits
    assert trace(e, "eni-a", "eni-b", "tcp", 22).verdict is Verdict.REJECT
    assert trace(e, "192.168.5.5", "eni-b", "tcp", 23).verdict is Verdict.REJECT


def test_a_route_to_a_network_firewall_endpoint_names_the_firewall() -> None:
    # describe-firewall: the endpoint of each AZ is in FirewallStatus.SyncStates
    # (https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_DescribeFirewall.html)
    arn = "arn:aws:network-firewall:eu-west-1:111111111111:firewall/edge"
    e = estate()
    e.items["RouteTables"][0]["Routes"][1] = {
        "DestinationCidrBlock": "0.0.0.0/0",
        "GatewayId": "vpce-0fw",
        "State": "active",
    }
    docs = [
        *e.docs(),
        (
            "aws_configs/111111111111/eu-west-1/firewall.json",
            {
                "Firewall": {
                    "FirewallName": "edge",
                    "FirewallArn": arn,
                    "FirewallPolicyArn": "arn:aws:network-firewall:eu-west-1:111111111111:firewall-policy/p",
                    "VpcId": "vpc-1",
                    "SubnetMappings": [{"SubnetId": "subnet-2"}],
                },
                "FirewallStatus": {
                    "Status": "READY",
                    "SyncStates": {
                        "eu-west-1a": {
                            "Attachment": {
                                "SubnetId": "subnet-2",
                                "EndpointId": "vpce-0fw",
                                "Status": "READY",
                            }
                        }
                    },
                },
            },
        ),
    ]
    t = Engine(load_snapshot_data(docs)).trace("eni-a", "198.51.100.7", "tcp", 443)
    # never an answer that ignores the firewall: UNKNOWN naming it until the walk steps through firewalls
    named = [h for h in t.forward.hops if h.kind is HopKind.NETWORK_FIREWALL and h.id == arn]
    assert named, t.diagnosis
    if t.verdict is Verdict.UNKNOWN:
        assert t.blocked_by is not None and t.blocked_by.id == arn
