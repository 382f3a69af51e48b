"""The audit on Terraform plans, HCL and CloudFormation: the same network written three ways gives the
same findings, and every Checkov 3.3.30 miss and false alarm of ../shared/audit.md has a case where
vpcflow is right (what Checkov gets right stays right).
Skipped when the IaC loader or the corpus is absent."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("vpcflow.sources.iac", reason="the Terraform/CloudFormation loader is not installed")

from vpcflow.audit import AuditReport, audit
from vpcflow.sources import load_with_report

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "iac"
_UP = Path(__file__).resolve().parents
EXT = next(
    (p / "shared" / "data" / "ext-iac" for p in _UP[2:4] if (p / "shared" / "data" / "ext-iac").is_dir()),
    None,
)
needs_ext = pytest.mark.skipif(EXT is None, reason="../shared/data/ext-iac is absent")


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


def _shape(report: AuditReport) -> Counter[tuple[Any, ...]]:
    return Counter(
        (
            f.check.id,
            f.control_ids,
            f.resource.type,
            f.level.label,
            f.reachable,
            tuple(sorted(f.detail.get("ports", {}).items())),
            f.detail.get("ip_version"),
        )
        for f in report.findings
    )


def test_same_network_as_describe_json_plan_and_template_gives_the_same_findings() -> None:
    describe = _audit(FIXTURES / "network-describe")
    plan = _audit(FIXTURES / "network.tfplan.json")
    template = _audit(FIXTURES / "network.cfn.yaml")
    assert _shape(describe) == _shape(plan) == _shape(template)
    assert describe.findings and {f.check.id for f in describe.findings} >= {"EC2.2", "EC2.21"}
    # IaC findings point at the declaration
    assert all(f.rule_locations or f.resource.location for f in plan.findings)
    assert {(f.resource.location or f.rule_locations[0]).file for f in template.findings} == {
        str(FIXTURES / "network.cfn.yaml")
    }


# -- what Checkov misses -------------------------------------------------------------------------------


@needs_ext
def test_standalone_rules_with_null_prefix_lists() -> None:
    # test_issue-190: aws_security_group_rule 22 from 0.0.0.0/0, onto the group a module outputs
    assert ("module.mysg.aws_security_group.alb", "EC2.13") in _pairs(
        _ext("terraform-compliance/tfplan/test_issue-190.tfplan.json")
    )
    # test_issue_400: standalone rules 0-22, 0-3389 and 0-65535 from the world onto sg-123456 (a group
    # the plan does not declare: named by the first rule that names it); inline 443-3389 on
    # example_group_3389; example_group admits 443 only; example_group_22's 443-22 is refused by AWS
    got = _pairs(_ext("terraform-compliance/tfplan/test_issue_400.tfplan.json"))
    assert {
        ("aws_security_group_rule.example_rule", "EC2.13"),
        ("aws_security_group_rule.example_rule", "EC2.14"),
        ("aws_security_group.example_group_3389", "EC2.14"),
    } <= got
    assert not {c for r, c in got if r == "aws_security_group.example_group"} & {"EC2.13", "EC2.14"}
    assert not {c for r, c in got if r == "aws_security_group.example_group_22"} & {"EC2.13", "EC2.14"}


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
def test_cloudformation_protocol_minus_one_without_ports() -> None:
    report = _ext("aws-cloudformation-templates/cfn/ECS/EC2LaunchType/clusters/public-vpc.yaml")
    (f,) = _by(report, "PublicLoadBalancerSG", "EC2.13")
    # the group is the ALB's: whether the internet reaches port 22 through it is not modelled
    assert f.reachable is None and f.level.label == "high"


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
