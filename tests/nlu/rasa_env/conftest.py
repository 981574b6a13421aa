"""Tests of the project's custom Rasa components. They run in the Rasa environment
(.venv-rasa, Python 3.10), where Rasa is installed: `make test` runs them with
`.venv-rasa/bin/python -m pytest tests/nlu/rasa_env`; the services environment skips this folder."""
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))  # `bot.nlu`, as when `rasa` runs from the project root
