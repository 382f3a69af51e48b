"""Helpers shared by the command modules."""

from __future__ import annotations

from vpcflow.model import Snapshot


def load(path: str) -> Snapshot:
    """Load a snapshot (errors propagate as SnapshotError → exit 2)."""
    from vpcflow.sources import load_snapshot

    return load_snapshot(path)
