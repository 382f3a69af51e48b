"""A finding: what is wrong, where, how bad, whether the internet can actually use it, how to fix it.

The id is stable: a hash of the check, the resource and the rule (the rule's meaning — direction,
protocol, ports, peer, NACL number and action — never its position in a file), so it survives
reordering and lets a suppression name one finding.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from vpcflow.audit.catalogue import BY_ID, Check, Severity
from vpcflow.engine.result import rule_json
from vpcflow.model import NetworkAclEntry, SecurityGroupRule
from vpcflow.model.filters import icmp_applies, ports_apply
from vpcflow.reach.headerspace import Flow

Rule = SecurityGroupRule | NetworkAclEntry


@dataclass(frozen=True, slots=True)
class Location:
    """Where a resource or rule is written: a file and line (Terraform, CloudFormation, or the
    describe-* JSON file), and its name there (Terraform address, CloudFormation logical id)."""

    file: str | None = None
    line: int | None = None
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "name": self.name}


@dataclass(frozen=True, slots=True)
class Resource:
    id: str  # the id in the snapshot (AWS id, or the one a Terraform/CloudFormation source gave it)
    type: str  # CloudFormation-style type name: AWS::EC2::SecurityGroup, AWS::EC2::NetworkAcl, ...
    label: str | None = None  # Name tag or group name
    location: Location | None = None

    @property
    def name(self) -> str:
        """What the user calls it: Terraform address / CloudFormation logical id, else the AWS id."""
        if self.location is not None and self.location.name:
            return self.location.name
        return self.id


@dataclass(frozen=True, slots=True)
class Suppressed:
    reason: str
    expires: str | None
    by: str  # the suppression's own text (id or control+resource glob)


@dataclass(frozen=True, slots=True)
class Finding:
    check: Check
    resource: Resource
    message: str
    rules: tuple[Rule, ...] = ()
    rule_locations: tuple[Location, ...] = ()
    controls: tuple[str, ...] = ()  # defaults to the check's controls
    severity: Severity | None = None  # defaults to the check's (after config overrides)
    reachable: bool | None = None
    reason: str | None = None  # why not reachable / why unknown
    witness: Flow | None = None
    trace_command: str | None = None
    fix: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # distinguishes findings of one check on one resource when no rule does
    suppressed: Suppressed | None = None

    @property
    def control_ids(self) -> tuple[str, ...]:
        return self.controls or self.check.controls

    @property
    def level(self) -> Severity:
        return self.check.severity if self.severity is None else self.severity

    @property
    def rule_key(self) -> str:
        rules = " + ".join(sorted(rule_key(r) for r in self.rules))
        return " | ".join(x for x in (self.key, rules) if x)

    @property
    def id(self) -> str:
        text = "\x1f".join((self.check.id, self.resource.id, self.rule_key))
        return "vf-" + hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_(self, **changes: Any) -> Finding:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        loc = self.rule_locations[0] if self.rule_locations else self.resource.location
        return {
            "id": self.id,
            "check": self.check.id,
            "controls": list(self.control_ids),
            "title": self.check.title,
            "severity": self.level.label,
            "resource": self.resource.name,
            "resource_id": self.resource.id,
            "resource_type": self.resource.type,
            "resource_label": self.resource.label,
            "location": loc.to_json() if loc else None,
            "rule": rule_json(self.rules[0]) if self.rules else None,
            "rules": [rule_json(r) for r in self.rules],
            "message": self.message,
            "exposure": self.check.exposure,
            "reachable": self.reachable,
            "reason": self.reason,
            "witness": self.witness.to_json() if self.witness else None,
            "trace_command": self.trace_command,
            "fix": self.fix or self.check.fix,
            "detail": self.detail,
            "suppressed": None
            if self.suppressed is None
            else {
                "reason": self.suppressed.reason,
                "expires": self.suppressed.expires,
                "by": self.suppressed.by,
            },
        }


def rule_key(rule: Rule) -> str:
    """A rule's meaning as text, independent of its position: what the stable id hashes."""
    if isinstance(rule, SecurityGroupRule):
        match = _match(rule.protocol, rule.ports, rule.icmp)
        return f"sg {rule.group_id} {rule.direction.value} {match} {rule.peer}"
    return (
        f"acl {rule.acl_id} {rule.direction.value} {rule.rule_number} "
        f"{_match(rule.protocol, rule.ports, rule.icmp)} {rule.cidr} {rule.action.value}"
    )


def _match(protocol: int, ports: object, icmp: object) -> str:
    if ports_apply(protocol):
        return f"{protocol} {ports if ports is not None else 'all'}"
    if icmp_applies(protocol):
        return f"{protocol} {icmp if icmp is not None else 'all'}"
    return str(protocol)


def check(check_id: str) -> Check:
    return BY_ID[check_id]
