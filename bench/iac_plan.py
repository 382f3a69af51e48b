"""A generated Terraform plan of ~5,000 resources in the shape ``terraform show -json`` writes (TF 1.9,
every id unknown, edges only in ``configuration`` references), and the time vpcflow takes to load it.

    .venv/bin/python -m bench.iac_plan [--out plan.json]

Default mix (the audit benchmark's): 1,200 security groups with inline rules, 1,200 standalone
``aws_security_group_rule``, 600 ``aws_vpc_security_group_ingress_rule``, 1,500 instances, 40 subnets,
20 NACLs with standalone entries, 4 VPCs with IGWs and route tables. Deterministic (seed 0). Some rules
are planted world-open admin ports (22/3389), for the audit's counts.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any

Json = dict[str, Any]


def _ref(address: str, attr: str = "id") -> Json:
    return {"references": [f"{address}.{attr}", address]}


class PlanWriter:
    """``terraform show -json`` of a plan that creates everything: ``resource_changes`` with
    ``after_unknown``, ``planned_values`` (unknown attributes omitted) and one configuration block per
    resource carrying the references that are the only edges."""

    def __init__(self) -> None:
        self.changes: list[Json] = []
        self.config: list[Json] = []

    def add(self, rtype: str, name: str, after: Json, unknown: Json, exprs: Json) -> str:
        address = f"{rtype}.{name}"
        self.changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": rtype,
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": after,
                    "after_unknown": {"id": True, "arn": True, **unknown},
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
        self.config.append(
            {"address": address, "mode": "managed", "type": rtype, "name": name, "expressions": exprs}
        )
        return address

    def document(self) -> Json:
        planned = [
            {k: c[k] for k in ("address", "mode", "type", "name", "provider_name")}
            | {"values": c["change"]["after"]}
            for c in self.changes
        ]
        return {
            "format_version": "1.2",
            "terraform_version": "1.9.5",
            "planned_values": {"root_module": {"resources": planned}},
            "resource_changes": self.changes,
            "configuration": {"root_module": {"resources": self.config}},
        }


def _rule(rng: random.Random, world_admin: bool) -> Json:
    port = rng.choice([22, 3389]) if world_admin else rng.choice([80, 443, 5432, 8080, 6379])
    return {
        "from_port": port,
        "to_port": port,
        "protocol": "tcp",
        "cidr_blocks": ["0.0.0.0/0"] if world_admin else [f"10.{rng.randrange(256)}.0.0/16"],
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self": False,
        "description": "",
    }


def make_plan(
    groups: int = 1200,
    rules: int = 1200,
    new_rules: int = 600,
    instances: int = 1500,
    subnets: int = 40,
    nacls: int = 20,
    vpcs: int = 4,
    seed: int = 0,
) -> Json:
    rng = random.Random(seed)
    w = PlanWriter()
    vpc_addr = []
    for v in range(vpcs):
        a = w.add("aws_vpc", f"v{v}", {"cidr_block": f"10.{v}.0.0/16", "tags": {"Name": f"v{v}"}}, {}, {})
        vpc_addr.append(a)
        igw = w.add("aws_internet_gateway", f"gw{v}", {"tags": None}, {"vpc_id": True}, {"vpc_id": _ref(a)})
        rtb = w.add(
            "aws_route_table",
            f"public{v}",
            {"tags": None},
            {"vpc_id": True, "route": True},
            {"vpc_id": _ref(a)},
        )
        w.add(
            "aws_route",
            f"default{v}",
            {"destination_cidr_block": "0.0.0.0/0"},
            {"route_table_id": True, "gateway_id": True},
            {"route_table_id": _ref(rtb), "gateway_id": _ref(igw)},
        )
    sub_addr = []
    for s in range(subnets):
        v = s % vpcs
        a = w.add(
            "aws_subnet",
            f"s{s}",
            {"cidr_block": f"10.{v}.{s}.0/24", "map_public_ip_on_launch": s % 2 == 0, "tags": None},
            {"vpc_id": True},
            {"vpc_id": _ref(vpc_addr[v])},
        )
        sub_addr.append(a)
        if s % 2 == 0:
            w.add(
                "aws_route_table_association",
                f"s{s}",
                {},
                {"route_table_id": True, "subnet_id": True},
                {"route_table_id": _ref(f"aws_route_table.public{v}"), "subnet_id": _ref(a)},
            )
    for n in range(nacls):
        v = n % vpcs
        a = w.add(
            "aws_network_acl",
            f"n{n}",
            {"ingress": [], "egress": [], "tags": None},
            {"vpc_id": True, "subnet_ids": True},
            {"vpc_id": _ref(vpc_addr[v]), "subnet_ids": _ref(sub_addr[(n * 2 + 1) % subnets])},
        )
        for i, (num, action, port) in enumerate(
            ((90, "deny", 22), (100, "allow", 443), (110, "allow", 1024))
        ):
            w.add(
                "aws_network_acl_rule",
                f"n{n}_{i}",
                {
                    "rule_number": num,
                    "egress": False,
                    "protocol": "6",
                    "rule_action": action,
                    "cidr_block": "0.0.0.0/0",
                    "from_port": port,
                    "to_port": 65535 if port == 1024 else port,
                },
                {"network_acl_id": True},
                {"network_acl_id": _ref(a)},
            )
    sg_addr = []
    for g in range(groups):
        v = g % vpcs
        ingress = [_rule(rng, rng.random() < 0.03) for _ in range(rng.randint(1, 4))]
        egress = [
            {
                **_rule(rng, False),
                "protocol": "-1",
                "from_port": 0,
                "to_port": 0,
                "cidr_blocks": ["0.0.0.0/0"],
            }
        ]
        a = w.add(
            "aws_security_group",
            f"g{g}",
            {"name": f"g{g}", "description": "generated", "ingress": ingress, "egress": egress, "tags": None},
            {"vpc_id": True, "owner_id": True},
            {"vpc_id": _ref(vpc_addr[v])},
        )
        sg_addr.append(a)
    for r in range(rules):
        block = _rule(rng, rng.random() < 0.03)
        target = sg_addr[rng.randrange(groups)]
        source = sg_addr[rng.randrange(groups)] if r % 3 == 0 else None
        after = {
            "type": "ingress",
            "from_port": block["from_port"],
            "to_port": block["to_port"],
            "protocol": "tcp",
            "cidr_blocks": None if source else block["cidr_blocks"],
            "ipv6_cidr_blocks": None,
            "prefix_list_ids": None,
            "self": False,
            "description": None,
        }
        exprs = {"security_group_id": _ref(target)}
        if source:
            exprs["source_security_group_id"] = _ref(source)
        w.add(
            "aws_security_group_rule",
            f"r{r}",
            after,
            {"security_group_id": True, "source_security_group_id": True},
            exprs,
        )
    for r in range(new_rules):
        block = _rule(rng, rng.random() < 0.03)
        w.add(
            "aws_vpc_security_group_ingress_rule",
            f"n{r}",
            {
                "ip_protocol": "tcp",
                "from_port": block["from_port"],
                "to_port": block["to_port"],
                "cidr_ipv4": block["cidr_blocks"][0],
            },
            {"security_group_id": True},
            {"security_group_id": _ref(sg_addr[rng.randrange(groups)])},
        )
    for i in range(instances):
        s = rng.randrange(subnets)
        v = s % vpcs
        same_vpc = [a for k, a in enumerate(sg_addr) if k % vpcs == v]
        w.add(
            "aws_instance",
            f"i{i}",
            {"ami": "ami-0123456789abcdef0", "instance_type": "t3.micro", "tags": None},
            {
                "subnet_id": True,
                "vpc_security_group_ids": True,
                "private_ip": True,
                "associate_public_ip_address": True,
            },
            {"subnet_id": _ref(sub_addr[s]), "vpc_security_group_ids": _ref(rng.choice(same_vpc))},
        )
    return w.document()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/vpcflow-bench-plan.json"))
    args = parser.parse_args()
    doc = make_plan()
    args.out.write_text(json.dumps(doc))
    from vpcflow.sources import load_with_report

    times = []
    for _ in range(3):
        t = time.perf_counter()
        result = load_with_report(args.out)
        times.append(time.perf_counter() - t)
    s = result.snapshot
    print(
        f"plan: {args.out} ({len(doc['resource_changes'])} resources, {args.out.stat().st_size / 1e6:.1f} MB)"
    )
    print(
        f"snapshot: {len(s.security_groups)} groups, "
        f"{sum(len(g.ingress) + len(g.egress) for g in s.security_groups.values())} rules, "
        f"{len(s.network_acls)} NACLs, {len(s.subnets)} subnets, {len(s.instances)} instances, "
        f"{len(s.warnings)} warnings"
    )
    print(f"load: best {min(times):.2f} s, median {sorted(times)[1]:.2f} s of 3 runs")


if __name__ == "__main__":
    main()
