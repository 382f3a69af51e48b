"""Endpoint sets of a reachability query, and the address atoms that make them finite.

An endpoint reference names a *set*: an ENI, an instance (all its ENIs), a ``Name`` tag (every ENI or
instance carrying it), a security group by id or name (all its members), a subnet, a VPC, a CIDR or an
address, ``internet`` (every public address outside the snapshot and outside the on-premises space),
``onprem`` (every outside address a VPN covers: its static routes, routes to a virtual private gateway,
transit gateway routes to a VPN or Direct Connect attachment), ``vpn-…`` (one VPN connection's) or
``anywhere`` (every ENI plus the internet). Outside addresses are split into *atoms*: the cells between
consecutive boundaries of every CIDR the snapshot compares addresses against (NACL entries, SG CIDR and
prefix-list peers, routes of VPC and transit gateway route tables, VPN routes, VPC, subnet and peering
CIDRs, RFC 1918 / ULA). Every decision of the packet walk is constant on a cell.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from vpcflow.engine.elb_index import elb_index
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.onprem import onprem_cidrs
from vpcflow.engine.peer_tables import filter_cidrs
from vpcflow.engine.service_cidrs import service_cidrs
from vpcflow.errors import QueryError
from vpcflow.model import (
    Address,
    Cidr,
    NetworkInterface,
    Snapshot,
    tag,
)
from vpcflow.model.elb import TargetGroup, TargetType
from vpcflow.reach.headerspace import ALL_ADDRESSES, V6_BASE, address_set, cidr_set

# Not "the internet": private (RFC 1918, ULA), this-network, loopback, link-local, multicast/reserved.
NOT_INTERNET = tuple(
    Cidr.parse(c)
    for c in (
        "0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
        "224.0.0.0/3", "::/8", "fc00::/7", "fe80::/10", "ff00::/8",
    )
)  # fmt: skip
ANYWHERE_WORDS = ("anywhere", "any", "*")


@dataclass(frozen=True, slots=True)
class Member:
    """One ENI of an endpoint set; ``addresses`` narrows it when the user named addresses (a CIDR).
    ``extra``: addresses named explicitly besides the ENI named as a whole (``web,3.80.30.10``, where
    3.80.30.10 is web's public IP): each is queried too, never dropped for the one ``trace`` would pick."""

    eni: NetworkInterface
    addresses: tuple[Address, ...] | None = None
    extra: tuple[Address, ...] = ()


@dataclass(frozen=True, slots=True)
class EndpointSet:
    ref: str
    label: str
    members: tuple[Member, ...]
    external: IntervalSet  # encoded outside addresses

    @property
    def empty(self) -> bool:
        return not self.members and not self.external

    def addresses(self) -> IntervalSet:
        """Every address the set stands for (ENI private, IPv6 and public addresses; outside ones)."""
        addrs: list[Address] = []
        for m in self.members:
            if m.addresses is not None:
                addrs.extend(m.addresses)
            else:
                addrs.extend(m.eni.addresses)
                addrs.extend(pub for _p, pub in m.eni.public_ips)
        return address_set(addrs) | self.external


class Endpoints:
    """Resolves endpoint references against one snapshot (indexes built once)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.s = snapshot
        self.enis = [e for e in snapshot.interfaces.values() if e.interface_type != "nat_gateway"]
        self._names: dict[str, list[str]] = {}
        for inst in snapshot.instances.values():
            if inst.name:
                self._names.setdefault(inst.name, []).extend(inst.eni_ids)
        for eni in snapshot.interfaces.values():
            name = tag(eni.tags, "Name")
            if name:
                self._names.setdefault(name, []).append(eni.eni_id)
        self._group_names: dict[str, list[str]] = {}
        for g in snapshot.security_groups.values():
            self._group_names.setdefault(g.name, []).append(g.group_id)
        self.onprem = cidr_set(list(onprem_cidrs(snapshot)))
        self.internet = self._internet_space() - self.onprem
        self.bounds = self._boundaries()

    # -- address spaces ----------------------------------------------------------------------

    def _internet_space(self) -> IntervalSet:
        s = self.s
        taken: list[Cidr] = list(NOT_INTERNET)
        for vpc in s.vpcs.values():
            taken.extend(vpc.cidrs)
        for pcx in s.peerings.values():
            taken.extend(pcx.requester_cidrs + pcx.accepter_cidrs)
        own: list[Address] = [a for a in s.enis_by_address]
        own.extend(s.eni_by_public_ip)
        own.extend(e.public_ip for e in s.elastic_ips)
        for nat in s.nat_gateways.values():
            own.extend(a for a in (nat.public_ip, nat.private_ip) if a is not None)
        return ALL_ADDRESSES - cidr_set(taken) - address_set(own)

    def _boundaries(self) -> list[int]:
        s = self.s
        cidrs: list[Cidr] = list(NOT_INTERNET)
        for vpc in s.vpcs.values():
            cidrs.extend(vpc.cidrs)
        for sub in s.subnets.values():
            cidrs.extend(sub.cidrs)
        for pcx in s.peerings.values():
            cidrs.extend(pcx.requester_cidrs + pcx.accepter_cidrs)
        for pl in s.prefix_lists.values():
            cidrs.extend(pl.cidrs)
        cidrs.extend(filter_cidrs(s))
        for table in s.transit_gateway_route_tables.values():
            cidrs.extend(r.destination for r in table.routes if r.destination is not None)
        cidrs.extend(onprem_cidrs(s))
        cidrs.extend(service_cidrs(s))  # WAF IP sets, Network Firewall rules
        points = {0}
        for c in set(cidrs):
            base = 0 if c.version == 4 else V6_BASE
            points.add(base + c.lo)
            points.add(base + c.hi + 1)
        # the families are separate lines: a cell never spans both
        points.add(ALL_ADDRESSES.spans[1][0])
        points.add(ALL_ADDRESSES.spans[0][1] + 1)
        return sorted(points)

    def is_onprem_cell(self, cell: IntervalSet) -> bool:
        """An address cell inside the on-premises space (cells never straddle its boundaries)."""
        return bool(cell) and cell.first in self.onprem

    def atoms(self, values: IntervalSet) -> list[IntervalSet]:
        """Split ``values`` into cells on which every decision of the walk is the same."""
        cells: dict[int, list[tuple[int, int]]] = {}
        b = self.bounds
        for lo, hi in values:
            cur = lo
            while cur <= hi:
                i = bisect_right(b, cur) - 1
                end = min(hi, b[i + 1] - 1) if i + 1 < len(b) else hi
                cells.setdefault(i, []).append((cur, end))
                cur = end + 1
        return [IntervalSet.from_spans(v) for _k, v in sorted(cells.items())]

    # -- references --------------------------------------------------------------------------

    def resolve(self, refs: str | Iterable[str]) -> EndpointSet:
        """A reference or several (comma-separated or a list): their union."""
        parts = [r.strip() for r in refs.split(",")] if isinstance(refs, str) else [r.strip() for r in refs]
        parts = [p for p in parts if p]
        if not parts:
            raise QueryError("empty endpoint")
        sets = [self._one(p) for p in parts]
        if len(sets) == 1:
            return sets[0]
        seen: dict[str, Member] = {}
        for es in sets:
            for m in es.members:
                prev = seen.get(m.eni.eni_id)
                seen[m.eni.eni_id] = m if prev is None else _merge(prev, m)
        ext = IntervalSet()
        for es in sets:
            ext = ext | es.external
        label = ", ".join(es.label for es in sets)
        return EndpointSet(", ".join(parts), label, tuple(seen.values()), ext)

    def _one(self, ref: str) -> EndpointSet:
        s = self.s
        low = ref.lower()
        if low == "internet":
            return EndpointSet(ref, "internet", (), self.internet)
        if low in ("onprem", "on-premises"):
            if not self.onprem:
                raise QueryError("no on-premises address space in the snapshot (no VPN route covers any)")
            return EndpointSet(ref, "on-premises", (), self.onprem)
        if ref in s.vpn_connections:
            space = cidr_set(list(onprem_cidrs(s, ref)))
            if not space:
                raise QueryError(f"{ref} has no known routes (static routes or routes to it) in the snapshot")
            return EndpointSet(ref, f"on-premises behind {ref}", (), space)
        if low in ANYWHERE_WORDS:
            return EndpointSet(ref, "anywhere", tuple(Member(e) for e in self.enis), self.internet)
        if ref in s.interfaces:
            return self._enis(ref, ref, [ref])
        if ref in s.instances:
            return self._enis(ref, ref, list(s.instances[ref].eni_ids))
        if ref in s.security_groups:
            return self._group(ref, ref)
        if ref in s.subnets:
            return self._enis(ref, ref, [e.eni_id for e in self.enis if e.subnet_id == ref])
        if ref in s.vpcs:
            return self._enis(ref, ref, [e.eni_id for e in self.enis if e.vpc_id == ref])
        cidr = _parse_cidr(ref)
        if cidr is not None:
            return self._cidr(ref, cidr)
        lb = s.load_balancing.find(ref)
        tg = s.load_balancing.find_target_group(ref)
        if (lb is not None or tg is not None) and ref in self._names:
            raise QueryError(f"name {ref!r} is ambiguous: a load balancer or target group and a Name tag")
        if lb is not None:
            # a load balancer: the nodes its DNS name answers with (the listener side as a destination,
            # the sender of its connections to targets as a source)
            nodes = [n for n in elb_index(s).dns_nodes(lb)[0] if n.eni is not None]
            if not nodes:
                raise QueryError(f"load balancer {lb.name} has no node interface in the snapshot")
            label = f"{lb.name} ({lb.type.value} load balancer)"
            if not lb.internet_facing:
                return self._enis(ref, label, [n.eni.eni_id for n in nodes if n.eni is not None])
            # its name resolves to the nodes' public addresses, from inside its VPC too (as trace does)
            members = tuple(
                Member(n.eni, None if n.public_ip is None else (n.public_ip, *n.eni.ipv6_addresses))
                for n in nodes
                if n.eni is not None
            )
            return EndpointSet(ref, label, members, IntervalSet())
        if tg is not None:
            return self._enis(ref, f"{tg.name} (target group)", self._targets(tg))
        if ref in self._names:
            return self._enis(ref, f"{ref}", self._names[ref])
        gids = self._group_names.get(ref, [])
        if len(gids) == 1:
            return self._group(ref, gids[0])
        if len(gids) > 1:
            raise QueryError(f"security group name {ref!r} is ambiguous: {', '.join(sorted(gids))}")
        raise QueryError(
            f"unknown endpoint {ref!r} (expected an ENI, instance, Name tag, security group, subnet, "
            "VPC, CIDR, load balancer, target group, VPN connection, 'internet', 'onprem' or 'anywhere')"
        )

    def _targets(self, tg: TargetGroup) -> list[str]:
        """The interfaces of a target group's registered targets (instances' primary interfaces, IP
        targets' interfaces); a target the snapshot does not hold is refused, never dropped."""
        s = self.s
        out: list[str] = []
        health = s.load_balancing.target_health.get(tg.arn)
        if health is None:
            raise QueryError(
                f"target group {tg.name} has no describe-target-health output: its targets are unknown"
            )
        for th in health:
            if tg.target_type is TargetType.INSTANCE:
                inst = s.instances.get(th.target_id)
                eni_id = inst.eni_ids[0] if inst is not None and inst.eni_ids else None
            elif tg.target_type is TargetType.IP:
                try:
                    hits = s.enis_by_address.get(Address.parse(th.target_id), ())
                except ValueError:
                    hits = ()
                eni_id = hits[0] if len(hits) == 1 else None
            else:
                raise QueryError(f"target group {tg.name} has {tg.target_type.value} targets, not interfaces")
            if eni_id is None:
                raise QueryError(f"target {th.target_id} of {tg.name} is not an interface of the snapshot")
            out.append(eni_id)
        return out

    def _enis(self, ref: str, label: str, eni_ids: list[str]) -> EndpointSet:
        members = []
        for eid in sorted(set(eni_ids)):
            eni = self.s.interfaces.get(eid)
            if eni is not None and eni.interface_type != "nat_gateway":
                members.append(Member(eni))
        return EndpointSet(ref, label, tuple(members), IntervalSet())

    def _group(self, ref: str, gid: str) -> EndpointSet:
        g = self.s.security_groups[gid]
        label = gid if g.name == gid else f"{gid} ({g.name})"
        return self._enis(ref, label, [e.eni_id for e in self.enis if gid in e.group_ids])

    def _cidr(self, ref: str, cidr: Cidr) -> EndpointSet:
        members = []
        for eni in self.enis:
            own = eni.addresses + tuple(pub for _p, pub in eni.public_ips)
            inside = tuple(a for a in own if a in cidr)
            if inside:
                members.append(Member(eni, None if set(inside) == set(own) else inside))
        ext = cidr_set([cidr]) & self.internet
        return EndpointSet(ref, str(cidr) if "/" in ref else ref, tuple(members), ext)


def _merge(a: Member, b: Member) -> Member:
    """One ENI named twice: the whole ENI plus every address named explicitly, or the union of the
    addresses."""
    if a.addresses is not None and b.addresses is not None:
        return Member(a.eni, tuple(sorted(set(a.addresses + b.addresses))))
    named = (a.addresses or ()) + (b.addresses or ()) + a.extra + b.extra
    return Member(a.eni, None, tuple(sorted(set(named))))


def _parse_cidr(text: str) -> Cidr | None:
    try:
        if "/" in text:
            return Cidr.parse(text)
        return Cidr.host(Address.parse(text))
    except ValueError:
        return None


def source_addresses(member: Member) -> tuple[Address, ...]:
    """Addresses an ENI sends from: its private IPv4 and IPv6 addresses (a public IP stands for its
    private address: the IGW translates it on the way out)."""
    eni = member.eni
    if member.addresses is None and not member.extra:
        return eni.addresses
    out: list[Address] = list(eni.addresses) if member.addresses is None else []
    for a in member.addresses if member.addresses is not None else member.extra:
        if a in eni.addresses:
            out.append(a)
        else:
            priv = eni.private_for(a)
            if priv is not None:
                out.append(priv)
    return tuple(dict.fromkeys(out))


def destination_addresses(member: Member, connected: bool) -> tuple[Address, ...]:
    """Addresses a flow is sent to: private ones from a connected VPC, else public IPv4 and IPv6
    (as ``vpcflow trace`` picks them); exactly the named ones when the user gave a CIDR."""
    eni = member.eni
    if member.addresses is not None:
        return member.addresses
    if connected:
        natural = eni.addresses
    else:
        public = tuple(pub for _p, pub in eni.public_ips)
        # no public address: the private one is what an outsider would try (and fail to route)
        natural = (public or eni.private_ips) + eni.ipv6_addresses
    return tuple(dict.fromkeys(natural + member.extra))
