"""``vpcflow snapshot info``: what was loaded, per account/region, VPCs, warnings, not-modelled keys and
ignored files — as Rich text or stable, sorted JSON; exit 0 even with warnings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vpcflow.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "snapshots"


def _info(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["snapshot", "info", *args])
    out, err = capsys.readouterr()
    assert err == ""
    return status, out


def _json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[str, dict[str, Any]]:
    status, out = _info(capsys, str(path), "--format", "json")
    assert status == 0
    return out, json.loads(out)


def test_json_is_sorted_and_stable(capsys: pytest.CaptureFixture[str]) -> None:
    raw, data = _json(capsys, FIXTURES / "batfish-layout")
    assert raw == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    again, _ = _json(capsys, FIXTURES / "batfish-layout")
    assert again == raw
    codes = [(w["code"], w["source"]) for w in data["warnings"]]
    assert codes == sorted(codes)


def test_json_counts_scopes_vpcs_and_what_is_not_read(capsys: pytest.CaptureFixture[str]) -> None:
    _raw, data = _json(capsys, FIXTURES / "batfish-layout")
    assert data["files"] == 8
    assert [Path(f).name for f in data["ignored_files"]] == ["router1.txt", "host1.json", "main.tf"]
    assert data["not_modelled"] == {"AvailabilityZones": 2, "TransitGatewayConnects": 1}
    assert data["warning_counts"] == {"NOT_MODELLED": 2}
    assert [(s["account"], s["region"], s["documents"]) for s in data["scopes"]] == [
        ("210987654321", "eu-central-1", 3),
        ("lab", "us-west-2", 3),
        (None, "us-east-1", 2),
    ]
    assert data["scopes"][1]["items"] == {"SecurityGroups": 1, "VpcPeeringConnections": 2, "Vpcs": 1}
    assert [(v["vpc_id"], v["account"], v["region"], v["cidrs"]) for v in data["vpcs"]] == [
        ("vpc-0bf0000000000a001", "lab", "us-west-2", ["10.1.0.0/16"]),
        ("vpc-0bf0000000000a002", "210987654321", "eu-central-1", ["10.2.0.0/16"]),
        ("vpc-0bf0000000000a003", "555566667777", "us-east-1", ["10.3.0.0/16"]),
    ]
    assert data["counts"]["vpc_peering_connections"] == 2 and data["counts"]["security_group_rules"] == 1


def test_json_counts_rules_entries_routes(capsys: pytest.CaptureFixture[str]) -> None:
    _raw, data = _json(capsys, FIXTURES / "dual-stack")
    counts = data["counts"]
    # 6 ingress entries (5 in the file + implied 32768) and 3 egress (1 + both `*`)
    assert counts["network_acl_entries"] == 9
    # ingress: 2 peers of the https permission + 2 icmpv6; egress: 0.0.0.0/0 and ::/0
    assert counts["security_group_rules"] == 6
    assert (counts["routes"], counts["egress_only_internet_gateways"], counts["internet_gateways"]) == (
        5,
        1,
        0,
    )
    assert data["warning_counts"] == {"NO_NETWORK_ACL": 1, "UNSUPPORTED_ROUTE_TARGET": 1}
    assert data["vpcs"][0]["cidrs"] == ["10.8.0.0/16", "2001:db8:8000::/56"]
    assert (data["vpcs"][0]["subnets"], data["vpcs"][0]["interfaces"]) == (2, 1)


def test_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _info(capsys, str(FIXTURES / "batfish-layout"))
    assert status == 0  # warnings are information, not failure
    for expected in (
        "8 JSON files read",
        "accounts and regions",
        "210987654321",
        "eu-central-1",
        "VpcPeeringConnections 2",
        "10.3.0.0/16",
        "not modelled",
        "TransitGatewayConnects",
        "ignored files (not read): 3",
        "main.tf",
        "2 warnings",
        "1 TransitGatewayConnects item(s) loaded but not modelled",
    ):
        assert expected in out, expected


def test_text_report_without_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "vpcs.json"
    f.write_text(json.dumps({"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}))
    status, out = _info(capsys, str(f))
    assert status == 0 and "no warnings" in out and "vpc-1" in out and "1 JSON files read" in out


def test_instances_by_state(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    instances = [
        {"InstanceId": f"i-{n}", "State": {"Name": s}}
        for n, s in enumerate(["running", "stopped", "running"])
    ]
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"Reservations": [{"Instances": instances}]}))
    _raw, data = _json(capsys, f)
    assert data["instances_by_state"] == {"running": 2, "stopped": 1}
    _status, out = _info(capsys, str(f))
    assert "instances by state: running 2, stopped 1" in out
