"""The target side of a load balancer: the node → target connection and the way back to the client.

- Which target: every target the listener may send the connection to (``engine.elb.select_targets``:
  forward actions, healthy targets or fail-open, cross-zone) is one alternative of the walk
  (``Session.choose``); a target group the evaluator cannot read, or one that leaves the node nothing, is an
  alternative that answers UNKNOWN or REJECT.
- What the target sees: an ALB is a proxy — a new connection from the node's private address, source
  ports 1024-65535 (``REMAP_EPHEMERAL_PORT``), through the ALB's security groups outbound and the target's
  inbound. An NLB keeps the client's address when client IP preservation is on (the target's rules see
  the client; references to the NLB's security groups still match), else it is a proxy like the ALB.
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation
- The way back: the target answers the node's address (its routes take it there), or — client address
  preserved — the node takes the answer back whatever the target's routes say; the node then answers the
  client on its connection.
- Health checks come from the node's own address to the health-check port: a check the filters would stop
  is reported (the snapshot's health states are what AWS measured; a target the filters cut off will be
  marked unhealthy).
"""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.engine.components.base import (
    STOPPED,
    Delivered,
    Drop,
    Forward,
    NotModelled,
    RouteFrom,
    Step,
    Walk,
)
from vpcflow.engine.elb import LB_SOURCE_PORTS, LbIssue, TargetChoice
from vpcflow.engine.elb_index import ElbIndex, elb_index
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.memo import put
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import TCP, Address, Direction, NetworkInterface, Subnet
from vpcflow.model.elb import LoadBalancer, LoadBalancerType
from vpcflow.model.frozen import fast_init

STATE = "load_balancer"  # session state: node ENI id → the connection it proxies
LB_PORTS = IntervalSet.of((LB_SOURCE_PORTS.lo, LB_SOURCE_PORTS.hi))
TO_TARGET = "load balancer → target"
FROM_TARGET = "target → load balancer"
TO_CLIENT = "load balancer → client"


@fast_init
@dataclass(frozen=True, slots=True)
class Proxied:
    """What the node keeps of the client's connection to answer it."""

    lb: LoadBalancer
    node: NetworkInterface
    client: Address  # the client's address as the node sees it
    client_ports: IntervalSet
    listener_address: Address  # the node address the client reached
    listener_port: int
    protocol: int
    preserved: bool


def _state(walk: Walk) -> dict[str, Proxied]:
    got = walk.session.state.setdefault(STATE, {})
    assert isinstance(got, dict)
    return got


def _filters(lb: LoadBalancer, eni: NetworkInterface) -> bool:
    return lb.type is LoadBalancerType.APPLICATION or bool(eni.group_ids or lb.security_groups)


def to_target(walk: Walk, lb: LoadBalancer, node: NetworkInterface, pkt: Packet, port: int) -> Step:
    """The node sends the connection to one target (the alternative this walk takes)."""
    index = elb_index(walk.snapshot)
    # the ways read the listener's selection for the node and, of the client, only whether it holds a
    # target's address (such a target stands alone): memoised per node, protocol and port otherwise
    key = (lb.arn, node.eni_id, pkt.protocol, port, walk.session.every_target)
    hit = walk.rules.memo.lb_ways.get(key)
    if hit is None or pkt.src in hit[2]:
        zone = index.zone_of(lb, node)
        sel = index.select(lb, pkt.protocol, port, zone)
        found: list[tuple[str, TargetChoice | LbIssue | str]] = []
        for members in _alike(walk, index, node, sel.targets, pkt):
            t = members[0]
            who = ", ".join(m.health.target_id for m in members)
            alike = " (alike: one NACL, route table, groups and rule cells)" if len(members) > 1 else ""
            found.append((f"target {who}:{t.port} of {t.target_group.name}{alike}", t))
        for issue in sel.issues:
            found.append((f"{issue.code}: {issue.detail}", issue))
        for answer in sel.answers_itself:
            found.append((f"the load balancer answers itself: {answer}", answer))
        held = frozenset(t.address for t in sel.targets if t.address is not None)
        hit = (sel, tuple(found), held)
        if pkt.src not in held:
            put(walk.rules.memo.lb_ways, key, hit)
    sel, ways, _held = hit
    for note in sel.notes:
        if note not in walk.session.notes:
            walk.session.notes.append(note)
    if not ways:
        return Drop(
            HopKind.LOAD_BALANCER_LISTENER,
            sel.listener.arn if sel.listener else lb.arn,
            "ELBV2_LISTENER_HAS_NO_TG",
            f"the listener on port {port} of {lb.name} sends the connection nowhere",
        )
    pick = walk.session.choose(f"{STATE}:{node.eni_id}:{port}", tuple(label for label, _w in ways))
    way = ways[pick][1]
    if isinstance(way, LbIssue):
        if way.unknown:
            return NotModelled(HopKind.TARGET_GROUP, lb.arn, way.detail, way.code)
        return Drop(HopKind.TARGET_GROUP, lb.arn, way.code, way.detail)
    if isinstance(way, str):  # a redirect or fixed response: the request ends at the node
        walk.hop(HopKind.LOAD_BALANCER, lb.arn, None, HopAction.ALLOW, None, f"answered by {lb.name}: {way}")
        return Forward(pkt, Delivered(node))
    return _connect(walk, lb, node, pkt, port, way)


def _alike(
    walk: Walk, index: ElbIndex, node: NetworkInterface, targets: tuple[TargetChoice, ...], pkt: Packet
) -> list[list[TargetChoice]]:
    """Targets grouped where any one answers for all (unless the walk wants every target,
    ``Session.every_target``): one group, port, health-check port and health class; subnets with the same
    NACL and route table, alike in sharing the node's subnet or not; the same security groups; addresses
    in one cell of the snapshot's address edges (every rule and route compares them alike). A target
    holding the client's own address stands alone. Only the interface (and its flow-log records) differs
    within a group: the walk of one is the walk of all."""
    s = walk.snapshot
    groups: dict[tuple[object, ...], list[TargetChoice]] = {}
    for t in targets:
        if walk.session.every_target or t.eni is None or t.address is None or t.address == pkt.src:
            key: tuple[object, ...] = ("alone", id(t))
        else:
            sub = t.eni.subnet_id
            key = (
                t.target_group.arn, t.port, t.health_check_port, t.fail_open, t.via_rule,
                s.acl_of_subnet.get(sub), s.route_table_of_subnet.get(sub), sub == node.subnet_id,
                t.eni.group_ids, t.address.version, index.address_cell(t.address),
            )  # fmt: skip
        groups.setdefault(key, []).append(t)
    return list(groups.values())


def _connect(
    walk: Walk, lb: LoadBalancer, node: NetworkInterface, pkt: Packet, port: int, t: TargetChoice
) -> Step:
    s = walk.snapshot
    tg = t.target_group
    if t.address is None:
        return NotModelled(
            HopKind.TARGET_GROUP,
            tg.arn,
            f"target {t.health.target_id} of {tg.name} is not in the snapshot (describe-instances)",
            "UNKNOWN_RESOURCE",
        )
    node_sub = s.subnets.get(node.subnet_id)
    if node_sub is None:
        return NotModelled(
            HopKind.LOAD_BALANCER,
            lb.arn,
            f"subnet {node.subnet_id} of {node.eni_id} is not in the snapshot",
            "UNKNOWN_RESOURCE",
        )
    # the client's address reaches the target only within its IP version
    preserved = t.client_ip_preserved and pkt.src.version == t.address.version
    if preserved:
        src: Address | None = pkt.src
        sports = pkt.sports
    else:
        pool = node.private_ips if t.address.version == 4 else node.ipv6_addresses
        src = pool[0] if pool else None
        sports = LB_PORTS
    if src is None:
        return NotModelled(
            HopKind.LOAD_BALANCER,
            lb.arn,
            f"node {node.eni_id} has no IPv{t.address.version} address for target {t.address}",
            "UNKNOWN_RESOURCE",
        )
    if preserved and t.eni is not None and t.eni.vpc_id != node.vpc_id:
        return NotModelled(
            HopKind.TARGET_GROUP,
            tg.arn,
            f"target {t.address} is in {t.eni.vpc_id} with the client's address preserved: the way "
            "its answer takes back to the load balancer is not modelled",
            "UNSUPPORTED_ROUTE_TARGET",
        )
    if preserved and src == t.address:
        # https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-troubleshooting.html#loopback-timeout
        return Drop(
            HopKind.LOAD_BALANCER,
            lb.arn,
            "ELBV2_SOURCE_ADDRESS_PRESERVATION",
            f"{lb.name} sends the client's connection back to the client itself ({src}) with its address "
            "preserved: source and destination are the same address and the connection times out "
            "(hairpin)",
        )
    walk.connection = TO_TARGET
    how = "client address preserved" if preserved else "new connection from the node"
    fail_open = "; no healthy target: fail-open" if t.fail_open else ""
    walk.hop(
        HopKind.LOAD_BALANCER,
        lb.arn,
        None,
        HopAction.FORWARD,
        None,
        f"{lb.name} ({lb.type.value}): {how}, {src}:{sports} → {t.address}:{t.port}"
        + ("" if preserved else " [REMAP_EPHEMERAL_PORT]"),
    )
    walk.hop(
        HopKind.TARGET_GROUP,
        tg.arn,
        None,
        HopAction.FORWARD,
        None,
        f"{tg.name}: target {t.health.target_id} ({t.health.state.value}, {t.zone or 'zone unknown'}"
        f"{fail_open})",
    )
    walk.settle()
    via = lb.security_groups if preserved else ()
    out: Packet | None = Packet(
        src, t.address, pkt.protocol, sports, IntervalSet.single(t.port), via_groups=via
    )
    assert out is not None
    key = (node.eni_id, t.target_group.arn, t.health.target_id, t.port, t.health_check_port)
    notes = elb_index(walk.snapshot).health_notes
    if key not in notes:
        notes[key] = _health_check_note(walk, lb, node, t)
    note = notes[key]
    if note is not None and note not in walk.session.notes:
        walk.session.notes.append(note)
    walk.log_egress(node, out)
    if _filters(lb, node):
        out = walk.security_groups(node, Direction.EGRESS, out)
    if out is None:
        return STOPPED
    _state(walk)[node.eni_id] = Proxied(lb, node, pkt.src, pkt.sports, pkt.dst, port, pkt.protocol, preserved)
    if preserved:
        if t.eni is None:
            return NotModelled(
                HopKind.TARGET_GROUP,
                tg.arn,
                f"target {t.address} is not an interface of the snapshot: with the client's address "
                "preserved, the way its answer takes back is not known",
                "UNKNOWN_RESOURCE",
            )
        walk.session.responders[t.eni.eni_id] = PreservedReturn(node.eni_id)
    else:
        walk.session.reply_space = "nat"
        walk.nat_label = "load balancer"
    return Forward(out, RouteFrom(node_sub, node))


def answer_at_node(walk: Walk, lb: LoadBalancer, node: NetworkInterface, pkt: Packet) -> Step:
    """A response reaching the node's address: the target's answer on the node's connection (answered to
    the client on its own), or the answer to a connection the node made itself."""
    proxied = _state(walk).get(node.eni_id)
    walk.connection = FROM_TARGET if proxied is not None else ""
    cur: Packet | None = pkt
    if _filters(lb, node):
        cur = walk.security_groups(node, Direction.INGRESS, pkt)
    walk.settle_ingress()
    if cur is None:
        return STOPPED
    if proxied is None:
        walk.hop(HopKind.NETWORK_INTERFACE, node.eni_id, Direction.INGRESS, HopAction.ALLOW)
        return Forward(cur, Delivered(node))
    return _to_client(walk, proxied)


@dataclass(frozen=True, slots=True)
class PreservedReturn:
    """The target's answer to a client whose address the NLB preserved: back through the node that sent
    the connection, whatever the target subnet's routes say (the NACLs between the two still apply)."""

    node_id: str

    def __call__(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step:
        proxied = _state(walk).get(self.node_id)
        s = walk.snapshot
        t_sub = s.subnets.get(eni.subnet_id)
        if proxied is None or t_sub is None:
            return NotModelled(
                HopKind.LOAD_BALANCER,
                self.node_id,
                f"the connection {self.node_id} proxies, or the subnet of {eni.eni_id}, is not known",
                "UNKNOWN_RESOURCE",
            )
        n_sub: Subnet | None = s.subnets.get(proxied.node.subnet_id)
        assert n_sub is not None  # checked when the connection was made
        walk.connection = FROM_TARGET
        walk.log_egress(eni, pkt)
        cur = walk.security_groups(eni, Direction.EGRESS, pkt)
        if cur is None:
            return STOPPED
        if t_sub.subnet_id != n_sub.subnet_id:
            cur = walk.leave_subnet(t_sub, cur)
            if cur is None:
                return STOPPED
            walk.log_ingress(proxied.node, cur)
            cur = walk.enter_subnet(n_sub, cur)
            walk.settle_ingress()
            if cur is None:
                return STOPPED
        walk.hop(
            HopKind.LOAD_BALANCER,
            proxied.lb.arn,
            None,
            HopAction.FORWARD,
            None,
            f"the answer to the preserved client address {proxied.client} returns through node "
            f"{proxied.node.eni_id} (the target's routes do not decide it)",
        )
        return _to_client(walk, proxied)


def _to_client(walk: Walk, p: Proxied) -> Step:
    """The node answers the client on the client's own connection."""
    walk.connection = TO_CLIENT
    walk.port_space = "nat" if walk.session.nat else "client"
    walk.nat_label = "NAT gateway"
    sub = walk.snapshot.subnets.get(p.node.subnet_id)
    assert sub is not None  # checked when the connection was made
    reply = Packet(
        p.listener_address, p.client, p.protocol, IntervalSet.single(p.listener_port), p.client_ports
    )
    walk.hop(
        HopKind.LOAD_BALANCER,
        p.lb.arn,
        None,
        HopAction.FORWARD,
        None,
        f"{p.lb.name} answers the client {p.client} from {p.listener_address}:{p.listener_port}",
    )
    walk.log_egress(p.node, reply)
    out: Packet | None = reply
    if _filters(p.lb, p.node):
        out = walk.security_groups(p.node, Direction.EGRESS, reply)
    if out is None:
        return STOPPED
    return Forward(out, RouteFrom(sub, p.node))


def health_check_nacl_stops(
    walk: Walk, n_sub: Subnet, t_sub: Subnet, node_ip: Address, address: Address, hc: IntervalSet
) -> list[str]:
    """The NACLs between a load balancer node's subnet and a target's (none within one subnet) that stop
    its health checks (TCP to ``hc``) or their answers (to the node's ports 1024-65535), named."""
    if n_sub.subnet_id == t_sub.subnet_id:
        return []
    s, stops = walk.snapshot, []
    for sub, direction, remote, ports in (
        (n_sub, Direction.EGRESS, address, hc),
        (t_sub, Direction.INGRESS, node_ip, hc),
        (t_sub, Direction.EGRESS, node_ip, LB_PORTS),
        (n_sub, Direction.INGRESS, address, LB_PORTS),
    ):
        acl_id = s.acl_of_subnet.get(sub.subnet_id)
        acl = s.network_acls.get(acl_id) if acl_id else None
        if acl is None:
            continue
        result = walk.rules.evaluate_nacl(acl, direction, remote, TCP, ports)
        if result.denied:
            word = "inbound" if direction is Direction.INGRESS else "outbound"
            stops.append(f"{acl.acl_id} {word} (ports {result.denied})")
    return stops


def _health_check_note(walk: Walk, lb: LoadBalancer, node: NetworkInterface, t: TargetChoice) -> str | None:
    """Whether the node's health checks of ``t`` pass the filters (security groups both sides, the NACLs
    between them both ways); a note naming what stops them, else ``None``."""
    s, rules = walk.snapshot, walk.rules
    address = t.address
    assert address is not None
    src = (node.private_ips if address.version == 4 else node.ipv6_addresses) or (None,)
    node_ip = src[0]
    if node_ip is None:
        return None
    hc = IntervalSet.single(t.health_check_port)
    stops: list[str] = []
    if _filters(lb, node) and not rules.evaluate_sg(node, Direction.EGRESS, address, TCP, hc).allowed:
        stops.append(f"the security groups of {lb.name} outbound ({','.join(node.group_ids) or 'none'})")
    if t.eni is not None and not rules.evaluate_sg(t.eni, Direction.INGRESS, node_ip, TCP, hc).allowed:
        stops.append(f"the security groups of {t.eni.eni_id} inbound ({','.join(t.eni.group_ids) or 'none'})")
    t_sub = s.subnets.get(t.eni.subnet_id) if t.eni is not None else None
    n_sub = s.subnets.get(node.subnet_id)
    if t_sub is not None and n_sub is not None:
        stops += health_check_nacl_stops(walk, n_sub, t_sub, node_ip, address, hc)
    if not stops:
        return None
    return (
        f"health checks of target {t.health.target_id} on port {t.health_check_port} from {lb.name}'s "
        f"node {node_ip} are stopped by {'; '.join(stops)}: AWS will mark it unhealthy (the snapshot says "
        f"{t.health.state.value})"
    )
