"""Deterministic generator of realistic Act-On-like contact exports.

    python bench/generate_export.py --rows 3000 examples/contacts.csv
    python bench/generate_export.py --rows 1000000 /tmp/leadseg-bench/contacts-1m.csv

Columns mimic a marketing export: e-mail, names, company, title, country, state, lead
source/status, an Overall Behavior Score with ~8% blanks and a few placeholders (``N/A``,
``-``), an SFDC Lead Score, created / last-activity dates, opt-out Yes/No and enough other
text that a row is ~500 bytes. The same ``--rows`` and ``--seed`` always give the same bytes.
``.parquet`` writes Parquet (all columns text, as leadseg reads a CSV).

``--shape crm`` writes what CRMs (Salesforce, HubSpot) export: 36 columns, the last a free-text
note -- empty in about half the rows, quoted where it holds commas or doubled quotes --, a
few scores padded with a no-break space or written NaN and inf, and,
with ``--multiline N``, N notes that span lines (a note pasted with its line breaks, placed
through the file). ``--crlf`` ends lines with CR LF, ``--bom`` starts the file with a UTF-8
BOM, as Excel and Windows exporters write them.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

FIRST = [
    "Anna",
    "Björn",
    "Carlos",
    "Dana",
    "Élodie",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jamal",
    "Kari",
    "Liam",
    "María",
    "Nils",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tomás",
]
LAST = [
    "Núñez",
    "Smith",
    "O'Brien",
    "Larsen",
    "Dubois",
    "Kowalski",
    "Chen",
    "Okafor",
    "Rossi",
    "García",
    "Müller",
    "Haddad",
    "Ivanova",
    "Johansson",
    "Patel",
    "Nguyen",
    "Kim",
    "Silva",
]
COMPANY = [
    "Acme Corp",
    "Globex, Inc.",
    "Initech",
    "Umbrella Ltd",
    "Hooli",
    "Vandelay Industries",
    'Stark "Labs"',
    "Wayne Enterprises",
    "Nordic Fjord AS",
    "Soylent GmbH",
]
TITLE = [
    "VP Marketing",
    "Marketing Manager",
    "CMO",
    "Sales Director",
    "Analyst",
    "Engineer",
    "Head of Growth",
    "Account Executive",
    "Founder",
    "Operations Lead",
]
COUNTRY = ["US", "US", "US", "CA", "GB", "DE", "NO", "FR", "AU", "NA", "BR", "IN"]
STATE = ["CA", "NY", "TX", "WA", "MA", "IL", "", "", "ON", "BC"]
SOURCE = ["Web Form", "Webinar", "Trade Show", "Referral", "Paid Search", "Organic", "List Import"]
STATUS = ["Open", "Working", "Nurturing", "Qualified", "Unqualified", "Closed"]
INDUSTRY = ["Software", "Manufacturing", "Healthcare", "Finance", "Retail", "Education"]
NOTES = [
    "",
    "",
    "Met at booth 12",
    "Asked for pricing, call back in Q3",
    "Downloaded whitepaper",
    "Prefers e-mail; do not call before 10am",
    "Renewal due, budget approved by finance",
]
PLACEHOLDERS = ["N/A", "-", "#N/A"]
FREE_TEXT = [
    "Called, left voicemail",
    'Said "call me after the budget review", follow up in March',
    "Interested in the enterprise plan; wants a demo",
    'Asked about "Pro" vs "Team" pricing',
    "No answer",
    "Met at the Boston trade show, booth 14, very keen",
    "Unsubscribed from the newsletter but still opens product mails",
    'Champion: "the board loves it"',
]
MULTILINE_NOTE = 'Call summary:\n- pricing, discount asked\n- "next steps" agreed'


def generate(rows: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    idx = np.arange(rows)

    def pick(options: list[str]) -> np.ndarray:
        return np.array(options, dtype=object)[rng.integers(0, len(options), rows)]

    score = rng.gamma(2.2, 14.0, rows).clip(0, 100).round().astype(int).astype(str).astype(object)
    roll = rng.random(rows)
    score[roll < 0.08] = ""
    score[(roll >= 0.08) & (roll < 0.083)] = pick(PLACEHOLDERS)[(roll >= 0.08) & (roll < 0.083)]
    sfdc = rng.integers(0, 101, rows).astype(str).astype(object)
    sfdc[rng.random(rows) < 0.05] = ""
    start = date(2019, 1, 1)
    created_days = rng.integers(0, 2500, rows)
    activity_days = np.minimum(created_days + rng.integers(0, 900, rows), 2890)
    created = [(start + timedelta(days=int(d))).isoformat() for d in created_days]
    activity = [(start + timedelta(days=int(d))).isoformat() + " 09:30:00" for d in activity_days]
    first, last = pick(FIRST), pick(LAST)
    frame = pl.DataFrame(
        {
            "Email": [f"contact{i}@example{i % 97}.com" for i in idx],
            "First Name": first,
            "Last Name": last,
            "Company": pick(COMPANY),
            "Title": pick(TITLE),
            "Industry": pick(INDUSTRY),
            "Phone": [f"+1 555 {i % 1000:03d} {i % 10000:04d}" for i in idx],
            "Street": [f"{i % 9000 + 1} Market Street, Suite {i % 400}" for i in idx],
            "City": pick(["Boston", "Oslo", "Austin", "Toronto", "Berlin", "Paris", "Sydney"]),
            "State": pick(STATE),
            "Zip": [f"{i % 100000:05d}" for i in idx],
            "Country": pick(COUNTRY),
            "Lead Source": pick(SOURCE),
            "Lead Status": pick(STATUS),
            "Overall Behavior Score": score,
            "SFDC Lead Score": sfdc,
            "Created Date": created,
            "Last Activity Date": activity,
            "Opt Out": np.where(rng.random(rows) < 0.1, "Yes", "No").astype(object),
            "CRM Id": [f"00Q{i:015d}" for i in idx],
            "Website": [f"https://www.example{i % 97}.com/landing/{i % 31}" for i in idx],
            "Campaign": [f"2026-Q{i % 4 + 1} Nurture Campaign {i % 12}" for i in idx],
            "Notes": pick(NOTES),
            "Owner": pick(["Alex Morgan", "Sam Lee", "Jordan Kim", "Riley Park"]),
            "UTM Source": pick(["google", "linkedin", "newsletter", "partner", ""]),
            "Job Function": pick(["Marketing", "Sales", "IT", "Operations", "Executive"]),
            "Referrer": [
                f"https://partner{i % 13}.example.org/campaigns/spring?id={i}" for i in idx
            ],
            "Interests": pick(["Webinars; Pricing", "Product updates", "Events; Case studies", ""]),
            "Description": [
                f"Imported from form {i % 57}; interested in product line {i % 9} and events"
                for i in idx
            ],
        },
        schema_overrides={},
    )
    # Empty values as exporters write them: nothing between the delimiters.
    return frame.select(pl.all().cast(pl.String).replace("", None))


def generate_crm(rows: int, seed: int, multiline: list[int]) -> pl.DataFrame:
    """The CRM shape: the base columns, seven more, and a free-text last column."""
    rng = np.random.default_rng(seed + 1)
    idx = np.arange(rows)
    base = generate(rows, seed)

    def pick(options: list[str]) -> np.ndarray:
        return np.array(options, dtype=object)[rng.integers(0, len(options), rows)]

    note = pick(FREE_TEXT)
    note[rng.random(rows) < 0.5] = ""
    for at in multiline:
        note[at] = MULTILINE_NOTE
    # Scores as CRMs and spreadsheets leave some: padded with a no-break space (a number by
    # leadseg's rules; TRY_CAST after trim() reads none) or NaN and inf (no number by
    # leadseg's rules; TRY_CAST reads them, and NaN compares greater than every number).
    score = base["Overall Behavior Score"].to_numpy().astype(object)
    roll = rng.random(rows)
    padded = (roll < 0.01) & (score != None)  # noqa: E711 (an object array's missing values)
    score[padded] = np.char.add("\u00a0", score[padded].astype(str)).astype(object)
    score[(roll >= 0.01) & (roll < 0.012)] = "NaN"
    score[(roll >= 0.012) & (roll < 0.013)] = "inf"
    base = base.with_columns(pl.Series("Overall Behavior Score", score, dtype=pl.String))
    extra = pl.DataFrame(
        {
            "Salutation": pick(["Mr.", "Ms.", "Dr.", "", "Mx."]),
            "Mobile": [f"+44 7700 {i % 900000:06d}" for i in idx],
            "Annual Revenue": rng.integers(0, 50_000_000, rows).astype(str),
            "Employees": rng.integers(1, 20_000, rows).astype(str),
            "Rating": pick(["Hot", "Warm", "Cold", ""]),
            "Lead Owner Role": pick(["SDR", "AE", "Partner Manager"]),
            "Last Note": note,
        }
    )
    return pl.concat(
        [base, extra.select(pl.all().cast(pl.String).replace("", None))], how="horizontal"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shape", choices=("clean", "crm"), default="clean")
    parser.add_argument("--multiline", type=int, default=0, help="notes that span lines (crm)")
    parser.add_argument("--crlf", action="store_true", help="end lines with CR LF")
    parser.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM")
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    chunk = 500_000
    # The multi-line notes sit evenly through the file (the first in the middle for one).
    spread = [args.rows * (2 * k + 1) // (2 * args.multiline) for k in range(args.multiline)]

    def part(start: int) -> pl.DataFrame:
        size = min(chunk, args.rows - start)
        if args.shape == "clean":
            return generate(size, seed=args.seed + start)
        inside = [at - start for at in spread if start <= at < start + size]
        return generate_crm(size, args.seed + start, inside)

    frames = (part(start) for start in range(0, args.rows, chunk))
    if args.output.suffix == ".parquet":
        pl.concat(list(frames)).write_parquet(args.output)
        return
    with open(args.output, "wb") as handle:
        for i, frame in enumerate(frames):
            frame.write_csv(
                handle,
                include_header=i == 0,
                include_bom=args.bom and i == 0,
                line_terminator="\r\n" if args.crlf else "\n",
            )


if __name__ == "__main__":
    main()
