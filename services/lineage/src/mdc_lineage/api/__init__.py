"""HTTP API of the lineage service."""
