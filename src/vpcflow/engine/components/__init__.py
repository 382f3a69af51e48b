"""The constructs a packet crosses, one module each, registered in ``registry.py``.

``base.py`` is the interface (``Step``, ``Walk``, ``RouteHandler``, ``InterfaceComponent``); see
docs/architecture.md, "How to add a component".
"""

from vpcflow.engine.components.base import (
    ON_INTERNET,
    STOPPED,
    Delivered,
    Drop,
    Forward,
    InterfaceComponent,
    IntoSubnet,
    Landing,
    NotModelled,
    OnInternet,
    Origin,
    RouteContext,
    RouteFrom,
    RouteHandler,
    Step,
    Stopped,
    Walk,
    Where,
)
from vpcflow.engine.components.interfaces import InterfaceKind, interface_kind
from vpcflow.engine.components.registry import INTERFACES, ROUTE_TARGETS

__all__ = [
    "INTERFACES",
    "ON_INTERNET",
    "ROUTE_TARGETS",
    "STOPPED",
    "Delivered",
    "Drop",
    "Forward",
    "InterfaceComponent",
    "InterfaceKind",
    "IntoSubnet",
    "Landing",
    "NotModelled",
    "OnInternet",
    "Origin",
    "RouteContext",
    "RouteFrom",
    "RouteHandler",
    "Step",
    "Stopped",
    "Walk",
    "Where",
    "interface_kind",
]
