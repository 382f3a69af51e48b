"""``vpcflow trace``: can A reach B, and if not, what stops it, going or coming back."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from vpcflow.cli.app import app
from vpcflow.cli.common import ParameterOpt, console, load, refuse
from vpcflow.engine import Engine, Verdict
from vpcflow.errors import QueryError, UsageError
from vpcflow.model import ICMP, ICMPV6, TCP, UDP, ProtocolError, parse_protocol
from vpcflow.render import dumps, render_trace


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def check_trace_options(
    protocol: str,
    port: int | None,
    src_port: int | None,
    icmp_type: int | None,
    icmp_code: int | None,
    client_ports: str | None,
) -> None:
    """Refuse options the protocol contradicts (ports without tcp/udp, ICMP fields without ICMP)."""
    try:
        proto = parse_protocol(protocol)
    except ProtocolError as exc:
        raise QueryError(f"--protocol: {exc}") from None
    if proto == -1:
        raise QueryError(
            f"--protocol {protocol}: a trace follows one protocol (tcp, udp, icmp, icmpv6 or 0-255)"
        )
    if proto not in (TCP, UDP):
        refuse(
            f"applies to tcp and udp only, not to --protocol {protocol}",
            port=port,
            src_port=src_port,
            client_ports=client_ports,
        )
    if proto not in (ICMP, ICMPV6):
        refuse(
            f"applies to icmp and icmpv6 only, not to --protocol {protocol}",
            icmp_type=icmp_type,
            icmp_code=icmp_code,
        )
    if src_port is not None and client_ports is not None:
        raise UsageError("--src-port and --client-ports both choose the client's port: give one of them")


@app.command("trace")
def trace_command(
    snapshot: Annotated[
        str,
        typer.Argument(help="Snapshot directory or JSON file of describe-* output."),
    ],
    src: Annotated[str, typer.Option("--src", help="ENI id, instance id, Name tag or IP address.")],
    dst: Annotated[str, typer.Option("--dst", help="ENI id, instance id, Name tag or IP address.")],
    protocol: Annotated[
        str, typer.Option("--protocol", "-p", help="tcp, udp, icmp, icmpv6 or a number.", metavar="P")
    ] = "tcp",
    port: Annotated[
        int | None,
        typer.Option("--port", help="Destination port (tcp/udp).", min=0, max=65535, metavar="PORT"),
    ] = None,
    src_port: Annotated[
        int | None,
        typer.Option(
            "--src-port",
            help="One client source port instead of the ephemeral range (tcp/udp).",
            min=0,
            max=65535,
            metavar="PORT",
        ),
    ] = None,
    icmp_type: Annotated[
        int | None,
        typer.Option("--icmp-type", help="ICMP type (default 8, echo).", min=0, max=255, metavar="N"),
    ] = None,
    icmp_code: Annotated[
        int | None,
        typer.Option("--icmp-code", help="ICMP code (default 0).", min=0, max=255, metavar="N"),
    ] = None,
    client_ports: Annotated[
        str | None,
        typer.Option(
            "--client-ports",
            help="Client ephemeral ports: linux, windows, nat, elb, lambda or N-M (default: linux).",
            metavar="RANGE",
        ),
    ] = None,
    ipv6: Annotated[bool, typer.Option("--ipv6", help="Use the endpoints' IPv6 addresses.")] = False,
    sni: Annotated[
        str | None,
        typer.Option(
            "--sni", help="TLS server name of the connection (decides firewall domain rules).", metavar="NAME"
        ),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            "--host", help="HTTP Host of the request (decides firewall domain rules).", metavar="NAME"
        ),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text or json.", metavar="FORMAT")
    ] = OutputFormat.text,
    parameter: ParameterOpt = None,
) -> int:
    """Trace one flow both ways and name the rule that stops it.

    Exit status 0 ACCEPT, 1 REJECT, PARTIAL or UNKNOWN, 2 bad input.
    """
    check_trace_options(protocol, port, src_port, icmp_type, icmp_code, client_ports)
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
        sni=sni,
        host=host,
    )
    if output is OutputFormat.json:
        typer.echo(dumps(result.to_json()), nl=False)
    else:
        console().print(render_trace(result))
    return 0 if result.verdict is Verdict.ACCEPT else 1
