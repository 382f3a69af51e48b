"""Property: random security-group rules and NACL entries written as describe-* JSON, as a Terraform plan
(standalone ``aws_security_group_rule`` / ``aws_network_acl_rule``) and as a CloudFormation template
(standalone ``SecurityGroupIngress``/``Egress``, ``NetworkAclEntry``) load to the same rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcflow.model import Snapshot
from vpcflow.sources import load_snapshot

PROTOCOLS = ("tcp", "udp", "icmp", "-1", "47")


@st.composite
def rule(draw: st.DrawFn) -> dict[str, Any]:
    proto = draw(st.sampled_from(PROTOCOLS))
    v6 = draw(st.booleans())
    prefix = draw(st.integers(0, 128 if v6 else 32))
    cidr = (
        f"2001:db8::/{max(prefix, 32)}" if v6 and prefix else ("::/0" if v6 else f"10.0.0.0/{max(prefix, 8)}")
    )
    if not v6 and prefix == 0:
        cidr = "0.0.0.0/0"
    r: dict[str, Any] = {
        "direction": draw(st.sampled_from(("ingress", "egress"))),
        "protocol": proto,
        "cidr": cidr,
    }
    if proto in ("tcp", "udp"):
        lo = draw(st.integers(0, 65535))
        r["ports"] = (lo, draw(st.integers(lo, 65535)))
    elif proto == "icmp":
        t = draw(st.integers(-1, 40))
        r["ports"] = (t, -1 if t == -1 else draw(st.integers(-1, 15)))
    return r


@st.composite
def entry(draw: st.DrawFn) -> dict[str, Any]:
    e = draw(rule())
    e["action"] = draw(st.sampled_from(("allow", "deny")))
    return e


def describe(rules: list[dict[str, Any]], entries: list[dict[str, Any]]) -> dict[str, Any]:
    perms: dict[str, list[Any]] = {"ingress": [], "egress": []}
    for r in rules:
        p: dict[str, Any] = {"IpProtocol": r["protocol"], "IpRanges": [], "Ipv6Ranges": []}
        if "ports" in r:
            p["FromPort"], p["ToPort"] = r["ports"]
        p["Ipv6Ranges" if ":" in r["cidr"] else "IpRanges"].append(
            {("CidrIpv6" if ":" in r["cidr"] else "CidrIp"): r["cidr"]}
        )
        perms[r["direction"]].append(p)
    acl_entries = []
    for e in entries:
        d: dict[str, Any] = {
            "RuleNumber": e["number"],
            "Egress": e["direction"] == "egress",
            "RuleAction": e["action"],
            "Protocol": {"tcp": "6", "udp": "17", "icmp": "1"}.get(e["protocol"], e["protocol"]),
            ("Ipv6CidrBlock" if ":" in e["cidr"] else "CidrBlock"): e["cidr"],
        }
        if e["protocol"] in ("tcp", "udp"):
            d["PortRange"] = {"From": e["ports"][0], "To": e["ports"][1]}
        elif e["protocol"] == "icmp":
            d["IcmpTypeCode"] = {"Type": e["ports"][0], "Code": e["ports"][1]}
        acl_entries.append(d)
    return {
        "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
        "SecurityGroups": [
            {
                "GroupId": "sg-g",
                "GroupName": "g",
                "VpcId": "vpc-1",
                "IpPermissions": perms["ingress"],
                "IpPermissionsEgress": perms["egress"],
            }
        ],
        "NetworkAcls": [
            {"NetworkAclId": "acl-a", "VpcId": "vpc-1", "IsDefault": False, "Entries": acl_entries}
        ],
    }


def plan(rules: list[dict[str, Any]], entries: list[dict[str, Any]]) -> dict[str, Any]:
    changes: list[dict[str, Any]] = []

    def add(rtype: str, name: str, after: dict[str, Any]) -> None:
        changes.append(
            {
                "address": f"{rtype}.{name}",
                "mode": "managed",
                "type": rtype,
                "name": name,
                "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {}},
            }
        )

    add("aws_vpc", "v", {"id": "vpc-1", "cidr_block": "10.0.0.0/16"})
    add(
        "aws_security_group", "g", {"id": "sg-g", "name": "g", "vpc_id": "vpc-1", "ingress": [], "egress": []}
    )
    add(
        "aws_network_acl",
        "a",
        {"id": "acl-a", "vpc_id": "vpc-1", "ingress": [], "egress": [], "subnet_ids": []},
    )
    for i, r in enumerate(rules):
        lo, hi = r.get("ports", (0, 0))
        v6 = ":" in r["cidr"]
        add(
            "aws_security_group_rule",
            f"r{i}",
            {
                "type": r["direction"],
                "security_group_id": "sg-g",
                "protocol": r["protocol"],
                "from_port": lo,
                "to_port": hi,
                "cidr_blocks": None if v6 else [r["cidr"]],
                "ipv6_cidr_blocks": [r["cidr"]] if v6 else None,
                "prefix_list_ids": None,
                "self": False,
                "source_security_group_id": None,
            },
        )
    for i, e in enumerate(entries):
        lo, hi = e.get("ports", (None, None))
        v6 = ":" in e["cidr"]
        icmp = e["protocol"] == "icmp"
        add(
            "aws_network_acl_rule",
            f"e{i}",
            {
                "network_acl_id": "acl-a",
                "rule_number": e["number"],
                "egress": e["direction"] == "egress",
                "protocol": {"tcp": "6", "udp": "17", "icmp": "1"}.get(e["protocol"], e["protocol"]),
                "rule_action": e["action"],
                "cidr_block": None if v6 else e["cidr"],
                "ipv6_cidr_block": e["cidr"] if v6 else None,
                "from_port": None if icmp else lo,
                "to_port": None if icmp else hi,
                "icmp_type": lo if icmp else None,
                "icmp_code": hi if icmp else None,
            },
        )
    return {"format_version": "1.2", "resource_changes": changes, "planned_values": {"root_module": {}}}


def template(rules: list[dict[str, Any]], entries: list[dict[str, Any]]) -> dict[str, Any]:
    res: dict[str, Any] = {
        "V": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "G": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupName": "g",
                "GroupDescription": "g",
                "VpcId": {"Ref": "V"},
                "SecurityGroupEgress": [],
            },
        },
        "A": {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": {"Ref": "V"}}},
    }
    for i, r in enumerate(rules):
        p: dict[str, Any] = {"GroupId": {"Fn::GetAtt": ["G", "GroupId"]}, "IpProtocol": r["protocol"]}
        if "ports" in r:
            p["FromPort"], p["ToPort"] = r["ports"]
        p["CidrIpv6" if ":" in r["cidr"] else "CidrIp"] = r["cidr"]
        res[f"R{i}"] = {
            "Type": "AWS::EC2::SecurityGroupIngress"
            if r["direction"] == "ingress"
            else "AWS::EC2::SecurityGroupEgress",
            "Properties": p,
        }
    for i, e in enumerate(entries):
        q: dict[str, Any] = {
            "NetworkAclId": {"Ref": "A"},
            "RuleNumber": e["number"],
            "Egress": e["direction"] == "egress",
            "RuleAction": e["action"],
            "Protocol": {"tcp": 6, "udp": 17, "icmp": 1}.get(e["protocol"], e["protocol"]),
            ("Ipv6CidrBlock" if ":" in e["cidr"] else "CidrBlock"): e["cidr"],
        }
        if e["protocol"] in ("tcp", "udp"):
            q["PortRange"] = {"From": e["ports"][0], "To": e["ports"][1]}
        elif e["protocol"] == "icmp":
            q["Icmp"] = {"Type": e["ports"][0], "Code": e["ports"][1]}
        res[f"E{i}"] = {"Type": "AWS::EC2::NetworkAclEntry", "Properties": q}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": res}


def rules_of(s: Snapshot, group: str, acl: str) -> tuple[list[Any], list[Any]]:
    g = s.security_groups[group]
    a = s.network_acls[acl]
    return (
        sorted(
            (r.direction.value, r.protocol, str(r.ports), str(r.icmp), str(r.peer))
            for r in g.ingress + g.egress
        ),
        [
            (
                e.direction.value,
                e.rule_number,
                e.action.value,
                e.protocol,
                str(e.cidr),
                str(e.ports),
                str(e.icmp),
            )
            for e in a.ingress + a.egress
        ],
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rules=st.lists(rule(), max_size=6),
    entries=st.lists(entry(), max_size=6),
    numbers=st.lists(st.integers(1, 32766), min_size=6, max_size=6, unique=True),
)
def test_three_sources_give_the_same_rules(
    tmp_path: Path, rules: list[dict[str, Any]], entries: list[dict[str, Any]], numbers: list[int]
) -> None:
    for e, n in zip(entries, numbers, strict=False):
        e["number"] = n
    paths = {}
    for name, doc in (
        ("describe.json", describe(rules, entries)),
        ("plan.json", plan(rules, entries)),
        ("template.json", template(rules, entries)),
    ):
        path = tmp_path / name
        path.write_text(json.dumps(doc))
        paths[name] = path
    want = rules_of(load_snapshot(paths["describe.json"]), "sg-g", "acl-a")
    assert rules_of(load_snapshot(paths["plan.json"]), "sg-g", "acl-a") == want
    assert rules_of(load_snapshot(paths["template.json"]), "sg-G", "acl-A") == want
