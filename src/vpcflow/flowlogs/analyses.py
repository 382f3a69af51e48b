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

from vpcflow.flowlogs.summary import DAY, HOUR, MINUTE

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


# rollup views (engines.VIEWS): (view, its time column, granularity in seconds), coarsest first
DAYS_HOURS = (("flow_days", "day", DAY), ("flow_hours", "hour", HOUR))
HOURS = (("flow_hours", "hour", HOUR),)
MINUTES = (("flow_minutes", "minute", MINUTE),)


def _range(column: str, lo: int | None, hi: int | None) -> str:
    parts = ([f"{column} >= {lo}"] if lo is not None else []) + (
        [f"{column} < {hi}"] if hi is not None else []
    )
    return f"({' AND '.join(parts)})" if parts else "true"


Span = tuple[int | None, int | None]  # [lo, hi), None: unbounded


def cover(
    since: int | None, until: int | None, tiers: tuple[tuple[str, str, int], ...]
) -> tuple[dict[str, list[Span]], list[Span]]:
    """How to read the window [since, until) (None: unbounded) exactly once: per rollup view, spans of
    its time column selecting the whole units inside the window (coarsest first), and the spans of
    record start times left over at the edges."""
    rolled: dict[str, list[Span]] = {}
    raw: list[Span] = []

    def go(a: int | None, b: int | None, i: int) -> None:
        if i == len(tiers):
            raw.append((a, b))
            return
        view, _column, size = tiers[i]
        lo = None if a is None else -(-a // size) * size
        hi = None if b is None else b // size * size
        if lo is not None and hi is not None and lo >= hi:
            go(a, b, i + 1)  # no whole unit inside: a finer tier (or the records) reads it all
            return
        rolled.setdefault(view, []).append((lo, hi))
        if a is not None and lo is not None and a < lo:
            go(a, lo, i + 1)
        if b is not None and hi is not None and hi < b:
            go(hi, b, i + 1)

    go(since, until, 0)
    return rolled, raw


# the rollups' columns (summary.py); a record projects onto them as a cell of its own
_CELL = (
    "{time} AS hour, interface_id, srcaddr, dstaddr, dstport, protocol, action, request, records, packets, "
    "bytes, first_start, last_start, last_end"
)
_RECORD_AS_CELL = (
    "start // 3600 * 3600 AS hour, interface_id, srcaddr, dstaddr, dstport, protocol, action, "
    "dstport < srcport AS request, 1 AS records, packets, bytes, start AS first_start, start AS last_start, "
    '"end" AS last_end'
)
_MINUTE = "minute, action, records, packets, bytes"
_RECORD_AS_MINUTE = "start // 60 * 60 AS minute, action, 1 AS records, packets, bytes"


def _union(
    con: Any,
    window: Window,
    tiers: tuple[tuple[str, str, int], ...],
    columns: dict[str, str],
    records: str,
    condition: str = "true",
) -> str:
    """A subquery over the window: rollup rows (``columns[view]`` projected) for the whole units inside
    it, records (``records`` projected) for the rest, or records only when the store has no rollups."""
    if not getattr(con, "summary", False):
        return (
            f"SELECT * FROM (SELECT {records} FROM flows WHERE {window.where()}) AS cells WHERE {condition}"
        )
    rolled, raw = cover(window.since, window.until, tiers)
    time_of = {view: column for view, column, _size in tiers}
    parts = [
        f"SELECT {columns[view]} FROM {view} WHERE log_status = 'OK' AND "
        f"({' OR '.join(_range(time_of[view], lo, hi) for lo, hi in spans)})"
        for view, spans in rolled.items()
    ]
    if raw:
        edges = " OR ".join(_range("start", lo, hi) for lo, hi in raw)
        parts.append(f"SELECT {records} FROM flows WHERE log_status = 'OK' AND ({edges})")
    return f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS cells WHERE {condition}"


def _cells(
    con: Any, window: Window, condition: str = "true", tiers: tuple[tuple[str, str, int], ...] = DAYS_HOURS
) -> str:
    """Rollup-shaped rows covering the window that meet ``condition`` (on the rollup's columns)."""
    columns = {"flow_days": _CELL.format(time="day"), "flow_hours": _CELL.format(time="hour")}
    return _union(con, window, tiers, columns, _RECORD_AS_CELL, condition)


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
            SELECT interface_id, srcaddr, dstport, protocol, dstaddr, sum(records) AS n, sum(packets) AS p,
                   sum(bytes) AS b, min(first_start) AS s, max(last_end) AS e
            FROM ({_cells(con, window, "action = 'REJECT'")}) AS c
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
        SELECT {keys}, sum(bytes) AS bytes, sum(packets) AS packets, sum(records) AS records,
               sum(CASE WHEN action = 'REJECT' THEN records ELSE 0 END) AS rejected
        FROM ({_cells(con, window)}) AS c
        GROUP BY {keys} ORDER BY {order} DESC, {keys} LIMIT {int(limit)}
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

    Read from the hourly rollup: a key can reach the threshold in a window only if it does overall
    (candidates). Within one hour, an item's probes whose first and last start are less than W apart form
    one run whatever lies between, so the rollup's first and last start stand for them exactly; only the
    (key, item, hour) cells spread over W or more are read again from the records, with every start.
    """
    keys = [k.strip() for k in key.split(",")]
    part = ", ".join(keys)
    w = int(seconds)
    requests = "srcaddr IS NOT NULL AND protocol IN (6, 17) AND request"
    everything, hourly = _cells(con, window, requests), _cells(con, window, requests, HOURS)
    return _run(
        con,
        f"""
        WITH candidates AS (
            SELECT {part} FROM ({everything}) AS e
            GROUP BY {part} HAVING count(DISTINCT {item}) >= {int(threshold)}
        ), requests AS (
            SELECT {part}, {item} AS item, hour, action, first_start, last_start FROM ({hourly}) AS c
        ), spans AS (
            SELECT {", ".join("q." + k for k in keys)}, q.item, q.hour, min(q.first_start) AS lo_t,
                   max(q.last_start) AS hi_t, max(CASE WHEN q.action = 'ACCEPT' THEN 1 ELSE 0 END) AS ok
            FROM requests q JOIN candidates c ON {" AND ".join(f"q.{k} = c.{k}" for k in keys)}
            GROUP BY {", ".join("q." + k for k in keys)}, q.item, q.hour
        ), wide AS (
            SELECT {part}, item, hour FROM spans WHERE hi_t - lo_t >= {w}
        ), all_probes AS (
            SELECT {part}, item, lo_t AS t, ok FROM spans WHERE hi_t - lo_t < {w}
            UNION ALL
            SELECT {part}, item, hi_t AS t, ok FROM spans WHERE hi_t - lo_t < {w} AND hi_t > lo_t
            UNION ALL
            SELECT {", ".join("r." + k for k in keys)}, r.{item} AS item, r.start AS t,
                   CASE WHEN r.action = 'ACCEPT' THEN 1 ELSE 0 END AS ok
            FROM flows r JOIN wide x
                 ON {" AND ".join(f"r.{k} = x.{k}" for k in keys)} AND r.{item} = x.item
                    AND r.start // 3600 * 3600 = x.hour
            WHERE {window.where("r")} AND r.protocol IN (6, 17) AND r.dstport < r.srcport
        ), probes AS (
            SELECT {part}, item, t, max(ok) AS ok FROM all_probes GROUP BY {part}, item, t
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
        FROM hits h JOIN stats s ON {" AND ".join(f"h.{k} = s.{k}" for k in keys)}
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
    size = int(bucket)
    if size % MINUTE == 0:
        # whole minutes from the minute rollup (a bucket of whole minutes is a sum of them)
        rows = _union(con, window, MINUTES, {"flow_minutes": _MINUTE}, _RECORD_AS_MINUTE)
        time, count = "minute", "records"
    else:
        rows, time, count = f"SELECT * FROM flows WHERE {window.where()}", "start", "1"
    return _run(
        con,
        f"""
        SELECT ({time} // {size}) * {size} AS bucket_start,
               sum({count}) AS records, sum(bytes) AS bytes, sum(packets) AS packets,
               sum(CASE WHEN action = 'REJECT' THEN {count} ELSE 0 END) AS rejected
        FROM ({rows}) AS r
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
