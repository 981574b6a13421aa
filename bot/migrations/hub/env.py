"""Alembic environment of the hub database (bot/migrations/environment.py does the work)."""
from bot.migrations.environment import run

run("hub")
