"""Rollups of the store, written at ingest, read by the analyses.

Grouping ten million records by addresses takes seconds however the engine is tuned, and the analyses need
only a few columns of them. So ingest keeps three rollups, each exact for the questions asked of it:

- **hour**: per hour of record start and per (interface, addresses, destination port, protocol, action,
  log status, request or not — destination port below source port), the record count, packet and byte
  sums, the first and last start and the last end: every column ``rejects``, ``top`` and ``scans`` read,
  without the ephemeral source port that makes records distinct;
- **day**: the same, summed over the hours of a day (what a query over whole days reads);
- **minute**: records, bytes and packets per minute, action and log status (``timeline``).

A query reads whole days from the day rollup, whole hours left at the window's edges from the hour rollup,
and the seconds left over from the records (``analyses.cover``). ``scans`` reads hours (see
``analyses._burst`` for why that is exact). ``explain`` needs source ports and reads the records.

Layout: ``STORE/rollup/<hour|day|minute>/account=…/region_part=…/date=…/<file>.parquet``; ``h<epoch>``
files hold one hour (``h-null``: records without a start), ``day`` one date. An ingest rewrites the
hours it touched, their minutes, and their days.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import duckdb

SUMMARY_VERSION = 2
MINUTE, HOUR, DAY = 60, 3600, 86400
TIERS = ("hour", "day", "minute")

# (account, region_part, date, hour start or None)
Touched = set[tuple[str, str, str, int | None]]

_HOURLY = """
    SELECT start // 3600 * 3600 AS hour, interface_id, srcaddr, dstaddr, dstport, protocol, action,
           log_status, dstport < srcport AS request, count(*) AS records,
           CAST(sum(packets) AS BIGINT) AS packets, CAST(sum(bytes) AS BIGINT) AS bytes,
           min(start) AS first_start, max(start) AS last_start, max("end") AS last_end
    FROM read_parquet('{files}', union_by_name = true)
    WHERE {hour}
    GROUP BY ALL
"""
_MINUTES = """
    SELECT start // 60 * 60 AS minute, action, log_status, count(*) AS records,
           CAST(sum(packets) AS BIGINT) AS packets, CAST(sum(bytes) AS BIGINT) AS bytes
    FROM read_parquet('{files}', union_by_name = true)
    WHERE {hour}
    GROUP BY ALL
"""
_DAILY = """
    SELECT hour // 86400 * 86400 AS day, interface_id, srcaddr, dstaddr, dstport, protocol, action,
           log_status, request, CAST(sum(records) AS BIGINT) AS records,
           CAST(sum(packets) AS BIGINT) AS packets, CAST(sum(bytes) AS BIGINT) AS bytes,
           min(first_start) AS first_start, max(last_start) AS last_start, max(last_end) AS last_end
    FROM read_parquet('{files}', union_by_name = true)
    GROUP BY ALL
"""


def partition_folder(root: Path, kind: str, account: str, region: str, date: str) -> Path:
    """``root/kind/account=…/region_part=…/date=…``: where one partition's files of a kind live."""
    return root / kind / f"account={account}" / f"region_part={region}" / f"date={date}"


def touched_hours(part: pa.Table) -> Touched:
    """The (partition, hour) cells a table of records (with partition columns) falls in."""
    hours = pc.multiply(pc.divide(part.column("start"), pa.scalar(HOUR, pa.int64())), HOUR)
    cells = pa.table(
        {
            "a": part.column("account"),
            "r": part.column("region_part"),
            "d": part.column("date"),
            "h": hours,
        }
    ).group_by(["a", "r", "d", "h"], use_threads=False)
    out: Touched = set()
    for row in cells.aggregate([]).to_pylist():
        out.add((str(row["a"]), str(row["r"]), str(row["d"]), row["h"]))
    return out


def hours_of_file(path: Path) -> Touched:
    """The cells a part file already in the store holds (its partition is in its folder names)."""
    names = dict(p.split("=", 1) for p in path.parent.parts[-3:] if "=" in p)
    starts = pq.read_table(path, columns=["start"]).column("start")
    hours = pc.unique(pc.multiply(pc.divide(starts, pa.scalar(HOUR, pa.int64())), HOUR)).to_pylist()
    return {(names["account"], names["region_part"], names["date"], h) for h in hours}


def _all_cells(root: Path) -> Touched:
    cells: Touched = set()
    for part in (root / "flows").rglob("*.parquet"):
        cells |= hours_of_file(part)
    return cells


def _hour_condition(hour: int | None) -> str:
    if hour is None:
        return "start IS NULL"
    # a plain range: part files whose start statistics miss it are skipped
    return f"start >= {hour} AND start < {hour + HOUR}"


def _copy(con: duckdb.DuckDBPyConnection, sql: str, target: Path) -> None:
    """Write a query's rows to ``target`` (nothing when there are none), atomically."""
    tmp = target.with_name(f".{target.name}.tmp")
    quoted = tmp.as_posix().replace("'", "''")
    con.execute(f"COPY ({sql}) TO '{quoted}' (FORMAT parquet)")
    if pq.read_metadata(tmp).num_rows:
        os.replace(tmp, target)
    else:
        tmp.unlink()


def build_summary(root: Path, touched: Touched | None) -> int:
    """Roll up the given cells again from the records (every cell of the store when ``touched`` is None),
    then the days they fall in. One query per hour keeps the aggregation small (a day's groups at once
    spill past the memory limit); the part files' footers are cached across those queries."""
    if touched is None:
        import shutil

        shutil.rmtree(root / "rollup", ignore_errors=True)
        touched = _all_cells(root)
    if not touched:
        return 0
    import duckdb

    by_partition: dict[tuple[str, str, str], set[int | None]] = {}
    for a, r, d, h in touched:
        by_partition.setdefault((a, r, d), set()).add(h)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET memory_limit = '384MB'")
    con.execute("SET parquet_metadata_cache = true")
    try:
        for (a, r, d), hours in sorted(by_partition.items(), key=lambda kv: kv[0]):
            src = partition_folder(root, "flows", a, r, d)
            outs = {tier: partition_folder(root / "rollup", tier, a, r, d) for tier in TIERS}
            for folder in outs.values():
                folder.mkdir(parents=True, exist_ok=True)
            files = (src / "*.parquet").as_posix().replace("'", "''")
            has_records = any(src.glob("*.parquet"))
            for h in sorted(hours, key=lambda x: -1 if x is None else x):
                for tier in ("hour", "minute"):
                    (outs[tier] / _hour_file(h)).unlink(missing_ok=True)
                if has_records:
                    cond = _hour_condition(h)
                    _copy(con, _HOURLY.format(files=files, hour=cond), outs["hour"] / _hour_file(h))
                    _copy(con, _MINUTES.format(files=files, hour=cond), outs["minute"] / _hour_file(h))
            (outs["day"] / "day.parquet").unlink(missing_ok=True)
            if any(outs["hour"].glob("h*.parquet")):
                hourly = (outs["hour"] / "h*.parquet").as_posix().replace("'", "''")
                _copy(con, _DAILY.format(files=hourly), outs["day"] / "day.parquet")
    finally:
        con.close()
    return len(touched)


def _hour_file(hour: int | None) -> str:
    return f"h{'-null' if hour is None else hour}.parquet"
