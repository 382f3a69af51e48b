"""A deliberately naive reference evaluator, written straight from aws-semantics.md, sharing no code with
the engine's matching (no IntervalSet, no CompiledRules, no LegWalker): linear scans and ``ipaddress``.

Scope (what the property tests generate): one VPC, several subnets, one route table with the local route
and optionally 0.0.0.0/0 → an attached internet gateway, ENIs with optional public IPs, SGs with CIDR and
group-reference rules (IPv4/IPv6), NACLs with IPv4/IPv6 entries; flows ENI→ENI (private addresses),
internet→ENI (public address), ENI→internet; tcp/udp/icmp echo. One concrete client source port.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vpcflow.model import Address, NetworkAcl, NetworkInterface, SecurityGroupRule, Snapshot
from vpcflow.model.filters import CidrPeer, GroupPeer


@dataclass(frozen=True)
class Packet:
    src: str
    dst: str
    proto: int  # 6, 17, 1
    sport: int
    dport: int
    icmp_type: int = -1


def _in(addr: str, cidr: str) -> bool:
    a = ipaddress.ip_address(addr)
    n = ipaddress.ip_network(cidr, strict=False)
    return a.version == n.version and a in n


def _sg_rule_matches(snap: Snapshot, rule: SecurityGroupRule, remote: str, p: Packet) -> bool:
    if rule.protocol not in (-1, p.proto):
        return False
    if (
        rule.protocol in (6, 17)
        and rule.ports is not None
        and not (rule.ports.lo <= p.dport <= rule.ports.hi)
    ):
        return False
    if rule.protocol in (1, 58) and rule.icmp is not None and rule.icmp.type not in (-1, p.icmp_type):
        return False
    if isinstance(rule.peer, CidrPeer):
        return _in(remote, str(rule.peer.cidr))
    if isinstance(rule.peer, GroupPeer):
        for eni in snap.interfaces.values():
            if rule.peer.group_id in eni.group_ids and any(str(a) == remote for a in eni.addresses):
                return True
        return False
    return False


def sg_allows(snap: Snapshot, eni: NetworkInterface, egress: bool, p: Packet) -> bool:
    remote = p.dst if egress else p.src
    for gid in eni.group_ids:
        group = snap.security_groups.get(gid)
        if group is None:
            continue
        for rule in group.egress if egress else group.ingress:
            if _sg_rule_matches(snap, rule, remote, p):
                return True
    return False


def nacl_allows(acl: NetworkAcl, egress: bool, p: Packet) -> bool:
    remote = p.dst if egress else p.src
    entries = sorted(acl.egress if egress else acl.ingress, key=lambda e: e.rule_number)
    for e in entries:
        if not _in(remote, str(e.cidr)):
            continue
        if e.protocol not in (-1, p.proto):
            continue
        if e.protocol in (6, 17) and e.ports is not None and not (e.ports.lo <= p.dport <= e.ports.hi):
            continue
        if e.protocol == 1 and e.icmp is not None and e.icmp.type not in (-1, p.icmp_type):
            continue
        return e.action.value == "allow"
    return False


def _acl_of(snap: Snapshot, subnet_id: str) -> NetworkAcl:
    return snap.network_acls[snap.acl_of_subnet[subnet_id]]


def _has_igw_route(snap: Snapshot, subnet_id: str) -> bool:
    rtb = snap.route_tables.get(snap.route_table_of_subnet.get(subnet_id, ""))
    if rtb is None:
        return False
    return any(
        r.destination is not None
        and str(r.destination) == "0.0.0.0/0"
        and r.target.value == "internet-gateway"
        and not r.blackhole
        and any(r.target_id == g for g in snap.internet_gateways)
        for r in rtb.routes
    )


def _nacl(snap: Snapshot, eni: NetworkInterface, egress: bool, p: Packet) -> bool:
    return nacl_allows(_acl_of(snap, eni.subnet_id), egress, p)


def _reply(p: Packet) -> Packet:
    reply_type = {8: 0}.get(p.icmp_type, -1) if p.proto == 1 else -1
    return Packet(p.dst, p.src, p.proto, p.dport, p.sport, reply_type)


def eni_to_eni(snap: Snapshot, a: NetworkInterface, b: NetworkInterface, p: Packet) -> tuple[bool, bool]:
    """Private addresses in one VPC: local route; NACLs only between different subnets."""
    same = a.subnet_id == b.subnet_id
    if not sg_allows(snap, a, True, p):
        return False, False
    if not same and not (_nacl(snap, a, True, p) and _nacl(snap, b, False, p)):
        return False, False
    if not sg_allows(snap, b, False, p):
        return False, False
    r = _reply(p)  # SGs pass by connection tracking
    return True, same or (_nacl(snap, b, True, r) and _nacl(snap, a, False, r))


def internet_to_eni(snap: Snapshot, b: NetworkInterface, p: Packet) -> tuple[bool, bool]:
    """``p.dst`` is b's public IP; the IGW translates it to the private IP before NACL and SG."""
    if b.private_for(ipaddress_address(p.dst)) is None:
        return False, False
    seen = Packet(p.src, str(b.private_ips[0]), p.proto, p.sport, p.dport, p.icmp_type)
    if not (_nacl(snap, b, False, seen) and sg_allows(snap, b, False, seen)):
        return False, False
    r = _reply(seen)
    return True, _has_igw_route(snap, b.subnet_id) and _nacl(snap, b, True, r)


def eni_to_internet(snap: Snapshot, a: NetworkInterface, p: Packet) -> tuple[bool, bool]:
    if not sg_allows(snap, a, True, p):
        return False, False
    if not _has_igw_route(snap, a.subnet_id) or not _nacl(snap, a, True, p):
        return False, False
    if a.public_for(a.private_ips[0]) is None:
        return False, False
    return True, _nacl(snap, a, False, _reply(p))


def ipaddress_address(text: str) -> Address:
    return Address.parse(text)
