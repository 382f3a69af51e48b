"""AWS Network Firewall scenarios taken from AWS's documentation, adversarially: the rules AWS publishes as
examples or generates itself, evaluated as AWS says they behave.

- Suricata rule examples: an SNI allowlist written as ``tls.sni; content:...; startswith/endswith; nocase``
  passes the named servers and, under strict order with ``aws:drop_established``, drops the rest
  (https://docs.aws.amazon.com/network-firewall/latest/developerguide/suricata-examples.html).
- The rules a domain list generates, pasted as a ``RulesString`` (``dotprefix``, ``http.header_names``,
  ``ssl_state:client_hello``) behave as the domain list
  (https://docs.aws.amazon.com/network-firewall/latest/developerguide/stateful-rule-groups-domain-names.html).
- REJECT resets TCP only; other traffic it matches is dropped
  (https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_StatefulRule.html).
- Strict-order default actions on flows other than TCP, 5-tuple port expressions, custom actions beside
  a standard action (https://docs.aws.amazon.com/network-firewall/latest/developerguide/rule-action.html).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lb_fixtures import variant
from test_firewall_policy import (
    decide,
    evaluator,
    flow,
    policy,
    rules,
    sl_rule,
    stateful_group,
    stateless_group,
)
from vpcflow.engine.firewall import FirewallFlow
from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import ICMP, UDP, Address

EXAMPLE = Path(__file__).parent.parent / "examples" / "firewall"
VPCFLOW = Path(sys.executable).with_name("vpcflow")
OUTSIDE = "93.184.216.34"

# suricata-examples.html, "Allow access to any ssm. Server Name Indication (SNI) ending with .amazonaws.com"
SSM_ONLY = (
    'pass tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni; content:"ssm."; '
    'startswith; content:".amazonaws.com"; endswith; nocase; flow: to_server; sid:202308311;)\n'
)

# what a domain allowlist for .example.com (TLS_SNI and HTTP_HOST) generates, as the guide shows it
GENERATED_ALLOWLIST = r"""pass http $HOME_NET any -> $EXTERNAL_NET any (http.host; dotprefix; content:".example.com"; endswith; msg:"matching HTTP allowlisted FQDNs"; priority:1; flow:to_server, established; sid:1; rev:1;)
pass tls $HOME_NET any -> $EXTERNAL_NET any (tls.sni; dotprefix; content:".example.com"; nocase; endswith; msg:"matching TLS allowlisted FQDNs"; priority:1; flow:to_server, established; sid:2; rev:1;)
drop http $HOME_NET any -> $EXTERNAL_NET any (http.header_names; content:"|0d 0a|"; startswith; msg:"not matching any HTTP allowlisted FQDNs"; priority:1; flow:to_server, established; sid:3; rev:1;)
drop tls $HOME_NET any -> $EXTERNAL_NET any (msg:"not matching any TLS allowlisted FQDNs"; priority:1; flow:to_server, established; ssl_state:client_hello; ssl_version:any; sid:4; rev:1;)
"""  # noqa: E501


def _strict_rules(text: str, defaults: list[str]) -> Any:
    """The example firewall's policy, reduced to one strict-order group holding ``text``."""

    def edit(docs: dict[str, Any]) -> None:
        pol = docs["FirewallPolicy.inspect-policy.json"]["FirewallPolicy"]
        pol["StatelessRuleGroupReferences"] = []
        pol["StatelessDefaultActions"] = ["aws:forward_to_sfe"]
        pol["StatefulEngineOptions"] = {"RuleOrder": "STRICT_ORDER"}
        pol["StatefulDefaultActions"] = defaults
        arn = docs["RuleGroup.web-rules.json"]["RuleGroupResponse"]["RuleGroupArn"]
        pol["StatefulRuleGroupReferences"] = [{"ResourceArn": arn, "Priority": 1}]
        group = docs["RuleGroup.web-rules.json"]["RuleGroup"]
        group["RulesSource"] = {"RulesString": text}
        group["StatefulRuleOptions"] = {"RuleOrder": "STRICT_ORDER"}

    return edit


def _cli_trace(snap: Path, *extra: str) -> dict[str, Any]:
    cmd = [str(VPCFLOW), "trace", str(snap), "--src", "web", "--dst", OUTSIDE, "--port", "443"]
    out = subprocess.run(
        [*cmd, "--format", "json", *extra], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode in (0, 1), out.stderr
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


@pytest.fixture(scope="module")
def ssm_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("ssm")
    variant(tmp, _strict_rules(SSM_ONLY, ["aws:drop_established"]), base=EXAMPLE)
    return tmp / "snap"


@pytest.mark.parametrize(
    ("sni", "verdict"),
    [
        ("ssm.us-east-1.amazonaws.com", "ACCEPT"),
        ("ec2.us-east-1.amazonaws.com", "REJECT"),
        ("ssm.example.com", "REJECT"),
    ],
)
def test_documented_sni_rule_decides_with_the_name(ssm_only: Path, sni: str, verdict: str) -> None:
    doc = _cli_trace(ssm_only, "--sni", sni)
    assert doc["verdict"] == verdict, doc["diagnosis"]
    if verdict == "REJECT":
        # the handshake passes, the client hello is an established packet nothing passes
        assert "aws:drop_established" in doc["blocked_by"]["detail"]
        assert doc["blocked_by"]["code"] == "FIREWALL_RULES_RESTRICTION"


def test_documented_sni_rule_without_the_name_is_unknown(ssm_only: Path) -> None:
    doc = _cli_trace(ssm_only)
    assert doc["verdict"] == "UNKNOWN"
    assert "202308311" in doc["blocked_by"]["detail"] and "--sni" in doc["blocked_by"]["detail"]


@pytest.mark.parametrize(
    ("kwargs", "action", "sid"),
    [
        ({"sni": "www.example.com"}, "pass", 2),
        ({"sni": "example.com"}, "pass", 2),  # dotprefix: the domain itself matches too
        ({"sni": "badexample.com"}, "drop", 4),
        ({"port": 80, "host": "example.com"}, "pass", 1),
        ({"port": 80, "host": "evil.example.net"}, "drop", 3),
        ({"client": "198.51.100.9", "server": "10.0.1.10", "sni": "evil.example.net"}, "pass", None),
    ],
)
def test_generated_allowlist_rules_as_a_rules_string(kwargs: dict[str, Any], action: str, sid: int) -> None:
    ev = evaluator(stateful_group("s", rules(GENERATED_ALLOWLIST)), policy(stateful=[("s", None)]))
    d = decide(ev, flow(**kwargs))
    assert d.action == action, d.detail
    assert (d.rule.sid if d.rule is not None else None) == sid


def test_generated_allowlist_without_a_name_is_unknown() -> None:
    ev = evaluator(stateful_group("s", rules(GENERATED_ALLOWLIST)), policy(stateful=[("s", None)]))
    d = decide(ev, flow())
    assert d.action == "unknown" and "--sni" in d.detail


def test_sni_content_on_another_buffer_is_not_the_sni() -> None:
    # http.uri content is not decided by --sni: the rule stays undecided, never matched against the name
    text = 'drop tls any any -> any any (tls.sni; content:"a.com"; http.uri; content:"evil"; sid:9;)'
    ev = evaluator(stateful_group("s", rules(text)), policy(stateful=[("s", None)]))
    assert decide(ev, flow(sni="a.com")).action == "unknown"
    assert decide(ev, flow(sni="b.com")).action == "pass"  # the SNI content alone rules it out


def test_reject_resets_tcp_and_drops_udp() -> None:
    ev = evaluator(
        stateful_group("s", rules("reject ip any any -> any any (sid:1;)")), policy(stateful=[("s", None)])
    )
    tcp = decide(ev, flow())
    assert tcp.action == "reject" and "TCP reset is sent" in tcp.detail
    udp = decide(ev, flow(port=53, protocol=UDP))
    assert udp.action == "reject" and "TCP reset is sent" not in udp.detail and udp.code is not None


@pytest.mark.parametrize("protocol", [UDP, ICMP])
def test_drop_established_lets_the_first_datagram_through_and_drops_the_reply(protocol: int) -> None:
    ev = evaluator(policy(order="STRICT_ORDER", stateful_defaults=["aws:drop_established"]))
    d = decide(ev, flow(port=53 if protocol == UDP else 0, client_port=40000 if protocol == UDP else 0,
                        protocol=protocol))  # fmt: skip
    assert (d.action, d.stage, d.packet) == ("drop", "stateful-default", "reply")


def test_alert_defaults_only_log() -> None:
    ev = evaluator(
        policy(order="STRICT_ORDER", stateful_defaults=["aws:alert_strict", "aws:alert_established"])
    )
    assert decide(ev, flow()).action == "pass"


def _five_tuple(action: str, dport: str, sid: int) -> dict[str, Any]:
    header = {"Protocol": "TCP", "Source": "ANY", "SourcePort": "ANY", "Direction": "FORWARD",
              "Destination": "ANY", "DestinationPort": dport}  # fmt: skip
    return {"Action": action, "Header": header, "RuleOptions": [{"Keyword": "sid", "Settings": [str(sid)]}]}


@pytest.mark.parametrize(("port", "sid"), [(443, 5), (80, 5), (22, 6), (1024, 6), (1025, None)])
def test_five_tuple_port_list_and_range(port: int, sid: int | None) -> None:
    group = stateful_group(
        "s", {"StatefulRules": [_five_tuple("DROP", "[80,443]", 5), _five_tuple("DROP", "1:1024", 6)]}
    )
    d = decide(evaluator(group, policy(stateful=[("s", None)])), flow(port=port))
    assert (d.rule.sid if d.rule is not None else None) == sid
    assert d.action == ("pass" if sid is None else "drop")


def test_custom_action_beside_a_standard_action() -> None:
    # a named custom action (a CloudWatch metric) does not change what the standard action does
    group = stateless_group("sl", [sl_rule(1, "aws:drop", dports=(443, 443))])
    rule = group["RuleGroup"]["RulesSource"]["StatelessRulesAndCustomActions"]["StatelessRules"][0]
    rule["RuleDefinition"]["Actions"] = ["MetricOnly", "aws:drop"]
    ev = evaluator(group, policy(stateless=[("sl", 1)]))
    d = decide(ev, flow())
    assert (d.action, d.stage) == ("drop", "stateless")
    assert decide(ev, flow(port=80)).action == "pass"


@pytest.mark.parametrize(
    ("itype", "action", "packet"),
    [("8", "drop", "first packet"), ("0", "drop", "reply"), ("3", "pass", None), ("<8", "drop", "reply")],
)
def test_icmp_type_keyword_on_an_echo(itype: str, action: str, packet: str | None) -> None:
    # the echo request is type 8, its reply type 0 (Suricata itype: n, <n, >n, a<>b)
    ev = evaluator(
        stateful_group("s", rules(f"drop icmp any any -> any any (itype:{itype}; sid:1;)")),
        policy(stateful=[("s", None)]),
    )
    echo = FirewallFlow(
        Address.parse("10.0.1.10"), Address.parse("8.8.8.8"), ICMP, IntervalSet.single(0),
        IntervalSet.single(0), icmp_type=8, icmp_code=0,
    )  # fmt: skip
    d = decide(ev, echo)
    assert (d.action, d.packet) == (action, packet)
    assert decide(ev, flow()).action == "pass"  # itype never matches TCP


def test_icmp_type_rule_through_the_endpoint(tmp_path: Path) -> None:
    # the walk hands the request's ICMP type to the firewall: echo replies dropped, the request goes out
    text = "drop icmp any any -> $HOME_NET any (itype:0; sid:77;)\n"
    variant(tmp_path, _strict_rules(text, []), base=EXAMPLE)
    cmd = [
        str(VPCFLOW),
        "trace",
        str(tmp_path / "snap"),
        "--src",
        "web",
        "--dst",
        OUTSIDE,
        "--protocol",
        "icmp",
    ]
    out = subprocess.run([*cmd, "--format", "json"], capture_output=True, text=True, timeout=120, check=False)
    doc = json.loads(out.stdout)
    assert doc["verdict"] == "REJECT", doc["diagnosis"]
    assert (
        doc["blocked_by"]["code"] == "FIREWALL_RULES_RESTRICTION" and "sid:77" in doc["blocked_by"]["detail"]
    )
    assert doc["blocked_by"]["stage"] == "return"


@pytest.mark.parametrize(
    ("protocols", "protocol", "action"),
    [
        ([17], UDP, "drop"),
        ([17], 6, "pass"),
        ([1], ICMP, "drop"),
        ([6, 17], UDP, "drop"),
        ([50], UDP, "pass"),
    ],
)
def test_stateless_protocol_numbers(protocols: list[int], protocol: int, action: str) -> None:
    # MatchAttributes.Protocols holds IANA protocol numbers; a packet of another protocol does not match
    # (https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_MatchAttributes.html)
    ev = evaluator(
        stateless_group("sl", [sl_rule(1, "aws:drop", protocols=protocols)]), policy(stateless=[("sl", 1)])
    )
    port = 0 if protocol == ICMP else 53
    d = decide(ev, flow(port=port, client_port=0 if protocol == ICMP else 40000, protocol=protocol))
    assert d.action == action


def test_stateless_syn_only_forward_drops_the_rest_of_the_handshake() -> None:
    # forwarding only SYN packets (Flags SYN, Masks SYN/ACK) leaves the SYN-ACK to the default drop: the
    # connection never completes, and vpcflow says the rule is asymmetric (API_AnalysisResult)
    syn = [{"Flags": ["SYN"], "Masks": ["SYN", "ACK"]}]
    group = stateless_group("sl", [sl_rule(1, "aws:forward_to_sfe", protocols=[6], flags=syn)])
    ev = evaluator(group, policy(stateless=[("sl", 1)], default="aws:drop"))
    d = decide(ev, flow())
    assert (d.action, d.packet, d.stage) == ("drop", "SYN-ACK", "stateless-default")
    assert d.asymmetric is not None
