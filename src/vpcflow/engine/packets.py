"""What travels along a leg (packets with port sets) and what a request leaves for its response."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from vpcflow.engine.firewall_match import AppContext
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import HopKind
from vpcflow.model import ICMP, ICMPV6, Address, NatGateway, NetworkInterface, SecurityGroupRule
from vpcflow.model.frozen import fast_init

if TYPE_CHECKING:
    from vpcflow.engine.components.base import Step, Walk

NAT_PORTS = IntervalSet.of((1024, 65535))  # NAT gateways remap source ports into this range


@fast_init
@dataclass(frozen=True, slots=True)
class Packet:
    src: Address
    dst: Address
    protocol: int
    sports: IntervalSet
    dports: IntervalSet
    icmp_type: int | None = None  # ICMP and ICMPv6 only; None for every other protocol
    icmp_code: int | None = None
    # security groups the sender also stands for, whatever its address: a Network Load Balancer's, on the
    # client traffic it forwards with the client's address (references to them match)
    via_groups: tuple[str, ...] = ()

    def with_dports(self, dports: IntervalSet) -> Packet:
        """The packet with other destination ports (``dataclasses.replace``, without its cost)."""
        return Packet(self.src, self.dst, self.protocol, self.sports, dports, self.icmp_type, self.icmp_code,
                      self.via_groups)  # fmt: skip

    def with_src(self, src: Address) -> Packet:
        return Packet(src, self.dst, self.protocol, self.sports, self.dports, self.icmp_type, self.icmp_code,
                      self.via_groups)  # fmt: skip

    def with_dst(self, dst: Address) -> Packet:
        return Packet(self.src, dst, self.protocol, self.sports, self.dports, self.icmp_type, self.icmp_code,
                      self.via_groups)  # fmt: skip


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


class Responder(Protocol):
    """How the response leaves an ENI a component delivered the request to, when it does not leave by
    the ENI's own routing (a Network Load Balancer takes back what its targets answer a preserved client)."""

    def __call__(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step: ...


@dataclass(slots=True)
class Session:
    """State the request leaves behind for the response (conntrack, NAT translations), and the choices
    of one walk among several a component may take (a load balancer's node and target)."""

    tracked: set[str] = field(default_factory=set)  # ENIs whose SGs track the connection
    untracked: dict[str, SecurityGroupRule] = field(default_factory=dict)
    nat: dict[str, NatSession] = field(default_factory=dict)
    eigw_vpcs: set[str] = field(default_factory=set)
    # anything else a component leaves for the response, keyed by the component's module name
    state: dict[str, object] = field(default_factory=dict)
    # choice points met (key → what each alternative is, in the order met) and the alternative this
    # walk takes at each (0 unless the conversation asked for another): ``conversation.converse_all``
    # walks every combination
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)
    choices: dict[str, int] = field(default_factory=dict)
    # a proxy's record of the request ports that reached it (the packet that arrives has other ports)
    request_ports: IntervalSet | None = None
    # the port space the response starts in when a proxy chose the ports ("nat": its 1024-65535)
    reply_space: str | None = None
    # ENI id → how the response to the request delivered there leaves (``Responder``)
    responders: dict[str, Responder] = field(default_factory=dict)
    # what a component wants the reader to know about this walk (a health check that cannot pass, ...)
    notes: list[str] = field(default_factory=list)
    # what the user said of the application layer (TLS SNI, HTTP Host): decides domain rules
    app: AppContext = field(default_factory=AppContext)
    # walk every target of a load balancer as its own way, even those another answers for (simulated
    # flow logs spread over every interface)
    every_target: bool = False
    # what the response must cross because the request did (a stateful firewall's endpoint): key →
    # (kind, id, why the answer is unknown if it does not); the component removes the key on the way back
    pending_returns: dict[str, tuple[HopKind, str, str]] = field(default_factory=dict)

    def choose(self, key: str, labels: tuple[str, ...]) -> int:
        """The alternative this walk takes at choice point ``key`` among ``labels``."""
        self.alternatives.setdefault(key, labels)
        pick = self.choices.get(key, 0)
        return pick if 0 <= pick < len(labels) else 0

    @property
    def path_label(self) -> str:
        """The alternatives this walk took, in words (empty when there was no choice)."""
        return "; ".join(labels[self.choices.get(k, 0)] for k, labels in self.alternatives.items())


@fast_init
@dataclass(frozen=True, slots=True)
class Arrival:
    """Where a leg ends: at an ENI of the snapshot, or at a host outside every VPC."""

    kind: str  # "eni" | "internet" | "outside" (on-premises or an AWS service, reached ``via``)
    pkt: Packet
    eni: NetworkInterface | None = None
    via: str | None = None  # the VPN connection, virtual private gateway or gateway endpoint


def reply_icmp(icmp_type: int) -> int | None:
    """ICMP request types and their replies (echo, timestamp, information, address mask)."""
    return {8: 0, 13: 14, 15: 16, 17: 18, 128: 129}.get(icmp_type)


def is_icmp(protocol: int) -> bool:
    return protocol in (ICMP, ICMPV6)
