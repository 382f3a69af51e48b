"""Golden parsing of every example record AWS documents (aws-semantics.md §5, from
https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html).

Inputs are the records of each §5 subsection, read from ``../shared/aws-semantics.md`` at test time (not
copied into this repository; annotation lines ``...`` and ``#`` comments dropped; the tcp-flags scenario is
given its format as a header line, as S3 objects carry one). Expected values
are ``<scenario>.json``: every field of the format, typed, ``-`` as null, and the file's counts. Compared
exactly; regenerate only with ``VPCFLOW_REGEN_GOLDEN=1`` and review the diff against the AWS page.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from vpcflow.flowlogs.fields import FIELDS, column, parse_fields
from vpcflow.flowlogs.reader import read_file

GOLDEN = Path(__file__).parent / "fixtures" / "flowlogs" / "golden"
REGEN = os.environ.get("VPCFLOW_REGEN_GOLDEN") == "1"

# scenario → (section of aws-semantics.md, custom-format fields when the file has no header line)
SCENARIOS: dict[str, tuple[str, str | None]] = {
    "default-accept-reject": ("5.1", None),
    "nodata-skipdata": ("5.2", None),
    "icmp-nacl-pair": ("5.3", None),
    "ipv6": ("5.4", None),
    "tcp-flags-custom": ("5.5", None),  # header line; one record has a double space (AWS's page)
    "nat-gateway-6-fields": ("5.6", "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr"),
    "transit-gateway-17-fields": (
        "5.7",
        "version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport "
        "protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status",
    ),
    "v5-29-fields": (
        "5.8",
        "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id "
        "subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags "
        "pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction "
        "log-status",
    ),
}


SEMANTICS = Path(__file__).resolve().parents[2] / "shared" / "aws-semantics.md"


def _records(section: str) -> str:
    """The records of one §5 subsection of the shared semantics page, as a flow-log text object."""
    if not SEMANTICS.exists():
        pytest.skip(f"AWS semantics page not present at {SEMANTICS}")
    text = SEMANTICS.read_text()
    start = text.index(f"**{section} ")
    nxt = re.search(r"\*\*5\.\d |^## 6\.", text[start + 4 :], re.M)
    body = text[start : start + 4 + (nxt.start() if nxt else len(text))]
    lines = []
    if section == "5.5":
        lines.append(re.search(r"`(version [^`]+)`", body).group(1))  # type: ignore[union-attr]
    for block in re.findall(r"```\n(.*?)```", body, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s*#.*$", "", line)
            if line.strip() and line.strip() != "...":
                lines.append(line)
    return "\n".join(lines) + "\n"


def _format_of(path: Path, fields: str | None) -> tuple[str, ...]:
    if fields is not None:
        return parse_fields(fields)
    first = path.read_text().splitlines()[0]
    return parse_fields(first) if first.startswith("version ") else parse_fields(None)


def _parse(name: str, tmp: Path) -> dict[str, Any]:
    section, fields = SCENARIOS[name]
    path = tmp / f"{name}.log"
    path.write_text(_records(section))
    names = _format_of(path, fields)
    table, rep = read_file(path, parse_fields(fields) if fields else None)
    rows = table.to_pylist()
    for row in rows:
        # fields outside the format are absent, never guessed
        stray = {c: v for c, v in row.items() if c in {column(f) for f in FIELDS} and v is not None}
        assert set(stray) <= {column(f) for f in names}, stray
    return {
        "source": f"aws-semantics.md §{section}",
        "fields": list(names),
        "report": {
            "records": rep.records,
            "nodata": rep.nodata,
            "skipdata": rep.skipdata,
            "malformed": rep.malformed,
        },
        "records": [{f: row[column(f)] for f in names} for row in rows],
    }


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_documented_records_parse_exactly(name: str, tmp_path: Path) -> None:
    got = _parse(name, tmp_path)
    want_path = GOLDEN / f"{name}.json"
    if REGEN:
        want_path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    assert want_path.exists(), f"no golden file {want_path.name}: run with VPCFLOW_REGEN_GOLDEN=1 and review"
    assert got == json.loads(want_path.read_text())


def test_golden_files_cover_every_scenario() -> None:
    """A stale golden file (scenario renamed or dropped) is an error, not dead weight."""
    on_disk = {p.stem for p in GOLDEN.glob("*.json")}
    assert on_disk == set(SCENARIOS)
