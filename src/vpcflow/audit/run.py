"""Run every check over one snapshot, apply suppressions, and say what could not be evaluated."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from vpcflow.audit.catalogue import BY_ID, CHECKS, Severity
from vpcflow.audit.config import AuditConfig, Suppression
from vpcflow.audit.context import AuditContext
from vpcflow.audit.findings import Finding, Suppressed
from vpcflow.audit.hygiene import (
    deny_by_omission_findings,
    redundant_findings,
    return_path_findings,
    shadowed_findings,
)
from vpcflow.audit.limits import quota_findings, reference_findings
from vpcflow.audit.nacl_checks import unused_acl_findings, world_admin_findings
from vpcflow.audit.sg_checks import default_group_findings, unused_group_findings, world_findings
from vpcflow.audit.tiers import tier_findings
from vpcflow.audit.vpc_checks import flow_log_findings
from vpcflow.model import Snapshot, SnapshotWarning

CHECKERS: tuple[Callable[[AuditContext], Iterator[Finding]], ...] = (
    world_findings,
    default_group_findings,
    unused_group_findings,
    world_admin_findings,
    unused_acl_findings,
    flow_log_findings,
    shadowed_findings,
    redundant_findings,
    return_path_findings,
    deny_by_omission_findings,
    quota_findings,
    reference_findings,
    tier_findings,
)
ORDER = {c.id: i for i, c in enumerate(CHECKS)}
AUDITED = ("vpcs", "subnets", "security_groups", "network_acls", "network_interfaces")


def audited_counts(snapshot: Snapshot) -> dict[str, int]:
    return {
        "vpcs": len(snapshot.vpcs),
        "subnets": len(snapshot.subnets),
        "security_groups": len(snapshot.security_groups),
        "network_acls": len(snapshot.network_acls),
        "network_interfaces": len(snapshot.interfaces),
    }


@dataclass(frozen=True, slots=True)
class SuppressionUse:
    suppression: Suppression
    expired: bool
    matched: tuple[str, ...]  # finding ids it names (suppressed, or not when expired)

    def to_json(self) -> dict[str, Any]:
        s = self.suppression
        return {
            "id": s.finding_id,
            "control": s.control,
            "resource": s.resource,
            "reason": s.reason,
            "expires": s.expires.isoformat() if s.expires else None,
            "where": s.where,
            "expired": self.expired,
            "matched": list(self.matched),
        }


@dataclass(frozen=True)
class AuditReport:
    source: str
    findings: tuple[Finding, ...]
    suppressions: tuple[SuppressionUse, ...] = ()
    not_evaluated: tuple[dict[str, Any], ...] = ()
    config: AuditConfig = field(default_factory=AuditConfig)
    # what the source holds that was not (fully) modelled or did not resolve: judged around, never dropped
    warnings: tuple[SnapshotWarning, ...] = ()
    audited: dict[str, int] = field(default_factory=dict)  # what the source held, by kind

    @property
    def empty(self) -> bool:
        """The source held nothing the controls are about (no VPC, subnet, group or network ACL)."""
        return not any(self.audited.get(k) for k in AUDITED if k != "network_interfaces")

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppressed is None)

    def failing(self, at_or_above: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.active if f.level >= at_or_above)

    def summary(self) -> dict[str, Any]:
        counts = Counter(f.level.label for f in self.active)
        return {
            "findings": len(self.active),
            "suppressed": len(self.findings) - len(self.active),
            "by_severity": {s.label: counts.get(s.label, 0) for s in sorted(Severity, reverse=True)},
            "reachable": sum(1 for f in self.active if f.reachable is True),
            "unreachable": sum(1 for f in self.active if f.check.exposure and f.reachable is False),
            "not_modelled": sum(1 for f in self.active if f.check.exposure and f.reachable is None),
            "expired_suppressions": sum(1 for u in self.suppressions if u.expired),
            "audited": {k: self.audited.get(k, 0) for k in AUDITED},
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "summary": self.summary(),
            "findings": [f.to_json() for f in self.findings],
            "suppressions": [u.to_json() for u in self.suppressions],
            "not_evaluated": list(self.not_evaluated),
            "source_warnings": [warning_json(w) for w in self.warnings],
        }


def warning_json(w: SnapshotWarning) -> dict[str, Any]:
    return {"code": w.code, "message": w.message, "where": w.source, "resource_id": w.resource_id}


def _sort_key(f: Finding) -> tuple[Any, ...]:
    return (-f.level, ORDER.get(f.check.id, 99), f.resource.name, f.rule_key)


def _matches(s: Suppression, f: Finding) -> bool:
    if s.finding_id is not None:
        return s.finding_id == f.id
    assert s.control is not None and s.resource is not None
    ids = (f.check.id, *f.control_ids)
    names = {f.resource.name, f.resource.id, *((f.resource.label,) if f.resource.label else ())}
    return any(fnmatchcase(c, s.control) for c in ids) and any(fnmatchcase(n, s.resource) for n in names)


def apply_suppressions(
    findings: Iterable[Finding], suppressions: Iterable[Suppression], today: dt.date
) -> tuple[list[Finding], list[SuppressionUse]]:
    sup = list(suppressions)
    matched: dict[int, list[str]] = {i: [] for i in range(len(sup))}
    out = []
    for f in findings:
        for i, s in enumerate(sup):
            if _matches(s, f):
                matched[i].append(f.id)
                if not s.expired(today) and f.suppressed is None:
                    expires = s.expires.isoformat() if s.expires else None
                    f = f.with_(suppressed=Suppressed(s.reason, expires, s.text))
        out.append(f)
    uses = [SuppressionUse(s, s.expired(today), tuple(matched[i])) for i, s in enumerate(sup)]
    return out, uses


def audit(
    snapshot: Snapshot,
    config: AuditConfig | None = None,
    *,
    snapshot_path: str = "SNAPSHOT",
    files: Iterable[str] = (),
    flow_logs_known: bool | None = None,
    suppressions: Iterable[Suppression] = (),
    today: dt.date | None = None,
) -> AuditReport:
    """Every check of ``docs/audit.md`` over ``snapshot``. ``flow_logs_known``: whether the source says
    which flow logs exist (default: yes when it holds any, or comes from infrastructure-as-code)."""
    cfg = config or AuditConfig()
    if flow_logs_known is None:
        flow_logs_known = bool(snapshot.flow_logs) or bool(snapshot.origins)
    ctx = AuditContext(snapshot, cfg, snapshot_path, tuple(files), flow_logs_known)
    found: list[Finding] = []
    for checker in CHECKERS:
        found.extend(checker(ctx))
    found.sort(key=_sort_key)
    seen: set[str] = set()
    unique = []
    for f in found:
        if f.id not in seen:
            seen.add(f.id)
            unique.append(f)
    final, uses = apply_suppressions(unique, (*cfg.suppressions, *suppressions), today or dt.date.today())
    not_evaluated = []
    if cfg.enabled("EC2.6") and not flow_logs_known and snapshot.vpcs:
        c = BY_ID["EC2.6"]
        not_evaluated.append(
            {
                "check": c.id,
                "controls": list(c.controls),
                "reason": "the source holds no flow-log configuration (describe-flow-logs output): whether "
                "the VPCs have flow logs is unknown",
            }
        )
    undeclared = sorted(ctx.paths.undeclared_groups & set(snapshot.security_groups))
    if cfg.enabled("EC2.22") and undeclared:
        c = BY_ID["EC2.22"]
        not_evaluated.append(
            {
                "check": c.id,
                "controls": list(c.controls),
                "resources": undeclared,
                "reason": "declared outside the source (only standalone rules name them): what they are "
                "attached to is not known",
            }
        )
    return AuditReport(
        snapshot_path,
        tuple(final),
        tuple(uses),
        tuple(not_evaluated),
        cfg,
        snapshot.warnings,
        audited_counts(snapshot),
    )
