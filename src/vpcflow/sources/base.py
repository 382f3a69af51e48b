"""What every resource parser shares: the context it writes into and typed accessors that fail loudly.

Raw AWS JSON is untyped; these helpers index *required* keys (a missing one is an error naming the file,
JSON path and the resource being read) and use ``.get`` only for documented optional keys. A parser is one
module holding one or more ``FunctionParser(key, fn)`` values; the registry (``vpcflow.sources.registry``)
lists them. Each parser starts an item with ``ctx.begin(raw, path, id_key)``: from then on every error
names that resource's id (``file: at $.SecurityGroups[3].IpPermissions[0].FromPort: sg-0abc: ...``).
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
    FlowLog,
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
    VpcEndpointServiceConfiguration,
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


def show(value: Any, limit: int = 60) -> str:
    """``repr`` of a scalar from the input, cut to ``limit`` characters: one line, whatever it holds (a
    container is named, never printed: it may be nested deeper than ``repr`` can go)."""
    if isinstance(value, dict | list):
        return json_kind(value)
    try:
        text = repr(value)
    except ValueError:  # an integer beyond Python's digit limit
        return "a number too long to print"
    return text if len(text) <= limit else f"{text[: limit - 5]}…{text[-4:]}"


def printable(text: str) -> str:
    """An id or name from the input, safe on one line (control characters escaped as in ``repr``)."""
    return text if text.isprintable() else repr(text)[1:-1]


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
    flow_logs: dict[str, FlowLog] = field(default_factory=dict)
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
    endpoint_services: dict[str, VpcEndpointServiceConfiguration] = field(default_factory=dict)
    direct_connect_gateways: dict[str, DirectConnectGateway] = field(default_factory=dict)
    direct_connect_gateway_associations: list[DirectConnectGatewayAssociation] = field(default_factory=list)
    virtual_interfaces: dict[str, VirtualInterface] = field(default_factory=dict)
    warnings: list[SnapshotWarning] = field(default_factory=list)
    # (kind, resource id) → "file: $.path" of the item it was first read from (warnings point at it)
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    # (resource id, referenced id) → "file: $.path" of the reference (an association, a route target)
    references: dict[tuple[str, str], str] = field(default_factory=dict)
    # resource id → why the snapshot contradicts itself about it (Snapshot.contradictions)
    contradictions: dict[str, str] = field(default_factory=dict)
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

    def contradiction(self, rid: str, reason: str) -> None:
        """Record why the snapshot contradicts itself about ``rid`` (reasons accumulate)."""
        old = self.contradictions.get(rid)
        self.contradictions[rid] = reason if old is None or reason in old else f"{old}; {reason}"


@dataclass
class Ctx:
    """Where the items being parsed come from, and where results go."""

    source: str
    out: Collected
    account: str | None = None
    region: str | None = None
    # the id of the resource being read: every error names it
    resource: str | None = None

    def fail(self, path: str, message: str) -> SnapshotError:
        return SnapshotError(message, source=self.source, path=path, resource_id=self.resource)

    def where(self, path: str) -> str:
        return f"{self.source}: {path}"

    @contextmanager
    def about(self, resource_id: str) -> Iterator[None]:
        """Errors raised while parsing the resource ``resource_id`` name it (like ``begin``, as a block)."""
        outer, self.resource = self.resource, resource_id
        try:
            yield
        except SnapshotError as exc:
            if exc.resource_id is not None:
                raise
            raise SnapshotError(
                exc.detail, source=exc.source, path=exc.path, resource_id=resource_id
            ) from None
        finally:
            self.resource = outer

    def warn(self, code: str, message: str, path: str | None = None, resource_id: str | None = None) -> None:
        where = f"{self.source}: {path}" if path else self.source
        self.out.warnings.append(SnapshotWarning(code, message, where, resource_id))

    def contradict(self, code: str, rid: str, reason: str, path: str) -> None:
        """A resource the snapshot contradicts itself about: warned, and recorded so that answers
        depending on it are UNKNOWN (``Snapshot.contradictions``)."""
        self.warn(code, f"{reason}: answers that depend on {rid} are UNKNOWN", path, rid)
        self.out.contradiction(rid, reason)

    def begin(self, raw: Any, path: str, id_key: str) -> tuple[Json, str]:
        """Start reading one resource: the item as an object and its id, which later errors name."""
        self.resource = None
        item = self.obj(raw, path)
        rid = self.str_(item, id_key, path)
        self.resource = rid
        return item, rid

    def refer(self, rid: str, ref: str, path: str) -> None:
        """Remember where ``rid`` names ``ref`` (an association, a route target) for dangling warnings."""
        self.out.references.setdefault((rid, ref), self.where(path))

    def keep(self, registry: dict[K, T], rid: K, value: T, path: str, kind: str) -> None:
        """Add a resource. The same id again with identical content is the same resource (a snapshot
        may hold it twice, e.g. a peering seen from both accounts). With different content the snapshot
        contradicts itself: the first one read stays in the model, the id is recorded as a
        contradiction (answers that depend on it are UNKNOWN) and a ``DUPLICATE_ID`` warning names both
        places. AWS ids are unique across accounts and regions, so no scope makes two of them legitimate.
        A ``(parent, id)`` key names the resource by its id, after its parent."""
        where = self.where(path)
        rid_text = rid if isinstance(rid, str) else rid[1]
        name = rid if isinstance(rid, str) else f"{rid[1]} (of {rid[0]})"
        old = registry.get(rid)
        if old is None:
            registry[rid] = value
            self.out.origins.setdefault((kind, name), where)
        elif old != value:
            first = self.out.origins.get((kind, name), "an earlier item")
            reason = f"{kind} {name} is read twice with different content ({first} and {where})"
            self.out.contradiction(rid_text, reason)
            self.warn(
                "DUPLICATE_ID",
                f"{reason}; the model holds the first, and answers that depend on {rid_text} are UNKNOWN",
                path,
                rid_text,
            )

    # -- typed accessors -----------------------------------------------------------------------

    def obj(self, value: Any, path: str) -> Json:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, found {json_kind(value)}")
        return value

    def list_(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, found {json_kind(value)}")
        return value

    def req(self, item: Json, key: str, path: str) -> Any:
        if key not in item:
            raise self.fail(path, f"missing required key {key!r}")
        return item[key]

    def str_(self, item: Json, key: str, path: str) -> str:
        value = self.req(item, key, path)
        if not isinstance(value, str) or not value:
            raise self.fail(f"{path}.{key}", f"expected a non-empty string, found {show(value)}")
        return value

    def opt_str(self, item: Json, key: str, path: str) -> str | None:
        value = item.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.fail(f"{path}.{key}", f"expected a string, found {show(value)}")
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
            raise self.fail(f"{path}.{key}", f"expected true or false, found {show(value)}")
        return value

    def int_(self, value: Any, path: str) -> int:
        # AWS writes integers, sometimes as strings; 20 digits is far beyond any field's range
        if isinstance(value, bool) or not isinstance(value, int | str) or len(str(value)) > 20:
            raise self.fail(path, f"expected an integer, found {show(value)}")
        try:
            return int(value)
        except ValueError:
            raise self.fail(path, f"expected an integer, found {show(value)}") from None

    def cidr(self, value: Any, path: str, version: int | None = None) -> Cidr:
        """A CIDR; ``version`` 4 or 6 when the field holds one family only (``CidrBlock`` vs
        ``Ipv6CidrBlock``): AWS never returns the other family there, so it is bad input."""
        if not isinstance(value, str):
            raise self.fail(path, f"expected a CIDR string, found {show(value)}")
        try:
            cidr = _parse_cidr(value)
        except ValueError:
            raise self.fail(path, f"invalid CIDR {show(value)}") from None
        if version is not None and cidr.version != version:
            raise self.fail(path, f"expected an IPv{version} CIDR, found {show(value)}")
        return cidr

    def address(self, value: Any, path: str, version: int | None = None) -> Address:
        if not isinstance(value, str):
            raise self.fail(path, f"expected an IP address string, found {show(value)}")
        try:
            addr = Address.parse(value)
        except ValueError:
            raise self.fail(path, f"invalid IP address {show(value)}") from None
        if version is not None and addr.version != version:
            raise self.fail(path, f"expected an IPv{version} address, found {show(value)}")
        return addr

    def opt_address(self, item: Json, key: str, path: str, version: int | None = None) -> Address | None:
        value = item.get(key)
        if value is None or value == "":
            return None
        return self.address(value, f"{path}.{key}", version)

    def protocol(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str) or len(str(value)) > 20:
            raise self.fail(path, f"expected a protocol name or number, found {show(value)}")
        try:
            return parse_protocol(value)
        except ProtocolError as exc:
            raise self.fail(path, str(exc)) from None


def json_kind(value: Any) -> str:
    """What a JSON value is, in JSON's words (for "expected a list, found an object")."""
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null" if value is None else "a value"
    )


def tags_of(ctx: Ctx, item: Json, path: str, key: str = "Tags") -> tuple[tuple[str, str], ...]:
    out = []
    for i, raw in enumerate(ctx.opt_list(item, key, path)):
        tp = f"{path}.{key}[{i}]"
        t = ctx.obj(raw, tp)
        out.append((ctx.str_(t, "Key", tp), ctx.opt_str(t, "Value", tp) or ""))
    return tuple(out)


def ephemeral_tag(ctx: Ctx, item: Json, path: str, key: str) -> PortRange | None:
    """The ``vpcflow:ephemeral-ports`` tag (``32768-60999``, ``windows``, ...); a bad value is an error."""
    for i, t in enumerate(ctx.opt_list(item, key, path)):
        if isinstance(t, dict) and t.get("Key") == EPHEMERAL_TAG:
            value = t.get("Value")
            where = f"{path}.{key}[{i}].Value"
            if not isinstance(value, str):
                raise ctx.fail(
                    where, f"tag {EPHEMERAL_TAG}: expected a port range string, found {show(value)}"
                )
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
