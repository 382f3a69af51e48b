"""What an ENI is: the key of ``registry.INTERFACES`` (how it sends, what a packet delivered to it meets)."""

from __future__ import annotations

from enum import Enum

from vpcflow.model import NetworkInterface


class InterfaceKind(Enum):
    HOST = "host"  # an instance, or a service interface that sends and receives like one
    NAT_GATEWAY = "nat-gateway"
    TRANSIT_GATEWAY = "transit-gateway"  # a transit gateway attachment's interface: a hop, never an endpoint
    VPC_ENDPOINT = "vpc-endpoint"  # an interface endpoint's interface
    GATEWAY_LOAD_BALANCER_ENDPOINT = "gateway-load-balancer-endpoint"


def interface_kind(eni: NetworkInterface) -> InterfaceKind:
    if eni.interface_type == "transit_gateway":
        return InterfaceKind.TRANSIT_GATEWAY
    if eni.interface_type == "vpc_endpoint":
        return InterfaceKind.VPC_ENDPOINT
    if eni.interface_type == "gateway_load_balancer_endpoint":
        return InterfaceKind.GATEWAY_LOAD_BALANCER_ENDPOINT
    return InterfaceKind.HOST
