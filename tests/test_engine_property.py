"""Hypothesis: Engine.trace agrees with the naive reference (vpcflow.engine.reference) on random snapshots.

Snapshots: one VPC (IPv4 + IPv6) with 2-4 subnets and 3-8 ENIs (some with public IPs), optionally a
peered second VPC; 1-5 SGs whose rules mix protocols (tcp, udp, icmp with type/code, icmpv6, GRE, -1),
port ranges at the usual boundaries, IPv4/IPv6 CIDRs, group references and a prefix list; NACLs with
random allow/deny entries and rule numbers, some subnets left on the default NACL; route tables with or
without the IGW and peering routes. Flows: ENI→ENI (IPv4, IPv6), ENI→another ENI's public IP (hairpin),
internet→ENI, ENI→internet (IPv4, IPv6), ENI→peered ENI.

1. One fixed client port: forward delivered and verdict equal the reference's.
2. The whole ephemeral range: ``return_ports`` is exactly the set of client ports whose response the
   reference delivers — checked at every boundary of that set, of the client range and of every rule's
   port range (±1), where a disagreement must show if there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from builders import AclSpec, SgSpec, SnapBuilder
from vpcflow.engine import Engine, Trace, Verdict
from vpcflow.engine.reference import RefPacket, RefVerdict, evaluate
from vpcflow.model import InternetGateway, NetworkInterface, Snapshot

PORTS = [0, 1, 21, 22, 23, 79, 80, 443, 1023, 1024, 1025, 3389, 5432]
PORTS += [32767, 32768, 49151, 49152, 60999, 61000, 65534, 65535]
CLIENT_PORTS = [0, 1023, 1024, 1025, 32767, 32768, 49151, 49152, 60999, 61000, 65535]
CIDRS_V4 = [
    "0.0.0.0/0",
    "0.0.0.0/1",
    "128.0.0.0/1",
    "10.0.0.0/8",
    "10.0.0.0/16",
    "10.0.1.0/24",
    "10.0.2.0/25",
    "10.0.0.0/24",
    "10.1.0.0/16",
    "203.0.113.0/24",
    "198.51.100.7/32",
    "198.18.0.0/16",
]
CIDRS_V6 = ["::/0", "2001:db8::/56", "2001:db8:0:1::/64", "2001:db8:100::/56", "2600:1f18::/32"]
PROTOS = ["tcp", "tcp", "udp", "icmp", "icmpv6", "47", "-1"]
ICMP_SPECS = [None, "8", "0", "3", "8:0", "8:1", "3:1", "-1", "128", "129", "128:0", "128:1", "0:0"]
SPLITS = ["1024-49151", "32768-65535", "49152-65535", "1024-32767", "40000-50000", "61000-65535", "0-1023"]
HOSTS_V4 = ["203.0.113.9", "198.51.100.7", "192.0.2.1"]
HOSTS_V6 = ["2600:1f18::5", "2001:4860::8888"]
NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "47": 47}


def often(draw: Any, n: int) -> bool:
    """True with probability n/(n+1). Hypothesis over-draws the ends of an integer range, so the odd
    case is a middle value, not 0."""
    return bool(draw(st.integers(0, n)) != 1)


def rarely(draw: Any, n: int) -> bool:
    return not often(draw, n)


def _ports(draw: Any) -> str | None:
    a, b = sorted((draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS))))
    return None if rarely(draw, 6) else f"{a}-{b}"


def _match(draw: Any, proto: str) -> str | None:
    if proto in ("tcp", "udp"):
        return _ports(draw)
    if proto in ("icmp", "icmpv6"):
        spec: str | None = draw(st.sampled_from(ICMP_SPECS))
        return spec
    return None


@dataclass
class World:
    snap: Snapshot
    enis: list[str]  # in the main VPC
    peer_enis: list[str]  # in the peered VPC (may be empty)


@st.composite
def worlds(draw: Any) -> World:
    b = SnapBuilder().vpc("vpc-1", "10.0.0.0/16", v6="2001:db8::/56")
    subnets = [f"subnet-{i}" for i in range(draw(st.integers(2, 4)))]
    for i, sid in enumerate(subnets):
        b.subnet(sid, "vpc-1", f"10.0.{i}.0/24", v6=f"2001:db8:0:{i}::/64")
    peered = rarely(draw, 2)
    if peered:
        b.vpc("vpc-2", "10.1.0.0/16", v6="2001:db8:100::/56")
        b.subnet("subnet-p", "vpc-2", "10.1.0.0/24", v6="2001:db8:100::/64")
    b.prefix_list("pl-1", ["10.0.1.0/24", "203.0.113.0/24", "2001:db8:0:2::/64"])
    groups = [f"sg-{i}" for i in range(draw(st.integers(1, 5)))]

    def sg_specs(max_n: int) -> list[SgSpec]:
        specs: list[SgSpec] = []
        for _ in range(draw(st.integers(0, max_n))):
            proto = draw(st.sampled_from(PROTOS))
            peer = draw(st.sampled_from([*CIDRS_V4, *CIDRS_V6, *groups, "pl-1", "pl-1", "pl-1"]))
            specs.append((proto, _match(draw, proto), peer))
        return specs

    strict = rarely(draw, 2)  # no broad SG rules: the specific ones (ICMP codes, prefix lists) decide
    for gid in groups:
        ingress, egress = sg_specs(6), sg_specs(4)
        if strict:
            b.sg(gid, "vpc-1", ingress, egress)
            continue
        # bias towards traffic that gets through, so the later hops and the return path are exercised
        if often(draw, 3):
            ingress.append(("-1", None, draw(st.sampled_from(["10.0.0.0/8", "0.0.0.0/0", "0.0.0.0/0"]))))
        if draw(st.booleans()):
            ingress.append(("-1", None, draw(st.sampled_from(["2001:db8::/40", "::/0"]))))
        if often(draw, 5):
            egress.append(("-1", None, draw(st.sampled_from(["0.0.0.0/0", "0.0.0.0/0", "10.0.0.0/8"]))))
        if draw(st.booleans()):
            egress.append(("-1", None, "::/0"))
        b.sg(gid, draw(st.sampled_from(["vpc-1", "vpc-2"] if peered else ["vpc-1"])), ingress, egress)

    def acl_specs() -> list[AclSpec]:
        specs: list[AclSpec] = []
        numbers = draw(st.lists(st.integers(1, 999), max_size=6, unique=True))
        for num in numbers:
            proto = draw(st.sampled_from(PROTOS))
            cidr = draw(st.sampled_from(CIDRS_V4 + CIDRS_V6))
            action = draw(st.sampled_from(["allow", "allow", "deny"]))
            specs.append((num, proto, _match(draw, proto), cidr, action))
        # entries that split the clients' ephemeral ranges: the PARTIAL verdicts
        if often(draw, 2):
            num = draw(st.integers(1, 999).filter(lambda x: x not in numbers))
            split = draw(st.sampled_from(SPLITS))
            cidr = draw(st.sampled_from(["0.0.0.0/0", "0.0.0.0/0", "10.0.0.0/8", "::/0", "203.0.113.0/24"]))
            action = draw(st.sampled_from(["allow", "deny"]))
            specs.append((num, draw(st.sampled_from(["tcp", "udp"])), split, cidr, action))
        # usually broad allows after the specific entries (rule numbers 1000+), as real NACLs have
        for wide in ("0.0.0.0/0", "::/0"):
            if often(draw, 5):
                num = draw(st.integers(1000, 32766))
                specs.append((num, draw(st.sampled_from(["-1", "-1", "tcp"])), None, wide, "allow"))
        return specs

    n_acl = draw(st.integers(1, 3))
    owner = [draw(st.integers(-1, n_acl - 1)) for _ in subnets]  # -1: no association → default NACL
    for a in range(n_acl):
        members = [s for s, o in zip(subnets, owner, strict=True) if o == a]
        b.nacl(f"acl-{a}", "vpc-1", members, acl_specs(), acl_specs(), default=a == 0, v6=True)
    if peered:
        b.nacl("acl-p", "vpc-2", ["subnet-p"], acl_specs(), acl_specs(), default=True, v6=True)

    def eni(eni_id: str, sid: str, ip: str, v6: str, public: str | None) -> None:
        gs = draw(st.lists(st.sampled_from(groups), min_size=1, max_size=3, unique=True))
        if rarely(draw, 15):
            gs = []
        b.eni(eni_id, sid, ip, gs, public=public, v6=v6)

    enis = []
    for i in range(draw(st.integers(3, 8))):
        k = draw(st.integers(0, len(subnets) - 1))
        public = f"198.18.0.{i + 1}" if draw(st.booleans()) else None
        eni(f"eni-{i}", subnets[k], f"10.0.{k}.{10 + i}", f"2001:db8:0:{k}::{10 + i:x}", public)
        enis.append(f"eni-{i}")
    peer_enis = []
    if peered:
        for i in range(draw(st.integers(1, 2))):
            eni(f"eni-p{i}", "subnet-p", f"10.1.0.{10 + i}", f"2001:db8:100::{10 + i:x}", None)
            peer_enis.append(f"eni-p{i}")
        status = draw(st.sampled_from(["active", "active", "pending-acceptance"]))
        b.peering("pcx-1", "vpc-1", "vpc-2", status)
    if often(draw, 5):
        b.igw("igw-1", "vpc-1")
    else:
        # detached (a route to a gateway absent from the snapshot is UNKNOWN, not a REJECT)
        b.igws.append(InternetGateway("igw-1", (), False))

    def routes(peer_dests: list[str]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if often(draw, 3):
            out.append(("0.0.0.0/0", "igw-1"))
        if often(draw, 3):
            out.append(("::/0", "igw-1"))
        if peered:
            out += [(d, "pcx-1") for d in peer_dests if often(draw, 4)]
        return out

    to_peer = ["10.1.0.0/16", "2001:db8:100::/56"]
    b.rtb("rtb-main", "vpc-1", [], routes(to_peer), main=True)
    if draw(st.booleans()):
        own = draw(st.lists(st.sampled_from(subnets), min_size=1, unique=True))
        b.rtb("rtb-x", "vpc-1", own, routes(to_peer))
    if peered:
        back = draw(st.sampled_from([["10.0.0.0/16", "2001:db8::/56"], ["10.0.1.0/24"], ["10.0.0.0/8"]]))
        b.rtb("rtb-p", "vpc-2", ["subnet-p"], routes(back), main=True)
    return World(b.build(), enis, peer_enis)


@dataclass(frozen=True)
class Flow:
    src: str  # ENI id or internet address (trace argument)
    dst: str  # address (trace argument)
    src_eni: str | None  # reference argument
    src_addr: str
    proto: str


def draw_flow(data: Any, w: World) -> Flow | None:
    s = w.snap
    kind = data.draw(st.sampled_from(["eni", "eni6", "hairpin", "in", "in6", "out", "out6", "peer"]))
    a: NetworkInterface = s.interfaces[data.draw(st.sampled_from(w.enis))]
    others = [e for e in w.enis if e != a.eni_id]
    b: NetworkInterface = s.interfaces[data.draw(st.sampled_from(others))]
    v6 = kind in ("eni6", "in6", "out6") or (kind == "peer" and data.draw(st.booleans()))
    proto = data.draw(st.sampled_from(["tcp", "tcp", "udp", "icmpv6" if v6 else "icmp", "47"]))
    if kind in ("eni", "eni6"):
        dst = b.ipv6_addresses[0] if v6 else b.private_ips[0]
        return Flow(a.eni_id, str(dst), a.eni_id, str(a.ipv6_addresses[0] if v6 else a.private_ips[0]), proto)
    if kind == "hairpin":
        pub = b.public_for(b.private_ips[0])
        if pub is None:
            return None
        return Flow(a.eni_id, str(pub), a.eni_id, str(a.private_ips[0]), proto)
    if kind in ("in", "in6"):
        client = data.draw(st.sampled_from(HOSTS_V6 if v6 else HOSTS_V4))
        if v6:
            return Flow(client, str(b.ipv6_addresses[0]), None, client, proto)
        pub = b.public_for(b.private_ips[0])
        return None if pub is None else Flow(client, str(pub), None, client, proto)
    if kind in ("out", "out6"):
        host = data.draw(st.sampled_from(HOSTS_V6 if v6 else HOSTS_V4))
        return Flow(a.eni_id, host, a.eni_id, str(a.ipv6_addresses[0] if v6 else a.private_ips[0]), proto)
    if not w.peer_enis:
        return None
    p: NetworkInterface = s.interfaces[data.draw(st.sampled_from(w.peer_enis))]
    x, y = (a, p) if data.draw(st.booleans()) else (p, a)
    dst = y.ipv6_addresses[0] if v6 else y.private_ips[0]
    return Flow(x.eni_id, str(dst), x.eni_id, str(x.ipv6_addresses[0] if v6 else x.private_ips[0]), proto)


def reference(w: World, f: Flow, dport: int, sport: int, itype: int | None, icode: int | None) -> RefVerdict:
    pnum = NAMES[f.proto]
    if f.proto in ("tcp", "udp"):
        pkt = RefPacket(f.src_addr, f.dst, pnum, sport, dport)
    elif f.proto in ("icmp", "icmpv6"):
        pkt = RefPacket(f.src_addr, f.dst, pnum, icmp_type=itype, icmp_code=icode)
    else:
        pkt = RefPacket(f.src_addr, f.dst, pnum)
    return evaluate(w.snap, f.src_eni, pkt)


def icmp_header(data: Any, proto: str) -> tuple[int, int]:
    types = [8, 8, 0, 3, 13] if proto == "icmp" else [128, 128, 129, 1]
    return data.draw(st.sampled_from(types)), data.draw(st.sampled_from([0, 1]))


def _settings(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@_settings(500)
@given(worlds(), st.data())
def test_trace_matches_reference_per_packet(w: World, data: Any) -> None:
    engine = Engine(w.snap)
    for _ in range(10):
        f = draw_flow(data, w)
        if f is None:
            continue
        dport = data.draw(st.sampled_from(PORTS))
        sport = data.draw(st.sampled_from(CLIENT_PORTS))
        itype, icode = icmp_header(data, f.proto)
        ref = reference(w, f, dport, sport, itype, icode)
        if f.proto in ("tcp", "udp"):
            t = engine.trace(f.src, f.dst, f.proto, dport, src_port=sport)
        elif f.proto in ("icmp", "icmpv6"):
            t = engine.trace(f.src, f.dst, f.proto, icmp_type=itype, icmp_code=icode)
        else:
            t = engine.trace(f.src, f.dst, f.proto)
        expected = Verdict.ACCEPT if ref.forward and ref.response is not False else Verdict.REJECT
        why = (f, dport, sport, itype, icode, ref, t.diagnosis)
        assert t.forward.delivered == ref.forward, why
        assert t.verdict is expected, why
        event(f"per-packet {f.proto}: {t.verdict.value}")
        if t.blocked_by is not None:
            event(f"per-packet blocker: {t.blocked_by.stage} {t.blocked_by.code}")


def _boundaries(w: World, t: Trace) -> set[int]:
    """Every port where the answer can change: ±1 around each edge of every range involved."""
    edges = {t.client_ports.lo, t.client_ports.hi}
    for lo, hi in t.return_ports:
        edges |= {lo, hi}
    for acl in w.snap.network_acls.values():
        for e in acl.ingress + acl.egress:
            if e.ports is not None:
                edges |= {e.ports.lo, e.ports.hi}
    out = {p + d for p in edges for d in (-1, 0, 1)}
    return {p for p in out if t.client_ports.lo <= p <= t.client_ports.hi}


@_settings(400)
@given(worlds(), st.data())
def test_return_ports_match_reference(w: World, data: Any) -> None:
    engine = Engine(w.snap)
    for _ in range(10):
        f = draw_flow(data, w)
        if f is None or f.proto not in ("tcp", "udp"):
            continue
        dport = data.draw(st.sampled_from(PORTS))
        client = data.draw(st.sampled_from(["linux", "windows", "1024-65535", "0-65535", "32768-61000"]))
        t = engine.trace(f.src, f.dst, f.proto, dport, client_ports=client)
        for port in sorted(_boundaries(w, t)):
            ref = reference(w, f, dport, port, None, None)
            why = (f, dport, client, port, ref, str(t.return_ports), t.diagnosis)
            assert t.forward.delivered == ref.forward, why
            assert (port in t.return_ports) == (ref.forward and bool(ref.response)), why
        event(f"port set: {t.verdict.value}")
        if not t.forward.delivered or not t.return_ports:
            assert t.verdict is Verdict.REJECT
        elif (t.client_ports.lo, t.client_ports.hi) == t.return_ports.spans[0]:
            assert t.verdict is Verdict.ACCEPT
        else:
            assert t.verdict is Verdict.PARTIAL
