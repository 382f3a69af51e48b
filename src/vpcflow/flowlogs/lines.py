"""Flow-log text, one block of lines at a time: the typed fast path, and the exact line parser for the few
lines it cannot take. Every line ends up either in a typed table or reported as bad (with its number and
why); a header line names the fields of the lines after it.

What a value must be (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html): numbers are
ASCII decimal digits within their column (ports 0-65535, protocol 0-255, the rest non-negative and within
the Parquet type AWS gives them); ``-`` is null in every field; ``account-id`` is digits or ``unknown``
(AWS writes ``unknown`` for some service-owned interfaces); ``region`` is lowercase letters, digits and
hyphens. Anything else is a bad value and its line is reported, never stored half-typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from vpcflow.flowlogs.fields import DEFAULT_FIELDS, FIELDS, column

ARROW = {"int32": pa.int32(), "int64": pa.int64(), "string": pa.string()}
CW_TIMESTAMP = re.compile(rb"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z? ")
_TS_VALUE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$"
_TS = "@timestamp"  # the CloudWatch export's leading timestamp, read as a column and dropped

# Upper bounds beyond the Parquet type (ports are 16-bit, the protocol an IANA number)
BOUNDS = {
    "srcport": 65535,
    "dstport": 65535,
    "protocol": 255,
    "int32": 2**31 - 1,
    "int64": 2**63 - 1,
}
_DIGITS = re.compile(rb"[0-9]+")
_ACCOUNT = re.compile(r"[0-9]{1,12}|unknown")
_REGION = re.compile(r"[a-z0-9-]{1,40}")
SUB_BLOCK = 1 << 18  # a block the fast path refuses is retried in pieces of this size
_EXACT_ROWS = 32768  # the exact parser hands over typed tables of at most this many rows

# Every table carries the default format's columns (null when a custom format lacks them) plus the
# fields the object actually has; the store is read with union_by_name, so absent columns cost nothing.
CORE = frozenset(DEFAULT_FIELDS)


def wanted(names: tuple[str, ...] | set[str] | frozenset[str]) -> list[str]:
    present = set(names)
    return [f for f in FIELDS if f in present or f in CORE]


def bound(field: str) -> int:
    return BOUNDS.get(field, BOUNDS[FIELDS[field][1]])


class HeaderError(ValueError):
    """A header line that names fields wrongly (twice, or unknown ones): the object cannot be read."""


def header(first: bytes) -> tuple[str, ...] | None:
    """The field names of a header line; None when the line is not one. A line that is plainly meant as
    a header but names a field twice or an unknown one raises HeaderError."""
    try:
        names = first.decode("ascii").split()
    except UnicodeDecodeError:
        return None
    if not names:
        return None
    known = [n for n in names if n in FIELDS]
    if len(known) == len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise HeaderError(f"header names {', '.join(twice)} more than once")
        return tuple(names)
    looks_like = all(re.fullmatch(r"[a-z][a-z0-9-]*", n) for n in names) and len(known) * 2 > len(names)
    if looks_like and len(names) >= 3:
        unknown = [n for n in names if n not in FIELDS]
        raise HeaderError(f"header names unknown field(s): {', '.join(unknown[:5])}")
    return None


@dataclass
class Format:
    """What the lines being read look like: their fields, and whether each has CloudWatch's timestamp."""

    names: tuple[str, ...]
    cloudwatch: bool = False


BadLine = Callable[[int, bytes, str], None]


def typed_block(data: pa.Buffer, fmt: Format, skip: int = 0) -> pa.Table | None:
    """Arrow's CSV reader over a block of lines that all split on single spaces into the format's fields
    and hold good values; None when any line does not (the caller then looks closer)."""
    names = [_TS, *fmt.names] if fmt.cloudwatch else list(fmt.names)

    types = {f: ARROW[FIELDS[f][1]] for f in fmt.names}
    if fmt.cloudwatch:
        types[_TS] = pa.string()
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                # one object per thread already (store.ingest's pool): threads inside cost more CPU than
                # they save
                column_names=names,
                skip_rows=skip,
                block_size=1 << 24,
                use_threads=False,
            ),
            # a line that does not split into the fields raises: the caller looks closer
            parse_options=pacsv.ParseOptions(delimiter=" ", quote_char=False),
            convert_options=pacsv.ConvertOptions(
                # typed straight from the text; "-" is null; a non-number raises and the exact parser decides
                column_types=types,
                null_values=["-"],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if not _values_ok(table, fmt.names):
        return None
    if fmt.cloudwatch:
        ts = table.column(_TS)
        if (
            table.num_rows
            and not pc.all(pc.fill_null(pc.match_substring_regex(ts, _TS_VALUE), False)).as_py()
        ):
            return None
        table = table.drop_columns([_TS])
    return shaped(table, fmt.names)


def _values_ok(table: pa.Table, names: tuple[str, ...]) -> bool:
    """Numbers within their column, and account/region values that may be what they say."""
    for f in names:
        kind = FIELDS[f][1]
        col = table.column(f)
        if col.null_count == len(col):
            continue
        if kind != "string":
            lo_hi = pc.min_max(col)
            if lo_hi["min"].as_py() < 0 or lo_hi["max"].as_py() > bound(f):
                return False
        elif f in ("account-id", "region"):
            pattern = _ACCOUNT if f == "account-id" else _REGION
            lo_hi = pc.min_max(col)
            lo, hi = lo_hi["min"].as_py(), lo_hi["max"].as_py()
            if lo == hi:
                if not pattern.fullmatch(lo):
                    return False
            elif not pc.all(pc.match_substring_regex(col, f"^(?:{pattern.pattern})$")).as_py():
                return False
    return True


def shaped(table: pa.Table, names: tuple[str, ...]) -> pa.Table:
    """The store's columns (underscored names, the default format's columns always present)."""
    n = table.num_rows
    return pa.table(
        {
            column(f): (table.column(f) if f in names else pa.nulls(n, ARROW[FIELDS[f][1]]))
            for f in wanted(names)
        }
    )


def _check(field: str, value: bytes) -> str | None:
    """Why one value does not fit its field (None: it fits)."""
    kind = FIELDS[field][1]
    if value == b"-":
        return None
    if kind != "string":
        if not _DIGITS.fullmatch(value):
            return f"{field} is not a number"
        if len(value) > 19 or int(value) > bound(field):
            return f"{field} {value.decode()} is out of range (0-{bound(field)})"
        return None
    if field == "account-id" and not _ACCOUNT.fullmatch(value.decode("utf-8", "replace")):
        return "account-id is not an AWS account id"
    if field == "region" and not _REGION.fullmatch(value.decode("utf-8", "replace")):
        return "region is not an AWS region code"
    return None


class ExactParser:
    """Line by line: splits on runs of whitespace (AWS's own tcp-flags example has a double space),
    strips CloudWatch timestamps, follows header lines (a repeated header is skipped, a new one changes
    the format), and reports each bad line. Hands over typed tables of bounded size."""

    def __init__(self, fmt: Format, bad: BadLine, on_header: Callable[[], None]) -> None:
        self.fmt = fmt
        self.bad = bad
        self.on_header = on_header

    def parse(self, data: bytes, first_line: int) -> Iterator[pa.Table]:
        names = self.fmt.names
        rows: list[list[bytes]] = []
        line_no = first_line - 1
        for raw in data.split(b"\n"):
            line_no += 1
            line = raw[:-1] if raw.endswith(b"\r") else raw
            if not line.strip():
                continue
            text = line
            if CW_TIMESTAMP.match(line):
                self.fmt.cloudwatch = True
                text = line.split(b" ", 1)[1]
            parts = text.split()
            try:
                head = header(text)
            except HeaderError as exc:
                self.bad(line_no, line, str(exc))
                continue
            if head is not None:
                self.on_header()
                if head != names:
                    if rows:
                        yield self._table(rows, names)
                        rows = []
                    names = self.fmt.names = head
                continue
            if len(parts) != len(names):
                self.bad(line_no, line, f"{len(parts)} fields, expected {len(names)}")
                continue
            why = next((w for w in map(_check, names, parts) if w is not None), None)
            if why is None:
                try:
                    for p in parts:
                        p.decode("utf-8")
                except UnicodeDecodeError:
                    why = "not UTF-8 text"
            if why is not None:
                self.bad(line_no, line, why)
                continue
            rows.append(parts)
            if len(rows) >= _EXACT_ROWS:
                yield self._table(rows, names)
                rows = []
        if rows:
            yield self._table(rows, names)

    @staticmethod
    def _table(rows: list[list[bytes]], names: tuple[str, ...]) -> pa.Table:
        cols = {}
        for i, f in enumerate(names):
            values = [r[i].decode() for r in rows]
            arr = pa.array(values, pa.string())
            arr = pc.if_else(pc.equal(arr, "-"), pa.scalar(None, pa.string()), arr)
            kind = FIELDS[f][1]
            cols[f] = arr if kind == "string" else pc.cast(arr, ARROW[kind])
        return shaped(pa.table(cols), names)


def split_lines(data: bytes, size: int) -> Iterator[tuple[int, int]]:
    """(start, end) spans of ``data`` of about ``size`` bytes, each ending after a newline (the last
    one at the end of data)."""
    start = 0
    n = len(data)
    while start < n:
        cut = data.find(b"\n", min(start + size, n) - 1)
        end = n if cut < 0 else cut + 1
        yield start, end
        start = end
