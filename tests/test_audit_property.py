"""Property: which controls a group fails equals a naive reference written with ``ipaddress`` alone —
each rule matched on its own, CIDRs united by address arithmetic, "world" = every internet address."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from audit_net import network, pairs, perm, run, sg

CIDRS_V4 = [
    "0.0.0.0/0",
    "0.0.0.0/1",
    "128.0.0.0/1",
    "0.0.0.0/2",
    "64.0.0.0/2",
    "10.0.0.0/8",
    "203.0.113.0/24",
    "128.0.0.0/2",
    "192.0.0.0/2",
    "0.0.0.0/5",
    "8.0.0.0/7",
    "11.0.0.0/8",
    "12.0.0.0/6",
    "16.0.0.0/4",
    "32.0.0.0/3",
    "64.0.0.0/3",
    "96.0.0.0/3",
]
CIDRS_V6 = (
    (
        ":: /0 0000::/0 ::/1 8000::/1 2001:db8::/32 ::/8 100::/8 200::/7 400::/6 800::/5 1000::/4 2000::/3 "
        "4000::/2 fc00::/7"
    )
    .replace(":: /0", "::/0")
    .split()
)
# what no internet host can send from (reach.endpoints.NOT_INTERNET), spelt again here
NOT_INTERNET = [ipaddress.ip_network(c) for c in (
    "0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
    "224.0.0.0/3", "::/8", "fc00::/7", "fe80::/10", "ff00::/8")]  # fmt: skip
PORTS = [0, 20, 22, 23, 80, 443, 3000, 3389, 8080, 65535]


def _uncovered(target: list[ipaddress._BaseNetwork], nets: list[ipaddress._BaseNetwork]) -> bool:
    remaining = list(target)
    for n in nets:
        nxt = []
        for r in remaining:
            if r.version != n.version or not r.overlaps(n):
                nxt.append(r)
            elif r.subnet_of(n):  # type: ignore[arg-type]
                continue
            else:
                nxt.extend(r.address_exclude(n))  # type: ignore[arg-type]
        remaining = nxt
    return bool(remaining)


def _internet(version: int) -> list[ipaddress._BaseNetwork]:
    world = ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")
    out = [world]
    for n in NOT_INTERNET:
        if n.version != version:
            continue
        nxt = []
        for r in out:
            if r.overlaps(n):
                nxt.extend(x for x in r.address_exclude(n) if not x.subnet_of(n))  # type: ignore[arg-type]
            else:
                nxt.append(r)
        out = nxt
    return out


rule = st.tuples(
    st.sampled_from(["tcp", "udp", "-1", "icmp", "47"]),
    st.sampled_from(PORTS),
    st.sampled_from(PORTS),
    st.lists(st.sampled_from(CIDRS_V4), max_size=3),
    st.lists(st.sampled_from(CIDRS_V6), max_size=2),
)


def _opens(
    rules: list[tuple[str, int, int, list[str], list[str]]], version: int, proto: str, port: int
) -> bool:
    nets = []
    for p, a, b, v4, v6 in rules:
        lo, hi = min(a, b), max(a, b)
        if p not in (proto, "-1"):
            continue
        if p != "-1" and not lo <= port <= hi:
            continue
        nets.extend(ipaddress.ip_network(c) for c in (v4 if version == 4 else v6))
    return not _uncovered(_internet(version), nets)


@settings(max_examples=40, deadline=None)
@given(st.lists(rule, min_size=1, max_size=5))
def test_controls_equal_the_naive_reference(rules: list[tuple[str, int, int, list[str], list[str]]]) -> None:
    perms = []
    for p, a, b, v4, v6 in rules:
        lo, hi = min(a, b), max(a, b)
        if p in ("tcp", "udp"):
            perms.append(perm(p, lo, hi, cidrs=tuple(v4), v6=tuple(v6)))
        elif p == "icmp":
            perms.append(perm(p, -1, -1, cidrs=tuple(v4), v6=tuple(v6)))
        else:
            perms.append(perm(p, cidrs=tuple(v4), v6=tuple(v6)))
    got = {c for _r, c in pairs(run(network([sg("sg-x", perms)])), "EC2.13", "EC2.14", "EC2.53", "EC2.54")}

    def any_open(versions: tuple[int, ...], ports: tuple[int, ...]) -> bool:
        return any(_opens(rules, v, pr, pt) for v in versions for pr in ("tcp", "udp") for pt in ports)

    expected = set()
    if any_open((4, 6), (22,)):
        expected.add("EC2.13")
    if any_open((4, 6), (3389,)):
        expected.add("EC2.14")
    if any_open((4,), (22, 3389)):
        expected |= {"EC2.53", "CIS 5.2", "CIS v5.0 5.3"}
    if any_open((6,), (22, 3389)):
        expected |= {"EC2.54", "CIS 5.3", "CIS v5.0 5.4"}
    assert got == expected
