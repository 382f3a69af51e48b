"""The engines: the concrete evaluator (trace) over a Snapshot. No I/O here."""

from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import (
    Blocker,
    Endpoint,
    FlowLogRecord,
    Hop,
    HopAction,
    HopKind,
    Leg,
    Trace,
    Verdict,
)
from vpcflow.engine.rules import AddressSpace, CompiledRules, FilterResult
from vpcflow.engine.trace import Engine, parse_port_range
from vpcflow.engine.verdicts import BatchEvaluator, BatchResult
from vpcflow.model import EPHEMERAL_PRESETS

__all__ = [
    "EPHEMERAL_PRESETS",
    "AddressSpace",
    "BatchEvaluator",
    "BatchResult",
    "Blocker",
    "CompiledRules",
    "Endpoint",
    "Engine",
    "FilterResult",
    "FlowLogRecord",
    "Hop",
    "HopAction",
    "HopKind",
    "IntervalSet",
    "Leg",
    "Trace",
    "Verdict",
    "parse_port_range",
]
