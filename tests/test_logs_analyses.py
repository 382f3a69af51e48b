"""Ingest, analyses and attribution on simulated logs with planted scans (thresholds checked from both
sides), incremental ingest, and the CLI. The snapshot is ``three_tier_web`` (the three-tier example with
its front tier as an instance: traffic to a load balancer's node is UNKNOWN, and simulate writes no
record for it)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from three_tier_web import three_tier_web
from vpcflow.cli import main
from vpcflow.engine import Engine
from vpcflow.flowlogs import analyses as A
from vpcflow.flowlogs.explain import explain_store
from vpcflow.flowlogs.fields import DEFAULT_FIELDS
from vpcflow.flowlogs.store import connect, ingest
from vpcflow.simulate import parse_profile, simulate
from vpcflow.sources import load_snapshot

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_700_000_000 - 1_700_000_000 % 60

PROFILE = {
    "flows": [
        {"from": "internet", "clients": 50, "to": "web-alb", "port": 443, "rate": "20/min", "os": "mixed"},
        {"from": "web-alb", "to": "app-1", "port": 8080, "rate": "20/min", "os": "elb"},
        {"from": "app-1", "to": "db-1", "port": 5432, "rate": "30/min"},
        {"from": "web-alb", "to": "db-1", "port": 5432, "rate": "1/min"},
    ],
    "scans": [
        # 12 distinct ports over ~50 minutes: a (slow) port scan, not a fast one
        {"from": "198.51.100.11", "to": ["web-alb"], "ports": "1-12", "rate": "1/250s", "start": "1m"},
        # 9 ports: one under the threshold of 10
        {"from": "198.51.100.12", "to": ["web-alb"], "ports": "20-28", "rate": "1/60s", "start": "1m"},
        # 60 ports in 30 s: fast scan (>= 50 within 1 min)
        {"from": "198.51.100.13", "to": ["web-alb"], "ports": "1000-1059", "rate": "2/s", "start": "5m"},
        # 49 ports in 49 s: slow scan yes, fast scan no
        {"from": "198.51.100.14", "to": ["web-alb"], "ports": "2000-2048", "rate": "1/s", "start": "20m"},
    ],
}


def _sweep_file(path: Path, hosts: int, src: str, start: int) -> None:
    lines = [" ".join(DEFAULT_FIELDS)]
    for i in range(hosts):
        t = start + i * 5
        lines.append(
            f"2 123456789012 eni-0a1b2c3d4e5f00041 {src} 10.0.{i // 200}.{i % 200 + 1} 40000 22 6 1 40 "
            f"{t} {t} REJECT OK"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


@pytest.fixture(scope="module")
def web_tier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return three_tier_web(tmp_path_factory.mktemp("tt") / "three-tier-web")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, web_tier: Path) -> Path:
    base = tmp_path_factory.mktemp("logs")
    snap = load_snapshot(web_tier)
    # the profile rates above use a helper syntax for "one every N seconds"
    prof = json.loads(json.dumps(PROFILE).replace('"1/250s"', '"14.4/h"').replace('"1/60s"', '"1/min"'))
    simulate(snap, parse_profile(prof), base / "raw", duration=3600, seed=5, start=1_700_000_000)
    _sweep_file(base / "raw" / "extra" / "sweep.log.gz", 100, "198.51.100.21", T0 + 100)
    _sweep_file(base / "raw" / "extra" / "nosweep.log.gz", 99, "198.51.100.22", T0 + 100)
    summary = ingest([str(base / "raw")], base / "store")
    assert summary.files >= 13 and summary.malformed == 0
    return base


def test_incremental_ingest(store: Path) -> None:
    again = ingest([str(store / "raw")], store / "store")
    assert again.files == 0 and again.skipped >= 13 and again.records == 0


def test_scans_found_at_thresholds(store: Path) -> None:
    _cols, rows = A.scans(connect(store / "store"), A.Window())
    found = {(r[0], r[1]) for r in rows}
    assert ("port-scan", "198.51.100.11") in found
    assert ("fast-port-scan", "198.51.100.11") not in found
    assert not any(src == "198.51.100.12" for _k, src in found)  # 9 ports: under the threshold
    assert ("fast-port-scan", "198.51.100.13") in found and ("port-scan", "198.51.100.13") in found
    assert ("port-scan", "198.51.100.14") in found and ("fast-port-scan", "198.51.100.14") not in found
    assert ("sweep", "198.51.100.21") in found and not any(src == "198.51.100.22" for _k, src in found)
    # no false positives from real traffic (responses, the ALB's wide client ports)
    assert {src for _k, src in found} == {"198.51.100.11", "198.51.100.13", "198.51.100.14", "198.51.100.21"}
    # a tighter threshold finds the 9-port scanner too
    _c, rows9 = A.scans(connect(store / "store"), A.Window(), ports_slow=9)
    assert any(r[1] == "198.51.100.12" for r in rows9)


def test_rejects_and_top(store: Path) -> None:
    con = connect(store / "store")
    cols, rows = A.rejects(con, A.Window(), limit=100)
    assert cols[:5] == ["interface_id", "direction", "server", "service_port", "protocol"]
    by = {(r[0], r[1], r[2], r[3]): r for r in rows}
    # the ALB trying the database, rejected by db-sg on the db ENI: requests to db-1's 5432 from one client
    alb_to_db = by[("eni-0a1b2c3d4e5f00043", "request", "10.0.2.10", 5432)]
    assert alb_to_db[cols.index("clients")] == 1 and alb_to_db[cols.index("client_ports")] is None
    cols, rows = A.top(con, A.Window(), by="pair", limit=3)
    assert cols[:3] == ["srcaddr", "dstaddr", "bytes"] and rows[0][2] >= rows[1][2] >= rows[2][2]


def test_timeline_and_window(store: Path) -> None:
    con = connect(store / "store")
    cols, rows = A.timeline(con, A.Window(), bucket=600)
    assert cols == ["bucket_start", "records", "bytes", "packets", "rejected"]
    assert len(rows) >= 6 and all(r[0] % 600 == 0 for r in rows)
    _c, later = A.timeline(con, A.Window(since=T0 + 1800), bucket=600)
    assert sum(r[1] for r in later) < sum(r[1] for r in rows)


def test_explain_attributes_every_reject(store: Path, web_tier: Path) -> None:
    snap = load_snapshot(web_tier)
    found = explain_store(connect(store / "store"), snap, A.Window())
    sim = [a for a in found if not a.srcaddr.startswith("198.51.100.2")]  # hand-made sweep rows aside
    assert sim and all(a.status == "explained" for a in sim), [a for a in sim if a.status != "explained"][:3]
    engine = Engine(snap)
    for a in sim[:40]:
        if a.reading == "request":
            t = engine.trace(
                a.srcaddr if not a.srcaddr.startswith("10.") else _eni(engine, a.srcaddr),
                _eni(engine, a.dstaddr),
                "tcp",
                a.dstport,
                src_port=a.srcport,
            )
            assert (
                t.blocked_by is not None and t.blocked_by.code == a.code and t.blocked_by.id == a.component_id
            )


def _eni(engine: Engine, addr: str) -> str:
    from vpcflow.model import Address

    return engine.snapshot.enis_by_address[Address.parse(addr)][0]


def test_explain_flags_disagreement(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "x.log"
    raw.parent.mkdir()
    # app → db on 5432 is allowed by the configuration, yet this record says REJECT
    raw.write_text(
        " ".join(DEFAULT_FIELDS) + "\n"
        "2 123456789012 eni-0a1b2c3d4e5f00043 10.0.1.10 10.0.2.10 40000 5432 6 1 40 "
        "1700000000 1700000000 REJECT OK\n"
    )
    ingest([str(raw.parent)], tmp_path / "store")
    found = explain_store(
        connect(tmp_path / "store"), load_snapshot(ROOT / "examples" / "three-tier"), A.Window()
    )
    assert [a.status for a in found] == ["disagrees"] and "would not reject" in found[0].detail


def test_cli_logs(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = str(store / "store")
    assert main(["logs", "scans", "--store", s, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {row["source"] for row in data["rows"]} >= {"198.51.100.13"}
    assert main(["logs", "rejects", "--store", s, "--format", "csv", "--limit", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("interface_id,direction,server,service_port") and len(out) == 4
    png = tmp_path / "t.png"
    assert main(["logs", "timeline", "--store", s, "--plot", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert main(["logs", "top", "--store", s, "--by", "nope"]) == 2
    assert main(["logs", "rejects", "--store", str(tmp_path / "none")]) == 2
    assert main(["logs", "rejects", "--store", s, "--since", "yesterday"]) == 2
    err = capsys.readouterr().err
    assert err.count("vpcflow: error:") == 3 and "Traceback" not in err


def test_reprobed_port_counts_in_a_later_burst(tmp_path: Path) -> None:
    # port 22 probed at 00:00, then 10 ports (22 among them) within one minute at 05:00
    lines = [" ".join(DEFAULT_FIELDS)]
    probes = [(T0, 22)] + [
        (T0 + 300 + i * 5, p) for i, p in enumerate([22, 23, 25, 80, 110, 143, 443, 445, 993, 995])
    ]
    for t, port in probes:
        lines.append(f"2 123456789012 eni-1 198.51.100.30 10.0.0.10 40000 {port} 6 1 40 {t} {t} REJECT OK")
    raw = tmp_path / "raw" / "p.log"
    raw.parent.mkdir()
    raw.write_text("\n".join(lines) + "\n")
    ingest([str(raw.parent)], tmp_path / "store")
    _c, rows = A.scans(connect(tmp_path / "store"), A.Window(), ports_fast=10, fast_seconds=60)
    fast = [r for r in rows if r[0] == "fast-port-scan"]
    assert len(fast) == 1 and fast[0][3] == 10 and fast[0][5] == 10
    _c, rows = A.scans(connect(tmp_path / "store"), A.Window(), ports_fast=11, fast_seconds=60)
    assert not [r for r in rows if r[0] == "fast-port-scan"]
