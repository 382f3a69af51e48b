"""VPCs, subnets, interfaces, instances, routes, gateways, addresses, prefix lists, peerings."""

from __future__ import annotations

from typing import Any

from vpcflow.model import (
    MODELLED_TARGETS,
    Address,
    Cidr,
    ElasticIp,
    Instance,
    InternetGateway,
    NatGateway,
    NetworkInterface,
    PrefixList,
    Route,
    RouteTable,
    RouteTarget,
    Subnet,
    Vpc,
    VpcPeeringConnection,
)
from vpcflow.sources.base import Ctx, Json, tags_of


def parse_vpcs(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.Vpcs[{i}]"
        item = ctx.obj(raw, path)
        v4: list[Cidr] = []
        for j, a in enumerate(ctx.opt_list(item, "CidrBlockAssociationSet", path)):
            a = ctx.obj(a, f"{path}.CidrBlockAssociationSet[{j}]")
            state = (a.get("CidrBlockState") or {}).get("State", "associated")
            if state == "associated":
                v4.append(
                    ctx.cidr(ctx.req(a, "CidrBlock", path), f"{path}.CidrBlockAssociationSet[{j}].CidrBlock")
                )
        if not v4 and "CidrBlock" in item:
            v4.append(ctx.cidr(item["CidrBlock"], f"{path}.CidrBlock"))
        v6: list[Cidr] = []
        for j, a in enumerate(ctx.opt_list(item, "Ipv6CidrBlockAssociationSet", path)):
            p = f"{path}.Ipv6CidrBlockAssociationSet[{j}]"
            a = ctx.obj(a, p)
            state = (a.get("Ipv6CidrBlockState") or {}).get("State", "associated")
            if state == "associated" and "Ipv6CidrBlock" in a:
                v6.append(ctx.cidr(a["Ipv6CidrBlock"], f"{p}.Ipv6CidrBlock"))
        ctx.out.vpcs.append(
            Vpc(
                ctx.str_(item, "VpcId", path),
                tuple(v4),
                tuple(v6),
                ctx.opt_str(item, "OwnerId", path) or ctx.account,
                ctx.region,
                bool(item.get("IsDefault", False)),
                tags_of(ctx, item, path),
            )
        )


def parse_subnets(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.Subnets[{i}]"
        item = ctx.obj(raw, path)
        v4 = ctx.cidr(item["CidrBlock"], f"{path}.CidrBlock") if item.get("CidrBlock") else None
        v6 = []
        for j, a in enumerate(ctx.opt_list(item, "Ipv6CidrBlockAssociationSet", path)):
            p = f"{path}.Ipv6CidrBlockAssociationSet[{j}]"
            a = ctx.obj(a, p)
            state = (a.get("Ipv6CidrBlockState") or {}).get("State", "associated")
            if state == "associated" and "Ipv6CidrBlock" in a:
                v6.append(ctx.cidr(a["Ipv6CidrBlock"], f"{p}.Ipv6CidrBlock"))
        ctx.out.subnets.append(
            Subnet(
                ctx.str_(item, "SubnetId", path),
                ctx.str_(item, "VpcId", path),
                v4,
                tuple(v6),
                ctx.opt_str(item, "AvailabilityZone", path),
                ctx.opt_str(item, "OwnerId", path) or ctx.account,
                tags_of(ctx, item, path),
            )
        )


def _interface(
    ctx: Ctx,
    item: Json,
    path: str,
    *,
    instance_id: str | None = None,
    subnet_id: str | None = None,
    vpc_id: str | None = None,
) -> NetworkInterface:
    eni_id = ctx.str_(item, "NetworkInterfaceId", path)
    privs: list[Address] = []
    publics: list[tuple[Address, Address]] = []
    for j, p in enumerate(ctx.opt_list(item, "PrivateIpAddresses", path)):
        pp = f"{path}.PrivateIpAddresses[{j}]"
        p = ctx.obj(p, pp)
        addr = ctx.address(ctx.req(p, "PrivateIpAddress", pp), f"{pp}.PrivateIpAddress")
        if p.get("Primary"):
            privs.insert(0, addr)
        else:
            privs.append(addr)
        assoc = p.get("Association")
        if isinstance(assoc, dict) and assoc.get("PublicIp"):
            publics.append((addr, ctx.address(assoc["PublicIp"], f"{pp}.Association.PublicIp")))
    primary_raw = item.get("PrivateIpAddress")
    if primary_raw:
        primary = ctx.address(primary_raw, f"{path}.PrivateIpAddress")
        if primary in privs:
            privs.remove(primary)
        privs.insert(0, primary)
    assoc = item.get("Association")
    if isinstance(assoc, dict) and assoc.get("PublicIp") and privs:
        pub = ctx.address(assoc["PublicIp"], f"{path}.Association.PublicIp")
        if all(pub != b for _a, b in publics):
            publics.append((privs[0], pub))
    v6 = []
    for j, a in enumerate(ctx.opt_list(item, "Ipv6Addresses", path)):
        a = ctx.obj(a, f"{path}.Ipv6Addresses[{j}]")
        v6.append(ctx.address(ctx.req(a, "Ipv6Address", path), f"{path}.Ipv6Addresses[{j}].Ipv6Address"))
    groups = []
    for j, g in enumerate(ctx.opt_list(item, "Groups", path)):
        g = ctx.obj(g, f"{path}.Groups[{j}]")
        groups.append(ctx.str_(g, "GroupId", f"{path}.Groups[{j}]"))
    attach = item.get("Attachment") if isinstance(item.get("Attachment"), dict) else {}
    tags = tags_of(ctx, item, path, "TagSet") or tags_of(ctx, item, path, "Tags")
    return NetworkInterface(
        eni_id,
        subnet_id or ctx.str_(item, "SubnetId", path),
        vpc_id or ctx.str_(item, "VpcId", path),
        tuple(privs),
        tuple(v6),
        tuple(publics),
        tuple(groups),
        instance_id or (attach or {}).get("InstanceId"),
        bool(item.get("RequesterManaged", False)),
        str(item.get("InterfaceType") or "interface"),
        bool(item.get("SourceDestCheck", True)),
        ctx.opt_str(item, "Description", path),
        ctx.opt_str(item, "OwnerId", path) or ctx.account,
        ctx.opt_str(item, "Status", path),
        tags,
    )


def parse_network_interfaces(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.NetworkInterfaces[{i}]"
        eni = _interface(ctx, ctx.obj(raw, path), path)
        ctx.out.interfaces[eni.eni_id] = eni


def parse_reservations(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        rpath = f"$.Reservations[{i}]"
        res = ctx.obj(raw, rpath)
        for k, inst_raw in enumerate(ctx.opt_list(res, "Instances", rpath)):
            path = f"{rpath}.Instances[{k}]"
            inst = ctx.obj(inst_raw, path)
            iid = ctx.str_(inst, "InstanceId", path)
            state = (inst.get("State") or {}).get("Name", "unknown")
            enis: list[tuple[int, str]] = []
            for j, n in enumerate(ctx.opt_list(inst, "NetworkInterfaces", path)):
                npath = f"{path}.NetworkInterfaces[{j}]"
                n = ctx.obj(n, npath)
                eni = _interface(
                    ctx,
                    n,
                    npath,
                    instance_id=iid,
                    subnet_id=n.get("SubnetId") or inst.get("SubnetId"),
                    vpc_id=n.get("VpcId") or inst.get("VpcId"),
                )
                # an instance's embedded ENIs carry no tags of their own: give them the instance's
                ctx.out.instance_interfaces.setdefault(eni.eni_id, eni)
                index = ((n.get("Attachment") or {}).get("DeviceIndex")) or 0
                enis.append((int(index), eni.eni_id))
            if not enis and inst.get("PrivateIpAddress") and state != "terminated":
                ctx.warn(
                    "INSTANCE_WITHOUT_INTERFACE", f"instance {iid} lists no network interface", path, iid
                )
            public = inst.get("PublicIpAddress")
            if public and enis:
                primary = sorted(enis)[0][1]
                eni = ctx.out.instance_interfaces[primary]
                pub = ctx.address(public, f"{path}.PublicIpAddress")
                if eni.primary_ip and all(p != pub for _a, p in eni.public_ips):
                    from dataclasses import replace

                    ctx.out.instance_interfaces[primary] = replace(
                        eni, public_ips=((eni.primary_ip, pub), *eni.public_ips)
                    )
            ctx.out.instances.append(
                Instance(
                    iid,
                    str(state),
                    tuple(e for _i, e in sorted(enis)),
                    ctx.opt_str(inst, "Platform", path),
                    tags_of(ctx, inst, path),
                )
            )


_TARGET_KEYS: tuple[tuple[str, RouteTarget | None], ...] = (
    ("GatewayId", None),  # igw-/vgw-/vpce-/local: decided by prefix
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


def _gateway_kind(gid: str) -> RouteTarget:
    if gid == "local":
        return RouteTarget.LOCAL
    for prefix, kind in (
        ("igw-", RouteTarget.INTERNET_GATEWAY),
        ("vgw-", RouteTarget.VIRTUAL_PRIVATE_GATEWAY),
        ("vpce-", RouteTarget.GATEWAY_ENDPOINT),
        ("eigw-", RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY),
    ):
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
            path, "route has no DestinationCidrBlock, DestinationIpv6CidrBlock or DestinationPrefixListId"
        )
    target, tid = RouteTarget.UNKNOWN, None
    for key, kind in _TARGET_KEYS:
        value = r.get(key)
        if value:
            tid = str(value)
            target = _gateway_kind(tid) if kind is None else kind
            # an instance route also names its ENI; prefer the ENI as the target id
            if kind is RouteTarget.INSTANCE and r.get("NetworkInterfaceId"):
                tid = str(r["NetworkInterfaceId"])
            break
    state = str(r.get("State") or "active")
    route = Route(dest, target, tid, state, pl, r.get("Origin"))
    if target not in MODELLED_TARGETS and state != "blackhole":
        ctx.warn(
            "UNSUPPORTED_ROUTE_TARGET",
            f"{rtb_id} route {route.destination_text} → {tid or 'unknown target'} ({target.value}) is not "
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
        for j, a in enumerate(ctx.opt_list(item, "Associations", path)):
            a = ctx.obj(a, f"{path}.Associations[{j}]")
            if a.get("Main"):
                main = True
            if a.get("SubnetId"):
                subnets.append(str(a["SubnetId"]))
            if a.get("GatewayId"):
                gateways.append(str(a["GatewayId"]))
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
        ctx.out.route_tables.append(
            RouteTable(
                rtb_id,
                ctx.str_(item, "VpcId", path),
                main,
                frozenset(subnets),
                routes,
                frozenset(gateways),
                tags_of(ctx, item, path),
            )
        )


def parse_internet_gateways(items: list[Any], ctx: Ctx) -> None:
    _gateways(items, ctx, "InternetGateways", "InternetGatewayId", egress_only=False)


def parse_egress_only_gateways(items: list[Any], ctx: Ctx) -> None:
    _gateways(items, ctx, "EgressOnlyInternetGateways", "EgressOnlyInternetGatewayId", egress_only=True)


def _gateways(items: list[Any], ctx: Ctx, key: str, id_key: str, egress_only: bool) -> None:
    for i, raw in enumerate(items):
        path = f"$.{key}[{i}]"
        item = ctx.obj(raw, path)
        vpcs = []
        for j, a in enumerate(ctx.opt_list(item, "Attachments", path)):
            a = ctx.obj(a, f"{path}.Attachments[{j}]")
            if a.get("State", "available") in ("available", "attached") and a.get("VpcId"):
                vpcs.append(str(a["VpcId"]))
        ctx.out.internet_gateways.append(
            InternetGateway(ctx.str_(item, id_key, path), tuple(vpcs), egress_only, tags_of(ctx, item, path))
        )


def parse_nat_gateways(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.NatGateways[{i}]"
        item = ctx.obj(raw, path)
        addrs = ctx.opt_list(item, "NatGatewayAddresses", path)
        primary: Json = {}
        for j, a in enumerate(addrs):
            a = ctx.obj(a, f"{path}.NatGatewayAddresses[{j}]")
            if a.get("IsPrimary", j == 0):
                primary = a
                break
        apath = f"{path}.NatGatewayAddresses[0]"
        ctx.out.nat_gateways.append(
            NatGateway(
                ctx.str_(item, "NatGatewayId", path),
                ctx.str_(item, "VpcId", path),
                ctx.str_(item, "SubnetId", path),
                str(item.get("State") or "available"),
                str(item.get("ConnectivityType") or "public"),
                primary.get("NetworkInterfaceId"),
                ctx.address(primary["PrivateIp"], f"{apath}.PrivateIp") if primary.get("PrivateIp") else None,
                ctx.address(primary["PublicIp"], f"{apath}.PublicIp") if primary.get("PublicIp") else None,
                tags_of(ctx, item, path),
            )
        )


def parse_addresses(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.Addresses[{i}]"
        item = ctx.obj(raw, path)
        ctx.out.elastic_ips.append(
            ElasticIp(
                ctx.address(ctx.req(item, "PublicIp", path), f"{path}.PublicIp"),
                ctx.opt_str(item, "AllocationId", path),
                ctx.address(item["PrivateIpAddress"], f"{path}.PrivateIpAddress")
                if item.get("PrivateIpAddress")
                else None,
                ctx.opt_str(item, "NetworkInterfaceId", path),
                ctx.opt_str(item, "InstanceId", path),
            )
        )


def parse_prefix_lists(items: list[Any], ctx: Ctx) -> None:
    """describe-prefix-lists: AWS-managed service lists with their CIDRs."""
    for i, raw in enumerate(items):
        path = f"$.PrefixLists[{i}]"
        item = ctx.obj(raw, path)
        cidrs = tuple(
            ctx.cidr(c, f"{path}.Cidrs[{j}]") for j, c in enumerate(ctx.opt_list(item, "Cidrs", path))
        )
        ctx.out.prefix_lists.append(
            PrefixList(
                ctx.str_(item, "PrefixListId", path),
                ctx.opt_str(item, "PrefixListName", path),
                cidrs,
                aws_managed=True,
            )
        )


def parse_managed_prefix_lists(items: list[Any], ctx: Ctx) -> None:
    """describe-managed-prefix-lists; entries inline as ``Entries`` (what `vpcflow snapshot fetch`
    writes) or in a separate get-managed-prefix-list-entries file ``{"PrefixListId", "Entries"}``."""
    for i, raw in enumerate(items):
        path = f"$.ManagedPrefixLists[{i}]"
        item = ctx.obj(raw, path)
        plid = ctx.str_(item, "PrefixListId", path)
        cidrs = tuple(_entries(ctx, ctx.opt_list(item, "Entries", path), f"{path}.Entries"))
        owner = ctx.opt_str(item, "OwnerId", path)
        ctx.out.prefix_lists.append(
            PrefixList(
                plid,
                ctx.opt_str(item, "PrefixListName", path),
                cidrs,
                item.get("MaxEntries"),
                aws_managed=owner == "AWS",
            )
        )


def _entries(ctx: Ctx, entries: list[Any], path: str) -> list[Cidr]:
    out = []
    for j, e in enumerate(entries):
        e = ctx.obj(e, f"{path}[{j}]")
        out.append(ctx.cidr(ctx.req(e, "Cidr", f"{path}[{j}]"), f"{path}[{j}].Cidr"))
    return out


def parse_prefix_list_entries(doc: Json, ctx: Ctx) -> None:
    """A get-managed-prefix-list-entries response saved with the list id beside it."""
    plid = ctx.str_(doc, "PrefixListId", "$")
    ctx.out.prefix_list_entries.setdefault(plid, []).extend(
        _entries(ctx, ctx.list_(doc["Entries"], "$.Entries"), "$.Entries")
    )


def _vpc_info(
    ctx: Ctx, item: Json, key: str, path: str
) -> tuple[str, tuple[Cidr, ...], str | None, str | None]:
    info = ctx.obj(ctx.req(item, key, path), f"{path}.{key}")
    p = f"{path}.{key}"
    cidrs: list[Cidr] = []
    for j, c in enumerate(ctx.opt_list(info, "CidrBlockSet", p)):
        c = ctx.obj(c, f"{p}.CidrBlockSet[{j}]")
        cidrs.append(ctx.cidr(ctx.req(c, "CidrBlock", p), f"{p}.CidrBlockSet[{j}].CidrBlock"))
    if not cidrs and info.get("CidrBlock"):
        cidrs.append(ctx.cidr(info["CidrBlock"], f"{p}.CidrBlock"))
    for j, c in enumerate(ctx.opt_list(info, "Ipv6CidrBlockSet", p)):
        c = ctx.obj(c, f"{p}.Ipv6CidrBlockSet[{j}]")
        cidrs.append(ctx.cidr(ctx.req(c, "Ipv6CidrBlock", p), f"{p}.Ipv6CidrBlockSet[{j}].Ipv6CidrBlock"))
    return (
        ctx.str_(info, "VpcId", p),
        tuple(cidrs),
        ctx.opt_str(info, "OwnerId", p),
        ctx.opt_str(info, "Region", p),
    )


def parse_peerings(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.VpcPeeringConnections[{i}]"
        item = ctx.obj(raw, path)
        status = (item.get("Status") or {}).get("Code", "unknown")
        rv, rc, ro, rr = _vpc_info(ctx, item, "RequesterVpcInfo", path)
        av, ac, ao, ar = _vpc_info(ctx, item, "AccepterVpcInfo", path)
        ctx.out.peerings.append(
            VpcPeeringConnection(
                ctx.str_(item, "VpcPeeringConnectionId", path), str(status), rv, rc, ro, rr, av, ac, ao, ar
            )
        )
