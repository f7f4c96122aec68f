"""Lake inputs on Spark: a directory of part files, a glob or a URI (``s3a://``,
``hdfs://``, ``abfss://``...), read by Spark with the reading rules of every engine, rows
ordered by file name and then by their place in the file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadseg.engines.sql.spark_session import session, spark_errors
from leadseg.engines.sql.sql_pass import POSITION, column_name

if TYPE_CHECKING:
    from leadseg.engines.plan import RunOptions
    from leadseg.exports.readers import Export


def lake_view(spark: Any, export: Export) -> Any:
    """The lake input with its columns by position (``c0``...) and each row's position in
    the input; a CSV's rows of empty fields left out (they hold no contact)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    frame = read_lake(spark, export)
    names = [column_name(i) for i in range(len(frame.columns))]
    metadata = frame.metadataColumn("_metadata")  # even under a column of the same name
    frame = frame.select(
        *(frame[_quoted(c)].alias(n) for c, n in zip(frame.columns, names, strict=True)),
        metadata.getField("file_path").alias("leadseg_file"),
        _index_in_file(metadata, export.format).alias("leadseg_index"),
    )
    if export.format == "csv":
        frame = frame.where(" OR ".join(f"`{n}` IS NOT NULL" for n in names))
    order = Window.orderBy("leadseg_file", "leadseg_index")
    frame = frame.withColumn(POSITION, F.row_number().over(order) - 1)
    return frame.drop("leadseg_file", "leadseg_index")


def _index_in_file(metadata: Any, fmt: str) -> Any:
    """A row's order within its file: Parquet's row index; for text formats (read whole,
    one file per task) the increasing id Spark gives rows in reading order."""
    from pyspark.sql import functions as F

    if fmt == "parquet":
        return metadata.getField("row_index")
    return F.monotonically_increasing_id()


def read_lake(spark: Any, export: Export) -> Any:
    """A lake input as Spark reads it, with the reading rules of every engine: CSV as RFC
    4180 (quotes escaped by doubling, values spanning lines), every column text, and a
    row with too many or too few fields an error, not a padded row."""
    from pyspark.sql.types import StringType, StructField, StructType

    location = export.display
    if export.format == "parquet":
        return spark.read.parquet(location)
    if export.format == "ndjson":
        return spark.read.option("mode", "FAILFAST").json(location)
    # The header's names (read by ``csv_header``, unique): Spark checks every part's header
    # line against them (enforceSchema off), so a part whose columns are in another order
    # or named otherwise is an error, not a silent shift of its values.
    schema = StructType([StructField(name, StringType()) for name in export.columns])
    return spark.read.csv(
        location, schema=schema, header=True, enforceSchema=False, sep=export.delimiter,
        quote='"', escape='"', multiLine=True, mode="FAILFAST", encoding=export.encoding,
    )  # fmt: skip


def _quoted(name: str) -> str:
    """A column name as Spark resolves it literally (a dot is not a field of a struct)."""
    return "`" + name.replace("`", "``") + "`"


def csv_header(spark: Any, export: Export) -> list[str]:
    """The header of a lake CSV, as the local reader reads and checks it (blank and
    duplicate names are errors): the first record of one of its parts."""
    import csv

    from leadseg.errors import ExportDataError, Location
    from leadseg.exports.dialect import check_header_names

    lines = spark.read.option("encoding", export.encoding).text(export.display).limit(1)
    first = lines.collect()
    if not first:
        raise ExportDataError(
            "Spark finds no header there (no lines)",
            location=Location(file=export.display),
            hint="check the path and --input-format (csv, parquet or ndjson)",
        )
    header = next(csv.reader([first[0][0].lstrip("\ufeff")], delimiter=export.delimiter), [])
    check_header_names(header, export.display)
    return header


def open_lake(location: str, options: RunOptions) -> Export:
    """A directory of part files, a glob or a URI as an export: format from
    ``--input-format``, else the name (a directory: its first part file's), else Parquet;
    columns and types as Spark reads them."""
    import polars as pl

    from leadseg.exports.dialect import parse_delimiter
    from leadseg.exports.readers import Export, check_column_names, detect_format

    read = options.read
    fmt = read.input_format or detect_format(_sample_name(location), default="parquet")
    delimiter = ","
    if read.delimiter is not None:
        delimiter = parse_delimiter(read.delimiter)
    elif _sample_name(location).lower().endswith((".tsv", ".tab")):
        delimiter = "\t"
    export = Export(
        location, fmt, [], Path(location), None, delimiter, encoding=read.encoding, lake=True,
        csv_delimiter=delimiter if fmt == "csv" else None,
    )  # fmt: skip
    spark = session(options.spark_master)
    with spark_errors(location):
        if fmt == "csv":
            export.columns = csv_header(spark, export)
        frame = read_lake(spark, export)
        arrow = frame.limit(0).toArrow()
    if fmt != "csv":
        export.columns = list(frame.columns)
    else:
        arrow = arrow.rename_columns(export.columns)
    check_column_names(export.columns, location)
    table = pl.from_arrow(arrow)
    assert isinstance(table, pl.DataFrame)
    export.schema = dict(table.schema)
    return export


def _sample_name(location: str) -> str:
    """The name whose suffix tells the format: the location's, or for a local directory
    the first file in it with a known suffix."""
    from leadseg.exports.readers import detect_format

    path = Path(location)
    if "://" not in location and path.is_dir():
        for child in sorted(path.iterdir()):
            if not child.name.startswith(("_", ".")) and detect_format(child.name, "") != "":
                return child.name
    return location.rstrip("/")
