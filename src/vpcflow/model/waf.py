"""AWS WAF (wafv2): web ACLs, IP sets and which resources (ALBs) each web ACL protects.

A rule's statement is kept as a tree where vpcflow can decide it from a packet — IP set references and
NOT/AND/OR of them — and as a named leaf (``OtherStatement("RateBasedStatement")``) where it cannot.
https://docs.aws.amazon.com/waf/latest/APIReference/API_Statement.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from vpcflow.model.net import Cidr


@dataclass(frozen=True, slots=True)
class IpSetReference:
    arn: str
    # IPSetForwardedIPConfig.HeaderName: the address comes from an HTTP header, not the packet
    forwarded_header: str | None = None


@dataclass(frozen=True, slots=True)
class NotStatement:
    inner: Statement


@dataclass(frozen=True, slots=True)
class AndStatement:
    items: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class OrStatement:
    items: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class OtherStatement:
    """A statement decided by the request's content, rate, geography or a rule group: named, not evaluated."""

    kind: str  # e.g. RateBasedStatement, GeoMatchStatement, ManagedRuleGroupStatement
    detail: str | None = None  # e.g. the managed rule group's name
    # a rule group whose rules may Allow (a terminating action): the customer's own groups, other vendors'
    # managed groups, and managed groups with a rule action overridden to Allow
    may_allow: bool = False


Statement = IpSetReference | NotStatement | AndStatement | OrStatement | OtherStatement


@dataclass(frozen=True, slots=True)
class WafRule:
    name: str
    priority: int
    statement: Statement
    # Action (Allow | Block | Count | Captcha | Challenge) for plain rules; rule-group statements have
    # an OverrideAction (None | Count) instead
    action: str | None
    override_action: str | None = None

    @property
    def is_rule_group(self) -> bool:
        return isinstance(self.statement, OtherStatement) and self.statement.kind in (
            "ManagedRuleGroupStatement",
            "RuleGroupReferenceStatement",
        )


@dataclass(frozen=True, slots=True)
class WebAcl:
    arn: str
    name: str
    acl_id: str | None
    scope: str | None  # REGIONAL | CLOUDFRONT (from the ARN)
    default_action: str  # Allow | Block
    rules: tuple[WafRule, ...]

    @property
    def rules_by_priority(self) -> tuple[WafRule, ...]:
        return tuple(sorted(self.rules, key=lambda r: r.priority))


@dataclass(frozen=True, slots=True)
class IpSet:
    arn: str
    name: str
    set_id: str | None
    ip_address_version: str  # IPV4 | IPV6
    addresses: tuple[Cidr, ...]


@dataclass(frozen=True, slots=True)
class Waf:
    web_acls: Mapping[str, WebAcl] = field(default_factory=lambda: MappingProxyType({}))
    ip_sets: Mapping[str, IpSet] = field(default_factory=lambda: MappingProxyType({}))
    # protected resource ARN (an ALB) → web ACL ARN
    associations: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __bool__(self) -> bool:
        return bool(self.web_acls or self.ip_sets or self.associations)

    def web_acl_for(self, resource_arn: str) -> WebAcl | None:
        arn = self.associations.get(resource_arn)
        return self.web_acls.get(arn) if arn else None
