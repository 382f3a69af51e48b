"""Snapshot loading: raw ``describe-*`` JSON (a directory of any depth, or one file) → ``Snapshot``.

Files are dispatched by their top-level keys, never by file name; each key's parser is one module
(``vpcs``, ``subnets``, ``interfaces``, ``instances``, ``security_groups``, ``network_acls``,
``route_tables``, ``gateways``, ``addresses``, ``prefix_lists``, ``peerings``) listed in
``registry.PARSERS``. Batfish's layout ``aws_configs/[<account>/]<region>/*.json`` (and
``aws_configs/accounts/<account>/<region>/``) gives each file its account and region. Unknown keys,
unmodelled resources and unresolved references become warnings (``Snapshot.warnings``); malformed input
raises ``SnapshotError`` naming the file and the JSON path.

Warning codes: ``UNKNOWN_KEY``, ``NOT_MODELLED``, ``UNSUPPORTED_ROUTE_TARGET``, ``UNRESOLVED_GROUP``,
``UNRESOLVED_PREFIX_LIST``, ``DUPLICATE_ID``, ``INSTANCE_WITHOUT_INTERFACE`` (and, from
``Snapshot.create``, ``NO_NETWORK_ACL``, ``NO_ROUTE_TABLE``).
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
