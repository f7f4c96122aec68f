"""The ten-segment counts in DuckDB SQL written by hand with leadseg's rules (README,
Semantics), not just TRY_CAST: values trimmed of every Unicode white-space character, a
number read only where the number grammar matches (so '1_000', 'nan', '1e999' are
unreadable), text NFC-normalised and lower-cased, and per compared number column how many
values are unreadable and readable (leadseg's mostly-unreadable check needs both).

    python duckdb_rules_count.py EXPORT.parquet
"""

import sys

import duckdb

SPACES = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
SPACES += "\u2028\u2029\u202f\u205f\u3000"
NUMBER = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"

path = sys.argv[1]
spaces = "'" + SPACES.replace("'", "''") + "'"


def num(column: str) -> str:
    text = f'trim("{column}", {spaces})'
    value = f"CASE WHEN regexp_matches({text}, '{NUMBER}') THEN CAST({text} AS DOUBLE) END"
    return f"CASE WHEN isfinite({value}) THEN {value} END"


def text(column: str) -> str:
    return f"replace(lower(nfc_normalize(trim(\"{column}\", {spaces}))), 'ς', 'σ')"


def present(column: str) -> str:
    return f"coalesce(trim(\"{column}\", {spaces}), '') <> ''"


score, sfdc = "score", "sfdc"
hot, mid = f"{score} >= 60", f"{sfdc} BETWEEN 40 AND 80"
segments = {
    "hot": hot,
    "cold": f"{score} <= 20",
    "sfdc mid": mid,
    "hot mid": f"({hot}) AND ({mid})",
    "hot us": f"({hot}) AND country = 'us'",
    "hot reachable": f"({hot}) AND opt_out = 'no'",
    "open north america": "country IN ('us', 'ca') AND status IN ('open', 'working')",
    "warm any": f"coalesce({score} >= 40, false) OR coalesce({sfdc} >= 70, false)",
    "nurture reachable": f"({score} BETWEEN 21 AND 59) AND NOT coalesce(opt_out = 'yes', false)",
    "marketing titles": "coalesce(contains(title, 'marketing'), false) OR coalesce(title = 'cmo', false)",
}
sums = [f'count(*) FILTER (WHERE coalesce({e}, false)) AS "{n}"' for n, e in segments.items()]
for name, column in ((score, "Overall Behavior Score"), (sfdc, "SFDC Lead Score")):
    sums.append(f"count(*) FILTER (WHERE {present(column)} AND {name} IS NULL)")
    sums.append(f"count(*) FILTER (WHERE {name} IS NOT NULL)")
values = (
    f"SELECT {num('Overall Behavior Score')} AS score, {num('SFDC Lead Score')} AS sfdc, "
    f"{text('Country')} AS country, {text('Opt Out')} AS opt_out, "
    f"{text('Lead Status')} AS status, {text('Title')} AS title, "
    f'"Overall Behavior Score", "SFDC Lead Score" FROM read_parquet(\'{path}\')'
)
row = duckdb.sql(f"SELECT {', '.join(sums)} FROM ({values})").fetchall()[0]
for name, value in zip(segments, row, strict=False):
    print(f"{name}\t{value}")
