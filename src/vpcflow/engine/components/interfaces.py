"""What an ENI is: the key of ``registry.INTERFACES`` (how it sends, what a packet delivered to it meets).

An interface is a *host* (it sends and receives its own traffic through its security groups) only when
nothing says otherwise. AWS marks the interfaces it creates for its services by ``InterfaceType``
(describe-network-interfaces; botocore's ``NetworkInterfaceType``), and an Application or Classic Load
Balancer's nodes, whose type is plain ``interface``, by their ``Description`` (``ELB app/<name>/<id>``,
``ELB <name>``). Those are hops or services the walk must step through with their own component; a kind
without a registered component answers UNKNOWN naming the interface — never a trace as if it were a host.
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html
"""

from __future__ import annotations

from enum import Enum

from vpcflow.model import NetworkInterface, Snapshot

# how Elastic Load Balancing describes the interfaces of its load balancers' nodes
ELB_PREFIX = "ELB "
ELBV2_KINDS = ("app/", "net/")  # ``ELB app/<name>/<id>``, ``ELB net/<name>/<id>``
GWLB_KIND = "gwy/"


class InterfaceKind(Enum):
    # members are singletons: hash by identity (Enum's own hash is a Python call, on every dict lookup)
    __hash__ = object.__hash__

    HOST = "host"  # an instance, or a service interface that sends and receives like one
    NAT_GATEWAY = "nat-gateway"
    TRANSIT_GATEWAY = "transit-gateway"  # a transit gateway attachment's interface: a hop, never an endpoint
    VPC_ENDPOINT = "vpc-endpoint"  # an interface endpoint's interface
    GATEWAY_LOAD_BALANCER_ENDPOINT = "gateway-load-balancer-endpoint"  # incl. Network Firewall endpoints
    LOAD_BALANCER = "load-balancer"  # a node of an Application or Network Load Balancer
    GATEWAY_LOAD_BALANCER = "gateway-load-balancer"  # a node of a Gateway Load Balancer
    CLASSIC_LOAD_BALANCER = "classic-load-balancer"  # a node of a Classic Load Balancer
    # an interface AWS manages for a service whose packet path vpcflow does not model (API Gateway,
    # Global Accelerator, QuickSight, IoT rules, CodeStar connections, or a type it does not know)
    SERVICE_MANAGED = "service-managed"


# InterfaceType values of interfaces that send and receive through their own security groups like an
# instance: an instance's own (ENA, EFA, trunk and branch interfaces of ECS tasks) and Lambda's
# Hyperplane interfaces (the function's security groups).
_HOST_TYPES = frozenset({"interface", "efa", "efa-only", "trunk", "branch", "lambda", ""})


def interface_kind(eni: NetworkInterface) -> InterfaceKind:
    t = eni.interface_type
    if t == "transit_gateway":
        return InterfaceKind.TRANSIT_GATEWAY
    if t == "vpc_endpoint":
        return InterfaceKind.VPC_ENDPOINT
    if t == "gateway_load_balancer_endpoint":
        return InterfaceKind.GATEWAY_LOAD_BALANCER_ENDPOINT
    if t in ("nat_gateway", "natGateway"):
        return InterfaceKind.NAT_GATEWAY
    if t == "gateway_load_balancer":
        return InterfaceKind.GATEWAY_LOAD_BALANCER
    desc = eni.description or ""
    node = desc[len(ELB_PREFIX) :] if desc.startswith(ELB_PREFIX) else None
    if t in ("network_load_balancer", "load_balancer") or (node is not None and node.startswith(ELBV2_KINDS)):
        return InterfaceKind.LOAD_BALANCER
    if node is not None and node.startswith(GWLB_KIND):
        return InterfaceKind.GATEWAY_LOAD_BALANCER
    if node is not None and "/" not in node:
        # ``ELB <name>``: a Classic Load Balancer's node (fail closed even when RequesterManaged is absent)
        return InterfaceKind.CLASSIC_LOAD_BALANCER
    if node is not None:
        return InterfaceKind.SERVICE_MANAGED  # an ``ELB …`` description of a shape AWS does not document
    if t in _HOST_TYPES:
        return InterfaceKind.HOST
    return InterfaceKind.SERVICE_MANAGED


def is_load_balancer_description(description: str | None) -> bool:
    """``ELB app/…``, ``ELB net/…``, ``ELB gwy/…`` (elbv2 nodes) or ``ELB <name>`` (Classic)."""
    return bool(description) and description is not None and description.startswith(ELB_PREFIX)


def is_host(eni: NetworkInterface) -> bool:
    """Whether the interface sends and receives its own traffic (a trace or reach endpoint)."""
    return interface_kind(eni) is InterfaceKind.HOST


_LOAD_BALANCER_KINDS = frozenset(
    {InterfaceKind.LOAD_BALANCER, InterfaceKind.GATEWAY_LOAD_BALANCER, InterfaceKind.CLASSIC_LOAD_BALANCER}
)


def interface_owner(snapshot: Snapshot, eni: NetworkInterface) -> tuple[str, str]:
    """What the interface belongs to, for an UNKNOWN that names it: (``id``, ``description``). The id is
    the load balancer's ARN, the endpoint's id or the firewall's ARN when the snapshot has them, else the
    interface's own id."""
    kind = interface_kind(eni)
    if kind in _LOAD_BALANCER_KINDS:
        lbs = snapshot.load_balancing
        wanted = (eni.description or "").removeprefix(ELB_PREFIX)
        for lb in lbs.load_balancers.values():
            if lb.short_id and lb.short_id == wanted:
                return lb.arn, f"{eni.eni_id} is a node of {lb.type.value} load balancer {lb.name}"
        if wanted in lbs.classic:
            return wanted, f"{eni.eni_id} is a node of Classic Load Balancer {wanted}"
        return eni.eni_id, f"{eni.eni_id} is a load balancer's node ({eni.description or eni.interface_type})"
    if kind is InterfaceKind.GATEWAY_LOAD_BALANCER_ENDPOINT:
        for ep in snapshot.vpc_endpoints.values():
            if eni.eni_id in ep.network_interface_ids:
                fw = snapshot.network_firewall.firewall_of_endpoint(ep.vpc_endpoint_id)
                if fw is not None:
                    return (
                        fw.arn,
                        f"{eni.eni_id} is endpoint {ep.vpc_endpoint_id} of Network Firewall {fw.name}",
                    )
                return ep.vpc_endpoint_id, (
                    f"{eni.eni_id} is Gateway Load Balancer endpoint {ep.vpc_endpoint_id}'s interface"
                )
        return eni.eni_id, f"{eni.eni_id} is a Gateway Load Balancer endpoint's interface"
    return eni.eni_id, f"{eni.eni_id} is a {eni.interface_type or kind.value} interface"
