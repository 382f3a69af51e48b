"""``model.frozen.fast_init``: the faster ``__init__`` of the walk's frozen values is the dataclass's own
(same signature, defaults, default factories, keyword-only fields), and the values stay frozen, compared
and hashed by their fields."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import Hop, HopAction, HopKind, Leg
from vpcflow.model import Address, Direction
from vpcflow.model.frozen import fast_init


def _twin(cls: type) -> type:
    """The same dataclass, declared anew with dataclasses' own ``__init__``."""
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    fields = [(f.name, f.type, f) for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=params.frozen, slots=True)


@pytest.mark.parametrize("cls", [Hop, Packet, IntervalSet, Address, Leg])
def test_signature_is_the_dataclass_one(cls: type) -> None:
    assert inspect.signature(cls) == inspect.signature(_twin(cls))


def test_values_are_the_same_and_stay_frozen() -> None:
    a, ports = Address.parse("10.0.0.1"), IntervalSet.single(443)
    p = Packet(a, a, 6, ports, ports)
    assert p == Packet(src=a, dst=a, protocol=6, sports=ports, dports=ports, icmp_type=None)
    assert p.via_groups == () and hash(p) == hash(dataclasses.replace(p))
    h = Hop(HopKind.SECURITY_GROUP, "sg-1", Direction.INGRESS, HopAction.ALLOW)
    assert (h.rule, h.detail, h.denied_ports, h.group_ids, h.connection) == (None, "", None, (), "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.detail = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Hop(HopKind.SECURITY_GROUP)  # type: ignore[call-arg]


def test_only_plain_frozen_slotted_dataclasses() -> None:
    @dataclasses.dataclass(slots=True)
    class Mutable:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            pass

    for cls in (Mutable, Checked):
        with pytest.raises(TypeError):
            fast_init(cls)


def test_default_factories_and_keyword_only_fields() -> None:
    @fast_init
    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class Kw:
        x: int
        items: list[int] = dataclasses.field(default_factory=list)

    one, two = Kw(x=1), Kw(x=1)
    assert one == two and one.items is not two.items
    assert Kw(x=2, items=[3]).items == [3]
    with pytest.raises(TypeError):
        Kw(1)  # type: ignore[misc]
