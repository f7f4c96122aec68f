"""Reference for `apply`: the hand-written Polars script writing one CSV per segment with lazy
`sink_csv(..., lazy=True)` sinks collected together by `pl.collect_all` (one query).

    python bench/peers/polars_apply_sinks.py EXPORT SEGMENTS.json OUTDIR
"""

import json
import sys
from pathlib import Path

import polars as pl

path, spec, out = sys.argv[1], json.loads(open(sys.argv[2]).read()), Path(sys.argv[3])
frame = pl.scan_csv(path, infer_schema=False)


def number(column):
    return pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)


def mask(segment):
    score = number("Overall Behavior Score")
    parts = []
    for kind, arg in segment["criteria"]:
        if kind == "at_least":
            parts.append(score >= arg)
        elif kind == "at_most":
            parts.append(score <= arg)
        elif kind == "between":
            parts.append(number(arg[0]).is_between(arg[1], arg[2]))
        elif kind == "is":
            parts.append(pl.col(arg[0]).str.strip_chars().str.to_lowercase() == arg[1].lower())
    return pl.all_horizontal(parts).fill_null(False)


sinks = [
    frame.filter(mask(s)).sink_csv(out / f"{s['file']}.csv", lazy=True) for s in spec["segments"]
]
pl.collect_all(sinks)
