"""The SQL engines: the compiler (criteria -> sqlglot, every dialect), the one-pass
queries over an export, DuckDB and Spark."""
