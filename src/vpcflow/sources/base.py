"""What every resource parser shares: the context it writes into and typed accessors that fail loudly.

Raw AWS JSON is untyped; these helpers index *required* keys (a missing one is an error naming the file and
JSON path) and use ``.get`` only for documented optional keys. A parser is one module holding one or more
``FunctionParser(key, fn)`` values; the registry (``vpcflow.sources.registry``) lists them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from vpcflow.errors import SnapshotError
from vpcflow.model import (
    Address,
    Cidr,
    CustomerGateway,
    DirectConnectGateway,
    DirectConnectGatewayAssociation,
    ElasticIp,
    Instance,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    PortRange,
    PrefixList,
    ProtocolError,
    RouteTable,
    SecurityGroup,
    SnapshotWarning,
    Subnet,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayPrefixListReference,
    TransitGatewayPropagation,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    VirtualInterface,
    Vpc,
    VpcAttachmentOptions,
    VpcEndpoint,
    VpcPeeringConnection,
    VpnConnection,
    VpnGateway,
    parse_port_range,
    parse_protocol,
)
from vpcflow.model.elb import (
    Attributes,
    ClassicLoadBalancer,
    Listener,
    ListenerRule,
    LoadBalancer,
    TargetGroup,
    TargetHealth,
)
from vpcflow.model.network_firewall import Firewall, FirewallPolicy, RuleGroup
from vpcflow.model.waf import IpSet, WebAcl

Json = dict[str, Any]
Scope = tuple[str | None, str | None]  # (account, region)
T = TypeVar("T")
K = TypeVar("K", str, tuple[str, str])

# Tag on an ENI (or an instance, for all its ENIs) giving the client's ephemeral port range.
EPHEMERAL_TAG = "vpcflow:ephemeral-ports"


# Snapshots repeat the same CIDRs (0.0.0.0/0, the VPC's ranges) thousands of times; Cidr values are
# frozen, so parsing each text once is safe and halves the load time of large snapshots.
_parse_cidr = lru_cache(maxsize=8192)(Cidr.parse)


@dataclass
class Collected:
    """Everything parsed so far, before cross-references are resolved. Resources are keyed by id."""

    vpcs: dict[str, Vpc] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    interfaces: dict[str, NetworkInterface] = field(default_factory=dict)
    # ENIs embedded in describe-instances output: used only where describe-network-interfaces is missing
    instance_interfaces: dict[str, NetworkInterface] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    # instance id → ephemeral range from the instance's own tag (applies to its ENIs without one)
    instance_ephemeral: dict[str, PortRange] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    network_acls: dict[str, NetworkAcl] = field(default_factory=dict)
    route_tables: dict[str, RouteTable] = field(default_factory=dict)
    internet_gateways: dict[str, InternetGateway] = field(default_factory=dict)
    nat_gateways: dict[str, NatGateway] = field(default_factory=dict)
    elastic_ips: dict[str, ElasticIp] = field(default_factory=dict)
    # the same list may come from describe-prefix-lists and describe-managed-prefix-lists: merged
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)
    prefix_list_entries: dict[str, list[Cidr]] = field(default_factory=dict)
    # lists whose entries some source supplied (even an empty list): the others are warned about
    prefix_lists_with_entries: set[str] = field(default_factory=set)
    peerings: dict[str, VpcPeeringConnection] = field(default_factory=dict)
    # transit gateways: attachments keyed by (tgw id, attachment id); a VPC attachment's subnets and
    # options (describe-transit-gateway-vpc-attachments) and peering details are merged in by `resolve`
    transit_gateways: dict[str, TransitGateway] = field(default_factory=dict)
    tgw_attachments: dict[tuple[str, str], TransitGatewayAttachment] = field(default_factory=dict)
    tgw_vpc_attachments: dict[tuple[str, str], tuple[str, VpcAttachmentOptions]] = field(default_factory=dict)
    tgw_peering_attachments: dict[str, TransitGatewayAttachment] = field(default_factory=dict)
    tgw_route_tables: dict[str, TransitGatewayRouteTable] = field(default_factory=dict)
    # per route table id: propagations, routes (with which route types the source listed), references
    tgw_propagations: dict[str, list[TransitGatewayPropagation]] = field(default_factory=dict)
    tgw_routes: dict[str, list[TransitGatewayRoute]] = field(default_factory=dict)
    tgw_route_types_listed: dict[str, set[str]] = field(default_factory=dict)
    tgw_routes_truncated: set[str] = field(default_factory=set)
    tgw_prefix_list_references: dict[str, list[TransitGatewayPrefixListReference]] = field(
        default_factory=dict
    )
    vpn_gateways: dict[str, VpnGateway] = field(default_factory=dict)
    vpn_connections: dict[str, VpnConnection] = field(default_factory=dict)
    customer_gateways: dict[str, CustomerGateway] = field(default_factory=dict)
    vpc_endpoints: dict[str, VpcEndpoint] = field(default_factory=dict)
    direct_connect_gateways: dict[str, DirectConnectGateway] = field(default_factory=dict)
    direct_connect_gateway_associations: list[DirectConnectGatewayAssociation] = field(default_factory=list)
    virtual_interfaces: dict[str, VirtualInterface] = field(default_factory=dict)
    warnings: list[SnapshotWarning] = field(default_factory=list)
    # known keys that are not parsed (not modelled, or ignored): items and the files they came from
    unparsed_counts: dict[str, int] = field(default_factory=dict)
    unparsed_sources: dict[str, list[str]] = field(default_factory=dict)
    ignored_keys: set[str] = field(default_factory=set)
    ignored_files: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # -- load balancing, Network Firewall, WAF (keyed by ARN; Classic load balancers by name) --
    load_balancers: dict[str, LoadBalancer] = field(default_factory=dict)
    listeners: dict[str, Listener] = field(default_factory=dict)
    listener_rules: dict[str, ListenerRule] = field(default_factory=dict)
    target_groups: dict[str, TargetGroup] = field(default_factory=dict)
    target_health: dict[str, dict[tuple[str, int | None], TargetHealth]] = field(default_factory=dict)
    lb_attributes: dict[str, Attributes] = field(default_factory=dict)
    tg_attributes: dict[str, Attributes] = field(default_factory=dict)
    classic_load_balancers: dict[str, ClassicLoadBalancer] = field(default_factory=dict)
    firewalls: dict[str, Firewall] = field(default_factory=dict)
    firewall_policies: dict[str, FirewallPolicy] = field(default_factory=dict)
    rule_groups: dict[str, RuleGroup] = field(default_factory=dict)
    web_acls: dict[str, WebAcl] = field(default_factory=dict)
    ip_sets: dict[str, IpSet] = field(default_factory=dict)
    waf_associations: dict[str, str] = field(default_factory=dict)  # resource ARN → web ACL ARN
    # resources a list-* call named (kind → ARN → source), warned about when never described
    listed: dict[str, dict[str, str]] = field(default_factory=dict)
    # (account, region) → top-level key → items, and → documents, for `snapshot info`
    scope_items: dict[Scope, Counter[str]] = field(default_factory=dict)
    scope_files: Counter[Scope] = field(default_factory=Counter)


@dataclass
class Ctx:
    """Where the items being parsed come from, and where results go."""

    source: str
    out: Collected
    account: str | None = None
    region: str | None = None

    def fail(self, path: str, message: str) -> SnapshotError:
        return SnapshotError(message, source=self.source, path=path)

    @contextmanager
    def about(self, resource_id: str) -> Iterator[None]:
        """Errors raised while parsing the resource ``resource_id`` name it."""
        try:
            yield
        except SnapshotError as exc:
            if exc.resource_id is not None:
                raise
            raise SnapshotError(
                exc.detail, source=exc.source, path=exc.path, resource_id=resource_id
            ) from None

    def warn(self, code: str, message: str, path: str | None = None, resource_id: str | None = None) -> None:
        where = f"{self.source}: {path}" if path else self.source
        self.out.warnings.append(SnapshotWarning(code, message, where, resource_id))

    def keep(self, registry: dict[K, T], rid: K, value: T, path: str, kind: str) -> None:
        """Add a resource; the same id seen again with different content is warned about (first kept).
        A ``(parent, id)`` key names the resource by its id, after its parent."""
        old = registry.get(rid)
        if old is None:
            registry[rid] = value
        elif old != value:
            name = rid if isinstance(rid, str) else f"{rid[1]} (of {rid[0]})"
            self.warn(
                "DUPLICATE_ID",
                f"{kind} {name} appears again with different content; the first one read is kept",
                path,
                rid if isinstance(rid, str) else rid[1],
            )

    # -- typed accessors -----------------------------------------------------------------------

    def obj(self, value: Any, path: str) -> Json:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, found {type(value).__name__}")
        return value

    def list_(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, found {type(value).__name__}")
        return value

    def req(self, item: Json, key: str, path: str) -> Any:
        if key not in item:
            raise self.fail(path, f"missing required key {key!r}")
        return item[key]

    def str_(self, item: Json, key: str, path: str) -> str:
        value = self.req(item, key, path)
        if not isinstance(value, str) or not value:
            raise self.fail(f"{path}.{key}", f"expected a non-empty string, found {value!r}")
        return value

    def opt_str(self, item: Json, key: str, path: str) -> str | None:
        value = item.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.fail(f"{path}.{key}", f"expected a string, found {value!r}")
        return value

    def opt_obj(self, item: Json, key: str, path: str) -> Json:
        value = item.get(key)
        if value is None:
            return {}
        return self.obj(value, f"{path}.{key}")

    def opt_list(self, item: Json, key: str, path: str) -> list[Any]:
        value = item.get(key)
        if value is None:
            return []
        return self.list_(value, f"{path}.{key}")

    def opt_bool(self, item: Json, key: str, path: str, default: bool) -> bool:
        value = item.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(f"{path}.{key}", f"expected true or false, found {value!r}")
        return value

    def int_(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.fail(path, f"expected an integer, found {value!r}")
        try:
            return int(value)
        except ValueError:
            raise self.fail(path, f"expected an integer, found {value!r}") from None

    def cidr(self, value: Any, path: str) -> Cidr:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a CIDR string, found {value!r}")
        try:
            return _parse_cidr(value)
        except ValueError:
            raise self.fail(path, f"invalid CIDR {value!r}") from None

    def address(self, value: Any, path: str) -> Address:
        if not isinstance(value, str):
            raise self.fail(path, f"expected an IP address string, found {value!r}")
        try:
            return Address.parse(value)
        except ValueError:
            raise self.fail(path, f"invalid IP address {value!r}") from None

    def opt_address(self, item: Json, key: str, path: str) -> Address | None:
        value = item.get(key)
        if value is None or value == "":
            return None
        return self.address(value, f"{path}.{key}")

    def protocol(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.fail(path, f"expected a protocol name or number, found {value!r}")
        try:
            return parse_protocol(value)
        except ProtocolError as exc:
            raise self.fail(path, str(exc)) from None


def tags_of(ctx: Ctx, item: Json, path: str, key: str = "Tags") -> tuple[tuple[str, str], ...]:
    out = []
    for i, t in enumerate(ctx.opt_list(item, key, path)):
        t = ctx.obj(t, f"{path}.{key}[{i}]")
        out.append((str(t.get("Key", "")), str(t.get("Value", ""))))
    return tuple(out)


def ephemeral_tag(ctx: Ctx, item: Json, path: str, key: str) -> PortRange | None:
    """The ``vpcflow:ephemeral-ports`` tag (``32768-60999``, ``windows``, ...); a bad value is an error."""
    for i, t in enumerate(ctx.opt_list(item, key, path)):
        if isinstance(t, dict) and t.get("Key") == EPHEMERAL_TAG:
            value = t.get("Value")
            where = f"{path}.{key}[{i}].Value"
            if not isinstance(value, str):
                raise ctx.fail(where, f"tag {EPHEMERAL_TAG}: expected a port range string, found {value!r}")
            try:
                return parse_port_range(value)
            except ValueError as exc:
                raise ctx.fail(where, f"tag {EPHEMERAL_TAG}: {exc}") from None
    return None


def each(ctx: Ctx, items: list[Any], key: str, id_key: str) -> Iterator[tuple[str, Json, str]]:
    """``(id, item, JSON path)`` of each item of ``$.key`` (the id is required); parse the rest of the
    item inside ``with ctx.about(id):`` so errors name it."""
    for i, raw in enumerate(items):
        path = f"$.{key}[{i}]"
        item = ctx.obj(raw, path)
        yield ctx.str_(item, id_key, path), item, path


class ResourceParser(Protocol):
    """One AWS resource family: the top-level key it owns and how to parse its items into ``ctx.out``."""

    @property
    def key(self) -> str: ...

    def parse(self, items: list[Any], ctx: Ctx) -> None: ...


@dataclass(frozen=True)
class DocumentParser:
    """A parser for single-object responses (``describe-firewall``, ``get-web-acl``, wrapped
    ``describe-target-health``, ...): it owns ``key`` and reads the sibling ``companions`` of the same
    document, which are then not dispatched on their own. ``fn`` returns the number of items read."""

    key: str
    companions: frozenset[str]
    fn: Callable[[Json, Ctx], int]

    def parse_document(self, doc: Json, ctx: Ctx) -> int:
        return self.fn(doc, ctx)


@dataclass(frozen=True)
class FunctionParser:
    """A ``ResourceParser`` made of a key and a function — what each resource module exports."""

    key: str
    fn: Callable[[list[Any], Ctx], None]

    def parse(self, items: list[Any], ctx: Ctx) -> None:
        self.fn(items, ctx)
