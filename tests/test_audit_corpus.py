"""Every file of ../shared/data/ext-iac (public Terraform plans, HCL and CloudFormation templates; see
../shared/audit.md) goes through `vpcflow audit`: each one holding network resources loads and is audited
(exit 0 or 1, JSON that parses); each bad or unsupported one is refused with exit 2 and one line naming
the file and what is wrong. The list of refused files is explicit, so a file that starts (or stops)
loading is noticed. Skipped when the corpus is absent."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from vpcflow.cli import main

ROOT = Path(__file__).resolve().parents[1]
VPCFLOW = Path(sys.executable).parent / "vpcflow"
_UP = Path(__file__).resolve().parents
EXT = next(
    (p / "shared" / "data" / "ext-iac" for p in _UP[2:4] if (p / "shared" / "data" / "ext-iac").is_dir()),
    None,
)
pytestmark = pytest.mark.skipif(EXT is None, reason="../shared/data/ext-iac is absent")

SUFFIXES = {".json", ".yaml", ".yml", ".tf"}
FILES = (
    sorted(
        p.relative_to(EXT).as_posix()
        for p in EXT.rglob("*")
        if p.is_file() and p.suffix in SUFFIXES and "LICENSES" not in p.parts
    )
    if EXT is not None
    else []
)
# files CloudFormation itself would refuse, or that are no template at all: what the one line says
REFUSED = {
    # CidrIp is a list
    "cfn_nag/cfn/json-security_group/non_32_cidr_standalone_ingress.json": (
        "securityGroupIngress2.Properties.CidrIp: expected a CIDR string"
    ),
    # Ipv6CidrBlock is the literal string 'myVPCIpv6CidrBlock' (a Ref was meant)
    "cfn_nag/cfn/yaml-ec2_networkaclentry/ec2_networkaclentry_protocol_icmpv6.yml": (
        "myNetworkAclEntry.Properties.Ipv6CidrBlock: invalid CIDR 'myVPCIpv6CidrBlock'"
    ),
    "cfn_nag/cfn/yaml-ec2_networkaclentry/ec2_networkaclentry_protocol_icmpv6_missing_icmp.yml": (
        "myNetworkAclEntry.Properties.Ipv6CidrBlock: invalid CIDR 'myVPCIpv6CidrBlock'"
    ),
    # only a Parameters section
    "cfn_nag/cfn/yaml-security_group/bad_cidr.json": "not a CloudFormation template",
}
# valid, but no network resource: a module's variables, or NACL entries whose NACL is a parameter with
# no default (entries kept as warnings), a plan whose resources are not network ones
NO_NETWORK = {
    "checkov/tf/NetworkACLUnrestrictedIngress3389/variables.tf",
}


def _audit(rel: str) -> tuple[int, str, str]:
    assert EXT is not None
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["audit", str(EXT / rel), "--format", "json"])
    return code, out.getvalue(), err.getvalue()


def test_the_corpus_is_all_there() -> None:
    assert len(FILES) >= 120
    assert set(REFUSED) | NO_NETWORK <= set(FILES)


@pytest.mark.parametrize("rel", [f for f in FILES if f not in REFUSED])
def test_every_file_with_network_resources_is_audited(rel: str) -> None:
    code, out, err = _audit(rel)
    assert code in (0, 1) and err == "", err
    doc = json.loads(out)
    assert code == (1 if doc["findings"] else 0)
    audited = doc["summary"]["audited"]
    held = audited["vpcs"] + audited["subnets"] + audited["security_groups"] + audited["network_acls"]
    if rel in NO_NETWORK:
        assert held == 0 and not doc["findings"]
    else:
        # what the file holds is audited, or said not to be (a warning names it): never silently dropped
        assert held or doc["source_warnings"], rel


@pytest.mark.parametrize("rel", sorted(REFUSED))
def test_a_bad_file_is_refused_in_one_line_naming_it(rel: str) -> None:
    if not VPCFLOW.exists():
        pytest.skip(f"console script not installed at {VPCFLOW}")
    assert EXT is not None
    proc = subprocess.run(
        [str(VPCFLOW), "audit", str(EXT / rel)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    assert proc.stderr.startswith("vpcflow: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert rel in proc.stderr and REFUSED[rel] in proc.stderr and "Traceback" not in proc.stderr
