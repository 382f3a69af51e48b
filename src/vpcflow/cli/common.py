"""Helpers shared by the command modules."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.console import Console

from vpcflow.errors import QueryError
from vpcflow.model import Snapshot

# Every command that loads a snapshot takes a CloudFormation template's parameter values.
ParameterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--parameter",
        help="A CloudFormation template parameter, K=V (repeatable); others take their Default.",
    ),
]


def console(stderr: bool = False) -> Console:
    """A console that never squeezes ids: 160 columns when output is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(stderr=stderr, width=width, soft_wrap=False)


def parameters(values: list[str] | None) -> dict[str, str] | None:
    """``["K=V", ...]`` → ``{"K": "V"}``; a value without ``=`` is a usage error (exit 2)."""
    if not values:
        return None
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--parameter {item!r}: expected KEY=VALUE")
        out[key.strip()] = value
    return out


def load(path: str, parameter: list[str] | None = None) -> Snapshot:
    """Load a snapshot: describe-* JSON, a Terraform plan/state, a CloudFormation template or Terraform
    HCL (errors propagate as SnapshotError → exit 2)."""
    from vpcflow.sources import load_snapshot

    return load_snapshot(path, parameters(parameter))
