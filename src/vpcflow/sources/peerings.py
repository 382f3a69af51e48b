"""describe-vpc-peering-connections → ``VpcPeeringConnection``.

All are loaded whatever their ``Status.Code``; only ``active`` ones carry traffic (the engine checks).
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import Cidr, VpcPeeringConnection
from vpcflow.sources.base import Ctx, FunctionParser, Json


def _vpc_info(
    ctx: Ctx, item: Json, key: str, path: str
) -> tuple[str, tuple[Cidr, ...], str | None, str | None]:
    p = f"{path}.{key}"
    info = ctx.obj(ctx.req(item, key, path), p)
    cidrs: list[Cidr] = []
    for j, raw in enumerate(ctx.opt_list(info, "CidrBlockSet", p)):
        cp = f"{p}.CidrBlockSet[{j}]"
        cidrs.append(ctx.cidr(ctx.req(ctx.obj(raw, cp), "CidrBlock", cp), f"{cp}.CidrBlock", version=4))
    if not cidrs and info.get("CidrBlock"):
        cidrs.append(ctx.cidr(info["CidrBlock"], f"{p}.CidrBlock", version=4))
    for j, raw in enumerate(ctx.opt_list(info, "Ipv6CidrBlockSet", p)):
        cp = f"{p}.Ipv6CidrBlockSet[{j}]"
        cidrs.append(
            ctx.cidr(ctx.req(ctx.obj(raw, cp), "Ipv6CidrBlock", cp), f"{cp}.Ipv6CidrBlock", version=6)
        )
    return (
        ctx.str_(info, "VpcId", p),
        tuple(cidrs),
        ctx.opt_str(info, "OwnerId", p),
        ctx.opt_str(info, "Region", p),
    )


def parse_peerings(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.VpcPeeringConnections[{i}]"
        item, pcx_id = ctx.begin(raw, path, "VpcPeeringConnectionId")
        status = ctx.opt_str(ctx.opt_obj(item, "Status", path), "Code", f"{path}.Status") or "unknown"
        rv, rc, ro, rr = _vpc_info(ctx, item, "RequesterVpcInfo", path)
        av, ac, ao, ar = _vpc_info(ctx, item, "AccepterVpcInfo", path)
        pcx = VpcPeeringConnection(pcx_id, status, rv, rc, ro, rr, av, ac, ao, ar)
        ctx.keep(ctx.out.peerings, pcx_id, pcx, path, "VPC peering connection")


PARSER = FunctionParser("VpcPeeringConnections", parse_peerings)
