"""Snapshot loading: raw ``describe-*`` JSON (a directory of any depth, or one file) → ``Snapshot``.

Files are dispatched by their top-level keys, never by file name. Batfish's layout
``aws_configs/[<account>/]<region>/*.json`` (and ``aws_configs/accounts/<account>/<region>/``) gives
each file its account and region. Unknown keys, unmodelled resources and unresolved references become
warnings; malformed input raises ``SnapshotError`` naming the file and the JSON path.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from vpcflow.errors import SnapshotError
from vpcflow.model import (
    DEFAULT_DENY_V6,
    WORLD_V6,
    Direction,
    GroupPeer,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    PrefixListPeer,
    RuleAction,
    Snapshot,
    SnapshotWarning,
    parse_port_range,
    tag,
)
from vpcflow.sources.base import Collected, Ctx, FunctionParser, ResourceParser
from vpcflow.sources.filters import parse_network_acls, parse_security_groups
from vpcflow.sources.topology import (
    parse_addresses,
    parse_egress_only_gateways,
    parse_internet_gateways,
    parse_managed_prefix_lists,
    parse_nat_gateways,
    parse_network_interfaces,
    parse_peerings,
    parse_prefix_list_entries,
    parse_prefix_lists,
    parse_reservations,
    parse_route_tables,
    parse_subnets,
    parse_vpcs,
)

__all__ = [
    "EPHEMERAL_TAG",
    "PARSERS",
    "LoadResult",
    "load_snapshot",
    "load_snapshot_data",
    "load_with_report",
]

EPHEMERAL_TAG = "vpcflow:ephemeral-ports"

# The registry: one row per top-level key. A new resource family is one parser and one line here.
PARSERS: tuple[ResourceParser, ...] = (
    FunctionParser("Vpcs", parse_vpcs),
    FunctionParser("Subnets", parse_subnets),
    FunctionParser("SecurityGroups", parse_security_groups),
    FunctionParser("NetworkAcls", parse_network_acls),
    FunctionParser("RouteTables", parse_route_tables),
    FunctionParser("NetworkInterfaces", parse_network_interfaces),
    FunctionParser("Reservations", parse_reservations),
    FunctionParser("InternetGateways", parse_internet_gateways),
    FunctionParser("EgressOnlyInternetGateways", parse_egress_only_gateways),
    FunctionParser("NatGateways", parse_nat_gateways),
    FunctionParser("Addresses", parse_addresses),
    FunctionParser("PrefixLists", parse_prefix_lists),
    FunctionParser("ManagedPrefixLists", parse_managed_prefix_lists),
    FunctionParser("VpcPeeringConnections", parse_peerings),
)
_BY_KEY = {p.key: p for p in PARSERS}

# Known AWS keys that carry nothing vpcflow needs (no warning).
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
# Known AWS resources vpcflow does not model yet: counted and reported, never silently dropped.
NOT_MODELLED_KEYS = frozenset(
    {
        "TransitGateways",
        "TransitGatewayAttachments",
        "TransitGatewayVpcAttachments",
        "TransitGatewayRouteTables",
        "TransitGatewayPropagations",
        "TransitGatewayStaticRoutes",
        "TransitGatewayPeeringAttachments",
        "VpnGateways",
        "VpnConnections",
        "CustomerGateways",
        "VpcEndpoints",
        "VpcEndpointServices",
        "ServiceDetails",
        "LoadBalancers",
        "LoadBalancerDescriptions",
        "TargetGroups",
        "LoadBalancerListeners",
        "LoadBalancerAttributes",
        "LoadBalancerTargetHealth",
        "DBInstances",
        "RdsInstances",
        "DomainStatusList",
        "ElasticsearchDomains",
        "DirectConnectGateways",
        "DirectConnectGatewayAssociations",
        "VirtualInterfaces",
        "FlowLogs",
        "Firewalls",
        "FirewallPolicies",
    }
)

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$|^\d{1,12}$")


class LoadResult:
    """A snapshot and what loading it saw (files, scopes, ignored files) for ``snapshot info``."""

    def __init__(self, snapshot: Snapshot, collected: Collected) -> None:
        self.snapshot = snapshot
        self.files = collected.files
        self.ignored_files = collected.ignored_files
        self.scopes = collected.scopes


def _scope(path: Path, root: Path) -> tuple[str | None, str | None]:
    """Account and region from the Batfish layout: …/aws_configs/[accounts/]<acct>/<region>/X.json."""
    parts = path.relative_to(root).parts[:-1] if path != root else ()
    if "aws_configs" in path.parts:
        i = len(path.parts) - 1 - path.parts[::-1].index("aws_configs")
        parts = path.parts[i + 1 : -1]
    region = next((p for p in reversed(parts) if _REGION.match(p)), None)
    account = None
    if region is not None:
        idx = len(parts) - 1 - parts[::-1].index(region)
        if idx >= 1 and _ACCOUNT.match(parts[idx - 1]):
            account = parts[idx - 1]
    return account, region


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SnapshotError(
            "not UTF-8 text; expected JSON from aws ec2 describe-*", source=str(path)
        ) from None
    except OSError as exc:
        raise SnapshotError(f"cannot read: {exc.strerror}", source=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", source=str(path)
        ) from None


def _dispatch(doc: Any, ctx: Ctx) -> None:
    if not isinstance(doc, dict):
        raise ctx.fail("$", f"expected a JSON object of describe-* output, found {type(doc).__name__}")
    if "PrefixListId" in doc and isinstance(doc.get("Entries"), list) and len(doc) <= 3:
        parse_prefix_list_entries(doc, ctx)
        return
    for key, value in doc.items():
        if key == "ResponseMetadata" or key == "NextToken":
            continue
        parser = _BY_KEY.get(key)
        if parser is not None:
            parser.parse(ctx.list_(value, f"$.{key}"), ctx)
            ctx.out.scopes[(ctx.account, ctx.region)] = ctx.out.scopes.get((ctx.account, ctx.region), 0) + 1
        elif key in IGNORED_KEYS:
            continue
        elif key in NOT_MODELLED_KEYS:
            n = len(value) if isinstance(value, list) else 1
            if n:
                ctx.out.not_modelled[key] = ctx.out.not_modelled.get(key, 0) + n
                ctx.warn("NOT_MODELLED", f"{n} {key} item(s) loaded but not modelled", f"$.{key}")
        else:
            ctx.warn("UNKNOWN_KEY", f"unknown top-level key {key!r} ignored", f"$.{key}")


def load_snapshot(path: str | Path) -> Snapshot:
    return load_with_report(path).snapshot


def load_with_report(path: str | Path) -> LoadResult:
    root = Path(path)
    if not root.exists():
        raise SnapshotError("no such file or directory", source=str(root))
    out = Collected()
    if root.is_file():
        files = [root]
    else:
        files = sorted(
            p
            for p in root.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
        out.ignored_files = [str(p) for p in files if p.suffix.lower() != ".json"]
        files = [p for p in files if p.suffix.lower() == ".json"]
        if not files:
            raise SnapshotError("no *.json files of describe-* output found", source=str(root))
    for f in files:
        account, region = _scope(f, root)
        ctx = Ctx(str(f), out, account, region)
        out.files.append(str(f))
        _dispatch(_read_json(f), ctx)
    return LoadResult(_finish(out), out)


def load_snapshot_data(docs: list[tuple[str, Any]]) -> Snapshot:
    """Build a snapshot from parsed documents (source name, JSON value) — tests, live import."""
    out = Collected()
    for source, doc in docs:
        out.files.append(source)
        _dispatch(doc, Ctx(source, out))
    return _finish(out)


def _finish(out: Collected) -> Snapshot:
    """Resolve cross-references once everything is parsed; warn about what does not resolve."""
    warn = out.warnings

    # ENIs: describe-network-interfaces wins; instance-embedded ENIs fill the gaps.
    enis: dict[str, NetworkInterface] = dict(out.instance_interfaces)
    for eni_id, eni in out.interfaces.items():
        embedded = enis.get(eni_id)
        if embedded is not None and not eni.public_ips and embedded.public_ips:
            eni = replace(eni, public_ips=embedded.public_ips)
        if embedded is not None and eni.instance_id is None:
            eni = replace(eni, instance_id=embedded.instance_id)
        enis[eni_id] = eni
    # Elastic IPs associated with an ENI's private address.
    for eip in out.elastic_ips:
        if eip.eni_id and eip.eni_id in enis and eip.private_ip is not None:
            eni = enis[eip.eni_id]
            if all(pub != eip.public_ip for _p, pub in eni.public_ips):
                enis[eip.eni_id] = replace(eni, public_ips=(*eni.public_ips, (eip.private_ip, eip.public_ip)))
    # Instance Name tags reach their ENIs' names only through the instance; ephemeral-port tag.
    for eni_id, eni in list(enis.items()):
        value = tag(eni.tags, EPHEMERAL_TAG)
        if value:
            try:
                enis[eni_id] = replace(eni, ephemeral_ports=parse_port_range(value))
            except ValueError as exc:
                raise SnapshotError(f"{eni_id} tag {EPHEMERAL_TAG}: {exc}") from None
    # Prefix-list entries from separate files.
    pls = []
    for pl in out.prefix_lists:
        extra = out.prefix_list_entries.pop(pl.prefix_list_id, [])
        pls.append(replace(pl, cidrs=pl.cidrs + tuple(extra)) if extra else pl)
    for plid in out.prefix_list_entries:
        warn.append(
            SnapshotWarning(
                "UNRESOLVED_PREFIX_LIST", f"entries for {plid} but no such prefix list", None, plid
            )
        )
    # IPv6 `*` entries for NACLs of VPCs with an IPv6 CIDR.
    v6_vpcs = {v.vpc_id for v in out.vpcs if v.cidrs_v6}
    acls: list[NetworkAcl] = [
        replace(
            acl, ingress=_with_v6_star(acl, Direction.INGRESS), egress=_with_v6_star(acl, Direction.EGRESS)
        )
        if acl.vpc_id in v6_vpcs
        else acl
        for acl in out.network_acls
    ]
    # Unresolved references.
    group_ids = {g.group_id for g in out.security_groups}
    pl_ids = {p.prefix_list_id for p in pls}
    seen: set[tuple[str, str]] = set()
    for g in out.security_groups:
        for rule in g.ingress + g.egress:
            peer = rule.peer
            if (
                isinstance(peer, GroupPeer)
                and peer.group_id not in group_ids
                and (g.group_id, peer.group_id) not in seen
            ):
                seen.add((g.group_id, peer.group_id))
                where = f" (account {peer.account})" if peer.account and peer.account != g.owner_id else ""
                warn.append(
                    SnapshotWarning(
                        "UNRESOLVED_GROUP",
                        f"{g.group_id} references {peer.group_id}{where}, which is not in the snapshot: "
                        "the rule matches nothing",
                        None,
                        g.group_id,
                    )
                )
            if (
                isinstance(peer, PrefixListPeer)
                and peer.prefix_list_id not in pl_ids
                and (g.group_id, peer.prefix_list_id) not in seen
            ):
                seen.add((g.group_id, peer.prefix_list_id))
                warn.append(
                    SnapshotWarning(
                        "UNRESOLVED_PREFIX_LIST",
                        f"{g.group_id} references prefix list {peer.prefix_list_id}, "
                        "which is not in the snapshot: the rule matches nothing",
                        None,
                        g.group_id,
                    )
                )
    for eni in enis.values():
        missing = [gid for gid in eni.group_ids if gid not in group_ids]
        if missing:
            warn.append(
                SnapshotWarning(
                    "UNRESOLVED_GROUP",
                    f"{eni.eni_id} is attached to {', '.join(missing)}, not in the snapshot: "
                    "no rules from it",
                    None,
                    eni.eni_id,
                )
            )
    return Snapshot.create(
        vpcs=out.vpcs,
        subnets=out.subnets,
        interfaces=enis.values(),
        instances=out.instances,
        security_groups=out.security_groups,
        network_acls=acls,
        route_tables=out.route_tables,
        internet_gateways=out.internet_gateways,
        nat_gateways=out.nat_gateways,
        elastic_ips=out.elastic_ips,
        prefix_lists=pls,
        peerings=out.peerings,
        warnings=warn,
        not_modelled=out.not_modelled,
    )


def _with_v6_star(acl: NetworkAcl, direction: Direction) -> tuple[NetworkAclEntry, ...]:
    entries = acl.entries(direction)
    if any(e.rule_number == DEFAULT_DENY_V6 for e in entries):
        return entries
    star = NetworkAclEntry(acl.acl_id, DEFAULT_DENY_V6, direction, RuleAction.DENY, -1, WORLD_V6)
    return tuple(sorted((*entries, star), key=lambda e: e.rule_number))
