"""Backends compile the criteria tree for an engine: Polars today, SQL next."""
