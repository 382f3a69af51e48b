"""Load balancers and their target groups as endpoints of reach, policy check and diff; REJECTs on a
load balancer's node or target attributed through it; simulated flow logs with both connections of a
proxied flow. All on ``examples/alb-waf`` (internet → ALB 443 → app 8080 → db 5432) and its variants.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from lb_fixtures import EXAMPLE, SG_ALB, SG_APP, perm, set_rules, variant
from vpcflow.engine import Engine, Verdict
from vpcflow.errors import QueryError
from vpcflow.flowlogs.explain import Explainer
from vpcflow.model import Address
from vpcflow.reach import Flow, Reachability
from vpcflow.sources import load_snapshot

VPCFLOW = Path(sys.executable).with_name("vpcflow")
POLICY = EXAMPLE.parent / "policies" / "alb-waf.yaml"
PROFILE = EXAMPLE.parent / "profiles" / "alb-waf.yaml"
NODES = ("10.2.0.10", "10.2.1.10")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VPCFLOW), *args], capture_output=True, text=True, timeout=300, check=False)


def test_reach_to_the_load_balancer_goes_through_it() -> None:
    snap = load_snapshot(EXAMPLE)
    r = Reachability(snap)
    res = r.reach("internet", "my-alb", "tcp", "443,8080")
    node = Address.parse("203.0.113.10")
    ok = Flow(Address.parse("8.8.8.8"), node, 6, 40000, 443)
    assert ok in res.bidirectional
    assert Flow(Address.parse("198.51.100.7"), node, 6, 40000, 443) not in res.forward  # the web ACL
    assert Flow(Address.parse("8.8.8.8"), node, 6, 40000, 8080) not in res.forward  # no listener/SG
    # and the verdict is the trace's
    t = Engine(snap).trace("8.8.8.8", "203.0.113.10", "tcp", 443, src_port=40000)
    assert t.verdict is Verdict.ACCEPT


def test_only_the_alb_reaches_the_app_tier() -> None:
    r = Reachability(load_snapshot(EXAMPLE))
    res = r.reach("anywhere", "app-tg", "tcp", "8080")
    senders = {str(w.src) for kind, _s, w, _b in res.classes() if kind == "bidirectional" and w is not None}
    assert senders and senders <= set(NODES)
    assert not r.reach("internet", "app-tg").forward


def test_target_group_and_load_balancer_names_resolve() -> None:
    r = Reachability(load_snapshot(EXAMPLE))
    assert {m.eni.eni_id for m in r.endpoints.resolve("app-tg").members} == {
        "eni-0c1b2c3d4e5f00043",
        "eni-0c1b2c3d4e5f00044",
    }
    lb = r.endpoints.resolve("my-alb-1234567890.us-east-1.elb.amazonaws.com")
    assert {str(m.eni.primary_ip) for m in lb.members} == set(NODES)
    with pytest.raises(QueryError, match="unknown endpoint"):
        r.endpoints.resolve("no-such-alb")


def test_policy_check_of_the_chain() -> None:
    proc = _run("policy", "check", str(EXAMPLE), str(POLICY))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all 5 passed" in proc.stdout
    assert "only the ALB reaches the app tier, only on tcp/8080" in proc.stdout


def test_policy_check_fails_when_the_app_admits_the_internet(tmp_path: Path) -> None:
    # app-1 and app-2 get public addresses and admit 8080 from anywhere: "only the ALB" is broken
    def public_app(docs: dict) -> None:  # type: ignore[type-arg]
        for eni in docs["NetworkInterfaces.json"]["NetworkInterfaces"]:
            if eni["NetworkInterfaceId"] == "eni-0c1b2c3d4e5f00043":
                assoc = {"PublicIp": "203.0.113.50", "IpOwnerId": "amazon"}
                eni["Association"] = assoc
                eni["PrivateIpAddresses"][0]["Association"] = assoc
        for rtb in docs["RouteTables.json"]["RouteTables"]:
            if rtb["RouteTableId"] == "rtb-0c1b2c3d4e5f00072":
                rtb["Routes"].append(
                    {
                        "DestinationCidrBlock": "0.0.0.0/0",
                        "GatewayId": "igw-0c1b2c3d4e5f00031",
                        "State": "active",
                    }
                )

    snap_dir = tmp_path / "snap"
    variant(tmp_path, public_app, set_rules(SG_APP, ingress=[perm("tcp", 8080, 8080, cidr="0.0.0.0/0")]))
    proc = _run("policy", "check", str(snap_dir), str(POLICY))
    assert proc.returncode == 1
    assert "FAIL  the internet never reaches the app tier directly" in proc.stdout
    assert "FAIL  only the ALB reaches the app tier" in proc.stdout


def test_diff_names_what_the_alb_lost(tmp_path: Path) -> None:
    variant(tmp_path, set_rules(SG_ALB, egress=[]))
    proc = _run("diff", str(EXAMPLE), str(tmp_path / "snap"), "--src", "internet", "--dst", "my-alb",
                "-p", "tcp", "--port", "443")  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "LOST" in proc.stdout and SG_ALB in proc.stdout and "egress" in proc.stdout


def test_rejects_on_a_target_and_a_node_are_attributed_through_the_alb(tmp_path: Path) -> None:
    snap = variant(tmp_path, set_rules(SG_APP, ingress=[perm("tcp", 8080, 8080, cidr="198.51.100.0/24")]))
    x = Explainer(snap)
    at_target = x.explain(("eni-0c1b2c3d4e5f00043", "10.2.0.10", "10.2.10.10", 40000, 8080, 6))
    assert at_target.status == "explained" and at_target.component_id == SG_APP
    assert "sent by load balancer my-alb" in at_target.detail
    blocked = variant(tmp_path, set_rules(SG_ALB, ingress=[perm("tcp", 443, 443, cidr="10.0.0.0/8")]))
    at_node = Explainer(blocked).explain(
        ("eni-0c1b2c3d4e5f00041", "198.51.100.8", "10.2.0.10", 40000, 443, 6)
    )
    assert at_node.status == "explained" and at_node.component_id == SG_ALB
    assert "sent to load balancer my-alb" in at_node.detail


def test_simulated_logs_show_both_connections_on_every_way(tmp_path: Path) -> None:
    out = tmp_path / "logs"
    proc = _run("simulate", str(EXAMPLE), "--profile", str(PROFILE), "-o", str(out), "--duration", "10m")
    assert proc.returncode == 0, proc.stderr
    lines = [
        ln.split()
        for f in sorted(out.rglob("*.log.gz"))
        for ln in gzip.decompress(f.read_bytes()).decode().splitlines()[1:]
    ]
    ok = [ln for ln in lines if ln[-1] == "OK"]
    by_eni: dict[str, list[list[str]]] = {}
    for ln in ok:
        by_eni.setdefault(ln[2], []).append(ln)
    # both nodes and both targets carry traffic (DNS and the load balancer spread it)
    for eni in (
        "eni-0c1b2c3d4e5f00041",
        "eni-0c1b2c3d4e5f00042",
        "eni-0c1b2c3d4e5f00043",
        "eni-0c1b2c3d4e5f00044",
    ):
        assert by_eni.get(eni), eni
    node = by_eni["eni-0c1b2c3d4e5f00041"]
    client_side = [ln for ln in node if ln[6] == "443" or ln[5] == "443"]
    target_side = [ln for ln in node if "8080" in (ln[5], ln[6])]
    assert client_side and target_side
    # the node's own connection: from its private address, from 1024-65535, to the target's port
    for ln in target_side:
        if ln[6] == "8080":
            assert ln[3] == "10.2.0.10" and 1024 <= int(ln[5]) <= 65535
    # the listed scanner's requests reach the node (the web ACL answers them) and go no further
    scanner = [ln for ln in ok if ln[3] == "198.51.100.7"]
    assert scanner and all(ln[2] in ("eni-0c1b2c3d4e5f00041", "eni-0c1b2c3d4e5f00042") for ln in scanner)
