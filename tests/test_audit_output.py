"""Audit renderers: golden text / JSON / SARIF of the bundled examples (regenerate with `make golden`,
then read the diff), SARIF validated against the 2.1.0 schema, the JSON contract of design.md."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from vpcflow import __version__
from vpcflow.audit import audit
from vpcflow.audit.render import report_text
from vpcflow.audit.sarif import report_sarif
from vpcflow.render import dumps
from vpcflow.sources import load_with_report

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "audit"
REGEN = os.environ.get("VPCFLOW_REGEN_GOLDEN") == "1"
# ../shared/data beside the checkout (a worktree sits one level deeper)
_UP = Path(__file__).resolve().parents
SHARED = next(
    (p / "shared" / "data" for p in _UP[2:4] if (p / "shared" / "data").is_dir()), _UP[2] / "shared"
)
SCHEMA = SHARED / "sarif-2.1.0" / "sarif-schema-2.1.0.json"
EXAMPLES = ("three-tier", "nacl-trap", "exposed")


def _report(name: str) -> Any:
    cwd = os.getcwd()
    os.chdir(ROOT)  # paths in the output are relative, as a user in the repository sees them
    try:
        loaded = load_with_report(f"examples/{name}")
        return audit(loaded.snapshot, snapshot_path=f"examples/{name}", files=loaded.files)
    finally:
        os.chdir(cwd)


def _check(path: Path, actual: str) -> None:
    if REGEN or not path.exists():
        if not REGEN:
            pytest.fail(f"missing golden file {path} (run `make golden`)")
        path.write_text(actual)
    assert actual == path.read_text()


def _sarif(name: str) -> dict[str, Any]:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return report_sarif(_report(name), __version__)
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("name", EXAMPLES)
def test_golden_audit(name: str) -> None:
    report = _report(name)
    _check(GOLDEN / f"{name}.txt", report_text(report))
    _check(GOLDEN / f"{name}.json", dumps(report.to_json()))
    _check(GOLDEN / f"{name}.sarif", json.dumps(_sarif(name), indent=2) + "\n")


@pytest.mark.parametrize("name", EXAMPLES)
def test_sarif_is_valid_2_1_0(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.exists():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (../shared/data is absent)")
    schema = json.loads(SCHEMA.read_text())
    doc = _sarif(name)
    jsonschema.validate(doc, schema)
    # what GitHub code scanning needs: a physical location per result, fingerprints, rule help
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    for res in run["results"]:
        loc = res["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"].startswith(f"examples/{name}/")
        assert loc["physicalLocation"]["region"]["startLine"] >= 1
        assert loc["logicalLocations"][0]["name"]
        assert res["partialFingerprints"]["vpcflowFindingId/v1"].startswith("vf-")
        rule = rules[res["ruleId"]]
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert float(rule["properties"]["security-severity"]) > 0


def test_json_contract_of_design_md() -> None:
    doc = _report("exposed").to_json()
    assert set(doc) >= {"findings"}
    for f in doc["findings"]:
        contract = {
            "id",
            "controls",
            "severity",
            "resource",
            "rule",
            "message",
            "reachable",
            "witness",
            "fix",
        }
        assert contract <= set(f)
        assert f["severity"] in ("critical", "high", "medium", "low", "info")
        assert isinstance(f["controls"], list) and f["controls"]
        assert f["reachable"] in (True, False, None)
    reachable = [f for f in doc["findings"] if f["reachable"] is True]
    assert reachable
    assert all(f["witness"] and f["trace_command"].startswith("vpcflow trace ") for f in reachable)
    unreachable = [f for f in doc["findings"] if f["reachable"] is False]
    assert unreachable and all(f["reason"] for f in unreachable)


def test_ids_are_stable_and_unique() -> None:
    a = _report("exposed")
    b = _report("exposed")
    ids = [f.id for f in a.findings]
    assert ids == [f.id for f in b.findings] and len(set(ids)) == len(ids)
