"""MDC orchestrator-bridge service."""
