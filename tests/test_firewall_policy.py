"""AWS Network Firewall policies, evaluated on flows: AWS-documented behaviour, each test with its source.

Policies and rule groups are written as describe-firewall-policy / describe-rule-group output and loaded
through the snapshot loader, so the parsers are exercised with the evaluator.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vpcflow.engine.firewall import FirewallFlow, PolicyEvaluator, asymmetric_stateless_rules
from vpcflow.engine.firewall_match import AppContext
from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import TCP, UDP, Address, Cidr, Snapshot
from vpcflow.sources import load_snapshot_data

ACCT = "123456789012"
VPC_CIDR = (Cidr.parse("10.0.0.0/16"),)
PROCESSING = (
    "https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-policy-processing.html"
)
ORDER = (
    "https://docs.aws.amazon.com/network-firewall/latest/developerguide/suricata-rule-evaluation-order.html"
)
DOMAINS = "https://docs.aws.amazon.com/network-firewall/latest/developerguide/stateful-rule-groups-domain-names.html"
VARIABLES = "https://docs.aws.amazon.com/network-firewall/latest/developerguide/rule-groups-variables.html"
ANALYSIS = "https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_AnalysisResult.html"


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:network-firewall:us-east-1:{ACCT}:{kind}/{name}"


def stateless_group(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "RuleGroup": {"RulesSource": {"StatelessRulesAndCustomActions": {"StatelessRules": rules}}},
        "RuleGroupResponse": {"RuleGroupArn": _arn("stateless-rulegroup", name), "RuleGroupName": name,
                              "Type": "STATELESS"},
    }  # fmt: skip


def sl_rule(
    priority: int,
    action: str,
    *,
    src: str | None = None,
    dst: str | None = None,
    sports: tuple[int, int] | None = None,
    dports: tuple[int, int] | None = None,
    protocols: list[int] | None = None,
    flags: list[dict[str, list[str]]] | None = None,
) -> dict[str, Any]:
    match: dict[str, Any] = {}
    if src:
        match["Sources"] = [{"AddressDefinition": src}]
    if dst:
        match["Destinations"] = [{"AddressDefinition": dst}]
    if sports:
        match["SourcePorts"] = [{"FromPort": sports[0], "ToPort": sports[1]}]
    if dports:
        match["DestinationPorts"] = [{"FromPort": dports[0], "ToPort": dports[1]}]
    if protocols:
        match["Protocols"] = protocols
    if flags:
        match["TCPFlags"] = flags
    return {"Priority": priority, "RuleDefinition": {"MatchAttributes": match, "Actions": [action]}}


def stateful_group(
    name: str, source: dict[str, Any], order: str | None = None, **variables: Any
) -> dict[str, Any]:
    group: dict[str, Any] = {"RulesSource": source}
    if order:
        group["StatefulRuleOptions"] = {"RuleOrder": order}
    if variables:
        group["RuleVariables"] = variables
    return {
        "RuleGroup": group,
        "RuleGroupResponse": {"RuleGroupArn": _arn("stateful-rulegroup", name), "RuleGroupName": name,
                              "Type": "STATEFUL"},
    }  # fmt: skip


def policy(
    stateless: list[tuple[str, int]] = (),  # type: ignore[assignment]
    stateful: list[tuple[str, int | None]] = (),  # type: ignore[assignment]
    *,
    default: str = "aws:forward_to_sfe",
    fragment: str = "aws:forward_to_sfe",
    order: str | None = None,
    stateful_defaults: list[str] | None = None,
    home_net: list[str] | None = None,
) -> dict[str, Any]:
    p: dict[str, Any] = {
        "StatelessRuleGroupReferences": [
            {"ResourceArn": _arn("stateless-rulegroup", n), "Priority": prio} for n, prio in stateless
        ],
        "StatelessDefaultActions": [default],
        "StatelessFragmentDefaultActions": [fragment],
        "StatefulRuleGroupReferences": [
            {"ResourceArn": _arn("stateful-rulegroup", n), **({"Priority": prio} if prio is not None else {})}
            for n, prio in stateful
        ],
    }
    if order:
        p["StatefulEngineOptions"] = {"RuleOrder": order}
    if stateful_defaults is not None:
        p["StatefulDefaultActions"] = stateful_defaults
    if home_net:
        p["PolicyVariables"] = {"RuleVariables": {"HOME_NET": {"Definition": home_net}}}
    return {
        "FirewallPolicy": p,
        "FirewallPolicyResponse": {
            "FirewallPolicyArn": _arn("firewall-policy", "p"),
            "FirewallPolicyName": "p",
        },
    }


def load(*docs: dict[str, Any]) -> Snapshot:
    return load_snapshot_data([(f"doc{i}.json", d) for i, d in enumerate(docs)])


def evaluator(*docs: dict[str, Any]) -> PolicyEvaluator:
    snap = load(*docs)
    nf = snap.network_firewall
    (pol,) = nf.policies.values()
    return PolicyEvaluator(pol, nf.rule_groups, VPC_CIDR)


def flow(
    client: str = "10.0.1.10",
    server: str = "198.51.100.7",
    port: int = 443,
    protocol: int = TCP,
    *,
    client_port: int = 40000,
    sni: str | None = None,
    host: str | None = None,
    fragment: bool = False,
) -> FirewallFlow:
    return FirewallFlow(
        Address.parse(client),
        Address.parse(server),
        protocol,
        IntervalSet.single(client_port),
        IntervalSet.single(port),
        fragment=fragment,
        app=AppContext(sni, host),
    )


def decide(ev: PolicyEvaluator, f: FirewallFlow) -> Any:
    (piece,) = ev.evaluate(f).pieces
    return piece[2]


def rules(text: str) -> dict[str, Any]:
    return {"RulesString": text}


# -- stateless engine ----------------------------------------------------------------------------------


def test_stateless_groups_by_policy_priority_then_rules_by_priority() -> None:
    # PROCESSING: groups in the policy's priority order (lowest first), rules by their priority, first match
    ev = evaluator(
        stateless_group("a", [sl_rule(1, "aws:drop", dports=(443, 443), protocols=[6])]),
        stateless_group("b", [sl_rule(20, "aws:drop"), sl_rule(10, "aws:pass")]),
        policy([("a", 200), ("b", 100)]),
    )
    d = decide(ev, flow())
    assert (d.action, d.stage, d.rule.priority) == ("pass", "stateless", 10)


def test_stateless_default_actions_and_fragment_defaults() -> None:
    # PROCESSING: unmatched packets take StatelessDefaultActions; fragmented ones the fragment defaults
    ev = evaluator(policy(default="aws:drop", fragment="aws:pass"))
    d = decide(ev, flow())
    assert (d.action, d.stage, d.packet) == ("drop", "stateless-default", "SYN")
    assert decide(ev, flow(fragment=True)).action == "pass"


def test_stateless_pass_skips_the_stateful_engine() -> None:
    # PROCESSING: aws:pass lets the packet through without stateful inspection
    ev = evaluator(
        stateless_group("a", [sl_rule(1, "aws:pass")]),
        stateful_group("s", rules("drop tcp any any -> any any (sid:1;)")),
        policy([("a", 1)], [("s", None)]),
    )
    assert decide(ev, flow()).action == "pass"


def test_stateless_rule_source_ports_split_the_client_range() -> None:
    # PROCESSING: match attributes include source ports; the verdict differs across the client's range
    ev = evaluator(
        stateless_group("a", [sl_rule(1, "aws:drop", sports=(50000, 65535), protocols=[6])]),
        policy([("a", 1)], default="aws:pass"),
    )
    f = FirewallFlow(
        Address.parse("10.0.1.10"), Address.parse("198.51.100.7"), TCP,
        IntervalSet.of((32768, 60999)), IntervalSet.single(443),
    )  # fmt: skip
    result = ev.evaluate(f)
    assert result.passed_client_ports == IntervalSet.of((32768, 49999))
    blocked = result.first_block
    assert blocked is not None and blocked.rule.priority == 1


def test_stateless_tcp_flags_match_syn_only() -> None:
    # API_TCPFlagField: a packet matches when its flags, under the masks, equal the rule's flags
    ev = evaluator(
        stateless_group(
            "a", [sl_rule(1, "aws:drop", protocols=[6], flags=[{"Flags": ["SYN"], "Masks": ["SYN", "ACK"]}])]
        ),
        policy([("a", 1)], default="aws:pass"),
    )
    d = decide(ev, flow())
    assert (d.action, d.packet) == ("drop", "SYN")


def test_stateless_pass_one_way_is_reported_asymmetric() -> None:
    # ANALYSIS STATELESS_RULE_FORWARDING_ASYMMETRICALLY: a pass for one direction, the reply to the defaults
    group = stateless_group("a", [sl_rule(1, "aws:pass", src="10.0.0.0/16", dst="0.0.0.0/0")])
    ev = evaluator(group, policy([("a", 1)], default="aws:forward_to_sfe"))
    d = decide(ev, flow())
    assert d.action == "pass" and d.asymmetric is not None and "ASYMMETRIC" in d.asymmetric
    snap = load(group)
    (g,) = snap.network_firewall.rule_groups.values()
    assert [code for _r, code in asymmetric_stateless_rules(g)] == [
        "STATELESS_RULE_FORWARDING_ASYMMETRICALLY"
    ]


def test_stateless_mirror_rules_are_symmetric() -> None:
    g = load(
        stateless_group(
            "a",
            [
                sl_rule(1, "aws:pass", src="10.0.0.0/16", dst="0.0.0.0/0", dports=(443, 443)),
                sl_rule(2, "aws:pass", src="0.0.0.0/0", dst="10.0.0.0/16", sports=(443, 443)),
            ],
        )
    ).network_firewall.rule_groups
    (group,) = g.values()
    assert asymmetric_stateless_rules(group) == ()


# -- stateful engine: action order and strict order ----------------------------------------------------


DROP_THEN_PASS = "drop tcp any any -> any 443 (sid:1;)\npass tcp any any -> any 443 (sid:2;)"


def test_default_action_order_pass_before_drop_whatever_the_rule_order() -> None:
    # ORDER "Action order": pass, then drop, reject, alert
    ev = evaluator(stateful_group("s", rules(DROP_THEN_PASS)), policy(stateful=[("s", None)]))
    d = decide(ev, flow())
    assert (d.action, d.rule.sid) == ("pass", 2)


def test_strict_order_rules_as_written() -> None:
    # ORDER "Strict evaluation order": groups by priority, rules in the order they are defined
    ev = evaluator(
        stateful_group("s", rules(DROP_THEN_PASS), "STRICT_ORDER"),
        policy(stateful=[("s", 10)], order="STRICT_ORDER"),
    )
    d = decide(ev, flow())
    assert (d.action, d.rule.sid, d.packet) == ("drop", 1, "SYN")


def test_strict_order_groups_by_priority() -> None:
    ev = evaluator(
        stateful_group("first", rules("pass tcp any any -> any 443 (sid:10;)"), "STRICT_ORDER"),
        stateful_group("second", rules("drop tcp any any -> any any (sid:20;)"), "STRICT_ORDER"),
        policy(stateful=[("second", 200), ("first", 100)], order="STRICT_ORDER"),
    )
    assert decide(ev, flow()).rule.sid == 10
    assert decide(ev, flow(port=80)).rule.sid == 20


def test_default_action_order_unmatched_flow_passes() -> None:
    ev = evaluator(
        stateful_group("s", rules("drop tcp any any -> any 22 (sid:1;)")), policy(stateful=[("s", None)])
    )
    assert decide(ev, flow()).action == "pass"
    assert decide(ev, flow(port=22)).action == "drop"


def test_strict_drop_strict_drops_unmatched() -> None:
    # API_FirewallPolicy StatefulDefaultActions aws:drop_strict
    ev = evaluator(
        stateful_group("s", rules("pass tcp $HOME_NET any -> any 443 (sid:1;)"), "STRICT_ORDER"),
        policy(stateful=[("s", 1)], order="STRICT_ORDER", stateful_defaults=["aws:drop_strict"]),
    )
    assert decide(ev, flow()).action == "pass"
    d = decide(ev, flow(port=80))
    assert (d.action, d.stage, d.packet) == ("drop", "stateful-default", "SYN")


def test_strict_drop_established_lets_the_handshake_through() -> None:
    # ORDER: aws:drop_established drops packets of established connections only
    ev = evaluator(
        policy(order="STRICT_ORDER", stateful_defaults=["aws:drop_established", "aws:alert_established"])
    )
    d = decide(ev, flow())
    assert (d.action, d.packet) == ("drop", "data to server")


def test_strict_drop_strict_drops_the_handshake_an_established_rule_never_sees() -> None:
    # ORDER: with drop_strict, a pass rule on established traffic never matches: the SYN is dropped first
    ev = evaluator(
        stateful_group(
            "s", rules("pass tcp any any -> any 443 (flow:to_server, established; sid:1;)"), "STRICT_ORDER"
        ),
        policy(stateful=[("s", 1)], order="STRICT_ORDER", stateful_defaults=["aws:drop_strict"]),
    )
    d = decide(ev, flow())
    assert (d.action, d.packet) == ("drop", "SYN")


def test_alert_does_not_decide() -> None:
    ev = evaluator(
        stateful_group(
            "s",
            rules("alert tcp any any -> any 443 (sid:1;)\ndrop tcp any any -> any 443 (sid:2;)"),
            "STRICT_ORDER",
        ),
        policy(stateful=[("s", 1)], order="STRICT_ORDER"),
    )
    d = decide(ev, flow())
    assert (d.action, d.rule.sid) == ("drop", 2) and [r.sid for r in d.alerts] == [1]


def test_drop_rule_on_the_reply_direction_kills_the_flow() -> None:
    ev = evaluator(
        stateful_group("s", rules("drop tcp any 443 -> $HOME_NET any (sid:7;)")),
        policy(stateful=[("s", None)]),
    )
    d = decide(ev, flow())
    assert (d.action, d.packet) == ("drop", "SYN-ACK")


def test_bidirectional_rule_matches_both_ways() -> None:
    ev = evaluator(
        stateful_group("s", rules("drop udp 198.51.100.0/24 53 <> $HOME_NET any (sid:3;)")),
        policy(stateful=[("s", None)]),
    )
    d = decide(ev, flow(port=53, protocol=UDP))
    assert (d.action, d.packet) == ("drop", "first packet")


def test_five_tuple_rules_direction_forward_and_any() -> None:
    # API_Header: Direction FORWARD (source to destination) or ANY (both)
    def five(direction: str) -> dict[str, Any]:
        return stateful_group(
            "s",
            {"StatefulRules": [{"Action": "DROP", "Header": {"Protocol": "TCP", "Source": "198.51.100.7",
             "SourcePort": "ANY", "Direction": direction, "Destination": "ANY", "DestinationPort": "ANY"},
             "RuleOptions": [{"Keyword": "sid", "Settings": ["5"]}]}]},
        )  # fmt: skip

    fwd = evaluator(five("FORWARD"), policy(stateful=[("s", None)]))
    anyway = evaluator(five("ANY"), policy(stateful=[("s", None)]))
    assert decide(fwd, flow()).packet == "SYN-ACK"  # only the server's packets match 198.51.100.7 → ANY
    assert decide(anyway, flow()).packet == "SYN"


# -- variables, lists, negation --------------------------------------------------------------------------


def test_home_net_defaults_to_the_vpc_and_external_net_is_its_negation() -> None:
    # VARIABLES: HOME_NET defaults to the firewall VPC's CIDR; EXTERNAL_NET is everything else
    ev = evaluator(
        stateful_group("s", rules("drop tcp $EXTERNAL_NET any -> $HOME_NET 22 (sid:1;)")),
        policy(stateful=[("s", None)]),
    )
    assert decide(ev, flow("203.0.113.5", "10.0.2.20", 22)).action == "drop"
    assert decide(ev, flow("10.0.9.9", "10.0.2.20", 22)).action == "pass"


def test_policy_home_net_override_and_group_port_sets() -> None:
    ev = evaluator(
        stateful_group(
            "s",
            rules("drop tcp $HOME_NET any -> any $WEB (sid:1;)"),
            PortSets={"WEB": {"Definition": ["80", "8000:8100"]}},
        ),
        policy(stateful=[("s", None)], home_net=["172.16.0.0/12"]),
    )
    assert decide(ev, flow("172.16.5.5", "198.51.100.7", 8080)).action == "drop"
    assert decide(ev, flow("10.0.1.10", "198.51.100.7", 8080)).action == "pass"  # not HOME_NET any more
    assert decide(ev, flow("172.16.5.5", "198.51.100.7", 443)).action == "pass"


def test_address_and_port_lists_with_negation() -> None:
    ev = evaluator(
        stateful_group("s", rules("drop tcp [10.0.0.0/16,!10.0.5.0/24] any -> any [1:1024,!443] (sid:1;)")),
        policy(stateful=[("s", None)]),
    )
    assert decide(ev, flow("10.0.1.1", port=80)).action == "drop"
    assert decide(ev, flow("10.0.5.1", port=80)).action == "pass"
    assert decide(ev, flow("10.0.1.1", port=443)).action == "pass"
    assert decide(ev, flow("10.0.1.1", port=8080)).action == "pass"


# -- what a 5-tuple cannot decide ----------------------------------------------------------------------


ALLOW = {
    "RulesSourceList": {
        "Targets": [".example.com"],
        "TargetTypes": ["TLS_SNI"],
        "GeneratedRulesType": "ALLOWLIST",
    }
}


def test_domain_allowlist_needs_the_sni() -> None:
    # DOMAINS: allowlist → pass the listed names, drop other TLS from HOME_NET; leading '.' = subdomains
    ev = evaluator(stateful_group("d", ALLOW), policy(stateful=[("d", None)]))
    unknown = decide(ev, flow())
    assert unknown.action == "unknown" and unknown.may_decide and "--sni" in unknown.detail
    assert decide(ev, flow(sni="www.example.com")).action == "pass"
    assert decide(ev, flow(sni="example.com")).action == "pass"
    blocked = decide(ev, flow(sni="evil.example.org"))
    assert (blocked.action, blocked.packet) == ("drop", "data to server")
    # traffic that does not come from HOME_NET is not inspected by a domain list
    assert decide(ev, flow("203.0.113.9", "10.0.1.10", 443)).action == "pass"


def test_domain_denylist_with_host_header() -> None:
    deny = {
        "RulesSourceList": {
            "Targets": ["bad.example.net"],
            "TargetTypes": ["HTTP_HOST"],
            "GeneratedRulesType": "DENYLIST",
        }
    }
    ev = evaluator(stateful_group("d", deny), policy(stateful=[("d", None)]))
    assert decide(ev, flow(port=80, host="bad.example.net")).action == "drop"
    assert decide(ev, flow(port=80, host="good.example.net")).action == "pass"
    assert decide(ev, flow(port=80)).action == "unknown"


def test_content_rule_may_decide_unknown() -> None:
    ev = evaluator(
        stateful_group("s", rules('drop tcp any any -> any 443 (content:"x"; sid:9;)')),
        policy(stateful=[("s", None)]),
    )
    d = decide(ev, flow())
    assert d.action == "unknown" and [r.sid for r in d.may_decide] == [9]


def test_unreadable_rule_and_missing_group_are_unknown() -> None:
    ev = evaluator(
        stateful_group("s", rules("drop tcp any any => any 443 (sid:9;)")), policy(stateful=[("s", None)])
    )
    assert decide(ev, flow()).action == "unknown"
    missing = evaluator(policy(stateful=[("nope", None)]))
    d = decide(missing, flow())
    assert d.action == "unknown" and "not in the snapshot" in d.detail


def test_unsupported_stateful_default_is_unknown() -> None:
    ev = evaluator(policy(order="STRICT_ORDER", stateful_defaults=["aws:drop_something_new"]))
    assert decide(ev, flow()).action == "unknown"


# -- property: pieces over a port range equal port-by-port decisions ------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    lo=st.integers(1024, 65000),
    width=st.integers(0, 400),
    rule_lo=st.integers(1024, 65535),
    rule_w=st.integers(0, 300),
    strict=st.booleans(),
)
def test_port_pieces_match_a_per_port_brute_force(
    lo: int, width: int, rule_lo: int, rule_w: int, strict: bool
) -> None:
    hi = min(65535, lo + width)
    rhi = min(65535, rule_lo + rule_w)
    order = "STRICT_ORDER" if strict else None
    ev = evaluator(
        stateless_group("a", [sl_rule(1, "aws:drop", sports=(rule_lo, rhi), protocols=[6])]),
        stateful_group(
            "s",
            rules(f"drop tcp any {rule_lo}:{rhi} -> any 443 (sid:1;)\npass tcp any any -> any any (sid:2;)"),
            order,
        ),
        policy([("a", 1)], [("s", 1)], order=order),
    )
    f = FirewallFlow(
        Address.parse("10.0.1.10"),
        Address.parse("198.51.100.7"),
        TCP,
        IntervalSet.of((lo, hi)),
        IntervalSet.single(443),
    )
    result = ev.evaluate(f)
    covered = IntervalSet()
    for cp, _sp, d in result.pieces:
        covered = covered | cp
        for port in {cp.first, cp.spans[-1][1], (cp.first + cp.spans[-1][1]) // 2}:
            assert ev.decide(f, port, 443) == d
    assert covered == IntervalSet.of((lo, hi))
    expect_blocked = IntervalSet.of((lo, hi)) & IntervalSet.of((rule_lo, rhi))
    assert IntervalSet.of((lo, hi)) - result.passed_client_ports == expect_blocked


def test_escaped_semicolons_in_options_and_invalid_ones_fail_closed() -> None:
    # Suricata rule syntax: ';' inside an option value must be escaped as '\;'
    ev = evaluator(
        stateful_group("s", rules('pass tcp any any -> any 443 (msg:"a\\;b"; sid:1;)')),
        policy(stateful=[("s", None)]),
    )
    d = decide(ev, flow())
    assert d.action == "pass" and d.rule.sid == 1
    text = 'pass tcp any any -> any 443 (msg:"a;b"; sid:1;)'
    lenient = evaluator(stateful_group("s", rules(text)), policy(stateful=[("s", None)]))
    assert decide(lenient, flow()).action == "pass"  # matched or not, an unmatched flow passes anyway
    strict = evaluator(
        stateful_group("s", rules(text), "STRICT_ORDER"),
        policy(stateful=[("s", 1)], order="STRICT_ORDER", stateful_defaults=["aws:drop_strict"]),
    )
    assert decide(strict, flow()).action == "unknown"  # 'b"' is no keyword vpcflow knows: it may match


# -- property: Suricata address expressions against a set-based reference -------------------------------

_UNIVERSE = [Address.parse(f"10.0.0.{i}") for i in range(64)]


def _cidrs() -> st.SearchStrategy[str]:
    return st.builds(
        lambda n, plen: str(Cidr.parse(f"10.0.0.{n}/{plen}")), st.integers(0, 63), st.integers(26, 32)
    )


def _exprs() -> st.SearchStrategy[str]:
    leaf = st.one_of(_cidrs(), st.just("any"), st.just("$A"))
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            inner.map(lambda e: "!" + e),
            st.lists(inner, min_size=1, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]"),
        ),
        max_leaves=8,
    )


def _reference(text: str, var: set[Address]) -> set[Address]:
    """Naive set semantics: a list is its positive items (all if none) minus its negated ones."""
    from vpcflow.sources.suricata import _split_top

    t = text.strip()
    if t == "any":
        return set(_UNIVERSE)
    if t == "$A":
        return set(var)
    if t.startswith("!"):
        return set(_UNIVERSE) - _reference(t[1:], var)
    if t.startswith("["):
        items = _split_top(t[1:-1], ",")
        pos = [i for i in items if not i.startswith("!")]
        neg = [i[1:] for i in items if i.startswith("!")]
        out = set(_UNIVERSE) if not pos else set().union(*(_reference(i, var) for i in pos))
        for n in neg:
            out -= _reference(n, var)
        return out
    c = Cidr.parse(t)
    return {a for a in _UNIVERSE if a in c}


@settings(max_examples=150, deadline=None)
@given(expr=_exprs(), var=st.lists(_cidrs(), min_size=1, max_size=3))
def test_address_expressions_match_a_set_reference(expr: str, var: list[str]) -> None:
    from vpcflow.engine.firewall_match import Tri, Variables, address_match
    from vpcflow.sources.suricata import parse_address

    variables = Variables(VPC_CIDR, {}, {"A": tuple(parse_address(c) for c in var)}, {})
    var_set = _reference("[" + ",".join(var) + "]", set())
    want = _reference(expr, var_set)
    parsed = parse_address(expr)
    for addr in _UNIVERSE:
        assert address_match(parsed, addr, variables) is Tri.of(addr in want), (expr, str(addr))
