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
PORTS = np.array([22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9200, 27017, 3389, 53, 123, 25, 110, 5000])


def make_data(records: int, per_file: int, distinct_rejects: int) -> tuple[Path, Path]:
    snap_dir = OUT / "snapshot"
    logs = OUT / f"logs-{records}"
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
        body = header + "\n" + " OK\n".join(lines.tolist()) + " OK\n"
        t = time.gmtime(base + lo * 300 // per_file)
        folder = logs / "AWSLogs/123456789012/vpcflowlogs/us-east-1" / time.strftime("%Y/%m/%d", t)
        folder.mkdir(parents=True, exist_ok=True)
        name = (
            f"123456789012_vpcflowlogs_us-east-1_fl-0bench_{time.strftime('%Y%m%dT%H%MZ', t)}_{n:08x}.log.gz"
        )
        (folder / name).write_bytes(gzip.compress(body.encode(), compresslevel=6))
    (logs / ".complete").write_text("ok")
    return snap_dir, logs


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
    shutil.rmtree(store, ignore_errors=True)
    # in a process of its own, so its peak memory is its own
    code = (
        "import json, re; from vpcflow.flowlogs.store import ingest; "
        f"s = ingest([{str(logs)!r}], {str(store)!r}); "
        # VmHWM, not ru_maxrss: the latter keeps the forked parent's high-water mark across exec
        "hwm = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) / 1024; "
        "print(json.dumps({'records': s.records, 'seconds': s.seconds, 'rss': hwm}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    ours_s = float(info["seconds"])
    ingest_rss = float(info["rss"])

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
    timings = {}
    for name, fn in (
        ("rejects", lambda: A.rejects(scon, A.Window())),
        ("top", lambda: A.top(scon, A.Window())),
        ("timeline", lambda: A.timeline(scon, A.Window())),
        ("scans", lambda: A.scans(scon, A.Window())),
    ):
        t0 = time.perf_counter()
        fn()
        timings[name] = time.perf_counter() - t0

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
    print(f"{'ingest: DuckDB read_csv, same files (records/s)':<52}{duck_rate:>18,.0f}{'':>22}")
    label = "parse: flowlogs-reader (records/s)"
    print(f"{label:<52}{reader_rate:>18,.0f}{ours_rate / reader_rate:>12.0f}x (ours/it)")
    print(f"{'ingest: peak memory of the ingest process (MiB)':<52}{ingest_rss:>18,.0f}{'':>22}")
    for name, secs in timings.items():
        print(f"{'analysis ' + name + ' (records/s)':<52}{summary.records / secs:>18,.0f}{secs:>20.3f}s")
    print(f"{'explain: distinct rejected tuples':<52}{distinct:>18,}{'':>22}")
    print(f"{'explain: seconds (all tuples)':<52}{explain_s:>18.2f}{explained:>16,} explained")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
