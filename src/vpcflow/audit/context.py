"""What every check is given: the snapshot, the configuration, compiled rules, paths and locations;
and the one place a finding gets its severity (configured override, then lowered when unreachable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vpcflow.audit.catalogue import BY_ID, Severity
from vpcflow.audit.config import AuditConfig
from vpcflow.audit.exposure import ExposurePaths, PathAnswer
from vpcflow.audit.findings import Finding, Location, Resource, Rule
from vpcflow.audit.locate import Locator
from vpcflow.engine.rules import CompiledRules
from vpcflow.engine.trace import Engine
from vpcflow.model import Snapshot


@dataclass
class AuditContext:
    snapshot: Snapshot
    config: AuditConfig
    snapshot_path: str = "SNAPSHOT"
    files: tuple[str, ...] = ()
    # whether the source says which flow logs exist (describe-flow-logs read, or an IaC source)
    flow_logs_known: bool = False
    engine: Engine = field(init=False)
    rules: CompiledRules = field(init=False)
    paths: ExposurePaths = field(init=False)
    where: Locator = field(init=False)

    def __post_init__(self) -> None:
        self.engine = Engine(self.snapshot)
        self.rules = self.engine.rules
        self.paths = ExposurePaths(self.snapshot, self.engine)
        self.where = Locator(self.snapshot, self.files)

    def resource(self, rid: str, rtype: str | None = None) -> Resource:
        return self.where.resource(rid, rtype)

    def finding(
        self,
        check_id: str,
        resource: Resource,
        message: str,
        *,
        rules: tuple[Rule, ...] = (),
        controls: tuple[str, ...] = (),
        path: PathAnswer | None = None,
        key: str = "",
        fix: str | None = None,
        detail: dict[str, Any] | None = None,
        locations: tuple[Location, ...] | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        check = BY_ID[check_id]
        ctl = controls or check.controls
        configured = self.config.severity_of(check.id, ctl)
        if configured is not None:
            severity = configured
        elif severity is None:
            severity = check.severity
        reachable = reason = witness = trace = None
        if path is not None:
            reachable, reason, witness = path.reachable, path.reason, path.witness
            if reachable is False:
                severity = severity.lowered()
            if witness is not None:
                trace = witness.trace_command(self.snapshot_path)
        if locations is None:
            locs = tuple(loc for loc in (self.where.rule_location(r) for r in rules) if loc is not None)
        else:
            locs = locations
        return Finding(
            check,
            resource,
            message,
            rules,
            locs,
            ctl,
            severity,
            reachable,
            reason,
            witness,
            trace,
            fix,
            detail or {},
            key,
        )
