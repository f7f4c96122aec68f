"""The hand-written Polars lazy script an analyst would write (the baseline).

python polars_script.py count EXPORT SPEC          one pass, every segment counted
python polars_script.py sinks EXPORT SPEC OUTDIR   one CSV per segment: lazy sink_csv
                                                   sinks run together by pl.collect_all
"""

import sys
from pathlib import Path

import polars as pl
from segments import polars_masks

mode, path, spec = sys.argv[1:4]
frame = (
    pl.scan_parquet(path) if path.endswith(".parquet") else pl.scan_csv(path, infer_schema=False)
)
masks = polars_masks(spec)
if mode == "count":
    result = frame.select(mask.sum().alias(name) for name, mask in masks.items()).collect()
    for name in masks:
        print(f"{name}\t{result[name][0]}")
else:
    out = Path(sys.argv[4])
    sinks = [
        frame.filter(mask).sink_csv(out / f"{name.replace(' ', '-')}.csv", lazy=True)
        for name, mask in masks.items()
    ]
    pl.collect_all(sinks)
