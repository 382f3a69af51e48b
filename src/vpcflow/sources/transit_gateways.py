"""Transit gateway describe calls → ``TransitGateway``, attachments, route tables, propagations, routes.

- ``TransitGateways`` (describe-transit-gateways), ``TransitGatewayAttachments``
  (describe-transit-gateway-attachments), ``TransitGatewayVpcAttachments``
  (describe-transit-gateway-vpc-attachments), ``TransitGatewayPeeringAttachments``
  (describe-transit-gateway-peering-attachments), ``TransitGatewayRouteTables``
  (describe-transit-gateway-route-tables), ``TransitGatewayPrefixListReferences``
  (get-transit-gateway-prefix-list-references: each item names its table).
- Per-table calls whose output does not name the table, wrapped with the table id as Batfish's
  collector does: ``TransitGatewayPropagations`` = ``[{"TransitGatewayRouteTableId",
  "TransitGatewayRouteTablePropagations": [...]}]`` (get-transit-gateway-route-table-propagations) and
  ``TransitGatewayStaticRoutes`` = ``[{"TransitGatewayRouteTableId", "Routes": [...],
  "AdditionalRoutesAvailable"}]`` (search-transit-gateway-routes type static). The same wrapper under
  ``TransitGatewayPropagatedRoutes`` (type propagated) or ``TransitGatewayRoutes`` (no type filter) adds
  propagated routes, e.g. those a VPN or Direct Connect gateway learned by BGP, which no other call shows.
- A bare get-transit-gateway-route-table-propagations output (``TransitGatewayRouteTablePropagations``)
  cannot be tied to a table: it is counted and warned about.

Merging (a VPC attachment's subnets into its attachment, defaults, unresolved ids) happens in
``transit_resolve``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from vpcflow.model import (
    AttachmentType,
    PeeringAttachmentOptions,
    RouteOrigin,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayPrefixListReference,
    TransitGatewayPropagation,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    VpcAttachmentOptions,
)
from vpcflow.model.transit import enabled
from vpcflow.sources.base import Ctx, FunctionParser, Json, each, tags_of

T = TypeVar("T", TransitGateway, TransitGatewayAttachment)


def keep_shared(ctx: Ctx, registry: dict[Any, T], key: Any, value: T, path: str, kind: str) -> None:
    """A transit gateway shared through AWS RAM appears in the owner's and each participant's dump; the
    views differ only in tags (tags are per account), which are merged instead of warned about."""
    old = registry.get(key)
    if old is not None and old != value and replace(old, tags=()) == replace(value, tags=()):
        registry[key] = replace(old, tags=old.tags or value.tags)
        return
    ctx.keep(registry, key, value, path, kind)


def opt_int(ctx: Ctx, item: Json, key: str, path: str) -> int | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    return ctx.int_(value, f"{path}.{key}")


def arn_region(arn: str | None) -> str | None:
    """``arn:aws:ec2:us-east-2:554773406868:transit-gateway/tgw-…`` → ``us-east-2``."""
    if not arn:
        return None
    parts = arn.split(":")
    return (parts[3] or None) if len(parts) > 5 else None


def _type(ctx: Ctx, item: Json, path: str, key: str = "ResourceType") -> AttachmentType:
    text = ctx.opt_str(item, key, path)
    if text is None:
        return AttachmentType.UNKNOWN
    kind = AttachmentType.parse(text)
    if kind is AttachmentType.UNKNOWN:
        ctx.warn(
            "NOT_MODELLED",
            f"transit gateway attachment type {text!r} is not known: traffic through it answers UNKNOWN",
            f"{path}.{key}",
        )
    return kind


def parse_transit_gateways(items: list[Any], ctx: Ctx) -> None:
    for tgw_id, item, path in each(ctx, items, "TransitGateways", "TransitGatewayId"):
        with ctx.about(tgw_id):
            opts = ctx.opt_obj(item, "Options", path)
            op = f"{path}.Options"
            tgw = TransitGateway(
                tgw_id,
                ctx.opt_str(item, "State", path) or "available",
                ctx.opt_str(item, "OwnerId", path) or ctx.account,
                arn_region(ctx.opt_str(item, "TransitGatewayArn", path)) or ctx.region,
                enabled(ctx.opt_str(opts, "DefaultRouteTableAssociation", op)),
                ctx.opt_str(opts, "AssociationDefaultRouteTableId", op),
                enabled(ctx.opt_str(opts, "DefaultRouteTablePropagation", op)),
                ctx.opt_str(opts, "PropagationDefaultRouteTableId", op),
                enabled(ctx.opt_str(opts, "SecurityGroupReferencingSupport", op)),
                enabled(ctx.opt_str(opts, "VpnEcmpSupport", op), default=True),
                opt_int(ctx, opts, "AmazonSideAsn", op),
                tags_of(ctx, item, path),
            )
            keep_shared(ctx, ctx.out.transit_gateways, tgw_id, tgw, path, "transit gateway")


def parse_attachments(items: list[Any], ctx: Ctx) -> None:
    for att_id, item, path in each(ctx, items, "TransitGatewayAttachments", "TransitGatewayAttachmentId"):
        with ctx.about(att_id):
            tgw_id = ctx.str_(item, "TransitGatewayId", path)
            assoc = ctx.opt_obj(item, "Association", path)
            ap = f"{path}.Association"
            att = TransitGatewayAttachment(
                att_id,
                tgw_id,
                _type(ctx, item, path),
                ctx.opt_str(item, "ResourceId", path),
                ctx.opt_str(item, "State", path) or "available",
                ctx.opt_str(assoc, "TransitGatewayRouteTableId", ap),
                ctx.opt_str(assoc, "State", ap),
                ctx.opt_str(item, "TransitGatewayOwnerId", path) or ctx.account,
                ctx.opt_str(item, "ResourceOwnerId", path),
                ctx.region,
                tags=tags_of(ctx, item, path),
            )
            keep_shared(
                ctx, ctx.out.tgw_attachments, (tgw_id, att_id), att, path, "transit gateway attachment"
            )


def parse_vpc_attachments(items: list[Any], ctx: Ctx) -> None:
    for att_id, item, path in each(ctx, items, "TransitGatewayVpcAttachments", "TransitGatewayAttachmentId"):
        with ctx.about(att_id):
            tgw_id = ctx.str_(item, "TransitGatewayId", path)
            opts = ctx.opt_obj(item, "Options", path)
            op = f"{path}.Options"
            subnets = []
            for j, s in enumerate(ctx.opt_list(item, "SubnetIds", path)):
                if not isinstance(s, str) or not s:
                    raise ctx.fail(f"{path}.SubnetIds[{j}]", f"expected a subnet id, found {s!r}")
                subnets.append(s)
            details = VpcAttachmentOptions(
                ctx.str_(item, "VpcId", path),
                tuple(subnets),
                ctx.opt_str(item, "VpcOwnerId", path),
                enabled(ctx.opt_str(opts, "ApplianceModeSupport", op)),
                enabled(ctx.opt_str(opts, "SecurityGroupReferencingSupport", op)),
                enabled(ctx.opt_str(opts, "Ipv6Support", op)),
                enabled(ctx.opt_str(opts, "DnsSupport", op), default=True),
            )
            state = ctx.opt_str(item, "State", path) or "available"
            ctx.keep(
                ctx.out.tgw_vpc_attachments,
                (tgw_id, att_id),
                (state, details),
                path,
                "transit gateway VPC attachment",
            )


def _tgw_info(ctx: Ctx, item: Json, key: str, path: str) -> tuple[str, str | None, str | None]:
    p = f"{path}.{key}"
    info = ctx.obj(ctx.req(item, key, path), p)
    tgw = ctx.opt_str(info, "TransitGatewayId", p) or ctx.opt_str(info, "CoreNetworkId", p)
    if tgw is None:
        raise ctx.fail(p, "missing required key 'TransitGatewayId'")
    return tgw, ctx.opt_str(info, "OwnerId", p), ctx.opt_str(info, "Region", p)


def parse_peering_attachments(items: list[Any], ctx: Ctx) -> None:
    """One record per peering attachment, naming both gateways; the per-gateway view (association)
    comes from describe-transit-gateway-attachments. A record naming neither gateway (moto answers so)
    is counted and warned about: the per-gateway views still carry the peering."""
    for att_id, item, path in each(
        ctx, items, "TransitGatewayPeeringAttachments", "TransitGatewayAttachmentId"
    ):
        if "RequesterTgwInfo" not in item and "AccepterTgwInfo" not in item:
            ctx.warn(
                "INCOMPLETE_RESOURCE",
                f"peering attachment {att_id} names neither of its transit gateways "
                "(no RequesterTgwInfo/AccepterTgwInfo): not used",
                path,
                att_id,
            )
            continue
        with ctx.about(att_id):
            rq, ro, rr = _tgw_info(ctx, item, "RequesterTgwInfo", path)
            ac, ao, ar = _tgw_info(ctx, item, "AccepterTgwInfo", path)
            opts = ctx.opt_obj(item, "Options", path)
            status = ctx.opt_obj(item, "Status", path)
            peering = PeeringAttachmentOptions(
                rq,
                ro,
                rr,
                ac,
                ao,
                ar,
                ctx.opt_str(status, "Code", f"{path}.Status"),
                enabled(ctx.opt_str(opts, "DynamicRouting", f"{path}.Options")),
            )
            att = TransitGatewayAttachment(
                att_id,
                rq,
                AttachmentType.PEERING,
                ac,
                ctx.opt_str(item, "State", path) or "available",
                peering=peering,
                tags=tags_of(ctx, item, path),
            )
            ctx.keep(ctx.out.tgw_peering_attachments, att_id, att, path, "transit gateway peering attachment")


def parse_route_tables(items: list[Any], ctx: Ctx) -> None:
    for rtb_id, item, path in each(ctx, items, "TransitGatewayRouteTables", "TransitGatewayRouteTableId"):
        with ctx.about(rtb_id):
            table = TransitGatewayRouteTable(
                rtb_id,
                ctx.str_(item, "TransitGatewayId", path),
                ctx.opt_str(item, "State", path) or "available",
                ctx.opt_bool(item, "DefaultAssociationRouteTable", path, False),
                ctx.opt_bool(item, "DefaultPropagationRouteTable", path, False),
                tags=tags_of(ctx, item, path),
            )
            ctx.keep(ctx.out.tgw_route_tables, rtb_id, table, path, "transit gateway route table")


def _propagation(ctx: Ctx, raw: Any, path: str) -> TransitGatewayPropagation:
    item = ctx.obj(raw, path)
    return TransitGatewayPropagation(
        ctx.str_(item, "TransitGatewayAttachmentId", path),
        _type(ctx, item, path),
        ctx.opt_str(item, "ResourceId", path),
        ctx.opt_str(item, "State", path) or "enabled",
    )


def parse_propagations(items: list[Any], ctx: Ctx) -> None:
    for rtb_id, item, path in each(ctx, items, "TransitGatewayPropagations", "TransitGatewayRouteTableId"):
        with ctx.about(rtb_id):
            key = "TransitGatewayRouteTablePropagations"
            props = [
                _propagation(ctx, p, f"{path}.{key}[{j}]")
                for j, p in enumerate(ctx.opt_list(item, key, path))
            ]
            ctx.out.tgw_propagations.setdefault(rtb_id, []).extend(props)


def parse_bare_propagations(items: list[Any], ctx: Ctx) -> None:
    """get-transit-gateway-route-table-propagations saved as is: it does not say which table."""
    for j, p in enumerate(items):
        _propagation(ctx, p, f"$.TransitGatewayRouteTablePropagations[{j}]")
    if items:
        ctx.warn(
            "UNRESOLVED_ROUTE_TABLE",
            f"{len(items)} transit gateway propagations with no TransitGatewayRouteTableId: cannot tell "
            'which table they belong to (save them as {"TransitGatewayPropagations": '
            '[{"TransitGatewayRouteTableId": …, "TransitGatewayRouteTablePropagations": [...]}]})',
            "$.TransitGatewayRouteTablePropagations",
        )


def _route(ctx: Ctx, raw: Any, path: str) -> TransitGatewayRoute:
    r = ctx.obj(raw, path)
    dest = None
    pl = ctx.opt_str(r, "PrefixListId", path)
    if r.get("DestinationCidrBlock"):
        dest = ctx.cidr(r["DestinationCidrBlock"], f"{path}.DestinationCidrBlock")
    elif pl is None:
        raise ctx.fail(path, "missing required key 'DestinationCidrBlock' or 'PrefixListId'")
    atts: list[str] = []
    kinds: set[AttachmentType] = set()
    for j, a_raw in enumerate(ctx.opt_list(r, "TransitGatewayAttachments", path)):
        ap = f"{path}.TransitGatewayAttachments[{j}]"
        a = ctx.obj(a_raw, ap)
        atts.append(ctx.str_(a, "TransitGatewayAttachmentId", ap))
        kinds.add(_type(ctx, a, ap))
    kind = kinds.pop() if len(kinds) == 1 else None
    rtype = (ctx.opt_str(r, "Type", path) or "static").lower()
    if rtype == "propagated":
        origin = RouteOrigin.propagated_from(kind or AttachmentType.UNKNOWN)
    elif pl is not None:
        origin = RouteOrigin.PREFIX_LIST
    else:
        origin = RouteOrigin.STATIC
    return TransitGatewayRoute(dest, tuple(atts), origin, ctx.opt_str(r, "State", path) or "active", pl, kind)


def _routes(items: list[Any], ctx: Ctx, key: str, listed: frozenset[str]) -> None:
    for rtb_id, item, path in each(ctx, items, key, "TransitGatewayRouteTableId"):
        with ctx.about(rtb_id):
            routes = [
                _route(ctx, r, f"{path}.Routes[{j}]")
                for j, r in enumerate(ctx.opt_list(item, "Routes", path))
            ]
            ctx.out.tgw_routes.setdefault(rtb_id, []).extend(routes)
            ctx.out.tgw_route_types_listed.setdefault(rtb_id, set()).update(listed)
            if ctx.opt_bool(item, "AdditionalRoutesAvailable", path, False):
                ctx.out.tgw_routes_truncated.add(rtb_id)


def parse_static_routes(items: list[Any], ctx: Ctx) -> None:
    _routes(items, ctx, "TransitGatewayStaticRoutes", frozenset({"static"}))


def parse_propagated_routes(items: list[Any], ctx: Ctx) -> None:
    _routes(items, ctx, "TransitGatewayPropagatedRoutes", frozenset({"propagated"}))


def parse_all_routes(items: list[Any], ctx: Ctx) -> None:
    _routes(items, ctx, "TransitGatewayRoutes", frozenset({"static", "propagated"}))


def parse_prefix_list_references(items: list[Any], ctx: Ctx) -> None:
    for rtb_id, item, path in each(
        ctx, items, "TransitGatewayPrefixListReferences", "TransitGatewayRouteTableId"
    ):
        with ctx.about(rtb_id):
            att = ctx.opt_obj(item, "TransitGatewayAttachment", path)
            ap = f"{path}.TransitGatewayAttachment"
            ref = TransitGatewayPrefixListReference(
                ctx.str_(item, "PrefixListId", path),
                ctx.opt_str(att, "TransitGatewayAttachmentId", ap),
                ctx.opt_bool(item, "Blackhole", path, False),
                ctx.opt_str(item, "State", path) or "available",
                _type(ctx, att, ap) if att else None,
            )
            ctx.out.tgw_prefix_list_references.setdefault(rtb_id, []).append(ref)


TRANSIT_GATEWAYS = FunctionParser("TransitGateways", parse_transit_gateways)
ATTACHMENTS = FunctionParser("TransitGatewayAttachments", parse_attachments)
VPC_ATTACHMENTS = FunctionParser("TransitGatewayVpcAttachments", parse_vpc_attachments)
PEERING_ATTACHMENTS = FunctionParser("TransitGatewayPeeringAttachments", parse_peering_attachments)
ROUTE_TABLES = FunctionParser("TransitGatewayRouteTables", parse_route_tables)
PROPAGATIONS = FunctionParser("TransitGatewayPropagations", parse_propagations)
BARE_PROPAGATIONS = FunctionParser("TransitGatewayRouteTablePropagations", parse_bare_propagations)
STATIC_ROUTES = FunctionParser("TransitGatewayStaticRoutes", parse_static_routes)
PROPAGATED_ROUTES = FunctionParser("TransitGatewayPropagatedRoutes", parse_propagated_routes)
ALL_ROUTES = FunctionParser("TransitGatewayRoutes", parse_all_routes)
PREFIX_LIST_REFERENCES = FunctionParser("TransitGatewayPrefixListReferences", parse_prefix_list_references)
