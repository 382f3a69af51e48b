"""Fuzzing the flow-log reader and store (Hypothesis): random valid and corrupted records, blank and header
lines, text or gzip (whole or cut short). Whatever comes in: no exception escapes, the exit status is 0
or 1, and every line read is either a stored record or a quarantined line — stored + quarantined = read.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcflow.flowlogs.fields import DEFAULT_FIELDS, FIELDS
from vpcflow.flowlogs.store import connect, ingest

HEADER = " ".join(DEFAULT_FIELDS).encode()

_addr = st.sampled_from(["10.0.0.1", "10.0.1.7", "203.0.113.9", "2001:db8::1", "-"])
_valid = st.builds(
    lambda v, eni, src, dst, sp, dp, proto, pk, by, t, dt, action, status: " ".join(
        map(str, [v, "123456789012", eni, src, dst, sp, dp, proto, pk, by, t, t + dt, action, status])
    ).encode(),
    st.sampled_from([2, 3, 5]),
    st.sampled_from(["eni-0a1", "eni-0b2", "-"]),
    _addr,
    _addr,
    st.one_of(st.integers(0, 65535), st.just("-")),
    st.one_of(st.integers(0, 65535), st.just("-")),
    st.sampled_from([1, 6, 17, "-"]),
    st.integers(0, 10**6),
    st.integers(0, 10**12),
    st.integers(1_600_000_000, 1_800_000_000),
    st.integers(0, 600),
    st.sampled_from(["ACCEPT", "REJECT", "-"]),
    st.sampled_from(["OK", "NODATA", "SKIPDATA"]),
)
# what can go wrong with one field
_junk = st.sampled_from(
    [
        b"\xd9\xa4\xd9\xa4\xd9\xa3",  # Unicode digits
        b"99999999999999999999999",
        b"2147483648",
        b"70000",
        b"-5",
        b"+5",
        b"1e3",
        b"0x1f",
        b"\xff\xfe",  # not UTF-8
        b"[/]",
        b"\x1b[31m",
        b"",
        b"../../x",
        b"\xc2\xa0",  # a no-break space: not a separator
    ]
)


@st.composite
def _corrupted(draw: Any) -> bytes:
    parts = draw(_valid).split(b" ")
    how = draw(st.sampled_from(["replace", "drop", "add", "join", "double-space", "cut"]))
    i = draw(st.integers(0, len(parts) - 1))
    if how == "replace":
        parts[i] = draw(_junk)
    elif how == "drop":
        del parts[i]
    elif how == "add":
        parts.insert(i, draw(_junk) or b"x")
    elif how == "join":
        return b"".join(parts)
    elif how == "double-space":
        return b"  ".join(parts)  # still a record: AWS's own example has a double space
    else:
        line = b" ".join(parts)
        return line[: draw(st.integers(0, len(line)))]
    return b" ".join(parts)


_line = st.one_of(
    _valid,
    _valid,
    _corrupted(),
    st.sampled_from([b"", b"   ", b"\t", HEADER]),
    st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" ").replace(b"\r", b" ")),
)


def _blank(line: bytes) -> bool:
    return not line.strip()


def _salvage(blob: bytes) -> bytes:
    """What a cut gzip stream yields (Python's own zlib, as the reference)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return d.decompress(blob)
    except zlib.error:
        return b""


def _is_header(line: bytes) -> bool:
    """A line of field names only, each once (also a header cut short: it names fewer fields)."""
    names = line.split()
    return all(n.decode("latin-1") in FIELDS for n in names) and len(set(names)) == len(names)


def _readable_lines(text: bytes) -> int:
    lines = [line[:-1] if line.endswith(b"\r") else line for line in text.split(b"\n")]
    count = 0
    for line in lines:
        if _blank(line) or _is_header(line):
            continue
        count += 1
    return count


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(_line, max_size=40),
    header=st.booleans(),
    container=st.sampled_from(["text", "gzip", "cut-gzip"]),
    crlf=st.booleans(),
    cut=st.floats(0.2, 0.95),
)
def test_stored_plus_quarantined_is_read(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[bytes],
    header: bool,
    container: str,
    crlf: bool,
    cut: float,
) -> None:
    base = tmp_path_factory.mktemp("fuzz")
    text = (b"\r\n" if crlf else b"\n").join(([HEADER] if header else []) + lines) + b"\n"
    data = text
    if container != "text":
        data = gzip.compress(text)
        if container == "cut-gzip":
            data = data[: max(10, int(len(data) * cut))]
            text = _salvage(data)
    (base / "in").mkdir()
    (base / "in" / "x.log").write_bytes(data)
    summary = ingest([str(base / "in")], base / "store", rollups=False)
    read = _readable_lines(text)
    assert summary.records + summary.malformed == read, (summary.problems, read)
    if summary.records:
        stored = connect(base / "store").execute("SELECT count(*) FROM flows").fetchone()[0]
        assert stored == summary.records
    kept = b"".join(p.read_bytes() for p in (base / "store" / "quarantine").glob("*.log"))
    assert kept.count(b"\n") == summary.malformed
    assert summary.partial == bool(summary.malformed or summary.truncated or summary.rejected)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_line, min_size=1, max_size=12), fmt=st.sampled_from(["text", "json"]))
def test_cli_never_tracebacks(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], lines: list[bytes], fmt: str
) -> None:
    """The command's exit status is 0, 1 or 2 and its errors one line, whatever the file holds; the
    analyses then answer or say there is nothing to answer."""
    from vpcflow.cli import main

    base = tmp_path_factory.mktemp("cli")
    (base / "x.log").write_bytes(b"\n".join(lines) + b"\n")
    store = str(base / "store")
    capsys.readouterr()
    assert main(["logs", "ingest", str(base / "x.log"), "--store", store, "--format", fmt]) in (0, 1)
    assert "Traceback" not in capsys.readouterr().err
    for args in (["rejects"], ["top", "--by", "interface"], ["timeline"], ["scans"]):
        code = main(["logs", *args, "--store", store])
        assert code in (0, 1, 2)
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if code == 2:
            assert len(err.strip().splitlines()) == 1, err


def test_gzip_bomb_of_blank_lines_is_cheap(tmp_path: Path) -> None:
    """50 M blank lines in a 49 KB gzip: streamed, nothing stored, nothing quarantined."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bomb.log.gz").write_bytes(gzip.compress(b"\n" * 50_000_000, 9))
    summary = ingest([str(tmp_path / "in")], tmp_path / "store", rollups=False)
    assert (summary.records, summary.malformed, summary.files) == (0, 0, 1)
