"""describe-addresses → ``ElasticIp``; ``resolve`` adds each associated one to its ENI's public IPs."""

from __future__ import annotations

from typing import Any

from vpcflow.model import ElasticIp
from vpcflow.sources.base import Ctx, FunctionParser


def parse_addresses(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.Addresses[{i}]"
        ctx.resource = None
        item = ctx.obj(raw, path)
        ctx.resource = ctx.opt_str(item, "AllocationId", path)
        # an Elastic IP is IPv4 (API_Address)
        public = ctx.address(ctx.req(item, "PublicIp", path), f"{path}.PublicIp", version=4)
        ctx.resource = ctx.resource or str(public)
        eni_id = ctx.opt_str(item, "NetworkInterfaceId", path)
        if eni_id is not None:
            ctx.refer(str(public), eni_id, f"{path}.NetworkInterfaceId")
        eip = ElasticIp(
            public,
            ctx.opt_str(item, "AllocationId", path),
            ctx.opt_address(item, "PrivateIpAddress", path, version=4),
            eni_id,
            ctx.opt_str(item, "InstanceId", path),
        )
        ctx.keep(ctx.out.elastic_ips, str(public), eip, path, "Elastic IP")


PARSER = FunctionParser("Addresses", parse_addresses)
