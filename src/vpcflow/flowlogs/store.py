"""The flow-log store: typed Parquet, hive-partitioned by account, region and date, queried with DuckDB.

``STORE/flows/account=<id>/region=<r>/date=<YYYY-MM-DD>/part-<file-digest>-<n>.parquet`` plus
``STORE/_manifest.json`` (every ingested input: path, size, mtime, counts). Ingest is incremental (a file
already in the manifest with the same size and mtime is skipped) and streaming (one input object in memory
at a time; AWS caps objects at 75 MB).
"""

from __future__ import annotations

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
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["records_per_second"] = round(self.rate)
        return out


def _load_manifest(store: Path) -> dict[str, dict[str, Any]]:
    path = store / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"corrupt manifest: {exc.msg}", source=str(path)) from None
    return dict(data.get("files", {}))


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


def _write(part: pa.Table, flows: Path, digest: str) -> None:
    keys = [pc.unique(part.column(c)) for c in _PARTS]
    if all(len(k) == 1 and k[0].is_valid for k in keys):
        # one partition, the usual case (an S3 object is one account, region and five minutes)
        a, r, d = (k[0].as_py() for k in keys)
        folder = flows / f"account={a}" / f"region_part={r}" / f"date={d}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(part.drop_columns(list(_PARTS)), folder / f"part-{digest}-0.parquet")
        return
    ds.write_dataset(
        part,
        flows,
        format="parquet",
        partitioning=ds.partitioning(pa.schema([(c, pa.string()) for c in _PARTS]), flavor="hive"),
        basename_template=f"part-{digest}-{{i}}.parquet",
        existing_data_behavior="overwrite_or_ignore",
    )


def _record(
    table: pa.Table,
    rep: FileReport,
    key: str,
    stamp: dict[str, Any],
    root: Path,
    manifest: dict[str, dict[str, Any]],
    summary: IngestSummary,
    progress: Callable[[FileReport], None] | None,
    append: bool = False,
) -> None:
    """Write one object's records and account for them (counts, problems, manifest). A re-read object
    replaces its earlier part files (same name); an appended CloudWatch batch gets parts of its own."""
    name = f"{key}|{stamp.get('version')}" if append else key
    digest = hashlib.sha1(name.encode()).hexdigest()[:16]
    if table.num_rows:
        _write(_partitioned(table), root / "flows", digest)
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


def _ingest_remote(
    url: str,
    root: Path,
    manifest: dict[str, dict[str, Any]],
    summary: IngestSummary,
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
                progress,
            )
        return
    # CloudWatch Logs: read each stream from where the last ingest stopped
    since = {k: int(v["version"]) for k, v in manifest.items() if k.startswith(url.rstrip("/") + "/")}
    for obj in iter_cloudwatch(url, endpoint_url=endpoint_url, since_ms=since):
        table, rep = read_bytes(obj.body, obj.key, fields)
        previous = manifest.get(obj.key, {}).get("records", 0)
        stamp = {"size": obj.size, "version": obj.version}
        _record(table, rep, obj.key, stamp, root, manifest, summary, progress, append=True)
        manifest[obj.key]["records"] += previous


def ingest(
    inputs: list[str],
    store: str | Path,
    *,
    fields: tuple[str, ...] | None = None,
    progress: Callable[[FileReport], None] | None = None,
    endpoint_url: str | None = None,
) -> IngestSummary:
    root = Path(store)
    (root / "flows").mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(root)
    summary = IngestSummary()
    t0 = time.perf_counter()
    store_resolved = root.resolve()
    todo: list[tuple[Path, os.stat_result, str]] = []
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
        todo.append((path, st, key))
    # decompression and parsing release the GIL: read ahead on a small pool, write in order here.
    # At most `workers + 1` objects are in memory at once (AWS caps an object at 75 MB).
    workers = min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[tuple[Future[tuple[pa.Table, FileReport]], os.stat_result, str]] = deque()
        items = iter(todo)
        for path, st, key in islice(items, workers + 1):
            pending.append((pool.submit(read_file, path, fields), st, key))
        while pending:
            future, st, key = pending.popleft()
            nxt = next(items, None)
            if nxt is not None:
                pending.append((pool.submit(read_file, nxt[0], fields), nxt[1], nxt[2]))
            table, rep = future.result()
            _record(
                table, rep, key, {"size": st.st_size, "mtime": st.st_mtime}, root, manifest, summary, progress
            )
    for url in (p for p in inputs if is_remote(p)):
        _ingest_remote(url, root, manifest, summary, fields, progress, endpoint_url)
    summary.seconds = time.perf_counter() - t0
    (root / MANIFEST).write_text(json.dumps({"files": manifest}, indent=1, sort_keys=True))
    return summary


def connect(store: str | Path, engine: str = "duckdb") -> Any:
    """A query engine over the store (DuckDB by default, or Spark) exposing the view ``flows``."""
    from vpcflow.flowlogs.engines import open_engine

    return open_engine(store, engine)
