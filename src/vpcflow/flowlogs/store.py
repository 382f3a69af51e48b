"""The flow-log store: typed Parquet, hive-partitioned by account, region and date, queried with DuckDB.

``STORE/flows/account=<id>/region_part=<r>/date=<YYYY-MM-DD>/part-<id16>-<n>.parquet`` (the records),
``STORE/rollup/<hour|day|minute>/…`` (the rollups the analyses read, see ``summary.py``),
``STORE/quarantine/`` (every bad line, byte for byte, see ``objects.py``), and the state that says which of
those files make up the store: ``_manifest.json`` + ``_journal`` (``manifest.py``).

An input is known by what it is — the SHA-256 of its bytes — and, to skip it unread next time, by where it
was and its size and modification time (S3: ETag; CloudWatch: the last event read per stream). A copied or
moved folder is read again but adds nothing; a file whose contents changed in place replaces what it had
added. Ingest commits one object at a time (its files written aside and renamed, then one journal line),
so a crash or Ctrl-C loses at most the objects being read, and the next ingest removes their leftovers and
reads them again. See docs/flowlogs.md for what a crash at each point leaves behind.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from vpcflow.errors import InputError
from vpcflow.flowlogs.layout import crash_point, is_temp
from vpcflow.flowlogs.manifest import (
    JOURNAL,
    LOCK,
    MANIFEST,
    Journal,
    State,
    StoreCorrupt,
    load_state,
    store_lock,
)
from vpcflow.flowlogs.objects import QUARANTINE, ObjectWriter
from vpcflow.flowlogs.reader import FileReport, ObjectRejected, iter_files, read_object
from vpcflow.flowlogs.remote import is_remote, iter_cloudwatch, iter_s3
from vpcflow.flowlogs.summary import SUMMARY_VERSION, Touched, build_summary

__all__ = ["MANIFEST", "IngestSummary", "connect", "ingest", "load_manifest", "rollup", "rollups_current"]

DEFAULT_WAIT = 60.0  # seconds a second writer waits for the store's lock
_DIRS = ("flows", "rollup", QUARANTINE)


@dataclass
class IngestSummary:
    files: int = 0
    skipped: int = 0
    duplicates: int = 0  # inputs whose contents the store already held (a copy, a moved folder)
    records: int = 0
    nodata: int = 0
    skipdata: int = 0
    malformed: int = 0
    headers: int = 0
    truncated: int = 0
    rejected: int = 0  # objects refused whole (their lines are in the quarantine, counted as malformed)
    repaired: int = 0  # objects dropped because their files were missing or damaged (read again if given)
    removed: int = 0  # leftover files of an interrupted ingest removed
    bytes: int = 0
    seconds: float = 0.0
    rollup_seconds: float = 0.0  # of ``seconds``: rolling up the hours this run touched
    problems: list[dict[str, Any]] = field(default_factory=list)
    quarantine: str = ""

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    @property
    def partial(self) -> bool:
        """Did anything of this run's input not land as records?"""
        return bool(self.malformed or self.truncated or self.rejected)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["records_per_second"] = round(self.rate)
        out["status"] = "partial" if self.partial else "ok"
        return out


@dataclass
class Manifest:
    """What ``load_manifest`` returns (the committed state, read-only)."""

    files: dict[str, dict[str, Any]]
    rollups: int | None
    pending: Touched

    @property
    def rollups_current(self) -> bool:
        return self.rollups == SUMMARY_VERSION and not self.pending


def load_manifest(store: str | Path) -> Manifest:
    state = load_state(store).state
    return Manifest(state.objects, state.rollups, set(state.pending))


def rollups_current(store: str | Path) -> bool:
    """Are the store's rollups complete and of this version (else analyses read the records)?"""
    try:
        return (Path(store) / MANIFEST).exists() and load_state(store).state.rollups_current
    except InputError:
        return False


# -- keeping the store consistent ---------------------------------------------------------------------


def _scan(root: Path) -> tuple[dict[str, int], list[Path]]:
    """Every file under the store's folders (relative path → size), and the temporary ones."""
    found: dict[str, int] = {}
    temps: list[Path] = []
    for top in _DIRS:
        for folder, _dirs, names in os.walk(root / top):
            for name in names:
                path = Path(folder) / name
                if is_temp(name):
                    temps.append(path)
                    continue
                try:
                    found[path.relative_to(root).as_posix()] = path.stat().st_size
                except FileNotFoundError:
                    continue
    return found, temps


def _recover(root: Path, journal: Journal, summary: IngestSummary) -> None:
    """Under the writer lock: remove what an interrupted writer left (temporary files, files no change
    committed), and drop objects whose files are missing or damaged so they can be read again."""
    state = journal.state
    found, temps = _scan(root)
    for tmp in temps:
        tmp.unlink(missing_ok=True)
        summary.removed += 1
    damaged = [
        oid
        for oid, e in state.objects.items()
        if any(found.get(p) != n for p, n in {**e.get("parts", {}), **e.get("quarantine", {})}.items())
    ]
    if damaged:
        summary.repaired += len(damaged)
        journal.append({"op": "drop", "ids": damaged})
    bad_rollups = [p for p, n in state.rollup_files.items() if found.get(p) != n]
    if bad_rollups:
        # rebuilt from the records (all of them: a day file depends on every hour of its date)
        journal.append({"op": "rollup", "remove": bad_rollups, "version": None})
    keep = set(state.part_files()) | set(state.quarantine_files()) | set(state.rollup_files)
    for rel in found.keys() - keep:
        (root / rel).unlink(missing_ok=True)
        summary.removed += 1


def _refuse_foreign_files(root: Path) -> None:
    """A folder with neither a manifest nor a journal has never been committed to by this vpcflow (its
    first ingest creates the journal before writing anything). Files in its ``flows/``, ``rollup/`` or
    ``quarantine/`` are then not ours to clean up — another tool's, or an older vpcflow's unfinished
    first ingest —: refuse rather than delete them."""
    if (root / MANIFEST).exists() or (root / JOURNAL).exists():
        return
    for top in _DIRS:
        for _folder, _dirs, names in os.walk(root / top):
            if names:
                raise InputError(
                    f"holds files under {top}/ but no vpcflow manifest or journal: not a store "
                    "this vpcflow wrote (another tool's files, or an older vpcflow's unfinished ingest); "
                    "give --store an empty or new folder, or move those files aside",
                    source=str(root),
                )


def _delete(root: Path, rels: list[str]) -> None:
    for rel in rels:
        (root / rel).unlink(missing_ok=True)


def _files_of(entry: dict[str, Any]) -> list[str]:
    return [*entry.get("parts", {}), *entry.get("quarantine", {})]


# -- reading one object -------------------------------------------------------------------------------


@dataclass
class _Read:
    """One object read and written aside, waiting to be committed in input order."""

    where: str
    stamp: list[Any]
    rep: FileReport
    writer: ObjectWriter
    parts: dict[str, int] = field(default_factory=dict)
    quarantine: dict[str, int] = field(default_factory=dict)
    duplicate: bool = False


class _Claims:
    """Content ids held by the store or being written by this run (two copies in one run: one lands)."""

    def __init__(self, known: set[str]) -> None:
        self.ids = set(known)
        self.lock = threading.Lock()

    def claim(self, oid: str) -> bool:
        with self.lock:
            if oid in self.ids:
                return False
            self.ids.add(oid)
            return True


def _read(
    root: Path,
    raw: Path | bytes,
    where: str,
    stamp: list[Any],
    fields: tuple[str, ...] | None,
    claims: _Claims,
    cancel: threading.Event,
) -> _Read:
    """Read one object into files written aside (on a pool thread: inflating, parsing and writing
    release the GIL)."""
    rep = FileReport(where)
    writer = ObjectWriter(root)
    rep.sink = writer
    try:
        try:
            with raw.open("rb") if isinstance(raw, Path) else io.BytesIO(raw) as stream:
                for table in read_object(stream, where, fields, rep):
                    if cancel.is_set():
                        raise KeyboardInterrupt
                    writer.write(table)
            if rep.truncated:
                writer.keep_raw(raw)
        except ObjectRejected as exc:
            rep.rejected = str(exc).removeprefix(f"{where}: ")
            rep.records = rep.nodata = rep.skipdata = 0
            writer.abort()
            writer = ObjectWriter(root)
            if not isinstance(raw, Path) or raw.exists():
                writer.keep_raw(raw)
            rep.digest = _digest(raw) if not rep.digest else rep.digest
        except OSError as exc:
            raise ObjectRejected(f"cannot read: {exc.strerror or exc}", source=where) from None
        done = _Read(where, stamp, rep, writer)
        if not claims.claim(rep.digest):
            writer.abort()
            done.duplicate = True
            return done
        done.parts, done.quarantine = writer.finish(rep.digest)
        return done
    except BaseException:
        writer.abort()
        raise


def _digest(raw: Path | bytes) -> str:
    import hashlib

    sha = hashlib.sha256()
    if isinstance(raw, bytes):
        sha.update(raw)
        return sha.hexdigest()
    try:
        with raw.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                sha.update(chunk)
    except OSError:
        sha.update(str(raw).encode())  # unreadable: known by where it was
    return sha.hexdigest()


# -- ingest -------------------------------------------------------------------------------------------


class _Run:
    """One ingest: commits objects in input order and keeps the counts."""

    def __init__(
        self,
        root: Path,
        journal: Journal,
        summary: IngestSummary,
        progress: Callable[[FileReport], None] | None,
    ) -> None:
        self.root = root
        self.journal = journal
        self.state: State = journal.state
        self.summary = summary
        self.progress = progress
        self.seen: dict[str, list[Any]] = {}  # locations of known contents found this run

    def known(self, where: str, size: int, version: Any) -> bool:
        """Is the input at ``where`` unchanged since it was read (so it need not be read again)?"""
        seen = self.state.seen.get(where)
        return bool(seen and seen[0] == size and seen[1] == version and seen[2] in self.state.objects)

    def commit(self, done: _Read, append: bool = False) -> None:
        rep, s = done.rep, self.summary
        if done.duplicate:
            s.duplicates += 1
            s.skipped += 1
            self.seen[done.where] = [*done.stamp, rep.digest]
            return
        drop: list[str] = []
        old = self.state.seen.get(done.where)
        if (
            not append
            and old
            and old[2] != rep.digest
            and self.state.objects.get(old[2], {}).get("source") == done.where
        ):
            drop.append(old[2])  # the same input, changed: its new contents replace the old
        entry = {
            "source": done.where,
            "size": rep.bytes,
            "format": rep.format,
            "records": rep.records,
            "nodata": rep.nodata,
            "skipdata": rep.skipdata,
            "malformed": rep.malformed,
            "headers": rep.headers,
            "truncated": rep.truncated,
            "rejected": rep.rejected,
            "note": rep.note,
            "parts": done.parts,
            "quarantine": done.quarantine,
            "cells": [list(c) for c in sorted(done.writer.cells, key=_cell_order)],
        }
        crash_point("written")
        done.writer.publish()
        crash_point("published")
        old_files = [f for oid in drop for f in _files_of(self.state.objects[oid])]
        self.journal.append(
            {
                "op": "object",
                "id": rep.digest,
                "entry": entry,
                "seen": {done.where: [*done.stamp, rep.digest]},
                "drop": drop,
            }
        )
        crash_point("committed")
        _delete(self.root, [f for f in old_files if f not in done.parts and f not in done.quarantine])
        self.journal.maybe_checkpoint()
        self.count(rep)

    def count(self, rep: FileReport) -> None:
        s = self.summary
        s.files += 1
        s.records += rep.records
        s.nodata += rep.nodata
        s.skipdata += rep.skipdata
        s.malformed += rep.malformed
        s.headers += rep.headers
        s.truncated += int(rep.truncated)
        s.rejected += int(rep.rejected is not None)
        s.bytes += rep.bytes
        if rep.malformed or rep.truncated or rep.rejected:
            s.problems.append(
                {
                    "file": rep.path,
                    "malformed": rep.malformed,
                    "truncated": rep.truncated,
                    "rejected": rep.rejected,
                    "note": rep.note,
                    "examples": rep.examples,
                    "quarantine": f"{QUARANTINE}/{rep.digest[:16]}.*",
                }
            )
        if self.progress:
            self.progress(rep)

    def refuse(self, where: str, why: str) -> None:
        """An input that could not even be opened: reported, nothing stored, the run goes on."""
        rep = FileReport(where, rejected=why)
        self.summary.rejected += 1
        self.summary.problems.append(
            {"file": where, "malformed": 0, "truncated": False, "rejected": why, "note": None, "examples": []}
        )
        if self.progress:
            self.progress(rep)

    def flush_seen(self) -> None:
        if self.seen:
            self.journal.append({"op": "seen", "seen": self.seen})
            self.seen = {}


def _cell_order(c: tuple[str, str, str, int | None]) -> tuple[str, str, str, int]:
    return (c[0], c[1], c[2], -1 if c[3] is None else c[3])


def ingest(
    inputs: list[str],
    store: str | Path,
    *,
    fields: tuple[str, ...] | None = None,
    progress: Callable[[FileReport], None] | None = None,
    endpoint_url: str | None = None,
    rollups: bool = True,
    session: Any = None,
    wait: float = DEFAULT_WAIT,
) -> IngestSummary:
    """Read the inputs into the store (see the module docstring); returns what was read. With
    ``rollups=False`` the touched hours are only listed as pending: the analyses read the records until
    ``rollup`` (or a later ingest with rollups) builds them. ``session``: a boto3 session for s3:// and
    cwl:// inputs (profile, region); ``wait``: seconds to wait for another writer."""
    root = Path(store)
    for p in inputs:
        if not is_remote(p) and not Path(p).exists():
            raise InputError("no such file or directory", source=p)
    if root.exists() and not root.is_dir():
        raise InputError("not a directory", source=str(root))
    # Arrow's default pool (mimalloc) hands each object's freed buffers back to the kernel and faults them
    # in again for the next: a fifth of ingest time in system calls. The C library's allocator keeps them.
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    # Arrow installs a Ctrl-C handler around each long read and puts the previous one back; done on the
    # pool's threads at once, that can leave the default handler (Ctrl-C then kills instead of stopping
    # cleanly). Python's own handler stays: the commit loop stops at the next object.
    pa.enable_signal_handlers(False)
    try:
        with store_lock(root, wait):
            return _ingest(inputs, root, fields, progress, endpoint_url, rollups, session)
    finally:
        pa.enable_signal_handlers(True)
        pa.set_memory_pool(previous)


def _local_inputs(inputs: list[str], root: Path, run: _Run) -> Iterator[tuple[Path, os.stat_result, str]]:
    store_resolved = root.resolve()
    queued: set[str] = set()
    for path in iter_files([p for p in inputs if not is_remote(p)]):
        resolved = path.resolve()
        if store_resolved == resolved or store_resolved in resolved.parents:
            continue  # never re-read the store itself
        where = str(resolved)
        if where in queued:
            continue  # the same file named twice (e.g. a directory and a file in it)
        queued.add(where)
        try:
            st = path.stat()
        except OSError as exc:
            run.refuse(where, f"cannot read: {exc.strerror}")
            continue
        if run.known(where, st.st_size, st.st_mtime_ns):
            run.summary.skipped += 1
            continue
        yield path, st, where


def _ingest(
    inputs: list[str],
    root: Path,
    fields: tuple[str, ...] | None,
    progress: Callable[[FileReport], None] | None,
    endpoint_url: str | None,
    rollups: bool,
    session: Any,
) -> IngestSummary:
    t0 = time.perf_counter()
    _refuse_foreign_files(root)
    for top in _DIRS:
        (root / top).mkdir(parents=True, exist_ok=True)
    summary = IngestSummary(quarantine=str(root / QUARANTINE))
    journal = Journal(root, load_state(root))
    try:
        _recover(root, journal, summary)
        run = _Run(root, journal, summary, progress)
        claims = _Claims(set(journal.state.objects))
        cancel = threading.Event()
        # Each object is read and written on a small pool; commits happen here, in input order. At most
        # `workers + 1` objects are in flight (each streams in blocks: memory stays bounded).
        workers = min(4, os.cpu_count() or 1)
        pending: deque[tuple[Future[_Read], str]] = deque()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            try:
                todo = _local_inputs(inputs, root, run)

                def submit() -> bool:
                    item = next(todo, None)
                    if item is None:
                        return False
                    path, st, where = item
                    stamp = [st.st_size, st.st_mtime_ns]
                    job = pool.submit(_read, root, path, where, stamp, fields, claims, cancel)
                    pending.append((job, where))
                    return True

                for _ in range(workers + 1):
                    if not submit():
                        break
                while pending:
                    job, where = pending.popleft()
                    submit()
                    try:
                        done = job.result()
                    except ObjectRejected as exc:
                        run.refuse(where, str(exc).removeprefix(f"{where}: "))
                        continue
                    run.commit(done)
            except BaseException:
                cancel.set()
                for job, _where in pending:
                    job.cancel()
                for job, _where in pending:
                    if not job.cancelled():
                        # already failing: its temporary files go too
                        with contextlib.suppress(BaseException):
                            job.result().writer.abort()
                raise
        for url in (p for p in inputs if is_remote(p)):
            _ingest_remote(url, root, run, claims, fields, endpoint_url, session)
        run.flush_seen()
        if rollups:
            t_rollup = time.perf_counter()
            _roll_up(root, journal)
            summary.rollup_seconds = time.perf_counter() - t_rollup
    finally:
        try:
            journal.checkpoint()
        finally:
            journal.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _ingest_remote(
    url: str,
    root: Path,
    run: _Run,
    claims: _Claims,
    fields: tuple[str, ...] | None,
    endpoint_url: str | None,
    session: Any,
) -> None:
    never = threading.Event()
    if url.startswith("s3://"):
        for obj in iter_s3(url, endpoint_url=endpoint_url, session=session):
            if run.known(obj.key, obj.size, obj.version):
                run.summary.skipped += 1
                continue
            if obj.error is not None:
                run.refuse(obj.key, obj.error)
                continue
            body = obj.body
            done = _read(
                root,
                body,
                obj.key,
                [obj.size, obj.version],
                fields,
                claims,
                never,
            )
            run.commit(done)
        return
    # CloudWatch Logs: read each stream from where the last ingest stopped (each batch is an object)
    prefix = url.rstrip("/") + "/"
    since = {k: int(v[1]) for k, v in run.state.seen.items() if k.startswith(prefix)}
    for obj in iter_cloudwatch(url, endpoint_url=endpoint_url, since_ms=since, session=session):
        body = obj.body
        done = _read(root, body, obj.key, [obj.size, obj.version], fields, claims, never)
        if done.duplicate:
            run.seen[obj.key] = [obj.size, obj.version, done.rep.digest]
        run.commit(done, append=True)


def _roll_up(root: Path, journal: Journal) -> int:
    """Roll up the pending cells (every cell when the rollups are missing or of another version) and
    commit the new files. Returns the number of cells."""
    state = journal.state
    every = state.rollups != SUMMARY_VERSION
    cells: Touched = (
        {
            (str(a), str(r), str(d), None if h is None else int(h))
            for e in state.objects.values()
            for a, r, d, h in e.get("cells", [])
        }
        if every
        else set(state.pending)
    )
    if not cells and not every:
        return 0
    current = {} if every else dict(state.rollup_files)
    job = build_summary(root, cells, state.part_files(), current)
    crash_point("rolled-up")
    try:
        job.publish()
    except BaseException:
        job.abort()
        raise
    remove = list(state.rollup_files) if every else job.remove
    crash_point("rollups-published")
    journal.append(
        {"op": "rollup", "add": job.add, "remove": remove, "all": True, "version": SUMMARY_VERSION}
    )
    crash_point("rollups-committed")
    _delete(root, [r for r in remove if r not in job.add])
    return len(cells)


def rollup(store: str | Path, wait: float = DEFAULT_WAIT) -> tuple[int, float]:
    """Build the rollups an ingest with ``rollups=False`` left out (all of them for a store that has
    none, or older ones). Returns the number of (partition, hour) cells rolled up and the seconds."""
    root = Path(store)
    if not (root / MANIFEST).exists() and not (root / JOURNAL).exists():
        raise InputError(
            "no flow-log store here (run `vpcflow logs ingest PATH --store DIR` first)", source=str(root)
        )
    t0 = time.perf_counter()
    with store_lock(root, wait):
        journal = Journal(root, load_state(root))
        try:
            _recover(root, journal, IngestSummary())
            n = _roll_up(root, journal)
        finally:
            try:
                journal.checkpoint()
            finally:
                journal.close()
    return n, time.perf_counter() - t0


def connect(store: str | Path, engine: str = "duckdb") -> Any:
    """A query engine over the store (DuckDB by default, or Spark) exposing the view ``flows``."""
    from vpcflow.flowlogs.engines import open_engine

    return open_engine(store, engine)


__all__ += ["LOCK", "StoreCorrupt"]
