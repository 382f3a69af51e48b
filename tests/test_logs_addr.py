"""`--addr` takes an address or a CIDR (IPv4 and IPv6), checked against a brute-force count of the
records, from the rollups and from the records alike; a bad value is one line, exit 2, through the
installed command; the text tables never cut a column name."""

from __future__ import annotations

import gzip
import ipaddress
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcflow.flowlogs import analyses as A
from vpcflow.flowlogs.fields import DEFAULT_FIELDS
from vpcflow.flowlogs.store import connect, ingest

ROOT = Path(__file__).resolve().parents[1]
VPCFLOW = Path(sys.executable).parent / "vpcflow"
HEADER = " ".join(DEFAULT_FIELDS)
H0 = 1_700_002_800  # an hour boundary
ADDRESSES = [
    "10.0.0.1",
    "10.0.0.200",
    "10.0.1.7",
    "10.1.0.1",
    "192.168.0.1",
    "203.0.113.9",
    "2001:db8::1",
    "2001:db8:0:1::5",
    "2001:db8:ffff::9",
    "2001:db9::1",
    "fd00::1",
]
NETWORKS = [
    "10.0.0.0/24",
    "10.0.0.0/8",
    "10.0.0.128/25",
    "0.0.0.0/0",
    "203.0.113.9/32",
    "2001:db8::/32",
    "2001:db8::/64",
    "2001:db8:0:1::/64",
    "::/0",
    "fc00::/7",
]


def _line(src: str, dst: str, dport: int, t: int, action: str) -> str:
    return f"2 123456789012 eni-01 {src} {dst} 40000 {dport} 6 3 180 {t} {t + 30} {action} OK"


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join([HEADER, *lines]) + "\n").encode()))


def _records(con: Any, window: A.Window) -> int:
    cols, rows = A.top(con, window, by="pair", limit=100_000, order="records")
    i = cols.index("records")
    return sum(int(r[i]) for r in rows)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(
        st.tuples(
            st.sampled_from(ADDRESSES),
            st.sampled_from(ADDRESSES),
            st.integers(0, 7200),
            st.sampled_from(["ACCEPT", "REJECT"]),
        ),
        min_size=1,
        max_size=40,
    ),
    nets=st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=2, unique=True),
    exact=st.lists(st.sampled_from(ADDRESSES), max_size=1),
)
def test_cidr_filter_equals_brute_force(
    tmp_path_factory: pytest.TempPathFactory,
    records: list[tuple[str, str, int, str]],
    nets: list[str],
    exact: list[str],
) -> None:
    base = tmp_path_factory.mktemp("addr")
    _write(base / "in" / "a.log.gz", [_line(s, d, 443, H0 + t, a) for s, d, t, a in records])
    ingest([str(base / "in")], base / "store")
    networks = [ipaddress.ip_network(n) for n in nets]

    def hit(a: str) -> bool:
        addr = ipaddress.ip_address(a)
        return a in exact or any(addr in n for n in networks if n.version == addr.version)

    expected = sum(1 for s, d, _t, _a in records if hit(s) or hit(d))
    window = A.Window(addrs=tuple(exact), nets=tuple(nets))
    con = connect(base / "store")
    assert con.summary
    assert _records(con, window) == expected  # whole hours from the rollups
    con.summary = False
    assert _records(con, window) == expected  # the records alone
    rejected = sum(1 for s, d, _t, a in records if a == "REJECT" and (hit(s) or hit(d)))
    _cols, rows = A.rejects(connect(base / "store"), window, limit=100_000)
    assert sum(int(r[5]) for r in rows) == rejected


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("cli")
    lines = [_line(f"203.0.113.{i}", "10.1.0.10", 443, H0 + i, "REJECT") for i in range(5)]
    lines += [_line("10.1.0.10", f"198.51.100.{i}", 443, H0 + 100 + i, "REJECT") for i in range(3)]
    lines += [_line("2001:db8::7", "2001:db8:0:1::10", 22, H0 + 200, "REJECT")]
    _write(base / "in" / "a.log.gz", lines)
    ingest([str(base / "in")], base / "store")
    return base / "store"


def vpcflow(*args: str, columns: int | None = None) -> subprocess.CompletedProcess[str]:
    if not VPCFLOW.exists():
        pytest.skip(f"console script not installed at {VPCFLOW}")
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    if columns:
        env["COLUMNS"] = str(columns)
    return subprocess.run(
        [str(VPCFLOW), *args], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT, env=env
    )


def test_cli_addr_cidr_and_address(store: Path) -> None:
    import json

    def servers(*addr: str) -> list[str]:
        flags = [x for a in addr for x in ("--addr", a)]
        run = vpcflow("logs", "rejects", "--store", str(store), *flags, "--format", "json")
        assert run.returncode == 0, run.stderr
        return sorted({r["server"] for r in json.loads(run.stdout)["rows"]})

    assert servers("203.0.113.0/29") == ["10.1.0.10"]
    assert servers("198.51.100.0/24") == ["198.51.100.0", "198.51.100.1", "198.51.100.2"]
    assert servers("2001:db8::/32") == ["2001:db8:0:1::10"]
    assert servers("2001:db8:0:1::10") == ["2001:db8:0:1::10"]
    assert servers("192.0.2.0/24") == []


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("10.1.0.1/24", "did you mean 10.1.0.0/24?"),
        ("10.1.0.0/33", "IPv4 or IPv6 address or CIDR"),
        ("2001:db8::1/32", "did you mean 2001:db8::/32?"),
        ("web-server", "IPv4 or IPv6 address or CIDR"),
    ],
)
def test_cli_addr_bad_value_is_one_line(store: Path, value: str, hint: str) -> None:
    run = vpcflow("logs", "rejects", "--store", str(store), "--addr", value)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith("vpcflow: error: --addr ") and run.stderr.count("\n") == 1, run.stderr
    assert hint in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("columns", [60, 100, 160])
def test_rejects_table_never_cuts_a_column_name(store: Path, columns: int) -> None:
    run = vpcflow("logs", "rejects", "--store", str(store), columns=columns)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    header = "\n".join(lines[: next(i for i, line in enumerate(lines) if line.startswith("┡"))])
    words = "interface id direction server service port protocol records packets bytes clients client"
    for word in [*words.split(), "ports", "first", "seen", "last"]:
        assert re.search(rf"(?<![\w]){word}(?![\w])", header), (word, header)
    # addresses and times whole on their lines
    assert "2001:db8:0:1::10" in run.stdout and re.search(r"\d{4}-\d{2}-\d{2}", run.stdout)
