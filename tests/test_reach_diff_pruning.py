"""`diff` walks only flows with an endpoint the change may affect; on random changes to generated
snapshots (security group rules and references, ENI groups and addresses, NACL entries, routes, removed
ENIs) it gives exactly what walking every pair gives."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcflow.reach import diff as D
from vpcflow.sources import load_snapshot_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: bench/ is not installed
from bench.generate import documents

BASE = documents(0.01, 3)


def _mutate(docs: dict[str, Any], kind: str, i: int, j: int) -> None:
    sgs = docs["SecurityGroups.json"]["SecurityGroups"]
    enis = docs["NetworkInterfaces.json"]["NetworkInterfaces"]
    acls = docs["NetworkAcls.json"]["NetworkAcls"]
    rtbs = docs["RouteTables.json"]["RouteTables"]
    sg = sgs[i % len(sgs)]
    if kind == "sg-port":
        perms = sg["IpPermissions"] or sg["IpPermissionsEgress"]
        perm = perms[j % len(perms)]
        if "FromPort" in perm:
            perm["FromPort"], perm["ToPort"] = 20 + j % 10, 30 + j % 1000
    elif kind == "sg-reference":
        other = sgs[j % len(sgs)]["GroupId"]
        sg["IpPermissions"].append(
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [], "Ipv6Ranges": [],
             "PrefixListIds": [], "UserIdGroupPairs": [{"GroupId": other, "UserId": sg["OwnerId"]}]}
        )  # fmt: skip
    elif kind == "eni-groups":
        eni = enis[i % len(enis)]
        eni["Groups"] = [{"GroupId": sgs[j % len(sgs)]["GroupId"], "GroupName": "x"}]
    elif kind == "eni-removed":
        del enis[i % len(enis)]
    elif kind == "eni-public-ip":
        enis[i % len(enis)]["Association"] = {"PublicIp": f"198.51.100.{j % 250 + 1}", "IpOwnerId": "amazon"}
    elif kind == "nacl-entry":
        entries = acls[i % len(acls)]["Entries"]
        entry = entries[j % len(entries)]
        if entry["RuleNumber"] != 32767:
            entry["RuleAction"] = "deny" if entry["RuleAction"] == "allow" else "allow"
    elif kind == "route":
        rtbs[i % len(rtbs)]["Routes"].append(
            {
                "DestinationCidrBlock": "10.0.0.0/26",
                "GatewayId": "local",
                "State": "active",
                "Origin": "CreateRoute",
            }
        )


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "sg-port",
                    "sg-reference",
                    "eni-groups",
                    "eni-removed",
                    "eni-public-ip",
                    "nacl-entry",
                    "route",
                ]
            ),
            st.integers(0, 50),
            st.integers(0, 50),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_pruned_diff_equals_walking_every_pair(changes: list[tuple[str, int, int]]) -> None:
    docs = copy.deepcopy(BASE)
    for kind, i, j in changes:
        _mutate(docs, kind, i, j)
    old = load_snapshot_data(sorted(BASE.items()))
    new = load_snapshot_data(sorted(docs.items()))
    pruned = D.diff_snapshots(old, new)
    real = D.affected_enis
    D.affected_enis = lambda _o, _n: None  # type: ignore[assignment]
    try:
        full = D.diff_snapshots(old, new)
    finally:
        D.affected_enis = real
    # the same changes as sets of flows (boxes may be cut differently, so witnesses may differ)
    got = {(c.kind, c.stage): c for c in pruned.changes}
    want = {(c.kind, c.stage): c for c in full.changes}
    assert got.keys() == want.keys()
    for key, change in want.items():
        assert got[key].space == change.space, key
        assert got[key].witness is not None and got[key].witness in change.space


def test_affected_enis_are_the_changed_and_their_group_peers() -> None:
    old = load_snapshot_data(sorted(BASE.items()))
    assert D.affected_enis(old, old) == set()
    docs = copy.deepcopy(BASE)
    _mutate(docs, "eni-public-ip", 0, 0)
    new = load_snapshot_data(sorted(docs.items()))
    eni = docs["NetworkInterfaces.json"]["NetworkInterfaces"][0]["NetworkInterfaceId"]
    assert eni in (D.affected_enis(old, new) or set())
    docs = copy.deepcopy(BASE)
    docs["Subnets.json"]["Subnets"][0]["CidrBlock"] = "10.0.250.0/24"
    assert D.affected_enis(old, load_snapshot_data(sorted(docs.items()))) is None  # shared parts: everyone


def test_every_part_of_a_snapshot_is_classified_for_diff_pruning() -> None:
    """A part of ``Snapshot`` that ``affected_enis`` does not know would be ignored by ``diff``: every field
    is shared (any change: everyone's flows), compared per interface, or derived / not about flows."""
    import dataclasses

    from vpcflow.model import Snapshot

    fields = {f.name for f in dataclasses.fields(Snapshot)}
    shared = set(D.SHARED_PARTS)
    assert not shared & D.PER_INTERFACE_PARTS and not shared & D.DERIVED_PARTS
    assert not D.PER_INTERFACE_PARTS & D.DERIVED_PARTS
    assert fields == shared | D.PER_INTERFACE_PARTS | D.DERIVED_PARTS


def test_a_web_acl_change_alone_shows_in_diff(tmp_path: Path) -> None:
    """Only the WAF IP set differs (198.51.100.7 no longer blocked): no interface, group, NACL or route
    changed, yet the client now reaches the ALB — diff must say so (it once pruned every flow away)."""
    import json
    import shutil

    from test_cli_contract import ROOT, vpcflow

    new = tmp_path / "alb-waf"
    shutil.copytree(ROOT / "examples" / "alb-waf", new)
    ipset = new / "IPSet.blocked-ips.json"
    doc = json.loads(ipset.read_text())
    doc["IPSet"]["Addresses"] = [a for a in doc["IPSet"]["Addresses"] if a != "198.51.100.7/32"]
    ipset.write_text(json.dumps(doc))
    proc = vpcflow("diff", "examples/alb-waf", str(new), "--src", "internet", "--dst", "my-alb", cwd=ROOT)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "GAINED" in proc.stdout and "198.51.100.7" in proc.stdout
    assert "WAF_RULE_RESTRICTION" in proc.stdout  # the old answer names the rule that blocked it
