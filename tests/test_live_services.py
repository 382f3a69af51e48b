"""``snapshot fetch`` for elbv2, Classic ELB, Network Firewall and WAF against a moto server on 127.0.0.1.

Expected values follow from the boto3 calls made here. moto answers describe-firewall but not
describe-firewall-policy: that call lands in ``report.skipped`` and the loader warns about the missing policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")

from vpcflow.engine.elb import select_targets  # noqa: E402
from vpcflow.engine.waf import evaluate_web_acl  # noqa: E402
from vpcflow.live import fetch_snapshot  # noqa: E402
from vpcflow.model import TCP, Address  # noqa: E402
from vpcflow.sources import load_snapshot  # noqa: E402

REGION = "eu-west-2"


@pytest.fixture(scope="module")
def session() -> Any:
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def _build(session: Any, endpoint: str) -> dict[str, str]:
    def client(name: str) -> Any:
        return session.client(name, endpoint_url=endpoint, region_name=REGION)

    ec2, elbv2, waf, nfw = client("ec2"), client("elbv2"), client("wafv2"), client("network-firewall")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    sub_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.0.0/24", AvailabilityZone=f"{REGION}a")["Subnet"][
        "SubnetId"
    ]
    sub_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24", AvailabilityZone=f"{REGION}b")["Subnet"][
        "SubnetId"
    ]
    sg = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    inst = ec2.run_instances(
        ImageId=ami, MinCount=1, MaxCount=1, SubnetId=sub_a, PrivateIpAddress="10.30.0.20"
    )["Instances"][0]["InstanceId"]
    lb = elbv2.create_load_balancer(
        Name="live-alb", Subnets=[sub_a, sub_b], SecurityGroups=[sg], Type="application"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(
        Name="live-tg", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": inst, "Port": 8080}])
    elbv2.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    visibility = {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "m"}
    ip_set = waf.create_ip_set(
        Name="blocked", Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=["198.51.100.7/32"]
    )["Summary"]["ARN"]
    acl = waf.create_web_acl(
        Name="live-acl",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig=visibility,
        Rules=[
            {
                "Name": "block-listed",
                "Priority": 0,
                "Statement": {"IPSetReferenceStatement": {"ARN": ip_set}},
                "Action": {"Block": {}},
                "VisibilityConfig": visibility,
            }
        ],
    )["Summary"]["ARN"]
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=lb)
    fw = nfw.create_firewall(
        FirewallName="live-fw",
        FirewallPolicyArn=f"arn:aws:network-firewall:{REGION}:123456789012:firewall-policy/p",
        VpcId=vpc,
        SubnetMappings=[{"SubnetId": sub_a}],
    )["Firewall"]["FirewallArn"]
    return {"lb": lb, "tg": tg, "acl": acl, "ip_set": ip_set, "instance": inst, "firewall": fw}


def test_fetch_load_balancers_waf_and_firewalls(tmp_path: Path, moto_endpoint: str, session: Any) -> None:
    ids = _build(session, moto_endpoint)
    report = fetch_snapshot(tmp_path, [REGION], session=session, endpoint_url=moto_endpoint)
    assert report.counts["LoadBalancers"] == 1 and report.counts["TargetGroups"] == 1
    assert report.counts["WebACL"] == 1 and report.counts["IPSet"] == 1 and report.counts["Firewall"] == 1
    assert report.counts["WebACLAssociations"] == 1
    assert any("describe_firewall_policy" in s for s in report.skipped)

    snap = load_snapshot(tmp_path)
    elb = snap.load_balancing
    lb = elb.find("live-alb")
    assert lb is not None and lb.arn == ids["lb"] and lb.type.value == "application"
    assert [li.port for li in elb.listeners_of(lb.arn)] == [80]
    assert [h.target_id for h in elb.target_health[ids["tg"]]] == [ids["instance"]]
    assert elb.target_groups[ids["tg"]].has_attributes
    sel = select_targets(snap, lb, TCP, 80, None)
    assert [t.health.target_id for t in sel.targets] == [ids["instance"]] and sel.targets[0].port == 8080

    acl = snap.waf.web_acl_for(ids["lb"])
    assert acl is not None and acl.arn == ids["acl"]
    assert evaluate_web_acl(acl, Address.parse("198.51.100.7"), snap.waf).action == "BLOCK"
    assert evaluate_web_acl(acl, Address.parse("203.0.113.1"), snap.waf).action == "ALLOW"

    fw = snap.network_firewall.firewalls[ids["firewall"]]
    assert fw.name == "live-fw"
    assert any(w.code == "UNRESOLVED_FIREWALL_POLICY" and w.resource_id == fw.arn for w in snap.warnings)


def test_fetch_gateway_load_balancer_and_its_endpoint_service(
    tmp_path: Path, moto_endpoint: str, session: Any
) -> None:
    """describe-vpc-endpoint-service-configurations says which Gateway Load Balancer serves a service;
    elbv2 gives the load balancer, its GENEVE target group and the appliances' health."""

    def client(name: str) -> Any:
        return session.client(name, endpoint_url=moto_endpoint, region_name=REGION)

    ec2, elbv2 = client("ec2"), client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.0.0/24", AvailabilityZone=f"{REGION}a")["Subnet"][
        "SubnetId"
    ]
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    appliance = ec2.run_instances(
        ImageId=ami, MinCount=1, MaxCount=1, SubnetId=sub, PrivateIpAddress="10.40.0.30"
    )["Instances"][0]["InstanceId"]
    gwlb = elbv2.create_load_balancer(Name="live-gwlb", Subnets=[sub], Type="gateway")["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    tg = elbv2.create_target_group(
        Name="appliances", Protocol="GENEVE", Port=6081, VpcId=vpc, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": appliance}])
    elbv2.create_listener(LoadBalancerArn=gwlb, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    service = ec2.create_vpc_endpoint_service_configuration(GatewayLoadBalancerArns=[gwlb])[
        "ServiceConfiguration"
    ]

    report = fetch_snapshot(tmp_path, [REGION], session=session, endpoint_url=moto_endpoint)
    assert report.counts["ServiceConfigurations"] >= 1
    snap = load_snapshot(tmp_path)
    config = snap.endpoint_services[service["ServiceId"]]
    assert config.gateway_load_balancer_arns == (gwlb,) and config.available
    assert snap.endpoint_service(service["ServiceName"]) == config
    lb = snap.load_balancing.load_balancers[gwlb]
    assert lb.type.value == "gateway"
    assert [li.port for li in snap.load_balancing.listeners_of(gwlb)] == [None]
    group = snap.load_balancing.target_groups[tg]
    assert (group.protocol, group.port) == ("GENEVE", 6081)
    assert [h.target_id for h in snap.load_balancing.target_health[tg]] == [appliance]
    sel = select_targets(snap, lb, TCP, 443, f"{REGION}a")
    assert [t.health.target_id for t in sel.targets] == [appliance] and sel.targets[0].port == 6081
