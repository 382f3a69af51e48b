"""Terraform security groups, their rules (inline, ``aws_security_group_rule``,
``aws_vpc_security_group_{ingress,egress}_rule``) and network ACLs (inline, ``aws_network_acl_rule``,
associations, ``aws_default_*``).

AWS semantics kept: a ``null`` list is empty; ``protocol`` may be a name, a number as a string, ``"-1"`` or
(NACLs) ``"all"``; ports restrict TCP/UDP only, ICMP uses them as type/code; ``self = true`` adds the
group itself as a peer *beside* any CIDRs of the same block; ``0000::/0`` is ``::/0``. Terraform removes
the allow-all egress rule AWS gives a new group, so a group's egress is what the configuration declares
(https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group).
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import ICMP, ICMPV6, TCP, UDP, Origin
from vpcflow.sources.iac.builder import (
    AclDecl,
    DescribeBuilder,
    GroupDecl,
    Permission,
    Refused,
    Where,
    check_cidr,
    check_int,
    check_protocol,
    tags,
)
from vpcflow.sources.terraform.plan import Instance
from vpcflow.sources.terraform.reader import Reader
from vpcflow.sources.terraform.refs import flatten


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _ports(proto: int, lo: Any, hi: Any, where: Where, attr: str) -> tuple[int | None, int | None]:
    """Ports as AWS keeps them: TCP/UDP range, ICMP type/code, nothing for other protocols."""
    if proto in (TCP, UDP):
        if lo is None and hi is None:
            return None, None
        low = check_int(lo, where, f"{attr}.from_port") if lo is not None else 0
        high = check_int(hi, where, f"{attr}.to_port") if hi is not None else 65535
        if not (-1 <= low <= 65535 and -1 <= high <= 65535):
            raise where.fail(attr, f"port range {low}-{high} out of 0-65535")
        if low > high and high != -1:
            raise where.refused(attr, f"from_port {low} is above to_port {high}")
        return low, high
    if proto in (ICMP, ICMPV6):
        t = check_int(lo, where, f"{attr}.from_port") if lo is not None else -1
        c = check_int(hi, where, f"{attr}.to_port") if hi is not None else -1
        return t, c
    return None, None


def permission(
    block: dict[str, Any], group_id: str, where: Where, attr: str, groups: list[str] | None = None
) -> Permission:
    """An inline ``ingress``/``egress`` block or an ``aws_security_group_rule`` → one permission."""
    proto = check_protocol(block.get("protocol"), where, f"{attr}.protocol")
    lo, hi = _ports(proto, block.get("from_port"), block.get("to_port"), where, attr)
    perm = Permission(proto, lo, hi, description=block.get("description") or None)
    for i, c in enumerate(_list(block.get("cidr_blocks"))):
        if c is not None:
            perm.cidrs_v4.append(check_cidr(c, where, f"{attr}.cidr_blocks[{i}]", 4))
    for i, c in enumerate(_list(block.get("ipv6_cidr_blocks"))):
        if c is not None:
            perm.cidrs_v6.append(check_cidr(c, where, f"{attr}.ipv6_cidr_blocks[{i}]", 6))
    perm.prefix_lists.extend(p for p in _list(block.get("prefix_list_ids")) if isinstance(p, str) and p)
    perm.groups.extend(
        groups if groups is not None else [g for g in _list(block.get("security_groups")) if g]
    )
    if block.get("self") is True:
        perm.groups.append(group_id)
    return perm


def _block_refs(r: Reader, inst: Instance, name: str, i: int, block: dict[str, Any], attr: str) -> list[str]:
    """Group ids of an inline block whose ``security_groups`` are unknown at plan: the configuration
    block with the same protocol and ports says what they refer to."""
    known = [g for g in _list(block.get(attr)) if isinstance(g, str) and g]
    unknown = inst.unknown.get(name) if isinstance(inst.unknown, dict) else None
    elem_unknown = isinstance(unknown, list) and i < len(unknown) and isinstance(unknown[i], dict)
    missing = any(g is None for g in _list(block.get(attr))) or (
        elem_unknown and unknown is not None and _true_in(unknown[i].get(attr))
    )
    if not missing:
        return known
    exprs = r.res.expression(inst, (name,))
    if isinstance(exprs, list):
        matches = [
            j
            for j, b in enumerate(exprs)
            if isinstance(b, dict)
            and all(
                str((b.get(k) or {}).get("constant_value")) == str(block.get(k))
                for k in ("from_port", "to_port", "protocol")
                if isinstance(b.get(k), dict) and "constant_value" in b[k]
            )
        ]
        if len(matches) == 1:
            res = r.res.resolve(inst, (name, matches[0], attr))
            if res.problems:
                r.unresolved(inst, f"{name}.{attr}", res.problems, "those peers are not in the rule")
            return list(dict.fromkeys(known + [v for v in flatten(res.values) if isinstance(v, str) and v]))
    r.unresolved(
        inst,
        f"{name}[{i}].{attr}",
        [f"{inst.address}.{name}: the configuration block of this rule cannot be told apart"],
        "those peers are not in the rule",
    )
    return known


def _true_in(u: Any) -> bool:
    if u is True:
        return True
    if isinstance(u, list):
        return any(_true_in(x) for x in u)
    return False


def _inline(r: Reader, inst: Instance, decl: GroupDecl, name: str) -> list[tuple[Permission, Origin]]:
    where = r.where(inst)
    raw = inst.values.get(name)
    if inst.is_unknown(name) and not isinstance(raw, list):
        if r.has_config(inst, name):
            r.unresolved(
                inst, name, [f"{inst.address}.{name} is computed from references"], "its rules are unknown"
            )
        return []
    out = []
    for i, block in enumerate(_list(raw)):
        if not isinstance(block, dict):
            raise where.fail(f"{name}[{i}]", f"expected a rule block, found {block!r}")
        groups = _block_refs(r, inst, name, i, block, "security_groups")
        try:
            out.append((permission(block, decl.group_id, where, f"{name}[{i}]", groups), inst.origin))
        except Refused as exc:
            r.b.warn("INVALID_RULE", str(exc), inst.origin, decl.group_id)
    return out


def security_group(r: Reader, inst: Instance) -> None:
    gid = r.id_of(inst)
    vpc = r.vpc_of(inst, "the group's VPC is not known")
    name = r.value(inst, "name", None) or inst.name
    decl = GroupDecl(
        gid, str(name), vpc, r.value(inst, "description", None), inst.origin, tags=tags(r.tags(inst))
    )
    decl.ingress = _inline(r, inst, decl, "ingress")
    decl.egress = _inline(r, inst, decl, "egress")
    decl.declared_egress = bool(decl.egress)
    r.b.security_group(decl)


def default_security_group(r: Reader, inst: Instance) -> None:
    """The VPC's default group with exactly the declared rules (none: closed)."""
    vpc = r.vpc_of(inst, "the default group's VPC is not known")
    if vpc is None:
        return
    gid = r.id_of(inst)
    decl = GroupDecl(gid, "default", vpc, "default VPC security group", inst.origin, tags=tags(r.tags(inst)))
    decl.ingress = _inline(r, inst, decl, "ingress")
    decl.egress = _inline(r, inst, decl, "egress")
    decl.declared_egress = True
    r.b.default_security_group(vpc, decl)


def _group_of_rule(r: Reader, inst: Instance) -> str | None:
    """The rule's group; a group the configuration names but does not declare (it lives elsewhere) gets
    an id from its address, and is built from its rules (``PARTIAL_GROUP``), so the rule is not lost."""
    gid = r.ref(inst, "security_group_id", "the rule is kept in a group made from the reference")
    if gid is not None:
        return gid
    expr = r.res.expression(inst, ("security_group_id",))
    for ref in (expr or {}).get("references") or []:
        parts = str(ref).split(".")
        if len(parts) >= 2 and parts[0] == "aws_security_group":
            return f"sg-{parts[1].split('[')[0]}"
    return None


def security_group_rule(r: Reader, inst: Instance) -> None:
    where = r.where(inst)
    gid = _group_of_rule(r, inst)
    if gid is None:
        return
    direction = r.value(inst, "type", None)
    if direction not in ("ingress", "egress"):
        r.b.warn(
            "INVALID_RULE",
            str(where.refused("type", f"expected ingress or egress, found {direction!r}")),
            inst.origin,
            gid,
        )
        return
    block = dict(inst.values)
    for attr in ("protocol", "from_port", "to_port", "description", "self"):
        block[attr] = r.value(inst, attr, inst.values.get(attr))
    block["cidr_blocks"] = r.refs(inst, "cidr_blocks", "those CIDRs are not in the rule", "cidr_block")
    block["ipv6_cidr_blocks"] = r.refs(
        inst, "ipv6_cidr_blocks", "those CIDRs are not in the rule", "ipv6_cidr_block"
    )
    block["prefix_list_ids"] = r.refs(inst, "prefix_list_ids", "those prefix lists are not in the rule")
    source = r.ref(inst, "source_security_group_id", "the peer group is not in the rule")
    try:
        perm = permission(block, gid, where, "", [source] if source else [])
    except Refused as exc:
        r.b.warn("INVALID_RULE", str(exc), inst.origin, gid)
        return
    if perm.empty:
        r.b.warn(
            "EMPTY_RULE",
            f"{inst.address} names no CIDR, prefix list or group: AWS adds no rule",
            inst.origin,
            gid,
        )
        return
    r.b.rule(gid, str(direction), perm, inst.origin)


def vpc_security_group_rule(r: Reader, inst: Instance) -> None:
    """``aws_vpc_security_group_ingress_rule`` / ``_egress_rule``: one peer per resource."""
    where = r.where(inst)
    gid = _group_of_rule(r, inst)
    if gid is None:
        return
    direction = "ingress" if inst.type.endswith("_ingress_rule") else "egress"
    proto = check_protocol(r.value(inst, "ip_protocol", None), where, "ip_protocol")
    try:
        lo, hi = _ports(proto, r.value(inst, "from_port", None), r.value(inst, "to_port", None), where, "")
    except Refused as exc:
        r.b.warn("INVALID_RULE", str(exc), inst.origin, gid)
        return
    perm = Permission(proto, lo, hi, description=r.value(inst, "description", None))
    v4 = r.value(inst, "cidr_ipv4", None, "the rule's CIDR is not known")
    if v4:
        perm.cidrs_v4.append(check_cidr(v4, where, "cidr_ipv4", 4))
    v6 = r.value(inst, "cidr_ipv6", None, "the rule's CIDR is not known")
    if v6:
        perm.cidrs_v6.append(check_cidr(v6, where, "cidr_ipv6", 6))
    pl = r.ref(inst, "prefix_list_id", "the rule's prefix list is not known")
    if pl:
        perm.prefix_lists.append(pl)
    peer = r.ref(inst, "referenced_security_group_id", "the rule's peer group is not known")
    if peer:
        perm.groups.append(peer)
    if perm.empty:
        r.b.warn(
            "EMPTY_RULE", f"{inst.address} has no known peer: the rule is not modelled", inst.origin, gid
        )
        return
    r.b.rule(gid, direction, perm, inst.origin)


# -- network ACLs ------------------------------------------------------------------------------------


def acl_entry(
    block: dict[str, Any], egress: bool, where: Where, attr: str, *, standalone: bool
) -> dict[str, Any]:
    """An inline NACL block (``rule_no``, ``action``) or an ``aws_network_acl_rule`` (``rule_number``,
    ``rule_action``) → a describe ``Entries`` item."""
    number = check_int(block.get("rule_number" if standalone else "rule_no"), where, f"{attr}.rule_number")
    if not 1 <= number <= 32766:
        raise where.fail(f"{attr}.rule_number", f"rule number {number} out of range 1-32766")
    action = str(block.get("rule_action" if standalone else "action") or "").lower()
    if action not in ("allow", "deny"):
        raise where.fail(f"{attr}.action", f"expected allow or deny, found {action!r}")
    proto = check_protocol(block.get("protocol"), where, f"{attr}.protocol")
    entry: dict[str, Any] = {
        "RuleNumber": number,
        "Egress": egress,
        "RuleAction": action,
        "Protocol": str(proto),
    }
    v4, v6 = block.get("cidr_block") or None, block.get("ipv6_cidr_block") or None
    if v4:
        entry["CidrBlock"] = check_cidr(v4, where, f"{attr}.cidr_block", 4)
    elif v6:
        entry["Ipv6CidrBlock"] = check_cidr(v6, where, f"{attr}.ipv6_cidr_block", 6)
    else:
        raise where.fail(attr, "expected cidr_block or ipv6_cidr_block")
    if proto in (TCP, UDP):
        lo, hi = block.get("from_port"), block.get("to_port")
        if lo is not None or hi is not None:
            low = check_int(lo if lo is not None else 0, where, f"{attr}.from_port")
            high = check_int(hi if hi is not None else 65535, where, f"{attr}.to_port")
            if low > high:
                raise where.refused(attr, f"from_port {low} is above to_port {high}")
            entry["PortRange"] = {"From": low, "To": high}
    elif proto in (ICMP, ICMPV6):
        t, c = block.get("icmp_type"), block.get("icmp_code")
        entry["IcmpTypeCode"] = {
            "Type": check_int(t, where, f"{attr}.icmp_type") if t not in (None, "") else -1,
            "Code": check_int(c, where, f"{attr}.icmp_code") if c not in (None, "") else -1,
        }
    return entry


def _acl_inline(r: Reader, inst: Instance, decl: AclDecl) -> None:
    where = r.where(inst)
    for name, egress in (("ingress", False), ("egress", True)):
        raw = inst.values.get(name)
        if inst.is_unknown(name) and not isinstance(raw, list):
            if r.has_config(inst, name):
                r.unresolved(
                    inst,
                    name,
                    [f"{inst.address}.{name} is computed from references"],
                    "those entries are unknown",
                )
            continue
        for i, block in enumerate(_list(raw)):
            if not isinstance(block, dict):
                raise where.fail(f"{name}[{i}]", f"expected an entry block, found {block!r}")
            try:
                entry = acl_entry(block, egress, where, f"{name}[{i}]", standalone=False)
            except Refused as exc:
                r.b.warn("INVALID_RULE", str(exc), inst.origin, decl.acl_id)
                continue
            decl.entries.append((entry, inst.origin))


def network_acl(r: Reader, inst: Instance) -> None:
    vpc = r.vpc_of(inst, "the network ACL's VPC is not known") or r.b.unknown_vpc(inst.origin, r.id_of(inst))
    decl = AclDecl(r.id_of(inst), vpc, False, inst.origin, tags=tags(r.tags(inst)))
    _acl_inline(r, inst, decl)
    r.b.network_acl(decl)
    for sid in r.refs(inst, "subnet_ids", "those subnets keep their previous network ACL"):
        r.b.acl_association(decl.acl_id, sid, inst.origin)


def default_network_acl(r: Reader, inst: Instance) -> None:
    acl_id = r.id_of(inst)
    vpc = r.ref(inst, "vpc_id", "") if not inst.is_unknown("vpc_id") else None
    vpc = vpc or DescribeBuilder.vpc_of_implicit(acl_id)
    if vpc is None:
        r.unresolved(inst, "default_network_acl_id", [], "the default network ACL's VPC is not known")
        return
    decl = AclDecl(acl_id, vpc, True, inst.origin, tags=tags(r.tags(inst)))
    _acl_inline(r, inst, decl)
    r.b.default_network_acl(vpc, decl)
    for sid in r.refs(inst, "subnet_ids", "those subnets keep their previous network ACL"):
        r.b.acl_association(acl_id, sid, inst.origin)


def network_acl_rule(r: Reader, inst: Instance) -> None:
    where = r.where(inst)
    acl_id = r.ref(inst, "network_acl_id", "the entry cannot be placed in its network ACL")
    if acl_id is None:
        return
    block = {
        k: r.value(inst, k, inst.values.get(k), "the entry is not modelled")
        for k in (
            "rule_number",
            "rule_action",
            "protocol",
            "cidr_block",
            "ipv6_cidr_block",
            "from_port",
            "to_port",
            "icmp_type",
            "icmp_code",
        )
    }
    egress = r.bool_(inst, "egress", False)
    if any(block[k] is None for k in ("rule_number", "rule_action", "protocol")):
        return  # already reported: the entry is not modelled
    if block["cidr_block"] is None and block["ipv6_cidr_block"] is None:
        r.unresolved(
            inst, "cidr_block", [f"{inst.address}.cidr_block is not known"], "the entry is not modelled"
        )
        return
    try:
        r.b.acl_entry(acl_id, acl_entry(block, egress, where, "", standalone=True), inst.origin)
    except Refused as exc:
        r.b.warn("INVALID_RULE", str(exc), inst.origin, acl_id)


def network_acl_association(r: Reader, inst: Instance) -> None:
    acl_id = r.ref(inst, "network_acl_id", "the association is not modelled")
    sid = r.ref(inst, "subnet_id", "the association is not modelled")
    if acl_id and sid:
        r.b.acl_association(acl_id, sid, inst.origin)
