"""The store survives crashes and neighbours, through the installed ``vpcflow`` command.

Ingests are killed (SIGKILL, SIGINT) at random moments and at every named point of the commit protocol
(``VPCFLOW_CRASH_AT``, docs/flowlogs.md); afterwards the analyses never crash and count only committed
objects, each once, and an ingest of the same inputs brings every record in exactly once. Two ingests
into one store at once both land everything; a writer that cannot get the lock says so in one line.
A store damaged from outside (a part file deleted or cut short, a stray file, a broken manifest) is
detected by the analyses and repaired by the next ingest.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from vpcflow.flowlogs.fields import DEFAULT_FIELDS

VPCFLOW = Path(sys.executable).with_name("vpcflow")
OBJECTS, PER_OBJECT = 24, 500
T0 = 1_700_000_000 - 1_700_000_000 % 86400 + 3600  # 01:00: two hours of records within one date
pytestmark = pytest.mark.skipif(not VPCFLOW.exists(), reason="the vpcflow console script is not installed")


def _inputs(folder: Path, objects: int = OBJECTS, first: int = 0) -> int:
    """Objects of distinct records (each record's source port and bytes say which one it is) over two
    hours; returns how many records they hold."""
    header = " ".join(DEFAULT_FIELDS)
    n = 0
    for k in range(first, first + objects):
        lines = [header]
        for i in range(PER_OBJECT):
            t = T0 + (k * PER_OBJECT + i) * 7200 // (OBJECTS * PER_OBJECT)
            action = "REJECT" if i % 7 == 0 else "ACCEPT"
            lines.append(
                f"2 123456789012 eni-{k % 3:017x} 10.0.{k}.{i % 200} 10.1.0.5 {1024 + i} 443 6 1 "
                f"{k * 10000 + i} "
                f"{t} {t + 30} {action} OK"
            )
            n += 1
        day = time.strftime("%Y/%m/%d", time.gmtime(T0))
        path = folder / "AWSLogs/123456789012/vpcflowlogs/us-east-1" / day / f"obj-{k:03d}.log.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return n


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VPCFLOW_")}
    env["VPCFLOW_FSYNC"] = "1"  # the real protocol, flushes included
    env.update(extra)
    return env


def _vpcflow(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VPCFLOW), *args], capture_output=True, text=True, env=_env(**env), timeout=300)


def _ingest(inputs: Path, store: Path, *more: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _vpcflow("logs", "ingest", str(inputs), "--store", str(store), *more, **env)


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1, 2), (proc.returncode, proc.stderr)


def _counted(store: Path) -> tuple[int | None, str]:
    """Records the analyses count (timeline, from rollups when current, else the records), or None when
    the store holds none yet; and what they said on stderr."""
    proc = _vpcflow("logs", "timeline", "--store", str(store), "--bucket", "3600", "--format", "json")
    _no_traceback(proc)
    if proc.returncode == 2:
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        return None, proc.stderr
    assert proc.returncode == 0, proc.stderr
    return sum(r["records"] for r in json.loads(proc.stdout)["rows"]), proc.stderr


def _committed(store: Path) -> int:
    from vpcflow.flowlogs.store import load_manifest

    if not (store / "_manifest.json").exists() and not (store / "_journal").exists():
        return 0
    return sum(int(e["records"]) for e in load_manifest(store).files.values())


def _exactly_once(store: Path, total: int) -> None:
    """Every record counted once, from the rollups and from the records alone."""
    from vpcflow.flowlogs import analyses as A
    from vpcflow.flowlogs.store import connect

    con = connect(store)
    assert con.summary and not con.problems, con.problems
    rolled = A.timeline(con, A.Window(), bucket=3600)[1]
    con.summary = False
    assert A.timeline(con, A.Window(), bucket=3600)[1] == rolled
    assert sum(r[1] for r in rolled) == total
    distinct = con.execute("SELECT count(DISTINCT bytes), count(*) FROM flows").fetchone()
    assert distinct == (total, total)
    leftovers = [p for p in store.rglob("*") if p.is_file() and p.name.endswith(".tmp")]
    assert not leftovers


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    folder = tmp_path_factory.mktemp("in")
    return folder, _inputs(folder)


POINTS = [
    ("written", 3),  # an object's files written aside, not yet renamed
    ("published", 5),  # files renamed, not yet committed
    ("journal-torn", 4),  # half a journal line on disk
    ("committed", 2),  # the journal line flushed; nothing else done
    ("rolled-up", 1),  # rollups written aside
    ("rollups-published", 1),  # rollups renamed, not committed
    ("rollups-committed", 1),  # rollups committed, the replaced ones not yet removed
    ("checkpointed", 1),  # manifest replaced, journal not yet emptied
]


@pytest.mark.parametrize(("point", "nth"), POINTS, ids=[p for p, _n in POINTS])
def test_crash_at_each_point_of_the_commit(
    inputs: tuple[Path, int], tmp_path: Path, point: str, nth: int
) -> None:
    folder, total = inputs
    store = tmp_path / "store"
    first = _ingest(folder, store, VPCFLOW_CRASH_AT=f"{point}:{nth}")
    assert first.returncode == -signal.SIGKILL
    counted, err = _counted(store)
    assert counted == _committed(store) or (counted is None and _committed(store) == 0)
    assert counted is None or counted <= total
    if point in ("written", "published", "journal-torn", "rolled-up", "rollups-published"):
        assert "Traceback" not in err
    again = _ingest(folder, store)
    assert again.returncode == 0, again.stderr
    _exactly_once(store, total)


def test_killed_at_random_moments_then_reingested(inputs: tuple[Path, int], tmp_path: Path) -> None:
    """SIGKILL and SIGINT at random moments of several ingests in a row, each followed by the analyses;
    then one ingest to the end: every record once."""
    folder, total = inputs
    store = tmp_path / "store"
    rng = random.Random(8)
    t0 = time.monotonic()
    assert _ingest(folder, tmp_path / "timing").returncode == 0
    full = time.monotonic() - t0
    for round_ in range(6):
        sig = signal.SIGKILL if round_ % 2 == 0 else signal.SIGINT
        proc = subprocess.Popen(
            [str(VPCFLOW), "logs", "ingest", str(folder), "--store", str(store)],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # from the moment the ingest holds the store (an interpreter still importing is not the store's
        # business) to about when it would finish
        started = time.monotonic()
        while proc.poll() is None and _holder(store) != proc.pid:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, max(0.1, full - (time.monotonic() - started))))
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        assert "Traceback" not in err, err
        # an interpreter shutting down after its ingest finished dies of SIGINT as any would
        finished = out.startswith("ingested ")
        assert proc.returncode in (0, -signal.SIGKILL, 130) or (finished and proc.returncode == -sig), (
            proc.returncode,
            out,
            err,
        )
        counted, _err = _counted(store)
        committed = _committed(store)
        assert (counted or 0) == committed <= total
    assert _ingest(folder, store).returncode == 0
    _exactly_once(store, total)


def _holder(store: Path) -> int | None:
    """The process that last took the store's writer lock."""
    try:
        return int((store / "_lock").read_text() or 0)
    except (FileNotFoundError, ValueError):
        return None


def test_two_ingests_at_once(tmp_path: Path) -> None:
    """Two writers into one store: the second waits for the first; both land everything, once."""
    a, b = tmp_path / "a", tmp_path / "b"
    total = _inputs(a, 12) + _inputs(b, 12, first=12)
    store = tmp_path / "store"
    procs = [
        subprocess.Popen(
            [str(VPCFLOW), "logs", "ingest", str(src), "--store", str(store)],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for src in (a, b, a)
    ]
    for p in procs:
        _out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    _exactly_once(store, total)


def test_a_busy_store_refuses_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _inputs(folder, 2)
    store = tmp_path / "store"
    store.mkdir()
    fd = os.open(store / "_lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        proc = _ingest(folder, store, "--wait", "0.3")
    finally:
        os.close(fd)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "another ingest" in lines[0] and "--wait" in lines[0], proc.stderr


def test_moved_and_copied_folders_count_once(inputs: tuple[Path, int], tmp_path: Path) -> None:
    folder, total = inputs
    store = tmp_path / "store"
    assert _ingest(folder, store).returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    moved = tmp_path / "moved"
    shutil.copytree(folder, tmp_path / "tmp")
    (tmp_path / "tmp").rename(moved)
    for again in (copy, moved):
        proc = _ingest(again, store, "--format", "json")
        assert proc.returncode == 0, proc.stderr
        summary = json.loads(proc.stdout)
        assert (summary["files"], summary["records"], summary["duplicates"]) == (0, 0, OBJECTS)
    # and the next run skips them unread
    assert json.loads(_ingest(copy, store, "--format", "json").stdout)["duplicates"] == 0
    _exactly_once(store, total)


def _first_part(store: Path) -> Path:
    return sorted((store / "flows").rglob("part-*.parquet"))[0]


def test_damage_is_reported_then_repaired(inputs: tuple[Path, int], tmp_path: Path) -> None:
    folder, total = inputs
    store = tmp_path / "store"
    assert _ingest(folder, store).returncode == 0
    cut = _first_part(store)
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # truncated
    gone = sorted((store / "flows").rglob("part-*.parquet"))[-1]
    gone.unlink()  # missing
    (cut.parent / "stray.parquet").write_bytes(data)  # a file no ingest committed
    counted, err = _counted(store)
    warnings = [line for line in err.splitlines() if line.startswith("vpcflow: warning:")]
    assert len(warnings) == 2, err
    assert "missing or damaged" in warnings[0] and "left out" in warnings[0]
    assert "no ingest committed" in warnings[1]
    assert counted == total - 2 * PER_OBJECT
    rollup = sorted((store / "rollup" / "day").rglob("*.parquet"))[0]
    rollup.write_bytes(b"PAR1 not really")
    counted, err = _counted(store)
    assert counted == total - 2 * PER_OBJECT and "rollup file(s) missing or damaged" in err
    again = _ingest(folder, store, "--format", "json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["repaired"], summary["files"], summary["records"]) == (2, 2, 2 * PER_OBJECT)
    _exactly_once(store, total)
    assert not (cut.parent / "stray.parquet").exists()


@pytest.mark.parametrize("damage", ["garbage", "empty", "list"])
def test_a_broken_manifest_is_one_line(inputs: tuple[Path, int], tmp_path: Path, damage: str) -> None:
    folder, _total = inputs
    store = tmp_path / "store"
    assert _ingest(folder, store).returncode == 0
    body: dict[str, Any] | str = {"garbage": "{not json", "empty": "", "list": "[1, 2]"}[damage]
    (store / "_manifest.json").write_text(str(body))
    for proc in (_counted_proc(store), _ingest(folder, store)):
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "manifest" in proc.stderr
        _no_traceback(proc)


def _counted_proc(store: Path) -> subprocess.CompletedProcess[str]:
    return _vpcflow("logs", "rejects", "--store", str(store))
