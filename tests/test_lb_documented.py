"""Load balancer and WAF scenarios from AWS's documentation, adversarially, on variants of
``examples/alb-waf`` (internet → ALB 443 → app-tg on 8080, a web ACL) and Batfish's NLB snapshot.

- An internal load balancer's nodes have only private addresses: the internet cannot reach it; an
  internet-facing one's name resolves to public addresses, from inside its VPC too
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-scheme).
- Listener actions: fixed-response and redirect are answered by the ALB, a weighted forward sends nothing
  to a group of weight 0 (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html).
- NLB client IP preservation is on, and cannot be turned off, for UDP/TCP_UDP target groups
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation).
- WAF: rules by priority, Allow/Block terminate, Count does not, the default action decides the rest; IP
  sets match the request's source address, unless ``IPSetForwardedIPConfig`` reads it from a header; a
  rule group's rules may Allow, which ends the web ACL's evaluation
  (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing-order.html,
  https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-ipset-match.html,
  https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-rule-group-override-options.html).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lb_fixtures import EXAMPLE, SG_ALB, SG_APP, TG_ARN, group, health, perm, set_rules, tg_attribute, variant
from vpcflow.engine import Engine, Verdict
from vpcflow.engine.result import HopKind
from vpcflow.engine.waf import evaluate_web_acl
from vpcflow.model import Address
from vpcflow.reach import Reachability
from vpcflow.sources import load_snapshot, load_snapshot_data

VPCFLOW = Path(sys.executable).with_name("vpcflow")
CLIENT = "198.51.100.8"
LISTED = "198.51.100.7"  # in the example's IP set
WEB_ACL = "WebACL.my-web-acl.json"
IP_SET = "IPSet.blocked-ips.json"
BATFISH_LB = (
    Path(__file__).parent.parent.parent / "shared" / "data" / "batfish-aws-tests" / "test-load-balancer"
)
Docs = dict[str, Any]


def _cli(snap: Path, src: str = CLIENT, port: int = 443) -> Docs:
    cmd = [str(VPCFLOW), "trace", str(snap), "--src", src, "--dst", "my-alb", "--port", str(port)]
    out = subprocess.run([*cmd, "--format", "json"], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode in (0, 1), out.stderr
    doc: Docs = json.loads(out.stdout)
    return doc


def _snap_dir(tmp: Path, *edits: Callable[[Docs], None]) -> Path:
    variant(tmp, *edits)
    return tmp / "snap"


# -- ALB ------------------------------------------------------------------------------------------------


def _internal(docs: Docs) -> None:
    docs["LoadBalancers.json"]["LoadBalancers"][0]["Scheme"] = "internal"
    for eni in docs["NetworkInterfaces.json"]["NetworkInterfaces"]:
        if eni["Description"].startswith("ELB "):
            eni.pop("Association", None)
            for a in eni["PrivateIpAddresses"]:
                a.pop("Association", None)


def test_internal_alb_is_not_reachable_from_the_internet(tmp_path: Path) -> None:
    doc = _cli(_snap_dir(tmp_path, _internal))
    assert doc["verdict"] == "REJECT", doc["diagnosis"]
    assert doc["blocked_by"]["code"] == "NO_ROUTE_TO_DESTINATION"
    # from inside the VPC it works (the app tier reaching its own internal ALB)
    t = Engine(variant(tmp_path, _internal)).trace("app-1", "my-alb", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis


def test_internet_facing_name_resolves_to_public_addresses_from_inside() -> None:
    # the app tier has no route to the internet: by name (public addresses) it cannot reach its own
    # internet-facing ALB; by a node's private address it can (load-balancer-scheme)
    e = Engine(load_snapshot(EXAMPLE))
    t = e.trace("app-1", "my-alb", "tcp", 443)
    assert t.verdict is Verdict.REJECT and t.blocked_by is not None, t.diagnosis
    assert t.blocked_by.code == "NO_ROUTE_TO_DESTINATION" and "203.0.113." in t.blocked_by.detail
    assert e.trace("app-1", "10.2.0.10", "tcp", 443).verdict is Verdict.ACCEPT
    # reach agrees: by name, the app tier does not reach the ALB
    res = Reachability(load_snapshot(EXAMPLE)).reach("app-1", "my-alb", "tcp", "443")
    assert not res.forward


def _default_action(action: Docs) -> Callable[[Docs], None]:
    def edit(docs: Docs) -> None:
        docs["Listeners.json"]["Listeners"][0]["DefaultActions"] = [action]

    return edit


@pytest.mark.parametrize(
    "action",
    [
        {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/plain"}},
        {
            "Type": "redirect",
            "RedirectConfig": {"Protocol": "HTTPS", "Port": "8443", "StatusCode": "HTTP_301"},
        },
    ],
)
def test_listener_answering_itself_never_reaches_a_target(tmp_path: Path, action: Docs) -> None:
    # even with the app tier closed to the ALB, the request is answered: it never goes to a target
    closed = set_rules(SG_APP, ingress=[])
    t = Engine(variant(tmp_path, _default_action(action), closed)).trace(CLIENT, "my-alb", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert not any(h.kind is HopKind.TARGET_GROUP for h in t.forward.hops)
    assert action["Type"] in t.forward.hops[-1].detail


CANARY = TG_ARN.replace("app-tg/73e2d6bc24d8a067", "canary-tg/0123456789abcdef")


@pytest.mark.parametrize(("weight", "verdict"), [(0, Verdict.ACCEPT), (1, Verdict.UNKNOWN)])
def test_weighted_forward_weight_zero_receives_nothing(tmp_path: Path, weight: int, verdict: Verdict) -> None:
    # the canary group is not in the snapshot: only a way that uses it can be undecided
    def canary(docs: Docs) -> None:
        action = docs["Listeners.json"]["Listeners"][0]["DefaultActions"][0]
        action.pop("TargetGroupArn")
        action["ForwardConfig"]["TargetGroups"].append({"TargetGroupArn": CANARY, "Weight": weight})

    t = Engine(variant(tmp_path, canary)).trace(CLIENT, "my-alb", "tcp", 443)
    assert t.verdict is verdict, t.diagnosis
    if verdict is Verdict.UNKNOWN:
        assert t.blocked_by is not None and CANARY in t.blocked_by.detail


def test_health_check_port_other_than_the_traffic_port(tmp_path: Path) -> None:
    # health checks on 8081, which neither security group admits: traffic still flows to the targets AWS
    # reports healthy, and the trace says AWS will mark them unhealthy
    def hc(docs: Docs) -> None:
        docs["TargetGroups.json"]["TargetGroups"][0]["HealthCheckPort"] = "8081"
        for tg_health in docs["LoadBalancerTargetHealth.json"]["LoadBalancerTargetHealth"]:
            for d in tg_health["TargetHealthDescriptions"]:
                d["HealthCheckPort"] = "8081"  # describe-target-health reports the group's port

    t = Engine(variant(tmp_path, hc)).trace(CLIENT, "my-alb", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT
    assert any("port 8081" in n and "unhealthy" in n for n in t.notes)


# -- WAF ------------------------------------------------------------------------------------------------


def _acl(default: str, *rules: Docs) -> Callable[[Docs], None]:
    def edit(docs: Docs) -> None:
        acl = docs[WEB_ACL]["WebACL"]
        acl["DefaultAction"] = {default: {}}
        acl["Rules"] = list(rules)

    return edit


def _rule(name: str, priority: int, statement: Docs, action: str | None = "Block", **extra: Any) -> Docs:
    out: Docs = {"Name": name, "Priority": priority, "Statement": statement, "VisibilityConfig": {}}
    if action is not None:
        out["Action"] = {action: {}}
    return {**out, **extra}


def _ip_set(docs: Docs, **config: Any) -> Docs:
    return {"IPSetReferenceStatement": {"ARN": docs[IP_SET]["IPSet"]["ARN"], **config}}


ARN = "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/blocked-ips/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
LISTED_SET = {"IPSetReferenceStatement": {"ARN": ARN}}


def test_default_block_admits_only_the_allowed_ip_set(tmp_path: Path) -> None:
    snap = _snap_dir(tmp_path, _acl("Block", _rule("partners", 0, LISTED_SET, "Allow")))
    assert _cli(snap, LISTED)["verdict"] == "ACCEPT"
    doc = _cli(snap, CLIENT)
    assert doc["verdict"] == "REJECT" and doc["blocked_by"]["code"] == "WAF_RULE_RESTRICTION"
    assert "default action Block" in doc["blocked_by"]["detail"]


def test_count_does_not_terminate(tmp_path: Path) -> None:
    rules = (_rule("count-listed", 0, LISTED_SET, "Count"), _rule("block-listed", 1, LISTED_SET, "Block"))
    doc = _cli(_snap_dir(tmp_path, _acl("Allow", *rules)), LISTED)
    assert doc["verdict"] == "REJECT" and "block-listed" in doc["blocked_by"]["detail"]


def test_priority_not_list_order_decides(tmp_path: Path) -> None:
    # listed first but priority 5: the Allow at priority 1 wins
    rules = (_rule("block-listed", 5, LISTED_SET, "Block"), _rule("allow-listed", 1, LISTED_SET, "Allow"))
    assert _cli(_snap_dir(tmp_path, _acl("Block", *rules)), LISTED)["verdict"] == "ACCEPT"


def test_not_and_or_of_ip_sets_are_decided(tmp_path: Path) -> None:
    # block everyone outside the set: NOT(IP set)
    snap = _snap_dir(
        tmp_path, _acl("Allow", _rule("only-listed", 0, {"NotStatement": {"Statement": LISTED_SET}}))
    )
    assert _cli(snap, LISTED)["verdict"] == "ACCEPT"
    assert _cli(snap, CLIENT)["verdict"] == "REJECT"
    # AND(IP set, geography): decided NO outside the set, undecided inside
    geo = {"GeoMatchStatement": {"CountryCodes": ["US"]}}
    and_rule = _rule("listed-in-us", 0, {"AndStatement": {"Statements": [LISTED_SET, geo]}})
    snap = _snap_dir(tmp_path, _acl("Allow", and_rule))
    outside = _cli(snap, CLIENT)
    assert outside["verdict"] == "ACCEPT"
    assert not any("listed-in-us" in n for n in outside.get("notes", []))
    inside = _cli(snap, LISTED)
    assert inside["verdict"] == "ACCEPT" and any("listed-in-us" in n for n in inside["notes"])


def test_forwarded_ip_config_is_not_the_packets_address(tmp_path: Path) -> None:
    fwd = {"IPSetReferenceStatement": {"ARN": ARN, "IPSetForwardedIPConfig": {
        "HeaderName": "X-Forwarded-For", "FallbackBehavior": "NO_MATCH", "Position": "FIRST"}}}  # fmt: skip
    # an allow by the forwarded address before a default Block: cannot be decided
    doc = _cli(_snap_dir(tmp_path, _acl("Block", _rule("partners", 0, fwd, "Allow"))), LISTED)
    assert doc["verdict"] == "UNKNOWN" and "partners" in doc["blocked_by"]["detail"]
    # a block by the forwarded address: may block, never a verdict
    doc = _cli(_snap_dir(tmp_path, _acl("Allow", _rule("scanners", 0, fwd, "Block"))), LISTED)
    assert doc["verdict"] == "ACCEPT" and any("scanners" in n for n in doc["notes"])


MINE = {"RuleGroupReferenceStatement": {"ARN": "arn:aws:wafv2:us-east-1:123456789012:regional/rulegroup/m/1"}}
CRS = {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}
CRS_ALLOWING = {
    **CRS,
    "RuleActionOverrides": [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Allow": {}}}],
}


@pytest.mark.parametrize(
    ("group", "verdict"),
    [
        (MINE, "UNKNOWN"),
        ({"ManagedRuleGroupStatement": CRS}, "REJECT"),
        ({"ManagedRuleGroupStatement": CRS_ALLOWING}, "UNKNOWN"),
        ({"ManagedRuleGroupStatement": {"VendorName": "F5", "Name": "Bots"}}, "UNKNOWN"),
    ],
)
def test_rule_group_before_an_ip_block(tmp_path: Path, group: Docs, verdict: str) -> None:
    # a rule group's rule that allows ends the evaluation: a later IP block is then not certain
    rules = (
        _rule("group", 0, group, None, OverrideAction={"None": {}}),
        _rule("block-listed", 1, LISTED_SET, "Block"),
    )
    doc = _cli(_snap_dir(tmp_path, _acl("Allow", *rules)), LISTED)
    assert doc["verdict"] == verdict, doc["diagnosis"]
    assert "block-listed" in doc["blocked_by"]["detail"]


ACL_ARN = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/a/2"


def test_ipv6_ip_set_matches_ipv6_clients_only() -> None:
    v6 = "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/v6/1"
    snap = load_snapshot_data(
        [
            (
                "ip.json",
                {
                    "IPSet": {
                        "Name": "v6",
                        "Id": "1",
                        "ARN": v6,
                        "IPAddressVersion": "IPV6",
                        "Addresses": ["2001:db8:1::/48"],
                    }
                },
            ),
            (
                "acl.json",
                {
                    "WebACL": {
                        "Name": "a",
                        "Id": "2",
                        "ARN": ACL_ARN,
                        "DefaultAction": {"Allow": {}},
                        "VisibilityConfig": {},
                        "Rules": [_rule("v6", 0, {"IPSetReferenceStatement": {"ARN": v6}})],
                    }
                },
            ),
        ]
    )
    (acl,) = snap.waf.web_acls.values()
    assert evaluate_web_acl(acl, Address.parse("2001:db8:1::7"), snap.waf).action == "BLOCK"
    assert evaluate_web_acl(acl, Address.parse("2001:db8:2::7"), snap.waf).action == "ALLOW"
    assert evaluate_web_acl(acl, Address.parse("192.0.2.1"), snap.waf).action == "ALLOW"


# -- NLB ------------------------------------------------------------------------------------------------


def test_udp_target_group_keeps_the_client_address_whatever_the_attribute(tmp_path: Path) -> None:
    if not BATFISH_LB.exists():
        pytest.skip("../shared/data/batfish-aws-tests is absent")
    tg = "arn:aws:elasticloadbalancing:us-east-2:554773406868:targetgroup/test-lb-tg/8e891d8fcdf8ece8"

    def udp(docs: Docs) -> None:
        for lst in docs["LoadBalancerListeners.json"]["LoadBalancerListeners"]:
            for li in lst["Listeners"]:
                li["Protocol"] = "UDP"
        for g in docs["TargetGroups.json"]["TargetGroups"]:
            if g["TargetGroupArn"] == tg:
                g["Protocol"] = "UDP"
        docs["TargetGroupAttributes.json"] = {
            "TargetGroupAttributes": [
                {
                    "TargetGroupArn": tg,
                    "Attributes": [{"Key": "preserve_client_ip.enabled", "Value": "false"}],
                }
            ]
        }

    # the servers admit only the client's range: they see the client, never the node
    only_client = set_rules("sg-09dabbcbd3f44ebcf", ingress=[perm("udp", 22, 22, cidr="10.1.250.0/24")])
    snap = variant(tmp_path, udp, only_client, base=BATFISH_LB)
    t = Engine(snap).trace("i-0c8ce8bbdd98cc4e8", "10.1.1.237", "udp", 80)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert "client address preserved" in " ".join(h.detail for h in t.forward.hops)


# -- DNS: which nodes a client using the name reaches ---------------------------------------------------


def _batfish_cross_zone_off(tmp: Path, *edits: Callable[[Docs], None]) -> Any:
    if not BATFISH_LB.exists():
        pytest.skip("../shared/data/batfish-aws-tests is absent")

    def off(docs: Docs) -> None:
        for lb in docs["LoadBalancerAttributes.json"]["LoadBalancerAttributes"]:
            for a in lb["Attributes"]:
                if a["Key"] == "load_balancing.cross_zone.enabled":
                    a["Value"] = "false"

    return variant(tmp, off, *edits, base=BATFISH_LB)


def test_dns_leaves_out_a_zone_without_healthy_targets(tmp_path: Path) -> None:
    # cross-zone off, the us-east-2a server unhealthy: DNS stops answering with the us-east-2a node, so a
    # client using the name always reaches a node that has a target (target-group-health-checks)
    snap = _batfish_cross_zone_off(tmp_path, health(("i-0f4af951d61a19245", "unhealthy")))
    e = Engine(snap)
    t = e.trace("i-0c8ce8bbdd98cc4e8", "test-lb", "tcp", 80)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert any("leaves out the node in us-east-2a" in n for n in t.notes)
    # the node's own address still reaches it, and it has nowhere to send the connection
    t = e.trace("i-0c8ce8bbdd98cc4e8", "10.1.20.123", "tcp", 80)
    assert t.verdict is Verdict.REJECT and t.blocked_by is not None
    assert t.blocked_by.code == "ELB_NOT_CROSSZONE"


def test_dns_fails_open_when_no_zone_is_healthy(tmp_path: Path) -> None:
    both = health(("i-0f4af951d61a19245", "unhealthy"), ("i-055b0db7be365202c", "unhealthy"))
    t = Engine(_batfish_cross_zone_off(tmp_path, both)).trace("i-0c8ce8bbdd98cc4e8", "test-lb", "tcp", 80)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis  # every node, each to its own zone's target
    assert not any("leaves out" in n for n in t.notes)
    assert any("every way the flow can go accepts (2)" in n for n in t.notes)


def test_alb_target_group_cross_zone_off_and_an_unhealthy_zone(tmp_path: Path) -> None:
    snap = variant(
        tmp_path,
        tg_attribute("load_balancing.cross_zone.enabled", "false"),
        health(("i-0c1b2c3d4e5f00052", "unhealthy")),
    )
    doc_t = Engine(snap).trace(CLIENT, "my-alb", "tcp", 443)
    assert doc_t.verdict is Verdict.ACCEPT, doc_t.diagnosis
    assert any("leaves out the node in us-east-1b" in n for n in doc_t.notes)


# -- IPv6 -------------------------------------------------------------------------------------------------


def _dualstack(docs: Docs) -> None:
    v = docs["Vpcs.json"]["Vpcs"][0]
    v["Ipv6CidrBlockAssociationSet"] = [
        {
            "AssociationId": "vpc-cidr-assoc-6",
            "Ipv6CidrBlock": "2600:1f18:1::/56",
            "Ipv6CidrBlockState": {"State": "associated"},
        }
    ]
    for i, sn in enumerate(docs["Subnets.json"]["Subnets"]):
        sn["Ipv6CidrBlockAssociationSet"] = [
            {
                "AssociationId": f"subnet-cidr-assoc-{i}",
                "Ipv6CidrBlock": f"2600:1f18:1:{i}::/64",
                "Ipv6CidrBlockState": {"State": "associated"},
            }
        ]
    idx = {sn["SubnetId"]: i for i, sn in enumerate(docs["Subnets.json"]["Subnets"])}
    for e in docs["NetworkInterfaces.json"]["NetworkInterfaces"]:
        if e["Description"].startswith("ELB "):
            e["Ipv6Addresses"] = [{"Ipv6Address": f"2600:1f18:1:{idx[e['SubnetId']]}::10"}]
    docs["LoadBalancers.json"]["LoadBalancers"][0]["IpAddressType"] = "dualstack"
    for rt in docs["RouteTables.json"]["RouteTables"]:
        if any(r.get("GatewayId", "").startswith("igw-") for r in rt["Routes"]):
            rt["Routes"].append(
                {
                    "DestinationIpv6CidrBlock": "::/0",
                    "GatewayId": "igw-0c1b2c3d4e5f00031",
                    "Origin": "CreateRoute",
                    "State": "active",
                }
            )
        rt["Routes"].append(
            {
                "DestinationIpv6CidrBlock": "2600:1f18:1::/56",
                "GatewayId": "local",
                "Origin": "CreateRouteTable",
                "State": "active",
            }
        )
    g = group(docs, SG_ALB)
    g["IpPermissions"][0]["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
    for acl in docs["NetworkAcls.json"]["NetworkAcls"]:
        for eg in (True, False):
            acl["Entries"].append(
                {
                    "Ipv6CidrBlock": "::/0",
                    "Egress": eg,
                    "Protocol": "-1",
                    "RuleAction": "allow",
                    "RuleNumber": 101,
                }
            )


def test_ipv6_client_to_a_dualstack_alb_reaches_ipv4_targets(tmp_path: Path) -> None:
    # the ALB terminates the client's IPv6 connection and opens its own IPv4 one to the targets
    # (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#ip-address-type)
    e = Engine(variant(tmp_path, _dualstack))
    t = e.trace("2001:db8::5", "my-alb", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    to_target = next(h for h in t.forward.hops if h.kind is HopKind.LOAD_BALANCER)
    assert "10.2.0.10" in to_target.detail or "10.2.1.10" in to_target.detail
    assert e.trace("2001:db8::5", "2600:1f18:1:0::10", "tcp", 443).verdict is Verdict.ACCEPT
    # the IPv4 client still gets the public IPv4 addresses
    assert e.trace(CLIENT, "my-alb", "tcp", 443).verdict is Verdict.ACCEPT


# -- NLB attributes ---------------------------------------------------------------------------------------

NLB_TG = "arn:aws:elasticloadbalancing:us-east-2:554773406868:targetgroup/test-lb-tg/8e891d8fcdf8ece8"
SERVER_1, SERVER_2 = "i-055b0db7be365202c", "i-0f4af951d61a19245"  # us-east-2b, us-east-2a


def _nlb_tg_attributes(**attrs: str) -> Callable[[Docs], None]:
    def edit(docs: Docs) -> None:
        docs["TargetGroupAttributes.json"] = {
            "TargetGroupAttributes": [
                {"TargetGroupArn": NLB_TG, "Attributes": [{"Key": k, "Value": v} for k, v in attrs.items()]}
            ]
        }

    return edit


def _reached(t: Any) -> set[str]:
    text = " ".join(t.notes) + " ".join(h.detail for h in t.forward.hops)
    return {i for i in (SERVER_1, SERVER_2) if i in text}


@pytest.mark.parametrize(
    ("value", "targets"),
    [
        ("use_load_balancer_configuration", {SERVER_1, SERVER_2}),
        ("false", {SERVER_1}),
        ("true", {SERVER_1, SERVER_2}),
    ],
)
def test_target_group_cross_zone_overrides_the_load_balancer(
    tmp_path: Path, value: str, targets: set[str]
) -> None:
    # the snapshot's NLB has cross-zone on; the target group may defer to it or turn it off
    # (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-cross-zone.html)
    if not BATFISH_LB.exists():
        pytest.skip("../shared/data/batfish-aws-tests is absent")
    attrs = {"load_balancing.cross_zone.enabled": value}
    snap = variant(tmp_path, _nlb_tg_attributes(**attrs), base=BATFISH_LB)
    t = Engine(snap).trace("i-0c8ce8bbdd98cc4e8", "10.1.1.237", "tcp", 80)  # the us-east-2b node
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert _reached(t) == targets


def test_hairpin_works_once_client_ip_preservation_is_off(tmp_path: Path) -> None:
    # the hairpin fails only because the target sees its own address as the source
    # (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-troubleshooting.html)
    if not BATFISH_LB.exists():
        pytest.skip("../shared/data/batfish-aws-tests is absent")
    snap = variant(tmp_path, _nlb_tg_attributes(**{"preserve_client_ip.enabled": "false"}), base=BATFISH_LB)
    t = Engine(snap).trace(SERVER_1, "10.1.1.237", "tcp", 80)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis


@pytest.mark.parametrize("state", ["provisioning", "failed"])
def test_load_balancer_not_active_forwards_nothing(tmp_path: Path, state: str) -> None:
    # only an active (or active_impaired) load balancer routes traffic
    # (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html)
    def edit(docs: Docs) -> None:
        docs["LoadBalancers.json"]["LoadBalancers"][0]["State"] = {"Code": state}

    t = Engine(variant(tmp_path, edit)).trace(CLIENT, "my-alb", "tcp", 443)
    assert t.verdict is Verdict.REJECT and t.blocked_by is not None
    assert t.blocked_by.code == "BAD_STATE" and state in t.blocked_by.detail
