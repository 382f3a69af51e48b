"""What a Gateway Load Balancer endpoint hands a packet to — the pure part of the component.

- The endpoint's service (``VpcEndpoint.service_name``) is served by the Gateway Load Balancers its
  configuration names (describe-vpc-endpoint-service-configurations, the provider's account); with several,
  the endpoint is connected to one of them per Availability Zone, AWS's choice.
  https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html
- The load balancer's node in the endpoint's Availability Zone receives the packet. Zone names map to
  physical zones differently in each account: zones are compared by id (``use1-az1``) when both subnets
  carry one, by name within one account, and are unknown otherwise.
- That node sends the packet, GENEVE-encapsulated on UDP 6081, to one healthy target of the listener's
  target group (``engine.elb.select_targets``: health and fail-open, cross-zone off by default), which
  sends it back to the node the same way. https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/target-groups.html
"""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.engine.elb import LoadBalancerNode
from vpcflow.engine.elb_index import elb_index
from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import Snapshot, Subnet, VpcEndpoint, VpcEndpointServiceConfiguration
from vpcflow.model.elb import LoadBalancer, LoadBalancerType

GENEVE_PORT = 6081
GENEVE_PORTS = IntervalSet.single(GENEVE_PORT)
# RFC 8926 §3.3: a tunnel endpoint picks the outer source port from a hash of the inner flow, in the
# dynamic range; AWS does not say which, and filters match destination ports only
GENEVE_SOURCE_PORTS = IntervalSet.of((49152, 65535))
ANY_PORT = IntervalSet.of((0, 65535))
# the port space of the encapsulated packets' flow-log events: they carry their own protocol and ports
GENEVE_SPACE = "geneve"


@dataclass(frozen=True, slots=True)
class Unresolved:
    """Why the endpoint's load balancer or node cannot be told: UNKNOWN (``code``), or a drop."""

    code: str
    detail: str
    unknown: bool = True


def service_of(s: Snapshot, ep: VpcEndpoint) -> VpcEndpointServiceConfiguration | Unresolved:
    config = s.endpoint_service(ep.service_name)
    if config is None:
        return Unresolved(
            "UNKNOWN_RESOURCE",
            f"the configuration of endpoint service {ep.service_name or '(unnamed)'} of "
            f"{ep.vpc_endpoint_id} is not in the snapshot (describe-vpc-endpoint-service-configurations "
            "in the service provider's account): which Gateway Load Balancer serves it is unknown",
        )
    if not config.available:
        return Unresolved(
            "BAD_STATE", f"endpoint service {config.service_id} is {config.state}", unknown=False
        )
    if not config.gateway_load_balancer_arns:
        return Unresolved(
            "UNKNOWN_RESOURCE",
            f"endpoint service {config.service_id} names no Gateway Load Balancer, yet "
            f"{ep.vpc_endpoint_id} is a Gateway Load Balancer endpoint of it",
        )
    return config


def load_balancer(s: Snapshot, arn: str) -> LoadBalancer | Unresolved:
    lb = s.load_balancing.load_balancers.get(arn)
    if lb is None:
        return Unresolved(
            "UNKNOWN_RESOURCE",
            f"Gateway Load Balancer {arn} is not in the snapshot (elbv2 describe-load-balancers in the "
            "service provider's account)",
        )
    if lb.type is not LoadBalancerType.GATEWAY:
        return Unresolved(
            "CONTRADICTORY_RESOURCE",
            f"{lb.name} serves a Gateway Load Balancer endpoint but is {lb.type.value}",
        )
    return lb


def _account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def node_for(
    s: Snapshot, lb: LoadBalancer, ep: VpcEndpoint, ep_subnet: Subnet
) -> LoadBalancerNode | Unresolved:
    """The node of ``lb`` in the endpoint's Availability Zone, with a private IPv4 address (GENEVE is
    carried over IPv4 whatever the inner packet: gateway-load-balancers.html#ip-address-type)."""
    nodes = elb_index(s).nodes(lb)
    hit: LoadBalancerNode | None = None
    zone_id = ep_subnet.availability_zone_id
    ids: dict[str, str | None] = {}
    for n in nodes:
        n_sub = s.subnets.get(n.subnet_id or "")
        ids[n.zone] = n_sub.availability_zone_id if n_sub is not None else None
    if zone_id is not None and nodes and all(ids.values()):
        hit = next((n for n in nodes if ids[n.zone] == zone_id), None)
        where = f"zone {ep_subnet.availability_zone} ({zone_id})"
    else:
        ours, theirs = ep.owner_id or ep_subnet.owner_id, _account(lb.arn)
        if ours is not None and theirs is not None and ours != theirs:
            return Unresolved(
                "UNKNOWN_RESOURCE",
                f"{ep.vpc_endpoint_id} ({ours}) and {lb.name} ({theirs}) are in different accounts, where "
                "zone names may map to different zones, and the snapshot lacks the subnets' "
                "AvailabilityZoneId: which node serves the endpoint is unknown",
            )
        hit = next((n for n in nodes if n.zone == ep_subnet.availability_zone), None)
        where = f"zone {ep_subnet.availability_zone}"
    if hit is None:
        zones = ", ".join(n.zone for n in nodes) or "none"
        return Unresolved(
            "CONTRADICTORY_RESOURCE",
            f"{lb.name} has no node in {where} of {ep.vpc_endpoint_id} (its zones: {zones}); AWS creates "
            "an endpoint only in a zone its load balancer has",
        )
    if hit.private_ip is None or hit.private_ip.version != 4:
        return Unresolved(
            "UNKNOWN_RESOURCE",
            f"the address of {lb.name}'s node in {hit.zone} is not in the snapshot (its interface in "
            f"{hit.subnet_id}: describe-network-interfaces)",
        )
    return hit
