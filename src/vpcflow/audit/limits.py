"""Quota checks (aws-semantics §1.7, §2.8) and references that are stale or do not resolve.

Rules per security group: inbound and outbound separately, IPv4 and IPv6 separately; a CIDR counts 1;
a rule referencing a group counts 1 for IPv4 and 1 for IPv6; a prefix list counts its max entries (its
entries when the maximum is unknown), for both families.
https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
NACL entries per direction: IPv4 and IPv6 separately, the default ``*`` entry included.
"""

from __future__ import annotations

from collections.abc import Iterator

from vpcflow.audit.context import AuditContext
from vpcflow.audit.findings import Finding, Location
from vpcflow.model import CidrPeer, Direction, GroupPeer, PrefixListPeer, SecurityGroup, SecurityGroupRule

STALE_PEERING = frozenset({"deleted", "deleting", "failed", "rejected", "expired"})


def _weight(ctx: AuditContext, rule: SecurityGroupRule, version: int) -> int:
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        return 1 if peer.cidr.version == version else 0
    if isinstance(peer, PrefixListPeer):
        pl = ctx.snapshot.prefix_lists.get(peer.prefix_list_id)
        if pl is None:
            return 1
        return pl.max_entries if pl.max_entries is not None else max(len(pl.cidrs), 1)
    return 1


def quota_findings(ctx: AuditContext) -> Iterator[Finding]:
    cfg = ctx.config
    s = ctx.snapshot
    if cfg.enabled("VPCFLOW-QUOTA-SG-RULES"):
        limit = cfg.rules_per_security_group
        for gid in sorted(s.security_groups):
            g = s.security_groups[gid]
            for direction in (Direction.INGRESS, Direction.EGRESS):
                for version in (4, 6):
                    n = sum(_weight(ctx, r, version) for r in g.rules(direction))
                    if n > limit:
                        way = "inbound" if direction is Direction.INGRESS else "outbound"
                        yield ctx.finding(
                            "VPCFLOW-QUOTA-SG-RULES",
                            ctx.resource(gid),
                            f"{n} {way} IPv{version} rules (quota {limit}): AWS refuses rules past the quota",
                            key=f"{way} IPv{version}",
                            locations=_loc(ctx, gid),
                            detail={"count": n, "quota": limit},
                        )
    if cfg.enabled("VPCFLOW-QUOTA-ENI-SGS"):
        limit = cfg.security_groups_per_interface
        for eni_id in sorted(s.interfaces):
            eni = s.interfaces[eni_id]
            if len(eni.group_ids) > limit:
                yield ctx.finding(
                    "VPCFLOW-QUOTA-ENI-SGS",
                    ctx.resource(eni_id),
                    f"{len(eni.group_ids)} security groups on {eni_id} (quota {limit})",
                    key="groups",
                    locations=_loc(ctx, eni.instance_id or eni_id),
                    detail={"count": len(eni.group_ids), "quota": limit, "groups": list(eni.group_ids)},
                )
    if cfg.enabled("VPCFLOW-QUOTA-NACL-ENTRIES"):
        limit = cfg.nacl_entries_per_direction
        for acl_id in sorted(s.network_acls):
            acl = s.network_acls[acl_id]
            for direction in (Direction.INGRESS, Direction.EGRESS):
                for version in (4, 6):
                    numbered = [
                        e for e in acl.entries(direction) if e.cidr.version == version and not e.is_default
                    ]
                    n = len(numbered) + 1  # the default `*` entry counts
                    if numbered and n > limit:
                        way = "inbound" if direction is Direction.INGRESS else "outbound"
                        yield ctx.finding(
                            "VPCFLOW-QUOTA-NACL-ENTRIES",
                            ctx.resource(acl_id),
                            f"{n} {way} IPv{version} entries including `*` (quota {limit})",
                            key=f"{way} IPv{version}",
                            locations=_loc(ctx, acl_id),
                            detail={"count": n, "quota": limit},
                        )


def _loc(ctx: AuditContext, rid: str) -> tuple[Location, ...]:
    loc = ctx.where.location(rid)
    return (loc,) if loc is not None else ()


def reference_findings(ctx: AuditContext) -> Iterator[Finding]:
    s = ctx.snapshot
    want_stale = ctx.config.enabled("VPCFLOW-SG-STALE-REFERENCE")
    want_unres = ctx.config.enabled("VPCFLOW-UNRESOLVED-REFERENCE")
    peered = {frozenset((p.requester_vpc_id, p.accepter_vpc_id)) for p in s.peerings.values() if p.active}
    for gid in sorted(s.security_groups):
        g = s.security_groups[gid]
        for r in g.ingress + g.egress:
            peer = r.peer
            if isinstance(peer, GroupPeer):
                target = s.security_groups.get(peer.group_id)
                stale = _stale(g, peer, target.vpc_id if target else None, peered)
                if stale and want_stale:
                    yield ctx.finding(
                        "VPCFLOW-SG-STALE-REFERENCE",
                        ctx.resource(gid),
                        f"{r.direction.value} {r.match_text} references {peer}: {stale}",
                        rules=(r,),
                    )
                elif target is None and want_unres and not stale:
                    yield ctx.finding(
                        "VPCFLOW-UNRESOLVED-REFERENCE",
                        ctx.resource(gid),
                        f"{r.direction.value} {r.match_text} references {peer}, which is not in the source: "
                        "what it admits cannot be judged (taken as matching nothing)",
                        rules=(r,),
                    )
            elif (
                isinstance(peer, PrefixListPeer)
                and want_unres
                and s.prefix_list_cidrs(peer.prefix_list_id) is None
            ):
                yield ctx.finding(
                    "VPCFLOW-UNRESOLVED-REFERENCE",
                    ctx.resource(gid),
                    f"{r.direction.value} {r.match_text} references prefix list {peer.prefix_list_id}, "
                    "whose entries are not in the source (taken as matching nothing)",
                    rules=(r,),
                )


def _stale(
    g: SecurityGroup, peer: GroupPeer, target_vpc: str | None, peered: set[frozenset[str]]
) -> str | None:
    if peer.peering_status and peer.peering_status.lower() in STALE_PEERING:
        return f"its peering connection is {peer.peering_status}"
    other = peer.vpc_id or target_vpc
    if g.vpc_id and other and other != g.vpc_id and frozenset((g.vpc_id, other)) not in peered:
        return f"{other} is neither {g.vpc_id} nor peered with it (AWS marks such a rule stale)"
    return None
