"""Alembic environment of the crm database (bot/migrations/environment.py does the work)."""
from bot.migrations.environment import run

run("crm")
