"""Cross-references of transit gateways, VPN, Direct Connect and VPC endpoints, resolved once everything is
parsed: a VPC attachment's subnets merged into its attachment, peering details, each route table given its
propagations, routes and prefix-list references, and a warning for every id that does not resolve.

Nothing is dropped: a route table known only from its routes or propagations is kept (gateway unknown),
an attachment known only from describe-transit-gateway-vpc-attachments is kept with its association
marked unknown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vpcflow.model import (
    AttachmentType,
    SnapshotWarning,
    TransitGatewayAttachment,
    TransitGatewayRouteTable,
)
from vpcflow.sources.base import Collected


def _warn(out: Collected, code: str, message: str, resource_id: str | None) -> None:
    out.warnings.append(SnapshotWarning(code, message, None, resource_id))


def _attachments(out: Collected) -> dict[tuple[str, str], TransitGatewayAttachment]:
    atts = dict(out.tgw_attachments)
    for key, (state, details) in out.tgw_vpc_attachments.items():
        att = atts.get(key)
        if att is None:
            tgw_id, att_id = key
            atts[key] = TransitGatewayAttachment(
                att_id,
                tgw_id,
                AttachmentType.VPC,
                details.vpc_id,
                state,
                resource_owner_id=details.vpc_owner_id,
                vpc=details,
                association_known=False,
            )
            _warn(
                out,
                "UNRESOLVED_ATTACHMENT",
                f"{att_id} (VPC attachment of {tgw_id}) is not in describe-transit-gateway-attachments: "
                "its route table association is unknown, so traffic entering through it answers UNKNOWN",
                att_id,
            )
        else:
            atts[key] = replace(att, vpc=details)
    for att_id, peering in out.tgw_peering_attachments.items():
        assert peering.peering is not None
        sides = (peering.peering.requester_tgw_id, peering.peering.accepter_tgw_id)
        for tgw_id in sides:
            att = atts.get((tgw_id, att_id))
            other = peering.peering.other_side(tgw_id)
            if att is not None:
                atts[(tgw_id, att_id)] = replace(att, peering=peering.peering)
            elif tgw_id in out.transit_gateways and other is not None:
                atts[(tgw_id, att_id)] = replace(
                    peering,
                    transit_gateway_id=tgw_id,
                    resource_id=other[0],
                    resource_owner_id=other[1],
                    association_known=False,
                )
    return atts


def _tables(
    out: Collected, atts: dict[tuple[str, str], TransitGatewayAttachment]
) -> dict[str, TransitGatewayRouteTable]:
    tables = dict(out.tgw_route_tables)
    mentioned: dict[str, str] = {}
    for rtb_id in out.tgw_propagations:
        mentioned.setdefault(rtb_id, "propagations")
    for rtb_id in out.tgw_routes:
        mentioned.setdefault(rtb_id, "routes")
    for rtb_id in out.tgw_prefix_list_references:
        mentioned.setdefault(rtb_id, "prefix-list references")
    for att in atts.values():
        if att.association_route_table_id is not None:
            mentioned.setdefault(att.association_route_table_id, f"the association of {att.attachment_id}")
    for rtb_id, what in sorted(mentioned.items()):
        if rtb_id in tables:
            continue
        owner = next(
            (a.transit_gateway_id for a in atts.values() if a.association_route_table_id == rtb_id), None
        )
        tables[rtb_id] = TransitGatewayRouteTable(rtb_id, owner)
        _warn(
            out,
            "UNRESOLVED_ROUTE_TABLE",
            f"transit gateway route table {rtb_id} (named by {what}) is not in "
            "describe-transit-gateway-route-tables: kept with what the snapshot says about it",
            rtb_id,
        )
    for rtb_id, table in tables.items():
        listed = out.tgw_route_types_listed.get(rtb_id, set())
        tables[rtb_id] = replace(
            table,
            propagations=tuple(out.tgw_propagations.get(rtb_id, ())),
            routes=tuple(out.tgw_routes.get(rtb_id, ())),
            prefix_list_references=tuple(out.tgw_prefix_list_references.get(rtb_id, ())),
            static_routes_known="static" in listed,
            propagations_known=rtb_id in out.tgw_propagations,
            propagated_routes_known="propagated" in listed,
            routes_truncated=rtb_id in out.tgw_routes_truncated,
        )
        if rtb_id in out.tgw_routes_truncated:
            _warn(
                out,
                "INCOMPLETE_ROUTES",
                f"search-transit-gateway-routes for {rtb_id} stopped at its limit "
                "(AdditionalRoutesAvailable): routes beyond it are missing, so lookups in it answer UNKNOWN",
                rtb_id,
            )
    return tables


def _check_transit(
    out: Collected,
    atts: dict[tuple[str, str], TransitGatewayAttachment],
    tables: dict[str, TransitGatewayRouteTable],
) -> None:
    missing_tgw: set[str] = set()
    for att in atts.values():
        tgw = att.transit_gateway_id
        if tgw not in out.transit_gateways and tgw not in missing_tgw:
            missing_tgw.add(tgw)
            _warn(
                out,
                "UNRESOLVED_TRANSIT_GATEWAY",
                f"attachments of {tgw}, which is not in describe-transit-gateways: its options "
                "(default tables, security group referencing) are unknown",
                tgw,
            )
        if att.vpc is not None:
            if att.vpc.vpc_id not in out.vpcs:
                _warn(
                    out,
                    "UNRESOLVED_VPC",
                    f"{att.attachment_id} attaches {att.vpc.vpc_id}, which is not in the snapshot",
                    att.attachment_id,
                )
            missing = [s for s in att.vpc.subnet_ids if s not in out.subnets]
            if missing:
                _warn(
                    out,
                    "UNRESOLVED_SUBNET",
                    f"{att.attachment_id} has its interfaces in {', '.join(missing)}, not in the snapshot: "
                    "traffic through those Availability Zones answers UNKNOWN",
                    att.attachment_id,
                )
    known_atts = {att_id for _tgw, att_id in atts}
    for table in tables.values():
        for route in table.routes:
            if route.active and not route.attachment_ids and route.prefix_list_id is None:
                _warn(
                    out,
                    "INCOMPLETE_RESOURCE",
                    f"{table.route_table_id} route {route.destination_text} is active but names no "
                    "attachment (TransitGatewayAttachments): traffic it carries answers UNKNOWN",
                    table.route_table_id,
                )
            gone = [a for a in route.attachment_ids if a not in known_atts]
            if gone:
                _warn(
                    out,
                    "UNRESOLVED_ATTACHMENT",
                    f"{table.route_table_id} route {route.destination_text} → {', '.join(gone)}: no such "
                    "attachment in the snapshot; traffic it carries answers UNKNOWN",
                    table.route_table_id,
                )


def _check_vpn(out: Collected) -> None:
    for conn in out.vpn_connections.values():
        if not conn.available:
            continue
        if conn.vpn_gateway_id and conn.vpn_gateway_id not in out.vpn_gateways:
            _warn(
                out,
                "UNRESOLVED_GATEWAY",
                f"{conn.vpn_connection_id} terminates on {conn.vpn_gateway_id}, which is not in the snapshot",
                conn.vpn_connection_id,
            )
        if conn.transit_gateway_id and conn.transit_gateway_id not in out.transit_gateways:
            _warn(
                out,
                "UNRESOLVED_TRANSIT_GATEWAY",
                f"{conn.vpn_connection_id} terminates on {conn.transit_gateway_id}, "
                "which is not in the snapshot",
                conn.vpn_connection_id,
            )
        if conn.customer_gateway_id and conn.customer_gateway_id not in out.customer_gateways:
            _warn(
                out,
                "UNRESOLVED_GATEWAY",
                f"{conn.vpn_connection_id} connects {conn.customer_gateway_id}, which is not in the snapshot",
                conn.vpn_connection_id,
            )


def _check_endpoints(out: Collected) -> None:
    for ep in out.vpc_endpoints.values():
        if not ep.available:
            continue
        missing = (
            [r for r in ep.route_table_ids if r not in out.route_tables]
            + [s for s in ep.subnet_ids if s not in out.subnets]
            + [g for g in ep.group_ids if g not in out.security_groups]
            + [
                e
                for e in ep.network_interface_ids
                if e not in out.interfaces and e not in out.instance_interfaces
            ]
        )
        if missing:
            _warn(
                out,
                "UNRESOLVED_ENDPOINT_REFERENCE",
                f"{ep.vpc_endpoint_id} names {', '.join(missing)}, not in the snapshot",
                ep.vpc_endpoint_id,
            )


def _check_endpoint_services(out: Collected) -> None:
    for config in out.endpoint_services.values():
        missing = [
            arn
            for arn in config.gateway_load_balancer_arns + config.network_load_balancer_arns
            if arn not in out.load_balancers
        ]
        if missing:
            _warn(
                out,
                "UNRESOLVED_LOAD_BALANCER",
                f"endpoint service {config.service_id} is served by {', '.join(missing)}, "
                "not in the snapshot",
                config.service_id,
            )


def build_transit(out: Collected) -> dict[str, Any]:
    """Keyword arguments of ``Snapshot.create`` for transit gateways, VPN, Direct Connect and endpoints."""
    atts = _attachments(out)
    tables = _tables(out, atts)
    _check_transit(out, atts, tables)
    _check_vpn(out)
    _check_endpoints(out)
    _check_endpoint_services(out)
    return {
        "transit_gateways": out.transit_gateways.values(),
        "transit_gateway_attachments": atts.values(),
        "transit_gateway_route_tables": tables.values(),
        "vpn_gateways": out.vpn_gateways.values(),
        "vpn_connections": out.vpn_connections.values(),
        "customer_gateways": out.customer_gateways.values(),
        "vpc_endpoints": out.vpc_endpoints.values(),
        "endpoint_services": out.endpoint_services.values(),
        "direct_connect_gateways": out.direct_connect_gateways.values(),
        "direct_connect_gateway_associations": out.direct_connect_gateway_associations,
        "virtual_interfaces": out.virtual_interfaces.values(),
    }
