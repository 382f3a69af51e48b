"""Where each resource and rule is written, so findings point at a file and line.

Infrastructure-as-code sources record it in ``Snapshot.origins`` (Terraform address or CloudFormation
logical id, file, line; keys are resource ids and, for rules declared on their own, ``sg-…/ingress/3`` /
``acl-…/egress/100``). For describe-* JSON the line is found by reading the snapshot's files: the
defining ``"GroupId": "sg-…"`` (or ``NetworkAclId``, ``VpcId`` …) is the least indented occurrence of the
id under its key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from vpcflow.audit.findings import Location, Resource
from vpcflow.model import NetworkAclEntry, SecurityGroupRule, Snapshot, tag
from vpcflow.model.origin import Origin, entry_key, rule_key

ID_KEYS = (
    "GroupId",
    "NetworkAclId",
    "VpcId",
    "SubnetId",
    "NetworkInterfaceId",
    "InstanceId",
    "FlowLogId",
    "RouteTableId",
)
_ID_LINE = re.compile(r'^(\s*)"(' + "|".join(ID_KEYS) + r')"\s*:\s*"([^"]+)"')
TYPES = {
    "sg-": "AWS::EC2::SecurityGroup",
    "acl-": "AWS::EC2::NetworkAcl",
    "vpc-": "AWS::EC2::VPC",
    "subnet-": "AWS::EC2::Subnet",
    "eni-": "AWS::EC2::NetworkInterface",
    "i-": "AWS::EC2::Instance",
}


def origins_of(snapshot: Snapshot) -> Mapping[str, Origin]:
    """``Snapshot.origins``: filled when the source recorded them (Terraform, CloudFormation)."""
    return snapshot.origins


def _location(origin: Origin) -> Location:
    return Location(origin.file, origin.line, origin.address)


class Locator:
    """Resource and rule locations for one snapshot (IaC origins, or lines of describe-* files)."""

    def __init__(self, snapshot: Snapshot, files: Iterable[str] = ()) -> None:
        self.s = snapshot
        self.origins = origins_of(snapshot)
        self.lines: dict[str, tuple[int, str, int]] = {}  # id → (indent, file, line)
        if not self.origins:
            for f in files:
                self._scan(f)

    def _scan(self, file: str) -> None:
        try:
            with Path(file).open(encoding="utf-8-sig") as fh:
                for n, text in enumerate(fh, 1):
                    m = _ID_LINE.match(text)
                    if m is None:
                        continue
                    indent, rid = len(m.group(1)), m.group(3)
                    old = self.lines.get(rid)
                    if old is None or indent < old[0]:
                        self.lines[rid] = (indent, file, n)
        except (OSError, UnicodeDecodeError):
            return  # the loader already read these files; a location is a convenience

    def location(self, rid: str) -> Location | None:
        origin = self.origins.get(rid)
        if origin is not None:
            return _location(origin)
        hit = self.lines.get(rid)
        if hit is not None:
            return Location(hit[1], hit[2], None)
        return None

    def rule_location(self, rule: SecurityGroupRule | NetworkAclEntry) -> Location | None:
        origin = self.origins.get(rule_key(rule) if isinstance(rule, SecurityGroupRule) else entry_key(rule))
        if origin is not None:
            return _location(origin)
        return self.location(rule.group_id if isinstance(rule, SecurityGroupRule) else rule.acl_id)

    def resource(self, rid: str, rtype: str | None = None) -> Resource:
        kind = rtype or next((t for p, t in TYPES.items() if rid.startswith(p)), "AWS::EC2::Resource")
        return Resource(rid, kind, self.label(rid), self.location(rid))

    def label(self, rid: str) -> str | None:
        s = self.s
        if rid in s.security_groups:
            g = s.security_groups[rid]
            return tag(g.tags, "Name") or (g.name if g.name != rid else None)
        for table in (s.network_acls, s.vpcs, s.subnets, s.interfaces, s.instances):
            obj = table.get(rid)
            if obj is not None:
                return tag(getattr(obj, "tags", ()), "Name")
        return None
