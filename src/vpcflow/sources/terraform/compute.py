"""Terraform instances, network interfaces and Elastic IPs, and the resources outside the packet model
that attach security groups (load balancers, RDS, Lambda, launch templates, EKS, ...).

An instance gets a primary interface in its subnet; a public IPv4 address when
``associate_public_ip_address`` says so or, when that is not set, when its subnet's
``map_public_ip_on_launch`` does; the VPC's default security group when it names none
(https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
"""

from __future__ import annotations

from typing import Any

from vpcflow.sources.iac.builder import EniDecl, check_int, tags
from vpcflow.sources.terraform.plan import Instance
from vpcflow.sources.terraform.reader import Reader
from vpcflow.sources.terraform.refs import Ctx, flatten


def _default_group(r: Reader, subnet_id: str | None) -> list[str]:
    sub = r.b.subnets.get(subnet_id or "")
    if sub is None:
        return []
    return [r.b.default_group_id(sub["VpcId"])]


def _group_names(r: Reader, names: list[str], subnet_id: str | None) -> list[str]:
    """``security_groups`` of an instance holds names (default VPC) or ids: names become ids of the
    groups with that name in the instance's VPC."""
    sub = r.b.subnets.get(subnet_id or "")
    out = []
    for n in names:
        if n.startswith("sg-") or n in r.b.groups:
            out.append(n)
            continue
        match = [
            g.group_id
            for g in r.b.groups.values()
            if g.name == n and (sub is None or g.vpc_id == sub["VpcId"])
        ]
        out.extend(match[:1] or [n])
    return out


def instance(r: Reader, inst: Instance) -> None:
    iid = r.id_of(inst)
    state = inst.values.get("instance_state") if not inst.is_unknown("instance_state") else None
    r.b.instance(iid, str(state or "running"), inst.origin, tags(r.tags(inst)))
    blocks = inst.values.get("network_interface")
    attached = False
    if isinstance(blocks, list):
        for i, b in enumerate(blocks):
            if not isinstance(b, dict):
                continue
            eni = b.get("network_interface_id")
            if not eni and r.has_config(inst, "network_interface"):
                res = r.res.resolve(inst, ("network_interface", i, "network_interface_id"))
                ids = [v for v in flatten(res.values) if isinstance(v, str)]
                eni = ids[0] if len(ids) == 1 else None
                if eni is None:
                    r.unresolved(
                        inst,
                        "network_interface.network_interface_id",
                        res.problems,
                        "that interface is not attached",
                    )
            if eni:
                index = check_int(
                    b.get("device_index", i), r.where(inst), f"network_interface[{i}].device_index"
                )
                r.b.interface_attachment(eni, iid, index, inst.origin)
                attached = True
    subnet_id = r.ref(inst, "subnet_id", "the instance's interface is not modelled")
    if attached and subnet_id is None:
        return
    if subnet_id is None:
        if not attached and not r.has_config(inst, "subnet_id"):
            r.b.warn(
                "DEFAULT_VPC",
                f"{inst.address} sets no subnet_id: it launches in the account's default VPC, which is not "
                "declared here; its interface is not modelled",
                inst.origin,
                iid,
            )
        return
    groups = r.refs(inst, "vpc_security_group_ids", "those groups are not attached")
    groups += _group_names(r, r.refs(inst, "security_groups", "those groups are not attached"), subnet_id)
    groups = list(dict.fromkeys(groups)) or _default_group(r, subnet_id)
    private = r.value(inst, "private_ip", None)
    secondary = [ip for ip in inst.values.get("secondary_private_ips") or [] if isinstance(ip, str)]
    public = r.value(inst, "associate_public_ip_address", None)
    if not isinstance(public, bool):
        public = r.b.map_public.get(subnet_id, False)
    eni_id = inst.values.get("primary_network_interface_id")
    if not isinstance(eni_id, str) or not eni_id or inst.is_unknown("primary_network_interface_id"):
        eni_id = r.b.synthetic_id("eni", r.res.short_address(inst))
    ipv6 = [ip for ip in inst.values.get("ipv6_addresses") or [] if isinstance(ip, str)]
    decl = EniDecl(
        eni_id,
        subnet_id,
        inst.origin,
        [str(private), *secondary] if private else secondary,
        ipv6,
        groups,
        iid,
        0,
        r.bool_(inst, "source_dest_check", True),
        public,
        f"primary network interface of {inst.address}",
    )
    r.b.interface(decl)


def network_interface(r: Reader, inst: Instance) -> None:
    subnet_id = r.ref(inst, "subnet_id", "the interface is not modelled")
    if subnet_id is None:
        return
    privs: list[str] = []
    primary = inst.values.get("private_ip") if not inst.is_unknown("private_ip") else None
    if isinstance(primary, str) and primary:
        privs.append(primary)
    for ip in inst.values.get("private_ips") or []:
        if isinstance(ip, str) and ip not in privs:
            privs.append(ip)
    groups = r.refs(inst, "security_groups", "those groups are not attached") or _default_group(r, subnet_id)
    decl = EniDecl(
        r.id_of(inst),
        subnet_id,
        inst.origin,
        privs,
        [ip for ip in inst.values.get("ipv6_addresses") or [] if isinstance(ip, str)],
        groups,
        source_dest_check=r.bool_(inst, "source_dest_check", True),
        description=r.value(inst, "description", None),
        tags=tags(r.tags(inst)),
    )
    r.b.interface(decl)
    blocks = inst.values.get("attachment")
    for i, b in enumerate(blocks if isinstance(blocks, list) else []):
        if not isinstance(b, dict):
            continue
        target = b.get("instance")
        if not target and r.has_config(inst, "attachment"):
            res = r.res.resolve(inst, ("attachment", i, "instance"))
            ids = [v for v in flatten(res.values) if isinstance(v, str)]
            target = ids[0] if len(ids) == 1 else None
        if target:
            index = check_int(b.get("device_index", 1), r.where(inst), f"attachment[{i}].device_index")
            r.b.interface_attachment(decl.eni_id, target, index, inst.origin)


def interface_attachment(r: Reader, inst: Instance) -> None:
    eni = r.ref(inst, "network_interface_id", "the attachment is not modelled")
    target = r.ref(inst, "instance_id", "the attachment is not modelled")
    if eni and target:
        index = check_int(r.value(inst, "device_index", 1), r.where(inst), "device_index")
        r.b.interface_attachment(eni, target, index, inst.origin)


def interface_group(r: Reader, inst: Instance) -> None:
    eni = r.ref(inst, "network_interface_id", "the group is not attached")
    gid = r.ref(inst, "security_group_id", "the group is not attached")
    if eni and gid:
        r.b.interface_group(eni, gid, inst.origin)


def eip(r: Reader, inst: Instance) -> None:
    public_ip = inst.values.get("public_ip") if not inst.is_unknown("public_ip") else None
    target_instance = r.ref(inst, "instance", "the Elastic IP is not associated")
    target_eni = r.ref(inst, "network_interface", "the Elastic IP is not associated")
    private = r.value(inst, "associate_with_private_ip", None)
    if not (target_instance or target_eni) and not public_ip:
        # allocated for a NAT gateway or associated later: nothing to place yet
        r.b.origin(r.id_of(inst), inst.origin)
        r.b.eips[r.id_of(inst)] = {
            "AllocationId": r.id_of(inst),
            "PublicIp": None,
            "InstanceId": None,
            "NetworkInterfaceId": None,
            "PrivateIpAddress": None,
            "_unplaced": True,
        }
        return
    r.b.elastic_ip(r.id_of(inst), public_ip or None, target_instance, target_eni, private, inst.origin)


def eip_association(r: Reader, inst: Instance) -> None:
    alloc = r.ref(inst, "allocation_id", "the association is not modelled")
    target_instance = r.ref(inst, "instance_id", "the association is not modelled")
    target_eni = r.ref(inst, "network_interface_id", "the association is not modelled")
    if alloc and (target_instance or target_eni):
        eip_item = r.b.eips.get(alloc)
        if eip_item is not None:
            eip_item.pop("_unplaced", None)
        r.b.elastic_ip_association(
            alloc, target_instance, target_eni, r.value(inst, "private_ip_address", None), inst.origin
        )


# -- resources outside the packet model ----------------------------------------------------------------


def _group_values(value: Any, key: str = "") -> list[str]:
    """Every string under a key naming security groups, anywhere in a nested value."""
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_group_values(v, k))
    elif isinstance(value, list):
        for v in value:
            out.extend(_group_values(v, key))
    elif isinstance(value, str) and "security_group" in key:
        out.append(value)
    return out


def _group_refs(expr: Any, key: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(expr, dict):
        if "references" in expr and "security_group" in key:
            out.extend(r for r in expr["references"] if isinstance(r, str))
        for k, v in expr.items():
            if k not in ("references", "constant_value"):
                out.extend(_group_refs(v, k))
            elif k == "constant_value" and "security_group" in key:
                out.extend(_group_values(v, key))
    elif isinstance(expr, list):
        for v in expr:
            out.extend(_group_refs(v, key))
    return out


def attacher(r: Reader, inst: Instance) -> None:
    """A resource vpcflow does not model: counted, and each security group it attaches is marked used
    (the exposure behind it is "not modelled", never "unreachable")."""
    r.b.not_modelled_resource(inst.type, inst.origin)
    found = [v for v in _group_values(inst.values) if v]
    refs = _group_refs((inst.config or {}).get("expressions"))
    if refs:
        res = r.res.refs(refs, Ctx(inst.module, inst.index, inst.index is not None), "id")
        found.extend(v for v in flatten(res.values) if isinstance(v, str))
    known_groups = set(r.b.groups)
    for gid in dict.fromkeys(found):
        if gid.startswith("sg-") or gid in known_groups:
            r.b.attach_group(gid, inst.origin)
