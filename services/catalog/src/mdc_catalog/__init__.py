"""MDC catalog service."""
