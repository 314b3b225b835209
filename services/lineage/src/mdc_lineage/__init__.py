"""MDC lineage service."""
