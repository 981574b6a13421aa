"""A free localhost TCP port for a service a test starts."""
from bot.runner.stack import free_port

__all__ = ["free_port"]
