"""The Typer application object shared by the command modules."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="vpcflow",
    help="Model AWS VPC traffic filtering offline: trace, reach, audit, flow logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
