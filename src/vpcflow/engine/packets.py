"""What travels along a leg (packets with port sets) and what a request leaves for its response."""

from __future__ import annotations

from dataclasses import dataclass, field

from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import Address, NatGateway, NetworkInterface, SecurityGroupRule

NAT_PORTS = IntervalSet.of((1024, 65535))  # NAT gateways remap source ports into this range


@dataclass(frozen=True, slots=True)
class Packet:
    src: Address
    dst: Address
    protocol: int
    sports: IntervalSet
    dports: IntervalSet
    icmp_type: int | None = None  # ICMP and ICMPv6 only; None for every other protocol
    icmp_code: int | None = None


@dataclass(slots=True)
class EniEvent:
    """A packet seen by one ENI; becomes a flow-log record once a representative port is chosen."""

    eni: NetworkInterface
    direction: str  # "ingress" | "egress"
    pkt: Packet
    accepted: IntervalSet
    port_space: str  # "client" | "nat" | "fixed": which port dimension the set is in
    stage: str


@dataclass(slots=True)
class NatSession:
    nat: NatGateway
    client: Address
    client_ports: IntervalSet
    nat_ports: IntervalSet


@dataclass(slots=True)
class Session:
    """State the request leaves behind for the response (conntrack, NAT translations)."""

    tracked: set[str] = field(default_factory=set)  # ENIs whose SGs track the connection
    untracked: dict[str, SecurityGroupRule] = field(default_factory=dict)
    nat: dict[str, NatSession] = field(default_factory=dict)
    eigw_vpcs: set[str] = field(default_factory=set)
    # anything else a component leaves for the response, keyed by the component's module name
    state: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Arrival:
    """Where a leg ends: at an ENI of the snapshot, or at a host outside every VPC."""

    kind: str  # "eni" | "internet" | "outside" (on-premises or an AWS service, reached ``via``)
    pkt: Packet
    eni: NetworkInterface | None = None
    via: str | None = None  # the VPN connection, virtual private gateway or gateway endpoint
