"""Reading a CloudFormation template: JSON, or YAML with the short forms (``!Ref``, ``!GetAtt``, ``!Sub``,
``!Join``, ``!Select``, ``!Split``, ``!FindInMap``, ``!If``, ``!Equals``, ``!Not``, ``!And``, ``!Or``,
``!Condition``, ``!GetAZs``, ``!ImportValue``, ``!Base64``, ``!Cidr``) turned into their long forms, and
the line where each resource's logical id is written.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import Any

import yaml

from vpcflow.errors import SnapshotError

# short form → long form
_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
    "!Sub": "Fn::Sub",
    "!Join": "Fn::Join",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap",
    "!If": "Fn::If",
    "!Equals": "Fn::Equals",
    "!Not": "Fn::Not",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!GetAZs": "Fn::GetAZs",
    "!ImportValue": "Fn::ImportValue",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!Transform": "Fn::Transform",
    "!Length": "Fn::Length",
    "!ToJsonString": "Fn::ToJsonString",
}


_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it


class _Loader(_Base):  # type: ignore[misc]
    """SafeLoader that reads CloudFormation's tags; timestamps stay strings (``2010-09-09``)."""


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    name = _TAGS[node.tag]
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


for _tag in _TAGS:
    _Loader.add_constructor(_tag, _construct)
_Loader.yaml_implicit_resolvers = {
    k: [(tag, regexp) for tag, regexp in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, file: str) -> tuple[Any, dict[str, int]]:
    """The template and the line of each resource's logical id."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        raise SnapshotError(f"invalid YAML: {exc.problem or exc.context}", source=where) from None
    except yaml.YAMLError as exc:
        raise SnapshotError(f"invalid YAML: {exc}", source=file) from None
    except RecursionError:
        raise SnapshotError("invalid YAML: nested too deeply", source=file) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "Resources" and isinstance(value, yaml.MappingNode):
                for k, _v in value.value:
                    lines[str(k.value)] = k.start_mark.line + 1
    return data, lines


def json_lines(text: str, resources: Any) -> dict[str, int]:
    """Line of each logical id under ``"Resources"`` in JSON text."""
    if not isinstance(resources, dict) or "\n" not in text:
        return {}
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    start = re.search(r'"Resources"\s*:', text)
    pos = start.end() if start else 0
    out: dict[str, int] = {}
    for logical_id in resources:
        m = re.compile(rf"{re.escape(json.dumps(logical_id))}\s*:").search(text, pos)
        if m:
            out[logical_id] = bisect_right(newlines, m.start()) + 1
    return out
