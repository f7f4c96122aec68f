"""Writing: apply, sinks and atomic publication, membership, workbook, the formula guard,
guards, Spark's part files, the score file."""
