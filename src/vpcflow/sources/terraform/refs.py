"""Recovering values unknown at plan time from the configuration's references.

A planned attribute that depends on a resource created by the same plan (a subnet's ``vpc_id``, an
instance's ``vpc_security_group_ids``) is omitted from ``after`` and marked in ``after_unknown``; the
configuration still says what it refers to: ``aws_vpc.main.id`` (TF ≥ 0.13) or just ``aws_vpc.main``
(TF 0.12), ``var.x`` (through the parent's module call, or the root variables), ``module.m.out``
(through the child's output), with ``count.index``/``each.key`` meaning "the instance with my index".
References resolve to the ids the snapshot gives those resources (known, or synthetic from the address);
what cannot be followed (``local.*``, functions of unknown values) is reported as a problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from vpcflow.sources.iac.builder import DescribeBuilder, slug
from vpcflow.sources.terraform.plan import Instance, Json, Key, ModulePath, TfDocument

_TOKEN = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)|\[(?:"((?:[^"\\]|\\.)*)"|(\d+)|(\*))\]|(\.)')

# resource type → the prefix of the ids AWS gives it (synthetic ids use the same prefix)
ID_PREFIX: dict[str, str] = {
    "aws_vpc": "vpc",
    "aws_default_vpc": "vpc",
    "aws_subnet": "subnet",
    "aws_default_subnet": "subnet",
    "aws_security_group": "sg",
    "aws_network_acl": "acl",
    "aws_route_table": "rtb",
    "aws_internet_gateway": "igw",
    "aws_egress_only_internet_gateway": "eigw",
    "aws_nat_gateway": "nat",
    "aws_instance": "i",
    "aws_network_interface": "eni",
    "aws_eip": "eipalloc",
    "aws_vpc_peering_connection": "pcx",
    "aws_flow_log": "fl",
    "aws_security_group_rule": "sgr",
    "aws_vpc_security_group_ingress_rule": "sgr",
    "aws_vpc_security_group_egress_rule": "sgr",
    "aws_vpc_endpoint": "vpce",
    "aws_vpn_gateway": "vgw",
    "aws_ec2_transit_gateway": "tgw",
    "aws_ec2_managed_prefix_list": "pl",
}

# attributes of an aws_vpc that name the objects AWS creates with it
_VPC_IMPLICIT = {
    "default_security_group_id": DescribeBuilder.default_group_id,
    "default_network_acl_id": DescribeBuilder.default_acl_id,
    "main_route_table_id": DescribeBuilder.main_route_table_id,
    "default_route_table_id": DescribeBuilder.main_route_table_id,
}

_CONTEXT_ROOTS = frozenset({"count", "each", "path", "terraform", "self"})


@dataclass
class Resolution:
    values: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, other: Resolution) -> None:
        self.values.extend(other.values)
        self.problems.extend(other.problems)


@dataclass(frozen=True)
class Ctx:
    module: ModulePath
    index: Key
    has_index: bool


@dataclass(frozen=True)
class Index:
    """``[0]`` or ``["key"]`` in a traversal."""

    key: str | int


Part = str | Index


@lru_cache(maxsize=16384)
def _parse_ref(ref: str) -> tuple[Part, ...] | None:
    parts = parse_ref_uncached(ref)
    return tuple(parts) if parts is not None else None


def parse_ref(ref: str) -> list[Part] | None:
    parsed = _parse_ref(ref)
    return list(parsed) if parsed is not None else None


def parse_ref_uncached(ref: str) -> list[Part] | None:
    """``aws_subnet.public[0].id`` → ["aws_subnet", "public", Index(0), "id"]; a splat ``[*]`` is
    dropped (the attribute then applies to every instance)."""
    out: list[Part] = []
    pos = 0
    for m in _TOKEN.finditer(ref):
        if m.start() != pos:
            return None
        pos = m.end()
        if m.group(1) is not None:
            out.append(m.group(1))
        elif m.group(2) is not None:
            out.append(Index(m.group(2)))
        elif m.group(3) is not None:
            out.append(Index(int(m.group(3))))
    return out if pos == len(ref) else None


def flatten(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, list | tuple):
            out.extend(flatten(v))
        else:
            out.append(v)
    return out


class Resolver:
    def __init__(self, doc: TfDocument, builder: DescribeBuilder) -> None:
        self.doc = doc
        self.b = builder
        self.by_block: dict[tuple[ModulePath, str], list[Instance]] = {}
        for inst in [*doc.instances, *doc.data]:
            self.by_block.setdefault((inst.module, inst.config_address), []).append(inst)
        self._ids: dict[str, str] = {}
        self._depth = 0

    # -- ids ------------------------------------------------------------------------------------

    def id_of(self, inst: Instance) -> str:
        cached = self._ids.get(inst.address)
        if cached is not None:
            return cached
        rid = self._id_of(inst)
        self._ids[inst.address] = rid
        return rid

    def _id_of(self, inst: Instance) -> str:
        known = inst.values.get("id")
        if isinstance(known, str) and known and not inst.is_unknown("id"):
            if inst.type not in ("aws_default_security_group", "aws_default_network_acl"):
                return known
            return known
        if inst.type == "aws_default_security_group":
            vpc = self.one(inst, "vpc_id")
            if vpc is not None:
                return DescribeBuilder.default_group_id(vpc)
        elif inst.type == "aws_default_network_acl":
            acl = self.one(inst, "default_network_acl_id", default_attr="default_network_acl_id")
            if acl is not None:
                return acl
        elif inst.type == "aws_default_route_table":
            rtb = self.one(inst, "default_route_table_id", default_attr="default_route_table_id")
            if rtb is not None:
                return rtb
        prefix = ID_PREFIX.get(inst.type, inst.type.removeprefix("aws_").replace("_", "-"))
        return self.b.synthetic_id(prefix, self.short_address(inst))

    @staticmethod
    def short_address(inst: Instance) -> str:
        """``module.sg["a"].aws_security_group.bad`` → ``sg.a.bad``; ``aws_subnet.public[0]`` →
        ``public.0``."""
        parts: list[str] = []
        for name, key in inst.module:
            parts.append(name if key is None else f"{name}.{key}")
        parts.append(inst.name if inst.index is None else f"{inst.name}.{inst.index}")
        if inst.mode == "data":
            parts.insert(0, "data")
        return slug(".".join(parts))

    def one(self, inst: Instance, attr: str, default_attr: str = "id") -> str | None:
        """A scalar string attribute: known, or resolved to exactly one value (else None)."""
        value = inst.values.get(attr)
        if isinstance(value, str) and value and not inst.is_unknown(attr):
            return value
        res = self.resolve(inst, (attr,), default_attr)
        vals = [v for v in flatten(res.values) if isinstance(v, str) and v]
        uniq = list(dict.fromkeys(vals))
        return uniq[0] if len(uniq) == 1 else None

    # -- configuration --------------------------------------------------------------------------

    def expression(self, inst: Instance, path: tuple[str | int, ...]) -> Any:
        """The configuration expression at ``path`` (attribute, then block index and attribute)."""
        if inst.config is None:
            return None
        node: Any = inst.config.get("expressions")
        for step in path:
            if isinstance(step, int):
                node = node[step] if isinstance(node, list) and step < len(node) else None
            else:
                node = node.get(step) if isinstance(node, dict) else None
            if node is None:
                return None
        return node

    def resolve(self, inst: Instance, path: tuple[str | int, ...], default_attr: str = "id") -> Resolution:
        """What the configuration expression at ``path`` evaluates to, as far as it can be followed."""
        expr = self.expression(inst, path)
        attr = ".".join(str(p) for p in path)
        if expr is None:
            return Resolution(
                problems=[f"{inst.address}.{attr}: not known before apply and not set in configuration"]
            )
        ctx = Ctx(inst.module, inst.index, inst.index is not None)
        res = self.eval(expr, ctx, default_attr)
        res.problems = [f"{inst.address}.{attr}: {p}" for p in res.problems]
        return res

    def eval(self, expr: Any, ctx: Ctx, default_attr: str) -> Resolution:
        if not isinstance(expr, dict):
            return Resolution(problems=["a nested block, not a value"])
        if "constant_value" in expr:
            return Resolution([expr["constant_value"]])
        refs = expr.get("references")
        if not refs:
            return Resolution(problems=["an expression with no literal value and no reference"])
        return self.refs(refs, ctx, default_attr)

    def refs(self, refs: list[Any], ctx: Ctx, default_attr: str) -> Resolution:
        parsed = [(r, parse_ref(r)) for r in refs if isinstance(r, str)]
        uses_index = any(r in ("count.index", "each.key", "each.value") for r, _p in parsed)
        texts = [r for r, p in parsed if p]
        # TF >= 0.13 lists "a.b.id" and "a.b": keep the longest of each traversal
        kept = [r for r in texts if not any(o != r and o.startswith(r) and o[len(r)] in ".[" for o in texts)]
        out = Resolution()
        if self._depth > 40:
            out.problems.append("references nest too deep")
            return out
        self._depth += 1
        try:
            for text in kept:
                parts = parse_ref(text) or []
                root = parts[0]
                if root in _CONTEXT_ROOTS:
                    if root in ("count", "each"):
                        continue
                    else:
                        out.problems.append(f"{text} is not followed")
                    continue
                if root == "var" and len(parts) >= 2:
                    out.add(self._var(str(parts[1]), parts[2:], ctx, default_attr))
                elif root == "local" and len(parts) >= 2 and str(parts[1]) in self.doc.locals:
                    sub = self.eval(self.doc.locals[str(parts[1])], ctx, default_attr)
                    sub.values = [_navigate(v, parts[2:]) for v in sub.values]
                    out.add(sub)
                elif root == "local":
                    out.problems.append(f"{text}: local values are not in the plan's configuration")
                elif root == "module" and len(parts) >= 3:
                    out.add(self._module(parts[1:], ctx, uses_index, default_attr))
                elif root == "data" and len(parts) >= 3:
                    block = f"data.{parts[1]}.{parts[2]}"
                    out.add(self._resource(block, parts[3:], ctx, uses_index, default_attr))
                elif isinstance(root, str) and len(parts) >= 2 and isinstance(parts[1], str):
                    out.add(
                        self._resource(f"{parts[0]}.{parts[1]}", parts[2:], ctx, uses_index, default_attr)
                    )
                else:
                    out.problems.append(f"{text} is not followed")
        finally:
            self._depth -= 1
        if not out.values and not out.problems:
            out.problems.append("references resolve to nothing")
        return out

    def _var(self, name: str, rest: list[Part], ctx: Ctx, default_attr: str) -> Resolution:
        if not ctx.module:
            if name in self.doc.variables:
                return Resolution([_navigate(self.doc.variables[name], rest)])
            return Resolution(problems=[f"var.{name} has no value in the plan"])
        parent = ctx.module[:-1]
        call_name, key = ctx.module[-1]
        module = self.doc.config_modules.get(tuple(n for n, _k in parent)) or {}
        call = (module.get("module_calls") or {}).get(call_name) or {}
        expr = (call.get("expressions") or {}).get(name)
        if expr is None:
            child = call.get("module") or {}
            var = (child.get("variables") or {}).get(name) or {}
            if "default" in var:
                return Resolution([_navigate(var["default"], rest)])
            return Resolution(problems=[f"var.{name} is not set by module.{call_name}"])
        res = self.eval(expr, Ctx(parent, key, key is not None), default_attr)
        if rest:
            res.values = [_navigate(v, rest) for v in res.values]
        return res

    def _module(self, parts: list[Part], ctx: Ctx, uses_index: bool, default_attr: str) -> Resolution:
        name = str(parts[0])
        rest = parts[1:]
        key: Key = None
        explicit = False
        if rest and isinstance(rest[0], Index):
            key, rest, explicit = rest[0].key, rest[1:], True
        if not rest or not isinstance(rest[0], str):
            return Resolution(problems=[f"module.{name}: a whole module is not a value"])
        output = str(rest[0])
        instances = sorted(
            (p for p in self.doc.module_instances if p[:-1] == ctx.module and p[-1][0] == name),
            key=lambda p: str(p[-1][1]),
        )
        if explicit:
            instances = [p for p in instances if p[-1][1] == key]
        elif uses_index and ctx.has_index:
            same = [p for p in instances if p[-1][1] == ctx.index]
            instances = same or instances
        child = self.doc.config_modules.get((*tuple(n for n, _k in ctx.module), name)) or {}
        out_expr = ((child.get("outputs") or {}).get(output) or {}).get("expression")
        if out_expr is None:
            return Resolution(problems=[f"module.{name}.{output}: no such output in the configuration"])
        if not instances:
            instances = [(*ctx.module, (name, None))]
        res = Resolution()
        for path in instances:
            k = path[-1][1]
            sub = self.eval(out_expr, Ctx(path, k, k is not None), default_attr)
            if rest[1:]:
                sub.values = [_navigate(v, rest[1:]) for v in sub.values]
            res.add(sub)
        return res

    def _resource(
        self, block: str, rest: list[Part], ctx: Ctx, uses_index: bool, default_attr: str
    ) -> Resolution:
        targets = self.by_block.get((ctx.module, block), [])
        if rest and isinstance(rest[0], Index):
            key = rest[0].key
            targets = [t for t in targets if t.index == key]
            rest = rest[1:]
        elif uses_index and ctx.has_index and len(targets) > 1:
            same = [t for t in targets if t.index == ctx.index]
            targets = same or targets
        if not targets:
            return Resolution(problems=[f"{block} is not in the plan (deleted, or not created by it)"])
        attr: list[Part] = list(rest) if rest and isinstance(rest[0], str) else [default_attr]
        res = Resolution()
        for t in sorted(targets, key=lambda t: str(t.index)):
            res.add(self.attribute(t, attr))
        return res

    def attribute(self, target: Instance, attr: list[Part]) -> Resolution:
        name = str(attr[0])
        if name == "id":
            return Resolution([self.id_of(target)])
        if target.type in ("aws_vpc", "aws_default_vpc") and name in _VPC_IMPLICIT:
            return Resolution([_VPC_IMPLICIT[name](self.id_of(target))])
        if target.type == "aws_eip" and name == "allocation_id":
            return Resolution([self.id_of(target)])
        if name == "arn" and target.values.get("arn") is None:
            return Resolution([self.id_of(target)])
        if name in target.values and not target.is_unknown(name) and target.values[name] is not None:
            return Resolution([_navigate(target.values[name], attr[1:])])
        if target.config is not None and name in (target.config.get("expressions") or {}):
            return self.resolve(
                target, (name,), "id" if name.endswith("_id") or name.endswith("_ids") else name
            )
        return Resolution(problems=[f"{target.address}.{name} is not known before apply"])


def _navigate(value: Any, rest: list[Part]) -> Any:
    for step in rest:
        key = step.key if isinstance(step, Index) else step
        if isinstance(value, dict) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return None
    return value


__all__ = ["ID_PREFIX", "Json", "Resolution", "Resolver", "flatten", "parse_ref"]
