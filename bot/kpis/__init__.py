"""Care KPIs (metrics.py: the definitions and their computation) and the `carebot kpis` command."""
