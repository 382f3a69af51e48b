"""The simulator writes what AWS would: S3 layout, header line, types — and records that agree with trace."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vpcflow.cli import main
from vpcflow.engine import Engine
from vpcflow.flowlogs.fields import parse_fields
from vpcflow.simulate import DEFAULT_FIELDS, load_profile, parse_profile, simulate
from vpcflow.simulate.profile import ProfileError
from vpcflow.sources import load_snapshot

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(
    r"AWSLogs/123456789012/vpcflowlogs/us-east-1/\d{4}/\d{2}/\d{2}/"
    r"123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_\d{8}T\d{4}Z_[0-9a-f]{8}\.log\.gz$"
)


def _lines(out: Path) -> list[list[str]]:
    rows = []
    for f in sorted(out.rglob("*.log.gz")):
        text = gzip.decompress(f.read_bytes()).decode().splitlines()
        assert text[0] == " ".join(DEFAULT_FIELDS)
        rows.extend(line.split(" ") for line in text[1:])
    return rows


@pytest.fixture(scope="module")
def trap_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    snap = load_snapshot(ROOT / "examples" / "nacl-trap")
    simulate(snap, load_profile(ROOT / "examples" / "profiles" / "nacl-trap.yaml"), out, duration=900, seed=3)
    return out


def test_layout_and_five_minute_objects(trap_logs: Path) -> None:
    files = sorted(trap_logs.rglob("*.log.gz"))
    assert len(files) == 4  # 15 minutes, aligned to 5-minute objects by end time (+1 spill-over)
    for f in files:
        assert NAME.search(f.as_posix()), f


def test_every_record_agrees_with_trace(trap_logs: Path) -> None:
    engine = Engine(load_snapshot(ROOT / "examples" / "nacl-trap"))
    rows = [r for r in _lines(trap_logs) if r[13] == "OK"]
    assert len(rows) > 100
    seen = set()
    for r in rows:
        src, dst, sport, dport, action = r[3], r[4], int(r[5]), int(r[6]), r[12]
        if dport in (443, 22):  # request as seen by the server ENI (ingress) or the client ENI (egress)
            client, server, client_port, service = src, dst, sport, dport
        else:
            client, server, client_port, service = dst, src, dport, sport
        key = (client, server, client_port, service, r[2])
        if key in seen:
            continue
        seen.add(key)
        c = "web-1" if client == "10.1.0.10" else client
        s = "web-1" if server == "10.1.0.10" else server
        t = engine.trace(c, s, "tcp", service, src_port=client_port)
        expected = {(str(x.srcaddr), str(x.dstaddr), x.srcport, x.dstport): x.action for x in t.flow_logs}
        assert expected[(src, dst, sport, dport)] == action, (r, t.diagnosis)


def test_https_responses_rejected_and_api_calls_split_by_port(trap_logs: Path) -> None:
    rows = _lines(trap_logs)
    https_out = [r for r in rows if r[3] == "10.1.0.10" and r[5] == "443" and r[4] != "198.51.100.99"]
    assert https_out and all(r[12] == "REJECT" for r in https_out)
    api_in = [r for r in rows if r[3] == "198.51.100.99"]
    assert {r[12] for r in api_in if int(r[6]) >= 32768} == {"ACCEPT"}
    assert {r[12] for r in api_in if int(r[6]) < 32768} == {"REJECT"}


def test_deterministic_with_seed(tmp_path: Path) -> None:
    snap = load_snapshot(ROOT / "examples" / "three-tier")
    prof = load_profile(ROOT / "examples" / "profiles" / "three-tier.yaml")
    simulate(snap, prof, tmp_path / "a", duration=600, seed=11)
    simulate(snap, prof, tmp_path / "b", duration=600, seed=11)
    a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.gz"))
    b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.gz"))
    assert a == b and all((tmp_path / "a" / p).read_bytes() == (tmp_path / "b" / p).read_bytes() for p in a)


def test_nodata_for_idle_interfaces(tmp_path: Path) -> None:
    snap = load_snapshot(ROOT / "examples" / "three-tier")
    prof = parse_profile({"flows": [{"from": "app-1", "to": "db-1", "port": 5432, "rate": "1/h"}]})
    report = simulate(snap, prof, tmp_path, duration=300, seed=1)
    rows = _lines(tmp_path)
    nodata = [r for r in rows if r[13] == "NODATA"]
    assert report.nodata == len(nodata) and len(nodata) >= 5 * 2  # 4 ENIs mostly idle over 5 windows
    # §5.2: addresses, ports, protocol, packets, bytes and action are "-"; start/end are set
    assert all(r[3:10] == ["-"] * 7 and r[12] == "-" and r[10] != "-" for r in nodata)


def test_parquet_types_and_custom_fields(tmp_path: Path) -> None:
    snap = load_snapshot(ROOT / "examples" / "three-tier")
    prof = load_profile(ROOT / "examples" / "profiles" / "three-tier.yaml")
    fields = parse_fields(
        "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
        "tcp-flags flow-direction traffic-path log-status"
    )
    simulate(snap, prof, tmp_path, duration=300, seed=2, fields=fields, fmt="parquet")
    files = sorted(tmp_path.rglob("*.log.parquet"))
    assert files
    table = pq.read_table(files[0])
    types = {f.name: str(f.type) for f in table.schema}
    assert types["version"] == "int32" and types["srcport"] == "int32" and types["packets"] == "int64"
    assert types["interface-id"] == "string" and types["traffic-path"] == "int32"
    assert set(table.column("version").to_pylist()) == {5}  # highest version among the fields


def test_profile_errors_name_the_place(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"at \$.flows\[0\].rate: bad rate"):
        parse_profile({"flows": [{"from": "a", "to": "b", "port": 1, "rate": "fast"}]}, "p.yaml")
    bad = tmp_path / "p.yaml"
    bad.write_text("flows:\n  - from: a\n    to: [b\n")
    with pytest.raises(ProfileError, match=r"p.yaml: at line \d+ column \d+: invalid YAML"):
        load_profile(bad)


def test_cli_simulate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "simulate",
            str(ROOT / "examples" / "nacl-trap"),
            "--profile",
            str(ROOT / "examples" / "profiles" / "nacl-trap.yaml"),
            "--out",
            str(tmp_path),
            "--duration",
            "5m",
            "--seed",
            "1",
        ]
    )
    assert code == 0 and list(tmp_path.rglob("*.log.gz"))
    assert (
        main(
            [
                "simulate",
                str(ROOT / "examples" / "nacl-trap"),
                "--profile",
                "nope.yaml",
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert capsys.readouterr().err.count("\n") >= 1
