"""Path-aware exposure: `reachable` true (with a witness `vpcflow trace` confirms), false (with the reason:
no public address, no route back, NACL deny rule N, attached to nothing), null (not modelled); and, on
random snapshots, the audit's verdict equals the exhaustive reach engine's."""

from __future__ import annotations

import pytest

from audit_net import ALLOW_ALL, PRIV, PUB, eni, entry, load, nacl, network, of, perm, run, sg
from fixtures.reach.random_snapshots import random_snapshot
from vpcflow.audit import audit
from vpcflow.engine import Engine, Verdict
from vpcflow.engine.intervals import IntervalSet
from vpcflow.reach import EndpointSet, Reachability
from vpcflow.reach.headerspace import V4_SPAN, V6_SPAN

SSH = sg("sg-ssh", [perm("tcp", 22, cidrs=("0.0.0.0/0",), v6=("::/0",))])


def _ssh(*enis: dict[str, object], **kw: object) -> list[object]:
    report = run(network([SSH], list(enis), **kw))  # type: ignore[arg-type]
    return of(report, "EC2.13")


def test_reachable_with_a_witness_trace_confirms() -> None:
    docs = network([SSH], [eni("eni-1", PUB, "10.0.0.10", ["sg-ssh"], public="198.51.100.10")])
    report = run(docs)
    v4 = next(f for f in of(report, "EC2.13") if f.detail["ip_version"] == 4)
    assert v4.reachable is True and v4.level.label == "high"
    w = v4.witness
    assert (str(w.dst), w.dst_port, w.protocol) == ("198.51.100.10", 22, 6)
    assert v4.trace_command.startswith("vpcflow trace SNAPSHOT --src 203.0.113.7 --dst 198.51.100.10")
    trace = Engine(load(docs)).trace(**w.trace_args())
    assert trace.verdict is Verdict.ACCEPT


def test_no_public_address_is_not_reachable_and_one_level_lower() -> None:
    (v4, v6) = sorted(_ssh(eni("eni-1", PUB, "10.0.0.10", ["sg-ssh"])), key=lambda f: f.detail["ip_version"])
    assert v4.reachable is False and v4.level.label == "medium"
    assert "10.0.0.10 is a private address" in v4.reason
    assert v6.reachable is False and "no IPv6 address" in v6.reason


def test_ipv6_address_is_reachable_without_a_public_ipv4() -> None:
    found = _ssh(eni("eni-1", PUB, "10.0.0.10", ["sg-ssh"], ipv6="2001:db8:0:1::10"))
    v6 = next(f for f in found if f.detail["ip_version"] == 6)
    assert v6.reachable is True and str(v6.witness.dst) == "2001:db8:0:1::10"


def test_no_route_back_to_the_internet_gateway() -> None:
    (v4, _v6) = sorted(
        _ssh(eni("eni-1", PUB, "10.0.0.10", ["sg-ssh"], public="198.51.100.10"), public_route=False),
        key=lambda f: f.detail["ip_version"],
    )
    assert v4.reachable is False
    assert "NO_ROUTE" in v4.reason or "route" in v4.reason


def test_no_internet_gateway() -> None:
    # a VPC without internet gateway (and no route naming one)
    (v4, _v6) = sorted(
        _ssh(
            eni("eni-1", PUB, "10.0.0.10", ["sg-ssh"], public="198.51.100.10"), igw=False, public_route=False
        ),
        key=lambda f: f.detail["ip_version"],
    )
    assert v4.reachable is False and "NO_ATTACHED_INTERNET_GATEWAY" in v4.reason
    # routes to an internet gateway the snapshot lacks: whether it lets the packet in is unknown
    (v4, _v6) = sorted(
        _ssh(eni("eni-1", PUB, "10.0.0.10", ["sg-ssh"], public="198.51.100.10"), igw=False),
        key=lambda f: f.detail["ip_version"],
    )
    # the route names an internet gateway the snapshot does not hold: whether it exists and is attached is
    # unknown, so is the exposure (never "not reachable")
    assert v4.reachable is None and "UNKNOWN_RESOURCE" in v4.reason and "igw-1" in v4.reason


def test_nacl_deny_rule_is_named() -> None:
    nacls = [
        nacl(
            "acl-pub",
            [PUB],
            [entry(90, False, "6", "0.0.0.0/0", "deny", (22, 22)), *ALLOW_ALL],
        ),
        nacl("acl-default", [PRIV], ALLOW_ALL, default=True),
    ]
    found = _ssh(eni("eni-1", PUB, "10.0.0.10", ["sg-ssh"], public="198.51.100.10"), nacls=nacls)
    v4 = next(f for f in found if f.detail["ip_version"] == 4)
    assert v4.reachable is False and "ingress rule 90 tcp 22 from 0.0.0.0/0 DENY" in v4.reason


def test_reply_dropped_by_the_nacl_is_not_reachable() -> None:
    # the request gets in, the reply to every client port dies at the NACL's egress `*`
    entries = [
        entry(100, False, "-1", "0.0.0.0/0", "allow"),
        entry(100, True, "6", "0.0.0.0/0", "allow", (443, 443)),
    ]
    nacls = [nacl("acl-pub", [PUB], entries), nacl("acl-default", [PRIV], ALLOW_ALL, default=True)]
    found = _ssh(eni("eni-1", PUB, "10.0.0.10", ["sg-ssh"], public="198.51.100.10"), nacls=nacls)
    v4 = next(f for f in found if f.detail["ip_version"] == 4)
    assert v4.reachable is False and "egress" in v4.reason


def test_reply_for_some_clients_only_is_reachable() -> None:
    # replies pass to 49152-65535 only: Windows clients connect (trace says PARTIAL for Linux ranges)
    entries = [
        entry(100, False, "-1", "0.0.0.0/0", "allow"),
        entry(100, True, "6", "0.0.0.0/0", "allow", (49152, 65535)),
    ]
    nacls = [nacl("acl-pub", [PUB], entries), nacl("acl-default", [PRIV], ALLOW_ALL, default=True)]
    docs = network([SSH], [eni("eni-1", PUB, "10.0.0.10", ["sg-ssh"], public="198.51.100.10")], nacls=nacls)
    v4 = next(f for f in of(run(docs), "EC2.13") if f.detail["ip_version"] == 4)
    assert v4.reachable is True and v4.witness.src_port >= 49152
    assert Engine(load(docs)).trace(**v4.witness.trace_args()).verdict is Verdict.ACCEPT


def test_group_attached_to_nothing() -> None:
    found = _ssh()
    assert {f.reachable for f in found} == {False}
    assert all(f.reason == "sg-ssh is attached to nothing" for f in found)


def test_group_used_by_a_load_balancer_is_not_modelled() -> None:
    lb = eni("eni-lb", PUB, "10.0.0.20", ["sg-ssh"], public="198.51.100.20", requester=True,
             description="ELB app/web/50dc6c495c0c9188")  # fmt: skip
    found = _ssh(lb)
    v4 = next(f for f in found if f.detail["ip_version"] == 4)
    assert v4.reachable is None and "requester-managed" in v4.reason and "ELB app/web" in v4.reason
    assert v4.level.label == "high"  # not lowered: it may well be reachable


def test_one_reachable_member_makes_the_group_reachable() -> None:
    found = _ssh(
        eni("eni-a", PRIV, "10.0.1.10", ["sg-ssh"]),
        eni("eni-b", PUB, "10.0.0.11", ["sg-ssh"], public="198.51.100.11"),
    )
    v4 = next(f for f in found if f.detail["ip_version"] == 4)
    assert v4.reachable is True and str(v4.witness.dst) == "198.51.100.11"


def test_nacl_exposure_is_path_aware() -> None:
    closed = sg("sg-closed", [perm("tcp", 443, cidrs=("0.0.0.0/0",))])
    docs = network([closed], [eni("eni-1", PUB, "10.0.0.10", ["sg-closed"], public="198.51.100.10")])
    f = next(f for f in of(run(docs), "EC2.21") if f.detail["ip_version"] == 4)
    # the NACL lets 22 in from the world, but the only interface's groups do not
    assert f.reachable is False and "security-group" in f.reason and f.level.label == "low"
    docs = network([SSH], [eni("eni-1", PUB, "10.0.0.10", ["sg-ssh"], public="198.51.100.10")])
    f = next(f for f in of(run(docs), "EC2.21") if f.detail["ip_version"] == 4)
    assert f.reachable is True


# -- property: the audit's verdict is the reach engine's ---------------------------------------------


def _reference(r: Reachability, enis: list[str], version: int, ports: dict[int, IntervalSet]) -> bool | None:
    span = V4_SPAN if version == 4 else V6_SPAN
    src = EndpointSet("internet", "internet", (), r.endpoints.internet & IntervalSet.of(span))
    dst = r.endpoints.resolve(enis) if enis else None
    if dst is None:
        return False
    unknown = False
    for proto, pset in ports.items():
        res = r.reach_sets(src, dst, IntervalSet.single(proto), pset, client_ports="1024-65535")
        if res.bidirectional:
            return True
        unknown = unknown or bool(res.undecided or res.return_undecided)
        unknown = unknown or any(b.unknown for b in res.blocked + res.return_blocked)
    return None if unknown else False


@pytest.mark.parametrize("seed", range(30))
def test_reachable_equals_the_reach_engine(seed: int) -> None:
    snap, _enis = random_snapshot(seed)
    report = audit(snap)
    engine = Engine(snap)
    r = Reachability(snap, engine)
    checked = 0
    for f in report.findings:
        if not f.check.exposure:
            continue
        version = f.detail["ip_version"]
        ports = {6 if p == "tcp" else 17: _ports(v) for p, v in f.detail.get("ports", {}).items()}
        if f.check.id == "EC2.21":
            subnets = set(f.detail["subnets"])
            members = [
                e.eni_id
                for e in snap.interfaces.values()
                if e.subnet_id in subnets and e.interface_type != "nat_gateway"
            ]
        else:
            members = [e.eni_id for e in snap.interfaces.values() if f.resource.id in e.group_ids]
        assert f.reachable == _reference(r, members, version, ports), (
            seed,
            f.check.id,
            f.resource.id,
            f.reason,
        )
        if f.reachable:
            t = engine.trace(**f.witness.trace_args())
            assert t.verdict in (Verdict.ACCEPT, Verdict.PARTIAL), (seed, str(f.witness), t.diagnosis)
        checked += 1
    assert checked or not any(f.check.exposure for f in report.findings)


def _ports(text: str) -> IntervalSet:
    spans = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        spans.append((int(lo), int(hi or lo)))
    return IntervalSet.from_spans(spans)
