"""The audit on Terraform plans, HCL and CloudFormation: the same network written three ways gives the
same findings, and every Checkov 3.3.30 miss and false alarm of ../shared/audit.md has a case where
vpcflow is right (what Checkov gets right stays right).
Tests reading ../shared/data/ext-iac skip when it is absent."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from iac_canon import names
from vpcflow.audit import AuditReport, Severity, audit
from vpcflow.model import Snapshot
from vpcflow.sources import load_with_report

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "iac"
_UP = Path(__file__).resolve().parents
EXT = next(
    (p / "shared" / "data" / "ext-iac" for p in _UP[2:4] if (p / "shared" / "data" / "ext-iac").is_dir()),
    None,
)
needs_ext = pytest.mark.skipif(EXT is None, reason="../shared/data/ext-iac is absent")
ROOT = HERE.parent
VPCFLOW = Path(sys.executable).parent / "vpcflow"


def vpcflow(*args: str) -> subprocess.CompletedProcess[str]:
    if not VPCFLOW.exists():
        pytest.skip(f"console script not installed at {VPCFLOW}")
    return subprocess.run(
        [str(VPCFLOW), *args], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )


def _audit(path: Path) -> AuditReport:
    loaded = load_with_report(path)
    return audit(loaded.snapshot, snapshot_path=str(path), files=loaded.files)


def _ext(rel: str) -> AuditReport:
    assert EXT is not None
    return _audit(EXT / rel)


def _pairs(report: AuditReport) -> set[tuple[str, str]]:
    return {(f.resource.name, c) for f in report.active for c in f.control_ids}


def _by(report: AuditReport, resource: str, check: str) -> list[Any]:
    return [f for f in report.active if f.resource.name == resource and f.check.id == check]


# -- one network, three sources ----------------------------------------------------------------------


def _canon(report: AuditReport, snapshot: Snapshot) -> Counter[tuple[Any, ...]]:
    """Each finding by the resource's role in the network (ids differ between sources), its check and
    controls, severity, reachability and the ports and family it is about."""
    n = names(snapshot)
    return Counter(
        (
            n.get(f.resource.id, f.resource.id),
            f.check.id,
            f.control_ids,
            f.level.label,
            f.reachable,
            tuple(sorted(f.detail.get("ports", {}).items())),
            f.detail.get("ip_version"),
        )
        for f in report.findings
    )


def _three(network: str) -> list[tuple[AuditReport, Snapshot]]:
    out = []
    for src in (f"{network}-describe", f"{network}.tfplan.json", f"{network}.cfn.yaml"):
        loaded = load_with_report(FIXTURES / src)
        known = any("FlowLogs" in sc.items for sc in loaded.scopes) or None
        report = audit(
            loaded.snapshot, snapshot_path=str(FIXTURES / src), files=loaded.files, flow_logs_known=known
        )
        out.append((report, loaded.snapshot))
    return out


@pytest.mark.parametrize("network", ["network", "exposures"])
def test_same_network_as_describe_json_plan_and_template_gives_the_same_findings(network: str) -> None:
    (describe, d), (plan, p), (template, t) = _three(network)
    assert _canon(describe, d) == _canon(plan, p) == _canon(template, t)
    assert describe.findings and {f.check.id for f in describe.findings} >= {"EC2.2", "EC2.21"}
    # IaC findings point at the declaration
    assert all(f.rule_locations or f.resource.location for f in plan.findings)
    assert {(f.resource.location or f.rule_locations[0]).file for f in template.findings} == {
        str(FIXTURES / f"{network}.cfn.yaml")
    }


def _exposures() -> list[tuple[AuditReport, dict[str, str]]]:
    return [(r, names(s)) for r, s in _three("exposures")]


def _named(report: AuditReport, n: dict[str, str]) -> dict[tuple[str, str], list[Any]]:
    out: dict[tuple[str, str], list[Any]] = {}
    for f in report.active:
        for c in f.control_ids:
            out.setdefault((n.get(f.resource.id, f.resource.id), c), []).append(f)
    return out


def test_exposures_every_control_exactly() -> None:
    """The (resource, control) pairs of the exposures network, worked out from the control texts."""
    sg_world_22 = {"EC2.13", "EC2.18", "EC2.19", "EC2.53", "CIS 5.2", "CIS v5.0 5.3"}
    v4_all = sg_world_22 | {"EC2.14"}
    expected = (
        {("sg:bastion", c) for c in sg_world_22}  # 22 from 0.0.0.0/0 (self beside it masks nothing)
        | {("sg:app", c) for c in v4_all | {"EC2.54", "CIS 5.3", "CIS v5.0 5.4"}}
        | {("sg:legacy", c) for c in v4_all - {"EC2.13"} | {"EC2.22"}}  # 3389 only, attached to nothing
        | {("sg:default", c) for c in ("EC2.2", "CIS 5.4", "CIS v5.0 5.5")}  # AWS's initial rules
        | {(a, c) for a in ("acl:default", "acl:guard") for c in ("EC2.21", "CIS 5.1", "CIS v5.0 5.2")}
        | {
            ("acl:spare", "EC2.16"),
            ("vpc:edge", "EC2.6"),
            ("vpc:edge", "CIS 3.7"),
            ("vpc:edge", "CIS v5.0 3.7"),
        }
    )
    for report, n in _exposures():
        got = {k for k in _named(report, n) if not k[1].startswith("VPCFLOW-")}
        assert got == expected, report.source


# -- what Checkov misses -------------------------------------------------------------------------------


def test_exposures_what_checkov_misses() -> None:
    for report, n in _exposures():
        got = _named(report, n)
        # aws_security_group_rule with prefix_list_ids null / a standalone SecurityGroupIngress
        assert ("sg:legacy", "EC2.14") in got
        # protocol -1 (ip_protocol "-1", IpProtocol -1 as a number) on 0.0.0.0/1 + 128.0.0.0/1: the world
        (f,) = [f for f in got[("sg:app", "EC2.13")] if f.detail["ip_version"] == 4]
        assert len(f.rules) == 2 and f.detail["ports"] == {"tcp": "22", "udp": "22"}
        # cidr_ipv6 "::/0" (new-style rule), CidrIpv6 "0000::/0" (template)
        (f,) = got[("sg:app", "EC2.54")]
        assert f.detail == {"ip_version": 6, "ports": {"tcp": "3389"}}
        # self = true beside 0.0.0.0/0 in the same block (checkov#6073), reachable: the bastion is public
        (f,) = got[("sg:bastion", "EC2.13")]
        assert f.reachable is True and f.witness is not None and f.witness.dst_port == 22
        # NACL protocol "all" (Terraform) / -1 (template) admits 3389 from the world
        (f,) = got[("acl:guard", "EC2.21")]
        assert f.detail["ports"] == {"tcp": "3389", "udp": "3389"}


def test_exposures_what_checkov_flags_that_is_not_reachable() -> None:
    for report, n in _exposures():
        got = _named(report, n)
        # a group attached to nothing
        legacy = [f for (r, _c), fs in got.items() if r == "sg:legacy" for f in fs if f.check.exposure]
        assert legacy and all(
            f.reachable is False and "attached to nothing" in (f.reason or "") for f in legacy
        )
        # an instance in a subnet with no route to the internet gateway and no public address
        app = [f for (r, _c), fs in got.items() if r == "sg:app" for f in fs if f.check.exposure]
        assert app and all(f.reachable is False and f.level <= Severity.HIGH for f in app)
        # the NACL's 22 is denied by lower-numbered entries written as separate resources (checkov#4518)
        assert all("22" not in f.detail["ports"]["tcp"] for f in got[("acl:guard", "EC2.21")])
        # egress to the world (CKV_AWS_382) is AWS's default, never a finding
        assert all(r.direction.value == "ingress" for f in report.active for r in f.rules if f.check.exposure)


def test_exposures_trace_command_replays_the_witness() -> None:
    """The trace command of a reachable finding, run through the installed command, says ACCEPT."""
    for report, _n in _exposures():
        (f,) = [f for f in report.active if f.check.id == "EC2.13" and f.reachable]
        assert f.trace_command is not None
        args = shlex.split(f.trace_command)
        assert args[0] == "vpcflow"
        run = vpcflow(*args[1:], "--format", "json")
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["verdict"] == "ACCEPT"


# -- what Checkov misses -------------------------------------------------------------------------------


@needs_ext
def test_standalone_rules_with_null_prefix_lists() -> None:
    # test_issue-190: aws_security_group_rule 22 from 0.0.0.0/0, onto the group a module outputs
    assert ("module.mysg.aws_security_group.alb", "EC2.13") in _pairs(
        _ext("terraform-compliance/tfplan/test_issue-190.tfplan.json")
    )
    # test_issue_400: standalone rules 0-22, 0-3389 and 0-65535 from the world onto sg-123456, a group
    # the plan names by its literal id only: its findings are its own, their reachability unknown
    report = _ext("terraform-compliance/tfplan/test_issue_400.tfplan.json")
    got = _pairs(report)
    assert {("sg-123456", c) for c in ("EC2.13", "EC2.14", "EC2.18", "EC2.19", "EC2.53")} <= got
    assert ("aws_security_group.example_group_3389", "EC2.14") in got  # inline 443-3389
    mine = [f for f in report.active if f.resource.id == "sg-123456" and f.check.exposure]
    assert mine and all(f.reachable is None for f in mine)
    # ... and it is not called unused: what it is attached to lives outside the plan
    assert ("sg-123456", "EC2.22") not in got
    assert any(ne["check"] == "EC2.22" and ne["resources"] == ["sg-123456"] for ne in report.not_evaluated)
    # inline 443-22 is refused by AWS (from_port above to_port): reported, not judged
    assert not {c for r, c in got if r == "aws_security_group.example_group_22"} - {"EC2.22"}
    assert any(w.code == "INVALID_RULE" and "example_group_22" in w.message for w in report.warnings)
    # example_group opens 443 only
    assert not {c for r, c in got if r == "aws_security_group.example_group"} & {"EC2.13", "EC2.14"}


@needs_ext
def test_standalone_full_range_and_groups_attached_to_nothing() -> None:
    # test_issue-554: a standalone 0-65535 from the world onto sg-123456 (Checkov passes it), and
    # allow_tls (inline 1-3000, which Checkov flags) attached to nothing
    report = _ext("terraform-compliance/tfplan/test_issue-554.tfplan.json")
    got = _pairs(report)
    assert {("sg-123456", c) for c in ("EC2.13", "EC2.14", "EC2.18", "EC2.19", "EC2.53")} <= got
    tls = [f for f in report.active if f.resource.name == "aws_security_group.allow_tls" and f.check.exposure]
    assert tls and all(f.reachable is False and "attached to nothing" in (f.reason or "") for f in tls)
    # test_issue-181: 53 from the world is EC2.18 only, on groups attached to nothing
    report = _ext("terraform-compliance/tfplan/test_issue-181_sg_with_comma_separated.tfplan.json")
    exposures = [f for f in report.active if f.check.exposure]
    assert {f.check.id for f in exposures} == {"EC2.18"}
    assert all(f.reachable is False for f in exposures)
    # test_multiple_failures: port 80 from the world is authorized (EC2.18's default 80, 443): the
    # groups are only unused
    report = _ext("terraform-compliance/tfplan/test_multiple_failures.tfplan.json")
    assert {f.check.id for f in report.active if f.check.id.startswith("EC2.")} == {"EC2.22"}


@needs_ext
def test_other_high_risk_ports() -> None:
    # test_issue-127: 8080 from the world passes every Checkov network check; EC2.19 names it
    got = _pairs(_ext("terraform-compliance/tfplan/test_issue-127.tfplan.json"))
    assert ("aws_security_group.instance", "EC2.19") in got and (
        "aws_security_group.instance",
        "EC2.13",
    ) not in got


@needs_ext
def test_ipv6_world_written_0000() -> None:
    report = _ext("cfn_nag/cfn/json-security_group/ip6_security_groups_open_to_world.json")
    assert {("InstanceSecurityGroup2", c) for c in ("EC2.13", "EC2.54", "CIS 5.3")} <= _pairs(report)


@needs_ext
@pytest.mark.parametrize(
    "launch", ["EC2LaunchType/clusters/public-vpc", "FargateLaunchType/clusters/private-vpc"]
)
def test_cloudformation_protocol_minus_one_without_ports(launch: str) -> None:
    report = _ext(f"aws-cloudformation-templates/cfn/ECS/{launch}.yaml")
    (f,) = _by(report, "PublicLoadBalancerSG", "EC2.13")
    # the group is the ALB's: whether the internet reaches port 22 through it is not modelled
    assert f.reachable is None and f.level.label == "high"
    assert f.detail["ports"] == {"tcp": "22", "udp": "22"}


@needs_ext
def test_cloudformation_nacl_entries_are_checked() -> None:
    report = _ext("aws-cloudformation-templates/cfn/VPC/VPC_With_Managed_NAT_And_Private_Subnet.yaml")
    assert ("PublicNetworkAcl", "EC2.21") in _pairs(report)


@needs_ext
def test_map_public_ip_on_launch_makes_terragoat_web_node_reachable() -> None:
    report = _ext("checkov/tfplan/terragoat.tfplan.json")
    (f,) = _by(report, "aws_security_group.web-node", "EC2.13")
    assert f.reachable is True and f.witness is not None and f.witness.dst_port == 22


# -- what Checkov flags that is not reachable -----------------------------------------------------------


@needs_ext
def test_groups_attached_to_nothing_are_not_reachable() -> None:
    report = _ext("checkov/tfplan/for_each_sgs.tfplan.json")
    exposures = [f for f in report.active if f.check.exposure]
    assert len({f.resource.name for f in exposures}) == 3
    assert all(f.reachable is False and "attached to nothing" in (f.reason or "") for f in exposures)
    assert {f.resource.name for f in report.active if f.check.id == "EC2.22"} == {
        f.resource.name for f in exposures
    }


# -- what Checkov gets right stays right ----------------------------------------------------------------


@needs_ext
def test_inline_range_and_parameter_default() -> None:
    # test_issue-554: an inline 1-3000 from the world includes 22
    assert ("aws_security_group.allow_tls", "EC2.13") in _pairs(
        _ext("terraform-compliance/tfplan/test_issue-554.tfplan.json")
    )
    # SSHLocation's default 192.168.1.0/0 is 0.0.0.0/0 once AWS clears the host bits
    report = _ext("aws-cloudformation-templates/cfn/EC2/EC2InstanceWithSecurityGroupSample.yaml")
    assert ("InstanceSecurityGroup", "EC2.13") in _pairs(report)


def test_sarif_of_a_plan_is_valid_and_points_at_the_plan() -> None:
    """Through the installed command: SARIF 2.1.0 (OASIS schema), results at lines of the plan, the
    source's warnings as tool notifications."""
    jsonschema = pytest.importorskip("jsonschema")
    schemas = (p / "shared" / "data" / "sarif-2.1.0" / "sarif-schema-2.1.0.json" for p in _UP[2:4])
    schema_file = next((f for f in schemas if f.exists()), None)
    if schema_file is None:
        pytest.skip("../shared/data/sarif-2.1.0 is absent")
    plan = "tests/fixtures/iac/exposures.tfplan.json"
    run = vpcflow("audit", plan, "--format", "sarif")
    assert run.returncode == 1, run.stderr
    doc = json.loads(run.stdout)
    jsonschema.validate(doc, json.loads(schema_file.read_text()))
    (sarif_run,) = doc["runs"]
    for res in sarif_run["results"]:
        phys = res["locations"][0]["physicalLocation"]
        assert phys["artifactLocation"]["uri"] == plan and phys["region"]["startLine"] > 1
    notes = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["PLACEHOLDER_ADDRESS"]
