"""The segment language: the segment file (``file/``), the criteria tree, splits, quick
segments, scores; binding a segment set to an export's header."""
