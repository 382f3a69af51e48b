"""network-firewall ``describe-firewall``, ``describe-firewall-policy``, ``describe-rule-group`` → model.

Each call returns one object, so each file holds one response, recognised by its key: ``Firewall`` (with
``FirewallStatus``), ``FirewallPolicy`` (with ``FirewallPolicyResponse``), ``RuleGroup`` (with
``RuleGroupResponse``). ``list-firewalls``/``list-firewall-policies``/``list-rule-groups`` outputs only name
resources; one that is never described is warned about (``NOT_DESCRIBED``).
https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import PortRange
from vpcflow.model.network_firewall import (
    AddressExpr,
    DomainList,
    Firewall,
    FirewallEndpoint,
    FirewallPolicy,
    PortExpr,
    RuleGroup,
    RuleGroupReference,
    StatelessRule,
    TcpFlagMatch,
)
from vpcflow.sources.base import Ctx, DocumentParser, FunctionParser, Json, tags_of
from vpcflow.sources.suricata import (
    ExpressionError,
    domain_list_rules,
    five_tuple_rule,
    parse_address,
    parse_port,
    rules_from_string,
)

# Rule-group types Network Firewall added after STATELESS/STATEFUL (botocore 1.44): not modelled yet
_KNOWN_TYPES = frozenset({"STATELESS", "STATEFUL"})


def parse_firewall_document(doc: Json, ctx: Ctx) -> int:
    fw = ctx.obj(doc["Firewall"], "$.Firewall")
    arn = ctx.str_(fw, "FirewallArn", "$.Firewall")
    where = f"$.Firewall ({arn})"
    status = ctx.opt_obj(doc, "FirewallStatus", "$")
    endpoints = []
    sync = ctx.opt_obj(status, "SyncStates", "$.FirewallStatus")
    for az, state_raw in sorted(sync.items()):
        sp = f"$.FirewallStatus.SyncStates.{az}"
        state = ctx.obj(state_raw, sp)
        att = ctx.opt_obj(state, "Attachment", sp)
        endpoints.append(
            FirewallEndpoint(
                az,
                ctx.opt_str(att, "SubnetId", f"{sp}.Attachment"),
                ctx.opt_str(att, "EndpointId", f"{sp}.Attachment"),
                ctx.opt_str(att, "Status", f"{sp}.Attachment"),
            )
        )
    subnets = []
    for j, m_raw in enumerate(ctx.opt_list(fw, "SubnetMappings", where)):
        mp = f"{where}.SubnetMappings[{j}]"
        subnets.append(ctx.str_(ctx.obj(m_raw, mp), "SubnetId", mp))
    firewall = Firewall(
        arn,
        ctx.opt_str(fw, "FirewallName", where) or arn.rsplit("/", 1)[-1],
        ctx.str_(fw, "FirewallPolicyArn", where),
        ctx.opt_str(fw, "VpcId", where),
        tuple(subnets),
        tuple(endpoints),
        ctx.opt_str(status, "Status", "$.FirewallStatus"),
        ctx.opt_str(fw, "TransitGatewayId", where),
        tags_of(ctx, fw, where),
    )
    ctx.keep(ctx.out.firewalls, arn, firewall, "$.Firewall", "firewall")
    return 1


def _addresses(ctx: Ctx, values: list[Any], path: str) -> tuple[AddressExpr, ...]:
    out = []
    for k, v in enumerate(values):
        if not isinstance(v, str):
            raise ctx.fail(f"{path}[{k}]", f"expected an address string, found {v!r}")
        try:
            out.append(parse_address(v))
        except ExpressionError as exc:
            raise ctx.fail(f"{path}[{k}]", str(exc)) from None
    return tuple(out)


def _ports(ctx: Ctx, values: list[Any], path: str) -> tuple[PortExpr, ...]:
    out = []
    for k, v in enumerate(values):
        try:
            out.append(parse_port(str(v)))
        except ExpressionError as exc:
            raise ctx.fail(f"{path}[{k}]", str(exc)) from None
    return tuple(out)


def _ip_sets(ctx: Ctx, item: Json, path: str) -> tuple[tuple[str, tuple[AddressExpr, ...]], ...]:
    out = []
    for name, raw in sorted(item.items()):
        vp = f"{path}.{name}"
        v = ctx.obj(raw, vp)
        out.append((name, _addresses(ctx, ctx.opt_list(v, "Definition", vp), f"{vp}.Definition")))
    return tuple(out)


def _references(ctx: Ctx, item: Json, key: str, path: str) -> tuple[RuleGroupReference, ...]:
    out = []
    for j, raw in enumerate(ctx.opt_list(item, key, path)):
        rp = f"{path}.{key}[{j}]"
        r = ctx.obj(raw, rp)
        prio = r.get("Priority")
        override = ctx.opt_obj(r, "Override", rp)
        out.append(
            RuleGroupReference(
                ctx.str_(r, "ResourceArn", rp),
                None if prio is None else ctx.int_(prio, f"{rp}.Priority"),
                ctx.opt_str(override, "Action", f"{rp}.Override"),
            )
        )
    return tuple(out)


def _strings(ctx: Ctx, item: Json, key: str, path: str) -> tuple[str, ...]:
    return tuple(str(v) for v in ctx.opt_list(item, key, path))


def parse_policy_document(doc: Json, ctx: Ctx) -> int:
    resp = ctx.opt_obj(doc, "FirewallPolicyResponse", "$")
    arn = ctx.opt_str(resp, "FirewallPolicyArn", "$.FirewallPolicyResponse")
    if arn is None:
        raise ctx.fail(
            "$", "missing FirewallPolicyResponse.FirewallPolicyArn (describe-firewall-policy output)"
        )
    where = f"$.FirewallPolicy ({arn})"
    p = ctx.obj(doc["FirewallPolicy"], "$.FirewallPolicy")
    engine = ctx.opt_obj(p, "StatefulEngineOptions", where)
    variables = ctx.opt_obj(
        ctx.opt_obj(p, "PolicyVariables", where), "RuleVariables", f"{where}.PolicyVariables"
    )
    custom = tuple(
        ctx.str_(ctx.obj(c, f"{where}.StatelessCustomActions[{j}]"), "ActionName", where)
        for j, c in enumerate(ctx.opt_list(p, "StatelessCustomActions", where))
    )
    policy = FirewallPolicy(
        arn,
        ctx.opt_str(resp, "FirewallPolicyName", "$.FirewallPolicyResponse") or arn.rsplit("/", 1)[-1],
        _references(ctx, p, "StatelessRuleGroupReferences", where),
        _strings(ctx, p, "StatelessDefaultActions", where),
        _strings(ctx, p, "StatelessFragmentDefaultActions", where),
        _references(ctx, p, "StatefulRuleGroupReferences", where),
        _strings(ctx, p, "StatefulDefaultActions", where),
        (
            ctx.opt_str(engine, "RuleOrder", f"{where}.StatefulEngineOptions") or "DEFAULT_ACTION_ORDER"
        ).upper(),
        ctx.opt_str(engine, "StreamExceptionPolicy", f"{where}.StatefulEngineOptions"),
        custom,
        _ip_sets(ctx, variables, f"{where}.PolicyVariables.RuleVariables"),
        ctx.opt_str(p, "TLSInspectionConfigurationArn", where),
    )
    ctx.keep(ctx.out.firewall_policies, arn, policy, "$.FirewallPolicy", "firewall policy")
    return 1


def _port_ranges(ctx: Ctx, item: Json, key: str, path: str) -> tuple[PortRange, ...]:
    out = []
    for j, raw in enumerate(ctx.opt_list(item, key, path)):
        pp = f"{path}.{key}[{j}]"
        r = ctx.obj(raw, pp)
        lo = ctx.int_(ctx.req(r, "FromPort", pp), f"{pp}.FromPort")
        hi = ctx.int_(ctx.req(r, "ToPort", pp), f"{pp}.ToPort")
        if not 0 <= lo <= hi <= 65535:
            raise ctx.fail(pp, f"bad port range {lo}-{hi} (0-65535, low before high)")
        out.append(PortRange(lo, hi))
    return tuple(out)


def _stateless(ctx: Ctx, arn: str, src: Json, path: str) -> tuple[tuple[StatelessRule, ...], tuple[str, ...]]:
    rules = []
    for j, raw in enumerate(ctx.opt_list(src, "StatelessRules", path)):
        rp = f"{path}.StatelessRules[{j}]"
        r = ctx.obj(raw, rp)
        d = ctx.obj(ctx.req(r, "RuleDefinition", rp), f"{rp}.RuleDefinition")
        dp = f"{rp}.RuleDefinition"
        m = ctx.opt_obj(d, "MatchAttributes", dp)
        mp = f"{dp}.MatchAttributes"
        flags = []
        for k, f_raw in enumerate(ctx.opt_list(m, "TCPFlags", mp)):
            fp = f"{mp}.TCPFlags[{k}]"
            f = ctx.obj(f_raw, fp)
            flags.append(
                TcpFlagMatch(
                    frozenset(str(x).upper() for x in ctx.opt_list(f, "Flags", fp)),
                    frozenset(str(x).upper() for x in ctx.opt_list(f, "Masks", fp)),
                )
            )
        rules.append(
            StatelessRule(
                arn,
                ctx.int_(ctx.req(r, "Priority", rp), f"{rp}.Priority"),
                _strings(ctx, d, "Actions", dp),
                tuple(
                    ctx.cidr(ctx.req(ctx.obj(a, f"{mp}.Sources[{k}]"), "AddressDefinition", mp), mp)
                    for k, a in enumerate(ctx.opt_list(m, "Sources", mp))
                ),
                tuple(
                    ctx.cidr(ctx.req(ctx.obj(a, f"{mp}.Destinations[{k}]"), "AddressDefinition", mp), mp)
                    for k, a in enumerate(ctx.opt_list(m, "Destinations", mp))
                ),
                _port_ranges(ctx, m, "SourcePorts", mp),
                _port_ranges(ctx, m, "DestinationPorts", mp),
                tuple(
                    ctx.int_(p, f"{mp}.Protocols[{k}]")
                    for k, p in enumerate(ctx.opt_list(m, "Protocols", mp))
                ),
                tuple(flags),
            )
        )
    custom = tuple(
        ctx.str_(ctx.obj(c, f"{path}.CustomActions[{j}]"), "ActionName", path)
        for j, c in enumerate(ctx.opt_list(src, "CustomActions", path))
    )
    return tuple(rules), custom


def parse_rule_group_document(doc: Json, ctx: Ctx) -> int:
    resp = ctx.opt_obj(doc, "RuleGroupResponse", "$")
    arn = ctx.opt_str(resp, "RuleGroupArn", "$.RuleGroupResponse")
    if arn is None:
        raise ctx.fail("$", "missing RuleGroupResponse.RuleGroupArn (describe-rule-group output)")
    where = f"$.RuleGroup ({arn})"
    g = ctx.obj(doc["RuleGroup"], "$.RuleGroup")
    kind = (ctx.opt_str(resp, "Type", "$.RuleGroupResponse") or "").upper()
    source = ctx.opt_obj(g, "RulesSource", where)
    sp = f"{where}.RulesSource"
    variables = ctx.opt_obj(g, "RuleVariables", where)
    refs = ctx.opt_obj(ctx.opt_obj(g, "ReferenceSets", where), "IPSetReferences", f"{where}.ReferenceSets")
    port_sets = []
    for name, raw in sorted(ctx.opt_obj(variables, "PortSets", f"{where}.RuleVariables").items()):
        vp = f"{where}.RuleVariables.PortSets.{name}"
        port_sets.append(
            (name, _ports(ctx, ctx.opt_list(ctx.obj(raw, vp), "Definition", vp), f"{vp}.Definition"))
        )
    order = ctx.opt_obj(g, "StatefulRuleOptions", where).get("RuleOrder")
    base = RuleGroup(
        arn,
        ctx.opt_str(resp, "RuleGroupName", "$.RuleGroupResponse") or arn.rsplit("/", 1)[-1],
        kind or ("STATELESS" if "StatelessRulesAndCustomActions" in source else "STATEFUL"),
        str(order).upper() if order else "DEFAULT_ACTION_ORDER",
        ip_sets=_ip_sets(
            ctx, ctx.opt_obj(variables, "IPSets", f"{where}.RuleVariables"), f"{where}.RuleVariables.IPSets"
        ),
        port_sets=tuple(port_sets),
        ip_set_references=tuple(
            (name, str(ctx.obj(v, f"{where}.ReferenceSets.IPSetReferences.{name}").get("ReferenceArn", "")))
            for name, v in sorted(refs.items())
        ),
        capacity=None
        if resp.get("Capacity") is None
        else ctx.int_(resp["Capacity"], "$.RuleGroupResponse.Capacity"),
    )
    group = _with_rules(ctx, base, kind, source, sp)
    ctx.keep(ctx.out.rule_groups, arn, group, "$.RuleGroup", "rule group")
    return 1


def _with_rules(ctx: Ctx, g: RuleGroup, kind: str, source: Json, sp: str) -> RuleGroup:
    from dataclasses import replace

    arn = g.arn
    if kind and kind not in _KNOWN_TYPES:
        return replace(g, unsupported=f"rule group type {kind} is not modelled")
    if "StatelessRulesAndCustomActions" in source:
        rules, custom = _stateless(ctx, arn, ctx.obj(source["StatelessRulesAndCustomActions"], sp), sp)
        return replace(g, source_kind="stateless", stateless_rules=rules, custom_actions=custom)
    if "RulesString" in source:
        text = source["RulesString"]
        if not isinstance(text, str):
            raise ctx.fail(f"{sp}.RulesString", f"expected a string of Suricata rules, found {text!r}")
        return replace(g, source_kind="rules-string", stateful_rules=rules_from_string(arn, text))
    if "StatefulRules" in source:
        out = []
        for j, raw in enumerate(ctx.list_(source["StatefulRules"], f"{sp}.StatefulRules")):
            rp = f"{sp}.StatefulRules[{j}]"
            r = ctx.obj(raw, rp)
            h = ctx.obj(ctx.req(r, "Header", rp), f"{rp}.Header")
            hp = f"{rp}.Header"
            options = []
            for k, o_raw in enumerate(ctx.opt_list(r, "RuleOptions", rp)):
                op = f"{rp}.RuleOptions[{k}]"
                o = ctx.obj(o_raw, op)
                settings = [str(s) for s in ctx.opt_list(o, "Settings", op)]
                options.append((ctx.str_(o, "Keyword", op), ", ".join(settings) if settings else None))
            out.append(
                five_tuple_rule(
                    arn,
                    j,
                    ctx.str_(r, "Action", rp),
                    ctx.str_(h, "Protocol", hp),
                    ctx.str_(h, "Source", hp),
                    ctx.str_(h, "SourcePort", hp),
                    ctx.str_(h, "Direction", hp),
                    ctx.str_(h, "Destination", hp),
                    ctx.str_(h, "DestinationPort", hp),
                    tuple(options),
                )
            )
        return replace(g, source_kind="5-tuple", stateful_rules=tuple(out))
    if "RulesSourceList" in source:
        lp = f"{sp}.RulesSourceList"
        lst = ctx.obj(source["RulesSourceList"], lp)
        domains = DomainList(
            ctx.str_(lst, "GeneratedRulesType", lp).upper(),
            _strings(ctx, lst, "Targets", lp),
            tuple(t.upper() for t in _strings(ctx, lst, "TargetTypes", lp)),
        )
        return replace(
            g, source_kind="domain-list", domain_list=domains, stateful_rules=domain_list_rules(arn, domains)
        )
    if source:
        keys = ", ".join(sorted(source))
        return replace(g, unsupported=f"rules source {keys} is not modelled")
    return g


def _listing(kind: str, key: str, name_key: str, arn_key: str) -> FunctionParser:
    def parse(items: list[Any], ctx: Ctx) -> None:
        for i, raw in enumerate(items):
            path = f"$.{key}[{i}]"
            item = ctx.obj(raw, path)
            arn = ctx.opt_str(item, arn_key, path)
            if arn is not None:
                ctx.out.listed.setdefault(kind, {}).setdefault(arn, f"{ctx.source}: {path}")

    return FunctionParser(key, parse)


FIREWALL = DocumentParser("Firewall", frozenset({"FirewallStatus", "UpdateToken"}), parse_firewall_document)
FIREWALL_POLICY = DocumentParser(
    "FirewallPolicy", frozenset({"FirewallPolicyResponse", "UpdateToken"}), parse_policy_document
)
RULE_GROUP = DocumentParser(
    "RuleGroup", frozenset({"RuleGroupResponse", "UpdateToken"}), parse_rule_group_document
)
FIREWALL_LIST = _listing("firewall", "Firewalls", "FirewallName", "FirewallArn")
FIREWALL_POLICY_LIST = _listing("firewall policy", "FirewallPolicies", "Name", "Arn")
RULE_GROUP_LIST = _listing("rule group", "RuleGroups", "Name", "Arn")
