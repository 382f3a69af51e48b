"""``vpcflow snapshot info|fetch``: what a snapshot holds; import one live from AWS."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from vpcflow.cli.app import group
from vpcflow.cli.common import (
    ParameterOpt,
    aws_session,
    check_endpoint_url,
    check_region,
    console,
    parameters,
)
from vpcflow.render import dumps
from vpcflow.render.safe import clean, text

snapshot_app = group("snapshot", "Inspect or fetch snapshots.")


class InfoFormat(StrEnum):
    text = "text"
    json = "json"


def snapshot_summary(path: str, parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """Counts, scopes, VPCs, warnings and what is not modelled — the data behind ``snapshot info``.

    Every list is sorted and every mapping is written with sorted keys, so the JSON is stable.
    """
    from vpcflow.engine.coverage import constructs
    from vpcflow.sources import load_with_report

    result = load_with_report(path, parameters)
    s = result.snapshot
    rules = sum(len(g.ingress) + len(g.egress) for g in s.security_groups.values())
    entries = sum(len(a.ingress) + len(a.egress) for a in s.network_acls.values())
    subnets_of = Counter(sub.vpc_id for sub in s.subnets.values())
    enis_of = Counter(e.vpc_id for e in s.interfaces.values())
    return {
        "snapshot": str(path),
        "files": len(result.files),
        "ignored_files": sorted(result.ignored_files),
        "scopes": [
            {"account": sc.account, "region": sc.region, "documents": sc.documents, "items": sc.items}
            for sc in result.scopes
        ],
        "counts": {
            "vpcs": len(s.vpcs),
            "subnets": len(s.subnets),
            "network_interfaces": len(s.interfaces),
            "instances": len(s.instances),
            "security_groups": len(s.security_groups),
            "security_group_rules": rules,
            "network_acls": len(s.network_acls),
            "network_acl_entries": entries,
            "route_tables": len(s.route_tables),
            "routes": sum(len(r.routes) for r in s.route_tables.values()),
            "internet_gateways": sum(1 for g in s.internet_gateways.values() if not g.egress_only),
            "egress_only_internet_gateways": sum(1 for g in s.internet_gateways.values() if g.egress_only),
            "nat_gateways": len(s.nat_gateways),
            "elastic_ips": len(s.elastic_ips),
            "prefix_lists": len(s.prefix_lists),
            "vpc_peering_connections": len(s.peerings),
            **_service_counts(s),
            "transit_gateways": len(s.transit_gateways),
            "transit_gateway_attachments": len(s.transit_gateway_attachments),
            "transit_gateway_route_tables": len(s.transit_gateway_route_tables),
            "vpn_gateways": len(s.vpn_gateways),
            "vpn_connections": len(s.vpn_connections),
            "customer_gateways": len(s.customer_gateways),
            "vpc_endpoints": len(s.vpc_endpoints),
            # the provider's side of endpoint services: shown when the snapshot has any
            **({"vpc_endpoint_services": len(s.endpoint_services)} if s.endpoint_services else {}),
            "flow_logs": len(s.flow_logs),
        },
        "constructs": constructs(s),
        "instances_by_state": dict(sorted(Counter(i.state for i in s.instances.values()).items())),
        "vpcs": [
            {
                "vpc_id": v.vpc_id,
                "account": v.owner_id,
                "region": v.region,
                "cidrs": [str(c) for c in v.cidrs],
                "subnets": subnets_of[v.vpc_id],
                "interfaces": enis_of[v.vpc_id],
            }
            for v in sorted(s.vpcs.values(), key=lambda v: v.vpc_id)
        ],
        "warnings": sorted(
            (
                {"code": w.code, "message": w.message, "source": w.source, "resource_id": w.resource_id}
                for w in s.warnings
            ),
            key=lambda w: (w["code"], w["source"] or "", w["resource_id"] or "", w["message"]),
        ),
        "warning_counts": dict(sorted(Counter(w.code for w in s.warnings).items())),
        "not_modelled": dict(sorted(s.not_modelled.items())),
        # resource id → why the snapshot contradicts itself about it (answers that depend on it: UNKNOWN)
        "contradictions": dict(sorted(s.contradictions.items())),
    }


def _service_counts(s: Any) -> dict[str, int]:
    """Load balancing, Network Firewall and WAF: shown only when the snapshot has any of them."""
    elb, nfw, waf = s.load_balancing, s.network_firewall, s.waf
    out: dict[str, int] = {}
    if elb:
        out |= {
            "load_balancers": len(elb.load_balancers),
            "listeners": len(elb.listeners),
            "listener_rules": len(elb.rules),
            "target_groups": len(elb.target_groups),
            "registered_targets": sum(len(h) for h in elb.target_health.values()),
            "classic_load_balancers": len(elb.classic),
        }
    if nfw:
        out |= {
            "network_firewalls": len(nfw.firewalls),
            "firewall_policies": len(nfw.policies),
            "firewall_rule_groups": len(nfw.rule_groups),
        }
    if waf:
        out |= {
            "web_acls": len(waf.web_acls),
            "ip_sets": len(waf.ip_sets),
            "web_acl_associations": len(waf.associations),
        }
    return out


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col)
    return table


def _row(table: Table, *values: object) -> None:
    table.add_row(*(text("-" if v is None else v) for v in values))


@snapshot_app.command("info")
def info_command(
    snapshot: Annotated[str, typer.Argument(help="Snapshot directory or JSON file.")],
    output: Annotated[
        InfoFormat, typer.Option("--format", "-f", help="text or json.", metavar="FORMAT")
    ] = InfoFormat.text,
    parameter: ParameterOpt = None,
) -> int:
    """What a snapshot holds: counts, accounts and regions, VPCs, warnings, contradictions, what is not
    modelled.

    Also lists the files that were not read. Exit status 0, warnings or not; 2 on bad input.
    """
    data = snapshot_summary(snapshot, parameters(parameter))
    if output is InfoFormat.json:
        typer.echo(dumps(data, sort_keys=True), nl=False)
        return 0
    con = console()
    head = text(data["snapshot"], style="bold")
    head.append(f": {data['files']} JSON files read")
    con.print(head)
    counts = _table("loaded", "resource", "count")
    counts.columns[1].justify = "right"
    for k, v in data["counts"].items():
        _row(counts, k.replace("_", " "), v)
    con.print(counts)
    if data["instances_by_state"]:
        con.print(
            text(
                "instances by state: " + ", ".join(f"{k} {v}" for k, v in data["instances_by_state"].items())
            )
        )
    if data["scopes"]:
        scopes = _table("accounts and regions", "account", "region", "files", "items")
        for sc in data["scopes"]:
            _row(
                scopes,
                sc["account"],
                sc["region"],
                sc["documents"],
                ", ".join(f"{k} {n}" for k, n in sc["items"].items()),
            )
        con.print(scopes)
    if data["vpcs"]:
        vpcs = _table("VPCs", "vpc", "account", "region", "cidrs", "subnets", "interfaces")
        for v in data["vpcs"]:
            _row(
                vpcs,
                v["vpc_id"],
                v["account"],
                v["region"],
                ", ".join(v["cidrs"]),
                v["subnets"],
                v["interfaces"],
            )
        con.print(vpcs)
    if data["constructs"]:
        cons = _table("constructs", "construct", "count", "status", "note")
        cons.columns[1].justify = "right"
        for c in data["constructs"]:
            _row(cons, c["construct"], c["count"], c["status"], c["note"])
        con.print(cons)
    if data["not_modelled"]:
        nm = _table("not modelled (counted, never used)", "key", "items")
        for k, n in data["not_modelled"].items():
            _row(nm, k, n)
        con.print(nm)
    if data["ignored_files"]:
        line = Text("ignored files", style="bold")
        line.append(f" (not read): {len(data['ignored_files'])}")
        con.print(line)
        for f in data["ignored_files"]:
            con.print(text(f"  {f}"))
    if data["contradictions"]:
        contra = _table("contradictions (answers that depend on these are UNKNOWN)", "resource", "why")
        for rid, why in data["contradictions"].items():
            _row(contra, rid, why)
        con.print(contra)
    if data["warnings"]:
        warns = _table(f"{len(data['warnings'])} warnings", "code", "message", "where")
        for w in data["warnings"]:
            _row(warns, w["code"], w["message"], w["source"] or w["resource_id"] or "")
        con.print(warns)
    else:
        con.print(Text("no warnings", style="green"))
    return 0


@snapshot_app.command("fetch")
def fetch_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory to write the snapshot into.", metavar="DIR")
    ],
    region: Annotated[
        list[str] | None, typer.Option("--region", "-r", help="Region (repeatable).", metavar="REGION")
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="AWS profile name.", metavar="NAME")
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option("--endpoint-url", help="EC2/STS endpoint (e.g. a moto server).", metavar="URL"),
    ] = None,
) -> int:
    """Call the EC2 describe-* APIs with boto3 and write a snapshot (Batfish layout)."""
    from vpcflow.live import fetch_snapshot

    for name in region or []:
        check_region("--region", name)
    if endpoint_url is not None:
        check_endpoint_url("--endpoint-url", endpoint_url)
    session = aws_session(profile)
    err = console(stderr=True)
    report = fetch_snapshot(out, region or [], session=session, endpoint_url=endpoint_url)
    err.print(
        text(
            f"account {report.account}, regions {', '.join(report.regions)}: {len(report.files)} files, "
            + ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v)
        )
    )
    for s in report.skipped:
        line = Text("skipped", style="yellow")
        line.append(f" {clean(s)}")
        err.print(line)
    typer.echo(clean(out))
    return 0
