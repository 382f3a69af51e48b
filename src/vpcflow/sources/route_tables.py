"""describe-route-tables → ``RouteTable``; every route to a target the engine does not follow is warned.

Targets: ``GatewayId`` (``local``, ``igw-``, ``vgw-``, ``vpce-``; the prefix decides),
``EgressOnlyInternetGatewayId``, ``NatGatewayId``, ``VpcPeeringConnectionId``, ``TransitGatewayId``,
``InstanceId``/``NetworkInterfaceId``, ``CarrierGatewayId``, ``LocalGatewayId``, ``CoreNetworkArn``.
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import MODELLED_TARGETS, Cidr, Route, RouteTable, RouteTarget
from vpcflow.sources.base import Ctx, FunctionParser, tags_of

_TARGET_KEYS: tuple[tuple[str, RouteTarget | None], ...] = (
    ("GatewayId", None),  # decided by the id's prefix
    ("EgressOnlyInternetGatewayId", RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY),
    ("NatGatewayId", RouteTarget.NAT_GATEWAY),
    ("VpcPeeringConnectionId", RouteTarget.VPC_PEERING),
    ("TransitGatewayId", RouteTarget.TRANSIT_GATEWAY),
    ("InstanceId", RouteTarget.INSTANCE),
    ("NetworkInterfaceId", RouteTarget.NETWORK_INTERFACE),
    ("CarrierGatewayId", RouteTarget.CARRIER_GATEWAY),
    ("LocalGatewayId", RouteTarget.LOCAL_GATEWAY),
    ("CoreNetworkArn", RouteTarget.CORE_NETWORK),
)

_GATEWAY_PREFIXES: tuple[tuple[str, RouteTarget], ...] = (
    ("igw-", RouteTarget.INTERNET_GATEWAY),
    ("vgw-", RouteTarget.VIRTUAL_PRIVATE_GATEWAY),
    ("vpce-", RouteTarget.GATEWAY_ENDPOINT),
    ("eigw-", RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY),
)

# associations in these states no longer (or do not yet) decide a subnet's routes
_INACTIVE_ASSOCIATION = frozenset({"disassociating", "disassociated", "failed"})


def gateway_kind(gid: str) -> RouteTarget:
    if gid == "local":
        return RouteTarget.LOCAL
    for prefix, kind in _GATEWAY_PREFIXES:
        if gid.startswith(prefix):
            return kind
    return RouteTarget.UNKNOWN


def _route(ctx: Ctx, rtb_id: str, raw: Any, path: str) -> Route:
    r = ctx.obj(raw, path)
    dest: Cidr | None = None
    pl: str | None = None
    if r.get("DestinationCidrBlock"):
        dest = ctx.cidr(r["DestinationCidrBlock"], f"{path}.DestinationCidrBlock")
    elif r.get("DestinationIpv6CidrBlock"):
        dest = ctx.cidr(r["DestinationIpv6CidrBlock"], f"{path}.DestinationIpv6CidrBlock")
    elif r.get("DestinationPrefixListId"):
        pl = ctx.str_(r, "DestinationPrefixListId", path)
    else:
        raise ctx.fail(
            path,
            "missing required key 'DestinationCidrBlock', 'DestinationIpv6CidrBlock' or "
            "'DestinationPrefixListId'",
        )
    target, tid = RouteTarget.UNKNOWN, None
    for key, kind in _TARGET_KEYS:
        value = ctx.opt_str(r, key, path)
        if value:
            tid = value
            target = gateway_kind(value) if kind is None else kind
            # an instance route also names the instance's ENI: that is where packets go
            if kind is RouteTarget.INSTANCE and r.get("NetworkInterfaceId"):
                tid = ctx.str_(r, "NetworkInterfaceId", path)
            break
    state = ctx.opt_str(r, "State", path) or "active"
    route = Route(dest, target, tid, state, pl, ctx.opt_str(r, "Origin", path))
    # A blackhole route drops packets whatever its (deleted) target was: the engine models that.
    if target not in MODELLED_TARGETS and state != "blackhole":
        ctx.warn(
            "UNSUPPORTED_ROUTE_TARGET",
            f"{rtb_id} route {route.destination_text} → {tid or 'no target'} ({target.value}) is not "
            "modelled: traces that use it answer UNKNOWN",
            path,
            rtb_id,
        )
    return route


def parse_route_tables(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.RouteTables[{i}]"
        item = ctx.obj(raw, path)
        rtb_id = ctx.str_(item, "RouteTableId", path)
        main = False
        subnets, gateways = [], []
        for j, a_raw in enumerate(ctx.opt_list(item, "Associations", path)):
            ap = f"{path}.Associations[{j}]"
            a = ctx.obj(a_raw, ap)
            state = ctx.opt_obj(a, "AssociationState", ap).get("State", "associated")
            if state in _INACTIVE_ASSOCIATION:
                continue
            if ctx.opt_bool(a, "Main", ap, False):
                main = True
            sid = ctx.opt_str(a, "SubnetId", ap)
            if sid:
                subnets.append(sid)
            gid = ctx.opt_str(a, "GatewayId", ap)
            if gid:
                gateways.append(gid)
        if gateways:
            ctx.warn(
                "NOT_MODELLED",
                f"{rtb_id} is a gateway route table (edge association with {', '.join(gateways)}); "
                "ingress routing through it is not modelled",
                path,
                rtb_id,
            )
        routes = tuple(
            _route(ctx, rtb_id, r, f"{path}.Routes[{j}]")
            for j, r in enumerate(ctx.opt_list(item, "Routes", path))
        )
        vgws = []
        for j, v_raw in enumerate(ctx.opt_list(item, "PropagatingVgws", path)):
            vp = f"{path}.PropagatingVgws[{j}]"
            vgws.append(ctx.str_(ctx.obj(v_raw, vp), "GatewayId", vp))
        table = RouteTable(
            rtb_id,
            ctx.str_(item, "VpcId", path),
            main,
            frozenset(subnets),
            routes,
            frozenset(gateways),
            tags_of(ctx, item, path),
            frozenset(vgws),
        )
        ctx.keep(ctx.out.route_tables, rtb_id, table, path, "route table")


PARSER = FunctionParser("RouteTables", parse_route_tables)
