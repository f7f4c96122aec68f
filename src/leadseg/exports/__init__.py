"""Reading exports: sources, dialects, the structure proof, readers and the cache."""
