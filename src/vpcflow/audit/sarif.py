"""SARIF 2.1.0 for code scanning (GitHub ``github/codeql-action/upload-sarif`` and others).

One rule per check (help text: the exact condition and the fix), one result per finding with the file
and line it is written at (Terraform / CloudFormation declaration, or the describe-* JSON line), the
resource as a logical location, ``partialFingerprints`` from the stable finding id, the path-aware
verdict in ``properties``, and SARIF ``suppressions`` for suppressed findings.
https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from vpcflow.audit.catalogue import CHECKS, Check, Severity
from vpcflow.audit.findings import Finding, Location
from vpcflow.audit.run import AuditReport
from vpcflow.model import SnapshotWarning

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub reads `security-severity` (0.1-10) to show critical/high/medium/low
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
FINGERPRINT = "vpcflowFindingId/v1"


def _rule(c: Check) -> dict[str, Any]:
    controls = ", ".join(c.controls)
    text = f"{c.title} ({controls}). Fails when {c.condition}. Fix: {c.fix}."
    markdown = f"**{c.title}** ({controls})\n\nFails when {c.condition}.\n\n**Fix:** {c.fix}."
    if c.exposure:
        extra = (
            " vpcflow also says whether the internet actually reaches the exposure (internet gateway, "
            "routes, network ACLs, security groups): unreachable exposures are kept one severity lower."
        )
        text += extra
        markdown += "\n\n" + extra.strip()
    if c.url:
        markdown += f"\n\n[{controls}]({c.url})"
    rule: dict[str, Any] = {
        "id": c.id,
        "name": "".join(w.capitalize() for w in c.id.replace(".", "-").split("-")),
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": f"Fails when {c.condition}."},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[c.severity]},
        "properties": {
            "tags": ["security", "aws", "network", *c.controls],
            "security-severity": SECURITY_SEVERITY[c.severity],
            "precision": "very-high",
        },
    }
    if c.url:
        rule["helpUri"] = c.url
    return rule


def _uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            return p.as_uri()
    return quote(p.as_posix(), safe="/:@-._~")


def _physical(loc: Location | None, fallback: str) -> dict[str, Any]:
    file = loc.file if loc is not None and loc.file else fallback
    out: dict[str, Any] = {"artifactLocation": {"uri": _uri(file)}}
    if loc is not None and loc.file and loc.line:
        out["region"] = {"startLine": loc.line}
    return out


def _result(f: Finding, index: int, source: str) -> dict[str, Any]:
    primary = f.rule_locations[0] if f.rule_locations else f.resource.location
    logical = {
        "name": f.resource.name,
        "fullyQualifiedName": f.resource.id if f.resource.id != f.resource.name else f.resource.name,
        "kind": "resource",
    }
    result: dict[str, Any] = {
        "ruleId": f.check.id,
        "ruleIndex": index,
        "level": LEVEL[f.level],
        "message": {"text": _message(f)},
        "locations": [{"physicalLocation": _physical(primary, source), "logicalLocations": [logical]}],
        "partialFingerprints": {FINGERPRINT: f.id},
        "properties": {
            "id": f.id,
            "controls": list(f.control_ids),
            "severity": f.level.label,
            "security-severity": SECURITY_SEVERITY[f.level],
            "resource": f.resource.name,
            "resource_id": f.resource.id,
            "resource_type": f.resource.type,
            "exposure": f.check.exposure,
            "reachable": f.reachable,
            "reason": f.reason,
            "witness": f.witness.to_json() if f.witness else None,
            "trace_command": f.trace_command,
            "fix": f.fix or f.check.fix,
        },
    }
    related = [
        {"id": i + 1, "physicalLocation": _physical(loc, source), "message": {"text": "also opens it"}}
        for i, loc in enumerate(f.rule_locations[1:])
    ]
    if related:
        result["relatedLocations"] = related
    if f.suppressed is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": f.suppressed.reason}
        ]
    return result


def _message(f: Finding) -> str:
    text = f"{', '.join(f.control_ids)}: {f.resource.name}: {f.message}."
    if f.check.exposure:
        if f.reachable is True and f.witness is not None:
            text += f" Reachable from the internet, e.g. {f.witness} (check: {f.trace_command})."
        elif f.reachable is False:
            text += f" Not reachable: {f.reason}."
        else:
            text += f" Reachability {f.reason or 'not modelled'}."
    return text + f" Fix: {f.fix or f.check.fix}."


def report_sarif(report: AuditReport, version: str) -> dict[str, Any]:
    index = {c.id: i for i, c in enumerate(CHECKS)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vpcflow",
                        "semanticVersion": version,
                        "version": version,
                        "rules": [_rule(c) for c in CHECKS],
                    }
                },
                "automationDetails": {"id": "vpcflow-audit/"},
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [_notification(w) for w in report.warnings],
                    }
                ],
                "results": [_result(f, index[f.check.id], report.source) for f in report.findings],
            }
        ],
    }


def _notification(w: SnapshotWarning) -> dict[str, Any]:
    """A loader warning (not modelled, unresolved, refused by AWS): what the findings were judged without."""
    text = w.message + (f" [{w.source}]" if w.source else "")
    return {"level": "warning", "message": {"text": text}, "descriptor": {"id": w.code}}
