"""Security group controls: world exposure (EC2.13, EC2.14, EC2.18, EC2.19, EC2.53, EC2.54 / CIS 5.2,
5.3), the default group (EC2.2 / CIS 5.4) and unused groups (EC2.22).

Exposure checks work on the group's inbound rules as a whole (``world.ingress_slices``): a (protocol,
port) is open to the world when the CIDR and prefix-list peers admitting it cover every internet address
of a family — one rule (``0.0.0.0/0``, ``::/0``, ``0000::/0``, protocol -1, a range including the port) or
several together (``0.0.0.0/1`` + ``128.0.0.0/1``). Each finding names the rule that does it alone, or
the smallest set of rules that do it together, and says whether the internet actually gets there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from vpcflow.audit.context import AuditContext
from vpcflow.audit.findings import Finding
from vpcflow.audit.world import INTERNET, covers_world, ingress_slices, minimal_cover, peer_addresses
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import rule_json
from vpcflow.model import TCP, UDP, SecurityGroup, SecurityGroupRule, protocol_name

ALL = IntervalSet.of((0, 65535))


@dataclass(frozen=True, slots=True)
class PortCheck:
    check_id: str
    versions: tuple[int, ...]
    ports: dict[int, IntervalSet]  # protocol → ports the check is about


def port_checks(ctx: AuditContext) -> list[PortCheck]:
    c = ctx.config
    both = {TCP: c.high_risk_ports, UDP: c.high_risk_ports}
    out = [
        PortCheck("EC2.13", (4, 6), {TCP: IntervalSet.single(22), UDP: IntervalSet.single(22)}),
        PortCheck("EC2.14", (4, 6), {TCP: IntervalSet.single(3389), UDP: IntervalSet.single(3389)}),
        PortCheck("EC2.18", (4, 6), {TCP: ALL - c.authorized_tcp, UDP: ALL - c.authorized_udp}),
        PortCheck("EC2.19", (4, 6), both),
        PortCheck("EC2.53", (4,), {TCP: c.admin_ports, UDP: c.admin_ports}),
        PortCheck("EC2.54", (6,), {TCP: c.admin_ports, UDP: c.admin_ports}),
    ]
    return [pc for pc in out if c.enabled(pc.check_id)]


@dataclass
class _Hit:
    version: int
    rules: tuple[SecurityGroupRule, ...]
    ports: dict[int, IntervalSet] = field(default_factory=dict)

    def add(self, proto: int, ports: IntervalSet) -> None:
        self.ports[proto] = self.ports.get(proto, IntervalSet()) | ports


def world_findings(ctx: AuditContext) -> Iterator[Finding]:
    checks = port_checks(ctx)
    if not checks:
        return
    for gid in sorted(ctx.snapshot.security_groups):
        group = ctx.snapshot.security_groups[gid]
        hits: dict[tuple[str, tuple[SecurityGroupRule, ...]], _Hit] = {}
        for version in (4, 6):
            for sl in ingress_slices(ctx.rules, group, version):
                if not sl.world_open:
                    continue
                singles = tuple(r for r in sl.rules if covers_world(ctx.rules, r, version))
                keys: list[tuple[SecurityGroupRule, ...]]
                if singles:
                    keys = [(r,) for r in singles]
                else:
                    parts = [(r, peer_addresses(ctx.rules, r, version) & INTERNET[version]) for r in sl.rules]
                    keys = [tuple(minimal_cover(INTERNET[version], parts))]
                for pc in checks:
                    if version not in pc.versions:
                        continue
                    bad = sl.ports & pc.ports.get(sl.protocol, IntervalSet())
                    if not bad:
                        continue
                    for key in keys:
                        hit = hits.setdefault((pc.check_id, key), _Hit(version, key))
                        hit.add(sl.protocol, bad)
        order = {pc.check_id: i for i, pc in enumerate(checks)}
        for (check_id, _key), hit in sorted(
            hits.items(), key=lambda kv: (order[kv[0][0]], _rules_text(kv[0][1]))
        ):
            yield _finding(ctx, group, check_id, hit)


def _rules_text(rules: tuple[SecurityGroupRule, ...]) -> str:
    return " + ".join(f"{r.match_text} from {r.peer}" for r in rules)


def ports_text(ports: dict[int, IntervalSet]) -> str:
    return ", ".join(f"{protocol_name(p)} {_short(ports[p])}" for p in sorted(ports))


def _short(ports: IntervalSet, limit: int = 8) -> str:
    spans = ports.spans
    shown = ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in spans[:limit])
    return shown + (f", … ({len(spans) - limit} more ranges)" if len(spans) > limit else "")


def _finding(ctx: AuditContext, group: SecurityGroup, check_id: str, hit: _Hit) -> Finding:
    world = "0.0.0.0/0" if hit.version == 4 else "::/0"
    if len(hit.rules) == 1:
        r = hit.rules[0]
        how = f"inbound rule {r.match_text} from {r.peer}"
        if str(r.peer) != world:
            how += f" (all of {world})" if covers_world(ctx.rules, r, hit.version) else ""
        how += " admits"
    else:
        how = f"inbound rules {_rules_text(hit.rules)} together (covering {world}) admit"
    path = ctx.paths.group(group.group_id, hit.version, hit.ports)
    message = f"{how} {ports_text(hit.ports)} from the whole IPv{hit.version} internet"
    return ctx.finding(
        check_id,
        ctx.resource(group.group_id),
        message,
        rules=hit.rules,
        path=path,
        detail={
            "ip_version": hit.version,
            "ports": {protocol_name(p): str(v) for p, v in sorted(hit.ports.items())},
        },
    )


# -- EC2.2 / CIS 5.4: the default group restricts all traffic --------------------------------------


def is_default_group(group: SecurityGroup) -> bool:
    # "default" is reserved: only a VPC's default group can carry that name
    # https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
    return group.name == "default"


def default_group_findings(ctx: AuditContext) -> Iterator[Finding]:
    if not ctx.config.enabled("EC2.2"):
        return
    for gid in sorted(ctx.snapshot.security_groups):
        g = ctx.snapshot.security_groups[gid]
        if not is_default_group(g) or not (g.ingress or g.egress):
            continue
        used = bool(ctx.paths.enis_of_group.get(gid) or ctx.paths.users_of_group.get(gid))
        message = (
            f"the default security group of {g.vpc_id or 'its VPC'} has {len(g.ingress)} inbound and "
            f"{len(g.egress)} outbound rule(s)" + ("" if used else "; it is attached to nothing")
        )
        yield ctx.finding(
            "EC2.2",
            ctx.resource(gid),
            message,
            key="default-group-rules",
            locations=tuple(loc for loc in (ctx.where.location(gid),) if loc is not None),
            detail={
                "vpc_id": g.vpc_id,
                "in_use": used,
                "rules": [rule_json(r) for r in g.ingress + g.egress],
            },
        )


# -- EC2.22: unused groups -------------------------------------------------------------------------


def unused_group_findings(ctx: AuditContext) -> Iterator[Finding]:
    if not ctx.config.enabled("EC2.22"):
        return
    referenced: dict[str, list[str]] = {}
    for g in ctx.snapshot.security_groups.values():
        for r in g.ingress + g.egress:
            pid = getattr(r.peer, "group_id", None)
            if pid and pid != g.group_id:
                referenced.setdefault(pid, []).append(g.group_id)
    for gid in sorted(ctx.snapshot.security_groups):
        g = ctx.snapshot.security_groups[gid]
        if is_default_group(g):
            continue  # the rule checks non-default groups (ec2-security-group-attached-to-eni-periodic)
        if ctx.paths.enis_of_group.get(gid) or ctx.paths.users_of_group.get(gid):
            continue
        if gid in ctx.paths.undeclared_groups:
            continue  # declared elsewhere: its attachments are not known (run.py lists it as not evaluated)
        refs = sorted(set(referenced.get(gid, ())))
        note = f"; rules of {', '.join(refs)} reference it" if refs else ""
        resource = ctx.resource(gid)
        yield ctx.finding(
            "EC2.22",
            resource,
            f"{resource.name} is attached to no network interface, instance or other resource{note}",
            key="unused",
            locations=tuple(loc for loc in (ctx.where.location(gid),) if loc is not None),
            detail={"referenced_by": refs},
        )
