"""describe-internet-gateways, describe-egress-only-internet-gateways, describe-nat-gateways."""

from __future__ import annotations

from typing import Any

from vpcflow.model import InternetGateway, NatGateway
from vpcflow.sources.base import Ctx, FunctionParser, Json, tags_of


def _gateways(items: list[Any], ctx: Ctx, key: str, id_key: str, egress_only: bool) -> None:
    for i, raw in enumerate(items):
        path = f"$.{key}[{i}]"
        item, gid = ctx.begin(raw, path, id_key)
        vpcs = []
        for j, a_raw in enumerate(ctx.opt_list(item, "Attachments", path)):
            ap = f"{path}.Attachments[{j}]"
            a = ctx.obj(a_raw, ap)
            # IGW attachments say "available" when attached; egress-only ones say "attached"
            if (ctx.opt_str(a, "State", ap) or "available") in ("available", "attached"):
                vpcs.append(ctx.str_(a, "VpcId", ap))
                ctx.refer(gid, vpcs[-1], f"{ap}.VpcId")
        gateway = InternetGateway(gid, tuple(vpcs), egress_only, tags_of(ctx, item, path))
        ctx.keep(ctx.out.internet_gateways, gid, gateway, path, "internet gateway")


def parse_internet_gateways(items: list[Any], ctx: Ctx) -> None:
    _gateways(items, ctx, "InternetGateways", "InternetGatewayId", egress_only=False)


def parse_egress_only_gateways(items: list[Any], ctx: Ctx) -> None:
    _gateways(items, ctx, "EgressOnlyInternetGateways", "EgressOnlyInternetGatewayId", egress_only=True)


def parse_nat_gateways(items: list[Any], ctx: Ctx) -> None:
    """The primary address (``IsPrimary``, else the first) is the gateway's; ConnectivityType defaults
    to ``public`` (outputs from before private NAT gateways existed have no such field)."""
    for i, raw in enumerate(items):
        path = f"$.NatGateways[{i}]"
        item, nat_id = ctx.begin(raw, path, "NatGatewayId")
        primary: Json = {}
        apath = path
        for j, a_raw in enumerate(ctx.opt_list(item, "NatGatewayAddresses", path)):
            ap = f"{path}.NatGatewayAddresses[{j}]"
            a = ctx.obj(a_raw, ap)
            if ctx.opt_bool(a, "IsPrimary", ap, j == 0):
                primary, apath = a, ap
                break
        vpc_id, subnet_id = ctx.str_(item, "VpcId", path), ctx.str_(item, "SubnetId", path)
        ctx.refer(nat_id, vpc_id, f"{path}.VpcId")
        ctx.refer(nat_id, subnet_id, f"{path}.SubnetId")
        nat = NatGateway(
            nat_id,
            vpc_id,
            subnet_id,
            ctx.opt_str(item, "State", path) or "available",
            ctx.opt_str(item, "ConnectivityType", path) or "public",
            ctx.opt_str(primary, "NetworkInterfaceId", apath),
            ctx.opt_address(primary, "PrivateIp", apath, version=4),
            ctx.opt_address(primary, "PublicIp", apath, version=4),
            tags_of(ctx, item, path),
        )
        ctx.keep(ctx.out.nat_gateways, nat_id, nat, path, "NAT gateway")


INTERNET_GATEWAYS = FunctionParser("InternetGateways", parse_internet_gateways)
EGRESS_ONLY_INTERNET_GATEWAYS = FunctionParser("EgressOnlyInternetGateways", parse_egress_only_gateways)
NAT_GATEWAYS = FunctionParser("NatGateways", parse_nat_gateways)
