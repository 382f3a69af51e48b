"""Golden files for the trace renderers (text and JSON) on the bundled examples.

Regenerate only on purpose: ``make golden`` (VPCFLOW_REGEN_GOLDEN=1), then read the diff — the semantic
content of these traces is asserted independently by the AWS-documented scenario tests.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from vpcflow.cli import main
from vpcflow.engine import Engine
from vpcflow.render import dumps
from vpcflow.render.trace_text import trace_to_text
from vpcflow.sources import load_snapshot

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "trace"
REGEN = os.environ.get("VPCFLOW_REGEN_GOLDEN") == "1"

CASES: dict[str, tuple[str, str, str, str, int, str | None]] = {
    "three-tier-internet-to-alb": ("three-tier", "203.0.113.12", "web-alb", "tcp", 443, None),
    "three-tier-app-to-db-ssh-reject": ("three-tier", "app-1", "db-1", "tcp", 22, None),
    "three-tier-app-via-nat": ("three-tier", "app-1", "203.0.113.50", "tcp", 443, None),
    "nacl-trap-https-reject": ("nacl-trap", "198.51.100.7", "web-1", "tcp", 443, None),
    "nacl-trap-api-call-partial": ("nacl-trap", "web-1", "198.51.100.99", "tcp", 443, "1024-65535"),
}


def _check(path: Path, actual: str) -> None:
    if REGEN or not path.exists():
        if not REGEN:
            pytest.fail(f"missing golden file {path} (run `make golden`)")
        path.write_text(actual)
    assert actual == path.read_text()


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_trace(name: str) -> None:
    snap, src, dst, proto, port, client = CASES[name]
    trace = Engine(load_snapshot(ROOT / "examples" / snap)).trace(src, dst, proto, port, client_ports=client)
    _check(GOLDEN / f"{name}.txt", trace_to_text(trace))
    _check(GOLDEN / f"{name}.json", dumps(trace.to_json()))


def test_cli_json_matches_golden_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "trace",
            str(ROOT / "examples" / "nacl-trap"),
            "--src",
            "198.51.100.7",
            "--dst",
            "web-1",
            "--port",
            "443",
            "--format",
            "json",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert json.loads(out) == json.loads((GOLDEN / "nacl-trap-https-reject.json").read_text())
    code = main(
        ["trace", str(ROOT / "examples" / "three-tier"), "--src", "app-1", "--dst", "db-1", "--port", "5432"]
    )
    assert code == 0 and "ACCEPT" in capsys.readouterr().out
    assert (
        main(
            [
                "trace",
                str(ROOT / "examples" / "three-tier"),
                "--src",
                "nope",
                "--dst",
                "db-1",
                "--port",
                "5432",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("vpcflow: error: unknown endpoint 'nope'") and err.count("\n") == 1
