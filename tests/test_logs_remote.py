"""Reading flow logs from S3 and CloudWatch Logs with boto3, against a moto server on 127.0.0.1."""

from __future__ import annotations

import gzip
import io
import json
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

boto3 = pytest.importorskip("boto3")

from vpcflow.flowlogs.fields import DEFAULT_FIELDS  # noqa: E402
from vpcflow.flowlogs.store import connect, ingest  # noqa: E402

REC = "2 123456789012 eni-1 10.0.0.{i} 10.0.1.1 {p} 443 6 3 180 1700000000 1700000060 {a} OK"


@pytest.fixture(scope="module")
def endpoint(moto_endpoint: str) -> str:
    return moto_endpoint


@pytest.fixture(autouse=True)
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def test_s3_plain_hive_and_parquet(endpoint: str, tmp_path: Path) -> None:
    s3 = _client("s3", endpoint)
    s3.create_bucket(Bucket="logs")
    text = "\n".join(
        [" ".join(DEFAULT_FIELDS)] + [REC.format(i=i, p=40000 + i, a="ACCEPT") for i in range(10)]
    )
    s3.put_object(
        Bucket="logs",
        Key="AWSLogs/123456789012/vpcflowlogs/us-east-1/2023/11/14/a.log.gz",
        Body=gzip.compress(text.encode()),
    )
    table = pa.table(
        {
            "version": pa.array([2], pa.int32()),
            "account_id": ["123456789012"],
            "interface_id": ["eni-2"],
            "srcaddr": ["10.0.0.9"],
            "dstaddr": ["10.0.1.2"],
            "srcport": pa.array([1], pa.int32()),
            "dstport": pa.array([22], pa.int32()),
            "protocol": pa.array([6], pa.int32()),
            "packets": pa.array([1], pa.int64()),
            "bytes": pa.array([40], pa.int64()),
            "start": pa.array([1700000000], pa.int64()),
            "end": pa.array([1700000001], pa.int64()),
            "action": ["REJECT"],
            "log_status": ["OK"],
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    s3.put_object(
        Bucket="logs",
        Key="AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/"
        "aws-region=eu-west-1/year=2023/month=11/day=14/b.log.parquet",
        Body=buf.getvalue(),
    )
    summary = ingest(["s3://logs/AWSLogs/"], tmp_path / "store", endpoint_url=endpoint)
    assert (summary.files, summary.records) == (2, 11)
    con = connect(tmp_path / "store")
    regions = dict(con.execute("SELECT store_region, count(*) FROM flows GROUP BY 1").fetchall())
    assert regions == {"us-east-1": 10, "eu-west-1": 1}
    again = ingest(["s3://logs/AWSLogs/"], tmp_path / "store", endpoint_url=endpoint)
    assert (again.files, again.skipped) == (0, 2)


def test_cloudwatch_group_incremental(endpoint: str, tmp_path: Path) -> None:
    logs = _client("logs", endpoint)
    logs.create_log_group(logGroupName="vpc-flow")
    logs.create_log_stream(logGroupName="vpc-flow", logStreamName="eni-1-all")
    now = int(time.time() * 1000) - 60_000  # CloudWatch refuses events older than 14 days
    events = [{"timestamp": now + i, "message": REC.format(i=i, p=40000 + i, a="REJECT")} for i in range(5)]
    logs.put_log_events(logGroupName="vpc-flow", logStreamName="eni-1-all", logEvents=events)
    first = ingest(["cwl://vpc-flow"], tmp_path / "store", endpoint_url=endpoint)
    assert first.records == 5
    more = [
        {"timestamp": now + 1000 + i, "message": REC.format(i=i, p=50000 + i, a="ACCEPT")} for i in range(3)
    ]
    logs.put_log_events(logGroupName="vpc-flow", logStreamName="eni-1-all", logEvents=more)
    second = ingest(["cwl://vpc-flow"], tmp_path / "store", endpoint_url=endpoint)
    assert second.records == 3  # only the new events
    con = connect(tmp_path / "store")
    assert con.execute(
        "SELECT count(*), sum(CASE WHEN action='REJECT' THEN 1 ELSE 0 END) FROM flows"
    ).fetchone() == (8, 5)


VPCFLOW = Path(__import__("sys").executable).with_name("vpcflow")


@pytest.mark.skipif(not VPCFLOW.exists(), reason="the vpcflow console script is not installed")
def test_cli_ingest_takes_profile_region_and_endpoint(endpoint: str, tmp_path: Path) -> None:
    """`vpcflow logs ingest s3://… cwl://… --profile P --region R --endpoint-url URL`, as `snapshot fetch`
    takes them: the named profile's credentials, against a moto server on 127.0.0.1."""
    import os
    import subprocess

    s3 = _client("s3", endpoint)
    s3.create_bucket(Bucket="cli-logs")
    body = "\n".join(
        [" ".join(DEFAULT_FIELDS)] + [REC.format(i=i, p=41000 + i, a="REJECT") for i in range(4)]
    )
    s3.put_object(
        Bucket="cli-logs",
        Key="AWSLogs/123456789012/vpcflowlogs/eu-west-1/2023/11/14/c.log.gz",
        Body=gzip.compress(body.encode()),
    )
    logs = boto3.client("logs", endpoint_url=endpoint, region_name="eu-west-1")
    logs.create_log_group(logGroupName="cli-flow")
    logs.create_log_stream(logGroupName="cli-flow", logStreamName="eni-9-all")
    now = int(time.time() * 1000) - 60_000
    logs.put_log_events(
        logGroupName="cli-flow",
        logStreamName="eni-9-all",
        logEvents=[
            {"timestamp": now + i, "message": REC.format(i=i, p=42000 + i, a="ACCEPT")} for i in range(3)
        ],
    )
    creds = tmp_path / "credentials"
    creds.write_text("[lab]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VPCFLOW_"))}
    env.update({"AWS_SHARED_CREDENTIALS_FILE": str(creds), "AWS_CONFIG_FILE": str(tmp_path / "none")})
    store = tmp_path / "store"
    args = ["logs", "ingest", "s3://cli-logs/AWSLogs/", "cwl://cli-flow", "--store", str(store)]
    remote = ["--profile", "lab", "--region", "eu-west-1", "--endpoint-url", endpoint, "--format", "json"]
    proc = subprocess.run(
        [str(VPCFLOW), *args, *remote], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["files"], summary["records"]) == (2, 7)
    # an unknown profile is one line, exit 2
    bad = [*args, "--profile", "nope", "--endpoint-url", endpoint]
    proc = subprocess.run([str(VPCFLOW), *bad], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "nope" in proc.stderr
