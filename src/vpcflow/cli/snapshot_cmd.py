"""``vpcflow snapshot info|fetch``: what a snapshot holds; import one live from AWS."""

from __future__ import annotations

import json
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from vpcflow.cli.app import app
from vpcflow.cli.common import console

snapshot_app = typer.Typer(help="Inspect or fetch snapshots.", no_args_is_help=True)
app.add_typer(snapshot_app, name="snapshot")


class InfoFormat(StrEnum):
    text = "text"
    json = "json"


def snapshot_summary(path: str) -> dict[str, Any]:
    """Counts, scopes, VPCs, warnings and what is not modelled — the data behind ``snapshot info``.

    Every list is sorted and every mapping is written with sorted keys, so the JSON is stable.
    """
    from vpcflow.engine.coverage import constructs
    from vpcflow.sources import load_with_report

    result = load_with_report(path)
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


@snapshot_app.command("info")
def info_command(
    snapshot: Annotated[str, typer.Argument(help="Snapshot directory or JSON file.")],
    output: Annotated[InfoFormat, typer.Option("--format", "-f")] = InfoFormat.text,
) -> int:
    """What was loaded (per resource kind, per account/region, VPCs), every warning, what is not
    modelled, and the files that were not read. Exit 0, warnings or not."""
    data = snapshot_summary(snapshot)
    if output is InfoFormat.json:
        typer.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
        return 0
    con = console()
    con.print(f"[bold]{data['snapshot']}[/]: {data['files']} JSON files read")
    counts = _table("loaded", "resource", "count")
    counts.columns[1].justify = "right"
    for k, v in data["counts"].items():
        counts.add_row(k.replace("_", " "), str(v))
    con.print(counts)
    if data["instances_by_state"]:
        con.print(
            "instances by state: " + ", ".join(f"{k} {v}" for k, v in data["instances_by_state"].items())
        )
    if data["scopes"]:
        scopes = _table("accounts and regions", "account", "region", "files", "items")
        for sc in data["scopes"]:
            scopes.add_row(
                sc["account"] or "-",
                sc["region"] or "-",
                str(sc["documents"]),
                ", ".join(f"{k} {n}" for k, n in sc["items"].items()),
            )
        con.print(scopes)
    if data["vpcs"]:
        vpcs = _table("VPCs", "vpc", "account", "region", "cidrs", "subnets", "interfaces")
        for v in data["vpcs"]:
            vpcs.add_row(
                v["vpc_id"],
                v["account"] or "-",
                v["region"] or "-",
                ", ".join(v["cidrs"]),
                str(v["subnets"]),
                str(v["interfaces"]),
            )
        con.print(vpcs)
    if data["constructs"]:
        cons = _table("constructs", "construct", "count", "status", "note")
        cons.columns[1].justify = "right"
        for c in data["constructs"]:
            cons.add_row(c["construct"], str(c["count"]), c["status"], c["note"])
        con.print(cons)
    if data["not_modelled"]:
        nm = _table("not modelled (counted, never used)", "key", "items")
        for k, n in data["not_modelled"].items():
            nm.add_row(k, str(n))
        con.print(nm)
    if data["ignored_files"]:
        con.print(f"[bold]ignored files[/] (not read): {len(data['ignored_files'])}")
        for f in data["ignored_files"]:
            con.print(f"  {escape(f)}")
    if data["warnings"]:
        warns = _table(f"{len(data['warnings'])} warnings", "code", "message", "where")
        for w in data["warnings"]:
            warns.add_row(w["code"], escape(w["message"]), escape(w["source"] or w["resource_id"] or ""))
        con.print(warns)
    else:
        con.print("[green]no warnings[/]")
    return 0


@snapshot_app.command("fetch")
def fetch_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the snapshot into.")],
    region: Annotated[list[str] | None, typer.Option("--region", "-r", help="Region (repeatable).")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="AWS profile name.")] = None,
    endpoint_url: Annotated[
        str | None, typer.Option("--endpoint-url", help="EC2/STS endpoint (e.g. a moto server).")
    ] = None,
) -> int:
    """Call the EC2 describe-* APIs with boto3 and write a snapshot (Batfish layout)."""
    import boto3

    from vpcflow.live import fetch_snapshot

    session = boto3.Session(profile_name=profile) if profile else boto3.Session()
    err = console(stderr=True)
    report = fetch_snapshot(out, region or [], session=session, endpoint_url=endpoint_url)
    err.print(
        f"account {report.account}, regions {', '.join(report.regions)}: {len(report.files)} files, "
        + ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v)
    )
    for s in report.skipped:
        err.print(f"[yellow]skipped[/] {s}")
    typer.echo(str(out))
    return 0
