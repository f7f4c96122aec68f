"""The same counts through DuckDB's strict CSV reader: python duckdb_strict_count.py EXPORT SPEC

``strict_mode = true`` refuses ragged rows and stray quotes, as leadseg does; every column is
text and the counts use ``TRY_CAST`` (the baseline's casts, not leadseg's rules).
"""

import sys

import duckdb
from segments import duckdb_sql

path, spec = sys.argv[1:3]
source = f"read_csv('{path}', all_varchar = true, header = true, strict_mode = true)"
sums = ", ".join(
    f'sum(CASE WHEN {expr} THEN 1 ELSE 0 END) AS "{name}"'
    for name, expr in duckdb_sql(spec).items()
)
row = duckdb.sql(f"SELECT {sums} FROM {source}").fetchall()[0]
for name, value in zip(duckdb_sql(spec), row, strict=True):
    print(f"{name}\t{value}")
