"""Load balancers as the packet walk meets them: which load balancer a node interface belongs to, the node's
zone, and target selections memoised per snapshot (a trace or a reach query asks the same ones often)."""

from __future__ import annotations

from bisect import bisect_right

from vpcflow.engine.elb import (
    DnsZones,
    LbSelection,
    LoadBalancerNode,
    dns_zones,
    load_balancer_nodes,
    select_targets,
)
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.peer_tables import filter_cidrs
from vpcflow.engine.service_cidrs import service_cidrs
from vpcflow.model import TCP, UDP, Address, Cidr, NetworkInterface, Snapshot
from vpcflow.model.elb import Listener, LoadBalancer, LoadBalancerType

_TCP = frozenset({"HTTP", "HTTPS", "TCP", "TLS", "TCP_UDP", "TCP_QUIC"})
_UDP = frozenset({"UDP", "TCP_UDP", "QUIC", "TCP_QUIC"})


class ElbIndex:
    """Per-snapshot lookups for load-balancer nodes (built once, see ``elb_index``)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._by_description: dict[str, LoadBalancer] = {
            f"ELB {lb.short_id}": lb for lb in snapshot.load_balancing.load_balancers.values()
        }
        self._selections: dict[tuple[str, int, int, str | None], LbSelection] = {}
        self._nodes: dict[str, tuple[LoadBalancerNode, ...]] = {}
        self._dns: dict[str, DnsZones] = {}
        # (node, target group, target, port, health-check port) → what stops its health checks, if anything
        self.health_notes: dict[tuple[str, str, str, int, int], str | None] = {}
        self._edges: tuple[list[int], list[int]] | None = None
        self._listeners: dict[str, tuple[Listener, ...]] = {}
        self._ports: dict[tuple[str, int], IntervalSet] = {}
        # (load balancer, node, protocol, listener port, every target) → the listener's selection, the ways
        # a node sends a connection (label, target or issue or answer) and the targets' addresses
        # (``load_balancer_target.to_target``)

    def address_cell(self, address: Address) -> int:
        """Which cell of the snapshot's address edges ``address`` is in (every CIDR a security-group
        rule, NACL entry, route or firewall rule compares against): two addresses of one cell meet every
        such comparison alike."""
        if self._edges is None:
            s = self.snapshot
            cidrs: list[Cidr] = list(service_cidrs(s)) + filter_cidrs(s)
            v4 = sorted({c.lo for c in cidrs if c.version == 4} | {c.hi + 1 for c in cidrs if c.version == 4})
            v6 = sorted({c.lo for c in cidrs if c.version == 6} | {c.hi + 1 for c in cidrs if c.version == 6})
            self._edges = (v4, v6)
        edges = self._edges[0] if address.version == 4 else self._edges[1]
        return bisect_right(edges, address.value)

    def load_balancer_of(self, eni: NetworkInterface) -> LoadBalancer | None:
        """The load balancer whose node ``eni`` is (its description ``ELB app|net|gwy/<name>/<id>``)."""
        return self._by_description.get(eni.description or "")

    def zone_of(self, lb: LoadBalancer, eni: NetworkInterface) -> str | None:
        """The Availability Zone of the node ``eni`` (its subnet's enabled zone, else the subnet's zone)."""
        zone = next((z.zone_name for z in lb.zones if z.subnet_id == eni.subnet_id), None)
        if zone is not None:
            return zone
        sub = self.snapshot.subnets.get(eni.subnet_id)
        return sub.availability_zone if sub is not None else None

    def nodes(self, lb: LoadBalancer) -> tuple[LoadBalancerNode, ...]:
        hit = self._nodes.get(lb.arn)
        if hit is None:
            hit = self._nodes[lb.arn] = load_balancer_nodes(self.snapshot, lb)
        return hit

    def dns_nodes(self, lb: LoadBalancer) -> tuple[tuple[LoadBalancerNode, ...], str]:
        """The nodes a client using the load balancer's DNS name can reach, and why others are left out
        (``engine.elb.dns_zones``)."""
        hit = self._dns.get(lb.arn)
        if hit is None:
            hit = self._dns[lb.arn] = dns_zones(self.snapshot, lb)
        nodes = self.nodes(lb)
        if hit.zones is None:
            return nodes, ""
        return tuple(n for n in nodes if n.zone in hit.zones), hit.reason

    def listeners(self, lb: LoadBalancer) -> tuple[Listener, ...]:
        hit = self._listeners.get(lb.arn)
        if hit is None:
            hit = self._listeners[lb.arn] = self.snapshot.load_balancing.listeners_of(lb.arn)
        return hit

    def listener_ports(self, lb: LoadBalancer, protocol: int) -> IntervalSet:
        """The ports the load balancer's listeners take for ``protocol`` (TCP or UDP)."""
        key = (lb.arn, protocol)
        hit = self._ports.get(key)
        if hit is None:
            words = _TCP if protocol == TCP else _UDP if protocol == UDP else frozenset()
            hit = self._ports[key] = IntervalSet.from_spans(
                (li.port, li.port)
                for li in self.listeners(lb)
                if li.port is not None and (li.protocol or "").upper() in words
            )
        return hit

    def node_at(self, address: Address) -> tuple[LoadBalancer, NetworkInterface] | None:
        """The load balancer (in the snapshot) whose node holds ``address`` (private or public)."""
        s = self.snapshot
        ids = list(s.enis_by_address.get(address, ()))
        pub = s.eni_by_public_ip.get(address)
        if pub is not None:
            ids.append(pub[0])
        for eni_id in ids:
            eni = s.interfaces.get(eni_id)
            lb = self.load_balancer_of(eni) if eni is not None else None
            if lb is not None and eni is not None:
                return lb, eni
        return None

    def listener_pieces(self, address: Address, protocol: int, ports: IntervalSet) -> list[IntervalSet]:
        """``ports`` split into the pieces that go one way each when addressed to ``address``: one per
        listener port of the load balancer holding it, and the rest; just ``[ports]`` otherwise."""
        hit = self.node_at(address) if self._by_description else None
        if hit is None or hit[0].type is LoadBalancerType.GATEWAY:
            return [ports]
        taken = self.listener_ports(hit[0], protocol) & ports
        if not taken:
            return [ports]
        pieces = [IntervalSet.single(p) for lo, hi in taken for p in range(lo, hi + 1)]
        rest = ports - taken
        return pieces + ([rest] if rest else [])

    def select(self, lb: LoadBalancer, protocol: int, port: int, zone: str | None) -> LbSelection:
        key = (lb.arn, protocol, port, zone)
        hit = self._selections.get(key)
        if hit is None:
            hit = self._selections[key] = select_targets(self.snapshot, lb, protocol, port, zone)
        return hit


_CACHE: dict[int, ElbIndex] = {}


def elb_index(snapshot: Snapshot) -> ElbIndex:
    """The ``ElbIndex`` of a snapshot, built once (a few recent snapshots are kept)."""
    hit = _CACHE.get(id(snapshot))
    if hit is not None and hit.snapshot is snapshot:
        return hit
    if len(_CACHE) >= 8:
        _CACHE.pop(next(iter(_CACHE)))
    index = _CACHE[id(snapshot)] = ElbIndex(snapshot)
    return index
