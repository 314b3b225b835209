"""MDC change-detector service."""
