"""Terraform HCL files (``*.tf`` or a folder of them) → a snapshot as far as their literal values go; what
cannot be evaluated is reported. Every HCL folder of ``../shared/data/ext-iac`` loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcflow.errors import SnapshotError
from vpcflow.model import TCP, PortRange, RuleAction
from vpcflow.sources import load_snapshot
from vpcflow.sources.terraform.hcl_eval import NotEvaluable, evaluate

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ext-iac"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared IaC corpus not present at {DATA}")


def _folders() -> list[Path]:
    return sorted({p.parent for p in DATA.rglob("*.tf")}) if DATA.is_dir() else []


def _files() -> list[Path]:
    return sorted(DATA.rglob("*.tf")) if DATA.is_dir() else []


def test_module_with_count_variables_and_locals(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(
        'variable "ports" { default = [22, 3389] }\nvariable "cidr" { default = "10.4.0.0/16" }\n'
    )
    (tmp_path / "main.tf").write_text(
        """
locals { world = "0.0.0.0/0" }
resource "aws_vpc" "main" { cidr_block = var.cidr }
resource "aws_subnet" "a" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(var.cidr, 8, count.index)
  map_public_ip_on_launch = true
}
resource "aws_security_group" "admin" {
  vpc_id = aws_vpc.main.id
  name   = "admin"
}
resource "aws_security_group_rule" "open" {
  count             = length(var.ports)
  type              = "ingress"
  security_group_id = aws_security_group.admin.id
  from_port         = var.ports[count.index]
  to_port           = var.ports[count.index]
  protocol          = "tcp"
  cidr_blocks       = [local.world]
}
resource "aws_network_acl" "n" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.a[1].id]
}
resource "aws_network_acl_rule" "r" {
  count          = 2
  network_acl_id = aws_network_acl.n.id
  rule_number    = count.index + 101
  protocol       = "all"
  rule_action    = count.index == 0 ? "deny" : "allow"
  cidr_block     = local.world
}
module "other" { source = "./other" }
"""
    )
    s = load_snapshot(tmp_path)
    assert sorted(str(x.cidr_v4) for x in s.subnets.values()) == ["10.4.0.0/24", "10.4.1.0/24"]
    assert {x.vpc_id for x in s.subnets.values()} == {"vpc-main"}
    admin = s.security_groups["sg-admin"]
    assert sorted((r.ports, str(r.peer)) for r in admin.ingress) == [
        (PortRange(22, 22), "0.0.0.0/0"),
        (PortRange(3389, 3389), "0.0.0.0/0"),
    ]
    acl = s.network_acls["acl-n"]
    # the entries' action is a conditional HCL alone cannot evaluate: reported, never guessed
    assert [e.rule_number for e in acl.ingress] == [32767]
    said = [w.source or "" for w in s.warnings if w.code == "UNRESOLVED_REFERENCE"]
    assert any("aws_network_acl_rule.r[0]" in x for x in said) and any(
        "aws_network_acl_rule.r[1]" in x for x in said
    )
    assert acl.subnet_ids == frozenset({"subnet-a.1"})
    assert any(w.code == "NOT_MODELLED" and "module.other" in w.message for w in s.warnings)
    o = s.origins["sg-admin"]
    assert (o.kind, o.address, Path(o.file or "").name, o.line) == (
        "terraform-hcl",
        "aws_security_group.admin",
        "main.tf",
        10,
    )


def test_bad_hcl_is_one_line_with_its_place(tmp_path: Path) -> None:
    bad = tmp_path / "main.tf"
    bad.write_text('resource "aws_vpc" "x" {\n  cidr_block = \n}\n')
    with pytest.raises(SnapshotError) as err:
        load_snapshot(bad)
    assert str(bad) in str(err.value) and "invalid HCL" in str(err.value) and "\n" not in str(err.value)


def test_expression_evaluator_is_a_whitelist() -> None:
    assert evaluate("count.index + 101", {"count.index": 2}) == 103
    assert evaluate('cidrsubnet("10.0.0.0/16", 8, 3)', {}) == "10.0.3.0/24"
    for expr in ("aws_vpc.main.id", "__import__('os')", "open('x')", "var.nope"):
        with pytest.raises(NotEvaluable):
            evaluate(expr, {"var.x": 1})


@needs_data
@pytest.mark.parametrize("path", _folders(), ids=lambda p: p.name)
def test_every_hcl_folder_loads(path: Path) -> None:
    s = load_snapshot(path)
    assert s.security_groups or s.network_acls or s.vpcs or s.warnings  # routes into undeclared tables: said
    for origin in s.origins.values():
        assert origin.kind == "terraform-hcl" and origin.file and origin.file.startswith(str(path))


@needs_data
@pytest.mark.parametrize("path", _files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_hcl_file_loads_alone(path: Path) -> None:
    load_snapshot(path)


@needs_data
def test_checkov_fixtures_read_as_aws_would() -> None:
    s = load_snapshot(DATA / "checkov/tf/SecurityGroupUnrestrictedIngress22")
    # standalone rules whose group is declared elsewhere keep their rules in a group made from the reference
    example = s.security_groups["sg-example"]
    assert (TCP, PortRange(22, 22), "0.0.0.0/0") in [
        (r.protocol, r.ports, str(r.peer)) for r in example.ingress
    ]
    assert any(w.code == "PARTIAL_GROUP" and w.resource_id == "sg-example" for w in s.warnings)
    acls = load_snapshot(DATA / "checkov/tf/NetworkACLUnrestrictedIngress3389").network_acls
    fail4 = next(a for a in acls.values() if a.acl_id == "acl-fail4")
    assert [(e.rule_number, e.action) for e in fail4.ingress][:3] == [
        (10, RuleAction.ALLOW),
        (20, RuleAction.DENY),
        (30, RuleAction.DENY),
    ]
    graph = load_snapshot(DATA / "checkov/tf-graph/SGAttachedToResource")
    assert len(graph.group_attachers) > 30  # load balancers, RDS, Lambda, EKS, ... mark their groups used
