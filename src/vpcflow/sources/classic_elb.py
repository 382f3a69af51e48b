"""elb ``describe-load-balancers`` (Classic Load Balancers) → ``ClassicLoadBalancer``.

https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_LoadBalancerDescription.html
"""

from __future__ import annotations

from typing import Any

from vpcflow.model.elb import ClassicListener, ClassicLoadBalancer
from vpcflow.sources.base import Ctx, FunctionParser


def parse_classic(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.LoadBalancerDescriptions[{i}]"
        item = ctx.obj(raw, path)
        name = ctx.str_(item, "LoadBalancerName", path)
        where = f"{path} ({name})"
        listeners = []
        for j, d_raw in enumerate(ctx.opt_list(item, "ListenerDescriptions", where)):
            lp = f"{where}.ListenerDescriptions[{j}].Listener"
            d = ctx.obj(d_raw, f"{where}.ListenerDescriptions[{j}]")
            li = ctx.obj(ctx.req(d, "Listener", lp), lp)
            listeners.append(
                ClassicListener(
                    ctx.str_(li, "Protocol", lp).upper(),
                    ctx.int_(ctx.req(li, "LoadBalancerPort", lp), f"{lp}.LoadBalancerPort"),
                    (ctx.opt_str(li, "InstanceProtocol", lp) or "").upper() or None,
                    ctx.int_(ctx.req(li, "InstancePort", lp), f"{lp}.InstancePort"),
                )
            )
        instances = []
        for j, inst in enumerate(ctx.opt_list(item, "Instances", where)):
            ip = f"{where}.Instances[{j}]"
            instances.append(ctx.str_(ctx.obj(inst, ip), "InstanceId", ip))
        source = ctx.opt_obj(item, "SourceSecurityGroup", where)
        lb = ClassicLoadBalancer(
            name,
            ctx.opt_str(item, "DNSName", where),
            ctx.opt_str(item, "Scheme", where),
            ctx.opt_str(item, "VPCId", where) or ctx.opt_str(item, "VpcId", where),
            tuple(str(s) for s in ctx.opt_list(item, "Subnets", where)),
            tuple(str(z) for z in ctx.opt_list(item, "AvailabilityZones", where)),
            tuple(str(g) for g in ctx.opt_list(item, "SecurityGroups", where)),
            tuple(listeners),
            tuple(instances),
            ctx.opt_str(source, "GroupName", f"{where}.SourceSecurityGroup"),
        )
        ctx.keep(ctx.out.classic_load_balancers, name, lb, path, "classic load balancer")


PARSER = FunctionParser("LoadBalancerDescriptions", parse_classic)
