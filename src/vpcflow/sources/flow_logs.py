"""describe-flow-logs → ``FlowLog`` (what is logged where: the audit's EC2.6 / CIS 3.7 coverage)."""

from __future__ import annotations

from typing import Any

from vpcflow.model import FlowLog, flow_log_resource_type
from vpcflow.sources.base import Ctx, FunctionParser, tags_of

_TRAFFIC_TYPES = frozenset({"ACCEPT", "REJECT", "ALL"})


def parse_flow_logs(items: list[Any], ctx: Ctx) -> None:
    for i, raw in enumerate(items):
        path = f"$.FlowLogs[{i}]"
        item = ctx.obj(raw, path)
        fl_id = ctx.str_(item, "FlowLogId", path)
        resource_id = ctx.str_(item, "ResourceId", path)
        traffic = (ctx.opt_str(item, "TrafficType", path) or "ALL").upper()
        if traffic not in _TRAFFIC_TYPES:
            raise ctx.fail(f"{path}.TrafficType", f"expected ACCEPT, REJECT or ALL, found {traffic!r}")
        interval = item.get("MaxAggregationInterval")
        destination = ctx.opt_str(item, "LogDestination", path) or ctx.opt_str(item, "LogGroupName", path)
        flow_log = FlowLog(
            fl_id,
            resource_id,
            traffic,
            ctx.opt_str(item, "FlowLogStatus", path) or "ACTIVE",
            flow_log_resource_type(resource_id),
            ctx.opt_str(item, "LogDestinationType", path) or ("cloud-watch-logs" if destination else None),
            destination,
            ctx.opt_str(item, "LogFormat", path),
            None if interval is None else ctx.int_(interval, f"{path}.MaxAggregationInterval"),
            ctx.opt_str(item, "DeliverLogsStatus", path),
            tags_of(ctx, item, path),
        )
        ctx.keep(ctx.out.flow_logs, fl_id, flow_log, path, "flow log")


PARSER = FunctionParser("FlowLogs", parse_flow_logs)
