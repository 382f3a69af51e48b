"""``make demo``: trace the interesting flows of the bundled example snapshots and show the diagnoses."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.table import Table
from rich.text import Text

from vpcflow.cli.common import console as make_console
from vpcflow.engine import Engine, Verdict
from vpcflow.render.safe import clean, text
from vpcflow.render.trace_text import render_trace

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# (snapshot, src, dst, protocol, port, what it shows)
FLOWS: list[tuple[str, str, str, str, int, str]] = [
    ("alb-waf", "198.51.100.8", "my-alb", "tcp", 443, "internet → ALB → app: two connections, end to end"),
    ("alb-waf", "198.51.100.7", "my-alb", "tcp", 443, "a client the web ACL's IP set blocks"),
    ("three-tier", "203.0.113.12", "web-alb", "tcp", 443, "an ALB node without its load balancer's data"),
    ("three-tier", "203.0.113.12", "web-alb", "tcp", 22, "internet → ALB on SSH: its security group"),
    ("three-tier", "app-1", "db-1", "tcp", 5432, "app → db (rule references app-sg)"),
    ("three-tier", "app-1", "db-1", "tcp", 22, "app → db on SSH: not allowed"),
    ("three-tier", "203.0.113.12", "db-1", "tcp", 5432, "internet → db: no way in"),
    ("three-tier", "app-1", "203.0.113.50", "tcp", 443, "app → internet through the NAT gateway"),
    ("nacl-trap", "198.51.100.7", "web-1", "tcp", 443, "HTTPS to the web server: the NACL trap"),
    ("nacl-trap", "192.0.2.15", "web-1", "tcp", 22, "SSH from the office"),
    ("nacl-trap", "web-1", "198.51.100.99", "tcp", 443, "the server calls an HTTPS API"),
]

_STYLE = {
    Verdict.ACCEPT: "green",
    Verdict.REJECT: "red",
    Verdict.PARTIAL: "yellow",
    Verdict.UNKNOWN: "magenta",
}


def main() -> int:
    from vpcflow.sources import load_snapshot

    console = make_console()
    engines = {
        name: Engine(load_snapshot(EXAMPLES / name)) for name in ("alb-waf", "three-tier", "nacl-trap")
    }
    summary = Table(title="vpcflow demo: the bundled examples", title_justify="left")
    for col in ("snapshot", "flow", "verdict", "diagnosis"):
        summary.add_column(col, overflow="fold")
    traces = []
    for snap, src, dst, proto, port, what in FLOWS:
        trace = engines[snap].trace(src, dst, proto, port)
        traces.append((snap, what, trace))
        summary.add_row(
            snap, what, Text(trace.verdict.value, style=_STYLE[trace.verdict]), text(trace.diagnosis)
        )
    console.print(summary)
    for snap, what, trace in traces:
        if trace.verdict is Verdict.ACCEPT and snap != "alb-waf":  # the proxied chain is worth reading whole
            continue
        console.rule(f"{snap}: {what}")
        console.print(render_trace(trace))
    from vpcflow.reach.policy import check_policy, load_policy

    marks = {"pass": "green", "fail": "bold red", "undecided": "magenta"}
    for snap, policy in (("alb-waf", "alb-waf.yaml"), ("three-tier", "three-tier.yaml")):
        console.rule(f"{snap}: the tier-chain policy, proven over every address and port")
        report = check_policy(
            engines[snap].snapshot,
            load_policy(EXAMPLES / "policies" / policy),
            snapshot_path=f"examples/{snap}",
        )
        for r in report.results:
            line = Text(r.status.upper(), style=marks[r.status])
            line.append(f"  {clean(r.statement.name)}")
            console.print(line)
    console.print(
        "\nTry it yourself:  .venv/bin/vpcflow trace examples/alb-waf --src 198.51.100.8 "
        "--dst my-alb --port 443"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
