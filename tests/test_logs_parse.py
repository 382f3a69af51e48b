"""Parsing flow logs: AWS's documented example records (read from ../shared/aws-semantics.md §5 at test
time, not copied here), every container (plain, gzip, truncated gzip, Parquet, CloudWatch export),
header detection, custom formats, and malformed input counted, never fatal."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcflow.errors import InputError
from vpcflow.flowlogs.fields import DEFAULT_FIELDS, parse_fields
from vpcflow.flowlogs.reader import read_file, scope_of

SEMANTICS = Path(__file__).resolve().parents[2] / "shared" / "aws-semantics.md"


def _doc_blocks() -> list[list[str]]:
    if not SEMANTICS.exists():
        pytest.skip(f"AWS semantics page not present at {SEMANTICS}")
    text = SEMANTICS.read_text()
    section = text[text.index("## 5. Flow-log record examples") : text.index("## 6.")]
    return [b.strip("\n").splitlines() for b in re.findall(r"```\n(.*?)```", section, re.S)]


def _parse(
    tmp_path: Path, lines: list[str], fields: str | None = None, header: bool = False
) -> list[dict[str, object]]:
    body = "\n".join(([fields] if header and fields else []) + lines) + "\n"
    f = tmp_path / "x.log"
    f.write_text(body)
    table, rep = read_file(f, parse_fields(fields) if fields and not header else None)
    assert rep.malformed == 0, rep.examples
    return table.to_pylist()


def test_default_records_accept_reject(tmp_path: Path) -> None:
    rows = _parse(tmp_path, _doc_blocks()[0] + _doc_blocks()[1])
    assert [
        (r["srcaddr"], r["dstaddr"], r["srcport"], r["dstport"], r["protocol"], r["action"]) for r in rows
    ] == [
        ("172.31.16.139", "172.31.16.21", 20641, 22, 6, "ACCEPT"),
        ("172.31.9.69", "172.31.9.12", 49761, 3389, 6, "REJECT"),
    ]
    r = rows[0]
    assert (
        r["version"],
        r["account_id"],
        r["packets"],
        r["bytes"],
        r["start"],
        r["end"],
        r["log_status"],
    ) == (
        2,
        "123456789010",
        20,
        4249,
        1418530010,
        1418530070,
        "OK",
    )
    assert r["interface_id"] == "eni-1235b8ca123456789"


def test_nodata_and_skipdata_are_records_with_nulls(tmp_path: Path) -> None:
    f = tmp_path / "n.log"
    f.write_text("\n".join(_doc_blocks()[2] + _doc_blocks()[3]) + "\n")
    table, rep = read_file(f)
    assert (rep.records, rep.nodata, rep.skipdata, rep.malformed) == (2, 1, 1, 0)
    rows = table.to_pylist()
    assert rows[0]["srcaddr"] is None and rows[0]["srcport"] is None and rows[0]["action"] is None
    assert rows[0]["start"] == 1431280876 and rows[1]["log_status"] == "SKIPDATA"


def test_icmp_pair_and_ipv6(tmp_path: Path) -> None:
    rows = _parse(tmp_path, _doc_blocks()[4] + _doc_blocks()[5])
    assert [(r["protocol"], r["srcport"], r["dstport"], r["action"]) for r in rows] == [
        (1, 0, 0, "ACCEPT"),
        (1, 0, 0, "REJECT"),
        (6, 34892, 22, "ACCEPT"),
    ]
    assert rows[2]["srcaddr"] == "2001:db8:1234:a100:8d6e:3477:df66:f105"


def test_custom_tcp_flags_format_with_double_space(tmp_path: Path) -> None:
    blocks = _doc_blocks()
    fields = (
        "version vpc-id subnet-id instance-id interface-id account-id type srcaddr "
        "dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end "
        "action tcp-flags log-status"
    )
    rows = _parse(tmp_path, blocks[6] + blocks[7] + blocks[8], fields, header=True)
    assert [r["tcp_flags"] for r in rows] == [2, 18, 2, 18, 1, 1, 3, 19]
    # the last record has two spaces before pkt-srcaddr in AWS's page: still parsed exactly
    assert (
        rows[-1]["dstport"] == 43638 and rows[-1]["pkt_srcaddr"] == "10.0.0.62" and rows[-1]["bytes"] == 967
    )
    assert rows[0]["vpc_id"] == "vpc-abcdefab012345678" and rows[0]["type"] == "IPv4"


def test_nat_and_tgw_custom_formats(tmp_path: Path) -> None:
    blocks = _doc_blocks()
    nat = [re.sub(r"\s*#.*$", "", line) for line in blocks[9] + blocks[10]]
    rows = _parse(tmp_path, nat, "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr")
    assert rows[0]["instance_id"] is None and rows[0]["pkt_dstaddr"] == "203.0.113.5"
    assert rows[4]["instance_id"] == "i-01234567890123456"
    tgw_fields = (
        "version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr "
        "srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action "
        "log-status"
    )
    tgw = [line for b in blocks[11:14] for line in b if line != "..."]
    rows = _parse(tmp_path, tgw, tgw_fields)
    assert [(r["srcaddr"], r["pkt_srcaddr"], r["tcp_flags"]) for r in rows] == [
        ("10.20.33.164", "10.20.33.164", 3),
        ("10.40.2.236", "10.40.2.236", 19),
        ("10.40.1.175", "10.20.33.164", 3),
        ("10.40.2.236", "10.40.2.236", 19),
    ]


def test_version5_fields(tmp_path: Path) -> None:
    fields = (
        "version srcaddr dstaddr srcport dstport protocol start end type packets bytes "
        "account-id vpc-id subnet-id instance-id interface-id region az-id "
        "sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr "
        "pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status"
    )
    rows = _parse(tmp_path, _doc_blocks()[14], fields)
    assert [
        (r["flow_direction"], r["traffic_path"], r["pkt_src_aws_service"], r["pkt_dst_aws_service"])
        for r in rows
    ] == [
        ("ingress", None, "S3", None),
        ("egress", 8, None, "S3"),
    ]
    assert (
        rows[0]["region"] == "ap-southeast-2" and rows[0]["az_id"] == "apse2-az3" and rows[0]["version"] == 5
    )


def test_gzip_truncated_keeps_what_decompressed(tmp_path: Path) -> None:
    lines = [
        " ".join(
            [
                "2",
                "123456789012",
                "eni-1",
                f"10.0.0.{i % 250}",
                "10.0.1.1",
                str(40000 + i),
                "443",
                "6",
                "3",
                "180",
                "1700000000",
                "1700000060",
                "ACCEPT",
                "OK",
            ]
        )
        for i in range(5000)
    ]
    blob = gzip.compress(("\n".join([" ".join(DEFAULT_FIELDS), *lines]) + "\n").encode())
    f = tmp_path / "t.log.gz"
    f.write_bytes(blob[: len(blob) // 2])
    table, rep = read_file(f)
    assert rep.truncated and 0 < table.num_rows < 5000
    assert rep.malformed <= 1  # at most the line cut in half
    whole = tmp_path / "whole.log"
    whole.write_bytes(gzip.decompress(blob))  # a .log name on gzip bytes would still be sniffed right
    t2, rep2 = read_file(whole)
    assert t2.num_rows == 5000 and not rep2.truncated


def test_malformed_lines_counted_with_examples(tmp_path: Path) -> None:
    good = "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1234 443 6 3 180 1700000000 1700000060 ACCEPT OK"
    f = tmp_path / "m.log"
    f.write_text("\n".join([good, "garbage line", good.replace(" 443 ", " https "), good]) + "\n")
    table, rep = read_file(f)
    assert table.num_rows == 2 and rep.malformed == 2
    assert any("2 fields, expected 14" in e for e in rep.examples)
    assert any("dstport is not a number" in e for e in rep.examples)


def test_unrecognised_format_is_an_error_naming_the_file(tmp_path: Path) -> None:
    f = tmp_path / "access.log"
    f.write_text("\n".join(f'127.0.0.1 - - [27/Nov/2026] "GET /{i} HTTP/1.1" 200' for i in range(30)) + "\n")
    with pytest.raises(InputError, match=r"access\.log: not a flow-log format"):
        read_file(f)


def test_cloudwatch_export_lines(tmp_path: Path) -> None:
    f = tmp_path / "eni-1-all" / "000000.gz"
    f.parent.mkdir()
    rec = "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1234 443 6 3 180 1700000000 1700000060 ACCEPT OK"
    f.write_bytes(gzip.compress(f"2026-11-27T10:00:00.000Z {rec}\n2026-11-27T10:00:01.000Z {rec}\n".encode()))
    table, rep = read_file(f)
    assert table.num_rows == 2 and rep.format == "cloudwatch-export" and rep.malformed == 0


def test_parquet_with_aws_schema(tmp_path: Path) -> None:
    table = pa.table(
        {
            "version": pa.array([2, 2], pa.int32()),
            "account_id": ["123456789012", "123456789012"],
            "interface_id": ["eni-1", "eni-1"],
            "srcaddr": ["10.0.0.1", "-"],
            "dstaddr": ["10.0.0.2", "-"],
            "srcport": pa.array([1234, None], pa.int32()),
            "dstport": pa.array([443, None], pa.int32()),
            "protocol": pa.array([6, None], pa.int32()),
            "packets": pa.array([3, None], pa.int64()),
            "bytes": pa.array([180, None], pa.int64()),
            "start": pa.array([1700000000, 1700000000], pa.int64()),
            "end": pa.array([1700000060, 1700000060], pa.int64()),
            "action": ["ACCEPT", "-"],
            "log_status": ["OK", "NODATA"],
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    f = tmp_path / "obj.data"  # sniffed by content, not suffix
    f.write_bytes(buf.getvalue())
    out, rep = read_file(f)
    rows = out.to_pylist()
    assert rep.format == "parquet" and rep.nodata == 1
    assert rows[0]["dstport"] == 443 and rows[1]["srcaddr"] is None and rows[1]["action"] is None


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("b/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/27/x.log.gz", ("123456789012", "eu-west-1")),
        (
            "b/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/27/10/x.log.gz",
            ("123456789012", "eu-west-1"),
        ),
        (
            "p/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-2/year=2026/x",
            ("123456789012", "us-east-2"),
        ),
        (
            "p/AWSLogs/aws-account-id=123456789012/service=vpcflowlogs/aws-region=us-east-2/year=2026/x",
            ("123456789012", "us-east-2"),
        ),
        ("elsewhere/x.log", (None, None)),
    ],
)
def test_s3_layouts(key: str, expected: tuple[str | None, str | None]) -> None:
    assert scope_of(key) == expected


_addr = st.from_regex(r"10\.0\.[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True)
_record = st.fixed_dictionaries(
    {
        "srcaddr": _addr,
        "dstaddr": _addr,
        "srcport": st.integers(0, 65535),
        "dstport": st.integers(0, 65535),
        "protocol": st.sampled_from([1, 6, 17]),
        "packets": st.integers(1, 10**6),
        "bytes": st.integers(1, 10**12),
        "start": st.integers(1_500_000_000, 1_900_000_000),
        "action": st.sampled_from(["ACCEPT", "REJECT"]),
        "tcp-flags": st.one_of(st.none(), st.sampled_from([0, 1, 2, 3, 18, 19])),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_record, min_size=1, max_size=30), st.booleans(), st.booleans())
def test_roundtrip_text_and_parquet(
    tmp_path_factory: pytest.TempPathFactory, records: list[dict[str, object]], custom: bool, parquet: bool
) -> None:
    from vpcflow.simulate.writer import write_objects

    custom_format = (
        "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
        "tcp-flags log-status"
    )
    fields = parse_fields(custom_format) if custom else DEFAULT_FIELDS
    rows = []
    for r in records:
        row = {
            **r,
            "account-id": "123456789012",
            "interface-id": "eni-1",
            "end": int(r["start"]) + 59,  # type: ignore[call-overload]
            "log-status": "OK",
            "version": None,
        }
        rows.append(row)
    out = tmp_path_factory.mktemp("rt")
    write_objects(
        rows,
        out,
        account="123456789012",
        region="us-east-1",
        flow_log_id="fl-1",
        fields=fields,
        fmt="parquet" if parquet else "text",
    )
    got = []
    for f in sorted(out.rglob("*.log.*")):
        table, rep = read_file(f)
        assert rep.malformed == 0
        got.extend(table.to_pylist())
    key = ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "start", "action")
    want = sorted(tuple(r[k] for k in key) for r in rows)
    assert sorted(tuple(g[k] for k in key) for g in got) == want
    if custom:

        def key3(a: object, b: object, c: object) -> tuple[object, ...]:
            return (a, b, c is None, c or 0)  # None sorts first without comparing None to int

        assert sorted(key3(g["start"], g["srcport"], g["tcp_flags"]) for g in got) == sorted(
            key3(r["start"], r["srcport"], r["tcp-flags"]) for r in rows
        )
