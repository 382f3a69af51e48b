"""Helpers shared by the command modules: consoles that never parse data as markup, option checks."""

from __future__ import annotations

import math
import os
import re
import sys
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console

from vpcflow.errors import QueryError, UsageError
from vpcflow.model import Snapshot


def console(stderr: bool = False) -> Console:
    """A console that never squeezes ids (160 columns when output is not a terminal) and never reads
    markup or emoji codes in what it prints: style with ``rich.text.Text``, build data cells with
    ``vpcflow.render.safe.text``."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(stderr=stderr, width=width, soft_wrap=False, markup=False, emoji=False, highlight=False)


def load(path: str) -> Snapshot:
    """Load a snapshot (errors propagate as SnapshotError → exit 2)."""
    from vpcflow.sources import load_snapshot

    return load_snapshot(path)


def refuse(reason: str, **given: object) -> None:
    """Refuse the first option of ``given`` (``port=...`` stands for ``--port``) that has a value:
    ``reason`` says what it contradicts, naming that option too."""
    for name, value in given.items():
        if value is not None:
            raise UsageError(f"--{name.replace('_', '-')} {reason}")


def finite(option: str, value: float) -> float:
    """A float option's value, refused when NaN or infinite (range checks compare false with NaN)."""
    if not math.isfinite(value):
        raise UsageError(f"{option} {value}: expected a finite number")
    return value


# us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, eu-isoe-west-1 ...
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")


def check_region(option: str, value: str) -> str:
    """An AWS region name (``us-east-1``), refused otherwise before it reaches a client or a path."""
    if not _REGION.fullmatch(value):
        raise UsageError(f"{option} {value!r}: expected an AWS region such as us-east-1")
    return value


def check_endpoint_url(option: str, value: str) -> str:
    """An ``http(s)://host[:port]`` URL, refused otherwise (boto3 would fail with a bare ValueError)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{option} {value!r}: expected a URL such as http://127.0.0.1:5000")
    return value


def aws_session(profile: str | None) -> Any:
    """A boto3 session for ``--profile`` (default credentials chain without one)."""
    try:
        import boto3
        import botocore.exceptions
    except ImportError:  # pragma: no cover - the aws extra is missing
        raise QueryError("talking to AWS needs boto3: pip install 'vpcflow[aws]'") from None
    try:
        return boto3.Session(profile_name=profile) if profile else boto3.Session()
    except botocore.exceptions.BotoCoreError as exc:
        raise QueryError(f"--profile {profile}: {exc}") from None
