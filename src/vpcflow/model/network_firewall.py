"""AWS Network Firewall: firewalls (endpoints per Availability Zone), firewall policies, rule groups.

Stateless rules keep their match attributes; stateful rules — 5-tuple ``StatefulRules``, Suricata
``RulesString`` lines and the rules a domain list generates — share one form, a Suricata header
(action, protocol, address and port expressions, direction) plus options, so one evaluator serves all.
https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-policy-processing.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from vpcflow.model.net import Cidr, PortRange

# -- Suricata address and port expressions -------------------------------------------------------------
# https://docs.suricata.io/en/latest/rules/intro.html#source-and-destination


@dataclass(frozen=True, slots=True)
class AnyAddress:
    def __str__(self) -> str:
        return "any"


@dataclass(frozen=True, slots=True)
class CidrAddress:
    cidr: Cidr

    def __str__(self) -> str:
        return str(self.cidr)


@dataclass(frozen=True, slots=True)
class VariableAddress:
    """``$NAME``: a rule variable (``HOME_NET``, ``EXTERNAL_NET``, a group's ``IPSets``)."""

    name: str

    def __str__(self) -> str:
        return f"${self.name}"


@dataclass(frozen=True, slots=True)
class ReferenceAddress:
    """``@NAME``: an IP set reference (a managed prefix list or resource group) of the rule group."""

    name: str

    def __str__(self) -> str:
        return f"@{self.name}"


@dataclass(frozen=True, slots=True)
class NegatedAddress:
    inner: AddressExpr

    def __str__(self) -> str:
        return f"!{self.inner}"


@dataclass(frozen=True, slots=True)
class AddressList:
    items: tuple[AddressExpr, ...]

    def __str__(self) -> str:
        return "[" + ",".join(str(i) for i in self.items) + "]"


AddressExpr = AnyAddress | CidrAddress | VariableAddress | ReferenceAddress | NegatedAddress | AddressList


@dataclass(frozen=True, slots=True)
class AnyPort:
    def __str__(self) -> str:
        return "any"


@dataclass(frozen=True, slots=True)
class PortSpan:
    lo: int
    hi: int

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}:{self.hi}"


@dataclass(frozen=True, slots=True)
class VariablePort:
    name: str

    def __str__(self) -> str:
        return f"${self.name}"


@dataclass(frozen=True, slots=True)
class NegatedPort:
    inner: PortExpr

    def __str__(self) -> str:
        return f"!{self.inner}"


@dataclass(frozen=True, slots=True)
class PortList:
    items: tuple[PortExpr, ...]

    def __str__(self) -> str:
        return "[" + ",".join(str(i) for i in self.items) + "]"


PortExpr = AnyPort | PortSpan | VariablePort | NegatedPort | PortList


# -- rules ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TcpFlagMatch:
    """Matches when ``packet_flags & masks == flags`` (masks empty: every flag is inspected)."""

    flags: frozenset[str]
    masks: frozenset[str]


@dataclass(frozen=True, slots=True)
class StatelessRule:
    """A stateless rule; empty match lists mean "any". ``actions`` holds one standard action
    (``aws:pass``, ``aws:drop``, ``aws:forward_to_sfe``) and any custom action names."""

    group_arn: str
    priority: int
    actions: tuple[str, ...]
    sources: tuple[Cidr, ...] = ()
    destinations: tuple[Cidr, ...] = ()
    source_ports: tuple[PortRange, ...] = ()
    destination_ports: tuple[PortRange, ...] = ()
    protocols: tuple[int, ...] = ()
    tcp_flags: tuple[TcpFlagMatch, ...] = ()

    @property
    def standard_action(self) -> str | None:
        return next((a for a in self.actions if a in STATELESS_ACTIONS), None)

    @property
    def label(self) -> str:
        return f"priority {self.priority} {self.standard_action or '?'}"


STATELESS_ACTIONS = frozenset({"aws:pass", "aws:drop", "aws:forward_to_sfe"})


@dataclass(frozen=True, slots=True)
class DomainCondition:
    """A generated domain-list rule's condition: the TLS SNI (``tls``) or HTTP Host (``http``) is one of
    ``targets`` (a leading ``.`` matches the domain and every subdomain)."""

    kind: str  # "tls" | "http"
    targets: tuple[str, ...]

    def matches(self, name: str) -> bool:
        host = name.lower().rstrip(".")
        for t in self.targets:
            t = t.lower()
            if t.startswith("."):
                if host == t[1:] or host.endswith(t):
                    return True
            elif host == t:
                return True
        return False


@dataclass(frozen=True, slots=True)
class StatefulRule:
    """One stateful rule in Suricata form. ``error`` is set when the rule could not be read: the evaluator
    then treats it as a rule that may match (never as one that does not)."""

    group_arn: str
    index: int  # position in the group (0-based): strict order evaluates in this order
    action: str  # pass | drop | reject | alert (lowercase)
    protocol: str  # lowercase: ip, tcp, udp, icmp, or an application protocol (http, tls, dns, ...)
    source: AddressExpr
    source_port: PortExpr
    direction: str  # "->" or "<>"
    destination: AddressExpr
    destination_port: PortExpr
    options: tuple[tuple[str, str | None], ...] = ()
    sid: int | None = None
    text: str = ""
    domain: DomainCondition | None = None
    error: str | None = None

    @property
    def label(self) -> str:
        sid = f" sid {self.sid}" if self.sid is not None else ""
        return f"#{self.index + 1}{sid}: {self.text}" if self.text else f"#{self.index + 1}{sid}"

    def option(self, name: str) -> tuple[str | None, ...]:
        return tuple(v for k, v in self.options if k == name)


@dataclass(frozen=True, slots=True)
class DomainList:
    generated_rules_type: str  # ALLOWLIST | DENYLIST | REJECTLIST | ALERTLIST
    targets: tuple[str, ...]
    target_types: tuple[str, ...]  # TLS_SNI | HTTP_HOST


@dataclass(frozen=True, slots=True)
class RuleGroup:
    arn: str
    name: str
    type: str  # STATELESS | STATEFUL
    rule_order: str = "DEFAULT_ACTION_ORDER"  # StatefulRuleOptions.RuleOrder
    source_kind: str = "none"  # stateless | 5-tuple | rules-string | domain-list | none
    stateless_rules: tuple[StatelessRule, ...] = ()
    custom_actions: tuple[str, ...] = ()
    stateful_rules: tuple[StatefulRule, ...] = ()
    domain_list: DomainList | None = None
    # RuleVariables: name → definitions (address expressions / port expressions)
    ip_sets: tuple[tuple[str, tuple[AddressExpr, ...]], ...] = ()
    port_sets: tuple[tuple[str, tuple[PortExpr, ...]], ...] = ()
    # ReferenceSets.IPSetReferences: name → referenced ARN (resolved only if the snapshot has it)
    ip_set_references: tuple[tuple[str, str], ...] = ()
    capacity: int | None = None
    # a rule group the evaluator cannot read (e.g. a newer rule-group type): every verdict through it is
    # UNKNOWN with this reason
    unsupported: str | None = None

    @property
    def stateless_sorted(self) -> tuple[StatelessRule, ...]:
        return tuple(sorted(self.stateless_rules, key=lambda r: r.priority))


@dataclass(frozen=True, slots=True)
class RuleGroupReference:
    arn: str
    priority: int | None = None
    override_action: str | None = None  # StatefulRuleGroupOverride.Action (DROP_TO_ALERT)


@dataclass(frozen=True, slots=True)
class FirewallPolicy:
    arn: str
    name: str
    stateless_groups: tuple[RuleGroupReference, ...]
    stateless_default_actions: tuple[str, ...]
    stateless_fragment_default_actions: tuple[str, ...]
    stateful_groups: tuple[RuleGroupReference, ...] = ()
    stateful_default_actions: tuple[str, ...] = ()
    rule_order: str = "DEFAULT_ACTION_ORDER"  # StatefulEngineOptions.RuleOrder
    stream_exception_policy: str | None = None
    custom_actions: tuple[str, ...] = ()
    # PolicyVariables.RuleVariables (HOME_NET only, per the API)
    ip_sets: tuple[tuple[str, tuple[AddressExpr, ...]], ...] = ()
    tls_inspection_configuration_arn: str | None = None


@dataclass(frozen=True, slots=True)
class FirewallEndpoint:
    availability_zone: str
    subnet_id: str | None
    endpoint_id: str | None  # vpce-…: the route target
    status: str | None


@dataclass(frozen=True, slots=True)
class Firewall:
    arn: str
    name: str
    policy_arn: str
    vpc_id: str | None
    subnet_ids: tuple[str, ...]
    endpoints: tuple[FirewallEndpoint, ...] = ()
    status: str | None = None
    transit_gateway_id: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    def endpoint(self, endpoint_id: str) -> FirewallEndpoint | None:
        return next((e for e in self.endpoints if e.endpoint_id == endpoint_id), None)


@dataclass(frozen=True, slots=True)
class NetworkFirewalls:
    firewalls: Mapping[str, Firewall] = field(default_factory=lambda: MappingProxyType({}))
    policies: Mapping[str, FirewallPolicy] = field(default_factory=lambda: MappingProxyType({}))
    rule_groups: Mapping[str, RuleGroup] = field(default_factory=lambda: MappingProxyType({}))

    def __bool__(self) -> bool:
        return bool(self.firewalls or self.policies or self.rule_groups)

    def firewall_of_endpoint(self, endpoint_id: str) -> Firewall | None:
        return next((f for f in self.firewalls.values() if f.endpoint(endpoint_id) is not None), None)

    def find(self, ref: str) -> Firewall | None:
        hit = self.firewalls.get(ref)
        if hit is not None:
            return hit
        return next((f for f in self.firewalls.values() if f.name == ref), None)
