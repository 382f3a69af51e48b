"""The component registry: every modelled route target has a component, unregistered targets and
interface kinds fail closed to UNKNOWN by themselves, and a component plugged in is followed by the walk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from builders import ALLOW_ALL, SnapBuilder
from vpcflow.engine import Engine, HopKind, Verdict
from vpcflow.engine.components import (
    ROUTE_TARGETS,
    STOPPED,
    Forward,
    IntoSubnet,
    RouteContext,
    Step,
    Walk,
    registry,
)
from vpcflow.engine.result import HopAction
from vpcflow.model import MODELLED_TARGETS, RouteTarget


def test_registry_and_loader_agree_on_what_is_modelled() -> None:
    # the loader warns about routes to targets outside MODELLED_TARGETS: both lists must say the same
    assert set(ROUTE_TARGETS) == set(MODELLED_TARGETS)


def _two_vpcs() -> Engine:
    b = (
        SnapBuilder()
        .vpc("vpc-a", "10.0.0.0/16")
        .vpc("vpc-b", "10.1.0.0/16")
        .subnet("subnet-a", "vpc-a", "10.0.0.0/24")
        .subnet("subnet-b", "vpc-b", "10.1.0.0/24")
        .sg("sg-a", "vpc-a", [("-1", None, "0.0.0.0/0")])
        .sg("sg-b", "vpc-b", [("-1", None, "0.0.0.0/0")])
        .nacl("acl-a", "vpc-a", ["subnet-a"], ALLOW_ALL, ALLOW_ALL, default=True)
        .nacl("acl-b", "vpc-b", ["subnet-b"], ALLOW_ALL, ALLOW_ALL, default=True)
        .eni("eni-a", "subnet-a", "10.0.0.5", ["sg-a"])
        .eni("eni-b", "subnet-b", "10.1.0.5", ["sg-b"])
        .rtb("rtb-a", "vpc-a", ["subnet-a"], [("10.1.0.0/16", "lgw-1")], main=True)
        .rtb("rtb-b", "vpc-b", ["subnet-b"], [("10.0.0.0/16", "lgw-1")], main=True)
    )
    return Engine(b.build())


def test_unregistered_target_fails_closed() -> None:
    t = _two_vpcs().trace("eni-a", "eni-b", "tcp", 22)
    assert t.verdict is Verdict.UNKNOWN
    assert t.blocked_by is not None
    assert (t.blocked_by.code, t.blocked_by.id) == ("UNSUPPORTED_ROUTE_TARGET", "lgw-1")
    assert t.forward.hops[-1].kind is HopKind.UNSUPPORTED


def _toy_transit(walk: Walk, at: RouteContext) -> Step:
    """A stand-in for a transit gateway: straight into the destination's subnet of the other VPC."""
    for vpc_id in walk.snapshot.vpcs:
        target = walk.snapshot.subnet_of_address(vpc_id, at.pkt.dst)
        if target is not None:
            out = walk.leave_subnet(at.subnet, at.pkt)
            if out is None:
                return STOPPED
            walk.hop(HopKind.UNSUPPORTED, at.route.target_id, None, HopAction.FORWARD, None, "toy")
            return Forward(out, IntoSubnet(target, None))
    raise AssertionError("no subnet")


@pytest.fixture
def toy_transit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    table = dict(registry.ROUTE_TARGETS)
    table[RouteTarget.LOCAL_GATEWAY] = _toy_transit
    monkeypatch.setattr("vpcflow.engine.path.ROUTE_TARGETS", table)
    yield


@pytest.mark.usefixtures("toy_transit")
def test_a_registered_component_is_followed_both_ways() -> None:
    t = _two_vpcs().trace("eni-a", "eni-b", "tcp", 22)
    assert t.verdict is Verdict.ACCEPT, t.diagnosis
    assert [h.detail for h in t.forward.hops if h.detail == "toy"] == ["toy"]
    assert [h.detail for h in t.ret.hops if h.detail == "toy"] == ["toy"]
