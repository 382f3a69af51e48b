"""Evaluating CloudFormation intrinsic functions as far as a template allows before deployment.

``Ref`` to a parameter gives its ``--parameter`` value or its ``Default``; ``Ref``/``Fn::GetAtt`` to a
resource give the id the snapshot gives it (``sg-<LogicalId>``) or a declared property; conditions,
mappings, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::If``, ``Fn::Cidr`` are computed.
What only deployment knows (``Fn::ImportValue``, a parameter with no value, an attribute AWS assigns)
raises ``Unresolved`` with the reason. Pseudo parameters have documented placeholders (a template's
``--parameter AWS::Region=…`` overrides them).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

NO_VALUE = object()  # AWS::NoValue: the property is removed

PSEUDO: dict[str, Any] = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "stack",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/id",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NotificationARNs": [],
}

_SUB = re.compile(r"\$\{([^}]*)\}")


class Unresolved(Exception):
    """A value only deployment knows, or a reference to something the template does not declare."""


class Evaluator:
    def __init__(
        self,
        template: dict[str, Any],
        parameters: Mapping[str, str],
        resource_ref: Callable[[str], str],
        resource_attr: Callable[[str, str], Any],
    ) -> None:
        self.template = template
        self.params = dict(parameters)
        self.resource_ref = resource_ref
        self.resource_attr = resource_attr
        self._conditions: dict[str, bool] = {}
        raw_params = template.get("Parameters")
        self.declared: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
        resources = template.get("Resources")
        self.resources: dict[str, Any] = resources if isinstance(resources, dict) else {}

    # -- parameters and conditions -------------------------------------------------------------

    def parameter(self, name: str) -> Any:
        decl = self.declared.get(name)
        if name in self.params:
            value: Any = self.params[name]
        elif isinstance(decl, dict) and "Default" in decl:
            value = decl["Default"]
        elif name in PSEUDO:
            return PSEUDO[name]
        elif name == "AWS::NoValue":
            return NO_VALUE
        elif decl is not None:
            raise Unresolved(f"parameter {name} has no Default and no --parameter {name}=…")
        else:
            raise Unresolved(f"{name} is neither a parameter nor a resource of the template")
        kind = str(decl.get("Type", "")) if isinstance(decl, dict) else ""
        if (kind.startswith("List<") or kind == "CommaDelimitedList") and isinstance(value, str):
            return [v.strip() for v in value.split(",")]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value

    def condition(self, name: str) -> bool:
        if name in self._conditions:
            return self._conditions[name]
        conditions = self.template.get("Conditions") or {}
        if not isinstance(conditions, dict) or name not in conditions:
            raise Unresolved(f"condition {name} is not declared")
        self._conditions[name] = False  # a cycle evaluates to false rather than recursing forever
        value = self.eval(conditions[name])
        result = _truth(value)
        self._conditions[name] = result
        return result

    # -- evaluation ----------------------------------------------------------------------------

    def eval(self, value: Any) -> Any:
        if isinstance(value, list):
            out = [self.eval(v) for v in value]
            return [v for v in out if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            fn = _FUNCTIONS.get(key)
            if fn is not None:
                return fn(self, arg)
        out_d = {k: self.eval(v) for k, v in value.items()}
        return {k: v for k, v in out_d.items() if v is not NO_VALUE}

    def _ref(self, arg: Any) -> Any:
        name = self.eval(arg)
        if not isinstance(name, str):
            raise Unresolved(f"Ref to {name!r}")
        if name in self.resources and name not in self.declared:
            return self.resource_ref(name)
        return self.parameter(name)

    def _getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not isinstance(arg, list) or len(arg) != 2:
            raise Unresolved(f"Fn::GetAtt expects [LogicalId, Attribute], found {arg!r}")
        logical, attr = self.eval(arg[0]), self.eval(arg[1])
        if logical not in self.resources:
            raise Unresolved(f"Fn::GetAtt {logical}.{attr}: {logical} is not a resource of the template")
        return self.resource_attr(str(logical), str(attr))

    def _sub(self, arg: Any) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[1], dict):
                raise Unresolved("Fn::Sub expects a string or [string, {variables}]")
            text = arg[0]
            variables = {k: self.eval(v) for k, v in arg[1].items()}
        else:
            text = arg
        if not isinstance(text, str):
            raise Unresolved(f"Fn::Sub expects a string, found {text!r}")

        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                logical, attr = name.split(".", 1)
                return str(self.resource_attr(logical, attr))
            return str(self._ref(name))

        return _SUB.sub(one, text)

    def _join(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise Unresolved("Fn::Join expects [delimiter, [values]]")
        delim, values = self.eval(arg[0]), self.eval(arg[1])
        if not isinstance(values, list):
            raise Unresolved("Fn::Join expects a list of values")
        return str(delim).join(str(v) for v in values)

    def _select(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise Unresolved("Fn::Select expects [index, [values]]")
        index, values = self.eval(arg[0]), self.eval(arg[1])
        try:
            return values[int(index)]
        except (ValueError, TypeError, IndexError, KeyError):
            raise Unresolved(f"Fn::Select index {index!r} of {values!r}") from None

    def _split(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise Unresolved("Fn::Split expects [delimiter, string]")
        delim, text = self.eval(arg[0]), self.eval(arg[1])
        return str(text).split(str(delim))

    def _find_in_map(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) < 3:
            raise Unresolved("Fn::FindInMap expects [map, key, key]")
        name, k1, k2 = (self.eval(a) for a in arg[:3])
        mappings = self.template.get("Mappings") or {}
        try:
            return mappings[name][k1][k2]
        except (KeyError, TypeError):
            if len(arg) > 3 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self.eval(arg[3]["DefaultValue"])
            raise Unresolved(f"Fn::FindInMap {name}.{k1}.{k2} is not in Mappings") from None

    def _if(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            raise Unresolved("Fn::If expects [condition, then, else]")
        return self.eval(arg[1] if self.condition(str(arg[0])) else arg[2])

    def _equals(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise Unresolved("Fn::Equals expects two values")
        a, b = (self.eval(x) for x in arg)
        return str(a) == str(b)

    def _getazs(self, arg: Any) -> Any:
        region = self.eval(arg) or self.parameter("AWS::Region")
        # the AZs of an account are known only at deployment: a, b, c as placeholders
        return [f"{region}{z}" for z in "abc"]

    def _cidr(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            raise Unresolved("Fn::Cidr expects [ipBlock, count, cidrBits]")
        block, count, bits = (self.eval(a) for a in arg)
        try:
            net = ipaddress.ip_network(str(block), strict=False)
            prefix = net.max_prefixlen - int(bits)
            subnets = net.subnets(new_prefix=prefix)
            return [str(next(subnets)) for _ in range(int(count))]
        except (ValueError, StopIteration):
            raise Unresolved(f"Fn::Cidr {block} {count} {bits}") from None


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise Unresolved(f"a condition evaluates to {value!r}, not true or false")


def _import(_ev: Evaluator, arg: Any) -> Any:
    raise Unresolved(f"Fn::ImportValue {json.dumps(arg)} is known only at deployment")


def _transform(_ev: Evaluator, arg: Any) -> Any:
    raise Unresolved("Fn::Transform (a macro) is expanded only at deployment")


def _length(ev: Evaluator, arg: Any) -> Any:
    value = ev.eval(arg)
    if not isinstance(value, list):
        raise Unresolved("Fn::Length expects a list")
    return len(value)


_FUNCTIONS: dict[str, Callable[[Evaluator, Any], Any]] = {
    "Ref": Evaluator._ref,
    "Fn::GetAtt": Evaluator._getatt,
    "Fn::Sub": Evaluator._sub,
    "Fn::Join": Evaluator._join,
    "Fn::Select": Evaluator._select,
    "Fn::Split": Evaluator._split,
    "Fn::FindInMap": Evaluator._find_in_map,
    "Fn::If": Evaluator._if,
    "Fn::Equals": Evaluator._equals,
    "Fn::Not": lambda ev, a: not _truth(ev.eval(a[0] if isinstance(a, list) else a)),
    "Fn::And": lambda ev, a: all(_truth(ev.eval(x)) for x in a),
    "Fn::Or": lambda ev, a: any(_truth(ev.eval(x)) for x in a),
    "Condition": lambda ev, a: ev.condition(str(a)),
    "Fn::GetAZs": Evaluator._getazs,
    "Fn::Base64": lambda ev, a: ev.eval(a),
    "Fn::Cidr": Evaluator._cidr,
    "Fn::ImportValue": _import,
    "Fn::Transform": _transform,
    "Fn::Length": _length,
    "Fn::ToJsonString": lambda ev, a: json.dumps(ev.eval(a)),
}
