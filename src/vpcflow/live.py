"""Live import: call the EC2 ``describe-*`` APIs with boto3 and write a snapshot directory.

Only this module talks to AWS. It writes exactly what the API returns (less ``ResponseMetadata``), one
file per call, in the Batfish layout ``aws_configs/<account>/<region>/<Key>.json``, so the result loads
with ``load_snapshot`` like any other snapshot and can be kept, diffed and shared.

Calls whose output does not name its parent are made once per parent and wrapped with the parent's id,
as Batfish's collector does: per transit gateway route table, get-transit-gateway-route-table-propagations
→ ``TransitGatewayPropagations``, search-transit-gateway-routes type static → ``TransitGatewayStaticRoutes``
and type propagated → ``TransitGatewayPropagatedRoutes`` (the routes VPNs and Direct Connect learn by BGP,
which nothing else shows); get-transit-gateway-prefix-list-references names its table and is merged into
one ``TransitGatewayPrefixListReferences`` list. Direct Connect is a separate service, read when allowed.

The boto3 session and endpoint are injectable: tests point it at a moto server on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vpcflow.errors import InputError, VpcflowError
from vpcflow.live_services import call_errors, error_summary

# (file key, boto3 method, paginated?) — one row per describe call; a new resource is one line.
DESCRIBE_CALLS: tuple[tuple[str, str, bool], ...] = (
    ("Vpcs", "describe_vpcs", True),
    ("Subnets", "describe_subnets", True),
    ("SecurityGroups", "describe_security_groups", True),
    ("NetworkAcls", "describe_network_acls", True),
    ("RouteTables", "describe_route_tables", True),
    ("InternetGateways", "describe_internet_gateways", True),
    ("EgressOnlyInternetGateways", "describe_egress_only_internet_gateways", True),
    ("NatGateways", "describe_nat_gateways", True),
    ("Addresses", "describe_addresses", False),
    ("NetworkInterfaces", "describe_network_interfaces", True),
    ("Reservations", "describe_instances", True),
    ("VpcPeeringConnections", "describe_vpc_peering_connections", True),
    ("PrefixLists", "describe_prefix_lists", True),
    ("ManagedPrefixLists", "describe_managed_prefix_lists", True),
    ("TransitGateways", "describe_transit_gateways", True),
    ("TransitGatewayAttachments", "describe_transit_gateway_attachments", True),
    ("TransitGatewayVpcAttachments", "describe_transit_gateway_vpc_attachments", True),
    ("TransitGatewayPeeringAttachments", "describe_transit_gateway_peering_attachments", True),
    ("TransitGatewayRouteTables", "describe_transit_gateway_route_tables", True),
    ("VpnGateways", "describe_vpn_gateways", False),
    ("VpnConnections", "describe_vpn_connections", False),
    ("CustomerGateways", "describe_customer_gateways", False),
    ("VpcEndpoints", "describe_vpc_endpoints", True),
    # the provider's side: which Gateway / Network Load Balancers serve each endpoint service
    ("ServiceConfigurations", "describe_vpc_endpoint_service_configurations", True),
)
# Direct Connect (service "directconnect", whose JSON is camelCase): loaded and reported; the routes it
# learns by BGP are in no describe call. (response key = file key, boto3 method)
DIRECT_CONNECT_CALLS: tuple[tuple[str, str], ...] = (
    ("directConnectGateways", "describe_direct_connect_gateways"),
    ("directConnectGatewayAssociations", "describe_direct_connect_gateway_associations"),
    ("virtualInterfaces", "describe_virtual_interfaces"),
)
# per transit gateway route table: (file key, boto3 method, extra arguments, response key)
PER_ROUTE_TABLE: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    (
        "TransitGatewayPropagations",
        "get_transit_gateway_route_table_propagations",
        {},
        "TransitGatewayRouteTablePropagations",
    ),
    (
        "TransitGatewayStaticRoutes",
        "search_transit_gateway_routes",
        {"Filters": [{"Name": "type", "Values": ["static"]}]},
        "Routes",
    ),
    (
        "TransitGatewayPropagatedRoutes",
        "search_transit_gateway_routes",
        {"Filters": [{"Name": "type", "Values": ["propagated"]}]},
        "Routes",
    ),
    (
        "TransitGatewayPrefixListReferences",
        "get_transit_gateway_prefix_list_references",
        {},
        "TransitGatewayPrefixListReferences",
    ),
)


class LiveImportError(VpcflowError):
    """AWS could not be read (credentials, permissions, endpoint)."""


@dataclass
class FetchReport:
    account: str
    regions: list[str]
    files: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # calls that failed, with the reason


def _call_all(client: Any, method: str, key: str, paginated: bool, **kwargs: Any) -> list[Any]:
    if paginated and client.can_paginate(method):
        items: list[Any] = []
        for page in client.get_paginator(method).paginate(**kwargs):
            items.extend(page.get(key, []))
        return items
    return list(getattr(client, method)(**kwargs).get(key, []))


def _per_route_table(
    ec2: Any, tables: list[Any], region: str, report: FetchReport, errors: tuple[type[Exception], ...]
) -> dict[str, Any]:
    """The per-table transit gateway calls, wrapped with the table id (see the module docstring)."""
    out: dict[str, list[Any]] = {key: [] for key, _m, _a, _r in PER_ROUTE_TABLE}
    for table in tables:
        rtb_id = table["TransitGatewayRouteTableId"]
        if str(table.get("State", "available")).lower() in ("deleting", "deleted"):
            continue
        for key, method, extra, response_key in PER_ROUTE_TABLE:
            try:
                if method == "search_transit_gateway_routes":
                    # not paginated: at most 1,000 routes, AdditionalRoutesAvailable says there were more
                    resp = ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=rtb_id, **extra)
                    out[key].append(
                        {
                            "TransitGatewayRouteTableId": rtb_id,
                            "Routes": resp.get("Routes", []),
                            "AdditionalRoutesAvailable": bool(resp.get("AdditionalRoutesAvailable", False)),
                        }
                    )
                    continue
                items = _call_all(ec2, method, response_key, True, TransitGatewayRouteTableId=rtb_id)
            except errors as exc:
                report.skipped.append(f"{region} {method} {rtb_id}: {error_summary(exc)}")
                continue
            if key == "TransitGatewayPropagations":
                out[key].append({"TransitGatewayRouteTableId": rtb_id, response_key: items})
            else:
                out[key].extend({"TransitGatewayRouteTableId": rtb_id, **i} for i in items)
    return out


def jsonable(value: Any) -> Any:
    """boto3 returns datetimes; the CLI writes ISO strings. Match the CLI."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def fetch_snapshot(
    out_dir: str | Path,
    regions: Iterable[str],
    *,
    session: Any = None,
    endpoint_url: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> FetchReport:
    """Describe every modelled resource in each region and write ``aws_configs/<acct>/<region>/``."""
    try:
        import boto3
        import botocore.exceptions as bexc
    except ImportError:  # pragma: no cover - the aws extra is missing
        raise InputError("live import needs boto3: pip install 'vpcflow[aws]'") from None
    # a call the endpoint cannot answer (no permission, not offered, unparsable) is reported and skipped
    errors = call_errors()
    sess = session or boto3.Session()
    regions = list(regions) or [sess.region_name or "us-east-1"]
    try:
        sts = sess.client("sts", endpoint_url=endpoint_url, region_name=regions[0])
        account = str(sts.get_caller_identity()["Account"])
    except (bexc.BotoCoreError, bexc.ClientError) as exc:
        raise LiveImportError(f"cannot identify the AWS account: {exc}") from None
    report = FetchReport(account, regions)
    for region in regions:
        ec2 = sess.client("ec2", endpoint_url=endpoint_url, region_name=region)
        folder = Path(out_dir) / "aws_configs" / account / region
        folder.mkdir(parents=True, exist_ok=True)
        for key, method, paginated in DESCRIBE_CALLS:
            if progress:
                progress(f"{region}: {method}")
            # describe-managed-prefix-lists answers under "PrefixLists", like describe-prefix-lists;
            # it is written as ManagedPrefixLists (with each list's entries inline) to keep both apart
            response_key = "PrefixLists" if key == "ManagedPrefixLists" else key
            try:
                items = _call_all(ec2, method, response_key, paginated)
            except errors as exc:
                report.skipped.append(f"{region} {method}: {error_summary(exc)}")
                continue
            if key == "ManagedPrefixLists":
                # customer-managed lists carry their CIDRs only in get-managed-prefix-list-entries
                for pl in items:
                    try:
                        pages = ec2.get_paginator("get_managed_prefix_list_entries").paginate(
                            PrefixListId=pl["PrefixListId"]
                        )
                        pl["Entries"] = [e for page in pages for e in page.get("Entries", [])]
                    except errors as exc:
                        report.skipped.append(
                            f"{region} entries of {pl['PrefixListId']}: {error_summary(exc)}"
                        )
            _write(folder, key, items, report)
            if key == "TransitGatewayRouteTables":
                for wkey, witems in _per_route_table(ec2, items, region, report, errors).items():
                    _write(folder, wkey, witems, report)
        if progress:
            progress(f"{region}: directconnect")
        dx = sess.client("directconnect", endpoint_url=endpoint_url, region_name=region)
        for key, items in _direct_connect(dx, region, report, errors).items():
            _write(folder, key, items, report)
        _fetch_services(sess, endpoint_url, region, folder, report, progress)
    return report


def _fetch_services(
    sess: Any,
    endpoint_url: str | None,
    region: str,
    folder: Path,
    report: FetchReport,
    progress: Callable[[str], None] | None,
) -> None:
    """elbv2, Classic ELB, Network Firewall and WAF (``live_services``)."""
    from vpcflow import live_services as svc

    def client(name: str) -> Any:
        return sess.client(name, endpoint_url=endpoint_url, region_name=region)

    for name, fetch in (
        ("elbv2", svc.fetch_elbv2),
        ("elb", svc.fetch_classic_elb),
        ("network-firewall", svc.fetch_network_firewall),
    ):
        if progress:
            progress(f"{region}: {name}")
        fetch(client(name), folder, report, region)
    if progress:
        progress(f"{region}: wafv2")
    albs: list[str] = []
    lb_file = folder / "LoadBalancers.json"
    if lb_file.exists():
        albs = [
            lb["LoadBalancerArn"]
            for lb in json.loads(lb_file.read_text()).get("LoadBalancers", [])
            if lb.get("Type") == "application"
        ]
    svc.fetch_wafv2(client("wafv2"), folder, report, region, albs)


def _direct_connect(
    dx: Any, region: str, report: FetchReport, errors: tuple[type[Exception], ...]
) -> dict[str, list[Any]]:
    """Direct Connect gateways, their associations (asked per gateway, as the API requires) and the
    virtual interfaces; a call that fails is reported and skipped."""
    out: dict[str, list[Any]] = {}
    for key, method in DIRECT_CONNECT_CALLS:
        try:
            if key == "directConnectGatewayAssociations":
                items = []
                for gw in out.get("directConnectGateways", []):
                    gid = gw["directConnectGatewayId"]
                    items.extend(_call_all(dx, method, key, False, directConnectGatewayId=gid))
            else:
                items = _call_all(dx, method, key, False)
        except errors as exc:
            report.skipped.append(f"{region} directconnect {method}: {error_summary(exc)}")
            continue
        out[key] = items
    return out


def _write(folder: Path, key: str, items: list[Any], report: FetchReport) -> None:
    path = folder / f"{key}.json"
    path.write_text(json.dumps({key: jsonable(items)}, indent=2, sort_keys=True) + "\n")
    report.files.append(path)
    report.counts[key] = report.counts.get(key, 0) + len(items)
