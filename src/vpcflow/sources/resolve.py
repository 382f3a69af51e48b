"""Cross-references, resolved once everything is parsed: ENIs from two sources, public IPs, prefix-list
entries, IPv6 ``*`` entries, and a warning for every reference that does not resolve."""

from __future__ import annotations

from dataclasses import replace

from vpcflow.model import (
    DEFAULT_DENY_V6,
    WORLD_V6,
    Address,
    Direction,
    GroupPeer,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    PrefixList,
    PrefixListPeer,
    RuleAction,
    Snapshot,
    SnapshotWarning,
)
from vpcflow.sources import resolve_services
from vpcflow.sources.base import Collected
from vpcflow.sources.consistency import check
from vpcflow.sources.transit_resolve import build_transit


def build(out: Collected) -> Snapshot:
    warn = out.warnings
    enis = _interfaces(out)
    pls = _prefix_lists(out, warn)
    acls = _acls_with_v6_default(out)
    _unresolved(out, enis, pls, warn)
    check(out, enis)
    load_balancing = resolve_services.load_balancing(out, warn)
    network_firewall = resolve_services.network_firewalls(out, warn)
    waf = resolve_services.waf(out, warn)
    transit = build_transit(out)
    for key, count in out.unparsed_counts.items():
        sources = out.unparsed_sources[key]
        files = f" in {len(sources)} files" if len(sources) > 1 else ""
        if key in out.ignored_keys:
            text = f"{count} {key} item(s){files} ignored: not needed to model traffic filtering"
        else:
            text = f"{count} {key} item(s){files} loaded but not modelled"
        warn.append(SnapshotWarning("NOT_MODELLED", text, sources[0]))
    return Snapshot.create(
        vpcs=out.vpcs.values(),
        subnets=out.subnets.values(),
        interfaces=enis.values(),
        instances=out.instances.values(),
        security_groups=out.security_groups.values(),
        network_acls=acls,
        route_tables=out.route_tables.values(),
        internet_gateways=out.internet_gateways.values(),
        nat_gateways=out.nat_gateways.values(),
        elastic_ips=out.elastic_ips.values(),
        prefix_lists=pls.values(),
        peerings=out.peerings.values(),
        flow_logs=out.flow_logs.values(),
        warnings=warn,
        not_modelled=out.unparsed_counts,
        contradictions=out.contradictions,
        load_balancing=load_balancing,
        network_firewall=network_firewall,
        waf=waf,
        **transit,
    )


def _add_public(eni: NetworkInterface, private: Address, public: Address) -> NetworkInterface:
    if any(pub == public for _p, pub in eni.public_ips):
        return eni
    return replace(eni, public_ips=(*eni.public_ips, (private, public)))


def _interfaces(out: Collected) -> dict[str, NetworkInterface]:
    """describe-network-interfaces wins; ENIs embedded in describe-instances fill the gaps."""
    enis: dict[str, NetworkInterface] = dict(out.instance_interfaces)
    for eni_id, eni in out.interfaces.items():
        embedded = enis.get(eni_id)
        if embedded is not None:
            for priv, pub in embedded.public_ips:
                eni = _add_public(eni, priv, pub)
            if eni.instance_id is None and embedded.instance_id is not None:
                eni = replace(eni, instance_id=embedded.instance_id)
        enis[eni_id] = eni
    # Elastic IPs: by ENI id, or (older outputs) by instance id and private address
    for eip in out.elastic_ips.values():
        target = eip.eni_id
        if target is None and eip.instance_id is not None and eip.instance_id in out.instances:
            target = next(
                (
                    e
                    for e in out.instances[eip.instance_id].eni_ids
                    if e in enis and (eip.private_ip is None or eip.private_ip in enis[e].private_ips)
                ),
                None,
            )
        if target is None or target not in enis:
            continue
        eni = enis[target]
        private = eip.private_ip or eni.primary_ip
        if private is not None:
            enis[target] = _add_public(eni, private, eip.public_ip)
    # an instance's ephemeral-ports tag applies to its ENIs that have no tag of their own
    for eni_id, eni in enis.items():
        if eni.ephemeral_ports is None and eni.instance_id in out.instance_ephemeral:
            enis[eni_id] = replace(eni, ephemeral_ports=out.instance_ephemeral[eni.instance_id])
    return enis


def _prefix_lists(out: Collected, warn: list[SnapshotWarning]) -> dict[str, PrefixList]:
    pls = dict(out.prefix_lists)
    for plid, cidrs in out.prefix_list_entries.items():
        pl = pls.get(plid)
        if pl is None:
            warn.append(
                SnapshotWarning(
                    "UNRESOLVED_PREFIX_LIST",
                    f"entries for {plid} but no such prefix list (describe-managed-prefix-lists): "
                    "loaded as a list of its own",
                    None,
                    plid,
                )
            )
            pl = PrefixList(plid, None, ())
        pls[plid] = replace(pl, cidrs=pl.cidrs + tuple(c for c in cidrs if c not in pl.cidrs))
    return pls


def _acls_with_v6_default(out: Collected) -> list[NetworkAcl]:
    """The IPv6 ``*`` entries exist in every ACL of a VPC with an IPv6 CIDR."""
    v6_vpcs = {v.vpc_id for v in out.vpcs.values() if v.cidrs_v6}
    return [
        replace(acl, ingress=_with_v6(acl, Direction.INGRESS), egress=_with_v6(acl, Direction.EGRESS))
        if acl.vpc_id in v6_vpcs
        else acl
        for acl in out.network_acls.values()
    ]


def _with_v6(acl: NetworkAcl, direction: Direction) -> tuple[NetworkAclEntry, ...]:
    entries = acl.entries(direction)
    if any(e.rule_number == DEFAULT_DENY_V6 for e in entries):
        return entries
    star = NetworkAclEntry(acl.acl_id, DEFAULT_DENY_V6, direction, RuleAction.DENY, -1, WORLD_V6)
    return (*entries, star)  # 32768 is the highest rule number: still sorted


def _unresolved(
    out: Collected,
    enis: dict[str, NetworkInterface],
    pls: dict[str, PrefixList],
    warn: list[SnapshotWarning],
) -> None:
    groups = out.security_groups
    seen: set[tuple[str, str]] = set()
    for g in groups.values():
        for rule in g.ingress + g.egress:
            peer = rule.peer
            if isinstance(peer, GroupPeer) and peer.group_id not in groups:
                if (g.group_id, peer.group_id) in seen:
                    continue
                seen.add((g.group_id, peer.group_id))
                where = f" (account {peer.account})" if peer.account and peer.account != g.owner_id else ""
                warn.append(
                    SnapshotWarning(
                        "UNRESOLVED_GROUP",
                        f"{g.group_id} references {peer.group_id}{where}, which is not in the snapshot: "
                        "the rule matches nothing",
                        out.references.get((g.group_id, peer.group_id)),
                        g.group_id,
                    )
                )
            elif isinstance(peer, PrefixListPeer):
                _check_prefix_list(out, pls, peer.prefix_list_id, g.group_id, "the rule", seen, warn)
    for rtb in out.route_tables.values():
        for route in rtb.routes:
            if route.prefix_list_id is not None:
                _check_prefix_list(
                    out, pls, route.prefix_list_id, rtb.route_table_id, "the route", seen, warn
                )
    for eni in enis.values():
        missing = [gid for gid in eni.group_ids if gid not in groups]
        if missing:
            warn.append(
                SnapshotWarning(
                    "UNRESOLVED_GROUP",
                    f"{eni.eni_id} is attached to {', '.join(missing)}, not in the snapshot: "
                    "no rules from it",
                    out.references.get((eni.eni_id, missing[0])),
                    eni.eni_id,
                )
            )


def _check_prefix_list(
    out: Collected,
    pls: dict[str, PrefixList],
    plid: str,
    user: str,
    what: str,
    seen: set[tuple[str, str]],
    warn: list[SnapshotWarning],
) -> None:
    """Warn once per (user, list) when a referenced list is missing, and once per list when it is
    present but no source gave its entries (describe-managed-prefix-lists alone has none)."""
    if plid not in pls:
        if (user, plid) not in seen:
            seen.add((user, plid))
            warn.append(
                SnapshotWarning(
                    "UNRESOLVED_PREFIX_LIST",
                    f"{user} references prefix list {plid}, which is not in the snapshot: "
                    f"{what} matches nothing",
                    None,
                    user,
                )
            )
    elif plid not in out.prefix_lists_with_entries and ("", plid) not in seen:
        seen.add(("", plid))
        warn.append(
            SnapshotWarning(
                "UNRESOLVED_PREFIX_LIST",
                f"prefix list {plid} (used by {user}) has no entries in the snapshot; add the "
                'get-managed-prefix-list-entries output as {"PrefixListId": …, "Entries": [...]}; '
                "until then rules and routes using it match nothing",
                None,
                plid,
            )
        )
