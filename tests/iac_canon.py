"""A snapshot with its ids replaced by names, so snapshots loaded from describe-JSON, a Terraform plan and
a CloudFormation template can be compared (the ids differ: real, synthetic from the address, logical)."""

from __future__ import annotations

from typing import Any

from vpcflow.model import GroupPeer, Snapshot, tag


def names(s: Snapshot) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in s.vpcs.values():
        out[v.vpc_id] = f"vpc:{tag(v.tags, 'Name')}"
    for sub in s.subnets.values():
        out[sub.subnet_id] = f"subnet:{tag(sub.tags, 'Name')}"
    for g in s.security_groups.values():
        out[g.group_id] = f"sg:{g.name}"
    for a in s.network_acls.values():
        out[a.acl_id] = "acl:default" if a.is_default else f"acl:{tag(a.tags, 'Name')}"
    for r in s.route_tables.values():
        out[r.route_table_id] = "rtb:main" if r.is_main else f"rtb:{tag(r.tags, 'Name')}"
    for i in s.instances.values():
        out[i.instance_id] = f"i:{i.name}"
    for e in s.interfaces.values():
        owner = s.instances.get(e.instance_id or "")
        out[e.eni_id] = f"eni:{owner.name if owner else e.eni_id}"
    for gw in s.internet_gateways.values():
        out[gw.igw_id] = f"igw:{tag(gw.tags, 'Name')}"
    for n in s.nat_gateways.values():
        out[n.nat_id] = f"nat:{tag(n.tags, 'Name')}"
    return out


def canon(s: Snapshot) -> dict[str, Any]:
    """Everything the engines read, by name."""
    n = names(s)

    def peer(p: Any) -> str:
        return n.get(p.group_id, p.group_id) if isinstance(p, GroupPeer) else str(p)

    return {
        "vpcs": sorted((n[v.vpc_id], tuple(map(str, v.cidrs))) for v in s.vpcs.values()),
        "subnets": sorted(
            (
                n[x.subnet_id],
                n[x.vpc_id],
                tuple(map(str, x.cidrs)),
                n[s.acl_of_subnet[x.subnet_id]],
                n[s.route_table_of_subnet[x.subnet_id]],
            )
            for x in s.subnets.values()
        ),
        "groups": sorted(
            (
                n[g.group_id],
                n.get(g.vpc_id or "", g.vpc_id),
                tuple(
                    sorted(
                        (r.direction.value, r.protocol, str(r.ports), str(r.icmp), peer(r.peer))
                        for r in g.ingress + g.egress
                    )
                ),
            )
            for g in s.security_groups.values()
        ),
        "acls": sorted(
            (
                n[a.acl_id],
                tuple(
                    (
                        e.direction.value,
                        e.rule_number,
                        e.action.value,
                        e.protocol,
                        str(e.cidr),
                        str(e.ports),
                        str(e.icmp),
                    )
                    for e in a.ingress + a.egress
                ),
                tuple(sorted(n[x] for x in a.subnet_ids)),
            )
            for a in s.network_acls.values()
        ),
        "routes": sorted(
            (
                n[r.route_table_id],
                tuple(
                    sorted(
                        (x.destination_text, x.target.value, n.get(x.target_id or "", x.target_id))
                        for x in r.routes
                    )
                ),
            )
            for r in s.route_tables.values()
        ),
        "interfaces": sorted(
            (
                n[e.eni_id],
                n[e.subnet_id],
                tuple(map(str, e.private_ips)),
                bool(e.public_ips),
                tuple(sorted(n.get(g, g) for g in e.group_ids)),
                n.get(e.instance_id or "", e.instance_id),
            )
            for e in s.interfaces.values()
        ),
        "gateways": sorted(
            (n[g.igw_id], g.egress_only, tuple(n[v] for v in g.vpc_ids)) for g in s.internet_gateways.values()
        ),
        "nats": sorted(
            (n[x.nat_id], n[x.subnet_id], x.connectivity, x.public_ip is not None)
            for x in s.nat_gateways.values()
        ),
        "flow_logs": sorted(
            (n.get(f.resource_id, f.resource_id), f.traffic_type) for f in s.flow_logs.values()
        ),
    }
