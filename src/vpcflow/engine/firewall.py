"""AWS Network Firewall: the verdict of a firewall policy on a flow (both directions), with its explanation.

Per packet, the stateless engine first (rule groups by policy priority, rules by priority, first match;
``aws:pass`` / ``aws:drop`` / ``aws:forward_to_sfe``; unmatched packets take the stateless default actions,
fragments the fragment defaults), then, for forwarded packets, the stateful engine:
``DEFAULT_ACTION_ORDER`` evaluates pass rules, then drop, reject, alert, whatever their order, and passes what
matches nothing; ``STRICT_ORDER`` runs groups by priority and rules as written, then the stateful default
actions. A pass decides the whole flow; alert only logs.
https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-policy-processing.html
https://docs.aws.amazon.com/network-firewall/latest/developerguide/suricata-rule-evaluation-order.html

A flow is walked as the packets the firewall sees (TCP: SYN, SYN-ACK, then data both ways). A rule that may
match (``Tri.MAYBE``: application protocol, domain, content) and would change the verdict makes it UNKNOWN,
naming the rule; ``AppContext`` (``--sni``/``--host``) decides domain-list and TLS/HTTP rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vpcflow.engine.firewall_match import (
    DATAGRAM_PACKETS,
    ONE_WAY_PACKETS,
    TCP_PACKETS,
    AppContext,
    Packet,
    PacketKind,
    Tri,
    Variables,
    port_breakpoints,
    port_set,
    stateful_match,
    stateless_match,
)
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.packets import reply_icmp
from vpcflow.model import TCP, Address, Cidr, PortRange
from vpcflow.model.network_firewall import (
    FirewallPolicy,
    RuleGroup,
    StatefulRule,
    StatelessRule,
)

FIREWALL_CODE = "FIREWALL_RULES_RESTRICTION"
_ACTION_RANK = {"pass": 0, "drop": 1, "reject": 2, "alert": 3}
_KNOWN_DEFAULTS = frozenset(
    {"aws:drop_strict", "aws:drop_established", "aws:alert_strict", "aws:alert_established"}
)


@dataclass(frozen=True, slots=True)
class FirewallFlow:
    """A flow through the firewall: the client opens it to the server."""

    client: Address
    server: Address
    protocol: int
    client_ports: IntervalSet
    server_ports: IntervalSet
    one_way: bool = False  # ICMP types without a reply
    fragment: bool = False
    app: AppContext = field(default_factory=AppContext)
    icmp_type: int | None = None  # the request's ICMP type and code (ICMP flows)
    icmp_code: int | None = None


@dataclass(frozen=True, slots=True)
class FirewallDecision:
    """What the policy does with a flow. ``action``: pass | drop | reject | unknown."""

    action: str
    stage: str  # stateless | stateless-default | stateful | stateful-default | policy
    packet: str | None
    rule: StatelessRule | StatefulRule | None
    detail: str
    alerts: tuple[StatefulRule, ...] = ()
    may_decide: tuple[StatefulRule, ...] = ()
    asymmetric: str | None = None

    @property
    def passes(self) -> bool:
        return self.action == "pass"

    @property
    def code(self) -> str | None:
        if self.action in ("drop", "reject"):
            return FIREWALL_CODE
        if self.action == "unknown":
            return "FIREWALL_UNSUPPORTED_HIGHER_PRIORITY_RULES"
        return None


@dataclass(frozen=True, slots=True)
class FirewallResult:
    """The decision for every (client ports, server ports) piece of the flow."""

    pieces: tuple[tuple[IntervalSet, IntervalSet, FirewallDecision], ...]

    @property
    def passed_client_ports(self) -> IntervalSet:
        out = IntervalSet()
        for cp, _sp, d in self.pieces:
            if d.passes:
                out = out | cp
        return out

    @property
    def first_block(self) -> FirewallDecision | None:
        return next((d for _c, _s, d in self.pieces if not d.passes), None)


@dataclass(frozen=True, slots=True)
class _Unknown:
    """A rule group the evaluator cannot read: it may decide anything."""

    arn: str
    reason: str


@dataclass(frozen=True, slots=True)
class _Step:
    """One outcome of one packet: ``kind`` is pass-packet | pass-flow | drop | reject | unknown."""

    kind: str
    stage: str
    rule: StatelessRule | StatefulRule | None
    detail: str
    assumed: tuple[StatefulRule, ...] = ()
    stateless: str | None = None  # the stateless action this packet took


class PolicyEvaluator:
    """A firewall policy compiled once: ordered stateless rules, ordered stateful rules with variables."""

    def __init__(
        self, policy: FirewallPolicy, groups: Mapping[str, RuleGroup], home_net: tuple[Cidr, ...]
    ) -> None:
        self.policy = policy
        self.stateless: list[StatelessRule | _Unknown] = []
        for ref in sorted(policy.stateless_groups, key=lambda r: r.priority or 0):
            group = groups.get(ref.arn)
            if group is None or group.unsupported:
                self.stateless.append(_Unknown(ref.arn, _missing(ref.arn, group)))
                continue
            self.stateless.extend(group.stateless_sorted)
        policy_vars = dict(policy.ip_sets)
        self.stateful: list[tuple[StatefulRule | _Unknown, Variables | None, str]] = []
        strict = policy.rule_order == "STRICT_ORDER"
        refs = (
            sorted(policy.stateful_groups, key=lambda r: r.priority or 0)
            if strict
            else policy.stateful_groups
        )
        entries: list[tuple[tuple[int, int, int], StatefulRule | _Unknown, Variables | None, str]] = []
        for gpos, ref in enumerate(refs):
            group = groups.get(ref.arn)
            if group is None or group.unsupported:
                key = (gpos, -1, 0) if strict else (-1, gpos, 0)  # default order: it may hold a pass
                entries.append((key, _Unknown(ref.arn, _missing(ref.arn, group)), None, ""))
                continue
            variables = Variables(home_net, policy_vars, dict(group.ip_sets), dict(group.port_sets))
            for rule in group.stateful_rules:
                action = rule.action
                if ref.override_action == "DROP_TO_ALERT" and action in ("drop", "reject"):
                    action = "alert"
                if strict:
                    key = (gpos, rule.index, 0)
                else:
                    key = (_ACTION_RANK.get(action, -1), _priority(rule), gpos * 100000 + rule.index)
                entries.append((key, rule, variables, action))
        entries.sort(key=lambda e: e[0])
        self.stateful = [(r, v, a) for _k, r, v, a in entries]
        self.strict = strict
        self._breaks: list[int] | None = None

    # -- port pieces -------------------------------------------------------------------------------

    def breakpoints(self) -> list[int]:
        if self._breaks is None:
            sets: list[IntervalSet] = []
            for sl in self.stateless:
                if isinstance(sl, StatelessRule):
                    for pr in sl.source_ports + sl.destination_ports:
                        sets.append(IntervalSet.of((pr.lo, pr.hi)))
            for sf, v, _a in self.stateful:
                if isinstance(sf, StatefulRule) and v is not None:
                    for expr in (sf.source_port, sf.destination_port):
                        s = port_set(expr, v)
                        if s is not None:
                            sets.append(s)
            self._breaks = port_breakpoints(sets)
        return self._breaks

    def _split(self, ports: IntervalSet) -> list[IntervalSet]:
        points = self.breakpoints()
        out: list[IntervalSet] = []
        for lo, hi in ports:
            cur = lo
            for p in points:
                if cur < p <= hi:
                    out.append(IntervalSet.of((cur, p - 1)))
                    cur = p
            out.append(IntervalSet.of((cur, hi)))
        return out

    def evaluate(self, flow: FirewallFlow) -> FirewallResult:
        pieces: list[tuple[IntervalSet, IntervalSet, FirewallDecision]] = []
        for sp in self._split(flow.server_ports):
            for cp in self._split(flow.client_ports):
                decision = self.decide(flow, cp.first, sp.first)
                if pieces and pieces[-1][1] == sp and pieces[-1][2] == decision:
                    pieces[-1] = (pieces[-1][0] | cp, sp, decision)
                else:
                    pieces.append((cp, sp, decision))
        return FirewallResult(tuple(pieces))

    # -- one concrete flow ---------------------------------------------------------------------------

    def decide(self, flow: FirewallFlow, cport: int, sport: int) -> FirewallDecision:
        kinds = (
            ONE_WAY_PACKETS if flow.one_way else (TCP_PACKETS if flow.protocol == TCP else DATAGRAM_PACKETS)
        )
        reply = None if flow.icmp_type is None else reply_icmp(flow.icmp_type)
        reply_type = (reply, 0 if reply is not None else None)  # an echo reply answers an echo request
        alerts: list[StatefulRule] = []
        # non-terminal states: "a stateful pass decided the flow" → (assumptions, why it passes so far)
        states: dict[bool, tuple[tuple[StatefulRule, ...], _Step | None]] = {False: ((), None)}
        finals: list[tuple[_Step, PacketKind | None]] = []
        stateless_seen: dict[bool, set[str]] = {True: set(), False: set()}
        for kind in kinds:
            if kind.to_server:
                request_type = (flow.icmp_type, flow.icmp_code)
                pkt = Packet(flow.client, flow.server, flow.protocol, cport, sport, kind, *request_type)
            else:
                pkt = Packet(flow.server, flow.client, flow.protocol, sport, cport, kind, *reply_type)
            new_states: dict[bool, tuple[tuple[StatefulRule, ...], _Step | None]] = {}
            for passed, (assumed, reason) in states.items():
                for step in self._packet(pkt, passed, flow, alerts):
                    if step.stateless:
                        stateless_seen[kind.to_server].add(step.stateless)
                    both = assumed + step.assumed
                    if step.kind in ("pass-packet", "pass-flow"):
                        key = passed or step.kind == "pass-flow"
                        why = reason
                        first_pass = step.kind == "pass-flow" and not passed
                        if first_pass or (why is None and step.rule is not None):
                            why = step
                        if key not in new_states or len(both) < len(new_states[key][0]):
                            new_states[key] = (both, why)
                    else:
                        finals.append((_with_assumed(step, both), kind))
            states = new_states
            if not states:
                break
        for _passed, (assumed, reason) in states.items():
            if reason is None:
                finals.append(
                    (_Step("pass", "stateful", None, "no rule stops any packet of the flow", assumed), None)
                )
            else:
                finals.append((_Step("pass", reason.stage, reason.rule, reason.detail, assumed), None))
        asym = _asymmetry(stateless_seen)
        return self._verdict(finals, tuple(dict.fromkeys(alerts)), asym)

    def _verdict(
        self,
        finals: list[tuple[_Step, PacketKind | None]],
        alerts: tuple[StatefulRule, ...],
        asym: str | None,
    ) -> FirewallDecision:
        classes = {_cls(s.kind) for s, _k in finals}
        definite = next(((s, k) for s, k in finals if not s.assumed), finals[0])
        step, kind = definite
        may = tuple(dict.fromkeys(r for s, _k in finals for r in s.assumed))
        if len(classes) > 1 or "unknown" in classes:
            rule = next((r for r in may), step.rule if isinstance(step.rule, StatefulRule) else None)
            unknown_step = next((s for s, _k in finals if s.kind == "unknown"), None)
            detail = (
                unknown_step.detail
                if unknown_step is not None and not may
                else "the verdict depends on "
                + ", ".join(r.label for r in may[:3])
                + (" …" if len(may) > 3 else "")
                + ", which a 5-tuple cannot decide (give --sni/--host for TLS/HTTP names)"
            )
            return FirewallDecision(
                "unknown", "stateful", kind.name if kind else None, rule, detail, alerts, may, asym
            )
        action = "pass" if step.kind == "pass" else step.kind
        return FirewallDecision(
            action, step.stage, kind.name if kind else None, step.rule, step.detail, alerts, may, asym
        )

    def _packet(
        self, pkt: Packet, passed: bool, flow: FirewallFlow, alerts: list[StatefulRule]
    ) -> list[_Step]:
        out: list[_Step] = []
        stateless_action: str | None = None
        for rule in self.stateless:
            if isinstance(rule, _Unknown):
                return [_Step("unknown", "stateless", None, rule.reason)]
            if stateless_match(rule, pkt):
                stateless_action = rule.standard_action
                if stateless_action == "aws:pass":
                    return [_Step("pass-packet", "stateless", rule, "", stateless="pass")]
                if stateless_action == "aws:drop":
                    return [
                        _Step("drop", "stateless", rule, f"stateless rule {rule.label}", stateless="drop")
                    ]
                if stateless_action == "aws:forward_to_sfe":
                    break
                return [
                    _Step("unknown", "stateless", rule, f"stateless rule {rule.label} has no standard action")
                ]
        if stateless_action is None:
            defaults = (
                self.policy.stateless_fragment_default_actions
                if flow.fragment
                else self.policy.stateless_default_actions
            )
            std = next((a for a in defaults if a in ("aws:pass", "aws:drop", "aws:forward_to_sfe")), None)
            what = "stateless fragment default action" if flow.fragment else "stateless default action"
            if std == "aws:pass":
                return [_Step("pass-packet", "stateless-default", None, f"{what} aws:pass", stateless="pass")]
            if std == "aws:drop":
                return [_Step("drop", "stateless-default", None, f"{what} aws:drop", stateless="drop")]
            if std is None:
                return [_Step("unknown", "stateless-default", None, f"{what} {defaults!r} is not modelled")]
        # forwarded to the stateful engine
        if passed:
            return [_Step("pass-packet", "stateful", None, "", stateless="forward")]
        for sf, variables, action in self.stateful:
            if isinstance(sf, _Unknown):
                out.append(_Step("unknown", "stateful", None, sf.reason, stateless="forward"))
                return out
            assert variables is not None
            hit = stateful_match(sf, pkt, variables, flow.app)
            if hit is Tri.NO:
                continue
            if action == "alert":
                if hit is Tri.YES:
                    alerts.append(sf)
                continue
            step = self._rule_step(sf, action, pkt.protocol)
            if hit is Tri.YES:
                out.append(step)
                return out
            out.append(_with_assumed(step, (sf,)))  # the branch where the rule matches
        out.append(self._stateful_default(pkt))
        return out

    @staticmethod
    def _rule_step(rule: StatefulRule, action: str, protocol: int) -> _Step:
        if action == "pass":
            return _Step("pass-flow", "stateful", rule, f"stateful rule {rule.label}", stateless="forward")
        if action in ("drop", "reject"):
            # REJECT answers TCP with a reset; other traffic is dropped
            # https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_StatefulRule.html
            sent = " (a TCP reset is sent)" if protocol == TCP else " (dropped: a reset answers TCP only)"
            detail = f"stateful rule {rule.label}" + (sent if action == "reject" else "")
            return _Step(action, "stateful", rule, detail, stateless="forward")
        return _Step(
            "unknown",
            "stateful",
            rule,
            f"rule {rule.label} could not be read: {rule.error}",
            stateless="forward",
        )

    def _stateful_default(self, pkt: Packet) -> _Step:
        if not self.strict:
            return _Step("pass-packet", "stateful", None, "", stateless="forward")
        defaults = self.policy.stateful_default_actions
        unknown = [a for a in defaults if a not in _KNOWN_DEFAULTS]
        if unknown:
            return _Step(
                "unknown", "stateful-default", None, f"stateful default action {unknown[0]} is not modelled"
            )
        if "aws:drop_strict" in defaults:
            return _Step(
                "drop",
                "stateful-default",
                None,
                "stateful default action aws:drop_strict",
                stateless="forward",
            )
        if "aws:drop_established" in defaults and pkt.kind.established:
            return _Step(
                "drop",
                "stateful-default",
                None,
                "stateful default action aws:drop_established "
                "(the handshake passes, established traffic does not)",
                stateless="forward",
            )
        return _Step("pass-packet", "stateful-default", None, "", stateless="forward")


def _priority(rule: StatefulRule) -> int:
    for name, value in rule.options:
        if name.lower() == "priority" and value is not None and value.strip().isdigit():
            return int(value.strip())
    return 256  # unprioritised rules come after every priority 1-255 rule of the same action


def _missing(arn: str, group: RuleGroup | None) -> str:
    if group is None:
        return f"rule group {arn} is not in the snapshot"
    return f"rule group {group.name}: {group.unsupported}"


def _cls(kind: str) -> str:
    return {"pass": "pass", "drop": "block", "reject": "block"}.get(kind, "unknown")


def _with_assumed(step: _Step, assumed: tuple[StatefulRule, ...]) -> _Step:
    return _Step(step.kind, step.stage, step.rule, step.detail, assumed, step.stateless)


def _asymmetry(seen: dict[bool, set[str]]) -> str | None:
    """A stateless pass or forward that one direction takes and the other does not: the stateful engine
    sees half a flow, or the reply falls to the defaults (Network Firewall's own analyzer:
    STATELESS_RULE_FORWARDING_ASYMMETRICALLY)."""
    to_server, to_client = seen[True], seen[False]
    if not to_server or not to_client:
        return None
    if to_server != to_client:
        return (
            f"requests take stateless action {'/'.join(sorted(to_server))}, replies "
            f"{'/'.join(sorted(to_client))}: STATELESS_RULE_FORWARDING_ASYMMETRICALLY"
        )
    return None


def evaluate_policy(
    policy: FirewallPolicy,
    groups: Mapping[str, RuleGroup],
    home_net: tuple[Cidr, ...],
    flow: FirewallFlow,
) -> FirewallResult:
    """The policy's verdict on ``flow``, piece by piece over its client and server ports."""
    return PolicyEvaluator(policy, groups, home_net).evaluate(flow)


def asymmetric_stateless_rules(group: RuleGroup) -> tuple[tuple[StatelessRule, str], ...]:
    """Stateless pass/forward rules whose mirror (sources ↔ destinations, ports swapped) no rule of the
    same action covers, and pass/forward rules with TCP flags (the handshake's two directions differ).
    https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_AnalysisResult.html"""
    out: list[tuple[StatelessRule, str]] = []
    rules = group.stateless_sorted
    for r in rules:
        action = r.standard_action
        if action not in ("aws:pass", "aws:forward_to_sfe"):
            continue
        if r.tcp_flags:
            out.append((r, "STATELESS_RULE_CONTAINS_TCP_FLAGS"))
            continue
        if not any(s.standard_action == action and _covers_mirror(s, r) for s in rules):
            out.append((r, "STATELESS_RULE_FORWARDING_ASYMMETRICALLY"))
    return tuple(out)


def _cidrs_cover(big: tuple[Cidr, ...], small: tuple[Cidr, ...]) -> bool:
    if not big:
        return True
    if not small:
        return any(c.is_world for c in big)
    for version in (4, 6):
        want = IntervalSet.from_spans((c.lo, c.hi) for c in small if c.version == version)
        have = IntervalSet.from_spans((c.lo, c.hi) for c in big if c.version == version)
        if not want <= have:
            return False
    return True


def _ports_cover(big: tuple[PortRange, ...], small: tuple[PortRange, ...]) -> bool:
    if not big:
        return True
    if not small:
        return False
    have = IntervalSet.from_spans((p.lo, p.hi) for p in big)
    want = IntervalSet.from_spans((p.lo, p.hi) for p in small)
    return want <= have


def _covers_mirror(s: StatelessRule, r: StatelessRule) -> bool:
    protocols_ok = not s.protocols or (bool(r.protocols) and set(r.protocols) <= set(s.protocols))
    return (
        protocols_ok
        and not s.tcp_flags
        and _cidrs_cover(s.sources, r.destinations)
        and _cidrs_cover(s.destinations, r.sources)
        and _ports_cover(s.source_ports, r.destination_ports)
        and _ports_cover(s.destination_ports, r.source_ports)
    )
