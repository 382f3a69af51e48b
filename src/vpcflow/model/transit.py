"""Transit gateways: the gateways, their attachments, route tables, propagations and routes.

Values as ``describe-transit-gateways``, ``describe-transit-gateway-attachments``,
``describe-transit-gateway-vpc-attachments``, ``describe-transit-gateway-peering-attachments``,
``describe-transit-gateway-route-tables``, ``get-transit-gateway-route-table-propagations``,
``search-transit-gateway-routes`` and ``get-transit-gateway-prefix-list-references`` return them.
https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html

An attachment id is not unique across transit gateways: a peering attachment has the same id on both
sides (one record per gateway), so attachments are keyed by ``(transit_gateway_id, attachment_id)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from vpcflow.model.net import Cidr

Tags = tuple[tuple[str, str], ...]


class AttachmentType(Enum):
    """``ResourceType`` of a transit gateway attachment (botocore's enum)."""

    VPC = "vpc"
    VPN = "vpn"
    DIRECT_CONNECT_GATEWAY = "direct-connect-gateway"
    CONNECT = "connect"
    PEERING = "peering"
    TGW_PEERING = "tgw-peering"
    NETWORK_FUNCTION = "network-function"
    VPN_CONCENTRATOR = "vpn-concentrator"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, text: str) -> AttachmentType:
        for member in cls:
            if member.value == text.strip().lower():
                return member
        return cls.UNKNOWN

    @property
    def is_peering(self) -> bool:
        return self in (AttachmentType.PEERING, AttachmentType.TGW_PEERING)


class RouteOrigin(Enum):
    """Where a transit gateway route comes from, in AWS's evaluation order for one prefix (first wins).
    https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html (route evaluation order)"""

    STATIC = 0
    PREFIX_LIST = 1
    VPC_PROPAGATED = 2
    DIRECT_CONNECT_PROPAGATED = 3
    CONNECT_PROPAGATED = 4
    VPN_PROPAGATED = 5
    PEERING_PROPAGATED = 6
    OTHER_PROPAGATED = 7

    @classmethod
    def propagated_from(cls, kind: AttachmentType) -> RouteOrigin:
        return {
            AttachmentType.VPC: cls.VPC_PROPAGATED,
            AttachmentType.DIRECT_CONNECT_GATEWAY: cls.DIRECT_CONNECT_PROPAGATED,
            AttachmentType.CONNECT: cls.CONNECT_PROPAGATED,
            AttachmentType.VPN: cls.VPN_PROPAGATED,
            AttachmentType.PEERING: cls.PEERING_PROPAGATED,
            AttachmentType.TGW_PEERING: cls.PEERING_PROPAGATED,
        }.get(kind, cls.OTHER_PROPAGATED)


def enabled(value: str | None, default: bool = False) -> bool:
    """AWS option strings: ``enable``/``enabled`` → True, ``disable``/``disabled`` → False."""
    if value is None:
        return default
    return value.strip().lower() in ("enable", "enabled", "true")


@dataclass(frozen=True, slots=True)
class TransitGateway:
    transit_gateway_id: str
    state: str
    owner_id: str | None = None
    region: str | None = None
    default_route_table_association: bool = False
    association_default_route_table_id: str | None = None
    default_route_table_propagation: bool = False
    propagation_default_route_table_id: str | None = None
    # https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html (security group referencing)
    security_group_referencing_support: bool = False
    vpn_ecmp_support: bool = True
    amazon_side_asn: int | None = None
    tags: Tags = ()

    @property
    def available(self) -> bool:
        return self.state.lower() == "available"


@dataclass(frozen=True, slots=True)
class VpcAttachmentOptions:
    """A VPC attachment's subnets (one per Availability Zone) and options."""

    vpc_id: str
    subnet_ids: tuple[str, ...]
    vpc_owner_id: str | None = None
    appliance_mode_support: bool = False
    security_group_referencing_support: bool = False
    ipv6_support: bool = False
    dns_support: bool = True


@dataclass(frozen=True, slots=True)
class PeeringAttachmentOptions:
    """Both ends of a transit gateway peering attachment."""

    requester_tgw_id: str
    requester_owner_id: str | None
    requester_region: str | None
    accepter_tgw_id: str
    accepter_owner_id: str | None
    accepter_region: str | None
    status: str | None = None
    # Options.DynamicRouting: "enable" is not documented well enough to model (answers UNKNOWN)
    dynamic_routing: bool = False

    def other_side(self, tgw_id: str) -> tuple[str, str | None, str | None] | None:
        if tgw_id == self.requester_tgw_id:
            return self.accepter_tgw_id, self.accepter_owner_id, self.accepter_region
        if tgw_id == self.accepter_tgw_id:
            return self.requester_tgw_id, self.requester_owner_id, self.requester_region
        return None


@dataclass(frozen=True, slots=True)
class TransitGatewayAttachment:
    """One attachment as seen from one transit gateway."""

    attachment_id: str
    transit_gateway_id: str
    resource_type: AttachmentType
    resource_id: str | None
    state: str
    # the route table the attachment is associated with (None: no association known)
    association_route_table_id: str | None = None
    association_state: str | None = None
    transit_gateway_owner_id: str | None = None
    resource_owner_id: str | None = None
    region: str | None = None
    vpc: VpcAttachmentOptions | None = None
    peering: PeeringAttachmentOptions | None = None
    tags: Tags = ()
    # False when the snapshot lacks describe-transit-gateway-attachments for it: association unknown
    association_known: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return self.transit_gateway_id, self.attachment_id

    @property
    def available(self) -> bool:
        return self.state.lower() == "available"

    @property
    def associated_route_table(self) -> str | None:
        """The table that routes what enters through this attachment, if the association is in force."""
        if self.association_route_table_id is None:
            return None
        if (self.association_state or "associated").lower() != "associated":
            return None
        return self.association_route_table_id


@dataclass(frozen=True, slots=True)
class TransitGatewayPropagation:
    """An attachment propagating its routes into a route table (``State`` enabled/disabled/...)."""

    attachment_id: str
    resource_type: AttachmentType
    resource_id: str | None
    state: str

    @property
    def enabled(self) -> bool:
        return self.state.lower() == "enabled"


@dataclass(frozen=True, slots=True)
class TransitGatewayRoute:
    """A route of a transit gateway route table: to a CIDR or a prefix list; to attachments (several
    = ECMP) or a blackhole."""

    destination: Cidr | None
    attachment_ids: tuple[str, ...]
    origin: RouteOrigin
    state: str = "active"
    prefix_list_id: str | None = None
    # the type of the attachment(s) the route points at, as the API names it
    resource_type: AttachmentType | None = None

    @property
    def blackhole(self) -> bool:
        return self.state.lower() == "blackhole"

    @property
    def active(self) -> bool:
        return self.state.lower() == "active"

    @property
    def destination_text(self) -> str:
        return str(self.destination) if self.destination else (self.prefix_list_id or "?")

    @property
    def label(self) -> str:
        where = "blackhole" if self.blackhole else ", ".join(self.attachment_ids) or "no attachment"
        kind = self.origin.name.lower().replace("_", "-")
        return f"{self.destination_text} → {where} ({kind})"


@dataclass(frozen=True, slots=True)
class TransitGatewayPrefixListReference:
    """A prefix-list reference: every CIDR of the list routed to one attachment, or blackholed."""

    prefix_list_id: str
    attachment_id: str | None
    blackhole: bool
    state: str = "available"
    resource_type: AttachmentType | None = None


@dataclass(frozen=True, slots=True)
class TransitGatewayRouteTable:
    route_table_id: str
    # None when the snapshot has the table's routes or propagations but not the table itself
    transit_gateway_id: str | None
    state: str = "available"
    default_association_route_table: bool = False
    default_propagation_route_table: bool = False
    propagations: tuple[TransitGatewayPropagation, ...] = ()
    # static routes (search-transit-gateway-routes type static), and any propagated ones the snapshot has
    routes: tuple[TransitGatewayRoute, ...] = ()
    prefix_list_references: tuple[TransitGatewayPrefixListReference, ...] = ()
    # whether the snapshot holds this table's static routes / propagations / propagated routes at all
    static_routes_known: bool = False
    propagations_known: bool = False
    propagated_routes_known: bool = False
    # AdditionalRoutesAvailable: search-transit-gateway-routes stopped at its limit (1,000 routes)
    routes_truncated: bool = False
    tags: Tags = ()

    @property
    def available(self) -> bool:
        return self.state.lower() == "available"
