"""Tier-chain policies: the audit configuration's ``tiers`` statements, checked by ``vpcflow policy
check`` (the same exhaustive reachability), each failed statement a finding with its witness."""

from __future__ import annotations

from collections.abc import Iterator

from vpcflow.audit.context import AuditContext
from vpcflow.audit.findings import Finding, Location, Resource
from vpcflow.reach.policy import check_policy


def tier_findings(ctx: AuditContext) -> Iterator[Finding]:
    policy = ctx.config.tiers
    if policy is None or not ctx.config.enabled("VPCFLOW-TIER"):
        return
    report = check_policy(ctx.snapshot, policy, snapshot_path=ctx.snapshot_path)
    for res in report.results:
        if res.passed:
            continue
        st = res.statement
        loc = Location(st.where.source, st.where.line, st.name)
        resource = Resource(f"tier:{st.name}", "vpcflow::TierStatement", st.name, loc)
        f = ctx.finding(
            "VPCFLOW-TIER",
            resource,
            f"{st.name}: {res.message}" + (f" ({res.witness_says})" if res.witness_says else ""),
            key=st.name,
            locations=(loc,),
            detail={"statement": res.to_json()},
        )
        yield f.with_(witness=res.witness, trace_command=res.trace_command, reachable=None)
