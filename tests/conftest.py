"""Shared test setup: make tests/ importable (builders, moto helpers)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real EC2/S3/Logs API endpoint for boto3: a moto server bound to 127.0.0.1, never the network."""
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


# The store flushes every file and journal line to disk before it counts (a power cut loses nothing
# committed). The suite skips the flushes for speed: a killed process leaves the same state either way
# (the kernel keeps what was written), and the crash tests run their ingests with flushing on.
os.environ.setdefault("VPCFLOW_FSYNC", "0")
