"""Flow logs where AWS delivers them: S3 buckets (``s3://bucket/prefix``) and CloudWatch Logs groups
(``cwl://group-name``), read with boto3. Only this module talks to AWS; clients are injectable so tests
point them at a moto server on 127.0.0.1 (``VPCFLOW_AWS_ENDPOINT`` or the ``endpoint_url`` argument).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from vpcflow.errors import InputError


@dataclass(frozen=True)
class RemoteObject:
    key: str  # s3://bucket/key or cwl://group/stream
    size: int
    version: str  # ETag or last event time: what makes a re-read necessary
    body: bytes
    error: str | None = None  # why this one object could not be read (the others still are)


def is_remote(path: str) -> bool:
    return path.startswith(("s3://", "cwl://"))


def aws_session(profile: str | None = None, region: str | None = None) -> Any:
    """A boto3 session for a named profile and region (None: the environment's defaults); an unknown
    profile is an InputError."""
    try:
        import boto3
        import botocore.exceptions as bexc
    except ImportError:  # pragma: no cover - the aws extra is missing
        raise InputError("reading from AWS needs boto3: pip install 'vpcflow[aws]'") from None
    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except bexc.BotoCoreError as exc:
        raise InputError(f"AWS profile: {exc}") from None


def _client(service: str, endpoint_url: str | None, aws: Any = None) -> Any:
    import botocore.exceptions as bexc

    aws = aws or aws_session()
    try:
        return aws.client(service, endpoint_url=endpoint_url or os.environ.get("VPCFLOW_AWS_ENDPOINT"))
    except (bexc.BotoCoreError, ValueError) as exc:
        raise InputError(f"cannot reach AWS {service}: {exc}") from None


def iter_s3(
    url: str, client: Any = None, endpoint_url: str | None = None, session: Any = None
) -> Iterator[RemoteObject]:
    """Every object under ``s3://bucket/prefix`` (any layout: plain, Hive, hourly)."""
    import botocore.exceptions as bexc

    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise InputError("expected s3://bucket/prefix", source=url)
    s3 = client or _client("s3", endpoint_url, session)
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key.endswith("/"):
                    continue
                where, size, etag = f"s3://{bucket}/{key}", int(obj["Size"]), str(obj.get("ETag", ""))
                try:
                    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                except (bexc.BotoCoreError, bexc.ClientError) as exc:
                    yield RemoteObject(where, size, etag, b"", f"cannot read: {exc}")
                    continue
                yield RemoteObject(where, size, etag, body)
    except (bexc.BotoCoreError, bexc.ClientError) as exc:
        raise InputError(f"cannot read: {exc}", source=url) from None


def iter_cloudwatch(
    url: str,
    client: Any = None,
    endpoint_url: str | None = None,
    since_ms: dict[str, int] | None = None,
    session: Any = None,
) -> Iterator[RemoteObject]:
    """One object per log stream of ``cwl://group``: the stream's records, one per line (no header; the
    format is the flow log's, given with --fields when it is not the default)."""
    import botocore.exceptions as bexc

    group = url[len("cwl://") :].strip("/")
    if not group:
        raise InputError("expected cwl://log-group-name", source=url)
    logs = client or _client("logs", endpoint_url, session)
    since_ms = since_ms or {}
    try:
        for page in logs.get_paginator("describe_log_streams").paginate(logGroupName=group):
            for stream in page.get("logStreams", []):
                name = stream["logStreamName"]
                key = f"cwl://{group}/{name}"
                start = since_ms.get(key, 0)
                lines: list[bytes] = []
                last = start
                kwargs: dict[str, Any] = {"logGroupName": group, "logStreamNames": [name]}
                if start:
                    kwargs["startTime"] = start + 1
                for events in logs.get_paginator("filter_log_events").paginate(**kwargs):
                    for ev in events.get("events", []):
                        lines.append(ev["message"].encode())
                        last = max(last, int(ev["timestamp"]))
                if lines:
                    body = b"\n".join(lines) + b"\n"
                    yield RemoteObject(key, len(body), str(last), body)
    except (bexc.BotoCoreError, bexc.ClientError) as exc:
        raise InputError(f"cannot read: {exc}", source=url) from None
