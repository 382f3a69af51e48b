"""Text rendering of an audit report (plain text: data is never markup)."""

from __future__ import annotations

from collections import Counter

from vpcflow.audit.findings import Finding
from vpcflow.audit.run import AuditReport
from vpcflow.render.safe import clean_lines

WARNINGS_SHOWN = 10


def _reach(f: Finding) -> str:
    if not f.check.exposure:
        return ""
    if f.reachable is True:
        return "  REACHABLE"
    if f.reachable is False:
        return "  not reachable"
    return "  reachability not modelled"


def finding_text(f: Finding) -> list[str]:
    label = f" ({f.resource.label})" if f.resource.label and f.resource.label != f.resource.name else ""
    head = f"{f.level.label.upper():<8}  {', '.join(f.control_ids)}  {f.resource.name}{label}{_reach(f)}"
    if f.suppressed is not None:
        until = f" until {f.suppressed.expires}" if f.suppressed.expires else ""
        head += f"  [suppressed{until}: {f.suppressed.reason}]"
    out = [head, f"    {f.message}"]
    if f.reason:
        out.append(f"    why: {f.reason}")
    if f.witness is not None:
        out.append(f"    witness: {f.witness}")
    if f.trace_command:
        out.append(f"    check: {f.trace_command}")
    out.append(f"    fix: {f.fix or f.check.fix}")
    loc = f.rule_locations[0] if f.rule_locations else f.resource.location
    where = ""
    if loc is not None and loc.file:
        where = f"  at {loc.file}" + (f":{loc.line}" if loc.line else "")
        if loc.name and loc.name != f.resource.name:
            where += f" ({loc.name})"
    out.append(f"    id: {f.id}{where}")
    return out


def report_text(report: AuditReport) -> str:
    s = report.summary()
    sev = ", ".join(f"{n} {label}" for label, n in s["by_severity"].items() if n)
    head = f"vpcflow audit {report.source}: {s['findings']} finding(s)" + (f" ({sev})" if sev else "")
    if s["suppressed"]:
        head += f", {s['suppressed']} suppressed"
    lines = [head]
    if report.empty:
        lines.append("nothing to audit: the source holds no VPC, subnet, security group or network ACL")
    exposure = [f for f in report.active if f.check.exposure]
    if exposure:
        lines.append(
            f"exposures: {s['reachable']} reachable from the internet, {s['unreachable']} not reachable, "
            f"{s['not_modelled']} through resources vpcflow does not model"
        )
    for f in report.findings:
        lines.append("")
        lines.extend(finding_text(f))
    for u in report.suppressions:
        sup = u.suppression
        if u.expired:
            lines.append("")
            lines.append(
                f"EXPIRED suppression {sup.text} ({sup.where}) expired {sup.expires}: "
                f"{len(u.matched)} finding(s) it names are reported again"
            )
        elif not u.matched:
            lines.append("")
            lines.append(f"unused suppression {sup.text} ({sup.where}): it matches no finding")
    for ne in report.not_evaluated:
        lines.append("")
        which = f" ({', '.join(ne['resources'])})" if ne.get("resources") else ""
        lines.append(f"not evaluated: {', '.join(ne['controls'])}{which}: {ne['reason']}")
    if report.warnings:
        lines.append("")
        lines.extend(_warnings_text(report))
    return clean_lines("\n".join(lines)) + "\n"


def _warnings_text(report: AuditReport, limit: int = WARNINGS_SHOWN) -> list[str]:
    ws = report.warnings
    counts = Counter(w.code for w in ws)
    kinds = ", ".join(f"{n} {code}" for code, n in sorted(counts.items()))
    out = [
        f"source warnings: {len(ws)} ({kinds}): what the source holds that is not (fully) modelled "
        "or does not resolve"
    ]
    out.extend(f"    {w}" for w in ws[:limit])
    if len(ws) > limit:
        out.append(f"    … and {len(ws) - limit} more (--format json lists them all)")
    return out
