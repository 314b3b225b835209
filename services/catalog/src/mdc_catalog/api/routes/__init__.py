"""Routers of the catalog API."""
