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
    egress_only,
    host,
    internet_gateway,
    local,
    nat_gateway,
    peering,
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
    }
)

INTERFACES: Mapping[InterfaceKind, InterfaceComponent] = MappingProxyType(
    {
        InterfaceKind.HOST: host.COMPONENT,
        InterfaceKind.NAT_GATEWAY: nat_gateway.INTERFACE,
    }
)
