"""Which top-level key goes where: the parser registry and the keys known but not (or never) modelled.

A new AWS resource family is one module exporting a ``FunctionParser`` and one line in ``PARSERS``.
"""

from __future__ import annotations

from enum import Enum

from vpcflow.sources import (
    addresses,
    gateways,
    instances,
    interfaces,
    network_acls,
    peerings,
    prefix_lists,
    route_tables,
    security_groups,
    subnets,
    vpcs,
)
from vpcflow.sources.base import ResourceParser

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
)
BY_KEY: dict[str, ResourceParser] = {p.key: p for p in PARSERS}

# Known AWS keys that carry nothing traffic filtering needs (Batfish ignores the same ones): counted in
# `not_modelled`, with one informational NOT_MODELLED warning so nothing loaded goes unmentioned.
IGNORED_KEYS = frozenset(
    {
        "AvailabilityZones",
        "DhcpOptions",
        "Regions",
        "InstanceStatuses",
        "PlacementGroups",
        "ServiceNames",
        "Tags",
    }
)

# Known AWS resources vpcflow does not model (yet): counted and warned about, never silently dropped.
NOT_MODELLED_KEYS = frozenset(
    {
        "CustomerGateways",
        "DBInstances",
        "DBClusters",
        "RdsInstances",
        "DomainStatusList",
        "ElasticsearchDomains",
        "VpcEndpoints",
        "VpcEndpointServices",
        "VpcEndpointConnections",
        "ServiceDetails",
        "TargetGroups",
        "FlowLogs",
        "Firewalls",
        "FirewallPolicies",
        "CarrierGateways",
        "LocalGateways",
        "ManagedPrefixListAssociations",
        "SecurityGroupRules",
        "SecurityGroupReferenceSet",
        "NetworkInsightsPaths",
        "NetworkInsightsAnalyses",
    }
)
# Families: every key that starts with one of these is a known, unmodelled resource.
NOT_MODELLED_PREFIXES = (
    "TransitGateway",
    "Vpn",
    "DirectConnect",
    "VirtualInterface",
    "LoadBalancer",
    "ClientVpn",
    "CoreNetwork",
)

# Keys of the response envelope, not resources.
ENVELOPE_KEYS = frozenset({"ResponseMetadata", "NextToken"})


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
