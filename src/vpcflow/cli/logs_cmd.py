"""``vpcflow logs ingest|rejects|top|scans|timeline|explain``: what the flow logs say, and why."""

from __future__ import annotations

import csv
import io
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from vpcflow.cli.app import group
from vpcflow.cli.common import console, finite, load
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


def _window(since: str | None, until: str | None) -> Any:
    from vpcflow.flowlogs.analyses import Window, parse_time

    times = []
    for option, value in (("--since", since), ("--until", until)):
        try:
            times.append(parse_time(value))
        except (ValueError, OverflowError):
            raise QueryError(
                f"{option} {value!r}: expected ISO 8601, epoch seconds, or e.g. 2h / 30m / 7d"
            ) from None
    return Window(*times)


_PROTO_NAME = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}
_TIME_COLS = {"first_seen", "last_seen", "last_probe", "bucket_start"}


def _cell(col: str, value: Any) -> Text:
    if value is None:
        return Text("-")
    if col in _TIME_COLS and isinstance(value, int):
        try:
            return Text(datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
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
        for c in cols:
            table.add_column(
                c, justify="right" if c in ("records", "bytes", "packets", "dstport") else "left"
            )
        for r in rows:
            table.add_row(*(_cell(c, v) for c, v in zip(cols, r, strict=True)))
        console().print(table)


@logs_app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[str],
        typer.Argument(help="Files or directories (.log, .log.gz, .parquet, S3 layout).", metavar="PATH"),
    ],
    store: StoreOpt,
    fields: Annotated[
        str | None,
        typer.Option("--fields", help="Custom format fields when files have no header.", metavar="FIELDS"),
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
) -> int:
    """Parse flow logs into a typed, partitioned Parquet store.

    Incremental: files already in the store are skipped.
    """
    from vpcflow.flowlogs.fields import parse_fields
    from vpcflow.flowlogs.reader import FileReport
    from vpcflow.flowlogs.store import ingest

    try:
        chosen = parse_fields(fields) if fields else None
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    err = console(stderr=True)
    if sys.stderr.isatty():
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} files"), console=err
        ) as bar:
            task = bar.add_task("ingesting", total=None)

            def tick(rep: FileReport) -> None:
                bar.update(task, advance=1, description=f"ingesting {rep.records:,} records")

            summary = ingest(paths, store, fields=chosen, progress=tick, rollups=rollups)
    else:
        summary = ingest(paths, store, fields=chosen, rollups=rollups)
    if output is Fmt.json:
        typer.echo(dumps(summary.to_json()), nl=False)
        return 0
    con = console()
    con.print(
        f"ingested {summary.files} files ({summary.skipped} already in the store), "
        f"{summary.records:,} records "
        f"({summary.nodata:,} NODATA, {summary.skipdata:,} SKIPDATA), {summary.malformed:,} malformed lines, "
        f"{summary.truncated} truncated files, {summary.bytes / 1e6:.1f} MB in {summary.seconds:.2f}s "
        f"({summary.rate:,.0f} records/s; "
        + (f"rollups {summary.rollup_seconds:.2f}s of it)" if rollups else "rollups left for `logs rollup`)")
    )
    for p in summary.problems:
        line = text(p["file"], style="yellow")
        line.append(f": {p['malformed']} malformed" + (", truncated" if p["truncated"] else ""))
        con.print(line)
        for ex in p["examples"]:
            con.print(text(f"    {ex}"))
    return 0


@logs_app.command("rollup")
def rollup_command(store: StoreOpt) -> int:
    """Build the rollups that `logs ingest --no-rollups` left out.

    The analyses read the rollups once they are complete, the records meanwhile.
    """
    from vpcflow.flowlogs.store import rollup

    cells, seconds = rollup(store)
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
) -> int:
    """Rejected traffic grouped by interface, source, destination port and protocol."""
    from vpcflow.flowlogs.analyses import rejects
    from vpcflow.flowlogs.store import connect

    cols, rows = rejects(connect(store, engine.value), _window(since, until), limit)
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
) -> int:
    """Top talkers by bytes (or packets, records)."""
    from vpcflow.flowlogs.analyses import top
    from vpcflow.flowlogs.store import connect

    try:
        cols, rows = top(connect(store, engine.value), _window(since, until), by, limit, order)
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
) -> int:
    """Port scans and sweeps; exit 1 when any is found."""
    from vpcflow.flowlogs.analyses import scans
    from vpcflow.flowlogs.store import connect

    finite("--min-rejected", min_rejected)
    cols, rows = scans(
        connect(store, engine.value),
        _window(since, until),
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
) -> int:
    """Traffic over time: records, bytes, packets and rejects per bucket.

    --plot FILE.png also draws it.
    """
    from vpcflow.flowlogs.analyses import plot_timeline, timeline
    from vpcflow.flowlogs.store import connect

    if plot and not Path(plot).resolve().parent.is_dir():
        raise UsageError(f"--plot {plot}: the folder {Path(plot).parent} does not exist")
    result = timeline(connect(store, engine.value), _window(since, until), bucket)
    _emit(f"timeline ({bucket}s buckets)", *result, output)
    if plot:
        plot_timeline(result, plot)
    return 0


@logs_app.command("explain")
def explain_command(
    store: StoreOpt,
    snapshot: Annotated[
        str, typer.Option("--snapshot", help="The configuration the logs came from.", metavar="SNAPSHOT")
    ],
    limit: Annotated[
        int | None, typer.Option("--limit", help="Most frequent tuples only.", min=1, metavar="N")
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    output: FmtOpt = Fmt.text,
    engine: EngineOpt = EngineName.duckdb,
) -> int:
    """Which component and rule rejected each distinct rejected tuple.

    Tuples the configuration would accept are flagged; exit status 1 when any tuple is not explained.
    """
    from vpcflow.flowlogs.explain import ATTRIBUTION_COLUMNS, explain_store
    from vpcflow.flowlogs.store import connect

    found = explain_store(connect(store, engine.value), load(snapshot), _window(since, until), limit)
    if output is Fmt.text:
        table = Table(title=f"why each REJECT happened ({len(found)} distinct tuples)", title_justify="left")
        for col in ("interface", "tuple", "records", "status", "why"):
            table.add_column(col, overflow="fold")
        for a in found:
            flow = (
                f"{a.srcaddr}:{a.srcport} → {a.dstaddr}:{a.dstport} {_PROTO_NAME.get(a.protocol, a.protocol)}"
            )
            if a.status == "explained":
                why = f"{a.reading} blocked on the {a.stage} path by {a.detail} [{a.code}]"
                if a.rule:
                    why += f"; rule: {a.rule}"
                status = text("explained", style="green")
            else:
                why, status = a.detail, text(a.status, style="bold red")
            table.add_row(text(a.interface_id), text(flow), Text(f"{a.records:,}"), status, text(why))
        console().print(table)
    else:
        _emit("why each REJECT happened", ATTRIBUTION_COLUMNS, [a.row() for a in found], output)
    return 1 if any(a.status != "explained" for a in found) else 0
