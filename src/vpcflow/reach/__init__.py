"""Exhaustive reachability: header spaces, ``reach``, policies, snapshot diffs and rule analysis.

headerspace  sets of packets (unions of boxes) with ``| & - <= in``, witnesses, rendering
endpoints    endpoint references → ENI sets and outside-address cells
classes      protocol / ICMP equivalence classes of a snapshot
walk         the concrete engine's packet walk over port sets (one source of truth)
query        ``Reachability.reach`` → ``ReachResult``
policy       declarative intent (YAML) checked against a snapshot
diff         what became reachable or unreachable between two snapshots
analysis     shadowed NACL entries, redundant SG rules, return-path gaps
matrix       all-pairs group-to-group matrix, vectorised
"""

from vpcflow.reach.endpoints import Endpoints, EndpointSet, Member
from vpcflow.reach.headerspace import Flow, HeaderSpace
from vpcflow.reach.query import (
    Blocked,
    Reachability,
    ReachResult,
    parse_ports,
    parse_protocols,
    reach,
)

__all__ = [
    "Blocked",
    "EndpointSet",
    "Endpoints",
    "Flow",
    "HeaderSpace",
    "Member",
    "ReachResult",
    "Reachability",
    "parse_ports",
    "parse_protocols",
    "reach",
]
