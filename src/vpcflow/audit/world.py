"""Which ports a security group opens to the whole internet, and by which rules.

"The world" is every internet address of a family: a set of CIDR (and prefix-list) peers is
world-open when together they cover all of 0.0.0.0/0 (or ::/0) except the ranges no internet host can
send from (private, loopback, link-local, multicast, reserved — ``reach.endpoints.NOT_INTERNET``). So
``0.0.0.0/0``, ``0000::/0`` (parsed, it is ``::/0``), ``0.0.0.0/1`` + ``128.0.0.0/1`` and "every public
range" all count, whatever the rules' spelling; a group reference never does (it matches members'
private addresses only).

The (protocol, port) plane of TCP and UDP is cut into *slices* at every rule's port boundary; on a
slice, the same rules apply, so the addresses admitted are one set. Protocol -1 and port-less rules
cover every slice of both protocols.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.rules import CompiledRules, rule_ports
from vpcflow.model import (
    ALL_PROTOCOLS,
    TCP,
    UDP,
    CidrPeer,
    PrefixListPeer,
    SecurityGroup,
    SecurityGroupRule,
)
from vpcflow.reach.endpoints import NOT_INTERNET

FAMILY_SPAN = {4: (0, (1 << 32) - 1), 6: (0, (1 << 128) - 1)}


def _not_internet(version: int) -> IntervalSet:
    return IntervalSet.from_spans((c.lo, c.hi) for c in NOT_INTERNET if c.version == version)


INTERNET = {v: IntervalSet.of(FAMILY_SPAN[v]) - _not_internet(v) for v in (4, 6)}


@dataclass(frozen=True, slots=True)
class Slice:
    """On ``protocol`` (TCP or UDP) and ports ``ports``: the internet addresses admitted from the
    family's CIDR-like peers, and the rules that admit them (any order)."""

    version: int
    protocol: int
    ports: IntervalSet
    admitted: IntervalSet  # internet addresses of the family admitted (by CIDR/prefix-list peers)
    rules: tuple[SecurityGroupRule, ...]

    @property
    def world_open(self) -> bool:
        return INTERNET[self.version] <= self.admitted

    def gap(self) -> IntervalSet:
        return INTERNET[self.version] - self.admitted


def peer_addresses(rules: CompiledRules, rule: SecurityGroupRule, version: int) -> IntervalSet:
    """Addresses of ``version`` a CIDR or prefix-list peer matches (a group peer: none)."""
    if not isinstance(rule.peer, CidrPeer | PrefixListPeer):
        return IntervalSet()
    space = rules.peer_space(rule)
    return space.v4 if version == 4 else space.v6


def covers_world(rules: CompiledRules, rule: SecurityGroupRule, version: int) -> bool:
    return INTERNET[version] <= peer_addresses(rules, rule, version)


def ingress_slices(rules: CompiledRules, group: SecurityGroup, version: int) -> list[Slice]:
    """The TCP and UDP slices of ``group``'s inbound rules that admit some internet address."""
    out: list[Slice] = []
    cand: list[tuple[SecurityGroupRule, IntervalSet]] = []
    for r in group.ingress:
        addrs = peer_addresses(rules, r, version) & INTERNET[version]
        if addrs:
            cand.append((r, addrs))
    if not cand:
        return out
    for proto in (TCP, UDP):
        mine = [(r, a) for r, a in cand if r.protocol in (ALL_PROTOCOLS, proto)]
        if not mine:
            continue
        cuts = {0, 65536}
        for r, _a in mine:
            ports = rule_ports(r.protocol, r.ports)
            for lo, hi in ports:
                cuts.update((lo, hi + 1))
        edges = sorted(cuts)
        pieces: dict[tuple[int, ...], list[tuple[int, int]]] = {}
        members: dict[tuple[int, ...], tuple[SecurityGroupRule, ...]] = {}
        for lo, nxt in pairwise(edges):
            hit = tuple(i for i, (r, _a) in enumerate(mine) if lo in rule_ports(r.protocol, r.ports))
            if hit:
                pieces.setdefault(hit, []).append((lo, nxt - 1))
                members[hit] = tuple(mine[i][0] for i in hit)
        for hit, spans in pieces.items():
            admitted = IntervalSet()
            for i in hit:
                admitted = admitted | mine[i][1]
            out.append(Slice(version, proto, IntervalSet.from_spans(spans), admitted, members[hit]))
    return out


def minimal_cover(
    target: IntervalSet, parts: Iterable[tuple[SecurityGroupRule, IntervalSet]]
) -> list[SecurityGroupRule]:
    """A small subset of rules whose addresses still cover ``target`` (greedy removal, stable order)."""
    keep = [(r, a) for r, a in parts if a & target]
    i = 0
    while i < len(keep):
        rest = keep[:i] + keep[i + 1 :]
        union = IntervalSet()
        for _r, a in rest:
            union = union | a
        if rest and target <= union:
            keep = rest
        else:
            i += 1
    return [r for r, _a in keep]
