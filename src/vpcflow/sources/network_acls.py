"""describe-network-acls → ``NetworkAcl``: entries sorted by rule number, the ``*`` entries implied.

https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html: rules are evaluated lowest number first
and the final ``*`` rule (32767 for IPv4, 32768 for IPv6 in the API) denies what nothing matched. AWS
always returns the ``*`` entries; moto and hand-written files often omit them, so they are added here
(IPv6 ``*`` when the ACL has an IPv6 entry; ``resolve`` adds it when the VPC has an IPv6 CIDR).
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import (
    DEFAULT_DENY_V4,
    DEFAULT_DENY_V6,
    WORLD_V4,
    WORLD_V6,
    Direction,
    IcmpMatch,
    NetworkAcl,
    NetworkAclEntry,
    PortRange,
    RuleAction,
)
from vpcflow.model.filters import icmp_applies, ports_apply
from vpcflow.sources.base import Ctx, FunctionParser, show, tags_of
from vpcflow.sources.security_groups import port


def _entry(ctx: Ctx, acl_id: str, raw: Any, path: str) -> NetworkAclEntry:
    e = ctx.obj(raw, path)
    number = ctx.int_(ctx.req(e, "RuleNumber", path), f"{path}.RuleNumber")
    if not 1 <= number <= DEFAULT_DENY_V6:
        raise ctx.fail(f"{path}.RuleNumber", f"rule number {number} out of range 1-32766 (32767/32768 for *)")
    egress = ctx.req(e, "Egress", path)
    if not isinstance(egress, bool):
        raise ctx.fail(f"{path}.Egress", f"expected true or false, found {show(egress)}")
    action_raw = ctx.str_(e, "RuleAction", path).lower()
    if action_raw not in ("allow", "deny"):
        raise ctx.fail(f"{path}.RuleAction", f"expected allow or deny, found {show(action_raw)}")
    proto = ctx.protocol(ctx.req(e, "Protocol", path), f"{path}.Protocol")
    if e.get("CidrBlock"):
        cidr = ctx.cidr(e["CidrBlock"], f"{path}.CidrBlock", version=4)
    elif e.get("Ipv6CidrBlock"):
        cidr = ctx.cidr(e["Ipv6CidrBlock"], f"{path}.Ipv6CidrBlock", version=6)
    else:
        raise ctx.fail(path, "missing required key 'CidrBlock' or 'Ipv6CidrBlock'")
    ports: PortRange | None = None
    icmp: IcmpMatch | None = None
    # PortRange only means something for 6/17, IcmpTypeCode for 1/58 (API_NetworkAclEntry)
    if ports_apply(proto) and e.get("PortRange") is not None:
        pp = f"{path}.PortRange"
        pr = ctx.obj(e["PortRange"], pp)
        lo = port(ctx, ctx.req(pr, "From", pp), f"{pp}.From")
        hi = port(ctx, ctx.req(pr, "To", pp), f"{pp}.To")
        if lo > hi:
            raise ctx.fail(pp, f"From {lo} is above To {hi}")
        ports = PortRange(max(lo, 0), hi) if hi >= 0 else None
    if icmp_applies(proto) and e.get("IcmpTypeCode") is not None:
        tp = f"{path}.IcmpTypeCode"
        tc = ctx.obj(e["IcmpTypeCode"], tp)
        t = ctx.int_(tc.get("Type", -1), f"{tp}.Type")
        c = ctx.int_(tc.get("Code", -1), f"{tp}.Code")
        if not -1 <= t <= 255 or not -1 <= c <= 255:
            raise ctx.fail(tp, f"ICMP type/code {t}/{c} out of range (expected -1 or 0-255)")
        icmp = IcmpMatch(t, c)
    return NetworkAclEntry(
        acl_id,
        number,
        Direction.EGRESS if egress else Direction.INGRESS,
        RuleAction(action_raw),
        proto,
        cidr,
        ports,
        icmp,
    )


def with_default_entries(
    acl_id: str, direction: Direction, entries: list[NetworkAclEntry], v6: bool
) -> tuple[NetworkAclEntry, ...]:
    """Add the missing ``*`` entries and sort by rule number (evaluation order, never file order)."""
    numbers = {e.rule_number for e in entries}
    out = list(entries)
    if DEFAULT_DENY_V4 not in numbers:
        out.append(NetworkAclEntry(acl_id, DEFAULT_DENY_V4, direction, RuleAction.DENY, -1, WORLD_V4))
    if v6 and DEFAULT_DENY_V6 not in numbers:
        out.append(NetworkAclEntry(acl_id, DEFAULT_DENY_V6, direction, RuleAction.DENY, -1, WORLD_V6))
    out.sort(key=lambda e: e.rule_number)
    return tuple(out)


def parse_network_acls(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.NetworkAcls[{i}]"
        item, acl_id = ctx.begin(raw, path, "NetworkAclId")
        entries = [
            _entry(ctx, acl_id, e, f"{path}.Entries[{j}]")
            for j, e in enumerate(ctx.opt_list(item, "Entries", path))
        ]
        seen: dict[tuple[Direction, int], int] = {}
        for j, e in enumerate(entries):
            key = (e.direction, e.rule_number)
            if key in seen:
                # AWS refuses a second entry with a number in use (NetworkAclEntryAlreadyExists), so
                # which one is evaluated first cannot be known: the ACL is a contradiction, not an error
                ctx.contradict(
                    "DUPLICATE_RULE_NUMBER",
                    acl_id,
                    f"{acl_id} has two {e.direction.value} entries numbered {e.rule_number} "
                    f"(Entries[{seen[key]}] and Entries[{j}])",
                    f"{path}.Entries[{j}].RuleNumber",
                )
            seen.setdefault(key, j)
        has_v6 = any(e.cidr.version == 6 for e in entries)
        by_dir: dict[Direction, list[NetworkAclEntry]] = {Direction.INGRESS: [], Direction.EGRESS: []}
        for e in entries:
            by_dir[e.direction].append(e)
        subnets = []
        for j, a in enumerate(ctx.opt_list(item, "Associations", path)):
            ap = f"{path}.Associations[{j}]"
            sid = ctx.opt_str(ctx.obj(a, ap), "SubnetId", ap)
            if sid:
                subnets.append(sid)
                ctx.refer(acl_id, sid, ap)
        vpc_id = ctx.str_(item, "VpcId", path)
        ctx.refer(acl_id, vpc_id, f"{path}.VpcId")
        acl = NetworkAcl(
            acl_id,
            vpc_id,
            ctx.opt_bool(item, "IsDefault", path, False),
            with_default_entries(acl_id, Direction.INGRESS, by_dir[Direction.INGRESS], has_v6),
            with_default_entries(acl_id, Direction.EGRESS, by_dir[Direction.EGRESS], has_v6),
            frozenset(subnets),
            tags_of(ctx, item, path),
        )
        ctx.keep(ctx.out.network_acls, acl_id, acl, path, "network ACL")


PARSER = FunctionParser("NetworkAcls", parse_network_acls)
