"""Header definitions: offsets, zero-copy parsing and builders, one module per protocol."""
