"""The few HCL expressions an HCL file can be evaluated with on its own: arithmetic, indexes, and
``count.index``/``each.key``/``var.*``/``local.*`` with literal values, plus a handful of functions
(``length``, ``element``, ``concat``, ``lookup``, ``tostring``, ``tonumber``, ``toset``, ``tolist``,
``min``, ``max``, ``cidrsubnet``). Anything else (a resource attribute, an unknown function) is not
evaluated: the caller falls back to references. Parsed with Python's ``ast`` in eval mode and walked by a
whitelist: no code is ever executed.
"""

from __future__ import annotations

import ast
import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any

_TRAVERSAL = re.compile(r"\b(count\.index|each\.key|each\.value|(?:var|local)\.[A-Za-z_][\w-]*)")


class NotEvaluable(Exception):
    pass


def _cidrsubnet(prefix: str, newbits: int, netnum: int) -> str:
    net = ipaddress.ip_network(prefix, strict=False)
    return str(list(net.subnets(prefixlen_diff=int(newbits)))[int(netnum)])


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "length": len,
    "element": lambda seq, i: seq[int(i) % len(seq)],
    "concat": lambda *lists: [x for lst in lists for x in lst],
    "lookup": lambda m, k, *d: m.get(k, d[0]) if d else m[k],
    "tostring": str,
    "tonumber": lambda v: int(v) if str(v).lstrip("-").isdigit() else float(v),
    "toset": lambda v: list(dict.fromkeys(v)),
    "tolist": list,
    "min": min,
    "max": max,
    "cidrsubnet": _cidrsubnet,
}


def evaluate(expr: str, names: Mapping[str, Any]) -> Any:
    """``count.index + 101`` with ``{"count.index": 2}`` → 103; raises ``NotEvaluable`` otherwise."""
    placeholders: dict[str, Any] = {}

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in names:
            raise NotEvaluable(name)
        key = f"_v{len(placeholders)}"
        placeholders[key] = names[name]
        return key

    text = _TRAVERSAL.sub(sub, expr)
    text = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", re.sub(r"\bnull\b", "None", text)))
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise NotEvaluable(expr) from None
    return _walk(tree.body, placeholders)


def _walk(node: ast.AST, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        raise NotEvaluable(node.id)
    if isinstance(node, ast.List | ast.Tuple):
        return [_walk(e, env) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {
            _walk(k, env): _walk(v, env) for k, v in zip(node.keys, node.values, strict=True) if k is not None
        }
    if isinstance(node, ast.Subscript):
        return _walk(node.value, env)[_walk(node.slice, env)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_walk(node.operand, env)
    if isinstance(node, ast.BinOp):
        left, right = _walk(node.left, env), _walk(node.right, env)
        ops: dict[type, Callable[[Any, Any], Any]] = {
            ast.Add: lambda a, b: a + b,
            ast.Sub: lambda a, b: a - b,
            ast.Mult: lambda a, b: a * b,
            ast.Mod: lambda a, b: a % b,
        }
        op = ops.get(type(node.op))
        if op is None or not all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in (left, right)
        ):
            raise NotEvaluable("operator")
        return op(left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS:
        args = [_walk(a, env) for a in node.args]
        try:
            return _FUNCTIONS[node.func.id](*args)
        except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError):
            raise NotEvaluable(node.func.id) from None
    raise NotEvaluable(type(node).__name__)
