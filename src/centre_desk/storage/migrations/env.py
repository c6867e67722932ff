"""Alembic environment: always run against the already-unlocked connection we are handed."""

from __future__ import annotations

from alembic import context

from centre_desk.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
