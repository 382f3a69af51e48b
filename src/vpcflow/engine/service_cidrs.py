"""Every CIDR a WAF web ACL or a Network Firewall policy compares addresses against: the reachability
engine cuts the address space at their edges, so that one walk per cell answers for every address in it."""

from __future__ import annotations

from collections.abc import Iterable

from vpcflow.model import Cidr, Snapshot
from vpcflow.model.network_firewall import AddressExpr, AddressList, CidrAddress, NegatedAddress


def _expr_cidrs(expr: AddressExpr) -> Iterable[Cidr]:
    if isinstance(expr, CidrAddress):
        yield expr.cidr
    elif isinstance(expr, NegatedAddress):
        yield from _expr_cidrs(expr.inner)
    elif isinstance(expr, AddressList):
        for item in expr.items:
            yield from _expr_cidrs(item)


def service_cidrs(s: Snapshot) -> list[Cidr]:
    out: list[Cidr] = []
    for ip_set in s.waf.ip_sets.values():
        out.extend(ip_set.addresses)
    nfw = s.network_firewall
    for group in nfw.rule_groups.values():
        for rule in group.stateless_rules:
            out.extend(rule.sources + rule.destinations)
        for sf in group.stateful_rules:
            out.extend(_expr_cidrs(sf.source))
            out.extend(_expr_cidrs(sf.destination))
        for _name, items in group.ip_sets:
            for item in items:
                out.extend(_expr_cidrs(item))
    for policy in nfw.policies.values():
        for _name, items in policy.ip_sets:
            for item in items:
                out.extend(_expr_cidrs(item))
    return out
