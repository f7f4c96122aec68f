"""The Polars engine: its compiler (criteria -> expressions) and its runner."""
