"""Write records exactly as VPC Flow Logs delivers them to S3.

Key layout (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html):
``AWSLogs/<account>/vpcflowlogs/<region>/<YYYY>/<MM>/<DD>/`` (or Hive-compatible
``AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/aws-region=<region>/year=…/month=…/day=…/``),
one object per 5 minutes, named ``<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>``
+ ``.log.gz`` (text: a header line of field names, then space-separated records, ``-`` for missing)
or ``.log.parquet`` (typed columns).
"""

from __future__ import annotations

import gzip
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from vpcflow.errors import InputError
from vpcflow.flowlogs.fields import FIELDS, format_version
from vpcflow.flowlogs.layout import ACCOUNT_ID, REGION, under
from vpcflow.simulate.generator import Row

OBJECT_SECONDS = 300


@dataclass
class WriteReport:
    files: list[Path] = field(default_factory=list)
    records: int = 0
    nodata: int = 0
    # profile flows whose answer is UNKNOWN: no record written for them (connections, why)
    undecided: dict[str, tuple[int, str]] = field(default_factory=dict)


def _object_key(
    account: str, region: str, flow_log_id: str, window: int, hive: bool, ext: str, seed: int
) -> str:
    ts = datetime.fromtimestamp(window, tz=UTC)
    digest = hashlib.sha1(f"{seed}:{flow_log_id}:{window}".encode()).hexdigest()[:8]
    if hive:
        prefix = (
            f"AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/"
            f"year={ts:%Y}/month={ts:%m}/day={ts:%d}"
        )
    else:
        prefix = f"AWSLogs/{account}/vpcflowlogs/{region}/{ts:%Y}/{ts:%m}/{ts:%d}"
    name = f"{account}_vpcflowlogs_{region}_{flow_log_id}_{ts:%Y%m%dT%H%MZ}_{digest}{ext}"
    return f"{prefix}/{name}"


def _text(value: int | str | None) -> str:
    return "-" if value is None else str(value)


def write_objects(
    rows: Iterable[Row],
    out_dir: str | Path,
    *,
    account: str,
    region: str,
    flow_log_id: str,
    fields: tuple[str, ...],
    fmt: str = "text",
    hive: bool = False,
    seed: int = 0,
) -> WriteReport:
    version = format_version(fields)
    buckets: dict[int, list[Row]] = defaultdict(list)
    report = WriteReport()
    for row in rows:
        end = row["end"]
        assert isinstance(end, int)
        buckets[end - end % OBJECT_SECONDS].append(row)
        report.records += 1
        if row["log-status"] == "NODATA":
            report.nodata += 1
    out = Path(out_dir)
    if not ACCOUNT_ID.fullmatch(account):
        # the snapshot's VPC owner when the profile names no account: a value from a file, never a path
        raise InputError(f"account {account!r} is not an AWS account id (12 digits); give one in the profile")
    if not REGION.fullmatch(region):
        raise InputError(f"region {region!r} is not an AWS region code")
    for window in sorted(buckets):
        items = sorted(buckets[window], key=lambda r: (r["start"] or 0, str(r["interface-id"])))
        ext = ".log.gz" if fmt == "text" else ".log.parquet"
        path = under(out, out / _object_key(account, region, flow_log_id, window, hive, ext, seed))
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "text":
            lines = [" ".join(fields)]
            for r in items:
                lines.append(" ".join(_text(version if f == "version" else r.get(f)) for f in fields))
            # mtime=0: identical input → identical bytes (deterministic with --seed)
            with path.open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
                gz.write(("\n".join(lines) + "\n").encode())
        else:
            _write_parquet(path, items, fields, version)
        report.files.append(path)
    return report


def _write_parquet(path: Path, items: list[Row], fields: tuple[str, ...], version: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"int32": pa.int32(), "int64": pa.int64(), "string": pa.string()}
    columns = {}
    for f in fields:
        kind = FIELDS[f][1]
        if f == "version":
            values: list[int | str | None] = [version] * len(items)
        elif kind == "string":
            # AWS's Parquet writes "-" for missing strings
            values = ["-" if r.get(f) is None else str(r.get(f)) for r in items]
        else:
            values = [r.get(f) for r in items]
        columns[f] = pa.array(values, type=types[kind])
    pq.write_table(pa.table(columns), path)
