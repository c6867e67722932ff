"""The central server: organisations, central staff, enrolled devices, and (next) the sync protocol.

``centre-desk-server`` (``cli.py``) administers it; ``api.py`` is the HTTP interface served by
uvicorn. The schema lives in ``models.py`` with its own Alembic migrations in ``migrations/``;
it runs on PostgreSQL 15 or on an SQLite file (single-site trial).
"""
