"""Synthetic VPC Flow Logs that agree with the engine's verdicts, written in AWS's S3 layout."""

from __future__ import annotations

from pathlib import Path

from vpcflow.flowlogs.fields import DEFAULT_FIELDS, FIELDS, parse_fields
from vpcflow.model import Snapshot
from vpcflow.simulate.generator import Simulator
from vpcflow.simulate.profile import Profile, load_profile, parse_duration, parse_profile
from vpcflow.simulate.writer import WriteReport, write_objects

__all__ = [
    "DEFAULT_FIELDS",
    "FIELDS",
    "Profile",
    "Simulator",
    "WriteReport",
    "load_profile",
    "parse_duration",
    "parse_fields",
    "parse_profile",
    "simulate",
    "write_objects",
]


def simulate(
    snapshot: Snapshot,
    profile: Profile,
    out_dir: str | Path,
    *,
    duration: int = 3600,
    seed: int = 0,
    start: int = 1_700_000_000,
    fields: tuple[str, ...] = DEFAULT_FIELDS,
    fmt: str = "text",
    hive: bool = False,
) -> WriteReport:
    sim = Simulator(snapshot, profile, seed=seed, start=start)
    report = write_objects(
        sim.rows(duration),
        out_dir,
        account=sim.account,
        region=profile.region,
        flow_log_id=profile.flow_log_id,
        fields=fields,
        fmt=fmt,
        hive=hive,
        seed=seed,
    )
    report.undecided = dict(sim.undecided)
    return report
