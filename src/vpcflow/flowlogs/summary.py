"""Hourly rollups of the store, written at ingest, read by the analyses.

Grouping ten million records by addresses takes seconds however the engine is tuned; the analyses need
only a few columns of them. So ingest keeps, per hour of record start and per (interface, addresses,
destination port, protocol, action, log status, request or not), the record count, packet and byte sums,
the first and last start and the last end: every column the analyses read except the ephemeral source
port, which is what makes records distinct. ``rejects`` and ``top`` are then exact sums over the rollup;
``scans`` reads it too (see ``analyses._burst``); edges of a ``--since/--until`` window that cut an hour
are read from the records themselves. ``explain`` needs the source port and reads the records.

Layout: ``STORE/summary/account=…/region_part=…/date=…/h<epoch of the hour>.parquet`` (``h-null`` for
records without a start), one file per hour, rewritten whole when an ingest adds records to that hour.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SUMMARY_VERSION = 1
HOUR = 3600

# (account, region_part, date, hour start or None)
Touched = set[tuple[str, str, str, int | None]]

# the rollup of one partition; {hours} is a condition on ``start``
_ROLLUP = """
    SELECT start // 3600 * 3600 AS hour, interface_id, srcaddr, dstaddr, dstport, protocol, action,
           log_status, dstport < srcport AS request, count(*) AS records,
           CAST(sum(packets) AS BIGINT) AS packets, CAST(sum(bytes) AS BIGINT) AS bytes,
           min(start) AS first_start, max(start) AS last_start, max("end") AS last_end
    FROM read_parquet('{files}', union_by_name = true)
    WHERE {hours}
    GROUP BY ALL
"""


def _folder(root: Path, kind: str, account: str, region: str, date: str) -> Path:
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


def _hours_condition(hours: set[int | None]) -> str:
    known = sorted(h for h in hours if h is not None)
    terms = []
    if known:
        # the range prunes part files by their start statistics; the list keeps only the touched hours
        listed = ", ".join(str(h) for h in known)
        terms.append(
            f"(start >= {known[0]} AND start < {known[-1] + HOUR} AND start // 3600 * 3600 IN ({listed}))"
        )
    if None in hours:
        terms.append("start IS NULL")
    return " OR ".join(terms) or "false"


def build_summary(root: Path, touched: Touched | None) -> None:
    """Roll up the given cells again from the records (every cell of the store when ``touched`` is None)."""
    import duckdb

    if touched is None:
        import shutil

        shutil.rmtree(root / "summary", ignore_errors=True)
        touched = _all_cells(root)
    if not touched:
        return
    by_partition: dict[tuple[str, str, str], set[int | None]] = {}
    for a, r, d, h in touched:
        by_partition.setdefault((a, r, d), set()).add(h)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET memory_limit = '512MB'")
    try:
        for (a, r, d), hours in sorted(by_partition.items(), key=lambda kv: kv[0]):
            src = _folder(root, "flows", a, r, d)
            out = _folder(root, "summary", a, r, d)
            out.mkdir(parents=True, exist_ok=True)
            for h in hours:
                (out / f"h{'-null' if h is None else h}.parquet").unlink(missing_ok=True)
            if not any(src.glob("*.parquet")):
                continue
            files = (src / "*.parquet").as_posix().replace("'", "''")
            table = con.sql(_ROLLUP.format(files=files, hours=_hours_condition(hours))).to_arrow_table()
            if table.num_rows == 0:
                continue
            table = table.sort_by("hour")
            column = table.column("hour")
            for h in hours:
                mask = pc.is_null(column) if h is None else pc.equal(column, pa.scalar(h, column.type))
                rows = table.filter(mask)
                if rows.num_rows:
                    pq.write_table(rows, out / f"h{'-null' if h is None else h}.parquet")
    finally:
        con.close()
