"""The node of an Application or Network Load Balancer: the listener side of a connection.

A packet delivered to a node's address (past its subnet's NACL) meets, in order: the load balancer's
security groups (an ALB always has them; an NLB created without them lets every client reach its
listeners), a listener for its protocol and port (none: ``ELBV2_LISTENERS_MISMATCH``), for an ALB the web
ACL associated with it (WAF, decided by the client's address), then the target the node sends it to
(``load_balancer_target``): one way per target the listener may use, each walked
(``conversation.converse_all``). The response comes back through the same node to the client.
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html

A node whose load balancer is not in the snapshot (no describe-load-balancers output) passes or denies
by its security groups; past them the answer is UNKNOWN (``UNKNOWN_RESOURCE``, naming the load
balancer). Gateway Load Balancer nodes are reached through their endpoints (``gateway_load_balancer``);
Classic Load Balancers are named and not modelled.
"""

from __future__ import annotations

from vpcflow.engine.components import load_balancer_target as backend
from vpcflow.engine.components.base import (
    STOPPED,
    Delivered,
    Drop,
    Forward,
    Landing,
    NotModelled,
    Step,
    Walk,
)
from vpcflow.engine.components.host import send_from
from vpcflow.engine.elb import listener_for
from vpcflow.engine.elb_index import elb_index
from vpcflow.engine.memo import put
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopAction, HopKind
from vpcflow.engine.waf import WAF_CODE, WafDecision, evaluate_web_acl
from vpcflow.model import ICMP, ICMPV6, Direction, NetworkInterface, protocol_name
from vpcflow.model.elb import LoadBalancer, LoadBalancerType
from vpcflow.model.waf import OtherStatement, WafRule

LISTENERS_MISMATCH = "ELBV2_LISTENERS_MISMATCH"


def has_security_groups(lb: LoadBalancer, eni: NetworkInterface) -> bool:
    """Whether security groups filter the node's traffic (always for an ALB; an NLB only if it was
    created with them)."""
    return lb.type is LoadBalancerType.APPLICATION or bool(eni.group_ids or lb.security_groups)


class LoadBalancerNode:
    logs_arrival = True

    def send(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step:
        """A packet the node sends on its own: a connection to a target or a health check (the load
        balancer as a source), or the answer to a request it answered itself."""
        lb = elb_index(walk.snapshot).load_balancer_of(eni)
        return send_from(walk, eni, pkt, groups=lb is None or has_security_groups(lb, eni))

    def receive(self, walk: Walk, at: Landing) -> Step:
        eni = at.eni
        assert eni is not None  # the walk hands a node only packets for its own interface
        lb = elb_index(walk.snapshot).load_balancer_of(eni)
        if lb is None:
            return _end_at_interface(walk, eni, at.pkt)
        if walk.reply:
            return backend.answer_at_node(walk, lb, eni, at.pkt)
        return _listener(walk, lb, eni, at.pkt)


def _end_at_interface(walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step:
    """A node of a load balancer the snapshot does not describe: its security groups still decide what
    reaches the interface (a denial is a REJECT whatever the load balancer does); what gets past them is
    UNKNOWN, naming the load balancer (its listeners and targets are not known)."""
    # a node without security groups may be an NLB's created without them (every client reaches its
    # listeners): no group is no verdict here
    out = walk.security_groups(eni, Direction.INGRESS, pkt) if eni.group_ids else pkt
    walk.settle_ingress()
    if out is None:
        return STOPPED
    if walk.reply:
        # the reply to a connection the node opened (to a target): no listener is involved
        walk.hop(HopKind.NETWORK_INTERFACE, eni.eni_id, Direction.INGRESS, HopAction.ALLOW)
        return Forward(out, Delivered(eni))
    name = (eni.description or "").removeprefix("ELB ") or eni.eni_id
    return NotModelled(
        HopKind.LOAD_BALANCER,
        eni.eni_id,
        f"{eni.eni_id} is a node of load balancer {name}, which is not in the snapshot "
        "(describe-load-balancers): its listeners and targets are unknown",
        "UNKNOWN_RESOURCE",
    )


def _listener(walk: Walk, lb: LoadBalancer, eni: NetworkInterface, pkt: Packet) -> Step:
    """Client → listener: security groups, listener, web ACL; then the target connection."""
    walk.connection = "client → load balancer"
    if lb.type is LoadBalancerType.GATEWAY:
        walk.settle_ingress()
        return NotModelled(
            HopKind.LOAD_BALANCER,
            lb.arn,
            f"{lb.name} is a Gateway Load Balancer: traffic reaches it through its endpoints, not addressed "
            "to its nodes",
            "UNSUPPORTED_INTERFACE",
        )
    cur: Packet | None = pkt
    if has_security_groups(lb, eni):
        cur = walk.security_groups(eni, Direction.INGRESS, pkt)
    else:
        walk.hop(
            HopKind.LOAD_BALANCER,
            lb.arn,
            Direction.INGRESS,
            HopAction.ALLOW,
            None,
            f"{lb.name} has no security groups: every client reaches its listeners",
        )
    walk.settle()
    if cur is None:
        return STOPPED
    if cur.protocol in (ICMP, ICMPV6):
        return NotModelled(
            HopKind.LOAD_BALANCER,
            lb.arn,
            f"{lb.name} has listeners for TCP and UDP only; whether its nodes answer "
            f"{protocol_name(cur.protocol)} themselves is not documented",
            "UNSUPPORTED_PROTOCOL",
        )
    if not walk.snapshot.load_balancing.listeners:
        # no describe-listeners output at all: what the load balancer listens on is unknown (a snapshot
        # that holds some listeners and none of this load balancer's says it has none)
        return NotModelled(
            HopKind.LOAD_BALANCER,
            lb.arn,
            f"the snapshot holds no listener of any load balancer (describe-listeners): what {lb.name} "
            "listens on is unknown",
            "UNKNOWN_RESOURCE",
        )
    index = elb_index(walk.snapshot)
    ports = index.listener_ports(lb, cur.protocol)
    if cur.dports - ports:
        listening = ", ".join(f"{li.protocol} {li.port}" for li in index.listeners(lb))
        cur = walk.narrow(
            cur,
            ports,
            HopKind.LOAD_BALANCER_LISTENER,
            lb.arn,
            LISTENERS_MISMATCH,
            f"{lb.name} has no {protocol_name(cur.protocol)} listener on that port "
            f"(listeners: {listening or 'none'})",
            Direction.INGRESS,
        )
        if cur is None:
            return STOPPED
    if cur.dports.size != 1:
        return NotModelled(
            HopKind.LOAD_BALANCER_LISTENER,
            lb.arn,
            f"ports {cur.dports} reach several listeners of {lb.name}: walk one listener port at a time",
            "UNSUPPORTED_QUERY",
        )
    port = cur.dports.first
    listener = listener_for(index.listeners(lb), lb.type, cur.protocol, port)
    assert listener is not None  # the port is one of the listeners' ports
    walk.hop(
        HopKind.LOAD_BALANCER_LISTENER,
        listener.arn,
        Direction.INGRESS,
        HopAction.ALLOW,
        None,
        f"{lb.name} listener {listener.protocol} {listener.port}",
    )
    if lb.type is LoadBalancerType.APPLICATION:
        acl = walk.snapshot.waf.web_acl_for(lb.arn)
        if acl is not None:
            # the decision reads the web ACL, its IP sets and the client address
            key = (acl.arn, cur.src.version, cur.src.value)
            memo = walk.rules.memo
            decision = memo.waf.get(key)
            if decision is None:
                decision = evaluate_web_acl(acl, cur.src, walk.snapshot.waf)
                if memo.admit(key):
                    put(memo.waf, key, decision)
            stop = _waf_step(walk, decision)
            if stop is not None:
                return stop
    walk.session.request_ports = cur.dports
    return backend.to_target(walk, lb, eni, cur, port)


def _waf_step(walk: Walk, d: WafDecision) -> Step | None:
    """The web ACL's decision on the client's address: a block stops the request (the ALB answers 403);
    rules on content, rate or geography are named as "may block", never a verdict."""
    acl = d.web_acl
    maybe = ""
    if d.may_block:
        maybe = "; may block (not decided by an address): " + ", ".join(
            f"{r.name} ({_statement_kind(r)})" for r in d.may_block
        )
    if d.blocks:
        # a blocked request is answered by the load balancer (HTTP 403 unless the rule sets a custom
        # response): the client's connection to the node is accepted, nothing goes to a target
        # https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-action.html
        walk.session.notes.append(
            f"web ACL {acl.name} blocks the request: the load balancer answers the client itself (HTTP 403 "
            "unless the rule sets a custom response); the client's connection to the node is accepted"
        )
        return Drop(HopKind.WEB_ACL, acl.arn, WAF_CODE, f"web ACL {acl.name}: {d.detail}{maybe}")
    if d.action == "UNKNOWN":
        return NotModelled(HopKind.WEB_ACL, acl.arn, f"web ACL {acl.name}: {d.detail}", WAF_CODE)
    walk.hop(HopKind.WEB_ACL, acl.arn, Direction.INGRESS, HopAction.ALLOW, None, f"{d.detail}{maybe}")
    if d.may_block:
        walk.session.notes.append(
            f"web ACL {acl.name} may still block this request by rules a packet does not decide: "
            + ", ".join(f"{r.name} ({_statement_kind(r)})" for r in d.may_block)
        )
    return None


def _statement_kind(rule: WafRule) -> str:
    st = rule.statement
    return st.kind if isinstance(st, OtherStatement) else type(st).__name__


NODE = LoadBalancerNode()
