"""Issue 9, "Done when": over every shared snapshot (Batfish's AWS tests, pybatfish's hybrid cloud, the
describe-* dumps of other projects), every instance traced to every other instance — and to and from an
internet host — on a few protocols gives no ACCEPT/REJECT that depends on something unmodelled, missing or
contradictory, and no UNKNOWN that names nothing (the check: ``enumeration.problems``).

pybatfish's hybrid-cloud snapshot is fully answerable between its instances: no UNKNOWN at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from enumeration import DATA, Tally, enumerate_snapshot, snapshots

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared snapshots not present at {DATA}")


@pytest.mark.parametrize("path", snapshots(), ids=lambda p: p.name)
def test_no_answer_depends_on_what_is_not_modelled_missing_or_contradictory(path: Path) -> None:
    tally = enumerate_snapshot(path)
    assert not tally.errors, tally.errors[:5]
    assert not tally.problems, tally.problems[:5]


def test_the_enumeration_covers_the_snapshots() -> None:
    total = Tally()
    for path in snapshots():
        enumerate_snapshot(path, total)
    assert total.traces > 700
    assert total.verdicts["ACCEPT"] and total.verdicts["REJECT"] and total.verdicts["UNKNOWN"]


def test_hybrid_cloud_instances_are_fully_answerable() -> None:
    tally = enumerate_snapshot(DATA / "batfish-hybrid-cloud", outside=False)
    assert tally.traces == 48 and tally.verdicts["UNKNOWN"] == 0, tally.verdicts
