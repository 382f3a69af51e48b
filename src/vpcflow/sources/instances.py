"""describe-instances (``Reservations``) → ``Instance`` and the ENIs embedded in it.

Every instance is kept whatever its state (the state is recorded): a stopped instance's ENIs and rules
still exist, and a question about them is still a question about the configuration. Batfish keeps only
``running`` instances; we leave that choice to the question asked.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vpcflow.model import Instance
from vpcflow.sources.base import Ctx, FunctionParser, ephemeral_tag, tags_of
from vpcflow.sources.interfaces import interface_from

# the kind of an ENI read from describe-instances (apart from describe-network-interfaces' ENIs)
EMBEDDED_ENI = "network interface (in describe-instances)"


def parse_reservations(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        rpath = f"$.Reservations[{i}]"
        ctx.resource = None
        res = ctx.obj(raw, rpath)
        ctx.resource = ctx.opt_str(res, "ReservationId", rpath)
        for k, inst_raw in enumerate(ctx.opt_list(res, "Instances", rpath)):
            _instance(ctx, inst_raw, f"{rpath}.Instances[{k}]")


def _instance(ctx: Ctx, raw: Any, path: str) -> None:
    inst, iid = ctx.begin(raw, path, "InstanceId")
    state = ctx.opt_str(ctx.opt_obj(inst, "State", path), "Name", f"{path}.State") or "unknown"
    enis: list[tuple[int, str]] = []
    for j, n_raw in enumerate(ctx.opt_list(inst, "NetworkInterfaces", path)):
        npath = f"{path}.NetworkInterfaces[{j}]"
        n = ctx.obj(n_raw, npath)
        eni = interface_from(
            ctx,
            n,
            npath,
            instance_id=iid,
            subnet_id=ctx.opt_str(n, "SubnetId", npath) or ctx.opt_str(inst, "SubnetId", path),
            vpc_id=ctx.opt_str(n, "VpcId", npath) or ctx.opt_str(inst, "VpcId", path),
        )
        ctx.keep(ctx.out.instance_interfaces, eni.eni_id, eni, npath, EMBEDDED_ENI)
        attach = ctx.opt_obj(n, "Attachment", npath)
        index = attach.get("DeviceIndex")
        enis.append(
            (ctx.int_(index, f"{npath}.Attachment.DeviceIndex") if index is not None else j, eni.eni_id)
        )
        ctx.resource = iid
    enis.sort()
    if not enis and inst.get("PrivateIpAddress") and state != "terminated":
        ctx.warn("INSTANCE_WITHOUT_INTERFACE", f"instance {iid} lists no network interface", path, iid)
    public = ctx.opt_address(inst, "PublicIpAddress", path, version=4)
    if public is not None and enis:
        # the instance's public IPv4 belongs to the primary address of device 0
        primary_id = enis[0][1]
        eni = ctx.out.instance_interfaces[primary_id]
        if eni.primary_ip is not None and all(p != public for _a, p in eni.public_ips):
            ctx.out.instance_interfaces[primary_id] = replace(
                eni, public_ips=((eni.primary_ip, public), *eni.public_ips)
            )
    ports = ephemeral_tag(ctx, inst, path, "Tags")
    if ports is not None:
        ctx.out.instance_ephemeral[iid] = ports
    instance = Instance(
        iid,
        state,
        tuple(e for _i, e in enis),
        ctx.opt_str(inst, "Platform", path),
        tags_of(ctx, inst, path),
    )
    ctx.keep(ctx.out.instances, iid, instance, path, "instance")


PARSER = FunctionParser("Reservations", parse_reservations)
