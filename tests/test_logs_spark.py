"""The same analyses on Spark (local mode) and DuckDB give identical results, on a simulated hour with
planted scans. Needs pyspark and a Java runtime (make test installs both)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="pyspark not installed (make test installs it)")
if shutil.which("java") is None:
    pytest.skip(
        "no Java runtime for Spark (make test installs default-jre-headless)", allow_module_level=True
    )

from vpcflow.flowlogs import analyses as A
from vpcflow.flowlogs.explain import explain_store
from vpcflow.flowlogs.store import connect, ingest
from vpcflow.simulate import load_profile, simulate
from vpcflow.sources import load_snapshot

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object, Path]:
    base = tmp_path_factory.mktemp("spark")
    snap = load_snapshot(ROOT / "examples" / "three-tier")
    simulate(
        snap,
        load_profile(ROOT / "examples" / "profiles" / "three-tier.yaml"),
        base / "raw",
        duration=1800,
        seed=9,
    )
    ingest([str(base / "raw")], base / "store")
    return connect(base / "store"), connect(base / "store", "spark"), base


@pytest.mark.slow
def test_analyses_identical_on_both_engines(engines: tuple[object, object, Path]) -> None:
    duck, spark, _ = engines
    w = A.Window(since=1_700_000_300)
    for run in (
        lambda c: A.rejects(c, w, 500),
        lambda c: A.top(c, w, "pair", 50),
        lambda c: A.top(c, w, "interface", 50, "packets"),
        lambda c: A.scans(c, w),
        lambda c: A.timeline(c, w, 300),
    ):
        a, b = run(duck), run(spark)
        assert a[0] == b[0] and a[1] == b[1] and a[1]
    assert any(r[1] == "198.51.100.66" for r in A.scans(spark, w)[1])


@pytest.mark.slow
def test_explain_identical_on_both_engines(engines: tuple[object, object, Path]) -> None:
    duck, spark, _ = engines
    snap = load_snapshot(ROOT / "examples" / "three-tier")
    a = explain_store(duck, snap, A.Window(), limit=50)
    b = explain_store(spark, snap, A.Window(), limit=50)
    assert [x.row() for x in a] == [x.row() for x in b] and all(x.status == "explained" for x in a)


@pytest.mark.slow
def test_spread_cells_read_again_identically_on_spark(tmp_path: Path) -> None:
    """The scan path that reads spread cells back from the records (a VALUES list joined to the records)
    gives the same rows on Spark. Runs last: a second Spark engine replaces the session's views."""
    import gzip

    from vpcflow.flowlogs.fields import DEFAULT_FIELDS

    t0 = 1_700_000_000 - 1_700_000_000 % 3600 + 100
    lines = [" ".join(DEFAULT_FIELDS)] + [
        f"2 123456789012 eni-01 10.0.0.1 10.0.1.1 40000 {p} 6 3 180 {t0 + t} {t0 + t + 30} REJECT OK"
        for p, t in [(1, 0), (1, 550), (1, 1100), (2, 450), (3, 600)]
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.log.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    ingest([str(tmp_path / "in")], tmp_path / "store")
    kw: dict[str, int] = {"ports_slow": 3, "slow_seconds": 600, "ports_fast": 99, "hosts": 99}
    duck = A.scans(connect(tmp_path / "store"), A.Window(), **kw)
    spark = A.scans(connect(tmp_path / "store", "spark"), A.Window(), **kw)
    assert duck == spark and [r[3] for r in duck[1]] == [3]
