"""Infrastructure-as-code sources: a Terraform plan or state (JSON), a CloudFormation template (JSON or
YAML), Terraform HCL files — each detected from its content and turned into the same ``Snapshot`` the
describe-* loader builds, with ``Snapshot.origins`` saying where each resource was declared.

``load_iac(path, parameters)`` returns ``None`` for describe-* input (the ordinary loader reads it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from vpcflow.errors import SnapshotError
from vpcflow.model import Origin, SnapshotWarning
from vpcflow.model.origin import CLOUDFORMATION, TERRAFORM_HCL, TERRAFORM_PLAN
from vpcflow.sources.iac.builder import DescribeBuilder
from vpcflow.sources.loader import MAX_FILE_BYTES, LoadResult, decode, load_data_with_report, parse_json

# a quick look before parsing a whole JSON file twice: only IaC documents have these keys
_IAC_KEYS = re.compile(r'"(format_version|AWSTemplateFormatVersion|Resources|Parameters)"\s*:')
_CFN_SECTIONS = frozenset(
    {
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        "Parameters",
        "Rules",
        "Mappings",
        "Conditions",
        "Transform",
        "Resources",
        "Outputs",
    }
)
_YAML_SUFFIXES = (".yaml", ".yml", ".template", ".cfn")
_DESCRIBE_PATH = re.compile(r"^\$\.([A-Za-z]+)\[(\d+)\]")


def read_text(path: Path) -> str:
    """The file as text, with the describe-* loader's checks: bounded size, UTF-8 (or UTF-16 with a
    byte-order mark), no binary data."""
    source = str(path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SnapshotError(f"cannot read: {exc.strerror or exc}", source=source) from None
    if len(data) > MAX_FILE_BYTES:
        raise SnapshotError(f"larger than {MAX_FILE_BYTES >> 20} MiB", source=source)
    return decode(data, source)


def kind_of_json(doc: Any) -> str | None:
    """``terraform`` for ``terraform show -json`` output, ``cloudformation`` for a template, else None."""
    if not isinstance(doc, dict):
        return None
    if "format_version" in doc and any(
        k in doc for k in ("planned_values", "resource_changes", "values", "prior_state")
    ):
        return "terraform"
    if "format_version" in doc and "terraform_version" in doc:
        return "terraform"
    resources = doc.get("Resources")
    if doc.keys() <= _CFN_SECTIONS and doc.keys() & {"Resources", "Parameters", "AWSTemplateFormatVersion"}:
        return "cloudformation"
    if "AWSTemplateFormatVersion" in doc or (
        isinstance(resources, dict)
        and any(
            isinstance(r, dict) and str(r.get("Type", "")).startswith(("AWS::", "Custom::"))
            for r in resources.values()
        )
    ):
        return "cloudformation"
    return None


def _hcl_dir(root: Path) -> bool:
    """A folder of ``*.tf`` files (a Terraform module) with no describe-* JSON below it."""
    if not any(p.suffix == ".tf" for p in root.iterdir() if p.is_file()):
        return False
    return not any(
        p.suffix.lower() == ".json" and not p.name.endswith((".tf.json", ".tfvars.json"))
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def load_iac(path: Path, parameters: Mapping[str, str] | None = None) -> LoadResult | None:
    """Load ``path`` when it is infrastructure-as-code; ``None`` when it is describe-* JSON."""
    builder: DescribeBuilder | None = None
    if path.is_dir() and _hcl_dir(path):
        from vpcflow.sources.terraform.hcl import build_hcl

        builder = build_hcl(sorted(p for p in path.iterdir() if p.suffix == ".tf" and p.is_file()), str(path))
    elif path.is_file() and path.suffix == ".tf":
        from vpcflow.sources.terraform.hcl import build_hcl

        builder = build_hcl([path], str(path))
    elif path.is_file() and path.suffix.lower() == ".json":
        text = read_text(path)
        if not _IAC_KEYS.search(text):
            return None
        doc = parse_json(text, str(path))
        kind = kind_of_json(doc)
        if kind == "terraform":
            from vpcflow.sources.terraform import build_json

            builder = build_json(doc, str(path), text)
        elif kind == "cloudformation":
            from vpcflow.sources.cloudformation import build_template

            builder = build_template(path, text, parameters or {}, doc)
    elif path.is_file() and path.suffix.lower() in _YAML_SUFFIXES:
        from vpcflow.sources.cloudformation import build_template

        builder = build_template(path, read_text(path), parameters or {})
    if builder is None:
        if parameters:
            raise SnapshotError("--parameter applies to CloudFormation templates only", source=str(path))
        return None
    if parameters and builder.kind != CLOUDFORMATION:
        raise SnapshotError("--parameter applies to CloudFormation templates only", source=str(path))
    return finish(builder)


def finish(builder: DescribeBuilder) -> LoadResult:
    """The builder's describe document through the ordinary loader, plus origins and IaC warnings."""
    doc = builder.finish()
    try:
        result = load_data_with_report([(builder.file, doc)])
    except SnapshotError as exc:
        raise _located(exc, builder, doc) from None
    snap = result.snapshot
    warnings: list[SnapshotWarning] = list(builder.warnings)
    loader_warnings = [_relocated(w, builder, doc) for w in snap.warnings]
    for rtype, count in sorted(builder.not_modelled.items()):
        first = builder.not_modelled_first[rtype]
        warnings.append(
            SnapshotWarning(
                "NOT_MODELLED",
                f"{count} {rtype} resource(s) loaded but not modelled",
                f"{first.location or builder.file}: {first.address}",
            )
        )
    not_modelled = dict(snap.not_modelled)
    not_modelled.update(builder.not_modelled)
    snap = replace(
        snap,
        warnings=tuple(warnings + loader_warnings),
        not_modelled=_frozen(not_modelled),
        origins=_frozen(builder.origins),
        group_attachers=_frozen({g: tuple(users) for g, users in builder.attachers.items()}),
    )
    return replace(result, snapshot=snap)


def _frozen(d: dict[str, Any]) -> Mapping[str, Any]:
    from types import MappingProxyType

    return MappingProxyType(d)


def _origin_at(path: str, builder: DescribeBuilder, doc: dict[str, Any]) -> Origin | None:
    """The declaration behind ``$.Key[i]…`` of the generated describe document."""
    m = _DESCRIBE_PATH.match(path)
    if not m:
        return None
    items = doc.get(m.group(1)) or []
    i = int(m.group(2))
    if m.group(1) == "Reservations":
        items = (items[0].get("Instances") or []) if items else []
        tail = re.match(r"^\$\.Reservations\[0\]\.Instances\[(\d+)\]", path)
        i = int(tail.group(1)) if tail else 0
    if i < len(items) and isinstance(items[i], dict):
        ids = [v for k, v in items[i].items() if k.endswith("Id") and isinstance(v, str)]
        return next((builder.origins[x] for x in ids if x in builder.origins), None)
    return None


def _relocated(w: SnapshotWarning, builder: DescribeBuilder, doc: dict[str, Any]) -> SnapshotWarning:
    prefix = f"{builder.file}: "
    if not w.source or not w.source.startswith(prefix):
        return w
    origin = _origin_at(w.source[len(prefix) :], builder, doc)
    if origin is None:
        return replace(w, source=builder.file)
    return replace(w, source=f"{origin.location or builder.file}: {origin.address}")


def _located(exc: SnapshotError, builder: DescribeBuilder, doc: dict[str, Any]) -> SnapshotError:
    """An error the describe parsers found in the generated document, told by the IaC declaration."""
    origin = _origin_at(exc.path or "", builder, doc)
    message = str(exc).split(": at ", 1)[-1]
    if origin is None:
        return SnapshotError(message, source=builder.file)
    return SnapshotError(f"{origin.address}: {message}", source=origin.location or builder.file)


__all__ = ["TERRAFORM_HCL", "TERRAFORM_PLAN", "finish", "kind_of_json", "load_iac"]
