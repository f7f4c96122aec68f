"""The public API: each CLI command is one of these functions."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from leadseg import system
from leadseg.engines.plan import RunOptions
from leadseg.errors import Problem
from leadseg.results import ApplyResult, CountResult
from leadseg.segments.criteria import SegmentSet

if TYPE_CHECKING:
    from collections.abc import Iterator

    from leadseg.analysis.describe import DescribeResult
    from leadseg.analysis.diff import DiffResult
    from leadseg.analysis.explain import ExplainResult
    from leadseg.analysis.overlap import OverlapResult
    from leadseg.analysis.report import Report
    from leadseg.analysis.score_waterfall import ScoreWaterfall
    from leadseg.engines import Work
    from leadseg.engines.plan import Plan
    from leadseg.exports.readers import Export
    from leadseg.outputs.guards import Guards
    from leadseg.outputs.membership import Membership
    from leadseg.outputs.score_file import ScoreResult
    from leadseg.outputs.workbook import WorkbookOptions

Segments = SegmentSet | str | Path  # a validated set, or the path of a segment file


def validate_segments(
    segments: Segments,
    export: str | Path | None = None,
    options: RunOptions | None = None,
    warnings: list[str] | None = None,
) -> SegmentSet:
    """Load and check a segment file and, given an export, that its columns exist and that
    the columns it compares are readable (from a sample of the export's rows). Every
    problem is reported in one ``SegmentFileError``; ``warnings`` (when given) receives what
    is not an error: a number column compared that holds a code for "no value", a score
    group whose rules cannot reach its limit, a score rule no sampled row earns."""
    from leadseg.analysis.sample_check import check_sample
    from leadseg.analysis.score_checks import limit_warnings

    options = options or RunOptions()
    segment_set, problems = _load(segments, options)
    found = limit_warnings(segment_set)
    if export is None:
        _raise_problems(problems)
    else:
        with _opened(export, options) as (opened, options):
            found += check_sample(_planned(opened, segment_set, problems, options), options)
    if warnings is not None:
        warnings.extend(found)
    return segment_set


def count_segments(
    export: str | Path,
    segments: Segments,
    options: RunOptions | None = None,
    guards: Guards | None = None,
) -> CountResult:
    """Count every segment's members in one pass over the export. With ``guards``, the
    result carries their checks (``guards``; ``leadseg.outputs.guards.enforce`` raises on a
    breach)."""
    import dataclasses

    from leadseg.engines.plan import count_plan
    from leadseg.outputs.guards import check_guards

    options = options or RunOptions()
    segment_set, problems = _load(segments, options, needed_by="count")
    with _opened(export, options) as (opened, options):
        result = count_plan(_planned(opened, segment_set, problems, options), options)
    if guards:
        pairs = [(s.name, s.count) for s in result.segments]
        result = dataclasses.replace(result, guards=check_guards(pairs, guards))
    return result


@contextmanager
def _opened(
    export: str | Path, options: RunOptions, *, work: Work = "sums"
) -> Iterator[tuple[Export, RunOptions]]:
    """The export opened for the engine that runs (``--engine``, ``auto`` resolved), and the
    options naming it. DuckDB and Spark read one Parquet file: a CSV's validated copy (its
    structure proven as the Polars engine proves it, so errors and row numbers are the same
    everywhere), made in a private temporary directory that vanishes afterwards."""
    import dataclasses
    import tempfile

    from leadseg.engines import choose
    from leadseg.exports.readers import input_format, is_lake, open_export

    asked = options.engine
    engine = choose(asked, input_format(export, options.read), work=work)
    options = dataclasses.replace(options, engine=engine)
    if str(export) != "-" and is_lake(export):
        from leadseg.engines import lake_export

        lake = lake_export(str(export), options, engine)
        if lake is not None:
            yield lake, options
            return
    read = dataclasses.replace(options.read, sql_header=engine == "duckdb")
    with open_export(export, read) as opened:
        if engine == "polars" and opened.format == "parquet" and opened.csv_delimiter:
            # a CSV read from its --cache copy: counted as the Parquet it now is
            engine = choose(asked, "parquet", work=work)
        if engine == "duckdb" and not _duckdb_can_read(opened, asked):
            engine = "polars"
        options = dataclasses.replace(options, engine=engine)
        if engine == "polars":
            yield opened, options
            return
        from leadseg.exports.cache import columnar

        # Windows cannot delete a file that is still open or mapped: a leftover in TEMP
        # rather than a failed run.
        with tempfile.TemporaryDirectory(
            prefix="leadseg-", ignore_cleanup_errors=True
        ) as directory:
            yield columnar(opened, Path(directory)), options


def _duckdb_can_read(opened: Export, asked: str) -> bool:
    """DuckDB numbers a Parquet file's rows in a column ``file_row_number``: an export with
    a column of that name is read by Polars when the engine is automatic, and is a usage
    error with ``--engine duckdb``."""
    from leadseg.errors import UsageError

    if not any(c.casefold() == "file_row_number" for c in opened.columns):
        return True
    if asked == "duckdb":
        raise UsageError(
            f"{opened.display} has a column named file_row_number, which DuckDB reserves",
            hint="use --engine polars, or rename the column",
        )
    return False


def _load(
    segments: Segments, options: RunOptions, needed_by: str | None = None
) -> tuple[SegmentSet, list[Problem]]:
    """A segment set and the problems of its file; raises only when nothing could be built
    (so that, given an export, column problems join the same report), or when the command
    ``needed_by`` evaluates segments and a file of score sheets has none."""
    from leadseg.errors import SegmentFileError
    from leadseg.segments.file import load_segments

    if isinstance(segments, SegmentSet):
        return _with_segments(segments, needed_by), []
    try:
        loaded = load_segments(segments, remember=options.remember_segment_files)
    except SegmentFileError as exc:
        if exc.partial is None:
            raise
        return exc.partial, exc.problems
    return _with_segments(loaded, needed_by), []


def _with_segments(segment_set: SegmentSet, needed_by: str | None) -> SegmentSet:
    from leadseg.errors import Location, SegmentFileError

    if needed_by is None or segment_set.segments:
        return segment_set
    problem = Problem(
        "no-segments",
        f"the file has only score sheets, no segments for {needed_by} to evaluate",
        Location(file=segment_set.source, line=1, column=1),
        "add a segments: list; a file of score sheets only is for leadseg score, "
        "explain --score, describe --field and report",
    )
    raise SegmentFileError([problem])


def _raise_problems(problems: list[Problem]) -> None:
    from leadseg.errors import SegmentFileError

    if problems:
        raise SegmentFileError(problems)


def _planned(
    opened: Export, segments: SegmentSet, problems: list[Problem], options: RunOptions
) -> Plan:
    """Bind and compile; the file's problems and the column problems in one report."""
    from leadseg.engines.plan import plan
    from leadseg.errors import UnknownColumnError

    try:
        planned = plan(opened, segments, options)
    except UnknownColumnError as exc:
        _raise_problems(problems + exc.problems)
        raise
    _raise_problems(problems)
    return planned


def apply_segments(
    export: str | Path,
    segments: Segments,
    output_dir: str | Path,
    *,
    output_format: str = "csv",
    only: list[str] | None = None,
    options: RunOptions | None = None,
    file_mode: int = 0o600,
    make_dir: bool = False,
    wait_lock: float = 0.0,
    excel_safe: bool = False,
    safe_columns: tuple[str, ...] = (),
    bom: bool = False,
    spark_parts: bool = False,
    guards: Guards | None = None,
    membership: Membership | None = None,
    workbook: WorkbookOptions | None = None,
    with_scores: bool = False,
) -> ApplyResult:
    """Write one file per segment (plus ``manifest.json``) into ``output_dir``.

    CSV files: cells that may run as formulas in a spreadsheet are counted per file; with
    ``excel_safe`` they are neutralised (see ``leadseg.outputs.formulas``). ``spark_parts`` (with
    the Spark engine): each segment is a directory of part files Spark writes. ``guards``
    (``--expect``, ``--max-change`` against the manifest in ``output_dir``): a breach
    raises ``GuardBreach`` and nothing is replaced. ``membership``: also one file with a
    row per contact and a true/false column per segment (``leadseg.outputs.membership``). ``bom``:
    CSV/TSV files start with a UTF-8 byte-order mark (for Excel on Windows). ``with_scores``:
    every file (segments, membership, workbook) gets the segment file's score and grade
    columns after the export's."""
    import dataclasses

    from leadseg.outputs.applying import OutputOptions, apply_plan
    from leadseg.outputs.writers import LOCK_FILE, MANIFEST, OUTPUT_SUFFIXES, OutputDir, name_key

    options = options or RunOptions()
    if output_format not in OUTPUT_SUFFIXES:
        from leadseg.errors import UsageError

        raise UsageError(
            f"output format {output_format!r} is not one of " + ", ".join(OUTPUT_SUFFIXES)
        )
    if membership is not None and with_scores:
        membership = dataclasses.replace(membership, with_scores=True)
    if spark_parts:
        _check_spark_parts(options, excel_safe, bom)
        if with_scores:
            from leadseg.errors import UsageError

            raise UsageError(
                "--with-scores is written on this machine; --spark-parts writes where Spark runs",
                hint="drop one of them, or run leadseg score -o FILE first",
            )
        if membership is not None or workbook is not None:
            from leadseg.errors import UsageError

            raise UsageError(
                "--membership and --workbook are written on this machine; --spark-parts "
                "writes where Spark runs",
                hint="drop one of them",
            )
    segment_set, problems = _load(segments, options, needed_by="apply")
    out = OutputDir.prepare(Path(output_dir), make=make_dir)
    selected = _select_segments(segment_set, only) if not problems else []
    with _opened(export, options, work="writes") as (opened, options):
        planned = _planned(opened, segment_set, problems, options)
        mode = file_mode if system.modes_apply() else None
        output = OutputOptions(
            output_format, mode, excel_safe, tuple(safe_columns), guards=guards,
            membership=membership, workbook=workbook, bom=bom, with_scores=with_scores,
        )  # fmt: skip
        if membership is not None:
            membership.key_columns(planned)  # a usage error before any work
        suffix = OUTPUT_SUFFIXES[output_format]
        names = [s.slug + suffix for s in segment_set.segments]
        for extra in output.extra_files:
            if name_key(extra) in {name_key(n) for n in [*names, MANIFEST, LOCK_FILE]}:
                from leadseg.errors import UsageError

                raise UsageError(
                    f"{extra} is a segment's file name, or another output's (names that "
                    "differ only in case are one file on Windows and macOS)",
                    hint="choose another name",
                )
            names.append(extra)
        out.guard(names, _protected(opened, segment_set, options))
        with out.locked(wait_lock):
            if spark_parts:
                from leadseg.outputs.spark_parts import apply_parts

                return apply_parts(planned, out, selected, output, options)
            return apply_plan(planned, out, selected, output, options)


def score_export(
    export: str | Path,
    segments: Segments,
    output: str | Path,
    *,
    output_format: str | None = None,
    options: RunOptions | None = None,
    file_mode: int = 0o600,
    bom: bool = False,
) -> ScoreResult:
    """Write the whole export to ``output`` with the segment file's score and grade
    columns after its own (``leadseg.segments.scores``), whole or not at all. ``output_format``:
    csv, tsv, parquet or ndjson (default: by ``output``'s extension)."""
    from leadseg.errors import UsageError
    from leadseg.outputs.score_file import output_format as format_of
    from leadseg.outputs.score_file import write_scored
    from leadseg.outputs.single_file import check_writable

    options = options or RunOptions()
    path = Path(output)
    fmt = format_of(path, output_format)
    check_writable(path, "-o")
    segment_set, problems = _load(segments, options)
    if not segment_set.scores and not problems:
        raise UsageError(
            f"{segment_set.source or 'the segment file'} defines no scores",
            hint='add a scores: section (README "Scoring rules"), or use apply',
        )
    with _opened(export, options, work="writes") as (opened, options):
        planned = _planned(opened, segment_set, problems, options)
        source = opened.source_path
        if source is not None and path.exists() and path.resolve() == Path(source).resolve():
            raise UsageError("-o names the export itself", hint="write the scores to another file")
        mode = file_mode if system.modes_apply() else None
        return write_scored(planned, path, fmt, options, file_mode=mode, bom=bom)


def _check_spark_parts(options: RunOptions, excel_safe: bool, bom: bool) -> None:
    from leadseg.errors import UsageError

    if options.engine != "spark":
        raise UsageError(
            "--spark-parts is Spark's way of writing", hint="add --engine spark, or drop it"
        )
    if excel_safe:
        raise UsageError(
            "--excel-safe needs the rows on this machine; --spark-parts writes them where "
            "Spark runs",
            hint="drop one of the two",
        )
    if bom:
        raise UsageError(
            "--bom is written on this machine; --spark-parts writes where Spark runs",
            hint="drop one of the two",
        )


def _protected(opened: Export, segments: SegmentSet, options: RunOptions) -> dict[str, Path]:
    """Files no output may replace: the export, the segment file, the cache directory."""
    protected = {}
    if opened.source_path is not None:
        protected["export"] = opened.source_path
    if segments.source and Path(segments.source).is_file():
        protected["segment file"] = Path(segments.source)
    if options.read.cache_dir is not None:
        protected["cache directory"] = options.read.cache_dir
    return protected


def _select_segments(segments: SegmentSet, only: list[str] | None) -> list[str]:
    """Names chosen by ``--only`` (case-insensitive), in file order; all when none given."""
    import difflib

    from leadseg.errors import UsageError

    if not only:
        return segments.names()
    by_key = {name.casefold(): name for name in segments.names()}
    chosen = set()
    for name in only:
        if name.casefold() not in by_key:
            close = difflib.get_close_matches(name, segments.names(), n=1)
            raise UsageError(
                f"--only {name!r}: no such segment",
                hint=f"did you mean {close[0]!r}?"
                if close
                else "segments: " + ", ".join(segments.names()),
            )
        chosen.add(by_key[name.casefold()])
    return [n for n in segments.names() if n in chosen]


def segments_sql(
    segments: Segments,
    *,
    dialect: str,
    table: str,
    select: str = "counts",
    segment: str | None = None,
    as_of: date | None = None,
    options: RunOptions | None = None,
) -> str:
    """One SQL statement evaluating the segments on ``table`` in ``dialect`` (``counts``,
    ``flags``, the ``members`` of ``segment``, or ``unreadable`` values per compared
    column); ``as_of`` None is the SQL's CURRENT_DATE."""
    from leadseg.errors import UsageError, require

    require("sqlglot", "sql", "leadseg sql")
    from leadseg.engines.plan import with_overrides
    from leadseg.engines.sql.compiler import bind_for_sql
    from leadseg.engines.sql.compiler import segments_sql as compile_sql

    options = options or RunOptions()
    segment_set, problems = _load(segments, options, needed_by="sql")
    _raise_problems(problems)
    bound = bind_for_sql(with_overrides(segment_set, options))
    chosen = None
    if select == "members":
        if segment is None:
            raise UsageError("--select members needs --segment NAME")
        chosen = _select_segments(bound, [segment])[0]
    elif segment is not None:
        raise UsageError("--segment goes with --select members")
    return compile_sql(
        bound, dialect=dialect, table=table, select=select, segment=chosen, as_of=as_of,
        decimal_comma=options.decimal_comma,
    )  # fmt: skip


def explain_segments(
    export: str | Path,
    segments: Segments,
    names: list[str] | None = None,
    options: RunOptions | None = None,
) -> ExplainResult:
    """A waterfall per segment (``names``, all when None) in one pass over the export."""
    from leadseg.analysis.explain import explained, waterfall_segments
    from leadseg.engines.plan import count_plan

    options = options or RunOptions()
    segment_set, problems = _load(segments, options, needed_by="explain")
    with _opened(export, options) as (opened, options):
        planned = _planned(opened, segment_set, problems, options)
        chosen = _select_segments(planned.segments, names)
        widened, waterfalls = waterfall_segments(planned.segments, chosen)
        counts = count_plan(planned.widened(widened), options)
    return explained(counts, chosen, waterfalls)


def explain_score(
    export: str | Path, segments: Segments, name: str, options: RunOptions | None = None
) -> ScoreWaterfall:
    """The waterfall of score ``name``: per group and rule, the contacts given points and
    the points given, in one pass over the export."""
    from leadseg.analysis.score_waterfall import score_waterfall
    from leadseg.errors import UsageError

    options = options or RunOptions()
    segment_set, problems = _load(segments, options)
    names = [s.name for s in segment_set.scores]
    if name not in names and not problems:
        import difflib

        close = difflib.get_close_matches(name, names, n=1)
        raise UsageError(
            f"--score {name!r}: no such score in {segment_set.source or 'the segment file'}",
            hint=f"did you mean {close[0]!r}?"
            if close
            else "scores: " + (", ".join(names) or "none"),
        )
    with _opened(export, options, work="writes") as (opened, options):
        planned = _planned(opened, segment_set, problems, options)
        return score_waterfall(planned, name, options)


def overlap_segments(
    export: str | Path, segments: Segments, options: RunOptions | None = None
) -> OverlapResult:
    """Members shared by every pair of segments, and the largest exact combinations, in one
    pass over the export."""
    from leadseg.analysis.overlap import overlap_of
    from leadseg.engines import engine_for
    from leadseg.engines.plan import counted

    options = options or RunOptions()
    segment_set, problems = _load(segments, options, needed_by="overlap")
    with _opened(export, options) as (opened, options):
        planned = _planned(opened, segment_set, problems, options)
        totals, combinations = engine_for(options).combinations(planned)
        counts = counted(planned, totals, options)
    return overlap_of(
        planned.segments.names(), [s.name for s in planned.order], combinations,
        input=counts.input, rows=counts.rows, as_of=counts.as_of, unreadable=counts.unreadable,
    )  # fmt: skip


def describe_export(
    export: str | Path,
    fields: list[str] | None = None,
    *,
    every_column: bool = False,
    segments: Segments | None = None,
    bins: int = 10,
    options: RunOptions | None = None,
) -> DescribeResult:
    """Each field as leadseg reads it (default: the score column; ``every_column``: all),
    in one pass over the export (and a look at its first rows to tell the kind of a
    column no segment compares)."""
    from leadseg.analysis.describe_plan import describe_plan

    options = options or RunOptions()
    problems: list[Problem] = []
    if segments is None:
        segment_set = SegmentSet(())
    else:
        segment_set, problems = _load(segments, options)
    with _opened(export, options, work="values") as (opened, options):
        planned = _planned(opened, segment_set, problems, options)
        return describe_plan(planned, fields, every_column, bins, options)


def report_data(
    export: str | Path, segments: Segments, options: RunOptions | None = None
) -> Report:
    """Everything ``leadseg report`` shows, from one pass over the export: counts,
    waterfalls and overlap (the segments and their waterfall steps, grouped by
    membership), the score column's figures (its ``describe`` segments and values), and
    their provenance."""
    import dataclasses

    from leadseg import __version__
    from leadseg.analysis.describe import known_kinds, profile_segments
    from leadseg.analysis.describe_plan import described
    from leadseg.analysis.explain import explained, waterfall_segments
    from leadseg.analysis.overlap import overlap_of
    from leadseg.analysis.report import Provenance, Report
    from leadseg.engines import engine_for
    from leadseg.engines.plan import counted
    from leadseg.exports.fingerprint import BackgroundDigest
    from leadseg.outputs.applying import source_digest
    from leadseg.segments.criteria import Kind

    options = options or RunOptions()
    segment_set, problems = _load(segments, options)
    with _opened(export, options, work="values") as (opened, options):
        planned = _planned(opened, segment_set, problems, options)
        digest = source_digest(planned)
        names = planned.segments.names()
        widened, waterfalls = waterfall_segments(planned.segments, names)
        score = planned.score_column
        chosen = []
        if score is not None:
            chosen = [(score, known_kinds(planned.segments).get(score, Kind.NUMBER))]
        extra = tuple(profile_segments(chosen, planned.segments))
        wide = planned.widened(dataclasses.replace(widened, segments=widened.segments + extra))
        found = engine_for(options).distributions(wide, combinations=True)
        counts = counted(wide, found.totals, options)
        overlap = overlap_of(
            names, [s.name for s in wide.order], found.combinations or [], input=counts.input,
            rows=counts.rows, as_of=counts.as_of, unreadable=counts.unreadable,
        )  # fmt: skip
        profile, missing = None, None
        if chosen:
            profile = described(wide, chosen, found, 20, planned.segments, options)
        else:
            from leadseg.segments.columns import no_score_column

            problem = no_score_column(list(opened.columns), opened.display)
            missing = f"{problem.message}; {problem.hint}"
        scored = None
        if planned.segments.scores:
            from leadseg.analysis.score_figures import score_figures

            scored = score_figures(planned, options)
        source = opened.source_path or opened.local_path
        provenance = Provenance(
            input=opened.display,
            size=None if opened.lake else source.stat().st_size,
            sha256=digest.hexdigest() if isinstance(digest, BackgroundDigest) else digest,
            segments_file=planned.segments.source,
            segments_sha256=planned.segments.sha256,
            leadseg_version=__version__,
            as_of=planned.as_of.isoformat(),
            engine=options.engine,
        )
    own = [c for c in counts.segments if c.name in set(names)]
    return Report(
        provenance, counts.rows, own, explained(counts, names, waterfalls), overlap, profile,
        missing, scored,
    )  # fmt: skip


def diff_exports(
    old: str | Path,
    new: str | Path,
    segments: Segments,
    key: str,
    options: RunOptions | None = None,
    output_dir: str | Path | None = None,
    make_dir: bool = False,
    bom: bool = False,
) -> DiffResult:
    """Per segment, who entered and who left between ``old`` and ``new``, matched by the
    ``key`` column (trimmed, ignoring case). With ``output_dir``: ``<slug>.entered.csv``
    (rows of ``new``) and ``<slug>.left.csv`` (rows of ``old``), written like ``apply``
    (``bom``: each starting with a UTF-8 byte-order mark, for Excel on Windows).
    Blank and repeated keys are reported (an error with ``options.strict``)."""
    from contextlib import ExitStack

    from leadseg.analysis.diff import DiffResult, changes, key_problems
    from leadseg.analysis.diff_files import check_keys, write_changes
    from leadseg.engines import engine_for
    from leadseg.engines.plan import counted
    from leadseg.outputs.writers import OutputDir
    from leadseg.segments.columns import find_column

    options = options or RunOptions()
    segment_set, problems = _load(segments, options, needed_by="diff")
    out = OutputDir.prepare(Path(output_dir), make=make_dir) if output_dir is not None else None
    with ExitStack() as stack:
        plans = []
        for export in (old, new):
            opened, run = stack.enter_context(_opened(export, options, work="keys"))
            planned = _planned(opened, segment_set, problems, run)
            column = find_column(key, list(opened.columns), opened.display, "--key")
            plans.append((planned, run, column))
        # one engine for both (``auto`` picks Polars for keyed groups, whatever the format)
        columns = [k for _, _, k in plans]
        all_totals, groups = engine_for(plans[0][1]).keyed_groups(
            [p for p, _, _ in plans], columns, name_changes=out is not None
        )
        counts, found = [], []
        for source, ((planned, run, _), totals) in enumerate(zip(plans, all_totals, strict=True)):
            result = counted(planned, totals, run)
            counts.append({s.name: s.count for s in result.segments})
            row_of = planned.export.structure.spreadsheet_row
            found.append(key_problems(groups, source, row_of))
        # one segment set: the same evaluation order in both
        index_of = {s.name: i for i, s in enumerate(plans[0][0].order)}
        if options.strict:
            check_keys(found, [p.export.display for p, _, _ in plans], key)
        names = segment_set.names()
        per_segment, keys = changes(names, groups, index_of, (counts[0], counts[1]))
        if out is not None:
            per_segment = write_changes(out, plans, per_segment, keys, key, bom)
    return DiffResult(
        plans[0][0].export.display, plans[1][0].export.display, plans[1][2], per_segment,
        found[0], found[1], None if out is None else str(out.path),
    )  # fmt: skip


def starter_segments(export: str | Path, options: RunOptions | None = None) -> str:
    """A first segment file for ``export`` (``leadseg init``), as text: thresholds from its
    score columns' quantiles (one pass over the export, reading those columns) and examples
    on its own columns (from every column of its first rows)."""
    import dataclasses
    from datetime import date

    from leadseg.analysis.describe_plan import describe_plan
    from leadseg.analysis.starter import second_score, starter_file
    from leadseg.engines.plan import SAMPLE_ROWS

    options = options or RunOptions()
    segment_set = SegmentSet((), score_field=options.score_field)
    with _opened(export, options, work="values") as (opened, options):
        planned = _planned(opened, segment_set, [], options)
        score = planned.score_column
        if score is None:
            from leadseg.errors import UnknownColumnError
            from leadseg.segments.columns import no_score_column

            header = list(opened.columns)
            raise UnknownColumnError([no_score_column(header, opened.display)])
        sample = describe_plan(planned, None, True, 10, options, rows=SAMPLE_ROWS)
        other = second_score(sample.fields, score)
        scores = [score] + ([other.name] if other is not None else [])
        whole = {f.name: f for f in describe_plan(planned, scores, False, 10, options).fields}
        fields = [whole.get(f.name, f) for f in sample.fields]
        name = Path(opened.display).name
    return starter_file(
        dataclasses.replace(sample, fields=fields), score, name, date.today(),
        options.number_forms, options.date_formats,
    )  # fmt: skip
