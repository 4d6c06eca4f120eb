"""Alembic migrations of the hub database (run programmatically by ``Hub.open``)."""
