"""``vpcflow reach``, ``vpcflow policy check`` and ``vpcflow diff``: exhaustive answers, not samples."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from vpcflow.cli.app import app
from vpcflow.cli.common import ParameterOpt, load
from vpcflow.render import dumps


class ReachFormat(StrEnum):
    text = "text"
    json = "json"


SrcOpt = Annotated[
    str,
    typer.Option(
        "--src",
        help="ENI, instance, Name tag, security group, subnet, VPC, CIDR, 'internet' or 'anywhere' "
        "(comma-separated for a union).",
    ),
]
DstOpt = Annotated[str, typer.Option("--dst", help="Same forms as --src.")]
ProtoOpt = Annotated[
    str | None,
    typer.Option("--protocol", "-p", help="tcp, udp, icmp, icmpv6, a number or a list; default all."),
]
PortOpt = Annotated[
    str | None, typer.Option("--port", help="Destination ports (tcp/udp): 443, 1024-65535, 80,443.")
]
ClientOpt = Annotated[
    str | None,
    typer.Option(
        "--client-ports",
        help="Client ephemeral ports for the return path: linux, windows, nat, elb, lambda or N-M "
        "(default: per ENI tag vpcflow:ephemeral-ports, else linux).",
    ),
]
FormatOpt = Annotated[ReachFormat, typer.Option("--format", "-f", help="text or json.")]


@app.command("reach")
def reach_command(
    snapshot: Annotated[str, typer.Argument(help="Snapshot directory or JSON file of describe-* output.")],
    src: SrcOpt,
    dst: DstOpt,
    protocol: ProtoOpt = None,
    port: PortOpt = None,
    client_ports: ClientOpt = None,
    output: FormatOpt = ReachFormat.text,
    parameter: ParameterOpt = None,
) -> int:
    """Every flow from SRC to DST: delivered, returning, and what blocks the rest. Exit 0 if anything
    is reachable, 1 if nothing, 2 on bad input."""
    from vpcflow.reach import Reachability

    snap = load(snapshot, parameter)
    result = Reachability(snap).reach(src, dst, protocol, port, client_ports=client_ports)
    if output is ReachFormat.json:
        typer.echo(dumps(result.to_json()), nl=False)
    else:
        typer.echo(result.render_text(snapshot), nl=False)
    return 0 if result.reachable else 1


policy_app = typer.Typer(help="Check declarative reachability policies.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@policy_app.command("check")
def policy_check_command(
    snapshot: Annotated[str, typer.Argument(help="Snapshot directory or JSON file of describe-* output.")],
    policy: Annotated[str, typer.Argument(help="Policy YAML file (see docs/reachability.md).")],
    output: FormatOpt = ReachFormat.text,
    parameter: ParameterOpt = None,
) -> int:
    """Check every statement of POLICY; exit 0 if all pass, 1 if any fails, 2 on bad input."""
    from vpcflow.reach.policy import check_policy, load_policy

    pol = load_policy(policy)
    snap = load(snapshot, parameter)
    report = check_policy(snap, pol, snapshot_path=snapshot)
    if output is ReachFormat.json:
        typer.echo(dumps(report.to_json()), nl=False)
    else:
        typer.echo(report.render_text(), nl=False)
    return 0 if report.passed else 1


@app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="The snapshot before the change.")],
    new: Annotated[str, typer.Argument(help="The snapshot after the change.")],
    src: Annotated[str, typer.Option("--src", help="Sources (default: anywhere).")] = "anywhere",
    dst: Annotated[str, typer.Option("--dst", help="Destinations (default: anywhere).")] = "anywhere",
    protocol: ProtoOpt = None,
    port: PortOpt = None,
    client_ports: ClientOpt = None,
    output: FormatOpt = ReachFormat.text,
    parameter: ParameterOpt = None,
) -> int:
    """Flows that became reachable or unreachable from OLD to NEW; exit 0 if nothing changed, 1 if
    something did, 2 on bad input."""
    from vpcflow.reach.diff import diff_snapshots

    before = load(old, parameter)
    after = load(new, parameter)
    result = diff_snapshots(before, after, src, dst, protocol, port, client_ports=client_ports)
    if output is ReachFormat.json:
        typer.echo(dumps(result.to_json()), nl=False)
    else:
        typer.echo(result.render_text(old, new), nl=False)
    return 0 if result.unchanged else 1
