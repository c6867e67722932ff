"""Alembic migrations of the server database. ``HEAD`` must name the newest revision (a test checks)."""

HEAD = "0005"
