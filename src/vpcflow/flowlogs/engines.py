"""Query engines over the store: DuckDB (embedded, the default) and Apache Spark (PySpark, for data that
outgrows one machine). Every analysis is written once, in DuckDB's SQL dialect; for Spark the query is
transpiled with sqlglot, so both engines run the same definition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vpcflow.errors import InputError

Result = tuple[list[str], list[tuple[Any, ...]]]


def _has_summary(store: Path) -> bool:
    """Does the store hold complete, current rollups (``summary.py``)? Stores written before rollups existed,
    or with hours ingested ``--no-rollups`` and not rolled up since, are analysed from the records alone."""
    from vpcflow.flowlogs.store import rollups_current

    return rollups_current(store) and any((store / "rollup" / "hour").rglob("*.parquet"))


# view name → folder under the store; the rollup views exist only when the store has rollups
VIEWS = {
    "flows": "flows",
    "flow_hours": "rollup/hour",
    "flow_days": "rollup/day",
    "flow_minutes": "rollup/minute",
}


class DuckDBEngine:
    """Views ``flows`` (the records) and, when the store has rollups, ``flow_hours``, ``flow_days`` and
    ``flow_minutes`` (``summary.py``)."""

    name = "duckdb"

    def __init__(self, store: Path) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.summary = _has_summary(store)
        for view, folder in VIEWS.items():
            if view != "flows" and not self.summary:
                continue
            glob = (store / folder / "**" / "*.parquet").as_posix().replace("'", "''")
            self.con.execute(
                f"CREATE VIEW {view} AS SELECT * EXCLUDE (region_part), region_part AS store_region "
                f"FROM read_parquet('{glob}', hive_partitioning = true, union_by_name = true)"
            )

    # independent queries may run at once, each on a cursor of its own (see ``analyses.scans``)
    concurrent = True

    def query(self, sql: str) -> Result:
        cur = self.con.cursor()  # a connection of its own to the same in-memory database
        try:
            cur.execute(sql)
            return [d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()]
        finally:
            cur.close()

    def materialize(self, name: str, sql: str) -> None:
        """Keep a query's rows as a table the following queries read (in this in-memory database, seen by
        every cursor)."""
        cur = self.con.cursor()
        try:
            cur.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
        finally:
            cur.close()

    # DuckDB-connection compatibility for callers that want the raw connection
    def execute(self, sql: str) -> Any:
        return self.con.execute(sql)


class SparkEngine:
    """Spark in local mode by default (``master`` selects a cluster)."""

    name = "spark"

    def __init__(self, store: Path, master: str = "local[2]") -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise InputError(
                "--engine spark needs pyspark: pip install pyspark (and a Java runtime)"
            ) from None
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
        self.summary = _has_summary(store)
        for view, folder in VIEWS.items():
            if view != "flows" and not self.summary:
                continue
            path = (store / folder).as_posix()
            df = self.spark.read.option("basePath", path).option("mergeSchema", "true").parquet(path)
            df.withColumnRenamed("region_part", "store_region").createOrReplaceTempView(view)

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
    if not (root / "flows").is_dir() or not any((root / "flows").rglob("*.parquet")):
        raise InputError(
            "no flow-log store here (run `vpcflow logs ingest PATH --store DIR` first)", source=str(root)
        )
    if engine == "duckdb":
        return DuckDBEngine(root)
    if engine == "spark":
        return SparkEngine(root)
    raise InputError(f"unknown engine {engine!r} (expected duckdb or spark)")
