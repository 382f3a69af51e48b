"""describe-security-groups → ``SecurityGroup`` with one ``SecurityGroupRule`` per (permission, peer).

https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html: ports restrict tcp/udp only;
for icmp/icmpv6 FromPort is the type and ToPort the code (-1 = any); for -1 and every other protocol
number the port fields are ignored ("allows traffic on all ports, regardless of any port range").
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import (
    CidrPeer,
    Direction,
    GroupPeer,
    IcmpMatch,
    Peer,
    PortRange,
    PrefixListPeer,
    SecurityGroup,
    SecurityGroupRule,
)
from vpcflow.model.filters import icmp_applies, ports_apply
from vpcflow.sources.base import Ctx, FunctionParser, Json, tags_of


def port(ctx: Ctx, value: Any, path: str) -> int:
    n = ctx.int_(value, path)
    if not -1 <= n <= 65535:
        raise ctx.fail(path, f"port {n} out of range (expected 0-65535 or -1)")
    return n


def _match(
    ctx: Ctx, gid: str, perm: Json, proto: int, path: str
) -> tuple[PortRange | None, IcmpMatch | None]:
    lo_raw, hi_raw = perm.get("FromPort"), perm.get("ToPort")
    if ports_apply(proto):
        if lo_raw is None and hi_raw is None:
            return None, None  # no range given: all ports
        lo = 0 if lo_raw is None else port(ctx, lo_raw, f"{path}.FromPort")
        hi = 65535 if hi_raw is None else port(ctx, hi_raw, f"{path}.ToPort")
        if lo == -1 and hi == -1:
            return None, None
        if lo == -1 or hi == -1:
            # AWS never returns this; read each side as Batfish does (-1 → 0 / 65535) and say so
            ctx.warn(
                "INVALID_RULE",
                f"{gid}: port range {lo}-{hi} has -1 on one side only; read as "
                f"{max(lo, 0)}-{65535 if hi == -1 else hi}",
                path,
                gid,
            )
            lo, hi = max(lo, 0), 65535 if hi == -1 else hi
        if lo > hi:
            raise ctx.fail(f"{path}.FromPort", f"FromPort {lo} is above ToPort {hi}")
        return PortRange(lo, hi), None
    if icmp_applies(proto):
        # icmpv6 may omit the range: all types and codes
        t = -1 if lo_raw is None else ctx.int_(lo_raw, f"{path}.FromPort")
        c = -1 if hi_raw is None else ctx.int_(hi_raw, f"{path}.ToPort")
        if not -1 <= t <= 255:
            raise ctx.fail(f"{path}.FromPort", f"ICMP type {t} out of range (expected -1 or 0-255)")
        if not -1 <= c <= 255:
            raise ctx.fail(f"{path}.ToPort", f"ICMP code {c} out of range (expected -1 or 0-255)")
        if t == -1 and c != -1:
            # "If you specify all ICMP types, you must specify all codes" (API_IpPermission)
            ctx.warn(
                "INVALID_RULE",
                f"{gid}: ICMP code {c} with all types (-1) cannot exist in AWS; kept as any type, code {c}",
                path,
                gid,
            )
        return None, IcmpMatch(t, c)
    return None, None


def _peers(ctx: Ctx, perm: Json, path: str) -> list[tuple[Peer, str | None]]:
    peers: list[tuple[Peer, str | None]] = []
    for i, raw in enumerate(ctx.opt_list(perm, "IpRanges", path)):
        p = f"{path}.IpRanges[{i}]"
        r = ctx.obj(raw, p)
        cidr = ctx.cidr(ctx.req(r, "CidrIp", p), f"{p}.CidrIp", version=4)
        peers.append((CidrPeer(cidr), ctx.opt_str(r, "Description", p)))
    for i, raw in enumerate(ctx.opt_list(perm, "Ipv6Ranges", path)):
        p = f"{path}.Ipv6Ranges[{i}]"
        r = ctx.obj(raw, p)
        cidr = ctx.cidr(ctx.req(r, "CidrIpv6", p), f"{p}.CidrIpv6", version=6)
        peers.append((CidrPeer(cidr), ctx.opt_str(r, "Description", p)))
    for i, raw in enumerate(ctx.opt_list(perm, "PrefixListIds", path)):
        p = f"{path}.PrefixListIds[{i}]"
        r = ctx.obj(raw, p)
        peers.append((PrefixListPeer(ctx.str_(r, "PrefixListId", p)), ctx.opt_str(r, "Description", p)))
    for i, raw in enumerate(ctx.opt_list(perm, "UserIdGroupPairs", path)):
        p = f"{path}.UserIdGroupPairs[{i}]"
        r = ctx.obj(raw, p)
        # EC2-Classic pairs could name a group only; in a VPC the id is always present
        group_id = ctx.str_(r, "GroupId", p)
        if ctx.resource is not None:
            ctx.refer(ctx.resource, group_id, p)
        group = GroupPeer(
            group_id,
            ctx.opt_str(r, "UserId", p),
            ctx.opt_str(r, "VpcId", p),
            ctx.opt_str(r, "PeeringStatus", p),
        )
        peers.append((group, ctx.opt_str(r, "Description", p)))
    return peers


def _rules(
    ctx: Ctx, gid: str, item: Json, key: str, direction: Direction, path: str
) -> tuple[SecurityGroupRule, ...]:
    out: list[SecurityGroupRule] = []
    for pi, raw in enumerate(ctx.opt_list(item, key, path)):
        p = f"{path}.{key}[{pi}]"
        perm = ctx.obj(raw, p)
        proto = ctx.protocol(ctx.req(perm, "IpProtocol", p), f"{p}.IpProtocol")
        ports, icmp = _match(ctx, gid, perm, proto, p)
        for qi, (peer, desc) in enumerate(_peers(ctx, perm, p)):
            out.append(SecurityGroupRule(gid, direction, pi, qi, proto, ports, icmp, peer, desc))
    return tuple(out)


def parse_security_groups(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.SecurityGroups[{i}]"
        item, gid = ctx.begin(raw, path, "GroupId")
        vpc_id = ctx.opt_str(item, "VpcId", path)
        if vpc_id is not None:
            ctx.refer(gid, vpc_id, f"{path}.VpcId")
        group = SecurityGroup(
            gid,
            ctx.opt_str(item, "GroupName", path) or gid,
            vpc_id,
            ctx.opt_str(item, "OwnerId", path) or ctx.account,
            ctx.opt_str(item, "Description", path),
            _rules(ctx, gid, item, "IpPermissions", Direction.INGRESS, path),
            _rules(ctx, gid, item, "IpPermissionsEgress", Direction.EGRESS, path),
            tags_of(ctx, item, path),
        )
        ctx.keep(ctx.out.security_groups, gid, group, path, "security group")


PARSER = FunctionParser("SecurityGroups", parse_security_groups)
