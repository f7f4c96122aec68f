"""The same counts in pandas: python pandas_count.py EXPORT SPEC"""

import sys

import pandas as pd
from segments import pandas_masks

path, spec = sys.argv[1:3]
frame = (
    pd.read_parquet(path)
    if path.endswith(".parquet")
    else pd.read_csv(path, dtype=str, keep_default_na=False)
)
for name, mask in pandas_masks(frame, spec).items():
    print(f"{name}\t{int(mask.sum())}")
