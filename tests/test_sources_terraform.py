"""Terraform plan and state JSON → the same snapshot the describe-* loader builds: unknown values
recovered from the configuration, implicit objects AWS creates, origins, and every public plan of
``../shared/data/ext-iac`` loading with what ``audit.md`` says about it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from iac_canon import canon
from vpcflow.engine import Engine, Verdict
from vpcflow.errors import SnapshotError
from vpcflow.model import ALL_PROTOCOLS, TCP, CidrPeer, GroupPeer, PortRange, RuleAction, rule_key
from vpcflow.sources import load_snapshot, load_with_report

FIXTURES = Path(__file__).parent / "fixtures" / "iac"
PLAN = FIXTURES / "network.tfplan.json"
DESCRIBE = FIXTURES / "network-describe"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ext-iac"
VPCFLOW = shutil.which("vpcflow") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "vpcflow")

needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared IaC corpus not present at {DATA}")


def _plans() -> list[Path]:
    return sorted(DATA.glob("*/tfplan/*.json")) if DATA.is_dir() else []


# -- the hand-written network, two ways --------------------------------------------------------------


def test_plan_gives_the_snapshot_describe_gives() -> None:
    assert canon(load_snapshot(PLAN)) == canon(load_snapshot(DESCRIBE))


def test_implicit_objects_of_a_new_vpc() -> None:
    s = load_snapshot(PLAN)
    default_sg = next(g for g in s.security_groups.values() if g.name == "default")
    # AWS's initial rules: all from the group itself in, all out
    assert [(r.protocol, r.peer) for r in default_sg.ingress] == [
        (ALL_PROTOCOLS, GroupPeer(default_sg.group_id))
    ]
    assert [(r.protocol, str(r.peer)) for r in default_sg.egress] == [(ALL_PROTOCOLS, "0.0.0.0/0")]
    default_acl = next(a for a in s.network_acls.values() if a.is_default)
    assert [(e.rule_number, e.action) for e in default_acl.ingress] == [
        (100, RuleAction.ALLOW),
        (32767, RuleAction.DENY),
    ]
    main = next(r for r in s.route_tables.values() if r.is_main)
    assert [(str(r.destination), r.target.value) for r in main.routes] == [("10.0.0.0/16", "local")]
    assert s.origins[default_sg.group_id].implicit and s.origins[default_sg.group_id].address.startswith(
        "aws_vpc.main"
    )


def test_unknown_ids_follow_the_configuration() -> None:
    s = load_snapshot(PLAN)
    db = s.security_groups["sg-db"]
    # aws_security_group_rule.db_from_web: security_group_id and source both unknown at plan
    assert [(r.ports, r.peer) for r in db.ingress] == [(PortRange(5432, 5432), GroupPeer("sg-web"))]
    assert s.subnets["subnet-private"].vpc_id == "vpc-main"
    assert s.interfaces["eni-web"].group_ids == ("sg-web",)
    private = s.route_tables["rtb-private"]
    assert [(str(r.destination), r.target_id) for r in private.routes][-1] == ("0.0.0.0/0", "nat-nat")
    # the inline route whose gateway_id is unknown: matched to its configuration block by CIDR
    assert any(r.target_id == "igw-gw" for r in s.route_tables["rtb-public"].routes)
    assert s.flow_logs["fl-vpc"].resource_id == "vpc-main" and s.flow_logs["fl-vpc"].traffic_type == "REJECT"


def test_origins_name_address_file_and_line() -> None:
    s = load_snapshot(PLAN)
    o = s.origins["sg-web"]
    assert (o.kind, o.address, o.resource_type, o.file) == (
        "terraform-plan",
        "aws_security_group.web",
        "aws_security_group",
        str(PLAN),
    )
    text = PLAN.read_text().splitlines()
    assert o.line is not None and '"aws_security_group.web"' in text[o.line - 1]
    # a rule declared on its own points at its own resource
    rule = s.security_groups["sg-db"].ingress[0]
    assert s.origins[rule_key(rule)].address == "aws_security_group_rule.db_from_web"
    entry = next(e for e in s.network_acls["acl-private"].ingress if e.rule_number == 90)
    assert s.origins[f"{entry.acl_id}/ingress/90"].address == "aws_network_acl_rule.deny_ssh"
    # a load balancer is not modelled, but its group is in use
    assert s.group_attachers["sg-web"] == ("aws_lb.web",)
    assert s.origins["aws_lb.web"].resource_type == "aws_lb"


def test_public_address_from_the_subnet_and_placeholders_are_said() -> None:
    s = load_snapshot(PLAN)
    assert s.interfaces["eni-web"].public_ips and not s.interfaces["eni-db"].public_ips
    codes = {(w.code, w.resource_id) for w in s.warnings}
    assert ("PLACEHOLDER_ADDRESS", "eni-web") in codes


def _edit(tmp_path: Path, fn: Any) -> Path:
    doc = json.loads(PLAN.read_text())
    fn(doc)
    out = tmp_path / "plan.json"
    out.write_text(json.dumps(doc))
    return out


def test_deleted_and_forgotten_resources_leave(tmp_path: Path) -> None:
    def drop(doc: dict[str, Any]) -> None:
        for rc in doc["resource_changes"]:
            if rc["address"] == "aws_security_group_rule.db_from_web":
                rc["change"]["actions"] = ["delete"]
                rc["change"]["before"], rc["change"]["after"] = rc["change"]["after"], None
            if rc["address"] == "aws_instance.db":
                rc["change"]["actions"] = ["forget"]

    s = load_snapshot(_edit(tmp_path, drop))
    assert s.security_groups["sg-db"].ingress == () and "i-db" not in s.instances


def test_unresolvable_reference_is_reported_not_dropped(tmp_path: Path) -> None:
    def local(doc: dict[str, Any]) -> None:
        for r in doc["configuration"]["root_module"]["resources"]:
            if r["address"] == "aws_security_group_rule.db_from_web":
                r["expressions"]["source_security_group_id"] = {"references": ["local.web_sg"]}

    s = load_snapshot(_edit(tmp_path, local))
    [w] = [w for w in s.warnings if w.code == "UNRESOLVED_REFERENCE"]
    assert (
        "aws_security_group_rule.db_from_web.source_security_group_id" in w.message
        and "local.web_sg" in w.message
    )


def test_unsupported_format_version(tmp_path: Path) -> None:
    path = _edit(tmp_path, lambda d: d.update(format_version="2.0"))
    with pytest.raises(SnapshotError, match=r"unsupported Terraform JSON format_version 2\.0"):
        load_snapshot(path)
    run = subprocess.run([VPCFLOW, "snapshot", "info", str(path)], capture_output=True, text=True)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().count("\n") == 0 and str(path) in run.stderr and "format_version" in run.stderr


def test_bad_value_names_file_address_and_attribute(tmp_path: Path) -> None:
    def bad(doc: dict[str, Any]) -> None:
        for rc in doc["resource_changes"]:
            if rc["address"] == "aws_security_group.web":
                rc["change"]["after"]["ingress"][0]["cidr_blocks"] = ["0.0.0.0/33"]

    path = _edit(tmp_path, bad)
    run = subprocess.run(
        [VPCFLOW, "trace", str(path), "--src", "i-web", "--dst", "i-db", "--port", "5432"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "aws_security_group.web.ingress[0].cidr_blocks[0]" in run.stderr and "0.0.0.0/33" in run.stderr


def test_aws_semantics_of_rule_spellings(tmp_path: Path) -> None:
    def spell(doc: dict[str, Any]) -> None:
        for rc in doc["resource_changes"]:
            if rc["address"] == "aws_security_group.web":
                rc["change"]["after"]["ingress"] = [
                    {
                        "cidr_blocks": ["10.9.0.0/16"],
                        "ipv6_cidr_blocks": ["0000::/0"],
                        "prefix_list_ids": None,
                        "security_groups": None,
                        "self": True,
                        "from_port": 0,
                        "to_port": 0,
                        "protocol": "-1",
                        "description": "",
                    },
                ]
            if rc["address"] == "aws_network_acl.private":
                rc["change"]["after"]["ingress"] = [
                    {
                        "rule_no": 120,
                        "action": "deny",
                        "protocol": "all",
                        "from_port": 0,
                        "to_port": 0,
                        "cidr_block": "0.0.0.0/0",
                        "ipv6_cidr_block": "",
                        "icmp_type": 0,
                        "icmp_code": 0,
                    }
                ]

    s = load_snapshot(_edit(tmp_path, spell))
    web = s.security_groups["sg-web"]
    assert {str(r.peer) for r in web.ingress} == {"10.9.0.0/16", "::/0", "sg-web"}  # self beside the CIDRs
    assert {r.protocol for r in web.ingress} == {ALL_PROTOCOLS}
    acl = s.network_acls["acl-private"]
    assert [(e.rule_number, e.protocol, e.action) for e in acl.ingress][:2] == [
        (90, TCP, RuleAction.DENY),
        (120, ALL_PROTOCOLS, RuleAction.DENY),
    ]


def test_state_json(tmp_path: Path) -> None:
    """``terraform show -json`` of a state: every value known, real ids kept."""
    state = {
        "format_version": "1.0",
        "terraform_version": "1.9.5",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_vpc.a",
                        "mode": "managed",
                        "type": "aws_vpc",
                        "name": "a",
                        "values": {
                            "id": "vpc-0123",
                            "cidr_block": "10.1.0.0/16",
                            "default_security_group_id": "sg-0def",
                            "tags": {"Name": "a"},
                        },
                    },
                    {
                        "address": "aws_security_group.s",
                        "mode": "managed",
                        "type": "aws_security_group",
                        "name": "s",
                        "values": {
                            "id": "sg-0aaa",
                            "name": "s",
                            "vpc_id": "vpc-0123",
                            "description": "d",
                            "ingress": [
                                {
                                    "from_port": 3389,
                                    "to_port": 3389,
                                    "protocol": "tcp",
                                    "cidr_blocks": ["0.0.0.0/0"],
                                    "ipv6_cidr_blocks": [],
                                    "prefix_list_ids": [],
                                    "security_groups": [],
                                    "self": False,
                                    "description": "",
                                }
                            ],
                            "egress": [],
                        },
                    },
                ]
            }
        },
    }
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state, indent=1))
    s = load_snapshot(path)
    assert s.origins["sg-0aaa"].kind == "terraform-state"
    assert [(r.ports, str(r.peer)) for r in s.security_groups["sg-0aaa"].ingress] == [
        (PortRange(3389, 3389), "0.0.0.0/0")
    ]
    assert "vpc-0123" in s.vpcs


# -- the public corpus ------------------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize("path", _plans(), ids=lambda p: p.name)
def test_every_public_plan_loads(path: Path) -> None:
    result = load_with_report(path)
    s = result.snapshot
    assert s.security_groups or s.vpcs
    for key, origin in s.origins.items():
        assert origin.file == str(path) and origin.address, key
    for w in s.warnings:
        assert "$." not in (w.source or ""), w  # every warning is told by its declaration


@needs_data
def test_terragoat_web_host_is_reachable_from_the_internet() -> None:
    s = load_snapshot(DATA / "checkov/tfplan/terragoat.tfplan.json")
    eni = s.interfaces["eni-web_host"]
    assert eni.public_ips, "map_public_ip_on_launch on web_subnet gives web_host a public address"
    rtb = s.route_tables[s.route_table_of_subnet[eni.subnet_id]]
    assert s.origins[rtb.route_table_id].address == "aws_route_table.web_rtb"
    assert any(str(r.destination) == "0.0.0.0/0" and r.target_id == "igw-web_igw" for r in rtb.routes)
    for port in (22, 80):
        assert Engine(s).trace("203.0.113.12", "i-web_host", "tcp", port).verdict is Verdict.ACCEPT
    assert Engine(s).trace("203.0.113.12", "i-web_host", "tcp", 443).verdict is Verdict.REJECT
    # the groups attached only to resources outside the model are still in use
    assert s.group_attachers["sg-web-node"] == ("aws_elb.weblb",)
    assert s.flow_logs["fl-vpcflowlogs"].resource_id == "vpc-web_vpc"


@needs_data
def test_standalone_rule_with_null_prefix_lists_lands_in_its_group() -> None:
    s = load_snapshot(DATA / "terraform-compliance/tfplan/test_issue-190.tfplan.json")
    rules = [r for g in s.security_groups.values() for r in g.ingress]
    hit = [
        r
        for r in rules
        if r.ports == PortRange(22, 22)
        and r.peer == CidrPeer(next(iter([r.peer for r in rules if str(r.peer) == "0.0.0.0/0"])).cidr)
    ]
    assert hit, "rule 22 from 0.0.0.0/0 (prefix_list_ids: null) is in its group"
    assert s.origins[rule_key(hit[0])].resource_type == "aws_security_group_rule"


@needs_data
def test_for_each_module_gives_three_groups() -> None:
    s = load_snapshot(DATA / "checkov/tfplan/for_each_sgs.tfplan.json")
    addresses = sorted(s.origins[g].address for g in s.security_groups)
    assert addresses == [
        f'module.sg["{k}"].aws_security_group.bad'
        for k in ("awful_example", "bad_example", "terrible_example")
    ]
    for g in s.security_groups.values():
        assert [(r.protocol, str(r.peer)) for r in g.ingress] == [(ALL_PROTOCOLS, "0.0.0.0/0")]
        assert g.vpc_id == "vpc-123456abc" and g.egress == ()
        assert not s.group_attachers.get(g.group_id)


@needs_data
def test_community_vpc_module_is_inferred_and_said() -> None:
    """terraform-aws-modules/vpc routes vpc_id through ``local.vpc_id``, which plans do not carry."""
    s = load_snapshot(DATA / "terraform-compliance/tfplan/test_issue-158.tfplan.json")
    assert {sub.vpc_id for sub in s.subnets.values()} == {"vpc-vpc.this.0"}
    inferred = [w for w in s.warnings if w.code == "INFERRED_REFERENCE"]
    assert inferred and all("local.vpc_id" in w.message for w in inferred)
    private = [
        r
        for r in s.route_tables.values()
        if s.origins[r.route_table_id].address.startswith("module.vpc.aws_route_table.private")
    ]
    assert len(private) == 3 and all(any(x.target.value == "nat-gateway" for x in r.routes) for r in private)


@needs_data
def test_rule_aws_refuses_is_warned_and_skipped() -> None:
    s = load_snapshot(DATA / "terraform-compliance/tfplan/test_issue_400.tfplan.json")
    [w] = [w for w in s.warnings if w.code == "INVALID_RULE"]
    assert "from_port 443 is above to_port 22" in w.message


def test_loading_twice_gives_equal_snapshots() -> None:
    a, b = load_snapshot(PLAN), load_snapshot(PLAN)
    assert canon(a) == canon(b) and dict(a.origins) == dict(b.origins)
