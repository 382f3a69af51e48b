"""Terraform VPCs, subnets, gateways, route tables and routes, peering and flow logs."""

from __future__ import annotations

from typing import Any

from vpcflow.sources.iac.builder import DescribeBuilder, RouteTableDecl, check_cidr, tags
from vpcflow.sources.terraform.plan import Instance
from vpcflow.sources.terraform.reader import Reader
from vpcflow.sources.terraform.refs import flatten

# route block / aws_route attribute → the describe-route-tables key of its target
ROUTE_TARGETS: tuple[tuple[str, str], ...] = (
    ("gateway_id", "GatewayId"),
    ("nat_gateway_id", "NatGatewayId"),
    ("egress_only_gateway_id", "EgressOnlyInternetGatewayId"),
    ("transit_gateway_id", "TransitGatewayId"),
    ("vpc_peering_connection_id", "VpcPeeringConnectionId"),
    ("network_interface_id", "NetworkInterfaceId"),
    ("instance_id", "InstanceId"),
    ("vpc_endpoint_id", "GatewayId"),
    ("local_gateway_id", "LocalGatewayId"),
    ("carrier_gateway_id", "CarrierGatewayId"),
    ("core_network_arn", "CoreNetworkArn"),
)


def vpc(r: Reader, inst: Instance) -> None:
    where = r.where(inst)
    cidr = r.value(inst, "cidr_block", None, "the VPC's IPv4 CIDR is not known (IPAM?)")
    v4 = [check_cidr(cidr, where, "cidr_block", 4)] if cidr else []
    v6_raw = inst.values.get("ipv6_cidr_block") if not inst.is_unknown("ipv6_cidr_block") else None
    v6 = [check_cidr(v6_raw, where, "ipv6_cidr_block", 6)] if v6_raw else []
    if (
        not v6
        and inst.is_unknown("ipv6_cidr_block")
        and r.bool_(inst, "assign_generated_ipv6_cidr_block", False)
    ):
        r.b.warn(
            "UNRESOLVED_ADDRESS",
            f"{inst.address}: the IPv6 CIDR AWS assigns is not known before apply: "
            "IPv6 is not modelled in this VPC",
            inst.origin,
            r.id_of(inst),
        )
    if not v4:
        r.b.warn("UNRESOLVED_ADDRESS", f"{inst.address}: no IPv4 CIDR", inst.origin, r.id_of(inst))
        return
    r.b.vpc(r.id_of(inst), v4, v6, inst.origin, tags(r.tags(inst)))


def vpc_cidr_association(r: Reader, inst: Instance) -> None:
    vpc_id = r.ref(inst, "vpc_id", "the CIDR is not added to its VPC")
    attr = "ipv6_cidr_block" if inst.type.endswith("ipv6_cidr_block_association") else "cidr_block"
    cidr = r.value(inst, attr, None, "the CIDR is not added to its VPC")
    if vpc_id and cidr:
        r.b.add_vpc_cidr(vpc_id, check_cidr(cidr, r.where(inst), attr), inst.origin)


def subnet(r: Reader, inst: Instance) -> None:
    where = r.where(inst)
    v4 = r.value(inst, "cidr_block", None, "the subnet's CIDR is not known")
    v6 = r.value(inst, "ipv6_cidr_block", None) if not inst.is_unknown("ipv6_cidr_block") else None
    vpc_id = r.vpc_of(inst, "the subnet is not modelled", v4 if isinstance(v4, str) else None)
    if vpc_id is None:
        return
    if not v4 and not v6:
        r.b.warn(
            "UNRESOLVED_ADDRESS", f"{inst.address}: no CIDR known: not modelled", inst.origin, r.id_of(inst)
        )
        return
    r.b.subnet(
        r.id_of(inst),
        vpc_id,
        check_cidr(v4, where, "cidr_block", 4) if v4 else None,
        check_cidr(v6, where, "ipv6_cidr_block", 6) if v6 else None,
        r.value(inst, "availability_zone", None),
        r.bool_(inst, "map_public_ip_on_launch", False),
        inst.origin,
        tags(r.tags(inst)),
    )


def internet_gateway(r: Reader, inst: Instance) -> None:
    vpc_id = None
    if inst.values.get("vpc_id") or r.has_config(inst, "vpc_id"):
        vpc_id = r.vpc_of(inst, "the gateway is not attached to a VPC")
    r.b.internet_gateway(r.id_of(inst), vpc_id, inst.origin, tags(r.tags(inst)))


def internet_gateway_attachment(r: Reader, inst: Instance) -> None:
    igw = r.ref(inst, "internet_gateway_id", "the attachment is not modelled")
    vpc_id = r.ref(inst, "vpc_id", "the attachment is not modelled")
    if igw and vpc_id:
        r.b.internet_gateway_attachment(igw, vpc_id, inst.origin)


def egress_only_gateway(r: Reader, inst: Instance) -> None:
    vpc_id = r.vpc_of(inst, "the gateway is not modelled")
    if vpc_id:
        r.b.egress_only_gateway(r.id_of(inst), vpc_id, inst.origin, tags(r.tags(inst)))


def nat_gateway(r: Reader, inst: Instance) -> None:
    subnet_id = r.ref(inst, "subnet_id", "the NAT gateway is not modelled")
    if subnet_id is None:
        return
    public = str(r.value(inst, "connectivity_type", "public")) == "public"
    public_ip = inst.values.get("public_ip") if not inst.is_unknown("public_ip") else None
    if public and not public_ip and r.has_config(inst, "allocation_id"):
        res = r.res.resolve(inst, ("allocation_id",), "public_ip")
        ips = [v for v in flatten(res.values) if isinstance(v, str) and v[:1].isdigit()]
        public_ip = ips[0] if len(ips) == 1 else None
    private_ip = inst.values.get("private_ip") if not inst.is_unknown("private_ip") else None
    r.b.nat_gateway(
        r.id_of(inst),
        subnet_id,
        public,
        public_ip or None,
        private_ip or None,
        inst.origin,
        tags(r.tags(inst)),
    )


def _route_json(
    r: Reader, inst: Instance, block: dict[str, Any], path: tuple[str | int, ...], attr: str
) -> dict[str, Any] | None:
    """A route (``aws_route`` or an inline ``route`` block) → a describe ``Routes`` item."""
    where = r.where(inst)
    standalone = not path
    keys = (
        ("destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id")
        if standalone
        else ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")
    )
    out: dict[str, Any] = {"State": "active", "Origin": "CreateRoute"}
    v4 = r.value(inst, keys[0], None, "the route is not modelled") if standalone else block.get(keys[0])
    v6 = r.value(inst, keys[1], None, "the route is not modelled") if standalone else block.get(keys[1])
    pl = r.ref(inst, keys[2], "the route is not modelled") if standalone else block.get(keys[2])
    if v4:
        out["DestinationCidrBlock"] = check_cidr(v4, where, f"{attr}{keys[0]}", 4)
    elif v6:
        out["DestinationIpv6CidrBlock"] = check_cidr(v6, where, f"{attr}{keys[1]}", 6)
    elif pl:
        out["DestinationPrefixListId"] = pl
    else:
        return None
    for tf_key, aws_key in ROUTE_TARGETS:
        if standalone:
            target = r.ref(inst, tf_key, "the route's target is not known: traces using it answer UNKNOWN")
        else:
            target = block.get(tf_key) or None
            unknown = inst.unknown.get("route") if isinstance(inst.unknown, dict) else None
            if (
                target is None
                and isinstance(unknown, list)
                and any(isinstance(u, dict) and u.get(tf_key) is True for u in unknown)
            ):
                target = _inline_target(r, inst, block, tf_key)
        if target:
            out[aws_key] = target
            break
    else:
        r.unresolved(
            inst,
            f"{attr}target",
            [f"{inst.address}: the target of the route to {_dest_text(out)} is not known before apply"],
            "traces that use the route answer UNKNOWN",
        )
    return out


def _dest_text(route: dict[str, Any]) -> str:
    return str(
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId")
    )


def _inline_target(r: Reader, inst: Instance, block: dict[str, Any], tf_key: str) -> str | None:
    exprs = r.res.expression(inst, ("route",))
    if not isinstance(exprs, list):
        return None
    dest = block.get("cidr_block") or block.get("ipv6_cidr_block")
    for j, b in enumerate(exprs):
        if not isinstance(b, dict) or tf_key not in b:
            continue
        consts = [(b.get(k) or {}).get("constant_value") for k in ("cidr_block", "ipv6_cidr_block")]
        if dest in consts or len(exprs) == 1:
            res = r.res.resolve(inst, ("route", j, tf_key))
            vals = list(dict.fromkeys(v for v in flatten(res.values) if isinstance(v, str) and v))
            if len(vals) == 1:
                return vals[0]
            r.unresolved(inst, f"route.{tf_key}", res.problems, "the route's target is not known")
    return None


def _inline_routes(r: Reader, inst: Instance, decl: RouteTableDecl) -> None:
    raw = inst.values.get("route")
    if inst.is_unknown("route") and not isinstance(raw, list):
        if r.has_config(inst, "route"):
            r.unresolved(
                inst,
                "route",
                [f"{inst.address}.route is computed from references"],
                "those routes are unknown",
            )
        return
    for i, block in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(block, dict):
            route = _route_json(r, inst, block, ("route", i), f"route[{i}].")
            if route is not None:
                decl.routes.append((route, inst.origin))


def route_table(r: Reader, inst: Instance) -> None:
    vpc_id = r.vpc_of(inst, "the route table is not modelled")
    if vpc_id is None:
        return
    decl = RouteTableDecl(r.id_of(inst), vpc_id, inst.origin, tags=tags(r.tags(inst)))
    _inline_routes(r, inst, decl)
    r.b.route_table(decl)


def default_route_table(r: Reader, inst: Instance) -> None:
    rtb_id = r.id_of(inst)
    vpc_id = inst.values.get("vpc_id") if not inst.is_unknown("vpc_id") else None
    vpc_id = vpc_id or DescribeBuilder.vpc_of_implicit(rtb_id)
    if not isinstance(vpc_id, str):
        r.unresolved(inst, "default_route_table_id", [], "the main route table's VPC is not known")
        return
    decl = RouteTableDecl(rtb_id, vpc_id, inst.origin, main=True, tags=tags(r.tags(inst)))
    _inline_routes(r, inst, decl)
    r.b.default_route_table(vpc_id, decl)


def route(r: Reader, inst: Instance) -> None:
    rtb = r.ref(inst, "route_table_id", "the route cannot be placed in its route table")
    if rtb is None:
        return
    item = _route_json(r, inst, inst.values, (), "")
    if item is None:
        r.unresolved(inst, "destination_cidr_block", [], "the route has no known destination")
        return
    r.b.route(rtb, item, inst.origin)


def route_table_association(r: Reader, inst: Instance) -> None:
    rtb = r.ref(inst, "route_table_id", "the association is not modelled")
    subnet_id = r.ref(inst, "subnet_id", "the association is not modelled")
    gateway_id = r.ref(inst, "gateway_id", "the association is not modelled")
    if rtb and (subnet_id or gateway_id):
        r.b.route_table_association(rtb, subnet_id, gateway_id, inst.origin)


def main_route_table_association(r: Reader, inst: Instance) -> None:
    vpc_id = r.ref(inst, "vpc_id", "the main association is not modelled")
    rtb = r.ref(inst, "route_table_id", "the main association is not modelled")
    if vpc_id and rtb:
        r.b.main_route_table_association(vpc_id, rtb, inst.origin)


def peering(r: Reader, inst: Instance) -> None:
    requester = r.ref(inst, "vpc_id", "the peering is not modelled")
    accepter = r.ref(inst, "peer_vpc_id", "the peering is not modelled")
    if not requester or not accepter:
        return
    owner = r.value(inst, "peer_owner_id", None)
    region = r.value(inst, "peer_region", None)
    status = inst.values.get("accept_status") if not inst.is_unknown("accept_status") else None
    if not status:
        status = "active" if r.bool_(inst, "auto_accept", False) else "pending-acceptance"
    r.b.peering(r.id_of(inst), requester, accepter, str(status), inst.origin, owner, region)


def peering_accepter(r: Reader, inst: Instance) -> None:
    pcx = r.ref(inst, "vpc_peering_connection_id", "the acceptance is not modelled")
    if pcx and r.bool_(inst, "auto_accept", False):
        r.b.accept_peering(pcx, inst.origin)


def flow_log(r: Reader, inst: Instance) -> None:
    for attr in ("vpc_id", "subnet_id", "eni_id", "transit_gateway_id", "transit_gateway_attachment_id"):
        if inst.values.get(attr) or (inst.is_unknown(attr) and r.has_config(inst, attr)):
            target = r.ref(inst, attr, "the flow log's resource is not known")
            break
    else:
        target = None
    if target is None:
        r.b.warn(
            "UNRESOLVED_REFERENCE", f"{inst.address}: no logged resource known: not modelled", inst.origin
        )
        return
    item = {
        "TrafficType": str(r.value(inst, "traffic_type", "ALL")).upper(),
        "LogDestinationType": r.value(inst, "log_destination_type", "cloud-watch-logs"),
        "LogDestination": r.ref(inst, "log_destination", "", "arn")
        if not inst.is_unknown("log_destination")
        else None,
        "LogFormat": inst.values.get("log_format") if not inst.is_unknown("log_format") else None,
        "MaxAggregationInterval": r.value(inst, "max_aggregation_interval", 600),
        "Tags": tags(r.tags(inst)),
    }
    r.b.flow_log(r.id_of(inst), target, {k: v for k, v in item.items() if v is not None}, inst.origin)
