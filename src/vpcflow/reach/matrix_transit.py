"""Paths between VPCs through transit gateways, for the all-pairs matrix: per ordered pair of subnets,
which NACLs a packet meets on the way (``engine.transit``'s semantics, the walker's order).

For a source subnet ``sa`` and a destination subnet ``sb`` of another VPC, a *profile* says whether the
transit gateway carries the packet and through which attachment subnets:

    sa's route → tgw → attachment subnet ``ax`` (AZ of sa) → tables (peering included) → VPC attachment of
    sb's VPC → exit subnet ``ey`` → its route table's local route → sb

so that the matrix applies, per (a in sa, b in sb): SG_out(a)[b] & NACL_out(sa)[b] & NACL_in(ax)[a] &
(ey == sb or NACL_out(ey)[b] & NACL_in(sb)[a]) & SG_in(b)[a] — the same NACL rules as
https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html, the same route choice as the walker.

Pairs the profile cannot summarise exactly are *unanswered*, declared, never guessed: a route boundary
inside the destination subnet, a path through anything but transit gateways to the local route, an
UNKNOWN decision, several interchangeable exit subnets that differ, security-group rules that reference
a group in another VPC (whether such references match depends on the path).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vpcflow.engine.addressing import subnet_choice, subnet_route
from vpcflow.engine.transit import TgwOutcome, transit_routing
from vpcflow.model import Address, AttachmentType, GroupPeer, RouteTarget, Snapshot, Subnet

NO_PATH = "no-path"
UNANSWERED = "unanswered"


@dataclass(frozen=True, slots=True)
class Profile:
    """A path from one subnet to another through transit gateways: the attachment subnet the packet
    enters the gateway by (its NACL inbound) and the one it leaves by (``None`` when that is the
    destination subnet itself: no NACL inside it)."""

    entry_subnet: str
    exit_subnet: str | None


@dataclass
class TransitProfiles:
    snapshot: Snapshot
    # (source VPC, its AZ, its route table, destination subnet) → Profile | NO_PATH | UNANSWERED: what a
    # source subnet meets depends on nothing else of it
    cache: dict[tuple[str, str | None, str | None, str], Profile | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.snapshot
        vpc_of_group = {g.group_id: g.vpc_id for g in s.security_groups.values()}
        # a rule referencing a group of another VPC: whether it matches depends on the path taken
        self.cross_vpc_references = any(
            isinstance(r.peer, GroupPeer) and vpc_of_group.get(r.peer.group_id, g.vpc_id) != g.vpc_id
            for g in s.security_groups.values()
            for r in g.ingress + g.egress
        )
        bounds: list[tuple[int, int]] = []
        for rtb in s.route_tables.values():
            bounds.extend(
                (r.destination.lo, r.destination.hi)
                for r in rtb.routes
                if r.destination and r.destination.version == 4
            )
        for table in s.transit_gateway_route_tables.values():
            bounds.extend(
                (r.destination.lo, r.destination.hi)
                for r in table.routes
                if r.destination and r.destination.version == 4
            )
        for pl in s.prefix_lists.values():
            bounds.extend((c.lo, c.hi) for c in pl.cidrs if c.version == 4)
        self._bounds = bounds

    def _split(self, subnet: Subnet) -> bool:
        """A route more specific than the subnet covers part of it: decisions may differ inside it."""
        c = subnet.cidr_v4
        if c is None:
            return True
        return any(lo <= c.hi and hi >= c.lo and (lo > c.lo or hi < c.hi) for lo, hi in self._bounds)

    def profile(self, sa: Subnet, sb: Subnet, dst: Address) -> Profile | str:
        """The path from ``sa`` to ``dst`` (an address of ``sb``, in another VPC)."""
        key = (
            sa.vpc_id,
            sa.availability_zone,
            self.snapshot.route_table_of_subnet.get(sa.subnet_id),
            sb.subnet_id,
        )
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = self._profile(sa, sb, dst)
        return hit

    def _profile(self, sa: Subnet, sb: Subnet, dst: Address) -> Profile | str:
        s = self.snapshot
        if self.cross_vpc_references or self._split(sb):
            return UNANSWERED
        choice = subnet_choice(s, sa.subnet_id, sa.vpc_id, dst)
        if choice.uncertain:
            return UNANSWERED  # a tie, an unknown prefix list or no route table: UNKNOWN in the walk
        route = choice.route
        if route is None:
            return NO_PATH
        if route.blackhole:
            return NO_PATH
        if route.target is not RouteTarget.TRANSIT_GATEWAY:
            return UNANSWERED
        tr = transit_routing(s)
        entry = tr.entry(sa.vpc_id, route.target_id or "", sa)
        if entry.outcome is TgwOutcome.DROP:
            return NO_PATH
        if entry.outcome is TgwOutcome.UNKNOWN or entry.attachment is None:
            return UNANSWERED
        att = entry.attachment
        ax = tr.attachment_subnet(att, sa.availability_zone)
        if ax is None:
            return UNANSWERED
        if s.contradictions and s.contradiction(
            route.target_id, att.attachment_id, ax.subnet_id, s.acl_of_subnet.get(ax.subnet_id)
        ):
            return UNANSWERED  # the walk answers UNKNOWN
        if (s.network_acls.get(s.acl_of_subnet.get(ax.subnet_id, "")) is None) or dst.version != 4:
            return UNANSWERED
        ingress, az = att, ax.availability_zone
        for _hop in range(8):
            d = tr.route(ingress, dst)
            if d.outcome is TgwOutcome.DROP:
                return NO_PATH
            if d.outcome is TgwOutcome.UNKNOWN or d.attachment is None:
                return UNANSWERED
            egress = d.attachment
            if s.contradictions and s.contradiction(d.table_id, egress.attachment_id):
                return UNANSWERED
            if egress.resource_type.is_peering:
                other = tr.attachment(egress.resource_id or "", egress.attachment_id)
                if other is None or not other.available:
                    return UNANSWERED
                ingress, az = other, None
                continue
            if egress.resource_type is not AttachmentType.VPC or egress.vpc is None:
                return UNANSWERED
            if egress.vpc.vpc_id != sb.vpc_id or egress.key == ingress.key:
                return UNANSWERED
            exits = tr.exit_subnets(egress, az)
            if not exits:
                return UNANSWERED
            signatures = {
                (s.acl_of_subnet.get(e.subnet_id), s.route_table_of_subnet.get(e.subnet_id)) for e in exits
            }
            if len(signatures) > 1 and not any(e.subnet_id == sb.subnet_id for e in exits):
                return UNANSWERED
            if len(exits) > 1 and any(e.subnet_id == sb.subnet_id for e in exits):
                return UNANSWERED  # one candidate skips the NACLs, another does not
            ey = exits[0]
            if s.network_acls.get(s.acl_of_subnet.get(ey.subnet_id, "")) is None:
                return UNANSWERED
            ey_ids = (
                ey.subnet_id,
                s.acl_of_subnet.get(ey.subnet_id),
                s.route_table_of_subnet.get(ey.subnet_id),
            )
            if s.contradictions and s.contradiction(*ey_ids):
                return UNANSWERED
            r2 = subnet_route(s, ey.subnet_id, ey.vpc_id, dst)
            if r2 is None or r2.target is not RouteTarget.LOCAL:
                return UNANSWERED
            return Profile(ax.subnet_id, None if ey.subnet_id == sb.subnet_id else ey.subnet_id)
        return UNANSWERED
