"""``vpcflow logs ingest|rejects|top|scans|timeline|explain``: what the flow logs say, and why."""

from __future__ import annotations

import contextlib
import csv
import io
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.measure import Measurement
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from vpcflow.cli.app import group
from vpcflow.cli.common import (
    ParameterOpt,
    check_endpoint_url,
    check_region,
    console,
    finite,
    load,
)
from vpcflow.errors import QueryError, UsageError
from vpcflow.render import dumps
from vpcflow.render.safe import clean, text

logs_app = group("logs", "Ingest and analyse VPC Flow Logs.")


class Fmt(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


StoreOpt = Annotated[
    str, typer.Option("--store", "-s", help="Store directory (from `logs ingest`).", metavar="DIR")
]
SinceOpt = Annotated[
    str | None, typer.Option("--since", help="ISO time, epoch, or e.g. 2h / 7d ago.", metavar="TIME")
]
UntilOpt = Annotated[
    str | None, typer.Option("--until", help="ISO time, epoch, or e.g. 1h ago.", metavar="TIME")
]
FmtOpt = Annotated[Fmt, typer.Option("--format", "-f", help="text, json or csv.", metavar="FORMAT")]


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


EngineOpt = Annotated[
    EngineName, typer.Option("--engine", help="duckdb (embedded) or spark (PySpark).", metavar="ENGINE")
]


EniOpt = Annotated[
    list[str] | None,
    typer.Option("--eni", help="Only records of this interface (repeatable).", metavar="ENI"),
]
AddrOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--addr",
        help="Only records from or to this address, or an address in this CIDR (repeatable).",
        metavar="IP|CIDR",
    ),
]
PortOpt = Annotated[
    list[int] | None,
    typer.Option(
        "--port",
        help="Only records of this service port: a request's destination port, a reply's source port "
        "(repeatable).",
        metavar="PORT",
    ),
]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait", help="Seconds to wait for another ingest writing to the store.", metavar="SECONDS"
    ),
]


def _window(
    since: str | None,
    until: str | None,
    eni: list[str] | None = None,
    addr: list[str] | None = None,
    port: list[int] | None = None,
) -> Any:
    import ipaddress

    from vpcflow.flowlogs.analyses import Window, parse_time

    times = []
    for option, value in (("--since", since), ("--until", until)):
        try:
            times.append(parse_time(value))
        except (ValueError, OverflowError):
            raise QueryError(
                f"{option} {value!r}: expected ISO 8601, epoch seconds, or e.g. 2h / 30m / 7d"
            ) from None
    addrs, nets = [], []
    for a in addr or []:
        text = a.strip()
        try:
            if "/" in text:
                nets.append(str(ipaddress.ip_network(text)))  # strict: host bits set is a typo
            else:
                addrs.append(str(ipaddress.ip_address(text)))
        except ValueError:
            hint = ""
            if "/" in text:
                with contextlib.suppress(ValueError):
                    hint = f" (did you mean {ipaddress.ip_network(text, strict=False)}?)"
            raise UsageError(
                f"--addr {a!r}: expected an IPv4 or IPv6 address or CIDR (10.0.1.0/24, 2001:db8::/32)" + hint
            ) from None
    for p in port or []:
        if not 0 <= p <= 65535:
            raise UsageError(f"--port {p}: expected a port number 0-65535")
    return Window(times[0], times[1], tuple(eni or ()), tuple(addrs), tuple(port or ()), tuple(nets))


def _seconds(option: str, value: float) -> float:
    if not finite(option, value) >= 0:
        raise UsageError(f"{option} {value}: expected seconds, 0 or more")
    return value


def _connect(store: str, engine: str) -> Any:
    """The store's query engine; what it had to leave out is said on stderr, one line each."""
    from vpcflow.flowlogs.store import connect

    con = connect(store, engine)
    for problem in getattr(con, "problems", []):
        typer.echo(f"vpcflow: warning: {clean(problem)}", err=True)
    return con


_PROTO_NAME = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}
_TIME_COLS = {"first_seen", "last_seen", "last_probe", "bucket_start"}
_WHOLE = {"interface_id", "server", "srcaddr", "dstaddr", "source", "target"}


def _cell(col: str, value: Any) -> Text:
    if value is None:
        return Text("-")
    if col in _TIME_COLS and isinstance(value, int):
        # a space, not "T": a narrow column wraps between the date and the time, never inside them
        try:
            return Text(datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ"))
        except (ValueError, OverflowError, OSError):  # a time no calendar holds: show the number
            return Text(str(value))
    if isinstance(value, int) and col in ("bytes", "packets", "records"):
        return Text(f"{value:,}")
    return text(value)


def _emit(title: str, cols: list[str], rows: list[tuple[Any, ...]], fmt: Fmt) -> None:
    if fmt is Fmt.json:
        typer.echo(
            dumps({"title": title, "columns": cols, "rows": [dict(zip(cols, r, strict=True)) for r in rows]}),
            nl=False,
        )
    elif fmt is Fmt.csv:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        w.writerows([clean(v) if isinstance(v, str) else v for v in r] for r in rows)
        typer.echo(buf.getvalue(), nl=False)
    else:
        table = Table(title=clean(f"{title} ({len(rows)} rows)"), title_justify="left")
        cells = [[_cell(c, v) for c, v in zip(cols, r, strict=True)] for r in rows]
        least = 0
        for i, c in enumerate(cols):
            # headers in words ("service port"): a narrow column wraps between words, never inside one
            label = c.replace("_", " ")
            widest_word = max(len(w) for w in label.split())
            whole = c in _WHOLE  # ids and addresses never cut; a squeezed table wraps the rest
            if whole:
                widest_word = max([widest_word, *(len(row[i].plain) for row in cells)])
            elif c in _TIME_COLS:
                widest_word = max(widest_word, 10)  # a date
            least += widest_word + 3  # padding and the rule
            table.add_column(
                label,
                justify="right" if c in ("records", "bytes", "packets", "dstport") else "left",
                no_wrap=whole,
                min_width=widest_word,
                overflow="fold",
            )
        for row in cells:
            table.add_row(*row)
        out = console()
        if least + 1 > out.width:
            # narrower than the least readable layout: print it whole, at its natural width (the
            # terminal wraps the lines), rather than cut words and addresses into pieces
            out.width = Measurement.get(out, out.options.update(max_width=1 << 16), table).maximum
        out.print(table)


@logs_app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files or directories (.log, .log.gz, .parquet, S3 layout), s3://bucket/prefix or "
            "cwl://log-group.",
            metavar="PATH",
        ),
    ],
    store: StoreOpt,
    fields: Annotated[
        str | None,
        typer.Option("--fields", help="Custom format fields when files have no header."),
    ] = None,
    output: Annotated[
        Fmt, typer.Option("--format", "-f", help="Summary as text or json.", metavar="FORMAT")
    ] = Fmt.text,
    rollups: Annotated[
        bool,
        typer.Option(
            "--rollups/--no-rollups",
            help="Roll up the touched hours now (default), or leave them to `logs rollup` for a faster "
            "bulk load (analyses read the records meanwhile).",
        ),
    ] = True,
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="AWS profile for s3:// and cwl:// inputs.", metavar="PROFILE"),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", "-r", help="AWS region for s3:// and cwl:// inputs.", metavar="REGION"),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url", help="S3/CloudWatch Logs endpoint (e.g. a moto server).", metavar="URL"
        ),
    ] = None,
    wait: WaitOpt = 60.0,
) -> int:
    """Parse flow logs into a typed, partitioned Parquet store.

    Incremental: inputs already in the store (by their contents) are skipped. Exit status 1 when some
    lines or files could not be stored: they are reported and kept in the store's quarantine.
    """
    from vpcflow.flowlogs.fields import parse_fields
    from vpcflow.flowlogs.reader import FileReport
    from vpcflow.flowlogs.remote import aws_session, is_remote
    from vpcflow.flowlogs.store import ingest

    try:
        chosen = parse_fields(fields) if fields else None
    except ValueError as exc:
        raise QueryError(f"--fields: {exc}") from None
    if region is not None:
        check_region("--region", region)
    if endpoint_url is not None:
        check_endpoint_url("--endpoint-url", endpoint_url)
    _seconds("--wait", wait)
    session = aws_session(profile, region) if any(is_remote(p) for p in paths) else None
    options: dict[str, Any] = {
        "fields": chosen,
        "rollups": rollups,
        "session": session,
        "endpoint_url": endpoint_url,
        "wait": wait,
    }
    err = console(stderr=True)
    if sys.stderr.isatty():
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} files"), console=err
        ) as bar:
            task = bar.add_task("ingesting", total=None)

            def tick(rep: FileReport) -> None:
                bar.update(task, advance=1, description=f"ingesting {rep.records:,} records")

            summary = ingest(paths, store, progress=tick, **options)
    else:
        summary = ingest(paths, store, **options)
    if output is Fmt.json:
        typer.echo(dumps(summary.to_json()), nl=False)
    else:
        _ingest_text(summary, rollups)
    _ingest_problems(summary)
    return 1 if summary.partial else 0


def _ingest_text(summary: Any, rollups: bool) -> None:
    con = console()
    con.print(
        f"ingested {summary.files} files ({summary.skipped} already in the store), "
        f"{summary.records:,} records "
        f"({summary.nodata:,} NODATA, {summary.skipdata:,} SKIPDATA), {summary.malformed:,} malformed lines, "
        f"{summary.truncated} truncated files, {summary.bytes / 1e6:.1f} MB in {summary.seconds:.2f}s "
        f"({summary.rate:,.0f} records/s; "
        + (f"rollups {summary.rollup_seconds:.2f}s of it)" if rollups else "rollups left for `logs rollup`)")
    )
    if summary.removed or summary.repaired:
        con.print(
            f"repaired the store: removed {summary.removed} files an interrupted ingest left, dropped "
            f"{summary.repaired} inputs whose files were missing or damaged (read again when given)"
        )


def _ingest_problems(summary: Any) -> None:
    """Each input not stored whole (file, what, first lines with their numbers), then one summary line:
    on stderr, whatever the output format, one unwrapped line each (data made safe by ``clean``)."""
    for p in summary.problems:
        what = [f"{p['malformed']:,} malformed lines"] if p["malformed"] else []
        if p["truncated"]:
            what.append(p.get("note") or "truncated")
        if p["rejected"]:
            what.append(f"not stored: {p['rejected']}")
        typer.echo(f"{clean(p['file'])}: {clean('; '.join(what))}", err=True)
        for ex in p["examples"]:
            typer.echo(f"    {clean(ex)}", err=True)
    if summary.partial:
        typer.echo(
            f"partial: {summary.malformed:,} lines in {len(summary.problems)} files were not stored "
            f"({summary.rejected} files refused, {summary.truncated} cut short); their raw lines are kept "
            f"in {clean(summary.quarantine)}",
            err=True,
        )


@logs_app.command("rollup")
def rollup_command(store: StoreOpt, wait: WaitOpt = 60.0) -> int:
    """Build the rollups that `logs ingest --no-rollups` left out.

    The analyses read the rollups once they are complete, the records meanwhile.
    """
    from vpcflow.flowlogs.store import rollup

    cells, seconds = rollup(store, wait=_seconds("--wait", wait))
    console().print(f"rolled up {cells} hours in {seconds:.2f}s")
    return 0


@logs_app.command("rejects")
def rejects_command(
    store: StoreOpt,
    since: SinceOpt = None,
    until: UntilOpt = None,
    output: FmtOpt = Fmt.text,
    limit: Annotated[int, typer.Option("--limit", help="Most rejected first.", min=1, metavar="N")] = 50,
    engine: EngineOpt = EngineName.duckdb,
    eni: EniOpt = None,
    addr: AddrOpt = None,
    port: PortOpt = None,
) -> int:
    """Rejected traffic per server side.

    One row per interface, direction (request to a server, or reply from it), server address, service
    port and protocol, with the clients and (replies) client ports involved.
    """
    from vpcflow.flowlogs.analyses import rejects

    window = _window(since, until, eni, addr, port)
    cols, rows = rejects(_connect(store, engine.value), window, limit)
    _emit("rejected traffic", cols, rows, output)
    return 0


@logs_app.command("top")
def top_command(
    store: StoreOpt,
    by: Annotated[str, typer.Option("--by", help="src, dst, pair or interface.", metavar="KEY")] = "pair",
    order: Annotated[
        str, typer.Option("--order", help="bytes, packets or records.", metavar="COUNT")
    ] = "bytes",
    limit: Annotated[int, typer.Option("--limit", help="How many talkers.", min=1, metavar="N")] = 20,
    since: SinceOpt = None,
    until: UntilOpt = None,
    output: FmtOpt = Fmt.text,
    engine: EngineOpt = EngineName.duckdb,
    eni: EniOpt = None,
    addr: AddrOpt = None,
    port: PortOpt = None,
) -> int:
    """Top talkers by bytes (or packets, records)."""
    from vpcflow.flowlogs.analyses import top

    window = _window(since, until, eni, addr, port)
    try:
        cols, rows = top(_connect(store, engine.value), window, by, limit, order)
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    _emit(f"top talkers by {order} ({by})", cols, rows, output)
    return 0


@logs_app.command("scans")
def scans_command(
    store: StoreOpt,
    ports: Annotated[
        int, typer.Option("--ports", help="Distinct ports for a port scan.", min=1, metavar="N")
    ] = 10,
    ports_window: Annotated[
        int, typer.Option("--ports-window", help="… within seconds.", min=1, metavar="SECONDS")
    ] = 3600,
    fast_ports: Annotated[
        int, typer.Option("--fast-ports", help="Distinct ports for a fast scan.", min=1, metavar="N")
    ] = 50,
    fast_window: Annotated[
        int, typer.Option("--fast-window", help="… within seconds.", min=1, metavar="SECONDS")
    ] = 60,
    hosts: Annotated[
        int, typer.Option("--hosts", help="Distinct hosts on one port for a sweep.", min=1, metavar="N")
    ] = 100,
    hosts_window: Annotated[
        int, typer.Option("--hosts-window", help="… within seconds.", min=1, metavar="SECONDS")
    ] = 600,
    min_rejected: Annotated[
        float,
        typer.Option(
            "--min-rejected",
            help="Share of probes without an ACCEPT (0-1).",
            min=0.0,
            max=1.0,
            metavar="SHARE",
        ),
    ] = 0.5,
    since: SinceOpt = None,
    until: UntilOpt = None,
    output: FmtOpt = Fmt.text,
    engine: EngineOpt = EngineName.duckdb,
    eni: EniOpt = None,
    addr: AddrOpt = None,
    port: PortOpt = None,
) -> int:
    """Port scans and sweeps; exit 1 when any is found."""
    from vpcflow.flowlogs.analyses import scans

    finite("--min-rejected", min_rejected)
    window = _window(since, until, eni, addr, port)
    cols, rows = scans(
        _connect(store, engine.value),
        window,
        ports_slow=ports,
        slow_seconds=ports_window,
        ports_fast=fast_ports,
        fast_seconds=fast_window,
        hosts=hosts,
        sweep_seconds=hosts_window,
        min_rejected=min_rejected,
    )
    _emit("scans and sweeps", cols, rows, output)
    return 1 if rows else 0


@logs_app.command("timeline")
def timeline_command(
    store: StoreOpt,
    bucket: Annotated[
        int, typer.Option("--bucket", help="Bucket size in seconds.", min=1, metavar="SECONDS")
    ] = 300,
    plot: Annotated[str | None, typer.Option("--plot", help="Also draw a PNG here.", metavar="FILE")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    output: FmtOpt = Fmt.text,
    engine: EngineOpt = EngineName.duckdb,
    eni: EniOpt = None,
    addr: AddrOpt = None,
    port: PortOpt = None,
) -> int:
    """Traffic over time: records, bytes, packets and rejects per bucket.

    --plot FILE.png also draws it.
    """
    from vpcflow.flowlogs.analyses import plot_timeline, timeline

    if plot and not Path(plot).resolve().parent.is_dir():
        raise UsageError(f"--plot {plot}: the folder {Path(plot).parent} does not exist")
    window = _window(since, until, eni, addr, port)
    result = timeline(_connect(store, engine.value), window, bucket)
    _emit(f"timeline ({bucket}s buckets)", *result, output)
    if plot:
        plot_timeline(result, plot)
    return 0


class ExplainBy(StrEnum):
    server = "server"
    tuple = "tuple"


@logs_app.command("explain")
def explain_command(
    store: StoreOpt,
    snapshot: Annotated[str, typer.Option("--snapshot", help="The configuration the logs came from.")],
    limit: Annotated[
        int | None, typer.Option("--limit", help="Rows to show (most records first).", min=1, metavar="N")
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    output: FmtOpt = Fmt.text,
    engine: EngineOpt = EngineName.duckdb,
    eni: EniOpt = None,
    addr: AddrOpt = None,
    port: PortOpt = None,
    by: Annotated[
        ExplainBy,
        typer.Option(
            "--by",
            help="server: one row per server side and explanation (default); tuple: one per distinct "
            "rejected tuple.",
            metavar="ROWS",
        ),
    ] = ExplainBy.server,
    parameter: ParameterOpt = None,
) -> int:
    """Which component and rule rejected each distinct rejected tuple.

    Tuples of one server side explained alike make one row (--by tuple lists each). Tuples the
    configuration would accept are flagged; exit status 1 when any tuple is not explained.
    """
    from vpcflow.flowlogs.explain import ATTRIBUTION_COLUMNS, GROUP_COLUMNS, explain_store, group

    window = _window(since, until, eni, addr, port)
    per_tuple = by is ExplainBy.tuple
    found = explain_store(
        _connect(store, engine.value), load(snapshot, parameter), window, limit if per_tuple else None
    )
    unexplained = any(a.status != "explained" for a in found)
    if per_tuple:
        if output is Fmt.text:
            table = Table(
                title=f"why each REJECT happened ({len(found)} distinct tuples)", title_justify="left"
            )
            for col in ("interface", "tuple", "records", "status", "why"):
                table.add_column(col, overflow="fold")
            for a in found:
                proto = _PROTO_NAME.get(a.protocol, a.protocol)
                flow = f"{a.srcaddr}:{a.srcport} → {a.dstaddr}:{a.dstport} {proto}"
                why, status = _why(a.status, a.reading, a.stage, a.detail, a.code, a.rule)
                table.add_row(text(a.interface_id), text(flow), Text(f"{a.records:,}"), status, text(why))
            console().print(table)
        else:
            _emit("why each REJECT happened", ATTRIBUTION_COLUMNS, [a.row() for a in found], output)
        return 1 if unexplained else 0
    groups = group(found)[:limit] if limit else group(found)
    if output is Fmt.text:
        table = Table(
            title=f"why each REJECT happened ({len(found)} distinct tuples in {len(groups)} rows)",
            title_justify="left",
        )
        for col in ("interface", "server side", "clients", "records", "status", "why"):
            table.add_column(col, overflow="fold")
        for g in groups:
            proto = _PROTO_NAME.get(g.protocol, g.protocol)
            side = f"{g.server}:{g.service_port} {proto}"
            if g.reading == "response":
                side = f"replies from {side} to {g.client_ports:,} client ports"
            elif g.reading == "request":
                side = f"requests to {side}"
            clients = f"{g.clients:,} ({g.tuples:,} tuples)"
            why, status = _why(g.status, g.reading, g.stage, g.detail, g.code, g.rule)
            table.add_row(
                text(g.interface_id), text(side), Text(clients), Text(f"{g.records:,}"), status, text(why)
            )
        console().print(table)
    else:
        _emit("why each REJECT happened", GROUP_COLUMNS, [g.row() for g in groups], output)
    return 1 if unexplained else 0


def _why(
    status: str, reading: str | None, stage: str | None, detail: str, code: str | None, rule: str | None
) -> tuple[str, Text]:
    if status == "explained":
        why = f"{reading} blocked on the {stage} path by {detail} [{code}]"
        if rule:
            why += f"; rule: {rule}"
        return why, text("explained", style="green")
    return detail, text(status, style="bold red")
