"""The components the walk steps through, by what the packet meets.

- ``ROUTE_TARGETS``: a packet routed to a target of this type. A target type with no entry is not
  modelled: the walk answers UNKNOWN (``UNSUPPORTED_ROUTE_TARGET``) naming the target.
- ``INTERFACES``: a packet sent by, or delivered to, an address held by this kind of interface. A kind
  with no entry is not modelled: UNKNOWN naming the interface.

A new construct is one module (see ``base.py`` for the interface) and one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from vpcflow.engine.components import (
    appliance,
    classic_load_balancer,
    egress_only,
    endpoint_route,
    gateway_load_balancer_interfaces,
    host,
    internet_gateway,
    load_balancer,
    local,
    nat_gateway,
    peering,
    transit_gateway,
    transit_interface,
    vpc_endpoint,
    vpn_gateway,
)
from vpcflow.engine.components.base import InterfaceComponent, RouteHandler
from vpcflow.engine.components.interfaces import InterfaceKind
from vpcflow.model import RouteTarget

ROUTE_TARGETS: Mapping[RouteTarget, RouteHandler] = MappingProxyType(
    {
        RouteTarget.LOCAL: local.route,
        RouteTarget.INTERNET_GATEWAY: internet_gateway.route,
        RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY: egress_only.route,
        RouteTarget.NAT_GATEWAY: nat_gateway.route,
        RouteTarget.VPC_PEERING: peering.route,
        RouteTarget.TRANSIT_GATEWAY: transit_gateway.route,
        RouteTarget.VIRTUAL_PRIVATE_GATEWAY: vpn_gateway.route,
        RouteTarget.GATEWAY_ENDPOINT: endpoint_route.route,
        RouteTarget.NETWORK_INTERFACE: appliance.route,
        RouteTarget.INSTANCE: appliance.route,
    }
)

INTERFACES: Mapping[InterfaceKind, InterfaceComponent] = MappingProxyType(
    {
        InterfaceKind.HOST: host.COMPONENT,
        InterfaceKind.NAT_GATEWAY: nat_gateway.INTERFACE,
        InterfaceKind.TRANSIT_GATEWAY: transit_interface.INTERFACE,
        InterfaceKind.VPC_ENDPOINT: vpc_endpoint.INTERFACE,
        InterfaceKind.LOAD_BALANCER: load_balancer.NODE,
        InterfaceKind.CLASSIC_LOAD_BALANCER: classic_load_balancer.NODE,
        InterfaceKind.GATEWAY_LOAD_BALANCER_ENDPOINT: gateway_load_balancer_interfaces.ENDPOINT,
        InterfaceKind.GATEWAY_LOAD_BALANCER: gateway_load_balancer_interfaces.NODE,
    }
)
