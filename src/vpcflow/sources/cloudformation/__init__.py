"""CloudFormation templates (JSON or YAML) → the describe-* document the stack gives once created.

Every ``AWS::EC2::*`` network resource is read (``HANDLERS`` in ``resources``); a resource whose
``Condition`` is false is not created; every other resource type is counted as not modelled and the
security groups it names are marked used. Each object's origin is its logical id, file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vpcflow.errors import SnapshotError
from vpcflow.sources.cloudformation.resources import Template
from vpcflow.sources.cloudformation.template import json_lines, load_yaml
from vpcflow.sources.iac.builder import DescribeBuilder
from vpcflow.sources.loader import parse_json


def build_template(
    path: Path, text: str, parameters: Mapping[str, str], doc: Any | None = None
) -> DescribeBuilder:
    file = str(path)
    if doc is None:
        if text.lstrip().startswith("{"):
            doc = parse_json(text, file)
            lines = json_lines(text, doc.get("Resources") if isinstance(doc, dict) else None)
        else:
            doc, lines = load_yaml(text, file)
    else:
        lines = json_lines(text, doc.get("Resources") if isinstance(doc, dict) else None)
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        raise SnapshotError(
            "not a CloudFormation template: expected a mapping with a Resources section", source=file
        )
    return Template(file, doc, lines, parameters).build()


__all__ = ["build_template"]
