"""What both env.py files run: Alembic's environment for one of Carebot's databases.

`bot.db.upgrade` hands over an open connection (``config.attributes["connection"]``), inside a
transaction that holds the migration lock; Alembic then neither connects nor commits by itself.
The `alembic` command line (alembic.ini at the project root, docs/database.md) gives a URL instead:
``-x url=sqlite:///var/hub.db``.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from bot.migrations import DATABASES


def run(name: str) -> None:
    database = DATABASES[name]
    config = context.config
    options = dict(
        target_metadata=database.metadata(),
        version_table=database.version_table,
        include_name=lambda item, kind, _parent: kind != "table" or database.owns(item),
        render_as_batch=True,  # SQLite alters a table by copying it: batch operations do that
        compare_type=True,
        compare_server_default=True,
    )
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit(f"no {name} database given: alembic{'' if name == 'hub' else ' -n ' + name} -x url=URL ... "
                         "(or `carebot db upgrade`, which reads the URL from the settings)")
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool, hide_parameters=True)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **options)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()
