"""The transit gateway / VPN / endpoint example through the installed ``vpcflow`` command: trace (JSON
contract: hop kinds, unknown blockers), reach with on-premises endpoints, policy check, diff of a transit
gateway route change, snapshot info's constructs; simulate → ingest → explain, with records on the transit
gateway attachment interfaces."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "examples" / "hub"
VPCFLOW = Path(sys.executable).with_name("vpcflow")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    assert VPCFLOW.exists(), f"{VPCFLOW} is not installed (make setup)"
    return subprocess.run([str(VPCFLOW), *args], capture_output=True, text=True, timeout=120, check=False)


def test_trace_json_crosses_the_transit_gateway_both_ways() -> None:
    p = run("trace", str(HUB), "--src", "app", "--dst", "db", "--port", "5432", "--format", "json")
    assert p.returncode == 0, p.stderr
    t = json.loads(p.stdout)
    assert t["verdict"] == "ACCEPT"
    for leg in ("forward", "return"):
        kinds = [h["kind"] for h in t[leg]["hops"]]
        assert kinds.count("transit-gateway-attachment") == 2 and "transit-gateway-route-table" in kinds
    assert {r["interface-id"] for r in t["flow_logs"]} >= {"eni-0a000000000000a0f", "eni-0a000000000000d0f"}


def test_trace_from_the_office_enters_through_the_vpn() -> None:
    p = run("trace", str(HUB), "--src", "192.168.1.20", "--dst", "app", "--port", "22", "--format", "json")
    t = json.loads(p.stdout)
    assert p.returncode == 0 and t["verdict"] == "ACCEPT"
    assert t["forward"]["hops"][0]["kind"] == "vpn-connection"
    assert "internet-gateway" not in [h["kind"] for h in t["forward"]["hops"] + t["return"]["hops"]]


def test_gateway_endpoint_protocol_restriction_exit_1() -> None:
    p = run(
        "trace",
        str(HUB),
        "--src",
        "app",
        "--dst",
        "52.216.10.10",
        "--protocol",
        "udp",
        "--port",
        "443",
        "--format",
        "json",
    )
    t = json.loads(p.stdout)
    assert p.returncode == 1 and t["verdict"] == "REJECT"
    assert t["blocked_by"]["code"] == "VPCE_GATEWAY_PROTOCOL_RESTRICTION"


def test_reach_onprem_and_policy() -> None:
    p = run("reach", str(HUB), "--src", "onprem", "--dst", "app", "--format", "json")
    assert p.returncode == 0, p.stderr
    policy = Path(__file__).resolve().parents[1] / "examples" / "policies" / "hub.yaml"
    p = run("policy", "check", str(HUB), str(policy))
    assert p.returncode == 0 and "all 3 passed" in p.stdout


def test_diff_sees_a_transit_gateway_blackhole(tmp_path: Path) -> None:
    new = tmp_path / "hub"
    shutil.copytree(HUB, new)
    f = new / "TransitGatewayStaticRoutes.json"
    doc = json.loads(f.read_text())
    doc["TransitGatewayStaticRoutes"][0]["Routes"].append(
        {"DestinationCidrBlock": "10.20.1.0/24", "Type": "static", "State": "blackhole"}
    )
    f.write_text(json.dumps(doc))
    p = run("diff", str(HUB), str(new), "--format", "json")
    out = json.loads(p.stdout)
    assert not out["unchanged"]
    (change,) = [c for c in out["changes"] if c["change"] == "lost"]
    assert "TGW_RTB_BAD_STATE_ROUTE" in change["new"]


def test_snapshot_info_constructs() -> None:
    p = run("snapshot", "info", str(HUB), "--format", "json")
    rows = {c["construct"]: c["status"] for c in json.loads(p.stdout)["constructs"]}
    assert rows["transit gateways"] == "modelled" and rows["gateway VPC endpoints"] == "modelled"


def test_simulated_hub_logs_are_all_explained(tmp_path: Path) -> None:
    logs, store = tmp_path / "logs", tmp_path / "store"
    profile = str(ROOT / "examples" / "profiles" / "hub.yaml")
    p = run(
        "simulate", str(HUB), "--profile", profile, "--out", str(logs), "--duration", "20m", "--seed", "3"
    )
    assert p.returncode == 0, p.stderr
    assert run("logs", "ingest", str(logs), "--store", str(store)).returncode == 0
    p = run(
        "logs", "explain", "--store", str(store), "--snapshot", str(HUB), "--format", "json", "--by", "tuple"
    )
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)["rows"]
    assert rows and all(r["status"] == "explained" for r in rows)
    # only the office's direct database attempts are refused, by the database's security group
    assert {(r["interface_id"], r["dstport"], r["code"]) for r in rows} == {
        ("eni-0a000000000000d01", 5432, "ENI_SG_RULES_MISMATCH")
    }
    assert all(r["srcaddr"].startswith("192.168.1.") for r in rows)
    seen: set[str] = set()
    for f in logs.rglob("*.log.gz"):
        with gzip.open(f, "rt") as fh:
            seen |= {line.split()[2] for line in fh if not line.startswith("version")}
    # AWS writes records on the attachment's interfaces too (aws-semantics.md §5.7)
    assert {"eni-0a000000000000a0f", "eni-0a000000000000d0f"} <= seen
