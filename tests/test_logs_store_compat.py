"""A store this vpcflow cannot read safely is refused in one line that says what to do, and nothing in it
is changed: one written by an older vpcflow (manifest format 1: inputs known by path, no journal), or a
folder holding files under flows/, rollup/ or quarantine/ with no manifest or journal at all (another
tool's, or an older vpcflow's unfinished first ingest). No file of it is changed or removed (the writer's
lock file aside). Through the installed command."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from vpcflow.flowlogs.fields import DEFAULT_FIELDS

ROOT = Path(__file__).resolve().parents[1]
VPCFLOW = Path(sys.executable).parent / "vpcflow"


def vpcflow(*args: str) -> subprocess.CompletedProcess[str]:
    if not VPCFLOW.exists():
        pytest.skip(f"console script not installed at {VPCFLOW}")
    return subprocess.run(
        [str(VPCFLOW), *args], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )


def _tree(root: Path) -> dict[str, str]:
    """Every file and its digest; the writer's lock file (``_lock``, taken before the store is read)
    aside."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "_lock"
    }


def _logs(tmp_path: Path) -> Path:
    line = "2 123456789012 eni-01 203.0.113.1 10.0.0.1 40000 22 6 1 40 1700000000 1700000030 REJECT OK"
    path = tmp_path / "logs" / "a.log.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(f"{' '.join(DEFAULT_FIELDS)}\n{line}\n".encode()))
    return path.parent


def _refused(run: subprocess.CompletedProcess[str], *texts: str) -> None:
    assert run.returncode == 2 and run.stdout == "", (run.returncode, run.stdout, run.stderr)
    assert run.stderr.startswith("vpcflow: error: ") and run.stderr.count("\n") == 1, run.stderr
    assert "Traceback" not in run.stderr
    for t in texts:
        assert t in run.stderr, run.stderr


def test_a_store_of_an_older_vpcflow_is_refused_untouched(tmp_path: Path) -> None:
    store = tmp_path / "store"
    part = store / "flows" / "account=123456789012" / "region_part=us-east-1" / "date=2023-11-14"
    part.mkdir(parents=True)
    (part / "part-0123456789abcdef-0.parquet").write_bytes(b"PAR1 pretend PAR1")
    manifest = {"files": {"/logs/a.log.gz": {"size": 10, "mtime": 1.5, "records": 1}}, "summary": 3}
    (store / "_manifest.json").write_text(json.dumps(manifest))
    before = _tree(store)
    logs = _logs(tmp_path)
    for args in (
        ("logs", "ingest", str(logs), "--store", str(store)),
        ("logs", "rejects", "--store", str(store)),
        ("logs", "rollup", "--store", str(store)),
    ):
        _refused(vpcflow(*args), "older vpcflow", f"mv {store} {store}.old", f"--store {store}")
    assert _tree(store) == before
    # what the line says to do works
    store.rename(tmp_path / "store.old")
    assert vpcflow("logs", "ingest", str(logs), "--store", str(store)).returncode == 0


def test_files_that_are_not_a_store_are_never_deleted(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (store / "flows" / "mine").mkdir(parents=True)
    (store / "flows" / "mine" / "notes.parquet").write_bytes(b"someone else's")
    before = _tree(store)
    _refused(
        vpcflow("logs", "ingest", str(_logs(tmp_path)), "--store", str(store)),
        "no vpcflow manifest or journal",
        "empty or new folder",
    )
    assert _tree(store) == before
