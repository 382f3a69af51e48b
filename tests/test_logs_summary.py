"""The hourly rollups give exactly the answers the records give: for every analysis, any window (whole
hours, edges cutting an hour, inside one hour), any thresholds, after incremental ingests and after an
input changes; and a store written without rollups gets them on its next ingest."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcflow.flowlogs import analyses as A
from vpcflow.flowlogs.fields import DEFAULT_FIELDS
from vpcflow.flowlogs.store import MANIFEST, connect, ingest

D0 = 1_700_000_000 - 1_700_000_000 % 86400  # a day boundary
H0 = D0 - 2 * 3600  # records start two hours before it
HEADER = " ".join(DEFAULT_FIELDS)


def _line(eni: str, src: str, dst: str, sport: int, dport: int, proto: int, t: int, action: str) -> str:
    return f"2 123456789012 {eni} {src} {dst} {sport} {dport} {proto} 3 180 {t} {t + 30} {action} OK"


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join([HEADER, *lines]) + "\n").encode()))


def _raw(con: Any) -> Any:
    con.summary = False  # the same engine, reading the records only
    return con


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows in a fixed order (None, as in a request's client_ports, sorts first)."""
    return sorted(rows, key=lambda r: tuple((v is not None, v if v is not None else 0) for v in r))


def _answers(store: Path, window: A.Window, **thresholds: Any) -> list[Any]:
    con = connect(store)
    out = []
    for summary in (True, False):
        if not summary:
            _raw(con)
        else:
            assert con.summary, "the store should have rollups"
        out.append(
            (
                _sorted(A.rejects(con, window, limit=100_000)[1]),
                _sorted(A.top(con, window, by="pair", limit=100_000)[1]),
                _sorted(A.top(con, window, by="interface", limit=100_000, order="records")[1]),
                _sorted(A.scans(con, window, **thresholds)[1]),
                A.timeline(con, window, bucket=300)[1],
                A.timeline(con, window, bucket=7200)[1],
                A.timeline(con, window, bucket=90)[1],
            )
        )
    return out


# a small world so that records repeat (the rollup merges them) and bursts happen
record = st.tuples(
    st.sampled_from(["eni-01", "eni-02"]),
    st.sampled_from(["10.0.0.1", "10.0.0.2", "198.51.100.7"]),
    st.sampled_from(["10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4"]),
    st.sampled_from([40000, 40001, 51000, 80, 443]),
    # mostly service ports below the source port (requests); some replies to high ports, some equal
    st.one_of(st.integers(1, 12), st.sampled_from([443, 40000, 51000])),
    st.sampled_from([6, 6, 17, 1]),
    # mostly the first three hours (around midnight), some the next day, some anywhere in two days
    st.one_of(
        st.integers(0, 3 * 3600 - 1),
        st.integers(86400, 86400 + 4 * 3600),
        st.integers(0, 2 * 86400 + 7200),
    ),
    st.sampled_from(["ACCEPT", "REJECT", "REJECT"]),
)
# window ends: anywhere, or on an hour or a day boundary (H0 + 7200 is midnight)
moment = st.one_of(
    st.none(),
    st.integers(-600, 2 * 86400 + 8000),
    st.sampled_from([0, 3600, 7200, 7200 + 86400, 7200 + 2 * 86400]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(record, min_size=1, max_size=120),
    split=st.integers(0, 120),
    since=moment,
    until=moment,
    seconds=st.sampled_from([60, 90, 600, 3600]),
    threshold=st.integers(2, 5),
    filters=st.one_of(
        st.just(((), (), ())),
        st.tuples(
            st.sets(st.sampled_from(["eni-01", "eni-09"]), max_size=1).map(tuple),
            st.sets(st.sampled_from(["10.0.0.1", "10.0.1.2", "203.0.113.1"]), max_size=2).map(tuple),
            st.sets(st.sampled_from([1, 5, 443, 40000]), max_size=2).map(tuple),
        ),
    ),
)
def test_rollup_answers_equal_record_answers(
    tmp_path_factory: Any,
    records: list[tuple[str, str, str, int, int, int, int, str]],
    split: int,
    since: int | None,
    until: int | None,
    seconds: int,
    threshold: int,
    filters: tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]],
) -> None:
    """Also with the --eni/--addr/--port filters: rollup cells filter exactly as the records do."""
    base = tmp_path_factory.mktemp("roll")
    lines = [_line(e, s, d, sp, dp, p, H0 + t, a) for e, s, d, sp, dp, p, t, a in records]
    # two objects ingested one after the other: the second rolls up hours the first already filled
    _write(base / "in" / "a.log.gz", lines[:split])
    ingest([str(base / "in")], base / "store")
    _write(base / "in" / "b.log.gz", lines[split:])
    ingest([str(base / "in")], base / "store")
    window = A.Window(None if since is None else H0 + since, None if until is None else H0 + until, *filters)
    kw = {
        "ports_slow": threshold,
        "slow_seconds": seconds,
        "ports_fast": threshold + 1,
        "fast_seconds": max(60, seconds // 10),
        "hosts": max(2, threshold - 1),
        "sweep_seconds": seconds,
        "min_rejected": 0.0,
    }
    rolled, raw = _answers(base / "store", window, **kw)
    assert rolled == raw
    shutil.rmtree(base)


@given(
    since=st.one_of(st.none(), st.integers(-60, 200)),
    until=st.one_of(st.none(), st.integers(-60, 200)),
    sizes=st.sampled_from([(24, 6), (24, 8), (10, 5), (12, 4, 2)]),
)
def test_cover_reads_every_instant_of_the_window_once(
    since: int | None, until: int | None, sizes: tuple[int, ...]
) -> None:
    """Brute force over every second: a second inside the window is read exactly once (from the unit of
    one tier that holds it, or from the records), a second outside never."""
    tiers = tuple((f"v{size}", f"c{size}", size) for size in sizes)
    rolled, raw = A.cover(since, until, tiers)

    def within(t: int, span: tuple[int | None, int | None]) -> bool:
        return (span[0] is None or t >= span[0]) and (span[1] is None or t < span[1])

    for t in range(-80, 230):
        reads = sum(
            within(t // size * size, span) for view, _c, size in tiers for span in rolled.get(view, [])
        )
        reads += sum(within(t, span) for span in raw)
        inside = (since is None or t >= since) and (until is None or t < until)
        assert reads == (1 if inside else 0), (t, rolled, raw)


def test_changed_input_replaces_its_hours(tmp_path: Path) -> None:
    """An input re-ingested with other contents leaves nothing of its old records in any hour."""
    path = tmp_path / "in" / "a.log.gz"
    _write(path, [_line("eni-01", "10.0.0.1", "10.0.1.1", 40000, 22, 6, H0 + 10, "REJECT")])
    ingest([str(tmp_path / "in")], tmp_path / "store")
    # same name, records two hours later (size changes, so the file is read again)
    _write(
        path,
        [_line("eni-01", "10.0.0.9", "10.0.1.1", 40000, 23, 6, H0 + 7300 + i, "REJECT") for i in range(3)],
    )
    again = ingest([str(tmp_path / "in")], tmp_path / "store")
    assert again.files == 1
    rolled, raw = _answers(tmp_path / "store", A.Window())
    assert rolled == raw
    rows = rolled[0]
    # direction, server, service port, records, clients
    assert [(r[1], r[2], r[3], r[5], r[8]) for r in rows] == [("request", "10.0.1.1", 23, 3, 1)]
    assert not list((tmp_path / "store" / "rollup").rglob(f"h{H0}-*.parquet"))


def test_store_without_rollups_gets_them(tmp_path: Path) -> None:
    _write(
        tmp_path / "in" / "a.log.gz",
        [_line("eni-01", "10.0.0.1", "10.0.1.1", 40000 + i, 22, 6, H0 + 60 * i, "REJECT") for i in range(90)],
    )
    ingest([str(tmp_path / "in")], tmp_path / "store")
    # as a store with rollups of an older version: the records and no rollup this version reads
    shutil.rmtree(tmp_path / "store" / "rollup")
    manifest = json.loads((tmp_path / "store" / MANIFEST).read_text())
    manifest["summary"], manifest["rollup_files"] = 2, {}
    (tmp_path / "store" / MANIFEST).write_text(json.dumps(manifest))
    con = connect(tmp_path / "store")
    assert con.summary is False and not con.problems
    before = A.rejects(con, A.Window())[1]
    assert before[0][5] == 90  # records, from the records themselves
    again = ingest([str(tmp_path / "in")], tmp_path / "store")
    assert again.files == 0  # nothing new to read, but the rollups are built
    con = connect(tmp_path / "store")
    assert con.summary is True
    assert A.rejects(con, A.Window())[1] == before


@pytest.mark.parametrize(
    "probes",
    [
        # port 1 at 0, 550 and 1100 s is present in every 600 s window between: its rollup cell spans more
        # than the window, so its starts come from the records. Ports 2 (450 s) and 3 (600 s) meet it only
        # in windows starting between 1 and 450 s, where port 1 is present only through its middle probe.
        [(1, 0), (1, 550), (1, 1100), (2, 450), (3, 600)],
        # ports 2 (350 s) and 3 (949 s) share exactly one window, starting at 350 s; port 1 (0, 350,
        # 1200 s) is in it only through its probe at the very first second of that window
        [(1, 0), (1, 350), (1, 1200), (2, 350), (3, 949)],
    ],
)
def test_probes_spread_within_an_hour_are_read_again(tmp_path: Path, probes: list[tuple[int, int]]) -> None:
    t0 = H0 + 100
    _write(
        tmp_path / "in" / "a.log.gz",
        [_line("eni-01", "10.0.0.1", "10.0.1.1", 40000, p, 6, t0 + t, "REJECT") for p, t in probes],
    )
    ingest([str(tmp_path / "in")], tmp_path / "store")
    kw: dict[str, Any] = {"ports_slow": 3, "slow_seconds": 600, "ports_fast": 99, "hosts": 99}
    con = connect(tmp_path / "store")
    rows = A.scans(con, A.Window(), **kw)[1]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [("port-scan", "10.0.0.1", "10.0.1.1", 3)]
    assert rows == A.scans(_raw(con), A.Window(), **kw)[1]


@given(
    accounts=st.lists(st.sampled_from(["111111111111", "222222222222", None]), min_size=1, max_size=6),
    source=st.sampled_from(["333333333333", None]),
    regions=st.sampled_from([None, ["us-east-1"], ["us-east-1", "eu-west-1"], ["us-east-1", None]]),
    starts=st.lists(st.integers(D0 - 7200, D0 + 7200), min_size=1, max_size=6),
    encoded=st.booleans(),
)
def test_single_partition_shortcut_agrees_with_partition_columns(
    accounts: list[str | None],
    source: str | None,
    regions: list[str | None] | None,
    starts: list[int],
    encoded: bool,
) -> None:
    """Objects of one account, region and date skip building partition columns; when the shortcut is
    taken it must name the partition and hours those columns would (declining is always safe)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from vpcflow.flowlogs.objects import one_partition as _one_partition
    from vpcflow.flowlogs.objects import partitioned as _partitioned

    def touched_hours(part: pa.Table) -> set[tuple[Any, ...]]:
        hours = pc.multiply(pc.divide(part.column("start"), pa.scalar(3600, pa.int64())), 3600)
        cells = pa.table(
            {
                "a": part.column("account"),
                "r": part.column("region_part"),
                "d": part.column("date"),
                "h": hours,
            }
        )
        return {tuple(r.values()) for r in cells.group_by(["a", "r", "d", "h"]).aggregate([]).to_pylist()}

    n = max(len(accounts), len(starts))
    cols: dict[str, Any] = {
        "account_id": pa.array([accounts[i % len(accounts)] for i in range(n)], pa.string()),
        "start": pa.array([starts[i % len(starts)] for i in range(n)], pa.int64()),
        "source_account": pa.array([source] * n, pa.string()),
        "source_region": pa.array(["ap-south-1"] * n, pa.string()),
    }
    if regions is not None:
        cols["region"] = pa.array([regions[i % len(regions)] for i in range(n)], pa.string())
    if encoded:  # as the fast reader gives text columns
        cols = {k: v.dictionary_encode() if pa.types.is_string(v.type) else v for k, v in cols.items()}
    table = pa.table(cols)
    cells = touched_hours(_partitioned(table))
    one = _one_partition(table)
    partitions = {(a, r, d) for a, r, d, _h in cells}
    if len(partitions) > 1:
        assert one is None
    if one is not None:
        a, r, d, hours = one
        assert partitions == {(a, r, d)}
        assert {h for *_p, h in cells} <= set(hours)
    # the usual object (one account, no region field, one date) takes the shortcut
    usual = pa.table({"account_id": ["111111111111"] * 2, "start": [D0 + 5, D0 + 3700]})
    assert _one_partition(usual) == (
        "111111111111",
        "unknown",
        _partitioned(usual)["date"][0].as_py(),
        [D0, D0 + 3600],
    )


def test_deferred_rollups(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ingest --no-rollups` leaves its hours pending: until `logs rollup` builds them, the analyses read
    the records (never a rollup missing those hours); afterwards they read rollups and answer the same."""
    from vpcflow.cli import main
    from vpcflow.flowlogs.store import load_manifest

    lines = [
        _line("eni-01", "10.0.0.1", "10.0.1.1", 40000 + i, 22, 6, H0 + 100 * i, "REJECT") for i in range(80)
    ]
    _write(tmp_path / "in" / "a.log.gz", lines[:40])
    ingest([str(tmp_path / "in")], tmp_path / "store")  # rolled up
    _write(tmp_path / "in" / "b.log.gz", lines[40:])
    assert (
        main(["logs", "ingest", str(tmp_path / "in"), "--store", str(tmp_path / "store"), "--no-rollups"])
        == 0
    )
    assert "rollups left for `logs rollup`" in " ".join(capsys.readouterr().out.split())
    pending = load_manifest(tmp_path / "store").pending
    assert pending and all(h is not None and H0 <= h < H0 + 8000 for *_p, h in pending)
    con = connect(tmp_path / "store")
    assert con.summary is False  # the rollups lack b's hours: not used
    assert A.rejects(con, A.Window())[1][0][5] == 80
    assert main(["logs", "rollup", "--store", str(tmp_path / "store")]) == 0
    assert capsys.readouterr().out.startswith(f"rolled up {len(pending)} hours")
    con = connect(tmp_path / "store")
    assert con.summary is True and not load_manifest(tmp_path / "store").pending
    rolled, raw = _answers(tmp_path / "store", A.Window())
    assert rolled == raw and rolled[0][0][5] == 80
