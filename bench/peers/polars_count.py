"""Baseline: the hand-written Polars lazy one-pass script an analyst would write.

    python bench/peers/polars_count.py EXPORT SEGMENTS.json
"""

import json
import sys

import polars as pl

path, spec = sys.argv[1], json.loads(open(sys.argv[2]).read())
if path.endswith(".parquet"):
    frame = pl.scan_parquet(path)
else:
    frame = pl.scan_csv(path, infer_schema=False)
score = pl.col("Overall Behavior Score").str.strip_chars().cast(pl.Float64, strict=False)
exprs = []
for i, (op, value) in enumerate(spec["score"]):
    exprs.append((score >= value if op == "at_least" else score <= value).sum().alias(f"s{i}"))
print(frame.select(exprs).collect(engine="streaming"))
