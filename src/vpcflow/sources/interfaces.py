"""describe-network-interfaces → ``NetworkInterface``; also reads the ENIs embedded in describe-instances.

Public IPs come from ``Association.PublicIp`` on the ENI and on each ``PrivateIpAddresses[]`` entry
(auto-assigned public IPs and Elastic IPs alike); describe-addresses and the instance's
``PublicIpAddress`` add more in ``resolve``.
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import Address, NetworkInterface
from vpcflow.sources.base import Ctx, FunctionParser, Json, ephemeral_tag, tags_of


def interface_from(
    ctx: Ctx,
    item: Json,
    path: str,
    *,
    instance_id: str | None = None,
    subnet_id: str | None = None,
    vpc_id: str | None = None,
) -> NetworkInterface:
    """One ENI; ``instance_id``/``subnet_id``/``vpc_id`` fill what an instance-embedded ENI leaves out.
    Errors name the ENI; ``ctx.resource`` is left naming it (the caller restores its own)."""
    ctx.resource = None if instance_id is None else instance_id
    eni_id = ctx.str_(item, "NetworkInterfaceId", path)
    ctx.resource = eni_id
    privs: list[Address] = []
    publics: list[tuple[Address, Address]] = []
    for j, raw in enumerate(ctx.opt_list(item, "PrivateIpAddresses", path)):
        pp = f"{path}.PrivateIpAddresses[{j}]"
        p = ctx.obj(raw, pp)
        addr = ctx.address(ctx.req(p, "PrivateIpAddress", pp), f"{pp}.PrivateIpAddress", version=4)
        if ctx.opt_bool(p, "Primary", pp, False):
            privs.insert(0, addr)
        else:
            privs.append(addr)
        pub = ctx.opt_address(ctx.opt_obj(p, "Association", pp), "PublicIp", f"{pp}.Association", 4)
        if pub is not None:
            publics.append((addr, pub))
    primary = ctx.opt_address(item, "PrivateIpAddress", path, version=4)
    if primary is not None:
        if primary in privs:
            privs.remove(primary)
        privs.insert(0, primary)
    pub = ctx.opt_address(ctx.opt_obj(item, "Association", path), "PublicIp", f"{path}.Association", 4)
    # the ENI-level association is the primary address's public IP
    if pub is not None and privs and all(pub != b for _a, b in publics):
        publics.append((privs[0], pub))
    v6 = []
    for j, raw in enumerate(ctx.opt_list(item, "Ipv6Addresses", path)):
        p6 = f"{path}.Ipv6Addresses[{j}]"
        v6.append(ctx.address(ctx.req(ctx.obj(raw, p6), "Ipv6Address", p6), f"{p6}.Ipv6Address", 6))
    groups = []
    for j, raw in enumerate(ctx.opt_list(item, "Groups", path)):
        pg = f"{path}.Groups[{j}]"
        groups.append(ctx.str_(ctx.obj(raw, pg), "GroupId", pg))
        ctx.refer(eni_id, groups[-1], pg)
    attach = ctx.opt_obj(item, "Attachment", path)
    # describe-network-interfaces says TagSet; other outputs say Tags
    tag_key = "TagSet" if "TagSet" in item else "Tags"
    subnet_id = subnet_id or ctx.str_(item, "SubnetId", path)
    vpc_id = vpc_id or ctx.str_(item, "VpcId", path)
    ctx.refer(eni_id, subnet_id, f"{path}.SubnetId")
    ctx.refer(eni_id, vpc_id, f"{path}.VpcId")
    return NetworkInterface(
        eni_id,
        subnet_id,
        vpc_id,
        tuple(privs),
        tuple(v6),
        tuple(publics),
        tuple(groups),
        instance_id or ctx.opt_str(attach, "InstanceId", f"{path}.Attachment"),
        ctx.opt_bool(item, "RequesterManaged", path, False),
        ctx.opt_str(item, "InterfaceType", path) or "interface",
        ctx.opt_bool(item, "SourceDestCheck", path, True),
        ctx.opt_str(item, "Description", path),
        ctx.opt_str(item, "OwnerId", path) or ctx.account,
        ctx.opt_str(item, "Status", path),
        tags_of(ctx, item, path, tag_key),
        ephemeral_tag(ctx, item, path, tag_key),
    )


def parse_network_interfaces(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.NetworkInterfaces[{i}]"
        ctx.resource = None
        eni = interface_from(ctx, ctx.obj(raw, path), path)
        ctx.keep(ctx.out.interfaces, eni.eni_id, eni, path, "network interface")


PARSER = FunctionParser("NetworkInterfaces", parse_network_interfaces)
