"""What an ENI is: the key of ``registry.INTERFACES`` (how it sends, what a packet delivered to it meets)."""

from __future__ import annotations

from enum import Enum

from vpcflow.model import NetworkInterface

# how Elastic Load Balancing describes the interfaces of its load balancers' nodes
ELB_PREFIX = "ELB "
ELBV2_KINDS = ("app/", "net/")  # ``ELB app/<name>/<id>``, ``ELB net/<name>/<id>``
GWLB_KIND = "gwy/"


class InterfaceKind(Enum):
    HOST = "host"  # an instance, or a service interface that sends and receives like one
    NAT_GATEWAY = "nat-gateway"
    TRANSIT_GATEWAY = "transit-gateway"  # a transit gateway attachment's interface: a hop, never an endpoint
    VPC_ENDPOINT = "vpc-endpoint"  # an interface endpoint's interface
    GATEWAY_LOAD_BALANCER_ENDPOINT = "gateway-load-balancer-endpoint"
    LOAD_BALANCER = "load-balancer"  # a node of an Application or Network Load Balancer
    GATEWAY_LOAD_BALANCER = "gateway-load-balancer"  # a node of a Gateway Load Balancer
    CLASSIC_LOAD_BALANCER = "classic-load-balancer"  # a node of a Classic Load Balancer


def interface_kind(eni: NetworkInterface) -> InterfaceKind:
    if eni.interface_type == "transit_gateway":
        return InterfaceKind.TRANSIT_GATEWAY
    if eni.interface_type == "vpc_endpoint":
        return InterfaceKind.VPC_ENDPOINT
    if eni.interface_type == "gateway_load_balancer_endpoint":
        return InterfaceKind.GATEWAY_LOAD_BALANCER_ENDPOINT
    if eni.interface_type == "gateway_load_balancer":
        return InterfaceKind.GATEWAY_LOAD_BALANCER
    desc = eni.description or ""
    if eni.interface_type == "network_load_balancer" or (
        desc.startswith(ELB_PREFIX) and desc[len(ELB_PREFIX) :].startswith(ELBV2_KINDS)
    ):
        return InterfaceKind.LOAD_BALANCER
    if desc.startswith(ELB_PREFIX) and desc[len(ELB_PREFIX) :].startswith(GWLB_KIND):
        return InterfaceKind.GATEWAY_LOAD_BALANCER
    if desc.startswith(ELB_PREFIX) and eni.requester_managed and "/" not in desc:
        return InterfaceKind.CLASSIC_LOAD_BALANCER
    return InterfaceKind.HOST
