"""Alembic migrations of the local store. ``HEAD`` must name the newest revision (a test checks)."""

HEAD = "0019_card_address"
