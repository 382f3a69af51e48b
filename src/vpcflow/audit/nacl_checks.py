"""Network ACL controls: world ingress to administration ports judged in rule order (EC2.21 / CIS 5.1)
and unused network ACLs (EC2.16).

EC2.21's text ("a NACL inbound entry allows a source CIDR block of 0.0.0.0/0 or ::/0 for TCP ports 22 or
3389"; the Config page adds UDP) says nothing about order. We judge entries as AWS applies them: first
match by rule number. For each port, the inbound ALLOW entries that *take effect* on it (decide some
packet: not fully shadowed by lower-numbered entries) are collected; the port is open to the world when
their CIDRs cover every internet address of the family — one ``0.0.0.0/0`` entry, or several together.
So an ALLOW behind a lower-numbered DENY of the same port from the world is no exposure (checkov#4518),
while an ALLOW behind a DENY of one small range still is (it allows the rest of the internet).
"""

from __future__ import annotations

from collections.abc import Iterator

from vpcflow.audit.context import AuditContext
from vpcflow.audit.findings import Finding
from vpcflow.audit.sg_checks import ports_text
from vpcflow.audit.world import INTERNET
from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import TCP, UDP, NetworkAcl, NetworkAclEntry, RuleAction, protocol_name

EC2_21_PORTS = (22, 3389)


def _cidr_set(entry: NetworkAclEntry) -> IntervalSet:
    return IntervalSet.of((entry.cidr.lo, entry.cidr.hi)) & INTERNET[entry.cidr.version]


def effective_allows(acl: NetworkAcl, version: int, proto: int, port: int) -> list[NetworkAclEntry]:
    """Inbound ALLOW entries of ``version`` that decide some internet source on (proto, port)."""
    decided = IntervalSet()
    out = []
    for e in acl.ingress:
        if e.cidr.version != version or not e.matches_protocol_and_ports(proto, port, -1, -1):
            continue
        addrs = _cidr_set(e)
        if e.action is RuleAction.ALLOW and addrs - decided:
            out.append(e)
        decided = decided | addrs
    return out


def _world_entries(entries: list[NetworkAclEntry], version: int) -> list[tuple[NetworkAclEntry, ...]]:
    """The entries that open the world: each world-wide one alone, else the smallest covering set."""
    world = INTERNET[version]
    singles = [e for e in entries if world <= _cidr_set(e)]
    if singles:
        return [(e,) for e in singles]
    union = IntervalSet()
    for e in entries:
        union = union | _cidr_set(e)
    if not world <= union:
        return []
    keep = list(entries)
    i = 0
    while i < len(keep):
        rest = keep[:i] + keep[i + 1 :]
        cover = IntervalSet()
        for e in rest:
            cover = cover | _cidr_set(e)
        if rest and world <= cover:
            keep = rest
        else:
            i += 1
    return [tuple(keep)]


def world_admin_findings(ctx: AuditContext) -> Iterator[Finding]:
    cfg = ctx.config
    want_ec2 = cfg.enabled("EC2.21")
    want_cis = cfg.enabled("CIS 5.1")
    if not (want_ec2 or want_cis):
        return
    admin = sorted({p for lo, hi in cfg.admin_ports for p in range(lo, hi + 1)}) if want_cis else []
    ports = sorted(set(EC2_21_PORTS if want_ec2 else ()) | set(admin))
    for acl_id in sorted(ctx.snapshot.network_acls):
        acl = ctx.snapshot.network_acls[acl_id]
        hits: dict[tuple[NetworkAclEntry, ...], tuple[int, set[str], dict[int, IntervalSet]]] = {}
        for version in (4, 6):
            for proto in (TCP, UDP):
                for port in ports:
                    for key in _world_entries(effective_allows(acl, version, proto, port), version):
                        fired: set[str] = set()
                        if want_ec2 and port in EC2_21_PORTS:
                            fired.add("EC2.21")
                        if want_cis and version == 4 and port in admin:
                            fired.update(("CIS 5.1", "CIS v5.0 5.2"))
                        if not fired:
                            continue
                        _v, ctl, got = hits.setdefault(key, (version, set(), {}))
                        ctl.update(fired)
                        got[proto] = got.get(proto, IntervalSet()) | IntervalSet.single(port)
        subnets = sorted(s for s, a in ctx.snapshot.acl_of_subnet.items() if a == acl_id)
        for key, (version, ctl, got) in sorted(hits.items(), key=lambda kv: [e.rule_number for e in kv[0]]):
            order = ("EC2.21", "CIS 5.1", "CIS v5.0 5.2")
            controls = tuple(c for c in order if c in ctl)
            path = ctx.paths.subnets(subnets, version, got)
            world = "0.0.0.0/0" if version == 4 else "::/0"
            which = " + ".join(f"{e.number_text}" for e in key)
            head = (
                f"inbound rule {which}"
                if len(key) == 1
                else f"inbound rules {which} together (covering {world})"
            )
            yield ctx.finding(
                "EC2.21",
                ctx.resource(acl_id),
                f"{head} ALLOW {ports_text(got)} from the whole IPv{version} internet, not shadowed by a "
                "lower-numbered entry",
                rules=key,
                controls=controls,
                path=path,
                detail={
                    "ip_version": version,
                    "ports": {protocol_name(p): str(v) for p, v in sorted(got.items())},
                    "subnets": subnets,
                },
            )


def unused_acl_findings(ctx: AuditContext) -> Iterator[Finding]:
    if not ctx.config.enabled("EC2.16"):
        return
    used = set(ctx.snapshot.acl_of_subnet.values())
    for acl_id in sorted(ctx.snapshot.network_acls):
        acl = ctx.snapshot.network_acls[acl_id]
        if acl_id in used or acl.is_default:
            continue  # Security Hub: no finding for an unused default network ACL (it cannot be deleted)
        resource = ctx.resource(acl_id)
        yield ctx.finding(
            "EC2.16",
            resource,
            f"{resource.name} is associated with no subnet",
            key="unused",
            locations=tuple(loc for loc in (ctx.where.location(acl_id),) if loc is not None),
        )
