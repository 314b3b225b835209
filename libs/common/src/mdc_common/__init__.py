"""What MDC services share: settings, broker, storage, database, logging, metrics, health."""
