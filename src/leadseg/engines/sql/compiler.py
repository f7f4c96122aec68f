"""Criteria tree -> SQL, built as a sqlglot expression tree and printed in any dialect.

Nothing is pasted as text: identifiers are quoted identifiers, values are literals (a
segment named ``x"; DROP TABLE contacts; --`` stays a quoted alias). Every column is read
as text (``CAST(col AS TEXT)``), so the same SQL is right on a CSV loaded as text and on
typed warehouse columns (a DOUBLE score prints as ``70.0``, a DATE as ``2026-11-28``).

The rules come from ``leadseg.rules`` and are never restated: values are trimmed of
``WHITESPACE``; a number is read only where the ``NUMBER`` pattern matches and a date only
where ``ISO_DATE`` (or a ``dates:`` format's pattern) does, so no dialect's lenient or
failing cast decides what is readable; placeholders are blank; text is lower-cased by the
engine on both sides (the literal too, so both use one mapping) with the two Greek sigmas
as one letter.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from leadseg.segments.criteria import Condition, Criterion, Kind, Op, Segment, SegmentSet, fold
from leadseg.segments.reads import parsed_values
from leadseg.segments.scores import Hundredths, total

# sqlglot expressions; its helpers (and_, or_, not_) are typed as returning a Condition
# that its own stubs do not relate to Expression, so the compiler speaks of them loosely.
SqlExpr = Any

DIALECTS = ("duckdb", "spark", "databricks", "bigquery", "snowflake", "postgres", "trino")
SELECTS = ("counts", "flags", "members", "unreadable")
# Largest finite double: a value past it (1e999) is unreadable, as in every engine.
MAX_DOUBLE = "1.7976931348623157e308"
# A calendar date: days that exist in their month, 29 February in leap years only. So the
# cast that follows can never fail (Postgres has no safe cast).
VALID_DAY = (
    r"^([0-9]{4}-(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    r"|[0-9]{4}-(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    r"|[0-9]{4}-02-(0[1-9]|1[0-9]|2[0-8])"
    r"|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)"
)


def _characters(text: str, dialect: str) -> SqlExpr:
    """A string of invisible characters, spelled with CHR() so the SQL text shows them --
    except in Spark and Databricks, whose CHR() is ASCII only (CHR(12288) is CHR(0)): there
    a string literal holds them (sqlglot writes the line breaks and tabs as escapes)."""
    from sqlglot import exp

    if dialect in ("spark", "databricks"):
        return exp.Literal.string(text)
    parts: list[SqlExpr] = [
        exp.Literal.string(c) if c == " " else exp.Chr(expressions=[exp.Literal.number(ord(c))])
        for c in text
    ]
    joined = parts[0]
    for part in parts[1:]:
        joined = exp.DPipe(this=joined, expression=part, safe=True)
    return joined


def _double(value: float) -> SqlExpr:
    """A number as a DOUBLE (a plain literal is DECIMAL in DuckDB and NUMERIC in Postgres:
    scores are computed in double precision everywhere)."""
    from sqlglot import exp

    return exp.Cast(this=exp.Literal.number(repr(float(value))), to=exp.DataType.build("DOUBLE"))


def _sql_pattern(pattern: str) -> str:
    """A rules pattern in the regex syntax every dialect shares: plain groups (Snowflake's
    POSIX regexes have no ``(?:``)."""
    return pattern.replace("(?:", "(")


class SqlCompiler:
    """Compiles one bound segment set for one dialect."""

    def __init__(
        self,
        segments: SegmentSet,
        dialect: str,
        *,
        as_of: date | None = None,
        decimal_comma: bool = False,
        columns: dict[str, str] | None = None,
        nfc_function: tuple[str, frozenset[str]] | None = None,
    ) -> None:
        self.segments = segments
        self.columns = columns or {}  # a column's name in the SQL, when not its own
        # Where the dialect has no NFC: a function (a Spark UDF) and the columns needing it.
        self.nfc_function = nfc_function
        self.dialect = dialect
        self.as_of = as_of  # None: the dialect's CURRENT_DATE
        self.decimal_comma = decimal_comma
        self.by_name = segments.by_name()
        self._memo: dict[str, SqlExpr] = {}
        # scores and grades: columns the segment file adds (``leadseg.segments.scores``)
        self.score_of = {score.name: score for score in segments.scores}
        self.grade_of = {grade.name: grade for grade in segments.grades}
        from leadseg.segments.scores import levels

        self.level = {name: at for (kind, name), at in levels(segments).items()
                      if kind != "segment"}  # fmt: skip
        self.score_stages: dict[int, dict[str, SqlExpr]] = {}
        self.raw_stages: dict[int, dict[str, SqlExpr]] = {}  # a level's totals, unrounded

    # -- values ---------------------------------------------------------------------------
    def stripped(self, column: str) -> SqlExpr:
        from sqlglot import exp

        from leadseg.rules import WHITESPACE

        if column in self.grade_of:  # its label, NULL when no band is reached
            return self.grade_label(column, folded=False)
        name = self.columns.get(column, column)
        text = exp.Cast(this=exp.column(name, quoted=True), to=exp.DataType.build("TEXT"))
        spaces = _characters(WHITESPACE, self.dialect)
        return exp.Trim(this=text, expression=spaces, position="BOTH")

    def _matches(self, value: SqlExpr, pattern: str) -> SqlExpr:
        from sqlglot import exp

        return exp.RegexpLike(this=value, expression=exp.Literal.string(_sql_pattern(pattern)))

    def _placeholder(self, column: str, value: SqlExpr) -> SqlExpr | None:
        from sqlglot import exp

        values = sorted({p.strip().lower() for p in self.segments.placeholders_for(column)})
        if not values:
            return None
        return exp.In(
            this=exp.Lower(this=value),
            expressions=[exp.Lower(this=exp.Literal.string(v)) for v in values],
        )

    def _numeric_placeholders(self, column: str) -> bool:
        """True when a placeholder of ``column`` could read as a number (``-1``, or ``$0.00``
        where money is read): only then must a number be tested against the placeholders
        before it is read (a value that reads as a number can equal no other placeholder)."""
        from leadseg.rules import could_read_as_number

        forms = self.segments.number_forms_for(column)
        return any(could_read_as_number(p, forms) for p in self.segments.placeholders_for(column))

    def value_of(self, column: str, kind: Kind) -> SqlExpr:
        return self.number(column) if kind == Kind.NUMBER else self.day(column)

    def readable(self, column: str, kind: Kind) -> SqlExpr:
        """True when the value reads as ``kind`` (not blank, not a placeholder)."""
        from sqlglot import exp

        return exp.not_(exp.Is(this=exp.paren(self.value_of(column, kind)), expression=exp.null()))

    def unreadable(self, column: str, kind: Kind) -> SqlExpr:
        """Not blank, not a placeholder, and yet not readable as ``kind`` (README)."""
        from sqlglot import exp

        text = self.stripped(column)
        present = exp.and_(
            exp.not_(exp.Is(this=text, expression=exp.null())),
            exp.NEQ(this=text.copy(), expression=exp.Literal.string("")),
        )
        holder = self._placeholder(column, text.copy())
        if holder is not None:
            present = exp.and_(present, exp.not_(exp.paren(holder)))
        missing = exp.Is(this=exp.paren(self.value_of(column, kind)), expression=exp.null())
        # The missing value first, in a CASE (not COALESCE): engines then test the
        # placeholders only where the value is not read, a few rows (DuckDB: 0.13 s against
        # 0.16 s for the ten bench segments on 1M rows).
        whole = exp.and_(missing, present)
        return exp.Case().when(whole, exp.true()).else_(exp.false())

    def _number_text(self, column: str, text: SqlExpr) -> tuple[str, SqlExpr, SqlExpr]:
        """The number grammar, the text it is checked on (the column's number forms read:
        ``rules.number_steps``) and the text a cast reads (a decimal comma made a point)."""
        for step in self._steps(column):
            text = self._form_step(step, text)
        return self._with_point(text)

    def _steps(self, column: str) -> list[Any]:
        from leadseg.rules import number_steps

        forms = self.segments.number_forms_for(column)
        return number_steps(forms, decimal_comma=self.decimal_comma)

    def _with_point(self, text: SqlExpr) -> tuple[str, SqlExpr, SqlExpr]:
        from sqlglot import exp

        from leadseg.rules import NUMBER, NUMBER_DECIMAL_COMMA

        if not self.decimal_comma:
            return NUMBER, text, text.copy()
        point = exp.Replace(
            this=text.copy(),
            expression=exp.Literal.string(","),
            replacement=exp.Literal.string("."),
        )
        return NUMBER_DECIMAL_COMMA, text, point

    def _form_step(self, step: Any, text: SqlExpr) -> SqlExpr:
        """One number form: ``text`` rewritten where it has the form's shape (it appears
        three times: the staged compiler gives each step a stage of its own)."""
        from sqlglot import exp

        if step.negate:
            two = exp.Literal.number(2)
            length = exp.Sub(this=exp.Length(this=text.copy()), expression=two)
            inner = exp.Substring(this=text.copy(), start=exp.Literal.number(2), length=length)
            trimmed = exp.Trim(this=inner, expression=exp.Literal.string(" "), position="BOTH")
            rewritten: SqlExpr = exp.DPipe(
                this=exp.Literal.string("-"), expression=trimmed, safe=True
            )
        else:
            rewritten = text.copy()
            if step.cut:
                rewritten = exp.RegexpReplace(
                    this=rewritten, expression=exp.Literal.string(_sql_pattern(step.cut)),
                    replacement=exp.Literal.string(""),
                )  # fmt: skip
            for mark in step.drop:
                rewritten = exp.Replace(
                    this=rewritten, expression=exp.Literal.string(mark),
                    replacement=exp.Literal.string(""),
                )  # fmt: skip
        shaped = self._matches(text.copy(), step.shape)
        return exp.Case().when(shaped, rewritten).else_(text.copy())

    def _double(self, column: str, source: SqlExpr) -> SqlExpr:
        """``source`` (the column's text) cast to DOUBLE; read only where the grammar holds."""
        from sqlglot import exp

        return exp.Cast(this=source, to=exp.DataType.build("DOUBLE"))

    def number(self, column: str) -> SqlExpr:
        from sqlglot import exp

        if column in self.score_of:
            return self.score_value(column)
        text = self.stripped(column)
        grammar, read, source = self._number_text(column, text)
        case = exp.Case()
        holder = self._placeholder(column, text) if self._numeric_placeholders(column) else None
        if holder is not None:
            case = case.when(holder, exp.null())
        if self.dialect == "postgres":
            # Postgres' NUMERIC takes any length of digits (a DOUBLE cast of 1e999 fails):
            # check the grammar, then the range, before DOUBLE.
            value = exp.Cast(this=source, to=exp.DataType.build("DOUBLE"))
            checked = exp.Cast(this=source.copy(), to=exp.DataType.build("DECIMAL"))
            finite = exp.LTE(this=exp.Abs(this=checked), expression=exp.Literal.number(MAX_DOUBLE))
            case = case.when(exp.not_(self._matches(read, grammar)), exp.null())
            return case.when(finite, value).else_(exp.null())
        value = self._double(column, source)
        finite = exp.LTE(this=exp.Abs(this=value), expression=exp.Literal.number(MAX_DOUBLE))
        readable = exp.and_(self._matches(read, grammar), finite)
        return case.when(readable, value.copy())

    def day(self, column: str) -> SqlExpr:
        from sqlglot import exp

        from leadseg.rules import ISO_DATE, ZONE_SUFFIX, DateFormat, calendar_pattern

        text = self.stripped(column)
        case = exp.Case()
        holder = self._placeholder(column, text)
        if holder is not None:
            case = case.when(holder, exp.null())
        for written in self.segments.date_formats_for(column):
            # %B reads a full month name or its abbreviation; SQL parsers take each with its
            # own code, so such a format is tried as written and with %b.
            variants = [written, written.replace("%B", "%b")] if "%B" in written else [written]
            for variant in variants:
                form = DateFormat.parse(variant)
                source = text.copy()
                if form.zone_suffix:  # the zone is cut: the date as written is read
                    source = exp.RegexpReplace(
                        this=source, expression=exp.Literal.string(_sql_pattern(ZONE_SUFFIX)),
                        replacement=exp.Literal.string(""),
                    )  # fmt: skip
                parsed = exp.StrToDate(
                    this=source, format=exp.Literal.string(form.parse_format), safe=True
                )
                # Parsers that stop the query on an impossible date (Postgres' TO_DATE,
                # Spark's in ANSI mode) only ever see real ones.
                case = case.when(self._matches(text.copy(), calendar_pattern(form)), parsed)
        head = exp.Substring(
            this=text.copy(), start=exp.Literal.number(1), length=exp.Literal.number(10)
        )
        iso = exp.and_(self._matches(text.copy(), ISO_DATE), self._matches(head, VALID_DAY))
        cast = exp.Cast(this=head.copy(), to=exp.DataType.build("DATE"))
        return case.when(iso, cast)

    def nfc(self, value: SqlExpr, column: str | None = None) -> SqlExpr:
        """Unicode NFC, where the dialect has it (Spark, Databricks and Snowflake have no
        normalisation function: there, decomposed text is compared as written, unless
        ``nfc_function`` names one for ``column``)."""
        from sqlglot import exp

        if self.nfc_function is not None and column in self.nfc_function[1]:
            return exp.Anonymous(this=self.nfc_function[0], expressions=[value])
        if self.dialect == "duckdb":
            return exp.Anonymous(this="NFC_NORMALIZE", expressions=[value])
        if self.dialect in ("postgres", "bigquery", "trino"):
            return exp.Normalize(this=value, form=exp.var("NFC"))
        return value

    def folded_text(self, column: str) -> SqlExpr:
        """The column as text comparisons see it."""
        if column in self.grade_of:
            return self.grade_label(column, folded=True)
        return self.folded(self.nfc(self.stripped(column), column))

    # -- scores and grades ----------------------------------------------------------------
    # Each is a column of a stage of its own level (``scores.levels``), named as the score
    # or grade: inline, a score read by a grade's bands and by other scores would be
    # written out again at every use. ``over_score_stages`` puts the stages in the query.
    def score_value(self, name: str) -> SqlExpr:
        """A score's value (``scores.total``): its column."""
        from sqlglot import exp

        stage = self.score_stages.setdefault(self.level[name], {})
        if name not in stage:
            stage[name] = None  # registered first: what it reads lands in lower levels
            rounding = total(self.score_of[name])
            assert isinstance(rounding, Hundredths)
            raw = self.raw_stages.setdefault(self.level[name], {})
            alias = f"leadseg_raw_{sum(map(len, self.raw_stages.values()))}"  # unique
            raw[alias] = self.arith(rounding.term)  # the total before it is rounded
            stage[name] = self.hundredths(exp.column(alias, quoted=True))
        return exp.column(name, quoted=True)

    def grade_label(self, name: str, *, folded: bool) -> SqlExpr:
        """A grade's label as written (NULL when no band is reached), or folded as text
        comparisons read it."""
        from sqlglot import exp

        stage = self.score_stages.setdefault(self.level[name], {})
        if name not in stage:
            grade = self.grade_of[name]
            case = exp.Case()
            for label, floor in grade.bands:
                reached = exp.GTE(this=self.number(grade.score), expression=_double(floor))
                case = case.when(reached, exp.Literal.string(label))
            stage[name] = case
        column = exp.column(name, quoted=True)
        return self.folded(column) if folded else column

    def over_score_stages(self, final: Any, source: SqlExpr) -> Any:
        """``final`` (a SELECT without FROM) over ``source`` and the score stages. Call it
        after building ``final``'s expressions: they register the stages' columns."""
        stages, last = self.score_stage_list(source)
        final = final.from_(last)
        for name, query in stages:
            final = final.with_(name, as_=query)
        return final

    def score_stage_list(self, source: SqlExpr) -> tuple[list[tuple[str, Any]], SqlExpr]:
        """The score stages over ``source`` (each ``SELECT *, its columns`` over the one
        before), and what the final query reads from."""
        from sqlglot import exp

        stages: list[tuple[str, Any]] = []
        before = source
        for at in sorted(self.score_stages):
            for name, stage in ((f"leadseg_raw_{at}", self.raw_stages.get(at, {})),
                                (f"leadseg_scores_{at}", self.score_stages[at])):  # fmt: skip
                if not stage:
                    continue
                added = [exp.alias_(e, a, quoted=True) for a, e in stage.items()]
                stages.append((name, exp.select(exp.Star(), *added).from_(before)))
                before = exp.table_(name, quoted=True)
        return stages, before

    def arith(self, node: Any) -> SqlExpr:
        """``scores.Arith`` in SQL, in its order of operations (DOUBLE throughout)."""
        from sqlglot import exp

        from leadseg.segments import scores as s

        if isinstance(node, s.Points):
            return exp.Case().when(self.criterion(node.criterion), _double(node.points)).else_(
                _double(0)
            )  # fmt: skip
        if isinstance(node, s.PerUnit):
            product = exp.Mul(this=exp.paren(self.number(node.field)), expression=_double(node.per))
            return exp.Coalesce(this=product, expressions=[_double(0)])
        if isinstance(node, s.Sum):
            terms = [self.arith(t) for t in node.terms]
            summed = terms[0]
            for term in terms[1:]:
                summed = exp.Add(this=summed, expression=term)
            return exp.paren(summed)
        # never NULL here: sqlglot need not write the NULL checks it adds for DuckDB (they
        # copy the term); Snowflake's plain LEAST is the one that needs none
        nulls = self.dialect != "snowflake"
        if isinstance(node, s.AtMost):
            return exp.Least(
                this=self.arith(node.term), expressions=[_double(node.limit)], ignore_nulls=nulls
            )
        if isinstance(node, s.AtLeast):
            return exp.Greatest(
                this=self.arith(node.term), expressions=[_double(node.floor)], ignore_nulls=nulls
            )
        if isinstance(node, s.Decayed):
            days = exp.DateDiff(
                this=self._as_of(), expression=self.day(node.field), unit=exp.var("DAY")
            )
            since = exp.Greatest(this=days, expressions=[exp.Literal.number(0)], ignore_nulls=nulls)
            exponent = exp.Mul(
                this=exp.Cast(this=since, to=exp.DataType.build("DOUBLE")),
                expression=_double(node.rate),
            )
            factor = exp.Pow(this=_double(0.5), expression=exponent)
            kept = exp.Coalesce(this=factor, expressions=[_double(1)])
            return exp.Mul(this=exp.paren(self.arith(node.term)), expression=kept)
        assert isinstance(node, s.Hundredths)
        return self.hundredths(self.arith(node.term))

    def hundredths(self, term: SqlExpr) -> SqlExpr:
        """``scores.Hundredths`` of ``term`` (a column: it is read four times)."""
        from sqlglot import exp

        from leadseg.segments.scores import ROUNDED_BELOW

        scaled = exp.Add(
            this=exp.Mul(this=exp.Abs(this=term), expression=_double(100)),
            expression=_double(0.5),
        )
        signed = exp.Mul(this=exp.Sign(this=term.copy()), expression=exp.Floor(this=scaled))
        divided = exp.Div(this=signed, expression=_double(100))
        rounded = exp.Add(this=divided, expression=_double(0))  # -0.0 + 0.0 is 0.0
        small = exp.LT(this=exp.Abs(this=term.copy()), expression=_double(ROUNDED_BELOW))
        return exp.Case().when(small, rounded).else_(term.copy())

    def folded(self, value: SqlExpr) -> SqlExpr:
        """Lower-cased by the engine as Python's str.lower does (capital dotted I spelled
        out first), the final sigma as sigma."""
        from sqlglot import exp

        from leadseg.rules import DOTTED_CAPITAL_I, DOTTED_I, FINAL_SIGMA, SIGMA

        dotted = exp.Replace(
            this=value,
            expression=exp.Literal.string(DOTTED_CAPITAL_I),
            replacement=exp.Literal.string(DOTTED_I),
        )
        return exp.Replace(
            this=exp.Lower(this=dotted),
            expression=exp.Literal.string(FINAL_SIGMA),
            replacement=exp.Literal.string(SIGMA),
        )

    # -- criteria -------------------------------------------------------------------------
    def criterion(self, node: Criterion) -> SqlExpr:
        """A boolean that is never NULL."""
        from sqlglot import exp

        return fold(
            node,
            condition=lambda cond: exp.Coalesce(
                this=exp.paren(self.condition(cond)), expressions=[exp.false()]
            ),
            all_of=lambda children: exp.and_(*children),
            any_of=lambda children: exp.or_(*children),
            negate=lambda child: exp.not_(exp.paren(child)),
            segment=lambda name: self.segment(self.by_name[name]),
        )

    def condition(self, cond: Condition) -> SqlExpr:
        from sqlglot import exp

        if cond.kind == Kind.BLANK:
            text = self.stripped(cond.field)
            blank = exp.or_(exp.Is(this=text, expression=exp.null()), exp.EQ(
                this=text.copy(), expression=exp.Literal.string("")
            ))  # fmt: skip
            return blank if cond.value else exp.not_(exp.paren(blank))
        if cond.kind == Kind.TEXT:
            return self.text_condition(cond)
        value = self.number(cond.field) if cond.kind == Kind.NUMBER else self.day(cond.field)
        return self.compare(exp.paren(value), cond)

    def _literal(self, value: Any) -> SqlExpr:
        from sqlglot import exp

        if isinstance(value, date):
            return exp.Cast(
                this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE")
            )
        return exp.Literal.number(repr(float(value)))

    def _as_of(self) -> SqlExpr:
        from sqlglot import exp

        if self.as_of is None:
            return exp.CurrentDate()
        return self._literal(self.as_of)

    def _days_before(self, days: int) -> SqlExpr:
        from sqlglot import exp

        return exp.DateSub(
            this=self._as_of(), expression=exp.Literal.number(days), unit=exp.var("DAY")
        )

    def compare(self, value: SqlExpr, cond: Condition) -> SqlExpr:
        from sqlglot import exp

        op, target = cond.op, cond.value
        if op == Op.AT_LEAST:
            return exp.GTE(this=value, expression=self._literal(target))
        if op == Op.AT_MOST:
            return exp.LTE(this=value, expression=self._literal(target))
        if op == Op.BETWEEN:
            low, high = cast(tuple, target)
            return exp.Between(this=value, low=self._literal(low), high=self._literal(high))
        if op == Op.IS:
            return exp.EQ(this=value, expression=self._literal(target))
        if op == Op.IN:
            return exp.In(this=value, expressions=[self._literal(t) for t in target])  # type: ignore[union-attr]
        if op == Op.BEFORE:
            return exp.LT(this=value, expression=self._literal(target))
        if op == Op.AFTER:
            return exp.GT(this=value, expression=self._literal(target))
        days = int(target)  # type: ignore[arg-type]
        if op == Op.IN_LAST_DAYS:
            return exp.Between(this=value, low=self._days_before(days), high=self._as_of())
        assert op == Op.MORE_THAN_DAYS_AGO
        return exp.LT(this=value, expression=self._days_before(days))

    def text_condition(self, cond: Condition) -> SqlExpr:
        from sqlglot import exp

        from leadseg.rules import fold_text

        data = self.folded_text(cond.field)

        def lit(text: Any) -> SqlExpr:
            return self.folded(exp.Literal.string(fold_text(str(text))))

        blank = exp.EQ(this=self.stripped(cond.field), expression=exp.Literal.string(""))
        op, target = cond.op, cond.value
        if op == Op.SAMPLE:
            match: SqlExpr = self.in_sample(data, cast(tuple[int, int, int], target))
        elif op == Op.IS:
            match = exp.EQ(this=data, expression=lit(target))
        elif op == Op.IN:
            match = exp.In(this=data, expressions=[lit(t) for t in target])  # type: ignore[union-attr]
        elif op == Op.CONTAINS:
            match = exp.GT(
                this=exp.StrPosition(this=data, substr=lit(target)),
                expression=exp.Literal.number(0),
            )
        else:
            size = exp.Length(this=lit(target))
            if op == Op.STARTS_WITH:
                part = exp.Substring(this=data, start=exp.Literal.number(1), length=size)
            else:  # ENDS_WITH: the last characters
                start = exp.Add(
                    this=exp.Sub(this=exp.Length(this=data.copy()), expression=size),
                    expression=exp.Literal.number(1),
                )
                part = exp.Substring(this=data, start=start, length=size.copy())
            fits = exp.GTE(this=exp.Length(this=data.copy()), expression=size.copy())
            match = exp.and_(fits, exp.EQ(this=part, expression=lit(target)))
        return exp.and_(exp.not_(exp.paren(blank)), match)

    def in_sample(self, folded: SqlExpr, bounds: tuple[int, int, int]) -> SqlExpr:
        """``rules.sample_bucket`` of the folded key (already with sigma as sigma) in
        [low, high) hundredths: md5 as lower-case hex, its first 8 digits as a number."""
        from sqlglot import exp

        from leadseg.rules import SAMPLE_BUCKETS

        seed, low, high = bounds
        text = exp.DPipe(this=exp.Literal.string(f"{seed}:"), expression=folded, safe=True)
        head = exp.Substring(
            this=self._md5_hex(text), start=exp.Literal.number(1), length=exp.Literal.number(8)
        )
        bucket = exp.Mod(
            this=exp.paren(self._hex_number(head)), expression=exp.Literal.number(SAMPLE_BUCKETS)
        )
        return exp.and_(
            exp.GTE(this=bucket, expression=exp.Literal.number(low)),
            exp.LT(this=bucket.copy(), expression=exp.Literal.number(high)),
        )

    def _md5_hex(self, text: SqlExpr) -> SqlExpr:
        """md5 of text's UTF-8 bytes as lower-case hex, in this dialect."""
        from sqlglot import exp

        if self.dialect == "trino":  # MD5 takes bytes there
            raw = exp.Anonymous(
                this="MD5", expressions=[exp.Anonymous(this="TO_UTF8", expressions=[text])]
            )
            return exp.Lower(this=exp.Anonymous(this="TO_HEX", expressions=[raw]))
        return exp.MD5(this=text)

    def _hex_number(self, hex8: SqlExpr) -> SqlExpr:
        """Eight hex digits as a number, in this dialect."""
        from sqlglot import exp

        bigint = exp.DataType.build("BIGINT")
        if self.dialect in ("spark", "databricks"):
            digits = exp.Anonymous(
                this="CONV", expressions=[hex8, exp.Literal.number(16), exp.Literal.number(10)]
            )
            return exp.Cast(this=digits, to=bigint)
        if self.dialect == "postgres":
            bits = exp.Cast(
                this=exp.DPipe(this=exp.Literal.string("x"), expression=hex8),
                to=exp.DataType.build("BIT(32)", dialect="postgres"),
            )
            return exp.Cast(this=bits, to=bigint)
        if self.dialect == "snowflake":
            return exp.Anonymous(
                this="TO_NUMBER", expressions=[hex8, exp.Literal.string("XXXXXXXX")]
            )
        if self.dialect == "trino":
            return exp.Anonymous(this="FROM_BASE", expressions=[hex8, exp.Literal.number(16)])
        # DuckDB, BigQuery: a 0x literal in text casts to an integer
        prefixed = exp.DPipe(this=exp.Literal.string("0x"), expression=hex8)
        return exp.Cast(this=prefixed, to=bigint)

    def segment(self, segment: Segment) -> SqlExpr:
        """A segment's membership: its own criterion AND its parent's membership."""
        from sqlglot import exp

        if segment.name not in self._memo:
            own = self.criterion(segment.criterion)
            if segment.parent:
                own = exp.and_(self.segment(self.by_name[segment.parent]), own)
            self._memo[segment.name] = exp.paren(own)
        return self._memo[segment.name].copy()


class StagedSqlCompiler(SqlCompiler):
    """The same SQL in stages, as the Polars engine computes it: each column is trimmed once
    (first stage) and read as a number, a date or folded text once (second stage), and the
    conditions compare those values. For aggregates (counts), where the table's own columns
    are not needed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first: dict[str, SqlExpr] = {}  # alias -> expression over the table
        # number forms: step k of every column in stage k (over the stage before), then the
        # casts of the text they leave (``_number_text``, ``_double``)
        self.forms: list[dict[str, SqlExpr]] = []
        self.casts: dict[str, SqlExpr] = {}
        self.second: dict[str, SqlExpr] = {}  # alias -> expression over the stages before
        self._aliases: dict[tuple[str, str], str] = {}

    def _staged(self, stage: dict[str, SqlExpr], key: tuple[str, str], build: Any) -> SqlExpr:
        from sqlglot import exp

        if key not in self._aliases:
            alias = f"leadseg_{key[0]}_{len(self._aliases)}"
            self._aliases[key] = alias
            stage[alias] = build()
        return exp.column(self._aliases[key], quoted=True)

    def stripped(self, column: str) -> SqlExpr:
        if column in self.grade_of:
            return self.grade_label(column, folded=False)
        return self._staged(
            self.first, ("text", column), lambda: super(StagedSqlCompiler, self).stripped(column)
        )

    def number(self, column: str) -> SqlExpr:
        if column in self.score_of:
            return self.score_value(column)
        return self._staged(
            self.second, ("number", column), lambda: super(StagedSqlCompiler, self).number(column)
        )

    def _number_text(self, column: str, text: SqlExpr) -> tuple[str, SqlExpr, SqlExpr]:
        """Each number form's step in a stage of its own, over the column the step before
        left (inline, each step would hold its text three times: 81 copies for four)."""
        for k, step in enumerate(self._steps(column)):
            if k == len(self.forms):
                self.forms.append({})
            text = self._staged(self.forms[k], (f"form{k}", column), lambda t=text, s=step: (
                self._form_step(s, t)
            ))  # fmt: skip
        return self._with_point(text)

    def _double(self, column: str, source: SqlExpr) -> SqlExpr:
        """The cast once, in a stage before the numbers' (a CASE's branches are not shared
        by engines' common-subexpression passes: DuckDB cast twice, 1.19 s against 1.05 s
        on 10M rows): in the first stage, or after the number forms' stages. A TRY_CAST,
        as it sees every value; only grammar-valid ones are kept."""
        from sqlglot import exp

        if self._steps(column):  # ``source``: the forms' last stage, or its REPLACE
            return self._staged(self.casts, ("double", column), lambda: exp.TryCast(
                this=source.copy(), to=exp.DataType.build("DOUBLE"), safe=True
            ))  # fmt: skip

        def cast() -> SqlExpr:
            _, _, text = self._with_point(SqlCompiler.stripped(self, column))
            return exp.TryCast(this=text, to=exp.DataType.build("DOUBLE"), safe=True)

        return self._staged(self.first, ("double", column), cast)

    def day(self, column: str) -> SqlExpr:
        return self._staged(
            self.second, ("date", column), lambda: super(StagedSqlCompiler, self).day(column)
        )

    def folded_text(self, column: str) -> SqlExpr:
        if column in self.grade_of:
            return self.grade_label(column, folded=True)
        return self._staged(
            self.second,
            ("folded", column),
            lambda: super(StagedSqlCompiler, self).folded_text(column),
        )

    def over_stages(self, final: Any, source: SqlExpr, keep: tuple[str, ...] = ()) -> Any:
        """``final`` (a SELECT without FROM) over the two stages of ``source``; ``keep``
        names columns of the source carried through (a row position). Call it after
        building ``final``'s expressions: they register the stages' columns."""
        from sqlglot import exp

        kept = [exp.column(name, quoted=True) for name in keep]
        helpers = [exp.alias_(e, a, quoted=True) for a, e in self.first.items()]
        first = exp.select(*(kept + helpers or [exp.Literal.number(1)])).from_(source)
        stages = [("leadseg_first", first)]
        middle = [*self.forms, *([self.casts] if self.casts else [])]
        for k, stage in enumerate(middle, start=1):
            added = [exp.alias_(e, a, quoted=True) for a, e in stage.items()]
            before = exp.table_(stages[-1][0], quoted=True)
            stages.append((f"leadseg_forms_{k}", exp.select(exp.Star(), *added).from_(before)))
        parsed = [exp.alias_(e, a, quoted=True) for a, e in self.second.items()]
        last = exp.table_(stages[-1][0], quoted=True)
        stages.append(("leadseg_values", exp.select(exp.Star(), *parsed).from_(last)))
        scored, last = self.score_stage_list(exp.table_("leadseg_values", quoted=True))
        final = final.from_(last)
        for name, query in stages + scored:
            final = final.with_(name, as_=query)
        return final


def count_of(condition: SqlExpr) -> SqlExpr:
    """How many rows satisfy ``condition`` (0 on an empty table, not NULL)."""
    from sqlglot import exp

    case = exp.Case().when(condition, exp.Literal.number(1)).else_(exp.Literal.number(0))
    return exp.Coalesce(this=exp.Sum(this=case), expressions=[exp.Literal.number(0)])


def segments_sql(
    segments: SegmentSet,
    *,
    dialect: str,
    table: str,
    select: str = "counts",
    segment: str | None = None,
    as_of: date | None = None,
    decimal_comma: bool = False,
    pretty: bool = True,
) -> str:
    """One SQL statement: ``counts`` (a row: ``rows`` then one column per segment, named
    exactly as the segment), ``flags`` (every column plus one boolean per segment),
    ``members`` (the rows of ``segment``) or ``unreadable`` (a row: ``rows`` then, per
    column compared as a number or a date, its unreadable values, named ``COLUMN (kind)``).
    ``as_of`` None means the dialect's CURRENT_DATE.
    ``segments`` must name its score column (``score_field`` or ``--score-field``)."""
    from sqlglot import exp

    source = (
        exp.to_table(table, dialect=dialect) if "." in table else exp.table_(table, quoted=True)
    )
    if select in ("counts", "unreadable"):
        staged = StagedSqlCompiler(segments, dialect, as_of=as_of, decimal_comma=decimal_comma)
        rows = exp.alias_(exp.Count(this=exp.Star()), "rows", quoted=True)
        if select == "counts":
            counts = [
                exp.alias_(count_of(staged.segment(s)), s.name, quoted=True)
                for s in segments.segments
            ]
        else:
            counts = [
                exp.alias_(count_of(staged.unreadable(c, k)), f"{c} ({k.value})", quoted=True)
                for c, k in parsed_values(segments)
            ]
        query = staged.over_stages(exp.select(rows, *counts), source)
        return query.sql(dialect=dialect, pretty=pretty)
    compiler = SqlCompiler(segments, dialect, as_of=as_of, decimal_comma=decimal_comma)
    for score in segments.scores:  # the score and grade columns come with every row
        compiler.score_value(score.name)
    for grade in segments.grades:
        compiler.grade_label(grade.name, folded=False)
    if select == "members":
        assert segment is not None
        where = compiler.segment(segments.by_name()[segment])
        query = compiler.over_score_stages(exp.select(exp.Star()), source).where(where)
    else:
        flags = [exp.alias_(compiler.segment(s), s.name, quoted=True) for s in segments.segments]
        query = compiler.over_score_stages(exp.select(exp.Star(), *flags), source)
    return query.sql(dialect=dialect, pretty=pretty)


def bind_for_sql(segments: SegmentSet) -> SegmentSet:
    """The score placeholder replaced by the named score column; with no export to detect
    it from, a segment set that compares the score needs ``score_field``."""
    from leadseg.errors import Location, Problem, SegmentFileError
    from leadseg.segments.columns import SCORE, bind_columns
    from leadseg.segments.criteria import conditions
    from leadseg.segments.scores import computed_names, score_reads

    fields = {c.field for s in segments.segments for c in conditions(s.criterion)}
    fields |= {field for score in segments.scores for field, _ in score_reads(score)}
    fields -= set(computed_names(segments))
    if SCORE in fields and segments.score_field is None:
        raise SegmentFileError(
            [
                Problem(
                    "no-score-column",
                    "segments compare the score, and SQL has no export to find its column in",
                    Location(file=segments.source),
                    "set score_field: COLUMN in the segment file, or pass --score-field",
                )
            ]
        )
    header = sorted(
        (fields - {SCORE}) | ({segments.score_field} if segments.score_field else set())
    )
    named = (*segments.column_placeholders, *segments.column_date_formats)
    header += [name for name, _ in (*named, *segments.column_number_forms)]
    return bind_columns(segments, list(dict.fromkeys(header)), "the table")
