"""The component interface: what a construct the packet crosses answers, and what it may ask of the walk.

A component is a module. It answers every packet handed to it with one ``Step``:

- ``Forward(pkt, to)`` — the (possibly translated, possibly narrowed) packet goes on: routed again in a
  subnet's route table (``RouteFrom``), delivered to its destination address inside a subnet
  (``IntoSubnet``: the NACLs of the boundary it crosses, then the component of whatever holds that address),
  put on the internet (``ON_INTERNET``), or handed over at its final destination (``Delivered``).
- ``Drop(...)`` — stopped here, by this rule, with this code (a REJECT for these ports).
- ``NotModelled(...)`` — the answer depends on something vpcflow does not model or does not have: the
  verdict is UNKNOWN and names the construct or the missing id. Never a guess.
- ``STOPPED`` — a filter the component asked the walk to apply (a NACL, security groups) already stopped
  every port and recorded why.

What a component may ask of the walk is the ``Walk`` protocol below (``LegWalker`` implements it): the
snapshot and compiled rules, the session (state the request leaves for the response), the filters, route
lookup, hops and flow-log events. Components never call each other's internals through the walk: they
return a ``Step`` and the walk takes it from there, so a new construct is one module and one line in
``registry.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.packets import Packet, Session
from vpcflow.engine.result import HopAction, HopKind, RuleRef
from vpcflow.engine.rules import CompiledRules
from vpcflow.model import (
    Address,
    Direction,
    NatGateway,
    NetworkAclEntry,
    NetworkInterface,
    Route,
    SecurityGroupRule,
    Snapshot,
    Subnet,
)
from vpcflow.model.frozen import fast_init

# What sent the packet into a subnet's routing: the ENI that sent it, the NAT gateway that translated
# it, or nothing known (the IGW needs the sender to find its public address).
Origin = NetworkInterface | NatGateway | None

UNSUPPORTED_ROUTE_TARGET = "UNSUPPORTED_ROUTE_TARGET"


# -- where a forwarded packet goes ------------------------------------------------------------------


@fast_init
@dataclass(frozen=True, slots=True)
class RouteFrom:
    """Route the packet in ``subnet``'s route table (a NAT gateway's own subnet, an attachment subnet)."""

    subnet: Subnet
    origin: Origin


@fast_init
@dataclass(frozen=True, slots=True)
class IntoSubnet:
    """Deliver the packet to its destination address inside ``subnet``. ``source`` is the subnet it
    leaves (its NACL outbound, unless it is the same subnet); ``None`` when it comes from outside the VPC
    (a gateway or peering connection: the destination NACL inbound only)."""

    subnet: Subnet
    source: Subnet | None


@fast_init
@dataclass(frozen=True, slots=True)
class OnInternet:
    """The packet is on the internet: back into a VPC through a gateway, or to a host outside."""


ON_INTERNET = OnInternet()


@fast_init
@dataclass(frozen=True, slots=True)
class Delivered:
    """The leg ends: at ``eni``, or (``None``) at a host outside every VPC — on the internet, or (``via``
    a VPN connection, a virtual private gateway or a gateway endpoint) on-premises or at an AWS service,
    where the response comes back in (``components.outside``)."""

    eni: NetworkInterface | None
    via: str | None = None


Where = RouteFrom | IntoSubnet | OnInternet | Delivered


# -- what a component answers ------------------------------------------------------------------------


@fast_init
@dataclass(frozen=True, slots=True)
class Forward:
    pkt: Packet
    to: Where


@fast_init
@dataclass(frozen=True, slots=True)
class Drop:
    """A REJECT here: which component, which rule (a route) and the Reachability Analyzer code."""

    kind: HopKind
    id: str | None
    code: str
    detail: str
    rule: Route | None = None
    direction: Direction | None = None


@fast_init
@dataclass(frozen=True, slots=True)
class NotModelled:
    """UNKNOWN: the verdict depends on ``id`` (a construct vpcflow does not model, or a resource the
    snapshot lacks or contradicts). ``code`` says which (``UNSUPPORTED_*``, ``UNKNOWN_RESOURCE``, ...)."""

    kind: HopKind
    id: str | None
    detail: str
    code: str = UNSUPPORTED_ROUTE_TARGET
    rule: Route | None = None


@fast_init
@dataclass(frozen=True, slots=True)
class Stopped:
    """Every port was stopped by a filter the component ran; the filter recorded the blockers."""


STOPPED = Stopped()

Step = Forward | Drop | NotModelled | Stopped


@fast_init
@dataclass(frozen=True, slots=True)
class RouteContext:
    """A packet routed to a component: in ``subnet``, by ``route`` of ``route_table_id``."""

    subnet: Subnet
    pkt: Packet
    route: Route
    route_table_id: str | None
    origin: Origin


@fast_init
@dataclass(frozen=True, slots=True)
class Landing:
    """A packet that reached its destination address in ``subnet`` (past the NACLs), held by ``eni``
    (``None`` when the holder has no ENI in the snapshot, e.g. a NAT gateway listed without it)."""

    subnet: Subnet
    pkt: Packet
    eni: NetworkInterface | None


# -- what a component may ask of the walk -------------------------------------------------------------


class Walk(Protocol):
    """The walk of one leg, as components see it (implemented by ``engine.path.LegWalker``)."""

    snapshot: Snapshot
    rules: CompiledRules
    session: Session  # state the request leaves for the response (conntrack, NAT, ``state``)
    stage: str  # "forward" | "return"
    reply: bool  # True on the return leg
    # which port dimension the destination-port set is in: "fixed" (the request's port), "client" (the
    # client's ephemeral range, on the return leg) or "nat" (a NAT gateway's ports, before reverse NAT)
    port_space: str
    # security-group references match nothing for the rest of the leg (the code to report), or None
    group_refs_dropped: str | None
    # the connection of a proxied flow the next hops belong to ("" when the flow is not proxied)
    connection: str
    # whose source ports the "nat" port space holds ("NAT gateway", "load balancer")
    nat_label: str

    def hop(
        self,
        kind: HopKind,
        id_: str | None,
        direction: Direction | None,
        action: HopAction,
        rule: RuleRef | None = None,
        detail: str = "",
    ) -> None:
        """Record a hop of the explanation (a forward through a gateway, say)."""

    def narrow(
        self,
        pkt: Packet,
        allowed: IntervalSet,
        kind: HopKind,
        id_: str | None,
        code: str,
        detail: str,
        direction: Direction | None = None,
        unknown: bool = False,
        rule: SecurityGroupRule | NetworkAclEntry | None = None,
    ) -> Packet | None:
        """The component's own filter over the destination-port set: ports outside ``allowed`` stop here
        with ``code`` (``unknown``: their fate is not known; ``rule``: the rule that stops them);
        ``None`` when none pass."""

    def leave_subnet(self, subnet: Subnet, pkt: Packet) -> Packet | None:
        """The subnet's NACL outbound; ``None`` if it stops every port (the blockers are recorded)."""

    def enter_subnet(self, subnet: Subnet, pkt: Packet) -> Packet | None:
        """The subnet's NACL inbound; ``None`` if it stops every port."""

    def security_groups(self, eni: NetworkInterface, direction: Direction, pkt: Packet) -> Packet | None:
        """The ENI's security groups (connection tracking on the return leg); ``None`` if they stop it."""

    def log_ingress(self, eni: NetworkInterface, pkt: Packet) -> None:
        """A flow-log event on ``eni`` for a packet arriving; the next filters decide ACCEPT/REJECT."""

    def log_egress(self, eni: NetworkInterface, pkt: Packet) -> None:
        """A flow-log event on ``eni`` for a packet it sends; settled when it leaves the subnet."""

    def settle_ingress(self) -> None:
        """The pending arrival event is decided (later filters no longer change it)."""

    def settle(self) -> None:
        """Every pending flow-log event is decided (a proxy starts a new connection)."""

    def lookup_route(self, subnet: Subnet, dst: Address) -> tuple[str | None, Route | None]:
        """The route table of ``subnet`` and its longest-prefix match for ``dst``."""

    def nat_by_private(self, vpc_id: str, address: Address) -> NatGateway | None:
        """The NAT gateway of ``vpc_id`` whose private address is ``address``."""

    def internet_gateway_of(self, vpc_id: str, egress_only: bool) -> str | None:
        """The (egress-only) internet gateway attached to ``vpc_id``."""

    def contradicted(self, kind: HopKind, *ids: str | None) -> bool:
        """If the snapshot contradicts itself about one of ``ids`` (``Snapshot.contradictions``): an
        UNKNOWN blocker naming it is recorded and True is returned (the component answers ``STOPPED``)."""


class RouteHandler(Protocol):
    """A component reached by routing: ``registry.ROUTE_TARGETS[route.target]``."""

    def __call__(self, walk: Walk, at: RouteContext) -> Step: ...


class InterfaceComponent(Protocol):
    """What holds an address (``registry.INTERFACES[interface_kind(eni)]``): how it sends a packet it
    originates, and what happens to a packet delivered to it."""

    # whether a packet delivered to one of its ENIs is logged there (flow logs) as it crosses the NACL
    logs_arrival: bool

    def send(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step: ...

    def receive(self, walk: Walk, at: Landing) -> Step: ...
