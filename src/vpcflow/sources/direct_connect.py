"""Direct Connect (describe-direct-connect-gateways, describe-direct-connect-gateway-associations,
describe-virtual-interfaces) → model values.

Loaded so that ``snapshot info`` shows them and traces can name them; vpcflow does not model Direct
Connect routing (the routes a virtual interface learns by BGP are in no describe call), so traffic that
depends on a Direct Connect gateway answers UNKNOWN.

The Direct Connect API speaks camelCase (``{"directConnectGateways": [{"directConnectGatewayId": …}]}``,
what boto3 and the CLI return); Batfish's fixtures use the EC2 style (``DirectConnectGateways``,
``DirectConnectGatewayId``). Both load: camelCase keys are read as their capitalised forms.
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import Cidr, DirectConnectGateway, DirectConnectGatewayAssociation, VirtualInterface
from vpcflow.sources.base import Ctx, FunctionParser, Json, each, tags_of
from vpcflow.sources.transit_gateways import opt_int


def pascal(value: Any) -> Any:
    """``{"directConnectGatewayId": …}`` → ``{"DirectConnectGatewayId": …}``, recursively."""
    if isinstance(value, dict):
        return {(k[:1].upper() + k[1:] if isinstance(k, str) else k): pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def _cidrs(ctx: Ctx, item: Json, key: str, path: str) -> tuple[Cidr, ...]:
    out = []
    for j, raw in enumerate(ctx.opt_list(item, key, path)):
        cp = f"{path}.{key}[{j}]"
        out.append(ctx.cidr(ctx.req(ctx.obj(raw, cp), "Cidr", cp), f"{cp}.Cidr"))
    return tuple(out)


def parse_gateways(items: list[Any], ctx: Ctx, key: str = "DirectConnectGateways") -> None:
    for gid, item, path in each(ctx, pascal(items), key, "DirectConnectGatewayId"):
        with ctx.about(gid):
            gw = DirectConnectGateway(
                gid,
                ctx.opt_str(item, "DirectConnectGatewayState", path) or "available",
                ctx.opt_str(item, "DirectConnectGatewayName", path),
                opt_int(ctx, item, "AmazonSideAsn", path),
                tags_of(ctx, item, path),
            )
            # a Direct Connect gateway is global: the same one appears in every Region's dump
            ctx.keep(ctx.out.direct_connect_gateways, gid, gw, path, "Direct Connect gateway")


def parse_associations(items: list[Any], ctx: Ctx, key: str = "DirectConnectGatewayAssociations") -> None:
    for i, raw in enumerate(pascal(items)):
        path = f"$.{key}[{i}]"
        item = ctx.obj(raw, path)
        gw = ctx.opt_obj(item, "AssociatedGateway", path)
        gp = f"{path}.AssociatedGateway"
        assoc = DirectConnectGatewayAssociation(
            ctx.opt_str(item, "AssociationId", path),
            ctx.str_(item, "DirectConnectGatewayId", path),
            ctx.opt_str(gw, "Id", gp) or ctx.opt_str(item, "VirtualGatewayId", path),
            ctx.opt_str(gw, "Type", gp),
            ctx.opt_str(item, "AssociationState", path) or "associated",
            _cidrs(ctx, item, "AllowedPrefixesToDirectConnectGateway", path),
            ctx.opt_str(gw, "OwnerAccount", gp),
            ctx.opt_str(gw, "Region", gp),
        )
        if assoc not in ctx.out.direct_connect_gateway_associations:
            ctx.out.direct_connect_gateway_associations.append(assoc)


def parse_virtual_interfaces(items: list[Any], ctx: Ctx, key: str = "VirtualInterfaces") -> None:
    for vif_id, item, path in each(ctx, pascal(items), key, "VirtualInterfaceId"):
        with ctx.about(vif_id):
            bgp_up = False
            for j, p_raw in enumerate(ctx.opt_list(item, "BgpPeers", path)):
                peer = ctx.obj(p_raw, f"{path}.BgpPeers[{j}]")
                bgp_up = bgp_up or str(peer.get("BgpStatus", "")).lower() == "up"
            vif = VirtualInterface(
                vif_id,
                ctx.opt_str(item, "VirtualInterfaceType", path) or "unknown",
                ctx.opt_str(item, "VirtualInterfaceState", path) or "unknown",
                ctx.opt_str(item, "DirectConnectGatewayId", path),
                ctx.opt_str(item, "VirtualGatewayId", path),
                ctx.opt_str(item, "ConnectionId", path),
                opt_int(ctx, item, "Asn", path),
                bgp_up,
                _cidrs(ctx, item, "RouteFilterPrefixes", path),
                tags_of(ctx, item, path),
            )
            ctx.keep(ctx.out.virtual_interfaces, vif_id, vif, path, "virtual interface")


DIRECT_CONNECT_GATEWAYS = FunctionParser("DirectConnectGateways", parse_gateways)
DIRECT_CONNECT_GATEWAY_ASSOCIATIONS = FunctionParser("DirectConnectGatewayAssociations", parse_associations)
VIRTUAL_INTERFACES = FunctionParser("VirtualInterfaces", parse_virtual_interfaces)
# the same, as the Direct Connect API names them
DIRECT_CONNECT_GATEWAYS_API = FunctionParser(
    "directConnectGateways", lambda items, ctx: parse_gateways(items, ctx, "directConnectGateways")
)
DIRECT_CONNECT_GATEWAY_ASSOCIATIONS_API = FunctionParser(
    "directConnectGatewayAssociations",
    lambda items, ctx: parse_associations(items, ctx, "directConnectGatewayAssociations"),
)
VIRTUAL_INTERFACES_API = FunctionParser(
    "virtualInterfaces", lambda items, ctx: parse_virtual_interfaces(items, ctx, "virtualInterfaces")
)
