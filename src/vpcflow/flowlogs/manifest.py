"""The store's state: which objects it holds and which files make them up, committed one object at a time.

Two files say what the store holds:

- ``_manifest.json``, a checkpoint, replaced atomically (written aside, flushed, renamed);
- ``_journal``, the changes since that checkpoint, one line per change, appended and flushed before the
  change counts. Each line is ``<crc32> <json>``; a line cut short by a crash fails its checksum and is
  ignored (and cut off by the next writer).

A reader takes the checkpoint plus every whole journal line: the state as of the last change committed.
Files on disk that this state does not name are not part of the store (a crash left them; the next writer
deletes them). Changes are numbered, so replaying a journal over a checkpoint that already holds some of
it changes nothing.

Only one writer at a time: ``StoreLock`` (an ``flock`` on ``_lock``, released by the kernel when its
process dies however it dies) is held for a whole ingest or rollup; a second writer waits for it up to a
timeout, then refuses with a one-line message.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vpcflow.errors import InputError
from vpcflow.flowlogs.layout import crash_point, fsync_dir, fsync_fd, write_atomic
from vpcflow.flowlogs.summary import SUMMARY_VERSION, Touched

MANIFEST = "_manifest.json"
JOURNAL = "_journal"
LOCK = "_lock"
FORMAT = 2  # 1: the manifest written once at the end of an ingest, inputs known by path


_REBUILD = "; move the store aside and ingest the logs again into a new one"


class StoreBusy(InputError):
    pass


class StoreCorrupt(InputError):
    pass


Cell = tuple[str, str, str, int | None]


def _cell(c: list[Any]) -> Cell:
    a, r, d, h = c
    return (str(a), str(r), str(d), None if h is None else int(h))


def _cells_json(cells: Touched) -> list[list[Any]]:
    return [list(c) for c in sorted(cells, key=lambda c: (c[0], c[1], c[2], -1 if c[3] is None else c[3]))]


@dataclass
class State:
    """What the store holds. ``objects``: content id → entry (``source``, ``size``, counts, ``parts`` and
    ``quarantine`` as relative path → size, ``cells`` it holds); ``seen``: where inputs were found →
    ``[size, stamp, id]`` (a file's mtime, an S3 ETag: lets an unchanged input be skipped unread);
    ``rollups``: the rollups' version (None: none built), ``pending``: cells whose rollups are not
    current, ``rollup_files``: relative path → size."""

    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: dict[str, list[Any]] = field(default_factory=dict)
    rollups: int | None = SUMMARY_VERSION
    pending: Touched = field(default_factory=set)
    rollup_files: dict[str, int] = field(default_factory=dict)
    seq: int = 0
    fresh: bool = True  # no manifest yet

    @property
    def rollups_current(self) -> bool:
        return self.rollups == SUMMARY_VERSION and not self.pending

    def part_files(self) -> dict[str, int]:
        return {p: n for e in self.objects.values() for p, n in e.get("parts", {}).items()}

    def quarantine_files(self) -> dict[str, int]:
        return {p: n for e in self.objects.values() for p, n in e.get("quarantine", {}).items()}

    def apply(self, op: dict[str, Any]) -> None:
        """One committed change (see ``Journal.append`` for the kinds)."""
        kind = op["op"]
        if kind == "object":
            for old in op.get("drop", []):
                self._drop(old)
            self.objects[op["id"]] = op["entry"]
            for where, stamp in op.get("seen", {}).items():
                self.seen[where] = stamp
            self.pending |= {_cell(c) for c in op["entry"].get("cells", [])}
        elif kind == "drop":
            for old in op["ids"]:
                self._drop(old)
        elif kind == "seen":
            self.seen.update(op["seen"])
        elif kind == "rollup":
            for p in op.get("remove", []):
                self.rollup_files.pop(p, None)
            self.rollup_files.update(op.get("add", {}))
            if op.get("all"):
                self.pending = set()
            else:
                self.pending -= {_cell(c) for c in op.get("done", [])}
            self.pending |= {_cell(c) for c in op.get("stale", [])}
            if "version" in op:
                self.rollups = op["version"]
        elif kind == "open":
            pass
        else:
            raise StoreCorrupt(f"journal: unknown change {kind!r}")
        self.seq = max(self.seq, int(op["seq"]))

    def _drop(self, old: str) -> None:
        entry = self.objects.pop(old, None)
        if entry is not None:
            self.pending |= {_cell(c) for c in entry.get("cells", [])}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "seq": self.seq,
            "objects": self.objects,
            "seen": self.seen,
            "summary": self.rollups,
            "pending": _cells_json(self.pending),
            "rollup_files": self.rollup_files,
        }


def _from_json(data: dict[str, Any], source: str) -> State:
    try:
        if data.get("format") != FORMAT:
            store = str(Path(source).parent)
            raise StoreCorrupt(
                f"written by an older vpcflow (format {data.get('format', 1)}: inputs known by path, no "
                f"commit journal), which this one does not read: move it aside (mv {store} {store}.old) "
                f"and ingest the logs again with --store {store}",
                source=source,
            )
        return State(
            objects=dict(data["objects"]),
            seen=dict(data["seen"]),
            rollups=data.get("summary"),
            pending={_cell(c) for c in data.get("pending", [])},
            rollup_files={str(k): int(v) for k, v in data.get("rollup_files", {}).items()},
            seq=int(data.get("seq", 0)),
            fresh=False,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreCorrupt(f"corrupt manifest: {exc!r}{_REBUILD}", source=source) from None


@dataclass
class Loaded:
    state: State
    journal_ops: int  # whole journal lines (0: the last writer finished cleanly)
    valid_bytes: int  # where the journal's whole lines end (a crash may have cut the next one)
    journal_bytes: int


def load_state(store: str | Path) -> Loaded:
    """The committed state: the checkpoint and every whole journal line after it."""
    root = Path(store)
    path = root / MANIFEST
    state = State()
    if path.exists():
        try:
            data = json.loads(path.read_bytes())
        except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
            raise StoreCorrupt(f"corrupt manifest: {exc}{_REBUILD}", source=str(path)) from None
        if not isinstance(data, dict):
            raise StoreCorrupt(f"corrupt manifest: not a JSON object{_REBUILD}", source=str(path))
        state = _from_json(data, str(path))
    try:
        raw = (root / JOURNAL).read_bytes()
    except FileNotFoundError:
        raw = b""
    ops, valid = 0, 0
    for op, end in _whole_lines(raw):
        if int(op["seq"]) > state.seq:
            state.apply(op)
            state.fresh = False
        ops += 1
        valid = end
    return Loaded(state, ops, valid, len(raw))


def _whole_lines(raw: bytes) -> Iterator[tuple[dict[str, Any], int]]:
    """The journal's changes up to the first line that is cut short or fails its checksum."""
    pos = 0
    while pos < len(raw):
        end = raw.find(b"\n", pos)
        if end < 0:
            return
        line = raw[pos:end]
        crc, _, body = line.partition(b" ")
        try:
            if int(crc, 16) != zlib.crc32(body):
                return
            op = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return
        if not isinstance(op, dict) or "op" not in op or "seq" not in op:
            return
        yield op, end + 1
        pos = end + 1


class Journal:
    """Appends changes for the writer holding the lock, keeping ``state`` in step."""

    def __init__(self, root: Path, loaded: Loaded) -> None:
        self.root = root
        self.state = loaded.state
        self.path = root / JOURNAL
        if loaded.valid_bytes < loaded.journal_bytes:
            os.truncate(self.path, loaded.valid_bytes)  # a change a crash cut short never happened
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.size = loaded.valid_bytes
        self.checkpoint_size = (root / MANIFEST).stat().st_size if (root / MANIFEST).exists() else 0
        if loaded.journal_bytes == 0:
            fsync_dir(root)

    def append(self, op: dict[str, Any]) -> None:
        """Commit one change: on disk (flushed) before it counts."""
        op = {**op, "seq": self.state.seq + 1}
        body = json.dumps(op, separators=(",", ":"), sort_keys=True).encode()
        line = b"%08x %s\n" % (zlib.crc32(body), body)
        if os.environ.get("VPCFLOW_CRASH_AT", "").startswith("journal-torn:"):
            os.write(self.fd, line[: len(line) // 2])  # half a line on disk, then the crash
            crash_point("journal-torn")
            os.ftruncate(self.fd, self.size)
        os.write(self.fd, line)
        fsync_fd(self.fd)
        self.size += len(line)
        self.state.apply(op)
        self.state.fresh = False

    def maybe_checkpoint(self) -> None:
        """Fold the journal into the manifest once it outgrows it (keeps both cheap to read)."""
        if self.size > max(4 << 20, self.checkpoint_size):
            self.checkpoint()

    def checkpoint(self) -> None:
        """The manifest replaced by the whole state, then the journal emptied (a crash between the two
        leaves lines the manifest already holds: replaying them changes nothing)."""
        data = json.dumps(self.state.to_json(), separators=(",", ":"), sort_keys=True).encode()
        write_atomic(self.root / MANIFEST, data)
        crash_point("checkpointed")
        self.checkpoint_size = len(data)
        os.ftruncate(self.fd, 0)
        fsync_fd(self.fd)
        self.size = 0

    def close(self) -> None:
        os.close(self.fd)


@contextlib.contextmanager
def store_lock(root: Path, wait: float) -> Iterator[None]:
    """Hold the store's writer lock; wait up to ``wait`` seconds for another writer to finish."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                    raise StoreBusy(
                        f"another ingest (process {holder or '?'}) is writing to this store; waited "
                        f"{wait:g}s (--wait SECONDS waits longer)",
                        source=str(root),
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def writer_active(root: Path) -> bool:
    """Is a writer holding the lock right now (so files it has not committed yet are expected)?"""
    path = root / LOCK
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
