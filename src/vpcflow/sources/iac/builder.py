"""Infrastructure-as-code → the describe-* JSON AWS would return once it is deployed.

Terraform and CloudFormation readers call this builder with resolved values; ``finish`` adds what AWS
creates on its own (each VPC's default security group, default network ACL and main route table, the
local routes, the default egress rule of a new group), merges standalone rules and associations into
their parents, places addresses AWS would choose at launch, and returns one describe document for the
ordinary loader, plus the origin of every object. So an IaC source gives exactly the snapshot the same
network gives when described live.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from vpcflow.errors import SnapshotError
from vpcflow.model import Cidr, Origin, ProtocolError, SnapshotWarning, parse_protocol

Json = dict[str, Any]

# Placeholder public IPv4 addresses for addresses AWS assigns at launch (auto-assigned public IPs,
# Elastic IPs and NAT gateway addresses not known before apply): 240.0.0.0/4 is reserved and never
# routed on the internet, so a placeholder can never be mistaken for a real host.
PLACEHOLDER_PUBLIC_BASE = int(ipaddress.IPv4Address("240.0.0.1"))

_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


def slug(text: str) -> str:
    return _SLUG.sub("_", text).strip("_") or "x"


def tags(mapping: Any) -> list[Json]:
    """Terraform ``tags`` map / CloudFormation ``Tags`` list → describe ``[{"Key", "Value"}]``."""
    if isinstance(mapping, dict):
        return [{"Key": str(k), "Value": "" if v is None else str(v)} for k, v in mapping.items()]
    if isinstance(mapping, list):
        out = []
        for t in mapping:
            if isinstance(t, dict) and "Key" in t:
                out.append({"Key": str(t["Key"]), "Value": str(t.get("Value", ""))})
        return out
    return []


class Where:
    """Where a value comes from, for error messages: the file (and line) and the resource's address."""

    __slots__ = ("origin", "path")

    def __init__(self, origin: Origin, path: str | None = None) -> None:
        self.origin = origin
        self.path = path

    def _at(self, attr: str) -> str:
        base = self.path or self.origin.address
        return ".".join(p for p in (base, attr.strip(".")) if p)

    def fail(self, attr: str, message: str) -> SnapshotError:
        return SnapshotError(message, source=self.origin.location or self.origin.file, path=self._at(attr))

    def refused(self, attr: str, message: str) -> Refused:
        return Refused(f"{self._at(attr)}: {message}: AWS refuses it, so it is not modelled")


class Refused(Exception):
    """A declaration AWS would refuse at deploy time (from_port above to_port, ...): warned, skipped."""


@lru_cache(maxsize=8192)
def _canonical_cidr(text: str) -> Cidr:
    return Cidr.parse(text)


def check_cidr(value: Any, where: Where, attr: str, version: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.fail(attr, f"expected a CIDR string, found {value!r}")
    text = value.strip()
    try:
        cidr = _canonical_cidr(text)
    except ValueError:
        raise where.fail(attr, f"invalid CIDR {value!r}") from None
    if version is not None and cidr.version != version:
        raise where.refused(attr, f"expected an IPv{version} CIDR, found {value!r}")
    return str(cidr)


def check_protocol(value: Any, where: Where, attr: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise where.fail(attr, f"expected a protocol name or number, found {value!r}")
    try:
        return parse_protocol(value)
    except ProtocolError as exc:
        raise where.fail(attr, str(exc)) from None


def check_int(value: Any, where: Where, attr: str) -> int:
    if isinstance(value, bool):
        raise where.fail(attr, f"expected an integer, found {value!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise where.fail(attr, f"expected an integer, found {value!r}")


@dataclass
class Permission:
    """One rule in describe form, before it joins its group."""

    protocol: int
    from_port: int | None
    to_port: int | None
    cidrs_v4: list[str] = field(default_factory=list)
    cidrs_v6: list[str] = field(default_factory=list)
    prefix_lists: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    description: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.cidrs_v4 or self.cidrs_v6 or self.prefix_lists or self.groups)

    def to_json(self) -> Json:
        d: Json = {"IpProtocol": _NAMES.get(self.protocol, str(self.protocol))}
        if self.from_port is not None:
            d["FromPort"] = self.from_port
        if self.to_port is not None:
            d["ToPort"] = self.to_port
        desc = {"Description": self.description} if self.description else {}
        d["IpRanges"] = [{"CidrIp": c, **desc} for c in self.cidrs_v4]
        d["Ipv6Ranges"] = [{"CidrIpv6": c, **desc} for c in self.cidrs_v6]
        d["PrefixListIds"] = [{"PrefixListId": p, **desc} for p in self.prefix_lists]
        d["UserIdGroupPairs"] = [{"GroupId": g, **desc} for g in self.groups]
        return d


_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


@dataclass
class GroupDecl:
    group_id: str
    name: str
    vpc_id: str | None
    description: str | None
    origin: Origin
    ingress: list[tuple[Permission, Origin]] = field(default_factory=list)
    egress: list[tuple[Permission, Origin]] = field(default_factory=list)
    tags: list[Json] = field(default_factory=list)
    # a new group gets AWS's allow-all egress rule unless its declaration removes it
    default_egress: bool = False
    # the egress rules are declared inline (so a standalone egress rule is not the first one)
    declared_egress: bool = False


@dataclass
class AclDecl:
    acl_id: str
    vpc_id: str
    is_default: bool
    origin: Origin
    entries: list[tuple[Json, Origin]] = field(default_factory=list)
    subnets: list[str] = field(default_factory=list)
    tags: list[Json] = field(default_factory=list)


@dataclass
class RouteTableDecl:
    rtb_id: str
    vpc_id: str
    origin: Origin
    routes: list[tuple[Json, Origin]] = field(default_factory=list)
    subnets: list[str] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    main: bool = False
    tags: list[Json] = field(default_factory=list)


@dataclass
class EniDecl:
    eni_id: str
    subnet_id: str | None
    origin: Origin
    private_ips: list[str] = field(default_factory=list)
    ipv6: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    instance_id: str | None = None
    device_index: int = 0
    source_dest_check: bool = True
    public: bool = False  # gets a public IPv4 address AWS chooses at launch
    description: str | None = None
    tags: list[Json] = field(default_factory=list)
    interface_type: str = "interface"


class DescribeBuilder:
    """Collects resources of one IaC source and turns them into a describe-* document."""

    def __init__(self, file: str, kind: str) -> None:
        self.file = file
        self.kind = kind
        self.vpcs: dict[str, Json] = {}
        self.vpc_origin: dict[str, Origin] = {}
        self.subnets: dict[str, Json] = {}
        self.map_public: dict[str, bool] = {}
        self.groups: dict[str, GroupDecl] = {}
        self.acls: dict[str, AclDecl] = {}
        self.route_tables: dict[str, RouteTableDecl] = {}
        self.igws: dict[str, Json] = {}
        self.eigws: dict[str, Json] = {}
        self.nats: dict[str, Json] = {}
        self.enis: dict[str, EniDecl] = {}
        self.instances: dict[str, Json] = {}
        self.eips: dict[str, Json] = {}
        self.peerings: dict[str, Json] = {}
        self.flow_logs: dict[str, Json] = {}
        self.origins: dict[str, Origin] = {}
        self.warnings: list[SnapshotWarning] = []
        self.attachers: dict[str, list[str]] = {}
        self.not_modelled: dict[str, int] = {}
        self.not_modelled_first: dict[str, Origin] = {}
        # standalone pieces, joined in finish()
        self.pending_rules: list[tuple[str, str, Permission, Origin]] = []
        self.pending_entries: list[tuple[str, Json, Origin]] = []
        self.pending_routes: list[tuple[str, Json, Origin]] = []
        self.acl_assocs: list[tuple[str, str, Origin]] = []
        self.rtb_assocs: list[tuple[str, str | None, str | None, Origin]] = []
        self.main_assocs: list[tuple[str, str, Origin]] = []
        self.igw_attachments: list[tuple[str, str, Origin]] = []
        self.eni_attachments: list[tuple[str, str, int, Origin]] = []
        self.eni_group_attachments: list[tuple[str, str, Origin]] = []
        self.default_group_rules: dict[str, GroupDecl] = {}
        self.default_acl_decls: dict[str, AclDecl] = {}
        self.default_rtb_decls: dict[str, RouteTableDecl] = {}
        self.used_ids: set[str] = set()
        self._public_next = PLACEHOLDER_PUBLIC_BASE

    # -- bookkeeping --------------------------------------------------------------------------

    def warn(self, code: str, message: str, origin: Origin | None, resource_id: str | None = None) -> None:
        where = None
        if origin is not None:
            where = f"{origin.location or self.file}: {origin.address}"
        self.warnings.append(SnapshotWarning(code, message, where, resource_id))

    def origin(self, key: str, origin: Origin) -> None:
        self.origins.setdefault(key, origin)

    def synthetic_id(self, prefix: str, address: str) -> str:
        """A stable id for a resource whose id is not known before apply, made from its address."""
        base = f"{prefix}-{slug(address)}"
        rid, n = base, 2
        while rid in self.used_ids:
            rid, n = f"{base}-{n}", n + 1
        self.used_ids.add(rid)
        return rid

    UNKNOWN_VPC = "vpc-unknown"

    def unknown_vpc(self, origin: Origin, resource_id: str) -> str:
        """A network ACL whose VPC is not known is kept (its entries can still be audited) in a
        placeholder VPC that holds no subnet."""
        self.warn(
            "UNRESOLVED_REFERENCE",
            f"{origin.address}: its VPC is not known: kept in the placeholder {self.UNKNOWN_VPC}, "
            "associated with no subnet",
            origin,
            resource_id,
        )
        return self.UNKNOWN_VPC

    def not_modelled_resource(self, rtype: str, origin: Origin) -> None:
        self.not_modelled[rtype] = self.not_modelled.get(rtype, 0) + 1
        self.not_modelled_first.setdefault(rtype, origin)

    def attach_group(self, group_id: str, origin: Origin) -> None:
        """A resource outside the packet model uses this group."""
        users = self.attachers.setdefault(group_id, [])
        if origin.address not in users:
            users.append(origin.address)
        self.origin(origin.address, origin)

    # -- resources ------------------------------------------------------------------------------

    def vpc(self, vpc_id: str, v4: list[str], v6: list[str], origin: Origin, tag_list: list[Json]) -> None:
        self.vpcs[vpc_id] = {
            "VpcId": vpc_id,
            "CidrBlock": v4[0] if v4 else None,
            "CidrBlockAssociationSet": [
                {"CidrBlock": c, "CidrBlockState": {"State": "associated"}} for c in v4
            ],
            "Ipv6CidrBlockAssociationSet": [
                {"Ipv6CidrBlock": c, "Ipv6CidrBlockState": {"State": "associated"}} for c in v6
            ],
            "IsDefault": False,
            "Tags": tag_list,
        }
        self.vpc_origin[vpc_id] = origin
        self.origin(vpc_id, origin)

    def add_vpc_cidr(self, vpc_id: str, cidr: str, origin: Origin) -> None:
        vpc = self.vpcs.get(vpc_id)
        if vpc is None:
            self.warn("UNRESOLVED_REFERENCE", f"CIDR {cidr} is for {vpc_id}, which is not declared", origin)
            return
        key, item_key, state = (
            ("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock", "Ipv6CidrBlockState")
            if ":" in cidr
            else ("CidrBlockAssociationSet", "CidrBlock", "CidrBlockState")
        )
        vpc[key].append({item_key: cidr, state: {"State": "associated"}})

    def subnet(
        self,
        subnet_id: str,
        vpc_id: str,
        v4: str | None,
        v6: str | None,
        az: str | None,
        map_public: bool,
        origin: Origin,
        tag_list: list[Json],
    ) -> None:
        self.subnets[subnet_id] = {
            "SubnetId": subnet_id,
            "VpcId": vpc_id,
            "CidrBlock": v4,
            "Ipv6CidrBlockAssociationSet": (
                [{"Ipv6CidrBlock": v6, "Ipv6CidrBlockState": {"State": "associated"}}] if v6 else []
            ),
            "AvailabilityZone": az,
            "MapPublicIpOnLaunch": map_public,
            "Tags": tag_list,
        }
        self.map_public[subnet_id] = map_public
        self.origin(subnet_id, origin)

    def security_group(self, decl: GroupDecl) -> None:
        self.groups[decl.group_id] = decl
        self.origin(decl.group_id, decl.origin)

    def default_security_group(self, vpc_id: str, decl: GroupDecl) -> None:
        """``aws_default_security_group``: the VPC's default group gets exactly these rules."""
        self.default_group_rules[vpc_id] = decl

    def rule(self, group_id: str, direction: str, perm: Permission, origin: Origin) -> None:
        """A standalone rule (``aws_security_group_rule``, ``AWS::EC2::SecurityGroupIngress``, ...)."""
        self.pending_rules.append((group_id, direction, perm, origin))

    def network_acl(self, decl: AclDecl) -> None:
        self.acls[decl.acl_id] = decl
        self.origin(decl.acl_id, decl.origin)

    def default_network_acl(self, vpc_id: str, decl: AclDecl) -> None:
        self.default_acl_decls[vpc_id] = decl

    def acl_entry(self, acl_id: str, entry: Json, origin: Origin) -> None:
        self.pending_entries.append((acl_id, entry, origin))

    def acl_association(self, acl_id: str, subnet_id: str, origin: Origin) -> None:
        self.acl_assocs.append((acl_id, subnet_id, origin))

    def route_table(self, decl: RouteTableDecl) -> None:
        self.route_tables[decl.rtb_id] = decl
        self.origin(decl.rtb_id, decl.origin)

    def default_route_table(self, vpc_id: str, decl: RouteTableDecl) -> None:
        self.default_rtb_decls[vpc_id] = decl

    def route(self, rtb_id: str, route: Json, origin: Origin) -> None:
        self.pending_routes.append((rtb_id, route, origin))

    def route_table_association(
        self, rtb_id: str, subnet_id: str | None, gateway_id: str | None, origin: Origin
    ) -> None:
        self.rtb_assocs.append((rtb_id, subnet_id, gateway_id, origin))

    def main_route_table_association(self, vpc_id: str, rtb_id: str, origin: Origin) -> None:
        self.main_assocs.append((vpc_id, rtb_id, origin))

    def internet_gateway(self, igw_id: str, vpc_id: str | None, origin: Origin, tag_list: list[Json]) -> None:
        self.igws[igw_id] = {
            "InternetGatewayId": igw_id,
            "Attachments": [{"VpcId": vpc_id, "State": "available"}] if vpc_id else [],
            "Tags": tag_list,
        }
        self.origin(igw_id, origin)

    def internet_gateway_attachment(self, igw_id: str, vpc_id: str, origin: Origin) -> None:
        self.igw_attachments.append((igw_id, vpc_id, origin))

    def egress_only_gateway(self, gid: str, vpc_id: str, origin: Origin, tag_list: list[Json]) -> None:
        self.eigws[gid] = {
            "EgressOnlyInternetGatewayId": gid,
            "Attachments": [{"VpcId": vpc_id, "State": "attached"}],
            "Tags": tag_list,
        }
        self.origin(gid, origin)

    def nat_gateway(
        self,
        nat_id: str,
        subnet_id: str,
        public: bool,
        public_ip: str | None,
        private_ip: str | None,
        origin: Origin,
        tag_list: list[Json],
    ) -> None:
        self.nats[nat_id] = {
            "NatGatewayId": nat_id,
            "SubnetId": subnet_id,
            "State": "available",
            "ConnectivityType": "public" if public else "private",
            "_public_ip": public_ip,
            "_private_ip": private_ip,
            "Tags": tag_list,
        }
        self.origin(nat_id, origin)

    def interface(self, decl: EniDecl) -> None:
        self.enis[decl.eni_id] = decl
        self.origin(decl.eni_id, decl.origin)

    def interface_attachment(self, eni_id: str, instance_id: str, device_index: int, origin: Origin) -> None:
        self.eni_attachments.append((eni_id, instance_id, device_index, origin))

    def interface_group(self, eni_id: str, group_id: str, origin: Origin) -> None:
        self.eni_group_attachments.append((eni_id, group_id, origin))

    def instance(self, instance_id: str, state: str, origin: Origin, tag_list: list[Json]) -> None:
        self.instances[instance_id] = {
            "InstanceId": instance_id,
            "State": {"Name": state},
            "Tags": tag_list,
        }
        self.origin(instance_id, origin)

    def elastic_ip(
        self,
        alloc_id: str,
        public_ip: str | None,
        instance_id: str | None,
        eni_id: str | None,
        private_ip: str | None,
        origin: Origin,
    ) -> None:
        self.eips[alloc_id] = {
            "AllocationId": alloc_id,
            "PublicIp": public_ip,
            "InstanceId": instance_id,
            "NetworkInterfaceId": eni_id,
            "PrivateIpAddress": private_ip,
        }
        self.origin(alloc_id, origin)

    def elastic_ip_association(
        self,
        alloc_id: str,
        instance_id: str | None,
        eni_id: str | None,
        private_ip: str | None,
        origin: Origin,
    ) -> None:
        eip = self.eips.get(alloc_id)
        if eip is None:
            self.warn(
                "UNRESOLVED_REFERENCE",
                f"Elastic IP {alloc_id} is not declared: the association is not modelled",
                origin,
            )
            return
        eip["InstanceId"] = instance_id or eip["InstanceId"]
        eip["NetworkInterfaceId"] = eni_id or eip["NetworkInterfaceId"]
        eip["PrivateIpAddress"] = private_ip or eip["PrivateIpAddress"]

    def peering(
        self,
        pcx_id: str,
        requester: str,
        accepter: str,
        status: str,
        origin: Origin,
        accepter_owner: str | None = None,
        accepter_region: str | None = None,
    ) -> None:
        self.peerings[pcx_id] = {
            "VpcPeeringConnectionId": pcx_id,
            "Status": {"Code": status},
            "RequesterVpcInfo": {"VpcId": requester},
            "AccepterVpcInfo": {"VpcId": accepter, "OwnerId": accepter_owner, "Region": accepter_region},
        }
        self.origin(pcx_id, origin)

    def accept_peering(self, pcx_id: str, origin: Origin) -> None:
        pcx = self.peerings.get(pcx_id)
        if pcx is not None:
            pcx["Status"] = {"Code": "active"}

    def flow_log(self, fl_id: str, resource_id: str, item: Json, origin: Origin) -> None:
        self.flow_logs[fl_id] = {
            "FlowLogId": fl_id,
            "ResourceId": resource_id,
            "FlowLogStatus": "ACTIVE",
            **item,
        }
        self.origin(fl_id, origin)

    # -- implicit objects -----------------------------------------------------------------------

    @staticmethod
    def default_group_id(vpc_id: str) -> str:
        return f"sg-{vpc_id.removeprefix('vpc-')}.default"

    @staticmethod
    def default_acl_id(vpc_id: str) -> str:
        return f"acl-{vpc_id.removeprefix('vpc-')}.default"

    @staticmethod
    def main_route_table_id(vpc_id: str) -> str:
        return f"rtb-{vpc_id.removeprefix('vpc-')}.main"

    @staticmethod
    def vpc_of_implicit(implicit_id: str) -> str | None:
        """``acl-main.default`` → ``vpc-main`` (the VPC an implicit object's id was made from)."""
        for prefix, suffix in (("sg-", ".default"), ("acl-", ".default"), ("rtb-", ".main")):
            if implicit_id.startswith(prefix) and implicit_id.endswith(suffix):
                return "vpc-" + implicit_id[len(prefix) : -len(suffix)]
        return None

    def _implicit(self, vpc_id: str, suffix: str, rtype: str) -> Origin:
        vo = self.vpc_origin[vpc_id]
        return Origin(vo.kind, f"{vo.address}:{suffix}", rtype, vo.file, vo.line, implicit=True)

    def _vpc_cidrs(self, vpc_id: str) -> tuple[list[str], list[str]]:
        vpc = self.vpcs.get(vpc_id)
        if vpc is None:
            return [], []
        v4 = [a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]]
        v6 = [a["Ipv6CidrBlock"] for a in vpc["Ipv6CidrBlockAssociationSet"]]
        return v4, v6

    def _add_implicit(self) -> None:
        """Every VPC has a default security group, a default network ACL and a main route table.
        https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
        https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html
        https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html#RouteTables"""
        for vpc_id in self.vpcs:
            _v4, v6 = self._vpc_cidrs(vpc_id)
            gid = self.default_group_id(vpc_id)
            override = self.default_group_rules.get(vpc_id)
            if override is not None:
                override.name = "default"
                self.groups[override.group_id] = override
                self.origin(override.group_id, override.origin)
            elif gid not in self.groups:
                o = self._implicit(vpc_id, "default-security-group", "default security group")
                decl = GroupDecl(gid, "default", vpc_id, "default VPC security group", o)
                # AWS's initial rules: all traffic from members of the group; all traffic out
                decl.ingress.append((Permission(-1, None, None, groups=[gid]), o))
                decl.egress.append((Permission(-1, None, None, ["0.0.0.0/0"], ["::/0"] if v6 else []), o))
                self.groups[gid] = decl
                self.origin(gid, o)
            acl_id = self.default_acl_id(vpc_id)
            acl_override = self.default_acl_decls.get(vpc_id)
            if acl_override is not None:
                acl_override.is_default = True
                self.acls[acl_override.acl_id] = acl_override
                self.origin(acl_override.acl_id, acl_override.origin)
            elif acl_id not in self.acls:
                o = self._implicit(vpc_id, "default-network-acl", "default network ACL")
                acl = AclDecl(acl_id, vpc_id, True, o)
                # the default network ACL allows all traffic in and out (rule 100; 101 for IPv6)
                for egress in (False, True):
                    acl.entries.append((_allow_all(100, egress, "0.0.0.0/0"), o))
                    if v6:
                        acl.entries.append((_allow_all(101, egress, "::/0"), o))
                self.acls[acl_id] = acl
                self.origin(acl_id, o)
            rtb_id = self.main_route_table_id(vpc_id)
            rtb_override = self.default_rtb_decls.get(vpc_id)
            if rtb_override is not None:
                rtb_override.main = True
                self.route_tables[rtb_override.rtb_id] = rtb_override
                self.origin(rtb_override.rtb_id, rtb_override.origin)
            elif rtb_id not in self.route_tables:
                o = self._implicit(vpc_id, "main-route-table", "main route table")
                self.route_tables[rtb_id] = RouteTableDecl(rtb_id, vpc_id, o, main=True)
                self.origin(rtb_id, o)
        for vpc_id, decl in self.default_group_rules.items():
            if vpc_id not in self.vpcs:
                self.groups.setdefault(decl.group_id, decl)
                self.origin(decl.group_id, decl.origin)
        for vpc_id, adecl in self.default_acl_decls.items():
            if vpc_id not in self.vpcs:
                self.acls.setdefault(adecl.acl_id, adecl)
                self.origin(adecl.acl_id, adecl.origin)
        for vpc_id, rdecl in self.default_rtb_decls.items():
            if vpc_id not in self.vpcs:
                self.route_tables.setdefault(rdecl.rtb_id, rdecl)
                self.origin(rdecl.rtb_id, rdecl.origin)

    # -- joining standalone pieces --------------------------------------------------------------

    def _join(self) -> None:
        for gid, direction, perm, origin in self.pending_rules:
            group = self.groups.get(gid)
            if group is None:
                group = GroupDecl(gid, gid, None, None, origin)
                self.groups[gid] = group
                # the group is not declared here: it is known by its id (the rule keeps its own origin)
                self.origin(gid, replace(origin, address=gid, resource_type=None))
                self.warn(
                    "PARTIAL_GROUP",
                    f"security group {gid} is not declared here; it is built from the rules that name it "
                    "(its other rules are not known)",
                    origin,
                    gid,
                )
            if direction == "egress" and not group.declared_egress:
                # the first egress rule added on its own replaces AWS's allow-all default
                group.default_egress = False
            (group.ingress if direction == "ingress" else group.egress).append((perm, origin))
        for acl_id, entry, origin in self.pending_entries:
            acl = self.acls.get(acl_id)
            if acl is None:
                self.warn(
                    "UNRESOLVED_REFERENCE",
                    f"network ACL {acl_id} is not declared: entry {entry['RuleNumber']} "
                    f"({'egress' if entry['Egress'] else 'ingress'}) cannot be placed",
                    origin,
                    acl_id,
                )
                continue
            acl.entries.append((entry, origin))
        for acl_id, subnet_id, origin in self.acl_assocs:
            acl = self.acls.get(acl_id)
            if acl is None:
                self.warn(
                    "UNRESOLVED_REFERENCE",
                    f"network ACL {acl_id} is not declared: its association with {subnet_id} is not modelled",
                    origin,
                    acl_id,
                )
                continue
            for other in self.acls.values():
                if other is not acl and subnet_id in other.subnets:
                    other.subnets.remove(subnet_id)
            if subnet_id not in acl.subnets:
                acl.subnets.append(subnet_id)
        for rtb_id, route, origin in self.pending_routes:
            rtb = self.route_tables.get(rtb_id)
            if rtb is None:
                self.warn(
                    "UNRESOLVED_REFERENCE",
                    f"route table {rtb_id} is not declared: route {_dest(route)} cannot be placed",
                    origin,
                    rtb_id,
                )
                continue
            rtb.routes.append((route, origin))
        for rtb_id, assoc_subnet, gateway_id, origin in self.rtb_assocs:
            rtb = self.route_tables.get(rtb_id)
            if rtb is None:
                self.warn(
                    "UNRESOLVED_REFERENCE",
                    f"route table {rtb_id} is not declared: its association is not modelled",
                    origin,
                    rtb_id,
                )
                continue
            if assoc_subnet:
                for other_rtb in self.route_tables.values():
                    if other_rtb is not rtb and assoc_subnet in other_rtb.subnets:
                        other_rtb.subnets.remove(assoc_subnet)
                        self.warn(
                            "DUPLICATE_ASSOCIATION",
                            f"subnet {assoc_subnet} is associated with {other_rtb.rtb_id} and {rtb_id}; "
                            f"the later one ({rtb_id}) is kept",
                            origin,
                            assoc_subnet,
                        )
                if assoc_subnet not in rtb.subnets:
                    rtb.subnets.append(assoc_subnet)
            if gateway_id:
                rtb.gateways.append(gateway_id)
        for vpc_id, rtb_id, origin in self.main_assocs:
            rtb = self.route_tables.get(rtb_id)
            if rtb is None:
                self.warn(
                    "UNRESOLVED_REFERENCE",
                    f"route table {rtb_id} is not declared: the main association of {vpc_id} is not modelled",
                    origin,
                    rtb_id,
                )
                continue
            for table in self.route_tables.values():
                if table.vpc_id == vpc_id:
                    table.main = False
            rtb.main = True
        for igw_id, vpc_id, origin in self.igw_attachments:
            igw = self.igws.get(igw_id)
            if igw is None:
                self.warn(
                    "UNRESOLVED_REFERENCE",
                    f"internet gateway {igw_id} is not declared: its attachment to {vpc_id} is not modelled",
                    origin,
                    igw_id,
                )
                continue
            igw["Attachments"].append({"VpcId": vpc_id, "State": "available"})
        for eni_id, instance_id, index, origin in self.eni_attachments:
            eni = self.enis.get(eni_id)
            if eni is None:
                self.warn(
                    "UNRESOLVED_REFERENCE",
                    f"network interface {eni_id} is not declared: its attachment is not modelled",
                    origin,
                    eni_id,
                )
                continue
            eni.instance_id, eni.device_index = instance_id, index
        for eni_id, gid, origin in self.eni_group_attachments:
            eni = self.enis.get(eni_id)
            if eni is None:
                self.warn(
                    "UNRESOLVED_REFERENCE",
                    f"network interface {eni_id} is not declared: attaching {gid} is not modelled",
                    origin,
                    eni_id,
                )
                continue
            if gid not in eni.groups:
                eni.groups.append(gid)

    # -- addresses AWS chooses at launch --------------------------------------------------------

    def _next_public(self) -> str:
        ip = str(ipaddress.IPv4Address(self._public_next))
        self._public_next += 1
        return ip

    def _default_acl_associations(self) -> None:
        """A subnet associated with no network ACL is associated with its VPC's default one (AWS lists
        that association, as describe-network-acls shows)."""
        associated = {sid for a in self.acls.values() for sid in a.subnets}
        defaults = {a.vpc_id: a for a in self.acls.values() if a.is_default}
        for sid, sub in self.subnets.items():
            acl = defaults.get(sub["VpcId"])
            if sid not in associated and acl is not None:
                acl.subnets.append(sid)

    def _place_addresses(self) -> None:
        self._eip_targets = {
            t
            for e in self.eips.values()
            if not e.get("_unplaced")
            for t in (e["NetworkInterfaceId"], e["InstanceId"])
            if t
        }
        self._place()

    def _place(self) -> None:
        """ENIs whose private address is chosen by AWS get a placeholder from their subnet (the first
        free address after the four AWS reserves); public addresses AWS chooses get 240.0.0.0/4
        placeholders. Each is warned about: rules narrower than the subnet may decide differently."""
        taken: set[str] = set()
        for eni in self.enis.values():
            taken.update(eni.private_ips)
        for nat in self.nats.values():
            if nat["_private_ip"]:
                taken.add(nat["_private_ip"])
        cursor: dict[str, int] = {}

        def next_private(subnet_id: str | None) -> str | None:
            sub = self.subnets.get(subnet_id or "")
            if sub is None or not sub["CidrBlock"]:
                return None
            net = ipaddress.IPv4Network(sub["CidrBlock"])
            n = cursor.get(subnet_id or "", 4)
            while n < net.num_addresses - 1:
                ip = str(net.network_address + n)
                n += 1
                if ip not in taken:
                    cursor[subnet_id or ""] = n
                    taken.add(ip)
                    return ip
            return None

        for nat_id in sorted(self.nats):
            nat = self.nats[nat_id]
            origin = self.origins.get(nat_id)
            chosen = []
            if not nat["_private_ip"]:
                nat["_private_ip"] = next_private(nat["SubnetId"])
                if nat["_private_ip"]:
                    chosen.append(f"private {nat['_private_ip']}")
            if nat["ConnectivityType"] == "public" and not nat["_public_ip"]:
                nat["_public_ip"] = self._next_public()
                chosen.append(f"public {nat['_public_ip']}")
            if chosen:
                self.warn(
                    "PLACEHOLDER_ADDRESS",
                    f"{nat_id}: addresses AWS assigns at creation are placeholders ({', '.join(chosen)})",
                    origin,
                    nat_id,
                )
        for eni_id in sorted(self.enis):
            eni = self.enis[eni_id]
            origin = self.origins.get(eni_id)
            chosen = []
            if not eni.private_ips:
                ip = next_private(eni.subnet_id)
                if ip is None:
                    self.warn(
                        "UNRESOLVED_ADDRESS",
                        f"{eni_id}: no private IPv4 address (its subnet or the subnet's CIDR is not known)",
                        origin,
                        eni_id,
                    )
                else:
                    eni.private_ips.append(ip)
                    chosen.append(f"private {ip}")
            if eni.public and eni.private_ips and not self._has_eip(eni):
                eni_pub = self._next_public()
                self._public_of[eni_id] = eni_pub
                chosen.append(f"public {eni_pub}")
            if chosen:
                self.warn(
                    "PLACEHOLDER_ADDRESS",
                    f"{eni_id}: addresses AWS assigns at launch are placeholders ({', '.join(chosen)})",
                    origin,
                    eni_id,
                )
        for alloc_id in sorted(self.eips):
            eip = self.eips[alloc_id]
            if not eip["PublicIp"] and not eip.get("_unplaced"):
                eip["PublicIp"] = self._next_public()
                self.warn(
                    "PLACEHOLDER_ADDRESS",
                    f"{alloc_id}: the Elastic IP address is not known before allocation; placeholder "
                    f"{eip['PublicIp']}",
                    self.origins.get(alloc_id),
                    alloc_id,
                )

    def _has_eip(self, eni: EniDecl) -> bool:
        targets = self._eip_targets
        return eni.eni_id in targets or bool(eni.instance_id and eni.instance_id in targets)

    # -- output ---------------------------------------------------------------------------------

    def finish(self) -> Json:
        """The describe-* document (one object with every top-level key)."""
        self._public_of: dict[str, str] = {}
        self._add_implicit()
        self._join()
        self._default_acl_associations()
        self._place_addresses()
        self._enis_of: dict[str, list[EniDecl]] = {}
        for e in self.enis.values():
            if e.instance_id:
                self._enis_of.setdefault(e.instance_id, []).append(e)
        doc: Json = {
            "Vpcs": [self._vpc_json(v) for v in self.vpcs.values()],
            "Subnets": [
                {k: v for k, v in s.items() if k != "MapPublicIpOnLaunch"} for s in self.subnets.values()
            ],
            "SecurityGroups": [self._group_json(g) for g in self.groups.values()],
            "NetworkAcls": [self._acl_json(a) for a in self.acls.values()],
            "RouteTables": [self._rtb_json(r) for r in self.route_tables.values()],
            "InternetGateways": list(self.igws.values()),
            "EgressOnlyInternetGateways": list(self.eigws.values()),
            "NatGateways": [self._nat_json(n) for n in self.nats.values()],
            "NetworkInterfaces": [self._eni_json(e) for e in self.enis.values()],
            "Reservations": [{"Instances": [self._instance_json(i) for i in self.instances.values()]}],
            "Addresses": [
                {k: v for k, v in e.items() if v is not None and not k.startswith("_")}
                for e in self.eips.values()
                if e["PublicIp"]
            ],
            "VpcPeeringConnections": [self._peering_json(p) for p in self.peerings.values()],
            "FlowLogs": list(self.flow_logs.values()),
        }
        return {k: v for k, v in doc.items() if v and v != [{"Instances": []}]}

    def _vpc_json(self, vpc: Json) -> Json:
        out = dict(vpc)
        if out["CidrBlock"] is None:
            out.pop("CidrBlock")
        return out

    def _group_json(self, g: GroupDecl) -> Json:
        keys = ("GroupId", "GroupName", "VpcId", "Description")
        out: Json = dict(zip(keys, (g.group_id, g.name, g.vpc_id, g.description), strict=True))
        out["IpPermissions"] = []
        out["IpPermissionsEgress"] = []
        for direction, rules in (("IpPermissions", g.ingress), ("IpPermissionsEgress", g.egress)):
            for perm, origin in rules:
                if perm.empty:
                    continue
                index = len(out[direction])
                out[direction].append(perm.to_json())
                if origin is not g.origin:
                    self.origin(
                        f"{g.group_id}/{'ingress' if direction == 'IpPermissions' else 'egress'}/{index}",
                        origin,
                    )
        if g.default_egress:
            v6 = bool(g.vpc_id and self._vpc_cidrs(g.vpc_id)[1])
            out["IpPermissionsEgress"].append(
                Permission(-1, None, None, ["0.0.0.0/0"], ["::/0"] if v6 else []).to_json()
            )
        out["Tags"] = g.tags
        return {k: v for k, v in out.items() if v is not None}

    def _acl_json(self, a: AclDecl) -> Json:
        entries = []
        seen: dict[tuple[bool, int], Origin] = {}
        for entry, origin in a.entries:
            key = (bool(entry["Egress"]), int(entry["RuleNumber"]))
            if key in seen:
                self.warn(
                    "DUPLICATE_RULE_NUMBER",
                    f"{a.acl_id} has two {'egress' if key[0] else 'ingress'} entries numbered {key[1]}; "
                    f"AWS refuses the second: the one from {seen[key].address} is kept",
                    origin,
                    a.acl_id,
                )
                continue
            seen[key] = origin
            entries.append(entry)
            if origin is not a.origin:
                self.origin(f"{a.acl_id}/{'egress' if key[0] else 'ingress'}/{key[1]}", origin)
        return {
            "NetworkAclId": a.acl_id,
            "VpcId": a.vpc_id,
            "IsDefault": a.is_default,
            "Entries": entries,
            "Associations": [{"SubnetId": s} for s in a.subnets],
            "Tags": a.tags,
        }

    def _rtb_json(self, r: RouteTableDecl) -> Json:
        v4, v6 = self._vpc_cidrs(r.vpc_id)
        routes: list[Json] = [
            {"DestinationCidrBlock": c, "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"}
            for c in v4
        ] + [
            {
                "DestinationIpv6CidrBlock": c,
                "GatewayId": "local",
                "State": "active",
                "Origin": "CreateRouteTable",
            }
            for c in v6
        ]
        seen = {_dest(x) for x in routes}
        for route, origin in r.routes:
            dest = _dest(route)
            if dest in seen:
                self.warn(
                    "DUPLICATE_ROUTE",
                    f"{r.rtb_id} has two routes to {dest}; AWS refuses the second: it is not modelled",
                    origin,
                    r.rtb_id,
                )
                continue
            seen.add(dest)
            routes.append(route)
            if origin is not r.origin:
                self.origin(f"{r.rtb_id}/{dest}", origin)
        assoc: list[Json] = [{"Main": True}] if r.main else []
        assoc += [{"SubnetId": s} for s in r.subnets] + [{"GatewayId": g} for g in r.gateways]
        return {
            "RouteTableId": r.rtb_id,
            "VpcId": r.vpc_id,
            "Routes": routes,
            "Associations": assoc,
            "Tags": r.tags,
        }

    def _nat_json(self, n: Json) -> Json:
        sub = self.subnets.get(n["SubnetId"])
        address: Json = {"IsPrimary": True}
        if n["_private_ip"]:
            address["PrivateIp"] = n["_private_ip"]
        if n["_public_ip"]:
            address["PublicIp"] = n["_public_ip"]
        out = {k: v for k, v in n.items() if not k.startswith("_")}
        out["VpcId"] = sub["VpcId"] if sub else self._vpc_of_subnet_unknown(n)
        out["NatGatewayAddresses"] = [address]
        return out

    def _vpc_of_subnet_unknown(self, n: Json) -> str:
        self.warn(
            "UNRESOLVED_REFERENCE",
            f"{n['NatGatewayId']}: subnet {n['SubnetId']} is not declared; its VPC is not known",
            self.origins.get(n["NatGatewayId"]),
            n["NatGatewayId"],
        )
        return "vpc-unknown"

    def _eni_json(self, e: EniDecl) -> Json:
        sub = self.subnets.get(e.subnet_id or "")
        privs: list[Json] = []
        for i, ip in enumerate(e.private_ips):
            p: Json = {"PrivateIpAddress": ip, "Primary": i == 0}
            pub = self._public_of.get(e.eni_id)
            if i == 0 and pub:
                p["Association"] = {"PublicIp": pub}
            privs.append(p)
        out: Json = {
            "NetworkInterfaceId": e.eni_id,
            "SubnetId": e.subnet_id or "subnet-unknown",
            "VpcId": sub["VpcId"] if sub else "vpc-unknown",
            "PrivateIpAddresses": privs,
            "Ipv6Addresses": [{"Ipv6Address": a} for a in e.ipv6],
            "Groups": [{"GroupId": g} for g in e.groups],
            "SourceDestCheck": e.source_dest_check,
            "InterfaceType": e.interface_type,
            "TagSet": e.tags,
        }
        if e.private_ips:
            out["PrivateIpAddress"] = e.private_ips[0]
        if e.description:
            out["Description"] = e.description
        if e.instance_id:
            out["Attachment"] = {"InstanceId": e.instance_id, "DeviceIndex": e.device_index}
        return out

    def _instance_json(self, inst: Json) -> Json:
        enis = sorted(self._enis_of.get(inst["InstanceId"], []), key=lambda e: e.device_index)
        out = dict(inst)
        out["NetworkInterfaces"] = [
            {**self._eni_json(e), "Attachment": {"DeviceIndex": e.device_index}} for e in enis
        ]
        return out

    def _peering_json(self, p: Json) -> Json:
        out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in p.items()}
        for side in ("RequesterVpcInfo", "AccepterVpcInfo"):
            info = out[side]
            v4, v6 = self._vpc_cidrs(info["VpcId"])
            info["CidrBlockSet"] = [{"CidrBlock": c} for c in v4]
            info["Ipv6CidrBlockSet"] = [{"Ipv6CidrBlock": c} for c in v6]
            out[side] = {k: v for k, v in info.items() if v is not None}
        return out


def _allow_all(number: int, egress: bool, cidr: str) -> Json:
    key = "Ipv6CidrBlock" if ":" in cidr else "CidrBlock"
    return {"RuleNumber": number, "Egress": egress, "RuleAction": "allow", "Protocol": "-1", key: cidr}


def _dest(route: Json) -> str:
    return str(
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId")
        or "?"
    )


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
