"""wafv2 ``get-web-acl``, ``get-ip-set`` and web ACL associations → ``WebAcl``, ``IpSet``, associations.

Accepted documents (docs/semantics.md, "Loading snapshots"):

- ``{"WebACL": {...}}`` — get-web-acl output (``LockToken`` and the rest beside it are ignored);
- ``{"ResourceArn": "<alb arn>", "WebACL": {...}}`` — get-web-acl-for-resource output with the resource's ARN
  added (the call does not echo it), which also records the association;
- ``{"WebACLArn": "<web acl arn>", "ResourceArns": [...]}`` — list-resources-for-web-acl output with the web
  ACL's ARN added;
- ``{"IPSet": {...}}`` — get-ip-set output;
- ``{"WebACLs": [...]}`` / ``{"IPSets": [...]}`` — list-* summaries: only names, warned about when the
  resource itself is never described.

https://docs.aws.amazon.com/waf/latest/APIReference/API_Operations_AWS_WAFV2.html
"""

from __future__ import annotations

from typing import Any

from vpcflow.model.waf import (
    AndStatement,
    IpSet,
    IpSetReference,
    NotStatement,
    OrStatement,
    OtherStatement,
    Statement,
    WafRule,
    WebAcl,
)
from vpcflow.sources.base import Ctx, DocumentParser, FunctionParser, Json


def _one_key(ctx: Ctx, value: Any, path: str, what: str) -> str:
    """``{"Block": {}}`` → ``"Block"``: WAF spells an action as an object with one key."""
    obj = ctx.obj(value, path)
    keys = [k for k in obj if obj[k] is not None]
    if len(keys) != 1:
        raise ctx.fail(path, f"expected one {what} key, found {sorted(obj)!r}")
    return keys[0]


def statement(ctx: Ctx, value: Any, path: str) -> Statement:
    obj = ctx.obj(value, path)
    kind = _one_key(ctx, obj, path, "statement")
    body = ctx.obj(obj[kind], f"{path}.{kind}")
    bp = f"{path}.{kind}"
    if kind == "IPSetReferenceStatement":
        fwd = ctx.opt_obj(body, "IPSetForwardedIPConfig", bp)
        return IpSetReference(
            ctx.str_(body, "ARN", bp), ctx.opt_str(fwd, "HeaderName", f"{bp}.IPSetForwardedIPConfig")
        )
    if kind == "NotStatement":
        return NotStatement(statement(ctx, ctx.req(body, "Statement", bp), f"{bp}.Statement"))
    if kind in ("AndStatement", "OrStatement"):
        items = tuple(
            statement(ctx, s, f"{bp}.Statements[{j}]")
            for j, s in enumerate(ctx.list_(ctx.req(body, "Statements", bp), f"{bp}.Statements"))
        )
        return AndStatement(items) if kind == "AndStatement" else OrStatement(items)
    detail = None
    may_allow = False
    if kind == "ManagedRuleGroupStatement":
        detail = f"{body.get('VendorName', '?')}/{body.get('Name', '?')}"
        # AWS's own managed groups block, count or challenge; an Allow comes from another vendor or from a
        # rule action override (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-rule-group-override-options.html)
        may_allow = str(body.get("VendorName", "")) != "AWS" or _overrides_allow(ctx, body, bp)
    elif kind == "RuleGroupReferenceStatement":
        detail = str(body.get("ARN", "?"))
        may_allow = True  # the group's own rules are not in the snapshot: any of them may Allow
    elif kind == "GeoMatchStatement":
        detail = ",".join(str(c) for c in ctx.opt_list(body, "CountryCodes", bp))
    elif kind == "RateBasedStatement":
        detail = f"limit {body.get('Limit', '?')}"
    return OtherStatement(kind, detail, may_allow)


def _overrides_allow(ctx: Ctx, body: Json, path: str) -> bool:
    """Whether a rule group statement's ``RuleActionOverrides`` turn a rule's action into Allow."""
    for j, raw in enumerate(ctx.opt_list(body, "RuleActionOverrides", path)):
        op = f"{path}.RuleActionOverrides[{j}]"
        use = ctx.opt_obj(ctx.obj(raw, op), "ActionToUse", op)
        if use.get("Allow") is not None:
            return True
    return False


def _web_acl(ctx: Ctx, raw: Any, path: str) -> WebAcl:
    w = ctx.obj(raw, path)
    arn = ctx.str_(w, "ARN", path)
    where = f"{path} ({arn})"
    rules = []
    for j, r_raw in enumerate(ctx.opt_list(w, "Rules", where)):
        rp = f"{where}.Rules[{j}]"
        r = ctx.obj(r_raw, rp)
        action = _one_key(ctx, r["Action"], f"{rp}.Action", "action") if r.get("Action") else None
        override = (
            _one_key(ctx, r["OverrideAction"], f"{rp}.OverrideAction", "override action")
            if r.get("OverrideAction")
            else None
        )
        rules.append(
            WafRule(
                ctx.str_(r, "Name", rp),
                ctx.int_(ctx.req(r, "Priority", rp), f"{rp}.Priority"),
                statement(ctx, ctx.req(r, "Statement", rp), f"{rp}.Statement"),
                action,
                override,
            )
        )
    scope = "CLOUDFRONT" if ":global/" in arn else "REGIONAL"
    return WebAcl(
        arn,
        ctx.opt_str(w, "Name", where) or arn,
        ctx.opt_str(w, "Id", where),
        scope,
        _one_key(ctx, ctx.req(w, "DefaultAction", where), f"{where}.DefaultAction", "default action"),
        tuple(rules),
    )


def parse_web_acl_document(doc: Json, ctx: Ctx) -> int:
    resource = ctx.opt_str(doc, "ResourceArn", "$")
    if doc["WebACL"] is None:  # get-web-acl-for-resource on a resource with no web ACL
        return 0
    acl = _web_acl(ctx, doc["WebACL"], "$.WebACL")
    ctx.keep(ctx.out.web_acls, acl.arn, acl, "$.WebACL", "web ACL")
    if resource is not None:
        ctx.keep(ctx.out.waf_associations, resource, acl.arn, "$.ResourceArn", "web ACL association")
    return 1


def parse_ip_set_document(doc: Json, ctx: Ctx) -> int:
    path = "$.IPSet"
    s = ctx.obj(doc["IPSet"], path)
    arn = ctx.str_(s, "ARN", path)
    where = f"{path} ({arn})"
    version = (ctx.opt_str(s, "IPAddressVersion", where) or "IPV4").upper()
    addresses = tuple(
        ctx.cidr(a, f"{where}.Addresses[{j}]") for j, a in enumerate(ctx.opt_list(s, "Addresses", where))
    )
    want = 4 if version == "IPV4" else 6
    for j, c in enumerate(addresses):
        if c.version != want:
            raise ctx.fail(f"{where}.Addresses[{j}]", f"{c} is not an {version} address (IPAddressVersion)")
    ip_set = IpSet(arn, ctx.opt_str(s, "Name", where) or arn, ctx.opt_str(s, "Id", where), version, addresses)
    ctx.keep(ctx.out.ip_sets, arn, ip_set, path, "IP set")
    return 1


def parse_resources_document(doc: Json, ctx: Ctx) -> int:
    resources = ctx.list_(doc["ResourceArns"], "$.ResourceArns")
    acl = ctx.opt_str(doc, "WebACLArn", "$")
    if acl is None:
        ctx.warn(
            "UNATTRIBUTED_ASSOCIATIONS",
            f'{len(resources)} resource ARN(s) without a web ACL: add "WebACLArn" beside "ResourceArns" '
            "(list-resources-for-web-acl); not used",
            "$.ResourceArns",
        )
        return len(resources)
    for j, r in enumerate(resources):
        if not isinstance(r, str) or not r:
            raise ctx.fail(f"$.ResourceArns[{j}]", f"expected a resource ARN, found {r!r}")
        ctx.keep(ctx.out.waf_associations, r, acl, f"$.ResourceArns[{j}]", "web ACL association")
    return len(resources)


def _listing(kind: str, key: str) -> FunctionParser:
    def parse(items: list[Any], ctx: Ctx) -> None:
        for i, raw in enumerate(items):
            path = f"$.{key}[{i}]"
            arn = ctx.opt_str(ctx.obj(raw, path), "ARN", path)
            if arn is not None:
                ctx.out.listed.setdefault(kind, {}).setdefault(arn, f"{ctx.source}: {path}")

    return FunctionParser(key, parse)


WEB_ACL = DocumentParser(
    "WebACL", frozenset({"LockToken", "ApplicationIntegrationURL", "ResourceArn"}), parse_web_acl_document
)
IP_SET = DocumentParser("IPSet", frozenset({"LockToken"}), parse_ip_set_document)
RESOURCES = DocumentParser("ResourceArns", frozenset({"WebACLArn"}), parse_resources_document)
WEB_ACL_LIST = _listing("web ACL", "WebACLs")
IP_SET_LIST = _listing("IP set", "IPSets")
