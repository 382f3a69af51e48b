"""Analyses over the store, as SQL run by DuckDB. Each returns ``(columns, rows)``.

Scan detection (thresholds are options; defaults follow published rules — ≥10 distinct ports from one
source to one target within 60 minutes, ≥50 within 1 minute, and sweeps of ≥100 hosts on one port within
10 minutes). The count is exact over every possible window position (see ``_burst``): a port probed
earlier and again inside a later burst counts in that burst too.

Only TCP/UDP records that look like requests count (destination port below source port: clients use
high ephemeral ports, probes aim at service ports); responses — a server answering many client ports —
would otherwise look like a scan of the client. And a burst counts only if at least ``min_rejected``
(default half) of its probed ports/hosts saw no accepted record: many distinct ports that all answered
are a busy client behind a load balancer, not a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

Result = tuple[list[str], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Window:
    since: int | None = None
    until: int | None = None

    def where(self, alias: str = "") -> str:
        p = f"{alias}." if alias else ""
        parts = ["log_status = 'OK'"]
        if self.since is not None:
            parts.append(f"{p}start >= {int(self.since)}")
        if self.until is not None:
            parts.append(f"{p}start < {int(self.until)}")
        return " AND ".join(parts)


def parse_time(text: str | None, now: datetime | None = None) -> int | None:
    """ISO 8601 (``2026-11-27T10:00Z``), epoch seconds, or relative (``2h``, ``30m``, ``7d`` ago)."""
    if text is None:
        return None
    value = text.strip()
    if value.isdigit():
        return int(value)
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if value[:-1].isdigit() and value[-1] in units:
        ref = now or datetime.now(tz=UTC)
        return int((ref - timedelta(seconds=int(value[:-1]) * units[value[-1]])).timestamp())
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"bad time {text!r} (expected ISO 8601, epoch seconds, or e.g. 2h / 30m / 7d)"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def _run(con: Any, sql: str) -> Result:
    """``con`` is a query engine (``engines.py``) or a raw DuckDB connection."""
    if hasattr(con, "query") and not hasattr(con, "description"):
        result: Result = con.query(sql)
        return result
    cur = con.execute(sql)
    return [d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()]


def rejects(con: Any, window: Window, limit: int = 50) -> Result:
    # two-level aggregation: distinct targets come from the inner grouping (cheaper than COUNT DISTINCT)
    return _run(
        con,
        f"""
        WITH per_target AS (
            SELECT interface_id, srcaddr, dstport, protocol, dstaddr, count(*) AS n, sum(packets) AS p,
                   sum(bytes) AS b, min(start) AS s, max("end") AS e
            FROM flows WHERE action = 'REJECT' AND {window.where()}
            GROUP BY interface_id, srcaddr, dstport, protocol, dstaddr
        )
        SELECT interface_id, srcaddr, dstport, protocol, sum(n) AS records, sum(p) AS packets,
               sum(b) AS bytes, count(*) AS targets, min(s) AS first_seen, max(e) AS last_seen
        FROM per_target
        GROUP BY interface_id, srcaddr, dstport, protocol
        ORDER BY records DESC, packets DESC, interface_id, srcaddr, dstport LIMIT {int(limit)}
        """,
    )


_TOP_KEYS = {
    "src": "srcaddr",
    "dst": "dstaddr",
    "pair": "srcaddr, dstaddr",
    "interface": "interface_id",
}


def top(con: Any, window: Window, by: str = "pair", limit: int = 20, order: str = "bytes") -> Result:
    if by not in _TOP_KEYS:
        raise ValueError(f"--by must be one of {', '.join(_TOP_KEYS)}")
    if order not in ("bytes", "packets", "records"):
        raise ValueError("--order must be bytes, packets or records")
    keys = _TOP_KEYS[by]
    return _run(
        con,
        f"""
        SELECT {keys}, sum(bytes) AS bytes, sum(packets) AS packets, count(*) AS records,
               sum(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) AS rejected
        FROM flows WHERE {window.where()}
        GROUP BY ALL ORDER BY {order} DESC, {keys} LIMIT {int(limit)}
        """,
    )


def _burst(
    con: Any,
    window: Window,
    key: str,
    item: str,
    seconds: int,
    threshold: int,
    kind: str,
    min_rejected: float,
) -> Result:
    """Peak number of distinct items (ports or hosts) probed by one key within any ``seconds`` window.

    Exact, and plain SQL both engines run: an item probed at time p is present in every window starting in
    [p - W + 1, p]; an item's probes closer than W apart merge into one run, each run is an interval of
    window starts, and a running sum over the runs' start (+1) and end (-1) events counts the distinct
    items present for every possible window start.
    """
    keys = [k.strip() for k in key.split(",")]
    part = ", ".join(keys)
    on = " AND ".join(f"h.{k} = s.{k}" for k in keys)
    w = int(seconds)
    return _run(
        con,
        f"""
        WITH requests AS (
            SELECT {part}, {item} AS item, start AS t, action
            FROM flows WHERE {window.where()} AND srcaddr IS NOT NULL AND protocol IN (6, 17)
                 AND dstport < srcport
        ), candidates AS (
            -- a key can only reach the threshold in a window if it reaches it overall: cheap pre-filter
            SELECT {part} FROM requests GROUP BY {part} HAVING count(DISTINCT item) >= {int(threshold)}
        ), probes AS (
            SELECT {", ".join("r." + k for k in keys)}, r.item, r.t,
                   max(CASE WHEN r.action = 'ACCEPT' THEN 1 ELSE 0 END) AS ok
            FROM requests r JOIN candidates c ON {" AND ".join(f"r.{k} = c.{k}" for k in keys)}
            GROUP BY {", ".join("r." + k for k in keys)}, r.item, r.t
        ), marked AS (
            SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY {part}, item ORDER BY t) < {w} THEN 0 ELSE 1 END
                   AS new_run
            FROM probes
        ), numbered AS (
            SELECT *,
                   sum(new_run) OVER (PARTITION BY {part}, item ORDER BY t ROWS UNBOUNDED PRECEDING) AS run_id
            FROM marked
        ), runs AS (
            SELECT {part}, item, run_id, min(t) - {w - 1} AS lo, max(t) AS hi
            FROM numbered GROUP BY {part}, item, run_id
        ), events AS (
            SELECT {part}, lo AS ws, 1 AS d FROM runs
            UNION ALL
            SELECT {part}, hi + 1 AS ws, -1 AS d FROM runs
        ), counted AS (
            SELECT {part}, sum(d) OVER (PARTITION BY {part} ORDER BY ws, d ROWS UNBOUNDED PRECEDING) AS n
            FROM events
        ), hits AS (
            SELECT {part}, max(n) AS peak FROM counted GROUP BY {part} HAVING max(n) >= {int(threshold)}
        ), stats AS (
            SELECT {part}, count(DISTINCT item) AS distinct_total, min(t) AS first_seen, max(t) AS last_probe,
                   count(DISTINCT CASE WHEN ok = 1 THEN item END) AS accepted_items
            FROM probes GROUP BY {part}
        )
        SELECT '{kind}' AS kind, {", ".join("h." + k for k in keys)}, h.peak AS distinct_in_window,
               {w} AS window_seconds, s.distinct_total, s.first_seen, s.last_probe, s.accepted_items
        FROM hits h JOIN stats s ON {on}
        WHERE 1 - s.accepted_items / s.distinct_total >= {float(min_rejected)}
        ORDER BY distinct_in_window DESC, s.first_seen, {", ".join("h." + k for k in keys)}
        """,
    )


def scans(
    con: Any,
    window: Window,
    *,
    ports_slow: int = 10,
    slow_seconds: int = 3600,
    ports_fast: int = 50,
    fast_seconds: int = 60,
    hosts: int = 100,
    sweep_seconds: int = 600,
    min_rejected: float = 0.5,
) -> Result:
    args = (min_rejected,)
    slow = _burst(con, window, "srcaddr, dstaddr", "dstport", slow_seconds, ports_slow, "port-scan", *args)
    fast = _burst(
        con, window, "srcaddr, dstaddr", "dstport", fast_seconds, ports_fast, "fast-port-scan", *args
    )
    sweep = _burst(con, window, "srcaddr, dstport", "dstaddr", sweep_seconds, hosts, "sweep", *args)
    cols = [
        "kind",
        "source",
        "target",
        "distinct_in_window",
        "window_seconds",
        "distinct_total",
        "first_seen",
        "last_probe",
        "accepted_items",
    ]
    rows = [tuple(r) for r in slow[1] + fast[1]]
    # a sweep's "target" is its port
    rows += [(r[0], r[1], f"port {r[2]}", *r[3:]) for r in sweep[1]]
    return cols, rows


def timeline(con: Any, window: Window, bucket: int = 300) -> Result:
    return _run(
        con,
        f"""
        SELECT (start // {int(bucket)}) * {int(bucket)} AS bucket_start,
               count(*) AS records, sum(bytes) AS bytes, sum(packets) AS packets,
               sum(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) AS rejected
        FROM flows WHERE {window.where()}
        GROUP BY ALL ORDER BY bucket_start
        """,
    )


def plot_timeline(result: Result, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _cols, rows = result
    x = [r[0] / 86400 + 719163 for r in rows]  # matplotlib date numbers (days since 0001-01-01)
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(x, [r[1] - r[4] for r in rows], label="accepted records")
    ax.plot(x, [r[4] for r in rows], label="rejected records", color="tab:red")
    ax.set_xlabel("time (UTC)")
    ax.set_ylabel("records per bucket")
    ax.set_title("VPC flow logs over time")
    ax.legend()
    ax.xaxis_date()
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
