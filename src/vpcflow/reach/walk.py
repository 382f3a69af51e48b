"""One symbolic walk: the concrete engine's packet walk, run over port *sets*.

``Engine.trace`` already carries the destination-port dimension as a set through every filter (the
response carries the client's whole ephemeral range). A reachability query runs the same conversation
(``engine.conversation.converse``: both legs of ``LegWalker``) with the full port set of a query, once
per (source address cell, destination address cell, protocol class): addresses and protocol fix the
path, the filters only shrink the port set, so one walk answers every port at once — with the same
code, hence the same semantics, as ``vpcflow trace``.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.engine.conversation import Conversation, converse_all
from vpcflow.engine.elb_index import elb_index
from vpcflow.engine.firewall_index import firewall_index
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import Blocker, HopKind
from vpcflow.engine.rules import CompiledRules
from vpcflow.model import ICMP, ICMPV6, TCP, UDP, Address, NetworkInterface, Snapshot


@dataclass(frozen=True, slots=True)
class WalkOutcome:
    """What one walk says for every port of the query at once."""

    delivered: IntervalSet  # destination ports (the request) that arrive
    forward_cuts: tuple[tuple[IntervalSet, Blocker], ...]  # denied request ports and who denied them
    forward_unknown: bool
    returned: IntervalSet  # client ports whose replies get back (empty if the NAT side loses any)
    return_cuts: tuple[tuple[IntervalSet, Blocker], ...]  # client ports whose replies die, and where
    return_unknown: bool
    no_reply: bool  # an ICMP type without a reply: nothing has to come back


ASYMMETRIC = Blocker(
    "return",
    HopKind.NETWORK_INTERFACE,
    None,
    None,
    None,
    "ASYMMETRIC_RETURN_PATH",
    detail="the response arrives at another interface than the one that sent the request",
)


TRUNCATED = Blocker(
    "forward",
    HopKind.UNSUPPORTED,
    None,
    None,
    None,
    "UNSUPPORTED_QUERY",
    detail="the flow can go more ways than vpcflow walks",
    unknown=True,
)


def _explain(
    cuts: list[tuple[IntervalSet | None, str, Blocker]], lost: IntervalSet, space: str
) -> tuple[tuple[IntervalSet, Blocker], ...]:
    """Assign every lost port to the blocker that stopped it; a drop without ports takes the rest."""
    out: list[tuple[IntervalSet, Blocker]] = []
    left = lost
    for ports, sp, blocker in cuts:
        if not left:
            break
        if sp != space or ports is None:
            # a whole-packet drop (route, gateway) or a NAT-side loss: everything still in flight
            out.append((left, blocker))
            left = IntervalSet()
            break
        hit = ports & left
        if hit:
            out.append((hit, blocker))
            left = left - hit
    if left:
        out.append((left, ASYMMETRIC))
    return tuple(out)


def walk_pieces(
    snapshot: Snapshot,
    rules: CompiledRules,
    src_eni: NetworkInterface | None,
    src: Address,
    dst: Address,
    protocol: int,
    dports: IntervalSet,
    client: IntervalSet,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
) -> tuple[tuple[IntervalSet, WalkOutcome], ...]:
    """``walk`` per piece of the query that goes one way, with the client ports it holds: addressed to a
    load balancer, each listener's port (each listener sends them another way) and the ports no listener
    takes; with Network Firewall in the snapshot, the pieces between its policies' port edges, for the
    server ports and for the client's (a firewall rule may decide by either, for the request too)."""
    ported = protocol in (TCP, UDP)
    pieces = elb_index(snapshot).listener_pieces(dst, protocol, dports) if ported else [dports]
    clients = [client]
    if ported and snapshot.network_firewall.firewalls:
        fwi = firewall_index(snapshot)
        pieces = [q for p in pieces for q in fwi.port_pieces(p)]
        clients = fwi.port_pieces(client)
    return tuple(
        (c, _walk(snapshot, rules, src_eni, src, dst, protocol, p, c, icmp_type, icmp_code))
        for c in clients
        for p in pieces
    )


def walk(
    snapshot: Snapshot,
    rules: CompiledRules,
    src_eni: NetworkInterface | None,
    src: Address,
    dst: Address,
    protocol: int,
    dports: IntervalSet,
    client: IntervalSet,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
) -> WalkOutcome:
    """The conversation of ``Engine.trace`` over the port sets ``dports`` (request) and ``client``
    (source ports, i.e. the response's destination ports), for request ports that all go one way (see
    ``walk_pieces``)."""
    return _walk(snapshot, rules, src_eni, src, dst, protocol, dports, client, icmp_type, icmp_code)


def _walk(
    snapshot: Snapshot,
    rules: CompiledRules,
    src_eni: NetworkInterface | None,
    src: Address,
    dst: Address,
    protocol: int,
    dports: IntervalSet,
    client: IntervalSet,
    icmp_type: int | None,
    icmp_code: int | None,
) -> WalkOutcome:
    icmp = protocol in (ICMP, ICMPV6)
    ported = protocol in (TCP, UDP)
    sports = client if ported else IntervalSet.single(0)
    req = dports if ported else IntervalSet.single(0)
    pkt = Packet(src, dst, protocol, sports, req, icmp_type if icmp else None, icmp_code if icmp else None)
    convs, truncated = converse_all(snapshot, rules, src_eni, pkt)
    outcomes = [_outcome(c, req, sports) for c in convs]
    if truncated:
        outcomes.append(WalkOutcome(IntervalSet(), ((req, TRUNCATED),), True, IntervalSet(), (), True, False))
    return _every_way(outcomes, req, sports)


def _outcome(conv: Conversation, req: IntervalSet, sports: IntervalSet) -> WalkOutcome:
    fwd = conv.forward
    delivered = conv.delivered_ports
    fcuts = _explain(fwd.cuts, req - delivered, fwd.port_space)
    f_unknown = any(b.unknown for b in fwd.blockers)
    empty: tuple[tuple[IntervalSet, Blocker], ...] = ()
    back = conv.ret
    if back is None:
        return WalkOutcome(delivered, fcuts, f_unknown, conv.survivors, empty, False, conv.no_reply)
    survivors = conv.survivors
    r_unknown = any(b.unknown for b in back.blockers)
    if back.nat_failed:
        # the NAT gateway may pick any of its ports: a loss on any of them fails every client port
        nat_cut = next(b for p, sp, b in back.cuts if sp == "nat")
        return WalkOutcome(delivered, fcuts, f_unknown, IntervalSet(), ((sports, nat_cut),), r_unknown, False)
    rcuts = _explain(back.cuts, sports - survivors, "client")
    return WalkOutcome(delivered, fcuts, f_unknown, survivors, rcuts, r_unknown, False)


def _every_way(outcomes: list[WalkOutcome], req: IntervalSet, sports: IntervalSet) -> WalkOutcome:
    """A flow that can go several ways (a load balancer's targets) works only if it works every way:
    the ports delivered and returned every way; each lost port explained by the first way that lost it."""
    if len(outcomes) == 1:
        return outcomes[0]
    delivered, returned = req, sports
    fcuts: list[tuple[IntervalSet, Blocker]] = []
    rcuts: list[tuple[IntervalSet, Blocker]] = []
    f_lost, r_lost = IntervalSet(), IntervalSet()
    for o in outcomes:
        delivered = delivered & o.delivered
        for ports, b in o.forward_cuts:
            new = ports - f_lost
            if new:
                fcuts.append((new, b))
                f_lost = f_lost | new
        if o.delivered:
            returned = returned & o.returned
            for ports, b in o.return_cuts:
                new = ports - r_lost
                if new:
                    rcuts.append((new, b))
                    r_lost = r_lost | new
    if not delivered:
        returned = IntervalSet()
    return WalkOutcome(
        delivered,
        tuple(fcuts),
        any(o.forward_unknown for o in outcomes),
        returned,
        tuple(rcuts),
        any(o.return_unknown for o in outcomes),
        all(o.no_reply for o in outcomes),
    )
