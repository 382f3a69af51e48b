"""Reading ``terraform show -json`` output (a plan or a state) into resource instances.

A plan (``format_version`` 0.1 … 1.x) gives each managed resource's planned values in
``resource_changes[].change.after`` with ``after_unknown`` marking what is computed at apply, and the
configuration each came from; a state gives ``values.root_module`` with every value known. Instances to
be deleted or forgotten leave the network; existing ones come from ``prior_state``.
https://developer.hashicorp.com/terraform/internals/json-format
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from vpcflow.errors import SnapshotError
from vpcflow.model import Origin
from vpcflow.model.origin import TERRAFORM_HCL, TERRAFORM_PLAN, TERRAFORM_STATE

Json = dict[str, Any]
Key = str | int | None
ModulePath = tuple[tuple[str, Key], ...]

_MODULE = re.compile(r'module\.([A-Za-z0-9_-]+)(?:\[(?:"((?:[^"\\]|\\.)*)"|(\d+))\])?\.')
_INDEX = re.compile(r'\[(?:"((?:[^"\\]|\\.)*)"|(\d+))\]$')

SUPPORTED_MAJOR = ("0", "1")


@dataclass
class Instance:
    """One resource instance (``aws_subnet.public[0]``), with what is known and how it was configured."""

    address: str
    module: ModulePath
    mode: str  # managed | data
    type: str
    name: str
    index: Key
    values: Json
    unknown: Any  # after_unknown: True, or a tree mirroring values with True at unknown leaves
    origin: Origin
    json_path: str
    config: Json | None = None

    @property
    def module_key(self) -> str:
        return module_address(self.module)

    @property
    def config_address(self) -> str:
        """The address of the configuration block (no module path, no index)."""
        return f"{'data.' if self.mode == 'data' else ''}{self.type}.{self.name}"

    def is_unknown(self, attr: str) -> bool:
        u = self.unknown
        if u is True:
            return True
        if isinstance(u, dict):
            return _any_true(u.get(attr))
        return False


def _any_true(u: Any) -> bool:
    if u is True:
        return True
    if isinstance(u, dict):
        return any(_any_true(v) for v in u.values())
    if isinstance(u, list):
        return any(_any_true(v) for v in u)
    return False


def module_address(path: ModulePath) -> str:
    parts = []
    for name, key in path:
        if key is None:
            parts.append(f"module.{name}")
        elif isinstance(key, int):
            parts.append(f"module.{name}[{key}]")
        else:
            parts.append(f'module.{name}["{key}"]')
    return ".".join(parts)


def parse_module_path(address: str) -> tuple[ModulePath, str]:
    """``module.a["k"].module.b[0].aws_x.y[1]`` → ((("a", "k"), ("b", 0)), "aws_x.y[1]")."""
    path: list[tuple[str, Key]] = []
    pos = 0
    while True:
        m = _MODULE.match(address, pos)
        if not m:
            break
        key: Key = m.group(2) if m.group(2) is not None else (int(m.group(3)) if m.group(3) else None)
        path.append((m.group(1), key))
        pos = m.end()
    return tuple(path), address[pos:]


def split_index(rest: str) -> tuple[str, Key]:
    m = _INDEX.search(rest)
    if not m:
        return rest, None
    key: Key = m.group(1) if m.group(1) is not None else int(m.group(2))
    return rest[: m.start()], key


class LineIndex:
    """Line numbers of resources in JSON text: terraform writes one line, but hand-written or
    pretty-printed plans have many."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [i for i, c in enumerate(text) if c == "\n"] if "\n" in text else []
        self.pos = 0

    def line_of(self, offset: int) -> int:
        return bisect_right(self.newlines, offset) + 1

    def next_key_value(self, key: str, value: str) -> int | None:
        """Line of the next ``"key": "value"`` after the last one found (addresses come in order)."""
        pattern = re.compile(rf'"{re.escape(key)}"\s*:\s*{re.escape(_json_str(value))}')
        m = pattern.search(self.text, self.pos)
        if m is None:
            m = pattern.search(self.text)
            if m is None:
                return None
        self.pos = m.end()
        return self.line_of(m.start())


def _json_str(value: str) -> str:
    return json.dumps(value)


@dataclass
class TfDocument:
    """A plan or state, as instances and the configuration they came from."""

    file: str
    kind: str  # terraform-plan | terraform-state | terraform-hcl
    instances: list[Instance] = field(default_factory=list)
    data: list[Instance] = field(default_factory=list)
    # module config path (names) → the module's configuration object
    config_modules: dict[tuple[str, ...], Json] = field(default_factory=dict)
    variables: Json = field(default_factory=dict)
    # module instance paths that exist (for module.x outputs over every instance)
    module_instances: set[ModulePath] = field(default_factory=set)
    deleted: list[str] = field(default_factory=list)
    # HCL only: ``locals`` expressions (plans do not carry them)
    locals: Json = field(default_factory=dict)
    _config_index: dict[tuple[str, ...], dict[str, Json]] = field(default_factory=dict)


def check_version(doc: Json, file: str) -> None:
    version = doc.get("format_version")
    if not isinstance(version, str) or not re.fullmatch(r"\d+\.\d+(\.\d+)?", version):
        raise SnapshotError(
            f'expected a format_version string such as "1.2", found {version!r}',
            source=file,
            path="$.format_version",
        )
    if version.split(".")[0] not in SUPPORTED_MAJOR:
        raise SnapshotError(
            f"unsupported Terraform JSON format_version {version} (expected 0.x or 1.x)",
            source=file,
            path="$.format_version",
        )


def _obj(value: Any, file: str, path: str) -> Json:
    if not isinstance(value, dict):
        raise SnapshotError(f"expected an object, found {type(value).__name__}", source=file, path=path)
    return value


def _list(value: Any, file: str, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SnapshotError(f"expected a list, found {type(value).__name__}", source=file, path=path)
    return value


def _walk_modules(module: Json, file: str, path: str, prefix: str = "") -> Iterator[tuple[Json, str]]:
    """Every resource of a ``root_module`` and its ``child_modules``, with its JSON path. (TF 0.12
    states write child resources' addresses without their module: the module's address is added.)"""
    for i, r in enumerate(_list(module.get("resources"), file, f"{path}.resources")):
        item = _obj(r, file, f"{path}.resources[{i}]")
        address = item.get("address")
        if prefix and isinstance(address, str) and not address.startswith("module."):
            item = {**item, "address": f"{prefix}.{address}"}
        yield item, f"{path}.resources[{i}]"
    for j, child in enumerate(_list(module.get("child_modules"), file, f"{path}.child_modules")):
        cp = f"{path}.child_modules[{j}]"
        child = _obj(child, file, cp)
        address = child.get("address")
        yield from _walk_modules(child, file, cp, address if isinstance(address, str) else prefix)


def _config_modules(module: Json, names: tuple[str, ...], out: dict[tuple[str, ...], Json]) -> None:
    out[names] = module
    for name, call in (module.get("module_calls") or {}).items():
        if isinstance(call, dict) and isinstance(call.get("module"), dict):
            _config_modules(call["module"], (*names, name), out)


def _instance(r: Json, file: str, path: str, kind: str, lines: LineIndex | None, values_key: str) -> Instance:
    address = r.get("address")
    if not isinstance(address, str) or not address:
        raise SnapshotError("missing required key 'address'", source=file, path=path)
    module, rest = parse_module_path(address)
    rtype = r.get("type")
    name = r.get("name")
    if not isinstance(rtype, str) or not isinstance(name, str):
        raise SnapshotError(f"{address}: missing 'type' or 'name'", source=file, path=path)
    mode = r.get("mode") or ("data" if rest.startswith("data.") else "managed")
    index = r.get("index")
    if index is None:
        index = split_index(rest)[1]
    line = lines.next_key_value("address", address) if lines is not None else None
    values = r.get(values_key)
    return Instance(
        address,
        module,
        str(mode),
        rtype,
        name,
        index if isinstance(index, int | str) else None,
        values if isinstance(values, dict) else {},
        False,
        Origin(kind, address, rtype, file, line),
        f"{path}.{values_key}",
    )


def read(doc: Json, file: str, text: str) -> TfDocument:
    """A ``terraform show -json`` document → instances (planned or existing) and their configuration."""
    check_version(doc, file)
    is_plan = "planned_values" in doc or "resource_changes" in doc
    kind = TERRAFORM_PLAN if is_plan else TERRAFORM_STATE
    out = TfDocument(file, kind)
    lines = LineIndex(text) if "\n" in text else None
    config = doc.get("configuration")
    if isinstance(config, dict) and isinstance(config.get("root_module"), dict):
        _config_modules(config["root_module"], (), out.config_modules)
    variables = doc.get("variables")
    if isinstance(variables, dict):
        out.variables = {k: v.get("value") for k, v in variables.items() if isinstance(v, dict)}
    seen: set[str] = set()
    if is_plan:
        changes = _list(doc.get("resource_changes"), file, "$.resource_changes")
        for i, raw in enumerate(changes):
            path = f"$.resource_changes[{i}]"
            rc = _obj(raw, file, path)
            change = _obj(rc.get("change"), file, f"{path}.change")
            actions = change.get("actions")
            if not isinstance(actions, list) or not actions:
                raise SnapshotError(
                    f"{rc.get('address')}: expected change.actions, a non-empty list", source=file, path=path
                )
            inst = _instance(rc, file, path, kind, lines, "change")
            seen.add(inst.address)
            if inst.mode == "data":
                continue
            if actions in (["delete"], ["forget"]) or change.get("after") is None:
                # the object leaves the network with this plan
                out.deleted.append(inst.address)
                continue
            after = change.get("after")
            inst.values = after if isinstance(after, dict) else {}
            inst.unknown = change.get("after_unknown") or {}
            inst.json_path = f"{path}.change.after"
            out.instances.append(inst)
        planned = doc.get("planned_values")
        if isinstance(planned, dict) and isinstance(planned.get("root_module"), dict):
            for r, path in _walk_modules(planned["root_module"], file, "$.planned_values.root_module"):
                if r.get("address") in seen:
                    continue
                inst = _instance(r, file, path, kind, None, "values")
                seen.add(inst.address)
                (out.data if inst.mode == "data" else out.instances).append(inst)
        prior = doc.get("prior_state")
        root = prior.get("values", {}).get("root_module") if isinstance(prior, dict) else None
        if isinstance(root, dict):
            for r, path in _walk_modules(root, file, "$.prior_state.values.root_module"):
                address = r.get("address")
                if address in seen or address in out.deleted:
                    continue
                inst = _instance(r, file, path, TERRAFORM_STATE, None, "values")
                seen.add(inst.address)
                (out.data if inst.mode == "data" else out.instances).append(inst)
    else:
        values = doc.get("values")
        root = values.get("root_module") if isinstance(values, dict) else None
        if isinstance(root, dict):
            for r, path in _walk_modules(root, file, "$.values.root_module"):
                inst = _instance(r, file, path, kind, lines, "values")
                (out.data if inst.mode == "data" else out.instances).append(inst)
    for inst in [*out.instances, *out.data]:
        inst.config = config_of(out, inst)
        for n in range(1, len(inst.module) + 1):
            out.module_instances.add(inst.module[:n])
    return out


def config_of(doc: TfDocument, inst: Instance) -> Json | None:
    names = tuple(name for name, _k in inst.module)
    index = doc._config_index.get(names)
    if index is None:
        module = doc.config_modules.get(names) or {}
        index = {
            r["address"]: r
            for r in module.get("resources") or ()
            if isinstance(r, dict) and isinstance(r.get("address"), str)
        }
        doc._config_index[names] = index
    return index.get(inst.config_address)


__all__ = [
    "TERRAFORM_HCL",
    "Instance",
    "Key",
    "ModulePath",
    "TfDocument",
    "module_address",
    "parse_module_path",
    "read",
    "split_index",
]
