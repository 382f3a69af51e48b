"""Hypothesis: on random snapshots and packets the engine agrees with the naive reference (tests/naive.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import AclSpec, SgSpec, SnapBuilder
from naive import Packet, eni_to_eni, eni_to_internet, internet_to_eni
from vpcflow.engine import Engine, Verdict
from vpcflow.model import Snapshot

PORTS = [
    0,
    1,
    21,
    22,
    23,
    79,
    80,
    443,
    1023,
    1024,
    3389,
    5432,
    32767,
    32768,
    49151,
    49152,
    60999,
    61000,
    65535,
]
CIDRS_V4 = [
    "0.0.0.0/0",
    "0.0.0.0/1",
    "128.0.0.0/1",
    "10.0.0.0/16",
    "10.0.1.0/24",
    "10.0.2.0/25",
    "10.0.0.0/24",
    "203.0.113.0/24",
    "198.51.100.7/32",
]
CIDRS_V6 = ["::/0", "2001:db8::/56", "2001:db8:0:1::/64"]
PROTOS = ["tcp", "udp", "icmp", "-1"]


def _range(draw: Any) -> str | None:
    a, b = sorted((draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS))))
    return None if draw(st.integers(0, 5)) == 0 else f"{a}-{b}"


@st.composite
def snapshots(draw: Any) -> tuple[Snapshot, list[str]]:
    b = SnapBuilder().vpc("vpc-1", "10.0.0.0/16", v6="2001:db8::/56")
    n_sub = draw(st.integers(2, 4))
    subnets = [f"subnet-{i}" for i in range(n_sub)]
    for i, sid in enumerate(subnets):
        b.subnet(sid, "vpc-1", f"10.0.{i}.0/24", v6=f"2001:db8:0:{i}::/64")
    n_sg = draw(st.integers(1, 4))
    groups = [f"sg-{i}" for i in range(n_sg)]

    def sg_specs(max_n: int) -> list[SgSpec]:
        specs: list[SgSpec] = []
        for _ in range(draw(st.integers(0, max_n))):
            proto = draw(st.sampled_from(PROTOS))
            peer = draw(st.sampled_from(CIDRS_V4 + CIDRS_V6 + groups))
            ports = (
                _range(draw)
                if proto in ("tcp", "udp")
                else ("8" if proto == "icmp" and draw(st.booleans()) else None)
            )
            specs.append((proto, ports, peer))
        return specs

    for gid in groups:
        ingress, egress = sg_specs(4), sg_specs(3)
        # bias towards traffic that gets through, so the return path is exercised often
        if draw(st.integers(0, 2)) > 0:
            ingress.append(("-1", None, draw(st.sampled_from(["10.0.0.0/16", "0.0.0.0/0", "2001:db8::/56"]))))
        if draw(st.integers(0, 2)) > 0:
            egress.append(("-1", None, draw(st.sampled_from(["0.0.0.0/0", "::/0", "10.0.0.0/16"]))))
        b.sg(gid, "vpc-1", ingress, egress)

    def acl_specs() -> list[AclSpec]:
        specs: list[AclSpec] = []
        used: set[int] = set()
        for _ in range(draw(st.integers(0, 5))):
            num = draw(st.integers(1, 300).filter(lambda x: x not in used))
            used.add(num)
            proto = draw(st.sampled_from(PROTOS))
            specs.append(
                (
                    num,
                    proto,
                    _range(draw) if proto in ("tcp", "udp") else None,
                    draw(st.sampled_from(CIDRS_V4 + CIDRS_V6)),
                    draw(st.sampled_from(["allow", "allow", "deny"])),
                )
            )
        if draw(st.integers(0, 3)) > 0:
            num = draw(st.integers(1, 300).filter(lambda x: x not in used))
            wide = draw(st.sampled_from(["0.0.0.0/0", "10.0.0.0/16", "::/0"]))
            specs.append((num, draw(st.sampled_from(["-1", "tcp"])), None, wide, "allow"))
        return specs

    shared = draw(st.booleans())
    if shared:
        b.nacl("acl-0", "vpc-1", subnets, acl_specs(), acl_specs(), default=True, v6=True)
    else:
        for i, sid in enumerate(subnets):
            b.nacl(f"acl-{i}", "vpc-1", [sid], acl_specs(), acl_specs(), default=i == 0, v6=True)
    enis = []
    for i in range(draw(st.integers(2, 6))):
        sub = draw(st.integers(0, n_sub - 1))
        gs = draw(st.lists(st.sampled_from(groups), min_size=1, max_size=2, unique=True))
        public = f"198.18.0.{i + 1}" if draw(st.booleans()) else None
        b.eni(
            f"eni-{i}",
            subnets[sub],
            f"10.0.{sub}.{10 + i}",
            gs,
            public=public,
            v6=f"2001:db8:0:{sub}::{10 + i:x}",
        )
        enis.append(f"eni-{i}")
    b.igw("igw-1", "vpc-1")
    default_route = [("0.0.0.0/0", "igw-1")] if draw(st.booleans()) else []
    b.rtb("rtb-main", "vpc-1", [], default_route, main=True)
    if draw(st.booleans()):
        b.rtb("rtb-pub", "vpc-1", [subnets[0]], [("0.0.0.0/0", "igw-1")])
    return b.build(), enis


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(snapshots(), st.data())
def test_engine_matches_reference(snap_enis: tuple[Snapshot, list[str]], data: Any) -> None:
    snap, enis = snap_enis
    engine = Engine(snap)
    for _ in range(8):
        kind = data.draw(st.sampled_from(["eni", "eni6", "in", "out"]))
        proto = data.draw(st.sampled_from(["tcp", "udp", "icmp"]))
        pnum = {"tcp": 6, "udp": 17, "icmp": 1}[proto]
        dport = data.draw(st.sampled_from(PORTS)) if pnum != 1 else 0
        sport = data.draw(st.sampled_from([1024, 32767, 32768, 49151, 49152, 60999, 61000, 65535]))
        if pnum == 1:
            sport = 0
        port_arg = dport if pnum != 1 else None
        sport_arg = sport if pnum != 1 else None
        a = snap.interfaces[data.draw(st.sampled_from(enis))]
        b = snap.interfaces[data.draw(st.sampled_from([e for e in enis if e != a.eni_id]))]
        itype = 8 if pnum == 1 else -1
        if kind in ("eni", "eni6"):
            v6 = kind == "eni6"
            if v6 and pnum == 1:
                continue  # ICMP over IPv6 is icmpv6: covered by the documented tests
            sa = a.ipv6_addresses[0] if v6 else a.private_ips[0]
            da = b.ipv6_addresses[0] if v6 else b.private_ips[0]
            expected = eni_to_eni(snap, a, b, Packet(str(sa), str(da), pnum, sport, dport, itype))
            t = engine.trace(a.eni_id, str(da), proto, port_arg, src_port=sport_arg)
        elif kind == "in":
            pub = b.public_for(b.private_ips[0])
            if pub is None:
                continue
            client = data.draw(st.sampled_from(["203.0.113.9", "198.51.100.7", "192.0.2.1"]))
            expected = internet_to_eni(snap, b, Packet(client, str(pub), pnum, sport, dport, itype))
            t = engine.trace(client, str(pub), proto, port_arg, src_port=sport_arg)
        else:
            host = data.draw(st.sampled_from(["203.0.113.9", "198.51.100.7", "192.0.2.1"]))
            expected = eni_to_internet(
                snap, a, Packet(str(a.private_ips[0]), host, pnum, sport, dport, itype)
            )
            t = engine.trace(a.eni_id, host, proto, port_arg, src_port=sport_arg)
        got = (t.forward.delivered, t.verdict is Verdict.ACCEPT)
        assert got == expected, (kind, proto, dport, sport, a.eni_id, b.eni_id, t.diagnosis)
