"""Every class of bad input: one ``SnapshotError`` line naming the file, the JSON path (or the resource)
and what was expected — and, through the CLI, exit status 2 with that one line and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vpcflow.cli import main
from vpcflow.errors import SnapshotError
from vpcflow.sources import load_snapshot


def _sgs(n_before: int, perm: dict[str, Any]) -> dict[str, Any]:
    """``n_before`` good groups, then one whose first ingress permission is ``perm``."""
    good = [{"GroupId": f"sg-{i}", "IpPermissions": [], "IpPermissionsEgress": []} for i in range(n_before)]
    return {
        "SecurityGroups": [*good, {"GroupId": "sg-bad", "IpPermissions": [perm], "IpPermissionsEgress": []}]
    }


def _acl_entry(**entry: Any) -> dict[str, Any]:
    base = {
        "RuleNumber": 100,
        "Protocol": "-1",
        "RuleAction": "allow",
        "Egress": False,
        "CidrBlock": "0.0.0.0/0",
    }
    return {"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "Entries": [{**base, **entry}]}]}


TCP22 = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}

# (id, file content — JSON value or raw text, expected message after "<file>: ")
CASES: list[tuple[str, Any, str]] = [
    (
        "invalid-json",
        '{\n  "Vpcs": [\n    {"VpcId": }\n  ]\n}',
        "invalid JSON: Expecting value at line 3 column 15",
    ),
    ("truncated-json", '{"Vpcs": [', "invalid JSON: Expecting value at line 1 column 11"),
    ("empty-file", "", "invalid JSON: Expecting value at line 1 column 1"),
    ("top-level-list", [{"Vpcs": []}], "at $: expected a JSON object of describe-* output, found a list"),
    (
        "known-key-not-list",
        {"SecurityGroups": {"GroupId": "sg-1"}},
        "at $.SecurityGroups: expected a list, found an object",
    ),
    ("item-not-object", {"Subnets": ["subnet-1"]}, "at $.Subnets[0]: expected an object, found a string"),
    (
        "missing-group-id",
        {"SecurityGroups": [{"GroupName": "x"}]},
        "at $.SecurityGroups[0]: missing required key 'GroupId'",
    ),
    (
        "missing-ip-protocol",
        _sgs(3, {"FromPort": 1, "ToPort": 2}),
        "at $.SecurityGroups[3].IpPermissions[0]: sg-bad: missing required key 'IpProtocol'",
    ),
    (
        "port-out-of-range",
        _sgs(3, {**TCP22, "FromPort": 70000, "ToPort": 70001}),
        "at $.SecurityGroups[3].IpPermissions[0].FromPort: sg-bad: "
        "port 70000 out of range (expected 0-65535 or -1)",
    ),
    (
        "port-not-integer",
        _sgs(0, {**TCP22, "ToPort": "ssh"}),
        "at $.SecurityGroups[0].IpPermissions[0].ToPort: sg-bad: expected an integer, found 'ssh'",
    ),
    (
        "ports-reversed",
        _sgs(0, {**TCP22, "FromPort": 443, "ToPort": 80}),
        "at $.SecurityGroups[0].IpPermissions[0].FromPort: sg-bad: FromPort 443 is above ToPort 80",
    ),
    (
        "icmp-type-out-of-range",
        _sgs(0, {"IpProtocol": "icmp", "FromPort": 300, "ToPort": 0}),
        "at $.SecurityGroups[0].IpPermissions[0].FromPort: sg-bad: ICMP type 300 out of range",
    ),
    (
        "unknown-protocol",
        _sgs(1, {"IpProtocol": "tpc"}),
        "at $.SecurityGroups[1].IpPermissions[0].IpProtocol: sg-bad: unknown protocol 'tpc'",
    ),
    (
        "protocol-number-out-of-range",
        _sgs(0, {"IpProtocol": "256"}),
        "at $.SecurityGroups[0].IpPermissions[0].IpProtocol: sg-bad: protocol number 256 out of range",
    ),
    (
        "invalid-cidr",
        _sgs(0, {**TCP22, "IpRanges": [{"CidrIp": "10.0.0.300/8"}]}),
        "at $.SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp: sg-bad: invalid CIDR '10.0.0.300/8'",
    ),
    (
        "ipv6-cidr-in-ipranges",
        _sgs(0, {**TCP22, "IpRanges": [{"CidrIp": "::/0"}]}),
        "at $.SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp: sg-bad: "
        "expected an IPv4 CIDR, found '::/0'",
    ),
    (
        "group-pair-without-id",
        _sgs(0, {**TCP22, "IpRanges": [], "UserIdGroupPairs": [{"GroupName": "web"}]}),
        "at $.SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0]: sg-bad: missing required key 'GroupId'",
    ),
    (
        "group-id-not-string",
        {"SecurityGroups": [{"GroupId": 5}]},
        "at $.SecurityGroups[0].GroupId: expected a non-empty string, found 5",
    ),
    (
        "nacl-rule-number",
        _acl_entry(RuleNumber=0),
        "at $.NetworkAcls[0].Entries[0].RuleNumber: acl-1: rule number 0 out of range 1-32766",
    ),
    (
        "nacl-port-out-of-range",
        _acl_entry(Protocol="6", PortRange={"From": 1, "To": 65536}),
        "at $.NetworkAcls[0].Entries[0].PortRange.To: acl-1: port 65536 out of range",
    ),
    (
        "nacl-unknown-protocol",
        _acl_entry(Protocol="ftp"),
        "at $.NetworkAcls[0].Entries[0].Protocol: acl-1: unknown protocol 'ftp'",
    ),
    (
        "nacl-action",
        _acl_entry(RuleAction="permit"),
        "at $.NetworkAcls[0].Entries[0].RuleAction: acl-1: expected allow or deny",
    ),
    (
        "nacl-egress-not-bool",
        _acl_entry(Egress="no"),
        "at $.NetworkAcls[0].Entries[0].Egress: acl-1: expected true or false",
    ),
    (
        "nacl-no-cidr",
        {
            "NetworkAcls": [
                {
                    "NetworkAclId": "acl-1",
                    "VpcId": "vpc-1",
                    "Entries": [{"RuleNumber": 1, "Protocol": "-1", "RuleAction": "deny", "Egress": True}],
                }
            ]
        },
        "at $.NetworkAcls[0].Entries[0]: acl-1: missing required key 'CidrBlock' or 'Ipv6CidrBlock'",
    ),
    (
        "vpc-bad-cidr",
        {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/33"}]},
        "at $.Vpcs[0].CidrBlock: vpc-1: invalid CIDR '10.0.0.0/33'",
    ),
    (
        "subnet-without-cidr",
        {"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1"}]},
        "at $.Subnets[0]: subnet-1: missing required key 'CidrBlock' (or an IPv6 CIDR association)",
    ),
    (
        "eni-bad-address",
        {
            "NetworkInterfaces": [
                {"NetworkInterfaceId": "eni-1", "SubnetId": "s", "VpcId": "v", "PrivateIpAddress": "10.0.0"}
            ]
        },
        "at $.NetworkInterfaces[0].PrivateIpAddress: eni-1: invalid IP address '10.0.0'",
    ),
    (
        "eni-bad-ephemeral-tag",
        {
            "NetworkInterfaces": [
                {
                    "NetworkInterfaceId": "eni-1",
                    "SubnetId": "s",
                    "VpcId": "v",
                    "TagSet": [
                        {"Key": "Name", "Value": "x"},
                        {"Key": "vpcflow:ephemeral-ports", "Value": "60999-32768"},
                    ],
                }
            ]
        },
        "at $.NetworkInterfaces[0].TagSet[1].Value: eni-1: "
        "tag vpcflow:ephemeral-ports: bad port range '60999-32768'",
    ),
    (
        "route-without-destination",
        {"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": [{"GatewayId": "local"}]}]},
        "at $.RouteTables[0].Routes[0]: rtb-1: "
        "missing required key 'DestinationCidrBlock', 'DestinationIpv6CidrBlock' or "
        "'DestinationPrefixListId'",
    ),
    (
        "route-bad-cidr",
        {
            "RouteTables": [
                {
                    "RouteTableId": "rtb-1",
                    "VpcId": "vpc-1",
                    "Routes": [{"DestinationCidrBlock": "0/0", "GatewayId": "igw-1"}],
                }
            ]
        },
        "at $.RouteTables[0].Routes[0].DestinationCidrBlock: rtb-1: invalid CIDR '0/0'",
    ),
    (
        "peering-without-accepter",
        {
            "VpcPeeringConnections": [
                {"VpcPeeringConnectionId": "pcx-1", "RequesterVpcInfo": {"VpcId": "vpc-1"}}
            ]
        },
        "at $.VpcPeeringConnections[0]: pcx-1: missing required key 'AccepterVpcInfo'",
    ),
    (
        "prefix-list-entry-without-cidr",
        {"PrefixListId": "pl-1", "Entries": [{"Description": "no cidr"}]},
        "at $.Entries[0]: pl-1: missing required key 'Cidr'",
    ),
    (
        "eip-bad-address",
        {"Addresses": [{"PublicIp": "not-an-ip", "Domain": "vpc"}]},
        "at $.Addresses[0].PublicIp: invalid IP address 'not-an-ip'",
    ),
]


def _write(tmp_path: Path, name: str, content: Any) -> Path:
    f = tmp_path / f"{name}.json"
    f.write_text(content if isinstance(content, str) else json.dumps(content))
    return f


@pytest.mark.parametrize(("name", "content", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_naming_file_and_path(
    tmp_path: Path, name: str, content: Any, expected: str
) -> None:
    f = _write(tmp_path, name, content)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(f)
    message = str(info.value)
    assert message.startswith(f"{f}: ") and expected in message, message
    assert "\n" not in message


def test_error_inside_a_directory_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "aws_configs" / "eu-west-1").mkdir(parents=True)
    (tmp_path / "aws_configs" / "eu-west-1" / "ok.json").write_text('{"Vpcs": []}')
    bad = tmp_path / "aws_configs" / "eu-west-1" / "sg.json"
    bad.write_text(json.dumps(_sgs(3, {**TCP22, "FromPort": -5})))
    with pytest.raises(
        SnapshotError, match=r"sg\.json: at \$\.SecurityGroups\[3\]\.IpPermissions\[0\]\.FromPort: "
    ):
        load_snapshot(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    f = tmp_path / "latin1.json"
    f.write_bytes('{"Vpcs": [{"VpcId": "vpc-é"}]}'.encode("latin-1"))
    with pytest.raises(SnapshotError, match=r"latin1\.json: not UTF-8 text"):
        load_snapshot(f)


def test_missing_path_and_directories_without_json(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"nope: no such file or directory$"):
        load_snapshot(tmp_path / "nope")
    with pytest.raises(SnapshotError, match=r"no \*\.json files of describe-\* output found$"):
        load_snapshot(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden.json").write_text("{}")  # hidden files are never read (and said so)
    with pytest.raises(SnapshotError, match=r"found \(ignored 2 other files\)$"):
        load_snapshot(tmp_path)


def test_aws_configs_dir_without_json(tmp_path: Path) -> None:
    (tmp_path / "aws_configs").mkdir()
    (tmp_path / "hosts").mkdir()
    (tmp_path / "hosts" / "h.json").write_text("{}")  # outside aws_configs: not read
    with pytest.raises(SnapshotError, match="no \\*\\.json files"):
        load_snapshot(tmp_path)


CLI_CASES = [
    c for c in CASES if c[0] in ("invalid-json", "top-level-list", "known-key-not-list", "port-out-of-range")
]


@pytest.mark.parametrize(("name", "content", "expected"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_snapshot_info_exit_2_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: Any, expected: str, fmt: str
) -> None:
    f = _write(tmp_path, name, content)
    assert main(["snapshot", "info", str(f), "--format", fmt]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"vpcflow: error: {f}: {expected}")
    assert err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err


def test_cli_missing_snapshot_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "info", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err
    assert err == f"vpcflow: error: {tmp_path / 'absent'}: no such file or directory\n"


def test_cli_in_a_real_process(tmp_path: Path) -> None:
    f = _write(tmp_path, "bad", {"NetworkAcls": [{"NetworkAclId": "acl-1"}]})
    proc = subprocess.run(
        [sys.executable, "-m", "vpcflow", "snapshot", "info", str(f)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"vpcflow: error: {f}: at $.NetworkAcls[0]: acl-1: missing required key 'VpcId'\n"
