"""One-line diagnoses a person reads at a glance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcflow.engine.result import Blocker, HopKind, Verdict
from vpcflow.model import Direction, NetworkAclEntry, SecurityGroupRule, protocol_name

if TYPE_CHECKING:
    from vpcflow.engine.result import Trace

_DIR_WORD = {Direction.INGRESS: "inbound", Direction.EGRESS: "outbound"}


def _what(trace: Trace) -> str:
    proto = protocol_name(trace.protocol)
    if trace.dst_port is not None:
        return f"{proto} {trace.dst_port}"
    if trace.icmp_type is not None:
        return f"{proto} type {trace.icmp_type}"
    return proto


def blocker_text(b: Blocker) -> str:
    """``acl-1 outbound rule *`` / ``the security groups of eni-1 (sg-1, sg-2) inbound``."""
    word = _DIR_WORD.get(b.direction, "") if b.direction else ""
    if b.kind is HopKind.NETWORK_ACL:
        if isinstance(b.rule, NetworkAclEntry):
            return f"{b.id} {word} rule {b.rule.number_text}"
        return f"{b.id or 'the subnet'} {word} (no network ACL)"
    if b.kind is HopKind.SECURITY_GROUP:
        if isinstance(b.rule, SecurityGroupRule):
            return f"{b.rule.group_id} {word}"
        groups = b.id or "none"
        return f"security groups {groups} {word}: no rule allows it"
    head = f"{b.kind.value} {b.id or ''}".strip()
    return f"{head}: {b.detail}" if b.detail else head


def diagnose(trace: Trace) -> str:
    what = _what(trace)
    src, dst = trace.source.label, trace.destination.label
    if trace.verdict is Verdict.ACCEPT:
        if not trace.ret.applicable:
            return f"{what} from {src} reaches {dst} (no response expected)"
        return (
            f"{what} from {src} reaches {dst} and the responses get back (client ports {trace.client_ports})"
        )
    b = trace.blocked_by
    if b is None:
        return f"{what} from {src} to {dst}: {trace.verdict.value}"
    if trace.verdict is Verdict.UNKNOWN:
        return f"cannot decide: {b.detail} [{b.code}]" if b.detail else f"cannot decide [{b.code}]"
    on = f" on the {b.connection} connection" if b.connection else ""
    if b.stage == "forward":
        return f"the request is stopped{on} by {blocker_text(b)} [{b.code}]"
    ports = f"ephemeral ports {b.ports}" if b.ports is not None else "ports"
    if b.connection and b.ports is None:
        ports = "connection"
    if trace.verdict is Verdict.PARTIAL:
        return (
            f"the request arrives, but the response to the client's {ports} is denied{on} by "
            f"{blocker_text(b)} [{b.code}]; only ports {trace.return_ports} work"
        )
    return (
        f"the request arrives, but the response to the client's {ports} is denied{on} by "
        f"{blocker_text(b)} [{b.code}]"
    )
