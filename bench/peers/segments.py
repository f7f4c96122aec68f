"""The benchmark's segment files (bench/segments/*.yaml) written by hand, as an analyst
would, once per peer: Polars expressions, DuckDB SQL and pandas. Same rules as leadseg:
blank or unreadable numbers never match; text is trimmed and lower-cased."""

SCORE = "Overall Behavior Score"
SFDC = "SFDC Lead Score"


def polars_masks(spec: str) -> dict:
    import polars as pl

    def num(column):
        return pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)

    def text(column):
        return pl.col(column).str.strip_chars().str.to_lowercase()

    score, sfdc = num(SCORE), num(SFDC)
    hot, cold = score >= 60, score <= 20
    mid = sfdc.is_between(40, 80)
    masks = {"hot": hot, "cold": cold}
    if spec in ("four", "ten"):
        masks |= {"sfdc mid": mid, "hot mid": hot & mid}
    if spec == "ten":
        masks |= {
            "hot us": hot & (text("Country") == "us"),
            "hot reachable": hot & (text("Opt Out") == "no"),
            "open north america": text("Country").is_in(["us", "ca"])
            & text("Lead Status").is_in(["open", "working"]),
            "warm any": (score >= 40).fill_null(False) | (sfdc >= 70).fill_null(False),
            "nurture reachable": score.is_between(21, 59)
            & ~(text("Opt Out") == "yes").fill_null(False),
            "marketing titles": text("Title")
            .str.contains("marketing", literal=True)
            .fill_null(False)
            | (text("Title") == "cmo").fill_null(False),
        }
    return {name: mask.fill_null(False) for name, mask in masks.items()}


def duckdb_sql(spec: str) -> dict:
    score = f'TRY_CAST(trim("{SCORE}") AS DOUBLE)'
    sfdc = f'TRY_CAST(trim("{SFDC}") AS DOUBLE)'

    def text(column):
        return f'lower(trim("{column}"))'

    hot, mid = f"{score} >= 60", f"{sfdc} BETWEEN 40 AND 80"
    sql = {"hot": hot, "cold": f"{score} <= 20"}
    if spec in ("four", "ten"):
        sql |= {"sfdc mid": mid, "hot mid": f"({hot}) AND ({mid})"}
    if spec == "ten":
        sql |= {
            "hot us": f"({hot}) AND {text('Country')} = 'us'",
            "hot reachable": f"({hot}) AND {text('Opt Out')} = 'no'",
            "open north america": f"{text('Country')} IN ('us', 'ca') AND "
            f"{text('Lead Status')} IN ('open', 'working')",
            "warm any": f"coalesce({score} >= 40, false) OR coalesce({sfdc} >= 70, false)",
            "nurture reachable": f"({score} BETWEEN 21 AND 59) AND NOT coalesce({text('Opt Out')} = 'yes', false)",
            "marketing titles": f"coalesce(contains({text('Title')}, 'marketing'), false) OR "
            f"coalesce({text('Title')} = 'cmo', false)",
        }
    return {name: f"coalesce({expr}, false)" for name, expr in sql.items()}


def pandas_masks(frame, spec: str) -> dict:
    import pandas as pd

    def num(column):
        return pd.to_numeric(frame[column].str.strip(), errors="coerce")

    def text(column):
        return frame[column].str.strip().str.lower()

    score, sfdc = num(SCORE), num(SFDC)
    hot, mid = score >= 60, sfdc.between(40, 80)
    masks = {"hot": hot, "cold": score <= 20}
    if spec in ("four", "ten"):
        masks |= {"sfdc mid": mid, "hot mid": hot & mid}
    if spec == "ten":
        masks |= {
            "hot us": hot & (text("Country") == "us"),
            "hot reachable": hot & (text("Opt Out") == "no"),
            "open north america": text("Country").isin(["us", "ca"])
            & text("Lead Status").isin(["open", "working"]),
            "warm any": (score >= 40) | (sfdc >= 70),
            "nurture reachable": score.between(21, 59) & ~(text("Opt Out") == "yes"),
            "marketing titles": text("Title").str.contains("marketing", regex=False).fillna(False)
            | (text("Title") == "cmo"),
        }
    return masks
