"""On-premises address space: which outside addresses are reached through a VPN (or Direct Connect), and by
which gateway — so they are never mistaken for the internet.

An outside address is on-premises when a VPN connection's static routes cover it, a route table has a
route to a virtual private gateway for it (propagated or static), or a transit gateway route table has a
static or listed propagated route for it to a VPN or Direct Connect attachment. ``onprem`` means all of
them; ``vpn-…`` one connection's.
https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html
"""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.model import Address, AttachmentType, Cidr, RouteTarget, Snapshot


@dataclass(frozen=True, slots=True)
class OnPremPrefix:
    cidr: Cidr
    # what says so: a VPN connection, a virtual private gateway, a transit gateway route table
    via: str
    # the VPN connection or Direct Connect gateway it leads to, when known
    connection: str | None = None


_PREFIXES: dict[int, tuple[Snapshot, tuple[OnPremPrefix, ...]]] = {}


def onprem_prefixes(snapshot: Snapshot) -> tuple[OnPremPrefix, ...]:
    """Every outside prefix the snapshot routes to on-premises (computed once per snapshot: every packet
    from outside asks)."""
    hit = _PREFIXES.get(id(snapshot))
    if hit is not None and hit[0] is snapshot:
        return hit[1]
    if len(_PREFIXES) >= 8:
        _PREFIXES.pop(next(iter(_PREFIXES)))
    out = _onprem_prefixes(snapshot)
    _PREFIXES[id(snapshot)] = (snapshot, out)
    return out


def _onprem_prefixes(snapshot: Snapshot) -> tuple[OnPremPrefix, ...]:
    out: list[OnPremPrefix] = []
    for conn in snapshot.vpn_connections.values():
        if not conn.available:
            continue
        for r in conn.routes:
            if r.available:
                out.append(
                    OnPremPrefix(
                        r.destination,
                        conn.vpn_gateway_id or conn.transit_gateway_id or "",
                        conn.vpn_connection_id,
                    )
                )
    for rtb in snapshot.route_tables.values():
        for route in rtb.routes:
            if (
                route.target is RouteTarget.VIRTUAL_PRIVATE_GATEWAY
                and route.destination is not None
                and not route.blackhole
            ):
                out.append(OnPremPrefix(route.destination, route.target_id or rtb.route_table_id))
    atts = snapshot.transit_gateway_attachments
    for table in snapshot.transit_gateway_route_tables.values():
        for tr in table.routes:
            if tr.destination is None or not tr.active:
                continue
            for att_id in tr.attachment_ids:
                att = atts.get((table.transit_gateway_id or "", att_id))
                kind = att.resource_type if att is not None else tr.resource_type
                if kind in (AttachmentType.VPN, AttachmentType.DIRECT_CONNECT_GATEWAY):
                    out.append(
                        OnPremPrefix(tr.destination, table.route_table_id, att.resource_id if att else None)
                    )
    return tuple(out)


def onprem_cidrs(snapshot: Snapshot, connection: str | None = None) -> tuple[Cidr, ...]:
    """Every on-premises prefix (or those of one VPN connection), without duplicates, in a stable order."""
    seen: dict[Cidr, None] = {}
    for p in onprem_prefixes(snapshot):
        if connection is None or p.connection == connection:
            seen.setdefault(p.cidr, None)
    return tuple(sorted(seen, key=lambda c: (c.version, c.lo, c.prefixlen)))


def is_onprem(snapshot: Snapshot, address: Address) -> bool:
    return any(address in c for c in onprem_cidrs(snapshot))
