"""What a trace returns: a verdict that is its own explanation (hops, the blocking rule, flow logs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import (
    Address,
    Direction,
    NetworkAclEntry,
    PortRange,
    Route,
    SecurityGroupRule,
    protocol_name,
)
from vpcflow.model.frozen import fast_init


class Verdict(Enum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    PARTIAL = "PARTIAL"
    # The path reaches a construct vpcflow does not model (e.g. a transit gateway route): fail closed.
    UNKNOWN = "UNKNOWN"


RuleRef = SecurityGroupRule | NetworkAclEntry | Route


def rule_json(rule: RuleRef | None) -> dict[str, Any] | None:
    """The stable JSON form of a rule (``RULE`` in the trace contract)."""
    if rule is None:
        return None
    if isinstance(rule, SecurityGroupRule):
        out: dict[str, Any] = {
            "type": "security-group-rule",
            "group_id": rule.group_id,
            "direction": rule.direction.value,
            "index": rule.permission_index,
            "protocol": protocol_name(rule.protocol),
            "ports": str(rule.ports) if rule.ports is not None else None,
            "icmp": str(rule.icmp) if rule.icmp is not None else None,
            "peer": str(rule.peer),
            "description": rule.description,
        }
        if rule.rule_id:
            out["rule_id"] = rule.rule_id
        return out
    if isinstance(rule, NetworkAclEntry):
        return {
            "type": "network-acl-entry",
            "acl_id": rule.acl_id,
            "rule_number": rule.rule_number,
            "rule": rule.number_text,
            "direction": rule.direction.value,
            "protocol": protocol_name(rule.protocol),
            "ports": str(rule.ports) if rule.ports is not None else None,
            "icmp": str(rule.icmp) if rule.icmp is not None else None,
            "cidr": str(rule.cidr),
            "action": rule.action.value,
        }
    return {
        "type": "route",
        "destination": rule.destination_text,
        "target": rule.target_id or rule.target.value,
        "target_type": rule.target.value,
        "state": rule.state,
    }


def rule_text(rule: RuleRef | None) -> str:
    if rule is None:
        return "no matching rule"
    if isinstance(rule, SecurityGroupRule):
        word = "from" if rule.direction is Direction.INGRESS else "to"
        return f"{rule.direction.value} #{rule.permission_index} {rule.match_text} {word} {rule.peer}"
    if isinstance(rule, NetworkAclEntry):
        word = "from" if rule.direction is Direction.INGRESS else "to"
        return (
            f"{rule.direction.value} rule {rule.number_text} {rule.match_text} {word} "
            f"{rule.cidr} {rule.action.value.upper()}"
        )
    return rule.label


class HopKind(Enum):
    # members are singletons: hash by identity (Enum's own hash is a Python call, on every dict lookup)
    __hash__ = object.__hash__

    SECURITY_GROUP = "security-group"
    NETWORK_ACL = "network-acl"
    ROUTE_TABLE = "route-table"
    INTERNET_GATEWAY = "internet-gateway"
    EGRESS_ONLY_INTERNET_GATEWAY = "egress-only-internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    VPC_PEERING = "vpc-peering-connection"
    NETWORK_INTERFACE = "network-interface"
    TRANSIT_GATEWAY = "transit-gateway"
    TRANSIT_GATEWAY_ROUTE_TABLE = "transit-gateway-route-table"
    TRANSIT_GATEWAY_ATTACHMENT = "transit-gateway-attachment"
    VIRTUAL_PRIVATE_GATEWAY = "virtual-private-gateway"
    VPN_CONNECTION = "vpn-connection"
    VPC_ENDPOINT = "vpc-endpoint"
    LOAD_BALANCER = "load-balancer"
    LOAD_BALANCER_LISTENER = "load-balancer-listener"
    TARGET_GROUP = "target-group"
    WEB_ACL = "web-acl"
    NETWORK_FIREWALL = "network-firewall"
    GATEWAY_LOAD_BALANCER_ENDPOINT = "gateway-load-balancer-endpoint"
    ON_PREMISES = "on-premises"
    INTERNET = "internet"
    UNSUPPORTED = "unsupported"


class HopAction(Enum):
    ALLOW = "allow"
    DENY = "deny"
    FORWARD = "forward"
    DROP = "drop"
    # the hop cannot say what happens (not modelled, missing or contradictory data): the verdict is UNKNOWN
    UNKNOWN = "unknown"


@fast_init
@dataclass(frozen=True, slots=True)
class Hop:
    kind: HopKind
    id: str | None
    direction: Direction | None
    action: HopAction
    rule: RuleRef | None = None
    detail: str = ""
    # ports (of the destination-port dimension) this hop denied while others passed
    denied_ports: IntervalSet | None = None
    # for security groups: the several groups whose rules were evaluated together
    group_ids: tuple[str, ...] = ()
    # the connection of a proxied flow this hop belongs to ("client → load balancer", ...); "" otherwise
    connection: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "id": self.id,
            "direction": self.direction.value if self.direction else None,
            "action": self.action.value,
            "rule": rule_json(self.rule),
        }
        if self.detail:
            out["detail"] = self.detail
        if self.denied_ports:
            out["denied_ports"] = str(self.denied_ports)
        if self.group_ids:
            out["group_ids"] = list(self.group_ids)
        if self.connection:
            out["connection"] = self.connection
        return out


@fast_init
@dataclass(frozen=True, slots=True)
class Blocker:
    """What stops (part of) a flow, in AWS Reachability Analyzer's vocabulary where one fits."""

    stage: str  # "forward" | "return"
    kind: HopKind
    id: str | None
    direction: Direction | None
    rule: RuleRef | None
    code: str
    ports: IntervalSet | None = None  # the client ports (or NAT ports) affected, on the return stage
    detail: str = ""
    # the answer depends on something not modelled, missing or contradictory: the verdict is UNKNOWN
    unknown: bool = False
    connection: str = ""  # the connection of a proxied flow it stops (see ``Hop.connection``)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "stage": self.stage,
            "kind": self.kind.value,
            "id": self.id,
            "direction": self.direction.value if self.direction else None,
            "rule": rule_json(self.rule),
            "code": self.code,
        }
        if self.ports is not None:
            out["ports"] = str(self.ports)
        if self.detail:
            out["detail"] = self.detail
        if self.unknown:
            out["unknown"] = True
        if self.connection:
            out["connection"] = self.connection
        return out


@fast_init
@dataclass(frozen=True, slots=True)
class FlowLogRecord:
    """A record AWS would write on one ENI for this conversation (addresses as the ENI sees them)."""

    interface_id: str
    srcaddr: Address
    dstaddr: Address
    srcport: int
    dstport: int
    protocol: int
    action: str  # ACCEPT | REJECT
    flow_direction: str  # ingress | egress
    pkt_srcaddr: Address
    pkt_dstaddr: Address
    request: bool = True  # a packet of the request leg (False: of the response); not an AWS field

    def to_json(self) -> dict[str, Any]:
        return {
            "interface-id": self.interface_id,
            "srcaddr": str(self.srcaddr),
            "dstaddr": str(self.dstaddr),
            "srcport": self.srcport,
            "dstport": self.dstport,
            "protocol": self.protocol,
            "action": self.action,
            "flow-direction": self.flow_direction,
            "pkt-srcaddr": str(self.pkt_srcaddr),
            "pkt-dstaddr": str(self.pkt_dstaddr),
        }


@fast_init
@dataclass(frozen=True, slots=True)
class Endpoint:
    """A resolved trace endpoint: an ENI of the snapshot, or an address outside it."""

    address: Address
    eni_id: str | None = None
    instance_id: str | None = None
    label: str = ""

    @property
    def is_external(self) -> bool:
        return self.eni_id is None

    def to_json(self) -> dict[str, Any]:
        return {
            "address": str(self.address),
            "interface_id": self.eni_id,
            "instance_id": self.instance_id,
            "label": self.label,
        }


@fast_init
@dataclass(frozen=True, slots=True)
class Leg:
    delivered: bool
    hops: tuple[Hop, ...]
    applicable: bool = True


@fast_init
@dataclass(frozen=True, slots=True, kw_only=True)
class Trace:
    verdict: Verdict
    source: Endpoint
    destination: Endpoint
    protocol: int
    dst_port: int | None
    icmp_type: int | None
    icmp_code: int | None
    client_ports: PortRange
    forward: Leg
    ret: Leg
    return_ports: IntervalSet  # client ephemeral ports whose replies get back
    blocked_by: Blocker | None
    blockers: tuple[Blocker, ...] = ()
    flow_logs: tuple[FlowLogRecord, ...] = ()
    notes: tuple[str, ...] = field(default=())
    # every way the flow can go (a load balancer's nodes and targets), each its own trace; empty when
    # there is one way. Not part of the JSON contract (the notes summarise them).
    ways: tuple[Trace, ...] = ()

    @property
    def diagnosis(self) -> str:
        from vpcflow.engine.diagnosis import diagnose

        return diagnose(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "source": self.source.to_json(),
            "destination": self.destination.to_json(),
            "protocol": self.protocol,
            "dst_port": self.dst_port,
            "icmp_type": self.icmp_type,
            "icmp_code": self.icmp_code,
            "forward": {
                "delivered": self.forward.delivered,
                "hops": [h.to_json() for h in self.forward.hops],
            },
            "return": {
                "applicable": self.ret.applicable,
                "delivered": self.ret.delivered,
                "src_ports": str(self.return_ports) if self.ret.applicable else None,
                "failed_ports": (
                    str(IntervalSet.of((self.client_ports.lo, self.client_ports.hi)) - self.return_ports)
                    if self.ret.applicable
                    else None
                ),
                "client_ports": str(self.client_ports),
                "hops": [h.to_json() for h in self.ret.hops],
            },
            "blocked_by": self.blocked_by.to_json() if self.blocked_by else None,
            "blockers": [b.to_json() for b in self.blockers],
            "diagnosis": self.diagnosis,
            "flow_logs": [r.to_json() for r in self.flow_logs],
            "notes": list(self.notes),
        }
