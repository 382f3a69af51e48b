"""A conversation: the request leg, then (if it arrives and expects one) the response leg.

The one place both legs are walked: ``Engine.trace`` explains a conversation, the reachability engine
(``reach.walk``) reads the port sets of the same conversation, so they cannot disagree.

Some components choose among several ways on (a load balancer picks a target): each such choice point is
recorded in the session, and ``converse_all`` walks every combination — a flow works only if it works
whichever way AWS sends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.engine.components.base import NotModelled
from vpcflow.engine.firewall_match import AppContext
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.packets import Arrival, Packet, Session, is_icmp, reply_icmp
from vpcflow.engine.path import LegWalker
from vpcflow.engine.rules import CompiledRules
from vpcflow.model import NetworkInterface, Snapshot
from vpcflow.model.frozen import fast_init

# combinations of choices walked for one flow before the answer is called incomplete (UNKNOWN)
MAX_PATHS = 256


@fast_init
@dataclass(frozen=True, slots=True)
class Conversation:
    request: Packet  # as the client sends it (its source ports: the client's ephemeral range)
    session: Session
    forward: LegWalker
    arrival: Arrival | None  # where the request arrived (None: stopped)
    ret: LegWalker | None  # the response leg (None: no request arrived, or no response is expected)
    returned: Arrival | None  # where the response arrived
    survivors: IntervalSet  # client ports whose responses reach the client that sent the request

    @property
    def delivered(self) -> bool:
        return self.arrival is not None

    @property
    def delivered_ports(self) -> IntervalSet:
        """The request's destination ports that arrive (a proxy delivers other ports than it was sent:
        the ports that reached it count)."""
        if self.arrival is None:
            return IntervalSet()
        if self.session.request_ports is not None:
            return self.session.request_ports
        return self.arrival.pkt.dports

    @property
    def no_reply(self) -> bool:
        """The request arrived and nothing comes back (an ICMP type without a reply)."""
        return self.arrival is not None and self.ret is None


def converse(
    snapshot: Snapshot,
    rules: CompiledRules,
    src_eni: NetworkInterface | None,
    pkt: Packet,
    choices: dict[str, int] | None = None,
    app: AppContext | None = None,
    every_target: bool = False,
) -> Conversation:
    """Walk ``pkt`` from ``src_eni`` (``None``: from an outside host at ``pkt.src``), then its response
    (addresses and ports swapped; ICMP: the reply type, code 0) back from where it arrived. ``choices``:
    the alternative to take at each choice point (default: the first); ``app``: what the user said of the
    application layer (TLS SNI, HTTP Host)."""
    session = Session(
        choices=dict(choices) if choices else {}, app=app or AppContext(), every_target=every_target
    )
    fwd = LegWalker(snapshot, rules, "forward", session)
    arrival = fwd.from_eni(src_eni, pkt) if src_eni is not None else fwd.from_outside(pkt)
    if arrival is None:
        return Conversation(pkt, session, fwd, None, None, None, IntervalSet())
    icmp = is_icmp(pkt.protocol)
    reply_type = reply_icmp(pkt.icmp_type) if icmp and pkt.icmp_type is not None else None
    if icmp and reply_type is None:
        return Conversation(pkt, session, fwd, arrival, None, None, pkt.sports)
    got = arrival.pkt
    rpkt = Packet(
        got.dst, got.src, pkt.protocol, got.dports, got.sports,
        reply_type, 0 if icmp else None,
    )  # fmt: skip
    back = LegWalker(snapshot, rules, "return", session)
    back.port_space = session.reply_space or ("nat" if session.nat else "client")
    if session.reply_space == "nat":
        back.nat_label = fwd.nat_label
    if arrival.kind == "eni" and arrival.eni is not None:
        responder = session.responders.get(arrival.eni.eni_id)
        if responder is not None:
            returned = back.follow(responder(back, arrival.eni, rpkt))
        else:
            returned = back.from_eni(arrival.eni, rpkt)
    elif arrival.kind == "outside":
        returned = back.from_outside(rpkt, arrival.via)
    else:
        returned = back.from_internet(rpkt)
    survivors = IntervalSet()
    if returned is not None:
        survivors = returned.pkt.dports
        if returned.kind == "eni" and (src_eni is None or returned.eni != src_eni):
            survivors = IntervalSet()  # arrived somewhere else: asymmetric
        if session.pending_returns:
            # the response bypassed something stateful the request crossed (a firewall endpoint)
            for kind, id_, detail in session.pending_returns.values():
                back.follow(NotModelled(kind, id_, detail, "ASYMMETRIC_RETURN_PATH"))
            survivors = IntervalSet()
    return Conversation(pkt, session, fwd, arrival, back, returned, survivors)


def converse_all(
    snapshot: Snapshot,
    rules: CompiledRules,
    src_eni: NetworkInterface | None,
    pkt: Packet,
    app: AppContext | None = None,
    every_target: bool = False,
) -> tuple[tuple[Conversation, ...], bool]:
    """Every way the conversation can go: one walk per combination of the choice points met (in the
    order met), and whether the combinations ran past ``MAX_PATHS`` (the answer is then incomplete)."""
    out: list[Conversation] = []
    pending: list[dict[str, int]] = [{}]
    while pending:
        if len(out) >= MAX_PATHS:
            return tuple(out), True
        fixed = pending.pop()
        conv = converse(snapshot, rules, src_eni, pkt, fixed, app, every_target)
        out.append(conv)
        # branch at every choice point this walk met that the combination did not fix; the points met
        # before it stay at their first alternative, so every combination is walked once
        earlier: dict[str, int] = {}
        branches: list[dict[str, int]] = []
        for key, labels in conv.session.alternatives.items():
            if key in fixed:
                continue
            for i in range(1, len(labels)):
                branches.append({**fixed, **earlier, key: i})
            earlier[key] = 0
        pending.extend(reversed(branches))
    return tuple(out), False
