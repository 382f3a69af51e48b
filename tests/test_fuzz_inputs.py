"""Fuzzing stays in the suite (issue 8 §8): real describe-* documents and policies, mutated at random —
wrong types, missing required keys, bad CIDRs, ports and protocols, random nesting, random bytes —
through the loader and through ``vpcflow snapshot info`` / ``vpcflow policy check``.

Properties: the library raises nothing but ``SnapshotError``/``InputError``; the CLI exits 0, 1 or 2,
never prints a traceback, and on exit 2 prints exactly one stderr line naming the input file. A load that
succeeds keeps its own promises: every contradiction is also a warning naming that resource.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vpcflow.cli import main
from vpcflow.errors import InputError, SnapshotError
from vpcflow.reach.policy import parse_policy
from vpcflow.sources import load_snapshot_data

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "batfish-aws-tests" / "test-nat-gateway"
POLICY_SNAPSHOT = FIXTURES / "snapshots" / "dual-stack"
POLICY = (FIXTURES / "reach" / "three-tier-policy.yaml").read_text()


def _seed_snapshots() -> list[list[tuple[str, Any]]]:
    """Each seed: every describe-* document of one real snapshot, as (relative name, JSON)."""
    roots = [p for p in sorted((FIXTURES / "snapshots").iterdir()) if p.is_dir()]
    if SHARED.is_dir():
        roots.append(SHARED)
    seeds = []
    for root in roots:
        docs = []
        for f in sorted(root.rglob("*.json")):
            if "hosts" not in f.parts:
                docs.append((str(f.relative_to(root)), json.loads(f.read_text())))
        seeds.append(docs)
    return seeds


SEEDS = _seed_snapshots()

BAD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    65536,
    70000,
    2**70,
    1.5,
    "",
    "x",
    "tcp",
    "tpc",
    "-1",
    "256",
    "10.0.0.300/24",
    "10.0.0.0/33",
    "2001:db8::/56",
    "::/129",
    "0.0.0.0/0",
    "10.0.0.0/8",
    "fd00::1",
    "1.2.3.4",
    "sg-404",
    "subnet-404",
    "vpc-404",
    "eni-404",
    "igw-404",
    "\x1b[31m[/]\n",
    "é" * 3,
    [],
    {},
    [[[[[]]]]],
    {"a": {"b": {"c": {}}}},
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in a JSON value, containers first (iterative, any depth)."""
    out: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k in v:
                out.append((v, k))
                stack.append(v[k])
        elif isinstance(v, list):
            for i in range(len(v)):
                out.append((v, i))
                stack.append(v[i])
    return out


@st.composite
def mutated_snapshot(draw: st.DrawFn) -> list[tuple[str, Any]]:
    # every drawn value is copied before it goes in: later mutations must never reach a shared object
    def fresh(strategy: st.SearchStrategy[Any]) -> Any:
        return copy.deepcopy(draw(strategy))

    docs = fresh(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        _name, doc = docs[draw(st.integers(0, len(docs) - 1))]
        slots = _slots(doc)
        kind = draw(st.sampled_from(["replace", "bad", "delete", "wrap", "duplicate", "add-key", "root"]))
        if kind == "root" or not slots:
            docs.append((f"extra-{len(docs)}.json", fresh(json_values)))
            continue
        container, key = slots[draw(st.integers(0, len(slots) - 1))]
        if kind == "replace":
            container[key] = fresh(json_values)
        elif kind == "bad":
            container[key] = fresh(st.sampled_from(BAD_VALUES))
        elif kind == "delete":
            del container[key]
        elif kind == "wrap":
            container[key] = draw(st.sampled_from([[container[key]], {"x": container[key]}]))
        elif kind == "duplicate" and isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
        elif kind == "add-key" and isinstance(container, dict):
            container[draw(st.text(max_size=12))] = fresh(json_values)
    return docs


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_snapshot())
def test_loader_raises_only_snapshot_errors(docs: list[tuple[str, Any]]) -> None:
    try:
        snap = load_snapshot_data(docs)
    except SnapshotError as exc:
        message = str(exc)
        assert "\n" not in message and any(message.startswith(f"{name}: ") for name, _ in docs)
        event("refused")
        return
    event("loaded with contradictions" if snap.contradictions else "loaded")
    warned = {w.resource_id for w in snap.warnings}
    assert set(snap.contradictions) <= warned
    for rid in snap.contradictions:
        assert snap.contradiction(rid) == (rid, snap.contradictions[rid])


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def _assert_contract(status: int, out: str, err: str, path: str) -> None:
    assert status in (0, 1, 2), (status, err)
    assert "Traceback" not in err and "Traceback" not in out
    if status == 2:
        assert err.startswith(f"vpcflow: error: {path}") and err.count("\n") == 1, err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_snapshot(), st.sampled_from(["text", "json"]))
def test_snapshot_info_contract(docs: list[tuple[str, Any]], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "snap"
        for name, doc in docs:
            f = root / name
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(json.dumps(doc))
        status, out, err = _run(["snapshot", "info", str(root), "--format", fmt])
        event(f"exit {status}")
        _assert_contract(status, out, err, str(root))
        if status == 0 and fmt == "json":
            data = json.loads(out)
            assert set(data["contradictions"]) <= {w["resource_id"] for w in data["warnings"]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_snapshot_info_on_random_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "x.json"
        f.write_bytes(data)
        status, out, err = _run(["snapshot", "info", str(f)])
        _assert_contract(status, out, err, str(f))


# -- policy YAML -----------------------------------------------------------------------------------------

POLICY_LINES = POLICY.splitlines()
YAML_PIECES = [
    "- ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!!binary ",
    "!!python/object:os.system ",
    "<<: *a",
    "---",
    "...",
    "\t",
    '"',
    "'",
    "#",
    "tcp/99999",
    "icmp/300:1",
    "udp/5-1",
    "allow:",
    "from: [",
    "statements:",
    "version: 2",
    "bidirectional: maybe",
    "\x00",
    "\x1b",
    "é",
]


@st.composite
def mutated_policy(draw: st.DrawFn) -> str:
    lines = list(POLICY_LINES)
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["insert", "delete", "splice", "indent", "nest"]))
        if op == "insert":
            lines.insert(i, " " * draw(st.integers(0, 8)) + draw(st.sampled_from(YAML_PIECES)))
        elif op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "splice":
            j = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:j] + draw(st.sampled_from(YAML_PIECES)) + lines[i][j:]
        elif op == "indent":
            lines[i] = " " * draw(st.integers(1, 6)) + lines[i]
        else:
            depth = draw(st.integers(1, 60))
            lines[i] = lines[i] + " " + "[" * depth + "x" + "]" * depth
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None)
@given(mutated_policy() | st.text(max_size=200))
def test_policy_parser_raises_only_input_errors(text: str) -> None:
    try:
        parse_policy(text, "p.yaml")
        event("parsed")
    except InputError as exc:
        event("refused")
        message = str(exc)
        assert message.startswith("p.yaml:") and "\n" not in message, message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_policy().map(str.encode) | st.binary(max_size=200))
def test_policy_check_contract(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "p.yaml"
        f.write_bytes(data)
        status, _out, err = _run(["policy", "check", str(POLICY_SNAPSHOT), str(f)])
        event(f"exit {status}")
        assert status in (0, 1, 2) and "Traceback" not in err
        if status == 2:
            # the policy names endpoints of another snapshot: an unknown endpoint is a clean exit 2 too
            assert err.startswith(f"vpcflow: error: {f}") and err.count("\n") == 1, err


def test_nesting_where_a_resource_is_expected() -> None:
    """A deeply nested value where a resource list or a rule is expected: a clean error naming the path,
    never RecursionError (JSON text nested deeper than the parser allows is refused before this)."""
    deep: Any = "x"
    for _ in range(900):
        deep = [deep]
    for key in ("SecurityGroups", "NetworkAcls", "Reservations", "RouteTables", "Subnets", "Vpcs"):
        expected = rf"d\.json: at \$\.{key}\[0\]: expected an object, found a list"
        with pytest.raises(SnapshotError, match=expected):
            load_snapshot_data([("d.json", {key: [deep]})])
