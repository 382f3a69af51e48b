"""Which top-level key goes where: the parser registry and the keys known but not (or never) modelled.

A new AWS resource family is one module exporting a ``FunctionParser`` and one line in ``PARSERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from vpcflow.sources import (
    addresses,
    classic_elb,
    direct_connect,
    elbv2,
    endpoints,
    flow_logs,
    gateways,
    instances,
    interfaces,
    network_acls,
    network_firewall,
    peerings,
    prefix_lists,
    route_tables,
    security_groups,
    subnets,
    transit_gateways,
    vpcs,
    vpn,
    wafv2,
)
from vpcflow.sources.base import DocumentParser, ResourceParser

PARSERS: tuple[ResourceParser, ...] = (
    vpcs.PARSER,
    subnets.PARSER,
    security_groups.PARSER,
    network_acls.PARSER,
    route_tables.PARSER,
    interfaces.PARSER,
    instances.PARSER,
    gateways.INTERNET_GATEWAYS,
    gateways.EGRESS_ONLY_INTERNET_GATEWAYS,
    gateways.NAT_GATEWAYS,
    addresses.PARSER,
    prefix_lists.PREFIX_LISTS,
    prefix_lists.MANAGED_PREFIX_LISTS,
    prefix_lists.PREFIX_LIST_ENTRIES,
    peerings.PARSER,
    flow_logs.PARSER,
    elbv2.LOAD_BALANCERS,
    elbv2.LISTENERS,
    elbv2.WRAPPED_LISTENERS,
    elbv2.TARGET_GROUPS,
    elbv2.WRAPPED_TARGET_HEALTH,
    elbv2.LB_ATTRIBUTES,
    elbv2.TG_ATTRIBUTES,
    classic_elb.PARSER,
    network_firewall.FIREWALL_LIST,
    network_firewall.FIREWALL_POLICY_LIST,
    network_firewall.RULE_GROUP_LIST,
    wafv2.WEB_ACL_LIST,
    wafv2.IP_SET_LIST,
    transit_gateways.TRANSIT_GATEWAYS,
    transit_gateways.ATTACHMENTS,
    transit_gateways.VPC_ATTACHMENTS,
    transit_gateways.PEERING_ATTACHMENTS,
    transit_gateways.ROUTE_TABLES,
    transit_gateways.PROPAGATIONS,
    transit_gateways.BARE_PROPAGATIONS,
    transit_gateways.STATIC_ROUTES,
    transit_gateways.PROPAGATED_ROUTES,
    transit_gateways.ALL_ROUTES,
    transit_gateways.PREFIX_LIST_REFERENCES,
    vpn.VPN_GATEWAYS,
    vpn.VPN_CONNECTIONS,
    vpn.CUSTOMER_GATEWAYS,
    endpoints.VPC_ENDPOINTS,
    endpoints.SERVICE_CONFIGURATIONS,
    direct_connect.DIRECT_CONNECT_GATEWAYS,
    direct_connect.DIRECT_CONNECT_GATEWAY_ASSOCIATIONS,
    direct_connect.VIRTUAL_INTERFACES,
    direct_connect.DIRECT_CONNECT_GATEWAYS_API,
    direct_connect.DIRECT_CONNECT_GATEWAY_ASSOCIATIONS_API,
    direct_connect.VIRTUAL_INTERFACES_API,
)
BY_KEY: dict[str, ResourceParser] = {p.key: p for p in PARSERS}

# Single-object responses (and responses wrapped with their parent's id): the parser reads the whole
# document, its key's sibling ``companions`` included. Checked before the per-key dispatch.
DOCUMENT_PARSERS: tuple[DocumentParser, ...] = (
    network_firewall.FIREWALL,
    network_firewall.FIREWALL_POLICY,
    network_firewall.RULE_GROUP,
    wafv2.WEB_ACL,
    wafv2.IP_SET,
    wafv2.RESOURCES,
    elbv2.RULES,
    elbv2.TARGET_HEALTH,
    elbv2.ATTRIBUTES,
)

# Known AWS keys that carry nothing traffic filtering needs: Batfish's ignored keys, then other EC2
# describe outputs met in full dumps (moto's included). Counted in `not_modelled`, with one informational
# NOT_MODELLED warning each, so nothing loaded goes unmentioned.
IGNORED_KEYS = frozenset(
    {
        "AvailabilityZones",
        "DhcpOptions",
        "Regions",
        "InstanceStatuses",
        "PlacementGroups",
        "ServiceNames",
        "Tags",
        "AccountAttributes",
        "Images",
        "InstanceTypes",
        "InstanceTypeOfferings",
        "InstanceCreditSpecifications",
        "IamInstanceProfileAssociations",
        "KeyPairs",
        "LaunchTemplates",
        "Volumes",
        "VolumesModifications",
        "Snapshots",
        "SnapshotTierStatuses",
        "SpotPriceHistory",
        "SpotInstanceRequests",
        "SpotFleetRequestConfigs",
        "Fleets",
        "Hosts",
        "ReservedInstances",
        "ReservedInstancesOfferings",
    }
)

# Known AWS resources vpcflow does not model (yet): counted and warned about, never silently dropped.
NOT_MODELLED_KEYS = frozenset(
    {
        "DBInstances",
        "DBClusters",
        "RdsInstances",
        "DomainStatusList",
        "ElasticsearchDomains",
        "VpcEndpointServices",
        "VpcEndpointConnections",
        "ServiceDetails",
        "LoadBalancerPolicyDescriptions",
        "LoadBalancerPolicyTypeDescriptions",
        "CarrierGateways",
        "LocalGateways",
        "ManagedPrefixListAssociations",
        "SecurityGroupRules",
        "SecurityGroupReferenceSet",
        "NetworkInsightsPaths",
        "NetworkInsightsAnalyses",
        "TrafficMirrorFilters",
        "TrafficMirrorSessions",
        "TrafficMirrorTargets",
    }
)
# Families: every other key that starts with one of these is a known, unmodelled resource (e.g.
# TransitGatewayConnects, TransitGatewayMulticastDomains, VpnConnectionDeviceTypes,
# DirectConnectGatewayAttachments).
NOT_MODELLED_PREFIXES = (
    "TransitGateway",
    "Vpn",
    "DirectConnect",
    "VirtualInterface",
    "ClientVpn",
    "CoreNetwork",
)

# Other describe calls that answer under a parsed key, told apart by their items' fields
# (botocore's EC2 model has exactly these three). Their output is counted, never parsed as resources.
_ADDRESS_ATTRIBUTE_FIELDS = frozenset({"AllocationId", "PublicIp", "PtrRecord", "PtrRecordUpdate"})
OTHER_CALLS: tuple[tuple[str, str, Callable[[dict[str, Any]], bool]], ...] = (
    ("Vpcs", "describe-vpc-classic-link", lambda i: "ClassicLinkEnabled" in i and "CidrBlock" not in i),
    (
        "Vpcs",
        "describe-vpc-classic-link-dns-support",
        lambda i: "ClassicLinkDnsSupported" in i and "CidrBlock" not in i,
    ),
    ("Addresses", "describe-addresses-attribute", lambda i: i.keys() <= _ADDRESS_ATTRIBUTE_FIELDS),
)


def other_call(key: str, items: list[Any]) -> str | None:
    """The describe call that produced ``items`` when it is not the one whose resources ``key`` holds."""
    for k, call, looks_like in OTHER_CALLS:
        if k == key and items and all(isinstance(i, dict) and looks_like(i) for i in items):
            return call
    return None


# Keys of the response envelope, not resources.
ENVELOPE_KEYS = frozenset({"ResponseMetadata", "NextToken", "NextMarker"})


class KeyKind(Enum):
    PARSED = "parsed"
    IGNORED = "ignored"
    NOT_MODELLED = "not-modelled"
    ENVELOPE = "envelope"
    UNKNOWN = "unknown"


def classify(key: str) -> KeyKind:
    if key in BY_KEY:
        return KeyKind.PARSED
    if key in ENVELOPE_KEYS:
        return KeyKind.ENVELOPE
    if key in IGNORED_KEYS:
        return KeyKind.IGNORED
    if key in NOT_MODELLED_KEYS or key.startswith(NOT_MODELLED_PREFIXES):
        return KeyKind.NOT_MODELLED
    return KeyKind.UNKNOWN
