"""External snapshots from Batfish's repository (../shared/data): every one loads, and the traces agree with
the dispositions Batfish's own tests assert (AwsConfiguration*Test.java, transcribed in
../shared/anchors/batfish-and-reachability-analyzer.md §3). Batfish's "any flow" is IP protocol 0 with no
ports, which only "all traffic" rules match; we trace the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcflow.engine import Engine, HopKind, Verdict
from vpcflow.sources import load_snapshot

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BATFISH = DATA / "batfish-aws-tests"

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"external snapshots not present at {DATA}")


def _targets() -> list[Path]:
    if not DATA.is_dir():
        return []
    return (
        sorted(BATFISH.glob("*.json"))
        + sorted(p for p in BATFISH.glob("test*") if p.is_dir())
        + [DATA / "batfish-hybrid-cloud"]
    )


@pytest.mark.parametrize("path", _targets(), ids=lambda p: p.name)
def test_every_external_snapshot_loads(path: Path) -> None:
    snap = load_snapshot(path)
    # nothing is dropped silently: every unmodelled key is counted and warned about
    warned = " ".join(w.message for w in snap.warnings if w.code == "NOT_MODELLED")
    assert all(f" {key} item(s)" in warned for key in snap.not_modelled)
    for acl in snap.network_acls.values():
        for entries in (acl.ingress, acl.egress):
            numbers = [e.rule_number for e in entries]
            assert numbers == sorted(numbers) and 32767 in numbers


def test_multi_account_layout() -> None:
    snap = load_snapshot(BATFISH / "test-transit-gateway-multi-account")
    assert {(v.owner_id, v.region) for v in snap.vpcs.values()} == {
        ("028403472736", "us-east-1"),
        ("951601349076", "us-east-1"),
    }


def test_security_group_fixture_port_ranges() -> None:
    snap = load_snapshot(BATFISH / "SecurityGroupTest.json")
    by_name = {g.name: g for g in snap.security_groups.values()}
    single = by_name["Single port "].ingress[0]
    assert single.ports is not None and (single.ports.lo, single.ports.hi) == (22, 22)
    assert str(single.peer) == "1.2.3.4/32"


def test_subnet_same_subnet_denied_by_destination_sg_without_nacl() -> None:
    e = Engine(load_snapshot(BATFISH / "test-subnet"))
    t = e.trace("i-08ef86e76fceabd8d", "i-07519d6ba3f9497e4", "0")
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.kind is HopKind.SECURITY_GROUP
    assert t.blocked_by.direction is not None and t.blocked_by.direction.value == "ingress"
    assert all(h.kind is not HopKind.NETWORK_ACL for h in t.forward.hops)


def test_public_subnet_internet_to_public_ip_denied_in_by_sg() -> None:
    e = Engine(load_snapshot(BATFISH / "test-public-subnet"))
    t = e.trace("8.8.8.8", "18.216.80.133", "0")
    assert t.verdict is Verdict.REJECT and t.blocked_by is not None
    assert t.blocked_by.kind is HopKind.SECURITY_GROUP
    assert t.forward.hops[0].kind is HopKind.INTERNET_GATEWAY  # IGW translated first
    out = e.trace("i-06669a407b2ef3ae5", "8.8.8.8", "tcp", 80)
    assert out.verdict is Verdict.ACCEPT  # EXITS_NETWORK in Batfish, and the reply returns


def test_nat_gateway_snapshot() -> None:
    e = Engine(load_snapshot(BATFISH / "test-nat-gateway"))
    t = e.trace("i-0a128d26e59be60f3", "8.8.8.8", "tcp", 80)
    assert t.verdict is Verdict.ACCEPT
    assert HopKind.NAT_GATEWAY in [h.kind for h in t.forward.hops]
    assert HopKind.NAT_GATEWAY in [h.kind for h in t.ret.hops]
    bad_proto = e.trace("i-0a128d26e59be60f3", "8.8.8.8", "50")
    assert bad_proto.blocked_by is not None and bad_proto.blocked_by.code == "PROTOCOL_RESTRICTION"
    unsolicited = e.trace("8.8.8.8", "3.135.127.225", "tcp", 80)
    assert unsolicited.blocked_by is not None and unsolicited.blocked_by.code == "NGW_UNSOLICITED_INBOUND"


def test_vpc_peering_denied_in_by_sg() -> None:
    e = Engine(load_snapshot(BATFISH / "test-vpc-peering"))
    t = e.trace("i-06ba034d88c84ef07", "i-04a292ff83b3aa833", "0")
    assert t.verdict is Verdict.REJECT and t.blocked_by is not None
    assert t.blocked_by.kind is HopKind.SECURITY_GROUP
    assert HopKind.VPC_PEERING in [h.kind for h in t.forward.hops]
