"""Peak memory of ingesting one object: clean, with one malformed line, and a decompression bomb.

    .venv/bin/python -m bench.bench_memory [--lines 1000000]

Each case runs ``vpcflow.flowlogs.store.ingest`` in a process of its own (rollups off: the object's own
cost) and reads its peak resident memory (VmHWM) and time. Inputs, generated once into ``bench/out/mem``:
a default-format gzip object of N lines; the same with one line's port made non-numeric in the middle
(before the streaming reader, that sent the whole object to the line parser: 0.56 → 1.58 GB at 1 M
lines); and 50 M blank lines gzipped to ~49 KB (5.6 GB and 21 s before).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "mem"
HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
    "log-status"
)


def make(lines: int) -> dict[str, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    files = {
        "clean": OUT / f"clean-{lines}.log.gz",
        "one bad line": OUT / f"onebad-{lines}.log.gz",
        "blank-line bomb": OUT / "bomb.log.gz",
    }
    if not files["clean"].exists():
        body = [HEADER] + [
            f"2 123456789012 eni-{i % 997:017x} 10.0.{i % 250}.{i % 199} 10.1.{i % 13}.{i % 7} "
            f"{32768 + i % 28000} {(22, 443, 5432)[i % 3]} 6 {1 + i % 40} {40 + i % 9000} "
            f"{1700000000 + i // 100} {1700000060 + i // 100} {'REJECT' if i % 5 == 0 else 'ACCEPT'} OK"
            for i in range(lines)
        ]
        files["clean"].write_bytes(gzip.compress(("\n".join(body) + "\n").encode(), 1))
        body[lines // 2] = body[lines // 2].replace(" 6 ", " six ", 1)
        files["one bad line"].write_bytes(gzip.compress(("\n".join(body) + "\n").encode(), 1))
    if not files["blank-line bomb"].exists():
        files["blank-line bomb"].write_bytes(gzip.compress(b"\n" * 50_000_000, 9))
    return files


def measure(path: Path) -> dict[str, float]:
    store = OUT / "store"
    shutil.rmtree(store, ignore_errors=True)
    code = (
        "import json, re, time; from vpcflow.flowlogs.store import ingest; t = time.perf_counter(); "
        f"s = ingest([{str(path)!r}], {str(store)!r}, rollups=False); "
        "hwm = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) / 1024; "
        "print(json.dumps({'records': s.records, 'malformed': s.malformed, "
        "'seconds': time.perf_counter() - t, 'rss': hwm}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def baseline() -> float:
    code = (
        "import re; import vpcflow.flowlogs.store, duckdb, pyarrow.csv; "
        "print(int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) / 1024)"
    )
    return float(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    args = ap.parse_args()
    files = make(args.lines)
    base = baseline()
    print(f"{'case':<18}{'size':>12}{'records':>12}{'malformed':>11}{'peak MiB':>11}{'seconds':>9}")
    print(f"{'(imports only)':<18}{'':>12}{'':>12}{'':>11}{base:>11.0f}{'':>9}")
    results = {}
    for name, path in files.items():
        r = measure(path)
        results[name] = r
        size = f"{path.stat().st_size / 1e6:.2f} MB"
        print(
            f"{name:<18}{size:>12}{int(r['records']):>12,}{int(r['malformed']):>11}{r['rss']:>11.0f}"
            f"{r['seconds']:>9.2f}"
        )
    ratio = results["one bad line"]["rss"] / results["clean"]["rss"]
    print(f"one bad line / clean peak memory: {ratio:.2f}x")


if __name__ == "__main__":
    main()
