"""Read flow-log objects of every shape AWS writes into typed Arrow tables, a bounded block at a time,
losing nothing.

Sniffed by content, not suffix: gzip (``1f 8b``), Parquet (``PAR1``) or plain text. Text may start with a
header line of field names (S3 objects do); otherwise the caller's ``fields`` (default format if none); a
header line further down is skipped when it repeats the format and switches to its fields when it does
not. CloudWatch Logs exports prefix each record with an ISO timestamp, which is dropped. ``-`` is null.
NODATA/SKIPDATA rows are records like any other (counted).

Memory stays bounded whatever the object holds: gzip is inflated a few MiB at a time, text is parsed in
blocks of ``BLOCK`` bytes, a block the fast path refuses is retried in small pieces and only the pieces
that still fail go through the exact line parser; an object that inflates past ``INFLATE_RATIO`` times
its size (beyond ``INFLATE_FLOOR``) is stopped there and reported as a likely decompression bomb.

Every line is either a record or reported bad — counted, its number and reason kept (first examples in
the report) and its raw bytes handed to the caller's sink (the store's quarantine). An object in which no
line parses, or whose header names fields wrongly, is rejected whole (``FileReport.rejected``), its lines
all reported. A truncated gzip stream keeps what inflated and says so.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol, cast

import pyarrow as pa
import pyarrow.compute as pc
from isal import isal_zlib

from vpcflow.errors import InputError
from vpcflow.flowlogs.fields import DEFAULT_FIELDS, FIELDS, column
from vpcflow.flowlogs.lines import (
    ARROW,
    CW_TIMESTAMP,
    SUB_BLOCK,
    ExactParser,
    Format,
    HeaderError,
    bound,
    header,
    split_lines,
    typed_block,
    wanted,
)

MAX_EXAMPLES = 5
BLOCK = 1 << 24  # text parsed per typed read
READ_CHUNK = 1 << 22  # raw bytes read at a time
INFLATE_CHUNK = BLOCK  # most text one inflate call may return: a typical object's text in one piece
INFLATE_FLOOR = 1 << 28  # an object may always inflate this far...
INFLATE_RATIO = 200  # ...and beyond it, to this many times its compressed size (flow logs: ~10x)
_HIVE = re.compile(r"(aws-account-id|aws-region|aws-service|service)=([^/]+)")
_PLAIN = re.compile(r"AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})/vpcflowlogs/([a-z0-9-]+)/")

# the stub declares isal's error as an instance; at run time it is the exception class
_INFLATE_ERROR = cast("type[Exception]", isal_zlib.error)


class LineSink(Protocol):
    """Where bad lines go (the store's quarantine): each one whole, with its number and reason."""

    def line(self, line_no: int, raw: bytes, why: str) -> None: ...

    def more(self, raw: bytes) -> None:
        """More bytes of the last line (one too long to hand over at once)."""


class ObjectRejected(InputError):
    """The object cannot be read at all (unreadable Parquet, an I/O error): the caller keeps its bytes."""


@dataclass
class FileReport:
    path: str
    format: str = "text"
    records: int = 0
    nodata: int = 0
    skipdata: int = 0
    malformed: int = 0
    headers: int = 0
    examples: list[str] = field(default_factory=list)
    truncated: bool = False
    bytes: int = 0
    inflated: int = 0
    rejected: str | None = None  # why the whole object was refused
    note: str | None = None  # what cut a stream short
    digest: str = ""  # SHA-256 of the object's bytes: what the store knows it by
    sink: LineSink | None = field(default=None, repr=False, compare=False)

    def bad(self, line_no: int, raw: builtins.bytes, why: str) -> None:
        self.malformed += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"line {line_no}: {why}: {raw[:200].decode('utf-8', 'replace')}")
        if self.sink is not None:
            self.sink.line(line_no, raw, why)


def scope_of(path: str) -> tuple[str | None, str | None]:
    """Account and region from an S3 key (plain or Hive-compatible prefixes)."""
    hive = dict(_HIVE.findall(path))
    if hive:
        return hive.get("aws-account-id"), hive.get("aws-region")
    m = _PLAIN.search(path)
    return (m.group(1), m.group(2)) if m else (None, None)


class _Hashing:
    """A binary stream that hashes and counts what is read from it."""

    def __init__(self, stream: BinaryIO, rep: FileReport) -> None:
        self.stream = stream
        self.rep = rep
        self.sha = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.sha.update(data)
        self.rep.bytes += len(data)
        return data

    def chunks(self) -> Iterator[bytes]:
        while data := self.read(READ_CHUNK):
            yield data


def read_object(
    stream: BinaryIO, source: str, fields: tuple[str, ...] | None, rep: FileReport
) -> Iterator[pa.Table]:
    """The object's records as typed tables of bounded size, in order. ``rep`` counts everything; its
    ``digest`` is set once the stream is exhausted. Raises ObjectRejected for an unreadable object."""
    src = _Hashing(stream, rep)
    try:
        head = src.read(4)
        if head == b"PAR1":
            rep.format = "parquet"
            raw = head + src.read()
            tables: Iterable[pa.Table] = _parquet(raw, source)
        else:
            chunks: Iterable[bytes] = _chain(head, src.chunks())
            if head[:2] == b"\x1f\x8b":
                rep.format = "text.gz"
                chunks = _inflate(chunks, rep)
            tables = _Text(source, fields, rep).tables(chunks)
        for table in tables:
            yield _finish(table, rep, source)
        src.read()  # whatever was left unread still counts in the digest
    except OSError as exc:
        raise ObjectRejected(f"cannot read: {exc.strerror or exc}", source=source) from None
    rep.digest = src.sha.hexdigest()


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _inflate(chunks: Iterable[bytes], rep: FileReport) -> Iterator[bytes]:
    """Everything a (possibly multi-member, truncated or corrupt) gzip stream yields, a bounded piece at
    a time. ISA-L's inflate (the ``isal`` package) is two to three times zlib's speed."""
    d = isal_zlib.decompressobj(16 + isal_zlib.MAX_WBITS)
    started = False
    for raw in chunks:
        data = raw
        while data:
            try:
                out = d.decompress(data, INFLATE_CHUNK)
            except _INFLATE_ERROR:
                rep.truncated = True
                rep.note = f"gzip data corrupt after {rep.inflated:,} bytes of text"
                return
            started = True
            data = d.unconsumed_tail
            if out:
                rep.inflated += len(out)
                if rep.inflated > INFLATE_FLOOR and rep.inflated > INFLATE_RATIO * rep.bytes:
                    rep.truncated = True
                    rep.note = (
                        f"stopped inflating at {rep.inflated:,} bytes, over {INFLATE_RATIO}x the object's "
                        "size (a decompression bomb?)"
                    )
                    return
                yield out
            if d.eof:
                data = d.unused_data + data
                d = isal_zlib.decompressobj(16 + isal_zlib.MAX_WBITS)
                started = False
    if started and not d.eof:
        rep.truncated = True  # the stream ends before its end-of-member marker
        rep.note = f"gzip stream cut short after {rep.inflated:,} bytes of text"


class _Text:
    """Text in blocks: the typed fast path for each block, finer pieces and the exact parser for what it
    refuses. Tracks line numbers, the current format, and lines too long to be records."""

    def __init__(self, source: str, fields: tuple[str, ...] | None, rep: FileReport) -> None:
        self.source = source
        self.rep = rep
        self.fmt = Format(fields or DEFAULT_FIELDS)
        self.line_no = 0  # lines before the current block
        self.first = True
        self.refused: str | None = None  # the header's fault: every line is reported, none parsed
        self.exact = ExactParser(self.fmt, rep.bad, self._header_seen)

    def _header_seen(self) -> None:
        self.rep.headers += 1

    def tables(self, chunks: Iterable[bytes]) -> Iterator[pa.Table]:
        # pieces gathered in a list and joined once per block: one copy, where growing a bytearray and
        # copying it out cost three (all of it holding the GIL the pool's other objects wait for)
        pending: list[bytes] = []
        size = 0
        overlong = False
        for chunk in chunks:
            pending.append(chunk)
            size += len(chunk)
            if size < BLOCK:
                continue
            buf = b"".join(pending) if len(pending) > 1 else pending[0]
            pending, size = [], 0
            while len(buf) >= BLOCK:
                cut = buf.rfind(b"\n")
                if cut < 0:
                    # no line is this long: report it once, keep its bytes, read on to its end
                    if not overlong:
                        self.first = False
                        self.line_no += 1
                        self.rep.bad(self.line_no, buf, "line too long to be a record")
                        overlong = True
                    else:
                        self._more(buf)
                    buf = b""
                    break
                block, buf = buf[: cut + 1], buf[cut + 1 :]
                if overlong:
                    end = block.index(b"\n")
                    self._more(block[:end])
                    block, overlong = block[end + 1 :], False
                yield from self._block(block)
            if buf:
                pending, size = [buf], len(buf)
        buf = b"".join(pending)
        if overlong:
            end = buf.find(b"\n")
            self._more(bytes(buf if end < 0 else buf[:end]))
            buf = buf[end + 1 :] if end >= 0 else b""
        if buf:
            yield from self._block(buf)
        if self.rep.records == 0 and self.rep.malformed and not self.refused:
            self.refused = (
                "not a flow-log format vpcflow recognises "
                f"({self.rep.examples[0] if self.rep.examples else 'no records'}); "
                "give a custom format's fields with --fields"
            )
        self.rep.rejected = self.refused

    def _more(self, raw: bytes) -> None:
        """More bytes of the overlong line last reported (kept whole in the quarantine)."""
        if self.rep.sink is not None:
            self.rep.sink.more(raw)

    def _block(self, block: bytes) -> Iterator[pa.Table]:
        start = 0
        if self.first:
            self.first = False
            end = block.find(b"\n")
            first = block[: end if end >= 0 else len(block)].rstrip(b"\r")
            try:
                head = header(first)
            except HeaderError as exc:
                self.refused = f"line 1: {exc}"
                head = None
            if head is not None:
                self.fmt.names = head
                self.rep.headers += 1
                start = end + 1 if end >= 0 else len(block)
                self.line_no += 1
            elif CW_TIMESTAMP.match(first):
                self.fmt.cloudwatch = True
                self.rep.format = "cloudwatch-export"
        if self.refused:
            self._refuse(block[start:] if start else block)
            return
        if block.isspace():  # blank lines only (or a bomb of them): nothing to parse
            self.line_no += _lines(block, start, len(block))
            return
        view = pa.py_buffer(block)
        table = None
        if start < len(block) and not self._header_inside(block, start, len(block)):
            table = typed_block(view.slice(start), self.fmt)
        if table is not None:
            self.line_no += _lines(block, start, len(block))
            yield table
            return
        for a, b in split_lines(block[start:] if start else block, SUB_BLOCK):
            a, b = a + start, b + start
            table = None if self._header_inside(block, a, b) else typed_block(view.slice(a, b - a), self.fmt)
            if table is None:
                tables = list(self.exact.parse(block[a:b], self.line_no + 1))
                if self.fmt.cloudwatch and self.rep.format != "cloudwatch-export":
                    self.rep.format = "cloudwatch-export"
                yield from tables
            else:
                yield table
            self.line_no += _lines(block, a, b)

    def _header_inside(self, block: bytes, a: int, b: int) -> bool:
        """Must the exact parser look at block[a:b]? When a line could be a header the fast path would
        take for a record (only a format without numbers has nothing to trip over), or when a carriage
        return stands alone (Arrow would end a line there; a line ends at a newline)."""
        if block.find(b"\r", a, b) >= 0 and block.count(b"\r", a, b) != block.count(b"\r\n", a, b):
            return True
        if any(FIELDS[f][1] != "string" for f in self.fmt.names):
            return False
        return block.find(" ".join(self.fmt.names).encode(), a, b) >= 0

    def _refuse(self, block: bytes) -> None:
        """Report every line of an object whose header cannot be followed."""
        for n, raw in enumerate(block.split(b"\n"), start=self.line_no + 1):
            line = raw[:-1] if raw.endswith(b"\r") else raw
            if line.strip():
                self.rep.bad(n, line, f"not read: {self.refused}")
        self.line_no += _lines(block, 0, len(block))


def _lines(block: bytes, a: int, b: int) -> int:
    """How many lines block[a:b] holds (a last line without its newline counts)."""
    n = block.count(b"\n", a, b)
    return n + (1 if b > a and block[b - 1 : b] != b"\n" else 0)


def _parquet(raw: bytes, source: str) -> Iterator[pa.Table]:
    """A Parquet object (AWS's typed schema, ``-`` for missing strings) in batches."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(io.BytesIO(raw))
        schema = pf.schema_arrow
    except (pa.ArrowException, OSError) as exc:
        raise ObjectRejected(f"unreadable Parquet: {exc}", source=source) from None
    by_name = {name.replace("-", "_"): name for name in schema.names}
    known = {column(f) for f in FIELDS}
    unknown = [n for n in by_name if n not in known]
    if unknown and not any(column(f) in by_name for f in FIELDS):
        raise ObjectRejected(
            f"Parquet columns are not flow-log fields: {', '.join(unknown[:5])}", source=source
        )
    present = {f for f in FIELDS if column(f) in by_name}
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=65536):
            table = pa.Table.from_batches([batch])
            yield _typed_parquet(table, present, by_name, row, source)
            row += table.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise ObjectRejected(f"unreadable Parquet after row {row:,}: {exc}", source=source) from None


def _typed_parquet(
    table: pa.Table, present: set[str], by_name: dict[str, str], row: int, source: str
) -> pa.Table:
    cols = {}
    for f in wanted(present):
        kind = FIELDS[f][1]
        name = by_name.get(column(f))
        if name is None:
            cols[column(f)] = pa.nulls(table.num_rows, ARROW[kind])
            continue
        col = table.column(name)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type) or kind == "string":
            col = pc.cast(col, pa.string())
            col = pc.if_else(pc.equal(col, "-"), pa.scalar(None, pa.string()), col)
        if kind != "string":
            try:
                col = pc.cast(col, ARROW[kind])
            except pa.ArrowInvalid as exc:
                raise ObjectRejected(f"rows {row + 1:,}-: column {f}: {exc}", source=source) from None
            lo_hi = pc.min_max(col)
            lo, hi = lo_hi["min"].as_py(), lo_hi["max"].as_py()
            if lo is not None and (lo < 0 or hi > bound(f)):
                raise ObjectRejected(
                    f"rows {row + 1:,}-: column {f} holds values outside 0-{bound(f)}", source=source
                )
        cols[column(f)] = col
    return pa.table(cols)


def _finish(table: pa.Table, rep: FileReport, source: str) -> pa.Table:
    """Stamp where the records came from (account/region of the S3 key) and count them."""
    account, region = scope_of(source)
    n = table.num_rows
    table = table.append_column("source_account", pa.repeat(pa.scalar(account, pa.string()), n))
    table = table.append_column("source_region", pa.repeat(pa.scalar(region, pa.string()), n))
    status = table.column("log_status")
    rep.records += n
    rep.nodata += pc.sum(pc.equal(status, "NODATA")).as_py() or 0
    rep.skipdata += pc.sum(pc.equal(status, "SKIPDATA")).as_py() or 0
    return table


def _whole(stream: BinaryIO, source: str, fields: tuple[str, ...] | None) -> tuple[pa.Table, FileReport]:
    rep = FileReport(source)
    tables = list(read_object(stream, source, fields, rep))
    if rep.rejected:
        raise InputError(rep.rejected, source=source)
    if not tables:
        names = fields or DEFAULT_FIELDS
        empty = pa.table({column(f): pa.array([], ARROW[FIELDS[f][1]]) for f in wanted(names)})
        tables = [_finish(empty, rep, source)]
    return pa.concat_tables(tables, promote_options="default"), rep


def read_file(path: Path, fields: tuple[str, ...] | None = None) -> tuple[pa.Table, FileReport]:
    """One object's records as one table (for a whole-object look; the store streams instead)."""
    with path.open("rb") as fh:
        return _whole(fh, path.as_posix(), fields)


def read_bytes(raw: bytes, source: str, fields: tuple[str, ...] | None = None) -> tuple[pa.Table, FileReport]:
    return _whole(io.BytesIO(raw), source, fields)


def iter_files(paths: list[str]) -> Iterator[Path]:
    """Every file under the given files/directories, sorted; hidden files and ``_``-prefixed ones (a
    store's own) are skipped."""
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError("no such file or directory", source=p)
        if path.is_file():
            yield path
            continue
        for f in sorted(path.rglob("*")):
            rel = f.relative_to(path).parts
            if f.is_file() and not any(part.startswith((".", "_")) for part in rel):
                yield f
