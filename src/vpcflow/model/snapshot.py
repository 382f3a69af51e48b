"""The Snapshot: every resource of one or more accounts/regions, plus lookup indexes and warnings."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from vpcflow.model.elb import LoadBalancing
from vpcflow.model.endpoints import VpcEndpoint, VpcEndpointServiceConfiguration
from vpcflow.model.filters import NetworkAcl, SecurityGroup
from vpcflow.model.flow_logs import FlowLog
from vpcflow.model.net import Address, Cidr
from vpcflow.model.network_firewall import NetworkFirewalls
from vpcflow.model.origin import Origin
from vpcflow.model.topology import (
    ElasticIp,
    Instance,
    InternetGateway,
    NatGateway,
    NetworkInterface,
    PrefixList,
    RouteTable,
    Subnet,
    Vpc,
    VpcPeeringConnection,
)
from vpcflow.model.transit import TransitGateway, TransitGatewayAttachment, TransitGatewayRouteTable
from vpcflow.model.vpn import (
    CustomerGateway,
    DirectConnectGateway,
    DirectConnectGatewayAssociation,
    VirtualInterface,
    VpnConnection,
    VpnGateway,
)
from vpcflow.model.waf import Waf


@dataclass(frozen=True, slots=True)
class SnapshotWarning:
    """Something loaded but not (fully) modelled, or a reference that does not resolve."""

    code: str  # e.g. UNKNOWN_KEY, UNRESOLVED_GROUP, UNSUPPORTED_ROUTE_TARGET
    message: str
    source: str | None = None  # file (and JSON path) it came from
    resource_id: str | None = None

    def __str__(self) -> str:
        where = f" [{self.source}]" if self.source else ""
        return f"{self.code}: {self.message}{where}"


T = TypeVar("T")


def _by_id(items: Iterable[T], key: str) -> Mapping[str, T]:
    return MappingProxyType({getattr(i, key): i for i in items})


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every resource by id, the loader's warnings, and the lookup indexes built once.

    ``contradictions`` maps a resource id to why the snapshot contradicts itself about that resource:
    the same id read twice with different content, a subnet associated with two network ACLs or two
    route tables (or with one of another VPC), two subnets of a VPC that overlap, an ENI whose VPC is
    not its subnet's or whose address lies outside its subnet, two ENIs holding one address,
    describe-instances and describe-network-interfaces disagreeing about an ENI. The model still holds
    one version (the first one read; for associations the first table read) so lookups work, but an
    answer that depends on a contradicted resource must be UNKNOWN naming the id and the reason, never
    a verdict drawn from a version picked at random. ``contradiction(*ids)`` finds the first one.
    Missing resources (a reference to an id the snapshot does not hold) are not listed here: the id is
    simply absent from its mapping, and the loader warns (``UNRESOLVED_*``).
    """

    vpcs: Mapping[str, Vpc]
    subnets: Mapping[str, Subnet]
    interfaces: Mapping[str, NetworkInterface]
    instances: Mapping[str, Instance]
    security_groups: Mapping[str, SecurityGroup]
    network_acls: Mapping[str, NetworkAcl]
    route_tables: Mapping[str, RouteTable]
    internet_gateways: Mapping[str, InternetGateway]
    nat_gateways: Mapping[str, NatGateway]
    elastic_ips: tuple[ElasticIp, ...]
    prefix_lists: Mapping[str, PrefixList]
    peerings: Mapping[str, VpcPeeringConnection]
    warnings: tuple[SnapshotWarning, ...] = ()
    not_modelled: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    flow_logs: Mapping[str, FlowLog] = field(default_factory=lambda: MappingProxyType({}))
    # where each resource was declared (IaC sources only; keys in vpcflow.model.origin)
    origins: Mapping[str, Origin] = field(default_factory=lambda: MappingProxyType({}))
    # security group id → keys (into ``origins``) of resources outside the packet model that attach it
    # (load balancers, RDS, Lambda, launch templates, ...): the group is in use, the exposure behind it
    # is not modelled
    group_attachers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    contradictions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # load balancers, Network Firewall, WAF (each family in one value; empty when the snapshot has none)
    load_balancing: LoadBalancing = field(default_factory=LoadBalancing)
    network_firewall: NetworkFirewalls = field(default_factory=NetworkFirewalls)
    waf: Waf = field(default_factory=Waf)
    # transit gateways, VPN, Direct Connect, VPC endpoints (attachments keyed by (tgw id, attachment id))
    transit_gateways: Mapping[str, TransitGateway] = field(default_factory=lambda: MappingProxyType({}))
    transit_gateway_attachments: Mapping[tuple[str, str], TransitGatewayAttachment] = field(
        default_factory=lambda: MappingProxyType({})
    )
    transit_gateway_route_tables: Mapping[str, TransitGatewayRouteTable] = field(
        default_factory=lambda: MappingProxyType({})
    )
    vpn_gateways: Mapping[str, VpnGateway] = field(default_factory=lambda: MappingProxyType({}))
    vpn_connections: Mapping[str, VpnConnection] = field(default_factory=lambda: MappingProxyType({}))
    customer_gateways: Mapping[str, CustomerGateway] = field(default_factory=lambda: MappingProxyType({}))
    vpc_endpoints: Mapping[str, VpcEndpoint] = field(default_factory=lambda: MappingProxyType({}))
    # endpoint services by ServiceId (describe-vpc-endpoint-service-configurations, the provider's view)
    endpoint_services: Mapping[str, VpcEndpointServiceConfiguration] = field(
        default_factory=lambda: MappingProxyType({})
    )
    direct_connect_gateways: Mapping[str, DirectConnectGateway] = field(
        default_factory=lambda: MappingProxyType({})
    )
    direct_connect_gateway_associations: tuple[DirectConnectGatewayAssociation, ...] = ()
    virtual_interfaces: Mapping[str, VirtualInterface] = field(default_factory=lambda: MappingProxyType({}))
    # indexes (derived)
    eni_by_private_ip: Mapping[tuple[str, Address], str] = field(default_factory=lambda: MappingProxyType({}))
    eni_by_public_ip: Mapping[Address, tuple[str, Address]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    group_members: Mapping[str, tuple[Address, ...]] = field(default_factory=lambda: MappingProxyType({}))
    acl_of_subnet: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    route_table_of_subnet: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    enis_by_address: Mapping[Address, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # per VPC: subnet CIDR intervals sorted by start, for longest-match lookups by bisection
    _subnet_spans: Mapping[str, tuple[tuple[int, int, int, str], ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def create(
        cls,
        *,
        vpcs: Iterable[Vpc] = (),
        subnets: Iterable[Subnet] = (),
        interfaces: Iterable[NetworkInterface] = (),
        instances: Iterable[Instance] = (),
        security_groups: Iterable[SecurityGroup] = (),
        network_acls: Iterable[NetworkAcl] = (),
        route_tables: Iterable[RouteTable] = (),
        internet_gateways: Iterable[InternetGateway] = (),
        nat_gateways: Iterable[NatGateway] = (),
        elastic_ips: Iterable[ElasticIp] = (),
        prefix_lists: Iterable[PrefixList] = (),
        peerings: Iterable[VpcPeeringConnection] = (),
        warnings: Iterable[SnapshotWarning] = (),
        not_modelled: Mapping[str, int] | None = None,
        flow_logs: Iterable[FlowLog] = (),
        origins: Mapping[str, Origin] | None = None,
        group_attachers: Mapping[str, tuple[str, ...]] | None = None,
        contradictions: Mapping[str, str] | None = None,
        load_balancing: LoadBalancing | None = None,
        network_firewall: NetworkFirewalls | None = None,
        waf: Waf | None = None,
        transit_gateways: Iterable[TransitGateway] = (),
        transit_gateway_attachments: Iterable[TransitGatewayAttachment] = (),
        transit_gateway_route_tables: Iterable[TransitGatewayRouteTable] = (),
        vpn_gateways: Iterable[VpnGateway] = (),
        vpn_connections: Iterable[VpnConnection] = (),
        customer_gateways: Iterable[CustomerGateway] = (),
        vpc_endpoints: Iterable[VpcEndpoint] = (),
        endpoint_services: Iterable[VpcEndpointServiceConfiguration] = (),
        direct_connect_gateways: Iterable[DirectConnectGateway] = (),
        direct_connect_gateway_associations: Iterable[DirectConnectGatewayAssociation] = (),
        virtual_interfaces: Iterable[VirtualInterface] = (),
    ) -> Snapshot:
        """Build a snapshot and its indexes; warns about subnets with no NACL or route table.

        Where associations contradict each other (found and recorded by the loader), the first ACL /
        route table / default / main one in the order given is the one indexed."""
        vpc_map = _by_id(vpcs, "vpc_id")
        subnet_map = _by_id(subnets, "subnet_id")
        eni_map = _by_id(interfaces, "eni_id")
        acl_map = _by_id(network_acls, "acl_id")
        rtb_map = _by_id(route_tables, "route_table_id")
        warns = list(warnings)

        by_address: dict[Address, list[str]] = {}
        eni_by_private: dict[tuple[str, Address], str] = {}
        eni_by_public: dict[Address, tuple[str, Address]] = {}
        members: dict[str, list[Address]] = {}
        for eni in eni_map.values():
            for addr in eni.addresses:
                eni_by_private.setdefault((eni.vpc_id, addr), eni.eni_id)
                by_address.setdefault(addr, []).append(eni.eni_id)
            for priv, pub in eni.public_ips:
                eni_by_public.setdefault(pub, (eni.eni_id, priv))
            for gid in eni.group_ids:
                # SG references match members' private IPv4 and IPv6 addresses, never public ones.
                members.setdefault(gid, []).extend(eni.addresses)

        acl_of_subnet: dict[str, str] = {}
        default_acl: dict[str, str] = {}
        for acl in acl_map.values():
            if acl.is_default:
                default_acl.setdefault(acl.vpc_id, acl.acl_id)
            for sid in acl.subnet_ids:
                acl_of_subnet.setdefault(sid, acl.acl_id)
        rtb_of_subnet: dict[str, str] = {}
        main_rtb: dict[str, str] = {}
        for rtb in rtb_map.values():
            if rtb.is_main:
                main_rtb.setdefault(rtb.vpc_id, rtb.route_table_id)
            for sid in rtb.subnet_ids:
                rtb_of_subnet.setdefault(sid, rtb.route_table_id)
        acl_vpcs = {acl.vpc_id for acl in acl_map.values()}
        for sub in subnet_map.values():
            if sub.subnet_id not in acl_of_subnet:
                if sub.vpc_id in default_acl:
                    acl_of_subnet[sub.subnet_id] = default_acl[sub.vpc_id]
                else:
                    # every VPC has a default NACL: none of its VPC at all means the collector skipped
                    # them (the default one is assumed); some but none for this subnet means it is unknown
                    why = (
                        f"the snapshot holds no network ACL of {sub.vpc_id}: the default network ACL "
                        "(allows everything) is assumed at its boundary"
                        if sub.vpc_id not in acl_vpcs
                        else "answers that cross its boundary are UNKNOWN"
                    )
                    warns.append(
                        SnapshotWarning(
                            "NO_NETWORK_ACL",
                            f"subnet {sub.subnet_id} has no network ACL in the snapshot; {why}",
                            resource_id=sub.subnet_id,
                        )
                    )
            if sub.subnet_id not in rtb_of_subnet:
                if sub.vpc_id in main_rtb:
                    rtb_of_subnet[sub.subnet_id] = main_rtb[sub.vpc_id]
                else:
                    warns.append(
                        SnapshotWarning(
                            "NO_ROUTE_TABLE",
                            f"subnet {sub.subnet_id} has no route table in the snapshot; only the VPC's "
                            "local route is known: answers that need another route are UNKNOWN",
                            resource_id=sub.subnet_id,
                        )
                    )
        spans: dict[str, list[tuple[int, int, int, str]]] = {}
        for sub in subnet_map.values():
            for c in sub.cidrs:
                spans.setdefault(sub.vpc_id, []).append((c.version, c.lo, c.hi, sub.subnet_id))
        return cls(
            vpcs=vpc_map,
            subnets=subnet_map,
            interfaces=eni_map,
            instances=_by_id(instances, "instance_id"),
            security_groups=_by_id(security_groups, "group_id"),
            network_acls=acl_map,
            route_tables=rtb_map,
            internet_gateways=_by_id(internet_gateways, "igw_id"),
            nat_gateways=_by_id(nat_gateways, "nat_id"),
            elastic_ips=tuple(elastic_ips),
            prefix_lists=_by_id(prefix_lists, "prefix_list_id"),
            peerings=_by_id(peerings, "pcx_id"),
            warnings=tuple(warns),
            not_modelled=MappingProxyType(dict(not_modelled or {})),
            flow_logs=_by_id(flow_logs, "flow_log_id"),
            origins=MappingProxyType(dict(origins or {})),
            group_attachers=MappingProxyType(dict(group_attachers or {})),
            contradictions=MappingProxyType(dict(contradictions or {})),
            load_balancing=LoadBalancing() if load_balancing is None else load_balancing,
            network_firewall=NetworkFirewalls() if network_firewall is None else network_firewall,
            waf=Waf() if waf is None else waf,
            transit_gateways=_by_id(transit_gateways, "transit_gateway_id"),
            transit_gateway_attachments=MappingProxyType({a.key: a for a in transit_gateway_attachments}),
            transit_gateway_route_tables=_by_id(transit_gateway_route_tables, "route_table_id"),
            vpn_gateways=_by_id(vpn_gateways, "vpn_gateway_id"),
            vpn_connections=_by_id(vpn_connections, "vpn_connection_id"),
            customer_gateways=_by_id(customer_gateways, "customer_gateway_id"),
            vpc_endpoints=_by_id(vpc_endpoints, "vpc_endpoint_id"),
            endpoint_services=_by_id(endpoint_services, "service_id"),
            direct_connect_gateways=_by_id(direct_connect_gateways, "direct_connect_gateway_id"),
            direct_connect_gateway_associations=tuple(direct_connect_gateway_associations),
            virtual_interfaces=_by_id(virtual_interfaces, "virtual_interface_id"),
            eni_by_private_ip=MappingProxyType(eni_by_private),
            eni_by_public_ip=MappingProxyType(eni_by_public),
            group_members=MappingProxyType({k: tuple(v) for k, v in members.items()}),
            acl_of_subnet=MappingProxyType(acl_of_subnet),
            route_table_of_subnet=MappingProxyType(rtb_of_subnet),
            enis_by_address=MappingProxyType({k: tuple(sorted(v)) for k, v in by_address.items()}),
            _subnet_spans=MappingProxyType({k: tuple(sorted(v)) for k, v in spans.items()}),
        )

    def endpoint_service(self, service_name: str | None) -> VpcEndpointServiceConfiguration | None:
        """The endpoint service configuration named ``service_name`` (an endpoint's ``ServiceName``)."""
        if not service_name:
            return None
        return next((c for c in self.endpoint_services.values() if c.service_name == service_name), None)

    def contradiction(self, *ids: str | None) -> tuple[str, str] | None:
        """The first of ``ids`` the snapshot contradicts itself about, with the reason; else None."""
        for rid in ids:
            if rid is not None and rid in self.contradictions:
                return rid, self.contradictions[rid]
        return None

    def subnet_of_address(self, vpc_id: str, address: Address) -> Subnet | None:
        spans = self._subnet_spans.get(vpc_id, ())
        # subnets of a VPC never overlap: the span starting at or before the address is the only candidate
        i = bisect_right(spans, (address.version, address.value, 1 << 130, "")) - 1
        if i >= 0:
            version, lo, hi, subnet_id = spans[i]
            if version == address.version and lo <= address.value <= hi:
                return self.subnets[subnet_id]
        return None

    def vpc_of_address(self, address: Address) -> Vpc | None:
        for vpc in self.vpcs.values():
            if any(address in c for c in vpc.cidrs):
                return vpc
        return None

    def prefix_list_cidrs(self, prefix_list_id: str) -> tuple[Cidr, ...] | None:
        pl = self.prefix_lists.get(prefix_list_id)
        return pl.cidrs if pl else None

    def locally_routed_vpcs(self) -> set[str]:
        """VPCs whose route tables send every in-VPC destination to the local route: no route more
        specific than a VPC CIDR (AWS allows them, e.g. to put an appliance in the path), and no
        prefix-list route (its entries could cover VPC addresses). Within these, traffic between two
        ENIs meets only their security groups and subnets' NACLs, which is what the batch evaluator and
        the reachability matrix compute.
        https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html"""
        from vpcflow.model.topology import RouteTarget

        routed: set[str] = set()
        for vpc in self.vpcs.values():
            diverted = False
            for rtb in self.route_tables.values():
                if rtb.vpc_id != vpc.vpc_id:
                    continue
                for r in rtb.routes:
                    if r.target is RouteTarget.LOCAL:
                        continue
                    if r.destination is None or any(
                        r.destination.overlaps(c) and r.destination.prefixlen > c.prefixlen for c in vpc.cidrs
                    ):
                        diverted = True
            if not diverted:
                routed.add(vpc.vpc_id)
        return routed
