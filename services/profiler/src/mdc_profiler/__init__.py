"""MDC profiler service."""
