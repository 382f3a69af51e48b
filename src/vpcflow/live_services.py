"""Live import of the load-balancing, Network Firewall and WAF families (``live.fetch_snapshot`` calls these).

One fetcher per service; each writes files the loader reads back as docs/semantics.md describes: elbv2
outputs as the CLI returns them, per-owner calls wrapped with the owner's ARN
(``LoadBalancerTargetHealth``, ``LoadBalancerAttributes``, ``TargetGroupAttributes``,
``{"ListenerArn", "Rules"}``), Network Firewall and WAF single-object responses one per file
(``get-web-acl-for-resource`` with ``ResourceArn`` added). A call that fails (permissions, a service the
endpoint does not offer) is listed in ``report.skipped``, never fatal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vpcflow.live import FetchReport

Fetcher = Callable[[Any, Path, "FetchReport", str], None]


def _pages(client: Any, method: str, key: str, **kwargs: Any) -> list[Any]:
    if client.can_paginate(method):
        return [i for page in client.get_paginator(method).paginate(**kwargs) for i in page.get(key, [])]
    return list(getattr(client, method)(**kwargs).get(key, []))


def _marker_pages(client: Any, method: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """wafv2 list calls page with NextMarker and have no paginator."""
    marker: str | None = None
    while True:
        page = getattr(client, method)(**kwargs, **({"NextMarker": marker} if marker else {}))
        yield from page.get(key, [])
        marker = page.get("NextMarker")
        if not marker or not page.get(key):
            return


def error_summary(exc: BaseException) -> str:
    """One line, bounded: some endpoints answer errors with whole HTML pages (botocore quotes them as
    ``b'...\\n...'``, escapes included)."""
    text = " ".join(str(exc).replace("\\n", " ").split())
    return text if len(text) <= 160 else text[:157] + "..."


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:100] or "item"


def _write(folder: Path, name: str, doc: dict[str, Any], report: FetchReport, key: str, n: int) -> None:
    from vpcflow.live import jsonable

    path = folder / name
    path.write_text(json.dumps(jsonable(doc), indent=2, sort_keys=True) + "\n")
    report.files.append(path)
    report.counts[key] = report.counts.get(key, 0) + n


def call_errors() -> tuple[type[Exception], ...]:
    """What a describe call may raise that means "this call cannot be answered here" (no permission, not
    offered, an unparsable answer, not implemented by the endpoint): reported as skipped, never fatal."""
    import botocore.exceptions as bexc
    from botocore.parsers import ResponseParserError

    return (bexc.BotoCoreError, bexc.ClientError, ResponseParserError, NotImplementedError)


def fetch_elbv2(client: Any, folder: Path, report: FetchReport, region: str) -> None:
    errors = call_errors()
    try:
        lbs = _pages(client, "describe_load_balancers", "LoadBalancers")
    except errors as exc:
        report.skipped.append(f"{region} elbv2 describe_load_balancers: {error_summary(exc)}")
        return
    _write(folder, "LoadBalancers.json", {"LoadBalancers": lbs}, report, "LoadBalancers", len(lbs))
    listeners: list[Any] = []
    attributes: list[Any] = []
    for lb in lbs:
        arn = lb["LoadBalancerArn"]
        try:
            listeners.extend(_pages(client, "describe_listeners", "Listeners", LoadBalancerArn=arn))
            attrs = client.describe_load_balancer_attributes(LoadBalancerArn=arn).get("Attributes", [])
            attributes.append({"LoadBalancerArn": arn, "Attributes": attrs})
        except errors as exc:
            report.skipped.append(f"{region} elbv2 listeners/attributes of {arn}: {error_summary(exc)}")
    _write(folder, "Listeners.json", {"Listeners": listeners}, report, "Listeners", len(listeners))
    _write(
        folder, "LoadBalancerAttributes.json", {"LoadBalancerAttributes": attributes}, report,
        "LoadBalancerAttributes", len(attributes),
    )  # fmt: skip
    for i, li in enumerate(listeners):
        if str(li.get("Protocol", "")).upper() not in ("HTTP", "HTTPS"):
            continue  # only ALB listeners have rules
        try:
            rules = _pages(client, "describe_rules", "Rules", ListenerArn=li["ListenerArn"])
        except errors as exc:
            report.skipped.append(f"{region} elbv2 describe_rules {li['ListenerArn']}: {error_summary(exc)}")
            continue
        doc = {"ListenerArn": li["ListenerArn"], "Rules": rules}
        _write(folder, f"Rules.{i:03d}.json", doc, report, "Rules", len(rules))
    try:
        tgs = _pages(client, "describe_target_groups", "TargetGroups")
    except errors as exc:
        report.skipped.append(f"{region} elbv2 describe_target_groups: {error_summary(exc)}")
        return
    _write(folder, "TargetGroups.json", {"TargetGroups": tgs}, report, "TargetGroups", len(tgs))
    health: list[Any] = []
    tg_attributes: list[Any] = []
    for tg in tgs:
        arn = tg["TargetGroupArn"]
        try:
            described = client.describe_target_health(TargetGroupArn=arn).get("TargetHealthDescriptions", [])
            health.append({"TargetGroupArn": arn, "TargetHealthDescriptions": described})
            attrs = client.describe_target_group_attributes(TargetGroupArn=arn).get("Attributes", [])
            tg_attributes.append({"TargetGroupArn": arn, "Attributes": attrs})
        except errors as exc:
            report.skipped.append(f"{region} elbv2 health/attributes of {arn}: {error_summary(exc)}")
    _write(
        folder, "LoadBalancerTargetHealth.json", {"LoadBalancerTargetHealth": health}, report,
        "LoadBalancerTargetHealth", sum(len(h["TargetHealthDescriptions"]) for h in health),
    )  # fmt: skip
    _write(
        folder, "TargetGroupAttributes.json", {"TargetGroupAttributes": tg_attributes}, report,
        "TargetGroupAttributes", len(tg_attributes),
    )  # fmt: skip


def fetch_classic_elb(client: Any, folder: Path, report: FetchReport, region: str) -> None:
    try:
        lbs = _pages(client, "describe_load_balancers", "LoadBalancerDescriptions")
    except call_errors() as exc:
        report.skipped.append(f"{region} elb describe_load_balancers: {error_summary(exc)}")
        return
    _write(
        folder, "LoadBalancerDescriptions.json", {"LoadBalancerDescriptions": lbs}, report,
        "LoadBalancerDescriptions", len(lbs),
    )  # fmt: skip


def fetch_network_firewall(client: Any, folder: Path, report: FetchReport, region: str) -> None:
    errors = call_errors()
    try:
        listed = _pages(client, "list_firewalls", "Firewalls")
    except errors as exc:
        report.skipped.append(f"{region} network-firewall list_firewalls: {error_summary(exc)}")
        return
    policies: set[str] = set()
    for fw in listed:
        try:
            doc = client.describe_firewall(FirewallArn=fw["FirewallArn"])
        except errors as exc:
            arn = fw["FirewallArn"]
            report.skipped.append(f"{region} network-firewall describe_firewall {arn}: {error_summary(exc)}")
            continue
        doc.pop("ResponseMetadata", None)
        policies.add(doc["Firewall"]["FirewallPolicyArn"])
        _write(folder, f"Firewall.{_safe(fw['FirewallName'])}.json", doc, report, "Firewall", 1)
    groups: set[str] = set()
    for arn in sorted(policies):
        try:
            doc = client.describe_firewall_policy(FirewallPolicyArn=arn)
        except errors as exc:
            report.skipped.append(
                f"{region} network-firewall describe_firewall_policy {arn}: {error_summary(exc)}"
            )
            continue
        doc.pop("ResponseMetadata", None)
        pol = doc.get("FirewallPolicy", {})
        for key in ("StatelessRuleGroupReferences", "StatefulRuleGroupReferences"):
            groups.update(r["ResourceArn"] for r in pol.get(key, []))
        _write(
            folder, f"FirewallPolicy.{_safe(arn.rsplit('/', 1)[-1])}.json", doc, report, "FirewallPolicy", 1
        )
    for arn in sorted(groups):
        try:
            doc = client.describe_rule_group(RuleGroupArn=arn)
        except errors as exc:
            report.skipped.append(
                f"{region} network-firewall describe_rule_group {arn}: {error_summary(exc)}"
            )
            continue
        doc.pop("ResponseMetadata", None)
        _write(folder, f"RuleGroup.{_safe(arn.rsplit('/', 1)[-1])}.json", doc, report, "RuleGroup", 1)


def fetch_wafv2(client: Any, folder: Path, report: FetchReport, region: str, alb_arns: list[str]) -> None:
    errors = call_errors()
    try:
        acls = list(_marker_pages(client, "list_web_acls", "WebACLs", Scope="REGIONAL"))
        ip_sets = list(_marker_pages(client, "list_ip_sets", "IPSets", Scope="REGIONAL"))
    except errors as exc:
        report.skipped.append(f"{region} wafv2 list_web_acls/list_ip_sets: {error_summary(exc)}")
        return
    for acl in acls:
        try:
            doc = client.get_web_acl(Name=acl["Name"], Scope="REGIONAL", Id=acl["Id"])
        except errors as exc:
            report.skipped.append(f"{region} wafv2 get_web_acl {acl['ARN']}: {error_summary(exc)}")
            continue
        doc.pop("ResponseMetadata", None)
        _write(folder, f"WebACL.{_safe(acl['Name'])}.json", doc, report, "WebACL", 1)
    for s in ip_sets:
        try:
            doc = client.get_ip_set(Name=s["Name"], Scope="REGIONAL", Id=s["Id"])
        except errors as exc:
            report.skipped.append(f"{region} wafv2 get_ip_set {s['ARN']}: {error_summary(exc)}")
            continue
        doc.pop("ResponseMetadata", None)
        _write(folder, f"IPSet.{_safe(s['Name'])}.json", doc, report, "IPSet", 1)
    for i, arn in enumerate(alb_arns):
        try:
            doc = client.get_web_acl_for_resource(ResourceArn=arn)
        except errors as exc:
            report.skipped.append(f"{region} wafv2 get_web_acl_for_resource {arn}: {error_summary(exc)}")
            continue
        if not doc.get("WebACL"):
            continue
        out = {"ResourceArn": arn, "WebACL": doc["WebACL"]}  # the call does not echo the resource
        _write(folder, f"WebACLForResource.{i:03d}.json", out, report, "WebACLAssociations", 1)
