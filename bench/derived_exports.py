"""Exports derived from the generated ones, for the tasks of issue #19 (run by run.py in a
child process, so that the runner stays small):

    python derived_exports.py workbook CSV XLSX     the first 100,000 rows as a workbook
    python derived_exports.py money CSV OUT         Annual Revenue as "$5,829,954.00" and
                                                    Last Activity Date with " UTC", as a
                                                    connector-synced CRM table writes them
    python derived_exports.py scored CSV OUT        the export with segments/scores.yaml's
                                                    scores as columns (by leadseg score)
"""

import sys

import polars as pl

ROWS = 100_000


def workbook(source: str, target: str) -> None:
    """A 100k-row workbook of the export's text cells (scores as numbers, as a CRM's Excel
    export has them), written by Polars through XlsxWriter."""
    frame = pl.read_csv(source, n_rows=ROWS, infer_schema=False)
    scores = ["Overall Behavior Score", "SFDC Lead Score"]
    frame = frame.with_columns(pl.col(s).cast(pl.Float64, strict=False) for s in scores)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # XlsxWriter: more than 65,530 URLs per sheet
        frame.write_excel(target, autofit=False)


def money(source: str, target: str) -> None:
    frame = pl.read_csv(source, infer_schema=False)
    revenue = [f"${int(v):,}.00" if v else "" for v in frame["Annual Revenue"].to_list()]
    frame = frame.with_columns(
        pl.Series("Annual Revenue", revenue, dtype=pl.String),
        (pl.col("Last Activity Date") + " UTC").alias("Last Activity Date"),
    )
    frame.write_csv(target)


def scored(source: str, target: str) -> None:
    import subprocess
    from pathlib import Path

    spec = Path(__file__).parent / "segments" / "scores.yaml"
    command = [
        sys.executable,
        "-m",
        "leadseg",
        "score",
        source,
        "-s",
        str(spec),
        "--as-of",
        "2026-11-28",
    ]
    subprocess.run([*command, "-o", target, "--quiet"], check=True, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    kinds = {"workbook": workbook, "money": money, "scored": scored}
    kinds[sys.argv[1]](sys.argv[2], sys.argv[3])
