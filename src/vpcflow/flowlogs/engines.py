"""Query engines over the store: DuckDB (embedded, the default) and Apache Spark (PySpark, for data that
outgrows one machine). Every analysis is written once, in DuckDB's SQL dialect; for Spark the query is
transpiled with sqlglot, so both engines run the same definition.

Both read exactly the files the committed state names (``StoreView``), never a folder's listing: a file an
ingest is still writing, or one a crash left behind, is not part of any answer. Before answering, the
view checks every named file is there with its committed size; what is not is left out and said in
``problems`` (one line each), and the rollups are not used when any of theirs is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vpcflow.errors import InputError

Result = tuple[list[str], list[tuple[Any, ...]]]

# view name → folder under the store; the rollup views exist only when the store has rollups
VIEWS = {
    "flows": "flows",
    "flow_hours": "rollup/hour",
    "flow_days": "rollup/day",
    "flow_minutes": "rollup/minute",
}


@dataclass
class StoreView:
    """The files of the store's committed state that are present and whole, per view."""

    root: Path
    files: dict[str, list[Path]] = field(default_factory=dict)
    summary: bool = False
    problems: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, store: str | Path) -> StoreView:
        from vpcflow.flowlogs.manifest import JOURNAL, MANIFEST, load_state, writer_active
        from vpcflow.flowlogs.store import _scan

        root = Path(store)
        if not (root / MANIFEST).exists() and not (root / JOURNAL).exists():
            raise InputError(
                "no flow-log store here (run `vpcflow logs ingest PATH --store DIR` first)", source=str(root)
            )
        state = load_state(root).state
        view = cls(root)
        present, _temps = _scan(root)

        def whole(rel: str, size: int) -> bool:
            return present.get(rel) == size

        parts: list[Path] = []
        lost_inputs, lost_records = [], 0
        for entry in state.objects.values():
            own = entry.get("parts", {})
            if all(whole(p, n) for p, n in own.items()):
                parts += [root / p for p in own]
            else:
                lost_inputs.append(str(entry.get("source", "?")))
                lost_records += int(entry.get("records", 0))
        if lost_inputs:
            view.problems.append(
                f"store {root}: the records of {len(lost_inputs)} input(s) ({lost_records:,} records, e.g. "
                f"{lost_inputs[0]}) are missing or damaged and left out; `vpcflow logs ingest` of the same "
                "inputs repairs it"
            )
        view.files["flows"] = sorted(parts)
        rollups = state.rollup_files
        broken = [p for p, n in rollups.items() if not whole(p, n)]
        # rollups count what was committed: with records left out they would disagree with the records
        view.summary = state.rollups_current and bool(rollups) and not broken and not lost_inputs
        if broken:
            view.problems.append(
                f"store {root}: {len(broken)} rollup file(s) missing or damaged: answers come from the "
                "records (slower); the next `vpcflow logs ingest` or `logs rollup` rebuilds them"
            )
        if view.summary:
            for name, folder in VIEWS.items():
                if name != "flows":
                    view.files[name] = sorted(root / p for p in rollups if p.startswith(folder + "/"))
        committed = set(state.part_files()) | set(state.quarantine_files()) | set(rollups)
        stray = [p for p in present if p not in committed]
        if stray and not writer_active(root):
            view.problems.append(
                f"store {root}: {len(stray)} file(s) no ingest committed (an interrupted ingest left them, "
                f"e.g. {stray[0]}) are left out; the next `vpcflow logs ingest` removes them"
            )
        return view


def _sql_files(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + p.as_posix().replace("'", "''") + "'" for p in paths) + "]"


def _damaged(store: Path, exc: Exception) -> InputError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(
        f"the store changed or is damaged while reading it ({first}); run the query again, or "
        "`vpcflow logs ingest` to repair the store",
        source=str(store),
    )


class DuckDBEngine:
    """Views ``flows`` (the records) and, when the store has rollups, ``flow_hours``, ``flow_days`` and
    ``flow_minutes`` (``summary.py``)."""

    name = "duckdb"

    def __init__(self, store: Path, view: StoreView | None = None) -> None:
        import duckdb

        self.store = store
        self.con = duckdb.connect()
        self._errors: tuple[type[Exception], ...] = (duckdb.IOException, duckdb.InvalidInputException)
        self._views(view or StoreView.open(store))

    def _views(self, view: StoreView) -> None:
        self.view = view
        self.problems = view.problems
        self.summary = view.summary
        for name in VIEWS:
            files = view.files.get(name)
            if not files:
                self.con.execute(f"DROP VIEW IF EXISTS {name}")
                continue
            self.con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE (region_part), "
                f"region_part AS store_region FROM read_parquet({_sql_files(files)}, "
                "hive_partitioning = true, union_by_name = true)"
            )

    # independent queries may run at once, each on a cursor of its own (see ``analyses.scans``)
    concurrent = True

    def _retry(self, run: Any) -> Any:
        """Run a query; when a file it read was replaced meanwhile (a concurrent ingest committed and
        removed it), look at the store again once and rerun it."""
        from vpcflow.flowlogs.summary import interrupted

        try:
            return run()
        except self._errors:
            pass
        except RuntimeError as exc:
            if interrupted(exc):
                raise KeyboardInterrupt from None
            raise
        summary = self.summary
        self._views(StoreView.open(self.store))
        self.summary = summary and self.view.summary
        try:
            return run()
        except self._errors as exc:
            raise _damaged(self.store, exc) from None

    def query(self, sql: str) -> Result:
        def run() -> Result:
            cur = self.con.cursor()  # a connection of its own to the same in-memory database
            try:
                cur.execute(sql)
                return [d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()]
            finally:
                cur.close()

        result: Result = self._retry(run)
        return result

    def materialize(self, name: str, sql: str) -> None:
        """Keep a query's rows as a table the following queries read (in this in-memory database, seen by
        every cursor)."""

        def run() -> None:
            cur = self.con.cursor()
            try:
                cur.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
            finally:
                cur.close()

        self._retry(run)

    # DuckDB-connection compatibility for callers that want the raw connection
    def execute(self, sql: str) -> Any:
        return self._retry(lambda: self.con.execute(sql))


class SparkEngine:
    """Spark in local mode by default (``master`` selects a cluster)."""

    name = "spark"

    def __init__(self, store: Path, master: str = "local[2]", view: StoreView | None = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise InputError(
                "--engine spark needs pyspark: pip install pyspark (and a Java runtime)"
            ) from None
        view = view or StoreView.open(store)
        self.problems = view.problems
        self.spark = (
            SparkSession.builder.master(master)
            .appName("vpcflow")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            # partition values are names (account ids, dates), never numbers to infer
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")
        self.summary = view.summary
        for name, folder in VIEWS.items():
            files = view.files.get(name)
            if not files:
                continue
            base = (store / folder).as_posix()
            df = (
                self.spark.read.option("basePath", base)
                .option("mergeSchema", "true")
                .parquet(*[p.as_posix() for p in files])
            )
            df.withColumnRenamed("region_part", "store_region").createOrReplaceTempView(name)

    def query(self, sql: str) -> Result:
        import sqlglot

        df = self.spark.sql(sqlglot.transpile(sql, read="duckdb", write="spark")[0])
        return list(df.columns), [tuple(r) for r in df.collect()]

    def materialize(self, name: str, sql: str) -> None:
        """Keep a query's rows (cached) as a view the following queries read."""
        import sqlglot

        self.spark.catalog.dropTempView(name)
        df = self.spark.sql(sqlglot.transpile(sql, read="duckdb", write="spark")[0])
        df.cache().createOrReplaceTempView(name)


def open_engine(store: str | Path, engine: str = "duckdb") -> DuckDBEngine | SparkEngine:
    root = Path(store)
    if engine not in ("duckdb", "spark"):
        raise InputError(f"unknown engine {engine!r} (expected duckdb or spark)")
    view = StoreView.open(root)
    if not view.files.get("flows"):
        why = "holds no records" if not view.problems else "has no readable records"
        raise InputError(
            f"the flow-log store {why} (run `vpcflow logs ingest PATH --store DIR` first)", source=str(root)
        )
    if engine == "duckdb":
        return DuckDBEngine(root, view)
    return SparkEngine(root, view=view)


__all__ = ["DuckDBEngine", "SparkEngine", "StoreView", "open_engine"]
