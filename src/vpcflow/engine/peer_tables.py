"""Security groups and network ACLs compiled into tables over remote interfaces.

One compiler for the two vectorised answers: batch verdicts (``engine.verdicts``) and the all-pairs
group matrix (``reach.matrix``). A table's row is a remote interface (by its primary IPv4 address); its
columns are classes of (protocol, port or ICMP type) that the caller defines, given as one mask per rule
(a boolean array for batch verdicts, uint64 bit words for the matrix: the table algebra is the same
``|``, ``&``, ``~`` on either). What a rule covers of the address dimension is decided here, with the
concrete engine's own peer resolution (``CompiledRules.peer_space``: CIDRs, prefix lists, referenced
groups); a security group admits the union of its rules, a network ACL the first entry by rule number
that matches. ``rule_port_bounds`` and ``filter_cidrs`` give the edges of the port and address
dimensions that every filter compares alike (classes, cells).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from vpcflow.engine.rules import CompiledRules
from vpcflow.model import (
    Cidr,
    CidrPeer,
    Direction,
    NetworkAclEntry,
    PrefixListPeer,
    RuleAction,
    SecurityGroupRule,
    Snapshot,
)

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
# a table (rows = remote interfaces) and a rule's mask over its columns: bool or uint64 words
Table = TypeVar("Table", npt.NDArray[np.bool_], npt.NDArray[np.uint64])


def rule_port_bounds(snapshot: Snapshot) -> set[int]:
    """Every boundary of every rule's port range (``lo`` and ``hi + 1``), with 0 and 65536: the port
    classes between consecutive bounds are answered alike by every filter of the snapshot."""
    bounds = {0, 65536}
    for g in snapshot.security_groups.values():
        for rule in g.ingress + g.egress:
            if rule.ports is not None:
                bounds.update((rule.ports.lo, rule.ports.hi + 1))
    for acl in snapshot.network_acls.values():
        for entry in acl.ingress + acl.egress:
            if entry.ports is not None:
                bounds.update((entry.ports.lo, entry.ports.hi + 1))
    return bounds


def filter_cidrs(snapshot: Snapshot) -> list[Cidr]:
    """Every CIDR a security-group rule (its CIDR or prefix list), a NACL entry or a route compares an
    address against: their edges split the address space into cells every such comparison treats alike
    (the address analogue of ``rule_port_bounds``)."""
    cidrs: list[Cidr] = []
    for g in snapshot.security_groups.values():
        for r in g.ingress + g.egress:
            if isinstance(r.peer, CidrPeer):
                cidrs.append(r.peer.cidr)
            elif isinstance(r.peer, PrefixListPeer):
                cidrs.extend(snapshot.prefix_list_cidrs(r.peer.prefix_list_id) or ())
    for acl in snapshot.network_acls.values():
        cidrs.extend(e.cidr for e in acl.ingress + acl.egress)
    for rtb in snapshot.route_tables.values():
        cidrs.extend(r.destination for r in rtb.routes if r.destination is not None)
    return cidrs


class RemoteRows:
    """Which rows (remote interfaces, by primary IPv4 address) a rule's remote side covers."""

    def __init__(self, addrs: IntArray, rules: CompiledRules) -> None:
        self.addr = addrs
        self.rules = rules

    def within(self, spans: list[tuple[int, int]]) -> BoolArray:
        """Rows whose address is in one of the sorted, disjoint ``spans`` (IPv4 values)."""
        spans = [(lo, min(hi, (1 << 32) - 1)) for lo, hi in spans if lo < (1 << 32)]
        if not spans:
            return np.zeros(len(self.addr), dtype=np.bool_)
        starts = np.array([lo for lo, _ in spans], dtype=np.int64)
        ends = np.array([hi for _, hi in spans], dtype=np.int64)
        i = np.searchsorted(starts, self.addr, side="right") - 1
        return np.asarray((i >= 0) & (self.addr <= ends[np.maximum(i, 0)]))

    def of_sg_rule(self, rule: SecurityGroupRule) -> BoolArray:
        """Rows a security group rule's peer (CIDR, prefix list, referenced group) covers."""
        return self.within(list(self.rules.peer_space(rule).v4.spans))

    def of_nacl_entry(self, entry: NetworkAclEntry) -> BoolArray | None:
        """Rows a NACL entry's CIDR covers; ``None`` for an IPv6 entry (the tables are IPv4)."""
        if entry.cidr.version != 4:
            return None
        return np.asarray((self.addr >= entry.cidr.lo) & (self.addr <= entry.cidr.hi))


def mark_security_groups(
    snapshot: Snapshot,
    rows: RemoteRows,
    mask: Callable[[SecurityGroupRule], Table | None],
    mark: Callable[[str, Direction, BoolArray, Table], None],
) -> None:
    """For every rule of every group: ``mark(group id, direction, rows, mask)`` — the caller ORs the
    rule's class mask into its table at those rows (a group admits the union of its rules). A rule
    whose ``mask`` is ``None`` or whose peer covers no row is skipped (it admits nothing here)."""
    for gid in sorted(snapshot.security_groups):
        g = snapshot.security_groups[gid]
        for direction, rules in ((Direction.EGRESS, g.egress), (Direction.INGRESS, g.ingress)):
            for rule in rules:
                m = mask(rule)
                if m is None:
                    continue
                hit = rows.of_sg_rule(rule)
                if hit.any():
                    mark(gid, direction, hit, m)


def first_match(
    entries: tuple[NetworkAclEntry, ...],
    rows: RemoteRows,
    mask: Callable[[NetworkAclEntry], Table],
    empty: Table,
) -> Table:
    """A network ACL direction as a table shaped like ``empty`` (all zero): at each row and column, the
    action of the first entry (``entries`` in rule-number order) that matches — allowed or not."""
    allowed = empty.copy()
    decided = empty.copy()
    column = (-1,) + (1,) * (empty.ndim - 1)  # a row mask, broadcast over the columns
    for e in entries:
        hit = rows.of_nacl_entry(e)
        if hit is None or not hit.any():
            continue
        cells = np.where(hit.reshape(column), mask(e), empty.dtype.type(0))
        if e.action is RuleAction.ALLOW:
            allowed |= cells & ~decided
        decided |= cells
    return allowed
