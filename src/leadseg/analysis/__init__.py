"""The analyst's questions about an export, each answered by one pass of any engine:
``describe`` (what a column holds), ``explain`` (why a segment has the count it has),
``overlap`` (which segments share contacts). Each builds a plan the engines already know
how to run -- extra segments (``explain``, ``describe``), a grouping (``overlap``), value
counts (``describe``) -- so a rule of the semantics stays written once."""
