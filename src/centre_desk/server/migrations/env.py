"""Alembic environment: run on the connection ``Database.upgrade`` hands over, in its transaction."""

from __future__ import annotations

from alembic import context

from centre_desk.server.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
