"""VPCs, subnets, interfaces, gateways and routes: where packets can go."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from vpcflow.model.net import Address, Cidr, PortRange

Tags = tuple[tuple[str, str], ...]


def tag(tags: Tags, key: str) -> str | None:
    for k, v in tags:
        if k == key:
            return v
    return None


@dataclass(frozen=True, slots=True)
class Vpc:
    vpc_id: str
    cidrs_v4: tuple[Cidr, ...]
    cidrs_v6: tuple[Cidr, ...] = ()
    owner_id: str | None = None
    region: str | None = None
    is_default: bool = False
    tags: Tags = ()

    @property
    def cidrs(self) -> tuple[Cidr, ...]:
        return self.cidrs_v4 + self.cidrs_v6


@dataclass(frozen=True, slots=True)
class Subnet:
    subnet_id: str
    vpc_id: str
    cidr_v4: Cidr | None
    cidrs_v6: tuple[Cidr, ...] = ()
    availability_zone: str | None = None
    owner_id: str | None = None
    tags: Tags = ()
    # the zone's id (use1-az1): zone names map to physical zones differently in each account
    availability_zone_id: str | None = None

    @property
    def cidrs(self) -> tuple[Cidr, ...]:
        return ((self.cidr_v4,) if self.cidr_v4 else ()) + self.cidrs_v6


@dataclass(frozen=True, slots=True)
class NetworkInterface:
    """An ENI. ``private_ips[0]`` is the primary private IPv4 address."""

    eni_id: str
    subnet_id: str
    vpc_id: str
    private_ips: tuple[Address, ...]
    ipv6_addresses: tuple[Address, ...] = ()
    # private IPv4 → public IPv4 (auto-assigned public IP or Elastic IP), as the IGW translates 1:1
    public_ips: tuple[tuple[Address, Address], ...] = ()
    group_ids: tuple[str, ...] = ()
    instance_id: str | None = None
    requester_managed: bool = False
    interface_type: str = "interface"
    source_dest_check: bool = True
    description: str | None = None
    owner_id: str | None = None
    status: str | None = None
    tags: Tags = ()
    # the client's ephemeral port range, when set per interface (tag vpcflow:ephemeral-ports)
    ephemeral_ports: PortRange | None = None

    @property
    def primary_ip(self) -> Address | None:
        return self.private_ips[0] if self.private_ips else None

    @property
    def addresses(self) -> tuple[Address, ...]:
        return self.private_ips + self.ipv6_addresses

    def public_for(self, private: Address) -> Address | None:
        for priv, pub in self.public_ips:
            if priv == private:
                return pub
        return None

    def private_for(self, public: Address) -> Address | None:
        for priv, pub in self.public_ips:
            if pub == public:
                return priv
        return None


@dataclass(frozen=True, slots=True)
class Instance:
    instance_id: str
    state: str
    eni_ids: tuple[str, ...]
    platform: str | None = None
    tags: Tags = ()

    @property
    def name(self) -> str | None:
        return tag(self.tags, "Name")


class RouteTarget(Enum):
    # members are singletons: hash by identity (Enum's own hash is a Python call, on every dict lookup)
    __hash__ = object.__hash__

    LOCAL = "local"
    INTERNET_GATEWAY = "internet-gateway"
    EGRESS_ONLY_INTERNET_GATEWAY = "egress-only-internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    VPC_PEERING = "vpc-peering-connection"
    TRANSIT_GATEWAY = "transit-gateway"
    VIRTUAL_PRIVATE_GATEWAY = "virtual-private-gateway"
    GATEWAY_ENDPOINT = "vpc-endpoint"
    NETWORK_INTERFACE = "network-interface"
    INSTANCE = "instance"
    CARRIER_GATEWAY = "carrier-gateway"
    LOCAL_GATEWAY = "local-gateway"
    CORE_NETWORK = "core-network"
    UNKNOWN = "unknown"


# Targets the engine follows; packets routed to any other target stop with an UNSUPPORTED hop.
MODELLED_TARGETS = frozenset(
    {
        RouteTarget.LOCAL,
        RouteTarget.INTERNET_GATEWAY,
        RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY,
        RouteTarget.NAT_GATEWAY,
        RouteTarget.VPC_PEERING,
        RouteTarget.TRANSIT_GATEWAY,
        RouteTarget.VIRTUAL_PRIVATE_GATEWAY,
        RouteTarget.GATEWAY_ENDPOINT,
        RouteTarget.NETWORK_INTERFACE,
        RouteTarget.INSTANCE,
    }
)


@dataclass(frozen=True, slots=True)
class Route:
    """A route; ``destination`` is a CIDR, or ``None`` with ``prefix_list_id`` set."""

    destination: Cidr | None
    target: RouteTarget
    target_id: str | None
    state: str = "active"
    prefix_list_id: str | None = None
    origin: str | None = None

    @property
    def blackhole(self) -> bool:
        return self.state == "blackhole"

    @property
    def destination_text(self) -> str:
        return str(self.destination) if self.destination else (self.prefix_list_id or "?")

    @property
    def label(self) -> str:
        return f"{self.destination_text} → {self.target_id or self.target.value}" + (
            " (blackhole)" if self.blackhole else ""
        )


@dataclass(frozen=True, slots=True)
class RouteTable:
    route_table_id: str
    vpc_id: str
    is_main: bool
    subnet_ids: frozenset[str]
    routes: tuple[Route, ...]
    gateway_ids: frozenset[str] = field(default_factory=frozenset)
    tags: Tags = ()
    # virtual private gateways whose routes propagate into this table (PropagatingVgws)
    propagating_vgws: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class InternetGateway:
    igw_id: str
    vpc_ids: tuple[str, ...]
    egress_only: bool = False
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class NatGateway:
    nat_id: str
    vpc_id: str
    subnet_id: str
    state: str
    connectivity: str  # "public" | "private"
    eni_id: str | None
    private_ip: Address | None
    public_ip: Address | None
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class ElasticIp:
    public_ip: Address
    allocation_id: str | None
    private_ip: Address | None
    eni_id: str | None
    instance_id: str | None


@dataclass(frozen=True, slots=True)
class PrefixList:
    prefix_list_id: str
    name: str | None
    cidrs: tuple[Cidr, ...]
    max_entries: int | None = None
    aws_managed: bool = False


@dataclass(frozen=True, slots=True)
class VpcPeeringConnection:
    pcx_id: str
    status: str
    requester_vpc_id: str
    requester_cidrs: tuple[Cidr, ...]
    requester_owner: str | None
    requester_region: str | None
    accepter_vpc_id: str
    accepter_cidrs: tuple[Cidr, ...]
    accepter_owner: str | None
    accepter_region: str | None

    @property
    def active(self) -> bool:
        return self.status == "active"

    def other_side(self, vpc_id: str) -> str | None:
        if vpc_id == self.requester_vpc_id:
            return self.accepter_vpc_id
        if vpc_id == self.accepter_vpc_id:
            return self.requester_vpc_id
        return None
