"""Virtual private gateways, Site-to-Site VPN connections, customer gateways, and Direct Connect.

Values as ``describe-vpn-gateways``, ``describe-vpn-connections``, ``describe-customer-gateways`` and the
Direct Connect ``describe-direct-connect-gateways``, ``describe-virtual-interfaces`` and
``describe-direct-connect-gateway-associations`` return them. Pre-shared keys and the customer gateway
configuration XML are never kept.
https://docs.aws.amazon.com/vpn/latest/s2svpn/how_it_works.html
"""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.model.net import Address, Cidr

Tags = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class VpnGateway:
    vpn_gateway_id: str
    state: str
    # VPCs whose attachment is in state "attached"
    vpc_ids: tuple[str, ...] = ()
    # every attachment with its state, as listed
    attachments: tuple[tuple[str, str], ...] = ()
    type: str | None = None
    amazon_side_asn: int | None = None
    owner_id: str | None = None
    region: str | None = None
    tags: Tags = ()

    @property
    def available(self) -> bool:
        return self.state.lower() == "available"


@dataclass(frozen=True, slots=True)
class VpnStaticRoute:
    """A static route of a VPN connection: a prefix on the customer's side (``Source`` Static)."""

    destination: Cidr
    state: str = "available"
    source: str | None = None

    @property
    def available(self) -> bool:
        return self.state.lower() == "available"


@dataclass(frozen=True, slots=True)
class VpnTunnel:
    """``VgwTelemetry[]``: one tunnel's outside address and status (UP/DOWN)."""

    outside_ip: Address | None
    status: str
    accepted_route_count: int | None = None
    status_message: str | None = None

    @property
    def up(self) -> bool:
        return self.status.upper() == "UP"


@dataclass(frozen=True, slots=True)
class VpnConnection:
    vpn_connection_id: str
    state: str
    # the AWS side: a virtual private gateway or a transit gateway (never both)
    vpn_gateway_id: str | None = None
    transit_gateway_id: str | None = None
    customer_gateway_id: str | None = None
    static_routes_only: bool = False
    routes: tuple[VpnStaticRoute, ...] = ()
    tunnels: tuple[VpnTunnel, ...] = ()
    category: str | None = None
    type: str | None = None
    owner_id: str | None = None
    region: str | None = None
    tags: Tags = ()

    @property
    def available(self) -> bool:
        return self.state.lower() == "available"

    @property
    def tunnels_known(self) -> bool:
        return bool(self.tunnels)

    @property
    def any_tunnel_up(self) -> bool:
        return any(t.up for t in self.tunnels)

    @property
    def uses_bgp(self) -> bool:
        return not self.static_routes_only


@dataclass(frozen=True, slots=True)
class CustomerGateway:
    customer_gateway_id: str
    state: str
    ip_address: Address | None = None
    bgp_asn: int | None = None
    type: str | None = None
    device_name: str | None = None
    owner_id: str | None = None
    region: str | None = None
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class DirectConnectGateway:
    direct_connect_gateway_id: str
    state: str
    name: str | None = None
    amazon_side_asn: int | None = None
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class DirectConnectGatewayAssociation:
    """A Direct Connect gateway associated with a transit gateway or a virtual private gateway, and the
    prefixes it advertises to the customer (``AllowedPrefixesToDirectConnectGateway``)."""

    association_id: str | None
    direct_connect_gateway_id: str
    gateway_id: str | None
    gateway_type: str | None
    state: str
    allowed_prefixes: tuple[Cidr, ...] = ()
    gateway_owner: str | None = None
    gateway_region: str | None = None


@dataclass(frozen=True, slots=True)
class VirtualInterface:
    """A Direct Connect virtual interface (private to a VGW / DX gateway, transit, or public)."""

    virtual_interface_id: str
    type: str
    state: str
    direct_connect_gateway_id: str | None = None
    virtual_gateway_id: str | None = None
    connection_id: str | None = None
    asn: int | None = None
    bgp_up: bool = False
    route_filter_prefixes: tuple[Cidr, ...] = ()
    tags: Tags = ()
