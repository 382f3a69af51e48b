"""Security groups (describe-security-groups) and network ACLs (describe-network-acls)."""

from __future__ import annotations

from typing import Any

from vpcflow.model import (
    DEFAULT_DENY_V4,
    DEFAULT_DENY_V6,
    WORLD_V4,
    WORLD_V6,
    CidrPeer,
    Direction,
    GroupPeer,
    IcmpMatch,
    NetworkAcl,
    NetworkAclEntry,
    Peer,
    PortRange,
    PrefixListPeer,
    RuleAction,
    SecurityGroup,
    SecurityGroupRule,
)
from vpcflow.model.filters import icmp_applies, ports_apply
from vpcflow.sources.base import Ctx, Json, tags_of


def _port(ctx: Ctx, value: Any, path: str) -> int:
    n = ctx.int_(value, path)
    if not -1 <= n <= 65535:
        raise ctx.fail(path, f"port {n} out of range (expected 0-65535 or -1)")
    return n


def _sg_match(ctx: Ctx, perm: Json, proto: int, path: str) -> tuple[PortRange | None, IcmpMatch | None]:
    """Ports for tcp/udp, type/code for icmp; ignored for -1 and other protocols (API_IpPermission)."""
    lo_raw, hi_raw = perm.get("FromPort"), perm.get("ToPort")
    if ports_apply(proto):
        if lo_raw is None or hi_raw is None:
            return None, None  # all ports
        lo, hi = _port(ctx, lo_raw, f"{path}.FromPort"), _port(ctx, hi_raw, f"{path}.ToPort")
        if lo == -1 or hi == -1:
            return None, None
        if lo > hi:
            raise ctx.fail(f"{path}.FromPort", f"FromPort {lo} is above ToPort {hi}")
        return PortRange(lo, hi), None
    if icmp_applies(proto):
        t = -1 if lo_raw is None else ctx.int_(lo_raw, f"{path}.FromPort")
        c = -1 if hi_raw is None else ctx.int_(hi_raw, f"{path}.ToPort")
        if not -1 <= t <= 255 or not -1 <= c <= 255:
            raise ctx.fail(f"{path}.FromPort", f"ICMP type/code {t}/{c} out of range (-1 or 0-255)")
        return None, IcmpMatch(t, c)
    return None, None


def _peers(ctx: Ctx, perm: Json, path: str) -> list[tuple[Peer, str | None]]:
    peers: list[tuple[Peer, str | None]] = []
    for i, r in enumerate(ctx.opt_list(perm, "IpRanges", path)):
        p = f"{path}.IpRanges[{i}]"
        r = ctx.obj(r, p)
        peers.append(
            (CidrPeer(ctx.cidr(ctx.req(r, "CidrIp", p), f"{p}.CidrIp")), ctx.opt_str(r, "Description", p))
        )
    for i, r in enumerate(ctx.opt_list(perm, "Ipv6Ranges", path)):
        p = f"{path}.Ipv6Ranges[{i}]"
        r = ctx.obj(r, p)
        peers.append(
            (CidrPeer(ctx.cidr(ctx.req(r, "CidrIpv6", p), f"{p}.CidrIpv6")), ctx.opt_str(r, "Description", p))
        )
    for i, r in enumerate(ctx.opt_list(perm, "PrefixListIds", path)):
        p = f"{path}.PrefixListIds[{i}]"
        r = ctx.obj(r, p)
        peers.append((PrefixListPeer(ctx.str_(r, "PrefixListId", p)), ctx.opt_str(r, "Description", p)))
    for i, r in enumerate(ctx.opt_list(perm, "UserIdGroupPairs", path)):
        p = f"{path}.UserIdGroupPairs[{i}]"
        r = ctx.obj(r, p)
        gid = ctx.opt_str(r, "GroupId", p)
        if gid is None:
            # EC2-Classic style pairs name the group only; in a VPC the id is always present
            raise ctx.fail(p, "missing required key 'GroupId'")
        peers.append(
            (
                GroupPeer(
                    gid,
                    ctx.opt_str(r, "UserId", p),
                    ctx.opt_str(r, "VpcId", p),
                    ctx.opt_str(r, "PeeringStatus", p),
                ),
                ctx.opt_str(r, "Description", p),
            )
        )
    return peers


def _rules(
    ctx: Ctx, gid: str, item: Json, key: str, direction: Direction, path: str
) -> tuple[SecurityGroupRule, ...]:
    out: list[SecurityGroupRule] = []
    for pi, perm in enumerate(ctx.opt_list(item, key, path)):
        p = f"{path}.{key}[{pi}]"
        perm = ctx.obj(perm, p)
        proto = ctx.protocol(ctx.req(perm, "IpProtocol", p), f"{p}.IpProtocol")
        ports, icmp = _sg_match(ctx, perm, proto, p)
        for qi, (peer, desc) in enumerate(_peers(ctx, perm, p)):
            out.append(SecurityGroupRule(gid, direction, pi, qi, proto, ports, icmp, peer, desc))
    return tuple(out)


def parse_security_groups(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.SecurityGroups[{i}]"
        item = ctx.obj(raw, path)
        gid = ctx.str_(item, "GroupId", path)
        ctx.out.security_groups.append(
            SecurityGroup(
                gid,
                ctx.opt_str(item, "GroupName", path) or gid,
                ctx.opt_str(item, "VpcId", path),
                ctx.opt_str(item, "OwnerId", path) or ctx.account,
                ctx.opt_str(item, "Description", path),
                _rules(ctx, gid, item, "IpPermissions", Direction.INGRESS, path),
                _rules(ctx, gid, item, "IpPermissionsEgress", Direction.EGRESS, path),
                tags_of(ctx, item, path),
            )
        )


def _entry(ctx: Ctx, acl_id: str, raw: Any, path: str) -> NetworkAclEntry:
    e = ctx.obj(raw, path)
    number = ctx.int_(ctx.req(e, "RuleNumber", path), f"{path}.RuleNumber")
    if not 1 <= number <= 32768:
        raise ctx.fail(f"{path}.RuleNumber", f"rule number {number} out of range 1-32766 (32767/32768 for *)")
    egress = ctx.req(e, "Egress", path)
    if not isinstance(egress, bool):
        raise ctx.fail(f"{path}.Egress", f"expected true or false, found {egress!r}")
    action_raw = ctx.str_(e, "RuleAction", path).lower()
    if action_raw not in ("allow", "deny"):
        raise ctx.fail(f"{path}.RuleAction", f"expected allow or deny, found {action_raw!r}")
    proto = ctx.protocol(ctx.req(e, "Protocol", path), f"{path}.Protocol")
    if "CidrBlock" in e:
        cidr = ctx.cidr(e["CidrBlock"], f"{path}.CidrBlock")
    elif "Ipv6CidrBlock" in e:
        cidr = ctx.cidr(e["Ipv6CidrBlock"], f"{path}.Ipv6CidrBlock")
    else:
        raise ctx.fail(path, "missing required key 'CidrBlock' or 'Ipv6CidrBlock'")
    ports: PortRange | None = None
    icmp: IcmpMatch | None = None
    if ports_apply(proto) and isinstance(e.get("PortRange"), dict):
        pr = e["PortRange"]
        lo = _port(ctx, ctx.req(pr, "From", f"{path}.PortRange"), f"{path}.PortRange.From")
        hi = _port(ctx, ctx.req(pr, "To", f"{path}.PortRange"), f"{path}.PortRange.To")
        if lo > hi:
            raise ctx.fail(f"{path}.PortRange", f"From {lo} is above To {hi}")
        ports = PortRange(max(lo, 0), hi)
    if icmp_applies(proto) and isinstance(e.get("IcmpTypeCode"), dict):
        tc = e["IcmpTypeCode"]
        icmp = IcmpMatch(
            ctx.int_(tc.get("Type", -1), f"{path}.IcmpTypeCode.Type"),
            ctx.int_(tc.get("Code", -1), f"{path}.IcmpTypeCode.Code"),
        )
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


def parse_network_acls(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.NetworkAcls[{i}]"
        item = ctx.obj(raw, path)
        acl_id = ctx.str_(item, "NetworkAclId", path)
        entries = [
            _entry(ctx, acl_id, e, f"{path}.Entries[{j}]")
            for j, e in enumerate(ctx.opt_list(item, "Entries", path))
        ]
        has_v6 = any(e.cidr.version == 6 for e in entries)
        by_dir: dict[Direction, list[NetworkAclEntry]] = {Direction.INGRESS: [], Direction.EGRESS: []}
        for e in entries:
            by_dir[e.direction].append(e)
        for direction, lst in by_dir.items():
            # AWS always has the `*` deny entries; moto and hand-made files often omit them.
            # https://docs.aws.amazon.com/vpc/latest/userguide/nacl-basics.html
            if not any(e.rule_number == DEFAULT_DENY_V4 for e in lst):
                lst.append(NetworkAclEntry(acl_id, DEFAULT_DENY_V4, direction, RuleAction.DENY, -1, WORLD_V4))
            if has_v6 and not any(e.rule_number == DEFAULT_DENY_V6 for e in lst):
                lst.append(NetworkAclEntry(acl_id, DEFAULT_DENY_V6, direction, RuleAction.DENY, -1, WORLD_V6))
            # evaluation order is the rule number, never the file order
            lst.sort(key=lambda e: e.rule_number)
        subnets = []
        for j, a in enumerate(ctx.opt_list(item, "Associations", path)):
            a = ctx.obj(a, f"{path}.Associations[{j}]")
            sid = ctx.opt_str(a, "SubnetId", f"{path}.Associations[{j}]")
            if sid:
                subnets.append(sid)
        is_default = item.get("IsDefault", False)
        ctx.out.network_acls.append(
            NetworkAcl(
                acl_id,
                ctx.str_(item, "VpcId", path),
                bool(is_default),
                tuple(by_dir[Direction.INGRESS]),
                tuple(by_dir[Direction.EGRESS]),
                frozenset(subnets),
                tags_of(ctx, item, path),
            )
        )
