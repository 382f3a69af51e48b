"""Rule analysis: shadowed NACL entries, redundant SG rules, return-path gaps (checked against trace)."""

from __future__ import annotations

from builders import AclSpec, SnapBuilder
from vpcflow.engine import Engine, Verdict
from vpcflow.model import Snapshot
from vpcflow.reach.analysis import redundant_sg_rules, return_path_gaps, shadowed_nacl_entries

ALLOW_ALL: list[AclSpec] = [(100, "-1", None, "0.0.0.0/0", "allow")]


def _snap(ingress: list[AclSpec], egress: list[AclSpec] | None = None) -> Snapshot:
    b = SnapBuilder().vpc("vpc-1", "10.0.0.0/16").subnet("subnet-1", "vpc-1", "10.0.1.0/24")
    b.sg("sg-web", "vpc-1", [("tcp", "80", "0.0.0.0/0")])
    b.nacl("acl-1", "vpc-1", ["subnet-1"], ingress, egress if egress is not None else ALLOW_ALL, default=True)
    b.eni("eni-web", "subnet-1", "10.0.1.10", ["sg-web"], public="198.51.100.10")
    b.igw("igw-1", "vpc-1").rtb("rtb-1", "vpc-1", ["subnet-1"], [("0.0.0.0/0", "igw-1")], main=True)
    return b.build()


def _shadowed(ingress: list[AclSpec]) -> dict[int, tuple[list[int], bool]]:
    found = shadowed_nacl_entries(_snap(ingress))
    return {s.entry.rule_number: ([c.rule_number for c in s.covering], s.different_action) for s in found}


def test_allow_after_broader_deny() -> None:
    got = _shadowed([(100, "tcp", "0-65535", "0.0.0.0/0", "deny"), (110, "tcp", "443", "0.0.0.0/0", "allow")])
    assert got == {110: ([100], True)}


def test_deny_after_broader_allow() -> None:
    got = _shadowed([(100, "-1", None, "0.0.0.0/0", "allow"), (200, "tcp", "22", "203.0.113.0/24", "deny")])
    assert got == {200: ([100], True)}  # and the `*` rule, covered by 100 too, is never reported


def test_split_ranges_cover_the_world() -> None:
    got = _shadowed(
        [
            (100, "-1", None, "0.0.0.0/1", "allow"),
            (110, "-1", None, "128.0.0.0/1", "allow"),
            (120, "tcp", "22", "0.0.0.0/0", "deny"),
            (130, "tcp", "22", "10.0.0.0/8", "allow"),
        ]
    )
    assert got == {120: ([100, 110], True), 130: ([100], False)}


def test_nothing_shadowed_and_same_action_only() -> None:
    assert (
        _shadowed([(100, "tcp", "80", "0.0.0.0/0", "allow"), (110, "tcp", "443", "0.0.0.0/0", "allow")]) == {}
    )
    got = _shadowed([(100, "tcp", "80-90", "0.0.0.0/0", "allow"), (110, "tcp", "85", "10.0.0.0/8", "allow")])
    assert got == {110: ([100], False)}


def test_redundant_sg_rules_within_and_across_groups() -> None:
    b = SnapBuilder().vpc("vpc-1", "10.0.0.0/16").subnet("subnet-1", "vpc-1", "10.0.1.0/24")
    b.sg(
        "sg-a",
        "vpc-1",
        [("tcp", "443", "0.0.0.0/0"), ("tcp", "443", "10.0.0.0/16"), ("tcp", "22", "10.1.0.0/16")],
    )
    b.sg("sg-b", "vpc-1", [("tcp", "0-65535", "10.0.0.0/8")])
    b.sg("sg-c", "vpc-1", [("udp", "53", "10.0.0.0/16"), ("udp", "53", "10.0.0.0/16")])
    b.nacl("acl-1", "vpc-1", ["subnet-1"], ALLOW_ALL, ALLOW_ALL, default=True)
    b.eni("eni-1", "subnet-1", "10.0.1.10", ["sg-a", "sg-b"])
    b.eni("eni-2", "subnet-1", "10.0.1.11", ["sg-a"])
    found = redundant_sg_rules(b.build())
    got = {
        (f.rule.group_id, f.rule.permission_index, f.group_set, tuple(c.label for c in f.covering))
        for f in found
    }
    assert ("sg-a", 1, ("sg-a",), ("sg-a ingress #0 tcp 443 from 0.0.0.0/0",)) in got
    assert ("sg-a", 2, ("sg-a", "sg-b"), ("sg-b ingress #0 tcp all from 10.0.0.0/8",)) in got
    # an exact duplicate: one of the two is reported, not both (removing both would change the union)
    assert sum(1 for f in found if f.rule.group_id == "sg-c") == 1
    # the wide rule of sg-a is not redundant, and sg-b's rule is not covered by sg-a
    ingress = [f for f in found if f.rule.direction.value == "ingress"]
    assert not any(f.rule.group_id == "sg-a" and f.rule.permission_index == 0 for f in ingress)
    assert not any(f.rule.group_id == "sg-b" for f in ingress)
    # egress: both groups allow everything out; on ENIs carrying both, one of the two is redundant
    egress = [f for f in found if f.rule.direction.value == "egress"]
    assert len(egress) == 1 and egress[0].group_set == ("sg-a", "sg-b")


def test_return_path_gap_agrees_with_trace() -> None:
    snap = _snap(
        [(100, "tcp", "80", "0.0.0.0/0", "allow")],
        [(100, "tcp", "32768-40000", "0.0.0.0/0", "allow")],
    )
    gaps = return_path_gaps(snap)
    inbound = [g for g in gaps if g.request_direction.value == "ingress"]
    assert len(inbound) == 1
    g = inbound[0]
    assert str(g.client_ports) == "40001-60999"
    assert g.dropped_by is not None and g.dropped_by.is_default
    t = Engine(snap).trace(str(g.remote), "198.51.100.10", "tcp", g.port, src_port=g.client_port)
    assert t.forward.delivered and t.verdict is Verdict.REJECT
    ok = Engine(snap).trace(str(g.remote), "198.51.100.10", "tcp", g.port, src_port=33000)
    assert ok.verdict is Verdict.ACCEPT
    # with every client port open for replies, no gap
    assert not [
        g
        for g in return_path_gaps(_snap([(100, "tcp", "80", "0.0.0.0/0", "allow")]))
        if g.request_direction.value == "ingress"
    ]
