"""Read flow-log objects of every shape AWS writes into typed Arrow tables, losing nothing.

Sniffed by content, not suffix: gzip (``1f 8b``), Parquet (``PAR1``) or plain text. Text may start with a
header line of field names (S3 objects do); otherwise the caller's ``fields`` (default format if none).
CloudWatch Logs exports prefix each record with an ISO timestamp, which is stripped. ``-`` is null.
NODATA/SKIPDATA rows are records like any other (counted). Malformed lines are counted per file with the
first examples (line number and text); a truncated gzip stream keeps what decompressed and says so. A file
whose format cannot be recognised raises ``InputError`` naming it — never a silent mis-parse.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from isal import igzip, isal_zlib

from vpcflow.errors import InputError
from vpcflow.flowlogs.fields import DEFAULT_FIELDS, FIELDS, column

MAX_EXAMPLES = 5
_CW_TIMESTAMP = re.compile(rb"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z? ")
_ARROW = {"int32": pa.int32(), "int64": pa.int64(), "string": pa.string()}
_HIVE = re.compile(r"(aws-account-id|aws-region|aws-service|service)=([^/]+)")
_PLAIN = re.compile(r"AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})/vpcflowlogs/([a-z0-9-]+)/")

# the stub declares isal's error as an instance; at run time it is the exception class
_INFLATE_ERROR = cast("type[Exception]", isal_zlib.error)

# Every table carries the default format's columns (null when a custom format lacks them) plus the
# fields the object actually has; the store is read with union_by_name, so absent columns cost nothing.
CORE = frozenset(DEFAULT_FIELDS)


def _wanted(names: tuple[str, ...] | set[str]) -> list[str]:
    present = set(names)
    return [f for f in FIELDS if f in present or f in CORE]


@dataclass
class FileReport:
    path: str
    format: str = "text"
    records: int = 0
    nodata: int = 0
    skipdata: int = 0
    malformed: int = 0
    examples: list[str] = field(default_factory=list)
    truncated: bool = False
    bytes: int = 0

    def bad(self, line_no: int, text: str, why: str) -> None:
        self.malformed += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"line {line_no}: {why}: {text[:200]}")


def scope_of(path: str) -> tuple[str | None, str | None]:
    """Account and region from an S3 key (plain or Hive-compatible prefixes)."""
    hive = dict(_HIVE.findall(path))
    if hive:
        return hive.get("aws-account-id"), hive.get("aws-region")
    m = _PLAIN.search(path)
    return (m.group(1), m.group(2)) if m else (None, None)


def _decompress(raw: bytes, report: FileReport) -> bytes:
    """Everything a (possibly truncated or multi-member) gzip stream yields.

    ISA-L's inflate (the ``isal`` package) is two to three times zlib's speed, and gzip inflation is the
    largest single cost of ingesting S3 text objects. A whole stream inflates in one call; only a stream
    that fails (truncated, corrupt, trailing garbage) is walked member by member to keep what inflates."""
    try:
        whole: bytes = igzip.decompress(raw)  # type: ignore[no-untyped-call]  # isal ships no stub for it
        return whole
    except Exception:  # every failure is handled by the salvaging walk below
        pass
    out = io.BytesIO()
    data = raw
    while data:
        d = isal_zlib.decompressobj(16 + isal_zlib.MAX_WBITS)
        try:
            out.write(d.decompress(data))
            out.write(d.flush())
        except _INFLATE_ERROR:
            report.truncated = True
            break
        if not d.eof:
            report.truncated = True  # the stream ends before its end-of-member marker
            break
        data = d.unused_data
    return out.getvalue()


def _header(first: bytes) -> tuple[str, ...] | None:
    names = first.decode("utf-8", "replace").split()
    if names and all(n in FIELDS for n in names):
        return tuple(names)
    return None


def read_bytes(
    raw: bytes, source: str, fields: tuple[str, ...] | None = None, report: FileReport | None = None
) -> tuple[pa.Table, FileReport]:
    """Parse one object's bytes (any supported encoding) into the store schema."""
    rep = report or FileReport(source)
    rep.bytes = len(raw)
    if raw[:4] == b"PAR1":
        rep.format = "parquet"
        table = _from_parquet(raw, source)
    else:
        if raw[:2] == b"\x1f\x8b":
            rep.format = "text.gz"
            raw = _decompress(raw, rep)
        table = _from_text(raw, source, fields, rep)
    return _finish(table, rep, source)


def _finish(table: pa.Table, rep: FileReport, source: str) -> tuple[pa.Table, FileReport]:
    """Stamp where the records came from (account/region of the S3 key) and count them."""
    account, region = scope_of(source)
    n = table.num_rows
    table = table.append_column("source_account", pa.repeat(pa.scalar(account, pa.string()), n))
    table = table.append_column("source_region", pa.repeat(pa.scalar(region, pa.string()), n))
    status = table.column("log_status")
    rep.records += n
    rep.nodata += pc.sum(pc.equal(status, "NODATA")).as_py() or 0
    rep.skipdata += pc.sum(pc.equal(status, "SKIPDATA")).as_py() or 0
    return table, rep


def _from_parquet(raw: bytes, source: str) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(raw))
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"unreadable Parquet: {exc}", source=source) from None
    cols = {}
    by_name = {name.replace("-", "_"): name for name in table.column_names}
    unknown = [n for n in by_name if n not in {column(f) for f in FIELDS}]
    if unknown and not any(column(f) in by_name for f in FIELDS):
        raise InputError(f"Parquet columns are not flow-log fields: {', '.join(unknown[:5])}", source=source)
    present = {f for f in FIELDS if column(f) in by_name}
    for f in _wanted(present):
        kind = FIELDS[f][1]
        name = by_name.get(column(f))
        if name is None:
            cols[column(f)] = pa.nulls(table.num_rows, _ARROW[kind])
            continue
        col = table.column(name)
        if kind == "string":
            col = pc.cast(col, pa.string())
            col = pc.if_else(pc.equal(col, "-"), pa.scalar(None, pa.string()), col)
        else:
            if pa.types.is_string(col.type):
                col = pc.if_else(pc.equal(col, "-"), pa.scalar(None, pa.string()), col)
            col = pc.cast(col, _ARROW[kind])
        cols[column(f)] = col
    return pa.table(cols)


def _typed(columns: dict[str, list[str | None]], names: tuple[str, ...], rows: int) -> pa.Table:
    out = {}
    for f in _wanted(names):
        kind = FIELDS[f][1]
        if f in names:
            arr = pa.array(columns[f], pa.string())
            arr = pc.if_else(pc.equal(arr, "-"), pa.scalar(None, pa.string()), arr)
            out[column(f)] = arr if kind == "string" else pc.cast(arr, _ARROW[kind])
        else:
            out[column(f)] = pa.nulls(rows, _ARROW[kind])
    return pa.table(out)


def _from_text(raw: bytes, source: str, fields: tuple[str, ...] | None, rep: FileReport) -> pa.Table:
    lines = raw.splitlines()
    start = 0
    names = fields
    if lines:
        head = _header(lines[0])
        if head is not None:
            names, start = head, 1
    names = names or DEFAULT_FIELDS
    items = [(i + 1, lines[i]) for i in range(start, len(lines))]
    table = _parse_lines(items, names, rep)
    nonblank = sum(1 for _n, line in items if line.strip())
    if table.num_rows == 0 and nonblank and rep.malformed >= min(20, nonblank):
        raise InputError(
            "not a flow-log format vpcflow recognises "
            f"({rep.examples[0] if rep.examples else 'no records'}); "
            "give a custom format's fields with --fields",
            source=source,
        )
    return table


def _parse_lines(items: list[tuple[int, bytes]], names: tuple[str, ...], rep: FileReport) -> pa.Table:
    """The exact parser: split on runs of whitespace, check the count and the numbers, line by line."""
    width = len(names)
    columns: dict[str, list[str | None]] = {f: [] for f in names}
    numeric = [n for n, f in enumerate(names) if FIELDS[f][1] != "string"]
    good = 0
    for line_no, line in items:
        if not line.strip():
            continue
        if _CW_TIMESTAMP.match(line):
            rep.format = "cloudwatch-export"
            line = line.split(b" ", 1)[1]
        text = line.decode("utf-8", "replace")
        parts = text.split()
        if len(parts) != width:
            rep.bad(line_no, text, f"{len(parts)} fields, expected {width}")
            continue
        bad = next((n for n in numeric if parts[n] != "-" and not _is_int(parts[n])), None)
        if bad is not None:
            rep.bad(line_no, text, f"{names[bad]} is not a number")
            continue
        for f, value in zip(names, parts, strict=True):
            columns[f].append(value)
        good += 1
    return _typed(columns, names, good)


def _is_int(value: str) -> bool:
    return value.isdigit() or (value.startswith("-") and value[1:].isdigit())


def read_fast(raw: bytes, source: str, fields: tuple[str, ...] | None, rep: FileReport) -> pa.Table | None:
    """Arrow's CSV reader for the common case (single spaces, a header or known fields). Rows it cannot
    read are handed back to the line parser; returns None when the fast path does not apply."""
    lines_start = raw.find(b"\n")
    first = raw[: lines_start if lines_start >= 0 else len(raw)]
    names = _header(first)
    skip = 1 if names is not None else 0
    names = names or fields or DEFAULT_FIELDS
    if _CW_TIMESTAMP.match(first) or (skip == 0 and len(first.split()) != len(names)):
        return None
    rejected: list[tuple[int, bytes]] = []

    def handler(row: pacsv.InvalidRow) -> str:
        rejected.append((row.number or 0, (row.text or "").encode()))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(
                # one object per thread already (store.ingest's pool): threads inside cost more CPU than
                # they save
                column_names=list(names),
                skip_rows=skip,
                block_size=1 << 24,
                use_threads=False,
            ),
            parse_options=pacsv.ParseOptions(delimiter=" ", quote_char=False, invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(
                # typed straight from the text; "-" is null; a non-number raises and the exact parser decides
                column_types={f: _ARROW[FIELDS[f][1]] for f in names},
                null_values=["-"],
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if rejected:
        return None  # some rows do not split cleanly: the exact line parser decides, with line numbers
    n = table.num_rows
    out = {
        column(f): (table.column(f) if f in names else pa.nulls(n, _ARROW[FIELDS[f][1]]))
        for f in _wanted(names)
    }
    return pa.table(out)


def iter_files(paths: list[str]) -> Iterator[Path]:
    """Every file under the given files/directories, sorted; hidden files and the store are skipped."""
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


def read_file(path: Path, fields: tuple[str, ...] | None = None) -> tuple[pa.Table, FileReport]:
    rep = FileReport(str(path))
    raw = path.read_bytes()
    rep.bytes = len(raw)
    if raw[:4] == b"PAR1":
        return read_bytes(raw, path.as_posix(), fields, rep)
    text = raw
    if raw[:2] == b"\x1f\x8b":
        rep.format = "text.gz"
        text = _decompress(raw, rep)
    fast = read_fast(text, str(path), fields, rep)
    table = _from_text(text, str(path), fields, rep) if fast is None else fast
    return _finish(table, rep, path.as_posix())
