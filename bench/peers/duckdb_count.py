"""The same counts in DuckDB SQL: python duckdb_count.py EXPORT SPEC [--strict]

Every CSV column is text and the counts use ``TRY_CAST`` (not leadseg's rules). With
``--strict``, DuckDB's strict CSV reader (``strict_mode = true``), which refuses ragged rows
and stray quotes as leadseg does: the peer of leadseg's proven reading.
"""

import sys

import duckdb
from segments import duckdb_sql

path, spec = sys.argv[1:3]
strict = ", strict_mode = true" if "--strict" in sys.argv[3:] else ""
source = (
    f"read_parquet('{path}')"
    if path.endswith(".parquet")
    else f"read_csv('{path}', all_varchar = true, header = true{strict})"
)
sums = ", ".join(
    f'sum(CASE WHEN {expr} THEN 1 ELSE 0 END) AS "{name}"'
    for name, expr in duckdb_sql(spec).items()
)
row = duckdb.sql(f"SELECT {sums} FROM {source}").fetchall()[0]
for name, value in zip(duckdb_sql(spec), row, strict=True):
    print(f"{name}\t{value}")
