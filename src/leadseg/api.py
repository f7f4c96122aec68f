"""The public API: each CLI command is one of these functions."""

from __future__ import annotations

from pathlib import Path

from leadseg.criteria import SegmentSet
from leadseg.engine import RunOptions
from leadseg.results import ApplyResult, CountResult


def validate_segments(
    segments: str | Path, export: str | Path | None = None, options: RunOptions | None = None
) -> SegmentSet:
    """Load and check a segment file (and, given an export, that its columns exist)."""
    from leadseg.columns import bind_columns
    from leadseg.io.readers import open_export
    from leadseg.spec import load_segments

    segment_set = load_segments(segments)
    if export is not None:
        options = options or RunOptions()
        with open_export(export, options.read) as opened:
            bind_columns(segment_set, opened.columns, opened.display)
    return segment_set


def count_segments(
    export: str | Path, segments: SegmentSet, options: RunOptions | None = None
) -> CountResult:
    """Count every segment's members in one pass over the export."""
    from leadseg.engine import count_plan, plan
    from leadseg.io.readers import open_export

    options = options or RunOptions()
    with open_export(export, options.read) as opened:
        return count_plan(plan(opened, segments, options), options)


def apply_segments(
    export: str | Path,
    segments: SegmentSet,
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
) -> ApplyResult:
    """Write one file per segment (plus ``manifest.json``) into ``output_dir``.

    CSV files: cells that may run as formulas in a spreadsheet are counted per file; with
    ``excel_safe`` they are neutralised (see ``leadseg.formulas``)."""
    from leadseg.applying import OutputOptions, apply_plan
    from leadseg.engine import plan
    from leadseg.io.readers import open_export
    from leadseg.io.writers import OutputDir

    options = options or RunOptions()
    out = OutputDir.prepare(Path(output_dir), make=make_dir)
    selected = select_segments(segments, only)
    with out.locked(wait_lock), open_export(export, options.read) as opened:
        output = OutputOptions(output_format, file_mode, excel_safe, tuple(safe_columns))
        return apply_plan(plan(opened, segments, options), out, selected, output, options)


def select_segments(segments: SegmentSet, only: list[str] | None) -> list[str]:
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
