"""The packet walk through an Application Load Balancer: two connections, each filtered as AWS documents.

Scenarios are the ones AWS's ALB guide describes, on variants of ``examples/alb-waf`` (internet → ALB
HTTPS 443 in two AZs → app-tg instances on 8080, a web ACL blocking an IP set):
- the ALB's security group admits clients on the listener port and must allow egress to the targets on the
  target and health-check ports; targets must admit the ALB (its security group or its nodes' addresses),
  never the client, since the ALB opens its own connection from its node's private address
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html);
- NACLs must admit the ALB's source ports 1024-65535 both ways between node and target subnets
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html);
- only healthy targets receive traffic; with none healthy the load balancer fails open
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html);
- cross-zone is always on for an ALB, a target group may turn it off
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/disable-cross-zone.html);
- a web ACL blocks by IP set; rate-based rules only "may block"
  (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing-order.html).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lb_fixtures import (
    APP1,
    APP1_ENI,
    APP2,
    APP2_ENI,
    APP_A,
    APP_B,
    EXAMPLE,
    LB_ARN,
    NODE_A,
    NODE_B,
    SG_ALB,
    SG_APP,
    entry,
    health,
    own_nacl,
    perm,
    set_rules,
    tg_attribute,
    variant,
)
from vpcflow.engine import Engine, Verdict
from vpcflow.engine.result import HopKind, Trace
from vpcflow.sources import load_snapshot

VPCFLOW = Path(sys.executable).with_name("vpcflow")
CLIENT = "198.51.100.8"  # not in the web ACL's IP set
BLOCKED = "198.51.100.7"  # in the IP set blocked-ips


def _trace(snap_dir_or_snap: object, src: str = CLIENT, dst: str = "my-alb", port: int = 443) -> Trace:
    snap = load_snapshot(snap_dir_or_snap) if isinstance(snap_dir_or_snap, Path) else snap_dir_or_snap
    return Engine(snap).trace(src, dst, "tcp", port)  # type: ignore[arg-type]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VPCFLOW), *args], capture_output=True, text=True, timeout=120, check=False)


def test_internet_to_alb_is_two_connections() -> None:
    t = _trace(EXAMPLE)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    conns = [h.connection for h in t.forward.hops]
    assert conns[0] == "client → load balancer" and conns[-1] == "load balancer → target"
    kinds = [h.kind for h in t.forward.hops]
    assert HopKind.LOAD_BALANCER_LISTENER in kinds and HopKind.TARGET_GROUP in kinds
    # the target sees the node's private address, from the load balancer's ports
    fwd = [r for r in t.flow_logs if r.flow_direction == "ingress" and r.interface_id in (APP1_ENI, APP2_ENI)]
    assert fwd and all(str(r.srcaddr) in ("10.2.0.10", "10.2.1.10") for r in fwd)
    assert all(1024 <= r.srcport <= 65535 and r.dstport == 8080 for r in fwd)
    # both connections are logged on the node's interface, as AWS writes them
    node = [
        (r.flow_direction, str(r.srcaddr), str(r.dstaddr)) for r in t.flow_logs if r.interface_id == NODE_A
    ]
    assert node == [
        ("ingress", CLIENT, "10.2.0.10"),
        ("egress", "10.2.0.10", "10.2.10.10"),
        ("ingress", "10.2.10.10", "10.2.0.10"),
        ("egress", "10.2.0.10", CLIENT),
    ]
    # every node and target was walked (DNS picks the node, the node picks the target); the two
    # targets meet the same NACL, route table and groups: one walk answers for both
    assert any("every way the flow can go accepts (2)" in n and APP1 in n and APP2 in n for n in t.notes)
    every = Engine(load_snapshot(EXAMPLE), every_target=True).trace(CLIENT, "my-alb", "tcp", 443)
    assert every.verdict is Verdict.ACCEPT and len(every.ways) == 4
    assert any("rate-limit" in n for n in t.notes)  # WAF rate rule: may block, never a verdict


def test_waf_ip_set_blocks_the_listed_client_cli() -> None:
    proc = _cli(
        "trace", str(EXAMPLE), "--src", BLOCKED, "--dst", "my-alb", "--port", "443", "--format", "json"
    )
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert out["verdict"] == "REJECT"
    b = out["blocked_by"]
    assert b["kind"] == "web-acl" and b["code"] == "WAF_RULE_RESTRICTION"
    assert "block-listed-ips" in b["detail"] and b["id"].endswith(
        "webacl/my-web-acl/a1b2c3d4-5678-90ab-cdef-EXAMPLE22222"
    )
    text = _cli("trace", str(EXAMPLE), "--src", BLOCKED, "--dst", "my-alb", "--port", "443")
    assert text.returncode == 1 and "block-listed-ips" in text.stdout
    # AWS WAF's Block: the load balancer answers 403 itself; the client's connection to the node is
    # accepted (its flow-log record says ACCEPT), nothing reaches a target
    assert any("HTTP 403" in n for n in out["notes"])
    assert [r["action"] for r in out["flow_logs"]] == ["ACCEPT"]


def test_dst_by_dns_name_arn_and_node_address() -> None:
    snap = load_snapshot(EXAMPLE)
    for ref in ("my-alb-1234567890.us-east-1.elb.amazonaws.com", LB_ARN, "203.0.113.11"):
        t = Engine(snap).trace(CLIENT, ref, "tcp", 443)
        assert t.verdict is Verdict.ACCEPT, (ref, t.diagnosis)
        assert t.forward.hops[-1].id in (APP1_ENI, APP2_ENI)


def test_no_listener_on_the_port(tmp_path: Path) -> None:
    t = _trace(EXAMPLE, port=80)  # the ALB's security group stops it first
    assert t.verdict is Verdict.REJECT and t.blocked_by is not None and t.blocked_by.id == SG_ALB
    open_80 = [perm("tcp", 443, 443, cidr="0.0.0.0/0"), perm("tcp", 80, 80, cidr="0.0.0.0/0")]
    t = _trace(variant(tmp_path, set_rules(SG_ALB, ingress=open_80)), port=80)
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.code == "ELBV2_LISTENERS_MISMATCH"


def test_alb_security_group_without_egress_to_targets(tmp_path: Path) -> None:
    snap = variant(tmp_path, set_rules(SG_ALB, egress=[]))
    t = _trace(snap)
    assert t.verdict is Verdict.REJECT, t.diagnosis
    b = t.blocked_by
    assert b is not None and b.kind is HopKind.SECURITY_GROUP and b.id == SG_ALB
    assert b.direction is not None and b.direction.value == "egress"
    assert b.connection == "load balancer → target"
    assert "load balancer → target" in t.diagnosis
    # its health checks cannot pass either: said, not turned into a verdict
    assert any("health checks" in n for n in t.notes)


def test_target_allowing_the_client_instead_of_the_alb(tmp_path: Path) -> None:
    # a classic mistake: the app tier admits the internet client's range, not the load balancer
    snap = variant(tmp_path, set_rules(SG_APP, ingress=[perm("tcp", 8080, 8080, cidr="198.51.100.0/24")]))
    t = _trace(snap)
    assert t.verdict is Verdict.REJECT, t.diagnosis
    b = t.blocked_by
    assert b is not None and b.id == SG_APP and b.connection == "load balancer → target"


def test_target_nacl_dropping_the_albs_ephemeral_ports(tmp_path: Path) -> None:
    # the app subnets answer only to 32768-65535: an ALB connection from 1024-32767 gets no answer
    entries = [
        entry(100, False, "allow", "10.2.0.0/16", (8080, 8080)),
        entry(100, True, "allow", "10.2.0.0/16", (32768, 65535)),
    ]
    snap = variant(tmp_path, own_nacl("acl-0c1b2c3d4e5f00099", [APP_A, APP_B], entries))
    t = _trace(snap)
    assert t.verdict is Verdict.PARTIAL, t.diagnosis
    b = t.blocked_by
    assert b is not None and b.id == "acl-0c1b2c3d4e5f00099" and b.stage == "return"
    assert "load balancer source ports 1024-32767" in b.detail
    # the record of the failing conversation shows a port the NACL drops, REJECTed on the target
    rejected = [r for r in t.flow_logs if r.action == "REJECT"]
    assert rejected and all(r.interface_id in (APP1_ENI, APP2_ENI) for r in rejected)
    assert all(1024 <= r.dstport < 32768 for r in rejected if r.flow_direction == "egress")


def test_target_nacl_answering_no_load_balancer_port(tmp_path: Path) -> None:
    entries = [entry(100, False, "allow", "10.2.0.0/16", (8080, 8080))]
    snap = variant(tmp_path, own_nacl("acl-0c1b2c3d4e5f00099", [APP_A, APP_B], entries))
    t = _trace(snap)
    assert t.verdict is Verdict.REJECT, t.diagnosis
    assert t.blocked_by is not None and t.blocked_by.stage == "return"


def test_only_healthy_targets_receive_the_connection(tmp_path: Path) -> None:
    # app-2 is unhealthy and unreachable (its SG admits nothing): the flow still works, only app-1 is used
    snap = variant(tmp_path, health((APP2, "unhealthy")))
    t = _trace(snap)
    assert t.verdict is Verdict.ACCEPT
    assert all(h.id != APP2_ENI for h in t.forward.hops)
    assert any("every way" in n and APP2 not in n for n in t.notes)


def test_all_unhealthy_fails_open(tmp_path: Path) -> None:
    snap = variant(tmp_path, health((APP1, "unhealthy"), (APP2, "unhealthy")))
    t = _trace(snap)
    assert t.verdict is Verdict.ACCEPT
    assert any("fails open" in n for n in t.notes)
    assert any("fail-open" in h.detail for h in t.forward.hops)


def test_a_failing_target_makes_the_flow_partial(tmp_path: Path) -> None:
    # app-2's instance sits in a subnet whose NACL drops the ALB: requests sent to it fail
    entries = [entry(100, False, "deny", "10.2.0.0/16")]
    snap = variant(tmp_path, own_nacl("acl-0c1b2c3d4e5f00098", [APP_B], entries))
    t = _trace(snap)
    assert t.verdict is Verdict.PARTIAL, t.diagnosis
    assert t.blocked_by is not None and t.blocked_by.id == "acl-0c1b2c3d4e5f00098"
    assert any(n.startswith("also ACCEPT") for n in t.notes)
    assert not t.forward.delivered  # not every way delivers the request


def test_cross_zone_off_at_the_target_group(tmp_path: Path) -> None:
    snap = variant(tmp_path, tg_attribute("load_balancing.cross_zone.enabled", "false"))
    # node a only reaches app-1 (zone a), node b only app-2: one way per node
    t = Engine(snap).trace(CLIENT, "203.0.113.10", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT
    assert t.forward.hops[-1].id == APP1_ENI
    t = Engine(snap).trace(CLIENT, "203.0.113.11", "tcp", 443)
    assert t.forward.hops[-1].id == APP2_ENI


def test_alb_security_group_refusing_the_client(tmp_path: Path) -> None:
    snap = variant(tmp_path, set_rules(SG_ALB, ingress=[perm("tcp", 443, 443, cidr="10.0.0.0/8")]))
    t = _trace(snap)
    assert t.verdict is Verdict.REJECT
    b = t.blocked_by
    assert b is not None and b.id == SG_ALB and b.direction is not None and b.direction.value == "ingress"
    assert b.connection == "client → load balancer"


def test_the_seed_chain_end_to_end() -> None:
    """internet → ALB 443 → app 8080 → db 5432: each hop of the chain, and the shortcuts AWS forbids."""
    snap = load_snapshot(EXAMPLE)
    e = Engine(snap)
    assert e.trace(CLIENT, "my-alb", "tcp", 443).verdict is Verdict.ACCEPT
    assert e.trace("app-1", "db-1", "tcp", 5432).verdict is Verdict.ACCEPT
    assert e.trace("my-alb", "app-1", "tcp", 8080).verdict is Verdict.ACCEPT  # the ALB as a source
    assert e.trace("my-alb", "db-1", "tcp", 5432).verdict is Verdict.REJECT
    assert e.trace(CLIENT, "app-1", "tcp", 8080).verdict is Verdict.REJECT  # no public address
    assert e.trace("my-alb", "app-1", "tcp", 8080).client_ports.lo == 1024  # REMAP_EPHEMERAL_PORT


@pytest.mark.parametrize("node", [NODE_A, NODE_B])
def test_node_interfaces_resolve_to_the_load_balancer(node: str) -> None:
    t = Engine(load_snapshot(EXAMPLE)).trace(CLIENT, node, "tcp", 443)
    assert t.verdict is Verdict.ACCEPT
    assert t.destination.eni_id == node
