"""External snapshots (../shared/data: Batfish's AWS test resources and the hybrid-cloud example) load,
and concrete values read off their JSON come out of the loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcflow.model import ICMP, TCP, Address, GroupPeer, IcmpMatch, PortRange, RuleAction
from vpcflow.sources import load_snapshot, load_with_report

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BATFISH = DATA / "batfish-aws-tests"

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared snapshots not present at {DATA}")


def _all() -> list[Path]:
    if not DATA.is_dir():
        return []
    loose = sorted(BATFISH.glob("*.json"))  # one-resource unit fixtures
    dirs = sorted(p for p in BATFISH.iterdir() if p.is_dir() and (p / "aws_configs").is_dir())
    return [*loose, *dirs, DATA / "batfish-hybrid-cloud"]


@pytest.mark.parametrize("path", _all(), ids=lambda p: p.name)
def test_loads_and_keeps_the_invariants(path: Path) -> None:
    result = load_with_report(path)
    snap = result.snapshot
    assert result.files
    for acl in snap.network_acls.values():
        for entries in (acl.ingress, acl.egress):
            numbers = [e.rule_number for e in entries]
            assert numbers == sorted(numbers) and 32767 in numbers
    for group in snap.security_groups.values():
        for rule in group.ingress + group.egress:
            assert rule.ports is None or 0 <= rule.ports.lo <= rule.ports.hi <= 65535
    # every key counted as not modelled is also said in a warning
    said = " ".join(w.message for w in snap.warnings if w.code == "NOT_MODELLED")
    assert all(f" {key} item(s)" in said for key in snap.not_modelled)


def test_security_group_fixture() -> None:
    snap = load_snapshot(BATFISH / "SecurityGroupTest.json")
    # 12 groups in the file, sg-0de0ddfa8a5a12348 three times (Batfish test variants): 10 ids, 2 duplicates
    assert len(snap.security_groups) == 10
    assert [w.resource_id for w in snap.warnings if w.code == "DUPLICATE_ID"] == ["sg-0de0ddfa8a5a12348"] * 2
    by_name = {g.name: g for g in snap.security_groups.values()}
    assert by_name["Half Open Beginning"].ingress[0].ports == PortRange(0, 22)
    assert by_name["Half Open Ending"].ingress[0].ports == PortRange(65530, 65535)
    assert by_name["ALL Traffic"].ingress[0].protocol == -1
    # FromPort -1 / ToPort -1 on one side only: read as Batfish does (0 / 65535), with a warning
    assert by_name["Invalid interval beginning"].ingress[0].ports == PortRange(0, 50)
    assert by_name["Invalid interval end"].ingress[0].ports == PortRange(30, 65535)
    icmp = by_name["ICMP types with just type"].ingress
    assert [(r.protocol, r.icmp) for r in icmp] == [(ICMP, IcmpMatch(8, -1))] * 2
    stateful = by_name["Stateful TCP rules"]
    assert [(r.protocol, r.ports) for r in stateful.egress] == [(TCP, PortRange(80, 80))]


def test_nacl_fixtures_get_their_implied_star_entries() -> None:
    acl = load_snapshot(BATFISH / "NetworkAclTest.json").network_acls["acl-4db39c28"]
    assert [e.rule_number for e in acl.ingress] == [100, 32767]
    first = acl.ingress[0]
    assert (first.action, first.protocol, first.ports, str(first.cidr)) == (
        RuleAction.DENY,
        TCP,
        PortRange(3306, 3306),
        "162.243.144.192/32",
    )
    assert acl.subnet_ids == frozenset({"subnet-1f315846"}) and acl.is_default
    v6 = load_snapshot(BATFISH / "NetworkAclV6Test.json").network_acls["acl-4db39c28"]
    assert [(e.rule_number, e.cidr.version) for e in v6.egress] == [(100, 6), (32767, 4), (32768, 6)]
    assert [(e.rule_number, e.cidr.version) for e in v6.ingress] == [(32767, 4), (32768, 6)]
    icmp = load_snapshot(BATFISH / "NetworkAclIcmpTest.json").network_acls["acl-4db39c28"]
    assert [(e.rule_number, e.icmp) for e in icmp.egress] == [
        (100, IcmpMatch(-1, -1)),
        (200, IcmpMatch(0, 1)),
        (32767, None),
    ]


def test_nat_gateway_snapshot_values() -> None:
    snap = load_snapshot(BATFISH / "test-nat-gateway")
    acl = snap.network_acls["acl-0792adae678b88f85"]
    # the file lists egress first then ingress; each side is evaluated by number
    assert [(e.rule_number, e.protocol, str(e.cidr)) for e in acl.ingress] == [
        (100, ICMP, "10.1.1.0/24"),
        (200, -1, "0.0.0.0/0"),
        (32767, -1, "0.0.0.0/0"),
    ]
    assert [e.rule_number for e in acl.egress] == [100, 32767]
    web = snap.interfaces["eni-068fb5a0a9a57f23c"]
    assert [(str(a), str(b)) for a, b in web.public_ips] == [("10.1.250.116", "18.216.129.140")]
    nat = snap.nat_gateways["nat-07ab4846da51f4612"]
    assert (str(nat.private_ip), str(nat.public_ip), nat.eni_id) == (
        "10.1.250.210",
        "3.135.127.225",
        "eni-017aaec115610308a",
    )
    sg = snap.security_groups["sg-0253af84ae6485905"]
    assert [(r.protocol, r.ports, r.icmp) for r in sg.ingress] == [
        (TCP, PortRange(22, 22), None),
        (ICMP, None, IcmpMatch(8, 0)),
    ]
    default = snap.security_groups["sg-0010bf850022667c2"].ingress[0]
    assert isinstance(default.peer, GroupPeer) and default.peer.group_id == "sg-0010bf850022667c2"
    assert {s: snap.instances[s].state for s in snap.instances} == dict.fromkeys(
        ("i-0b31b509174d7f5de", "i-0a73a1a6021c03ddb", "i-0a128d26e59be60f3"), "running"
    )
    assert not snap.warnings


def test_multi_account_layouts() -> None:
    result = load_with_report(BATFISH / "test-multi-account")
    assert [(s.account, s.region) for s in result.scopes] == [("111", "us-west-1"), ("222", "us-west-2")]
    vpcs = result.snapshot.vpcs
    # the VPCs carry an OwnerId of their own, which wins over the directory name; the region comes from it
    assert {(v.vpc_id, v.owner_id, v.region) for v in vpcs.values()} == {
        ("vpc-015b20578b48c1349", "554773406868", "us-west-1"),
        ("vpc-0008a7b45e3ddf1dd", "554773406868", "us-west-2"),
    }
    peering = load_with_report(BATFISH / "test-vpc-peering-multi-account")
    assert [(s.account, s.region) for s in peering.scopes] == [
        ("123456789012", "us-east-1"),
        ("123456789013", "us-east-1"),
    ]
    snap = peering.snapshot
    # the same peerings appear in both accounts' files: loaded once each, whatever their status
    assert {p: x.status for p, x in snap.peerings.items()} == {
        "pcx-0040f7640e10191f4": "active",
        "pcx-00eeab4f3bd2a40da": "deleted",
        "pcx-07d8d712b329b9337": "deleted",
    }
    assert snap.instances["i-022b9fb2c0a0c72c1"].state == "terminated"
    assert snap.instances["i-022b9fb2c0a0c72c1"].eni_ids == ()
    assert "DUPLICATE_ID" not in {w.code for w in snap.warnings}


def test_hybrid_cloud_regions_and_ignored_files() -> None:
    result = load_with_report(DATA / "batfish-hybrid-cloud")
    vpcs = result.snapshot.vpcs
    assert {v: (x.region, [str(c) for c in x.cidrs]) for v, x in vpcs.items()} == {
        "vpc-0276455718806058a": ("us-east-2", ["10.30.0.0/16"]),
        "vpc-0574d08f8d05917e4": ("us-east-2", ["10.20.0.0/16"]),
        "vpc-00b65e98077106059": ("us-west-2", ["10.40.0.0/16"]),
        "vpc-00157b5941bfd4959": ("us-west-2", ["10.50.0.0/16"]),
    }
    assert [(s.account, s.region) for s in result.scopes] == [(None, "us-east-2"), (None, "us-west-2")]
    assert [Path(f).name for f in result.ignored_files] == ["ORIGIN.md"]
    assert (
        len(result.snapshot.transit_gateways) == 2 and "TransitGateways" not in result.snapshot.not_modelled
    )
    vif = load_with_report(BATFISH / "test-direct-connect-private-vif")
    assert sorted(Path(f).name for f in vif.ignored_files) == ["onprem-high.txt", "onprem-low.txt"]


def test_other_fixtures() -> None:
    pl = load_snapshot(BATFISH / "PrefixListTest.json").prefix_lists["pl-00a54069"]
    assert [str(c) for c in pl.cidrs] == ["52.94.28.0/23", "52.94.10.0/24"] and pl.aws_managed
    peerings = load_snapshot(BATFISH / "VpcPeeringConnectionsTestIgnoreNonActive.json").peerings
    assert {p: x.active for p, x in peerings.items()} == {
        "pcx-f754069e": True,
        "pcx-4ee8b427": False,
        "pcx-0ff752226f8e366f2": False,
    }
    # single-item fixtures (a route, a listener action) are no describe output: warned, nothing loaded
    route = load_snapshot(BATFISH / "RoutePrefixListId.json")
    assert {w.code for w in route.warnings} == {"UNKNOWN_KEY"} and not route.route_tables
    eni = load_snapshot(BATFISH / "NetworkInterfaceTest.json").interfaces["eni-bd11cc9d"]
    assert (eni.instance_id, eni.primary_ip, eni.group_ids) == (
        "i-05f467abe21e9b883",
        Address.parse("10.100.1.71"),
        ("sg-adcd87d0",),
    )
