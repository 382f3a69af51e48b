"""Writing one input object into the store: its records, partitioned, and its bad lines, quarantined.

Everything is written aside (``layout.write_aside``) while the object streams in; nothing has its final
name until ``publish``, and nothing counts until the journal says so (``store.ingest``). Part files are
named by the object's content (``part-<id16>-<n>.parquet``), so writing the same object again after a
crash replaces, never doubles, what a crash left. The quarantine holds, per object with bad lines,
``<id16>.log`` (the bad lines, byte for byte) and ``<id16>.lines`` (each one's line number and reason);
an object that could not be read at all, or whose gzip stream was cut short, is kept whole as
``<id16>.object``.
"""

from __future__ import annotations

import contextlib
import datetime
import shutil
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vpcflow.flowlogs.layout import (
    ACCOUNT_ID,
    REGION,
    UNKNOWN,
    check_partition,
    fsync_dir,
    fsync_file,
    partition_value,
    publish,
    temp_name,
    under,
)
from vpcflow.flowlogs.summary import HOUR, Touched, partition_folder

QUARANTINE = "quarantine"
_LAST_DAY = 253402300799  # 9999-12-31T23:59:59Z: later starts have no date (partition "unknown")
_PARTS = ("account", "region_part", "date")


def _date(start: int | None) -> str:
    if start is None or start < 0 or start > _LAST_DAY:
        return UNKNOWN
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=start // 86400)).isoformat()


def _single(values: pa.ChunkedArray | pa.Array) -> tuple[bool, Any]:
    """(True, v) when every value is v (None: all null), else (False, None); one pass, no hashing."""
    nulls = values.null_count
    if nulls == len(values):
        return True, None
    if nulls:
        return False, None
    if pa.types.is_dictionary(values.type):
        present = pc.unique(values)  # over the indices: cheap
        return len(present) == 1, present[0].as_py() if len(present) == 1 else None
    bounds = pc.min_max(values)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    return low == high, low


def one_partition(table: pa.Table) -> tuple[str, str, str, list[int]] | None:
    """The partition and hours of a table whose records all share one account, region and date (the
    usual case: an S3 object is one account, region and five minutes), found without building the
    partition columns; None otherwise."""
    names = table.column_names
    found = []
    for kind, name, source in (
        ("account", "account_id", "source_account"),
        ("region", "region", "source_region"),
    ):
        own = _single(table.column(name)) if name in names else (True, None)
        fallback = _single(table.column(source)) if source in names else (True, None)
        if not own[0] or not fallback[0]:
            return None
        value = partition_value(kind, own[1])
        found.append(value if value != UNKNOWN else partition_value(kind, fallback[1]))
    start = table.column("start")
    if start.null_count:
        return None
    bounds = pc.min_max(start)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low // 86400 != high // 86400 or _date(low) == UNKNOWN:
        return None
    return found[0], found[1], _date(low), list(range(low // HOUR * HOUR, high // HOUR * HOUR + 1, HOUR))


def _valid(values: pa.ChunkedArray | pa.Array, pattern: str) -> pa.ChunkedArray | pa.Array:
    if pa.types.is_dictionary(values.type):
        values = pc.cast(values, pa.string())
    ok = pc.fill_null(pc.match_substring_regex(values, f"^(?:{pattern})$"), False)
    return pc.if_else(ok, values, pa.scalar(None, pa.string()))


def partitioned(table: pa.Table) -> pa.Table:
    """``table`` with the partition columns: the record's account/region when in AWS's format, else the
    S3 key's, else ``unknown``; the date of its start."""

    def col(name: str) -> pa.ChunkedArray | pa.Array:
        if name in table.column_names:
            return table.column(name)
        return pa.nulls(table.num_rows, pa.string())

    account = pc.coalesce(
        _valid(col("account_id"), ACCOUNT_ID.pattern),
        _valid(col("source_account"), ACCOUNT_ID.pattern),
        pa.scalar(UNKNOWN),
    )
    region = pc.coalesce(
        _valid(col("region"), REGION.pattern),
        _valid(col("source_region"), REGION.pattern),
        pa.scalar(UNKNOWN),
    )
    start = table.column("start")
    in_range = pc.and_(pc.greater_equal(start, 0), pc.less_equal(start, _LAST_DAY))
    days = pc.if_else(in_range, pc.divide(start, pa.scalar(86400, pa.int64())), pa.scalar(None, pa.int64()))
    date = pc.coalesce(
        pc.cast(pc.cast(pc.cast(days, pa.int32()), pa.date32()), pa.string()), pa.scalar(UNKNOWN)
    )
    return (
        table.append_column("account", account)
        .append_column("region_part", region)
        .append_column("date", date)
    )


def split(table: pa.Table) -> list[tuple[str, str, str, pa.Table, set[int | None]]]:
    """The table's records per partition, with the hours they fall in."""
    one = one_partition(table)
    if one is not None:
        a, r, d, hours = one
        return [(a, r, d, table, set(hours))]
    part = partitioned(table)
    keys = part.select(list(_PARTS)).group_by(list(_PARTS), use_threads=False).aggregate([]).to_pylist()
    out = []
    for k in keys:
        a, r, d = str(k["account"]), str(k["region_part"]), str(k["date"])
        mask = pc.and_(
            pc.and_(pc.equal(part.column("account"), a), pc.equal(part.column("region_part"), r)),
            pc.equal(part.column("date"), d),
        )
        sub = part.filter(mask).drop_columns(list(_PARTS))
        hours = pc.unique(pc.multiply(pc.divide(sub.column("start"), pa.scalar(HOUR, pa.int64())), HOUR))
        out.append((a, r, d, sub, set(hours.to_pylist())))
    return out


def _stats_columns(schema: pa.Schema) -> list[str]:
    """Column statistics only where they prune: numbers (time ranges above all). Min/max of the string
    columns cost a third of the write time and no query filters on their ranges."""
    return [f.name for f in schema if not pa.types.is_string(f.type)]


class ObjectWriter:
    """One object's files, written aside as it streams in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # (partition, schema) → (writer, temp path, partition folder)
        self._parts: dict[tuple[str, str, str, pa.Schema], tuple[pq.ParquetWriter, Path, Path]] = {}
        self._log: IO[bytes] | None = None
        self._lines: IO[bytes] | None = None
        self._temps: list[Path] = []
        self._open_line = False
        self._raw: Path | None = None
        self.cells: Touched = set()
        self.files: list[tuple[Path, Path]] = []  # (temp, final), once finished

    # -- records ------------------------------------------------------------------------------------
    def write(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        for a, r, d, sub, hours in split(table):
            check_partition(a, r, d)
            folder = under(self.root, partition_folder(self.root, "flows", a, r, d))
            key = (a, r, d, sub.schema)
            if key not in self._parts:
                folder.mkdir(parents=True, exist_ok=True)
                tmp = temp_name(folder / "part.parquet")
                self._temps.append(tmp)
                writer = pq.ParquetWriter(tmp, sub.schema, write_statistics=_stats_columns(sub.schema))
                self._parts[key] = (writer, tmp, folder)
            self._parts[key][0].write_table(sub)
            self.cells |= {(a, r, d, h) for h in hours}

    # -- quarantine (reader.LineSink) ---------------------------------------------------------------
    def _quarantine(self) -> tuple[IO[bytes], IO[bytes]]:
        if self._log is None or self._lines is None:
            folder = self.root / QUARANTINE
            folder.mkdir(parents=True, exist_ok=True)
            log, lines = temp_name(folder / "q.log"), temp_name(folder / "q.lines")
            self._temps += [log, lines]
            self._log, self._lines = log.open("wb"), lines.open("wb")
        return self._log, self._lines

    def line(self, line_no: int, raw: bytes, why: str) -> None:
        log, lines = self._quarantine()
        if self._open_line:
            log.write(b"\n")
        log.write(raw)
        self._open_line = True
        lines.write(f"{line_no}\t{why}\n".encode())

    def more(self, raw: bytes) -> None:
        self._quarantine()[0].write(raw)

    def keep_raw(self, source: Path | bytes) -> None:
        """Keep the whole object as it came (unreadable, or its stream cut short)."""
        folder = self.root / QUARANTINE
        folder.mkdir(parents=True, exist_ok=True)
        tmp = temp_name(folder / "q.object")
        self._temps.append(tmp)
        if isinstance(source, bytes):
            tmp.write_bytes(source)
        else:
            shutil.copyfile(source, tmp)
        self._raw = tmp

    # -- the end ------------------------------------------------------------------------------------
    def finish(self, digest: str) -> tuple[dict[str, int], dict[str, int]]:
        """Close every file, flush it to disk, and decide the final names. Returns the parts and the
        quarantine files (relative path → size)."""
        stem = digest[:16]
        parts: dict[str, int] = {}
        quarantine: dict[str, int] = {}
        counters: dict[Path, int] = {}
        for writer, tmp, folder in self._parts.values():
            writer.close()
            n = counters.get(folder, 0)
            counters[folder] = n + 1
            final = folder / f"part-{stem}-{n}.parquet"
            self.files.append((tmp, final))
        if self._log is not None and self._lines is not None:
            if self._open_line:
                self._log.write(b"\n")
            for fh, ext in ((self._log, "log"), (self._lines, "lines")):
                fh.close()
                self.files.append((Path(fh.name), self.root / QUARANTINE / f"{stem}.{ext}"))
        if self._raw is not None:
            self.files.append((self._raw, self.root / QUARANTINE / f"{stem}.object"))
        for tmp, final in self.files:
            fsync_file(tmp)
            rel = final.relative_to(self.root).as_posix()
            (quarantine if rel.startswith(QUARANTINE + "/") else parts)[rel] = tmp.stat().st_size
        return parts, quarantine

    def publish(self) -> None:
        """Give every file its final name (atomic renames), then flush the folders."""
        folders = set()
        for tmp, final in self.files:
            publish(tmp, final, sync=False)
            folders.add(final.parent)
        for folder in folders:
            fsync_dir(folder)
        self._temps = []

    def abort(self) -> None:
        """Drop everything written so far (the object is not going into the store)."""
        for writer, _tmp, _folder in self._parts.values():
            with contextlib.suppress(OSError, pa.ArrowException):
                writer.close()
        for fh in (self._log, self._lines):
            if fh is not None and not fh.closed:
                fh.close()
        for tmp in self._temps:
            tmp.unlink(missing_ok=True)
        self._temps = []
