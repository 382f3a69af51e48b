"""An AWS Network Firewall endpoint as a route target: a subnet route or an internet/virtual private
gateway's edge route to ``vpce-…`` (the distributed model), or a route of an inspection VPC behind a
transit gateway (the centralized model — the transit gateway's appliance mode keeps both directions in one
Availability Zone).

The packet crosses into the firewall subnet (its NACL; the endpoint has no security groups), the firewall's
policy decides the whole flow (``engine.firewall``: stateless rules, then the stateful engine in default or
strict order), and the endpoint sends what passes on by the firewall subnet's route table. The request
decides for its response: a response through the same endpoint gets the flow's verdict for its client
port; a response that crosses an endpoint its request did not cross, or that does not come back through
the one it crossed, is asymmetric routing — which Network Firewall does not support — and answers UNKNOWN.
https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-policy-processing.html
https://docs.aws.amazon.com/network-firewall/latest/developerguide/asymmetric-routing.html

Rules a 5-tuple cannot decide (domain lists, TLS/HTTP keywords, content) make the verdict UNKNOWN naming
the rule, unless the user gave the TLS SNI or HTTP Host (``--sni``/``--host``).
"""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.engine.components.base import (
    STOPPED,
    Drop,
    Forward,
    NotModelled,
    Origin,
    RouteContext,
    RouteFrom,
    Step,
    Walk,
)
from vpcflow.engine.components.endpoint_subnet import enter_endpoint_subnet
from vpcflow.engine.firewall import FIREWALL_CODE, FirewallDecision, FirewallFlow
from vpcflow.engine.firewall_index import EndpointOf, firewall_index
from vpcflow.engine.firewall_match import DATAGRAM_PACKETS, ONE_WAY_PACKETS, TCP_PACKETS
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.packets import Packet, is_icmp, reply_icmp
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import Address, Route, Subnet

STATE = "network_firewall"
UNDECIDED_CODE = "FIREWALL_UNSUPPORTED_HIGHER_PRIORITY_RULES"
# the packets of a flow that travel to the server (engine.firewall_match): a drop there stops the request;
# a drop of a packet to the client (SYN-ACK, a reply) stops the response
_TO_SERVER = frozenset(k.name for k in TCP_PACKETS + DATAGRAM_PACKETS + ONE_WAY_PACKETS if k.to_server)
_WORKING = frozenset({"READY", "SCALING"})


@dataclass(frozen=True, slots=True)
class Inspected:
    """What the firewall decided for a flow, kept for its response."""

    vpce: str
    passed: IntervalSet  # client ports whose flow passes
    undecided: IntervalSet  # client ports whose flow the policy cannot decide from what is known
    blocked_by: FirewallDecision | None
    undecided_by: FirewallDecision | None


def is_firewall_endpoint(walk: Walk, vpce_id: str) -> bool:
    return firewall_index(walk.snapshot).endpoint(vpce_id) is not None


def route(walk: Walk, at: RouteContext) -> Step:
    hit = firewall_index(walk.snapshot).endpoint(at.route.target_id or "")
    assert hit is not None  # the route dispatch hands only firewall endpoints here
    return _through(walk, hit, at.pkt, at.subnet, at.origin, at.route)


def from_gateway(walk: Walk, gateway_id: str, route_: Route, pkt: Packet) -> Step:
    """A gateway's edge route table sends what enters the VPC to a firewall endpoint."""
    hit = firewall_index(walk.snapshot).endpoint(route_.target_id or "")
    assert hit is not None
    return _through(walk, hit, pkt, None, None, route_)


def _through(
    walk: Walk, hit: EndpointOf, pkt: Packet, from_subnet: Subnet | None, origin: Origin, route_: Route
) -> Step:
    s = walk.snapshot
    fw, ep = hit.firewall, hit.endpoint
    vpce = ep.endpoint_id or ""
    if fw.transit_gateway_id:
        return NotModelled(
            HopKind.NETWORK_FIREWALL,
            fw.arn,
            f"{fw.name} is attached to transit gateway {fw.transit_gateway_id}: not modelled",
            "UNSUPPORTED_ROUTE_TARGET",
            rule=route_,
        )
    if ep.status is not None and ep.status.upper() not in _WORKING:
        return Drop(
            HopKind.NETWORK_FIREWALL,
            fw.arn,
            "BAD_STATE",
            f"endpoint {vpce} of {fw.name} in {ep.availability_zone} is {ep.status}",
            rule=route_,
        )
    fw_sub = s.subnets.get(ep.subnet_id or "")
    if fw_sub is None:
        return NotModelled(
            HopKind.NETWORK_FIREWALL,
            fw.arn,
            f"the subnet of endpoint {vpce} of {fw.name} ({ep.subnet_id}) is not in the snapshot",
            "UNKNOWN_RESOURCE",
            rule=route_,
        )
    eni = firewall_index(s).endpoint_interface(vpce)
    cur = enter_endpoint_subnet(walk, eni, from_subnet, fw_sub, pkt)
    if cur is None:
        return STOPPED
    crossed = walk.session.state.setdefault(STATE, {})
    assert isinstance(crossed, dict)
    out = _response(walk, hit, cur, crossed) if walk.reply else _request(walk, hit, cur, crossed)
    if not isinstance(out, Packet):
        return out
    if eni is not None:
        walk.log_egress(eni, out)
    return Forward(out, RouteFrom(fw_sub, origin))


def _key(vpce: str, client: Address, server: Address, protocol: int) -> str:
    return f"{STATE}:{vpce}:{client}:{server}:{protocol}"


def _request(walk: Walk, hit: EndpointOf, pkt: Packet, crossed: dict[str, Inspected]) -> Packet | Step:
    fw, vpce = hit.firewall, hit.endpoint.endpoint_id or ""
    index = firewall_index(walk.snapshot)
    icmp = is_icmp(pkt.protocol)
    one_way = icmp and (pkt.icmp_type is None or reply_icmp(pkt.icmp_type) is None)
    flow = FirewallFlow(
        pkt.src,
        pkt.dst,
        pkt.protocol,
        pkt.sports,
        pkt.dports,
        one_way=one_way,
        app=walk.session.app,
        icmp_type=pkt.icmp_type if icmp else None,
        icmp_code=pkt.icmp_code if icmp else None,
    )
    result = index.evaluate(fw, flow)
    if result is None:
        return NotModelled(
            HopKind.NETWORK_FIREWALL,
            fw.arn,
            f"the policy of {fw.name} ({fw.policy_arn}) is not in the snapshot (describe-firewall-policy)",
            "UNKNOWN_RESOURCE",
        )
    # per piece of server ports: the client ports whose flow passes / is undecided / is stopped, and
    # whether the very first packet is stopped (the request never arrives)
    through_sp = IntervalSet()  # server ports some client port's request gets through
    undecided_sp = IntervalSet()
    passed: IntervalSet | None = None
    undecided = IntervalSet()
    block: FirewallDecision | None = None
    unknown: FirewallDecision | None = None
    alerts: list[str] = []
    per_sp: dict[IntervalSet, tuple[IntervalSet, IntervalSet, bool]] = {}
    for cp, sp, d in result.pieces:
        ok, unk, later = per_sp.get(sp, (IntervalSet(), IntervalSet(), False))
        if d.passes:
            ok = ok | cp
        elif d.action == "unknown":
            unk = unk | cp
            unknown = unknown or d
        else:
            block = block or d
            later = later or d.packet not in _TO_SERVER
        per_sp[sp] = (ok, unk, later)
        alerts.extend(r.label for r in d.alerts)
        if d.asymmetric and d.asymmetric not in walk.session.notes:
            walk.session.notes.append(f"{fw.name}: {d.asymmetric}")
    for sp, (ok, unk, later) in per_sp.items():
        if ok or later:
            through_sp = through_sp | sp
        elif unk:
            undecided_sp = undecided_sp | sp
        if ok or later or unk:
            passed = ok if passed is None else passed & ok
            undecided = undecided | unk
    where = f"{fw.name} endpoint {vpce} ({hit.endpoint.availability_zone})"
    cur = walk.narrow(
        pkt,
        through_sp | undecided_sp,
        HopKind.NETWORK_FIREWALL,
        fw.arn,
        FIREWALL_CODE,
        f"{where}: {_why(block)}",
    )
    if cur is None:
        return STOPPED
    cur = walk.narrow(
        cur,
        through_sp,
        HopKind.NETWORK_FIREWALL,
        fw.arn,
        UNDECIDED_CODE,
        f"{where}: {_why(unknown)}",
        unknown=True,
    )
    if cur is None:
        return STOPPED
    ok_clients = passed if passed is not None else IntervalSet()
    crossed[_key(vpce, pkt.src, pkt.dst, pkt.protocol)] = Inspected(
        vpce, ok_clients, undecided - ok_clients, block, unknown
    )
    walk.session.pending_returns[_key(vpce, pkt.src, pkt.dst, pkt.protocol)] = (
        HopKind.NETWORK_FIREWALL,
        fw.arn,
        f"the request crossed {where}, the response does not come back through it: Network Firewall "
        "does not support asymmetric routing (its stateful engine sees half the flow)",
    )
    passing = next((d for _c, _s, d in result.pieces if d.passes), None)
    detail = f"{where}: " + (_why(passing) if passing is not None else "the request gets through")
    if alerts:
        detail += "; alerts: " + ", ".join(dict.fromkeys(alerts))
    walk.hop(HopKind.NETWORK_FIREWALL, fw.arn, None, HopAction.FORWARD, None, detail)
    return cur


def _response(walk: Walk, hit: EndpointOf, pkt: Packet, crossed: dict[str, Inspected]) -> Packet | Step:
    fw, vpce = hit.firewall, hit.endpoint.endpoint_id or ""
    where = f"{fw.name} endpoint {vpce} ({hit.endpoint.availability_zone})"
    key = _key(vpce, pkt.dst, pkt.src, pkt.protocol)
    inspected = crossed.get(key)
    if inspected is None:
        others = sorted({v.vpce for v in crossed.values()})
        seen = f" (it crossed {', '.join(others)})" if others else ""
        return NotModelled(
            HopKind.NETWORK_FIREWALL,
            fw.arn,
            f"the response crosses {where}, which its request did not cross{seen}: Network Firewall does "
            "not support asymmetric routing (its stateful engine sees half the flow)",
            "ASYMMETRIC_RETURN_PATH",
        )
    walk.session.pending_returns.pop(key, None)
    cur = walk.narrow(
        pkt,
        inspected.passed | inspected.undecided,
        HopKind.NETWORK_FIREWALL,
        fw.arn,
        FIREWALL_CODE,
        f"{where}: {_why(inspected.blocked_by)}",
    )
    if cur is None:
        return STOPPED
    cur = walk.narrow(
        cur,
        inspected.passed,
        HopKind.NETWORK_FIREWALL,
        fw.arn,
        UNDECIDED_CODE,
        f"{where}: {_why(inspected.undecided_by)}",
        unknown=True,
    )
    if cur is None:
        return STOPPED
    walk.hop(HopKind.NETWORK_FIREWALL, fw.arn, None, HopAction.FORWARD, None, f"{where}: the flow's response")
    return cur


def _why(d: FirewallDecision | None) -> str:
    if d is None:
        return "no rule decides"
    packet = f" at the {d.packet}" if d.packet and d.action != "pass" else ""
    what = d.detail or (d.rule.label if d.rule is not None else "")
    return f"{d.action}{packet} ({d.stage}): {what}" if what else f"{d.action}{packet} ({d.stage})"
