"""The catalog's HTTP API: provider admin endpoints and consumer dataset endpoints."""
