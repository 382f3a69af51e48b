"""Batch verdicts without explanations: millions of ENI-to-ENI flows per second with numpy.

The address dimension of an intra-VPC flow is finite (the ENIs' primary addresses) and the port dimension
splits into a few equivalence classes (the boundaries of every rule's port range). Each security group
and each NACL direction is compiled once into a boolean table over (remote ENI, protocol, port class),
using the same matching as the concrete engine (``CompiledRules.peer_space``, NACL first match by rule
number). A flow's verdict is then a handful of array lookups.

Scope: TCP, UDP and ICMP flows between two ENIs of one VPC routed by the local route (the bulk of what
flow-log attribution asks). ``BatchEvaluator.supports`` says which flows are in scope; anything else is
answered by ``Engine.trace`` — never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vpcflow.engine.components.interfaces import InterfaceKind, interface_kind
from vpcflow.engine.rules import CompiledRules
from vpcflow.model import (
    ALL_PROTOCOLS,
    ICMP,
    TCP,
    UDP,
    Direction,
    NetworkAclEntry,
    RuleAction,
    SecurityGroupRule,
    Snapshot,
)

PROTO_INDEX = {TCP: 0, UDP: 1, ICMP: 2}
REJECT, ACCEPT, RETURN_REJECT = 0, 1, 2
_REPLY_TYPE = np.full(256, -1, dtype=np.int64)
for _req, _rep in ((8, 0), (13, 14), (15, 16), (17, 18)):
    _REPLY_TYPE[_req] = _rep

_NOT_HOSTS = frozenset({"transit_gateway", "vpc_endpoint", "gateway_load_balancer_endpoint"})

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BatchResult:
    verdict: npt.NDArray[np.int8]  # REJECT (request), ACCEPT, RETURN_REJECT (request in, reply lost)
    # where a rejected request stops: True = at the source (its SG egress or its subnet's NACL egress),
    # so the REJECT record is on the source ENI; False = on the destination ENI
    at_source: BoolArray | None = None

    @property
    def forward(self) -> BoolArray:
        return np.asarray(self.verdict != REJECT)


class BatchEvaluator:
    def __init__(self, snapshot: Snapshot, rules: CompiledRules | None = None) -> None:
        self.s = snapshot
        self.rules = rules or CompiledRules(snapshot)
        enis = [e for e in snapshot.interfaces.values() if e.primary_ip is not None]
        self.eni_ids = [e.eni_id for e in enis]
        self.index = {e: i for i, e in enumerate(self.eni_ids)}
        self.addr = np.array([e.primary_ip.value for e in enis if e.primary_ip], dtype=np.int64)
        self._in_scope_vpcs = snapshot.locally_routed_vpcs()
        self.vpc = np.array([self._vpc_code(e.vpc_id) for e in enis], dtype=np.int64)
        # interfaces that are hops, not hosts (transit gateway attachments, endpoints): the walker's
        # components answer for them (an interface endpoint never initiates, nothing answers at a
        # transit gateway interface)
        # hosts only: a load balancer's node proxies what reaches it (``Engine.trace`` answers those)
        self.host = np.array(
            [e.interface_type not in _NOT_HOSTS and interface_kind(e) is InterfaceKind.HOST for e in enis],
            dtype=np.bool_,
        )
        subnets = sorted({e.subnet_id for e in enis})
        sub_index = {s: i for i, s in enumerate(subnets)}
        self.subnet = np.array([sub_index[e.subnet_id] for e in enis], dtype=np.int64)
        # port classes: every boundary of every port range that can matter
        bounds = {0, 65536}
        for g in snapshot.security_groups.values():
            for r in g.ingress + g.egress:
                self._add_bounds(bounds, r)
        for acl in snapshot.network_acls.values():
            for entry in acl.ingress + acl.egress:
                self._add_bounds(bounds, entry)
        bounds.update(range(0, 257))  # ICMP types ride the port dimension
        self.bounds = np.array(sorted(bounds), dtype=np.int64)
        n_cls = len(self.bounds) - 1
        n = len(enis)
        # security groups → tables [group, remote eni, proto, port class]
        gids = sorted(snapshot.security_groups)
        self.gindex = {g: i + 1 for i, g in enumerate(gids)}  # 0 = "no group": allows nothing
        self.sg_in = np.zeros((len(gids) + 1, n, 3, n_cls), dtype=np.bool_)
        self.sg_out = np.zeros_like(self.sg_in)
        for gid in gids:
            g = snapshot.security_groups[gid]
            for rule in g.ingress:
                self._mark_sg(self.sg_in[self.gindex[gid]], rule)
            for rule in g.egress:
                self._mark_sg(self.sg_out[self.gindex[gid]], rule)
        width = max((len(e.group_ids) for e in enis), default=1) or 1
        self.groups = np.zeros((n, width), dtype=np.int64)
        for i, e in enumerate(enis):
            for j, gid in enumerate(e.group_ids):
                self.groups[i, j] = self.gindex.get(gid, 0)
        # NACLs → tables [acl, remote eni, proto, port class] per direction (first match)
        acl_ids = sorted(snapshot.network_acls)
        aindex = {a: i for i, a in enumerate(acl_ids)}
        self.acl_in = np.zeros((len(acl_ids) + 1, n, 3, n_cls), dtype=np.bool_)
        self.acl_out = np.zeros_like(self.acl_in)
        for a in acl_ids:
            acl = snapshot.network_acls[a]
            self.acl_in[aindex[a]] = self._nacl_table(acl.entries(Direction.INGRESS), n, n_cls)
            self.acl_out[aindex[a]] = self._nacl_table(acl.entries(Direction.EGRESS), n, n_cls)
        none_acl = len(acl_ids)  # a subnet without NACL: deny everything (docs/semantics.md)
        self.acl_of = np.array(
            [aindex.get(snapshot.acl_of_subnet.get(s, ""), none_acl) for s in subnets], dtype=np.int64
        )

    # -- compilation ---------------------------------------------------------------------------

    @staticmethod
    def _add_bounds(bounds: set[int], rule: SecurityGroupRule | NetworkAclEntry) -> None:
        if rule.ports is not None:
            bounds.add(rule.ports.lo)
            bounds.add(rule.ports.hi + 1)

    def _classes(self, lo: int, hi: int) -> slice:
        a = int(np.searchsorted(self.bounds, lo, side="right")) - 1
        b = int(np.searchsorted(self.bounds, hi + 1, side="left"))
        return slice(a, b)

    def _rule_ports(self, rule: SecurityGroupRule | NetworkAclEntry) -> slice:
        if rule.protocol in (TCP, UDP) and rule.ports is not None:
            return self._classes(rule.ports.lo, rule.ports.hi)
        if rule.protocol == ICMP and rule.icmp is not None:
            if rule.icmp.code not in (-1, 0):
                return slice(0, 0)  # batch flows carry ICMP code 0, as trace does by default
            if rule.icmp.type != -1:
                return self._classes(rule.icmp.type, rule.icmp.type)
        return slice(0, len(self.bounds) - 1)

    @staticmethod
    def _protos(protocol: int) -> list[int]:
        if protocol == ALL_PROTOCOLS:
            return [0, 1, 2]
        return [PROTO_INDEX[protocol]] if protocol in PROTO_INDEX else []

    def _remote_mask_sg(self, rule: SecurityGroupRule) -> BoolArray:
        space = self.rules.peer_space(rule).v4
        if not space.spans:
            return np.zeros(len(self.addr), dtype=np.bool_)
        starts = np.array([lo for lo, _ in space.spans], dtype=np.int64)
        ends = np.array([hi for _, hi in space.spans], dtype=np.int64)
        i = np.searchsorted(starts, self.addr, side="right") - 1
        ok = i >= 0
        return np.asarray(ok & (self.addr <= ends[np.maximum(i, 0)]))

    def _mark_sg(self, table: BoolArray, rule: SecurityGroupRule) -> None:
        mask = self._remote_mask_sg(rule)
        if not mask.any():
            return
        cls = self._rule_ports(rule)
        rows = np.nonzero(mask)[0]
        for p in self._protos(rule.protocol):
            table[rows, p, cls] = True

    def _nacl_table(self, entries: tuple[NetworkAclEntry, ...], n: int, n_cls: int) -> BoolArray:
        allowed = np.zeros((n, 3, n_cls), dtype=np.bool_)
        decided = np.zeros_like(allowed)
        for e in entries:
            if e.cidr.version != 4:
                continue
            rows = (self.addr >= e.cidr.lo) & (self.addr <= e.cidr.hi)
            if not rows.any():
                continue
            m = np.zeros_like(allowed)
            cls = self._rule_ports(e)
            idx = np.nonzero(rows)[0]
            for p in self._protos(e.protocol):
                m[idx, p, cls] = True
            new = m & ~decided
            if e.action is RuleAction.ALLOW:
                allowed |= new
            decided |= m
        return allowed

    def _vpc_code(self, vpc_id: str) -> int:
        return hash(vpc_id) & 0x7FFFFFFF if vpc_id in self._in_scope_vpcs else -1

    # -- evaluation ----------------------------------------------------------------------------

    def indices(self, eni_ids: list[str]) -> IntArray:
        return np.array([self.index[e] for e in eni_ids], dtype=np.int64)

    def supports(self, src: IntArray, dst: IntArray, protocol: IntArray) -> BoolArray:
        proto_ok = np.isin(protocol, list(PROTO_INDEX))
        return np.asarray(
            (self.vpc[src] == self.vpc[dst])
            & (self.vpc[src] >= 0)
            & (src != dst)
            & proto_ok
            & self.host[src]
            & self.host[dst]
        )

    def verdicts(
        self, src: IntArray, dst: IntArray, protocol: IntArray, dst_port: IntArray, src_port: IntArray
    ) -> BatchResult:
        """Verdicts for in-scope flows (check ``supports`` first). ICMP: dst_port = type, src_port unused."""
        p = np.select([protocol == TCP, protocol == UDP], [0, 1], 2)
        dcls = np.searchsorted(self.bounds, dst_port, side="right") - 1
        scls = np.searchsorted(self.bounds, np.where(p == 2, 0, src_port), side="right") - 1
        out_ok = np.zeros(len(src), dtype=np.bool_)
        in_ok = np.zeros(len(src), dtype=np.bool_)
        for j in range(self.groups.shape[1]):
            out_ok |= self.sg_out[self.groups[src, j], dst, p, dcls]
            in_ok |= self.sg_in[self.groups[dst, j], src, p, dcls]
        cross = self.subnet[src] != self.subnet[dst]
        a_src = self.acl_of[self.subnet[src]]
        a_dst = self.acl_of[self.subnet[dst]]
        nacl_fwd = self.acl_out[a_src, dst, p, dcls] & self.acl_in[a_dst, src, p, dcls]
        forward = out_ok & in_ok & (~cross | nacl_fwd)
        # the reply: conntrack passes the SGs; NACLs again, at the client's port (ICMP: the reply type)
        rtype = _REPLY_TYPE[np.clip(dst_port, 0, 255)]
        rcls = np.where(p == 2, np.searchsorted(self.bounds, np.maximum(rtype, 0), side="right") - 1, scls)
        nacl_back = self.acl_out[a_dst, src, p, rcls] & self.acl_in[a_src, dst, p, rcls]
        no_reply = (p == 2) & (rtype < 0)
        back = ~cross | nacl_back | no_reply
        verdict = np.where(forward, np.where(back, ACCEPT, RETURN_REJECT), REJECT).astype(np.int8)
        at_source = ~(out_ok & (~cross | self.acl_out[a_src, dst, p, dcls]))
        return BatchResult(verdict, np.asarray(at_source & ~forward))
