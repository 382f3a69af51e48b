"""Data is never markup and never a terminal command (issue 8 §4), through the installed command.

Names, ids and file names holding Rich markup (``[/]``, ``[bold red]``) or terminal escapes
(``\\x1b[31m``, ``\\r``) are printed literally — the markup as typed, control characters as visible
escapes — in trace, reach, policy, snapshot info, the flow-log tables and error lines; nothing crashes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from test_cli_contract import ROOT, vpcflow

NAME = "web[/][bold red]x\x1b[31m\x07y"
SHOWN = "web[/][bold red]x\\x1b[31m\\x07y"  # what the terminal receives: the markup as typed, escapes visible
IFACE = "eni-[/]\x1b[31m[red]"
IFACE_SHOWN = "eni-[/]\\x1b[31m[red]"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """nacl-trap with web-1's Name tag replaced by markup and escapes, plus an odd file and key."""
    snap = tmp_path_factory.mktemp("markup") / "snap"
    shutil.copytree(ROOT / "examples" / "nacl-trap", snap)
    res = snap / "Reservations.json"
    res.write_text(res.read_text().replace('"Value": "web-1"', json.dumps({"Value": NAME})[1:-1]))
    (snap / "[bold red]notes\x1b[31m\r.txt").write_text("not a snapshot file\n")
    (snap / "Extra.json").write_text(json.dumps({"[/]Odd\x1b[2J": [1]}))
    return snap


def _clean(text: str) -> None:
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text and "Traceback" not in text


def test_trace_text_shows_a_name_tag_literally(snapshot: Path) -> None:
    proc = vpcflow("trace", str(snapshot), "--src", "198.51.100.7", "--dst", NAME, "--port", "443")
    assert proc.returncode == 1, proc.stderr
    _clean(proc.stdout + proc.stderr)
    assert f"{SHOWN} (eni-0b1b2c3d4e5f00041)" in proc.stdout


def test_trace_json_keeps_the_value_exactly(snapshot: Path) -> None:
    proc = vpcflow(
        "trace", str(snapshot), "--src", "198.51.100.7", "--dst", NAME, "--port", "443", "-f", "json"
    )
    assert proc.returncode == 1
    _clean(proc.stdout)
    assert json.loads(proc.stdout)["destination"]["label"] == f"{NAME} (eni-0b1b2c3d4e5f00041)"


def test_reach_and_diff_text_show_it_literally(snapshot: Path) -> None:
    proc = vpcflow("reach", str(snapshot), "--src", "internet", "--dst", NAME, "-p", "tcp", "--port", "443")
    assert proc.returncode == 0, proc.stderr
    _clean(proc.stdout + proc.stderr)
    assert f"reach internet → {SHOWN}" in proc.stdout
    proc = vpcflow("diff", str(snapshot), str(snapshot), "--src", "internet", "--dst", NAME)
    assert proc.returncode == 0, proc.stderr
    _clean(proc.stdout + proc.stderr)
    assert SHOWN in proc.stdout


def test_policy_text_shows_it_literally(snapshot: Path, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "statements:\n  - name: '[bold red]users reach web'\n    allow:\n      from: internet\n"
        f"      to: {json.dumps(NAME)}\n      flows: [tcp/443]\n"
    )
    proc = vpcflow("policy", "check", str(snapshot), str(policy))
    assert proc.returncode in (0, 1), proc.stderr
    _clean(proc.stdout + proc.stderr)
    assert "[bold red]users reach web" in proc.stdout


def test_snapshot_info_shows_file_names_keys_and_tags_literally(snapshot: Path) -> None:
    proc = vpcflow("snapshot", "info", str(snapshot))
    assert proc.returncode == 0, proc.stderr
    _clean(proc.stdout + proc.stderr)
    assert "[bold red]notes\\x1b[31m\\r.txt" in proc.stdout
    assert "[/]Odd\\x1b[2J" in proc.stdout


def test_an_error_line_quoting_a_bad_value_escapes_it(tmp_path: Path) -> None:
    missing = tmp_path / "snap[bold red]\x1b[31m"
    proc = vpcflow("trace", str(missing), "--src", "a", "--dst", "b", "--port", "1")
    assert proc.returncode == 2 and proc.stdout == ""
    _clean(proc.stderr)
    assert proc.stderr.count("\n") == 1 and "snap[bold red]\\x1b[31m" in proc.stderr
    proc = vpcflow(
        "trace", str(ROOT / "examples" / "nacl-trap"), "--src", "198.51.100.7", "--dst", NAME, "--port", "1"
    )
    assert proc.returncode == 2
    _clean(proc.stderr)
    assert SHOWN in proc.stderr


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store whose records name an interface with markup and an escape in its id."""
    root = tmp_path_factory.mktemp("markup-logs")
    header = (
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end"
    )
    lines = [f"{header} action log-status"] + [
        f"2 123456789012 {IFACE} 198.51.100.7 10.1.0.10 {port} 443 6 1 40 1700000000 1700000010 REJECT OK"
        for port in (40000, 40001, 40002)
    ]
    (root / "odd.log").write_text("\n".join(lines) + "\n")
    proc = vpcflow("logs", "ingest", str(root / "odd.log"), "--store", str(root / "store"))
    assert proc.returncode == 0, proc.stderr
    return root / "store"


@pytest.mark.parametrize(
    "args",
    [
        ["rejects"],
        ["top", "--by", "interface"],
        ["explain", "--snapshot", str(ROOT / "examples" / "nacl-trap")],
        ["rejects", "-f", "csv"],
    ],
    ids=["rejects", "top", "explain", "csv"],
)
def test_flow_log_tables_show_an_interface_id_literally(store: Path, args: list[str]) -> None:
    proc = vpcflow("logs", args[0], "--store", str(store), "--since", "1699999000", *args[1:])
    assert proc.returncode in (0, 1), proc.stderr
    _clean(proc.stdout + proc.stderr)
    assert IFACE_SHOWN in proc.stdout


def test_flow_log_json_keeps_the_id_exactly(store: Path) -> None:
    proc = vpcflow("logs", "rejects", "--store", str(store), "--since", "1699999000", "-f", "json")
    assert proc.returncode == 0
    _clean(proc.stdout)
    assert {r["interface_id"] for r in json.loads(proc.stdout)["rows"]} == {IFACE}
