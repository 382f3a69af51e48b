"""Network Firewall as the packet walk meets it: which firewall a ``vpce-…`` route target belongs to, each
policy's evaluator (compiled once), decisions memoised per flow, and the port edges of every policy (the
reachability engine walks each piece between them once)."""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.engine.firewall import FirewallFlow, FirewallResult, PolicyEvaluator
from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import Cidr, NetworkInterface, Snapshot
from vpcflow.model.network_firewall import Firewall, FirewallEndpoint

_MEMO_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class EndpointOf:
    firewall: Firewall
    endpoint: FirewallEndpoint


class FirewallIndex:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        nfw = snapshot.network_firewall
        self._endpoints: dict[str, EndpointOf] = {}
        for fw in nfw.firewalls.values():
            for ep in fw.endpoints:
                if ep.endpoint_id:
                    self._endpoints[ep.endpoint_id] = EndpointOf(fw, ep)
        self._evaluators: dict[str, PolicyEvaluator] = {}
        self._memo: dict[tuple[str, FirewallFlow], FirewallResult] = {}
        self._breaks: list[int] | None = None
        self._enis: dict[str, NetworkInterface | None] = {}

    def endpoint(self, vpce_id: str) -> EndpointOf | None:
        return self._endpoints.get(vpce_id)

    def endpoint_interface(self, vpce_id: str) -> NetworkInterface | None:
        """The endpoint's interface (from describe-vpc-endpoints, else by its description)."""
        if vpce_id not in self._enis:
            s = self.snapshot
            found: NetworkInterface | None = None
            ep = s.vpc_endpoints.get(vpce_id)
            if ep is not None:
                found = next((s.interfaces[e] for e in ep.network_interface_ids if e in s.interfaces), None)
            if found is None:
                found = next(
                    (
                        e
                        for e in s.interfaces.values()
                        if e.interface_type == "gateway_load_balancer_endpoint"
                        and (e.description or "").endswith(vpce_id)
                    ),
                    None,
                )
            self._enis[vpce_id] = found
        return self._enis[vpce_id]

    def home_net(self, fw: Firewall) -> tuple[Cidr, ...]:
        """``HOME_NET``'s default: the CIDRs of the firewall's VPC."""
        vpc = self.snapshot.vpcs.get(fw.vpc_id or "")
        return vpc.cidrs if vpc is not None else ()

    def evaluator(self, fw: Firewall) -> PolicyEvaluator | None:
        hit = self._evaluators.get(fw.arn)
        if hit is None:
            nfw = self.snapshot.network_firewall
            policy = nfw.policies.get(fw.policy_arn)
            if policy is None:
                return None
            hit = self._evaluators[fw.arn] = PolicyEvaluator(policy, nfw.rule_groups, self.home_net(fw))
        return hit

    def evaluate(self, fw: Firewall, flow: FirewallFlow) -> FirewallResult | None:
        ev = self.evaluator(fw)
        if ev is None:
            return None
        key = (fw.arn, flow)
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            hit = self._memo[key] = ev.evaluate(flow)
        return hit

    def port_pieces(self, ports: IntervalSet) -> list[IntervalSet]:
        """``ports`` cut at every port edge of every firewall policy: on each piece, every policy decides
        the same (for a given client port)."""
        if self._breaks is None:
            points: set[int] = set()
            for fw in self.snapshot.network_firewall.firewalls.values():
                ev = self.evaluator(fw)
                if ev is not None:
                    points.update(ev.breakpoints())
            self._breaks = sorted(points)
        if len(self._breaks) <= 1:
            return [ports]
        out: list[IntervalSet] = []
        for lo, hi in ports:
            cur = lo
            for p in self._breaks:
                if cur < p <= hi:
                    out.append(IntervalSet.of((cur, p - 1)))
                    cur = p
            out.append(IntervalSet.of((cur, hi)))
        return out


_CACHE: dict[int, FirewallIndex] = {}


def firewall_index(snapshot: Snapshot) -> FirewallIndex:
    """The ``FirewallIndex`` of a snapshot, built once (a few recent snapshots are kept)."""
    hit = _CACHE.get(id(snapshot))
    if hit is not None and hit.snapshot is snapshot:
        return hit
    if len(_CACHE) >= 8:
        _CACHE.pop(next(iter(_CACHE)))
    index = _CACHE[id(snapshot)] = FirewallIndex(snapshot)
    return index
