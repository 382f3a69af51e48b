"""Reachability on the three-tier example, policies (pass, fail with the right witness, YAML errors),
snapshot diffs and the CLI's exit codes.

The semantics run on ``three_tier_web`` (the example with its front tier as a web instance): the
example's own front tier is an Application Load Balancer's node, which vpcflow does not trace through yet,
so its answers are UNKNOWN — checked at the end (fail closed: never reachable, never blocked, policy
statements undecided, diff changes undecided)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import vpcflow.cli.reach_cmd  # noqa: F401  (registers reach, policy, diff)
from three_tier_web import three_tier_web
from vpcflow.cli import main
from vpcflow.engine import Engine, Verdict
from vpcflow.errors import InputError
from vpcflow.reach import Reachability
from vpcflow.reach.diff import diff_snapshots
from vpcflow.reach.headerspace import address_set
from vpcflow.reach.policy import check_policy, load_policy, parse_policy
from vpcflow.sources import load_snapshot

ROOT = Path(__file__).resolve().parents[1]
THREE_TIER = ROOT / "examples" / "three-tier"
POLICY = ROOT / "tests" / "fixtures" / "reach" / "three-tier-policy.yaml"
ALB, APP, DB = "sg-0a1b2c3d4e5f00021", "sg-0a1b2c3d4e5f00022", "sg-0a1b2c3d4e5f00023"


def _widened(tmp_path: Path, group: str, perm: dict[str, Any], base: Path | None = None) -> Path:
    """A copy of the three-tier snapshot (the web-instance variant unless ``base``) with one SG rule
    replaced."""
    out = tmp_path / "widened"
    if base is None:
        three_tier_web(out)
    else:
        shutil.copytree(base, out)
    doc = json.loads((out / "SecurityGroups.json").read_text())
    for g in doc["SecurityGroups"]:
        if g["GroupId"] == group:
            g["IpPermissions"] = [perm]
    (out / "SecurityGroups.json").write_text(json.dumps(doc))
    return out


WORLD_5432 = {
    "IpProtocol": "tcp",
    "FromPort": 5432,
    "ToPort": 5432,
    "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
    "Ipv6Ranges": [],
    "PrefixListIds": [],
    "UserIdGroupPairs": [],
}


@pytest.fixture(scope="module")
def web_tier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return three_tier_web(tmp_path_factory.mktemp("tt") / "three-tier-web")


@pytest.fixture(scope="module")
def three_tier(web_tier: Path) -> Reachability:
    return Reachability(load_snapshot(web_tier))


def test_internet_reaches_only_the_alb_on_443(three_tier: Reachability) -> None:
    res = three_tier.reach("internet", "anywhere")
    alb = three_tier.snapshot.interfaces["eni-0a1b2c3d4e5f00041"]
    assert res.forward.project(1) == address_set([alb.public_ips[0][1]])
    assert res.forward.project(2).spans == ((6, 6),)
    assert str(res.forward.project(4)) == "443"
    assert res.forward == res.bidirectional  # the replies return to every client port
    for kind, _space, w, _b in res.classes():
        assert w is not None
        t = three_tier.engine.trace(**w.trace_args())
        assert (t.verdict is Verdict.ACCEPT) == (kind == "bidirectional")


def test_nothing_but_app_reaches_db(three_tier: Reachability) -> None:
    res = three_tier.reach("anywhere", DB)
    app = three_tier.snapshot.interfaces["eni-0a1b2c3d4e5f00042"]
    assert res.forward.project(0) == address_set(app.addresses)
    assert str(res.forward.project(4)) == "5432"
    db = three_tier.reach("internet", "db-sg")
    assert not db.reachable
    assert {b.blocker.code for b in db.blocked} == {"NO_ROUTE_TO_DESTINATION"}


def test_policy_passes(three_tier: Reachability) -> None:
    report = check_policy(three_tier.snapshot, load_policy(POLICY))
    assert report.passed, report.render_text()
    assert all(r.witness is not None for r in report.results)


def test_policy_fails_with_witness_when_db_rule_widened(tmp_path: Path) -> None:
    snap = load_snapshot(_widened(tmp_path, DB, WORLD_5432))
    report = check_policy(snap, load_policy(POLICY))
    assert not report.passed
    by_name = {r.statement.kind: r for r in report.results}
    only = by_name["only"]
    assert not only.passed
    assert only.witness is not None
    # the ALB (10.0.0.10) now reaches the DB on 5432, through the widened rule
    assert str(only.witness.src) == "10.0.0.10" and only.witness.dst_port == 5432
    assert any("tcp 5432 from 10.0.0.0/16" in r for r in only.rules)
    t = Engine(snap).trace(**only.witness.trace_args())
    assert t.verdict is Verdict.ACCEPT
    assert by_name["deny"].passed and by_name["allow"].passed and by_name["allow_only"].passed


def test_policy_allow_fails_on_blocked_return(tmp_path: Path) -> None:
    out = three_tier_web(tmp_path / "nacl")
    doc = json.loads((out / "NetworkAcls.json").read_text())
    for acl in doc["NetworkAcls"]:
        for e in acl["Entries"]:
            if e["Egress"] and e["RuleNumber"] == 100:
                e.update({"Protocol": "6", "PortRange": {"From": 0, "To": 40000}})
    (out / "NetworkAcls.json").write_text(json.dumps(doc))
    snap = load_snapshot(out)
    report = check_policy(snap, load_policy(POLICY))
    allow = next(r for r in report.results if r.statement.kind == "allow")
    assert not allow.passed and "replies are lost" in allow.message
    assert allow.witness is not None and allow.witness.src_port > 40000
    assert any("SUBNET_ACL_RESTRICTION" in r for r in allow.rules)


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("statements: [\n  {allow: {from: a, to: b}\n", "3:1", "invalid YAML"),
        ("statement: []\n", "1:1", "unknown key 'statement'"),
        ("statements:\n  - allow:\n      from: a\n      to: b\n", "2:5", "'allow' needs 'flows'"),
        (
            "statements:\n  - deny:\n      from: a\n      to: b\n      flows: [tcp/99999]\n",
            "5:15",
            "bad flow",
        ),
        (
            "statements:\n  - deny: {from: a, to: b}\n    allow: {from: a, to: b, flows: [tcp]}\n",
            "2:5",
            "exactly",
        ),
        ("statements:\n  - deny:\n      form: a\n", "3:7", "unknown key 'form'"),
        ("version: 2\nstatements: []\n", "1:10", "version"),
        ("bidirectional: maybe\nstatements: [{deny: {from: a, to: b}}]\n", "1:16", "true or false"),
        ("statements: []\n", "1:13", "non-empty"),
    ],
)
def test_policy_yaml_errors_carry_line_and_column(text: str, where: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        parse_policy(text, "p.yaml")
    msg = str(err.value)
    assert msg.startswith(f"p.yaml:{where}:"), msg
    assert words in msg


def test_policy_unknown_endpoint_points_at_its_line(three_tier: Reachability) -> None:
    pol = parse_policy("statements:\n  - deny:\n      from: internet\n      to: sg-nope\n", "p.yaml")
    with pytest.raises(InputError, match=r"^p\.yaml:4:11: unknown endpoint 'sg-nope'"):
        check_policy(three_tier.snapshot, pol)


def test_diff_shows_what_the_widening_does(tmp_path: Path, web_tier: Path) -> None:
    old = load_snapshot(web_tier)
    new = load_snapshot(_widened(tmp_path, DB, WORLD_5432))
    d = diff_snapshots(old, new, "anywhere", DB)
    assert [(c.kind, c.stage) for c in d.changes] == [("gained", "forward")]
    c = d.changes[0]
    assert c.witness is not None and str(c.witness.src) == "10.0.0.10"
    assert c.new_says == "ACCEPT" and c.old_says.startswith("REJECT")
    assert any("10.0.0.0/16" in r for r in c.rules)
    same = diff_snapshots(old, old, "internet", "anywhere")
    assert same.unchanged


# -- CLI -----------------------------------------------------------------------------------------


def test_cli_reach_exit_codes(capsys: pytest.CaptureFixture[str], web_tier: Path) -> None:
    snap = str(web_tier)
    assert main(["reach", snap, "--src", "internet", "--dst", ALB]) == 0
    out = capsys.readouterr().out
    assert "tcp 443 from internet" in out and "witness:" in out
    assert main(["reach", snap, "--src", "internet", "--dst", DB, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (
        data["reachable"] is False and data["blocked"][0]["blocked_by"]["code"] == "NO_ROUTE_TO_DESTINATION"
    )
    assert main(["reach", snap, "--src", "internet", "--dst", "sg-nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown endpoint" in err
    assert main(["reach", snap, "--src", APP, "--dst", DB, "--port", "70000"]) == 2
    assert main(["reach", snap, "--src", APP, "--dst", DB, "-p", "icmp", "--port", "80"]) == 2


def test_cli_policy_and_diff_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], web_tier: Path
) -> None:
    snap = str(web_tier)
    assert main(["policy", "check", snap, str(POLICY)]) == 0
    assert "all 4 passed" in capsys.readouterr().out
    widened = str(_widened(tmp_path, DB, WORLD_5432))
    assert main(["policy", "check", widened, str(POLICY), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [s["passed"] for s in data["statements"]] == [True, True, False, True]
    bad = tmp_path / "bad.yaml"
    bad.write_text("statements:\n  - deny: {from: a}\n")
    assert main(["policy", "check", snap, str(bad)]) == 2
    assert f"{bad}:2:5" in capsys.readouterr().err
    assert main(["diff", snap, snap]) == 0
    assert main(["diff", snap, widened, "--dst", DB]) == 1
    assert "GAINED" in capsys.readouterr().out
