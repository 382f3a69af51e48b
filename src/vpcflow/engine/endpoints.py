"""VPC endpoint semantics, pure: what a gateway endpoint carries, which ENIs belong to endpoints.

Gateway endpoints (S3, DynamoDB) — https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html:
the endpoint is a route target (``DestinationPrefixListId`` → ``vpce-…``) in the route tables it lists;
it carries only TCP and ICMP echo (``VPCE_GATEWAY_PROTOCOL_RESTRICTION``), only from inside its own VPC
(not through peering, a transit gateway, VPN or Direct Connect), and only to the service's prefix list.
Its policy authorizes API calls: reported, never a packet verdict.

Interface endpoints are ENIs (``InterfaceType`` ``vpc_endpoint``) with the endpoint's security groups; they
answer connections and never open one. Gateway Load Balancer endpoints are route targets that hand
packets to a load balancer (not modelled here: UNKNOWN).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from vpcflow.model import ICMP, TCP, EndpointType, NetworkInterface, Snapshot, VpcEndpoint

# ICMP echo request and reply: the only ICMP a gateway endpoint carries
ECHO_TYPES = frozenset({0, 8})


class EndpointOutcome(Enum):
    FORWARD = "forward"
    DROP = "drop"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class EndpointDecision:
    outcome: EndpointOutcome
    code: str | None
    detail: str
    endpoint: VpcEndpoint | None = None
    # the Network Firewall whose endpoint the route names (the answer depends on it)
    firewall_arn: str | None = None


def endpoint_of_route_target(snapshot: Snapshot, target_id: str | None) -> VpcEndpoint | None:
    return snapshot.vpc_endpoints.get(target_id or "")


def gateway_endpoint(
    snapshot: Snapshot,
    target_id: str | None,
    route_table_id: str | None,
    source_vpc_id: str,
    protocol: int,
    icmp_type: int | None,
) -> EndpointDecision:
    """Whether a packet a subnet routes to ``target_id`` (a ``vpce-…``) gets through to the service."""
    ep = endpoint_of_route_target(snapshot, target_id)
    fw = snapshot.network_firewall.firewall_of_endpoint(target_id or "")
    if fw is not None:
        return EndpointDecision(
            EndpointOutcome.UNKNOWN,
            "UNSUPPORTED_ROUTE_TARGET",
            f"{target_id} is an endpoint of Network Firewall {fw.name}: the walk does not step through "
            "firewalls yet",
            ep,
            fw.arn,
        )
    if ep is None:
        return EndpointDecision(
            EndpointOutcome.UNKNOWN,
            "UNKNOWN_RESOURCE",
            f"{target_id} is not in the snapshot (describe-vpc-endpoints): gateway endpoint or Gateway Load "
            "Balancer endpoint unknown",
        )
    if ep.endpoint_type is not EndpointType.GATEWAY:
        return EndpointDecision(
            EndpointOutcome.UNKNOWN,
            "UNSUPPORTED_ROUTE_TARGET",
            f"{ep.vpc_endpoint_id} is a {ep.endpoint_type.value} endpoint: the load balancer or firewall "
            "behind it is not modelled",
            ep,
        )
    if not ep.available:
        return EndpointDecision(EndpointOutcome.DROP, "BAD_STATE", f"{ep.vpc_endpoint_id} is {ep.state}", ep)
    if ep.vpc_id != source_vpc_id:
        return EndpointDecision(
            EndpointOutcome.DROP,
            "VPCE_GATEWAY_REQUIRES_SOURCE_IN_VPC",
            f"{ep.vpc_endpoint_id} serves only {ep.vpc_id}: traffic from another VPC cannot use it",
            ep,
        )
    if route_table_id is not None and ep.route_table_ids and route_table_id not in ep.route_table_ids:
        return EndpointDecision(
            EndpointOutcome.UNKNOWN,
            "UNKNOWN_RESOURCE",
            f"{route_table_id} routes to {ep.vpc_endpoint_id}, which does not list it among its route tables",
            ep,
        )
    # https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html (TCP and ICMP echo only)
    if protocol != TCP and not (protocol == ICMP and icmp_type in ECHO_TYPES):
        return EndpointDecision(
            EndpointOutcome.DROP,
            "VPCE_GATEWAY_PROTOCOL_RESTRICTION",
            f"{ep.vpc_endpoint_id} carries TCP and ICMP echo only",
            ep,
        )
    note = " (endpoint policy reported, not evaluated)" if ep.policy_document else ""
    return EndpointDecision(
        EndpointOutcome.FORWARD,
        None,
        f"through {ep.vpc_endpoint_id} to {ep.service_name or 'the service'}{note}",
        ep,
    )


def interface_endpoint_of(snapshot: Snapshot, eni: NetworkInterface) -> VpcEndpoint | None:
    """The interface endpoint that owns ``eni`` (by the endpoint's ENI list), if any."""
    for ep in snapshot.vpc_endpoints.values():
        if eni.eni_id in ep.network_interface_ids:
            return ep
    return None


def is_endpoint_interface(eni: NetworkInterface) -> bool:
    """An ENI AWS created for an interface or Gateway Load Balancer endpoint."""
    return eni.interface_type in ("vpc_endpoint", "gateway_load_balancer_endpoint")
