"""VPC flow logging (EC2.6 / CIS 3.7): every VPC has an active flow log that captures rejected traffic.

Security Hub runs ``vpc-flow-logs-enabled`` with ``trafficType: REJECT``; a VPC-level flow log of type
REJECT or ALL (ALL includes rejected traffic) with status ACTIVE satisfies it. Subnet- or interface-level
flow logs do not: the control is about the VPC resource. When the source holds no flow-log data at all
(a describe-* snapshot without ``describe-flow-logs`` output), the check is reported as not evaluated —
absence of data is not absence of flow logs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from vpcflow.audit.context import AuditContext
from vpcflow.audit.findings import Finding
from vpcflow.model.flow_logs import FlowLog


def flow_logs_of(ctx: AuditContext) -> Mapping[str, FlowLog]:
    return ctx.snapshot.flow_logs


def flow_log_findings(ctx: AuditContext) -> Iterator[Finding]:
    if not ctx.config.enabled("EC2.6") or not ctx.flow_logs_known:
        return
    logged: dict[str, list[str]] = {}
    for fl in flow_logs_of(ctx).values():
        traffic = (fl.traffic_type or "ALL").upper()
        status = (fl.status or "ACTIVE").upper()
        why = []
        if traffic not in ("REJECT", "ALL"):
            why.append(f"{fl.flow_log_id} captures {traffic} traffic only")
        if status != "ACTIVE":
            why.append(f"{fl.flow_log_id} is {status}")
        logged.setdefault(fl.resource_id, []).extend(why or ["ok"])
    for vpc_id in sorted(ctx.snapshot.vpcs):
        notes = logged.get(vpc_id, [])
        if "ok" in notes:
            continue
        detail = f" ({'; '.join(notes)})" if notes else ""
        yield ctx.finding(
            "EC2.6",
            ctx.resource(vpc_id),
            f"{vpc_id} has no active flow log capturing rejected traffic{detail}",
            key="flow-logs",
            locations=tuple(loc for loc in (ctx.where.location(vpc_id),) if loc is not None),
        )
