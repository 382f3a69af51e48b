"""describe-vpn-gateways, describe-vpn-connections, describe-customer-gateways → VPN model values.

Secrets stay out of the model: ``CustomerGatewayConfiguration`` (the router configuration XML, with the
pre-shared keys) and ``Options.TunnelOptions[].PreSharedKey`` are never read.
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import CustomerGateway, VpnConnection, VpnGateway, VpnStaticRoute, VpnTunnel
from vpcflow.sources.base import Ctx, FunctionParser, each, tags_of
from vpcflow.sources.transit_gateways import opt_int


def parse_vpn_gateways(items: list[Any], ctx: Ctx) -> None:
    for vgw_id, item, path in each(ctx, items, "VpnGateways", "VpnGatewayId"):
        with ctx.about(vgw_id):
            attachments = []
            for j, a_raw in enumerate(ctx.opt_list(item, "VpcAttachments", path)):
                ap = f"{path}.VpcAttachments[{j}]"
                a = ctx.obj(a_raw, ap)
                attachments.append(
                    (ctx.str_(a, "VpcId", ap), (ctx.opt_str(a, "State", ap) or "attached").lower())
                )
            vgw = VpnGateway(
                vgw_id,
                ctx.opt_str(item, "State", path) or "available",
                tuple(v for v, state in attachments if state == "attached"),
                tuple(attachments),
                ctx.opt_str(item, "Type", path),
                opt_int(ctx, item, "AmazonSideAsn", path),
                ctx.account,
                ctx.region,
                tags_of(ctx, item, path),
            )
            ctx.keep(ctx.out.vpn_gateways, vgw_id, vgw, path, "virtual private gateway")


def parse_vpn_connections(items: list[Any], ctx: Ctx) -> None:
    for vpn_id, item, path in each(ctx, items, "VpnConnections", "VpnConnectionId"):
        with ctx.about(vpn_id):
            opts = ctx.opt_obj(item, "Options", path)
            routes = []
            for j, r_raw in enumerate(ctx.opt_list(item, "Routes", path)):
                rp = f"{path}.Routes[{j}]"
                r = ctx.obj(r_raw, rp)
                routes.append(
                    VpnStaticRoute(
                        ctx.cidr(ctx.req(r, "DestinationCidrBlock", rp), f"{rp}.DestinationCidrBlock"),
                        ctx.opt_str(r, "State", rp) or "available",
                        ctx.opt_str(r, "Source", rp),
                    )
                )
            tunnels = []
            for j, t_raw in enumerate(ctx.opt_list(item, "VgwTelemetry", path)):
                tp = f"{path}.VgwTelemetry[{j}]"
                t = ctx.obj(t_raw, tp)
                tunnels.append(
                    VpnTunnel(
                        ctx.opt_address(t, "OutsideIpAddress", tp),
                        ctx.str_(t, "Status", tp),
                        opt_int(ctx, t, "AcceptedRouteCount", tp),
                        ctx.opt_str(t, "StatusMessage", tp),
                    )
                )
            conn = VpnConnection(
                vpn_id,
                ctx.opt_str(item, "State", path) or "available",
                ctx.opt_str(item, "VpnGatewayId", path),
                ctx.opt_str(item, "TransitGatewayId", path),
                ctx.opt_str(item, "CustomerGatewayId", path),
                ctx.opt_bool(opts, "StaticRoutesOnly", f"{path}.Options", False),
                tuple(routes),
                tuple(tunnels),
                ctx.opt_str(item, "Category", path),
                ctx.opt_str(item, "Type", path),
                ctx.account,
                ctx.region,
                tags_of(ctx, item, path),
            )
            ctx.keep(ctx.out.vpn_connections, vpn_id, conn, path, "VPN connection")


def parse_customer_gateways(items: list[Any], ctx: Ctx) -> None:
    for cgw_id, item, path in each(ctx, items, "CustomerGateways", "CustomerGatewayId"):
        with ctx.about(cgw_id):
            cgw = CustomerGateway(
                cgw_id,
                ctx.opt_str(item, "State", path) or "available",
                ctx.opt_address(item, "IpAddress", path),
                opt_int(ctx, item, "BgpAsn", path),
                ctx.opt_str(item, "Type", path),
                ctx.opt_str(item, "DeviceName", path),
                ctx.account,
                ctx.region,
                tags_of(ctx, item, path),
            )
            ctx.keep(ctx.out.customer_gateways, cgw_id, cgw, path, "customer gateway")


VPN_GATEWAYS = FunctionParser("VpnGateways", parse_vpn_gateways)
VPN_CONNECTIONS = FunctionParser("VpnConnections", parse_vpn_connections)
CUSTOMER_GATEWAYS = FunctionParser("CustomerGateways", parse_customer_gateways)
