"""Human agent accounts and their console login sessions.

    from bot.agents.directory import AgentDirectory
    agents = AgentDirectory(settings.hub_db_url)
    agents.create_schema()
    agent = agents.authenticate("alex", password)   # Agent | None; TooManyAttempts when throttled
    token = agents.start_session(agent)             # the console's cookie value
    agents.session_agent(token)                     # Agent | None on every request

Importing this package is cheap: SQLAlchemy is only imported with `bot.agents.directory`.
"""
