"""Carebot: the care hub and the shared Python code behind the Rasa assistant."""
