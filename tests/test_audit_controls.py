"""Each control on hand-written describe-* JSON, with the (resource, control) pairs its AWS definition
demands — failing and passing cases, and the edges: port ranges covering the port, protocol -1, UDP,
IPv6, `0000::/0`, world unions, NACL rule order, the default group."""

from __future__ import annotations

import pytest

from audit_net import (
    ALLOW_ALL,
    PRIV,
    PUB,
    default_sg,
    eni,
    entry,
    nacl,
    network,
    of,
    pairs,
    perm,
    run,
    sg,
)
from vpcflow.audit import AuditConfig, parse_config
from vpcflow.audit.catalogue import HIGH_RISK_PORTS

SG_CHECKS = ("EC2.13", "EC2.14", "EC2.18", "EC2.19", "EC2.53", "EC2.54")


def _sg_pairs(*ingress: dict[str, object], config: AuditConfig | None = None) -> set[tuple[str, str]]:
    return pairs(run(network([sg("sg-x", list(ingress))]), config), *SG_CHECKS)


def _controls(*ingress: dict[str, object], config: AuditConfig | None = None) -> set[str]:
    return {c for _r, c in _sg_pairs(*ingress, config=config)}


SSH_V4 = {"EC2.13", "EC2.18", "EC2.19", "EC2.53", "CIS 5.2", "CIS v5.0 5.3"}
SSH_V6 = {"EC2.13", "EC2.18", "EC2.19", "EC2.54", "CIS 5.3", "CIS v5.0 5.4"}
RDP_V4 = {"EC2.14", "EC2.18", "EC2.19", "EC2.53", "CIS 5.2", "CIS v5.0 5.3"}


# -- EC2.13 / EC2.14 / EC2.53 / EC2.54 / CIS 5.2, 5.3 ------------------------------------------------


def test_ssh_from_the_world_fails_every_control_that_names_port_22() -> None:
    assert _controls(perm("tcp", 22, cidrs=("0.0.0.0/0",))) == SSH_V4
    assert _sg_pairs(perm("tcp", 22, cidrs=("0.0.0.0/0",))) == {("sg-x", c) for c in SSH_V4}


def test_ssh_from_a_narrow_cidr_or_a_group_passes() -> None:
    assert _controls(perm("tcp", 22, cidrs=("10.0.0.0/8",))) == set()
    assert _controls(perm("tcp", 22, cidrs=("203.0.113.0/24",))) == set()
    assert _controls(perm("tcp", 22, groups=("sg-x",))) == set()


def test_a_port_range_that_includes_22_counts() -> None:
    # CIS: "a port range such as 0-1024 is inclusive of port 22"
    assert _controls(perm("tcp", 0, 1024, cidrs=("0.0.0.0/0",))) >= SSH_V4
    assert _controls(perm("tcp", 20, 25, cidrs=("0.0.0.0/0",))) >= SSH_V4
    assert "EC2.13" not in _controls(perm("tcp", 23, 1024, cidrs=("0.0.0.0/0",)))


def test_protocol_all_counts_as_every_port() -> None:
    got = _controls(perm("-1", cidrs=("0.0.0.0/0",)))
    assert got >= SSH_V4 | RDP_V4
    # a number that is not tcp/udp/icmp also "allows traffic on all ports" (API_IpPermission), but
    # ports 22/3389 are TCP/UDP ports: protocol 47 opens none of them
    assert _controls(perm(47, cidrs=("0.0.0.0/0",))) == set()


def test_udp_22_counts_icmp_does_not() -> None:
    assert _controls(perm("udp", 22, cidrs=("0.0.0.0/0",))) == SSH_V4
    assert _controls(perm("icmp", -1, -1, cidrs=("0.0.0.0/0",))) == set()


def test_ipv6_world_fails_the_ipv6_controls_only() -> None:
    assert _controls(perm("tcp", 22, v6=("::/0",))) == SSH_V6
    # the same world spelt out: still ::/0 once parsed
    assert _controls(perm("tcp", 22, v6=("0000::/0",))) == SSH_V6
    assert _controls(perm("tcp", 22, v6=("2001:db8::/32",))) == set()


def test_world_equivalent_unions_count_as_the_world() -> None:
    halves = perm("tcp", 3389, cidrs=("0.0.0.0/1", "128.0.0.0/1"))
    assert _controls(halves) == RDP_V4
    # spread over two permissions with different ranges: together they cover 3389 from everywhere
    assert (
        _controls(perm("tcp", 3000, 4000, cidrs=("0.0.0.0/1",)), perm("tcp", 3389, cidrs=("128.0.0.0/1",)))
        == RDP_V4
    )
    # half the world is not the world
    assert _controls(perm("tcp", 3389, cidrs=("0.0.0.0/1",))) == set()
    # every public address (private, loopback, link-local, multicast and reserved ranges left out)
    public = tuple(
        [
            "0.0.0.0/5",
            "8.0.0.0/7",
            "11.0.0.0/8",
            "12.0.0.0/6",
            "16.0.0.0/4",
            "32.0.0.0/3",
            "64.0.0.0/2",
            "128.0.0.0/3",
            "160.0.0.0/5",
            "168.0.0.0/6",
            "172.0.0.0/12",
            "172.32.0.0/11",
            "172.64.0.0/10",
            "172.128.0.0/9",
            "173.0.0.0/8",
            "174.0.0.0/7",
            "176.0.0.0/4",
            "192.0.0.0/9",
            "192.128.0.0/11",
            "192.160.0.0/13",
            "192.169.0.0/16",
            "192.170.0.0/15",
            "192.172.0.0/14",
            "192.176.0.0/12",
            "192.192.0.0/10",
            "193.0.0.0/8",
            "194.0.0.0/7",
            "196.0.0.0/6",
            "200.0.0.0/5",
            "208.0.0.0/4",
        ]
    )
    assert _controls(perm("tcp", 3389, cidrs=public)) == RDP_V4


def test_self_reference_does_not_mask_the_world_in_the_same_rule() -> None:
    # checkov#6073: `self = true` beside 0.0.0.0/0 made the whole group pass
    assert _controls(perm("tcp", 22, cidrs=("0.0.0.0/0",), groups=("sg-x",))) == SSH_V4


def test_prefix_list_holding_the_world_counts() -> None:
    docs = network([sg("sg-x", [perm("tcp", 22, prefix_lists=("pl-1",))])])
    docs.append(
        (
            "PrefixLists.json",
            {"PrefixLists": [{"PrefixListId": "pl-1", "PrefixListName": "all", "Cidrs": ["0.0.0.0/0"]}]},
        )
    )
    assert {c for _r, c in pairs(run(docs), *SG_CHECKS)} == SSH_V4


def test_admin_ports_are_configurable() -> None:
    cfg = parse_config("admin_ports: [22, 3389, 5900]\n")
    got = _sg_pairs(perm("tcp", 5900, cidrs=("0.0.0.0/0",)), config=cfg)
    assert {c for _r, c in got} == {"EC2.18", "EC2.53", "CIS 5.2", "CIS v5.0 5.3"}


# -- EC2.18 ----------------------------------------------------------------------------------------


def test_ec2_18_authorized_ports_default_80_443() -> None:
    assert _controls(perm("tcp", 443, cidrs=("0.0.0.0/0",)), perm("tcp", 80, cidrs=("0.0.0.0/0",))) == set()
    assert _controls(perm("tcp", 8443, cidrs=("0.0.0.0/0",))) == {"EC2.18"}
    assert _controls(perm("tcp", 80, 443, cidrs=("0.0.0.0/0",))) == {"EC2.18", "EC2.19"}  # 110, 135, 143
    # no UDP port is authorized by default
    assert _controls(perm("udp", 53, cidrs=("0.0.0.0/0",))) == {"EC2.18"}
    assert _controls(perm("icmp", 8, -1, cidrs=("0.0.0.0/0",))) == set()
    # open to a narrower source: not "unrestricted"
    assert _controls(perm("tcp", 8443, cidrs=("198.51.100.0/24",))) == set()


def test_ec2_18_authorized_ports_configurable() -> None:
    cfg = parse_config("authorized_ports: {tcp: [443, 8443], udp: ['500', '4500']}\n")
    assert _controls(perm("tcp", 8443, cidrs=("0.0.0.0/0",)), config=cfg) == set()
    assert _controls(perm("udp", 500, cidrs=("0.0.0.0/0",)), config=cfg) == set()
    assert _controls(perm("tcp", 80, cidrs=("0.0.0.0/0",)), config=cfg) == {"EC2.18"}


def test_ec2_18_message_lists_the_unauthorized_ports() -> None:
    report = run(network([sg("sg-x", [perm("tcp", 0, 65535, cidrs=("0.0.0.0/0",))])]))
    (f,) = of(report, "EC2.18")
    assert f.detail["ports"] == {"tcp": "0-79, 81-442, 444-65535"}


# -- EC2.19 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("port", HIGH_RISK_PORTS)
def test_ec2_19_every_high_risk_port(port: int) -> None:
    assert "EC2.19" in _controls(perm("tcp", port, cidrs=("0.0.0.0/0",)))
    assert "EC2.19" in _controls(perm("udp", port, v6=("::/0",)))


def test_ec2_19_other_ports_pass() -> None:
    assert _controls(perm("tcp", 8081, cidrs=("0.0.0.0/0",))) == {"EC2.18"}
    assert _controls(perm("tcp", 9201, 9299, cidrs=("0.0.0.0/0",))) == {"EC2.18"}


# -- EC2.2 / CIS 5.4: the default group ------------------------------------------------------------


def test_default_group_as_aws_creates_it_fails() -> None:
    # only the self-reference inbound and all outbound: still "one or more rules"
    report = run(network([default_sg()]))
    assert pairs(report, "EC2.2") == {
        ("sg-default", "EC2.2"),
        ("sg-default", "CIS 5.4"),
        ("sg-default", "CIS v5.0 5.5"),
    }
    (f,) = of(report, "EC2.2")
    assert f.reachable is None and f.detail["in_use"] is False  # the default group of an unused VPC


def test_default_group_with_only_outbound_or_only_inbound_fails_closed_passes() -> None:
    out_only = sg("sg-default", [], name="default")
    in_only = sg("sg-default", [perm("tcp", 443, cidrs=("10.0.0.0/8",))], [], name="default")
    assert of(run(network([out_only])), "EC2.2")
    assert of(run(network([in_only])), "EC2.2")
    assert not of(run(network([default_sg(closed=True)])), "EC2.2")
    # a non-default group with rules is no EC2.2 matter
    assert not of(run(network([sg("sg-web", [perm("tcp", 443, cidrs=("10.0.0.0/8",))])])), "EC2.2")


# -- EC2.22: unused groups --------------------------------------------------------------------------


def test_ec2_22_unused_groups() -> None:
    groups = [default_sg(), sg("sg-used", []), sg("sg-lb", []), sg("sg-unused", [])]
    enis = [
        eni("eni-1", PUB, "10.0.0.10", ["sg-used"]),
        eni("eni-lb", PUB, "10.0.0.20", ["sg-lb"], requester=True, description="ELB app/web/123"),
    ]
    report = run(network(groups, enis))
    # non-default groups only (ec2-security-group-attached-to-eni-periodic); an ELB's ENI uses its group
    assert pairs(report, "EC2.22") == {("sg-unused", "EC2.22")}


# -- EC2.16: unused network ACLs ---------------------------------------------------------------------


def test_ec2_16_unused_nacls() -> None:
    nacls = [
        nacl("acl-default", [PRIV], ALLOW_ALL, default=True),
        nacl("acl-pub", [PUB], ALLOW_ALL),
        nacl("acl-spare", [], ALLOW_ALL),
    ]
    assert pairs(run(network([], nacls=nacls)), "EC2.16") == {("acl-spare", "EC2.16")}
    # a default NACL with no subnet: no finding (Security Hub; it cannot be deleted)
    nacls = [nacl("acl-default", [], ALLOW_ALL, default=True), nacl("acl-all", [PUB, PRIV], ALLOW_ALL)]
    assert pairs(run(network([], nacls=nacls)), "EC2.16") == set()


# -- EC2.21 / CIS 5.1: network ACLs, in rule order ---------------------------------------------------

NACL_V4 = {"EC2.21", "CIS 5.1", "CIS v5.0 5.2"}


def _nacl_controls(*entries: dict[str, object], config: AuditConfig | None = None) -> set[str]:
    nacls = [nacl("acl-x", [PUB, PRIV], list(entries), default=True)]
    return {c for _r, c in pairs(run(network([], nacls=nacls), config), "EC2.21")}


def test_default_nacl_allows_the_world_everywhere() -> None:
    assert _nacl_controls(*ALLOW_ALL) == NACL_V4


def test_nacl_allow_shadowed_by_a_lower_numbered_deny_is_no_exposure() -> None:
    deny_both = [
        entry(50, False, "6", "0.0.0.0/0", "deny", (22, 22)),
        entry(51, False, "6", "0.0.0.0/0", "deny", (3389, 3389)),
        entry(52, False, "17", "0.0.0.0/0", "deny", (22, 22)),
        entry(53, False, "17", "0.0.0.0/0", "deny", (3389, 3389)),
    ]
    assert _nacl_controls(*deny_both, entry(100, False, "-1", "0.0.0.0/0", "allow")) == set()
    # denying 22 only leaves 3389 open: still a finding, naming rule 100
    report = run(
        network(
            [],
            nacls=[
                nacl(
                    "acl-x",
                    [PUB],
                    [*deny_both[:1], *deny_both[2:3], entry(100, False, "-1", "0.0.0.0/0", "allow")],
                )
            ],
        )
    )
    (f,) = of(report, "EC2.21")
    assert [r.rule_number for r in f.rules] == [100] and "3389" in f.message and "22," not in f.message
    # a deny placed *after* the allow is shadowed: the allow decides
    assert (
        _nacl_controls(
            entry(100, False, "-1", "0.0.0.0/0", "allow"),
            *[{**e, "RuleNumber": e["RuleNumber"] + 100} for e in deny_both],
        )
        == NACL_V4
    )


def test_nacl_deny_of_a_narrow_range_leaves_the_world_open() -> None:
    got = _nacl_controls(
        entry(90, False, "6", "203.0.113.0/24", "deny", (0, 65535)),
        entry(100, False, "6", "0.0.0.0/0", "allow", (22, 22)),
    )
    assert got == NACL_V4


def test_nacl_world_union_and_narrow_allows() -> None:
    halves = [
        entry(100, False, "6", "0.0.0.0/1", "allow", (3389, 3389)),
        entry(110, False, "6", "128.0.0.0/1", "allow", (3389, 3389)),
    ]
    assert _nacl_controls(*halves) == NACL_V4
    assert _nacl_controls(entry(100, False, "6", "10.0.0.0/8", "allow", (22, 22))) == set()
    assert _nacl_controls(entry(100, False, "6", "0.0.0.0/0", "allow", (80, 443))) == set()
    assert _nacl_controls(entry(100, False, "6", "0.0.0.0/0", "allow", (0, 1024))) == NACL_V4


def test_nacl_protocols_udp_all_and_ipv6() -> None:
    assert _nacl_controls(entry(100, False, "17", "0.0.0.0/0", "allow", (3389, 3389))) == NACL_V4
    assert _nacl_controls(entry(100, False, "-1", "0.0.0.0/0", "allow")) == NACL_V4
    assert _nacl_controls(entry(100, False, "1", "0.0.0.0/0", "allow")) == set()  # ICMP
    # ::/0 is EC2.21's, not CIS 5.1's (whose text names 0.0.0.0/0 only)
    assert _nacl_controls(entry(100, False, "6", "::/0", "allow", (22, 22))) == {"EC2.21"}
    # egress entries are not ingress
    assert _nacl_controls(entry(100, True, "-1", "0.0.0.0/0", "allow")) == set()


def test_nacl_cis_admin_ports_configurable() -> None:
    cfg = parse_config("admin_ports: [22, 3389, 5985]\n")
    assert _nacl_controls(entry(100, False, "6", "0.0.0.0/0", "allow", (5985, 5985)), config=cfg) == {
        "CIS 5.1",
        "CIS v5.0 5.2",
    }


# -- what is disabled is not run -------------------------------------------------------------------


def test_disable_and_severity_overrides() -> None:
    cfg = parse_config("disable: [EC2.18, CIS 5.2]\nseverity: {EC2.13: low}\n")
    report = run(network([sg("sg-x", [perm("tcp", 22, cidrs=("0.0.0.0/0",))])]), cfg)
    checks = {f.check.id for f in report.active}
    assert "EC2.18" not in checks and "EC2.53" not in checks and "EC2.13" in checks
    (f,) = of(report, "EC2.13")
    # the configured severity is the base; attached to nothing, the exposure is one level lower
    assert (f.level.label, f.reachable) == ("info", False)
