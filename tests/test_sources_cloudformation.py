"""CloudFormation templates (YAML with short forms, JSON) → the same snapshot the describe-* loader builds:
parameters and conditions, implicit objects, standalone rules and NACL entries, origins with lines, and
every public template of ``../shared/data/ext-iac`` loading (or, when AWS would refuse it, exit 2 with
one line naming it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from iac_canon import canon
from vpcflow.errors import SnapshotError
from vpcflow.model import (
    ALL_PROTOCOLS,
    TCP,
    WORLD_V6,
    CidrPeer,
    GroupPeer,
    PortRange,
    RuleAction,
    entry_key,
    rule_key,
)
from vpcflow.sources import load_snapshot, load_with_report
from vpcflow.sources.cloudformation.template import load_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "iac"
TEMPLATE = FIXTURES / "network.cfn.yaml"
DESCRIBE = FIXTURES / "network-describe"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ext-iac"
VPCFLOW = shutil.which("vpcflow") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "vpcflow")
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared IaC corpus not present at {DATA}")

# templates AWS would refuse: a literal that is not a CIDR
REFUSED = {
    "non_32_cidr_standalone_ingress.json": "CidrIp",
    "ec2_networkaclentry_protocol_icmpv6.yml": "Ipv6CidrBlock",
    "ec2_networkaclentry_protocol_icmpv6_missing_icmp.yml": "Ipv6CidrBlock",
    "bad_cidr.json": "not a CloudFormation template",
}


def _templates() -> list[Path]:
    if not DATA.is_dir():
        return []
    return sorted(p for p in DATA.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and "cfn" in p.parts)


def test_template_gives_the_snapshot_describe_gives() -> None:
    assert canon(load_snapshot(TEMPLATE)) == canon(load_snapshot(DESCRIBE))


def test_json_template_is_the_same(tmp_path: Path) -> None:
    doc, _lines = load_yaml(TEMPLATE.read_text(), str(TEMPLATE))
    path = tmp_path / "network.json"
    path.write_text(json.dumps(doc, indent=2))
    s = load_snapshot(path)
    assert canon(s) == canon(load_snapshot(TEMPLATE))
    line = s.origins["sg-WebSG"].line
    assert line is not None and '"WebSG"' in path.read_text().splitlines()[line - 1]


def test_origins_are_logical_ids_with_lines() -> None:
    s = load_snapshot(TEMPLATE)
    text = TEMPLATE.read_text().splitlines()
    o = s.origins["sg-WebSG"]
    assert (o.kind, o.address, o.resource_type) == ("cloudformation", "WebSG", "AWS::EC2::SecurityGroup")
    assert o.line is not None and text[o.line - 1].strip() == "WebSG:"
    db = s.security_groups["sg-DbSG"]
    assert s.origins[rule_key(db.ingress[0])].address == "DbFromWeb"
    deny = next(e for e in s.network_acls["acl-PrivateAcl"].ingress if e.rule_number == 90)
    assert s.origins[entry_key(deny)].address == "DenySsh"
    assert s.group_attachers["sg-WebSG"] == ("WebLoadBalancer",)


def test_default_egress_and_its_replacement() -> None:
    """A group declared without egress gets AWS's allow-all rule; the first standalone egress replaces it."""
    s = load_snapshot(TEMPLATE)
    web, db = s.security_groups["sg-WebSG"], s.security_groups["sg-DbSG"]
    assert [(r.protocol, str(r.peer)) for r in web.egress] == [(ALL_PROTOCOLS, "0.0.0.0/0")]
    assert [(r.protocol, r.ports, str(r.peer)) for r in db.egress] == [
        (TCP, PortRange(1024, 65535), "10.0.0.0/16")
    ]
    assert [(r.ports, r.peer) for r in db.ingress] == [(PortRange(5432, 5432), GroupPeer("sg-WebSG"))]


def test_parameters_and_conditions() -> None:
    s = load_snapshot(TEMPLATE, {"OfficeCidr": "198.51.100.0/24", "LogRejects": "false"})
    assert "198.51.100.0/24" in {str(r.peer) for r in s.security_groups["sg-WebSG"].ingress}
    assert not s.flow_logs  # the flow log's Condition is false: not created
    with pytest.raises(SnapshotError, match="--parameter Nope: the template declares no such parameter"):
        load_snapshot(TEMPLATE, {"Nope": "1"})
    with pytest.raises(SnapshotError, match="CloudFormation templates only"):
        load_snapshot(FIXTURES / "network.tfplan.json", {"OfficeCidr": "1.2.3.4/32"})


def _template(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(body)
    return path


def test_unresolvable_values_are_reported_with_property_path(tmp_path: Path) -> None:
    path = _template(
        tmp_path,
        """
Parameters:
  Vpc: {Type: "AWS::EC2::VPC::Id"}
Resources:
  SG:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: x
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !ImportValue office-cidr}
        - {IpProtocol: -1, CidrIpv6: "0000::/0"}
""",
    )
    s = load_snapshot(path)
    codes = [(w.code, w.message) for w in s.warnings if w.code == "UNRESOLVED_REFERENCE"]
    assert any("SG.Properties.VpcId" in m and "no Default" in m for _c, m in codes)
    assert any("SG.Properties.SecurityGroupIngress[0].CidrIp" in m and "ImportValue" in m for _c, m in codes)
    sg = s.security_groups["sg-SG"]
    # IpProtocol -1 is every protocol and port; 0000::/0 is ::/0
    assert [(r.protocol, r.ports, r.peer) for r in sg.ingress] == [(ALL_PROTOCOLS, None, CidrPeer(WORLD_V6))]


def test_nacl_entry_spellings(tmp_path: Path) -> None:
    path = _template(
        tmp_path,
        """
Resources:
  V: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.1.0.0/16}}
  A: {Type: AWS::EC2::NetworkAcl, Properties: {VpcId: !Ref V}}
  E1:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      {NetworkAclId: !Ref A, RuleNumber: "100", Protocol: "-1", RuleAction: allow, Egress: "true",
       CidrBlock: 0.0.0.0/0}
  E2:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      NetworkAclId: !Ref A
      RuleNumber: 90
      Protocol: 6
      RuleAction: DENY
      CidrBlock: 0.0.0.0/0
      PortRange: {From: 22, To: 22}
  E3:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      {NetworkAclId: !Ref A, RuleNumber: 95, Protocol: 1, RuleAction: allow, CidrBlock: 0.0.0.0/0,
       Icmp: {Type: 8, Code: -1}}
""",
    )
    acl = load_snapshot(path).network_acls["acl-A"]
    assert [(e.rule_number, e.action, e.protocol, str(e.ports), str(e.icmp)) for e in acl.ingress] == [
        (90, RuleAction.DENY, TCP, "22", "None"),
        (95, RuleAction.ALLOW, 1, "None", "type 8"),
        (32767, RuleAction.DENY, ALL_PROTOCOLS, "None", "None"),
    ]
    assert [(e.rule_number, e.protocol) for e in acl.egress] == [(100, ALL_PROTOCOLS), (32767, ALL_PROTOCOLS)]


def test_bad_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = _template(tmp_path, "Resources:\n  A: {Type: AWS::EC2::VPC\n  B: [\n")
    run = subprocess.run([VPCFLOW, "snapshot", "info", str(path)], capture_output=True, text=True)
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert f"{path}:3:" in run.stderr and "invalid YAML" in run.stderr


def test_not_a_template(tmp_path: Path) -> None:
    path = _template(tmp_path, "just: text\n")
    with pytest.raises(SnapshotError, match="not a CloudFormation template"):
        load_snapshot(path)


# -- the public corpus ------------------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.name)
def test_every_public_template_loads_or_is_refused_in_one_line(path: Path) -> None:
    if path.name in REFUSED:
        run = subprocess.run([VPCFLOW, "snapshot", "info", str(path)], capture_output=True, text=True)
        assert run.returncode == 2 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
        assert f"{path}:" in run.stderr and REFUSED[path.name] in run.stderr
        return
    s = load_with_report(path).snapshot
    for origin in s.origins.values():
        assert origin.file == str(path) and origin.kind in ("cloudformation", "terraform-plan")
    for w in s.warnings:
        assert "$." not in (w.source or ""), w


@needs_data
def test_ecs_samples_all_protocols_rule() -> None:
    s = load_snapshot(DATA / "aws-cloudformation-templates/cfn/ECS/EC2LaunchType/clusters/public-vpc.yaml")
    host = s.security_groups["sg-EcsHostSecurityGroup"]
    # IpProtocol -1 with no ports (checkov#6108): every protocol, every port
    assert any(r.protocol == ALL_PROTOCOLS and r.ports is None for r in host.ingress)
    assert s.group_attachers["sg-EcsHostSecurityGroup"]


@needs_data
def test_aws_sample_vpc_nacl_entries() -> None:
    s = load_snapshot(
        DATA / "aws-cloudformation-templates/cfn/VPC/VPC_With_Managed_NAT_And_Private_Subnet.yaml"
    )
    public = next(a for a in s.network_acls.values() if s.origins[a.acl_id].address == "PublicNetworkAcl")
    assert (public.ingress[0].rule_number, public.ingress[0].protocol, public.ingress[0].action) == (
        100,
        ALL_PROTOCOLS,
        RuleAction.ALLOW,
    )
    assert public.subnet_ids, "associated with the public subnets"
    assert len(s.nat_gateways) == 2


@needs_data
def test_parameter_default_reaches_the_rule() -> None:
    s = load_snapshot(DATA / "aws-cloudformation-templates/cfn/EC2/EC2InstanceWithSecurityGroupSample.yaml")
    [group] = s.security_groups.values()
    assert [(r.ports, str(r.peer)) for r in group.ingress] == [
        (PortRange(22, 22), "0.0.0.0/0")
    ]  # SSHLocation default
    s2 = load_snapshot(
        DATA / "aws-cloudformation-templates/cfn/EC2/EC2InstanceWithSecurityGroupSample.yaml",
        {"SSHLocation": "192.0.2.0/24"},
    )
    assert [str(r.peer) for g in s2.security_groups.values() for r in g.ingress] == ["192.0.2.0/24"]


@needs_data
def test_ipv6_world_spellings() -> None:
    s = load_snapshot(DATA / "cfn_nag/cfn/json-security_group/ip6_security_groups_open_to_world.json")
    worlds = [r for g in s.security_groups.values() for r in g.ingress if r.peer == CidrPeer(WORLD_V6)]
    assert len(worlds) >= 3  # ::/0, 0000:…:0000/0 and 0000::/0 are one network


def test_trace_and_reach_on_a_template_and_a_plan_end_to_end(tmp_path: Path) -> None:
    """The installed command: trace and reach accept a template (with --parameter) and a plan."""
    base = [VPCFLOW, "trace", str(TEMPLATE), "--src", "203.0.113.12", "--dst", "i-Web", "--port", "22"]
    assert subprocess.run(base, capture_output=True, text=True).returncode == 0
    run = subprocess.run(
        [*base, "--parameter", "OfficeCidr=198.51.100.0/24", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1 and json.loads(run.stdout)["blocked_by"]["id"] == "sg-WebSG"
    bad = subprocess.run([*base, "--parameter", "OfficeCidr"], capture_output=True, text=True)
    assert bad.returncode == 2 and "expected KEY=VALUE" in bad.stderr and bad.stderr.count("\n") == 1
    plan = FIXTURES / "network.tfplan.json"
    reach = [VPCFLOW, "reach", str(plan), "--src", "i-web", "--dst", "i-db", "--format", "json"]
    run = subprocess.run(reach, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "5432" in run.stdout
    # what will this change open? a plan against the same plan with one more rule
    doc = json.loads(plan.read_text())
    for rc in doc["resource_changes"]:
        if rc["address"] == "aws_security_group.web":
            rule = dict(rc["change"]["after"]["ingress"][0], from_port=3389, to_port=3389, description="rdp")
            rc["change"]["after"]["ingress"].append(rule)
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(doc))
    run = subprocess.run(
        [VPCFLOW, "diff", str(plan), str(changed), "--dst", "i-web"], capture_output=True, text=True
    )
    assert run.returncode == 1 and "3389" in run.stdout and "GAINED" in run.stdout.upper(), (
        run.stdout + run.stderr
    )
