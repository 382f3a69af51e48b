"""Rollups of the store, written at ingest, read by the analyses.

Grouping ten million records by addresses takes seconds however the engine is tuned, and the analyses need
only a few columns of them. So ingest keeps three rollups, each exact for the questions asked of it:

- **hour**: per hour of record start and per (interface, addresses, destination port, protocol, action,
  log status, request or not — destination port below source port —, and for the others their source
  port, the service port a reply comes from), the record count, packet and byte sums, the first and last
  start and the last end: every column ``rejects``, ``top`` and ``scans`` read, without the ephemeral
  source port that makes requests distinct;
- **day**: the same, summed over the hours of a day (what a query over whole days reads);
- **minute**: records, bytes and packets per minute, action and log status (``timeline``).

A query reads whole days from the day rollup, whole hours left at the window's edges from the hour rollup,
and the seconds left over from the records (``analyses.cover``). ``scans`` reads hours (see
``analyses._burst`` for why that is exact). ``explain`` needs source ports and reads the records.

Layout: ``STORE/rollup/<hour|day|minute>/account=…/region_part=…/date=…/<file>.parquet``;
``h<epoch>-<tag>`` files hold one hour (``h-null-<tag>``: records without a start), ``day-<tag>`` one
date. Rolling up rewrites the hours given, their minutes and their days, each into a file of a new name
(written aside, then renamed); the caller commits the new names and removes the old files, so a reader
never sees a mix.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

from vpcflow.flowlogs.layout import fsync_dir, fsync_file, temp_name

if TYPE_CHECKING:
    import duckdb

SUMMARY_VERSION = 3  # 3: hour and day cells keep a reply's source port (``sport``)
MINUTE, HOUR, DAY = 60, 3600, 86400
TIERS = ("hour", "day", "minute")

# (account, region_part, date, hour start or None)
Touched = set[tuple[str, str, str, int | None]]

_HOURLY = """
    SELECT start // 3600 * 3600 AS hour, interface_id, srcaddr, dstaddr, dstport, protocol, action,
           log_status, dstport < srcport AS request,
           CASE WHEN dstport < srcport THEN NULL ELSE srcport END AS sport, count(*) AS records,
           CAST(sum(packets) AS BIGINT) AS packets, CAST(sum(bytes) AS BIGINT) AS bytes,
           min(start) AS first_start, max(start) AS last_start, max("end") AS last_end
    FROM read_parquet({files}, union_by_name = true)
    WHERE {hour}
    GROUP BY ALL
"""
_MINUTES = """
    SELECT start // 60 * 60 AS minute, action, log_status, count(*) AS records,
           CAST(sum(packets) AS BIGINT) AS packets, CAST(sum(bytes) AS BIGINT) AS bytes
    FROM read_parquet({files}, union_by_name = true)
    WHERE {hour}
    GROUP BY ALL
"""
_DAILY = """
    SELECT hour // 86400 * 86400 AS day, interface_id, srcaddr, dstaddr, dstport, protocol, action,
           log_status, request, sport, CAST(sum(records) AS BIGINT) AS records,
           CAST(sum(packets) AS BIGINT) AS packets, CAST(sum(bytes) AS BIGINT) AS bytes,
           min(first_start) AS first_start, max(last_start) AS last_start, max(last_end) AS last_end
    FROM read_parquet({files}, union_by_name = true)
    GROUP BY ALL
"""


def interrupted(exc: BaseException) -> bool:
    """Is this DuckDB's way of saying Ctrl-C stopped the query?"""
    return type(exc).__name__ == "InterruptException" or (
        isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower()
    )


def partition_folder(root: Path, kind: str, account: str, region: str, date: str) -> Path:
    """``root/kind/account=…/region_part=…/date=…``: where one partition's files of a kind live."""
    return root / kind / f"account={account}" / f"region_part={region}" / f"date={date}"


def partition_of(rel: str) -> tuple[str, str, str] | None:
    """The partition a store file's relative path names (None: not a partition's file)."""
    names = dict(p.split("=", 1) for p in rel.split("/")[:-1] if "=" in p)
    try:
        return names["account"], names["region_part"], names["date"]
    except KeyError:
        return None


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + p.as_posix().replace("'", "''") + "'" for p in paths) + "]"


def _hour_condition(hour: int | None) -> str:
    if hour is None:
        return "start IS NULL"
    # a plain range: part files whose start statistics miss it are skipped
    return f"start >= {hour} AND start < {hour + HOUR}"


def hour_key(name: str) -> str | None:
    """``h1700000000-ab12cd34.parquet`` → ``h1700000000``; ``day-….parquet`` → ``day``."""
    if not name.endswith(".parquet"):
        return None
    return name[: -len(".parquet")].rsplit("-", 1)[0]


class Rollup:
    """One rolling-up: new files written aside (``temps``), the files they replace (``remove``)."""

    def __init__(self, root: Path, current: dict[str, int]) -> None:
        self.root = root
        self.current = current
        self.add: dict[str, int] = {}
        self.remove: list[str] = []
        self.temps: list[tuple[Path, Path]] = []
        self.where: dict[str, Path] = {}  # new files: where they are until published
        self.tag = secrets.token_hex(4)

    def _replace(self, folder: Path, key: str) -> None:
        prefix = folder.relative_to(self.root).as_posix() + "/"
        for rel in list(self.current):
            if (
                rel.startswith(prefix)
                and "/" not in rel[len(prefix) :]
                and hour_key(rel[len(prefix) :]) == key
            ):
                self.remove.append(rel)
                del self.current[rel]

    def copy(self, con: duckdb.DuckDBPyConnection, sql: str, folder: Path, key: str) -> None:
        """Write a query's rows as the file for ``key`` in ``folder`` (none when there are no rows),
        replacing the current one."""
        self._replace(folder, key)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{key}-{self.tag}.parquet"
        tmp = temp_name(final)
        quoted = tmp.as_posix().replace("'", "''")
        try:
            try:
                con.execute(f"COPY ({sql}) TO '{quoted}' (FORMAT parquet)")
            except Exception as exc:
                if interrupted(exc):
                    raise KeyboardInterrupt from None
                raise
            if not pq.read_metadata(tmp).num_rows:
                tmp.unlink()
                return
            fsync_file(tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        rel = final.relative_to(self.root).as_posix()
        self.add[rel] = tmp.stat().st_size
        self.current[rel] = self.add[rel]
        self.where[rel] = tmp
        self.temps.append((tmp, final))

    def publish(self) -> None:
        folders = set()
        for tmp, final in self.temps:
            os.replace(tmp, final)
            folders.add(final.parent)
        for folder in folders:
            fsync_dir(folder)
        self.temps = []

    def abort(self) -> None:
        for tmp, _final in self.temps:
            tmp.unlink(missing_ok=True)
        self.temps = []


def build_summary(root: Path, touched: Touched, parts: dict[str, int], current: dict[str, int]) -> Rollup:
    """Roll up the given cells again from the committed records ``parts`` (relative paths), then the
    days they fall in, next to the ``current`` rollup files. One query per hour keeps the aggregation
    small (a day's groups at once spill past the memory limit); the part files' footers are cached
    across those queries. Nothing is published: the caller commits ``add``/``remove``."""
    job = Rollup(root, dict(current))
    if not touched:
        return job
    import duckdb

    by_partition: dict[tuple[str, str, str], set[int | None]] = {}
    for a, r, d, h in touched:
        by_partition.setdefault((a, r, d), set()).add(h)
    files_of: dict[tuple[str, str, str], list[Path]] = {}
    for rel in parts:
        p = partition_of(rel)
        if p is not None:
            files_of.setdefault(p, []).append(root / rel)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET memory_limit = '384MB'")
    con.execute("SET parquet_metadata_cache = true")
    try:
        for (a, r, d), hours in sorted(by_partition.items(), key=lambda kv: kv[0]):
            outs = {tier: partition_folder(root / "rollup", tier, a, r, d) for tier in TIERS}
            files = sorted(files_of.get((a, r, d), []))
            for h in sorted(hours, key=lambda x: -1 if x is None else x):
                key = _hour_key(h)
                if files:
                    cond = _hour_condition(h)
                    job.copy(con, _HOURLY.format(files=_sql_list(files), hour=cond), outs["hour"], key)
                    job.copy(con, _MINUTES.format(files=_sql_list(files), hour=cond), outs["minute"], key)
                else:
                    job._replace(outs["hour"], key)
                    job._replace(outs["minute"], key)
            prefix = outs["hour"].relative_to(root).as_posix() + "/"
            hourly = sorted(
                job.where.get(rel, root / rel)
                for rel in job.current
                if rel.startswith(prefix) and "/" not in rel[len(prefix) :] and rel[len(prefix)] == "h"
            )
            if hourly:
                job.copy(con, _DAILY.format(files=_sql_list(hourly)), outs["day"], "day")
            else:
                job._replace(outs["day"], "day")
    except BaseException:
        job.abort()
        raise
    finally:
        con.close()
    return job


def _hour_key(hour: int | None) -> str:
    return f"h{'-null' if hour is None else hour}"
