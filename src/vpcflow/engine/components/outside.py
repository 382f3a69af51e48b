"""Where a packet from outside every VPC comes in.

The internet, or the customer network behind a Site-to-Site VPN (or Direct Connect): an outside address a
VPN covers (``engine.onprem``) is on-premises and enters through its VPN connection — never through an
internet gateway. The service behind a gateway endpoint answers back through the endpoint.

``via`` names the way in: ``vpn-…`` (a VPN connection), ``vgw-…`` (a virtual private gateway, Direct
Connect), ``vpce-…`` (a gateway endpoint), or ``None`` (decide from the source address).
"""

from __future__ import annotations

from vpcflow.engine.components import transit_gateway, vpc_endpoint, vpn_gateway
from vpcflow.engine.components.base import ON_INTERNET, Drop, Forward, NotModelled, Step, Walk
from vpcflow.engine.onprem import onprem_prefixes
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.engine.transit import TgwOutcome, transit_routing
from vpcflow.model import AttachmentType, Snapshot, VpnConnection


def enter(walk: Walk, pkt: Packet, via: str | None) -> Step:
    s = walk.snapshot
    if via is None:
        chosen = choose_connection(s, pkt)
        if chosen is None:
            return Forward(pkt, ON_INTERNET)
        if isinstance(chosen, str):
            return NotModelled(HopKind.ON_PREMISES, None, chosen, "UNKNOWN_RESOURCE")
        via = chosen.vpn_connection_id
    if via.startswith("vpce-"):
        return vpc_endpoint.from_service(walk, via, pkt)
    if via.startswith("vgw-"):
        return vpn_gateway.enter(walk, via, None, pkt)
    conn = s.vpn_connections.get(via)
    if conn is None:
        return NotModelled(
            HopKind.VPN_CONNECTION, via, f"VPN connection {via} is not in the snapshot", "UNKNOWN_RESOURCE"
        )
    code = "TGW_BAD_STATE_VPN" if conn.transit_gateway_id else "BAD_STATE_VPN"
    if not conn.available:
        return Drop(HopKind.VPN_CONNECTION, via, code, f"{via} is {conn.state}")
    if not conn.tunnels:
        return NotModelled(
            HopKind.VPN_CONNECTION,
            via,
            f"the tunnel state of {via} is not in the snapshot (VgwTelemetry)",
            "UNKNOWN_RESOURCE",
        )
    if not conn.any_tunnel_up:
        return Drop(HopKind.VPN_CONNECTION, via, code, f"every tunnel of {via} is DOWN")
    walk.hop(HopKind.VPN_CONNECTION, via, None, HopAction.FORWARD, None, "from the customer network")
    if conn.transit_gateway_id:
        return transit_gateway.from_vpn(walk, conn.transit_gateway_id, via, pkt)
    if conn.vpn_gateway_id:
        return vpn_gateway.enter(walk, conn.vpn_gateway_id, conn, pkt)
    return NotModelled(
        HopKind.VPN_CONNECTION,
        via,
        f"{via} terminates on neither a VPN nor a transit gateway",
        "UNKNOWN_RESOURCE",
    )


def choose_connection(s: Snapshot, pkt: Packet) -> VpnConnection | str | None:
    """The VPN connection a packet from on-premises address ``pkt.src`` arrives on; ``None`` when the
    address is not on-premises (the internet); a reason (str) when the customer network's own routing
    would decide between several."""
    covering = {p.connection for p in onprem_prefixes(s) if pkt.src in p.cidr}
    covering_gateways = {p.via for p in onprem_prefixes(s) if pkt.src in p.cidr}
    if not covering_gateways:
        return None
    conns = [c for c in s.vpn_connections.values() if c.available]
    named = [c for c in conns if c.vpn_connection_id in covering]
    by_gateway = [
        c for c in conns if c.vpn_gateway_id in covering_gateways or c.transit_gateway_id in covering_gateways
    ]
    candidates = named or by_gateway
    reaching = [c for c in candidates if _reaches(s, c, pkt)]
    pool = reaching or candidates
    if not pool:
        return f"{pkt.src} is on-premises, but no VPN connection for it is in the snapshot"
    gateways = {(c.vpn_gateway_id, c.transit_gateway_id) for c in pool}
    if len(gateways) > 1:
        return (
            f"{pkt.src} is on-premises and several gateways could carry its traffic to {pkt.dst} "
            f"({', '.join(sorted(c.vpn_connection_id for c in pool))}): the customer network's routing "
            "decides"
        )
    up = [c for c in pool if c.any_tunnel_up]
    return (up or pool)[0]


def _reaches(s: Snapshot, conn: VpnConnection, pkt: Packet) -> bool:
    """Whether the AWS side of ``conn`` has a way to ``pkt.dst``."""
    if conn.vpn_gateway_id:
        vgw = s.vpn_gateways.get(conn.vpn_gateway_id)
        return vgw is not None and any(
            any(pkt.dst in c for c in s.vpcs[v].cidrs) for v in vgw.vpc_ids if v in s.vpcs
        )
    if conn.transit_gateway_id:
        tr = transit_routing(s)
        for att in s.transit_gateway_attachments.values():
            if (
                att.transit_gateway_id == conn.transit_gateway_id
                and att.resource_type is AttachmentType.VPN
                and att.resource_id == conn.vpn_connection_id
            ):
                return tr.route(att, pkt.dst).outcome is TgwOutcome.FORWARD
    return False
