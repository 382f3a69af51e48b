"""Which interfaces the vectorised evaluators (batch verdicts, the all-pairs matrix) may answer for.

Those evaluators compile security groups and NACLs into tables and know nothing of what the walk does
when the snapshot lacks or contradicts something (UNKNOWN naming it) or when an interface is not a host
(a load balancer node, an endpoint, a transit gateway attachment: a component of its own). An interface
is *plain* when none of that can happen to a flow between it and another plain interface of a locally
routed VPC: it is a host, its VPC, subnet, route table, network ACL and every group it is attached to are
in the snapshot (or its VPC has no network ACL at all, and the walk assumes the default one), none of
its groups' rules names a prefix list without entries, and the snapshot does not contradict itself about
any of them. Everything else is left to the walk — never guessed.
"""

from __future__ import annotations

from collections.abc import Collection

from vpcflow.engine.components.interfaces import InterfaceKind, interface_kind
from vpcflow.model import Direction, NetworkInterface, PrefixListPeer, Snapshot

HOSTS = frozenset({InterfaceKind.HOST})


class Scope:
    """``plain(eni)`` for one snapshot (what is checked once per group and VPC is cached)."""

    def __init__(self, snapshot: Snapshot, kinds: Collection[InterfaceKind] = HOSTS) -> None:
        s = self.snapshot = snapshot
        self.kinds = frozenset(kinds)
        acl_vpcs = {a.vpc_id for a in s.network_acls.values()}
        self._assumed_acl = {v for v in s.vpcs if v not in acl_vpcs}
        # groups with a rule naming a prefix list the snapshot holds no entries for
        self._unresolved = {
            g.group_id
            for g in s.security_groups.values()
            for direction in (Direction.INGRESS, Direction.EGRESS)
            for rule in g.rules(direction)
            if isinstance(rule.peer, PrefixListPeer) and s.prefix_list_cidrs(rule.peer.prefix_list_id) is None
        }

    def plain(self, eni: NetworkInterface) -> bool:
        """``eni`` is of one of the kinds (hosts by default) and nothing about it is missing or
        contradicted."""
        s = self.snapshot
        if (
            interface_kind(eni) not in self.kinds
            or eni.vpc_id not in s.vpcs
            or eni.subnet_id not in s.subnets
        ):
            return False
        acl_id = s.acl_of_subnet.get(eni.subnet_id)
        rtb_id = s.route_table_of_subnet.get(eni.subnet_id)
        if rtb_id is None or rtb_id not in s.route_tables:
            return False
        if (acl_id is None or acl_id not in s.network_acls) and eni.vpc_id not in self._assumed_acl:
            return False
        for gid in eni.group_ids:
            if gid not in s.security_groups or gid in self._unresolved:
                return False
        return not (
            s.contradictions and s.contradiction(eni.eni_id, eni.subnet_id, acl_id, rtb_id, *eni.group_ids)
        )


def is_plain(snapshot: Snapshot, eni: NetworkInterface, kinds: Collection[InterfaceKind] = HOSTS) -> bool:
    """One interface (build a ``Scope`` to ask about many)."""
    return Scope(snapshot, kinds).plain(eni)


def assumes_default_acl(snapshot: Snapshot, vpc_id: str) -> bool:
    """The snapshot holds no network ACL of ``vpc_id`` at all: the walk assumes the default one (allow
    everything) at its subnets' boundaries, and says so (docs/semantics.md, "Network ACLs")."""
    return not any(a.vpc_id == vpc_id for a in snapshot.network_acls.values())


def plain_interfaces(snapshot: Snapshot) -> frozenset[str]:
    """The ids of every plain interface of the snapshot."""
    scope = Scope(snapshot)
    return frozenset(e.eni_id for e in snapshot.interfaces.values() if scope.plain(e))
