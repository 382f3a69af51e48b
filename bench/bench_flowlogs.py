"""Flow-log benchmark, side by side: our ingest vs DuckDB's read_csv vs flowlogs-reader on the same files;
analyses on the store; explain on distinct rejected tuples.

    .venv/bin/python -m bench.bench_flowlogs [--records 10000000] [--per-file 100000]

Data: default-format records in the S3 ``.log.gz`` layout with a header line, over the synthetic snapshot
of ``bench/generate.py`` (1,000 ENIs); each record's action is what the batch evaluator says the
configuration does, so REJECTs are real rejections the explain step can attribute. Generated once into
``bench/out/`` (ignored by git) and reused.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.generate import generate
from vpcflow.engine import BatchEvaluator
from vpcflow.flowlogs.fields import DEFAULT_FIELDS
from vpcflow.sources import load_snapshot

OUT = Path(__file__).resolve().parent / "out"
DATA_VERSION = "v2"  # v2: planted scans and sweeps
PORTS = np.array([22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9200, 27017, 3389, 53, 123, 25, 110, 5000])


def make_data(records: int, per_file: int, distinct_rejects: int) -> tuple[Path, Path]:
    snap_dir = OUT / "snapshot"
    logs = OUT / f"logs-{records}-{DATA_VERSION}"
    if logs.exists() and (logs / ".complete").exists():
        return snap_dir, logs
    shutil.rmtree(logs, ignore_errors=True)
    generate(snap_dir)
    snap = load_snapshot(snap_dir)
    batch = BatchEvaluator(snap)
    enis = sorted(snap.interfaces)
    idx = batch.indices(enis)
    addrs = np.array([str(snap.interfaces[e].private_ips[0]) for e in enis])
    rng = np.random.default_rng(1)
    # a pool of distinct tuples; records repeat them (as real logs repeat conversations)
    pool = max(distinct_rejects, 1000)  # ~95% of random pairs are rejected by the synthetic rules
    src = rng.integers(0, len(enis), pool)
    dst = (src + rng.integers(1, len(enis), pool)) % len(enis)
    dport = rng.choice(PORTS, pool)
    sport = rng.integers(32768, 61000, pool)
    proto = np.full(pool, 6)
    result = batch.verdicts(idx[src], idx[dst], proto, dport, sport)
    # the request as logged where AWS logs it: a request stopped at the source is a REJECT on the source
    # ENI (egress); otherwise the destination ENI logs it (REJECT if stopped there, else ACCEPT — a reply
    # lost on the way back does not change the request's record)
    assert result.at_source is not None
    action = np.where(result.verdict == 0, "REJECT", "ACCEPT")
    logged_on = np.where(result.at_source, src, dst)
    base = 1_700_000_000
    logs.mkdir(parents=True)
    header = " ".join(DEFAULT_FIELDS)
    planted = _planted_scans(batch, enis, addrs, rng, base, records * 300 // per_file)
    for n, lo in enumerate(range(0, records, per_file)):
        k = min(per_file, records - lo)
        pick = rng.integers(0, pool, k)
        start = base + (lo + np.arange(k)) * 300 // per_file
        packets = rng.integers(1, 50, k)
        nbytes = packets * rng.integers(40, 1500, k)
        lines = np.char.add(
            np.char.add("2 123456789012 ", np.array(enis)[logged_on[pick]]),
            np.char.add(
                " ",
                np.char.add(
                    np.char.add(np.char.add(addrs[src[pick]], " "), addrs[dst[pick]]),
                    np.char.add(
                        " ",
                        np.char.add(
                            np.char.add(sport[pick].astype(str), " "),
                            np.char.add(
                                np.char.add(dport[pick].astype(str), " 6 "),
                                np.char.add(
                                    np.char.add(np.char.add(packets.astype(str), " "), nbytes.astype(str)),
                                    np.char.add(
                                        np.char.add(np.char.add(" ", start.astype(str)), " "),
                                        np.char.add(np.char.add((start + 59).astype(str), " "), action[pick]),
                                    ),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        )
        t_lo, t_hi = base + lo * 300 // per_file, base + (lo + k) * 300 // per_file
        extra = [line for when, line in planted if t_lo <= when < t_hi]
        body = header + "\n" + " OK\n".join(lines.tolist()) + " OK\n" + "".join(extra)
        t = time.gmtime(t_lo)
        folder = logs / "AWSLogs/123456789012/vpcflowlogs/us-east-1" / time.strftime("%Y/%m/%d", t)
        folder.mkdir(parents=True, exist_ok=True)
        name = (
            f"123456789012_vpcflowlogs_us-east-1_fl-0bench_{time.strftime('%Y%m%dT%H%MZ', t)}_{n:08x}.log.gz"
        )
        (folder / name).write_bytes(gzip.compress(body.encode(), compresslevel=6))
    (logs / ".complete").write_text("ok")
    return snap_dir, logs


def _planted_scans(
    batch: BatchEvaluator, enis: list[str], addrs: np.ndarray, rng: np.random.Generator, base: int, span: int
) -> list[tuple[int, str]]:
    """Scans among the normal traffic, so the scan analysis has something to find: five hosts each probing
    ports 1-300 of one target over 20 minutes (port scans, some fast), two hosts sweeping port 22 over 300
    hosts in 5 minutes. Actions, and where each record is logged, come from the batch evaluator."""
    probes: list[tuple[int, int, int, int]] = []  # time, source, target, port
    for _ in range(5):
        s, d, t0 = int(rng.integers(len(enis))), int(rng.integers(len(enis))), base + int(rng.integers(span))
        probes += [(t0 + p * 4, s, d, p) for p in range(1, 301)]
    for _ in range(2):
        s, t0 = int(rng.integers(len(enis))), base + int(rng.integers(span))
        probes += [(t0 + i, s, int(d), 22) for i, d in enumerate(rng.choice(len(enis), 300, replace=False))]
    probes = [p for p in probes if p[1] != p[2]]
    idx = batch.indices(enis)
    src = np.array([p[1] for p in probes])
    dst = np.array([p[2] for p in probes])
    port = np.array([p[3] for p in probes])
    result = batch.verdicts(idx[src], idx[dst], np.full(len(probes), 6), port, np.full(len(probes), 50000))
    assert result.at_source is not None
    out = []
    for i, (when, s, d, p) in enumerate(probes):
        action = "ACCEPT" if result.verdict[i] else "REJECT"
        eni = enis[s] if result.at_source[i] else enis[d]
        out.append(
            (when, f"2 123456789012 {eni} {addrs[s]} {addrs[d]} 50000 {p} 6 1 44 {when} {when} {action} OK\n")
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--per-file", type=int, default=100_000)
    ap.add_argument("--distinct-rejects", type=int, default=100_000)
    ap.add_argument("--reader-files", type=int, default=5, help="files flowlogs-reader reads (it is slow)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    snap_dir, logs = make_data(args.records, args.per_file, args.distinct_rejects)
    files = sorted(logs.rglob("*.log.gz"))
    print(
        f"data: {args.records:,} records in {len(files)} objects ({time.perf_counter() - t0:.0f}s to prepare)"
    )

    import duckdb

    # DuckDB's own read_csv over the same files, materialised (the practical ceiling)
    glob = (logs / "AWSLogs" / "**" / "*.log.gz").as_posix()
    con = duckdb.connect()
    t0 = time.perf_counter()
    types = {"int32": "INTEGER", "int64": "BIGINT", "string": "VARCHAR"}
    from vpcflow.flowlogs.fields import FIELDS

    columns = ", ".join(f"'{f}': '{types[FIELDS[f][1]]}'" for f in DEFAULT_FIELDS)
    con.execute(
        f"CREATE TABLE t AS SELECT * FROM read_csv('{glob}', delim=' ', header=true, nullstr='-', "
        f"columns={{{columns}}})"
    )
    n_duck = con.execute("SELECT count(*) FROM t").fetchone()[0]  # type: ignore[index]
    duck_s = time.perf_counter() - t0
    con.close()

    # ours: parse, type, write the partitioned Parquet store
    from vpcflow.flowlogs.store import connect

    store = OUT / "store"

    def ingest_run(target: Path, rollups: bool) -> dict[str, float]:
        """Our ingest in a process of its own, so its peak memory is its own."""
        shutil.rmtree(target, ignore_errors=True)
        code = (
            "import json, re; from vpcflow.flowlogs.store import ingest; "
            f"s = ingest([{str(logs)!r}], {str(target)!r}, rollups={rollups}); "
            # VmHWM, not ru_maxrss: the latter keeps the forked parent's high-water mark across exec
            "hwm = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) / 1024; "
            "print(json.dumps({'records': s.records, 'seconds': s.seconds, 'rollup': s.rollup_seconds, "
            "'rss': hwm}))"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        out: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
        return out

    bulk = ingest_run(OUT / "store-bulk", rollups=False)  # --no-rollups: a bulk load, rollups later
    from vpcflow.flowlogs.store import rollup

    _cells, later_s = rollup(OUT / "store-bulk")  # what `vpcflow logs rollup` then takes
    info = ingest_run(store, rollups=True)  # the default
    ours_s = float(info["seconds"])
    ingest_rss = max(float(info["rss"]), float(bulk["rss"]))

    class _Summary:
        records = int(info["records"])

    summary = _Summary()

    # flowlogs-reader's parse path (its S3 reader minus the download): gzip text → csv.DictReader → FlowRecord
    try:
        from flowlogs_reader import FlowRecord

        some = files[: args.reader_files]
        t0 = time.perf_counter()
        n_reader = 0
        for f in some:
            with gzip.open(f, mode="rt") as fh:
                reader = csv.DictReader(fh, delimiter=" ")
                reader.fieldnames = [x.replace("-", "_") for x in reader.fieldnames or []]
                for row in reader:
                    FlowRecord(row)
                    n_reader += 1
        reader_rate = n_reader / (time.perf_counter() - t0)
    except ImportError:
        reader_rate = float("nan")

    # analyses on the store
    from vpcflow.flowlogs import analyses as A

    scon = connect(store)
    raw = connect(store)
    raw.summary = False  # the same analyses over the records alone, for comparison
    timings: dict[str, tuple[float, float, int]] = {}
    for name, fn in (
        ("rejects", lambda c: A.rejects(c, A.Window())),
        ("top", lambda c: A.top(c, A.Window())),
        ("timeline", lambda c: A.timeline(c, A.Window())),
        ("scans", lambda c: A.scans(c, A.Window())),
    ):
        t0 = time.perf_counter()
        rows = fn(scon)[1]
        fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        assert fn(raw)[1] == rows, name
        timings[name] = (fast, time.perf_counter() - t0, len(rows))

    # explain: every distinct rejected tuple
    from vpcflow.flowlogs.explain import explain_store

    distinct = scon.execute(
        "SELECT count(*) FROM (SELECT DISTINCT interface_id, srcaddr, dstaddr, srcport, dstport, protocol "
        "FROM flows WHERE action = 'REJECT')"
    ).fetchone()[0]
    t0 = time.perf_counter()
    found = explain_store(scon, load_snapshot(snap_dir), A.Window())
    explain_s = time.perf_counter() - t0
    explained = sum(1 for a in found if a.status == "explained")

    ours_rate = summary.records / ours_s
    duck_rate = n_duck / duck_s
    print(f"{'measure':<52}{'value':>18}{'ratio':>22}")
    print(f"{'ingest: vpcflow (records/s)':<52}{ours_rate:>18,.0f}{ours_rate / duck_rate:>17.2f}x duckdb")
    print(f"{'  of which rollups (s)':<52}{float(info['rollup']):>18.2f}{'':>22}")
    bulk_rate = summary.records / float(bulk["seconds"])
    label = "ingest --no-rollups (records/s)"
    print(f"{label:<52}{bulk_rate:>18,.0f}{bulk_rate / duck_rate:>17.2f}x duckdb")
    print(f"{'  then `logs rollup` (s)':<52}{later_s:>18.2f}{'':>22}")
    print(f"{'ingest: DuckDB read_csv, same files (records/s)':<52}{duck_rate:>18,.0f}{'':>22}")
    label = "parse: flowlogs-reader (records/s)"
    print(f"{label:<52}{reader_rate:>18,.0f}{'':>22}")
    print(f"{'  ingest / flowlogs-reader':<52}{ours_rate / reader_rate:>17.1f}x{'':>4}")
    print(f"{'  ingest --no-rollups / flowlogs-reader':<52}{bulk_rate / reader_rate:>17.1f}x{'':>4}")
    print(f"{'ingest: peak memory of the ingest process (MiB)':<52}{ingest_rss:>18,.0f}{'':>22}")
    for name, (secs, raw_secs, n) in timings.items():
        label = f"analysis {name} (records/s; {n} rows)"
        print(f"{label:<52}{summary.records / secs:>18,.0f}{secs:>20.3f}s")
        label = "  same from the records only (records/s)"
        print(f"{label:<52}{summary.records / raw_secs:>18,.0f}{raw_secs:>20.3f}s")
    print(f"{'explain: distinct rejected tuples':<52}{distinct:>18,}{'':>22}")
    print(f"{'explain: seconds (all tuples)':<52}{explain_s:>18.2f}{explained:>16,} explained")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
