"""A deliberately naive reference evaluator for ONE concrete packet: the oracle of the property tests.

Written straight from ``aws-semantics.md`` §1-3, sharing no matching code with the engine (no
``IntervalSet``, no ``CompiledRules``, no ``LegWalker``, no ``Snapshot`` indexes): linear scans over the
model values and the ``ipaddress`` module. Slow and obviously correct is the point.

- SGs (§1.3-1.4): allowed iff ANY rule of ANY attached group matches (direction, protocol, ports for
  tcp/udp only, ICMP type/code with -1 = any, peer). A group reference matches its members' *private*
  addresses (IPv4 and IPv6), never public ones; a prefix list matches its CIDRs.
- NACLs (§2.1): entries by rule number, the first whose CIDR (same IP version), protocol and ports or
  ICMP type/code match decides; nothing matches ⇒ deny. Not evaluated within a subnet.
- Responses (§1.5, §3): SGs pass by connection tracking; every NACL on the way back is checked again;
  the response must arrive at the original sender.
- Routing: longest prefix in the subnet's route table (explicit association, else the main table; the
  local route wins a tie). Targets: local, internet gateway (1:1 translation of an ENI's public IPv4,
  RFC 1918 destinations not routed, IPv6 untranslated), active VPC peering.

Scope — what the property tests generate, and nothing more: VPCs with subnets, ENIs (private IPv4,
IPv6, public IPv4), SGs, NACLs, route tables with local / IGW / peering routes, internet gateways,
peering connections, prefix lists. No NAT gateways, egress-only IGWs, blackholes or other targets
(packets routed there are simply not delivered), no untracked-flow subtleties (the untracked case needs
a world-wide all-ports rule in the other direction, which admits the response anyway).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from vpcflow.model import Cidr, NetworkInterface, PortRange, Snapshot
from vpcflow.model.filters import CidrPeer, GroupPeer, NetworkAclEntry, PrefixListPeer, SecurityGroupRule
from vpcflow.model.net import IcmpMatch

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# ICMP requests and their replies (echo, timestamp, information, address mask; ICMPv6 echo)
REPLY_TYPES = {8: 0, 13: 14, 15: 16, 17: 18, 128: 129}
_NOT_ROUTED = [ipaddress.ip_network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]


@dataclass(frozen=True)
class RefPacket:
    """One concrete packet. ``protocol`` is an IANA number; ICMP uses type/code, not ports."""

    src: str
    dst: str
    protocol: int
    src_port: int = 0
    dst_port: int = 0
    icmp_type: int | None = None  # ICMP only
    icmp_code: int | None = None


@dataclass(frozen=True)
class RefVerdict:
    forward: bool  # the request reaches the destination
    response: bool | None  # its response reaches the sender; None = no response (e.g. ICMP type 3)


def _ip(text: str) -> IpAddress:
    return ipaddress.ip_address(text)


def _in(addr: IpAddress, cidr: Cidr) -> bool:
    net = ipaddress.ip_network(str(cidr))
    return addr.version == net.version and addr in net


def _l4(protocol: int, ports: PortRange | None, icmp: IcmpMatch | None, p: RefPacket) -> bool:
    """Protocol, then ports (tcp/udp only) or ICMP type/code (-1 = any)."""
    if protocol != -1 and protocol != p.protocol:
        return False
    if protocol in (6, 17):
        return ports is None or ports.lo <= p.dst_port <= ports.hi
    if protocol in (1, 58) and icmp is not None:
        return icmp.type in (-1, p.icmp_type) and icmp.code in (-1, p.icmp_code)
    return True


# -- security groups ------------------------------------------------------------------------------


def _peer_matches(snap: Snapshot, rule: SecurityGroupRule, remote: IpAddress) -> bool:
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        return _in(remote, peer.cidr)
    if isinstance(peer, GroupPeer):
        for eni in snap.interfaces.values():
            if peer.group_id in eni.group_ids:
                for a in eni.private_ips + eni.ipv6_addresses:
                    if _ip(str(a)) == remote:
                        return True
        return False
    if isinstance(peer, PrefixListPeer):
        pl = snap.prefix_lists.get(peer.prefix_list_id)
        return pl is not None and any(_in(remote, c) for c in pl.cidrs)
    return False


def sg_allows(snap: Snapshot, eni: NetworkInterface, egress: bool, p: RefPacket) -> bool:
    remote = _ip(p.dst if egress else p.src)
    for gid in eni.group_ids:
        group = snap.security_groups.get(gid)
        if group is None:
            continue
        for rule in group.egress if egress else group.ingress:
            if _l4(rule.protocol, rule.ports, rule.icmp, p) and _peer_matches(snap, rule, remote):
                return True
    return False


# -- network ACLs ----------------------------------------------------------------------------------


def _acl_entries(snap: Snapshot, subnet_id: str, egress: bool) -> list[NetworkAclEntry] | None:
    vpc_id = snap.subnets[subnet_id].vpc_id
    chosen = None
    for acl in snap.network_acls.values():
        if subnet_id in acl.subnet_ids:
            chosen = acl
    if chosen is None:
        for acl in snap.network_acls.values():
            if acl.vpc_id == vpc_id and acl.is_default:
                chosen = acl
    if chosen is None:
        return None
    return sorted(chosen.egress if egress else chosen.ingress, key=lambda e: e.rule_number)


def nacl_allows(snap: Snapshot, subnet_id: str, egress: bool, p: RefPacket) -> bool:
    entries = _acl_entries(snap, subnet_id, egress)
    if entries is None:
        return False
    remote = _ip(p.dst if egress else p.src)
    for e in entries:
        if not _in(remote, e.cidr):
            continue
        # protocol 58 with an IPv4 CIDR: every ICMPv6 type/code (API_CreateNetworkAclEntry)
        icmp = None if (e.protocol == 58 and e.cidr.version == 4) else e.icmp
        if _l4(e.protocol, e.ports, icmp, p):
            return e.action.value == "allow"
    return False


# -- routing and delivery --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Landing:
    eni: NetworkInterface | None  # None: delivered to the internet
    pkt: RefPacket  # as the receiver sees it (after any translation)


def _route(snap: Snapshot, subnet_id: str, dst: IpAddress) -> tuple[str, str | None] | None:
    """(target kind, target id) of the longest matching route."""
    subnet = snap.subnets[subnet_id]
    table = None
    for rtb in snap.route_tables.values():
        if subnet_id in rtb.subnet_ids:
            table = rtb
    if table is None:
        for rtb in snap.route_tables.values():
            if rtb.vpc_id == subnet.vpc_id and rtb.is_main:
                table = rtb
    vpc = snap.vpcs[subnet.vpc_id]
    # every table has the local route for each VPC CIDR; it wins a tie
    candidates: list[tuple[int, int, str, str | None]] = [
        (c.prefixlen, 1, "local", None) for c in vpc.cidrs_v4 + vpc.cidrs_v6 if _in(dst, c)
    ]
    for r in table.routes if table else ():
        if r.destination is not None:
            cidrs: tuple[Cidr, ...] = (r.destination,)
        else:
            pl = snap.prefix_lists.get(r.prefix_list_id or "")
            cidrs = pl.cidrs if pl else ()
        for c in cidrs:
            if _in(dst, c):
                local = r.target.value == "local"
                kind = r.target.value if r.state == "active" else "blackhole"  # matches, then drops
                candidates.append((c.prefixlen, 1 if local else 0, kind, r.target_id))
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (c[0], c[1]))
    return best[2], best[3]


def _in_vpc(snap: Snapshot, vpc_id: str, addr: IpAddress) -> bool:
    vpc = snap.vpcs[vpc_id]
    return any(_in(addr, c) for c in vpc.cidrs_v4 + vpc.cidrs_v6)


def _eni_at(snap: Snapshot, vpc_id: str, addr: IpAddress) -> NetworkInterface | None:
    for eni in snap.interfaces.values():
        if eni.vpc_id == vpc_id and any(_ip(str(a)) == addr for a in eni.private_ips + eni.ipv6_addresses):
            return eni
    return None


def _subnet_has(snap: Snapshot, subnet_id: str, addr: IpAddress) -> bool:
    s = snap.subnets[subnet_id]
    return any(_in(addr, c) for c in ((s.cidr_v4,) if s.cidr_v4 else ()) + s.cidrs_v6)


def _igw_attached(snap: Snapshot, vpc_id: str) -> bool:
    return any(vpc_id in g.vpc_ids and not g.egress_only for g in snap.internet_gateways.values())


def _enter(
    snap: Snapshot, from_subnet: str | None, eni: NetworkInterface | None, p: RefPacket, reply: bool
) -> _Landing | None:
    """Into the destination ENI's subnet (NACLs when the subnet boundary is crossed), then its SGs."""
    if eni is None or not _subnet_has(snap, eni.subnet_id, _ip(p.dst)):
        return None
    if from_subnet != eni.subnet_id:
        if from_subnet is not None and not nacl_allows(snap, from_subnet, True, p):
            return None
        if not nacl_allows(snap, eni.subnet_id, False, p):
            return None
    if not reply and not sg_allows(snap, eni, False, p):
        return None
    return _Landing(eni, p)


def _from_internet(snap: Snapshot, p: RefPacket, reply: bool) -> _Landing | None:
    dst = _ip(p.dst)
    for eni in snap.interfaces.values():
        for priv, pub in eni.public_ips:
            if _ip(str(pub)) == dst:
                if not _igw_attached(snap, eni.vpc_id):
                    return None
                inner = RefPacket(
                    p.src, str(priv), p.protocol, p.src_port, p.dst_port, p.icmp_type, p.icmp_code
                )
                return _enter(snap, None, eni, inner, reply)
    for vpc in snap.vpcs.values():
        if _in_vpc(snap, vpc.vpc_id, dst):
            if dst.version == 6 and _igw_attached(snap, vpc.vpc_id):
                return _enter(snap, None, _eni_at(snap, vpc.vpc_id, dst), p, reply)
            return None
    if any(dst in n for n in _NOT_ROUTED if n.version == dst.version):
        return None
    return _Landing(None, p)


def _send(snap: Snapshot, eni: NetworkInterface | None, p: RefPacket, reply: bool) -> _Landing | None:
    """Deliver ``p`` from ``eni`` (None: from the internet); SGs skipped on a reply (conntrack)."""
    if eni is None:
        return _from_internet(snap, p, reply)
    if not reply and not sg_allows(snap, eni, True, p):
        return None
    dst = _ip(p.dst)
    route = _route(snap, eni.subnet_id, dst)
    if route is None:
        return None
    kind, target = route
    if kind == "local":
        return _enter(snap, eni.subnet_id, _eni_at(snap, eni.vpc_id, dst), p, reply)
    if kind == "internet-gateway":
        igw = snap.internet_gateways.get(target or "")
        if igw is None or igw.egress_only or eni.vpc_id not in igw.vpc_ids:
            return None
        src = p.src
        if dst.version == 4:
            public = [str(pub) for priv, pub in eni.public_ips if str(priv) == p.src]
            if not public:
                return None
            src = public[0]
        if any(dst in n for n in _NOT_ROUTED if n.version == dst.version):
            return None
        if not nacl_allows(snap, eni.subnet_id, True, p):
            return None
        return _from_internet(snap, replace(p, src=src), reply)
    if kind == "vpc-peering-connection":
        pcx = snap.peerings.get(target or "")
        if pcx is None or pcx.status != "active":
            return None
        if eni.vpc_id == pcx.requester_vpc_id:
            other = pcx.accepter_vpc_id
        elif eni.vpc_id == pcx.accepter_vpc_id:
            other = pcx.requester_vpc_id
        else:
            return None
        if other not in snap.vpcs or not _in_vpc(snap, other, dst):
            return None
        return _enter(snap, eni.subnet_id, _eni_at(snap, other, dst), p, reply)
    return None


def evaluate(snapshot: Snapshot, src_eni: str | None, packet: RefPacket) -> RefVerdict:
    """The request from ``src_eni`` (None: an internet host at ``packet.src``) and its response.

    ``packet.src`` must be one of the sending ENI's own addresses. The response goes back from where the
    request arrived, with the addresses and ports swapped (ICMP: the reply type, code 0).
    """
    sender = snapshot.interfaces[src_eni] if src_eni is not None else None
    there = _send(snapshot, sender, packet, reply=False)
    if there is None:
        return RefVerdict(False, False)
    got = there.pkt
    if packet.protocol in (1, 58):
        reply_type = REPLY_TYPES.get(packet.icmp_type) if packet.icmp_type is not None else None
        if reply_type is None:
            return RefVerdict(True, None)
        back = RefPacket(got.dst, got.src, got.protocol, 0, 0, reply_type, 0)
    else:
        back = RefPacket(got.dst, got.src, got.protocol, got.dst_port, got.src_port)
    home = _send(snapshot, there.eni, back, reply=True)
    if home is None:
        return RefVerdict(True, False)
    if sender is not None:
        return RefVerdict(True, home.eni is not None and home.eni.eni_id == sender.eni_id)
    return RefVerdict(True, home.eni is None and home.pkt.dst == packet.src)
