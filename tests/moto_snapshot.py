"""Dump what a boto3 EC2 client describes (under moto, or real AWS) into a snapshot directory.

Tests build a configuration with boto3 against moto (``with mock_aws(): ...``), call
``dump_describe_calls(ec2, tmp_path)`` and load the directory with ``vpcflow.sources.load_snapshot``.
One file per describe call, named after the call (the loader dispatches by content, not by name), holding
the response as boto3 returns it, every page merged, without ``ResponseMetadata``/``NextToken``, and
datetimes as ISO strings as the AWS CLI writes them. Customer-managed prefix lists also get their
get-managed-prefix-list-entries output, saved as ``{"PrefixListId": …, "Entries": [...]}``.

moto differs from AWS in ways that matter here: a custom NACL comes back with no entries at all (AWS
returns the ``*`` deny entries) and describe-prefix-lists has no ``Cidrs`` — the loader copes with both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vpcflow.live import jsonable as _jsonable  # the CLI's shape: datetimes as ISO strings

# The describe calls behind a vpcflow snapshot, plus two whose resources are reported as not modelled.
SNAPSHOT_OPERATIONS: tuple[str, ...] = (
    "describe_vpcs",
    "describe_subnets",
    "describe_security_groups",
    "describe_network_acls",
    "describe_route_tables",
    "describe_network_interfaces",
    "describe_instances",
    "describe_internet_gateways",
    "describe_egress_only_internet_gateways",
    "describe_nat_gateways",
    "describe_addresses",
    "describe_vpc_peering_connections",
    "describe_prefix_lists",
    "describe_managed_prefix_lists",
    "describe_transit_gateways",
    "describe_vpc_endpoints",
)


@dataclass
class DumpReport:
    directory: Path
    files: dict[str, Path] = field(default_factory=dict)  # operation → file written
    skipped: dict[str, str] = field(default_factory=dict)  # operation → why it gave nothing


def describe_operations(client: Any) -> list[str]:
    """Every ``describe_*`` method of the client that can be called without parameters."""
    model = client.meta.service_model
    names = []
    for method, api in client.meta.method_to_api_mapping.items():
        if not api.startswith("Describe"):
            continue
        shape = model.operation_model(api).input_shape
        if shape is None or not shape.required_members:
            names.append(str(method))
    return sorted(names)


def _call(client: Any, operation: str, **kwargs: Any) -> dict[str, Any]:
    """All pages of one call merged: list values concatenated, envelope keys dropped."""
    if client.can_paginate(operation):
        pages = list(client.get_paginator(operation).paginate(**kwargs))
    else:
        pages = [getattr(client, operation)(**kwargs)]
    merged: dict[str, Any] = {}
    for page in pages:
        for key, value in page.items():
            if key in ("ResponseMetadata", "NextToken"):
                continue
            if isinstance(value, list) and isinstance(merged.get(key), list):
                merged[key].extend(value)
            else:
                merged[key] = value
    return merged


def dump_describe_calls(
    client: Any,
    directory: str | Path,
    *,
    operations: Iterable[str] | str | None = None,
    account: str | None = None,
    region: str | None = None,
    prefix_list_entries: bool = True,
) -> DumpReport:
    """Write one JSON file per describe call of ``client`` into ``directory``.

    ``operations``: the calls to make — default ``SNAPSHOT_OPERATIONS``; ``"all"`` for every describe call
    that needs no parameter (calls the backend cannot answer are listed in ``report.skipped``).
    ``account``/``region``: write into Batfish's layout ``aws_configs/<account>/<region>/`` instead (region
    defaults to the client's).
    """
    out = Path(directory)
    if account is not None or region is not None:
        out = out / "aws_configs"
        if account is not None:
            out = out / account
        out = out / (region or client.meta.region_name)
    out.mkdir(parents=True, exist_ok=True)
    if operations is None:
        ops = list(SNAPSHOT_OPERATIONS)
    elif isinstance(operations, str):
        if operations != "all":
            raise ValueError(f"operations: a list of boto3 method names or 'all', not {operations!r}")
        ops = describe_operations(client)
    else:
        ops = list(operations)
    report = DumpReport(out)
    for op in ops:
        try:
            response = _call(client, op)
        except Exception as exc:  # moto leaves many calls unimplemented: record the reason, go on
            report.skipped[op] = f"{type(exc).__name__}: {exc}"
            continue
        path = out / f"{op}.json"
        path.write_text(json.dumps(_jsonable(response), indent=2, sort_keys=True) + "\n")
        report.files[op] = path
        if prefix_list_entries and op == "describe_managed_prefix_lists":
            for pl in response.get("PrefixLists", []):
                if pl.get("OwnerId") == "AWS":
                    continue
                plid = pl["PrefixListId"]
                entries = _call(client, "get_managed_prefix_list_entries", PrefixListId=plid)
                doc = {"PrefixListId": plid, "Entries": entries.get("Entries", [])}
                epath = out / f"get_managed_prefix_list_entries.{plid}.json"
                epath.write_text(json.dumps(_jsonable(doc), indent=2, sort_keys=True) + "\n")
                report.files[f"get_managed_prefix_list_entries {plid}"] = epath
    return report
