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

import ipaddress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from vpcflow.flowlogs.summary import DAY, HOUR, MINUTE

Result = tuple[list[str], list[tuple[Any, ...]]]


def _strings(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _v4_number(column: str) -> str:
    """An IPv4 address column as its 32-bit number (NULL for anything else: IPv6, ``-``)."""
    octets = [f"TRY_CAST(split_part({column}, '.', {i + 1}) AS BIGINT)" for i in range(4)]
    weights = (16777216, 65536, 256, 1)
    checks = " AND ".join(f"{o} BETWEEN 0 AND 255" for o in octets)
    number = " + ".join(f"{o} * {w}" for o, w in zip(octets, weights, strict=True))
    return f"(CASE WHEN {checks} THEN {number} END)"


@dataclass(frozen=True)
class Window:
    """Which records an analysis looks at: a time window (record start in [since, until)) and, when
    given, only those on these interfaces (``enis``), to or from these addresses (``addrs``) or networks
    (``nets``, CIDRs), and whose service port is one of ``ports`` — the destination port of a request
    (destination port below source port), the source port of anything else (a reply comes from the
    service's port). IPv4 networks are matched in SQL (the address as a number); IPv6 ones through the
    addresses the store holds (``resolve``: flow logs write IPv6 addresses as text in compressed form,
    which no string comparison orders)."""

    since: int | None = None
    until: int | None = None
    enis: tuple[str, ...] = ()
    addrs: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    nets: tuple[str, ...] = ()
    # IPv6 networks of ``nets`` replaced by the store's addresses in them (``resolve``)
    resolved_v6: bool = False

    @property
    def filtered(self) -> bool:
        return bool(self.enis or self.addrs or self.nets or self.ports)

    def _address_match(self, column: str) -> list[str]:
        out = [f"{column} IN ({_strings(self.addrs)})"] if self.addrs else []
        for text in self.nets:
            net = ipaddress.ip_network(text)
            if net.version == 4:
                lo, hi = int(net.network_address), int(net.broadcast_address)
                out.append(f"{_v4_number(column)} BETWEEN {lo} AND {hi}")
            elif not self.resolved_v6:
                raise ValueError(f"IPv6 network {text} not resolved against the store (Window.resolve)")
        return out

    def _filters(self, p: str, service_port: str) -> list[str]:
        parts = []
        if self.enis:
            parts.append(f"{p}interface_id IN ({_strings(self.enis)})")
        if self.addrs or self.nets:
            either = self._address_match(f"{p}srcaddr") + self._address_match(f"{p}dstaddr")
            parts.append(f"({' OR '.join(either) or 'false'})")
        if self.ports:
            parts.append(f"{service_port} IN ({', '.join(str(int(x)) for x in self.ports)})")
        return parts

    def where(self, alias: str = "") -> str:
        """The condition on records."""
        p = f"{alias}." if alias else ""
        parts = [f"{p}log_status = 'OK'"]
        if self.since is not None:
            parts.append(f"{p}start >= {int(self.since)}")
        if self.until is not None:
            parts.append(f"{p}start < {int(self.until)}")
        service = f"(CASE WHEN {p}dstport < {p}srcport THEN {p}dstport ELSE {p}srcport END)"
        return " AND ".join(parts + self._filters(p, service))

    def cells(self) -> str:
        """The filters (not the time) on rollup cells: ``request`` and ``sport`` stand for the ports."""
        return " AND ".join(self._filters("", "(CASE WHEN request THEN dstport ELSE sport END)")) or "true"

    def resolve(self, con: Any) -> Window:
        """This window with its IPv6 networks replaced by the IPv6 addresses of the store that are in
        them (one pass over the address columns; only when an IPv6 network was given)."""
        v6 = [ipaddress.ip_network(n) for n in self.nets if ipaddress.ip_network(n).version == 6]
        if not v6 or self.resolved_v6:
            return replace(self, resolved_v6=True)
        _cols, rows = _run(
            con,
            "SELECT DISTINCT a FROM (SELECT srcaddr AS a FROM flows UNION SELECT dstaddr AS a FROM flows) "
            "AS addresses WHERE a LIKE '%:%'",
        )
        found = []
        for (text,) in rows:
            try:
                address = ipaddress.IPv6Address(str(text))
            except ValueError:
                continue
            if any(address in n for n in v6):
                found.append(str(text))
        return replace(self, addrs=self.addrs + tuple(sorted(found)), resolved_v6=True)


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
    "{time} AS hour, interface_id, srcaddr, dstaddr, dstport, protocol, action, request, sport, records, "
    "packets, bytes, first_start, last_start, last_end"
)
_RECORD_AS_CELL = (
    "start // 3600 * 3600 AS hour, interface_id, srcaddr, dstaddr, dstport, protocol, action, "
    "dstport < srcport AS request, CASE WHEN dstport < srcport THEN NULL ELSE srcport END AS sport, "
    '1 AS records, packets, bytes, start AS first_start, start AS last_start, "end" AS last_end'
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
        f"SELECT {columns[view]} FROM {view} WHERE log_status = 'OK' AND {window.cells()} AND "
        f"({' OR '.join(_range(time_of[view], lo, hi) for lo, hi in spans)})"
        for view, spans in rolled.items()
    ]
    if raw:
        edges = " OR ".join(_range("start", lo, hi) for lo, hi in raw)
        everywhere = replace(window, since=None, until=None).where()
        parts.append(f"SELECT {records} FROM flows WHERE {everywhere} AND ({edges})")
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


# Which side of a conversation a record (or rollup cell) is: TCP/UDP records whose destination port is
# below the source port (or equal to it) are requests to the destination's service; the others replies
# from the source's service port to a client's port. Other protocols have no ports: "to the destination".
_IS_REQUEST = "(protocol NOT IN (6, 17) OR request OR dstport = sport)"


def rejects(con: Any, window: Window, limit: int = 50) -> Result:
    """REJECT records grouped by server side: interface, direction (request to the server, or reply from
    it), server address, service port and protocol, with how many clients and — for replies — how many
    distinct client ports were involved. Replies a NACL drops on their way back to many ephemeral ports
    make one row, not one per port."""
    window = window.resolve(con)
    # two levels: distinct clients and client ports come from the inner grouping
    return _run(
        con,
        f"""
        WITH sided AS (
            SELECT interface_id, protocol,
                   CASE WHEN protocol NOT IN (6, 17) THEN NULL
                        WHEN {_IS_REQUEST} THEN 'request' ELSE 'reply' END AS direction,
                   CASE WHEN {_IS_REQUEST} THEN dstaddr ELSE srcaddr END AS server,
                   CASE WHEN {_IS_REQUEST} THEN dstport ELSE sport END AS service_port,
                   CASE WHEN {_IS_REQUEST} THEN srcaddr ELSE dstaddr END AS client,
                   CASE WHEN {_IS_REQUEST} THEN NULL ELSE dstport END AS client_port,
                   records, packets, bytes, first_start, last_end
            FROM ({_cells(con, window, "action = 'REJECT'")}) AS c
        ), per_client AS (
            SELECT interface_id, direction, server, service_port, protocol, client, client_port,
                   sum(records) AS n, sum(packets) AS p, sum(bytes) AS b, min(first_start) AS s,
                   max(last_end) AS e
            FROM sided
            GROUP BY interface_id, direction, server, service_port, protocol, client, client_port
        )
        SELECT interface_id, direction, server, service_port, protocol, sum(n) AS records,
               sum(p) AS packets, sum(b) AS bytes, count(DISTINCT client) AS clients,
               CASE WHEN direction = 'reply' THEN count(DISTINCT client_port) END AS client_ports,
               min(s) AS first_seen, max(e) AS last_seen
        FROM per_client
        GROUP BY interface_id, direction, server, service_port, protocol
        ORDER BY records DESC, packets DESC, interface_id, direction, server, service_port, protocol
        LIMIT {int(limit)}
        """,
    )


_TOP_KEYS = {
    "src": "srcaddr",
    "dst": "dstaddr",
    "pair": "srcaddr, dstaddr",
    "interface": "interface_id",
}


def top(con: Any, window: Window, by: str = "pair", limit: int = 20, order: str = "bytes") -> Result:
    window = window.resolve(con)
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


def _materialize(con: Any, name: str, sql: str) -> None:
    """Keep a query's rows as a table for the following queries (both engines; raw DuckDB too)."""
    if hasattr(con, "materialize"):
        con.materialize(name, sql)
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")


def _spans(con: Any, window: Window, keys: list[str], item: str, threshold: int, name: str) -> None:
    """Materialize ``name``: per candidate key (a key can reach the threshold in a window only if it does
    overall), item and hour, the first and last start of its probes and whether any was accepted.

    Probes are TCP/UDP records that look like requests (destination port below source port). Candidates
    are found over the coarsest rollups, spans over hours (and the records at the window's edges)."""
    part = ", ".join(keys)
    requests = f"srcaddr IS NOT NULL AND {item} IS NOT NULL AND protocol IN (6, 17) AND request"
    everything, hourly = _cells(con, window, requests), _cells(con, window, requests, HOURS)
    on = " AND ".join(f"q.{k} = c.{k}" for k in keys)
    _materialize(
        con,
        name,
        f"""
        WITH candidates AS (
            SELECT {part} FROM ({everything}) AS e
            GROUP BY {part} HAVING count(DISTINCT {item}) >= {int(threshold)}
        )
        SELECT {", ".join("q." + k for k in keys)}, q.{item} AS item, q.hour, min(q.first_start) AS lo_t,
               max(q.last_start) AS hi_t, max(CASE WHEN q.action = 'ACCEPT' THEN 1 ELSE 0 END) AS ok
        FROM ({hourly}) AS q JOIN candidates c ON {on}
        GROUP BY {", ".join("q." + k for k in keys)}, q.{item}, q.hour
        """,
    )


def _runs(part: str, probes: str, w: int) -> str:
    """CTEs ``runs`` and ``peaks`` from a CTE ``probes`` (key columns, item, t): an item probed at time t
    is present in every window starting in [t - W + 1, t]; probes closer than W apart merge into one run;
    a running sum over the runs' start (+1) and end (-1) events counts the items present at every
    window start."""
    return f"""
        marked AS (
            SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY {part}, item ORDER BY t) < {w} THEN 0 ELSE 1 END
                   AS new_run
            FROM {probes}
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
        ), peaks AS (
            SELECT {part}, max(n) AS peak FROM counted GROUP BY {part}
        )"""


def _needed(con: Any, spans: str, keys: list[str], seconds: int, threshold: int) -> list[tuple[Any, ...]]:
    """The spread cells (first and last probe W or more apart) whose every start must be read from the
    records for the peak to be exact; usually none.

    A spread cell's endpoints alone give a lower bound L of a key's peak; the whole span from its first
    to its last probe, an upper bound at each window start. Where the upper bound is at most L, or below
    the threshold, no exact count could change the answer; only spread cells overlapping window starts
    where it could ("hot" segments) are read. The peak computed with those exact and the others at their
    endpoints equals the true one: exact where hot, and at most L (which it reaches) elsewhere."""
    part = ", ".join(keys)
    w = int(seconds)
    if not _run(con, f"SELECT 1 FROM {spans} WHERE hi_t - lo_t >= {w} LIMIT 1")[1]:
        return []  # no spread cell at all (always so for windows of an hour or more): nothing to bound
    on = " AND ".join(f"{{a}}.{k} = {{b}}.{k}" for k in keys)
    rows = _run(
        con,
        f"""
        WITH s AS (
            SELECT x.* FROM {spans} x JOIN (
                SELECT {part} FROM {spans} GROUP BY {part} HAVING count(DISTINCT item) >= {int(threshold)}
            ) k ON {on.format(a="x", b="k")}
        ), wide AS (
            SELECT * FROM s WHERE hi_t - lo_t >= {w}
        ), probes AS (
            SELECT {part}, item, lo_t AS t FROM s
            UNION ALL
            SELECT {part}, item, hi_t AS t FROM s WHERE hi_t > lo_t
        ), {_runs(part, "probes", w).strip()},
        intervals AS (
            SELECT {part}, item, lo AS a, hi AS b FROM runs
            UNION ALL
            SELECT {part}, item, lo_t - {w - 1} AS a, hi_t AS b FROM wide
        ), opened AS (
            SELECT *, CASE WHEN a > coalesce(max(b) OVER (PARTITION BY {part}, item ORDER BY a, b
                                                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                                             a - 1)
                           THEN 1 ELSE 0 END AS new_island
            FROM intervals
        ), islands AS (
            SELECT *, sum(new_island) OVER (PARTITION BY {part}, item ORDER BY a, b ROWS UNBOUNDED PRECEDING)
                   AS island
            FROM opened
        ), merged AS (
            SELECT {part}, item, min(a) AS a, max(b) AS b FROM islands GROUP BY {part}, item, island
        ), deltas AS (
            SELECT {part}, ws, sum(d) AS d FROM (
                SELECT {part}, a AS ws, 1 AS d FROM merged
                UNION ALL
                SELECT {part}, b + 1 AS ws, -1 AS d FROM merged
            ) AS ev GROUP BY {part}, ws
        ), upper AS (
            SELECT {part}, ws, lead(ws) OVER (PARTITION BY {part} ORDER BY ws) AS next_ws,
                   sum(d) OVER (PARTITION BY {part} ORDER BY ws ROWS UNBOUNDED PRECEDING) AS n
            FROM deltas
        ), hot AS (
            SELECT u.* FROM upper u JOIN peaks p ON {on.format(a="u", b="p")}
            WHERE u.n > p.peak AND u.n >= {int(threshold)}
        )
        SELECT DISTINCT {", ".join("x." + k for k in keys)}, x.item, x.hour, x.lo_t, x.hi_t
        FROM wide x JOIN hot h ON {on.format(a="x", b="h")}
        WHERE x.lo_t - {w - 1} < h.next_ws AND x.hi_t >= h.ws
        """,
    )[1]
    return rows


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value))


def _burst(
    con: Any,
    window: Window,
    spans: str,
    keys: list[str],
    item: str,
    seconds: int,
    threshold: int,
    kind: str,
    min_rejected: float,
) -> Result:
    """Peak number of distinct items (ports or hosts) probed by one key within any ``seconds`` window,
    exact over every window position, from the materialized ``spans`` (``_spans``).

    Within one hour, an item's probes whose first and last start are less than W apart form one run
    whatever lies between, so the span's endpoints stand for them exactly; a spread cell's endpoints do
    too unless ``_needed`` says its starts could change the answer, and then they are read from the
    records (only the time ranges of those cells, so the read skips other part files)."""
    part = ", ".join(keys)
    w = int(seconds)
    needed = _needed(con, spans, keys, w, threshold)
    cells = f"{spans} x"
    raw = ""
    if needed:
        columns = [*keys, "item", "hour", "lo_t", "hi_t"]
        values = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in needed)
        listed = f"(VALUES {values}) AS n({', '.join(columns)})"
        match = " AND ".join(f"x.{k} = n.{k}" for k in keys) + " AND x.item = n.item AND x.hour = n.hour"
        cells = f"{spans} x LEFT JOIN {listed} ON {match} WHERE n.hour IS NULL"
        ranges = " OR ".join(f"(r.start >= {row[-2]} AND r.start <= {row[-1]})" for row in needed)
        on = " AND ".join(f"r.{k} = n.{k}" for k in keys)
        raw = f"""
            UNION ALL
            SELECT {", ".join("r." + k for k in keys)}, r.{item} AS item, r.start AS t,
                   CASE WHEN r.action = 'ACCEPT' THEN 1 ELSE 0 END AS ok
            FROM flows r JOIN {listed}
                 ON {on} AND r.{item} = n.item AND r.start // 3600 * 3600 = n.hour
            WHERE ({ranges}) AND {window.where("r")} AND r.protocol IN (6, 17) AND r.dstport < r.srcport"""
    return _run(
        con,
        f"""
        WITH kept AS (
            SELECT {", ".join("x." + k for k in keys)}, x.item, x.lo_t, x.hi_t, x.ok FROM {cells}
        ), all_probes AS (
            SELECT {part}, item, lo_t AS t, ok FROM kept
            UNION ALL
            SELECT {part}, item, hi_t AS t, ok FROM kept WHERE hi_t > lo_t
            {raw}
        ), probes AS (
            SELECT {part}, item, t, max(ok) AS ok FROM all_probes GROUP BY {part}, item, t
        ), {_runs(part, "probes", w).strip()},
        hits AS (
            SELECT * FROM peaks WHERE peak >= {int(threshold)}
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
    window = window.resolve(con)
    pair, fan = ["srcaddr", "dstaddr"], ["srcaddr", "dstport"]
    bursts: list[tuple[str, list[str], str, int, int, str]] = [
        ("scan_ports", pair, "dstport", slow_seconds, ports_slow, "port-scan"),
        ("scan_ports", pair, "dstport", fast_seconds, ports_fast, "fast-port-scan"),
        ("scan_hosts", fan, "dstaddr", sweep_seconds, hosts, "sweep"),
    ]

    def one(b: tuple[str, list[str], str, int, int, str]) -> Result:
        return _burst(con, window, *b, min_rejected)

    spans = [
        (pair, "dstport", min(ports_slow, ports_fast), "scan_ports"),
        (fan, "dstaddr", hosts, "scan_hosts"),
    ]
    if getattr(con, "concurrent", False):
        # small, independent query chains: latency-bound, so they overlap well on two threads
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(bursts)) as pool:
            list(pool.map(lambda s: _spans(con, window, *s), spans))
            slow, fast, sweep = pool.map(one, bursts)
    else:
        for s in spans:
            _spans(con, window, *s)
        slow, fast, sweep = (one(b) for b in bursts)
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
    window = window.resolve(con)
    size = int(bucket)
    if size % MINUTE == 0 and not window.filtered:
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
