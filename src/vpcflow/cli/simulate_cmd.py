"""``vpcflow simulate``: synthetic flow logs that agree with the configuration, in AWS's S3 layout."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vpcflow.cli.app import app
from vpcflow.cli.common import ParameterOpt, console, load
from vpcflow.errors import QueryError
from vpcflow.render.safe import text


class SimFormat(StrEnum):
    text = "text"
    parquet = "parquet"


def _start(value: str | None) -> int:
    if value is None:
        return 1_700_000_000
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp())
    except (ValueError, OverflowError, OSError):
        raise QueryError(
            f"--start {value!r}: expected an ISO date-time such as 2026-11-27T10:00:00Z"
        ) from None


@app.command("simulate")
def simulate_command(
    snapshot: Annotated[str, typer.Argument(help="Snapshot directory or JSON file.")],
    profile: Annotated[Path, typer.Option("--profile", help="Traffic profile (YAML).", metavar="FILE")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory (S3 layout under AWSLogs/).", metavar="DIR")
    ],
    duration: Annotated[
        str, typer.Option("--duration", help="How long, e.g. 10m, 1h, 1d.", metavar="DURATION")
    ] = "1h",
    output: Annotated[
        SimFormat, typer.Option("--format", help="text (.log.gz) or parquet.", metavar="FORMAT")
    ] = SimFormat.text,
    fields: Annotated[str | None, typer.Option("--fields", help="Custom format: field names.")] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed (same seed, same bytes).", min=0, metavar="N")
    ] = 0,
    start: Annotated[
        str | None, typer.Option("--start", help="Start time (ISO 8601, UTC).", metavar="TIME")
    ] = None,
    hive: Annotated[bool, typer.Option("--hive", help="Hive-compatible S3 prefixes.")] = False,
    parameter: ParameterOpt = None,
) -> int:
    """Write realistic flow-log objects whose every record agrees with vpcflow's verdicts.

    Exit status 0, 1 if some profile flow's answer is UNKNOWN (no record is written for it: what AWS
    would log is not known; each is named on stderr), 2 on bad input.
    """
    from vpcflow.simulate import load_profile, parse_duration, parse_fields, simulate

    try:
        seconds = parse_duration(duration)
        chosen = parse_fields(fields)
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    if seconds <= 0:
        raise QueryError(f"--duration {duration!r}: expected a positive duration such as 10m or 1h")
    report = simulate(
        load(snapshot, parameter),
        load_profile(profile),
        out,
        duration=seconds,
        seed=seed,
        start=_start(start),
        fields=chosen,
        fmt=output.value,
        hive=hive,
    )
    err = console(stderr=True)
    err.print(
        text(
            f"wrote {len(report.files)} objects, {report.records} records ({report.nodata} NODATA) "
            f"under {out}/AWSLogs"
        )
    )
    for flow, (n, why) in report.undecided.items():
        err.print(text(f"not simulated: {n} connections of {flow}: UNKNOWN, {why}"))
    return 1 if report.undecided else 0
