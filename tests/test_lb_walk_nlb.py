"""The packet walk through a Network Load Balancer, on Batfish's ``test-load-balancer`` snapshot (an internal
NLB in two AZs, cross-zone on, TCP 80 → two instances on 22, no security groups) and AWS-documented variants:

- Batfish's expectations (AwsConfigurationLoadBalancerTest): the jump host reaches either node on 80 and
  both servers answer; port 81 is dropped at the node (no listener);
- no security groups: every client reaches the listeners; with security groups, their inbound rules filter
  clients, their outbound rules the traffic to targets, and a target rule referencing the NLB's group admits
  the client's preserved address
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html);
- client IP preservation: on for instance targets (the target's rules and NACLs see the client), off with
  ``preserve_client_ip.enabled=false`` (they see the node)
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html);
- cross-zone off: each node uses only its zone's targets
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-cross-zone.html);
- hairpin: an instance target that is also the client fails when sent to itself
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-troubleshooting.html#loopback-timeout).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lb_fixtures import entry, own_nacl, perm, set_rules, variant
from vpcflow.engine import Engine, Verdict
from vpcflow.engine.result import HopKind
from vpcflow.model import Snapshot
from vpcflow.sources import load_snapshot

BATFISH_LB = (
    Path(__file__).parent.parent.parent / "shared" / "data" / "batfish-aws-tests" / "test-load-balancer"
)
CLIENT = "i-0c8ce8bbdd98cc4e8"  # jump host, 10.1.250.112
S1, S2 = "i-055b0db7be365202c", "i-0f4af951d61a19245"  # 10.1.1.189 (us-east-2b), 10.1.20.95 (us-east-2a)
S1_ENI, S2_ENI = "eni-0a4486d9ba39d5e3e", "eni-02e730a1b02dbc756"
NODE_1, NODE_2 = "10.1.1.237", "10.1.20.123"  # us-east-2b, us-east-2a
NODE_1_ENI, NODE_2_ENI = "eni-01f261dccaba46564", "eni-0c82d6f7254ae6695"
SG_SERVERS = "sg-09dabbcbd3f44ebcf"
SG_NLB = "sg-014dccc589d557a6b"  # the VPC's default group, given to the NLB in the variants below
SUB_S1, SUB_S2 = "subnet-090fe152cd18ced20", "subnet-0873d71031a560a88"
TG = "arn:aws:elasticloadbalancing:us-east-2:554773406868:targetgroup/test-lb-tg/8e891d8fcdf8ece8"


@pytest.fixture(scope="module")
def batfish() -> Snapshot:
    if not BATFISH_LB.exists():
        pytest.skip("../shared/data/batfish-aws-tests is absent")
    return load_snapshot(BATFISH_LB)


def _variant(tmp: Path, *edits: Any) -> Snapshot:
    if not BATFISH_LB.exists():
        pytest.skip("../shared/data/batfish-aws-tests is absent")
    return variant(tmp, *edits, base=BATFISH_LB)


def _targets(t: Any) -> set[str]:
    """Targets the trace reached (the shown way and every other way noted)."""
    text = " ".join(t.notes) + " ".join(h.detail for h in t.forward.hops)
    return {i for i in (S1, S2) if i in text}


@pytest.mark.parametrize("node", [NODE_1, NODE_2])
def test_batfish_client_reaches_either_node_on_the_listener(batfish: Snapshot, node: str) -> None:
    t = Engine(batfish).trace(CLIENT, node, "tcp", 80)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert _targets(t) == {S1, S2}  # cross-zone on: each node sprays to both servers, on port 22
    assert t.forward.hops[-1].id in (S1_ENI, S2_ENI)
    assert "client address preserved" in " ".join(h.detail for h in t.forward.hops)
    # the answer comes back through the node to the client
    assert any(h.kind is HopKind.LOAD_BALANCER for h in t.ret.hops)
    # no security groups: the listener is open (the old answer was SG_HAS_NO_RULES)
    assert not any(b.code == "SG_HAS_NO_RULES" for b in t.blockers)


@pytest.mark.parametrize("node", [NODE_1, NODE_2, "test-lb"])
def test_batfish_non_listened_port_is_dropped_at_the_node(batfish: Snapshot, node: str) -> None:
    t = Engine(batfish).trace(CLIENT, node, "tcp", 81)
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.code == "ELBV2_LISTENERS_MISMATCH"
    assert not t.forward.delivered


def test_nlb_by_name(batfish: Snapshot) -> None:
    t = Engine(batfish).trace(CLIENT, "test-lb", "tcp", 80)
    assert t.verdict is Verdict.ACCEPT
    assert any("every way the flow can go accepts (4)" in n for n in t.notes)


def test_target_rules_see_the_preserved_client(tmp_path: Path) -> None:
    only_client = set_rules(SG_SERVERS, ingress=[perm("tcp", 22, 22, cidr="10.1.250.0/24")])
    snap = _variant(tmp_path, only_client)
    t = Engine(snap).trace(CLIENT, NODE_1, "tcp", 80)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    # but the health checks come from the node's address, which that rule does not admit
    assert any("health checks" in n and "unhealthy" in n for n in t.notes)


def _preserve(value: str) -> Any:
    def edit(docs: dict[str, Any]) -> None:
        docs["TargetGroupAttributes.json"] = {
            "TargetGroupAttributes": [
                {"TargetGroupArn": TG, "Attributes": [{"Key": "preserve_client_ip.enabled", "Value": value}]}
            ]
        }

    return edit


def test_preservation_off_the_target_sees_the_node(tmp_path: Path) -> None:
    only_client = set_rules(SG_SERVERS, ingress=[perm("tcp", 22, 22, cidr="10.1.250.0/24")])
    t = Engine(_variant(tmp_path, only_client, _preserve("false"))).trace(CLIENT, NODE_1, "tcp", 80)
    assert t.verdict is Verdict.REJECT, t.diagnosis
    b = t.blocked_by
    assert b is not None and b.id == SG_SERVERS and b.connection == "load balancer → target"
    assert "new connection from the node" in " ".join(h.detail for h in t.forward.hops)


def test_target_nacl_must_answer_the_client_with_preservation(tmp_path: Path) -> None:
    # preserved: the servers' subnets answer the client's address and ephemeral ports, not the node's
    entries = [
        entry(100, False, "allow", "10.1.0.0/16"),
        entry(100, True, "allow", "10.1.1.0/24"),
        entry(110, True, "allow", "10.1.20.0/24"),
    ]
    snap = _variant(tmp_path, own_nacl("acl-00000000000000099", [SUB_S1, SUB_S2], entries))
    t = Engine(snap).trace(CLIENT, NODE_1, "tcp", 80)
    assert t.verdict is Verdict.REJECT, t.diagnosis
    b = t.blocked_by
    assert b is not None and b.id == "acl-00000000000000099" and b.stage == "return"


def _cross_zone_off(docs: dict[str, Any]) -> None:
    for lb in docs["LoadBalancerAttributes.json"]["LoadBalancerAttributes"]:
        for a in lb["Attributes"]:
            if a["Key"] == "load_balancing.cross_zone.enabled":
                a["Value"] = "false"


def test_cross_zone_off_keeps_each_node_in_its_zone(tmp_path: Path) -> None:
    e = Engine(_variant(tmp_path, _cross_zone_off))
    assert _targets(e.trace(CLIENT, NODE_1, "tcp", 80)) == {S1}
    assert _targets(e.trace(CLIENT, NODE_2, "tcp", 80)) == {S2}


def test_hairpin_fails_when_sent_to_itself(batfish: Snapshot) -> None:
    t = Engine(batfish).trace(S1, NODE_1, "tcp", 80)
    assert t.verdict is Verdict.PARTIAL, t.diagnosis  # works only when sent to the other server
    assert t.blocked_by is not None and t.blocked_by.code == "ELBV2_SOURCE_ADDRESS_PRESERVATION"
    assert any(n.startswith("also ACCEPT") and S2 in n for n in t.notes)


def _with_security_group(ingress: list[Any], egress: list[Any]) -> Any:
    """The NLB created with a security group (the VPC's default group, rules replaced)."""

    def edit(docs: dict[str, Any]) -> None:
        for lb in docs["LoadBalancers.json"]["LoadBalancers"]:
            lb["SecurityGroups"] = [SG_NLB]
        for eni in docs["NetworkInterfaces.json"]["NetworkInterfaces"]:
            if eni.get("InterfaceType") == "network_load_balancer":
                eni["Groups"] = [{"GroupId": SG_NLB, "GroupName": "default"}]
        set_rules(SG_NLB, ingress=ingress, egress=egress)(docs)

    return edit


def test_nlb_security_group_filters_clients(tmp_path: Path) -> None:
    sg = _with_security_group([perm("tcp", 80, 80, cidr="10.9.0.0/16")], [perm("-1", 0, 0, cidr="0.0.0.0/0")])
    t = Engine(_variant(tmp_path, sg)).trace(CLIENT, NODE_1, "tcp", 80)
    assert t.verdict is Verdict.REJECT
    b = t.blocked_by
    assert b is not None and b.id == SG_NLB and b.direction is not None and b.direction.value == "ingress"


def test_nlb_security_group_outbound_to_targets(tmp_path: Path) -> None:
    sg = _with_security_group(
        [perm("tcp", 80, 80, cidr="10.1.0.0/16")], [perm("tcp", 443, 443, cidr="0.0.0.0/0")]
    )
    t = Engine(_variant(tmp_path, sg)).trace(CLIENT, NODE_1, "tcp", 80)
    assert t.verdict is Verdict.REJECT
    b = t.blocked_by
    assert b is not None and b.id == SG_NLB and b.direction is not None and b.direction.value == "egress"


def test_target_rule_referencing_the_nlb_group_admits_the_preserved_client(tmp_path: Path) -> None:
    sg = _with_security_group([perm("tcp", 80, 80, cidr="10.1.0.0/16")], [perm("-1", 0, 0, cidr="0.0.0.0/0")])
    by_group = set_rules(SG_SERVERS, ingress=[perm("tcp", 22, 22, group=SG_NLB)])
    t = Engine(_variant(tmp_path, sg, by_group)).trace(CLIENT, NODE_1, "tcp", 80)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    # the jump host itself, straight to a server, is not admitted by that rule
    assert Engine(_variant(tmp_path, sg, by_group)).trace(CLIENT, S1, "tcp", 22).verdict is Verdict.REJECT


def test_all_unhealthy_fails_open(tmp_path: Path) -> None:
    def unhealthy(docs: dict[str, Any]) -> None:
        for tg in docs["LoadBalancerTargetHealth.json"]["LoadBalancerTargetHealth"]:
            for d in tg["TargetHealthDescriptions"]:
                d["TargetHealth"] = {"State": "unhealthy", "Reason": "Target.FailedHealthChecks"}

    t = Engine(_variant(tmp_path, unhealthy)).trace(CLIENT, NODE_1, "tcp", 80)
    assert t.verdict is Verdict.ACCEPT
    assert _targets(t) == {S1, S2}
    assert any("fails open" in n for n in t.notes)


def test_udp_to_a_tcp_listener_is_dropped(batfish: Snapshot) -> None:
    t = Engine(batfish).trace(CLIENT, NODE_1, "udp", 80)
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.code == "ELBV2_LISTENERS_MISMATCH"


def test_icmp_to_a_node_is_unknown(batfish: Snapshot) -> None:
    t = Engine(batfish).trace(CLIENT, NODE_1, "icmp")
    assert t.verdict is Verdict.UNKNOWN
    assert t.blocked_by is not None and "not documented" in t.blocked_by.detail
