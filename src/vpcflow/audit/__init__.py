"""Audit: Security Hub / CIS controls with their exact conditions, path-aware exposure, and what no
per-rule scanner sees. ``audit(snapshot, config)`` → ``AuditReport``; renderers for text, JSON, SARIF.

catalogue   the checks: control ids, conditions, severities, fixes
world       which ports a group opens to every internet address, and by which rules
exposure    whether the internet actually reaches an exposure (the reach engine's walk)
sg_checks   EC2.2, EC2.13, EC2.14, EC2.18, EC2.19, EC2.22, EC2.53, EC2.54 (CIS 5.2-5.4)
nacl_checks EC2.16, EC2.21 (CIS 5.1), judged in rule order
vpc_checks  EC2.6 (CIS 3.7)
hygiene     shadowed NACL entries, redundant SG rules, return-path gaps, deny by omission
limits      quotas, stale and unresolved references
tiers       tier policies (``vpcflow policy`` statements)
config      the YAML configuration and suppression file
run         the orchestration and suppressions
render      text and JSON; sarif: SARIF 2.1.0
"""

from vpcflow.audit.catalogue import CHECKS, Check, Severity
from vpcflow.audit.config import AuditConfig, Suppression, load_config, load_suppressions, parse_config
from vpcflow.audit.findings import Finding, Location, Resource
from vpcflow.audit.run import AuditReport, audit

__all__ = [
    "CHECKS",
    "AuditConfig",
    "AuditReport",
    "Check",
    "Finding",
    "Location",
    "Resource",
    "Severity",
    "Suppression",
    "audit",
    "load_config",
    "load_suppressions",
    "parse_config",
]
