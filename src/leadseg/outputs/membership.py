"""``apply --membership FILE``: one row per contact in input order -- the key column(s),
then one column per segment (file order) headed by its name, ``true``/``false`` -- the file
a CRM import or a "tag contacts" job wants. CSV (text ``true``/``false``) or Parquet
(booleans) by the name's extension; written into the output directory with the segment
files (the same temp-file, 0600 and lock rules) and listed in the manifest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leadseg.errors import UsageError

if TYPE_CHECKING:
    import polars as pl

    from leadseg.engines.plan import Plan

SUFFIXES = {".csv": "csv", ".parquet": "parquet"}
KEY_PREFIX = "\x00leadseg:member-key:"
_EMAIL = re.compile(r"e[-_ ]?mail", re.IGNORECASE)


@dataclass(frozen=True)
class Membership:
    file: str  # a plain name, written into the output directory
    format: str  # csv or parquet
    keys: tuple[str, ...] = ()  # the columns asked for (--key); none: an e-mail column
    with_scores: bool = False  # the score and grade columns after the segments'

    @classmethod
    def of(cls, file: str, keys: tuple[str, ...] = ()) -> Membership:
        """Checked before any work: a plain file name with a known extension."""
        from leadseg.outputs.writers import extra_output_name

        suffix = extra_output_name(file, "--membership", tuple(SUFFIXES), "membership.csv")
        fmt = SUFFIXES[suffix]
        return cls(file, fmt, keys)

    def key_columns(self, p: Plan) -> list[str]:
        """The key columns: those named, else the first column named like an e-mail
        address column; none is a usage error."""
        from leadseg.segments.columns import find_column

        header = list(p.export.columns)
        if self.keys:
            found = [find_column(k, header, p.export.display, "--key") for k in self.keys]
        else:
            found = [h for h in header if _EMAIL.search(h)][:1]
            if not found:
                raise UsageError(
                    f"--membership: no e-mail column in {p.export.display} to identify contacts",
                    hint="name the key column(s) with --key COLUMN",
                )
        names = set(p.segments.names())
        for column in found:
            if column in names:
                raise UsageError(
                    f"--membership: the key column {column!r} has a segment's name",
                    hint="rename the segment, or use another --key",
                )
        return list(dict.fromkeys(found))

    def staged(self, p: Plan) -> list[Any]:
        """Copies of the key columns that every batch keeps, raw-line batches too."""
        import polars as pl

        return [pl.col(k).alias(f"{KEY_PREFIX}{i}") for i, k in enumerate(self.key_columns(p))]

    def schema(self, p: Plan) -> pl.Schema:
        import polars as pl

        from leadseg.engines.polars.compiler import output_schema

        columns = {k: p.schema[k] for k in self.key_columns(p)}
        # booleans in both: Polars writes them to CSV as true/false
        flags = {name: pl.Boolean for name in p.segments.names()}
        scores = output_schema(p.segments) if self.with_scores else {}
        return pl.Schema({**columns, **flags, **scores})

    def rows(self, p: Plan, batch: pl.DataFrame) -> pl.DataFrame:
        """A batch's membership rows."""
        import polars as pl

        from leadseg.engines.polars.compiler import mask_column

        keys = [pl.col(f"{KEY_PREFIX}{i}").alias(k) for i, k in enumerate(self.key_columns(p))]
        flags = [pl.col(mask_column(name)).alias(name) for name in p.segments.names()]
        from leadseg.engines.polars.compiler import output_schema

        added = [pl.col(name) for name in output_schema(p.segments)] if self.with_scores else []
        return batch.select(*keys, *flags, *added)
