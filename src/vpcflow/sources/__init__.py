"""Snapshot loading: raw ``describe-*`` JSON (a directory of any depth, or one file) → ``Snapshot``.

Files are dispatched by their top-level keys, never by file name; each key's parser is one module
(``vpcs``, ``subnets``, ``interfaces``, ``instances``, ``security_groups``, ``network_acls``,
``route_tables``, ``gateways``, ``addresses``, ``prefix_lists``, ``peerings``) listed in
``registry.PARSERS``. Batfish's layout ``aws_configs/[<account>/]<region>/*.json`` (and
``aws_configs/accounts/<account>/<region>/``) gives each file its account and region. Unknown keys,
unmodelled resources and unresolved references become warnings (``Snapshot.warnings``); malformed input
raises ``SnapshotError`` naming the file and the JSON path.

Warning codes: ``UNKNOWN_KEY``, ``NOT_MODELLED``, ``SKIPPED_FILE``, ``UNSUPPORTED_ROUTE_TARGET``,
``INVALID_RULE``, ``INSTANCE_WITHOUT_INTERFACE``; dangling references ``UNRESOLVED_GROUP``,
``UNRESOLVED_PREFIX_LIST``, ``UNRESOLVED_SUBNET``, ``UNRESOLVED_VPC``, ``UNRESOLVED_INTERFACE``,
``UNRESOLVED_ROUTE_TARGET``; contradictions (also recorded in ``Snapshot.contradictions``)
``DUPLICATE_ID``, ``DUPLICATE_RULE_NUMBER``, ``CONTRADICTORY_ASSOCIATION``, ``OVERLAPPING_SUBNETS``,
``SUBNET_OUTSIDE_VPC``, ``VPC_MISMATCH``, ``ADDRESS_OUTSIDE_SUBNET``, ``DUPLICATE_ADDRESS``,
``CONTRADICTORY_INTERFACE`` (``consistency``); and, from ``Snapshot.create``, ``NO_NETWORK_ACL``,
``NO_ROUTE_TABLE``. Every warning carries the resource id and ``file: $.path`` where one applies.
"""

from __future__ import annotations

from vpcflow.sources.base import EPHEMERAL_TAG, ResourceParser
from vpcflow.sources.loader import (
    LoadResult,
    ScopeSummary,
    load_data_with_report,
    load_snapshot,
    load_snapshot_data,
    load_with_report,
    scope_of,
)
from vpcflow.sources.registry import IGNORED_KEYS, NOT_MODELLED_KEYS, NOT_MODELLED_PREFIXES, PARSERS

__all__ = [
    "EPHEMERAL_TAG",
    "IGNORED_KEYS",
    "NOT_MODELLED_KEYS",
    "NOT_MODELLED_PREFIXES",
    "PARSERS",
    "LoadResult",
    "ResourceParser",
    "ScopeSummary",
    "load_data_with_report",
    "load_snapshot",
    "load_snapshot_data",
    "load_with_report",
    "scope_of",
]
