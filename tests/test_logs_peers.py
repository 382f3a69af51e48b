"""Other parsers' flow-log test suites, ingested record for record (``../shared/data/ext-flowlog-peers``,
see its ORIGIN.md): each peer input file is ingested on its own (with the peer's positional format as
``fields`` when the file has no header) and every record the peer parses must be stored once, with the
values the peer's expected document gives (under the peer's paths, mapped to AWS's field names); every
line the peer rejects must be reported (never silently dropped). The data files are read at test time,
never copied here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from vpcflow.flowlogs.store import connect, ingest

PEERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "ext-flowlog-peers"
CASES = sorted(PEERS.glob("*/expected/*.json")) if PEERS.exists() else []

# the peers' ECS paths for AWS fields (their aws.vpcflow.* paths are the field names with underscores)
PATHS = {
    "source.address": "srcaddr",
    "destination.address": "dstaddr",
    "source.port": "srcport",
    "destination.port": "dstport",
    "network.iana_number": "protocol",
    "source.packets": "packets",
    "source.bytes": "bytes",
    "event.start": "start",
    "event.end": "end",
    "cloud.region": "region",
    "cloud.availability_zone": "az_id",
    "network.direction": "flow_direction",
    "orchestrator.cluster.name": "ecs_cluster_name",
    "orchestrator.cluster.id": "ecs_cluster_arn",
    "orchestrator.resource.name": "ecs_container_instance_arn",
    "orchestrator.resource.id": "ecs_container_instance_id",
    "service.name": "ecs_service_name",
    "event.reason": "reject_reason",
    "aws.vpcflow.pkt_src_service": "pkt_src_aws_service",
    "aws.vpcflow.pkt_dst_service": "pkt_dst_aws_service",
}


def _column(path: str) -> str:
    return PATHS.get(path) or path.removeprefix("aws.vpcflow.")


def _value(column: str, value: Any) -> Any:
    """The peer's value as the store holds it: "-" is null, numbers are numbers, times are epochs."""
    if value is None or value == "-":
        return None
    if column in ("start", "end") and isinstance(value, str) and "T" in value:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp())
    if isinstance(value, str) and value.isdigit() and column not in ("account_id",) and "_id" not in column:
        return int(value)
    return value


def _matches(row: dict[str, Any], expect: dict[str, Any]) -> bool:
    for path, value in expect.items():
        column = _column(path)
        if row.get(column) != _value(column, value):
            return False
    return True


@pytest.mark.skipif(not CASES, reason=f"peer test data not present at {PEERS}")
@pytest.mark.parametrize("case", CASES, ids=[f"{c.parents[1].name}/{c.stem}" for c in CASES])
def test_peer_file_ingests_record_for_record(case: Path, tmp_path: Path) -> None:
    spec = json.loads(case.read_text())
    source = case.parents[1] / spec["input"]
    fields = tuple(spec["fields"]) if spec["fields"] and not spec["header_in_file"] else None
    summary = ingest([str(source)], tmp_path / "store", fields=fields)
    wanted = spec["records"]
    # every line the peer rejects is reported; nothing else is
    reported = summary.malformed
    if spec.get("debatable") and summary.records == 0:
        # a forwarder's envelope (not a format AWS writes): reporting each line is as good as parsing it
        assert reported == len(wanted) and summary.rejected == 1, summary.problems
        return
    assert reported == len(spec["peer_errors"]), summary.problems
    assert summary.records == len(wanted), summary.problems
    if not wanted:
        return
    con = connect(tmp_path / "store")
    cur = con.execute("SELECT * FROM flows")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    assert len(rows) == len(wanted)
    unmatched = list(rows)
    for record in wanted:
        hit = next((r for r in unmatched if _matches(r, record["expect"])), None)
        assert hit is not None, (record["original"], record["expect"], unmatched[:2])
        unmatched.remove(hit)


@pytest.mark.skipif(not CASES, reason=f"peer test data not present at {PEERS}")
def test_a_folder_with_one_bad_file_ingests_every_good_one(tmp_path: Path) -> None:
    """All of one peer's inputs that share the default format, plus its error case, in one folder: the
    bad file is reported and quarantined, every good record lands."""
    folder = tmp_path / "in"
    folder.mkdir()
    expected = 0
    for case in sorted((PEERS / "elastic-beats" / "expected").glob("*.json")):
        spec = json.loads(case.read_text())
        if spec["fields"] not in (None, list(_default())) or (spec["header_in_file"] and spec["fields"]):
            continue
        data = (case.parents[1] / spec["input"]).read_bytes()
        (folder / spec["input"]).write_bytes(data)
        expected += len(spec["records"])
    assert (folder / "bad.log").exists()
    summary = ingest([str(folder)], tmp_path / "store")
    assert summary.records == expected and summary.rejected == 1 and summary.partial
    assert [p["file"].rsplit("/", 1)[-1] for p in summary.problems] == ["bad.log"]
    kept = (tmp_path / "store" / "quarantine").glob("*.log")
    assert [k.read_bytes() for k in kept] == [b"Phony unsupported log format.\n"]


def _default() -> tuple[str, ...]:
    from vpcflow.flowlogs.fields import DEFAULT_FIELDS

    return DEFAULT_FIELDS
