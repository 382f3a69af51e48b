"""elbv2 ``describe-*`` → load balancers, listeners, listener rules, target groups, target health, attributes.

Accepted shapes (docs/semantics.md, "Loading snapshots"):

- ``{"LoadBalancers": [...]}``, ``{"TargetGroups": [...]}``, ``{"Listeners": [...]}`` as the CLI returns them;
- Batfish's wrapped lists: ``LoadBalancerListeners`` ``[{LoadBalancerArn, Listeners}]``,
  ``LoadBalancerAttributes`` ``[{LoadBalancerArn, Attributes}]``, ``LoadBalancerTargetHealth``
  ``[{TargetGroupArn, TargetHealthDescriptions}]``, and the same pattern ``TargetGroupAttributes``
  ``[{TargetGroupArn, Attributes}]``;
- single responses with the parent added: ``{"TargetGroupArn", "TargetHealthDescriptions"}``,
  ``{"LoadBalancerArn" | "TargetGroupArn", "Attributes"}``, ``{"Rules"[, "ListenerArn"]}`` (describe-rules;
  a rule's listener also follows from its ARN).

https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

from typing import Any

from vpcflow.model.elb import (
    Attributes,
    Listener,
    ListenerAction,
    ListenerRule,
    LoadBalancer,
    LoadBalancerAddress,
    LoadBalancerType,
    LoadBalancerZone,
    TargetGroup,
    TargetHealth,
    TargetHealthState,
    TargetType,
    WeightedTargetGroup,
)
from vpcflow.sources.base import Ctx, DocumentParser, FunctionParser, Json, tags_of


def _port(ctx: Ctx, value: Any, path: str) -> int:
    n = ctx.int_(value, path)
    if not 1 <= n <= 65535:
        raise ctx.fail(path, f"port {n} out of range (expected 1-65535)")
    return n


def _opt_port(ctx: Ctx, item: Json, key: str, path: str) -> int | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    return _port(ctx, value, f"{path}.{key}")


def name_from_arn(arn: str) -> str:
    """``…:loadbalancer/app/<name>/<id>`` / ``…:targetgroup/<name>/<id>`` → ``<name>`` (else the ARN)."""
    parts = arn.split("/")
    return parts[-2] if len(parts) >= 3 else arn


def _enum(ctx: Ctx, value: str, enum: Any, path: str, what: str) -> Any:
    try:
        return enum(value.lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ctx.fail(path, f"unknown {what} {value!r} (expected one of {allowed})") from None


# -- load balancers ------------------------------------------------------------------------------------


def _zone(ctx: Ctx, raw: Any, path: str) -> LoadBalancerZone:
    z = ctx.obj(raw, path)
    addresses = []
    for j, a_raw in enumerate(ctx.opt_list(z, "LoadBalancerAddresses", path)):
        ap = f"{path}.LoadBalancerAddresses[{j}]"
        a = ctx.obj(a_raw, ap)
        addresses.append(
            LoadBalancerAddress(
                ctx.opt_address(a, "IpAddress", ap),
                ctx.opt_address(a, "PrivateIPv4Address", ap),
                ctx.opt_str(a, "AllocationId", ap),
                ctx.opt_address(a, "IPv6Address", ap),
            )
        )
    return LoadBalancerZone(
        ctx.str_(z, "ZoneName", path),
        ctx.opt_str(z, "SubnetId", path),
        tuple(addresses),
        ctx.opt_str(z, "OutpostId", path),
    )


def parse_load_balancers(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.LoadBalancers[{i}]"
        item = ctx.obj(raw, path)
        arn = ctx.str_(item, "LoadBalancerArn", path)
        where = f"{path} ({arn})"
        kind = _enum(
            ctx, ctx.str_(item, "Type", where), LoadBalancerType, f"{where}.Type", "load balancer type"
        )
        state = ctx.opt_obj(item, "State", where)
        zones = tuple(
            _zone(ctx, z, f"{where}.AvailabilityZones[{j}]")
            for j, z in enumerate(ctx.opt_list(item, "AvailabilityZones", where))
        )
        lb = LoadBalancer(
            arn,
            ctx.opt_str(item, "LoadBalancerName", where) or name_from_arn(arn),
            kind,
            (ctx.opt_str(item, "Scheme", where) or "internet-facing").lower(),
            ctx.opt_str(item, "VpcId", where),
            (ctx.opt_str(state, "Code", f"{where}.State") or "active").lower(),
            ctx.opt_str(item, "DNSName", where),
            zones,
            tuple(str(g) for g in ctx.opt_list(item, "SecurityGroups", where)),
            ctx.opt_str(item, "IpAddressType", where),
            ctx.opt_str(item, "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", where),
            tags=tags_of(ctx, item, where),
        )
        ctx.keep(ctx.out.load_balancers, arn, lb, path, "load balancer")


# -- listeners and rules -------------------------------------------------------------------------------


def _actions(ctx: Ctx, item: Json, key: str, path: str) -> tuple[ListenerAction, ...]:
    out = []
    for j, raw in enumerate(ctx.opt_list(item, key, path)):
        ap = f"{path}.{key}[{j}]"
        a = ctx.obj(raw, ap)
        groups: list[WeightedTargetGroup] = []
        tg = ctx.opt_str(a, "TargetGroupArn", ap)
        fwd = ctx.opt_obj(a, "ForwardConfig", ap)
        for k, g_raw in enumerate(ctx.opt_list(fwd, "TargetGroups", f"{ap}.ForwardConfig")):
            gp = f"{ap}.ForwardConfig.TargetGroups[{k}]"
            g = ctx.obj(g_raw, gp)
            weight = g.get("Weight")
            groups.append(
                WeightedTargetGroup(
                    ctx.str_(g, "TargetGroupArn", gp),
                    None if weight is None else ctx.int_(weight, f"{gp}.Weight"),
                )
            )
        if tg is not None and not any(g.target_group_arn == tg for g in groups):
            groups.insert(0, WeightedTargetGroup(tg))
        order = a.get("Order")
        out.append(
            ListenerAction(
                ctx.str_(a, "Type", ap).lower(),
                None if order is None else ctx.int_(order, f"{ap}.Order"),
                tuple(groups),
            )
        )
    return tuple(sorted(out, key=lambda x: x.order if x.order is not None else 0))


def _listener(ctx: Ctx, raw: Any, path: str, lb_arn: str | None = None) -> None:
    item = ctx.obj(raw, path)
    arn = ctx.str_(item, "ListenerArn", path)
    where = f"{path} ({arn})"
    owner = ctx.opt_str(item, "LoadBalancerArn", where) or lb_arn
    if owner is None:
        raise ctx.fail(where, "missing required key 'LoadBalancerArn'")
    protocol = ctx.opt_str(item, "Protocol", where)
    listener = Listener(
        arn,
        owner,
        _opt_port(ctx, item, "Port", where),
        protocol.upper() if protocol else None,
        _actions(ctx, item, "DefaultActions", where),
    )
    ctx.keep(ctx.out.listeners, arn, listener, path, "listener")


def parse_listeners(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        _listener(ctx, raw, f"$.Listeners[{i}]")


def parse_wrapped_listeners(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.LoadBalancerListeners[{i}]"
        item = ctx.obj(raw, path)
        lb_arn = ctx.str_(item, "LoadBalancerArn", path)
        for j, li in enumerate(ctx.opt_list(item, "Listeners", path)):
            _listener(ctx, li, f"{path}.Listeners[{j}]", lb_arn)


def listener_of_rule(rule_arn: str) -> str | None:
    """``…:listener-rule/app/<lb>/<lb-id>/<listener-id>/<rule-id>`` → the listener's ARN."""
    head, sep, tail = rule_arn.partition(":listener-rule/")
    parts = tail.split("/")
    if not sep or len(parts) != 5:
        return None
    return f"{head}:listener/{'/'.join(parts[:4])}"


def parse_rules_document(doc: Json, ctx: Ctx) -> int:
    items = ctx.list_(doc["Rules"], "$.Rules")
    given = ctx.opt_str(doc, "ListenerArn", "$")
    for i, raw in enumerate(items):
        path = f"$.Rules[{i}]"
        item = ctx.obj(raw, path)
        arn = ctx.str_(item, "RuleArn", path)
        where = f"{path} ({arn})"
        listener = given or listener_of_rule(arn)
        if listener is None:
            raise ctx.fail(
                where, 'cannot tell the rule\'s listener: add "ListenerArn" beside "Rules" (describe-rules)'
            )
        raw_priority = item.get("Priority")
        is_default = ctx.opt_bool(item, "IsDefault", where, raw_priority == "default")
        priority = None
        if not is_default and raw_priority not in (None, "default"):
            priority = ctx.int_(raw_priority, f"{where}.Priority")
        fields: list[str] = []
        cidrs: list[str] = []
        for j, c_raw in enumerate(ctx.opt_list(item, "Conditions", where)):
            cp = f"{where}.Conditions[{j}]"
            c = ctx.obj(c_raw, cp)
            name = ctx.str_(c, "Field", cp)
            fields.append(name)
            if name == "source-ip":
                src = ctx.opt_obj(c, "SourceIpConfig", cp)
                values = ctx.opt_list(src, "Values", f"{cp}.SourceIpConfig") or ctx.opt_list(c, "Values", cp)
                for k, v in enumerate(values):
                    cidrs.append(str(ctx.cidr(v, f"{cp}.SourceIpConfig.Values[{k}]")))
        rule = ListenerRule(
            arn,
            listener,
            priority,
            is_default,
            tuple(fields),
            _actions(ctx, item, "Actions", where),
            tuple(cidrs),
        )
        ctx.keep(ctx.out.listener_rules, arn, rule, path, "listener rule")
    return len(items)


# -- target groups and health --------------------------------------------------------------------------


def parse_target_groups(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.TargetGroups[{i}]"
        item = ctx.obj(raw, path)
        arn = ctx.str_(item, "TargetGroupArn", path)
        where = f"{path} ({arn})"
        hc_port = item.get("HealthCheckPort")
        protocol = ctx.opt_str(item, "Protocol", where)
        hc_protocol = ctx.opt_str(item, "HealthCheckProtocol", where)
        tg = TargetGroup(
            arn,
            ctx.opt_str(item, "TargetGroupName", where) or name_from_arn(arn),
            protocol.upper() if protocol else None,
            _opt_port(ctx, item, "Port", where),
            _enum(
                ctx,
                ctx.opt_str(item, "TargetType", where) or "instance",
                TargetType,
                f"{where}.TargetType",
                "target type",
            ),
            ctx.opt_str(item, "VpcId", where),
            ctx.opt_bool(item, "HealthCheckEnabled", where, True),
            None
            if hc_port in (None, "", "traffic-port")
            else _port(ctx, hc_port, f"{where}.HealthCheckPort"),
            hc_protocol.upper() if hc_protocol else None,
            tuple(str(a) for a in ctx.opt_list(item, "LoadBalancerArns", where)),
            ctx.opt_str(item, "IpAddressType", where),
            tags=tags_of(ctx, item, where),
        )
        ctx.keep(ctx.out.target_groups, arn, tg, path, "target group")


def _health(ctx: Ctx, tg_arn: str, items: list[Any], path: str) -> None:
    known = ctx.out.target_health.setdefault(tg_arn, {})
    for j, raw in enumerate(items):
        hp = f"{path}[{j}]"
        d = ctx.obj(raw, hp)
        target = ctx.obj(ctx.req(d, "Target", hp), f"{hp}.Target")
        health = ctx.opt_obj(d, "TargetHealth", hp)
        state_text = ctx.opt_str(health, "State", f"{hp}.TargetHealth")
        if state_text is None:
            raise ctx.fail(f"{hp}.TargetHealth", "missing required key 'State'")
        hc = d.get("HealthCheckPort")
        th = TargetHealth(
            tg_arn,
            ctx.str_(target, "Id", f"{hp}.Target"),
            _opt_port(ctx, target, "Port", f"{hp}.Target"),
            ctx.opt_str(target, "AvailabilityZone", f"{hp}.Target"),
            _enum(ctx, state_text, TargetHealthState, f"{hp}.TargetHealth.State", "target health state"),
            ctx.opt_str(health, "Reason", f"{hp}.TargetHealth"),
            None if hc in (None, "", "traffic-port") else _port(ctx, hc, f"{hp}.HealthCheckPort"),
        )
        key = (th.target_id, th.port)
        old = known.get(key)
        if old is None:
            known[key] = th
        elif old != th:
            ctx.warn(
                "DUPLICATE_ID",
                f"target {th.target_id} of {tg_arn} appears again with different health; the first is kept",
                hp,
                tg_arn,
            )


def parse_wrapped_target_health(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.LoadBalancerTargetHealth[{i}]"
        item = ctx.obj(raw, path)
        tg_arn = ctx.str_(item, "TargetGroupArn", path)
        descriptions = ctx.opt_list(item, "TargetHealthDescriptions", path)
        _health(ctx, tg_arn, descriptions, f"{path}.TargetHealthDescriptions")


def parse_target_health_document(doc: Json, ctx: Ctx) -> int:
    items = ctx.list_(doc["TargetHealthDescriptions"], "$.TargetHealthDescriptions")
    tg_arn = ctx.opt_str(doc, "TargetGroupArn", "$")
    if tg_arn is None:
        # describe-target-health does not name its group: without it the health cannot be attributed
        ctx.warn(
            "UNATTRIBUTED_TARGET_HEALTH",
            f"{len(items)} target health description(s) without a target group: add "
            '"TargetGroupArn" beside "TargetHealthDescriptions"; not used',
            "$.TargetHealthDescriptions",
        )
        return len(items)
    _health(ctx, tg_arn, items, "$.TargetHealthDescriptions")
    return len(items)


# -- attributes ----------------------------------------------------------------------------------------


def _attributes(ctx: Ctx, item: Json, path: str) -> Attributes:
    out = []
    for j, raw in enumerate(ctx.opt_list(item, "Attributes", path)):
        ap = f"{path}.Attributes[{j}]"
        a = ctx.obj(raw, ap)
        value = a.get("Value")
        out.append((ctx.str_(a, "Key", ap), "" if value is None else str(value)))
    return tuple(out)


def _keep_attributes(ctx: Ctx, registry: dict[str, Attributes], arn: str, attrs: Attributes) -> None:
    merged = dict(registry.get(arn, ()))
    merged.update(attrs)
    registry[arn] = tuple(merged.items())


def parse_lb_attributes(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.LoadBalancerAttributes[{i}]"
        item = ctx.obj(raw, path)
        arn = ctx.str_(item, "LoadBalancerArn", path)
        _keep_attributes(ctx, ctx.out.lb_attributes, arn, _attributes(ctx, item, path))


def parse_tg_attributes(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.TargetGroupAttributes[{i}]"
        item = ctx.obj(raw, path)
        arn = ctx.str_(item, "TargetGroupArn", path)
        _keep_attributes(ctx, ctx.out.tg_attributes, arn, _attributes(ctx, item, path))


def parse_attributes_document(doc: Json, ctx: Ctx) -> int:
    attrs = _attributes(ctx, doc, "$")
    lb_arn = ctx.opt_str(doc, "LoadBalancerArn", "$")
    tg_arn = ctx.opt_str(doc, "TargetGroupArn", "$")
    if lb_arn is not None:
        _keep_attributes(ctx, ctx.out.lb_attributes, lb_arn, attrs)
    elif tg_arn is not None:
        _keep_attributes(ctx, ctx.out.tg_attributes, tg_arn, attrs)
    else:
        ctx.warn(
            "UNATTRIBUTED_ATTRIBUTES",
            f'{len(attrs)} attribute(s) without an owner: add "LoadBalancerArn" or "TargetGroupArn" '
            'beside "Attributes"; not used',
            "$.Attributes",
        )
    return len(attrs)


LOAD_BALANCERS = FunctionParser("LoadBalancers", parse_load_balancers)
LISTENERS = FunctionParser("Listeners", parse_listeners)
WRAPPED_LISTENERS = FunctionParser("LoadBalancerListeners", parse_wrapped_listeners)
TARGET_GROUPS = FunctionParser("TargetGroups", parse_target_groups)
WRAPPED_TARGET_HEALTH = FunctionParser("LoadBalancerTargetHealth", parse_wrapped_target_health)
LB_ATTRIBUTES = FunctionParser("LoadBalancerAttributes", parse_lb_attributes)
TG_ATTRIBUTES = FunctionParser("TargetGroupAttributes", parse_tg_attributes)
RULES = DocumentParser("Rules", frozenset({"ListenerArn"}), parse_rules_document)
TARGET_HEALTH = DocumentParser(
    "TargetHealthDescriptions", frozenset({"TargetGroupArn"}), parse_target_health_document
)
ATTRIBUTES = DocumentParser(
    "Attributes", frozenset({"LoadBalancerArn", "TargetGroupArn"}), parse_attributes_document
)
