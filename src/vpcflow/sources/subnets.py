"""describe-subnets → ``Subnet`` (an IPv6-only subnet has no IPv4 CIDR)."""

from __future__ import annotations

from typing import Any

from vpcflow.model import Subnet
from vpcflow.sources.base import Ctx, FunctionParser, tags_of
from vpcflow.sources.vpcs import associated_cidrs


def parse_subnets(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.Subnets[{i}]"
        item, subnet_id = ctx.begin(raw, path, "SubnetId")
        v4 = ctx.cidr(item["CidrBlock"], f"{path}.CidrBlock", version=4) if item.get("CidrBlock") else None
        v6 = associated_cidrs(
            ctx, item, "Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock", "Ipv6CidrBlockState", path, version=6
        )
        if v4 is None and not v6:
            raise ctx.fail(path, "missing required key 'CidrBlock' (or an IPv6 CIDR association)")
        vpc_id = ctx.str_(item, "VpcId", path)
        ctx.refer(subnet_id, vpc_id, f"{path}.VpcId")
        subnet = Subnet(
            subnet_id,
            vpc_id,
            v4,
            tuple(v6),
            ctx.opt_str(item, "AvailabilityZone", path),
            ctx.opt_str(item, "OwnerId", path) or ctx.account,
            tags_of(ctx, item, path),
            ctx.opt_str(item, "AvailabilityZoneId", path),
        )
        ctx.keep(ctx.out.subnets, subnet_id, subnet, path, "subnet")


PARSER = FunctionParser("Subnets", parse_subnets)
