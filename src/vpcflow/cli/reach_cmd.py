"""``vpcflow reach``, ``vpcflow policy check`` and ``vpcflow diff``: exhaustive answers, not samples."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from vpcflow.cli.app import app, group
from vpcflow.cli.common import load, refuse
from vpcflow.model import TCP, UDP
from vpcflow.render import dumps
from vpcflow.render.safe import clean_lines


class ReachFormat(StrEnum):
    text = "text"
    json = "json"


SrcOpt = Annotated[
    str,
    typer.Option(
        "--src",
        help="ENI, instance, Name tag, security group, subnet, VPC, CIDR, 'internet' or 'anywhere' "
        "(comma-separated for a union).",
        metavar="SRC",
    ),
]
DstOpt = Annotated[str, typer.Option("--dst", help="Same forms as --src.", metavar="DST")]
ProtoOpt = Annotated[
    str | None,
    typer.Option(
        "--protocol", "-p", help="tcp, udp, icmp, icmpv6, a number or a list; default all.", metavar="P"
    ),
]
PortOpt = Annotated[
    str | None,
    typer.Option("--port", help="Destination ports (tcp/udp): 443, 1024-65535, 80,443.", metavar="PORTS"),
]
ClientOpt = Annotated[
    str | None,
    typer.Option(
        "--client-ports",
        help="Client ephemeral ports for the return path: linux, windows, nat, elb, lambda or N-M "
        "(default: per ENI tag vpcflow:ephemeral-ports, else linux).",
        metavar="RANGE",
    ),
]
FormatOpt = Annotated[ReachFormat, typer.Option("--format", "-f", help="text or json.", metavar="FORMAT")]
SnapshotArg = Annotated[
    str,
    typer.Argument(help="Snapshot directory or JSON file of describe-* output.", metavar="SNAPSHOT"),
]


def check_port_options(protocol: str | None, port: str | None, client_ports: str | None) -> None:
    """Refuse --port / --client-ports when --protocol names no protocol with ports (tcp, udp)."""
    if protocol is None or (port is None and client_ports is None):
        return
    from vpcflow.reach.query import parse_protocols

    protocols = parse_protocols(protocol)
    if TCP not in protocols and UDP not in protocols:
        refuse(
            f"applies to tcp and udp only, not to --protocol {protocol}", port=port, client_ports=client_ports
        )


@app.command("reach")
def reach_command(
    snapshot: SnapshotArg,
    src: SrcOpt,
    dst: DstOpt,
    protocol: ProtoOpt = None,
    port: PortOpt = None,
    client_ports: ClientOpt = None,
    output: FormatOpt = ReachFormat.text,
) -> int:
    """Every flow from SRC to DST: delivered, returning, and what blocks the rest.

    Exit status 0 if anything is reachable, 1 if nothing, 2 on bad input.
    """
    from vpcflow.reach import Reachability

    check_port_options(protocol, port, client_ports)
    snap = load(snapshot)
    result = Reachability(snap).reach(src, dst, protocol, port, client_ports=client_ports)
    if output is ReachFormat.json:
        typer.echo(dumps(result.to_json()), nl=False)
    else:
        typer.echo(clean_lines(result.render_text(snapshot)), nl=False)
    return 0 if result.reachable else 1


policy_app = group("policy", "Check declarative reachability policies.")


@policy_app.command("check")
def policy_check_command(
    snapshot: SnapshotArg,
    policy: Annotated[
        str, typer.Argument(help="Policy YAML file (see docs/reachability.md).", metavar="POLICY")
    ],
    output: FormatOpt = ReachFormat.text,
) -> int:
    """Check every statement of POLICY against SNAPSHOT, with a witness for each.

    Exit status 0 if all pass, 1 if any fails, 2 on bad input.
    """
    from vpcflow.reach.policy import check_policy, load_policy

    pol = load_policy(policy)
    snap = load(snapshot)
    report = check_policy(snap, pol, snapshot_path=snapshot)
    if output is ReachFormat.json:
        typer.echo(dumps(report.to_json()), nl=False)
    else:
        typer.echo(clean_lines(report.render_text()), nl=False)
    return 0 if report.passed else 1


@app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="The snapshot before the change.", metavar="OLD")],
    new: Annotated[str, typer.Argument(help="The snapshot after the change.", metavar="NEW")],
    src: Annotated[
        str, typer.Option("--src", help="Sources (same forms as reach).", metavar="SRC")
    ] = "anywhere",
    dst: Annotated[str, typer.Option("--dst", help="Destinations.", metavar="DST")] = "anywhere",
    protocol: ProtoOpt = None,
    port: PortOpt = None,
    client_ports: ClientOpt = None,
    output: FormatOpt = ReachFormat.text,
) -> int:
    """Flows that became reachable or unreachable from OLD to NEW, each with a witness.

    Exit status 0 if nothing changed, 1 if something did, 2 on bad input.
    """
    from vpcflow.reach.diff import diff_snapshots

    check_port_options(protocol, port, client_ports)
    before = load(old)
    after = load(new)
    result = diff_snapshots(before, after, src, dst, protocol, port, client_ports=client_ports)
    if output is ReachFormat.json:
        typer.echo(dumps(result.to_json()), nl=False)
    else:
        typer.echo(clean_lines(result.render_text(old, new)), nl=False)
    return 0 if result.unchanged else 1
