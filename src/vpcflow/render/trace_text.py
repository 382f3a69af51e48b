"""A trace as a person reads it: verdict line, hop tables, the blocking rule highlighted, diagnosis."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from vpcflow.engine.result import Blocker, Hop, HopAction, Trace, Verdict, rule_text
from vpcflow.model import protocol_name
from vpcflow.render.safe import clean, text

_VERDICT_STYLE = {
    Verdict.ACCEPT: "bold green",
    Verdict.REJECT: "bold red",
    Verdict.PARTIAL: "bold yellow",
    Verdict.UNKNOWN: "bold magenta",
}
_ACTION_STYLE = {
    HopAction.ALLOW: "green",
    HopAction.FORWARD: "cyan",
    HopAction.DENY: "bold red",
    HopAction.DROP: "bold red",
    HopAction.UNKNOWN: "bold magenta",
}


def _is_blocking(hop: Hop, blocker: Blocker | None) -> bool:
    if blocker is None:
        return False
    return hop.id == blocker.id and hop.kind is blocker.kind and hop.direction == blocker.direction


def _short(id_: str) -> str:
    """An ARN without its partition, service, Region and account (the JSON keeps the whole ARN)."""
    if id_.startswith("arn:"):
        parts = id_.split(":", 5)
        if len(parts) == 6:
            return parts[5]
    return id_


def _hop_table(title: str, hops: tuple[Hop, ...], blocker: Blocker | None) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("component")
    table.add_column("id")
    table.add_column("dir")
    table.add_column("action")
    table.add_column("rule / detail", overflow="fold")
    for i, hop in enumerate(hops, 1):
        blocking = _is_blocking(hop, blocker) and (
            hop.action in (HopAction.DENY, HopAction.DROP, HopAction.UNKNOWN) or hop.denied_ports is not None
        )
        detail = rule_text(hop.rule) if hop.rule is not None else ""
        if hop.rule is None and hop.kind.value == "security-group" and hop.action is HopAction.DENY:
            detail = "no rule matches"
        if hop.detail:
            detail = f"{detail}; {hop.detail}" if detail else hop.detail
        undecided = hop.action is HopAction.UNKNOWN
        style = ("bold magenta" if undecided else "bold red") if blocking else ""
        marker = ("? " if undecided else "✗ ") if blocking else ""
        table.add_row(
            Text(str(i)),
            text(hop.kind.value),
            text(_short(hop.id) if hop.id else "-"),
            text(hop.direction.value if hop.direction else "-"),
            Text(hop.action.value, style=_ACTION_STYLE[hop.action]),
            text(marker + detail, style=style),
        )
    return table


def _by_connection(title: str, hops: tuple[Hop, ...]) -> list[tuple[str, tuple[Hop, ...]]]:
    """The hops in runs of one connection each (a proxied flow has two), titled by connection."""
    runs: list[tuple[str, list[Hop]]] = []
    for hop in hops:
        if runs and runs[-1][0] == hop.connection:
            runs[-1][1].append(hop)
        else:
            runs.append((hop.connection, [hop]))
    if len(runs) <= 1:
        return [(title, hops)]
    return [(clean(f"{title}: {conn}"), tuple(group)) for conn, group in runs]


def render_trace(trace: Trace) -> Group:
    what = protocol_name(trace.protocol)
    if trace.dst_port is not None:
        what += f" {trace.dst_port}"
    elif trace.icmp_type is not None:
        what += f" type {trace.icmp_type} code {trace.icmp_code}"
    head = Text()
    head.append(trace.verdict.value, style=_VERDICT_STYLE[trace.verdict])
    head.append(
        clean(
            f"  {what}  {trace.source.label} [{trace.source.address}] → "
            f"{trace.destination.label} [{trace.destination.address}]"
        )
    )
    parts: list[Text | Table] = [head]
    blocker = trace.blocked_by
    fwd_blocker = blocker if blocker and blocker.stage == "forward" else None
    for title, hops in _by_connection("request", trace.forward.hops):
        parts.append(_hop_table(title, hops, fwd_blocker))
    if trace.ret.applicable and (trace.forward.delivered or trace.ret.hops):
        ret_blocker = blocker if blocker and blocker.stage == "return" else None
        ports = f" (client ports {trace.client_ports})"
        for title, hops in _by_connection("response", trace.ret.hops):
            # the client's ephemeral ports are those of the client's own connection only
            title = title + ports if title == "response" or title.endswith("→ client") else title
            parts.append(_hop_table(clean(title), hops, ret_blocker))
    diag = Text("diagnosis: ", style="bold")
    diag.append(clean(trace.diagnosis), style=_VERDICT_STYLE[trace.verdict].replace("bold ", ""))
    parts.append(diag)
    if trace.flow_logs:
        logs = Table(
            title="flow-log records (one representative conversation)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for col in ("interface-id", "dir", "srcaddr", "dstaddr", "srcport", "dstport", "proto", "action"):
            logs.add_column(col)
        for r in trace.flow_logs:
            logs.add_row(
                *(text(v) for v in (r.interface_id, r.flow_direction, r.srcaddr, r.dstaddr)),
                *(Text(str(v)) for v in (r.srcport, r.dstport, r.protocol)),
                Text(r.action, style="green" if r.action == "ACCEPT" else "bold red"),
            )
        parts.append(logs)
    for note in trace.notes:
        parts.append(text(f"note: {note}", style="dim"))
    return Group(*parts)


def trace_to_text(trace: Trace, width: int = 120) -> str:
    """Plain text (no colour) — what golden files hold."""
    console = Console(
        width=width, record=True, color_system=None, force_terminal=False, file=io.StringIO(), markup=False
    )
    console.print(render_trace(trace))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"
