"""Cross-references of the load-balancing, Network Firewall and WAF families, resolved once all files are
read: attributes and target health joined to their owners, and a warning for every reference that does
not resolve (so a trace that needs it answers UNKNOWN with a reason the user has already seen)."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from vpcflow.model import SnapshotWarning
from vpcflow.model.elb import LoadBalancing
from vpcflow.model.network_firewall import NetworkFirewalls
from vpcflow.model.waf import IpSetReference, NotStatement, Statement, Waf
from vpcflow.sources.base import Collected


def load_balancing(out: Collected, warn: list[SnapshotWarning]) -> LoadBalancing:
    lbs = {
        arn: replace(lb, attributes=out.lb_attributes.get(arn, ()), has_attributes=arn in out.lb_attributes)
        for arn, lb in out.load_balancers.items()
    }
    tgs = {
        arn: replace(tg, attributes=out.tg_attributes.get(arn, ()), has_attributes=arn in out.tg_attributes)
        for arn, tg in out.target_groups.items()
    }
    for arn in sorted(set(out.lb_attributes) - set(lbs)):
        warn.append(
            _w("UNRESOLVED_LOAD_BALANCER", f"attributes for {arn}, which is not in the snapshot", arn)
        )
    for arn in sorted(set(out.tg_attributes) - set(tgs)):
        warn.append(_w("UNRESOLVED_TARGET_GROUP", f"attributes for {arn}, which is not in the snapshot", arn))
    for arn in sorted(set(out.target_health) - set(tgs)):
        warn.append(
            _w("UNRESOLVED_TARGET_GROUP", f"target health for {arn}, which is not in the snapshot", arn)
        )
    used: set[str] = set()
    for li in out.listeners.values():
        if li.load_balancer_arn not in lbs:
            warn.append(
                _w(
                    "UNRESOLVED_LOAD_BALANCER",
                    f"listener {li.arn} belongs to {li.load_balancer_arn}, which is not in the snapshot",
                    li.arn,
                )
            )
        for action in li.default_actions:
            used.update(action.forwarding_groups)
    for rule in out.listener_rules.values():
        if rule.listener_arn not in out.listeners:
            warn.append(
                _w(
                    "UNRESOLVED_LISTENER",
                    f"listener rule {rule.arn} belongs to {rule.listener_arn}, which is not in the snapshot",
                    rule.arn,
                )
            )
        for action in rule.actions:
            used.update(action.forwarding_groups)
    for arn in sorted(used):
        if arn not in tgs:
            warn.append(
                _w(
                    "UNRESOLVED_TARGET_GROUP",
                    f"a listener forwards to {arn}, which is not in the snapshot",
                    arn,
                )
            )
        elif arn not in out.target_health:
            warn.append(
                _w(
                    "NO_TARGET_HEALTH",
                    f"target group {tgs[arn].name} ({arn}) has no describe-target-health output: its targets "
                    "are unknown, so paths through it answer UNKNOWN",
                    arn,
                )
            )
    for lb in lbs.values():
        if lb.type.value == "network" and not lb.has_attributes:
            warn.append(
                _w(
                    "NO_ATTRIBUTES",
                    f"load balancer {lb.name} has no describe-load-balancer-attributes output: cross-zone "
                    "load balancing is taken as off (the default for network load balancers)",
                    lb.arn,
                )
            )
    return LoadBalancing(
        MappingProxyType(lbs),
        MappingProxyType(dict(out.listeners)),
        MappingProxyType(dict(out.listener_rules)),
        MappingProxyType(tgs),
        MappingProxyType(
            {
                arn: tuple(sorted(h.values(), key=lambda t: (t.target_id, t.port or 0)))
                for arn, h in out.target_health.items()
            }
        ),
        MappingProxyType(dict(out.classic_load_balancers)),
    )


def network_firewalls(out: Collected, warn: list[SnapshotWarning]) -> NetworkFirewalls:
    for fw in out.firewalls.values():
        if fw.policy_arn not in out.firewall_policies:
            warn.append(
                _w(
                    "UNRESOLVED_FIREWALL_POLICY",
                    f"firewall {fw.name} uses policy {fw.policy_arn}, which is not in the snapshot "
                    "(describe-firewall-policy): traffic through it answers UNKNOWN",
                    fw.arn,
                )
            )
        if fw.transit_gateway_id:
            warn.append(
                _w(
                    "NOT_MODELLED",
                    f"firewall {fw.name} is attached to transit gateway {fw.transit_gateway_id}: "
                    "transit-gateway-attached firewalls are not modelled",
                    fw.arn,
                )
            )
    for policy in out.firewall_policies.values():
        for ref in policy.stateless_groups + policy.stateful_groups:
            if ref.arn not in out.rule_groups:
                warn.append(
                    _w(
                        "UNRESOLVED_RULE_GROUP",
                        f"policy {policy.name} references rule group {ref.arn}, which is not in the snapshot "
                        "(describe-rule-group): traffic through it answers UNKNOWN",
                        policy.arn,
                    )
                )
    for group in out.rule_groups.values():
        if group.unsupported:
            warn.append(_w("NOT_MODELLED", f"rule group {group.name}: {group.unsupported}", group.arn))
        for rule in group.stateful_rules:
            if rule.error:
                warn.append(
                    _w(
                        "UNREADABLE_RULE",
                        f"rule group {group.name} rule {rule.index + 1}: {rule.error}; "
                        "it is treated as a rule "
                        "that may match",
                        group.arn,
                    )
                )
    _not_described(out, "firewall", out.firewalls, warn)
    _not_described(out, "firewall policy", out.firewall_policies, warn)
    _not_described(out, "rule group", out.rule_groups, warn)
    return NetworkFirewalls(
        MappingProxyType(dict(out.firewalls)),
        MappingProxyType(dict(out.firewall_policies)),
        MappingProxyType(dict(out.rule_groups)),
    )


def _ip_set_refs(st: Statement) -> list[str]:
    if isinstance(st, IpSetReference):
        return [st.arn]
    if isinstance(st, NotStatement):
        return _ip_set_refs(st.inner)
    if hasattr(st, "items"):
        return [a for s in st.items for a in _ip_set_refs(s)]
    return []


def waf(out: Collected, warn: list[SnapshotWarning]) -> Waf:
    for resource, acl_arn in sorted(out.waf_associations.items()):
        if acl_arn not in out.web_acls:
            warn.append(
                _w(
                    "UNRESOLVED_WEB_ACL",
                    f"{resource} is protected by web ACL {acl_arn}, which is not in the snapshot "
                    "(get-web-acl): requests to it answer UNKNOWN",
                    resource,
                )
            )
    for acl in out.web_acls.values():
        for rule in acl.rules:
            for arn in _ip_set_refs(rule.statement):
                if arn not in out.ip_sets:
                    warn.append(
                        _w(
                            "UNRESOLVED_IP_SET",
                            f"web ACL {acl.name} rule {rule.name} references IP set {arn}, which is not in "
                            "the snapshot (get-ip-set): the rule may match",
                            acl.arn,
                        )
                    )
    _not_described(out, "web ACL", out.web_acls, warn)
    _not_described(out, "IP set", out.ip_sets, warn)
    return Waf(
        MappingProxyType(dict(out.web_acls)),
        MappingProxyType(dict(out.ip_sets)),
        MappingProxyType(dict(out.waf_associations)),
    )


def _not_described(out: Collected, kind: str, have: object, warn: list[SnapshotWarning]) -> None:
    for arn, source in sorted(out.listed.get(kind, {}).items()):
        if arn not in have:  # type: ignore[operator]
            warn.append(
                SnapshotWarning(
                    "NOT_DESCRIBED",
                    f"{kind} {arn} is listed but its configuration is not in the snapshot",
                    source,
                    arn,
                )
            )


def _w(code: str, message: str, resource: str | None) -> SnapshotWarning:
    return SnapshotWarning(code, message, None, resource)
