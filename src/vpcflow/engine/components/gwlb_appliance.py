"""The Gateway Load Balancer → appliance leg's filters (``gateway_load_balancer_endpoint`` walks it): the
NACLs and the appliance's security groups for GENEVE (UDP 6081) packets, their flow-log events, and what
stops the node's health checks. A denial stops every port of the packet the GENEVE packet carries.
https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/target-groups.html
"""

from __future__ import annotations

from vpcflow.engine.components.base import Walk
from vpcflow.engine.components.load_balancer_target import health_check_nacl_stops
from vpcflow.engine.elb import LB_SOURCE_PORTS, TargetChoice
from vpcflow.engine.gwlb import ANY_PORT, GENEVE_PORT, GENEVE_PORTS, GENEVE_SPACE
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.model import TCP, UDP, Address, Direction, NetworkAclEntry, NetworkInterface, Subnet
from vpcflow.model.elb import LoadBalancer

_WORD = {Direction.INGRESS: "inbound", Direction.EGRESS: "outbound"}
LB_PORTS = IntervalSet.of((LB_SOURCE_PORTS.lo, LB_SOURCE_PORTS.hi))  # the node's health-check source ports


def log_geneve(walk: Walk, eni: NetworkInterface | None, direction: str, geneve: Packet) -> None:
    """A flow-log event of an encapsulated packet (its own protocol and ports, not the flow's)."""
    if eni is None:
        return
    space, walk.port_space = walk.port_space, GENEVE_SPACE
    if direction == "egress":
        walk.log_egress(eni, geneve)
    else:
        walk.log_ingress(eni, geneve)
    walk.port_space = space


def geneve_nacl(walk: Walk, subnet: Subnet, direction: Direction, geneve: Packet, inner: Packet) -> bool:
    """The subnet's NACL for a GENEVE packet; a denial stops every port of the packet it carries."""
    s = walk.snapshot
    acl_id = s.acl_of_subnet.get(subnet.subnet_id)
    if s.contradictions and walk.contradicted(HopKind.NETWORK_ACL, subnet.subnet_id, acl_id):
        return False
    acl = s.network_acls.get(acl_id) if acl_id else None
    word = _WORD[direction]
    peer = f"to {geneve.dst}" if direction is Direction.EGRESS else f"from {geneve.src}"
    what = f"GENEVE (UDP {GENEVE_PORT}) {peer}"
    if acl is None:
        if subnet.vpc_id not in walk.rules.vpcs_with_acl:
            walk.hop(
                HopKind.NETWORK_ACL, None, direction, HopAction.ALLOW, None,
                f"{what}: assumed the default network ACL (the snapshot holds none of {subnet.vpc_id})",
            )  # fmt: skip
            return True
        walk.narrow(
            inner, IntervalSet(), HopKind.NETWORK_ACL, subnet.subnet_id, "UNKNOWN_RESOURCE",
            f"the network ACL of {subnet.subnet_id} is not in the snapshot", direction, unknown=True,
        )  # fmt: skip
        return False
    remote = geneve.dst if direction is Direction.EGRESS else geneve.src
    result = walk.rules.evaluate_nacl(acl, direction, remote, UDP, GENEVE_PORTS)
    rule = next((r for _p, _ok, r in result.pieces if isinstance(r, NetworkAclEntry)), None)
    if result.allowed:
        walk.hop(HopKind.NETWORK_ACL, acl.acl_id, direction, HopAction.ALLOW, rule, what)
        return True
    which = f"rule {rule.number_text}" if isinstance(rule, NetworkAclEntry) else "no rule"
    walk.narrow(
        inner, IntervalSet(), HopKind.NETWORK_ACL, acl.acl_id, "SUBNET_ACL_RESTRICTION",
        f"{acl.acl_id} {word} {which} denies {what}: the packet inside cannot cross", direction, rule=rule,
    )  # fmt: skip
    return False


def geneve_groups(
    walk: Walk, app: NetworkInterface, direction: Direction, geneve: Packet, inner: Packet, lb: LoadBalancer
) -> bool:
    """The appliance's security groups for a GENEVE packet from (to) the node: UDP 6081 must pass."""
    s = walk.snapshot
    gid = ",".join(app.group_ids) or app.eni_id
    remote = geneve.dst if direction is Direction.EGRESS else geneve.src
    tracked = walk.reply and app.eni_id in walk.session.tracked
    if not tracked:
        missing = [g for g in app.group_ids if g not in s.security_groups]
        if missing:
            walk.narrow(
                inner, IntervalSet(), HopKind.SECURITY_GROUP, gid, "UNKNOWN_RESOURCE",
                f"{', '.join(missing)} (attached to appliance {app.eni_id}) not in the snapshot: whether it "
                f"admits GENEVE (UDP {GENEVE_PORT}) is unknown", direction, unknown=True,
            )  # fmt: skip
            return False
        if not walk.rules.evaluate_sg(app, direction, remote, UDP, GENEVE_PORTS).allowed:
            other = walk.rules.evaluate_sg(app, direction, remote, UDP, ANY_PORT).allowed
            # https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/target-groups.html (GENEVE 6081)
            code = "GWLB_DESTINATION_PORT_RESTRICTION" if other else "GWLB_PROTOCOL_RESTRICTION"
            peer = f"to {remote}" if direction is Direction.EGRESS else f"from {remote}"
            also = f" (they admit UDP {other} only)" if other else ""
            walk.narrow(
                inner, IntervalSet(), HopKind.SECURITY_GROUP, gid, code,
                f"the security groups of appliance {app.eni_id} ({gid}) {_WORD[direction]} do not admit "
                f"GENEVE (UDP {GENEVE_PORT}) {peer}, {lb.name}'s node{also}", direction,
            )  # fmt: skip
            return False
    return walk.security_groups(app, direction, geneve) is not None


def health_check_note(
    walk: Walk,
    lb: LoadBalancer,
    node_ip: Address,
    n_sub: Subnet,
    a_sub: Subnet,
    app: NetworkInterface,
    t: TargetChoice,
) -> str | None:
    """Whether the node's health checks of ``t`` (TCP, HTTP or HTTPS: TCP to the health-check port, the
    answer to the node's ports 1024-65535) pass the appliance's security groups and the NACLs between them;
    a note naming what stops them, else ``None``. The verdict keeps following the snapshot's health states
    (what AWS measured)."""
    if t.health.health_check_port is None and t.target_group.health_check_port is None:
        return None  # "traffic-port" is not a port a Gateway Load Balancer checks: the port is unknown
    rules = walk.rules
    address = t.address
    assert address is not None
    hc = IntervalSet.single(t.health_check_port)
    stops: list[str] = []
    if not rules.evaluate_sg(app, Direction.INGRESS, node_ip, TCP, hc).allowed:
        stops.append(f"the security groups of {app.eni_id} inbound ({','.join(app.group_ids) or 'none'})")
    stops += health_check_nacl_stops(walk, n_sub, a_sub, node_ip, address, hc)
    if not stops:
        return None
    return (
        f"health checks of appliance {t.health.target_id} on port {t.health_check_port} from {lb.name}'s "
        f"node {node_ip} are stopped by {'; '.join(stops)}: AWS will mark it unhealthy (the snapshot says "
        f"{t.health.state.value})"
    )
