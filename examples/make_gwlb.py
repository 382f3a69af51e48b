"""The ``gwlb`` example snapshot (written by ``make_examples.py``): inspection with a Gateway Load Balancer.

AWS's documented deployment (https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/getting-started.html):
a service consumer VPC whose internet gateway's edge route table sends what enters for the application
subnet to a Gateway Load Balancer endpoint, whose application subnet's default route goes back through the
endpoint, and whose endpoint subnet routes to the internet gateway; a service provider VPC with the Gateway
Load Balancer (two zones, cross-zone off), its GENEVE target group and two appliances, one per zone. The
appliances' security group admits GENEVE (UDP 6081) and health checks (TCP 80) from the load balancer's
subnets; their subnets' network ACL admits GENEVE both ways.
"""

from __future__ import annotations

from typing import Any

from make_examples import (
    ACCOUNT,
    ALLOW_ALL_ENTRIES,
    ELB,
    REGION,
    _acl,
    _edge_rtb,
    _eni,
    _entry,
    _instance,
    _perm,
    _route,
    _rtb,
    _sg,
    _subnet,
    _tags,
    _vpc,
)


def gwlb() -> dict[str, dict[str, Any]]:
    consumer, provider = "vpc-0e00000000000c001", "vpc-0e00000000000p001"
    ep_sub, app_sub = "subnet-0e0000000000c011", "subnet-0e0000000000c012"
    lb_a, lb_b = "subnet-0e0000000000p011", "subnet-0e0000000000p012"
    fw_a, fw_b = "subnet-0e0000000000p021", "subnet-0e0000000000p022"
    igw, vpce = "igw-0e00000000000c001", "vpce-0e00000000000c001"
    svc_id = "vpce-svc-0e00000000000p001"
    svc_name = f"com.amazonaws.vpce.{REGION}.{svc_id}"
    sg_web, sg_fw = "sg-0e0000000000c0a1", "sg-0e0000000000p0a1"
    lb_id = "gwy/appliance-gwlb/8a2f1c0e9d7b6a55"
    lb_arn = f"{ELB}:loadbalancer/{lb_id}"
    tg_arn = f"{ELB}:targetgroup/appliances/3c1e5f7a9b2d4e60"
    listener_arn = f"{ELB}:listener/{lb_id}/6d4b2a1c0e9f8a77"
    a, b = f"{REGION}a", f"{REGION}b"
    web = _eni(
        "eni-0e0000000000c0a01", app_sub, consumer, "10.4.1.10", [(sg_web, "web-sg")],
        public="203.0.113.40", instance="i-0e0000000000c0a01",
    )  # fmt: skip
    ep_eni = _eni(
        "eni-0e0000000000c0e01", ep_sub, consumer, "10.4.0.5", [],
        desc=f"VPC Endpoint Interface {vpce}", kind="gateway_load_balancer_endpoint", requester=True,
    )  # fmt: skip
    nodes = [
        _eni(
            eni_id,
            sub,
            provider,
            ip,
            [],
            desc=f"ELB {lb_id}",
            kind="gateway_load_balancer",
            requester=True,
            az=az,
        )
        for eni_id, sub, ip, az in (
            ("eni-0e0000000000p0b01", lb_a, "10.5.0.20", a),
            ("eni-0e0000000000p0b02", lb_b, "10.5.1.20", b),
        )
    ]
    fw1 = _eni(
        "eni-0e0000000000p0f01", fw_a, provider, "10.5.10.10", [(sg_fw, "appliance-sg")],
        instance="i-0e0000000000p0f01", az=a,
    )  # fmt: skip
    fw2 = _eni(
        "eni-0e0000000000p0f02", fw_b, provider, "10.5.11.10", [(sg_fw, "appliance-sg")],
        instance="i-0e0000000000p0f02", az=b,
    )  # fmt: skip
    edge = _edge_rtb(
        "rtb-0e0000000000c0e01",
        consumer,
        igw,
        "rtbassoc-0e000000000c0e01",
        [_route("10.4.0.0/16", GatewayId="local"), _route("10.4.1.0/24", GatewayId=vpce)],
    )
    subnets = [
        _subnet(ep_sub, consumer, "10.4.0.0/28", a, "gwlb-endpoint"),
        _subnet(app_sub, consumer, "10.4.1.0/24", a, "application"),
        _subnet(lb_a, provider, "10.5.0.0/24", a, "gwlb-a"),
        _subnet(lb_b, provider, "10.5.1.0/24", b, "gwlb-b"),
        _subnet(fw_a, provider, "10.5.10.0/24", a, "appliances-a"),
        _subnet(fw_b, provider, "10.5.11.0/24", b, "appliances-b"),
    ]
    appliance_acl = [
        _entry(100, False, "17", "10.5.0.0/23", "allow", (6081, 6081)),
        _entry(110, False, "6", "10.5.0.0/23", "allow", (80, 80)),
        _entry(100, True, "17", "10.5.0.0/23", "allow", (6081, 6081)),
        _entry(110, True, "6", "10.5.0.0/23", "allow", (1024, 65535)),
    ]
    return {
        "Vpcs.json": {
            "Vpcs": [_vpc(consumer, "10.4.0.0/16", "consumer"), _vpc(provider, "10.5.0.0/16", "provider")]
        },
        "Subnets.json": {"Subnets": subnets},
        "SecurityGroups.json": {
            "SecurityGroups": [
                _sg(
                    sg_web,
                    "web-sg",
                    consumer,
                    "web server",
                    [_perm("tcp", 443, 443, cidrs=("0.0.0.0/0",), desc="HTTPS")],
                ),
                _sg(
                    sg_fw,
                    "appliance-sg",
                    provider,
                    "inspection appliances",
                    [
                        _perm("udp", 6081, 6081, cidrs=("10.5.0.0/23",), desc="GENEVE from the GWLB"),
                        _perm("tcp", 80, 80, cidrs=("10.5.0.0/23",), desc="health checks"),
                    ],
                ),
            ]
        },
        "NetworkAcls.json": {
            "NetworkAcls": [
                _acl("acl-0e0000000000c001", consumer, [ep_sub, app_sub], ALLOW_ALL_ENTRIES, True, "default"),
                _acl("acl-0e0000000000p001", provider, [lb_a, lb_b], ALLOW_ALL_ENTRIES, True, "default"),
                _acl("acl-0e0000000000p002", provider, [fw_a, fw_b], appliance_acl, False, "appliances"),
            ]
        },
        "RouteTables.json": {
            "RouteTables": [
                edge,
                _rtb(
                    "rtb-0e0000000000c0e02",
                    consumer,
                    [ep_sub],
                    [_route("10.4.0.0/16", GatewayId="local"), _route("0.0.0.0/0", GatewayId=igw)],
                    False,
                    "gwlb-endpoint",
                ),
                _rtb(
                    "rtb-0e0000000000c0a01",
                    consumer,
                    [app_sub],
                    [_route("10.4.0.0/16", GatewayId="local"), _route("0.0.0.0/0", GatewayId=vpce)],
                    True,
                    "application",
                ),
                _rtb(
                    "rtb-0e0000000000p001",
                    provider,
                    [],
                    [_route("10.5.0.0/16", GatewayId="local")],
                    True,
                    "provider",
                ),
            ]
        },
        "InternetGateways.json": {
            "InternetGateways": [
                {
                    "Attachments": [{"State": "available", "VpcId": consumer}],
                    "InternetGatewayId": igw,
                    "OwnerId": ACCOUNT,
                    "Tags": _tags("igw"),
                }
            ]
        },
        "NetworkInterfaces.json": {"NetworkInterfaces": [web, ep_eni, *nodes, fw1, fw2]},
        "Reservations.json": {
            "Reservations": [
                {
                    "ReservationId": f"r-0e0000000000000{i}",
                    "OwnerId": ACCOUNT,
                    "Groups": [],
                    "Instances": [_instance(iid, eni, name, public=public)],
                }
                for i, (iid, eni, name, public) in enumerate(
                    (
                        ("i-0e0000000000c0a01", web, "web", "203.0.113.40"),
                        ("i-0e0000000000p0f01", fw1, "appliance-1", None),
                        ("i-0e0000000000p0f02", fw2, "appliance-2", None),
                    )
                )
            ]
        },
        # the consumer's endpoint (describe-vpc-endpoints) ...
        "VpcEndpoints.json": {
            "VpcEndpoints": [
                {
                    "VpcEndpointId": vpce,
                    "VpcEndpointType": "GatewayLoadBalancer",
                    "VpcId": consumer,
                    "ServiceName": svc_name,
                    "State": "available",
                    "RouteTableIds": [],
                    "SubnetIds": [ep_sub],
                    "Groups": [],
                    "NetworkInterfaceIds": [ep_eni["NetworkInterfaceId"]],
                    "RequesterManaged": False,
                    "OwnerId": ACCOUNT,
                    "IpAddressType": "ipv4",
                }
            ]
        },
        # ... and the provider's service (describe-vpc-endpoint-service-configurations)
        "ServiceConfigurations.json": {
            "ServiceConfigurations": [
                {
                    "ServiceType": [{"ServiceType": "GatewayLoadBalancer"}],
                    "ServiceId": svc_id,
                    "ServiceName": svc_name,
                    "ServiceState": "Available",
                    "AvailabilityZones": [a, b],
                    "AcceptanceRequired": False,
                    "ManagesVpcEndpoints": False,
                    "GatewayLoadBalancerArns": [lb_arn],
                    "SupportedIpAddressTypes": ["ipv4"],
                    "Tags": [],
                }
            ]
        },
        "LoadBalancers.json": {
            "LoadBalancers": [
                {
                    "LoadBalancerArn": lb_arn,
                    "CreatedTime": "2026-11-01T10:00:00+00:00",
                    "LoadBalancerName": "appliance-gwlb",
                    "VpcId": provider,
                    "State": {"Code": "active"},
                    "Type": "gateway",
                    "AvailabilityZones": [
                        {"ZoneName": a, "SubnetId": lb_a, "LoadBalancerAddresses": []},
                        {"ZoneName": b, "SubnetId": lb_b, "LoadBalancerAddresses": []},
                    ],
                    "IpAddressType": "ipv4",
                }
            ]
        },
        # a Gateway Load Balancer's listener has no port or protocol: it takes every packet
        "Listeners.json": {
            "Listeners": [
                {
                    "ListenerArn": listener_arn,
                    "LoadBalancerArn": lb_arn,
                    "DefaultActions": [
                        {
                            "Type": "forward",
                            "TargetGroupArn": tg_arn,
                            "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tg_arn}]},
                        }
                    ],
                }
            ]
        },
        "TargetGroups.json": {
            "TargetGroups": [
                {
                    "TargetGroupArn": tg_arn,
                    "TargetGroupName": "appliances",
                    "Protocol": "GENEVE",
                    "Port": 6081,
                    "VpcId": provider,
                    "HealthCheckProtocol": "TCP",
                    "HealthCheckPort": "80",
                    "HealthCheckEnabled": True,
                    "HealthCheckIntervalSeconds": 10,
                    "HealthCheckTimeoutSeconds": 5,
                    "HealthyThresholdCount": 3,
                    "UnhealthyThresholdCount": 3,
                    "LoadBalancerArns": [lb_arn],
                    "TargetType": "instance",
                }
            ]
        },
        "LoadBalancerTargetHealth.json": {
            "LoadBalancerTargetHealth": [
                {
                    "TargetGroupArn": tg_arn,
                    "TargetHealthDescriptions": [
                        {
                            "Target": {"Id": iid, "Port": 6081, "AvailabilityZone": az},
                            "HealthCheckPort": "80",
                            "TargetHealth": {"State": "healthy"},
                        }
                        for iid, az in (("i-0e0000000000p0f01", a), ("i-0e0000000000p0f02", b))
                    ],
                }
            ]
        },
        "LoadBalancerAttributes.json": {
            "LoadBalancerAttributes": [
                {
                    "LoadBalancerArn": lb_arn,
                    "Attributes": [
                        {"Key": "deletion_protection.enabled", "Value": "false"},
                        {"Key": "load_balancing.cross_zone.enabled", "Value": "false"},
                    ],
                }
            ]
        },
        "TargetGroupAttributes.json": {
            "TargetGroupAttributes": [
                {
                    "TargetGroupArn": tg_arn,
                    "Attributes": [
                        {"Key": "deregistration_delay.timeout_seconds", "Value": "300"},
                        {"Key": "target_failover.on_deregistration", "Value": "no_rebalance"},
                        {"Key": "target_failover.on_unhealthy", "Value": "no_rebalance"},
                    ],
                }
            ]
        },
    }
