"""``fast_init``: the same ``__init__`` as a frozen, slotted dataclass's, without its cost.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` (looked up
anew for every field); a trace builds tens of such values (packets, hops, steps, flow-log records) per
flow, and that lookup was a large share of its time. The ``__init__`` written here has the same signature
(positional order, defaults, default factories, keyword-only fields) and calls each slot's own setter,
bound once. The class stays what it was: frozen (assignment still raises), slotted, compared and hashed
by its fields.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def fast_init(cls: T) -> T:
    """Replace the dataclass ``cls``'s ``__init__`` (frozen, slotted; no ``InitVar``, no ``init=False``
    field, no ``__post_init__``) by one that sets each slot through its descriptor."""
    params = dataclasses.fields(cls)
    if (
        not getattr(getattr(cls, "__dataclass_params__", None), "frozen", False)
        or "__slots__" not in cls.__dict__
        or hasattr(cls, "__post_init__")
        or any(not f.init for f in params)
        or len(params) != len(inspect.signature(cls).parameters)
    ):
        raise TypeError(f"fast_init: {cls.__name__} is not a plain frozen slotted dataclass")
    signature = inspect.signature(cls.__dict__["__init__"])
    env: dict[str, Any] = {}
    args: list[str] = []
    body: list[str] = []
    keyword_only = False
    by_name = {f.name: f for f in params}
    for p in list(signature.parameters.values())[1:]:
        name = p.name
        if p.kind is p.KEYWORD_ONLY and not keyword_only:
            args.append("*")
            keyword_only = True
        if p.default is p.empty:
            args.append(name)
        else:
            env[f"_d_{name}"] = p.default
            args.append(f"{name}=_d_{name}")
        factory = by_name[name].default_factory
        if factory is not dataclasses.MISSING:
            # the dataclass's own default is its "use the factory" marker
            env[f"_f_{name}"] = factory
            body.append(f"    if {name} is _d_{name}:\n        {name} = _f_{name}()")
        env[f"_s_{name}"] = cls.__dict__[name].__set__
        body.append(f"    _s_{name}(self, {name})")
    source = f"def __init__(self, {', '.join(args)}):\n" + "\n".join(body or ["    pass"]) + "\n"
    exec(source, env)
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = dict(cls.__dict__["__init__"].__annotations__)
    if inspect.signature(init) != signature:  # names, order, kinds, defaults, annotations
        raise TypeError(f"fast_init: {cls.__name__}.__init__ would change its signature")
    cls.__init__ = init  # type: ignore[misc]
    return cls
