"""What the walk memoises for one Engine (``CompiledRules.memo``): answers that do not depend on the
flow as a whole, computed once and reused by every later trace.

Every entry is keyed by exactly what its computation reads, holds immutable values only, and each table is
bounded (cleared past ``LIMIT``: flow-log attribution sees many addresses). Nothing is keyed by the whole
flow: a repeated query still walks every hop.

An answer is kept the second time its key is met (``admit``): keys are tuples of strings and numbers,
which the cycle collector stops tracking, while a kept answer (a rule match, a hop) is tracked. Keeping
every answer of a stream of distinct flows made the collector walk the whole snapshot again and again
(traces of unseen flows ran 20-30 % slower); answers met twice are the ones worth keeping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from vpcflow.engine.components.interfaces import InterfaceKind
    from vpcflow.engine.elb import LbIssue, LbSelection, TargetChoice
    from vpcflow.engine.result import Hop
    from vpcflow.engine.rules import FilterResult
    from vpcflow.engine.waf import WafDecision
    from vpcflow.model import Address

LIMIT = 65_536  # entries per table: a few tens of MB at most
K = TypeVar("K")
V = TypeVar("V")


class WalkMemo:
    def __init__(self) -> None:
        # a security group's or network ACL's decision and the hop it gives: (filter, direction, remote
        # address, protocol, port set, ICMP header, connection label[, group references, sender groups])
        self.filters: dict[tuple[object, ...], tuple[FilterResult, Hop | None]] = {}
        self.interface_kinds: dict[str, InterfaceKind] = {}  # ENI id → ``interface_kind``
        # (load balancer, node, protocol, listener port, every target) → the listener's selection, the ways
        # the node sends a connection (label, target, issue or answer) and the targets' addresses (a client
        # holding one of them is not served from here: that target stands alone)
        self.lb_ways: dict[
            tuple[str, str, int, int, bool],
            tuple[LbSelection, tuple[tuple[str, TargetChoice | LbIssue | str], ...], frozenset[Address]],
        ] = {}
        # (web ACL, client address version and value) → its decision
        self.waf: dict[tuple[str, int, int], WafDecision] = {}
        self.seen: set[tuple[object, ...]] = set()  # keys computed once (``admit``)

    def admit(self, key: tuple[object, ...]) -> bool:
        """Whether to keep the answer just computed for ``key``: yes if it was computed before."""
        seen = self.seen
        if key in seen:
            return True
        if len(seen) > LIMIT:
            seen.clear()
        seen.add(key)
        return False


def put(table: dict[K, V], key: K, value: V) -> V:
    """Store ``value`` (clearing a full table first) and return it."""
    if len(table) > LIMIT:
        table.clear()
    table[key] = value
    return value
