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
