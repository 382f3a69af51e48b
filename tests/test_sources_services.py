"""Parsers of the elbv2, Classic ELB, Network Firewall and WAF families: accepted shapes, Batfish's
fixtures, warnings for what cannot be attributed, and one-line errors naming file, JSON path and ARN."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vpcflow.errors import SnapshotError
from vpcflow.model.elb import LoadBalancerType, TargetHealthState
from vpcflow.model.network_firewall import AddressList, CidrAddress, NegatedAddress, PortSpan, VariableAddress
from vpcflow.sources import load_snapshot, load_snapshot_data
from vpcflow.sources.suricata import parse_address, parse_port, rule_from_text

SHARED = Path(__file__).parent.parent.parent / "shared" / "data" / "batfish-aws-tests"
EXAMPLE = Path(__file__).parent.parent / "examples" / "alb-waf"
LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/73e2d6bc24d8a067"
LISTENER = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
)
RULE = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/"
    "f2f7dc8efc522ab2/9683b2d02a6cabee"
)


def load(*docs: dict[str, Any]) -> Any:
    return load_snapshot_data([(f"doc{i}.json", d) for i, d in enumerate(docs)])


@pytest.mark.parametrize(
    "name",
    [
        "LoadBalancerAttributesTest",
        "LoadBalancerListenerTest",
        "LoadBalancerTargetHealthTest",
        "LoadBalancerTest",
        "TargetGroupTest",
    ],
)
def test_batfish_fixtures_load_and_nothing_is_lost(name: str) -> None:
    path = SHARED / f"{name}.json"
    if not path.exists():
        pytest.skip("../shared/data/batfish-aws-tests is absent")
    snap = load_snapshot(path)
    elb = snap.load_balancing
    raw = json.loads(path.read_text())
    (key,) = raw
    kept = {
        "LoadBalancers": len(elb.load_balancers),
        "LoadBalancerListeners": len(elb.listeners),
        "LoadBalancerTargetHealth": sum(len(v) for v in elb.target_health.values()),
        "TargetGroups": len(elb.target_groups),
        "LoadBalancerAttributes": 0,
    }[key]
    if key == "LoadBalancerAttributes":
        # attributes of a load balancer not in the snapshot: warned about, never silently dropped
        assert [w.code for w in snap.warnings] == ["UNRESOLVED_LOAD_BALANCER"]
    else:
        assert kept == sum(
            len(x.get("Listeners", [x]))
            if key == "LoadBalancerListeners"
            else len(x.get("TargetHealthDescriptions", [x]))
            if key == "LoadBalancerTargetHealth"
            else 1
            for x in raw[key]
        )


def test_batfish_fixture_details() -> None:
    if not SHARED.exists():
        pytest.skip("../shared/data/batfish-aws-tests is absent")
    lbs = load_snapshot(SHARED / "LoadBalancerTest.json").load_balancing.load_balancers
    assert {lb.name: (lb.type, lb.state) for lb in lbs.values()} == {
        "lb-lb": (LoadBalancerType.NETWORK, "active"),
        "lb2": (LoadBalancerType.NETWORK, "failed"),
        "lb3": (LoadBalancerType.APPLICATION, "active"),
    }
    health = load_snapshot(SHARED / "LoadBalancerTargetHealthTest.json").load_balancing.target_health
    ((_arn, targets),) = health.items()
    assert [(t.target_id, t.availability_zone, t.state) for t in targets] == [
        ("10.10.1.4", "us-east-2a", TargetHealthState.UNHEALTHY),
        ("10.11.1.4", "all", TargetHealthState.HEALTHY),
    ]
    (tg,) = load_snapshot(SHARED / "TargetGroupTest.json").load_balancing.target_groups.values()
    assert (tg.protocol, tg.port, tg.health_check_port, tg.target_type.value) == ("TCP", 80, None, "ip")


def test_raw_and_wrapped_shapes() -> None:
    snap = load(
        {
            "LoadBalancers": [
                {
                    "LoadBalancerArn": LB,
                    "Type": "application",
                    "LoadBalancerName": "web",
                    "Scheme": "internal",
                    "AvailabilityZones": [{"ZoneName": "us-east-1a", "SubnetId": "subnet-1"}],
                }
            ]
        },
        {
            "Listeners": [
                {
                    "ListenerArn": LISTENER,
                    "LoadBalancerArn": LB,
                    "Port": 443,
                    "Protocol": "HTTPS",
                    "DefaultActions": [{"Type": "fixed-response", "Order": 1}],
                }
            ]
        },
        {
            "Rules": [
                {
                    "RuleArn": RULE,
                    "Priority": "10",
                    "Conditions": [{"Field": "path-pattern", "Values": ["/api/*"]}],
                    "Actions": [
                        {
                            "Type": "forward",
                            "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": TG, "Weight": 0}]},
                        }
                    ],
                    "IsDefault": False,
                },
                {
                    "RuleArn": RULE + "x",
                    "Priority": "default",
                    "Conditions": [],
                    "Actions": [],
                    "IsDefault": True,
                },
            ]
        },
        {
            "TargetGroups": [
                {
                    "TargetGroupArn": TG,
                    "TargetGroupName": "web-tg",
                    "Protocol": "HTTP",
                    "Port": 8080,
                    "HealthCheckPort": "8081",
                    "TargetType": "ip",
                }
            ]
        },
        {
            "TargetGroupArn": TG,
            "TargetHealthDescriptions": [
                {"Target": {"Id": "10.0.1.5", "Port": 8080}, "TargetHealth": {"State": "draining"}}
            ],
        },
        {"TargetGroupArn": TG, "Attributes": [{"Key": "preserve_client_ip.enabled", "Value": "false"}]},
        {"LoadBalancerArn": LB, "Attributes": [{"Key": "idle_timeout.timeout_seconds", "Value": "60"}]},
        {
            "LoadBalancerDescriptions": [
                {
                    "LoadBalancerName": "classic",
                    "VPCId": "vpc-1",
                    "Subnets": ["subnet-1"],
                    "SecurityGroups": ["sg-1"],
                    "Instances": [{"InstanceId": "i-1"}],
                    "ListenerDescriptions": [
                        {
                            "Listener": {
                                "Protocol": "HTTP",
                                "LoadBalancerPort": 80,
                                "InstanceProtocol": "HTTP",
                                "InstancePort": 8080,
                            }
                        }
                    ],
                }
            ]
        },
        {"NextMarker": "abc"},
    )
    elb = snap.load_balancing
    assert elb.load_balancers[LB].scheme == "internal" and elb.load_balancers[LB].has_attributes
    (rule, default) = elb.rules_of(LISTENER)
    assert (rule.listener_arn, rule.priority, rule.conditions, default.is_default) == (
        LISTENER,
        10,
        ("path-pattern",),
        True,
    )
    assert rule.actions[0].forwarding_groups == ()  # weight 0 receives nothing
    tg = elb.target_groups[TG]
    assert (tg.health_check_port, tg.attributes) == (8081, (("preserve_client_ip.enabled", "false"),))
    assert elb.target_health[TG][0].state is TargetHealthState.DRAINING
    assert elb.classic["classic"].listeners[0].instance_port == 8080
    assert [w.code for w in snap.warnings] == []


def test_health_and_attributes_without_an_owner_are_warned_not_used() -> None:
    snap = load(
        {"TargetHealthDescriptions": [{"Target": {"Id": "i-1"}, "TargetHealth": {"State": "healthy"}}]},
        {"Attributes": [{"Key": "k", "Value": "v"}]},
        {"ResourceArns": [LB]},
    )
    assert [w.code for w in snap.warnings] == [
        "UNATTRIBUTED_TARGET_HEALTH",
        "UNATTRIBUTED_ATTRIBUTES",
        "UNATTRIBUTED_ASSOCIATIONS",
    ]


FW = "arn:aws:network-firewall:us-east-1:123456789012:firewall/fw"
POLICY = "arn:aws:network-firewall:us-east-1:123456789012:firewall-policy/p"
GROUP = "arn:aws:network-firewall:us-east-1:123456789012:stateful-rulegroup/g"


def test_network_firewall_documents() -> None:
    snap = load(
        {
            "UpdateToken": "t",
            "Firewall": {
                "FirewallName": "fw",
                "FirewallArn": FW,
                "FirewallPolicyArn": POLICY,
                "VpcId": "vpc-1",
                "SubnetMappings": [{"SubnetId": "subnet-1"}],
            },
            "FirewallStatus": {
                "Status": "READY",
                "SyncStates": {
                    "us-east-1a": {
                        "Attachment": {"SubnetId": "subnet-1", "EndpointId": "vpce-1", "Status": "READY"}
                    }
                },
            },
        },
        {
            "FirewallPolicy": {
                "StatelessRuleGroupReferences": [],
                "StatelessDefaultActions": ["aws:forward_to_sfe"],
                "StatelessFragmentDefaultActions": ["aws:drop"],
                "StatefulRuleGroupReferences": [{"ResourceArn": GROUP, "Priority": 1}],
                "StatefulEngineOptions": {"RuleOrder": "STRICT_ORDER"},
                "StatefulDefaultActions": ["aws:drop_established"],
            },
            "FirewallPolicyResponse": {"FirewallPolicyName": "p", "FirewallPolicyArn": POLICY},
        },
        {
            "RuleGroup": {
                "RulesSource": {
                    "RulesString": "# comment\npass tcp $HOME_NET any -> any 443 (sid:1;)\n\n"
                    "drop ip any any -> \\\n any any (sid:2;)\n"
                },
                "RuleVariables": {"IPSets": {"HOME_NET": {"Definition": ["10.0.0.0/16", "!10.0.9.0/24"]}}},
                "StatefulRuleOptions": {"RuleOrder": "STRICT_ORDER"},
            },
            "RuleGroupResponse": {
                "RuleGroupArn": GROUP,
                "RuleGroupName": "g",
                "Type": "STATEFUL",
                "Capacity": 10,
            },
        },
        {
            "Firewalls": [
                {"FirewallName": "fw", "FirewallArn": FW},
                {"FirewallName": "other", "FirewallArn": FW + "2"},
            ]
        },
    )
    nf = snap.network_firewall
    fw = nf.firewalls[FW]
    assert nf.firewall_of_endpoint("vpce-1") is fw and fw.endpoints[0].availability_zone == "us-east-1a"
    pol = nf.policies[POLICY]
    assert (pol.rule_order, pol.stateful_default_actions, pol.stateless_fragment_default_actions) == (
        "STRICT_ORDER",
        ("aws:drop_established",),
        ("aws:drop",),
    )
    g = nf.rule_groups[GROUP]
    assert [(r.sid, r.action, r.protocol) for r in g.stateful_rules] == [
        (1, "pass", "tcp"),
        (2, "drop", "ip"),
    ]
    assert g.ip_sets[0][0] == "HOME_NET" and isinstance(g.ip_sets[0][1][1], NegatedAddress)
    assert [w.code for w in snap.warnings] == ["NOT_DESCRIBED"]  # "other" is listed, never described


def test_unknown_rule_group_type_is_reported() -> None:
    snap = load(
        {"RuleGroup": {"RulesSource": {}}, "RuleGroupResponse": {"RuleGroupArn": GROUP, "Type": "IPS"}}
    )
    assert snap.network_firewall.rule_groups[GROUP].unsupported == "rule group type IPS is not modelled"
    assert [w.code for w in snap.warnings] == ["NOT_MODELLED"]


def test_suricata_expressions() -> None:
    assert parse_address("[10.0.0.0/8,![10.1.0.0/16,$X]]") == AddressList(
        (
            CidrAddress(parse_address("10.0.0.0/8").cidr),  # type: ignore[union-attr]
            NegatedAddress(
                AddressList((CidrAddress(parse_address("10.1.0.0/16").cidr), VariableAddress("X")))
            ),
        )
    )  # type: ignore[union-attr]
    assert parse_port(":1024") == PortSpan(0, 1024) and parse_port("8000:") == PortSpan(8000, 65535)
    broken = rule_from_text("g", 0, "drop tcp any any -> any 99999 (sid:1;)")
    assert broken.error is not None and "65535" in broken.error
    assert rule_from_text("g", 0, "drop tcp any any <- any 1 (sid:1;)").error is not None


WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acl/1"
IP_SET = "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/s/2"


def test_waf_documents() -> None:
    snap = load(
        {
            "WebACL": {
                "Name": "acl",
                "Id": "1",
                "ARN": WEB_ACL,
                "DefaultAction": {"Block": {}},
                "Rules": [
                    {
                        "Name": "ok",
                        "Priority": 2,
                        "Action": {"Allow": {}},
                        "Statement": {
                            "OrStatement": {
                                "Statements": [
                                    {"IPSetReferenceStatement": {"ARN": IP_SET}},
                                    {"GeoMatchStatement": {"CountryCodes": ["NZ"]}},
                                ]
                            }
                        },
                    },
                    {
                        "Name": "managed",
                        "Priority": 1,
                        "OverrideAction": {"None": {}},
                        "Statement": {
                            "ManagedRuleGroupStatement": {
                                "VendorName": "AWS",
                                "Name": "AWSManagedRulesCommonRuleSet",
                            }
                        },
                    },
                ],
            },
            "LockToken": "x",
        },
        {
            "IPSet": {
                "Name": "s",
                "Id": "2",
                "ARN": IP_SET,
                "IPAddressVersion": "IPV4",
                "Addresses": ["192.0.2.0/24"],
            }
        },
        {"WebACLArn": WEB_ACL, "ResourceArns": [LB]},
    )
    waf = snap.waf
    acl = waf.web_acl_for(LB)
    assert acl is not None and [r.name for r in acl.rules_by_priority] == ["managed", "ok"]
    assert acl.rules_by_priority[0].is_rule_group and acl.default_action == "Block"
    assert [str(c) for c in waf.ip_sets[IP_SET].addresses] == ["192.0.2.0/24"]
    assert snap.warnings == ()


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ({"LoadBalancers": [{"LoadBalancerArn": LB, "Type": "classic"}]}, f"$.LoadBalancers[0] ({LB}).Type"),
        (
            {"Listeners": [{"ListenerArn": LISTENER, "LoadBalancerArn": LB, "Port": 70000}]},
            f"$.Listeners[0] ({LISTENER}).Port",
        ),
        (
            {"TargetGroups": [{"TargetGroupArn": TG, "HealthCheckPort": "http"}]},
            f"$.TargetGroups[0] ({TG}).HealthCheckPort",
        ),
        (
            {"IPSet": {"ARN": IP_SET, "IPAddressVersion": "IPV6", "Addresses": ["192.0.2.0/24"]}},
            f"$.IPSet ({IP_SET}).Addresses[0]",
        ),
        ({"FirewallPolicy": {}}, "$"),
        (
            {
                "RuleGroup": {
                    "RulesSource": {"StatelessRulesAndCustomActions": {"StatelessRules": [{"Priority": 1}]}}
                },
                "RuleGroupResponse": {"RuleGroupArn": GROUP},
            },
            f"$.RuleGroup ({GROUP}).RulesSource.StatelessRules[0]",
        ),
        (
            {"WebACL": {"ARN": WEB_ACL, "DefaultAction": {"Allow": {}, "Block": {}}}},
            f"$.WebACL ({WEB_ACL}).DefaultAction",
        ),
    ],
)
def test_bad_input_names_file_path_and_arn(doc: dict[str, Any], where: str) -> None:
    with pytest.raises(SnapshotError) as err:
        load(doc)
    assert str(err.value).startswith(f"doc0.json: at {where}: ")


def test_snapshot_info_shows_the_new_families() -> None:
    vpcflow = Path(sys.executable).parent / "vpcflow"
    out = subprocess.run(
        [str(vpcflow), "snapshot", "info", str(EXAMPLE), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    counts = json.loads(out.stdout)["counts"]
    assert {
        k: counts[k]
        for k in (
            "load_balancers",
            "listeners",
            "target_groups",
            "registered_targets",
            "web_acls",
            "ip_sets",
            "web_acl_associations",
        )
    } == {
        "load_balancers": 1,
        "listeners": 1,
        "target_groups": 1,
        "registered_targets": 2,
        "web_acls": 1,
        "ip_sets": 1,
        "web_acl_associations": 1,
    }
    bad = EXAMPLE.parent / "nacl-trap"
    assert (
        "load_balancers"
        not in json.loads(
            subprocess.run(
                [str(vpcflow), "snapshot", "info", str(bad), "--format", "json"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )["counts"]
    )
