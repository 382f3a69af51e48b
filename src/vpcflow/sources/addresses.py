"""describe-addresses → ``ElasticIp``; ``resolve`` adds each associated one to its ENI's public IPs."""

from __future__ import annotations

from typing import Any

from vpcflow.model import ElasticIp
from vpcflow.sources.base import Ctx, FunctionParser


def parse_addresses(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.Addresses[{i}]"
        item = ctx.obj(raw, path)
        public = ctx.address(ctx.req(item, "PublicIp", path), f"{path}.PublicIp")
        eip = ElasticIp(
            public,
            ctx.opt_str(item, "AllocationId", path),
            ctx.opt_address(item, "PrivateIpAddress", path),
            ctx.opt_str(item, "NetworkInterfaceId", path),
            ctx.opt_str(item, "InstanceId", path),
        )
        ctx.keep(ctx.out.elastic_ips, str(public), eip, path, "Elastic IP")


PARSER = FunctionParser("Addresses", parse_addresses)
