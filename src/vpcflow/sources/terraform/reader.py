"""Typed access to one resource instance's attributes: known values as planned, unknown ones recovered
through the configuration, and a warning naming the address and attribute for whatever stays unknown."""

from __future__ import annotations

from typing import Any

from vpcflow.model import Cidr
from vpcflow.sources.iac.builder import DescribeBuilder, Where
from vpcflow.sources.terraform.plan import Instance, TfDocument
from vpcflow.sources.terraform.refs import Resolver, flatten

_MISSING = object()


class Reader:
    def __init__(self, doc: TfDocument, builder: DescribeBuilder) -> None:
        self.doc = doc
        self.b = builder
        self.res = Resolver(doc, builder)
        self.by_type: dict[str, list[Instance]] = {}
        for inst in doc.instances:
            self.by_type.setdefault(inst.type, []).append(inst)

    def where(self, inst: Instance) -> Where:
        return Where(inst.origin, inst.address)

    def id_of(self, inst: Instance) -> str:
        return self.res.id_of(inst)

    def unresolved(self, inst: Instance, attr: str, problems: list[str], effect: str) -> None:
        detail = "; ".join(dict.fromkeys(problems)) or f"{inst.address}.{attr} is not known"
        self.b.warn("UNRESOLVED_REFERENCE", f"{detail}: {effect}", inst.origin, self.id_of(inst))

    def has_config(self, inst: Instance, attr: str) -> bool:
        return self.res.expression(inst, (attr,)) is not None

    def value(self, inst: Instance, attr: str, default: Any = None, effect: str | None = None) -> Any:
        """A scalar attribute. An unknown one that the configuration does not set is computed by AWS:
        ``default``. One set through references is followed; if that fails, warned (with ``effect``)."""
        if not inst.is_unknown(attr):
            v = inst.values.get(attr, _MISSING)
            return default if v is _MISSING or v is None else v
        if not self.has_config(inst, attr):
            return default
        res = self.res.resolve(inst, (attr,), "id" if attr.endswith("_id") else attr)
        vals = list(
            dict.fromkeys(
                str(v) if not isinstance(v, bool | int) else v for v in flatten(res.values) if v is not None
            )
        )
        if len(vals) == 1:
            return vals[0]
        if len(vals) > 1:
            res.problems.append(
                f"{inst.address}.{attr} refers to {len(vals)} values ({', '.join(map(str, vals[:4]))})"
            )
        self.unresolved(inst, attr, res.problems, effect or f"{attr} is not modelled")
        return default

    def ref(self, inst: Instance, attr: str, effect: str, default_attr: str = "id") -> str | None:
        """A scalar reference to another resource (``vpc_id``, ``security_group_id``)."""
        if not inst.is_unknown(attr):
            v = inst.values.get(attr)
            return v if isinstance(v, str) and v else None
        if not self.has_config(inst, attr):
            return None
        res = self.res.resolve(inst, (attr,), default_attr)
        vals = list(dict.fromkeys(v for v in flatten(res.values) if isinstance(v, str) and v))
        if len(vals) == 1:
            return vals[0]
        if len(vals) > 1:
            res.problems.append(
                f"{inst.address}.{attr} refers to {len(vals)} resources ({', '.join(vals[:4])})"
            )
        self.unresolved(inst, attr, res.problems, effect)
        return None

    def refs(self, inst: Instance, attr: str, effect: str, default_attr: str = "id") -> list[str]:
        """A list of references (``subnet_ids``, ``vpc_security_group_ids``): known elements, plus
        what the configuration says when any element is unknown."""
        raw = inst.values.get(attr)
        known = [v for v in raw if isinstance(v, str) and v] if isinstance(raw, list) else []
        if isinstance(raw, str) and raw:
            known = [raw]
        partial = isinstance(raw, list) and any(v is None for v in raw)
        if not inst.is_unknown(attr) and not partial:
            return known
        if not self.has_config(inst, attr):
            return known
        res = self.res.resolve(inst, (attr,), default_attr)
        vals = [v for v in flatten(res.values) if isinstance(v, str) and v]
        if res.problems:
            self.unresolved(inst, attr, res.problems, effect)
        return list(dict.fromkeys(known + vals))

    def bool_(self, inst: Instance, attr: str, default: bool) -> bool:
        v = self.value(inst, attr, default)
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.lower() in ("true", "false"):
            return v.lower() == "true"
        return default

    def tags(self, inst: Instance) -> Any:
        t = inst.values.get("tags")
        return t if isinstance(t, dict) else {}

    # -- inference where references end in locals --------------------------------------------------

    def vpc_of(self, inst: Instance, effect: str, cidr: str | None = None) -> str | None:
        """``vpc_id``; when it cannot be followed (often ``local.vpc_id`` in community modules), the VPC
        whose CIDR holds ``cidr``, or the only VPC of the module instance / the plan — with a warning."""
        if not inst.is_unknown("vpc_id"):
            v = inst.values.get("vpc_id")
            if isinstance(v, str) and v:
                return v
        if not self.has_config(inst, "vpc_id"):
            if not inst.is_unknown("vpc_id") or inst.config is not None:
                # not set at all: AWS uses the account's default VPC, which is not in the plan
                self.b.warn(
                    "DEFAULT_VPC",
                    f"{inst.address} sets no vpc_id: it is in the account's default VPC, which is not "
                    f"declared here; {effect}",
                    inst.origin,
                    self.id_of(inst),
                )
                return None
            self.unresolved(
                inst,
                "vpc_id",
                [f"{inst.address}.vpc_id is not known before apply and the plan has no configuration"],
                effect,
            )
            return None
        else:
            res = self.res.resolve(inst, ("vpc_id",))
            vals = list(dict.fromkeys(v for v in flatten(res.values) if isinstance(v, str) and v))
            if len(vals) == 1:
                return vals[0]
            problems = res.problems
        if not any("local." in p for p in problems):
            # a reference to something not declared is reported, never redirected to another VPC
            self.unresolved(inst, "vpc_id", problems, effect)
            return None
        vpcs = self.by_type.get("aws_vpc", [])
        candidates = []
        how = ""
        if cidr is not None:
            try:
                c = Cidr.parse(cidr)
                candidates = [v for v in vpcs if _holds(v, c)]
                how = f"the VPC whose CIDR holds {cidr}"
            except ValueError:
                candidates = []
        if len(candidates) != 1:
            candidates = [v for v in vpcs if v.module == inst.module]
            how = "the only VPC of its module"
        if len(candidates) != 1:
            candidates = vpcs
            how = "the only VPC of the plan"
        if len(candidates) == 1:
            vpc_id = self.id_of(candidates[0])
            self.b.warn(
                "INFERRED_REFERENCE",
                f"{'; '.join(dict.fromkeys(problems))}: taken to be {candidates[0].address} "
                f"({vpc_id}), {how}",
                inst.origin,
                self.id_of(inst),
            )
            return vpc_id
        self.unresolved(inst, "vpc_id", problems, effect)
        return None


def _holds(vpc: Instance, cidr: Cidr) -> bool:
    block = vpc.values.get("cidr_block")
    if not isinstance(block, str):
        return False
    try:
        return cidr in Cidr.parse(block)
    except ValueError:
        return False


__all__ = ["Reader"]
