"""What every resource parser shares: the context it writes into and typed accessors that fail loudly.

Raw AWS JSON is untyped; these helpers index *required* keys (a missing one is an error naming the file and
JSON path) and use ``.get`` only for documented optional keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from vpcflow.errors import SnapshotError
from vpcflow.model import (
    Address,
    Cidr,
    ElasticIp,
    Instance,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    PrefixList,
    ProtocolError,
    RouteTable,
    SecurityGroup,
    SnapshotWarning,
    Subnet,
    Vpc,
    VpcPeeringConnection,
    parse_protocol,
)

Json = dict[str, Any]


@dataclass
class Collected:
    """Everything parsed so far, before cross-references are resolved."""

    vpcs: list[Vpc] = field(default_factory=list)
    subnets: list[Subnet] = field(default_factory=list)
    interfaces: dict[str, NetworkInterface] = field(default_factory=dict)
    instance_interfaces: dict[str, NetworkInterface] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    security_groups: list[SecurityGroup] = field(default_factory=list)
    network_acls: list[NetworkAcl] = field(default_factory=list)
    route_tables: list[RouteTable] = field(default_factory=list)
    internet_gateways: list[InternetGateway] = field(default_factory=list)
    nat_gateways: list[NatGateway] = field(default_factory=list)
    elastic_ips: list[ElasticIp] = field(default_factory=list)
    prefix_lists: list[PrefixList] = field(default_factory=list)
    prefix_list_entries: dict[str, list[Cidr]] = field(default_factory=dict)
    peerings: list[VpcPeeringConnection] = field(default_factory=list)
    warnings: list[SnapshotWarning] = field(default_factory=list)
    not_modelled: dict[str, int] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # (account, region) → keys seen, for `snapshot info`
    scopes: dict[tuple[str | None, str | None], int] = field(default_factory=dict)


@dataclass
class Ctx:
    """Where the items being parsed come from, and where results go."""

    source: str
    out: Collected
    account: str | None = None
    region: str | None = None

    def fail(self, path: str, message: str) -> SnapshotError:
        return SnapshotError(message, source=self.source, path=path)

    def warn(self, code: str, message: str, path: str | None = None, resource_id: str | None = None) -> None:
        where = f"{self.source}: {path}" if path else self.source
        self.out.warnings.append(SnapshotWarning(code, message, where, resource_id))

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
        if not isinstance(value, str):
            raise self.fail(f"{path}.{key}", f"expected a string, found {value!r}")
        return value

    def opt_str(self, item: Json, key: str, path: str) -> str | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{path}.{key}", f"expected a string, found {value!r}")
        return value

    def opt_list(self, item: Json, key: str, path: str) -> list[Any]:
        value = item.get(key)
        if value is None:
            return []
        return self.list_(value, f"{path}.{key}")

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
            return Cidr.parse(value)
        except ValueError:
            raise self.fail(path, f"invalid CIDR {value!r}") from None

    def address(self, value: Any, path: str) -> Address:
        if not isinstance(value, str):
            raise self.fail(path, f"expected an IP address string, found {value!r}")
        try:
            return Address.parse(value)
        except ValueError:
            raise self.fail(path, f"invalid IP address {value!r}") from None

    def protocol(self, value: Any, path: str) -> int:
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


class ResourceParser(Protocol):
    """One AWS resource family: the top-level key it owns and how to parse its items."""

    @property
    def key(self) -> str: ...

    def parse(self, items: list[Any], ctx: Ctx) -> None: ...


@dataclass(frozen=True)
class FunctionParser:
    key: str
    fn: Callable[[list[Any], Ctx], None]

    def parse(self, items: list[Any], ctx: Ctx) -> None:
        self.fn(items, ctx)
