"""describe-vpcs → ``Vpc`` (IPv4 and IPv6 CIDR associations; account/region from the file's scope)."""

from __future__ import annotations

from typing import Any

from vpcflow.model import Cidr, Vpc
from vpcflow.sources.base import Ctx, FunctionParser, Json, tags_of


def associated_cidrs(
    ctx: Ctx, item: Json, key: str, cidr_key: str, state_key: str, path: str, version: int
) -> list[Cidr]:
    """CIDRs of an association set whose state is ``associated`` (disassociated ones no longer route);
    each must be of the family the field holds (``version``)."""
    out: list[Cidr] = []
    for j, raw in enumerate(ctx.opt_list(item, key, path)):
        p = f"{path}.{key}[{j}]"
        a = ctx.obj(raw, p)
        state = ctx.opt_str(ctx.opt_obj(a, state_key, p), "State", f"{p}.{state_key}") or "associated"
        if state in ("associated", "associating") and a.get(cidr_key):
            out.append(ctx.cidr(a[cidr_key], f"{p}.{cidr_key}", version))
    return out


def parse_vpcs(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.Vpcs[{i}]"
        item, vpc_id = ctx.begin(raw, path, "VpcId")
        v4 = associated_cidrs(ctx, item, "CidrBlockAssociationSet", "CidrBlock", "CidrBlockState", path, 4)
        if not v4:
            # every VPC has a primary IPv4 CIDR; some outputs carry only the CidrBlock field
            v4.append(ctx.cidr(ctx.req(item, "CidrBlock", path), f"{path}.CidrBlock", version=4))
        v6 = associated_cidrs(
            ctx, item, "Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock", "Ipv6CidrBlockState", path, 6
        )
        vpc = Vpc(
            vpc_id,
            tuple(v4),
            tuple(v6),
            ctx.opt_str(item, "OwnerId", path) or ctx.account,
            ctx.region,
            ctx.opt_bool(item, "IsDefault", path, False),
            tags_of(ctx, item, path),
        )
        ctx.keep(ctx.out.vpcs, vpc_id, vpc, path, "VPC")


PARSER = FunctionParser("Vpcs", parse_vpcs)
