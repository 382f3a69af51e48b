"""What no per-rule scanner sees: shadowed NACL entries, redundant SG rules, NACL return-path gaps per
client type, and denies attempted by omission in security groups (which cannot deny).

The first three come from ``vpcflow.reach.analysis`` (header-space analyses with the engines' rule
semantics). The deny-by-omission heuristic, exactly: on one protocol and port range, two or more inbound
CIDR (or prefix-list) rules of one group together admit all of a family's internet addresses but a gap,
and the gap is at most 1/256 of that internet (a /8's worth of IPv4). That shape — the world cut into
pieces around a hole — is how a deny is written in a filter that has no deny; the advice is the NACL (or
WAF) that can.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from vpcflow.audit.catalogue import Severity
from vpcflow.audit.context import AuditContext
from vpcflow.audit.findings import Finding
from vpcflow.audit.sg_checks import ports_text
from vpcflow.audit.world import ingress_slices
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import rule_json, rule_text
from vpcflow.model import EPHEMERAL_PRESETS, Direction, RuleAction, SecurityGroupRule, protocol_name
from vpcflow.reach.analysis import ReturnGap, redundant_sg_rules, return_path_gaps, shadowed_nacl_entries

# a gap of at most 1/256 of the family's address space: a /8 of IPv4, a /8 of IPv6
SMALL_GAP = {4: 1 << 24, 6: 1 << 120}

# -- shadowed NACL entries -------------------------------------------------------------------------


def shadowed_findings(ctx: AuditContext) -> Iterator[Finding]:
    if not ctx.config.enabled("VPCFLOW-NACL-SHADOWED"):
        return
    for sh in shadowed_nacl_entries(ctx.snapshot):
        e = sh.entry
        if sh.unmatchable:
            sev, what = Severity.LOW, "it matches no packet"
        elif sh.different_action and e.action is RuleAction.DENY:
            sev, what = (
                Severity.MEDIUM,
                "this DENY never takes effect: the traffic it names is allowed earlier",
            )
        elif sh.different_action:
            sev, what = Severity.LOW, "this ALLOW never takes effect: the traffic it names is denied earlier"
        else:
            sev, what = Severity.INFO, "it repeats what lower-numbered entries already decide"
        covering = "; ".join(f"rule {c.number_text} {c.action.value.upper()}" for c in sh.covering)
        by = f" (decided by {covering})" if covering else ""
        yield ctx.finding(
            "VPCFLOW-NACL-SHADOWED",
            ctx.resource(e.acl_id),
            f"{e.direction.value} rule {e.number_text} {e.match_text} {e.cidr} {e.action.value.upper()}: "
            f"{what}{by}",
            rules=(e,),
            severity=sev,
            detail={"covering": [rule_json(c) for c in sh.covering], "unmatchable": sh.unmatchable},
        )


# -- redundant SG rules ----------------------------------------------------------------------------


def redundant_findings(ctx: AuditContext) -> Iterator[Finding]:
    if not ctx.config.enabled("VPCFLOW-SG-REDUNDANT"):
        return
    for red in redundant_sg_rules(ctx.snapshot, ctx.rules):
        r = red.rule
        across = len(red.group_set) > 1
        if red.unmatchable:
            text = f"{_rule(r)} matches nothing: its peer resolves to no address"
        else:
            cov = "; ".join(f"{c.group_id} {_rule(c)}" for c in red.covering)
            where = f" on interfaces carrying {', '.join(red.group_set)}" if across else ""
            text = f"{_rule(r)} is covered{where} by {cov}"
        if red.depends_on_membership:
            text += " (with today's group membership)"
        yield ctx.finding(
            "VPCFLOW-SG-REDUNDANT",
            ctx.resource(r.group_id),
            text,
            rules=(r,),
            key=",".join(red.group_set) if across else "",
            detail={
                "covering": [rule_json(c) for c in red.covering],
                "group_set": list(red.group_set),
                "interfaces": list(red.enis),
            },
        )


def _rule(r: SecurityGroupRule) -> str:
    word = "from" if r.direction is Direction.INGRESS else "to"
    return f"{r.direction.value} {r.match_text} {word} {r.peer}"


# -- NACL return-path gaps, per client type --------------------------------------------------------


def client_types_in(ctx: AuditContext, subnet_ids: set[str]) -> set[str]:
    """The kinds of client that open connections from these subnets: NAT gateways, load balancers,
    Lambda functions, and instances (Windows by their platform, else Linux)."""
    kinds: set[str] = set()
    for eni in ctx.snapshot.interfaces.values():
        if eni.subnet_id not in subnet_ids:
            continue
        desc = (eni.description or "").lower()
        if eni.interface_type == "nat_gateway" or desc.startswith("interface for nat gateway"):
            kinds.add("nat")
        elif eni.interface_type in ("network_load_balancer", "gateway_load_balancer") or desc.startswith(
            "elb "
        ):
            kinds.add("elb")
        elif eni.interface_type == "lambda" or desc.startswith("aws lambda vpc eni"):
            kinds.add("lambda")
        else:
            inst = ctx.snapshot.instances.get(eni.instance_id or "")
            kinds.add(
                "windows" if inst is not None and (inst.platform or "").lower() == "windows" else "linux"
            )
    for nat in ctx.snapshot.nat_gateways.values():
        if nat.subnet_id in subnet_ids:
            kinds.add("nat")
    return kinds


def return_path_findings(ctx: AuditContext) -> Iterator[Finding]:
    """Inbound requests come from any client (the internet, other subnets): every configured client
    type counts. Outbound requests come from this subnet's own clients: only the kinds present."""
    if not ctx.config.enabled("VPCFLOW-NACL-RETURN-PATH"):
        return
    subnets_of: dict[str, set[str]] = {}
    for sid, acl_id in ctx.snapshot.acl_of_subnet.items():
        subnets_of.setdefault(acl_id, set()).add(sid)
    by_range: dict[str, list[str]] = {}
    for client in ctx.config.client_types:
        pr = EPHEMERAL_PRESETS[client]
        by_range.setdefault(f"{pr.lo}-{pr.hi}", []).append(client)
    local = {acl_id: client_types_in(ctx, sids) for acl_id, sids in subnets_of.items()}
    gaps: dict[tuple[str, Direction], list[tuple[list[str], ReturnGap]]] = {}
    for prange, clients in by_range.items():
        for gap in return_path_gaps(ctx.snapshot, prange):
            if gap.acl_id not in subnets_of:
                continue
            who = clients
            if gap.request_direction is Direction.EGRESS:
                who = [c for c in clients if c in local[gap.acl_id]]
            if who:
                gaps.setdefault((gap.acl_id, gap.request_direction), []).append((who, gap))
    for (acl_id, direction), items in sorted(gaps.items(), key=lambda kv: (kv[0][0], kv[0][1].value)):
        way = "inbound" if direction is Direction.INGRESS else "outbound"
        back = "outbound" if direction is Direction.INGRESS else "inbound"
        dropped_by = list(dict.fromkeys(g.dropped_by for _c, g in items if g.dropped_by is not None))
        parts = _dedupe([f"{'/'.join(clients)} clients (ports {g.client_ports})" for clients, g in items])
        first = items[0][1]
        eg = (
            f"e.g. {protocol_name(first.protocol)} port {first.port} with remote {first.remote}, client port "
            f"{first.client_port}, dropped by {rule_text(first.dropped_by)}"
        )
        locs = tuple(loc for loc in (ctx.where.rule_location(r) for r in dropped_by) if loc is not None)
        yield ctx.finding(
            "VPCFLOW-NACL-RETURN-PATH",
            ctx.resource(acl_id),
            f"{way} requests are admitted but {back} replies are dropped for {'; '.join(parts)}: {eg}",
            key=f"{way} requests",
            locations=locs or tuple(loc for loc in (ctx.where.location(acl_id),) if loc is not None),
            detail={
                "request_direction": direction.value,
                "clients": {"/".join(c): str(g.client_ports) for c, g in items},
                "gaps": [g.to_json() for _c, g in items],
            },
        )


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# -- "a security group cannot deny" ----------------------------------------------------------------


def cidrs_text(values: IntervalSet, version: int, limit: int = 4) -> str:
    nets: list[str] = []
    cls = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    for lo, hi in values:
        nets.extend(str(n) for n in ipaddress.summarize_address_range(cls(lo), cls(hi)))
    shown = ", ".join(nets[:limit])
    return shown + (f" and {len(nets) - limit} more" if len(nets) > limit else "")


def deny_by_omission_findings(ctx: AuditContext) -> Iterator[Finding]:
    if not ctx.config.enabled("VPCFLOW-SG-DENY-BY-OMISSION"):
        return
    for gid in sorted(ctx.snapshot.security_groups):
        group = ctx.snapshot.security_groups[gid]
        for version in (4, 6):
            found: dict[
                tuple[tuple[SecurityGroupRule, ...], tuple[tuple[int, int], ...]], dict[int, IntervalSet]
            ] = {}
            for sl in ingress_slices(ctx.rules, group, version):
                if sl.world_open or len(sl.rules) < 2:
                    continue
                gap = sl.gap()
                if not gap or gap.size > SMALL_GAP[version]:
                    continue
                ports = found.setdefault((sl.rules, gap.spans), {})
                ports[sl.protocol] = ports.get(sl.protocol, IntervalSet()) | sl.ports
            for (rules, spans), ports in found.items():
                gap = IntervalSet(spans)
                world = "0.0.0.0/0" if version == 4 else "::/0"
                holes = cidrs_text(gap, version)
                yield ctx.finding(
                    "VPCFLOW-SG-DENY-BY-OMISSION",
                    ctx.resource(gid),
                    f"{len(rules)} inbound rules admit {ports_text(ports)} from all of the IPv{version} "
                    f"internet except {holes}: a security group cannot deny — to block {holes}, use a "
                    "network ACL DENY entry (or AWS WAF)",
                    rules=rules,
                    fix=f"admit {ports_text(ports)} from {world} in the group and add a network ACL DENY "
                    f"entry for {holes} on the subnet, numbered before its ALLOW entries (or an AWS WAF IP "
                    "set rule on the load balancer / CloudFront distribution)",
                    detail={"ip_version": version, "gap": holes},
                )
