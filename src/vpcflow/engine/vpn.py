"""VPC route priority with propagated routes, and what a virtual private gateway does with a packet.

VPC route tables (https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html,
https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html):
- longest prefix first;
- a propagated route (``Origin`` EnableVgwRoutePropagation) never overrides the local route, even when it
  is more specific;
- for one prefix: static routes (local, IGW, NAT, ENI, instance, peering, TGW, VGW, endpoints) >
  prefix-list routes > propagated routes;
- prefix-list routes overlapping at the same length towards different targets: AWS picks one at random
  and keeps it; which one is not knowable, so the answer is ambiguous (UNKNOWN).

Virtual private gateway (vpn-route-priority.html): it forwards only to prefixes it knows — its VPN
connections' static routes, BGP advertisements, Direct Connect — preferring healthy tunnels, then the
longest prefix, then Direct Connect BGP > VPN static > VPN BGP. No IPv6. A connection whose tunnels are
all DOWN carries nothing (``BAD_STATE_VPN``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from vpcflow.model import Address, Cidr, Route, RouteTarget, Snapshot, VpnConnection

PROPAGATED = "EnableVgwRoutePropagation"


def is_propagated(route: Route) -> bool:
    return route.origin == PROPAGATED


def route_class(route: Route) -> int:
    """Tie-break at equal prefix length: static CIDR 2 > prefix list 1 > propagated 0."""
    if is_propagated(route):
        return 0
    return 1 if route.destination is None else 2


@dataclass(frozen=True, slots=True)
class RouteChoice:
    route: Route | None
    # several routes tie and AWS does not say which is used (overlapping prefix lists)
    ambiguous: tuple[Route, ...] = ()
    # routes to a prefix list with no entries in the snapshot: they could take the packet instead
    # (a prefix-list route never overrides the local route)
    unresolved: tuple[Route, ...] = ()

    @property
    def uncertain(self) -> tuple[Route, ...]:
        """What makes the choice unknown: a tie, or a prefix list that could outrank the route."""
        if self.ambiguous:
            return self.ambiguous
        if self.unresolved and (self.route is None or self.route.target is not RouteTarget.LOCAL):
            return self.unresolved
        return ()


def select_route(
    routes: Iterable[Route], dst: Address, prefix_list_cidrs: Callable[[str], tuple[Cidr, ...] | None]
) -> RouteChoice:
    """The route a VPC route table uses for ``dst`` (``routes`` must include the local routes)."""
    matches: list[tuple[int, int, Route]] = []
    local_hit = False
    unresolved: list[Route] = []
    for route in routes:
        if route.destination is not None:
            cidrs: tuple[Cidr, ...] = (route.destination,)
        else:
            found = prefix_list_cidrs(route.prefix_list_id or "")
            if found is None and not route.blackhole:
                unresolved.append(route)
            cidrs = found or ()
        best_len = max((c.prefixlen for c in cidrs if dst in c), default=-1)
        if best_len < 0:
            continue
        if route.target is RouteTarget.LOCAL:
            local_hit = True
        matches.append((best_len, route_class(route), route))
    if local_hit:
        # https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html: local beats propagated
        matches = [m for m in matches if not is_propagated(m[2])]
    pending = tuple(unresolved)
    if not matches:
        return RouteChoice(None, (), pending)
    top = max((m[0], m[1]) for m in matches)
    tied = [m[2] for m in matches if (m[0], m[1]) == top]
    if len(tied) > 1:
        local = [r for r in tied if r.target is RouteTarget.LOCAL]
        if local:
            return RouteChoice(local[0], (), pending)
        targets = {(r.target, r.target_id) for r in tied}
        if len(targets) > 1:
            return RouteChoice(None, tuple(tied), pending)
    return RouteChoice(tied[0], (), pending)


class VgwOutcome(Enum):
    DELIVER = "deliver"  # to the customer's network through a VPN connection (or Direct Connect)
    DROP = "drop"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class VgwDecision:
    outcome: VgwOutcome
    code: str | None
    detail: str
    connection: VpnConnection | None = None
    # what the gateway's choice relies on that the snapshot cannot show
    assumptions: tuple[str, ...] = ()


def tunnel_state(conn: VpnConnection) -> str:
    """``up`` (a tunnel UP), ``down`` (all DOWN) or ``unknown`` (no VgwTelemetry)."""
    if not conn.tunnels:
        return "unknown"
    return "up" if conn.any_tunnel_up else "down"


def learned_nothing(conn: VpnConnection) -> bool:
    """Telemetry shows no tunnel up with routes accepted: the connection learned nothing by BGP."""
    return bool(conn.tunnels) and all(not t.up or t.accepted_route_count == 0 for t in conn.tunnels)


def learned_prefixes(snapshot: Snapshot, vgw_id: str) -> tuple[Cidr, ...] | None:
    """What the gateway learned (static and BGP), as it shows in VPC route tables that propagate from
    it; None when no table propagates from it (then only the static routes are visible)."""
    seen = False
    out: list[Cidr] = []
    for rtb in snapshot.route_tables.values():
        if vgw_id not in rtb.propagating_vgws:
            continue
        seen = True
        for r in rtb.routes:
            if (
                is_propagated(r)
                and r.target_id == vgw_id
                and r.destination is not None
                and r.destination not in out
            ):
                out.append(r.destination)
    return tuple(out) if seen else None


def vgw_decision(snapshot: Snapshot, vgw_id: str, dst: Address) -> VgwDecision:
    """Where virtual private gateway ``vgw_id`` sends a packet for ``dst`` (outside its VPC)."""
    vgw = snapshot.vpn_gateways.get(vgw_id)
    if vgw is None:
        return VgwDecision(VgwOutcome.UNKNOWN, "UNKNOWN_RESOURCE", f"{vgw_id} is not in the snapshot")
    if not vgw.available:
        return VgwDecision(VgwOutcome.DROP, "BAD_STATE", f"{vgw_id} is {vgw.state}")
    if dst.version != 4:
        return VgwDecision(VgwOutcome.DROP, "CANNOT_ROUTE", f"{vgw_id} does not carry IPv6 traffic")
    conns = [c for c in snapshot.vpn_connections.values() if c.vpn_gateway_id == vgw_id and c.available]
    dx = [
        v
        for v in snapshot.virtual_interfaces.values()
        if v.virtual_gateway_id == vgw_id and v.state.lower() == "available"
    ] + [
        a
        for a in snapshot.direct_connect_gateway_associations
        if a.gateway_id == vgw_id and a.state.lower() == "associated"
    ]
    # (prefix length, preference: 1 VPN static / 0 VPN BGP, connection)
    static: list[tuple[int, VpnConnection]] = []
    for conn in conns:
        for r in conn.routes:
            if r.available and dst in r.destination:
                static.append((r.destination.prefixlen, conn))
    learned = learned_prefixes(snapshot, vgw_id)
    bgp = [c for c in conns if c.uses_bgp]
    if learned is None and bgp and all(learned_nothing(c) for c in bgp):
        learned = ()  # no tunnel up with accepted routes: BGP taught the gateway nothing
    if conns and all(tunnel_state(c) == "down" for c in conns) and not dx:
        return VgwDecision(
            VgwOutcome.DROP,
            "BAD_STATE_VPN",
            f"every tunnel of {', '.join(c.vpn_connection_id for c in conns)} ({vgw_id}) is DOWN",
            conns[0],
        )
    learned_len = max((c.prefixlen for c in learned or () if dst in c), default=-1)
    static_len = max((n for n, _c in static), default=-1)
    if dx and learned is None:
        return VgwDecision(
            VgwOutcome.UNKNOWN,
            "UNKNOWN_RESOURCE",
            f"{vgw_id} has Direct Connect: the routes it learns by BGP are not in the snapshot",
        )
    if static_len < 0 and learned_len < 0:
        if (bgp or dx) and learned is None:
            return VgwDecision(
                VgwOutcome.UNKNOWN,
                "UNKNOWN_RESOURCE",
                f"no static VPN route of {vgw_id} covers {dst}, and the routes it learns by BGP are not "
                "in the snapshot (no route table propagates from it)",
            )
        return VgwDecision(VgwOutcome.DROP, "NO_ROUTE_TO_DESTINATION", f"{vgw_id} knows no route to {dst}")
    if learned_len > static_len and not static:
        # only BGP (or Direct Connect) knows it: any healthy BGP connection or DX carries it
        if dx:
            return VgwDecision(VgwOutcome.DELIVER, None, f"{vgw_id} reaches {dst} over Direct Connect or VPN")
        return _pick(vgw_id, dst, bgp, "BGP")
    candidates = [c for n, c in static if n == static_len]
    if learned_len > static_len:
        # a longer learned prefix: BGP (or a static route of another connection shown propagated)
        return _pick(vgw_id, dst, bgp or candidates, "BGP")
    return _pick(vgw_id, dst, candidates, "static")


def _pick(vgw_id: str, dst: Address, conns: list[VpnConnection], how: str) -> VgwDecision:
    """Tunnel health first (https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html)."""
    if not conns:
        return VgwDecision(
            VgwOutcome.UNKNOWN, "UNKNOWN_RESOURCE", f"{vgw_id}: no VPN connection carries {dst}"
        )
    states = {c.vpn_connection_id: tunnel_state(c) for c in conns}
    up = [c for c in conns if states[c.vpn_connection_id] == "up"]
    if up:
        return VgwDecision(
            VgwOutcome.DELIVER, None, f"{vgw_id} → {up[0].vpn_connection_id} ({how} route)", up[0]
        )
    if any(s == "unknown" for s in states.values()):
        return VgwDecision(
            VgwOutcome.UNKNOWN,
            "UNKNOWN_RESOURCE",
            f"tunnel state of {', '.join(c for c, s in states.items() if s == 'unknown')} is not in the "
            "snapshot (VgwTelemetry)",
        )
    return VgwDecision(
        VgwOutcome.DROP,
        "BAD_STATE_VPN",
        f"every tunnel of {', '.join(states)} is DOWN",
        conns[0],
    )
