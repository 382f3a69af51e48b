"""``vpcflow trace``: can A reach B, and if not, what stops it, going or coming back."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from vpcflow.cli.app import app
from vpcflow.cli.common import ParameterOpt, console, load
from vpcflow.engine import Engine, Verdict
from vpcflow.render import dumps, render_trace


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


@app.command("trace")
def trace_command(
    snapshot: Annotated[str, typer.Argument(help="Snapshot directory or JSON file of describe-* output.")],
    src: Annotated[str, typer.Option("--src", help="ENI id, instance id, Name tag or IP address.")],
    dst: Annotated[str, typer.Option("--dst", help="ENI id, instance id, Name tag or IP address.")],
    protocol: Annotated[
        str, typer.Option("--protocol", "-p", help="tcp, udp, icmp, icmpv6 or a number.")
    ] = "tcp",
    port: Annotated[int | None, typer.Option("--port", help="Destination port (tcp/udp).")] = None,
    src_port: Annotated[
        int | None, typer.Option("--src-port", help="One client source port instead of the ephemeral range.")
    ] = None,
    icmp_type: Annotated[int | None, typer.Option("--icmp-type", help="ICMP type (default 8, echo).")] = None,
    icmp_code: Annotated[int | None, typer.Option("--icmp-code", help="ICMP code (default 0).")] = None,
    client_ports: Annotated[
        str | None,
        typer.Option(
            "--client-ports",
            help="Client ephemeral ports: linux, windows, nat, elb, lambda or N-M (default: linux).",
        ),
    ] = None,
    ipv6: Annotated[bool, typer.Option("--ipv6", help="Use the endpoints' IPv6 addresses.")] = False,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="text or json.")] = OutputFormat.text,
    parameter: ParameterOpt = None,
) -> int:
    """Trace one flow both ways; exit 0 ACCEPT, 1 REJECT/PARTIAL/UNKNOWN, 2 bad input."""
    snap = load(snapshot, parameter)
    result = Engine(snap).trace(
        src,
        dst,
        protocol,
        port,
        src_port=src_port,
        icmp_type=icmp_type,
        icmp_code=icmp_code,
        client_ports=client_ports,
        ipv6=ipv6,
    )
    if output is OutputFormat.json:
        typer.echo(dumps(result.to_json()), nl=False)
    else:
        console().print(render_trace(result))
    return 0 if result.verdict is Verdict.ACCEPT else 1
