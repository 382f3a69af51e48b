"""AWS-documented scenarios (aws-semantics.md §2.5-2.7, §5.3) walked packet by packet.

Expected values are worked out from the AWS documentation tables, not recorded from vpcflow's output.
"""

from __future__ import annotations

import pytest

from builders import ALLOW_ALL, AclSpec, SnapBuilder
from vpcflow.engine import Engine, HopKind, Verdict
from vpcflow.model import Direction

# -- §2.5 custom NACL (IPv4-only VPC) --------------------------------------------------------------
NACL_25_IN: list[AclSpec] = [
    (100, "tcp", "80", "0.0.0.0/0", "allow"),
    (110, "tcp", "443", "0.0.0.0/0", "allow"),
    (120, "tcp", "22", "192.0.2.0/24", "allow"),
    (130, "tcp", "3389", "192.0.2.0/24", "allow"),
    (140, "tcp", "32768-65535", "0.0.0.0/0", "allow"),
]
NACL_25_OUT: list[AclSpec] = [
    (100, "tcp", "80", "0.0.0.0/0", "allow"),
    (110, "tcp", "443", "0.0.0.0/0", "allow"),
    (120, "tcp", "1024-65535", "192.0.2.0/24", "allow"),
    (140, "tcp", "32768-65535", "0.0.0.0/0", "allow"),
]


@pytest.fixture(scope="module")
def custom_nacl() -> Engine:
    b = (
        SnapBuilder()
        .vpc("vpc-1", "10.0.0.0/16")
        .subnet("subnet-1", "vpc-1", "10.0.0.0/24")
        .sg("sg-open", "vpc-1", [("-1", None, "0.0.0.0/0")])
        .nacl("acl-1", "vpc-1", ["subnet-1"], NACL_25_IN, NACL_25_OUT)
        .eni("eni-web", "subnet-1", "10.0.0.5", ["sg-open"], public="198.51.100.5")
        .igw("igw-1", "vpc-1")
        .rtb("rtb-1", "vpc-1", ["subnet-1"], [("0.0.0.0/0", "igw-1")], main=True)
    )
    return Engine(b.build())


def _nacl_hop(trace_hops: tuple[object, ...], direction: Direction) -> object:
    return next(
        h
        for h in trace_hops
        if getattr(h, "kind", None) is HopKind.NETWORK_ACL and getattr(h, "direction", None) is direction
    )


def test_25_https_misses_100_matches_110(custom_nacl: Engine) -> None:
    t = custom_nacl.trace("203.0.113.9", "eni-web", "tcp", 443)
    hop = _nacl_hop(t.forward.hops, Direction.INGRESS)
    assert hop.rule.rule_number == 110  # type: ignore[attr-defined]
    assert t.verdict is Verdict.ACCEPT  # replies to 32768-60999 leave by outbound rule 140


def test_25_port_139_falls_to_star(custom_nacl: Engine) -> None:
    t = custom_nacl.trace("203.0.113.9", "eni-web", "tcp", 139)
    assert t.verdict is Verdict.REJECT
    b = t.blocked_by
    assert b is not None and b.stage == "forward" and b.code == "SUBNET_ACL_RESTRICTION"
    assert b.rule.number_text == "*" and b.rule.rule_number == 32767  # type: ignore[union-attr]


def test_25_ssh_only_from_home_network(custom_nacl: Engine) -> None:
    assert custom_nacl.trace("192.0.2.44", "eni-web", "tcp", 22).verdict is Verdict.ACCEPT
    t = custom_nacl.trace("203.0.113.9", "eni-web", "tcp", 22)
    assert t.verdict is Verdict.REJECT and t.blocked_by.rule.number_text == "*"  # type: ignore[union-attr]


def test_25_windows_2003_clients_fail_on_return(custom_nacl: Engine) -> None:
    # outbound 140 admits 32768-65535 only: replies to 1025-5000 hit `*`
    t = custom_nacl.trace("203.0.113.9", "eni-web", "tcp", 80, client_ports="windows-2003")
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.stage == "return"
    assert t.blocked_by.direction is Direction.EGRESS


def test_25_elb_clients_partial(custom_nacl: Engine) -> None:
    # an ELB client uses 1024-65535: replies to 32768-65535 leave by rule 140, the rest hit `*`
    t = custom_nacl.trace("203.0.113.9", "eni-web", "tcp", 443, client_ports="elb")
    assert t.verdict is Verdict.PARTIAL
    assert str(t.return_ports) == "32768-65535"
    assert t.blocked_by is not None and str(t.blocked_by.ports) == "1024-32767"
    assert t.blocked_by.rule.number_text == "*"  # type: ignore[union-attr]


def test_25_outbound_call_from_server(custom_nacl: Engine) -> None:
    # the server calls out on 443 (outbound 110); replies come back by inbound 140
    t = custom_nacl.trace("eni-web", "203.0.113.77", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT


# -- §2.6 public + private subnets (former Scenario 2) --------------------------------------------
PUB_IN: list[AclSpec] = [
    (100, "tcp", "80", "0.0.0.0/0", "allow"),
    (110, "tcp", "443", "0.0.0.0/0", "allow"),
    (120, "tcp", "22", "192.0.2.0/24", "allow"),
    (130, "tcp", "3389", "192.0.2.0/24", "allow"),
    (140, "tcp", "1024-65535", "0.0.0.0/0", "allow"),
]
PUB_OUT: list[AclSpec] = [
    (100, "tcp", "80", "0.0.0.0/0", "allow"),
    (110, "tcp", "443", "0.0.0.0/0", "allow"),
    (120, "tcp", "1433", "10.0.1.0/24", "allow"),
    (140, "tcp", "32768-65535", "0.0.0.0/0", "allow"),
    (150, "tcp", "22", "10.0.1.0/24", "allow"),
]
PRIV_IN: list[AclSpec] = [
    (100, "tcp", "1433", "10.0.0.0/24", "allow"),
    (120, "tcp", "22", "10.0.0.0/24", "allow"),
    (130, "tcp", "3389", "10.0.0.0/24", "allow"),
    (140, "tcp", "1024-65535", "0.0.0.0/0", "allow"),
]
PRIV_OUT: list[AclSpec] = [
    (100, "tcp", "80", "0.0.0.0/0", "allow"),
    (110, "tcp", "443", "0.0.0.0/0", "allow"),
    (120, "tcp", "32768-65535", "10.0.0.0/24", "allow"),
]


@pytest.fixture(scope="module")
def scenario2() -> Engine:
    b = (
        SnapBuilder()
        .vpc("vpc-1", "10.0.0.0/16")
        .subnet("subnet-pub", "vpc-1", "10.0.0.0/24")
        .subnet("subnet-priv", "vpc-1", "10.0.1.0/24")
        .sg(
            "sg-web",
            "vpc-1",
            [("tcp", "80", "0.0.0.0/0"), ("tcp", "443", "0.0.0.0/0"), ("tcp", "22", "192.0.2.0/24")],
        )
        .sg("sg-db", "vpc-1", [("tcp", "1433", "sg-web"), ("tcp", "22", "sg-web")])
        .nacl("acl-pub", "vpc-1", ["subnet-pub"], PUB_IN, PUB_OUT)
        .nacl("acl-priv", "vpc-1", ["subnet-priv"], PRIV_IN, PRIV_OUT)
        .eni("eni-web", "subnet-pub", "10.0.0.10", ["sg-web"], public="198.51.100.10", name="web")
        .eni("eni-db", "subnet-priv", "10.0.1.10", ["sg-db"], name="db")
        .nat("nat-1", "subnet-pub", "10.0.0.20", "198.51.100.20", "eni-nat")
        .igw("igw-1", "vpc-1")
        .rtb("rtb-pub", "vpc-1", ["subnet-pub"], [("0.0.0.0/0", "igw-1")])
        .rtb("rtb-priv", "vpc-1", ["subnet-priv"], [("0.0.0.0/0", "nat-1")], main=True)
    )
    return Engine(b.build())


def test_26_internet_to_web(scenario2: Engine) -> None:
    assert scenario2.trace("203.0.113.9", "web", "tcp", 80).verdict is Verdict.ACCEPT
    assert scenario2.trace("203.0.113.9", "web", "tcp", 443, client_ports="windows").verdict is Verdict.ACCEPT


def test_26_web_to_db_sql(scenario2: Engine) -> None:
    t = scenario2.trace("web", "db", "tcp", 1433)
    assert t.verdict is Verdict.ACCEPT
    kinds = [(h.kind, h.id, h.direction) for h in t.forward.hops]
    assert (HopKind.NETWORK_ACL, "acl-pub", Direction.EGRESS) in kinds
    assert (HopKind.NETWORK_ACL, "acl-priv", Direction.INGRESS) in kinds


def test_26_db_reply_only_to_linux_range(scenario2: Engine) -> None:
    # private outbound 120 admits 32768-65535 back to the public subnet
    t = scenario2.trace("web", "db", "tcp", 1433, client_ports="1024-65535")
    assert t.verdict is Verdict.PARTIAL
    assert str(t.return_ports) == "32768-65535"
    assert t.blocked_by is not None and t.blocked_by.id == "acl-priv"


def test_26_private_instance_to_internet_via_nat(scenario2: Engine) -> None:
    t = scenario2.trace("db", "203.0.113.50", "tcp", 443)
    assert t.verdict is Verdict.ACCEPT
    kinds = [h.kind for h in t.forward.hops]
    assert HopKind.NAT_GATEWAY in kinds and HopKind.INTERNET_GATEWAY in kinds
    nat_records = [r for r in t.flow_logs if r.interface_id == "eni-nat"]
    # §5.6: four records on the NAT ENI; dstaddr of the first is the NAT's own private IP
    assert len(nat_records) == 4
    first = nat_records[0]
    assert (str(first.srcaddr), str(first.dstaddr), str(first.pkt_dstaddr)) == (
        "10.0.1.10",
        "10.0.0.20",
        "203.0.113.50",
    )
    last = nat_records[-1]
    assert (str(last.srcaddr), str(last.dstaddr), str(last.pkt_srcaddr)) == (
        "10.0.0.20",
        "10.0.1.10",
        "203.0.113.50",
    )


def test_26_nat_reply_ports_restricted(scenario2: Engine) -> None:
    # HTTP (80) from the private subnet: public inbound 140 admits the NAT's ports 1024-65535
    assert scenario2.trace("db", "203.0.113.50", "tcp", 80).verdict is Verdict.ACCEPT
    # port 8443 is not in private outbound (80/443 only)
    t = scenario2.trace("db", "203.0.113.50", "tcp", 8443)
    assert t.verdict is Verdict.REJECT and t.blocked_by.id == "acl-priv"  # type: ignore[union-attr]


def test_26_unsolicited_inbound_to_nat_dropped(scenario2: Engine) -> None:
    t = scenario2.trace("203.0.113.9", "198.51.100.20", "tcp", 443)
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.code == "NGW_UNSOLICITED_INBOUND"


# -- §2.7 control access to a subnet --------------------------------------------------------------


@pytest.fixture(scope="module")
def ssh_subnet() -> Engine:
    b = (
        SnapBuilder()
        .vpc("vpc-1", "172.31.0.0/16")
        .subnet("subnet-a", "vpc-1", "172.31.0.0/24")
        .subnet("subnet-b", "vpc-1", "172.31.1.0/24")
        .sg("sg-1", "vpc-1", [("-1", None, "sg-1"), ("tcp", "22", "0.0.0.0/0")], [("-1", None, "sg-1")])
        .sg("sg-open", "vpc-1", [], [("-1", None, "0.0.0.0/0")])
        .nacl(
            "acl-a",
            "vpc-1",
            ["subnet-a"],
            [(100, "tcp", "22", "172.31.1.2/32", "allow")],
            [(100, "tcp", "1024-65535", "172.31.1.2/32", "allow")],
        )
        .nacl("acl-b", "vpc-1", ["subnet-b"], ALLOW_ALL, ALLOW_ALL, default=True)
        .eni("eni-1", "subnet-a", "172.31.0.10", ["sg-1"])
        .eni("eni-2", "subnet-a", "172.31.0.11", ["sg-1"])
        .eni("eni-admin", "subnet-b", "172.31.1.2", ["sg-open"])
        .eni("eni-other", "subnet-b", "172.31.1.3", ["sg-open"])
        .rtb("rtb-1", "vpc-1", [], [], main=True)
    )
    return Engine(b.build())


def test_27_remote_admin_allowed(ssh_subnet: Engine) -> None:
    assert ssh_subnet.trace("eni-admin", "eni-1", "tcp", 22).verdict is Verdict.ACCEPT


def test_27_other_host_stopped_by_nacl_despite_open_sg(ssh_subnet: Engine) -> None:
    t = ssh_subnet.trace("eni-other", "eni-1", "tcp", 22)
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.id == "acl-a" and t.blocked_by.stage == "forward"


def test_27_same_subnet_skips_nacl(ssh_subnet: Engine) -> None:
    t = ssh_subnet.trace("eni-2", "eni-1", "tcp", 5000)
    assert t.verdict is Verdict.ACCEPT
    assert all(h.kind is not HopKind.NETWORK_ACL for h in t.forward.hops + t.ret.hops)


# -- §5.3 ping from a home computer: the three variants --------------------------------------------


def _ping_snapshot(nacl_out_icmp: bool, sg_in_icmp: bool) -> Engine:
    out: list[AclSpec] = [(100, "icmp", None, "0.0.0.0/0", "allow")] if nacl_out_icmp else []
    b = (
        SnapBuilder()
        .vpc("vpc-1", "172.31.0.0/16")
        .subnet("subnet-1", "vpc-1", "172.31.16.0/20")
        .sg("sg-1", "vpc-1", [("icmp", "-1", "0.0.0.0/0")] if sg_in_icmp else [], [])
        .nacl("acl-1", "vpc-1", ["subnet-1"], [(100, "icmp", None, "0.0.0.0/0", "allow")], out)
        .eni("eni-1235b8ca123456789", "subnet-1", "172.31.16.139", ["sg-1"], public="198.51.100.139")
        .igw("igw-1", "vpc-1")
        .rtb("rtb-1", "vpc-1", ["subnet-1"], [("0.0.0.0/0", "igw-1")], main=True)
    )
    return Engine(b.build())


def _records(engine: Engine) -> list[tuple[str, str, str, int, int, int, str]]:
    t = engine.trace("203.0.113.12", "eni-1235b8ca123456789", "icmp")
    return [
        (r.interface_id, str(r.srcaddr), str(r.dstaddr), r.srcport, r.dstport, r.protocol, r.action)
        for r in t.flow_logs
    ]


ENI = "eni-1235b8ca123456789"


def test_53_nacl_drops_reply_accept_then_reject() -> None:
    assert _records(_ping_snapshot(nacl_out_icmp=False, sg_in_icmp=True)) == [
        (ENI, "203.0.113.12", "172.31.16.139", 0, 0, 1, "ACCEPT"),
        (ENI, "172.31.16.139", "203.0.113.12", 0, 0, 1, "REJECT"),
    ]
    t = _ping_snapshot(False, True).trace("203.0.113.12", ENI, "icmp")
    assert t.verdict is Verdict.REJECT
    assert t.blocked_by is not None and t.blocked_by.stage == "return"
    assert t.blocked_by.code == "SUBNET_ACL_RESTRICTION"
    # the SG has no outbound rules at all, yet the reply passes it: connection tracking
    sg_hop = next(h for h in t.ret.hops if h.kind is HopKind.SECURITY_GROUP)
    assert sg_hop.action.value == "allow" and sg_hop.rule is None


def test_53_both_allowed_two_accepts() -> None:
    assert _records(_ping_snapshot(nacl_out_icmp=True, sg_in_icmp=True)) == [
        (ENI, "203.0.113.12", "172.31.16.139", 0, 0, 1, "ACCEPT"),
        (ENI, "172.31.16.139", "203.0.113.12", 0, 0, 1, "ACCEPT"),
    ]


def test_53_sg_denies_single_reject() -> None:
    assert _records(_ping_snapshot(nacl_out_icmp=True, sg_in_icmp=False)) == [
        (ENI, "203.0.113.12", "172.31.16.139", 0, 0, 1, "REJECT"),
    ]
