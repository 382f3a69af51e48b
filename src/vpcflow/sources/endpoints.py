"""describe-vpc-endpoints → ``VpcEndpoint``; describe-vpc-endpoint-service-configurations →
``VpcEndpointServiceConfiguration`` (which load balancers serve an endpoint service).

``State`` is compared case-insensitively (real dumps say ``available``, botocore's enum ``Available``) and
kept lowercase. ``PolicyDocument`` is kept as text for reports: it authorizes API calls, it does not filter
packets. An unknown ``VpcEndpointType`` loads and is warned about (traffic to it answers UNKNOWN).
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import EndpointType, VpcEndpoint, VpcEndpointServiceConfiguration
from vpcflow.sources.base import Ctx, FunctionParser, each, tags_of


def _ids(ctx: Ctx, item: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
    out = []
    for j, value in enumerate(ctx.opt_list(item, key, path)):
        if not isinstance(value, str) or not value:
            raise ctx.fail(f"{path}.{key}[{j}]", f"expected an id, found {value!r}")
        out.append(value)
    return tuple(out)


def parse_vpc_endpoints(items: list[Any], ctx: Ctx) -> None:
    for vpce_id, item, path in each(ctx, items, "VpcEndpoints", "VpcEndpointId"):
        with ctx.about(vpce_id):
            type_text = ctx.opt_str(item, "VpcEndpointType", path) or "Gateway"
            kind = EndpointType.parse(type_text)
            if kind is EndpointType.UNKNOWN:
                ctx.warn(
                    "NOT_MODELLED",
                    f"{vpce_id}: endpoint type {type_text!r} is not known; traffic to it answers UNKNOWN",
                    f"{path}.VpcEndpointType",
                    vpce_id,
                )
            groups = []
            for j, g_raw in enumerate(ctx.opt_list(item, "Groups", path)):
                gp = f"{path}.Groups[{j}]"
                groups.append(ctx.str_(ctx.obj(g_raw, gp), "GroupId", gp))
            policy = item.get("PolicyDocument")
            if policy is not None and not isinstance(policy, str):
                raise ctx.fail(
                    f"{path}.PolicyDocument", f"expected the policy as a JSON string, found {policy!r}"
                )
            endpoint = VpcEndpoint(
                vpce_id,
                kind,
                ctx.str_(item, "VpcId", path),
                (ctx.opt_str(item, "State", path) or "available").lower(),
                ctx.opt_str(item, "ServiceName", path),
                _ids(ctx, item, "RouteTableIds", path),
                _ids(ctx, item, "SubnetIds", path),
                tuple(groups),
                _ids(ctx, item, "NetworkInterfaceIds", path),
                policy or None,
                ctx.opt_bool(item, "PrivateDnsEnabled", path, False),
                ctx.opt_str(item, "OwnerId", path) or ctx.account,
                ctx.region,
                tags_of(ctx, item, path),
            )
            ctx.keep(ctx.out.vpc_endpoints, vpce_id, endpoint, path, "VPC endpoint")


VPC_ENDPOINTS = FunctionParser("VpcEndpoints", parse_vpc_endpoints)


def _service_types(ctx: Ctx, item: dict[str, Any], path: str) -> tuple[str, ...]:
    out = []
    for j, raw in enumerate(ctx.opt_list(item, "ServiceType", path)):
        tp = f"{path}.ServiceType[{j}]"
        out.append(ctx.str_(ctx.obj(raw, tp), "ServiceType", tp))
    return tuple(out)


def parse_service_configurations(items: list[Any], ctx: Ctx) -> None:
    for service_id, item, path in each(ctx, items, "ServiceConfigurations", "ServiceId"):
        with ctx.about(service_id):
            config = VpcEndpointServiceConfiguration(
                service_id,
                ctx.opt_str(item, "ServiceName", path),
                _service_types(ctx, item, path),
                (ctx.opt_str(item, "ServiceState", path) or "available").lower(),
                _ids(ctx, item, "AvailabilityZones", path),
                _ids(ctx, item, "GatewayLoadBalancerArns", path),
                _ids(ctx, item, "NetworkLoadBalancerArns", path),
                ctx.opt_bool(item, "AcceptanceRequired", path, False),
                ctx.account,
                ctx.region,
                tags_of(ctx, item, path),
            )
            ctx.keep(ctx.out.endpoint_services, service_id, config, path, "endpoint service")


SERVICE_CONFIGURATIONS = FunctionParser("ServiceConfigurations", parse_service_configurations)
