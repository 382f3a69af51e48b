"""Helpers shared by the command modules."""

from __future__ import annotations

import os
import sys

from rich.console import Console

from vpcflow.model import Snapshot


def console(stderr: bool = False) -> Console:
    """A console that never squeezes ids: 160 columns when output is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(stderr=stderr, width=width, soft_wrap=False)


def load(path: str) -> Snapshot:
    """Load a snapshot (errors propagate as SnapshotError → exit 2)."""
    from vpcflow.sources import load_snapshot

    return load_snapshot(path)
