"""``vpcflow audit``: Security Hub / CIS controls with path-aware exposure, as text, JSON or SARIF."""

from __future__ import annotations

from typing import Annotated

import typer

from vpcflow.cli.app import app
from vpcflow.cli.common import ParameterOpt, parameters
from vpcflow.errors import QueryError

FORMATS = ("text", "json", "sarif")
SEVERITIES = ("critical", "high", "medium", "low", "info")


@app.command("audit")
def audit_command(
    source: Annotated[
        str,
        typer.Argument(
            help="Snapshot directory or file: describe-* JSON, a Terraform plan/state or HCL, or a "
            "CloudFormation template."
        ),
    ],
    output: Annotated[str, typer.Option("--format", "-f", help="text, json or sarif.")] = "text",
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="critical, high, medium, low or info: exit 1 if an unsuppressed finding is at or above it.",
        ),
    ] = "info",
    config: Annotated[
        str | None, typer.Option("--config", help="Audit configuration YAML (see docs/audit.md).")
    ] = None,
    suppressions: Annotated[
        str | None, typer.Option("--suppressions", help="Suppression YAML: ids or control+resource globs.")
    ] = None,
    parameter: ParameterOpt = None,
) -> int:
    """Audit security groups and network ACLs against Security Hub and CIS controls, each exposure checked
    against what the internet can actually reach.

    Exit 0 if no unsuppressed finding is at or above --fail-on, 1 if one is, 2 on bad input."""
    import json

    from vpcflow import __version__
    from vpcflow.audit import Severity, audit, load_config, load_suppressions
    from vpcflow.audit.config import AuditConfig
    from vpcflow.audit.render import report_text
    from vpcflow.audit.sarif import report_sarif
    from vpcflow.render import dumps
    from vpcflow.sources import load_with_report

    if output not in FORMATS:
        raise QueryError(f"--format {output!r}: expected one of {', '.join(FORMATS)}")
    if fail_on.lower() not in SEVERITIES:
        raise QueryError(f"--fail-on {fail_on!r}: expected one of {', '.join(SEVERITIES)}")
    threshold = Severity.parse(fail_on)
    cfg = load_config(config) if config else AuditConfig()
    extra = load_suppressions(suppressions) if suppressions else ()
    loaded = load_with_report(source, parameters(parameter))
    snap = loaded.snapshot
    known = any("FlowLogs" in sc.items for sc in loaded.scopes) or None
    report = audit(
        snap,
        cfg,
        snapshot_path=source,
        files=loaded.files,
        flow_logs_known=known,
        suppressions=extra,
    )
    if output == "json":
        typer.echo(dumps(report.to_json()), nl=False)
    elif output == "sarif":
        typer.echo(json.dumps(report_sarif(report, __version__), indent=2) + "\n", nl=False)
    else:
        typer.echo(report_text(report), nl=False)
    return 1 if report.failing(threshold) else 0
