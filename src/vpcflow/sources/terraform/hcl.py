"""Terraform HCL files (``*.tf``, or a folder of them: one module) read as far as their literal values go.

python-hcl2 parses the files; each ``resource`` becomes instances as a plan would have them (``count`` and
``for_each`` expanded when literal), literal attributes become known values, and expressions become
configuration references — so the plan machinery recovers what it can (``var.*`` defaults, ``local.*``,
other resources' ids) and reports the rest. Module calls are not followed (their source is elsewhere):
each is reported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from vpcflow.errors import SnapshotError
from vpcflow.model import Origin
from vpcflow.model.origin import TERRAFORM_HCL
from vpcflow.sources.iac.builder import DescribeBuilder
from vpcflow.sources.terraform.hcl_eval import NotEvaluable, evaluate
from vpcflow.sources.terraform.plan import Instance, Json, Key, TfDocument

_EXPR = re.compile(r"^\$\{(.*)\}$", re.S)
_REF = re.compile(
    r"(?<![\w.\"])((?:var|local|module|data|count|each|aws_[a-z0-9_]+)"
    r"(?:\.[A-Za-z_][\w-]*|\[(?:\d+|\"[^\"]*\"|\*)\])+)"
)
_INTERP = re.compile(r"\$\{([^}]*)\}")
_UNKNOWN = object()


def _unquote(value: Any) -> Any:
    """A python-hcl2 value → the literal it is, or ``_UNKNOWN`` when it is an expression."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"' and "${" not in value:
            return value[1:-1]
        if value in ("true", "false"):
            return value == "true"
        if value == "null":
            return None
        return _UNKNOWN
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_key(k): _unquote(v) for k, v in value.items() if not str(k).startswith("__")}
    return value


def _key(k: Any) -> str:
    s = str(k)
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def _resolve_value(value: Any, names: dict[str, Any]) -> Any:
    """Like ``_unquote``, evaluating the expressions ``hcl_eval`` can (``count.index + 101``,
    ``"web-${count.index}"``, ``var.ports[count.index]``)."""
    if isinstance(value, list):
        return [_resolve_value(v, names) for v in value]
    if isinstance(value, dict):
        return {_key(k): _resolve_value(v, names) for k, v in value.items() if not str(k).startswith("__")}
    literal = _unquote(value)
    if literal is not _UNKNOWN or not isinstance(value, str):
        return literal
    full = _EXPR.match(value)
    if full and "${" not in full.group(1):
        try:
            return evaluate(full.group(1), names)
        except NotEvaluable:
            return _UNKNOWN
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        try:
            return _INTERP.sub(lambda m: str(evaluate(m.group(1), names)), value[1:-1])
        except NotEvaluable:
            return _UNKNOWN
    return _UNKNOWN


def _refs(value: Any) -> list[str]:
    text = str(value)
    return list(dict.fromkeys(m.group(1) for m in _REF.finditer(text)))


def _expression(value: Any) -> Json:
    """The configuration expression of an attribute, as ``terraform show -json`` writes it."""
    literal = _unquote(value)
    if literal is not _UNKNOWN and not _has_unknown(literal):
        return {"constant_value": literal}
    refs = _refs(value)
    return {"references": refs} if refs else {}


def _has_unknown(value: Any) -> bool:
    if value is _UNKNOWN:
        return True
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    return False


def _split(body: dict[str, Any], names: dict[str, Any]) -> tuple[Json, Json, Json]:
    """Block body → (known values, after_unknown tree, configuration expressions)."""
    values: Json = {}
    unknown: Json = {"id": True, "arn": True}
    exprs: Json = {}
    for raw_k, v in body.items():
        k = str(raw_k)
        if k.startswith("__") or k in ("count", "for_each", "depends_on", "lifecycle", "provider"):
            continue
        if isinstance(v, list) and v and all(isinstance(b, dict) and b.get("__is_block__") for b in v):
            blocks, unknowns, block_exprs = [], [], []
            for b in v:
                bv, bu, be = _split(b, names)
                bu.pop("id"), bu.pop("arn")
                blocks.append(bv)
                unknowns.append(bu)
                block_exprs.append(be)
            values[k], unknown[k], exprs[k] = blocks, unknowns, block_exprs
            continue
        literal = _resolve_value(v, names)
        exprs[k] = {"constant_value": literal} if not _has_unknown(literal) else _expression(v)
        if (
            isinstance(literal, list)
            and literal
            and all(isinstance(x, dict) for x in literal)
            and isinstance(v, list)
        ):
            # attribute syntax for blocks (ingress = [{...}]): as blocks, field by field
            values[k] = [{f: (None if _has_unknown(x) else x) for f, x in d.items()} for d in literal]
            unknown[k] = [{f: True for f, x in d.items() if _has_unknown(x)} for d in literal]
            exprs[k] = [
                {_key(f): _expression(x) for f, x in raw.items() if not str(f).startswith("__")}
                for raw in v
                if isinstance(raw, dict)
            ]
            continue
        if literal is _UNKNOWN:
            unknown[k] = True
        elif isinstance(literal, list) and _has_unknown(literal):
            values[k] = [None if _has_unknown(x) else x for x in literal]
            unknown[k] = [_has_unknown(x) for x in literal]
        elif _has_unknown(literal):
            unknown[k] = True
        else:
            values[k] = literal
    return values, unknown, exprs


def _line(text: str, kind: str, rtype: str, name: str) -> int | None:
    m = re.search(rf'^\s*{kind}\s+"{re.escape(rtype)}"\s+"{re.escape(name)}"', text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _keys(body: dict[str, Any], doc: TfDocument) -> tuple[list[Key], str | None]:
    """Instance keys from ``count``/``for_each`` when they are literal (or variable defaults)."""
    if "count" in body:
        n = _literal(body["count"], doc)
        if isinstance(n, int) and not isinstance(n, bool):
            return list(range(n)), None
        return [0], "count is not a literal: one instance (index 0) is assumed"
    if "for_each" in body:
        each = _literal(body["for_each"], doc)
        if isinstance(each, dict):
            return [str(k) for k in each], None
        if isinstance(each, list):
            return [str(k) for k in each], None
        return ["0"], "for_each is not a literal: one instance is assumed"
    return [None], None


def _literal(value: Any, doc: TfDocument) -> Any:
    """``count``/``for_each`` evaluated with variable defaults and literal locals."""
    names: dict[str, Any] = {f"var.{k}": v for k, v in doc.variables.items()}
    names.update({f"local.{k}": e["constant_value"] for k, e in doc.locals.items() if "constant_value" in e})
    return _resolve_value(value, names)


def read_hcl(files: list[Path], label: str) -> tuple[TfDocument, list[tuple[str, Origin]]]:
    """Parse the files into one module's instances; module calls and unexpanded counts are returned as
    notes for the warnings."""
    import hcl2  # python-hcl2: only needed for HCL sources

    doc = TfDocument(label, TERRAFORM_HCL)
    parsed: list[tuple[Path, str, dict[str, Any]]] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise SnapshotError(f"cannot read: {exc}", source=str(path)) from None
        try:
            data = hcl2.loads(text)
        except Exception as exc:  # python-hcl2 raises lark's errors, with line and column
            line = getattr(exc, "line", None)
            col = getattr(exc, "column", None)
            where = f"{path}:{line}:{col}" if line else str(path)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SnapshotError(f"invalid HCL: {first}", source=where) from None
        parsed.append((path, text, data))
    config: Json = {"resources": [], "module_calls": {}}
    locals_: Json = {}
    for _path, _text, data in parsed:
        for block in data.get("variable") or []:
            for name, body in block.items():
                if isinstance(body, dict) and "default" in body:
                    default = _unquote(body["default"])
                    if default is not _UNKNOWN:
                        doc.variables[_key(name)] = default
        for block in data.get("locals") or []:
            for name, value in block.items():
                if not str(name).startswith("__"):
                    locals_[str(name)] = _expression(value)
    doc.locals = locals_
    base_names: dict[str, Any] = {f"var.{k}": v for k, v in doc.variables.items()}
    base_names.update(
        {f"local.{k}": e["constant_value"] for k, e in locals_.items() if "constant_value" in e}
    )
    notes: list[tuple[str, Origin]] = []
    for path, text, data in parsed:
        for block in data.get("module") or []:
            for name, body in block.items():
                n = _key(name)
                source = _unquote(body.get("source")) if isinstance(body, dict) else None
                m = re.search(rf'^\s*module\s+"{re.escape(n)}"', text, re.M)
                line = text.count("\n", 0, m.start()) + 1 if m else None
                origin = Origin(TERRAFORM_HCL, f"module.{n}", "module", str(path), line)
                notes.append(
                    (f"module.{n} (source {source!r}) is not read: its resources are not modelled", origin)
                )
        for kind in ("resource", "data"):
            for block in data.get(kind) or []:
                for raw_type, named in block.items():
                    rtype = _key(raw_type)
                    for raw_name, body in (named or {}).items():
                        name = _key(raw_name)
                        if not isinstance(body, dict):
                            continue
                        prefix = "data." if kind == "data" else ""
                        _v, _u, exprs = _split(body, base_names)
                        cfg = {
                            "address": f"{prefix}{rtype}.{name}",
                            "mode": "data" if kind == "data" else "managed",
                            "type": rtype,
                            "name": name,
                            "expressions": exprs,
                        }
                        config["resources"].append(cfg)
                        keys, problem = _keys(body, doc)
                        each = _literal(body.get("for_each"), doc) if "for_each" in body else None
                        for_each_values = each if isinstance(each, dict) else {}
                        line = _line(text, kind, rtype, name)
                        for key in keys:
                            names = dict(base_names)
                            if key is not None:
                                names["count.index" if isinstance(key, int) else "each.key"] = key
                                if isinstance(key, str):
                                    names["each.value"] = for_each_values.get(key, key)
                            values, unknown, _e = _split(body, names)
                            index = (
                                "" if key is None else (f"[{key}]" if isinstance(key, int) else f'["{key}"]')
                            )
                            address = f"{prefix}{rtype}.{name}{index}"
                            origin = Origin(TERRAFORM_HCL, address, rtype, str(path), line)
                            inst = Instance(
                                address,
                                (),
                                "data" if kind == "data" else "managed",
                                rtype,
                                name,
                                key,
                                dict(values),
                                dict(unknown),
                                origin,
                                address,
                                cfg,
                            )
                            (doc.data if kind == "data" else doc.instances).append(inst)
                        if problem:
                            notes.append(
                                (
                                    f"{prefix}{rtype}.{name}: {problem}",
                                    Origin(TERRAFORM_HCL, f"{prefix}{rtype}.{name}", rtype, str(path), line),
                                )
                            )
    doc.config_modules[()] = config
    return doc, notes


def build_hcl(files: list[Path], label: str) -> DescribeBuilder:
    from vpcflow.sources.terraform import build

    doc, notes = read_hcl(files, label)
    builder = build(doc)
    for message, origin in notes:
        builder.warn("NOT_MODELLED", message, origin)
    return builder


__all__ = ["build_hcl", "read_hcl"]
