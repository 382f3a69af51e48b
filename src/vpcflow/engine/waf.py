"""AWS WAF on a load balancer: what a web ACL does with a request, judged by its source address.

Rules run in priority order (lowest first); the first rule whose statement matches and whose action is
terminating (Allow, Block; CAPTCHA and Challenge block a request that carries no token) decides; Count only
counts; nothing matching → the default action.
https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing-order.html
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-action.html

IP set statements (and NOT/AND/OR of them) are decided from the source address. Statements on content,
rate, geography, labels or rule groups are not: a rule built on them is reported as "may block" (or "may
allow"), never turned into a packet verdict on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.engine.firewall_match import Tri
from vpcflow.model import Address
from vpcflow.model.frozen import fast_init
from vpcflow.model.waf import (
    AndStatement,
    IpSetReference,
    NotStatement,
    OrStatement,
    OtherStatement,
    Statement,
    Waf,
    WafRule,
    WebAcl,
)

WAF_CODE = "WAF_RULE_RESTRICTION"  # no Reachability Analyzer code covers WAF; ours
_BLOCKING = frozenset({"Block", "Captcha", "Challenge"})


@fast_init
@dataclass(frozen=True, slots=True)
class WafDecision:
    """``action``: ALLOW | BLOCK | UNKNOWN. ``rule`` is the deciding rule (None: the default action)."""

    action: str
    web_acl: WebAcl
    rule: WafRule | None
    detail: str
    may_block: tuple[WafRule, ...] = ()
    may_allow: tuple[WafRule, ...] = ()
    counted: tuple[WafRule, ...] = ()

    @property
    def blocks(self) -> bool:
        return self.action == "BLOCK"


def statement_match(st: Statement, source: Address, waf: Waf) -> Tri:
    if isinstance(st, IpSetReference):
        if st.forwarded_header is not None:
            return Tri.MAYBE  # the address comes from an HTTP header (X-Forwarded-For, ...)
        ip_set = waf.ip_sets.get(st.arn)
        if ip_set is None:
            return Tri.MAYBE  # not in the snapshot: warned about when loading
        return Tri.of(any(source in c for c in ip_set.addresses))
    if isinstance(st, NotStatement):
        return ~statement_match(st.inner, source, waf)
    if isinstance(st, AndStatement):
        hit = Tri.YES
        for item in st.items:
            hit = hit & statement_match(item, source, waf)
        return hit
    if isinstance(st, OrStatement):
        hit = Tri.NO
        for item in st.items:
            hit = hit | statement_match(item, source, waf)
        return hit
    return Tri.MAYBE


def _effect(rule: WafRule) -> str:
    """allow | block | none: what the rule does to a request it matches."""
    if rule.is_rule_group:
        # a rule group's own rules may block, unless the group is overridden to Count
        return "none" if (rule.override_action or "None") == "Count" else "group"
    if rule.action == "Allow":
        return "allow"
    if rule.action in _BLOCKING:
        return "block"
    return "none"  # Count


def evaluate_web_acl(acl: WebAcl, source: Address, waf: Waf) -> WafDecision:
    may_block: list[WafRule] = []
    may_allow: list[WafRule] = []
    counted: list[WafRule] = []
    for rule in acl.rules_by_priority:
        effect = _effect(rule)
        hit = statement_match(rule.statement, source, waf)
        if effect == "none":
            if hit is Tri.YES:
                counted.append(rule)
            continue
        if effect == "group":
            # its rules may block, and some groups' may allow: on content the packet does not show
            may_block.append(rule)
            if isinstance(rule.statement, OtherStatement) and rule.statement.may_allow:
                may_allow.append(rule)
            continue
        if hit is Tri.NO:
            continue
        if hit is Tri.MAYBE:
            (may_block if effect == "block" else may_allow).append(rule)
            continue
        action = "ALLOW" if effect == "allow" else "BLOCK"
        if action == "BLOCK" and may_allow:
            return _unknown(acl, rule, may_block, may_allow, counted)
        verb = {"Allow": "allows", "Block": "blocks"}.get(
            rule.action or "", f"answers with a {rule.action} (which blocks a request without a token)"
        )
        detail = f"rule {rule.name} (priority {rule.priority}) {verb} {source}"
        return WafDecision(action, acl, rule, detail, tuple(may_block), tuple(may_allow), tuple(counted))
    action = "ALLOW" if acl.default_action == "Allow" else "BLOCK"
    if action == "BLOCK" and may_allow:
        return _unknown(acl, None, may_block, may_allow, counted)
    detail = f"no rule decides {source}: default action {acl.default_action}"
    return WafDecision(action, acl, None, detail, tuple(may_block), tuple(may_allow), tuple(counted))


def _unknown(
    acl: WebAcl,
    rule: WafRule | None,
    may_block: list[WafRule],
    may_allow: list[WafRule],
    counted: list[WafRule],
) -> WafDecision:
    names = ", ".join(r.name for r in may_allow)
    then = (
        f"rule {rule.name} blocks" if rule is not None else f"the default action {acl.default_action} blocks"
    )
    detail = f"{then}, unless an earlier allow rule on request content matches ({names})"
    return WafDecision("UNKNOWN", acl, rule, detail, tuple(may_block), tuple(may_allow), tuple(counted))
