"""Nothing lost, nothing stops the rest: bad files and bad values in a folder are counted, reported with
file and line, and kept byte for byte in the store's quarantine; every good record lands; the installed
``vpcflow logs ingest`` exits 1 ("partial") with a summary line. Values that would become paths are
checked (a record's account id ``../../x`` is a bad value; ``simulate`` refuses such a profile)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vpcflow.flowlogs.fields import DEFAULT_FIELDS

VPCFLOW = Path(sys.executable).with_name("vpcflow")
ROOT = Path(__file__).resolve().parents[1]
HEADER = " ".join(DEFAULT_FIELDS)
GOOD = "2 123456789012 eni-0a1 10.0.0.{i} 10.0.1.1 4{i:04d} 443 6 3 180 1700000000 1700000060 ACCEPT OK"
pytestmark = pytest.mark.skipif(not VPCFLOW.exists(), reason="the vpcflow console script is not installed")


def _good(n: int, first: int = 0) -> list[str]:
    return [GOOD.format(i=i) for i in range(first, first + n)]


def _vpcflow(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VPCFLOW_")}
    return subprocess.run([str(VPCFLOW), *args], capture_output=True, text=True, env=env, timeout=300)


# (file name, bytes, records that land, bad lines (line number, raw line), refused whole)
def _bad_inputs() -> list[tuple[str, bytes, int, list[tuple[int, str]], bool]]:
    g = _good(3, 10)
    bad_values = [
        g[0].replace(" 443 ", " ٤٤٣ "),  # Unicode digits
        g[1].replace(" 180 ", " 99999999999999999999 "),  # beyond int64
        g[2].replace(" 443 ", " 70000 "),  # not a port
        g[0].replace("123456789012", "../../../../x"),  # an account id that would be a path
        GOOD.format(i=9).replace(" 6 3 ", " 6  3 "),  # a double space: still a record
    ]
    values = [HEADER, *_good(2, 20), *bad_values, *_good(1, 30)]
    blob = gzip.compress(("\n".join([HEADER, *_good(400, 100)]) + "\n").encode())
    return [
        ("good.log.gz", gzip.compress(("\n".join([HEADER, *_good(5)]) + "\n").encode()), 5, [], False),
        (
            "values.log",
            ("\n".join(values) + "\n").encode(),
            4,
            [(i + 4, line) for i, line in enumerate(bad_values[:4])],
            False,
        ),
        ("README.txt", b"These are our flow logs.\nAsk ops before deleting.\n", 0, [(1, ""), (2, "")], True),
        (
            "dup-header.log",
            ("version version account-id\n" + "\n".join(_good(2, 40)) + "\n").encode(),
            0,
            [(1, ""), (2, ""), (3, "")],
            True,
        ),
        ("cut.log.gz", blob[: len(blob) // 2], -1, [], False),
        ("empty.log", b"", 0, [], False),
    ]


def test_a_folder_of_bad_files_and_values(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    cases = _bad_inputs()
    for name, data, *_rest in cases:
        (folder / name).write_bytes(data)
    store = tmp_path / "store"
    proc = _vpcflow("logs", "ingest", str(folder), "--store", str(store), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["status"] == "partial"
    assert (summary["files"], summary["rejected"], summary["truncated"]) == (6, 2, 1)
    err = proc.stderr.splitlines()
    assert err[-1].startswith("partial: ") and str(store / "quarantine") in err[-1]
    # each bad file named, with its lines
    text = "\n".join(err)
    assert "values.log: 4 malformed lines" in text
    assert (
        "line 4: dstport is not a number" in text
        and "line 5: bytes 99999999999999999999 is out of range" in text
    )
    assert "line 6: dstport 70000 is out of range (0-65535)" in text and "line 7: account-id" in text
    assert "README.txt: 2 malformed lines; not stored: not a flow-log format" in text
    assert (
        "dup-header.log: 3 malformed lines; not stored: line 1: header names version more than once" in text
    )
    assert "cut.log.gz: " in text and "gzip stream cut short" in text

    from vpcflow.flowlogs.store import connect, load_manifest

    entries = {Path(e["source"]).name: e for e in load_manifest(store).files.values()}
    stored = dict(connect(store).execute("SELECT srcaddr, count(*) FROM flows GROUP BY 1").fetchall())
    cut = entries["cut.log.gz"]["records"]
    assert 0 < cut < 400
    assert sum(stored.values()) == summary["records"] == 5 + 4 + cut
    # quarantined byte for byte, with line numbers and reasons
    for name, data, _records, bad, whole in cases:
        entry = entries[name]
        stem = next(iter(entry["quarantine"]), ".").rsplit(".", 1)[0]
        if name == "cut.log.gz":
            assert (store / f"{stem}.object").read_bytes() == data  # the whole object, cut as it came
            continue
        if not bad:
            assert not entry["quarantine"]
            continue
        kept = (store / f"{stem}.log").read_bytes().decode().splitlines()
        numbers = [int(x.split("\t")[0]) for x in (store / f"{stem}.lines").read_text().splitlines()]
        assert numbers == [n for n, _line in bad]
        lines = data.decode().splitlines()
        assert kept == [lines[n - 1] for n in numbers]
        assert entry["malformed"] == len(bad) and bool(entry["rejected"]) == whole
    # stored + quarantined = read: every non-blank, non-header line of the readable inputs
    readable = 5 + len(_good(2)) + 5 + 1 + 2 + 3
    malformed = summary["malformed"] - entries["cut.log.gz"]["malformed"]
    assert summary["records"] - cut + malformed == readable
    # nothing was written outside the store and the inputs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "store"]
    # a second run reads nothing again, and says all is well
    again = _vpcflow("logs", "ingest", str(folder), "--store", str(store), "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["skipped"] == 6


def test_traversal_in_records_never_becomes_a_path(tmp_path: Path) -> None:
    lines = [HEADER.replace("log-status", "log-status region"), *(f"{g} ../../../x" for g in _good(2))]
    lines += [f"{g} us-east-1" for g in _good(2, 5)]
    hive = tmp_path / "in" / "AWSLogs" / "aws-account-id=.." / "aws-service=vpcflowlogs" / "aws-region=.."
    hive.mkdir(parents=True)
    (hive / "x.log").write_text("\n".join(lines) + "\n")
    store = tmp_path / "store"
    proc = _vpcflow("logs", "ingest", str(tmp_path / "in"), "--store", str(store))
    assert proc.returncode == 1 and "region is not an AWS region code" in proc.stderr
    folders = sorted(
        p.relative_to(store / "flows").as_posix() for p in (store / "flows").rglob("*") if p.is_dir()
    )
    assert folders == [
        "account=123456789012",
        "account=123456789012/region_part=us-east-1",
        "account=123456789012/region_part=us-east-1/date=2023-11-14",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "store"]


@pytest.mark.parametrize(
    ("key", "value", "path"),
    [
        ("region", "../../x", "$.region"),
        ("account", "../../x", "$.account"),
        ("flow_log_id", "fl-../x", "$.flow_log_id"),
    ],
)
def test_simulate_refuses_a_profile_that_would_write_elsewhere(
    tmp_path: Path, key: str, value: str, path: str
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(f'{key}: "{value}"\nflows: []\n')
    out = tmp_path / "out"
    proc = _vpcflow(
        "simulate", str(ROOT / "examples" / "three-tier"), "--profile", str(profile), "--out", str(out)
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and path in lines[0] and "../" in lines[0], proc.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_simulate_refuses_a_snapshot_owner_that_would_write_elsewhere(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    shutil.copytree(ROOT / "examples" / "three-tier", snap)
    vpcs = json.loads((snap / "Vpcs.json").read_text())
    for v in vpcs["Vpcs"]:
        v["OwnerId"] = "../../../owned"
    (snap / "Vpcs.json").write_text(json.dumps(vpcs))
    profile = tmp_path / "p.yaml"
    profile.write_text("flows:\n  - {from: internet, to: web-alb, port: 443, rate: 5/min}\n")
    proc = _vpcflow("simulate", str(snap), "--profile", str(profile), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "not an AWS account id" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml", "snap"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["logs", "rejects", "--store", "/nonexistent", "--port", "70000"], "--port 70000"),
        (["logs", "top", "--store", "/nonexistent", "--port", "-1"], "--port -1"),
        (["logs", "scans", "--store", "/nonexistent", "--addr", "10.0.0.300"], "--addr"),
        (["logs", "ingest", "x", "--store", "/nonexistent", "--wait", "-1"], "--wait"),
        (["logs", "ingest", "x", "--store", "/nonexistent", "--wait", "nan"], "--wait"),
        (["logs", "ingest", "s3://b/p", "--store", "/nonexistent", "--region", "../../x"], "--region"),
        (
            ["logs", "ingest", "s3://b/p", "--store", "/nonexistent", "--endpoint-url", "ftp://x"],
            "--endpoint-url",
        ),
        (["logs", "rollup", "--store", "/nonexistent", "--wait", "inf"], "--wait"),
    ],
)
def test_new_options_are_checked(args: list[str], named: str) -> None:
    proc = _vpcflow(*args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and "Traceback" not in proc.stderr, proc.stderr
