"""What an ENI is: the key of ``registry.INTERFACES`` (how it sends, what a packet delivered to it meets)."""

from __future__ import annotations

from enum import Enum

from vpcflow.model import NetworkInterface


class InterfaceKind(Enum):
    HOST = "host"  # an instance, or a service interface that sends and receives like one
    NAT_GATEWAY = "nat-gateway"


def interface_kind(eni: NetworkInterface) -> InterfaceKind:
    return InterfaceKind.HOST
