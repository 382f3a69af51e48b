"""The packet walk through AWS Network Firewall endpoints, on AWS-documented deployments.

- Distributed model (``examples/firewall``): the internet gateway's edge route table sends traffic for the
  web subnet to the firewall endpoint, the web subnet's default route goes back through it
  (https://docs.aws.amazon.com/network-firewall/latest/developerguide/arch-single-zone-igw.html).
- Policy processing: stateless rules first (priority, first match; pass / drop / forward to the stateful
  engine), then the stateful engine in default action order (pass, drop, reject, alert whatever the rule
  order) or strict order with its default actions
  (https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-policy-processing.html,
  https://docs.aws.amazon.com/network-firewall/latest/developerguide/suricata-rule-evaluation-order.html).
- Domain lists decide by TLS SNI / HTTP Host: UNKNOWN for a 5-tuple unless the name is given.
- Asymmetric routing is not supported: request and response must cross the same endpoint
  (https://docs.aws.amazon.com/network-firewall/latest/developerguide/asymmetric-routing.html).
- Centralized model: an inspection VPC behind a transit gateway needs appliance mode on its attachment so
  that both directions stay in one Availability Zone, hence one endpoint
  (https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-appliance-scenario.html).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lb_fixtures import variant
from transit_builders import Estate
from vpcflow.engine import Engine, Verdict
from vpcflow.engine.result import HopKind, Trace
from vpcflow.model import Snapshot
from vpcflow.sources import load_snapshot, load_snapshot_data

EXAMPLE = Path(__file__).parent.parent / "examples" / "firewall"
VPCFLOW = Path(sys.executable).with_name("vpcflow")
FW = "arn:aws:network-firewall:us-east-1:123456789012:firewall/inspect-fw"
CLIENT = "198.51.100.8"
OUTSIDE = "93.184.216.34"


@pytest.fixture(scope="module")
def fw() -> Snapshot:
    return load_snapshot(EXAMPLE)


def _firewall_hops(t: Trace) -> list[str]:
    return [h.detail for h in t.forward.hops + t.ret.hops if h.kind is HopKind.NETWORK_FIREWALL]


def test_https_in_crosses_the_endpoint_both_ways(fw: Snapshot) -> None:
    t = Engine(fw).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert [h.kind for h in t.forward.hops].count(HopKind.NETWORK_FIREWALL) == 1
    assert [h.kind for h in t.ret.hops].count(HopKind.NETWORK_FIREWALL) == 1
    assert "sid:1" in _firewall_hops(t)[0]
    # the firewall endpoint's interface logs the flow both ways
    assert {r.interface_id for r in t.flow_logs} == {"eni-0d00000000000f001", "eni-0d000000000000a01"}


def test_stateful_drop_overrides_an_open_security_group(fw: Snapshot) -> None:
    t = Engine(fw).trace(CLIENT, "web", "tcp", 22)
    assert t.verdict is Verdict.REJECT
    b = t.blocked_by
    assert b is not None and b.kind is HopKind.NETWORK_FIREWALL and b.id == FW
    assert b.code == "FIREWALL_RULES_RESTRICTION" and "sid:2" in b.detail and b.stage == "forward"


def test_stateless_drop_first(fw: Snapshot) -> None:
    t = Engine(fw).trace("192.0.2.5", "web", "tcp", 443)
    assert t.verdict is Verdict.REJECT
    b = t.blocked_by
    assert b is not None and b.kind is HopKind.NETWORK_FIREWALL and "stateless" in b.detail


def test_domain_allowlist_needs_the_name(fw: Snapshot) -> None:
    e = Engine(fw)
    t = e.trace("web", OUTSIDE, "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN
    assert (
        t.blocked_by is not None
        and "--sni" in t.blocked_by.detail
        and "allowlist" in t.blocked_by.detail.lower()
    )
    assert e.trace("web", OUTSIDE, "tcp", 443, sni="example.com").verdict is Verdict.ACCEPT
    assert e.trace("web", OUTSIDE, "tcp", 443, sni="api.s3.amazonaws.com").verdict is Verdict.ACCEPT
    denied = e.trace("web", OUTSIDE, "tcp", 443, sni="evil.example.net")
    assert denied.verdict is Verdict.REJECT and denied.blocked_by is not None
    assert denied.blocked_by.stage == "forward"
    assert e.trace("web", OUTSIDE, "tcp", 80, host="example.com").verdict is Verdict.ACCEPT
    assert e.trace("web", OUTSIDE, "tcp", 80, host="evil.example.net").verdict is Verdict.REJECT


def test_sni_on_the_command_line() -> None:
    base = ["trace", str(EXAMPLE), "--src", "web", "--dst", OUTSIDE, "--port", "443", "--format", "json"]
    ok = subprocess.run(
        [str(VPCFLOW), *base, "--sni", "example.com"], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["verdict"] == "ACCEPT"
    bad = subprocess.run([str(VPCFLOW), *base, "--sni", "a b"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "--sni" in bad.stderr and bad.stdout == ""


def _route_table(docs: dict[str, Any], rtb_id: str) -> dict[str, Any]:
    return next(r for r in docs["RouteTables.json"]["RouteTables"] if r["RouteTableId"] == rtb_id)


def test_inbound_bypassing_the_firewall_is_asymmetric(tmp_path: Path) -> None:
    # no edge route: the request comes straight in; the response leaves through the endpoint
    def no_edge(docs: dict[str, Any]) -> None:
        edge = _route_table(docs, "rtb-0d000000000000e01")
        edge["Routes"] = [r for r in edge["Routes"] if r.get("GatewayId") == "local"]

    t = Engine(variant(tmp_path, no_edge, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN, t.diagnosis
    assert t.blocked_by is not None and t.blocked_by.code == "ASYMMETRIC_RETURN_PATH"
    assert t.blocked_by.stage == "return" and "did not cross" in t.blocked_by.detail


def test_response_bypassing_the_firewall_is_asymmetric(tmp_path: Path) -> None:
    # the web subnet's default route goes straight to the internet gateway: the response skips the endpoint
    def direct(docs: dict[str, Any]) -> None:
        web = _route_table(docs, "rtb-0d000000000000a01")
        for r in web["Routes"]:
            if r["DestinationCidrBlock"] == "0.0.0.0/0":
                r["GatewayId"] = "igw-0d000000000000001"

    t = Engine(variant(tmp_path, direct, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN, t.diagnosis
    assert t.blocked_by is not None and t.blocked_by.code == "ASYMMETRIC_RETURN_PATH"
    assert "does not come back through it" in t.blocked_by.detail


def _policy(
    order: str, defaults: list[str], rules: str, stateless_default: str = "aws:forward_to_sfe"
) -> Any:
    def edit(docs: dict[str, Any]) -> None:
        pol = docs["FirewallPolicy.inspect-policy.json"]["FirewallPolicy"]
        pol["StatelessRuleGroupReferences"] = []
        pol["StatelessDefaultActions"] = [stateless_default]
        pol["StatefulEngineOptions"] = {"RuleOrder": order}
        ref = {"ResourceArn": docs["RuleGroup.web-rules.json"]["RuleGroupResponse"]["RuleGroupArn"]}
        if order == "STRICT_ORDER":
            ref["Priority"] = 1
            pol["StatefulDefaultActions"] = defaults
        pol["StatefulRuleGroupReferences"] = [ref]
        group = docs["RuleGroup.web-rules.json"]["RuleGroup"]
        group["RulesSource"] = {"RulesString": rules}
        group["StatefulRuleOptions"] = {"RuleOrder": order}

    return edit


def test_default_action_order_pass_beats_an_earlier_drop(tmp_path: Path) -> None:
    rules = "drop tcp any any -> $HOME_NET 443 (sid:10;)\npass tcp any any -> $HOME_NET 443 (sid:11;)\n"
    snap = variant(tmp_path, _policy("DEFAULT_ACTION_ORDER", [], rules), base=EXAMPLE)
    t = Engine(snap).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT and "sid:11" in _firewall_hops(t)[0]


def test_strict_order_first_match_and_drop_strict(tmp_path: Path) -> None:
    rules = "drop tcp any any -> $HOME_NET 443 (sid:10;)\npass tcp any any -> $HOME_NET 443 (sid:11;)\n"
    snap = variant(tmp_path, _policy("STRICT_ORDER", ["aws:drop_strict"], rules), base=EXAMPLE)
    e = Engine(snap)
    t = e.trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.REJECT and t.blocked_by is not None and "sid:10" in t.blocked_by.detail
    t = e.trace(CLIENT, "web", "tcp", 8443)  # SG allows nothing there, but the firewall stops it first
    assert t.blocked_by is not None and t.blocked_by.kind is HopKind.NETWORK_FIREWALL
    assert "aws:drop_strict" in t.blocked_by.detail


def test_strict_order_drop_established_lets_the_handshake_through(tmp_path: Path) -> None:
    snap = variant(tmp_path, _policy("STRICT_ORDER", ["aws:drop_established"], ""), base=EXAMPLE)
    t = Engine(snap).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.REJECT
    b = t.blocked_by
    assert b is not None and "aws:drop_established" in b.detail and "data to server" in b.detail


def test_stateless_pass_in_one_direction_only(tmp_path: Path) -> None:
    # a stateless pass for the request and nothing for the reply: the reply meets the default drop
    def stateless(docs: dict[str, Any]) -> None:
        _policy("DEFAULT_ACTION_ORDER", [], "", stateless_default="aws:drop")(docs)
        pol = docs["FirewallPolicy.inspect-policy.json"]["FirewallPolicy"]
        arn = docs["RuleGroup.drop-scanners.json"]["RuleGroupResponse"]["RuleGroupArn"]
        pol["StatelessRuleGroupReferences"] = [{"ResourceArn": arn, "Priority": 1}]
        docs["RuleGroup.drop-scanners.json"]["RuleGroup"]["RulesSource"]["StatelessRulesAndCustomActions"] = {
            "StatelessRules": [
                {
                    "Priority": 1,
                    "RuleDefinition": {
                        "MatchAttributes": {
                            "Destinations": [{"AddressDefinition": "10.3.1.0/24"}],
                            "DestinationPorts": [{"FromPort": 443, "ToPort": 443}],
                            "Protocols": [6],
                        },
                        "Actions": ["aws:pass"],
                    },
                }
            ]
        }

    t = Engine(variant(tmp_path, stateless, base=EXAMPLE)).trace(CLIENT, "web", "tcp", 443)
    assert t.verdict is Verdict.REJECT, t.diagnosis
    b = t.blocked_by
    assert b is not None and b.stage == "return" and b.kind is HopKind.NETWORK_FIREWALL
    assert "aws:drop" in b.detail


def test_reach_through_the_firewall_agrees_with_trace(fw: Snapshot) -> None:
    from vpcflow.reach import Reachability

    r = Reachability(fw)
    res = r.reach("internet", "web", "tcp", "22,443,8443")
    e = Engine(fw)
    for client, port in ((CLIENT, 443), (CLIENT, 22), ("192.0.2.5", 443)):
        t = e.trace(client, "web", "tcp", port, src_port=40000)
        flows = [f for f in _flows(res, client, port)]
        assert flows, (client, port)
        for f in flows:
            assert (f in res.bidirectional) == (t.verdict is Verdict.ACCEPT), (client, port, t.diagnosis)
            assert (f in res.forward) == t.forward.delivered


def _flows(res: Any, client: str, port: int) -> list[Any]:
    from vpcflow.model import Address
    from vpcflow.reach import Flow

    return [Flow(Address.parse(client), Address.parse("203.0.113.30"), 6, 40000, port)]


# -- centralized: an inspection VPC behind a transit gateway ---------------------------------------------

TGW = "tgw-0000000000000001"


def _inspection(appliance_mode: bool) -> Snapshot:
    """Spoke A (AZ a) and spoke B (AZ b) talk through an inspection VPC with a firewall endpoint per AZ."""
    e = Estate(region="eu-west-1")
    e.vpc("vpc-a", "10.1.0.0/16").subnet("sub-a", "vpc-a", "10.1.1.0/24", "eu-west-1a")
    e.vpc("vpc-b", "10.2.0.0/16").subnet("sub-b", "vpc-b", "10.2.1.0/24", "eu-west-1b")
    e.vpc("vpc-i", "10.100.0.0/16")
    e.subnet("att-ia", "vpc-i", "10.100.0.0/28", "eu-west-1a").subnet(
        "att-ib", "vpc-i", "10.100.0.16/28", "eu-west-1b"
    )
    e.subnet("fw-ia", "vpc-i", "10.100.1.0/28", "eu-west-1a").subnet(
        "fw-ib", "vpc-i", "10.100.1.16/28", "eu-west-1b"
    )
    e.subnet("att-a", "vpc-a", "10.1.0.0/28", "eu-west-1a").subnet(
        "att-b", "vpc-b", "10.2.0.0/28", "eu-west-1b"
    )
    for v in ("vpc-a", "vpc-b", "vpc-i"):
        e.sg(f"sg-{v}", v)
    e.eni("eni-a", "sub-a", "10.1.1.10", ["sg-vpc-a"], instance="i-a")
    e.eni("eni-b", "sub-b", "10.2.1.10", ["sg-vpc-b"], instance="i-b")
    for sub, ip in (
        ("att-ia", "10.100.0.5"),
        ("att-ib", "10.100.0.20"),
        ("att-a", "10.1.0.5"),
        ("att-b", "10.2.0.5"),
    ):
        e.eni(f"eni-{sub}", sub, ip, [], interface_type="transit_gateway")
    e.rtb("rtb-a", "vpc-a", ["sub-a", "att-a"], [_r("10.1.0.0/16", "local"), _r("0.0.0.0/0", TGW)])
    e.rtb("rtb-b", "vpc-b", ["sub-b", "att-b"], [_r("10.2.0.0/16", "local"), _r("0.0.0.0/0", TGW)])
    e.rtb("rtb-ia", "vpc-i", ["att-ia"], [_r("10.100.0.0/16", "local"), _r("0.0.0.0/0", "vpce-fw-a")])
    e.rtb("rtb-ib", "vpc-i", ["att-ib"], [_r("10.100.0.0/16", "local"), _r("0.0.0.0/0", "vpce-fw-b")])
    e.rtb("rtb-fw", "vpc-i", ["fw-ia", "fw-ib"], [_r("10.100.0.0/16", "local"), _r("10.0.0.0/8", TGW)])
    e.tgw(TGW).table("tgw-rtb-spokes", TGW).table("tgw-rtb-insp", TGW)
    e.attach_vpc("att-vpc-a", TGW, "vpc-a", ["att-a"], "tgw-rtb-spokes")
    e.attach_vpc("att-vpc-b", TGW, "vpc-b", ["att-b"], "tgw-rtb-spokes")
    e.attach_vpc(
        "att-vpc-i", TGW, "vpc-i", ["att-ia", "att-ib"], "tgw-rtb-insp", appliance_mode=appliance_mode
    )
    e.static_route("tgw-rtb-spokes", "0.0.0.0/0", "att-vpc-i")
    e.static_route("tgw-rtb-insp", "10.1.0.0/16", "att-vpc-a").static_route(
        "tgw-rtb-insp", "10.2.0.0/16", "att-vpc-b"
    )
    docs = e.docs()
    arn = "arn:aws:network-firewall:eu-west-1:111111111111"
    docs.append(("fw.json", {
        "Firewall": {"FirewallName": "central", "FirewallArn": f"{arn}:firewall/central",
                     "FirewallPolicyArn": f"{arn}:firewall-policy/p", "VpcId": "vpc-i",
                     "SubnetMappings": [{"SubnetId": "fw-ia"}, {"SubnetId": "fw-ib"}]},
        "FirewallStatus": {"Status": "READY", "SyncStates": {
            "eu-west-1a": {"Attachment": {"SubnetId": "fw-ia", "EndpointId": "vpce-fw-a", "Status": "READY"}},
            "eu-west-1b": {"Attachment": {"SubnetId": "fw-ib", "EndpointId": "vpce-fw-b", "Status": "READY"}},
        }},
    }))  # fmt: skip
    policy = {
        "StatelessRuleGroupReferences": [],
        "StatelessDefaultActions": ["aws:forward_to_sfe"],
        "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
        "StatefulRuleGroupReferences": [{"ResourceArn": f"{arn}:stateful-rulegroup/g"}],
    }
    named = {"FirewallPolicyName": "p", "FirewallPolicyArn": f"{arn}:firewall-policy/p"}
    docs.append(("policy.json", {"FirewallPolicy": policy, "FirewallPolicyResponse": named}))
    docs.append(("group.json", {
        "RuleGroup": {"RulesSource": {"RulesString": "drop tcp any any -> any 23 (sid:1;)\n"}},
        "RuleGroupResponse": {"RuleGroupArn": f"{arn}:stateful-rulegroup/g", "RuleGroupName": "g",
                              "Type": "STATEFUL"},
    }))  # fmt: skip
    return load_snapshot_data(docs)


def _r(cidr: str, target: str) -> dict[str, Any]:
    key = "TransitGatewayId" if target.startswith("tgw-") else "GatewayId"
    return {"DestinationCidrBlock": cidr, key: target, "State": "active"}


def test_inspection_vpc_with_appliance_mode_is_symmetric() -> None:
    e = Engine(_inspection(appliance_mode=True))
    t = e.trace("i-a", "i-b", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    fw_fwd = [h.detail for h in t.forward.hops if h.kind is HopKind.NETWORK_FIREWALL]
    fw_ret = [h.detail for h in t.ret.hops if h.kind is HopKind.NETWORK_FIREWALL]
    assert len(fw_fwd) == len(fw_ret) == 1 and "vpce-fw-a" in fw_fwd[0] and "vpce-fw-a" in fw_ret[0]
    blocked = e.trace("i-a", "i-b", "tcp", 23)
    assert blocked.verdict is Verdict.REJECT and blocked.blocked_by is not None
    assert blocked.blocked_by.kind is HopKind.NETWORK_FIREWALL


def test_inspection_vpc_without_appliance_mode_is_asymmetric() -> None:
    # the response enters the inspection VPC in B's zone and meets the other endpoint
    t = Engine(_inspection(appliance_mode=False)).trace("i-a", "i-b", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN, t.diagnosis
    assert t.blocked_by is not None and t.blocked_by.code == "ASYMMETRIC_RETURN_PATH"
    assert "vpce-fw-b" in t.blocked_by.detail and "vpce-fw-a" in t.blocked_by.detail


# -- what is named and not walked ---------------------------------------------------------------------


def _edge_to(vpce_kind: str) -> Snapshot:
    """A web subnet whose default route goes to an endpoint of ``vpce_kind`` (no firewall behind it)."""
    e = Estate(region="eu-west-1")
    e.vpc("vpc-w", "10.5.0.0/16").subnet("sub-w", "vpc-w", "10.5.1.0/24").igw("igw-w", "vpc-w")
    e.sg("sg-w", "vpc-w")
    e.eni("eni-w", "sub-w", "10.5.1.10", ["sg-w"], instance="i-w", public="198.18.5.10")
    e.rtb("rtb-w", "vpc-w", ["sub-w"], [_r("10.5.0.0/16", "local"), _r("0.0.0.0/0", "vpce-x")], main=True)
    e.endpoint("vpce-x", vpce_kind, "vpc-w", ServiceName="com.amazonaws.vpce.eu-west-1.vpce-svc-0123")
    return e.snapshot()


def test_gateway_load_balancer_endpoint_is_unknown_and_named() -> None:
    t = Engine(_edge_to("GatewayLoadBalancer")).trace("i-w", "8.8.8.8", "tcp", 443)
    assert t.verdict is Verdict.UNKNOWN
    b = t.blocked_by
    assert b is not None and b.kind is HopKind.GATEWAY_LOAD_BALANCER_ENDPOINT and b.id == "vpce-x"
    assert "Gateway Load Balancer" in b.detail and "vpce-svc-0123" in b.detail


def _classic(clb_ingress: list[dict[str, Any]] | None = None) -> Snapshot:
    """A Classic Load Balancer (HTTP 80 → 8080) in front of nothing walked, and a client beside it."""
    e = Estate(region="eu-west-1")
    e.vpc("vpc-c", "10.6.0.0/16").subnet("sub-c", "vpc-c", "10.6.1.0/24").sg("sg-c", "vpc-c")
    e.sg("sg-clb", "vpc-c", clb_ingress)
    e.eni("eni-clb", "sub-c", "10.6.1.5", ["sg-clb"])
    e.items["NetworkInterfaces"][-1].update({"Description": "ELB legacy-web", "RequesterManaged": True})
    e.eni("eni-cli", "sub-c", "10.6.1.9", ["sg-c"], instance="i-cli")
    e.rtb("rtb-c", "vpc-c", ["sub-c"], [_r("10.6.0.0/16", "local")], main=True)
    docs = e.docs()
    listener = {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}
    clb = {
        "LoadBalancerName": "legacy-web",
        "VPCId": "vpc-c",
        "Subnets": ["sub-c"],
        "AvailabilityZones": ["eu-west-1a"],
        "SecurityGroups": ["sg-clb"],
        "Instances": [],
        "ListenerDescriptions": [{"Listener": listener}],
    }
    docs.append(("elb.json", {"LoadBalancerDescriptions": [clb]}))
    return load_snapshot_data(docs)


def test_classic_load_balancer_is_unknown_and_named() -> None:
    """What a listener takes is not walked behind the node: UNKNOWN, naming the load balancer and its
    listeners."""
    t = Engine(_classic()).trace("i-cli", "10.6.1.5", "tcp", 80)
    assert t.verdict is Verdict.UNKNOWN
    b = t.blocked_by
    assert b is not None and b.code == "UNSUPPORTED_INTERFACE"
    assert "Classic Load Balancer legacy-web" in b.detail and "HTTP 80 → HTTP 8080" in b.detail


def test_classic_load_balancer_front_is_decided() -> None:
    """A Classic Load Balancer's node is filtered as AWS does it before anything is unknown: its security
    groups, then its listeners (all TCP): no listener on the port, or UDP, is dropped
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-listener-config.html)."""
    snap = _classic()
    for proto, port in (("tcp", 81), ("udp", 80)):
        t = Engine(snap).trace("i-cli", "10.6.1.5", proto, port)
        assert t.verdict is Verdict.REJECT, (proto, port)
        b = t.blocked_by
        assert (
            b is not None and b.code == "ELB_LISTENERS_MISMATCH" and b.kind is HopKind.LOAD_BALANCER_LISTENER
        )
        assert "HTTP 80" in b.detail
    only_443 = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    t = Engine(_classic(only_443)).trace("i-cli", "10.6.1.5", "tcp", 80)
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.code == "ENI_SG_RULES_MISMATCH"
    assert t.blocked_by.id == "sg-clb"
