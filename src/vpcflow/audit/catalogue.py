"""What the audit checks: one row per check, with the control ids of every standard that states it.

A *check* is one exact condition; it carries the ids of the controls that state that condition (a
Security Hub control and its CIS AWS Foundations equivalent, numbered as in v3.0.0 with the v5.0.0 number
beside it). Conditions are quoted from AWS's control and AWS Config rule pages (see docs/audit.md for
each one and for the choices where the text is ambiguous).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from vpcflow.errors import InputError


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    def lowered(self) -> Severity:
        """One level down (an exposure no path reaches), never below ``info``."""
        return Severity(max(self.value - 1, 0))

    @classmethod
    def parse(cls, text: str) -> Severity:
        word = text.strip().lower()
        if word == "informational":
            word = "info"
        for s in cls:
            if s.label == word:
                return s
        raise InputError(f"unknown severity {text!r} (expected one of {', '.join(s.label for s in cls)})")


@dataclass(frozen=True, slots=True)
class Check:
    id: str  # the primary control id (Security Hub's, or vpcflow's own)
    controls: tuple[str, ...]  # every control id stating this condition, primary first
    title: str
    severity: Severity
    condition: str  # the exact condition, one sentence
    fix: str  # default fix suggestion
    exposure: bool = False  # an internet exposure: findings carry `reachable`
    url: str | None = None


SH = "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#"
CONFIG = "https://docs.aws.amazon.com/config/latest/developerguide/"

CHECKS: tuple[Check, ...] = (
    Check(
        "EC2.2",
        ("EC2.2", "CIS 5.4", "CIS v5.0 5.5"),
        "VPC default security groups should not allow inbound or outbound traffic",
        Severity.HIGH,
        "the VPC's default security group has one or more inbound or outbound rules",
        "remove every inbound and outbound rule of the default security group (Terraform: declare "
        "aws_default_security_group with no ingress/egress blocks) and attach purpose-made groups",
        url=SH + "ec2-2",
    ),
    Check(
        "EC2.6",
        ("EC2.6", "CIS 3.7", "CIS v5.0 3.7"),
        "VPC flow logging should be enabled in all VPCs",
        Severity.MEDIUM,
        "no active flow log on the VPC captures rejected traffic (traffic type REJECT or ALL)",
        "create a flow log on the VPC with traffic type REJECT or ALL (Terraform aws_flow_log with "
        "vpc_id; CloudFormation AWS::EC2::FlowLog with ResourceType VPC)",
        url=SH + "ec2-6",
    ),
    Check(
        "EC2.13",
        ("EC2.13",),
        "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22",
        Severity.HIGH,
        "an inbound rule (or rules together) admits TCP or UDP port 22 from every address of 0.0.0.0/0 "
        "or ::/0 (protocol -1 and port ranges that include 22 count)",
        "restrict the source to known CIDRs or a security group (a bastion, a VPN), or use SSM Session "
        "Manager and remove the rule",
        exposure=True,
        url=SH + "ec2-13",
    ),
    Check(
        "EC2.14",
        ("EC2.14",),
        "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 3389",
        Severity.HIGH,
        "an inbound rule (or rules together) admits TCP or UDP port 3389 from every address of 0.0.0.0/0 "
        "or ::/0 (protocol -1 and port ranges that include 3389 count)",
        "restrict the source to known CIDRs or a security group (a bastion, a VPN, Fleet Manager)",
        exposure=True,
        url=SH + "ec2-14",
    ),
    Check(
        "EC2.18",
        ("EC2.18",),
        "Security groups should only allow unrestricted incoming traffic for authorized ports",
        Severity.HIGH,
        "an inbound rule (or rules together) admits from all of 0.0.0.0/0 or ::/0 a TCP port outside "
        "authorizedTcpPorts (default 80, 443) or a UDP port outside authorizedUdpPorts (default none)",
        "open only the authorized ports to the world, or restrict the source of the others",
        exposure=True,
        url=SH + "ec2-18",
    ),
    Check(
        "EC2.19",
        ("EC2.19",),
        "Security groups should not allow unrestricted access to ports with high risk",
        Severity.CRITICAL,
        "an inbound rule (or rules together) admits from all of 0.0.0.0/0 or ::/0 a TCP or UDP port of "
        "20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, "
        "5601, 8080, 8088, 8888, 9200, 9300",
        "restrict the source of these ports to known CIDRs or security groups",
        exposure=True,
        url=SH + "ec2-19",
    ),
    Check(
        "EC2.53",
        ("EC2.53", "CIS 5.2", "CIS v5.0 5.3"),
        "EC2 security groups should not allow ingress from 0.0.0.0/0 to remote server administration ports",
        Severity.HIGH,
        "an inbound rule (or rules together) admits TCP or UDP (or protocol -1) to a remote "
        "administration port (default 22, 3389) from every address of 0.0.0.0/0",
        "restrict the source of administration ports to known CIDRs or security groups",
        exposure=True,
        url=SH + "ec2-53",
    ),
    Check(
        "EC2.54",
        ("EC2.54", "CIS 5.3", "CIS v5.0 5.4"),
        "EC2 security groups should not allow ingress from ::/0 to remote server administration ports",
        Severity.HIGH,
        "an inbound rule (or rules together) admits TCP or UDP (or protocol -1) to a remote "
        "administration port (default 22, 3389) from every address of ::/0",
        "restrict the IPv6 source of administration ports to known CIDRs or security groups",
        exposure=True,
        url=SH + "ec2-54",
    ),
    Check(
        "EC2.21",
        ("EC2.21", "CIS 5.1", "CIS v5.0 5.2"),
        "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389",
        Severity.MEDIUM,
        "an inbound ALLOW entry from 0.0.0.0/0 or ::/0 (or entries together covering it) that takes "
        "effect — not shadowed by lower-numbered entries — for TCP or UDP port 22 or 3389 (CIS 5.1: from "
        "0.0.0.0/0, to any remote administration port)",
        "add a lower-numbered DENY entry for the administration ports from 0.0.0.0/0 (and ::/0), or "
        "narrow the ALLOW entry's source",
        exposure=True,
        url=SH + "ec2-21",
    ),
    Check(
        "EC2.16",
        ("EC2.16",),
        "Unused Network Access Control Lists should be removed",
        Severity.LOW,
        "the network ACL is associated with no subnet",
        "delete the network ACL, or associate it with the subnets it was made for",
        url=SH + "ec2-16",
    ),
    Check(
        "EC2.22",
        ("EC2.22",),
        "Unused Amazon EC2 security groups should be removed",
        Severity.MEDIUM,
        "the (non-default) security group is attached to no network interface, instance or other "
        "resource that uses security groups",
        "delete the security group, or attach it where it was meant to be used",
        url=SH + "ec2-22",
    ),
    # -- what a per-rule scanner cannot see ------------------------------------------------------
    Check(
        "VPCFLOW-NACL-SHADOWED",
        ("VPCFLOW-NACL-SHADOWED",),
        "Network ACL entry shadowed by lower-numbered entries",
        Severity.LOW,
        "every packet the entry matches is decided by lower-numbered entries: it never takes effect",
        "delete the entry, or renumber it before the entries that shadow it if it was meant to decide",
    ),
    Check(
        "VPCFLOW-SG-REDUNDANT",
        ("VPCFLOW-SG-REDUNDANT",),
        "Security group rule covered by other rules",
        Severity.INFO,
        "the rule admits nothing the other rules of the group (or of every ENI carrying it) do not admit",
        "delete the redundant rule (security group rules are a union: it changes nothing)",
    ),
    Check(
        "VPCFLOW-NACL-RETURN-PATH",
        ("VPCFLOW-NACL-RETURN-PATH",),
        "Network ACL admits requests but drops their replies",
        Severity.MEDIUM,
        "requests the network ACL admits in one direction have replies to some client ephemeral ports "
        "(Linux 32768-60999, Windows 49152-65535, NAT gateway / ELB / Lambda 1024-65535) dropped in the "
        "other direction",
        "allow the clients' ephemeral ports (1024-65535 covers every client) in the reply direction",
    ),
    Check(
        "VPCFLOW-TIER",
        ("VPCFLOW-TIER",),
        "Tier policy violated",
        Severity.HIGH,
        "a tier statement of the audit configuration (vpcflow policy syntax) does not hold",
        "change the security groups or network ACLs so that only the intended tier reaches the next",
    ),
    Check(
        "VPCFLOW-SG-DENY-BY-OMISSION",
        ("VPCFLOW-SG-DENY-BY-OMISSION",),
        "A security group cannot deny: use a network ACL or WAF",
        Severity.LOW,
        "two or more inbound CIDR rules of a group together admit a port from all of the internet but a "
        "small gap (at most 1/256 of it), as if the gap were meant to be denied",
        "security groups only allow: admit the port from 0.0.0.0/0 (or ::/0) and block the gap with a "
        "network ACL DENY entry (or an AWS WAF IP set on the load balancer or CloudFront)",
    ),
    Check(
        "VPCFLOW-QUOTA-SG-RULES",
        ("VPCFLOW-QUOTA-SG-RULES",),
        "Security group over its rules quota",
        Severity.MEDIUM,
        "a group has more inbound (or outbound) rules than the quota (default 60), counted separately "
        "for IPv4 and IPv6; a prefix list counts as its max entries",
        "merge CIDRs into prefix lists or fewer rules, split the group, or raise the quota",
        url="https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups",
    ),
    Check(
        "VPCFLOW-QUOTA-ENI-SGS",
        ("VPCFLOW-QUOTA-ENI-SGS",),
        "Network interface over its security groups quota",
        Severity.MEDIUM,
        "a network interface has more security groups than the quota (default 5, at most 16)",
        "merge groups, or raise the quota (rules per group × groups per interface stays ≤ 1,000)",
        url="https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups",
    ),
    Check(
        "VPCFLOW-QUOTA-NACL-ENTRIES",
        ("VPCFLOW-QUOTA-NACL-ENTRIES",),
        "Network ACL over its entries quota",
        Severity.MEDIUM,
        "a network ACL has more entries in one direction than the quota (default 20, at most 40), "
        "counted separately for IPv4 and IPv6 and including the default `*` entry",
        "merge entries, or raise the quota",
        url="https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-nacls",
    ),
    Check(
        "VPCFLOW-SG-STALE-REFERENCE",
        ("VPCFLOW-SG-STALE-REFERENCE",),
        "Security group rule references a group it can no longer reach",
        Severity.LOW,
        "the rule references a group in a VPC that is neither its own nor actively peered (AWS marks "
        "such rules stale: they match nothing)",
        "delete the stale rule, or restore the peering connection",
        url="https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html",
    ),
    Check(
        "VPCFLOW-UNRESOLVED-REFERENCE",
        ("VPCFLOW-UNRESOLVED-REFERENCE",),
        "Rule references a group or prefix list missing from the source",
        Severity.LOW,
        "a security group rule references a group or prefix list the source does not hold, so what it "
        "admits cannot be judged (vpcflow treats it as matching nothing)",
        "add the referenced resource to the snapshot, or fix the reference",
    ),
)

BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}
CONTROL_IDS: frozenset[str] = frozenset(cid for c in CHECKS for cid in c.controls)

# EC2.19's list, verbatim from the control (Security Hub custom rule vpc-sg-restricted-common-ports)
HIGH_RISK_PORTS: tuple[int, ...] = (
    20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500,
    5601, 8080, 8088, 8888, 9200, 9300,
)  # fmt: skip
ADMIN_PORTS: tuple[int, ...] = (22, 3389)
AUTHORIZED_TCP_PORTS: tuple[int, ...] = (80, 443)
