"""A Gateway Load Balancer endpoint (not a Network Firewall one) as a route target: a subnet route or an
internet/virtual private gateway's edge route to ``vpce-…``.

The packet crosses into the endpoint's subnet (its NACL; the endpoint has no security groups) and reaches
the endpoint's interface; the endpoint hands it to the Gateway Load Balancer serving its service
(``engine.gwlb``: describe-vpc-endpoint-service-configurations), whose node in the endpoint's Availability
Zone sends it, GENEVE-encapsulated on UDP 6081 from the node's private address, to one healthy appliance
of its target group (``engine.elb.select_targets``: fail-open, cross-zone off by default). That leg is
filtered like any packet: the NACLs between node and appliance both ways, the appliance's security groups
(``GWLB_PROTOCOL_RESTRICTION`` / ``GWLB_DESTINATION_PORT_RESTRICTION`` when they do not admit UDP 6081
from the node). What the appliance's software does is in no describe call: it is assumed to forward the
packet unchanged (``engine.middlebox.FORWARDING_ASSUMPTION``, said in the answer) back to the node, and
the endpoint routes the original packet on by its subnet's route table — the load balancer is transparent.
https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/introduction.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/target-groups.html

Both directions must cross the same endpoint, whose load balancer sends them to the same appliance (flow
stickiness). A response crossing an endpoint its request did not cross is a flow whose first packet the
load balancer did not see, which it does not support; a request whose response bypasses the endpoint
leaves the appliance half a flow: both answer UNKNOWN (``ASYMMETRIC_RETURN_PATH``).
https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/gateway-load-balancers.html#asymmetric-flows
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
from vpcflow.engine.components.gwlb_appliance import geneve_groups, geneve_nacl, health_check_note, log_geneve
from vpcflow.engine.elb import LbIssue, LoadBalancerNode, TargetChoice, forward_groups
from vpcflow.engine.elb_index import elb_index
from vpcflow.engine.firewall_index import firewall_index
from vpcflow.engine.gwlb import (
    GENEVE_PORT,
    GENEVE_PORTS,
    GENEVE_SOURCE_PORTS,
    Unresolved,
    load_balancer,
    node_for,
    service_of,
)
from vpcflow.engine.middlebox import FORWARDING_ASSUMPTION
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import (
    UDP,
    Address,
    Direction,
    EndpointType,
    Route,
    Subnet,
    VpcEndpoint,
)
from vpcflow.model.elb import Listener, LoadBalancer

STATE = "gateway_load_balancer_endpoint"
KIND = HopKind.GATEWAY_LOAD_BALANCER_ENDPOINT


@dataclass(frozen=True, slots=True)
class Crossed:
    """What the request's crossing fixed for its response: the load balancer, node and appliance."""

    vpce: str
    lb: LoadBalancer
    node: LoadBalancerNode
    target: TargetChoice


def is_gwlb_endpoint(walk: Walk, vpce_id: str) -> bool:
    ep = walk.snapshot.vpc_endpoints.get(vpce_id)
    return ep is not None and ep.endpoint_type is EndpointType.GATEWAY_LOAD_BALANCER


def route(walk: Walk, at: RouteContext) -> Step:
    return _through(walk, at.route, at.pkt, at.subnet, at.origin)


def from_gateway(walk: Walk, gateway_id: str, route_: Route, pkt: Packet) -> Step:
    """A gateway's edge route table sends what enters the VPC to the endpoint."""
    return _through(walk, route_, pkt, None, None)


def _crossed(walk: Walk) -> dict[str, Crossed]:
    got = walk.session.state.setdefault(STATE, {})
    assert isinstance(got, dict)
    return got


def _key(vpce: str, client: Address, server: Address, protocol: int) -> str:
    return f"{STATE}:{vpce}:{client}:{server}:{protocol}"


def _through(walk: Walk, route_: Route, pkt: Packet, from_subnet: Subnet | None, origin: Origin) -> Step:
    s = walk.snapshot
    vpce = route_.target_id or ""
    ep = s.vpc_endpoints[vpce]  # the route dispatch hands only Gateway Load Balancer endpoints here
    if not ep.available:
        return Drop(KIND, vpce, "BAD_STATE", f"{vpce} is {ep.state}", rule=route_)
    sub = s.subnets.get(ep.subnet_ids[0]) if len(ep.subnet_ids) == 1 else None
    if sub is None:
        return NotModelled(
            KIND,
            vpce,
            f"the subnet of Gateway Load Balancer endpoint {vpce} of "
            f"{ep.service_name or 'an endpoint service'} ({', '.join(ep.subnet_ids) or 'none listed'}) is "
            "not in the snapshot",
            "UNKNOWN_RESOURCE",
            rule=route_,
        )
    crossed = _crossed(walk)
    if walk.reply:
        key = _key(vpce, pkt.dst, pkt.src, pkt.protocol)
        if key not in crossed:
            others = sorted({c.vpce for c in crossed.values()})
            seen = f" (it crossed {', '.join(others)})" if others else ""
            return NotModelled(
                KIND,
                vpce,
                f"the response crosses {vpce}, which its request did not cross{seen}: a Gateway Load "
                "Balancer does not support a flow whose first packet it did not process",
                "ASYMMETRIC_RETURN_PATH",
            )
        walk.session.pending_returns.pop(key, None)
    eni = firewall_index(s).endpoint_interface(vpce)
    cur = enter_endpoint_subnet(walk, eni, from_subnet, sub, pkt)
    if cur is None:
        return STOPPED
    way: Crossed | Step
    if walk.reply:
        back = crossed[_key(vpce, pkt.dst, pkt.src, pkt.protocol)]
        walk.hop(
            KIND, vpce, None, HopAction.FORWARD, None,
            f"the response crosses {vpce} like its request: {back.lb.name} keeps the flow on appliance "
            f"{back.target.health.target_id}",
        )  # fmt: skip
        way = back
    else:
        way = _choose(walk, ep, sub, cur)
    if not isinstance(way, Crossed):
        return way
    out = _appliance(walk, way, cur)
    if not isinstance(out, Packet):
        return out
    if not walk.reply:
        key = _key(vpce, pkt.src, pkt.dst, pkt.protocol)
        crossed[key] = way
        walk.session.pending_returns[key] = (
            KIND,
            vpce,
            f"the request crossed {vpce} (appliance {way.target.health.target_id} of {way.lb.name}), the "
            "response does not come back through it: the appliance sees half the flow, and what it does "
            "with that is its software's",
        )
    if eni is not None:
        walk.log_egress(eni, out)
    return Forward(out, RouteFrom(sub, origin))


def _unresolved(u: Unresolved, id_: str) -> Step:
    if u.unknown:
        return NotModelled(KIND, id_, u.detail, u.code)
    return Drop(KIND, id_, u.code, u.detail)


def _choose(walk: Walk, ep: VpcEndpoint, sub: Subnet, pkt: Packet) -> Crossed | Step:
    """The load balancer, node and appliance the request takes (every alternative is one way)."""
    s = walk.snapshot
    vpce = ep.vpc_endpoint_id
    config = service_of(s, ep)
    if isinstance(config, Unresolved):
        return _unresolved(config, vpce)
    arns = config.gateway_load_balancer_arns
    # several load balancers: the endpoint is connected to one per zone, AWS's choice
    pick = walk.session.choose(f"{STATE}:{vpce}", tuple(f"Gateway Load Balancer {a}" for a in arns))
    lb = load_balancer(s, arns[pick])
    if isinstance(lb, Unresolved):
        return _unresolved(lb, arns[pick])
    node = node_for(s, lb, ep, sub)
    if isinstance(node, Unresolved):
        return _unresolved(node, lb.arn)
    sel = elb_index(s).select(lb, UDP, GENEVE_PORT, node.zone)
    ways: list[tuple[str, TargetChoice | LbIssue]] = [
        (f"appliance {t.health.target_id} of {t.target_group.name}", t) for t in sel.targets
    ]
    ways += [(f"{i.code}: {i.detail}", i) for i in sel.issues]
    for note in sel.notes:
        if note not in walk.session.notes:
            walk.session.notes.append(note)
    if not ways:
        return Drop(
            HopKind.LOAD_BALANCER, lb.arn, "ELBV2_LISTENER_HAS_NO_TG", f"{lb.name} sends the packet nowhere"
        )
    chosen = ways[walk.session.choose(f"{STATE}:{vpce}:{lb.arn}", tuple(label for label, _w in ways))][1]
    if isinstance(chosen, LbIssue):
        group = _group_named(walk, sel.listener, chosen.detail) or lb.arn
        if chosen.unknown:
            return NotModelled(HopKind.TARGET_GROUP, group, chosen.detail, chosen.code)
        return Drop(
            HopKind.TARGET_GROUP, group, chosen.code, f"{lb.name} node in {node.zone}: {chosen.detail}"
        )
    walk.hop(
        KIND,
        vpce,
        None,
        HopAction.FORWARD,
        None,
        f"{vpce} ({sub.availability_zone}) hands {pkt.src} → {pkt.dst} to {lb.name}, endpoint service "
        f"{config.service_id}",
    )
    return Crossed(vpce, lb, node, chosen)


def _group_named(walk: Walk, listener: Listener | None, detail: str) -> str | None:
    """The ARN of the listener's target group an issue is about (its ARN or name in the issue's words)."""
    if listener is None:
        return None
    groups = walk.snapshot.load_balancing.target_groups
    for arn, _rule in forward_groups(walk.snapshot, listener)[0]:
        tg = groups.get(arn)
        if arn in detail or (tg is not None and f"target group {tg.name} " in detail):
            return arn
    return None


def _appliance(walk: Walk, way: Crossed, pkt: Packet) -> Packet | Step:
    """The node → appliance → node leg of one packet: GENEVE on UDP 6081, then the original packet
    unchanged (the appliance's software is assumed to forward it)."""
    s = walk.snapshot
    lb, node, t = way.lb, way.node, way.target
    tg = t.target_group
    if t.address is None or t.eni is None:
        return NotModelled(
            HopKind.TARGET_GROUP,
            tg.arn,
            f"appliance {t.health.target_id} of {tg.name} is not an interface of the snapshot "
            "(describe-instances / describe-network-interfaces)",
            "UNKNOWN_RESOURCE",
        )
    app = t.eni
    n_sub, a_sub = s.subnets.get(node.subnet_id or ""), s.subnets.get(app.subnet_id)
    if n_sub is None or a_sub is None:
        missing = node.subnet_id if n_sub is None else app.subnet_id
        return NotModelled(
            HopKind.LOAD_BALANCER, lb.arn, f"subnet {missing} is not in the snapshot", "UNKNOWN_RESOURCE"
        )
    if a_sub.vpc_id != n_sub.vpc_id:
        return NotModelled(
            HopKind.TARGET_GROUP,
            tg.arn,
            f"appliance {t.address} is in {a_sub.vpc_id}, not in {lb.name}'s VPC {n_sub.vpc_id}: the way "
            "GENEVE takes between them is not modelled",
            "UNSUPPORTED_ROUTE_TARGET",
        )
    node_ip = node.private_ip
    assert node_ip is not None  # engine.gwlb.node_for checked it
    if t.address.version != 4:
        return NotModelled(
            HopKind.TARGET_GROUP, tg.arn, f"appliance {t.address} is not IPv4: GENEVE runs over IPv4",
            "UNKNOWN_RESOURCE",
        )  # fmt: skip
    fail_open = "; no healthy target: fail-open" if t.fail_open else ""
    walk.hop(
        HopKind.LOAD_BALANCER,
        lb.arn,
        None,
        HopAction.FORWARD,
        None,
        f"{lb.name} (gateway) node {node_ip} ({node.zone}) → appliance {t.address}: GENEVE, UDP "
        f"{GENEVE_PORT}; the packet inside keeps its addresses and ports",
    )
    walk.hop(
        HopKind.TARGET_GROUP,
        tg.arn,
        None,
        HopAction.FORWARD,
        None,
        f"{tg.name}: appliance {t.health.target_id} ({t.health.state.value}, {t.zone or 'zone unknown'}"
        f"{fail_open})",
    )
    key = (
        node.eni.eni_id if node.eni else str(node_ip),
        tg.arn,
        t.health.target_id,
        t.port,
        t.health_check_port,
    )
    notes = elb_index(s).health_notes
    if key not in notes:
        notes[key] = health_check_note(walk, lb, node_ip, n_sub, a_sub, app, t)
    note = notes[key]
    if note is not None and note not in walk.session.notes:
        walk.session.notes.append(note)
    walk.settle()
    to_app = Packet(node_ip, t.address, UDP, GENEVE_SOURCE_PORTS, GENEVE_PORTS)
    back = Packet(t.address, node_ip, UDP, GENEVE_SOURCE_PORTS, GENEVE_PORTS)
    crossing = n_sub.subnet_id != a_sub.subnet_id
    # node → appliance
    log_geneve(walk, node.eni, "egress", to_app)
    if crossing and not geneve_nacl(walk, n_sub, Direction.EGRESS, to_app, pkt):
        return STOPPED
    walk.settle()
    log_geneve(walk, app, "ingress", to_app)
    if crossing and not geneve_nacl(walk, a_sub, Direction.INGRESS, to_app, pkt):
        return STOPPED
    if not geneve_groups(walk, app, Direction.INGRESS, to_app, pkt, lb):
        return STOPPED
    walk.settle()
    walk.hop(
        HopKind.NETWORK_INTERFACE,
        app.eni_id,
        None,
        HopAction.FORWARD,
        None,
        f"appliance: {FORWARDING_ASSUMPTION}",
    )
    # appliance → node
    log_geneve(walk, app, "egress", back)
    if not geneve_groups(walk, app, Direction.EGRESS, back, pkt, lb):
        return STOPPED
    if crossing and not geneve_nacl(walk, a_sub, Direction.EGRESS, back, pkt):
        return STOPPED
    walk.settle()
    log_geneve(walk, node.eni, "ingress", back)
    if crossing and not geneve_nacl(walk, n_sub, Direction.INGRESS, back, pkt):
        return STOPPED
    walk.settle()
    walk.hop(
        HopKind.LOAD_BALANCER,
        lb.arn,
        None,
        HopAction.FORWARD,
        None,
        f"{lb.name} returns the packet to {way.vpce} unchanged",
    )
    return pkt
