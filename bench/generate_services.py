"""``bench.generate``'s estate (scale 1: 1,000 ENIs, 300 SGs, 3,000 rules, 50 NACLs) with what issue 10
adds on the path, as raw describe-* JSON the real loader reads:

- 20 load balancers (10 ALBs with a web ACL, 10 NLBs without security groups), internet-facing, a node in
  each of two subnets (two AZs), one or two listeners, a target group of 2-4 instance targets (one in
  four unhealthy);
- an AWS Network Firewall in the distributed model: a firewall subnet and endpoint, the first ten
  subnets' default route through it, the internet gateway's edge route table sending what enters for them
  to it; a policy with stateless rules and stateful rules in both forms (5-tuple and Suricata strings).

Same seed ⇒ same documents. ``services(scale, seed)`` returns (documents, load balancer names, subnets
behind the firewall).
"""

from __future__ import annotations

import random
from typing import Any

from bench.generate import ACCOUNT, IGW, VPC, documents

Json = dict[str, Any]
REGION = "us-east-1"
ELB = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}"
NFW = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}"
WAF = f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional"
SG_LB = "sg-0c0000000000000001"
FW_SUBNET = "subnet-0c0000000000000f1"
VPCE = "vpce-0c00000000000f001"
INSPECTED = 10  # subnets whose traffic crosses the firewall


def _route(cidr: str, **target: str) -> Json:
    return {"DestinationCidrBlock": cidr, **target, "State": "active", "Origin": "CreateRoute"}


def _fleet(
    docs: dict[str, Json], k: int, port: int, alb: bool, subnets: list[str], cidrs: dict[str, str]
) -> list[Json]:
    """Four instances behind load balancer ``k``: two per app subnet, one security group of their own."""
    gid = f"sg-0c00000000000{k:04x}"
    peer = (
        {"UserIdGroupPairs": [{"GroupId": SG_LB}], "IpRanges": []}
        if alb
        else {"UserIdGroupPairs": [], "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    )  # an NLB keeps the client's address
    docs["SecurityGroups.json"]["SecurityGroups"].append(
        {
            "GroupId": gid,
            "GroupName": f"fleet-{k}",
            "Description": "fleet",
            "VpcId": VPC,
            "OwnerId": ACCOUNT,
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "Ipv6Ranges": [],
                    "PrefixListIds": [],
                    **peer,
                }
            ],
            "IpPermissionsEgress": [
                {
                    "IpProtocol": "-1",
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                    "Ipv6Ranges": [],
                    "PrefixListIds": [],
                    "UserIdGroupPairs": [],
                }
            ],
        }
    )
    out = []
    for j in range(4):
        sub = subnets[j % 2]
        ip = cidrs[sub].replace("0/24", str(10 + 4 * k + j))
        eni_id, iid = f"eni-0c1{k:012x}{j:02x}", f"i-0c1{k:012x}{j:02x}"
        eni = {
            "NetworkInterfaceId": eni_id,
            "SubnetId": sub,
            "VpcId": VPC,
            "Description": "",
            "AvailabilityZone": "us-east-1a" if j % 2 == 0 else "us-east-1b",
            "InterfaceType": "interface",
            "OwnerId": ACCOUNT,
            "RequesterManaged": False,
            "SourceDestCheck": True,
            "Status": "in-use",
            "PrivateIpAddress": ip,
            "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
            "Ipv6Addresses": [],
            "Groups": [{"GroupId": gid, "GroupName": f"fleet-{k}"}],
            "Attachment": {"DeviceIndex": 0, "InstanceId": iid, "Status": "attached"},
        }
        docs["NetworkInterfaces.json"]["NetworkInterfaces"].append(eni)
        inst = {
            "InstanceId": iid,
            "InstanceType": "t3.micro",
            "State": {"Code": 16, "Name": "running"},
            "SubnetId": sub,
            "VpcId": VPC,
            "PrivateIpAddress": ip,
            "NetworkInterfaces": [
                {k: v for k, v in eni.items() if k not in ("AvailabilityZone", "RequesterManaged")}
            ],
            "SecurityGroups": eni["Groups"],
        }
        docs["Reservations.json"]["Reservations"].append(
            {"ReservationId": f"r-0c1{k:012x}{j:02x}", "Instances": [inst]}
        )
        out.append(inst)
    return out


def _two_zone_subnets(docs: dict[str, Any], cidrs: dict[str, str], subnets: list[str], octet: int) -> None:
    """Two subnets of the VPC, 10.0.<octet>.0/24 in us-east-1a and the next /24 in us-east-1b."""
    for i, sub in enumerate(subnets):
        cidr = f"10.0.{octet + i}.0/24"
        docs["Subnets.json"]["Subnets"].append(
            {
                "SubnetId": sub,
                "VpcId": VPC,
                "CidrBlock": cidr,
                "OwnerId": ACCOUNT,
                "AvailabilityZone": "us-east-1a" if i == 0 else "us-east-1b",
                "State": "available",
            }
        )
        cidrs[sub] = cidr


def services(scale: float = 1, seed: int = 0) -> tuple[dict[str, Json], list[str], list[str]]:
    docs = documents(scale, seed)
    rng = random.Random(seed + 10)
    subnets = [s["SubnetId"] for s in docs["Subnets.json"]["Subnets"]]
    cidrs = {s["SubnetId"]: s["CidrBlock"] for s in docs["Subnets.json"]["Subnets"]}

    docs["SecurityGroups.json"]["SecurityGroups"].append(
        {
            "GroupId": SG_LB,
            "GroupName": "bench-lb",
            "Description": "load balancers",
            "VpcId": VPC,
            "OwnerId": ACCOUNT,
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": p,
                    "ToPort": p,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                    "Ipv6Ranges": [],
                    "PrefixListIds": [],
                    "UserIdGroupPairs": [],
                }
                for p in (80, 443)
            ],
            "IpPermissionsEgress": [
                {
                    "IpProtocol": "-1",
                    "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
                    "Ipv6Ranges": [],
                    "PrefixListIds": [],
                    "UserIdGroupPairs": [],
                }
            ],
        }
    )
    # the load balancers' nodes in two public subnets of their own (two AZs), open NACL
    lb_subnets = ["subnet-0c0000000000000a1", "subnet-0c0000000000000b1"]
    _two_zone_subnets(docs, cidrs, lb_subnets, 251)
    open_entries = [
        {"RuleNumber": n, "Protocol": "-1", "RuleAction": a, "Egress": e, "CidrBlock": "0.0.0.0/0"}
        for e in (False, True)
        for n, a in ((100, "allow"), (32767, "deny"))
    ]
    docs["NetworkAcls.json"]["NetworkAcls"].append(
        {
            "NetworkAclId": "acl-0c0000000000000001",
            "VpcId": VPC,
            "IsDefault": False,
            "OwnerId": ACCOUNT,
            "Entries": open_entries,
            "Associations": [
                {
                    "NetworkAclAssociationId": f"aclassoc-0c0{i}",
                    "NetworkAclId": "acl-0c0000000000000001",
                    "SubnetId": sub,
                }
                for i, sub in enumerate(lb_subnets)
            ],
        }
    )
    # their targets: a fleet per load balancer (an Auto Scaling group's shape: two instances in each of
    # two app subnets, one security group admitting the load balancer), NACL open inside the VPC
    app_subnets = ["subnet-0c0000000000000a2", "subnet-0c0000000000000b2"]
    _two_zone_subnets(docs, cidrs, app_subnets, 253)
    app_entries = [
        {"RuleNumber": n, "Protocol": "-1", "RuleAction": a, "Egress": e, "CidrBlock": c}
        for e in (False, True)
        for n, a, c in (
            (100, "allow", "10.0.0.0/16"),
            (110, "allow", "0.0.0.0/0"),
            (32767, "deny", "0.0.0.0/0"),
        )
    ]
    docs["NetworkAcls.json"]["NetworkAcls"].append(
        {
            "NetworkAclId": "acl-0c0000000000000002",
            "VpcId": VPC,
            "IsDefault": False,
            "OwnerId": ACCOUNT,
            "Entries": app_entries,
            "Associations": [
                {
                    "NetworkAclAssociationId": f"aclassoc-0c1{i}",
                    "NetworkAclId": "acl-0c0000000000000002",
                    "SubnetId": sub,
                }
                for i, sub in enumerate(app_subnets)
            ],
        }
    )
    lbs, listeners, tgs, health, lb_attrs, enis = [], [], [], [], [], docs["NetworkInterfaces.json"]
    names: list[str] = []
    for k in range(20):
        alb = k < 10
        name = f"bench-{'alb' if alb else 'nlb'}-{k}"
        short = f"{'app' if alb else 'net'}/{name}/{k:016x}"
        arn = f"{ELB}:loadbalancer/{short}"
        tg_arn = f"{ELB}:targetgroup/{name}-tg/{k:016x}"
        zones = []
        for z, sub in enumerate(lb_subnets):
            ip = cidrs[sub].replace("0/24", f"{10 + k}")
            public = f"203.0.113.{10 + 2 * k + z}"
            assoc = {"IpOwnerId": "amazon", "PublicDnsName": "", "PublicIp": public}
            enis["NetworkInterfaces"].append(
                {
                    "NetworkInterfaceId": f"eni-0c{k:013x}{z:02x}",
                    "SubnetId": sub,
                    "VpcId": VPC,
                    "AvailabilityZone": "us-east-1a" if z == 0 else "us-east-1b",
                    "Description": f"ELB {short}",
                    "InterfaceType": "interface" if alb else "network_load_balancer",
                    "OwnerId": ACCOUNT,
                    "RequesterManaged": True,
                    "SourceDestCheck": True,
                    "Status": "in-use",
                    "PrivateIpAddress": ip,
                    "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip, "Association": assoc}],
                    "Association": assoc,
                    "Ipv6Addresses": [],
                    "Groups": [{"GroupId": SG_LB, "GroupName": "bench-lb"}] if alb else [],
                }
            )
            zones.append(
                {
                    "ZoneName": "us-east-1a" if z == 0 else "us-east-1b",
                    "SubnetId": sub,
                    "LoadBalancerAddresses": [],
                }
            )
        lbs.append(
            {
                "LoadBalancerArn": arn,
                "DNSName": f"{name}-{k}.{REGION}.elb.amazonaws.com",
                "LoadBalancerName": name,
                "Scheme": "internet-facing",
                "VpcId": VPC,
                "State": {"Code": "active"},
                "Type": "application" if alb else "network",
                "AvailabilityZones": zones,
                "SecurityGroups": [SG_LB] if alb else [],
                "IpAddressType": "ipv4",
            }
        )
        ports = [443] if k % 2 else [80, 443]
        listeners.append(
            {
                "LoadBalancerArn": arn,
                "Listeners": [
                    {
                        "ListenerArn": f"{ELB}:listener/{short}/{p:016x}",
                        "LoadBalancerArn": arn,
                        "Port": p,
                        "Protocol": ("HTTPS" if p == 443 else "HTTP") if alb else "TCP",
                        "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg_arn}],
                    }
                    for p in ports
                ],
            }
        )
        port = rng.choice([80, 443, 8080, 8443])
        tgs.append(
            {
                "TargetGroupArn": tg_arn,
                "TargetGroupName": f"{name}-tg",
                "Protocol": "HTTP" if alb else "TCP",
                "Port": port,
                "VpcId": VPC,
                "HealthCheckPort": "traffic-port",
                "HealthCheckEnabled": True,
                "TargetType": "instance",
                "LoadBalancerArns": [arn],
            }
        )
        targets = _fleet(docs, k, port, alb, app_subnets, cidrs)
        health.append(
            {
                "TargetGroupArn": tg_arn,
                "TargetHealthDescriptions": [
                    {
                        "Target": {"Id": t["InstanceId"], "Port": port},
                        "TargetHealth": {"State": "unhealthy" if rng.random() < 0.25 else "healthy"},
                    }
                    for t in targets
                ],
            }
        )
        lb_attrs.append(
            {
                "LoadBalancerArn": arn,
                "Attributes": [{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}],
            }
        )
        names.append(name)
    docs["LoadBalancers.json"] = {"LoadBalancers": lbs}
    docs["LoadBalancerListeners.json"] = {"LoadBalancerListeners": listeners}
    docs["TargetGroups.json"] = {"TargetGroups": tgs}
    docs["LoadBalancerTargetHealth.json"] = {"LoadBalancerTargetHealth": health}
    docs["LoadBalancerAttributes.json"] = {"LoadBalancerAttributes": lb_attrs}
    ip_set = f"{WAF}/ipset/bench-blocked/0001"
    for k in range(10):
        lb_arn = lbs[k]["LoadBalancerArn"]
        docs[f"WebACL.bench-{k}.json"] = {
            "ResourceArn": lb_arn,
            "WebACL": {
                "Name": f"bench-acl-{k}",
                "Id": f"{k:04d}",
                "ARN": f"{WAF}/webacl/bench-acl-{k}/{k:04d}",
                "DefaultAction": {"Allow": {}},
                "Rules": [
                    {
                        "Name": "blocked",
                        "Priority": 0,
                        "Statement": {"IPSetReferenceStatement": {"ARN": ip_set}},
                        "Action": {"Block": {}},
                    },
                    {
                        "Name": "rate",
                        "Priority": 1,
                        "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}},
                        "Action": {"Block": {}},
                    },
                ],
            },
        }
    docs["IPSet.bench-blocked.json"] = {
        "IPSet": {
            "Name": "bench-blocked",
            "Id": "0001",
            "ARN": ip_set,
            "IPAddressVersion": "IPV4",
            "Addresses": ["198.51.100.0/26", "192.0.2.128/25"],
        }
    }

    # the firewall: a subnet and an endpoint; the first subnets routed through it, both ways
    docs["Subnets.json"]["Subnets"].append(
        {
            "SubnetId": FW_SUBNET,
            "VpcId": VPC,
            "CidrBlock": "10.0.250.0/28",
            "AvailabilityZone": "us-east-1a",
            "OwnerId": ACCOUNT,
            "State": "available",
        }
    )
    inspected = subnets[:INSPECTED]
    tables = docs["RouteTables.json"]["RouteTables"]
    local = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}
    tables.append(
        {
            "RouteTableId": "rtb-0c0000000000000001",
            "VpcId": VPC,
            "OwnerId": ACCOUNT,
            "Associations": [{"SubnetId": s, "AssociationState": {"State": "associated"}} for s in inspected],
            "Routes": [local, _route("0.0.0.0/0", GatewayId=VPCE)],
        }
    )
    tables.append(
        {
            "RouteTableId": "rtb-0c0000000000000002",
            "VpcId": VPC,
            "OwnerId": ACCOUNT,
            "Associations": [{"SubnetId": FW_SUBNET, "AssociationState": {"State": "associated"}}],
            "Routes": [local, _route("0.0.0.0/0", GatewayId=IGW)],
        }
    )
    tables.append(
        {
            "RouteTableId": "rtb-0c0000000000000003",
            "VpcId": VPC,
            "OwnerId": ACCOUNT,
            "Associations": [{"GatewayId": IGW, "AssociationState": {"State": "associated"}}],
            "Routes": [local] + [_route(cidrs[s], GatewayId=VPCE) for s in inspected],
        }
    )
    acl0 = docs["NetworkAcls.json"]["NetworkAcls"][0]
    acl0["Associations"].append(
        {
            "NetworkAclAssociationId": "aclassoc-0c01",
            "NetworkAclId": acl0["NetworkAclId"],
            "SubnetId": FW_SUBNET,
        }
    )
    policy, sl, sf, sr = (
        f"{NFW}:firewall-policy/bench",
        f"{NFW}:stateless-rulegroup/bench-sl",
        f"{NFW}:stateful-rulegroup/bench-5tuple",
        f"{NFW}:stateful-rulegroup/bench-suricata",
    )
    docs["VpcEndpoints.json"] = {
        "VpcEndpoints": [
            {
                "VpcEndpointId": VPCE,
                "VpcEndpointType": "GatewayLoadBalancer",
                "VpcId": VPC,
                "State": "available",
                "ServiceName": f"com.amazonaws.vpce.{REGION}.vpce-svc-0c0000000000001",
                "SubnetIds": [FW_SUBNET],
                "RouteTableIds": [],
                "Groups": [],
                "NetworkInterfaceIds": [],
            }
        ]
    }
    docs["Firewall.bench.json"] = {
        "Firewall": {
            "FirewallName": "bench",
            "FirewallArn": f"{NFW}:firewall/bench",
            "FirewallPolicyArn": policy,
            "VpcId": VPC,
            "SubnetMappings": [{"SubnetId": FW_SUBNET}],
        },
        "FirewallStatus": {
            "Status": "READY",
            "SyncStates": {
                "us-east-1a": {"Attachment": {"SubnetId": FW_SUBNET, "EndpointId": VPCE, "Status": "READY"}}
            },
        },
    }
    docs["FirewallPolicy.bench.json"] = {
        "FirewallPolicyResponse": {"FirewallPolicyName": "bench", "FirewallPolicyArn": policy},
        "FirewallPolicy": {
            "StatelessRuleGroupReferences": [{"ResourceArn": sl, "Priority": 1}],
            "StatelessDefaultActions": ["aws:forward_to_sfe"],
            "StatelessFragmentDefaultActions": ["aws:drop"],
            "StatefulRuleGroupReferences": [{"ResourceArn": sf}, {"ResourceArn": sr}],
        },
    }
    docs["RuleGroup.bench-sl.json"] = {
        "RuleGroupResponse": {"RuleGroupArn": sl, "RuleGroupName": "bench-sl", "Type": "STATELESS"},
        "RuleGroup": {
            "RulesSource": {
                "StatelessRulesAndCustomActions": {
                    "StatelessRules": [
                        {
                            "Priority": 1,
                            "RuleDefinition": {
                                "MatchAttributes": {"Sources": [{"AddressDefinition": "192.0.2.0/24"}]},
                                "Actions": ["aws:drop"],
                            },
                        },
                        {
                            "Priority": 2,
                            "RuleDefinition": {
                                "MatchAttributes": {
                                    "Protocols": [17],
                                    "DestinationPorts": [{"FromPort": 53, "ToPort": 53}],
                                },
                                "Actions": ["aws:pass"],
                            },
                        },
                    ]
                }
            }
        },
    }
    docs["RuleGroup.bench-5tuple.json"] = {
        "RuleGroupResponse": {"RuleGroupArn": sf, "RuleGroupName": "bench-5tuple", "Type": "STATEFUL"},
        "RuleGroup": {
            "RulesSource": {
                "StatefulRules": [
                    {
                        "Action": "DROP",
                        "Header": {
                            "Protocol": "TCP",
                            "Source": "ANY",
                            "SourcePort": "ANY",
                            "Direction": "FORWARD",
                            "Destination": "$HOME_NET",
                            "DestinationPort": "3389",
                        },
                        "RuleOptions": [{"Keyword": "sid", "Settings": ["1"]}],
                    },
                    {
                        "Action": "PASS",
                        "Header": {
                            "Protocol": "TCP",
                            "Source": "ANY",
                            "SourcePort": "ANY",
                            "Direction": "FORWARD",
                            "Destination": "$HOME_NET",
                            "DestinationPort": "443",
                        },
                        "RuleOptions": [{"Keyword": "sid", "Settings": ["2"]}],
                    },
                ]
            }
        },
    }
    docs["RuleGroup.bench-suricata.json"] = {
        "RuleGroupResponse": {"RuleGroupArn": sr, "RuleGroupName": "bench-suricata", "Type": "STATEFUL"},
        "RuleGroup": {
            "RulesSource": {
                "RulesString": (
                    'drop tcp $EXTERNAL_NET any -> $HOME_NET 22 (msg:"no ssh from outside"; sid:10;)\n'
                    'alert tcp any any -> any 8080 (msg:"plain http"; sid:11;)\n'
                    "reject tcp $HOME_NET any -> $EXTERNAL_NET 25 (sid:12;)\n"
                )
            }
        },
    }
    return docs, names, inspected
