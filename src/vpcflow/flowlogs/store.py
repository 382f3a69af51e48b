"""The flow-log store: typed Parquet, hive-partitioned by account, region and date, queried with DuckDB.

``STORE/flows/account=<id>/region_part=<r>/date=<YYYY-MM-DD>/part-<file-digest>-<n>.parquet`` (the
records), ``STORE/rollup/<hour|day|minute>/…`` (the rollups the analyses read, see ``summary.py``) and
``STORE/_manifest.json`` (every ingested input: path, size, mtime, counts; the rollups' state). Ingest is
incremental (a file already in the manifest with the same size and mtime is skipped; only the hours it
touched are rolled up again) and streaming (a few input objects in memory at a time; AWS caps objects at
75 MB).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from vpcflow.errors import InputError
from vpcflow.flowlogs.reader import FileReport, iter_files, read_bytes, read_file
from vpcflow.flowlogs.remote import is_remote, iter_cloudwatch, iter_s3
from vpcflow.flowlogs.summary import (
    SUMMARY_VERSION,
    Touched,
    build_summary,
    hours_of_file,
    partition_folder,
    touched_hours,
)

MANIFEST = "_manifest.json"


@dataclass
class IngestSummary:
    files: int = 0
    skipped: int = 0
    records: int = 0
    nodata: int = 0
    skipdata: int = 0
    malformed: int = 0
    truncated: int = 0
    bytes: int = 0
    seconds: float = 0.0
    rollup_seconds: float = 0.0  # of ``seconds``: rolling up the hours this run touched
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["records_per_second"] = round(self.rate)
        return out


@dataclass
class Manifest:
    """``STORE/_manifest.json``: every ingested input; the version of the store's rollups (None: the
    store has none); and the cells ingested without rolling them up (``ingest --no-rollups``)."""

    files: dict[str, dict[str, Any]]
    rollups: int | None
    pending: Touched

    @property
    def rollups_current(self) -> bool:
        return self.rollups == SUMMARY_VERSION and not self.pending

    def save(self, store: Path) -> None:
        pending = sorted(self.pending, key=lambda c: (c[0], c[1], c[2], -1 if c[3] is None else c[3]))
        data = {"files": self.files, "summary": self.rollups, "pending": [list(c) for c in pending]}
        (store / MANIFEST).write_text(json.dumps(data, indent=1, sort_keys=True))


def load_manifest(store: str | Path) -> Manifest:
    path = Path(store) / MANIFEST
    if not path.exists():
        return Manifest({}, SUMMARY_VERSION, set())  # a new store: every hour it gets is touched by this run
    try:
        data = json.loads(path.read_text())
        pending = {
            (str(a), str(r), str(d), None if h is None else int(h)) for a, r, d, h in data.get("pending", [])
        }
    except (json.JSONDecodeError, ValueError, TypeError) as exc:
        raise InputError(f"corrupt manifest: {exc}", source=str(path)) from None
    return Manifest(dict(data.get("files", {})), data.get("summary"), pending)


def rollups_current(store: str | Path) -> bool:
    """Are the store's rollups complete and of this version (else analyses read the records)?"""
    try:
        return (Path(store) / MANIFEST).exists() and load_manifest(store).rollups_current
    except InputError:
        return False


def rollup(store: str | Path) -> tuple[int, float]:
    """Build the rollups an ingest with ``rollups=False`` left out (all of them for a store that has
    none, or older ones). Returns the number of (partition, hour) cells rolled up and the seconds."""
    root = Path(store)
    if not (root / MANIFEST).exists():
        raise InputError(
            "no flow-log store here (run `vpcflow logs ingest PATH --store DIR` first)", source=str(root)
        )
    t0 = time.perf_counter()
    manifest = load_manifest(root)
    cells = None if manifest.rollups != SUMMARY_VERSION else set(manifest.pending)
    n = build_summary(root, cells)
    manifest.rollups, manifest.pending = SUMMARY_VERSION, set()
    manifest.save(root)
    return n, time.perf_counter() - t0


def _partitioned(table: pa.Table) -> pa.Table:
    def col(name: str) -> pa.ChunkedArray | pa.Array:
        if name in table.column_names:
            return table.column(name)
        return pa.nulls(table.num_rows, pa.string())

    account = pc.coalesce(col("account_id"), col("source_account"), pa.scalar("unknown"))
    region = pc.coalesce(col("region"), col("source_region"), pa.scalar("unknown"))
    days = pc.cast(pc.divide(table.column("start"), pa.scalar(86400, pa.int64())), pa.int32())
    date = pc.coalesce(pc.cast(pc.cast(days, pa.date32()), pa.string()), pa.scalar("unknown"))
    return (
        table.append_column("account", account)
        .append_column("region_part", region)
        .append_column("date", date)
    )


_PARTS = ("account", "region_part", "date")


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


def _one_partition(table: pa.Table) -> tuple[str, str, str, list[int]] | None:
    """The partition and hours of an object whose records all share one account, region and date (the
    usual case: an S3 object is one account, region and five minutes), found without building the
    partition columns; None otherwise."""
    names = table.column_names
    found = []
    for name, source in (("account_id", "source_account"), ("region", "source_region")):
        own = _single(table.column(name)) if name in names else (True, None)
        fallback = _single(table.column(source)) if source in names else (True, None)
        if not own[0] or not fallback[0]:
            return None
        found.append(own[1] if own[1] is not None else fallback[1] if fallback[1] is not None else "unknown")
    start = table.column("start")
    if start.null_count:
        return None
    bounds = pc.min_max(start)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low < 0 or low // 86400 != high // 86400:
        return None
    date = (datetime.date(1970, 1, 1) + datetime.timedelta(days=low // 86400)).isoformat()
    return str(found[0]), str(found[1]), date, list(range(low // 3600 * 3600, high // 3600 * 3600 + 1, 3600))


def _stats_columns(table: pa.Table) -> list[str]:
    """Column statistics only where they prune: numbers (time ranges above all). Min/max of the string
    columns cost a third of the write time and no query filters on their ranges."""
    return [f.name for f in table.schema if not pa.types.is_string(f.type) and f.name not in _PARTS]


def _write(part: pa.Table, flows: Path, digest: str) -> None:
    keys = [pc.unique(part.column(c)) for c in _PARTS]
    stats = _stats_columns(part)
    if all(len(k) == 1 and k[0].is_valid for k in keys):
        # one partition, the usual case (an S3 object is one account, region and five minutes)
        a, r, d = (k[0].as_py() for k in keys)
        folder = partition_folder(flows.parent, "flows", a, r, d)
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            part.drop_columns(list(_PARTS)), folder / f"part-{digest}-0.parquet", write_statistics=stats
        )
        return
    ds.write_dataset(
        part,
        flows,
        format="parquet",
        partitioning=ds.partitioning(pa.schema([(c, pa.string()) for c in _PARTS]), flavor="hive"),
        basename_template=f"part-{digest}-{{i}}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        file_options=ds.ParquetFileFormat().make_write_options(write_statistics=stats),
    )


def _drop_parts(flows: Path, digest: str, touched: Touched) -> None:
    """Remove an object's earlier parts before it is written again (its new records may fall in other
    partitions than the old ones), marking the hours they held for a new rollup."""
    for old in flows.rglob(f"part-{digest}-*.parquet"):
        touched.update(hours_of_file(old))
        old.unlink()


def _put(table: pa.Table, key: str, version: Any, root: Path, replace: bool, append: bool) -> Touched:
    """Write one object's records and return the (partition, hour) cells they touched. A re-read object
    replaces its earlier part files; an appended CloudWatch batch gets parts of its own."""
    touched: Touched = set()
    name = f"{key}|{version}" if append else key
    digest = hashlib.sha1(name.encode()).hexdigest()[:16]
    if replace and not append:
        _drop_parts(root / "flows", digest, touched)
    one = _one_partition(table) if table.num_rows else None
    if one is not None:
        a, r, d, hours = one
        folder = partition_folder(root, "flows", a, r, d)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"part-{digest}-0.parquet"
        pq.write_table(table, target, write_statistics=_stats_columns(table))
        touched.update((a, r, d, h) for h in hours)
    elif table.num_rows:
        part = _partitioned(table)
        touched.update(touched_hours(part))
        _write(part, root / "flows", digest)
    return touched


def _account(
    rep: FileReport,
    key: str,
    stamp: dict[str, Any],
    manifest: dict[str, dict[str, Any]],
    summary: IngestSummary,
    progress: Callable[[FileReport], None] | None,
) -> None:
    """Count one object's records and problems, and list it in the manifest."""
    manifest[key] = {**stamp, "records": rep.records, "malformed": rep.malformed, "truncated": rep.truncated}
    summary.files += 1
    summary.records += rep.records
    summary.nodata += rep.nodata
    summary.skipdata += rep.skipdata
    summary.malformed += rep.malformed
    summary.truncated += int(rep.truncated)
    summary.bytes += rep.bytes
    if rep.malformed or rep.truncated:
        summary.problems.append(
            {
                "file": rep.path,
                "malformed": rep.malformed,
                "truncated": rep.truncated,
                "examples": rep.examples,
            }
        )
    if progress:
        progress(rep)


def _record(
    table: pa.Table,
    rep: FileReport,
    key: str,
    stamp: dict[str, Any],
    root: Path,
    manifest: dict[str, dict[str, Any]],
    summary: IngestSummary,
    touched: Touched,
    progress: Callable[[FileReport], None] | None,
    append: bool = False,
) -> None:
    touched |= _put(table, key, stamp.get("version"), root, key in manifest, append)
    _account(rep, key, stamp, manifest, summary, progress)


def _load(
    path: Path, fields: tuple[str, ...] | None, key: str, root: Path, replace: bool
) -> tuple[FileReport, Touched]:
    """Read and write one local object (on a pool thread)."""
    table, rep = read_file(path, fields)
    return rep, _put(table, key, None, root, replace, append=False)


def _ingest_remote(
    url: str,
    root: Path,
    manifest: dict[str, dict[str, Any]],
    summary: IngestSummary,
    touched: Touched,
    fields: tuple[str, ...] | None,
    progress: Callable[[FileReport], None] | None,
    endpoint_url: str | None,
) -> None:
    if url.startswith("s3://"):
        for obj in iter_s3(url, endpoint_url=endpoint_url):
            seen = manifest.get(obj.key)
            if seen and seen.get("version") == obj.version and seen.get("size") == obj.size:
                summary.skipped += 1
                continue
            table, rep = read_bytes(obj.body, obj.key, fields)
            _record(
                table,
                rep,
                obj.key,
                {"size": obj.size, "version": obj.version},
                root,
                manifest,
                summary,
                touched,
                progress,
            )
        return
    # CloudWatch Logs: read each stream from where the last ingest stopped
    since = {k: int(v["version"]) for k, v in manifest.items() if k.startswith(url.rstrip("/") + "/")}
    for obj in iter_cloudwatch(url, endpoint_url=endpoint_url, since_ms=since):
        table, rep = read_bytes(obj.body, obj.key, fields)
        previous = manifest.get(obj.key, {}).get("records", 0)
        stamp = {"size": obj.size, "version": obj.version}
        _record(table, rep, obj.key, stamp, root, manifest, summary, touched, progress, append=True)
        manifest[obj.key]["records"] += previous


def ingest(
    inputs: list[str],
    store: str | Path,
    *,
    fields: tuple[str, ...] | None = None,
    progress: Callable[[FileReport], None] | None = None,
    endpoint_url: str | None = None,
    rollups: bool = True,
) -> IngestSummary:
    """Read the inputs into the store (see the module docstring); returns what was read. With
    ``rollups=False`` the touched hours are only listed as pending: the analyses read the records until
    ``rollup`` (or a later ingest with rollups) builds them."""
    # Arrow's default pool (mimalloc) hands each object's freed buffers back to the kernel and faults them
    # in again for the next: a fifth of ingest time in system calls. The C library's allocator keeps them.
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        return _ingest(inputs, Path(store), fields, progress, endpoint_url, rollups)
    finally:
        pa.set_memory_pool(previous)


def _ingest(
    inputs: list[str],
    root: Path,
    fields: tuple[str, ...] | None,
    progress: Callable[[FileReport], None] | None,
    endpoint_url: str | None,
    rollups: bool,
) -> IngestSummary:
    (root / "flows").mkdir(parents=True, exist_ok=True)
    state = load_manifest(root)
    manifest = state.files
    summary = IngestSummary()
    touched: Touched = set()
    t0 = time.perf_counter()
    store_resolved = root.resolve()
    todo: list[tuple[Path, os.stat_result, str]] = []
    queued: set[str] = set()
    local = [p for p in inputs if not is_remote(p)]
    for path in iter_files(local):
        if store_resolved in path.resolve().parents:
            continue  # never re-read the store itself
        st = path.stat()
        key = str(path.resolve())
        seen = manifest.get(key)
        if seen and seen["size"] == st.st_size and seen["mtime"] == st.st_mtime:
            summary.skipped += 1
            continue
        if key in queued:
            continue  # the same file named twice (e.g. a directory and a file in it)
        queued.add(key)
        todo.append((path, st, key))
    # Inflating, parsing and writing release the GIL: each object is read and written on a small pool;
    # the manifest and counts are kept here, in input order. At most `workers + 1` objects are in memory
    # at once (AWS caps an object at 75 MB).
    workers = min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[tuple[Future[tuple[FileReport, Touched]], os.stat_result, str]] = deque()
        items = iter(todo)

        def submit(path: Path, st: os.stat_result, key: str) -> None:
            pending.append((pool.submit(_load, path, fields, key, root, key in manifest), st, key))

        for item in islice(items, workers + 1):
            submit(*item)
        while pending:
            future, st, key = pending.popleft()
            nxt = next(items, None)
            if nxt is not None:
                submit(*nxt)
            rep, cells = future.result()
            touched |= cells
            _account(rep, key, {"size": st.st_size, "mtime": st.st_mtime}, manifest, summary, progress)
    for url in (p for p in inputs if is_remote(p)):
        _ingest_remote(url, root, manifest, summary, touched, fields, progress, endpoint_url)
    if rollups:
        # roll up the hours this run touched and any left pending (all of them for a store without rollups)
        t_rollup = time.perf_counter()
        build_summary(root, touched | state.pending if state.rollups == SUMMARY_VERSION else None)
        summary.rollup_seconds = time.perf_counter() - t_rollup
        state.rollups, state.pending = SUMMARY_VERSION, set()
    elif state.rollups == SUMMARY_VERSION:
        state.pending |= touched
    summary.seconds = time.perf_counter() - t0
    state.save(root)
    return summary


def connect(store: str | Path, engine: str = "duckdb") -> Any:
    """A query engine over the store (DuckDB by default, or Spark) exposing the view ``flows``."""
    from vpcflow.flowlogs.engines import open_engine

    return open_engine(store, engine)
