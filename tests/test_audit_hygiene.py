"""What no per-rule scanner has: shadowed NACL entries (severity by what never takes effect), return-path
gaps per client type, deny attempted by omission, quotas, stale and unresolved references."""

from __future__ import annotations

import ipaddress

from audit_net import ALLOW_ALL, PRIV, PUB, eni, entry, nacl, network, of, perm, run, sg
from vpcflow.audit import parse_config


def _nacl_report(entries: list[dict[str, object]], enis: list[dict[str, object]] = ()) -> object:  # type: ignore[assignment]
    nacls = [nacl("acl-x", [PUB], entries), nacl("acl-default", [PRIV], ALLOW_ALL, default=True)]
    return run(network([sg("sg-x", [])], list(enis), nacls=nacls))


def test_shadowed_entries_and_their_severity() -> None:
    report = _nacl_report(
        [
            entry(100, False, "-1", "0.0.0.0/0", "allow"),
            entry(110, False, "6", "0.0.0.0/0", "deny", (23, 23)),  # a deny that never takes effect
            entry(90, True, "6", "0.0.0.0/0", "deny", (0, 65535)),
            entry(100, True, "6", "0.0.0.0/0", "allow", (443, 443)),  # an allow that never takes effect
            entry(120, False, "6", "10.0.0.0/8", "allow", (22, 22)),  # repeats what 100 decides
        ]
    )
    got = {
        (f.rules[0].direction.value, f.rules[0].rule_number): f.level.label
        for f in of(report, "VPCFLOW-NACL-SHADOWED")
    }
    assert got == {("ingress", 110): "medium", ("egress", 100): "low", ("ingress", 120): "info"}


def test_return_path_gap_names_the_clients_it_hurts() -> None:
    # inbound 443 from anywhere; replies allowed to 32768-65535 only: ELB / NAT / Lambda clients (1024-65535)
    # lose 1024-32767; Linux (32768-60999) and Windows (49152-65535) are fine
    entries = [
        entry(100, False, "6", "0.0.0.0/0", "allow", (443, 443)),
        entry(100, True, "6", "0.0.0.0/0", "allow", (32768, 65535)),
    ]
    (f,) = of(_nacl_report(entries), "VPCFLOW-NACL-RETURN-PATH")
    assert f.detail["request_direction"] == "ingress"
    assert f.detail["clients"] == {"nat/elb/lambda": "1024-32767"}
    # replies to 49152-65535 only: Linux clients lose everything up to 49151
    entries[1] = entry(100, True, "6", "0.0.0.0/0", "allow", (49152, 65535))
    (f,) = of(_nacl_report(entries), "VPCFLOW-NACL-RETURN-PATH")
    assert f.detail["clients"] == {"linux": "32768-49151", "nat/elb/lambda": "1024-49151"}


def test_outbound_requests_count_only_the_clients_in_the_subnet() -> None:
    # the subnet's instance (Linux) calls out on 443; replies come back to 32768-60999 only
    entries = [
        entry(100, True, "6", "0.0.0.0/0", "allow", (443, 443)),
        entry(100, False, "6", "0.0.0.0/0", "allow", (32768, 60999)),
    ]
    linux = [eni("eni-1", PUB, "10.0.0.10", ["sg-x"])]
    assert not [
        f
        for f in of(_nacl_report(entries, linux), "VPCFLOW-NACL-RETURN-PATH")
        if f.detail["request_direction"] == "egress"
    ]
    # a NAT gateway in the subnet uses 1024-65535: its replies to 1024-32767 and 61000-65535 die
    nat = [
        eni("eni-nat", PUB, "10.0.0.5", [], kind="nat_gateway", description="Interface for NAT Gateway nat-1")
    ]
    (f,) = [
        f
        for f in of(_nacl_report(entries, nat), "VPCFLOW-NACL-RETURN-PATH")
        if f.detail["request_direction"] == "egress"
    ]
    assert f.detail["clients"] == {"nat": "1024-32767, 61000-65535"}


def _all_but(hole: str) -> tuple[str, ...]:
    return tuple(
        str(n) for n in ipaddress.ip_network("0.0.0.0/0").address_exclude(ipaddress.ip_network(hole))
    )


def test_deny_by_omission() -> None:
    report = run(network([sg("sg-x", [perm("tcp", 443, cidrs=_all_but("198.51.100.0/24"))])]))
    (f,) = of(report, "VPCFLOW-SG-DENY-BY-OMISSION")
    assert "except 198.51.100.0/24" in f.message and "network ACL" in f.message
    assert len(f.rules) > 20 and "add a network ACL DENY entry for 198.51.100.0/24" in f.fix
    # a gap bigger than a /8 is a deliberate partial opening, not a deny
    assert not of(
        run(network([sg("sg-x", [perm("tcp", 443, cidrs=_all_but("64.0.0.0/7"))])])),
        "VPCFLOW-SG-DENY-BY-OMISSION",
    )
    # one rule is no attempt: 0.0.0.0/1 alone leaves half the internet out on purpose
    assert not of(
        run(network([sg("sg-x", [perm("tcp", 443, cidrs=("0.0.0.0/1",))])])), "VPCFLOW-SG-DENY-BY-OMISSION"
    )
    # leaving out only private space is not a deny either: the rules cover every internet address
    report = run(network([sg("sg-x", [perm("tcp", 8443, cidrs=_all_but("10.0.0.0/8"))])]))
    assert not of(report, "VPCFLOW-SG-DENY-BY-OMISSION") and of(report, "EC2.18")


def test_quotas() -> None:
    cidrs = tuple(f"198.51.{i}.0/24" for i in range(61))
    groups = [
        sg("sg-big", [perm("tcp", 443, cidrs=cidrs)]),
        sg("sg-v6", [perm("tcp", 443, v6=("2001:db8::/32",), groups=("sg-big",))]),
    ]
    groups += [sg(f"sg-{i}", []) for i in range(6)]
    enis = [eni("eni-1", PUB, "10.0.0.10", [f"sg-{i}" for i in range(6)])]
    report = run(network(groups, enis))
    (q,) = of(report, "VPCFLOW-QUOTA-SG-RULES")
    assert (q.resource.id, q.detail) == ("sg-big", {"count": 61, "quota": 60})
    (e,) = of(report, "VPCFLOW-QUOTA-ENI-SGS")
    assert e.resource.id == "eni-1" and e.detail["count"] == 6
    assert not of(
        run(
            network(groups, enis),
            parse_config("quotas: {security_groups_per_interface: 6, rules_per_security_group: 61}"),
        ),
        "VPCFLOW-QUOTA-SG-RULES",
    )
    entries = [entry(n, False, "6", "198.51.100.0/24", "allow", (n, n)) for n in range(1, 21)]
    report = _nacl_report(entries)
    (n,) = of(report, "VPCFLOW-QUOTA-NACL-ENTRIES")
    assert n.detail == {"count": 21, "quota": 20}  # 20 numbered + the `*` entry


def test_stale_and_unresolved_references() -> None:
    other_vpc = {"VpcId": "vpc-2", "CidrBlock": "10.9.0.0/16", "OwnerId": "123456789012"}
    groups = [
        sg("sg-a", [perm("tcp", 5432, groups=("sg-gone",)), perm("tcp", 22, groups=("sg-far",))]),
        sg("sg-far", [], vpc="vpc-2"),
        sg("sg-b", [perm("tcp", 443, prefix_lists=("pl-missing",))]),
    ]
    peered = {
        **perm("tcp", 80),
        "UserIdGroupPairs": [{"GroupId": "sg-p", "VpcId": "vpc-3", "PeeringStatus": "deleted"}],
    }
    groups.append(sg("sg-c", [peered]))
    report = run(network(groups, extra_vpcs=[other_vpc]))
    stale = {(f.resource.id, f.rules[0].peer.group_id) for f in of(report, "VPCFLOW-SG-STALE-REFERENCE")}
    assert stale == {("sg-a", "sg-far"), ("sg-c", "sg-p")}
    unresolved = {f.resource.id for f in of(report, "VPCFLOW-UNRESOLVED-REFERENCE")}
    assert unresolved == {"sg-a", "sg-b"}
