"""Which AWS constructs a snapshot holds and how far vpcflow models each — what ``snapshot info`` lists.

One row per construct: how to count it in a snapshot, and its status:
- ``modelled``: traces step through it with AWS's semantics;
- ``partial``: some of it is modelled, the rest answers UNKNOWN (the note says which);
- ``not-modelled``: loaded and reported; a path that needs it answers UNKNOWN;
- ``ignored``: carries nothing traffic needs (counted only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vpcflow.model import EndpointType, Snapshot


@dataclass(frozen=True, slots=True)
class Construct:
    name: str
    count: Callable[[Snapshot], int]
    status: str
    note: str = ""


def _load_balancers(kind: str) -> Callable[[Snapshot], int]:
    return lambda s: sum(1 for lb in s.load_balancing.load_balancers.values() if lb.type.value == kind)


def _endpoints(kind: EndpointType) -> Callable[[Snapshot], int]:
    return lambda s: sum(1 for e in s.vpc_endpoints.values() if e.endpoint_type is kind)


CONSTRUCTS: tuple[Construct, ...] = (
    Construct("security groups", lambda s: len(s.security_groups), "modelled"),
    Construct("network ACLs", lambda s: len(s.network_acls), "modelled"),
    Construct(
        "subnet route tables",
        lambda s: sum(1 for r in s.route_tables.values() if not r.gateway_ids),
        "modelled",
    ),
    Construct(
        "gateway route tables (edge associations)",
        lambda s: sum(1 for r in s.route_tables.values() if r.gateway_ids),
        "modelled",
        "ingress routing to local, appliance interfaces, Network Firewall and Gateway Load Balancer "
        "endpoints",
    ),
    Construct(
        "routes to network interfaces / instances",
        lambda s: sum(
            1
            for r in s.route_tables.values()
            for x in r.routes
            if x.target.value in ("network-interface", "instance") and not x.blackhole
        ),
        "partial",
        "appliances forward unchanged (stated); address translation by an instance (NAT instance): UNKNOWN",
    ),
    Construct(
        "internet gateways",
        lambda s: sum(1 for g in s.internet_gateways.values() if not g.egress_only),
        "modelled",
    ),
    Construct(
        "egress-only internet gateways",
        lambda s: sum(1 for g in s.internet_gateways.values() if g.egress_only),
        "modelled",
    ),
    Construct("NAT gateways", lambda s: len(s.nat_gateways), "modelled"),
    Construct("VPC peering connections", lambda s: len(s.peerings), "modelled"),
    Construct(
        "transit gateways",
        lambda s: len(s.transit_gateways),
        "modelled",
        "VPC, VPN and peering attachments; Connect and Direct Connect attachments answer UNKNOWN",
    ),
    Construct(
        "transit gateway route tables",
        lambda s: len(s.transit_gateway_route_tables),
        "modelled",
        "routes learned by BGP appear only in search-transit-gateway-routes: absent, they are UNKNOWN",
    ),
    Construct("virtual private gateways", lambda s: len(s.vpn_gateways), "modelled"),
    Construct(
        "Site-to-Site VPN connections",
        lambda s: len(s.vpn_connections),
        "modelled",
        "on-premises is an endpoint; tunnel state from VgwTelemetry",
    ),
    Construct(
        "customer gateways", lambda s: len(s.customer_gateways), "modelled", "the customer's side of a VPN"
    ),
    Construct(
        "Direct Connect gateways and virtual interfaces",
        lambda s: len(s.direct_connect_gateways) + len(s.virtual_interfaces),
        "not-modelled",
        "the routes Direct Connect learns by BGP are in no describe call",
    ),
    Construct(
        "gateway VPC endpoints",
        _endpoints(EndpointType.GATEWAY),
        "modelled",
        "the endpoint policy is reported, never a packet verdict",
    ),
    Construct(
        "interface VPC endpoints",
        _endpoints(EndpointType.INTERFACE),
        "modelled",
        "their interfaces answer with the endpoint's security groups and never initiate",
    ),
    Construct(
        "Gateway Load Balancer endpoints",
        _endpoints(EndpointType.GATEWAY_LOAD_BALANCER),
        "modelled",
        "Network Firewall endpoints through the firewall's policy; the others through the Gateway Load "
        "Balancer serving their service (describe-vpc-endpoint-service-configurations) to an appliance, "
        "GENEVE on UDP 6081; appliances forward unchanged (stated); without the service's configuration: "
        "UNKNOWN",
    ),
    Construct(
        "VPC endpoint services",
        lambda s: len(s.endpoint_services),
        "modelled",
        "the provider's side: which Gateway Load Balancers serve a Gateway Load Balancer endpoint",
    ),
    Construct(
        "application load balancers",
        _load_balancers("application"),
        "modelled",
        "a proxy: client → listener (security groups, WAF), node → healthy targets from 1024-65535",
    ),
    Construct(
        "network load balancers",
        _load_balancers("network"),
        "modelled",
        "listeners, optional security groups, client IP preservation, cross-zone, health and fail-open",
    ),
    Construct(
        "gateway load balancers",
        _load_balancers("gateway"),
        "modelled",
        "reached through their endpoints: the node in the endpoint's zone, healthy GENEVE targets "
        "(fail-open), cross-zone off by default",
    ),
    Construct(
        "Classic load balancers",
        lambda s: len(s.load_balancing.classic),
        "not-modelled",
        "loaded and named; paths through them are not modelled",
    ),
    Construct(
        "Network Firewall firewalls",
        lambda s: len(s.network_firewall.firewalls),
        "modelled",
        "endpoints as route targets; rules a 5-tuple cannot decide answer UNKNOWN unless --sni/--host; "
        "transit-gateway-attached firewalls: UNKNOWN",
    ),
    Construct(
        "WAF web ACLs",
        lambda s: len(s.waf.web_acls),
        "partial",
        "IP-set rules decide by the client's address on the ALB; content, rate and geography rules only "
        "'may block'",
    ),
)


def constructs(snapshot: Snapshot) -> list[dict[str, object]]:
    """Every construct the snapshot holds (count > 0), with its status and note."""
    out: list[dict[str, object]] = []
    for c in CONSTRUCTS:
        n = c.count(snapshot)
        if n:
            out.append({"construct": c.name, "count": n, "status": c.status, "note": c.note})
    return out
